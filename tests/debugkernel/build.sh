#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build ksrv's debug test kernels (KASAN, kmemleak, lockdep, fault
# injection, ...) from Debian's linux-source-SERIES and cache them.
#
#   tests/debugkernel/build.sh [-s SERIES]   build when needed; print the
#                                     cache dir (SERIES: 6.1, the default,
#                                     or 6.12)
#   tests/debugkernel/build.sh -p     print the cache dir if the cached
#                                     kernel is up to date, else exit 1
#   tests/debugkernel/build.sh -f     rebuild even when up to date
#   tests/debugkernel/build.sh -c     check the build tools only; with
#                                     -t DIR also configure in DIR and build
#                                     the host tools and one object file
#                                     (what make check-fresh runs)
#
# Before anything else it checks that every tool the build needs is there
# and names each missing one with its Debian package (tests/deps.sh
# installs them all).
#
# The config is minimal: `make allnoconfig` plus ksrv-debug.config (beside
# this script), then `make olddefconfig`; every option of the fragment is
# checked afterwards. Everything is built in, so the guest needs no
# modules but ksrv. Both series use the same fragment.
#
# Cache: ${KSRV_CACHE:-$HOME/.cache/ksrv}/debug-kernel/<package version>/
#   bzImage   the kernel to boot
#   config    its .config
#   release   its release string (uname -r in the guest)
#   obj/      the object tree; use it as KDIR:  make module KDIR=<dir>/obj
#   src/      the unpacked source (obj/ refers to it; keep both)
#   stamp     what was built; a different package version or fragment
#             means a rebuild (incremental when obj/ is still there)
#   build.log output of the last build
# Env: KSRV_DEBUG_JOBS (default 2) parallel jobs; the build runs under
# `nice -n 19` so other work on the machine keeps going.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRAGMENT=$HERE/ksrv-debug.config
# Bump when the way the kernel is built changes in a way the stamp misses.
FORMAT=1
JOBS=${KSRV_DEBUG_JOBS:-2}

die() { echo "debugkernel: ERROR: $*" >&2; exit 1; }
say() { echo "debugkernel: $*" >&2; }

MODE=build
TRY_DIR=
SERIES=6.1
while getopts "s:pfct:h" opt; do
	case $opt in
	s) SERIES=$OPTARG ;;
	p) MODE=print ;;
	f) MODE=force ;;
	c) [ "$MODE" = try ] || MODE=tools ;;
	t) MODE=try; TRY_DIR=$OPTARG ;;
	h)
		sed -n '4,38p' "$0" | sed 's/^# \{0,1\}//'
		exit 0 ;;
	*) die "unknown option (see -h)" ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 0 ] || die "unexpected argument '$1' (see -h)"
case $SERIES in
6.1 | 6.12) ;;
*) die "-s $SERIES: the debug kernels are 6.1 and 6.12" ;;
esac
TARBALL=/usr/src/linux-source-$SERIES.tar.xz
PKG=linux-source-$SERIES

[ -f "$FRAGMENT" ] || die "missing $FRAGMENT"

