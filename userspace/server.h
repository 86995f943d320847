/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The epoll server skeleton of user-echo-server and user-http-server:
 * options, listeners (one SO_REUSEPORT listener per worker thread), the
 * accept loop, the worker loop, shutdown on SIGINT/SIGTERM. A tool
 * supplies struct srv_ops: what to do when one of its connections is
 * ready, and what to free.
 */
#ifndef KSRV_TOOLS_SERVER_H
#define KSRV_TOOLS_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define SRV_MAX_THREADS	256

/* The first member of a tool's connection. */
struct srv_conn {
	int fd;
	uint32_t events;	/* what is registered in epoll right now */
	char *pend;		/* what the socket did not take yet */
	size_t pend_len;
	size_t pend_off;
	struct srv_conn *prev, *next;
};

/* The first member of a tool's per-thread state. */
struct srv_worker {
	pthread_t tid;
	int epfd;
	int lfd;
	int spare_fd;		/* released to shed connections on EMFILE */
	char *scratch;		/* ops->scratch_size bytes, for one read */
	struct srv_conn head;	/* open connections, closed at shutdown */
	const struct srv_ops *ops;
	uint64_t accepted;
	uint64_t count;		/* what ops->count_what names */
};

/**
 * struct srv_ops - one server tool
 * @port: default port
 * @conn_size: size of the tool's connection (struct srv_conn first)
 * @worker_size: size of the tool's worker (struct srv_worker first)
 * @scratch_size: bytes of a worker's scratch buffer
 * @count_what: what srv_worker.count counts, for the last line
 * @usage: prints the usage text
 * @service: a connection is readable or writable (level-triggered); it
 *	may close it with srv_conn_close()
 * @release: frees what a connection points to, or NULL
 * @worker_init: sets up the tool's part of a worker, or NULL
 * @worker_exit: frees it, or NULL
 * @tick: called about once a second in each worker, or NULL
 */
struct srv_ops {
	uint16_t port;
	size_t conn_size;
	size_t worker_size;
	size_t scratch_size;
	const char *count_what;
	void (*usage)(FILE *f);
	void (*service)(struct srv_worker *w, struct srv_conn *c);
	void (*release)(struct srv_conn *c);
	int (*worker_init)(struct srv_worker *w);
	void (*worker_exit)(struct srv_worker *w);
	void (*tick)(struct srv_worker *w);
};

/* Runs the server until SIGINT/SIGTERM; returns the exit status. */
int srv_main(int argc, char **argv, const struct srv_ops *ops);

void srv_conn_close(struct srv_worker *w, struct srv_conn *c);
/* Changes the epoll interest set (only when it differs). */
bool srv_conn_want(struct srv_worker *w, struct srv_conn *c, uint32_t events);
/*
 * Sends @len bytes of @buf and keeps what the socket does not take as the
 * connection's pending tail; false on a fatal error.
 */
bool srv_conn_send(struct srv_conn *c, const char *buf, size_t len);
/*
 * Sends what is pending; while some is left the connection waits for
 * EPOLLOUT only. Returns 1 when nothing is pending, 0 while the
 * connection waits, -1 on a fatal error.
 */
int srv_conn_drain(struct srv_worker *w, struct srv_conn *c);

#endif /* KSRV_TOOLS_SERVER_H */
