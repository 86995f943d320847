#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""71-abuse-vanish: clients that disappear at the worst moment.

- mid-request: half a request head (cut anywhere), then FIN or RST;
- mid-response: GET the 8 MiB file (sometimes pipelined, sometimes a
  range), read a random part of it, then RST (SO_LINGER 0) or FIN;
- echo clients that push up to 1 MB without reading a byte, then RST;
- slow readers: several clients reading the 8 MiB file at 1 KB/s while
  normal clients (echo, 1 MiB and small GETs) are served;
- slow readers of a 4,000-entry listing: many clients that ask for it and
  then read nothing; listings of all connections together stay within
  http_listing_memory (503 beyond it), memory measured while they wait;
- rmmod in the middle of all of the above together.
Each attack runs from several processes, bounded in count and time, while
normal clients in another process must keep being served. After each:
stats open 0, TCP inuse / memory back to the baseline, clean kernel log.
"""
import collections
import os
import shutil
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import slack  # noqa: E402
from ksrvtest import QUICK, Fail, Kmsg, expect, rst_close  # noqa
import httptest as H  # noqa
import abusetest as A  # noqa

ECHO = 24711
HTTP = 24712
SERVICES = (('echo', ECHO), ('http', HTTP))
PROCS = 2
# The vanishing clients are counts (per process, in ATTACKS), done as
# fast as the guest can; LIMIT only catches a server that stalls them.
LIMIT = slack(20 if QUICK else 45)
N_SLOW = 3 if QUICK else 6
SLOW_SECONDS = 6 if QUICK else 20
RMMOD_LIMIT = slack(15.0)
BIG = '/big.bin'
BIG_SIZE = 8 << 20
# The listing case: LIST_N entries in a directory made for it, LIST_READERS
# clients, listing memory capped at LIST_CAP_KB for them all (a few
# listings' worth). Every listing served costs LIST_N look-ups, seconds on
# the debug kernel, which runs the QUICK variant.
LIST_DIR = 'many'
LIST_N = 1000 if QUICK else 4000
LIST_READERS = 8 if QUICK else 16
LIST_CAP_KB = 512 if QUICK else 2048
# The largest send buffer while the readers wait. Loopback's 64 KiB MSS
# makes TCP start a send buffer at over 1 MB and take a whole listing in
# at once; with a 1460-byte MSS it starts at tens of KB, and a slow
# reader keeps the rest of the listing in ksrv.
LIST_WMEM_MAX = 65536
TCP_WMEM = '/proc/sys/net/ipv4/tcp_wmem'
# What else a waiting reader may cost: its two sockets' buffers, the
# server's connection, and slack for the guest's own noise.
LIST_CONN_KB = 192
FIGURES = {}


def load():
    return H.load_http('http_header_timeout=5',
                       'http_listing_memory=%d' % LIST_CAP_KB,
                       services='echo:%d,http:%d' % (ECHO, HTTP), port=HTTP)


def _conn(port, fam, timeout=5.0):
    s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                      socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(('127.0.0.1' if fam == 4 else '::1', port))
    except Exception:
        s.close()
        raise
    return s


def _vanish(s, rnd, rst_share=0.5):
    if rnd.random() < rst_share:
        rst_close(s)
        return 'rst'
    s.close()
    return 'fin'


# --------------------------------------------------------------------------
# Attackers (child processes): fn(stop, idx, max_n) -> counters
# --------------------------------------------------------------------------

HEADS = [
    H.req('/hello.txt', headers=['User-Agent: vanish', 'Accept: */*']),
    H.req('/big.bin', headers=['Range: bytes=100-200000',
                               'X-Filler: ' + 'f' * 700]),
    H.req('/nested/', method='HEAD'),
    H.req('/random.bin', version='1.0', host=False,
          headers=['Connection: keep-alive']),
]


def _mid_request(stop, idx, max_n):
    rnd = A.rnd(7100 + idx)
    cnt = collections.Counter()
    i = 0
    while i < max_n and not stop.is_set():
        i += 1
        head = HEADS[i % len(HEADS)]
        cut = rnd.randrange(0, len(head) - 2)
        try:
            s = _conn(HTTP, 4 if i % 3 else 6)
        except OSError as e:
            cnt['connect ' + type(e).__name__] += 1
            continue
        try:
            if cut:
                # Sometimes in two pieces, to land in different reads.
                k = rnd.randrange(0, cut + 1)
                s.send(head[:k])
                if k < cut:
                    time.sleep(0.005)
                    s.send(head[k:cut])
            if rnd.random() < 0.3:
                time.sleep(rnd.random() * 0.05)
        except OSError as e:
            cnt['send ' + type(e).__name__] += 1
        cnt[_vanish(s, rnd)] += 1
    return dict(cnt)


def _mid_response(stop, idx, max_n):
    rnd = A.rnd(7200 + idx)
    cnt = collections.Counter()
    got_total = 0
    i = 0
    while i < max_n and not stop.is_set():
        i += 1
        try:
            s = _conn(HTTP, 4 if i % 2 else 6, timeout=10)
        except OSError as e:
            cnt['connect ' + type(e).__name__] += 1
            continue
        kind = i % 4
        if kind == 0:
            data = H.req(BIG) * 2
        elif kind == 1:
            data = H.req(BIG, headers=['Range: bytes=1000-'])
        else:
            data = H.req(BIG)
        want = rnd.choice((1, 1024, 65536, 500000, 2 << 20,
                           rnd.randrange(1, 4 << 20)))
        got = 0
        try:
            s.sendall(data)
            while got < want:
                d = s.recv(min(262144, want - got))
                if not d:
                    cnt['early eof'] += 1
                    break
                got += len(d)
        except OSError as e:
            cnt['io ' + type(e).__name__] += 1
        got_total += got
        # Mostly RST, the nasty case: the server's queued data is dropped.
        cnt[_vanish(s, rnd, 0.75)] += 1
    cnt['bytes'] = got_total
    return dict(cnt)


def _echo_push(stop, idx, max_n):
    """Send up to 1 MB without reading, then RST."""
    rnd = A.rnd(7300 + idx)
    cnt = collections.Counter()
    blk = rnd.randbytes(65536)
    pushed = 0
    i = 0
    while i < max_n and not stop.is_set():
        i += 1
        try:
            s = _conn(ECHO, 4 if i % 2 else 6)
        except OSError as e:
            cnt['connect ' + type(e).__name__] += 1
            continue
        s.settimeout(0.5)
        sent = 0
        try:
            while sent < (1 << 20):
                sent += s.send(blk[:min(len(blk), (1 << 20) - sent)])
        except socket.timeout:
            cnt['blocked'] += 1         # flow control: the expected case
        except OSError as e:
            cnt['send ' + type(e).__name__] += 1
        else:
            cnt['all sent'] += 1
        pushed += sent
        rst_close(s)
        cnt['rst'] += 1
    cnt['bytes'] = pushed
    return dict(cnt)


def _slow_reader(stop, idx, max_n):
    """Read the 8 MiB file at 1 KB/s until stopped; report how it ended.
    After stop: wait (up to 20 s) for the server to close (only when
    max_n == 1, i.e. rmmod mode), else RST."""
    s = socket.socket(socket.AF_INET if idx % 2 == 0 else socket.AF_INET6,
                      socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(('127.0.0.1' if idx % 2 == 0 else '::1', HTTP))
    s.sendall(H.req(BIG))
    t0 = time.monotonic()
    got, end = 0, None
    head = b''
    while not stop.is_set():
        try:
            d = s.recv(1024)
        except socket.timeout:
            end = 'stalled 10s'
            break
        except OSError as e:
            end = type(e).__name__
            break
        if not d:
            end = 'eof'
            break
        if len(head) < 16:
            head += d[:16]
        got += len(d)
        stop.wait(1.0)
    res = {'got': got, 'end': end, 'head': head[:12].decode('latin-1'),
           'secs': time.monotonic() - t0}
    if max_n == 1 and end is None:
        # rmmod mode: the server must close; drain what was queued.
        dl = time.monotonic() + 20
        end = 'open 20s after stop'
        while time.monotonic() < dl:
            try:
                d = s.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError:
                end = 'rst'
                break
            if not d:
                end = 'eof'
                break
        res['after'] = end
        s.close()
    else:
        rst_close(s)
    return res


ATTACKS = {
    'mid-request': (_mid_request, 600 if not QUICK else 150),
    'mid-response': (_mid_response, 120 if not QUICK else 25),
    'echo-push': (_echo_push, 60 if not QUICK else 12),
}


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def case(t, name, attack, probes):
    A.case(t, name, attack, probes, SERVICES, name + ': attack ran')


FRESH = [('echo', ECHO, 'fresh'), ('http', HTTP, 'fresh')]


def run_attack(kind):
    fn, max_n = ATTACKS[kind]
    t0 = time.monotonic()
    res = A.run_procs(fn, [(i, max_n) for i in range(PROCS)], LIMIT)
    dt = time.monotonic() - t0
    tot = collections.Counter()
    for r in res:
        if 'error' in r:
            raise Fail('attacker crashed: %s' % r['error'])
        tot.update(r)
    n = sum(v for k, v in tot.items() if k in ('fin', 'rst'))
    FIGURES[kind] = n
    tried = n + sum(v for k, v in tot.items() if k.startswith('connect '))
    if tried < PROCS * max_n:
        raise Fail('%d of %d clients ran in %.0fs (%s)' %
                   (tried, PROCS * max_n, LIMIT, A.fmt_counts(tot)))
    return '%d clients in %.1fs: %s' % (n, dt, A.fmt_counts(tot))


def run_echo_push():
    note = run_attack('echo-push')
    return note


def run_slow_readers():
    """Slow readers plus the normal probers; returns a note."""
    ps = [A.Proc(_slow_reader, i, 0) for i in range(N_SLOW)]
    time.sleep(SLOW_SECONDS)
    for p in ps:
        p.stop()
    res = [p.result(30) for p in ps]
    probs = []
    for i, r in enumerate(res):
        if 'error' in r:
            probs.append('reader %d crashed: %s' % (i, r['error']))
        elif r['end'] is not None:
            probs.append('reader %d ended early (%s after %.1fs, %d bytes '
                         'read)' % (i, r['end'], r['secs'], r['got']))
        elif not r['head'].startswith('HTTP/1.1 200'):
            probs.append('reader %d got %r' % (i, r['head']))
        elif r['got'] < 1024 * (SLOW_SECONDS // 2):
            probs.append('reader %d got only %d bytes' % (i, r['got']))
    if probs:
        raise Fail('; '.join(probs))
    FIGURES['slow readers'] = N_SLOW
    return '%d slow readers, %s bytes each in %ds' % (
        N_SLOW, [r['got'] for r in res], SLOW_SECONDS)


def _list_dir(make):
    """Create (or remove) the listing case's directory in the fixture."""
    d = H.fs_path(LIST_DIR)
    if not make:
        shutil.rmtree(d, ignore_errors=True)
        return
    os.makedirs(d, exist_ok=True)
    one = os.path.join(d, 'entry-0000-abcdefg.txt')
    open(one, 'w').close()
    for i in range(1, LIST_N):
        # Names of 30 bytes, some with characters the page must escape;
        # links to one file are the cheapest entries to make.
        os.link(one, os.path.join(d, 'entry-%04d-%s.txt' % (
            i, 'a&b <c>' if i % 10 == 0 else 'abcdefg')))


