#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""HTTP helpers for tests/host/http-tools.sh.

Usage:
  http_tools_check.py badserver MODE PORT
      Serve deliberately broken HTTP on 127.0.0.1:PORT for at most 30 s
      (prints "listening" once ready).  MODE:
        short    Content-Length 20, only 12 body bytes, then close
        long     Content-Length 5 but 12 body bytes, keep-alive
        vary     keep-alive, body length alternates 12 / 13 bytes
        status   keep-alive, every response is 500
        chunked  Transfer-Encoding: chunked response
        noclose  ignores "Connection: close": never closes
        garbage  answers with a line that is not HTTP
        cap3     not broken: like ksrv's http_max_requests=3, the 3rd
                 response on a connection says "Connection: close" and
                 the server closes (discarding pipelined requests)
  http_tools_check.py server CASE PORT
      Check user-http-server on 127.0.0.1:PORT; exit 0 when CASE passes,
      else print a '# ' diagnostic and exit 1.
Every socket operation has a timeout.
"""
import socket
import sys
import threading
import time

TIMEOUT = 10.0
BODY = b"Hello world\n"


def read_head(conn, buf):
    """Read until CRLFCRLF; returns (head, rest) or (None, buf) on EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    i = buf.index(b"\r\n\r\n") + 4
    return buf[:i], buf[i:]


def resp(body, extra=b"", length=None, status=b"200 OK"):
    if length is None:
        length = len(body)
    return (b"HTTP/1.1 " + status + b"\r\nContent-Length: " +
            str(length).encode() + b"\r\n" + extra + b"\r\n" + body)


def bad_conn(mode, conn):
    conn.settimeout(TIMEOUT)
    buf = b""
    n = 0
    try:
        while True:
            head, buf = read_head(conn, buf)
            if head is None:
                return
            n += 1
            if mode == "short":
                conn.sendall(resp(BODY, length=20))
                return
            if mode == "long":
                conn.sendall(resp(BODY, length=5))
            elif mode == "vary":
                conn.sendall(resp(BODY if n % 2 else BODY + b"!"))
            elif mode == "status":
                conn.sendall(resp(BODY, status=b"500 Internal Server Error"))
            elif mode == "chunked":
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                             b"chunked\r\n\r\nc\r\nHello world\n\r\n0\r\n\r\n")
            elif mode == "noclose":
                conn.sendall(resp(BODY, extra=b"Connection: close\r\n"))
                time.sleep(TIMEOUT)
                return
            elif mode == "cap3":
                if n < 3:
                    conn.sendall(resp(BODY))
                    continue
                conn.sendall(resp(BODY, extra=b"Connection: close\r\n"))
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(65536):
                    pass
                return
            elif mode == "garbage":
                conn.sendall(b"SSH-2.0-not-http\r\n\r\n")
                return
    except OSError:
        pass
    finally:
        conn.close()


def badserver(mode, port):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(128)
    ls.settimeout(1.0)
    print("listening", flush=True)
    end = time.time() + 30
    while time.time() < end:
        try:
            conn, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=bad_conn, args=(mode, conn),
                         daemon=True).start()
    ls.close()


# ---- checks of user-http-server -----------------------------------------

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s, buf, head_only=False):
    """Returns (status, headers dict, body, rest)."""
    head, buf = read_head(s, buf)
    if head is None:
        raise AssertionError("EOF before a response head (%r)" % buf)
    lines = head[:-4].split(b"\r\n")
    status = int(lines[0].split(b" ")[1])
    hdrs = {}
    for line in lines[1:]:
        k, v = line.split(b":", 1)
        hdrs[k.strip().lower().decode()] = v.strip().decode()
    n = 0 if head_only else int(hdrs["content-length"])
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise AssertionError("EOF inside a body")
        buf += chunk
    return status, hdrs, buf[:n], buf[n:]


def expect_eof(s, rest):
    if rest:
        raise AssertionError("extra bytes after the last response: %r" % rest)
    if s.recv(65536) != b"":
        raise AssertionError("server did not close")


