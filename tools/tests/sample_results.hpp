#pragma once

// Hand-built run results and compare reports for the tests.

#include "shadowslab/compare.hpp"
#include "shadowslab/run.hpp"

namespace testdata {

// A run of `threads` threads that did `cycles` cycles in total in
// `elapsed_ns`, every sampled cycle landing in `bucket`.
inline shadowslab::RunResult run(std::uint64_t cycles, std::uint64_t elapsed_ns, unsigned threads,
                                 std::uint64_t percpu_allocs = 0, std::size_t bucket = 10)
{
    shadowslab::RunResult result;
    result.elapsed_ns = elapsed_ns;
    result.total_cycles = cycles;
    result.percpu_allocs = percpu_allocs;
    result.percpu_frees = percpu_allocs;
    for (unsigned i = 0; i < threads; ++i) {
        shadowslab::ThreadResult thread;
        thread.cpu = i;
        thread.cycles = cycles / threads;
        thread.elapsed_ns = elapsed_ns;
        thread.samples = cycles / threads;
        shadowslab::Histogram::Buckets buckets{};
        buckets[bucket] = thread.samples;
        thread.histogram = shadowslab::Histogram(buckets);
        result.threads.push_back(thread);
    }
    return result;
}

// percpu, ctor and slab at 1 and 2 threads, two 1-second rounds each, the
// second a little faster than the first; their means:
//   percpu  100000 cycles/s at 1 thread, 120000 at 2 (2 allocs per cycle)
//   ctor    200000 at 1, 360000 at 2 (no percpu allocs)
//   slab    240000 at 1, 400000 at 2
inline shadowslab::CompareReport report()
{
    using shadowslab::Strategy;
    const std::vector strategies{Strategy::percpu, Strategy::ctor, Strategy::slab};
    const std::vector<unsigned> threads{1, 2};
    shadowslab::CompareReport report;
    report.meta.date = "2024-05-01T12:00:00Z";
    report.meta.kernel_release = "6.6.30";
    report.meta.module_version = "0.1";
    report.meta.abi_version = 1;
    report.meta.cpus = "0-1";
    report.meta.online_cpus = "0-1";
    report.meta.possible_cpus = "0-3";
    report.meta.strategies = strategies;
    report.meta.thread_counts = threads;
    report.meta.rounds = 2;
    report.meta.duration_ns = 1'000'000'000;
    report.meta.warmup_cycles = 1000;
    report.result = shadowslab::CompareResult(strategies, threads);
    // (strategy, threads, mean cycles/s, percpu allocs per cycle, histogram bucket)
    const struct {
        Strategy strategy;
        unsigned threads;
        std::uint64_t rate;
        std::uint64_t allocs_per_cycle;
        std::size_t bucket;
    } rows[] = {{Strategy::percpu, 1, 100'000, 2, 13}, {Strategy::ctor, 1, 200'000, 0, 12},
                {Strategy::slab, 1, 240'000, 0, 11},   {Strategy::percpu, 2, 120'000, 2, 14},
                {Strategy::ctor, 2, 360'000, 0, 12},   {Strategy::slab, 2, 400'000, 0, 11}};
    for (unsigned round = 0; round < 2; ++round)
        for (const auto& row : rows) {
            const std::uint64_t cycles = round == 0 ? row.rate - 10'000 : row.rate + 10'000;
            report.result.add(row.strategy, row.threads,
                              run(cycles, 1'000'000'000, row.threads, cycles * row.allocs_per_cycle, row.bucket),
                              1000, round);
        }
    return report;
}

}  // namespace testdata
