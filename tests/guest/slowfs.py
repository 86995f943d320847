# SPDX-License-Identifier: GPL-2.0
"""slowfs: a read-only FUSE file system whose slow operations wait for the
test, served by threads of the test's own process (python3 standard
library only; talks the FUSE protocol on /dev/fuse directly).

Tree (modes 0444 / 0555, owner root):
  /fast.txt            answered at once
  /slow-N.bin          N = 0..63, 4096 bytes; READ waits
  /slowdir/            "cold directory": READDIR and LOOKUP in it wait
  /slowdir/x.txt       (its look-up waits), read at once

A waiting operation blocks until release() (or `limit` seconds, so a
test that dies cannot hang the kernel for good); waiting() says how many
wait now. Each slow-N.bin is read through the page cache, so only its
first read reaches the file system: use each one once.
"""
import ctypes
import errno
import os
import struct
import threading
import time

OP = {'LOOKUP': 1, 'FORGET': 2, 'GETATTR': 3, 'OPEN': 14, 'READ': 15,
      'STATFS': 17, 'RELEASE': 18, 'FLUSH': 25, 'INIT': 26, 'OPENDIR': 27,
      'READDIR': 28, 'RELEASEDIR': 29, 'ACCESS': 34, 'INTERRUPT': 36,
      'DESTROY': 38, 'BATCH_FORGET': 42}
NO_REPLY = (OP['FORGET'], OP['BATCH_FORGET'], OP['INTERRUPT'])
PARALLEL_DIROPS = 1 << 18                   # FUSE_PARALLEL_DIROPS
IN_HDR = struct.Struct('<IIQQIIIxxxx')      # len opcode unique nodeid uid gid pid
OUT_HDR = struct.Struct('<IiQ')             # len error unique
ATTR = struct.Struct('<QQQQQQIIIIIIIIII')   # struct fuse_attr, 88 bytes
READ_IN = struct.Struct('<QQI')             # fh offset size
S_IFDIR, S_IFREG = 0o040000, 0o100000
ROOT, FAST, SLOWDIR, X_TXT, SLOW0 = 1, 2, 3, 4, 10
N_SLOW = 64
SLOW_SIZE = 4096
FAST_DATA = b'fast file on slowfs\n'
BUF = 1 << 17 | 4096


def slow_bytes(i):
    """The content of slow-<i>.bin."""
    return bytes((i * 7 + k) & 0xff for k in range(SLOW_SIZE))


