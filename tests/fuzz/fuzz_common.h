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

#endif /* KSRV_FUZZ_COMMON_H */
