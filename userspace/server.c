// SPDX-License-Identifier: GPL-2.0
/*
 * The epoll server skeleton shared by user-echo-server and
 * user-http-server; see server.h.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "server.h"

#define MAX_EVENTS	256
#define ACCEPT_BUDGET	64

static int stop_fd = -1;
/* Markers stored in epoll_event.data.ptr to tell fds apart. */
static char listen_marker, stop_marker;

struct srv_args {
	uint16_t port;
	const char *bind_str;
	uint64_t nthreads;
	bool quiet;
	int family;
	struct in6_addr a6;
	struct in_addr a4;
};

static void conn_link(struct srv_worker *w, struct srv_conn *c)
{
	c->next = w->head.next;
	c->prev = &w->head;
	w->head.next->prev = c;
	w->head.next = c;
}

void srv_conn_close(struct srv_worker *w, struct srv_conn *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	/* close() also removes the fd from the epoll set. */
	close(c->fd);
	free(c->pend);
	if (w->ops->release)
		w->ops->release(c);
	free(c);
}

bool srv_conn_want(struct srv_worker *w, struct srv_conn *c, uint32_t events)
{
	return epoll_want(w->epfd, c->fd, c, &c->events, events);
}

bool srv_conn_send(struct srv_conn *c, const char *buf, size_t len)
{
	ssize_t n = send_nb(c->fd, buf, len);

	if (n < 0)
		return false;
	if ((size_t)n == len)
		return true;
	c->pend = malloc(len - n);
	if (!c->pend)
		return false;
	memcpy(c->pend, buf + n, len - n);
	c->pend_len = len - n;
	c->pend_off = 0;
	return true;
}

