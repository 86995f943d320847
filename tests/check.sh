#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole ksrv test run (what `make check` calls):
#   1. tests/deps.sh (installs what is missing)
#   2. build ksrv.ko for every kernel, and the user-space tools
#   3. tests/lint.sh (W=1, sparse, checkpatch)           [LINT=0 skips]
#   4. host-side tests: tests/host/*.sh
#   5. per kernel: boot a QEMU guest running tests/guest/run-suites.sh
# then prints every failure and, as the very last line, "N passed, N failed".
#
# Environment:
#   QUICK=1            short variant of every suite, stock kernels only
#                      (the debug lane is left out unless DEBUG=1)
#   KERNELS="6.1 6.12" stock kernel series (or exact releases) to test
#   DEBUG=1|0          the debug lanes: the same suites, in their short
#                      variant, on the KASAN/kmemleak/lockdep/KFENCE/fault-
#                      injection kernels that tests/debugkernel/build.sh
#                      builds (the first build takes long; later runs reuse
#                      the cached one). Default: 1, 0 with QUICK=1.
#   DEBUG_KERNELS="6.1 6.12" series of the debug lanes (lanes debug-6.1,
#                      debug-6.12); "6.1" leaves the 6.12 one out
#   DEBUG_FULL=1       the debug lane runs the full suites (over an hour)
#   KSRV_TIME_SCALE=N  how much longer time limits are on the debug kernel
#                      (default 3)
#   PARALLEL=1|0       1 (the default): two guests at a time, the lanes
#                      taken from one queue, debug lanes first, two runners
#                      from the start, lint and host tests beside them at
#                      a lower priority (nice 10); every upper time bound
#                      in a guest is KSRV_CPU_SHARE (2) times longer,
#                      workloads are unchanged. 0: one lane after the
#                      other, after lint and host tests
#   KSRV_SUITES=...    only guest suites whose name contains one of these
#   LINT=0             skip tests/lint.sh
#   VERBOSE=1          copy guest consoles to stdout while they run
#   VM_MEM=1024 VM_CPUS=2 guest size (the debug kernel gets twice VM_MEM)
#   KSRV_CHECK_OUT=dir results directory (default build/check)
# Results: build/check/ (results.txt per kernel, serial.log, dmesg.txt).

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/vm/kernels.sh
. "$ROOT/tests/vm/kernels.sh"

QUICK=${QUICK:-0}
KERNELS=${KERNELS:-6.1 6.12}
DEBUG=${DEBUG:-$([ "$QUICK" = 1 ] && echo 0 || echo 1)}
DEBUG_KERNELS=${DEBUG_KERNELS:-6.1 6.12}
# Lanes: the stock series, then debug-SERIES for each debug kernel
# ("debug" in KERNELS stands for all of DEBUG_KERNELS).
STOCK_KERNELS="" DEBUG_LANES=""
for s in $KERNELS; do
	case $s in
	debug) DEBUG=1 ;;
	debug-*) DEBUG_LANES="$DEBUG_LANES $s" ;;
	*) STOCK_KERNELS="$STOCK_KERNELS $s" ;;
	esac
done
if [ "$DEBUG" = 1 ]; then
	for d in $DEBUG_KERNELS; do
		[[ " $DEBUG_LANES " == *" debug-$d "* ]] ||
			DEBUG_LANES="$DEBUG_LANES debug-$d"
	done
fi
STOCK_KERNELS=${STOCK_KERNELS# } DEBUG_LANES=${DEBUG_LANES# }
KERNELS="$STOCK_KERNELS${DEBUG_LANES:+ $DEBUG_LANES}"
DEBUG_FULL=${DEBUG_FULL:-0}
DEBUG_SCALE=${KSRV_TIME_SCALE:-3}
PARALLEL=${PARALLEL:-1}
CPU_SHARE=${KSRV_CPU_SHARE:-2}
LINT=${LINT:-1}
VERBOSE=${VERBOSE:-0}
# 1 GiB: the size in which 30-concurrency must hold 10,000 connections.
VM_MEM=${VM_MEM:-1024}
VM_CPUS=${VM_CPUS:-2}
export QUICK KSRV_SUITES=${KSRV_SUITES:-}
if [ "$QUICK" = 1 ]; then
	VM_TIMEOUT=${VM_TIMEOUT:-900}
else
	VM_TIMEOUT=${VM_TIMEOUT:-1800}
fi

OUT=${KSRV_CHECK_OUT:-$ROOT/build/check}
ALL=$OUT/all-results.txt
PASS=0 FAIL=0
FAILED=()
T_START=$(date +%s)

# One run per results directory at a time: a second one would delete the
# first one's files while its guest is still writing them.
mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
if ! flock -n 9; then
	echo "check.sh: another run is using $OUT; waiting for it" \
		"(or set KSRV_CHECK_OUT)"
	flock 9
fi
rm -rf "$OUT"
mkdir -p "$OUT"
: >"$ALL"

step() { echo "=== $* ($(($(date +%s) - T_START))s)"; }

# record ok|fail NAME: count a result. Every line goes to all-results.txt;
# on stdout only failures (and passes with VERBOSE=1), to keep CI logs short.
record() {
	if [ "$1" = ok ]; then
		PASS=$((PASS + 1))
		echo "ok - $2" >>"$ALL"
		[ "$VERBOSE" = 1 ] && echo "ok - $2"
	else
		FAIL=$((FAIL + 1))
		FAILED+=("$2")
		echo "not ok - $2" | tee -a "$ALL"
	fi
	return 0
}

# collect PREFIX FILE: take over the ok/not ok lines of a results file,
# showing the diagnostics that follow a failure.
collect() {
	local prefix=$1 file=$2 line p0=$PASS f0=$FAIL in_fail=0
	while IFS= read -r line; do
		case $line in
		"not ok - "*)
			record fail "$prefix${line#not ok - }"
			in_fail=1 ;;
		"ok - "*)
			record ok "$prefix${line#ok - }"
			in_fail=0 ;;
		"#"*)
			[ "$in_fail" = 1 ] && echo "$line" ;;
		esac
	done <"$file"
	echo "# ${prefix%/}: $((PASS - p0)) ok, $((FAIL - f0)) not ok"
}

