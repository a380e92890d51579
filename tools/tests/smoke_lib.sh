#!/bin/sh
# smoke_lib.sh - what the shadowctl smoke tests (*_smoke.sh) share; each
# sources it after setting shadowctl, and ends with "exit $failures" or
# the like.

failures=0

fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}

# expect STATUS PATTERN -- ARGS...: run shadowctl, check its exit status and
# that its combined output matches the grep pattern.
expect() {
    status=$1 pattern=$2
    shift 3
    # shellcheck disable=SC2154 # shadowctl: set by the sourcing script
    output=$("$shadowctl" "$@" 2>&1)
    got=$?
    if [ "$got" -ne "$status" ] || ! printf '%s\n' "$output" | grep -q -- "$pattern"; then
        fail "shadowctl $* -> status $got (want $status), output:"
        printf '%s\n' "$output" | sed 's/^/    /'
    fi
}
