#include <gtest/gtest.h>

#include <cstring>

#include "cache.hpp"
#include "common/output.hpp"
#include "info.hpp"
#include "run.hpp"
#include "sample_results.hpp"

using namespace shadowctl;

TEST(FormatUtil, Values)
{
    EXPECT_EQ(fixed(std::nullopt, 2), "-");
    EXPECT_EQ(fixed(1.234, 2), "1.23");
    EXPECT_EQ(bytes(512), "512 B");
    EXPECT_EQ(bytes(3 * 1024 * 1024), "3145728 B (3.0 MiB)");
    EXPECT_EQ(duration(42), "42 ns");
    EXPECT_EQ(duration(1'500'000), "1.50 ms");
    EXPECT_EQ(duration(850e3), "850.0 us");
    EXPECT_EQ(duration(std::optional<double>()), "-");
    EXPECT_EQ(duration(2'000'000'000), "2.000 s");
}

TEST(FormatInfo, AbiMismatchWarns)
{
    EXPECT_FALSE(abi_mismatch_warning(SHADOWSLAB_ABI_VERSION).has_value());
    const auto warning = abi_mismatch_warning(SHADOWSLAB_ABI_VERSION + 1);
    ASSERT_TRUE(warning.has_value());
    EXPECT_NE(warning->find("ABI version 2"), std::string::npos) << *warning;
}

TEST(FormatInfo, TextAndJson)
{
    InfoReport report;
    report.info.abi_version = SHADOWSLAB_ABI_VERSION;
    report.info.nr_cpu_ids = 4;
    report.info.nr_possible_cpus = 4;
    report.info.nr_online_cpus = 2;
    report.info.mm_struct_size = 1344;
    report.info.features = SHADOWSLAB_FEAT_COUNTER_INIT_MANY | SHADOWSLAB_FEAT_LOCKDEP;
    report.info.percpu_allocs = 12;
    report.info.percpu_frees = 10;
    std::strcpy(report.info.module_version, "0.1");
    std::strcpy(report.info.kernel_release, "6.6.30");
    report.possible_cpus = "0-3";
    report.online_cpus = "0-1";

    const std::string text = format_info_text(report);
    EXPECT_NE(text.find("kernel release   6.6.30"), std::string::npos) << text;
    EXPECT_NE(text.find("online CPUs      2 (0-1)"), std::string::npos) << text;
    EXPECT_NE(text.find("mm_struct size   1344 bytes"), std::string::npos) << text;
    EXPECT_NE(text.find("features         counter_init_many, lockdep"), std::string::npos) << text;
    EXPECT_NE(text.find("percpu memory    12 allocations, 10 frees"), std::string::npos) << text;

    const Json json = info_to_json(report);
    EXPECT_EQ(json["schema"], "shadowslab-info/1");
    EXPECT_EQ(json["abi_match"], true);
    EXPECT_EQ(json["possible_cpus"], "0-3");
    EXPECT_EQ(json["features"], (Json{"counter_init_many", "lockdep"}));
    EXPECT_EQ(json["percpu_allocs"], 12);

    report.online_cpus.clear();
    EXPECT_TRUE(info_to_json(report)["online_cpus"].is_null());
}

TEST(FormatRun, TextMarksCancelledRuns)
{
    shadowslab::RunRequest request;
    request.strategy = shadowslab::Strategy::ctor;
    request.cpus = {0, 1};
    request.duration_ns = 2'000'000'000;
    request.warmup_cycles = 100;
    shadowslab::RunResult result = testdata::run(4000, 2'000'000'000, 2);
    result.warmup_percpu_allocs = 200;

    std::string text = format_run_text(request, result);
    EXPECT_NE(text.find("strategy ctor, profile kernel, 2 threads on CPUs 0-1, 2.000 s per thread"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("status: completed"), std::string::npos);
    EXPECT_NE(text.find("total"), std::string::npos);
    EXPECT_NE(text.find("percpu per cycle, warm-up  1.000 allocs"), std::string::npos) << text;
    EXPECT_NE(text.find("live 1, local frees, check_mm off, magazines, retain partial:5"), std::string::npos) << text;
    EXPECT_NE(text.find("ctor per cycle, timed      0.000 calls"), std::string::npos) << text;
    EXPECT_NE(text.find("percpu kept when idle      0.0 KiB"), std::string::npos) << text;
    EXPECT_NE(text.find("memcg charged              none"), std::string::npos) << text;
    EXPECT_NE(text.find("not checked"), std::string::npos);

    result.cancelled = true;
    text = format_run_text(request, result);
    EXPECT_NE(text.find("CANCELLED"), std::string::npos);
}

TEST(FormatRun, MovedThreadsAreFlagged)
{
    shadowslab::RunRequest request;
    request.cpus = {0, 1};
    request.cycles = 1000;
    shadowslab::RunResult result = testdata::run(2000, 1'000'000, 2);
    EXPECT_EQ(format_run_text(request, result).find("moved"), std::string::npos);
    EXPECT_EQ(run_to_json(request, result)["threads"][1]["moved"], false);

    result.threads[1].moved = true;
    const std::string text = format_run_text(request, result);
    EXPECT_NE(text.find("1 (moved)"), std::string::npos) << text;
    EXPECT_NE(text.find("thread 1 moved: CPU 1 went offline"), std::string::npos) << text;
    const Json json = run_to_json(request, result);
    EXPECT_EQ(json["threads"][0]["moved"], false);
    EXPECT_EQ(json["threads"][1]["moved"], true);
}

TEST(FormatRun, Json)
{
    shadowslab::RunRequest request;
    request.strategy = shadowslab::Strategy::percpu;
    request.cpus = {3};
    request.cycles = 1000;
    const shadowslab::RunResult result = testdata::run(1000, 1'000'000, 1, 2000, 9);
    const Json json = run_to_json(request, result);
    EXPECT_EQ(json["schema"], "shadowslab-run/1");
    EXPECT_EQ(json["status"], "completed");
    EXPECT_EQ(json["request"]["strategy"], "percpu");
    EXPECT_EQ(json["request"]["cpus"], (Json{3}));
    EXPECT_DOUBLE_EQ(json["cycles_per_sec"].get<double>(), 1e6);
    EXPECT_DOUBLE_EQ(json["percpu_allocs_per_cycle"].get<double>(), 2.0);
    EXPECT_DOUBLE_EQ(json["ns_per_cycle_p50"].get<double>(), 768.0);
    EXPECT_TRUE(json["warmup_percpu_allocs_per_cycle"].is_number());
    ASSERT_EQ(json["threads"].size(), 1u);
    EXPECT_EQ(json["threads"][0]["hist"].size(), std::size_t{SHADOWSLAB_HIST_BUCKETS});
}

TEST(FormatCache, StatsAndList)
{
    shadowslab_cache_stats stats{};
    stats.id = 7;
    std::strcpy(stats.name, "bench");
    stats.spec.profile = SHADOWSLAB_PROFILE_MM_6_6;
    stats.flags = SHADOWSLAB_CACHE_DEFERRED_DTOR;
    stats.objs_in_use = 10;
    stats.objs_held = 10;
    stats.percpu_bytes = 4096;
    stats.magazine_hits = 3;
    stats.magazine_misses = 1;

    const std::string text = format_cache_stats(stats);
    EXPECT_NE(text.find("cache 7 \"bench\", mm-6.6"), std::string::npos) << text;
    EXPECT_NE(text.find("deferred_dtor"), std::string::npos);
    EXPECT_NE(text.find("in use           10 (held by ALLOC: 10)"), std::string::npos) << text;
    EXPECT_NE(text.find("4096 B (4.0 KiB)"), std::string::npos) << text;
    EXPECT_NE(text.find("75.0% of lookups"), std::string::npos) << text;

    const Json json = cache_stats_to_json(stats);
    EXPECT_EQ(json["id"], 7);
    EXPECT_EQ(json["profile"], "mm-6.6");
    EXPECT_EQ(json["percpu_bytes"], 4096);
    EXPECT_EQ(json["flags"], (Json{"deferred_dtor"}));

    const std::vector entries{list_entry(stats)};
    EXPECT_EQ(format_cache_list(entries),
              "ID  NAME   PROFILE  IN USE  PERCPU BYTES\n"
              " 7  bench  mm-6.6       10          4096\n");
    EXPECT_EQ(format_cache_list({}), "no caches\n");
    const Json list = cache_list_to_json(entries);
    EXPECT_EQ(list["schema"], "shadowslab-cache-list/1");
    EXPECT_EQ(list["caches"][0]["name"], "bench");
    EXPECT_EQ(json["schema"], "shadowslab-cache-stats/1");
}
