// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for ksrv_http_range_parse().  The first 8 bytes give the
 * file size (little endian; small sizes are made likely), the rest is the
 * field value.  A satisfiable range must lie inside the file and be
 * non-empty; anything else must leave the outputs untouched.
 */

#include "ksrv_http_range.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u64 fsize = 0, start = 7, len = 7;
	char *v;
	size_t i, n;
	int ret;

	if (size < 8)
		return 0;
	for (i = 0; i < 8; i++)
		fsize |= (u64)data[i] << (8 * i);
	if (data[7] & 0x80)
		fsize &= 0xffff;	/* keep boundaries near small sizes common */
	n = size - 8;
	v = malloc(n ? n : 1);
	if (!v)
		return 0;
	memcpy(v, data + 8, n);
	ret = ksrv_http_range_parse(v, n, fsize, &start, &len);
	if (ret == KSRV_HTTP_RANGE_SATISFIABLE) {
		FUZZ_ASSERT(len >= 1 && start < fsize && len <= fsize - start);
	} else {
		FUZZ_ASSERT(ret == KSRV_HTTP_RANGE_IGNORE ||
			    ret == KSRV_HTTP_RANGE_UNSATISFIABLE);
		FUZZ_ASSERT(start == 7 && len == 7);
	}
	if (fsize == 0)
		FUZZ_ASSERT(ret != KSRV_HTTP_RANGE_SATISFIABLE);
	free(v);
	return 0;
}
