#include "shadowslab/run.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "shadowslab/number_parse.hpp"

namespace shadowslab {

Retention parse_retention(std::string_view text)
{
    if (text == "all")
        return {false, 0};
    constexpr std::string_view partial = "partial:";
    if (!text.starts_with(partial))
        throw std::invalid_argument(fmt::format("expected all or partial:N, not '{}'", text));
    const std::uint64_t n = parse_unsigned(text.substr(partial.size()), "min_partial", kMaxMinPartial);
    return {true, static_cast<std::uint32_t>(n)};
}

std::string to_string(const Retention& retention)
{
    return retention.partial ? fmt::format("partial:{}", retention.min_partial) : "all";
}

std::uint32_t parse_fraction_ppm(std::string_view text, std::string_view what)
{
    // Exact decimal: up to six digits after the point, as parts per million.
    const std::size_t point = text.find('.');
    const std::string_view whole = text.substr(0, point);
    const std::string_view fraction = point == std::string_view::npos ? "" : text.substr(point + 1);
    if ((whole.empty() && fraction.empty()) || fraction.size() > 6 ||
        (point != std::string_view::npos && fraction.empty()))
        throw std::invalid_argument(fmt::format("{}: expected a fraction such as 0.1, not '{}'", what, text));
    std::uint64_t ppm = whole.empty() ? 0 : parse_unsigned(whole, what, 1) * kPpm;
    if (!fraction.empty()) {
        std::uint64_t scale = kPpm;
        for (const char digit : fraction) {
            if (digit < '0' || digit > '9')
                throw std::invalid_argument(fmt::format("{}: expected a fraction such as 0.1, not '{}'", what, text));
            scale /= 10;
            ppm += static_cast<std::uint64_t>(digit - '0') * scale;
        }
    }
    if (ppm > kPpm)
        throw std::invalid_argument(fmt::format("{}: at most 1, not '{}'", what, text));
    return static_cast<std::uint32_t>(ppm);
}

double per_cycle(std::uint64_t events, std::uint64_t cycles)
{
    return cycles ? static_cast<double>(events) / static_cast<double>(cycles) : 0.0;
}

double cycles_per_second(std::uint64_t cycles, std::uint64_t elapsed_ns)
{
    return elapsed_ns ? static_cast<double>(cycles) * 1e9 / static_cast<double>(elapsed_ns) : 0.0;
}

double ThreadResult::cycles_per_second() const { return shadowslab::cycles_per_second(cycles, elapsed_ns); }

double RunResult::cycles_per_second() const { return shadowslab::cycles_per_second(total_cycles, elapsed_ns); }

Histogram RunResult::merged_histogram() const
{
    Histogram merged;
    for (const ThreadResult& thread : threads)
        merged.merge(thread.histogram);
    return merged;
}

}  // namespace shadowslab
