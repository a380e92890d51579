#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "shadowslab/tracer/child.hpp"

using namespace shadowslab::tracer;

TEST(TraceChild, ExitStatusIsTheCommands)
{
    ChildProcess child({"sh", "-c", "exit 3"});
    EXPECT_GT(child.pid(), 0);
    const ExitStatus status = child.wait();
    EXPECT_TRUE(status.exited);
    EXPECT_EQ(status.code, 3);
    EXPECT_EQ(status.shell_status(), 3);
    EXPECT_EQ(status.describe(), "exited with status 3");
    EXPECT_EQ(child.wait().code, 3);  // waiting again gives the same
}

TEST(TraceChild, KilledBySignal)
{
    ChildProcess child({"sh", "-c", "kill -KILL $$"});
    const ExitStatus status = child.wait();
    EXPECT_FALSE(status.exited);
    EXPECT_EQ(status.signal, SIGKILL);
    EXPECT_EQ(status.shell_status(), 128 + SIGKILL);
    EXPECT_EQ(status.describe(), "killed by signal 9 (SIGKILL)");
}

TEST(TraceChild, TryWait)
{
    ChildProcess child({"sleep", "0.2"});
    EXPECT_FALSE(child.try_wait());
    EXPECT_EQ(child.wait().shell_status(), 0);
    ASSERT_TRUE(child.try_wait());
}

TEST(TraceChild, MissingCommandIs127)
{
    try {
        ChildProcess child({"/nonexistent/command", "arg"});
        FAIL();
    } catch (const CommandStartError& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_EQ(error.shell_status(), 127);
        EXPECT_EQ(std::string(error.what()),
                  "cannot run '/nonexistent/command': No such file or directory (not found, or not in PATH)");
    }
    EXPECT_THROW(ChildProcess({"no-such-command-in-path-xyz"}), CommandStartError);
}

TEST(TraceChild, UnrunnableCommandIs126)
{
    char path[] = "/tmp/shadowslab-tracer-test-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    close(fd);  // mode 0600: not executable
    try {
        ChildProcess child({path});
        FAIL();
    } catch (const CommandStartError& error) {
        EXPECT_EQ(error.code().value(), EACCES);
        EXPECT_EQ(error.shell_status(), 126);
    }
    std::remove(path);
}
