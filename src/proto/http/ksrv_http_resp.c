// SPDX-License-Identifier: GPL-2.0
/*
 * Responses: status lines and common headers, error pages, per-status
 * counters, and sending a response without blocking.
 */
#include <linux/bvec.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "ksrv_http.h"
#include "ksrv_http_date.h"

struct http_status {
	unsigned int code;
	const char *reason;
};

static const struct http_status statuses[] = {
	{ 200, "OK" },
	{ 206, "Partial Content" },
	{ 301, "Moved Permanently" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 408, "Request Timeout" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

#define NR_STATUSES	ARRAY_SIZE(statuses)

struct http_counts {
	u64 n[NR_STATUSES];
};

static struct http_counts __percpu *counts;

/* Return: index into statuses[], or the index of 500 if unknown. */
int ksrv_http_status_index(unsigned int status)
{
	unsigned int i;

	for (i = 0; i < NR_STATUSES; i++)
		if (statuses[i].code == status)
			return i;
	return ksrv_http_status_index(500);
}

const char *ksrv_http_reason(unsigned int status)
{
	return statuses[ksrv_http_status_index(status)].reason;
}

void ksrv_http_count_status(unsigned int status)
{
	this_cpu_inc(counts->n[ksrv_http_status_index(status)]);
}

int ksrv_http_status_show(struct seq_file *m, void *v)
{
	unsigned int i;
	u64 sum;
	int cpu;

	seq_puts(m, "status count\n");
	for (i = 0; i < NR_STATUSES; i++) {
		sum = 0;
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(counts, cpu)->n[i]);
		seq_printf(m, "%u %llu\n", statuses[i].code, sum);
	}
	return 0;
}

int ksrv_http_resp_init(void)
{
	counts = alloc_percpu(struct http_counts);
	return counts ? 0 : -ENOMEM;
}

void ksrv_http_resp_exit(void)
{
	free_percpu(counts);
}

#define DATE_FIELD	"Date: "

/*
 * "Date: ...\r\n", or nothing if the clock reads before 1970 or after
 * 9999: RFC 9110 6.6.1 wants no Date rather than a wrong one.
 */
static void http_date_line(char *line, size_t size)
{
	size_t pre = sizeof(DATE_FIELD) - 1;

	if (!ksrv_http_date_format(ktime_get_real_seconds(), line + pre,
				   size - pre)) {
		line[0] = '\0';
		return;
	}
	memcpy(line, DATE_FIELD, pre);
	memcpy(line + pre + KSRV_HTTP_DATE_LEN, "\r\n", 3);
}

/**
 * ksrv_http_head() - format a status line and the headers every response
 * carries
 * @buf: destination
 * @size: its size
 * @status: HTTP status
 * @close: announce that the connection closes after this response
 * @extra: further header lines, each ending in CRLF, or NULL
 *
 * The blank line that ends the head is not added. Date is left out while
 * the clock reads a time that has no HTTP-date.
 *
 * Return: bytes written, or 0 if @size was too small.
 */
size_t ksrv_http_head(char *buf, size_t size, unsigned int status,
		      bool close, const char *extra)
{
	char date[sizeof(DATE_FIELD "\r\n") + KSRV_HTTP_DATE_LEN];
	int n;

	http_date_line(date, sizeof(date));
	n = snprintf(buf, size,
		     "HTTP/1.1 %u %s\r\n%sServer: ksrv\r\nConnection: %s\r\n%s",
		     status, ksrv_http_reason(status), date,
		     close ? "close" : "keep-alive", extra ? extra : "");
	return n < size ? n : 0;
}

/* Back to the connection's own head buffer, freeing an allocated one. */
static void http_out_head_put(struct ksrv_http_out *out)
{
	if (out->head != out->ihead)
		kfree(out->head);
	out->head = out->ihead;
	out->hsize = sizeof(out->ihead);
}

/**
 * ksrv_http_out_head() - choose the buffer for a response head
 * @out: the response, not active
 * @size: bytes the head may need
 *
 * Heads that fit the connection's own buffer use it; only longer ones
 * (a redirect to a long path) cost an allocation.
 *
 * Return: 0, or -ENOMEM.
 */
int ksrv_http_out_head(struct ksrv_http_out *out, size_t size)
{
	http_out_head_put(out);
	if (size <= out->hsize)
		return 0;
	out->head = kmalloc(size, GFP_KERNEL);
	if (!out->head) {
		out->head = out->ihead;
		return -ENOMEM;
	}
	out->hsize = size;
	return 0;
}

/**
 * ksrv_http_error() - prepare a short HTML response for a status
 * @out: the response to fill; must not be active
 * @status: 3xx, 4xx or 5xx
 * @close: close the connection afterwards
 * @head_only: HEAD request: headers only
 * @extra: further header lines (Allow, Location, Content-Range) or NULL
 *
 * Return: 0, or -ENOMEM.
 */
int ksrv_http_error(struct ksrv_http_out *out, unsigned int status,
		    bool close, bool head_only, const char *extra)
{
	/* The status is both title and heading of the page. */
	static const char fmt[] =
		"<!DOCTYPE html>\n<title>%u %s</title>\n<h1>%u %s</h1>\n";
	const char *reason = ksrv_http_reason(status);
	char body[160];
	size_t n, blen;

	/* Status line, Date, Server, Connection, Content-*: under 200. */
	if (ksrv_http_out_head(out, 200 + sizeof(body) +
			       (extra ? strlen(extra) : 0)))
		return -ENOMEM;
	blen = snprintf(body, sizeof(body), fmt, status, reason, status,
			reason);
	n = ksrv_http_head(out->head, out->hsize, status, close, extra);
	n += scnprintf(out->head + n, out->hsize - n,
		       "Content-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s",
		       blen, head_only ? "" : body);
	ksrv_http_out_ready(out, n, status, close);
	return 0;
}

/**
 * ksrv_http_out_ready() - start sending a response whose head is written
 * @out: the response; its head buffer holds @hlen bytes
 * @hlen: length of the head, and of a generated error body after it
 * @status: the status code, counted in /proc/ksrv/http_status
 * @close: close the connection once the response is sent
 */
void ksrv_http_out_ready(struct ksrv_http_out *out, size_t hlen,
			 unsigned int status, bool close)
{
	out->hlen = hlen;
	out->hoff = 0;
	out->close = close;
	out->active = true;
	ksrv_http_count_status(status);
}

/**
 * ksrv_http_out_drop_body() - free a generated body
 * @out: the response
 *
 * Gives back the listing memory that the body held, if any.
 */
void ksrv_http_out_drop_body(struct ksrv_http_out *out)
{
	kvfree(out->body);
	ksrv_http_listing_uncharge(out->bcharge);
	out->body = NULL;
	out->blen = 0;
	out->bcharge = 0;
	out->boff = 0;
}

/**
 * ksrv_http_out_reset() - forget a finished or abandoned response
 * @out: the response
 *
 * Frees what the response allocated; the connection's own head buffer
 * is used again for the next one.
 */
void ksrv_http_out_reset(struct ksrv_http_out *out)
{
	http_out_head_put(out);
	kfree(out->bounce);
	out->bounce = NULL;
	if (out->file)
		fput(out->file);
	ksrv_http_out_drop_body(out);
	out->file = NULL;
	out->hlen = 0;
	out->hoff = 0;
	out->close = false;
	out->active = false;
}

static int http_send_buf(struct ksrv_conn *conn, const char *buf, size_t len,
			 size_t *off, bool more)
{
	int n;

	while (*off < len) {
		n = ksrv_conn_send(conn, buf + *off, len - *off, more);
		if (n < 0)
			return n;
		*off += n;
	}
	return 0;
}

/* Pages handed to the socket in one call. */
#define HTTP_SEND_PAGES	16

/* The page at @pos from the page cache, up to date, or NULL. */
static struct page *http_cached_page(struct ksrv_http_out *out, loff_t pos)
{
	struct address_space *mapping = out->file->f_mapping;
	struct page *page = find_get_page(mapping, pos >> PAGE_SHIFT);

	if (page && !PageUptodate(page)) {
		put_page(page);
		page = NULL;
	}
	return page;
}

/*
 * Sends file bytes from out->pos straight from the page cache, up to
 * HTTP_SEND_PAGES pages in one call, without copying them.
 * Return: bytes queued, 0 when the page at out->pos is not cached, or a
 * negative errno.
 */
static int http_send_cached(struct ksrv_conn *conn, struct ksrv_http_out *out)
{
	struct bio_vec bv[HTTP_SEND_PAGES];
	unsigned int n = 0, i;
	loff_t pos = out->pos;
	struct page *page;
	size_t off, len;
	int ret;

	while (n < HTTP_SEND_PAGES && pos < out->end) {
		page = http_cached_page(out, pos);
		if (!page)
			break;
		off = offset_in_page(pos);
		len = min_t(loff_t, PAGE_SIZE - off, out->end - pos);
		bv[n].bv_page = page;
		bv[n].bv_offset = off;
		bv[n].bv_len = len;
		n++;
		pos += len;
	}
	if (!n)
		return 0;
	ret = ksrv_conn_send_pages(conn, bv, n, pos - out->pos,
				   pos < out->end || out->close);
	for (i = 0; i < n; i++)
		put_page(bv[i].bv_page);
	return ret;
}

/*
 * The page at out->pos is not cached: read it in (which also starts
 * read-ahead). Return: 0 when it is cached now; else the file system keeps
 * no page cache for it, and the bytes read are sent by copying (bytes
 * queued); or a negative errno.
 */
static int http_send_uncached(struct ksrv_conn *conn,
			      struct ksrv_http_out *out)
{
	size_t len = min_t(loff_t, PAGE_SIZE, out->end - out->pos);
	loff_t pos = out->pos;
	struct page *page;
	int n;

	if (!out->bounce) {
		out->bounce = kmalloc(PAGE_SIZE, GFP_KERNEL);
		if (!out->bounce)
			return -ENOMEM;
	}
	n = kernel_read(out->file, out->bounce, len, &pos);
	if (n <= 0)
		return n ? n : -EIO;	/* truncated under us */
	page = http_cached_page(out, out->pos);
	if (page) {
		put_page(page);
		return 0;
	}
	return ksrv_conn_send(conn, out->bounce, n,
			      out->pos + n < out->end || out->close);
}

/**
 * ksrv_http_out_send() - send as much of the response as the socket takes
 * @conn: the connection
 * @out: an active response
 *
 * The last bytes of a response that closes the connection are held back
 * (MSG_MORE) so that the FIN of the shutdown that follows goes out in the
 * same segment, as with a corked socket: one segment and one ACK fewer
 * per connection.
 *
 * Return: 0 when all of it was sent, -EAGAIN when the socket is full (the
 * connection's write_space continues), or a negative errno.
 */
int ksrv_http_out_send(struct ksrv_conn *conn, struct ksrv_http_out *out)
{
	bool more = out->blen || out->file || out->close;
	int n;

	n = http_send_buf(conn, out->head, out->hlen, &out->hoff, more);
	if (!n && out->body)
		n = http_send_buf(conn, out->body, out->blen, &out->boff,
				  out->close);
	while (!n && out->file && out->pos < out->end) {
		n = http_send_cached(conn, out);
		if (!n)
			n = http_send_uncached(conn, out);
		if (n > 0) {
			out->pos += n;
			n = 0;
		}
	}
	return n;
}
