#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_tracer.sh - shadowctl's percpu lock tracer (tools/tracer) on the
# running kernel, with the module loaded (tests.list: loaded):
#
#  - it sees contention on pcpu_alloc_mutex, and the module's percpu
#    allocations by call site, during a 2-thread percpu run
#    (shadowctl trace -- shadowctl run ...);
#  - run --trace: the timed phase of a percpu run shows about the
#    allocations the module counted itself; that of a ctor run, after its
#    warm-up, none from the module (the warm-up, traced too, has some);
#  - --free-sizes sizes the frees, which are counted without bytes by
#    default;
#  - the waiters' stacks are sampled (1 in 8 past each CPU's first 256
#    waits on a lock, by default), each sampled one counting for the
#    period; with --wait-stack-period 1 every wait has its stack, and
#    --folded writes them for flamegraph.pl, their waits adding up to the
#    lock's total;
#  - a wait whose task slot is not free goes to the fallback hash and is
#    timed all the same (with no slots at all, by a test hook);
#  - -p and --cgroup keep only one process's events, or a cgroup's: during
#    a percpu run, -p of a worker kthread sees the module's allocations and
#    no other allocation, -p of an idle process and --cgroup of an empty
#    cgroup see nothing, --cgroup of the root sees the run;
#  - its errors are clear: a missing lock symbol, a caller without root,
#    hidden kernel addresses, no BTF, and a command that cannot start; and
#    a traced command's exit status is passed on.
#
# SHADOWCTL names the binary (default: build/tools/shadowctl/shadowctl).

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

shadowctl=${SHADOWCTL:-$selftests/../build/tools/shadowctl/shadowctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# jq VALUE FILTER FILE: the filter's value, or "error" if it has none.
value() {
	jq -r "$1 // \"error\"" "$2" 2>/dev/null || echo error
}

# expect_failure NAME STATUS PATTERN -- CMD...: CMD exits with STATUS and
# says PATTERN (grep -E) on stderr.
expect_failure() {
	local name=$1 status=$2 pattern=$3 got

	shift 4
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if ((got == status)) && grep -Eq -- "$pattern" "$tmp/err"; then
		ksft_print_msg "$(head -c 600 "$tmp/err")"
		ksft_test_result_pass "$name"
	else
		ksft_print_msg "exit status $got (want $status), stderr: $(head -c 2000 "$tmp/err")"
		ksft_test_result_fail "$name"
	fi
}

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -x $shadowctl ]]; then
	ksft_exit_skip "no shadowctl at $shadowctl (make tools)"
fi
if ! command -v jq >/dev/null; then
	ksft_exit_skip "jq is needed"
fi
if [[ ! -e /sys/kernel/btf/vmlinux ]]; then
	ksft_exit_skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
fi
ksft_set_plan 20

# ------------------------------------------------ contention, percpu run

"$shadowctl" trace --json --top 3 -o "$tmp/percpu.json" -- \
	"$shadowctl" run --strategy percpu --threads 2 --duration 3 --json \
	>"$tmp/run.json" 2>"$tmp/err"
rc=$?
begins=$(value '.locks[] | select(.name == "pcpu_alloc_mutex") | .begin_events' "$tmp/percpu.json")
contentions=$(value '.locks[] | select(.name == "pcpu_alloc_mutex") | .contentions' "$tmp/percpu.json")
wait_ns=$(value '.locks[] | select(.name == "pcpu_alloc_mutex") | .wait_ns_total' "$tmp/percpu.json")
ksft_print_msg "trace -- run percpu x2: exit $rc; pcpu_alloc_mutex: $begins begins, $contentions contentions, $wait_ns ns waited"
if ((rc == 0)) && [[ $contentions =~ ^[0-9]+$ ]] && ((contentions > 0 && begins >= contentions && wait_ns > 0)); then
	ksft_test_result_pass "trace: contention on pcpu_alloc_mutex during a 2-thread percpu run"
else
	ksft_print_msg "$(cat "$tmp/err")"
	ksft_test_result_fail "trace: contention on pcpu_alloc_mutex during a 2-thread percpu run"
fi

