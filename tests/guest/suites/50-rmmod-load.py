#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""50-rmmod-load: rmmod while hundreds of clients stream data.

Each cycle: insmod, start N clients that stream continuously (each checks
its echo byte for byte), rmmod in the middle of the traffic.  rmmod must
succeed within 10 s without kernel warnings, every client must see
EOF/RST, TCP sockets in use must return to the baseline, and insmod on the
same port must work again at once.  Every dispatch mode.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import slack  # noqa: E402
from ksrvtest import (QUICK, DISPATCH_MODES, Fail, Kmsg, Streamer, Suite,
                      bad_log_lines, connect, echo_once, ensure_unloaded,
                      expect, have_stats, insmod, load, log, raise_nofile,
                      rmmod, stat, tcp_inuse, unload, wait_for,
                      wait_inuse)

PORT = 12390
CYCLES = 3 if QUICK else 10
N = 50 if QUICK else 200
RMMOD_LIMIT = slack(10.0)


def cycle(mode, i):
    fam = 4 if i % 2 == 0 else 6
    base = tcp_inuse()
    km = load('services=echo:%d' % PORT, 'dispatch=' + mode)
    st = Streamer(PORT, N, fam=fam, max_seconds=90)
    st.start()
    probs = []
    if not st.ready.wait(90):
        probs.append('clients not connected after 90s')
    if st.connected != N:
        probs.append('%d/%d connected (%s)' % (st.connected, N,
                                               st.connect_errs[:3]))
    # Under TCG, accepting 200 connections (and in thread mode starting
    # 200 threads) can take a few seconds; rmmod once echoes flow.
    t0 = time.monotonic()
    wait_for(lambda: st.bytes_echoed > 0, 30)
    first = time.monotonic() - t0
    b0 = st.bytes_echoed
    time.sleep(1.0)
    b1 = st.bytes_echoed
    if b1 <= b0:
        probs.append('no traffic flowing before rmmod (%d bytes after '
                     '%.1fs)' % (b1, time.monotonic() - t0))
    if have_stats():
        s = stat(PORT)
        if s['open'] < st.connected - 2:
            log('stats before rmmod: %s' % s)
    ok, msg, dt = rmmod(timeout=60)
    if not ok:
        probs.append('rmmod failed: %s' % msg)
        ensure_unloaded()
    elif dt > RMMOD_LIMIT:
        probs.append('rmmod took %.1fs' % dt)
    if os.path.exists('/proc/ksrv'):
        probs.append('/proc/ksrv still exists after rmmod')
    st.join(60)
    if st.is_alive():
        st.stop()
        st.join(10)
        probs.append('clients still running 60s after rmmod')
    if st.error:
        probs.append('client thread error: ' + st.error)
    ended = st.ended['eof'] + st.ended['rst']
    if ended != st.connected or st.unfinished:
        probs.append('%d/%d clients saw EOF/RST, %d unfinished' %
                     (ended, st.connected, st.unfinished))
    if st.mismatch:
        probs.append('%d clients got wrong bytes (e.g. #%d)' %
                     (len(st.mismatch), st.mismatch[0]))
    now = wait_inuse(base, timeout=20)
    if now > base:
        probs.append('TCP inuse %d, baseline %d' % (now, base))
    bad = bad_log_lines(km.read())
    if bad:
        probs.append('kernel log:\n' + '\n'.join(bad[:15]))
    note = ('IPv%d, %d clients, first echo after %.1fs, %.1f MB echoed, '
            'rmmod %.2fs, eof %d rst %d' % (
                fam, st.connected, first, st.bytes_echoed / 1e6, dt,
                st.ended['eof'], st.ended['rst']))
    if probs:
        raise Fail(note + '; ' + '; '.join(probs))
    return note


def reload_now(mode):
    km = Kmsg()
    ok, code, msg = insmod('services=echo:%d' % PORT, 'dispatch=' + mode)
    expect(ok, 'insmod right after rmmod failed: %s' % msg)
    for fam in (4, 6):
        with connect(PORT, fam) as s:
            echo_once(s, b'back again %d' % fam)
    unload(RMMOD_LIMIT, km)


def main():
    t = Suite('50-rmmod-load', 400, 170)
    ensure_unloaded()
    raise_nofile(4 * N + 1000)
    for mode in DISPATCH_MODES:
        for i in range(CYCLES):
            name = '[%s] cycle %d: rmmod under load' % (mode, i + 1)
            if t.run(name, cycle, mode, i) is False:
                ensure_unloaded()
            t.run('[%s] cycle %d: insmod again at once' % (mode, i + 1),
                  reload_now, mode)
            ensure_unloaded()
    t.finish()


main()
