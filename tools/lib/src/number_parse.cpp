#include "shadowslab/number_parse.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace shadowslab {

std::uint64_t parse_unsigned(std::string_view text, std::string_view what, std::uint64_t max)
{
    int base = 10;
    std::string_view digits = text;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (digits.empty() || error == std::errc::invalid_argument || end != digits.data() + digits.size())
        throw std::invalid_argument(fmt::format("{} '{}' is not an unsigned number", what, text));
    if (error == std::errc::result_out_of_range || value > max)
        throw std::invalid_argument(fmt::format("{} '{}' is too large (at most {})", what, text, max));
    return value;
}

std::vector<unsigned> parse_count_list(std::string_view text, std::string_view what, unsigned max)
{
    std::vector<unsigned> counts;
    for (const std::string_view item : split(text, ',')) {
        const auto count = static_cast<unsigned>(parse_unsigned(item, what, max));
        if (count == 0)
            throw std::invalid_argument(fmt::format("{} must be at least 1 (in '{}')", what, text));
        if (std::find(counts.begin(), counts.end(), count) != counts.end())
            throw std::invalid_argument(fmt::format("{} {} listed twice in '{}'", what, count, text));
        counts.push_back(count);
    }
    return counts;
}

std::uint64_t parse_duration(std::string_view text, std::string_view what)
{
    struct Unit {
        std::string_view suffix;
        double ns;
    };
    // Longest suffix first, so "ms" is not read as "m" after a number "5s".
    static constexpr Unit units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
    std::string_view number = text;
    double scale = 1e9;
    for (const Unit& unit : units)
        if (number.size() > unit.suffix.size() && number.ends_with(unit.suffix)) {
            number.remove_suffix(unit.suffix.size());
            scale = unit.ns;
            break;
        }
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value,
                                              std::chars_format::fixed);
    if (number.empty() || error != std::errc() || end != number.data() + number.size() || !std::isfinite(value))
        throw std::invalid_argument(
            fmt::format("{} '{}' is not a duration (e.g. 500ms, 2s, 1m; a bare number is seconds)", what, text));
    if (!(value > 0))
        throw std::invalid_argument(fmt::format("{} must be more than 0", what));
    const double nanoseconds = value * scale;
    // Far beyond any run the module accepts, and still exact in a uint64_t.
    if (nanoseconds > 1e18)
        throw std::invalid_argument(fmt::format("{} '{}' is too long", what, text));
    const auto rounded = static_cast<std::uint64_t>(std::llround(nanoseconds));
    if (rounded == 0)
        throw std::invalid_argument(fmt::format("{} '{}' is shorter than a nanosecond", what, text));
    return rounded;
}

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> items;
    for (;;) {
        const std::size_t at = text.find(separator);
        items.push_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return items;
        text.remove_prefix(at + 1);
    }
}

}  // namespace shadowslab
