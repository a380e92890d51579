// shadowctl run: see the subcommand's --help below.

#include "run.hpp"

#include <fmt/format.h>

#include "common/environment.hpp"
#include "common/exit_status.hpp"
#include "common/run_driver.hpp"
#include "common/signals.hpp"
#include "common/table.hpp"
#include "info.hpp"
#include "trace/trace.hpp"
#include "trace/traced_run.hpp"
#include "shadowslab/compare.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "run",
    "Run one timed workload and print its results.\n\n"
    "On each chosen CPU a pinned kthread, charging your memory cgroup as exec does, repeats an "
    "mm_struct-like cycle: get an object, initialise and touch its percpu counters, release the "
    "oldest it holds (check_mm(), then free).  The strategy decides where the object's percpu "
    "memory comes from:\n"
    "  percpu  today's kernel: percpu alloc and free every cycle, each taking\n"
    "          the global pcpu_alloc_mutex\n"
    "  ctor    the RFC: objects from the shadow cache keep the percpu memory\n"
    "          their constructor allocated\n"
    "  slab    no percpu memory at all: the floor\n"
    "  cache   the shadow cache without percpu memory: ctor's floor\n"
    "  stash   a per-CPU stash of percpu regions, refilled and drained in\n"
    "          batches (Lameter, Heo)\n"
    "  merged  one percpu allocation per object for all its regions (Desnoyers)\n"
    "  lazy    rss counters atomic until the object goes multi-threaded\n"
    "          (Peng Zhang's atomic mode, Krisman's lazy counters)\n\n"
    "Prints per-thread and total cycles, cycles/s, ns/cycle p50/p99, percpu allocations and "
    "frees per cycle (timed phase and warm-up), ctor and dtor calls and time per cycle, the "
    "percpu memory the strategy keeps when idle, the memcg charged and check failures, and where "
    "it ran (see shadowctl info).  Ctrl-C cancels the run and prints the partial results (exit "
    "status 130).",
    "Example: shadowctl run --strategy percpu --threads 2 --duration 3s --live 64 --remote-free\n\n"
    "With --trace the document gains trace (the timed phase) and trace_whole_run, each a "
    "shadowslab-trace/1 document.",
    "run", 1};

std::uint64_t warmup_cycles_run(const shadowslab::RunRequest& request, const shadowslab::RunResult& result)
{
    return request.warmup_cycles * result.threads.size();
}

std::string run_length(const shadowslab::RunRequest& request)
{
    return request.cycles ? fmt::format("{} cycles per thread", request.cycles)
                          : fmt::format("{} per thread", duration(request.duration_ns));
}

int run_command(const Invocation& invocation, const RunOptions& options)
{
    const shadowslab::Device device(invocation.device_path);
    warn_on_abi_mismatch(device.info());
    const shadowslab::RunRequest request = options.workload.request(options.strategy, options.cpus.resolve());
    // --trace: the tracer's errors (privileges, BTF, symbols) come before the run.
    const std::unique_ptr<shadowslab::tracer::Tracer> tracer = options.trace ? start_tracer() : nullptr;
    const InterruptGuard interrupt;
    EnvironmentRecorder recorder;
    const std::string label = fmt::format("{} x{}", shadowslab::to_string(request.strategy), request.cpus.size());
    std::optional<RunTraceDocuments> trace;
    shadowslab::RunResult result;
    if (tracer) {
        const TracedRun traced = run_traced(device, request, label, interrupt, *tracer);
        result = traced.result;
        trace = run_trace_documents(traced, *tracer, kDefaultTraceTop);
    } else {
        result = run_with_progress(device, request, label, interrupt);
    }

    const Environment environment = recorder.finish(request.cpus);
    const Json document = run_document(request, result, environment, trace ? &*trace : nullptr);
    std::string text = format_run_text(request, result) + "\n" + format_environment(environment) +
                       format_warnings(environment.warnings);
    if (trace)
        text += format_run_trace_text(*trace, result);
    emit(invocation.output, text, document, environment.warnings);
    return result.cancelled ? interrupt.exit_status() : kExitOk;
}

}  // namespace

void add_run_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<RunOptions> options)
{
    RunOptions& run = *options;
    CLI::App* command = add_subcommand(parent, kHelp);

    add_parsed(
        *command, "--strategy",
        [&run](const std::string& text) { run.strategy = shadowslab::parse_strategy(text); },
        "percpu, ctor, slab, cache, stash, merged or lazy (see above)")
        ->type_name("STRATEGY")
        ->required();
    add_cpu_options(*command, run.cpus, "thread", "");
    add_workload_options(*command, run.workload, "");
    add_model_options(*command, run.workload.model);
    command->add_flag("--trace", run.trace,
                      "Trace the percpu allocator's locks and allocations with BPF while it runs (as "
                      "`shadowctl trace`; root): contentions per lock, waits, stacks and percpu allocs/frees "
                      "by call site, for the timed phase and the whole run");

    on_parse<RunOptions>(*command, invocation, options, run_command, [command](RunOptions& run) {
        require_one_of(*command, "--threads", "--cpus");
        check_workload(*command, run.workload, true);
    });
}

