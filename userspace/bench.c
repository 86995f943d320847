// SPDX-License-Identifier: GPL-2.0
/*
 * bench - load generator and verifier for TCP echo servers.
 *
 * Every connection runs a ping-pong loop: send one message, read back
 * exactly as many bytes, compare them with what was sent, record the
 * round-trip time.  Each worker thread drives many connections with one
 * epoll set.  Sending and receiving overlap, so messages larger than the
 * socket buffers cannot deadlock against a server that applies
 * backpressure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "load.h"

#define MAX_MSG_SIZE	(1024 * 1024)
#define MAX_CONNS	100000
#define MAX_THREADS	256
#define MAX_SWEEP	32
#define MAX_DURATION	3600
#define RX_CHUNK	(256 * 1024)
#define POOL_SLACK	4096	/* messages start at a random pool offset */
#define DEF_TIMEOUT	20	/* s without progress (or to connect) => error */
#define EVENTS		256

const char *prog_name = "bench";

enum cstate { C_CONNECTING, C_ACTIVE, C_DONE };

struct bconn {
	int fd;
	enum cstate state;
	uint32_t events;
	unsigned int idx;
	size_t tx_off;
	size_t rx_off;
	size_t pat_off;		/* where in the pattern pool this message is */
	uint64_t quota;		/* messages left; UINT64_MAX in timed mode */
	uint64_t seq;		/* messages completed */
	uint64_t t0;		/* send time of the current message */
	uint64_t last_io;	/* for the stall detector */
};

union errs {
	struct {
		uint64_t connect;
		uint64_t mismatch;
		uint64_t eof;
		uint64_t io;
		uint64_t stall;
	};
	uint64_t n[5];
};

struct run;

struct bthread {
	pthread_t tid;
	struct run *run;
	struct bconn *conns;
	unsigned int nconns;
	unsigned int active;
	int epfd;
	uint64_t rng;
	char *rxbuf;
	struct hist hist;
	union errs errs;
	_Atomic uint64_t msgs;	/* read by the progress display */
	uint64_t end_ns;
};

struct opts {
	const char *host;
	uint16_t port;
	uint64_t conns;
	uint64_t size;
	uint64_t duration;	/* seconds; 0 = count mode */
	uint64_t total;		/* messages; 0 = timed mode */
	uint64_t threads;	/* 0 = auto */
	uint64_t timeout;	/* stall/connect timeout, seconds */
	uint64_t sweep[MAX_SWEEP];
	unsigned int nsweep;
	const char *outfile;
	bool gnuplot;
	bool quiet;
	bool machine;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct run {
	const struct opts *o;
	unsigned int conns;
	pthread_barrier_t barrier;
	struct bthread *ts;	/* for the progress display */
	unsigned int nt;
};

struct result {
	unsigned int conns;
	unsigned int threads;
	uint64_t msgs;
	double secs;
	double msgs_per_s;
	double p50_us;
	double p99_us;
	union errs errs;
	uint64_t errors;
};

static unsigned char *pool;	/* read-only random bytes, shared */
static size_t pool_size;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-a HOST] [-p PORT] [-c CONNS | -S LIST] [-s SIZE]\n"
		"       [-d SECONDS | -n MESSAGES] [-t THREADS] [-o FILE [-g]]\n"
		"       [-T SECONDS] [-m] [-q] [-h]\n"
		"  Echo load generator: each connection sends a message of\n"
		"  random bytes (with NULs), reads it back, verifies it, repeats.\n"
		"  -a HOST     server address (default 127.0.0.1)\n"
		"  -p PORT     server port (default 12345)\n"
		"  -c CONNS    concurrent connections (1..%d, default 16)\n"
		"  -S LIST     sweep: comma-separated connection counts, one run\n"
		"              each, e.g. \"1,16,64,256\" (overrides -c)\n"
		"  -s SIZE     message size in bytes (1..%d, default 64)\n"
		"  -d SECONDS  run time per run (1..%d, default 5)\n"
		"  -n MESSAGES total messages per run instead of a time limit\n"
		"  -t THREADS  worker threads (1..%d, default min(nproc, CONNS))\n"
		"  -o FILE     write one data row per run: connections msgs_per_s\n"
		"              p50_us p99_us errors\n"
		"  -g          also write FILE.gp (gnuplot) and render FILE.png\n"
		"              if gnuplot is installed\n"
		"  -T SECONDS  a connect or a message making no progress for this\n"
		"              long counts as an error (1..3600, default %d)\n"
		"  -m          print a machine-readable RESULT line per run\n"
		"  -q          quiet: no banner, no progress display\n"
		"  -h          show this help\n"
		"  Exit status: 0 no errors, 1 errors (mismatch, EOF, reset,\n"
		"  connect failure, stall), 2 bad usage.\n",
		prog_name, MAX_CONNS, MAX_MSG_SIZE, MAX_DURATION, MAX_THREADS,
		DEF_TIMEOUT);
}

