#pragma once

// `shadowctl compare` output: the text table, the JSON document
// (shadowslab-compare/2, docs/schema/shadowslab-compare-2.json), the CSV and
// the plot of one compare.
//
// A row's columns are defined once, in compare_columns(), and JSON rows and
// CSV lines are expanded from them alike, so both carry the same keys in the
// same order; adding a column (a figure of each row) is adding an entry
// there.  A timed figure is a Spread over the rounds and expands to KEY (the
// mean), KEY_stddev, KEY_min, KEY_max and KEY_cv; a ratio between rows
// expands to KEY and its 95% interval, KEY_ci95_low and KEY_ci95_high.  JSON
// rows also carry "rounds", each round's own figures.  With compare --trace,
// rows gain the trace_* keys of compare_trace.hpp after these.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/environment.hpp"
#include "common/output.hpp"
#include "common/plot.hpp"
#include "compare/compare_trace.hpp"
#include "shadowslab/compare.hpp"
#include "shadowslab/spread.hpp"

namespace shadowctl {

// What a compare measured: the report, the environment it ran in, and with
// --trace what the tracer saw.
struct CompareOutcome {
    shadowslab::CompareReport report;
    Environment environment;
    std::optional<CompareTrace> trace;
};

// One row's value in one column.
using ColumnValue = std::variant<std::string, std::uint64_t, double, std::optional<double>, shadowslab::Spread,
                                 std::optional<shadowslab::Spread>, std::optional<shadowslab::Ratio>>;

struct CompareColumn {
    std::string key;     // JSON key and CSV column
    std::string header;  // in the text table; "" for JSON and CSV only
    int decimals;        // in the text table
    ColumnValue (*value)(const shadowslab::CompareResult& result, const shadowslab::CompareRow& row);
};

// The columns of compare's rows, in order.
const std::vector<CompareColumn>& compare_columns();

std::string format_compare_table(const CompareOutcome& outcome);
Json compare_to_json(const CompareOutcome& outcome);
std::string format_compare_csv(const CompareOutcome& outcome);

// Throughput against threads, one line per strategy, the rounds' range as
// error bars.
Plot compare_plot(const shadowslab::CompareReport& report);

// "271143 +-2.1%": the mean and, as perf stat -r prints it, the standard
// error of the mean in percent of it (just the mean for one round).
std::string format_spread(const shadowslab::Spread& spread, int decimals);

}  // namespace shadowctl
