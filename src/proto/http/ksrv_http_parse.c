// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_parse.c - HTTP/1.x request head parser.
 *
 * Strictness is deliberate: a static file server has no body to read, so the
 * only framing question is where the head ends, and every ambiguity that
 * could let a front-end proxy and this server disagree about that (request
 * smuggling) is answered with an error and a closed connection:
 *  - a line ends with CRLF or with a bare LF (RFC 9112 2.2 lets recipients
 *    accept a lone LF); a CR not followed by LF anywhere is 400;
 *  - obsolete line folding (a field line starting with SP/HT) is 400;
 *  - whitespace or any other non-token byte in a field name is 400;
 *  - NUL, other controls and DEL in field values are 400;
 *  - Transfer-Encoding is 501, or 400 together with Content-Length or in an
 *    HTTP/1.0 request; duplicate or non-numeric Content-Length is 400; a
 *    non-zero Content-Length is 413 since no request body is accepted.
 * Empty lines before the request-line are skipped (RFC 9112 2.2).
 *
 * The result for a prefix of a request is either NEED_MORE or an error;
 * once a prefix yields an error, the full request does too.
 */
#include "ksrv_plain.h"
#include "ksrv_http_ascii.h"
#include "ksrv_http_date.h"
#include "ksrv_http_parse.h"

/* Bits in ksrv_http_request.seen. */
#define SEEN_IMS	0x01
#define SEEN_INM	0x02
#define SEEN_RANGE	0x04
#define SEEN_IF_RANGE	0x08
#define SEEN_ABSOLUTE	0x10	/* absolute-form target supplied the host */
#define SEEN_EXPECT	0x20

/* Content-Length above 19 digits could overflow u64; it is 413 anyway. */
#define CL_MAX_DIGITS	19

struct method_name {
	const char *name;
	enum ksrv_http_method method;
};

static const struct method_name methods[] = {
	{ "GET", KSRV_HTTP_M_GET },
	{ "HEAD", KSRV_HTTP_M_HEAD },
	{ "POST", KSRV_HTTP_M_POST },
	{ "PUT", KSRV_HTTP_M_PUT },
	{ "DELETE", KSRV_HTTP_M_DELETE },
	{ "OPTIONS", KSRV_HTTP_M_OPTIONS },
	{ "PATCH", KSRV_HTTP_M_PATCH },
	{ "TRACE", KSRV_HTTP_M_TRACE },
	{ "CONNECT", KSRV_HTTP_M_CONNECT },
};

static bool all_tchar(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!ksrv_http_is_tchar((u8)s[i]))
			return false;
	}
	return n > 0;
}

/* Method names are case-sensitive (RFC 9110 9.1). */
static enum ksrv_http_method lookup_method(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		if (strlen(methods[i].name) == n && !memcmp(s, methods[i].name, n))
			return methods[i].method;
	}
	return KSRV_HTTP_M_UNKNOWN;
}

/*
 * Find the line starting at @pos.  On success *eol is the end of its content
 * (before CRLF or LF) and *next the start of the following line.
 */
static int find_line(const char *buf, size_t len, size_t pos, size_t *eol,
		     size_t *next)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);

	if (!nl)
		return KSRV_HTTP_NEED_MORE;
	*next = (size_t)(nl - buf) + 1;
	*eol = *next - 1;
	if (*eol > pos && buf[*eol - 1] == '\r')
		(*eol)--;
	if (memchr(buf + pos, '\r', *eol - pos))
		return KSRV_HTTP_BAD_REQUEST;	/* bare CR */
	return KSRV_HTTP_DONE;
}

/* Skip empty lines that some clients send before a (pipelined) request. */
static int skip_empty_lines(const char *buf, size_t len, size_t *pos)
{
	while (*pos < len) {
		if (buf[*pos] == '\n') {
			(*pos)++;
		} else if (buf[*pos] == '\r') {
			if (*pos + 1 == len)
				return KSRV_HTTP_NEED_MORE;
			if (buf[*pos + 1] != '\n')
				return KSRV_HTTP_BAD_REQUEST;
			*pos += 2;
		} else {
			return KSRV_HTTP_DONE;
		}
	}
	return KSRV_HTTP_NEED_MORE;
}

/*
 * Early verdict on an incomplete request-line, so that an over-long line or
 * something that is not HTTP at all (a TLS ClientHello) does not sit in the
 * buffer until the head limit is reached.
 */
