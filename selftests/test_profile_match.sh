#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_profile_match.sh - the "kernel" profile against the kernel's own
# exec path, on the running kernel (tests.list: loaded):
#
#  1. shadowctl info names the kernel profile the module chose (the row of
#     its version- and config-keyed table, and the regions);
#  2. the module's percpu strategy with that profile makes, per cycle, the
#     allocations the info lists, in size and alignment, as the tracer
#     counts them;
#  3. one exec makes the same percpu allocations, in number, size and
#     alignment, as one such cycle (selftests/profile-match.jq: the tracer
#     over an execbench loop, and over the module's timed phase).  Where
#     the kernel's mm_init() allocates no percpu memory (before 6.2) the
#     profile is a what-if, and the point asserts that exec makes none.
#
# Sizes are compared per CPU, as pcpu_alloc() is asked for them, never as
# the tracepoint's bytes_alloc, which adds memcg's obj_cgroup pointers for
# accounted allocations of tasks in a memcg (exec's, not the module's
# kthreads'): see profile-match.jq.
#
# SHADOWCTL names the binary (default: build/tools/shadowctl/shadowctl).

selftests=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$selftests")
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

shadowctl=${SHADOWCTL:-$top/build/tools/shadowctl/shadowctl}
loop=execbench-loop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -x $shadowctl ]]; then
	ksft_exit_fail_msg "no shadowctl at $shadowctl (make tools)"
fi
if ! command -v jq >/dev/null; then
	ksft_exit_skip "jq is needed"
fi
if [[ ! -e /sys/kernel/btf/vmlinux ]]; then
	ksft_exit_skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
fi
ksft_set_plan 3

# 1: what the module chose.
"$shadowctl" info --json >"$tmp/info.json" 2>"$tmp/err"
ksft_print_msg "$("$shadowctl" info 2>&1 | grep '^kernel profile')"
if jq -e '.kernel_profile.basis != "" and (.kernel_profile.regions | length) > 0' \
	"$tmp/info.json" >/dev/null; then
	ksft_test_result_pass "info names the kernel profile and its regions"
else
	ksft_print_msg "$(cat "$tmp/info.json" "$tmp/err")"
	ksft_test_result_fail "info names the kernel profile and its regions"
fi
what_if=$(jq -r '.kernel_profile.what_if' "$tmp/info.json" 2>/dev/null)

# The exec loop runs from tmpfs, not 9p, so exec itself is what is timed.
# It is next to shadowctl in the build tree, in ../libexec/shadowslab
# installed.
loop_path=$(dirname "$shadowctl")/$loop
[[ -x $loop_path ]] || loop_path=$(dirname "$(dirname "$shadowctl")")/libexec/shadowslab/$loop
cp "$loop_path" "$tmp/$loop"
"$shadowctl" execbench --threads 1 --duration 1 --quiet --trace \
	--target "$tmp/$loop" --json -o "$tmp/exec.json" >"$tmp/exec.out" 2>&1 ||
	ksft_print_msg "execbench --trace failed: $(cat "$tmp/exec.out")"
"$shadowctl" run --trace --json --strategy percpu --profile kernel \
	--threads 1 --duration 1 >"$tmp/run.json" 2>"$tmp/err" ||
	ksft_print_msg "run --trace failed: $(cat "$tmp/err")"
jq -n --slurpfile exec "$tmp/exec.json" --slurpfile run "$tmp/run.json" \
	-f "$selftests/profile-match.jq" >"$tmp/match.json" 2>"$tmp/err" ||
	ksft_print_msg "profile-match.jq: $(cat "$tmp/err")"
ksft_print_msg "per exec ($(jq -r .execs "$tmp/match.json") execs): $(jq -c .exec "$tmp/match.json")"
ksft_print_msg "per cycle ($(jq -r .cycles "$tmp/match.json") cycles): $(jq -c .module "$tmp/match.json")"

# 2: the module makes what the profile says.
if jq -e --slurpfile info "$tmp/info.json" '
	.module == ($info[0].kernel_profile.regions
		| group_by(.size, .align)
		| map({size: .[0].size, align: .[0].align, per: length})
		| sort_by(.size, .align))' "$tmp/match.json" >/dev/null; then
	ksft_test_result_pass "the percpu strategy makes the kernel profile's allocations per cycle"
else
	ksft_test_result_fail "the percpu strategy makes the kernel profile's allocations per cycle"
fi

# 3: and exec makes the same, or, before 6.2, none.
if [[ $what_if == true ]]; then
	jq -e '.exec == [] and .execs > 0' "$tmp/match.json" >/dev/null
	ksft_test_result $? "profile what-if on $(uname -r): exec makes no percpu allocation"
else
	jq -e '.match' "$tmp/match.json" >/dev/null
	ksft_test_result $? "profile_match on $(uname -r): one cycle allocates as one exec"
fi

ksft_finished
