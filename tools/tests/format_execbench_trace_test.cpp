#include <gtest/gtest.h>

#include <algorithm>

#include "execbench/execbench.hpp"
#include "parse_cli.hpp"
#include "tracer_sample.hpp"

using namespace shadowctl;
namespace tr = shadowslab::tracer;

namespace {

// The sample snapshot, all segments: 110 allocs, 105 frees, 4 waits for
// pcpu_alloc_mutex.
TraceDocument document()
{
    TraceDocument doc;
    doc.window.kind = "exec_loop";
    doc.window.traced_ns = 2'000'000'000;
    doc.kernel_release = "6.6.0-test";
    doc.report = tr::build_report(testdata::snapshot(), tr::kAllSegments, testdata::kallsyms(), 5);
    return doc;
}

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST(ExecTrace, PerExecFigures)
{
    const ExecTracePerExec per = exec_trace_per_exec(document(), 55);
    EXPECT_EQ(per.execs, 55U);
    ASSERT_TRUE(per.percpu_allocs);
    EXPECT_DOUBLE_EQ(*per.percpu_allocs, 2.0);
    ASSERT_TRUE(per.percpu_frees);
    EXPECT_DOUBLE_EQ(*per.percpu_frees, 105.0 / 55.0);
    ASSERT_TRUE(per.pcpu_alloc_mutex_contentions);
    EXPECT_DOUBLE_EQ(*per.pcpu_alloc_mutex_contentions, 4.0 / 55.0);
}

TEST(ExecTrace, NoExecsMeansNoRatio)
{
    const ExecTracePerExec per = exec_trace_per_exec(document(), 0);
    EXPECT_FALSE(per.percpu_allocs);
    EXPECT_FALSE(per.percpu_frees);
    EXPECT_FALSE(per.pcpu_alloc_mutex_contentions);

    Json json = Json::object();
    add_exec_trace_json(json, document(), 0);
    EXPECT_TRUE(json["trace_per_exec"]["percpu_allocs"].is_null());
    EXPECT_EQ(json["trace_per_exec"]["execs"], 0);
    EXPECT_TRUE(has(format_exec_trace(document(), 0), "per exec of 0: - allocations, - frees, - waits"));
}

TEST(ExecTrace, UntracedMutexHasNoContentionFigure)
{
    TraceDocument doc = document();
    doc.report.locks.erase(std::remove_if(doc.report.locks.begin(), doc.report.locks.end(),
                                          [](const tr::LockReport& lock) {
                                              return lock.lock.name == "pcpu_alloc_mutex";
                                          }),
                           doc.report.locks.end());
    const ExecTracePerExec per = exec_trace_per_exec(doc, 10);
    EXPECT_FALSE(per.pcpu_alloc_mutex_contentions);
    ASSERT_TRUE(per.percpu_allocs);
    EXPECT_DOUBLE_EQ(*per.percpu_allocs, 11.0);
}

TEST(ExecTrace, TextIsThePerExecLineThenTheReport)
{
    const std::string text = format_exec_trace(document(), 55);
    EXPECT_EQ(text.rfind("\npercpu allocator during the exec loop (system-wide), per exec of 55: 2.000 allocations, "
                         "1.909 frees, 0.073 waits for pcpu_alloc_mutex\n",
                         0),
              0U)
        << text;
    EXPECT_TRUE(has(text, format_trace_text(document()))) << text;
}

TEST(ExecTrace, JsonGainsTraceAndPerExecKeys)
{
    Json json = {{"schema", "shadowslab-execbench/1"}};
    add_exec_trace_json(json, document(), 55);
    EXPECT_EQ(json["schema"], "shadowslab-execbench/1");
    EXPECT_EQ(json["trace"]["schema"], "shadowslab-trace/1");
    EXPECT_EQ(json["trace"]["window"]["kind"], "exec_loop");
    EXPECT_EQ(json["trace"]["percpu"]["allocs"], 110);
    EXPECT_EQ(json["trace_per_exec"]["execs"], 55);
    EXPECT_DOUBLE_EQ(json["trace_per_exec"]["percpu_allocs"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(json["trace_per_exec"]["pcpu_alloc_mutex_contentions"].get<double>(), 4.0 / 55.0);
}

TEST(ExecTrace, CliFlag)
{
    EXPECT_TRUE(testcli::parse_command<ExecbenchOptions>(add_execbench_command, {"execbench", "--trace"}).trace);
    EXPECT_FALSE(testcli::parse_command<ExecbenchOptions>(add_execbench_command, {"execbench"}).trace);
}
