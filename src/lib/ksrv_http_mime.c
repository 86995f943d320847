// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_mime.c - a small, fixed extension -> media type table.
 *
 * Textual types carry "charset=utf-8" so browsers do not have to guess; the
 * server only serves static files and makes no other charset promise.
 */
#include "ksrv_plain.h"
#include "ksrv_http_ascii.h"
#include "ksrv_http_mime.h"

/* Longest extension in the table; anything longer cannot match. */
#define MIME_EXT_MAX	5

struct mime_entry {
	const char *ext;	/* lower case, without the dot */
	const char *type;
};

static const struct mime_entry mime_table[] = {
	{ "html",  "text/html; charset=utf-8" },
	{ "htm",   "text/html; charset=utf-8" },
	{ "css",   "text/css; charset=utf-8" },
	{ "js",    "text/javascript; charset=utf-8" },
	{ "mjs",   "text/javascript; charset=utf-8" },
	{ "json",  "application/json" },
	{ "txt",   "text/plain; charset=utf-8" },
	{ "xml",   "application/xml" },
	{ "svg",   "image/svg+xml" },
	{ "png",   "image/png" },
	{ "jpg",   "image/jpeg" },
	{ "jpeg",  "image/jpeg" },
	{ "gif",   "image/gif" },
	{ "webp",  "image/webp" },
	{ "ico",   "image/vnd.microsoft.icon" },
	{ "pdf",   "application/pdf" },
	{ "wasm",  "application/wasm" },
	{ "woff",  "font/woff" },
	{ "woff2", "font/woff2" },
	{ "mp4",   "video/mp4" },
	{ "webm",  "video/webm" },
	{ "mp3",   "audio/mpeg" },
	{ "zip",   "application/zip" },
	{ "gz",    "application/gzip" },
	{ "tar",   "application/x-tar" },
};

/**
 * ksrv_http_mime_type() - media type for a file name
 * @name: file name or path (not NUL-terminated)
 * @len: length of @name
 *
 * Looks at the extension of the last path segment, case-insensitively.  A
 * leading dot does not start an extension (".tar" has none), and only the
 * last extension counts ("a.tar.gz" is gzip).
 *
 * Return: a static string, KSRV_HTTP_MIME_DEFAULT when nothing matches.
 */
const char *ksrv_http_mime_type(const char *name, size_t len)
{
	size_t i = len, dot = 0, ext_len;

	while (i > 0 && name[i - 1] != '/') {
		if (name[i - 1] == '.' && !dot)
			dot = i;
		i--;
	}
	/* No dot, or the only dot starts the name. */
	if (!dot || dot - 1 == i)
		return KSRV_HTTP_MIME_DEFAULT;
	ext_len = len - dot;
	if (!ext_len || ext_len > MIME_EXT_MAX)
		return KSRV_HTTP_MIME_DEFAULT;
	for (i = 0; i < ARRAY_SIZE(mime_table); i++) {
		if (ksrv_http_ieq(name + dot, ext_len, mime_table[i].ext))
			return mime_table[i].type;
	}
	return KSRV_HTTP_MIME_DEFAULT;
}
