// SPDX-License-Identifier: GPL-2.0
/*
 * user-http-server - minimal fixed-response HTTP/1.1 server (epoll,
 * non-blocking), the user-space ceiling the in-kernel ksrv HTTP service is
 * benchmarked against.
 *
 * Every well-formed request, whatever its method or path, gets the same
 * 200 response with a 12-byte body ("Hello world\n"); HEAD gets the head
 * only.  Request heads are parsed up to the blank line, however they are
 * split across reads; pipelined requests are answered in order, and a
 * request body announced by Content-Length is skipped.  HTTP/1.1 is
 * keep-alive unless "Connection: close"; HTTP/1.0 closes unless
 * "Connection: keep-alive".  Malformed requests get 400 (431 for a head
 * over 16 KiB, 501 for Transfer-Encoding, 505 for other versions) and the
 * connection is closed.
 *
 * Closing is graceful: after the last response we shut down our sending
 * side and discard input until the client's FIN (at most LINGER_SECS), so
 * a client that pipelined more requests does not get a reset that could
 * destroy the response it is still reading.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define SCRATCH_SIZE	(16 * 1024)	/* one read */
#define MAX_HEAD	(16 * 1024)	/* larger request heads get 431 */
#define IN_CAP		(MAX_HEAD + SCRATCH_SIZE)
#define OUT_CAP		(64 * 1024)	/* responses batched per send */
#define RESP_MAX	512		/* room one response needs */
#define MAX_EVENTS	256
#define READ_BUDGET	16
#define ACCEPT_BUDGET	64
#define MAX_THREADS	256
#define LINGER_SECS	5

#define BODY		"Hello world\n"
#define BODY_LEN	(sizeof(BODY) - 1)

const char *prog_name = "user-http-server";

struct conn {
	int fd;
	uint32_t events;	/* what is registered in epoll right now */
	bool paused;		/* c->in may hold complete requests */
	bool closing;		/* last response queued; parse no more */
	bool shut;		/* our FIN sent, discarding input */
	uint64_t shut_at;
	char *in;		/* unparsed input, IN_CAP bytes when present */
	size_t in_len;
	uint64_t skip;		/* request body bytes still to discard */
	char *pend;		/* unsent responses */
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
	char *out;
	struct conn head;	/* list of open connections */
	time_t resp_time;	/* second the cached responses were built in */
	char resp[2][RESP_MAX];	/* [close]: full 200 response */
	size_t resp_len[2];
	uint64_t accepted;
	uint64_t requests;
};

/* What parsing one request head decided. */
struct req {
	int status;		/* 200, or the error to answer with */
	bool keepalive;
	bool head_only;
	uint64_t body_len;
};

static int stop_fd = -1;
static char listen_marker, stop_marker;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-p PORT] [-b ADDR] [-t THREADS] [-q] [-h]\n"
		"  Minimal HTTP/1.1 server: every request gets 200 with the\n"
		"  %zu-byte body \"Hello world\\n\" (epoll, keep-alive, pipelining).\n"
		"  -p PORT     TCP port to listen on (default 8080)\n"
		"  -b ADDR     bind address (default :: dual-stack, else 0.0.0.0)\n"
		"  -t THREADS  worker threads, each with its own SO_REUSEPORT\n"
		"              listener (1..%d, default 1)\n"
		"  -q          quiet: no startup/shutdown messages\n"
		"  -h          show this help\n"
		"  Stops cleanly on SIGINT/SIGTERM.\n",
		prog_name, BODY_LEN, MAX_THREADS);
}

/* ---- responses ------------------------------------------------------ */

/* The Date header only changes once a second: rebuild the cache then. */
static void refresh_responses(struct worker *w)
{
	static const char *const conn_hdr[2] = { "keep-alive", "close" };
	time_t now = time(NULL);
	char date[64];
	struct tm tm;
	int i, n;

	if (now == w->resp_time)
		return;
	w->resp_time = now;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	for (i = 0; i < 2; i++) {
		n = snprintf(w->resp[i], RESP_MAX,
			     "HTTP/1.1 200 OK\r\n"
			     "Server: user-http-server\r\n"
			     "Date: %s\r\n"
			     "Content-Type: text/plain\r\n"
			     "Content-Length: %zu\r\n"
			     "Connection: %s\r\n"
			     "\r\n" BODY, date, BODY_LEN, conn_hdr[i]);
		w->resp_len[i] = n;
	}
}

