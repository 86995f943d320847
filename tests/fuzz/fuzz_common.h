/* SPDX-License-Identifier: GPL-2.0 */
/* Shared bits for the libFuzzer targets. */
#ifndef KSRV_FUZZ_COMMON_H
#define KSRV_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An invariant broke: report it and let libFuzzer save the input. */
#define FUZZ_ASSERT(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

/*
 * An exact-size heap copy of the input (at least one byte), so that any
 * read past its end is an ASan report; NULL when out of memory.
 */
static inline char *fuzz_copy(const unsigned char *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	if (s)
		memcpy(s, data, size);
	return s;
}

/*
 * The model of a port number the parsers' results are checked against,
 * written apart from src/lib/ksrv_port.c on purpose: decimal 1..65535 in
 * 1..5 digits, else -1.
 */
static inline long fuzz_port_model(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	if (n < 1 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

#endif /* KSRV_FUZZ_COMMON_H */
