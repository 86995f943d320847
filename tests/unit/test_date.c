// SPDX-License-Identifier: GPL-2.0
/* Unit tests for ksrv_http_date_format() / ksrv_http_date_parse(). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ksrv_http_date.h"
#include "tap.h"

static void fmt(s64 t, const char *want)
{
	char buf[KSRV_HTTP_DATE_BUF];

	memset(buf, 'Z', sizeof(buf));
	CHECK(ksrv_http_date_format(t, buf, sizeof(buf)) && !strcmp(buf, want),
	      "date: format %lld -> %s", (long long)t, want);
}

/* Out of range: refused, and the buffer left exactly as it was. */
static void fmt_none(s64 t)
{
	char buf[KSRV_HTTP_DATE_BUF];
	size_t i;
	bool untouched = true;

	memset(buf, 'Z', sizeof(buf));
	CHECK(!ksrv_http_date_format(t, buf, sizeof(buf)), "date: format %lld refused",
	      (long long)t);
	for (i = 0; i < sizeof(buf); i++)
		untouched &= buf[i] == 'Z';
	CHECK(untouched, "date: format %lld leaves the buffer alone", (long long)t);
}

static void good(const char *s, s64 want)
{
	s64 t = -1;

	CHECK(ksrv_http_date_parse(s, strlen(s), &t) && t == want,
	      "date: parse '%s' -> %lld", s, (long long)want);
}

static void bad(const char *s)
{
	s64 t;

	CHECK(!ksrv_http_date_parse(s, strlen(s), &t), "date: reject '%s'", s);
}

static void t_roundtrip(void)
{
	char buf[KSRV_HTTP_DATE_BUF];
	s64 t, back;
	int ok = 1, n = 0;

	/* Prime step so hours, days and leap years all get exercised. */
	for (t = 0; t <= KSRV_HTTP_DATE_MAX; t += 7919LL * 3607) {
		ok &= ksrv_http_date_format(t, buf, sizeof(buf)) &&
		      strlen(buf) == KSRV_HTTP_DATE_LEN &&
		      ksrv_http_date_parse(buf, KSRV_HTTP_DATE_LEN, &back) && back == t;
		n++;
	}
	CHECK(ok && n > 1000, "date: format/parse round trip over 1970..9999 (%d values)", n);
}

int main(void)
{
	char small[KSRV_HTTP_DATE_LEN];
	s64 t;

	fmt(0, "Thu, 01 Jan 1970 00:00:00 GMT");
	fmt(784111777, "Sun, 06 Nov 1994 08:49:37 GMT");
	fmt(951782400, "Tue, 29 Feb 2000 00:00:00 GMT");
	fmt(951868799, "Tue, 29 Feb 2000 23:59:59 GMT");
	fmt(2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT");
	fmt(4107542400LL, "Mon, 01 Mar 2100 00:00:00 GMT");
	fmt(KSRV_HTTP_DATE_MAX, "Fri, 31 Dec 9999 23:59:59 GMT");
	/* The representable range ends on both sides at one second. */
	fmt(1, "Thu, 01 Jan 1970 00:00:01 GMT");
	fmt(KSRV_HTTP_DATE_MAX - 1, "Fri, 31 Dec 9999 23:59:58 GMT");
	fmt_none(-1);				/* 1969-12-31T23:59:59 */
	fmt_none(-86400);			/* 1969-12-31T00:00:00 */
	fmt_none(-315619200LL);			/* 1960-01-01 */
	fmt_none(-2208988800LL);		/* 1900-01-01, still parsable */
	fmt_none(KSRV_HTTP_DATE_MAX + 1);	/* 10000-01-01T00:00:00 */
	fmt_none(KSRV_HTTP_DATE_MAX + 86400);
	fmt_none(INT64_MIN);
	fmt_none(INT64_MAX);
	CHECK(!ksrv_http_date_format(-1, small, sizeof(small)), "date: format -1 refused");
	CHECK(!ksrv_http_date_format(KSRV_HTTP_DATE_MAX + 1, small, sizeof(small)) &&
	      !ksrv_http_date_format(0, small, sizeof(small)),
	      "date: format out of range / short buffer refused");

	good("Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
	good("Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
	good("Sun Nov  6 08:49:37 1994", 784111777);
	good("Wed Nov 16 08:49:37 1994", 784111777 + 10 * 86400);
	good("Thu, 01 Jan 1970 00:00:00 GMT", 0);
	good("Wed, 31 Dec 1969 23:59:59 GMT", -1);
	good("Mon, 01 Jan 1900 00:00:00 GMT", -2208988800LL);
	good("Tue, 29 Feb 2000 00:00:00 GMT", 951782400);
	good("Fri, 31 Dec 9999 23:59:59 GMT", KSRV_HTTP_DATE_MAX);
	good("Thursday, 01-Jan-70 00:00:00 GMT", 0);
	good("Tuesday, 01-Jan-69 00:00:00 GMT", 3124224000LL);
	good("Sun, 06 Nov 1994 08:49:60 GMT", 784111800);
	good("Mon, 06 Nov 1994 08:49:37 GMT", 784111777);	/* weekday not checked */
	bad("");
	bad("Sun, 06 Nov 1994 08:49:37 UTC");
	bad("Sun, 06 Nov 1994 08:49:37 gmt");
	bad("sun, 06 Nov 1994 08:49:37 GMT");
	bad("Sun, 06 nov 1994 08:49:37 GMT");
	bad("Xyz, 06 Nov 1994 08:49:37 GMT");
	bad("Sun, 06 Foo 1994 08:49:37 GMT");
	bad("Sun, 32 Jan 1994 08:49:37 GMT");
	bad("Sun, 00 Jan 1994 08:49:37 GMT");
	bad("Sun, 31 Apr 1994 08:49:37 GMT");
	bad("Sun, 29 Feb 1900 00:00:00 GMT");
	bad("Sun, 29 Feb 2001 00:00:00 GMT");
	bad("Sun, 06 Nov 1994 24:00:00 GMT");
	bad("Sun, 06 Nov 1994 08:60:00 GMT");
	bad("Sun, 06 Nov 1994 08:49:61 GMT");
	bad("Sun, 06 Nov 1899 08:49:37 GMT");
	bad("Sun 06 Nov 1994 08:49:37 GMT ");
	bad("Sun,  6 Nov 1994 08:49:37 GMT");
	bad("Sun, 06 Nov 1994 08-49-37 GMT");
	bad("Sun, 06 Nov 1994 08:49:37 GMT ");
	bad(" Sun, 06 Nov 1994 08:49:37 GMT");
	bad("Sun, 06 Nov 1994 08:49:3");
	bad("Sunday, 06-Nov-1994 08:49:37 GMT");
	bad("Sunday, 06 Nov 94 08:49:37 GMT");
	bad("Sundae, 06-Nov-94 08:49:37 GMT");
	bad("Sun Nov 06 08:49:37 94  ");
	bad("Sun Nov  6 08:49:37 19x4");
	bad("-1");
	CHECK(!ksrv_http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 28, &t),
	      "date: length bounds the input");
	t_roundtrip();
	return tap_done();
}
