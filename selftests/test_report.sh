#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_report.sh - shadowctl report --quick -o DIR with the module loaded:
# it exits 0 and writes DIR/report.md (its sections, the compare table,
# the conclusions, every part's status), DIR/report.json (schema
# shadowslab-report/1, each sub-document with its own schema, valid
# against docs/schema where the checkout and python3-jsonschema are at
# hand) and, with gnuplot, the compare plot as SVG, linked from report.md.
# --quick keeps it to about half a minute in a TCG guest.
#
# run_tests.sh loads the module first (tests.list: loaded).  shadowctl is
# taken from the tools build (make tools), or from $SHADOWCTL.

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

shadowctl=${SHADOWCTL:-$selftests/../build/tools/shadowctl/shadowctl}
schemas=$selftests/../docs/schema
validate=$selftests/../tools/tests/validate_json.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$tmp/report

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -x $shadowctl ]]; then
	ksft_exit_fail_msg "no shadowctl at $shadowctl (build it: make tools)"
fi
if [[ ! -c /dev/shadowslab ]]; then
	ksft_exit_fail_msg "no /dev/shadowslab: is the module loaded?"
fi
ksft_print_msg "shadowctl $shadowctl, kernel $(uname -r), online CPUs $(cat /sys/devices/system/cpu/online)"

ksft_set_plan 8

# 1: it runs, and says where it wrote.
start=$SECONDS
"$shadowctl" report --quick -o "$dir" >"$tmp/out" 2>"$tmp/err"
rc=$?
ksft_print_msg "$(cat "$tmp/out" "$tmp/err")"
ksft_test_result $((rc != 0)) "report --quick -o DIR exits 0 in $((SECONDS - start)) s (got $rc)"

# 2: report.md, with every section.
md=$dir/report.md
missing=
for section in '# shadowslab report' '## Conclusions' '## Parts' '## Environment' \
	'## compare' '## Possible-CPU sweep' '## exec' '## The percpu strategy'; do
	grep -q -- "^$section" "$md" 2>/dev/null || missing+=" '$section'"
done
[[ -s $md && -z $missing ]]
ksft_test_result $? "report.md has every section${missing:+ (missing:$missing)}"

# 3: the compare table with its spread, and the ratios with intervals.
grep -q '^| strategy | threads | cycles/s |' "$md" && grep -q '^| ctor | 2 | .*±' "$md" &&
	grep -q '^| ctor_scaling_2t | [0-9.]* (95% interval ' "$md"
ksft_test_result $? "report.md: the compare table with ± and ctor_scaling_2t with its interval"

# 4: at least one conclusion; every part has a status, and one that did not
# run says why.
conclusions=$(sed -n '/^## Conclusions/,/^## /p' "$md" | grep -c '^- ')
bad_parts=$(sed -n '/^## Parts/,/^## /p' "$md" | grep -E '^\| [a-z_]+ \| ' |
	grep -v -E '^\| [a-z_]+ \| (ran \| .*|(skipped|failed) \| [^|]+ )\|$' | grep -v '^| part |')
((conclusions > 0)) && [[ -z $bad_parts ]]
ksft_test_result $? "report.md: $conclusions conclusions, every part ran or says why not${bad_parts:+: $bad_parts}"

# 5: report.json and its sub-documents' schemas.
json=$dir/report.json
if command -v jq >/dev/null; then
	jq -e '.schema == "shadowslab-report/1" and .info.schema == "shadowslab-info/1"
		and .compare.schema == "shadowslab-compare/2"
		and (.execbench == null or .execbench.schema == "shadowslab-execbench/1")
		and (.percpu_run == null or .percpu_run.schema == "shadowslab-run/1")
		and ([.parts[].name] == ["info", "compare", "possible_cpu_sweep", "execbench", "percpu_trace"])' \
		"$json" >/dev/null
	ksft_test_result $? "report.json: shadowslab-report/1, each part's document with its own schema"
else
	ksft_test_result_skip "report.json's keys: no jq"
fi

# 6: report.json against docs/schema (a checkout, not an installed box).
if [[ -d $schemas && -f $validate ]] && python3 -c 'import jsonschema' 2>/dev/null; then
	python3 "$validate" "$schemas" "$json" >"$tmp/valid" 2>&1
	rc=$?
	ksft_print_msg "$(cat "$tmp/valid")"
	ksft_test_result $rc "report.json validates against docs/schema/shadowslab-report-1.json"
else
	ksft_test_result_skip "report.json against its schema: no docs/schema or python3-jsonschema here"
fi

# 7: the compare plot beside report.md and linked from it, or the reason
# there is none.
if command -v gnuplot >/dev/null; then
	grep -q '<svg' "$dir/compare.svg" 2>/dev/null && grep -qF '](compare.svg)' "$md"
	ksft_test_result $? "compare.svg is drawn and linked from report.md"
else
	grep -q '^Plots: none drawn' "$md"
	ksft_test_result $? "without gnuplot, report.md says why there are no plots"
fi

# 8: -o - is refused: report's -o is a directory.
"$shadowctl" report --quick -o - >/dev/null 2>&1
rc=$?
ksft_test_result $((rc != 2)) "report -o - is a usage error (exit 2, got $rc)"

ksft_finished
