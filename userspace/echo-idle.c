// SPDX-License-Identifier: GPL-2.0
/*
 * echo-idle - open many idle TCP connections to an echo server and hold
 * them.  Used to measure the server's memory per idle connection, to
 * check connection limits and the idle reaper, and for the 10,000
 * connection test.  Optionally checks at the end that every connection
 * still echoes a message unique to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

#define MAX_CONNS	1000000
#define MSG_LEN		24
#define DEF_TIMEOUT	20	/* s per connect, and for the whole verify */
#define EVENTS		512

const char *prog_name = "echo-idle";

enum istate { I_NEW, I_CONNECTING, I_OPEN, I_CLOSED, I_FAILED, I_VERIFIED };

struct iconn {
	int fd;
	enum istate state;
	unsigned int rx_off;
	uint64_t t0;
};

struct ctx {
	struct iconn *c;
	unsigned int n;
	unsigned int connected;	/* handshakes completed */
	int epfd;
	int sigfd;
	bool stop;
	uint64_t timeout_ns;
	uint64_t salt;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

static char sig_marker;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-a HOST] [-p PORT] [-n N] [-d SECONDS] [-P PARALLEL]\n"
		"       [-T SECONDS] [-v] [-m] [-q] [-h]\n"
		"  Open N idle connections, hold them, report how many succeeded.\n"
		"  -a HOST      server address (default 127.0.0.1)\n"
		"  -p PORT      server port (default 12345)\n"
		"  -n N         connections to open (1..%d, default 100)\n"
		"  -d SECONDS   hold time; 0 = until SIGINT/SIGTERM (default 0)\n"
		"  -P PARALLEL  connects in flight at once (1..65536, default 256)\n"
		"  -T SECONDS   timeout for each connect and for the -v check\n"
		"               (1..3600, default %d)\n"
		"  -v           before exiting, send one unique message on each\n"
		"               connection and check the echo\n"
		"  -m           machine-readable READY/RESULT lines\n"
		"  -q           quiet: only the final summary line\n"
		"  -h           show this help\n"
		"  Holding ends early if the server closes every connection.\n"
		"  Output: connected = handshakes completed; closed by peer =\n"
		"  connections the server closed before the hold ended.\n"
		"  Exit status: 0 if all N connected and none was closed by the\n"
		"  peer (and, with -v, all echoed correctly); 1 otherwise; 2 bad\n"
		"  usage.\n",
		prog_name, MAX_CONNS, DEF_TIMEOUT);
}

/* A message unique to connection @i, with NULs and high bytes in it. */
static void make_msg(const struct ctx *x, unsigned int i, unsigned char *m)
{
	uint64_t v = x->salt ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull);

	memcpy(m, "idle", 4);
	m[4] = 0;
	memcpy(m + 5, &i, 4);
	memcpy(m + 9, &v, 8);
	m[17] = 0xff;
	m[18] = 0;
	memcpy(m + 19, "\r\n\0.\n", 5);
}

static void iconn_close(struct iconn *c, enum istate st)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->state = st;
}

