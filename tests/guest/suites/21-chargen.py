#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""21-chargen: the character generator (RFC 864) and the plug-in events.

The exact RFC 864 pattern from the first byte on, input ignored, the end
of the connection when the client closes its side while the stream flows
(chargen reads only in data_ready and sends only in write_space, so a
read event lost while a write event is pending leaves it sending for
ever), a client that stops reading reaped by the idle time-out, rmmod
with streams open, in every dispatch mode.
"""
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (QUICK, Fail, Suite, connect, deadline, each_dispatch,
                      ensure_unloaded, expect, expect_all_closed, first_diff,
                      have_stats, recv_exact, recv_until_close, stat, unload,
                      wait_stat)

PORT = 12319
LINE = 72
CHARS = 95
PERIOD = CHARS * (LINE + 2)
FIN_ROUNDS = 10 if QUICK else 20
IDLE = 2
# What may follow our FIN: the client's receive buffer and the server's
# send buffer (6 MiB and 4 MiB at most with Debian's tcp_rmem/tcp_wmem),
# plus one write_space round (256 KiB); a server that missed the FIN
# keeps going.
AFTER_FIN_CAP = 32 << 20


def _period():
    one = bytearray()
    for line in range(CHARS):
        one += bytes(32 + (line + col) % CHARS for col in range(LINE))
        one += b'\r\n'
    return bytes(one)


CHUNK = 262144
# Enough periods that any CHUNK bytes from any position are one slice.
BIG = _period() * (CHUNK // PERIOD + 2)


def check_stream(data, off=0):
    """data must be the stream's bytes from position off."""
    for at in range(0, len(data), CHUNK):
        piece = data[at:at + CHUNK]
        o = (off + at) % PERIOD
        want = BIG[o:o + len(piece)]
        if piece != want:
            raise Fail('stream differs at byte %d' %
                       (off + at + first_diff(piece, want)))


def t_pattern(fam):
    with connect(PORT, fam) as s:
        check_stream(recv_exact(s, 3 * PERIOD + 17, deadline(20)))


def t_input_ignored(fam):
    """Input of any size is discarded; the stream goes on unchanged."""
    with connect(PORT, fam) as s:
        got = 0
        for i in range(20):
            s.sendall(bytes([i]) * 40000)
            data = recv_exact(s, 50000, deadline(20))
            check_stream(data, got)
            got += len(data)


def _read_to_end(s, off, dl, cap):
    """Reads and checks the stream from position off until EOF, reset,
    the deadline or cap bytes. Returns (how, bytes read)."""
    n = 0
    while n < cap:
        t = dl - time.monotonic()
        if t <= 0:
            return 'timeout', n
        s.settimeout(t)
        try:
            chunk = s.recv(CHUNK)
        except socket.timeout:
            return 'timeout', n
        except ConnectionResetError:
            return 'rst', n
        if not chunk:
            return 'eof', n
        check_stream(chunk, off + n)
        n += len(chunk)
    return 'still sending', n


def _fin_round(fam, with_data):
    """Read at full speed, close our side, read on: the server must end
    the connection (EOF) and the stream must be right up to it."""
    with connect(PORT, fam) as s:
        data = recv_exact(s, 256 * 1024, deadline(20))
        check_stream(data)
        if with_data:
            s.sendall(b'bye\r\n')
        s.shutdown(socket.SHUT_WR)
        return _read_to_end(s, len(data), deadline(10), AFTER_FIN_CAP)


def t_close_on_fin(fam):
    bad = []
    most = 0
    for i in range(FIN_ROUNDS):
        how, n = _fin_round(fam, i % 2)
        if how != 'eof':
            bad.append('round %d: %s after %d more bytes' % (i, how, n))
        else:
            most = max(most, n)
    expect(not bad, '%d of %d connections not closed after our FIN: %s' %
           (len(bad), FIN_ROUNDS, '; '.join(bad[:5])))
    return 'at most %d bytes after our FIN' % most


def t_reaped():
    """A client that stops reading is closed by the idle time-out. It must
    not read while it waits: reading would keep the connection alive."""
    before = stat(PORT, 'chargen')['timed_out'] if have_stats() else 0
    with connect(PORT, 4) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        t0 = time.monotonic()
        if have_stats():
            got = wait_stat(PORT, 'timed_out', before + 1,
                            timeout=IDLE * 4 + 10, proto='chargen')
            expect(got == before + 1, 'not timed out after %.1fs' %
                   (time.monotonic() - t0))
        else:
            time.sleep(IDLE * 4)
        _, how = recv_until_close(s, deadline(10), limit=1 << 40)
        expect(how in ('eof', 'rst'), 'still open after %.1fs (%s)' %
               (time.monotonic() - t0, how))


def t_rmmod_streaming(km):
    """rmmod while 8 clients read streams at full speed."""
    ends = []

    def reader():
        try:
            with connect(PORT, 4) as s:
                _, how = recv_until_close(s, deadline(60), limit=1 << 40)
                ends.append(how)
        except OSError as e:
            ends.append(repr(e))

    ths = [threading.Thread(target=reader) for _ in range(8)]
    for th in ths:
        th.start()
    time.sleep(1)
    unload(10.0, km)
    for th in ths:
        th.join(30)
    expect(len(ends) == 8 and all(h in ('eof', 'rst') for h in ends),
           'readers ended %r' % ends)


def t_counters():
    st = stat(PORT, 'chargen')
    expect(st['bytes_out'] > 3 * PERIOD and st['bytes_in'] > 0,
           'bytes_in %d bytes_out %d' % (st['bytes_in'], st['bytes_out']))
    expect_all_closed(PORT, 'chargen')


def main():
    t = Suite('21-chargen', 240, 120)
    ensure_unloaded()
    for pre, km in each_dispatch(t, 'services=chargen:%d' % PORT,
                                 'idle_timeout=%d' % IDLE):
        for fam in (4, 6):
            p = '%sIPv%d ' % (pre, fam)
            t.run(p + 'RFC 864 pattern from the first byte', t_pattern, fam)
            t.run(p + 'input ignored, stream unchanged', t_input_ignored,
                  fam)
            t.run(p + 'client FIN while streaming ends the connection '
                  '(%d rounds)' % FIN_ROUNDS, t_close_on_fin, fam)
        t.run(pre + 'a client that stops reading is reaped', t_reaped)
        if have_stats():
            t.run(pre + 'bytes counted, open back to 0', t_counters)
        t.run(pre + 'rmmod while 8 streams flow', t_rmmod_streaming, km)
    t.finish()


main()
