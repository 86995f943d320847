#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Shared helpers for the ksrv in-guest test suites.

Only the Debian python3 standard library is used.  Everything that talks to
the network has a deadline, so a broken module makes a test fail instead of
hanging the guest.

Environment (see the guest test protocol):
  KSRV_KO   absolute path of ksrv.ko for the running kernel
  QUICK     "1" for the short variant of every suite
  KSRVTEST_FAKE_SERVER
            host development only: instead of insmod, start this python
            script (a user-space echo server taking the same key=value
            arguments) and kill it on "rmmod".  Never used in the guest.
"""

import ctypes
import errno
import os
import random
import re
import resource
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

sys.dont_write_bytecode = True

KO = os.environ.get('KSRV_KO', '')
QUICK = os.environ.get('QUICK', '0') == '1'
FAKE = os.environ.get('KSRVTEST_FAKE_SERVER', '')
# How much slower than a stock kernel this one runs (the debug kernel with
# KASAN, lockdep and kmemleak under TCG: several times). Every bound on how
# long something may take -- suite limits, client time-outs, waits, rmmod
# limits -- is multiplied by it; lower bounds (a time-out must not fire
# early) are not.
TIME_SCALE = max(1.0, float(os.environ.get('KSRV_TIME_SCALE') or 1))
# How much longer things take because the guest shares the host's CPUs
# with another guest (make check boots the debug lane alongside the stock
# ones). It widens the same upper bounds, and nothing else: unlike
# TIME_SCALE it changes no workload.
CPU_SHARE = max(1.0, float(os.environ.get('KSRV_CPU_SHARE') or 1))


def slack(seconds):
    """An upper bound on a duration, scaled for slow or shared guests."""
    return seconds * TIME_SCALE * CPU_SHARE
MODNAME = 'ksrv'
# The echo port of the module's default services= parameter.
DEFAULT_PORT = 12345
STATS_PATH = '/proc/ksrv/stats'
STATS_HEADER = 'proto port open total refused failed timed_out bytes_in bytes_out'
STATS_COLS = STATS_HEADER.split()
PARAMS = ('services', 'echo_enable', 'backlog', 'max_connections',
          'max_service_connections', 'max_client_connections',
          'idle_timeout', 'dispatch')
DISPATCH_MODES = ('workqueue', 'percpu', 'thread')
ADDR = {4: '127.0.0.1', 6: '::1'}

# Kernel log lines that mean the module (or the kernel) misbehaved.
BAD_LOG_RE = re.compile(
    r'BUG|WARNING:|Oops|Objects remaining|general protection|'
    r'refcount_t|UBSAN|KASAN|kfence|list_add corruption|list_del corruption|'
    r'soft lockup|hard LOCKUP|blocked for more than|Call Trace|'
    r'kernel NULL pointer|unable to handle')


class Fail(Exception):
    """A test case failed; the message is the diagnostic."""


class Skip(Exception):
    """A test case does not apply; the message is the reason."""


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def log(msg):
    """Diagnostic line(s), prefixed with '# '."""
    for line in str(msg).splitlines() or ['']:
        print('# ' + line, flush=True)


# --------------------------------------------------------------------------
# TAP-ish reporting
# --------------------------------------------------------------------------

class Suite:
    """Runs test cases, prints ok/not ok, enforces the suite time limit.

    cleanup() (unload ksrv, stop helpers) always runs, also when the time
    limit fires, and the process always exits 0.
    """

    def __init__(self, name, limit, quick_limit=None):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.cleanups = []
        self.start = self.last = time.monotonic()
        lim = slack(quick_limit if (QUICK and quick_limit) else limit)
        self.limit = lim
        signal.signal(signal.SIGALRM, self._timeout)
        signal.signal(signal.SIGTERM, self._timeout)
        signal.alarm(int(lim))
        log('suite %s (QUICK=%d, limit %ds, time scale %g, module %s)' %
            (name, QUICK, lim, TIME_SCALE * CPU_SHARE, FAKE or KO))
        ratio = clock_ratio()
        if ratio is not None:
            # Every timing check assumes guest seconds are real seconds.
            self.check(0.5 < ratio < 2.0, 'guest clock runs at real speed',
                       'guest clock runs %.1fx real time (bad TSC '
                       'calibration?); timing results are meaningless' %
                       ratio)

    def _timeout(self, signum, frame):
        signal.alarm(0)
        why = 'time limit %ds exceeded' % self.limit \
            if signum == signal.SIGALRM else 'terminated'
        print('not ok - %s: %s' % (self.name, why), flush=True)
        try:
            log(''.join(traceback.format_stack(frame)[-6:]))
        except Exception:
            pass
        self.failed += 1
        self._cleanup()
        os._exit(0)

    @staticmethod
    def _clean_name(name):
        return ' '.join(str(name).replace('#', '').split())

    def _took(self):
        """Log the time since the last result when it is long: where a
        suite spends its time, for whoever makes it faster."""
        now = time.monotonic()
        if now - self.last > 5:
            log('%.1fs for this result (at %.0fs)' % (now - self.last,
                                                      now - self.start))
        self.last = now

    def _result(self, verdict, name, diag):
        print(verdict + ' - ' + self._clean_name(name), flush=True)
        self._took()
        if diag:
            log(diag)

    def ok(self, name, note=None):
        self.passed += 1
        self._result('ok', name, note)

    def not_ok(self, name, why=None):
        self.failed += 1
        self._result('not ok', name, why)

    def skip(self, name, reason):
        self.skipped += 1
        print('ok - %s # SKIP %s' % (self._clean_name(name), reason),
              flush=True)

    def check(self, cond, name, why=None):
        if cond:
            self.ok(name)
        else:
            self.not_ok(name, why)
        return bool(cond)

    def need(self, name, fn, *args, **kw):
        """fn's result; when it raises Skip or Fail, name is skipped or
        not ok and the suite ends (what every later case depends on)."""
        try:
            return fn(*args, **kw)
        except Skip as e:
            self.skip(name, str(e))
        except Fail as e:
            self.not_ok(name, str(e))
        self.finish()

    def verdict(self, name, probs, note):
        """One result from a list of problems: ok with note as its
        diagnostic, or not ok with note and every problem."""
        if probs:
            self.not_ok(name, note + '\n' + '; '.join(probs))
        else:
            self.ok(name, note)
        return not probs

    def log_clean(self, name, km):
        """One result: the kernel log since km has no bad line."""
        bad = bad_log_lines(km.read())
        return self.check(not bad, name, '\n'.join(bad[:20]))

    def run(self, name, fn, *args, **kw):
        """Run fn; ok if it returns, not ok on Fail/exception."""
        t0 = time.monotonic()
        try:
            note = fn(*args, **kw)
        except Skip as e:
            self.skip(name, str(e))
            return None
        except Fail as e:
            self.not_ok(name, '%s (%.1fs)' % (e, time.monotonic() - t0))
            return False
        except Exception:
            self.not_ok(name, 'exception:\n' + traceback.format_exc())
            return False
        self.ok(name, note if isinstance(note, str) else None)
        return True

    def _cleanup(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:
                log('cleanup error: %r' % e)
        try:
            ensure_unloaded()
        except Exception as e:
            log('final unload error: %r' % e)

    def finish(self):
        signal.alarm(0)
        self._cleanup()
        log('suite %s: %d passed, %d failed, %d skipped, %.1fs' %
            (self.name, self.passed, self.failed, self.skipped,
             time.monotonic() - self.start))
        sys.stdout.flush()
        sys.exit(0)


def clock_ratio(seconds=1.0):
    """Guest seconds per host second, or None if it cannot be measured.

    Under TCG a badly calibrated TSC can make the guest clock run many
    times too fast.  The results directory is a 9p share whose file times
    come from the host clock, which gives an outside reference.
    """
    out = os.environ.get('KSRV_OUT')
    if not out or FAKE:
        return None
    path = os.path.join(out, '.clockprobe.%d' % os.getpid())
    try:
        with open(path, 'w') as f:
            f.write('a')
        h0 = os.stat(path).st_mtime_ns
        g0 = time.monotonic()
        time.sleep(seconds)
        with open(path, 'w') as f:
            f.write('b')
        h1 = os.stat(path).st_mtime_ns
        g1 = time.monotonic()
        os.unlink(path)
    except OSError:
        return None
    host = (h1 - h0) / 1e9
    if host <= 0:
        return None
    return (g1 - g0) / host


# --------------------------------------------------------------------------
# Commands, module load/unload
# --------------------------------------------------------------------------

def sh(cmd, timeout=30, inp=None):
    """Run argv; return (rc, stdout, stderr); rc None on timeout."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=slack(timeout), input=inp)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return None, str(e.stdout or ''), str(e.stderr or '')
    except OSError as e:
        return 127, '', str(e)


