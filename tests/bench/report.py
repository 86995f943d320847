#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw results of a benchmark guest run into data files, plots
and a markdown section.

usage: report.py echo|http RESULTS_DIR --doc-dir DIR

Reads RESULTS_DIR/<kind>-raw.txt, <kind>-meta.txt and host-*.txt (written
by the guest scripts and host.sh), writes DIR/bench/<kind>*.dat, .gp, .png
and replaces the "<kind>" section of DIR/benchmarks.md (created when
missing). The section is also printed on stdout.
"""

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys

TCG_CAVEAT = (
    "The guest is emulated by QEMU TCG (no KVM) on a shared host, so "
    "absolute numbers are far below real hardware and vary with host "
    "load; only the ratios between servers measured in the same run "
    "mean something. Client and server share the guest's two vCPUs.")

SLUB_CAVEAT = (
    "The benchmark guest boots without slab debugging (`tests/vm/run.sh "
    "-b`), unlike the test guests, which use `slub_debug=FZPU`; both ends "
    "of every loopback connection are kernel sockets and count in the "
    "kernel figures.")


def plot_yscale(f, logy):
    """The y axis of a plot: log scale for latencies, else from 0."""
    if logy:
        f.write("set logscale y\nset format y '%g'\n")
    else:
        f.write("set yrange [0:*]\n")


def plot_series(f, servers, stride, col, logy, series):
    """The plot command, one series per server: column COL of the
    server's STRIDE columns (after the first), in ms for a log axis.
    SERIES(i, y, label) writes the i-th server's part."""
    plots = []
    for i, (_, label) in enumerate(servers):
        y = f"{2 + stride * i + col}"
        if logy:
            y = f"(${y} / 1000)"
        plots.append(series(i, y, label))
    f.write("plot " + ", \\\n     ".join(plots) + "\n")


def parse_kv(path):
    """Lines of key=value words -> list of dicts (values kept as str)."""
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = {}
            for word in line.split():
                if "=" in word:
                    k, v = word.split("=", 1)
                    d[k] = v
            if d:
                rows.append(d)
    return rows


def parse_meta(path):
    meta = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    return meta


