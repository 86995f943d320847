#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""67-http-slowfs: a slow file system holds up only the requests that
wait for it.

The document root is slowfs (tests/guest/slowfs.py, FUSE served by this
process), whose file reads, a directory listing and a look-up in a cold
directory wait until the test lets them go. While HTTP handlers wait
there, each on a fresh connection (so that a handler that the accept
work ran itself would stop the accepting): new HTTP connections are
accepted and served a fast file, echo answers, the idle reaper closes an
idle connection, and the /proc stats answer. Then the waiting requests
complete with the right bytes. Finally rmmod with handlers waiting: it
finishes once the file system answers.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (FAKE, Fail, bad_log_lines,  # noqa
                      connect, echo_once, ensure_unloaded, expect, in_thread,
                      read_stats, rmmod, slack, wait_closed, wait_for)
import httptest as H  # noqa
import slowfs  # noqa

ECHO = 24671
HTTP = 24672
MNT = '/tmp/ksrv-slowfs'
IDLE = 2                    # idle_timeout, seconds
N_WAIT = 4                  # handlers held in the file system at once
FS = None
_next_slow = [0]


def slow_path():
    """A slow file not read yet (each is cached after its first read)."""
    i = _next_slow[0]
    _next_slow[0] += 1
    expect(i < slowfs.N_SLOW, 'out of slow files')
    return i, '/slow-%d.bin' % i


def get(path, timeout):
    """GET on a fresh connection; (status, body)."""
    with H.Conn(HTTP, 4, timeout) as c:
        c.send(H.req(path))
        r = c.read_response()
        return r.status, r.body


class Waiter:
    """A GET in a thread; result() is (status, body) or raises."""

    def __init__(self, path):
        self.path = path
        self.res = in_thread(lambda: get(path, slack(90)))

    def result(self, timeout):
        r = self.res.wait(timeout)
        expect(r is not None, 'GET %s still waiting after the file system '
               'answered' % self.path)
        return r


def hold_waiters():
    """N_WAIT requests that wait in the file system: slow files, a
    listing of the cold directory and a file below it."""
    FS.hold()
    ws, want = [], []
    for _ in range(N_WAIT - 2):
        i, p = slow_path()
        ws.append(Waiter(p))
        want.append(slowfs.slow_bytes(i))
    ws.append(Waiter('/slowdir/'))
    want.append(None)
    ws.append(Waiter('/slowdir/x.txt'))
    want.append(slowfs.FAST_DATA)
    ok = wait_for(lambda: FS.waiting() >= N_WAIT, slack(20), 0.05)
    if not ok:
        FS.release()
    expect(ok, 'only %d of %d requests reached the file system (are new '
           'connections accepted while one waits?): %s' %
           (FS.waiting(), N_WAIT, FS.waiting_for()))
    return ws, want


def finish_waiters(ws, want):
    FS.release()
    for w, body in zip(ws, want):
        st, got = w.result(slack(20))
        expect(st == 200, 'GET %s: %d after the wait' % (w.path, st))
        if body is None:
            expect(b'x.txt' in got, 'listing of /slowdir/ lacks x.txt')
        else:
            expect(got == body, 'GET %s: wrong body' % w.path)


def t_slow_is_slow():
    """The file system really holds a read until released."""
    FS.hold()
    _, p = slow_path()
    w = Waiter(p)
    expect(wait_for(lambda: FS.waiting() == 1, slack(10), 0.05),
           'the read never reached the file system')
    time.sleep(0.5)
    expect(w.res.wait(0) is None, 'GET answered while its read waits')
    FS.release()
    st, _ = w.result(slack(10))
    expect(st == 200, 'GET %s: %d' % (p, st))


def t_others_served():
    """While N_WAIT handlers wait: accept, fast files, echo, stats."""
    ws, want = hold_waiters()
    try:
        idle = connect(ECHO, 4, timeout=5)
        t_idle = time.monotonic()
        for i in range(5):
            t0 = time.monotonic()
            st, body = get('/fast.txt', slack(5))
            expect(st == 200 and body == slowfs.FAST_DATA,
                   'fast file: %d %r' % (st, body[:40]))
            dt = time.monotonic() - t0
            expect(dt < slack(2), 'fast file took %.1fs' % dt)
        with connect(ECHO, 4, timeout=5) as s:
            echo_once(s, b'while http waits\n', timeout=slack(5))
        expect(read_stats().get(('http', HTTP)), 'no http line in stats')
        how = wait_closed(idle, slack(IDLE + 8))
        dt = time.monotonic() - t_idle
        idle.close()
        expect(how in ('eof', 'rst'), 'idle echo connection: %s after '
               '%.1fs (reaper stuck?)' % (how, dt))
        expect(FS.waiting() == N_WAIT, 'the waiting requests were let go '
               'early (%d waiting)' % FS.waiting())
    finally:
        FS.release()
    finish_waiters(ws, want)
    return 'idle connection closed after %.1fs, %d requests waiting' % (
        dt, N_WAIT)


def t_rmmod_waiting(km):
    """rmmod while handlers wait: done once the file system answers."""
    ws, _ = hold_waiters()
    rm = in_thread(lambda: rmmod(timeout=int(slack(60))))
    time.sleep(1.0)
    early = rm.wait(0)
    FS.release()
    # The handlers run ksrv's code until the file system answers.
    expect(early is None, 'rmmod returned (%r) while %d handlers were in '
           'the module' % (early, FS.waiting()))
    t0 = time.monotonic()
    res = rm.wait(slack(30))
    dt = time.monotonic() - t0
    for w in ws:
        try:
            w.res.wait(slack(10))
        except Fail:
            pass            # cut off by the unload, as it may be
    expect(res is not None, 'rmmod still running %.0fs after the file '
           'system answered' % dt)
    ok, msg, _ = res
    expect(ok, 'rmmod: %s' % msg)
    bad = bad_log_lines(km.read())
    expect(not bad, 'bad kernel log lines:\n' + '\n'.join(bad[:20]))
    return 'rmmod waited for the %d handlers; done %.2fs after they could ' \
        'go on' % (N_WAIT, dt)


def stop_fs():
    if FS:
        FS.stop()


def mount_fs(t):
    global FS
    if not os.path.exists('/dev/fuse'):
        os.system('modprobe fuse 2>/dev/null')
    t.cleanups.append(stop_fs)
    try:
        FS = slowfs.SlowFS(MNT).start()
    except OSError as e:
        raise Fail(str(e))


def main():
    t = H.suite('67-http-slowfs', 240, 120)
    if FAKE:
        t.skip('http slowfs', 'needs the module and FUSE')
        t.finish()
    ensure_unloaded()
    t.need('mount slowfs', mount_fs, t)
    km = t.need('insmod with the root on slowfs', H.load_http,
                'idle_timeout=%d' % IDLE, root=MNT, port=HTTP,
                services='echo:%d,http:%d' % (ECHO, HTTP))
    t.run('slowfs holds a read until released', t_slow_is_slow)
    t.run('while %d handlers wait on the file system: accepting, fast '
          'files, echo, stats and the reaper go on' % N_WAIT,
          t_others_served)
    t.run('rmmod while handlers wait finishes once the file system answers',
          t_rmmod_waiting, km)
    t.finish()


main()
