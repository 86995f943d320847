// SPDX-License-Identifier: GPL-2.0
/*
 * The echo protocol (RFC 862): every byte received is sent back, in order,
 * whatever its value.
 *
 * Flow control: at most one buffer of data is in flight per connection.
 * While it cannot be sent completely, nothing more is read, so a client
 * that stops reading fills its own receive window and then TCP stops it
 * from sending: the server never buffers without bound. The buffer exists
 * only while a stream flows or a send is incomplete; an idle connection
 * holds none, and short messages need none.
 */
#include <linux/module.h>
#include <linux/slab.h>

#include <ksrv.h>
#include "ksrv_builtin.h"

#define ECHO_BUF_SIZE	16384
#define ECHO_STACK_SIZE	256
/* Buffers handled per run before other connections get a turn. */
#define ECHO_BUDGET	16

static bool echo_enable = true;
module_param(echo_enable, bool, 0444);
MODULE_PARM_DESC(echo_enable, "Serve echo entries of services= (default 1)");

struct ksrv_echo {
	char *buf;
	size_t len;	/* bytes in buf */
	size_t off;	/* bytes of them already sent */
};

/* Return: 0 when everything was sent, -EAGAIN when the peer must drain
 * first, or a connection error.
 */
static int echo_flush(struct ksrv_conn *conn, struct ksrv_echo *e)
{
	int n;

	while (e->off < e->len) {
		n = ksrv_conn_send(conn, e->buf + e->off, e->len - e->off,
				   false);
		if (n < 0)
			return n;
		e->off += n;
	}
	e->off = 0;
	e->len = 0;
	return 0;
}

/* Keeps what a short send left over; the rest is sent on write_space. */
static int echo_keep(struct ksrv_echo *e, const char *data, size_t len)
{
	e->buf = kmalloc(ECHO_BUF_SIZE, GFP_KERNEL);
	if (!e->buf)
		return -ENOMEM;
	memcpy(e->buf, data, len);
	e->len = len;
	e->off = 0;
	return -EAGAIN;
}

/*
 * Small messages, the common case of interactive use and ping-pong
 * benchmarks, go through a buffer on the stack and cost no allocation.
 * Return: 0 to go on, -EAGAIN to wait, 1 when the input looks like a
 * stream that deserves the big buffer, or a negative errno.
 */
static int echo_small(struct ksrv_conn *conn, struct ksrv_echo *e)
{
	char buf[ECHO_STACK_SIZE];
	int n, sent;

	n = ksrv_conn_recv(conn, buf, sizeof(buf));
	if (n <= 0)
		return n ? n : KSRV_CLOSE;
	sent = ksrv_conn_send(conn, buf, n, false);
	if (sent == n)
		return n == sizeof(buf);
	if (sent == -EAGAIN)
		sent = 0;
	if (sent < 0)
		return sent;
	return echo_keep(e, buf + sent, n - sent);
}

/* Streams go through a per-connection buffer, which exists only while
 * data flows.
 */
static int echo_fill(struct ksrv_conn *conn, struct ksrv_echo *e)
{
	int n;

	if (!e->buf) {
		e->buf = kmalloc(ECHO_BUF_SIZE, GFP_KERNEL);
		if (!e->buf)
			return -ENOMEM;
	}
	n = ksrv_conn_recv(conn, e->buf, ECHO_BUF_SIZE);
	if (n > 0) {
		e->len = n;
		return 0;
	}
	/* Nothing in flight: give the buffer back while idle. */
	kfree(e->buf);
	e->buf = NULL;
	/* EOF after everything was echoed: the orderly end of a half-close. */
	return n ? n : KSRV_CLOSE;
}

static int echo_data_ready(struct ksrv_conn *conn)
{
	struct ksrv_echo *e = ksrv_conn_priv(conn);
	bool stream = e->buf;
	int round, err;

	for (round = 0; round < ECHO_BUDGET; round++) {
		err = echo_flush(conn, e);
		if (!err && stream) {
			err = echo_fill(conn, e);
			stream = e->buf;
		} else if (!err) {
			err = echo_small(conn, e);
			stream = err == 1;
			if (stream)
				err = 0;
		}
		if (err)
			return err == -EAGAIN ? 0 : err;
	}
	ksrv_conn_requeue(conn);
	return 0;
}

static void echo_release(struct ksrv_conn *conn)
{
	struct ksrv_echo *e = ksrv_conn_priv(conn);

	kfree(e->buf);
}

static const struct ksrv_proto_ops echo_ops = {
	.name = "echo",
	.enabled = &echo_enable,
	.priv_size = sizeof(struct ksrv_echo),
	.data_ready = echo_data_ready,
	.release = echo_release,
};

int ksrv_echo_init(void)
{
	return ksrv_proto_register(&echo_ops);
}

void ksrv_echo_exit(void)
{
	ksrv_proto_unregister(&echo_ops);
}
