#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotplug.sh - CPUs go offline and online under a run and under concurrent
# ALLOC/FREE, and nothing is lost.
#
# Two phases, one per profile whose counters take different hotplug paths
# on 6.1 (mm-6.6: the module's own counter list and its CPU-dead callback;
# mm-6.4: the kernel's percpu_counter_init() and its callback):
#
#  - a duration-bound ctor RUN (RUN_CHECK on) on every online CPU;
#  - two churners (stress_helper churn) pinned to CPU 0 and to a
#    hotpluggable CPU, ALLOC/FREE on one shared cache, re-pinning after
#    their CPU comes back;
#  - a process creating, filling, emptying and destroying caches in a loop
#    (stress_helper lifecycle): each adds and removes a CPU hotplug
#    instance and drains every CPU at destroy, racing with the hotplug;
#  - meanwhile, while the run lasts (at most round(10 * STRESS_SCALE)
#    rounds per phase; the run lasts round(15 s * STRESS_SCALE), at least
#    4 s, or longer if a quiet round, timed first, says the rounds need
#    it), each round: fill the hotpluggable CPU's magazines
#    of a second, quiet cache (stress_helper magload: ALLOC 20, FREE 20
#    pinned there), offline that CPU, check that its magazines were
#    drained (objs_in_magazines 0, nothing held, every accounting
#    identity exact), and bring it back online.
#
# Then: the run completed with check_failures 0 and exact results, the
# churners saw no error and gave back all they took, the shared cache is
# exact (nothing held, identities), both caches DESTROY with dtor == ctor -
# failures, the module's percpu allocations balance, and every CPU is
# online again (also on failure: an EXIT trap brings them back).
#
# Needs >= 2 online CPUs and a hotpluggable one (cpuN/online, N >= 1):
#   scripts/vm-run --cpus 2 --maxcpus 4 ...   (or --cpus 3)
# otherwise it skips.  Summary: "# stress-summary: hotplug_rounds=N".

# The helper's results arrive as variables that hv (stress_lib.sh) sets.
# shellcheck disable=SC2154 source=stress_lib.sh
. "$(dirname "$0")/stress_lib.sh"

sysdev=/sys/devices/system/cpu
marker="shadowslab stress hotplug.sh[$$]"
pids=()
offlined=()
cache_ids=()

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	local pid cpu id
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	for cpu in "${offlined[@]}"; do
		echo 1 >"$sysdev/cpu$cpu/online" 2>/dev/null
	done
	for id in "${cache_ids[@]}"; do
		"$helper" free "$id" 0 >/dev/null 2>&1
		"$helper" destroy "$id" >/dev/null 2>&1
	done
}
trap cleanup EXIT

# set_online CPU 0|1: write it, retrying a transient EBUSY.
set_online() {
	local cpu=$1 val=$2 i out
	for ((i = 0; i < 10; i++)); do
		if out=$( (echo "$val" >"$sysdev/cpu$cpu/online") 2>&1); then
			if ((val == 0)); then
				offlined+=("$cpu")
			else
				offlined=()
			fi
			return 0
		fi
		sleep 0.2
	done
	ksft_print_msg "echo $val > $sysdev/cpu$cpu/online: $out"
	return 1
}

ksft_print_header
stress_require_module

# No process substitution: the guest may have no /dev/fd.
cpulist=$(awk -F, '{ for (i = 1; i <= NF; i++) { n = split($i, r, "-"); if (n == 1) r[2] = r[1]; for (c = r[1]; c <= r[2]; c++) print c } }' "$sysdev/online")
mapfile -t online <<<"$cpulist"
hotplug=()
for cpu in "${online[@]}"; do
	if ((cpu != 0)) && [[ -w $sysdev/cpu$cpu/online ]]; then
		hotplug+=("$cpu")
	fi
