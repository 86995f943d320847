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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "common.h"
#include "server.h"

#define SCRATCH_SIZE	(64 * 1024)
#define READ_BUDGET	16	/* reads per wakeup, keeps one client from hogging */

const char *prog_name = "user-echo-server";

struct conn {
	struct srv_conn s;
	bool rd_eof;		/* client sent FIN */
};

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
		prog_name, SRV_MAX_THREADS);
}

/* Echo what was just read; keep whatever the socket would not take. */
static bool conn_echo(struct srv_worker *w, struct srv_conn *c, size_t len)
{
	if (!srv_conn_send(c, w->scratch, len))
		return false;
	w->count += len;
	return true;
}

/*
 * Drive one connection as far as it can go without blocking.  The epoll
 * registration is level-triggered: EPOLLIN while we may read, EPOLLOUT
 * (and deliberately not EPOLLIN) while a tail is pending.
 */
static void conn_service(struct srv_worker *w, struct srv_conn *sc)
{
	struct conn *c = (struct conn *)sc;
	int budget = READ_BUDGET, rc;
	ssize_t n;

	for (;;) {
		rc = srv_conn_drain(w, sc);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			return;
		if (c->rd_eof)
			goto fail;	/* all echoed after FIN: done */
		if (budget-- == 0)
			break;		/* level-triggered: we get called again */
		n = recv_nb(sc->fd, w->scratch, SCRATCH_SIZE);
		if (n == RECV_AGAIN)
			break;
		if (n < 0 || (n > 0 && !conn_echo(w, sc, n)))
			goto fail;
		if (n == 0)
			c->rd_eof = true;
	}
	if (srv_conn_want(w, sc, EPOLLIN))
		return;
fail:
	srv_conn_close(w, sc);
}

static const struct srv_ops echo_ops = {
	.port = 12345,
	.conn_size = sizeof(struct conn),
	.worker_size = sizeof(struct srv_worker),
	.scratch_size = SCRATCH_SIZE,
	.count_what = "bytes echoed",
	.usage = usage,
	.service = conn_service,
};

int main(int argc, char **argv)
{
	return srv_main(argc, argv, &echo_ops);
}
