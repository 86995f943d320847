// SPDX-License-Identifier: GPL-2.0
/*
 * Clients: how many connections each peer address holds, over all
 * services, for max_client_connections (what nginx calls limit_conn on
 * the binary remote address).
 *
 * An entry exists while its address holds a connection: each connection
 * owns one count of its client's entry from admission to free, and the
 * last put frees the entry. The table therefore holds at most as many
 * entries as there are connections, and is empty once every connection
 * is freed, which module exit waits for. An IPv4 peer of a dual-stack
 * listener arrives as a v4-mapped IPv6 address and is counted as the
 * IPv4 address it is.
 */
#include <linux/hashtable.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "ksrv_core.h"

struct ksrv_client {
	struct hlist_node node;
	struct in6_addr addr;	/* IPv4 as v4-mapped */
	unsigned int count;	/* connections; protected by clients_lock */
};

#define KSRV_CLIENT_BITS	10

static DEFINE_HASHTABLE(clients, KSRV_CLIENT_BITS);
static DEFINE_SPINLOCK(clients_lock);

static void ksrv_client_addr(const struct sock *sk, struct in6_addr *addr)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		*addr = sk->sk_v6_daddr;
		return;
	}
#endif
	ipv6_addr_set_v4mapped(sk->sk_daddr, addr);
}

static struct ksrv_client *ksrv_client_find(const struct in6_addr *addr,
					    u32 hash)
{
	struct ksrv_client *c;

	lockdep_assert_held(&clients_lock);
	hash_for_each_possible(clients, c, node, hash)
		if (ipv6_addr_equal(&c->addr, addr))
			return c;
	return NULL;
}

/* Counts one more connection of @c (NULL: no entry, no memory for one). */
static struct ksrv_client *ksrv_client_take(struct ksrv_client *c,
					    unsigned int limit)
{
	lockdep_assert_held(&clients_lock);
	if (!c)
		return ERR_PTR(-ENOMEM);
	if (limit && c->count >= limit)
		return ERR_PTR(-EBUSY);
	c->count++;
	return c;
}

/**
 * ksrv_client_get() - count a new connection against its peer address
 * @sk: the accepted socket
 * @limit: connections one address may hold, 0 for no limit
 *
 * Only an address not yet in the table costs an allocation, made outside
 * the lock.
 *
 * Context: process context.
 * Return: the client, to be given back with ksrv_client_put() when the
 * connection is freed; ERR_PTR(-EBUSY) when the address already holds
 * @limit connections, ERR_PTR(-ENOMEM).
 */
struct ksrv_client *ksrv_client_get(const struct sock *sk,
				    unsigned int limit)
{
	struct ksrv_client *c, *fresh;
	struct in6_addr addr;
	u32 hash;

	ksrv_client_addr(sk, &addr);
	hash = ipv6_addr_hash(&addr);
	spin_lock(&clients_lock);
	c = ksrv_client_find(&addr, hash);
	if (c) {
		c = ksrv_client_take(c, limit);
		spin_unlock(&clients_lock);
		return c;
	}
	spin_unlock(&clients_lock);

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	spin_lock(&clients_lock);
	/* Another connection of the address may have added it meanwhile. */
	c = ksrv_client_find(&addr, hash);
	if (!c && fresh) {
		c = fresh;
		fresh = NULL;
		c->addr = addr;
		hash_add(clients, &c->node, hash);
	}
	c = ksrv_client_take(c, limit);
	spin_unlock(&clients_lock);
	kfree(fresh);
	return c;
}

/**
 * ksrv_client_put() - a connection counted by ksrv_client_get() is gone
 * @c: its client
 */
void ksrv_client_put(struct ksrv_client *c)
{
	bool last;

	spin_lock(&clients_lock);
	last = !--c->count;
	if (last)
		hash_del(&c->node);
	spin_unlock(&clients_lock);
	if (last)
		kfree(c);
}
