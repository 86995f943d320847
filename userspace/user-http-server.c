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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#include "common.h"
#include "server.h"

#define SCRATCH_SIZE	(16 * 1024)	/* one read */
#define MAX_HEAD	(16 * 1024)	/* larger request heads get 431 */
#define IN_CAP		(MAX_HEAD + SCRATCH_SIZE)
#define OUT_CAP		(64 * 1024)	/* responses batched per send */
#define RESP_MAX	512		/* room one response needs */
#define READ_BUDGET	16
#define LINGER_SECS	5

#define BODY		"Hello world\n"
#define BODY_LEN	(sizeof(BODY) - 1)

const char *prog_name = "user-http-server";

struct conn {
	struct srv_conn s;
	bool paused;		/* c->in may hold complete requests */
	bool closing;		/* last response queued; parse no more */
	bool shut;		/* our FIN sent, discarding input */
	uint64_t shut_at;
	char *in;		/* unparsed input, IN_CAP bytes when present */
	size_t in_len;
	uint64_t skip;		/* request body bytes still to discard */
};

struct worker {
	struct srv_worker s;	/* s.count: requests answered */
	char *out;
	time_t resp_time;	/* second the cached responses were built in */
	char resp[2][RESP_MAX];	/* [close]: full 200 response */
	size_t resp_len[2];
};

/* What parsing one request head decided. */
struct req {
	int status;		/* 200, or the error to answer with */
	bool keepalive;
	bool head_only;
	uint64_t body_len;
};

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
		prog_name, BODY_LEN, SRV_MAX_THREADS);
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

/* "METHOD SP target SP HTTP/d.d"; returns 0 or the error status. */
static int parse_request_line(const char *l, size_t len, struct req *r,
			      bool *close_default)
{
	size_t i = 0, m;
	const char *v;

	while (i < len && http_is_tchar(l[i]))
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
		if (!http_is_tchar(l[i]))
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
	if (http_name_is(l, nlen, "connection")) {
		*saw_close |= http_has_token(v, vlen, "close");
		*saw_ka |= http_has_token(v, vlen, "keep-alive");
	} else if (http_name_is(l, nlen, "transfer-encoding")) {
		return 501;	/* chunked bodies are not supported */
	} else if (http_name_is(l, nlen, "content-length")) {
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
			if (!srv_conn_send(&c->s, w->out, olen))
				return false;
			olen = 0;
			if (c->s.pend_len) {
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
		w->s.count++;
		pos += hl;
		if (!r.keepalive)
			c->closing = true;
		else
			c->skip = r.body_len;
	}
	if (olen && !srv_conn_send(&c->s, w->out, olen))
		return false;
	return conn_keep(c, d + pos, len - pos);
}

/* After the final response: send FIN, then discard input until EOF. */
static bool conn_linger(struct conn *c)
{
	char buf[4096];
	ssize_t n;

	if (!c->shut) {
		shutdown(c->s.fd, SHUT_WR);
		c->shut = true;
		c->shut_at = now_ns();
	}
	do {
		n = recv_nb(c->s.fd, buf, sizeof(buf));
	} while (n > 0);
	return n == RECV_AGAIN;
}

/* Drive one connection as far as it goes without blocking. */
static void conn_service(struct srv_worker *sw, struct srv_conn *sc)
{
	struct worker *w = (struct worker *)sw;
	struct conn *c = (struct conn *)sc;
	int budget = READ_BUDGET, rc;
	char *buf;
	size_t room, len;
	ssize_t n;

	for (;;) {
		rc = srv_conn_drain(sw, sc);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			return;
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
		buf = c->in ? c->in + c->in_len : sw->scratch;
		room = c->in ? IN_CAP - c->in_len : SCRATCH_SIZE;
		n = recv_nb(sc->fd, buf, room);
		if (n == RECV_AGAIN)
			break;
		if (n <= 0)
			goto fail;	/* at EOF the client is owed nothing */
		len = n;
		if (c->in) {
			c->in_len += n;
			buf = c->in;
			len = c->in_len;
		}
		if (!conn_process(w, c, buf, len))
			goto fail;
		/* A short read emptied the socket: skip the EAGAIN call. */
		if ((size_t)n < room && !sc->pend_len && !c->paused &&
		    !c->closing)
			break;
	}
	if (srv_conn_want(sw, sc, EPOLLIN))
		return;
fail:
	srv_conn_close(sw, sc);
}

static void conn_release(struct srv_conn *sc)
{
	free(((struct conn *)sc)->in);
}

/* Close lingering connections whose client never sent its FIN. */
static void reap_lingering(struct srv_worker *w)
{
	uint64_t now = now_ns(), limit = LINGER_SECS * 1000000000ull;
	struct srv_conn *sc, *next;

	for (sc = w->head.next; sc != &w->head; sc = next) {
		struct conn *c = (struct conn *)sc;

		next = sc->next;
		if (c->shut && now - c->shut_at > limit)
			srv_conn_close(w, sc);
	}
}

static int worker_init(struct srv_worker *w)
{
	struct worker *hw = (struct worker *)w;

	hw->out = malloc(OUT_CAP);
	return hw->out ? 0 : -1;
}

static void worker_exit(struct srv_worker *w)
{
	free(((struct worker *)w)->out);
}

static const struct srv_ops http_ops = {
	.port = 8080,
	.conn_size = sizeof(struct conn),
	.worker_size = sizeof(struct worker),
	.scratch_size = SCRATCH_SIZE,
	.count_what = "requests",
	.usage = usage,
	.service = conn_service,
	.release = conn_release,
	.worker_init = worker_init,
	.worker_exit = worker_exit,
	.tick = reap_lingering,
};

int main(int argc, char **argv)
{
	return srv_main(argc, argv, &http_ops);
}
