#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# json_schema_check.sh SHADOWCTL SCHEMA_DIR - every JSON document shadowctl
# writes validates against its schema in SCHEMA_DIR (docs/schema): those
# this host can make without the module (execbench, diff, a failure's
# error document) and the examples captured in a VM (SCHEMA_DIR/examples, made by
# scripts/json-examples.sh: info, run, run --trace, compare, cache, trace, report),
# so that every document schema is checked against real output.  Exit 77
# (ctest's skip) without python3-jsonschema.

shadowctl=$1
schemas=$2
here=$(dirname "$0")
python3 -c 'import jsonschema' 2>/dev/null || {
	echo "skip: no python3-jsonschema"
	exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$shadowctl" execbench --threads 1 --duration 200ms --json >"$tmp/execbench.json" || exit 1
# diff needs no device: the captured report against itself.
"$shadowctl" diff --json "$schemas/examples/report.json" "$schemas/examples" >"$tmp/diff.json" || exit 1
# No device here: info fails, and --json prints the error document.
"$shadowctl" --device "$tmp/none" --json info >"$tmp/error.json" 2>/dev/null
[ -s "$tmp/error.json" ] || exit 1

exec python3 "$here/validate_json.py" --every-schema "$schemas" "$tmp"/*.json "$schemas"/examples/*.json
