#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""61-http-basic: files, headers, directories and listings over HTTP.

Every servable fixture file must come back byte-exact with correct entity
headers (GET and HEAD), directories redirect / serve index.html / list
their entries (escaped and URL-encoded, hidden ones left out), and real
clients (curl, python http.client, a recursive wget) accept all of it.
"""
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import QUICK, expect, slack, unload  # noqa
import httptest as H  # noqa
from httptest import PORT, Conn, get, req  # noqa

URL = 'http://127.0.0.1:%d' % PORT
TMP = '/tmp/ksrv-http-basic'


def t_file(rel):
    """HEAD then GET on one keep-alive connection; same headers."""
    u = H.rel_url(rel)
    with Conn() as c:
        c.send(req(u, 'HEAD') + req(u))
        rh = c.read_response(head=True)
        H.check_file_resp(rh, rel, head=True)
        expect(not rh.conn_close(), 'HEAD response closes the connection')
        rg = c.read_response()
        H.check_file_resp(rg, rel)
        for k in ('content-length', 'content-type', 'last-modified', 'etag'):
            expect(rh.h(k) == rg.h(k), 'HEAD %s %r != GET %r' %
                   (k, rh.h(k), rg.h(k)))
        how = c.wait_close(0.3)
        expect(how == 'timeout', 'after the GET response: %s %r' %
               (how, bytes(c.buf[:100])))


def t_etag_stable():
    a = get('/hello.txt')
    b = get('/link-inside.txt')
    c = get('/random.bin')
    expect(a.h('etag') == get('/hello.txt').h('etag'), 'ETag changes')
    expect(a.h('etag') != c.h('etag'), 'different files share an ETag')
    expect(b.body == a.body, 'symlink inside the root not served')


def t_status(path, want, method='GET'):
    r = get(path, method)
    expect(r.status == want, '%s %s: %d %s, want %d' %
           (method, path, r.status, r.reason, want))
    H.check_common(r, head=(method == 'HEAD'))
    if method == 'HEAD':
        expect(r.body == b'', 'HEAD has a body')


def t_fifo():
    t0 = time.monotonic()
    for m in ('GET', 'HEAD'):
        r = get('/fifo', m, timeout=5)
        expect(r.status == 403, '%s /fifo: %d, want 403' % (m, r.status))
    # The connection must still work after a refused fifo.
    with Conn(timeout=5) as c:
        c.send(req('/fifo') + req('/hello.txt'))
        r1 = c.read_response()
        expect(r1.status == 403, '/fifo %d' % r1.status)
        if not r1.conn_close():
            H.check_file_resp(c.read_response(), 'hello.txt')
    return 'took %.2fs' % (time.monotonic() - t0)


def t_redirect(rel):
    u = H.rel_url(rel)
    for m in ('GET', 'HEAD'):
        r = get(u, m)
        expect(r.status == 301, '%s %s: %d, want 301' % (m, u, r.status))
        H.check_common(r, head=(m == 'HEAD'))
        loc = r.h('location')
        expect(loc, 'no Location')
        lp = urllib.parse.urlsplit(urllib.parse.urljoin(URL + u, loc)).path
        expect(urllib.parse.unquote(lp) == urllib.parse.unquote(u) + '/',
               'Location %r for %r' % (loc, u))
    # ... and the redirect target works.
    r = get(lp)
    expect(r.status == 200, 'redirect target %s (Location %r): %d' %
           (lp, loc, r.status))


def t_index():
    r = get('/withindex/')
    H.check_file_resp(r, 'withindex/index.html')
    r = get('/withindex/index.html')
    H.check_file_resp(r, 'withindex/index.html')
    h = get('/withindex/', 'HEAD')
    expect(h.status == 200 and h.body == b'' and
           h.h('content-length') == r.h('content-length'),
           'HEAD /withindex/: %r' % h)


LINKS = []


def t_listing(rel):
    u = H.rel_url(rel, True)
    r = get(u)
    got = H.check_listing(r, rel)
    for name, qpath, is_dir in got:
        LINKS.append((rel + '/' + name if rel else name, qpath, is_dir))
    h = get(u, 'HEAD')
    expect(h.status == 200 and h.body == b'', 'HEAD listing %r' % h)
    expect(h.h('content-length') == r.h('content-length'),
           'HEAD listing Content-Length %s, GET %s' %
           (h.h('content-length'), r.h('content-length')))
    return '%d entries' % len(got)


def listing_rows(url):
    """{href (unquoted): (size column, date column)} of a listing."""
    r = get(url)
    expect(r.status == 200, 'GET %s %r' % (url, r))
    rows = {}
    for m in re.finditer(rb'<tr><td><a href="([^"]*)">[^<]*</a></td>'
                         rb'<td>([^<]*)</td><td>([^<]*)</td></tr>', r.body):
        rows[urllib.parse.unquote(m.group(1).decode())] = (
            m.group(2).decode(), m.group(3).decode())
    return rows


def t_listing_links():
    """A symlink's row shows what serving it gives: its target's size
    while the target is inside the root, nothing when it leaves the root."""
    rows = listing_rows('/')
    hello = os.stat(H.fs_path('hello.txt'))
    got = rows.get('link-inside.txt')
    expect(got and got[0] == str(hello.st_size) and
           got[1] == H.http_date(hello.st_mtime),
           'link-inside.txt row %r, target hello.txt has %d bytes'
           % (got, hello.st_size))
    for name in ('escape-abs', 'escape-rel.txt', 'escape-dir'):
        expect(rows.get(name) == ('-', '-'),
               'row of %s (leaves the root) shows %r' % (name, rows.get(name)))
    passwd = str(os.stat('/etc/passwd').st_size)
    expect(rows.get('escape-abs', ('',))[0] != passwd,
           '/etc/passwd size shown')
    return '%d rows' % len(rows)


# Fixture files whose mtime lies at or past the ends of an HTTP-date.
DATES = {'1960.txt': -315619200, '1969-last-second.txt': -1, 'epoch.txt': 0,
         '9999-last-second.txt': H.HTTP_DATE_MAX,
         '10000.txt': H.HTTP_DATE_MAX + 1, 'old-dir': -315619200}


def t_listing_dates():
    """A listing shows '-' for a date no HTTP-date can say."""
    probs = []
    for name, mt in DATES.items():
        got = os.stat(H.fs_path('dates/' + name)).st_mtime
        if got != mt:       # a file system that clamps times
            probs.append('fixture %s has mtime %d, not %d' % (name, got, mt))
    rows = listing_rows('/dates/')
    for name, mt in DATES.items():
        is_dir = os.path.isdir(H.fs_path('dates/' + name))
        href = name + '/' if is_dir else name
        size = '-' if is_dir else str(os.path.getsize(H.fs_path('dates/' +
                                                                 name)))
        want = (size, H.last_modified(mt) or '-')
        if rows.get(href) != want:
            probs.append('row %s: %r, want %r' % (href, rows.get(href), want))
    expect(not probs, '; '.join(probs))
    return '%d rows' % len(rows)


def curl(args, timeout=60, total=None):
    """curl with a time-out per transfer (and TOTAL for the whole run)."""
    p = subprocess.run(['curl', '-sS', '--max-time', str(timeout)] + args,
                       capture_output=True, timeout=(total or timeout) + 10)
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def t_follow_links():
    """Every link of every listing, fetched by one curl (one exec: each
    costs seconds on the debug kernel), its status per link from -w."""
    expect(LINKS, 'no links collected from the listings')
    os.makedirs(TMP, exist_ok=True)
    args, outs = ['-g', '-w', '%{http_code}\\n'], []
    for i, (rel, qpath, is_dir) in enumerate(LINKS):
        outs.append(os.path.join(TMP, 'link%d' % i))
        args += ['-o', outs[-1], URL + qpath]
    rc, codes, err = curl(args, 30, slack(30 + 2 * len(LINKS)))
    codes = codes.decode().split()
    expect(len(codes) == len(LINKS), 'curl rc %d, %d of %d links: %s' %
           (rc, len(codes), len(LINKS), err.strip()[-300:]))
    probs = []
    for (rel, qpath, is_dir), out, code in zip(LINKS, outs, codes):
        if code != '200':
            probs.append('%s: status %s' % (qpath, code))
            continue
        if not is_dir and H.entry_kind(rel) == 'file':
            with open(out, 'rb') as f:
                if f.read() != H.file_bytes(rel):
                    probs.append('%s: content differs' % qpath)
    expect(not probs, '; '.join(probs[:8]))
    return '%d links followed' % len(LINKS)


def t_curl_exact():
    os.makedirs(TMP, exist_ok=True)
    args, outs = [], []
    rels = ['random.bin', 'hello.txt', 'empty.txt', 'héllo wörld.txt',
            'a<b>&c"d\'e.txt', 'nested/sub dir/ñandú.txt']
    for i, rel in enumerate(rels):
        o = os.path.join(TMP, 'c%d' % i)
        outs.append(o)
        args += ['-o', o, URL + H.rel_url(rel)]
    rc, _, err = curl(['-v', '--fail'] + args)
    expect(rc == 0, 'curl rc %d: %s' % (rc, err[-500:]))
    for rel, o in zip(rels, outs):
        with open(o, 'rb') as f:
            expect(f.read() == H.file_bytes(rel), '%s differs' % rel)
    with open(os.path.join(H.BASE, 'random.bin.sha256')) as f:
        want = f.read().split()[0]
    with open(outs[0], 'rb') as f:
        expect(H.sha256(f.read()) == want, 'random.bin sha256 mismatch')
    expect('Re-using existing connection' in err or
           'Reusing existing connection' in err,
           'curl did not reuse the keep-alive connection')
    # curl's HEAD handling (-I) must not wait for a body.
    rc, out, err = curl(['-I', '--fail', URL + '/random.bin'], 10)
    expect(rc == 0, 'curl -I rc %d: %s' % (rc, err))
    expect(b'content-length: 1048576' in out.lower(), 'curl -I: %r' % out)


def t_httpclient():
    c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)
    try:
        for rel in ('hello.txt', 'random.bin', 'empty.txt', 'style.css',
                    'nested/level1/level2/deep.txt', '日本.txt'):
            for m in ('HEAD', 'GET'):
                c.request(m, H.rel_url(rel))
                r = c.getresponse()
                body = r.read()
                expect(r.status == 200, '%s %s: %d' % (m, rel, r.status))
                want = b'' if m == 'HEAD' else H.file_bytes(rel)
                expect(body == want, '%s %s body differs' % (m, rel))
                expect(int(r.getheader('Content-Length')) ==
                       len(H.file_bytes(rel)), 'Content-Length')
        c.request('GET', '/nope')
        r = c.getresponse()
        r.read()
        expect(r.status == 404, '/nope: %d' % r.status)
        c.request('GET', '/nested/')
        r = c.getresponse()
        expect(r.status == 200 and b'level1' in r.read(), 'listing')
    finally:
        c.close()


def mirror_expect():
    """{relative path: bytes} wget must save (listings excluded)."""
    files, dirs = H.walk_served()
    want = {}
    for rel in files:
        want[rel] = H.file_bytes(rel)
    return want, dirs


def t_wget():
    dest = os.path.join(TMP, 'mirror')
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    quick = ['--reject', 'big.bin'] if QUICK else []
    p = subprocess.run(['wget', '-r', '-np', '-nH', '-l', '0', '-q', '-e',
                        'robots=off', '--restrict-file-names=nocontrol',
                        '--timeout=30', '--tries=1', '-P', dest] + quick +
                       [URL + '/'], capture_output=True, timeout=300)
    want, dirs = mirror_expect()
    if QUICK:
        want.pop('big.bin', None)
    got = {}
    for dp, dn, fn in os.walk(dest):
        for n in fn:
            full = os.path.join(dp, n)
            got[os.path.relpath(full, dest)] = full
    probs = []
    # wget saves each generated listing as DIR/index.html; those have no
    # counterpart in the fixture (real index.html files do).
    listing_files = {(d + '/index.html') if d else 'index.html'
                     for d in dirs if not H.has_index(d)}
    for rel, data in want.items():
        if rel not in got:
            probs.append('missing %r' % rel)
            continue
        with open(got[rel], 'rb') as f:
            if f.read() != data:
                probs.append('differs %r' % rel)
    extra = sorted(set(got) - set(want) - listing_files)
    if extra:
        probs.append('unexpected files %r' % extra[:10])
    for d in dirs:
        if d and not os.path.isdir(os.path.join(dest, d)):
            probs.append('missing dir %r' % d)
    expect(not probs, 'wget rc %d: %s' % (p.returncode, '; '.join(probs[:10])))
    # wget exits 8 when some link returned an error (fifo, outside links).
    return 'wget rc %d, %d files' % (p.returncode, len(want))


def t_misc_paths():
    for path in ('/hello.txt?x=1&y=%2F..', '//hello.txt', '/nested//level1//'
                 'one.txt', '/./hello.txt', '/nested/../hello.txt',
                 '/%68ello.txt', '/nested/level1/uplink.txt'):
        r = get(path)
        expect(r.status == 200, '%s: %d' % (path, r.status))
        want = 'nested/level1/one.txt' if 'one.txt' in path else 'hello.txt'
        expect(r.body == H.file_bytes(want), '%s: body differs' % path)


def t_ipv6():
    with Conn(fam=6) as c:
        c.send(req('/random.bin'))
        H.check_file_resp(c.read_response(), 'random.bin')


def main():
    t = H.suite('61-http-basic', 600, 300)
    km = H.load_on_fixture(t)
    files, dirs = H.walk_served()
    if QUICK:
        files = [f for f in files if f not in ('big.bin',)]
    for rel in files:
        t.run('GET+HEAD %s' % rel, t_file, rel)
    t.run('ETag stable, symlink inside served', t_etag_stable)
    for path in ('/nope', '/nope/', '/nested/nope.txt', '/hello.txt/x',
                 '/emptydir/x', '/nope.html'):
        t.run('404 %s' % path, t_status, path, 404)
    t.run('404 HEAD /nope', t_status, '/nope', 404, 'HEAD')
    t.run('403 fifo without hanging', t_fifo)
    for rel in ('nested', 'emptydir', 'withindex', 'nested/sub dir',
                'nested/<tag>&dir', 'nested/level1/level2'):
        t.run('301 %s' % rel, t_redirect, rel)
    t.run('index.html served for /withindex/', t_index)
    for rel in dirs:
        if not H.has_index(rel):
            t.run('listing /%s' % rel, t_listing, rel)
    t.run('curl follows every listing link', t_follow_links)
    t.run('listing rows of symlinks: target inside, nothing outside',
          t_listing_links)
    t.run('listing dates before 1970 / after 9999 shown as -',
          t_listing_dates)
    t.run('curl byte-exact with keep-alive reuse', t_curl_exact)
    t.run('python http.client keep-alive', t_httpclient)
    t.run('query string, //, dot segments, %XX, inside symlink',
          t_misc_paths)
    t.run('IPv6 ::1', t_ipv6)
    t.run('wget -r mirror equals the fixture', t_wget)
    t.run('rmmod clean', unload, 10, km)
    shutil.rmtree(TMP, ignore_errors=True)
    t.finish()


if __name__ == '__main__':
    main()
