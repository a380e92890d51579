#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-rt.sh - "make check-rt": every selftest under Debian's PREEMPT_RT
# kernel (linux-image-rt-amd64).  There spinlocks sleep, so the cache's
# rules for destructors (leaf locks only, no allocation; on RT they do not
# run with preemption off) and its per-CPU magazine locks meet another
# kernel than the stock one.
#
#   1. module: built against the RT kernel's headers into build/kmod-rt/
#      (scripts/build-kmod-copy.sh; kmod/shadowslab.ko stays the stock
#      kernel's), with CONFIG_SHADOWSLAB_DEBUG=y W=1
#   2. selftests: selftests/run_tests.sh --module <that .ko> in one
#      scripts/vm-run guest of the RT kernel, 2 online and 4 possible CPUs
#
# Any kernel report in the guest fails the run (vm-run exit 3).  The last
# line counts every test point: "N passed, N failed, N skipped"; the exit
# status is non-zero if anything failed or did not run.
#
# Environment: RT_KERNEL  the image (default: the newest
#                         /boot/vmlinuz-*-rt-*, from linux-image-rt-amd64)
#              VM_OPTS    extra scripts/vm-run options
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check-rt
out=$top/build/kmod-rt
module=$out/kmod/shadowslab.ko
mkdir -p "$logs"

# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"

image=${RT_KERNEL:-$(printf '%s\n' /boot/vmlinuz-*-rt-* | sort -V | tail -n 1)}
if [[ ! -e $image ]]; then
	echo "check-rt: no PREEMPT_RT kernel in /boot (apt-get install linux-image-rt-amd64 linux-headers-rt-amd64, or scripts/deps.sh)" >&2
	record kernel 0 1 0 "no RT kernel"
	finish
fi
release=${image##*/vmlinuz-}
kdir=/usr/src/linux-headers-$release

banner "module: CONFIG_SHADOWSLAB_DEBUG=y against $release"
if "$top/scripts/build-kmod-copy.sh" "$kdir" "$out" "$logs/module-build.log" \
	CONFIG_SHADOWSLAB_DEBUG=y W=1; then
	if grep -q -E 'warning:|WARNING:' "$logs/module-build.log"; then
		grep -E 'warning:|WARNING:' "$logs/module-build.log"
		echo "not ok - $module built with warnings"
		record module 0 1 0 "build warnings"
	else
		echo "ok - $module built without warnings"
		record module 1 0 0
	fi
else
	echo "not ok - the module did not build against $kdir"
	record module 0 1 0 "build failed"
	finish
fi

banner "selftests: in a VM of $release"
# On the host: the compiler runs at full speed here, not under TCG.
make -s -C "$top/selftests" >"$logs/selftests-build.log" 2>&1 ||
	cat "$logs/selftests-build.log"
# shellcheck disable=SC2086 # VM_OPTS is a list of options
run_tap --vm selftests "$logs/selftests.log" \
	"$top/scripts/vm-run" --quiet --kernel "$image" --cpus 2 --maxcpus 4 \
	--mem 2G --timeout 1800 ${VM_OPTS:-} -- \
	"$top/selftests/run_tests.sh" --module "$module"
finish
