# SPDX-License-Identifier: GPL-2.0
#
# Shell helpers for ksrv guest test suites. Source it from a suite:
#
#   . "$(dirname "$0")/../lib.sh"
#
# Output protocol: one "ok - NAME" / "not ok - NAME" line per test case,
# diagnostics as "# ..." lines. At the end call `finish`, which exits
# non-zero if any case failed. Runs inside the test guest as root.

KSRV_MOD=ksrv
KSRV_KO=${KSRV_KO:-}
QUICK=${QUICK:-0}
KSRV_FAILS=0
KSRV_TESTS=0

# ok NAME: report a passing case.
ok() {
	KSRV_TESTS=$((KSRV_TESTS + 1))
	echo "ok - $*"
}

# not_ok NAME: report a failing case.
not_ok() {
	KSRV_TESTS=$((KSRV_TESTS + 1))
	KSRV_FAILS=$((KSRV_FAILS + 1))
	echo "not ok - $*"
}

# diag TEXT...: diagnostic line(s); with no argument, prefix stdin.
diag() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

# check NAME CMD...: ok if CMD succeeds (60 s bound); its output becomes
# diagnostics when it fails.
check() {
	local name=$1 out rc
	shift
	out=$(timeout 60 "$@" 2>&1)
	rc=$?
	if [ $rc = 0 ]; then
		ok "$name"
	else
		not_ok "$name"
		diag "command: $* (exit $rc)"
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 20 | diag
	fi
	return $rc
}

# check_fail NAME CMD...: ok if CMD fails.
check_fail() {
	local name=$1 out
	shift
	if out=$(timeout 60 "$@" 2>&1); then
		not_ok "$name"
		diag "command unexpectedly succeeded: $*"
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 20 | diag
		return 1
	fi
	ok "$name"
}

# finish: summary diagnostic and exit status for the suite.
finish() {
	diag "$KSRV_TESTS tests, $KSRV_FAILS failed"
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

# port_listening PORT: something listens on TCP PORT (IPv4 or IPv6).
port_listening() {
	local hex
	hex=$(printf ':%04X' "$1")
	# State 0A = LISTEN; the local address column ends in :PORT (hex).
	awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
		END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_port PORT [TIMEOUT]: wait up to TIMEOUT s (default 10) for a listener.
wait_port() {
	local i=0 n=$((${2:-10} * 10))
	until port_listening "$1"; do
		[ $i -ge $n ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# wait_port_closed PORT [TIMEOUT]: wait until nothing listens on PORT.
wait_port_closed() {
	local i=0 n=$((${2:-10} * 10))
	while port_listening "$1"; do
		[ $i -ge $n ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
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
