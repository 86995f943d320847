// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ksrv/conns: every live connection, one line each, like
 * /proc/net/tcp for ksrv's own:
 *
 *	proto port local peer state age_s idle_s bytes_in bytes_out requests
 *	http 8081 127.0.0.1:8081 127.0.0.1:40312 ESTABLISHED 3 1 412 10980 4
 *
 * bytes_in and bytes_out are TCP's own counts (received, and acknowledged
 * by the peer); requests comes from the protocol, "-" for those without
 * requests (echo). Lines are made from a batch of rows copied under each
 * service's lock from the reader's position on: a reader holds one batch
 * and one page, never a lock between calls, and delays accepting and
 * closing only while it copies. As with /proc/net/tcp, a connection that
 * comes or goes between batches may be missed or shown twice.
 */
#include <linux/jiffies.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "ksrv_core.h"
#include "ksrv_conn.h"

/* What one line shows, copied under the service's lock. */
struct conntable_row {
	const char *proto;
	u16 port;
	u16 family;
	struct in6_addr laddr;
	struct in6_addr paddr;
	__be32 laddr4;
	__be32 paddr4;
	u16 lport;
	u16 pport;
	u8 state;
	unsigned long age;
	unsigned long idle;
	u64 bytes_in;
	u64 bytes_out;
	bool has_requests;
	unsigned long requests;
};

/* Rows are copied a batch at a time: what a reader holds is bounded. */
#define CONNTABLE_BATCH	32

struct conntable_iter {
	loff_t first;		/* position of rows[0] */
	unsigned int n;
	struct conntable_row rows[CONNTABLE_BATCH];
};

static const char *const tcp_state_names[] = {
	[TCP_ESTABLISHED] = "ESTABLISHED",
	[TCP_SYN_SENT] = "SYN_SENT",
	[TCP_SYN_RECV] = "SYN_RECV",
	[TCP_FIN_WAIT1] = "FIN_WAIT1",
	[TCP_FIN_WAIT2] = "FIN_WAIT2",
	[TCP_TIME_WAIT] = "TIME_WAIT",
	[TCP_CLOSE] = "CLOSE",
	[TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_LAST_ACK] = "LAST_ACK",
	[TCP_LISTEN] = "LISTEN",
	[TCP_CLOSING] = "CLOSING",
};

static void conntable_copy(struct conntable_row *r, struct ksrv_conn *conn,
			   unsigned long now)
{
	const struct ksrv_proto_ops *ops = conn->svc->ops;
	struct sock *sk = conn->sock->sk;
	const struct tcp_sock *tp = tcp_sk(sk);

	lockdep_assert_held(&conn->svc->lock);
	r->proto = ops->name;
	r->port = conn->svc->port;
	r->family = sk->sk_family;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		r->laddr = sk->sk_v6_rcv_saddr;
		r->paddr = sk->sk_v6_daddr;
	}
#endif
	r->laddr4 = sk->sk_rcv_saddr;
	r->paddr4 = sk->sk_daddr;
	r->lport = sk->sk_num;
	r->pport = ntohs(sk->sk_dport);
	r->state = READ_ONCE(sk->sk_state);
	r->age = (now - conn->created) / HZ;
	r->idle = (now - READ_ONCE(conn->last_active)) / HZ;
	r->bytes_in = READ_ONCE(tp->bytes_received);
	r->bytes_out = READ_ONCE(tp->bytes_acked);
	r->has_requests = ops->requests;
	r->requests = ops->requests ? ops->requests(conn) : 0;
}

/* Copy up to a batch of connections from position @pos of all services. */
static void conntable_fill(struct conntable_iter *it, loff_t pos)
{
	unsigned long now = jiffies;
	struct ksrv_service *svc;
	struct ksrv_conn *conn;
	unsigned int i;
	loff_t at = 0;

	it->first = pos;
	it->n = 0;
	for (i = 0; i < ksrv_services_count() && it->n < CONNTABLE_BATCH; i++) {
		svc = ksrv_service_at(i);
		spin_lock(&svc->lock);
		list_for_each_entry(conn, &svc->conns, node) {
			if (at++ < pos)
				continue;
			conntable_copy(&it->rows[it->n++], conn, now);
			if (it->n == CONNTABLE_BATCH)
				break;
		}
		spin_unlock(&svc->lock);
	}
}

/* The row at @pos (0 is the header), refilling the batch as needed. */
static void *conntable_row_at(struct conntable_iter *it, loff_t pos)
{
	if (pos == 0)
		return SEQ_START_TOKEN;
	if (pos - 1 < it->first || pos - 1 >= it->first + it->n)
		conntable_fill(it, pos - 1);
	if (pos - 1 >= it->first + it->n)
		return NULL;
	return &it->rows[pos - 1 - it->first];
}

static void *conntable_start(struct seq_file *m, loff_t *pos)
{
	struct conntable_iter *it = m->private;

	/* A new read sees the table as it is now. */
	it->n = 0;
	return conntable_row_at(it, *pos);
}

static void *conntable_next(struct seq_file *m, void *v, loff_t *pos)
{
	return conntable_row_at(m->private, ++*pos);
}

static void conntable_stop(struct seq_file *m, void *v)
{
}

static void conntable_addr(struct seq_file *m, u16 family,
			   const struct in6_addr *a6, const __be32 *a4,
			   u16 port)
{
	/* An IPv4 client of a dual-stack listener is shown as IPv4. */
	if (family == AF_INET6 && !ipv6_addr_v4mapped(a6))
		seq_printf(m, " [%pI6c]:%u", a6, port);
	else
		seq_printf(m, " %pI4:%u", a4, port);
}

static int conntable_show(struct seq_file *m, void *v)
{
	const struct conntable_row *r = v;

	if (v == SEQ_START_TOKEN) {
		seq_puts(m, "proto port local peer state age_s idle_s bytes_in bytes_out requests\n");
		return 0;
	}
	seq_printf(m, "%s %u", r->proto, r->port);
	conntable_addr(m, r->family, &r->laddr, &r->laddr4, r->lport);
	conntable_addr(m, r->family, &r->paddr, &r->paddr4, r->pport);
	seq_printf(m, " %s %lu %lu %llu %llu",
		   r->state < ARRAY_SIZE(tcp_state_names) &&
		   tcp_state_names[r->state] ? tcp_state_names[r->state] : "?",
		   r->age, r->idle, r->bytes_in, r->bytes_out);
	if (r->has_requests)
		seq_printf(m, " %lu\n", r->requests);
	else
		seq_puts(m, " -\n");
	return 0;
}

static const struct seq_operations conntable_ops = {
	.start = conntable_start,
	.next = conntable_next,
	.stop = conntable_stop,
	.show = conntable_show,
};

/**
 * ksrv_conntable_init() - create /proc/ksrv/conns
 * @dir: /proc/ksrv; proc_remove() of it removes the file too
 *
 * Return: 0, or -ENOMEM.
 */
int ksrv_conntable_init(struct proc_dir_entry *dir)
{
	return proc_create_seq_private("conns", 0444, dir, &conntable_ops,
				       sizeof(struct conntable_iter), NULL) ?
	       0 : -ENOMEM;
}
