#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# HTTP benchmark (`make bench-http`): ksrv's http service vs nginx vs
# userspace/user-http-server (fixed answer, the ceiling), measured in one
# QEMU guest by tests/bench/http-guest.sh; see -h. Writes
# Documentation/bench/http.* and the "HTTP" section of
# Documentation/benchmarks.md.

set -uo pipefail
BENCH_KIND="http"
BENCH_GUEST=tests/bench/http-guest.sh
BENCH_DEFAULT_SECS=5
# shellcheck source=tests/bench/host.sh
. "$(dirname "${BASH_SOURCE[0]}")/host.sh"
bench_main "$@"
