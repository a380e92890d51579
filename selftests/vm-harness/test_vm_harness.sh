#!/bin/bash
# test_vm_harness.sh: self-test of scripts/vm-run, run on the host.
#
# Every other kernel test trusts vm-run to propagate exit statuses, expose the
# checkout, notice kernel warnings and never hang, so check exactly that:
# boot a few guests and compare what vm-run reports with what must have
# happened.  The out-of-tree module warn_at_load.ko (built here against the
# headers of the kernel vm-run boots, into build/vm-harness/) provides a
# warning on demand; fake-kvm-qemu, put first on PATH, a KVM that kills
# the guest kernel at its first instruction it cannot emulate and leaves
# QEMU paused (as nested hosts' KVM does), without a real one.
# Output is TAP 13 with the kselftest totals line; exit 0 iff all passed.
#
# Environment: KERNEL_RELEASE overrides the release to build the module for
# (default: that of the newest non-RT /boot/vmlinuz-*, which vm-run boots).
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$here/../.." && pwd -P)
vmrun=$repo/scripts/vm-run
work=$repo/build/vm-harness
ntests=13
n=0
pass=0
fail=0

# ok DESCRIPTION CONDITION...: run CONDITION and report it as test n+1; on
# failure show the last vm-run's output as TAP diagnostics.
ok() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		pass=$((pass + 1))
		echo "ok $n - $desc"
	else
		fail=$((fail + 1))
		echo "not ok $n - $desc"
		echo "# vm-run exit status $rc; its stdout, then stderr:"
		sed 's/^/#   /' "$work/stdout" "$work/stderr"
	fi
}

# vm ARGS...: run vm-run, non-interactively, keeping its exit status in rc,
# its stdout in $work/stdout and its stderr in $work/stderr.
vm() {
	rc=0
	"$vmrun" --quiet "$@" </dev/null >"$work/stdout" 2>"$work/stderr" || rc=$?
}

# Predicates over the last vm run.
status_is() {
	[[ $rc -eq $1 ]]
}

stdout_is() {
	[[ $(<"$work/stdout") == "$1" ]]
}

stderr_has() {
	grep -qF -- "$1" "$work/stderr"
}

warning_reported() {
	status_is 3 && stderr_has "CMD exited with status 0" &&
		stderr_has "shadowslab harness: deliberate warning"
}

token_arrived() {
	status_is 0 && [[ $(cat "$work/from-guest" 2>/dev/null) == "$token" ]]
}

cpus_as_asked() {
	status_is 0 && stdout_is $'0-7\n0-1'
}

timed_out() {
	status_is 124 && stderr_has "timed out"
}

echo "TAP version 13"
echo "1..$ntests"

