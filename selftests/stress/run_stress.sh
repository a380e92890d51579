#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_stress.sh - shadowslab's stress tests as one TAP 13 stream, apart from
# selftests/run_tests.sh so that "make check" stays fast.
#
#   fuzz_ioctl       >= 100,000 * STRESS_SCALE rejected ioctls, seeded
#   concurrency      RUN races, SIGKILL mid-run, rmmod during a run, and
#                    4 processes on shared and private caches
#   hotplug.sh       CPUs offline/online under a run and ALLOC/FREE
#   fault_inject.sh  the constructor fault knob; failslab/fail_page_alloc
#                    where the kernel has them (else those points skip)
#   mem_pressure.sh  a memory hog against a cache full of percpu memory
#   destroy_race     DESTROY and unload while drop_caches, CPU hotplug and
#                    runs move objects; no refusal of an empty cache
#   purge_large      a million objects freed and destroyed under
#                    preempt=none: no soft lockup or RCU stall
#   list_fault       CACHE_LIST waiting on a userfaultfd page while another
#                    process's cache commands complete
#   hotplug_in_run   a CPU offline during a run: its thread says MOVED
#
# Each test prints "# stress-summary: KEY=N ..."; at the end this prints
#   # stress summary: bad_inputs=N faults_injected=N hotplug_rounds=N pressure_rounds=N
# (0 for a test that did not run), the other figures, and kselftest's
# "# Totals:" line, one point per test.
#
# The module: loaded from --module PATH (default kmod/shadowslab.ko)
# before each test and unloaded after it (the unload must succeed: it
# destroys whatever a test left), unless shadowslab was already loaded when
# the run began: then that one is used as it is and left loaded.
#
# How to run it (as root, in a guest; CMD gets a clean environment, so
# pass the scale with --scale), as "make check" does:
#   scripts/vm-run --cpus 2 --maxcpus 4 --mem 1G --append preempt=none \
#       --timeout 1800 -- selftests/stress/run_stress.sh
# (preempt=none: purge_large wants kernel code not preempted, and switches
# a PREEMPT_DYNAMIC kernel booted otherwise for its own duration.)
# The memory-pressure test alone in a small guest (quicker hog):
#   scripts/vm-run --cpus 2 --maxcpus 4 --mem 512M --timeout 600 -- \
#       selftests/stress/run_stress.sh mem_pressure.sh
# Under the debug kernel (~50x slower), with smaller counts:
#   scripts/vm-run --kernel IMAGE --modules-dir none --cpus 2 --maxcpus 4 \
#       --mem 2G --timeout 5400 -- selftests/stress/run_stress.sh \
#       --scale 0.1 --module build/kmod-debug/kmod/shadowslab.ko
# (fault_inject.sh and fuzz_ioctl took ~6 and ~5 minutes there.)  "make
# check-debug" runs it that way, after the selftests, in the same guest.
# hotplug.sh needs a hotpluggable CPU (--cpus 2 --maxcpus 4, or --cpus 3)
# and skips without one.

stress=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$stress/../.." && pwd)
output=${OUTPUT:-$top/build/selftests}
bin=$output/stress
module=$top/kmod/shadowslab.ko

all_tests=(fuzz_ioctl concurrency hotplug.sh fault_inject.sh mem_pressure.sh
	destroy_race purge_large list_fault hotplug_in_run)
declare -A base_timeout=(
	[fuzz_ioctl]=600 [concurrency]=600 [hotplug.sh]=600
	[fault_inject.sh]=600 [mem_pressure.sh]=900
	[destroy_race]=600 [purge_large]=600 [list_fault]=300
	[hotplug_in_run]=300
)

usage() {
	cat <<EOF
Usage: $0 [--module PATH.ko] [--scale X] [--fuzz-inputs N] [--list] [TEST...]

Run shadowslab's stress tests (default: ${all_tests[*]}), or the TESTs
named, as root, as one TAP 13 stream.

  --module PATH.ko  the module to load (default: kmod/shadowslab.ko)
  --scale X         STRESS_SCALE: iteration counts times X (default 1; the
                    debug-kernel lane uses e.g. 0.1)
  --fuzz-inputs N   fuzz_ioctl's count of rejected calls, whatever the
                    scale (default 100,000 times X)
  --list            print the tests' names and exit

Environment: STRESS_SCALE (as --scale), STRESS_SEED (the fuzzer's and the
random tests' seed), OUTPUT (where the programs are built, default
build/selftests; they go to OUTPUT/stress), CC.
Exit status: 0 if no test failed, 1 if one did, 2 on a usage error, 4 when
not run as root.
EOF
}

# shellcheck source=../run_lib.sh source-path=SCRIPTDIR
. "$stress/../run_lib.sh"

requested=()
export STRESS_SCALE=${STRESS_SCALE:-1}
driver_options STRESS_SCALE "$@"
set -- "${driver_args[@]}"
while (($#)); do
	case $1 in
	--fuzz-inputs)
		(($# >= 2)) || usage_error "--fuzz-inputs needs a count"
		[[ $2 =~ ^[1-9][0-9]*$ ]] || usage_error "--fuzz-inputs wants a positive count, not '$2'"
		export FUZZ_BAD_INPUTS=$2
		shift 2
		;;
	--list)
		printf '%s\n' "${all_tests[@]}"
		exit 0
		;;
	-h | --help)
		usage
		exit 0
		;;
	-*)
		usage_error "unknown option '$1'"
		;;
	*)
		requested+=("$1")
		shift
		;;
	esac
