/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_ascii.h - locale-free ASCII helpers shared by the HTTP parsers.
 *
 * The C library's <ctype.h> depends on the locale and the kernel's
 * <linux/ctype.h> treats Latin-1 bytes as letters; HTTP grammar is plain
 * ASCII, so both are avoided on purpose.
 */
#ifndef _KSRV_HTTP_ASCII_H
#define _KSRV_HTTP_ASCII_H

#include "ksrv_plain.h"

static inline bool ksrv_http_is_digit(u8 c)
{
	return c >= '0' && c <= '9';
}

static inline bool ksrv_http_is_alpha(u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline u8 ksrv_http_lower(u8 c)
{
	return (c >= 'A' && c <= 'Z') ? (u8)(c + ('a' - 'A')) : c;
}

/* Hex digit value, or -1 for a byte that is not [0-9A-Fa-f]. */
static inline int ksrv_http_hexval(u8 c)
{
	if (ksrv_http_is_digit(c))
		return c - '0';
	c = ksrv_http_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 9110 5.6.2 tchar. */
static inline bool ksrv_http_is_tchar(u8 c)
{
	if (ksrv_http_is_alpha(c) || ksrv_http_is_digit(c))
		return true;
	static const char extra[] = "!#$%&'*+-.^_`|~";

	return c && memchr(extra, c, sizeof(extra) - 1);
}

/* Optional whitespace (RFC 9110 5.6.3). */
static inline bool ksrv_http_is_ows(u8 c)
{
	return c == ' ' || c == '\t';
}

/* Case-insensitive comparison of a counted string with a lower-case literal. */
static inline bool ksrv_http_ieq(const char *s, size_t len, const char *lit)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!lit[i] || ksrv_http_lower((u8)s[i]) != (u8)lit[i])
			return false;
	}
	return lit[len] == '\0';
}

/* Drop optional whitespace from both ends of *s / *len. */
static inline void ksrv_http_trim_ows(const char **s, size_t *len)
{
	while (*len && ksrv_http_is_ows((u8)(*s)[0])) {
		(*s)++;
		(*len)--;
	}
	while (*len && ksrv_http_is_ows((u8)(*s)[*len - 1]))
		(*len)--;
}

#endif /* _KSRV_HTTP_ASCII_H */
