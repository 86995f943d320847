// SPDX-License-Identifier: GPL-2.0
/*
 * The HTTP/1.1 plug-in: request heads in, static files out.
 *
 * A connection alternates between two phases. Receiving: bytes collect in
 * rbuf until the parser finds a complete head; the head must be complete
 * within http_header_timeout of its first byte, whatever the pace of the
 * client (the core enforces that deadline). Sending: the response head,
 * then a generated body or a file range, without blocking; while it is
 * not all sent nothing more is read, so a client that pipelines without
 * reading cannot make the server buffer without bound. Bytes after a head
 * stay in rbuf and are parsed once the response is out, which answers
 * pipelined requests in order.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>

#include <ksrv.h>
#include "ksrv_builtin.h"
#include "ksrv_http.h"

/* Requests handled per run before other connections get a turn. */
#define HTTP_BUDGET	8

static bool http_enable = true;
module_param(http_enable, bool, 0444);
MODULE_PARM_DESC(http_enable, "Serve http entries of services= (default 1)");

unsigned int ksrv_http_header_timeout = 10;
unsigned int ksrv_http_keepalive_timeout = 15;
unsigned int ksrv_http_max_requests = 1000;
bool ksrv_http_listing = true;
unsigned int ksrv_http_listing_memory = 32768;

KSRV_PARAM_UINT(http_header_timeout, ksrv_http_header_timeout, 1, 3600);
MODULE_PARM_DESC(http_header_timeout,
		 "Seconds a request head may take from its first byte, 1..3600 (default 10); then 408");
KSRV_PARAM_UINT(http_keepalive_timeout, ksrv_http_keepalive_timeout, 1, 3600);
MODULE_PARM_DESC(http_keepalive_timeout,
		 "Seconds an idle keep-alive connection is kept, 1..3600 (default 15)");
KSRV_PARAM_UINT(http_max_requests, ksrv_http_max_requests, 1, 1000000);
MODULE_PARM_DESC(http_max_requests,
		 "Requests served on one connection before it is closed, 1..1000000 (default 1000)");
module_param_named(http_listing, ksrv_http_listing, bool, 0444);
MODULE_PARM_DESC(http_listing,
		 "List directories without index.html (default 1); 0 answers 403");
KSRV_PARAM_UINT(http_listing_memory, ksrv_http_listing_memory, 64, 4194304);
MODULE_PARM_DESC(http_listing_memory,
		 "KiB that directory listings of all connections may hold, 64..4194304 (default 32768); then 503");

/*
 * Off by default: a proxy in front of ksrv that does not end lines at a
 * lone LF would forward as one request what ksrv would read as two.
 */
static bool http_bare_lf;
module_param(http_bare_lf, bool, 0444);
MODULE_PARM_DESC(http_bare_lf,
		 "Accept a lone LF as the end of a request head line (default 0: 400)");

/* Read-only once loaded, like the parameter it copies. */
static struct ksrv_http_limits http_limits __ro_after_init = {
	.max_line = KSRV_HTTP_MAX_LINE,
	.max_head = KSRV_HTTP_RBUF_SIZE,
	.max_headers = KSRV_HTTP_MAX_HEADERS,
};

/*
 * Drops the first @n received bytes, keeping what was pipelined behind,
 * and starts parsing the next head.
 */
static void http_consume(struct ksrv_http_conn *h, size_t n)
{
	h->rlen -= n;
	memmove(h->rbuf, h->rbuf + n, h->rlen);
	ksrv_http_parser_init(&h->parser);
}

/*
 * The parser resumes where the bytes of the last call ended, so a head
 * that trickles in costs time in proportion to its size, not its square.
 */