static int partial_request_line(const char *s, size_t n,
				const struct ksrv_http_limits *lim)
{
	size_t i;

	if (n && s[n - 1] == '\r')
		n--;	/* may be the CR of the CRLF */
	if (n > lim->max_line)
		return KSRV_HTTP_URI_TOO_LONG;
	for (i = 0; i < n && s[i] != ' '; i++) {
		if (!ksrv_http_is_tchar((u8)s[i]))
			return KSRV_HTTP_BAD_REQUEST;
	}
	return KSRV_HTTP_NEED_MORE;
}

/* "HTTP/1.0" and "HTTP/1.1" are served; other "HTTP/d.d" get 505. */
static int parse_version(const char *s, size_t n, struct ksrv_http_request *req)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) || !ksrv_http_is_digit((u8)s[5]) ||
	    s[6] != '.' || !ksrv_http_is_digit((u8)s[7]))
		return KSRV_HTTP_BAD_REQUEST;
	if (s[5] != '1' || (s[7] != '0' && s[7] != '1'))
		return KSRV_HTTP_VERSION_NOT_SUPPORTED;
	req->version_minor = (u8)(s[7] - '0');
	return KSRV_HTTP_DONE;
}

/* request-target bytes are VCHAR; a fragment is never sent (RFC 9112 3.2). */
static bool valid_target(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((u8)s[i] <= 0x20 || (u8)s[i] >= 0x7f || s[i] == '#')
			return false;
	}
	return n > 0;
}

/* "http://authority/path?query" -> host and path; RFC 9112 3.2.2. */
static int absolute_form(struct ksrv_http_request *req, size_t skip)
{
	const char *a = req->target.ptr + skip;
	size_t n = req->target.len - skip, i;

	for (i = 0; i < n && a[i] != '/' && a[i] != '?'; i++) {
		if (a[i] == '@')
			return KSRV_HTTP_BAD_REQUEST;	/* userinfo is deprecated */
	}
	if (!i)
		return KSRV_HTTP_BAD_REQUEST;
	req->host.ptr = a;
	req->host.len = i;
	req->seen |= SEEN_ABSOLUTE;
	if (i < n && a[i] == '/') {
		req->path.ptr = a + i;
		req->path.len = n - i;
	} else {
		req->path.ptr = "/";
		req->path.len = 1;
	}
	return KSRV_HTTP_DONE;
}

/* Origin-form or absolute-form; asterisk- and authority-form are 400. */
static int classify_target(struct ksrv_http_request *req)
{
	const char *t = req->target.ptr;
	size_t n = req->target.len;

	if (t[0] == '/') {
		req->path = req->target;
		return KSRV_HTTP_DONE;
	}
	if (n > 7 && ksrv_http_ieq(t, 7, "http://"))
		return absolute_form(req, 7);
	if (n > 8 && ksrv_http_ieq(t, 8, "https://"))
		return absolute_form(req, 8);
	return KSRV_HTTP_BAD_REQUEST;
}

/* method SP request-target SP HTTP-version, exactly single spaces. */
static int parse_request_line(const char *s, size_t n, struct ksrv_http_request *req)
{
	const char *sp1, *sp2;
	size_t mlen;
	int ret;

	sp1 = memchr(s, ' ', n);
	if (!sp1 || !all_tchar(s, (size_t)(sp1 - s)))
		return KSRV_HTTP_BAD_REQUEST;
	mlen = (size_t)(sp1 - s);
	sp1++;
	sp2 = memchr(sp1, ' ', n - (size_t)(sp1 - s));
	if (!sp2 || !valid_target(sp1, (size_t)(sp2 - sp1)))
		return KSRV_HTTP_BAD_REQUEST;
	req->target.ptr = sp1;
	req->target.len = (size_t)(sp2 - sp1);
	sp2++;
	ret = parse_version(sp2, n - (size_t)(sp2 - s), req);
	if (ret)
		return ret;
	req->method = lookup_method(s, mlen);
	if (req->method == KSRV_HTTP_M_UNKNOWN)
		return KSRV_HTTP_NOT_IMPLEMENTED;
	if (req->method != KSRV_HTTP_M_GET && req->method != KSRV_HTTP_M_HEAD)
		return KSRV_HTTP_METHOD_NOT_ALLOWED;
	return classify_target(req);
}

/* Consume the request-line at *pos; limits first so they win over syntax. */
static int request_line(const char *buf, size_t len, size_t *pos,
			const struct ksrv_http_limits *lim,
			struct ksrv_http_request *req)
{
	size_t eol, next;
	int ret;