frames=$(value '[.locks[] | select(.name == "pcpu_alloc_mutex") | .stacks[].frames[]] | map(select(test("\\[shadowslab\\]"))) | length' "$tmp/percpu.json")
ksft_print_msg "waiting stacks' frames in shadowslab: $frames; first stack: $(jq -c '.locks[0].stacks[0]' "$tmp/percpu.json" 2>/dev/null)"
if [[ $frames =~ ^[0-9]+$ ]] && ((frames > 0)); then
	ksft_test_result_pass "trace: the waiters' stacks reach the module (module symbols)"
else
	ksft_test_result_fail "trace: the waiters' stacks reach the module (module symbols)"
fi

# Stacks are sampled by default (period 8 past each CPU's first 256 waits
# on a lock).  With none taken always and 1 in 2 sampled, each stack counts
# 2 waits per stack taken; and with 20 waits or more (each sampled or not
# at random: all or none 1 time in 2^20), fewer stacks than waits, not none.
"$shadowctl" trace --wait-stacks-first 0 --wait-stack-period 2 --top 0 --json -o "$tmp/half.json" -- \
	"$shadowctl" run --strategy percpu --threads 2 --duration 1 >/dev/null 2>"$tmp/err"
rc=$?
defaults=$(jq -r '"\(.wait_stacks.period) \(.wait_stacks.always_first)"' "$tmp/percpu.json" 2>/dev/null)
half=$(value '"\(.wait_stacks.period) \(.wait_stacks.always_first) " + (.locks[] | select(.name == "pcpu_alloc_mutex") |
	"\(.contentions) \([.stacks[].count] | add // 0) \([.stacks[].sampled] | add // 0) \([.stacks[] | select(.count != 2 * .sampled)] | length)")' "$tmp/half.json")
read -r period first contentions stack_counts stack_sampled odd_stacks <<<"$half"
ksft_print_msg "default sampling: period, first: $defaults; --wait-stacks-first 0 --wait-stack-period 2: exit $rc; pcpu_alloc_mutex: $contentions contentions, stacks count $stack_counts, sampled $stack_sampled, $odd_stacks not 2 per sample"
if ((rc == 0)) && [[ $defaults == "8 256" && $period == 2 && $first == 0 && $odd_stacks == 0 ]] &&
	[[ $contentions =~ ^[0-9]+$ && $stack_sampled =~ ^[0-9]+$ ]] &&
	((contentions < 20 || (stack_sampled > 0 && stack_sampled < contentions))); then
	ksft_test_result_pass "trace: waiters' stacks sampled (--wait-stack-period, --wait-stacks-first), each counted for the period"
else
	ksft_print_msg "$(head -c 2000 "$tmp/err")"
	ksft_test_result_fail "trace: waiters' stacks sampled (--wait-stack-period, --wait-stacks-first), each counted for the period"
fi

module_allocs=$(value '.percpu.by_module.shadowslab.allocs' "$tmp/percpu.json")
module_frees=$(value '.percpu.by_module.shadowslab.frees' "$tmp/percpu.json")
own_allocs=$(jq -r '.percpu_allocs + .warmup_percpu_allocs' "$tmp/run.json" 2>/dev/null)
own_frees=$(jq -r '.percpu_frees + .warmup_percpu_frees' "$tmp/run.json" 2>/dev/null)
# The kernel skips an event whose program is already running on the CPU
# (a task preempted inside it, on a preemptible kernel), and says so:
# every allocation and free of the module's is counted or reported missed.
missed_allocs=$(value '.lost.missed_allocs' "$tmp/percpu.json")
missed_frees=$(value '.lost.missed_frees' "$tmp/percpu.json")
site=$(value '.percpu.alloc_sites[0].call_site' "$tmp/percpu.json")
free_site=$(value '.percpu.free_sites[0].call_site' "$tmp/percpu.json")
ksft_print_msg "from shadowslab call sites: $module_allocs allocs, $module_frees frees (the module counted $own_allocs, $own_frees; the kernel skipped $missed_allocs allocs, $missed_frees frees of anyone's); top sites: $site, $free_site"
ksft_print_msg "warnings: $(jq -c .warnings "$tmp/percpu.json" 2>/dev/null); not recorded in full: $(jq -c .lost "$tmp/percpu.json" 2>/dev/null)"
if [[ $module_allocs =~ ^[0-9]+$ && $own_allocs =~ ^[0-9]+$ && $module_frees =~ ^[0-9]+$ && $own_frees =~ ^[0-9]+$ ]] &&
	[[ $missed_allocs =~ ^[0-9]+$ && $missed_frees =~ ^[0-9]+$ ]] &&
	((module_allocs + missed_allocs >= own_allocs && module_allocs > 0 && module_frees + missed_frees >= own_frees)) &&
	[[ $site == *"[shadowslab]" && $free_site == *"[shadowslab]" ]] &&
	[[ $(jq '.warnings | length' "$tmp/percpu.json" 2>/dev/null) == 0 ]]; then
	ksft_test_result_pass "trace: percpu allocations and frees by call site, the module's own among them"
