#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""63-http-conn: connection management of the HTTP service.

Keep-alive (checked by the strict h11 client), Connection: close, HTTP/1.0
with and without keep-alive, pipelining, the per-connection request cap,
the keep-alive idle timeout, slowloris protection (http_header_timeout)
while normal clients keep being served, and no kernel log per request.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import slack  # noqa: E402
from ksrvtest import (FAKE, QUICK, Fail, Kmsg, Skip, close_all,  # noqa
                      connect, echo_once, expect, open_many, read_conns,
                      stat, unload, wait_for)
import httptest as H  # noqa
from httptest import PORT, Conn, req  # noqa

try:
    import h11
except ImportError:     # python3-h11 missing: those cases are skipped
    h11 = None


def h11_requests(paths, extra_close=False):
    """Several GETs on one connection through h11 (strict HTTP/1.1)."""
    if h11 is None:
        raise Skip('python3-h11 not installed')
    s = socket.create_connection(('127.0.0.1', PORT), timeout=10)
    conn = h11.Connection(our_role=h11.CLIENT)
    got = []
    try:
        for i, (method, path) in enumerate(paths):
            hdrs = [('Host', '127.0.0.1:%d' % PORT)]
            if extra_close and i == len(paths) - 1:
                hdrs.append(('Connection', 'close'))
            s.sendall(conn.send(h11.Request(method=method, target=path,
                                            headers=hdrs)))
            s.sendall(conn.send(h11.EndOfMessage()))
            resp, body = None, bytearray()
            while True:
                ev = conn.next_event()
                if ev is h11.NEED_DATA:
                    d = s.recv(1 << 20)
                    conn.receive_data(d)
                    continue
                if isinstance(ev, h11.Response):
                    resp = ev
                elif isinstance(ev, h11.Data):
                    body += ev.data
                elif isinstance(ev, h11.EndOfMessage):
                    break
                elif isinstance(ev, h11.ConnectionClosed):
                    raise Fail('h11: connection closed during request %d' %
                               i)
            got.append((resp, bytes(body)))
            if conn.our_state is h11.MUST_CLOSE:
                break
            conn.start_next_cycle()
        return got, conn, s
    except h11.RemoteProtocolError as e:
        s.close()
        raise Fail('h11 rejected the response: %s' % e)
    except Exception:
        s.close()
        raise


def t_h11_keepalive():
    paths = [('GET', '/hello.txt'), ('HEAD', '/random.bin'),
             ('GET', '/random.bin'), ('GET', '/empty.txt'),
             ('GET', '/nested/'), ('GET', '/nope'), ('GET', '/nested'),
             ('GET', '/%E6%97%A5%E6%9C%AC.txt'), ('GET', '/withindex/'),
             ('GET', '/hello.txt')]
    got, conn, s = h11_requests(paths)
    s.close()
    expect(len(got) == len(paths), 'only %d of %d responses on one '
           'connection' % (len(got), len(paths)))
    want = [200, 200, 200, 200, 200, 404, 301, 200, 200, 200]
    codes = [r.status_code for r, _ in got]
    expect(codes == want, 'statuses %s, want %s' % (codes, want))
    expect(got[0][1] == H.file_bytes('hello.txt'), 'hello.txt body')
    expect(got[1][1] == b'', 'HEAD body')
    expect(got[2][1] == H.file_bytes('random.bin'), 'random.bin body')
    expect(got[3][1] == b'', 'empty.txt body')
    expect(got[7][1] == H.file_bytes('日本.txt'), 'UTF-8 name body')
    expect(got[8][1] == H.file_bytes('withindex/index.html'), 'index')


def t_h11_close():
    got, conn, s = h11_requests([('GET', '/hello.txt'),
                                 ('GET', '/style.css')], extra_close=True)
    try:
        expect(len(got) == 2, '%d responses' % len(got))
        r, body = got[1]
        expect(body == H.file_bytes('style.css'), 'body')
        hdr = dict((k.lower(), v.lower()) for k, v in r.headers)
        expect(hdr.get(b'connection') == b'close',
               'Connection %r' % hdr.get(b'connection'))
        s.settimeout(3)
        try:
            d = s.recv(10)
        except ConnectionResetError:
            d = b''
        expect(d == b'', 'server did not close after Connection: close')
    finally:
        s.close()


