/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksrv_plain.h - tiny portability layer so that the pure parsing code of
 * ksrv (no I/O, no allocation) builds unchanged inside the kernel and in
 * user space (unit tests, fuzzers).
 */
#ifndef _KSRV_PLAIN_H
#define _KSRV_PLAIN_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/string.h>
#include <linux/kernel.h>
#include <linux/math64.h>

#else /* !__KERNEL__ */

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

/* Spelled as the kernel's asm-generic/int-ll64.h does, for identical types. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef int s32;
typedef long long s64;

#ifndef U64_MAX
#define U64_MAX ((u64)~0ULL)
#endif
#ifndef S64_MAX
#define S64_MAX ((s64)(U64_MAX >> 1))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Same contract as the kernel's div_u64_rem() from <linux/math64.h>. */
static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = (u32)(dividend % divisor);
	return dividend / divisor;
}

#endif /* __KERNEL__ */

#endif /* _KSRV_PLAIN_H */
