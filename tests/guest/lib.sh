# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shell helpers for ksrv guest test suites, on top of tests/lib.sh (the
# output protocol, check, wait_port, ...). Source it from a suite:
#
#   . "$(dirname "$0")/../lib.sh"
#
# At the end call `finish`, which unloads ksrv and exits non-zero if any
# case failed. Runs inside the test guest as root.

# shellcheck source=tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

KSRV_MOD=ksrv
KSRV_KO=${KSRV_KO:-}
QUICK=${QUICK:-0}

# finish: summary diagnostic and exit status for the suite; the module
# does not outlive it.
finish() {
	summary
	ksrv_loaded && ksrv_unload >/dev/null 2>&1
	[ "$KSRV_FAILS" = 0 ]
	exit $?
}

ksrv_loaded() {
	grep -q "^$KSRV_MOD " /proc/modules
}

# ksrv_load ARGS...: insmod the module under test with module parameters.
# Returns insmod's status; its error message goes to stderr.
ksrv_load() {
	if [ -z "$KSRV_KO" ] || [ ! -f "$KSRV_KO" ]; then
		echo "ksrv_load: module not found: '${KSRV_KO}'" >&2
		return 1
	fi
	timeout 60 insmod "$KSRV_KO" "$@"
}

# ksrv_unload [TIMEOUT]: rmmod, bounded in time (default 30 s).
ksrv_unload() {
	ksrv_loaded || return 0
	timeout "${1:-30}" rmmod "$KSRV_MOD"
}

# sockstat_tcp_inuse: current "TCP: inuse N" (IPv4) plus TCP6 inuse.
sockstat_tcp_inuse() {
	local v4 v6
	v4=$(awk '$1 == "TCP:" { print $3 }' /proc/net/sockstat)
	v6=$(awk '$1 == "TCP6:" { print $3 }' /proc/net/sockstat6 2>/dev/null)
	echo $((${v4:-0} + ${v6:-0}))
}

# ksrv_stat PORT COLUMN [PROTO]: one value from /proc/ksrv/stats.
ksrv_stat() {
	awk -v port="$1" -v col="$2" -v proto="${3:-echo}" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$1 == proto && $2 == port { print $(idx[col]); found = 1 }
		END { exit !found }' /proc/ksrv/stats
}

# dmesg_mark NAME: write a marker line into the kernel log; returns nothing.
dmesg_mark() {
	echo "ksrv-test: mark $1" >/dev/kmsg
}

# dmesg_since NAME: kernel log lines after marker NAME.
dmesg_since() {
	dmesg | awk -v m="ksrv-test: mark $1" 'f { print } index($0, m) { f = 1 }'
}

# Kernel log patterns that mean something went wrong in the kernel.
# Same list as tests/vm/run.sh checks for the whole boot. kmemleak's own
# periodic "N new suspected memory leaks" lines are not in it: leak reports
# need a look at their backtraces, not just at the count.
KSRV_BAD_LOG='(^|[^A-Za-z_])BUG([^A-Za-z_]|$)|WARNING:|Oops|general protection fault'
KSRV_BAD_LOG+='|KASAN|KFENCE|kmemleak: .*(Cannot|disabled|unknown|pool empty)'
KSRV_BAD_LOG+='|Objects remaining|INFO: task .* blocked'
KSRV_BAD_LOG+='|hung task|soft lockup|Call Trace|Kernel panic|UBSAN|detected stall'

# dmesg_bad_since NAME: print bad kernel log lines after marker NAME;
# succeeds (status 0) only if there are some.
dmesg_bad_since() {
	dmesg_since "$1" | grep -E "$KSRV_BAD_LOG"
}

KMEMLEAK=/sys/kernel/debug/kmemleak

# Leaks of the kernel's own error paths that ksrv's calls merely reach
# under injected failures (74-faults): 6.1's sysfs_slab_add() does not
# kobject_put() when kobject_init_and_add() fails, leaking the name of
# the cache that kmem_cache_create() was asked for.
KSRV_KERNEL_LEAKS='sysfs_slab_add'

# kmemleak_check FILE [SCANS]: the one leak check of the suites. Runs
# SCANS kmemleak scans (default 1) 5 s apart, keeps every report in FILE,
# forgets them in kmemleak (the next scan reports anew) and prints the
# reports that point at ksrv, less KSRV_KERNEL_LEAKS. Status 0 when there
# are none, 1 when there are, 2 without kmemleak.
#
# kmemleak reports an object only when a scan finds it unreferenced, at
# least 5 s old and unchanged since the scan before (a checksum), so a
# leak needs two scans to show. ksrv is the only module on the debug
# kernel and is unloaded when this runs, so its frames show as bare
# addresses ("[<...>] 0xffffffffc0123456"); while it is loaded they name
# it ("[ksrv]").
kmemleak_check() {
	local file=$1 n=${2:-1} leaks
	[ -w "$KMEMLEAK" ] || return 2
	echo scan >"$KMEMLEAK" 2>/dev/null
	while [ "$n" -gt 1 ]; do
		sleep 5
		echo scan >"$KMEMLEAK" 2>/dev/null
		n=$((n - 1))
	done
	cat "$KMEMLEAK" >"$file" 2>/dev/null
	echo clear >"$KMEMLEAK" 2>/dev/null
	leaks=$(awk '
		function out() { if (b ~ hit && b !~ known) printf "%s", b }
		/^unreferenced object/ { out(); b = "" }
		{ b = b $0 "\n" }
		END { out() }' \
		hit='ksrv|\] 0x[0-9a-f]+\n' known="$KSRV_KERNEL_LEAKS" "$file")
	[ -z "$leaks" ] && return 0
	printf '%s\n' "$leaks"
	return 1
}
