# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# check-lib.sh - what check.sh, check-debug.sh and check-rt.sh share: one
# count of test points over several parts, a summary line per part, and
# the final "N passed, N failed, N skipped" line.  Sourced, not run.
#
# The sourcing script sets $top and $logs first.

pass=0 fail=0 skip=0
summary=()
failed_points=()
part_start=$SECONDS

# record PART PASS FAIL SKIP [NOTE]: the part's count, and its wall time
# since its banner.
record() {
	pass=$((pass + $2)) fail=$((fail + $3)) skip=$((skip + $4))
	summary+=("$(printf '%-11s %4d passed, %d failed, %d skipped  %s%s' \
		"$1" "$2" "$3" "$4" "$(duration $((SECONDS - part_start)))" \
		"${5:+  ($5)}")")
}

# duration SECONDS: as "12m05s".
duration() {
	printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

banner() {
	part_start=$SECONDS
	printf '\n==== %s ====\n' "$1"
}

# run_tap [--vm] PART LOG CMD... : run a TAP-printing command, tee its
# output to LOG and record its points (record_tap).
#
# --vm: CMD runs a guest under scripts/vm-run.  A guest that wedged (its
# heartbeat stopped: vm-run exits 4 with where its vCPUs were, and no
# kernel report) is run once more in a fresh guest.  CI once lost a lane
# to a guest gone silent without a word, as QEMU's known faults under live
# text patching leave one (vm-run --help, "TCG threads"); a kernel
# deadlock usually draws a lockdep, hung-task or soft-lockup report first,
# a failure of its own, not rerun.  The wedged run's log, with the vCPU
# dump, stays beside LOG as LOG.wedged, and the part's summary line says
# so, pass or fail.
run_tap() {
	local opt=() part log rc note=
	if [[ $1 == --vm ]]; then
		opt=(--vm)
		shift
	fi
	part=$1 log=$2
	shift 2
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	if ((${#opt[@]} && rc == 4)) && guest_wedged "$log"; then
		mv -- "$log" "$log.wedged"
		note="the guest wedged once, vCPU dump in ${log#"$top/"}.wedged; rerun"
		echo "check: $part: $note"
		"$@" 2>&1 | tee "$log"
		rc=${PIPESTATUS[0]}
	fi
	record_tap "${opt[@]}" "$part" "$log" "$rc" "$note"
}

# guest_wedged LOG: whether vm-run's output in LOG says the guest stopped
# responding, with no kernel report before it.
guest_wedged() {
	grep -q '^vm-run: the guest stopped responding while CMD ran' "$1" &&
		! grep -q '^the kernel had reported a problem:' "$1"
}

# record_tap [--vm] PART LOG RC [NOTE]: record the TAP points in LOG, the output
# of a command that exited RC.  A run with no point, or one that failed
# without a failing point, adds a failure, so nothing that failed can
# vanish from the count.  --vm: the command was scripts/vm-run, whose own
# exit statuses (3 kernel report, 4 crash, 124 timeout) are named in the
# note; NOTE (run_tap's rerun of a wedged guest) goes before it.
record_tap() {
	local vm=0 part log rc p f s note="" wedged
	if [[ $1 == --vm ]]; then
		vm=1
		shift
	fi
	part=$1 log=$2 rc=$3 wedged=${4:-}
	read -r p f s < <(awk -f "$top/scripts/tap-count" "$log")
	if ((vm)); then
		case $rc in
		3) note="the kernel reported a problem (vm-run exit 3)" ;;
		4) note="the guest crashed or never finished (vm-run exit 4)" ;;
		124) note="timed out (vm-run exit 124)" ;;
		esac
	fi
	if ((p + f + s == 0)); then
		f=1 note=${note:-"no test ran (exit $rc)"}
	elif ((rc != 0 && f == 0)); then
		f=1 note=${note:-"exit $rc with no failing test point"}
	fi
	[[ -z $wedged ]] || note=$wedged${note:+; $note}
	record "$part" "$p" "$f" "$s" "$note"
	((f == 0)) || note_failed_points "$part" "$log"
	((!vm)) || [[ ! $rc =~ ^(3|4|124)$ ]] || note_vm_failure "$part" "$log"
}

# note_vm_failure PART LOG: where a guest run failed without a failing
# point (a kernel report, a crash, a timeout), keep the last test point
# before it and the head of vm-run's diagnosis for the summary: CI shows
# only the ends of its output, and the logs of its clean clone are gone
# once it ends.
note_vm_failure() {
	mapfile -t -O "${#failed_points[@]}" failed_points < <(
		awk -v part="$1" '
			/^vm-run: (kernel reported|timed out|the guest (stopped|never|.s boot made no progress under .*twice)|QEMU reported)/ && !diag {
				diag = 1
				print part ": after: " (last ? last : "(no test point yet)") }
			diag && n < 16 { print part ": " $0; n++; next }
			/^(ok|not ok) [0-9]+ / { last = $0 }' "$2")
}

# note_failed_points PART LOG: keep LOG's failing TAP points (at most 20)
# for finish() to list under the summary, where the end of a long log
# still shows them.
note_failed_points() {
	mapfile -t -O "${#failed_points[@]}" failed_points < <(
		grep -E '^(# )*not ok' "$2" | grep -Ev '# *(SKIP|TODO)' |
			head -n 20 | sed "s/^/$1: /")
}

# The summary and the count; exits non-zero if anything failed or
# nothing passed.
finish() {
	banner "summary"
	printf '%s\n' "${summary[@]}"
	if ((${#failed_points[@]})); then
		echo "failed points (at most 20 a part) and each failed guest's diagnosis (the logs have the rest):"
		printf '  %s\n' "${failed_points[@]}"
	fi
	echo "wall time: $(duration "$SECONDS")"
	echo "logs: $logs"
	echo "$pass passed, $fail failed, $skip skipped"
	((fail == 0 && pass > 0))
	exit
}
