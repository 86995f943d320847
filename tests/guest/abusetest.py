#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Shared helpers for the adversarial suites (tests/guest/suites/7x-abuse-*).

Every abuse case has the same shape (case() runs it for an attack that is
one function, case_end() does the checks that end any attack):

    base = baseline(services)         # memory/socket baseline, ksrv loaded
    pr = Probers([...])               # normal clients, in their own processes
    win.begin(); attack ...; win.end()
    pr.check(t, name, win)            # a normal client was served DURING it
    after, probs = quiesce(services, base.inuse)  # open 0, sockets gone
    check_memory(t, name, base, after, probs)

Normal clients and attackers run in separate processes (fork), so a busy
attacker loop cannot starve the probes of the GIL and the two CPUs of the
guest are both used.

Memory is compared after "settling" (sync + drop_caches=2), with the
TIME_WAIT buckets subtracted from Slab and MemAvailable corrected for the
per-CPU free page lists and the test process's own RSS; see SLAB_TOL_KB /
MEM_TOL_KB below and Documentation/testing.md.
"""

import collections
import errno
import multiprocessing
import os
import random
import signal
import socket
import sys
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ksrvtest import (FAKE, QUICK, Fail, Kmsg, Suite,  # noqa
                      bad_log_lines, connect, deadline, delete_module,
                      echo_once, ensure_unloaded, expect, in_thread, log,
                      meminfo, read_stats, tcp_inuse, tcp_rows, wait_for)
import httptest as H  # noqa

MP = multiprocessing.get_context('fork')

# After the attack, with every attacking client closed and the system
# settled, Slab (minus TIME_WAIT buckets) may exceed the baseline by at most
# SLAB_TOL_KB and MemAvailable may be lower by at most MEM_TOL_KB.
#
# Why these numbers: the floods hold up to 10,000 sockets at once; each
# costs ~6-12 KiB of slab with slub_debug=FZPU (sock, inode, dentry, file,
# skbs, ksrv_conn), so the peak is 60-120 MiB above the baseline. A leak
# of even 5% of the connections' socket objects is therefore > 4 MiB of
# Slab, while the measured change after an attack stays below 2.5 MiB.
# MemAvailable is corrected for the free pages parked on the per-CPU page
# lists (which swing by up to 36 MiB between two readings and are not
# counted as free) and for the test process's own RSS; what remains moved
# by at most ~4 MiB in our runs.
SLAB_TOL_KB = 4096
MEM_TOL_KB = 16384
# TCP socket buffer pages (sockstat "mem") that may remain. Since 6.0 the
# kernel charges socket memory through per-CPU reserves that are folded
# into the global counter only once they reach 1 MiB (256 pages), so the
# global figure can stay up to 256 pages per CPU away from the truth with
# no socket left; a real leak of the attack's buffers (10,000 sockets with
# unread data) would be thousands of pages.
TCPMEM_TOL_PAGES = 256 * (os.cpu_count() or 1) + 64

TW_CACHES = ('tw_sock_TCP', 'tw_sock_TCPv6')


def _kasan_quarantine_kb():
    """On a KASAN kernel, the most KiB its quarantine of freed objects
    can hold (1/32 of RAM plus 1 MiB per CPU), else 0. Freed memory sits
    there until the quarantine is full, so Slab cannot return to the
    baseline on such a kernel; there, kmemleak (run-suites.sh scans after
    every suite) is what finds lost objects."""
    try:
        with open('/proc/cmdline') as f:
            if 'kasan.' not in f.read():
                return 0
        with open('/proc/meminfo') as f:
            total = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return total // 32 + 1024 * (os.cpu_count() or 1)


KASAN_QUARANTINE_KB = _kasan_quarantine_kb()
SLAB_TOL_KB += KASAN_QUARANTINE_KB
MEM_TOL_KB += KASAN_QUARANTINE_KB


# --------------------------------------------------------------------------
# Memory and socket accounting
# --------------------------------------------------------------------------

def slab_kb(names):
    """KiB of slab pages held by the caches in names (from /proc/slabinfo)."""
    total = 0
    try:
        with open('/proc/slabinfo') as f:
            for ln in f:
                p = ln.split()
                if p and p[0] in names:
                    # ... : slabdata active_slabs num_slabs sharedavail
                    i = p.index('slabdata')
                    num_slabs, pages = int(p[i + 2]), int(p[5])
                    total += num_slabs * pages * 4
    except (OSError, ValueError, IndexError):
        pass
    return total


def sockstat():
    """{'inuse', 'tw', 'mem'} over TCP and TCP6."""
    res = {'inuse': tcp_inuse(), 'tw': 0, 'mem': 0}
    try:
        with open('/proc/net/sockstat') as f:
            for ln in f:
                p = ln.split()
                if p and p[0] == 'TCP:':
                    res['tw'] = int(p[p.index('tw') + 1])
                    res['mem'] = int(p[p.index('mem') + 1])
    except (OSError, ValueError):
        pass
    return res


def settle(pause=1.0):
    """Let deferred frees run, drop clean caches; make memory comparable."""
    time.sleep(pause)
    os.sync()
    # 2 = dentries and inodes (reclaimable slab). Page cache stays: it is
    # counted as available anyway, and dropping it would make every tool
    # and python module be read again over 9p.
    try:
        with open('/proc/sys/vm/drop_caches', 'w') as f:
            f.write('2\n')
    except OSError:
        pass
    time.sleep(0.5)


def count_kworkers():
    n = 0
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                with open('/proc/%s/comm' % pid) as f:
                    if f.read().startswith('kworker'):
                        n += 1
            except OSError:
                pass
    return n


def meminfo_delta(base, after, n=6):
    """The n /proc/meminfo fields that changed most (KiB), as text."""
    keys = [k for k in after.mem if k in base.mem and
            k not in ('MemTotal', 'SwapTotal', 'SwapFree', 'CommitLimit',
                      'VmallocTotal', 'HugePages_Total', 'Hugepagesize',
                      'DirectMap4k', 'DirectMap2M', 'DirectMap1G')]
    keys.sort(key=lambda k: -abs(after.mem[k] - base.mem[k]))
    return ', '.join('%s%+d' % (k, after.mem[k] - base.mem[k])
                     for k in keys[:n])


def pcp_kb():
    """Free pages parked on the per-CPU page lists (KiB). They are free
    memory, but MemFree/MemAvailable do not count them, and after a burst
    of frees they can hold tens of MiB."""
    pages = 0
    try:
        with open('/proc/zoneinfo') as f:
            for ln in f:
                p = ln.split()
                if len(p) == 2 and p[0] == 'count:':
                    pages += int(p[1])
    except (OSError, ValueError):
        pass
    return pages * 4


def self_rss_kb():
    """This test process's resident memory and page tables (KiB): python
    keeps what its heap grew to, which is no kernel leak."""
    kb = 0
    try:
        with open('/proc/self/status') as f:
            for ln in f:
                if ln.startswith(('VmRSS:', 'VmPTE:')):
                    kb += int(ln.split()[1])
    except (OSError, ValueError):
        pass
    return kb


def tcp_sockets():
    """(sockets owned by a process or by ksrv, orphans by state): from
    /proc/net/tcp{,6}. An orphan (inode 0, not TIME_WAIT) is a socket its
    owner already closed that the kernel still finishes, e.g. a FIN_WAIT1
    socket with unsent data towards a peer with a zero window; the kernel
    gives up on those after minutes (tcp_orphan_retries), whatever the
    server does."""
    owned, orphans = 0, collections.Counter()
    for p in tcp_rows():
        if len(p) < 10 or p[3] == '06':     # TIME_WAIT
            continue
        if p[9] != '0':
            owned += 1
        else:
            orphans[TCP_STATES.get(p[3], p[3])] += 1
    return owned, orphans


TCP_STATES = {'01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV',
              '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '07': 'CLOSE',
              '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN',
              '0B': 'CLOSING', '0C': 'NEW_SYN_RECV'}


class Snap:
    """Memory and socket figures. MemAvailable and Slab are the best of
    three samples 0.3 s apart: single readings jump by megabytes while
    per-CPU page lists and deferred (RCU) frees drain."""

    def __init__(self, samples=3):
        avail, slab = [], []
        for i in range(samples):
            if i:
                time.sleep(0.3)
            m = meminfo()
            avail.append(m.get('MemAvailable', 0))
            slab.append(m.get('Slab', 0))
        ss = sockstat()
        self.avail = max(avail)
        self.slab = min(slab)
        self.pcp = pcp_kb()
        self.owned, self.orphans = tcp_sockets()
        self.tw_slab = slab_kb(TW_CACHES)
        self.inuse = ss['inuse']
        self.tw = ss['tw']
        self.tcpmem = ss['mem']
        self.rss = self_rss_kb()
        self.mem = m
        self.kworkers = count_kworkers()
        self.t = time.monotonic()

    def __repr__(self):
        return ('MemAvailable %d MiB, Slab %d KiB (TIME_WAIT %d KiB, %d tw), '
                'TCP inuse %d, TCP mem %d pages' %
                (self.avail >> 10, self.slab, self.tw_slab, self.tw,
                 self.inuse, self.tcpmem))


def services_open(ports):
    """{(proto, port): open} for the given (proto, port) pairs."""
    if FAKE:
        return {}
    st = read_stats()
    return {k: st[k]['open'] for k in ports if k in st}


def quiesce(services=(), inuse_base=None, timeout=30.0,
            pause=0.5 if QUICK else 2.0):
    """Wait until the services have no open connection and TCP inuse is at
    inuse_base (when given), wait `pause` more seconds, settle, and return
    (Snap, list of problems)."""
    probs = []
    if services and not FAKE:
        last = [None]

        def no_open():
            last[0] = services_open(services)
            return all(v == 0 for v in last[0].values())
        if not wait_for(no_open, timeout, 0.2):
            probs.append('connections still open in stats: %s' %
                         {'%s:%d' % k: v for k, v in last[0].items() if v})
    if inuse_base is not None:
        # Sockets ksrv or a process still own must be gone; orphans the
        # kernel is still finishing are accounted for in check_memory().
        def inuse_ok():
            owned, orphans = tcp_sockets()
            return tcp_inuse() <= inuse_base + sum(orphans.values())
        wait_for(inuse_ok, timeout, 0.2)
    settle(pause)
    global _LAST
    _LAST = Snap()
    return _LAST, probs


_LAST = None


def baseline(services=()):
    """The baseline for the next case: the snapshot the previous case's
    final quiesce() took if that is only seconds old (nothing ran since),
    else a fresh quiesce()."""
    if _LAST is not None and time.monotonic() - _LAST.t < 3.0:
        return _LAST
    return quiesce(services)[0]


def check_memory(t, name, base, after, probs=()):
    """One test line: sockets and memory are back to the baseline."""
    probs = list(probs)
    slab_d = (after.slab - after.tw_slab) - (base.slab - base.tw_slab)
    # What the suite's own python process grew by is not the kernel's.
    rss_d = after.rss - base.rss
    pcp_d = after.pcp - base.pcp
    avail_d = base.avail - after.avail - rss_d - pcp_d
    n_orph = sum(after.orphans.values()) - sum(base.orphans.values())
    if after.owned > base.owned:
        probs.append('%d TCP sockets still owned (by ksrv or a process), '
                     'baseline %d' % (after.owned, base.owned))
    if after.inuse > base.inuse + max(0, n_orph):
        probs.append('TCP inuse %d > baseline %d + %d orphans' %
                     (after.inuse, base.inuse, max(0, n_orph)))
    if slab_d > SLAB_TOL_KB:
        probs.append('Slab (without TIME_WAIT) +%d KiB > %d KiB' %
                     (slab_d, SLAB_TOL_KB))
    if avail_d > MEM_TOL_KB:
        probs.append('MemAvailable -%d KiB > %d KiB' % (avail_d, MEM_TOL_KB))
    if after.tcpmem > base.tcpmem + TCPMEM_TOL_PAGES:
        probs.append('TCP mem %d pages, baseline %d' % (after.tcpmem,
                                                       base.tcpmem))
    note = ('memory: Slab%+d KiB (w/o %d KiB TIME_WAIT), MemAvailable%+d '
            'KiB (test process RSS%+d KiB and per-CPU free lists%+d KiB '
            'excluded), inuse %d->%d, TCP mem %d->%d pages' %
            (slab_d, after.tw_slab, -avail_d, rss_d, pcp_d, base.inuse,
             after.inuse, base.tcpmem, after.tcpmem))
    if KASAN_QUARANTINE_KB:
        note += ('\nKASAN kernel: tolerances include its quarantine of '
                 'freed objects (%d KiB); kmemleak checks for leaks' %
                 KASAN_QUARANTINE_KB)
    if n_orph > 0:
        note += '\n%d orphaned sockets the kernel is still closing: %s' % (
            n_orph, dict(after.orphans))
    note += '\nlargest meminfo changes (KiB): %s; kworkers %d -> %d' % (
        meminfo_delta(base, after, 4 if not probs else 8), base.kworkers,
        after.kworkers)
    if probs:
        t.not_ok(name + ': sockets and memory back to baseline',
                 note + '\n' + '; '.join(probs))
        return False
    t.ok(name + ': sockets and memory back to baseline', note)
    return True


class Peak:
    """Tracks the lowest MemAvailable / highest Slab seen (for reports)."""

    def __init__(self):
        self.avail = None
        self.slab = None

    def sample(self):
        m = meminfo()
        a, s = m.get('MemAvailable', 0), m.get('Slab', 0)
        self.avail = a if self.avail is None else min(self.avail, a)
        self.slab = s if self.slab is None else max(self.slab, s)


def stats_sum(services, col):
    """Column col of /proc/ksrv/stats summed over the (proto, port)
    services."""
    st = read_stats()
    return sum(st[k][col] for k in services if k in st)


# --------------------------------------------------------------------------
# Suites and cases
# --------------------------------------------------------------------------

def suite(name, limit, quick_limit, what, nofile_n=None, prepare=None):
    """The start of an abuse suite: its Suite (children killed on its
    cleanup, ksrv unloaded), HTTP and the fixture required (the suite
    ends skipped as `what`, or not ok), prepare(suite) if given (what the
    suite adds to the fixture, before any baseline), RLIMIT_NOFILE raised
    to nofile_n, and the memory baseline before insmod. Returns (suite,
    baseline)."""
    t = Suite(name, limit, quick_limit)
    install(t)
    ensure_unloaded()
    t.need(what, H.require_http)
    t.need('build the fixture', H.fixture)
    if prepare:
        prepare(t)
    if nofile_n:
        nofile(nofile_n)
    settle(0)
    return t, Snap()


def finish(t, figures, km=None):
    """The end of an abuse suite: the kernel log since km (the first
    insmod) checked, the figures logged."""
    if km is not None:
        t.log_clean('kernel log clean over the whole suite', km)
    log('figures: %s' % figures)
    t.finish()


def case_end(t, name, km, base, services, pr, win):
    """The checks every attack ends with: the probers pr were served
    during win, the services closed every connection, sockets and memory
    are back to base, and the kernel log since km is clean."""
    pr.check(t, name, win)
    after, probs = quiesce(services, base.inuse)
    check_memory(t, name, base, after, probs)
    t.log_clean(name + ': kernel log clean', km)


def case(t, name, attack, probes, services, ran=None):
    """An attack case: attack() (it returns a note or raises Fail) runs
    while probes are served; its result is named ran (default name),
    then the checks of case_end()."""
    km = Kmsg()
    base = baseline(services)
    win = Window()
    pr = Probers(probes)
    try:
        win.begin()
        try:
            t.ok(ran or name, attack())
        except Fail as e:
            t.not_ok(ran or name, str(e))
        win.end()
    finally:
        win.end()
        pr.stop()
    case_end(t, name, km, base, services, pr, win)


def rmmod_midway(services, limit, pause):
    """rmmod after `pause` seconds of an attack: the services' open
    connections just before it (-1 when unknown) and rmmod_watched()'s
    (ok, msg, seconds, diagnostics)."""
    time.sleep(pause)
    try:
        op = stats_sum(services, 'open')
    except Exception:
        op = -1
    return op, rmmod_watched(limit)


def rmmod_problems(ok, msg, dt, diag, limit):
    """What rmmod_watched()'s (ok, msg, dt, diag) says went wrong with an
    rmmod that had to finish within limit seconds; ksrv is unloaded
    afterwards in any case."""
    probs = []
    if not ok:
        probs.append('rmmod failed: %s' % msg)
        ensure_unloaded()
    elif dt > limit:
        probs.append('rmmod took %.1fs' % dt)
    if diag:
        probs.append('\n'.join(diag))
    return probs


def crashes(results, who='client'):
    """A problem for each child result that is an error."""
    return ['%s crashed: %s' % (who, r['error']) for r in results
            if 'error' in r]


def log_problems(km):
    """The bad kernel log lines since km, as a problem (or none)."""
    bad = bad_log_lines(km.read())
    return ['kernel log:\n' + '\n'.join(bad[:20])] if bad else []


def back_to_baseline(t, name, base0):
    """After the last rmmod: sockets and memory back to base0, the
    baseline before the first insmod."""
    ensure_unloaded()
    after, probs = quiesce((), base0.inuse)
    check_memory(t, name, base0, after, probs)


# --------------------------------------------------------------------------
# Child processes
# --------------------------------------------------------------------------

_CHILDREN = []


def _pdeathsig():
    """Die with the suite: an orphaned attacker would keep the suite's
    output pipe open and hang run-suites.sh."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)      # PR_SET_PDEATHSIG
    except Exception:
        pass


