#include "run_driver.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include <fmt/format.h>

#include "exit_status.hpp"
#include "progress.hpp"
#include "shadowslab/error.hpp"

namespace shadowctl {

shadowslab::CpuList read_online_cpus()
{
    try {
        return shadowslab::read_cpu_list_file(shadowslab::kOnlineCpusPath);
    } catch (const std::system_error& error) {
        throw shadowslab::OperationError(error.code().value(),
                                         std::string("read online CPUs from ") + shadowslab::kOnlineCpusPath,
                                         "is sysfs mounted? Otherwise name the CPUs with --cpus");
    }
}

shadowslab::CpuList cpus_for_threads(const shadowslab::CpuList& online, unsigned threads)
{
    try {
        return shadowslab::first_cpus(online, threads);
    } catch (const std::invalid_argument& error) {
        throw UsageError(error.what());
    }
}

void check_cpus_online(const shadowslab::CpuList& cpus)
{
    shadowslab::CpuList online;
    try {
        online = shadowslab::read_cpu_list_file(shadowslab::kOnlineCpusPath);
    } catch (const std::exception&) {
        return;
    }
    for (const std::uint32_t cpu : cpus)
        if (std::find(online.begin(), online.end(), cpu) == online.end())
            throw UsageError(fmt::format("--cpus: CPU {} is not online (online: {})", cpu,
                                         shadowslab::format_cpu_list(online)));
}

shadowslab::RunResult run_with_progress(const shadowslab::Device& device, const shadowslab::RunRequest& request,
                                        const std::string& label, const SigintGuard& sigint)
{
    shadowslab::RunResult cancelled_before_start;
    cancelled_before_start.cancelled = true;
    if (sigint.triggered())
        return cancelled_before_start;
    try {
        const ProgressLine progress(device, label);
        return device.run(request);
    } catch (const std::system_error& error) {
        if (error.code().value() == EINTR && sigint.triggered())
            return cancelled_before_start;
        throw;
    }
}

}  // namespace shadowctl
