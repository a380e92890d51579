#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_execbench.sh - shadowctl execbench, the RFC's exec() benchmark, on
# this kernel: a short run on every online CPU counts execs and prints them
# per interval and in JSON; --compare with the module loaded prints the
# module's percpu and slab figures beside exec's; Ctrl-C stops the run with
# exit status 130 and leaves no worker behind; a bad --target is refused;
# --trace shows what this kernel's own exec path does to the percpu
# allocator: almost nothing before 6.2, the mm_struct's allocations after.
#
# run_tests.sh loads the module first (tests.list: loaded).  shadowctl and
# its exec loop program are taken from the tools build (make tools), or from
# $SHADOWCTL; the loop program from where shadowctl looks for it: next to
# it, else in ../libexec/shadowslab (installed).

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

shadowctl=${SHADOWCTL:-$selftests/../build/tools/shadowctl/shadowctl}
loop=execbench-loop
tmp=$(mktemp -d)
bench_pid=

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
		kill -KILL "$bench_pid"
		wait "$bench_pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# The command's output so far, as diagnostics.
show() {
	ksft_print_msg "$(cat "$1")"
}

# No worker, running or zombie, is left (pgrep sees zombies too).
no_workers() {
	local left

	if left=$(pgrep -a -x "$loop"); then
		ksft_print_msg "workers left: $left"
		return 1
	fi
	return 0
}

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -x $shadowctl ]]; then
	ksft_exit_fail_msg "no shadowctl at $shadowctl (build it: make tools)"
fi
loop_path=$(dirname "$shadowctl")/$loop
[[ -x $loop_path ]] || loop_path=$(dirname "$(dirname "$shadowctl")")/libexec/shadowslab/$loop
if [[ ! -x $loop_path ]]; then
	ksft_exit_fail_msg "no $loop next to $shadowctl or in ../libexec/shadowslab (build it: make tools)"
fi
if ! no_workers; then
	ksft_exit_fail_msg "$loop processes were running before the test"
fi
online=$(cat /sys/devices/system/cpu/online)
ksft_print_msg "shadowctl $shadowctl, kernel $(uname -r), online CPUs $online"

ksft_set_plan 14

# 1-3: text, 2 s on every online CPU.
"$shadowctl" execbench --duration 2 >"$tmp/text" 2>&1
rc=$?
show "$tmp/text"
ksft_test_result $((rc != 0)) "execbench --duration 2 exits 0 (got $rc)"

total=$(sed -n 's/^total: \([0-9]*\) execs in .*/\1/p' "$tmp/text")
((${total:-0} > 0))
ksft_test_result $? "execbench counts execs (total ${total:-none})"

lines=$(grep -c -E '^ *[0-9]+\.[0-9]+ s +[0-9.]+ +[0-9.]+$' "$tmp/text")
((lines >= 2))
ksft_test_result $? "execbench prints ops/s per interval ($lines lines, want 2)"

# 4: JSON on stdout, with the documented keys, over every online CPU.
"$shadowctl" execbench --duration 1 --json >"$tmp/json" 2>"$tmp/json.err"
rc=$?
if ((rc == 0)) && jq -e --arg online "$online" '
	.schema == "shadowslab-execbench/1" and .status == "completed" and .total_ops > 0
	and ([keys_unsorted[]] == ["schema", "status", "kernel_release", "target", "cpus",
		"duration_ns", "interval_ns", "elapsed_ns", "total_ops", "ops_per_sec",
		"ops_per_sec_per_cpu", "ns_per_op_per_cpu", "per_cpu", "intervals", "comparison",
		"comparison_note", "environment"])
	and (.per_cpu | length) == (.cpus | length)
	and ([.per_cpu[].ops] | add) == .total_ops
	and ([.intervals[].ops] | add) == .total_ops
	and .comparison == null' "$tmp/json" >/dev/null; then
	ksft_test_result_pass "execbench --json parses, with the documented keys"
else
	show "$tmp/json"
	show "$tmp/json.err"
	ksft_test_result_fail "execbench --json parses, with the documented keys (exit $rc)"
fi

# 5-8: --compare with the module loaded, text plus JSON to a file.
# The percpu strategy runs the kernel profile, which matches exec from 6.2
# on (test_profile_match.sh checks that it does).
release=$(uname -r)
IFS=.- read -r major minor _ <<<"$release"
profile=kernel matching=percpu
if ((major < 6 || (major == 6 && minor < 2))); then
	matching=slab
fi
if [[ ! -e /dev/shadowslab ]]; then
	ksft_print_msg "/dev/shadowslab is missing: is the module loaded?"
fi
"$shadowctl" execbench --duration 1 --quiet --compare -o "$tmp/compare.json" >"$tmp/compare" 2>&1
rc=$?
show "$tmp/compare"
ksft_test_result $((rc != 0)) "execbench --compare exits 0 (got $rc)"

grep -q "^comparison with the module's workload (kernel $release;" "$tmp/compare" &&
	grep -q '^exec() ' "$tmp/compare" &&
	grep -q "^module percpu ($profile)" "$tmp/compare" &&
	grep -q '^module slab' "$tmp/compare" &&
	grep -q '^percpu share of an exec (estimate): -\?[0-9.]*% = ' "$tmp/compare"
