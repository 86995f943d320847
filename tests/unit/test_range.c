// SPDX-License-Identifier: GPL-2.0
/* Unit tests for ksrv_http_range_parse(). */
#include <stdio.h>
#include <string.h>

#include "ksrv_http_range.h"
#include "tap.h"

#define SENTINEL 0x5a5a5a5a5a5a5a5aULL

static void sat(const char *v, u64 size, u64 start, u64 len)
{
	u64 s = SENTINEL, l = SENTINEL;
	int ret = ksrv_http_range_parse(v, strlen(v), size, &s, &l);

	CHECK(ret == KSRV_HTTP_RANGE_SATISFIABLE && s == start && l == len,
	      "range: '%s' size %llu -> 206 start %llu len %llu", v,
	      (unsigned long long)size, (unsigned long long)start, (unsigned long long)len);
}

static void other(const char *v, u64 size, int want)
{
	u64 s = SENTINEL, l = SENTINEL;
	int ret = ksrv_http_range_parse(v, strlen(v), size, &s, &l);

	CHECK(ret == want && s == SENTINEL && l == SENTINEL, "range: '%s' size %llu -> %s", v,
	      (unsigned long long)size, want ? "416" : "ignore (200)");
}

#define U 416
#define I 0
#define M U64_MAX

int main(void)
{
	sat("bytes=0-499", 1000, 0, 500);
	sat("bytes=500-999", 1000, 500, 500);
	sat("bytes=500-1500", 1000, 500, 500);
	sat("bytes=999-999", 1000, 999, 1);
	sat("bytes=999-", 1000, 999, 1);
	sat("bytes=0-", 1000, 0, 1000);
	sat("bytes=0-0", 1000, 0, 1);
	sat("bytes=-1", 1000, 999, 1);
	sat("bytes=-1000", 1000, 0, 1000);
	sat("bytes=-5000", 1000, 0, 1000);
	sat("Bytes=1-2", 1000, 1, 2);
	sat("BYTES=1-2", 1000, 1, 2);
	sat("bytes= 1-2 ", 1000, 1, 2);
	sat("bytes=0-0", 1, 0, 1);
	sat("bytes=-1", 1, 0, 1);
	other("bytes=1000-", 1000, U);
	other("bytes=1000-2000", 1000, U);
	other("bytes=1000-1000", 1000, U);
	other("bytes=-0", 1000, U);
	other("bytes=0-", 0, U);
	other("bytes=0-0", 0, U);
	other("bytes=-1", 0, U);
	other("bytes=5-4", 1000, I);
	other("bytes=0-1,3-4", 1000, I);
	other("bytes=0-1,", 1000, I);
	other("bytes=0-1, 3-4", 1000, I);
	other("bytes = 0-1", 1000, I);
	other("bytes=", 1000, I);
	other("bytes=-", 1000, I);
	other("bytes", 1000, I);
	other("", 1000, I);
	other("items=0-1", 1000, I);
	other("bytes=a-b", 1000, I);
	other("bytes=0-1x", 1000, I);
	other("bytes=+1-2", 1000, I);
	other("bytes=1--2", 1000, I);
	other("bytes=1 -2", 1000, I);
	other("bytes=0x10-", 1000, I);
	/* 2^64 - 1, 2^64 and beyond saturate instead of wrapping. */
	other("bytes=18446744073709551615-", 1000, U);
	other("bytes=18446744073709551616-", 1000, U);
	other("bytes=36893488147419103232-", 1000, U);
	other("bytes=18446744073709551616-18446744073709551617", 1000, U);
	other("bytes=99999999999999999999999-1", 1000, I);
	sat("bytes=0-18446744073709551616", 1000, 0, 1000);
	sat("bytes=10-99999999999999999999999999", 1000, 10, 990);
	sat("bytes=-18446744073709551616", 1000, 0, 1000);
	sat("bytes=0-", M, 0, M);
	sat("bytes=0-18446744073709551615", M, 0, M);
	sat("bytes=18446744073709551614-", M, M - 1, 1);
	sat("bytes=-18446744073709551615", M, 0, M);
	sat("bytes=-99999999999999999999999", M, 0, M);
	sat("bytes=1-18446744073709551616", M, 1, M - 1);
	other("bytes=18446744073709551615-", M, U);
	return tap_done();
}
