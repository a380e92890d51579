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
    result.add(Strategy::ctor, 1, testdata::run(100, 1000, 1, 0, 5), 10);
    result.add(Strategy::ctor, 1, testdata::run(300, 1000, 1, 6, 6), 10);
    const CompareRow* row = result.find(Strategy::ctor, 1);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(row->runs, 2u);
    EXPECT_EQ(row->cycles, 400u);
    EXPECT_EQ(row->elapsed_ns, 2000u);
    EXPECT_DOUBLE_EQ(row->cycles_per_second(), 200e6);
    EXPECT_DOUBLE_EQ(row->mean_ns_per_cycle(), 5.0);
    EXPECT_EQ(row->histogram.total(), 400u);
    EXPECT_EQ(row->histogram.buckets()[5], 100u);
    EXPECT_EQ(row->histogram.buckets()[6], 300u);
    EXPECT_DOUBLE_EQ(row->percpu_allocs_per_cycle(), 6.0 / 400.0);
    EXPECT_EQ(row->warmup_cycles, 20u);
}

TEST(CompareResult, RowsWithoutRunsAreAbsent)
{
    CompareResult result(kAll, {1, 2});
    result.add(Strategy::slab, 2, testdata::run(100, 1000, 2), 0);
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
    EXPECT_DOUBLE_EQ(*result.speedup_over_percpu(ctor2), 360'000.0 / 120'000.0);
    EXPECT_DOUBLE_EQ(*result.cost_over_slab(ctor2), 400'000.0 / 360'000.0);
    const CompareRow& percpu1 = *result.find(Strategy::percpu, 1);
    EXPECT_DOUBLE_EQ(*result.speedup_over_percpu(percpu1), 1.0);
    EXPECT_DOUBLE_EQ(*result.cost_over_slab(percpu1), 2.4);
}

TEST(CompareResult, RatiosNeedTheirRows)
{
    CompareResult result({Strategy::ctor}, {1});
    result.add(Strategy::ctor, 1, testdata::run(100, 1000, 1), 0);
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
    EXPECT_DOUBLE_EQ(*ratios.ctor_over_slab_1t, 1.2);  // 240000 / 200000
    EXPECT_DOUBLE_EQ(*ratios.ctor_scaling_2t, 1.8);    // 360000 / 200000
    EXPECT_DOUBLE_EQ(*ratios.percpu_scaling_2t, 1.2);  // 120000 / 100000
    EXPECT_DOUBLE_EQ(*ratios.ctor_percpu_allocs_per_cycle, 0.0);
}

TEST(CompareResult, CtorPercpuAllocsCountAllCtorRows)
{
    CompareResult result({Strategy::ctor}, {1, 2});
    result.add(Strategy::ctor, 1, testdata::run(1000, 1000, 1, 0), 0);
    result.add(Strategy::ctor, 2, testdata::run(3000, 1000, 2, 40), 0);
    EXPECT_DOUBLE_EQ(*result.ratios().ctor_percpu_allocs_per_cycle, 0.01);
}
