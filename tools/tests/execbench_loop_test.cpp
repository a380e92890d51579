// run_exec_loop() for real, with the execbench-loop program built next to
// shadowctl: it counts execs, stops on time and on Ctrl-C, rejects a program
// that is not the loop, and leaves no child behind in any case.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <numeric>
#include <thread>

#include "execbench/execbench.hpp"
#include "shadowslab/cpu_list.hpp"

using namespace shadowctl;

namespace {

// No child of this process is left, running or zombie.
void expect_no_children()
{
    int status = 0;
    EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
}

execbench::LoopConfig config(std::uint64_t duration_ns, std::uint64_t interval_ns)
{
    execbench::LoopConfig config;
    config.target = EXECBENCH_LOOP_PATH;
    config.cpus = {shadowslab::read_cpu_list_file(shadowslab::kOnlineCpusPath).front()};
    config.duration_ns = duration_ns;
    config.interval_ns = interval_ns;
    return config;
}

std::uint64_t sum(const std::vector<std::uint64_t>& values)
{
    return std::accumulate(values.begin(), values.end(), std::uint64_t{0});
}

}  // namespace

TEST(ExecbenchLoop, CountsExecsPerInterval)
{
    const InterruptGuard interrupt;
    std::vector<execbench::Interval> seen;
    execbench::LoopCallbacks callbacks;
    callbacks.on_interval = [&seen](const execbench::Interval& interval) { seen.push_back(interval); };
    const execbench::LoopResult result =
        execbench::run_exec_loop(config(500'000'000, 200'000'000), interrupt, callbacks);

    EXPECT_FALSE(result.cancelled);
    EXPECT_GE(result.elapsed_ns, 500'000'000u);
    EXPECT_LT(result.elapsed_ns, 5'000'000'000u);
    ASSERT_EQ(result.ops.size(), 1u);
    EXPECT_GT(result.total_ops(), 0u);
    // 0.2, 0.4 and the last, shorter one at 0.5 s; a busy host that wakes
    // this thread late may merge two of them.
    EXPECT_GE(result.intervals.size(), 2u);
    EXPECT_LE(result.intervals.size(), 3u);
    EXPECT_EQ(seen.size(), result.intervals.size());
    std::uint64_t interval_ops = 0;
    std::uint64_t interval_ns = 0;
    for (const execbench::Interval& interval : result.intervals) {
        interval_ops += interval.total_ops();
        interval_ns += interval.elapsed_ns;
    }
    EXPECT_EQ(interval_ops, result.total_ops());
    EXPECT_EQ(interval_ns, result.elapsed_ns);
    EXPECT_EQ(result.intervals.back().end_ns, result.elapsed_ns);
    expect_no_children();
}

TEST(ExecbenchLoop, EveryOnlineCpu)
{
    const InterruptGuard interrupt;
    execbench::LoopConfig all = config(300'000'000, 300'000'000);
    all.cpus = shadowslab::read_cpu_list_file(shadowslab::kOnlineCpusPath);
    const execbench::LoopResult result = execbench::run_exec_loop(all, interrupt);
    // A count per CPU, and execs in all; not one on every CPU: on a host
    // busy enough, a pinned worker can wait out the whole window (seen
    // under a load average of 8 on 2 CPUs).
    ASSERT_EQ(result.ops.size(), all.cpus.size());
    EXPECT_GT(result.total_ops(), 0u);
    EXPECT_EQ(sum(result.ops), result.total_ops());
    expect_no_children();
}

// Ctrl-C and SIGTERM alike stop the loop early, with the partial figures.
class ExecbenchLoopInterrupted : public ::testing::TestWithParam<int> {};

TEST_P(ExecbenchLoopInterrupted, StopsEarly)
{
    const int signal = GetParam();
    const InterruptGuard interrupt;
    std::thread interrupter([signal] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        ::kill(::getpid(), signal);
    });
    const auto start = std::chrono::steady_clock::now();
    const execbench::LoopResult result = execbench::run_exec_loop(config(20'000'000'000, 1'000'000'000), interrupt);
    interrupter.join();
    EXPECT_TRUE(result.cancelled);
    EXPECT_EQ(interrupt.exit_status(), 128 + signal);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    EXPECT_LT(result.elapsed_ns, 10'000'000'000u);
    expect_no_children();
}

INSTANTIATE_TEST_SUITE_P(SigintAndSigterm, ExecbenchLoopInterrupted, ::testing::Values(SIGINT, SIGTERM));

TEST(ExecbenchLoop, AProgramThatIsNotTheLoopIsAnError)
{
    const InterruptGuard interrupt;
    execbench::LoopConfig wrong = config(1'000'000'000, 1'000'000'000);
    wrong.target = "/bin/true";
    try {
        execbench::run_exec_loop(wrong, interrupt);
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("exited with status 0 after 0 execs; is /bin/true the "
                                                 "execbench-loop program"),
                  std::string::npos)
            << error.what();
    }
    expect_no_children();
}

TEST(ExecbenchLoop, AnExecThatFailsIsAnError)
{
    const InterruptGuard interrupt;
    execbench::LoopConfig missing = config(1'000'000'000, 1'000'000'000);
    missing.target = "/nonexistent/execbench-loop";
    try {
        execbench::run_exec_loop(missing, interrupt);
        FAIL() << "no error";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_NE(std::string(error.what()).find("execve /nonexistent/execbench-loop"), std::string::npos)
            << error.what();
    }
    expect_no_children();
}

TEST(ExecbenchLoop, TheLoopProgramRefusesToRunByHand)
{
    const std::string command = std::string(EXECBENCH_LOOP_PATH) + " 2>/dev/null";
    const int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
}
