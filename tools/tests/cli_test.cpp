#include <gtest/gtest.h>

#include <algorithm>

#include "cache.hpp"
#include "compare/compare.hpp"
#include "parse_cli.hpp"
#include "run.hpp"

using namespace shadowctl;
using shadowslab::Strategy;

using testcli::parse;

namespace {

RunOptions run_with(std::vector<std::string> args)
{
    args.insert(args.begin(), "run");
    return testcli::parse_command<RunOptions>(add_run_command, args);
}

CacheOptions cache_with(std::vector<std::string> args)
{
    args.insert(args.begin(), "cache");
    return testcli::parse_command<CacheOptions>(add_cache_command, args);
}

CompareOptions compare_with(std::vector<std::string> args)
{
    args.insert(args.begin(), "compare");
    return testcli::parse_command<CompareOptions>(add_compare_command, args);
}

}  // namespace

TEST(Cli, Info)
{
    const Invocation invocation = parse({"info", "--json"});
    EXPECT_TRUE(invocation.action);
    EXPECT_TRUE(invocation.output.json);
    EXPECT_EQ(invocation.device_path, SHADOWSLAB_DEVICE_PATH);
}

TEST(Cli, JsonAndOutputBeforeOrAfterTheSubcommand)
{
    EXPECT_TRUE(parse({"--json", "info"}).output.json);
    EXPECT_TRUE(parse({"cache", "list", "--json"}).output.json);
    EXPECT_EQ(parse({"-o", "a.json", "info"}).output.path, "a.json");
    EXPECT_EQ(parse({"cache", "stats", "3", "--output", "b.json"}).output.path, "b.json");
    const Invocation both = parse({"run", "--strategy", "ctor", "--threads", "1", "--cycles", "5", "--json", "-o", "c"});
    EXPECT_TRUE(both.output.json);
    EXPECT_EQ(both.output.path, "c");
    EXPECT_FALSE(both.output.text_wanted());
}

TEST(Cli, EveryCommandSetsAnAction)
{
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"info"},
             {"cache", "create"},
             {"cache", "alloc", "1", "2"},
             {"cache", "free", "1"},
             {"cache", "shrink", "1"},
             {"cache", "destroy", "1"},
             {"cache", "stats", "1"},
             {"cache", "list"},
             {"cache", "fault", "1", "--off"},
             {"run", "--strategy", "ctor", "--threads", "1", "--cycles", "5"},
             {"compare"},
             {"execbench"},
             {"trace"},
         })
        EXPECT_TRUE(parse(args).action) << args.front();
}

TEST(Cli, DeviceBeforeOrAfterTheSubcommand)
{
    EXPECT_EQ(parse({"--device", "/tmp/d", "info"}).device_path, "/tmp/d");
    EXPECT_EQ(parse({"cache", "list", "--device", "/tmp/e"}).device_path, "/tmp/e");
}

TEST(Cli, ASubcommandIsRequired)
{
    EXPECT_THROW(parse({}), CLI::RequiredError);
    EXPECT_THROW(parse({"cache"}), CLI::RequiredError);
    EXPECT_THROW(parse({"frobnicate"}), CLI::ParseError);
}

TEST(Cli, HelpIsNotAnError)
{
    try {
        parse({"run", "--help"});
        FAIL();
    } catch (const CLI::CallForHelp& help) {
        EXPECT_EQ(help.get_exit_code(), 0);
    }
}

TEST(Cli, RunWithThreadsAndCycles)
{
    const RunOptions run = run_with({"--strategy", "ctor", "--threads", "2", "--cycles", "1000", "--warmup", "5",
                                     "--check", "--magazine-size", "16", "--sample-shift", "4"});
    EXPECT_EQ(run.strategy, Strategy::ctor);
    EXPECT_EQ(run.cpus.threads, 2u);
    EXPECT_FALSE(run.cpus.cpus.has_value());
    const WorkloadOptions& workload = run.workload;
    EXPECT_EQ(workload.cycles, 1000u);
    EXPECT_EQ(workload.duration_ns, 0u);
    EXPECT_EQ(workload.warmup_cycles, 5u);
    EXPECT_TRUE(workload.model.check);
    EXPECT_EQ(workload.magazine_size, 16u);
    EXPECT_EQ(workload.sample_shift, 4u);
    EXPECT_EQ(workload.profile.profile, shadowslab::Profile::kernel);

    const shadowslab::RunRequest request = workload.request(run.strategy, {0, 1});
    EXPECT_EQ(request.strategy, Strategy::ctor);
    EXPECT_EQ(request.cpus, (shadowslab::CpuList{0, 1}));
    EXPECT_EQ(request.cycles, 1000u);
    EXPECT_EQ(request.warmup_cycles, 5u);
    EXPECT_TRUE(request.check);
    EXPECT_EQ(request.magazine_size, 16u);
    EXPECT_EQ(request.sample_shift, 4u);
}

