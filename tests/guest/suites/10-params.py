#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""10-params: module parameter validation.

Every bad parameter must make insmod fail with the right errno, leave
nothing behind (no module, no listener, no socket) and log a "ksrv:" line
naming the bad token.  Good parameter sets must load and be visible in
sysfs and modinfo.
"""
import errno
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (DEFAULT_PORT, FAKE, PARAMS, Fail, Kmsg, Suite,
                      check_bad, connect, echo_once, ensure_unloaded,
                      expect, free_port, have_stats, listening_ports, load,
                      log, modinfo_text, occupy_port, read_stats, tcp_inuse,
                      unload)

EINVAL = errno.EINVAL
P = DEFAULT_PORT

# (name, insmod params, expected errno, regex the log line must match)
BAD = [
    ('unknown service foo:1', ['services=foo:1'], EINVAL, r'foo'),
    ('port 0', ['services=echo:0'], EINVAL, r'echo:0|\b0\b'),
    ('port 65536', ['services=echo:65536'], EINVAL, r'65536'),
    ('port huge', ['services=echo:99999999999'], EINVAL, r'99999999999'),
    ('port -1', ['services=echo:-1'], EINVAL, r'-1'),
    ('port abc', ['services=echo:abc'], EINVAL, r'abc'),
    ('port 12a', ['services=echo:12a'], EINVAL, r'12a'),
    ('missing port "echo:"', ['services=echo:'], EINVAL, r'echo:'),
    ('missing colon "echo"', ['services=echo'], EINVAL, r'\becho\b'),
    ('missing protocol ":123"', ['services=:123'], EINVAL, r':123|\b123\b'),
    ('duplicate port', ['services=echo:%d,echo:%d' % (P, P)], EINVAL,
     r'\b%d\b' % P),
    ('empty list element', ['services=echo:%d,,echo:2' % P], EINVAL,
     r',,|empty|echo:%d,,echo:2' % P),
    ('empty services string', ['services='], EINVAL,
     r'services|empty|no service'),
    ('backlog=0', ['backlog=0'], EINVAL, r'backlog'),
    ('backlog=65536', ['backlog=65536'], EINVAL, r'backlog'),
    ('backlog=abc', ['backlog=abc'], EINVAL, r'backlog'),
    ('max_connections=0', ['max_connections=0'], EINVAL, r'max_connections'),
    ('max_connections=1048577', ['max_connections=1048577'], EINVAL,
     r'max_connections'),
    ('max_service_connections=1048577', ['max_service_connections=1048577'],
     EINVAL, r'max_service_connections'),
    ('max_service_connections=-1', ['max_service_connections=-1'], EINVAL,
     r'max_service_connections'),
    ('max_client_connections=1048577', ['max_client_connections=1048577'],
     EINVAL, r'max_client_connections'),
    ('max_client_connections=x', ['max_client_connections=x'], EINVAL,
     r'max_client_connections'),
    ('idle_timeout=0', ['idle_timeout=0'], EINVAL, r'idle_timeout'),
    ('idle_timeout=86401', ['idle_timeout=86401'], EINVAL, r'idle_timeout'),
    ('dispatch=bogus', ['dispatch=bogus'], EINVAL, r'bogus'),
    ('dispatch empty', ['dispatch='], EINVAL, r'dispatch'),
    ('echo_enable=2', ['echo_enable=2'], EINVAL, r'echo_enable'),
]


def t_port_in_use(dual):
    port = free_port(23000)
    ls = occupy_port(port, dual_stack=dual)
    try:
        return check_bad(['services=echo:%d' % port], errno.EADDRINUSE,
                         r'\b%d\b' % port, keep_listening=[port])
    finally:
        ls.close()


def t_second_port_in_use():
    """The first listener must be torn down when the second bind fails."""
    a = free_port(23100)
    b = free_port(a + 1)
    ls = occupy_port(b)
    try:
        return check_bad(['services=echo:%d,echo:%d' % (a, b)],
                         errno.EADDRINUSE, r'\b%d\b' % b, keep_listening=[b])
    finally:
        ls.close()


def t_default():
    km = load()
    expect(P in listening_ports(), 'default port %d not listening' % P)
    for fam in (4, 6):
        with connect(P, fam) as s:
            echo_once(s, b'default %d\n' % fam)
    if have_stats():
        st = read_stats()
        expect(list(st) == [('echo', P)], 'stats services %s' % list(st))
    unload(10, km)


def t_several():
    ports = [12351, 12352, 12353, 12354]
    km = load('services=' + ','.join('echo:%d' % p for p in ports))
    lp = listening_ports()
    expect(all(p in lp for p in ports), 'listening %s' % sorted(lp))
    for p in ports:
        for fam in (4, 6):
            with connect(p, fam) as s:
                echo_once(s, b'port %d fam %d' % (p, fam))
    if have_stats():
        st = read_stats()
        expect(sorted(st) == [('echo', p) for p in ports],
               'stats services %s' % sorted(st))
        for p in ports:
            expect(st[('echo', p)]['total'] == 2,
                   'port %d total %d' % (p, st[('echo', p)]['total']))
    unload(10, km)


def t_echo_disabled():
    if FAKE:
        raise Fail('not supported by the fake server')
    km = Kmsg()
    base = tcp_inuse()
    load('services=echo:12360', 'echo_enable=0')
    lines = km.read()
    expect(12360 not in listening_ports(), 'port 12360 listening')
    expect(tcp_inuse() == base, 'TCP inuse changed')
    expect(any('ksrv:' in l for l in lines), 'no ksrv: log line for skip')
    unload(10)


def t_boundaries():
    """Largest and smallest legal values load."""
    load('services=echo:65535', 'backlog=65535', 'max_connections=1048576',
         'idle_timeout=86400')
    with connect(65535, 4) as s:
        echo_once(s, b'hi')
    unload(10)
    load('services=echo:1', 'backlog=1', 'max_connections=1',
         'idle_timeout=1')
    with connect(1, 6) as s:
        echo_once(s, b'hi')
    unload(10)


WANT = {'services': 'echo:12361,echo:12362', 'backlog': '77',
        'max_connections': '99', 'max_service_connections': '98',
        'max_client_connections': '97', 'idle_timeout': '7',
        'dispatch': 'thread', 'echo_enable': 'Y'}


def t_sysfs(t):
    try:
        load(*['%s=%s' % kv for kv in WANT.items()])
    except Fail as e:
        t.not_ok('load with every parameter set', str(e))
        return
    t.ok('load with every parameter set')
    d = '/sys/module/ksrv/parameters'
    for p in PARAMS:
        try:
            with open(os.path.join(d, p)) as f:
                v = f.read().strip()
        except OSError as e:
            t.not_ok('sysfs parameter %s' % p, str(e))
            continue
        want = WANT[p]
        good = v == want or (want == 'Y' and v in ('Y', '1'))
        t.check(good, 'sysfs parameter %s' % p, 'read %r, want %r' % (v, want))
    t.run('rmmod after full parameter set', unload, 10)


def t_modinfo(t):
    text = modinfo_text()
    parms = {}
    for l in text.splitlines():
        m = re.match(r'parm:\s+(\w+):(.*)$', l)
        if m:
            parms[m.group(1)] = re.sub(r'\s*\([^()]*\)\s*$', '',
                                       m.group(2)).strip()
    for p in PARAMS:
        t.check(parms.get(p), 'modinfo describes %s' % p,
                'parm line: %r' % parms.get(p))
    lic = re.search(r'^license:\s+(.*)$', text, re.M)
    t.check(lic and 'GPL' in lic.group(1), 'modinfo license is GPL',
            repr(lic and lic.group(1)))


def main():
    t = Suite('10-params', 240, 120)
    ensure_unloaded()
    for name, params, want, rx in BAD:
        t.run('reject ' + name, check_bad, params, want, rx)
    t.run('reject port in use (dual-stack listener)', t_port_in_use, True)
    t.run('reject port in use (IPv4-only listener)', t_port_in_use, False)
    t.run('reject 2nd port in use, 1st listener removed',
          t_second_port_in_use)
    t.run('default parameters load and echo on %d' % P, t_default)
    ensure_unloaded()
    t.run('several services at once', t_several)
    ensure_unloaded()
    t.run('echo_enable=0 loads without listening', t_echo_disabled)
    ensure_unloaded()
    t.run('boundary values accepted', t_boundaries)
    ensure_unloaded()
    if FAKE:
        log('fake server: sysfs/modinfo checks skipped')
    else:
        t_sysfs(t)
        ensure_unloaded()
        t_modinfo(t)
    t.finish()


main()
