#!/bin/sh
# shadowctl execbench end to end on the build host, without the module: a
# short run in text and JSON, its usage errors, and --compare without a
# device, and SIGTERM.  Takes about 4 s.
set -u
shadowctl=$1
# expect STATUS PATTERN -- ARGS..., fail MESSAGE
. "$(dirname "$0")/smoke_lib.sh"

expect 0 'Usage: shadowctl execbench' -- execbench --help
expect 2 '^shadowctl: --target /nonexistent/loop: No such file or directory$' -- execbench --target /nonexistent/loop
expect 2 '^shadowctl: --target /: not a regular file$' -- execbench --target /
expect 2 '^shadowctl: --threads excludes --cpus' -- execbench --threads 1 --cpus 0
expect 2 '^shadowctl: --interval: 2.000 s is longer than --duration 1.000 s' -- execbench --duration 1 --interval 2
expect 1 'is /usr/bin/true the execbench-loop program' -- execbench --target /usr/bin/true --duration 1
expect 0 '^comparison: not run: /nonexistent/shadowslab does not exist' -- \
    execbench --threads 1 --duration 0.3 --quiet --compare --device /nonexistent/shadowslab

# Text: the interval lines and the total.
before=$failures
output=$("$shadowctl" execbench --threads 1 --duration 0.5 --interval 0.25 2>&1)
status=$?
[ "$status" -eq 0 ] || fail "text run: status $status"
lines=$(printf '%s\n' "$output" | grep -c '^ *[0-9.]* s  *[0-9.]*  *[0-9.]*$')
[ "$lines" -ge 2 ] || fail "text run: $lines interval lines, want 2"
printf '%s\n' "$output" | grep -q '^total: [1-9][0-9]* execs in ' || fail "text run: no total"
[ "$failures" -eq "$before" ] || printf '%s\n' "$output" | sed 's/^/    /'

# JSON on stdout: nothing else there, and the documented keys.
json=$("$shadowctl" execbench --threads 1 --duration 300ms --json)
status=$?
[ "$status" -eq 0 ] || fail "json run: status $status"
if command -v jq >/dev/null; then
    printf '%s\n' "$json" | jq -e '
        .schema == "shadowslab-execbench/1" and .status == "completed" and .total_ops > 0
        and (.cpus | length) == 1 and (.per_cpu | length) == 1 and (.intervals | length) >= 1
        and .comparison == null and .comparison_note == null
        and ([keys_unsorted[]] == ["schema","status","kernel_release","target","cpus","duration_ns",
             "interval_ns","elapsed_ns","total_ops","ops_per_sec","ops_per_sec_per_cpu",
             "ns_per_op_per_cpu","per_cpu","intervals","comparison","comparison_note","environment"])' >/dev/null ||
        fail "json run: unexpected JSON: $json"
else
    printf '%s\n' "$json" | grep -q '"schema": "shadowslab-execbench/1"' || fail "json run: no schema: $json"
fi

# SIGTERM (as from timeout(1)) acts as the first Ctrl-C: the partial
# result, and 128 + 15.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$shadowctl" execbench --threads 1 --duration 60 --quiet >"$out" 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 143 ] || fail "SIGTERM: status $status, want 143"
grep -q '^status: CANCELLED (partial results)' "$out" || fail "SIGTERM: no partial result"
[ "$failures" -eq 0 ] || sed 's/^/    /' "$out"

[ "$failures" -eq 0 ] || exit 1
echo "all execbench smoke checks passed"
