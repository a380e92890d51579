#include "shadowslab/spread.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace shadowslab {

double Spread::cv() const { return mean != 0 ? stddev / mean : 0.0; }

double Spread::error_percent() const
{
    return mean != 0 && n > 0 ? 100.0 * stddev / std::sqrt(static_cast<double>(n)) / mean : 0.0;
}

Spread spread_of(const std::vector<double>& values)
{
    Spread spread;
    spread.n = values.size();
    if (values.empty())
        return spread;
    spread.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    const auto [min, max] = std::minmax_element(values.begin(), values.end());
    spread.min = *min;
    spread.max = *max;
    if (values.size() > 1) {
        double squares = 0;
        for (const double value : values)
            squares += (value - spread.mean) * (value - spread.mean);
        spread.stddev = std::sqrt(squares / static_cast<double>(values.size() - 1));
    }
    return spread;
}

double student_t95(std::size_t degrees)
{
    // t(0.975, degrees), rounded up at the third decimal.
    static constexpr double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                       2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                       2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (degrees == 0)
        return 0;
    if (degrees <= std::size(table))
        return table[degrees - 1];
    // Beyond the table each value is an upper bound for what follows it.
    if (degrees < 40)
        return 2.042;
    if (degrees < 60)
        return 2.021;
    if (degrees < 120)
        return 2.000;
    return 1.980;
}

std::optional<Ratio> ratio_of(const std::vector<std::optional<double>>& a, const std::vector<std::optional<double>>& b)
{
    const auto present = [](const std::vector<std::optional<double>>& values) {
        std::vector<double> out;
        for (const std::optional<double>& value : values)
            if (value)
                out.push_back(*value);
        return out;
    };
    const Spread sa = spread_of(present(a));
    const Spread sb = spread_of(present(b));
    if (sa.n == 0 || sb.n == 0 || !(sb.mean > 0))
        return std::nullopt;
    Ratio ratio;
    ratio.value = sa.mean / sb.mean;

    // The rounds that measured both.
    std::vector<double> pa, pb;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        if (a[i] && b[i]) {
            pa.push_back(*a[i]);
            pb.push_back(*b[i]);
            if (*b[i] != 0)
                ratio.per_round.push_back(*a[i] / *b[i]);
        }
    const std::size_t n = pa.size();
    if (n < 2 || !(sa.mean > 0))
        return ratio;
    const Spread qa = spread_of(pa);
    const Spread qb = spread_of(pb);
    double covariance = 0;
    for (std::size_t i = 0; i < n; ++i)
        covariance += (pa[i] - qa.mean) * (pb[i] - qb.mean);
    covariance /= static_cast<double>(n - 1);
    // On the log scale, where a ratio of positive figures is a difference
    // and its interval stays positive however few the rounds:
    // Var(log(mean a / mean b)) ~ Var a / (n a^2) + Var b / (n b^2) - 2 Cov / (n a b).
    const double relative = qa.stddev * qa.stddev / (qa.mean * qa.mean) + qb.stddev * qb.stddev / (qb.mean * qb.mean) -
                            2 * covariance / (qa.mean * qb.mean);
    const double half = student_t95(n - 1) * std::sqrt(std::max(0.0, relative) / static_cast<double>(n));
    ratio.low = ratio.value * std::exp(-half);
    ratio.high = ratio.value * std::exp(half);
    return ratio;
}

}  // namespace shadowslab
