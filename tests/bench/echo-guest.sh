#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of the echo benchmark (tests/bench/echo-bench.sh boots the
# guest and runs this). Measures three servers on the same port, one at a
# time, interleaved run by run (A B C A B C ...) so that drift of the
# emulated machine hits all of them alike:
#
#   wq      ksrv, dispatch=workqueue (the default)
#   thread  ksrv, dispatch=thread (one kernel thread per connection)
#   user    userspace/user-echo-server, one epoll thread per guest CPU
#
# then the kernel memory an idle connection costs with each of them.
# Writes key=value lines to $KSRV_OUT/echo-raw.txt and the guest description
# to $KSRV_OUT/echo-meta.txt; report.py turns them into tables and plots.
#
# Env: BENCH_RUNS (default 3, QUICK=1: 1), BENCH_SECS per run (default 3,
# QUICK: 1), BENCH_CONNS (default 1,16,64,256), BENCH_SIZE (64),
# BENCH_IDLE idle connections (default 2000, QUICK: 500),
# BENCH_SERVERS (default "wq thread user").

set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/bench/lib.sh
. "$HERE/lib.sh"

if [ "${QUICK:-0}" = 1 ]; then
	RUNS=${BENCH_RUNS:-1} SECS=${BENCH_SECS:-1} IDLE=${BENCH_IDLE:-500}
else
	RUNS=${BENCH_RUNS:-3} SECS=${BENCH_SECS:-3} IDLE=${BENCH_IDLE:-2000}
fi
CONNS=${BENCH_CONNS:-1,16,64,256}
SIZE=${BENCH_SIZE:-64}
SERVERS=${BENCH_SERVERS:-wq thread user}
PORT=12345
TOOLS=$KSRV_ROOT/userspace
RAW=$KSRV_OUT/echo-raw.txt
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
USER_PID=""

for t in bench echo-idle user-echo-server; do
	[ -x "$TOOLS/$t" ] || { echo "missing $TOOLS/$t (make -C userspace)" >&2; exit 2; }
done
[ -f "$KSRV_KO" ] || { echo "missing module $KSRV_KO" >&2; exit 2; }

# server_start NAME: start server NAME on $PORT and wait for its listener.
server_start() {
	case $1 in
	wq | thread)
		local mode=workqueue
		[ "$1" = thread ] && mode=thread
		# A long idle time-out: the idle-memory test holds connections.
		ksrv_load services=echo:$PORT dispatch=$mode idle_timeout=3600 \
			max_connections=100000 || return 1
		;;
	user)
		"$TOOLS/user-echo-server" -p $PORT -t "$NCPU" -q &
		USER_PID=$!
		;;
	esac
	wait_port $PORT 20
}

# server_stop NAME: stop it and wait until the port is free again.
server_stop() {
	case $1 in
	wq | thread) ksrv_unload 60 ;;
	user)
		kill "$USER_PID" 2>/dev/null
		wait "$USER_PID" 2>/dev/null
		USER_PID=""
		;;
	esac
	wait_port_closed $PORT 20
}

# server_ticks NAME: CPU ticks of the user-space server so far (ksrv's work
# runs in kworkers/kthreads and is not attributed; the report shows it as
# "everything but the client").
server_ticks() {
	if [ "$1" = user ] && [ -n "$USER_PID" ]; then
		proc_cpu_ticks "$USER_PID"
	else
		echo 0
	fi
}

# one_run SERVER REP CONNS: one timed bench run, appends a result line.
one_run() {
	local srv=$1 rep=$2 c=$3 tf of c0 c1 s0 s1 res rc
	tf=$(mktemp) of=$(mktemp)
	c0=$(cpu_snap) s0=$(server_ticks "$srv")
	TIMEFORMAT='%R %U %S'
	{ time timeout $((SECS + 60)) "$TOOLS/bench" -p $PORT -c "$c" \
		-s "$SIZE" -d "$SECS" -T 20 -m -q >"$of" 2>/dev/null; } 2>"$tf"
	rc=$?
	c1=$(cpu_snap) s1=$(server_ticks "$srv")
	res=$(sed -n 's/^RESULT //p' "$of" | tail -n 1)
	echo "kind=run server=$srv rep=$rep rc=$rc $res" \
		"$(run_cpu "$tf" "$s0" "$s1") $(cpu_delta "$c0" "$c1")" >>"$RAW"
	[ -n "$res" ] || bench_log "run $srv c=$c rep=$rep: no RESULT (rc $rc)"
	rm -f "$tf" "$of"
}

# idle_mem SERVER: kernel memory before/after $IDLE idle connections.
idle_mem() {
	local srv=$1 before after rss0 rss1 ready pid i log open
	server_start "$srv" || { bench_log "idle: $srv did not start"; return 1; }
	sleep 1
	before=$(mem_snap)
	rss0=0
	[ "$srv" = user ] && rss0=$(proc_rss_kb "$USER_PID")
	log=$(mktemp)
	"$TOOLS/echo-idle" -p $PORT -n "$IDLE" -d 0 -T 60 -m -q >"$log" 2>&1 &
	pid=$!
	ready=""
	for ((i = 0; i < 1200; i++)); do
		ready=$(grep '^READY' "$log")
		[ -n "$ready" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	# Let the accept side and any per-connection setup finish.
	sleep 2
	open=""
	[ "$srv" != user ] && open=$(ksrv_stat $PORT open)
	after=$(mem_snap)
	[ "$srv" = user ] && rss1=$(proc_rss_kb "$USER_PID") || rss1=0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local b_slab b_ks b_pt b_sock a_slab a_ks a_pt a_sock
	read -r b_slab b_ks b_pt b_sock <<<"$before"
	read -r a_slab a_ks a_pt a_sock <<<"$after"
	echo "kind=idle server=$srv n=$IDLE ${ready#READY } ksrv_open=${open:--1}" \
		"slab_kb=$b_slab,$a_slab kstack_kb=$b_ks,$a_ks" \
		"ptables_kb=$b_pt,$a_pt sockmem_pages=$b_sock,$a_sock" \
		"rss_kb=$rss0,$rss1" >>"$RAW"
	rm -f "$log"
	server_stop "$srv"
}

: >"$RAW"
bench_meta "$KSRV_OUT/echo-meta.txt"
{
	echo "runs=$RUNS"
	echo "secs=$SECS"
	echo "size=$SIZE"
	echo "conns=$CONNS"
	echo "idle=$IDLE"
	echo "user_threads=$NCPU"
	echo "servers=$SERVERS"
} >>"$KSRV_OUT/echo-meta.txt"

bench_log "echo: $RUNS runs x {$SERVERS} x conns {$CONNS}, ${SECS}s each"
fail=0
for ((rep = 1; rep <= RUNS; rep++)); do
	for srv in $SERVERS; do
		if ! server_start "$srv"; then
			bench_log "$srv did not start"
			fail=1
			server_stop "$srv"
			continue
		fi
		for c in ${CONNS//,/ }; do
			one_run "$srv" "$rep" "$c"
		done
		server_stop "$srv" || { bench_log "$srv did not stop"; fail=1; }
		bench_log "rep $rep $srv done"
	done
done

bench_log "idle memory: $IDLE connections per server"
for srv in $SERVERS; do
	idle_mem "$srv" || fail=1
	bench_log "idle $srv done"
done

# The results are only trusted if no run saw an error.
grep -q 'rc=[1-9]' "$RAW" && fail=1
grep -q 'errors=[1-9]' "$RAW" && fail=1
exit $fail