def num(d, key):
    try:
        return float(d[key])
    except (KeyError, ValueError):
        return None


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def spread(values):
    """(max - min) / median in percent: how noisy the runs were."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return None
    m = statistics.median(values)
    return 100.0 * (max(values) - min(values)) / m if m else None


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def fmt_us(v):
    """Latency in microseconds, shown in the unit that reads best."""
    if v is None:
        return "n/a"
    if v >= 1000:
        return f"{v / 1000:,.1f} ms"
    return f"{v:,.0f} µs"


def paired(rows, a, b, key, **match):
    """Median over runs of a/b, each rep's A divided by the same rep's B.

    Interleaving puts A and B of one rep close together in time, so the
    slow drift of an emulated guest on a shared host mostly cancels in the
    per-rep ratio, which the ratio of two medians would not do.
    """
    return med(paired_ratios(rows, a, b, key, **match))


def median_interval(values, least=0.9):
    """Distribution-free interval for the median of VALUES.

    Sorted x(1) <= ... <= x(n): [x(k), x(n+1-k)] holds the true median
    unless at least n+1-k values lie on one side of it, so its coverage is
    1 - 2 P(Binomial(n, 1/2) < k). Returns (low, high, coverage) for the
    largest k whose coverage is at least LEAST, or None for too few values
    (five is the least that reaches 90%).
    """
    v = sorted(x for x in values if x is not None)
    n, best = len(v), None
    for k in range(1, (n + 1) // 2 + 1):
        tail = sum(math.comb(n, i) for i in range(k)) / 2 ** n
        cover = 1 - 2 * tail
        if cover < least:
            break
        best = (v[k - 1], v[n - k], cover)
    return best


def paired_ratios(rows, a, b, key, **match):
    """The per-rep ratios behind paired()."""
    def by_rep(srv):
        out = {}
        for r in rows:
            if r.get("server") != srv or any(r.get(k) != str(v)
                                             for k, v in match.items()):
                continue
            v = num(r, key)
            if v is not None:
                out[r.get("rep")] = v
        return out
    va, vb = by_rep(a), by_rep(b)
    return [va[k] / vb[k] for k in va if vb.get(k)]


def noise_note(spreads):
    """A warning when the runs disagree so much that verdicts may flip."""
    spreads = [x for x in spreads if x is not None]
    if not spreads or max(spreads) < 50:
        return []
    return [f"**Noise:** the runs of one configuration differ by up to "
            f"{max(spreads):.0f}% of their median (median spread "
            f"{statistics.median(spreads):.0f}%), so the verdicts below can "
            "change from one run of the benchmark to the next; repeat it "
            "on a quiet host or with more runs (`-n`) before relying on "
            "them.", ""]


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


def fmt_bound(r, target):
    """A ratio shown with enough digits to fall on its side of TARGET."""
    if r != target and round(r, 2) == target:
        return f"{r:.3f}x"
    return fmt_ratio(r)


def host_load(resdir):
    path = os.path.join(resdir, "host-load.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        vals = [float(x) for x in f.read().split() if x]
    return statistics.mean(vals) if vals else None


def describe_env(meta, host, load, extra):
    lines = [
        f"Measured {meta.get('date', '?')} by `{extra}`: guest kernel "
        f"{meta.get('kernel', '?')}, {meta.get('cpus', '?')} vCPUs, "
        f"{meta.get('mem_mb', '?')} MiB, QEMU TCG "
        f"(`-cpu max`; host: {host.get('host_cpus', '?')} CPUs"
        + (f", mean 1-min load {load:.1f} during the run" if load is not None
           else "") + ").",
    ]
    if host.get("module"):
        lines[0] += (f" ksrv.ko sha256 {host['module']}..., source tree "
                     f"{host.get('git') or '?'}.")
    try:
        g, h = float(meta["tsc_mhz"]), float(host["host_mhz"])
        if abs(g - h) > 0.05 * h:
            lines.append(f"**Guest clock suspect:** the guest calibrated its "
                         f"TSC at {g:.0f} MHz, the host runs at {h:.0f} MHz; "
                         "rates measured in the guest are off by that "
                         "factor.")
    except (KeyError, ValueError):
        pass
    if meta.get("quick") == "1":
        lines.append("**QUICK smoke run: too short to be meaningful.**")
    return lines


def gnuplot(gp_path, png_dir):
    if not shutil.which("gnuplot"):
        print(f"report: gnuplot missing, {gp_path} not rendered",
              file=sys.stderr)
        return
    r = subprocess.run(["gnuplot", os.path.basename(gp_path)], cwd=png_dir,
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        print(f"report: gnuplot {gp_path} failed: {r.stderr}",
              file=sys.stderr)


# ---------------------------------------------------------------- echo

ECHO_SERVERS = [("wq", "ksrv workqueue"), ("thread", "ksrv thread"),
                ("user", "user-echo-server")]


def echo_report(resdir, bench_dir):
    rows = parse_kv(os.path.join(resdir, "echo-raw.txt"))
    meta = parse_meta(os.path.join(resdir, "echo-meta.txt"))
    host = parse_meta(os.path.join(resdir, "host-meta.txt"))
    load = host_load(resdir)
    runs = [r for r in rows if r.get("kind") == "run"]
    idle = [r for r in rows if r.get("kind") == "idle"]
    conns = sorted({int(r["conns"]) for r in runs if "conns" in r})
    servers = [s for s in ECHO_SERVERS if any(r["server"] == s[0]
                                             for r in runs + idle)]

    def sel(srv, c):
        return [r for r in runs if r.get("server") == srv
                and r.get("conns") == str(c)]

    stat = {}
    for srv, _ in servers:
        for c in conns:
            rs = sel(srv, c)
            stat[srv, c] = {
                "n": len(rs),
                "msgs": med([num(r, "msgs_per_s") for r in rs]),
                "spread": spread([num(r, "msgs_per_s") for r in rs]),
                "p50": med([num(r, "p50_us") for r in rs]),
                "p99": med([num(r, "p99_us") for r in rs]),
                "errors": sum(int(r.get("errors", "0")) +
                              int(r.get("mismatches", "0")) for r in rs)
                + sum(1 for r in rs if "msgs_per_s" not in r),
                "busy": med([num(r, "cpu_busy") for r in rs]),
                "client": med([num(r, "client_cpu") for r in rs]),
                "server": med([num(r, "server_cpu") for r in rs]),
                "softirq": med([num(r, "cpu_softirq") for r in rs]),
            }

    # Data file and plots.
    dat = os.path.join(bench_dir, "echo.dat")
    with open(dat, "w", encoding="utf-8") as f:
        f.write("# ksrv echo benchmark, medians; generated by "
                "tests/bench/report.py\n# conns")
        for srv, _ in servers:
            f.write(f" {srv}_msgs_per_s {srv}_p50_us {srv}_p99_us")
        f.write("\n")
        for c in conns:
            f.write(str(c))
            for srv, _ in servers:
                s = stat[srv, c]
                for k in ("msgs", "p50", "p99"):
                    f.write(" " + ("NaN" if s[k] is None else f"{s[k]:.1f}"))
            f.write("\n")
    for what, col, ylabel, logy in (
            ("msgs", 0, "messages/s (median)", False),
            ("p99", 2, "p99 round trip (ms, median of runs)", True)):
        gp = os.path.join(bench_dir, f"echo-{what}.gp")
        with open(gp, "w", encoding="utf-8") as f:
            f.write("# generated by tests/bench/report.py\n")
            f.write("set terminal pngcairo size 800,500\n")
            f.write(f"set output 'echo-{what}.png'\n")
            f.write("set title 'ksrv echo, 64-byte messages "
                    f"({meta.get('kernel', '')}, TCG guest)'\n")
            f.write("set xlabel 'concurrent connections'\n")
            f.write(f"set ylabel '{ylabel}'\nset logscale x 2\n")
            plot_yscale(f, logy)
            f.write("set key top left\nset grid\n")
            plot_series(f, servers, 3, col, logy,
                        lambda i, y, label: f"'echo.dat' using 1:{y} "
                        f"with linespoints lw 2 title '{label}'")
        gnuplot(gp, bench_dir)

    # Markdown.
    md = ["## Echo", ""]
    md += describe_env(meta, host, load, "make bench")
    md += ["",
           f"Median of {meta.get('runs', '?')} runs per point, each "
           f"{meta.get('secs', '?')} s, {meta.get('size', '?')}-byte "
           "messages, `userspace/bench` as the client (one thread per "
           "vCPU, every echo verified). The servers take turns run by run "
           "(A B C A B C ...). user-echo-server runs "
           f"{meta.get('user_threads', '?')} epoll threads (one per vCPU), "
           "ksrv uses its default (unbound) workqueue or one kernel thread per "
           "connection. Spread = (max − min) / median of the runs.",
           "", TCG_CAVEAT, ""]

    head = "| conns |"
    sep = "|---:|"
    for _, label in servers:
        head += f" {label} msgs/s | spread | p50 | p99 |"
        sep += "---:|---:|---:|---:|"
    have = {s for s, _ in servers}
    if {"wq", "user"} <= have:
        head += " wq/user msgs/s | wq/user p99 |"
        sep += "---:|---:|"
    if {"wq", "thread"} <= have:
        head += " wq/thread msgs/s |"
        sep += "---:|"
    md += [head, sep]
    for c in conns:
        line = f"| {c} |"
        for srv, _ in servers:
            s = stat[srv, c]
            sp = "n/a" if s["spread"] is None else f"{s['spread']:.0f}%"
            line += (f" {fmt(s['msgs'])} | {sp} | {fmt_us(s['p50'])} |"
                     f" {fmt_us(s['p99'])} |")
        if {"wq", "user"} <= have:
            line += (f" {fmt_ratio(paired(runs, 'wq', 'user', 'msgs_per_s', conns=c))} |"
                     f" {fmt_ratio(paired(runs, 'wq', 'user', 'p99_us', conns=c))} |")
        if {"wq", "thread"} <= have:
            line += f" {fmt_ratio(paired(runs, 'wq', 'thread', 'msgs_per_s', conns=c))} |"
        md.append(line)
    errs = sum(s["errors"] for s in stat.values())
    md += ["", f"Errors or missing results over all runs: {errs}.", ""]

    # CPU split.
    md += ["CPU use in the guest during the runs (percent of both vCPUs, "
           "medians): *busy* from /proc/stat, *client* = the bench "
           "process, *server* = user-echo-server's process (ksrv's work "
           "runs in kworkers/kthreads and shows up only in busy − client; "
           "so does the loopback TCP stack's softirq work).", "",
           "| conns | server | busy | client | server process | softirq |",
           "|---:|---|---:|---:|---:|---:|"]
    for c in conns:
        for srv, label in servers:
            s = stat[srv, c]
            sv = fmt(s["server"], 1) + "%" if srv == "user" else "—"
            md.append(f"| {c} | {label} | {fmt(s['busy'], 1)}% |"
                      f" {fmt(s['client'], 1)}% | {sv} |"
                      f" {fmt(s['softirq'], 1)}% |")
    md.append("")

    # Idle memory.
    if idle:
        md += [f"Kernel memory per idle connection: /proc/meminfo Slab + "
               "KernelStack + PageTables and /proc/net/sockstat TCP `mem`, "
               f"before and after `echo-idle` opened {meta.get('idle', '?')} "
               "connections (page cache dropped before each reading), "
               "plus the server's VmRSS growth for user-echo-server. Both "
               "ends of each loopback connection are in the kernel figures "
               "(the client's socket costs the same for every server), so "
               "the *difference* between the servers is the part that "
               "depends on the server.", "",
               "| server | connected | Slab | KernelStack | PageTables | "
               "TCP mem | server RSS | total per connection |",
               "|---|---:|---:|---:|---:|---:|---:|---:|"]
        per_conn = {}
        for r in idle:
            n = int(r.get("connected", r.get("n", "0")) or 0)
            if n <= 0:
                continue

            def delta(key, unit):
                a, b = (float(x) for x in r[key].split(","))
                return (b - a) * unit / n

            parts = [delta("slab_kb", 1024), delta("kstack_kb", 1024),
                     delta("ptables_kb", 1024), delta("sockmem_pages", 4096),
                     delta("rss_kb", 1024)]
            total = sum(parts)
            per_conn[r["server"]] = total
            label = dict(ECHO_SERVERS).get(r["server"], r["server"])
            md.append(f"| {label} | {n} | " +
                      " | ".join(f"{p:,.0f} B" for p in parts) +
                      f" | **{total:,.0f} B** |")
        md.append("")
        if "wq" in per_conn and "user" in per_conn:
            d = per_conn["wq"] - per_conn["user"]
            md.append(f"ksrv (workqueue) uses {abs(d):,.0f} bytes "
                      f"{'more' if d > 0 else 'less'} per idle connection "
                      "than user-echo-server (kernel + RSS).")
        if "thread" in per_conn and "wq" in per_conn:
            d = per_conn["thread"] - per_conn["wq"]
            md.append(f"Thread dispatch uses {abs(d):,.0f} bytes "
                      f"{'more' if d > 0 else 'less'} per connection than "
                      "the workqueue (a kernel stack and a task per "
                      "connection).")
        md += ["", SLUB_CAVEAT, ""]

    # Targets.
    md += noise_note(s["spread"] for s in stat.values())
    md += ["Ratios are medians of per-run ratios (each run of one server "
           "divided by the other server's run of the same round), which "
           "cancels slow drift between rounds (not the fast jitter).", "",
           "Targets (ksrv workqueue ≥ 1.5x user-echo-server msgs/s at 16 "
           "and 64 connections with a lower p99; workqueue ahead of thread "
           "mode):", ""]
    for c in (16, 64):
        if c not in conns or not {"wq", "user"} <= have:
            continue
        w, u = stat["wq", c], stat["user", c]
        r = paired(runs, "wq", "user", "msgs_per_s", conns=c)
        rp = paired(runs, "wq", "user", "p99_us", conns=c)
        ok = r is not None and r >= 1.5 and rp is not None and rp < 1
        md.append(f"- {c} connections vs user space: "
                  f"{'**met**' if ok else '**missed**'} "
                  f"({fmt_ratio(r)} msgs/s, p99 ratio {fmt_ratio(rp)}: "
                  f"{fmt_us(w['p99'])} vs {fmt_us(u['p99'])}).")
    if {"wq", "thread"} <= have:
        ahead = [c for c in conns
                 if (paired(runs, "wq", "thread", "msgs_per_s", conns=c)
                     or 0) > 1]
        md.append(f"- workqueue ahead of thread mode at "
                  f"{len(ahead)} of {len(conns)} connection counts"
                  f" ({', '.join(map(str, ahead)) or 'none'}): "
                  f"{'**met**' if len(ahead) == len(conns) else '**missed**'}.")
    md += ["", "![messages per second](bench/echo-msgs.png)",
           "![p99 latency](bench/echo-p99.png)", "",
           "Data: `Documentation/bench/echo.dat` (medians; `echo-*.gp` "
           "re-plot it), `echo-raw.txt` (every run), `echo-meta.txt`.", ""]
    return md


# ---------------------------------------------------------------- http

HTTP_SERVERS = [("ksrv", "ksrv"), ("nginx", "nginx"),
                ("fixed", "user-http-server (fixed)")]
HTTP_TESTS = [
    ("a", "small file, keep-alive", "small, keep-alive"),
    ("b", "small file, new connection per request", "small, conn/request"),
    ("c", "1 MiB file, keep-alive", "1 MiB, keep-alive"),
]


def http_report(resdir, bench_dir):
    rows = [r for r in parse_kv(os.path.join(resdir, "http-raw.txt"))
            if r.get("kind") == "http"]
    meta = parse_meta(os.path.join(resdir, "http-meta.txt"))
    host = parse_meta(os.path.join(resdir, "host-meta.txt"))
    load = host_load(resdir)
    servers = [s for s in HTTP_SERVERS if any(r.get("server") == s[0]
                                             for r in rows)]
    tests = [t[:2] for t in HTTP_TESTS if any(r.get("test") == t[0]
                                             for r in rows)]
    short = {t[0]: t[2] for t in HTTP_TESTS}
    stat = {}
    for t, _ in tests:
        for srv, _ in servers:
            rs = [r for r in rows if r.get("test") == t
                  and r.get("server") == srv]
            if not rs:
                continue
            stat[t, srv] = {
                "n": len(rs),
                "rps": med([num(r, "rps") for r in rs]),
                "spread": spread([num(r, "rps") for r in rs]),
                "p50": med([num(r, "p50_us") for r in rs]),
                "p99": med([num(r, "p99_us") for r in rs]),
                "mbps": med([num(r, "mbytes_s") for r in rs]),
                "errors": sum(int(float(r.get("errors", "0") or 0))
                              for r in rs)
                + sum(1 for r in rs if "rps" not in r),
                "busy": med([num(r, "cpu_busy") for r in rs]),
                "client": med([num(r, "client_cpu") for r in rs]),
                "server": med([num(r, "server_cpu") for r in rs]),
            }

    dat = os.path.join(bench_dir, "http.dat")
    with open(dat, "w", encoding="utf-8") as f:
        f.write("# ksrv HTTP benchmark, medians (rel_nginx: median of "
                "per-run ratios); generated by "
                "tests/bench/report.py\n# test")
        for srv, _ in servers:
            f.write(f" {srv}_rps {srv}_p50_us {srv}_p99_us {srv}_rel_nginx")
        f.write("\n")
        for t, label in tests:
            f.write(f"\"({t}) {short[t]}\"")
            base = stat.get((t, "nginx"), {}).get("rps")
            for srv, _ in servers:
                s = stat.get((t, srv), {})
                for k in ("rps", "p50", "p99"):
                    v = s.get(k)
                    f.write(" " + ("NaN" if v is None else f"{v:.1f}"))
                # Same per-run ratios as the text, so plot and table agree.
                rel = (1.0 if srv == "nginx" and base else
                       paired(rows, srv, "nginx", "rps", test=t))
                f.write(" " + ("NaN" if rel is None else f"{rel:.3f}"))
            f.write("\n")
    for what, col, ylabel, logy in (
            ("rps", 3, "req/s relative to nginx (median of per-run ratios)",
             False),
            ("p99", 2, "p99 latency (ms, median of runs)", True)):
        gp = os.path.join(bench_dir, f"http-{what}.gp")
        with open(gp, "w", encoding="utf-8") as f:
            f.write("# generated by tests/bench/report.py\n")
            f.write("set terminal pngcairo size 900,500\n")
            f.write(f"set output 'http-{what}.png'\n")
            f.write(f"set title 'ksrv HTTP ({meta.get('kernel', '')}, "
                    "TCG guest)'\n")
            f.write(f"set ylabel '{ylabel}'\n")
            f.write("set style data histograms\n"
                    "set style histogram clustered gap 1\n"
                    "set style fill solid 0.8 border -1\n"
                    "set boxwidth 0.9\nset key top right\nset grid ytics\n"
                    "set xtics noenhanced\n")
            plot_yscale(f, logy)
            plot_series(f, servers, 4, col, logy,
                        lambda i, y, label: f"'http.dat' using {y}"
                        f"{':xtic(1)' if i == 0 else ''} title '{label}'")
        gnuplot(gp, bench_dir)

    md = ["## HTTP", ""]
    md += describe_env(meta, host, load, "make bench-http")
    md += ["",
           f"Median of {meta.get('runs', '?')} runs per cell, each "
           f"{meta.get('secs', '?')} s; the servers take turns run by run. "
           "Document root on tmpfs: a "
           f"{meta.get('small_size', '?')}-byte `index.html` and a 1 MiB "
           "file. nginx " + meta.get("nginx_version", "") + " (one worker, "
           "sendfile on, access_log off, keepalive_requests 1000000), ksrv "
           "(http_max_requests=1000000) and user-http-server (the same "
           "fixed response for every request: the ceiling of what the "
           "client can drive) all run at once on different ports.", "",
           "Clients: " + meta.get("clients", "?") + ".", "",
           TCG_CAVEAT, ""]
    for t, label in tests:
        md += [f"### ({t}) {label}", "",
               "| server | req/s | spread | p50 | p99 | errors | "
               "guest busy | client CPU |",
               "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for srv, slabel in servers:
            s = stat.get((t, srv))
            if not s:
                continue
            sp = "n/a" if s["spread"] is None else f"{s['spread']:.0f}%"
            md.append(f"| {slabel} | {fmt(s['rps'])} | {sp} |"
                      f" {fmt_us(s['p50'])} | {fmt_us(s['p99'])} |"
                      f" {s['errors']} | {fmt(s['busy'], 1)}% |"
                      f" {fmt(s['client'], 1)}% |")
        k = stat.get((t, "ksrv"), {})
        rn = paired(rows, "ksrv", "nginx", "rps", test=t)
        rf = paired(rows, "ksrv", "fixed", "rps", test=t)
        pn = paired(rows, "ksrv", "nginx", "p99_us", test=t)
        md += ["", f"ksrv/nginx {fmt_ratio(rn)} req/s, {fmt_ratio(pn)} "
               f"p99; ksrv/fixed {fmt_ratio(rf)} req/s (medians of the "
               "per-run ratios).", ""]

    md += noise_note(s["spread"] for s in stat.values())
    md += ["Targets ((a) ksrv ≥ 2x nginx; (b) and (c) ksrv ≥ nginx):", ""]
    for t, label, need in (("a", "small keep-alive", 2.0),
                           ("b", "new connection per request", 1.0),
                           ("c", "1 MiB keep-alive", 1.0)):
        ratios = paired_ratios(rows, "ksrv", "nginx", "rps", test=t)
        rn = med(ratios)
        if rn is None:
            md.append(f"- ({t}) {label}: not measured.")
            continue
        line = (f"- ({t}) {label}: {fmt_ratio(rn)} of nginx, target "
                f"{need:g}x: {'**met**' if rn >= need else '**missed**'}")
        ci = median_interval(ratios)
        if ci:
            lo, hi, cover = ci
            line += (f"; the median of the per-run ratios lies between "
                     f"{fmt_bound(lo, need)} and {fmt_bound(hi, need)} with "
                     f"{100 * cover:.0f}% confidence")
            if lo >= need:
                line += f", all of it at or above {need:g}x"
            else:
                line += (f", which includes {need:g}x: these runs cannot "
                         f"tell whether ksrv reaches {need:g}x nginx")
        md.append(line + ".")
    md += ["", "![requests per second relative to nginx](bench/http-rps.png)",
           "![p99 latency](bench/http-p99.png)", "",
           "Data: `Documentation/bench/http.dat` (medians; `http-*.gp` "
           "re-plot it), `http-raw.txt` (every run), `http-meta.txt`.", ""]
    return md


# ---------------------------------------------------------------- doc

DOC_HEAD = """<!-- SPDX-License-Identifier: GPL-2.0 -->
# ksrv benchmarks

