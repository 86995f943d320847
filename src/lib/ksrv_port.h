/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP port numbers as written in services= and /proc/ksrv/drop.
 */
#ifndef _KSRV_PORT_H
#define _KSRV_PORT_H

#include "ksrv_plain.h"

int ksrv_port_parse(const char *s, size_t len, unsigned short *port);

#endif /* _KSRV_PORT_H */
