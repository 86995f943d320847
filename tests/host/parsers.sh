#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the plain-C parsers (HTTP, services=, /proc/ksrv/drop
# endpoints): unit tests (ASan/UBSan), a pedantic warning check of the
# parser sources, a run of the HTTP parse benchmark, then 5 s of fuzzing
# per target.
# Prints only "ok - ..." / "not ok - ..." lines; exits 0 iff all are ok.
set -u

case "${1:-}" in
-h|--help) echo "usage: $0   (no arguments)"; exit 0 ;;
'') ;;
*) echo "usage: $0   (no arguments)" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOG=$(mktemp "${TMPDIR:-/tmp}/ksrv-parsers.XXXXXX")
failed=0

# Keep make's own chatter out of the output; show only the result lines.
run_make() {
	if make -s -C "$ROOT/tests/unit" "$1" >"$LOG.$1" 2>&1; then
		grep -E '^(not )?ok - ' "$LOG.$1"
	else
		failed=1
		grep -E '^(not )?ok - ' "$LOG.$1"
		grep -q '^not ok - ' "$LOG.$1" ||
			echo "not ok - unit: make $1 failed (see $LOG.$1)"
	fi
}

run_make check
run_make warn

# The byte-at-a-time benchmark must build and parse its heads both ways;
# its times are printed by hand (tests/unit/parse_bench -h), not judged.
if make -s -C "$ROOT/tests/unit" bench >"$LOG.bench" 2>&1 &&
	"$ROOT/tests/unit/build/parse_bench" -n 1 -s 1024 -s 16384 >>"$LOG.bench" 2>&1; then
	echo "ok - parse_bench: 1 KiB and 16 KiB heads byte by byte, both modes"
else
	failed=1
	echo "not ok - parse_bench (see $LOG.bench)"
fi

if ! "$ROOT/tests/fuzz/run.sh" 5 >"$LOG.fuzz" 2>&1; then
	failed=1
fi
grep -E '^(not )?ok - ' "$LOG.fuzz" || { echo "not ok - fuzz: no result"; failed=1; }

if [ "$failed" -eq 0 ]; then
	rm -f "$LOG" "$LOG.check" "$LOG.warn" "$LOG.bench" "$LOG.fuzz"
fi
exit "$failed"
