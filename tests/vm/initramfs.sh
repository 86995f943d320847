#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test guest's initramfs for one kernel release and print its path.
#
#   tests/vm/initramfs.sh KVER
#
# Contents: static busybox, the modules needed to reach the host over
# virtio (PCI transport, 9p, network) in load order, and tests/vm/init.
# A kernel without /lib/modules/KVER (the debug kernel of
# tests/debugkernel/) must have all of them built in; its image has none.
# The image is cached in ${KSRV_CACHE:-$HOME/.cache/ksrv}/initramfs/ and
# rebuilt only when one of its inputs changes.

set -euo pipefail

KVER=${1:?usage: initramfs.sh KVER}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KSRV_CACHE:-$HOME/.cache/ksrv}
BUSYBOX=$CACHE/busybox/bin/busybox
OUTDIR=$CACHE/initramfs
IMG=$OUTDIR/$KVER.cpio
MODDIR=/lib/modules/$KVER

# What the guest needs: the virtio PCI transport, 9p over virtio for both
# shares, and virtio-net for port forwarding.
WANT_MODS="virtio_pci 9pnet_virtio 9p virtio_net"

die() { echo "initramfs.sh: ERROR: $*" >&2; exit 1; }

[ -x "$BUSYBOX" ] || die "static busybox missing ($BUSYBOX); run tests/deps.sh"

# builtin_all: every option the guest needs is =y in the kernel's config.
builtin_all() {
	local cfg opt
	# shellcheck source=tests/vm/kernels.sh
	. "$HERE/kernels.sh"
	cfg=$(ksrv_kconfig "$KVER")
	for opt in VIRTIO_PCI NET_9P_VIRTIO 9P_FS VIRTIO_NET; do
		grep -qx "CONFIG_$opt=y" "$cfg" 2>/dev/null || return 1
	done
}

BUILTIN=0
if [ ! -f "$MODDIR/modules.dep" ]; then
	builtin_all ||
		die "no modules for $KVER in $MODDIR, and not all of $WANT_MODS built in"
	BUILTIN=1
fi

# Module files in load order, each once; "builtin" entries need nothing.
module_list() {
	local m line seen=" "
	for m in $WANT_MODS; do
		modprobe -S "$KVER" --show-depends "$m" ||
			die "modprobe cannot resolve $m for $KVER"
	done | while read -r line; do
		set -- $line
		[ "$1" = insmod ] || continue
		case $seen in *" $2 "*) continue ;; esac
		seen="$seen$2 "
		echo "$2"
	done
}

MODS=""
if [ "$BUILTIN" = 0 ]; then
	MODS=$(module_list)
	[ -n "$MODS" ] || die "no modules resolved for $KVER"
fi

# Fingerprint of every input; the cached image is reused while it matches.
fingerprint() {
	{
		echo "$KVER"
		sha256sum "$HERE/init" "$HERE/initramfs.sh" "$BUSYBOX"
		# shellcheck disable=SC2086
		[ -z "$MODS" ] || stat -c '%n %s %Y' $MODS
	} | sha256sum | cut -d' ' -f1
}

FP=$(fingerprint)
if [ -f "$IMG" ] && [ "$(cat "$IMG.fp" 2>/dev/null)" = "$FP" ]; then
	echo "$IMG"
	exit 0
fi

mkdir -p "$OUTDIR"
WORK=$(mktemp -d "$OUTDIR/.build.XXXXXX")
TMPIMG=$WORK.img
trap 'rm -rf "$WORK" "$TMPIMG"' EXIT

mkdir -p "$WORK"/{bin,sbin,dev,proc,sys,newroot,modules}
cp "$BUSYBOX" "$WORK/bin/busybox"
cp "$HERE/init" "$WORK/init"
chmod 755 "$WORK/init" "$WORK/bin/busybox"

# Store modules uncompressed so busybox insmod needs no xz/zstd support.
: >"$WORK/modules/order"
for f in $MODS; do
	base=$(basename "$f")
	case $f in
	*.ko.xz) xz -dc "$f" >"$WORK/modules/${base%.xz}" ;;
	*.ko.zst) zstd -qdc "$f" >"$WORK/modules/${base%.zst}" ;;
	*.ko.gz) gzip -dc "$f" >"$WORK/modules/${base%.gz}" ;;
	*.ko) cp "$f" "$WORK/modules/$base" ;;
	*) die "unexpected module file $f" ;;
	esac
	echo "${base%.ko*}.ko" >>"$WORK/modules/order"
done

(cd "$WORK" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) >"$TMPIMG"
mv "$TMPIMG" "$IMG"
echo "$FP" >"$IMG.fp"
echo "$IMG"
