/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection object, shared by the core units that create, dispatch,
 * reap and close connections. Plug-ins see it only as struct ksrv_conn *.
 */
#ifndef _KSRV_CONN_H
#define _KSRV_CONN_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/workqueue.h>

struct ksrv_service;
struct socket;
struct sock;
struct task_struct;

/* Bits of ksrv_conn.flags */
enum {
	KSRV_CONN_CONNECTED,	/* in the registry, callbacks installed */
	KSRV_CONN_REAPING,	/* the reaper already asked for a close */
	KSRV_CONN_SEND_RETRY,	/* a send failed with nothing queued: no ACK
				 * will call write_space, the reaper will
				 */
	KSRV_CONN_SCHEDULED,	/* the handler is queued or running; kicks
				 * only add event bits (workqueue dispatch)
				 */
};

/* Bits of ksrv_conn.events: why the connection's work was scheduled. */
enum {
	KSRV_EV_READ,
	KSRV_EV_WRITE,
	KSRV_EV_TIMEOUT,
};

/**
 * struct ksrv_conn - one accepted TCP connection
 * @ref: references: the registry (while CONNECTED), the queued or running
 *	handler (while SCHEDULED), each caller inside the core that looks the
 *	connection up, and in thread dispatch the connection's thread
 * @flags: KSRV_CONN_* bits
 * @events: KSRV_EV_* bits, set by socket callbacks, cleared by the handler
 * @svc: the service that accepted it; outlives every connection
 * @client: its peer address's entry for max_client_connections, or NULL
 * @sock: the socket; released only when the last reference is gone
 * @node: entry in svc->conns, under svc->lock
 * @created: jiffies when the connection was accepted (/proc/ksrv/conns)
 * @last_active: jiffies of the last byte received or sent
 * @timeout: idle time-out in jiffies
 * @deadline: jiffies by which the protocol's current phase must end, or 0
 * @snd_una: the peer's last acknowledged byte seen by the reaper, so that
 *	a peer reading slowly counts as active (reaper only)
 * @work: runs the protocol's callbacks (workqueue dispatch)
 * @free_work: frees the connection in process context when the last
 *	reference goes in the connection's thread (thread dispatch)
 * @task: the connection's thread (thread dispatch), else NULL
 * @saved_data_ready: the socket's callbacks before ksrv took them over
 * @saved_write_space: see @saved_data_ready
 * @saved_state_change: see @saved_data_ready
 * @priv: the protocol's private state, ops->priv_size bytes
 */
struct ksrv_conn {
	struct kref ref;
	unsigned long flags;
	unsigned long events;
	struct ksrv_service *svc;
	struct ksrv_client *client;
	struct socket *sock;
	struct list_head node;
	unsigned long created;
	unsigned long last_active;
	unsigned long timeout;
	unsigned long deadline;
	u32 snd_una;
	struct work_struct work;
	struct work_struct free_work;
	struct task_struct *task;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	u64 priv[];
};

#endif /* _KSRV_CONN_H */