/* Tries to send the pending tail; false on a fatal error. */
static bool conn_flush(struct srv_conn *c)
{
	ssize_t n = send_nb(c->fd, c->pend + c->pend_off,
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

int srv_conn_drain(struct srv_worker *w, struct srv_conn *c)
{
	if (!c->pend_len)
		return 1;
	if (!conn_flush(c))
		return -1;
	if (!c->pend_len)
		return 1;
	return srv_conn_want(w, c, EPOLLOUT) ? 0 : -1;
}

/* Out of fds: accept and drop one connection so the backlog drains. */
static void shed_one(struct srv_worker *w)
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

static void accept_some(struct srv_worker *w)
{
	static const int one = 1;
	struct epoll_event ev;
	struct srv_conn *c;
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
		/* Small replies: latency matters more than segment count. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, w->ops->conn_size);
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
	struct srv_worker *w = arg;
	const struct srv_ops *ops = w->ops;
	struct epoll_event evs[MAX_EVENTS];
	uint64_t last_tick = now_ns();
	int i, n;

	for (;;) {
		n = epoll_wait(w->epfd, evs, MAX_EVENTS, ops->tick ? 1000 : -1);
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
				ops->service(w, p);
		}
		if (ops->tick && now_ns() - last_tick >= 1000000000ull) {
			ops->tick(w);
			last_tick = now_ns();
		}
	}
out:
	while (w->head.next != &w->head)
		srv_conn_close(w, w->head.next);
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

static int setup_worker(struct srv_worker *w, const struct srv_ops *ops,
			int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	w->ops = ops;
	w->lfd = lfd;
	w->head.next = w->head.prev = &w->head;
	w->scratch = malloc(ops->scratch_size);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!w->scratch || w->epfd < 0)
		return -1;
	if (ops->worker_init && ops->worker_init(w))
		return -1;
	ev.data.ptr = &listen_marker;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, lfd, &ev))
		return -1;
	ev.data.ptr = &stop_marker;
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, stop_fd, &ev);
}

/* Returns 0, or the exit status for bad usage (2) or -h (0 after help). */
static int parse_args(int argc, char **argv, const struct srv_ops *ops,
		      struct srv_args *a)
{
	int opt;

	while ((opt = getopt(argc, argv, "p:b:t:qh")) != -1) {
		switch (opt) {
		case 'p':
			if (!parse_port(optarg, &a->port)) {
				fprintf(stderr, "%s: bad port '%s'\n", prog_name,
					optarg);
				goto bad;
			}
			break;
		case 'b':
			a->bind_str = optarg;
			break;
		case 't':
			if (!parse_u64(optarg, 1, SRV_MAX_THREADS, &a->nthreads)) {
				fprintf(stderr, "%s: bad thread count '%s'\n",
					prog_name, optarg);
				goto bad;
			}
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			ops->usage(stdout);
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
	if (!a->bind_str || inet_pton(AF_INET6, a->bind_str, &a->a6) == 1)
		return 0;
	if (inet_pton(AF_INET, a->bind_str, &a->a4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	fprintf(stderr, "%s: bad bind address '%s'\n", prog_name, a->bind_str);
bad:
	ops->usage(stderr);
	return 2;
}

static struct srv_worker *worker_at(void *ws, const struct srv_ops *ops,
				    unsigned int i)
{
	return (struct srv_worker *)((char *)ws + i * ops->worker_size);
}

static int start_workers(const struct srv_ops *ops, struct srv_args *a,
			 void *ws)
{
	unsigned int i;
	int lfd;

	for (i = 0; i < a->nthreads; i++) {
		lfd = open_listener(a->family, a->family == AF_INET6 ?
				    (void *)&a->a6 : (void *)&a->a4, a->port,
				    a->nthreads > 1);
		/* Default "::" falls back to IPv4 when IPv6 is unavailable. */
		if (lfd < 0 && !a->bind_str && i == 0 &&
		    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
			a->family = AF_INET;
			lfd = open_listener(a->family, &a->a4, a->port,
					    a->nthreads > 1);
		}
		if (lfd < 0) {
			fprintf(stderr, "%s: cannot listen on port %u: %s\n",
				prog_name, a->port, strerror(errno));
			return 1;
		}
		if (setup_worker(worker_at(ws, ops, i), ops, lfd)) {
			perror(prog_name);
			return 1;
		}
	}
	for (i = 0; i < a->nthreads; i++) {
		if (pthread_create(&worker_at(ws, ops, i)->tid, NULL,
				   worker_main, worker_at(ws, ops, i))) {
			fprintf(stderr, "%s: pthread_create failed\n", prog_name);
			return 1;
		}
	}
	return 0;
}

static void print_listening(const struct srv_worker *w, unsigned int nthreads,
			    uint64_t nofile)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char where[80];

	getsockname(w->lfd, (struct sockaddr *)&ss, &sl);
	format_addr((struct sockaddr *)&ss, where, sizeof(where));
	printf("%s: listening on %s, %u thread(s), nofile %llu\n", prog_name,
	       where, nthreads, (unsigned long long)nofile);
	fflush(stdout);
}

/* The eventfd stays readable, so every worker sees it. */
static void stop_workers(const struct srv_ops *ops, const struct srv_args *a,
			 void *ws)
{
	uint64_t accepted = 0, count = 0;
	struct srv_worker *w;
	unsigned int i;

	if (eventfd_write(stop_fd, 1))
		perror("eventfd_write");
	for (i = 0; i < a->nthreads; i++) {
		w = worker_at(ws, ops, i);
		pthread_join(w->tid, NULL);
		accepted += w->accepted;
		count += w->count;
		close(w->lfd);
		close(w->epfd);
		if (w->spare_fd >= 0)
			close(w->spare_fd);
		free(w->scratch);
		if (ops->worker_exit)
			ops->worker_exit(w);
	}
	close(stop_fd);
	if (!a->quiet)
		printf("%s: stopped: %llu connections, %llu %s\n", prog_name,
		       (unsigned long long)accepted, (unsigned long long)count,
		       ops->count_what);
}

int srv_main(int argc, char **argv, const struct srv_ops *ops)
{
	struct srv_args a = {
		.port = ops->port, .nthreads = 1, .family = AF_INET6,
		.a6 = IN6ADDR_ANY_INIT, .a4 = { .s_addr = htonl(INADDR_ANY) },
	};
	uint64_t nofile;
	sigset_t sigs;
	void *ws;
	int sig, rc;

	rc = parse_args(argc, argv, ops, &a);
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	/* Block before spawning threads so only sigwait() sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	nofile = raise_nofile(1048576);
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ws = calloc(a.nthreads, ops->worker_size);
	if (stop_fd < 0 || !ws) {
		perror(prog_name);
		return 1;
	}
	rc = start_workers(ops, &a, ws);
	if (rc)
		return rc;
	if (!a.quiet)
		print_listening(ws, a.nthreads, nofile);
	do {
		if (sigwait(&sigs, &sig))
			sig = 0;
	} while (sig != SIGINT && sig != SIGTERM);
	stop_workers(ops, &a, ws);
	free(ws);
	return 0;
}
