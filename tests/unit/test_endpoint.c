// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for ksrv_endpoint_split(), the "ADDR:PORT ADDR:PORT" splitter
 * behind /proc/ksrv/drop.  Inputs are copied into exact-length heap buffers
 * (no NUL) so that ASan catches any read past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksrv_endpoint.h"
#include "tap.h"

struct run {
	char *buf;
	struct ksrv_endpoint_text a, b;
	int ret;
};

static void run_split(struct run *r, const char *s, size_t len)
{
	r->buf = malloc(len ? len : 1);
	if (!r->buf) {
		perror("malloc");
		exit(2);
	}
	memcpy(r->buf, s, len);
	memset(&r->a, 0, sizeof(r->a));
	memset(&r->b, 0, sizeof(r->b));
	r->ret = ksrv_endpoint_split(r->buf, len, &r->a, &r->b);
}

/* The address must be the text @want, found inside the input buffer. */
static int addr_is(const struct run *r, size_t len, const struct ksrv_endpoint_text *e,
		   const char *want)
{
	size_t wl = strlen(want);

	return e->addr >= r->buf && e->addr_len == wl && e->addr + wl <= r->buf + len &&
	       !memcmp(e->addr, want, wl);
}

static void ok_len(const char *s, size_t len, const char *aa, unsigned short ap,
		   const char *ba, unsigned short bp, bool v6)
{
	struct run r;

	run_split(&r, s, len);
	CHECK(r.ret == 0 && addr_is(&r, len, &r.a, aa) && r.a.port == ap && r.a.v6 == v6 &&
	      addr_is(&r, len, &r.b, ba) && r.b.port == bp && r.b.v6 == v6,
	      "endpoint: '%s' -> %s port %u, %s port %u%s", tap_show(s, len), aa, ap, ba, bp,
	      v6 ? " (v6)" : "");
	free(r.buf);
}

static void ok(const char *s, const char *aa, unsigned short ap, const char *ba,
	       unsigned short bp, bool v6)
{
	ok_len(s, strlen(s), aa, ap, ba, bp, v6);
}

static void bad_len(const char *s, size_t len, const char *why)
{
	struct run r;

	run_split(&r, s, len);
	CHECK(r.ret == -1, "endpoint: '%s' -> error (%s)", tap_show(s, len), why);
	free(r.buf);
}

static void bad(const char *s, const char *why)
{
	bad_len(s, strlen(s), why);
}

static void test_valid(void)
{
	ok("127.0.0.1:80 10.0.0.1:9", "127.0.0.1", 80, "10.0.0.1", 9, false);
	ok("127.0.0.1:12345 127.0.0.1:40000", "127.0.0.1", 12345, "127.0.0.1", 40000, false);
	ok("1.2.3.4:1 5.6.7.8:65535", "1.2.3.4", 1, "5.6.7.8", 65535, false);
	ok("[::1]:80 [fe80::1]:9", "::1", 80, "fe80::1", 9, true);
	ok("[::1]:8081 [::1]:51234", "::1", 8081, "::1", 51234, true);
	ok("[::ffff:127.0.0.1]:1 [2001:db8::2]:2", "::ffff:127.0.0.1", 1, "2001:db8::2", 2,
	   true);
	/* Identical endpoints are a syntax matter only: accepted here. */
	ok("[::1]:80 [::1]:80", "::1", 80, "::1", 80, true);
	/* Leading zeros within five digits (current behaviour). */
	ok("1.2.3.4:00080 1.2.3.4:00001", "1.2.3.4", 80, "1.2.3.4", 1, false);
	/* The splitter does not judge the address text; in4/in6_pton do. */
	ok("x:1 y:2", "x", 1, "y", 2, false);
	ok("[x]:1 [y]:2", "x", 1, "y", 2, true);
}

static void test_space(void)
{
	ok("127.0.0.1:80 10.0.0.1:9\n", "127.0.0.1", 80, "10.0.0.1", 9, false);
	ok("  127.0.0.1:80 10.0.0.1:9  \n", "127.0.0.1", 80, "10.0.0.1", 9, false);
	ok("\n\t 127.0.0.1:80 10.0.0.1:9", "127.0.0.1", 80, "10.0.0.1", 9, false);
	ok("127.0.0.1:80\t10.0.0.1:9", "127.0.0.1", 80, "10.0.0.1", 9, false);
	ok("127.0.0.1:80\t\t \t10.0.0.1:9\t", "127.0.0.1", 80, "10.0.0.1", 9, false);
	ok("[::1]:80\n[::1]:9\n", "::1", 80, "::1", 9, true);
	/* Only space, tab and newline separate; CR is part of a token. */
	bad("127.0.0.1:80 10.0.0.1:9\r\n", "CR after the port");
	bad("127.0.0.1:80\r10.0.0.1:9", "CR as separator");
	bad("127.0.0.1:80\v10.0.0.1:9", "VT as separator");
}