	ret = find_line(buf, len, *pos, &eol, &next);
	if (ret == KSRV_HTTP_NEED_MORE) {
		ret = partial_request_line(buf + *pos, len - *pos, lim);
		if (ret == KSRV_HTTP_NEED_MORE && len > lim->max_head)
			ret = KSRV_HTTP_HEADERS_TOO_LARGE;
		return ret;
	}
	if (eol - *pos > lim->max_line)
		return KSRV_HTTP_URI_TOO_LONG;
	if (next > lim->max_head)
		return KSRV_HTTP_HEADERS_TOO_LARGE;
	if (ret)
		return ret;
	ret = parse_request_line(buf + *pos, eol - *pos, req);
	*pos = next;
	return ret;
}

/* Host = uri-host [ ":" port ]: reg-name, IP literal or IPv4 characters. */
static int field_host(struct ksrv_http_request *req, const char *v, size_t n)
{
	static const char extra[] = "-._~!$&'()*+,;=:[]%";
	size_t i;
	u8 c;

	if (req->has_host)
		return KSRV_HTTP_BAD_REQUEST;	/* RFC 9112 3.2: exactly one */
	req->has_host = true;
	for (i = 0; i < n; i++) {
		c = (u8)v[i];
		if (!ksrv_http_is_alpha(c) && !ksrv_http_is_digit(c) &&
		    (!c || !memchr(extra, c, sizeof(extra) - 1)))
			return KSRV_HTTP_BAD_REQUEST;
	}
	/* The target's authority takes precedence (RFC 9112 3.2.2). */
	if (!(req->seen & SEEN_ABSOLUTE)) {
		req->host.ptr = v;
		req->host.len = n;
	}
	return KSRV_HTTP_DONE;
}

/* Comma-separated connection options; only close and keep-alive matter. */
static int field_connection(struct ksrv_http_request *req, const char *v, size_t n)
{
	const char *e, *tok;
	size_t elen, tlen;

	while (n) {
		e = memchr(v, ',', n);
		elen = e ? (size_t)(e - v) : n;
		tok = v;
		tlen = elen;
		ksrv_http_trim_ows(&tok, &tlen);
		if (ksrv_http_ieq(tok, tlen, "close"))
			req->conn_close = true;
		else if (ksrv_http_ieq(tok, tlen, "keep-alive"))
			req->conn_keep_alive = true;
		if (!e)
			break;
		v = e + 1;
		n -= elen + 1;
	}
	return KSRV_HTTP_DONE;
}

static int field_content_length(struct ksrv_http_request *req, const char *v, size_t n)
{
	size_t i;
	u64 cl = 0;

	/* Duplicates, even equal ones, and lists are framing ambiguities. */
	if (req->has_content_length || !n || n > CL_MAX_DIGITS)
		return KSRV_HTTP_BAD_REQUEST;
	for (i = 0; i < n; i++) {
		if (!ksrv_http_is_digit((u8)v[i]))
			return KSRV_HTTP_BAD_REQUEST;
		cl = cl * 10 + (u64)(v[i] - '0');
	}
	req->has_content_length = true;
	req->content_length = cl;
	return KSRV_HTTP_DONE;
}

/* Any transfer coding is refused later; an empty one is malformed now. */
static int field_transfer_encoding(struct ksrv_http_request *req, const char *v,
				   size_t n)
{
	req->has_transfer_encoding = true;
	return n && ksrv_http_is_tchar((u8)v[0]) ? KSRV_HTTP_DONE : KSRV_HTTP_BAD_REQUEST;
}

/* A second copy makes the condition ambiguous: drop it (RFC 9110 13.1). */
static void set_once(struct ksrv_http_request *req, u8 bit,
		     struct ksrv_http_str *dst, const char *v, size_t n)
{
	if (req->seen & bit) {
		dst->ptr = NULL;
		dst->len = 0;
		return;
	}
	req->seen |= bit;
	dst->ptr = v;
	dst->len = n;
}

static int field_if_modified_since(struct ksrv_http_request *req, const char *v,
				   size_t n)
{
	if (req->seen & SEEN_IMS) {
		req->ims_valid = false;
		return KSRV_HTTP_DONE;
	}
	req->seen |= SEEN_IMS;
	req->ims_valid = ksrv_http_date_parse(v, n, &req->if_modified_since);
	return KSRV_HTTP_DONE;
}

static int field_if_none_match(struct ksrv_http_request *req, const char *v, size_t n)
{
	set_once(req, SEEN_INM, &req->if_none_match, v, n);
	return KSRV_HTTP_DONE;
}