static bool start_connect(struct ctx *x, struct iconn *c, uint64_t now)
{
	static const int one = 1;
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	c->fd = socket(x->addr.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->state = I_FAILED;
		return false;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->t0 = now;
	if ((connect(c->fd, (struct sockaddr *)&x->addr, x->addrlen) &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(x->epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
		iconn_close(c, I_FAILED);
		return false;
	}
	c->state = I_CONNECTING;
	return true;
}

/* Connected: from now on only a close (or stray data) from the peer. */
static void connect_done(struct ctx *x, struct iconn *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP,
				  .data.ptr = c };
	int err = 0;
	socklen_t el = sizeof(err);

	getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err || epoll_ctl(x->epfd, EPOLL_CTL_MOD, c->fd, &ev)) {
		if (err)
			errno = err;
		iconn_close(c, I_FAILED);
		return;
	}
	c->state = I_OPEN;
	x->connected++;
}

static bool is_signal(struct ctx *x, void *p)
{
	struct signalfd_siginfo si;

	if (p != &sig_marker)
		return false;
	if (read(x->sigfd, &si, sizeof(si)) > 0)
		x->stop = true;
	return true;
}

/* Open all connections with at most @par connects in flight. */
static void connect_all(struct ctx *x, unsigned int par, unsigned int *err_seen)
{
	struct epoll_event evs[EVENTS];
	unsigned int next = 0, inflight = 0, i;
	uint64_t now, last_scan = now_ns();
	int n;

	while (!x->stop && (next < x->n || inflight)) {
		now = now_ns();
		while (next < x->n && inflight < par) {
			if (start_connect(x, &x->c[next], now))
				inflight++;
			else if (!*err_seen)
				*err_seen = errno;
			next++;
		}
		n = epoll_wait(x->epfd, evs, EVENTS, 100);
		for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++) {
			struct iconn *c = evs[i].data.ptr;

			if (is_signal(x, c))
				continue;
			if (c->state == I_CONNECTING) {
				connect_done(x, c);
				inflight--;
				if (c->state == I_FAILED && !*err_seen)
					*err_seen = errno;
			} else if (c->state == I_OPEN) {
				/* Closed by the peer already (limit reached?) */
				iconn_close(c, I_CLOSED);
			}
		}
		now = now_ns();
		if (now - last_scan < 1000000000ull)
			continue;
		last_scan = now;
		for (i = 0; i < next; i++) {
			struct iconn *c = &x->c[i];

			if (c->state == I_CONNECTING && now - c->t0 > x->timeout_ns) {
				iconn_close(c, I_FAILED);
				inflight--;
				if (!*err_seen)
					*err_seen = ETIMEDOUT;
			}
		}
	}
}

static unsigned int count_state(const struct ctx *x, enum istate st)
{
	unsigned int i, k = 0;

	for (i = 0; i < x->n; i++)
		k += x->c[i].state == st;
	return k;
}

/* Wait for the deadline or a signal; note peers that close on us. */
static void hold(struct ctx *x, uint64_t secs)
{
	struct epoll_event evs[EVENTS];
	uint64_t deadline = secs ? now_ns() + secs * 1000000000ull : 0;
	unsigned int open = count_state(x, I_OPEN);
	char buf[64];
	int n, i;

	while (!x->stop && open && (!deadline || now_ns() < deadline)) {
		n = epoll_wait(x->epfd, evs, EVENTS, 200);
		for (i = 0; i < n; i++) {
			struct iconn *c = evs[i].data.ptr;

			if (is_signal(x, c) || c->state != I_OPEN)
				continue;
			/* Data on an idle echo connection is a server bug. */
			if (recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
				fprintf(stderr, "%s: unexpected data from the "
					"server on an idle connection\n",
					prog_name);
			iconn_close(c, I_CLOSED);
			open--;
		}
	}
}

static void verify_read(struct ctx *x, struct iconn *c, unsigned int idx)
{
	unsigned char want[MSG_LEN], got[MSG_LEN];
	ssize_t r;

	make_msg(x, idx, want);
	r = recv(c->fd, got, MSG_LEN - c->rx_off, MSG_DONTWAIT);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0 || memcmp(got, want + c->rx_off, r)) {
		fprintf(stderr, "%s: conn %u: %s\n", prog_name, idx,
			r < 0 ? strerror(errno) :
			r == 0 ? "closed before echoing" : "echo MISMATCH");
		iconn_close(c, I_CLOSED);
		return;
	}
	c->rx_off += r;
	if (c->rx_off == MSG_LEN)
		iconn_close(c, I_VERIFIED);
}

/* Send each open connection its own message and check the echo. */
static void verify(struct ctx *x)
{
	struct epoll_event evs[EVENTS];
	unsigned char m[MSG_LEN];
	unsigned int i, waiting = 0;
	uint64_t start = now_ns();
	int n, k;

	for (i = 0; i < x->n; i++) {
		struct iconn *c = &x->c[i];

		if (c->state != I_OPEN)
			continue;
		make_msg(x, i, m);
		/* 24 bytes always fit in an idle socket's send buffer. */
		if (send(c->fd, m, MSG_LEN, MSG_NOSIGNAL | MSG_DONTWAIT) !=
		    MSG_LEN) {
			iconn_close(c, I_CLOSED);
			continue;
		}
		c->rx_off = 0;
		waiting++;
	}
	while (waiting && now_ns() - start < x->timeout_ns) {
		n = epoll_wait(x->epfd, evs, EVENTS, 200);
		for (k = 0; k < n; k++) {
			struct iconn *c = evs[k].data.ptr;

			if (c == (void *)&sig_marker || c->state != I_OPEN)
				continue;
			verify_read(x, c, (unsigned int)(c - x->c));
			if (c->state != I_OPEN)
				waiting--;
		}
	}
}

