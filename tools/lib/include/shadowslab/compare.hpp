#pragma once

// `shadowctl compare`: the schedule of runs and the aggregation of their
// results into one row per (strategy, thread count), with each timed
// figure's spread over the rounds, plus the ratios between rows with their
// intervals.  Device-free, so it can be tested by hand.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shadowslab/histogram.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"
#include "shadowslab/run.hpp"
#include "shadowslab/spread.hpp"

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

// One run of a row: its round and its timed figures.
struct RoundFigures {
    unsigned round = 0;
    double cycles_per_sec = 0;                // all threads
    double ns_per_cycle_mean = 0;             // threads / throughput
    std::optional<double> ns_per_cycle_p50;   // from the run's histogram
    std::optional<double> ns_per_cycle_p99;
};

// All rounds of one (strategy, threads).  Each timed figure is the mean over
// the rounds, with its spread (mean, standard deviation, min, max, CV); the
// counts (cycles, wall time, events, histograms) are summed.
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
    std::uint64_t ctor_calls = 0;  // timed phases
    std::uint64_t ctor_ns = 0;
    std::uint64_t dtor_calls = 0;
    std::uint64_t dtor_ns = 0;
    std::uint64_t remote_frees = 0;
    std::uint64_t mt_upgrades = 0;
    std::uint64_t retained_percpu_bytes = 0;  // summed over runs
    std::uint64_t check_failures = 0;
    std::uint64_t memcg_ino = 0;  // of the last run
    Histogram histogram;
    std::vector<RoundFigures> rounds;  // in the order they ran

    void add(const RunResult& run, std::uint64_t warmup_cycles_per_thread, unsigned round);

    // Throughput of all threads together, over the rounds.
    Spread cycles_per_second() const;
    // Mean wall cost of one cycle as one thread sees it: threads / throughput.
    Spread mean_ns_per_cycle() const;
    // nullopt if no round sampled a cycle.
    std::optional<Spread> ns_per_cycle_p50() const;
    std::optional<Spread> ns_per_cycle_p99() const;
    // Throughput by round number (nullopt where this row has no run), for
    // ratios paired by round.
    std::vector<std::optional<double>> cycles_per_second_by_round() const;

    double percpu_allocs_per_cycle() const;
    double percpu_frees_per_cycle() const;
    double warmup_percpu_allocs_per_cycle() const;
    // Amortised over the timed cycles: calls per cycle, and ns per cycle
    // spent in them (all threads' time over all threads' cycles).
    double ctor_calls_per_cycle() const;
    double dtor_calls_per_cycle() const;
    double ctor_ns_per_cycle() const;
    double dtor_ns_per_cycle() const;
    // The percpu memory the strategy keeps when idle, mean over runs.
    double retained_percpu_kb() const;
};

struct CompareRatios {
    // ctor ns/cycle over slab ns/cycle at 1 thread (= slab over ctor
    // throughput): what the constructor cache costs above the floor.
    std::optional<Ratio> ctor_over_slab_1t;
    // Throughput at 2 threads over 1 thread: 2.0 is perfect scaling.
    std::optional<Ratio> ctor_scaling_2t;
    std::optional<Ratio> percpu_scaling_2t;
    // ctor's percpu allocations per timed cycle over all its rows: 0 when
    // the cache keeps every object's percpu memory (a count, not a time).
    std::optional<double> ctor_percpu_allocs_per_cycle;
    // Every row against percpu and against slab at its thread count, keyed
    // "<strategy>_<threads>t": throughput over percpu's, and slab's
    // throughput over the row's (x times the floor's cost).
    std::map<std::string, Ratio> speedup_over_percpu;
    std::map<std::string, Ratio> cost_over_slab;
};

class CompareResult {
public:
    CompareResult() = default;
    // One (empty) row per strategy and thread count, thread count major.
    CompareResult(const std::vector<Strategy>& strategies, const std::vector<unsigned>& thread_counts);

    void add(Strategy strategy, unsigned threads, const RunResult& run, std::uint64_t warmup_cycles_per_thread,
             unsigned round);

    // Rows with at least one run, in construction order.
    std::vector<const CompareRow*> completed_rows() const;
    // nullptr if that row does not exist or has no runs.
    const CompareRow* find(Strategy strategy, unsigned threads) const;

    // This row's throughput over percpu's at the same thread count.
    std::optional<Ratio> speedup_over_percpu(const CompareRow& row) const;
    // slab's throughput over this row's: how many times the floor's cost
    // per cycle this row pays.
    std::optional<Ratio> cost_over_slab(const CompareRow& row) const;

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
    std::uint32_t live = 1;
    bool remote_free = false;
    bool no_magazines = false;
    bool check = true;
    Retention retain;
    std::uint32_t mt_fraction_ppm = kDefaultMtFractionPpm;
    std::uint32_t features = 0;  // the module's SHADOWSLAB_FEAT_*
    bool cancelled = false;
};

// What each use of an object charges the RUN caller's memcg under a
// strategy ("object, percpu", "object", "none"): the kmem_cache strategies
// charge the object (SLAB_ACCOUNT); percpu, merged and lazy also the percpu
// memory they allocate on each use; the shadow cache charges nothing.  The
// percpu memory kept across uses (ctor, stash) is not charged per use as the
// RFC does (percpu_counter_charge_many()): no released kernel exports a way
// (SHADOWSLAB_FEAT_PERCPU_CHARGE).  "none" when the run charged no memcg
// (memcg_ino 0: the caller in the root cgroup, or kmem accounting off).
std::string memcg_charged(Strategy strategy, std::uint64_t memcg_ino);

struct CompareReport {
    CompareMeta meta;
    CompareResult result;
};

}  // namespace shadowslab