namespace {

const SubcommandRegistration registration{"run", add_run_command};

}  // namespace

std::string describe_model(const shadowslab::RunRequest& request)
{
    std::string text = fmt::format("live {}, {} frees, check_mm {}", request.live,
                                   request.remote_free ? "remote" : "local", request.check ? "on" : "off");
    if (request.strategy == shadowslab::Strategy::ctor || request.strategy == shadowslab::Strategy::cache)
        text += fmt::format(", {}, retain {}", request.no_magazines ? "no magazines" : "magazines",
                            shadowslab::to_string(request.retain));
    if (request.strategy == shadowslab::Strategy::lazy)
        text += fmt::format(", multi-threaded share {}", static_cast<double>(request.mt_fraction_ppm) / shadowslab::kPpm);
    return text;
}

std::string describe_memcg(std::uint64_t memcg_ino)
{
    return memcg_ino ? fmt::format("cgroup inode {}", memcg_ino)
                     : "none (the root cgroup, or kernel memory not charged)";
}

std::string format_run_text(const shadowslab::RunRequest& request, const shadowslab::RunResult& result)
{
    using shadowslab::per_cycle;
    std::string text = fmt::format(
        "strategy {}, profile {}, {} thread{} on CPU{} {}, {}, warm-up {} cycles per thread\n",
        shadowslab::to_string(request.strategy), shadowslab::describe(request.profile), request.cpus.size(),
        request.cpus.size() == 1 ? "" : "s", request.cpus.size() == 1 ? "" : "s",
        shadowslab::format_cpu_list(request.cpus), run_length(request),
        request.warmup_cycles);
    text += describe_model(request) + "\n";
    text += fmt::format("status: {}\n\n", result.cancelled ? "CANCELLED (partial results)" : "completed");

    using Align = TextTable::Align;
    TextTable table({{"thread", Align::right},
                     {"cpu", Align::right},
                     {"cycles", Align::right},
                     {"elapsed", Align::right},
                     {"cycles/s", Align::right},
                     {"ns/cycle p50", Align::right},
                     {"p99", Align::right},
                     {"check failures", Align::right}});
    for (std::size_t i = 0; i < result.threads.size(); ++i) {
        const shadowslab::ThreadResult& thread = result.threads[i];
        table.add_row({fmt::format("{}", i), fmt::format("{}{}", thread.cpu, thread.moved ? " (moved)" : ""),
                       fmt::format("{}", thread.cycles), duration(thread.elapsed_ns), fmt::format("{:.0f}", thread.cycles_per_second()),
                       fixed(thread.histogram.percentile(50), 0), fixed(thread.histogram.percentile(99), 0),
                       fmt::format("{}", thread.check_failures)});
    }
    const shadowslab::Histogram merged = result.merged_histogram();
    table.add_row({"total", "", fmt::format("{}", result.total_cycles), duration(result.elapsed_ns),
                   fmt::format("{:.0f}", result.cycles_per_second()), fixed(merged.percentile(50), 0),
                   fixed(merged.percentile(99), 0), fmt::format("{}", result.check_failures)});
    text += table.render();
    for (std::size_t i = 0; i < result.threads.size(); ++i)
        if (result.threads[i].moved)
            text += fmt::format("thread {} moved: CPU {} went offline during the run, so its figures mix CPUs\n", i,
                                result.threads[i].cpu);

    const std::uint64_t warmup_cycles = warmup_cycles_run(request, result);
    text += fmt::format("\npercpu per cycle, timed    {:.3f} allocs, {:.3f} frees ({} allocs, {} frees)\n",
                        per_cycle(result.percpu_allocs, result.total_cycles),
                        per_cycle(result.percpu_frees, result.total_cycles), result.percpu_allocs,
                        result.percpu_frees);
    text += fmt::format("percpu per cycle, warm-up  {:.3f} allocs, {:.3f} frees ({} allocs, {} frees)\n",
                        per_cycle(result.warmup_percpu_allocs, warmup_cycles),
                        per_cycle(result.warmup_percpu_frees, warmup_cycles), result.warmup_percpu_allocs,
                        result.warmup_percpu_frees);
    text += fmt::format("ctor per cycle, timed      {:.3f} calls, {:.0f} ns ({} calls)\n",
                        per_cycle(result.ctor_calls, result.total_cycles),
                        per_cycle(result.ctor_ns, result.total_cycles), result.ctor_calls);
    text += fmt::format("dtor per cycle, timed      {:.3f} calls, {:.0f} ns ({} calls)\n",
                        per_cycle(result.dtor_calls, result.total_cycles),
                        per_cycle(result.dtor_ns, result.total_cycles), result.dtor_calls);
    if (request.remote_free)
        text += fmt::format("remote frees               {} ({:.3f} per cycle)\n", result.remote_frees,
                            per_cycle(result.remote_frees, result.total_cycles));
    if (request.strategy == shadowslab::Strategy::lazy)
        text += fmt::format("went multi-threaded        {} cycles ({:.3f})\n", result.mt_upgrades,
                            per_cycle(result.mt_upgrades, result.total_cycles));
    text += fmt::format("percpu kept when idle      {:.1f} KiB\n",
                        static_cast<double>(result.retained_percpu_bytes) / 1024.0);
    text += fmt::format("memcg charged              {}: {}\n", describe_memcg(result.memcg_ino),
                        shadowslab::memcg_charged(request.strategy, result.memcg_ino));
    text += fmt::format("check failures             {}\n",
                        request.check ? fmt::format("{}", result.check_failures) : "not checked (--no-check)");
    return text;
}

