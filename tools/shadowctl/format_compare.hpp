#pragma once

// `shadowctl compare` output: a text table, JSON and CSV of one
// CompareReport.  JSON rows and CSV lines are built from the same field list,
// so they always carry the same keys, in the same order.
//
// JSON schema "shadowslab-compare/1" (keys are stable; new keys may be added):
//   schema: "shadowslab-compare/1"
//   meta: {
//     date (ISO 8601 UTC), kernel_release, module_version, abi_version,
//     tool_version, cpus (cpulist used by the largest thread count),
//     online_cpus, possible_cpus (cpulists),
//     profile: {name, object_size (0 = default), regions: [{size, align}]},
//     strategies: [names], threads: [counts], rounds,
//     cycles (per thread per run; 0 = duration-bound),
//     duration_ns (per run; 0 = cycle-bound), warmup_cycles (per thread),
//     magazine_size (0 = default), sample_shift,
//     cancelled (true if Ctrl-C stopped the compare early)
//   }
//   rows: [ one per (strategy, threads) with at least one completed run:
//     strategy, threads, runs,
//     cycles            timed cycles, all threads and runs
//     elapsed_ns        timed wall time, summed over runs
//     cycles_per_sec    cycles / elapsed: the throughput of all threads
//     ns_per_cycle_mean threads / throughput: a cycle's mean cost per thread
//     ns_per_cycle_p50, ns_per_cycle_p99
//                       from the merged histograms (null without samples)
//     samples           cycles timed into the histograms
//     speedup_over_percpu  throughput / percpu's at the same threads (or null)
//     cost_over_slab    slab's throughput / this throughput: x times the
//                       floor's cost per cycle (or null)
//     percpu_allocs_per_cycle, percpu_frees_per_cycle   timed phase
//     warmup_percpu_allocs_per_cycle   warm-up (null without warm-up)
//   ]
//   ratios: {ctor_over_slab_1t, ctor_scaling_2t, percpu_scaling_2t,
//            ctor_percpu_allocs_per_cycle}: numbers, null when the rows
//            they need are missing (see shadowslab::CompareRatios)
//   targets_met: {ctor_over_slab_1t (<= 1.25), ctor_scaling_2t (>= 1.7),
//                 ctor_percpu_allocs_per_cycle (== 0)}: booleans or null
//
// CSV: a header line, then one line per row with exactly the row keys above;
// null is an empty field.
//
// With compare --trace, rows (JSON and CSV alike) gain trace_* keys after
// these, and meta gains trace: see compare_trace.hpp.

#include <string>

#include "compare_trace.hpp"
#include "format_util.hpp"
#include "shadowslab/compare.hpp"

namespace shadowctl {

// With `trace` (compare --trace), the table gains a tracer table and JSON and
// CSV rows the trace_* keys listed in compare_trace.hpp.
std::string format_compare_table(const shadowslab::CompareReport& report, const CompareTrace* trace = nullptr);
Json compare_to_json(const shadowslab::CompareReport& report, const CompareTrace* trace = nullptr);
std::string format_compare_csv(const shadowslab::CompareReport& report, const CompareTrace* trace = nullptr);

}  // namespace shadowctl
