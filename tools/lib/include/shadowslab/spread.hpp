#pragma once

// How much a figure varied over the rounds that measured it, as perf stat -r
// reports it, and the ratio of two such figures with its interval.

#include <cstddef>
#include <optional>
#include <vector>

namespace shadowslab {

struct Spread {
    std::size_t n = 0;  // rounds
    double mean = 0;
    double stddev = 0;  // the sample standard deviation (n - 1); 0 for one round
    double min = 0;
    double max = 0;

    // stddev / mean; 0 when the mean is 0.
    double cv() const;
    // The standard error of the mean, stddev / sqrt(n), in percent of the
    // mean: what perf stat -r prints as "( +- 0.12% )".
    double error_percent() const;
};

// nullopt-free: an empty list gives n = 0 and zeros.
Spread spread_of(const std::vector<double>& values);

// a / b of two figures measured in the same rounds, with the 95% confidence
// interval of the ratio of their means: the delta method on the log scale
// (so the interval is positive and multiplicative, value / k to value * k),
// with the rounds' covariance, since each round measures both and the drift
// they share cancels; Student's t for the number of rounds.
struct Ratio {
    double value = 0;               // mean(a) / mean(b)
    std::optional<double> low;      // the interval; nullopt with fewer than
    std::optional<double> high;     // two rounds that measured both
    std::vector<double> per_round;  // a_i / b_i, round by round
};

// `a` and `b` are per-round values, nullopt where a round did not measure
// it; nullopt if b's mean is not positive or either has no value.
std::optional<Ratio> ratio_of(const std::vector<std::optional<double>>& a,
                              const std::vector<std::optional<double>>& b);

// Student's t for a two-sided 95% interval with `degrees` of freedom.
double student_t95(std::size_t degrees);

}  // namespace shadowslab
