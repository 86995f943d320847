// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for ksrv_svcspec_parse().  The whole input is the
 * services= text, so the seed corpus stays readable.  It is parsed once
 * with a roomy table, checked against the grammar, then again with a small
 * table (size derived from the input length) whose outcome follows from the
 * first one.  A small model of the grammar, written from the header's
 * description, must agree on the verdict, the count and the bad entry.
 * Input and tables are exact-size heap blocks for ASan.
 */

#include <stdbool.h>

#include "ksrv_svcspec.h"
#include "fuzz_common.h"

#define BIG_MAX	64

static bool name_ok(const char *p)
{
	size_t i, n = strnlen(p, KSRV_PROTO_NAME_MAX + 1);

	if (n == 0 || n > KSRV_PROTO_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') ||
		      p[i] == '_'))
			return false;
	return true;
}

/* Entry @i's text must read back as "proto:port" (decimal, maybe 0-padded). */
static void check_entry_text(const char *e, size_t elen, const struct ksrv_service_spec *sp)
{
	size_t nl = strlen(sp->proto), k;
	unsigned long v = 0;

	FUZZ_ASSERT(elen > nl + 1 && !memcmp(e, sp->proto, nl) && e[nl] == ':');
	FUZZ_ASSERT(elen - nl - 1 <= 5);
	for (k = nl + 1; k < elen; k++) {
		FUZZ_ASSERT(e[k] >= '0' && e[k] <= '9');
		v = v * 10 + (unsigned long)(e[k] - '0');
	}
	FUZZ_ASSERT(v == sp->port);
}

static void check_ok(const char *s, size_t len, const struct ksrv_service_spec *out,
		     unsigned int max, const struct ksrv_svcspec_result *res)
{
	const char *p = s, *end;
	unsigned int i, j;

	if (len && s[len - 1] == '\n')
		len--;
	FUZZ_ASSERT(res->n >= 1 && res->n <= max);
	for (i = 0; i < res->n; i++) {
		FUZZ_ASSERT(name_ok(out[i].proto));
		FUZZ_ASSERT(out[i].port >= 1);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(out[i].port != out[j].port);
		/* The i-th comma-separated entry is exactly this one. */
		FUZZ_ASSERT(p <= s + len);
		end = memchr(p, ',', (size_t)(s + len - p));
		FUZZ_ASSERT((end != NULL) == (i + 1 < res->n));
		check_entry_text(p, end ? (size_t)(end - p) : (size_t)(s + len - p), &out[i]);
		if (end)
			p = end + 1;
	}
}

static void check_err(const char *s, size_t len, unsigned int max,
		      const struct ksrv_svcspec_result *res)
{
	const char *p = s;
	unsigned int commas = 0;

	FUZZ_ASSERT(res->err > KSRV_SVC_OK && res->err <= KSRV_SVC_TOO_MANY);
	FUZZ_ASSERT(res->n <= max);
	FUZZ_ASSERT(res->bad >= s && res->bad <= s + len);
	FUZZ_ASSERT(res->badlen <= (size_t)(s + len - res->bad));
	/* bad is one whole entry: starts the input or follows a comma ... */
	FUZZ_ASSERT(res->bad == s || res->bad[-1] == ',');
	FUZZ_ASSERT(!memchr(res->bad, ',', res->badlen));
	/* ... and res->n entries came before it. */
	for (; p < res->bad; p++)
		commas += *p == ',';
	FUZZ_ASSERT(commas == res->n);
	if (res->err == KSRV_SVC_TOO_MANY)
		FUZZ_ASSERT(res->n == max);
	if (res->err == KSRV_SVC_EMPTY)
		FUZZ_ASSERT(res->badlen == 0);
	if (res->err == KSRV_SVC_SYNTAX)
		FUZZ_ASSERT(!memchr(res->bad, ':', res->badlen));
}

/* Classify one entry as the header documents it; *port set on success. */
static enum ksrv_svcspec_err model_entry(const char *e, size_t n, long *port)
{
	const char *colon = memchr(e, ':', n);
	size_t nl, i;