static void test_count(void)
{
	bad("", "empty");
	bad(" ", "blank");
	bad("\n", "newline only");
	bad(" \t\n ", "white space only");
	bad("127.0.0.1:80", "one endpoint");
	bad("127.0.0.1:80 ", "one endpoint, trailing blank");
	bad("127.0.0.1:80\n", "one endpoint, newline");
	bad("[::1]:80", "one v6 endpoint");
	bad("127.0.0.1:80 10.0.0.1:9 10.0.0.2:7", "three endpoints");
	bad("[::1]:80 [::1]:9 [::1]:7", "three v6 endpoints");
	bad("127.0.0.1:80 10.0.0.1:9 x", "trailing garbage");
	bad("127.0.0.1:8010.0.0.1:9", "no separator");
}

static void test_family(void)
{
	bad("127.0.0.1:80 [::1]:9", "v4 then v6");
	bad("[::1]:80 127.0.0.1:9", "v6 then v4");
	bad("::1:80 ::1:9", "unbracketed v6");
	bad("::1:80 127.0.0.1:9", "unbracketed v6 first");
	bad("127.0.0.1:80 fe80::1:9", "unbracketed v6 second");
	bad("1.2.3.4::80 1.2.3.4:9", "double colon in v4");
}

static void test_brackets(void)
{
	bad("[::1]80 [::1]:9", "no colon after ]");
	bad("[::1]:80 [::1]9", "no colon after ], second");
	bad("[::1:80 [::1]:9", "missing ]");
	bad("[::1]:80 [::1:9", "missing ], second");
	bad("[]:80 [::1]:9", "empty brackets");
	bad("[::1]:80 []:9", "empty brackets, second");
	bad("[:80 [::1]:9", "lone [");
	bad("::1]:80 ::1]:9", "missing [");
	bad("[::1] :80 [::1]:9", "blank before port");
}

static void test_port(void)
{
	bad("1.2.3.4:0 1.2.3.4:9", "port 0");
	bad("1.2.3.4:9 1.2.3.4:0", "port 0, second");
	bad("1.2.3.4:65536 1.2.3.4:9", "port 65536");
	bad("1.2.3.4:9 1.2.3.4:65536", "port 65536, second");
	bad("1.2.3.4:99999999999 1.2.3.4:9", "huge port");
	bad("1.2.3.4:000080 1.2.3.4:9", "six digits");
	bad("1.2.3.4: 1.2.3.4:9", "empty port");
	bad("1.2.3.4:9 1.2.3.4:", "empty port, second");
	bad("[::1]: [::1]:9", "empty v6 port");
	bad("1.2.3.4:8a 1.2.3.4:9", "non-digit port");
	bad("1.2.3.4:9 1.2.3.4:a8", "non-digit port, second");
	bad("1.2.3.4:-1 1.2.3.4:9", "negative port");
	bad("1.2.3.4:+1 1.2.3.4:9", "plus sign");
	bad("1.2.3.4:0x50 1.2.3.4:9", "hex port");
	bad("1.2.3.4 1.2.3.4", "no ports");
	bad(":80 1.2.3.4:9", "empty address");
	bad("1.2.3.4:9 :80", "empty address, second");
}

/* "[aaaa...]:1 [::1]:2" with an address of @n characters. */
static void long_addr(size_t n, bool v6, bool want_ok)
{
	char buf[256], addr[128];
	size_t i;

	for (i = 0; i < n; i++)
		addr[i] = v6 ? (i % 5 == 4 ? ':' : 'f') : (i % 4 == 3 ? '.' : '1');
	addr[n] = '\0';
	if (v6)
		snprintf(buf, sizeof(buf), "[%s]:1 [::1]:2", addr);
	else
		snprintf(buf, sizeof(buf), "1.2.3.4:1 %s:2", addr);
	if (want_ok)
		ok(buf, v6 ? addr : "1.2.3.4", 1, v6 ? "::1" : addr, 2, v6);
	else
		bad(buf, n > 45 ? "address longer than 45" : "?");
}

static void test_long(void)
{
	/* The longest real form: 45 characters. */
	ok("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:1 [::1]:2",
	   "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 1, "::1", 2, true);
	long_addr(45, true, true);
	long_addr(46, true, false);
	long_addr(100, true, false);
	long_addr(45, false, true);
	long_addr(46, false, false);
	long_addr(120, false, false);
}

static void test_len(void)
{
	/* Only @len bytes count. */
	ok_len("1.2.3.4:80 5.6.7.8:90", 20, "1.2.3.4", 80, "5.6.7.8", 9, false);
	bad_len("1.2.3.4:80 5.6.7.8:90", 10, "cut before second");
	bad_len("1.2.3.4:80 5.6.7.8:90", 18, "cut at colon");
	bad_len("1.2.3.4:80 5.6.7.8:90", 0, "length 0");
	bad_len("1.2.3.4:80\0005.6.7.8:90", 21, "NUL as separator");
}

int main(void)
{
	test_valid();
	test_space();
	test_count();
	test_family();
	test_brackets();
	test_port();
	test_long();
	test_len();
	return tap_done();
}
