#pragma once

// The module's per-thread latency histogram: bucket i counts sampled cycles
// that took [2^i, 2^(i+1)) ns, bucket 0 those under 2 ns.
//
// Percentiles assume samples are spread evenly inside a bucket: find the
// bucket where the cumulative count reaches rank = p/100 * total, then
// interpolate linearly between the bucket's bounds by how far into the
// bucket's count the rank falls.  p0 is the lower bound of the first
// non-empty bucket, p100 the upper bound of the last.  The error is bounded
// by the bucket width, i.e. a factor of two at worst, which is ample for
// comparing strategies whose costs differ by much more.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "shadowslab/abi.hpp"

namespace shadowslab {

class Histogram {
public:
    static constexpr std::size_t kBuckets = SHADOWSLAB_HIST_BUCKETS;
    using Buckets = std::array<std::uint64_t, kBuckets>;

    Histogram() = default;
    explicit Histogram(const Buckets& buckets) : buckets_(buckets) {}

    const Buckets& buckets() const { return buckets_; }
    std::uint64_t total() const;

    // Adds another histogram's counts (e.g. another thread's or round's).
    Histogram& merge(const Histogram& other);

    // p in [0, 100] (std::invalid_argument otherwise); nullopt when empty.
    std::optional<double> percentile(double p) const;

    // Bucket bounds in ns: [low, high).
    static double bucket_low(std::size_t bucket);
    static double bucket_high(std::size_t bucket);

private:
    Buckets buckets_{};
};

}  // namespace shadowslab