# check_tools: every program and header the kernel build uses, with the
# Debian package that has it; all missing ones are named at once.
check_tools() {
	local miss=() t
	for t in gcc:gcc make:make flex:flex bison:bison bc:bc perl:perl \
		xz:xz-utils tar:tar nice:coreutils flock:util-linux \
		python3:python3; do
		command -v "${t%%:*}" >/dev/null 2>&1 || miss+=("${t%%:*} (${t#*:})")
	done
	# objtool links libelf; its header is the proof the -dev part is in.
	[ -f /usr/include/gelf.h ] || miss+=("gelf.h (libelf-dev)")
	if [ ${#miss[@]} -gt 0 ]; then
		say "missing build tools: ${miss[*]}"
		die "run tests/deps.sh (as root) to install them"
	fi
}

pkg_version() {
	dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || true
}

VERSION=$(pkg_version)
if [ -z "$VERSION" ] || [ ! -f "$TARBALL" ]; then
	[ "$MODE" = print ] && exit 1
	die "$TARBALL missing: run tests/deps.sh (it installs $PKG)"
fi
[ "$MODE" = print ] || check_tools
if [ "$MODE" = tools ]; then
	say "all build tools present"
	exit 0
fi

CACHE=${KSRV_CACHE:-$HOME/.cache/ksrv}
DIR=$CACHE/debug-kernel/$VERSION
[ "$MODE" = try ] && DIR=$TRY_DIR
SRC=$DIR/src
OBJ=$DIR/obj
STAMP_WANT=$(printf 'format=%s\npackage=%s %s\nfragment=%s\n' "$FORMAT" \
	"$PKG" "$VERSION" "$(sha256sum <"$FRAGMENT" | cut -d' ' -f1)")

up_to_date() {
	[ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$STAMP_WANT" ] &&
		[ -f "$DIR/bzImage" ] && [ -s "$DIR/release" ] &&
		[ -f "$OBJ/Module.symvers" ]
}

if [ "$MODE" = print ]; then
	up_to_date || exit 1
	echo "$DIR"
	exit 0
fi

mkdir -p "$DIR"
# One build per cache directory at a time (check.sh may ask concurrently).
exec 8>"$DIR/.lock"
if ! flock -n 8; then
	say "another build of $DIR is running; waiting for it"
	flock 8
fi

if [ "$MODE" = build ] && up_to_date; then
	echo "$DIR"
	exit 0
fi

T0=$(date +%s)
LOG=$DIR/build.log
: >"$LOG"

# run CMD...: run a build step at the lowest priority, output to the log.
run() {
	echo "+ $*" >>"$LOG"
	nice -n 19 "$@" >>"$LOG" 2>&1 || {
		tail -n 40 "$LOG" >&2
		die "failed: $* (log: $LOG)"
	}
}

if [ ! -f "$SRC/Makefile" ] || [ "$(cat "$DIR/src.version" 2>/dev/null)" != "$VERSION" ]; then
	say "unpacking $TARBALL"
	rm -rf "$SRC" "$OBJ" "$SRC.tmp"
	mkdir -p "$SRC.tmp"
	run tar -xJf "$TARBALL" -C "$SRC.tmp" --strip-components=1
	mv "$SRC.tmp" "$SRC"
	echo "$VERSION" >"$DIR/src.version"
fi
mkdir -p "$OBJ"

# The empty LOCALVERSION on the command line keeps setlocalversion from
# appending a "+" when the cache happens to sit inside a git work tree.
KMAKE=(make -C "$SRC" O="$OBJ" LOCALVERSION= -j"$JOBS")

say "configuring (allnoconfig + $(basename "$FRAGMENT"))"
run "${KMAKE[@]}" allnoconfig
run env -C "$OBJ" "$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" \
	"$OBJ/.config" "$FRAGMENT"
run "${KMAKE[@]}" olddefconfig

# Every option of the fragment must have survived Kconfig's dependencies.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=*)
		grep -qxF -- "$line" "$OBJ/.config" && continue
		echo "debugkernel: not set as asked: $line (have:" \
			"$(grep -E "^(# )?${line%%=*}[= ]" "$OBJ/.config" || echo absent))" >&2
		missing=$((missing + 1)) ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$OBJ/.config" || continue
		echo "debugkernel: should be off: $(grep "^$opt=" "$OBJ/.config")" >&2
		missing=$((missing + 1)) ;;
	esac
done <"$FRAGMENT"
[ "$missing" = 0 ] || die "$missing option(s) of $FRAGMENT not applied"

if [ "$MODE" = try ]; then
	# prepare builds fixdep, objtool (libelf) and the generated headers;
	# time.o needs timeconst.h, which bc computes.
	say "building the host tools and kernel/time/time.o in $DIR"
	run "${KMAKE[@]}" prepare
	run "${KMAKE[@]}" kernel/time/time.o
	say "the debug kernel's build tools work ($(($(date +%s) - T0))s)"
	exit 0
fi

say "building with -j$JOBS (log: $LOG)"
run "${KMAKE[@]}" all

release=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	"$OBJ/include/generated/utsrelease.h")
[ -n "$release" ] || die "no release in $OBJ/include/generated/utsrelease.h"
[ -f "$OBJ/Module.symvers" ] || die "no Module.symvers in $OBJ"
cp "$OBJ/arch/x86/boot/bzImage" "$DIR/bzImage.tmp"
mv "$DIR/bzImage.tmp" "$DIR/bzImage"
cp "$OBJ/.config" "$DIR/config"
echo "$release" >"$DIR/release"
echo "$STAMP_WANT" >"$DIR/stamp"

secs=$(($(date +%s) - T0))
say "built $release in $((secs / 60))m$((secs % 60))s"
echo "build_seconds=$secs" >>"$LOG"
echo "$DIR"
