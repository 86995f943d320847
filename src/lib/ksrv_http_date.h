/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_date.h - HTTP dates (RFC 9110 5.6.7) to and from seconds since
 * the Unix epoch (UTC, leap seconds ignored as POSIX time does).
 */
#ifndef _KSRV_HTTP_DATE_H
#define _KSRV_HTTP_DATE_H

#include "ksrv_plain.h"

/* "Sun, 06 Nov 1994 08:49:37 GMT" is always exactly this long. */
#define KSRV_HTTP_DATE_LEN	29
/* Buffer size for ksrv_http_date_format(): the date plus a NUL. */
#define KSRV_HTTP_DATE_BUF	(KSRV_HTTP_DATE_LEN + 1)
/* Largest time that still has a four-digit year: 9999-12-31 23:59:59. */
#define KSRV_HTTP_DATE_MAX	253402300799LL

/*
 * An HTTP-date has a four-digit year and no sign: a time before the epoch
 * or after 9999 has none.
 */
static inline bool ksrv_http_date_in_range(s64 secs)
{
	return secs >= 0 && secs <= KSRV_HTTP_DATE_MAX;
}

bool ksrv_http_date_format(s64 secs, char *out, size_t out_size);
bool ksrv_http_date_parse(const char *s, size_t len, s64 *secs);

#endif /* _KSRV_HTTP_DATE_H */
