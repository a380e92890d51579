#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fault_inject.sh - allocation failures, injected, always reach the caller
# and leave the caches exact and leak-free.
#
# (a) The module's own constructor fault knob (CACHE_FAULT; any kernel):
#     for every profile (and a deferred-destructor cache), rounds of a
#     random mode (every-Nth with N from 1 to past objs_per_slab, or a
#     seeded probability from 0 to 1000000 ppm) across many ALLOCs of
#     random sizes (stress_helper fault-stress).  Around each ALLOC, STATS
#     must show at most one fault injected, exactly as many constructor
#     failures, and an error to the caller (ENOMEM, or done < count) if and
#     only if a fault was injected; objs_held and every accounting identity
#     exact after each call; the knob off, ALLOC works; DESTROY balances.
#
# (b) failslab and fail_page_alloc (kernels with CONFIG_FAULT_INJECTION_
#     DEBUG_FS and CONFIG_FAULT_INJECTION_STACKTRACE_FILTER, such as the
#     debug kernel; skipped elsewhere), aimed at the module's own
#     allocation sites only: task-filter Y, /proc/PID/make-it-fail 1 for
#     the calling task only while it is in the ioctl, and the stack-trace
#     filter requiring a return address in the module's core within the
#     first $stack_depth frames above the failure point, so that a failure
#     lands where the module itself calls the allocator, never deep in a
#     kernel function it called (such as kmem_cache_create(), whose 6.1
#     sysfs_slab_add() leaks the kobject's name when its kobject_init_and_add()
#     fails); ignore-gfp-wait N, cache-filter N, ignore-gfp-highmem N,
#     min-order 0, a probability and a bounded "times" (the injected count
#     is what "times" lost).  bpftrace watches the return of
#     should_failslab() and should_fail_alloc_page() throughout (b): a
#     last point checks that every failure they injected was in an
#     allocation the module made itself, its caller's caller at most.
#      - ALLOCs from this task: an error only with a failure injected, only
#        ENOMEM or done < count, objs_held and identities exact;
#        injections that reach no caller (absorbed by kmemleak's and
#        debugobjects' own metadata allocations, which fall back to their
#        pools, or by SLUB's order fallback: under kmemleak, most of them)
#        are counted and printed, not failed; kmemleak or debugobjects
#        disabling themselves for want of memory fails the point, since the
#        rest of the run would lose them;
#      - a deterministic one: fail_page_alloc at 100%, times 1, min-order
#        the cache's slab order: ALLOC on an empty cache must get ENOMEM;
#      - RUN with this task failing (the setup path: caches, kthreads):
#        0 or ENOMEM, the runner idle after, nothing leaked;
#      - RUN whose kthreads ("shadowslab/N", found with pgrep once the run
#        is timed) fail, for the percpu and ctor strategies: ENOMEM (which
#        ends the run) only with a failure injected, else cancelled by
#        SIGINT after 10 s: 0, CANCELLED, consistent results;
#      - afterwards: knobs restored, the caches work, DESTROY balances, the
#        module's percpu allocations balance, the runner is idle.
#     A "page allocation failure" or "percpu: allocation failed" message
#     found in the kernel log is shown with its call trace (run_stress.sh's
#     vm-run then decides whether it is a report).
#
# STRESS_SCALE scales rounds, calls and the injection budget.
# Summary: "# stress-summary: faults_injected=N" (knob + debugfs).

# The helper's results arrive as variables that hv (stress_lib.sh) sets.
# shellcheck disable=SC2154 source=stress_lib.sh
. "$(dirname "$0")/stress_lib.sh"

dbg=/sys/kernel/debug
marker="shadowslab stress fault_inject.sh[$$]"
cache_ids=()
saved=()
faults=0

knobs=(probability interval times space verbose task-filter ignore-gfp-wait
	cache-filter ignore-gfp-highmem min-order stacktrace-depth require-start
	require-end reject-start reject-end)

# How many return addresses the stack-trace filter looks at for the
# module, from the fault-injection hook up.  On the debug kernel the
# module's own calls into the allocator are within 5 (__should_failslab,
# should_failslab, __kmem_cache_alloc_node, kmalloc_trace, the module; or
# should_fail_alloc_page, __alloc_pages, the module), while allocations
# made on its behalf inside the allocator or inside a kernel function it
# calls sit deeper: kmemleak's metadata for the module's kmem_cache_alloc()
# at 6 (..., kmem_cache_alloc, __create_object, kmem_cache_alloc, the
# module), kmem_cache_create()'s kstrdup_const() at 8 or more.
stack_depth=5


