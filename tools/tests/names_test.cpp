#include <gtest/gtest.h>

#include "shadowslab/names.hpp"

using namespace shadowslab;

TEST(Names, EveryProfileRoundTrips)
{
    for (std::uint32_t value = 0; value < SHADOWSLAB_NR_PROFILES; ++value) {
        const auto profile = static_cast<Profile>(value);
        EXPECT_EQ(parse_profile(to_string(profile)), profile);
    }
}

TEST(Names, ProfileNamesMatchTheCommandLine)
{
    EXPECT_EQ(parse_profile("mm-6.6"), Profile::mm_6_6);
    EXPECT_EQ(parse_profile("mm-6.4"), Profile::mm_6_4);
    EXPECT_EQ(parse_profile("mm-6.2"), Profile::mm_6_2);
    EXPECT_EQ(parse_profile("tc_action"), Profile::tc_action);
    EXPECT_EQ(parse_profile("custom"), Profile::custom);
    EXPECT_EQ(static_cast<std::uint32_t>(Profile::custom), std::uint32_t{SHADOWSLAB_PROFILE_CUSTOM});
}

TEST(Names, UnknownProfileListsTheValidOnes)
{
    try {
        parse_profile("mm-7.0");
        FAIL() << "mm-7.0 was accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(),
                     "unknown profile 'mm-7.0' (expected one of: kernel, mm-6.6, mm-6.4, mm-6.2, tc_action, custom)");
    }
    EXPECT_THROW(parse_profile(""), std::invalid_argument);
    EXPECT_THROW(parse_profile("MM-6.6"), std::invalid_argument);
}

TEST(Names, EveryStrategyRoundTrips)
{
    for (const Strategy strategy : all_strategies())
        EXPECT_EQ(parse_strategy(to_string(strategy)), strategy);
    EXPECT_EQ(all_strategies().size(), std::size_t{SHADOWSLAB_NR_STRATEGIES});
    EXPECT_EQ(parse_strategy("percpu"), Strategy::percpu);
    EXPECT_EQ(parse_strategy("ctor"), Strategy::ctor);
    EXPECT_EQ(parse_strategy("slab"), Strategy::slab);
    EXPECT_THROW(parse_strategy("kmalloc"), std::invalid_argument);
}

TEST(Names, ValuesFromANewerModuleAreNamedByNumber)
{
    EXPECT_EQ(to_string(static_cast<Profile>(9)), "profile#9");
    EXPECT_EQ(to_string(static_cast<Strategy>(7)), "strategy#7");
    EXPECT_EQ(phase_name(42), "phase#42");
}

TEST(Names, StrategyList)
{
    EXPECT_EQ(parse_strategy_list("slab,percpu"), (std::vector{Strategy::slab, Strategy::percpu}));
    EXPECT_EQ(parse_strategy_list("ctor"), (std::vector{Strategy::ctor}));
    EXPECT_THROW(parse_strategy_list(""), std::invalid_argument);
    EXPECT_THROW(parse_strategy_list("ctor,"), std::invalid_argument);
    EXPECT_THROW(parse_strategy_list("ctor,,slab"), std::invalid_argument);
    EXPECT_THROW(parse_strategy_list("ctor,ctor"), std::invalid_argument);
    EXPECT_THROW(parse_strategy_list("ctor,magic"), std::invalid_argument);
}

TEST(Names, FeatureBits)
{
    EXPECT_TRUE(feature_names(0).empty());
    EXPECT_EQ(feature_names(SHADOWSLAB_FEAT_COUNTER_INIT_MANY | SHADOWSLAB_FEAT_PREEMPT_RT),
              (std::vector<std::string>{"counter_init_many", "preempt_rt"}));
    EXPECT_EQ(feature_names(SHADOWSLAB_FEAT_LOCKDEP | (1U << 5)), (std::vector<std::string>{"lockdep", "bit5"}));
}

TEST(Names, CacheFlagsAndPhases)
{
    EXPECT_EQ(cache_flag_names(SHADOWSLAB_CACHE_DEFERRED_DTOR), (std::vector<std::string>{"deferred_dtor"}));
    EXPECT_EQ(phase_name(SHADOWSLAB_PHASE_IDLE), "idle");
    EXPECT_EQ(phase_name(SHADOWSLAB_PHASE_WARMUP), "warm-up");
    EXPECT_EQ(phase_name(SHADOWSLAB_PHASE_TIMED), "timed");
}
