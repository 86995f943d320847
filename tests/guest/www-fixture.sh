#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the document-root fixture for the HTTP suites (tests/guest/suites/
# 60-http-*).  Everything lives under one base directory (default
# /tmp/ksrv-www, in the guest's writable tmpfs):
#
#   BASE/root/            the document root handed to http_root=
#   BASE/outside.txt      a file next to the root; the root's symlinks point
#                         at it and its content must never be served
#   BASE/random.bin.sha256, BASE/big.bin.sha256
#   BASE/.complete        written last; a later call with the same version
#                         reuses the tree instead of rebuilding it
#
# Usage: www-fixture.sh [-f] [BASE]     (-f: rebuild even when complete)
# Prints BASE on success.

set -euo pipefail

VERSION=4
FORCE=0
if [ "${1:-}" = "-f" ]; then
	FORCE=1
	shift
fi
case "${1:-}" in
-h | --help)
	echo "usage: $0 [-f] [BASE]   (default BASE /tmp/ksrv-www)"
	exit 0
	;;
esac
BASE=${1:-/tmp/ksrv-www}
case $BASE in
/*) ;;
*) echo "www-fixture.sh: BASE must be absolute: $BASE" >&2; exit 2 ;;
esac

if [ "$FORCE" = 0 ] && [ -f "$BASE/.complete" ] &&
	[ "$(cat "$BASE/.complete")" = "$VERSION" ]; then
	echo "$BASE"
	exit 0
fi

rm -rf "$BASE"
mkdir -p "$BASE/root"
R=$BASE/root
cd "$R"

# Secrets: none of these strings may ever appear in a response.
printf 'OUTSIDE-ROOT-SECRET: this file sits next to the root\n' >"$BASE/outside.txt"

# Plain files with known content, one per media type the tests check.
printf 'Hello, ksrv!\n' >hello.txt
printf '<!DOCTYPE html>\n<html><head><title>page</title></head>\n<body><p>a page</p></body></html>\n' >page.html
printf 'body { color: #123456; }\n' >style.css
printf 'console.log("ksrv");\n' >app.js
printf '{"ksrv": [1, 2, 3]}\n' >data.json
printf '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n' >icon.svg
# A 1x1 PNG (binary, contains NUL bytes).
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82' >pixel.png
printf 'no extension here\n' >noext
printf 'upper case extension\n' >UPPER.TXT
printf 'crlf\r\nline\r\n\x00nul\n' >mixed.dat
: >empty.txt

head -c 1048576 /dev/urandom >random.bin
head -c 8388608 /dev/urandom >big.bin
(cd "$R" && sha256sum random.bin) >"$BASE/random.bin.sha256"
(cd "$R" && sha256sum big.bin) >"$BASE/big.bin.sha256"

# Names that need URL encoding and/or HTML escaping.
printf 'space in the name\n' >"with space.txt"
printf 'UTF-8 name 1\n' >"héllo wörld.txt"
printf 'UTF-8 name 2\n' >"日本.txt"
printf 'HTML special characters\n' >"a<b>&c\"d'e.txt"
printf 'percent sign\n' >"100% sure.txt"
printf 'plus semicolon equals\n' >"plus+semi;colon=eq.txt"
printf 'hash and question mark\n' >"hash#q?.txt"

# Directories: empty, with index.html, nested without index.html.
mkdir emptydir
mkdir withindex
printf '<!DOCTYPE html>\n<html><body><a href="other.txt">other</a></body></html>\n' >withindex/index.html
printf 'next to an index.html\n' >withindex/other.txt
mkdir -p nested/level1/level2 "nested/sub dir" "nested/<tag>&dir"
printf 'deep inside\n' >nested/level1/level2/deep.txt
printf 'level one\n' >nested/level1/one.txt
printf 'UTF-8 in a spaced dir\n' >"nested/sub dir/ñandú.txt"
printf 'escaped dir\n' >"nested/<tag>&dir/x.txt"
printf 'TOPSECRET hidden file in a subdirectory\n' >nested/.hidden.txt

# Hidden files and directories (never listed, 404 when asked for).
printf 'TOPSECRET dotfile\n' >.secret
printf 'TOPSECRET htaccess\n' >.htaccess
mkdir .git .hiddendir
printf '[core]\n\tTOPSECRET = git config\n' >.git/config
printf 'TOPSECRET in a hidden directory\n' >.hiddendir/file.txt

# Symlinks inside the root to files inside the root: served normally.
ln -s hello.txt link-inside.txt
ln -s ../../hello.txt nested/level1/uplink.txt

# Symlinks escaping the root: never served.
ln -s /etc/passwd escape-abs
ln -s ../outside.txt escape-rel.txt
ln -s .. escape-dir

# Non-regular file: must be refused (403) without blocking on open().
mkfifo fifo

# Fixed modification times, so Last-Modified is predictable; one file gets
# a recent time.
find "$R" -mindepth 1 -not -type l -exec touch -m -d '2021-03-04 05:06:07 UTC' {} +
touch -m -d '2023-11-12 13:14:15 UTC' hello.txt
touch -m -d '2021-03-04 05:06:07 UTC' "$R"

# Modification times at and past the ends of what an HTTP-date can say
# (1970-01-01 to 9999-12-31T23:59:59): no Last-Modified, "-" in listings.
# The guest's tmpfs keeps any 64-bit time; ext4 would clamp 10000 to 2446.
mkdir dates dates/old-dir
printf 'from 1960\n' >dates/1960.txt
printf 'one second before the epoch\n' >dates/1969-last-second.txt
printf 'the epoch\n' >dates/epoch.txt
printf 'the last second of 9999\n' >dates/9999-last-second.txt
printf 'from 10000\n' >dates/10000.txt
printf 'inside a directory from 1960\n' >dates/old-dir/inside.txt
touch -m -d @-315619200 dates/1960.txt dates/old-dir
touch -m -d @-1 dates/1969-last-second.txt
touch -m -d @0 dates/epoch.txt
touch -m -d @253402300799 dates/9999-last-second.txt
touch -m -d '10000-01-01 00:00:00 UTC' dates/10000.txt
touch -m -d '2021-03-04 05:06:07 UTC' dates dates/old-dir/inside.txt

echo "$VERSION" >"$BASE/.complete"
echo "$BASE"
