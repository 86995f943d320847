/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_range.h - single byte-range requests (RFC 9110 14.1-14.2).
 */
#ifndef _KSRV_HTTP_RANGE_H
#define _KSRV_HTTP_RANGE_H

#include "ksrv_plain.h"

enum ksrv_http_range_result {
	/* Malformed, unknown unit or several ranges: send the full 200. */
	KSRV_HTTP_RANGE_IGNORE = 0,
	/* Send 206 with bytes start..start+len-1 of the file. */
	KSRV_HTTP_RANGE_SATISFIABLE = 206,
	/* Send 416 with "Content-Range: bytes * /size". */
	KSRV_HTTP_RANGE_UNSATISFIABLE = 416,
};

enum ksrv_http_range_result ksrv_http_range_parse(const char *v, size_t len,
						  u64 size, u64 *start,
						  u64 *rlen);

#endif /* _KSRV_HTTP_RANGE_H */