def closes_after(data, what=''):
    """The request data gets hello.txt with Connection: close, and then
    the server closes; what prefixes the diagnostics."""
    with Conn() as c:
        c.send(data)
        r = c.read_response()
        H.check_file_resp(r, 'hello.txt')
        expect(r.conn_close(), what + 'Connection: %r' % r.h('connection'))
        expect(c.wait_close(3) in ('eof', 'rst'), what + 'not closed')


def t_conn_close_raw():
    closes_after(req('/hello.txt', headers=['Connection: close']))


def t_http10_default_close():
    closes_after(b'GET /hello.txt HTTP/1.0\r\n\r\n', 'HTTP/1.0 ')


def t_http10_keepalive():
    with Conn() as c:
        for rel in ('hello.txt', 'random.bin', 'style.css'):
            c.send(b'GET %s HTTP/1.0\r\nConnection: keep-alive\r\n\r\n' %
                   H.rel_url(rel).encode())
            r = c.read_response()
            H.check_file_resp(r, rel)
            expect((r.h('connection') or '').lower() == 'keep-alive',
                   'Connection: %r' % r.h('connection'))
        c.send(b'GET /hello.txt HTTP/1.0\r\n\r\n')
        r = c.read_response()
        expect(r.conn_close(), 'last 1.0 request not closed')
        expect(c.wait_close(3) in ('eof', 'rst'), 'not closed')


def t_pipeline(n=20):
    rels = ['hello.txt', 'style.css', 'random.bin', 'empty.txt', 'app.js',
            'nested/level1/one.txt', '日本.txt', 'pixel.png', 'noext',
            'with space.txt']
    seq = [rels[i % len(rels)] for i in range(n)]
    data = b''
    methods = []
    for i, rel in enumerate(seq):
        m = 'HEAD' if i % 7 == 3 else 'GET'
        methods.append(m)
        data += req(H.rel_url(rel), m)
    data += req('/nope')
    with Conn(timeout=30) as c:
        c.send(data)
        for i, rel in enumerate(seq):
            r = c.read_response(head=(methods[i] == 'HEAD'))
            try:
                H.check_file_resp(r, rel, head=(methods[i] == 'HEAD'))
            except Fail as e:
                raise Fail('response %d (%s %s): %s' % (i, methods[i], rel, e))
        r = c.read_response()
        expect(r.status == 404, 'last pipelined: %d' % r.status)
        expect(c.wait_close(0.5) == 'timeout', 'extra data or close')


def t_pipeline_big():
    """Many large responses pipelined: the server must not stall."""
    n = 8 if QUICK else 40
    data = H.file_bytes('random.bin')
    with Conn(timeout=120) as c:
        c.send(req('/random.bin') * n)
        for i in range(n):
            r = c.read_response(timeout=120)
            expect(r.status == 200 and r.body == data,
                   'response %d: %d, %d bytes' % (i, r.status, len(r.body)))


def t_pipeline_split():
    """Pipelined requests split at awkward places across sends."""
    data = req('/hello.txt') * 5
    with Conn(timeout=10) as c:
        for i in range(0, len(data), 7):
            c.send(data[i:i + 7])
            time.sleep(0.01)
        for _ in range(5):
            H.check_file_resp(c.read_response(), 'hello.txt')


def t_max_requests():
    km = H.load_http('http_max_requests=3')
    try:
        with Conn() as c:
            for i in range(3):
                c.send(req('/hello.txt'))
                r = c.read_response()
                H.check_file_resp(r, 'hello.txt')
                if i < 2:
                    expect(not r.conn_close(), 'request %d closes' % (i + 1))
            expect(r.conn_close(), 'third response lacks Connection: close')
            how = c.wait_close(3)
            expect(how in ('eof', 'rst'), 'no EOF after request 3: %s' % how)
        # Pipelined: only three answers, then EOF.
        with Conn() as c:
            c.send(req('/hello.txt') * 5)
            for i in range(3):
                r = c.read_response()
                expect(r.status == 200, 'pipelined %d: %d' % (i, r.status))
            expect(r.conn_close(), 'third pipelined response not close')
            expect(c.wait_close(3) in ('eof', 'rst'), 'fourth answered')
    finally:
        unload(10, km)


