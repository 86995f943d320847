#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Echo benchmark (`make bench`): ksrv in workqueue mode vs ksrv in thread
# mode vs userspace/user-echo-server, measured in one QEMU guest by
# tests/bench/echo-guest.sh; see -h. Writes Documentation/bench/echo.*
# and the "Echo" section of Documentation/benchmarks.md.

set -uo pipefail
BENCH_KIND="echo"
BENCH_GUEST=tests/bench/echo-guest.sh
BENCH_DEFAULT_SECS=3
# shellcheck source=tests/bench/host.sh
. "$(dirname "${BASH_SOURCE[0]}")/host.sh"
bench_main "$@"
