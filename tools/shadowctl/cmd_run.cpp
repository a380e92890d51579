#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "format_run.hpp"
#include "run_driver.hpp"

namespace shadowctl {

namespace {

shadowslab::RunRequest make_request(const RunOptions& run)
{
    shadowslab::RunRequest request;
    request.strategy = run.strategy;
    request.profile = run.profile;
    if (run.cpus) {
        check_cpus_online(*run.cpus);
        request.cpus = *run.cpus;
    } else {
        request.cpus = cpus_for_threads(read_online_cpus(), *run.threads);
    }
    request.cycles = run.cycles;
    request.duration_ns = run.duration_ns;
    request.warmup_cycles = run.warmup_cycles;
    request.check = run.check;
    request.magazine_size = run.magazine_size;
    request.sample_shift = run.sample_shift;
    return request;
}

}  // namespace

int command_run(const Options& options)
{
    const shadowslab::Device device(options.device_path);
    warn_on_abi_mismatch(device.info());
    const shadowslab::RunRequest request = make_request(options.run);
    const SigintGuard sigint;
    const std::string label =
        fmt::format("{} x{}", shadowslab::to_string(request.strategy), request.cpus.size());
    const shadowslab::RunResult result = run_with_progress(device, request, label, sigint);

    if (options.run.json)
        fmt::print("{}\n", run_to_json(request, result).dump(2));
    else
        fmt::print("{}", format_run_text(request, result));
    return result.cancelled ? kExitCancelled : kExitOk;
}

}  // namespace shadowctl
