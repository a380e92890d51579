# SPDX-License-Identifier: GPL-2.0
#
# profile-match.jq - does the module's percpu strategy make, per cycle, the
# same percpu allocations as one exec makes on this kernel?
#
#   jq -n --slurpfile exec EXECBENCH.json --slurpfile run RUN.json \
#      -f selftests/profile-match.jq
#
# EXECBENCH.json: "shadowctl execbench --trace --json": the kernel's own
#   exec path; its allocations are the core kernel's (by_module.vmlinux)
#   over the exec loop, divided by the execs counted in that window.
# RUN.json: "shadowctl run --trace --json --strategy percpu" with the
#   profile under test; its allocations are the module's
#   (by_module.shadowslab) in the timed phase, divided by its cycles.
#
# Both are counted by the tracer, by size and alignment per CPU as
# pcpu_alloc() was asked for (the tracepoint's size and align).  Never by
# bytes_alloc: for an accounted allocation (GFP_KERNEL_ACCOUNT) from a
# task in a memcg it also counts memcg's obj_cgroup pointers, which exec
# pays and the module's kthreads (which bypass memcg) do not, or do once
# they charge a memcg; the sizes asked for are the same either way.
#
# An allocation belongs to the pattern when it happens at least once every
# two execs (cycles); it counts round(rate) times.  That keeps the odd
# allocation of the rest of the system out of the exec window, and a timed
# phase that misses a millisecond at its edges still rounds to the truth.
#
# Output: {"match": bool, "exec": [...], "module": [...], "execs", "cycles"}
# where each list holds {"size", "align", "per": allocations per exec or
# cycle, rounded} sorted by size and align, and "match" is true when both
# lists are equal and not empty.

def pattern($sizes; $n):
	[($sizes // [])[]
	 | select($n > 0 and .count / $n >= 0.5)
	 | {size, align, per: ((.count / $n) + 0.5 | floor)}]
	| sort_by(.size, .align);

($exec[0]) as $e
| ($run[0]) as $r
| ($e.trace_per_exec.execs // 0) as $execs
| ($r.total_cycles // 0) as $cycles
| pattern($e.trace.percpu.by_module.vmlinux.alloc_sizes; $execs) as $exec_pattern
| pattern($r.trace.percpu.by_module.shadowslab.alloc_sizes; $cycles) as $module_pattern
| {
	match: ($exec_pattern != [] and $exec_pattern == $module_pattern),
	execs: $execs,
	cycles: $cycles,
	exec: $exec_pattern,
	module: $module_pattern
}