static int field_range(struct ksrv_http_request *req, const char *v, size_t n)
{
	set_once(req, SEEN_RANGE, &req->range, v, n);
	return KSRV_HTTP_DONE;
}

static int field_if_range(struct ksrv_http_request *req, const char *v, size_t n)
{
	set_once(req, SEEN_IF_RANGE, &req->if_range, v, n);
	return KSRV_HTTP_DONE;
}

/* Only "100-continue" is defined; without a body it needs no 100 reply. */
static int field_expect(struct ksrv_http_request *req, const char *v, size_t n)
{
	if (ksrv_http_ieq(v, n, "100-continue"))
		req->expect_continue = true;
	else
		req->bad_expect = true;
	return KSRV_HTTP_DONE;
}

struct field_handler {
	const char *name;	/* lower case */
	int (*fn)(struct ksrv_http_request *req, const char *v, size_t n);
};

static const struct field_handler field_handlers[] = {
	{ "host", field_host },
	{ "connection", field_connection },
	{ "content-length", field_content_length },
	{ "transfer-encoding", field_transfer_encoding },
	{ "if-modified-since", field_if_modified_since },
	{ "if-none-match", field_if_none_match },
	{ "range", field_range },
	{ "if-range", field_if_range },
	{ "expect", field_expect },
};

