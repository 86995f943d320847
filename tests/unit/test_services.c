// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for ksrv_svcspec_parse() and ksrv_svcspec_strerror().
 *
 * Every input is copied into a heap buffer of exactly its length (no NUL)
 * and the output table is allocated with exactly @max entries, so ASan
 * catches a read past the input or a write past the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksrv_svcspec.h"
#include "tap.h"

struct want {
	const char *proto;
	unsigned short port;
};

struct run {
	char *buf;			/* exact-length copy of the input */
	struct ksrv_service_spec *out;	/* exactly max entries */
	struct ksrv_svcspec_result res;
};

static void run_parse(struct run *r, const char *s, size_t len, unsigned int max)
{
	r->buf = malloc(len ? len : 1);
	r->out = malloc(max ? max * sizeof(*r->out) : 1);
	if (!r->buf || !r->out) {
		perror("malloc");
		exit(2);
	}
	memcpy(r->buf, s, len);
	/* Poison the result so that a field left unset is noticed. */
	memset(&r->res, 0xa5, sizeof(r->res));
	ksrv_svcspec_parse(r->buf, len, r->out, max, &r->res);
}

static void run_free(struct run *r)
{
	free(r->buf);
	free(r->out);
}

static int table_matches(const struct run *r, const struct want *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (strcmp(r->out[i].proto, w[i].proto) || r->out[i].port != w[i].port)
			return 0;
	}
	return 1;
}

/* Expect success with the table @w of @n entries. */
static void ok_lenmax(const char *s, size_t len, unsigned int max,
		      const struct want *w, unsigned int n)
{
	struct run r;

	run_parse(&r, s, len, max);
	CHECK(r.res.err == KSRV_SVC_OK && r.res.n == n && table_matches(&r, w, n),
	      "services: '%s' (max %u) -> ok, %u entries", tap_show(s, len), max, n);
	run_free(&r);
}

static void ok(const char *s, const struct want *w, unsigned int n)
{
	ok_lenmax(s, strlen(s), KSRV_MAX_SERVICES, w, n);
}

static void ok1(const char *s, const char *proto, unsigned short port)
{
	const struct want w = { proto, port };

	ok(s, &w, 1);
}

/*
 * Expect error @err with the offending entry at [bad_off, bad_off + badlen)
 * of the input and @n entries parsed before it.
 */
static void bad_lenmax(const char *s, size_t len, unsigned int max,
		       enum ksrv_svcspec_err err, size_t bad_off, size_t badlen,
		       unsigned int n)
{
	struct run r;

	run_parse(&r, s, len, max);
	CHECK(r.res.err == err && r.res.bad == r.buf + bad_off &&
	      r.res.badlen == badlen && r.res.n == n,
	      "services: '%s' (max %u) -> %s at +%zu len %zu, n %u", tap_show(s, len), max,
	      ksrv_svcspec_strerror(err), bad_off, badlen, n);
	if (r.res.err != err || r.res.bad != r.buf + bad_off || r.res.badlen != badlen ||
	    r.res.n != n)
		printf("#   got err %d (%s) bad +%td len %zu n %u\n", (int)r.res.err,
		       ksrv_svcspec_strerror(r.res.err), r.res.bad - r.buf, r.res.badlen,
		       r.res.n);
	run_free(&r);
}

static void bad(const char *s, enum ksrv_svcspec_err err, size_t bad_off,
		size_t badlen, unsigned int n)
{
	bad_lenmax(s, strlen(s), KSRV_MAX_SERVICES, err, bad_off, badlen, n);
}

/* A single-entry input that is wrong as a whole. */
static void bad1(const char *s, enum ksrv_svcspec_err err)
{
	size_t len = strlen(s);

	if (len && s[len - 1] == '\n')
		len--;
	bad(s, err, 0, len, 0);
}

