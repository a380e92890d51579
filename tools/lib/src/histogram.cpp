#include "shadowslab/histogram.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace shadowslab {

std::uint64_t Histogram::total() const
{
    return std::accumulate(buckets_.begin(), buckets_.end(), std::uint64_t{0});
}

Histogram& Histogram::merge(const Histogram& other)
{
    for (std::size_t i = 0; i < kBuckets; ++i)
        buckets_[i] += other.buckets_[i];
    return *this;
}

double Histogram::bucket_low(std::size_t bucket)
{
    return bucket == 0 ? 0.0 : std::ldexp(1.0, static_cast<int>(bucket));
}

double Histogram::bucket_high(std::size_t bucket)
{
    return std::ldexp(1.0, static_cast<int>(bucket) + 1);
}

std::optional<double> Histogram::percentile(double p) const
{
    if (!(p >= 0.0 && p <= 100.0))
        throw std::invalid_argument("percentile must be within [0, 100]");
    const std::uint64_t count = total();
    if (count == 0)
        return std::nullopt;

    const double rank = p / 100.0 * static_cast<double>(count);
    std::uint64_t below = 0;
    std::size_t last_used = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
        const std::uint64_t in_bucket = buckets_[i];
        if (in_bucket == 0)
            continue;
        last_used = i;
        if (static_cast<double>(below + in_bucket) >= rank) {
            const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
            return bucket_low(i) + fraction * (bucket_high(i) - bucket_low(i));
        }
        below += in_bucket;
    }
    // Only reachable through rounding of rank at p == 100.
    return bucket_high(last_used);
}

}  // namespace shadowslab
