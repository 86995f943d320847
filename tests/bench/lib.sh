# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by the guest halves of the ksrv benchmarks
# (echo-guest.sh, http-guest.sh). Source it; runs inside the test guest.
#
# Raw results go to $KSRV_OUT as plain "key=value" lines, one line per
# measurement, so the host-side report (report.py) never has to parse tool
# output itself.

# shellcheck source=tests/guest/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../guest/lib.sh"

# bench_log TEXT...: progress line on stderr (ends up in serial.log).
bench_log() {
	echo "bench: $(date +%T) $*" >&2
}

# cpu_snap: "busy idle user sys softirq" jiffies summed over all CPUs.
# Steal and guest time are not expected under TCG; iowait counts as idle.
cpu_snap() {
	awk '$1 == "cpu" {
		user = $2 + $3; sys = $4; idle = $5 + $6; irq = $7; sirq = $8
		print user + sys + irq + sirq, idle, user, sys + irq, sirq
	}' /proc/stat
}

# run_cpu TIMEFILE S0 S1: "wall=W client_cpu=C server_cpu=S" for one
# client run. TIMEFILE holds the client's "wall user system" seconds; the
# server's CPU ticks (HZ per second) went from S0 to S1 meanwhile. Both
# are in percent of the whole guest (NCPU CPUs) over the client's
# wall-clock time, connects and teardown included.
run_cpu() {
	local wall cu cs
	read -r wall cu cs <"$1"
	awk -v n="$NCPU" -v w="$wall" -v u="$cu" -v s="$cs" -v a="$2" \
		-v b="$3" -v h="$HZ" 'BEGIN {
		d = n * (w > 0 ? w : 1)
		printf "wall=%s client_cpu=%.1f server_cpu=%.1f", w,
			100 * (u + s) / d, 100 * (b - a) / h / d
	}'
}

# cpu_delta "BEFORE" "AFTER": key=value CPU split of the interval, in
# percent of all CPUs (100 = every CPU busy the whole time).
cpu_delta() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		tot = (y[1] - x[1]) + (y[2] - x[2]); if (tot <= 0) tot = 1
		printf "cpu_busy=%.1f cpu_user=%.1f cpu_sys=%.1f cpu_softirq=%.1f",
			100 * (y[1] - x[1]) / tot, 100 * (y[3] - x[3]) / tot,
			100 * (y[4] - x[4]) / tot, 100 * (y[5] - x[5]) / tot
	}'
}

# proc_cpu_ticks PID: utime+stime of a process in clock ticks (0 if gone).
proc_cpu_ticks() {
	# Field 2 (comm) may contain spaces; cut after the closing paren.
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	awk '{ print $12 + $13 }' <<<"$s"
}

# proc_rss_kb PID: VmRSS of a process in kB (0 if gone).
proc_rss_kb() {
	awk '$1 == "VmRSS:" { print $2; f = 1 } END { if (!f) print 0 }' \
		"/proc/$1/status" 2>/dev/null || echo 0
}

# mem_snap: kernel memory as "slab_kb kstack_kb ptables_kb sockmem_pages".
# Caches are dropped first so that dentries and inodes the tools touched on
# the way do not drown the per-connection signal.
mem_snap() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
	local m s
	m=$(awk '$1 == "Slab:" { s = $2 } $1 == "KernelStack:" { k = $2 }
		$1 == "PageTables:" { p = $2 } END { print s, k, p }' /proc/meminfo)
	# "mem" of TCP: is in pages and covers IPv4 and IPv6 TCP sockets.
	s=$(awk '$1 == "TCP:" { for (i = 2; i < NF; i++)
		if ($i == "mem") print $(i + 1) }' /proc/net/sockstat)
	echo "$m ${s:-0}"
}

# bench_meta FILE: describe the guest for the report.
bench_meta() {
	{
		echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
		echo "kernel=$(uname -r)"
		echo "cpus=$(nproc)"
		echo "mem_mb=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)"
		echo "quick=${QUICK:-0}"
		echo "cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
		echo "cmdline=$(cat /proc/cmdline)"
		# A mis-calibrated TSC makes the guest clock, and so every rate
		# measured in it, wrong; report.py compares this with the host.
		echo "tsc_mhz=$(dmesg | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n 1)"
	} >"$1"
}