/* ---- random data ---------------------------------------------------- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/*
 * Random bytes, but with about one byte in 16 forced to NUL so even short
 * messages exercise NUL handling (C-string bugs in a server show up).
 */
static bool pool_init(size_t msg_size)
{
	uint64_t s = 0x9e3779b97f4a7c15ull ^ now_ns();
	size_t i;

	pool_size = msg_size + POOL_SLACK;
	pool = malloc(pool_size);
	if (!pool)
		return false;
	for (i = 0; i < pool_size; i++) {
		uint64_t r = xorshift(&s);

		pool[i] = (r & 0xf00) ? (unsigned char)r : 0;
	}
	pool[0] = 0;
	return true;
}

/* ---- connection handling -------------------------------------------- */

/* One error line, capped (load.c). */
#define report(c, ...) \
	report_error((c)->idx, "msg", (unsigned long long)(c)->seq, __VA_ARGS__)

static void conn_finish(struct bthread *t, struct bconn *c)
{
	if (c->state == C_DONE)
		return;
	close(c->fd);
	c->fd = -1;
	c->state = C_DONE;
	t->active--;
}

static void conn_fail(struct bthread *t, struct bconn *c, uint64_t *counter)
{
	(*counter)++;
	conn_finish(t, c);
}

static bool conn_want(struct bthread *t, struct bconn *c, uint32_t ev)
{
	return epoll_want(t->epfd, c->fd, c, &c->events, ev);
}

/* Push as much of the current message as the socket takes. */
static bool conn_send(struct bthread *t, struct bconn *c)
{
	size_t size = t->run->o->size;
	ssize_t n;

	while (c->tx_off < size) {
		n = send_nb(c->fd, pool + c->pat_off + c->tx_off,
			    size - c->tx_off);
		if (n == 0)
			return true;
		if (n < 0) {
			report(c, "send: %s",
			       errno ? strerror(errno) : "returned 0");
			return false;
		}
		c->tx_off += n;
	}
	return true;
}

static void msg_start(struct bthread *t, struct bconn *c, uint64_t now)
{
	c->tx_off = 0;
	c->rx_off = 0;
	c->pat_off = xorshift(&t->rng) % POOL_SLACK;
	c->t0 = now;
	c->last_io = now;
	if (!conn_send(t, c)) {
		conn_fail(t, c, &t->errs.io);
		return;
	}
	if (!conn_want(t, c, c->tx_off < t->run->o->size ?
		       EPOLLIN | EPOLLOUT : EPOLLIN))
		conn_fail(t, c, &t->errs.io);
}

static void msg_done(struct bthread *t, struct bconn *c, uint64_t now,
		     uint64_t deadline)
{
	hist_add(&t->hist, now - c->t0);
	atomic_fetch_add_explicit(&t->msgs, 1, memory_order_relaxed);
	c->seq++;
	if (c->quota != UINT64_MAX)
		c->quota--;
	if (c->quota == 0 || (deadline && now >= deadline))
		conn_finish(t, c);
	else
		msg_start(t, c, now);
}

/* Compare a received chunk with what was sent; report the first diff. */
static bool check_chunk(struct bconn *c, const char *buf, size_t len)
{
	const unsigned char *want = pool + c->pat_off + c->rx_off;
	size_t i;

	if (!memcmp(buf, want, len))
		return true;
	for (i = 0; i < len && (unsigned char)buf[i] == want[i]; i++)
		;
	report(c, "MISMATCH at byte %zu: got 0x%02x, expected 0x%02x",
	       c->rx_off + i, (unsigned char)buf[i], want[i]);
	return false;
}

