#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side test of installing ksrv (nothing is loaded): `make install` and
# `make uninstall` into a scratch INSTALL_MOD_PATH for each stock kernel,
# then DKMS add, build, install and uninstall, with all of dkms's trees
# (--dkmstree, --sourcetree, --installtree) in the scratch directory and
# depmod run there, not on the real /lib/modules. Every module must name
# its kernel in vermagic and the VERSION file in modinfo. QUICK=1 builds
# through DKMS for 6.12 only (6.1 goes the same way, and a build costs
# about 20 s). The last case checks that nothing below /var/lib/dkms and
# /lib/modules changed. Prints one "ok - NAME" / "not ok - NAME" line per
# case; exit 0 only if all pass.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
# shellcheck source=tests/vm/kernels.sh
. "$ROOT/tests/vm/kernels.sh"
cd "$ROOT" || exit 2
# A DKMS build while two guests share the CPUs.
KSRV_CHECK_TIMEOUT=300
VERSION=$(cat VERSION)
DKMS_SERIES="6.1 6.12"
[ "${QUICK:-0}" = 1 ] && DKMS_SERIES=6.12
scratch_dir ksrv-install
touch "$TMP/stamp"

# expect_modinfo NAME FILE FIELD WANT: the first word of modinfo's FIELD
# of FILE is WANT.
expect_modinfo() {
	local got
	got=$(modinfo -F "$3" "$2" 2>&1 | awk '{ print $1; exit }')
	if [ "$got" = "$4" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "modinfo -F $3 $2: '$got', want '$4'"
	fi
}

# expect_dep NAME DIR KVER PATH yes|no: modules.dep of KVER below DIR
# names PATH (relative to the release's folder), or does not.
expect_dep() {
	local dep=$2/lib/modules/$3/modules.dep has=no
	grep -q "^$4:" "$dep" 2>/dev/null && has=yes
	if [ "$has" = "$5" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "$dep:"
		diag <"$dep"
	fi
}

# make_install SERIES: make install / uninstall of build/<release>/ksrv.ko.
make_install() {
	local s=$1 kver kdir dest mod
	kver=$(ksrv_kver "$s") || { not_ok "$s: kernel installed"; return; }
	kdir=$(ksrv_kdir "$kver")
	dest=$TMP/inst-$s
	mod=$dest/lib/modules/$kver/updates/ksrv.ko
	if [ ! -f "build/$kver/ksrv.ko" ]; then
		check "$s: make module" make module KDIR="$kdir" || return
	fi
	check "$s: make install INSTALL_MOD_PATH=<scratch>" \
		make install INSTALL_MOD_PATH="$dest" KDIR="$kdir" || return
	expect_modinfo "$s: installed updates/ksrv.ko has version $VERSION" \
		"$mod" version "$VERSION"
	expect_dep "$s: modules.dep names updates/ksrv.ko" "$dest" "$kver" \
		updates/ksrv.ko yes
	check "$s: make uninstall INSTALL_MOD_PATH=<scratch>" \
		make uninstall INSTALL_MOD_PATH="$dest" KDIR="$kdir" || return
	if [ ! -e "$mod" ] && [ ! -e "${mod%/*}" ]; then
		ok "$s: make uninstall removes updates/ksrv.ko"
	else
		not_ok "$s: make uninstall removes updates/ksrv.ko"
		find "$dest" | diag
	fi
	expect_dep "$s: modules.dep no longer names it" "$dest" "$kver" \
		updates/ksrv.ko no
}

# dkms_kernel SERIES: build, install and uninstall through DKMS.
dkms_kernel() {
	local s=$1 kver ko mod
	kver=$(ksrv_kver "$s") || { not_ok "$s: kernel installed"; return; }
	check "$s: dkms build" "${DKMS[@]}" build "ksrv/$VERSION" -k "$kver" \
		--kernelsourcedir "$(ksrv_kdir "$kver")" || return
	ko=$(find "$TMP/dkms/ksrv/$VERSION/$kver" -path '*/module/ksrv.ko*' |
		head -n 1)
	expect_modinfo "$s: DKMS-built ksrv.ko has vermagic $kver" \
		"$ko" vermagic "$kver"
	expect_modinfo "$s: DKMS-built ksrv.ko has version $VERSION" \
		"$ko" version "$VERSION"
	# dkms install and uninstall insist on root, also in a tree of one's
	# own.
	if [ "$(id -u)" != 0 ]; then
		ok "$s: dkms install # SKIP not root"
		return
	fi
	mkdir -p "$TMP/root/lib/modules/$kver"
	check "$s: dkms install" "${DKMS[@]}" install --no-depmod \
		"ksrv/$VERSION" -k "$kver" || return
	mod=$(cd "$TMP/root/lib/modules/$kver" &&
		find updates/dkms -name 'ksrv.ko*' | head -n 1)
	depmod -b "$TMP/root" "$kver" 2>/dev/null
	expect_dep "$s: dkms install: modules.dep names ${mod:-updates/dkms/ksrv.ko}" \
		"$TMP/root" "$kver" "$mod" yes
	check "$s: dkms uninstall" "${DKMS[@]}" uninstall --no-depmod \
		"ksrv/$VERSION" -k "$kver" || return
	if [ ! -e "$TMP/root/lib/modules/$kver/$mod" ]; then
		ok "$s: dkms uninstall removes $mod"
	else
		not_ok "$s: dkms uninstall removes $mod"
	fi
}

for s in 6.1 6.12; do
	make_install "$s"
done
if ! out=$(make install INSTALL_MOD_PATH="$TMP/none" KREL=0.0-none 2>&1) &&
   [[ $out == *"is not built"* ]] && [ ! -e "$TMP/none" ]; then
	ok "make install of a module not built fails and says so"
else
	not_ok "make install of a module not built fails and says so"
	diag "$out"
fi

if command -v dkms >/dev/null; then
	# Every tree dkms writes to is in TMP. sign_file: without one that
	# exists, dkms signs nothing; with one it would make its key in
	# /var/lib/dkms.
	DKMS=(dkms --dkmstree "$TMP/dkms" --sourcetree "$TMP/src"
		--installtree "$TMP/root/lib/modules")
	export TMPDIR=$TMP sign_file=$TMP/no-sign-file
	mkdir -p "$TMP/dkms"
	if check "make dkms-source DKMS_SOURCE_TREE=<scratch>" \
		make dkms-source DKMS_SOURCE_TREE="$TMP/src" &&
	   check "dkms add ksrv/$VERSION" "${DKMS[@]}" add "ksrv/$VERSION"; then
		for s in $DKMS_SERIES; do
			dkms_kernel "$s"
		done
	fi
else
	not_ok "dkms installed"
	diag "run tests/deps.sh"
fi

expect_none "nothing changed below /var/lib/dkms and /lib/modules" \
	"$(find /var/lib/dkms /lib/modules -newer "$TMP/stamp" 2>/dev/null)" 20
finish
