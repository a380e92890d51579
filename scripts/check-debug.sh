#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-debug.sh - "make check-debug": the selftests under the debug kernel
# (lockdep, KASAN, kmemleak, KFENCE, debugobjects; scripts/debug-kernel.config)
# with the module built CONFIG_SHADOWSLAB_DEBUG=y.
#
#   1. kernel:    scripts/build-debug-kernel.sh (built once per machine,
#                 20-40 min on 2 cores; later runs only print its paths)
#   2. module:    kmod/ and uapi/ are mirrored into build/kmod-debug/ and
#                 built there against the debug tree with
#                 CONFIG_SHADOWSLAB_DEBUG=y W=1, so kmod/shadowslab.ko (for
#                 the stock kernel) is left alone; the result is
#                 build/kmod-debug/kmod/shadowslab.ko
#   3. in two scripts/vm-run guests of the debug kernel at once
#      (--modules-dir none; 2 online and 4 possible CPUs each),
#      scripts/debug-lane-guest.sh: in one, every selftest (run_tests.sh)
#      and the stress suite but the fuzzer and memory pressure
#      (run_stress.sh: fault injection with the module's knob, failslab and
#      fail_page_alloc aimed at the module's own call sites, concurrency,
#      CPU hotplug, destroy races, a large purge), both at --scale
#      CHECK_DEBUG_SCALE; in the other, the fuzzer at its full 100,000
#      rejected calls, then memory pressure; then, in each, kmemleak scans
#      after the unload.  Both halves are mostly one-threaded, so two
#      guests keep both cores busy where one left one idle.
#
# Any kernel report in the guest (lockdep, KASAN, KFENCE, kmemleak,
# WARNING, BUG, hung task...) makes vm-run exit 3 and counts as a failure;
# vm-run prints the report excerpt and the log path.  The kernel log of
# each guest, with each test's start marked, is in
# build/check-debug/vm-{tests,fuzz}.log, and the time each test took (from
# those marks) is printed at the end: everything is ~50x slower than under
# the stock kernel.
#
# It ends with the figures (bad inputs tried, faults injected, hotplug and
# pressure rounds, kernel reports found, which must be 0) and a line that
# counts every test point: "N passed, N failed, N skipped".  The exit
# status is non-zero if anything failed or did not run.
#
# Environment: VM_OPTS             extra scripts/vm-run options
#              CHECK_DEBUG_TIMEOUT  vm-run --timeout (default 5400 s)
#              CHECK_DEBUG_SCALE    the workloads' size (default 0.1)
#              SHADOWSLAB_CACHE     see scripts/build-debug-kernel.sh
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check-debug
out=$top/build/kmod-debug
module=$out/kmod/shadowslab.ko
halves=(tests fuzz)
scale=${CHECK_DEBUG_SCALE:-0.1}
mkdir -p "$logs"
rm -f "$logs"/{tests,fuzz}.log "$logs"/vm-{tests,fuzz}.log "$logs/fuzz.status"

# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"

# The figures the run ends with, from the guests' summary lines and kernel
# logs.
figures() {
	local half stress leaks=() reports=0 n vmlog
	# Each guest's run_stress.sh ends with its own counters: their sums.
	stress=$(for half in "${halves[@]}"; do
		grep -h '^# stress summary:' "$logs/$half.log" 2>/dev/null | tail -n 1
	done | awk '{
		for (i = 4; i <= NF; i++) {
			split($i, kv, "=")
			if (!(kv[1] in sum)) order[++n] = kv[1]
			sum[kv[1]] += kv[2]
		}
	} END { for (i = 1; i <= n; i++) printf "%s%s=%d", (i > 1 ? " " : ""), order[i], sum[order[i]] }')
	for half in "${halves[@]}"; do
		leaks+=("$half: $(grep -h '^# debug-lane summary:' "$logs/$half.log" 2>/dev/null |
			tail -n 1 | sed 's/^# debug-lane summary: //')")
		# The guest's whole kernel log follows this marker in vm-run's
		# log; a guest that died before it leaves only the console.
		vmlog=$logs/vm-$half.log
		n=$(awk '/^===== guest dmesg after CMD/ { n = NR } END { print n + 0 }' "$vmlog" 2>/dev/null)
		n=$(tail -n +"$((n + 1))" "$vmlog" 2>/dev/null |
			grep -c -E "$("$top/scripts/vm-run" --print-report-regex)")
		reports=$((reports + n))
	done
	echo "stress:   ${stress:-no summary} (both guests)"
	echo "kmemleak: ${leaks[*]}"
	echo "kernel reports found: $reports (must be 0)"
}

