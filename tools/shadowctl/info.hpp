#pragma once

// `shadowctl info`: the module, the kernel and the CPUs it runs on.

#include <cstdint>
#include <optional>
#include <string>

#include "common/environment.hpp"
#include "common/output.hpp"
#include "shadowslab/abi.hpp"
#include "shadowslab/device.hpp"

namespace shadowctl {

// What INFO returns plus what sysfs says about CPUs (a list is empty if the
// file could not be read, e.g. sysfs is not mounted).
struct InfoReport {
    shadowslab_info info{};
    std::string possible_cpus;
    std::string online_cpus;
    Environment environment;
};

InfoReport collect_info(const shadowslab::Device& device);

// A warning if the module speaks another ABI version than this tool.
std::optional<std::string> abi_mismatch_warning(std::uint32_t module_abi_version);

// Prints that warning on stderr, if there is one.
void warn_on_abi_mismatch(const shadowslab_info& info);

std::string format_info_text(const InfoReport& report);

// Schema shadowslab-info/1 (docs/schema/shadowslab-info-1.json).
Json info_to_json(const InfoReport& report);

}  // namespace shadowctl
