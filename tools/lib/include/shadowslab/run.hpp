#pragma once

// One RUN of the module's workload engine: what to run, and what came back,
// in types that do not depend on the ioctl structs (so results can also be
// built by hand, e.g. in tests).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowslab/cpu_list.hpp"
#include "shadowslab/histogram.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"

namespace shadowslab {

inline constexpr std::uint64_t kMaxRunCycles = SHADOWSLAB_RUN_MAX_CYCLES;
inline constexpr std::uint64_t kMaxRunDurationNs = SHADOWSLAB_RUN_MAX_DURATION_NS;
inline constexpr std::uint32_t kMaxRunSampleShift = SHADOWSLAB_RUN_MAX_SAMPLE_SHIFT;
inline constexpr std::uint32_t kMaxRunLive = SHADOWSLAB_RUN_MAX_LIVE;
inline constexpr std::uint32_t kMaxMinPartial = SHADOWSLAB_RUN_MAX_MIN_PARTIAL;
inline constexpr std::uint32_t kPpm = SHADOWSLAB_PPM;

// SLUB's min_partial for mm_struct (and any object of 1 to 4 KiB):
// ilog2(size) / 2, at least MIN_PARTIAL (5).
inline constexpr std::uint32_t kSlubMinPartial = 5;
// lazy: the share of cycles that go multi-threaded by default.
inline constexpr std::uint32_t kDefaultMtFractionPpm = 100'000;

// What the shadow cache (ctor, cache) keeps: every slab ("all"), or what
// SLUB keeps ("partial:N": an empty slab is released on the free path once
// N partial or empty slabs are kept).
struct Retention {
    bool partial = true;
    std::uint32_t min_partial = kSlubMinPartial;

    friend bool operator==(const Retention&, const Retention&) = default;
};

// "all" or "partial:N" (N 0..kMaxMinPartial); std::invalid_argument otherwise.
Retention parse_retention(std::string_view text);
std::string to_string(const Retention& retention);

// A share as a decimal fraction "0.1" (0..1) into parts per million.
std::uint32_t parse_fraction_ppm(std::string_view text, std::string_view what);

struct RunRequest {
    Strategy strategy = Strategy::percpu;
    ProfileSpec profile;
    CpuList cpus;                    // one pinned kthread on each
    std::uint64_t cycles = 0;        // per thread; 0 = run for duration_ns
    std::uint64_t duration_ns = 0;
    std::uint64_t warmup_cycles = 0; // per thread, untimed
    bool check = false;              // check_mm(): counters sum to zero at release
    std::uint32_t magazine_size = 0; // ctor, cache; 0 = the module's default
    std::uint32_t sample_shift = 0;  // time one cycle in 2^shift
    std::uint32_t live = 1;          // objects in flight per thread
    bool remote_free = false;        // release each on the next thread's CPU
    bool no_magazines = false;       // ctor, cache: SLUB's CPU layer, not magazines
    Retention retain;                // ctor, cache
    std::uint32_t mt_fraction_ppm = kDefaultMtFractionPpm;  // lazy
};

struct ThreadResult {
    std::uint32_t cpu = 0;
    std::uint64_t cycles = 0;
    std::uint64_t elapsed_ns = 0;
    std::uint64_t check_failures = 0;
    std::uint64_t samples = 0;
    Histogram histogram;
    // Its CPU went offline during the run: its figures mix CPUs.
    bool moved = false;

    double cycles_per_second() const;
};

struct RunResult {
    bool cancelled = false;
    std::uint64_t elapsed_ns = 0;  // wall time of the timed phase
    std::uint64_t total_cycles = 0;
    std::uint64_t check_failures = 0;
    std::uint64_t percpu_allocs = 0;  // timed phase
    std::uint64_t percpu_frees = 0;
    std::uint64_t warmup_percpu_allocs = 0;
    std::uint64_t warmup_percpu_frees = 0;
    // Timed phase: the calls that set up and tear down objects' percpu
    // memory, and their time.
    std::uint64_t ctor_calls = 0;
    std::uint64_t ctor_ns = 0;
    std::uint64_t dtor_calls = 0;
    std::uint64_t dtor_ns = 0;
    std::uint64_t remote_frees = 0;
    std::uint64_t mt_upgrades = 0;
    std::uint64_t retained_percpu_bytes = 0;  // kept by the strategy, idle, after the run
    std::uint64_t memcg_ino = 0;              // cgroup the workers charged; 0 = none
    std::vector<ThreadResult> threads;

    // All threads' cycles over the wall time of the timed phase.
    double cycles_per_second() const;
    Histogram merged_histogram() const;
};

// Events per cycle, 0 when there were no cycles.
double per_cycle(std::uint64_t events, std::uint64_t cycles);
double cycles_per_second(std::uint64_t cycles, std::uint64_t elapsed_ns);

}  // namespace shadowslab
