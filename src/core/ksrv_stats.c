// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/ksrv/stats: one header line, then one line per service. Counters
 * are per-CPU and summed here, so the hot path never shares a cache line
 * with other CPUs for statistics.
 */
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "ksrv_core.h"

static struct proc_dir_entry *ksrv_proc_dir;

static void ksrv_stats_sum(struct ksrv_service *svc, struct ksrv_counters *sum)
{
	const struct ksrv_counters *c;
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(svc->counters, cpu);
		for (i = 0; i < KSRV_NR_COUNTERS; i++)
			sum->c[i] += READ_ONCE(c->c[i]);
	}
}

static int ksrv_stats_show(struct seq_file *m, void *v)
{
	struct ksrv_counters sum;
	struct ksrv_service *svc;
	unsigned int i;

	seq_puts(m, "proto port open total refused failed timed_out bytes_in bytes_out\n");
	for (i = 0; i < ksrv_services_count(); i++) {
		svc = ksrv_service_at(i);
		ksrv_stats_sum(svc, &sum);
		/* Summed without a lock: "open" may briefly lag by a
		 * connection being accepted or closed on another CPU.
		 */
		seq_printf(m, "%s %u %lld %llu %llu %llu %llu %llu %llu\n",
			   svc->ops->name, svc->port,
			   (long long)(sum.c[KSRV_C_ACCEPTED] -
					sum.c[KSRV_C_CLOSED]),
			   sum.c[KSRV_C_ACCEPTED], sum.c[KSRV_C_REFUSED],
			   sum.c[KSRV_C_FAILED], sum.c[KSRV_C_TIMED_OUT], sum.c[KSRV_C_BYTES_IN],
			   sum.c[KSRV_C_BYTES_OUT]);
	}
	return 0;
}

/* Protocols may add a file of their own next to "stats". */
static int ksrv_stats_proto_files(void)
{
	const struct ksrv_proto_ops *ops;
	unsigned int i;

	for (i = 0; i < KSRV_MAX_PROTOS; i++) {
		ops = ksrv_proto_at(i);
		if (!ops || !ops->stats_file)
			continue;
		if (!proc_create_single(ops->stats_file, 0444, ksrv_proc_dir,
					ops->stats_show))
			return -ENOMEM;
	}
	return 0;
}

/**
 * ksrv_stats_init() - create /proc/ksrv and the files in it
 *
 * Return: 0, or the first error; nothing is left behind then.
 */
int ksrv_stats_init(void)
{
	int err;

	ksrv_proc_dir = proc_mkdir("ksrv", NULL);
	if (!ksrv_proc_dir)
		return -ENOMEM;
	err = -ENOMEM;
	if (!proc_create_single("stats", 0444, ksrv_proc_dir, ksrv_stats_show))
		goto err_remove_dir;
	err = ksrv_stats_proto_files();
	if (err)
		goto err_remove_dir;
	err = ksrv_conntable_init(ksrv_proc_dir);
	if (err)
		goto err_remove_dir;
	err = ksrv_drop_init(ksrv_proc_dir);
	if (err)
		goto err_remove_dir;
	return 0;

err_remove_dir:
	/* Removes the files created in it as well. */
	proc_remove(ksrv_proc_dir);
	return err;
}

/* proc_remove() waits for readers that are inside a show function. */
void ksrv_stats_exit(void)
{
	proc_remove(ksrv_proc_dir);
}