static void conn_io(struct bthread *t, struct bconn *c, uint32_t ev,
		    uint64_t deadline)
{
	size_t size = t->run->o->size, want;
	uint64_t now;
	ssize_t n;

	if ((ev & EPOLLOUT) && !conn_send(t, c)) {
		conn_fail(t, c, &t->errs.io);
		return;
	}
	/* Never read past the current message: extra bytes would be a bug. */
	while (c->rx_off < size) {
		want = size - c->rx_off;
		if (want > RX_CHUNK)
			want = RX_CHUNK;
		n = recv(c->fd, t->rxbuf, want, 0);
		if (n > 0) {
			if (!check_chunk(c, t->rxbuf, n)) {
				conn_fail(t, c, &t->errs.mismatch);
				return;
			}
			c->rx_off += n;
			c->last_io = now_ns();
			continue;
		}
		if (n == 0) {
			report(c, "unexpected EOF after %zu of %zu bytes",
			       c->rx_off, size);
			conn_fail(t, c, &t->errs.eof);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		report(c, "recv: %s", strerror(errno));
		conn_fail(t, c, &t->errs.io);
		return;
	}
	if (c->rx_off > c->tx_off) {
		report(c, "received %zu bytes but sent only %zu", c->rx_off,
		       c->tx_off);
		conn_fail(t, c, &t->errs.mismatch);
		return;
	}
	now = now_ns();
	if (c->rx_off == size) {
		msg_done(t, c, now, deadline);
		return;
	}
	if (!conn_want(t, c, c->tx_off < size ? EPOLLIN | EPOLLOUT : EPOLLIN))
		conn_fail(t, c, &t->errs.io);
}

static void check_stalls(struct bthread *t, uint64_t now)
{
	uint64_t limit = t->run->o->timeout * 1000000000ull;
	unsigned int i;

	for (i = 0; i < t->nconns; i++) {
		struct bconn *c = &t->conns[i];

		if (c->state != C_ACTIVE || now - c->last_io < limit)
			continue;
		report(c, "no progress for %llu s (sent %zu, received %zu)",
		       (unsigned long long)t->run->o->timeout, c->tx_off,
		       c->rx_off);
		conn_fail(t, c, &t->errs.stall);
	}
}

/* Open all connections of this thread; returns when each is up or failed. */
static void connect_all(struct bthread *t)
{
	static const int one = 1;
	const struct opts *o = t->run->o;
	struct epoll_event evs[EVENTS], ev;
	unsigned int i, pending = 0;
	uint64_t start = now_ns();
	int n, err;
	socklen_t el;

	for (i = 0; i < t->nconns; i++) {
		struct bconn *c = &t->conns[i];

		c->fd = socket(o->addr.ss_family,
			       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c->fd < 0) {
			fprintf(stderr, "%s: socket: %s\n", prog_name,
				strerror(errno));
			c->state = C_DONE;
			t->errs.connect++;
			continue;
		}
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->state = C_CONNECTING;
		t->active++;
		if (connect(c->fd, (struct sockaddr *)&o->addr, o->addrlen) &&
		    errno != EINPROGRESS) {
			report(c, "connect: %s", strerror(errno));
			conn_fail(t, c, &t->errs.connect);
			continue;
		}
		ev.events = EPOLLOUT;
		ev.data.ptr = c;
		c->events = EPOLLOUT;
		if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
			conn_fail(t, c, &t->errs.connect);
			continue;
		}
		pending++;
	}
	while (pending && now_ns() - start < o->timeout * 1000000000ull) {
		n = epoll_wait(t->epfd, evs, EVENTS, 100);
		for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++) {
			struct bconn *c = evs[i].data.ptr;

			if (c->state != C_CONNECTING)
				continue;
			pending--;
			err = 0;
			el = sizeof(err);
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
			if (err) {
				report(c, "connect: %s", strerror(err));
				conn_fail(t, c, &t->errs.connect);
				continue;
			}
			c->state = C_ACTIVE;
			conn_want(t, c, 0);
		}
	}
	for (i = 0; i < t->nconns; i++) {
		if (t->conns[i].state == C_CONNECTING) {
			report(&t->conns[i], "connect timed out");
			conn_fail(t, &t->conns[i], &t->errs.connect);
		}
	}
}

