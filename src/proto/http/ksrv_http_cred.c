// SPDX-License-Identifier: GPL-2.0
/*
 * The identity the HTTP service works as.
 *
 * Kernel workers run with the kernel's credentials: root, every
 * capability. Serving files with those would hand out whatever root can
 * read below http_root. Instead every request is handled with the
 * credentials of an ordinary user (http_user, http_group; nobody/nogroup
 * by default), built once at load with no capability at all, so that
 * path walks, opens and reads get exactly the permission checks, LSM
 * hooks and fsnotify events that a web server running as that user
 * would get.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "ksrv_compat.h"
#include "ksrv_http.h"
#include "ksrv_http_ids.h"

/* Bigger account files than this are not read. */
#define IDS_FILE_MAX		(4 << 20)
/* Supplementary groups taken from /etc/group (and the passwd group). */
#define IDS_MAX_GROUPS		64

static char http_user[KSRV_HTTP_NAME_MAX + 1] = "nobody";
static char http_group[KSRV_HTTP_NAME_MAX + 1] = "nogroup";

static int http_id_set(const char *val, const struct kernel_param *kp)
{
	char buf[KSRV_HTTP_NAME_MAX + 1];
	u32 id;

	if (strscpy(buf, val, sizeof(buf)) < 0 ||
	    ksrv_http_id_parse(buf, &id) == KSRV_HTTP_ID_BAD) {
		pr_err("%s: '%.40s' is neither an id nor a name\n", kp->name,
		       val);
		return -EINVAL;
	}
	if (ksrv_http_id_parse(buf, &id) == KSRV_HTTP_ID_NUMBER && !id) {
		pr_err("%s: '%s': refusing to serve as root\n", kp->name, buf);
		return -EINVAL;
	}
	return param_set_copystring(buf, kp);
}

static const struct kernel_param_ops http_id_ops = {
	.set = http_id_set,
	.get = param_get_string,
};

static struct kparam_string http_user_str = {
	.maxlen = sizeof(http_user),
	.string = http_user,
};

static struct kparam_string http_group_str = {
	.maxlen = sizeof(http_group),
	.string = http_group,
};

module_param_cb(http_user, &http_id_ops, &http_user_str, 0444);
MODULE_PARM_DESC(http_user,
		 "User whose permissions HTTP reads files with: name or uid, not root (default nobody)");
module_param_cb(http_group, &http_id_ops, &http_group_str, 0444);
MODULE_PARM_DESC(http_group,
		 "Group HTTP reads files with: name or gid, not root (default nogroup)");

static const struct cred *http_cred;

/* The text of an account file, read now from the loading process. */
struct ids_file {
	char *buf;
	size_t len;
	int err;
};

static void ids_read(const char *name, struct ids_file *f)
{
	struct file *file;
	loff_t size, pos = 0;
	ssize_t n;

	f->buf = NULL;
	f->len = 0;
	file = filp_open(name, O_RDONLY, 0);
	f->err = PTR_ERR_OR_ZERO(file);
	if (f->err)
		return;
	size = i_size_read(file_inode(file));
	f->err = size > IDS_FILE_MAX ? -EFBIG : -ENOMEM;
	if (size <= IDS_FILE_MAX)
		f->buf = kvmalloc(size + 1, GFP_KERNEL);
	while (f->buf && pos < size) {
		n = kernel_read(file, f->buf + pos, size - pos, &pos);
		if (n <= 0)
			break;
	}
	fput(file);
	if (f->buf) {
		f->len = pos;
		f->err = 0;
	}
}

/* The identity as found in the files, before it becomes a struct cred. */
struct ids {
	char name[KSRV_HTTP_NAME_MAX + 1];	/* "" if uid has no line */
	u32 uid;
	u32 gid;
	u32 groups[IDS_MAX_GROUPS];
	size_t ngroups;
};

/* A name must be in its file, and must not be root's. A file that could
 * not be read is that error, not a missing name.
 */
static int ids_check_name(const char *param, const char *name, bool found,
			  u32 id, const char *file, int read_err)
{
	if (!found && read_err) {
		pr_err("%s '%s': cannot read %s (%d)\n", param, name, file,
		       read_err);
		return read_err;
	}
	if (!found) {
		pr_err("%s '%s': no such name in %s\n", param, name, file);
		return -EINVAL;
	}
	if (!id) {
		pr_err("%s '%s' is id 0: refusing to serve as root\n", param,
		       name);
		return -EINVAL;
	}
	return 0;
}

