#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""64-http-abuse: hostile and broken clients against the HTTP service.

Random garbage on many connections (400 or close, never a hang), clients
vanishing mid-request and mid-response (FIN and RST), a slow reader of a
large file that must not block anybody else, and rmmod while several
clients are in the middle of 8 MiB transfers (fast, clean kernel log,
sockets released).
"""
import hashlib
import os
import random
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import slack  # noqa: E402
from ksrvtest import (FAKE, QUICK, Fail, Kmsg, bad_log_lines,  # noqa
                      deadline, ensure_unloaded, expect, read_stats, rmmod,
                      rst_close, tcp_inuse, unload, wait_for, wait_inuse)
import httptest as H  # noqa
from httptest import PORT, Conn, req  # noqa

BIG = 'big.bin'


def served_ok():
    with Conn(timeout=5) as c:
        c.send(req('/random.bin'))
        H.check_file_resp(c.read_response(), 'random.bin')


def wait_open_zero(timeout=10.0):
    """The http line of /proc/ksrv/stats must drop to 0 open connections."""
    if FAKE:
        return
    last = [None]

    def pred():
        last[0] = read_stats()[('http', PORT)]['open']
        return last[0] == 0
    wait_for(pred, timeout, 0.2)
    expect(last[0] == 0, '%s connections still open' % last[0])


def one_garbage(i):
    rnd = random.Random(1000 + i)
    kind = i % 4
    n = rnd.randint(1, 3000)
    if kind == 0:
        data = rnd.randbytes(n)
    elif kind == 1:
        data = rnd.randbytes(n) + b'\r\n\r\n'
    elif kind == 2:
        # A control byte in the target makes it invalid for sure.
        junk = rnd.randbytes(n).replace(b'\r', b'').replace(b'\n', b'')
        data = b'GET /\x01' + junk + b' HTTP/1.1\r\nHost: x\r\n\r\n'
    else:
        # Header line starting with a control byte: not a field name.
        junk = rnd.randbytes(n).replace(b'\r', b'').replace(b'\n', b'')
        data = b'GET / HTTP/1.1\r\nHost: x\r\n\x01' + junk + \
            b'\r\n\r\n'
    t0 = time.monotonic()
    s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
    buf, how = b'', 'timeout'
    try:
        try:
            s.sendall(data)
            if i % 3 == 0:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        s.settimeout(1.0)
        while time.monotonic() - t0 < 12:
            try:
                d = s.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                how = 'rst'
                break
            if not d:
                how = 'eof'
                break
            buf += d
    finally:
        s.close()
    return i, H.first_status(buf), how, time.monotonic() - t0, len(buf)


def t_garbage():
    km = H.load_http('http_header_timeout=3')
    try:
        n = 40 if QUICK else 150
        with ThreadPoolExecutor(16) as ex:
            res = list(ex.map(one_garbage, range(n)))
        probs = []
        codes = {}
        for i, st, how, dt, nbytes in res:
            codes[st] = codes.get(st, 0) + 1
            if how == 'timeout':
                probs.append('#%d hung (%d bytes received)' % (i, nbytes))
            elif nbytes and st is None:
                probs.append('#%d: %d bytes that are no HTTP response' %
                             (i, nbytes))
            elif st is not None and st < 300:
                probs.append('#%d: garbage got %d' % (i, st))
        expect(not probs, '; '.join(probs[:8]))
        served_ok()
        wait_open_zero()
        return 'responses: %s' % {str(k): v for k, v in codes.items()}
    finally:
        unload(10, km)


def t_vanish_mid_request():
    head = req('/random.bin', headers=['X-Filler: ' + 'y' * 300])
    n = 20 if QUICK else 60
    for i in range(n):
        s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
        s.sendall(head[:len(head) // 2 + (i % 17)])
        if i % 2:
            rst_close(s)
        else:
            s.close()
    served_ok()
    wait_open_zero()


def t_vanish_mid_response():
    n = 6 if QUICK else 16
    for i in range(n):
        s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
        s.sendall(req('/' + BIG) * (1 + i % 3))
        got = 0
        want = 4096 * (1 + i * 37 % 100)
        while got < want:
            d = s.recv(65536)
            if not d:
                raise Fail('EOF after %d bytes' % got)
            got += len(d)
        if i % 2:
            rst_close(s)
        else:
            s.close()
    served_ok()
    wait_open_zero(15)


def t_slow_reader():
    """A slow reader of the 8 MiB file; everybody else is served fast."""
    stop = threading.Event()
    got = [0, None]

    def slow():
        s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.sendall(req('/' + BIG))
            while not stop.is_set():
                d = s.recv(4096)
                if not d:
                    got[1] = 'eof'
                    break
                got[0] += len(d)
                time.sleep(0.1)
        except OSError as e:
            got[1] = repr(e)
        finally:
            s.close()
    th = threading.Thread(target=slow, daemon=True)
    th.start()
    time.sleep(1)
    slowest = 0.0
    n = 10 if QUICK else 30
    try:
        for i in range(n):
            t0 = time.monotonic()
            if i % 3 == 0:
                served_ok()
            else:
                with Conn(timeout=5) as c:
                    c.send(req('/hello.txt'))
                    H.check_file_resp(c.read_response(), 'hello.txt')
            slowest = max(slowest, time.monotonic() - t0)
    finally:
        stop.set()
        th.join(5)
    expect(got[1] is None, 'slow reader ended early: %s after %d bytes' %
           (got[1], got[0]))
    expect(slowest < slack(4.0), 'a normal request took %.1fs' % slowest)
    wait_open_zero(15)
    return 'slow reader got %d bytes, slowest normal request %.2fs' % (
        got[0], slowest)


def t_slow_complete():
    """A reader with small paced reads still gets all 8 MiB byte-exact."""
    with open(os.path.join(H.BASE, 'big.bin.sha256')) as f:
        want = f.read().split()[0]
    s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
    try:
        s.sendall(req('/' + BIG, headers=['Connection: close']))
        buf = bytearray()
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            d = s.recv(256 * 1024)
            if not d:
                break
            buf += d
            time.sleep(0.02)
    finally:
        s.close()
    i = buf.find(b'\r\n\r\n')
    expect(i > 0, 'no response head')
    r = H.parse_head(bytes(buf[:i + 4]))
    body = bytes(buf[i + 4:])
    expect(r.status == 200, 'status %d' % r.status)
    expect(len(body) == int(r.h('content-length')), 'body %d bytes, CL %s' %
           (len(body), r.h('content-length')))
    expect(hashlib.sha256(body).hexdigest() == want, 'sha256 mismatch')


def one_download(i):
    rel = ('random.bin', 'hello.txt', 'big.bin', 'pixel.png')[i % 4]
    if QUICK and rel == 'big.bin':
        rel = 'random.bin'
    with Conn(timeout=60) as c:
        c.send(req(H.rel_url(rel)) + req('/hello.txt'))
        r = c.read_response(timeout=60)
        ok = r.status == 200 and r.body == H.file_bytes(rel)
        r2 = c.read_response()
        return ok and r2.body == H.file_bytes('hello.txt'), rel


def t_concurrent_downloads():
    n = 16 if QUICK else 48
    with ThreadPoolExecutor(16) as ex:
        res = list(ex.map(one_download, range(n)))
    bad = [rel for ok, rel in res if not ok]
    expect(not bad, '%d of %d downloads wrong: %s' % (len(bad), n, bad[:5]))
    wait_open_zero(15)


def t_file_shrinks():
    """The file is truncated while it is being sent: close, never hang."""
    path = os.path.join(H.ROOT, 'changing.bin')
    # 64 MiB sparse: far more than socket buffers can hold, so the server
    # is still reading the file when it shrinks.
    with open(path, 'wb') as f:
        f.truncate(64 << 20)
    try:
        s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
        s.sendall(req('/changing.bin') + req('/hello.txt'))
        got = 0
        while got < 256 * 1024:
            d = s.recv(65536)
            expect(d, 'EOF after %d bytes' % got)
            got += len(d)
            time.sleep(0.01)
        os.truncate(path, 1000)
        t0 = time.monotonic()
        how = 'timeout'
        tail = b''
        s.settimeout(15)
        try:
            while True:
                d = s.recv(1 << 20)
                if not d:
                    how = 'eof'
                    break
                got += len(d)
                tail = (tail + d)[-4096:]
        except socket.timeout:
            pass
        except ConnectionResetError:
            how = 'rst'
        s.close()
        dt = time.monotonic() - t0
        # Either the server noticed (and closed), or it had already
        # queued everything (then the whole response and the next one).
        full = how == 'timeout' and got > (64 << 20) and \
            tail.endswith(b'\r\n\r\nHello, ksrv!\n')
        expect(how in ('eof', 'rst') or full, 'connection %s %.1fs after '
               'the truncation (%d bytes received)' % (how, dt, got))
        served_ok()
        wait_open_zero(15)
        return '%s after %d bytes, %.1fs' % (how, got, dt)
    finally:
        os.unlink(path)


def t_file_grows():
    """The file grows while being sent: exactly Content-Length bytes."""
    path = os.path.join(H.ROOT, 'growing.bin')
    size = 64 << 20         # sparse, bigger than any socket buffer
    with open(path, 'wb') as f:
        f.truncate(size)
    try:
        with Conn(timeout=60) as c:
            c.send(req('/growing.bin') + req('/hello.txt'))
            while len(c.buf) < 256 * 1024:
                expect(c._fill(deadline(10)), 'EOF early')
            with open(path, 'ab') as f:
                f.write(b'APPENDED' * 100000)
            r = c.read_response(timeout=60)
            expect(r.status == 200, 'status %d' % r.status)
            cl = int(r.h('content-length'))
            expect(cl == size, 'Content-Length %d, want %d' % (cl, size))
            expect(r.body.count(0) == size, 'body is not the %d zero '
                   'bytes sent for' % size)
            r2 = c.read_response()
            expect(r2.body == H.file_bytes('hello.txt'),
                   'next response broken: %r' % r2)
    finally:
        os.unlink(path)


class Downloader(threading.Thread):
    """Downloads big.bin repeatedly (slowly) until the server goes away."""

    def __init__(self, idx, pace):
        super().__init__(daemon=True)
        self.idx, self.pace = idx, pace
        self.bytes = 0
        self.end = None
        self.started = threading.Event()
        self.hurry = threading.Event()      # stop pacing: drain to the end
        self.done_at = None

    def run(self):
        try:
            s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
        except OSError as e:
            self.end = 'connect: %s' % e
            self.started.set()
            return
        try:
            s.sendall(req('/' + BIG) * 20)
            s.settimeout(30)
            while True:
                try:
                    d = s.recv(65536)
                except ConnectionResetError:
                    self.end = 'rst'
                    break
                except socket.timeout:
                    self.end = 'timeout'
                    break
                if not d:
                    self.end = 'eof'
                    break
                self.bytes += len(d)
                if self.bytes > 100000:
                    self.started.set()
                if self.pace and not self.hurry.is_set():
                    time.sleep(self.pace)
        finally:
            self.done_at = time.monotonic()
            self.started.set()
            s.close()


def t_rmmod_during_transfers(*params):
    ensure_unloaded()       # in case an earlier case failed half-way
    km = Kmsg()
    base = tcp_inuse()
    H.load_http(*params)
    n = 4 if QUICK else 8
    dls = [Downloader(i, 0.01 if i % 2 else 0) for i in range(n)]
    for d in dls:
        d.start()
    # Also some connections in other states: half a head, idle keep-alive.
    extra = []
    for i in range(4):
        s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
        if i % 2:
            s.sendall(b'GET /hello.txt HTTP/1.1\r\nHo')
        else:
            s.sendall(req('/hello.txt'))
        extra.append(s)
    for d in dls:
        d.started.wait(15)
    time.sleep(1)
    active = sum(1 for d in dls if d.end is None)
    t0 = time.monotonic()
    ok, msg, dt = rmmod(timeout=60)
    # What was queued before the close still arrives (then FIN or RST);
    # read it at full speed.
    for d in dls:
        d.hurry.set()
    for d in dls:
        d.join(20)
    for s in extra:
        s.close()
    expect(ok, 'rmmod failed: %s' % msg)
    expect(dt <= slack(10), 'rmmod took %.1fs' % dt)
    bad = bad_log_lines(km.read())
    expect(not bad, 'kernel log:\n' + '\n'.join(bad[:15]))
    ends = [d.end for d in dls]
    expect(all(e in ('eof', 'rst') for e in ends), 'clients ended: %s, bytes %s'
           % (ends, [d.bytes for d in dls]))
    late = [d.done_at - t0 for d in dls if d.done_at]
    expect(max(late) < 15, 'a client saw the end %.1fs after rmmod' %
           max(late))
    now = wait_inuse(base, 15)
    expect(now <= base, 'TCP inuse %d, baseline %d' % (now, base))
    return '%d/%d transfers active at rmmod, rmmod %.2fs' % (active, n, dt)


def t_rmmod_many_idle():
    """Hundreds of kept-alive HTTP connections, then rmmod."""
    ensure_unloaded()
    km = Kmsg()
    base = tcp_inuse()
    H.load_http()
    n = 100 if QUICK else 400
    socks = []
    try:
        for i in range(n):
            c = Conn(timeout=10)
            c.send(req('/hello.txt'))
            socks.append(c)
        for c in socks:
            expect(c.read_response().status == 200, 'request failed')
        if not FAKE:
            o = read_stats()[('http', PORT)]['open']
            expect(o == n, 'stats open %d, want %d' % (o, n))
        ok, msg, dt = rmmod(timeout=60)
        expect(ok, 'rmmod failed: %s' % msg)
        expect(dt <= slack(10), 'rmmod took %.1fs' % dt)
        ends = [c.wait_close(5) for c in socks]
        expect(all(e in ('eof', 'rst') for e in ends),
               'clients not closed: %d' % sum(1 for e in ends
                                              if e not in ('eof', 'rst')))
    finally:
        for c in socks:
            c.close()
    bad = bad_log_lines(km.read())
    expect(not bad, 'kernel log:\n' + '\n'.join(bad[:15]))
    now = wait_inuse(base, 15)
    expect(now <= base, 'TCP inuse %d, baseline %d' % (now, base))
    return '%d connections, rmmod %.2fs' % (n, dt)


def main():
    t = H.suite('64-http-abuse', 420, 240)
    t.need('build the fixture', H.fixture)
    t.run('garbage on many connections: 4xx or close, no hang', t_garbage)
    km = t.need('load http with the fixture', H.load_http)
    t.run('clients vanish mid-request (FIN and RST)', t_vanish_mid_request)
    t.run('clients vanish mid-response (FIN and RST)', t_vanish_mid_response)
    t.run('slow reader does not block others', t_slow_reader)
    t.run('paced reader gets 8 MiB byte-exact', t_slow_complete)
    t.run('concurrent downloads byte-exact', t_concurrent_downloads)
    t.run('file truncated during transfer: no hang', t_file_shrinks)
    t.run('file growing during transfer: exact Content-Length',
          t_file_grows)
    t.run('rmmod clean', unload, 10, km)
    t.run('rmmod during 8 MiB transfers', t_rmmod_during_transfers)
    t.run('rmmod during 8 MiB transfers (dispatch=thread)',
          t_rmmod_during_transfers, 'dispatch=thread')
    t.run('rmmod with hundreds of keep-alive connections', t_rmmod_many_idle)
    t.finish()


if __name__ == '__main__':
    main()
