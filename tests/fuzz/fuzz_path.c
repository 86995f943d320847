// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for ksrv_http_path_normalize(), ksrv_http_url_encode(),
 * ksrv_http_html_escape() and ksrv_http_mime_type().
 *
 * Invariants on a successful normalisation: the output is a NUL-terminated
 * relative path without empty, "." or ".." segments and without control
 * bytes; the flags match the output; re-encoding every segment and
 * normalising again gives back the same path (so nothing the client sent
 * can be decoded twice); a too-small buffer is 414, never an overflow.
 */

#include "ksrv_http_path.h"
#include "ksrv_http_mime.h"
#include "fuzz_common.h"

#define OUT_MAX	1024

static void check_shape(const char *out, const struct ksrv_http_path_info *info)
{
	size_t i, seg = 0;
	bool hidden = false;

	FUZZ_ASSERT(strlen(out) == info->len);
	if (!info->len)
		return;
	FUZZ_ASSERT(out[0] != '/' && out[info->len - 1] != '/');
	for (i = 0; i <= info->len; i++) {
		if (i < info->len && out[i] != '/') {
			FUZZ_ASSERT((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
			continue;
		}
		/* out[seg..i) is one segment */
		FUZZ_ASSERT(i > seg);
		FUZZ_ASSERT(!(i - seg == 1 && out[seg] == '.'));
		FUZZ_ASSERT(!(i - seg == 2 && out[seg] == '.' && out[seg + 1] == '.'));
		hidden |= out[seg] == '.';
		seg = i + 1;
	}
	FUZZ_ASSERT(hidden == info->hidden);
}

/* "/" + each segment percent-encoded, then normalised again. */
static void check_reencode(const char *out, size_t len)
{
	static char enc[3 * OUT_MAX + 2], again[OUT_MAX];
	struct ksrv_http_path_info info;
	size_t i = 0, e = 0, n, seg;

	while (i <= len) {
		seg = i;
		while (i < len && out[i] != '/')
			i++;
		enc[e++] = '/';
		FUZZ_ASSERT(ksrv_http_url_encode(out + seg, i - seg, enc + e,
						 sizeof(enc) - e, &n));
		FUZZ_ASSERT(n <= 3 * (i - seg));
		e += n;
		i++;
	}
	FUZZ_ASSERT(ksrv_http_path_normalize(enc, e, again, sizeof(again), &info) == 0);
	FUZZ_ASSERT(info.len == len && !memcmp(again, out, len));

	/* The whole-path encoder must give the same round trip. */
	enc[0] = '/';
	FUZZ_ASSERT(ksrv_http_url_encode_path(out, len, enc + 1, sizeof(enc) - 1, &n));
	FUZZ_ASSERT(ksrv_http_path_normalize(enc, n + 1, again, sizeof(again), &info) == 0);
	FUZZ_ASSERT(info.len == len && !memcmp(again, out, len));
}

static void check_escape(const char *out, size_t len)
{
	static char html[6 * OUT_MAX + 1];
	size_t n, i;

	FUZZ_ASSERT(ksrv_http_html_escape(out, len, html, sizeof(html), &n));
	FUZZ_ASSERT(n == strlen(html));
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(!strchr("<>\"'", html[i]) && (unsigned char)html[i] >= 0x20);
	/* One byte short must fail cleanly. */
	if (n)
		FUZZ_ASSERT(!ksrv_http_html_escape(out, len, html, n, &n));
	FUZZ_ASSERT(ksrv_http_mime_type(out, len));
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static char out[OUT_MAX];
	struct ksrv_http_path_info info, small_info;
	char *in, small[16];
	size_t small_size;
	int ret, ret2;

	in = fuzz_copy(data, size);
	if (!in)
		return 0;
	ret = ksrv_http_path_normalize(in, size, out, sizeof(out), &info);
	FUZZ_ASSERT(ret == 0 || ret == 400 || ret == 403 || ret == 414);
	if (ret == 0) {
		check_shape(out, &info);
		check_escape(out, info.len);
		if (info.len < OUT_MAX / 3)
			check_reencode(out, info.len);
	}
	/*
	 * A small output buffer may only turn success into 414 (also when an
	 * intermediate path was longer than the final one, e.g. "/long/..").
	 */
	small_size = size ? data[0] % sizeof(small) : 0;
	ret2 = ksrv_http_path_normalize(in, size, small, small_size, &small_info);
	if (ret2 == 0)
		FUZZ_ASSERT(ret == 0 && !strcmp(small, out));
	else if (ret == 0)
		FUZZ_ASSERT(ret2 == 414);
	free(in);
	return 0;
}