save_knobs() {
	local d k
	for d in failslab fail_page_alloc; do
		for k in "${knobs[@]}"; do
			[[ -e $dbg/$d/$k ]] && saved+=("$dbg/$d/$k=$(cat "$dbg/$d/$k")")
		done
	done
}

# shellcheck disable=SC2317  # run by the EXIT trap
restore_knobs() {
	local kv
	# probability first, so nothing is injected while the rest changes.
	for kv in "${saved[@]}"; do
		[[ $kv == */probability=* ]] && echo "${kv#*=}" >"${kv%%=*}"
	done
	for kv in "${saved[@]}"; do
		[[ $kv == */probability=* ]] || echo "${kv#*=}" >"${kv%%=*}" 2>/dev/null
	done
}

# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	local id
	restore_knobs
	for id in "${cache_ids[@]}"; do
		"$helper" fault "$id" 0 0 0 0 >/dev/null 2>&1
		"$helper" free "$id" 0 >/dev/null 2>&1
		"$helper" destroy "$id" >/dev/null 2>&1
	done
}
trap cleanup EXIT

untrack() {
	local id new=()
	for id in "${cache_ids[@]}"; do
		[[ $id == "$1" ]] || new+=("$id")
	done
	cache_ids=("${new[@]}")
}

ksft_print_header
stress_require_module
ksft_set_plan 13

hv info info || ksft_exit_fail_msg "stress_helper info failed"
balance0=$((info_percpu_allocs - info_percpu_frees))
caches0=$info_caches

# ------------------------------------------------------------ (a) knob

rounds=$(scaled 8 2)
calls=$(scaled 25 5)
ksft_print_msg "(a) constructor fault knob: $rounds rounds x $calls ALLOCs per cache"
echo "$marker: (a)" >/dev/kmsg

knob_case() {
	local label=$1 ok=1
	shift
	if ! hv c create "knob-$label" "$@"; then
		ksft_test_result_fail "knob, $label: every fault reaches the caller, accounting exact, DESTROY balance"
		return
	fi
	cache_ids+=("$c_id")
	if hv fs fault-stress "$c_id" "$rounds" "$calls"; then
		ksft_print_msg "$label: $fs_faults_injected faults injected in $fs_allocs ALLOCs ($fs_enomem ENOMEM, $fs_short short), $fs_ctor_failures constructor failures"
	else
		ok=0
	fi
	faults=$((faults + ${fs_faults_injected:-0}))
	if hv d destroy "$c_id"; then
		untrack "$c_id"
	else
		ok=0
	fi
	ksft_test_result $((!ok)) "knob, $label: every fault reaches the caller, accounting exact, DESTROY balance"
}

knob_case mm-6.6 mm-6.6
knob_case mm-6.4 mm-6.4
knob_case mm-6.2 mm-6.2
knob_case tc_action tc_action
knob_case custom-8x64 custom --regions 64x8
knob_case mm-6.6-deferred mm-6.6 --deferred

hv info info
if ((info_percpu_allocs - info_percpu_frees == balance0 && info_caches == caches0)); then
	ksft_test_result_pass "knob: module percpu allocs - frees as before, no cache left"
else
	ksft_print_msg "expected percpu_allocs - percpu_frees $balance0 and $caches0 caches, got $((info_percpu_allocs - info_percpu_frees)) and $info_caches"
	ksft_test_result_fail "knob: module percpu allocs - frees as before, no cache left"
fi

# ----------------------------------------------- (b) failslab, pages

b_points=(
	"failslab + fail_page_alloc: ALLOCs from this task, errors only from injected failures, accounting exact"
	"fail_page_alloc, slab order, times 1: ALLOC on an empty cache gets ENOMEM"
	"failslab + fail_page_alloc: RUN from this task (setup path): 0 or ENOMEM, runner idle"
	"failslab + fail_page_alloc: RUN with its kthreads failing (percpu, ctor): 0 or ENOMEM"
	"after the injections: knobs restored, caches work, DESTROY balance, allocs == frees"
	"every injected failure was in an allocation the module made itself"
)
missing=
for f in $dbg/failslab $dbg/fail_page_alloc /proc/self/make-it-fail \
	$dbg/failslab/require-start; do
	[[ -e $f ]] || missing+=" $f"
