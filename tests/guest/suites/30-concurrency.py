#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""30-concurrency: many simultaneous clients.

- an idle client connected first does not block anybody;
- 200 (QUICK: 50) clients each stream their own data and get exactly it;
- a client that only sends and never reads is throttled by TCP flow
  control (the server must not buffer without bound), others are still
  served, and rmmod closes it;
- 10,000 (QUICK: 1,000) connections open at once all get their own
  message echoed; then rmmod with all of them open is fast.
"""
import os
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (QUICK, DISPATCH_MODES, Fail, Suite, close_all, connect,
                      echo_many, echo_once, ensure_unloaded, expect,
                      have_stats, load, log, meminfo, open_many, peer_closed,
                      raise_nofile, rand_bytes, recv_until_close, stat,
                      tcp_inuse, unload, wait_inuse, wait_stat, deadline)

PORT = 12370
N_CLIENTS = 50 if QUICK else 200
CLIENT_BYTES = 8192 if QUICK else 32768
N_MANY = 1000 if QUICK else 10000
PUSH_LIMIT = 48 << 20


def t_clients(idle):
    payloads = [b'client %05d|' % i + rand_bytes(CLIENT_BYTES, i)
                for i in range(N_CLIENTS)]
    socks, errs = open_many(PORT, N_CLIENTS, 4 if N_CLIENTS else 6,
                            timeout=60)
    try:
        expect(not errs, 'connect errors: %s' % errs[:5])
        n_ok, fails = echo_many(socks, payloads, timeout=120)
        expect(n_ok == N_CLIENTS, '%d/%d ok; %s' % (n_ok, N_CLIENTS,
                                                    '; '.join(fails[:5])))
    finally:
        close_all(socks)
    # The idle client is still there and still served.
    idle.settimeout(0.2)
    try:
        d = idle.recv(1)
        raise Fail('idle client got %r' % d)
    except socket.timeout:
        pass
    echo_once(idle, b'still here')


def t_clients_v6():
    socks, errs = open_many(PORT, N_CLIENTS // 2, 6, timeout=60)
    try:
        expect(not errs, 'connect errors: %s' % errs[:5])
        payloads = [b'v6 %d ' % i * 50 for i in range(len(socks))]
        n_ok, fails = echo_many(socks, payloads, timeout=60)
        expect(n_ok == len(socks), '%d/%d ok; %s' % (n_ok, len(socks),
                                                     '; '.join(fails[:5])))
    finally:
        close_all(socks)


def push_until_blocked(s, blk, limit, stall=3.0, maxtime=60.0):
    """Send blk repeatedly without reading until no progress for `stall`."""
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_WRITE)
    sent = 0
    t0 = last = time.monotonic()
    try:
        while sent < limit:
            now = time.monotonic()
            if now - last > stall or now - t0 > maxtime:
                break
            if not sel.select(0.5):
                continue
            try:
                n = s.send(blk)
            except BlockingIOError:
                continue
            sent += n
            last = time.monotonic()
    finally:
        sel.close()
        s.setblocking(True)
    return sent


def t_slow_reader(t, pre):
    """A client that never reads must not make the server buffer forever."""
    blk = rand_bytes(65536, 4242)
    mem0 = meminfo()['MemAvailable']
    s = connect(PORT, 4)
    sent = push_until_blocked(s, blk, PUSH_LIMIT)
    mem1 = meminfo()['MemAvailable']
    log('non-reading client pushed %.1f MB; MemAvailable %d -> %d MB' %
        (sent / 1e6, mem0 >> 10, mem1 >> 10))
    t.check(sent < PUSH_LIMIT, pre + 'non-reading client is flow-controlled',
            'pushed %d bytes without being blocked' % sent)
    t.check(mem0 - mem1 < 200 * 1024, pre + 'server memory bounded while blocked',
            'MemAvailable dropped by %d MB' % ((mem0 - mem1) >> 10))
    t.run(pre + 'others served while a client is blocked', lambda: [
        echo_once(c, rand_bytes(65536, 5), timeout=30)
        for c in [connect(PORT, 6)]])
    return s, blk, sent


def t_slow_reader_rmmod(s, blk, sent):
    dt = unload(10)
    got, how = recv_until_close(s, deadline(60))
    s.close()
    expect(how in ('eof', 'rst'), 'blocked client saw %s after rmmod' % how)
    want = (blk * (len(got) // len(blk) + 1))[:len(got)]
    expect(got == want, 'blocked client received wrong bytes')
    expect(len(got) <= sent, 'received more than sent')
    return 'rmmod %.1fs; client read %d bytes then %s' % (dt, len(got), how)


def t_many(t, mode, n):
    pre = '[%s] %d connections: ' % (mode, n)
    lim = raise_nofile(n + 1000)
    if lim < n + 100:
        t.not_ok(pre + 'RLIMIT_NOFILE', 'only %d' % lim)
        return
    base = tcp_inuse()
    try:
        km = load('services=echo:%d' % PORT, 'dispatch=' + mode,
                  'max_connections=%d' % (n + 1000), 'backlog=4096',
                  'idle_timeout=3600')
    except Fail as e:
        t.not_ok(pre + 'insmod', str(e))
        return
    t0 = time.monotonic()
    socks, errs = open_many(PORT, n, 4, timeout=150, inflight=256)
    try:
        t.check(len(socks) == n, pre + 'all connected',
                '%d connected; errors %s' % (len(socks), errs[:5]))
        log('%d connects in %.1fs' % (len(socks), time.monotonic() - t0))
        if have_stats():
            o = wait_stat(PORT, 'open', len(socks), timeout=30)
            t.check(o == len(socks), pre + 'stats open == %d' % len(socks),
                    'open %s' % o)
        t1 = time.monotonic()
        payloads = [b'<%d:%s>' % (i, b'x' * (i % 23)) for i in
                    range(len(socks))]
        n_ok, fails = echo_many(socks, payloads, timeout=150)
        t.check(n_ok == len(socks) and socks, pre + 'every client echoed',
                '%d/%d ok; %s' % (n_ok, len(socks), '; '.join(fails[:5])))
        log('echo round in %.1fs' % (time.monotonic() - t1))
        # rmmod with everything still open.
        t.run(pre + 'rmmod with all open', unload, 10, km)
        closed = count_closed(socks, 30)
        t.check(closed == len(socks), pre + 'all clients see EOF/RST',
                '%d/%d closed' % (closed, len(socks)))
    finally:
        close_all(socks)
        ensure_unloaded()
    now = wait_inuse(base, timeout=30)
    t.check(now <= base, pre + 'TCP inuse back to baseline',
            'inuse %d, baseline %d' % (now, base))


def count_closed(socks, timeout):
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    closed = 0
    dl = deadline(timeout)
    while closed < len(socks) and time.monotonic() < dl:
        for key, _ in sel.select(0.5):
            if peer_closed(key.fileobj):
                sel.unregister(key.fileobj)
                closed += 1
    sel.close()
    return closed


def main():
    t = Suite('30-concurrency', 540, 210)
    ensure_unloaded()
    for mode in DISPATCH_MODES:
        pre = '[%s] ' % mode
        base = tcp_inuse()
        try:
            load('services=echo:%d' % PORT, 'dispatch=' + mode)
        except Fail as e:
            t.not_ok(pre + 'insmod', str(e))
            continue
        idle = connect(PORT, 4)
        t.run(pre + '%d concurrent clients, idle client first' % N_CLIENTS,
              t_clients, idle)
        t.run(pre + '%d concurrent IPv6 clients' % (N_CLIENTS // 2),
              t_clients_v6)
        idle.close()
        if have_stats():
            t.run(pre + 'open back to 0',
                  lambda: expect(wait_stat(PORT, 'open', 0, 15) == 0,
                                 'open stays non-zero'))
        try:
            s, blk, sent = t_slow_reader(t, pre)
        except Exception as e:
            t.not_ok(pre + 'non-reading client', repr(e))
            ensure_unloaded()
            continue
        t.run(pre + 'rmmod closes the blocked client', t_slow_reader_rmmod,
              s, blk, sent)
        ensure_unloaded()
        now = wait_inuse(base, timeout=20)
        t.check(now <= base, pre + 'TCP inuse back to baseline',
                'inuse %d, baseline %d' % (now, base))
    # The big one: full count in workqueue mode, fewer with threads.
    t_many(t, 'workqueue', N_MANY)
    t_many(t, 'thread', N_MANY // 2 if QUICK else 1000)
    t.finish()


main()