def kill_children():
    """Kill every child still running (suite time limit, errors)."""
    for p in _CHILDREN:
        try:
            if p.is_alive():
                p.kill()
                p.join(2)
        except Exception:
            pass


def install(suite):
    """Make the suite's cleanup (also on its time limit) kill our children."""
    suite.cleanups.append(kill_children)


def _child_main(fn, args, stop, q):
    _pdeathsig()
    # Never run the parent's suite handlers (they would rmmod) in a child.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        res = fn(stop, *args)
    except Exception:
        res = {'error': traceback.format_exc()}
    try:
        q.put(res)
    except Exception:
        pass
    q.close()
    q.join_thread()


class Proc:
    """fn(stop_event, *args) -> picklable result, run in a forked child."""

    def __init__(self, fn, *args):
        self.stop_ev = MP.Event()
        self.q = MP.Queue()
        self.p = MP.Process(target=_child_main,
                            args=(fn, args, self.stop_ev, self.q),
                            daemon=True)
        self.res = None
        self.p.start()
        _CHILDREN.append(self.p)

    def stop(self):
        self.stop_ev.set()

    def result(self, timeout=30.0):
        """The child's result; kills it after timeout (result then has
        'error')."""
        if self.res is not None:
            return self.res
        try:
            self.res = self.q.get(timeout=timeout)
        except Exception:
            self.res = {'error': 'no result within %.0fs' % timeout}
        self.p.join(5)
        if self.p.is_alive():
            self.p.kill()
            self.p.join(5)
        return self.res


