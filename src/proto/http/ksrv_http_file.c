// SPDX-License-Identifier: GPL-2.0
/*
 * Turning a parsed request into a response: path checks, redirects for
 * directories, index.html, conditional requests, ranges, and the file
 * itself. Nothing here sends; it only prepares struct ksrv_http_out.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "ksrv_http.h"
#include "ksrv_http_date.h"
#include "ksrv_http_mime.h"
#include "ksrv_http_path.h"
#include "ksrv_http_range.h"

#define ETAG_SIZE	64

/* What a request needs while it is being turned into a response. */
struct http_ctx {
	struct ksrv_http_out *out;
	const struct ksrv_http_request *req;
	bool close;
	bool head_only;
	char *rel;		/* normalised path */
	size_t rel_size;	/* size of the buffer at @rel */
	size_t rel_len;
	struct ksrv_http_file f;
};

static int http_lookup_status(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:
		return 404;
	case -EXDEV:
	case -ELOOP:
	case -EACCES:
	case -EPERM:
		return 403;
	}
	return 500;
}

static int http_fail(struct http_ctx *c, unsigned int status,
		     const char *extra)
{
	/* A request the parser accepted but whose target is malformed may
	 * come from a confused client; do not keep talking to it.
	 */
	if (status == 400)
		c->close = true;
	return ksrv_http_error(c->out, status, c->close, c->head_only, extra);
}

/*
 * Seconds and nanoseconds go in separately: timespec64_to_ns() saturates
 * outside about 1678..2262, which would give two versions of a file the
 * same tag, and a client a wrong 304.
 */
static void http_etag(const struct kstat *st, char *etag)
{
	snprintf(etag, ETAG_SIZE, "\"%llx-%llx-%llx-%lx\"",
		 (unsigned long long)st->ino, (unsigned long long)st->size,
		 (unsigned long long)st->mtime.tv_sec,
		 (unsigned long)st->mtime.tv_nsec);
}

static bool http_not_modified(const struct ksrv_http_request *req,
			      const struct kstat *st, const char *etag)
{
	/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). */
	if (req->if_none_match.len)
		return ksrv_http_etag_match(req->if_none_match.ptr,
					    req->if_none_match.len, etag,
					    strlen(etag), true);
	/* A file without Last-Modified has no date to compare with: the
	 * header is ignored then (RFC 9110 13.1.3).
	 */
	return req->ims_valid && ksrv_http_date_in_range(st->mtime.tv_sec) &&
	       st->mtime.tv_sec <= req->if_modified_since;
}

/* If-Range with a different validator means: send the whole file. */
static bool http_range_applies(const struct ksrv_http_request *req,
			       const char *etag)
{
	if (!req->range.len)
		return false;
	if (!req->if_range.len)
		return true;
	return req->if_range.len == strlen(etag) &&
	       !memcmp(req->if_range.ptr, etag, req->if_range.len);
}

static int http_head_file(struct http_ctx *c, unsigned int status,
			  const char *etag, u64 start, u64 len)
{
	struct ksrv_http_out *out = c->out;
	const struct kstat *st = &c->f.stat;
	char lastmod[KSRV_HTTP_DATE_BUF];
	size_t n;

	/* At most about 420 bytes: the longest status line, dates, ETag,
	 * MIME type and three 20-digit numbers.
	 */
	if (ksrv_http_out_head(out, KSRV_HTTP_IHEAD_SIZE))
		return -ENOMEM;
	n = ksrv_http_head(out->head, out->hsize, status, c->close, NULL);
	/* Before 1970 or after 9999 there is no HTTP-date: no header. */
	if (ksrv_http_date_format(st->mtime.tv_sec, lastmod, sizeof(lastmod)))
		n += scnprintf(out->head + n, out->hsize - n,
			       "Last-Modified: %s\r\n", lastmod);
	n += scnprintf(out->head + n, out->hsize - n, "ETag: %s\r\n", etag);
	if (status != 304)
		n += scnprintf(out->head + n, out->hsize - n,
			       "Content-Type: %s\r\nContent-Length: %llu\r\nAccept-Ranges: bytes\r\n",
			       ksrv_http_mime_type(c->rel, c->rel_len), len);
	if (status == 206)
		n += scnprintf(out->head + n, out->hsize - n,
			       "Content-Range: bytes %llu-%llu/%llu\r\n", start,
			       start + len - 1, (u64)st->size);
	n += scnprintf(out->head + n, out->hsize - n, "\r\n");
	if (n >= out->hsize - 1)	/* truncated: never send half a head */
		return -EOVERFLOW;
	ksrv_http_out_ready(out, n, status, c->close);
	return 0;
}

