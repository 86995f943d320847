#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""62-http-status: every status code of the contract, over raw sockets.

Malformed requests (400/405/413/414/431/501/505), conditional requests
(304), byte ranges (206/416), path traversal and hidden files, all sent as
exact bytes so that no client library can normalise them.  After a parse
error the server must close the connection (a request pipelined behind the
bad one is never answered).  At the end /proc/ksrv/http_status must have
counted exactly the responses this suite received.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import expect, unload  # noqa
import httptest as H  # noqa
from httptest import Conn, get, req  # noqa

HOST = b'Host: 127.0.0.1\r\n'
OKREQ = b'GET /hello.txt HTTP/1.1\r\n' + HOST + b'\r\n'


def r11(line, *hdrs, host=True):
    """Raw HTTP/1.1 request bytes: request line + headers, untouched."""
    out = line + b'\r\n' + (HOST if host else b'')
    for h in hdrs:
        out += h + b'\r\n'
    return out + b'\r\n'


# (name, request bytes, acceptable statuses)
PARSE_ERRORS = [
    ('400 garbage bytes', b'\x00\x01\x02\xff\xfe\x80 garbage\r\n\r\n',
     (400,)),
    ('400 binary noise line', bytes(range(1, 32)).replace(b'\r', b'')
     .replace(b'\n', b'') + b'\r\n\r\n', (400,)),
    ('400 empty request line words', b'GET\r\n' + HOST + b'\r\n', (400,)),
    ('400 two words', b'GET /\r\n' + HOST + b'\r\n', (400,)),
    ('400 four words', r11(b'GET / HTTP/1.1 x'), (400,)),
    ('400 double space', r11(b'GET  / HTTP/1.1'), (400,)),
    ('400 lower-case version', r11(b'GET / http/1.1'), (400,)),
    ('400 version HTTX', r11(b'GET / HTTX/1.1'), (400,)),
    ('400 version HTTP/1', r11(b'GET / HTTP/1'), (400,)),
    ('400 version HTTP/1.1.1', r11(b'GET / HTTP/1.1.1'), (400,)),
    ('400 target without slash', r11(b'GET hello.txt HTTP/1.1'), (400,)),
    ('400 bare CR in header', b'GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n',
     (400,)),
    ('400 bare CR in request line', b'GET /\r HTTP/1.1\r\n' + HOST +
     b'\r\n', (400,)),
    # A lone LF ends no line by default (http_bare_lf=0): a proxy in
    # front that does not split there must not see other requests.
    ('400 bare LF ends the request line', b'GET /hello.txt HTTP/1.1\n' +
     HOST + b'\r\n', (400,)),
    ('400 bare LF ends a header', b'GET /hello.txt HTTP/1.1\r\n'
     b'Host: 127.0.0.1\n\r\n', (400,)),
    ('400 bare LF as the empty line', b'GET /hello.txt HTTP/1.1\r\n' + HOST +
     b'\n', (400,)),
    ('400 LF-only request', b'GET /hello.txt HTTP/1.1\nHost: 127.0.0.1\n\n',
     (400,)),
    ('400 bare LF before the request', b'\n' + OKREQ, (400,)),
    ('400 obs-fold (space)', r11(b'GET / HTTP/1.1', b'X-A: a', b' folded'),
     (400,)),
    ('400 obs-fold (tab)', r11(b'GET / HTTP/1.1', b'X-A: a', b'\tfolded'),
     (400,)),
    ('400 HTTP/1.1 without Host', r11(b'GET / HTTP/1.1', host=False),
     (400,)),
    ('400 duplicate Content-Length', r11(b'GET / HTTP/1.1',
                                          b'Content-Length: 0',
                                          b'Content-Length: 0'), (400,)),
    ('400 Content-Length + Transfer-Encoding',
     r11(b'GET / HTTP/1.1', b'Content-Length: 0',
         b'Transfer-Encoding: chunked'), (400,)),
    ('400 Content-Length not a number', r11(b'GET / HTTP/1.1',
                                             b'Content-Length: abc'),
     (400,)),
    ('400 negative Content-Length', r11(b'GET / HTTP/1.1',
                                         b'Content-Length: -1'), (400,)),
    ('400 header without colon', r11(b'GET / HTTP/1.1', b'X-No-Colon'),
     (400,)),
    ('400 space before colon', r11(b'GET / HTTP/1.1', b'X-A : b'), (400,)),
    ('400 empty header name', r11(b'GET / HTTP/1.1', b': b'), (400,)),
    ('400 NUL in header value', r11(b'GET / HTTP/1.1', b'X-A: a\x00b'),
     (400,)),
    ('405 POST', r11(b'POST / HTTP/1.1'), (405,)),
    ('405 PUT', r11(b'PUT /x HTTP/1.1'), (405,)),
    ('405 DELETE', r11(b'DELETE /hello.txt HTTP/1.1'), (405,)),
    ('405 OPTIONS', r11(b'OPTIONS * HTTP/1.1'), (405, 400)),
    ('405 OPTIONS /', r11(b'OPTIONS / HTTP/1.1'), (405,)),
    ('405 PATCH', r11(b'PATCH / HTTP/1.1'), (405,)),
    ('405 TRACE', r11(b'TRACE / HTTP/1.1'), (405,)),
    ('405 CONNECT', r11(b'CONNECT 127.0.0.1:8081 HTTP/1.1'), (405, 400)),
    ('501 unknown method', r11(b'BREW /pot HTTP/1.1'), (501,)),
    ('501 lower-case get', r11(b'get / HTTP/1.1'), (501,)),
    ('501 Transfer-Encoding', r11(b'GET / HTTP/1.1',
                                   b'Transfer-Encoding: chunked'), (501,)),
    ('505 HTTP/2.0', r11(b'GET / HTTP/2.0'), (505,)),
    ('505 HTTP/3.0', r11(b'GET / HTTP/3.0'), (505,)),
    ('505 HTTP/0.9 as version token', r11(b'GET / HTTP/0.9'), (505,)),
    ('505 HTTP/2.1', r11(b'GET / HTTP/2.1'), (505,)),
    ('400 version HTTP/1.10', r11(b'GET / HTTP/1.10'), (400,)),
    ('400 version HTTP/1.x', r11(b'GET / HTTP/1.x'), (400,)),
    ('413 Content-Length 10', r11(b'GET / HTTP/1.1', b'Content-Length: 10')
     + b'0123456789', (413,)),
    ('413 huge Content-Length', r11(b'GET / HTTP/1.1',
                                    b'Content-Length: 99999999999'), (413,)),
    ('414 URL of 10000 chars', r11(b'GET /' + b'a' * 9999 + b' HTTP/1.1'),
     (414,)),
    ('414 URL of 8100 chars', r11(b'GET /' + b'b' * 8100 + b' HTTP/1.1'),
     (414,)),
    ('431 one 20 KiB header', r11(b'GET / HTTP/1.1', b'X-Big: ' +
                                  b'x' * 20480), (431,)),
    ('431 200 header lines', r11(b'GET / HTTP/1.1', *[b'X-H%d: v' % i
                                                      for i in range(200)]),
     (431,)),
    ('431 101 header lines', r11(b'GET / HTTP/1.1', *[b'X-H%d: v' % i
                                                      for i in range(100)]),
     (431,)),
]

