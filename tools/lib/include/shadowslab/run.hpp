#pragma once

// One RUN of the module's workload engine: what to run, and what came back,
// in types that do not depend on the ioctl structs (so results can also be
// built by hand, e.g. in tests).

#include <cstdint>
#include <vector>

#include "shadowslab/cpu_list.hpp"
#include "shadowslab/histogram.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"

namespace shadowslab {

inline constexpr std::uint64_t kMaxRunCycles = SHADOWSLAB_RUN_MAX_CYCLES;
inline constexpr std::uint64_t kMaxRunDurationNs = SHADOWSLAB_RUN_MAX_DURATION_NS;
inline constexpr std::uint32_t kMaxRunSampleShift = SHADOWSLAB_RUN_MAX_SAMPLE_SHIFT;

struct RunRequest {
    Strategy strategy = Strategy::percpu;
    ProfileSpec profile;
    CpuList cpus;                    // one pinned kthread on each
    std::uint64_t cycles = 0;        // per thread; 0 = run for duration_ns
    std::uint64_t duration_ns = 0;
    std::uint64_t warmup_cycles = 0; // per thread, untimed
    bool check = false;              // verify counters sum to zero at release
    std::uint32_t magazine_size = 0; // ctor only; 0 = the module's default
    std::uint32_t sample_shift = 0;  // time one cycle in 2^shift
};

struct ThreadResult {
    std::uint32_t cpu = 0;
    std::uint64_t cycles = 0;
    std::uint64_t elapsed_ns = 0;
    std::uint64_t check_failures = 0;
    std::uint64_t samples = 0;
    Histogram histogram;

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
    std::vector<ThreadResult> threads;

    // All threads' cycles over the wall time of the timed phase.
    double cycles_per_second() const;
    Histogram merged_histogram() const;
};

// Events per cycle, 0 when there were no cycles.
double per_cycle(std::uint64_t events, std::uint64_t cycles);
double cycles_per_second(std::uint64_t cycles, std::uint64_t elapsed_ns);

}  // namespace shadowslab
