// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv: TCP services (echo, chargen, HTTP) served from inside the kernel.
 *
 * Module init brings the units up in dependency order; exit takes them
 * down in exactly the reverse order. The same teardown serves a load that
 * fails part-way, so a failed insmod leaves nothing behind.
 */
#include <linux/module.h>
#include <linux/workqueue.h>

#include "ksrv_builtin.h"
#include "ksrv_core.h"

struct workqueue_struct *ksrv_wq;

static int ksrv_protos_init(void)
{
	int err;

	err = ksrv_echo_init();
	if (err)
		return err;
	err = ksrv_chargen_init();
	if (err)
		goto err_echo_exit;
	err = ksrv_http_init();
	if (err)
		goto err_chargen_exit;
	return 0;

err_chargen_exit:
	ksrv_chargen_exit();
err_echo_exit:
	ksrv_echo_exit();
	return err;
}

static void ksrv_protos_exit(void)
{
	ksrv_http_exit();
	ksrv_chargen_exit();
	ksrv_echo_exit();
}

/* Stops everything that can create or touch a connection, then waits
 * until the last connection is freed and its free work has returned.
 */
static void ksrv_stop_and_drain(void)
{
	ksrv_services_stop();
	ksrv_conn_exit();
	destroy_workqueue(ksrv_wq);
	ksrv_services_free();
}

static int __init ksrv_init(void)
{
	int err;

	err = ksrv_protos_init();
	if (err)
		return err;
	/* Handlers never block on the network, so the default max_active
	 * cannot starve anyone. Unbound by default: the scheduler runs a
	 * handler wherever a CPU is idle. A per-CPU workqueue runs it on the
	 * CPU whose softirq saw the data, which is busy with the sender when
	 * the peer is local (Documentation/core.md, "Dispatch").
	 */
	ksrv_wq = alloc_workqueue("ksrv", ksrv_param_dispatch ==
				  KSRV_DISPATCH_PERCPU ? 0 : WQ_UNBOUND, 0);
	if (!ksrv_wq) {
		err = -ENOMEM;
		goto err_protos;
	}
	err = ksrv_services_start();
	if (err)
		goto err_services;
	ksrv_reaper_start();
	err = ksrv_stats_init();
	if (err)
		goto err_reaper;
	pr_info("loaded: %u service(s), max_connections=%u idle_timeout=%us\n",
		ksrv_services_count(), ksrv_param_max_connections,
		ksrv_param_idle_timeout);
	return 0;

err_reaper:
	ksrv_reaper_stop();
err_services:
	ksrv_stop_and_drain();
err_protos:
	ksrv_protos_exit();
	return err;
}

static void __exit ksrv_exit(void)
{
	ksrv_stats_exit();
	ksrv_reaper_stop();
	ksrv_stop_and_drain();
	ksrv_protos_exit();
	pr_info("unloaded\n");
}

module_init(ksrv_init);
module_exit(ksrv_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel TCP server: echo (RFC 862), chargen (RFC 864) and HTTP/1.1");
MODULE_AUTHOR("ksrv developers");
MODULE_VERSION(KSRV_VERSION);