	if (n == 0)
		return KSRV_SVC_EMPTY;
	if (!colon)
		return KSRV_SVC_SYNTAX;
	nl = (size_t)(colon - e);
	if (nl < 1 || nl > KSRV_PROTO_NAME_MAX)
		return KSRV_SVC_NAME;
	for (i = 0; i < nl; i++)
		if (!((e[i] >= 'a' && e[i] <= 'z') || (e[i] >= '0' && e[i] <= '9') ||
		      e[i] == '_'))
			return KSRV_SVC_NAME;
	*port = fuzz_port_model(colon + 1, n - nl - 1);
	return *port < 0 ? KSRV_SVC_PORT : KSRV_SVC_OK;
}

/*
 * An independent walk over the list: the parser's verdict, count and
 * offending entry must match it exactly.
 */
static void check_model(const char *s, size_t len, unsigned int max,
			const struct ksrv_svcspec_result *res)
{
	long ports[BIG_MAX + 1], port = 0;
	enum ksrv_svcspec_err err = KSRV_SVC_OK;
	const char *e = s, *end;
	unsigned int n = 0, j;
	size_t elen = 0;

	if (len && s[len - 1] == '\n')
		len--;
	if (len == 0)
		err = KSRV_SVC_EMPTY;
	while (!err) {
		end = memchr(e, ',', (size_t)(s + len - e));
		elen = end ? (size_t)(end - e) : (size_t)(s + len - e);
		if (n == max) {
			err = KSRV_SVC_TOO_MANY;
			break;
		}
		err = model_entry(e, elen, &port);
		for (j = 0; !err && j < n; j++)
			if (ports[j] == port)
				err = KSRV_SVC_DUP;
		if (err)
			break;
		ports[n++] = port;
		if (!end)
			break;
		e = end + 1;
	}
	FUZZ_ASSERT(res->err == err && res->n == n);
	if (err)
		FUZZ_ASSERT(res->bad == e && res->badlen == elen);
}

static void parse(const char *s, size_t len, unsigned int max,
		  struct ksrv_service_spec **out, struct ksrv_svcspec_result *res)
{
	const char *msg;

	*out = malloc(max ? max * sizeof(**out) : 1);
	if (!*out)
		abort();
	ksrv_svcspec_parse(s, len, *out, max, res);
	msg = ksrv_svcspec_strerror(res->err);
	FUZZ_ASSERT(msg && msg[0]);
	check_model(s, len, max, res);
	if (res->err == KSRV_SVC_OK)
		check_ok(s, len, *out, max, res);
	else
		check_err(s, len, max, res);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct ksrv_service_spec *big, *small;
	struct ksrv_svcspec_result rb, rs;
	unsigned int m = (unsigned int)(size % (KSRV_MAX_SERVICES + 1)), i;
	char *s = fuzz_copy(data, size);

	if (!s)
		return 0;
	parse(s, size, BIG_MAX, &big, &rb);
	parse(s, size, m, &small, &rs);
	/*
	 * A smaller table changes nothing until it is full; from then on the
	 * next entry, whatever it holds, is TOO_MANY.  An empty list is
	 * EMPTY before any entry is looked at, even with no table at all.
	 */
	if (size == 0 || (size == 1 && s[0] == '\n')) {
		FUZZ_ASSERT(rb.err == KSRV_SVC_EMPTY && rs.err == KSRV_SVC_EMPTY &&
			    rb.n == 0 && rs.n == 0 && rb.bad == s && rs.bad == s &&
			    rb.badlen == 0 && rs.badlen == 0);
	} else if (rb.n < m || (rb.n == m && rb.err == KSRV_SVC_OK)) {
		FUZZ_ASSERT(rs.err == rb.err && rs.n == rb.n && rs.bad == rb.bad &&
			    rs.badlen == rb.badlen);
		for (i = 0; rs.err == KSRV_SVC_OK && i < rs.n; i++)
			FUZZ_ASSERT(!strcmp(small[i].proto, big[i].proto) &&
				    small[i].port == big[i].port);
	} else {
		FUZZ_ASSERT(rs.err == KSRV_SVC_TOO_MANY && rs.n == m);
	}
	free(small);
	free(big);
	free(s);
	return 0;
}