def _errno_table():
    tab = {}
    for code in errno.errorcode:
        tab[os.strerror(code)] = code
    # kmod's insmod rewrites a few codes (see its mod_strerror()).
    tab['Invalid module format'] = errno.ENOEXEC
    tab['Unknown symbol in module, or unknown parameter (see dmesg)'] = \
        errno.ENOENT
    tab['Unknown symbol in module'] = errno.ENOENT
    tab['Module already loaded'] = errno.EEXIST
    tab['Invalid parameters'] = errno.EINVAL
    return tab


_ERRNO_BY_TEXT = _errno_table()


def errno_of(text):
    """Map insmod's error text to an errno number (None if unknown)."""
    text = text.strip().splitlines()[-1] if text.strip() else ''
    for msg, code in sorted(_ERRNO_BY_TEXT.items(), key=lambda x: -len(x[0])):
        if text.endswith(msg):
            return code
    return None


def errname(code):
    return errno.errorcode.get(code, str(code)) if code is not None else 'none'


_fake_proc = None


# insmod and rmmod are the system calls themselves where the numbers are
# known: on the debug kernel under TCG each exec of kmod (its libraries
# read over 9p) costs more than a second, and the suites load the module
# hundreds of times.
_SYSCALLS = os.uname().machine == 'x86_64' and not FAKE
_NR_FINIT_MODULE, _NR_DELETE_MODULE = 313, 176
_libc = None


