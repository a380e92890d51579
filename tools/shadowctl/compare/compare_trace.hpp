#pragma once

// `compare --trace`: what the tracer saw in each row's timed phases (all
// rounds summed), for the compare table, JSON and CSV.
//
// Each row of JSON and CSV gains, after the keys it always has:
//   trace_<lock>_begin_events, trace_<lock>_contentions, trace_<lock>_wait_ns
//       for each traced lock (pcpu_alloc_mutex, pcpu_lock,
//       percpu_counters_lock), as in shadowslab-trace/1
//   trace_percpu_allocs, trace_percpu_frees    every percpu alloc/free seen
//   trace_shadowslab_percpu_allocs, trace_shadowslab_percpu_frees
//       those whose call site is in the shadowslab module
//   trace_percpu_allocs_per_cycle              trace_percpu_allocs / cycles
//   trace_timed_ns                              wall time traced as timed
//   trace_pcpu_alloc_mutex_waits_per_cycle      its contentions per cycle
// and meta gains trace: {locks: [{name, address}], segment: "timed_phase"}.
// Without --trace none of these keys appear.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowslab/names.hpp"
#include "shadowslab/tracer/kallsyms.hpp"
#include "shadowslab/tracer/trace_data.hpp"

namespace shadowctl {

struct CompareTraceRow {
    unsigned runs = 0;
    std::vector<shadowslab::tracer::LockCounters> locks;  // per traced lock
    shadowslab::tracer::PercpuTotals percpu;
    std::uint64_t module_allocs = 0;
    std::uint64_t module_frees = 0;
    std::uint64_t timed_ns = 0;
};

class CompareTrace {
public:
    explicit CompareTrace(std::vector<shadowslab::tracer::TracedLock> locks) : locks_(std::move(locks)) {}

    // Adds one run's timed segment.
    void add(shadowslab::Strategy strategy, unsigned threads, const shadowslab::tracer::TraceSnapshot& snapshot,
             std::uint64_t timed_ns, const shadowslab::tracer::Kallsyms& symbols);
    // Adds by hand (tests).
    void add(shadowslab::Strategy strategy, unsigned threads, const CompareTraceRow& row);

    const std::vector<shadowslab::tracer::TracedLock>& locks() const { return locks_; }
    // nullptr if that row was never traced.
    const CompareTraceRow* find(shadowslab::Strategy strategy, unsigned threads) const;

private:
    std::vector<shadowslab::tracer::TracedLock> locks_;
    std::map<std::pair<shadowslab::Strategy, unsigned>, CompareTraceRow> rows_;
};

// A lock's name as a key fragment: anything but [A-Za-z0-9_] becomes '_'.
std::string key_name(std::string_view lock_name);

}  // namespace shadowctl
