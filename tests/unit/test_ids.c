// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the http_user / http_group look-ups (ksrv_http_ids.c). */
#include <stdio.h>
#include <string.h>

#include "ksrv_http_ids.h"
#include "tap.h"

static const char passwd[] =
	"root:x:0:0:root:/root:/bin/bash\n"
	"broken:x:12a:5:bad uid:/:/bin/false\n"
	"short:x:77\n"
	"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
	"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	"dup:x:1000:1000::/:/bin/sh\n"
	"dup:x:1001:1001::/:/bin/sh\n"
	"last:x:4242:4343::/:/bin/sh";	/* no final newline */

static const char group[] =
	"root:x:0:\n"
	"adm:x:4:syslog,nobody\n"
	"www-data:x:33:\n"
	"web:x:500:alice,nobodyx,nobody\r\n"
	"bad:x:-1:nobody\n"
	"nogroup:x:65534:\n"
	"tail:x:600:nobody";

static void id_kind(const char *s, enum ksrv_http_id_kind want, u32 want_id)
{
	u32 id = 12345;
	enum ksrv_http_id_kind k = ksrv_http_id_parse(s, &id);

	CHECK(k == want && (want != KSRV_HTTP_ID_NUMBER || id == want_id),
	      "ids: parse '%s' -> %d", s, (int)want);
}

static void pw_name(const char *name, bool found, u32 uid, u32 gid)
{
	char got[KSRV_HTTP_NAME_MAX + 1] = "";
	u32 u = 0, g = 0;
	bool ok = ksrv_http_passwd_find(passwd, strlen(passwd), name, 0, got,
					&u, &g);

	CHECK(ok == found && (!found || (u == uid && g == gid &&
					 !strcmp(got, name))),
	      "ids: passwd '%s' %s", name, found ? "found" : "absent");
}

static void pw_uid(u32 uid, const char *name, u32 gid)
{
	char got[KSRV_HTTP_NAME_MAX + 1] = "";
	u32 u = 0, g = 0;
	bool ok = ksrv_http_passwd_find(passwd, strlen(passwd), NULL, uid, got,
					&u, &g);

	CHECK(name ? ok && !strcmp(got, name) && u == uid && g == gid : !ok,
	      "ids: passwd uid %u -> %s", uid, name ? name : "none");
}

static void gr_name(const char *name, bool found, u32 gid)
{
	u32 g = 0;
	bool ok = ksrv_http_group_find(group, strlen(group), name, &g);

	CHECK(ok == found && (!found || g == gid), "ids: group '%s' %s", name,
	      found ? "found" : "absent");
}

static const struct {
	const char *s;
	enum ksrv_http_id_kind kind;
	u32 id;
} kinds[] = {
	{ "nobody", KSRV_HTTP_ID_NAME, 0 },
	{ "www-data", KSRV_HTTP_ID_NAME, 0 },
	{ "_svc.x", KSRV_HTTP_ID_NAME, 0 },
	{ "machine$", KSRV_HTTP_ID_NAME, 0 },
	{ "65534", KSRV_HTTP_ID_NUMBER, 65534 },
	{ "0", KSRV_HTTP_ID_NUMBER, 0 },
	{ "4294967294", KSRV_HTTP_ID_NUMBER, 4294967294u },
	{ "4294967295", KSRV_HTTP_ID_BAD, 0 },
	{ "99999999999", KSRV_HTTP_ID_BAD, 0 },
	{ "007", KSRV_HTTP_ID_BAD, 0 },
	{ "12ab", KSRV_HTTP_ID_BAD, 0 },
	{ "", KSRV_HTTP_ID_BAD, 0 },
	{ "-x", KSRV_HTTP_ID_BAD, 0 },
	{ "a:b", KSRV_HTTP_ID_BAD, 0 },
	{ "a b", KSRV_HTTP_ID_BAD, 0 },
	{ "a$b", KSRV_HTTP_ID_BAD, 0 },
	{ "abcdefghijabcdefghijabcdefghijab", KSRV_HTTP_ID_NAME, 0 },
	{ "abcdefghijabcdefghijabcdefghijabc", KSRV_HTTP_ID_BAD, 0 },
};

int main(void)
{
	u32 gids[8];
	size_t n, i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		id_kind(kinds[i].s, kinds[i].kind, kinds[i].id);

	pw_name("nobody", true, 65534, 65534);
	pw_name("www-data", true, 33, 33);
	pw_name("root", true, 0, 0);
	pw_name("dup", true, 1000, 1000);
	pw_name("last", true, 4242, 4343);
	pw_name("broken", false, 0, 0);
	pw_name("short", false, 0, 0);
	pw_name("nobod", false, 0, 0);
	pw_name("nobodyx", false, 0, 0);
	pw_name("x", false, 0, 0);
	pw_uid(33, "www-data", 33);
	pw_uid(1001, "dup", 1001);
	pw_uid(4242, "last", 4343);
	pw_uid(5, NULL, 0);

	gr_name("nogroup", true, 65534);
	gr_name("www-data", true, 33);
	gr_name("web", true, 500);
	gr_name("tail", true, 600);
	gr_name("bad", false, 0);
	gr_name("nogrou", false, 0);

	n = ksrv_http_group_member_of(group, strlen(group), "nobody", gids, 8);
	CHECK(n == 3 && gids[0] == 4 && gids[1] == 500 && gids[2] == 600,
	      "ids: nobody is a member of adm, web (CRLF line), tail (last line)");
	n = ksrv_http_group_member_of(group, strlen(group), "nobody", gids, 2);
	CHECK(n == 2, "ids: member groups stop at the room given");
	n = ksrv_http_group_member_of(group, strlen(group), "alice", gids, 8);
	CHECK(n == 1 && gids[0] == 500, "ids: first member of a list");
	n = ksrv_http_group_member_of(group, strlen(group), "nobodyx", gids, 8);
	CHECK(n == 1 && gids[0] == 500, "ids: a name is not a prefix match");
	n = ksrv_http_group_member_of(group, strlen(group), "www-data", gids, 8);
	CHECK(n == 0, "ids: a group's name is not a membership");
	n = ksrv_http_group_member_of("", 0, "nobody", gids, 8);
	CHECK(n == 0, "ids: empty file");
	return tap_done();
}
