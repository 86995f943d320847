// SPDX-License-Identifier: GPL-2.0
/*
 * The document root and confined look-ups below it.
 *
 * Every look-up starts at the root with LOOKUP_BENEATH: a "..", an
 * absolute symlink or a relative symlink that would leave the root fails
 * with -EXDEV inside the VFS itself, so confinement does not depend on
 * string checks. The path normaliser refuses ".." and hidden names before
 * that; this is the second, independent wall.
 *
 * Everything here except resolving the root itself runs with the HTTP
 * identity's credentials (ksrv_http_cred.c), so the VFS checks search
 * permission on every directory walked and read permission on every file
 * opened. Files of pseudo file systems (proc, sysfs, ...) are never
 * served, whatever their modes say: they describe the machine, not
 * documents, and reading some of them has side effects.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>
#include <linux/stat.h>

#include "ksrv_compat.h"
#include "ksrv_http.h"

static char http_root[256] = "/var/www/html";
module_param_string(http_root, http_root, sizeof(http_root), 0444);
MODULE_PARM_DESC(http_root,
		 "Document root served by http (default /var/www/html)");

static struct path root;
static bool root_held;

/* Defined only inside their file systems, not in <linux/magic.h>. */
#define CONFIGFS_MAGIC		0x62656570
#define FUSECTL_SUPER_MAGIC	0x65735543
#define MQUEUE_MAGIC		0x19800202

static const unsigned long pseudo_fs_magic[] = {
	PROC_SUPER_MAGIC, SYSFS_MAGIC, DEBUGFS_MAGIC, TRACEFS_MAGIC,
	CONFIGFS_MAGIC, SECURITYFS_MAGIC, BPF_FS_MAGIC, CGROUP_SUPER_MAGIC,
	CGROUP2_SUPER_MAGIC, SELINUX_MAGIC, SMACK_MAGIC, AAFS_MAGIC,
	PSTOREFS_MAGIC, EFIVARFS_MAGIC, BINFMTFS_MAGIC, NSFS_MAGIC,
	DEVPTS_SUPER_MAGIC, USBDEVICE_SUPER_MAGIC, RDTGROUP_SUPER_MAGIC,
	FUSECTL_SUPER_MAGIC, MQUEUE_MAGIC, AUTOFS_SUPER_MAGIC,
};

static bool pseudo_fs(const struct path *path)
{
	unsigned long magic = path->dentry->d_sb->s_magic;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pseudo_fs_magic); i++)
		if (magic == pseudo_fs_magic[i])
			return true;
	return false;
}

/* The identity must at least be able to enter the root; else say so. */
static void root_check_search(void)
{
	const struct cred *old = ksrv_http_cred_enter();
	int err = ksrv_compat_path_permission(&root, MAY_EXEC);

	ksrv_http_cred_leave(old);
	if (err)
		pr_warn("http_root '%s' is not searchable by http_user: every request will get 403\n",
			http_root);
}

/**
 * ksrv_http_root_start() - resolve http_root, once
 *
 * A missing directory fails with -EINVAL: insmod shows that as "Invalid
 * parameters", while -ENOENT would read "Unknown symbol in module".
 *
 * A root on a pseudo file system (proc, sysfs, ...) fails with -EINVAL.
 * Must be called after ksrv_http_cred_start().
 *
 * Return: 0, or -EINVAL / -ENOTDIR / another errno, logged with the path.
 */
int ksrv_http_root_start(void)
{
	int err;

	if (root_held)
		return 0;
	err = kern_path(http_root, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &root);
	if (err) {
		pr_err("http_root '%s': %s (%d)\n", http_root,
		       err == -ENOENT ? "no such directory" :
		       err == -ENOTDIR ? "not a directory" : "cannot resolve",
		       err);
		return err == -ENOENT ? -EINVAL : err;
	}
	if (pseudo_fs(&root)) {
		pr_err("http_root '%s': on a pseudo file system (magic %#lx), not served\n",
		       http_root, root.dentry->d_sb->s_magic);
		path_put(&root);
		return -EINVAL;
	}
	root_held = true;
	root_check_search();
	return 0;
}

void ksrv_http_root_exit(void)
{
	if (root_held)
		path_put(&root);
	root_held = false;
}

/**
 * ksrv_http_lookup() - find a normalised relative path below the root
 * @rel: NUL-terminated path without leading '/', "" for the root itself
 * @f: filled with the path (a reference the caller must path_put()) and
 *	its attributes
 *
 * Runs with the HTTP identity's credentials: a directory it may not
 * search fails with -EACCES. A path on a pseudo file system (a proc
 * mounted below the root) fails with -EACCES too.
 *
 * Return: 0, -ENOENT/-ENOTDIR (404), -EXDEV/-ELOOP/-EACCES (403), or
 * another negative errno.
 */
int ksrv_http_lookup(const char *rel, struct ksrv_http_file *f)
{
	int err;

	err = vfs_path_lookup(root.dentry, root.mnt, *rel ? rel : ".",
			      LOOKUP_FOLLOW | LOOKUP_BENEATH |
			      LOOKUP_NO_MAGICLINKS, &f->path);
	if (err)
		return err;
	if (pseudo_fs(&f->path)) {
		path_put(&f->path);
		return -EACCES;
	}
	err = vfs_getattr(&f->path, &f->stat, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (err)
		path_put(&f->path);
	return err;
}

/**
 * ksrv_http_open() - open a looked-up file or directory as open(2) would
 * @path: from ksrv_http_lookup()
 * @flags: O_RDONLY plus O_DIRECTORY or O_LARGEFILE
 * @mask: MAY_READ, or MAY_READ | MAY_EXEC for a directory to list
 *
 * dentry_open() itself runs the LSM's file_open hook and fsnotify's
 * permission event, but not the permission check of open(2): that is
 * done first here, with the current (the HTTP identity's) credentials,
 * ACLs included.
 *
 * Return: the open file, or an ERR_PTR: -EACCES/-EPERM (403), another
 * errno.
 */
struct file *ksrv_http_open(const struct path *path, int flags, int mask)
{
	struct file *file;
	int err;

	err = ksrv_compat_path_permission(path, MAY_OPEN | mask);
	if (err)
		return ERR_PTR(err);
	file = dentry_open(path, flags, current_cred());
	if (!IS_ERR(file))
		ksrv_compat_notify_open(file);
	return file;
}
