#include <gtest/gtest.h>

#include <cerrno>

#include "shadowslab/device.hpp"
#include "shadowslab/error.hpp"

using namespace shadowslab;

TEST(Device, MissingDeviceSuggestsLoadingTheModule)
{
    try {
        Device device("/nonexistent/shadowslab");
        FAIL() << "opened a missing device";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code().value(), ENOENT);
        EXPECT_STREQ(error.what(),
                     "open /nonexistent/shadowslab: No such file or directory; "
                     "is the module loaded? (insmod kmod/shadowslab.ko)");
    }
}

TEST(Device, IoctlErrorsNameTheCommandAndKeepErrno)
{
    // /dev/null opens fine but knows no ioctl: the same ENOTTY a module
    // without this command would give.
    const Device device("/dev/null");
    try {
        device.info();
        FAIL() << "INFO succeeded on /dev/null";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code().value(), ENOTTY);
        EXPECT_EQ(std::string(error.what()).rfind("INFO: Inappropriate ioctl for device; ", 0), 0u) << error.what();
    }
    try {
        device.cache_destroy(1);
        FAIL();
    } catch (const std::system_error& error) {
        EXPECT_EQ(std::string(error.what()).rfind("CACHE_DESTROY: ", 0), 0u) << error.what();
    }
}

TEST(Device, CacheNamesMustFit)
{
    const Device device("/dev/null");
    CacheConfig config;
    config.name = std::string(SHADOWSLAB_NAME_LEN, 'x');
    EXPECT_THROW(device.cache_create(config), std::invalid_argument);
}

TEST(OperationError, MessageAndHint)
{
    const OperationError plain(EBUSY, "CACHE_CREATE");
    EXPECT_STREQ(plain.what(), "CACHE_CREATE: Device or resource busy");
    EXPECT_EQ(plain.code(), std::errc::device_or_resource_busy);
    const OperationError hinted(EPERM, "RUN", "needs CAP_SYS_ADMIN (run as root)");
    EXPECT_STREQ(hinted.what(), "RUN: Operation not permitted; needs CAP_SYS_ADMIN (run as root)");
}

TEST(DestroyResult, Balance)
{
    EXPECT_TRUE((DestroyResult{10, 2, 8}.balanced()));
    EXPECT_FALSE((DestroyResult{10, 2, 7}.balanced()));
    EXPECT_TRUE(DestroyResult{}.balanced());
}
