#pragma once

// The module's ioctl ABI as this tool sees it.  The static_asserts prove our
// compiler lays every struct out at the size the header publishes: the module
// reads _IOC_SIZE(cmd) bytes, so a silent mismatch would make it zero-extend
// or reject (-E2BIG) our arguments instead of failing the build.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "shadowslab.h"

static_assert(sizeof(shadowslab_info) == SHADOWSLAB_INFO_SIZE_VER1);
static_assert(sizeof(shadowslab_cache_create) == SHADOWSLAB_CACHE_CREATE_SIZE_VER0);
static_assert(sizeof(shadowslab_cache_destroy) == SHADOWSLAB_CACHE_DESTROY_SIZE_VER0);
static_assert(sizeof(shadowslab_cache_objs) == SHADOWSLAB_CACHE_OBJS_SIZE_VER0);
static_assert(sizeof(shadowslab_cache_shrink) == SHADOWSLAB_CACHE_SHRINK_SIZE_VER0);
static_assert(sizeof(shadowslab_cache_stats) == SHADOWSLAB_CACHE_STATS_SIZE_VER1);
static_assert(sizeof(shadowslab_cache_list) == SHADOWSLAB_CACHE_LIST_SIZE_VER0);
static_assert(sizeof(shadowslab_cache_fault) == SHADOWSLAB_CACHE_FAULT_SIZE_VER1);
static_assert(sizeof(shadowslab_thread_result) == SHADOWSLAB_THREAD_RESULT_SIZE_VER0);
static_assert(sizeof(shadowslab_run) == SHADOWSLAB_RUN_SIZE_VER1);
static_assert(sizeof(shadowslab_run_progress) == SHADOWSLAB_RUN_PROGRESS_SIZE_VER0);

// cpus_ptr and ids_ptr point at __u32 arrays that we fill from std::uint32_t.
static_assert(sizeof(__u32) == sizeof(std::uint32_t));

namespace shadowslab {

// Reads a char array the module promises to NUL-terminate, without relying
// on that promise.
template <std::size_t N>
std::string fixed_string(const char (&chars)[N])
{
    return std::string(chars, ::strnlen(chars, N));
}

}  // namespace shadowslab
