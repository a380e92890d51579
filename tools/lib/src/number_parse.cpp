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

std::uint64_t parse_seconds(std::string_view text, std::string_view what)
{
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds,
                                              std::chars_format::fixed);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds))
        throw std::invalid_argument(fmt::format("{} '{}' is not a number of seconds", what, text));
    if (!(seconds > 0))
        throw std::invalid_argument(fmt::format("{} must be more than 0 seconds", what));
    // Far beyond any run the module accepts, and still exact in a uint64_t.
    if (seconds > 1e9)
        throw std::invalid_argument(fmt::format("{} '{}' is too long", what, text));
    const auto nanoseconds = static_cast<std::uint64_t>(std::llround(seconds * 1e9));
    if (nanoseconds == 0)
        throw std::invalid_argument(fmt::format("{} '{}' is shorter than a nanosecond", what, text));
    return nanoseconds;
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
