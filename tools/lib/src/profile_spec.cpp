#include "shadowslab/profile_spec.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "shadowslab/number_parse.hpp"

namespace shadowslab {

Region parse_region(std::string_view text)
{
    const std::size_t colon = text.find(':');
    Region region;
    region.size = static_cast<std::uint32_t>(parse_unsigned(text.substr(0, colon), "region size", kMaxRegionSize));
    if (region.size == 0)
        throw std::invalid_argument(fmt::format("region '{}': size must be at least 1 byte", text));
    if (colon == std::string_view::npos)
        return region;

    const auto page_size = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    const std::uint64_t align = parse_unsigned(text.substr(colon + 1), "region alignment", UINT32_MAX);
    if (!std::has_single_bit(align))
        throw std::invalid_argument(fmt::format("region '{}': alignment must be a power of two", text));
    if (align > page_size)
        throw std::invalid_argument(
            fmt::format("region '{}': alignment above the page size ({}) is refused by pcpu_alloc()", text, page_size));
    region.align = static_cast<std::uint32_t>(align);
    return region;
}

std::string format_region(const Region& region)
{
    return region.align ? fmt::format("{}:{}", region.size, region.align) : fmt::format("{}", region.size);
}

void validate(const ProfileSpec& spec)
{
    if (spec.profile == Profile::custom) {
        if (spec.regions.empty())
            throw std::invalid_argument("the custom profile needs at least one --region SIZE[:ALIGN]");
        if (spec.regions.size() > SHADOWSLAB_MAX_REGIONS)
            throw std::invalid_argument(
                fmt::format("at most {} --region options (got {})", SHADOWSLAB_MAX_REGIONS, spec.regions.size()));
    } else if (!spec.regions.empty()) {
        throw std::invalid_argument(
            fmt::format("--region only applies to --profile custom (profile {} has fixed regions)", to_string(spec.profile)));
    }
}

shadowslab_profile_spec to_abi(const ProfileSpec& spec)
{
    validate(spec);
    shadowslab_profile_spec abi{};
    abi.profile = static_cast<std::uint32_t>(spec.profile);
    abi.object_size = spec.object_size;
    abi.nr_regions = static_cast<std::uint32_t>(spec.regions.size());
    for (std::size_t i = 0; i < spec.regions.size(); ++i) {
        abi.regions[i].size = spec.regions[i].size;
        abi.regions[i].align = spec.regions[i].align;
    }
    return abi;
}

ProfileSpec from_abi(const shadowslab_profile_spec& abi)
{
    ProfileSpec spec;
    spec.profile = static_cast<Profile>(abi.profile);
    spec.object_size = abi.object_size;
    const std::uint32_t nr_regions = std::min<std::uint32_t>(abi.nr_regions, SHADOWSLAB_MAX_REGIONS);
    for (std::uint32_t i = 0; i < nr_regions; ++i)
        spec.regions.push_back({abi.regions[i].size, abi.regions[i].align});
    return spec;
}

std::string describe(const ProfileSpec& spec)
{
    std::vector<std::string> details;
    if (spec.object_size)
        details.push_back(fmt::format("object {} B", spec.object_size));
    if (!spec.regions.empty()) {
        std::vector<std::string> regions;
        for (const Region& region : spec.regions)
            regions.push_back(format_region(region));
        details.push_back(fmt::format("regions {}", fmt::join(regions, ", ")));
    }
    if (details.empty())
        return to_string(spec.profile);
    return fmt::format("{} ({})", to_string(spec.profile), fmt::join(details, "; "));
}

}  // namespace shadowslab
