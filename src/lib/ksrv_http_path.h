/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_path.h - turn a request path into a safe relative file path, and
 * escape file names for directory listings.
 */
#ifndef _KSRV_HTTP_PATH_H
#define _KSRV_HTTP_PATH_H

#include "ksrv_plain.h"

/* Results of ksrv_http_path_normalize(); non-zero values are HTTP statuses. */
enum ksrv_http_path_result {
	KSRV_HTTP_PATH_OK = 0,
	/* Bad %XX, decoded NUL / control byte / '/', or not starting with '/'. */
	KSRV_HTTP_PATH_BAD = 400,
	/* A ".." would climb above the document root. */
	KSRV_HTTP_PATH_FORBIDDEN = 403,
	/* The normalised path does not fit the output buffer. */
	KSRV_HTTP_PATH_TOO_LONG = 414,
};

struct ksrv_http_path_info {
	size_t len;		/* strlen(out); 0 means the document root */
	bool trailing_slash;	/* names a directory: ends in "/", "/." or "/.." */
	bool hidden;		/* some output segment starts with '.' */
};

enum ksrv_http_path_result ksrv_http_path_normalize(const char *in, size_t in_len,
						    char *out, size_t out_size,
						    struct ksrv_http_path_info *info);

bool ksrv_http_url_encode(const char *in, size_t in_len, char *out,
			  size_t out_size, size_t *out_len);
bool ksrv_http_url_encode_path(const char *in, size_t in_len, char *out,
			       size_t out_size, size_t *out_len);
bool ksrv_http_html_escape(const char *in, size_t in_len, char *out,
			   size_t out_size, size_t *out_len);
size_t ksrv_http_url_encoded_len(const char *in, size_t in_len);
size_t ksrv_http_html_escaped_len(const char *in, size_t in_len);

#endif /* _KSRV_HTTP_PATH_H */
