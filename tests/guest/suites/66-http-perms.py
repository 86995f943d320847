#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""66-http-perms: HTTP reads files as http_user, never as root.

A root of its own (BASE, in the guest's tmpfs /tmp) holds files that
nobody/nogroup may or may not read: root-owned 0600 and 0000 files, a
file in a 0700 directory, a directory it may enter but not list, files
readable only through the primary group or a supplementary group (from
an /etc/group that lists the user, bind-mounted over the read-only one
while insmod reads it), POSIX ACLs granting and denying the user, a
symlink to a secret, and proc and sysfs mounted inside the root. Every
refused request must get 403 without any byte or validator of the file;
GET, HEAD, Range and conditional requests alike, also when the file's
pages are in the page cache (read first as root; on tmpfs a file's pages
always are, so the path that reads missing pages in is covered by the
9p root below). With http_root=/,
/etc/shadow is 403 both uncached (after drop_caches, from the 9p root)
and cached, /proc is 403 and /etc/debian_version is 200.
"""
import os
import shutil
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import FAKE, Fail, expect, sh, unload  # noqa
import httptest as H  # noqa
from httptest import get  # noqa

BASE = '/tmp/ksrv-perms'
ROOT = os.path.join(BASE, 'root')
ETC = os.path.join(BASE, 'etc')
NOBODY, NOGROUP = 65534, 65534
OTHER_UID = 4242            # owner of the group-readable files
MEMBER_GID = 4343           # a group whose /etc/group line lists nobody
STRANGER_GID = 4444         # a group nobody is not in
SECRET = b'PERMS-SECRET-'

# rel path -> (content, mode, uid, gid, expected status)
FILES = {
    'pub.txt': (b'public file\n', 0o644, 0, 0, 200),
    'pubdir/a.txt': (b'in a public directory\n', 0o644, 0, 0, 200),
    'secret600.txt': (SECRET + b'600\n', 0o600, 0, 0, 403),
    'secret000.txt': (SECRET + b'000\n', 0o000, 0, 0, 403),
    'private/inner.txt': (SECRET + b'inner\n', 0o644, 0, 0, 403),
    'noread/visible.txt': (b'in a searchable directory\n', 0o644, 0, 0,
                           200),
    'group-primary.txt': (b'readable through nogroup\n', 0o640, OTHER_UID,
                          NOGROUP, 200),
    'group-member.txt': (b'readable through a listed group\n', 0o640,
                         OTHER_UID, MEMBER_GID, 200),
    'group-other.txt': (SECRET + b'group\n', 0o640, OTHER_UID,
                        STRANGER_GID, 403),
    'acl-grant.txt': (b'readable through an ACL\n', 0o600, 0, 0, 200),
    'acl-deny.txt': (SECRET + b'acl\n', 0o644, 0, 0, 403),
}
DIRS = {'pubdir': 0o755, 'private': 0o700, 'noread': 0o711}
# POSIX ACL xattr (linux/posix_acl_xattr.h): version 2, then entries of
# (tag, perm, id). Written directly, so the test needs no setfacl.
ACL_USER_OBJ, ACL_USER, ACL_GROUP_OBJ = 0x01, 0x02, 0x04
ACL_MASK, ACL_OTHER = 0x10, 0x20
ACL_UNDEFINED = 0xffffffff


def acl_xattr(entries):
    return struct.pack('<I', 2) + b''.join(
        struct.pack('<HHI', tag, perm, uid) for tag, perm, uid in entries)


def set_acl(path, user_perm, other_perm):
    """user::rw-, user:nobody:<user_perm>, group::---, mask, other."""
    v = acl_xattr([(ACL_USER_OBJ, 6, ACL_UNDEFINED),
                   (ACL_USER, user_perm, NOBODY),
                   (ACL_GROUP_OBJ, 0, ACL_UNDEFINED),
                   (ACL_MASK, user_perm or 4, ACL_UNDEFINED),
                   (ACL_OTHER, other_perm, ACL_UNDEFINED)])
    os.setxattr(path, 'system.posix_acl_access', v)


def umount_all():
    for d in ('proc', 'sys'):
        p = os.path.join(ROOT, d)
        if os.path.ismount(p):
            sh(['umount', '-l', p])
    if os.path.ismount('/etc/group'):
        sh(['umount', '/etc/group'])


def build():
    umount_all()
    shutil.rmtree(BASE, ignore_errors=True)
    os.makedirs(ROOT)
    os.chmod(BASE, 0o755)
    os.chmod(ROOT, 0o755)
    for d, mode in DIRS.items():
        os.mkdir(os.path.join(ROOT, d))
    for rel, (data, mode, uid, gid, _) in FILES.items():
        p = os.path.join(ROOT, rel)
        with open(p, 'wb') as f:
            f.write(data)
        os.chown(p, uid, gid)
        os.chmod(p, mode)
    for d, mode in DIRS.items():
        os.chmod(os.path.join(ROOT, d), mode)
    try:
        set_acl(os.path.join(ROOT, 'acl-grant.txt'), 4, 0)
        set_acl(os.path.join(ROOT, 'acl-deny.txt'), 0, 4)
    except OSError as e:
        raise Fail('setting POSIX ACLs on tmpfs: %s' % e)
    os.symlink('secret600.txt', os.path.join(ROOT, 'link-to-secret'))
    for d, fs in (('proc', 'proc'), ('sys', 'sysfs')):
        os.mkdir(os.path.join(ROOT, d))
        rc, _, err = sh(['mount', '-t', fs, fs, os.path.join(ROOT, d)])
        if rc != 0:
            raise Fail('mount %s in the root: %s' % (fs, err.strip()))
    # /etc/group as the system has it, plus a group that lists nobody.
    os.makedirs(ETC)
    with open('/etc/group') as f:
        text = f.read()
    if not text.endswith('\n'):
        text += '\n'
    text += 'ksrvperm:x:%d:daemon,nobody\nksrvother:x:%d:daemon\n' % (
        MEMBER_GID, STRANGER_GID)
    with open(os.path.join(ETC, 'group'), 'w') as f:
        f.write(text)
    os.chmod(os.path.join(ETC, 'group'), 0o644)


def load(*params, root=ROOT):
    """Load with the extended /etc/group visible to insmod only."""
    g = os.path.join(ETC, 'group')
    rc, _, err = sh(['mount', '--bind', g, '/etc/group'])
    expect(rc == 0, 'bind-mount /etc/group: %s' % err.strip())
    try:
        return H.load_http(*params, root=root)
    finally:
        sh(['umount', '/etc/group'])


def cache(rel, root=ROOT):
    """Read a file as root so that its pages are cached."""
    with open(os.path.join(root, rel), 'rb') as f:
        f.read()


def drop_caches():
    subprocess.run(['sync'], timeout=30)
    with open('/proc/sys/vm/drop_caches', 'w') as f:
        f.write('3\n')


def no_leak(r, what):
    """A refusal carries nothing of the file."""
    expect(SECRET not in r.body and b'root:' not in r.body,
           '%s: file bytes in the body' % what)
    for h in ('etag', 'last-modified', 'content-range', 'accept-ranges'):
        expect(r.h(h) is None, '%s: %s header in a refusal: %r' %
               (what, h, r))


def want(path, status, body=None, headers=None, method='GET'):
    r = get(path, method=method, headers=headers)
    H.check_common(r, head=(method == 'HEAD'))
    expect(r.status == status, '%s %s: %d, want %d' % (method, path,
                                                        r.status, status))
    if status == 403:
        no_leak(r, '%s %s' % (method, path))
    if body is not None and method == 'GET' and status == 200:
        expect(r.body == body, '%s: body %r, want %r' % (path, r.body[:60],
                                                        body[:60]))
    return r


# Requests that must all be refused alike for an unreadable file: no
# size, ETag or date may come out through HEAD, a range or a condition.
VARIANTS = [('GET', None), ('HEAD', None), ('GET', ['Range: bytes=0-3']),
            ('GET', ['Range: bytes=999999-']),
            ('GET', ['If-None-Match: *']),
            ('GET', ['If-Modified-Since: Sun, 01 Jan 2040 00:00:00 GMT'])]


def t_files(cached):
    probs = []
    for rel, (data, _, _, _, status) in sorted(FILES.items()):
        if cached:
            cache(rel)
        variants = VARIANTS if status == 403 else [('GET', None)]
        for method, hdrs in variants:
            try:
                want('/' + rel, status, data, hdrs, method)
            except Fail as e:
                probs.append(str(e))
    expect(not probs, '\n'.join(probs))


def t_dirs():
    r = want('/pubdir/', 200)
    expect(b'a.txt' in r.body, '/pubdir/ listing lacks a.txt')
    r = want('/', 200)
    expect(b'pub.txt' in r.body, '/ listing lacks pub.txt')
    want('/private/', 403)
    want('/noread/', 403)
    want('/private/nonexistent', 403)   # existence is not revealed


def t_symlink():
    cache('secret600.txt')
    want('/link-to-secret', 403)


def t_pseudo():
    for p in ('/proc/version', '/proc/self/status', '/proc/', '/proc',
              '/proc/sys/kernel/hostname', '/sys/kernel/uevent_seqnum',
              '/sys/', '/sys/kernel/'):
        want(p, 403)


def t_root_fs(cached):
    """http_root=/: the guest's root is the host's, over 9p."""
    if cached:
        cache('etc/shadow', '/')
        cache('etc/debian_version', '/')
    else:
        drop_caches()
    want('/etc/shadow', 403)
    # Not /etc/passwd: its "root:x:0:0" is one of httptest's SECRETS.
    with open('/etc/debian_version', 'rb') as f:
        want('/etc/debian_version', 200, f.read())
    want('/proc/version', 403)
    want('/proc/1/environ', 403)
    want('/sys/kernel/', 403)


def t_identity_log(km):
    lines = km.read()
    expect(any('uid 65534 gid 65534' in ln for ln in lines),
           'no "works as uid 65534 gid 65534" log line:\n' +
           '\n'.join(lines[-8:]))


def main():
    t = H.suite('66-http-perms', 240, 180)
    if FAKE:
        t.skip('http perms', 'needs the module (permissions, mounts)')
        t.finish()
    if os.geteuid() != 0:
        t.skip('http perms', 'needs root in the guest')
        t.finish()
    t.cleanups.append(umount_all)
    try:
        build()
    except (Fail, OSError) as e:
        t.not_ok('build the permission fixture', str(e))
        t.finish()
    km = t.need('insmod on the permission fixture', load)
    t.run('load logs the identity nobody/nogroup', t_identity_log, km)
    t.run('files: readable 200, unreadable 403 in every request form',
          t_files, False)
    t.run('the same with every file read by root first (page cache)',
          t_files, True)
    t.run('directories: listing needs read + search', t_dirs)
    t.run('symlink to an unreadable file: 403', t_symlink)
    t.run('proc and sysfs mounted in the root: 403', t_pseudo)
    t.run('rmmod after the fixture root', unload, 10, km)
    km = t.need('insmod with http_root=/', H.load_http, root='/')
    t.run('http_root=/: /etc/shadow 403 uncached, /proc 403', t_root_fs,
          False)
    t.run('http_root=/: /etc/shadow 403 cached', t_root_fs, True)
    t.run('rmmod after http_root=/', unload, 10, km)
    t.finish()


if __name__ == '__main__':
    main()