if [[ -z ${KERNEL_RELEASE:-} ]]; then
	newest=$(printf '%s\n' /boot/vmlinuz-* | grep -v -- '-rt-' | sort -V | tail -n1)
	KERNEL_RELEASE=${newest#/boot/vmlinuz-}
fi
# Kbuild (before 6.13) writes its output next to the sources, so build a copy.
rm -rf "$work"
mkdir -p "$work/module"
cp "$here/warn_at_load.c" "$here/Makefile" "$work/module/"
if ! make -C "/usr/src/linux-headers-$KERNEL_RELEASE" M="$work/module" \
	modules >"$work/module-build.log" 2>&1; then
	sed 's/^/# /' "$work/module-build.log"
	echo "Bail out! cannot build warn_at_load.ko for $KERNEL_RELEASE"
	exit 1
fi

vm -- true
ok "vm-run -- true exits 0" status_is 0

vm -- sh -c 'exit 7'
ok "CMD's exit status 7 propagates" status_is 7

vm -- insmod "$work/module/warn_at_load.ko"
ok "a WARN at insmod fails the run with status 3 although insmod succeeded" \
	warning_reported

token=$RANDOM-$$
# shellcheck disable=SC2016 # $1 and $2 belong to the guest's sh
vm -- sh -c 'echo "$1" >"$2" && if touch /vm-harness-probe 2>/dev/null;
	then echo root-writable; else echo root-read-only; fi' sh \
	"$token" "$work/from-guest"
ok "a file written in the guest's checkout appears on the host" token_arrived
ok "/ is read-only in the guest" stdout_is root-read-only

vm --cpus 2 --maxcpus 8 -- \
	cat /sys/devices/system/cpu/possible /sys/devices/system/cpu/online
ok "--cpus 2 --maxcpus 8: CPUs 0-7 possible, 0-1 online" cpus_as_asked

# Single-threaded TCG, which keeps kernels alive while they patch their
# own text (see "TCG threads" in vm-run --help), is the default, and
# reaches QEMU and the guest (the log quotes the command with printf %q,
# which may escape the comma).
tcg_single() {
	grep -Eq -- '-accel tcg\\?,thread=single ' "$work/tcg.log" &&
		grep -q 'vmrun.tcg_threads=single' "$work/stdout"
}
vm --kvm off --log "$work/tcg.log" -- cat /proc/cmdline
ok "TCG runs on one thread by default, and the guest is told" tcg_single

vm --timeout 20 -- sleep 1000
ok "--timeout 20 -- sleep 1000 exits 124" timed_out

# fake_kvm NAME MODE: a directory holding fake-kvm-qemu as
# qemu-system-x86_64, in MODE, and a file standing in for /dev/kvm; each
# NAME is another QEMU binary to vm-run, so its KVM verdict is its own.
fake_kvm() {
	local dir=$work/$1
	mkdir -p "$dir/bin"
	cp "$here/fake-kvm-qemu" "$dir/bin/qemu-system-x86_64"
	echo "$2" >"$dir/bin/mode"
	: >"$dir/kvm"
	echo "$dir"
}

# vm_fake DIR ARGS...: vm-run with DIR's QEMU first on PATH and its /dev/kvm.
vm_fake() {
	PATH=$1/bin:$PATH VM_RUN_KVM_DEVICE=$1/kvm REAL_QEMU=$real_qemu vm "${@:2}"
}

failed_fast_on_kvm_error() {
	status_is 4 && stderr_has "KVM internal error" &&
		stderr_has "emulation failure"
}

fell_back_to_tcg() {
	status_is 0 && stdout_is ran &&
		stderr_has "KVM is present but cannot run this guest (KVM internal error" &&
		stderr_has "using TCG"
}

retried_under_tcg() {
	status_is 0 && stdout_is ran &&
		stderr_has "KVM failed during the run (KVM internal error" &&
		stderr_has "retrying once under TCG"
}

rebooted_after_stall() {
	status_is 0 && stdout_is ran &&
		stderr_has "the guest's boot made no progress under tcg" &&
		stderr_has "booting once more"
}

real_qemu=$(command -v qemu-system-x86_64)
# The limits are far above what these runs need: an exit at the limit
# (124) is exactly the hang these points exist to catch.
fake=$(fake_kvm kvm-dies dies)
vm_fake "$fake" --kvm on --timeout 300 -- true
ok "--kvm on, KVM dies in the guest kernel: exit 4 with QEMU's error, not a hang" \
	failed_fast_on_kvm_error

fake=$(fake_kvm kvm-dies-auto dies)
vm_fake "$fake" --kvm auto --timeout 300 -- echo ran
ok "--kvm auto, KVM dies in the guest kernel: its test boot says so, the run uses TCG" \
	fell_back_to_tcg

fake=$(fake_kvm kvm-dies-after-probe probe-passes)
vm_fake "$fake" --kvm auto --timeout 300 -- echo ran
ok "--kvm auto, KVM passes the test boot and dies in the run: rerun under TCG" \
	retried_under_tcg

# A boot that goes silent before CMD is killed after VM_RUN_BOOT_STALL
# seconds and booted once more; without that the run waits out --timeout.
fake=$(fake_kvm boot-stalls stalls-once)
VM_RUN_BOOT_STALL=10 vm_fake "$fake" --kvm off --timeout 300 -- echo ran
ok "a boot that stalls before CMD: killed, booted once more, the run succeeds" \
	rebooted_after_stall

# A guest wedged while CMD runs (here: its heartbeat stopped, the way a
# deadlock with interrupts off or an emulator bug would stop it) is killed
# after VM_RUN_CMD_STALL seconds, with where its vCPUs were, named from
# the kernel's symbols, instead of waiting out --timeout.
wedged_guest_reported() {
	status_is 4 && stderr_has "the guest stopped responding while CMD ran" &&
		grep -Eq '^vCPU 0: RIP [a-z_][a-z0-9_.]*\+0x' "$work/stderr" &&
		grep -Eq '^  stack: .*do_idle\+0x' "$work/stderr"
}
# shellcheck disable=SC2016 # the guest's shell expands it
VM_RUN_CMD_STALL=15 vm --timeout 300 -- \
	sh -c 'kill -STOP "$(cat /run/vm-run/heartbeat.pid)"; exec sleep 1000'
ok "a guest that stops responding during CMD: exit 4 with its vCPUs' stacks, not a hang" \
	wedged_guest_reported

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
((fail == 0 && n == ntests))
