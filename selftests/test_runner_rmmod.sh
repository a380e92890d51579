#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_runner_rmmod.sh - rmmod is refused while a run is in progress, and
# the run goes on; afterwards rmmod works, and destroys the caches the
# module still owns.
#
# RUN executes on kthreads of the module, with the module's code and a
# strategy's caches in use until RUN returns.  What keeps rmmod away is
# the open file of the RUN caller (kmod/main.c: an open file holds a
# module reference): rmmod must fail with the module in use, the module
# must stay live, and the run must continue unharmed.  Then the run is
# cancelled (SIGINT, as Ctrl-C in shadowctl) and must end cleanly.  Last,
# a cache still holding objects is left to the module (caches belong to
# the module, not to a file), and rmmod must destroy it without a
# complaint; vm-run fails the run on any kernel warning.
#
# The module is loaded and unloaded here (tests.list: unloaded), from
# $SHADOWSLAB_KO.  The helper is test_runner's helper modes, built by
# run_tests.sh into $OUTPUT (default build/selftests).

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

ko=${1:-${SHADOWSLAB_KO:-$selftests/../kmod/shadowslab.ko}}
helper=${OUTPUT:-$selftests/../build/selftests}/test_runner
sysmod=/sys/module/shadowslab
loaded_here=0
helper_pid=
out=$(mktemp)
marker="shadowslab selftest test_runner_rmmod.sh[$$]"

# However the test ends: no run left, the module unloaded as found.
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	if [[ -n $helper_pid ]] && kill -0 "$helper_pid" 2>/dev/null; then
		kill -INT "$helper_pid"
		wait "$helper_pid"
	fi
	if ((loaded_here)) && [[ -e $sysmod ]]; then
		rmmod shadowslab
	fi
	rm -f "$out"
}
trap cleanup EXIT

# The helper's output so far, as diagnostics.
show_helper() {
	if [[ -s $out ]]; then
		ksft_print_msg "helper: $(cat "$out")"
	fi
}

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -e /proc/modules ]]; then
	ksft_exit_skip "this kernel cannot load modules (no /proc/modules)"
fi
if [[ $(cat /proc/sys/kernel/modules_disabled 2>/dev/null) == 1 ]]; then
	ksft_exit_skip "module loading is disabled (/proc/sys/kernel/modules_disabled)"
fi
if [[ -e $sysmod ]]; then
	ksft_exit_skip "shadowslab is already loaded; this test loads it itself"
fi
if [[ ! -f $ko ]]; then
	ksft_exit_fail_msg "no module at $ko (build it: make kmod)"
fi
if [[ ! -x $helper ]]; then
	ksft_exit_fail_msg "no helper at $helper (run_tests.sh builds it)"
fi

ksft_set_plan 10

echo "$marker: begin" >/dev/kmsg
if ! msg=$(insmod "$ko" 2>&1); then
	ksft_exit_fail_msg "insmod $ko: $msg"
fi
loaded_here=1
ksft_test_result_pass "insmod"

# A 60 s run on one CPU, in the background, until SIGINT.
"$helper" --run-until-signal >"$out" 2>&1 &
helper_pid=$!
if msg=$("$helper" --wait-timed 60 2>&1); then
	ksft_print_msg "$msg"
	ksft_test_result_pass "a run is in its timed phase"
else
	ksft_print_msg "expected a run in its timed phase, got: $msg"
	show_helper
	ksft_exit_fail_msg "no run to test rmmod against"
fi

if msg=$(rmmod shadowslab 2>&1); then
	ksft_print_msg "rmmod during the run: expected failure (module in use), got success"
	loaded_here=0
	ksft_test_result_fail "rmmod during the run is refused"
else
	ksft_print_msg "rmmod: $msg"
	ksft_test_result_pass "rmmod during the run is refused"
fi

state=$(cat "$sysmod/initstate" 2>/dev/null)
refcnt=$(cat "$sysmod/refcnt" 2>/dev/null)
if [[ $state == live && ${refcnt:-0} -ge 1 ]]; then
	ksft_test_result_pass "module still live (refcnt $refcnt)"
else
	ksft_print_msg "expected $sysmod/initstate live and refcnt >= 1, got '${state:-none}' and '${refcnt:-none}'"
	ksft_test_result_fail "module still live"
fi

if msg=$("$helper" --wait-timed 10 2>&1); then
	ksft_print_msg "$msg"
	ksft_test_result_pass "the run goes on after the refused rmmod"
else
	ksft_print_msg "expected the run still in its timed phase, got: $msg"
	ksft_test_result_fail "the run goes on after the refused rmmod"
fi

kill -INT "$helper_pid"
wait "$helper_pid"
rc=$?
helper_pid=
show_helper
if ((rc == 0)); then
	ksft_test_result_pass "SIGINT ends the run: RUN returns 0, CANCELLED, cycles done"
else
	ksft_print_msg "expected the helper to exit 0, got $rc"
	ksft_test_result_fail "SIGINT ends the run: RUN returns 0, CANCELLED, cycles done"
fi

if msg=$("$helper" --leave-cache 100 2>&1); then
	ksft_print_msg "$msg"
	ksft_test_result_pass "a cache holding objects is left to the module"
else
	ksft_print_msg "expected a cache left with objects held, got: $msg"
	ksft_test_result_fail "a cache holding objects is left to the module"
fi

echo "$marker: unload" >/dev/kmsg
if msg=$(rmmod shadowslab 2>&1); then
	loaded_here=0
	ksft_test_result_pass "rmmod after the run"
else
	ksft_print_msg "rmmod after the run: expected success, got: $msg"
	ksft_test_result_fail "rmmod after the run"
fi

left=()
for path in "$sysmod" /sys/class/misc/shadowslab /dev/shadowslab; do
	if [[ -e $path ]]; then
		left+=("$path")
	fi
done
if ((${#left[@]} == 0)); then
	ksft_test_result_pass "module and device gone"
else
	ksft_print_msg "expected no ${left[*]}, got them"
	ksft_test_result_fail "module and device gone"
fi

# Unload destroyed the cache: no refusal, the unload line logged.
log=$(dmesg | awk -v m="$marker: unload" 'found; index($0, m) { found = 1 }')
if grep -q 'shadowslab: unloaded' <<<"$log" &&
   ! grep -Eq 'refused|outstanding|slabs left|constructed, [0-9]+ destroyed' <<<"$log"; then
	ksft_test_result_pass "kernel log: unloaded, the left cache destroyed without complaint"
else
	ksft_print_msg "expected 'shadowslab: unloaded' and no complaint, got:"
	ksft_print_msg "$log"
	ksft_test_result_fail "kernel log: unloaded, the left cache destroyed without complaint"
fi

ksft_finished
