#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fault-seeds.sh - the debug lane's fault test once per seed, in a row, in
# one guest of the debug kernel, with kmemleak's verdict after each.
#
# The fault test's injections are random (STRESS_SEED picks them), and a
# failure that lands somewhere the module did not allocate could expose a
# leak of the kernel's own (6.1's sysfs_slab_add() leaks a kobject name
# when kobject_init_and_add() fails).  fault_inject.sh aims failslab and
# fail_page_alloc at the module's own call sites to rule that out; this
# script shows it holds over several seeds: after each run, with the
# module unloaded, two kmemleak scans (the second after kmemleak's minimum
# object age) and the count of unreferenced objects, then "clear" so that
# the next seed's count is its own.
#
# Usage: scripts/fault-seeds.sh [SEED...]    (default: 11 22 33 44 55)
# It needs what "make check-debug" builds: the debug kernel (cached), the
# module build/kmod-debug/kmod/shadowslab.ko and the stress helpers.
# Exit status: 0 if every seed's run passed and left no unreferenced object.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
module=$top/build/kmod-debug/kmod/shadowslab.ko
kml=/sys/kernel/debug/kmemleak

if [[ ${1:-} == --inside ]]; then
	shift
	rc=0
	for seed in "$@"; do
		STRESS_SEED=$seed "$top/selftests/stress/run_stress.sh" \
			--module "$module" --scale "${CHECK_DEBUG_SCALE:-0.1}" \
			fault_inject.sh || rc=1
		echo scan >"$kml"
		sleep 6
		echo scan >"$kml"
		leaks=$(grep -c '^unreferenced object' "$kml")
		echo "fault-seeds: seed $seed: kmemleak_suspects=$leaks"
		if ((leaks)); then
			head -n 40 "$kml"
			rc=1
		fi
		echo clear >"$kml"
	done
	exit $rc
fi

seeds=("$@")
((${#seeds[@]})) || seeds=(11 22 33 44 55)
for seed in "${seeds[@]}"; do
	[[ $seed =~ ^[0-9]+$ ]] || { echo "fault-seeds.sh: a seed is a number, not '$seed'" >&2; exit 2; }
done
if ! paths=$("$top/scripts/build-debug-kernel.sh" --print) || [[ ! -e $module ]]; then
	echo "fault-seeds.sh: run \"make check-debug\" first: it builds the debug kernel and $module" >&2
	exit 2
fi
KERNEL_IMAGE=""
eval "$paths"
# shellcheck disable=SC2086 # VM_OPTS is a list of options
exec "$top/scripts/vm-run" --quiet --kernel "$KERNEL_IMAGE" --modules-dir none \
	--cpus 2 --maxcpus 4 --mem 2G --timeout 3600 ${VM_OPTS:-} -- \
	"$top/scripts/fault-seeds.sh" --inside "${seeds[@]}"
