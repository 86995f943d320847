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
#include <net/net_namespace.h>
#include <net/sock.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/mount.h>
#include <linux/sched/task.h>

/*
 * Page-based zero-copy sending of @n page fragments (@len bytes in all):
 * 6.5 removed kernel_sendpage(); since then sock_sendmsg() with
 * MSG_SPLICE_PAGES takes page references instead of copying, for all the
 * fragments in one call. Either way the network stack holds its own page
 * references. Returns bytes queued or a negative errno, as sock_sendmsg().
 */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
static inline int ksrv_compat_send_pages(struct socket *sock,
					 struct bio_vec *bv, unsigned int n,
					 size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	return sock_sendmsg(sock, &msg);
}
#else
static inline int ksrv_compat_send_pages(struct socket *sock,
					 struct bio_vec *bv, unsigned int n,
					 size_t len, int flags)
{
	int ret, sent = 0, f = flags | MSG_MORE | MSG_SENDPAGE_NOTLAST;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ret = kernel_sendpage(sock, bv[i].bv_page, bv[i].bv_offset,
				      bv[i].bv_len, i + 1 < n ? f : flags);
		if (ret <= 0)
			return sent ? sent : ret;
		sent += ret;
		if (ret < bv[i].bv_len)
			break;
	}
	return sent;
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

/*
 * Make a kernel socket hold a reference on its network namespace, as a
 * user socket does. tcp_close() stops every timer of a socket that does
 * not (they could otherwise outlive the namespace), so a kernel socket
 * closed with its FIN or data still unacknowledged never retransmits
 * them: one lost segment and the peer waits for ever. Done on the
 * listening socket; accepted sockets inherit it. 6.12's stable series
 * (Debian's 6.12.117) exports the helper; 6.1 has none, and this is what
 * sunrpc does there for its TCP listeners.
 */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
static inline void ksrv_compat_hold_net(struct sock *sk)
{
	sk_net_refcnt_upgrade(sk);
}
#else
static inline void ksrv_compat_hold_net(struct sock *sk)
{
	struct net *net = sock_net(sk);

	sk->sk_net_refcnt = 1;
	get_net_track(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
}
#endif

/*
 * A copy of the kernel's own credentials, to be narrowed down. 6.1 takes
 * NULL for "the init credentials"; since 6.2 NULL is refused (with a
 * warning) and &init_task means the same.
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
static inline struct cred *ksrv_compat_kernel_cred(void)
{
	return prepare_kernel_cred(&init_task);
}
#else
static inline struct cred *ksrv_compat_kernel_cred(void)
{
	return prepare_kernel_cred(NULL);
}
#endif

/*
 * The permission check of open(2) (may_open()'s inode_permission()) for
 * @path, with the current credentials, through the mount's ID mapping:
 * 6.3 replaced the mount's user namespace by a struct mnt_idmap.
 */
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
static inline int ksrv_compat_path_permission(const struct path *path,
					      int mask)
{
	return inode_permission(mnt_idmap(path->mnt), d_inode(path->dentry),
				mask);
}
#else
static inline int ksrv_compat_path_permission(const struct path *path,
					      int mask)
{
	return inode_permission(mnt_user_ns(path->mnt), d_inode(path->dentry),
				mask);
}
#endif

/*
 * The FS_OPEN event of a file opened with dentry_open(): 6.12's vfs_open()
 * sends it itself; in 6.1 only the open system calls do. (The permission
 * event, FAN_OPEN_PERM, comes from dentry_open() on both.)
 */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
static inline void ksrv_compat_notify_open(struct file *file)
{
}
#else
static inline void ksrv_compat_notify_open(struct file *file)
{
	fsnotify_open(file);
}
#endif

#endif /* _KSRV_COMPAT_H */
