#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - "make demo": load shadowslab and compare the strategies.
#
# It runs "shadowctl compare" with its defaults (every strategy at 1 and 2
# threads), prints the table with each figure's spread and the environment,
# and writes the plot, the JSON and the CSV to build/demo/.  It ends with
# "shadowctl report", which measures again, with execbench and the tracer
# besides, and writes build/demo/report/ (report.md, report.json and its
# plots): what to paste into a mailing-list reply.  By default it does so
# in a VM of the stock kernel (scripts/vm-run); with DEMO_ON_HOST=1 it
# loads the module into the running kernel instead, which needs a kernel
# that loads modules and a module built for it ("make kmod" against the
# running kernel's headers).
#
# Environment: DEMO_ON_HOST=1   run on this machine, not in a VM
#              DEMO_ARGS="..."  extra "shadowctl compare" options
#              VM_OPTS="..."    extra scripts/vm-run options
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/demo
shadowctl=$top/build/tools/shadowctl/shadowctl
module=$top/kmod/shadowslab.ko
mkdir -p "$out"

# The part that runs where the module is loaded: this machine or the guest.
inside() {
	local rc=0
	insmod "$module"
	"$shadowctl" info
	echo
	# shellcheck disable=SC2086 # DEMO_ARGS is a list of options
	"$shadowctl" compare --plot "$out/compare.svg" \
		-o "$out/compare.json" --csv "$out/compare.csv" \
		${DEMO_ARGS:-} || rc=$?
	echo
	"$shadowctl" report -o "$out/report" || rc=$?
	rmmod shadowslab
	return $rc
}

if [[ "${1:-}" == --inside ]]; then
	inside
	exit
fi

if [[ "${DEMO_ON_HOST:-0}" == 1 ]]; then
	if ((EUID != 0)); then
		echo "demo: loading a module needs root" >&2
		exit 1
	fi
	if [[ ! -e /proc/modules ]]; then
		echo "demo: this kernel cannot load modules; run without DEMO_ON_HOST" >&2
		exit 1
	fi
	inside
else
	# Multi-threaded TCG, for 2-thread figures that mean something (see
	# "TCG threads" in vm-run --help).
	# shellcheck disable=SC2086 # VM_OPTS is a list of options
	"$top/scripts/vm-run" --quiet --cpus 2 --tcg-threads multi ${VM_OPTS:-} -- \
		"$top/scripts/demo.sh" --inside
fi

echo
echo "demo: plot $out/compare.svg, data $out/compare.json and $out/compare.csv"
echo "demo: report $out/report/report.md (report.json and plots beside it)"
