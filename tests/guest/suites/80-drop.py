#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""80-drop: /proc/ksrv/drop drops established and TIME-WAIT connections."""
import errno
import os
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (Skip, Suite, connect, echo_once, ensure_unloaded,
                      expect, load, log, unload, wait_stat)

PORT = 12390
DROP = '/proc/ksrv/drop'


def drop(text):
    """Write to the control file; return 0 or the errno."""
    try:
        fd = os.open(DROP, os.O_WRONLY)
    except OSError as e:
        return e.errno
    try:
        os.write(fd, text.encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def peer_gone(s, timeout=5.0):
    """True once the socket sees EOF or a reset."""
    s.settimeout(timeout)
    try:
        return s.recv(16) == b''
    except (ConnectionResetError, ConnectionAbortedError):
        return True
    except socket.timeout:
        return False


def ep(fam, addr, port):
    return '[%s]:%d' % (addr, port) if fam == 6 else '%s:%d' % (addr, port)


def echo_conn(fam=4):
    """(socket, endpoints text) of a fresh echo connection."""
    s = connect(PORT, fam)
    echo_once(s, b'before the drop')
    wait_stat(PORT, 'open', 1)
    addr, lport = s.getsockname()[:2]
    return s, '%s %s\n' % (ep(fam, addr, PORT), ep(fam, addr, lport))


def t_established(fam):
    s, text = echo_conn(fam)
    err = drop(text)
    expect(err == 0, 'drop failed: %s' % os.strerror(err))
    expect(peer_gone(s), 'client still connected after the drop')
    s.close()
    wait_stat(PORT, 'open', 0)


def tw_listener():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(('127.0.0.1', 0))
    ls.listen(1)
    return ls


def time_wait_entries(port):
    out = subprocess.run(['ss', '-Htan', 'state', 'time-wait',
                          '( sport = :%d )' % port],
                         capture_output=True, text=True, timeout=10).stdout
    return [line for line in out.splitlines() if line.strip()]


def t_time_wait():
    """The side that closes first keeps TIME-WAIT; drop removes it."""
    ls = tw_listener()
    port = ls.getsockname()[1]
    c = socket.create_connection(('127.0.0.1', port), timeout=5)
    srv, _ = ls.accept()
    cport = c.getsockname()[1]
    srv.close()                 # server closes first ...
    c.settimeout(5)
    expect(c.recv(1) == b'', 'no EOF at the client')
    c.close()                   # ... and ends in TIME-WAIT
    ls.close()
    end = time.monotonic() + 5
    while not time_wait_entries(port) and time.monotonic() < end:
        time.sleep(0.1)
    expect(time_wait_entries(port), 'no TIME-WAIT entry to drop')
    err = drop('127.0.0.1:%d 127.0.0.1:%d' % (port, cport))
    expect(err == 0, 'drop failed: %s' % os.strerror(err))
    left = time_wait_entries(port)
    expect(not left, 'TIME-WAIT entry still there: %s' % left)


BAD = [
    ('garbage', errno.EINVAL),
    ('127.0.0.1:12390', errno.EINVAL),
    ('127.0.0.1:0 127.0.0.1:1', errno.EINVAL),
    ('127.0.0.1:65536 127.0.0.1:1', errno.EINVAL),
    ('127.0.0.1:1 [::1]:2', errno.EINVAL),
    ('::1:1 ::1:2', errno.EINVAL),
    ('300.0.0.1:1 127.0.0.1:2', errno.EINVAL),
    ('127.0.0.1:1 127.0.0.1:2 127.0.0.1:3', errno.EINVAL),
    ('x' * 300, errno.EINVAL),
    ('127.0.0.1:1 127.0.0.1:2', errno.ENOENT),
    ('[::1]:1 [::1]:2', errno.ENOENT),
]


def t_bad(text, want):
    err = drop(text)
    expect(err == want, '%r: got %s, want %s' %
           (text[:40], errno.errorcode.get(err, err), errno.errorcode[want]))


def t_unprivileged():
    code = ('import os\n'
            'os.setgid(65534); os.setuid(65534)\n'
            'try:\n'
            '    open("%s", "w").write("127.0.0.1:1 127.0.0.1:2")\n'
            'except PermissionError:\n'
            '    raise SystemExit(3)\n' % DROP)
    r = subprocess.run([sys.executable, '-c', code], timeout=20,
                       capture_output=True)
    expect(r.returncode == 3, 'unprivileged write not refused (rc %d, %s)' %
           (r.returncode, r.stderr.decode()[-200:]))


# Writes argv[2] to the control file, to the descriptor argv[1] if it is
# not '-', and prints 'ok', 'open ERRNO' or 'write ERRNO'.
CHILD = '''import errno, os, sys
step = 'open'
try:
    fd = os.open(%r, os.O_WRONLY) if sys.argv[1] == '-' else int(sys.argv[1])
    step = 'write'
    os.write(fd, sys.argv[2].encode())
    print('ok')
except OSError as e:
    print(step, errno.errorcode.get(e.errno, e.errno))
''' % DROP
NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups',
          '--inh-caps=-all']


