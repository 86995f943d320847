#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the ksrv user-space tools (no kernel module involved):
# builds userspace/, runs user-echo-server on a free loopback port and
# checks it with python3 and with bench/echo-idle.  Prints one
# "ok - NAME" / "not ok - NAME" line per case; exit 0 only if all pass.
# Traffic goes to 127.0.0.1 / ::1 only; every step has a timeout.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$ROOT/tests/host/echo_check.py
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
userspace_test ksrv-host-test

# start_server PORT ARGS...: sets SRV_PID.
start_server() {
	local port=$1
	shift
	"$U/user-echo-server" -p "$port" "$@" >"$TMP/srv-$port.log" 2>&1 &
	SRV_PID=$!
	PIDS+=("$SRV_PID")
	wait_port "$port"
}

build_tools

# ---- usage / argument checking -----------------------------------------
expect_help user-echo-server bench echo-idle
expect_usage "bench rejects -c 0" "$U/bench" -c 0
expect_usage "bench rejects non-numeric -c" "$U/bench" -c abc
expect_usage "bench rejects -s 0" "$U/bench" -s 0
expect_usage "bench rejects -s over 1 MiB" "$U/bench" -s 1048577
expect_usage "bench rejects -p 70000" "$U/bench" -p 70000
expect_usage "bench rejects -n -5" "$U/bench" -n -5
expect_usage "bench rejects -d with -n" "$U/bench" -d 1 -n 5
expect_usage "bench rejects bad sweep list" "$U/bench" -S 1,,4
expect_usage "bench rejects -g without -o" "$U/bench" -g
expect_usage "bench rejects unknown option" "$U/bench" -Z
expect_usage "bench rejects stray argument" "$U/bench" extra
expect_usage "user-echo-server rejects -p 0" "$U/user-echo-server" -p 0
expect_usage "user-echo-server rejects -t 0" "$U/user-echo-server" -t 0
expect_usage "user-echo-server rejects bad -b" "$U/user-echo-server" -b not.an.addr
expect_usage "echo-idle rejects -n 0" "$U/echo-idle" -n 0
expect_usage "echo-idle rejects -d x" "$U/echo-idle" -d x

# ---- echo semantics against user-echo-server ---------------------------
PORT=$(free_port)
if start_server "$PORT"; then
	ok "user-echo-server starts on port $PORT"
else
	not_ok "user-echo-server starts on port $PORT"
	diag <"$TMP/srv-$PORT.log"
	exit 1
fi
SRV=$SRV_PID

check "binary data with NULs echoed exactly" "$PY" "$CHECK" binary "$PORT"
check "3 MB stream echoed byte-exact" "$PY" "$CHECK" stream3m "$PORT"
check "half-close: open until FIN, then echo rest and close" \
	"$PY" "$CHECK" halfclose "$PORT"
check "empty connection: FIN gives EOF" "$PY" "$CHECK" empty "$PORT"
check "backpressure: non-reading client bounded; FIN flushes all" \
	"$PY" "$CHECK" backpressure "$PORT"
check "IPv6 ::1 reaches the dual-stack listener" \
	"$PY" "$CHECK" binary "$PORT" ::1

expect_result "bench -c 64 -n 20000: zero errors" 30 'conns=64 .* errors=0' \
	"$U/bench" -p "$PORT" -c 64 -n 20000 -s 512 -q -m
check "bench 1 MiB messages, 4 conns, zero errors" \
	"$U/bench" -p "$PORT" -c 4 -s 1048576 -n 24 -q
check "bench over IPv6 ::1" "$U/bench" -a ::1 -p "$PORT" -c 4 -n 2000 -q
check "bench sweep writes data and gnuplot files" \
	"$U/bench" -p "$PORT" -S 1,8 -n 2000 -q -o "$TMP/sweep.dat" -g
if [ "$(grep -vc '^#' "$TMP/sweep.dat" 2>/dev/null)" = 2 ] && [ -s "$TMP/sweep.dat.gp" ]; then
	ok "sweep data file has one row per run"
else
	not_ok "sweep data file has one row per run"
fi
expect_result "echo-idle: 500 idle connections held and verified" 30 \
	'requested=500 connected=500 .*verified=500' \
	"$U/echo-idle" -p "$PORT" -n 500 -d 1 -v -m

if stop_server "$SRV"; then
	ok "user-echo-server exits 0 on SIGTERM"
else
	not_ok "user-echo-server exits 0 on SIGTERM"
fi
if timeout 10 "$U/bench" -p "$PORT" -c 2 -n 10 -q >"$TMP/out" 2>&1; then
	not_ok "bench fails when nothing listens"
else
	ok "bench fails when nothing listens"
fi

# ---- multi-threaded server, explicit IPv4 bind -------------------------
PORT2=$(free_port)
if start_server "$PORT2" -t 2 -b 127.0.0.1 -q; then
	check "user-echo-server -t 2 -b 127.0.0.1: bench zero errors" \
		"$U/bench" -p "$PORT2" -c 16 -n 8000 -s 100 -q
	stop_server "$SRV_PID" || not_ok "user-echo-server -t 2 stops on SIGTERM"
else
	not_ok "user-echo-server -t 2 -b 127.0.0.1 starts"
fi

# ---- bench must detect corrupted echoes --------------------------------
PORT3=$(free_port)
# The corrupting server handles exactly one connection, so wait for its
# "listening" line instead of probing the port.
start_announced "$TMP/bad.log" "$PY" "$CHECK" badserver "$PORT3"
BAD=$BG_PID
timeout 20 "$U/bench" -p "$PORT3" -c 1 -s 1000 -n 5 -m >"$TMP/out" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q 'MISMATCH' "$TMP/out" &&
   grep -q 'mismatches=1' "$TMP/out"; then
	ok "bench detects a corrupted echo (exit 1, mismatch counted)"
else
	not_ok "bench detects a corrupted echo (exit 1, mismatch counted)"
	echo "# bench exit status $rc"
	diag <"$TMP/out"
fi
wait "$BAD" 2>/dev/null

# ---- echo-idle must notice connections the server closes ---------------
PORT4=$(free_port)
start_announced "$TMP/close.log" "$PY" "$CHECK" closeall "$PORT4"
CLOSER=$BG_PID
timeout 20 "$U/echo-idle" -p "$PORT4" -n 10 -d 10 -m >"$TMP/out" 2>&1
rc=$?
if [ $rc -eq 1 ] &&
   grep -q 'RESULT requested=10 connected=10 failed=0 closed_by_peer=10' "$TMP/out"; then
	ok "echo-idle counts connections closed by the server (exit 1)"
else
	not_ok "echo-idle counts connections closed by the server (exit 1)"
	echo "# echo-idle exit status $rc"
	diag <"$TMP/out"
fi
wait "$CLOSER" 2>/dev/null

finish
