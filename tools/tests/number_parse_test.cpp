#include <gtest/gtest.h>

#include "shadowslab/number_parse.hpp"

using namespace shadowslab;

TEST(ParseUnsigned, DecimalAndHex)
{
    EXPECT_EQ(parse_unsigned("0", "n"), 0u);
    EXPECT_EQ(parse_unsigned("4096", "n"), 4096u);
    EXPECT_EQ(parse_unsigned("0x40", "n"), 64u);
    EXPECT_EQ(parse_unsigned("0X1f", "n"), 31u);
    EXPECT_EQ(parse_unsigned("18446744073709551615", "n"), UINT64_MAX);
}

TEST(ParseUnsigned, RejectsAnythingButTheNumber)
{
    for (const char* text : {"", " 1", "1 ", "+1", "-1", "1k", "0x", "0xg", "1.5", "abc"})
        EXPECT_THROW(parse_unsigned(text, "n"), std::invalid_argument) << text;
}

TEST(ParseUnsigned, RangeAndMessages)
{
    EXPECT_THROW(parse_unsigned("18446744073709551616", "n"), std::invalid_argument);
    EXPECT_EQ(parse_unsigned("255", "n", 255), 255u);
    try {
        parse_unsigned("256", "magazine size", 255);
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "magazine size '256' is too large (at most 255)");
    }
}

TEST(ParseCountList, DistinctPositiveCounts)
{
    EXPECT_EQ(parse_count_list("1,2,4", "threads", 64), (std::vector<unsigned>{1, 2, 4}));
    EXPECT_EQ(parse_count_list("8", "threads", 64), (std::vector<unsigned>{8}));
    EXPECT_THROW(parse_count_list("0,1", "threads", 64), std::invalid_argument);
    EXPECT_THROW(parse_count_list("1,1", "threads", 64), std::invalid_argument);
    EXPECT_THROW(parse_count_list("1,", "threads", 64), std::invalid_argument);
    EXPECT_THROW(parse_count_list("65", "threads", 64), std::invalid_argument);
}

TEST(ParseSeconds, ToNanoseconds)
{
    EXPECT_EQ(parse_seconds("1", "d"), 1'000'000'000u);
    EXPECT_EQ(parse_seconds("0.25", "d"), 250'000'000u);
    EXPECT_EQ(parse_seconds("3600", "d"), 3'600'000'000'000u);
    for (const char* text : {"", "0", "0.0", "-1", "1s", "abc", "inf", "nan", "1e3", "0.0000000001"})
        EXPECT_THROW(parse_seconds(text, "d"), std::invalid_argument) << text;
}

TEST(Split, KeepsEmptyItems)
{
    EXPECT_EQ(split("a,b", ','), (std::vector<std::string_view>{"a", "b"}));
    EXPECT_EQ(split("", ','), (std::vector<std::string_view>{""}));
    EXPECT_EQ(split("a,", ','), (std::vector<std::string_view>{"a", ""}));
}