static int http_respond(struct ksrv_http_conn *h, const char *buf)
{
	const struct ksrv_http_request *req = &h->parser.req;
	int res;
	bool close;

	res = ksrv_http_parse_more(&h->parser, buf, h->rlen, &http_limits);
	if (res == KSRV_HTTP_NEED_MORE && h->rlen < KSRV_HTTP_RBUF_SIZE)
		return res;
	if (res == KSRV_HTTP_NEED_MORE)
		res = KSRV_HTTP_HEADERS_TOO_LARGE;
	WRITE_ONCE(h->nreq, h->nreq + 1);	/* read by http_requests() */
	h->peer_close = res == KSRV_HTTP_DONE && !req->keep_alive;
	if (res != KSRV_HTTP_DONE) {
		/* The rest of the stream cannot be trusted to be framed. */
		http_consume(h, h->rlen);
		return ksrv_http_error(&h->out, res, true, false,
				       res == KSRV_HTTP_METHOD_NOT_ALLOWED ?
				       "Allow: GET, HEAD\r\n" : NULL);
	}
	close = !req->keep_alive || h->nreq >= ksrv_http_max_requests;
	res = ksrv_http_serve(&h->out, req, close);
	http_consume(h, req->head_len);
	return res;
}

/* The connection's own buffer is full: move to a big one. */
static int http_grow(struct ksrv_http_conn *h)
{
	char *buf;

	if (h->rbuf != h->ibuf)
		return -EOVERFLOW;	/* http_respond() answers 431 first */
	buf = kmalloc(KSRV_HTTP_RBUF_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, h->rbuf, h->rlen);
	h->rbuf = buf;
	h->rsize = KSRV_HTTP_RBUF_SIZE;
	return 0;
}

/* Back to the connection's own buffer once nothing is pending. */
static void http_shrink(struct ksrv_http_conn *h)
{
	if (h->rbuf != h->ibuf)
		kfree(h->rbuf);
	h->rbuf = h->ibuf;
	h->rsize = sizeof(h->ibuf);
}

/* Return: 0 when a head was handled, NEED_MORE, or a negative errno. */
static int http_receive(struct ksrv_conn *conn, struct ksrv_http_conn *h)
{
	int n, res;

	for (;;) {
		if (h->rlen) {
			res = http_respond(h, h->rbuf);
			if (res == KSRV_HTTP_NEED_MORE)
				goto more;
			/* The head is in; sending is bounded by the idle
			 * time-out, not by the head's deadline.
			 */
			ksrv_conn_set_deadline(conn, 0);
			return res;
		}
more:
		if (h->rlen == h->rsize && http_grow(h))
			return -ENOMEM;
		n = ksrv_conn_recv(conn, h->rbuf + h->rlen, h->rsize - h->rlen);
		if (n <= 0)
			return n ? n : KSRV_CLOSE;
		/* The first byte of a head starts its deadline. */
		if (!h->rlen)
			ksrv_conn_set_deadline(conn, ksrv_http_header_timeout);
		h->rlen += n;
	}
}

/* Between requests: an idle connection keeps no allocated buffers. */
static void http_idle(struct ksrv_conn *conn, struct ksrv_http_conn *h)
{
	ksrv_conn_set_deadline(conn, 0);
	ksrv_conn_set_timeout(conn, ksrv_http_keepalive_timeout);
	if (!h->rlen)
		http_shrink(h);
	else
		ksrv_conn_set_deadline(conn, ksrv_http_header_timeout);
}

/*
 * Closing right after the last response could lose it: if the client
 * already sent more (pipelined requests, a body we refused), releasing a
 * socket with unread input sends a reset, and a reset discards response
 * bytes not yet transmitted. So our side is shut down first (FIN after the
 * data), and input is drained until the peer closes or a short deadline
 * passes. Not needed when the client itself asked to close and sent
 * nothing more: a client that asks to close must not send further
 * requests (RFC 9112, 9.6), so the connection is closed at once.
 */
static int http_linger(struct ksrv_conn *conn, struct ksrv_http_conn *h)
{
	int round, n;

	for (round = 0; round < HTTP_BUDGET; round++) {
		n = ksrv_conn_recv(conn, h->rbuf, h->rsize);
		if (n == -EAGAIN)
			return 0;
		if (n <= 0)
			return KSRV_CLOSE;
	}
	ksrv_conn_requeue(conn);
	return 0;
}

static int http_start_linger(struct ksrv_conn *conn, struct ksrv_http_conn *h)
{
	http_consume(h, h->rlen);
	h->lingering = true;
	kernel_sock_shutdown(ksrv_conn_socket(conn), SHUT_WR);
	ksrv_conn_set_deadline(conn, KSRV_HTTP_LINGER_SECS);
	return http_linger(conn, h);
}

