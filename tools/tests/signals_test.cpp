// The first SIGINT or SIGTERM only sets the flag; a second one exits at once.

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "common/signals.hpp"
#include "common/thread.hpp"

using shadowctl::InterruptGuard;

TEST(InterruptGuard, TheFirstSignalOnlySetsTheFlag)
{
    for (const int signal : {SIGINT, SIGTERM}) {
        const InterruptGuard interrupt;
        EXPECT_FALSE(interrupt.triggered());
        std::raise(signal);
        EXPECT_TRUE(interrupt.triggered());
        EXPECT_EQ(interrupt.exit_status(), 128 + signal);
    }
}

TEST(InterruptGuard, ASecondSignalExitsAtOnce)
{
    EXPECT_EXIT(
        {
            const InterruptGuard interrupt;
            std::raise(SIGINT);
            std::raise(SIGINT);
            std::exit(0);
        },
        ::testing::ExitedWithCode(130), "interrupted again: exiting at once");
    EXPECT_EXIT(
        {
            const InterruptGuard interrupt;
            std::raise(SIGINT);
            std::raise(SIGTERM);
            std::exit(0);
        },
        ::testing::ExitedWithCode(143), "interrupted again");
}

TEST(InterruptGuard, ThreadsStartedWithoutSignalsLeaveThemToTheMainThread)
{
    sigset_t seen;
    std::thread thread = shadowctl::start_thread_without_signals([&seen] { pthread_sigmask(SIG_BLOCK, nullptr, &seen); });
    thread.join();
    EXPECT_TRUE(sigismember(&seen, SIGINT));
    EXPECT_TRUE(sigismember(&seen, SIGTERM));
    sigset_t here;
    pthread_sigmask(SIG_BLOCK, nullptr, &here);
    EXPECT_FALSE(sigismember(&here, SIGINT));
}

TEST(InterruptGuard, ThePreviousActionsComeBack)
{
    struct sigaction before {};
    sigaction(SIGTERM, nullptr, &before);
    {
        const InterruptGuard interrupt;
    }
    struct sigaction after {};
    sigaction(SIGTERM, nullptr, &after);
    EXPECT_EQ(after.sa_handler, before.sa_handler);
}
