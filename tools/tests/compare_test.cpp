#include <gtest/gtest.h>

#include <map>

#include "sample_results.hpp"

using namespace shadowslab;

namespace {

const std::vector kAll{Strategy::percpu, Strategy::ctor, Strategy::slab};

}  // namespace

TEST(CompareSchedule, RunsEveryCombinationOncePerRound)
{
    const auto trials = compare_schedule(kAll, {1, 2}, 3);
    ASSERT_EQ(trials.size(), 18u);
    std::map<std::tuple<unsigned, Strategy, unsigned>, int> seen;
    for (const CompareTrial& trial : trials)
        ++seen[{trial.round, trial.strategy, trial.threads}];
    EXPECT_EQ(seen.size(), 18u);
}

TEST(CompareSchedule, RotatesTheFirstStrategyEachRound)
{
    const auto trials = compare_schedule(kAll, {1}, 3);
    ASSERT_EQ(trials.size(), 9u);
    EXPECT_EQ(trials[0], (CompareTrial{0, Strategy::percpu, 1}));
    EXPECT_EQ(trials[1], (CompareTrial{0, Strategy::ctor, 1}));
    EXPECT_EQ(trials[2], (CompareTrial{0, Strategy::slab, 1}));
    EXPECT_EQ(trials[3], (CompareTrial{1, Strategy::ctor, 1}));
    EXPECT_EQ(trials[4], (CompareTrial{1, Strategy::slab, 1}));
    EXPECT_EQ(trials[5], (CompareTrial{1, Strategy::percpu, 1}));
    EXPECT_EQ(trials[6], (CompareTrial{2, Strategy::slab, 1}));
}

TEST(CompareSchedule, AlternatesStrategiesAtEachThreadCount)
{
    const auto trials = compare_schedule({Strategy::percpu, Strategy::ctor}, {1, 2}, 1);
    ASSERT_EQ(trials.size(), 4u);
    EXPECT_EQ(trials[0], (CompareTrial{0, Strategy::percpu, 1}));
    EXPECT_EQ(trials[1], (CompareTrial{0, Strategy::ctor, 1}));
    EXPECT_EQ(trials[2], (CompareTrial{0, Strategy::percpu, 2}));
    EXPECT_EQ(trials[3], (CompareTrial{0, Strategy::ctor, 2}));
}

TEST(CompareSchedule, NoRoundsNoTrials)
{
    EXPECT_TRUE(compare_schedule(kAll, {1, 2}, 0).empty());
}

TEST(CompareResult, RoundsAreSummed)
{
    CompareResult result(kAll, {1});
    result.add(Strategy::ctor, 1, testdata::run(100, 1000, 1, 0, 5), 10, 0);
    result.add(Strategy::ctor, 1, testdata::run(300, 1000, 1, 6, 6), 10, 1);
    const CompareRow* row = result.find(Strategy::ctor, 1);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->runs, 2u);
    EXPECT_EQ(row->cycles, 400u);
    EXPECT_EQ(row->elapsed_ns, 2000u);
    // Throughput over the rounds: 100e6 and 300e6 cycles/s.
    const shadowslab::Spread throughput = row->cycles_per_second();
    EXPECT_EQ(throughput.n, 2u);
    EXPECT_DOUBLE_EQ(throughput.mean, 200e6);
    EXPECT_DOUBLE_EQ(throughput.min, 100e6);
    EXPECT_DOUBLE_EQ(throughput.max, 300e6);
    EXPECT_NEAR(throughput.stddev, 141.421356e6, 1);
    // One thread: 10 ns and 3.33 ns per cycle.
    EXPECT_DOUBLE_EQ(row->mean_ns_per_cycle().mean, (10.0 + 10.0 / 3) / 2);
    ASSERT_TRUE(row->ns_per_cycle_p50().has_value());
    EXPECT_EQ(row->ns_per_cycle_p50()->n, 2u);
    EXPECT_EQ(row->cycles_per_second_by_round(), (std::vector<std::optional<double>>{100e6, 300e6}));
    EXPECT_EQ(row->histogram.total(), 400u);
    EXPECT_EQ(row->histogram.buckets()[5], 100u);
    EXPECT_EQ(row->histogram.buckets()[6], 300u);
    EXPECT_DOUBLE_EQ(row->percpu_allocs_per_cycle(), 6.0 / 400.0);
    EXPECT_EQ(row->warmup_cycles, 20u);
}

