/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_ids.h - the HTTP identity's names and numbers: parameter
 * syntax, and look-ups in the text of /etc/passwd and /etc/group.
 */
#ifndef _KSRV_HTTP_IDS_H
#define _KSRV_HTTP_IDS_H

#include "ksrv_plain.h"

/* Longest user or group name accepted (useradd's limit). */
#define KSRV_HTTP_NAME_MAX	32

enum ksrv_http_id_kind {
	KSRV_HTTP_ID_BAD,
	KSRV_HTTP_ID_NUMBER,
	KSRV_HTTP_ID_NAME,
};

enum ksrv_http_id_kind ksrv_http_id_parse(const char *s, u32 *id);
bool ksrv_http_passwd_find(const char *buf, size_t len, const char *name,
			   u32 uid, char *found_name, u32 *found_uid,
			   u32 *gid);
bool ksrv_http_group_find(const char *buf, size_t len, const char *name,
			  u32 *gid);
size_t ksrv_http_group_member_of(const char *buf, size_t len,
				 const char *user, u32 *gids, size_t max);

#endif /* _KSRV_HTTP_IDS_H */
