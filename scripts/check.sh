#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh - everything "make check" runs after the build, and the one
# count of it all.  The Makefile has already installed the packages and
# built the module (for the VM's kernel) and the tools.
#
#   1. static: the module builds without warnings at W=1; checkpatch.pl
#      is clean over the kernel C; selftests/box/test_install.sh: the
#      dependency groups, the one version, the man page against --help,
#      make install and make uninstall into a DESTDIR
#   2. unit:   the tools' GoogleTest suite, through ctest, on the host
#   3. vm-harness: the VM runner's own test (a kernel warning fails a run)
#   4. selftests: every selftest in one guest of Debian's stock kernel,
#      with possible CPUs > online CPUs so CPU hotplug paths are reachable;
#      run as a test box runs them, installed ("make install" into
#      build/check/destdir), with the module built here
#   5. stress: selftests/stress/run_stress.sh in a guest of the same
#      kernel with 1 GiB of memory, booted with preempt=none (kernel code
#      is not preempted, as on a PREEMPT_NONE build: a loop that does not
#      reschedule shows as a soft lockup): 100,000 fuzzed ioctls,
#      concurrency, CPU hotplug, fault injection, memory pressure, destroy
#      races, a million-object purge, LIST on a slow page, hotplug in runs
#   6. box: selftests/box/test_packages.sh: DKMS builds the module on the
#      host, make deb and lintian, both packages installed into a bookworm
#      chroot, and their module and tools used in a guest
#   7. rt: scripts/check-rt.sh, every selftest under Debian's PREEMPT_RT
#      kernel (linux-image-rt-amd64) with the module built for it
#   8. lts: scripts/check-lane.sh lts, the module (W=1) and every selftest
#      under Debian's newest 6.12 (bookworm-backports)
#   9. newest: scripts/check-lane.sh newest, the same under the newest
#      kernel of trixie-backports (7.x), the module built in a trixie
#      build root; both kernels are fetched once into a cache outside the
#      checkout (scripts/fetch-kernel.sh)
#
# Each part's output goes to the terminal and to build/check/PART.log.  The
# last line counts every test point of every part: "N passed, N failed",
# then ", N skipped".  A part that did not run, or whose runner failed
# without a count (a kernel report, a timeout, a crash), adds a failure,
# so the exit status is non-zero if anything failed or did not run.
#
# With CHECK_PARALLEL=1, the parts of other kernels (rt, lts, newest),
# which share nothing with the stock kernel's but the selftests' build,
# run in a second stream once the selftests are built, one after another,
# beside the stock kernel's parts; their output goes to their logs only,
# and is printed, and counted, when the first stream is done.  It is not
# the default: on 2 cores, two TCG guests at once starve each other's
# vCPUs, and the stress part's memory hog then drew a soft-lockup report
# (clear_page, "stuck for 23s") that is the host's doing, not the
# kernel's.  Use it where there are cores to spare.
#
# Environment: VM_OPTS  extra scripts/vm-run options for the selftests
#              CHECK_PARTS  a subset to run, e.g. "unit selftests"
#              CHECK_PARALLEL  1: the other kernels' parts in a second
#                              stream
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check
mkdir -p "$logs"
parts=${CHECK_PARTS:-static unit vm-harness selftests stress box rt lts newest}

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
	run_tap static-box "$logs/static-box.log" "$top/selftests/box/test_install.sh"
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
	local part=$1 log=$2 rc
	shift 2
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	record_lane "$part" "$log" "$rc"
}

# record_lane PART LOG RC: record the count line of a lane script's LOG.
record_lane() {
	local part=$1 log=$2 rc=$3 p f s
	read -r p f s < <(sed -n -E 's/^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/p' "$log" | tail -n 1)
	if [[ -z $p ]]; then
		record "$part" 0 1 0 "no count (exit $rc)"
	elif ((rc != 0 && f == 0)); then
		record "$part" "$p" 1 "$s" "exit $rc with no failing test point"
	else
		record "$part" "$p" "$f" "$s"
	fi
	((${f:-1} == 0)) || note_failed_points "$part" "$log"
}

# lane_command PART: the script that runs one of the other kernels' parts,
# as words in the array lane_cmd.
lane_command() {
	case $1 in
	rt) lane_cmd=("$top/scripts/check-rt.sh") ;;
	*) lane_cmd=("$top/scripts/check-lane.sh" "$1") ;;
	esac
}

