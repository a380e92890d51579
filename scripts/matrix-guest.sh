#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix-guest.sh OUTDIR MODULE - what "make matrix" runs in a guest of
# one kernel (scripts/matrix.sh boots it): every selftest, then the exec
# and module figures, each into OUTDIR:
#
#   selftests.log    selftests/run_tests.sh --module MODULE (TAP 13)
#   info.json        shadowctl info, with the kernel profile chosen
#   exec-1.json      execbench, 1 CPU, untraced: execs per second
#   exec-2.json      execbench, 2 CPUs, untraced
#   exec-trace.json  execbench --trace, 2 CPUs: percpu allocations, bytes
#                    and pcpu_alloc_mutex waits per exec
#   run-trace.json   run --trace, percpu strategy, kernel profile, 1 thread
#   match.json       selftests/profile-match.jq over the last two
#   compare.json     shadowctl compare with its defaults (the ratios)
#
# The exec loop runs from tmpfs so that 9p is not what is timed.
# Environment: MATRIX_DURATION  seconds per execbench and run (default 2)
set -uo pipefail

out=$1 module=$2
top=$(cd "$(dirname "$0")/.." && pwd)
shadowctl=$top/build/tools/shadowctl/shadowctl
duration=${MATRIX_DURATION:-2}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== selftests on $(uname -r)"
"$top/selftests/run_tests.sh" --module "$module" 2>&1 | tee "$out/selftests.log"

echo "== figures on $(uname -r)"
insmod "$module" || exit 1
cp "$top/build/tools/shadowctl/execbench-loop" "$tmp/"
"$shadowctl" info --json >"$out/info.json"
"$shadowctl" info
for cpus in 1 2; do
	"$shadowctl" execbench --threads "$cpus" --duration "$duration" --quiet \
		--target "$tmp/execbench-loop" --json -o "$out/exec-$cpus.json"
done
"$shadowctl" execbench --threads 2 --duration "$duration" --quiet --trace \
	--target "$tmp/execbench-loop" --json -o "$out/exec-trace.json"
"$shadowctl" run --trace --json --strategy percpu --profile kernel \
	--threads 1 --duration "$duration" >"$out/run-trace.json"
jq -n --slurpfile exec "$out/exec-trace.json" --slurpfile run "$out/run-trace.json" \
	-f "$top/selftests/profile-match.jq" | tee "$out/match.json"
"$shadowctl" compare -o "$out/compare.json"
rmmod shadowslab
