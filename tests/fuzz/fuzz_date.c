// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for ksrv_http_date_parse() / ksrv_http_date_format().
 * Whatever parses must format back (inside the supported range) to a date
 * that parses to the same time; the first 8 bytes are also used as a raw
 * time to check format -> parse round trips over the whole range.
 */

#include "ksrv_http_date.h"
#include "fuzz_common.h"

static void roundtrip(s64 t)
{
	char buf[KSRV_HTTP_DATE_BUF];
	s64 back = -1;

	if (t < 0 || t > KSRV_HTTP_DATE_MAX) {
		FUZZ_ASSERT(!ksrv_http_date_format(t, buf, sizeof(buf)));
		return;
	}
	FUZZ_ASSERT(ksrv_http_date_format(t, buf, sizeof(buf)));
	FUZZ_ASSERT(strlen(buf) == KSRV_HTTP_DATE_LEN);
	FUZZ_ASSERT(ksrv_http_date_parse(buf, KSRV_HTTP_DATE_LEN, &back) && back == t);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u64 raw = 0;
	char *s;
	s64 t;
	size_t i;

	s = fuzz_copy(data, size);
	if (!s)
		return 0;
	if (ksrv_http_date_parse(s, size, &t)) {
		/* 1900-01-01 .. 9999-12-31 23:59:60 */
		FUZZ_ASSERT(t >= -2208988800LL && t <= KSRV_HTTP_DATE_MAX + 1);
		if (t >= 0 && t <= KSRV_HTTP_DATE_MAX)
			roundtrip(t);
	}
	free(s);
	if (size >= 8) {
		for (i = 0; i < 8; i++)
			raw |= (u64)data[i] << (8 * i);
		roundtrip((s64)raw);
		roundtrip((s64)(raw % (u64)(KSRV_HTTP_DATE_MAX + 1)));
	}
	return 0;
}
