#pragma once

// `shadowctl compare`: the schedule of runs and the aggregation of their
// results into one row per (strategy, thread count), plus the ratios the
// shadow cache is judged by.  Device-free, so it can be tested by hand.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadowslab/histogram.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"
#include "shadowslab/run.hpp"

namespace shadowslab {

struct CompareTrial {
    unsigned round = 0;
    Strategy strategy = Strategy::percpu;
    unsigned threads = 0;

    friend bool operator==(const CompareTrial&, const CompareTrial&) = default;
};

// Every strategy at every thread count, once per round.  Inside a round the
// strategies alternate at each thread count, and the round's first strategy
// rotates, so slow drift of the machine (thermal, host noise under TCG)
// falls on all strategies alike instead of on whichever runs last.
std::vector<CompareTrial> compare_schedule(const std::vector<Strategy>& strategies,
                                           const std::vector<unsigned>& thread_counts, unsigned rounds);

// All rounds of one (strategy, threads): cycles, wall time and histograms
// summed, so throughput is total cycles over total timed wall time.
struct CompareRow {
    Strategy strategy = Strategy::percpu;
    unsigned threads = 0;
    unsigned runs = 0;
    std::uint64_t cycles = 0;
    std::uint64_t elapsed_ns = 0;
    std::uint64_t warmup_cycles = 0;  // all threads, all runs
    std::uint64_t percpu_allocs = 0;
    std::uint64_t percpu_frees = 0;
    std::uint64_t warmup_percpu_allocs = 0;
    std::uint64_t warmup_percpu_frees = 0;
    Histogram histogram;

    void add(const RunResult& run, std::uint64_t warmup_cycles_per_thread);

    double cycles_per_second() const;
    // Mean wall cost of one cycle as one thread sees it: threads / throughput.
    double mean_ns_per_cycle() const;
    std::optional<double> ns_per_cycle_percentile(double p) const { return histogram.percentile(p); }
    double percpu_allocs_per_cycle() const;
    double percpu_frees_per_cycle() const;
    double warmup_percpu_allocs_per_cycle() const;
};

// Targets the shadow cache is meant to meet.
inline constexpr double kCtorOverSlabTarget = 1.25;   // at most
inline constexpr double kCtorScalingTarget = 1.7;     // at least
inline constexpr double kCtorPercpuAllocsTarget = 0;  // exactly

struct CompareRatios {
    // ctor ns/cycle over slab ns/cycle at 1 thread (= slab over ctor
    // throughput): what the constructor cache costs above the floor.
    std::optional<double> ctor_over_slab_1t;
    // Throughput at 2 threads over 1 thread: 2.0 is perfect scaling.
    std::optional<double> ctor_scaling_2t;
    std::optional<double> percpu_scaling_2t;
    // ctor's percpu allocations per timed cycle over all its rows: 0 when
    // the cache keeps every object's percpu memory.
    std::optional<double> ctor_percpu_allocs_per_cycle;
};

class CompareResult {
public:
    CompareResult() = default;
    // One (empty) row per strategy and thread count, thread count major.
    CompareResult(const std::vector<Strategy>& strategies, const std::vector<unsigned>& thread_counts);

    void add(Strategy strategy, unsigned threads, const RunResult& run, std::uint64_t warmup_cycles_per_thread);

    // Rows with at least one run, in construction order.
    std::vector<const CompareRow*> completed_rows() const;
    // nullptr if that row does not exist or has no runs.
    const CompareRow* find(Strategy strategy, unsigned threads) const;

    // This row's throughput over percpu's at the same thread count.
    std::optional<double> speedup_over_percpu(const CompareRow& row) const;
    // slab's throughput over this row's: how many times the floor's cost
    // per cycle this row pays.
    std::optional<double> cost_over_slab(const CompareRow& row) const;

    CompareRatios ratios() const;

private:
    CompareRow* find_mutable(Strategy strategy, unsigned threads);

    std::vector<CompareRow> rows_;
};

// What was compared, and where; carried into every output format.
struct CompareMeta {
    std::string date;  // ISO 8601, UTC
    std::string kernel_release;
    std::string module_version;
    std::uint32_t abi_version = 0;
    std::string cpus;           // used by the largest thread count
    std::string online_cpus;
    std::string possible_cpus;
    ProfileSpec profile;
    std::vector<Strategy> strategies;
    std::vector<unsigned> thread_counts;
    unsigned rounds = 0;
    std::uint64_t cycles = 0;       // per thread per run; 0 if duration-bound
    std::uint64_t duration_ns = 0;  // per run; 0 if cycle-bound
    std::uint64_t warmup_cycles = 0;
    std::uint32_t magazine_size = 0;
    std::uint32_t sample_shift = 0;
    bool cancelled = false;
};

struct CompareReport {
    CompareMeta meta;
    CompareResult result;
};

}  // namespace shadowslab
