/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tap.h - minimal "ok - name" / "not ok - name" reporting for the parser
 * unit tests.  Each test program includes this once.
 */
#ifndef KSRV_TAP_H
#define KSRV_TAP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static int tap_failed;
static int tap_total;

static void __attribute__((format(printf, 3, 4)))
tap_check(int ok, int line, const char *fmt, ...)
{
	va_list ap;

	tap_total++;
	if (!ok)
		tap_failed++;
	fputs(ok ? "ok - " : "not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!ok)
		printf(" (line %d)", line);
	putchar('\n');
}

#define CHECK(cond, ...) tap_check(!!(cond), __LINE__, __VA_ARGS__)

/* Control characters shown escaped, so that a test name stays one line. */
static inline const char *tap_show(const char *s, size_t len)
{
	static char buf[512];
	size_t i, o = 0;

	for (i = 0; i < len && o + 5 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\n");
		else if (c == '\t')
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

static int tap_done(void)
{
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif /* KSRV_TAP_H */
