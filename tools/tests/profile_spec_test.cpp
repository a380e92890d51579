#include <gtest/gtest.h>

#include "shadowslab/profile_spec.hpp"

using namespace shadowslab;

TEST(Region, SizeAndOptionalAlignment)
{
    EXPECT_EQ(parse_region("64"), (Region{64, 0}));
    EXPECT_EQ(parse_region("256:64"), (Region{256, 64}));
    EXPECT_EQ(parse_region("0x100:0x40"), (Region{256, 64}));
    EXPECT_EQ(parse_region("1:1"), (Region{1, 1}));
    EXPECT_EQ(parse_region("32768:4096"), (Region{32768, 4096}));
}

TEST(Region, RejectsWhatPcpuAllocWould)
{
    for (const char* text : {"", "0", "32769", "64:", ":8", "64:0", "64:3", "64:48", "64:1048576", "64:8:8", "x",
                             "-64"})
        EXPECT_THROW(parse_region(text), std::invalid_argument) << "'" << text << "'";
}

TEST(Region, FormatsBack)
{
    EXPECT_EQ(format_region({64, 0}), "64");
    EXPECT_EQ(format_region({256, 64}), "256:64");
}

TEST(ProfileSpec, RegionsBelongToCustomOnly)
{
    EXPECT_NO_THROW(validate(ProfileSpec{}));
    EXPECT_THROW(validate(ProfileSpec{Profile::mm_6_6, 0, {{64, 0}}}), std::invalid_argument);
    EXPECT_THROW(validate(ProfileSpec{Profile::custom, 0, {}}), std::invalid_argument);
    EXPECT_NO_THROW(validate(ProfileSpec{Profile::custom, 0, std::vector<Region>(8, {8, 8})}));
    EXPECT_THROW(validate(ProfileSpec{Profile::custom, 0, std::vector<Region>(9, {8, 8})}), std::invalid_argument);
}

TEST(ProfileSpec, ToAbiFillsEveryField)
{
    const shadowslab_profile_spec abi = to_abi({Profile::custom, 512, {{64, 8}, {16, 0}}});
    EXPECT_EQ(abi.profile, std::uint32_t{SHADOWSLAB_PROFILE_CUSTOM});
    EXPECT_EQ(abi.object_size, 512u);
    EXPECT_EQ(abi.nr_regions, 2u);
    EXPECT_EQ(abi.reserved, 0u);
    EXPECT_EQ(abi.regions[0].size, 64u);
    EXPECT_EQ(abi.regions[0].align, 8u);
    EXPECT_EQ(abi.regions[1].size, 16u);
    EXPECT_EQ(abi.regions[2].size, 0u);
}

TEST(ProfileSpec, FromAbiClampsRegionCount)
{
    shadowslab_profile_spec abi{};
    abi.profile = SHADOWSLAB_PROFILE_MM_6_6;
    abi.nr_regions = 200;
    EXPECT_EQ(from_abi(abi).regions.size(), std::size_t{SHADOWSLAB_MAX_REGIONS});
}

TEST(ProfileSpec, Describe)
{
    EXPECT_EQ(describe({}), "kernel");
    EXPECT_EQ(describe({Profile::tc_action, 256, {}}), "tc_action (object 256 B)");
    EXPECT_EQ(describe({Profile::custom, 512, {{64, 8}, {16, 0}}}), "custom (object 512 B; regions 64:8, 16)");
}
