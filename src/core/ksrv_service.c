// SPDX-License-Identifier: GPL-2.0
/*
 * Services: the entries of services=, each a protocol on a port. The table
 * is filled at module init and emptied at exit; in between it does not
 * change, so readers (statistics, reaper) need no lock to walk it.
 */
#include <linux/percpu.h>
#include <linux/slab.h>

#include "ksrv_core.h"

static struct ksrv_service services[KSRV_MAX_SERVICES];
static unsigned int nr_services;

unsigned int ksrv_services_count(void)
{
	return nr_services;
}

struct ksrv_service *ksrv_service_at(unsigned int i)
{
	return &services[i];
}

static int ksrv_service_start(struct ksrv_service *svc,
			      const struct ksrv_service_spec *spec)
{
	int err;

	svc->ops = ksrv_proto_find(spec->proto);
	if (!svc->ops) {
		pr_err("services: '%s:%u': unknown protocol '%s'\n",
		       spec->proto, spec->port, spec->proto);
		return -EINVAL;
	}
	err = svc->ops->start ? svc->ops->start() : 0;
	if (err)
		return err;
	svc->cache = ksrv_proto_cache(svc->ops);
	svc->port = spec->port;
	spin_lock_init(&svc->lock);
	INIT_LIST_HEAD(&svc->conns);
	atomic_set(&svc->nr_conns, 0);
	svc->counters = alloc_percpu(struct ksrv_counters);
	if (!svc->counters)
		return -ENOMEM;
	err = ksrv_listener_start(svc);
	if (err)
		goto err_free_counters;
	pr_info("%s listening on port %u\n", svc->ops->name, svc->port);
	return 0;

err_free_counters:
	if (err == -EADDRINUSE)
		pr_err("services: '%s:%u': port already in use\n",
		       spec->proto, spec->port);
	else
		pr_err("services: '%s:%u': cannot listen: %d\n",
		       spec->proto, spec->port, err);
	free_percpu(svc->counters);
	return err;
}

static bool ksrv_spec_enabled(const struct ksrv_service_spec *spec)
{
	const struct ksrv_proto_ops *ops = ksrv_proto_find(spec->proto);

	if (!ops || !ops->enabled || *ops->enabled)
		return true;
	pr_info("%s disabled by %s_enable=0, not serving port %u\n",
		spec->proto, spec->proto, spec->port);
	return false;
}

/**
 * ksrv_services_start() - start every enabled service of services=
 *
 * Return: 0, or the first error; the caller then stops and frees the
 * services started so far, as at module exit.
 */
int ksrv_services_start(void)
{
	unsigned int i;
	int err;

	for (i = 0; i < ksrv_param_nr_specs; i++) {
		if (!ksrv_spec_enabled(&ksrv_param_specs[i]))
			continue;
		err = ksrv_service_start(&services[nr_services],
					 &ksrv_param_specs[i]);
		if (err)
			return err;
		nr_services++;
	}
	return 0;
}

/**
 * ksrv_services_stop() - stop all services and close their connections
 *
 * Every listener stops before any connection is closed, so that no new
 * connection appears while the registries are emptied.
 */
void ksrv_services_stop(void)
{
	unsigned int i;

	for (i = 0; i < nr_services; i++)
		ksrv_listener_stop(&services[i]);
	for (i = 0; i < nr_services; i++)
		ksrv_service_close_conns(&services[i]);
}

/**
 * ksrv_services_free() - free what the services hold once no connection
 * can refer to them any more
 */
void ksrv_services_free(void)
{
	while (nr_services)
		free_percpu(services[--nr_services].counters);
}
