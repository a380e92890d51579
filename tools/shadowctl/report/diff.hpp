#pragma once

// `shadowctl diff OLD NEW`: two reports side by side, typically one kernel
// against another (6.1, whose exec makes no percpu allocation, against
// 6.12 or 7.x), or one machine against another.
//
// It reads only what the reports hold: each report.json's figures and the
// 95% intervals its own rounds gave them.  It never compares timings
// across reports (the machines, or their load, may differ): it compares
// ratios, each measured within one report, and counts per exec or per
// cycle (percpu allocations, waits for pcpu_alloc_mutex).
// A ratio is told apart only where the two intervals do not overlap.
//
// JSON schema "shadowslab-diff/1" (docs/schema/shadowslab-diff-1.json):
//   schema,
//   old, new: {source, kernel_release, date, tool_version, quick,
//              profile (the kernel profile's basis, "" if none),
//              execbench_not_run ("skipped: REASON", or null if it ran)}
//   environment: [{key, old, new}], only the fields that differ (dotted
//                keys into each report's environment object)
//   ratios: [{name, meaning, old, new ({value, ci95_low, ci95_high} or
//            null), new_over_old (null unless both), intervals ("higher" |
//            "lower": NEW's interval wholly above or below OLD's;
//            "overlap"; null: either lacks an interval)}]
//   counts: [{name, meaning, old, new (null where a report lacks it)}]
//   conclusions: [strings], as in the text

#include <optional>
#include <string>
#include <vector>

#include "common/output.hpp"

namespace shadowctl {

struct DiffOptions {
    std::string old_path;  // a report.json, or a directory holding one
    std::string new_path;
};

struct DiffSide {
    std::string source;  // the path it was read from
    std::string kernel_release;
    std::string date;
    std::string tool_version;
    bool quick = false;
    std::string profile;  // info's kernel_profile.basis
    std::string execbench_not_run;  // "skipped: REASON" where the report's execbench did not run; else ""
};

struct DiffField {
    std::string key;
    std::string old_value;  // "-" where the report lacks it
    std::string new_value;
};

struct DiffRatio {
    std::string name;
    std::string meaning;
    Json old_ratio;  // {value, ci95_low, ci95_high}, or null
    Json new_ratio;
    std::string intervals;  // higher, lower, overlap; "" when either has none
};

struct DiffCount {
    std::string name;
    std::string meaning;
    std::optional<double> old_value;
    std::optional<double> new_value;
};

struct ReportDiff {
    DiffSide old_side;
    DiffSide new_side;
    std::vector<DiffField> environment;
    std::vector<DiffRatio> ratios;
    std::vector<DiffCount> counts;
};

// The report.json at `path`, or in the directory `path`.  Throws
// std::system_error (with the errno) if it cannot be read, and
// std::runtime_error naming the file if it is not a shadowslab-report/1
// document.
Json read_report(const std::string& path);

ReportDiff diff_reports(const Json& old_report, const std::string& old_source, const Json& new_report,
                        const std::string& new_source);

// What the two reports support, one sentence each.
std::vector<std::string> diff_conclusions(const ReportDiff& diff);

// Markdown, for the terminal and for pasting.
std::string format_diff_markdown(const ReportDiff& diff);

// Schema shadowslab-diff/1.
Json diff_to_json(const ReportDiff& diff);

}  // namespace shadowctl