# Bad paths: 400, but the connection may stay open (not a head parse error).
PATH_ERRORS = [
    ('400 %2F in path', r11(b'GET /nested%2Flevel1/one.txt HTTP/1.1'),
     (400,)),
    ('400 %2f in traversal', r11(b'GET /..%2f..%2fetc/passwd HTTP/1.1'),
     (400, 403)),
    ('400 %00 in path', r11(b'GET /hello.txt%00.html HTTP/1.1'), (400,)),
    ('400 bad %XX', r11(b'GET /%zz HTTP/1.1'), (400,)),
    ('400 truncated %X', r11(b'GET /hello.txt%4 HTTP/1.1'), (400,)),
]


def t_parse_error(data, allowed, must_close=True):
    """Bad request + a good one behind it: one error response, then close."""
    with Conn(timeout=5) as c:
        try:
            c.send(data + OKREQ)
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = c.read_response()
        expect(r.status in allowed, 'status %d %s, want %s' %
               (r.status, r.reason, allowed))
        H.check_common(r)
        if not must_close and not r.conn_close():
            r2 = c.read_response()
            expect(r2.status == 200 and
                   r2.body == H.file_bytes('hello.txt'),
                   'request after the %d: %r' % (r.status, r2))
            return 'connection kept open'
        expect(r.conn_close(), 'no Connection: close on %d' % r.status)
        if r.status == 405:
            allow = r.h('allow') or ''
            expect(sorted(x.strip() for x in allow.split(',')) ==
                   ['GET', 'HEAD'], 'Allow header %r' % allow)
        how = c.wait_close(3)
        expect(how in ('eof', 'rst'), 'connection not closed after %d: %s '
               '(%r)' % (r.status, how, bytes(c.buf[:80])))