def _syscall(nr, *args):
    """A raw system call: 0, or the errno it failed with."""
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.syscall(nr, *args) == 0:
        return 0
    return ctypes.get_errno()


def _finit_module(args):
    try:
        fd = os.open(KO, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        return e.errno
    try:
        return _syscall(_NR_FINIT_MODULE, fd, args, 0)
    finally:
        os.close(fd)


def delete_module():
    """What rmmod does (O_NONBLOCK: fail at once while in use): 0 or an
    errno."""
    return _syscall(_NR_DELETE_MODULE, MODNAME.encode(), os.O_NONBLOCK)


class in_thread:
    """fn() in a daemon thread, so that a call that hangs in the kernel
    can be given up on: wait(timeout) returns fn's result, or None while
    it still runs."""

    def __init__(self, fn):
        self._res = []
        self._th = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._th.start()

    def _run(self, fn):
        try:
            self._res.append((fn(), None))
        except Exception as e:
            self._res.append((None, e))

    def wait(self, timeout):
        self._th.join(timeout)
        if not self._res:
            return None
        res, exc = self._res[0]
        if exc is not None:
            raise exc
        return res


def insmod(*params, timeout=60):
    """Load the module.  Returns (ok, errno_or_None, message)."""
    global _fake_proc
    if FAKE:
        if _fake_proc and _fake_proc.poll() is None:
            return False, errno.EEXIST, 'fake: already running'
        _fake_proc = subprocess.Popen([sys.executable, FAKE] + list(params),
                                      stdout=subprocess.PIPE, text=True)
        line = _fake_proc.stdout.readline().strip()
        if line == 'READY':
            return True, None, ''
        _fake_proc.wait()
        m = re.match(r'ERR (\d+) (.*)', line)
        _fake_proc = None
        if m:
            return False, int(m.group(1)), m.group(2)
        return False, None, line
    if _SYSCALLS and not any(c.isspace() for p in params for c in p):
        args = ' '.join(params).encode()
        res = in_thread(lambda: _finit_module(args)).wait(timeout)
        if res is None:
            return False, None, 'finit_module timed out after %ds' % timeout
        if res == 0:
            return True, None, ''
        return False, res, 'finit_module(%s): %s' % (' '.join(params),
                                                    os.strerror(res))
    rc, out, err = sh(['insmod', KO] + list(params), timeout=timeout)
    if rc == 0:
        return True, None, ''
    msg = (err or out).strip()
    if rc is None:
        return False, None, 'insmod timed out after %ds' % timeout
    return False, errno_of(msg), msg


def rmmod(timeout=60):
    """Unload.  Returns (ok, message, seconds)."""
    global _fake_proc
    t0 = time.monotonic()
    if FAKE:
        if not _fake_proc:
            return False, 'fake: not running', 0.0
        _fake_proc.terminate()
        try:
            _fake_proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _fake_proc.kill()
            _fake_proc.wait()
        _fake_proc = None
        return True, '', time.monotonic() - t0
    if _SYSCALLS:
        res = in_thread(delete_module).wait(timeout)
        dt = time.monotonic() - t0
        if res is None:
            return False, 'rmmod still running after %ds' % timeout, dt
        if res == 0:
            return True, '', dt
        return False, 'delete_module: %s' % os.strerror(res), dt
    rc, out, err = sh(['rmmod', MODNAME], timeout=timeout)
    dt = time.monotonic() - t0
    if rc == 0:
        return True, '', dt
    if rc is None:
        return False, 'rmmod still running after %ds' % timeout, dt
    return False, (err or out).strip(), dt


def loaded():
    if FAKE:
        return _fake_proc is not None and _fake_proc.poll() is None
    try:
        with open('/proc/modules') as f:
            return any(l.split()[0] == MODNAME for l in f if l.strip())
    except OSError:
        return False


def ensure_unloaded(timeout=60):
    for _ in range(3):
        if not loaded():
            return True
        ok, msg, _ = rmmod(timeout)
        if not ok:
            log('rmmod: ' + msg)
            time.sleep(1)
    return not loaded()


def load(*params, timeout=60):
    """insmod that raises Fail (with the log tail) on error."""
    km = Kmsg()
    ok, code, msg = insmod(*params, timeout=timeout)
    if not ok:
        raise Fail('insmod %s failed: %s (%s)\n%s' %
                   (' '.join(params), msg, errname(code),
                    '\n'.join(km.read()[-10:])))
    return km


def unload(limit=10.0, km=None):
    """rmmod that must finish within limit seconds and log nothing bad."""
    km = km or Kmsg()
    limit = slack(limit)
    ok, msg, dt = rmmod(timeout=max(60, int(limit) * 3))
    expect(ok, 'rmmod failed: %s' % msg)
    expect(dt <= limit, 'rmmod took %.1fs (limit %.0fs)' % (dt, limit))
    bad = bad_log_lines(km.read())
    expect(not bad, 'bad kernel log lines:\n' + '\n'.join(bad[:20]))
    return dt


def ports_in(params):
    """The ports a services= parameter names (the default port without
    one)."""
    ports = set()
    for p in params:
        if p.startswith('services='):
            for m in re.finditer(r'(\d+)', p):
                ports.add(int(m.group(1)) & 0xffffffff)
    return ports or {DEFAULT_PORT}


def check_bad(params, want_errno, token_re, keep_listening=()):
    """insmod with params must fail with want_errno, log a "ksrv:" line
    matching token_re and leave nothing behind (module, /proc/ksrv,
    listener, socket); raises Fail listing every problem. Returns the
    last log line as a note."""
    base = tcp_inuse()
    listen0 = listening_ports()
    km = Kmsg()
    ok, code, msg = insmod(*params)
    probs = []
    if ok:
        probs.append('insmod succeeded')
        ensure_unloaded()
    elif code != want_errno:
        probs.append('errno %s (%r), want %s' % (errname(code), msg,
                                                 errname(want_errno)))
    if loaded():
        probs.append('module still loaded')
        ensure_unloaded()
    if os.path.exists('/proc/ksrv') and not FAKE:
        probs.append('/proc/ksrv still exists')
    newl = (listening_ports() - listen0) | \
        (listening_ports() & ports_in(params) - set(keep_listening))
    if newl:
        probs.append('ports still listening: %s' % sorted(newl))
    now = tcp_inuse()
    if now != base:
        probs.append('TCP inuse %d, before %d' % (now, base))
    lines = km.read()
    if not FAKE:
        rx = re.compile(token_re)
        hit = [ln for ln in lines if 'ksrv:' in ln and rx.search(ln)]
        if not hit:
            probs.append('no "ksrv:" log line matching /%s/; log was:\n%s' %
                         (token_re, '\n'.join(lines[-8:]) or '(empty)'))
    if probs:
        raise Fail('; '.join(probs))
    return lines[-1] if lines else None


def modinfo_text():
    if FAKE or not KO:
        return ''
    rc, out, _ = sh(['modinfo', KO])
    return out if rc == 0 else ''


# --------------------------------------------------------------------------
# Kernel log
# --------------------------------------------------------------------------

class Kmsg:
    """Collects kernel log records written after construction."""

    def __init__(self):
        self.lines = []
        self.fd = None
        try:
            self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError:
            self.fd = None

    def read(self):
        """All messages since construction (first line of each record)."""
        if self.fd is None:
            return self.lines
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except BrokenPipeError:
                continue        # records overwritten; keep going
            except OSError as e:
                if e.errno == errno.EPIPE:
                    continue
                break
            if not rec:
                break
            text = rec.decode('utf-8', 'replace')
            _, _, msg = text.partition(';')
            self.lines.append(msg.split('\n', 1)[0])
        return self.lines

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __del__(self):
        self.close()


def kmsg_write(text):
    try:
        with open('/dev/kmsg', 'w') as f:
            f.write('ksrvtest: %s\n' % text)
    except OSError:
        pass


def bad_log_lines(lines):
    return [l for l in lines if BAD_LOG_RE.search(l)]


# --------------------------------------------------------------------------
# /proc readers
# --------------------------------------------------------------------------

def have_stats():
    return not FAKE


def read_stats_text():
    with open(STATS_PATH) as f:
        return f.read()


def read_stats():
    """{(proto, port): {col: int}} from /proc/ksrv/stats."""
    lines = read_stats_text().splitlines()
    expect(lines and lines[0].split() == STATS_COLS,
           'bad stats header: %r' % (lines[0] if lines else ''))
    res = {}
    for l in lines[1:]:
        f = l.split()
        if not f:
            continue
        expect(len(f) == len(STATS_COLS), 'bad stats line: %r' % l)
        d = {'proto': f[0]}
        for k, v in zip(STATS_COLS[1:], f[1:]):
            d[k] = int(v)
        res[(f[0], d['port'])] = d
    return res


CONNS_PATH = '/proc/ksrv/conns'
CONNS_HEADER = ('proto port local peer state age_s idle_s bytes_in '
                'bytes_out requests')


def read_conns(chunk=65536):
    """/proc/ksrv/conns read `chunk` bytes at a time: a list of
    {column: value}; Fail on a malformed header or line."""
    fd = os.open(CONNS_PATH, os.O_RDONLY)
    try:
        text = b''
        while True:
            b = os.read(fd, chunk)
            if not b:
                break
            text += b
    finally:
        os.close(fd)
    lines = text.decode().split('\n')
    expect(lines[0] == CONNS_HEADER and lines[-1] == '',
           'conns: header %r, last %r' % (lines[0], lines[-1]))
    rows = []
    for ln in lines[1:-1]:
        f = dict(zip(CONNS_HEADER.split(), ln.split()))
        expect(len(ln.split()) == 10 and f['age_s'].isdigit() and
               f['idle_s'].isdigit() and f['bytes_in'].isdigit() and
               f['bytes_out'].isdigit() and
               (f['requests'].isdigit() or f['requests'] == '-'),
               'conns: bad line %r' % ln)
        rows.append(f)
    return rows


def stat(port, proto='echo'):
    s = read_stats().get((proto, port))
    expect(s is not None, 'no stats line for %s %d' % (proto, port))
    return s


def wait_for(pred, timeout, step=0.1):
    """Poll pred() until true or timeout; returns its last value."""
    end = time.monotonic() + slack(timeout)
    while True:
        v = pred()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def wait_stat(port, key, want, timeout=5.0, proto='echo'):
    """Wait until stats[key] == want; returns the last value seen."""
    last = [None]

    def pred():
        last[0] = stat(port, proto)[key]
        return last[0] == want
    wait_for(pred, timeout)
    return last[0]


def each_dispatch(t, *params):
    """Loads ksrv with params in each dispatch mode in turn (insmod is a
    test case of suite t); yields the case-name prefix and the module."""
    for mode in DISPATCH_MODES:
        pre = '[%s] ' % mode
        try:
            km = load(*params, 'dispatch=' + mode)
        except Fail as e:
            t.not_ok(pre + 'insmod', str(e))
            continue
        t.ok(pre + 'insmod')
        yield pre, km


def expect_all_closed(port, proto='echo', timeout=10.0):
    """The service's open count must drop back to 0."""
    o = wait_stat(port, 'open', 0, timeout=timeout, proto=proto)
    expect(o == 0, 'open %s after all clients closed' % o)


def tcp_ext():
    """TcpExt counters from /proc/net/netstat."""
    with open('/proc/net/netstat') as f:
        lines = [l.split() for l in f if l.startswith('TcpExt:')]
    return dict(zip(lines[0][1:], map(int, lines[1][1:])))


def softnet_dropped():
    """Packets the per-CPU input backlogs dropped (loopback included)."""
    with open('/proc/net/softnet_stat') as f:
        return sum(int(l.split()[1], 16) for l in f)


def tcp_inuse():
    """TCP + TCP6 sockets in use (hashed, not TIME_WAIT)."""
    total = 0
    for path, tag in (('/proc/net/sockstat', 'TCP:'),
                      ('/proc/net/sockstat6', 'TCP6:')):
        try:
            with open(path) as f:
                for l in f:
                    f2 = l.split()
                    if f2 and f2[0] == tag:
                        total += int(f2[f2.index('inuse') + 1])
        except OSError:
            pass
    return total


def wait_inuse(baseline, timeout=10.0):
    """Wait until tcp_inuse() <= baseline; returns the last value."""
    last = [0]

    def pred():
        last[0] = tcp_inuse()
        return last[0] <= baseline
    wait_for(pred, timeout, 0.2)
    return last[0]


def tcp_rows():
    """The fields of every socket line of /proc/net/tcp and tcp6."""
    for path in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(path) as f:
                next(f)
                for l in f:
                    yield l.split()
        except (OSError, StopIteration):
            pass


def listening_ports():
    return {int(f2[1].rsplit(':', 1)[1], 16) for f2 in tcp_rows()
            if len(f2) > 3 and f2[3] == '0A'}


def port_listening(port):
    return port in listening_ports()


def meminfo():
    res = {}
    with open('/proc/meminfo') as f:
        for l in f:
            k, _, v = l.partition(':')
            res[k] = int(v.split()[0])
    return res


def raise_nofile(n):
    """Raise RLIMIT_NOFILE to at least n (root may raise the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(n, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --------------------------------------------------------------------------
# Blocking socket helpers (every operation bounded by a deadline)
# --------------------------------------------------------------------------

def deadline(seconds):
    return time.monotonic() + slack(seconds)


def _left(dl):
    t = dl - time.monotonic()
    if t <= 0:
        raise TimeoutError('deadline passed')
    return t


def connect(port, fam=4, timeout=5.0):
    s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                      socket.SOCK_STREAM)
    s.settimeout(slack(timeout))
    try:
        s.connect((ADDR[fam], port))
    except Exception:
        s.close()
        raise
    return s


def send_all(s, data, dl):
    mv = memoryview(data)
    while mv:
        s.settimeout(_left(dl))
        n = s.send(mv[:65536])
        mv = mv[n:]


def rst_close(s):
    """Close with RST (SO_LINGER 0) instead of FIN."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     struct.pack('ii', 1, 0))
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass


def tcp_state(s):
    """The client side's view of a stalled connection, for a time-out
    message: whether what it sent was acknowledged (unacked, retransmits)
    and how long ago data last came (ms), from TCP_INFO."""
    try:
        b = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
        st, _, retr = struct.unpack_from('BBB', b, 0)
        rto, _, _, _, unacked = struct.unpack_from('5I', b, 8)
        last_sent, _, last_recv = struct.unpack_from('3I', b, 44)
        total_retr, = struct.unpack_from('I', b, 100)
    except (OSError, struct.error):
        return 'no tcp_info'
    return ('tcp state %d, unacked %d, retransmits %d (%d in all), rto %d '
            'ms, last data sent %d ms / received %d ms ago' %
            (st, unacked, retr, total_retr, rto // 1000, last_sent,
             last_recv))


def recv_exact(s, n, dl):
    buf = bytearray()
    while len(buf) < n:
        s.settimeout(_left(dl))
        try:
            chunk = s.recv(min(n - len(buf), 262144))
        except socket.timeout:
            raise Fail('timeout after %d of %d bytes (%s)' %
                       (len(buf), n, tcp_state(s)))
        if not chunk:
            raise Fail('EOF after %d of %d bytes' % (len(buf), n))
        buf += chunk
    return bytes(buf)


def recv_until_close(s, dl, limit=1 << 30):
    """Read until EOF/RST/deadline.  Returns (data, 'eof'|'rst'|'timeout')."""
    buf = bytearray()
    while len(buf) < limit:
        t = dl - time.monotonic()
        if t <= 0:
            return bytes(buf), 'timeout'
        s.settimeout(t)
        try:
            chunk = s.recv(262144)
        except socket.timeout:
            return bytes(buf), 'timeout'
        except (ConnectionResetError, BrokenPipeError):
            return bytes(buf), 'rst'
        if not chunk:
            return bytes(buf), 'eof'
        buf += chunk
    return bytes(buf), 'limit'


def peer_closed(s):
    """Reads what a readable non-blocking socket has; True if the peer
    closed or reset it."""
    try:
        return not s.recv(65536)
    except BlockingIOError:
        return False
    except OSError:
        return True


def wait_closed(s, timeout):
    """How a silent peer ends: 'eof', 'rst', 'timeout' or 'data'."""
    data, how = recv_until_close(s, deadline(timeout), limit=1)
    return 'data' if data else how


def echo_once(s, data, timeout=10.0):
    """Send data, read the same amount back, compare.

    Large buffers go through echo_stream() so that we never block sending
    while the echo fills our receive buffer.
    """
    if len(data) > 32768:
        return echo_stream(s, data, timeout)
    dl = deadline(timeout)
    send_all(s, data, dl)
    got = recv_exact(s, len(data), dl)
    expect(got == data, 'echo mismatch: %s' % first_diff(data, got))


def echo_stream(s, data, timeout=60.0, chunk=65536):
    """Echo a large buffer: a writer thread sends while we read."""
    dl = deadline(timeout)
    wr = _Writer(s, data, dl, chunk)
    buf = bytearray()
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    try:
        while len(buf) < len(data):
            t = dl - time.monotonic()
            if t <= 0:
                raise Fail('timeout: got %d of %d bytes' % (len(buf),
                                                            len(data)))
            if not sel.select(min(t, 1.0)):
                if wr.err:
                    break
                continue
            try:
                c = s.recv(262144)
            except BlockingIOError:
                continue
            if not c:
                raise Fail('EOF after %d of %d bytes' % (len(buf), len(data)))
            buf += c
    finally:
        sel.close()
        wr.wait()
    wr.check()
    expect(bytes(buf) == data, 'stream mismatch: %s' % first_diff(data, buf))


def send_then_shutdown(s, data, timeout=30.0):
    """Send data and SHUT_WR from a thread; read everything until close.

    Returns (received, 'eof'|'rst'|'timeout').
    """
    dl = deadline(timeout)
    wr = _Writer(s, data, dl, shut=True)
    buf = bytearray()
    how = 'timeout'
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ)
    try:
        while time.monotonic() < dl:
            if not sel.select(min(1.0, max(0.01, dl - time.monotonic()))):
                continue
            try:
                c = s.recv(262144)
            except BlockingIOError:
                continue
            except (ConnectionResetError, BrokenPipeError):
                how = 'rst'
                break
            if not c:
                how = 'eof'
                break
            buf += c
    finally:
        sel.close()
        wr.wait()
    wr.check()
    return bytes(buf), how


