// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_date.c - IMF-fixdate formatting and HTTP-date parsing.
 *
 * Calendar arithmetic uses the proleptic Gregorian calendar with March as
 * the first month of a computational year, which puts the leap day last and
 * makes day-of-year a linear function of the month.
 */
#include "ksrv_plain.h"
#include "ksrv_http_ascii.h"
#include "ksrv_http_date.h"

#define SECS_PER_DAY	86400
/* Days from 0000-03-01 to 1970-01-01. */
#define EPOCH_SHIFT	719468
#define DAYS_PER_ERA	146097

static const char wkday_names[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const wkday_long[7] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};

static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

struct civil {
	int year;
	int mon;	/* 1..12 */
	int day;	/* 1..31 */
	int hour;
	int min;
	int sec;
};

/* Days since 1970-01-01 for a valid date with year >= 1. */
static int days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * DAYS_PER_ERA + doe - EPOCH_SHIFT;
}

/* Inverse of days_from_civil() for days >= 0. */
static void civil_from_days(u32 days, struct civil *c)
{
	u32 z = days + EPOCH_SHIFT;
	u32 era = z / DAYS_PER_ERA;
	u32 doe = z - era * DAYS_PER_ERA;
	u32 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	u32 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	u32 mp = (5 * doy + 2) / 153;

	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = (int)(yoe + era * 400) + (c->mon <= 2);
}