def run_procs(fn, argsets, seconds):
    """Run fn(stop, *args) for every args in argsets in parallel processes,
    stop them after `seconds`, return the list of results."""
    ps = [Proc(fn, *a) for a in argsets]
    end = time.monotonic() + seconds
    while time.monotonic() < end and any(p.p.is_alive() for p in ps):
        time.sleep(0.2)
    for p in ps:
        p.stop()
    return [p.result(30) for p in ps]


# --------------------------------------------------------------------------
# Normal clients ("probers")
# --------------------------------------------------------------------------

def _probe_echo_fresh(port, i):
    with connect(port, 4 if i % 2 == 0 else 6, timeout=5) as s:
        echo_once(s, b'probe %d %s\n' % (i, b'.' * (i % 50)), timeout=5)


def _probe_http_fresh(port, i, path):
    with H.Conn(port, fam=4 if i % 2 == 0 else 6, timeout=5) as c:
        c.send(H.req(path, headers=['Connection: close']))
        r = c.read_response(timeout=5)
        expect(r.status == 200, 'status %d' % r.status)
        expect(r.body == _file(path), 'wrong body (%d bytes)' % len(r.body))


_FILES = {}


def _file(path):
    if path not in _FILES:
        _FILES[path] = H.file_bytes(path.lstrip('/'))
    return _FILES[path]


