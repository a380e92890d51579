#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test_tracer_bpftrace.sh - every bpftrace script in scripts/bpftrace/ runs
# on this kernel during a 2-thread percpu run, and prints the maps it
# promises (tests.list: loaded).
#
# What a script promises is read from its header, the "Output, at exit:"
# paragraph (each @map named there), and at least:
#   pcpu-alloc-mutex.bt      @contentions, @wait_ns, @stacks
#   percpu-alloc-latency.bt  @allocations, @latency_ns, @latency_by_caller
# A map is there when a line of the output starts with "@name" (bpftrace
# prints every map left at exit).
#
# SHADOWCTL names the binary (default: build/tools/shadowctl/shadowctl);
# SHADOWSLAB_BPFTRACE_DIR the scripts' directory (default: scripts/bpftrace;
# run_tests.sh of an installed tree sets both).

selftests=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ksft.sh source-path=SCRIPTDIR
. "$selftests/ksft.sh"

shadowctl=${SHADOWCTL:-$selftests/../build/tools/shadowctl/shadowctl}
scripts=${SHADOWSLAB_BPFTRACE_DIR:-$selftests/../scripts/bpftrace}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A required=(
	[pcpu-alloc-mutex.bt]="@contentions @wait_ns @stacks"
	[percpu-alloc-latency.bt]="@allocations @latency_ns @latency_by_caller"
)

# The @maps named in a script's "Output, at exit:" paragraph.
promised() {
	awk '/Output, at exit:/ { on = 1 } on && /^ \*\/|^ \*$/ { exit } on' "$1" |
		grep -o '@[A-Za-z_][A-Za-z0-9_]*' | sort -u
}

ksft_print_header
if ((EUID != 0)); then
	ksft_exit_skip "must be run as root"
fi
if [[ ! -x $shadowctl ]]; then
	ksft_exit_skip "no shadowctl at $shadowctl (make tools)"
fi
if ! command -v bpftrace >/dev/null; then
	ksft_exit_skip "bpftrace is needed"
fi
# (No process substitution: the VM has no /dev/fd.)
shopt -s nullglob
files=("$scripts"/*.bt)
if ((${#files[@]} == 0)); then
	ksft_exit_skip "no bpftrace script in $scripts"
fi
ksft_set_plan $((2 * ${#files[@]}))

# bpftrace -c takes a plain command line: the run goes through a script.
cat >"$tmp/run.sh" <<EOF
exec "$shadowctl" run --strategy percpu --threads 2 --duration 2 >"$tmp/run.out"
EOF

for file in "${files[@]}"; do
	name=$(basename "$file")
	timeout 240 bpftrace "$file" -c "/bin/bash $tmp/run.sh" >"$tmp/out" 2>&1
	rc=$?
	ksft_print_msg "bpftrace $name: exit $rc; run: $(grep -m1 '^ total' "$tmp/run.out")"
	ksft_test_result $rc "$name runs during a percpu run"

	missing=()
	read -r -a maps <<<"$(promised "$file" | tr '\n' ' ')"
	read -r -a extra <<<"${required[$name]:-}"
	want=("${maps[@]}" "${extra[@]}")
	for map in "${want[@]}"; do
		if ! grep -q "^${map}[:\[]" "$tmp/out"; then
			missing+=("$map")
		fi
	done
	if ((${#maps[@]} > 0 && ${#missing[@]} == 0)); then
		ksft_print_msg "$name printed: $(printf '%s\n' "${want[@]}" | sort -u | tr '\n' ' ')"
		ksft_test_result_pass "$name prints its sections"
	else
		ksft_print_msg "$name: missing ${missing[*]:-the Output paragraph in its header}; output:"
		ksft_print_msg "$(head -c 3000 "$tmp/out")"
		ksft_test_result_fail "$name prints its sections"
	fi
done

ksft_finished
