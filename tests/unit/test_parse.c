// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for ksrv_http_parse_head(), ksrv_http_parse_more() and
 * ksrv_http_etag_match().
 *
 * Every request these tests parse is also fed to the resumable parser
 * split at every byte position and one byte at a time, with and without
 * bare_lf, and each verdict is compared with the one-shot parse of the
 * same bytes (split_check.h); so is every request of the fuzz corpus.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "ksrv_http_parse.h"
#include "split_check.h"
#include "tap.h"

static const struct ksrv_http_limits lim = {
	.max_line = 64, .max_head = 512, .max_headers = 8,
};

static const struct ksrv_http_limits lim_lf = {
	.max_line = 64, .max_head = 512, .max_headers = 8, .bare_lf = true,
};

static struct ksrv_http_request r;

/* Split comparisons of every input parsed below. */
static unsigned int split_inputs, split_bad;

static void split_note(const char *s, size_t n)
{
	int bad = split_all(s, n, &lim) + split_all(s, n, &lim_lf);

	split_inputs++;
	if (bad && !split_bad)
		printf("# first split mismatch (%d feedings): %s in %.*s\n", bad,
		       split_why, (int)(n < 60 ? n : 60), s);
	split_bad += bad != 0;
}

static int pn_lim(const char *s, size_t n, const struct ksrv_http_limits *l)
{
	/* A heap copy of exactly n bytes lets ASan catch any over-read. */
	char *b = malloc(n ? n : 1);
	int ret;

	memcpy(b, s, n);
	ret = ksrv_http_parse_head(b, n, l, &r);
	/* Callers only look at the scalar fields after the free. */
	free(b);
	split_note(s, n);
	return ret;
}

static int pn(const char *s, size_t n)
{
	return pn_lim(s, n, &lim);
}

static int p(const char *s)
{
	return pn(s, strlen(s));
}

static int p_lf(const char *s)
{
	return pn_lim(s, strlen(s), &lim_lf);
}

static int p_keep(const char *s)
{
	split_note(s, strlen(s));
	return ksrv_http_parse_head(s, strlen(s), &lim, &r);
}

static int p_keep_lf(const char *s)
{
	split_note(s, strlen(s));
	return ksrv_http_parse_head(s, strlen(s), &lim_lf, &r);
}

static int str_is(struct ksrv_http_str v, const char *want)
{
	return v.len == strlen(want) && (!v.len || !memcmp(v.ptr, want, v.len));
}

#define ST(name, input, status) CHECK(p(input) == (status), "parse: %s -> %d", name, status)

#define H11 "GET / HTTP/1.1\r\nHost: a\r\n"