def t_good_edge():
    """Things that look odd but are valid must be served."""
    for data in (r11(b'GET /hello.txt HTTP/1.1', b'Content-Length: 0'),
                 b'GET /hello.txt HTTP/1.0\r\n\r\n',
                 r11(b'GET /hello.txt HTTP/1.1', b'X-Empty:'),
                 r11(b'GET /hello.txt HTTP/1.1', b'X-Tabs:\t v \t'),
                 r11(b'GET /hello.txt?a=%zz&b=/../.. HTTP/1.1'),
                 b'GET /hello.txt HTTP/1.1\r\nhOsT: 127.0.0.1\r\n\r\n',
                 r11(b'GET http://127.0.0.1:8081/hello.txt HTTP/1.1')):
        with Conn(timeout=5) as c:
            c.send(data)
            r = c.read_response()
            expect(r.status == 200 and r.body == H.file_bytes('hello.txt'),
                   '%r: %d' % (data[:60], r.status))


def t_higher_minor():
    """HTTP/1.2 .. HTTP/1.9 are answered as HTTP/1.1 (RFC 9110 2.5):
    persistent by default, Host required, HTTP/1.1 in the status line."""
    for minor in (2, 5, 9):
        line = b'GET /hello.txt HTTP/1.%d' % minor
        with Conn(timeout=5) as c:
            c.send(r11(line) + r11(line, b'Connection: close'))
            for last in (False, True):
                r = c.read_response()
                H.check_file_resp(r, 'hello.txt')
                expect(r.version == '1.1', '1.%d: answered as HTTP/%s' %
                       (minor, r.version))
                expect(r.conn_close() == last, '1.%d: Connection %r' %
                       (minor, r.h('connection')))
            expect(c.wait_close(3) in ('eof', 'rst'), 'not closed')
        r, how = H.exchange(r11(b'GET /hello.txt HTTP/1.%d' % minor,
                                host=False))
        expect(r.status == 400 and how in ('eof', 'rst'),
               '1.%d without Host: %d, %s' % (minor, r.status, how))


def t_near_limits():
    """Just below the limits is fine: no 414/431."""
    cases = [
        (r11(b'GET /' + b'c' * 4000 + b' HTTP/1.1'), (404,)),
        # Paths beyond PATH_MAX may get 414 even below the line limit.
        (r11(b'GET /' + b'c' * 7900 + b' HTTP/1.1'), (404, 414)),
        (r11(b'GET /hello.txt?' + b'q' * 7900 + b' HTTP/1.1'), (200,)),
        (r11(b'GET /hello.txt HTTP/1.1', *[b'X-H%d: v' % i
                                          for i in range(98)]), (200,)),
        (r11(b'GET /hello.txt HTTP/1.1', b'X-Big: ' + b'x' * 15000),
         (200,)),
    ]
    for data, want in cases:
        with Conn(timeout=5) as c:
            c.send(data)
            r = c.read_response()
            expect(r.status in want, '%d-byte request: %d, want %s' %
                   (len(data), r.status, want))


def t_half_close():
    """Request then shutdown(SHUT_WR): the response still comes."""
    with Conn(timeout=5) as c:
        c.send(req('/hello.txt'))
        c.sock.shutdown(socket.SHUT_WR)
        r = c.read_response()
        H.check_file_resp(r, 'hello.txt')
        expect(c.wait_close(3) in ('eof', 'rst'), 'not closed after EOF')


# ---- conditional requests ------------------------------------------------