static void *bthread_main(void *arg)
{
	struct bthread *t = arg;
	const struct opts *o = t->run->o;
	struct epoll_event evs[EVENTS];
	uint64_t now, deadline = 0, last_check;
	unsigned int i;
	int n;

	connect_all(t);
	pthread_barrier_wait(&t->run->barrier);

	now = now_ns();
	last_check = now;
	if (o->duration)
		deadline = now + o->duration * 1000000000ull;
	for (i = 0; i < t->nconns; i++) {
		struct bconn *c = &t->conns[i];

		if (c->state != C_ACTIVE)
			continue;
		if (c->quota == 0)
			conn_finish(t, c);
		else
			msg_start(t, c, now);
	}
	while (t->active) {
		n = epoll_wait(t->epfd, evs, EVENTS, 100);
		for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++) {
			struct bconn *c = evs[i].data.ptr;

			if (c->state == C_ACTIVE)
				conn_io(t, c, evs[i].events, deadline);
		}
		now = now_ns();
		if (now - last_check >= 1000000000ull) {
			check_stalls(t, now);
			last_check = now;
		}
	}
	__atomic_store_n(&t->end_ns, now_ns(), __ATOMIC_RELEASE);
	return NULL;
}

/* ---- one run -------------------------------------------------------- */

/* Messages done so far, and whether any worker still runs. */
static bool sample(void *arg, uint64_t *msgs, uint64_t *errs)
{
	const struct run *run = arg;
	bool running = false;
	unsigned int i;

	(void)errs;
	for (i = 0; i < run->nt; i++) {
		/* end_ns is written once by the thread; good enough. */
		if (!__atomic_load_n(&run->ts[i].end_ns, __ATOMIC_ACQUIRE))
			running = true;
		*msgs += atomic_load_explicit(&run->ts[i].msgs,
					      memory_order_relaxed);
	}
	return running;
}

static int run_one(const struct opts *o, unsigned int conns,
		   struct result *res)
{
	unsigned int nt, i, j, per, extra, idx = 0;
	struct bthread *ts;
	struct run run = { .o = o, .conns = conns };
	struct hist *h;
	uint64_t start, end = 0;

	nt = o->threads ? (unsigned int)o->threads : online_cpus();
	if (nt > conns)
		nt = conns;
	ts = calloc(nt, sizeof(*ts));
	h = calloc(1, sizeof(*h));
	if (!ts || !h)
		return -1;
	pthread_barrier_init(&run.barrier, NULL, nt + 1);
	per = conns / nt;
	extra = conns % nt;
	for (i = 0; i < nt; i++) {
		struct bthread *t = &ts[i];

		t->run = &run;
		t->nconns = per + (i < extra);
		t->conns = calloc(t->nconns, sizeof(*t->conns));
		t->rxbuf = malloc(RX_CHUNK);
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		t->rng = now_ns() ^ ((uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull);
		if (!t->conns || !t->rxbuf || t->epfd < 0)
			return -1;
		for (j = 0; j < t->nconns; j++, idx++) {
			struct bconn *c = &t->conns[j];

			c->idx = idx;
			c->fd = -1;
			if (!o->total)
				c->quota = UINT64_MAX;
			else
				c->quota = o->total / conns +
					   (idx < o->total % conns);
		}
	}
	for (i = 0; i < nt; i++) {
		if (pthread_create(&ts[i].tid, NULL, bthread_main, &ts[i])) {
			fprintf(stderr, "%s: pthread_create failed\n", prog_name);
			exit(1);
		}
	}
	pthread_barrier_wait(&run.barrier);
	start = now_ns();
	run.ts = ts;
	run.nt = nt;
	progress_wait(&(struct progress){
		.start = start, .show = !o->quiet && isatty(2), .unit = "msgs",
		.sample = sample, .arg = &run,
	});

	memset(res, 0, sizeof(*res));
	for (i = 0; i < nt; i++) {
		pthread_join(ts[i].tid, NULL);
		if (ts[i].end_ns > end)
			end = ts[i].end_ns;
		res->msgs += ts[i].msgs;
		hist_merge(h, &ts[i].hist);
		counters_add(res->errs.n, ts[i].errs.n, ARRAY_SIZE(res->errs.n));
		close(ts[i].epfd);
		free(ts[i].conns);
		free(ts[i].rxbuf);
	}
	pthread_barrier_destroy(&run.barrier);
	res->conns = conns;
	res->threads = nt;
	res->secs = end > start ? (end - start) / 1e9 : 0;
	res->msgs_per_s = res->secs > 0 ? res->msgs / res->secs : 0;
	res->p50_us = hist_pct_us(h, 50);
	res->p99_us = hist_pct_us(h, 99);
	res->errors = counters_sum(res->errs.n, ARRAY_SIZE(res->errs.n));
	free(h);
	free(ts);
	return 0;
}

static void print_result(const struct opts *o, const struct result *r)
{
	printf("conns %u  threads %u  size %llu  msgs %llu  time %.2f s  "
	       "%.0f msgs/s  p50 %.1f us  p99 %.1f us  errors %llu",
	       r->conns, r->threads, (unsigned long long)o->size,
	       (unsigned long long)r->msgs, r->secs, r->msgs_per_s,
	       r->p50_us, r->p99_us, (unsigned long long)r->errors);
	if (r->errors)
		printf(" (connect %llu, mismatch %llu, eof %llu, io %llu, "
		       "stall %llu)",
		       (unsigned long long)r->errs.connect,
		       (unsigned long long)r->errs.mismatch,
		       (unsigned long long)r->errs.eof,
		       (unsigned long long)r->errs.io,
		       (unsigned long long)r->errs.stall);
	printf("\n");
	if (o->machine)
		printf("RESULT conns=%u threads=%u size=%llu msgs=%llu "
		       "secs=%.3f msgs_per_s=%.0f p50_us=%.1f p99_us=%.1f "
		       "errors=%llu mismatches=%llu\n",
		       r->conns, r->threads, (unsigned long long)o->size,
		       (unsigned long long)r->msgs, r->secs, r->msgs_per_s,
		       r->p50_us, r->p99_us, (unsigned long long)r->errors,
		       (unsigned long long)r->errs.mismatch);
	fflush(stdout);
}

/* ---- output files --------------------------------------------------- */

static bool write_data(const struct opts *o, const struct result *rs,
		       unsigned int n)
{
	FILE *f = fopen(o->outfile, "w");
	unsigned int i;

	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, o->outfile,
			strerror(errno));
		return false;
	}
	fprintf(f, "# ksrv bench: server %s port %u, message size %llu, %s %llu\n",
		o->host, o->port, (unsigned long long)o->size,
		o->total ? "messages" : "seconds",
		(unsigned long long)(o->total ? o->total : o->duration));
	fprintf(f, "# connections msgs_per_s p50_us p99_us errors\n");
	for (i = 0; i < n; i++)
		fprintf(f, "%u %.0f %.1f %.1f %llu\n", rs[i].conns,
			rs[i].msgs_per_s, rs[i].p50_us, rs[i].p99_us,
			(unsigned long long)rs[i].errors);
	return fclose(f) == 0;
}

