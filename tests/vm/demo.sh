#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of `make run`: load ksrv with echo and HTTP and say how to
# reach them from the host. HTTP_ROOT may name a directory of the host
# (the guest sees the host's files read-only); by default a small demo
# tree is made in the guest's /tmp.
set -u
root=${HTTP_ROOT:-}
if [ -z "$root" ]; then
	root=/tmp/www
	mkdir -p "$root/files"
	cat >"$root/index.html" <<'HTML'
<!DOCTYPE html>
<title>ksrv</title>
<h1>Served from inside the kernel</h1>
<p>This page comes from ksrv.ko's HTTP service. <a href="files/">A directory listing</a>.</p>
HTML
	echo "hello from ksrv" >"$root/files/hello.txt"
	head -c 1048576 /dev/urandom >"$root/files/random-1MiB.bin"
fi
# shellcheck disable=SC2086
if ! insmod "$KSRV_KO" services=echo:12345,http:8081 http_root="$root" \
	${KSRV_ARGS:-}; then
	echo "demo: insmod failed; see dmesg" >&2
	dmesg | tail -n 5
	exit 1
fi
cat <<MSG

ksrv is running in this VM ($(uname -r)), serving $root.
From the host:
    nc localhost 12345                 # echo
    curl http://localhost:8081/        # HTTP
In this shell: cat /proc/ksrv/stats, dmesg, rmmod ksrv.
Leave with 'exit' (powers the VM off) or Ctrl-A x.
MSG