static int bad(const char *what, const char *val)
{
	fprintf(stderr, "%s: bad value for %s: '%s'\n", prog_name, what, val);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct ctx x = { .epfd = -1 };
	const char *host = "127.0.0.1";
	uint16_t port = 12345;
	uint64_t n = 100, secs = 0, par = 256, lim, t0, tmo = DEF_TIMEOUT;
	bool do_verify = false, machine = false, quiet = false;
	unsigned int i, connected, err_seen = 0, verified = 0, closed;
	unsigned int early;
	struct epoll_event ev;
	sigset_t sigs;
	int opt;

	while ((opt = getopt(argc, argv, "a:p:n:d:P:T:vmqh")) != -1) {
		switch (opt) {
		case 'a':
			host = optarg;
			break;
		case 'p':
			if (!parse_port(optarg, &port))
				return bad("-p", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1, MAX_CONNS, &n))
				return bad("-n", optarg);
			break;
		case 'd':
			if (!parse_u64(optarg, 0, 86400, &secs))
				return bad("-d", optarg);
			break;
		case 'P':
			if (!parse_u64(optarg, 1, 65536, &par))
				return bad("-P", optarg);
			break;
		case 'T':
			if (!parse_u64(optarg, 1, 3600, &tmo))
				return bad("-T", optarg);
			break;
		case 'v':
			do_verify = true;
			break;
		case 'm':
			machine = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc)
		return bad("argument", argv[optind]);
	if (!resolve_host(host, port, &x.addr, &x.addrlen))
		return 2;

	lim = raise_nofile(n + 64);
	if (lim < n + 16) {
		fprintf(stderr, "%s: fd limit is %llu, need %llu for %llu "
			"connections\n", prog_name, (unsigned long long)lim,
			(unsigned long long)n + 16, (unsigned long long)n);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	x.n = (unsigned int)n;
	x.timeout_ns = tmo * 1000000000ull;
	x.c = calloc(n, sizeof(*x.c));
	x.epfd = epoll_create1(EPOLL_CLOEXEC);
	x.sigfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.ptr = &sig_marker;
	if (!x.c || x.epfd < 0 || x.sigfd < 0 ||
	    epoll_ctl(x.epfd, EPOLL_CTL_ADD, x.sigfd, &ev)) {
		perror(prog_name);
		return 1;
	}
	x.salt = now_ns() * 0x2545f4914f6cdd1dull;
	for (i = 0; i < x.n; i++)
		x.c[i].fd = -1;

	t0 = now_ns();
	connect_all(&x, (unsigned int)par, &err_seen);
	connected = x.connected;
	early = count_state(&x, I_CLOSED);
	if (!quiet) {
		printf("%s: connected %u/%u in %.2f s", prog_name, connected,
		       x.n, (now_ns() - t0) / 1e9);
		if (err_seen)
			printf(" (first error: %s)", strerror(err_seen));
		if (early)
			printf(", %u already closed by peer", early);
		if (secs)
			printf(", holding %llu s\n", (unsigned long long)secs);
		else
			printf(", holding until SIGINT/SIGTERM\n");
	}
	if (machine)
		printf("READY connected=%u failed=%u open=%u\n", connected,
		       x.n - connected, connected - early);
	fflush(stdout);

	hold(&x, secs);
	closed = count_state(&x, I_CLOSED);
	if (do_verify) {
		verify(&x);
		verified = count_state(&x, I_VERIFIED);
	}
	printf("%s: requested %u, connected %u, closed by peer %u", prog_name,
	       x.n, connected, closed);
	if (do_verify)
		printf(", verified %u/%u", verified, x.n);
	printf("\n");
	if (machine)
		printf("RESULT requested=%u connected=%u failed=%u "
		       "closed_by_peer=%u verified=%d\n", x.n, connected,
		       x.n - connected, closed, do_verify ? (int)verified : -1);
	fflush(stdout);
	for (i = 0; i < x.n; i++)
		if (x.c[i].fd >= 0)
			close(x.c[i].fd);
	free(x.c);
	if (connected != x.n || closed || (do_verify && verified != x.n))
		return 1;
	return 0;
}
