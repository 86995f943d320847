/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the ksrv server core, shared by its units. Plug-ins include
 * only <ksrv.h>.
 */
#ifndef _KSRV_CORE_H
#define _KSRV_CORE_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <ksrv.h>
#include "ksrv_svcspec.h"

struct kmem_cache;
struct sock;

enum ksrv_dispatch {
	KSRV_DISPATCH_WORKQUEUE,	/* unbound workqueue */
	KSRV_DISPATCH_PERCPU,		/* per-CPU (bound) workqueue */
	KSRV_DISPATCH_THREAD,		/* a kernel thread per connection */
};

/* Module parameters, validated when set and read-only afterwards. */
extern struct ksrv_service_spec ksrv_param_specs[KSRV_MAX_SERVICES];
extern unsigned int ksrv_param_nr_specs;
extern unsigned int ksrv_param_backlog;
extern unsigned int ksrv_param_max_connections;
extern unsigned int ksrv_param_max_service_connections;
extern unsigned int ksrv_param_max_client_connections;
extern unsigned int ksrv_param_idle_timeout;
extern enum ksrv_dispatch ksrv_param_dispatch;

/* The one workqueue every work item of ksrv runs on. */
extern struct workqueue_struct *ksrv_wq;

/* Per-CPU counters of a service; "open" is derived when read. */
enum ksrv_counter {
	KSRV_C_ACCEPTED,
	KSRV_C_CLOSED,
	KSRV_C_REFUSED,
	KSRV_C_FAILED,
	KSRV_C_TIMED_OUT,
	KSRV_C_BYTES_IN,
	KSRV_C_BYTES_OUT,
	KSRV_NR_COUNTERS
};

/* Bits of ksrv_service.flags */
enum {
	KSRV_SERVICE_ACCEPT_RETRY,	/* an accept failed: the reaper retries */
};

struct ksrv_counters {
	u64 c[KSRV_NR_COUNTERS];
};

/**
 * struct ksrv_service - one "proto:port" entry: a listener and its
 * connections
 * @ops: the protocol
 * @cache: slab cache of the protocol's connections
 * @port: TCP port
 * @lsock: listening socket, NULL when not listening
 * @accept_work: drains the accept queue; queued by the listener callback
 * @flags: KSRV_SERVICE_* bits
 * @lock: protects @conns
 * @conns: open connections (struct ksrv_conn.node)
 * @nr_conns: connections admitted and not yet freed
 * @counters: per-CPU statistics
 * @saved_data_ready: the listener's callback before ksrv took it over
 */
struct ksrv_service {
	const struct ksrv_proto_ops *ops;
	struct kmem_cache *cache;
	unsigned short port;
	struct socket *lsock;
	struct work_struct accept_work;
	unsigned long flags;
	spinlock_t lock;	/* protects conns */
	struct list_head conns;
	atomic_t nr_conns;
	struct ksrv_counters __percpu *counters;
	void (*saved_data_ready)(struct sock *sk);
};

static inline void ksrv_count(struct ksrv_service *svc, enum ksrv_counter i,
			      u64 n)
{
	this_cpu_add(svc->counters->c[i], n);
}

/* ksrv_client.c */
struct ksrv_client;
struct ksrv_client *ksrv_client_get(const struct sock *sk,
				    unsigned int limit);
void ksrv_client_put(struct ksrv_client *c);

/* ksrv_proto.c */
const struct ksrv_proto_ops *ksrv_proto_find(const char *name);
struct kmem_cache *ksrv_proto_cache(const struct ksrv_proto_ops *ops);
const struct ksrv_proto_ops *ksrv_proto_at(unsigned int i);

#define KSRV_MAX_PROTOS	4

/* ksrv_conn.c */
int ksrv_conn_create(struct ksrv_service *svc, struct socket *sock);
void ksrv_conn_close(struct ksrv_conn *conn);
void ksrv_conn_put(struct ksrv_conn *conn);
void ksrv_conn_exit(void);
void ksrv_conn_reap(struct ksrv_service *svc, unsigned long now);
void ksrv_service_close_conns(struct ksrv_service *svc);

/* ksrv_listener.c */
int ksrv_listener_start(struct ksrv_service *svc);
void ksrv_listener_stop(struct ksrv_service *svc);
void ksrv_listener_retry(struct ksrv_service *svc);

/* ksrv_service.c */
int ksrv_services_start(void);
void ksrv_services_stop(void);
void ksrv_services_free(void);
unsigned int ksrv_services_count(void);
struct ksrv_service *ksrv_service_at(unsigned int i);

/* ksrv_reaper.c */
void ksrv_reaper_start(void);
void ksrv_reaper_stop(void);

struct proc_dir_entry;

/* ksrv_conntable.c */
int ksrv_conntable_init(struct proc_dir_entry *dir);

/* ksrv_drop.c */
int ksrv_drop_init(struct proc_dir_entry *dir);

/* ksrv_stats.c */
int ksrv_stats_init(void);
void ksrv_stats_exit(void);

#endif /* _KSRV_CORE_H */