class _Writer(threading.Thread):
    """Sends data on s (made non-blocking) by deadline dl, then SHUT_WR
    if shut, while the caller reads; check() raises Fail on its error."""

    def __init__(self, s, data, dl, chunk=65536, shut=False):
        super().__init__(daemon=True)
        self.s, self.data, self.dl = s, data, dl
        self.chunk, self.shut = chunk, shut
        self.err = []
        s.setblocking(False)
        self.start()

    def run(self):
        try:
            mv = memoryview(self.data)
            while mv:
                # The socket timeout is shared with the reader; use send
                # with a short select-based wait instead of settimeout.
                t = self.dl - time.monotonic()
                if t <= 0:
                    raise TimeoutError('writer deadline')
                n = _send_some(self.s, mv[:self.chunk], t)
                mv = mv[n:]
            if self.shut:
                self.s.shutdown(socket.SHUT_WR)
        except Exception as e:
            self.err.append(e)

    def wait(self):
        """Waits for the sending to end (by the deadline), and makes s
        blocking again."""
        self.join(max(0.1, self.dl - time.monotonic()))
        self.s.setblocking(True)

    def check(self):
        if self.err:
            raise Fail('writer: %r' % self.err[0])


def _send_some(s, mv, timeout):
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_WRITE)
    try:
        end = time.monotonic() + timeout
        while True:
            try:
                return s.send(mv)
            except BlockingIOError:
                pass
            t = end - time.monotonic()
            if t <= 0:
                raise TimeoutError('send blocked')
            sel.select(min(t, 1.0))
    finally:
        sel.close()


