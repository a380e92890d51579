#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mem_pressure.sh - a cache full of constructed objects gives its percpu
# memory back under memory pressure, and nobody is OOM-killed for it.
#
# Each round, for both destructor contexts (direct, and
# SHADOWSLAB_CACHE_DEFERRED_DTOR):
#
#  1. a custom cache with 4 x 4096 B percpu regions per object (so that
#     percpu memory is large: 16 kB x possible CPUs per object) is filled
#     with objects worth ~20% of MemTotal, which are then all FREEd: they
#     stay constructed in the cache, holding their percpu memory, and
#     /proc/meminfo Percpu: must have risen by about that much;
#  2. a memory hog (stress_helper hog: mmap and touch, 8 MB steps) takes
#     min(90% of MemTotal, MemAvailable before the cache - 3% of MemTotal
#     (at least 32 MB)): nearly all the cache holds must come back for it;
#     then it exits.  It grows like a workload, not all at once: below
#     twice that margin of MemAvailable, in 1 MB steps, each after it has
#     recovered or stopped rising (up to 2 s).  free_percpu() hands pages
#     back only when the percpu allocator's balance work runs, so reclaim
#     is not credited with the shrinker's pages as it frees them; an
#     instant hog made direct reclaim evict the 9p root's file pages
#     instead, which under TCG meant minutes of thrashing and soft-lockup
#     reports.  It stops early once Percpu: is within half the distance
#     of the baseline that point 3 allows: the pressure has done its work,
#     and more would only press on memory still on its way back (the
#     chunks' vmalloc areas and, under the debug kernel, their KASAN
#     shadow and kmemleak metadata, which come back late: taking all of it
#     once ended in an OOM kill after the fuzzer);
#  3. the hog must exit 0 (not OOM-killed: the kernel log must have no
#     "Out of memory" / "oom-kill" / "invoked oom-killer"), the cache's
#     shrinker must have run (shrinker_scans grew) and released slabs
#     (slabs_released grew, dtor_calls grew), and Percpu: must have fallen
#     below the peak, back near the baseline (within a quarter of the
#     rise + 8 MB: objects left in CPU magazines pin their slabs);
#  4. the cache still works (ALLOC 100, FREE, accounting identities),
#     DESTROY balances, and the module's percpu allocations balance.
#
# Guest: meant for a guest with little memory.  Recommended, on its own:
#   scripts/vm-run --cpus 2 --maxcpus 4 --mem 512M -- \
#       selftests/stress/run_stress.sh mem_pressure.sh
# In a larger guest (run_stress.sh's usual 1G one, check-debug's 4G), a
# ballast first takes all but ~480 MB for the whole test, so that every
# hog stays small: under TCG, zeroing the pages of a hog the size of a 1G
# guest four times took minutes and, on a saturated host, tripped the
# soft-lockup watchdog in clear_page (vCPU starvation).  The ballast is
# the hugetlb pool (vm.nr_hugepages, put back at the end): unreclaimable,
# out of MemAvailable, no page faults; else a process holding touched
# memory.  "MemTotal" below is then the memory left beside the ballast.
#
# Proactive compaction (vm.compaction_proactiveness) is off for the test,
# put back at the end: under TCG on a busy host, kcompactd's proactive pass
# once held a vCPU for 48 s in clear_page_erms (split_map_pages, for the
# pages it migrated), a soft lockup and an RCU stall in a kernel thread the
# test is not about (CI, 2026-12-02).  Compaction on demand still runs.
#
# STRESS_SCALE: rounds per context = round(STRESS_SCALE), at least 1;
# below 0.5 the cache is filled to ~10% of MemTotal instead of ~20%.
# Summary: "# stress-summary: pressure_rounds=N" (rounds that passed).

# The helper's results arrive as variables that hv (stress_lib.sh) sets.
# shellcheck disable=SC2154 source=stress_lib.sh
. "$(dirname "$0")/stress_lib.sh"

marker="shadowslab stress mem_pressure.sh[$$]"
cache_ids=()
ballast_pid=
hugepages_orig=
effective_mb=480
nr_hugepages=/proc/sys/vm/nr_hugepages
proactiveness=/proc/sys/vm/compaction_proactiveness
proactiveness_orig=

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	local id
	if [[ -n $ballast_pid ]]; then
		kill -TERM "$ballast_pid" 2>/dev/null
		wait "$ballast_pid" 2>/dev/null
	fi
	if [[ -n $hugepages_orig ]]; then
		echo "$hugepages_orig" >"$nr_hugepages"
	fi
	if [[ -n $proactiveness_orig ]]; then
		echo "$proactiveness_orig" >"$proactiveness"
	fi
	for id in "${cache_ids[@]}"; do
		"$helper" free "$id" 0 >/dev/null 2>&1
		"$helper" destroy "$id" >/dev/null 2>&1
	done
}
trap cleanup EXIT