def child_drop(prefix, text, fd=None):
    """What writing text gives in a child started under prefix."""
    r = subprocess.run(prefix + [sys.executable, '-c', CHILD,
                                 '-' if fd is None else str(fd), text],
                       capture_output=True, text=True, timeout=20,
                       pass_fds=() if fd is None else (fd,))
    expect(r.returncode == 0, '%s: rc %d, %s' % (prefix[0], r.returncode,
                                                r.stderr[-300:]))
    return r.stdout.strip()


def refused(prefix, want):
    """A child under prefix fails with want and the connection lives."""
    s, text = echo_conn()
    got = child_drop(prefix, text)
    expect(got == want, '%s: %r, want %r' % (' '.join(prefix)[:60], got,
                                             want))
    echo_once(s, b'still connected')
    s.close()
    wait_stat(PORT, 'open', 0)


def t_nobody_open():
    """Mode 0200 stops an unprivileged opener before any capability
    check."""
    refused(NOBODY, 'open EACCES')


def t_root_without_cap():
    """uid 0 may open the file, but without CAP_NET_ADMIN it cannot drop."""
    refused(['setpriv', '--bounding-set=-net_admin', '--inh-caps=-all'],
            'write EPERM')


def t_fd_passed():
    """The opener's credentials count (file_ns_capable): root's
    descriptor still drops in the hands of an unprivileged process."""
    s, text = echo_conn()
    fd = os.open(DROP, os.O_WRONLY)
    try:
        got = child_drop(NOBODY, text, fd)
    finally:
        os.close(fd)
    expect(got == 'ok', 'write to a passed descriptor: %r' % got)
    expect(peer_gone(s), 'client still connected after the drop')
    s.close()
    wait_stat(PORT, 'open', 0)


# Runs argv[3:] in a new user namespace (argv[1]: unshare() flags) whose
# uid 0 is root's, like unshare -U -r. The guest runs its jobs chrooted,
# and unshare(CLONE_NEWUSER) refuses a chrooted caller: this process
# leaves the chroot (through argv[2], an empty directory) to unshare, and
# returns to it before the exec.
USERNS = '''import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
top = os.open('/', os.O_RDONLY)
os.chroot(sys.argv[2])
os.fchdir(top)
for _ in range(64):
    os.chdir('..')
os.chroot('.')
if libc.unshare(int(sys.argv[1])):
    sys.exit('unshare: ' + os.strerror(ctypes.get_errno()))
for name, line in (('setgroups', 'deny'), ('uid_map', '0 0 1'),
                   ('gid_map', '0 0 1')):
    with open('/proc/self/' + name, 'w') as f:
        f.write(line)
os.fchdir(top)
os.chroot('.')
os.execv(sys.argv[3], sys.argv[3:])
'''
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def t_userns(flags, want):
    """Root of a new user namespace has no CAP_NET_ADMIN over the initial
    network namespace: EPERM there, and in a network namespace of its own
    the connection does not exist."""
    for ns, flag in (('user', CLONE_NEWUSER), ('net', CLONE_NEWNET)):
        if flags & flag and not os.path.exists('/proc/self/ns/' + ns):
            raise Skip('kernel without %s namespaces' % ns)
    empty = tempfile.mkdtemp(prefix='ksrv-userns.')
    try:
        refused([sys.executable, '-c', USERNS, str(flags), empty], want)
    finally:
        os.rmdir(empty)


def main():
    t = Suite('80-drop', 120, 90)
    t.cleanups.append(ensure_unloaded)
    ensure_unloaded()
    try:
        km = load('services=echo:%d' % PORT)
    except Exception as e:
        t.not_ok('insmod', str(e))
        t.finish()
        return
    t.run('drop established IPv4 ksrv connection', t_established, 4)
    t.run('drop established IPv6 ksrv connection', t_established, 6)
    t.run('drop TIME-WAIT entry', t_time_wait)
    for text, want in BAD:
        t.run('bad input %r -> %s' % (text[:24], errno.errorcode[want]),
              t_bad, text, want)
    t.run('non-root cannot write', t_unprivileged)
    t.run('non-root opener (setpriv nobody): EACCES', t_nobody_open)
    t.run('root without CAP_NET_ADMIN: EPERM', t_root_without_cap)
    t.run('descriptor opened by root works for nobody', t_fd_passed)
    t.run('user namespace root, initial netns: EPERM', t_userns,
          CLONE_NEWUSER, 'write EPERM')
    t.run('user namespace root, own netns: ENOENT', t_userns,
          CLONE_NEWUSER | CLONE_NEWNET, 'write ENOENT')
    log('drop tests done')
    t.run('rmmod', unload, 10, km)
    t.finish()


main()