def _prober(stop, kind, port, mode, interval, retries, path):
    """Child: probe until stopped. Returns {'ok': [t...], 'fail': [...],
    'retried': n, 'max_lat': s}."""
    oks, fails, retried, max_lat = [], [], 0, 0.0
    kept = None
    i = 0
    if mode == 'kept':
        if kind == 'echo':
            kept = connect(port, 4, timeout=5)
        else:
            kept = H.Conn(port, timeout=5)
    ready = time.monotonic()
    while not stop.is_set():
        i += 1
        t0 = time.monotonic()
        err = None
        for attempt in range(retries + 1):
            try:
                if mode == 'kept' and kind == 'echo':
                    echo_once(kept, b'kept probe %d\n' % i, timeout=5)
                elif mode == 'kept':
                    kept.send(H.req(path))
                    r = kept.read_response(timeout=5)
                    expect(r.status == 200 and r.body == _file(path),
                           'kept http probe: %d, %d bytes' % (r.status,
                                                              len(r.body)))
                elif kind == 'echo':
                    _probe_echo_fresh(port, i)
                else:
                    _probe_http_fresh(port, i, path)
                err = None
                break
            except Exception as e:
                err = '%s: %s' % (type(e).__name__, e)
                if mode == 'kept':
                    break
                retried += 1
                time.sleep(0.2)
        t1 = time.monotonic()
        if err:
            fails.append('%.1fs: %s' % (t1 - ready, err[:200]))
            if mode == 'kept':
                break
        else:
            oks.append(t1)
            max_lat = max(max_lat, t1 - t0)
        stop.wait(interval)
    if kept is not None:
        kept.close()
    return {'ok': oks, 'fail': fails, 'retried': retried, 'max_lat': max_lat}


