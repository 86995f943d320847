#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers for the ksrv HTTP suites (tests/guest/suites/60-http-*).

Raw-socket HTTP/1.x client with a strict response parser (so the tests see
exactly what the server sent, and send exactly the bytes they mean to), the
document-root fixture (www-fixture.sh), expectations derived from it, and
/proc/ksrv/http_status readers.  Only the Debian python3 standard library
is used here; 63-http-conn additionally uses python3-h11.
"""

import email.utils
import hashlib
import html
import html.parser
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ksrvtest import (FAKE, Fail, Skip, Suite, deadline, expect,  # noqa
                      load, modinfo_text, port_listening, recv_until_close,
                      tcp_state, wait_for)

HERE = os.path.dirname(os.path.abspath(__file__))
# Overridable for host-side development against a stand-in server.
PORT = int(os.environ.get('KSRVTEST_HTTP_PORT', '8081'))
ECHO_PORT = int(os.environ.get('KSRVTEST_ECHO_PORT', '12345'))
BASE = os.environ.get('KSRV_WWW', '/tmp/ksrv-www')
ROOT = os.path.join(BASE, 'root')
OUTSIDE = os.path.join(BASE, 'outside.txt')
STATUS_PATH = '/proc/ksrv/http_status'
STATUS_CODES = (200, 206, 301, 304, 400, 403, 404, 405, 408, 413, 414, 416,
                431, 500, 501, 503, 505)
HTTP_PARAMS = ('http_enable', 'http_root', 'http_header_timeout',
               'http_keepalive_timeout', 'http_max_requests', 'http_listing')

# Strings that must never show up in any response: contents of files
# outside the root and of hidden files.
SECRETS = (b'OUTSIDE-ROOT-SECRET', b'TOPSECRET', b'root:x:0:0')

# Every response the suites parse, by status (compared with http_status).
TALLY = {}

IMF_RE = re.compile(r'^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d '
                    r'(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) '
                    r'\d{4} \d\d:\d\d:\d\d GMT$')
STATUS_LINE_RE = re.compile(rb'^HTTP/1\.([01]) ([1-5]\d\d) ([^\r\n]*)$')
TOKEN_RE = re.compile(rb"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

MIME = {
    'html': 'text/html', 'htm': 'text/html', 'css': 'text/css',
    'js': 'text/javascript', 'json': 'application/json',
    'txt': 'text/plain', 'svg': 'image/svg+xml', 'png': 'image/png',
}
MIME_ALT = {'js': ('text/javascript', 'application/javascript')}
DEFAULT_MIME = 'application/octet-stream'


# --------------------------------------------------------------------------
# Module / fixture
# --------------------------------------------------------------------------

def http_built():
    """True when the module under test has the HTTP plug-in."""
    if FAKE:
        return True
    return re.search(r'^parm:\s+http_root:', modinfo_text(), re.M) is not None


def require_http():
    if not http_built():
        raise Skip('module has no HTTP plug-in (no http_root parameter)')


def suite(name, limit, quick_limit):
    """The Suite of an HTTP suite; it ends at once, skipped, when the
    module has no HTTP plug-in."""
    t = Suite(name, limit, quick_limit)
    t.need('http suite', require_http)
    return t


def fixture(force=False):
    """Build (or reuse) the document-root fixture; returns ROOT."""
    cmd = [os.path.join(HERE, 'www-fixture.sh')]
    if force:
        cmd.append('-f')
    cmd.append(BASE)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise Fail('www-fixture.sh failed: %s' % p.stderr.strip())
    return ROOT


def load_http(*params, port=PORT, services=None, root=None):
    """Load ksrv with an http service on the fixture; wait for the port."""
    services = services or 'echo:%d,http:%d' % (ECHO_PORT, port)
    args = ['services=' + services, 'http_root=' + (root or ROOT)]
    args += list(params)
    km = load(*args)
    expect(wait_for(lambda: port_listening(port), 5.0),
           'port %d not listening after insmod' % port)
    return km


def load_on_fixture(t):
    """Build the fixture and load http on it: one result of suite t,
    which ends if that fails. Returns the load's Kmsg."""
    def build_and_load():
        fixture()
        return load_http()
    name = 'load http with the fixture'
    km = t.need(name, build_and_load)
    t.ok(name)
    return km