def t_304():
    base = get('/hello.txt')
    etag, lm = base.h('etag'), base.h('last-modified')
    expect(etag and lm, 'no ETag/Last-Modified')
    mt = int(os.stat(H.fs_path('hello.txt')).st_mtime)
    cases = [
        (['If-None-Match: ' + etag], 304),
        (['If-None-Match: "nope", ' + etag], 304),
        (['If-None-Match: "nope"'], 200),
        (['If-None-Match: *'], 304),
        (['If-Modified-Since: ' + lm], 304),
        (['If-Modified-Since: ' + H.http_date(mt + 86400)], 304),
        (['If-Modified-Since: ' + H.http_date(mt - 1)], 200),
        (['If-Modified-Since: not a date'], 200),
        # If-None-Match takes precedence over If-Modified-Since.
        (['If-None-Match: "nope"', 'If-Modified-Since: ' + lm], 200),
        (['If-None-Match: ' + etag,
          'If-Modified-Since: ' + H.http_date(mt - 100)], 304),
    ]
    probs = []
    for hdrs, want in cases:
        for m in ('GET', 'HEAD'):
            with Conn(timeout=5) as c:
                c.send(req('/hello.txt', m, headers=hdrs) + req('/empty.txt'))
                r = c.read_response(head=(m == 'HEAD'))
                if r.status != want:
                    probs.append('%s %s: %d, want %d' % (m, hdrs, r.status,
                                                         want))
                    continue
                if want == 304:
                    H.check_common(r, head=True)
                    cl = r.h('content-length')
                    if cl is not None and cl != '13':
                        probs.append('304 Content-Length %s (RFC 9110 8.6:'
                                     ' only the 200 length)' % cl)
                    if r.h('etag') != etag:
                        probs.append('304 ETag %r' % r.h('etag'))
                    # No body: the next response must follow directly.
                    r2 = c.read_response()
                    if r2.status != 200 or r2.body != b'':
                        probs.append('after 304: %r' % r2)
                else:
                    if m == 'GET' and r.body != H.file_bytes('hello.txt'):
                        probs.append('%s body differs' % hdrs)
                    c.read_response()       # the pipelined empty.txt
    expect(not probs, '; '.join(probs[:6]))


def t_304_dates():
    """A file whose mtime has no HTTP-date (before 1970, after 9999) has
    no Last-Modified, so If-Modified-Since is ignored: 200, never 304.
    Its ETag still validates."""
    late = 'Fri, 31 Dec 9999 23:59:59 GMT'
    cases = [
        # (file, If-Modified-Since, status)
        ('1960.txt', H.http_date(time.time()), 200),
        ('1960.txt', late, 200),
        ('1960.txt', 'Mon, 01 Jan 1900 00:00:00 GMT', 200),
        ('1969-last-second.txt', 'Thu, 01 Jan 1970 00:00:00 GMT', 200),
        ('10000.txt', late, 200),
        ('epoch.txt', 'Thu, 01 Jan 1970 00:00:00 GMT', 304),
        ('epoch.txt', 'Wed, 31 Dec 1969 23:59:59 GMT', 200),
        ('9999-last-second.txt', late, 304),
        ('9999-last-second.txt', 'Fri, 31 Dec 9999 23:59:58 GMT', 200),
    ]
    probs = []
    for name, ims, want in cases:
        rel = 'dates/' + name
        r = get('/' + rel, headers=['If-Modified-Since: ' + ims])
        if r.status != want:
            probs.append('%s IMS %s: %d, want %d' % (rel, ims, r.status, want))
        elif want == 200:
            H.check_file_resp(r, rel)
    for name in ('1960.txt', '10000.txt'):
        rel = 'dates/' + name
        etag = get('/' + rel).h('etag')
        r = get('/' + rel, headers=['If-None-Match: ' + etag])
        if r.status != 304 or r.hs('last-modified'):
            probs.append('%s If-None-Match: %r' % (rel, r))
    expect(not probs, '; '.join(probs))


def t_etag_far_future():
    """Two mtimes past 2262 (where nanoseconds overflow 64 bits) on the
    same file and size still give two ETags."""
    path = H.fs_path('dates/future.tmp')
    try:
        with open(path, 'w') as f:
            f.write('far future\n')
        os.utime(path, ns=(0, 3000 * 31556952 * 10**9))
        a = get('/dates/future.tmp').h('etag')
        os.utime(path, ns=(0, 4000 * 31556952 * 10**9))
        r = get('/dates/future.tmp', headers=['If-None-Match: %s' % a])
    finally:
        os.unlink(path)
    expect(r.status == 200 and r.h('etag') != a,
           'mtime moved from year ~4970 to ~5970: %d, ETag %s then %s' %
           (r.status, a, r.h('etag')))


