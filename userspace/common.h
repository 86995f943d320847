/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the ksrv user-space tools.
 */
#ifndef KSRV_TOOLS_COMMON_H
#define KSRV_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Name of the running tool, used as the prefix of every diagnostic. */
extern const char *prog_name;

/*
 * Parse a decimal unsigned integer in [min, max].  The whole string must be
 * consumed, so "12x", "", "-1" and " 5" are all rejected.
 */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* Parse "PORT" into 1..65535. */
bool parse_port(const char *s, uint16_t *out);

/*
 * Raise RLIMIT_NOFILE.  When @want is larger than the hard limit and we are
 * privileged, the hard limit is raised too (up to fs.nr_open).  Returns the
 * resulting soft limit.
 */
uint64_t raise_nofile(uint64_t want);

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/*
 * Resolve HOST:PORT for a TCP client.  Numeric addresses and names both
 * work; the first result is used.  Returns false with a message on error.
 */
bool resolve_host(const char *host, uint16_t port, struct sockaddr_storage *ss,
		  socklen_t *len);

/* Format an address as "[v6]:port" or "v4:port". */
void format_addr(const struct sockaddr *sa, char *buf, size_t len);

/* Make an fd non-blocking; returns false on error. */
bool set_nonblock(int fd);

/*
 * Change what epoll waits for on @fd (registered with data.ptr @ptr) to
 * @events, unless *@cur says it already is; false on error.
 */
bool epoll_want(int epfd, int fd, void *ptr, uint32_t *cur, uint32_t events);

/* HTTP header syntax for the HTTP tools: a token character (RFC 9110). */
bool http_is_tchar(unsigned char ch);
/* Is the field name @name (@len bytes) @want, ignoring case? */
bool http_name_is(const char *name, size_t len, const char *want);
/* Does a comma-separated header value contain @tok (case-insensitive)? */
bool http_has_token(const char *v, size_t len, const char *tok);

/*
 * A non-blocking send() without SIGPIPE, retried on EINTR: bytes sent, 0
 * when the socket buffer is full, -1 on an error (errno; 0 if send()
 * itself returned 0).
 */
ssize_t send_nb(int fd, const void *buf, size_t len);

/*
 * A non-blocking recv(), retried on EINTR: bytes read, 0 at EOF,
 * RECV_AGAIN when nothing is there yet, -1 on an error (errno).
 */
#define RECV_AGAIN	(-2)
ssize_t recv_nb(int fd, void *buf, size_t len);

/* Number of online CPUs (at least 1). */
unsigned int online_cpus(void);

#endif /* KSRV_TOOLS_COMMON_H */
