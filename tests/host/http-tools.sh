#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side tests of the user-space HTTP tools (no kernel module involved):
# builds userspace/, checks user-http-server with python3, then htstress
# against user-http-server (keep-alive, close, pipelined), against
# deliberately broken python3 servers (it must count the errors and exit 1)
# and against `python3 -m http.server`.  Prints one "ok - NAME" /
# "not ok - NAME" line per case; exit 0 only if all pass.  Traffic goes to
# 127.0.0.1 / ::1 only; every step has a timeout (whole run < 60 s).

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CHECK=$ROOT/tests/host/http_tools_check.py
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"
userspace_test ksrv-http-tools
HT=$U/htstress

# load NAME PATTERN HTSTRESS-ARGS...: htstress -m must exit 0 and its
# RESULT line match PATTERN; the RESULT line is shown as a diagnostic.
load() {
	local name=$1 pat=$2
	shift 2
	expect_result "$name" 40 "$pat" "$HT" -q -m "$@"
}

# expect_errors NAME PATTERN HTSTRESS-ARGS...: htstress must exit 1 and
# its output match PATTERN (an error category count).
expect_errors() {
	local name=$1 pat=$2 rc
	shift 2
	timeout 40 "$HT" -q -m "$@" >"$TMP/out" 2>&1
	rc=$?
	if [ $rc -eq 1 ] && grep -q "$pat" "$TMP/out"; then
		ok "$name"
	else
		not_ok "$name"
		echo "# exit status $rc, expected 1 and /$pat/"
		diag <"$TMP/out"
	fi
}

build_tools

# ---- usage / argument checking -----------------------------------------
expect_help htstress user-http-server
URL=http://127.0.0.1:1/
expect_usage "htstress rejects a missing URL" "$HT" -n 5
expect_usage "htstress rejects a non-http URL" "$HT" ftp://127.0.0.1/
expect_usage "htstress rejects https" "$HT" https://127.0.0.1/
expect_usage "htstress rejects URL port 70000" "$HT" http://127.0.0.1:70000/
expect_usage "htstress rejects an empty host" "$HT" http:///x
expect_usage "htstress rejects an unclosed [IPv6" "$HT" 'http://[::1/'
expect_usage "htstress rejects -c 0" "$HT" -c 0 "$URL"
expect_usage "htstress rejects -n 0" "$HT" -n 0 "$URL"
expect_usage "htstress rejects -n abc" "$HT" -n abc "$URL"
expect_usage "htstress rejects -d with -n" "$HT" -d 1 -n 5 "$URL"
expect_usage "htstress rejects -P 0" "$HT" -P 0 "$URL"
expect_usage "htstress rejects -P with -K" "$HT" -K -P 4 "$URL"
expect_usage "htstress rejects -k with -K" "$HT" -k -K "$URL"
expect_usage "htstress rejects a header without colon" "$HT" -H "NoColon" "$URL"
expect_usage "htstress rejects -s 99" "$HT" -s 99 "$URL"
expect_usage "htstress rejects -l -1" "$HT" -l -1 "$URL"
expect_usage "htstress rejects an unknown option" "$HT" -Z "$URL"
expect_usage "htstress rejects a second URL" "$HT" "$URL" "$URL"
expect_usage "user-http-server rejects -p 0" "$U/user-http-server" -p 0
expect_usage "user-http-server rejects -t 0" "$U/user-http-server" -t 0
expect_usage "user-http-server rejects bad -b" "$U/user-http-server" -b nope
expect_usage "user-http-server rejects a stray argument" \
	"$U/user-http-server" extra

# ---- user-http-server semantics ----------------------------------------
PORT=$(free_port)
"$U/user-http-server" -p "$PORT" -t 2 >"$TMP/srv.log" 2>&1 &
SRV=$!
PIDS+=("$SRV")
if wait_port "$PORT"; then
	ok "user-http-server -t 2 starts on port $PORT"
else
	not_ok "user-http-server -t 2 starts on port $PORT"
	diag <"$TMP/srv.log"
	exit 1
fi
for c in pipeline split http10 head body bad; do
	check "user-http-server: $c" "$PY" "$CHECK" server "$c" "$PORT"
done

# ---- htstress against user-http-server ---------------------------------
U4=http://127.0.0.1:$PORT/
load "htstress keep-alive -c 32 -n 50000: zero errors" \
	'reqs=50000 errors=0 ' -c 32 -n 50000 "$U4"
load "htstress close mode -K -c 8 -n 5000: zero errors" \
	'reqs=5000 errors=0 ' -K -c 8 -n 5000 "$U4"
