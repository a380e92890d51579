#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_tracer_crosscheck.sh - the tracer's count of contention on
# pcpu_alloc_mutex against two counters no one here wrote, all three
# watching the same run (tests.list: loaded).
#
#   bpftrace  counts tracepoint:lock:contention_begin on the lock's address;
#     perf stat -a -e lock:contention_begin --filter 'lock_addr == 0x...'
#       shadowctl run --trace --strategy percpu --threads 2 ...
#
# bpftrace runs perf (through -c), perf runs shadowctl, so each window holds
# the next, and the run is the only thing that contends on the mutex in the
# guest.  All three count contention_begin events: the tracer's begin_events
# (over its whole run, not only the timed phase), not its contentions (waits),
# since a mutex on 6.1 fires contention_begin twice when a waiter spins, then
# sleeps.  They must agree within 10%.  With fewer than 200 events the run
# is made longer (up to three times) before comparing.
#
# SHADOWCTL names the binary (default: build/tools/shadowctl/shadowctl).

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

shadowctl=${SHADOWCTL:-$selftests/../build/tools/shadowctl/shadowctl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
min_events=200
tolerance=10	# percent

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -x $shadowctl ]]; then
	ksft_exit_skip "no shadowctl at $shadowctl (make tools)"
fi
for tool in jq bpftrace; do
	if ! command -v $tool >/dev/null; then
		ksft_exit_skip "$tool is needed"
	fi
done
# Debian's /usr/bin/perf is a wrapper that runs perf_<kernel version>.
perf=$(command -v "perf_$(uname -r | cut -d. -f1,2)" || command -v perf)
if [[ -z $perf ]] || ! "$perf" version >/dev/null 2>&1; then
	ksft_exit_skip "no perf for this kernel (linux-perf)"
fi
if [[ ! -e /sys/kernel/btf/vmlinux ]]; then
	ksft_exit_skip "the kernel has no BTF (/sys/kernel/btf/vmlinux), which the tracer needs"
fi
address=$(awk '$3 == "pcpu_alloc_mutex" && $4 == "" { print $1; exit }' /proc/kallsyms)
if [[ -z $address || $address =~ ^0+$ ]]; then
	ksft_exit_skip "pcpu_alloc_mutex's address is not in /proc/kallsyms"
fi
ksft_set_plan 3
ksft_print_msg "pcpu_alloc_mutex at 0x$address; $($perf version)"

# The command bpftrace runs: perf stat around the traced shadowctl run.
cat >"$tmp/perf-run.sh" <<EOF
exec "$perf" stat -a -x, -o "$tmp/perf.csv" \\
	-e lock:contention_begin --filter 'lock_addr == 0x$address' -- \\
	"$shadowctl" run --trace --json --strategy percpu --threads 2 --duration "\$1" >"$tmp/run.json"
EOF

for duration in 3 8 20; do
	bpftrace -e '
		tracepoint:lock:contention_begin
		/(uint64)args->lock_addr == kaddr("pcpu_alloc_mutex")/
		{ @begins = count(); }' \
		-c "/bin/bash $tmp/perf-run.sh $duration" >"$tmp/bpftrace.out" 2>&1
	rc=$?
	# "@begins: N" at exit, or nothing if there was no event.
	bpftrace_count=$(awk '$1 == "@begins:" { n = $2 } END { print n + 0 }' "$tmp/bpftrace.out")
	perf_count=$(awk -F, '$3 ~ /lock:contention_begin/ { print $1 }' "$tmp/perf.csv" 2>/dev/null)
	tracer_count=$(jq -r '.trace_whole_run.locks[] | select(.name == "pcpu_alloc_mutex") | .begin_events' \
		"$tmp/run.json" 2>/dev/null)
	contentions=$(jq -r '.trace_whole_run.locks[] | select(.name == "pcpu_alloc_mutex") | .contentions' \
		"$tmp/run.json" 2>/dev/null)
	cycles=$(jq -r '.total_cycles' "$tmp/run.json" 2>/dev/null)
	ksft_print_msg "run of ${duration}s ($cycles cycles): contention_begin on pcpu_alloc_mutex: tracer $tracer_count (in $contentions waits), perf stat $perf_count, bpftrace $bpftrace_count"
	if ((rc != 0)) || ! [[ $tracer_count =~ ^[0-9]+$ && $perf_count =~ ^[0-9]+$ && $bpftrace_count =~ ^[0-9]+$ ]]; then
		ksft_print_msg "bpftrace exit $rc; output: $(head -c 3000 "$tmp/bpftrace.out"); perf: $(cat "$tmp/perf.csv" 2>/dev/null)"
		ksft_exit_fail_msg "could not count with all three tools"
	fi
	if ((perf_count >= min_events)); then
		break
	fi
done

# within A B: A and B differ by at most tolerance% of the larger.
within() {
	local a=$1 b=$2 big=$(($1 > $2 ? $1 : $2))
	((100 * (a > b ? a - b : b - a) <= tolerance * big))
}

if ((perf_count >= min_events)); then
	ksft_test_result_pass "at least $min_events contention_begin events to compare ($perf_count)"
else
	ksft_test_result_fail "at least $min_events contention_begin events to compare (only $perf_count in a ${duration}s run)"
fi
within "$tracer_count" "$perf_count"
ksft_test_result $? "tracer and perf stat agree within $tolerance% ($tracer_count vs $perf_count)"
within "$tracer_count" "$bpftrace_count"
ksft_test_result $? "tracer and bpftrace agree within $tolerance% ($tracer_count vs $bpftrace_count)"

ksft_finished
