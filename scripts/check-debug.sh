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
#   3. in one scripts/vm-run guest of the debug kernel (--modules-dir
#      none; 2 online and 4 possible CPUs), scripts/debug-lane-guest.sh:
#      every selftest (run_tests.sh), the stress suite (run_stress.sh:
#      fuzzing, fault injection with the module's knob, failslab and
#      fail_page_alloc, concurrency, CPU hotplug, memory pressure), both at
#      --scale CHECK_DEBUG_SCALE, then kmemleak scans after the unload
#
# Any kernel report in the guest (lockdep, KASAN, KFENCE, kmemleak,
# WARNING, BUG, hung task...) makes vm-run exit 3 and counts as a failure;
# vm-run prints the report excerpt and the log path.  The kernel log of
# the run, with each test's start marked, is in build/check-debug/vm.log,
# and the time each test took (from those marks) is printed at the end:
# everything is ~50x slower than under the stock kernel.
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
vmlog=$logs/vm.log
scale=${CHECK_DEBUG_SCALE:-0.1}
mkdir -p "$logs"
rm -f "$logs/selftests.log" "$vmlog"

# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"

# The figures the run ends with, from the guest's summary lines and the
# kernel log.
figures() {
	local stress reports leaks
	stress=$(grep -h '^# stress summary:' "$logs/selftests.log" 2>/dev/null | tail -n 1)
	leaks=$(grep -h '^# debug-lane summary:' "$logs/selftests.log" 2>/dev/null | tail -n 1)
	# The guest's whole kernel log follows this marker in vm-run's log; a
	# guest that died before it leaves only the console to count.
	reports=$(awk '/^===== guest dmesg after CMD/ { n = NR } END { print n + 0 }' "$vmlog" 2>/dev/null)
	reports=$(tail -n +"$((reports + 1))" "$vmlog" 2>/dev/null |
		grep -c -E "$("$top/scripts/vm-run" --print-report-regex)")
	echo "stress:   ${stress#\# stress summary: }"
	echo "kmemleak: ${leaks#\# debug-lane summary: }"
	echo "kernel reports found: ${reports:-0} (must be 0)"
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
# shellcheck disable=SC2086 # VM_OPTS is a list of options
run_tap --vm "in the VM" "$logs/selftests.log" \
	"$top/scripts/vm-run" --quiet --kernel "$KERNEL_IMAGE" --modules-dir none \
	--cpus 2 --maxcpus 4 --mem 2G --timeout "${CHECK_DEBUG_TIMEOUT:-5400}" \
	--log "$vmlog" ${VM_OPTS:-} -- \
	"$top/scripts/debug-lane-guest.sh" "$module" "$scale"

# How long each test took in the guest, from the marks run_tests.sh and
# run_stress.sh write to /dev/kmsg ("shadowslab selftests: N/M NAME",
# "shadowslab stress: N/M NAME") and the exit marker.
if [[ -e $vmlog ]]; then
	banner "time per test (guest clock)"
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
	' "$vmlog"
fi

banner "figures"
figures
finish
