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

ksrv_kver() {
	local series=$1 f k best=""

	if [ -z "$series" ]; then
		echo "ksrv_kver: no kernel series given" >&2
		return 2
	fi
	if [ -e "/boot/vmlinuz-$series" ]; then
		echo "$series"
		return 0
	fi
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
