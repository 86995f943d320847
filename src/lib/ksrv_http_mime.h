/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_http_mime.h - file name extension to Content-Type.
 */
#ifndef _KSRV_HTTP_MIME_H
#define _KSRV_HTTP_MIME_H

#include "ksrv_plain.h"

#define KSRV_HTTP_MIME_DEFAULT	"application/octet-stream"

const char *ksrv_http_mime_type(const char *name, size_t len);

#endif /* _KSRV_HTTP_MIME_H */
