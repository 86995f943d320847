# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Host half shared by echo-bench.sh and http-bench.sh: option parsing, the
# guest boot through tests/vm/run.sh and the report. Source it after
# setting BENCH_KIND (echo|http) and BENCH_GUEST (guest script path,
# relative to the project root); then call bench_main "$@".

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/../.." && pwd)

bench_usage() {
	cat <<EOF
usage: tests/bench/$BENCH_KIND-bench.sh [-k KVER] [-m MB] [-n RUNS] [-d SECONDS]
       [-o DIR] [-x] [-h]

Boots one QEMU guest (TCG, 2 CPUs) and runs $BENCH_GUEST in it,
then writes Documentation/bench/$BENCH_KIND.* (data, gnuplot, PNG) and the
"$BENCH_KIND" section of Documentation/benchmarks.md, and prints the tables.

  -k KVER     guest kernel release or series (default 6.12)
  -m MB       guest memory (default 2048)
  -n RUNS     runs per configuration, the median is reported (default 3)
  -d SECONDS  length of one run (default: $BENCH_DEFAULT_SECS)
  -o DIR      results directory (default: a new one under build/bench/)
  -x          do not touch Documentation/; report into the results dir
  -h          this help

QUICK=1 in the environment makes a short smoke run (1 run, 1 s each,
fewer idle connections) that is not good for numbers; combine with -x.
EOF
}

bench_main() {
	local kver=6.12 mem=2048 runs="" secs="" out="" nodoc=0 opt
	while getopts "k:m:n:d:o:xh" opt; do
		case $opt in
		k) kver=$OPTARG ;;
		m) mem=$OPTARG ;;
		n) runs=$OPTARG ;;
		d) secs=$OPTARG ;;
		o) out=$OPTARG ;;
		x) nodoc=1 ;;
		h) bench_usage; exit 0 ;;
		*) bench_usage >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# = 0 ] || { bench_usage >&2; echo "unexpected argument: $1" >&2; exit 2; }
	if [ -n "$runs" ] && ! [[ $runs =~ ^[1-9][0-9]?$ ]]; then
		echo "bad -n $runs (1..99)" >&2; exit 2
	fi
	if [ -n "$secs" ] && ! [[ $secs =~ ^[1-9][0-9]?$ ]]; then
		echo "bad -d $secs (1..99 seconds)" >&2; exit 2
	fi

	# shellcheck source=tests/vm/kernels.sh
	. "$ROOT/tests/vm/kernels.sh"
	local krel
	krel=$(ksrv_kver "$kver") || exit 2
	[ -f "$ROOT/build/$krel/ksrv.ko" ] || {
		echo "no module for $krel: make module KDIR=/usr/src/linux-headers-$krel" >&2
		exit 2
	}
	make -s -C "$ROOT/userspace" >&2 || { echo "userspace build failed" >&2; exit 2; }
	command -v gnuplot >/dev/null ||
		echo "warning: gnuplot missing (apt-get install gnuplot-nox): no plots" >&2

	if [ -z "$out" ]; then
		mkdir -p "$ROOT/build/bench"
		out=$(mktemp -d "$ROOT/build/bench/$BENCH_KIND.XXXXXX") || exit 2
	fi
	mkdir -p "$out" && out=$(cd "$out" && pwd) || exit 2

	local envs=()
	[ -n "$runs" ] && envs+=(-e "BENCH_RUNS=$runs")
	[ -n "$secs" ] && envs+=(-e "BENCH_SECS=$secs")
	# Pass-through knobs for experiments (see the guest script's header).
	local v
	for v in BENCH_CONNS BENCH_SIZE BENCH_IDLE BENCH_SERVERS BENCH_TESTS \
		BENCH_KSRV_ARGS; do
		[ -n "${!v:-}" ] && envs+=(-e "$v=${!v}")
	done

	echo "bench: $BENCH_KIND benchmark on $krel, results in $out" >&2
	# Other work on the host steals time from the emulated CPUs; the
	# report shows how busy the host was.
	{
		echo "host_cpus=$(nproc)"
		echo "module=$(sha256sum "$ROOT/build/$krel/ksrv.ko" | cut -c1-12)"
		echo "git=$(git -C "$ROOT" describe --always --dirty 2>/dev/null)"
		echo "host_mhz=$(awk -F': ' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)"
		echo "host_load_before=$(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$out/host-meta.txt"
	local sampler
	(
		for ((i = 0; i < 120; i++)); do
			cut -d' ' -f1 /proc/loadavg
			sleep 10
		done
	) >"$out/host-load.txt" &
	sampler=$!
	"$ROOT/tests/vm/run.sh" -b -k "$krel" -m "$mem" -c 2 -t 900 -o "$out" -q \
		"${envs[@]}" -- "$BENCH_GUEST"
	local rc=$?
	kill "$sampler" 2>/dev/null
	wait "$sampler" 2>/dev/null
	echo "host_load_after=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/host-meta.txt"
	if [ ! -s "$out/$BENCH_KIND-raw.txt" ]; then
		echo "bench: no results (run.sh exit $rc); see $out/serial.log" >&2
		exit 1
	fi
	[ $rc = 0 ] || echo "bench: WARNING: guest run exit $rc;" \
		"results may be incomplete (see $out)" >&2

	local docargs=(--doc-dir "$ROOT/Documentation")
	[ "$nodoc" = 1 ] && docargs=(--doc-dir "$out/doc")
	# Numbers from a run that broke (a crash, an error, a timeout) must not
	# replace good ones in the documentation.
	if [ $rc != 0 ] && [ "$nodoc" = 0 ]; then
		echo "bench: not updating Documentation/ after a failed run;" \
			"report goes to $out/doc" >&2
		docargs=(--doc-dir "$out/doc")
	fi
	python3 "$BENCH_DIR/report.py" "$BENCH_KIND" "$out" "${docargs[@]}" || exit 1
	return $rc
}