/* The response sends [start, start + len) of @file and now owns it. */
static void http_body(struct http_ctx *c, struct file *file, u64 start,
		      u64 len)
{
	struct ksrv_http_out *out = c->out;

	if (c->head_only || !len) {
		fput(file);
		return;
	}
	out->file = file;
	out->pos = start;
	out->end = start + len;
}

static int http_serve_file(struct http_ctx *c)
{
	const struct ksrv_http_request *req = c->req;
	u64 size = c->f.stat.size, start = 0, len = size;
	char etag[ETAG_SIZE], cr[64];
	struct file *file;
	int r;

	/* Opened before anything about the file is told, whatever the
	 * request and even if its pages are cached: a file the identity
	 * may not read gets 403, not its size or validators.
	 */
	file = ksrv_http_open(&c->f.path, O_RDONLY | O_LARGEFILE, MAY_READ);
	if (IS_ERR(file))
		return http_fail(c, http_lookup_status(PTR_ERR(file)), NULL);
	http_etag(&c->f.stat, etag);
	if (http_not_modified(req, &c->f.stat, etag)) {
		fput(file);
		return http_head_file(c, 304, etag, 0, 0);
	}
	r = KSRV_HTTP_RANGE_IGNORE;
	if (http_range_applies(req, etag))
		r = ksrv_http_range_parse(req->range.ptr, req->range.len, size,
					  &start, &len);
	if (r == KSRV_HTTP_RANGE_UNSATISFIABLE) {
		fput(file);
		snprintf(cr, sizeof(cr), "Content-Range: bytes */%llu\r\n",
			 size);
		return http_fail(c, 416, cr);
	}
	if (r != KSRV_HTTP_RANGE_SATISFIABLE) {
		start = 0;
		len = size;
	}
	http_body(c, file, start, len);
	return http_head_file(c, r == KSRV_HTTP_RANGE_SATISFIABLE ? 206 : 200,
			      etag, start, len);
}

/* "/dir" names a directory: send the client to "/dir/". */
static int http_redirect(struct http_ctx *c)
{
	static const char pre[] = "Location: /";
	size_t n = sizeof(pre) - 1, enc;
	char *loc;
	int err;

	loc = kmalloc(KSRV_HTTP_HEAD_SIZE / 2, GFP_KERNEL);
	if (!loc)
		return -ENOMEM;
	memcpy(loc, pre, n);
	if (!ksrv_http_url_encode_path(c->rel, c->rel_len, loc + n,
				       KSRV_HTTP_HEAD_SIZE / 2 - n - 4, &enc)) {
		kfree(loc);
		return http_fail(c, 414, NULL);
	}
	memcpy(loc + n + enc, "/\r\n", 4);
	err = http_fail(c, 301, loc);
	kfree(loc);
	return err;
}

