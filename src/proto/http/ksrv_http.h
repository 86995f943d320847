/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the HTTP/1.1 plug-in, shared by its units. The parsers
 * (ksrv_http_parse.h and friends) are plain C; everything here is kernel
 * code.
 */
#ifndef _KSRV_HTTP_H
#define _KSRV_HTTP_H

#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/path.h>
#include <linux/types.h>

#include <ksrv.h>
#include "ksrv_http_parse.h"

/* A request head must fit here; bigger ones get 431. */
#define KSRV_HTTP_RBUF_SIZE	16384
#define KSRV_HTTP_MAX_LINE	8000
#define KSRV_HTTP_MAX_HEADERS	100
/* Received bytes kept in the connection itself; longer heads (and
 * pipelined bursts) move to a KSRV_HTTP_RBUF_SIZE buffer.
 */
#define KSRV_HTTP_IBUF_SIZE	512
/* Status line and headers of one response: file, listing and short error
 * responses fit in the connection's own buffer of KSRV_HTTP_IHEAD_SIZE;
 * the rest (long Location headers) get KSRV_HTTP_HEAD_SIZE.
 */
#define KSRV_HTTP_IHEAD_SIZE	512
#define KSRV_HTTP_HEAD_SIZE	2048
/* A normalised path this long is looked up from a buffer on the stack. */
#define KSRV_HTTP_SHORT_PATH	256
/* Longest normalised path looked up below the root. */
#define KSRV_HTTP_PATH_MAX	4096
/* Seconds a closing connection waits for the peer to close its side. */
#define KSRV_HTTP_LINGER_SECS	2

extern unsigned int ksrv_http_header_timeout;
extern unsigned int ksrv_http_keepalive_timeout;
extern unsigned int ksrv_http_max_requests;
extern bool ksrv_http_listing;
extern unsigned int ksrv_http_listing_memory;

/**
 * struct ksrv_http_out - the response being sent
 * @head: status line and headers: @ihead, or kmalloc'ed
 * @hsize: size of @head
 * @hlen: bytes in @head
 * @hoff: bytes of @head sent
 * @body: generated body (error page, listing), kvmalloc'ed, or NULL
 * @blen: bytes in @body
 * @bcharge: listing memory that @body holds (ksrv_http_listing_body())
 * @boff: bytes of @body sent
 * @file: the opened file whose bytes [@pos, @end) follow the head, or
 *	NULL; opened with the HTTP identity's credentials even when all its
 *	pages are cached, so that every response passes open's checks
 * @bounce: buffer for file bytes read without the page cache, or NULL
 * @pos: next file offset to send
 * @end: file offset after the last byte to send
 * @close: close the connection once everything is sent
 * @active: a response is in progress
 * @ihead: the head buffer of most responses
 */
struct ksrv_http_out {
	char *head;
	size_t hsize;
	size_t hlen;
	size_t hoff;
	char *body;
	size_t blen;
	size_t bcharge;
	size_t boff;
	struct file *file;
	char *bounce;
	loff_t pos;
	loff_t end;
	bool close;
	bool active;
	char ihead[KSRV_HTTP_IHEAD_SIZE];
};

/**
 * struct ksrv_http_conn - per-connection state
 * @rbuf: received bytes not yet consumed (one head plus what follows it,
 *	for pipelining): @ibuf, or a kmalloc'ed KSRV_HTTP_RBUF_SIZE buffer
 *	while a longer head or burst is in
 * @rsize: size of @rbuf
 * @rlen: bytes in @rbuf
 * @nreq: requests answered on this connection
 * @lingering: the last response is out and our side is shut down; input
 *	is read and dropped until the peer closes (see http_linger())
 * @peer_close: the request being answered asked for the connection to
 *	close (Connection: close, HTTP/1.0 without keep-alive)
 * @parser: how far the head at the start of @rbuf is parsed; it holds
 *	offsets into @rbuf, so moving the bytes to a bigger buffer is safe
 * @out: the response in progress
 * @ibuf: the receive buffer of most requests
 */
struct ksrv_http_conn {
	char *rbuf;
	size_t rsize;
	size_t rlen;
	unsigned int nreq;
	bool lingering;
	bool peer_close;
	struct ksrv_http_parser parser;
	struct ksrv_http_out out;
	char ibuf[KSRV_HTTP_IBUF_SIZE];
};

/**
 * struct ksrv_http_file - what a request resolved to
 * @path: looked-up path below the root
 * @stat: its attributes
 */
struct ksrv_http_file {
	struct path path;
	struct kstat stat;
};

/* ksrv_http_cred.c */
int ksrv_http_cred_start(void);
void ksrv_http_cred_exit(void);
const struct cred *ksrv_http_cred_enter(void);
void ksrv_http_cred_leave(const struct cred *old);

/* ksrv_http_root.c */
int ksrv_http_root_start(void);
void ksrv_http_root_exit(void);
int ksrv_http_lookup(const char *rel, struct ksrv_http_file *f);
struct file *ksrv_http_open(const struct path *path, int flags, int mask);

/* ksrv_http_resp.c */
int ksrv_http_status_index(unsigned int status);
void ksrv_http_count_status(unsigned int status);
int ksrv_http_status_show(struct seq_file *m, void *v);
int ksrv_http_resp_init(void);
void ksrv_http_resp_exit(void);
const char *ksrv_http_reason(unsigned int status);
size_t ksrv_http_head(char *buf, size_t size, unsigned int status,
		      bool close, const char *extra);
int ksrv_http_out_head(struct ksrv_http_out *out, size_t size);
void ksrv_http_out_ready(struct ksrv_http_out *out, size_t hlen,
			 unsigned int status, bool close);
int ksrv_http_error(struct ksrv_http_out *out, unsigned int status,
		    bool close, bool head_only, const char *extra);
void ksrv_http_out_drop_body(struct ksrv_http_out *out);
void ksrv_http_out_reset(struct ksrv_http_out *out);
int ksrv_http_out_send(struct ksrv_conn *conn, struct ksrv_http_out *out);

/* ksrv_http_file.c */
int ksrv_http_serve(struct ksrv_http_out *out,
		    const struct ksrv_http_request *req, bool close);

/* ksrv_http_dir.c */
int ksrv_http_listing_body(struct ksrv_http_out *out,
			   struct ksrv_http_file *dir, const char *rel,
			   size_t rel_len);
void ksrv_http_listing_uncharge(size_t size);
long ksrv_http_listing_charged(void);

#endif /* _KSRV_HTTP_H */
