#include <gtest/gtest.h>

#include <cmath>

#include "shadowslab/histogram.hpp"

using namespace shadowslab;

namespace {

Histogram with(std::initializer_list<std::pair<std::size_t, std::uint64_t>> counts)
{
    Histogram::Buckets buckets{};
    for (const auto& [bucket, count] : counts)
        buckets[bucket] = count;
    return Histogram(buckets);
}

}  // namespace

TEST(Histogram, EmptyHasNoPercentiles)
{
    const Histogram empty;
    EXPECT_EQ(empty.total(), 0u);
    EXPECT_FALSE(empty.percentile(50).has_value());
    EXPECT_FALSE(empty.percentile(99).has_value());
}

TEST(Histogram, BucketBounds)
{
    EXPECT_EQ(Histogram::bucket_low(0), 0.0);
    EXPECT_EQ(Histogram::bucket_high(0), 2.0);
    EXPECT_EQ(Histogram::bucket_low(10), 1024.0);
    EXPECT_EQ(Histogram::bucket_high(10), 2048.0);
    EXPECT_EQ(Histogram::bucket_high(63), std::ldexp(1.0, 64));
}

TEST(Histogram, SingleBucketInterpolatesLinearly)
{
    const Histogram h = with({{10, 100}});  // 100 samples in [1024, 2048)
    EXPECT_DOUBLE_EQ(*h.percentile(0), 1024.0);
    EXPECT_DOUBLE_EQ(*h.percentile(50), 1536.0);
    EXPECT_DOUBLE_EQ(*h.percentile(99), 1024.0 + 0.99 * 1024.0);
    EXPECT_DOUBLE_EQ(*h.percentile(100), 2048.0);
}

TEST(Histogram, BucketZeroStartsAtZero)
{
    const Histogram h = with({{0, 4}});
    EXPECT_DOUBLE_EQ(*h.percentile(50), 1.0);
}

TEST(Histogram, PercentileFallsInTheRightBucket)
{
    // 90 samples in [256, 512), 10 in [4096, 8192).
    const Histogram h = with({{8, 90}, {12, 10}});
    EXPECT_DOUBLE_EQ(*h.percentile(50), 256.0 + 50.0 / 90.0 * 256.0);
    EXPECT_DOUBLE_EQ(*h.percentile(90), 512.0);
    // rank 99 is 9 samples into the upper bucket's 10.
    EXPECT_DOUBLE_EQ(*h.percentile(99), 4096.0 + 0.9 * 4096.0);
}

TEST(Histogram, P99InTheTopBucket)
{
    const Histogram h = with({{5, 1}, {63, 99}});
    const double p99 = *h.percentile(99);
    EXPECT_GE(p99, std::ldexp(1.0, 63));
    EXPECT_LE(p99, std::ldexp(1.0, 64));
    EXPECT_DOUBLE_EQ(p99, std::ldexp(1.0, 63) * (1.0 + 98.0 / 99.0));
    EXPECT_DOUBLE_EQ(*h.percentile(100), std::ldexp(1.0, 64));
}

TEST(Histogram, RejectsPercentilesOutsideZeroToHundred)
{
    const Histogram h = with({{3, 1}});
    EXPECT_THROW(h.percentile(-1), std::invalid_argument);
    EXPECT_THROW(h.percentile(100.5), std::invalid_argument);
    EXPECT_THROW(h.percentile(std::nan("")), std::invalid_argument);
}

TEST(Histogram, MergeAddsCounts)
{
    Histogram a = with({{4, 3}, {7, 1}});
    const Histogram b = with({{4, 2}, {9, 5}});
    a.merge(b);
    EXPECT_EQ(a.buckets()[4], 5u);
    EXPECT_EQ(a.buckets()[7], 1u);
    EXPECT_EQ(a.buckets()[9], 5u);
    EXPECT_EQ(a.total(), 11u);
    EXPECT_EQ(b.total(), 7u);
}

TEST(Histogram, MergingAnEmptyHistogramChangesNothing)
{
    Histogram a = with({{6, 10}});
    a.merge(Histogram{});
    EXPECT_DOUBLE_EQ(*a.percentile(50), 96.0);
    Histogram empty;
    empty.merge(a);
    EXPECT_DOUBLE_EQ(*empty.percentile(50), 96.0);
}
