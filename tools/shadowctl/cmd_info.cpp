#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "format_info.hpp"
#include "shadowslab/cpu_list.hpp"

namespace shadowctl {

namespace {

// sysfs may be missing (e.g. in a bare chroot); INFO's counts still stand.
std::string cpu_list_or_empty(const char* path)
{
    try {
        return shadowslab::format_cpu_list(shadowslab::read_cpu_list_file(path));
    } catch (const std::exception&) {
        return {};
    }
}

}  // namespace

void warn_on_abi_mismatch(const shadowslab_info& info)
{
    if (const auto warning = abi_mismatch_warning(info.abi_version))
        fmt::print(stderr, "shadowctl: warning: {}\n", *warning);
}

int command_info(const Options& options)
{
    const shadowslab::Device device(options.device_path);
    InfoReport report;
    report.info = device.info();
    report.possible_cpus = cpu_list_or_empty(shadowslab::kPossibleCpusPath);
    report.online_cpus = cpu_list_or_empty(shadowslab::kOnlineCpusPath);

    warn_on_abi_mismatch(report.info);
    if (options.info.json)
        fmt::print("{}\n", info_to_json(report).dump(2));
    else
        fmt::print("{}", format_info_text(report));
    return kExitOk;
}

}  // namespace shadowctl
