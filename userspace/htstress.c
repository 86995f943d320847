// SPDX-License-Identifier: GPL-2.0
/*
 * htstress - HTTP/1.1 load generator with response verification.
 *
 * Worker threads each drive a share of the connections with one epoll set.
 * A connection sends GET requests (up to DEPTH pipelined in flight) and
 * parses every response completely: status line, headers, then exactly
 * Content-Length body bytes (or up to EOF when the server delimits the
 * body by closing).  Every response is checked: status 2xx/3xx (or the
 * one given with -s) and body length equal to the first response's (or
 * the one given with -l).  Anything unexpected - bad status, wrong length,
 * bytes after the end of a closing response, EOF or reset in the middle of
 * a response, malformed head, stall - is counted as an error.
 *
 * Close mode (-K) sends "Connection: close" and opens a new connection per
 * request; it waits for the server's FIN before reconnecting, so the
 * TIME_WAIT state stays on the server side and the client does not run
 * out of ephemeral ports.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "load.h"

#define MAX_CONNS	100000
#define MAX_THREADS	256
#define MAX_DEPTH	1024
#define MAX_DURATION	3600
#define MAX_HEADERS	64
#define MAX_REQ		8192	/* bytes of one request */
#define HEAD_MAX	(64 * 1024)	/* largest response head accepted */
#define RX_SIZE		(256 * 1024)
#define READ_BUDGET	16
#define EVENTS		256
#define DEF_TIMEOUT	10
#define DEF_REQUESTS	10000

const char *prog_name = "htstress";

enum cstate {
	C_CONNECTING,
	C_ACTIVE,	/* requests may be issued and answered */
	C_DRAIN,	/* last response done, waiting for the server's FIN */
	C_DEAD,		/* retired for good */
};

enum rstate {
	R_HEAD,		/* collecting a response head */
	R_BODY,		/* body_left more bytes to come */
	R_BODY_EOF,	/* body ends when the server closes */
};

struct hconn {
	int fd;
	enum cstate state;
	enum rstate rstate;
	uint32_t events;
	unsigned int idx;
	unsigned int inflight;	/* requests issued, response not complete */
	unsigned int ts_head;	/* oldest entry of the issue-time ring */
	uint64_t *ts;		/* DEPTH issue times */
	size_t tx_left;		/* request bytes still to send */
	size_t tx_pos;		/* offset inside the current request */
	char *hbuf;		/* partial response head, allocated on need */
	size_t hlen;
	uint64_t body_left;
	uint64_t body_len;
	uint64_t resp_bytes;	/* head + body of the current response */
	int status;
	bool resp_close;	/* current response ends the connection */
	uint64_t t_conn;	/* connect() time, the start of close-mode latency */
	uint64_t last_io;	/* for the stall detector */
	uint64_t done;		/* responses completed in this slot */
	uint64_t issued;	/* requests issued on the current connection */
};

union errs {
	struct {
		uint64_t connect;
		uint64_t io;		/* reset, send/recv failure */
		uint64_t eof;		/* closed in the middle of a response */
		uint64_t parse;		/* malformed or unsupported response */
		uint64_t status;
		uint64_t length;
		uint64_t timeout;
	};
	uint64_t n[7];
};

struct opts {
	const char *url;
	char *host;		/* for resolving, brackets removed */
	char *authority;	/* Host header value, as written in the URL */
	const char *path;
	uint16_t port;
	uint64_t total;		/* requests; 0 = timed */
	uint64_t duration;
	uint64_t conns;
	uint64_t threads;
	uint64_t depth;
	uint64_t timeout;
	int64_t want_status;	/* -1: any 2xx/3xx */
	int64_t want_len;	/* -1: first response's length */
	bool close_mode;
	bool machine;
	bool quiet;
	const char *headers[MAX_HEADERS];
	unsigned int nheaders;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *req;		/* DEPTH copies of the request back to back */
	size_t req_len;		/* length of one copy */
};

struct hthread {
	pthread_t tid;
	const struct opts *o;
	struct hconn *conns;
	unsigned int nconns;
	unsigned int live;
	int epfd;
	char *rxbuf;
	uint64_t remaining;	/* requests not yet issued (count mode) */
	uint64_t deadline;	/* timed mode */
	bool stopping;		/* no new requests */
	struct hist hist;
	union errs errs;
	uint64_t bytes;
	_Atomic uint64_t reqs;	/* read by the progress display */
	_Atomic uint64_t nerrs;
	_Atomic uint64_t end_ns;
};

