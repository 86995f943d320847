#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the libFuzzer targets for the plain-C parsers of src/lib (HTTP,
# services=, /proc/ksrv/drop endpoints) and run each for a bounded time.
# Optional target names after SECONDS select a subset (default: all).  Prints
# "ok - fuzz <target> (<N> execs)" or "not ok - ..." per target and exits 0
# only if every target built and ran without a finding.
# Crashing inputs and logs are kept in the printed work directory.
set -u

ALL_TARGETS="request path range date services endpoint ids"

usage() {
	echo "usage: $0 [SECONDS [TARGET...]]"
	echo "  run each fuzz target for SECONDS (default 10, 1..3600)"
	echo "  targets: $ALL_TARGETS"
}

case "${1:-}" in
-h|--help) usage; exit 0 ;;
esac
SECS=${1:-10}
[ $# -gt 0 ] && shift
TARGETS=${*:-$ALL_TARGETS}
for t in $TARGETS; do
	case " $ALL_TARGETS " in
	*" $t "*) ;;
	*) echo "$0: unknown target '$t' (known: $ALL_TARGETS)" >&2; exit 2 ;;
	esac
done
case "$SECS" in
''|*[!0-9]*) echo "$0: SECONDS must be a positive integer, got '$SECS'" >&2; exit 2 ;;
esac
if [ "$SECS" -lt 1 ] || [ "$SECS" -gt 3600 ]; then
	echo "$0: SECONDS must be between 1 and 3600" >&2
	exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIB=$ROOT/src/lib
CC=${FUZZ_CC:-clang}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
CFLAGS="$CFLAGS -I$LIB -I$HERE -I$ROOT/tests/unit"

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "not ok - fuzz: $CC not found (apt-get install clang libclang-rt-14-dev)"
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ksrv-fuzz.XXXXXX")
failed=0

# Every target links all the plain-C units of src/lib (the folder is the
# list, as for the module and the unit tests).
sources() {
	echo "$LIB"/*.c
}

run_target() {
	t=$1
	bin=$WORK/fuzz_$t
	log=$WORK/$t.log
	# shellcheck disable=SC2046,SC2086 # word splitting of CFLAGS and sources is wanted
	if ! $CC $CFLAGS "$HERE/fuzz_$t.c" $(sources) -o "$bin" >"$WORK/$t.build.log" 2>&1; then
		echo "not ok - fuzz $t (build failed, see $WORK/$t.build.log)"
		return 1
	fi
	mkdir -p "$WORK/corpus_$t"
	dict=
	[ -f "$HERE/$t.dict" ] && dict="-dict=$HERE/$t.dict"
	# New inputs go to the work corpus; the seed corpus stays untouched.
	# shellcheck disable=SC2086 # $dict is empty or one word
	"$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
		-print_final_stats=1 -artifact_prefix="$WORK/$t-" $dict \
		"$WORK/corpus_$t" "$HERE/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "ok - fuzz $t (${execs} execs)"
		return 0
	fi
	echo "not ok - fuzz $t (exit $rc, see $log)"
	grep -m 3 -E 'ERROR|invariant failed|runtime error' "$log" | sed 's/^/# /'
	return 1
}

for t in $TARGETS; do
	run_target "$t" || failed=1
done

if [ "$failed" -eq 0 ]; then
	rm -rf "$WORK"
else
	echo "# fuzz work directory kept: $WORK"
fi
exit "$failed"