def _list_prepare(t):
    """Before any baseline: the directory's inodes are the fixture's, not
    a leak."""
    _list_dir(True)
    t.cleanups.append(lambda: _list_dir(False))


def _list_request(s):
    """GET the listing on s; returns its parsed head (body not read)."""
    s.sendall(H.req('/%s/' % LIST_DIR))
    buf = b''
    while b'\r\n\r\n' not in buf:
        d = s.recv(4096)
        expect(d, 'closed before the response head (%r)' % buf[:200])
        buf += d
    return H.parse_head(buf[:buf.index(b'\r\n\r\n') + 4])


def run_listing_readers():
    """LIST_READERS clients ask for the listing and read nothing more
    while memory is measured; returns a note."""
    with open(TCP_WMEM) as f:
        wmem = f.read()
    base = A.Snap()
    socks, heads = [], []
    try:
        with open(TCP_WMEM, 'w') as f:
            f.write('%s %s %d' % tuple(wmem.split()[:2] + [LIST_WMEM_MAX]))
        for i in range(LIST_READERS):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.settimeout(slack(10))
            socks.append(s)
            s.connect(('127.0.0.1', HTTP))
            heads.append(_list_request(s))
        A.settle(0.5)
        held = A.Snap()
    finally:
        for s in socks:
            s.close()
        with open(TCP_WMEM, 'w') as f:
            f.write(wmem)
    codes = collections.Counter(r.status for r in heads)
    ok = [r for r in heads if r.status == 200]
    busy = [r for r in heads if r.status == 503]
    expect(len(ok) + len(busy) == len(heads), 'statuses %s' % dict(codes))
    expect(ok, 'no listing served at all (%s)' % dict(codes))
    expect(busy, 'no 503: %d listings of %s bytes did not reach a cap of '
           '%d KiB' % (len(ok), ok[0].h('content-length'), LIST_CAP_KB))
    expect(all(r.h('retry-after') == '1' for r in busy),
           '503 without Retry-After: 1')
    size = int(ok[0].h('content-length'))
    expect(len(ok) * size <= LIST_CAP_KB << 10,
           '%d listings of %d bytes held, cap %d KiB' %
           (len(ok), size, LIST_CAP_KB))
    used = base.avail - held.avail - (held.rss - base.rss)
    bound = LIST_CAP_KB + LIST_READERS * LIST_CONN_KB + A.KASAN_QUARANTINE_KB
    expect(used <= bound, 'waiting readers took %d KiB, more than %d KiB '
           '(cap %d KiB + %d KiB per reader%s)' %
           (used, bound, LIST_CAP_KB, LIST_CONN_KB,
            ' + KASAN quarantine' if A.KASAN_QUARANTINE_KB else ''))
    # Once they are gone, the listing memory is free again.
    r, _ = H.exchange(H.req('/%s/' % LIST_DIR), timeout=slack(10), port=HTTP)
    expect(r.status == 200 and len(r.body) == size,
           'after the readers: %d, %d bytes' % (r.status, len(r.body)))
    FIGURES['listing readers'] = (len(ok), len(busy), size, used)
    return ('%d readers of a %d-entry listing (%d bytes): %d served, %d '
            'got 503; %d KiB held while they waited (bound %d KiB)' %
            (LIST_READERS, LIST_N, size, len(ok), len(busy), used, bound))


