// SPDX-License-Identifier: GPL-2.0
/* Unit tests for path normalisation, URL-encoding and HTML-escaping. */
#include <stdio.h>
#include <string.h>

#include "ksrv_http_path.h"
#include "tap.h"

static char out[256];
static struct ksrv_http_path_info info;

static int norm_n(const char *in, size_t n, size_t out_size)
{
	memset(out, 'Z', sizeof(out));
	memset(&info, 0x55, sizeof(info));
	return ksrv_http_path_normalize(in, n, out, out_size, &info);
}

static int norm(const char *in)
{
	return norm_n(in, strlen(in), sizeof(out));
}

/* OK with the expected output and trailing-slash flag. */
static void ok_path(const char *in, const char *want, bool trailing)
{
	int ret = norm(in);

	CHECK(ret == 0 && !strcmp(out, want) && info.len == strlen(want) &&
	      info.trailing_slash == trailing,
	      "path: '%s' -> '%s'%s", in, want, trailing ? " (trailing /)" : "");
}

static void bad_path(const char *in, int status)
{
	CHECK(norm(in) == status, "path: '%s' -> %d", in, status);
}

static void t_normalize(void)
{
	ok_path("/", "", true);
	ok_path("/index.html", "index.html", false);
	ok_path("/a/b/", "a/b", true);
	ok_path("//a//b///c", "a/b/c", false);
	ok_path("/a/./b/.", "a/b", true);
	ok_path("/a/b/../c", "a/c", false);
	ok_path("/a/b/..", "a", true);
	ok_path("/a/..", "", true);
	ok_path("/a/%2e/b", "a/b", false);
	ok_path("/a/b/%2E%2e/c", "a/c", false);
	ok_path("/a%20b/%C3%a9", "a b/\xc3\xa9", false);
	ok_path("/a?x=../../..", "a", false);
	ok_path("/a/b?c/d", "a/b", false);
	ok_path("/?q", "", true);
	ok_path("/dir/?q=1", "dir", true);
	ok_path("/a%5c..%5cb", "a\\..\\b", false);
	ok_path("/a/...", "a/...", false);
	ok_path("/a/..b/b..", "a/..b/b..", false);
	ok_path("/%25", "%", false);
	ok_path("/a+b;c=d", "a+b;c=d", false);
}

static void t_refused(void)
{
	bad_path("/..", 403);
	bad_path("/../", 403);
	bad_path("/../x", 403);
	bad_path("/a/../../b", 403);
	bad_path("/a/./../..", 403);
	bad_path("//../etc/passwd", 403);
	bad_path("/%2e%2e/x", 403);
	bad_path("/%2E%2E", 403);
	bad_path("/.%2e/", 403);
	bad_path("/a/%2e%2e/%2e%2e/etc", 403);
	bad_path("/a%2Fb", 400);
	bad_path("/a%2fb", 400);
	bad_path("/%2e%2e%2f", 400);
	bad_path("/..%2f", 400);
	bad_path("/%00", 400);
	bad_path("/a/..%00", 400);
	bad_path("/a%0a", 400);
	bad_path("/a%0D%0Ab", 400);
	bad_path("/%7f", 400);
	bad_path("/%", 400);
	bad_path("/%4", 400);
	bad_path("/%zz", 400);
	bad_path("/%4?x", 400);
	bad_path("/%%30", 400);
	bad_path("a/b", 400);
	bad_path("", 400);
	bad_path("?x", 400);
	CHECK(norm_n("/a\0b", 4, sizeof(out)) == 400, "path: raw NUL -> 400");
	CHECK(norm_n("/a\tb", 4, sizeof(out)) == 400, "path: raw control byte -> 400");
}

static void t_flags_bounds(void)
{
	CHECK(norm("/.git/config") == 0 && info.hidden, "path: .git/config is hidden");
	CHECK(norm("/a/.htpasswd") == 0 && info.hidden, "path: a/.htpasswd is hidden");
	CHECK(norm("/a/%2ehidden") == 0 && info.hidden, "path: encoded dot-file is hidden");
	CHECK(norm("/a/b.c/d.") == 0 && !info.hidden, "path: inner dots are not hidden");
	CHECK(norm("/a/.x/..") == 0 && !info.hidden && !strcmp(out, "a"),
	      "path: removed dot segment does not count as hidden");
	CHECK(norm_n("/abc", 4, 4) == 0 && !strcmp(out, "abc"), "path: exact fit incl. NUL");
	CHECK(norm_n("/abc", 4, 3) == 414, "path: one byte short -> 414");
	CHECK(norm_n("/a/b", 4, 3) == 414, "path: separator does not fit -> 414");
	CHECK(norm_n("/", 1, 1) == 0 && out[0] == '\0', "path: root fits in 1 byte");
	CHECK(norm_n("/", 1, 0) == 414, "path: zero-size output -> 414");
	CHECK(norm_n("/abc?q", 4, 4) == 0, "path: in_len bounds the input");
}