Json run_document(const shadowslab::RunRequest& request, const shadowslab::RunResult& result,
                  const Environment& environment, const RunTraceDocuments* trace)
{
    Json document = run_to_json(request, result);
    document["environment"] = environment_to_json(environment);
    if (trace) {
        document["trace"] = trace_to_json(trace->timed);
        document["trace_whole_run"] = trace_to_json(trace->whole);
    }
    return document;
}

Json run_to_json(const shadowslab::RunRequest& request, const shadowslab::RunResult& result)
{
    using shadowslab::per_cycle;
    Json threads = Json::array();
    for (const shadowslab::ThreadResult& thread : result.threads)
        threads.push_back({
            {"cpu", thread.cpu},
            {"moved", thread.moved},
            {"cycles", thread.cycles},
            {"elapsed_ns", thread.elapsed_ns},
            {"cycles_per_sec", thread.cycles_per_second()},
            {"ns_per_cycle_p50", json_or_null(thread.histogram.percentile(50))},
            {"ns_per_cycle_p99", json_or_null(thread.histogram.percentile(99))},
            {"samples", thread.samples},
            {"check_failures", thread.check_failures},
            {"hist", thread.histogram.buckets()},
        });
    const shadowslab::Histogram merged = result.merged_histogram();
    const std::uint64_t warmup_cycles = warmup_cycles_run(request, result);
    return {
        {"schema", schema_name("run", 1)},
        {"status", result.cancelled ? "cancelled" : "completed"},
        {"request",
         {
             {"strategy", shadowslab::to_string(request.strategy)},
             {"profile", profile_to_json(request.profile)},
             {"cpus", request.cpus},
             {"cycles", request.cycles},
             {"duration_ns", request.duration_ns},
             {"warmup_cycles", request.warmup_cycles},
             {"check", request.check},
             {"magazine_size", request.magazine_size},
             {"sample_shift", request.sample_shift},
             {"live", request.live},
             {"remote_free", request.remote_free},
             {"no_magazines", request.no_magazines},
             {"retain", shadowslab::to_string(request.retain)},
             {"mt_fraction", static_cast<double>(request.mt_fraction_ppm) / shadowslab::kPpm},
         }},
        {"elapsed_ns", result.elapsed_ns},
        {"total_cycles", result.total_cycles},
        {"cycles_per_sec", result.cycles_per_second()},
        {"ns_per_cycle_p50", json_or_null(merged.percentile(50))},
        {"ns_per_cycle_p99", json_or_null(merged.percentile(99))},
        {"samples", merged.total()},
        {"percpu_allocs", result.percpu_allocs},
        {"percpu_frees", result.percpu_frees},
        {"percpu_allocs_per_cycle", per_cycle(result.percpu_allocs, result.total_cycles)},
        {"percpu_frees_per_cycle", per_cycle(result.percpu_frees, result.total_cycles)},
        {"warmup_percpu_allocs", result.warmup_percpu_allocs},
        {"warmup_percpu_frees", result.warmup_percpu_frees},
        {"warmup_percpu_allocs_per_cycle", per_cycle(result.warmup_percpu_allocs, warmup_cycles)},
        {"warmup_percpu_frees_per_cycle", per_cycle(result.warmup_percpu_frees, warmup_cycles)},
        {"ctor_calls", result.ctor_calls},
        {"ctor_ns", result.ctor_ns},
        {"dtor_calls", result.dtor_calls},
        {"dtor_ns", result.dtor_ns},
        {"ctor_calls_per_cycle", per_cycle(result.ctor_calls, result.total_cycles)},
        {"dtor_calls_per_cycle", per_cycle(result.dtor_calls, result.total_cycles)},
        {"ctor_ns_per_cycle", per_cycle(result.ctor_ns, result.total_cycles)},
        {"dtor_ns_per_cycle", per_cycle(result.dtor_ns, result.total_cycles)},
        {"remote_frees", result.remote_frees},
        {"mt_upgrades", result.mt_upgrades},
        {"retained_percpu_kb", static_cast<double>(result.retained_percpu_bytes) / 1024.0},
        {"memcg_ino", result.memcg_ino},
        {"memcg_charged", shadowslab::memcg_charged(request.strategy, result.memcg_ino)},
        {"check_failures", result.check_failures},
        {"threads", threads},
    };
}

}  // namespace shadowctl