def first_diff(a, b):
    a, b = bytes(a), bytes(b)
    if len(a) != len(b):
        pre = 'length %d != %d; ' % (len(b), len(a))
    else:
        pre = ''
    n = min(len(a), len(b))
    base = 0
    # Skip equal 4 KiB blocks with C-speed slice compares first.
    while base < n and a[base:base + 4096] == b[base:base + 4096]:
        base += 4096
    for i in range(base, min(n, base + 4096)):
        if a[i] != b[i]:
            return pre + 'first difference at byte %d: got %02x, want %02x' % (
                i, b[i], a[i])
    return pre + 'common prefix equal'


def rand_bytes(n, seed):
    return random.Random(seed).randbytes(n)


# --------------------------------------------------------------------------
# Many non-blocking clients driven by one selector
# --------------------------------------------------------------------------

class _Conn:
    __slots__ = ('idx', 'sock', 'out', 'sent', 'got', 'state', 'why')

    def __init__(self, idx, sock, out):
        self.idx = idx
        self.sock = sock
        self.out = out
        self.sent = 0
        self.got = bytearray()
        self.state = 'connecting'
        self.why = ''


def open_many(port, n, fam=4, timeout=60.0, inflight=128, sel=None):
    """Open n non-blocking connections, at most `inflight` pending at once.

    Returns (list of connected sockets, list of error strings).
    """
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    own_sel = sel is None
    sel = sel or selectors.DefaultSelector()
    dl = deadline(timeout)
    done, errs, pending = [], [], {}
    started = 0
    try:
        while len(done) + len(errs) < n:
            while started < n and len(pending) < inflight:
                s = socket.socket(af, socket.SOCK_STREAM)
                s.setblocking(False)
                rc = s.connect_ex((ADDR[fam], port))
                started += 1
                if rc in (0, errno.EINPROGRESS):
                    pending[s.fileno()] = s
                    sel.register(s, selectors.EVENT_WRITE)
                else:
                    errs.append(os.strerror(rc))
                    s.close()
            t = dl - time.monotonic()
            if t <= 0:
                errs.append('%d connects timed out' % len(pending))
                for s in pending.values():
                    sel.unregister(s)
                    s.close()
                pending.clear()
                break
            for key, _ in sel.select(min(t, 1.0)):
                s = key.fileobj
                sel.unregister(s)
                del pending[s.fileno()]
                e = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if e:
                    errs.append(os.strerror(e))
                    s.close()
                else:
                    done.append(s)
    finally:
        if own_sel:
            sel.close()
    return done, errs


