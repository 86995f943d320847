# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The shell library of ksrv's test scripts, on the host (tests/host/*.sh)
# and in the guest (through tests/guest/lib.sh). Source it:
#
#   . "$ROOT/tests/lib.sh"
#
# Output protocol: one "ok - NAME" / "not ok - NAME" line per test case,
# diagnostics as "# ..." lines. At the end call `finish`, which exits
# non-zero if any case failed.

KSRV_FAILS=0
KSRV_TESTS=0
# The system's python3 when there is one (not a virtualenv's).
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
# How long `check` and `check_fail` let a command run.
KSRV_CHECK_TIMEOUT=${KSRV_CHECK_TIMEOUT:-60}

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

# diag TEXT...: diagnostic line(s); with no argument, prefix stdin. A line
# that already is a diagnostic keeps its one "# ".
diag() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | diag
	else
		sed 's/^\(# \)\{0,1\}/# /'
	fi
}

# expect_none NAME TEXT [LINES]: ok if TEXT (warnings, changed files, ...)
# is empty, else not ok with its first LINES (40) lines as diagnostics.
expect_none() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf '%s\n' "$2" | head -n "${3:-40}" | diag
	fi
}

# check NAME CMD...: ok if CMD succeeds within KSRV_CHECK_TIMEOUT; its
# output becomes diagnostics when it fails.
check() {
	local name=$1 out rc
	shift
	out=$(timeout "$KSRV_CHECK_TIMEOUT" "$@" 2>&1)
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
	if out=$(timeout "$KSRV_CHECK_TIMEOUT" "$@" 2>&1); then
		not_ok "$name"
		diag "command unexpectedly succeeded: $*"
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 20 | diag
		return 1
	fi
	ok "$name"
}

# expect_usage NAME CMD...: CMD must exit 2 and print a "Usage:" line.
expect_usage() {
	local name=$1 out rc
	shift
	out=$(timeout 10 "$@" 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && printf '%s\n' "$out" | grep -q '^Usage:'; then
		ok "$name"
	else
		not_ok "$name"
		diag "exit status $rc, expected 2 with a Usage: line"
		printf '%s\n' "$out" | head -n 40 | diag
	fi
}

# build_tools: make userspace/ (below $ROOT) without a warning, or fail
# the case and end the script.
build_tools() {
	local out
	if out=$(make -C "$ROOT/userspace" 2>&1) &&
	   ! printf '%s\n' "$out" | grep -qi 'warning'; then
		ok "build userspace tools without warnings"
	else
		not_ok "build userspace tools without warnings"
		printf '%s\n' "$out" | diag
		exit 1
	fi
}

# expect_help TOOL...: each tool of userspace/ prints its usage for -h
# and exits 0.
expect_help() {
	local t out
	for t in "$@"; do
		if out=$(timeout 5 "$ROOT/userspace/$t" -h 2>&1) &&
		   printf '%s\n' "$out" | grep -q '^Usage:'; then
			ok "$t -h exits 0"
		else
			not_ok "$t -h exits 0"
		fi
	done
}

# userspace_test PREFIX: the start of a host test of the user-space tools:
# U is their folder, `check` allows 30 s, TMP is a scratch dir (PREFIX).
userspace_test() {
	# shellcheck disable=SC2034 # for the caller
	U=$ROOT/userspace
	KSRV_CHECK_TIMEOUT=30
	scratch_dir "$1"
}

# expect_result NAME SECONDS PATTERN CMD...: CMD, a load tool run with -m,
# must exit 0 within SECONDS with a RESULT line matching "^RESULT PATTERN",
# which is shown as a diagnostic; else all it printed is. Uses $TMP.
expect_result() {
	local name=$1 secs=$2 pat=$3
	shift 3
	if timeout "$secs" "$@" >"$TMP/out" 2>&1 &&
	   grep -q "^RESULT $pat" "$TMP/out"; then
		ok "$name"
		sed -n 's/^RESULT /# host loopback: /p' "$TMP/out"
	else
		not_ok "$name"
		diag <"$TMP/out"
	fi
}

# start_announced LOG CMD...: starts CMD in the background with its output
# in LOG and its pid in BG_PID (and PIDS), and waits up to 5 s for the
# "listening" line a test server prints once it accepts connections.
start_announced() {
	local log=$1 _
	shift
	"$@" >"$log" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
	for _ in $(seq 50); do
		grep -q listening "$log" 2>/dev/null && break
		sleep 0.1
	done
}

# summary: the closing diagnostic line.
summary() {
	diag "$KSRV_TESTS tests, $KSRV_FAILS failed"
}

# finish: summary and exit status; non-zero if any case failed.
finish() {
	summary
	[ "$KSRV_FAILS" = 0 ]
	exit $?
}

# port_listening PORT: something listens on TCP PORT (IPv4 or IPv6).
port_listening() {
	local hex
	hex=$(printf ':%04X' "$1")
	# State 0A = LISTEN; the local address column ends in :PORT (hex).
	awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
		END { exit !f }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# wait_until TIMEOUT CMD...: poll CMD ten times a second until it
# succeeds; fails after TIMEOUT s.
wait_until() {
	local i=0 n=$(($1 * 10))
	shift
	until "$@"; do
		[ $i -ge $n ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

port_closed() {
	! port_listening "$1"
}

# wait_port PORT [TIMEOUT]: wait up to TIMEOUT s (default 10) for a listener.
wait_port() {
	wait_until "${2:-10}" port_listening "$1"
}

# wait_port_closed PORT [TIMEOUT]: wait until nothing listens on PORT.
wait_port_closed() {
	wait_until "${2:-10}" port_closed "$1"
}

# free_port: a TCP port of 127.0.0.1 that nothing uses right now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stop_server PID: SIGTERM; the process must exit 0 within 5 s.
stop_server() {
	local _
	kill -TERM "$1" 2>/dev/null || return 1
	for _ in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && { kill -KILL "$1"; return 1; }
	wait "$1"
}

# scratch_dir PREFIX: sets TMP to a new directory that goes at exit,
# after the processes in PIDS (which the caller appends to) are killed.
PIDS=()
scratch_dir() {
	TMP=$(mktemp -d "/tmp/$1.XXXXXX")
	trap scratch_cleanup EXIT
}

# shellcheck disable=SC2317  # called via trap
scratch_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
