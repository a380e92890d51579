#pragma once

// The object type a cache or run works on: a profile, optionally with an
// object size, and for the custom profile the percpu regions its constructor
// allocates.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadowslab/abi.hpp"
#include "shadowslab/names.hpp"

namespace shadowslab {

// pcpu_alloc() refuses sizes above PCPU_MIN_UNIT_SIZE (32 KiB).
inline constexpr std::uint32_t kMaxRegionSize = SHADOWSLAB_REGION_MAX_SIZE;

struct Region {
    std::uint32_t size = 0;   // bytes per CPU
    std::uint32_t align = 0;  // power of two; 0 = natural

    friend bool operator==(const Region&, const Region&) = default;
};

// "SIZE[:ALIGN]", e.g. "64" or "256:64" (0x hex accepted).  SIZE must be
// 1..kMaxRegionSize; ALIGN a power of two no larger than the page size,
// because pcpu_alloc() rejects larger alignments.  std::invalid_argument
// otherwise.
Region parse_region(std::string_view text);
std::string format_region(const Region& region);

struct ProfileSpec {
    Profile profile = Profile::kernel;
    std::uint32_t object_size = 0;  // 0 = the profile's default
    std::vector<Region> regions;    // custom only
};

// Regions belong to the custom profile only, which needs 1..MAX of them.
// std::invalid_argument, phrased in terms of the command-line options.
void validate(const ProfileSpec& spec);

shadowslab_profile_spec to_abi(const ProfileSpec& spec);
// Tolerates an out-of-range nr_regions from a newer module by clamping it.
ProfileSpec from_abi(const shadowslab_profile_spec& spec);

// "mm-6.6", "custom (object 512 B; regions 64:8, 16)".
std::string describe(const ProfileSpec& spec);

}  // namespace shadowslab
