# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# stress_lib.sh - what the shell stress tests share: ../ksft.sh, the
# iteration scale, the C helper, and the "# stress-summary:" line.  Source
# it; it runs nothing itself.

stress_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../ksft.sh
. "$stress_dir/../ksft.sh"
# shellcheck source=../run_lib.sh source-path=SCRIPTDIR
. "$stress_dir/../run_lib.sh"

# The C helper (stress_helper.c), built by run_stress.sh into $STRESS_BIN.
STRESS_BIN=${STRESS_BIN:-${OUTPUT:-$stress_dir/../../build/selftests}/stress}
helper=$STRESS_BIN/stress_helper

# scaled N [MIN]: N * STRESS_SCALE, rounded, at least MIN (default 1).
scaled() {
	awk -v n="$1" -v min="${2:-1}" -v s="${STRESS_SCALE:-1}" 'BEGIN {
		if (s !~ /^[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/ || s <= 0) s = 1
		v = int(n * s + 0.5); if (v < min) v = min; print v }'
}

# The usual preconditions of a test that needs the loaded module.
stress_require_module() {
	if ((EUID != 0)); then
		ksft_exit_skip "must be run as root"
	fi
	if [[ ! -e /sys/module/shadowslab ]]; then
		ksft_exit_skip "shadowslab is not loaded (run_stress.sh loads it)"
	fi
	if [[ ! -x $helper ]]; then
		echo "Bail out! no helper at $helper (run_stress.sh builds it)"
		exit $KSFT_FAIL
	fi
}

# meminfo FIELD: its value in kB.
meminfo() {
	awk -v f="$1:" '$1 == f { print $2; exit }' /proc/meminfo
}

# Run the helper; its KEY=VALUE words are evaluated into the caller's
# variables, its "# " lines passed through.  Returns the helper's status.
# Usage: hv PREFIX SUBCOMMAND ARGS...   (variables become PREFIX_KEY)
hv() {
	local prefix=$1 out rc line word
	shift
	out=$("$helper" "$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		if [[ $line == \#* ]]; then
			echo "$line"
			continue
		fi
		for word in $line; do
			if [[ $word =~ ^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.:-]*$ ]]; then
				printf -v "${prefix}_${word%%=*}" '%s' "${word#*=}"
			else
				echo "# helper: $line"
				break
			fi
		done
	done <<<"$out"
	return $rc
}