done
if [[ -n $missing ]]; then
	for desc in "${b_points[@]}"; do
		ksft_test_result_skip "$desc: no$missing (needs CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS, CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
	done
	echo "# stress-summary: faults_injected=$faults"
	ksft_finished
fi

save_knobs
budget=$(scaled 200 20)

# The module's core (its text, then its data), from /proc/modules.  Bash
# arithmetic wraps at 64 bits and printf %x prints the bits, so kernel
# addresses survive the sum.
read -r mod_size mod_base < <(awk '$1 == "shadowslab" { print $2, $6 }' /proc/modules)
require_start=$mod_base
require_end=$(printf '0x%x' $((mod_base + mod_size)))
ksft_print_msg "failures aimed at the module's own allocation sites: a return address in [$require_start, $require_end) within $stack_depth frames"

# watch_injections: bpftrace, until unwatch_injections, counting the
# kernel stacks above every should_failslab() and should_fail_alloc_page()
# that injected a failure.  (Printing them with the failslab "verbose" knob
# would miss most: allocations with __GFP_NOWARN fail silently.)
watch_injections() {
	watch_out=$(mktemp)
	bpftrace -e 'kretprobe:should_failslab, kretprobe:should_fail_alloc_page
		/retval/ { @[kstack(4)] = count(); }' >"$watch_out" 2>&1 &
	watch_pid=$!
	# Under the debug kernel bpftrace takes a while to attach.
	for _ in $(seq 600); do
		grep -q '^Attaching' "$watch_out" && sleep 1 && return 0
		kill -0 "$watch_pid" 2>/dev/null || break
		sleep 0.5
	done
	ksft_print_msg "bpftrace did not attach: $(cat "$watch_out")"
	return 1
}