class Window:
    """The time span of the attack proper."""

    def __init__(self):
        self.t0 = self.t1 = None

    def begin(self):
        self.t0 = time.monotonic()

    def end(self):
        self.t1 = time.monotonic()


class Probers:
    """Normal clients running in their own processes during an attack.

    specs: (kind 'echo'|'http', port, mode 'fresh'|'kept'). 'kept' keeps
    one connection opened before the attack (use it when the attack may
    legitimately fill max_connections); 'fresh' opens a new connection per
    probe and retries a refused one `retries` times.
    """

    def __init__(self, specs, interval=0.3, retries=2, path='/hello.txt'):
        self.specs = list(specs)
        self.procs = [Proc(_prober, sp[0], sp[1], sp[2], interval, retries,
                           sp[3] if len(sp) > 3 else path)
                      for sp in self.specs]
        self.results = None
        # Give kept connections time to be established before the attack.
        time.sleep(0.5)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()

    def stop(self):
        if self.results is None:
            for p in self.procs:
                p.stop()
            self.results = [p.result(30) for p in self.procs]
        return self.results

    def check(self, t, name, win, min_ok=1):
        """One test line: each prober was served during the window."""
        res = self.stop()
        probs, notes = [], []
        t0 = win.t0 or 0
        t1 = win.t1 or time.monotonic()
        for sp, r in zip(self.specs, res):
            tag = '%s:%d %s' % tuple(sp[:3])
            if len(sp) > 3:
                tag += ' ' + sp[3]
            if 'error' in r:
                probs.append('%s prober crashed: %s' % (tag, r['error']))
                continue
            during = [x for x in r['ok'] if t0 <= x <= t1]
            notes.append('%s: %d ok (%d during the %.1fs attack), %d '
                         'retries, slowest %.2fs' %
                         (tag, len(r['ok']), len(during), t1 - t0,
                          r['retried'], r['max_lat']))
            if r['fail']:
                probs.append('%s failed: %s' % (tag, '; '.join(r['fail'][:3])))
            if len(during) < min_ok:
                probs.append('%s: %d successes during the attack' %
                             (tag, len(during)))
        line = name + ': normal clients served during the attack'
        if probs:
            t.not_ok(line, '\n'.join(notes + probs))
            return False
        t.ok(line, '\n'.join(notes))
        return True