def req(extra=b"", method=b"GET", path=b"/", ver=b"HTTP/1.1"):
    return (method + b" " + path + b" " + ver + b"\r\nHost: x\r\n" + extra +
            b"\r\n")


def case_pipeline(port):
    """100 pipelined requests in one write, answered in order, then close."""
    s = connect(port)
    reqs = [req(path=b"/p%d" % i) for i in range(99)]
    reqs.append(req(b"Connection: close\r\n"))
    s.sendall(b"".join(reqs))
    rest = b""
    for i in range(100):
        st, h, body, rest = read_response(s, rest)
        assert st == 200 and body == BODY, (i, st, body)
        want = "close" if i == 99 else "keep-alive"
        assert h["connection"] == want, (i, h)
    expect_eof(s, rest)


def case_split(port):
    """Requests trickled byte by byte, and two heads split mid-CRLFCRLF."""
    s = connect(port)
    data = req() + req(b"X-A: b\r\n")
    for i in range(len(data)):
        s.sendall(data[i:i + 1])
        time.sleep(0.001)
    rest = b""
    for _ in range(2):
        st, h, body, rest = read_response(s, rest)
        assert st == 200 and body == BODY, (st, body)
    s.sendall(req()[:-3])
    time.sleep(0.05)
    s.sendall(b"\n\r\n" + req(b"Connection: close\r\n"))
    for _ in range(2):
        st, h, body, rest = read_response(s, rest)
        assert st == 200 and body == BODY, (st, body)
    expect_eof(s, rest)


def case_http10(port):
    """HTTP/1.0 closes by default; keeps alive when asked to."""
    s = connect(port)
    s.sendall(req(ver=b"HTTP/1.0", extra=b"Connection: keep-alive\r\n"))
    st, h, body, rest = read_response(s, b"")
    assert st == 200 and h["connection"] == "keep-alive", h
    s.sendall(req(ver=b"HTTP/1.0"))
    st, h, body, rest = read_response(s, rest)
    assert st == 200 and h["connection"] == "close", h
    assert h["content-length"] == str(len(BODY)), h
    expect_eof(s, rest)


def case_head(port):
    """HEAD: same Content-Length, no body; next response follows at once."""
    s = connect(port)
    s.sendall(req(method=b"HEAD") + req(b"Connection: close\r\n"))
    st, h, body, rest = read_response(s, b"", head_only=True)
    assert st == 200 and h["content-length"] == str(len(BODY)), h
    st, h, body, rest = read_response(s, rest)
    assert st == 200 and body == BODY, (st, body)
    expect_eof(s, rest)


def case_body(port):
    """A request body (Content-Length) is skipped, not taken as a request."""
    s = connect(port)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n" +
              b"GET / HTTP/1.1\r\n\r\n!!" + req(b"Connection: close\r\n"))
    rest = b""
    for _ in range(2):
        st, h, body, rest = read_response(s, rest)
        assert st == 200 and body == BODY, (st, body)
    expect_eof(s, rest)


def case_bad(port):
    """Malformed requests get an error status and the connection closes."""
    cases = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n folded: x\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        (b"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 17000 + b"\r\n\r\n", 431),
    ]
    for data, want in cases:
        s = connect(port)
        s.sendall(data)
        st, h, body, rest = read_response(s, b"")
        assert st == want and h["connection"] == "close", (data[:30], st, h)
        expect_eof(s, rest)
        s.close()


CASES = {
    "pipeline": case_pipeline,
    "split": case_split,
    "http10": case_http10,
    "head": case_head,
    "body": case_body,
    "bad": case_bad,
}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "badserver":
        badserver(sys.argv[2], int(sys.argv[3]))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "server":
        try:
            CASES[sys.argv[2]](int(sys.argv[3]))
        except (AssertionError, OSError, ValueError, KeyError) as e:
            print("# %s: %s: %r" % (sys.argv[2], type(e).__name__, e))
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