static pthread_barrier_t start_barrier;
static _Atomic int64_t first_len = -1;	/* body length all must match */
static volatile sig_atomic_t interrupted;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [-n REQUESTS | -d SECONDS] [-c CONNS] [-t THREADS]\n"
		"       [-k | -K] [-P DEPTH] [-H 'Name: value']... [-s STATUS]\n"
		"       [-l LENGTH] [-T SECONDS] [-m] [-q] [-h] http://HOST[:PORT]/PATH\n"
		"  HTTP/1.1 load generator; every response is parsed and checked.\n"
		"  HOST may be an IPv4 address, [IPv6] or a name; PORT defaults to 80.\n"
		"  -n REQUESTS total requests (default %d)\n"
		"  -d SECONDS  run for this long instead (1..%d)\n"
		"  -c CONNS    concurrent connections (1..%d, default 16)\n"
		"  -t THREADS  worker threads (1..%d, default min(nproc, CONNS))\n"
		"  -k          keep-alive: many requests per connection (default)\n"
		"  -K          close mode: 'Connection: close', one request per\n"
		"              connection, reconnect for the next\n"
		"  -P DEPTH    pipelining: requests in flight per connection\n"
		"              (1..%d, default 1; keep-alive only)\n"
		"  -H HEADER   extra request header, repeatable (max %d)\n"
		"  -s STATUS   expected status code (default: any 2xx or 3xx)\n"
		"  -l LENGTH   expected body length (default: the first response's)\n"
		"  -T SECONDS  a connect or response without progress for this long\n"
		"              is an error (1..3600, default %d)\n"
		"  -m          print a machine-readable final line:\n"
		"              RESULT reqs=N errors=N reqs_per_s=N p50_us=N p90_us=N\n"
		"              p99_us=N bytes=N\n"
		"  -q          quiet: no banner, no progress display\n"
		"  -h          show this help\n"
		"  reqs counts complete responses (including ones that failed a\n"
		"  check); bytes counts response heads + bodies received.\n"
		"  Exit status: 0 no errors, 1 errors, 2 bad usage.\n",
		prog_name, DEF_REQUESTS, MAX_DURATION, MAX_CONNS, MAX_THREADS,
		MAX_DEPTH, MAX_HEADERS, DEF_TIMEOUT);
}

/* ---- error accounting ----------------------------------------------- */

/* One error line, capped (load.c). */
#define report(c, ...) \
	report_error((c)->idx, "response", (unsigned long long)(c)->done + 1, \
		     __VA_ARGS__)

static void count_err(struct hthread *t, uint64_t *counter)
{
	(*counter)++;
	atomic_fetch_add_explicit(&t->nerrs, 1, memory_order_relaxed);
}

/* ---- connection life cycle ------------------------------------------ */

static bool work_left(const struct hthread *t)
{
	return !t->stopping && t->remaining > 0;
}

static void take_tickets(struct hthread *t, unsigned int n)
{
	if (!t->o->duration)
		t->remaining -= n;
}

/* Requests issued but never answered go back to the pool. */
static void return_tickets(struct hthread *t, unsigned int n)
{
	if (!t->o->duration)
		t->remaining += n;
}

static void conn_reset_state(struct hconn *c)
{
	c->rstate = R_HEAD;
	c->inflight = 0;
	c->ts_head = 0;
	c->tx_left = 0;
	c->tx_pos = 0;
	c->hlen = 0;
	c->body_len = 0;
	c->resp_bytes = 0;
	c->resp_close = false;
	c->issued = 0;
}

static void conn_retire(struct hthread *t, struct hconn *c)
{
	if (c->state == C_DEAD)
		return;
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->state = C_DEAD;
	t->live--;
}

static bool conn_want(struct hthread *t, struct hconn *c, uint32_t ev)
{
	return epoll_want(t->epfd, c->fd, c, &c->events, ev);
}

static bool conn_send(struct hthread *t, struct hconn *c)
{
	const struct opts *o = t->o;
	size_t room;
	ssize_t n;

	while (c->tx_left) {
		room = o->req_len * o->depth - c->tx_pos;
		n = send_nb(c->fd, o->req + c->tx_pos,
			    c->tx_left < room ? c->tx_left : room);
		if (n == 0)
			return true;
		if (n < 0) {
			report(c, "send: %s",
			       errno ? strerror(errno) : "returned 0");
			return false;
		}
		c->tx_left -= n;
		c->tx_pos = (c->tx_pos + n) % o->req_len;
	}
	return true;
}

