// SPDX-License-Identifier: GPL-2.0
/*
 * ksrv_http_ids.c - names and numbers of the identity HTTP runs as.
 *
 * The module reads /etc/passwd and /etc/group once at load; this file only
 * looks things up in their text, so that it builds in user space for unit
 * tests. Lines are "name:password:uid:gid:..." and
 * "name:password:gid:member,member,...". A line that does not have that
 * shape is skipped, never half-used; the first matching line wins, as
 * with getpwnam().
 */
#include "ksrv_plain.h"
#include "ksrv_http_ids.h"

/* One line split at its colons; fields past the last one are empty. */
#define IDS_FIELDS	4

struct ids_line {
	const char *f[IDS_FIELDS];
	size_t len[IDS_FIELDS];
};

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

/* A decimal number without sign or leading zeros, below 2^32 - 1. */
static bool parse_u32(const char *s, size_t len, u32 *v)
{
	u64 n = 0;
	size_t i;

	if (!len || len > 10 || (s[0] == '0' && len > 1))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (u64)(s[i] - '0');
	}
	/* (u32)-1 means "no id" to chown() and the kernel. */
	if (n >= 0xffffffffULL)
		return false;
	*v = (u32)n;
	return true;
}

/**
 * ksrv_http_id_parse() - classify an http_user / http_group value
 * @s: NUL-terminated value
 * @id: set to the number for KSRV_HTTP_ID_NUMBER
 *
 * Return: KSRV_HTTP_ID_NUMBER for a decimal id, KSRV_HTTP_ID_NAME for a
 * name (a letter or '_', then letters, digits, '_', '-', '.', an optional
 * final '$', at most KSRV_HTTP_NAME_MAX bytes), else KSRV_HTTP_ID_BAD.
 */
enum ksrv_http_id_kind ksrv_http_id_parse(const char *s, u32 *id)
{
	size_t len = strlen(s), i;

	if (len && s[0] >= '0' && s[0] <= '9')
		return parse_u32(s, len, id) ? KSRV_HTTP_ID_NUMBER :
					       KSRV_HTTP_ID_BAD;
	if (!len || len > KSRV_HTTP_NAME_MAX)
		return KSRV_HTTP_ID_BAD;
	for (i = 0; i < len; i++)
		if (!name_char(s[i], !i) && !(s[i] == '$' && i == len - 1))
			return KSRV_HTTP_ID_BAD;
	return KSRV_HTTP_ID_NAME;
}

/* Moves *pos past the next line and splits it; false at the end. */
static bool next_line(const char *buf, size_t len, size_t *pos,
		      struct ids_line *l)
{
	size_t i = *pos, n = 0;

	if (i >= len)
		return false;
	memset(l, 0, sizeof(*l));
	l->f[0] = buf + i;
	for (; i < len && buf[i] != '\n'; i++) {
		if (buf[i] != ':') {
			l->len[n]++;
		} else if (++n < IDS_FIELDS) {
			l->f[n] = buf + i + 1;
		} else {
			n = IDS_FIELDS - 1;
			/* Only the first IDS_FIELDS fields are looked at. */
			for (; i < len && buf[i] != '\n'; i++)
				;
			break;
		}
	}
	*pos = i + 1;
	/* The unused fields point at an empty string, not at NULL. */
	for (n = 0; n < IDS_FIELDS; n++)
		if (!l->f[n])
			l->f[n] = "";
	return true;
}

static bool field_is(const struct ids_line *l, unsigned int i,
		     const char *s)
{
	size_t n = strlen(s);

	return l->len[i] == n && !memcmp(l->f[i], s, n);
}

/**
 * ksrv_http_passwd_find() - find a user in the text of /etc/passwd
 * @buf: the file's bytes
 * @len: their number
 * @name: the user's name, or NULL to find the first line with @uid
 * @uid: the uid to find when @name is NULL
 * @found_name: KSRV_HTTP_NAME_MAX + 1 bytes, set to the line's name
 * @found_uid: set to its uid
 * @gid: set to its primary group id
 *
 * Return: true if a well-formed line matched.
 */
bool ksrv_http_passwd_find(const char *buf, size_t len, const char *name,
			   u32 uid, char *found_name, u32 *found_uid,
			   u32 *gid)
{
	struct ids_line l;
	size_t pos = 0;
	u32 u, g;

	while (next_line(buf, len, &pos, &l)) {
		if (!l.len[0] || l.len[0] > KSRV_HTTP_NAME_MAX ||
		    !parse_u32(l.f[2], l.len[2], &u) ||
		    !parse_u32(l.f[3], l.len[3], &g))
			continue;
		if (name ? !field_is(&l, 0, name) : u != uid)
			continue;
		memcpy(found_name, l.f[0], l.len[0]);
		found_name[l.len[0]] = '\0';
		*found_uid = u;
		*gid = g;
		return true;
	}
	return false;
}

/**
 * ksrv_http_group_find() - find a group's id in the text of /etc/group
 * @buf: the file's bytes
 * @len: their number
 * @name: the group's name
 * @gid: set to its id
 *
 * Return: true if a well-formed line matched.
 */
bool ksrv_http_group_find(const char *buf, size_t len, const char *name,
			  u32 *gid)
{
	struct ids_line l;
	size_t pos = 0;
	u32 g;

	while (next_line(buf, len, &pos, &l))
		if (field_is(&l, 0, name) && parse_u32(l.f[2], l.len[2], &g)) {
			*gid = g;
			return true;
		}
	return false;
}

/* Is @user one of the comma-separated names of the member field? */
static bool is_member(const char *f, size_t len, const char *user)
{
	size_t n = strlen(user), i = 0, j;

	while (i <= len) {
		for (j = i; j < len && f[j] != ',' && f[j] != '\r'; j++)
			;
		if (j - i == n && !memcmp(f + i, user, n))
			return true;
		i = j + 1;
	}
	return false;
}

/**
 * ksrv_http_group_member_of() - the groups that list a user as a member
 * @buf: the text of /etc/group
 * @len: its length
 * @user: the user's name
 * @gids: set to the ids of those groups, in file order
 * @max: room in @gids; further groups are not reported
 *
 * Return: the number of ids stored.
 */
size_t ksrv_http_group_member_of(const char *buf, size_t len,
				 const char *user, u32 *gids, size_t max)
{
	struct ids_line l;
	size_t pos = 0, n = 0;
	u32 g;

	while (n < max && next_line(buf, len, &pos, &l))
		if (l.len[0] && parse_u32(l.f[2], l.len[2], &g) &&
		    is_member(l.f[3], l.len[3], user))
			gids[n++] = g;
	return n;
}
