#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Map a kernel series ("6.1", "6.12") to the newest installed Debian kernel
# release of that series, e.g. 6.1 -> 6.1.0-56-amd64.
#
# Sourced:   . tests/vm/kernels.sh; kver=$(ksrv_kver 6.12)
# Executed:  tests/vm/kernels.sh 6.1 [6.12 ...]   (one KVER per line)
#
# A full release name that exists in /boot is passed through unchanged.
# Only the generic amd64 flavour is used: cloud and rt kernels lack
# drivers or behave differently under test.
#
# "debug" is ksrv's 6.1 debug kernel (KASAN, kmemleak, lockdep, fault
# injection) that tests/debugkernel/build.sh builds and caches, and
# "debug-6.12" the same on 6.12 ("debug-6.1" is "debug"); it must have
# been built. Its files are not under /boot: use ksrv_vmlinuz, ksrv_kdir
# and ksrv_kconfig to find a release's kernel image, build tree and config.

KSRV_KERNELS_SH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ksrv_debug_dir [SERIES]: the cache directory of the built debug kernel
# of SERIES (default 6.1), or fail.
ksrv_debug_dir() {
	"$KSRV_KERNELS_SH_DIR/../debugkernel/build.sh" -s "${1:-6.1}" -p
}

# ksrv_is_debug KVER: KVER is a (built) debug kernel's release.
ksrv_is_debug() {
	local d
	case $1 in *-ksrv-debug) ;; *) return 1 ;; esac
	d=$(ksrv_debug_dir "$(ksrv_series "$1")") &&
		[ "$(cat "$d/release")" = "$1" ]
}

# ksrv_debug_of KVER: the cache directory of debug release KVER.
ksrv_debug_of() {
	ksrv_debug_dir "$(ksrv_series "$1")"
}

# ksrv_vmlinuz KVER: the kernel image to boot.
ksrv_vmlinuz() {
	if ksrv_is_debug "$1"; then
		echo "$(ksrv_debug_of "$1")/bzImage"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

# ksrv_kdir KVER: the build tree to build ksrv against (KDIR).
ksrv_kdir() {
	if ksrv_is_debug "$1"; then
		echo "$(ksrv_debug_of "$1")/obj"
	else
		echo "/lib/modules/$1/build"
	fi
}

# ksrv_kconfig KVER: the kernel's .config.
ksrv_kconfig() {
	if ksrv_is_debug "$1"; then
		echo "$(ksrv_debug_of "$1")/config"
	else
		echo "/boot/config-$1"
	fi
}

ksrv_kver() {
	local series=$1 f k best=""

	if [ -z "$series" ]; then
		echo "ksrv_kver: no kernel series given" >&2
		return 2
	fi
	if [ -e "/boot/vmlinuz-$series" ] || ksrv_is_debug "$series"; then
		echo "$series"
		return 0
	fi
	case $series in
	debug | debug-*)
		local d ds=${series#debug}
		ds=${ds#-}
		if ! d=$(ksrv_debug_dir "${ds:-6.1}"); then
			echo "ksrv_kver: the ${ds:-6.1} debug kernel is not built" \
				"(or is out of date); run tests/debugkernel/build.sh" \
				"-s ${ds:-6.1}" >&2
			return 1
		fi
		cat "$d/release"
		return 0 ;;
	esac
	for f in /boot/vmlinuz-"$series".*-amd64; do
		[ -e "$f" ] || continue
		k=${f#/boot/vmlinuz-}
		case $k in
		*cloud* | *-rt-* | *-rt) continue ;;
		esac
		best="$best$k"$'\n'
	done
	best=$(printf '%s' "$best" | sort -V | tail -n 1)
	if [ -z "$best" ]; then
		echo "ksrv_kver: no installed kernel for series $series" \
			"(/boot/vmlinuz-$series.*-amd64); run tests/deps.sh" >&2
		return 1
	fi
	echo "$best"
}

# Series of a release: 6.12.117+deb12-amd64 -> 6.12
ksrv_series() {
	local v=${1%%-*}
	echo "$v" | cut -d. -f1-2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -e
	[ $# -gt 0 ] || set -- 6.1 6.12
	for s in "$@"; do
		ksrv_kver "$s"
	done
fi