static const char *reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 505: return "HTTP Version Not Supported";
	}
	return "Error";
}

/* Append the response for @r at @out; returns its length. */
static size_t build_response(struct worker *w, const struct req *r, char *out)
{
	size_t len;
	int n;

	if (r->status == 200) {
		len = w->resp_len[!r->keepalive];
		if (r->head_only)
			len -= BODY_LEN;
		memcpy(out, w->resp[!r->keepalive], len);
		return len;
	}
	n = snprintf(out, RESP_MAX,
		     "HTTP/1.1 %d %s\r\n"
		     "Server: user-http-server\r\n"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %zu\r\n"
		     "Connection: close\r\n"
		     "\r\n%s\n", r->status, reason(r->status),
		     strlen(reason(r->status)) + 1, reason(r->status));
	return n;
}

/* ---- request parsing ------------------------------------------------ */

static bool is_tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp(name, want, len);
}

static bool has_token(const char *v, size_t len, const char *tok)
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

/* "METHOD SP target SP HTTP/d.d"; returns 0 or the error status. */
static int parse_request_line(const char *l, size_t len, struct req *r,
			      bool *close_default)
{
	size_t i = 0, m;
	const char *v;

	while (i < len && is_tchar(l[i]))
		i++;
	if (!i || i >= len || l[i] != ' ')
		return 400;
	m = i;
	r->head_only = m == 4 && !memcmp(l, "HEAD", 4);
	i++;
	if (i >= len || l[i] == ' ')
		return 400;
	while (i < len && l[i] != ' ') {
		if ((unsigned char)l[i] <= 0x20 || l[i] == 0x7f)
			return 400;
		i++;
	}
	if (len - i != 9)
		return 400;
	v = l + i + 1;
	if (memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return 505;
	*close_default = v[7] == '0';
	return 0;
}

static int parse_field(const char *l, size_t len, struct req *r,
		       bool *saw_close, bool *saw_ka)
{
	const char *colon = memchr(l, ':', len), *v;
	size_t nlen, vlen, i;
	uint64_t cl = 0;

	if (l[0] == ' ' || l[0] == '\t' || !colon || colon == l)
		return 400;	/* obs-fold or no name */
	nlen = colon - l;
	for (i = 0; i < nlen; i++)
		if (!is_tchar(l[i]))
			return 400;
	v = colon + 1;
	vlen = len - nlen - 1;
	for (i = 0; i < vlen; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return 400;
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (name_is(l, nlen, "connection")) {
		*saw_close |= has_token(v, vlen, "close");
		*saw_ka |= has_token(v, vlen, "keep-alive");
	} else if (name_is(l, nlen, "transfer-encoding")) {
		return 501;	/* chunked bodies are not supported */
	} else if (name_is(l, nlen, "content-length")) {
		if (!vlen || vlen > 15)
			return 400;
		for (i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return 400;
			cl = cl * 10 + (v[i] - '0');
		}
		if (r->body_len != UINT64_MAX && r->body_len != cl)
			return 400;	/* conflicting lengths */
		r->body_len = cl;
	}
	return 0;
}

/* Parse one complete head (ending in CRLFCRLF) into @r. */
static void parse_request(const char *b, size_t len, struct req *r)
{
	const char *end = b + len - 2, *l, *e;
	bool close_default = false, saw_close = false, saw_ka = false;
	int st;

	memset(r, 0, sizeof(*r));
	r->body_len = UINT64_MAX;	/* none seen yet */
	e = memmem(b, len, "\r\n", 2);
	st = parse_request_line(b, e - b, r, &close_default);
	for (l = e + 2; !st && l < end; l = e + 2) {
		e = memmem(l, end + 2 - l, "\r\n", 2);
		if (memchr(l, '\r', e - l) || memchr(l, '\n', e - l))
			st = 400;	/* bare CR or LF */
		else
			st = parse_field(l, e - l, r, &saw_close, &saw_ka);
	}
	if (r->body_len == UINT64_MAX)
		r->body_len = 0;
	r->status = st ? st : 200;
	r->keepalive = !st && !saw_close && (!close_default || saw_ka);
}

/* ---- connections ---------------------------------------------------- */

static void conn_link(struct worker *w, struct conn *c)
{
	c->next = w->head.next;
	c->prev = &w->head;
	w->head.next->prev = c;
	w->head.next = c;
}

static void conn_close(struct conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	close(c->fd);	/* also removes it from the epoll set */
	free(c->in);
	free(c->pend);
	free(c);
}

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

/* Returns bytes sent (0 on EAGAIN) or -1 on a fatal error. */
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

/* Send @len bytes of w->out; keep what the socket refuses.  False: fatal. */
static bool conn_output(struct worker *w, struct conn *c, size_t len)
{
	ssize_t n = send_some(c->fd, w->out, len);

	if (n < 0)
		return false;
	if ((size_t)n == len)
		return true;
	c->pend = malloc(len - n);
	if (!c->pend)
		return false;
	memcpy(c->pend, w->out + n, len - n);
	c->pend_len = len - n;
	c->pend_off = 0;
	return true;
}

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

/* Keep unparsed bytes for the next round.  False: out of memory. */
static bool conn_keep(struct conn *c, const char *d, size_t len)
{
	if (!len || c->closing) {
		free(c->in);
		c->in = NULL;
		c->in_len = 0;
		return true;
	}
	if (!c->in) {
		c->in = malloc(IN_CAP);
		if (!c->in)
			return false;
	}
	memmove(c->in, d, len);
	c->in_len = len;
	return true;
}

/*
 * Answer every complete request in @d.  Stops early when the batched
 * output could not be sent completely (the rest waits in c->in, "paused").
 * Returns false on a fatal error.
 */
static bool conn_process(struct worker *w, struct conn *c, const char *d,
			 size_t len)
{
	size_t pos = 0, olen = 0, hl;
	const char *p;
	struct req r;

	refresh_responses(w);
	while (pos < len && !c->closing) {
		if (c->skip) {
			hl = len - pos < c->skip ? len - pos : c->skip;
			c->skip -= hl;
			pos += hl;
			continue;
		}
		/* Tolerate empty lines between requests (RFC 9112 2.2). */
		if (d[pos] == '\r' || d[pos] == '\n') {
			pos++;
			continue;
		}
		p = memmem(d + pos, len - pos, "\r\n\r\n", 4);
		hl = p ? (size_t)(p - (d + pos)) + 4 : len - pos;
		if (!p && hl < MAX_HEAD)
			break;		/* incomplete head: wait for more */
		if (olen + RESP_MAX > OUT_CAP) {
			if (!conn_output(w, c, olen))
				return false;
			olen = 0;
			if (c->pend_len) {
				c->paused = true;
				return conn_keep(c, d + pos, len - pos);
			}
		}
		if (!p || hl > MAX_HEAD) {
			memset(&r, 0, sizeof(r));
			r.status = 431;
		} else {
			parse_request(d + pos, hl, &r);
		}
		olen += build_response(w, &r, w->out + olen);
		w->requests++;
		pos += hl;
		if (!r.keepalive)
			c->closing = true;
		else
			c->skip = r.body_len;
	}
	if (olen && !conn_output(w, c, olen))
		return false;
	return conn_keep(c, d + pos, len - pos);
}

/* After the final response: send FIN, then discard input until EOF. */
static bool conn_linger(struct conn *c)
{
	char buf[4096];
	ssize_t n;

	if (!c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
		c->shut_at = now_ns();
	}
	for (;;) {
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

/* Drive one connection as far as it goes without blocking. */
static void conn_service(struct worker *w, struct conn *c)
{
	int budget = READ_BUDGET;
	char *buf;
	size_t room;
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
		if (c->closing) {
			if (!conn_linger(c))
				goto fail;
			break;
		}
		if (c->paused) {
			c->paused = false;
			if (!conn_process(w, c, c->in, c->in_len))
				goto fail;
			continue;
		}
		if (budget-- == 0)
			break;		/* level-triggered: called again */
		/* A partial head is kept in c->in; append to it. */
		buf = c->in ? c->in + c->in_len : w->scratch;
		room = c->in ? IN_CAP - c->in_len : SCRATCH_SIZE;
		n = recv(c->fd, buf, room, 0);
		if (n > 0) {
			size_t len = n;

			if (c->in) {
				c->in_len += n;
				buf = c->in;
				len = c->in_len;
			}
			if (!conn_process(w, c, buf, len))
				goto fail;
			/* A short read emptied the socket: skip the EAGAIN call. */
			if ((size_t)n < room && !c->pend_len && !c->paused &&
			    !c->closing)
				break;
		} else if (n == 0) {
			goto fail;	/* client closed; nothing is owed */
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			break;
		} else if (errno != EINTR) {
			goto fail;
		}
	}
	if (conn_want(w, c, EPOLLIN))
		return;
fail:
	conn_close(c);
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
		/* Small responses: do not let Nagle hold them back. */
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

/* Close lingering connections whose client never sent its FIN. */
static void reap_lingering(struct worker *w)
{
	uint64_t now = now_ns(), limit = LINGER_SECS * 1000000000ull;
	struct conn *c, *next;

	for (c = w->head.next; c != &w->head; c = next) {
		next = c->next;
		if (c->shut && now - c->shut_at > limit)
			conn_close(c);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	uint64_t last_reap = now_ns();
	int i, n;

	for (;;) {
		n = epoll_wait(w->epfd, evs, MAX_EVENTS, 1000);
		if (n < 0 && errno != EINTR) {
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
		if (now_ns() - last_reap >= 1000000000ull) {
			reap_lingering(w);
			last_reap = now_ns();
		}
	}
out:
	while (w->head.next != &w->head)
		conn_close(w->head.next);
	return NULL;
}

static int open_listener(int family, const void *addr, uint16_t port,
			 bool reuseport)
{
	static const int one = 1, zero;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, e;

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
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int setup_worker(struct worker *w, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	w->lfd = lfd;
	w->head.next = w->head.prev = &w->head;
	w->scratch = malloc(SCRATCH_SIZE);
	w->out = malloc(OUT_CAP);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!w->scratch || !w->out || w->epfd < 0)
		return -1;
	ev.data.ptr = &listen_marker;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, lfd, &ev))
		return -1;
	ev.data.ptr = &stop_marker;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, stop_fd, &ev);
}

static int parse_args(int argc, char **argv, uint16_t *port,
		      const char **bind_str, uint64_t *nthreads, bool *quiet)
{
	int opt;

	while ((opt = getopt(argc, argv, "p:b:t:qh")) != -1) {
		switch (opt) {
		case 'p':
			if (!parse_port(optarg, port)) {
				fprintf(stderr, "%s: bad port '%s'\n", prog_name,
					optarg);
				goto bad;
			}
			break;
		case 'b':
			*bind_str = optarg;
			break;
		case 't':
			if (!parse_u64(optarg, 1, MAX_THREADS, nthreads)) {
				fprintf(stderr, "%s: bad thread count '%s'\n",
					prog_name, optarg);
				goto bad;
			}
			break;
		case 'q':
			*quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog_name,
			argv[optind]);
		goto bad;
	}
	return 0;
bad:
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct in6_addr a6 = IN6ADDR_ANY_INIT;
	struct in_addr a4 = { .s_addr = htonl(INADDR_ANY) };
	const char *bind_str = NULL;
	uint16_t port = 8080;
	uint64_t nthreads = 1, nofile, accepted = 0, requests = 0;
	bool quiet = false;
	struct worker *ws;
	int family = AF_INET6;
	sigset_t sigs;
	char where[80];
	int sig, rc;
	unsigned int i;

	rc = parse_args(argc, argv, &port, &bind_str, &nthreads, &quiet);
	if (rc)
		return rc;
	if (bind_str) {
		if (inet_pton(AF_INET6, bind_str, &a6) == 1) {
			family = AF_INET6;
		} else if (inet_pton(AF_INET, bind_str, &a4) == 1) {
			family = AF_INET;
		} else {
			fprintf(stderr, "%s: bad bind address '%s'\n", prog_name,
				bind_str);
			usage(stderr);
			return 2;
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
		if (lfd < 0 && !bind_str && i == 0 &&
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
		requests += ws[i].requests;
		close(ws[i].lfd);
		close(ws[i].epfd);
		if (ws[i].spare_fd >= 0)
			close(ws[i].spare_fd);
		free(ws[i].scratch);
		free(ws[i].out);
	}
	close(stop_fd);
	free(ws);
	if (!quiet)
		printf("%s: stopped: %llu connections, %llu requests\n",
		       prog_name, (unsigned long long)accepted,
		       (unsigned long long)requests);
	return 0;
}
