/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_parse.h - HTTP/1.x request head parser (RFC 9110, RFC 9112).
 *
 * The parser is stateless: call ksrv_http_parse_head() with everything
 * received so far each time more bytes arrive.  Heads are bounded by the
 * caller's limits, so re-scanning costs little and needs no saved state.
 */
#ifndef KSRV_HTTP_PARSE_H
#define KSRV_HTTP_PARSE_H

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

struct ksrv_http_limits {
	size_t max_line;	/* request-line bytes, excluding CRLF -> 414 */
	size_t max_head;	/* whole head incl. final empty line -> 431 */
	u32 max_headers;	/* number of header field lines -> 431 */
};

struct ksrv_http_request {
	enum ksrv_http_method method;
	u8 version_minor;		/* HTTP/1.<version_minor>, 0 or 1 */
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

enum ksrv_http_parse_result ksrv_http_parse_head(const char *buf, size_t len,
						 const struct ksrv_http_limits *lim,
						 struct ksrv_http_request *req);

bool ksrv_http_etag_match(const char *list, size_t list_len,
			  const char *etag, size_t etag_len, bool weak);

#endif /* KSRV_HTTP_PARSE_H */