static void t_escape(void)
{
	char buf[64];
	size_t n = 99;
	const char *name = "a b&c/d%\xc3\xa9";

	CHECK(ksrv_http_url_encode(name, strlen(name), buf, sizeof(buf), &n) &&
	      !strcmp(buf, "a%20b%26c%2Fd%25%C3%A9") && n == strlen(buf),
	      "urlenc: reserved, '/', '%%' and UTF-8 encoded");
	CHECK(ksrv_http_url_encode("AZaz09-._~", 10, buf, sizeof(buf), &n) &&
	      !strcmp(buf, "AZaz09-._~"), "urlenc: unreserved kept");
	CHECK(ksrv_http_url_encode("abc", 3, buf, 4, &n) && n == 3, "urlenc: exact fit");
	CHECK(!ksrv_http_url_encode("abc", 3, buf, 3, &n), "urlenc: no room for NUL");
	CHECK(!ksrv_http_url_encode("a ", 2, buf, 4, &n), "urlenc: no room for %%XX");
	CHECK(ksrv_http_url_encode("a ", 2, buf, 5, &n) && !strcmp(buf, "a%20"),
	      "urlenc: %%XX exact fit");
	CHECK(ksrv_http_url_encode("", 0, buf, 1, &n) && n == 0 && !buf[0], "urlenc: empty");
	CHECK(!ksrv_http_url_encode("", 0, buf, 0, &n), "urlenc: zero-size output");
	CHECK(ksrv_http_url_encode("\0", 1, buf, sizeof(buf), &n) && !strcmp(buf, "%00"),
	      "urlenc: NUL byte encoded");

	name = "dir one/a%b/\xc3\xa9";
	CHECK(ksrv_http_url_encode_path(name, strlen(name), buf, sizeof(buf), &n) &&
	      !strcmp(buf, "dir%20one/a%25b/%C3%A9") && n == strlen(buf),
	      "urlenc path: '/' kept, rest encoded");
	CHECK(!ksrv_http_url_encode_path("a/b", 3, buf, 3, &n) &&
	      ksrv_http_url_encode_path("a/b", 3, buf, 4, &n), "urlenc path: bounds");

	name = "<a href=\"x\">&'";
	CHECK(ksrv_http_html_escape(name, strlen(name), buf, sizeof(buf), &n) &&
	      !strcmp(buf, "&lt;a href=&quot;x&quot;&gt;&amp;&#39;") && n == strlen(buf),
	      "html: all five specials escaped");
	CHECK(ksrv_http_html_escape("a\x01\x7f\xc3\xa9", 5, buf, sizeof(buf), &n) &&
	      !strcmp(buf, "a??\xc3\xa9"), "html: controls -> '?', UTF-8 kept");
	CHECK(ksrv_http_html_escape("&", 1, buf, 6, &n) && n == 5, "html: entity exact fit");
	CHECK(!ksrv_http_html_escape("&", 1, buf, 5, &n), "html: entity one byte short");
	CHECK(!ksrv_http_html_escape("", 0, buf, 0, &n), "html: zero-size output");
}

/* The length functions size listings: they must agree with the output. */
static void t_escaped_len(void)
{
	static const char *const names[] = {
		"", "plain.txt", "a b&c/d%\xc3\xa9", "<a href=\"x\">&'",
		"a\x01\x7f\xc3\xa9", "~_-.", "%%%%",
	};
	char buf[128];
	size_t i, n, len;
	bool ok = true;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		len = strlen(names[i]);
		ok &= ksrv_http_url_encode(names[i], len, buf, sizeof(buf), &n) &&
		      n == ksrv_http_url_encoded_len(names[i], len);
		ok &= ksrv_http_html_escape(names[i], len, buf, sizeof(buf), &n) &&
		      n == ksrv_http_html_escaped_len(names[i], len);
	}
	CHECK(ok, "escaped lengths match the escaped output");
	CHECK(ksrv_http_url_encoded_len("\0", 1) == 3, "urlenc len: NUL counts 3");
}

int main(void)
{
	t_normalize();
	t_refused();
	t_flags_bounds();
	t_escape();
	t_escaped_len();
	return tap_done();
}