static int ids_user(const struct ids_file *pw, struct ids *id)
{
	u32 n = 0, pgid;
	bool found;
	int err;

	if (ksrv_http_id_parse(http_user, &n) == KSRV_HTTP_ID_NUMBER) {
		id->uid = n;
		if (ksrv_http_passwd_find(pw->buf, pw->len, NULL, n, id->name,
					  &n, &pgid))
			id->groups[id->ngroups++] = pgid;
		return 0;
	}
	found = ksrv_http_passwd_find(pw->buf, pw->len, http_user, 0,
				      id->name, &n, &pgid);
	err = ids_check_name("http_user", http_user, found, n, "/etc/passwd",
			     pw->err);
	if (err)
		return err;
	id->uid = n;
	id->groups[id->ngroups++] = pgid;
	return 0;
}

static int ids_group(const struct ids_file *gr, struct ids *id)
{
	u32 n = 0;
	bool found = true;

	if (ksrv_http_id_parse(http_group, &n) != KSRV_HTTP_ID_NUMBER)
		found = ksrv_http_group_find(gr->buf, gr->len, http_group, &n);
	if (!found || !n)
		return ids_check_name("http_group", http_group, found, n,
				      "/etc/group", gr->err);
	id->gid = n;
	return 0;
}

static int ids_resolve(struct ids *id)
{
	struct ids_file pw, gr;
	int err;

	ids_read("/etc/passwd", &pw);
	ids_read("/etc/group", &gr);
	err = ids_user(&pw, id);
	if (!err)
		err = ids_group(&gr, id);
	if (!err && id->name[0])
		id->ngroups += ksrv_http_group_member_of(gr.buf, gr.len,
							 id->name,
							 id->groups + id->ngroups,
							 IDS_MAX_GROUPS -
							 id->ngroups);
	kvfree(gr.buf);
	kvfree(pw.buf);
	return err;
}

/* Supplementary groups, without group 0: being in it is not wanted. */
static struct group_info *ids_group_info(const struct ids *id)
{
	struct group_info *gi;
	size_t i, n = 0;

	gi = groups_alloc(id->ngroups);
	if (!gi)
		return NULL;
	for (i = 0; i < id->ngroups; i++)
		if (id->groups[i])
			gi->gid[n++] = make_kgid(&init_user_ns, id->groups[i]);
	gi->ngroups = n;
	groups_sort(gi);
	return gi;
}

static struct cred *ids_cred(const struct ids *id)
{
	struct group_info *gi;
	struct cred *new;
	kuid_t uid = make_kuid(&init_user_ns, id->uid);
	kgid_t gid = make_kgid(&init_user_ns, id->gid);

	gi = ids_group_info(id);
	if (!gi)
		return NULL;
	new = ksrv_compat_kernel_cred();
	if (new) {
		new->uid = uid;
		new->euid = uid;
		new->suid = uid;
		new->fsuid = uid;
		new->gid = gid;
		new->egid = gid;
		new->sgid = gid;
		new->fsgid = gid;
		cap_clear(new->cap_inheritable);
		cap_clear(new->cap_permitted);
		cap_clear(new->cap_effective);
		cap_clear(new->cap_bset);
		cap_clear(new->cap_ambient);
		set_groups(new, gi);
	}
	put_group_info(gi);
	return new;
}

/**
 * ksrv_http_cred_start() - build the credentials HTTP works with, once
 *
 * Names are looked up in /etc/passwd and /etc/group of the loading
 * process. The user's passwd group and the groups that list it as a
 * member become its supplementary groups.
 *
 * Return: 0, -EINVAL for an unknown name or one that is id 0 (logged),
 * or -ENOMEM.
 */
int ksrv_http_cred_start(void)
{
	struct ids *id;
	struct cred *new;
	int err;

	if (http_cred)
		return 0;
	id = kzalloc(sizeof(*id), GFP_KERNEL);
	if (!id)
		return -ENOMEM;
	err = ids_resolve(id);
	new = err ? NULL : ids_cred(id);
	if (!err && !new)
		err = -ENOMEM;
	if (new) {
		http_cred = new;
		pr_info("http works as uid %u gid %u with %u other group(s)\n",
			id->uid, id->gid, new->group_info->ngroups);
	}
	kfree(id);
	return err;
}

void ksrv_http_cred_exit(void)
{
	if (http_cred)
		put_cred(http_cred);
	http_cred = NULL;
}

/**
 * ksrv_http_cred_enter() - work as the HTTP identity from now on
 *
 * Callers are the service's handlers, after ksrv_http_cred_start()
 * succeeded. Every call is paired with ksrv_http_cred_leave() before the
 * handler returns to the worker that called it.
 *
 * Return: the credentials to restore.
 */
const struct cred *ksrv_http_cred_enter(void)
{
	return override_creds(http_cred);
}

void ksrv_http_cred_leave(const struct cred *old)
{
	revert_creds(old);
}