ksft_test_result $? "execbench --compare prints exec, percpu ($profile), slab and the estimate"

if [[ $matching == slab ]]; then
	grep -q "this kernel's mm_struct owns no percpu memory" "$tmp/compare"
	ksft_test_result $? "kernel $release: no percpu memory in mm_struct, slab is the match"
else
	grep -q "^module percpu ($profile) \*" "$tmp/compare"
	ksft_test_result $? "kernel $release: percpu ($profile) is the match"
fi

if jq -e --arg profile "$profile" --arg matching "$matching" '
	.comparison.status == "completed" and .comparison.profile == $profile
	and .comparison.matching_strategy == $matching
	and .comparison.percpu.percpu_allocs_per_cycle > 0
	and .comparison.slab.percpu_allocs_per_cycle == 0
	and (.comparison.percpu_share_of_exec_estimate | type) == "number"' \
	"$tmp/compare.json" >/dev/null; then
	ksft_test_result_pass "execbench --compare -o FILE has the comparison"
else
	show "$tmp/compare.json"
	ksft_test_result_fail "execbench --compare -o FILE has the comparison"
fi

# 9-11: SIGINT (Ctrl-C) mid-run.
"$shadowctl" execbench --duration 60 >"$tmp/cancel" 2>&1 &
bench_pid=$!
for _ in $(seq 100); do
	if [[ $(pgrep -c -x "$loop") -gt 0 ]] && grep -q ' s ' "$tmp/cancel"; then
		break
	fi
	sleep 0.1
done
kill -INT "$bench_pid"
wait "$bench_pid"
rc=$?
bench_pid=
show "$tmp/cancel"
ksft_test_result $((rc != 130)) "SIGINT mid-run: exit status 130 (got $rc)"

grep -q '^status: CANCELLED (partial results)' "$tmp/cancel" &&
	grep -q '^total: [1-9][0-9]* execs in ' "$tmp/cancel"
ksft_test_result $? "SIGINT mid-run: the partial total is printed"

shm_left=$(find /dev/shm -maxdepth 1 -name '*execbench*' 2>/dev/null)
no_workers && [[ -z $shm_left ]]
ksft_test_result $? "SIGINT mid-run: no worker process and no shared memory file left"

# 12: a bad target.
"$shadowctl" execbench --target /nonexistent/execbench-loop --duration 1 >"$tmp/bad" 2>&1
rc=$?
if ((rc == 2)) && grep -q '^shadowctl: --target /nonexistent/execbench-loop: No such file or directory$' "$tmp/bad"; then
	ksft_test_result_pass "a bad --target is refused with exit status 2"
else
	show "$tmp/bad"
	ksft_test_result_fail "a bad --target is refused with exit status 2 (got $rc)"
fi

# 13-14: --trace, with the loop program on tmpfs, not 9p: what this
# kernel's exec path allocates.  Before 6.2 the mm_struct owns no percpu
# memory (almost nothing per exec: the trace is system-wide); from 6.2 on
# every exec allocates its counters and mm_cid.
# The tracer needs the kernel's BTF (the debug kernel has none).
if [[ ! -e /sys/kernel/btf/vmlinux ]]; then
	ksft_test_result_skip "execbench --trace: the kernel has no BTF, which the tracer needs"
	ksft_test_result_skip "percpu allocations per exec: no trace without BTF"
	ksft_finished
fi
cp "$loop_path" "$tmp/$loop"
"$shadowctl" execbench --duration 2 --quiet --trace --target "$tmp/$loop" \
	-o "$tmp/trace.json" >"$tmp/trace" 2>&1
rc=$?
if ((rc == 0)) && grep -q '^percpu allocator during the exec loop (system-wide), per exec of [1-9]' "$tmp/trace" &&
	jq -e '.trace.schema == "shadowslab-trace/1" and .trace.window.kind == "exec_loop"
		and .trace_per_exec.execs == .total_ops and .total_ops > 0
		and (.trace.locks | map(.name) | index("pcpu_alloc_mutex")) != null' \
		"$tmp/trace.json" >/dev/null; then
	ksft_test_result_pass "execbench --trace: the trace of the exec loop, per exec and in full"
else
	show "$tmp/trace"
	ksft_test_result_fail "execbench --trace: the trace of the exec loop, per exec and in full (exit $rc)"
fi

per_exec=$(jq -r '.trace_per_exec.percpu_allocs // "none"' "$tmp/trace.json" 2>/dev/null)
if [[ $matching == slab ]]; then
	awk -v v="$per_exec" 'BEGIN { exit !(v != "none" && v < 0.5) }'
	ksft_test_result $? "kernel $release: exec makes almost no percpu allocation ($per_exec per exec, want < 0.5)"
else
	awk -v v="$per_exec" 'BEGIN { exit !(v != "none" && v >= 1) }'
	ksft_test_result $? "kernel $release: every exec allocates percpu memory ($per_exec per exec, want >= 1)"
fi

ksft_finished
