#pragma once

// `shadowctl info` output.

#include <optional>
#include <string>

#include "format_util.hpp"
#include "shadowslab/abi.hpp"

namespace shadowctl {

// What INFO returns plus what sysfs says about CPUs (a list is empty if the
// file could not be read, e.g. sysfs is not mounted).
struct InfoReport {
    shadowslab_info info{};
    std::string possible_cpus;
    std::string online_cpus;
};

// A warning if the module speaks another ABI version than this tool.
std::optional<std::string> abi_mismatch_warning(std::uint32_t module_abi_version);

std::string format_info_text(const InfoReport& report);

// Keys: abi_version, tool_abi_version, abi_match, module_version,
// kernel_release, nr_cpu_ids, nr_possible_cpus, nr_online_cpus,
// possible_cpus, online_cpus (cpulist strings or null), mm_struct_size,
// percpu_allocs, percpu_frees (by the module since load), features (names),
// features_raw.
Json info_to_json(const InfoReport& report);

}  // namespace shadowctl
