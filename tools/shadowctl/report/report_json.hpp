#pragma once

// Reading the documents a report is made of, and writing Markdown from
// them: what report's output and diff share.  A report's sub-documents are
// read as JSON, not as the structs that made them, so that a report.json
// from another machine, or an older shadowctl, reads the same way; a
// missing or null part reads as absent, never as an error.

#include <optional>
#include <string>
#include <vector>

#include "common/output.hpp"

namespace shadowctl {

// A number under `key` of an object, or nullopt (missing, null, or not an
// object at all: a part that did not run).
std::optional<double> json_number(const Json& object, const std::string& key);

// A string under `key` of an object, or "".
std::string json_text(const Json& object, const std::string& key);

// The member under `key` of an object, or null.
const Json& json_member(const Json& object, const std::string& key);

// A Markdown table; a "|" in a cell is escaped.
std::string markdown_table(const std::vector<std::string>& headers,
                           const std::vector<std::vector<std::string>>& rows);

// The ratios a report's conclusions state, with what each means.
struct RatioMeaning {
    const char* key;
    const char* meaning;
};

inline constexpr RatioMeaning kReportRatios[] = {
    {"ctor_scaling_2t", "ctor scaling at 2 threads (throughput at 2 over 1; 2.0 is perfect)"},
    {"percpu_scaling_2t", "percpu scaling at 2 threads (throughput at 2 over 1; 2.0 is perfect)"},
    {"ctor_over_slab_1t", "ctor's cost per cycle over slab's at 1 thread (1.0: the slab floor)"},
};

// A ratio of compare's ({value, ci95_low, ci95_high}) as
// "1.03 (95% interval 0.93 to 1.15)", "1.03 (one round: no interval)", or "-".
std::string ratio_text(const Json& ratio);

}  // namespace shadowctl
