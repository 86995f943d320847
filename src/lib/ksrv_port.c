// SPDX-License-Identifier: GPL-2.0
/*
 * The one port parser of ksrv: decimal digits only, no sign, no blanks,
 * 1..65535.
 */
#include "ksrv_port.h"

/**
 * ksrv_port_parse() - parse a TCP port number
 * @s: digits, need not be NUL-terminated
 * @len: their count
 * @port: set to the port on success, untouched otherwise
 *
 * Leading zeros are allowed as long as the text is at most five digits:
 * a longer one cannot be valid and must not overflow the accumulator.
 *
 * Return: 0, or -1 if @s is not a port in 1..65535.
 */
int ksrv_port_parse(const char *s, size_t len, unsigned short *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}