static int http_serve_conn(struct ksrv_conn *conn)
{
	struct ksrv_http_conn *h = ksrv_conn_priv(conn);
	int round, err;

	if (h->lingering)
		return http_linger(conn, h);
	for (round = 0; round < HTTP_BUDGET; round++) {
		if (h->out.active) {
			err = ksrv_http_out_send(conn, &h->out);
			if (err)
				return err == -EAGAIN ? 0 : err;
			if (h->out.close && h->peer_close && !h->rlen &&
			    !ksrv_conn_has_input(conn))
				return KSRV_CLOSE;
			if (h->out.close)
				return http_start_linger(conn, h);
			ksrv_http_out_reset(&h->out);
			http_idle(conn, h);
		}
		err = http_receive(conn, h);
		if (err == -EAGAIN) {
			if (!h->rlen)
				http_idle(conn, h);
			return 0;
		}
		if (err)
			return err;
	}
	ksrv_conn_requeue(conn);
	return 0;
}

/* Every look-up, open and read is done as the HTTP identity. */
static int http_data_ready(struct ksrv_conn *conn)
{
	const struct cred *old = ksrv_http_cred_enter();
	int err = http_serve_conn(conn);

	ksrv_http_cred_leave(old);
	return err;
}

static int http_open(struct ksrv_conn *conn)
{
	struct ksrv_http_conn *h = ksrv_conn_priv(conn);

	/* Point both buffers at the connection's own (priv is zeroed). */
	http_shrink(h);
	ksrv_http_out_reset(&h->out);
	ksrv_conn_set_timeout(conn, ksrv_http_keepalive_timeout);
	return 0;
}

/*
 * A head that did not complete in time gets a 408 if there is room for it.
 * A lingering connection has its response queued: let it drain. A peer
 * that stopped reading a response, though, is reset.
 */
static bool http_expire(struct ksrv_conn *conn)
{
	struct ksrv_http_conn *h = ksrv_conn_priv(conn);

	if (h->lingering)
		return true;
	if (h->out.active)
		return false;
	if (!h->rlen)
		return true;
	if (ksrv_http_error(&h->out, 408, true, false, NULL))
		return false;
	return ksrv_http_out_send(conn, &h->out) == 0;
}

static bool http_timeout(struct ksrv_conn *conn)
{
	const struct cred *old = ksrv_http_cred_enter();
	bool done = http_expire(conn);

	ksrv_http_cred_leave(old);
	return done;
}

static void http_release(struct ksrv_conn *conn)
{
	struct ksrv_http_conn *h = ksrv_conn_priv(conn);

	ksrv_http_out_reset(&h->out);
	http_shrink(h);
}

static unsigned long http_requests(struct ksrv_conn *conn)
{
	struct ksrv_http_conn *h = ksrv_conn_priv(conn);

	return READ_ONCE(h->nreq);
}

static int http_start(void)
{
	int err = ksrv_http_cred_start();

	return err ? err : ksrv_http_root_start();
}

static const struct ksrv_proto_ops http_ops = {
	.name = "http",
	.enabled = &http_enable,
	.priv_size = sizeof(struct ksrv_http_conn),
	.client_first = true,
	.blocking_io = true,
	.start = http_start,
	.stats_file = "http_status",
	.stats_show = ksrv_http_status_show,
	.open = http_open,
	.data_ready = http_data_ready,
	.timeout = http_timeout,
	.release = http_release,
	.requests = http_requests,
};

int ksrv_http_init(void)
{
	int err;

	http_limits.bare_lf = http_bare_lf;
	err = ksrv_http_resp_init();
	if (err)
		return err;
	err = ksrv_proto_register(&http_ops);
	if (err)
		ksrv_http_resp_exit();
	return err;
}

void ksrv_http_exit(void)
{
	ksrv_proto_unregister(&http_ops);
	WARN_ON_ONCE(ksrv_http_listing_charged());
	ksrv_http_root_exit();
	ksrv_http_cred_exit();
	ksrv_http_resp_exit();
}
