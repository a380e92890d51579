#pragma once

// Strict number parsing for command-line values: the whole text must be the
// number.  Errors are std::invalid_argument naming the value (`what`).

#include <cstdint>
#include <string_view>
#include <vector>

namespace shadowslab {

// Decimal, or hexadecimal with a 0x prefix (handy for alignments); no sign,
// no spaces, no overflow, at most `max`.
std::uint64_t parse_unsigned(std::string_view text, std::string_view what,
                             std::uint64_t max = UINT64_MAX);

// A comma-separated list of distinct counts, each 1..max (e.g. thread
// counts "1,2,4"), in the order given.
std::vector<unsigned> parse_count_list(std::string_view text, std::string_view what, unsigned max);

// A duration, > 0, in nanoseconds: a decimal number with a unit, "500ms",
// "2s", "1.5m", or without one, in seconds ("0.25").  Units: ns, us, ms, s,
// m, h.
std::uint64_t parse_duration(std::string_view text, std::string_view what);

// Splits on every separator, keeping empty items so callers can reject them.
std::vector<std::string_view> split(std::string_view text, char separator);

}  // namespace shadowslab
