# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# run_lib.sh - what the two drivers, run_tests.sh and stress/run_stress.sh,
# share: finding a test's program, running it under a timeout with its
# output as TAP comments and its start marked in the kernel log, and
# turning its exit status into the TAP line that counts.  Source it; it
# runs nothing itself.  (stress/stress_lib.sh sources it too, for
# dmesg_since.)
#
# The sourcing driver keeps the counts in pass, fail and skip.

sysmod=/sys/module/shadowslab

usage_error() {
	echo "${0##*/}: $*" >&2
	echo "Try '$0 --help'." >&2
	exit 2
}

# driver_options SCALEVAR ARGS...: the options both drivers take,
# --module PATH.ko (into $module, made absolute; left empty if it was
# empty and not given) and --scale X (exported
# as SCALEVAR, a positive number).  The other words, in order, are left in
# driver_args for the driver's own options and test names; from a "--"
# on (kept) they are passed as they are.
driver_options() {
	local scalevar=$1 scale=

	shift
	driver_args=()
	while (($#)); do
		case $1 in
		--module)
			(($# >= 2)) || usage_error "--module needs a path"
			module=$2
			shift 2
			;;
		--module=*)
			module=${1#--module=}
			shift
			;;
		--scale)
			(($# >= 2)) || usage_error "--scale needs a number"
			scale=$2
			shift 2
			;;
		--scale=*)
			scale=${1#--scale=}
			shift
			;;
		--)
			driver_args+=("$@")
			break
			;;
		*)
			driver_args+=("$1")
			shift
			;;
		esac
	done
	[[ -z $module ]] || module=$(realpath -m -- "$module")
	[[ -n $scale ]] && export "$scalevar=$scale"
	scale=${!scalevar:-}
	if [[ -n $scale ]] &&
		! awk -v s="$scale" 'BEGIN { exit !(s ~ /^[0-9]*\.?[0-9]+$/ && s > 0) }'; then
		usage_error "--scale ($scalevar) must be a positive number, not '$scale'"
	fi
}

# Not root: say so on stderr and as a skipped TAP plan, exit KSFT_SKIP.
skip_unless_root() {
	if ((EUID != 0)); then
		echo "${0##*/}: must be run as root: $*" >&2
		echo "TAP version 13"
		echo "1..0 # SKIP must be run as root"
		exit 4
	fi
}

is_loaded() {
	[[ -e $sysmod ]]
}

# A TAP diagnostic: every line of "$*" as a "# " comment.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# The kernel log since the line containing MARKER.
dmesg_since() {
	dmesg | awk -v m="$1" 'found; index($0, m) { found = 1 }'
}

# test_program NAME SCRIPTS BIN: where test NAME is, a script (NAME.sh)
# in SCRIPTS, a C program in BIN, where the driver built it.
test_program() {
	if [[ $1 == *.sh ]]; then
		echo "$2/$1"
	else
		echo "$3/$1"
	fi
}

# run_test PATH TIMEOUT MARKER [LOG]: mark the kernel log, run PATH with no
# input under TIMEOUT seconds, its output shown as TAP comments (and kept
# in LOG if given).  Returns PATH's exit status, 124 on a timeout, 127 if
# PATH is missing (said as kselftest's runner says it).
run_test() {
	local path=$1 timeout=$2 marker=$3 log=${4:-/dev/null}

	if [[ ! -x $path ]]; then
		echo "# Warning: file $path is missing!"
		return 127
	fi
	echo "$marker" >/dev/kmsg
	timeout -k 10 "$timeout" "$path" </dev/null 2>&1 | tee "$log" |
		sed -u 's/^/# /'
	return "${PIPESTATUS[0]}"
}

# tap_result NUM DESCRIPTION RC TIMEOUT MARKER: the TAP line of a test that
# exited RC (KSFT_SKIP 4 is a skip, 124 a timeout); on failure the kernel
# log since MARKER comes first.  Counts it in pass, fail or skip.
tap_result() {
	local num=$1 hdr=$2 rc=$3 timeout=$4 marker=$5 log

	case $rc in
	0)
		echo "ok $num $hdr"
		pass=$((pass + 1))
		return
		;;
	4)
		echo "ok $num $hdr # SKIP"
		skip=$((skip + 1))
		return
		;;
	esac
	fail=$((fail + 1))
	log=$(dmesg_since "$marker" | tail -n 80)
	if [[ -n $log ]]; then
		echo "# kernel log since the test began:"
		diag "$log"
	fi
	if ((rc == 124)); then
		echo "not ok $num $hdr # TIMEOUT $timeout seconds"
	elif ((rc == 127)); then
		echo "not ok $num $hdr"
	else
		((rc > 128)) && rc="$rc (SIG$(kill -l $((rc - 128))))"
		echo "not ok $num $hdr # exit=$rc"
	fi
}