# ---- ranges -------------------------------------------------------------

def t_206():
    data = H.file_bytes('random.bin')
    n = len(data)
    cases = [('bytes=0-0', 0, 0), ('bytes=0-99', 0, 99),
             ('bytes=100-', 100, n - 1), ('bytes=-100', n - 100, n - 1),
             ('bytes=1000000-2000000', 1000000, n - 1),
             ('bytes=-2000000', 0, n - 1), ('bytes=%d-%d' % (n - 1, n - 1),
                                              n - 1, n - 1),
             ('bytes=12345-54321', 12345, 54321), ('bytes=0-', 0, n - 1)]
    probs = []
    for rng, a, b in cases:
        with Conn(timeout=10) as c:
            c.send(req('/random.bin', headers=['Range: ' + rng]) +
                   req('/random.bin', 'HEAD', headers=['Range: ' + rng]))
            r = c.read_response()
            h = c.read_response(head=True)
        if r.status != 206:
            probs.append('%s: %d' % (rng, r.status))
            continue
        H.check_common(r)
        want_cr = 'bytes %d-%d/%d' % (a, b, n)
        if r.h('content-range') != want_cr:
            probs.append('%s: Content-Range %r, want %r' %
                         (rng, r.h('content-range'), want_cr))
        if r.body != data[a:b + 1]:
            probs.append('%s: bytes differ (%d bytes)' % (rng, len(r.body)))
        if h.status != 206 or h.h('content-range') != want_cr or \
                h.h('content-length') != str(b - a + 1):
            probs.append('%s: HEAD %r' % (rng, h))
    r = get('/hello.txt', headers=['Range: bytes=7-10'])
    if r.status != 206 or r.body != b'ksrv':
        probs.append('hello.txt 7-10: %r' % r)
    expect(not probs, '; '.join(probs[:6]))


def t_416():
    n = os.path.getsize(H.fs_path('random.bin'))
    probs = []
    for rel, rng in (('random.bin', 'bytes=%d-' % n),
                     ('random.bin', 'bytes=%d-%d' % (n + 10, n + 20)),
                     ('random.bin', 'bytes=2000000-3000000'),
                     ('random.bin', 'bytes=-0'),
                     ('empty.txt', 'bytes=0-'),
                     ('empty.txt', 'bytes=0-0')):
        r = get(H.rel_url(rel), headers=['Range: ' + rng])
        size = os.path.getsize(H.fs_path(rel))
        if r.status != 416:
            probs.append('%s %s: %d' % (rel, rng, r.status))
            continue
        H.check_common(r)
        if r.h('content-range') != 'bytes */%d' % size:
            probs.append('%s %s: Content-Range %r' % (rel, rng,
                                                      r.h('content-range')))
    expect(not probs, '; '.join(probs))


def t_range_ignored():
    data = H.file_bytes('random.bin')
    probs = []
    for rng in ('bytes=abc', 'bytes=5-1', 'bytes=0-1,3-4', 'items=0-1',
                'bytes 0-1', 'bytes=', 'bytes=-', 'bytes=--1', 'bytes=1-2-3',
                'bytes=0x10-0x20'):
        r = get('/random.bin', headers=['Range: ' + rng])
        if r.status != 200 or r.body != data:
            probs.append('%r: %d, %d bytes' % (rng, r.status, len(r.body)))
        elif r.h('content-range'):
            probs.append('%r: Content-Range on a 200' % rng)
    expect(not probs, '; '.join(probs))


# ---- traversal and hidden files ------------------------------------------

