// SPDX-License-Identifier: GPL-2.0
/*
 * Directory listings. Names are collected first and looked up afterwards:
 * iterate_dir() holds the directory's lock while it calls the actor, and a
 * look-up in the same directory from inside the actor could deadlock.
 * Every name is URL-encoded for its link and HTML-escaped for its text;
 * hidden names are left out, as they are not served.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "ksrv_http.h"
#include "ksrv_http_date.h"
#include "ksrv_http_path.h"

/* Bounds on what one listing may cost. */
#define LIST_MAX_ENTRIES	4096
#define LIST_NAMES_MIN		4096
#define LIST_NAMES_SIZE		(256 * 1024)
/* Markup, size and date of a row: everything but the name's two forms. */
#define LIST_ROW_SIZE		(128 + 20 + KSRV_HTTP_DATE_BUF)
/* Head and tail of the page: everything but the title's two copies. */
#define LIST_FRAME_SIZE		512

/* Listing memory of all connections, against http_listing_memory. */
static atomic_long_t list_charged = ATOMIC_LONG_INIT(0);

/* Reserve @size bytes of listing memory; false when over the cap. */
static bool list_charge(size_t size)
{
	long cap = (long)ksrv_http_listing_memory << 10;

	if (atomic_long_add_return(size, &list_charged) <= cap)
		return true;
	atomic_long_sub(size, &list_charged);
	return false;
}

/**
 * ksrv_http_listing_uncharge() - give back listing memory
 * @size: bytes reserved by a listing, as in ksrv_http_out.bcharge
 */
void ksrv_http_listing_uncharge(size_t size)
{
	atomic_long_sub(size, &list_charged);
}

/**
 * ksrv_http_listing_charged() - listing memory held by all connections
 *
 * Return: bytes; 0 once every listing is sent or dropped.
 */
long ksrv_http_listing_charged(void)
{
	return atomic_long_read(&list_charged);
}

/* A charged buffer, freed and uncharged by list_mem_free(). */
static void *list_mem_alloc(size_t size, int *err)
{
	void *p;

	if (!list_charge(size)) {
		*err = -EBUSY;
		return NULL;
	}
	p = kvmalloc(size, GFP_KERNEL);
	if (!p) {
		ksrv_http_listing_uncharge(size);
		*err = -ENOMEM;
	}
	return p;
}

static void list_mem_free(void *p, size_t size)
{
	if (!p)
		return;
	kvfree(p);
	ksrv_http_listing_uncharge(size);
}

struct list_ctx {
	struct dir_context ctx;
	char *names;		/* u8 length, then the name, per entry */
	size_t size;		/* of @names */
	size_t used;
	unsigned int n;
	size_t body_size;
	bool truncated;
	int err;
};

/* Make room in l->names for @need bytes; false to stop the iteration. */
static bool list_grow(struct list_ctx *l, size_t need)
{
	size_t size = l->size;
	char *p;

	while (size < need)
		size *= 2;
	if (size > LIST_NAMES_SIZE) {
		l->truncated = true;
		return false;
	}
	p = list_mem_alloc(size, &l->err);
	if (!p)
		return false;
	memcpy(p, l->names, l->used);
	list_mem_free(l->names, l->size);
	l->names = p;
	l->size = size;
	return true;
}

static bool list_actor(struct dir_context *ctx, const char *name, int len,
		       loff_t off, u64 ino, unsigned int type)
{
	struct list_ctx *l = container_of(ctx, struct list_ctx, ctx);

	if (len <= 0 || len > 255 || name[0] == '.')
		return true;
	if (l->n == LIST_MAX_ENTRIES) {
		l->truncated = true;
		return false;
	}
	if (l->used + 1 + len > l->size && !list_grow(l, l->used + 1 + len))
		return false;
	l->names[l->used] = (char)len;
	memcpy(l->names + l->used + 1, name, len);
	l->used += 1 + len;
	l->n++;
	l->body_size += LIST_ROW_SIZE + ksrv_http_url_encoded_len(name, len) +
			ksrv_http_html_escaped_len(name, len);
	return true;
}

static int list_collect(struct ksrv_http_file *dir, struct list_ctx *l)
{
	struct file *file;
	int err;

	/* Listing needs what ls needs: read and search permission. */
	file = ksrv_http_open(&dir->path, O_RDONLY | O_DIRECTORY,
			      MAY_READ | MAY_EXEC);
	if (IS_ERR(file))
		return PTR_ERR(file);
	err = iterate_dir(file, &l->ctx);
	fput(file);
	return err ? err : l->err;
}

struct list_buf {
	char *p;
	size_t len;
	size_t size;
};

/* The buffer is sized for the longest output; a string that would not
 * fit is dropped rather than cut.
 */
static void put_str(struct list_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n >= b->size - b->len)
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void put_escaped(struct list_buf *b, const char *s, size_t len)
{
	size_t n = 0;

	if (ksrv_http_html_escape(s, len, b->p + b->len, b->size - b->len, &n))
		b->len += n;
}

static void put_encoded(struct list_buf *b, const char *s, size_t len)
{
	size_t n = 0;

	if (ksrv_http_url_encode(s, len, b->p + b->len, b->size - b->len, &n))
		b->len += n;
}

