// SPDX-License-Identifier: GPL-2.0
/* Unit tests for ksrv_http_mime_type(). */
#include <stdio.h>
#include <string.h>

#include "ksrv_http_mime.h"
#include "tap.h"

static void mt(const char *name, const char *want)
{
	const char *got = ksrv_http_mime_type(name, strlen(name));

	CHECK(!strcmp(got, want), "mime: '%s' -> %s", name, want);
}

int main(void)
{
	static const char *const table[][2] = {
		{ "a.html", "text/html; charset=utf-8" },
		{ "a.htm", "text/html; charset=utf-8" },
		{ "a.css", "text/css; charset=utf-8" },
		{ "a.js", "text/javascript; charset=utf-8" },
		{ "a.mjs", "text/javascript; charset=utf-8" },
		{ "a.json", "application/json" },
		{ "a.txt", "text/plain; charset=utf-8" },
		{ "a.xml", "application/xml" },
		{ "a.svg", "image/svg+xml" },
		{ "a.png", "image/png" },
		{ "a.jpg", "image/jpeg" },
		{ "a.jpeg", "image/jpeg" },
		{ "a.gif", "image/gif" },
		{ "a.webp", "image/webp" },
		{ "a.ico", "image/vnd.microsoft.icon" },
		{ "a.pdf", "application/pdf" },
		{ "a.wasm", "application/wasm" },
		{ "a.woff", "font/woff" },
		{ "a.woff2", "font/woff2" },
		{ "a.mp4", "video/mp4" },
		{ "a.webm", "video/webm" },
		{ "a.mp3", "audio/mpeg" },
		{ "a.zip", "application/zip" },
		{ "a.gz", "application/gzip" },
		{ "a.tar", "application/x-tar" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		mt(table[i][0], table[i][1]);
	mt("INDEX.HTML", "text/html; charset=utf-8");
	mt("dir/Photo.JpEg", "image/jpeg");
	mt("a.tar.gz", "application/gzip");
	mt("x.y/z.PNG", "image/png");
	mt("noext", KSRV_HTTP_MIME_DEFAULT);
	mt(".tar", KSRV_HTTP_MIME_DEFAULT);
	mt("dir/.bashrc", KSRV_HTTP_MIME_DEFAULT);
	mt("dir.html/file", KSRV_HTTP_MIME_DEFAULT);
	mt("a.", KSRV_HTTP_MIME_DEFAULT);
	mt("a.unknown", KSRV_HTTP_MIME_DEFAULT);
	mt("a.htmlx", KSRV_HTTP_MIME_DEFAULT);
	mt("a.htm.", KSRV_HTTP_MIME_DEFAULT);
	mt("a.abcdefghij", KSRV_HTTP_MIME_DEFAULT);
	mt("", KSRV_HTTP_MIME_DEFAULT);
	mt("a.h", KSRV_HTTP_MIME_DEFAULT);
	CHECK(!strcmp(ksrv_http_mime_type("a.pngx", 5), "image/png"),
	      "mime: length bounds the input");
	return tap_done();
}