static bool conn_update_events(struct hthread *t, struct hconn *c)
{
	return conn_want(t, c, c->tx_left ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

static void conn_connect(struct hthread *t, struct hconn *c, uint64_t now);
static void conn_broken(struct hthread *t, struct hconn *c);

/* Next connection for this slot, or retirement when the work is done. */
static void conn_again(struct hthread *t, struct hconn *c, uint64_t now)
{
	close(c->fd);
	c->fd = -1;
	if (!work_left(t)) {
		conn_retire(t, c);
		return;
	}
	conn_connect(t, c, now);
}

/*
 * Top the connection up to DEPTH requests in flight (one in close mode).
 * Returns false when the connection was closed or retired.
 */
static bool conn_issue(struct hthread *t, struct hconn *c, uint64_t now)
{
	const struct opts *o = t->o;
	unsigned int k = 0, slot;

	while (c->inflight < o->depth && work_left(t) &&
	       !(o->close_mode && c->issued)) {
		slot = (c->ts_head + c->inflight) % o->depth;
		/* In close mode the connect is part of what we measure. */
		c->ts[slot] = o->close_mode ? c->t_conn : now;
		c->inflight++;
		c->issued++;
		take_tickets(t, 1);
		k++;
	}
	if (!k && !c->inflight) {
		conn_retire(t, c);
		return false;
	}
	c->tx_left += k * o->req_len;
	c->last_io = now;
	if (!conn_send(t, c) || !conn_update_events(t, c)) {
		count_err(t, &t->errs.io);
		conn_broken(t, c);
		return false;
	}
	return true;
}

static void conn_connect(struct hthread *t, struct hconn *c, uint64_t now)
{
	static const int one = 1;
	const struct opts *o = t->o;
	struct epoll_event ev;
	int rc;

	conn_reset_state(c);
	c->t_conn = now;
	c->last_io = now;
	c->fd = socket(o->addr.ss_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		report(c, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	rc = connect(c->fd, (const struct sockaddr *)&o->addr, o->addrlen);
	if (rc && errno != EINPROGRESS) {
		report(c, "connect: %s", strerror(errno));
		goto fail;
	}
	c->state = rc ? C_CONNECTING : C_ACTIVE;
	c->events = rc ? EPOLLOUT : EPOLLIN;
	ev.events = c->events;
	ev.data.ptr = c;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->fd, &ev)) {
		report(c, "epoll_ctl: %s", strerror(errno));
		goto fail;
	}
	if (!rc)
		conn_issue(t, c, now);
	return;
fail:
	/* A refused or failed connect retires the slot: no retry storm. */
	count_err(t, &t->errs.connect);
	c->state = C_CONNECTING;
	conn_retire(t, c);
}

/*
 * The response being received (or the connection) failed: its request is
 * lost and already counted as an error by the caller.  The other requests
 * in flight are retried on a fresh connection.
 */
static void conn_broken(struct hthread *t, struct hconn *c)
{
	if (c->inflight > 1)
		return_tickets(t, c->inflight - 1);
	c->inflight = 0;
	conn_again(t, c, now_ns());
}

/* ---- response parsing ----------------------------------------------- */

struct head_info {
	int status;
	int minor;
	bool have_cl;
	uint64_t cl;
	bool conn_close;
	bool conn_keepalive;
	bool chunked;		/* any Transfer-Encoding */
};

static bool parse_cl(const char *v, size_t len, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (!len || len > 18)
		return false;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return true;
}

/* One header field line (no CRLF).  Returns an error text or NULL. */
static const char *parse_field(const char *l, size_t len, struct head_info *h)
{
	const char *colon = memchr(l, ':', len), *v;
	size_t nlen, vlen, i;
	uint64_t cl;

	if (l[0] == ' ' || l[0] == '\t')
		return "obsolete line folding in a response header";
	if (!colon || colon == l)
		return "header line without a name";
	nlen = colon - l;
	for (i = 0; i < nlen; i++)
		if (!http_is_tchar(l[i]))
			return "bad character in a header name";
	v = colon + 1;
	vlen = len - nlen - 1;
	for (i = 0; i < vlen; i++)
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
			return "control character in a header value";
	while (vlen && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (http_name_is(l, nlen, "content-length")) {
		if (!parse_cl(v, vlen, &cl))
			return "bad Content-Length";
		if (h->have_cl && h->cl != cl)
			return "conflicting Content-Length headers";
		h->have_cl = true;
		h->cl = cl;
	} else if (http_name_is(l, nlen, "connection")) {
		if (http_has_token(v, vlen, "close"))
			h->conn_close = true;
		if (http_has_token(v, vlen, "keep-alive"))
			h->conn_keepalive = true;
	} else if (http_name_is(l, nlen, "transfer-encoding")) {
		h->chunked = true;
	}
	return NULL;
}

/*
 * Parse a complete head (ending in CRLFCRLF).  Returns an error text or
 * NULL.
 */
static const char *parse_head(const char *b, size_t len, struct head_info *h)
{
	const char *end = b + len - 2, *l, *e, *err;

	memset(h, 0, sizeof(*h));
	/* "HTTP/1.x SSS" then SP reason or nothing */
	if (len < 16 || memcmp(b, "HTTP/1.", 7) || b[7] < '0' || b[7] > '9' ||
	    b[8] != ' ' || b[9] < '1' || b[9] > '5' || b[10] < '0' ||
	    b[10] > '9' || b[11] < '0' || b[11] > '9' ||
	    (b[12] != ' ' && b[12] != '\r'))
		return "malformed status line";
	h->minor = b[7] - '0';
	h->status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	l = memmem(b, len, "\r\n", 2) + 2;
	for (e = b + 12; e < l - 2; e++)
		if ((unsigned char)*e < 0x20 && *e != '\t')
			return "control character in the status line";
	while (l < end) {
		e = memmem(l, end - l + 2, "\r\n", 2);
		if (e == l)
			break;
		if (memchr(l, '\n', e - l) || memchr(l, '\r', e - l))
			return "bare CR or LF in the head";
		err = parse_field(l, e - l, h);
		if (err)
			return err;
		l = e + 2;
	}
	return NULL;
}

static bool resp_done(struct hthread *t, struct hconn *c, uint64_t now);

/* A complete head arrived; set up the body.  False: connection gone. */
static bool head_done(struct hthread *t, struct hconn *c, const char *b,
		      size_t len, uint64_t now)
{
	struct head_info h;
	const char *err = parse_head(b, len, &h);

	if (!err && h.status == 101)
		err = "unexpected 101 Switching Protocols";
	if (!err && h.status < 200) {
		/* Interim response (100 Continue...): the real one follows. */
		t->bytes += len;
		return true;
	}
	if (!err && h.chunked &&
	    h.status != 204 && h.status != 304)
		err = "Transfer-Encoding is not supported";
	if (err) {
		report(c, "%s", err);
		count_err(t, &t->errs.parse);
		conn_broken(t, c);
		return false;
	}
	c->status = h.status;
	c->resp_bytes = len;
	c->body_len = 0;
	c->resp_close = h.conn_close || (h.minor == 0 && !h.conn_keepalive);
	if (h.status == 204 || h.status == 304) {
		c->body_left = 0;
	} else if (h.have_cl) {
		c->body_left = h.cl;
	} else {
		/* No length: the body runs until the server closes. */
		c->rstate = R_BODY_EOF;
		c->resp_close = true;
		return true;
	}
	if (!c->body_left)
		return resp_done(t, c, now);
	c->rstate = R_BODY;
	return true;
}

/*
 * Feed response-head bytes.  Returns how many were consumed, or -1 when
 * the connection was closed or replaced.
 */
static ssize_t head_feed(struct hthread *t, struct hconn *c, const char *d,
			 size_t len, uint64_t now)
{
	const char *p;
	size_t old = c->hlen, cp, start, hl;

	if (!old) {
		/* Common case: the whole head is in this chunk, parse in place. */
		p = memmem(d, len, "\r\n\r\n", 4);
		if (p) {
			hl = p - d + 4;
			return head_done(t, c, d, hl, now) ? (ssize_t)hl : -1;
		}
	}
	if (!c->hbuf) {
		c->hbuf = malloc(HEAD_MAX);
		if (!c->hbuf) {
			report(c, "out of memory");
			count_err(t, &t->errs.io);
			conn_broken(t, c);
			return -1;
		}
	}
	cp = len < HEAD_MAX - old ? len : HEAD_MAX - old;
	memcpy(c->hbuf + old, d, cp);
	c->hlen += cp;
	start = old >= 3 ? old - 3 : 0;
	p = memmem(c->hbuf + start, c->hlen - start, "\r\n\r\n", 4);
	if (p) {
		hl = p - c->hbuf + 4;
		c->hlen = 0;
		return head_done(t, c, c->hbuf, hl, now) ? (ssize_t)(hl - old) : -1;
	}
	if (c->hlen == HEAD_MAX) {
		report(c, "response head larger than %d bytes", HEAD_MAX);
		count_err(t, &t->errs.parse);
		conn_broken(t, c);
		return -1;
	}
	return cp;
}

/* Check a complete response and account for it.  False: connection gone. */
static bool resp_done(struct hthread *t, struct hconn *c, uint64_t now)
{
	const struct opts *o = t->o;
	int64_t expect = o->want_len;
	bool status_ok;

	hist_add(&t->hist, now - c->ts[c->ts_head]);
	c->ts_head = (c->ts_head + 1) % o->depth;
	c->inflight--;
	atomic_fetch_add_explicit(&t->reqs, 1, memory_order_relaxed);
	t->bytes += c->resp_bytes;

	if (o->want_status >= 0)
		status_ok = c->status == o->want_status;
	else
		status_ok = c->status >= 200 && c->status < 400;
	if (!status_ok) {
		report(c, "unexpected status %d", c->status);
		count_err(t, &t->errs.status);
	}
	if (expect < 0) {
		int64_t mine = (int64_t)c->body_len;

		/* The first response anywhere sets the reference length. */
		if (atomic_compare_exchange_strong(&first_len, &expect, mine))
			expect = mine;
	}
	if ((int64_t)c->body_len != expect) {
		report(c, "body length %llu, expected %lld",
		       (unsigned long long)c->body_len, (long long)expect);
		count_err(t, &t->errs.length);
	}
	c->done++;
	c->rstate = R_HEAD;
	c->body_len = 0;
	c->resp_bytes = 0;

	if (c->resp_close || o->close_mode) {
		/* Pipelined requests behind this response will not be answered. */
		return_tickets(t, c->inflight);
		c->inflight = 0;
		c->tx_left = 0;
		c->state = C_DRAIN;
		if (!conn_want(t, c, EPOLLIN)) {
			count_err(t, &t->errs.io);
			conn_again(t, c, now);
			return false;
		}
		return true;
	}
	/* conn_read tops the pipeline up once the whole chunk is parsed. */
	return true;
}

/* Bytes arrived.  Returns false when the connection was closed/replaced. */
static bool conn_feed(struct hthread *t, struct hconn *c, const char *d,
		      size_t len, uint64_t now)
{
	ssize_t used;
	uint64_t take;

	while (len) {
		if (c->state == C_DRAIN || !c->inflight) {
			report(c, "%zu unexpected bytes after the end of a "
			       "response (wrong Content-Length?)", len);
			count_err(t, &t->errs.parse);
			c->inflight = 1;	/* the request charged for it */
			conn_broken(t, c);
			return false;
		}
		switch (c->rstate) {
		case R_HEAD:
			used = head_feed(t, c, d, len, now);
			if (used < 0)
				return false;
			break;
		case R_BODY:
			take = len < c->body_left ? len : c->body_left;
			c->body_left -= take;
			c->body_len += take;
			c->resp_bytes += take;
			used = take;
			if (!c->body_left && !resp_done(t, c, now))
				return false;
			break;
		default:	/* R_BODY_EOF */
			c->body_len += len;
			c->resp_bytes += len;
			used = len;
			break;
		}
		d += used;
		len -= used;
	}
	return true;
}

static void conn_eof(struct hthread *t, struct hconn *c, uint64_t now)
{
	if (c->state == C_DRAIN) {
		conn_again(t, c, now);
		return;
	}
	if (c->rstate == R_BODY_EOF) {
		if (resp_done(t, c, now))
			conn_again(t, c, now);
		return;
	}
	if (!c->inflight && !c->hlen) {
		/* Idle keep-alive connection closed by the server: fine. */
		conn_again(t, c, now);
		return;
	}
	if (c->rstate == R_BODY)
		report(c, "connection closed after %llu body bytes, %llu missing",
		       (unsigned long long)c->body_len,
		       (unsigned long long)c->body_left);
	else
		report(c, "connection closed %s (%zu head bytes received)",
		       c->hlen ? "inside a response head" : "before a response",
		       c->hlen);
	count_err(t, &t->errs.eof);
	conn_broken(t, c);
}

static void conn_read(struct hthread *t, struct hconn *c)
{
	int budget = READ_BUDGET;
	uint64_t now;
	ssize_t n;

	while (budget--) {
		n = recv(c->fd, t->rxbuf, RX_SIZE, 0);
		now = now_ns();
		if (n > 0) {
			c->last_io = now;
			if (!conn_feed(t, c, t->rxbuf, n, now))
				return;
			/* One send for all the responses this chunk completed. */
			if (c->state == C_ACTIVE && c->inflight < t->o->depth &&
			    !conn_issue(t, c, now))
				return;
			if ((size_t)n < RX_SIZE)
				return;	/* level-triggered: we hear of more */
			continue;
		}
		if (n == 0) {
			conn_eof(t, c, now);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/*
		 * A reset after the final response, or on an idle connection,
		 * costs no request: a server closing with unread pipelined
		 * requests causes exactly that.
		 */
		if (c->state == C_DRAIN || (!c->inflight && !c->hlen)) {
			conn_again(t, c, now);
			return;
		}
		report(c, "recv: %s", strerror(errno));
		count_err(t, &t->errs.io);
		if (!c->inflight)
			c->inflight = 1;	/* someone pays for the error */
		conn_broken(t, c);
		return;
	}
}

static void conn_event(struct hthread *t, struct hconn *c, uint32_t ev)
{
	uint64_t now;
	socklen_t el;
	int err;

	if (c->state == C_CONNECTING) {
		err = 0;
		el = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err) {
			report(c, "connect: %s", strerror(err));
			count_err(t, &t->errs.connect);
			conn_retire(t, c);
			return;
		}
		c->state = C_ACTIVE;
		now = now_ns();
		if (!conn_issue(t, c, now))
			return;
		ev &= ~EPOLLOUT;	/* conn_issue already sent */
	}
	if ((ev & EPOLLOUT) && c->tx_left) {
		if (!conn_send(t, c) || !conn_update_events(t, c)) {
			count_err(t, &t->errs.io);
			conn_broken(t, c);
			return;
		}
		c->last_io = now_ns();
	}
	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(t, c);
}

/* Stop issuing: retire the connections that have nothing in flight. */
static void thread_stop(struct hthread *t)
{
	unsigned int i;

	t->stopping = true;
	for (i = 0; i < t->nconns; i++) {
		struct hconn *c = &t->conns[i];

		if (c->state == C_CONNECTING ||
		    (c->state == C_ACTIVE && !c->inflight))
			conn_retire(t, c);
	}
}

static void check_stalls(struct hthread *t, uint64_t now)
{
	uint64_t limit = t->o->timeout * 1000000000ull;
	unsigned int i;

	for (i = 0; i < t->nconns; i++) {
		struct hconn *c = &t->conns[i];

		if (c->state == C_DEAD || now - c->last_io < limit)
			continue;
		if (c->state == C_ACTIVE && !c->inflight)
			continue;
		if (c->state == C_CONNECTING) {
			report(c, "connect timed out");
			count_err(t, &t->errs.connect);
		} else {
			report(c, c->state == C_DRAIN ?
			       "server did not close the connection" :
			       "no response progress for %llu s",
			       (unsigned long long)t->o->timeout);
			count_err(t, &t->errs.timeout);
		}
		conn_retire(t, c);
	}
}

static void *thread_main(void *arg)
{
	struct hthread *t = arg;
	struct epoll_event evs[EVENTS];
	uint64_t now, last_check;
	unsigned int i;
	int n;

	pthread_barrier_wait(&start_barrier);
	now = now_ns();
	last_check = now;
	if (t->o->duration)
		t->deadline = now + t->o->duration * 1000000000ull;
	t->live = t->nconns;
	for (i = 0; i < t->nconns; i++) {
		if (work_left(t))
			conn_connect(t, &t->conns[i], now);
		else
			conn_retire(t, &t->conns[i]);
	}
	while (t->live) {
		n = epoll_wait(t->epfd, evs, EVENTS, 100);
		for (i = 0; i < (unsigned int)(n > 0 ? n : 0); i++) {
			struct hconn *c = evs[i].data.ptr;

			/* An earlier event in this batch may have retired it. */
			if (c->state != C_DEAD)
				conn_event(t, c, evs[i].events);
		}
		now = now_ns();
		if (!t->stopping && (interrupted ||
				     (t->deadline && now >= t->deadline)))
			thread_stop(t);
		if (now - last_check >= 1000000000ull) {
			check_stalls(t, now);
			last_check = now;
		}
	}
	atomic_store(&t->end_ns, now_ns());
	return NULL;
}

/* ---- arguments ------------------------------------------------------ */

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	return 2;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* http://HOST[:PORT][/PATH]; HOST is a name, IPv4 or [IPv6]. */
static bool parse_url(const char *url, struct opts *o)
{
	const char *a, *slash, *hend, *pstart = NULL;
	size_t alen;
	char port[8];

	if (strncasecmp(url, "http://", 7))
		return false;
	a = url + 7;
	slash = strchr(a, '/');
	alen = slash ? (size_t)(slash - a) : strlen(a);
	if (!alen || memchr(a, '@', alen))
		return false;
	o->authority = strndup(a, alen);
	if (a[0] == '[') {
		hend = memchr(a, ']', alen);
		if (!hend || hend == a + 1)
			return false;
		o->host = strndup(a + 1, hend - a - 1);
		if (hend + 1 < a + alen) {
			if (hend[1] != ':')
				return false;
			pstart = hend + 2;
		}
	} else {
		hend = memchr(a, ':', alen);
		if (!hend)
			hend = a + alen;
		else
			pstart = hend + 1;
		if (hend == a)
			return false;
		o->host = strndup(a, hend - a);
	}
	if (pstart) {
		size_t pl = a + alen - pstart;

		if (!pl || pl >= sizeof(port))
			return false;
		memcpy(port, pstart, pl);
		port[pl] = '\0';
		if (!parse_port(port, &o->port))
			return false;
	}
	o->path = slash ? slash : "/";
	if (strchr(o->path, ' ') || strchr(o->path, '#') || has_ctl(o->path) ||
	    has_ctl(o->authority))
		return false;
	return true;
}

static bool valid_header(const char *h)
{
	const char *colon = strchr(h, ':'), *p;

	if (!colon || colon == h || has_ctl(h))
		return false;
	for (p = h; p < colon; p++)
		if (!http_is_tchar(*p))
			return false;
	return true;
}

static bool user_has_header(const struct opts *o, const char *name)
{
	size_t nl = strlen(name);
	unsigned int i;

	for (i = 0; i < o->nheaders; i++)
		if (!strncasecmp(o->headers[i], name, nl) &&
		    o->headers[i][nl] == ':')
			return true;
	return false;
}

/* printf into @buf at *@len; false when it does not fit. */
static bool append(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool append(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *len)
		return false;
	*len += n;
	return true;
}

/* The request is the same every time: build it (DEPTH copies) once. */
static bool build_request(struct opts *o)
{
	char one[MAX_REQ];
	size_t len = 0;
	unsigned int i;

	if (!append(one, sizeof(one), &len, "GET %s HTTP/1.1\r\n", o->path))
		return false;
	if (!user_has_header(o, "host") &&
	    !append(one, sizeof(one), &len, "Host: %s\r\n", o->authority))
		return false;
	if (!user_has_header(o, "user-agent") &&
	    !append(one, sizeof(one), &len, "User-Agent: htstress\r\n"))
		return false;
	if (o->close_mode && !user_has_header(o, "connection") &&
	    !append(one, sizeof(one), &len, "Connection: close\r\n"))
		return false;
	for (i = 0; i < o->nheaders; i++)
		if (!append(one, sizeof(one), &len, "%s\r\n", o->headers[i]))
			return false;
	if (!append(one, sizeof(one), &len, "\r\n"))
		return false;
	o->req_len = len;
	o->req = malloc(len * o->depth);
	if (!o->req)
		return false;
	for (i = 0; i < o->depth; i++)
		memcpy(o->req + i * len, one, len);
	return true;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	bool keep = false;
	uint64_t v;
	int opt;

	while ((opt = getopt(argc, argv, "n:d:c:t:kKP:H:s:l:T:mqh")) != -1) {
		switch (opt) {
		case 'n':
			if (!parse_u64(optarg, 1, UINT64_MAX / 4, &o->total))
				return bad_usage("bad -n '%s' (positive integer)",
						 optarg);
			break;
		case 'd':
			if (!parse_u64(optarg, 1, MAX_DURATION, &o->duration))
				return bad_usage("bad -d '%s' (1..%d seconds)",
						 optarg, MAX_DURATION);
			break;
		case 'c':
			if (!parse_u64(optarg, 1, MAX_CONNS, &o->conns))
				return bad_usage("bad -c '%s' (1..%d)", optarg,
						 MAX_CONNS);
			break;
		case 't':
			if (!parse_u64(optarg, 1, MAX_THREADS, &o->threads))
				return bad_usage("bad -t '%s' (1..%d)", optarg,
						 MAX_THREADS);
			break;
		case 'k':
			keep = true;
			break;
		case 'K':
			o->close_mode = true;
			break;
		case 'P':
			if (!parse_u64(optarg, 1, MAX_DEPTH, &o->depth))
				return bad_usage("bad -P '%s' (1..%d)", optarg,
						 MAX_DEPTH);
			break;
		case 'H':
			if (o->nheaders == MAX_HEADERS)
				return bad_usage("too many -H (max %d)",
						 MAX_HEADERS);
			if (!valid_header(optarg))
				return bad_usage("bad header '%s' (want 'Name: value')",
						 optarg);
			o->headers[o->nheaders++] = optarg;
			break;
		case 's':
			if (!parse_u64(optarg, 100, 599, &v))
				return bad_usage("bad -s '%s' (100..599)", optarg);
			o->want_status = (int64_t)v;
			break;
		case 'l':
			if (!parse_u64(optarg, 0, INT64_MAX, &v))
				return bad_usage("bad -l '%s' (byte count)", optarg);
			o->want_len = (int64_t)v;
			break;
		case 'T':
			if (!parse_u64(optarg, 1, 3600, &o->timeout))
				return bad_usage("bad -T '%s' (1..3600 seconds)",
						 optarg);
			break;
		default:
			if (!load_opt(opt, &o->machine, &o->quiet, usage))
				return 2;
		}
	}
	if (optind == argc)
		return bad_usage("missing URL");
	if (optind + 1 != argc)
		return bad_usage("unexpected argument '%s'", argv[optind + 1]);
	o->url = argv[optind];
	if (!parse_url(o->url, o))
		return bad_usage("bad URL '%s' (want http://HOST[:PORT]/PATH)",
				 o->url);
	if (keep && o->close_mode)
		return bad_usage("-k and -K are mutually exclusive");
	if (o->duration && o->total)
		return bad_usage("-d and -n are mutually exclusive");
	if (o->close_mode && o->depth > 1)
		return bad_usage("-P needs keep-alive (not -K)");
	if (!o->duration && !o->total)
		o->total = DEF_REQUESTS;
	/* More connections than requests would only idle. */
	if (o->total && o->conns > o->total)
		o->conns = o->total;
	if (!build_request(o))
		return bad_usage("request too large (max %d bytes)", MAX_REQ);
	return 0;
}

/* ---- run ------------------------------------------------------------ */

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct workers {
	struct hthread *ts;
	unsigned int nt;
};

/* Responses and errors so far, and whether any worker still runs. */
static bool sample(void *arg, uint64_t *reqs, uint64_t *errs)
{
	const struct workers *w = arg;
	bool running = false;
	unsigned int i;

	for (i = 0; i < w->nt; i++) {
		if (!atomic_load(&w->ts[i].end_ns))
			running = true;
		*reqs += atomic_load_explicit(&w->ts[i].reqs,
					      memory_order_relaxed);
		*errs += atomic_load_explicit(&w->ts[i].nerrs,
					      memory_order_relaxed);
	}
	return running;
}

static bool setup_threads(struct opts *o, struct hthread *ts, unsigned int nt)
{
	unsigned int i, j, per = o->conns / nt, extra = o->conns % nt, idx = 0;

	for (i = 0; i < nt; i++) {
		struct hthread *t = &ts[i];

		t->o = o;
		t->nconns = per + (i < extra);
		t->conns = calloc(t->nconns, sizeof(*t->conns));
		t->rxbuf = malloc(RX_SIZE);
		t->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (!t->conns || !t->rxbuf || t->epfd < 0)
			return false;
		t->remaining = o->duration ? UINT64_MAX : 0;
		for (j = 0; j < t->nconns; j++, idx++) {
			struct hconn *c = &t->conns[j];

			c->idx = idx;
			c->fd = -1;
			c->state = C_CONNECTING;
			c->ts = calloc(o->depth, sizeof(*c->ts));
			if (!c->ts)
				return false;
			/* Each connection's share, summed per thread. */
			if (o->total)
				t->remaining += o->total / o->conns +
						(idx < o->total % o->conns);
		}
	}
	return true;
}

static void free_threads(struct hthread *ts, unsigned int nt)
{
	unsigned int i, j;

	for (i = 0; i < nt; i++) {
		for (j = 0; j < ts[i].nconns; j++) {
			free(ts[i].conns[j].ts);
			free(ts[i].conns[j].hbuf);
		}
		free(ts[i].conns);
		free(ts[i].rxbuf);
		if (ts[i].epfd >= 0)
			close(ts[i].epfd);
	}
	free(ts);
}

static void print_summary(const struct opts *o, unsigned int nt, uint64_t reqs,
			  uint64_t bytes, double secs, const struct hist *h,
			  const union errs *e)
{
	uint64_t errors = counters_sum(e->n, ARRAY_SIZE(e->n));
	double rps = secs > 0 ? reqs / secs : 0;
	int64_t len = o->want_len >= 0 ? o->want_len : atomic_load(&first_len);

	printf("%s: %llu requests in %.3f s: %.0f req/s, %llu errors\n",
	       prog_name, (unsigned long long)reqs, secs, rps,
	       (unsigned long long)errors);
	printf("  latency p50 %.1f us  p90 %.1f us  p99 %.1f us (%s)\n",
	       hist_pct_us(h, 50), hist_pct_us(h, 90), hist_pct_us(h, 99),
	       o->close_mode ? "connect to last byte" : "request to last byte");
	printf("  received %llu bytes (heads + bodies), body length ",
	       (unsigned long long)bytes);
	if (len >= 0)
		printf("%lld", (long long)len);
	else
		printf("n/a");
	printf(", %llu conns, %u threads\n", (unsigned long long)o->conns, nt);
	if (errors)
		printf("  errors: connect %llu  io %llu  eof %llu  parse %llu  "
		       "status %llu  length %llu  timeout %llu\n",
		       (unsigned long long)e->connect, (unsigned long long)e->io,
		       (unsigned long long)e->eof, (unsigned long long)e->parse,
		       (unsigned long long)e->status,
		       (unsigned long long)e->length,
		       (unsigned long long)e->timeout);
	if (o->machine)
		printf("RESULT reqs=%llu errors=%llu reqs_per_s=%.0f p50_us=%.1f "
		       "p90_us=%.1f p99_us=%.1f bytes=%llu\n",
		       (unsigned long long)reqs, (unsigned long long)errors, rps,
		       hist_pct_us(h, 50), hist_pct_us(h, 90),
		       hist_pct_us(h, 99), (unsigned long long)bytes);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct opts o = {
		.port = 80, .conns = 16, .depth = 1, .timeout = DEF_TIMEOUT,
		.want_status = -1, .want_len = -1,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t start, end = 0, reqs = 0, bytes = 0;
	union errs errs = { 0 };
	struct hthread *ts;
	struct hist *h;
	unsigned int nt, i;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	if (!resolve_host(o.host, o.port, &o.addr, &o.addrlen))
		return 2;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (!load_nofile(o.conns))
		return 1;
	nt = o.threads ? (unsigned int)o.threads : online_cpus();
	if (nt > o.conns)
		nt = o.conns;
	ts = calloc(nt, sizeof(*ts));
	h = calloc(1, sizeof(*h));
	if (!ts || !h || !setup_threads(&o, ts, nt)) {
		fprintf(stderr, "%s: out of memory or fds\n", prog_name);
		return 1;
	}
	if (!o.quiet) {
		printf("%s: %s, %s, %llu conns, %u threads, pipeline %llu, "
		       "%s %llu\n", prog_name, o.url,
		       o.close_mode ? "close" : "keep-alive",
		       (unsigned long long)o.conns, nt,
		       (unsigned long long)o.depth,
		       o.total ? "requests" : "seconds",
		       (unsigned long long)(o.total ? o.total : o.duration));
		fflush(stdout);
	}
	pthread_barrier_init(&start_barrier, NULL, nt + 1);
	for (i = 0; i < nt; i++) {
		if (pthread_create(&ts[i].tid, NULL, thread_main, &ts[i])) {
			fprintf(stderr, "%s: pthread_create failed\n", prog_name);
			return 1;
		}
	}
	pthread_barrier_wait(&start_barrier);
	start = now_ns();
	progress_wait(&(struct progress){
		.start = start, .show = !o.quiet && isatty(2), .errors = true,
		.unit = "reqs", .sample = sample,
		.arg = &(struct workers){ .ts = ts, .nt = nt },
	});
	for (i = 0; i < nt; i++) {
		pthread_join(ts[i].tid, NULL);
		if (ts[i].end_ns > end)
			end = ts[i].end_ns;
		reqs += ts[i].reqs;
		bytes += ts[i].bytes;
		hist_merge(h, &ts[i].hist);
		counters_add(errs.n, ts[i].errs.n, ARRAY_SIZE(errs.n));
	}
	print_summary(&o, nt, reqs, bytes, end > start ? (end - start) / 1e9 : 0,
		      h, &errs);
	pthread_barrier_destroy(&start_barrier);
	free_threads(ts, nt);
	free(h);
	free(o.req);
	free(o.host);
	free(o.authority);
	return counters_sum(errs.n, ARRAY_SIZE(errs.n)) ? 1 : 0;
}