done
if ((${#online[@]} < 2 || ${#hotplug[@]} == 0)); then
	ksft_exit_skip "needs >= 2 online CPUs, one of them hotpluggable (vm-run --cpus 2 --maxcpus 4); online: ${online[*]}"
fi

max_rounds=$(scaled 10 2)
run_ms=$(scaled 15000 4000)
ksft_set_plan 12
hv info info || ksft_exit_fail_msg "stress_helper info failed"
balance0=$((info_percpu_allocs - info_percpu_frees))
ksft_print_msg "online CPUs ${online[*]}, hotpluggable ${hotplug[*]}, $info_possible_cpus possible; up to $max_rounds rounds per phase during a $((run_ms / 1000)) s run"
echo "$marker: begin" >/dev/kmsg

hv sh create hp-shared mm-6.6 || ksft_exit_fail_msg "CREATE hp-shared failed"
shared=$sh_id
cache_ids+=("$shared")
hv mg create hp-mag mm-6.4 || ksft_exit_fail_msg "CREATE hp-mag failed"
mag=$mg_id
cache_ids+=("$mag")

# One quiet round first, timed, so that the runs last long enough for the
# rounds on a slow kernel (the debug kernel is ~50x slower).
ms() {
	echo $(($(date +%s%N) / 1000000))
}
t0=$(ms)
cal_ok=1
hv ml magload "$mag" "${hotplug[0]}" 20 || cal_ok=0
set_online "${hotplug[0]}" 0 || cal_ok=0
hv ck check "$mag" --held 0 --mags 0 || cal_ok=0
set_online "${hotplug[0]}" 1 || cal_ok=0
round_ms=$(($(ms) - t0))
((cal_ok)) || ksft_exit_fail_msg "the calibration round (magload, CPU ${hotplug[0]} offline, check, online) failed"
if ((run_ms < 2 * max_rounds * round_ms + 2000)); then
	run_ms=$((2 * max_rounds * round_ms + 2000))
fi
((run_ms > 600000)) && run_ms=600000
ksft_print_msg "a quiet round takes $round_ms ms: runs of $((run_ms / 1000)) s"

total_rounds=0

# One phase: $1 = profile of the run.
phase() {
	local profile=$1 runpid churn0 churn1 rounds=0 ok=1 cpu rc t0 out
	local runout churnout0 churnout1 life lifeout

	runout=$(mktemp) churnout0=$(mktemp) churnout1=$(mktemp) lifeout=$(mktemp)
	echo "$marker: phase $profile" >/dev/kmsg
	"$helper" churn "$shared" 0 100000000 >"$churnout0" 2>&1 &
	churn0=$!
	"$helper" churn "$shared" "${hotplug[0]}" 100000000 >"$churnout1" 2>&1 &
	churn1=$!
	"$helper" lifecycle 100000000 >"$lifeout" 2>&1 &
	life=$!
	"$helper" run --strategy ctor --profile "$profile" --cpus all \
		--duration-ms "$run_ms" >"$runout" 2>&1 &
	runpid=$!
	pids=("$churn0" "$churn1" "$life" "$runpid")

	if ! out=$("$helper" wait-phase 3 120); then
		ksft_print_msg "the run did not reach its timed phase: $out"
		ok=0
	fi
	t0=$SECONDS
	while ((ok && rounds < max_rounds)) && kill -0 "$runpid" 2>/dev/null; do
		cpu=${hotplug[rounds % ${#hotplug[@]}]}
		if ! hv ml magload "$mag" "$cpu" 20; then
			ok=0
			break
		fi
		if ((ml_objs_in_magazines == 0)); then
			ksft_print_msg "round $rounds: expected objects in CPU $cpu's magazines after ALLOC/FREE there, got none"
			ok=0
		fi
		set_online "$cpu" 0 || { ok=0; break; }
		if ! hv ck check "$mag" --held 0 --mags 0; then
			ksft_print_msg "round $rounds: after CPU $cpu went offline: its magazines not drained, or the accounting is off (above)"
			ok=0
		fi
		set_online "$cpu" 1 || { ok=0; break; }
		rounds=$((rounds + 1))
	done
	ksft_print_msg "$profile: $rounds offline/online rounds in $((SECONDS - t0)) s during the run"
	if ((rounds == 0)); then
		ksft_print_msg "no round completed during the run"
		ok=0
	fi
	ksft_test_result $((!ok)) "$profile run: $rounds CPU offline/online rounds, the offlined CPU's magazines drained, accounting exact"

	wait "$runpid"
	rc=$?
	ksft_print_msg "run: $(grep -v '^#' "$runout")"
	grep '^#' "$runout"
	ksft_test_result $rc "$profile run: completed, check_failures 0, across the hotplug"

	kill -TERM "$churn0" "$churn1" "$life"
	wait "$churn0"
	rc=$?
	wait "$churn1"
	rc=$((rc | $?))
	pids=("$life")
	ksft_print_msg "$(cat "$churnout0" "$churnout1")"
	ksft_test_result $rc "$profile: pinned churners (CPUs 0 and ${hotplug[0]}): no error, everything they took given back"
	wait "$life"
	rc=$?
	pids=()
	ksft_print_msg "$(cat "$lifeout")"
	ksft_test_result $rc "$profile: caches created, filled and destroyed across the hotplug: no error, DESTROY balance"
	rm -f "$runout" "$churnout0" "$churnout1" "$lifeout"
	total_rounds=$((total_rounds + rounds))
	return 0
}

phase mm-6.6
phase mm-6.4

all_online=1
for cpu in "${online[@]}"; do
	[[ $(cat "$sysdev/cpu$cpu/online" 2>/dev/null || echo 1) == 1 ]] || all_online=0
done
ksft_test_result $((!all_online)) "every CPU online again (${online[*]})"

hv ck check "$shared" --held 0
ksft_test_result $? "shared cache after the churn: nothing held, accounting exact"

ok=1
hv d destroy "$shared" || ok=0
hv d2 destroy "$mag" || ok=0
((ok)) && cache_ids=()
ksft_test_result $((!ok)) "both caches DESTROY: dtor_calls == ctor_calls - ctor_failures"

hv info info
if ((info_percpu_allocs - info_percpu_frees == balance0)); then
	ksft_test_result_pass "module percpu allocs - frees as before ($balance0)"
else
	ksft_print_msg "expected percpu_allocs - percpu_frees $balance0, got $((info_percpu_allocs - info_percpu_frees))"
	ksft_test_result_fail "module percpu allocs - frees as before ($balance0)"
fi

echo "# stress-summary: hotplug_rounds=$total_rounds"
ksft_finished