else
	ksft_test_result_fail "trace: percpu allocations and frees by call site, the module's own among them"
fi

status=$(value '.command.status' "$tmp/percpu.json")
if [[ $status == 0 && $(value '.window.kind' "$tmp/percpu.json") == command ]]; then
	ksft_test_result_pass "trace: reports the command and its exit status"
else
	ksft_test_result_fail "trace: reports the command and its exit status"
fi

# Frees are counted without bytes unless --free-sizes: then every free of
# the module's, whose allocation the trace saw, is sized from it.
"$shadowctl" trace --free-sizes --json -o "$tmp/sized.json" -- \
	"$shadowctl" run --strategy percpu --threads 1 --duration 300ms --json \
	>"$tmp/sized-run.json" 2>"$tmp/err"
rc=$?
sized=$(value '.percpu.by_module.shadowslab | "\(.frees) \(.free_bytes) \(.alloc_bytes)"' "$tmp/sized.json")
read -r sized_frees sized_bytes sized_alloc_bytes <<<"$sized"
# (value would read false as missing)
frees_sized() { jq -r '.percpu.frees_sized' "$1" 2>/dev/null || echo error; }
ksft_print_msg "trace --free-sizes -- run percpu: exit $rc; shadowslab frees, free bytes, alloc bytes: $sized; frees_sized $(frees_sized "$tmp/sized.json"), without the option $(frees_sized "$tmp/percpu.json")"
if ((rc == 0)) && [[ $(frees_sized "$tmp/sized.json") == true && $(frees_sized "$tmp/percpu.json") == false &&
	$sized_frees =~ ^[0-9]+$ && $sized_bytes =~ ^[0-9]+$ && $sized_alloc_bytes =~ ^[0-9]+$ ]] &&
	((sized_frees > 0 && sized_bytes > 0 && sized_bytes <= sized_alloc_bytes)); then
	ksft_test_result_pass "trace --free-sizes: frees sized from their allocations; not without it"
else
	ksft_print_msg "$(head -c 2000 "$tmp/err")"
	ksft_test_result_fail "trace --free-sizes: frees sized from their allocations; not without it"
fi

# With every wait's stack, the stacks' counts are the lock's contentions
# and each was taken; every folded line is "pcpu_alloc_mutex;outermost;...;
# innermost NS", and together they hold every timed wait on the lock (lost
# stacks fold to the lock alone; printf, as mawk prints a sum past 2^31 as
# 2.2e+09).
"$shadowctl" trace --wait-stack-period 1 --top 0 --json -o "$tmp/every.json" --folded "$tmp/waits.folded" -- \
	"$shadowctl" run --strategy percpu --threads 2 --duration 1 >/dev/null 2>"$tmp/err"
