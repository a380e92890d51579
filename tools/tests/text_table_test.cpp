#include <gtest/gtest.h>

#include "common/table.hpp"

using shadowctl::TextTable;

TEST(TextTable, AlignsColumns)
{
    TextTable table({{"name", TextTable::Align::left}, {"count", TextTable::Align::right}});
    table.add_row({"percpu", "7"});
    table.add_row({"ctor", "12345"});
    EXPECT_EQ(table.render(),
              "name    count\n"
              "percpu      7\n"
              "ctor    12345\n");
}

TEST(TextTable, NoTrailingBlanksAndShortRows)
{
    TextTable table({{"a", TextTable::Align::right}, {"b", TextTable::Align::left}});
    table.add_row({"1"});
    table.add_row({"22", "x"});
    EXPECT_EQ(table.render(),
              " a  b\n"
              " 1\n"
              "22  x\n");
    EXPECT_THROW(table.add_row({"1", "2", "3"}), std::logic_error);
}