def t_keepalive_timeout():
    km = H.load_http('http_keepalive_timeout=2', 'idle_timeout=4')
    try:
        with Conn() as c:
            c.send(req('/hello.txt'))
            H.check_file_resp(c.read_response(), 'hello.txt')
            t0 = time.monotonic()
            how = c.wait_close(10)
            dt = time.monotonic() - t0
            expect(how in ('eof', 'rst'), 'idle connection: %s after '
                   '%.1fs' % (how, dt))
            expect(1.5 <= dt <= slack(6), 'closed after %.1fs (timeout 2s)' % dt)
        # Activity resets the timer: 4 requests 1 s apart stay open.
        with Conn() as c:
            for _ in range(4):
                c.send(req('/hello.txt'))
                H.check_file_resp(c.read_response(), 'hello.txt')
                time.sleep(1)
        # A connection that never sends anything is closed by the
        # keep-alive timeout or at the latest by the core's idle_timeout.
        with Conn() as c:
            t0 = time.monotonic()
            how = c.wait_close(10)
            expect(how in ('eof', 'rst', 'data'),
                   'never-used connection still open after %.1fs' %
                   (time.monotonic() - t0))
        return 'idle close after %.1fs' % dt
    finally:
        unload(10, km)


class Trickler(threading.Thread):
    """Sends a request head one byte every `step` seconds."""

    def __init__(self, step=0.5, limit=12.0):
        super().__init__(daemon=True)
        self.step, self.limit = step, limit
        self.result = None          # (status or None, how, seconds)

    def run(self):
        data = b'GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ' + \
            b'a' * 200 + b'\r\n\r\n'
        t0 = time.monotonic()
        s = socket.create_connection(('127.0.0.1', PORT), timeout=5)
        buf = b''
        how = 'timeout'
        try:
            s.settimeout(self.step)
            for i in range(len(data)):
                if time.monotonic() - t0 > self.limit:
                    break
                try:
                    s.send(data[i:i + 1])
                except OSError:
                    how = 'send-error'
                    break
                try:
                    d = s.recv(4096)
                    if not d:
                        how = 'eof'
                        break
                    buf += d
                except socket.timeout:
                    pass
                except ConnectionResetError:
                    how = 'rst'
                    break
            if how == 'send-error' or buf:
                s.settimeout(2)
                try:
                    while True:
                        d = s.recv(4096)
                        if not d:
                            break
                        buf += d
                    how = 'eof'
                except (socket.timeout, OSError):
                    pass
        finally:
            s.close()
        self.result = (H.first_status(buf), how, time.monotonic() - t0)


def t_slowloris():
    km = H.load_http('http_header_timeout=2')
    try:
        n = 4 if QUICK else 8
        tr = [Trickler() for _ in range(n)]
        for x in tr:
            x.start()
        # Normal clients are served meanwhile, quickly.
        served, slow = 0, []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 3.5:
            a = time.monotonic()
            with Conn(timeout=5) as c:
                c.send(req('/hello.txt'))
                H.check_file_resp(c.read_response(), 'hello.txt')
            served += 1
            if time.monotonic() - a > 2.0:
                slow.append(time.monotonic() - a)
            time.sleep(0.2)
        for x in tr:
            x.join(20)
        res = [x.result for x in tr]
        probs = []
        for r in res:
            if r is None:
                probs.append('trickler still running')
                continue
            st, how, dt = r
            if st not in (408, None) or (st is None and how not in
                                         ('eof', 'rst', 'send-error')):
                probs.append('got %s/%s after %.1fs' % (st, how, dt))
            elif not 1.5 <= dt <= slack(8.0):
                probs.append('closed after %.1fs (timeout 2s)' % dt)
        expect(served >= 5, 'only %d normal requests served' % served)
        expect(not slow, 'normal requests slow: %s' %
               ['%.1fs' % x for x in slow])
        expect(not probs, '; '.join(probs))
        n408 = sum(1 for r in res if r and r[0] == 408)
        return '%d/%d got 408, %d normal requests served' % (n408, n, served)
    finally:
        unload(10, km)


def t_partial_head_timeout():
    """A client that sends half a head and stops gets 408 + close."""
    km = H.load_http('http_header_timeout=2')
    try:
        with Conn(timeout=10) as c:
            c.send(b'GET /hello.txt HTTP/1.1\r\nHost: x\r\n')
            t0 = time.monotonic()
            r = c.read_response(timeout=8)
            dt = time.monotonic() - t0
            expect(r.status == 408, 'status %d' % r.status)
            expect(r.conn_close(), '408 without Connection: close')
            expect(c.wait_close(3) in ('eof', 'rst'), 'not closed after 408')
            expect(1.5 <= dt <= slack(5), '408 after %.1fs' % dt)
    finally:
        unload(10, km)