# vmval DIR KEY: a value from the vm-result file run.sh leaves in DIR.
vmval() {
	sed -n "s/^$2=//p" "$1/vm-result" 2>/dev/null
}

# run_logged NAME LOGFILE CMD...: run a step, show its output tail on error.
run_logged() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		record ok "$name"
		return 0
	fi
	record fail "$name"
	tail -n 30 "$log" | sed 's/^/# /'
	return 1
}

step "dependencies"
if ! tests/deps.sh -q; then
	record fail "deps/tests/deps.sh"
	echo "0 passed, 1 failed"
	exit 1
fi

step "build"
declare -A KVER_OF=() BUILT=()
for s in $KERNELS; do
	case $s in
	debug-*)
		mkdir -p "$OUT/$s"
		step "$s kernel (tests/debugkernel/build.sh -s ${s#debug-})"
		run_logged "$s/kernel built" "$OUT/$s/kernel-build.log" \
			tests/debugkernel/build.sh -s "${s#debug-}" || continue ;;
	esac
	if ! k=$(ksrv_kver "$s"); then
		record fail "$s/kernel installed"
		continue
	fi
	KVER_OF[$s]=$k
	mkdir -p "$OUT/$s"
	if run_logged "$s/build module" "$OUT/$s/build.log" \
		make -C "$ROOT" module KDIR="$(ksrv_kdir "$k")"; then
		if [ -f "$ROOT/build/$k/ksrv.ko" ]; then
			BUILT[$s]=1
		else
			record fail "$s/module at build/$k/ksrv.ko"
		fi
	fi
done
run_logged "userspace/build" "$OUT/userspace-build.log" make -C userspace

# lane_run LANE: boot LANE's guest and run every suite in it.
lane_run() {
	local s=$1 k=${KVER_OF[$1]} d=$OUT/$1 con=(-q)
	local tmo=$VM_TIMEOUT suite_tmo=${KSRV_SUITE_TIMEOUT:-} mem=$VM_MEM
	local quick=$QUICK scale=1 share=1
	[ "$VERBOSE" = 1 ] && [ "$PARALLEL" != 1 ] && con=()
	# The debug kernel (KASAN, lockdep, ... under TCG) runs everything
	# several times slower: its suites run in their short variant unless
	# DEBUG_FULL=1, and every time limit is DEBUG_SCALE times longer.
	if [[ $s == debug-* ]]; then
		# KASAN's shadow and kmemleak's metadata need room of their own.
		mem=$((VM_MEM * 2))
		[ "$DEBUG_FULL" = 1 ] || quick=1
		scale=$DEBUG_SCALE
		tmo=$(( ($([ "$quick" = 1 ] && echo 900 || echo 1800)) * scale ))
	fi
	# Two guests on the host's CPUs: upper time bounds widen by
	# CPU_SHARE in both (the workloads stay the same).
	[ "$PARALLEL" = 1 ] && share=$CPU_SHARE
	tmo=$((tmo * share))
	# run-suites.sh's own default per suite, unless KSRV_SUITE_TIMEOUT
	# set one: 240 s (QUICK) or 600 s, times both factors.
	[ -n "$suite_tmo" ] ||
		suite_tmo=$(( ($([ "$quick" = 1 ] && echo 240 || echo 600)) * scale * share ))
	QUICK=$quick KSRV_TIME_SCALE=$scale KSRV_CPU_SHARE=$share \
	KSRV_SUITE_TIMEOUT=$suite_tmo \
	tests/vm/run.sh -k "$k" -m "$mem" -c "$VM_CPUS" -t "$tmo" \
		-o "$d" "${con[@]}" -- tests/guest/run-suites.sh
}

