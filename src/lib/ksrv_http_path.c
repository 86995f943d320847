// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_path.c - request path normalisation and name escaping.
 *
 * The path is percent-decoded segment by segment and the decoded segment is
 * what dot-segment removal looks at, so "%2e%2e" is treated exactly like
 * "..".  Policy, chosen to keep the file-system side simple:
 *  - a decoded '/' (%2F) is refused with 400: it would either change the
 *    segment structure after the ".." check or name an impossible file;
 *  - decoded or raw NUL, other C0 controls and DEL are refused with 400;
 *  - ".." that would leave the document root is refused with 403, never
 *    clamped to the root (clamping hides probing and confuses caches);
 *  - empty segments ("//") are dropped and the query string is ignored.
 * The output never starts with '/', never contains "." or ".." segments or
 * empty segments, and is NUL-terminated.  Segments that start with '.' are
 * reported through ksrv_http_path_info.hidden; the server answers 404 for
 * those so dot-files (".git", ".htpasswd") are never served or listed.
 */
#include "ksrv_plain.h"
#include "ksrv_http_ascii.h"
#include "ksrv_http_path.h"

struct path_state {
	const char *in;
	size_t end;	/* end of the path part of @in (before '?') */
	size_t pos;
	char *out;
	size_t size;
	size_t o;	/* bytes written to @out */
};

static bool is_ctl(u8 c)
{
	return c < 0x20 || c == 0x7f;
}

/* Next decoded byte of the current segment into *c; 0 or a path result. */
static int next_byte(struct path_state *st, u8 *c)
{
	const char *s = st->in + st->pos;
	int hi, lo;

	if (s[0] != '%') {
		*c = (u8)s[0];
		st->pos++;
	} else {
		if (st->end - st->pos < 3)
			return KSRV_HTTP_PATH_BAD;
		hi = ksrv_http_hexval((u8)s[1]);
		lo = ksrv_http_hexval((u8)s[2]);
		if (hi < 0 || lo < 0)
			return KSRV_HTTP_PATH_BAD;
		*c = (u8)(hi << 4 | lo);
		if (*c == '/')
			return KSRV_HTTP_PATH_BAD;
		st->pos += 3;
	}
	return is_ctl(*c) ? KSRV_HTTP_PATH_BAD : 0;
}

/* Decode one segment (up to the next raw '/') onto the end of the output. */
static int copy_segment(struct path_state *st)
{
	u8 c;
	int ret;

	while (st->pos < st->end && st->in[st->pos] != '/') {
		ret = next_byte(st, &c);
		if (ret)
			return ret;
		if (st->o + 1 >= st->size)
			return KSRV_HTTP_PATH_TOO_LONG;
		st->out[st->o++] = (char)c;
	}
	return 0;
}

/* Drop the last output segment and the separator before it. */
static void pop_segment(struct path_state *st)
{
	while (st->o > 0 && st->out[st->o - 1] != '/')
		st->o--;
	if (st->o > 0)
		st->o--;
}

/*
 * Resolve the segment just copied, starting at @seg in the output.
 * Return: 0, or KSRV_HTTP_PATH_FORBIDDEN for ".." at the root; *dot is set
 * when the segment was "." or "..".
 */
static int resolve_dots(struct path_state *st, size_t seg, bool *dot)
{
	size_t n = st->o - seg;
	const char *s = st->out + seg;

	*dot = (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
	if (!*dot)
		return 0;
	st->o = seg ? seg - 1 : 0;	/* remove the dot segment itself */
	if (n == 2) {
		if (!seg)
			return KSRV_HTTP_PATH_FORBIDDEN;
		pop_segment(st);
	}
	return 0;
}

static bool has_hidden(const char *out, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (out[i] == '.' && (i == 0 || out[i - 1] == '/'))
			return true;
	}
	return false;
}

static size_t path_end(const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (in[i] == '?' || in[i] == '#')
			return i;
	}
	return len;
}

