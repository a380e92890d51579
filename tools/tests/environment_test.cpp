#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/environment.hpp"

namespace {

using shadowctl::Environment;
using shadowctl::EnvironmentRecorder;

// A made-up system under a temporary root: a 2-core, 4-thread machine.
class FakeSystem : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/shadowslab-environment.XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        root_ = pattern;
        write("/sys/devices/system/cpu/online", "0-3\n");
        write("/sys/devices/system/cpu/possible", "0-7\n");
        write("/sys/devices/system/cpu/smt/active", "1\n");
        write("/sys/devices/system/cpu/smt/control", "on\n");
        for (int cpu = 0; cpu < 4; ++cpu) {
            const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(cpu);
            write(dir + "/cpufreq/scaling_governor", cpu < 2 ? "performance\n" : "powersave\n");
            write(dir + "/topology/thread_siblings_list", cpu % 2 ? "1,3\n" : "0,2\n");
        }
        write("/sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc\n");
        write("/sys/devices/system/clocksource/clocksource0/available_clocksource", "tsc hpet acpi_pm \n");
        write("/proc/cpuinfo", "processor\t: 0\nmodel name\t: Made-up CPU @ 2.00GHz\n");
        write("/proc/cmdline", "console=ttyS0 preempt=full\n");
        write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
        write("/proc/self/cgroup", "0::/bench.slice\n");
        write("/sys/fs/cgroup/bench.slice/memory.max", "max\n");
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    void write(const std::string& path, const std::string& text)
    {
        const std::filesystem::path full = root_ + path;
        std::filesystem::create_directories(full.parent_path());
        std::ofstream(full) << text;
    }

    std::string root_;
};

TEST_F(FakeSystem, ReadsWhatSysfsSays)
{
    const Environment e = EnvironmentRecorder(root_).finish({0});
    EXPECT_EQ(e.online_cpus, "0-3");
    EXPECT_EQ(e.possible_cpus, "0-7");
    EXPECT_EQ(e.cpu_model, "Made-up CPU @ 2.00GHz");
    EXPECT_EQ(e.clocksource, "tsc");
    EXPECT_EQ(e.available_clocksources, (std::vector<std::string>{"tsc", "hpet", "acpi_pm"}));
    ASSERT_EQ(e.governors.size(), 2u);
    EXPECT_EQ(e.governors.at("performance"), (shadowslab::CpuList{0, 1}));
    EXPECT_EQ(e.governors.at("powersave"), (shadowslab::CpuList{2, 3}));
    EXPECT_EQ(e.smt_active, true);
    EXPECT_EQ(e.smt_control, "on");
    EXPECT_EQ(e.smt_siblings.at(3), (shadowslab::CpuList{1, 3}));
    EXPECT_EQ(e.memcg_enabled, true);
    EXPECT_EQ(e.memcg_kmem, true);
    EXPECT_EQ(e.memcg_path, "/bench.slice");
    EXPECT_EQ(e.memcg_limit, "max");
    EXPECT_FALSE(e.host_load.has_value());
    // CPU 0 alone uses performance and has no busy sibling: no warning but
    // the other CPUs' governor, which is said for the machine.
    ASSERT_EQ(e.warnings.size(), 1u);
    EXPECT_NE(e.warnings[0].find("CPUs 2-3 use the cpufreq governor powersave"), std::string::npos);

    const shadowctl::Json json = shadowctl::environment_to_json(e);
    EXPECT_EQ(json["governors"]["powersave"], "2-3");
    EXPECT_EQ(json["smt"]["sibling_groups"], (std::vector<std::string>{"0,2", "1,3"}));
    EXPECT_EQ(json["memcg"]["cgroup"], "/bench.slice");
    EXPECT_TRUE(json["host_load"].is_null());
}

TEST_F(FakeSystem, WarnsOfASlowClocksourceAndBusySiblings)
{
    write("/sys/devices/system/clocksource/clocksource0/current_clocksource", "hpet\n");
    const Environment e = EnvironmentRecorder(root_).finish({0, 2});
    ASSERT_EQ(e.warnings.size(), 3u);
    EXPECT_NE(e.warnings[0].find("the clocksource is hpet"), std::string::npos);
    EXPECT_NE(e.warnings[1].find("powersave"), std::string::npos);
    EXPECT_NE(e.warnings[2].find("CPUs 0 and 2 are SMT siblings"), std::string::npos);
    const std::string text = shadowctl::format_warnings(e.warnings);
    EXPECT_EQ(text.rfind("warning: the clocksource is hpet", 0), 0u);
}

TEST_F(FakeSystem, NoKmemAndCgroupV1)
{
    std::filesystem::remove(root_ + "/sys/fs/cgroup/cgroup.controllers");
    write("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t90\t1\n");
    write("/proc/self/cgroup", "4:memory:/user.slice\n1:name=systemd:/user.slice/x\n0::/\n");
    write("/sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes", "9223372036854771712\n");
    write("/proc/cmdline", "cgroup.memory=nokmem\n");
    const Environment e = EnvironmentRecorder(root_).finish({});
    EXPECT_EQ(e.memcg_enabled, true);
    EXPECT_EQ(e.memcg_kmem, false);
    EXPECT_EQ(e.memcg_path, "/user.slice");
    EXPECT_EQ(e.memcg_limit, "9223372036854771712");
    EXPECT_NE(shadowctl::format_environment(e).find("nokmem"), std::string::npos);
}

TEST_F(FakeSystem, HostLoadOverTheWindow)
{
    // vm-run's sampler: 2 host CPUs, 100 ticks a second each.
    write("/proc/cmdline", "console=ttyS0 vmrun.host_load=/host-load\n");
    write("/host-load", "1000 100 400 50 2\n");
    EnvironmentRecorder recorder(root_);
    // 4 s later: 800 ticks passed, 700 of them busy, 300 of those this VM's.
    write("/host-load", "1000 100 400 50 2\n5000 800 1200 350 2\n");
    const Environment e = recorder.finish({0});
    ASSERT_TRUE(e.host_load.has_value());
    EXPECT_EQ(e.host_load->host_cpus, 2u);
    EXPECT_DOUBLE_EQ(e.host_load->seconds, 4);
    EXPECT_DOUBLE_EQ(e.host_load->vm_busy_cpus, 300.0 / 400);
    EXPECT_DOUBLE_EQ(e.host_load->others_busy_cpus, 400.0 / 400);
    EXPECT_NE(e.warnings.back().find("the host was not idle: other work kept 1.0 of its 2 CPUs busy"),
              std::string::npos);
}

TEST(HostLoad, MalformedOrEmptyWindowsGiveNothing)
{
    EXPECT_FALSE(shadowctl::host_load_between("", "5000 800 1200 350 2").has_value());
    EXPECT_FALSE(shadowctl::host_load_between("1000 100 400 50 2", "1000 100 400 50 2").has_value());
    EXPECT_FALSE(shadowctl::host_load_between("1000 100 400 50 2", "5000 800 x 350 2").has_value());
    EXPECT_FALSE(shadowctl::host_load_between("1000 100 400 50", "5000 800 1200 350").has_value());
}

}  // namespace
