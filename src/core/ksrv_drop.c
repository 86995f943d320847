// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ksrv/drop: drop one TCP connection of this host, TIME-WAIT ones
 * included, given its two endpoints, so that a port can be reused at once
 * (for example to reload ksrv while old connections linger).
 *
 *	echo "127.0.0.1:12345 127.0.0.1:40000" > /proc/ksrv/drop
 *	echo "[::1]:8081 [::1]:51234" > /proc/ksrv/drop
 *
 * The order of the endpoints does not matter. An established connection
 * is aborted as with `ss -K` (the peer gets a reset); a TIME-WAIT entry is
 * removed. sock_diag cannot remove TIME-WAIT entries on these kernels,
 * which is why this file exists.
 *
 * The file acts on the network namespace it was opened in, and only for
 * an opener with CAP_NET_ADMIN over that namespace: the check is
 * file_ns_capable(), as for other files whose writes are privileged, so
 * a descriptor that root hands to an unprivileged process keeps working,
 * while a process that is root only in its own user namespace reaches no
 * connection outside the namespaces it owns.
 *
 * The look-up uses the namespace's own hash table (net->ipv4.tcp_death_row
 * .hashinfo), which both supported kernels have, rather than the global
 * tcp_hashinfo that 6.12 no longer exports.
 */
#include <linux/bottom_half.h>
#include <linux/capability.h>
#include <linux/inet.h>
#include <linux/proc_fs.h>
#include <linux/rcupdate.h>
#include <linux/uaccess.h>
#include <net/inet6_hashtables.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/net_namespace.h>
#include <net/tcp.h>

#include "ksrv_core.h"
#include "ksrv_endpoint.h"

struct drop_addr {
	bool v6;
	union {
		__be32 v4;
		struct in6_addr in6;
	};
	unsigned short port;
};

static int drop_addr_parse(const struct ksrv_endpoint_text *t,
			   struct drop_addr *a)
{
	const char *end;

	a->port = t->port;
	if (!t->v6 && in4_pton(t->addr, t->addr_len, (u8 *)&a->v4, -1, &end) &&
	    end == t->addr + t->addr_len) {
		a->v6 = false;
		return 0;
	}
	if (t->v6 && in6_pton(t->addr, t->addr_len, a->in6.s6_addr, -1, &end) &&
	    end == t->addr + t->addr_len) {
		a->v6 = true;
		return 0;
	}
	return -EINVAL;
}

/* Return: the socket with a reference, as the receive path would find a
 * packet from @remote to @local, or NULL.
 */
static struct sock *drop_lookup(struct net *net, const struct drop_addr *local,
				const struct drop_addr *remote)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;

	/* The look-up walks the hash chains with rcu_dereference_raw(), so
	 * nothing in it would complain about a missing read-side lock.
	 */
	RCU_LOCKDEP_WARN(!rcu_read_lock_held(), "look-up outside RCU");
	if (!local->v6)
		return __inet_lookup_established(net, h, remote->v4,
						 htons(remote->port),
						 local->v4, local->port, 0, 0);
#if IS_ENABLED(CONFIG_IPV6)
	return __inet6_lookup_established(net, h, &remote->in6,
					  htons(remote->port), &local->in6,
					  local->port, 0, 0);
#else
	return NULL;
#endif
}

static int drop_sock(struct sock *sk)
{
	int err = 0;

	switch (sk->sk_state) {
	case TCP_TIME_WAIT:
		/* Consumes the look-up's reference. It takes the hash
		 * bucket's lock, which softirqs take too: keep them off this
		 * CPU meanwhile, as the kernel's own inet_twsk_purge() does
		 * (lockdep on the debug kernel found the missing BH guard).
		 */
		local_bh_disable();
		inet_twsk_deschedule_put(inet_twsk(sk));
		local_bh_enable();
		return 0;
	case TCP_NEW_SYN_RECV:
		err = -EBUSY;	/* not yet a connection; retry shortly */
		break;
	default:
		err = tcp_abort(sk, ECONNABORTED);
		break;
	}
	sock_gen_put(sk);
	return err;
}

static int ksrv_drop(struct net *net, const struct drop_addr *a,
		     const struct drop_addr *b)
{
	struct sock *sk;

	/* Sockets are freed with SLAB_TYPESAFE_BY_RCU: the chains may only
	 * be walked under RCU. The reference the look-up takes keeps the
	 * socket afterwards, as in inet_diag_find_one_icsk(); tcp_abort()
	 * sleeps, so it runs after the read side ends.
	 */
	rcu_read_lock();
	sk = drop_lookup(net, a, b);
	if (!sk)
		sk = drop_lookup(net, b, a);
	rcu_read_unlock();
	if (!sk)
		return -ENOENT;
	return drop_sock(sk);
}

static int drop_parse(const char *buf, size_t len, struct drop_addr *a,
		      struct drop_addr *b)
{
	struct ksrv_endpoint_text ta, tb;

	if (ksrv_endpoint_split(buf, len, &ta, &tb))
		return -EINVAL;
	if (drop_addr_parse(&ta, a) || drop_addr_parse(&tb, b))
		return -EINVAL;
	return 0;
}

static ssize_t ksrv_drop_write(struct file *file, const char __user *ubuf,
			       size_t len, loff_t *ppos)
{
	struct net *net = file->private_data;
	struct drop_addr a, b;
	char buf[128], *s;
	int err;

	if (!file_ns_capable(file, net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	s = strim(buf);
	err = drop_parse(s, strlen(s), &a, &b);
	if (err) {
		pr_info_ratelimited("drop: malformed '%*pE', expected 'ADDR:PORT ADDR:PORT'\n",
				    (int)strlen(s), s);
		return err;
	}
	err = ksrv_drop(net, &a, &b);
	if (err)
		return err;
	pr_debug("drop: dropped %*pE\n", (int)strlen(s), s);
	return len;
}

/* The namespace is pinned for as long as the file is open. */
static int ksrv_drop_open(struct inode *inode, struct file *file)
{
	file->private_data = get_net(current->nsproxy->net_ns);
	return 0;
}

static int ksrv_drop_release(struct inode *inode, struct file *file)
{
	put_net(file->private_data);
	return 0;
}

static const struct proc_ops ksrv_drop_ops = {
	.proc_open = ksrv_drop_open,
	.proc_write = ksrv_drop_write,
	.proc_lseek = noop_llseek,
	.proc_release = ksrv_drop_release,
};

/**
 * ksrv_drop_init() - create /proc/ksrv/drop
 * @dir: /proc/ksrv
 *
 * Return: 0 or -ENOMEM.
 */
int ksrv_drop_init(struct proc_dir_entry *dir)
{
	return proc_create("drop", 0200, dir, &ksrv_drop_ops) ? 0 : -ENOMEM;
}
