#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""71-abuse-vanish: clients that disappear at the worst moment.

- mid-request: half a request head (cut anywhere), then FIN or RST;
- mid-response: GET the 8 MiB file (sometimes pipelined, sometimes a
  range), read a random part of it, then RST (SO_LINGER 0) or FIN;
- echo clients that push up to 1 MB without reading a byte, then RST;
- slow readers: several clients reading the 8 MiB file at 1 KB/s while
  normal clients (echo, 1 MiB and small GETs) are served;
- rmmod in the middle of all of the above together.
Each attack runs from several processes, bounded in count and time, while
normal clients in another process must keep being served. After each:
stats open 0, TCP inuse / memory back to the baseline, clean kernel log.
"""
import collections
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import slack  # noqa: E402
from ksrvtest import QUICK, Fail, Kmsg, rst_close  # noqa
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
FIGURES = {}


def load():
    return H.load_http('http_header_timeout=5',
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
    t, base0 = A.suite('71-abuse-vanish', 175, 58, 'abuse vanish', 10000)
    km = t.need('insmod', load)
    case(t, 'vanish mid-request', lambda: run_attack('mid-request'), FRESH)
    case(t, 'vanish mid-response', lambda: run_attack('mid-response'), FRESH)
    case(t, 'echo 1 MB then RST unread', run_echo_push, FRESH)
    case(t, 'slow readers of 8 MiB', run_slow_readers,
         FRESH + [('http', HTTP, 'fresh', '/random.bin')])
    t_rmmod_middle(t, base0)
    A.finish(t, FIGURES, km)


main()