def echo_many(socks, payloads, timeout=60.0, chunk=16384):
    """Each socket sends its payload and must get exactly it back.

    All sockets run concurrently.  Returns (n_ok, list of failures).
    """
    sel = selectors.DefaultSelector()
    conns = []
    for i, (s, p) in enumerate(zip(socks, payloads)):
        c = _Conn(i, s, p)
        c.state = 'run'
        conns.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    active = len(conns)
    dl = deadline(timeout)
    try:
        while active:
            t = dl - time.monotonic()
            if t <= 0:
                break
            for key, ev in sel.select(min(t, 1.0)):
                c = key.data
                if ev & selectors.EVENT_WRITE and c.sent < len(c.out):
                    try:
                        c.sent += c.sock.send(
                            memoryview(c.out)[c.sent:c.sent + chunk])
                    except BlockingIOError:
                        pass
                    except OSError as e:
                        c.state, c.why = 'fail', 'send: %s' % e
                    if c.state == 'run' and c.sent >= len(c.out):
                        sel.modify(c.sock, selectors.EVENT_READ, c)
                if c.state == 'run' and ev & selectors.EVENT_READ:
                    try:
                        d = c.sock.recv(262144)
                        if not d:
                            c.state, c.why = 'fail', 'EOF after %d/%d' % (
                                len(c.got), len(c.out))
                        c.got += d
                    except BlockingIOError:
                        pass
                    except OSError as e:
                        c.state, c.why = 'fail', 'recv: %s' % e
                    if c.state == 'run' and len(c.got) >= len(c.out):
                        c.state = 'done'
                if c.state != 'run':
                    sel.unregister(c.sock)
                    active -= 1
    finally:
        sel.close()
    n_ok, fails = 0, []
    for c in conns:
        if c.state == 'done' and bytes(c.got) == c.out:
            n_ok += 1
        elif c.state == 'done':
            fails.append('#%d mismatch: %s' % (c.idx, first_diff(c.out, c.got)))
        elif c.state == 'run':
            fails.append('#%d timeout: sent %d got %d of %d' % (
                c.idx, c.sent, len(c.got), len(c.out)))
        else:
            fails.append('#%d %s' % (c.idx, c.why))
    return n_ok, fails


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


