#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# matrix.sh - "make matrix": one row per Debian kernel, each booted under
# QEMU with the module built for it.
#
# For each lane (MATRIX_LANES, default "stable lts newest"; see
# scripts/fetch-kernel.sh): fetch the kernel, build the module against its
# headers (W=1), then in one scripts/vm-run guest of it (2 online, 4
# possible CPUs) scripts/matrix-guest.sh runs every selftest and measures
# exec and the module.  The row:
#
#   release, lane, packages   the kernel, and every package used, versioned
#   module_built              the module built against its headers
#   selftests {passed, failed, skipped}
#   exec {per_exec_percpu_allocs, per_exec_percpu_bytes,
#         pcpu_alloc_mutex_waits_per_exec}   execbench --trace, 2 CPUs,
#                             system-wide over the exec loop, per exec;
#                             bytes as the tracepoint's bytes_alloc (all
#                             possible CPUs, plus memcg's obj_cgroup
#                             pointers when accounted)
#        {execs_per_s {"1", "2"}}  execbench untraced, 1 and 2 CPUs
#   kernel_profile            what the module chose (shadowctl info)
#   exec_pattern, module_pattern   allocations per exec and per percpu cycle
#                             by size and alignment (profile-match.jq)
#   profile_match             the two are equal
#   compare                   shadowctl compare's ratios (defaults: percpu,
#                             ctor, slab at 1 and 2 threads, 3 rounds)
#
# Output: build/matrix/matrix.json (schema shadowslab-matrix/1), a table on
# the terminal, and each lane's raw files in build/matrix/LANE/.  A run of
# some lanes (MATRIX_LANES=lts) replaces their rows and keeps the others'
# last ones, each with its date.  Exit
# status non-zero if a lane could not be measured, a module did not build
# or a selftest failed.
#
# Environment: MATRIX_LANES, MATRIX_DURATION (see matrix-guest.sh),
#              VM_OPTS (extra scripts/vm-run options)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/matrix
lanes=${MATRIX_LANES:-stable lts newest}
mkdir -p "$out"
status=0

