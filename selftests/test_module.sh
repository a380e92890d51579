#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_module.sh - shadowslab.ko loads, creates its device, unloads without
# leaving anything behind, and loads again.
#
# Every other test and tool relies on insmod giving /dev/shadowslab with
# the mode the module promises (a char device, 0600, root:root: only root
# may even try to open it) and on rmmod leaving no module, device or sysfs
# entry behind, so that a test run can load and unload it repeatedly.  The
# kernel log must show the module's load and unload lines: those lines are
# how a kernel log tells which shadowslab was present when.
#
# Usage: test_module.sh [PATH.ko]
#   PATH.ko defaults to $SHADOWSLAB_KO (run_tests.sh sets it), else to
#   kmod/shadowslab.ko in this checkout.  Needs root, a kernel that can load
#   modules, and shadowslab not loaded (run_tests.sh unloads it first).

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

ko=${1:-${SHADOWSLAB_KO:-$selftests/../kmod/shadowslab.ko}}
dev=/dev/shadowslab
sysmod=/sys/module/shadowslab
loaded_here=0
marker=

# Leave the module unloaded, as this test found it, however it ends.
# shellcheck disable=SC2317  # run by the EXIT trap
cleanup() {
	if ((loaded_here)) && [[ -e $sysmod ]]; then
		rmmod shadowslab
	fi
}
trap cleanup EXIT

# Put a unique line in the kernel log, so that log_since_mark shows only
# what the kernel logged after it.
mark_log() {
	marker="shadowslab selftest test_module.sh[$$]: $1"
	echo "$marker" >/dev/kmsg
}

log_since_mark() {
	dmesg | awk -v m="$marker" 'found; index($0, m) { found = 1 }'
}

# The kernel log since the mark must have a line matching the regex $2.
check_log() {
	if log_since_mark | grep -Eq -- "$2"; then
		ksft_test_result_pass "$1"
		return
	fi
	ksft_print_msg "$1: expected a kernel log line matching '$2', got:"
	log_since_mark | sed 's/^/#   /'
	ksft_test_result_fail "$1"
}

# insmod or rmmod; on failure show its error and the kernel log.
modcmd() {
	local out

	if out=$("$@" 2>&1); then
		return 0
	fi
	ksft_print_msg "$*: expected success, got: $out"
	log_since_mark | sed 's/^/#   kernel: /'
	return 1
}

load() {
	modcmd insmod "$ko" || return 1
	loaded_here=1
	# Where udev runs (a real box, not the VM), let it finish with the
	# new device before it is looked at.
	if [[ -S /run/udev/control ]]; then
		udevadm settle
	fi
}

# "major:minor" in decimal, of a device node.
devnum() {
	local hex major minor

	hex=$(stat -c '%t %T' "$1") || return 1
	read -r major minor <<<"$hex"
	echo "$((16#$major)):$((16#$minor))"
}

check_loaded() {
	local state

	state=$(cat "$sysmod/initstate" 2>/dev/null)
	if [[ $state == live ]]; then
		ksft_test_result_pass "$1"
		return
	fi
	ksft_print_msg "$1: expected $sysmod/initstate 'live', got '${state:-no such file}'"
	ksft_test_result_fail "$1"
}

check_chardev() {
	local want got

	want=$(cat /sys/class/misc/shadowslab/dev 2>/dev/null)
	if [[ ! -c $dev ]]; then
		ksft_print_msg "$1: expected a char device $dev, got: $(ls -l "$dev" 2>&1)"
		ksft_test_result_fail "$1"
	elif got=$(devnum "$dev") && [[ $got == "$want" ]]; then
		ksft_test_result_pass "$1"
	else
		ksft_print_msg "$1: expected device number ${want:-?} (/sys/class/misc/shadowslab/dev), got $got"
		ksft_test_result_fail "$1"
	fi
}

check_mode() {
	local got

	got=$(stat -c '%a %u:%g' "$dev" 2>&1)
	if [[ $got == "600 0:0" ]]; then
		ksft_test_result_pass "$1"
		return
	fi
	ksft_print_msg "$1: expected mode 600, owner 0:0, got '$got'"
	ksft_test_result_fail "$1"
}

# Nothing of the module may be left: no module, no misc device, no node.
check_gone() {
	local left=() path

	for path in "$sysmod" /sys/class/misc/shadowslab "$dev"; do
		if [[ -e $path ]]; then
			left+=("$path")
		fi
	done
	if ((${#left[@]} == 0)); then
		ksft_test_result_pass "$1"
		return
	fi
	ksft_print_msg "$1: expected no ${left[*]}, got them"
	ksft_test_result_fail "$1"
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

ksft_set_plan 11

mark_log "load"
load || ksft_exit_fail_msg "cannot load $ko"
ksft_test_result_pass "insmod"
check_loaded "$sysmod is live"
check_chardev "$dev is the misc char device"
check_mode "$dev is mode 0600, owned by root:root"
check_log "kernel log: load line" 'shadowslab: loaded, ABI [0-9]+, /dev/shadowslab'

mark_log "unload"
modcmd rmmod shadowslab
ksft_test_result $? "rmmod"
check_gone "module, misc device and $dev gone"
check_log "kernel log: unload line" 'shadowslab: unloaded'

mark_log "reload"
if load; then
	check_chardev "reload: $dev is back"
else
	ksft_test_result_fail "reload: $dev is back"
fi
modcmd rmmod shadowslab
ksft_test_result $? "reload: rmmod"
check_gone "reload: module, misc device and $dev gone again"

ksft_finished
