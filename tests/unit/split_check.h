/* SPDX-License-Identifier: GPL-2.0 */
/*
 * split_check.h - feed a byte stream to ksrv_http_parse_more() in pieces,
 * the way ksrv_http.c does (parse on every arrival, consume a complete
 * head, parse what was pipelined behind it), and compare every verdict
 * with ksrv_http_parse_head() on the same bytes at once.  Shared by the
 * unit tests and the request fuzzer.
 *
 * Each call gets a fresh heap copy of exactly the bytes received, so the
 * parser must cope with its buffer moving between calls (as it does when
 * ksrv_http.c moves a long head to a bigger buffer) and ASan catches any
 * read past what has arrived.
 */
#ifndef KSRV_SPLIT_CHECK_H
#define KSRV_SPLIT_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksrv_http_parse.h"

/* Why the last split_check() failed. */
static char split_why[160];

static int split_same_str(struct ksrv_http_str a, struct ksrv_http_str b)
{
	return a.ptr == b.ptr && a.len == b.len;
}

/* Every field of the request, slices by address (both are in one copy). */
static int split_same_req(const struct ksrv_http_request *a,
			  const struct ksrv_http_request *b)
{
	return a->method == b->method && a->version_minor == b->version_minor &&
	       a->keep_alive == b->keep_alive && a->conn_close == b->conn_close &&
	       a->conn_keep_alive == b->conn_keep_alive &&
	       a->expect_continue == b->expect_continue &&
	       a->has_host == b->has_host &&
	       a->has_content_length == b->has_content_length &&
	       a->has_transfer_encoding == b->has_transfer_encoding &&
	       a->bad_expect == b->bad_expect && a->ims_valid == b->ims_valid &&
	       a->header_count == b->header_count &&
	       a->content_length == b->content_length &&
	       a->if_modified_since == b->if_modified_since &&
	       a->head_len == b->head_len && a->seen == b->seen &&
	       split_same_str(a->target, b->target) &&
	       split_same_str(a->path, b->path) &&
	       split_same_str(a->host, b->host) &&
	       split_same_str(a->if_none_match, b->if_none_match) &&
	       split_same_str(a->range, b->range) &&
	       split_same_str(a->if_range, b->if_range);
}

/*
 * One parse of the bytes received and not consumed, both ways.  Returns the
 * verdict, or -1 (with split_why set) when the two disagree.
 */
static int split_step(struct ksrv_http_parser *p, const char *data,
		      size_t start, size_t have,
		      const struct ksrv_http_limits *lim)
{
	size_t n = have - start;
	char *copy = malloc(n ? n : 1);
	struct ksrv_http_request one;
	int inc, ref, same;

	if (!copy)
		abort();
	memcpy(copy, data + start, n);
	inc = ksrv_http_parse_more(p, copy, n, lim);
	ref = ksrv_http_parse_head(copy, n, lim, &one);
	same = inc == ref && (inc || split_same_req(&p->req, &one));
	free(copy);
	if (same)
		return inc;
	snprintf(split_why, sizeof(split_why),
		 "bytes %zu..%zu: resumed %d, at once %d%s", start, have, inc,
		 ref, inc == ref ? ", request fields differ" : "");
	return -1;
}

/*
 * Feed @data, @n bytes, in pieces ending at @cuts[0] < @cuts[1] < ... (the
 * last should be @n).  Returns 0 if every verdict matched, else -1 with
 * split_why set.
 */
static int split_check(const char *data, size_t n, const size_t *cuts,
		       size_t ncuts, const struct ksrv_http_limits *lim)
{
	struct ksrv_http_parser p;
	size_t i, start = 0;
	int ret;

	ksrv_http_parser_init(&p);
	for (i = 0; i < ncuts && cuts[i] <= n; i++) {
		for (;;) {
			ret = split_step(&p, data, start, cuts[i], lim);
			if (ret < 0)
				return -1;
			if (ret == KSRV_HTTP_NEED_MORE)
				break;
			if (ret != KSRV_HTTP_DONE)
				return 0;	/* the connection ends here */
			/* Consume the head, parse what is behind it. */
			start += p.req.head_len;
			ksrv_http_parser_init(&p);
		}
	}
	return 0;
}

/*
 * Every two-piece split, and one byte at a time.  Returns the number of
 * feedings that disagreed (0 when all matched).
 */
static int split_all(const char *data, size_t n,
		     const struct ksrv_http_limits *lim)
{
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));
	size_t k;
	int bad = 0;

	if (!cuts)
		abort();
	for (k = 1; k < n; k++) {
		cuts[0] = k;
		cuts[1] = n;
		bad += split_check(data, n, cuts, 2, lim) != 0;
	}
	for (k = 0; k < n; k++)
		cuts[k] = k + 1;
	bad += split_check(data, n, cuts, n, lim) != 0;
	free(cuts);
	return bad;
}

#endif /* KSRV_SPLIT_CHECK_H */
