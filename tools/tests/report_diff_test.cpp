#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "report/diff.hpp"

using namespace shadowctl;

namespace {

// The report captured in a VM by scripts/json-examples.sh (6.1, --quick).
Json example_report()
{
    std::ifstream file(std::string(SCHEMA_EXAMPLES_DIR) + "/report.json");
    std::stringstream content;
    content << file.rdbuf();
    return Json::parse(content.str());
}

// The same report as if a later kernel had written it: exec now makes 3
// percpu allocations, ctor's speedup at 1 thread has moved far beyond its
// interval, the preemption model differs, and vm-run's host-load file on
// the command line is another run's.
Json later_kernel_report()
{
    Json report = example_report();
    report["kernel_release"] = "7.3.4+deb14-amd64";
    report["execbench"] = {{"schema", "shadowslab-execbench/1"},
                           {"trace_per_exec", {{"execs", 100},
                                               {"percpu_allocs", 3.0},
                                               {"percpu_frees", 3.0},
                                               {"pcpu_alloc_mutex_contentions", 0.25}}}};
    Json& environment = report["compare"]["environment"];
    environment["preemption"] = "lazy";
    std::string cmdline = environment["cmdline"];
    const std::string host_load = "vmrun.host_load=";
    const auto at = cmdline.find(host_load) + host_load.size();
    cmdline.replace(at, cmdline.find(' ', at) - at, "/another/run/42");
    environment["cmdline"] = cmdline;
    Json& ctor = report["compare"]["ratios"]["speedup_over_percpu"]["ctor_1t"];
    ctor["value"] = 9.0;
    ctor["ci95_low"] = 8.5;
    ctor["ci95_high"] = 9.5;
    return report;
}

const DiffRatio& ratio(const ReportDiff& diff, const std::string& name)
{
    for (const DiffRatio& row : diff.ratios)
        if (row.name == name)
            return row;
    throw std::out_of_range(name);
}

const DiffCount& count(const ReportDiff& diff, const std::string& name)
{
    for (const DiffCount& row : diff.counts)
        if (row.name == name)
            return row;
    throw std::out_of_range(name);
}

bool has_conclusion(const ReportDiff& diff, const std::string& part)
{
    for (const std::string& conclusion : diff_conclusions(diff))
        if (conclusion.find(part) != std::string::npos)
            return true;
    return false;
}

}  // namespace

TEST(ReportDiff, AReportAgainstItselfDiffersInNothing)
{
    const Json report = example_report();
    const ReportDiff diff = diff_reports(report, "a", report, "b");

    EXPECT_TRUE(diff.environment.empty());
    for (const DiffRatio& row : diff.ratios)
        EXPECT_TRUE(row.intervals == "overlap" || row.intervals.empty()) << row.name;
    EXPECT_EQ(ratio(diff, "ctor_over_slab_1t").intervals, "overlap");
    // percpu's speedup over itself is always 1: not a row.
    EXPECT_THROW(ratio(diff, "speedup_over_percpu.percpu_1t"), std::out_of_range);
    EXPECT_EQ(count(diff, "percpu.percpu_allocs_per_cycle").old_value, 2.0);
    // The 6.1 report skipped execbench: no count on either side.
    EXPECT_FALSE(count(diff, "exec.percpu_allocs").old_value);
    EXPECT_TRUE(has_conclusion(diff, "overlap: these rounds do not tell them apart"));
    EXPECT_TRUE(has_conclusion(diff, "--quick"));
}

TEST(ReportDiff, NamesWhatMovedAndWhatIsNewAndLeavesTheRunsOwnNoiseOut)
{
    const ReportDiff diff = diff_reports(example_report(), "old", later_kernel_report(), "new");

    ASSERT_EQ(diff.environment.size(), 1U) << "only preemption differs; the host-load file is every run's own";
    EXPECT_EQ(diff.environment[0].key, "preemption");
    EXPECT_EQ(diff.environment[0].old_value, "voluntary");
    EXPECT_EQ(diff.environment[0].new_value, "lazy");

    EXPECT_EQ(ratio(diff, "speedup_over_percpu.ctor_1t").intervals, "higher");
    EXPECT_EQ(ratio(diff, "ctor_over_slab_1t").intervals, "overlap");
    EXPECT_FALSE(count(diff, "exec.percpu_allocs").old_value);
    EXPECT_EQ(count(diff, "exec.percpu_allocs").new_value, 3.0);

    EXPECT_TRUE(has_conclusion(diff, "ctor's throughput over percpu's at 1 thread"));
    EXPECT_TRUE(has_conclusion(diff, "7.3.4+deb14-amd64's interval lies wholly above"));
    // The 6.1 report skipped execbench, and says why.
    EXPECT_TRUE(has_conclusion(diff, "exec makes 3 percpu allocations per exec on 7.3.4+deb14-amd64; "
                                     "6.1.0-57-amd64 has no count (execbench skipped: kernel 6.1.0-57-amd64: before "
                                     "6.2"));

    const std::string text = format_diff_markdown(diff);
    EXPECT_NE(text.find("| preemption | voluntary | lazy |"), std::string::npos) << text;
    EXPECT_NE(text.find("apart: NEW higher"), std::string::npos) << text;
    EXPECT_NE(text.find("| exec.percpu_allocs | - | 3 |"), std::string::npos) << text;

    const Json json = diff_to_json(diff);
    EXPECT_EQ(json["schema"], "shadowslab-diff/1");
    EXPECT_EQ(json["new"]["kernel_release"], "7.3.4+deb14-amd64");
    bool found = false;
    for (const Json& row : json["ratios"])
        if (row["name"] == "speedup_over_percpu.ctor_1t") {
            found = true;
            EXPECT_EQ(row["intervals"], "higher");
            EXPECT_GT(row["new_over_old"].get<double>(), 1.0);
        }
    EXPECT_TRUE(found);
}

TEST(ReportDiff, BothKernelsCountedGiveTheExecConclusion)
{
    Json older = later_kernel_report();
    older["kernel_release"] = "6.12.57+deb12-amd64";
    older["execbench"]["trace_per_exec"]["percpu_allocs"] = 2.0;
    const ReportDiff diff = diff_reports(older, "old", later_kernel_report(), "new");
    EXPECT_TRUE(has_conclusion(diff, "exec makes 2 percpu allocations per exec on 6.12.57+deb12-amd64 and 3 on "
                                     "7.3.4+deb14-amd64."));
}

TEST(ReportDiff, ReadsAFileOrItsDirectoryAndRefusesWhatIsNotAReport)
{
    const Json from_file = read_report(std::string(SCHEMA_EXAMPLES_DIR) + "/report.json");
    const Json from_directory = read_report(SCHEMA_EXAMPLES_DIR);
    EXPECT_EQ(from_file, from_directory);

    try {
        read_report("/nonexistent/report.json");
        FAIL() << "no error";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("/nonexistent/report.json"), std::string::npos);
    }
    try {
        read_report(std::string(SCHEMA_EXAMPLES_DIR) + "/compare.json");
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("not a report (schema shadowslab-compare/2)"), std::string::npos)
            << error.what();
    }
    const std::filesystem::path garbage = std::filesystem::temp_directory_path() / "shadowslab-diff-test.json";
    std::ofstream(garbage) << "{ not json";
    EXPECT_THROW(read_report(garbage.string()), std::runtime_error);
    std::filesystem::remove(garbage);
}
