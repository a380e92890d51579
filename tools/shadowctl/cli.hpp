#pragma once

// The command line of shadowctl: what every command takes, and the builder
// that teaches CLI11 about it.  Parsing validates everything that can be
// checked without the device, so app.parse() alone accepts or rejects an
// invocation (CLI::ParseError, exit status 2) and tests need no device.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "execbench_options.hpp"
#include "shadowslab/cpu_list.hpp"
#include "shadowslab/device.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/profile_spec.hpp"
#include "trace_options.hpp"

namespace shadowctl {

enum class Command {
    info,
    cache_create,
    cache_alloc,
    cache_free,
    cache_shrink,
    cache_destroy,
    cache_stats,
    cache_list,
    cache_fault,
    run,
    compare,
    execbench,
    trace,
};

// Warm-up before timing: fills the ctor strategy's magazines and depot so the
// timed phase measures the steady state; ~10 ms of percpu cycles under TCG.
inline constexpr std::uint64_t kDefaultWarmupCycles = 1000;

struct InfoOptions {
    bool json = false;
};

struct CacheCreateOptions {
    shadowslab::CacheConfig config;
    bool json = false;
};

struct CacheCountOptions {  // alloc, free
    std::uint32_t id = 0;
    std::uint32_t count = 0;  // free: 0 = all held objects
};

struct CacheShrinkOptions {
    std::uint32_t id = 0;
    bool purge = false;
};

struct CacheIdOptions {  // destroy, stats
    std::uint32_t id = 0;
    bool json = false;
};

struct CacheListOptions {
    bool json = false;
};

struct CacheFaultOptions {
    std::uint32_t id = 0;
    shadowslab::FaultSetting fault;
};

struct RunOptions {
    shadowslab::Strategy strategy = shadowslab::Strategy::percpu;
    shadowslab::ProfileSpec profile;
    // Exactly one of threads (the first N online CPUs) and cpus is set.
    std::optional<unsigned> threads;
    std::optional<shadowslab::CpuList> cpus;
    // Exactly one of cycles (per thread) and duration_ns is non-zero.
    std::uint64_t cycles = 0;
    std::uint64_t duration_ns = 0;
    std::uint64_t warmup_cycles = kDefaultWarmupCycles;
    bool check = false;
    std::uint32_t magazine_size = 0;
    std::uint32_t sample_shift = 0;
    bool json = false;
    bool trace = false;  // --trace: under the percpu lock tracer
};

// Default compare length: 3 strategies x 2 thread counts x 3 rounds of 1 s
// keeps `make demo` (TCG: ~10 us per percpu cycle) well under a minute.
inline constexpr std::uint64_t kDefaultCompareDurationNs = 1'000'000'000;
inline constexpr unsigned kDefaultCompareRounds = 3;

struct CompareOptions {
    std::vector<shadowslab::Strategy> strategies{shadowslab::all_strategies().begin(),
                                                 shadowslab::all_strategies().end()};
    std::vector<unsigned> thread_counts{1, 2};
    shadowslab::ProfileSpec profile;
    // Exactly one of cycles (per thread per run) and duration_ns is non-zero.
    std::uint64_t cycles = 0;
    std::uint64_t duration_ns = kDefaultCompareDurationNs;
    std::uint64_t warmup_cycles = kDefaultWarmupCycles;
    unsigned rounds = kDefaultCompareRounds;
    std::uint32_t magazine_size = 0;
    std::uint32_t sample_shift = 0;
    std::string json_path;  // "-" = stdout
    std::string csv_path;   // "-" = stdout
    std::string plot_path;  // .svg or .png
    bool trace = false;     // --trace: under the percpu lock tracer
};

struct Options {
    std::string device_path = SHADOWSLAB_DEVICE_PATH;
    Command command = Command::info;
    InfoOptions info;
    CacheCreateOptions cache_create;
    CacheCountOptions cache_alloc;
    CacheCountOptions cache_free;
    CacheShrinkOptions cache_shrink;
    CacheIdOptions cache_destroy;
    CacheIdOptions cache_stats;
    CacheListOptions cache_list;
    CacheFaultOptions cache_fault;
    RunOptions run;
    CompareOptions compare;
    ExecbenchOptions execbench;
    TraceOptions trace;
};

// Adds every subcommand and option to `app`; parsing fills `options`, which
// must outlive `app`.
void build_cli(CLI::App& app, Options& options);

}  // namespace shadowctl
