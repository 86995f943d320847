/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parser for the services= module parameter ("echo:12345,http:8081").
 * Plain C without kernel headers so it also builds for unit tests and
 * fuzzing in user space.
 */
#ifndef _KSRV_SVCSPEC_H
#define _KSRV_SVCSPEC_H

#include "ksrv_plain.h"

#define KSRV_MAX_SERVICES	16
#define KSRV_PROTO_NAME_MAX	15

/**
 * struct ksrv_service_spec - one "proto:port" entry of services=
 * @proto: protocol name, NUL-terminated
 * @port: TCP port, 1..65535
 */
struct ksrv_service_spec {
	char proto[KSRV_PROTO_NAME_MAX + 1];
	unsigned short port;
};

enum ksrv_svcspec_err {
	KSRV_SVC_OK = 0,
	KSRV_SVC_EMPTY,		/* empty list or empty entry */
	KSRV_SVC_SYNTAX,	/* not "name:port" */
	KSRV_SVC_NAME,		/* bad or over-long protocol name */
	KSRV_SVC_PORT,		/* port not a number in 1..65535 */
	KSRV_SVC_DUP,		/* the same port twice */
	KSRV_SVC_TOO_MANY,	/* more than the caller's table holds */
};

/**
 * struct ksrv_svcspec_result - outcome of ksrv_svcspec_parse()
 * @n: number of entries stored
 * @err: KSRV_SVC_OK or the first error found
 * @bad: on error, the offending entry within the input
 * @badlen: its length
 */
struct ksrv_svcspec_result {
	unsigned int n;
	enum ksrv_svcspec_err err;
	const char *bad;
	size_t badlen;
};

void ksrv_svcspec_parse(const char *s, size_t len,
			struct ksrv_service_spec *out, unsigned int max,
			struct ksrv_svcspec_result *res);
const char *ksrv_svcspec_strerror(enum ksrv_svcspec_err err);

#endif /* _KSRV_SVCSPEC_H */