if [[ -w $proactiveness ]]; then
	proactiveness_orig=$(<"$proactiveness")
	echo 0 >"$proactiveness" || proactiveness_orig=
fi

ksft_print_header
stress_require_module

per_ctx=$(scaled 1 1)
fill_pct=20
if awk -v s="${STRESS_SCALE:-1}" 'BEGIN { exit !(s < 0.5) }'; then
	fill_pct=10
fi
ksft_set_plan $((2 * per_ctx * 2 + 1))

hv info info || ksft_exit_fail_msg "stress_helper info failed"
balance0=$((info_percpu_allocs - info_percpu_frees))
caches0=$info_caches
total_kb=$(meminfo MemTotal)
avail_kb=$(meminfo MemAvailable)
hugepage_kb=$(meminfo Hugepagesize)
if ((avail_kb > (effective_mb + 160) * 1024)) && [[ -w $nr_hugepages && -n $hugepage_kb ]]; then
	hugepages_orig=$(cat "$nr_hugepages")
	want=$(((avail_kb - effective_mb * 1024) / hugepage_kb))
	echo $((hugepages_orig + want)) >"$nr_hugepages"
	got=$(($(cat "$nr_hugepages") - hugepages_orig))
	ksft_print_msg "ballast: $got of $want huge pages of $hugepage_kb kB in the hugetlb pool (MemTotal $total_kb kB, MemAvailable was $avail_kb kB)"
	total_kb=$((total_kb - got * hugepage_kb))
	avail_kb=$(meminfo MemAvailable)
fi
if ((avail_kb > (effective_mb + 160) * 1024)); then
	ballast_mb=$(((avail_kb / 1024) - effective_mb))
	ballast_out=$(mktemp)
	"$helper" ballast "$ballast_mb" >"$ballast_out" 2>&1 &
	ballast_pid=$!
	for ((i = 0; i < 6000; i++)); do
		grep -q '^ballast_mb=' "$ballast_out" && break
		kill -0 "$ballast_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q '^ballast_mb=' "$ballast_out"; then
		ksft_exit_fail_msg "the ballast did not take $ballast_mb MB: $(cat "$ballast_out")"
	fi
	rm -f "$ballast_out"
	ksft_print_msg "ballast: $ballast_mb MB held for the whole test (MemTotal $total_kb kB, MemAvailable was $avail_kb kB)"
	total_kb=$((total_kb - ballast_mb * 1024))
fi
ksft_print_msg "MemTotal $total_kb kB, $info_possible_cpus possible CPUs, $per_ctx rounds per destructor context, cache filled to ~$fill_pct% of MemTotal"

passed=0