# --------------------------------------------------------------------------
# Fixture model: what the server should serve
# --------------------------------------------------------------------------

def rel_url(rel, is_dir=False):
    """URL path for a fixture-relative path (UTF-8, every segment quoted)."""
    if rel in ('', '.'):
        return '/'
    segs = rel.split('/')
    u = '/' + '/'.join(urllib.parse.quote(s, safe='') for s in segs)
    return u + '/' if is_dir else u


def fs_path(rel):
    return os.path.join(ROOT, rel) if rel else ROOT


def inside_root(path):
    real = os.path.realpath(path)
    root = os.path.realpath(ROOT)
    return real == root or real.startswith(root + '/')


def entry_kind(rel):
    """'file', 'dir', 'hidden', 'outside', 'special' or 'missing'."""
    if any(s.startswith('.') for s in rel.split('/') if s):
        return 'hidden'
    p = fs_path(rel)
    if os.path.islink(p) and not inside_root(p):
        return 'outside'
    if not os.path.lexists(p):
        return 'missing'
    if not os.path.exists(p):
        return 'outside'        # dangling
    if os.path.isdir(p):
        return 'dir'
    if os.path.isfile(p):
        return 'file'
    return 'special'


def listing_expect(rel_dir):
    """(must-list names {name: is_dir}, must-not-list names, may-list names)."""
    must, never, may = {}, set(), set()
    for name in sorted(os.listdir(fs_path(rel_dir))):
        rel = (rel_dir + '/' + name) if rel_dir else name
        k = entry_kind(rel)
        if k == 'hidden':
            never.add(name)
        elif k in ('file', 'dir'):
            must[name] = (k == 'dir')
        else:
            may.add(name)       # fifo, symlinks leading outside
    return must, never, may


def walk_served():
    """Every servable path: ([file rels], [dir rels]); '' is the root."""
    files, dirs = [], ['']
    todo = ['']
    while todo:
        d = todo.pop()
        for name in sorted(os.listdir(fs_path(d))):
            rel = (d + '/' + name) if d else name
            k = entry_kind(rel)
            if k == 'file':
                files.append(rel)
            elif k == 'dir' and not os.path.islink(fs_path(rel)):
                dirs.append(rel)
                todo.append(rel)
    return files, dirs


def has_index(rel_dir):
    return os.path.isfile(os.path.join(fs_path(rel_dir), 'index.html'))


def file_bytes(rel):
    with open(fs_path(rel), 'rb') as f:
        return f.read()


def mime_for(rel):
    name = rel.rsplit('/', 1)[-1]
    if '.' not in name.lstrip('.'):
        return (DEFAULT_MIME,)
    ext = name.rsplit('.', 1)[1].lower()
    if ext in MIME_ALT:
        return MIME_ALT[ext]
    return (MIME.get(ext, DEFAULT_MIME),)


# The last second an HTTP-date can name: 9999-12-31T23:59:59Z.
HTTP_DATE_MAX = 253402300799


def http_date(ts):
    return email.utils.formatdate(ts, usegmt=True)


