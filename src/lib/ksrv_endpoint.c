// SPDX-License-Identifier: GPL-2.0
/*
 * Splitting "LOCAL REMOTE" endpoint pairs, e.g.
 * "127.0.0.1:12345 127.0.0.1:40000" or "[::1]:8081 [::1]:51234".
 */
#include "ksrv_endpoint.h"
#include "ksrv_port.h"

#define ADDR_MAX	45	/* longest textual IPv6 address (with IPv4 tail) */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* One token: the port follows the last ':', or the ']' of a bracket. */
static int split_one(const char *s, size_t len, struct ksrv_endpoint_text *e)
{
	size_t colon = len;

	while (colon > 0 && s[colon - 1] != ':')
		colon--;
	if (colon < 2)
		return -1;
	if (ksrv_port_parse(s + colon, len - colon, &e->port))
		return -1;
	e->v6 = s[0] == '[';
	if (e->v6) {
		if (colon < 4 || s[colon - 2] != ']')
			return -1;
		e->addr = s + 1;
		e->addr_len = colon - 3;
	} else {
		e->addr = s;
		e->addr_len = colon - 1;
		/* An unbracketed IPv6 address would be ambiguous. */
		if (memchr(e->addr, ':', e->addr_len))
			return -1;
	}
	return e->addr_len && e->addr_len <= ADDR_MAX ? 0 : -1;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && is_space(s[i]))
		i++;
	return i;
}

static size_t token_end(const char *s, size_t len, size_t i)
{
	while (i < len && !is_space(s[i]))
		i++;
	return i;
}

/**
 * ksrv_endpoint_split() - split "A B" into two endpoints
 * @s: input, need not be NUL-terminated
 * @len: its length
 * @a: first endpoint
 * @b: second endpoint
 *
 * Surrounding white space (and a trailing newline) is ignored; anything
 * else than exactly two well-formed tokens is an error.
 *
 * Return: 0, or -1 for malformed input.
 */
int ksrv_endpoint_split(const char *s, size_t len,
			struct ksrv_endpoint_text *a,
			struct ksrv_endpoint_text *b)
{
	size_t i, j;

	i = skip_space(s, len, 0);
	j = token_end(s, len, i);
	if (split_one(s + i, j - i, a))
		return -1;
	i = skip_space(s, len, j);
	j = token_end(s, len, i);
	if (split_one(s + i, j - i, b))
		return -1;
	if (skip_space(s, len, j) != len || a->v6 != b->v6)
		return -1;
	return 0;
}
