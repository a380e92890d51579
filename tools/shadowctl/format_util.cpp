#include "format_util.hpp"

#include <fmt/format.h>

namespace shadowctl {

std::string fixed(std::optional<double> value, int decimals)
{
    return value ? fmt::format("{:.{}f}", *value, decimals) : "-";
}

std::string bytes(std::uint64_t count)
{
    if (count < 1024)
        return fmt::format("{} B", count);
    const char* const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double scaled = static_cast<double>(count) / 1024;
    std::size_t unit = 0;
    while (scaled >= 1024 && unit + 1 < std::size(units)) {
        scaled /= 1024;
        ++unit;
    }
    return fmt::format("{} B ({:.1f} {})", count, scaled, units[unit]);
}

std::string duration(std::uint64_t nanoseconds)
{
    const auto ns = static_cast<double>(nanoseconds);
    if (nanoseconds >= 1'000'000'000)
        return fmt::format("{:.3f} s", ns / 1e9);
    if (nanoseconds >= 1'000'000)
        return fmt::format("{:.1f} ms", ns / 1e6);
    if (nanoseconds >= 1'000)
        return fmt::format("{:.0f} us", ns / 1e3);
    return fmt::format("{} ns", nanoseconds);
}

Json json_or_null(std::optional<double> value)
{
    return value ? Json(*value) : Json(nullptr);
}

Json profile_to_json(const shadowslab::ProfileSpec& spec)
{
    Json regions = Json::array();
    for (const shadowslab::Region& region : spec.regions)
        regions.push_back({{"size", region.size}, {"align", region.align}});
    return {{"name", shadowslab::to_string(spec.profile)}, {"object_size", spec.object_size}, {"regions", regions}};
}

}  // namespace shadowctl
