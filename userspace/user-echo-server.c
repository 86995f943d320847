// SPDX-License-Identifier: GPL-2.0
/*
 * user-echo-server - RFC 862 echo server in user space, used as the
 * baseline the in-kernel ksrv echo service is compared against.
 *
 * Semantics match the kernel service: every byte read is written back,
 * unchanged and in order.  When a send is short, the unsent tail is kept
 * and the connection stops reading until it has been flushed, so a client
 * that does not read cannot make us buffer more than one read's worth.
 * After the client half-closes, pending data is flushed and the socket is
 * closed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>

#include "common.h"

#define SCRATCH_SIZE	(64 * 1024)
#define MAX_EVENTS	256
#define READ_BUDGET	16	/* reads per wakeup, keeps one client from hogging */
#define ACCEPT_BUDGET	64
#define MAX_THREADS	256

const char *prog_name = "user-echo-server";

struct conn {
	int fd;
	uint32_t events;	/* what is registered in epoll right now */
	bool rd_eof;		/* client sent FIN */
	char *pend;		/* unsent tail of the last read */
	size_t pend_len;
	size_t pend_off;
	struct conn *prev, *next;
};

struct worker {
	pthread_t tid;
	int epfd;
	int lfd;
	int spare_fd;		/* released to shed connections on EMFILE */
	char *scratch;
	struct conn head;	/* list of open connections, for shutdown */
	uint64_t accepted;
	uint64_t bytes;
	uint64_t open;
};

static int stop_fd = -1;
/* Markers stored in epoll_event.data.ptr to tell fds apart. */
static char listen_marker, stop_marker;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-p PORT] [-b ADDR] [-t THREADS] [-q] [-h]\n"
		"  RFC 862 echo server (epoll, non-blocking).\n"
		"  -p PORT     TCP port to listen on (default 12345)\n"
		"  -b ADDR     bind address (default :: dual-stack, else 0.0.0.0)\n"
		"  -t THREADS  worker threads, each with its own SO_REUSEPORT\n"
		"              listener (1..%d, default 1)\n"
		"  -q          quiet: no startup/shutdown messages\n"
		"  -h          show this help\n"
		"  Stops cleanly on SIGINT/SIGTERM.\n",
		prog_name, MAX_THREADS);
}

static void conn_link(struct worker *w, struct conn *c)
{
	c->next = w->head.next;
	c->prev = &w->head;
	w->head.next->prev = c;
	w->head.next = c;
	w->open++;
}

static void conn_close(struct worker *w, struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	/* close() also removes the fd from the epoll set. */
	close(c->fd);
	free(c->pend);
	free(c);
	w->open--;
}

/* Change the epoll interest set only when it differs, to save syscalls. */
static bool conn_want(struct worker *w, struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return true;
	if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev))
		return false;
	c->events = events;
	return true;
}

/* Returns bytes sent (possibly 0 on EAGAIN) or -1 on a fatal error. */
static ssize_t send_some(int fd, const char *buf, size_t len)
{
	ssize_t n;

	do {
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
	return n;
}

/* Try to flush the pending tail.  Returns false on a fatal error. */
static bool conn_flush(struct conn *c)
{
	ssize_t n = send_some(c->fd, c->pend + c->pend_off,
			      c->pend_len - c->pend_off);

	if (n < 0)
		return false;
	c->pend_off += n;
	if (c->pend_off == c->pend_len) {
		free(c->pend);
		c->pend = NULL;
		c->pend_len = c->pend_off = 0;
	}
	return true;
}

/* Echo what was just read; keep whatever the socket would not take. */
static bool conn_echo(struct worker *w, struct conn *c, size_t len)
{
	ssize_t n = send_some(c->fd, w->scratch, len);

	if (n < 0)
		return false;
	w->bytes += len;
	if ((size_t)n == len)
		return true;
	c->pend = malloc(len - n);
	if (!c->pend)
		return false;
	memcpy(c->pend, w->scratch + n, len - n);
	c->pend_len = len - n;
	c->pend_off = 0;
	return true;
}

/*
 * Drive one connection as far as it can go without blocking.  The epoll
 * registration is level-triggered: EPOLLIN while we may read, EPOLLOUT
 * (and deliberately not EPOLLIN) while a tail is pending.
 */
static void conn_service(struct worker *w, struct conn *c)
{
	int budget = READ_BUDGET;
	ssize_t n;

	for (;;) {
		if (c->pend_len) {
			if (!conn_flush(c))
				goto fail;
			if (c->pend_len) {
				if (!conn_want(w, c, EPOLLOUT))
					goto fail;
				return;
			}
		}
		if (c->rd_eof)
			goto fail;	/* all echoed after FIN: done */
		if (budget-- == 0)
			break;		/* level-triggered: we get called again */
		n = recv(c->fd, w->scratch, SCRATCH_SIZE, 0);
		if (n > 0) {
			if (!conn_echo(w, c, n))
				goto fail;
		} else if (n == 0) {
			c->rd_eof = true;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			goto fail;
		}
	}
	if (conn_want(w, c, EPOLLIN))
		return;
fail:
	conn_close(w, c);
}

/* Out of fds: accept and drop one connection so the backlog drains. */
static void shed_one(struct worker *w)
{
	int fd;

	if (w->spare_fd < 0)
		return;
	close(w->spare_fd);
	fd = accept(w->lfd, NULL, NULL);
	if (fd >= 0)
		close(fd);
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void accept_some(struct worker *w)
{
	static const int one = 1;
	struct epoll_event ev;
	struct conn *c;
	int i, fd;

	for (i = 0; i < ACCEPT_BUDGET; i++) {
		fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE)
				shed_one(w);
			else if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		/* Latency matters more than segment count for an echo. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		conn_link(w, c);
		w->accepted++;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	int i, n;

	for (;;) {
		n = epoll_wait(w->epfd, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("epoll_wait");
			break;
		}
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &stop_marker)
				goto out;
			if (p == &listen_marker)
				accept_some(w);
			else
				conn_service(w, p);
		}
	}
out:
	while (w->head.next != &w->head)
		conn_close(w, w->head.next);
	return NULL;
}

static int open_listener(int family, const void *addr, uint16_t port,
			 bool reuseport)
{
	static const int one = 1, zero;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd;

	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, sizeof(s6->sin6_addr));
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, sizeof(s4->sin_addr));
		len = sizeof(*s4);
	}
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)))
		goto fail;
	/* Dual stack, so both 127.0.0.1 and ::1 reach us. */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 65535))
		goto fail;
	return fd;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

static int setup_worker(struct worker *w, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	w->lfd = lfd;
	w->head.next = w->head.prev = &w->head;
	w->scratch = malloc(SCRATCH_SIZE);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!w->scratch || w->epfd < 0)
		return -1;
	ev.data.ptr = &listen_marker;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, lfd, &ev))
		return -1;
	ev.data.ptr = &stop_marker;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, stop_fd, &ev);
}