rc=$?
every=$(value '.locks[] | select(.name == "pcpu_alloc_mutex") |
	"\(.contentions) \([.stacks[].count] | add) \([.stacks[].sampled] | add) \(.wait_ns_total)"' "$tmp/every.json")
read -r contentions stack_counts stack_sampled wait_ns <<<"$every"
folded_ns=$(awk '$1 ~ /^pcpu_alloc_mutex(;|$)/ { sum += $NF } END { printf "%.0f\n", sum }' "$tmp/waits.folded" 2>/dev/null)
bad_lines=$(grep -Evc '^[^; ]+(;[^; ]+)* [0-9]+$' "$tmp/waits.folded" 2>/dev/null)
ksft_print_msg "--wait-stack-period 1: exit $rc; pcpu_alloc_mutex: $contentions contentions, stacks count $stack_counts, sampled $stack_sampled; folded: $(wc -l <"$tmp/waits.folded" 2>/dev/null) lines, $bad_lines malformed, $folded_ns ns (the report: $wait_ns ns); first: $(head -n 1 "$tmp/waits.folded" 2>/dev/null | cut -c 1-300)"
if ((rc == 0)) && [[ $contentions =~ ^[0-9]+$ ]] && ((contentions > 0)) &&
	[[ $stack_counts == "$contentions" && $stack_sampled == "$contentions" ]] &&
	[[ -s $tmp/waits.folded && $bad_lines == 0 && $folded_ns == "$wait_ns" ]] &&
	grep -q '^pcpu_alloc_mutex;.*shadow' "$tmp/waits.folded"; then
	ksft_test_result_pass "trace --wait-stack-period 1 --folded: every wait's stack, for flamegraph.pl, adding up to the lock's total"
else
	ksft_print_msg "$(head -c 2000 "$tmp/err")"
	ksft_test_result_fail "trace --wait-stack-period 1 --folded: every wait's stack, for flamegraph.pl, adding up to the lock's total"
fi

# The waits in progress are kept in a slot per task and lock, and a wait
# whose slot another task holds goes to a hash instead.  With no slots
# (SHADOWCTL_TRACE_WAIT_SLOTS=0, a test hook) every wait goes there: every
# timed wait was hashed (a wait still in progress at the end is hashed and
# not yet timed), none was lost, and an end without its begin comes only
# from a begin the kernel skipped (lost.missed_waits).
SHADOWCTL_TRACE_WAIT_SLOTS=0 "$shadowctl" trace --json -o "$tmp/hashed.json" -- \
	"$shadowctl" run --strategy percpu --threads 2 --duration 1 >/dev/null 2>"$tmp/err"
rc=$?
hashed=$(value '"\(.lost.pending) \(.lost.unmatched_ends) \(.lost.missed_waits) " +
	(.locks[] | select(.name == "pcpu_alloc_mutex") | "\(.contentions) \(.hashed)")' "$tmp/hashed.json")
read -r lost_pending unmatched missed_waits contentions mutex_hashed <<<"$hashed"
ksft_print_msg "SHADOWCTL_TRACE_WAIT_SLOTS=0: exit $rc; pcpu_alloc_mutex: $contentions contentions, $mutex_hashed hashed; lost $lost_pending, unmatched ends $unmatched, lock events the kernel skipped $missed_waits; with the slots (above): $(value '[.locks[].hashed] | add' "$tmp/percpu.json") hashed"
if ((rc == 0)) && [[ $contentions =~ ^[0-9]+$ && $mutex_hashed =~ ^[0-9]+$ && $lost_pending == 0 ]] &&
	[[ $unmatched =~ ^[0-9]+$ && $missed_waits =~ ^[0-9]+$ ]] &&
	((contentions > 0 && mutex_hashed >= contentions && unmatched <= missed_waits)); then
	ksft_test_result_pass "trace: with no task slots (SHADOWCTL_TRACE_WAIT_SLOTS=0) every wait goes to the hash and is timed"
else
	ksft_print_msg "$(head -c 2000 "$tmp/err")"
	ksft_test_result_fail "trace: with no task slots (SHADOWCTL_TRACE_WAIT_SLOTS=0) every wait goes to the hash and is timed"
fi

# ----------------------------------------------------------------- filters

# filtered_trace NAME FILTER...: a one-second trace under FILTER into
# $tmp/NAME.json, while the background percpu run goes on.
filtered_trace() {
	local name=$1

	shift
	"$shadowctl" trace --json -o "$tmp/$name.json" "$@" --duration 1 >/dev/null 2>"$tmp/$name.err"
}

# A long percpu run, cancelled once the filtered traces are done; its
# workers are kthreads named shadowslab/CPU.
"$shadowctl" run --strategy percpu --threads 2 --duration 600 >/dev/null 2>&1 &
run_pid=$!
worker=
for ((i = 0; i < 600; i++)); do
	worker=$(pgrep -x 'shadowslab/[0-9]+' 2>/dev/null | head -n 1)
	[[ -n $worker ]] && break
	sleep 0.1
done
sleep 600 &
idle_pid=$!
cgroup=/sys/fs/cgroup/shadowslab-test-tracer-$$
mkdir -p "$cgroup" 2>/dev/null
filtered_trace worker -p "${worker:-1}"
filtered_trace idle -p "$idle_pid"
filtered_trace empty_cgroup --cgroup "$cgroup"
filtered_trace root_cgroup --cgroup /sys/fs/cgroup
run_alive=0
kill -0 "$run_pid" 2>/dev/null && run_alive=1
kill -INT "$run_pid" 2>/dev/null
kill "$idle_pid" 2>/dev/null
wait "$run_pid" "$idle_pid" 2>/dev/null
rmdir "$cgroup" 2>/dev/null
ksft_print_msg "filters: worker kthread ${worker:-not found}, idle pid $idle_pid, cgroup $cgroup; the run was still going after them: $run_alive"

allocs() { value '.percpu.allocs' "$tmp/$1.json"; }
events() { value '.percpu.allocs + .percpu.frees + ([.locks[].begin_events] | add)' "$tmp/$1.json"; }
# Allocations only: an RCU callback that frees percpu memory may run in
# softirq on whichever task it interrupted, the worker included, and an
# event belongs to the task it runs on (7.3's sched_cache_group_free_rcu()
# was seen so).
modules=$(value '[.percpu.by_module | to_entries[] | select(.value.allocs > 0) | .key] | join(",")' "$tmp/worker.json")
ksft_print_msg "-p worker: $(allocs worker) allocs, $(value '.percpu.frees' "$tmp/worker.json") frees, by module: $(value '.percpu.by_module | map_values({allocs, frees})' "$tmp/worker.json" | tr -d ' \n'); $(head -c 300 "$tmp/worker.err")"
if ((run_alive)) && [[ $(allocs worker) =~ ^[0-9]+$ && $modules == shadowslab ]] && (($(allocs worker) > 0)); then
	ksft_test_result_pass "trace -p: a worker kthread's events, the module's allocations and no other"
else
	ksft_test_result_fail "trace -p: a worker kthread's events, the module's allocations and no other"
fi
ksft_print_msg "-p idle: $(events idle) events; $(head -c 300 "$tmp/idle.err")"
if ((run_alive)) && [[ $(events idle) == 0 ]]; then
	ksft_test_result_pass "trace -p: an idle process's trace has no event during the run"
else
	ksft_test_result_fail "trace -p: an idle process's trace has no event during the run"
fi
ksft_print_msg "--cgroup: empty $(events empty_cgroup) events, root $(allocs root_cgroup) allocs; $(head -c 300 "$tmp/empty_cgroup.err" "$tmp/root_cgroup.err")"
if ((run_alive)) && [[ $(events empty_cgroup) == 0 && $(allocs root_cgroup) =~ ^[0-9]+$ ]] &&
	(($(allocs root_cgroup) > 0)); then
	ksft_test_result_pass "trace --cgroup: an empty cgroup sees nothing, the root cgroup sees the run"
else
	ksft_test_result_fail "trace --cgroup: an empty cgroup sees nothing, the root cgroup sees the run"
fi

# ----------------------------------------------------- run --trace phases

"$shadowctl" run --trace --json --strategy percpu --threads 2 --duration 2 >"$tmp/rt.json" 2>"$tmp/err"
rc=$?
own=$(value '.percpu_allocs' "$tmp/rt.json")
seen=$(value '.trace.percpu.by_module.shadowslab.allocs' "$tmp/rt.json")
ksft_print_msg "run --trace percpu x2: exit $rc; timed phase allocs: module $own, tracer $seen"
# The tracer's timed segment is the timed phase less about a millisecond
# at either edge (tools/shadowctl/trace/traced_run.hpp): it may miss a
# little, never add.
if ((rc == 0)) && [[ $own =~ ^[0-9]+$ && $seen =~ ^[0-9]+$ ]] && ((own > 0 && seen <= own && seen * 100 >= own * 90)); then
	ksft_test_result_pass "run --trace: the timed phase's allocations agree with the module's count"
else
	ksft_print_msg "$(cat "$tmp/err")"
	ksft_test_result_fail "run --trace: the timed phase's allocations agree with the module's count"
fi

"$shadowctl" run --trace --json --strategy ctor --threads 2 --duration 2 >"$tmp/ctor.json" 2>"$tmp/err"
rc=$?
timed=$(jq -r '.trace.percpu.by_module.shadowslab.allocs // 0' "$tmp/ctor.json" 2>/dev/null)
whole=$(jq -r '.trace_whole_run.percpu.by_module.shadowslab.allocs // 0' "$tmp/ctor.json" 2>/dev/null)
own=$(value '.percpu_allocs' "$tmp/ctor.json")
warm=$(value '.warmup_percpu_allocs' "$tmp/ctor.json")
ksft_print_msg "run --trace ctor x2: exit $rc; shadowslab allocs: timed $timed (module: $own), whole run $whole (module's warm-up: $warm)"
if ((rc == 0)) && [[ $timed == 0 && $own == 0 ]]; then
	ksft_test_result_pass "run --trace: no percpu allocation from the module in a ctor run's timed phase"
else
	ksft_print_msg "$(cat "$tmp/err"; jq -c '.trace.percpu.alloc_sites' "$tmp/ctor.json" 2>/dev/null)"
	ksft_test_result_fail "run --trace: no percpu allocation from the module in a ctor run's timed phase"
fi
if [[ $whole =~ ^[0-9]+$ && $warm =~ ^[0-9]+$ ]] && ((whole >= warm && warm > 0)); then
	ksft_test_result_pass "run --trace: the ctor run's warm-up allocations are seen, outside the timed phase"
else
	ksft_test_result_fail "run --trace: the ctor run's warm-up allocations are seen, outside the timed phase"
fi

# ------------------------------------------------------------------ errors

expect_failure "error: a lock symbol that is not in /proc/kallsyms" 1 \
	"lock symbol 'no_such_lock_xyz' is not in /proc/kallsyms.*CONFIG_KALLSYMS_ALL" -- \
	"$shadowctl" trace --lock-symbol no_such_lock_xyz --duration 1

expect_failure "error: not root (uid 65534)" 1 \
	"^shadowctl: load the tracer's BPF programs: Operation not permitted; tracing needs root, or CAP_BPF and CAP_PERFMON" -- \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$shadowctl" trace --duration 1

sed 's/^[0-9a-f]*/0000000000000000/' /proc/kallsyms >"$tmp/kallsyms-hidden"
expect_failure "error: kernel addresses hidden (kptr_restrict)" 1 \
	"lists every kernel address as 0: the kernel hides them.*kptr_restrict" -- \
	env SHADOWCTL_KALLSYMS="$tmp/kallsyms-hidden" "$shadowctl" trace --duration 1

expect_failure "error: no kernel BTF" 1 "^shadowctl: no kernel BTF at /nonexistent/btf.*CONFIG_DEBUG_INFO_BTF" -- \
	env SHADOWCTL_BTF=/nonexistent/btf "$shadowctl" trace --duration 1

expect_failure "error: a command that cannot be started exits 127" 127 \
	"^shadowctl: cannot run '/nonexistent': No such file or directory" -- \
	"$shadowctl" trace -- /nonexistent

"$shadowctl" trace --json -o "$tmp/exit3.json" -- sh -c 'exit 3' 2>"$tmp/err"
rc=$?
if ((rc == 3)) && [[ $(value '.command.status' "$tmp/exit3.json") == 3 ]]; then
	ksft_test_result_pass "trace: exits with the traced command's status (3)"
else
	ksft_print_msg "exit status $rc; $(cat "$tmp/err")"
	ksft_test_result_fail "trace: exits with the traced command's status (3)"
fi

ksft_finished
