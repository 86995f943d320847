/* SPDX-License-Identifier: GPL-2.0 */
/*
 * "addr:port" and "[v6addr]:port" tokens, as written to /proc/ksrv/drop.
 * Plain C: the splitting is tested and fuzzed in user space; the kernel
 * converts the address text with in4_pton()/in6_pton().
 */
#ifndef _KSRV_ENDPOINT_H
#define _KSRV_ENDPOINT_H

#include "ksrv_plain.h"

/**
 * struct ksrv_endpoint_text - one endpoint token, split
 * @addr: address text within the input (without brackets)
 * @addr_len: its length
 * @port: port, 1..65535
 * @v6: the address was bracketed, so it must be IPv6
 */
struct ksrv_endpoint_text {
	const char *addr;
	size_t addr_len;
	unsigned short port;
	bool v6;
};

int ksrv_endpoint_split(const char *s, size_t len,
			struct ksrv_endpoint_text *a,
			struct ksrv_endpoint_text *b);

#endif /* _KSRV_ENDPOINT_H */
