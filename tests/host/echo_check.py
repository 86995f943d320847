#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Echo protocol checks used by tests/host/userspace.sh.

Usage: echo_check.py CASE PORT [HOST]
Exit status 0 when the case passes; on failure a '# ' diagnostic line is
printed and the status is 1.  Every socket operation has a timeout.
"""
import os
import socket
import sys
import threading
import time

TIMEOUT = 10.0


def connect(host, port):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise AssertionError("EOF after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return bytes(buf)


def recv_to_eof(s):
    buf = bytearray()
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            return bytes(buf)
        buf += chunk


def stream(host, port, data):
    """Send data while reading concurrently, half-close, read to EOF."""
    s = connect(host, port)
    got = []

    def reader():
        try:
            got.append(recv_to_eof(s))
        except OSError as e:
            got.append(e)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join(TIMEOUT * 3)
    s.close()
    if not got or isinstance(got[0], Exception):
        raise AssertionError("reader failed: %r" % (got,))
    return got[0]


def case_binary(host, port):
    # Every byte value, runs of NULs, a lone NUL, CR/LF: C-string traps.
    data = bytes(range(256)) + b"\0" * 100 + b"a\0b\r\n\0" + bytes(range(255, -1, -1))
    s = connect(host, port)
    s.sendall(data)
    echoed = recv_exact(s, len(data))
    assert echoed == data, "binary data differs"
    s.sendall(b"\0")
    assert recv_exact(s, 1) == b"\0", "single NUL not echoed"
    s.close()


def case_stream3m(host, port):
    data = os.urandom(3 * 1024 * 1024)
    got = stream(host, port, data)
    assert len(got) == len(data), "got %d of %d bytes" % (len(got), len(data))
    assert got == data, "3 MB stream differs"


def case_halfclose(host, port):
    s = connect(host, port)
    s.sendall(b"first\0")
    assert recv_exact(s, 6) == b"first\0"
    # Without a FIN from us the server must keep the connection open.
    s.settimeout(0.3)
    try:
        chunk = s.recv(16)
        raise AssertionError("server sent %r / closed early" % chunk)
    except socket.timeout:
        pass
    s.settimeout(TIMEOUT)
    tail = os.urandom(200000)
    s.sendall(tail)
    s.shutdown(socket.SHUT_WR)
    # After our FIN: everything echoed, then the server closes.
    got = recv_to_eof(s)
    assert got == tail, "tail after half-close: got %d of %d bytes" % (
        len(got), len(tail))
    s.close()


def case_backpressure(host, port):
    """A client that never reads must not make the server buffer freely."""
    limit = 64 * 1024 * 1024
    s = connect(host, port)
    s.setblocking(False)
    block = os.urandom(256 * 1024)
    sent = 0
    pos = 0
    deadline = time.time() + 5
    stalls = 0
    while sent < limit and time.time() < deadline:
        try:
            n = s.send(block[pos:])
            sent += n
            pos = (pos + n) % len(block)
            stalls = 0
        except BlockingIOError:
            stalls += 1
            if stalls > 20:
                break
            time.sleep(0.01)
    # Socket buffers on loopback hold a few MB in each direction; anything
    # near the limit means the server kept reading without being able to
    # send.
    print("# backpressure: client could send %d bytes without reading" % sent)
    assert sent < 40 * 1024 * 1024, "server kept reading: %d bytes" % sent
    s.setblocking(True)
    s.settimeout(TIMEOUT)
    # FIN while the server still holds unsent data: it must flush it all
    # and only then close.
    s.shutdown(socket.SHUT_WR)
    got = recv_to_eof(s)
    expect = (block * (sent // len(block) + 1))[:sent]
    assert len(got) == sent, "got %d of %d bytes" % (len(got), sent)
    assert got == expect, "data differs after backpressure"
    s.close()


def case_empty(host, port):
    s = connect(host, port)
    s.shutdown(socket.SHUT_WR)
    assert recv_to_eof(s) == b"", "data on an empty connection"
    s.close()


def listen(host, port):
    """A listening socket for the fake servers; says so on stdout."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(16)
    ls.settimeout(TIMEOUT)
    print("listening", flush=True)
    return ls


def case_badserver(host, port):
    """Echo server that corrupts one byte; serves one connection's worth."""
    ls = listen(host, port)
    c, _ = ls.accept()
    c.settimeout(TIMEOUT)
    total = 0
    try:
        while True:
            d = c.recv(65536)
            if not d:
                break
            if total < 100 <= total + len(d):
                b = bytearray(d)
                b[100 - total] ^= 0x20
                d = bytes(b)
            total += len(d)
            c.sendall(d)
    except OSError:
        pass
    c.close()
    ls.close()


def case_closeall(host, port):
    """Accept 10 connections and close each at once (an over-limit server)."""
    ls = listen(host, port)
    for _ in range(10):
        c, _ = ls.accept()
        c.close()
    ls.close()


CASES = {
    "binary": case_binary,
    "stream3m": case_stream3m,
    "halfclose": case_halfclose,
    "backpressure": case_backpressure,
    "empty": case_empty,
    "badserver": case_badserver,
    "closeall": case_closeall,
}


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in CASES:
        print("Usage: echo_check.py {%s} PORT [HOST]" % ",".join(CASES),
              file=sys.stderr)
        return 2
    host = sys.argv[3] if len(sys.argv) == 4 else "127.0.0.1"
    try:
        CASES[sys.argv[1]](host, int(sys.argv[2]))
    except (AssertionError, OSError) as e:
        print("# %s: %s" % (sys.argv[1], e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