static void test_valid(void)
{
	static const struct want two[] = { { "echo", 12345 }, { "http", 8081 } };
	static const struct want three[] = {
		{ "echo", 7 }, { "http", 80 }, { "http", 8080 },
	};

	ok1("echo:12345", "echo", 12345);
	ok("echo:12345,http:8081", two, 2);
	ok1("a:1", "a", 1);
	ok1("echo:1", "echo", 1);
	ok1("echo:65535", "echo", 65535);
	ok1("http2:443", "http2", 443);
	ok1("9p:564", "9p", 564);
	ok1("_:9", "_", 9);
	ok1("my_proto_1:4242", "my_proto_1", 4242);
	ok1("0123456789:1", "0123456789", 1);
	/* 15 characters, KSRV_PROTO_NAME_MAX, is the longest name allowed. */
	ok1("abcdefghijklmno:80", "abcdefghijklmno", 80);
	/* The same protocol on two ports is allowed; only ports must differ. */
	ok("echo:7,http:80,http:8080", three, 3);
	/* Up to five digits, leading zeros included (current behaviour). */
	ok1("echo:00080", "echo", 80);
	ok1("echo:00001", "echo", 1);
}

static void test_newline(void)
{
	static const struct want two[] = { { "echo", 1 }, { "http", 2 } };

	ok1("echo:12345\n", "echo", 12345);
	ok("echo:1,http:2\n", two, 2);
	/* Only one trailing newline is ignored, and only a newline. */
	bad("echo:1\n\n", KSRV_SVC_PORT, 0, 7, 0);
	bad("echo:1\r\n", KSRV_SVC_PORT, 0, 7, 0);
	bad("\necho:1", KSRV_SVC_NAME, 0, 7, 0);
	bad("echo:1\n,http:2", KSRV_SVC_PORT, 0, 7, 0);
	bad("echo:1,\n", KSRV_SVC_EMPTY, 7, 0, 1);
}

static void test_empty(void)
{
	bad("", KSRV_SVC_EMPTY, 0, 0, 0);
	bad("\n", KSRV_SVC_EMPTY, 0, 0, 0);
	bad(",", KSRV_SVC_EMPTY, 0, 0, 0);
	bad(",,", KSRV_SVC_EMPTY, 0, 0, 0);
	bad("echo:1,", KSRV_SVC_EMPTY, 7, 0, 1);
	bad(",echo:1", KSRV_SVC_EMPTY, 0, 0, 0);
	bad("echo:1,,echo:2", KSRV_SVC_EMPTY, 7, 0, 1);
	bad("echo:1,http:2,", KSRV_SVC_EMPTY, 14, 0, 2);
	/* len 0 with a non-empty buffer behind it. */
	bad_lenmax("echo:1", 0, KSRV_MAX_SERVICES, KSRV_SVC_EMPTY, 0, 0, 0);
}

static void test_syntax(void)
{
	bad1("echo", KSRV_SVC_SYNTAX);
	bad1("echo\n", KSRV_SVC_SYNTAX);
	bad1("80", KSRV_SVC_SYNTAX);
	bad1(" ", KSRV_SVC_SYNTAX);
	bad1("echo=80", KSRV_SVC_SYNTAX);
	bad("echo:1,http", KSRV_SVC_SYNTAX, 7, 4, 1);
	bad("echo:1,http:2,x", KSRV_SVC_SYNTAX, 14, 1, 2);
}

