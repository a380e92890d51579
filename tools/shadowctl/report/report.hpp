#pragma once

// `shadowctl report`: one command for a mailing-list reply.  It runs info,
// compare, execbench --trace and a traced percpu run, and writes a directory
// with report.md (the environment, the tables, the conclusions the numbers
// support, plots as SVG beside it) and report.json.
//
// The measuring is report.cpp's; the rendering (report_output.cpp) works
// from the sub-documents alone, as each command's --json writes them, so it
// is tested from canned ones without a device.
//
// JSON schema "shadowslab-report/1" (docs/schema/shadowslab-report-1.json):
//   schema, date, tool_version, kernel_release, quick,
//   parts: [{name, status ("ran" | "skipped" | "failed"), reason (why it
//           did not run; with "ran", what it ran without, e.g. the tracer;
//           null if it ran in full)}], one per part in the order they ran:
//           info, compare, possible_cpu_sweep, execbench, percpu_trace
//   plots: [{name, file}] drawn beside report.md; plots_note (null, or why
//          there are none)
//   conclusions: [strings], as in report.md
//   info (shadowslab-info/1), compare (shadowslab-compare/2), execbench
//   (shadowslab-execbench/1 with trace and trace_per_exec), percpu_run
//   (shadowslab-run/1 with trace and trace_whole_run): each null if its
//   part did not run, and each keeps its own "schema".

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/command.hpp"
#include "common/environment.hpp"
#include "common/options.hpp"
#include "common/output.hpp"

namespace shadowctl {

struct ReportOptions {
    WorkloadOptions workload;     // compare's and the percpu run's; --duration unset: by --quick
    unsigned rounds = 0;          // compare's; 0: by --quick
    bool quick = false;
};

void add_report_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<ReportOptions> options);

// ------------------------------------------------------------------ output

struct ReportPart {
    std::string name;    // info, compare, possible_cpu_sweep, execbench, percpu_trace
    std::string status;  // ran, skipped, failed
    std::string reason;  // why it did not run, or what it ran without ("" if it ran in full)
};

struct ReportPlot {
    std::string name;  // "compare"
    std::string file;  // relative to the report's directory
    std::string caption;
};

// Everything report.md and report.json are made of.  A document is null
// when its part did not run.
struct ReportInput {
    std::string date;  // UTC, ISO 8601
    std::string kernel_release;
    bool quick = false;
    Environment environment;  // where the report ran (compare's, or info's)
    std::vector<ReportPart> parts;
    std::vector<ReportPlot> plots;
    std::string plots_note;  // "" when plots were drawn, else why not
    Json info = nullptr;
    Json compare = nullptr;
    Json execbench = nullptr;
    Json percpu_run = nullptr;
};

// What the numbers support, one sentence each: exec's percpu allocations
// per exec, the ratios with their intervals, the percpu run's lock waits.
std::vector<std::string> report_conclusions(const ReportInput& input);

std::string format_report_markdown(const ReportInput& input);

// Schema shadowslab-report/1.
Json report_to_json(const ReportInput& input);

// The few lines printed on the terminal: each part's status and the files.
std::string format_report_summary(const ReportInput& input, const std::string& directory);

}  // namespace shadowctl
