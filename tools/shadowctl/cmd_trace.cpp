#include <chrono>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "exit_status.hpp"
#include "format_trace.hpp"
#include "output.hpp"
#include "sigint.hpp"
#include "traced_run.hpp"
#include "shadowslab/tracer/child.hpp"

namespace shadowctl {

namespace {

namespace tr = shadowslab::tracer;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPoll{20};

std::uint64_t since(Clock::time_point start)
{
    return static_cast<std::uint64_t>(std::chrono::nanoseconds(Clock::now() - start).count());
}

// Sleeps a poll interval or until `deadline`, whichever is sooner; a
// signal (Ctrl-C) cuts it short.
void nap(Clock::time_point deadline)
{
    const Clock::duration left = deadline - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, kPoll));
}

}  // namespace

int command_trace(const Options& options)
{
    const TraceOptions& trace = options.trace;
    tr::TracerOptions tracer_options;
    tracer_options.extra_locks = trace.lock_symbols;
    tracer_options.default_locks = !trace.no_default_locks;
    tracer_options.verbose = trace.verbose;
    tracer_options.alloc_stacks = trace.alloc_stacks;

    // A command that cannot start fails before any tracing.
    if (!trace.command.empty()) {
        try {
            tr::check_command(trace.command.front());
        } catch (const tr::CommandStartError& error) {
            fmt::print(stderr, "shadowctl: {}\n", error.what());
            return error.shell_status();
        }
    }

    TraceDocument document;
    document.kernel_release = kernel_release();
    if (trace.duration_ns)
        document.window.requested_duration_ns = trace.duration_ns;
    std::unique_ptr<tr::Tracer> tracer = start_tracer(tracer_options);
    document.warnings = tracer->warnings();

    // Ctrl-C ends a trace without a command; with one, the command (in the
    // same process group) gets it too, and the trace ends when it exits.
    const SigintGuard sigint;
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline =
        trace.duration_ns ? start + std::chrono::nanoseconds(trace.duration_ns) : Clock::time_point::max();
    std::unique_ptr<tr::ChildProcess> child;
    std::optional<tr::ExitStatus> status;
    if (!trace.command.empty()) {
        try {
            child = std::make_unique<tr::ChildProcess>(trace.command);
        } catch (const tr::CommandStartError& error) {
            fmt::print(stderr, "shadowctl: {}\n", error.what());
            return error.shell_status();
        }
        if (!trace.duration_ns) {
            status = child->wait();
        } else {
            while (!(status = child->try_wait()) && Clock::now() < deadline)
                nap(deadline);
        }
        document.window.kind = status ? "command" : "duration";
    } else {
        while (!sigint.triggered() && Clock::now() < deadline)
            nap(deadline);
        document.window.kind = sigint.triggered() ? "interrupted" : "duration";
    }
    document.window.traced_ns = since(start);
    const tr::TraceSnapshot snapshot = tracer->snapshot();
    document.report = tr::build_report(snapshot, tr::kAllSegments, tracer->symbols(), trace.top);
    tracer.reset();  // detached: a command still running is no longer traced

    if (child) {
        if (!status) {
            fmt::print(stderr, "shadowctl: --duration is over: tracing stopped; waiting for pid {} to exit\n",
                       child->pid());
            status = child->wait();
        }
        document.command = TraceCommandInfo{trace.command, child->pid(), *status};
    }
    const std::string text =
        trace.json ? trace_to_json(document).dump(2) + "\n" : format_trace_text(document);
    write_output(trace.output_path.empty() ? "-" : trace.output_path, text);
    return status ? status->shell_status() : kExitOk;
}

}  // namespace shadowctl
