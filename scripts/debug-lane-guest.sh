#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# debug-lane-guest.sh - what "make check-debug" runs inside its debug-kernel
# guest (scripts/check-debug.sh boots it), as one TAP 13 stream per part:
#
#   1. every selftest:   selftests/run_tests.sh --scale SCALE
#   2. the stress suite: selftests/stress/run_stress.sh --scale SCALE
#                        (fault injection, concurrency, hotplug, memory
#                        pressure; its "# stress summary:" line), but the
#                        fuzzer at its full 100,000 rejected calls
#   3. kmemleak:         with the module unloaded, two scans (kmemleak
#                        reports an object only once it has stayed
#                        unreferenced across scans), then one test point:
#                        no unreferenced object at all
#
# Usage: debug-lane-guest.sh MODULE.ko SCALE
# Exit status: 0 if every part passed, 1 otherwise.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
module=$1
scale=$2
rc=0

"$top/selftests/run_tests.sh" --module "$module" --scale "$scale" || rc=1
"$top/selftests/stress/run_stress.sh" --module "$module" --scale "$scale" \
	--fuzz-inputs 100000 || rc=1

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
