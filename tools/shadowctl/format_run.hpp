#pragma once

// `shadowctl run` output.

#include <string>

#include "format_util.hpp"
#include "shadowslab/run.hpp"

namespace shadowctl {

std::string format_run_text(const shadowslab::RunRequest& request, const shadowslab::RunResult& result);

// Schema "shadowslab-run/1":
//   schema, status ("completed" | "cancelled"),
//   request: {strategy, profile{name, object_size, regions[{size, align}]},
//             cpus[], cycles (per thread, 0 = duration-bound), duration_ns,
//             warmup_cycles, check, magazine_size, sample_shift},
//   elapsed_ns (wall, timed phase), total_cycles, cycles_per_sec,
//   ns_per_cycle_p50, ns_per_cycle_p99 (null without samples), samples,
//   percpu_allocs, percpu_frees, percpu_allocs_per_cycle,
//   percpu_frees_per_cycle (timed phase), warmup_percpu_allocs,
//   warmup_percpu_frees, warmup_percpu_allocs_per_cycle,
//   warmup_percpu_frees_per_cycle, check_failures,
//   threads: [{cpu, cycles, elapsed_ns, cycles_per_sec, ns_per_cycle_p50,
//              ns_per_cycle_p99, samples, check_failures,
//              hist[64] (bucket i: [2^i, 2^(i+1)) ns)}]
//   With --trace, also: trace (the timed phase) and trace_whole_run, each a
//   "shadowslab-trace/1" object (format_trace.hpp) of window kind
//   run_timed_phase / run_whole (see traced_run.hpp for the boundaries).
Json run_to_json(const shadowslab::RunRequest& request, const shadowslab::RunResult& result);

}  // namespace shadowctl
