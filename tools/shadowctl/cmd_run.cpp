#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "format_run.hpp"
#include "run_driver.hpp"
#include "traced_run.hpp"

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
    // --trace: the tracer's errors (privileges, BTF, symbols) come before the run.
    const std::unique_ptr<shadowslab::tracer::Tracer> tracer = options.run.trace ? start_tracer() : nullptr;
    const SigintGuard sigint;
    const std::string label =
        fmt::format("{} x{}", shadowslab::to_string(request.strategy), request.cpus.size());
    std::optional<RunTraceDocuments> trace;
    shadowslab::RunResult result;
    if (tracer) {
        const TracedRun traced = run_traced(device, request, label, sigint, *tracer);
        result = traced.result;
        trace = run_trace_documents(traced, *tracer, kDefaultTraceTop);
    } else {
        result = run_with_progress(device, request, label, sigint);
    }

    if (options.run.json) {
        Json json = run_to_json(request, result);
        if (trace) {
            json["trace"] = trace_to_json(trace->timed);
            json["trace_whole_run"] = trace_to_json(trace->whole);
        }
        fmt::print("{}\n", json.dump(2));
    } else {
        fmt::print("{}", format_run_text(request, result) + (trace ? format_run_trace_text(*trace, result) : ""));
    }
    return result.cancelled ? kExitCancelled : kExitOk;
}

}  // namespace shadowctl
