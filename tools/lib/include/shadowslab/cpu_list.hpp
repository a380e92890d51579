#pragma once

// CPU lists in the kernel's cpulist format ("0-3,5"), as sysfs prints them
// and as --cpus takes them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shadowslab {

using CpuList = std::vector<std::uint32_t>;

inline constexpr const char* kOnlineCpusPath = "/sys/devices/system/cpu/online";
inline constexpr const char* kPossibleCpusPath = "/sys/devices/system/cpu/possible";

// Far above any NR_CPUS; bounds what a typo like "0-4000000000" can allocate.
inline constexpr std::uint32_t kMaxCpuId = 65535;

// Items are CPU ids or inclusive ranges A-B, in the order given; an empty
// list, empty items, reversed ranges and repeated CPUs are rejected with
// std::invalid_argument.
CpuList parse_cpu_list(std::string_view text);

// The inverse of parse_cpu_list for a sorted list: runs become ranges.
std::string format_cpu_list(const CpuList& cpus);

// Reads a sysfs cpulist file; throws OperationError if it cannot be read.
CpuList read_cpu_list_file(const std::string& path);

// The first `count` CPUs of `online`, for --threads N; std::invalid_argument
// if fewer are online.
CpuList first_cpus(const CpuList& online, std::size_t count);

}  // namespace shadowslab
