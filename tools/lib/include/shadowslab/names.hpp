#pragma once

// Names for the ABI's enums and bit sets, as the command line spells them.
// Parsers throw std::invalid_argument with a message listing what is valid.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shadowslab/abi.hpp"

namespace shadowslab {

enum class Profile : std::uint32_t {
    mm_6_6 = SHADOWSLAB_PROFILE_MM_6_6,
    mm_6_4 = SHADOWSLAB_PROFILE_MM_6_4,
    mm_6_2 = SHADOWSLAB_PROFILE_MM_6_2,
    tc_action = SHADOWSLAB_PROFILE_TC_ACTION,
    custom = SHADOWSLAB_PROFILE_CUSTOM,
    kernel = SHADOWSLAB_PROFILE_KERNEL,
};

enum class Strategy : std::uint32_t {
    percpu = SHADOWSLAB_STRATEGY_PERCPU,
    ctor = SHADOWSLAB_STRATEGY_CTOR,
    slab = SHADOWSLAB_STRATEGY_SLAB,
    cache = SHADOWSLAB_STRATEGY_CACHE,
    stash = SHADOWSLAB_STRATEGY_STASH,
    merged = SHADOWSLAB_STRATEGY_MERGED,
    lazy = SHADOWSLAB_STRATEGY_LAZY,
};

// Every strategy, in ABI order.
std::span<const Strategy> all_strategies();

// Values the module reports may be newer than this tool: those come out as
// e.g. "profile#7" rather than failing.
std::string to_string(Profile profile);
std::string to_string(Strategy strategy);

Profile parse_profile(std::string_view name);
Strategy parse_strategy(std::string_view name);
// A comma-separated list such as "percpu,ctor"; empty items and repeats are
// rejected.
std::vector<Strategy> parse_strategy_list(std::string_view text);

// Bit sets decoded into names; unknown bits come out as "bit<N>".
std::vector<std::string> feature_names(std::uint32_t features);     // SHADOWSLAB_FEAT_*
std::vector<std::string> cache_flag_names(std::uint32_t flags);     // SHADOWSLAB_CACHE_*

std::string phase_name(std::uint32_t phase);  // SHADOWSLAB_PHASE_*

}  // namespace shadowslab
