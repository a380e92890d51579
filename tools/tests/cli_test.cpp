#include <gtest/gtest.h>

#include <algorithm>

#include "cli.hpp"
#include "parse_cli.hpp"

using namespace shadowctl;
using shadowslab::Strategy;

using testcli::parse;

TEST(Cli, Info)
{
    const Options options = parse({"info", "--json"});
    EXPECT_EQ(options.command, Command::info);
    EXPECT_TRUE(options.info.json);
    EXPECT_EQ(options.device_path, SHADOWSLAB_DEVICE_PATH);
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
    const Options options = parse({"run", "--strategy", "ctor", "--threads", "2", "--cycles", "1000", "--warmup",
                                   "5", "--check", "--magazine-size", "16", "--sample-shift", "4", "--json"});
    EXPECT_EQ(options.command, Command::run);
    const RunOptions& run = options.run;
    EXPECT_EQ(run.strategy, Strategy::ctor);
    EXPECT_EQ(run.threads, 2u);
    EXPECT_FALSE(run.cpus.has_value());
    EXPECT_EQ(run.cycles, 1000u);
    EXPECT_EQ(run.duration_ns, 0u);
    EXPECT_EQ(run.warmup_cycles, 5u);
    EXPECT_TRUE(run.check);
    EXPECT_EQ(run.magazine_size, 16u);
    EXPECT_EQ(run.sample_shift, 4u);
    EXPECT_TRUE(run.json);
    EXPECT_EQ(run.profile.profile, shadowslab::Profile::mm_6_6);
}

TEST(Cli, RunWithCpusAndDuration)
{
    const Options options =
        parse({"run", "--strategy", "percpu", "--cpus", "0-1,3", "--duration", "0.5", "--profile", "mm-6.2"});
    EXPECT_EQ(options.run.cpus, (shadowslab::CpuList{0, 1, 3}));
    EXPECT_FALSE(options.run.threads.has_value());
    EXPECT_EQ(options.run.duration_ns, 500'000'000u);
    EXPECT_EQ(options.run.cycles, 0u);
    EXPECT_EQ(options.run.warmup_cycles, kDefaultWarmupCycles);
    EXPECT_EQ(options.run.profile.profile, shadowslab::Profile::mm_6_2);
}

TEST(Cli, RunThreadsAndCpusAreExclusive)
{
    EXPECT_THROW(parse({"run", "--strategy", "ctor", "--threads", "1", "--cpus", "0", "--cycles", "1"}),
                 CLI::ExcludesError);
    EXPECT_THROW(parse({"run", "--strategy", "ctor", "--cycles", "1"}), CLI::RequiredError);
}

TEST(Cli, RunCyclesAndDurationAreExclusive)
{
    EXPECT_THROW(parse({"run", "--strategy", "ctor", "--threads", "1", "--cycles", "1", "--duration", "1"}),
                 CLI::ExcludesError);
    EXPECT_THROW(parse({"run", "--strategy", "ctor", "--threads", "1"}), CLI::RequiredError);
}

