#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-lane-guest.sh - what "make check-debug" runs inside its debug-kernel
# guests (scripts/check-debug.sh boots two at once), as one TAP 13 stream
# per part.  The work is split in two halves of similar length, so that two
# guests share the machine's cores:
#
#   tests   every selftest:   selftests/run_tests.sh --scale SCALE
#           the stress suite: selftests/stress/run_stress.sh --scale SCALE,
#                             every test but the two below (fault
#                             injection, concurrency, hotplug, destroy
#                             races, ...)
#   fuzz    the fuzzer at its full 100,000 rejected calls, whatever SCALE,
#           and the memory-pressure test (about 6 and 2 minutes here,
#           against about 7 for the tests half)
#
# and each ends the same way, with the module unloaded: two kmemleak scans
# (kmemleak reports an object only once it has stayed unreferenced across
# scans), then one test point: no unreferenced object at all.
#
# Usage: debug-lane-guest.sh MODULE.ko SCALE tests|fuzz
# Exit status: 0 if every part passed, 1 otherwise.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
module=$1
scale=$2
half=$3
stress=$top/selftests/stress/run_stress.sh
rc=0

case $half in
tests)
	"$top/selftests/run_tests.sh" --module "$module" --scale "$scale" || rc=1
	mapfile -t rest < <("$stress" --list | grep -v -x -e fuzz_ioctl -e mem_pressure.sh)
	"$stress" --module "$module" --scale "$scale" "${rest[@]}" || rc=1
	;;
fuzz)
	"$stress" --module "$module" --scale "$scale" --fuzz-inputs 100000 \
		fuzz_ioctl mem_pressure.sh || rc=1
	;;
*)
	echo "debug-lane-guest.sh: no half '$half' (tests or fuzz)" >&2
	exit 2
	;;
esac

kml=/sys/kernel/debug/kmemleak
[[ -e $kml ]] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "TAP version 13"
echo "1..1"
if [[ -e /sys/module/shadowslab ]]; then
	echo "not ok 1 kmemleak after unload # shadowslab is still loaded"
	rc=1
elif [[ ! -e $kml ]]; then
	echo "ok 1 kmemleak after unload # SKIP this kernel has no kmemleak"
else
	echo scan >"$kml"
	sleep 2
	echo scan >"$kml"
	leaks=$(grep -c '^unreferenced object' "$kml")
	echo "# debug-lane summary: kmemleak_suspects=$leaks"
	if ((leaks == 0)); then
		echo "ok 1 kmemleak after unload: no unreferenced object"
	else
		head -n 40 "$kml" | sed 's/^/# /'
		echo "not ok 1 kmemleak after unload: $leaks unreferenced objects"
		rc=1
	fi
fi
exit $rc