static char *put2(char *p, int v)
{
	*p++ = (char)('0' + v / 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/**
 * ksrv_http_date_format() - format a time as an IMF-fixdate
 * @secs: seconds since 1970-01-01T00:00:00Z, 0..KSRV_HTTP_DATE_MAX
 * @out: output buffer
 * @out_size: size of @out, at least KSRV_HTTP_DATE_BUF
 *
 * Writes e.g. "Sun, 06 Nov 1994 08:49:37 GMT" (KSRV_HTTP_DATE_LEN bytes)
 * followed by a NUL.
 *
 * A time outside ksrv_http_date_in_range() has no HTTP-date; callers
 * must then leave the field out (RFC 9110 8.8.2 allows a response without
 * Last-Modified) rather than send an empty or wrong one.
 *
 * Return: true on success; false if @secs is out of range or @out is too
 * small, and @out is not written then.
 */
bool ksrv_http_date_format(s64 secs, char *out, size_t out_size)
{
	struct civil c;
	u32 sod, days;
	char *p = out;

	if (out_size < KSRV_HTTP_DATE_BUF || !ksrv_http_date_in_range(secs))
		return false;
	days = (u32)div_u64_rem((u64)secs, SECS_PER_DAY, &sod);
	civil_from_days(days, &c);

	memcpy(p, wkday_names[(days + 4) % 7], 3);
	p += 3;
	*p++ = ',';
	*p++ = ' ';
	p = put2(p, c.day);
	*p++ = ' ';
	memcpy(p, month_names[c.mon - 1], 3);
	p += 3;
	*p++ = ' ';
	p = put2(p, c.year / 100);
	p = put2(p, c.year % 100);
	*p++ = ' ';
	p = put2(p, (int)(sod / 3600));
	*p++ = ':';
	p = put2(p, (int)(sod / 60 % 60));
	*p++ = ':';
	p = put2(p, (int)(sod % 60));
	memcpy(p, " GMT", 5);	/* includes the NUL */
	return true;
}

/* Exactly @n decimal digits; no sign, no spaces. */
static bool get_num(const char *s, size_t n, int *val)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (!ksrv_http_is_digit((u8)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*val = v;
	return true;
}

static bool get_month(const char *s, int *mon)
{
	int i;

	for (i = 0; i < 12; i++) {
		if (!memcmp(s, month_names[i], 3)) {
			*mon = i + 1;
			return true;
		}
	}
	return false;
}

static bool is_wkday(const char *s)
{
	int i;

	for (i = 0; i < 7; i++) {
		if (!memcmp(s, wkday_names[i], 3))
			return true;
	}
	return false;
}

/* "HH:MM:SS" */
static bool get_time(const char *s, struct civil *c)
{
	return s[2] == ':' && s[5] == ':' && get_num(s, 2, &c->hour) &&
	       get_num(s + 3, 2, &c->min) && get_num(s + 6, 2, &c->sec);
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool civil_to_secs(const struct civil *c, s64 *secs)
{
	static const u8 mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	/* 1900 keeps the arithmetic away from negative years. */
	if (c->year < 1900 || c->mon < 1 || c->mon > 12 || c->day < 1)
		return false;
	if (c->day > mdays[c->mon - 1] ||
	    (c->mon == 2 && c->day == 29 && !is_leap(c->year)))
		return false;
	/* 60 is a leap second; POSIX time folds it into the next minute. */
	if (c->hour > 23 || c->min > 59 || c->sec > 60)
		return false;
	*secs = (s64)days_from_civil(c->year, c->mon, c->day) * SECS_PER_DAY +
		c->hour * 3600 + c->min * 60 + c->sec;
	return true;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
static bool parse_fixdate(const char *s, struct civil *c)
{
	return is_wkday(s) && !memcmp(s + 3, ", ", 2) && get_num(s + 5, 2, &c->day) &&
	       s[7] == ' ' && get_month(s + 8, &c->mon) && s[11] == ' ' &&
	       get_num(s + 12, 4, &c->year) && s[16] == ' ' && get_time(s + 17, c) &&
	       !memcmp(s + 25, " GMT", 4);
}

/* asctime(): "Sun Nov  6 08:49:37 1994" */
static bool parse_asctime(const char *s, struct civil *c)
{
	if (!is_wkday(s) || s[3] != ' ' || !get_month(s + 4, &c->mon) || s[7] != ' ')
		return false;
	if (s[8] == ' ') {
		if (!get_num(s + 9, 1, &c->day))
			return false;
	} else if (!get_num(s + 8, 2, &c->day)) {
		return false;
	}
	return s[10] == ' ' && get_time(s + 11, c) && s[19] == ' ' &&
	       get_num(s + 20, 4, &c->year);
}

/*
 * RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT".  Two-digit years below 70 are
 * taken as 20xx, others as 19xx: a fixed stand-in for RFC 9110's "not more
 * than 50 years in the future" rule, which would need the current time.
 */
static bool parse_rfc850(const char *s, size_t len, struct civil *c)
{
	size_t n;
	int i;

	for (i = 0; i < 7; i++) {
		n = strlen(wkday_long[i]);
		if (len == n + 24 && !memcmp(s, wkday_long[i], n))
			break;
	}
	if (i == 7)
		return false;
	s += n;
	if (memcmp(s, ", ", 2) || !get_num(s + 2, 2, &c->day) || s[4] != '-' ||
	    !get_month(s + 5, &c->mon) || s[8] != '-' || !get_num(s + 9, 2, &c->year) ||
	    s[11] != ' ' || !get_time(s + 12, c) || memcmp(s + 20, " GMT", 4))
		return false;
	c->year += c->year < 70 ? 2000 : 1900;
	return true;
}

/**
 * ksrv_http_date_parse() - parse an HTTP-date
 * @s: field value (not NUL-terminated; surrounding whitespace not allowed)
 * @len: length of @s
 * @secs: result, seconds since the epoch
 *
 * Accepts IMF-fixdate, the obsolete RFC 850 form and asctime() form, all
 * case-sensitive and in GMT, for years 1900..9999.  The weekday name must
 * be a valid one but is not checked against the date.
 *
 * Return: true and *@secs set on success, false if @s is not a valid date
 * (the caller then ignores the header field, as RFC 9110 requires).
 */
bool ksrv_http_date_parse(const char *s, size_t len, s64 *secs)
{
	struct civil c;
	bool ok;

	if (len == KSRV_HTTP_DATE_LEN)
		ok = parse_fixdate(s, &c);
	else if (len == 24)
		ok = parse_asctime(s, &c);
	else
		ok = parse_rfc850(s, len, &c);
	return ok && civil_to_secs(&c, secs);
}
