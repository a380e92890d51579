#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - "make bench": the fuller measurement, as ratios within one run.
#
#  1. compare: percpu, ctor and slab at 1 and 2 threads, BENCH_ROUNDS
#     rounds, in one VM with 2 vCPUs;
#  2. sweep: the same strategies at 1 thread in VMs with 2 online CPUs and
#     2, 8, 32 and 128 possible CPUs (QEMU maxcpus), because a percpu
#     allocation zeroes, and mm_init_cid() writes, every possible CPU's copy.
#     "ctor-no-mm_cid" is ctor with the mm-6.2 profile, which has no mm_cid:
#     the difference between it and ctor is the mm_cid reset, the one cost
#     a constructor cannot take off the cycle;
#  3. tracer overhead: percpu and ctor at 2 threads, BENCH_ROUNDS rounds,
#     once plain and once under "compare --trace" (the libbpf tracer of
#     the percpu locks and allocations), in one VM; the ratio is plain
#     throughput over traced throughput.
#
# Results: build/bench/bench.json (schema shadowslab-bench/1: the compare
# result, the sweep's rows, the tracer-overhead runs, and the ratios under
# stable keys), the compare
# table, a sweep table, and build/bench/sweep.svg (ns/cycle against
# possible CPUs, one line per strategy).  Timings come from a TCG guest
# on this machine: compare them as ratios, never across machines.
#
# Environment: BENCH_ROUNDS (default 5), BENCH_DURATION seconds per run
#              (default 1), BENCH_SWEEP (default "2 8 32 128"),
#              VM_OPTS extra scripts/vm-run options
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
shadowctl=$top/build/tools/shadowctl/shadowctl
rounds=${BENCH_ROUNDS:-5}
duration=${BENCH_DURATION:-1}
sweep=${BENCH_SWEEP:-2 8 32 128}
mkdir -p "$out"

# vm COMPARE-OPTS... : run shadowctl compare in a fresh VM (VM options in
# the array vm_opts), with the module loaded.
vm() {
	# shellcheck disable=SC2086,SC2016 # VM_OPTS is a list of options;
	# the inner script expands its arguments in the guest.
	"$top/scripts/vm-run" --quiet "${vm_opts[@]}" ${VM_OPTS:-} -- \
		bash -c 'insmod "$1" && shift && "$@"; rc=$?; rmmod shadowslab; exit $rc' \
		bash "$top/kmod/shadowslab.ko" "$shadowctl" compare "$@"
}

echo "== compare: 1 and 2 threads, $rounds rounds of ${duration}s"
vm_opts=(--cpus 2 --timeout 1800)
vm --rounds "$rounds" --duration "$duration" --json "$out/compare.json" \
	--csv "$out/compare.csv" --plot "$out/compare.svg"

points=()
for possible in $sweep; do
	echo
	echo "== sweep: 2 online CPUs, $possible possible"
	vm_opts=(--cpus 2 --maxcpus "$possible" --timeout 1800)
	vm --threads-list 1 --rounds 2 --duration "$duration" \
		--json "$out/sweep-$possible.json"
	# The same cache without mm_cid: what ctor's growth is made of.
	vm --threads-list 1 --rounds 2 --duration "$duration" \
		--strategies ctor --profile mm-6.2 \
		--json "$out/sweep-$possible-nocid.json"
	jq -n --argjson n "$possible" '
		def slim: {strategy, ns_per_cycle_mean, ns_per_cycle_p50,
			   cycles_per_sec, percpu_allocs_per_cycle};
		input as $main | input as $nocid | {
			possible_cpus: $n,
			rows: ([$main.rows[] | slim] +
			       [$nocid.rows[] | slim | .strategy = "ctor-no-mm_cid"])
		}' "$out/sweep-$possible.json" "$out/sweep-$possible-nocid.json" \
		>"$out/sweep-$possible.point.json"
	points+=("$out/sweep-$possible.point.json")
done

