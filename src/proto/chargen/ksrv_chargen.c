// SPDX-License-Identifier: GPL-2.0
/*
 * The character generator protocol (RFC 864): the server sends lines of
 * printable ASCII until the client closes, and discards what it receives.
 *
 * The stream is the RFC's suggested pattern: lines of 72 characters and
 * CRLF, the n-th line starting with the n-th of the 95 printable
 * characters (space to '~'), so it repeats every 95 lines. One shared copy
 * of two periods lets any position of the stream be sent as one
 * contiguous run of a whole period.
 *
 * Sending is driven by write_space alone once the first data_ready has
 * started it, and reading by data_ready alone: the only protocol built in
 * that relies on the core delivering both events when both are pending.
 * A client that stops reading is stopped by TCP flow control and then by
 * the idle time-out; a client that closes its side ends the connection.
 */
#include <linux/module.h>

#include <ksrv.h>
#include "ksrv_builtin.h"

#define CHARGEN_LINE	72
#define CHARGEN_CHARS	95	/* ' ' .. '~' */
#define CHARGEN_PERIOD	(CHARGEN_CHARS * (CHARGEN_LINE + 2))
/* Bytes sent, or discarded, per run before other connections get a turn. */
#define CHARGEN_BUDGET	(256 * 1024)

static bool chargen_enable = true;
module_param(chargen_enable, bool, 0444);
MODULE_PARM_DESC(chargen_enable,
		 "Serve chargen entries of services= (default 1)");

static char chargen_pattern[2 * CHARGEN_PERIOD];

struct ksrv_chargen {
	unsigned int off;	/* position in the period of the next byte */
	bool started;
};

/* Sends until the socket is full or the budget is spent. */
static int chargen_write_space(struct ksrv_conn *conn)
{
	struct ksrv_chargen *c = ksrv_conn_priv(conn);
	size_t sent = 0;
	int n;

	while (sent < CHARGEN_BUDGET) {
		n = ksrv_conn_send(conn, chargen_pattern + c->off,
				   CHARGEN_PERIOD, false);
		if (n < 0)
			return n == -EAGAIN ? 0 : n;
		c->off = (c->off + n) % CHARGEN_PERIOD;
		sent += n;
	}
	ksrv_conn_requeue_write(conn);
	return 0;
}

/* Discards input; EOF ends the connection, as RFC 864 asks. */
static int chargen_data_ready(struct ksrv_conn *conn)
{
	struct ksrv_chargen *c = ksrv_conn_priv(conn);
	char buf[256];
	size_t seen = 0;
	int n;

	while (seen < CHARGEN_BUDGET) {
		n = ksrv_conn_recv(conn, buf, sizeof(buf));
		if (n == -EAGAIN)
			break;
		if (n <= 0)
			return n ? n : KSRV_CLOSE;
		seen += n;
	}
	if (seen >= CHARGEN_BUDGET)
		ksrv_conn_requeue(conn);
	if (c->started)
		return 0;
	c->started = true;
	return chargen_write_space(conn);
}

static const struct ksrv_proto_ops chargen_ops = {
	.name = "chargen",
	.enabled = &chargen_enable,
	.priv_size = sizeof(struct ksrv_chargen),
	.data_ready = chargen_data_ready,
	.write_space = chargen_write_space,
};

int ksrv_chargen_init(void)
{
	unsigned int line, col, i = 0;

	for (line = 0; line < CHARGEN_CHARS; line++) {
		for (col = 0; col < CHARGEN_LINE; col++)
			chargen_pattern[i++] = ' ' + (line + col) % CHARGEN_CHARS;
		chargen_pattern[i++] = '\r';
		chargen_pattern[i++] = '\n';
	}
	memcpy(chargen_pattern + CHARGEN_PERIOD, chargen_pattern,
	       CHARGEN_PERIOD);
	return ksrv_proto_register(&chargen_ops);
}

void ksrv_chargen_exit(void)
{
	ksrv_proto_unregister(&chargen_ops);
}
