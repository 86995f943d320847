// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol table. Plug-ins are built into ksrv.ko and register during
 * module init, before any service starts, and unregister during exit, after
 * every service stopped; the table therefore needs only a mutex for the
 * registration calls themselves.
 */
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "ksrv_core.h"
#include "ksrv_conn.h"

struct ksrv_proto {
	const struct ksrv_proto_ops *ops;
	struct kmem_cache *cache;
	char cache_name[32];
};

static struct ksrv_proto protos[KSRV_MAX_PROTOS];
static DEFINE_MUTEX(protos_lock);

static struct ksrv_proto *proto_lookup(const char *name)
{
	int i;

	for (i = 0; i < KSRV_MAX_PROTOS; i++)
		if (protos[i].ops && !strcmp(protos[i].ops->name, name))
			return &protos[i];
	return NULL;
}

/**
 * ksrv_proto_register() - make a protocol available to services=
 * @ops: the protocol; must stay valid until ksrv_proto_unregister()
 *
 * Creates the slab cache its connections are allocated from, so that a
 * leaked connection is reported by name when the cache is destroyed.
 *
 * Context: process context, module init only.
 * Return: 0, -EEXIST for a duplicate name, -ENOSPC when the table is full,
 * or -ENOMEM.
 */
int ksrv_proto_register(const struct ksrv_proto_ops *ops)
{
	struct ksrv_proto *p = NULL;
	int i, err = 0;

	mutex_lock(&protos_lock);
	if (proto_lookup(ops->name)) {
		err = -EEXIST;
		goto out;
	}
	for (i = 0; i < KSRV_MAX_PROTOS && !p; i++)
		if (!protos[i].ops)
			p = &protos[i];
	if (!p) {
		err = -ENOSPC;
		goto out;
	}
	snprintf(p->cache_name, sizeof(p->cache_name), "ksrv_%s_conn",
		 ops->name);
	p->cache = kmem_cache_create(p->cache_name,
				     sizeof(struct ksrv_conn) + ops->priv_size,
				     0, 0, NULL);
	if (!p->cache) {
		err = -ENOMEM;
		goto out;
	}
	p->ops = ops;
out:
	mutex_unlock(&protos_lock);
	return err;
}

/**
 * ksrv_proto_unregister() - remove a protocol registered earlier
 * @ops: the protocol
 *
 * Context: process context, module exit only, after all services stopped
 * and every connection was freed.
 */
void ksrv_proto_unregister(const struct ksrv_proto_ops *ops)
{
	struct ksrv_proto *p;

	mutex_lock(&protos_lock);
	p = proto_lookup(ops->name);
	if (p) {
		kmem_cache_destroy(p->cache);
		p->cache = NULL;
		p->ops = NULL;
	}
	mutex_unlock(&protos_lock);
}

const struct ksrv_proto_ops *ksrv_proto_find(const char *name)
{
	struct ksrv_proto *p;

	mutex_lock(&protos_lock);
	p = proto_lookup(name);
	mutex_unlock(&protos_lock);
	return p ? p->ops : NULL;
}

/* Only called for registered protocols; the table is stable while services
 * run, see the comment at the top.
 */
struct kmem_cache *ksrv_proto_cache(const struct ksrv_proto_ops *ops)
{
	struct ksrv_proto *p = proto_lookup(ops->name);

	return p ? p->cache : NULL;
}

/* Walks the table for /proc files; stable after init, as said above. */
const struct ksrv_proto_ops *ksrv_proto_at(unsigned int i)
{
	return i < KSRV_MAX_PROTOS ? protos[i].ops : NULL;
}