TEST(CompareResult, RowsWithoutRunsAreAbsent)
{
    CompareResult result(kAll, {1, 2});
    result.add(Strategy::slab, 2, testdata::run(100, 1000, 2), 0, 0);
    EXPECT_EQ(result.find(Strategy::slab, 1), nullptr);
    EXPECT_NE(result.find(Strategy::slab, 2), nullptr);
    ASSERT_EQ(result.completed_rows().size(), 1u);
    EXPECT_EQ(result.completed_rows()[0]->threads, 2u);
    EXPECT_EQ(result.find(Strategy::slab, 4), nullptr);
}

TEST(CompareResult, SpeedupAndCostAreThroughputRatios)
{
    const CompareReport report = testdata::report();
    const CompareResult& result = report.result;
    const CompareRow& ctor2 = *result.find(Strategy::ctor, 2);
    EXPECT_DOUBLE_EQ(result.speedup_over_percpu(ctor2)->value, 360'000.0 / 120'000.0);
    EXPECT_DOUBLE_EQ(result.cost_over_slab(ctor2)->value, 400'000.0 / 360'000.0);
    const CompareRow& percpu1 = *result.find(Strategy::percpu, 1);
    EXPECT_DOUBLE_EQ(result.speedup_over_percpu(percpu1)->value, 1.0);
    EXPECT_DOUBLE_EQ(result.cost_over_slab(percpu1)->value, 2.4);
    // Two rounds: each round's own ratio, and an interval around the mean's.
    const shadowslab::Ratio cost = *result.cost_over_slab(percpu1);
    ASSERT_EQ(cost.per_round.size(), 2u);
    EXPECT_DOUBLE_EQ(cost.per_round[0], 230'000.0 / 90'000.0);
    EXPECT_DOUBLE_EQ(cost.per_round[1], 250'000.0 / 110'000.0);
    ASSERT_TRUE(cost.low.has_value() && cost.high.has_value());
    EXPECT_LT(*cost.low, cost.value);
    EXPECT_GT(*cost.high, cost.value);
}

TEST(CompareResult, RatiosNeedTheirRows)
{
    CompareResult result({Strategy::ctor}, {1});
    result.add(Strategy::ctor, 1, testdata::run(100, 1000, 1), 0, 0);
    const CompareRow& ctor1 = *result.find(Strategy::ctor, 1);
    EXPECT_FALSE(result.speedup_over_percpu(ctor1).has_value());
    EXPECT_FALSE(result.cost_over_slab(ctor1).has_value());
    const CompareRatios ratios = result.ratios();
    EXPECT_FALSE(ratios.ctor_over_slab_1t.has_value());
    EXPECT_FALSE(ratios.ctor_scaling_2t.has_value());
    EXPECT_FALSE(ratios.percpu_scaling_2t.has_value());
    ASSERT_TRUE(ratios.ctor_percpu_allocs_per_cycle.has_value());
    EXPECT_EQ(*ratios.ctor_percpu_allocs_per_cycle, 0.0);
}

TEST(CompareResult, Ratios)
{
    const CompareRatios ratios = testdata::report().result.ratios();
    EXPECT_DOUBLE_EQ(ratios.ctor_over_slab_1t->value, 1.2);  // 240000 / 200000
    EXPECT_DOUBLE_EQ(ratios.ctor_scaling_2t->value, 1.8);    // 360000 / 200000
    EXPECT_DOUBLE_EQ(ratios.percpu_scaling_2t->value, 1.2);  // 120000 / 100000
    EXPECT_DOUBLE_EQ(*ratios.ctor_percpu_allocs_per_cycle, 0.0);
}

