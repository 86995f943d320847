#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""40-reaper-limits: idle reaper, max_connections and /proc/ksrv/stats."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (STATS_COLS, STATS_HEADER, STATS_PATH, Fail, Suite,
                      connect, echo_once, ensure_unloaded, expect, have_stats,
                      load, log, read_stats_text, slack, stat, unload,
                      wait_closed, wait_stat)

PORT = 12380
IDLE = 2


def t_reaper():
    """Idle connections close after ~IDLE s; a pinging one survives."""
    idle = connect(PORT, 4)
    echo_once(idle, b'one message, then silence')
    t_idle = time.monotonic()
    silent = connect(PORT, 6)           # never sends anything
    t_silent = time.monotonic()
    act = connect(PORT, 6)
    for s in (idle, silent):
        s.setblocking(False)
    closed = {}
    end = time.monotonic() + 3 * IDLE + 2
    n = 0
    while time.monotonic() < end:
        echo_once(act, b'ping %d' % n, timeout=3)
        n += 1
        for name, s in (('idle', idle), ('silent', silent)):
            if name in closed:
                continue
            try:
                d = s.recv(100)
                closed[name] = ('eof' if not d else 'data',
                                time.monotonic())
            except BlockingIOError:
                pass
            except OSError:
                closed[name] = ('rst', time.monotonic())
        time.sleep(0.5)
    probs = []
    for name, t0 in (('idle', t_idle), ('silent', t_silent)):
        if name not in closed:
            probs.append('%s connection still open after %.1fs' %
                         (name, time.monotonic() - t0))
            continue
        how, when = closed[name]
        dt = when - t0
        log('%s connection: %s after %.1fs' % (name, how, dt))
        if how == 'data' or not IDLE - 0.5 <= dt <= IDLE + 4.0:
            probs.append('%s: %s after %.1fs (want EOF in %d..%ds)' %
                         (name, how, dt, IDLE, IDLE + 4))
    idle.close()
    silent.close()
    # The active connection survived three timeouts; now let it go idle.
    echo_once(act, b'still alive')
    t0 = time.monotonic()
    how = wait_closed(act, IDLE + 6)
    dt = time.monotonic() - t0
    act.close()
    if how not in ('eof', 'rst') or dt > IDLE + 4.0:
        probs.append('active connection after going idle: %s after %.1fs' %
                     (how, dt))
    if have_stats():
        to = wait_stat(PORT, 'timed_out', 3, timeout=3)
        if to != 3:
            probs.append('timed_out %d, want 3' % to)
        o = wait_stat(PORT, 'open', 0, timeout=3)
        if o != 0:
            probs.append('open %d after reaping, want 0' % o)
    if probs:
        raise Fail('; '.join(probs))


def t_limit(t):
    first = []
    try:
        for i in range(5):
            s = connect(PORT, 4 if i % 2 else 6)
            echo_once(s, b'first %d' % i)
            first.append(s)
    except Exception as e:
        t.not_ok('first 5 connections echo', repr(e))
        for s in first:
            s.close()
        return
    t.ok('first 5 connections echo')
    if have_stats():
        o = wait_stat(PORT, 'open', 5, timeout=3)
        t.check(o == 5, 'stats open == 5', 'open %d' % o)
    res = []
    for i in range(5):
        t0 = time.monotonic()
        try:
            s = connect(PORT, 4 if i % 2 else 6)
        except OSError as e:
            res.append(('connect: %s' % e, 0.0))
            continue
        how = wait_closed(s, 5)
        res.append((how, time.monotonic() - t0))
        s.close()
    log('connections 6..10: %s' % ', '.join('%s %.2fs' % r for r in res))
    t.check(all(r[0] in ('eof', 'rst') and r[1] < 3 for r in res),
            'connections 6..10 closed immediately', repr(res))
    if have_stats():
        r = wait_stat(PORT, 'refused', 5, timeout=3)
        t.check(r == 5, 'refused == 5', 'refused %d' % r)
    ok = True
    for i, s in enumerate(first):
        try:
            echo_once(s, b'again %d' % i)
        except Exception as e:
            ok = False
            log('first[%d]: %r' % (i, e))
    t.check(ok, 'first 5 still echo after refusals')
    first.pop().close()
    if have_stats():
        wait_stat(PORT, 'open', 4, timeout=5)

    def slot_free():
        with connect(PORT, 4) as s:
            echo_once(s, b'slot freed')
    t.run('closing one frees a slot', slot_free)
    if have_stats():
        st = stat(PORT)
        t.check(st['total'] == 6, 'total counts accepted, not refused',
                'total %d (refused %d)' % (st['total'], st['refused']))
    for s in first:
        s.close()


def t_stats_exact():
    text = read_stats_text()
    lines = text.split('\n')
    expect(lines[0] == STATS_HEADER, 'header %r' % lines[0])
    fresh = ['echo', str(PORT)] + ['0'] * (len(STATS_COLS) - 2)
    expect(lines[1].split() == fresh,
           'fresh line %r' % lines[1])
    expect(text.endswith('\n') and len(text.splitlines()) == 2,
           'unexpected content %r' % text)
    # Reading one byte at a time must give the same text (seq_file).
    fd = os.open(STATS_PATH, os.O_RDONLY)
    try:
        small = b''
        while True:
            b = os.read(fd, 1)
            if not b:
                break
            small += b
    finally:
        os.close(fd)
    expect(small.decode() == text, 'byte-wise read differs: %r' % small)


