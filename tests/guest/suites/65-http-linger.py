#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""65-http-linger: a response that ends with a close survives unread input.

A server that releases its socket while input is unread sends a reset,
and the reset throws away response bytes still queued for sending. Each
case here leaves input unread behind a closing response that is much
larger than the socket buffers, waits so that the server has finished,
and only then reads: every byte must arrive.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import (Suite, ensure_unloaded, expect, load, log, unload)

PORT = 18085
ROOT = '/tmp/www-linger'
SIZE = 6 << 20


def fixture():
    os.makedirs(ROOT, exist_ok=True)
    with open(os.path.join(ROOT, 'big.bin'), 'wb') as f:
        f.write(os.urandom(SIZE))
    with open(os.path.join(ROOT, 'big.bin'), 'rb') as f:
        return f.read()


def read_response(s, timeout=60.0):
    """Read until EOF; return (head, body) split at the blank line."""
    s.settimeout(timeout)
    data = bytearray()
    while True:
        try:
            chunk = s.recv(1 << 16)
        except ConnectionResetError:
            raise AssertionError('reset after %d bytes' % len(data))
        if not chunk:
            break
        data += chunk
    head, _, body = bytes(data).partition(b'\r\n\r\n')
    return head, body


def slow_client(req, extra, want):
    # A small receive window, set before connecting so that it is the one
    # negotiated: the response then stays queued at the server.
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.settimeout(10)
    s.connect(('127.0.0.1', PORT))
    s.sendall(req)
    # The server is sending and, with a response in progress, not reading:
    # these bytes stay in its socket's receive queue.
    time.sleep(1)
    s.sendall(extra)
    time.sleep(3)       # the server is done and closing by now
    head, body = read_response(s)
    s.close()
    expect(head.startswith(b'HTTP/1.1 200'), 'status: %r' % head[:40])
    expect(b'Connection: close' in head, 'no Connection: close')
    expect(body == want, 'body: %d of %d bytes' % (len(body), len(want)))


def main():
    t = Suite('65-http-linger', 180, 120)
    t.cleanups.append(ensure_unloaded)
    ensure_unloaded()
    want = fixture()
    try:
        km = load('services=http:%d' % PORT, 'http_root=%s' % ROOT)
    except Exception as e:
        t.not_ok('insmod', str(e))
        t.finish()
        return
    get = b'GET /big.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
    t.run('Connection: close with a pipelined request behind it',
          slow_client, get, b'GET / HTTP/1.1\r\nHost: t\r\n\r\n', want)
    t.run('Connection: close with garbage behind it',
          slow_client, get, os.urandom(3000), want)
    t.run('HTTP/1.0 with a pipelined request behind it', slow_client,
          b'GET /big.bin HTTP/1.0\r\n\r\n', b'GET / HTTP/1.0\r\n\r\n', want)
    log('lingering close done')
    t.run('rmmod', unload, 10, km)
    t.finish()


main()