static void test_name(void)
{
	bad1(":80", KSRV_SVC_NAME);
	bad1(":", KSRV_SVC_NAME);
	bad1("::", KSRV_SVC_NAME);
	/* 16 characters: one more than KSRV_PROTO_NAME_MAX. */
	bad1("abcdefghijklmnop:80", KSRV_SVC_NAME);
	bad1("abcdefghijklmnopqrstuvwxyz:80", KSRV_SVC_NAME);
	bad1("Echo:1", KSRV_SVC_NAME);
	bad1("ECHO:1", KSRV_SVC_NAME);
	bad1("echO:1", KSRV_SVC_NAME);
	bad1("ec-ho:1", KSRV_SVC_NAME);
	bad1("ec.ho:1", KSRV_SVC_NAME);
	bad1("ec ho:1", KSRV_SVC_NAME);
	bad1(" echo:1", KSRV_SVC_NAME);
	bad1("echo :1", KSRV_SVC_NAME);
	bad1("\techo:1", KSRV_SVC_NAME);
	bad1("\xc3\xa9" "cho:1", KSRV_SVC_NAME);
	bad("echo:1, http:2", KSRV_SVC_NAME, 7, 7, 1);
	bad("echo:1,HTTP:2", KSRV_SVC_NAME, 7, 6, 1);
	/* The name is checked before the port. */
	bad1("Echo:0", KSRV_SVC_NAME);
	/* An embedded NUL is just a bad character. */
	bad_lenmax("ec\0ho:1", 7, KSRV_MAX_SERVICES, KSRV_SVC_NAME, 0, 7, 0);
}

static void test_port(void)
{
	bad1("echo:", KSRV_SVC_PORT);
	bad1("echo:0", KSRV_SVC_PORT);
	bad1("echo:00000", KSRV_SVC_PORT);
	bad1("echo:65536", KSRV_SVC_PORT);
	bad1("echo:99999", KSRV_SVC_PORT);
	bad1("echo:100000", KSRV_SVC_PORT);
	bad1("echo:000080", KSRV_SVC_PORT);
	bad1("echo:99999999999", KSRV_SVC_PORT);
	bad1("echo:18446744073709551617", KSRV_SVC_PORT);
	bad1("echo:-1", KSRV_SVC_PORT);
	bad1("echo:+1", KSRV_SVC_PORT);
	bad1("echo: 1", KSRV_SVC_PORT);
	bad1("echo:1 ", KSRV_SVC_PORT);
	bad1("echo:1a", KSRV_SVC_PORT);
	bad1("echo:a1", KSRV_SVC_PORT);
	bad1("echo:0x10", KSRV_SVC_PORT);
	bad1("echo:1:2", KSRV_SVC_PORT);
	bad1("echo::1", KSRV_SVC_PORT);
	bad1("echo:1.0", KSRV_SVC_PORT);
	bad("echo:1,http:0", KSRV_SVC_PORT, 7, 6, 1);
	bad("echo:1,http:8081,x:65536", KSRV_SVC_PORT, 17, 7, 2);
	bad_lenmax("echo:1\0", 7, KSRV_MAX_SERVICES, KSRV_SVC_PORT, 0, 7, 0);
}

static void test_dup(void)
{
	bad("echo:1,http:1", KSRV_SVC_DUP, 7, 6, 1);
	bad("echo:1,echo:1", KSRV_SVC_DUP, 7, 6, 1);
	bad("a:5,b:6,c:5", KSRV_SVC_DUP, 8, 3, 2);
	bad("a:5,b:6,c:6", KSRV_SVC_DUP, 8, 3, 2);
	/* Same number, different spelling. */
	bad("a:80,b:00080", KSRV_SVC_DUP, 5, 7, 1);
}

/* "p0:1,p1:2,..." with @n entries, written into @buf. */
static size_t make_list(char *buf, size_t size, unsigned int n)
{
	size_t o = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, size - o, "%sp%u:%u", i ? "," : "", i, 1000 + i);
	return o;
}

