#pragma once

// `shadowctl execbench` output.  The text comes in pieces because the
// interval lines are printed as they are measured:
//   format_execbench_heading + (format_interval_heading + format_interval
//   per interval, unless quiet) + format_execbench_summary
//   + format_execbench_comparison
// and format_execbench_text() puts the same pieces together at once.

#include <string>

#include "execbench.hpp"
#include "format_util.hpp"

namespace shadowctl {

// "execbench: N workers exec()ing PATH on CPUs LIST for S, ops/s every I"
// and the kernel release.
std::string format_execbench_heading(const execbench::Report& report);

std::string format_interval_heading();
// "   1.00 s       1234.0         617.0" (end time, ops/s, ops/s per CPU).
std::string format_interval(const execbench::Interval& interval, std::size_t cpus);

// Status, the total (execs, ops/s overall and per CPU) and a per-CPU table.
std::string format_execbench_summary(const execbench::Report& report);

// The comparison with the module's workload, the note why there is none, or
// nothing if --compare was not given.
std::string format_execbench_comparison(const execbench::Report& report);

std::string format_execbench_text(const execbench::Report& report, bool with_intervals);

// Schema "shadowslab-execbench/1":
//   schema, status ("completed" | "cancelled"), kernel_release, target,
//   cpus[], duration_ns, interval_ns (as asked), elapsed_ns (timed),
//   total_ops, ops_per_sec, ops_per_sec_per_cpu, ns_per_op_per_cpu (null
//   without execs),
//   per_cpu: [{cpu, ops, ops_per_sec}],
//   intervals: [{end_ns, elapsed_ns, ops, ops_per_sec, per_cpu_ops[]}],
//   comparison: null (no --compare, or it could not run) or
//     {status, kernel_release, mm_has_percpu, profile, matching_strategy,
//      note, cpus[], duration_ns, exec_ops_per_sec, exec_ops_per_sec_per_cpu,
//      exec_ns_per_op_per_cpu,
//      percpu, slab: null (not run) or {status, profile, total_cycles,
//        elapsed_ns, cycles_per_sec, cycles_per_sec_per_cpu,
//        ns_per_cycle_per_cpu, percpu_allocs_per_cycle},
//      percpu_share_of_exec_estimate (a fraction, e.g. 0.05; null if
//      unknown)},
//   comparison_note: why --compare did not run, else null.
Json execbench_to_json(const execbench::Report& report);

}  // namespace shadowctl