class Streamer(threading.Thread):
    """n connections streaming echo traffic until the server closes them.

    Each connection keeps at most `window` unechoed bytes in flight and
    checks that what comes back is exactly what it sent.  Runs until every
    connection ended or stop() / max_seconds.
    """

    def __init__(self, port, n, fam=4, window=32768, chunk=4096,
                 max_seconds=120.0):
        super().__init__(daemon=True)
        self.port, self.n, self.fam = port, n, fam
        self.window, self.chunk = window, chunk
        self.max_seconds = max_seconds
        self.ready = threading.Event()
        self._halt = threading.Event()
        self.connected = 0
        self.connect_errs = []
        self.ended = {'eof': 0, 'rst': 0}
        self.mismatch = []
        self.bytes_echoed = 0
        self.unfinished = 0
        self.error = None

    def stop(self):
        self._halt.set()

    def run(self):
        try:
            self._run()
        except Exception:
            self.error = traceback.format_exc()
        finally:
            self.ready.set()

    def _run(self):
        sel = selectors.DefaultSelector()
        socks, self.connect_errs = open_many(self.port, self.n, self.fam,
                                             timeout=60)
        self.connected = len(socks)
        rnd = random.Random(self.port)
        state = {}
        for i, s in enumerate(socks):
            # pending: bytes sent and not yet echoed back.
            state[s] = [bytearray(), rnd.randbytes(self.chunk), i]
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        self.ready.set()
        end = time.monotonic() + self.max_seconds
        live = len(socks)
        while live and not self._halt.is_set() and time.monotonic() < end:
            for key, ev in sel.select(0.5):
                s = key.fileobj
                pend, blk, i = state[s]
                how = None
                if ev & selectors.EVENT_READ:
                    try:
                        d = s.recv(65536)
                        if not d:
                            how = 'eof'
                        elif pend[:len(d)] != d:
                            self.mismatch.append(i)
                            how = 'mismatch'
                        else:
                            del pend[:len(d)]
                            self.bytes_echoed += len(d)
                    except BlockingIOError:
                        pass
                    except OSError:
                        how = 'rst'
                if how is None and ev & selectors.EVENT_WRITE:
                    try:
                        n = s.send(blk)
                        pend += blk[:n]
                    except BlockingIOError:
                        pass
                    except OSError:
                        how = 'rst'
                if how:
                    if how in self.ended:
                        self.ended[how] += 1
                    sel.unregister(s)
                    s.close()
                    live -= 1
                    continue
                want = selectors.EVENT_READ
                if len(pend) < self.window:
                    want |= selectors.EVENT_WRITE
                if want != key.events:
                    sel.modify(s, want)
        self.unfinished = live
        for key in list(sel.get_map().values()):
            key.fileobj.close()
        sel.close()


# --------------------------------------------------------------------------
# Listener used to occupy a port
# --------------------------------------------------------------------------

def occupy_port(port, dual_stack=True):
    if dual_stack:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(('::', port))
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(('127.0.0.1', port))
    s.listen(8)
    return s


def free_port(start=20000):
    """A port nobody listens on (the module binds it right after)."""
    used = listening_ports()
    p = start
    while p in used:
        p += 1
    return p
