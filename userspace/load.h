/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the load generators (bench, htstress) share: the latency
 * histogram, error counters, the capped error report and the progress
 * display.
 */
#ifndef KSRV_TOOLS_LOAD_H
#define KSRV_TOOLS_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Log-linear histogram: exact below 64 ns, then 32 buckets per power of 2. */
#define HIST_SUB_BITS	5
#define HIST_SUB	(1 << HIST_SUB_BITS)
#define HIST_LINEAR	64
#define HIST_BUCKETS	(HIST_LINEAR + (64 - 6) * HIST_SUB)

struct hist {
	uint64_t count[HIST_BUCKETS];
	uint64_t total;
};

void hist_add(struct hist *h, uint64_t ns);
void hist_merge(struct hist *dst, const struct hist *src);
/* The @pct percentile, in microseconds (0 for an empty histogram). */
double hist_pct_us(const struct hist *h, double pct);

/*
 * A tool's error counters are a union of named uint64_t fields and the
 * array n[] over them; these work on the array.
 */
uint64_t counters_sum(const uint64_t *c, size_t n);
void counters_add(uint64_t *dst, const uint64_t *src, size_t n);

/*
 * One line on stderr, "PROG: conn CONN WHAT N: message"; after the first
 * ten a single "further errors not shown".
 */
void report_error(unsigned int conn, const char *what, unsigned long long n,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Waits until every worker has ended, polling ten times a second; with
 * @show, prints "  Ns  COUNT UNIT  " (and "ERRORS errors  " when @errors)
 * on stderr once a second, and clears the line at the end.
 * @sample sums the workers' counts into *done and *errs and returns
 * whether any worker still runs.
 */
struct progress {
	uint64_t start;
	bool show;
	bool errors;
	const char *unit;
	bool (*sample)(void *arg, uint64_t *done, uint64_t *errs);
	void *arg;
};

void progress_wait(const struct progress *p);

/* Room for @conns sockets and a few more files; false with a message. */
bool load_nofile(uint64_t conns);

/*
 * The options of both load generators besides their own: -m sets
 * *machine, -q *quiet, -h prints the usage and exits 0. Anything else
 * prints the usage on stderr and returns false (bad usage, exit 2).
 */
bool load_opt(int opt, bool *machine, bool *quiet, void (*usage)(FILE *f));

#endif /* KSRV_TOOLS_LOAD_H */