/* gnuplot single-quoted string: a quote is written twice. */
static void gp_quote(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static bool write_gnuplot(const struct opts *o, char *gp, size_t gplen)
{
	char png[4096];
	FILE *f;

	snprintf(gp, gplen, "%s.gp", o->outfile);
	snprintf(png, sizeof(png), "%s.png", o->outfile);
	f = fopen(gp, "w");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog_name, gp, strerror(errno));
		return false;
	}
	fprintf(f, "# generated by ksrv bench; render with: gnuplot %s\n", gp);
	fprintf(f, "set terminal png size 900,600\nset output ");
	gp_quote(f, png);
	fprintf(f, "\nset title 'echo: msgs/s and p99 latency vs connections "
		"(%llu-byte messages)'\n", (unsigned long long)o->size);
	fprintf(f, "set xlabel 'concurrent connections'\n"
		"set logscale x 2\n"
		"set ylabel 'messages/s'\n"
		"set y2label 'p99 latency (us)'\n"
		"set ytics nomirror\nset y2tics\nset yrange [0:*]\n"
		"set y2range [0:*]\nset grid\nset key top left\n");
	fprintf(f, "plot ");
	gp_quote(f, o->outfile);
	fprintf(f, " using 1:2 with linespoints lw 2 title 'msgs/s' axes x1y1, \\\n"
		"     '' using 1:4 with linespoints lw 2 title 'p99 us' axes x1y2\n");
	return fclose(f) == 0;
}

/* Render with gnuplot if it is installed; absence is not an error. */
static void render_gnuplot(const char *gp, bool quiet)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execlp("gnuplot", "gnuplot", gp, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		if (!quiet)
			fprintf(stderr, "%s: gnuplot not found; script left in %s\n",
				prog_name, gp);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: gnuplot failed on %s\n", prog_name, gp);
	}
}

/* ---- arguments ------------------------------------------------------ */