/*
 * One table row. The entry is looked up as a request for it would be:
 * from the root, following symlinks only while they stay inside it. So a
 * link shows its target's size and date, and a link that leaves the root
 * shows none: nothing about a file outside is ever revealed.
 * @path holds "rel/" (@plen bytes) and has room for a name and a NUL.
 */
static void list_row(struct list_buf *b, char *path, size_t plen,
		     const char *name, size_t len)
{
	char date[KSRV_HTTP_DATE_BUF] = "-";
	struct ksrv_http_file f;
	bool is_dir = false, known = false;
	u64 size = 0;

	memcpy(path + plen, name, len);
	path[plen + len] = '\0';
	if (!ksrv_http_lookup(path, &f)) {
		known = true;
		is_dir = S_ISDIR(f.stat.mode);
		size = f.stat.size;
		/* Leaves "-" for a time with no HTTP-date (before 1970,
		 * after 9999).
		 */
		ksrv_http_date_format(f.stat.mtime.tv_sec, date, sizeof(date));
		path_put(&f.path);
	}
	put_str(b, "<tr><td><a href=\"");
	put_encoded(b, name, len);
	put_str(b, is_dir ? "/\">" : "\">");
	put_escaped(b, name, len);
	put_str(b, is_dir ? "/</a></td><td>-</td><td>" : "</a></td><td>");
	if (!is_dir && known)
		b->len += scnprintf(b->p + b->len, b->size - b->len,
				    "%llu</td><td>", size);
	else if (!is_dir)
		put_str(b, "-</td><td>");
	put_str(b, date);
	put_str(b, "</td></tr>\n");
}

static void list_title(struct list_buf *b, const char *rel, size_t len)
{
	put_str(b, "/");
	put_escaped(b, rel, len);
	if (len)
		put_str(b, "/");
}

static void list_render(struct list_buf *b, char *path, struct list_ctx *l,
			const char *rel, size_t rel_len)
{
	size_t off = 0, len, plen = 0;
	unsigned int i;

	if (rel_len) {
		memcpy(path, rel, rel_len);
		path[rel_len] = '/';
		plen = rel_len + 1;
	}

	put_str(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ");
	list_title(b, rel, rel_len);
	put_str(b, "</title></head>\n<body><h1>Index of ");
	list_title(b, rel, rel_len);
	put_str(b, "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n");
	if (rel_len)
		put_str(b, "<tr><td><a href=\"../\">../</a></td><td>-</td><td>-</td></tr>\n");
	for (i = 0; i < l->n; i++) {
		len = (u8)l->names[off];
		list_row(b, path, plen, l->names + off + 1, len);
		off += 1 + len;
	}
	put_str(b, "</table>\n");
	if (l->truncated)
		put_str(b, "<p>Listing truncated.</p>\n");
	put_str(b, "</body></html>\n");
}

/*
 * The rendered page moves to a buffer of its own size when that saves a
 * page or more: a slow reader then pins only what it is sent. Without
 * room for the copy the bigger buffer stays.
 */
static void list_fit(struct list_buf *b)
{
	size_t size = b->len + 1;
	char *p;
	int err;

	if (b->size - size < PAGE_SIZE)
		return;
	p = list_mem_alloc(size, &err);
	if (!p)
		return;
	memcpy(p, b->p, size);
	list_mem_free(b->p, b->size);
	b->p = p;
	b->size = size;
}

/**
 * ksrv_http_listing_body() - render a directory listing into out->body
 * @out: the response being prepared
 * @dir: the directory
 * @rel: its normalised path below the root, for the title
 * @rel_len: length of @rel
 *
 * Everything a listing allocates counts against http_listing_memory, for
 * all connections together; the body keeps its share (out->bcharge) until
 * it is sent or dropped (ksrv_http_out_drop_body()).
 *
 * Return: 0 with out->body, out->blen and out->bcharge set; -EBUSY when
 * the listing memory is used up; or another negative errno.
 */
int ksrv_http_listing_body(struct ksrv_http_out *out,
			   struct ksrv_http_file *dir, const char *rel,
			   size_t rel_len)
{
	struct list_ctx l = { .ctx.actor = list_actor, .size = LIST_NAMES_MIN };
	struct list_buf b = { };
	char *path;
	int err;

	/* "rel/name": a name is at most 255 bytes. */
	if (rel_len + 1 + 255 + 1 > KSRV_HTTP_PATH_MAX)
		return -ENAMETOOLONG;
	path = __getname();
	if (!path)
		return -ENOMEM;
	l.names = list_mem_alloc(l.size, &err);
	if (!l.names)
		goto out_putname;
	err = list_collect(dir, &l);
	if (err)
		goto out_free_names;
	b.size = LIST_FRAME_SIZE + 2 * ksrv_http_html_escaped_len(rel, rel_len) +
		 l.body_size;
	b.p = list_mem_alloc(b.size, &err);
	if (!b.p)
		goto out_free_names;
	b.p[0] = '\0';
	list_render(&b, path, &l, rel, rel_len);
	list_fit(&b);
	out->body = b.p;
	out->blen = b.len;
	out->bcharge = b.size;
out_free_names:
	list_mem_free(l.names, l.size);
out_putname:
	__putname(path);
	return err;
}