echo
echo "== tracer overhead: percpu and ctor at 2 threads, plain and under --trace"
# shellcheck disable=SC2086,SC2016 # as in vm()
"$top/scripts/vm-run" --quiet --cpus 2 --timeout 1800 ${VM_OPTS:-} -- \
	bash -c 'insmod "$1" || exit; out=$2; shift 2; rc=0
		"$@" --json "$out/trace-off.json" >/dev/null || rc=$?
		"$@" --trace --json "$out/trace-on.json" >/dev/null || rc=$?
		rmmod shadowslab; exit $rc' \
	bash "$top/kmod/shadowslab.ko" "$out" "$shadowctl" compare \
	--strategies percpu,ctor --threads-list 2 --rounds "$rounds" \
	--duration "$duration"
jq -n -r --slurpfile off "$out/trace-off.json" \
	--slurpfile on "$out/trace-on.json" '
	["strategy", "plain cycles/s", "traced cycles/s", "overhead"],
	($off[0].rows[] as $o | $on[0].rows[]
		| select(.strategy == $o.strategy and .threads == $o.threads)
		| [.strategy, ($o.cycles_per_sec | floor),
		   (.cycles_per_sec | floor),
		   "\($o.cycles_per_sec / .cycles_per_sec * 100 | round / 100)x"])
	| @tsv' | column -t -s $'\t'

# One document: the compare result, the sweep, the tracer's overhead, and
# the ratios, among them each strategy's growth in cost from the fewest to
# the most possible CPUs.
jq -n --slurpfile compare "$out/compare.json" \
	--slurpfile trace_off "$out/trace-off.json" \
	--slurpfile trace_on "$out/trace-on.json" '
	[inputs] | sort_by(.possible_cpus) as $points
	| def cost($p; $s): $p.rows[] | select(.strategy == $s)
		| .ns_per_cycle_mean;
	{
		schema: "shadowslab-bench/1",
		compare: $compare[0],
		possible_cpu_sweep: $points,
		tracer_overhead: {plain: $trace_off[0], traced: $trace_on[0]},
		ratios: ($compare[0].ratios + {
			trace_overhead: ([$trace_off[0].rows[] as $o
				| $trace_on[0].rows[]
				| select(.strategy == $o.strategy and
					 .threads == $o.threads)
				| {key: .strategy,
				   value: ($o.cycles_per_sec / .cycles_per_sec)}]
				| from_entries),
			sweep_growth: ([$points[0].rows[].strategy] | map({
				key: .,
				value: (cost($points[-1]; .) / cost($points[0]; .))
			}) | from_entries)
		})
	}' "${points[@]}" >"$out/bench.json"

echo
echo "== sweep: ns per cycle (mean) at 1 thread, by possible CPUs"
jq -r '
	(["possible"] + [.possible_cpu_sweep[0].rows[].strategy] | @tsv),
	(.possible_cpu_sweep[] | [.possible_cpus] +
		[.rows[].ns_per_cycle_mean | floor] | @tsv)
' "$out/bench.json" | column -t -s $'\t'
echo "growth from the fewest to the most possible CPUs:"
jq -r '.ratios.sweep_growth | to_entries[] |
	"  \(.key)\t\(.value * 100 | round / 100)x"' "$out/bench.json" |
	column -t -s $'\t'

if command -v gnuplot >/dev/null; then
	jq -r '.possible_cpu_sweep[] | [.possible_cpus] +
		[.rows[].ns_per_cycle_mean] | @tsv' "$out/bench.json" \
		>"$out/sweep.dat"
	mapfile -t names < <(jq -r '.possible_cpu_sweep[0].rows[].strategy' \
		"$out/bench.json")
	plots=()
	for i in "${!names[@]}"; do
		plots+=("'$out/sweep.dat' using 1:$((i + 2)) with linespoints title '${names[i]}'")
	done
	gnuplot <<EOF
set terminal svg size 800,500 dynamic
set output '$out/sweep.svg'
set title 'shadowslab: cost of one cycle against possible CPUs (1 thread)'
set xlabel 'possible CPUs (QEMU maxcpus)'
set ylabel 'ns per cycle (mean)'
set logscale x 2
set key left top
plot $(IFS=,; echo "${plots[*]}")
EOF
fi

echo
echo "bench: $out/bench.json, tables above, plots $out/compare.svg and $out/sweep.svg"