static void t_basic(void)
{
	const char *g = "GET /x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n";

	CHECK(p_keep(g) == KSRV_HTTP_DONE && r.method == KSRV_HTTP_M_GET &&
	      r.version_minor == 1 && r.keep_alive && r.head_len == strlen(g) &&
	      str_is(r.path, "/x?y=1") && str_is(r.host, "example.com") &&
	      str_is(r.target, "/x?y=1"), "parse: simple GET/1.1 complete");
	CHECK(p_keep("HEAD /a HTTP/1.0\r\n\r\n") == 0 && r.method == KSRV_HTTP_M_HEAD &&
	      r.version_minor == 0 && !r.keep_alive && !r.has_host,
	      "parse: HEAD/1.0 without Host, not persistent");
	CHECK(p_keep("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") == 0 && r.keep_alive,
	      "parse: HTTP/1.0 Connection: keep-alive persists");
	CHECK(p_keep(H11 "Connection: CLOSE\r\n\r\n") == 0 && !r.keep_alive && r.conn_close,
	      "parse: Connection: close (case-insensitive)");
	CHECK(p_keep(H11 "Connection: upgrade , close,x\r\n\r\n") == 0 && !r.keep_alive,
	      "parse: Connection list containing close");
	CHECK(p_keep(H11 "Connection: closed, keep-alive\r\n\r\n") == 0 && r.keep_alive &&
	      !r.conn_close, "parse: Connection token 'closed' is not close");
	CHECK(p_keep(H11 "Connection: close\r\nConnection: keep-alive\r\n\r\n") == 0 &&
	      !r.keep_alive, "parse: close in a second Connection line wins");
	CHECK(p_keep("GET / HTTP/1.1\r\nhOsT:   sp.example  \r\n\r\n") == 0 &&
	      str_is(r.host, "sp.example"), "parse: field name case-insensitive, OWS trimmed");
	CHECK(p_keep_lf("GET / HTTP/1.1\nHost: a\n\n") == 0 && r.head_len == 24,
	      "parse: bare LF accepted as line end with bare_lf");
	CHECK(p_keep_lf("\n\r\nGET / HTTP/1.1\r\nHost: a\n\r\n") == 0 &&
	      r.head_len == 29, "parse: bare_lf: LF and CRLF mixed, leading empty lines");
	CHECK(p_keep("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 0 && r.head_len == 31,
	      "parse: leading empty lines skipped");
	CHECK(p_keep(H11 "X-Empty:\r\nX-Tab: a\tb\r\nX-Obs: \x80\xff\r\n\r\n") == 0,
	      "parse: empty value, HT and obs-text in values");
	CHECK(p_keep("GET / HTTP/1.1\r\nHost:\r\n\r\n") == 0 && r.has_host && !r.host.len,
	      "parse: empty Host value allowed");
	CHECK(p_keep("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n") == 0,
	      "parse: IPv6 literal Host");
	CHECK(p_keep(H11 "Content-Length: 0\r\n\r\n") == 0 && r.has_content_length,
	      "parse: Content-Length: 0 accepted");
}

static void t_incremental(void)
{
	const char *g = "GET /i HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n\r\n";
	size_t i, n = strlen(g);
	int ok = 1;

	for (i = 0; i < n; i++)
		ok &= pn(g, i) == KSRV_HTTP_NEED_MORE;
	CHECK(ok, "parse: every strict prefix is NEED_MORE");
	CHECK(p("GET / HTTP/1.1\r") == KSRV_HTTP_NEED_MORE, "parse: CR at buffer end waits");
	CHECK(p(H11 "\r") == KSRV_HTTP_NEED_MORE, "parse: final CR at buffer end waits");
	CHECK(p("\r") == KSRV_HTTP_NEED_MORE && p("") == KSRV_HTTP_NEED_MORE,
	      "parse: empty and lone-CR buffers wait");
}

static void t_pipeline(void)
{
	const char *two = H11 "\r\nHEAD /b HTTP/1.1\r\nHost: b\r\n\r\nGET";
	size_t h;

	CHECK(p_keep(two) == 0 && r.head_len == strlen(H11) + 2, "parse: pipelined head_len");
	h = r.head_len;
	CHECK(ksrv_http_parse_head(two + h, strlen(two) - h, &lim, &r) == 0 &&
	      r.method == KSRV_HTTP_M_HEAD && str_is(r.path, "/b"),
	      "parse: second pipelined request");
	h += r.head_len;
	CHECK(ksrv_http_parse_head(two + h, strlen(two) - h, &lim, &r) ==
	      KSRV_HTTP_NEED_MORE, "parse: third pipelined request partial");
}

static void t_methods(void)
{
	static const char *const m405[] = {
		"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT",
	};
	char buf[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(m405); i++) {
		snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\nHost: a\r\n\r\n", m405[i]);
		CHECK(p(buf) == 405, "parse: %s -> 405", m405[i]);
	}
	ST("unknown method BREW", "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501);
	ST("lower-case get is unknown", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 501);
	ST("method with '(' ", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("TLS ClientHello early", "\x16\x03\x01\x02", 400);
	ST("OPTIONS * (asterisk-form)", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 405);
	ST("CONNECT authority-form", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 405);
}

static void t_version(void)
{
	ST("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505);
	CHECK(p_keep("GET / HTTP/1.2\r\nHost: a\r\n\r\n") == 0 && r.version_minor == 1 &&
	      r.keep_alive, "parse: HTTP/1.2 served as HTTP/1.1");
	CHECK(p_keep("HEAD / HTTP/1.9\r\nConnection: close\r\n\r\n") == 400,
	      "parse: HTTP/1.9 needs Host like HTTP/1.1");
	CHECK(p_keep("GET / HTTP/1.9\r\nHost: a\r\nConnection: close\r\n\r\n") == 0 &&
	      r.version_minor == 1 && !r.keep_alive, "parse: HTTP/1.9 with Connection: close");
	ST("HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400);
	ST("HTTP/1.", "GET / HTTP/1.\r\nHost: a\r\n\r\n", 400);
	ST("HTTP/1.x", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400);
	ST("HTTP/2.1", "GET / HTTP/2.1\r\nHost: a\r\n\r\n", 505);
	ST("HTTP/9.9", "GET / HTTP/9.9\r\nHost: a\r\n\r\n", 505);
	ST("HTTP/1.5 POST still 405", "POST / HTTP/1.5\r\nHost: a\r\n\r\n", 405);
	ST("HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", 505);
	ST("HTTP/3.0 before 405", "POST / HTTP/3.0\r\n\r\n", 505);
	ST("HTTP/1.1x", "GET / HTTP/1.1x\r\nHost: a\r\n\r\n", 400);
	ST("HTTP/11", "GET / HTTP/11\r\nHost: a\r\n\r\n", 400);
	ST("lower-case http/1.1", "GET / http/1.1\r\nHost: a\r\n\r\n", 400);
	ST("HTTP/1.1 trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400);
	ST("HTTP/0.9 simple request", "GET /\r\n\r\n", 400);
	ST("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("garbage version", "GET / FOO\r\nHost: a\r\n\r\n", 400);
}

static void t_target(void)
{
	CHECK(p_keep("GET http://Example.com/a/b?x HTTP/1.1\r\nHost: other\r\n\r\n") == 0 &&
	      str_is(r.path, "/a/b?x") && str_is(r.host, "Example.com"),
	      "parse: absolute-form takes path and host from target");
	CHECK(p_keep("GET HTTPS://h:8443 HTTP/1.1\r\nHost: h\r\n\r\n") == 0 &&
	      str_is(r.path, "/") && str_is(r.host, "h:8443"),
	      "parse: absolute-form without path is /");
	CHECK(p_keep("GET http://h?q HTTP/1.1\r\nHost: h\r\n\r\n") == 0 && str_is(r.path, "/"),
	      "parse: absolute-form with only a query");
	ST("absolute-form with userinfo", "GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	ST("absolute-form empty authority", "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	ST("absolute-form other scheme", "GET ftp://h/x HTTP/1.1\r\nHost: h\r\n\r\n", 400);
	ST("absolute-form still needs Host", "GET http://h/ HTTP/1.1\r\n\r\n", 400);
	ST("asterisk-form GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("authority-form GET", "GET a.example:80 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("control byte in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("DEL in target", "GET /a\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("raw UTF-8 in target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	CHECK(pn("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 30) == 400,
	      "parse: NUL in target -> 400");
}

static void t_host(void)
{
	ST("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400);
	ST("duplicate Host", H11 "Host: a\r\n\r\n", 400);
	ST("duplicate Host different case", H11 "HOST: b\r\n\r\n", 400);
	ST("Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
	ST("Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400);
	ST("Host with userinfo @", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", 400);
	ST("duplicate Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400);
}

static void t_body_framing(void)
{
	ST("Content-Length: 5", H11 "Content-Length: 5\r\n\r\n", 413);
	ST("huge Content-Length", H11 "Content-Length: 9999999999999999999\r\n\r\n", 413);
	ST("20-digit Content-Length", H11 "Content-Length: 18446744073709551616\r\n\r\n", 400);
	ST("duplicate CL equal", H11 "Content-Length: 0\r\nContent-Length: 0\r\n\r\n", 400);
	ST("duplicate CL different", H11 "Content-Length: 0\r\nContent-Length: 7\r\n\r\n",
	   400);
	ST("CL list", H11 "Content-Length: 1, 1\r\n\r\n", 400);
	ST("CL negative", H11 "Content-Length: -1\r\n\r\n", 400);
	ST("CL plus sign", H11 "Content-Length: +1\r\n\r\n", 400);
	ST("CL hex", H11 "Content-Length: 0x10\r\n\r\n", 400);
	ST("CL empty", H11 "Content-Length:\r\n\r\n", 400);
	ST("CL inner space", H11 "Content-Length: 1 0\r\n\r\n", 400);
	ST("Transfer-Encoding chunked", H11 "Transfer-Encoding: chunked\r\n\r\n", 501);
	ST("TE identity", H11 "Transfer-Encoding: identity\r\n\r\n", 501);
	ST("CL + TE", H11 "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	ST("TE + CL", H11 "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400);
	ST("TE in HTTP/1.0", "GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	ST("empty TE", H11 "Transfer-Encoding:\r\n\r\n", 400);
	ST("TE with space before colon", H11 "Transfer-Encoding : chunked\r\n\r\n", 400);
	ST("Expect: 100-continue", H11 "Expect: 100-Continue\r\n\r\n", 0);
	CHECK(r.expect_continue, "parse: expect_continue flag set");
	ST("Expect: other", H11 "Expect: teapot\r\n\r\n", 417);
	ST("Expect 100-continue with body", H11 "Expect: 100-continue\r\nContent-Length: 9\r\n\r\n",
	   413);
}

static void t_syntax(void)
{
	ST("obs-fold", H11 "X-A: a\r\n  folded\r\n\r\n", 400);
	ST("obs-fold with tab", H11 "X-A: a\r\n\tfolded\r\n\r\n", 400);
	ST("first field line starts with SP", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400);
	ST("bare CR in request line", "GET / HTTP/1.1\rHost: a\r\n\r\n", 400);
	ST("bare CR in field value", H11 "X: a\rb\r\n\r\n", 400);
	ST("CR CR LF", H11 "X: a\r\r\n\r\n", 400);
	ST("bare CR as final line", H11 "\r\r\n", 400);
	ST("bare CR before request", "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	CHECK(pn(H11 "X: a\0b\r\n\r\n", strlen(H11) + 10) == 400, "parse: NUL in value -> 400");
	CHECK(pn(H11 "X\0: a\r\n\r\n", strlen(H11) + 9) == 400, "parse: NUL in name -> 400");
	ST("control byte in value", H11 "X: a\x01\r\n\r\n", 400);
	ST("DEL in value", H11 "X: a\x7f\r\n\r\n", 400);
	ST("ESC in value", H11 "X: \x1b[31m\r\n\r\n", 400);
	ST("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400);
	ST("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400);
	ST("invalid name char", H11 "X(y): a\r\n\r\n", 400);
	ST("non-ASCII name", H11 "X\xc3\xa9: a\r\n\r\n", 400);
	ST("empty field name", H11 ": a\r\n\r\n", 400);
	ST("field without colon", H11 "Xyz\r\n\r\n", 400);
}

static void t_bare_lf(void)
{
	ST("bare LF ends the request-line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400);
	ST("bare LF ends a field line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400);
	ST("bare LF as the final empty line", H11 "\n", 400);
	ST("bare LF before the request", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400);
	ST("LF-only request", "GET / HTTP/1.1\nHost: a\n\n", 400);
	ST("over-long request-line with bare LF: limit first",
	   "GET /0123456789012345678901234567890123456789012345678901234567 HTTP/1.1\n", 414);
	CHECK(p_lf("GET / HTTP/1.1\nHost: a\r\n\r\n") == 0 &&
	      p_lf("GET / HTTP/1.1\r\nHost: a\n\r\n") == 0 && p_lf(H11 "\n") == 0 &&
	      p_lf("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n") == 0,
	      "parse: bare_lf accepts a lone LF in every place");
	CHECK(p_lf("GET / HTTP/1.1\rHost: a\r\n\r\n") == 400 && p_lf(H11 "X: a\rb\n\n") == 400,
	      "parse: bare_lf still refuses a bare CR");
}

/*
 * A request that a proxy which ignores lone LFs sees as one, and a server
 * that took them would see as two: with the default, the second never
 * starts.
 */
static void t_bare_lf_pipeline(void)
{
	const char *two = H11 "X: a\n\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n";

	CHECK(p_keep(two) == 400, "parse: LF-separated request hidden in a field -> 400");
	CHECK(p_keep_lf(two) == 0 && r.head_len == strlen(H11) + 6,
	      "parse: with bare_lf the same bytes end the head early");
	two = H11 "\r\nGET /2 HTTP/1.1\nHost: a\n\n";
	CHECK(p_keep(two) == 0 && r.head_len == strlen(H11) + 2,
	      "parse: CRLF request before an LF one completes");
	CHECK(ksrv_http_parse_head(two + r.head_len, strlen(two) - r.head_len, &lim, &r) == 400,
	      "parse: the pipelined LF-only request behind it -> 400");
}

static void t_limits(void)
{
	char buf[1024];
	size_t i, n;

	/* Request-line exactly max_line bytes (excluding CRLF) is fine. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n",
			     (int)lim.max_line - 14, 0);
	CHECK(p(buf) == 0, "parse: request-line of max_line bytes accepted");
	snprintf(buf, sizeof(buf), "GET /%0*d HTTP/1.1\r\nHost: a\r\n\r\n",
		 (int)lim.max_line - 13, 0);
	CHECK(p(buf) == 414, "parse: request-line of max_line+1 bytes -> 414");
	CHECK(pn(buf, lim.max_line + 1) == 414, "parse: partial over-long request-line -> 414");
	CHECK(pn(buf, lim.max_line) == 1, "parse: partial request-line at max_line waits");

	/* max_headers field lines are fine, one more is 431. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	for (i = 0; i < lim.max_headers; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "Host%s: a\r\n",
				      i ? "x" : "");
	strcpy(buf + n, "\r\n");
	CHECK(p(buf) == 0, "parse: exactly max_headers fields accepted");
	strcpy(buf + n, "X: y\r\n\r\n");
	CHECK(p(buf) == 431, "parse: max_headers+1 fields -> 431");

	/* Head of exactly max_head bytes is fine, one byte more is 431. */
	n = strlen(H11) + 2;
	snprintf(buf, sizeof(buf), H11 "X: %0*d\r\n\r\n", (int)(lim.max_head - n - 5), 0);
	CHECK(strlen(buf) == lim.max_head && p(buf) == 0,
	      "parse: head of exactly max_head bytes accepted");
	snprintf(buf, sizeof(buf), H11 "X: %0*d\r\n\r\n", (int)(lim.max_head - n - 4), 0);
	CHECK(p(buf) == 431, "parse: head of max_head+1 bytes -> 431");
	CHECK(pn(buf, lim.max_head + 1) == 431, "parse: partial head over max_head -> 431");
	CHECK(pn(buf, lim.max_head) == 1, "parse: partial head at max_head waits");
	memset(buf, '\n', lim.max_head + 1);
	CHECK(pn_lim(buf, lim.max_head + 1, &lim_lf) == 431,
	      "parse: endless empty lines with bare_lf -> 431");
	CHECK(pn(buf, lim.max_head + 1) == 400, "parse: endless bare LF lines -> 400");
	for (i = 0; i + 1 < lim.max_head; i += 2)
		memcpy(buf + i, "\r\n", 2);
	memcpy(buf + i, "\r\n", 2);
	CHECK(pn(buf, lim.max_head + 1) == 431, "parse: endless empty CRLF lines -> 431");
}

/* Kernel-sized limits, as ksrv_http.c sets them. */
static const struct ksrv_http_limits klim = {
	.max_line = 8000, .max_head = 16384, .max_headers = 100,
};

/* Fill @buf with a request head of exactly @size bytes and @fields fields. */
static size_t big_head(char *buf, size_t size, unsigned int fields)
{
	size_t n = (size_t)sprintf(buf, H11), i, left, each;

	left = size - n - 2;
	for (i = 0; i < fields; i++) {
		each = left / (fields - i);
		n += (size_t)sprintf(buf + n, "X%zu: ", i);
		memset(buf + n, 'v', each - (size_t)snprintf(NULL, 0, "X%zu: ", i) - 2);
		n += each - (size_t)snprintf(NULL, 0, "X%zu: ", i) - 2;
		memcpy(buf + n, "\r\n", 2);
		n += 2;
		left -= each;
	}
	memcpy(buf + n, "\r\n", 2);
	return n + 2;
}

/* Feed @n bytes one at a time into one growing buffer; the first verdict. */
static int trickle(const char *s, size_t n, struct ksrv_http_parser *ps)
{
	size_t i;
	int ret = KSRV_HTTP_NEED_MORE;

	ksrv_http_parser_init(ps);
	for (i = 1; i <= n && ret == KSRV_HTTP_NEED_MORE; i++)
		ret = ksrv_http_parse_more(ps, s, i, &klim);
	return ret;
}

static void t_resume(void)
{
	static char buf[16384 + 2];
	struct ksrv_http_parser ps;
	size_t n = big_head(buf, klim.max_head, 98);
	int one;

	one = ksrv_http_parse_head(buf, n, &klim, &r);
	CHECK(n == klim.max_head && one == 0 && r.header_count == 99 &&
	      trickle(buf, n, &ps) == 0 && split_same_req(&ps.req, &r),
	      "resume: 16 KiB head of 99 fields one byte at a time == at once");
	buf[n] = 'G';
	CHECK(trickle(buf, n + 1, &ps) == 0 && ps.req.head_len == n,
	      "resume: the byte after a full-sized head is not part of it");
	CHECK(ksrv_http_parse_more(&ps, buf, n + 1, &klim) == 0 && ps.req.head_len == n,
	      "resume: a finished parser keeps its verdict");
	n = big_head(buf, klim.max_head + 1, 98);
	CHECK(trickle(buf, n, &ps) == 431 && ksrv_http_parse_head(buf, n, &klim, &r) == 431,
	      "resume: head of max_head+1 bytes one byte at a time -> 431");
	n = big_head(buf, 9000, 100);
	CHECK(trickle(buf, n, &ps) == 431 && ksrv_http_parse_head(buf, n, &klim, &r) == 431,
	      "resume: 101 fields one byte at a time -> 431");
	memset(buf, 'a', 8001);
	memcpy(buf, "GET /", 5);
	CHECK(trickle(buf, 8001, &ps) == 414, "resume: 8001-byte partial request-line -> 414");
	CHECK(trickle("GET / HTTP/1.1\r", 15, &ps) == KSRV_HTTP_NEED_MORE &&
	      ksrv_http_parse_more(&ps, "GET / HTTP/1.1\rX", 16, &klim) == 1 &&
	      ksrv_http_parse_more(&ps, "GET / HTTP/1.1\rX\r\n", 18, &klim) == 400,
	      "resume: CR at the end of one arrival, not LF in the next: 400 at the line end");
}

static void t_split_corpus(void)
{
	char path[512], data[4096];
	struct dirent *e;
	DIR *d = opendir(KSRV_CORPUS);
	size_t n;
	FILE *f;
	int bad;

	CHECK(d, "split: open %s", KSRV_CORPUS);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", KSRV_CORPUS, e->d_name);
		f = fopen(path, "rb");
		n = f ? fread(data, 1, sizeof(data), f) : 0;
		if (f)
			fclose(f);
		bad = split_all(data, n, &lim) + split_all(data, n, &lim_lf) +
		      split_all(data, n, &klim);
		CHECK(f && !bad, "split: corpus %s (%zu bytes) at every cut and byte by byte%s%s",
		      e->d_name, n, bad ? ": " : "", bad ? split_why : "");
	}
	if (d)
		closedir(d);
}

static void t_conditionals(void)
{
	ST("If-Modified-Since valid",
	   H11 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", 0);
	CHECK(r.ims_valid && r.if_modified_since == 784111777, "parse: IMS value parsed");
	ST("If-Modified-Since invalid", H11 "If-Modified-Since: yesterday\r\n\r\n", 0);
	CHECK(!r.ims_valid, "parse: invalid IMS ignored");
	p(H11 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	  "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
	CHECK(!r.ims_valid, "parse: duplicate IMS ignored");
	p(H11 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nIf-None-Match: \"x\"\r\n\r\n");
	CHECK(!r.ims_valid, "parse: IMS ignored when If-None-Match present");
	CHECK(p_keep(H11 "If-None-Match:  W/\"a\", \"b\" \r\nRange: bytes=1-2\r\n"
		     "If-Range: \"b\"\r\n\r\n") == 0 &&
	      str_is(r.if_none_match, "W/\"a\", \"b\"") && str_is(r.range, "bytes=1-2") &&
	      str_is(r.if_range, "\"b\""), "parse: raw If-None-Match, Range, If-Range");
	p_keep(H11 "If-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n");
	CHECK(!r.if_none_match.len, "parse: duplicate If-None-Match dropped");
	p_keep(H11 "Range: bytes=0-1\r\nRange: bytes=2-3\r\nRange: bytes=4-5\r\n\r\n");
	CHECK(!r.range.len, "parse: duplicate Range dropped");
	p_keep(H11 "Range: bytes=0-1\r\nIf-Range: \"a\"\r\nIf-Range: \"b\"\r\n\r\n");
	CHECK(!r.range.len && !r.if_range.len, "parse: duplicate If-Range drops Range");
}

static void t_etag(void)
{
	CHECK(ksrv_http_etag_match("\"abc\"", 5, "\"abc\"", 5, true), "etag: equal weak");
	CHECK(ksrv_http_etag_match("\"abc\"", 5, "\"abc\"", 5, false), "etag: equal strong");
	CHECK(ksrv_http_etag_match("W/\"abc\"", 7, "\"abc\"", 5, true), "etag: W/ weak match");
	CHECK(!ksrv_http_etag_match("W/\"abc\"", 7, "\"abc\"", 5, false),
	      "etag: W/ never strong-matches");
	CHECK(!ksrv_http_etag_match("\"abc\"", 5, "W/\"abc\"", 7, false),
	      "etag: weak current tag never strong-matches");
	CHECK(ksrv_http_etag_match(" * ", 3, "\"abc\"", 5, true), "etag: * matches");
	CHECK(ksrv_http_etag_match("\"x\", W/\"abc\"", 12, "\"abc\"", 5, true),
	      "etag: match in a list");
	CHECK(ksrv_http_etag_match(",, \"x\" ,\t\"abc\" ,", 16, "\"abc\"", 5, true),
	      "etag: empty list elements and OWS");
	CHECK(!ksrv_http_etag_match("\"x\", \"y\"", 8, "\"abc\"", 5, true), "etag: no match");
	CHECK(!ksrv_http_etag_match("abc", 3, "\"abc\"", 5, true), "etag: unquoted list");
	CHECK(!ksrv_http_etag_match("\"abc", 4, "\"abc\"", 5, true), "etag: unterminated");
	CHECK(!ksrv_http_etag_match("\"x\" junk, \"abc\"", 15, "\"abc\"", 5, true),
	      "etag: junk after element");
	CHECK(!ksrv_http_etag_match("", 0, "\"abc\"", 5, true), "etag: empty list");
	CHECK(!ksrv_http_etag_match("\"abc\"", 5, "abc", 3, true), "etag: malformed current");
	CHECK(!ksrv_http_etag_match("\"a c\"", 5, "\"a c\"", 5, true), "etag: space not etagc");
	CHECK(!ksrv_http_etag_match("\"ab\"", 4, "\"abc\"", 5, true), "etag: prefix no match");
}

int main(void)
{
	t_basic();
	t_incremental();
	t_pipeline();
	t_methods();
	t_version();
	t_target();
	t_host();
	t_body_framing();
	t_syntax();
	t_bare_lf();
	t_bare_lf_pipeline();
	t_limits();
	t_resume();
	t_conditionals();
	t_etag();
	t_split_corpus();
	CHECK(!split_bad, "split: %u inputs above, each split at every byte and fed byte by byte, "
	      "with and without bare_lf: resumed == at once (%u differ)", split_inputs,
	      split_bad);
	return tap_done();
}
