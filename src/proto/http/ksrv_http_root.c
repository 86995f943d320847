// SPDX-License-Identifier: GPL-2.0
/*
 * The document root and confined look-ups below it.
 *
 * Every look-up starts at the root with LOOKUP_BENEATH: a "..", an
 * absolute symlink or a relative symlink that would leave the root fails
 * with -EXDEV inside the VFS itself, so confinement does not depend on
 * string checks. The path normaliser refuses ".." and hidden names before
 * that; this is the second, independent wall.
 */
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/namei.h>
#include <linux/stat.h>

#include <ksrv_compat.h>
#include "ksrv_http.h"

static char http_root[256] = "/var/www/html";
module_param_string(http_root, http_root, sizeof(http_root), 0444);
MODULE_PARM_DESC(http_root,
		 "Document root served by http (default /var/www/html)");

static struct path root;
static bool root_held;

/**
 * ksrv_http_root_start() - resolve http_root, once
 *
 * A missing directory fails with -EINVAL: insmod shows that as "Invalid
 * parameters", while -ENOENT would read "Unknown symbol in module".
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
	root_held = true;
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
	err = vfs_getattr(&f->path, &f->stat, STATX_BASIC_STATS,
			  AT_STATX_SYNC_AS_STAT);
	if (err)
		path_put(&f->path);
	return err;
}