# ------------------------------------------------------------------ kernel
banner "kernel: scripts/build-debug-kernel.sh"
KERNEL_IMAGE="" KDIR=""
if ! paths=$("$top/scripts/build-debug-kernel.sh"); then
	record kernel 0 1 0 "the debug kernel did not build"
	finish
fi
eval "$paths"
echo "kernel: $KERNEL_IMAGE"
echo "KDIR:   $KDIR"

# ------------------------------------------------------------------ module
banner "module: CONFIG_SHADOWSLAB_DEBUG=y against the debug kernel"
if "$top/scripts/build-kmod-copy.sh" "$KDIR" "$out" "$logs/module-build.log" \
	CONFIG_SHADOWSLAB_DEBUG=y W=1; then
	warnings=$(grep -c -E 'warning:|WARNING:' "$logs/module-build.log")
	if ((warnings)); then
		echo "ok - $module built, with $warnings warnings:"
		grep -E 'warning:|WARNING:' "$logs/module-build.log"
		record module 1 0 0 "$warnings build warnings"
	else
		echo "ok - $module built without warnings"
		record module 1 0 0
	fi
else
	echo "not ok - the module did not build against $KDIR"
	record module 0 1 0 "build failed"
	finish
fi

# ------------------------------------------------ selftests, stress, leaks
banner "selftests and stress: in a VM of $(cat "$KDIR/include/config/kernel.release")"
# On the host: the compiler runs at full speed here, not under TCG.
if ! make -s -C "$top/selftests" >"$logs/selftests-build.log" 2>&1 ||
	! make -s -C "$top/selftests/stress" >>"$logs/selftests-build.log" 2>&1; then
	echo "# building the test programs on the host failed (the guest retries):"
	cat "$logs/selftests-build.log"
fi
# guest HALF: one debug-kernel guest running that half of the lane.
guest() {
	# shellcheck disable=SC2086 # VM_OPTS is a list of options
	"$top/scripts/vm-run" --quiet --kernel "$KERNEL_IMAGE" --modules-dir none \
		--cpus 2 --maxcpus 4 --mem 2G --timeout "${CHECK_DEBUG_TIMEOUT:-5400}" \
		--log "$logs/vm-$1.log" ${VM_OPTS:-} -- \
		"$top/scripts/debug-lane-guest.sh" "$module" "$scale" "$1"
}

# The fuzzer's guest in the background, its output kept for after the
# other's, which streams.
echo "# the fuzzer runs in a second guest meanwhile; its output follows this one's"
fuzz_start=$SECONDS
(
	guest fuzz >"$logs/fuzz.log" 2>&1
	echo "$? $((SECONDS - fuzz_start))" >"$logs/fuzz.status"
) &
fuzz_pid=$!
run_tap --vm "tests" "$logs/tests.log" guest tests
banner "fuzz: in a second VM of the same kernel, at the same time"
wait "$fuzz_pid"
read -r fuzz_rc fuzz_secs <"$logs/fuzz.status" || fuzz_rc=1 fuzz_secs=0
cat "$logs/fuzz.log"
# Its time is its guest's own, not the wait for the other.
part_start=$((SECONDS - fuzz_secs))
record_tap --vm "fuzz" "$logs/fuzz.log" "$fuzz_rc"

# How long each test took in the guest, from the marks run_tests.sh and
# run_stress.sh write to /dev/kmsg ("shadowslab selftests: N/M NAME",
# "shadowslab stress: N/M NAME") and the exit marker.
banner "time per test (guest clock)"
for half in "${halves[@]}"; do
	[[ -e $logs/vm-$half.log ]] || continue
	awk '
	function stamp(line) {
		if (match(line, /^\[ *[0-9]+\.[0-9]+\]/))
			return substr(line, RSTART + 1, RLENGTH - 2) + 0
		return -1
	}
	/^===== guest dmesg after CMD/ { exit }
	/shadowslab (selftests|stress): [0-9]+\/[0-9]+ [^ ]+$/ {
		t = stamp($0)
		if (t < 0) next
		if (name != "") printf "  %-24s %8.1f s\n", name, t - start
		name = $NF; start = t; last = t
		next
	}
	{ t = stamp($0); if (t >= 0) last = t }
	/SHADOWSLAB-VM-EXIT=/ { if (name != "") printf "  %-24s %8.1f s (to the end of the run)\n", name, last - start; name = "" }
	END { if (name != "") printf "  %-24s %8.1f s (unfinished)\n", name, last - start }
	' "$logs/vm-$half.log"
done

banner "figures"
figures
finish