Generated by `make bench` (tests/bench/echo-bench.sh) and
`make bench-http` (tests/bench/http-bench.sh); each run rewrites its own
section below from the data it measured. Both boot one QEMU guest
(tests/vm/run.sh) and run client and servers inside it; see
tests/bench/README.md for options.

"""


def splice(doc_path, kind, md):
    begin, end = f"<!-- BEGIN {kind} -->", f"<!-- END {kind} -->"
    block = begin + "\n" + "\n".join(md).rstrip() + "\n" + end + "\n"
    text = DOC_HEAD
    if os.path.exists(doc_path):
        with open(doc_path, encoding="utf-8") as f:
            text = f.read()
    if begin in text and end in text:
        pre = text[:text.index(begin)]
        post = text[text.index(end) + len(end):].lstrip("\n")
        text = pre + block + ("\n" + post if post else "")
    else:
        # Echo first, HTTP after it, whatever order they were run in;
        # both before the hand-written notes.
        anchor = None
        for a in (("<!-- BEGIN http -->",) if kind == "echo" else ()) + \
                ("<!-- notes -->",):
            if a in text:
                anchor = a
                break
        if anchor:
            i = text.index(anchor)
            text = text[:i] + block + "\n" + text[i:]
        else:
            text = text.rstrip("\n") + "\n\n" + block
    with open(doc_path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("kind", choices=["echo", "http"])
    ap.add_argument("resdir")
    ap.add_argument("--doc-dir", required=True)
    a = ap.parse_args()
    bench_dir = os.path.join(a.doc_dir, "bench")
    os.makedirs(bench_dir, exist_ok=True)
    if a.kind == "echo":
        md = echo_report(a.resdir, bench_dir)
    else:
        md = http_report(a.resdir, bench_dir)
    # The per-run lines behind the medians, for anyone who doubts them.
    for name in (f"{a.kind}-raw.txt", f"{a.kind}-meta.txt"):
        src = os.path.join(a.resdir, name)
        if os.path.exists(src):
            shutil.copyfile(src, os.path.join(bench_dir, name))
    splice(os.path.join(a.doc_dir, "benchmarks.md"), a.kind, md)
    print("\n".join(md))
    print(f"report: wrote {bench_dir}/{a.kind}.* and "
          f"{a.doc_dir}/benchmarks.md", file=sys.stderr)


if __name__ == "__main__":
    main()
