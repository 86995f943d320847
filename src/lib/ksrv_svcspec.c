// SPDX-License-Identifier: GPL-2.0
/*
 * The services= syntax: a comma-separated list of "proto:port" entries.
 * Every entry is checked completely so that insmod can name the first bad
 * token; nothing is accepted by guessing (no default ports, no blanks).
 */
#include "ksrv_svcspec.h"
#include "ksrv_port.h"

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static enum ksrv_svcspec_err parse_name(const char *s, size_t len,
					char *out)
{
	size_t i;

	if (len == 0 || len > KSRV_PROTO_NAME_MAX)
		return KSRV_SVC_NAME;
	for (i = 0; i < len; i++) {
		if (!name_char(s[i]))
			return KSRV_SVC_NAME;
		out[i] = s[i];
	}
	out[len] = '\0';
	return KSRV_SVC_OK;
}

static enum ksrv_svcspec_err parse_entry(const char *s, size_t len,
					 struct ksrv_service_spec *spec)
{
	const char *colon = memchr(s, ':', len);
	enum ksrv_svcspec_err err;
	size_t nlen;

	if (len == 0)
		return KSRV_SVC_EMPTY;
	if (!colon)
		return KSRV_SVC_SYNTAX;
	nlen = (size_t)(colon - s);
	err = parse_name(s, nlen, spec->proto);
	if (err)
		return err;
	if (ksrv_port_parse(colon + 1, len - nlen - 1, &spec->port))
		return KSRV_SVC_PORT;
	return KSRV_SVC_OK;
}

static bool port_taken(const struct ksrv_service_spec *out, unsigned int n,
		       unsigned short port)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (out[i].port == port)
			return true;
	return false;
}

/**
 * ksrv_svcspec_parse() - parse a services= value
 * @s: the text; need not be NUL-terminated, one trailing newline is ignored
 * @len: its length
 * @out: table to fill
 * @max: entries in @out
 * @res: filled with the count, or with the error and the offending entry
 *
 * On error @res->n holds the entries parsed before the bad one; the caller
 * must not use @out then. Ports must be distinct across the whole list.
 */
void ksrv_svcspec_parse(const char *s, size_t len,
			struct ksrv_service_spec *out, unsigned int max,
			struct ksrv_svcspec_result *res)
{
	const char *end;
	size_t elen;

	if (len && s[len - 1] == '\n')
		len--;
	res->n = 0;
	res->err = KSRV_SVC_OK;
	res->bad = s;
	res->badlen = len;
	if (len == 0) {
		res->err = KSRV_SVC_EMPTY;
		return;
	}
	for (;;) {
		end = memchr(s, ',', len);
		elen = end ? (size_t)(end - s) : len;
		res->bad = s;
		res->badlen = elen;
		if (res->n == max) {
			res->err = KSRV_SVC_TOO_MANY;
			return;
		}
		res->err = parse_entry(s, elen, &out[res->n]);
		if (res->err)
			return;
		if (port_taken(out, res->n, out[res->n].port)) {
			res->err = KSRV_SVC_DUP;
			return;
		}
		res->n++;
		if (!end)
			return;
		len -= elen + 1;
		s = end + 1;
	}
}

/**
 * ksrv_svcspec_strerror() - describe a parse error for a log line
 * @err: the error
 *
 * Return: a short constant phrase.
 */
const char *ksrv_svcspec_strerror(enum ksrv_svcspec_err err)
{
	switch (err) {
	case KSRV_SVC_OK:
		return "no error";
	case KSRV_SVC_EMPTY:
		return "empty entry";
	case KSRV_SVC_SYNTAX:
		return "expected proto:port";
	case KSRV_SVC_NAME:
		return "bad protocol name";
	case KSRV_SVC_PORT:
		return "port must be 1..65535";
	case KSRV_SVC_DUP:
		return "duplicate port";
	case KSRV_SVC_TOO_MANY:
		return "too many services";
	}
	return "unknown error";
}
