#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""60-http-params: the HTTP plug-in's module parameters.

A missing or non-directory http_root and out-of-range http_* values make
insmod fail cleanly (right errno, one "ksrv:" log line, nothing left);
http_enable=0 skips the http service; http and echo run side by side;
http_listing=0 refuses listings; http_bare_lf=1 accepts a lone LF as line
end, which is refused by default; every parameter shows in sysfs.
"""
import errno
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (FAKE, Kmsg, Skip, check_bad, connect,  # noqa
                      echo_once, ensure_unloaded, errname, expect, insmod,
                      modinfo_text, port_listening, read_stats, tcp_inuse,
                      unload, wait_for)
import httptest as H  # noqa
from httptest import PORT, ECHO_PORT, get  # noqa

SERV = 'services=echo:%d,http:%d' % (ECHO_PORT, PORT)


def t_root_missing():
    """EINVAL, which insmod prints as "Invalid parameters" (ENOENT would
    read "Unknown symbol in module"); the log line names the directory."""
    missing = os.path.join(H.BASE, 'no-such-dir')
    check_bad([SERV, 'http_root=' + missing], errno.EINVAL,
              re.escape(missing) + r".*no such directory")


def t_root_file():
    f = os.path.join(H.ROOT, 'hello.txt')
    check_bad([SERV, 'http_root=' + f], errno.ENOTDIR, re.escape(f))


def t_root_below_file():
    f = os.path.join(H.ROOT, 'hello.txt', 'sub')
    ok, code, msg = insmod(SERV, 'http_root=' + f)
    ensure_unloaded()
    expect(not ok and code in (errno.EINVAL, errno.ENOTDIR),
           'insmod: ok=%s %s %r' % (ok, errname(code), msg))


def t_default_root():
    """Without http_root the default /var/www/html is used."""
    want_ok = os.path.isdir('/var/www/html')
    ok, code, msg = insmod(SERV)
    ensure_unloaded()
    if want_ok:
        expect(ok, 'insmod failed: %s' % msg)
    else:
        expect(not ok and code == errno.EINVAL,
               '/var/www/html missing: ok=%s %s' % (ok, errname(code)))
        return 'no /var/www/html here: EINVAL as expected'


BAD_VALUES = [
    ('http_header_timeout=0', r'http_header_timeout'),
    ('http_header_timeout=3601', r'http_header_timeout'),
    ('http_header_timeout=abc', r'http_header_timeout'),
    ('http_keepalive_timeout=0', r'http_keepalive_timeout'),
    ('http_keepalive_timeout=3601', r'http_keepalive_timeout'),
    ('http_max_requests=0', r'http_max_requests'),
    ('http_max_requests=1000001', r'http_max_requests'),
    ('http_listing=2', r'http_listing'),
    ('http_listing_memory=63', r'http_listing_memory'),
    ('http_listing_memory=4194305', r'http_listing_memory'),
    ('http_listing_memory=-1', r'http_listing_memory'),
    ('http_enable=maybe', r'http_enable'),
    ('http_bare_lf=2', r'http_bare_lf'),
    ('http_user=0', r'http_user.*root'),
    ('http_user=root', r"http_user 'root' is id 0"),
    ('http_group=0', r'http_group.*root'),
    ('http_group=root', r"http_group 'root' is id 0"),
    ('http_user=no-such-user-ksrv', r"'no-such-user-ksrv'.*/etc/passwd"),
    ('http_group=no-such-group-ksrv', r"'no-such-group-ksrv'.*/etc/group"),
    ('http_user=a:b', r'http_user'),
    ('http_user=-1', r'http_user'),
    ('http_user=4294967295', r'http_user'),
    ('http_group=' + 'g' * 33, r'http_group'),
]


def t_bad_value(p, rx):
    check_bad([SERV, 'http_root=' + H.ROOT, p], errno.EINVAL, rx)


def t_root_pseudo(root):
    """A root on proc or sysfs would serve the machine's state."""
    check_bad([SERV, 'http_root=' + root], errno.EINVAL,
              re.escape(root) + r'.*pseudo file system')


