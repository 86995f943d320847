#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""72-abuse-slowloris: Debian's slowhttptest against the HTTP service.

- slowloris (-H): 500 (QUICK 150) connections trickle header lines every
  second; with http_header_timeout=3 the server must answer each with 408
  and close it (counted in /proc/ksrv/http_status, seen as "closed" by
  slowhttptest, stats "open" back to 0 while the tool still runs);
- slow read (-X): 500 (QUICK 150) connections request the 8 MiB file three
  times pipelined and read it with tiny windows, a few bytes every few
  seconds, until the tool's time is up.
Both run for a bounded time (-l 30, QUICK 8) while normal clients (echo,
small and 1 MiB GETs) must keep being served; afterwards stats open 0, TCP
inuse and memory back to the baseline, clean kernel log, rmmod.

slowhttptest comes from the host's /usr (Debian package slowhttptest).
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..'))
from ksrvtest import CPU_SHARE, TIME_SCALE, slack  # noqa: E402
from ksrvtest import QUICK, Fail, Kmsg, log, read_stats, unload  # noqa
import httptest as H  # noqa
import abusetest as A  # noqa

ECHO = 24721
HTTP = 24722
SERVICES = (('echo', ECHO), ('http', HTTP))
# On a slow kernel (KSRV_TIME_SCALE > 1: the debug kernel) or a shared
# host (KSRV_CPU_SHARE > 1: two guests at once) the tool itself opens
# connections several times slower, and stops once every connection it
# opened was closed: fewer of them, for longer.
CONNS = int((150 if QUICK else 500) / (TIME_SCALE * CPU_SHARE))
RATE = 100 if QUICK else 200
LENGTH = int(slack(8 if QUICK else 30))
HEADER_TIMEOUT = 3
OUT = os.environ.get('KSRV_OUT', '/tmp')
ANSI_RE = re.compile(r'\x1b\[[0-9;]*[A-Za-z]')
FIGURES = {}


def run_tool(mode_args, tag, sampler):
    """Run slowhttptest; sample stats while it runs. Returns its final
    status counters and raw output."""
    prefix = os.path.join(OUT, 'slowhttptest-' + tag)
    cmd = ['slowhttptest'] + mode_args + [
        '-c', str(CONNS), '-r', str(RATE), '-l', str(LENGTH), '-p', '3',
        '-g', '-o', prefix]
    log('running: ' + ' '.join(cmd))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         errors='replace')
    # Read the output in a thread-free way: the tool prints little.
    dl = time.monotonic() + LENGTH + 40
    chunks = []
    os.set_blocking(p.stdout.fileno(), False)
    while p.poll() is None and time.monotonic() < dl:
        sampler()
        time.sleep(0.25)
        try:
            d = p.stdout.read()
            if d:
                chunks.append(d)
        except (OSError, TypeError):
            pass
    if p.poll() is None:
        p.kill()
        p.wait(10)
        raise Fail('slowhttptest still running %ds after its -l %d' %
                   (LENGTH + 40, LENGTH))
    rest = p.stdout.read()
    if rest:
        chunks.append(rest)
    out = ANSI_RE.sub('', ''.join(chunks))
    with open(prefix + '.log', 'w') as f:
        f.write(out)
    res = {'rc': p.returncode}
    for key in ('initializing', 'pending', 'connected', 'error', 'closed'):
        vals = re.findall(r'^%s:\s+(\d+)' % key, out, re.M)
        res[key] = int(vals[-1]) if vals else None
        res['max_' + key] = max(map(int, vals)) if vals else None
    av = re.findall(r'^service available:\s+(\S+)', out, re.M)
    res['available'] = av[-1] if av else None
    res['available_no'] = sum(1 for a in av if a != 'YES')
    m = re.findall(r'^Exit status:\s*(.*)$', out, re.M)
    res['exit'] = m[-1].strip() if m else None
    # The CSV has one row per second: seconds, closed, pending, connected,
    # (connections asked for). stdout only shows the last status, which
    # may be printed before the final closes.
    res['established'] = res['max_connected'] or 0
    try:
        with open(prefix + '.csv') as f:
            rows = [ln.strip().split(',') for ln in f][1:]
        rows = [list(map(int, r[:4])) for r in rows if len(r) >= 4]
        if rows:
            res['established'] = max(r[1] + r[3] for r in rows)
            res['max_connected'] = max(r[3] for r in rows)
    except (OSError, ValueError):
        pass
    return res, out


