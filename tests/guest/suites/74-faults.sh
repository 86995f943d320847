#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 74-faults: ksrv under injected allocation failures (debug kernel only;
# elsewhere a single SKIP line).
#
# (a) insmod with /proc/self/fail-nth: the Nth slab or page allocation of
#     the loading task fails. N sweeps back from the last allocation of a
#     clean load (ksrv's init runs last) and samples the earlier ones. Each
#     attempt must load cleanly or fail with an error and leave nothing
#     behind (no module, no listener, no /proc/ksrv).
# (b) echo and HTTP clients while failslab fails ~15% of the allocations of
#     the kernel workers that run ksrv's accept and connection work (in
#     dispatch=thread also of its connection threads), flagged as they
#     appear and unflagged when they move to another workqueue. Not kthreadd: thread creation failing in there trips a
#     WARN_ON_ONCE in 6.1's vmalloc (adjust_va_to_fit_type) that
#     panic_on_warn turns into a panic, nothing of ksrv's. 6.1
#     has no stack-trace filter (require-start/-end) on x86_64, so the
#     failures are targeted by task (task-filter + make-it-fail) instead.
#     Failing connections must be closed, a normal client must succeed
#     afterwards, nothing may hang, and the module must unload.
# After each part: no kmemleak report in ksrv, no kernel problem in the log.
#
# Allocation-failure warnings ("page allocation failure" + a stack dump)
# are expected here. So the suite checks its own part of the kernel log
# without the "Call Trace" pattern and then clears the log, leaving a
# fresh start marker, so run-suites.sh's and run.sh's checks do not trip
# over them. The part of the log it clears is kept in $KSRV_OUT.

. "$(dirname "$0")/../lib.sh"
shopt -s lastpipe

DBG=/sys/kernel/debug
NAME=74-faults
ECHO_PORT=24171
HTTP_PORT=24172
OUT=${KSRV_OUT:-/tmp}
WORK=/tmp/ksrv-faults
T0=$SECONDS

if [ ! -d "$DBG/failslab" ] || [ ! -d "$DBG/fail_page_alloc" ] ||
	[ ! -e /proc/self/fail-nth ]; then
	echo "ok - fault injection # SKIP no fault injection in $(uname -r)"
	exit 0
fi

if [ "$QUICK" = 1 ]; then
	TAIL=30 SAMPLES=8 A_SECS=20 B_SECS=8
else
	TAIL=150 SAMPLES=30 A_SECS=60 B_SECS=20
fi

mkdir -p "$WORK/www"
head -c 3000 /dev/urandom | base64 >"$WORK/www/hello.txt"
head -c 200000 /dev/urandom >"$WORK/www/big.bin"

SERVICES=echo:$ECHO_PORT
PARAMS=(idle_timeout=3)
if modinfo "$KSRV_KO" 2>/dev/null | grep -q '^parm: *http_root:'; then
	SERVICES+=,http:$HTTP_PORT
	PARAMS+=(http_root="$WORK/www")
fi

# --- fault attributes ---------------------------------------------------

fa_set() { echo "$2" >"$DBG/$1" 2>/dev/null || diag "cannot set $1=$2"; }

# Both facilities off (probability 0; fail-nth bypasses that), quiet, and
# also failing allocations that may sleep (GFP_KERNEL: ksrv's), which they
# skip by default. User pages (highmem flag) stay exempt, so page faults
# of the test programs do not use up fail-nth counts.
faults_setup() {
	local f
	for f in failslab fail_page_alloc; do
		fa_set $f/probability 0
		fa_set $f/interval 1
		fa_set $f/times -1
		fa_set $f/space 0
		fa_set $f/verbose 0
		fa_set $f/task-filter N
		fa_set $f/ignore-gfp-wait N
	done
	fa_set fail_page_alloc/min-order 0
}

# make_it_fail 0|1 PATTERN: set make-it-fail of the tasks whose comm
# matches the extended regex PATTERN.
make_it_fail() {
	local p comm
	for p in /proc/[0-9]*; do
		{ read -r comm <"$p/comm"; } 2>/dev/null || continue
		[[ $comm =~ $2 ]] || continue
		{ echo "$1" >"$p/make-it-fail"; } 2>/dev/null
	done
}