load "htstress pipelined -P 16 -c 8 -n 100000: zero errors" \
	'reqs=100000 errors=0 ' -P 16 -c 8 -n 100000 "$U4"
load "htstress over IPv6 [::1], -t 1" \
	'reqs=5000 errors=0 ' -t 1 -c 4 -n 5000 "http://[::1]:$PORT/a/b?c=d"
load "htstress via hostname localhost" \
	'reqs=2000 errors=0 ' -c 4 -n 2000 "http://localhost:$PORT/"
load "htstress -d 1 (timed): requests done, zero errors" \
	'reqs=[1-9][0-9]* errors=0 ' -d 1 -c 4 "$U4"
load "htstress -s 200 -l 12 -H 'X-Test: 1': zero errors" \
	'reqs=1000 errors=0 .*bytes=[1-9]' -s 200 -l 12 -H 'X-Test: 1' \
	-H 'Accept: */*' -c 2 -n 1000 "$U4"
expect_errors "htstress -l 13: every response a length error" \
	'length 1000' -l 13 -c 2 -n 1000 "$U4"
expect_errors "htstress -s 404: every response a status error" \
	'status 100 ' -s 404 -c 2 -n 100 "$U4"

if stop_server "$SRV"; then
	ok "user-http-server exits 0 on SIGTERM"
else
	not_ok "user-http-server exits 0 on SIGTERM"
fi
expect_errors "htstress fails when nothing listens" 'connect 4 ' \
	-c 4 -n 100 "$U4"

# ---- htstress must detect broken servers --------------------------------
# start_peer MODE: start http_tools_check.py badserver MODE on a free port;
# sets PEER_PORT and PEER_PID.
start_peer() {
	PEER_PORT=$(free_port)
	start_announced "$TMP/peer-$1.log" \
		"$PY" "$CHECK" badserver "$1" "$PEER_PORT"
	PEER_PID=$BG_PID
}

stop_peer() {
	kill "$PEER_PID" 2>/dev/null
	wait "$PEER_PID" 2>/dev/null
}

# badcase MODE NAME PATTERN HTSTRESS-ARGS...
badcase() {
	local mode=$1 name=$2 pat=$3
	shift 3
	start_peer "$mode"
	expect_errors "$name" "$pat" "$@" "http://127.0.0.1:$PEER_PORT/"
	stop_peer
}
badcase short "htstress detects a short body (Content-Length 20, 12 sent)" \
	'eof 10 ' -c 2 -n 10
badcase long "htstress detects a body longer than Content-Length" \
	'parse [1-9]' -c 2 -n 10
badcase vary "htstress detects a body length change" 'length 5 ' -c 1 -n 10
badcase status "htstress detects 500 responses" 'status 10 ' -c 2 -n 10
badcase chunked "htstress rejects chunked responses" 'parse 10 ' -c 2 -n 10
badcase garbage "htstress detects a non-HTTP response" 'parse 10 ' -c 2 -n 10
badcase noclose "htstress -K detects a server that does not close" \
	'timeout 1$' -K -T 1 -c 1 -n 5

# Like ksrv's http_max_requests: the server ends each connection after 3
# responses; pipelined requests it dropped must be retried, not failed.
start_peer cap3
load "htstress -P 8 retries requests dropped by a per-connection cap" \
	'reqs=100 errors=0 ' -P 8 -c 2 -n 100 "http://127.0.0.1:$PEER_PORT/"
stop_peer

# ---- htstress against python3 -m http.server ----------------------------
mkdir -p "$TMP/www"
head -c 1000 /dev/zero | tr '\0' x >"$TMP/www/k.txt"
PPORT=$(free_port)
(cd "$TMP/www" && exec "$PY" -m http.server --bind 127.0.0.1 "$PPORT") \
	>"$TMP/pyhttp.log" 2>&1 &
PYSRV=$!
PIDS+=("$PYSRV")
if wait_port "$PPORT"; then
	load "htstress -K against python3 http.server: zero errors" \
		'reqs=300 errors=0 ' -K -c 4 -n 300 -l 1000 \
		"http://127.0.0.1:$PPORT/k.txt"
	load "htstress keep-alive against HTTP/1.0 http.server reconnects" \
		'reqs=200 errors=0 ' -c 2 -n 200 -s 200 \
		"http://127.0.0.1:$PPORT/k.txt"
	expect_errors "htstress counts http.server 404s" 'status 20 ' \
		-c 2 -n 20 "http://127.0.0.1:$PPORT/missing"
else
	not_ok "python3 -m http.server starts"
	diag <"$TMP/pyhttp.log"
fi
kill "$PYSRV" 2>/dev/null
wait "$PYSRV" 2>/dev/null

finish