# lane_row LANE: measure one lane; writes $out/LANE/row.json.
lane_row() {
	local lane=$1 dir=$out/$1 paths built=false start=$SECONDS p f s
	local RELEASE="" KERNEL_IMAGE="" MODULES_DIR="" KDIR="" BUILD_ROOT="" PACKAGES=""
	local root_opt=() module=$dir/kmod/kmod/shadowslab.ko timings=()
	rm -rf "$dir/guest"
	mkdir -p "$dir/guest"
	echo "==== $lane"
	if ! paths=$("$top/scripts/fetch-kernel.sh" "$lane"); then
		echo "matrix: $lane: no kernel" >&2
		return 1
	fi
	eval "$paths"
	timings+=("fetch $((SECONDS - start)) s")
	start=$SECONDS
	[[ -z $BUILD_ROOT ]] || root_opt=(--root "$BUILD_ROOT")
	if "$top/scripts/build-kmod-copy.sh" "${root_opt[@]}" "$KDIR" "$dir/kmod" \
		"$dir/module-build.log" W=1 &&
		! grep -q -E 'warning:|WARNING:' "$dir/module-build.log"; then
		built=true
	fi
	timings+=("module $((SECONDS - start)) s")
	start=$SECONDS
	if [[ $built == true ]]; then
		# shellcheck disable=SC2086 # VM_OPTS is a list of options
		"$top/scripts/vm-run" --quiet --kernel "$KERNEL_IMAGE" \
			--modules-dir "$MODULES_DIR" --cpus 2 --maxcpus 4 --mem 2G \
			--timeout 2400 ${VM_OPTS:-} -- \
			"$top/scripts/matrix-guest.sh" "$dir/guest" "$module" |
			tee "$dir/guest.log"
	fi
	timings+=("guest $((SECONDS - start)) s")
	read -r p f s < <(awk -f "$top/scripts/tap-count" "$dir/guest/selftests.log" 2>/dev/null || echo "0 0 0")
	echo "matrix: $lane took ${timings[*]}"
	jq -n --arg lane "$lane" --arg release "$RELEASE" --arg packages "$PACKAGES" \
		--argjson built "$built" --argjson p "${p:-0}" --argjson f "${f:-0}" \
		--argjson s "${s:-0}" --arg timings "${timings[*]}" '
		{lane: $lane, release: $release,
		 packages: ($packages | split(" ") | map(select(. != ""))),
		 module_built: $built,
		 selftests: {passed: $p, failed: $f, skipped: $s},
		 date: (now | todate), wall_times: $timings}' >"$dir/row-base.json"
	# The guest's files, where they exist, fold into the row.
	local f_
	for f_ in info exec-1 exec-2 exec-trace match compare; do
		[[ -s $dir/guest/$f_.json ]] || echo null >"$dir/guest/$f_.json"
	done
	jq -n --slurpfile base "$dir/row-base.json" \
		--slurpfile info "$dir/guest/info.json" \
		--slurpfile e1 "$dir/guest/exec-1.json" --slurpfile e2 "$dir/guest/exec-2.json" \
		--slurpfile et "$dir/guest/exec-trace.json" --slurpfile m "$dir/guest/match.json" \
		--slurpfile c "$dir/guest/compare.json" '
		def per($n; $d): if ($d // 0) > 0 then ($n / $d) else null end;
		$base[0] + {
		  exec: {
		    per_exec_percpu_allocs: $et[0].trace_per_exec.percpu_allocs,
		    per_exec_percpu_bytes: per($et[0].trace.percpu.alloc_bytes; $et[0].trace_per_exec.execs),
		    pcpu_alloc_mutex_waits_per_exec: $et[0].trace_per_exec.pcpu_alloc_mutex_contentions,
		    execs_per_s: {"1": $e1[0].ops_per_sec, "2": $e2[0].ops_per_sec},
		    traced_execs: $et[0].trace_per_exec.execs
		  },
		  kernel_profile: $info[0].kernel_profile,
		  mm_struct_size: $info[0].mm_struct_size,
		  possible_cpus: $info[0].nr_possible_cpus,
		  exec_pattern: $m[0].exec,
		  module_pattern: $m[0].module,
		  profile_match: ($m[0].match // false),
		  compare: $c[0].ratios
		}' >"$dir/row.json"
	[[ $built == true && ${f:-1} == 0 && ${p:-0} -gt 0 ]]
}

for lane in $lanes; do
	lane_row "$lane" || status=1
done

rows=()
for lane in stable lts newest; do
	[[ -s $out/$lane/row.json ]] && rows+=("$out/$lane/row.json")
done
jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--arg host "$(nproc) CPUs, $(uname -r), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
	'{schema: "shadowslab-matrix/1", date: $date, host: $host,
	  how: "scripts/vm-run, QEMU TCG, 2 online vCPUs, --maxcpus 4 (6.12 and 7.x count only the present ones as possible), 2 GiB",
	  kernels: [inputs]}' "${rows[@]}" >"$out/matrix.json"

jq -r '
	def n($x; $d): if $x == null then "-" else ($x * $d | round / $d | tostring) end;
	["release", "lane", "module", "selftests", "allocs/exec", "bytes/exec",
	 "execs/s 1", "execs/s 2", "waits/exec", "ctor/slab 1t", "percpu x2", "profile_match"],
	(.kernels[] | [.release, .lane, (.module_built | tostring),
	  "\(.selftests.passed) ok \(.selftests.failed) fail",
	  n(.exec.per_exec_percpu_allocs; 100), n(.exec.per_exec_percpu_bytes; 1),
	  n(.exec.execs_per_s["1"]; 1), n(.exec.execs_per_s["2"]; 1),
	  n(.exec.pcpu_alloc_mutex_waits_per_exec; 1000),
	  n(.compare.ctor_over_slab_1t.value; 100), n(.compare.percpu_scaling_2t.value; 100),
	  (if .kernel_profile.what_if then "\(.profile_match) (what-if)" else (.profile_match | tostring) end)])
	| @tsv' "$out/matrix.json" | column -t -s $'\t'
echo
jq -r '.kernels[] | "\(.release): kernel profile \(.kernel_profile.basis // "?"): " +
	([.kernel_profile.regions[]? | "\(.size):\(.align)"] | join(", ")) +
	"; per exec \(.exec_pattern | tostring); per cycle \(.module_pattern | tostring)"' "$out/matrix.json"
echo "matrix: $out/matrix.json"
exit $status
