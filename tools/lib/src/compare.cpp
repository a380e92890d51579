#include "shadowslab/compare.hpp"

#include <algorithm>

namespace shadowslab {

std::vector<CompareTrial> compare_schedule(const std::vector<Strategy>& strategies,
                                           const std::vector<unsigned>& thread_counts, unsigned rounds)
{
    std::vector<CompareTrial> trials;
    const std::size_t n = strategies.size();
    for (unsigned round = 0; round < rounds; ++round)
        for (const unsigned threads : thread_counts)
            for (std::size_t i = 0; i < n; ++i)
                trials.push_back({round, strategies[(round + i) % n], threads});
    return trials;
}

void CompareRow::add(const RunResult& run, std::uint64_t warmup_cycles_per_thread)
{
    ++runs;
    cycles += run.total_cycles;
    elapsed_ns += run.elapsed_ns;
    warmup_cycles += warmup_cycles_per_thread * run.threads.size();
    percpu_allocs += run.percpu_allocs;
    percpu_frees += run.percpu_frees;
    warmup_percpu_allocs += run.warmup_percpu_allocs;
    warmup_percpu_frees += run.warmup_percpu_frees;
    histogram.merge(run.merged_histogram());
}

double CompareRow::cycles_per_second() const { return shadowslab::cycles_per_second(cycles, elapsed_ns); }

double CompareRow::mean_ns_per_cycle() const
{
    const double throughput = cycles_per_second();
    return throughput > 0 ? 1e9 * threads / throughput : 0.0;
}

double CompareRow::percpu_allocs_per_cycle() const { return per_cycle(percpu_allocs, cycles); }
double CompareRow::percpu_frees_per_cycle() const { return per_cycle(percpu_frees, cycles); }
double CompareRow::warmup_percpu_allocs_per_cycle() const { return per_cycle(warmup_percpu_allocs, warmup_cycles); }

CompareResult::CompareResult(const std::vector<Strategy>& strategies, const std::vector<unsigned>& thread_counts)
{
    for (const unsigned threads : thread_counts)
        for (const Strategy strategy : strategies) {
            CompareRow row;
            row.strategy = strategy;
            row.threads = threads;
            rows_.push_back(row);
        }
}

CompareRow* CompareResult::find_mutable(Strategy strategy, unsigned threads)
{
    const auto row = std::find_if(rows_.begin(), rows_.end(), [&](const CompareRow& candidate) {
        return candidate.strategy == strategy && candidate.threads == threads;
    });
    return row == rows_.end() ? nullptr : &*row;
}

void CompareResult::add(Strategy strategy, unsigned threads, const RunResult& run,
                        std::uint64_t warmup_cycles_per_thread)
{
    CompareRow* row = find_mutable(strategy, threads);
    if (!row) {
        rows_.push_back({});
        row = &rows_.back();
        row->strategy = strategy;
        row->threads = threads;
    }
    row->add(run, warmup_cycles_per_thread);
}

std::vector<const CompareRow*> CompareResult::completed_rows() const
{
    std::vector<const CompareRow*> rows;
    for (const CompareRow& row : rows_)
        if (row.runs > 0)
            rows.push_back(&row);
    return rows;
}

const CompareRow* CompareResult::find(Strategy strategy, unsigned threads) const
{
    for (const CompareRow& row : rows_)
        if (row.strategy == strategy && row.threads == threads && row.runs > 0)
            return &row;
    return nullptr;
}

namespace {

// a / b for two throughputs, if both rows exist and b is non-zero.
std::optional<double> throughput_ratio(const CompareRow* a, const CompareRow* b)
{
    if (!a || !b || b->cycles_per_second() <= 0)
        return std::nullopt;
    return a->cycles_per_second() / b->cycles_per_second();
}

}  // namespace

std::optional<double> CompareResult::speedup_over_percpu(const CompareRow& row) const
{
    return throughput_ratio(&row, find(Strategy::percpu, row.threads));
}

std::optional<double> CompareResult::cost_over_slab(const CompareRow& row) const
{
    return throughput_ratio(find(Strategy::slab, row.threads), &row);
}

CompareRatios CompareResult::ratios() const
{
    CompareRatios ratios;
    ratios.ctor_over_slab_1t = throughput_ratio(find(Strategy::slab, 1), find(Strategy::ctor, 1));
    ratios.ctor_scaling_2t = throughput_ratio(find(Strategy::ctor, 2), find(Strategy::ctor, 1));
    ratios.percpu_scaling_2t = throughput_ratio(find(Strategy::percpu, 2), find(Strategy::percpu, 1));

    std::uint64_t allocs = 0;
    std::uint64_t cycles = 0;
    for (const CompareRow& row : rows_)
        if (row.strategy == Strategy::ctor) {
            allocs += row.percpu_allocs;
            cycles += row.cycles;
        }
    if (cycles > 0)
        ratios.ctor_percpu_allocs_per_cycle = per_cycle(allocs, cycles);
    return ratios;
}

}  // namespace shadowslab