# lane_collect LANE: count the results of LANE's guest.
lane_collect() {
	local s=$1 d=$OUT/$1
	if [ -f "$d/results.txt" ]; then
		collect "$s/" "$d/results.txt"
	else
		record fail "$s/guest suites ran"
	fi
	if [ "$(vmval "$d" completed)" = yes ]; then
		record ok "$s/guest completed"
	else
		record fail "$s/guest completed"
		echo "# last console lines of $s:"
		tail -n 40 "$d/serial.log" | sed 's/^/# /'
	fi
	if [ "$(vmval "$d" log_clean)" = yes ]; then
		record ok "$s/kernel log clean"
	else
		record fail "$s/kernel log clean"
		head -n 40 "$d/logcheck.txt" | sed 's/^/# /'
	fi
	echo "# $s: guest ran $(vmval "$d" elapsed_s)s," \
		"exit $(vmval "$d" guest_exit)"
}

# With PARALLEL=1 two guests run at once: the lanes form one queue, the
# debug lanes (the longest) first, and two background runners take lanes
# from it from the start. Lint and the host tests run beside them, niced:
# a guest leaves part of its CPU idle (time-outs, slow clients), which
# they take, and they delay the guests' work little where there is none.
# Without PARALLEL=1 the lanes run one after the other after them.
# built_lanes LANE...: those of the lanes whose module was built, in order.
built_lanes() {
	local s out=
	for s in "$@"; do
		[ -n "${BUILT[$s]:-}" ] && out="$out $s"
	done
	echo "${out# }"
}
# One after the other: the stock lanes first, the quickest word on
# whether anything is broken.
LANES=$(built_lanes $KERNELS)
# One lane alone has the CPUs to itself.
[[ $LANES == *" "* ]] || PARALLEL=0
[ "$PARALLEL" = 1 ] && LANES=$(built_lanes $DEBUG_LANES $STOCK_KERNELS)
QUEUE=$OUT/.lane-queue
echo 0 >"$QUEUE"

# take_lane: print the next lane of the queue and take it off; false when
# none is left.
take_lane() {
	local i lanes
	read -ra lanes <<<"$LANES"
	i=$(flock "$QUEUE" sh -c 'i=$(cat "$1"); echo $((i + 1)) >"$1"; echo "$i"' \
		sh "$QUEUE")
	[ "$i" -lt "${#lanes[@]}" ] || return 1
	echo "${lanes[$i]}"
}

# lane_runner: run lanes from the queue until it is empty.
lane_runner() {
	local s
	while s=$(take_lane); do
		echo "=== guest $s (${KVER_OF[$s]}) started at" \
			"$(($(date +%s) - T_START))s" >"$OUT/$s/lane.log"
		lane_run "$s" >>"$OUT/$s/lane.log" 2>&1
	done
}

BG_PIDS=() NICE=()
if [ "$PARALLEL" = 1 ]; then
	step "guests $LANES: two at a time, beside lint and the host tests"
	lane_runner &
	BG_PIDS+=($!)
	lane_runner &
	BG_PIDS+=($!)
	NICE=(nice -n 10)
fi
if [ "$LINT" != 0 ]; then
	step "lint"
	# The Debian kernels' W=1/sparse runs cover the code; the debug
	# kernel adds nothing there.
	KERNELS="$STOCK_KERNELS" "${NICE[@]}" tests/lint.sh >"$OUT/lint.txt" 2>&1
	collect "lint/" "$OUT/lint.txt"
	grep -q '^not ok' "$OUT/lint.txt" && grep '^# ' "$OUT/lint.txt" | head -n 60
fi

for t in tests/host/*.sh; do
	[ -x "$t" ] || continue
	name=$(basename "$t" .sh)
	step "host test $name"
	timeout -k 10 600 "${NICE[@]}" "$t" >"$OUT/host-$name.txt" 2>&1
	rc=$?
	collect "host/$name/" "$OUT/host-$name.txt"
	if [ "$rc" != 0 ] && ! grep -q '^not ok' "$OUT/host-$name.txt"; then
		record fail "host/$name/exit status"
		tail -n 20 "$OUT/host-$name.txt" | sed 's/^/# /'
	fi
done

if [ "$PARALLEL" = 1 ]; then
	step "host tests done, waiting for the guests"
	wait "${BG_PIDS[@]}"
	step "guests done"
	for s in $LANES; do
		cat "$OUT/$s/lane.log"
		lane_collect "$s"
	done
else
	for s in $LANES; do
		step "guest $s (${KVER_OF[$s]})"
		lane_run "$s"
		lane_collect "$s"
	done
fi

step "summary"
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "Failures:"
	printf '  %s\n' "${FAILED[@]}"
fi
echo "Results in $OUT (all-results.txt; per kernel: results.txt, serial.log, dmesg.txt)"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ] && [ "$PASS" -gt 0 ]