class OpenTrack:
    """Samples the http line of /proc/ksrv/stats during the attack."""

    def __init__(self):
        self.max_open = 0
        self.samples = []

    def __call__(self):
        try:
            o = read_stats()[('http', HTTP)]['open']
        except Exception:
            return
        self.max_open = max(self.max_open, o)
        self.samples.append((time.monotonic(), o))

    def zero_after_peak(self):
        """Seconds from the start until open fell back to 0 after the peak
        (None if it never did while the tool ran)."""
        if not self.samples:
            return None
        t0 = self.samples[0][0]
        peaked = False
        for t, o in self.samples:
            if o >= self.max_open * 0.5 and o > 0:
                peaked = True
            elif peaked and o == 0:
                return t - t0
        return None


PROBES = [('echo', ECHO, 'fresh'), ('http', HTTP, 'fresh'),
          ('http', HTTP, 'fresh', '/random.bin')]


def attack_case(t, name, mode_args, tag, check):
    km = Kmsg()
    base = A.baseline(SERVICES)
    st0 = H.read_status()
    win = A.Window()
    track = OpenTrack()
    pr = A.Probers(PROBES, interval=0.5)
    try:
        win.begin()
        try:
            res, out = run_tool(mode_args, tag, track)
        except Fail as e:
            res, out = None, str(e)
        win.end()
    finally:
        win.end()
        pr.stop()
    d = H.status_delta(st0, H.read_status())
    if res is None:
        t.not_ok(name + ': slowhttptest ran', out)
    else:
        zero = track.zero_after_peak()
        note = ('slowhttptest: "%s"; %d connections established, at most %s '
                'at once, %s errors, its probe failed %d times; '
                'server: max open %d, open back to 0 %s; statuses %s' %
                (res['exit'], res['established'], res['max_connected'],
                 res['error'], res['available_no'],
                 track.max_open, 'after %.1fs' % zero if zero is not None
                 else 'only after the tool ended', A.fmt_counts(d)))
        probs = check(res, d, track)
        FIGURES[tag] = (res['max_connected'], res['closed'], d.get(408, 0))
        t.verdict(name + ': ' + check.__doc__.strip(), probs, note)
    A.case_end(t, name, km, base, SERVICES, pr, win)


def check_slowloris(res, d, track):
    """every connection answered 408 and closed by the server"""
    probs = []
    conn = res['established']
    n408 = d.get(408, 0)
    if conn < CONNS * 0.9:
        probs.append('only %d of %d connections were established' %
                     (conn, CONNS))
    # Every connection that sent a partial head gets its 408.
    if n408 < conn * 0.95:
        probs.append('408 +%d for %d connections' % (n408, conn))
    # The tool stops early when the server has closed all of them.
    if res['exit'] != 'No open connections left':
        probs.append('slowhttptest ended with "%s", not because the server '
                     'closed every connection' % res['exit'])
    others = {k: v for k, v in d.items() if k not in (200, 408)}
    if others:
        probs.append('unexpected statuses %s' % others)
    return probs


def check_slowread(res, d, track):
    """the tool ran, server stayed consistent"""
    probs = []
    conn = res['established']
    if conn < CONNS * 0.9:
        probs.append('only %d of %d connections were established' %
                     (conn, CONNS))
    others = {k: v for k, v in d.items() if k not in (200,)}
    if others:
        probs.append('unexpected statuses %s' % others)
    return probs


def main():
    t, base0 = A.suite('72-abuse-slowloris', 175, 58, 'slowloris')
    if not shutil.which('slowhttptest'):
        t.not_ok('slowhttptest installed',
                 'apt-get install slowhttptest on the host')
        t.finish()
    km = t.need('insmod', H.load_http,
                'http_header_timeout=%d' % HEADER_TIMEOUT,
                services='echo:%d,http:%d' % (ECHO, HTTP), port=HTTP)
    url = 'http://127.0.0.1:%d' % HTTP
    attack_case(t, 'slowloris -H %d connections' % CONNS,
                ['-H', '-i', '1', '-x', '24', '-u', url + '/hello.txt'],
                'slowloris', check_slowloris)
    attack_case(t, 'slow read -X %d connections' % CONNS,
                ['-X', '-k', '3', '-w', '512', '-y', '1024', '-n', '3',
                 '-z', '32', '-u', url + '/big.bin'],
                'slowread', check_slowread)
    t.run('rmmod', unload, 10, km)
    A.back_to_baseline(t, 'after rmmod', base0)
    A.finish(t, FIGURES)


main()