def t_numeric_ids():
    """Numeric ids need no passwd line; such a user reads what others may."""
    km = H.load_http('http_user=4242', 'http_group=4343')
    try:
        H.check_file_resp(get('/hello.txt'), 'hello.txt')
        if not FAKE:
            expect(any('uid 4242 gid 4343' in ln for ln in km.read()),
                   'no "works as uid 4242 gid 4343" log line')
    finally:
        unload(10, km)


def t_named_ids():
    km = H.load_http('http_user=daemon', 'http_group=daemon')
    try:
        H.check_file_resp(get('/hello.txt'), 'hello.txt')
        if not FAKE:
            expect(any(re.search(r'works as uid 1 gid 1 ', ln)
                       for ln in km.read()),
                   'no "works as uid 1 gid 1" log line (daemon)')
    finally:
        unload(10, km)


def t_disabled():
    base = tcp_inuse()
    km = Kmsg()
    ok, code, msg = insmod(SERV, 'http_root=' + H.ROOT, 'http_enable=0')
    try:
        expect(ok, 'insmod failed: %s (%s)' % (msg, errname(code)))
        expect(wait_for(lambda: port_listening(ECHO_PORT), 5),
               'echo not listening')
        expect(not port_listening(PORT), 'http port %d listening' % PORT)
        with connect(ECHO_PORT) as s:
            echo_once(s, b'http disabled\n')
        if not FAKE:
            st = read_stats()
            expect(('http', PORT) not in st, 'http line in stats: %s' %
                   list(st))
            expect(any('ksrv:' in ln for ln in km.read()),
                   'no ksrv: log line for the skipped service')
    finally:
        unload(10)
    expect(tcp_inuse() <= base, 'TCP inuse grew')


def t_with_echo():
    km = H.load_http()
    try:
        for fam in (4, 6):
            with connect(ECHO_PORT, fam) as s:
                echo_once(s, b'echo next to http %d\n' % fam)
            with H.Conn(fam=fam) as c:
                c.send(H.req('/hello.txt'))
                H.check_file_resp(c.read_response(), 'hello.txt')
            with connect(ECHO_PORT, fam) as s:
                echo_once(s, H.req('/hello.txt'))    # echo stays echo
        if not FAKE:
            st = read_stats()
            expect(('http', PORT) in st and ('echo', ECHO_PORT) in st,
                   'stats services %s' % list(st))
            h = st[('http', PORT)]
            expect(h['total'] >= 2, 'http total %d' % h['total'])
            expect(h['bytes_out'] >= 2 * 13, 'http bytes_out %d' %
                   h['bytes_out'])
    finally:
        unload(10, km)


def t_two_http():
    """Two http ports on the same root."""
    km = H.load_http(services='http:%d,http:8082' % PORT)
    try:
        expect(wait_for(lambda: port_listening(8082), 5), '8082 not up')
        for port in (PORT, 8082):
            with H.Conn(port=port) as c:
                c.send(H.req('/random.bin'))
                H.check_file_resp(c.read_response(), 'random.bin')
    finally:
        unload(10, km)


def t_listing_off():
    km = H.load_http('http_listing=0')
    try:
        r = get('/nested/')
        expect(r.status == 403, '/nested/ with http_listing=0: %d' %
               r.status)
        r = get('/')
        expect(r.status == 403, '/ with http_listing=0: %d' % r.status)
        H.check_file_resp(get('/withindex/'), 'withindex/index.html')
        H.check_file_resp(get('/nested/level1/one.txt'),
                          'nested/level1/one.txt')
    finally:
        unload(10, km)


# Two requests with LF line ends, one connection: a proxy that does not
# split lines at a lone LF would see neither of them end.
LF_PAIR = (b'GET /hello.txt HTTP/1.1\nHost: 127.0.0.1\n\n'
           b'GET /nested/level1/one.txt HTTP/1.1\nHost: 127.0.0.1\n'
           b'Connection: close\n\n')


def responses(data):
    """Every response to data on one connection, and how it ended."""
    out = []
    with H.Conn(timeout=5) as c:
        c.send(data)
        while True:
            r = c.read_response()
            out.append(r)
            if r.conn_close():
                return out, c.wait_close(3)


