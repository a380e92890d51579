#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - everything "make check" runs after the build, and the one
# count of it all.  The Makefile has already installed the packages and
# built the module (for the VM's kernel) and the tools.
#
#   1. static: the module builds without warnings at W=1; checkpatch.pl
#      is clean over the kernel C
#   2. unit:   the tools' GoogleTest suite, through ctest, on the host
#   3. vm-harness: the VM runner's own test (a kernel warning fails a run)
#   4. selftests: every selftest in one guest of Debian's stock kernel,
#      with possible CPUs > online CPUs so CPU hotplug paths are reachable
#   5. stress: selftests/stress/run_stress.sh in a guest of the same
#      kernel with 1 GiB of memory: 100,000 fuzzed ioctls, concurrency,
#      CPU hotplug, fault injection, memory pressure
#   6. rt: scripts/check-rt.sh, every selftest under Debian's PREEMPT_RT
#      kernel (linux-image-rt-amd64) with the module built for it
#
# Each part's output goes to the terminal and to build/check/PART.log.  The
# last line counts every test point of every part: "N passed, N failed",
# then ", N skipped".  A part that did not run, or whose runner failed
# without a count (a kernel report, a timeout, a crash), adds a failure,
# so the exit status is non-zero if anything failed or did not run.
#
# Environment: VM_OPTS  extra scripts/vm-run options for the selftests
#              CHECK_PARTS  a subset to run, e.g. "unit selftests"
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check
mkdir -p "$logs"
parts=${CHECK_PARTS:-static unit vm-harness selftests stress rt}

# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"

run_static() {
	local p=0 f=0 warnings
	banner "static: W=1 build, checkpatch"
	# From clean, so that an up-to-date build cannot hide a warning; with
	# the debug option first, so its code is checked too, and the build
	# the selftests load comes last.
	{
		make -s -C "$top" vm-kmod-clean &&
			make -s -C "$top" vm-kmod CONFIG_SHADOWSLAB_DEBUG=y &&
			make -s -C "$top" vm-kmod-clean &&
			make -s -C "$top" vm-kmod
	} >"$logs/static-build.log" 2>&1
	warnings=$(grep -c -E 'warning:|error:' "$logs/static-build.log")
	if ((warnings == 0)); then
		echo "ok - the module builds without warnings at W=1, with and without CONFIG_SHADOWSLAB_DEBUG"; p=$((p + 1))
	else
		echo "not ok - the module build printed $warnings warnings:"
		grep -E 'warning:|error:' "$logs/static-build.log"
		f=$((f + 1))
	fi
	if "$top/scripts/checkpatch.sh" >"$logs/checkpatch.log" 2>&1; then
		echo "ok - checkpatch.pl is clean"; p=$((p + 1))
	else
		echo "not ok - checkpatch.pl:"; cat "$logs/checkpatch.log"
		f=$((f + 1))
	fi
	record static "$p" "$f" 0
}

run_unit() {
	local out total failed
	banner "unit: ctest"
	ctest --test-dir "$top/build/tools" --output-on-failure 2>&1 |
		tee "$logs/unit.log"
	out=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' \
		"$logs/unit.log" | tail -n 1)
	if [[ -z "$out" ]]; then
		record unit 0 1 0 "ctest printed no count"
		return
	fi
	failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$out")
	total=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$out")
	record unit $((total - failed)) "$failed" 0
}

# run_lane PART LOG CMD... : a script that ends with its own count line
# ("N passed, N failed, N skipped"); its count becomes this part's.
run_lane() {
	local part=$1 log=$2 rc p f s
	shift 2
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r p f s < <(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' "$log" | tail -n 1)
	if [[ -z $p ]]; then
		record "$part" 0 1 0 "no count (exit $rc)"
	elif ((rc != 0 && f == 0)); then
		record "$part" "$p" 1 "$s" "exit $rc with no failing test point"
	else
		record "$part" "$p" "$f" "$s"
	fi
}

for part in $parts; do
	case $part in
	static) run_static ;;
	unit) run_unit ;;
	vm-harness)
		banner "vm-harness: scripts/vm-run's own test"
		run_tap vm-harness "$logs/vm-harness.log" \
			"$top/selftests/vm-harness/test_vm_harness.sh"
		;;
	selftests)
		banner "selftests: in a VM of $(basename "${VM_KERNEL:-stock kernel}")"
		# shellcheck disable=SC2086 # VM_OPTS is a list of options
		run_tap --vm selftests "$logs/selftests.log" \
			"$top/scripts/vm-run" --quiet --cpus 2 --maxcpus 4 \
			--mem 2G --timeout 1200 ${VM_OPTS:-} -- \
			"$top/selftests/run_tests.sh"
		;;
	stress)
		banner "stress: in a VM of $(basename "${VM_KERNEL:-stock kernel}")"
		# shellcheck disable=SC2086 # VM_OPTS is a list of options
		run_tap --vm stress "$logs/stress.log" \
			"$top/scripts/vm-run" --quiet --cpus 2 --maxcpus 4 \
			--mem 1G --timeout 1200 ${VM_OPTS:-} -- \
			"$top/selftests/stress/run_stress.sh"
		;;
	rt)
		banner "rt: scripts/check-rt.sh"
		run_lane rt "$logs/rt.log" "$top/scripts/check-rt.sh"
		;;
	*)
		echo "check: unknown part '$part'" >&2
		record "$part" 0 1 0 "unknown part"
		;;
	esac
done

finish
