#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""51-install: ksrv installed as a user would install it, loaded by modprobe.

`make install` of build/<release>/ksrv.ko into a tmpfs tree (the guest
cannot build: the source tree is read-only here), then `modprobe -d TREE
-C CONF` with options from a modprobe.d file: each option must show in
/sys/module/ksrv/parameters and the echo port answer; `modinfo` of the
installed module by name must give the VERSION file's version, and
`modprobe -r` unload it cleanly. The same with the shipped sample
etc/modprobe.d/ksrv.conf. `make uninstall` takes it out again.
"""
import os
import shlex
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..'))
from ksrvtest import (FAKE, Fail, Kmsg, Skip, Suite, bad_log_lines,  # noqa: E402
                      connect, echo_once, ensure_unloaded, expect, loaded,
                      sh)

ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
SAMPLE = os.path.join(ROOT, 'etc', 'modprobe.d', 'ksrv.conf')
REL = os.uname().release
DEST = '/tmp/ksrv-install'
CONF_DIR = os.path.join(DEST, 'etc', 'modprobe.d')
MOD = os.path.join(DEST, 'lib', 'modules', REL, 'updates', 'ksrv.ko')
PORT = 12391
# Not the defaults, so that each one shows the file was read.
OPTIONS = {'services': 'echo:%d' % PORT, 'max_connections': '77',
           'idle_timeout': '7', 'dispatch': 'percpu'}


def run(*cmd, timeout=60):
    rc, out, err = sh(list(cmd), timeout=timeout)
    expect(rc == 0, '%s: exit %s\n%s' % (' '.join(cmd), rc,
                                         (out + err).strip()[-2000:]))
    return out


def make(target):
    return run('make', '-C', ROOT, '--no-print-directory', target,
               'INSTALL_MOD_PATH=' + DEST, 'KREL=' + REL)


def version():
    with open(os.path.join(ROOT, 'VERSION')) as f:
        return f.read().strip()


def t_install():
    if FAKE:
        raise Skip('needs the module')
    shutil.rmtree(DEST, ignore_errors=True)
    make('install')
    expect(os.path.isfile(MOD), '%s not installed' % MOD)
    got = run('modinfo', '-b', DEST, '-k', REL, '-F', 'version',
              'ksrv').strip()
    expect(got == version(), 'modinfo -b %s ksrv: version %r, want %r' %
           (DEST, got, version()))
    return 'version ' + got


def options_of(conf):
    """The parameters of the options lines for ksrv in a modprobe.d
    file."""
    params = {}
    with open(conf) as f:
        for line in f:
            words = shlex.split(line, comments=True)
            if words[:2] == ['options', 'ksrv']:
                params.update(w.split('=', 1) for w in words[2:])
    return params


def echo_ports(params):
    return [int(s.split(':')[1]) for s in params['services'].split(',')
            if s.startswith('echo:')]


def modprobe_case(conf):
    """modprobe with conf (a file or a directory), check, modprobe -r."""
    params = options_of(conf if os.path.isfile(conf) else
                        os.path.join(conf, 'ksrv-test.conf'))
    expect(params and echo_ports(params), 'no echo service in %s' % conf)
    km = Kmsg()
    run('modprobe', '-d', DEST, '-C', conf, 'ksrv')
    probs = []
    for name, want in sorted(params.items()):
        path = '/sys/module/ksrv/parameters/' + name
        try:
            with open(path) as f:
                got = f.read().strip()
        except OSError as e:
            got = str(e)
        if got != want:
            probs.append('%s is %r, want %r' % (name, got, want))
    for port in echo_ports(params):
        try:
            with connect(port) as s:
                echo_once(s, b'installed %d' % port)
        except (OSError, Fail) as e:
            probs.append('echo on %d: %s' % (port, e))
    rc, out, err = sh(['modprobe', '-d', DEST, '-C', conf, '-r', 'ksrv'])
    if rc != 0:
        probs.append('modprobe -r: exit %s: %s' % (rc, (out + err).strip()))
    if loaded():
        probs.append('still loaded after modprobe -r')
    probs += bad_log_lines(km.read())[:10]
    if probs:
        raise Fail('; '.join(probs))
    return ' '.join('%s=%s' % kv for kv in sorted(params.items()))


def t_own_conf():
    os.makedirs(CONF_DIR, exist_ok=True)
    with open(os.path.join(CONF_DIR, 'ksrv-test.conf'), 'w') as f:
        f.write('options ksrv %s\n' % ' '.join('%s=%s' % kv
                                              for kv in OPTIONS.items()))
    return modprobe_case(CONF_DIR)


def t_uninstall():
    make('uninstall')
    expect(not os.path.exists(MOD), '%s still there' % MOD)
    rc, out, err = sh(['modinfo', '-b', DEST, '-k', REL, 'ksrv'])
    expect(rc != 0, 'modinfo still finds ksrv: %s' % out.strip())


def main():
    t = Suite('51-install', 120, 60)
    t.cleanups.append(lambda: shutil.rmtree(DEST, ignore_errors=True))
    ensure_unloaded()
    # Every later case needs the installed tree.
    if not t.run('make install INSTALL_MOD_PATH=%s KREL=%s' % (DEST, REL),
                 t_install):
        t.finish()
    t.run('modprobe -d -C with options from a modprobe.d directory',
          t_own_conf)
    ensure_unloaded()
    t.run('modprobe with the sample etc/modprobe.d/ksrv.conf',
          modprobe_case, SAMPLE)
    ensure_unloaded()
    t.run('make uninstall', t_uninstall)
    t.finish()


main()
