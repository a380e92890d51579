#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "execbench/execbench.hpp"
#include "parse_cli.hpp"
#include "report/report.hpp"
#include "tracer_sample.hpp"

using namespace shadowctl;
namespace tr = shadowslab::tracer;

namespace {

// The documents captured in a VM by scripts/json-examples.sh.
Json example(const std::string& name)
{
    std::ifstream file(std::string(SCHEMA_EXAMPLES_DIR) + "/" + name);
    std::stringstream content;
    content << file.rdbuf();
    return Json::parse(content.str());
}

// An execbench --trace document: 55 execs over the tracer sample's 110
// allocs, 105 frees and 4 waits for pcpu_alloc_mutex.
Json execbench_document()
{
    Json json = {{"schema", "shadowslab-execbench/1"},
                 {"kernel_release", "6.6.0-test"},
                 {"cpus", {0, 1}},
                 {"elapsed_ns", 1'000'000'000},
                 {"total_ops", 55},
                 {"ops_per_sec", 55.0},
                 {"ops_per_sec_per_cpu", 27.5}};
    TraceDocument trace;
    trace.window.kind = "exec_loop";
    trace.window.traced_ns = 1'000'000'000;
    trace.kernel_release = "6.6.0-test";
    trace.report = tr::build_report(testdata::snapshot(), tr::kAllSegments, testdata::kallsyms(), 5);
    add_exec_trace_json(json, trace, 55);
    return json;
}

// Every part ran; compare's plot was drawn.
ReportInput full_input()
{
    ReportInput input;
    input.date = "2026-12-01T10:00:00Z";
    input.kernel_release = "6.6.0-test";
    input.quick = true;
    input.environment.virtualization = "tcg";
    input.parts = {{"info", "ran", ""},
                   {"compare", "ran", ""},
                   {"possible_cpu_sweep", "skipped", "the possible CPUs (0-1) are fixed at boot"},
                   {"execbench", "ran", ""},
                   {"percpu_trace", "ran", ""}};
    input.plots = {{"compare", "compare.svg", "throughput against threads"}};
    input.info = example("info.json");
    input.compare = example("compare.json");
    input.execbench = execbench_document();
    input.percpu_run = example("run-trace.json");
    return input;
}

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

// compare.json's ctor_scaling_2t as the report prints it: "V (95% interval
// L to H)".  Read from the example, which scripts/json-examples.sh
// captures anew from a VM whenever a schema changes.
std::string ctor_scaling_with_interval()
{
    const Json ratio = example("compare.json")["ratios"]["ctor_scaling_2t"];
    return fmt::format("{:.2f} (95% interval {:.2f} to {:.2f})", ratio["value"].get<double>(),
                       ratio["ci95_low"].get<double>(), ratio["ci95_high"].get<double>());
}

}  // namespace

TEST(ReportMarkdown, HasEverySectionAndThePlot)
{
    const std::string md = format_report_markdown(full_input());
    for (const char* section : {"# shadowslab report", "## Conclusions", "## Parts", "## Environment",
                                "## compare", "## Possible-CPU sweep", "## exec", "## The percpu strategy"})
        EXPECT_TRUE(has(md, section)) << section;
    EXPECT_TRUE(has(md, "![throughput against threads](compare.svg)"));
    EXPECT_TRUE(has(md, "| possible_cpu_sweep | skipped | the possible CPUs (0-1) are fixed at boot |"));
}

TEST(ReportMarkdown, CompareTableCarriesTheSpreadAndRatiosTheirIntervals)
{
    const std::string md = format_report_markdown(full_input());
    // The text table's headers, and the two rounds' standard error as ±.
    EXPECT_TRUE(has(md, "| strategy | threads | cycles/s | p50 ns |"));
    EXPECT_TRUE(has(md, "| percpu | 1 | "));
    EXPECT_TRUE(has(md, " ±"));
    EXPECT_FALSE(has(md, "+-"));
    EXPECT_TRUE(has(md, "| ctor_scaling_2t | " + ctor_scaling_with_interval() + " |")) << md;
}

TEST(ReportMarkdown, ExecPerExecAndTheContendedStacks)
{
    const std::string md = format_report_markdown(full_input());
    EXPECT_TRUE(has(md, "| 55 | 2.000 | 1.909 | 0.073 |"));
    // The sample's pcpu_alloc_mutex waits, with their caller.
    EXPECT_TRUE(has(md, "pcpu_alloc_mutex: 4 contentions"));
    EXPECT_TRUE(has(md, "from `pcpu_alloc+0x56d`"));
    EXPECT_TRUE(has(md, "shadow_obj_ctor+0x"));
    // The sample took every wait's stack: the stacks are not called estimates.
    EXPECT_TRUE(has(md, "pcpu_alloc_mutex: 4 contentions, 29.0 us total wait, 20.0 us longest; top stacks:")) << md;
}

// Sampled waiters' stacks are said to be estimates.
TEST(ReportMarkdown, SampledStacksAreCalledEstimates)
{
    ReportInput input = full_input();
    input.execbench["trace"]["wait_stacks"] = {{"period", 8}, {"always_first", 256}};
    const std::string md = format_report_markdown(input);
    EXPECT_TRUE(has(md, "pcpu_alloc_mutex: 4 contentions, 29.0 us total wait, 20.0 us longest; top stacks (1 wait in "
                        "8 sampled past each CPU's first 256, so their waits and times are estimates):"))
        << md;
}

TEST(ReportConclusions, StateOnlyWhatTheNumbersSay)
{
    const std::vector<std::string> conclusions = report_conclusions(full_input());
    const auto said = [&conclusions](const std::string& part) {
        return std::any_of(conclusions.begin(), conclusions.end(),
                           [&part](const std::string& line) { return has(line, part); });
    };
    EXPECT_TRUE(said("exec makes 2.00 percpu allocations per exec on this kernel (6.6.0-test)"));
    EXPECT_TRUE(said("ctor scaling at 2 threads (throughput at 2 over 1; 2.0 is perfect): " +
                     ctor_scaling_with_interval()));
    // compare.json's scaling intervals overlap: no claim which scales better.
    EXPECT_TRUE(said("overlap: these rounds do not tell their scaling apart"));
    EXPECT_FALSE(said("scales better"));
    EXPECT_TRUE(said("pcpu_alloc_mutex was contended"));
    EXPECT_TRUE(said("TCG"));
}

TEST(ReportConclusions, DisjointIntervalsNameTheBetterScaler)
{
    ReportInput input = full_input();
    Json& ratios = input.compare["ratios"];
    ratios["ctor_scaling_2t"] = {{"value", 1.9}, {"ci95_low", 1.8}, {"ci95_high", 2.0}, {"rounds", {1.9, 1.9}}};
    ratios["percpu_scaling_2t"] = {{"value", 1.1}, {"ci95_low", 1.0}, {"ci95_high", 1.2}, {"rounds", {1.1, 1.1}}};
    const std::vector<std::string> conclusions = report_conclusions(input);
    EXPECT_NE(std::find(conclusions.begin(), conclusions.end(),
                        "At 2 threads ctor scales better than percpu: their 95% intervals do not overlap."),
              conclusions.end());
}

TEST(ReportMarkdown, PartsThatDidNotRunSayWhy)
{
    ReportInput input;
    input.date = "2026-12-01T10:00:00Z";
    input.parts = {{"info", "ran", ""},
                   {"compare", "failed", "interrupted: partial results"},
                   {"possible_cpu_sweep", "skipped", "fixed at boot"},
                   {"execbench", "skipped", "kernel 6.1.0: before 6.2 the mm_struct owns no percpu memory"},
                   {"percpu_trace", "skipped", "the tracer cannot start: no BTF"}};
    input.plots_note = "none drawn: gnuplot is not installed";
    const std::string md = format_report_markdown(input);
    EXPECT_TRUE(has(md, "Skipped: kernel 6.1.0: before 6.2"));
    EXPECT_TRUE(has(md, "Skipped: the tracer cannot start: no BTF"));
    EXPECT_TRUE(has(md, "Plots: none drawn: gnuplot is not installed"));
    EXPECT_TRUE(has(md, "None: no part measured enough"));
    EXPECT_FALSE(has(md, "!["));
}

TEST(ReportMarkdown, ExecWithoutTheTracerSaysWhy)
{
    ReportInput input = full_input();
    input.execbench.erase("trace");
    input.execbench.erase("trace_per_exec");
    input.parts[3].reason = "the tracer cannot start: EPERM";
    EXPECT_TRUE(
        has(format_report_markdown(input), "The exec loop ran without the tracer: the tracer cannot start: EPERM"));
}

TEST(ReportJson, EmbedsEachDocumentWithItsSchema)
{
    const Json json = report_to_json(full_input());
    EXPECT_EQ(json["schema"], "shadowslab-report/1");
    EXPECT_EQ(json["info"]["schema"], "shadowslab-info/1");
    EXPECT_EQ(json["compare"]["schema"], "shadowslab-compare/2");
    EXPECT_EQ(json["execbench"]["schema"], "shadowslab-execbench/1");
    EXPECT_EQ(json["percpu_run"]["schema"], "shadowslab-run/1");
    EXPECT_EQ(json["percpu_run"]["trace"]["schema"], "shadowslab-trace/1");
    EXPECT_EQ(json["parts"][2]["status"], "skipped");
    EXPECT_EQ(json["parts"][0]["reason"], nullptr);
    EXPECT_EQ(json["plots"][0]["file"], "compare.svg");
    EXPECT_EQ(json["plots_note"], nullptr);
    EXPECT_EQ(json["conclusions"], Json(report_conclusions(full_input())));
}

TEST(ReportJson, PartsThatDidNotRunAreNull)
{
    ReportInput input;
    input.parts = {{"percpu_trace", "skipped", "no BTF"}};
    const Json json = report_to_json(input);
    EXPECT_EQ(json["compare"], nullptr);
    EXPECT_EQ(json["percpu_run"], nullptr);
    EXPECT_EQ(json["parts"][0]["reason"], "no BTF");
}

TEST(ReportCli, Options)
{
    const auto options = testcli::parse_command<ReportOptions>(
        add_report_command, {"report", "--quick", "--rounds", "4", "--duration", "250ms", "--profile", "mm-6.6"});
    EXPECT_TRUE(options.quick);
    EXPECT_EQ(options.rounds, 4U);
    EXPECT_EQ(options.workload.duration_ns, 250'000'000U);
    EXPECT_FALSE(testcli::parse_command<ReportOptions>(add_report_command, {"report"}).quick);
    EXPECT_THROW(testcli::parse_command<ReportOptions>(add_report_command, {"report", "--rounds", "0"}),
                 CLI::ValidationError);
}
