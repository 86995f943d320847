/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the supported kernels (Debian 6.1 and 6.12), all in
 * one place. Code elsewhere never tests LINUX_VERSION_CODE.
 */
#ifndef _KSRV_COMPAT_H
#define _KSRV_COMPAT_H

#include <linux/version.h>
#include <linux/net.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/bvec.h>

/*
 * Page-based zero-copy sending: 6.5 removed kernel_sendpage(); since then
 * sock_sendmsg() with MSG_SPLICE_PAGES takes page references instead of
 * copying.
 */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
static inline int ksrv_compat_send_page(struct socket *sock, struct page *page,
					size_t offset, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };
	struct bio_vec bv;

	bvec_set_page(&bv, page, len, offset);
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, &bv, 1, len);
	return sock_sendmsg(sock, &msg);
}
#else
static inline int ksrv_compat_send_page(struct socket *sock, struct page *page,
					size_t offset, size_t len, int flags)
{
	return kernel_sendpage(sock, page, offset, len, flags);
}
#endif

/*
 * vfs_path_lookup() is exported by both kernels but declared in
 * <linux/namei.h> only in newer ones; the prototype is the same.
 */
#if KERNEL_VERSION(6, 12, 0) > LINUX_VERSION_CODE
struct dentry;
struct vfsmount;
struct path;
int vfs_path_lookup(struct dentry *dentry, struct vfsmount *mnt,
		    const char *name, unsigned int flags, struct path *path);
#endif

#endif /* _KSRV_COMPAT_H */
