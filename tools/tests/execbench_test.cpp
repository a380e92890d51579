// shadowctl execbench without processes: the command line, the profile for
// a kernel release, the estimate's arithmetic and the output of a
// hand-built result.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/exit_status.hpp"
#include "execbench/execbench.hpp"
#include "parse_cli.hpp"
#include "sample_results.hpp"

using namespace shadowctl;
using shadowslab::Profile;
using shadowslab::Strategy;

namespace {

ExecbenchOptions execbench_with(std::vector<std::string> args)
{
    args.insert(args.begin(), "execbench");
    return testcli::parse_command<ExecbenchOptions>(add_execbench_command, args);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// ------------------------------------------------------------ arguments

TEST(ExecbenchCli, Defaults)
{
    const ExecbenchOptions bench = execbench_with({});
    EXPECT_FALSE(bench.cpus.threads.has_value());
    EXPECT_FALSE(bench.cpus.cpus.has_value());
    EXPECT_EQ(bench.duration_ns, 5'000'000'000u);
    EXPECT_EQ(bench.interval_ns, 1'000'000'000u);
    EXPECT_EQ(bench.target, "");
    EXPECT_FALSE(bench.quiet);
    EXPECT_FALSE(bench.compare);
}

TEST(ExecbenchCli, EveryOption)
{
    const ExecbenchOptions bench = execbench_with({"--threads", "2", "--duration", "2.5", "--interval", "500ms",
                                                   "--target", "/tmp/loop", "--quiet", "--compare", "--trace"});
    EXPECT_EQ(bench.cpus.threads, 2u);
    EXPECT_EQ(bench.duration_ns, 2'500'000'000u);
    EXPECT_EQ(bench.interval_ns, 500'000'000u);
    EXPECT_EQ(bench.target, "/tmp/loop");
    EXPECT_TRUE(bench.quiet);
    EXPECT_TRUE(bench.compare);
    EXPECT_TRUE(bench.trace);

    const ExecbenchOptions cpus = execbench_with({"--cpus", "0-1,3", "-q"});
    EXPECT_EQ(cpus.cpus.cpus, (shadowslab::CpuList{0, 1, 3}));
    EXPECT_TRUE(cpus.quiet);
}

TEST(ExecbenchCli, JsonIsTheGlobalConvention)
{
    const Invocation to_stdout = testcli::parse({"execbench", "--json", "--quiet"});
    EXPECT_TRUE(to_stdout.output.json);
    EXPECT_FALSE(to_stdout.output.text_wanted());
    const Invocation to_file = testcli::parse({"execbench", "-o", "r.json"});
    EXPECT_EQ(to_file.output.path, "r.json");
    EXPECT_TRUE(to_file.output.text_wanted());
}

TEST(ExecbenchCli, RejectsBadArguments)
{
    EXPECT_THROW(execbench_with({"--threads", "1", "--cpus", "0"}), CLI::ExcludesError);
    EXPECT_THROW(execbench_with({"--threads", "0"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--threads", "x"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--cpus", "3-1"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--cpus", ""}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--duration", "0"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--duration", "-1"}), CLI::ParseError);
    EXPECT_THROW(execbench_with({"--duration", "5x"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--duration", "five"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--duration", "3601"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--interval", "0.001"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--interval", "6"}), CLI::ValidationError);  // > the default 5 s
    EXPECT_THROW(execbench_with({"--duration", "0.3", "--interval", "1"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--duration", "1", "--interval", "2"}), CLI::ValidationError);
    EXPECT_THROW(execbench_with({"--frobnicate"}), CLI::ParseError);
    EXPECT_NO_THROW(execbench_with({"--duration", "2", "--interval", "2"}));
    EXPECT_NO_THROW(execbench_with({"--duration", "1m", "--interval", "2s"}));
}

TEST(ExecbenchCli, TheDefaultIntervalShrinksToAShortRun)
{
    EXPECT_EQ(execbench_with({"--duration", "0.3"}).interval_ns, 300'000'000u);
    EXPECT_EQ(execbench_with({"--duration", "3"}).interval_ns, 1'000'000'000u);
}

TEST(ExecbenchCli, IntervalErrorNamesBoth)
{
    try {
        execbench_with({"--duration", "1", "--interval", "2"});
        FAIL();
    } catch (const CLI::ValidationError& error) {
        EXPECT_TRUE(contains(error.what(), "--interval")) << error.what();
        EXPECT_TRUE(contains(error.what(), "--duration")) << error.what();
    }
}

TEST(ExecbenchCli, DeviceMayFollow)
{
    EXPECT_EQ(testcli::parse({"execbench", "--compare", "--device", "/tmp/d"}).device_path, "/tmp/d");
}

// ------------------------------------------------------------ the target

class ExecbenchTarget : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/execbench_test.XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string make_file(const std::string& name, std::filesystem::perms perms)
    {
        const std::string path = dir_ + "/" + name;
        std::ofstream(path) << "#!/bin/sh\n";
        std::filesystem::permissions(path, perms);
        return path;
    }

    std::string dir_;
};

TEST_F(ExecbenchTarget, MissingDirectoryOrNotExecutableIsAUsageError)
{
    using std::filesystem::perms;
    const auto message = [](const std::string& path) {
        try {
            execbench::resolve_target(path);
        } catch (const UsageError& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message(dir_ + "/none"), "--target " + dir_ + "/none: No such file or directory");
    EXPECT_EQ(message(dir_), "--target " + dir_ + ": not a regular file");
    // No x bit at all, so not even root may execute it.
    const std::string plain = make_file("plain", perms::owner_read | perms::owner_write);
    EXPECT_TRUE(contains(message(plain), "not executable")) << message(plain);
}

TEST_F(ExecbenchTarget, ARelativePathBecomesAbsolute)
{
    using std::filesystem::perms;
    make_file("loop", perms::owner_all);
    const std::string cwd = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
    const std::string resolved = execbench::resolve_target("./loop");
    std::filesystem::current_path(cwd);
    EXPECT_EQ(resolved, std::filesystem::canonical(dir_ + "/loop").string());
}

TEST(ExecbenchTargetDefault, LooksNextToTheBinaryThenInLibexec)
{
    const std::vector<std::string> candidates = execbench::default_target_candidates();
    ASSERT_EQ(candidates.size(), 2u);
    const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    const std::string dir = std::filesystem::path(self).parent_path().string();
    EXPECT_EQ(candidates[0], dir + "/execbench-loop");
    EXPECT_EQ(candidates[1], std::filesystem::path(dir).parent_path().string() + "/libexec/shadowslab/execbench-loop");
}

TEST(ExecbenchTargetDefault, FilesystemTypeFromMounts)
{
    // As in scripts/vm-run's guest: the host root and the checkout over 9p,
    // tmpfs on /tmp.
    const std::string mounts = "hostroot / 9p ro,loose,trans=virtio 0 0\n"
                               "proc /proc proc rw 0 0\n"
                               "tmpfs /tmp tmpfs rw 0 0\n"
                               "checkout /work/main 9p rw,mmap,trans=virtio 0 0\n"
                               "/dev/sdb1 /mnt/my\\040disk ext4 rw 0 0\n"
                               "tmpfs /work/main/build/fast tmpfs rw 0 0\n";
    const auto type = [&mounts](std::string_view path) {
        return execbench::filesystem_type(mounts, path).value_or("none");
    };
    EXPECT_EQ(type("/work/main/build/tools/shadowctl/execbench-loop"), "9p");
    EXPECT_EQ(type("/work/main/build/fast/execbench-loop"), "tmpfs");
    EXPECT_EQ(type("/work/mainly/x"), "9p");  // under /, not /work/main
    EXPECT_EQ(type("/tmp/execbench-loop"), "tmpfs");
    EXPECT_EQ(type("/tmp"), "tmpfs");
    EXPECT_EQ(type("/mnt/my disk/loop"), "ext4");
    EXPECT_EQ(type("/usr/bin/true"), "9p");
    EXPECT_EQ(execbench::filesystem_type("", "/x").value_or("none"), "none");
    // Mounted over: the later mount wins.
    EXPECT_EQ(execbench::filesystem_type("a /tmp tmpfs rw 0 0\nb /tmp ext4 rw 0 0\n", "/tmp/x").value_or("none"),
              "ext4");
}

TEST(ExecbenchTargetDefault, NoNoteOnALocalOrMissingFilesystem)
{
    EXPECT_FALSE(execbench::remote_filesystem_note("/proc/self/exe").has_value());
    EXPECT_FALSE(execbench::remote_filesystem_note("/nonexistent/execbench-loop").has_value());
}

// ------------------------------------------------- profile for a kernel

TEST(ExecbenchKernel, ParsesReleases)
{
    const auto version = [](std::string_view release) {
        const auto parsed = execbench::parse_kernel_version(release);
        return parsed ? std::to_string(parsed->major) + "." + std::to_string(parsed->minor) : std::string("none");
    };
    EXPECT_EQ(version("6.1.0-56-amd64"), "6.1");
    EXPECT_EQ(version("6.18.44-fc-v595"), "6.18");
    EXPECT_EQ(version("6.9-rc1"), "6.9");
    EXPECT_EQ(version("6.6"), "6.6");
    EXPECT_EQ(version("5.15.0+"), "5.15");
    EXPECT_EQ(version("10.0.1"), "10.0");
    EXPECT_EQ(version(""), "none");
    EXPECT_EQ(version("6"), "none");
    EXPECT_EQ(version("6."), "none");
    EXPECT_EQ(version("6.1x"), "none");
    EXPECT_EQ(version("linux-6.1"), "none");
}

TEST(ExecbenchKernel, ProfileForEachRelease)
{
    struct Case {
        const char* release;
        Profile profile;
        bool mm_has_percpu;
        Strategy matching;
    };
    const Case cases[] = {
        {"4.19.0-27-amd64", Profile::kernel, false, Strategy::slab},
        {"5.10.0", Profile::kernel, false, Strategy::slab},
        {"6.1.0-56-amd64", Profile::kernel, false, Strategy::slab},
        {"6.2.0", Profile::kernel, true, Strategy::percpu},
        {"6.5.13-1-pve", Profile::kernel, true, Strategy::percpu},
        {"6.12.48+deb13-amd64", Profile::kernel, true, Strategy::percpu},
        {"7.3.4+deb13-amd64", Profile::kernel, true, Strategy::percpu},
    };
    for (const Case& c : cases) {
        const execbench::KernelMatch match = execbench::match_kernel(c.release);
        EXPECT_TRUE(match.known) << c.release;
        EXPECT_EQ(match.profile, c.profile) << c.release;
        EXPECT_EQ(match.mm_has_percpu, c.mm_has_percpu) << c.release;
        EXPECT_EQ(match.matching_strategy, c.matching) << c.release;
        EXPECT_FALSE(match.note.empty()) << c.release;
    }
    EXPECT_TRUE(contains(execbench::match_kernel("6.1.0").note, "this kernel's mm_struct owns no percpu memory"));
    EXPECT_TRUE(contains(execbench::match_kernel("6.4.1").note, "mm_init()"));
}

TEST(ExecbenchKernel, UnknownReleaseAssumesCurrent)
{
    const execbench::KernelMatch match = execbench::match_kernel("mystery");
    EXPECT_FALSE(match.known);
    EXPECT_EQ(match.profile, Profile::kernel);
    EXPECT_EQ(match.matching_strategy, Strategy::percpu);
    EXPECT_TRUE(contains(match.note, "mystery")) << match.note;
}

// ------------------------------------------------------------ arithmetic

TEST(ExecbenchEstimate, ShareOfAnExec)
{
    // 1000 execs/s per CPU = 1 ms each; percpu 30 us - slab 10 us = 20 us.
    EXPECT_DOUBLE_EQ(*execbench::percpu_share_of_exec(1000, 30'000, 10'000), 0.02);
    // 250 execs/s per CPU = 4 ms each; 12 us - 4 us = 8 us -> 0.2 %.
    EXPECT_DOUBLE_EQ(*execbench::percpu_share_of_exec(250, 12'000, 4'000), 0.002);
    // Noise may make it negative; it is reported as measured.
    EXPECT_DOUBLE_EQ(*execbench::percpu_share_of_exec(1000, 9'000, 10'000), -0.001);
    EXPECT_FALSE(execbench::percpu_share_of_exec(0, 30'000, 10'000).has_value());
    EXPECT_FALSE(execbench::percpu_share_of_exec(-5, 30'000, 10'000).has_value());
}

TEST(ExecbenchEstimate, NsPerCyclePerCpu)
{
    // 2 threads, 100000 cycles in 1 s: 50000 per CPU per second = 20 us each.
    EXPECT_DOUBLE_EQ(*execbench::ns_per_cycle_per_cpu(testdata::run(100'000, 1'000'000'000, 2)), 20'000);
    EXPECT_DOUBLE_EQ(*execbench::ns_per_cycle_per_cpu(testdata::run(400'000, 2'000'000'000, 1)), 5'000);
    EXPECT_FALSE(execbench::ns_per_cycle_per_cpu(testdata::run(0, 1'000'000'000, 2)).has_value());
    EXPECT_FALSE(execbench::ns_per_cycle_per_cpu(shadowslab::RunResult{}).has_value());
}

namespace {

// 2 CPUs, 2 s in two 1-s intervals: 1200 + 800 execs on CPU 0 and 1 = 500
// ops/s per CPU, 2 ms per exec.
execbench::Report sample_report(bool with_comparison, std::string release = "6.1.0-56-amd64")
{
    execbench::Report report;
    report.kernel_release = release;
    report.config.target = "/opt/shadowslab/execbench-loop";
    report.config.cpus = {0, 1};
    report.config.duration_ns = 2'000'000'000;
    report.config.interval_ns = 1'000'000'000;
    report.loop.cpus = {0, 1};
    report.loop.elapsed_ns = 2'000'000'000;
    report.loop.ops = {1200, 800};
    report.loop.intervals = {{1'000'000'000, 1'000'000'000, {600, 400}},
                             {2'000'000'000, 1'000'000'000, {600, 400}}};
    report.compare_requested = with_comparison;
    if (with_comparison) {
        execbench::Comparison comparison;
        comparison.kernel_release = release;
        comparison.match = execbench::match_kernel(release);
        comparison.cpus = {0, 1};
        comparison.duration_ns = 2'000'000'000;
        // percpu: 200000 cycles in 2 s on 2 CPUs = 20 us per cycle per CPU,
        // 2 percpu allocations per cycle; slab: 800000 = 5 us.
        comparison.percpu = testdata::run(200'000, 2'000'000'000, 2, 400'000);
        comparison.slab = testdata::run(800'000, 2'000'000'000, 2);
        report.comparison = comparison;
    }
    return report;
}

}  // namespace

TEST(ExecbenchEstimate, FromRuns)
{
    const execbench::Report report = sample_report(true);
    EXPECT_DOUBLE_EQ(report.loop.ops_per_sec(), 1000);
    EXPECT_DOUBLE_EQ(report.loop.ops_per_sec_per_cpu(), 500);
    EXPECT_DOUBLE_EQ(report.loop.cpu_ops_per_sec(0), 600);
    // (20 us - 5 us) / 2 ms = 0.0075
    EXPECT_DOUBLE_EQ(*report.comparison->estimate(report.loop), 0.0075);

    execbench::Comparison cancelled = *report.comparison;
    cancelled.slab.reset();
    EXPECT_TRUE(cancelled.cancelled());
    EXPECT_FALSE(cancelled.estimate(report.loop).has_value());
}

// ------------------------------------------------------------ formatting

TEST(ExecbenchFormat, Text)
{
    const execbench::Report report = sample_report(false);
    const std::string heading = format_execbench_heading(report);
    EXPECT_EQ(heading, "execbench: 2 workers exec()ing /opt/shadowslab/execbench-loop on CPUs 0-1 for "
                       "2.000 s, ops/s every 1.000 s\nkernel 6.1.0-56-amd64\n");
    EXPECT_EQ(format_interval_heading(), "\n     time         ops/s  ops/s per CPU\n");
    EXPECT_EQ(format_interval(report.loop.intervals[0], 2), "   1.00 s        1000.0          500.0\n");
    EXPECT_EQ(format_interval(report.loop.intervals[1], 2), "   2.00 s        1000.0          500.0\n");

    const std::string summary = format_execbench_summary(report);
    EXPECT_TRUE(contains(summary, "status: completed\n")) << summary;
    EXPECT_TRUE(contains(summary, "total: 2000 execs in 2.000 s: 1000.0 ops/s, 500.0 ops/s per CPU (2.00 ms per exec per CPU)"))
        << summary;
    EXPECT_TRUE(contains(summary, "cpu  execs  ops/s\n  0   1200  600.0\n  1    800  400.0\n")) << summary;
    EXPECT_EQ(format_execbench_comparison(report), "");
}

TEST(ExecbenchFormat, ComparisonText)
{
    const std::string text = format_execbench_comparison(sample_report(true));
    EXPECT_TRUE(contains(text, "comparison with the module's workload (kernel 6.1.0-56-amd64; CPUs 0-1; 2.000 s per strategy):"))
        << text;
    EXPECT_TRUE(contains(text, "this kernel's mm_struct owns no percpu memory")) << text;
    EXPECT_TRUE(contains(text, "exec()")) << text;
    EXPECT_TRUE(contains(text, "                           ops/s  ops/s per CPU  time each, per CPU  percpu allocs each\n"
                               "exec()                    1000.0          500.0             2.00 ms                   -\n"
                               "module percpu (kernel)  100000.0        50000.0             20.0 us               2.000\n"
                               "module slab *           400000.0       200000.0              5.0 us               0.000\n"))
        << text;
    EXPECT_TRUE(contains(text, "percpu share of an exec (estimate): 0.75% = (percpu 20.0 us - slab 5.0 us) / exec 2.00 ms"))
        << text;
    EXPECT_TRUE(contains(text, "what a 6.6+ mm_struct would add")) << text;

    const std::string current = format_execbench_comparison(sample_report(true, "6.6.30"));
    EXPECT_TRUE(contains(current, "module percpu (kernel) *")) << current;
    EXPECT_FALSE(contains(current, "would add")) << current;

    execbench::Report missing = sample_report(false);
    missing.compare_requested = true;
    missing.comparison_note = "/dev/shadowslab does not exist";
    EXPECT_EQ(format_execbench_comparison(missing), "\ncomparison: not run: /dev/shadowslab does not exist\n");
}

TEST(ExecbenchFormat, CancelledText)
{
    execbench::Report report = sample_report(false);
    report.loop.cancelled = true;
    EXPECT_TRUE(contains(format_execbench_summary(report), "status: CANCELLED (partial results)"));
    report.loop.elapsed_ns = 0;
    report.loop.ops = {0, 0};
    EXPECT_TRUE(contains(format_execbench_summary(report), "no exec was timed"));
}

TEST(ExecbenchFormat, JsonKeys)
{
    const Json json = execbench_to_json(sample_report(false));
    std::vector<std::string> keys;
    for (const auto& item : json.items())
        keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"schema", "status", "kernel_release", "target", "cpus", "duration_ns",
                                              "interval_ns", "elapsed_ns", "total_ops", "ops_per_sec",
                                              "ops_per_sec_per_cpu", "ns_per_op_per_cpu", "per_cpu", "intervals",
                                              "comparison", "comparison_note", "environment"}));
    EXPECT_EQ(json["schema"], "shadowslab-execbench/1");
    EXPECT_EQ(json["status"], "completed");
    EXPECT_EQ(json["cpus"], Json::array({0, 1}));
    EXPECT_EQ(json["total_ops"], 2000);
    EXPECT_DOUBLE_EQ(json["ops_per_sec"].get<double>(), 1000);
    EXPECT_DOUBLE_EQ(json["ops_per_sec_per_cpu"].get<double>(), 500);
    EXPECT_DOUBLE_EQ(json["ns_per_op_per_cpu"].get<double>(), 2'000'000);
    EXPECT_EQ(json["per_cpu"][1]["cpu"], 1);
    EXPECT_EQ(json["per_cpu"][1]["ops"], 800);
    EXPECT_DOUBLE_EQ(json["per_cpu"][1]["ops_per_sec"].get<double>(), 400);
    ASSERT_EQ(json["intervals"].size(), 2u);
    EXPECT_EQ(json["intervals"][0]["end_ns"], 1'000'000'000);
    EXPECT_EQ(json["intervals"][0]["ops"], 1000);
    EXPECT_EQ(json["intervals"][0]["per_cpu_ops"], Json::array({600, 400}));
    EXPECT_TRUE(json["comparison"].is_null());
    EXPECT_TRUE(json["comparison_note"].is_null());
}

TEST(ExecbenchFormat, JsonComparison)
{
    const Json json = execbench_to_json(sample_report(true));
    const Json& comparison = json["comparison"];
    std::vector<std::string> keys;
    for (const auto& item : comparison.items())
        keys.push_back(item.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"status", "kernel_release", "mm_has_percpu", "profile",
                                              "matching_strategy", "note", "cpus", "duration_ns", "exec_ops_per_sec",
                                              "exec_ops_per_sec_per_cpu", "exec_ns_per_op_per_cpu", "percpu", "slab",
                                              "percpu_share_of_exec_estimate"}));
    EXPECT_EQ(comparison["status"], "completed");
    EXPECT_EQ(comparison["mm_has_percpu"], false);
    EXPECT_EQ(comparison["profile"], "kernel");
    EXPECT_EQ(comparison["matching_strategy"], "slab");
    EXPECT_DOUBLE_EQ(comparison["percpu"]["ns_per_cycle_per_cpu"].get<double>(), 20'000);
    EXPECT_DOUBLE_EQ(comparison["percpu"]["cycles_per_sec_per_cpu"].get<double>(), 50'000);
    EXPECT_DOUBLE_EQ(comparison["percpu"]["percpu_allocs_per_cycle"].get<double>(), 2);
    EXPECT_DOUBLE_EQ(comparison["slab"]["ns_per_cycle_per_cpu"].get<double>(), 5'000);
    EXPECT_DOUBLE_EQ(comparison["percpu_share_of_exec_estimate"].get<double>(), 0.0075);

    execbench::Report cancelled = sample_report(true);
    cancelled.comparison->percpu->cancelled = true;
    cancelled.comparison->slab.reset();
    const Json partial = execbench_to_json(cancelled);
    EXPECT_EQ(partial["status"], "cancelled");
    EXPECT_EQ(partial["comparison"]["status"], "cancelled");
    EXPECT_EQ(partial["comparison"]["percpu"]["status"], "cancelled");
    EXPECT_TRUE(partial["comparison"]["slab"].is_null());
    EXPECT_TRUE(partial["comparison"]["percpu_share_of_exec_estimate"].is_null());
}
