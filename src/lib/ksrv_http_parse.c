// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_parse.c - HTTP/1.x request head parser.
 *
 * Strictness is deliberate: a static file server has no body to read, so the
 * only framing question is where the head ends, and every ambiguity that
 * could let a front-end proxy and this server disagree about that (request
 * smuggling) is answered with an error and a closed connection:
 *  - a line ends with CRLF; a lone LF is 400 unless the caller asks for it
 *    (RFC 9112 2.2 lets recipients accept one, but a proxy in front that
 *    does not would see other requests than ksrv); a CR not followed by
 *    LF anywhere is 400;
 *  - obsolete line folding (a field line starting with SP/HT) is 400;
 *  - whitespace or any other non-token byte in a field name is 400;
 *  - NUL, other controls and DEL in field values are 400;
 *  - Transfer-Encoding is 501, or 400 together with Content-Length or in an
 *    HTTP/1.0 request; duplicate or non-numeric Content-Length is 400; a
 *    non-zero Content-Length is 413 since no request body is accepted.
 * Empty lines before the request-line are skipped (RFC 9112 2.2).
 * HTTP/1.2 to HTTP/1.9 are served as HTTP/1.1 (RFC 9110 2.5).
 *
 * The result for a prefix of a request is either NEED_MORE or an error;
 * once a prefix yields an error, the full request does too.
 *
 * Resuming: every check on a complete line runs once, when its LF arrives;
 * the checks on the incomplete line at the end of the buffer (its length,
 * the method's bytes) remember how far they got.  So the parser's state
 * after a call depends only on the bytes seen, not on how they were split,
 * and so does every verdict.
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

/* ksrv_http_parser.phase: what the line at ->pos is. */
enum {
	PHASE_EMPTY = 0,	/* empty lines before the request-line */
	PHASE_LINE,		/* the request-line */
	PHASE_FIELDS,		/* header field lines, up to the empty one */
	PHASE_END,		/* ->result is the verdict */
};

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
 * Find the end of the line at p->pos, scanning only bytes not scanned by an
 * earlier call.  On success *eol is the end of its content (before CRLF)
 * and *next the start of the following line.
 */
static int find_line(struct ksrv_http_parser *p, const char *buf, size_t len,
		     bool bare_lf, size_t *eol, size_t *next)
{
	size_t from = p->pos + p->scanned;
	const char *nl = memchr(buf + from, '\n', len - from);

	if (!nl) {
		p->scanned = len - p->pos;
		return KSRV_HTTP_NEED_MORE;
	}
	p->scanned = 0;
	*next = (size_t)(nl - buf) + 1;
	*eol = *next - 1;
	if (*eol > p->pos && buf[*eol - 1] == '\r')
		(*eol)--;
	else if (!bare_lf)
		return KSRV_HTTP_BAD_REQUEST;	/* bare LF */
	if (memchr(buf + p->pos, '\r', *eol - p->pos))
		return KSRV_HTTP_BAD_REQUEST;	/* bare CR */
	return KSRV_HTTP_DONE;
}

/* Skip empty lines that some clients send before a (pipelined) request. */
static int skip_empty_lines(struct ksrv_http_parser *p, const char *buf,
			    size_t len, bool bare_lf)
{
	while (p->pos < len) {
		if (buf[p->pos] == '\n') {
			if (!bare_lf)
				return KSRV_HTTP_BAD_REQUEST;
			p->pos++;
		} else if (buf[p->pos] == '\r') {
			if (p->pos + 1 == len)
				return KSRV_HTTP_NEED_MORE;
			if (buf[p->pos + 1] != '\n')
				return KSRV_HTTP_BAD_REQUEST;
			p->pos += 2;
		} else {
			return KSRV_HTTP_DONE;
		}
	}
	return KSRV_HTTP_NEED_MORE;
}

static int empty_lines(struct ksrv_http_parser *p, const char *buf, size_t len,
		       const struct ksrv_http_limits *lim)
{
	int ret = skip_empty_lines(p, buf, len, lim->bare_lf);

	if (!ret && p->pos > lim->max_head)
		ret = KSRV_HTTP_HEADERS_TOO_LARGE;
	if (ret == KSRV_HTTP_NEED_MORE && len > lim->max_head)
		ret = KSRV_HTTP_HEADERS_TOO_LARGE;
	return ret;
}

/*
 * Early verdict on an incomplete request-line, so that an over-long line or
 * something that is not HTTP at all (a TLS ClientHello) does not sit in the
 * buffer until the head limit is reached.  The method's bytes are checked
 * once each: p->checked remembers how many passed.
 */
static int partial_request_line(struct ksrv_http_parser *p, const char *buf,
				size_t len, const struct ksrv_http_limits *lim)
{
	const char *s = buf + p->pos;
	size_t n = len - p->pos;

	if (n && s[n - 1] == '\r')
		n--;	/* may be the CR of the CRLF */
	if (n > lim->max_line)
		return KSRV_HTTP_URI_TOO_LONG;
	for (; !p->method_end && p->checked < n; p->checked++) {
		if (s[p->checked] == ' ')
			p->method_end = true;
		else if (!ksrv_http_is_tchar((u8)s[p->checked]))
			return KSRV_HTTP_BAD_REQUEST;
	}
	return KSRV_HTTP_NEED_MORE;
}

/*
 * "HTTP/1.0" and "HTTP/1.1" are served; so are "HTTP/1.2" to "HTTP/1.9", as
 * HTTP/1.1: a recipient treats a higher minor version of the major it
 * speaks as the highest minor it supports (RFC 9110 2.5).  Other
 * "HTTP/d.d" get 505.
 */
static int parse_version(const char *s, size_t n, struct ksrv_http_request *req)
{
	if (n != 8 || memcmp(s, "HTTP/", 5) || !ksrv_http_is_digit((u8)s[5]) ||
	    s[6] != '.' || !ksrv_http_is_digit((u8)s[7]))
		return KSRV_HTTP_BAD_REQUEST;
	if (s[5] != '1')
		return KSRV_HTTP_VERSION_NOT_SUPPORTED;
	req->version_minor = s[7] == '0' ? 0 : 1;
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

static void set_span(struct ksrv_http_span *dst, size_t off, size_t len)
{
	dst->off = off;
	dst->len = len;
}

/* "http://authority/path?query" -> host and path; RFC 9112 3.2.2. */
static int absolute_form(struct ksrv_http_parser *p, const char *buf,
			 size_t skip)
{
	size_t off = p->target.off + skip, n = p->target.len - skip, i;
	const char *a = buf + off;

	for (i = 0; i < n && a[i] != '/' && a[i] != '?'; i++) {
		if (a[i] == '@')
			return KSRV_HTTP_BAD_REQUEST;	/* userinfo is deprecated */
	}
	if (!i)
		return KSRV_HTTP_BAD_REQUEST;
	set_span(&p->host, off, i);
	p->req.seen |= SEEN_ABSOLUTE;
	if (i < n && a[i] == '/')
		set_span(&p->path, off + i, n - i);
	else
		p->path_root = true;
	return KSRV_HTTP_DONE;
}

/* Origin-form or absolute-form; asterisk- and authority-form are 400. */
static int classify_target(struct ksrv_http_parser *p, const char *buf)
{
	const char *t = buf + p->target.off;
	size_t n = p->target.len;

	if (t[0] == '/') {
		p->path = p->target;
		return KSRV_HTTP_DONE;
	}
	if (n > 7 && ksrv_http_ieq(t, 7, "http://"))
		return absolute_form(p, buf, 7);
	if (n > 8 && ksrv_http_ieq(t, 8, "https://"))
		return absolute_form(p, buf, 8);
	return KSRV_HTTP_BAD_REQUEST;
}

/* method SP request-target SP HTTP-version, exactly single spaces. */
static int parse_request_line(struct ksrv_http_parser *p, const char *buf,
			      size_t off, size_t n)
{
	const char *s = buf + off, *sp1, *sp2;
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
	set_span(&p->target, (size_t)(sp1 - buf), (size_t)(sp2 - sp1));
	sp2++;
	ret = parse_version(sp2, n - (size_t)(sp2 - s), &p->req);
	if (ret)
		return ret;
	p->req.method = lookup_method(s, mlen);
	if (p->req.method == KSRV_HTTP_M_UNKNOWN)
		return KSRV_HTTP_NOT_IMPLEMENTED;
	if (p->req.method != KSRV_HTTP_M_GET && p->req.method != KSRV_HTTP_M_HEAD)
		return KSRV_HTTP_METHOD_NOT_ALLOWED;
	return classify_target(p, buf);
}

/* Consume the request-line at p->pos; limits first so they win over syntax. */
static int request_line(struct ksrv_http_parser *p, const char *buf, size_t len,
			const struct ksrv_http_limits *lim)
{
	size_t eol, next;
	int ret;

	ret = find_line(p, buf, len, lim->bare_lf, &eol, &next);
	if (ret == KSRV_HTTP_NEED_MORE) {
		ret = partial_request_line(p, buf, len, lim);
		if (ret == KSRV_HTTP_NEED_MORE && len > lim->max_head)
			ret = KSRV_HTTP_HEADERS_TOO_LARGE;
		return ret;
	}
	if (eol - p->pos > lim->max_line)
		return KSRV_HTTP_URI_TOO_LONG;
	if (next > lim->max_head)
		return KSRV_HTTP_HEADERS_TOO_LARGE;
	if (ret)
		return ret;
	ret = parse_request_line(p, buf, p->pos, eol - p->pos);
	p->pos = next;
	return ret;
}

/* A field's trimmed value: its bytes, and where they are in the head. */
struct field {
	const char *v;
	size_t off;
	size_t n;
};

/* Host = uri-host [ ":" port ]: reg-name, IP literal or IPv4 characters. */
static int field_host(struct ksrv_http_parser *p, const struct field *f)
{
	static const char extra[] = "-._~!$&'()*+,;=:[]%";
	size_t i;
	u8 c;

	if (p->req.has_host)
		return KSRV_HTTP_BAD_REQUEST;	/* RFC 9112 3.2: exactly one */
	p->req.has_host = true;
	for (i = 0; i < f->n; i++) {
		c = (u8)f->v[i];
		if (!ksrv_http_is_alpha(c) && !ksrv_http_is_digit(c) &&
		    (!c || !memchr(extra, c, sizeof(extra) - 1)))
			return KSRV_HTTP_BAD_REQUEST;
	}
	/* The target's authority takes precedence (RFC 9112 3.2.2). */
	if (!(p->req.seen & SEEN_ABSOLUTE))
		set_span(&p->host, f->off, f->n);
	return KSRV_HTTP_DONE;
}

/* Comma-separated connection options; only close and keep-alive matter. */
static int field_connection(struct ksrv_http_parser *p, const struct field *f)
{
	const char *v = f->v, *e, *tok;
	size_t n = f->n, elen, tlen;

	while (n) {
		e = memchr(v, ',', n);
		elen = e ? (size_t)(e - v) : n;
		tok = v;
		tlen = elen;
		ksrv_http_trim_ows(&tok, &tlen);
		if (ksrv_http_ieq(tok, tlen, "close"))
			p->req.conn_close = true;
		else if (ksrv_http_ieq(tok, tlen, "keep-alive"))
			p->req.conn_keep_alive = true;
		if (!e)
			break;
		v = e + 1;
		n -= elen + 1;
	}
	return KSRV_HTTP_DONE;
}

static int field_content_length(struct ksrv_http_parser *p,
				const struct field *f)
{
	size_t i;
	u64 cl = 0;

	/* Duplicates, even equal ones, and lists are framing ambiguities. */
	if (p->req.has_content_length || !f->n || f->n > CL_MAX_DIGITS)
		return KSRV_HTTP_BAD_REQUEST;
	for (i = 0; i < f->n; i++) {
		if (!ksrv_http_is_digit((u8)f->v[i]))
			return KSRV_HTTP_BAD_REQUEST;
		cl = cl * 10 + (u64)(f->v[i] - '0');
	}
	p->req.has_content_length = true;
	p->req.content_length = cl;
	return KSRV_HTTP_DONE;
}

/* Any transfer coding is refused later; an empty one is malformed now. */
static int field_transfer_encoding(struct ksrv_http_parser *p,
				   const struct field *f)
{
	p->req.has_transfer_encoding = true;
	return f->n && ksrv_http_is_tchar((u8)f->v[0]) ? KSRV_HTTP_DONE :
							 KSRV_HTTP_BAD_REQUEST;
}

/* A second copy makes the condition ambiguous: drop it (RFC 9110 13.1). */
static int set_once(struct ksrv_http_parser *p, u8 bit,
		    struct ksrv_http_span *dst, const struct field *f)
{
	if (p->req.seen & bit) {
		set_span(dst, 0, 0);
		return KSRV_HTTP_DONE;
	}
	p->req.seen |= bit;
	set_span(dst, f->off, f->n);
	return KSRV_HTTP_DONE;
}

static int field_if_modified_since(struct ksrv_http_parser *p,
				   const struct field *f)
{
	if (p->req.seen & SEEN_IMS) {
		p->req.ims_valid = false;
		return KSRV_HTTP_DONE;
	}
	p->req.seen |= SEEN_IMS;
	p->req.ims_valid = ksrv_http_date_parse(f->v, f->n,
						&p->req.if_modified_since);
	return KSRV_HTTP_DONE;
}

static int field_if_none_match(struct ksrv_http_parser *p,
			       const struct field *f)
{
	return set_once(p, SEEN_INM, &p->if_none_match, f);
}

static int field_range(struct ksrv_http_parser *p, const struct field *f)
{
	return set_once(p, SEEN_RANGE, &p->range, f);
}

static int field_if_range(struct ksrv_http_parser *p, const struct field *f)
{
	return set_once(p, SEEN_IF_RANGE, &p->if_range, f);
}

/* Only "100-continue" is defined; without a body it needs no 100 reply. */
static int field_expect(struct ksrv_http_parser *p, const struct field *f)
{
	if (ksrv_http_ieq(f->v, f->n, "100-continue"))
		p->req.expect_continue = true;
	else
		p->req.bad_expect = true;
	return KSRV_HTTP_DONE;
}

struct field_handler {
	const char *name;	/* lower case */
	int (*fn)(struct ksrv_http_parser *p, const struct field *f);
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

/* field-name ":" OWS field-value OWS, the line at @off of @n bytes */
static int parse_field(struct ksrv_http_parser *p, const char *buf, size_t off,
		       size_t n)
{
	const char *s = buf + off, *colon = memchr(s, ':', n);
	struct field f;
	size_t nlen, i;

	/* Also rejects obs-fold: a continuation line starts with SP/HT. */
	if (!colon || !all_tchar(s, (size_t)(colon - s)))
		return KSRV_HTTP_BAD_REQUEST;
	nlen = (size_t)(colon - s);
	f.v = colon + 1;
	f.n = n - nlen - 1;
	if (!valid_value(f.v, f.n))
		return KSRV_HTTP_BAD_REQUEST;
	ksrv_http_trim_ows(&f.v, &f.n);
	f.off = (size_t)(f.v - buf);
	for (i = 0; i < ARRAY_SIZE(field_handlers); i++) {
		if (ksrv_http_ieq(s, nlen, field_handlers[i].name))
			return field_handlers[i].fn(p, &f);
	}
	return KSRV_HTTP_DONE;
}

/* Checks that need the whole head, in order of precedence. */
static int finish_head(struct ksrv_http_parser *p)
{
	struct ksrv_http_request *req = &p->req;

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
	if (!p->if_range.len && (req->seen & SEEN_IF_RANGE))
		set_span(&p->range, 0, 0);
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
static int header_lines(struct ksrv_http_parser *p, const char *buf,
			size_t len, const struct ksrv_http_limits *lim)
{
	size_t eol, next, start;
	int ret;

	for (;;) {
		start = p->pos;
		ret = find_line(p, buf, len, lim->bare_lf, &eol, &next);
		if (ret == KSRV_HTTP_NEED_MORE)
			return len > lim->max_head ? KSRV_HTTP_HEADERS_TOO_LARGE : ret;
		if (next > lim->max_head)
			return KSRV_HTTP_HEADERS_TOO_LARGE;
		if (ret)
			return ret;
		p->pos = next;
		if (eol == start)
			return finish_head(p);
		if (++p->req.header_count > lim->max_headers)
			return KSRV_HTTP_HEADERS_TOO_LARGE;
		ret = parse_field(p, buf, start, eol - start);
		if (ret)
			return ret;
	}
}

static void make_slice(struct ksrv_http_str *dst, const char *buf,
		       const struct ksrv_http_span *s)
{
	dst->ptr = s->len ? buf + s->off : NULL;
	dst->len = s->len;
}

/* The head is complete: point the request's slices into @buf. */
static void make_slices(struct ksrv_http_parser *p, const char *buf)
{
	struct ksrv_http_request *req = &p->req;

	make_slice(&req->target, buf, &p->target);
	make_slice(&req->path, buf, &p->path);
	if (p->path_root) {
		req->path.ptr = "/";
		req->path.len = 1;
	}
	make_slice(&req->host, buf, &p->host);
	make_slice(&req->if_none_match, buf, &p->if_none_match);
	make_slice(&req->range, buf, &p->range);
	make_slice(&req->if_range, buf, &p->if_range);
	req->head_len = p->pos;
}

/* One step for each part of the head that is complete in @buf. */
static int parse_step(struct ksrv_http_parser *p, const char *buf, size_t len,
		      const struct ksrv_http_limits *lim)
{
	int ret = KSRV_HTTP_DONE;

	if (p->phase == PHASE_EMPTY) {
		ret = empty_lines(p, buf, len, lim);
		if (!ret)
			p->phase = PHASE_LINE;
	}
	if (!ret && p->phase == PHASE_LINE) {
		ret = request_line(p, buf, len, lim);
		if (!ret)
			p->phase = PHASE_FIELDS;
	}
	if (!ret && p->phase == PHASE_FIELDS)
		ret = header_lines(p, buf, len, lim);
	return ret;
}

/**
 * ksrv_http_parser_init() - start parsing a new request head
 * @p: the parser; all zero is the same
 */
void ksrv_http_parser_init(struct ksrv_http_parser *p)
{
	memset(p, 0, sizeof(*p));
}

/**
 * ksrv_http_parse_more() - parse what arrived of a request head
 * @p: the parser, from ksrv_http_parser_init() or earlier calls
 * @buf: the bytes of the head received so far, from its first byte; the
 *	bytes of earlier calls must be unchanged at the same offsets, but
 *	@buf may be another address (a copy in a bigger buffer)
 * @len: number of bytes in @buf, not less than in the call before
 * @lim: limits and rules, the same on every call for one head
 *
 * Only the bytes after the last complete line of the call before are
 * looked at again, so a head costs time in proportion to its size however
 * it is split.  The result is the one ksrv_http_parse_head() gives for the
 * first @len bytes of @buf.  On KSRV_HTTP_DONE the head occupies the first
 * @p->req.head_len bytes of @buf, @p->req is complete and its slices
 * point into @buf; anything after the head belongs to the next (pipelined)
 * request, for which the parser must be initialised again.  Once DONE or
 * an error is returned, later calls return it again.
 *
 * Return: KSRV_HTTP_DONE, KSRV_HTTP_NEED_MORE or an HTTP error status
 * (see enum ksrv_http_parse_result), after which the connection must be
 * closed once the error response is sent.
 */
enum ksrv_http_parse_result ksrv_http_parse_more(struct ksrv_http_parser *p,
						 const char *buf, size_t len,
						 const struct ksrv_http_limits *lim)
{
	int ret;

	if (p->phase == PHASE_END)
		return (enum ksrv_http_parse_result)p->result;
	ret = parse_step(p, buf, len, lim);
	if (ret == KSRV_HTTP_NEED_MORE)
		return KSRV_HTTP_NEED_MORE;
	p->phase = PHASE_END;
	p->result = ret;
	if (!ret)
		make_slices(p, buf);
	return (enum ksrv_http_parse_result)ret;
}

/**
 * ksrv_http_parse_head() - parse a (possibly partial) HTTP/1.x request head
 * @buf: bytes received so far on the connection (may contain NULs)
 * @len: number of bytes in @buf
 * @lim: size limits and rules; a head that would exceed them is rejected
 * @req: result; all slices point into @buf (or at static strings)
 *
 * The whole of @buf at once, with a parser of its own: the reference that
 * ksrv_http_parse_more() is tested against.  On KSRV_HTTP_DONE the head
 * occupies the first @req->head_len bytes of @buf and anything after it
 * belongs to the next (pipelined) request.  @req is reset on every call;
 * after an error some of its fields may be set.
 *
 * Return: as ksrv_http_parse_more().
 */
enum ksrv_http_parse_result ksrv_http_parse_head(const char *buf, size_t len,
						 const struct ksrv_http_limits *lim,
						 struct ksrv_http_request *req)
{
	struct ksrv_http_parser p;
	enum ksrv_http_parse_result ret;

	ksrv_http_parser_init(&p);
	ret = ksrv_http_parse_more(&p, buf, len, lim);
	*req = p.req;
	return ret;
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
