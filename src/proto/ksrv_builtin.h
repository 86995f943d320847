/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry points of the protocols built into ksrv.ko. Each registers its
 * struct ksrv_proto_ops during module init and unregisters it at exit.
 */
#ifndef _KSRV_BUILTIN_H
#define _KSRV_BUILTIN_H

int ksrv_echo_init(void);
void ksrv_echo_exit(void);
int ksrv_chargen_init(void);
void ksrv_chargen_exit(void);
int ksrv_http_init(void);
void ksrv_http_exit(void);

#endif /* _KSRV_BUILTIN_H */