TEST(Cli, RunWithCpusAndDuration)
{
    const RunOptions run = run_with({"--strategy", "percpu", "--cpus", "0-1,3", "--duration", "0.5", "--profile", "mm-6.2"});
    EXPECT_EQ(run.cpus.cpus, (shadowslab::CpuList{0, 1, 3}));
    EXPECT_FALSE(run.cpus.threads.has_value());
    EXPECT_EQ(run.workload.duration_ns, 500'000'000u);
    EXPECT_EQ(run.workload.cycles, 0u);
    EXPECT_EQ(run.workload.warmup_cycles, kDefaultWarmupCycles);
    EXPECT_EQ(run.workload.profile.profile, shadowslab::Profile::mm_6_2);
    EXPECT_EQ(run_with({"--strategy", "slab", "--threads", "1", "--duration", "250ms"}).workload.duration_ns,
              250'000'000u);
    EXPECT_EQ(run_with({"--strategy", "slab", "--threads", "1", "--duration", "1m"}).workload.duration_ns,
              60'000'000'000u);
}

TEST(Cli, RunThreadsAndCpusAreExclusive)
{
    EXPECT_THROW(run_with({"--strategy", "ctor", "--threads", "1", "--cpus", "0", "--cycles", "1"}),
                 CLI::ExcludesError);
    EXPECT_THROW(run_with({"--strategy", "ctor", "--cycles", "1"}), CLI::RequiredError);
}

TEST(Cli, RunCyclesAndDurationAreExclusive)
{
    EXPECT_THROW(run_with({"--strategy", "ctor", "--threads", "1", "--cycles", "1", "--duration", "1"}),
                 CLI::ExcludesError);
    EXPECT_THROW(run_with({"--strategy", "ctor", "--threads", "1"}), CLI::RequiredError);
}

TEST(Cli, RunRejectsBadNumbers)
{
    const auto slab_with = [](std::vector<std::string> extra) {
        extra.insert(extra.begin(), {"--strategy", "slab"});
        return run_with(extra);
    };
    EXPECT_THROW(slab_with({"--threads", "0", "--cycles", "1"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "-1", "--cycles", "1"}), CLI::ParseError);
    EXPECT_THROW(slab_with({"--threads", "1", "--cycles", "0"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--cycles", "1099511627777"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--duration", "0"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--duration", "3601"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--duration", "61m"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--duration", "2sec"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--cpus", "3-1", "--cycles", "1"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--cycles", "1", "--sample-shift", "17"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--cycles", "1", "--magazine-size", "256"}), CLI::ValidationError);
    EXPECT_THROW(slab_with({"--threads", "1", "--cycles", "1", "--magazine-size", "0"}), CLI::ValidationError);
    EXPECT_NO_THROW(slab_with({"--threads", "1", "--cycles", "1099511627776", "--warmup", "0"}));
}

TEST(Cli, RunNeedsAKnownStrategy)
{
    EXPECT_THROW(run_with({"--threads", "1", "--cycles", "1"}), CLI::RequiredError);
    EXPECT_THROW(run_with({"--strategy", "vmalloc", "--threads", "1", "--cycles", "1"}), CLI::ValidationError);
}

TEST(Cli, CustomProfileRegions)
{
    const RunOptions run = run_with({"--strategy", "ctor", "--threads", "1", "--cycles", "1", "--profile", "custom",
                                     "--region", "64:8", "--region", "16", "--object-size", "512"});
    const shadowslab::ProfileSpec& spec = run.workload.profile;
    EXPECT_EQ(spec.profile, shadowslab::Profile::custom);
    EXPECT_EQ(spec.object_size, 512u);
    EXPECT_EQ(spec.regions, (std::vector<shadowslab::Region>{{64, 8}, {16, 0}}));
}

TEST(Cli, RegionsNeedTheCustomProfile)
{
    const std::vector<std::string> base{"--strategy", "ctor", "--threads", "1", "--cycles", "1"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    EXPECT_THROW(run_with(with({"--region", "64"})), CLI::ValidationError);
    EXPECT_THROW(run_with(with({"--profile", "custom"})), CLI::ValidationError);
    EXPECT_THROW(run_with(with({"--profile", "custom", "--region", "64:3"})), CLI::ValidationError);
    EXPECT_THROW(run_with(with({"--profile", "mm-5.0"})), CLI::ValidationError);
}

TEST(Cli, CacheCreate)
{
    const CacheOptions options =
        cache_with({"create", "--profile", "tc_action", "--magazine-size", "8", "--deferred-dtor", "--name", "bench"});
    const shadowslab::CacheConfig& config = options.config;
    EXPECT_EQ(config.profile.profile, shadowslab::Profile::tc_action);
    EXPECT_EQ(config.magazine_size, 8u);
    EXPECT_TRUE(config.deferred_dtor);
    EXPECT_EQ(config.name, "bench");
    EXPECT_THROW(cache_with({"create", "--name", std::string(32, 'x')}), CLI::ValidationError);
    EXPECT_NO_THROW(cache_with({"create", "--name", std::string(31, 'x')}));
    EXPECT_THROW(cache_with({"create", "--region", "64"}), CLI::ValidationError);
}

TEST(Cli, CacheObjectCommands)
{
    CacheOptions options = cache_with({"alloc", "3", "100"});
    EXPECT_EQ(options.id, 3u);
    EXPECT_EQ(options.count, 100u);
    EXPECT_THROW(cache_with({"alloc", "3"}), CLI::RequiredError);
    EXPECT_THROW(cache_with({"alloc", "3", "0"}), CLI::ValidationError);

    options = cache_with({"free", "3"});
    EXPECT_EQ(options.count, 0u);  // all
    EXPECT_EQ(cache_with({"free", "3", "7"}).count, 7u);

    EXPECT_TRUE(cache_with({"shrink", "4", "--purge"}).purge);
    EXPECT_EQ(cache_with({"destroy", "5"}).id, 5u);
    EXPECT_EQ(cache_with({"stats", "6"}).id, 6u);
    EXPECT_NO_THROW(cache_with({"list"}));
    EXPECT_THROW(cache_with({"stats"}), CLI::RequiredError);
    EXPECT_THROW(cache_with({"stats", "x"}), CLI::ValidationError);
}

TEST(Cli, CacheFaultModes)
{
    CacheOptions options = cache_with({"fault", "1", "--every", "10"});
    EXPECT_EQ(options.fault.mode, shadowslab::FaultMode::every_nth);
    EXPECT_EQ(options.fault.nth, 10u);

    options = cache_with({"fault", "1", "--probability", "5000", "--seed", "42"});
    EXPECT_EQ(options.fault.mode, shadowslab::FaultMode::probability);
    EXPECT_EQ(options.fault.probability_ppm, 5000u);
    EXPECT_EQ(options.fault.seed, 42u);

    EXPECT_EQ(cache_with({"fault", "1", "--off"}).fault.mode, shadowslab::FaultMode::off);

    EXPECT_THROW(cache_with({"fault", "1"}), CLI::RequiredError);
    EXPECT_THROW(cache_with({"fault", "1", "--every", "2", "--off"}), CLI::ExcludesError);
    EXPECT_THROW(cache_with({"fault", "1", "--every", "0"}), CLI::ValidationError);
    EXPECT_THROW(cache_with({"fault", "1", "--probability", "1000001"}), CLI::ValidationError);
    EXPECT_THROW(cache_with({"fault", "1", "--every", "2", "--seed", "1"}), CLI::RequiresError);
}

TEST(Cli, CompareDefaults)
{
    const CompareOptions compare = compare_with({});
    EXPECT_EQ(compare.strategies, (std::vector{Strategy::percpu, Strategy::ctor, Strategy::slab, Strategy::cache,
                                               Strategy::stash, Strategy::merged, Strategy::lazy}));
    EXPECT_EQ(compare.thread_counts, (std::vector<unsigned>{1, 2}));
    EXPECT_EQ(compare.workload.duration_ns, kDefaultCompareDurationNs);
    EXPECT_EQ(compare.workload.cycles, 0u);
    EXPECT_EQ(compare.rounds, kDefaultCompareRounds);
    EXPECT_EQ(compare.workload.warmup_cycles, kDefaultWarmupCycles);
    EXPECT_TRUE(compare.csv_path.empty());
}

TEST(Cli, ModelOptionsDefaultToTheKernel)
{
    const ModelOptions model = compare_with({}).workload.model;
    EXPECT_TRUE(model.check);  // check_mm() runs on every __mmdrop()
    EXPECT_EQ(model.live, 1u);
    EXPECT_FALSE(model.remote_free);
    EXPECT_FALSE(model.no_magazines);
    EXPECT_EQ(model.retain, (shadowslab::Retention{true, 5}));  // SLUB's min_partial for mm_struct
    EXPECT_EQ(model.mt_fraction_ppm, 100'000u);
}

TEST(Cli, ModelOptions)
{
    const WorkloadOptions workload = run_with({"--strategy", "lazy", "--threads", "1", "--cycles", "10", "--no-check",
                                               "--live", "64", "--remote-free", "--no-magazines", "--retain",
                                               "partial:0", "--mt-fraction", "0.25"})
                                         .workload;
    const ModelOptions& model = workload.model;
    EXPECT_FALSE(model.check);
    EXPECT_EQ(model.live, 64u);
    EXPECT_TRUE(model.remote_free);
    EXPECT_TRUE(model.no_magazines);
    EXPECT_EQ(model.retain, (shadowslab::Retention{true, 0}));
    EXPECT_EQ(model.mt_fraction_ppm, 250'000u);
    EXPECT_EQ(compare_with({"--retain", "all"}).workload.model.retain, (shadowslab::Retention{false, 0}));

    const shadowslab::RunRequest request = workload.request(Strategy::lazy, {0});
    EXPECT_EQ(request.live, 64u);
    EXPECT_TRUE(request.remote_free);
    EXPECT_TRUE(request.no_magazines);
    EXPECT_FALSE(request.check);
    EXPECT_EQ(request.retain, (shadowslab::Retention{true, 0}));
    EXPECT_EQ(request.mt_fraction_ppm, 250'000u);
}

TEST(Cli, ModelOptionsReject)
{
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--live", "0"},
             {"--live", "65537"},
             {"--retain", "some"},
             {"--retain", "partial:"},
             {"--mt-fraction", "2"},
             {"--mt-fraction", "-0.1"},
         })
        EXPECT_THROW(compare_with(bad), CLI::ParseError) << bad[0] << " " << bad[1];
}

TEST(Cli, CompareDefaultsFitTheDemoBudget)
{
    // make demo runs the default compare under TCG; keep the timed phases
    // alone well under a minute.
    const CompareOptions compare = compare_with({});
    const double timed_s = static_cast<double>(compare.workload.duration_ns) / 1e9 * static_cast<double>(compare.rounds) *
                           static_cast<double>(compare.strategies.size() * compare.thread_counts.size());
    EXPECT_LE(timed_s, 30.0);
}

TEST(Cli, CompareOptions)
{
    const CompareOptions compare = compare_with({"--strategies", "ctor,slab", "--threads-list", "4,1,2", "--cycles",
                                                 "5000", "--rounds", "2", "--csv", "out.csv", "--plot", "p.png"});
    EXPECT_EQ(compare.strategies, (std::vector{Strategy::ctor, Strategy::slab}));
    EXPECT_EQ(compare.thread_counts, (std::vector<unsigned>{1, 2, 4}));
    EXPECT_EQ(compare.workload.cycles, 5000u);
    EXPECT_EQ(compare.workload.duration_ns, 0u);  // --cycles replaces the default duration
    EXPECT_EQ(compare.rounds, 2u);
    EXPECT_EQ(compare.csv_path, "out.csv");
    EXPECT_EQ(compare.plot_path, "p.png");
}

TEST(Cli, CompareRejects)
{
    EXPECT_THROW(compare_with({"--threads-list", "0,1"}), CLI::ValidationError);
    EXPECT_THROW(compare_with({"--threads-list", "1,1"}), CLI::ValidationError);
    EXPECT_THROW(compare_with({"--strategies", "ctor,ctor"}), CLI::ValidationError);
    EXPECT_THROW(compare_with({"--rounds", "0"}), CLI::ValidationError);
    EXPECT_THROW(compare_with({"--cycles", "1", "--duration", "1"}), CLI::ExcludesError);
    EXPECT_THROW(compare_with({"--plot", "out.pdf"}), CLI::ValidationError);
    EXPECT_THROW(compare_with({"--region", "64"}), CLI::ValidationError);
}
