#include "shadowslab/names.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "shadowslab/number_parse.hpp"

namespace shadowslab {

namespace {

template <typename Value>
struct Named {
    Value value;
    std::string_view name;
};

constexpr std::array<Named<Profile>, 6> kProfiles{{
    {Profile::kernel, "kernel"},
    {Profile::mm_6_6, "mm-6.6"},
    {Profile::mm_6_4, "mm-6.4"},
    {Profile::mm_6_2, "mm-6.2"},
    {Profile::tc_action, "tc_action"},
    {Profile::custom, "custom"},
}};
static_assert(kProfiles.size() == SHADOWSLAB_NR_PROFILES);

constexpr std::array<Named<Strategy>, 7> kStrategies{{
    {Strategy::percpu, "percpu"},
    {Strategy::ctor, "ctor"},
    {Strategy::slab, "slab"},
    {Strategy::cache, "cache"},
    {Strategy::stash, "stash"},
    {Strategy::merged, "merged"},
    {Strategy::lazy, "lazy"},
}};
static_assert(kStrategies.size() == SHADOWSLAB_NR_STRATEGIES);

constexpr std::array<Strategy, kStrategies.size()> kStrategyValues{
    Strategy::percpu, Strategy::ctor,   Strategy::slab, Strategy::cache,
    Strategy::stash,  Strategy::merged, Strategy::lazy};

constexpr std::array<Named<std::uint32_t>, 5> kFeatures{{
    {SHADOWSLAB_FEAT_COUNTER_INIT_MANY, "counter_init_many"},
    {SHADOWSLAB_FEAT_LOCKDEP, "lockdep"},
    {SHADOWSLAB_FEAT_PREEMPT_RT, "preempt_rt"},
    {SHADOWSLAB_FEAT_MEMCG_KMEM, "memcg_kmem"},
    {SHADOWSLAB_FEAT_PERCPU_CHARGE, "percpu_charge"},
}};

constexpr std::array<Named<std::uint32_t>, 1> kCacheFlags{{
    {SHADOWSLAB_CACHE_DEFERRED_DTOR, "deferred_dtor"},
}};

constexpr std::array<Named<std::uint32_t>, 5> kPhases{{
    {SHADOWSLAB_PHASE_IDLE, "idle"},
    {SHADOWSLAB_PHASE_SETUP, "setup"},
    {SHADOWSLAB_PHASE_WARMUP, "warm-up"},
    {SHADOWSLAB_PHASE_TIMED, "timed"},
    {SHADOWSLAB_PHASE_TEARDOWN, "teardown"},
}};

template <typename Value, std::size_t N>
std::string name_of(const std::array<Named<Value>, N>& table, Value value, std::string_view kind)
{
    for (const auto& entry : table)
        if (entry.value == value)
            return std::string(entry.name);
    return fmt::format("{}#{}", kind, static_cast<std::uint32_t>(value));
}

template <typename Value, std::size_t N>
Value value_of(const std::array<Named<Value>, N>& table, std::string_view name, std::string_view kind)
{
    for (const auto& entry : table)
        if (entry.name == name)
            return entry.value;
    std::vector<std::string_view> valid;
    for (const auto& entry : table)
        valid.push_back(entry.name);
    throw std::invalid_argument(
        fmt::format("unknown {} '{}' (expected one of: {})", kind, name, fmt::join(valid, ", ")));
}

template <std::size_t N>
std::vector<std::string> bit_names(const std::array<Named<std::uint32_t>, N>& table, std::uint32_t bits)
{
    std::vector<std::string> names;
    for (unsigned bit = 0; bit < 32; ++bit) {
        const std::uint32_t mask = 1U << bit;
        if (!(bits & mask))
            continue;
        const auto known = std::find_if(table.begin(), table.end(),
                                        [mask](const auto& entry) { return entry.value == mask; });
        names.push_back(known != table.end() ? std::string(known->name) : fmt::format("bit{}", bit));
    }
    return names;
}

}  // namespace

std::span<const Strategy> all_strategies() { return kStrategyValues; }

std::string to_string(Profile profile) { return name_of(kProfiles, profile, "profile"); }
std::string to_string(Strategy strategy) { return name_of(kStrategies, strategy, "strategy"); }

Profile parse_profile(std::string_view name) { return value_of(kProfiles, name, "profile"); }
Strategy parse_strategy(std::string_view name) { return value_of(kStrategies, name, "strategy"); }

std::vector<Strategy> parse_strategy_list(std::string_view text)
{
    std::vector<Strategy> strategies;
    for (const std::string_view item : split(text, ',')) {
        if (item.empty())
            throw std::invalid_argument(fmt::format("empty item in strategy list '{}'", text));
        const Strategy strategy = parse_strategy(item);
        if (std::find(strategies.begin(), strategies.end(), strategy) != strategies.end())
            throw std::invalid_argument(fmt::format("strategy '{}' listed twice", item));
        strategies.push_back(strategy);
    }
    return strategies;
}

std::vector<std::string> feature_names(std::uint32_t features) { return bit_names(kFeatures, features); }
std::vector<std::string> cache_flag_names(std::uint32_t flags) { return bit_names(kCacheFlags, flags); }

std::string phase_name(std::uint32_t phase) { return name_of(kPhases, phase, "phase"); }

}  // namespace shadowslab
