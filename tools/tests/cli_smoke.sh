#!/bin/sh
# shadowctl end to end without a device: help, usage errors and a missing
# device must each give the documented exit status and message.
set -u
shadowctl=$1
missing=/nonexistent/shadowslab
# expect STATUS PATTERN -- ARGS..., fail MESSAGE
. "$(dirname "$0")/smoke_lib.sh"

expect 0 'Usage: shadowctl' -- --help
expect 0 'Usage: shadowctl compare' -- compare --help
expect 0 'schema shadowslab-compare/' -- compare --help
expect 0 '130  interrupted by Ctrl-C' -- --help
expect 0 'ABI' -- --version
expect 1 '^shadowctl: open /nonexistent/shadowslab: No such file or directory; is the module loaded? (insmod kmod/shadowslab.ko)$' -- --device $missing info
expect 1 '^shadowctl: open /nonexistent/shadowslab' -- cache list --device $missing
expect 2 '^shadowctl: --threads excludes --cpus' -- run --strategy ctor --threads 1 --cpus 0 --cycles 1
expect 2 'Usage: shadowctl' --
expect 2 '^shadowctl: A subcommand is required' -- --device $missing
expect 1 '"schema": "shadowslab-error/1"' -- --device $missing info --json
expect 2 '^shadowctl: --duration: duration .5x. is not a duration' -- run --strategy ctor --threads 1 --duration 5x
expect 2 '^shadowctl: run: one of --cycles or --duration is required' -- run --strategy ctor --threads 1
expect 2 '^shadowctl: --strategy: unknown strategy' -- run --strategy magic --threads 1 --cycles 1
expect 2 '^shadowctl: NEW is required' -- diff only-one.json
expect 1 '^shadowctl: open /nonexistent/a.json: No such file or directory$' -- diff /nonexistent/a.json /nonexistent/b.json
expect 1 '^shadowctl: /dev/null: not JSON' -- diff /dev/null /dev/null

[ "$failures" -eq 0 ] || exit 1
echo "all shadowctl smoke checks passed"