def t_bare_lf_default():
    km = H.load_http()
    try:
        rs, how = responses(LF_PAIR)
        expect([r.status for r in rs] == [400] and how in ('eof', 'rst'),
               'LF-only pipeline: %s, then %s' %
               ([r.status for r in rs], how))
        rs, how = responses(b'GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                            b'\r\n' + LF_PAIR)
        expect([r.status for r in rs] == [200, 400],
               'CRLF request, then LF ones: %s' % [r.status for r in rs])
        H.check_file_resp(rs[0], 'hello.txt')
    finally:
        unload(10, km)


def t_bare_lf_on():
    km = H.load_http('http_bare_lf=1')
    try:
        rs, how = responses(LF_PAIR)
        expect([r.status for r in rs] == [200, 200],
               'LF-only pipeline: %s' % [r.status for r in rs])
        H.check_file_resp(rs[0], 'hello.txt')
        H.check_file_resp(rs[1], 'nested/level1/one.txt')
        rs, how = responses(b'GET /hello.txt HTTP/1.1\r\nHost: 127.0.0.1\n'
                            b'Connection: close\r\n\n')
        expect([r.status for r in rs] == [200], 'CRLF and LF mixed: %s' %
               [r.status for r in rs])
        rs, how = responses(b'GET /hello.txt HTTP/1.1\r\nX: a\rb\n\n')
        expect([r.status for r in rs] == [400] and how in ('eof', 'rst'),
               'bare CR with http_bare_lf=1: %s, %s' %
               ([r.status for r in rs], how))
    finally:
        unload(10, km)


WANT = {'http_enable': 'Y', 'http_root': None, 'http_header_timeout': '7',
        'http_keepalive_timeout': '9', 'http_max_requests': '77',
        'http_listing': 'N', 'http_bare_lf': 'Y', 'http_user': 'nobody',
        'http_group': 'nogroup'}


def t_sysfs():
    if FAKE:
        raise Skip('fake server has no sysfs')
    want = dict(WANT, http_root=H.ROOT)
    km = H.load_http(*['%s=%s' % (k, v) for k, v in want.items()
                       if k != 'http_root'])
    try:
        d = '/sys/module/ksrv/parameters'
        probs = []
        for k, v in want.items():
            try:
                with open(os.path.join(d, k)) as f:
                    got = f.read().strip()
            except OSError as e:
                probs.append('%s: %s' % (k, e.strerror))
                continue
            if got != v:
                probs.append('%s=%r, want %r' % (k, got, v))
        expect(not probs, '; '.join(probs))
        expect('http_root' in modinfo_text(), 'modinfo lacks http_root')
    finally:
        unload(10, km)


def main():
    t = H.suite('60-http-params', 240, 180)
    t.need('build the fixture', H.fixture)
    ensure_unloaded()
    t.run('http_root missing -> EINVAL, log names it', t_root_missing)
    t.run('http_root a regular file -> ENOTDIR', t_root_file)
    t.run('http_root below a file -> EINVAL/ENOTDIR', t_root_below_file)
    t.run('default http_root /var/www/html', t_default_root)
    for p, rx in BAD_VALUES:
        t.run('%s -> EINVAL' % p, t_bad_value, p, rx)
    for root in ('/proc', '/sys', '/proc/sys'):
        t.run('http_root=%s (pseudo fs) -> EINVAL' % root, t_root_pseudo,
              root)
    t.run('numeric http_user/http_group load and serve', t_numeric_ids)
    t.run('http_user=daemon http_group=daemon by name', t_named_ids)
    t.run('http_enable=0 loads, http not listening', t_disabled)
    t.run('http and echo side by side', t_with_echo)
    t.run('two http ports', t_two_http)
    t.run('http_listing=0 -> 403 for directories', t_listing_off)
    t.run('bare LF refused by default: 400 + close', t_bare_lf_default)
    t.run('http_bare_lf=1: LF line ends served', t_bare_lf_on)
    t.run('parameters visible in sysfs', t_sysfs)
    t.finish()


if __name__ == '__main__':
    main()
