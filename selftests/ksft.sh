# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# ksft.sh - kselftest.h for shell tests: the same TAP 13 output and exit
# codes (KSFT_PASS 0, KSFT_FAIL 1, KSFT_SKIP 4) under the same names, so
# that shell and C tests read alike.  Source it; it runs nothing itself.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ksft_plan=0
ksft_pass=0
ksft_fail=0
ksft_skip=0

ksft_print_header() {
	echo "TAP version 13"
}

ksft_set_plan() {
	ksft_plan=$1
	echo "1..$ksft_plan"
}

# Every line of the message as a "# " comment, so that a multi-line one
# (a command's error output) cannot break the TAP stream.
ksft_print_msg() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

ksft_test_num() {
	echo $((ksft_pass + ksft_fail + ksft_skip))
}

ksft_test_result_pass() {
	ksft_pass=$((ksft_pass + 1))
	echo "ok $(ksft_test_num) $*"
}

ksft_test_result_fail() {
	ksft_fail=$((ksft_fail + 1))
	echo "not ok $(ksft_test_num) $*"
}

# A point that could not run here, counted as kselftest does.
ksft_test_result_skip() {
	ksft_skip=$((ksft_skip + 1))
	echo "ok $(ksft_test_num) $* # SKIP"
}

# ksft_test_result STATUS DESCRIPTION: pass if STATUS is 0, else fail.
ksft_test_result() {
	local status=$1

	shift
	if ((status == 0)); then
		ksft_test_result_pass "$@"
	else
		ksft_test_result_fail "$@"
	fi
}

ksft_print_cnts() {
	if ((ksft_plan != $(ksft_test_num))); then
		echo "# Planned tests != run tests ($ksft_plan != $(ksft_test_num))"
	fi
	echo "# Totals: pass:$ksft_pass fail:$ksft_fail xfail:0 xpass:0 skip:$ksft_skip error:0"
}

# Exit with KSFT_PASS if every planned test passed or was skipped.
ksft_finished() {
	ksft_print_cnts
	if ((ksft_fail == 0 && ksft_pass + ksft_skip == ksft_plan)); then
		exit $KSFT_PASS
	fi
	exit $KSFT_FAIL
}

ksft_exit_fail_msg() {
	echo "Bail out! $*"
	ksft_print_cnts
	exit $KSFT_FAIL
}

# Skip the whole test, before its plan: "1..0 # SKIP reason".
ksft_exit_skip() {
	echo "1..0 # SKIP $*"
	exit $KSFT_SKIP
}
