#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything ksrv needs to build, lint and test on Debian bookworm.
# Idempotent: packages already installed are skipped, so a second run is
# fast. Things that cannot be installed as normal packages (static busybox,
# which conflicts with busybox; checkpatch.pl from the kernel source) are
# unpacked into the cache directory ${KSRV_CACHE:-$HOME/.cache/ksrv}.
#
# Usage: tests/deps.sh [-q]     (-q: print nothing when all is in place)

set -euo pipefail

QUIET=0
[ "${1:-}" = "-q" ] && QUIET=1

CACHE=${KSRV_CACHE:-$HOME/.cache/ksrv}

# Every package a step of `make check`, `make run`, `make bench*`,
# `make debug-kernel` and `make check-fresh` uses, grouped by what needs
# it. `make check-fresh` proves the list on a minimal Debian root.
PKGS=(
	# guests: the emulator, the two stock kernels, initramfs tools
	qemu-system-x86 kmod cpio xz-utils file
	linux-image-amd64 linux-headers-amd64
	linux-image-6.12-amd64 linux-headers-6.12-amd64
	# module and user-space builds, lint (checkpatch is a perl script)
	gcc make libc6-dev sparse perl
	# the debug kernels (tests/debugkernel/build.sh)
	linux-source-6.1 linux-source-6.12 flex bison bc libelf-dev
	# clients and tools the suites and benchmarks run, host and guest
	iproute2 procps
	socat netcat-openbsd python3 python3-h11 curl wget
	gnuplot-nox wrk apache2-utils nginx-light slowhttptest
	# fuzzing
	clang libclang-rt-14-dev
	# make check-fresh
	mmdebstrap
	# the install and DKMS test (tests/host/install.sh); it builds only
	# in trees of its own: no module of this machine's kernels changes
	dkms
)
# KSRV_DEPS_OMIT="pkg ...": leave these out (make check-fresh uses it to
# prove that a missing package makes the fresh build fail).
if [ -n "${KSRV_DEPS_OMIT:-}" ]; then
	for omit in $KSRV_DEPS_OMIT; do
		for i in "${!PKGS[@]}"; do
			[ "${PKGS[$i]}" = "$omit" ] && unset "PKGS[$i]"
		done
	done
	PKGS=("${PKGS[@]}")
fi

say() { [ "$QUIET" = 1 ] || echo "deps: $*"; }
die() { echo "deps: ERROR: $*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# Packages from PKGS that dpkg does not report as fully installed.
missing_pkgs() {
	local p st
	# One dpkg-query call for all names keeps the fast path fast.
	declare -A have=()
	while read -r p st; do
		[ "$st" = "installed" ] && have[$p]=1
	done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' \
		"${PKGS[@]}" 2>/dev/null || true)
	for p in "${PKGS[@]}"; do
		[ -n "${have[$p]:-}" ] || echo "$p"
	done
}

APT_UPDATED=0
apt_update_once() {
	[ "$APT_UPDATED" = 1 ] && return 0
	say "apt-get update"
	apt-get update -qq >/dev/null || die "apt-get update failed"
	APT_UPDATED=1
}

# Install packages without letting their services start: nginx-light must
# not be left running (tests start their own server on their own port).
install_pkgs() {
	local prc=/usr/sbin/policy-rc.d created=0
	if [ ! -e "$prc" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$prc"
		chmod 755 "$prc"
		created=1
	fi
	say "apt-get install $*"
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@" >/tmp/ksrv-deps-apt.log 2>&1 || rc=$?
	[ "$created" = 1 ] && rm -f "$prc"
	if [ "$rc" != 0 ]; then
		tail -20 /tmp/ksrv-deps-apt.log >&2
		die "apt-get install failed (log: /tmp/ksrv-deps-apt.log)"
	fi
}

stop_nginx() {
	# The package may have started it on a system without policy-rc.d.
	if pgrep -x nginx >/dev/null 2>&1; then
		systemctl stop nginx >/dev/null 2>&1 ||
			service nginx stop >/dev/null 2>&1 || true
	fi
	systemctl disable nginx >/dev/null 2>&1 || true
}

# Static busybox for the guest initramfs: download the .deb and unpack it,
# since installing busybox-static would remove busybox (and vice versa).
ensure_busybox() {
	local bb=$CACHE/busybox/bin/busybox
	[ -x "$bb" ] && return 0
	is_root && apt_update_once
	local tmp
	tmp=$(mktemp -d)
	say "fetching busybox-static into $CACHE/busybox"
	(cd "$tmp" && apt-get download -q busybox-static >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; die "apt-get download busybox-static failed"; }
	rm -rf "$CACHE/busybox.tmp"
	mkdir -p "$CACHE/busybox.tmp/bin"
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
	cp "$tmp/x/bin/busybox" "$CACHE/busybox.tmp/bin/busybox"
	rm -rf "$tmp" "$CACHE/busybox"
	mv "$CACHE/busybox.tmp" "$CACHE/busybox"
	# Must really be static: it runs in the initramfs before any libc.
	if file "$bb" 2>/dev/null | grep -q dynamically; then
		die "$bb is not static"
	fi
}

# checkpatch.pl and the data files it reads, and kernel-doc, taken from
# linux-source-6.1.
ensure_checkpatch() {
	local dst=$CACHE/checkpatch
	[ -x "$dst/scripts/checkpatch.pl" ] && [ -x "$dst/scripts/kernel-doc" ] &&
		return 0
	local tarball
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -1)
	[ -n "$tarball" ] || die "linux-source-6.1 tarball not found in /usr/src"
	say "extracting checkpatch.pl and kernel-doc from $tarball"
	local top
	# The tarball's top directory is named like the file.
	top=$(basename "$tarball")
	top=${top%.tar.*}
	rm -rf "$dst.tmp"
	mkdir -p "$dst.tmp"
	tar -xf "$tarball" -C "$dst.tmp" --strip-components=1 \
		"$top/scripts/checkpatch.pl" \
		"$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch" \
		"$top/scripts/kernel-doc" ||
		die "extracting checkpatch failed"
	rm -rf "$dst"
	mv "$dst.tmp" "$dst"
}

main() {
	mkdir -p "$CACHE"
	local miss
	miss=$(missing_pkgs | tr '\n' ' ')
	miss=${miss% }
	if [ -n "$miss" ]; then
		if ! is_root; then
			echo "deps: missing packages: $miss" >&2
			echo "deps: run: sudo apt-get update && sudo apt-get install -y $miss" >&2
			exit 1
		fi
		apt_update_once
		# shellcheck disable=SC2086
		install_pkgs $miss
		stop_nginx
	fi
	ensure_busybox
	ensure_checkpatch
	say "all dependencies present (cache: $CACHE)"
}

main "$@"