static void test_too_many(void)
{
	struct want w[KSRV_MAX_SERVICES];
	char names[KSRV_MAX_SERVICES][8];
	char buf[512], extra[512];
	size_t len, last;
	unsigned int i;

	for (i = 0; i < KSRV_MAX_SERVICES; i++) {
		snprintf(names[i], sizeof(names[i]), "p%u", i);
		w[i].proto = names[i];
		w[i].port = (unsigned short)(1000 + i);
	}
	len = make_list(buf, sizeof(buf), KSRV_MAX_SERVICES);
	ok_lenmax(buf, len, KSRV_MAX_SERVICES, w, KSRV_MAX_SERVICES);

	/* One more: the error names the first entry that does not fit. */
	len = make_list(buf, sizeof(buf), KSRV_MAX_SERVICES + 1);
	last = strrchr(buf, ',') - buf + 1;
	bad_lenmax(buf, len, KSRV_MAX_SERVICES, KSRV_SVC_TOO_MANY, last, len - last,
		   KSRV_MAX_SERVICES);
	/* Too many wins over what is wrong with the surplus entry itself. */
	len = make_list(extra, sizeof(extra), KSRV_MAX_SERVICES);
	len += (size_t)snprintf(extra + len, sizeof(extra) - len, ",BAD");
	bad_lenmax(extra, len, KSRV_MAX_SERVICES, KSRV_SVC_TOO_MANY, len - 3, 3,
		   KSRV_MAX_SERVICES);
	len = make_list(extra, sizeof(extra), KSRV_MAX_SERVICES);
	len += (size_t)snprintf(extra + len, sizeof(extra) - len, ",");
	bad_lenmax(extra, len, KSRV_MAX_SERVICES, KSRV_SVC_TOO_MANY, len, 0,
		   KSRV_MAX_SERVICES);

	/* Small caller tables. */
	ok_lenmax("a:1", 3, 1, &(const struct want){ "a", 1 }, 1);
	bad_lenmax("a:1,b:2", 7, 1, KSRV_SVC_TOO_MANY, 4, 3, 1);
	bad_lenmax("a:1", 3, 0, KSRV_SVC_TOO_MANY, 0, 3, 0);
	bad_lenmax("", 0, 0, KSRV_SVC_EMPTY, 0, 0, 0);
	bad_lenmax("a:1,b:2,c:3", 11, 2, KSRV_SVC_TOO_MANY, 8, 3, 2);
}

static void test_len(void)
{
	/* Only @len bytes count, even if more follow in memory. */
	ok_lenmax("echo:12345", 7, KSRV_MAX_SERVICES,
		  &(const struct want){ "echo", 12 }, 1);
	ok_lenmax("echo:1,http:2", 6, KSRV_MAX_SERVICES,
		  &(const struct want){ "echo", 1 }, 1);
	bad_lenmax("echo:1,http:2", 7, KSRV_MAX_SERVICES, KSRV_SVC_EMPTY, 7, 0, 1);
	bad_lenmax("echo:1", 4, KSRV_MAX_SERVICES, KSRV_SVC_SYNTAX, 0, 4, 0);
}

static void test_strerror(void)
{
	static const enum ksrv_svcspec_err all[] = {
		KSRV_SVC_OK, KSRV_SVC_EMPTY, KSRV_SVC_SYNTAX, KSRV_SVC_NAME,
		KSRV_SVC_PORT, KSRV_SVC_DUP, KSRV_SVC_TOO_MANY,
	};
	const char *msg[ARRAY_SIZE(all)];
	size_t i, j;
	int distinct = 1;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		msg[i] = ksrv_svcspec_strerror(all[i]);
		CHECK(msg[i] && msg[i][0], "services: strerror(%d) = '%s'", (int)all[i],
		      msg[i] ? msg[i] : "(null)");
	}
	for (i = 0; i < ARRAY_SIZE(all); i++)
		for (j = 0; j < i; j++)
			if (msg[i] && msg[j] && !strcmp(msg[i], msg[j]))
				distinct = 0;
	CHECK(distinct, "services: strerror messages are distinct");
	msg[0] = ksrv_svcspec_strerror((enum ksrv_svcspec_err)99);
	CHECK(msg[0] && msg[0][0], "services: strerror(99) = '%s'",
	      msg[0] ? msg[0] : "(null)");
}

int main(void)
{
	test_valid();
	test_newline();
	test_empty();
	test_syntax();
	test_name();
	test_port();
	test_dup();
	test_too_many();
	test_len();
	test_strerror();
	return tap_done();
}
