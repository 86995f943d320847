/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_parse.h - HTTP/1.x request head parser (RFC 9110, RFC 9112).
 *
 * The parser is resumable: a struct ksrv_http_parser keeps where the last
 * complete line ended and what the lines before it said, so each arrival
 * of bytes costs time in proportion to the new bytes only.  A head that
 * trickles in one byte per segment is parsed in linear total time, where
 * re-parsing it from its start on every arrival would be quadratic.
 * ksrv_http_parse_head() parses a buffer at once; both give the same
 * result for the same bytes, however they are split.
 */
#ifndef _KSRV_HTTP_PARSE_H
#define _KSRV_HTTP_PARSE_H

#include "ksrv_plain.h"

/*
 * Parser results.  Values >= 400 are the HTTP status the server must send;
 * after any of them it must close the connection, since the rest of the
 * request (and any body) has not been consumed.
 */
enum ksrv_http_parse_result {
	KSRV_HTTP_DONE = 0,		/* complete head, see req->head_len */
	KSRV_HTTP_NEED_MORE = 1,	/* no error so far, head incomplete */
	KSRV_HTTP_BAD_REQUEST = 400,
	KSRV_HTTP_METHOD_NOT_ALLOWED = 405,	/* add "Allow: GET, HEAD" */
	KSRV_HTTP_CONTENT_TOO_LARGE = 413,
	KSRV_HTTP_URI_TOO_LONG = 414,
	KSRV_HTTP_EXPECTATION_FAILED = 417,
	KSRV_HTTP_HEADERS_TOO_LARGE = 431,
	KSRV_HTTP_NOT_IMPLEMENTED = 501,
	KSRV_HTTP_VERSION_NOT_SUPPORTED = 505,
};

enum ksrv_http_method {
	KSRV_HTTP_M_UNKNOWN = 0,
	KSRV_HTTP_M_GET,
	KSRV_HTTP_M_HEAD,
	/* Known but not served: 405. */
	KSRV_HTTP_M_POST,
	KSRV_HTTP_M_PUT,
	KSRV_HTTP_M_DELETE,
	KSRV_HTTP_M_OPTIONS,
	KSRV_HTTP_M_PATCH,
	KSRV_HTTP_M_TRACE,
	KSRV_HTTP_M_CONNECT,
};

/* A counted view into the caller's receive buffer (or a static string). */
struct ksrv_http_str {
	const char *ptr;
	size_t len;
};

/* Limits and the one tolerance a caller may choose. */
struct ksrv_http_limits {
	size_t max_line;	/* request-line bytes, excluding CRLF -> 414 */
	size_t max_head;	/* whole head incl. final empty line -> 431 */
	u32 max_headers;	/* number of header field lines -> 431 */
	bool bare_lf;		/* accept a lone LF as line end, else 400 */
};

struct ksrv_http_request {
	enum ksrv_http_method method;
	u8 version_minor;		/* 0, or 1 for HTTP/1.1 to HTTP/1.9 */
	bool keep_alive;		/* persistent after this response */
	bool conn_close;		/* Connection: close seen */
	bool conn_keep_alive;		/* Connection: keep-alive seen */
	bool expect_continue;		/* Expect: 100-continue seen */
	bool has_host;
	bool has_content_length;
	bool has_transfer_encoding;
	bool bad_expect;		/* Expect other than 100-continue */
	bool ims_valid;			/* if_modified_since holds a date */
	u32 header_count;
	u64 content_length;
	s64 if_modified_since;		/* seconds since the epoch */
	size_t head_len;		/* bytes of the head, incl. final CRLF */
	struct ksrv_http_str target;	/* request-target as received */
	struct ksrv_http_str path;	/* origin-form path[?query] */
	struct ksrv_http_str host;	/* Host, or authority of absolute-form */
	/* Raw values; empty (len 0) when absent or sent more than once. */
	struct ksrv_http_str if_none_match;
	struct ksrv_http_str range;
	struct ksrv_http_str if_range;
	u8 seen;			/* internal: duplicate tracking */
};

/* Internal: a slice of the head as an offset, valid whatever the buffer. */
struct ksrv_http_span {
	size_t off;
	size_t len;
};

/**
 * struct ksrv_http_parser - a request head being parsed
 * @req: the result; complete once the parser returned KSRV_HTTP_DONE
 * @pos: offset of the line being parsed (all lines before it are done)
 * @scanned: bytes from @pos on known to hold no LF
 * @checked: bytes of a partial request-line known to start with a token
 * @result: the verdict once @phase is the end
 * @phase: where in the head @pos is (internal)
 * @method_end: the partial request-line's method is followed by SP
 * @path_root: the absolute-form target had no path: @req->path is "/"
 * @target: the request-target, as offsets into the buffer
 * @path: the path of the target
 * @host: the Host value, or the authority of an absolute-form target
 * @if_none_match: raw If-None-Match value
 * @range: raw Range value
 * @if_range: raw If-Range value
 *
 * Everything is kept as offsets so that the caller may move the bytes
 * between calls (to a bigger buffer); the slices of @req are made from
 * them when the head is complete.  All zero is a parser at the start.
 */
struct ksrv_http_parser {
	struct ksrv_http_request req;
	size_t pos;
	size_t scanned;
	size_t checked;
	int result;
	u8 phase;
	bool method_end;
	bool path_root;
	struct ksrv_http_span target;
	struct ksrv_http_span path;
	struct ksrv_http_span host;
	struct ksrv_http_span if_none_match;
	struct ksrv_http_span range;
	struct ksrv_http_span if_range;
};

void ksrv_http_parser_init(struct ksrv_http_parser *p);
enum ksrv_http_parse_result ksrv_http_parse_more(struct ksrv_http_parser *p,
						 const char *buf, size_t len,
						 const struct ksrv_http_limits *lim);
enum ksrv_http_parse_result ksrv_http_parse_head(const char *buf, size_t len,
						 const struct ksrv_http_limits *lim,
						 struct ksrv_http_request *req);

bool ksrv_http_etag_match(const char *list, size_t list_len,
			  const char *etag, size_t etag_len, bool weak);

#endif /* _KSRV_HTTP_PARSE_H */