TRAVERSAL = [
    (b'/../etc/passwd', (403,)),
    (b'/%2e%2e/%2e%2e/etc/passwd', (403,)),
    (b'/%2E%2E/%2E%2E/etc/passwd', (403,)),
    (b'/a/../../etc/passwd', (403,)),
    (b'/nested/../../outside.txt', (403,)),
    (b'/nested/level1/../../../etc/passwd', (403,)),
    (b'/..', (403,)),
    (b'/../', (403,)),
    (b'/.%2e/etc/passwd', (403,)),
    (b'/%2e./outside.txt', (403,)),
    (b'/..%2fetc%2fpasswd', (400, 403)),
    (b'/%2Fetc/passwd', (400,)),
    (b'/..%5c..%5cetc/passwd', (400, 403, 404)),
    (b'/%c0%ae%c0%ae/etc/passwd', (400, 403, 404)),
    (b'http://127.0.0.1/../../etc/passwd', (400, 403, 404)),
    (b'/escape-abs', (403, 404)),
    (b'/escape-rel.txt', (403, 404)),
    (b'/escape-dir/outside.txt', (403, 404)),
    (b'/escape-dir/', (403, 404)),
    (b'/escape-dir', (403, 404)),
    (b'/.secret', (404,)),
    (b'/.htaccess', (404,)),
    (b'/.git/config', (404,)),
    (b'/.git/', (404,)),
    (b'/.git', (404,)),
    (b'/.hiddendir/file.txt', (404,)),
    (b'/nested/.hidden.txt', (404,)),
    (b'/%2esecret', (404,)),
    (b'/%2Egit/config', (404,)),
    (b'/nested/../.secret', (404,)),
    (b'/fifo', (403,)),
]


def t_traversal(path, allowed):
    for m in ('GET', 'HEAD'):
        with Conn(timeout=5) as c:
            c.send(b'%s %s HTTP/1.1\r\n' % (m.encode(), path) + HOST +
                   b'\r\n')
            r = c.read_response(head=(m == 'HEAD'))
            expect(r.status in allowed, '%s %r: %d, want %s' %
                   (m, path, r.status, allowed))
            H.check_common(r, head=(m == 'HEAD'))
    return None


def t_http10_traversal():
    """Same thing without Host, as HTTP/1.0."""
    for path in (b'/../etc/passwd', b'/%2e%2e/etc/passwd', b'/.secret',
                 b'/escape-abs'):
        with Conn(timeout=5) as c:
            c.send(b'GET %s HTTP/1.0\r\n\r\n' % path)
            r = c.read_response()
            expect(r.status in (403, 404), '%r: %d' % (path, r.status))


def t_counts(before, tally0):
    after = H.read_status()
    missing = sorted(set(H.STATUS_CODES) - set(after))
    expect(not missing, 'http_status lacks codes %s' % missing)
    extra = sorted(set(after) - set(H.STATUS_CODES))
    got = H.status_delta(before, after)
    want = H.tally_delta(tally0)
    expect(got == want, 'http_status delta %s, responses received %s' %
           (dict(sorted(got.items())), dict(sorted(want.items()))))
    return 'counted %s%s' % (dict(sorted(got.items())),
                             ', extra codes %s' % extra if extra else '')


def main():
    t = H.suite('62-http-status', 300, 200)
    km = H.load_on_fixture(t)
    before = H.read_status() if H.have_status() else None
    tally0 = H.tally_snapshot()
    for name, data, allowed in PARSE_ERRORS:
        t.run(name, t_parse_error, data, allowed)
    for name, data, allowed in PATH_ERRORS:
        t.run(name, t_parse_error, data, allowed, False)
    t.run('odd but valid requests served', t_good_edge)
    t.run('HTTP/1.2-1.9 served as HTTP/1.1', t_higher_minor)
    t.run('requests just below the size limits served', t_near_limits)
    t.run('request + half-close still answered', t_half_close)
    t.run('304 If-None-Match / If-Modified-Since', t_304)
    t.run('no Last-Modified before 1970 / after 9999: IMS ignored',
          t_304_dates)
    t.run('ETag differs for mtimes past 2262', t_etag_far_future)
    t.run('206 ranges byte-exact', t_206)
    t.run('416 with Content-Range bytes */size', t_416)
    t.run('malformed or multiple Range -> 200', t_range_ignored)
    for path, allowed in TRAVERSAL:
        t.run('path %s -> %s' % (path.decode(), '/'.join(map(str, allowed))),
              t_traversal, path, allowed)
    t.run('HTTP/1.0 traversal', t_http10_traversal)
    if before is not None:
        t.run('/proc/ksrv/http_status counts match', t_counts, before, tally0)
    else:
        t.skip('/proc/ksrv/http_status counts match', 'no http_status file')
    t.run('rmmod clean', unload, 10, km)
    t.finish()


if __name__ == '__main__':
    main()