/* field-value bytes: VCHAR, obs-text, SP and HT (RFC 9110 5.5). */
static bool valid_value(const char *v, size_t n)
{
	size_t i;
	u8 c;

	for (i = 0; i < n; i++) {
		c = (u8)v[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* field-name ":" OWS field-value OWS */
static int parse_field(struct ksrv_http_request *req, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	const char *v;
	size_t nlen, vlen, i;

	/* Also rejects obs-fold: a continuation line starts with SP/HT. */
	if (!colon || !all_tchar(s, (size_t)(colon - s)))
		return KSRV_HTTP_BAD_REQUEST;
	nlen = (size_t)(colon - s);
	v = colon + 1;
	vlen = n - nlen - 1;
	if (!valid_value(v, vlen))
		return KSRV_HTTP_BAD_REQUEST;
	ksrv_http_trim_ows(&v, &vlen);
	for (i = 0; i < ARRAY_SIZE(field_handlers); i++) {
		if (ksrv_http_ieq(s, nlen, field_handlers[i].name))
			return field_handlers[i].fn(req, v, vlen);
	}
	return KSRV_HTTP_DONE;
}

/* Checks that need the whole head, in order of precedence. */
static int finish_head(struct ksrv_http_request *req)
{
	if (req->version_minor == 1 && !req->has_host)
		return KSRV_HTTP_BAD_REQUEST;
	if (req->has_transfer_encoding) {
		if (req->has_content_length || req->version_minor == 0)
			return KSRV_HTTP_BAD_REQUEST;
		return KSRV_HTTP_NOT_IMPLEMENTED;
	}
	if (req->content_length)
		return KSRV_HTTP_CONTENT_TOO_LARGE;
	if (req->bad_expect)
		return KSRV_HTTP_EXPECTATION_FAILED;
	/* An ambiguous If-Range makes the Range unsafe to honour. */
	if (!req->if_range.len && (req->seen & SEEN_IF_RANGE)) {
		req->range.ptr = NULL;
		req->range.len = 0;
	}
	/* RFC 9110 13.1.3: If-None-Match present -> ignore If-Modified-Since. */
	if (req->seen & SEEN_INM)
		req->ims_valid = false;
	if (req->version_minor == 1)
		req->keep_alive = !req->conn_close;
	else
		req->keep_alive = req->conn_keep_alive && !req->conn_close;
	return KSRV_HTTP_DONE;
}

/* Header field lines up to and including the empty line. */
static int header_lines(const char *buf, size_t len, size_t *pos,
			const struct ksrv_http_limits *lim,
			struct ksrv_http_request *req)
{
	size_t eol, next, start;
	int ret;

	for (;;) {
		start = *pos;
		ret = find_line(buf, len, start, &eol, &next);
		if (ret == KSRV_HTTP_NEED_MORE)
			return len > lim->max_head ? KSRV_HTTP_HEADERS_TOO_LARGE : ret;
		if (next > lim->max_head)
			return KSRV_HTTP_HEADERS_TOO_LARGE;
		if (ret)
			return ret;
		*pos = next;
		if (eol == start)
			return finish_head(req);
		if (++req->header_count > lim->max_headers)
			return KSRV_HTTP_HEADERS_TOO_LARGE;
		ret = parse_field(req, buf + start, eol - start);
		if (ret)
			return ret;
	}
}

/**
 * ksrv_http_parse_head() - parse a (possibly partial) HTTP/1.x request head
 * @buf: bytes received so far on the connection (may contain NULs)
 * @len: number of bytes in @buf
 * @lim: size limits; a head that would exceed them is rejected
 * @req: result; all slices point into @buf (or at static strings)
 *
 * Call again with the longer buffer when KSRV_HTTP_NEED_MORE is returned.
 * On KSRV_HTTP_DONE the head occupies the first @req->head_len bytes of @buf
 * and anything after it belongs to the next (pipelined) request.  @req is
 * reset on every call; after an error some of its fields may be set.
 *
 * Return: KSRV_HTTP_DONE, KSRV_HTTP_NEED_MORE or an HTTP error status
 * (see enum ksrv_http_parse_result), after which the connection must be
 * closed once the error response is sent.
 */
enum ksrv_http_parse_result ksrv_http_parse_head(const char *buf, size_t len,
						 const struct ksrv_http_limits *lim,
						 struct ksrv_http_request *req)
{
	size_t pos = 0;
	int ret;

	memset(req, 0, sizeof(*req));
	ret = skip_empty_lines(buf, len, &pos);
	if (!ret && pos > lim->max_head)
		ret = KSRV_HTTP_HEADERS_TOO_LARGE;
	if (ret == KSRV_HTTP_NEED_MORE && len > lim->max_head)
		ret = KSRV_HTTP_HEADERS_TOO_LARGE;
	if (!ret)
		ret = request_line(buf, len, &pos, lim, req);
	if (!ret)
		ret = header_lines(buf, len, &pos, lim, req);
	if (!ret)
		req->head_len = pos;
	return (enum ksrv_http_parse_result)ret;
}

struct etag {
	const char *opaque;	/* including the double quotes */
	size_t len;
	bool weak;
};

/* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE  (RFC 9110 8.8.3) */
static bool get_etag(const char *v, size_t n, size_t *pos, struct etag *t)
{
	size_t i = *pos, start;
	u8 c;

	t->weak = n - i >= 2 && v[i] == 'W' && v[i + 1] == '/';
	if (t->weak)
		i += 2;
	if (i >= n || v[i] != '"')
		return false;
	start = i++;
	for (; i < n && v[i] != '"'; i++) {
		c = (u8)v[i];
		if (c < 0x21 || c == 0x7f)
			return false;
	}
	if (i >= n)
		return false;
	i++;
	t->opaque = v + start;
	t->len = i - start;
	*pos = i;
	return true;
}

static bool etag_equal(const struct etag *a, const struct etag *b, bool weak)
{
	if (!weak && (a->weak || b->weak))
		return false;
	return a->len == b->len && !memcmp(a->opaque, b->opaque, a->len);
}

/* Skip OWS and empty list elements; true if another element follows. */
static bool next_element(const char *v, size_t n, size_t *pos)
{
	while (*pos < n && (ksrv_http_is_ows((u8)v[*pos]) || v[*pos] == ','))
		(*pos)++;
	return *pos < n;
}

/**
 * ksrv_http_etag_match() - does an If-None-Match / If-Match list match?
 * @list: field value: "*" or a comma-separated list of entity-tags
 * @list_len: length of @list
 * @etag: the current entity-tag of the resource, e.g. "\"abc\"" or W/"abc"
 * @etag_len: length of @etag
 * @weak: true for the weak comparison (If-None-Match), false for the strong
 *	one (If-Match, If-Range), where weak tags never match
 *
 * A malformed @list or @etag never matches, so the request is served as if
 * the condition were absent.
 *
 * Return: true if @list is "*" or contains a tag equal to @etag.
 */
bool ksrv_http_etag_match(const char *list, size_t list_len,
			  const char *etag, size_t etag_len, bool weak)
{
	struct etag cur, t;
	size_t pos = 0;

	ksrv_http_trim_ows(&list, &list_len);
	if (list_len == 1 && list[0] == '*')
		return true;
	if (!get_etag(etag, etag_len, &pos, &cur) || pos != etag_len)
		return false;
	pos = 0;
	while (next_element(list, list_len, &pos)) {
		if (!get_etag(list, list_len, &pos, &t))
			return false;
		if (etag_equal(&cur, &t, weak))
			return true;
		while (pos < list_len && ksrv_http_is_ows((u8)list[pos]))
			pos++;
		if (pos < list_len && list[pos] != ',')
			return false;
	}
	return false;
}
