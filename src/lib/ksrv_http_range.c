// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_range.c - parse "Range: bytes=..." for one range.
 *
 * Multi-range requests would need multipart/byteranges; RFC 9110 14.2 lets
 * a server ignore Range altogether, so anything but one range is ignored.
 * Numbers saturate at U64_MAX instead of wrapping, which keeps the result
 * correct for any file size: a huge first-pos is past the end (416), a huge
 * last-pos or suffix-length means "to the end" / "the whole file".
 */
#include "ksrv_plain.h"
#include "ksrv_http_ascii.h"
#include "ksrv_http_range.h"

/* Parse 1*DIGIT at *pos with saturation; false if there is no digit. */
static bool get_u64(const char *s, size_t len, size_t *pos, u64 *val)
{
	size_t i = *pos;
	u64 v = 0;
	unsigned int d;

	if (i >= len || !ksrv_http_is_digit((u8)s[i]))
		return false;
	for (; i < len && ksrv_http_is_digit((u8)s[i]); i++) {
		d = (u8)s[i] - '0';
		/* Constant bounds only: no 64-bit division on 32-bit kernels. */
		if (v > U64_MAX / 10 || (v == U64_MAX / 10 && d > U64_MAX % 10))
			v = U64_MAX;
		else
			v = v * 10 + d;
	}
	*pos = i;
	*val = v;
	return true;
}

/* "-N": the last N bytes. */
static enum ksrv_http_range_result suffix_range(u64 n, u64 size, u64 *start, u64 *rlen)
{
	/* A zero suffix-length or an empty file cannot be satisfied. */
	if (!n || !size)
		return KSRV_HTTP_RANGE_UNSATISFIABLE;
	if (n > size)
		n = size;
	*start = size - n;
	*rlen = n;
	return KSRV_HTTP_RANGE_SATISFIABLE;
}

/* "A-B" (has_last) or "A-". */
static enum ksrv_http_range_result span_range(u64 first, bool has_last, u64 last,
					      u64 size, u64 *start, u64 *rlen)
{
	if (has_last && last < first)
		return KSRV_HTTP_RANGE_IGNORE;	/* invalid, RFC 9110 14.1.1 */
	if (first >= size)
		return KSRV_HTTP_RANGE_UNSATISFIABLE;
	if (!has_last || last >= size)
		last = size - 1;
	*start = first;
	*rlen = last - first + 1;
	return KSRV_HTTP_RANGE_SATISFIABLE;
}

/**
 * ksrv_http_range_parse() - evaluate a Range field value against a file
 * @v: field value (e.g. "bytes=0-499"), not NUL-terminated
 * @len: length of @v
 * @size: size of the selected representation in bytes
 * @start: on SATISFIABLE, offset of the first byte to send
 * @rlen: on SATISFIABLE, number of bytes to send (>= 1, start + rlen <= size)
 *
 * Understands one "bytes=first-last", "bytes=first-" or "bytes=-suffix",
 * with the unit compared case-insensitively and optional whitespace around
 * the range.  @start and @rlen are only written on SATISFIABLE.
 *
 * Return: KSRV_HTTP_RANGE_SATISFIABLE, KSRV_HTTP_RANGE_UNSATISFIABLE (416)
 * or KSRV_HTTP_RANGE_IGNORE (serve the whole file with 200).
 */
enum ksrv_http_range_result ksrv_http_range_parse(const char *v, size_t len,
						  u64 size, u64 *start,
						  u64 *rlen)
{
	size_t pos = 0;
	u64 first = 0, last = 0;
	bool has_first, has_last;

	if (len < 6 || !ksrv_http_ieq(v, 6, "bytes="))
		return KSRV_HTTP_RANGE_IGNORE;
	v += 6;
	len -= 6;
	ksrv_http_trim_ows(&v, &len);

	has_first = get_u64(v, len, &pos, &first);
	if (pos >= len || v[pos] != '-')
		return KSRV_HTTP_RANGE_IGNORE;
	pos++;
	has_last = get_u64(v, len, &pos, &last);
	/* Trailing garbage, a second range (",") or a bare "-". */
	if (pos != len || (!has_first && !has_last))
		return KSRV_HTTP_RANGE_IGNORE;
	if (!has_first)
		return suffix_range(last, size, start, rlen);
	return span_range(first, has_last, last, size, start, rlen);
}
