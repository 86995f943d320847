// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the http_user / http_group look-ups
 * (ksrv_http_ids.c). The input is a name, a NUL, then the text of an
 * account file, used as /etc/passwd and as /etc/group alike. A match
 * must name exactly the name asked for, and a member list never
 * overflows the room it is given.
 */

#include "ksrv_http_ids.h"
#include "fuzz_common.h"

#define ROOM	8

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char name[KSRV_HTTP_NAME_MAX + 8], found[KSRV_HTTP_NAME_MAX + 1];
	const u8 *nul = memchr(data, 0, size);
	u32 id = 0, uid = 0, gid = 0, gids[ROOM + 1];
	size_t nlen, tlen, n;
	char *text;

	if (!nul || (size_t)(nul - data) >= sizeof(name))
		return 0;
	nlen = nul - data;
	memcpy(name, data, nlen + 1);
	tlen = size - nlen - 1;
	text = malloc(tlen ? tlen : 1);
	if (!text)
		return 0;
	memcpy(text, nul + 1, tlen);
	if (ksrv_http_id_parse(name, &id) == KSRV_HTTP_ID_NAME) {
		FUZZ_ASSERT(nlen >= 1 && nlen <= KSRV_HTTP_NAME_MAX);
		if (ksrv_http_passwd_find(text, tlen, name, 0, found, &uid,
					  &gid))
			FUZZ_ASSERT(!strcmp(found, name));
		ksrv_http_group_find(text, tlen, name, &gid);
		gids[ROOM] = 0xdeadbeef;
		n = ksrv_http_group_member_of(text, tlen, name, gids, ROOM);
		FUZZ_ASSERT(n <= ROOM && gids[ROOM] == 0xdeadbeef);
	}
	if (ksrv_http_passwd_find(text, tlen, NULL, id, found, &uid, &gid))
		FUZZ_ASSERT(uid == id && strlen(found) <= KSRV_HTTP_NAME_MAX);
	free(text);
	return 0;
}
