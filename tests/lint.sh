#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of the ksrv kernel sources:
#   - for each kernel (KERNELS="6.1 6.12"): a module build with W=1 (extra
#     gcc warnings) and C=2 (sparse on every file); any warning or error in
#     our own sources fails, as does any modpost warning;
#   - checkpatch.pl --strict over src/ and include/, and kernel-doc -none
#     over every header (both from linux-source-6.1, unpacked into the
#     cache by tests/deps.sh).
# Prints "ok - NAME" / "not ok - NAME" lines with "# " diagnostics, and
# exits non-zero if anything failed. The lint build happens in build/lint/
# (a tree of links, as `make module` makes) so it never disturbs the
# objects `make module` keeps in build/<release>/.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=tests/vm/kernels.sh
. "$ROOT/tests/vm/kernels.sh"

KERNELS=${KERNELS:-6.1 6.12}
CACHE=${KSRV_CACHE:-$HOME/.cache/ksrv}
CHECKPATCH=$CACHE/checkpatch/scripts/checkpatch.pl
KERNELDOC=$CACHE/checkpatch/scripts/kernel-doc

lint_build() {
	local series=$1 kver dir log ours
	if ! kver=$(ksrv_kver "$series" 2>&1); then
		not_ok "$series/kernel installed"
		echo "$kver" | diag
		return
	fi
	dir=$ROOT/build/lint/$kver
	log=$ROOT/build/lint/$kver.log
	rm -rf "$dir"
	make --no-print-directory tree TREE="$dir" || {
		not_ok "$series/source tree in $dir"
		return
	}

	if ! make -C "/lib/modules/$kver/build" M="$dir" W=1 C=2 modules \
		>"$log" 2>&1; then
		not_ok "$series/W=1 C=2 build"
		grep -E 'error|Error' "$log" | head -n 30 | diag
		return
	fi
	ok "$series/W=1 C=2 build"

	# Diagnostics in files under our build copy (relative or absolute
	# paths); kernel-header noise is not ours to fix.
	ours=$(grep -E "^(${dir}/)?(src|include)/[^:]*:[0-9]+(:[0-9]+)?: " "$log" |
		sed "s|^$dir/||")
	local gcc sparse modpost
	gcc=$(printf '%s\n' "$ours" | grep -E '(warning|error):.*\[-W' || true)
	sparse=$(printf '%s\n' "$ours" | grep -E '(warning|error):' |
		grep -v '\[-W' || true)
	modpost=$(grep -E 'WARNING: modpost' "$log" || true)

	expect_none "$series/gcc W=1 warnings" "$gcc"
	expect_none "$series/sparse warnings" "$sparse"
	expect_none "$series/modpost warnings" "$modpost" 20
}

# checkpatch reads "LINUX_VERSION_CODE >= KERNEL_VERSION(...)" as a
# constant on the left; that is the standard form, so drop just those.
drop_version_compare() {
	local line num
	while IFS= read -r line; do
		case $line in
		*": WARNING:CONSTANT_COMPARISON:"*)
			num=${line#"$1":}
			num=${num%%:*}
			if sed -n "${num}p" "$1" | grep -q LINUX_VERSION_CODE; then
				continue
			fi ;;
		esac
		printf '%s\n' "$line"
	done
}

# Runs "$2 FILE" for every FILE after it and reports "ok - $1/FILE", or
# "not ok" with the diagnostics when the command printed anything.
lint_each() {
	local label=$1 cmd=$2 f
	shift 2
	for f in "$@"; do
		expect_none "$label/$f" "$("$cmd" "$f")"
	done
}

# LINUX_VERSION_CODE: an out-of-tree module supporting several kernels
# needs version checks; everything else is held to in-tree standards.
# checkpatch leaves a .checkpatch-camelcase.* cache file in its working
# directory: it runs in a scratch one, not in the repository.
checkpatch_one() {
	(cd "$SCRATCH" && perl "$CHECKPATCH" --strict --no-tree \
		--terse --show-types --no-summary \
		--ignore LINUX_VERSION_CODE -f "$ROOT/$1" 2>&1) |
		sed "s|^$ROOT/||" | drop_version_compare "$1"
}

# kernel-doc comments: every member and parameter described, none
# malformed.
kerneldoc_one() {
	perl "$KERNELDOC" -none "$1" 2>&1
}

# A tool of the kernel source tree, unpacked by tests/deps.sh.
have_tool() {
	[ -f "$2" ] && return 0
	not_ok "$1 available"
	echo "$2 missing; run tests/deps.sh" | diag
	return 1
}

command -v sparse >/dev/null || { not_ok "sparse installed"; }
for s in $KERNELS; do
	lint_build "$s"
done
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
if have_tool checkpatch "$CHECKPATCH"; then
	# shellcheck disable=SC2046 # one word per file
	lint_each checkpatch checkpatch_one \
		$(find src include -name '*.[ch]' | LC_ALL=C sort)
fi
if have_tool kernel-doc "$KERNELDOC"; then
	# shellcheck disable=SC2046
	lint_each kernel-doc kerneldoc_one \
		$(find src include -name '*.h' | LC_ALL=C sort)
fi
[ "$KSRV_FAILS" = 0 ]
