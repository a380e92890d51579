#include <cmath>

#include <gtest/gtest.h>

#include "shadowslab/spread.hpp"

namespace {

using shadowslab::ratio_of;
using shadowslab::spread_of;

TEST(Spread, MeanStddevMinMaxCv)
{
    const shadowslab::Spread spread = spread_of({2, 4, 4, 4, 5, 5, 7, 9});
    EXPECT_EQ(spread.n, 8u);
    EXPECT_DOUBLE_EQ(spread.mean, 5);
    // The sample standard deviation: sqrt(32 / 7).
    EXPECT_DOUBLE_EQ(spread.stddev, std::sqrt(32.0 / 7));
    EXPECT_DOUBLE_EQ(spread.min, 2);
    EXPECT_DOUBLE_EQ(spread.max, 9);
    EXPECT_DOUBLE_EQ(spread.cv(), std::sqrt(32.0 / 7) / 5);
    // perf stat -r's +-: the standard error of the mean in % of it.
    EXPECT_DOUBLE_EQ(spread.error_percent(), 100 * std::sqrt(32.0 / 7) / std::sqrt(8.0) / 5);
}

TEST(Spread, OneValueHasNoSpreadAndNoneHasZeros)
{
    const shadowslab::Spread one = spread_of({3});
    EXPECT_EQ(one.n, 1u);
    EXPECT_EQ(one.mean, 3);
    EXPECT_EQ(one.stddev, 0);
    EXPECT_EQ(one.error_percent(), 0);
    const shadowslab::Spread none = spread_of({});
    EXPECT_EQ(none.n, 0u);
    EXPECT_EQ(none.mean, 0);
    EXPECT_EQ(none.cv(), 0);
}

TEST(Spread, StudentT)
{
    EXPECT_DOUBLE_EQ(shadowslab::student_t95(1), 12.706);
    EXPECT_DOUBLE_EQ(shadowslab::student_t95(4), 2.776);
    EXPECT_DOUBLE_EQ(shadowslab::student_t95(30), 2.042);
    EXPECT_LT(shadowslab::student_t95(1000), 2.0);
    EXPECT_EQ(shadowslab::student_t95(0), 0);
}

TEST(Ratio, OneRoundHasNoInterval)
{
    const auto ratio = ratio_of({6.0}, {3.0});
    ASSERT_TRUE(ratio.has_value());
    EXPECT_DOUBLE_EQ(ratio->value, 2);
    EXPECT_FALSE(ratio->low.has_value());
    EXPECT_EQ(ratio->per_round, std::vector<double>{2.0});
}

TEST(Ratio, SharedDriftCancels)
{
    // Both sides twice as fast in round 1: each round's ratio is 2, so the
    // interval is the point.
    const auto ratio = ratio_of({2.0, 4.0, 3.0}, {1.0, 2.0, 1.5});
    ASSERT_TRUE(ratio.has_value() && ratio->low && ratio->high);
    EXPECT_DOUBLE_EQ(ratio->value, 2);
    EXPECT_NEAR(*ratio->low, 2, 1e-9);
    EXPECT_NEAR(*ratio->high, 2, 1e-9);
}

TEST(Ratio, IndependentNoiseWidensTheInterval)
{
    const auto ratio = ratio_of({10.0, 12.0, 11.0, 9.0}, {5.0, 5.0, 5.0, 5.0});
    ASSERT_TRUE(ratio.has_value() && ratio->low && ratio->high);
    EXPECT_DOUBLE_EQ(ratio->value, 2.1);
    // On the log scale: t(3) * sd(a) / sqrt(n) / mean(a) = 3.182 * 1.2910 / 2 / 10.5.
    const double half = 3.182 * std::sqrt(5.0 / 3) / 2 / 10.5;
    EXPECT_NEAR(*ratio->low, 2.1 * std::exp(-half), 1e-9);
    EXPECT_NEAR(*ratio->high, 2.1 * std::exp(half), 1e-9);
}

TEST(Ratio, TheIntervalStaysPositiveWithFewNoisyRounds)
{
    const auto ratio = ratio_of({1.0, 9.0}, {5.0, 5.0});
    ASSERT_TRUE(ratio.has_value() && ratio->low && ratio->high);
    EXPECT_GT(*ratio->low, 0);
    EXPECT_LT(*ratio->low, 1);
    EXPECT_GT(*ratio->high, 1);
}

TEST(Ratio, PairsOnlyRoundsThatMeasuredBoth)
{
    const auto ratio = ratio_of({4.0, std::nullopt, 6.0}, {2.0, 3.0, 3.0});
    ASSERT_TRUE(ratio.has_value());
    EXPECT_EQ(ratio->per_round, (std::vector<double>{2.0, 2.0}));
    // The means are over each side's own rounds.
    EXPECT_DOUBLE_EQ(ratio->value, 5.0 / (8.0 / 3));
}

TEST(Ratio, NoneWithoutAPositiveDenominator)
{
    EXPECT_FALSE(ratio_of({1.0}, {0.0}).has_value());
    EXPECT_FALSE(ratio_of({1.0}, {std::nullopt}).has_value());
    EXPECT_FALSE(ratio_of({}, {1.0}).has_value());
}

}  // namespace