# unwatch_injections: stop bpftrace and check what it saw: each stack must
# hold one of the module's functions (shadow*) within its first three
# frames, as the allocator's entry points call it.  Prints the count, and
# every stack that breaks the rule; fails if one did.
unwatch_injections() {
	local verdict
	kill -INT "$watch_pid" 2>/dev/null
	wait "$watch_pid"
	verdict=$(awk '
		/^@\[/ { n = 0; at = 0; blk = ""; next }
		/^ +[^ ]/ { n++; if (!at && $1 ~ /^shadow/) at = n; blk = blk "\n" $0; next }
		/^\]: [0-9]+/ {
			c = substr($0, 4) + 0; seen += c
			if (!at || at > 3) { stray += c; printf "%d of:%s\n", c, blk }
		}
		END { print "seen=" seen + 0 " stray=" stray + 0 }' "$watch_out")
	rm -f "$watch_out"
	ksft_print_msg "$verdict"
	[[ $verdict == *" stray=0" ]]
}

# times_left: the sum of both "times" (they count down per injection).
times_left() {
	echo $(($(cat $dbg/failslab/times) + $(cat $dbg/fail_page_alloc/times)))
}

# arm PROBABILITY TIMES: both knobs aimed at make-it-fail tasks.
arm() {
	local d
	for d in failslab fail_page_alloc; do
		echo 0 >$dbg/$d/probability
		echo Y >$dbg/$d/task-filter
		echo 1 >$dbg/$d/interval
		echo 0 >$dbg/$d/space
		echo "$2" >$dbg/$d/times
		echo N >$dbg/$d/ignore-gfp-wait
		echo 1 >$dbg/$d/verbose
		echo "$stack_depth" >$dbg/$d/stacktrace-depth
		echo "$require_start" >$dbg/$d/require-start
		echo "$require_end" >$dbg/$d/require-end
		echo 0 >$dbg/$d/reject-start
		echo 0 >$dbg/$d/reject-end
	done
	echo N >$dbg/failslab/cache-filter
	echo N >$dbg/fail_page_alloc/ignore-gfp-highmem
	echo 0 >$dbg/fail_page_alloc/min-order
	echo "$1" >$dbg/failslab/probability
	echo "$1" >$dbg/fail_page_alloc/probability
}

disarm() {
	echo 0 >$dbg/failslab/probability
	echo 0 >$dbg/fail_page_alloc/probability
}

# Allocation-failure messages since $1, with their traces.
show_alloc_warnings() {
	local log
	log=$(dmesg_since "$1" | grep -E -A25 'page allocation failure|percpu: allocation failed|kmem_cache_create\(.*\) failed|SLUB: Unable to allocate' | head -80)
	if [[ -n $log ]]; then
		ksft_print_msg "allocation failure messages in the kernel log (shown for the record):"
		ksft_print_msg "$log"
	fi
}

watching=0
if ! command -v bpftrace >/dev/null; then
	ksft_print_msg "no bpftrace: the injected failures' stacks go unchecked"
elif watch_injections; then
	watching=1
fi

# -- b1: ALLOCs from this task
echo "$marker: (b) ALLOC" >/dev/kmsg
ok=1
if hv c create inject-mm mm-6.6; then
	cache_ids+=("$c_id")
	inj=$c_id
	# A low probability and a larger budget, spread over all the calls:
	# under kmemleak most injections land in its metadata allocations.
	arm 2 "$((budget * 10))"
	if hv ia inject-alloc "$inj" "$(scaled 400 40)" 200 $dbg/failslab $dbg/fail_page_alloc; then
		:
	else
		ok=0
	fi
	disarm
	ksft_print_msg "$ia_calls ALLOCs, $ia_injected failures injected (budget $((20 * budget))), $ia_reported ALLOCs reported one ($ia_ctor_failures constructor failures), $ia_absorbed_calls ALLOCs met only absorbed ones"
	if ((ia_injected > ia_reported)); then
		ksft_print_msg "at least $((ia_injected - ia_reported)) injections reached no caller: absorbed by allocations that fall back (kmemleak/debugobjects metadata pools, SLUB's order fallback); counted, not a failure"
	fi
	faults=$((faults + ${ia_injected:-0}))
	hv k check "$inj" --held "${ia_held:-0}" || ok=0
else
	ok=0
fi
show_alloc_warnings "$marker: (b) ALLOC"
if dmesg_since "$marker: (b) ALLOC" | grep -E 'kmemleak: Cannot allocate|Kernel memory leak detector disabled|ODEBUG: Out of memory'; then
	ksft_print_msg "the injections disabled a debug facility (above): the rest of the run loses it"
	ok=0
fi
ksft_test_result $((!ok)) "${b_points[0]}"

# -- b1': one slab page, deterministically
echo "$marker: (b) slab page" >/dev/kmsg
ok=1
if hv c create inject-page mm-6.6; then
	cache_ids+=("$c_id")
	pg=$c_id
	hv s stats "$pg"
	arm 0 1
	echo "$s_slab_order" >$dbg/fail_page_alloc/min-order
	echo 100 >$dbg/fail_page_alloc/probability
	"$helper" inject-alloc "$pg" 1 1 $dbg/fail_page_alloc >/tmp/inject-page.$$ 2>&1
	disarm
	out=$(cat /tmp/inject-page.$$)
	rm -f /tmp/inject-page.$$
	ksft_print_msg "$out"
	# One failure injected, into the slab's page allocation: ENOMEM.
	if ! grep -q 'injected=1 calls=1 reported=1 ' <<<"$out"; then
		ksft_print_msg "expected the one injected page failure to fail the ALLOC (injected=1 reported=1)"
		ok=0
	fi
	faults=$((faults + 1))
	hv s stats "$pg"
	if ((s_slabs_current != 0 || s_ctor_calls != 0)); then
		ksft_print_msg "expected no slab and no constructor call, got $s_slabs_current slabs, $s_ctor_calls ctor calls"
		ok=0
	fi
	hv a alloc "$pg" 10
	[[ $a_err == 0 && $a_done == 10 ]] || { ksft_print_msg "ALLOC 10 afterwards: $a_err, done $a_done"; ok=0; }
else
	ok=0
fi
ksft_test_result $((!ok)) "${b_points[1]}"

# -- b2: RUN from this task
echo "$marker: (b) RUN setup" >/dev/kmsg
ok=1
runs=$(scaled 12 3)
enomem=0
arm 10 "$budget"
t0=$(times_left)
for ((i = 0; i < runs; i++)); do
	strategy=$(echo percpu ctor slab | cut -d' ' -f$((i % 3 + 1)))
	if hv r run --make-it-fail --allow-enomem --strategy "$strategy" --profile mm-6.4 --cycles 50; then
		[[ $r_err == ENOMEM ]] && enomem=$((enomem + 1))
	else
		ksft_print_msg "RUN $strategy with this task failing: expected 0 or ENOMEM and a consistent result, got $r_err"
		ok=0
	fi
done
disarm
injected=$((t0 - $(times_left)))
faults=$((faults + injected))
ksft_print_msg "$runs RUNs, $enomem got ENOMEM, $injected failures injected"
if ((enomem > injected)); then
	ksft_print_msg "expected ENOMEM only from injected failures"
	ok=0
fi
hv w wait-phase 0 30 || ok=0
show_alloc_warnings "$marker: (b) RUN setup"
ksft_test_result $((!ok)) "${b_points[2]}"

# -- b3: RUN with its kthreads failing
echo "$marker: (b) RUN kthreads" >/dev/kmsg
ok=1
for strategy in percpu ctor; do
	arm 10 "$budget"
	t0=$(times_left)
	out=$(mktemp)
	# Until a signal: under TCG, starting the helpers takes a good part
	# of a short run, under the debug kernel all of it.
	"$helper" run --allow-enomem --strategy "$strategy" --profile mm-6.4 \
		--cpus all --until-signal --warmup 0 >"$out" 2>&1 &
	pid=$!
	marked=()
	# The kthreads exist once the run is timed: mark them then (one
	# pgrep, not a fork per /proc entry: the debug kernel is slow).
	"$helper" wait-phase 3 120 >/dev/null
	for p in $(pgrep '^shadowslab/[0-9]+$'); do
		echo 1 2>/dev/null >"/proc/$p/make-it-fail" && marked+=("$p")
	done
	# A failing kthread ends the run (ENOMEM); else cancel it after 10 s.
	deadline=$((SECONDS + 10))
	while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	disarm
	injected=$((t0 - $(times_left)))
	faults=$((faults + injected))
	res=$(grep -v '^#' "$out")
	rm -f "$out"
	ksft_print_msg "$strategy: ${#marked[@]} kthreads marked, $injected failures injected: $res"
	if ((rc != 0)); then
		ksft_print_msg "expected RUN to return 0 or ENOMEM with a consistent result"
		ok=0
	fi
	if [[ $res == *err=ENOMEM* ]] && ((injected == 0)); then
		ksft_print_msg "RUN got ENOMEM with no failure injected"
		ok=0
	fi
	if ((${#marked[@]} == 0)); then
		ksft_print_msg "note: the run's kthreads were not found in /proc in time"
	fi
done
hv w wait-phase 0 30 || ok=0
show_alloc_warnings "$marker: (b) RUN kthreads"
ksft_test_result $((!ok)) "${b_points[3]}"

# -- b4: afterwards
restore_knobs
if ((watching)); then
	unwatch_injections
	injection_sites=$?
fi
ok=1
for id in "${cache_ids[@]}"; do
	hv a alloc "$id" 100
	[[ $a_err == 0 && $a_done == 100 ]] || { ksft_print_msg "cache $id: ALLOC 100: $a_err, done $a_done"; ok=0; }
	hv f free "$id" 0 || ok=0
	hv k check "$id" --held 0 || ok=0
	if hv d destroy "$id"; then
		untrack "$id"
	else
		ok=0
	fi
done
hv info info
if ((info_percpu_allocs - info_percpu_frees != balance0 || info_caches != caches0)); then
	ksft_print_msg "expected percpu_allocs - percpu_frees $balance0 and $caches0 caches, got $((info_percpu_allocs - info_percpu_frees)) and $info_caches"
	ok=0
fi
hv w wait-phase 0 10 || ok=0
ksft_test_result $((!ok)) "${b_points[4]}"

if ((watching)); then
	ksft_test_result "$injection_sites" "${b_points[5]}"
else
	ksft_test_result_skip "${b_points[5]}: bpftrace could not watch them"
fi

echo "# stress-summary: faults_injected=$faults"
ksft_finished
