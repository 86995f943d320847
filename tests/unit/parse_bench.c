// SPDX-License-Identifier: GPL-2.0
/*
 * parse_bench - time parsing a request head that arrives one byte at a
 * time, with the limits ksrv uses.  "reparse" calls ksrv_http_parse_head()
 * on the whole buffer at every arrival, which is what ksrv did before its
 * parser became resumable; "resume" calls ksrv_http_parse_more() with the
 * connection's parser state.  The first grows with the square of the head
 * size, the second in proportion to it.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ksrv_http_parse.h"

/* ksrv_http.h: KSRV_HTTP_MAX_LINE, KSRV_HTTP_RBUF_SIZE, ..._MAX_HEADERS */
static const struct ksrv_http_limits klim = {
	.max_line = 8000, .max_head = 16384, .max_headers = 100,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: parse_bench [-s BYTES]... [-n RUNS] [-m reparse|resume|both]\n"
		"  Feed a request head of BYTES bytes (64..16384; default: 1024, 2048,\n"
		"  4096, 8192 and 16384) to the HTTP parser one byte at a time and\n"
		"  print the best of RUNS (default 5) total times per mode.\n"
		"  reparse: the whole head again at every byte (ksrv before);\n"
		"  resume: the resumable parser (ksrv now).  Exits 1 if a mode does\n"
		"  not parse the head completely.\n");
}

/* A GET with Host and as many ~80-byte fields as fit, exactly @size bytes. */
static char *make_head(size_t size)
{
	char *b = malloc(size + 1);
	size_t n, fields, i, len;

	if (!b)
		return NULL;
	n = (size_t)sprintf(b, "GET /bench HTTP/1.1\r\nHost: bench\r\n");
	fields = (size - n - 2) / 80;
	if (fields > klim.max_headers - 1)
		fields = klim.max_headers - 1;
	for (i = 0; i < fields; i++) {
		len = (size - n - 2) / (fields - i);
		n += (size_t)sprintf(b + n, "X-F%02zu: ", i);
		memset(b + n, 'a' + (int)(i % 26), len - 9);
		n += len - 9;
		b[n++] = '\r';
		b[n++] = '\n';
	}
	b[n++] = '\r';
	b[n++] = '\n';
	return b;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* One byte-at-a-time feeding; returns the milliseconds, or -1 if it failed. */
static double feed(const char *b, size_t size, int resume)
{
	struct ksrv_http_request req;
	struct ksrv_http_parser p;
	double t0 = now_ms();
	size_t i;
	int ret = KSRV_HTTP_NEED_MORE;

	ksrv_http_parser_init(&p);
	for (i = 1; i <= size && ret == KSRV_HTTP_NEED_MORE; i++) {
		if (resume)
			ret = ksrv_http_parse_more(&p, b, i, &klim);
		else
			ret = ksrv_http_parse_head(b, i, &klim, &req);
	}
	if (ret != KSRV_HTTP_DONE || i != size + 1 ||
	    (resume ? p.req.head_len : req.head_len) != size)
		return -1;
	return now_ms() - t0;
}

static int bench(size_t size, int runs, int modes)
{
	static const char *const name[] = { "reparse", "resume" };
	char *b = make_head(size);
	double best, t;
	int m, r;

	if (!b)
		return 1;
	for (m = 0; m < 2; m++) {
		if (!(modes & (1 << m)))
			continue;
		best = -1;
		for (r = 0; r < runs; r++) {
			t = feed(b, size, m);
			if (t < 0) {
				fprintf(stderr, "parse_bench: %s did not parse the %zu-byte head\n",
					name[m], size);
				free(b);
				return 1;
			}
			if (best < 0 || t < best)
				best = t;
		}
		printf("%-7s %6zu bytes %6zu calls %10.3f ms %8.1f ns/byte\n",
		       name[m], size, size, best, best * 1e6 / (double)size);
	}
	free(b);
	return 0;
}

struct opts {
	size_t sizes[16];
	size_t nsizes;
	int runs;
	int modes;	/* bit 0: reparse, bit 1: resume */
};

/* One command-line option; false if it is unknown or its value bad. */
static bool option(int c, const char *arg, struct opts *o)
{
	size_t v;

	if (c == 's') {
		v = strtoul(arg, NULL, 10);
		if (o->nsizes == 16 || v < 64 || v > klim.max_head)
			return false;
		o->sizes[o->nsizes++] = v;
	} else if (c == 'n') {
		o->runs = atoi(arg);
		return o->runs >= 1 && o->runs <= 1000;
	} else if (c == 'm') {
		o->modes = !strcmp(arg, "reparse") ? 1 : !strcmp(arg, "resume") ? 2 :
			   !strcmp(arg, "both") ? 3 : 0;
		return o->modes != 0;
	} else {
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const size_t dflt[] = { 1024, 2048, 4096, 8192, 16384 };
	struct opts o = { .runs = 5, .modes = 3 };
	size_t i;
	int c, err = 0;

	while ((c = getopt(argc, argv, "hs:n:m:")) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (!option(c, optarg, &o)) {
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!o.nsizes) {
		memcpy(o.sizes, dflt, sizeof(dflt));
		o.nsizes = sizeof(dflt) / sizeof(dflt[0]);
	}
	for (i = 0; i < o.nsizes; i++)
		err |= bench(o.sizes[i], o.runs, o.modes);
	return err;
}
