// SPDX-License-Identifier: GPL-2.0
/*
 * What the load generators (bench, htstress) share; see load.h.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "load.h"

#define MAX_REPORTED	10	/* detailed error messages printed */

static atomic_uint reported;

static unsigned int hist_index(uint64_t v)
{
	unsigned int e;

	if (v < HIST_LINEAR)
		return v;
	e = 63 - __builtin_clzll(v);	/* >= 6 */
	return HIST_LINEAR + (e - 6) * HIST_SUB +
	       ((v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

/* Middle of a bucket, in ns. */
static double hist_value(unsigned int i)
{
	unsigned int e, sub;
	double lo, width;

	if (i < HIST_LINEAR)
		return i;
	e = (i - HIST_LINEAR) / HIST_SUB + 6;
	sub = (i - HIST_LINEAR) % HIST_SUB;
	width = (double)(1ull << (e - HIST_SUB_BITS));
	lo = (double)(1ull << e) + sub * width;
	return lo + width / 2;
}

void hist_add(struct hist *h, uint64_t ns)
{
	h->count[hist_index(ns)]++;
	h->total++;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
	dst->total += src->total;
}

double hist_pct_us(const struct hist *h, double pct)
{
	uint64_t want, seen = 0;
	unsigned int i;

	if (!h->total)
		return 0;
	want = (uint64_t)(pct / 100.0 * h->total + 0.999999);
	if (want < 1)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= want)
			return hist_value(i) / 1000.0;
	}
	return hist_value(HIST_BUCKETS - 1) / 1000.0;
}

uint64_t counters_sum(const uint64_t *c, size_t n)
{
	uint64_t sum = 0;

	while (n--)
		sum += c[n];
	return sum;
}

void counters_add(uint64_t *dst, const uint64_t *src, size_t n)
{
	while (n--)
		dst[n] += src[n];
}

void report_error(unsigned int conn, const char *what, unsigned long long n,
		  const char *fmt, ...)
{
	unsigned int seen = atomic_fetch_add(&reported, 1);
	va_list ap;

	if (seen >= MAX_REPORTED) {
		if (seen == MAX_REPORTED)
			fprintf(stderr, "%s: further errors not shown\n",
				prog_name);
		return;
	}
	fprintf(stderr, "%s: conn %u %s %llu: ", prog_name, conn, what, n);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool load_nofile(uint64_t conns)
{
	if (raise_nofile(conns + 64) >= conns + 16)
		return true;
	fprintf(stderr, "%s: cannot raise the fd limit to %llu\n", prog_name,
		(unsigned long long)conns + 64);
	return false;
}

bool load_opt(int opt, bool *machine, bool *quiet, void (*usage)(FILE *f))
{
	switch (opt) {
	case 'm':
		*machine = true;
		return true;
	case 'q':
		*quiet = true;
		return true;
	case 'h':
		usage(stdout);
		exit(0);
	}
	usage(stderr);
	return false;
}

void progress_wait(const struct progress *p)
{
	struct timespec ts100 = { 0, 100 * 1000 * 1000 };
	uint64_t done, errs, now, next = p->start + 1000000000ull;
	bool running;

	do {
		nanosleep(&ts100, NULL);
		done = errs = 0;
		running = p->sample(p->arg, &done, &errs);
		now = now_ns();
		if (p->show && now >= next) {
			fprintf(stderr, "\r  %3llus  %llu %s  ",
				(unsigned long long)((now - p->start) / 1000000000ull),
				(unsigned long long)done, p->unit);
			if (p->errors)
				fprintf(stderr, "%llu errors  ",
					(unsigned long long)errs);
			next += 1000000000ull;
		}
	} while (running);
	if (p->show && now >= p->start + 1000000000ull)
		fprintf(stderr, "\r%50s\r", "");
}
