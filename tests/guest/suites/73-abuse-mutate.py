#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""73-abuse-mutate: a request mutator against HTTP, random binary against
echo.

HTTP: valid requests (methods, ranges, conditionals, keep-alive and close,
HTTP/1.0, pipelines) mutated 1-4 times each by bit flips, inserted CR / LF /
NUL / TAB / '%' / DEL / 0xff, deleted ranges, truncation, duplicated header
lines, huge or negative numbers, long tokens (method, target, header names
and values of 1-20 KB), swapped lines, plus pure random bytes. Each goes on
its own connection (many at once, from two processes; half of them
half-close after sending). Every byte that comes back must parse as a
sequence of well-formed responses (status line, header syntax, exactly one
numeric Content-Length matching the body, Date, Server, Connection), every
status in the contract's set, parse errors with Connection: close and
nothing after them; and every connection must be ended by the server
within a deadline (header 2 s / keep-alive 2 s / idle 4 s time-outs; no
hang). Cases that fail are written to $KSRV_OUT/73-mutate-failures.txt.

Echo: random binary of random length (0..256 KiB, all byte values) sent in
random chunk sizes on many connections at once must come back exactly;
some half-close and must see EOF right after their echo.

Finally rmmod in the middle of both kinds of traffic.
"""
import collections
import errno
import os
import re
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import slack  # noqa: E402
from ksrvtest import (QUICK, Fail, Kmsg, connect, echo_many,  # noqa
                      first_diff, send_then_shutdown)
import httptest as H  # noqa
import abusetest as A  # noqa

ECHO = 24731
HTTP = 24732
SERVICES = (('echo', ECHO), ('http', HTTP))
PROCS = 2
CONCURRENCY = 64                 # connections in flight per process
# Each attack is a count, done as fast as the guest can; its time limit
# only catches a server that stalls it.
HTTP_REQUESTS = 600 if QUICK else 2500  # per process
HTTP_LIMIT = slack(40 if QUICK else 90)
ECHO_CONNS = 150 if QUICK else 600      # per process
ECHO_LIMIT = slack(30 if QUICK else 60)
MAX_LOG2 = 16 if QUICK else 18       # echo payloads up to 64 / 256 KiB
# A connection must be closed this long after its last request byte went
# out (the server's time-outs run from there).
CONN_DEADLINE = slack(12.0)
RMMOD_LIMIT = slack(15.0)
STATUS_SET = set(H.STATUS_CODES)
CLOSING = {400, 408, 413, 414, 431, 501, 505}
FAIL_FILE = os.path.join(os.environ.get('KSRV_OUT', '/tmp'),
                         '73-mutate-failures.txt')
FIGURES = {}

HOST = b'Host: 127.0.0.1:%d\r\n' % HTTP

SEEDS = [
    b'GET /hello.txt HTTP/1.1\r\n' + HOST + b'\r\n',
    b'HEAD /random.bin HTTP/1.1\r\n' + HOST + b'\r\n',
    b'GET /random.bin HTTP/1.1\r\n' + HOST +
    b'Range: bytes=100-199\r\n\r\n',
    b'GET /random.bin HTTP/1.1\r\n' + HOST + b'Range: bytes=-10\r\n'
    b'Connection: close\r\n\r\n',
    b'GET /hello.txt HTTP/1.1\r\n' + HOST +
    b'If-None-Match: "x"\r\nIf-Modified-Since: Sun, 12 Nov 2023 13:14:15 GMT'
    b'\r\n\r\n',
    b'GET /nested/ HTTP/1.1\r\n' + HOST + b'Accept: text/html\r\n\r\n',
    b'GET /nested HTTP/1.0\r\n\r\n',
    b'GET /%E6%97%A5%E6%9C%AC.txt?q=1&r=%41 HTTP/1.1\r\n' + HOST +
    b'User-Agent: mutate/1.0\r\nAccept-Encoding: gzip\r\n\r\n',
    b'GET /page.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
    b'POST /hello.txt HTTP/1.1\r\n' + HOST + b'Content-Length: 0\r\n\r\n',
    b'GET /hello.txt HTTP/1.1\r\n' + HOST + b'\r\n' +
    b'GET /page.html HTTP/1.1\r\n' + HOST + b'\r\n' +
    b'HEAD /hello.txt HTTP/1.1\r\n' + HOST + b'Connection: close\r\n\r\n',
    b'GET /nested/level1/../level1/one.txt HTTP/1.1\r\n' + HOST + b'\r\n',
    b'OPTIONS * HTTP/1.1\r\n' + HOST + b'\r\n',
    b'GET /withindex/ HTTP/1.1\r\n' + HOST + b'Cookie: a=b; c=d\r\n'
    b'X-Forwarded-For: 10.0.0.1\r\n\r\n',
]

INSERTS = (b'\r', b'\n', b'\0', b'\r\n', b'\t', b' ', b':', b'%', b'%00',
           b'%2F', b'%2e%2e/', b'\x7f', b'\xff', b'\r\n\r\n', b'\r\n ',
           b'..', b'/', b'?', b'#')
HUGE = (b'99999999999999999999999999', b'18446744073709551616',
        b'18446744073709551615', b'4294967296', b'2147483648', b'-1', b'-0',
        b'+5', b'0x10', b'1e9', b'00000000000000000000000001', b' 5 ',
        b'9223372036854775807', b'9223372036854775808')
NUM_HEADERS = (b'Content-Length: %s', b'Range: bytes=%s-', b'Range: bytes=0-%s',
               b'Range: bytes=-%s', b'Range: bytes=%s-%s',
               b'If-Modified-Since: Sun, %s Nov 2023 13:14:15 GMT',
               b'Content-Length: 0\r\nContent-Length: %s',
               b'Transfer-Encoding: chunked\r\nContent-Length: %s')
TCHARS = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _lines(data):
    return data.split(b'\r\n')


def m_bitflip(r, d):
    d = bytearray(d)
    for _ in range(r.randint(1, 8)):
        if d:
            i = r.randrange(len(d))
            d[i] ^= 1 << r.randrange(8)
    return bytes(d)


def m_insert(r, d):
    i = r.randrange(len(d) + 1)
    return d[:i] + r.choice(INSERTS) * r.choice((1, 1, 2, 3, 50)) + d[i:]


def m_delete(r, d):
    if len(d) < 2:
        return d
    i = r.randrange(len(d))
    j = min(len(d), i + r.choice((1, 1, 2, 5, 20, 200)))
    return d[:i] + d[j:]


def m_truncate(r, d):
    return d[:r.randrange(1, max(2, len(d)))]


def m_dup_header(r, d):
    ls = _lines(d)
    hdr = [i for i in range(1, len(ls)) if b':' in ls[i]]
    if not hdr:
        return d[:-2] + b'Content-Length: 5\r\nContent-Length: 6\r\n\r\n'
    i = r.choice(hdr)
    ls.insert(i, ls[i] if r.random() < 0.7 else ls[i].upper())
    return b'\r\n'.join(ls)


def m_huge_number(r, d):
    num = r.choice(HUGE)
    digits = [m for m in re.finditer(rb'\d+', d)]
    if digits and r.random() < 0.5:
        m = r.choice(digits)
        return d[:m.start()] + num + d[m.end():]
    h = r.choice(NUM_HEADERS)
    h = h % ((num,) * h.count(b'%s'))
    i = d.find(b'\r\n')
    if i < 0:
        return d + b'\r\n' + h
    return d[:i + 2] + h + b'\r\n' + d[i + 2:]


def m_long_token(r, d):
    n = r.choice((1000, 4000, 8100, 9000, 17000, 20000))
    where = r.randrange(5)
    tok = bytes(r.choice(TCHARS) for _ in range(16)) * (n // 16)
    if where == 0:                          # method
        return tok + d[d.find(b' '):] if b' ' in d else tok + d
    if where == 1:                          # target
        i = d.find(b' /')
        if i >= 0:
            return d[:i + 2] + tok + d[i + 2:]
    if where == 2:                          # header name
        i = d.find(b'\r\n')
        if i >= 0:
            return d[:i + 2] + tok + b': v\r\n' + d[i + 2:]
    if where == 3:                          # many header lines
        i = d.find(b'\r\n')
        if i >= 0:
            many = b''.join(b'X-H%d: %d\r\n' % (k, k)
                            for k in range(r.choice((99, 101, 150, 400))))
            return d[:i + 2] + many + d[i + 2:]
    i = d.find(b'\r\n')                     # header value
    if i >= 0:
        return d[:i + 2] + b'X-Long: ' + tok + b'\r\n' + d[i + 2:]
    return d + tok


def m_swap_lines(r, d):
    ls = _lines(d)
    if len(ls) < 3:
        return d
    i, j = r.randrange(len(ls)), r.randrange(len(ls))
    ls[i], ls[j] = ls[j], ls[i]
    return b'\r\n'.join(ls)


def m_case(r, d):
    ls = _lines(d)
    i = r.randrange(len(ls))
    ls[i] = ls[i].swapcase() if r.random() < 0.5 else ls[i].lower()
    return b'\r\n'.join(ls)


def m_repeat(r, d):
    return d * r.randint(2, 4)


def m_lf_only(r, d):
    return d.replace(b'\r\n', b'\n')


def m_random_tail(r, d):
    return d + r.randbytes(r.randint(1, 300))


MUTATORS = (m_bitflip, m_insert, m_delete, m_truncate, m_dup_header,
            m_huge_number, m_long_token, m_swap_lines, m_case, m_repeat,
            m_lf_only, m_random_tail)


def make_case(seed):
    """(request bytes, half-close?, what was done)."""
    r = A.rnd(seed)
    if r.random() < 0.08:
        n = r.choice((1, 10, 100, 1000, 5000))
        data = r.randbytes(n)
        what = ['random %d' % n]
    else:
        data = r.choice(SEEDS)
        what = []
        for _ in range(r.choice((1, 1, 1, 2, 2, 3, 4))):
            m = r.choice(MUTATORS)
            data = m(r, data)
            what.append(m.__name__[2:])
    if not data:
        data = b'\r\n'
    return data, r.random() < 0.5, what


# --------------------------------------------------------------------------
# Response stream checking
# --------------------------------------------------------------------------

def check_stream(buf, req):
    """Problems with the bytes received for request bytes req: [] if the
    stream is a sequence of well-formed responses. Returns (problems,
    [statuses])."""
    pos, statuses = 0, []
    may_head = b'HEAD' in req.upper()
    while pos < len(buf):
        i = buf.find(b'\r\n\r\n', pos)
        if i < 0:
            return ['incomplete response head %r' % buf[pos:pos + 120]], \
                statuses
        try:
            r = H.parse_head(bytes(buf[pos:i + 4]))
        except Fail as e:
            return ['bad head: %s' % e], statuses
        statuses.append(r.status)
        probs = []
        if r.status not in STATUS_SET:
            probs.append('status %d not in the contract' % r.status)
        cls = r.hs('content-length')
        if r.status == 304 and not cls:
            cls = ['0']     # RFC 9110 8.6: a 304 may leave it out
        if len(cls) != 1 or not cls[0].isdigit():
            probs.append('Content-Length %r' % cls)
        for h in ('date', 'server'):
            if not r.h(h):
                probs.append('no %s header' % h)
        conn = (r.h('connection') or '').lower()
        if conn not in ('keep-alive', 'close'):
            probs.append('Connection %r' % r.h('connection'))
        if r.status in CLOSING and conn != 'close':
            probs.append('%d without Connection: close' % r.status)
        if probs:
            return probs, statuses
        cl = int(cls[0])
        pos = i + 4
        rest = len(buf) - pos
        if r.status == 304:
            body = 0
        elif rest == cl or (rest > cl and buf.startswith(b'HTTP/1.', pos + cl)):
            body = cl
        elif may_head and (rest == 0 or buf.startswith(b'HTTP/1.', pos)):
            body = 0                # a HEAD response
        else:
            return ['body: Content-Length %d, %d bytes follow (%r)' %
                    (cl, rest, bytes(buf[pos + cl:pos + cl + 40]))], statuses
        pos += body
        if conn == 'close' and pos < len(buf):
            return ['%d bytes after a Connection: close response' %
                    (len(buf) - pos)], statuses
    return [], statuses


# --------------------------------------------------------------------------
# HTTP mutator (child process)
# --------------------------------------------------------------------------

class _MC:
    __slots__ = ('sock', 'data', 'sent', 'shut', 'buf', 'seed', 'what', 't0')


def _mutator(stop, idx, max_n, seconds):
    """Child: run mutated requests; returns counters and failures."""
    sel = selectors.DefaultSelector()
    live = {}
    seed = idx * 10000000
    started = 0
    cnt = collections.Counter()
    statuses = collections.Counter()
    fails = []
    end_at = time.monotonic() + seconds
    stopping = False

    def drain(c):
        """What the server sent that this loop has not read yet: 'eof',
        'rst' or None (still open). A client that fell behind (the guest
        busy elsewhere) must not blame the server for its own delay."""
        while True:
            try:
                d = c.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                return None
            except OSError:
                return 'rst'
            if not d:
                return 'eof'
            c.buf += d

    def finish(c, how):
        sel.unregister(c.sock)
        del live[c.sock]
        c.sock.close()
        cnt['end ' + how] += 1
        if how == 'hang':
            fails.append((c.seed, c.what, 'not closed within %.0fs; got %r' %
                          (CONN_DEADLINE, bytes(c.buf[:200])), c.data))
            return
        probs, sts = check_stream(c.buf, c.data)
        statuses.update(sts)
        if not sts:
            cnt['closed without response'] += 1
        if probs:
            fails.append((c.seed, c.what, '; '.join(probs) + ' / got %r' %
                          bytes(c.buf[:300]), c.data))

    while True:
        now = time.monotonic()
        if not stopping and (stop.is_set() or now > end_at):
            stopping = True
        while not stopping and started < max_n and len(live) < CONCURRENCY:
            seed += 1
            data, shut, what = make_case(seed)
            fam = 4 if seed % 3 else 6
            s = A.nb_socket(fam)
            if not A.start_connect(s, HTTP, fam):
                cnt['connect error'] += 1
                s.close()
                continue
            started += 1
            c = _MC()
            c.sock, c.data, c.sent, c.shut, c.buf = s, data, 0, shut, \
                bytearray()
            c.seed, c.what, c.t0 = seed, what, now
            live[s] = c
            sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ, c)
        if not live and (stopping or started >= max_n):
            break
        for key, ev in sel.select(0.2):
            c = key.data
            if ev & selectors.EVENT_WRITE and c.sent < len(c.data):
                try:
                    c.sent += c.sock.send(c.data[c.sent:c.sent + 65536])
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError as e:
                    # The server may close before taking all of it.
                    c.sent = len(c.data)
                    cnt['send ' + errno.errorcode.get(e.errno, '?')] += 1
                if c.sent >= len(c.data):
                    c.t0 = time.monotonic()
                    if c.shut:
                        try:
                            c.sock.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                    sel.modify(c.sock, selectors.EVENT_READ, c)
            if ev & selectors.EVENT_READ:
                try:
                    d = c.sock.recv(262144)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    finish(c, 'rst')
                    continue
                if not d:
                    finish(c, 'eof')
                    continue
                c.buf += d
        now = time.monotonic()
        for c in [c for c in live.values() if now - c.t0 > CONN_DEADLINE]:
            finish(c, drain(c) or 'hang')
    sel.close()
    return {'count': dict(cnt), 'started': started,
            'statuses': dict(statuses), 'fails': fails[:50],
            'n_fails': len(fails)}


def write_failures(fails):
    with open(FAIL_FILE, 'w') as f:
        for seed, what, why, data in fails:
            f.write('seed %d (%s): %s\n  request %r\n\n' %
                    (seed, '+'.join(what), why, data[:2000]))


def run_http_mutation():
    res = A.run_procs(_mutator, [(i, HTTP_REQUESTS, HTTP_LIMIT)
                                 for i in range(PROCS)], HTTP_LIMIT + 30)
    total, statuses = collections.Counter(), collections.Counter()
    fails, started, n_fails = [], 0, 0
    for r in res:
        if 'error' in r:
            raise Fail('mutator crashed: %s' % r['error'])
        total.update(r['count'])
        statuses.update(r['statuses'])
        fails += r['fails']
        started += r['started']
        n_fails += r['n_fails']
    FIGURES['http requests fuzzed'] = started
    note = ('%d mutated requests; connection ends: %s; statuses: %s' %
            (started, A.fmt_counts(total), A.fmt_counts(statuses)))
    if fails:
        write_failures(fails)
        raise Fail(note + '\n%d bad (first ones in %s):\n%s' % (
            n_fails, FAIL_FILE, '\n'.join(
                'seed %d %s: %s' % (s, '+'.join(w), why[:300])
                for s, w, why, _ in fails[:5])))
    if started < PROCS * HTTP_REQUESTS:
        raise Fail(note + '\n%d of %d requests started in %.0fs' %
                   (started, PROCS * HTTP_REQUESTS, HTTP_LIMIT))
    return note


# --------------------------------------------------------------------------
# Echo: random binary
# --------------------------------------------------------------------------

def _echo_rand(stop, idx, max_n, seconds):
    r = A.rnd(7300 + idx)
    end = time.monotonic() + seconds
    n_ok, n_bytes, fails = 0, 0, []
    n_conn = 0
    while n_conn < max_n and not stop.is_set() and time.monotonic() < end:
        batch = min(16, max_n - n_conn)
        payloads = []
        for _ in range(batch):
            n = int(2 ** r.uniform(0, MAX_LOG2))    # 1 B .. 256 KiB
            payloads.append(r.randbytes(n))
        socks = []
        for i in range(batch):
            try:
                socks.append(connect(ECHO, 4 if i % 2 else 6, timeout=5))
            except OSError as e:
                fails.append('connect: %s' % e)
        # Tiny write sizes only for small payloads: 7-byte writes of
        # 256 KiB take longer than the deadline under TCG.
        sizes = (1, 7, 512) if max(map(len, payloads)) <= 4096 else \
            (512, 1460, 16384, 65536)
        ok, f = echo_many(socks, payloads[:len(socks)], timeout=30,
                          chunk=r.choice(sizes))
        n_ok += ok
        fails += f
        n_bytes += sum(len(p) for p in payloads[:len(socks)])
        n_conn += len(socks)
        for s in socks:
            s.close()
        # A few half-closing ones: exact echo, then EOF.
        data = r.randbytes(r.randint(1, 1 << MAX_LOG2))
        try:
            with connect(ECHO, 4, timeout=5) as s:
                got, how = send_then_shutdown(s, data, timeout=30)
            if got != data or how != 'eof':
                fails.append('half-close: %s, ended %s' %
                             (first_diff(data, got), how))
            else:
                n_ok += 1
        except Exception as e:
            fails.append('half-close: %r' % e)
        n_conn += 1
        n_bytes += len(data)
    return {'conns': n_conn, 'ok': n_ok, 'bytes': n_bytes,
            'fails': fails[:10], 'n_fails': len(fails)}


def run_echo_random():
    res = A.run_procs(_echo_rand, [(i, ECHO_CONNS, ECHO_LIMIT)
                                   for i in range(PROCS)], ECHO_LIMIT + 40)
    conns = oks = nbytes = n_fails = 0
    fails = []
    for r in res:
        if 'error' in r:
            raise Fail('echo client crashed: %s' % r['error'])
        conns += r['conns']
        oks += r['ok']
        nbytes += r['bytes']
        fails += r['fails']
        n_fails += r['n_fails']
    FIGURES['echo random connections'] = conns
    note = '%d connections, %.1f MB, %d exact' % (conns, nbytes / 1e6, oks)
    if fails or oks != conns:
        raise Fail(note + '; %d failures: %s' % (n_fails, '; '.join(
            fails[:5])))
    if conns < PROCS * ECHO_CONNS:
        raise Fail(note + '; %d of %d connections in %.0fs' %
                   (conns, PROCS * ECHO_CONNS, ECHO_LIMIT))
    return note


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def t_rmmod_traffic(t, base0):
    name = 'rmmod in the middle of mutated and echo traffic'
    km = Kmsg()
    ps = [A.Proc(_mutator, 9, 100000, 60), A.Proc(_echo_rand, 9, 100000, 60)]
    op, (ok, msg, dt, diag) = A.rmmod_midway(SERVICES, RMMOD_LIMIT,
                                             2 if QUICK else 5)
    FIGURES['rmmod'] = dt
    for p in ps:
        p.stop()
    mres, eres = [p.result(60) for p in ps]
    probs = A.rmmod_problems(ok, msg, dt, diag, RMMOD_LIMIT)
    probs += A.crashes((mres, eres))
    # Connections cut by rmmod may end mid-response; only hangs count.
    hangs = mres.get('count', {}).get('end hang', 0)
    if hangs:
        probs.append('%d mutator connections not closed after rmmod' % hangs)
    probs += A.log_problems(km)
    note = ('%d open at rmmod, rmmod %.2fs; mutator %s requests, ends %s' %
            (op, dt, mres.get('started'),
             A.fmt_counts(mres.get('count', {}))))
    t.verdict(name + ': rmmod < %.0fs, no hang, log clean' % RMMOD_LIMIT,
              probs, note)
    A.back_to_baseline(t, 'after rmmod (vs before insmod)', base0)


FRESH = [('echo', ECHO, 'fresh'), ('http', HTTP, 'fresh')]


def main():
    t, base0 = A.suite('73-abuse-mutate', 175, 58, 'mutate', 10000)
    km = t.need('insmod', H.load_http, 'http_header_timeout=2',
                'http_keepalive_timeout=2', 'idle_timeout=4',
                services='echo:%d,http:%d' % (ECHO, HTTP), port=HTTP)
    A.case(t, 'mutated HTTP requests', run_http_mutation, FRESH, SERVICES)
    A.case(t, 'random binary echo', run_echo_random, FRESH, SERVICES)
    t_rmmod_traffic(t, base0)
    A.finish(t, FIGURES, km)


main()