TEST(CompareResult, RatiosArePairedByRound)
{
    CompareResult result({Strategy::ctor}, {1, 2});
    // Round 1 is slower for both thread counts alike: the ratio holds.
    result.add(Strategy::ctor, 1, testdata::run(1000, 1'000'000, 1), 0, 0);
    result.add(Strategy::ctor, 2, testdata::run(1800, 1'000'000, 2), 0, 0);
    result.add(Strategy::ctor, 1, testdata::run(500, 1'000'000, 1), 0, 1);
    result.add(Strategy::ctor, 2, testdata::run(900, 1'000'000, 2), 0, 1);
    const shadowslab::Ratio scaling = *result.ratios().ctor_scaling_2t;
    EXPECT_DOUBLE_EQ(scaling.value, 1.8);
    EXPECT_EQ(scaling.per_round, (std::vector<double>{1.8, 1.8}));
    ASSERT_TRUE(scaling.low && scaling.high);
    EXPECT_NEAR(*scaling.low, 1.8, 1e-9);
    EXPECT_NEAR(*scaling.high, 1.8, 1e-9);
}

TEST(CompareResult, CtorPercpuAllocsCountAllCtorRows)
{
    CompareResult result({Strategy::ctor}, {1, 2});
    result.add(Strategy::ctor, 1, testdata::run(1000, 1000, 1, 0), 0, 0);
    result.add(Strategy::ctor, 2, testdata::run(3000, 1000, 2, 40), 0, 0);
    EXPECT_DOUBLE_EQ(*result.ratios().ctor_percpu_allocs_per_cycle, 0.01);
}

TEST(CompareResult, EveryRowAgainstPercpuAndSlab)
{
    const CompareRatios ratios = testdata::report().result.ratios();
    EXPECT_DOUBLE_EQ(ratios.speedup_over_percpu.at("ctor_1t").value, 2.0);   // 200000 / 100000
    EXPECT_DOUBLE_EQ(ratios.speedup_over_percpu.at("percpu_2t").value, 1.0);
    EXPECT_DOUBLE_EQ(ratios.cost_over_slab.at("percpu_1t").value, 2.4);       // 240000 / 100000
    EXPECT_DOUBLE_EQ(ratios.cost_over_slab.at("slab_2t").value, 1.0);
    EXPECT_EQ(ratios.speedup_over_percpu.size(), 6u);
    EXPECT_EQ(ratios.cost_over_slab.size(), 6u);
}

TEST(CompareResult, AmortisedCostsAndRetainedMemory)
{
    RunResult run = testdata::run(1000, 1000, 1);
    run.ctor_calls = 10;
    run.ctor_ns = 5000;
    run.dtor_calls = 4;
    run.dtor_ns = 2000;
    run.retained_percpu_bytes = 4096;
    run.memcg_ino = 42;
    CompareResult result({Strategy::ctor}, {1});
    result.add(Strategy::ctor, 1, run, 0, 0);
    run.retained_percpu_bytes = 2048;
    result.add(Strategy::ctor, 1, run, 0, 1);
    const CompareRow& row = *result.find(Strategy::ctor, 1);
    EXPECT_DOUBLE_EQ(row.ctor_calls_per_cycle(), 0.01);
    EXPECT_DOUBLE_EQ(row.dtor_calls_per_cycle(), 0.004);
    EXPECT_DOUBLE_EQ(row.ctor_ns_per_cycle(), 5.0);
    EXPECT_DOUBLE_EQ(row.dtor_ns_per_cycle(), 2.0);
    EXPECT_DOUBLE_EQ(row.retained_percpu_kb(), 3.0);  // mean of 4 and 2 KiB
    EXPECT_EQ(row.memcg_ino, 42u);
}

TEST(MemcgCharged, WhatEachStrategyPaysPerUse)
{
    EXPECT_EQ(memcg_charged(Strategy::percpu, 7), "object, percpu");
    EXPECT_EQ(memcg_charged(Strategy::merged, 7), "object, percpu");
    EXPECT_EQ(memcg_charged(Strategy::lazy, 7), "object, percpu");
    EXPECT_EQ(memcg_charged(Strategy::slab, 7), "object");
    EXPECT_EQ(memcg_charged(Strategy::stash, 7), "object");
    EXPECT_EQ(memcg_charged(Strategy::ctor, 7), "none");
    EXPECT_EQ(memcg_charged(Strategy::cache, 7), "none");
    EXPECT_EQ(memcg_charged(Strategy::percpu, 0), "none");
}