# The second stream: the other kernels' parts, in order, each to its log;
# each one's exit status and wall time go to $beside_status.
beside=() beside_pid="" beside_status=$logs/beside.status
start_beside() {
	local part start rc
	((${#beside[@]})) || return 0
	make -s -C "$top/selftests" OUTPUT="$top/build/selftests" \
		>"$logs/beside-selftests-build.log" 2>&1
	: >"$beside_status"
	echo "check: ${beside[*]} run beside the other parts; their output is in $logs/PART.log, printed when they end"
	(
		for part in "${beside[@]}"; do
			start=$SECONDS
			lane_command "$part"
			"${lane_cmd[@]}" >"$logs/$part.log" 2>&1 </dev/null
			rc=$?
			echo "$part $rc $((SECONDS - start))" >>"$beside_status"
		done
	) &
	beside_pid=$!
}

# Wait for the second stream, then show and count each of its parts.
finish_beside() {
	local part rc secs
	[[ -n $beside_pid ]] || return 0
	banner "waiting for the second stream: ${beside[*]}"
	wait "$beside_pid"
	for part in "${beside[@]}"; do
		read -r _ rc secs < <(grep "^$part " "$beside_status")
		lane_command "$part"
		banner "$part: ${lane_cmd[*]#"$top/"} (ran beside the others)"
		cat "$logs/$part.log"
		# record counts a part's time from its banner: this one's own.
		part_start=$((SECONDS - ${secs:-0}))
		record_lane "$part" "$logs/$part.log" "${rc:-1}"
	done
}

parallel=${CHECK_PARALLEL:-0}
foreground=()
for part in $parts; do
	case $part in
	rt | lts | newest)
		if ((parallel == 0)); then
			foreground+=("$part")
		else
			beside+=("$part")
		fi
		;;
	*) foreground+=("$part") ;;
	esac
done
# With nothing else to run beside, they run in the first stream.
if ((${#foreground[@]} == 0)); then
	foreground=("${beside[@]}")
	beside=()
fi

for part in "${foreground[@]}"; do
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
		# Installed, as on a test box: run_tests.sh finds everything in
		# its prefix, nothing in this tree but the module it is given.
		destdir=$logs/destdir
		rm -rf "$destdir"
		if ! make -s -C "$top" install DESTDIR="$destdir" PREFIX=/usr \
			>"$logs/selftests-install.log" 2>&1; then
			cat "$logs/selftests-install.log"
			record selftests 0 1 0 "make install failed"
			continue
		fi
		# The selftests are built now: the second stream may start.
		start_beside
		# shellcheck disable=SC2086 # VM_OPTS is a list of options
		run_tap --vm selftests "$logs/selftests.log" \
			"$top/scripts/vm-run" --quiet --cpus 2 --maxcpus 4 \
			--mem 2G --timeout 1200 ${VM_OPTS:-} -- \
			"$destdir/usr/libexec/shadowslab/selftests/run_tests.sh" \
			--module "$top/kmod/shadowslab.ko"
		;;
	stress)
		banner "stress: in a VM of $(basename "${VM_KERNEL:-stock kernel}")"
		# shellcheck disable=SC2086 # VM_OPTS is a list of options
		run_tap --vm stress "$logs/stress.log" \
			"$top/scripts/vm-run" --quiet --cpus 2 --maxcpus 4 \
			--mem 1G --append preempt=none --timeout 1800 \
			${VM_OPTS:-} -- "$top/selftests/stress/run_stress.sh"
		;;
	box)
		banner "box: DKMS, the packages in a chroot, their module in a VM"
		run_tap box "$logs/box.log" "$top/selftests/box/test_packages.sh"
		;;
	rt)
		banner "rt: scripts/check-rt.sh"
		run_lane rt "$logs/rt.log" "$top/scripts/check-rt.sh"
		;;
	lts | newest)
		banner "$part: scripts/check-lane.sh $part"
		run_lane "$part" "$logs/$part.log" "$top/scripts/check-lane.sh" "$part"
		;;
	*)
		echo "check: unknown part '$part'" >&2
		record "$part" 0 1 0 "unknown part"
		;;
	esac
done
# Without a selftests part, the second stream starts after the others.
[[ -n $beside_pid ]] || start_beside
finish_beside

finish
