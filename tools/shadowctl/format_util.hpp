#pragma once

// Small formatting conventions shared by every output: a value that could
// not be measured is "-" in text, empty in CSV and null in JSON.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "shadowslab/profile_spec.hpp"

namespace shadowctl {

// Keys stay in the order they are written, so output reads like the text.
using Json = nlohmann::ordered_json;

// Fixed-point with `decimals` digits, or "-".
std::string fixed(std::optional<double> value, int decimals);

// "123456 B (120.6 KiB)"; plain "N B" below 1 KiB.
std::string bytes(std::uint64_t count);

// "1.234 s", "12.3 ms", "850 us", "42 ns".
std::string duration(std::uint64_t nanoseconds);

Json json_or_null(std::optional<double> value);

// {"name", "object_size" (0 = the profile's default), "regions": [{"size", "align"}]}
Json profile_to_json(const shadowslab::ProfileSpec& spec);

}  // namespace shadowctl