def t_rmmod_middle(t, base0):
    name = 'rmmod in the middle'
    km = Kmsg()
    slow = [A.Proc(_slow_reader, i, 1) for i in range(N_SLOW)]
    att = []
    for kind in ('mid-request', 'mid-response', 'echo-push'):
        fn, max_n = ATTACKS[kind]
        att.append(A.Proc(fn, 0, max_n * 10))
    op, (ok, msg, dt, diag) = A.rmmod_midway(SERVICES, RMMOD_LIMIT,
                                             2 if QUICK else 5)
    FIGURES['rmmod'] = dt
    for p in slow + att:
        p.stop()
    sres = [p.result(40) for p in slow]
    ares = [p.result(30) for p in att]
    probs = A.rmmod_problems(ok, msg, dt, diag, RMMOD_LIMIT)
    probs += A.crashes(sres + ares)
    for i, r in enumerate(sres):
        if r.get('after') not in ('eof', 'rst') and r.get('end') is None:
            probs.append('slow reader %d: %s' % (i, r.get('after')))
    probs += A.log_problems(km)
    note = ('%d open at rmmod, rmmod %.2fs; slow readers ended: %s' %
            (op, dt, [r.get('after', r.get('end')) for r in sres]))
    t.verdict(name + ': rmmod < %.0fs, clients closed, log clean' %
              RMMOD_LIMIT, probs, note)
    A.back_to_baseline(t, name + ' (vs before insmod)', base0)


def main():
    t, base0 = A.suite('71-abuse-vanish', 215, 85, 'abuse vanish', 10000,
                       prepare=_list_prepare)
    km = t.need('insmod', load)
    case(t, 'vanish mid-request', lambda: run_attack('mid-request'), FRESH)
    case(t, 'vanish mid-response', lambda: run_attack('mid-response'), FRESH)
    case(t, 'echo 1 MB then RST unread', run_echo_push, FRESH)
    case(t, 'slow readers of 8 MiB', run_slow_readers,
         FRESH + [('http', HTTP, 'fresh', '/random.bin')])
    case(t, 'slow readers of a %d-entry listing' % LIST_N,
         run_listing_readers, FRESH)
    t_rmmod_middle(t, base0)
    A.finish(t, FIGURES, km)


main()
