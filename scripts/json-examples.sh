#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# json-examples.sh [OUTDIR] - capture one JSON document of every kind that
# shadowctl writes, from real runs in a VM of the default kernel with the
# module loaded, into OUTDIR (default docs/schema/examples), where ctest
# validates them against docs/schema (tools/tests/json_schema_check.sh).
# Rerun it when a document changes; it needs "make vm-kmod tools".  The
# runs are short: the documents' shapes matter here, not their figures.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$top/docs/schema/examples}")
mkdir -p "$out"

# shellcheck disable=SC2016,SC2086 # expanded in the guest; VM_OPTS is a list of options
"$top/scripts/vm-run" --quiet --cpus 2 --timeout 900 ${VM_OPTS:-} -- bash -c '
	set -eu
	shadowctl=$1 out=$2
	insmod "$3"
	trap "rmmod shadowslab" EXIT
	"$shadowctl" --json info >"$out/info.json"
	"$shadowctl" --json run --strategy percpu --threads 1 --duration 200ms >"$out/run.json"
	"$shadowctl" --json run --trace --strategy ctor --threads 2 --duration 200ms >"$out/run-trace.json"
	"$shadowctl" --json compare --strategies percpu,ctor,slab --threads-list 1,2 --rounds 2 \
		--duration 100ms >"$out/compare.json"
	"$shadowctl" --json compare --trace --strategies percpu --threads-list 1 --rounds 1 \
		--duration 100ms >"$out/compare-trace.json"
	"$shadowctl" --json trace --duration 200ms >"$out/trace.json"
	report=$(mktemp -d)
	"$shadowctl" --json report --quick -o "$report" >"$out/report.json"
	rm -rf "$report"
	"$shadowctl" --json cache create --profile mm-6.6 >"$out/cache-create.json"
	id=$(jq -r .id "$out/cache-create.json")
	"$shadowctl" --json cache alloc "$id" 8 >"$out/cache-alloc.json"
	"$shadowctl" --json cache stats "$id" >"$out/cache-stats.json"
	"$shadowctl" --json cache list >"$out/cache-list.json"
	"$shadowctl" --json cache free "$id" >"$out/cache-free.json"
	"$shadowctl" --json cache destroy "$id" >"$out/cache-destroy.json"
' bash "$top/build/tools/shadowctl/shadowctl" "$out" "$top/kmod/shadowslab.ko"
ls "$out"