done

tests=()
for t in "${requested[@]:-${all_tests[@]}}"; do
	found=
	for a in "${all_tests[@]}"; do
		[[ $t == "$a" || $t == "${a%.sh}" ]] && found=$a
	done
	[[ -n $found ]] || usage_error "no test '$t' (--list shows them)"
	tests+=("$found")
done

skip_unless_root "the tests load and unload shadowslab.ko"

echo "TAP version 13"
echo "1..${#tests[@]}"

# Build the programs.
if command -v make >/dev/null && command -v "${CC:-cc}" >/dev/null; then
	if ! out=$(make -s --no-print-directory -C "$stress" OUTPUT="$bin" 2>&1); then
		echo "# building the stress programs failed:"
	fi
	[[ -n $out ]] && diag "$out"
else
	echo "# no make or compiler here: running the programs already built in $bin"
fi
# destroy_race unloads the module and loads it again from there.
export STRESS_BIN=$bin OUTPUT=$output SHADOWSLAB_KO=$module

# Slower kernels get longer timeouts: the debug kernel, and larger scales.
factor=1
if [[ -e /proc/lockdep || -e /sys/kernel/debug/kmemleak ]]; then
	factor=10
fi
factor=$(awk -v f="$factor" -v s="$STRESS_SCALE" 'BEGIN { v = f * (s > 1 ? s : 1); print int(v + 0.999) }')

was_loaded=0
is_loaded && was_loaded=1
module_fail=
if ((was_loaded)); then
	echo "# shadowslab was loaded before the run: the tests use it as it is, and it stays loaded"
elif [[ ! -f $module ]]; then
	module_fail="no module at $module (build it: make -C $top kmod)"
elif [[ $(modinfo -F vermagic "$module" 2>/dev/null | cut -d' ' -f1) != "$(uname -r)" ]]; then
	module_fail="$module is not built for $(uname -r) ($(modinfo -F vermagic "$module" 2>&1))"
fi
echo "# kernel $(uname -r), $(nproc) online CPUs ($(cat /sys/devices/system/cpu/online)), possible $(cat /sys/devices/system/cpu/possible), MemTotal $(awk '/^MemTotal/ { print $2 }' /proc/meminfo) kB, STRESS_SCALE $STRESS_SCALE, timeouts x$factor"

loaded_here=0
# shellcheck disable=SC2317  # run by the traps
unload_at_exit() {
	if ((loaded_here)) && is_loaded; then
		rmmod shadowslab
	fi
}
trap 'unload_at_exit; exit 130' INT
trap 'unload_at_exit; exit 143' TERM

declare -A figures=()
pass=0 fail=0 skip=0 num=0
start_all=$SECONDS

for t in "${tests[@]}"; do
	num=$((num + 1))
	hdr="selftests: shadowslab-stress: $t"
	echo "# $hdr"
	if [[ -n $module_fail ]]; then
		diag "$module_fail"
		echo "not ok $num $hdr # not run"
		fail=$((fail + 1))
		continue
	fi
	if ! is_loaded; then
		if ! out=$(insmod "$module" 2>&1); then
			diag "insmod $module: $out"
			echo "not ok $num $hdr # not run"
			fail=$((fail + 1))
			continue
		fi
		loaded_here=1
	fi

	marker="shadowslab stress: $num/${#tests[@]} $t"
	log=$(mktemp)
	t0=$SECONDS
	run_test "$(test_program "$t" "$stress" "$bin")" $((base_timeout[$t] * factor)) "$marker" "$log"
	rc=$?
	echo "# $t: $((SECONDS - t0)) s"
	# (No process substitution: the guest may have no /dev/fd.)
	summary=$(grep '^# stress-summary:' "$log")
	while read -r line; do
		for kv in ${line#\# stress-summary:}; do
			[[ $kv == *=* ]] && figures[${kv%%=*}]=${kv#*=}
		done
	done <<<"$summary"
	rm -f "$log"

	# The unload destroys what the test left, and must not complain.
	unload_err=
	if ((loaded_here)); then
		echo "$marker: unload" >/dev/kmsg
		if ! out=$(rmmod shadowslab 2>&1); then
			unload_err="rmmod shadowslab after the test: $out"
		else
			loaded_here=0
			complaint=$(dmesg_since "$marker: unload" |
				grep -E 'destroy refused|objects still out|constructed, [0-9]+ destroyed')
			[[ -n $complaint ]] && unload_err="the unload complained: $complaint"
		fi
	fi

	if ((rc == 0 || rc == 4)) && [[ -n $unload_err ]]; then
		diag "$unload_err"
		rc=1
	fi
	tap_result "$num" "$hdr" "$rc" $((base_timeout[$t] * factor)) "$marker"
done

unload_at_exit
echo "# stress run: $((SECONDS - start_all)) s"
echo "# stress summary: bad_inputs=${figures[bad_inputs]:-0} faults_injected=${figures[faults_injected]:-0} hotplug_rounds=${figures[hotplug_rounds]:-0} pressure_rounds=${figures[pressure_rounds]:-0}"
extra=
for k in $(printf '%s\n' "${!figures[@]}" | sort); do
	case $k in
	bad_inputs | faults_injected | hotplug_rounds | pressure_rounds) ;;
	*) extra+=" $k=${figures[$k]}" ;;
	esac
done
[[ -n $extra ]] && echo "# stress figures:$extra"
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
((fail == 0))
