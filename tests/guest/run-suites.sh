#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the ksrv guest test suites (inside the test guest, as root).
#
# Runs every executable tests/guest/suites/* in lexical order, or only those
# whose file name contains one of the words in $KSRV_SUITES (space or comma
# separated, e.g. KSRV_SUITES="params 20-"). Each suite runs under a time
# limit; its "ok - NAME" / "not ok - NAME" lines are re-printed as
# "ok - SUITE/NAME", other output as "# " diagnostics. All of it is copied
# to $KSRV_OUT/results.txt (raw suite output to $KSRV_OUT/suites/).
#
# Besides the suites' own cases this records, per suite, a failing case when
#   - the suite timed out, or exited non-zero without printing "not ok",
#     or printed no test line at all;
#   - ksrv was still loaded afterwards (it is then removed);
#   - the kernel log gained a line that shows a kernel problem;
#   - on a kernel with kmemleak (the debug kernel), a leak report whose
#     backtrace has a ksrv frame (all reports: $KSRV_OUT/kmemleak/).
# Exit status 0 only when nothing failed.

set -u
shopt -s lastpipe

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SUITE_DIR=${KSRV_SUITE_DIR:-$HERE/suites}
OUTDIR=${KSRV_OUT:-/tmp}
RESULTS=$OUTDIR/results.txt
# shellcheck source=tests/guest/lib.sh
. "$HERE/lib.sh"

if [ "${QUICK:-0}" = 1 ]; then
	SUITE_TIMEOUT=${KSRV_SUITE_TIMEOUT:-240}
else
	SUITE_TIMEOUT=${KSRV_SUITE_TIMEOUT:-600}
fi

PASS=0 FAIL=0 SKIP=0
FAILED_NAMES=()

mkdir -p "$OUTDIR/suites"
: >"$RESULTS"

# emit LINE: print a result line and keep it in results.txt.
emit() {
	printf '%s\n' "$1"
	printf '%s\n' "$1" >>"$RESULTS"
}

record_ok() {
	case $1 in
	*"# SKIP"*) SKIP=$((SKIP + 1)) ;;
	*) PASS=$((PASS + 1)) ;;
	esac
	emit "ok - $1"
}

record_fail() {
	FAIL=$((FAIL + 1))
	FAILED_NAMES+=("$1")
	emit "not ok - $1"
}

selected() {
	local base=$1 w
	[ -z "${KSRV_SUITES:-}" ] && return 0
	for w in ${KSRV_SUITES//,/ }; do
		case $base in *"$w"*) return 0 ;; esac
	done
	return 1
}

# Kernel log lines after the marker for this suite that look like trouble.
new_bad_log() {
	dmesg 2>/dev/null |
		awk -v m="ksrv-test: start $1" 'f { print } index($0, m) { f = 1 }' |
		grep -E "$KSRV_BAD_LOG"
}

run_suite() {
	local path=$1 name line rc t0 secs n_lines=0 n_fail=0 bad
	name=$(basename "$path")
	name=${name%.*}
	local log=$OUTDIR/suites/$name.log

	emit "# ---- suite $name (limit ${SUITE_TIMEOUT}s, QUICK=${QUICK:-0})"
	echo "ksrv-test: start $name" >/dev/kmsg 2>/dev/null
	t0=$(date +%s)

	# timeout puts the suite in its own process group and kills all of it.
	timeout -k 10 "$SUITE_TIMEOUT" "$path" </dev/null 2>&1 | tee "$log" |
		while IFS= read -r line; do
			case $line in
			"not ok "*)
				n_lines=$((n_lines + 1)); n_fail=$((n_fail + 1))
				record_fail "$name/$(strip_result "$line")" ;;
			"ok "*)
				n_lines=$((n_lines + 1))
				record_ok "$name/$(strip_result "$line")" ;;
			"#"*) emit "$line" ;;
			*) emit "# $line" ;;
			esac
		done
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - t0))
	emit "# suite $name: exit $rc after ${secs}s"

	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		record_fail "$name/suite time limit"
		emit "# $name killed after ${SUITE_TIMEOUT}s"
	elif [ "$rc" != 0 ] && [ "$n_fail" = 0 ]; then
		record_fail "$name/suite exit status"
		emit "# $name exited with status $rc but reported no failure"
	elif [ "$n_lines" = 0 ]; then
		record_fail "$name/suite printed test results"
	fi

	if ksrv_loaded; then
		record_fail "$name/suite left ksrv unloaded"
		timeout 60 rmmod "$KSRV_MOD" >"$OUTDIR/.rmmod.out" 2>&1 ||
			emit "# rmmod after $name failed: $(cat "$OUTDIR/.rmmod.out")"
		rm -f "$OUTDIR/.rmmod.out"
	fi

	bad=$(new_bad_log "$name")
	if [ -n "$bad" ]; then
		record_fail "$name/kernel log clean"
		printf '%s\n' "$bad" | head -n 30 | diag | tee -a "$RESULTS"
	else
		record_ok "$name/kernel log clean"
	fi
	kmemleak_window "$name"
	lockdep_check "$name"
}