# One round: $1 = direct|deferred, $2 = round number.
pressure_round() {
	local ctx=$1 round=$2 flags=() name id ok=1 n obj_kb want_kb
	local p0 p1 p2 a0 hog_mb margin_kb pace_mb goal_kb hog_out rc log i prev
	local round_ok
	local desc="$ctx destructors, round $round"

	[[ $ctx == deferred ]] && flags=(--deferred)
	name="pressure-$ctx-$round"
	echo "$marker: $desc" >/dev/kmsg
	sync
	echo 1 >/proc/sys/vm/drop_caches
	p0=$(meminfo Percpu)
	a0=$(meminfo MemAvailable)

	if ! hv c create "$name" custom --regions 4096x4 "${flags[@]}"; then
		ksft_test_result_fail "$desc: shrinker gives the percpu memory back to a hog, no OOM"
		ksft_test_result_fail "$desc: the cache works afterwards, DESTROY balance"
		return
	fi
	id=$c_id
	cache_ids+=("$id")

	# ~fill_pct% of MemTotal of percpu memory, in objects.
	obj_kb=$((4 * 4096 * info_possible_cpus / 1024))
	n=$((total_kb * fill_pct / 100 / obj_kb))
	want_kb=$((n * obj_kb))
	hv a alloc "$id" "$n"
	if [[ $a_err != 0 || $a_done != "$n" ]]; then
		ksft_print_msg "ALLOC $n: expected 0 and done $n, got $a_err and done $a_done"
		ok=0
	fi
	hv f free "$id" 0
	if [[ $f_err != 0 || $f_done != "$n" ]]; then
		ksft_print_msg "FREE all: expected 0 and done $n, got $f_err and done $f_done"
		ok=0
	fi
	p1=$(meminfo Percpu)
	hv s1 stats "$id"
	ksft_print_msg "$desc: $n objects ($want_kb kB of percpu memory) constructed and free in the cache: Percpu $p0 -> $p1 kB, $s1_slabs_current slabs"
	if ((p1 - p0 < want_kb / 2)); then
		ksft_print_msg "expected Percpu: to rise by about $want_kb kB, got $((p1 - p0)) kB"
		ok=0
	fi

	# All that was available before the cache but a small margin: the
	# cache must give back nearly everything it holds.  Below pace_mb of
	# MemAvailable the hog grows in paced 1 MB steps (stress_helper hog).
	margin_kb=$((total_kb * 3 / 100))
	((margin_kb < 32768)) && margin_kb=32768
	pace_mb=$((margin_kb * 2 / 1024))
	hog_mb=$(((a0 - margin_kb) / 1024))
	((hog_mb > total_kb * 90 / 100 / 1024)) && hog_mb=$((total_kb * 90 / 100 / 1024))
	ksft_print_msg "hog: $hog_mb MB (MemAvailable was $((a0 / 1024)) MB before the cache, $(($(meminfo MemAvailable) / 1024)) MB now)"
	echo "$marker: $desc: hog" >/dev/kmsg
	# Point 3 wants Percpu within a quarter of the rise + 8 MB of the
	# baseline; the hog presses on until it is within half of that.
	goal_kb=$((p0 + (p1 - p0) / 8 + 4096))
	hog_out=$(timeout -k 10 600 "$helper" hog "$hog_mb" 8 "$pace_mb" "$goal_kb")
	rc=$?
	grep '^#' <<<"$hog_out"
	ksft_print_msg "hog: $(grep -v '^#' <<<"$hog_out")"
	if ((rc != 0)); then
		ksft_print_msg "hog: expected exit 0, got $rc$( ((rc > 128)) && echo " (SIG$(kill -l $((rc - 128))))")"
		ok=0
	fi
	log=$(dmesg_since "$marker: $desc: hog")
	if grep -Eqi 'out of memory|oom-kill|invoked oom-killer' <<<"$log"; then
		ksft_print_msg "the kernel log has an OOM kill:"
		ksft_print_msg "$(grep -Ei -A3 'out of memory|oom-kill|invoked oom-killer' <<<"$log" | head -20)"
		ok=0
	fi

	# Deferred destructors and the percpu allocator's depopulation are
	# asynchronous: wait (bounded) for Percpu: to settle.
	prev=0
	for ((i = 0; i < 100; i++)); do
		p2=$(meminfo Percpu)
		((p2 == prev)) && hv s2 stats "$id" && ((s2_deferred_dtor_pending == 0)) && break
		prev=$p2
		sleep 0.1
	done
	hv s2 stats "$id"
	ksft_print_msg "$desc: after the hog: Percpu $p2 kB (baseline $p0, peak $p1); shrinker_scans $s1_shrinker_scans -> $s2_shrinker_scans, slabs_released $s1_slabs_released -> $s2_slabs_released ($s2_slabs_current left), dtor_calls $s1_dtor_calls -> $s2_dtor_calls, $s2_objs_in_magazines objects in CPU magazines"
	if ((s2_shrinker_scans <= s1_shrinker_scans)); then
		ksft_print_msg "expected the cache's shrinker to run (shrinker_scans to grow)"
		ok=0
	fi
	if ((s2_slabs_released <= s1_slabs_released || s2_dtor_calls <= s1_dtor_calls)); then
		ksft_print_msg "expected slabs released and destructors run"
		ok=0
	fi
	if ((p2 >= p1)); then
		ksft_print_msg "expected Percpu: below its peak $p1 kB, got $p2 kB"
		ok=0
	elif ((p2 - p0 > (p1 - p0) / 4 + 8192)); then
		ksft_print_msg "expected Percpu: back near the baseline $p0 kB (within a quarter of the rise + 8 MB), got $p2 kB"
		ok=0
	fi
	ksft_test_result $((!ok)) "$desc: shrinker gives the percpu memory back to a hog, no OOM"
	round_ok=$ok

	ok=1
	hv a alloc "$id" 100
	if [[ $a_err != 0 || $a_done != 100 ]]; then
		ksft_print_msg "ALLOC 100 after the hog: expected 0 and done 100, got $a_err and done $a_done"
		ok=0
	fi
	hv f free "$id" 0 || ok=0
	hv k check "$id" --held 0 || ok=0
	if hv d destroy "$id"; then
		cache_ids=()
	else
		ok=0
	fi
	ksft_test_result $((!ok)) "$desc: the cache works afterwards, accounting exact, DESTROY balance"
	((ok && round_ok)) && passed=$((passed + 1))
}

for ctx in direct deferred; do
	for ((r = 1; r <= per_ctx; r++)); do
		pressure_round "$ctx" "$r"
	done
done

hv info info
if ((info_percpu_allocs - info_percpu_frees == balance0 && info_caches == caches0)); then
	ksft_test_result_pass "module percpu allocs - frees as before ($balance0), no cache left"
else
	ksft_print_msg "expected percpu_allocs - percpu_frees $balance0 and $caches0 caches, got $((info_percpu_allocs - info_percpu_frees)) and $info_caches caches"
	ksft_test_result_fail "module percpu allocs - frees as before ($balance0), no cache left"
fi

echo "# stress-summary: pressure_rounds=$passed"
ksft_finished
