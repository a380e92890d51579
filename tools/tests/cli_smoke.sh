#!/bin/sh
# shadowctl end to end without a device: help, usage errors and a missing
# device must each give the documented exit status and message.
set -u
shadowctl=$1
missing=/nonexistent/shadowslab
failures=0

# expect STATUS PATTERN -- ARGS...: run shadowctl, check its exit status and
# that its combined output matches the grep pattern.
expect() {
    status=$1 pattern=$2
    shift 3
    output=$("$shadowctl" "$@" 2>&1)
    got=$?
    if [ "$got" -ne "$status" ] || ! printf '%s\n' "$output" | grep -q -- "$pattern"; then
        echo "FAIL: shadowctl $* -> status $got (want $status), output:"
        printf '%s\n' "$output" | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

expect 0 'Usage: shadowctl' -- --help
expect 0 'Usage: shadowctl compare' -- compare --help
expect 0 'ABI' -- --version
expect 1 '^shadowctl: open /nonexistent/shadowslab: No such file or directory; is the module loaded? (insmod kmod/shadowslab.ko)$' -- --device $missing info
expect 1 '^shadowctl: open /nonexistent/shadowslab' -- cache list --device $missing
expect 2 '^shadowctl: --threads excludes --cpus' -- run --strategy ctor --threads 1 --cpus 0 --cycles 1
expect 2 '^shadowctl: A subcommand is required' --
expect 2 '^shadowctl: run: one of --cycles or --duration is required' -- run --strategy ctor --threads 1
expect 2 '^shadowctl: --strategy: unknown strategy' -- run --strategy magic --threads 1 --cycles 1

[ "$failures" -eq 0 ] || exit 1
echo "all shadowctl smoke checks passed"