# --------------------------------------------------------------------------
# rmmod with a watchdog
# --------------------------------------------------------------------------

def _task_stacks(pred):
    out = []
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid) as f:
                st = f.read()
            comm = st[st.index('(') + 1:st.rindex(')')]
            state = st[st.rindex(')') + 2]
            with open('/proc/%s/stack' % pid) as f:
                stack = f.read()
        except (OSError, ValueError):
            continue
        if pred(comm, state, stack):
            out.append('%s %s [%s]:\n%s' % (pid, comm, state, stack.rstrip()))
    return out


def rmmod_watched(limit, hard=90.0):
    """rmmod ksrv; if it is still running after `limit` seconds, collect
    what it and ksrv's workers are doing. Returns (ok, msg, seconds,
    diagnostics)."""
    t0 = time.monotonic()
    call = in_thread(delete_module)
    diag = []
    res = call.wait(limit)
    if res is None:
        diag.append('rmmod still running after %.0fs' % limit)
        diag += _task_stacks(lambda c, s, st: s == 'D' or 'ksrv' in st)
        for tid in os.listdir('/proc/self/task'):
            try:
                with open('/proc/self/task/%s/stack' % tid) as f:
                    st = f.read()
            except OSError:
                continue
            if 'delete_module' in st:
                diag.append('rmmod (thread %s):\n%s' % (tid, st.rstrip()))
        try:
            with open('/proc/net/sockstat') as f:
                diag.append(f.read().strip())
        except OSError:
            pass
        res = call.wait(max(1.0, hard - limit))
        if res is None:
            dt = time.monotonic() - t0
            return False, 'rmmod still running after %.0fs' % dt, dt, diag
    dt = time.monotonic() - t0
    if res != 0:
        return False, 'delete_module: %s' % os.strerror(res), dt, diag
    return True, '', dt, diag


# --------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------

def nofile(n):
    from ksrvtest import raise_nofile
    got = raise_nofile(n)
    if got < n:
        raise Fail('RLIMIT_NOFILE only %d, need %d' % (got, n))
    return got


def nb_socket(fam=4):
    s = socket.socket(socket.AF_INET if fam == 4 else socket.AF_INET6,
                      socket.SOCK_STREAM)
    s.setblocking(False)
    return s


def start_connect(s, port, fam=4):
    """Non-blocking connect; True when started (or done)."""
    rc = s.connect_ex(('127.0.0.1' if fam == 4 else '::1', port))
    return rc in (0, errno.EINPROGRESS)


def rnd(seed):
    return random.Random(seed)


def fmt_counts(d):
    return ', '.join('%s %s' % (k, d[k]) for k in sorted(d, key=str))


__all__ = ['Fail', 'QUICK', 'log', 'deadline', 'expect']