# flag_only PATTERN: make-it-fail on the tasks whose comm matches PATTERN,
# off on every other kernel worker. A worker's comm names the workqueue of
# the item it runs ("kworker/u4:2+ksrv"; "-ksrv" once it is done): the
# pool is shared, and a flagged worker that goes on to run other work can
# fail the guest's 9p root file system for good, so only workers caught
# running ksrv's work are flagged, and only until the next pass.
flag_only() {
	local p comm
	for p in /proc/[0-9]*; do
		{ read -r comm <"$p/comm"; } 2>/dev/null || continue
		if [[ $comm =~ $1 ]]; then
			{ echo 1 >"$p/make-it-fail"; } 2>/dev/null
		elif [[ $comm == kworker/* ]]; then
			{ echo 0 >"$p/make-it-fail"; } 2>/dev/null
		fi
	done
}

faults_off() {
	local f
	for f in failslab fail_page_alloc; do
		echo 0 >"$DBG/$f/probability" 2>/dev/null
	done
	# Tasks forked from a flagged kthreadd inherit the flag: clear all.
	make_it_fail 0 '.'
}

cleanup() {
	faults_off
	ksrv_loaded && ksrv_unload 30 >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

# --- kernel log and kmemleak --------------------------------------------

# The usual patterns less "Call Trace", which the expected allocation
# failure warnings print; every real problem has its own headline.
FAULT_BAD=${KSRV_BAD_LOG//|Call Trace/}
# Expected noise. kmemleak allocates a scan area in the loader's context
# when a module is loaded; an injected failure there makes it fall back
# to scanning the whole object, and it stays enabled (lines that say it
# stopped are still caught by FAULT_BAD).
SCAN_AREA='kmemleak: Cannot allocate a scan area, scanning the full object'
FAULT_NOISE="Call Trace|$SCAN_AREA"
MARK="ksrv-test: start $NAME"
echo "$MARK" >/dev/kmsg

# log_check PART: the kernel log since the suite's marker must show no
# problem; expected noise is then cleared (see the header).
log_check() {
	local part=$1 win bad
	win=$(dmesg | awk -v m="$MARK" 'f { print } index($0, m) { f = 1 }')
	bad=$(printf '%s\n' "$win" |
		grep -v -F "$SCAN_AREA" |
		grep -E "$FAULT_BAD")
	if [ -n "$bad" ]; then
		not_ok "$part: kernel log clean"
		printf '%s\n' "$bad" | head -n 30 | diag
	else
		ok "$part: kernel log clean"
	fi
	if printf '%s\n' "$win" | grep -q -E "$FAULT_NOISE"; then
		printf '%s\n' "$win" >"$OUT/$NAME-$part.dmesg.txt"
		# What came before this suite was checked already; keep it.
		dmesg | awk -v m="$MARK" 'index($0, m) { exit } { print }' \
			>>"$OUT/$NAME-earlier.dmesg.txt"
		dmesg -C
		echo "$MARK" >/dev/kmsg
		diag "$part: allocation failure noise in the log; kept in" \
			"$NAME-$part.dmesg.txt and cleared"
	fi
}

# kmemleak_part PART: no leak report pointing at ksrv (kmemleak_check in
# lib.sh, two scans), the kernel's own leaks (KSRV_KERNEL_LEAKS) aside.
kmemleak_part() {
	local part=$1 file=$WORK/kmemleak.txt leaks rc n known
	leaks=$(kmemleak_check "$file" 2)
	rc=$?
	if [ $rc = 2 ]; then
		ok "$part: kmemleak clean # SKIP no kmemleak"
		return
	fi
	n=$(grep -c '^unreferenced object' "$file")
	known=$(grep -c -E "$KSRV_KERNEL_LEAKS" "$file")
	diag "$part: kmemleak: $n reports, $known in known kernel error paths" \
		"($KSRV_KERNEL_LEAKS)"
	[ "$known" -gt 0 ] && cp "$file" "$OUT/$NAME-$part.kmemleak.txt"
	if [ $rc = 1 ]; then
		not_ok "$part: kmemleak clean"
		printf '%s\n' "$leaks" | head -n 40 | diag
		cp "$file" "$OUT/$NAME-$part.kmemleak.txt"
	else
		ok "$part: kmemleak clean"
	fi
}

# nothing_left WHAT: after a failed or undone load nothing of ksrv remains.
nothing_left() {
	local p=""
	ksrv_loaded && p+=" module-loaded"
	port_listening $ECHO_PORT && p+=" echo-listener"
	port_listening $HTTP_PORT && p+=" http-listener"
	[ -e /proc/ksrv ] && p+=" /proc/ksrv"
	[ -z "$p" ] && return 0
	diag "$1: left behind:$p"
	return 1
}

faults_setup
faults_off
diag "fault attributes: $(cd $DBG && ls -d fail* | tr '\n' ' ')"

# --- (a) insmod under fail-nth --------------------------------------------

# One process does the whole sweep: it arms fail-nth right before each
# finit_module(), so the count starts at the module load itself (not at an
# exec), and undoes each successful load with delete_module().
cat >"$WORK/nth.py" <<'EOF'
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
SYS_finit_module, SYS_delete_module = 313, 176
ko, params = sys.argv[1], sys.argv[2].encode()
ports = [int(p) for p in sys.argv[3].split(',')]
budget, tail, samples = float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
nth = os.open('/proc/self/fail-nth', os.O_RDWR)
t_end = time.monotonic() + budget


def load(n):
    """finit_module with the nth allocation failing: (errno, injected)."""
    fd = os.open(ko, os.O_RDONLY)
    os.pwrite(nth, str(n).encode(), 0)
    rc = libc.syscall(SYS_finit_module, fd, ctypes.c_char_p(params), 0)
    err = ctypes.get_errno() if rc != 0 else 0
    left = int(os.pread(nth, 32, 0))
    os.pwrite(nth, b'0', 0)
    os.close(fd)
    return err, left, left == 0


def loaded():
    with open('/proc/modules') as f:
        return any(l.split()[0] == 'ksrv' for l in f)


def listening(port):
    tail_hex = ':%04X' % port
    for name in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(name) as f:
                for l in f.readlines()[1:]:
                    c = l.split()
                    if c[3] == '0A' and c[1].endswith(tail_hex):
                        return True
        except OSError:
            pass
    return False


def unload():
    dl = time.monotonic() + 30
    while time.monotonic() < dl:
        if libc.syscall(SYS_delete_module, b'ksrv', os.O_NONBLOCK) == 0:
            return True
        time.sleep(0.1)
    return False


def leftovers():
    p = []
    if loaded():
        p.append('module')
    p += ['listener:%d' % x for x in ports if listening(x)]
    if os.path.exists('/proc/ksrv'):
        p.append('/proc/ksrv')
    return p


err, left, _ = load(1000000)
if err or not loaded():
    print('not ok - insmod fail-nth: clean load (errno %d)' % err)
    sys.exit(0)
total = 1000000 - left
print('# a clean load makes %d fault-injectable allocations' % total)
if not all(listening(x) for x in ports[:1]) or not unload():
    print('not ok - insmod fail-nth: clean load listens and unloads')
    sys.exit(0)

# The tail one by one (ksrv's init is the last thing a load runs), then
# a sample of the earlier allocations.
todo = list(range(total + 2, max(0, total - tail), -1))
step = max(1, (total - tail) // max(1, samples))
todo += list(range(total - tail, 0, -step))
tried = failed = done = injected_ok = 0
bad = []
for n in todo:
    if time.monotonic() > t_end:
        print('# time bound: stopped after %d of %d attempts' %
              (tried, len(todo)))
        break
    tried += 1
    err, left, injected = load(n)
    if err:
        failed += 1
        left_over = leftovers()
        if left_over:
            bad.append('N=%d: failed (errno %d) but left %s' %
                       (n, err, ' '.join(left_over)))
            if loaded():
                unload()
        continue
    done += 1
    injected_ok += injected
    if not listening(ports[0]):
        bad.append('N=%d: loaded but not listening (failure injected: %s)'
                   % (n, injected))
    if not unload():
        bad.append('N=%d: delete_module failed' % n)
        break
    left_over = leftovers()
    if left_over:
        bad.append('N=%d: after unload left %s' % (n, ' '.join(left_over)))
    if len(bad) > 5:
        break
print('# insmod fail-nth: %d attempts, %d failed with an error, %d loaded '
      '(%d of them despite an injected failure)' %
      (tried, failed, done, injected_ok))
for b in bad:
    print('# ' + b)
print('%s - insmod fail-nth: every attempt loads or fails cleanly' %
      ('not ok' if bad or not tried else 'ok'))
EOF

# What a load reads -- the module file, and /etc/passwd and /etc/group for
# http_user and http_group -- comes from tmpfs copies (bind mounts in a
# mount namespace of the sweep's own): an allocation failure injected into
# the guest's 9p client in the middle of a request leaves its root file
# system failing every later open with EINVAL, which would end the lane.
part_a() {
	local ports=$ECHO_PORT
	[[ $SERVICES == *http* ]] && ports+=,$HTTP_PORT
	cp "$KSRV_KO" "$WORK/ksrv.ko"
	cp /etc/passwd "$WORK/passwd"
	cp /etc/group "$WORK/group"
	timeout $((A_SECS + 120)) unshare -m sh -c '
		mount --bind "$1/passwd" /etc/passwd &&
		mount --bind "$1/group" /etc/group &&
		shift && exec python3 "$@"' sh "$WORK" "$WORK/nth.py" \
		"$WORK/ksrv.ko" "services=$SERVICES ${PARAMS[*]}" "$ports" \
		"$A_SECS" "$TAIL" "$SAMPLES" 2>&1 | while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done
	# lastpipe: the loop (and its ok/not_ok counting) ran in this shell.
	[ "${PIPESTATUS[0]}" = 0 ] || not_ok "insmod fail-nth: sweep finished"
}

PARTS=${KSRV_FAULTS_PARTS:-a b}
if [[ $PARTS == *a* ]]; then
	part_a
	ksrv_loaded && ksrv_unload 30
	log_check insmod
	diag "insmod part done at $((SECONDS - T0))s"
fi

# --- (b) traffic under failslab -----------------------------------------

# Clients for SECONDS seconds: echo round trips and HTTP GETs. A reply must
# be exact, or the connection closed/reset; a connection left hanging
# longer than the idle timeout plus slack is a failure. Prints a summary
# line "ok=N closed=N refused=N hung=N wrong=N" and exits 1 on hung/wrong,
# 2 when no exchange at all succeeded.
cat >"$WORK/load.py" <<'EOF'
import os, socket, sys, threading, time
secs, eport = float(sys.argv[1]), int(sys.argv[2])
hport = int(sys.argv[3]) if len(sys.argv) > 3 else 0
hello = open(sys.argv[4], 'rb').read() if hport else b''
# idle_timeout (3 s) plus slack, longer on slow kernels (run-suites.sh)
WAIT = 8.0 * max(1.0, float(os.environ.get('KSRV_TIME_SCALE') or 1))
cnt = {'ok': 0, 'closed': 0, 'refused': 0, 'hung': 0, 'wrong': 0}
notes = []
lock = threading.Lock()

def note(k, msg=None):
    with lock:
        cnt[k] += 1
        if msg and len(notes) < 10:
            notes.append(msg)

def read_all(s, dl, want):
    buf = b''
    while len(buf) < want:
        s.settimeout(max(0.01, dl - time.monotonic()))
        d = s.recv(65536)
        if not d:
            break
        buf += d
    return buf

def echo(i):
    data = os.urandom(1 + (i * 7919) % 60000)
    s = socket.create_connection(('127.0.0.1', eport), timeout=WAIT)
    try:
        dl = time.monotonic() + WAIT
        s.sendall(data)
        got = read_all(s, dl, len(data))
        if got == data:
            note('ok')
        elif data.startswith(got):
            note('closed')
        else:
            note('wrong', 'echo: %d bytes differ' % len(got))
    finally:
        s.close()

def http(i):
    s = socket.create_connection(('127.0.0.1', hport), timeout=WAIT)
    try:
        dl = time.monotonic() + WAIT
        s.sendall(b'GET /hello.txt HTTP/1.1\r\nHost: x\r\n'
                  b'Connection: close\r\n\r\n')
        got = read_all(s, dl, 1 << 20)
        head, sep, body = got.partition(b'\r\n\r\n')
        if not sep:
            note('closed')  # nothing or a cut-off header
        elif head.startswith(b'HTTP/1.1 200'):
            if body == hello:
                note('ok')
            elif hello.startswith(body):
                note('closed')  # cut off
            else:
                note('wrong', 'http: 200 with a wrong body')
        elif head.startswith(b'HTTP/1.1 5'):
            note('closed')  # an error answer is fine
        else:
            note('wrong', 'http: %r' % head[:80])
    finally:
        s.close()

def worker(w, end):
    i = w
    while time.monotonic() < end:
        i += 8
        try:
            (http if hport and i % 3 == 0 else echo)(i)
        except socket.timeout:
            note('hung', '%s: no reply and no close after %.0fs' %
                 ('http' if hport and i % 3 == 0 else 'echo', WAIT))
        except ConnectionRefusedError:
            note('refused')
        except OSError:
            note('closed')

end = time.monotonic() + secs
ts = [threading.Thread(target=worker, args=(w, end)) for w in range(8)]
for t in ts:
    t.start()
for t in ts:
    t.join(secs + 3 * WAIT)
print(' '.join('%s=%d' % kv for kv in cnt.items()))
for n in notes:
    print('# ' + n)
if cnt['hung'] or cnt['wrong'] or any(t.is_alive() for t in ts):
    sys.exit(1)
sys.exit(0 if cnt['ok'] else 2)
EOF

# accept_queues: connections waiting in the listeners' accept queues (the
# rx_queue column of a listening socket).
accept_queues() {
	local p out=""
	for p in $ECHO_PORT $HTTP_PORT; do
		out+=" $p:$(awk -v p="$(printf ':%04X' "$p")" '
			$4 == "0A" && substr($2, length($2) - 4) == p {
				split($5, q, ":"); n += ("0x" q[2]) + 0 }
			END { print n + 0 }' /proc/net/tcp /proc/net/tcp6)"
	done
	echo "accept queues${out}"
}

# server_sockets: server-side sockets of the service ports still in
# ESTABLISHED, SYN_RECV or CLOSE_WAIT (the peer is gone: only a socket
# that nobody closes stays there).
server_sockets() {
	awk -v a="$(printf ':%04X' $ECHO_PORT)" -v b="$(printf ':%04X' $HTTP_PORT)" '
		FNR > 1 && ($4 == "01" || $4 == "03" || $4 == "08") {
			p = substr($2, length($2) - 4)
			if (p == a || p == b) n++ }
		END { print n + 0 }' /proc/net/tcp /proc/net/tcp6
}

# stat_sum COLUMN: a /proc/ksrv/stats column summed over the services.
stat_sum() {
	awk -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i }
		NR > 1 && k { n += $k } END { print n + 0 }' /proc/ksrv/stats
}

# released SECONDS: ksrv counts no open connection and holds no socket of
# a finished client any more.
released() {
	local i open
	for ((i = 0; i < $1 * 2; i++)); do
		open=$(stat_sum open)
		[ "$open" = 0 ] && [ "$(server_sockets)" = 0 ] && return 0
		sleep 0.5
	done
	return 1
}

# client_ok: a normal client gets its echo (and HTTP file), retrying a
# few times (connections refused by the limit or reaped are fine).
client_ok() {
	local i
	for i in 1 2 3 4 5; do
		if python3 "$WORK/load.py" 0.1 $ECHO_PORT >/dev/null 2>&1 &&
			{ [[ $SERVICES != *http* ]] ||
				curl -sf -m 10 "http://127.0.0.1:$HTTP_PORT/big.bin" |
				cmp -s - "$WORK/www/big.bin"; }; then
			return 0
		fi
		sleep 1
	done
	return 1
}

# part_b DISPATCH TASKS: one round of traffic under failslab with
# make-it-fail on the tasks whose name matches TASKS.
part_b() {
	local mode=$1 tasks=$2 out rc
	local args=("services=$SERVICES" "${PARAMS[@]}" "dispatch=$mode")

	if ! out=$(ksrv_load "${args[@]}" 2>&1); then
		not_ok "$mode: load"
		diag "$out"
		return
	fi
	wait_port $ECHO_PORT 10 || diag "$mode: echo port not listening"

	fa_set failslab/task-filter Y
	fa_set failslab/probability 15
	flag_only "$tasks"
	# Connection threads come and go, and workers move between
	# workqueues: follow them.
	(
		end=$((SECONDS + B_SECS + 30))
		while [ $SECONDS -lt $end ]; do
			flag_only "$tasks"
			sleep 0.2
		done
	) &
	local flagger=$!
	out=$(timeout $((B_SECS + 60)) python3 "$WORK/load.py" "$B_SECS" \
		$ECHO_PORT $([[ $SERVICES == *http* ]] &&
			echo "$HTTP_PORT $WORK/www/hello.txt") 2>&1)
	rc=$?
	kill "$flagger" 2>/dev/null
	wait "$flagger" 2>/dev/null
	faults_off
	fa_set failslab/task-filter N
	diag "$mode: right after the clients: $(accept_queues);" \
		"stats: $(tail -n +2 /proc/ksrv/stats 2>/dev/null | tr '\n' ';')"
	diag "$mode: clients under failslab: $(echo "$out" | head -n 1)"
	[ "$rc" = 2 ] && diag "$mode: not one exchange succeeded under faults"
	# A client may wait in vain: when the allocation of a FIN or RST
	# fails, TCP drops it and never retries. What ksrv must do is close
	# its side, checked below; the client only must not get wrong data.
	if [ "$rc" = 0 ] || [ "$rc" = 2 ] ||
		{ [ "$rc" = 1 ] && ! grep -q 'wrong=[1-9]' <<<"$out"; }; then
		ok "$mode: replies exact or connection dropped"
	else
		not_ok "$mode: replies exact or connection dropped"
	fi
	printf '%s\n' "$out" | tail -n +2 | sort | uniq -c | head -n 10 | diag
	if released 20; then
		ok "$mode: ksrv releases every connection"
	else
		not_ok "$mode: ksrv releases every connection"
		diag "$mode: $(accept_queues); server sockets: $(server_sockets)"
		diag "stats: $(tail -n +2 /proc/ksrv/stats | tr '\n' ';')"
	fi

	# A connection whose set-up failed is counted and leaves a line.
	local failed
	failed=$(stat_sum failed)
	if [ "$failed" = 0 ] ||
		dmesg | grep -q "connection set-up failed"; then
		ok "$mode: failed set-ups counted and logged ($failed)"
	else
		not_ok "$mode: failed set-ups counted and logged ($failed)"
		diag "stats say $failed failed, the log has no set-up line"
	fi

	if client_ok; then
		ok "$mode: normal clients work after the faults"
	else
		not_ok "$mode: normal clients work after the faults"
	fi
	if out=$(ksrv_unload 30 2>&1) && nothing_left "$mode"; then
		ok "$mode: rmmod after the faults"
	else
		not_ok "$mode: rmmod after the faults"
		diag "$out"
	fi
}

if [[ $PARTS == *b* ]]; then
	part_b workqueue '^kworker/.*\+ksrv$'
	diag "workqueue round done at $((SECONDS - T0))s"
	part_b thread '^(kworker/.*\+ksrv|ksrv/.*)$'
	diag "thread round done at $((SECONDS - T0))s"
	log_check traffic
fi
# One check for both parts (a scan takes long on this kernel).
kmemleak_part all

diag "$NAME took $((SECONDS - T0))s"
finish
