// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for ksrv_http_parse_head(), plus the helpers a server
 * would call on its results (path normalisation, Range, ETag match).
 *
 * Invariants beyond "no crash / no UB":
 *  - the result is DONE, NEED_MORE or one of the documented statuses;
 *  - on DONE, head_len <= len and <= max_head, all slices lie in the buffer;
 *  - feeding a prefix never contradicts the full input: a prefix is
 *    NEED_MORE or an error, an error on a prefix means an error on the full
 *    input, and if the full input is DONE every shorter prefix is NEED_MORE
 *    and every longer one DONE with the same head_len;
 *  - the resumable parser, fed the input in pieces (cut where the input's
 *    own bytes say, and one byte at a time for short inputs; with and
 *    without bare_lf), gives at every arrival the verdict and request of
 *    the one-shot parse of the same bytes, across pipelined heads too.
 */

#include "ksrv_http_parse.h"
#include "ksrv_http_path.h"
#include "ksrv_http_range.h"
#include "fuzz_common.h"
#include "split_check.h"

static const struct ksrv_http_limits lim = {
	.max_line = 200, .max_head = 1024, .max_headers = 12,
};

static const struct ksrv_http_limits lim_lf = {
	.max_line = 200, .max_head = 1024, .max_headers = 12, .bare_lf = true,
};

static int known_status(int r)
{
	switch (r) {
	case KSRV_HTTP_DONE: case KSRV_HTTP_NEED_MORE: case 400: case 405: case 413:
	case 414: case 417: case 431: case 501: case 505:
		return 1;
	}
	return 0;
}

static int in_buf(struct ksrv_http_str s, const char *b, size_t n)
{
	if (!s.len)
		return 1;
	if (s.len == 1 && s.ptr[0] == '/' && (s.ptr < b || s.ptr >= b + n))
		return 1;	/* the static "/" for absolute-form */
	return s.ptr >= b && s.len <= n && s.ptr - b <= (ptrdiff_t)(n - s.len);
}

static void use_result(const struct ksrv_http_request *r, const char *b, size_t n)
{
	char out[256];
	struct ksrv_http_path_info info;
	u64 start, len;

	FUZZ_ASSERT(r->head_len <= n && r->head_len <= lim.max_head);
	FUZZ_ASSERT(in_buf(r->target, b, n) && in_buf(r->path, b, n) && in_buf(r->host, b, n));
	FUZZ_ASSERT(in_buf(r->range, b, n) && in_buf(r->if_none_match, b, n));
	FUZZ_ASSERT(in_buf(r->if_range, b, n));
	FUZZ_ASSERT(r->method == KSRV_HTTP_M_GET || r->method == KSRV_HTTP_M_HEAD);
	FUZZ_ASSERT(r->path.len && r->path.ptr[0] == '/');
	FUZZ_ASSERT(r->version_minor == 1 ? r->has_host : 1);
	FUZZ_ASSERT(!r->has_content_length || r->content_length == 0);
	FUZZ_ASSERT(!r->has_transfer_encoding);

	if (ksrv_http_path_normalize(r->path.ptr, r->path.len, out, sizeof(out), &info) == 0)
		FUZZ_ASSERT(info.len < sizeof(out) && out[0] != '/');
	if (r->range.len &&
	    ksrv_http_range_parse(r->range.ptr, r->range.len, 1000, &start, &len) ==
	    KSRV_HTTP_RANGE_SATISFIABLE)
		FUZZ_ASSERT(len && start < 1000 && len <= 1000 - start);
	if (r->if_none_match.len)
		(void)ksrv_http_etag_match(r->if_none_match.ptr, r->if_none_match.len,
					   "\"abc\"", 5, true);
}

static void check_prefix(const char *b, size_t k, int full, size_t head_len)
{
	struct ksrv_http_request r;
	int ret = ksrv_http_parse_head(b, k, &lim, &r);

	FUZZ_ASSERT(known_status(ret));
	if (full == KSRV_HTTP_DONE) {
		if (k < head_len)
			FUZZ_ASSERT(ret == KSRV_HTTP_NEED_MORE);
		else
			FUZZ_ASSERT(ret == KSRV_HTTP_DONE && r.head_len == head_len);
	} else {
		FUZZ_ASSERT(ret != KSRV_HTTP_DONE);
		if (ret != KSRV_HTTP_NEED_MORE)
			FUZZ_ASSERT(full != KSRV_HTTP_NEED_MORE);
	}
}

static void check_cuts(const char *b, size_t size, const size_t *cuts, size_t n)
{
	if (split_check(b, size, cuts, n, &lim) || split_check(b, size, cuts, n, &lim_lf)) {
		fprintf(stderr, "split: %s\n", split_why);
		FUZZ_ASSERT(!"resumed parse differs from one-shot parse");
	}
}

/* Up to 8 cuts at offsets taken from the input's last bytes, then the end. */
static void check_splits(const char *b, size_t size)
{
	size_t cuts[9], n = 0, pos = 0, i;
	static size_t ones[129];

	if (size && size < ARRAY_SIZE(ones)) {
		for (i = 0; i < size; i++)
			ones[i] = i + 1;
		check_cuts(b, size, ones, size);
	}
	for (i = 0; i < 8 && i < size; i++) {
		pos += 1 + (u8)b[size - 1 - i] * size / 512;
		if (pos >= size)
			break;
		cuts[n++] = pos;
	}
	cuts[n++] = size;
	check_cuts(b, size, cuts, n);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct ksrv_http_request r;
	char *b;
	size_t k;
	int full;

	b = fuzz_copy(data, size);
	if (!b)
		return 0;
	full = ksrv_http_parse_head(b, size, &lim, &r);
	FUZZ_ASSERT(known_status(full));
	if (full == KSRV_HTTP_DONE)
		use_result(&r, b, size);
	if (size <= 64) {
		for (k = 0; k < size; k++)
			check_prefix(b, k, full, r.head_len);
	} else {
		check_prefix(b, size / 2, full, r.head_len);
		check_prefix(b, size - 1, full, r.head_len);
		check_prefix(b, (data[0] * size) / 256, full, r.head_len);
		if (full == KSRV_HTTP_DONE && r.head_len)
			check_prefix(b, r.head_len - 1, full, r.head_len);
	}
	check_splits(b, size);
	free(b);
	return 0;
}