def t_stats_counts():
    sizes = [1000, 2000, 3000]
    socks = [connect(PORT, 4 if i % 2 else 6) for i in range(len(sizes))]
    for i, (s, n) in enumerate(zip(socks, sizes)):
        echo_once(s, bytes([i + 1]) * n)
    # A send is counted when the server's sendmsg returns, which can be
    # after the client has read the bytes.
    wait_stat(PORT, 'bytes_out', sum(sizes), timeout=5)
    st = stat(PORT)
    probs = []
    for k, want in (('open', 3), ('total', 3), ('bytes_in', 6000),
                    ('bytes_out', 6000), ('refused', 0), ('timed_out', 0)):
        if st[k] != want:
            probs.append('%s=%d want %d' % (k, st[k], want))
    for s in socks:
        s.close()
    o = wait_stat(PORT, 'open', 0, timeout=5)
    st = stat(PORT)
    if o != 0:
        probs.append('open %d after close' % o)
    if st['total'] != 3:
        probs.append('total %d after close' % st['total'])
    if probs:
        raise Fail('; '.join(probs))


PORT2 = PORT + 1


def connect_from(src, port, timeout=5.0):
    """A client whose source address is src (any of 127/8)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(slack(timeout))
    try:
        s.bind((src, 0))
        s.connect(('127.0.0.1', port))
    except Exception:
        s.close()
        raise
    return s


def refused_at_once(s):
    return wait_closed(s, 5) in ('eof', 'rst')


def t_fair(t):
    """max_service_connections=4, max_client_connections=3: a full
    service or a greedy client leaves the others served."""
    held = []
    try:
        for i in range(4):
            s = connect_from('127.0.0.%d' % (10 + i), PORT)
            echo_once(s, b'svc %d' % i)
            held.append(s)
        with connect_from('127.0.0.20', PORT) as s:
            t.check(refused_at_once(s), 'fifth client of a full service '
                    'refused')
        with connect_from('127.0.0.20', PORT2) as s:
            echo_once(s, b'other service')
        t.ok('a full service leaves the other one served')
        greedy = []
        for i in range(3):
            s = connect_from('127.0.0.30', PORT2)
            echo_once(s, b'greedy %d' % i)
            greedy.append(s)
        held += greedy
        with connect_from('127.0.0.30', PORT2) as s:
            t.check(refused_at_once(s), 'fourth connection of one client '
                    'refused')
        expect(wait_stat(PORT2, 'open', 3, timeout=5) == 3,
               'open on the second service not 3')
        s = connect_from('127.0.0.31', PORT2)
        held.append(s)
        echo_once(s, b'another client')
        t.ok('a greedy client leaves other clients served')
        if have_stats():
            st1, st2 = stat(PORT), stat(PORT2)
            t.check(st1['refused'] == 1 and st2['refused'] == 1,
                    'refusals counted per service',
                    'refused %d and %d' % (st1['refused'], st2['refused']))
        greedy.pop().close()
        expect(wait_stat(PORT2, 'open', 3, timeout=5) == 3,
               'open on the second service not back to 3')
        with connect_from('127.0.0.30', PORT2) as s:
            echo_once(s, b'greedy again')
        t.ok('a closed connection gives its client a slot back')
    except (Fail, OSError) as e:
        t.not_ok('fair limits', repr(e))
    finally:
        for s in held:
            s.close()


def main():
    t = Suite('40-reaper-limits', 170, 90)
    ensure_unloaded()

    try:
        km = load('services=echo:%d' % PORT)
        if have_stats():
            t.run('stats header and fresh line exact', t_stats_exact)
            t.run('stats open/total/bytes after known exchange',
                  t_stats_counts)
        t.run('rmmod', unload, 10, km)
    except Fail as e:
        t.not_ok('insmod for stats tests', str(e))
    ensure_unloaded()

    try:
        km = load('services=echo:%d' % PORT, 'idle_timeout=%d' % IDLE)
        t.run('idle_timeout=%d reaps idle, keeps active' % IDLE, t_reaper)
        t.run('rmmod after reaper test', unload, 10, km)
    except Fail as e:
        t.not_ok('insmod idle_timeout=%d' % IDLE, str(e))
    ensure_unloaded()

    try:
        km = load('services=echo:%d' % PORT, 'max_connections=5')
        t_limit(t)
        t.run('rmmod after limit test', unload, 10, km)
    except Fail as e:
        t.not_ok('insmod max_connections=5', str(e))
    ensure_unloaded()

    try:
        km = load('services=echo:%d,echo:%d' % (PORT, PORT2),
                  'max_service_connections=4', 'max_client_connections=3')
        t_fair(t)
        t.run('rmmod after fair limits test', unload, 10, km)
    except Fail as e:
        t.not_ok('insmod max_service/client_connections', str(e))
    t.finish()


main()