def last_modified(ts):
    """The Last-Modified a file with mtime ts must get, or None for a time
    before 1970 or after 9999, which no HTTP-date can say."""
    ts = int(ts // 1)
    return http_date(ts) if 0 <= ts <= HTTP_DATE_MAX else None


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------
# Raw client
# --------------------------------------------------------------------------

def req(path, method='GET', version='1.1', headers=None, host=True):
    """Build request bytes; path is sent exactly as given (str or bytes)."""
    if isinstance(path, str):
        path = path.encode('utf-8')
    out = b'%s %s HTTP/%s\r\n' % (method.encode(), path, version.encode())
    if host:
        out += b'Host: 127.0.0.1:%d\r\n' % PORT
    for h in headers or ():
        if isinstance(h, str):
            h = h.encode('utf-8')
        out += h + b'\r\n'
    return out + b'\r\n'


class Resp:
    def __init__(self, version, status, reason, headers, body, head_raw):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers          # [(lower name, value)]
        self.body = body
        self.head_raw = head_raw

    def h(self, name):
        vals = self.hs(name)
        return vals[0] if vals else None

    def hs(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    def conn_close(self):
        v = (self.h('connection') or '').lower()
        return 'close' in [t.strip() for t in v.split(',')]

    def __repr__(self):
        return '<%d %s, %d body bytes, %s>' % (
            self.status, self.reason, len(self.body),
            ', '.join('%s: %s' % kv for kv in self.headers)[:300])


class Conn:
    """One client connection with a receive buffer; every call is bounded."""

    def __init__(self, port=PORT, fam=4, timeout=10.0):
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        self.sock = socket.socket(af, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.timeout = timeout
        try:
            self.sock.connect(('127.0.0.1' if fam == 4 else '::1', port))
        except Exception:
            self.sock.close()
            raise
        self.buf = bytearray()
        self.eof = False

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data, timeout=None):
        dl = deadline(timeout or self.timeout)
        mv = memoryview(data)
        while mv:
            self.sock.settimeout(max(0.01, dl - time.monotonic()))
            n = self.sock.send(mv[:65536])
            mv = mv[n:]

    def _timeout(self):
        return Fail('timeout waiting for response data (have %d bytes: %r; '
                    '%s)' % (len(self.buf), bytes(self.buf[:200]),
                             tcp_state(self.sock)))

    def _fill(self, dl):
        """Read more into buf; False on EOF/RST. Raises Fail on timeout."""
        if self.eof:
            return False
        t = dl - time.monotonic()
        if t <= 0:
            raise self._timeout()
        self.sock.settimeout(t)
        try:
            d = self.sock.recv(1 << 20)
        except socket.timeout:
            raise self._timeout()
        except ConnectionResetError:
            d = b''
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def read_response(self, head=False, timeout=None, max_body=1 << 30):
        """Parse one response strictly; raises Fail on protocol errors."""
        dl = deadline(timeout or self.timeout)
        while True:
            i = self.buf.find(b'\r\n\r\n')
            if i >= 0:
                break
            expect(len(self.buf) < 65536, 'response head > 64 KiB')
            if not self._fill(dl):
                raise Fail('connection closed before a complete response '
                           'head (got %r)' % bytes(self.buf[:200]))
        raw = bytes(self.buf[:i + 4])
        del self.buf[:i + 4]
        r = parse_head(raw)
        if head or r.status in (204, 304) or r.status < 200:
            r.body = b''
        else:
            cl = r.h('content-length')
            if cl is None:
                while self._fill(dl):
                    expect(len(self.buf) <= max_body, 'body too long')
                r.body = bytes(self.buf)
                self.buf.clear()
            else:
                n = int(cl)
                while len(self.buf) < n:
                    if not self._fill(dl):
                        raise Fail('EOF after %d of %d body bytes (%d %s)' %
                                   (len(self.buf), n, r.status, r.reason))
                r.body = bytes(self.buf[:n])
                del self.buf[:n]
        TALLY[r.status] = TALLY.get(r.status, 0) + 1
        for s in SECRETS:
            expect(s not in r.body and s not in raw,
                   'response contains secret %r' % s)
        return r

    def wait_close(self, timeout=5.0):
        """After a response: 'eof', 'rst', 'timeout' or 'data' (extra)."""
        if self.buf:
            return 'data'
        if self.eof:
            return 'eof'
        dl = deadline(timeout)
        while True:
            t = dl - time.monotonic()
            if t <= 0:
                return 'timeout'
            self.sock.settimeout(t)
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                return 'timeout'
            except ConnectionResetError:
                self.eof = True
                return 'rst'
            if not d:
                self.eof = True
                return 'eof'
            self.buf += d
            return 'data'


def parse_head(raw):
    expect(raw.endswith(b'\r\n\r\n'), 'head does not end with CRLFCRLF')
    lines = raw[:-4].split(b'\r\n')
    for ln in lines:
        expect(b'\n' not in ln and b'\r' not in ln,
               'bare CR/LF in response head: %r' % ln)
    m = STATUS_LINE_RE.match(lines[0])
    expect(m, 'bad status line %r' % lines[0])
    headers = []
    for ln in lines[1:]:
        name, sep, val = ln.partition(b':')
        expect(sep and TOKEN_RE.match(name),
               'bad header line %r' % ln)
        headers.append((name.decode('ascii').lower(),
                        val.strip(b' \t').decode('latin-1')))
    return Resp('1.' + m.group(1).decode(), int(m.group(2)),
                m.group(3).decode('latin-1'), headers, b'', raw)


def exchange(data, head=False, timeout=10.0, port=PORT, fam=4):
    """Send data on a new connection, parse one response.

    Returns (resp, how the connection then ended within 3 s or
    'open')."""
    with Conn(port, fam, timeout) as c:
        c.send(data)
        r = c.read_response(head=head)
        if r.conn_close():
            how = c.wait_close(3.0)
        else:
            how = 'open'
        return r, how


def get(path, method='GET', headers=None, version='1.1', timeout=10.0):
    r, _ = exchange(req(path, method, version, headers),
                    head=(method == 'HEAD'), timeout=timeout)
    return r


def raw_exchange(data, timeout=5.0, port=PORT):
    """Send arbitrary bytes; read everything until close or timeout.

    Returns (all bytes, 'eof'|'rst'|'timeout')."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return recv_until_close(s, deadline(timeout))


def first_status(data):
    m = re.match(rb'HTTP/1\.[01] (\d\d\d) ', data)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------
# Response checks
# --------------------------------------------------------------------------

def check_date(v, what='Date'):
    expect(v is not None, 'no %s header' % what)
    expect(IMF_RE.match(v), '%s not IMF-fixdate: %r' % (what, v))
    return email.utils.parsedate_to_datetime(v).timestamp()


def check_common(r, head=False):
    """Headers every response must carry."""
    d = check_date(r.h('date'))
    expect(abs(d - time.time()) < 120, 'Date %r far from now' % r.h('date'))
    srv = r.h('server')
    expect(srv is not None and (FAKE or srv.startswith('ksrv')),
           'Server header %r' % srv)
    cls = r.hs('content-length')
    if r.status == 304 and not cls:
        cls = ['0']     # RFC 9110 8.6: optional (and then not 0) on a 304
    expect(len(cls) == 1, 'Content-Length headers: %r' % cls)
    expect(re.match(r'^\d+$', cls[0]), 'bad Content-Length %r' % cls[0])
    if not head and r.status not in (204, 304):
        expect(int(cls[0]) == len(r.body),
               'Content-Length %s, body %d' % (cls[0], len(r.body)))
    conn = (r.h('connection') or '').lower()
    expect(conn in ('keep-alive', 'close'),
           'Connection header %r' % r.h('connection'))
    expect(not r.hs('transfer-encoding'), 'Transfer-Encoding in response')


def check_file_resp(r, rel, head=False):
    """A 200 for fixture file rel: exact body and entity headers."""
    expect(r.status == 200, 'status %d %s, want 200' % (r.status, r.reason))
    check_common(r, head)
    data = file_bytes(rel)
    expect(int(r.h('content-length')) == len(data),
           'Content-Length %s, file has %d' % (r.h('content-length'),
                                              len(data)))
    if not head:
        expect(r.body == data, 'body differs from file (%d vs %d bytes, '
               'sha %s vs %s)' % (len(r.body), len(data), sha256(r.body),
                                  sha256(data)))
    ct = (r.h('content-type') or '').split(';')[0].strip().lower()
    expect(ct in mime_for(rel), 'Content-Type %r for %s, want %s' %
           (r.h('content-type'), rel, ' or '.join(mime_for(rel))))
    lm = r.h('last-modified')
    want = last_modified(os.stat(fs_path(rel)).st_mtime)
    if want is not None:
        check_date(lm, 'Last-Modified')
    expect(r.hs('last-modified') == ([want] if want else []),
           'Last-Modified %r, want %r' % (r.hs('last-modified'), want))
    et = r.h('etag')
    expect(et and re.match(r'^"[\x21\x23-\x7e]*"$', et),
           'ETag %r not a strong quoted tag' % et)
    expect((r.h('accept-ranges') or '').lower() == 'bytes',
           'Accept-Ranges %r' % r.h('accept-ranges'))


# --------------------------------------------------------------------------
# Directory listings
# --------------------------------------------------------------------------

class _Anchors(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links = []         # [href, text]
        self.tags = []
        self._cur = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == 'a':
            href = dict(attrs).get('href')
            self._cur = [href, '']
            self.links.append(self._cur)

    def handle_endtag(self, tag):
        if tag == 'a':
            self._cur = None

    def handle_data(self, data):
        if self._cur is not None:
            self._cur[1] += data


def parse_listing(body, dir_url):
    """[(absolute URL path (quoted), decoded path str, link text)]."""
    text = body.decode('utf-8')
    p = _Anchors()
    p.feed(text)
    p.close()
    out = []
    for href, label in p.links:
        if href is None:
            continue
        url = urllib.parse.urljoin('http://127.0.0.1:%d%s' % (PORT, dir_url),
                                   href)
        sp = urllib.parse.urlsplit(url)
        if sp.netloc != '127.0.0.1:%d' % PORT:
            continue
        out.append((sp.path, urllib.parse.unquote(sp.path, errors='strict'),
                    label.strip(), href))
    return out, p.tags


def check_listing(r, rel_dir):
    """Listing of fixture dir rel_dir: every entry, escaped, no hidden one.

    Returns [(name, quoted URL path, is_dir)] for the listed entries."""
    expect(r.status == 200, 'listing status %d' % r.status)
    check_common(r)
    ct = (r.h('content-type') or '').split(';')[0].strip().lower()
    expect(ct == 'text/html', 'listing Content-Type %r' % r.h('content-type'))
    dir_url = rel_url(rel_dir, True)
    dir_path = urllib.parse.unquote(dir_url)
    links, _ = parse_listing(r.body, dir_url)
    must, never, may = listing_expect(rel_dir)
    found = {}
    probs = []
    for qpath, path, label, href in links:
        if not path.startswith(dir_path) or path == dir_path:
            continue            # parent / self / other navigation links
        rest = path[len(dir_path):]
        is_dir = rest.endswith('/')
        name = rest.rstrip('/')
        if '/' in name:
            continue
        found[name] = (qpath, is_dir, label, href)
    for name, is_dir in must.items():
        if name not in found:
            probs.append('missing entry %r' % name)
            continue
        qpath, ldir, label, href = found[name]
        want_label = (name, name + '/')
        if label not in want_label:
            probs.append('link text %r for %r' % (label, name))
        if is_dir and not ldir:
            probs.append('directory %r linked without trailing slash '
                         '(href %r)' % (name, href))
    for name in never:
        if name in found:
            probs.append('hidden entry %r listed' % name)
    text = r.body.decode('utf-8', 'replace')
    for name in list(must) + list(never):
        # Names with markup characters must never appear unescaped.
        if any(c in name for c in '<>&"') and name in text:
            probs.append('name %r appears unescaped' % name)
    for name in found:
        if name not in must and name not in may:
            probs.append('unexpected entry %r' % name)
    expect(not probs, '; '.join(probs[:10]))
    return [(n, found[n][0], found[n][1]) for n in found if n in must]


# --------------------------------------------------------------------------
# /proc/ksrv/http_status
# --------------------------------------------------------------------------

def have_status():
    return not FAKE and os.path.exists(STATUS_PATH)


def read_status():
    """{status: count}; raises Fail on a malformed file."""
    with open(STATUS_PATH) as f:
        lines = f.read().splitlines()
    expect(lines and lines[0].split() == ['status', 'count'],
           'bad http_status header %r' % (lines[:1],))
    res = {}
    for ln in lines[1:]:
        f = ln.split()
        if not f:
            continue
        expect(len(f) == 2 and f[0].isdigit() and f[1].isdigit(),
               'bad http_status line %r' % ln)
        res[int(f[0])] = int(f[1])
    return res


def status_delta(before, after):
    return {k: after.get(k, 0) - before.get(k, 0)
            for k in set(before) | set(after)
            if after.get(k, 0) != before.get(k, 0)}


def tally_snapshot():
    return dict(TALLY)


def tally_delta(before):
    return {k: TALLY.get(k, 0) - before.get(k, 0) for k in TALLY
            if TALLY.get(k, 0) != before.get(k, 0)}


def dmesg_count():
    """Number of kernel log records so far (for "no per-request log")."""
    try:
        p = subprocess.run(['dmesg'], capture_output=True, timeout=10)
        return len(p.stdout.splitlines())
    except (OSError, subprocess.TimeoutExpired):
        return 0
