#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prove that tests/deps.sh installs everything (what `make check-fresh`
# calls). Builds a minimal Debian bookworm root with mmdebstrap, from the
# same archive and apt settings this machine uses, copies the work tree's
# tracked files into it, and there, in a private mount namespace:
#   1. runs tests/deps.sh (it must install every package from nothing);
#   2. builds ksrv.ko for both stock kernels and the user-space tools, and
#      runs the host tests (unit tests, fuzzers, tools: tests/host/);
#   3. runs tests/lint.sh (W=1, sparse, checkpatch);
#   4. configures the debug kernels and builds their host tools and one
#      object file (tests/debugkernel/build.sh -c -t);
#   5. boots one QEMU guest on the fresh root and runs the short variant
#      of every suite on 6.12 (GUESTS=0 leaves this out), so that the
#      tools the guests run come from the fresh root too.
# Prints "ok - STEP" / "not ok - STEP" and "N passed, N failed"; exits
# non-zero when any step failed. Needs root (chroot, mounts).
#
# Environment:
#   KSRV_DEPS_OMIT="pkg ..."  leave packages out of deps.sh's list: the
#                      run must then fail (how the check itself is tested)
#   GUESTS=0           skip step 5
#   KSRV_FRESH_DIR=dir where the root is built (default build/fresh);
#                      it is deleted first and kept afterwards for a look
#
# It downloads about 1.5 GB of packages and takes 15 to 30 minutes on two
# cores; run it when a change adds a tool, not on every check.

set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

FRESH=${KSRV_FRESH_DIR:-$ROOT/build/fresh}
RFS=$FRESH/root
GUESTS=${GUESTS:-1}
OMIT=${KSRV_DEPS_OMIT:-}
PASS=0 FAIL=0
T0=$(date +%s)

say() { echo "check-fresh: $* ($(($(date +%s) - T0))s)"; }
die() { echo "check-fresh: ERROR: $*" >&2; echo "$PASS passed, $((FAIL + 1)) failed"; exit 1; }

case ${1:-} in
-h | --help) sed -n '4,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
"") ;;
*) die "unknown argument '$1' (see -h)" ;;
esac
[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap, chroot and mounts)"
command -v mmdebstrap >/dev/null || die "mmdebstrap missing: run tests/deps.sh"
case $FRESH/ in
/ | /tmp/* | /root/*) die "KSRV_FRESH_DIR=$FRESH: pick a directory outside /tmp and /root" ;;
esac

# The host's enabled apt sources and settings, so the fresh root reaches
# exactly the archive (and snapshot) this machine does.
sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	/etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && grep -qE '^[[:space:]]*(deb|Types:)' "$f" && sources+=("$f")
done
[ ${#sources[@]} -gt 0 ] || die "no apt sources found in /etc/apt"
aptopts=()
for f in /etc/apt/apt.conf /etc/apt/apt.conf.d/*; do
	[ -f "$f" ] && aptopts+=("--aptopt=$f")
done

# step NAME CMD...: one checked step, its output in $FRESH/NAME.log.
step() {
	local name=$1 log=$FRESH/$1.log
	shift
	say "$name"
	if "$@" >"$log" 2>&1; then
		PASS=$((PASS + 1))
		echo "ok - $name"
		return 0
	fi
	FAIL=$((FAIL + 1))
	echo "not ok - $name"
	tail -n 25 "$log" | sed 's/^/# /'
	return 1
}

# in_root CMD: run a shell command as root inside the fresh root, with
# /proc, /sys, /dev and a /tmp of its own, in a mount namespace of its own
# (the mounts vanish with it).
in_root() {
	unshare --mount --pid --fork --kill-child -- /bin/sh -c '
		r=$1
		mount -t proc proc "$r/proc" && mount --rbind /sys "$r/sys" &&
		mount --rbind /dev "$r/dev" && mount -t tmpfs tmp "$r/tmp" &&
		exec chroot "$r" /bin/bash -c "$2"' sh "$RFS" "set -euo pipefail
		cd /ksrv
		export HOME=/root LANG=C.UTF-8 KSRV_DEPS_OMIT='$OMIT' \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		$1"
}

bootstrap() {
	rm -rf "$FRESH"
	mkdir -p "$RFS"
	mmdebstrap --variant=minbase "${aptopts[@]}" bookworm "$RFS" \
		"${sources[@]}" || return 1
	# What an installed system has besides its packages: the installer
	# writes /etc/hosts, and "localhost" must resolve.
	printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' \
		>"$RFS/etc/hosts"
	mkdir -p "$RFS/ksrv"
	# The tracked files as they are in the work tree.
	git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$RFS/ksrv"
}

mkdir -p "$FRESH"
say "building a minimal bookworm root in $RFS${OMIT:+ (deps.sh without: $OMIT)}"
step bootstrap bootstrap || die "mmdebstrap failed"
step deps in_root "tests/deps.sh" ||
	die "tests/deps.sh failed in the fresh root"
step build-modules in_root '
	for h in $(ls -d /usr/src/linux-headers-*-amd64 | sort -V); do
		make module KDIR=$h; done' || true
step build-userspace in_root "make -C userspace" || true
for t in tests/host/*.sh; do
	step "host-$(basename "$t" .sh)" in_root "$t" || true
done
step lint in_root "tests/lint.sh" || true
for ds in 6.1 6.12; do
	step "debug-kernel-$ds-tools" in_root \
		"tests/debugkernel/build.sh -s $ds -c -t /tmp/debug-kernel-$ds" || true
done
if [ "$GUESTS" != 0 ]; then
	step guests-6.12-quick in_root \
		"make check QUICK=1 KERNELS=6.12 LINT=0" || true
fi
say "done; the root stays in $RFS"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
