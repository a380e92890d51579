#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "shadowslab/cpu_list.hpp"

using namespace shadowslab;

TEST(CpuList, RangesAndSingles)
{
    EXPECT_EQ(parse_cpu_list("0-3,5"), (CpuList{0, 1, 2, 3, 5}));
    EXPECT_EQ(parse_cpu_list("7"), (CpuList{7}));
    EXPECT_EQ(parse_cpu_list("2-2"), (CpuList{2}));
    EXPECT_EQ(parse_cpu_list("5,1-2"), (CpuList{5, 1, 2}));  // in the order given
    EXPECT_EQ(parse_cpu_list("0x10"), (CpuList{16}));
}

TEST(CpuList, RejectsMalformedLists)
{
    for (const char* text : {"", ",", "1,", ",1", "3-1", "1-", "-1", "1--2", "a", "1-b", "0-3,2", "1,1", "65536",
                             "0-65536", " 1"})
        EXPECT_THROW(parse_cpu_list(text), std::invalid_argument) << "'" << text << "'";
}

TEST(CpuList, ErrorNamesTheProblem)
{
    try {
        parse_cpu_list("0-3,2");
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "CPU 2 listed twice in '0-3,2'");
    }
}

TEST(CpuList, FormatCompressesRuns)
{
    EXPECT_EQ(format_cpu_list({}), "");
    EXPECT_EQ(format_cpu_list({0}), "0");
    EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 5}), "0-3,5");
    EXPECT_EQ(format_cpu_list({0, 2, 4, 5}), "0,2,4-5");
    EXPECT_EQ(format_cpu_list(parse_cpu_list("0-63")), "0-63");
}

TEST(CpuList, FirstCpus)
{
    const CpuList online{0, 2, 3, 8};
    EXPECT_EQ(first_cpus(online, 2), (CpuList{0, 2}));
    EXPECT_EQ(first_cpus(online, 4), online);
    try {
        first_cpus(online, 5);
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "5 threads asked for, but only 4 CPUs are online (0,2-3,8)");
    }
}

TEST(CpuList, ReadsSysfsFormat)
{
    char path[] = "/tmp/shadowslab-cpulist-XXXXXX";
    const int fd = ::mkstemp(path);
    ASSERT_GE(fd, 0);
    ::close(fd);
    std::ofstream(path) << "0-1,4\n";
    EXPECT_EQ(read_cpu_list_file(path), (CpuList{0, 1, 4}));
    std::remove(path);
}

TEST(CpuList, MissingFileKeepsErrno)
{
    try {
        read_cpu_list_file("/nonexistent/shadowslab/online");
        FAIL();
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_STREQ(error.what(), "open /nonexistent/shadowslab/online: No such file or directory");
    }
}
