#!/bin/sh
# shadowctl trace end to end, where no tracing is needed: help, usage errors
# and a command that cannot start (checked before the BPF programs load).
set -u
shadowctl=$1
# expect STATUS PATTERN -- ARGS..., fail MESSAGE
. "$(dirname "$0")/smoke_lib.sh"

notexec=$(mktemp)
trap 'rm -f "$notexec"' EXIT

expect 0 'Usage: shadowctl trace' -- trace --help
expect 0 'shadowslab-trace/1' -- trace --help
expect 0 '  trace ' -- --help
expect 2 '^shadowctl: --duration: duration must be more than 0' -- trace --duration 0
expect 2 'needs at least one --lock-symbol' -- trace --no-default-locks
expect 127 "^shadowctl: cannot run '/nonexistent/cmd': No such file or directory" -- trace -- /nonexistent/cmd
expect 127 "^shadowctl: cannot run 'no-such-command-xyz'" -- trace -- no-such-command-xyz
expect 126 "Permission denied" -- trace -- "$notexec"
expect 0 '--trace' -- run --help
expect 0 '--trace' -- compare --help

[ "$failures" -eq 0 ] || exit 1
echo "all shadowctl trace smoke checks passed"
