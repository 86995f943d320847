/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the supported kernels (Debian 6.1 and 6.12), all in
 * one place. Code elsewhere never tests LINUX_VERSION_CODE.
 */
#ifndef _KSRV_COMPAT_H
#define _KSRV_COMPAT_H

#include <linux/version.h>

/*
 * Page-based zero-copy sending: 6.5 removed ->sendpage and made
 * sock_sendmsg() with MSG_SPLICE_PAGES take page references instead.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define KSRV_HAVE_SPLICE_PAGES	1
#else
#define KSRV_HAVE_SPLICE_PAGES	0
#endif

#endif /* _KSRV_COMPAT_H */