class SlowFS:
    def __init__(self, mnt, threads=8, limit=120.0):
        self.mnt = mnt
        self.limit = limit
        self.nthreads = threads
        self.fd = None
        self.threads = []
        self.cond = threading.Condition()
        self.released = False
        self.nwait = 0
        self.what = []          # what waits now, for messages
        self.t0 = time.monotonic()
        self.nodes = {ROOT: ('', S_IFDIR | 0o555, 0),
                      FAST: ('fast.txt', S_IFREG | 0o444, len(FAST_DATA)),
                      SLOWDIR: ('slowdir', S_IFDIR | 0o555, 0),
                      X_TXT: ('x.txt', S_IFREG | 0o444, len(FAST_DATA))}
        for i in range(N_SLOW):
            self.nodes[SLOW0 + i] = ('slow-%d.bin' % i, S_IFREG | 0o444,
                                     SLOW_SIZE)

    # ---- control, from the test ------------------------------------------

    def start(self):
        os.makedirs(self.mnt, exist_ok=True)
        self.fd = os.open('/dev/fuse', os.O_RDWR)
        libc = ctypes.CDLL(None, use_errno=True)
        opts = ('fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other,'
                'default_permissions,max_read=4096' % self.fd).encode()
        ms_rdonly, ms_nosuid, ms_nodev = 1, 2, 4
        if libc.mount(b'slowfs', self.mnt.encode(), b'fuse',
                      ms_rdonly | ms_nosuid | ms_nodev, opts) != 0:
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, 'mount fuse on %s: %s' % (self.mnt,
                                                       os.strerror(e)))
        for _ in range(self.nthreads):
            t = threading.Thread(target=self._serve, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def hold(self):
        """Slow operations wait again (until the next release())."""
        with self.cond:
            self.released = False

    def release(self):
        with self.cond:
            self.released = True
            self.cond.notify_all()

    def waiting(self):
        with self.cond:
            return self.nwait

    def waiting_for(self):
        """What waits now, e.g. ['READ slow-3.bin', 'LOOKUP x.txt']."""
        with self.cond:
            return list(self.what)

    def stop(self):
        self.release()
        libc = ctypes.CDLL(None, use_errno=True)
        libc.umount2(self.mnt.encode(), 2)      # MNT_DETACH
        for t in self.threads:
            t.join(5)
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    # ---- the file system -------------------------------------------------

    def _wait(self, what):
        deadline = time.monotonic() + self.limit
        with self.cond:
            self.nwait += 1
            self.what.append(what)
            while not self.released and time.monotonic() < deadline:
                self.cond.wait(0.2)
            self.nwait -= 1
            self.what.remove(what)

    def _attr(self, ino):
        _, mode, size = self.nodes[ino]
        now = int(time.time())
        return ATTR.pack(ino, size, (size + 511) // 512, now, now, now,
                         0, 0, 0, mode, 2 if mode & S_IFDIR else 1, 0, 0,
                         0, 4096, 0)

    def _entry(self, ino):
        # No caching of look-ups: a cold directory stays cold.
        return struct.pack('<QQQQII', ino, 0, 0, 1, 0, 0) + self._attr(ino)

    def _children(self, ino):
        if ino == ROOT:
            return [FAST, SLOWDIR] + [SLOW0 + i for i in range(N_SLOW)]
        if ino == SLOWDIR:
            return [X_TXT]
        return []

    def _lookup(self, parent, name):
        if parent == SLOWDIR:
            self._wait('LOOKUP ' + name)
        for ino in self._children(parent):
            if self.nodes[ino][0] == name:
                return 0, self._entry(ino)
        return -errno.ENOENT, b''

    def _read(self, ino, off, size):
        if ino == FAST or ino == X_TXT:
            return 0, FAST_DATA[off:off + size]
        if SLOW0 <= ino < SLOW0 + N_SLOW:
            self._wait('READ ' + self.nodes[ino][0])
            return 0, slow_bytes(ino - SLOW0)[off:off + size]
        return -errno.EISDIR, b''

    def _readdir(self, ino, off, size):
        if ino == SLOWDIR:
            self._wait('READDIR slowdir')
        ents = [(ino, '.', S_IFDIR), (ROOT, '..', S_IFDIR)] + [
            (c, self.nodes[c][0], self.nodes[c][1]) for c in
            self._children(ino)]
        out = b''
        for i in range(off, len(ents)):
            e_ino, name, mode = ents[i]
            nb = name.encode()
            d = struct.pack('<QQII', e_ino, i + 1, len(nb), mode >> 12) + nb
            d += b'\0' * (-len(d) % 8)
            if len(out) + len(d) > size:
                break
            out += d
        return 0, out

    def _handle(self, op, ino, body):
        if op == OP['INIT']:
            # Look-ups in one directory run in parallel, as with libfuse 3
            # (without it the kernel serialises them per directory).
            major, minor, readahead, flags = struct.unpack_from('<IIII',
                                                                body)
            return 0, struct.pack('<IIIIHHIIHHI28x', 7, min(minor, 31),
                                  4096, flags & PARALLEL_DIROPS, 16, 12,
                                  4096, 1, 0, 0, 0)
        if op == OP['LOOKUP']:
            return self._lookup(ino, body.split(b'\0', 1)[0].decode())
        if op == OP['GETATTR']:
            return 0, struct.pack('<QII', 1, 0, 0) + self._attr(ino)
        if op in (OP['OPEN'], OP['OPENDIR']):
            return 0, struct.pack('<QIi', 0, 0, 0)
        if op == OP['READ']:
            _, off, size = READ_IN.unpack_from(body)
            return self._read(ino, off, size)
        if op == OP['READDIR']:
            _, off, size = READ_IN.unpack_from(body)
            return self._readdir(ino, off, size)
        if op == OP['STATFS']:
            return 0, struct.pack('<QQQQQIIII24x', 0, 0, 0, 0, 0, 4096,
                                  255, 4096, 0)
        if op in (OP['RELEASE'], OP['RELEASEDIR'], OP['FLUSH'],
                  OP['ACCESS'], OP['DESTROY']):
            return 0, b''
        return -errno.ENOSYS, b''

    def _serve(self):
        while True:
            try:
                req = os.read(self.fd, BUF)
            except OSError as e:
                if e.errno in (errno.EINTR, errno.EAGAIN, errno.ENOENT):
                    continue        # ENOENT: the request was interrupted
                return              # ENODEV: unmounted
            if len(req) < IN_HDR.size:
                continue
            _, op, unique, ino, _, _, _ = IN_HDR.unpack_from(req)
            if op in NO_REPLY:
                continue
            try:
                err, data = self._handle(op, ino, req[IN_HDR.size:])
            except Exception:
                err, data = -errno.EIO, b''
            try:
                os.write(self.fd, OUT_HDR.pack(OUT_HDR.size + len(data),
                                               err, unique) + data)
            except OSError:
                pass                # interrupted or unmounted meanwhile
            if op == OP['DESTROY']:
                return
