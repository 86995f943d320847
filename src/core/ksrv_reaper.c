// SPDX-License-Identifier: GPL-2.0
/*
 * The idle reaper: once a second, connections whose time-out has passed
 * are told to close, and accepts and sends that failed for lack of memory
 * are retried. It runs as delayed work, in process context, and only
 * marks connections; each closes itself from its own handler.
 */
#include <linux/jiffies.h>
#include <linux/workqueue.h>

#include "ksrv_core.h"

#define KSRV_REAP_INTERVAL	HZ

static void ksrv_reaper_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(reaper, ksrv_reaper_work);

static void ksrv_reaper_work(struct work_struct *work)
{
	unsigned long now = jiffies;
	unsigned int i;

	for (i = 0; i < ksrv_services_count(); i++) {
		ksrv_listener_retry(ksrv_service_at(i));
		ksrv_conn_reap(ksrv_service_at(i), now);
	}
	queue_delayed_work(ksrv_wq, &reaper, KSRV_REAP_INTERVAL);
}

void ksrv_reaper_start(void)
{
	queue_delayed_work(ksrv_wq, &reaper, KSRV_REAP_INTERVAL);
}

/* cancel_delayed_work_sync() also copes with the work re-arming itself. */
void ksrv_reaper_stop(void)
{
	cancel_delayed_work_sync(&reaper);
}
