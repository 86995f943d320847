// SPDX-License-Identifier: GPL-2.0
/*
 * Small helpers shared by the ksrv user-space tools.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull accepts leading space and '-', which we do not want. */
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (!parse_u64(s, 1, 65535, &v))
		return false;
	*out = (uint16_t)v;
	return true;
}

static uint64_t read_nr_open(void)
{
	unsigned long long v = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

uint64_t raise_nofile(uint64_t want)
{
	struct rlimit rl;
	uint64_t nr_open;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (want > rl.rlim_max) {
		/* Only works with CAP_SYS_RESOURCE; harmless to try. */
		nr_open = read_nr_open();
		if (nr_open && want > nr_open)
			want = nr_open;
		if (want > rl.rlim_max) {
			struct rlimit big = { want, want };

			if (!setrlimit(RLIMIT_NOFILE, &big))
				return want;
		}
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		getrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_cur;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool resolve_host(const char *host, uint16_t port, struct sockaddr_storage *ss,
		  socklen_t *len)
{
	struct addrinfo hints = { 0 }, *res;
	char portstr[8];
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(portstr, sizeof(portstr), "%u", port);
	rc = getaddrinfo(host, portstr, &hints, &res);
	if (rc) {
		fprintf(stderr, "%s: cannot resolve '%s': %s\n", prog_name, host,
			gai_strerror(rc));
		return false;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return true;
}

void format_addr(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, len, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(buf, len, "%s:%u", ip, ntohs(s4->sin_port));
	}
}

bool set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
}

bool epoll_want(int epfd, int fd, void *ptr, uint32_t *cur, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	if (*cur == events)
		return true;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev))
		return false;
	*cur = events;
	return true;
}

bool http_is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

bool http_name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp(name, want, len);
}

bool http_has_token(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok), i = 0, s, e;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && !strncasecmp(v + s, tok, tl))
			return true;
	}
	return false;
}

ssize_t send_nb(int fd, const void *buf, size_t len)
{
	ssize_t n;

	if (!len)
		return 0;
	do {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == 0) {
		errno = 0;
		return -1;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}

ssize_t recv_nb(int fd, void *buf, size_t len)
{
	ssize_t n;

	do {
		n = recv(fd, buf, len, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return RECV_AGAIN;
	return n;
}

unsigned int online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}