TEST(Cli, RunRejectsBadNumbers)
{
    const auto run_with = [](std::vector<std::string> extra) {
        std::vector<std::string> args{"run", "--strategy", "slab"};
        args.insert(args.end(), extra.begin(), extra.end());
        return parse(args);
    };
    EXPECT_THROW(run_with({"--threads", "0", "--cycles", "1"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "-1", "--cycles", "1"}), CLI::ParseError);
    EXPECT_THROW(run_with({"--threads", "1", "--cycles", "0"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "1", "--cycles", "1099511627777"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "1", "--duration", "0"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "1", "--duration", "3601"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--cpus", "3-1", "--cycles", "1"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "1", "--cycles", "1", "--sample-shift", "17"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "1", "--cycles", "1", "--magazine-size", "256"}), CLI::ValidationError);
    EXPECT_THROW(run_with({"--threads", "1", "--cycles", "1", "--magazine-size", "0"}), CLI::ValidationError);
    EXPECT_NO_THROW(run_with({"--threads", "1", "--cycles", "1099511627776", "--warmup", "0"}));
}

TEST(Cli, RunNeedsAKnownStrategy)
{
    EXPECT_THROW(parse({"run", "--threads", "1", "--cycles", "1"}), CLI::RequiredError);
    EXPECT_THROW(parse({"run", "--strategy", "vmalloc", "--threads", "1", "--cycles", "1"}), CLI::ValidationError);
}

TEST(Cli, CustomProfileRegions)
{
    const Options options = parse({"run", "--strategy", "ctor", "--threads", "1", "--cycles", "1", "--profile",
                                   "custom", "--region", "64:8", "--region", "16", "--object-size", "512"});
    const shadowslab::ProfileSpec& spec = options.run.profile;
    EXPECT_EQ(spec.profile, shadowslab::Profile::custom);
    EXPECT_EQ(spec.object_size, 512u);
    EXPECT_EQ(spec.regions, (std::vector<shadowslab::Region>{{64, 8}, {16, 0}}));
}

TEST(Cli, RegionsNeedTheCustomProfile)
{
    const std::vector<std::string> base{"run", "--strategy", "ctor", "--threads", "1", "--cycles", "1"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    EXPECT_THROW(parse(with({"--region", "64"})), CLI::ValidationError);
    EXPECT_THROW(parse(with({"--profile", "custom"})), CLI::ValidationError);
    EXPECT_THROW(parse(with({"--profile", "custom", "--region", "64:3"})), CLI::ValidationError);
    EXPECT_THROW(parse(with({"--profile", "mm-5.0"})), CLI::ValidationError);
}

TEST(Cli, CacheCreate)
{
    const Options options = parse({"cache", "create", "--profile", "tc_action", "--magazine-size", "8",
                                   "--deferred-dtor", "--name", "bench", "--json"});
    EXPECT_EQ(options.command, Command::cache_create);
    const shadowslab::CacheConfig& config = options.cache_create.config;
    EXPECT_EQ(config.profile.profile, shadowslab::Profile::tc_action);
    EXPECT_EQ(config.magazine_size, 8u);
    EXPECT_TRUE(config.deferred_dtor);
    EXPECT_EQ(config.name, "bench");
    EXPECT_TRUE(options.cache_create.json);
    EXPECT_THROW(parse({"cache", "create", "--name", std::string(32, 'x')}), CLI::ValidationError);
    EXPECT_NO_THROW(parse({"cache", "create", "--name", std::string(31, 'x')}));
}

TEST(Cli, CacheObjectCommands)
{
    Options options = parse({"cache", "alloc", "3", "100"});
    EXPECT_EQ(options.command, Command::cache_alloc);
    EXPECT_EQ(options.cache_alloc.id, 3u);
    EXPECT_EQ(options.cache_alloc.count, 100u);
    EXPECT_THROW(parse({"cache", "alloc", "3"}), CLI::RequiredError);
    EXPECT_THROW(parse({"cache", "alloc", "3", "0"}), CLI::ValidationError);

    options = parse({"cache", "free", "3"});
    EXPECT_EQ(options.command, Command::cache_free);
    EXPECT_EQ(options.cache_free.count, 0u);  // all
    EXPECT_EQ(parse({"cache", "free", "3", "7"}).cache_free.count, 7u);

    options = parse({"cache", "shrink", "4", "--purge"});
    EXPECT_EQ(options.command, Command::cache_shrink);
    EXPECT_TRUE(options.cache_shrink.purge);

    EXPECT_EQ(parse({"cache", "destroy", "5"}).cache_destroy.id, 5u);
    EXPECT_EQ(parse({"cache", "stats", "6", "--json"}).cache_stats.id, 6u);
    EXPECT_EQ(parse({"cache", "list"}).command, Command::cache_list);
    EXPECT_THROW(parse({"cache", "stats"}), CLI::RequiredError);
    EXPECT_THROW(parse({"cache", "stats", "x"}), CLI::ValidationError);
}

TEST(Cli, CacheFaultModes)
{
    Options options = parse({"cache", "fault", "1", "--every", "10"});
    EXPECT_EQ(options.cache_fault.fault.mode, shadowslab::FaultMode::every_nth);
    EXPECT_EQ(options.cache_fault.fault.nth, 10u);

    options = parse({"cache", "fault", "1", "--probability", "5000", "--seed", "42"});
    EXPECT_EQ(options.cache_fault.fault.mode, shadowslab::FaultMode::probability);
    EXPECT_EQ(options.cache_fault.fault.probability_ppm, 5000u);
    EXPECT_EQ(options.cache_fault.fault.seed, 42u);

    EXPECT_EQ(parse({"cache", "fault", "1", "--off"}).cache_fault.fault.mode, shadowslab::FaultMode::off);

    EXPECT_THROW(parse({"cache", "fault", "1"}), CLI::RequiredError);
    EXPECT_THROW(parse({"cache", "fault", "1", "--every", "2", "--off"}), CLI::ExcludesError);
    EXPECT_THROW(parse({"cache", "fault", "1", "--every", "0"}), CLI::ValidationError);
    EXPECT_THROW(parse({"cache", "fault", "1", "--probability", "1000001"}), CLI::ValidationError);
    EXPECT_THROW(parse({"cache", "fault", "1", "--every", "2", "--seed", "1"}), CLI::RequiresError);
}

TEST(Cli, CompareDefaults)
{
    const Options options = parse({"compare"});
    EXPECT_EQ(options.command, Command::compare);
    const CompareOptions& compare = options.compare;
    EXPECT_EQ(compare.strategies, (std::vector{Strategy::percpu, Strategy::ctor, Strategy::slab}));
    EXPECT_EQ(compare.thread_counts, (std::vector<unsigned>{1, 2}));
    EXPECT_EQ(compare.duration_ns, kDefaultCompareDurationNs);
    EXPECT_EQ(compare.cycles, 0u);
    EXPECT_EQ(compare.rounds, kDefaultCompareRounds);
    EXPECT_EQ(compare.warmup_cycles, kDefaultWarmupCycles);
    EXPECT_TRUE(compare.json_path.empty());
}

TEST(Cli, CompareDefaultsFitTheDemoBudget)
{
    // make demo runs the default compare under TCG; keep the timed phases
    // alone well under a minute.
    const CompareOptions compare = parse({"compare"}).compare;
    const double timed_s = static_cast<double>(compare.duration_ns) / 1e9 * static_cast<double>(compare.rounds) *
                           static_cast<double>(compare.strategies.size() * compare.thread_counts.size());
    EXPECT_LE(timed_s, 30.0);
}

TEST(Cli, CompareOptions)
{
    const Options options = parse({"compare", "--strategies", "ctor,slab", "--threads-list", "4,1,2", "--cycles",
                                   "5000", "--rounds", "2", "--json", "-", "--csv", "out.csv", "--plot", "p.png"});
    const CompareOptions& compare = options.compare;
    EXPECT_EQ(compare.strategies, (std::vector{Strategy::ctor, Strategy::slab}));
    EXPECT_EQ(compare.thread_counts, (std::vector<unsigned>{1, 2, 4}));
    EXPECT_EQ(compare.cycles, 5000u);
    EXPECT_EQ(compare.duration_ns, 0u);  // --cycles replaces the default duration
    EXPECT_EQ(compare.rounds, 2u);
    EXPECT_EQ(compare.json_path, "-");
    EXPECT_EQ(compare.csv_path, "out.csv");
    EXPECT_EQ(compare.plot_path, "p.png");
}

TEST(Cli, CompareRejects)
{
    EXPECT_THROW(parse({"compare", "--threads-list", "0,1"}), CLI::ValidationError);
    EXPECT_THROW(parse({"compare", "--threads-list", "1,1"}), CLI::ValidationError);
    EXPECT_THROW(parse({"compare", "--strategies", "ctor,ctor"}), CLI::ValidationError);
    EXPECT_THROW(parse({"compare", "--rounds", "0"}), CLI::ValidationError);
    EXPECT_THROW(parse({"compare", "--cycles", "1", "--duration", "1"}), CLI::ExcludesError);
    EXPECT_THROW(parse({"compare", "--json", "-", "--csv", "-"}), CLI::ValidationError);
    EXPECT_THROW(parse({"compare", "--plot", "out.pdf"}), CLI::ValidationError);
    EXPECT_THROW(parse({"compare", "--region", "64"}), CLI::ValidationError);
}
