#include <gtest/gtest.h>

#include "shadowslab/number_parse.hpp"
#include "shadowslab/run.hpp"

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

TEST(ParseDuration, SecondsByDefault)
{
    EXPECT_EQ(parse_duration("1", "d"), 1'000'000'000u);
    EXPECT_EQ(parse_duration("0.25", "d"), 250'000'000u);
    EXPECT_EQ(parse_duration("3600", "d"), 3'600'000'000'000u);
}

TEST(ParseDuration, Units)
{
    EXPECT_EQ(parse_duration("500ms", "d"), 500'000'000u);
    EXPECT_EQ(parse_duration("2s", "d"), 2'000'000'000u);
    EXPECT_EQ(parse_duration("1m", "d"), 60'000'000'000u);
    EXPECT_EQ(parse_duration("1.5m", "d"), 90'000'000'000u);
    EXPECT_EQ(parse_duration("1h", "d"), 3'600'000'000'000u);
    EXPECT_EQ(parse_duration("250us", "d"), 250'000u);
    EXPECT_EQ(parse_duration("10ns", "d"), 10u);
}

TEST(ParseDuration, RejectsAnythingElse)
{
    for (const char* text : {"", "0", "0.0", "0s", "-1", "-1s", "s", "ms", "1 s", "1S", "1sec", "1d", "abc", "inf",
                             "nan", "1e3", "0.0000000001", "0.1ns"})
        EXPECT_THROW(parse_duration(text, "d"), std::invalid_argument) << text;
    try {
        parse_duration("5x", "--duration");
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "--duration '5x' is not a duration (e.g. 500ms, 2s, 1m; a bare number is seconds)");
    }
}

TEST(Split, KeepsEmptyItems)
{
    EXPECT_EQ(split("a,b", ','), (std::vector<std::string_view>{"a", "b"}));
    EXPECT_EQ(split("", ','), (std::vector<std::string_view>{""}));
    EXPECT_EQ(split("a,", ','), (std::vector<std::string_view>{"a", ""}));
}

TEST(ParseRetention, AllOrPartial)
{
    EXPECT_EQ(parse_retention("all"), (Retention{false, 0}));
    EXPECT_EQ(parse_retention("partial:5"), (Retention{true, 5}));
    EXPECT_EQ(parse_retention("partial:0"), (Retention{true, 0}));
    EXPECT_EQ(to_string(Retention{true, 5}), "partial:5");
    EXPECT_EQ(to_string(Retention{false, 0}), "all");
    EXPECT_THROW(parse_retention("partial"), std::invalid_argument);
    EXPECT_THROW(parse_retention("partial:"), std::invalid_argument);
    EXPECT_THROW(parse_retention("partial:-1"), std::invalid_argument);
    EXPECT_THROW(parse_retention("partial:1025"), std::invalid_argument);
    EXPECT_THROW(parse_retention("some"), std::invalid_argument);
}

TEST(ParseFractionPpm, ExactDecimals)
{
    EXPECT_EQ(parse_fraction_ppm("0.1", "f"), 100'000u);
    EXPECT_EQ(parse_fraction_ppm(".25", "f"), 250'000u);
    EXPECT_EQ(parse_fraction_ppm("0", "f"), 0u);
    EXPECT_EQ(parse_fraction_ppm("1", "f"), 1'000'000u);
    EXPECT_EQ(parse_fraction_ppm("1.0", "f"), 1'000'000u);
    EXPECT_EQ(parse_fraction_ppm("0.000001", "f"), 1u);
    EXPECT_THROW(parse_fraction_ppm("1.5", "f"), std::invalid_argument);
    EXPECT_THROW(parse_fraction_ppm("0.0000001", "f"), std::invalid_argument);
    EXPECT_THROW(parse_fraction_ppm("0.", "f"), std::invalid_argument);
    EXPECT_THROW(parse_fraction_ppm("", "f"), std::invalid_argument);
    EXPECT_THROW(parse_fraction_ppm("0.1x", "f"), std::invalid_argument);
    EXPECT_THROW(parse_fraction_ppm("2", "f"), std::invalid_argument);
}
