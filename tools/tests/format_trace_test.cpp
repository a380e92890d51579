#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "compare/compare.hpp"
#include "compare/compare_output.hpp"
#include "compare/compare_trace.hpp"
#include "parse_cli.hpp"
#include "run.hpp"
#include "sample_results.hpp"
#include "trace/document.hpp"
#include "trace/trace.hpp"
#include "tracer_sample.hpp"

using namespace shadowctl;
namespace tr = shadowslab::tracer;

namespace {

TraceDocument document(std::uint32_t mask = tr::kAllSegments)
{
    TraceDocument doc;
    doc.window.kind = "command";
    doc.window.traced_ns = 3'012'000'000;
    doc.command = TraceCommandInfo{{"sh", "-c", "exit 3"}, 42, tr::ExitStatus::from_wait_status(3 << 8)};
    doc.kernel_release = "6.1.0-56-amd64";
    doc.report = tr::build_report(testdata::snapshot(), mask, testdata::kallsyms(), 5);
    doc.warnings = {"percpu_counters_lock is not in test-kallsyms: not traced"};
    return doc;
}

bool has(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST(TraceText, LocksTableHistogramStacksAndAllocator)
{
    const std::string text = format_trace_text(document());
    EXPECT_TRUE(has(text, "traced 3.012 s while 'sh -c exit 3' ran (pid 42); it exited with status 3")) << text;
    EXPECT_TRUE(has(text, "warning: percpu_counters_lock is not in test-kallsyms")) << text;
    EXPECT_TRUE(has(text, "lock              address             begins  contentions  slept  total wait    mean      p99"
                          "      max\n"))
        << text;
    // 4 waits, 29 us in all: mean 7.25 us (printed 7.2 us), p99 in [16K, 32K), max 20 us.
    EXPECT_TRUE(has(text, "pcpu_alloc_mutex  0xffffffff82b511a0       5            4      1     29.0 us  7.2 us  32.1 us"
                          "  20.0 us\n"))
        << text;
    EXPECT_TRUE(has(text, "pcpu_lock         0xffffffff83fe0964       0            0      0        0 ns       -        -"
                          "        -\n"))
        << text;
    // The histogram runs from the lowest to the highest bucket used.
    EXPECT_TRUE(has(text, "pcpu_alloc_mutex: wait, ns\n  [512, 1K) ")) << text;
    EXPECT_TRUE(has(text, "[16K, 32K)")) << text;
    EXPECT_TRUE(has(text, "pcpu_alloc_mutex: top 2 of 2 waiting stacks\n"
                          "  3 waits, 9.0 us total, caller pcpu_alloc+0x56d\n"
                          "      __mutex_lock.constprop.0+0x12f\n"))
        << text;
    EXPECT_TRUE(has(text, "  allocs 110 (6720 B (6.6 KiB)), failed 0\n")) << text;
    EXPECT_TRUE(has(text, "shadowslab     100         6400    100        6400")) << text;
    EXPECT_TRUE(has(text, "allocation call sites (top 2 of 2):")) << text;
    EXPECT_TRUE(has(text, "  100   6400  shadowslab  shadow_obj_ctor+0x6e [shadowslab]")) << text;
    EXPECT_TRUE(has(text, "free call sites (top 2 of 2):")) << text;
    EXPECT_FALSE(has(text, "not recorded in full")) << text;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        EXPECT_TRUE(line.empty() || line.back() != ' ') << "'" << line << "'";
}

// Without --free-sizes the tracer counts frees without their bytes: the text
// says so instead of printing zeros as measured.
TEST(TraceText, FreesNotSizedShowNoBytes)
{
    tr::TraceSnapshot snapshot = testdata::snapshot();
    for (tr::PercpuTotals& totals : snapshot.percpu) {
        totals.frees_sized = false;
        totals.free_bytes = 0;
        totals.frees_unmatched = 0;
    }
    TraceDocument doc = document();
    doc.report = tr::build_report(snapshot, tr::kAllSegments, testdata::kallsyms(), 5);
    const std::string text = format_trace_text(doc);
    EXPECT_TRUE(has(text, "(not sized: --free-sizes sizes them)\n")) << text;
    EXPECT_FALSE(has(text, "allocated before the trace")) << text;
    EXPECT_TRUE(has(text, "shadowslab     100         6400    100           -")) << text;
    EXPECT_EQ(trace_to_json(doc)["percpu"]["frees_sized"], false);
    EXPECT_EQ(trace_to_json(document())["percpu"]["frees_sized"], true);
}

// Events the kernel skipped (a program already running on the CPU) are
// reported beside what was not recorded in full, in text and JSON.
TEST(TraceText, EventsTheKernelSkippedAreReported)
{
    EXPECT_FALSE(has(format_trace_text(document()), "skipped by the kernel"));
    tr::TraceSnapshot snapshot = testdata::snapshot();
    snapshot.lost.missed_frees = 275;
    snapshot.lost.missed_waits = 2;
    TraceDocument doc = document();
    doc.report = tr::build_report(snapshot, tr::kAllSegments, testdata::kallsyms(), 5);
    const std::string text = format_trace_text(doc);
    EXPECT_TRUE(has(text, "(a program already running on the CPU): 2 lock events, 0 allocations, 275 frees\n"))
        << text;
    const Json json = trace_to_json(doc);
    EXPECT_EQ(json["lost"]["missed_frees"], 275);
    EXPECT_EQ(json["lost"]["missed_waits"], 2);
    EXPECT_EQ(json["lost"]["missed_allocs"], 0);
}

// Sampled waiters' stacks are said to be, in text and JSON; every wait's
// stack (period 1) is shown as before.
TEST(TraceText, SampledStacksSaySo)
{
    const std::string every = format_trace_text(document());
    EXPECT_FALSE(has(every, "sampled")) << every;
    EXPECT_EQ(trace_to_json(document())["wait_stacks"], (Json{{"period", 1}, {"always_first", 0}}));
    EXPECT_EQ(trace_to_json(document())["locks"][0]["stacks"][0]["sampled"], 3);

    tr::TraceSnapshot snapshot = testdata::snapshot();
    snapshot.wait_stacks = tr::kDefaultWaitStackSampling;
    snapshot.lock_stacks[0].count = 10;
    snapshot.lock_stacks[0].sampled = 3;
    TraceDocument doc = document();
    doc.report = tr::build_report(snapshot, tr::kAllSegments, testdata::kallsyms(), 5);
    const std::string text = format_trace_text(doc);
    EXPECT_TRUE(has(text, "pcpu_alloc_mutex: top 2 of 2 waiting stacks (sampled: 1 wait in 8 past each CPU's "
                          "first 256; waits and time by stack are estimates)\n"
                          "  11 waits (4 sampled), 9.0 us total, caller pcpu_alloc+0x56d\n"))
        << text;
    const Json json = trace_to_json(doc);
    EXPECT_EQ(json["wait_stacks"], (Json{{"period", 8}, {"always_first", 256}}));

    snapshot.wait_stacks = {2, 0};
    doc.report = tr::build_report(snapshot, tr::kAllSegments, testdata::kallsyms(), 5);
    EXPECT_TRUE(has(format_trace_text(doc), "waiting stacks (sampled: 1 wait in 2; waits and time by stack are "
                                            "estimates)\n"));
    EXPECT_EQ(json["locks"][0]["stacks"][0]["count"], 11);
    EXPECT_EQ(json["locks"][0]["stacks"][0]["sampled"], 4);
}

TEST(TraceText, Log2HistogramBars)
{
    shadowslab::Histogram::Buckets buckets{};
    buckets[12] = 10;
    buckets[14] = 5;
    const std::string text = format_log2_histogram(shadowslab::Histogram(buckets), 10);
    EXPECT_EQ(text,
              "  [4K, 8K)          10 |@@@@@@@@@@|\n"
              "  [8K, 16K)          0 |          |\n"
              "  [16K, 32K)         5 |@@@@@     |\n");
    EXPECT_EQ(format_log2_histogram(shadowslab::Histogram()), "");
}

TEST(TraceJson, SchemaAndStableKeys)
{
    const Json json = trace_to_json(document());
    EXPECT_EQ(json["schema"], "shadowslab-trace/1");
    EXPECT_EQ(json["window"]["kind"], "command");
    EXPECT_TRUE(json["window"]["requested_duration_ns"].is_null());
    EXPECT_EQ(json["window"]["traced_ns"], 3'012'000'000u);
    EXPECT_EQ(json["command"]["argv"][2], "exit 3");
    EXPECT_EQ(json["command"]["exit_code"], 3);
    EXPECT_TRUE(json["command"]["signal"].is_null());
    EXPECT_EQ(json["command"]["status"], 3);
    EXPECT_EQ(json["kernel_release"], "6.1.0-56-amd64");

    const Json& mutex = json["locks"][0];
    const std::vector<std::string> lock_keys{"name",          "address",      "begin_events", "contentions",
                                             "blocked",       "aborted",      "hashed",       "wait_ns_total",
                                             "wait_ns_mean",  "wait_ns_max",  "wait_ns_p50",  "wait_ns_p99",
                                             "hist",          "distinct_stacks", "stacks"};
    std::vector<std::string> keys;
    for (const auto& item : mutex.items())
        keys.push_back(item.key());
    EXPECT_EQ(keys, lock_keys);
    EXPECT_EQ(mutex["address"], "0xffffffff82b511a0");
    EXPECT_EQ(mutex["begin_events"], 5);
    EXPECT_EQ(mutex["contentions"], 4);
    EXPECT_EQ(mutex["wait_ns_total"], 29000);
    EXPECT_DOUBLE_EQ(mutex["wait_ns_mean"].get<double>(), 7250.0);
    EXPECT_EQ(mutex["wait_ns_max"], 20000);
    EXPECT_EQ(mutex["hist"].size(), 64u);
    EXPECT_EQ(mutex["hist"][9], 1);
    EXPECT_EQ(mutex["stacks"][0]["caller"], "pcpu_alloc+0x56d");
    EXPECT_EQ(mutex["stacks"][0]["frames"][2], "shadow_obj_ctor+0xdf [shadowslab]");
    EXPECT_TRUE(json["locks"][1]["wait_ns_mean"].is_null());
    EXPECT_TRUE(json["locks"][1]["wait_ns_p99"].is_null());

    const Json& percpu = json["percpu"];
    EXPECT_EQ(percpu["allocs"], 110);
    EXPECT_EQ(percpu["frees_unmatched"], 5);
    EXPECT_EQ(percpu["by_module"]["shadowslab"]["allocs"], 100);
    EXPECT_EQ(percpu["by_module"]["vmlinux"]["allocs"], 10);
    EXPECT_EQ(percpu["distinct_alloc_sites"], 2);
    EXPECT_EQ(percpu["alloc_sites"][0]["call_site"], "shadow_obj_ctor+0x6e [shadowslab]");
    EXPECT_EQ(percpu["alloc_sites"][0]["module"], "shadowslab");
    EXPECT_EQ(percpu["free_sites"][0]["frames"][1], "shadow_cycle+0x25 [shadowslab]");
    EXPECT_EQ(json["lost"]["pending"], 0);
    EXPECT_EQ(json["warnings"].size(), 1u);
}

TEST(TraceFolded, OneLinePerStackOfFunctionsOutermostFirst)
{
    // Stacks A and B differ only in shadow_obj_ctor's offset: one line,
    // their waits summed over both segments (4000 + 5000 + 20000 ns).
    EXPECT_EQ(format_folded(document()),
              "pcpu_alloc_mutex;kthread;shadow_cycle;shadow_obj_ctor;pcpu_alloc;__mutex_lock.constprop.0 29000\n");
    TraceDocument no_waits = document();
    no_waits.report.locks.clear();
    EXPECT_EQ(format_folded(no_waits), "");
}

TEST(TraceJson, KilledCommandAndNoCommand)
{
    TraceDocument doc = document();
    doc.command->status = tr::ExitStatus::from_wait_status(9);  // SIGKILL
    Json json = trace_to_json(doc);
    EXPECT_TRUE(json["command"]["exit_code"].is_null());
    EXPECT_EQ(json["command"]["signal"], 9);
    EXPECT_EQ(json["command"]["status"], 137);
    EXPECT_TRUE(has(format_trace_text(doc), "killed by signal 9 (SIGKILL)"));
    doc.command.reset();
    doc.window.kind = "duration";
    doc.window.requested_duration_ns = 5'000'000'000;
    json = trace_to_json(doc);
    EXPECT_TRUE(json["command"].is_null());
    EXPECT_EQ(json["window"]["requested_duration_ns"], 5'000'000'000u);
    EXPECT_TRUE(has(format_trace_text(doc), "traced 3.012 s (--duration 5.000 s)"));
}

TEST(TraceCompare, RowsGainTraceKeysInJsonAndCsv)
{
    using shadowslab::Strategy;
    CompareOutcome untraced;
    untraced.report = testdata::report();
    CompareTrace trace({{"pcpu_alloc_mutex", 0xffffffff82b511a0}, {"pcpu_lock", 0xffffffff83fe0964}});
    trace.add(Strategy::percpu, 2, testdata::snapshot(), 990'000'000, testdata::kallsyms());
    CompareOutcome traced = untraced;
    traced.trace = trace;

    const Json json = compare_to_json(traced);
    EXPECT_EQ(json["meta"]["trace"]["locks"][1]["name"], "pcpu_lock");
    EXPECT_EQ(json["meta"]["trace"]["segment"], "timed_phase");
    for (const Json& row : json["rows"]) {
        EXPECT_TRUE(row.contains("trace_pcpu_alloc_mutex_contentions")) << row.dump();
        EXPECT_TRUE(row.contains("percpu_allocs_per_cycle")) << row.dump();  // the others stay
        if (row["strategy"] == "percpu" && row["threads"] == 2) {
            EXPECT_EQ(row["trace_pcpu_alloc_mutex_contentions"], 2);
            EXPECT_EQ(row["trace_pcpu_alloc_mutex_begin_events"], 3);
            EXPECT_EQ(row["trace_pcpu_alloc_mutex_wait_ns"], 4000);
            EXPECT_EQ(row["trace_pcpu_lock_contentions"], 0);
            EXPECT_EQ(row["trace_percpu_allocs"], 60);
            EXPECT_EQ(row["trace_percpu_frees"], 60);
            EXPECT_EQ(row["trace_shadowslab_percpu_allocs"], 60);
            EXPECT_EQ(row["trace_timed_ns"], 990'000'000);
        } else {
            EXPECT_EQ(row["trace_percpu_allocs"], 0);
        }
    }

    const std::string csv = format_compare_csv(traced);
    const std::string header = csv.substr(0, csv.find('\n'));
    EXPECT_TRUE(has(header, ",memcg_charged,trace_pcpu_alloc_mutex_begin_events,"
                            "trace_pcpu_alloc_mutex_contentions,trace_pcpu_alloc_mutex_wait_ns,"))
        << header;
    EXPECT_TRUE(has(header, ",trace_percpu_allocs,trace_percpu_frees,trace_shadowslab_percpu_allocs,"
                            "trace_shadowslab_percpu_frees,trace_percpu_allocs_per_cycle,trace_timed_ns,"
                            "trace_pcpu_alloc_mutex_waits_per_cycle"))
        << header;
    std::istringstream lines(csv);
    for (std::string line; std::getline(lines, line);)
        EXPECT_EQ(std::count(line.begin(), line.end(), ','), std::count(header.begin(), header.end(), ','));

    const std::string table = format_compare_table(traced);
    EXPECT_TRUE(has(table, "tracer, timed phases of all rounds")) << table;
    EXPECT_TRUE(has(table, "strategy  threads  pcpu_alloc_mutex  pcpu_lock  percpu allocs  frees  from shadowslab  "
                           "mutex waits/cycle"))
        << table;
    EXPECT_TRUE(has(table, "percpu          2        2 / 4.0 us   0 / 0 ns             60     60               60"))
        << table;

    // Without --trace, no trace key.
    EXPECT_FALSE(has(format_compare_csv(untraced), "trace_"));
    EXPECT_FALSE(compare_to_json(untraced)["meta"].contains("trace"));
}

TEST(TraceCli, CommandAndOptions)
{
    const auto trace_with = [](std::vector<std::string> args) {
        args.insert(args.begin(), "trace");
        return testcli::parse_command<TraceOptions>(add_trace_command, args);
    };
    TraceOptions options = trace_with({"--duration", "2.5", "--top", "3", "--lock-symbol", "a", "--lock-symbol",
                                       "mod:b", "--", "sh", "-c", "exit 3"});
    EXPECT_EQ(options.duration_ns, 2'500'000'000u);
    EXPECT_EQ(options.top, 3u);
    EXPECT_EQ(options.lock_symbols, (std::vector<std::string>{"a", "mod:b"}));
    EXPECT_EQ(options.command, (std::vector<std::string>{"sh", "-c", "exit 3"}));

    options = trace_with({});
    EXPECT_EQ(options.duration_ns, 0u);
    EXPECT_TRUE(options.command.empty());
    EXPECT_EQ(options.top, kDefaultTraceTop);
    EXPECT_FALSE(options.free_sizes);
    EXPECT_TRUE(trace_with({"--free-sizes"}).free_sizes);
    EXPECT_EQ(options.wait_stacks, tr::kDefaultWaitStackSampling);
    EXPECT_EQ(trace_with({"--wait-stack-period", "1"}).wait_stacks, (tr::WaitStackSampling{1, 256}));
    EXPECT_EQ(trace_with({"--wait-stacks-first", "0", "--wait-stack-period", "2"}).wait_stacks,
              (tr::WaitStackSampling{2, 0}));
    EXPECT_THROW(trace_with({"--wait-stack-period", "0"}), CLI::ParseError);

    EXPECT_THROW(trace_with({"--duration", "0"}), CLI::ValidationError);
    EXPECT_THROW(trace_with({"--no-default-locks"}), CLI::ValidationError);

    options = trace_with({"-p", std::to_string(getpid()), "--cgroup", "/", "--folded", "/tmp/w.folded"});
    EXPECT_EQ(options.pid, getpid());
    EXPECT_EQ(options.cgroup_path, "/");
    EXPECT_EQ(options.folded_path, "/tmp/w.folded");
    EXPECT_THROW(trace_with({"-p", "0"}), CLI::ParseError);
    EXPECT_THROW(trace_with({"--cgroup", "/nonexistent-cgroup"}), CLI::ValidationError);
}

TEST(TraceCli, GlobalJsonAndOutputBeforeTheCommand)
{
    const Invocation invocation =
        testcli::parse({"trace", "--json", "-o", "/tmp/x", "--duration", "1s", "--", "sh", "-c", "exit 3"});
    EXPECT_TRUE(invocation.output.json);
    EXPECT_EQ(invocation.output.path, "/tmp/x");
    EXPECT_TRUE(invocation.action);
}

TEST(TraceCli, TheOtherCommandsTraceOnRequest)
{
    EXPECT_TRUE(testcli::parse_command<RunOptions>(
                    add_run_command, {"run", "--strategy", "percpu", "--threads", "1", "--cycles", "5", "--trace"})
                    .trace);
    EXPECT_TRUE(testcli::parse_command<CompareOptions>(add_compare_command, {"compare", "--trace"}).trace);
    EXPECT_FALSE(testcli::parse_command<CompareOptions>(add_compare_command, {"compare"}).trace);
}