static bool parse_sweep(char *s, struct opts *o)
{
	char *tok, *save = NULL;

	/* strtok_r would silently skip empty fields such as "1,,2". */
	if (!*s || *s == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return false;
	o->nsweep = 0;
	for (tok = strtok_r(s, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nsweep == MAX_SWEEP ||
		    !parse_u64(tok, 1, MAX_CONNS, &o->sweep[o->nsweep]))
			return false;
		o->nsweep++;
	}
	return o->nsweep > 0;
}

static int bad_arg(char opt, const char *val, const char *why)
{
	fprintf(stderr, "%s: bad value for -%c: '%s' (%s)\n", prog_name, opt,
		val, why);
	usage(stderr);
	return 2;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "a:p:c:s:d:n:t:T:S:o:gmqh")) != -1) {
		switch (opt) {
		case 'a':
			o->host = optarg;
			break;
		case 'p':
			if (!parse_port(optarg, &o->port))
				return bad_arg(opt, optarg, "1..65535");
			break;
		case 'c':
			if (!parse_u64(optarg, 1, MAX_CONNS, &o->conns))
				return bad_arg(opt, optarg, "1..100000");
			break;
		case 's':
			if (!parse_u64(optarg, 1, MAX_MSG_SIZE, &o->size))
				return bad_arg(opt, optarg, "1..1048576 bytes");
			break;
		case 'd':
			if (!parse_u64(optarg, 1, MAX_DURATION, &o->duration))
				return bad_arg(opt, optarg, "1..3600 seconds");
			break;
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_MAX / 2, &o->total))
				return bad_arg(opt, optarg, "positive integer");
			break;
		case 't':
			if (!parse_u64(optarg, 1, MAX_THREADS, &o->threads))
				return bad_arg(opt, optarg, "1..256");
			break;
		case 'T':
			if (!parse_u64(optarg, 1, 3600, &o->timeout))
				return bad_arg(opt, optarg, "1..3600 seconds");
			break;
		case 'S':
			if (!parse_sweep(optarg, o))
				return bad_arg(opt, optarg,
					       "comma-separated counts 1..100000");
			break;
		case 'o':
			o->outfile = optarg;
			break;
		case 'g':
			o->gnuplot = true;
			break;
		default:
			if (!load_opt(opt, &o->machine, &o->quiet, usage))
				return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog_name,
			argv[optind]);
		usage(stderr);
		return 2;
	}
	if (o->duration && o->total) {
		fprintf(stderr, "%s: -d and -n are mutually exclusive\n",
			prog_name);
		usage(stderr);
		return 2;
	}
	if (o->gnuplot && !o->outfile) {
		fprintf(stderr, "%s: -g needs -o FILE\n", prog_name);
		usage(stderr);
		return 2;
	}
	if (!o->duration && !o->total)
		o->duration = 5;
	if (!o->nsweep) {
		o->sweep[0] = o->conns;
		o->nsweep = 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.host = "127.0.0.1", .port = 12345, .conns = 16, .size = 64,
		.timeout = DEF_TIMEOUT,
	};
	struct result rs[MAX_SWEEP];
	uint64_t maxc = 0, errors = 0;
	unsigned int i;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (!resolve_host(o.host, o.port, &o.addr, &o.addrlen))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < o.nsweep; i++)
		if (o.sweep[i] > maxc)
			maxc = o.sweep[i];
	if (!load_nofile(maxc))
		return 1;
	if (!pool_init(o.size)) {
		perror(prog_name);
		return 1;
	}
	if (!o.quiet) {
		printf("%s: %s port %u, %llu-byte messages, %s %llu per run\n",
		       prog_name, o.host, o.port, (unsigned long long)o.size,
		       o.total ? "messages" : "seconds",
		       (unsigned long long)(o.total ? o.total : o.duration));
		fflush(stdout);
	}
	for (i = 0; i < o.nsweep; i++) {
		if (run_one(&o, (unsigned int)o.sweep[i], &rs[i])) {
			fprintf(stderr, "%s: out of memory or fds\n", prog_name);
			return 1;
		}
		print_result(&o, &rs[i]);
		errors += rs[i].errors;
	}
	if (o.outfile && !write_data(&o, rs, o.nsweep))
		return 1;
	if (o.gnuplot) {
		char gp[4096];

		if (!write_gnuplot(&o, gp, sizeof(gp)))
			return 1;
		render_gnuplot(gp, o.quiet);
	}
	free(pool);
	return errors ? 1 : 0;
}
