// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for ksrv_endpoint_split().  The input is the text
 * written to /proc/ksrv/drop, in an exact-size heap block for ASan.
 *
 * On success both endpoints must be read back from the input: the address
 * lies inside it, is 1..45 bytes, is followed by ":PORT" (or "]:PORT" after
 * a '['), and only white space surrounds the two tokens.  In addition a
 * small model of the grammar, written independently, must agree with the
 * parser on accept/reject.
 */

#include <stdbool.h>

#include "ksrv_endpoint.h"
#include "fuzz_common.h"

#define ADDR_MAX	45

static bool sp(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Check one split endpoint against the text; return where its token ends. */
static const char *check_one(const char *s, size_t len, const struct ksrv_endpoint_text *e)
{
	const char *end = s + len, *p, *tok;
	size_t i;

	FUZZ_ASSERT(e->addr_len >= 1 && e->addr_len <= ADDR_MAX);
	FUZZ_ASSERT(e->port >= 1);
	FUZZ_ASSERT(e->addr >= s && e->addr <= end && e->addr_len <= (size_t)(end - e->addr));
	for (i = 0; i < e->addr_len; i++)
		FUZZ_ASSERT(!sp(e->addr[i]));
	p = e->addr + e->addr_len;
	if (e->v6) {
		FUZZ_ASSERT(e->addr > s && e->addr[-1] == '[');
		tok = e->addr - 1;
		FUZZ_ASSERT(p < end && *p == ']');
		p++;
	} else {
		tok = e->addr;
		FUZZ_ASSERT(!memchr(e->addr, ':', e->addr_len));
	}
	FUZZ_ASSERT(tok == s || sp(tok[-1]));
	FUZZ_ASSERT(p < end && *p == ':');
	p++;
	for (i = 0; p + i < end && !sp(p[i]); i++)
		;
	FUZZ_ASSERT(fuzz_port_model(p, i) == e->port);
	return p + i;
}

/* The grammar once more, in a different shape: 1 if @tok is an endpoint. */
static int model_token(const char *tok, size_t n, bool *v6)
{
	const char *colon = NULL;
	size_t i, alen;

	for (i = 0; i < n; i++)
		if (tok[i] == ':')
			colon = tok + i;
	if (!colon || fuzz_port_model(colon + 1, (size_t)(tok + n - colon - 1)) < 0)
		return 0;
	alen = (size_t)(colon - tok);
	*v6 = n && tok[0] == '[';
	if (*v6) {
		if (alen < 3 || tok[alen - 1] != ']')
			return 0;
		alen -= 2;
	} else if (memchr(tok, ':', alen)) {
		return 0;
	}
	return alen >= 1 && alen <= ADDR_MAX;
}

static int model(const char *s, size_t len)
{
	const char *tok[3];
	size_t tlen[3], i = 0;
	unsigned int nt = 0;
	bool v6a, v6b;

	while (i < len) {
		if (sp(s[i])) {
			i++;
			continue;
		}
		if (nt == 3)
			return 0;
		tok[nt] = s + i;
		while (i < len && !sp(s[i]))
			i++;
		tlen[nt] = (size_t)(s + i - tok[nt]);
		nt++;
	}
	if (nt != 2)
		return 0;
	return model_token(tok[0], tlen[0], &v6a) && model_token(tok[1], tlen[1], &v6b) &&
	       v6a == v6b;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct ksrv_endpoint_text a, b;
	const char *end, *p;
	char *s = fuzz_copy(data, size);
	int ret;

	if (!s)
		return 0;
	ret = ksrv_endpoint_split(s, size, &a, &b);
	FUZZ_ASSERT(ret == 0 || ret == -1);
	FUZZ_ASSERT((ret == 0) == model(s, size));
	if (ret == 0) {
		FUZZ_ASSERT(a.v6 == b.v6);
		FUZZ_ASSERT(a.addr < b.addr);
		end = check_one(s, size, &a);
		/* Only white space before, between (at least one) and after. */
		for (p = s; p < a.addr - a.v6; p++)
			FUZZ_ASSERT(sp(*p));
		FUZZ_ASSERT(end < b.addr - b.v6);
		for (p = end; p < b.addr - b.v6; p++)
			FUZZ_ASSERT(sp(*p));
		end = check_one(s, size, &b);
		for (p = end; p < s + size; p++)
			FUZZ_ASSERT(sp(*p));
	}
	free(s);
	return 0;
}
