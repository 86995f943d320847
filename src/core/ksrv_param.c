// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. Each is typed and checked in its .set op, so a bad
 * value fails insmod with -EINVAL before any socket exists, and the log
 * names the bad token. All are read-only once loaded: the core reads them
 * without locks.
 */
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "ksrv_core.h"

struct ksrv_service_spec ksrv_param_specs[KSRV_MAX_SERVICES] = {
	{ .proto = "echo", .port = 12345 },
};

unsigned int ksrv_param_nr_specs = 1;
unsigned int ksrv_param_backlog = 1024;
unsigned int ksrv_param_max_connections = 16384;
unsigned int ksrv_param_max_service_connections;
unsigned int ksrv_param_max_client_connections;
unsigned int ksrv_param_idle_timeout = 30;
enum ksrv_dispatch ksrv_param_dispatch = KSRV_DISPATCH_WORKQUEUE;

static int services_set(const char *val, const struct kernel_param *kp)
{
	struct ksrv_service_spec specs[KSRV_MAX_SERVICES];
	struct ksrv_svcspec_result res;

	ksrv_svcspec_parse(val, strlen(val), specs, KSRV_MAX_SERVICES, &res);
	if (res.err) {
		pr_err("services: '%.*s': %s\n", (int)min_t(size_t, res.badlen, 64),
		       res.bad, ksrv_svcspec_strerror(res.err));
		return -EINVAL;
	}
	memcpy(ksrv_param_specs, specs, sizeof(specs));
	ksrv_param_nr_specs = res.n;
	return 0;
}

static int services_get(char *buf, const struct kernel_param *kp)
{
	unsigned int i;
	int len = 0;

	for (i = 0; i < ksrv_param_nr_specs; i++)
		len += sysfs_emit_at(buf, len, "%s%s:%u", i ? "," : "",
				     ksrv_param_specs[i].proto,
				     ksrv_param_specs[i].port);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static const struct kernel_param_ops services_ops = {
	.set = services_set,
	.get = services_get,
};

module_param_cb(services, &services_ops, NULL, 0444);
MODULE_PARM_DESC(services,
		 "Comma-separated proto:port list to serve (default echo:12345)");

static int param_uint_set(const char *val, const struct kernel_param *kp)
{
	const struct ksrv_param_uint *p = kp->arg;
	unsigned int v;

	if (kstrtouint(val, 0, &v) || v < p->min || v > p->max) {
		pr_err("%s: '%.32s' is not a number in %u..%u\n", kp->name, val,
		       p->min, p->max);
		return -EINVAL;
	}
	*p->val = v;
	return 0;
}

static int param_uint_get(char *buf, const struct kernel_param *kp)
{
	const struct ksrv_param_uint *p = kp->arg;

	return sysfs_emit(buf, "%u\n", *p->val);
}

/* The core's and the plug-ins' unsigned parameters (KSRV_PARAM_UINT()). */
const struct kernel_param_ops ksrv_param_uint_ops = {
	.set = param_uint_set,
	.get = param_uint_get,
};

KSRV_PARAM_UINT(backlog, ksrv_param_backlog, 1, 65535);
MODULE_PARM_DESC(backlog, "Listen backlog, 1..65535 (default 1024)");

KSRV_PARAM_UINT(max_connections, ksrv_param_max_connections, 1, 1 << 20);
MODULE_PARM_DESC(max_connections,
		 "Open connections allowed over all services; more are refused, 1..1048576 (default 16384)");

KSRV_PARAM_UINT(max_service_connections,
		ksrv_param_max_service_connections, 0, 1 << 20);
MODULE_PARM_DESC(max_service_connections,
		 "Open connections allowed per service, 0..1048576, 0 for no limit but max_connections (default 0)");
KSRV_PARAM_UINT(max_client_connections, ksrv_param_max_client_connections,
		0, 1 << 20);
MODULE_PARM_DESC(max_client_connections,
		 "Open connections allowed per client address over all services, 0..1048576, 0 for no limit (default 0)");

KSRV_PARAM_UINT(idle_timeout, ksrv_param_idle_timeout, 1, 86400);
MODULE_PARM_DESC(idle_timeout,
		 "Seconds without traffic before a connection is closed, 1..86400 (default 30)");

static const char * const dispatch_names[] = {
	[KSRV_DISPATCH_WORKQUEUE] = "workqueue",
	[KSRV_DISPATCH_PERCPU] = "percpu",
	[KSRV_DISPATCH_THREAD] = "thread",
};

static int dispatch_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(dispatch_names, val);

	if (i < 0) {
		pr_err("dispatch: '%.32s' is not workqueue, percpu or thread\n", val);
		return -EINVAL;
	}
	ksrv_param_dispatch = i;
	return 0;
}

static int dispatch_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", dispatch_names[ksrv_param_dispatch]);
}

static const struct kernel_param_ops dispatch_ops = {
	.set = dispatch_set,
	.get = dispatch_get,
};

module_param_cb(dispatch, &dispatch_ops, NULL, 0444);
MODULE_PARM_DESC(dispatch,
		 "How connections are served: workqueue (event-driven, default), percpu (event-driven, on the CPU that received the data) or thread (one kernel thread per connection)");
