/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv plug-in API: what a protocol handler sees of the server core.
 *
 * A protocol describes itself with a const struct ksrv_proto_ops and
 * registers it once at module init. The core owns listening, accepting,
 * connection lifetime, idle time-outs, limits and statistics; a protocol
 * only reacts to events on one connection at a time. All callbacks of one
 * connection are serialised: they never run concurrently with each other,
 * and they run in process context, so they may sleep (but should not block
 * on the network: every ksrv_conn_* I/O helper is non-blocking).
 */
#ifndef _KSRV_H
#define _KSRV_H

#include <linux/moduleparam.h>
#include <linux/types.h>

struct ksrv_conn;
struct socket;
struct msghdr;
struct bio_vec;
struct seq_file;

/**
 * struct ksrv_proto_ops - a protocol plug-in
 * @name: protocol name as used in the ``services=`` parameter (``"echo"``).
 * @enabled: points at the plug-in's ``<name>_enable`` parameter; a service
 *	whose protocol is disabled is skipped at load. May be NULL.
 * @priv_size: bytes of per-connection private state, zeroed at accept and
 *	returned by ksrv_conn_priv().
 * @client_first: the client always speaks first (HTTP). The listener then
 *	uses TCP_DEFER_ACCEPT: a connection is accepted when its first data
 *	arrives, so that accepting it and answering that data take one
 *	wake-up; a client that stays silent is accepted about a second
 *	later all the same.
 * @blocking_io: the handlers may wait for something other than the
 *	socket, such as a file system (HTTP). A new connection's first
 *	round then runs from its own work item, not from the accept work,
 *	so that a slow file system never holds up accepting.
 * @start: called at module load before each service of this protocol
 *	starts listening; check the protocol's parameters here. Return 0 or
 *	a negative errno, which fails the load. May be NULL.
 * @stats_file: name of an extra statistics file under /proc/ksrv/, or
 *	NULL.
 * @stats_show: writes that file; the first line must be a header.
 * @open: called once for a new connection before any other callback.
 *	Return 0 to accept it, or a negative errno to close it at once.
 *	May be NULL.
 * @data_ready: the peer sent data or closed its side. Read with
 *	ksrv_conn_recv() until it returns -EAGAIN. Return 0 to keep the
 *	connection, or a negative errno (or %KSRV_CLOSE) to close it.
 * @write_space: send buffer space became available after a send
 *	returned -EAGAIN or was partial, or (within a second) memory did
 *	after a send failed for the lack of it. Same return convention. May
 *	be NULL, in which case @data_ready is called instead.
 * @timeout: the connection was idle longer than its time-out, or passed
 *	its deadline, and is about to be closed; a last chance to queue a
 *	short message (HTTP 408). Return true to close gracefully (what is
 *	queued is still sent, then FIN), false to reset the connection and
 *	drop what is queued (right for a peer that stopped reading). May be
 *	NULL, which means reset.
 * @release: the connection is gone and no callback will run again; free
 *	what the private state points to. Runs exactly once for every
 *	connection whose @open succeeded. May be NULL.
 * @requests: requests answered on the connection so far, for
 *	/proc/ksrv/conns. Called while other callbacks may run, so read
 *	what it returns with READ_ONCE(); must not sleep. May be NULL (a
 *	protocol without requests).
 */
struct ksrv_proto_ops {
	const char *name;
	const bool *enabled;
	size_t priv_size;
	bool client_first;
	bool blocking_io;
	int (*start)(void);
	const char *stats_file;
	int (*stats_show)(struct seq_file *m, void *v);
	int (*open)(struct ksrv_conn *conn);
	int (*data_ready)(struct ksrv_conn *conn);
	int (*write_space)(struct ksrv_conn *conn);
	bool (*timeout)(struct ksrv_conn *conn);
	void (*release)(struct ksrv_conn *conn);
	unsigned long (*requests)(struct ksrv_conn *conn);
};

/* A callback returns this to ask for an orderly close: it is not an error. */
#define KSRV_CLOSE	(-ESHUTDOWN)

/**
 * struct ksrv_param_uint - an unsigned module parameter and its range
 * @val: the variable the parameter sets
 * @min: smallest value accepted
 * @max: largest value accepted
 *
 * Declared by KSRV_PARAM_UINT(); set and read through ksrv_param_uint_ops.
 */
struct ksrv_param_uint {
	unsigned int *val;
	unsigned int min;
	unsigned int max;
};

extern const struct kernel_param_ops ksrv_param_uint_ops;

/**
 * KSRV_PARAM_UINT() - a read-only unsigned module parameter in a range
 * @name: the parameter's name
 * @var: the unsigned int variable it sets, holding the default
 * @lo: smallest value accepted
 * @hi: largest value accepted
 *
 * A value that is not a number in @lo..@hi fails the load with -EINVAL
 * and one log line that names the parameter and the bad value.
 */
#define KSRV_PARAM_UINT(name, var, lo, hi)				\
	static struct ksrv_param_uint ksrv_param_uint_##name = {	\
		.val = &(var), .min = (lo), .max = (hi),		\
	};								\
	module_param_cb(name, &ksrv_param_uint_ops,			\
			&ksrv_param_uint_##name, 0444)

int ksrv_proto_register(const struct ksrv_proto_ops *ops);
void ksrv_proto_unregister(const struct ksrv_proto_ops *ops);

void *ksrv_conn_priv(struct ksrv_conn *conn);
struct socket *ksrv_conn_socket(struct ksrv_conn *conn);
int ksrv_conn_recv(struct ksrv_conn *conn, void *buf, size_t len);
int ksrv_conn_send(struct ksrv_conn *conn, const void *buf, size_t len,
		   bool more);
int ksrv_conn_send_pages(struct ksrv_conn *conn, struct bio_vec *bv,
			 unsigned int n, size_t len, bool more);
void ksrv_conn_requeue(struct ksrv_conn *conn);
void ksrv_conn_requeue_write(struct ksrv_conn *conn);
bool ksrv_conn_has_input(struct ksrv_conn *conn);
void ksrv_conn_set_timeout(struct ksrv_conn *conn, unsigned int secs);
void ksrv_conn_set_deadline(struct ksrv_conn *conn, unsigned int secs);

#endif /* _KSRV_H */