static int walk_segments(struct path_state *st, bool *trailing)
{
	size_t seg;
	int ret;

	*trailing = true;
	while (st->pos < st->end) {
		while (st->pos < st->end && st->in[st->pos] == '/')
			st->pos++;
		if (st->pos == st->end) {
			*trailing = true;
			break;
		}
		if (st->o) {
			if (st->o + 1 >= st->size)
				return KSRV_HTTP_PATH_TOO_LONG;
			st->out[st->o++] = '/';
		}
		seg = st->o;
		ret = copy_segment(st);
		if (!ret)
			ret = resolve_dots(st, seg, trailing);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * ksrv_http_path_normalize() - map an origin-form path to a relative path
 * @in: request path, must start with '/'; a query ("?...") is ignored
 * @in_len: length of @in
 * @out: output buffer for the NUL-terminated relative path
 * @out_size: size of @out
 * @info: receives the output length and the trailing-slash / hidden flags
 *
 * See the comment at the top of this file for the exact policy.  The
 * document root itself yields an empty string.  @out may be clobbered on
 * failure.
 *
 * Return: KSRV_HTTP_PATH_OK, or the HTTP status to answer with (400, 403,
 * 414 when the result does not fit in @out).
 */
enum ksrv_http_path_result ksrv_http_path_normalize(const char *in, size_t in_len,
						    char *out, size_t out_size,
						    struct ksrv_http_path_info *info)
{
	struct path_state st = {
		.in = in, .end = path_end(in, in_len), .out = out, .size = out_size,
	};
	int ret;

	if (!out_size)
		return KSRV_HTTP_PATH_TOO_LONG;
	if (!st.end || in[0] != '/')
		return KSRV_HTTP_PATH_BAD;
	ret = walk_segments(&st, &info->trailing_slash);
	if (ret)
		return ret;
	out[st.o] = '\0';
	info->len = st.o;
	info->hidden = has_hidden(out, st.o);
	return KSRV_HTTP_PATH_OK;
}

static bool is_unreserved(u8 c)
{
	return ksrv_http_is_alpha(c) || ksrv_http_is_digit(c) ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Percent-encode @in; '/' is kept as is when @keep_slash. */
static bool url_encode(const char *in, size_t in_len, char *out, size_t out_size,
		       size_t *out_len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;
	u8 c;

	for (i = 0; i < in_len; i++) {
		c = (u8)in[i];
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			if (o + 1 >= out_size)
				return false;
			out[o++] = (char)c;
			continue;
		}
		if (o + 3 >= out_size)
			return false;
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	if (o >= out_size)
		return false;
	out[o] = '\0';
	*out_len = o;
	return true;
}

/**
 * ksrv_http_url_encode() - percent-encode a file name for use in an href
 * @in: the name (one path segment; any bytes)
 * @in_len: length of @in
 * @out: output buffer, NUL-terminated on success
 * @out_size: size of @out; 3 * @in_len + 1 is always enough
 * @out_len: receives strlen(@out) on success
 *
 * Everything but RFC 3986 unreserved characters is encoded, including '/'
 * and '%', so the result is a single segment that decodes back to @in.
 *
 * Return: true on success, false if @out is too small.
 */
bool ksrv_http_url_encode(const char *in, size_t in_len, char *out,
			  size_t out_size, size_t *out_len)
{
	return url_encode(in, in_len, out, out_size, out_len, false);
}

/**
 * ksrv_http_url_encoded_len() - length of ksrv_http_url_encode()'s output
 * @in: the name
 * @in_len: length of @in
 *
 * Return: the strlen() of what ksrv_http_url_encode() makes of @in.
 */
size_t ksrv_http_url_encoded_len(const char *in, size_t in_len)
{
	size_t i, n = 0;

	for (i = 0; i < in_len; i++)
		n += is_unreserved((u8)in[i]) ? 1 : 3;
	return n;
}

/**
 * ksrv_http_url_encode_path() - percent-encode a relative path
 * @in: a path from ksrv_http_path_normalize(), segments separated by '/'
 * @in_len: length of @in
 * @out: output buffer, NUL-terminated on success
 * @out_size: size of @out; 3 * @in_len + 1 is always enough
 * @out_len: receives strlen(@out) on success
 *
 * Like ksrv_http_url_encode() but keeps '/' as the segment separator, for
 * a Location header or an href naming a path rather than a single name.
 * "/" + the result normalises back to @in.
 *
 * Return: true on success, false if @out is too small.
 */
bool ksrv_http_url_encode_path(const char *in, size_t in_len, char *out,
			       size_t out_size, size_t *out_len)
{
	return url_encode(in, in_len, out, out_size, out_len, true);
}

/* Replacement text for bytes that are special in HTML, or NULL. */
static const char *html_entity(u8 c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		/* Control bytes would corrupt the listing; show them as '?'. */
		return is_ctl(c) ? "?" : NULL;
	}
}

/**
 * ksrv_http_html_escape() - escape a file name for HTML text or attributes
 * @in: the name (any bytes)
 * @in_len: length of @in
 * @out: output buffer, NUL-terminated on success
 * @out_size: size of @out; 6 * @in_len + 1 is always enough
 * @out_len: receives strlen(@out) on success
 *
 * Escapes & < > " and ' as entities and replaces C0 controls and DEL by
 * '?'; other bytes (including UTF-8 sequences) are copied unchanged.
 *
 * Return: true on success, false if @out is too small.
 */
bool ksrv_http_html_escape(const char *in, size_t in_len, char *out,
			   size_t out_size, size_t *out_len)
{
	const char *ent;
	size_t i, n, o = 0;

	for (i = 0; i < in_len; i++) {
		ent = html_entity((u8)in[i]);
		n = ent ? strlen(ent) : 1;
		if (o + n >= out_size)
			return false;
		if (ent)
			memcpy(out + o, ent, n);
		else
			out[o] = in[i];
		o += n;
	}
	if (o >= out_size)
		return false;
	out[o] = '\0';
	*out_len = o;
	return true;
}

/**
 * ksrv_http_html_escaped_len() - length of ksrv_http_html_escape()'s output
 * @in: the name
 * @in_len: length of @in
 *
 * Return: the strlen() of what ksrv_http_html_escape() makes of @in.
 */
size_t ksrv_http_html_escaped_len(const char *in, size_t in_len)
{
	const char *ent;
	size_t i, n = 0;

	for (i = 0; i < in_len; i++) {
		ent = html_entity((u8)in[i]);
		n += ent ? strlen(ent) : 1;
	}
	return n;
}