def t_defer_accept():
    """TCP_DEFER_ACCEPT: a client is accepted with its first bytes; one
    that stays silent about a second later (a retransmitted SYN-ACK), and
    is then served like any other."""
    if FAKE:
        raise Skip('no /proc/ksrv/stats for the fake server')
    km = H.load_http()
    try:
        with Conn() as c:
            c.send(req('/hello.txt'))
            H.check_file_resp(c.read_response(), 'hello.txt')
        base = stat(PORT, 'http')['total']
        with Conn() as c:
            time.sleep(0.5)
            n = stat(PORT, 'http')['total'] - base
            expect(n == 0, 'a silent client was accepted within 0.5 s')
            t0 = time.monotonic()
            while (stat(PORT, 'http')['total'] == base and
                   time.monotonic() < t0 + slack(6)):
                time.sleep(0.1)
            dt = time.monotonic() - t0 + 0.5
            expect(stat(PORT, 'http')['total'] == base + 1,
                   'a silent client not accepted after %.1f s' % dt)
            c.send(req('/hello.txt'))
            H.check_file_resp(c.read_response(), 'hello.txt')
        return 'silent client accepted after %.1f s' % dt
    finally:
        unload(10, km)


def t_no_log_per_request():
    if FAKE:
        raise Skip('no kernel log for the fake server')
    km = H.load_http()
    try:
        k = Kmsg()
        n = 60 if QUICK else 200
        with Conn(timeout=30) as c:
            c.send(req('/hello.txt') * (n // 2))
            for _ in range(n // 2):
                c.read_response()
        for i in range(n // 4):
            with Conn() as c:
                c.send(req('/nope%d' % i) + req('/../x'))
                c.read_response()
                c.read_response()
        for i in range(n // 4):
            H.raw_exchange(b'BAD\x01request\r\n\r\n', timeout=3)
        lines = [ln for ln in k.read() if 'ksrvtest' not in ln]
        expect(len(lines) <= 2, 'kernel log grew by %d lines during %d '
               'requests:\n%s' % (len(lines), n, '\n'.join(lines[:5])))
    finally:
        unload(10, km)


def t_many_requests():
    """The default cap (1000): response 1000 closes, 999 do not."""
    n = 1000
    with Conn(timeout=60) as c:
        done = 0
        while done < n:
            k = min(100, n - done)
            c.send(req('/hello.txt') * k)
            for i in range(k):
                r = c.read_response()
                done += 1
                expect(r.status == 200 and r.body == b'Hello, ksrv!\n',
                       'response %d: %r' % (done, r))
                if done < n:
                    expect(not r.conn_close(), 'response %d closes' % done)
        expect(r.conn_close(), 'response %d lacks Connection: close' % n)
        expect(c.wait_close(3) in ('eof', 'rst'), 'not closed after %d' % n)


def t_thread_dispatch():
    """The same HTTP behaviour with dispatch=thread."""
    km = H.load_http('dispatch=thread', 'http_header_timeout=2')
    try:
        t_h11_keepalive()
        t_pipeline()
        t_http10_default_close()
        with Conn(timeout=10) as c:
            c.send(b'GET /hello.txt HTTP/1.1\r\nHost: x\r\n')
            r = c.read_response(timeout=8)
            expect(r.status == 408, 'half head: %d' % r.status)
    finally:
        unload(10, km)


N_TABLE = 300               # echo connections for the paged reads


def conntable(chunk=65536):
    """/proc/ksrv/conns as {(local, peer): fields}; each pair once.
    The peer alone is no key: Linux gives two connections to different
    ports the same ephemeral port."""
    rows = {}
    for f in read_conns(chunk):
        key = (f['local'], f['peer'])
        expect(key not in rows, 'conns: listed twice: %r' % f)
        rows[key] = f
    return rows


def addr_str(a):
    host, port = a[:2]
    return ('[%s]:%d' if ':' in host else '%s:%d') % (host, port)


def key_of(s):
    """A client socket's (local, peer) as the server's line shows them."""
    return (addr_str(s.getpeername()), addr_str(s.getsockname()))


def t_conntable():
    """Echo over IPv4 and IPv6, HTTP keep-alive with 3 requests, then
    N_TABLE more, read in pages and a byte at a time; closed ones go."""
    e4 = connect(H.ECHO_PORT, 4, timeout=10)
    e6 = connect(H.ECHO_PORT, 6, timeout=10)
    c = Conn(timeout=10)
    many = []
    try:
        echo_once(e4, b'x' * 100)
        for _ in range(3):
            c.send(req('/hello.txt'))
            H.check_file_resp(c.read_response(), 'hello.txt')
        want = {key_of(e4): ('echo', H.ECHO_PORT, '127.0.0.1', 100, '-'),
                key_of(e6): ('echo', H.ECHO_PORT, '[::1]', 0, '-'),
                key_of(c.sock): ('http', PORT, '127.0.0.1',
                               3 * len(req('/hello.txt')), '3')}
        hello_out = [0]

        def all_there():
            rows = conntable()
            for key, (proto, port, host, nin, nreq) in want.items():
                f = rows.get(key)
                if not f or f['bytes_in'] != str(nin) or \
                        f['requests'] != nreq:
                    return False
                if proto == 'http':
                    hello_out[0] = int(f['bytes_out'])
                elif f['bytes_out'] != str(nin):
                    return False    # the peer's ACK may lag a little
            return True
        expect(wait_for(all_there, slack(5)), 'conns: want %s, got %s' % (
            want, {p: conntable().get(p) for p in want}))
        rows = conntable()
        for key, (proto, port, host, _, _) in want.items():
            f = rows[key]
            expect((f['proto'], f['port'], f['local'], f['state']) ==
                   (proto, str(port), '%s:%d' % (host, port), 'ESTABLISHED'),
                   'conns: %r' % f)
        expect(hello_out[0] > 3 * len(H.file_bytes('hello.txt')),
               'http bytes_out %d' % hello_out[0])
        many, errs = open_many(H.ECHO_PORT, N_TABLE, timeout=slack(30))
        expect(not errs, 'open_many: %s' % errs[:3])
        expect(wait_for(lambda: len(conntable()) >= N_TABLE + 3, slack(10)),
               'conns: %d lines for %d connections' %
               (len(conntable()), N_TABLE + 3))
        paged = conntable(4096)
        small = conntable(1)
        expect(set(paged) == set(small) and len(paged) >= N_TABLE + 3,
               'paged reads: %d and %d connections' % (len(paged),
                                                       len(small)))
        gone = key_of(e4)
        e4.close()
        expect(wait_for(lambda: gone not in conntable(), slack(5)),
               'conns: closed connection %s still listed' % (gone,))
    finally:
        close_all(many)
        for s in (e4, e6):
            s.close()
        c.close()
    return '%d connections listed' % (N_TABLE + 3)


def main():
    t = H.suite('63-http-conn', 300, 200)
    km = H.load_on_fixture(t)
    t.run('/proc/ksrv/conns lists every connection', t_conntable)
    t.run('h11: keep-alive, 10 requests on one connection', t_h11_keepalive)
    t.run('h11: Connection: close honoured', t_h11_close)
    t.run('raw: Connection: close -> server closes', t_conn_close_raw)
    t.run('HTTP/1.0 closes by default', t_http10_default_close)
    t.run('HTTP/1.0 keep-alive', t_http10_keepalive)
    t.run('pipelining 20 requests in one send', t_pipeline)
    t.run('pipelined requests split across sends', t_pipeline_split)
    t.run('pipelined 1 MiB responses', t_pipeline_big)
    if not QUICK:
        t.run('1000 requests on one connection (default cap)',
              t_many_requests)
    t.run('rmmod clean', unload, 10, km)
    t.run('dispatch=thread: keep-alive, pipelining, 408', t_thread_dispatch)
    t.run('http_max_requests=3', t_max_requests)
    t.run('http_keepalive_timeout=2 (idle_timeout=4)',
          t_keepalive_timeout)
    t.run('slowloris: 408 while others are served', t_slowloris)
    t.run('half a head -> 408 after http_header_timeout',
          t_partial_head_timeout)
    t.run('no kernel log line per request', t_no_log_per_request)
    t.run('deferred accept: silent client accepted ~1 s later, then served',
          t_defer_accept)
    t.finish()


if __name__ == '__main__':
    main()