# lockdep_check NAME: on a kernel with lockdep, fail when it switched
# itself off during suite NAME. It does that after its first report (which
# the log check sees) and also when it runs out of room or hits a locking
# bug of its own; after that it is silent for good, which must not pass
# for a clean run.
lockdep_check() {
	local v
	[ -r /proc/lockdep_stats ] || return 0
	v=$(awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats)
	if [ "$v" = 1 ]; then
		record_ok "$1/lockdep still checking"
	else
		record_fail "$1/lockdep still checking"
		emit "# debug_locks is '$v': lockdep turned itself off"
	fi
}

# detectors: say which bug detectors this kernel runs, and fail when one
# that is built in is switched off (KFENCE samples nothing with interval 0).
detectors() {
	local d="" k=/sys/module/kfence/parameters/sample_interval
	[ -e "$KMEMLEAK" ] && d+=" kmemleak"
	[ -r /proc/lockdep_stats ] && d+=" lockdep"
	grep -q 'kasan' /proc/cmdline && d+=" KASAN"
	grep -q 'slub_debug' /proc/cmdline && d+=" slub_debug"
	if [ -r "$k" ]; then
		d+=" KFENCE(sample_interval=$(cat "$k"))"
		if [ "$(cat "$k")" = 0 ]; then
			record_fail "run-suites/KFENCE sampling on"
		fi
	fi
	emit "# detectors:${d:- none beyond the log check}"
}

# kmemleak_window NAME: after suite NAME, fail on ksrv's leaks
# (kmemleak_check in lib.sh).
#
# kmemleak's own thread would scan every 10 minutes whenever it likes, a
# 10-20 s burst of one CPU in the middle of a timed suite; main() turns it
# off, so scans happen only here, between suites.
#
# A leak needs two scans to show (lib.sh). A scan takes 10-15 s on the debug kernel
# under TCG, so there is one only after at least KSRV_KMEMLEAK_EVERY
# (240) seconds of suites: a scan confirms what the window before it
# leaked and sees its own window's objects for the first time, so a leak
# is reported after the window that made it or after the next one (the
# message names the suites of both). The run ends with one more scan,
# "final", for the last window's leaks.
KMEMLEAK_EVERY=${KSRV_KMEMLEAK_EVERY:-240}
KMEMLEAK_PREV= KMEMLEAK_WINDOW= KMEMLEAK_LAST=$SECONDS
kmemleak_window() {
	local name=$1 dir=$OUTDIR/kmemleak leaks t0 who
	[ -w "$KMEMLEAK" ] || return 0
	KMEMLEAK_WINDOW="${KMEMLEAK_WINDOW:+$KMEMLEAK_WINDOW, }$name"
	[ "$name" = final ] ||
		[ $((SECONDS - KMEMLEAK_LAST)) -ge "$KMEMLEAK_EVERY" ] || return 0
	mkdir -p "$dir"
	t0=$SECONDS
	# The last suite's objects must be 5 s old for the final scan.
	[ "$name" = final ] && sleep 6
	leaks=$(kmemleak_check "$dir/$name.txt")
	emit "# $name: kmemleak: $(grep -c '^unreferenced object' "$dir/$name.txt") reports in all, scanned in $((SECONDS - t0))s (after $KMEMLEAK_WINDOW)"
	who=$KMEMLEAK_WINDOW
	[ -n "$KMEMLEAK_PREV" ] && who="$who (or in $KMEMLEAK_PREV)"
	KMEMLEAK_PREV=$KMEMLEAK_WINDOW KMEMLEAK_WINDOW= KMEMLEAK_LAST=$SECONDS
	if [ -n "$leaks" ]; then
		record_fail "$name/no kmemleak reports in ksrv"
		emit "# kmemleak: leak found in $who"
		printf '%s\n' "$leaks" | head -n 40 | diag | tee -a "$RESULTS"
	else
		record_ok "$name/no kmemleak reports in ksrv"
	fi
}

# "ok 3 - foo" / "ok - foo" / "ok foo" -> "foo"
strip_result() {
	local s=$1
	s=${s#not ok}
	s=${s#ok}
	s=${s# }
	while [[ $s == [0-9]* ]]; do s=${s#[0-9]}; done
	s=${s# }
	s=${s#- }
	printf '%s' "${s:-unnamed}"
}

main() {
	local f ran=0

	emit "# run-suites on $(uname -r), QUICK=${QUICK:-0}, module ${KSRV_KO:-unset}"
	if [ -z "${KSRV_KO:-}" ] || [ ! -f "$KSRV_KO" ]; then
		record_fail "run-suites/module file exists (${KSRV_KO:-KSRV_KO unset})"
	elif ksrv_loaded; then
		emit "# ksrv loaded before the first suite; removing it"
		timeout 60 rmmod "$KSRV_MOD"
	fi

	[ -w "$KMEMLEAK" ] && echo scan=off >"$KMEMLEAK"
	if [ "$FAIL" = 0 ]; then
		for f in "$SUITE_DIR"/*; do
			[ -f "$f" ] && [ -x "$f" ] || continue
			selected "$(basename "$f")" || continue
			run_suite "$f"
			ran=$((ran + 1))
		done
		[ "$ran" -gt 0 ] || record_fail "run-suites/at least one suite ran"
		kmemleak_window final
	fi
	detectors

	emit "# ---- summary ($(uname -r)): $PASS passed, $FAIL failed, $SKIP skipped"
	for f in "${FAILED_NAMES[@]}"; do
		emit "# FAILED: $f"
	done
	[ "$FAIL" = 0 ]
}

main "$@"
