#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# check-lane.sh LANE - every selftest under one of Debian's other kernels:
# "make check"'s lts and newest parts, and "make check KERNEL=LANE".
#
#   1. kernel:  scripts/fetch-kernel.sh LANE (cached outside the checkout;
#               the first run downloads it, and for newest makes the trixie
#               build root)
#   2. module:  kmod/ mirrored into build/kmod-LANE/ and built there against
#               the lane's headers (in its build root for newest), W=1,
#               with and without CONFIG_SHADOWSLAB_DEBUG: no warning
#               allowed; the selftests load the build without it
#   3. selftests: selftests/run_tests.sh --module <that .ko> in one
#               scripts/vm-run guest of the lane's kernel with its modules,
#               2 online CPUs, --maxcpus 4 (6.12 and 7.x see only the
#               present ones as possible: their CPU hotplug points skip)
#
# Each step's wall time is printed.  The last line counts every test
# point: "N passed, N failed, N skipped"; the exit status is non-zero if
# anything failed or did not run.
#
# Environment: VM_OPTS  extra scripts/vm-run options
set -uo pipefail

lane=${1:-}
case $lane in
lts | newest) ;;
*)
	echo "usage: scripts/check-lane.sh lts|newest" >&2
	exit 2
	;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
logs=$top/build/check-$lane
out=$top/build/kmod-$lane
module=$out/kmod/shadowslab.ko
mkdir -p "$logs"

# shellcheck source=scripts/check-lib.sh
. "$top/scripts/check-lib.sh"

took() {
	echo "($1 took $((SECONDS - $2)) s)"
}

# ------------------------------------------------------------------ kernel
banner "kernel: scripts/fetch-kernel.sh $lane"
start=$SECONDS
RELEASE="" KERNEL_IMAGE="" MODULES_DIR="" KDIR="" BUILD_ROOT="" PACKAGES=""
if ! paths=$("$top/scripts/fetch-kernel.sh" "$lane"); then
	record kernel 0 1 0 "fetching the $lane kernel failed"
	finish
fi
eval "$paths"
echo "$RELEASE: $PACKAGES"
took fetch "$start"

# ------------------------------------------------------------------ module
banner "module: W=1 against $RELEASE"
start=$SECONDS
root_opt=()
[[ -z $BUILD_ROOT ]] || root_opt=(--root "$BUILD_ROOT")
# The debug option's code is checked first; the build the tests load last.
if "$top/scripts/build-kmod-copy.sh" "${root_opt[@]}" "$KDIR" "$out-debug" \
	"$logs/module-build-debug.log" CONFIG_SHADOWSLAB_DEBUG=y W=1 &&
	"$top/scripts/build-kmod-copy.sh" "${root_opt[@]}" "$KDIR" "$out" \
		"$logs/module-build.log" W=1; then
	if grep -h -E 'warning:|WARNING:' "$logs/module-build-debug.log" "$logs/module-build.log"; then
		echo "not ok - $module built with warnings"
		record module 0 1 0 "build warnings"
	else
		echo "ok - $module built without warnings at W=1, with and without CONFIG_SHADOWSLAB_DEBUG"
		record module 1 0 0
	fi
else
	echo "not ok - the module did not build against $KDIR"
	record module 0 1 0 "build failed"
	finish
fi
took "module build" "$start"

# --------------------------------------------------------------- selftests
banner "selftests: in a VM of $RELEASE"
start=$SECONDS
# On the host: the compiler runs at full speed here, not under TCG.
make -s -C "$top/selftests" >"$logs/selftests-build.log" 2>&1 ||
	cat "$logs/selftests-build.log"
# shellcheck disable=SC2086 # VM_OPTS is a list of options
run_tap --vm selftests "$logs/selftests.log" \
	"$top/scripts/vm-run" --quiet --kernel "$KERNEL_IMAGE" \
	--modules-dir "$MODULES_DIR" --cpus 2 --maxcpus 4 --mem 2G \
	--timeout 1800 ${VM_OPTS:-} -- \
	"$top/selftests/run_tests.sh" --module "$module"
took selftests "$start"
finish
