#include "shadowslab/compare.hpp"

#include <algorithm>

#include <fmt/format.h>

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

void CompareRow::add(const RunResult& run, std::uint64_t warmup_cycles_per_thread, unsigned round)
{
    const Histogram merged = run.merged_histogram();
    const double throughput = run.cycles_per_second();
    rounds.push_back({round, throughput, throughput > 0 ? 1e9 * threads / throughput : 0.0, merged.percentile(50),
                      merged.percentile(99)});
    ++runs;
    cycles += run.total_cycles;
    elapsed_ns += run.elapsed_ns;
    warmup_cycles += warmup_cycles_per_thread * run.threads.size();
    percpu_allocs += run.percpu_allocs;
    percpu_frees += run.percpu_frees;
    warmup_percpu_allocs += run.warmup_percpu_allocs;
    warmup_percpu_frees += run.warmup_percpu_frees;
    ctor_calls += run.ctor_calls;
    ctor_ns += run.ctor_ns;
    dtor_calls += run.dtor_calls;
    dtor_ns += run.dtor_ns;
    remote_frees += run.remote_frees;
    mt_upgrades += run.mt_upgrades;
    retained_percpu_bytes += run.retained_percpu_bytes;
    check_failures += run.check_failures;
    memcg_ino = run.memcg_ino;
    histogram.merge(merged);
}

namespace {

template <typename Figure>
std::vector<double> figures(const std::vector<RoundFigures>& rounds, Figure figure)
{
    std::vector<double> values;
    for (const RoundFigures& round : rounds)
        if (const std::optional<double> value = figure(round))
            values.push_back(*value);
    return values;
}

std::optional<Spread> spread_if_any(const std::vector<double>& values)
{
    return values.empty() ? std::nullopt : std::optional<Spread>(spread_of(values));
}

}  // namespace

Spread CompareRow::cycles_per_second() const
{
    return spread_of(figures(rounds, [](const RoundFigures& r) { return std::optional<double>(r.cycles_per_sec); }));
}

Spread CompareRow::mean_ns_per_cycle() const
{
    return spread_of(figures(rounds, [](const RoundFigures& r) { return std::optional<double>(r.ns_per_cycle_mean); }));
}

std::optional<Spread> CompareRow::ns_per_cycle_p50() const
{
    return spread_if_any(figures(rounds, [](const RoundFigures& r) { return r.ns_per_cycle_p50; }));
}

std::optional<Spread> CompareRow::ns_per_cycle_p99() const
{
    return spread_if_any(figures(rounds, [](const RoundFigures& r) { return r.ns_per_cycle_p99; }));
}

std::vector<std::optional<double>> CompareRow::cycles_per_second_by_round() const
{
    std::vector<std::optional<double>> by_round;
    for (const RoundFigures& round : rounds) {
        if (by_round.size() <= round.round)
            by_round.resize(round.round + 1);
        by_round[round.round] = round.cycles_per_sec;
    }
    return by_round;
}

double CompareRow::percpu_allocs_per_cycle() const { return per_cycle(percpu_allocs, cycles); }
double CompareRow::percpu_frees_per_cycle() const { return per_cycle(percpu_frees, cycles); }
double CompareRow::warmup_percpu_allocs_per_cycle() const { return per_cycle(warmup_percpu_allocs, warmup_cycles); }
double CompareRow::ctor_calls_per_cycle() const { return per_cycle(ctor_calls, cycles); }
double CompareRow::dtor_calls_per_cycle() const { return per_cycle(dtor_calls, cycles); }
double CompareRow::ctor_ns_per_cycle() const { return per_cycle(ctor_ns, cycles); }
double CompareRow::dtor_ns_per_cycle() const { return per_cycle(dtor_ns, cycles); }

double CompareRow::retained_percpu_kb() const
{
    return runs ? static_cast<double>(retained_percpu_bytes) / runs / 1024.0 : 0.0;
}

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
                        std::uint64_t warmup_cycles_per_thread, unsigned round)
{
    CompareRow* row = find_mutable(strategy, threads);
    if (!row) {
        rows_.push_back({});
        row = &rows_.back();
        row->strategy = strategy;
        row->threads = threads;
    }
    row->add(run, warmup_cycles_per_thread, round);
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

// a / b for two throughputs, paired by round, if both rows exist.
std::optional<Ratio> throughput_ratio(const CompareRow* a, const CompareRow* b)
{
    if (!a || !b)
        return std::nullopt;
    return ratio_of(a->cycles_per_second_by_round(), b->cycles_per_second_by_round());
}

}  // namespace

std::optional<Ratio> CompareResult::speedup_over_percpu(const CompareRow& row) const
{
    return throughput_ratio(&row, find(Strategy::percpu, row.threads));
}

std::optional<Ratio> CompareResult::cost_over_slab(const CompareRow& row) const
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

    for (const CompareRow* row : completed_rows()) {
        const std::string key = fmt::format("{}_{}t", to_string(row->strategy), row->threads);
        if (const auto speedup = speedup_over_percpu(*row))
            ratios.speedup_over_percpu[key] = *speedup;
        if (const auto cost = cost_over_slab(*row))
            ratios.cost_over_slab[key] = *cost;
    }
    return ratios;
}

std::string memcg_charged(Strategy strategy, std::uint64_t memcg_ino)
{
    if (memcg_ino == 0)
        return "none";
    switch (strategy) {
    case Strategy::percpu:
    case Strategy::merged:
    case Strategy::lazy:
        return "object, percpu";
    case Strategy::slab:
    case Strategy::stash:
        return "object";
    case Strategy::ctor:
    case Strategy::cache:
        return "none";
    }
    return "none";
}

}  // namespace shadowslab