int main(int argc, char **argv)
{
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	struct in_addr a4 = { .s_addr = htonl(INADDR_ANY) };
	const char *bind_str = NULL;
	uint16_t port = 12345;
	uint64_t nthreads = 1, nofile, accepted = 0, bytes = 0;
	bool quiet = false, explicit_v4 = false;
	struct worker *ws;
	int family = AF_INET6;
	sigset_t sigs;
	char where[80];
	int opt, sig;
	unsigned int i;

	while ((opt = getopt(argc, argv, "p:b:t:qh")) != -1) {
		switch (opt) {
		case 'p':
			if (!parse_port(optarg, &port)) {
				fprintf(stderr, "%s: bad port '%s'\n", prog_name, optarg);
				goto bad;
			}
			break;
		case 'b':
			bind_str = optarg;
			break;
		case 't':
			if (!parse_u64(optarg, 1, MAX_THREADS, &nthreads)) {
				fprintf(stderr, "%s: bad thread count '%s'\n",
					prog_name, optarg);
				goto bad;
			}
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog_name,
			argv[optind]);
		goto bad;
	}
	if (bind_str) {
		if (inet_pton(AF_INET6, bind_str, &a6) == 1) {
			family = AF_INET6;
		} else if (inet_pton(AF_INET, bind_str, &a4) == 1) {
			family = AF_INET;
			explicit_v4 = true;
		} else {
			fprintf(stderr, "%s: bad bind address '%s'\n", prog_name,
				bind_str);
			goto bad;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	/* Block before spawning threads so only sigwait() sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	nofile = raise_nofile(1048576);
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ws = calloc(nthreads, sizeof(*ws));
	if (stop_fd < 0 || !ws) {
		perror(prog_name);
		return 1;
	}
	for (i = 0; i < nthreads; i++) {
		int lfd = open_listener(family, family == AF_INET6 ?
					(void *)&a6 : (void *)&a4, port,
					nthreads > 1);

		/* Default "::" falls back to IPv4 when IPv6 is unavailable. */
		if (lfd < 0 && !bind_str && !explicit_v4 && i == 0 &&
		    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
			family = AF_INET;
			lfd = open_listener(family, &a4, port, nthreads > 1);
		}
		if (lfd < 0) {
			fprintf(stderr, "%s: cannot listen on port %u: %s\n",
				prog_name, port, strerror(errno));
			return 1;
		}
		if (setup_worker(&ws[i], lfd)) {
			perror(prog_name);
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&ws[i].tid, NULL, worker_main, &ws[i])) {
			fprintf(stderr, "%s: pthread_create failed\n", prog_name);
			return 1;
		}
	}
	if (!quiet) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);

		getsockname(ws[0].lfd, (struct sockaddr *)&ss, &sl);
		format_addr((struct sockaddr *)&ss, where, sizeof(where));
		printf("%s: listening on %s, %u thread(s), nofile %llu\n",
		       prog_name, where, (unsigned int)nthreads,
		       (unsigned long long)nofile);
		fflush(stdout);
	}

	do {
		if (sigwait(&sigs, &sig))
			sig = 0;
	} while (sig != SIGINT && sig != SIGTERM);

	/* The eventfd stays readable, so every worker sees it. */
	if (eventfd_write(stop_fd, 1))
		perror("eventfd_write");
	for (i = 0; i < nthreads; i++) {
		pthread_join(ws[i].tid, NULL);
		accepted += ws[i].accepted;
		bytes += ws[i].bytes;
		close(ws[i].lfd);
		close(ws[i].epfd);
		if (ws[i].spare_fd >= 0)
			close(ws[i].spare_fd);
		free(ws[i].scratch);
	}
	close(stop_fd);
	free(ws);
	if (!quiet)
		printf("%s: stopped: %llu connections, %llu bytes echoed\n",
		       prog_name, (unsigned long long)accepted,
		       (unsigned long long)bytes);
	return 0;
bad:
	usage(stderr);
	return 2;
}