static int http_serve_listing(struct http_ctx *c)
{
	struct ksrv_http_out *out = c->out;
	size_t n;
	int err;

	err = ksrv_http_listing_body(out, &c->f, c->rel, c->rel_len);
	if (err == -EBUSY)
		return http_fail(c, 503, "Retry-After: 1\r\n");
	if (err)
		return http_fail(c, err == -ENOMEM ? 500 : 403, NULL);
	if (ksrv_http_out_head(out, KSRV_HTTP_IHEAD_SIZE))
		return -ENOMEM;
	n = ksrv_http_head(out->head, out->hsize, 200, c->close, NULL);
	n += scnprintf(out->head + n, out->hsize - n,
		       "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n\r\n",
		       out->blen);
	if (c->head_only)
		ksrv_http_out_drop_body(out);
	out->boff = 0;
	ksrv_http_out_ready(out, n, 200, c->close);
	return 0;
}

/* A directory: its index.html, else a listing, else 403. */
static int http_serve_dir(struct http_ctx *c)
{
	static const char index[] = "index.html";
	size_t n = c->rel_len;
	struct ksrv_http_file dir = c->f;
	int err;

	if (n + 1 + sizeof(index) > c->rel_size)
		return http_fail(c, 414, NULL);
	if (n)
		c->rel[n++] = '/';
	memcpy(c->rel + n, index, sizeof(index));
	err = ksrv_http_lookup(c->rel, &c->f);
	if (!err && S_ISREG(c->f.stat.mode)) {
		c->rel_len = n + sizeof(index) - 1;
		err = http_serve_file(c);
		path_put(&c->f.path);
		c->f = dir;
		return err;
	}
	if (!err)
		path_put(&c->f.path);
	c->f = dir;
	c->rel[c->rel_len] = '\0';
	if (!ksrv_http_listing)
		return http_fail(c, 403, NULL);
	return http_serve_listing(c);
}

static int http_serve_path(struct http_ctx *c)
{
	struct ksrv_http_path_info info;
	int res, err;

	res = ksrv_http_path_normalize(c->req->path.ptr, c->req->path.len,
				       c->rel, c->rel_size - 1, &info);
	if (res)
		return http_fail(c, res, NULL);
	/* Hidden files are not served: they are usually meta-data. */
	if (info.hidden)
		return http_fail(c, 404, NULL);
	c->rel_len = info.len;
	c->rel[info.len] = '\0';
	err = ksrv_http_lookup(c->rel, &c->f);
	if (err)
		return http_fail(c, http_lookup_status(err), NULL);
	if (S_ISDIR(c->f.stat.mode) && info.len && !info.trailing_slash)
		err = http_redirect(c);
	else if (S_ISDIR(c->f.stat.mode))
		err = http_serve_dir(c);
	else if (S_ISREG(c->f.stat.mode))
		err = http_serve_file(c);
	else	/* FIFOs and devices could block or have side effects. */
		err = http_fail(c, 403, NULL);
	path_put(&c->f.path);
	return err;
}

/**
 * ksrv_http_serve() - prepare the response to a parsed request
 * @out: the connection's response, not active
 * @req: the request, pointing into the receive buffer
 * @close: the connection closes after this response
 *
 * Return: 0 with @out active, or a negative errno (the connection is
 * then closed without a response).
 */
int ksrv_http_serve(struct ksrv_http_out *out,
		    const struct ksrv_http_request *req, bool close)
{
	struct http_ctx c = {
		.out = out,
		.req = req,
		.close = close,
		.head_only = req->method == KSRV_HTTP_M_HEAD,
	};
	char short_rel[KSRV_HTTP_SHORT_PATH];
	int err;

	/* Normalising never lengthens a path; "/index.html" may be added. */
	if (req->path.len + 16 <= sizeof(short_rel)) {
		c.rel = short_rel;
		c.rel_size = sizeof(short_rel);
		err = http_serve_path(&c);
	} else {
		c.rel = __getname();
		if (!c.rel)
			return -ENOMEM;
		c.rel_size = KSRV_HTTP_PATH_MAX;
		err = http_serve_path(&c);
		__putname(c.rel);
	}
	if (err)
		ksrv_http_out_reset(out);
	return err;
}
