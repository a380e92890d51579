// shadowctl trace: see the subcommand's --help below.

#include "trace/trace.hpp"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <limits>
#include <thread>

#include <fmt/format.h>

#include "common/exit_status.hpp"
#include "common/options.hpp"
#include "common/signals.hpp"
#include "shadowslab/tracer/child.hpp"
#include "trace/document.hpp"
#include "trace/traced_run.hpp"

namespace shadowctl {

namespace {

constexpr SubcommandHelp kHelp{
    "trace",
    "Trace the percpu allocator's locks and allocations, system-wide, with BPF.\n\n"
    "Counts contention on pcpu_alloc_mutex, pcpu_lock and percpu_counters_lock "
    "(lock:contention_begin/end: slow paths only): contentions, wait total/mean/max, a log2 "
    "wait histogram and the waiters' top kernel stacks (sampled past each CPU's first waits on a lock: "
    "see --wait-stack-period).  Counts percpu allocations and frees "
    "(percpu:percpu_alloc_percpu/free_percpu) with their bytes, by call site (the first "
    "stack frame outside mm/percpu.c and the percpu_counter wrappers) and by module, so "
    "allocations that never contended show too.\n\n"
    "With a command after --, traces from just before it starts until it exits, and exits "
    "with its status (127 if it cannot be found, 126 if it cannot be run).  Without one, "
    "traces for --duration, or until Ctrl-C.  The trace is system-wide either way: "
    "the command only sets the window.  Needs root (CAP_BPF, CAP_PERFMON, CAP_SYSLOG), "
    "kernel BTF (5.19 or later, for the lock tracepoints); the module need not be loaded.\n\n"
    "-p and --cgroup keep only the events of one process, or of the tasks in a cgroup and below "
    "it, as perf lock contention's do: an event is the task's that runs it (the waiter, the "
    "allocating or freeing task); a free whose allocation was filtered out counts as unmatched.  "
    "--folded writes the lock waits' stacks in the folded format of Brendan Gregg's flamegraph.pl "
    "(\"LOCK;outermost;...;innermost WAIT_NS\", one line per distinct stack).\n\n"
    "\"begins\" counts every contention_begin event (what perf stat or bpftrace see: a mutex "
    "on 6.1 fires one when it starts to spin and another if it then sleeps); "
    "\"contentions\" counts waits, from a task's first begin to its contention_end.",
    "Examples:\n"
    "  shadowctl trace --duration 5s\n"
    "  shadowctl trace --json --top 3 -- shadowctl run --strategy percpu --threads 2 --duration 3s\n"
    "  shadowctl trace --lock-symbol cgroup_mutex -- make -j2\n"
    "  shadowctl trace -p 1234 --duration 10s\n"
    "  shadowctl trace --cgroup /sys/fs/cgroup/system.slice --folded waits.folded --duration 10s\n"
    "  flamegraph.pl --countname ns waits.folded > waits.svg\n\n"
    "Ctrl-C ends a trace without a command (exit status 0).",
    "trace", 1};

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

int trace_command(const Invocation& invocation, const TraceOptions& trace)
{
    tr::TracerOptions tracer_options;
    tracer_options.extra_locks = trace.lock_symbols;
    tracer_options.default_locks = !trace.no_default_locks;
    tracer_options.verbose = trace.verbose;
    tracer_options.alloc_stacks = trace.alloc_stacks;
    tracer_options.free_sizes = trace.free_sizes;
    tracer_options.wait_stacks = trace.wait_stacks;
    tracer_options.pid = trace.pid;
    tracer_options.cgroup_path = trace.cgroup_path;

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
    const InterruptGuard interrupt;
    EnvironmentRecorder environment;
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
        while (!interrupt.triggered() && Clock::now() < deadline)
            nap(deadline);
        document.window.kind = interrupt.triggered() ? "interrupted" : "duration";
    }
    document.window.traced_ns = since(start);
    const tr::TraceSnapshot snapshot = tracer->snapshot();
    document.report = tr::build_report(snapshot, tr::kAllSegments, tracer->symbols(), trace.top);
    if (!trace.folded_path.empty()) {
        // Every stack, not just the top ones shown.
        TraceDocument every_stack = document;
        every_stack.report = tr::build_report(snapshot, tr::kAllSegments, tracer->symbols(), 0);
        write_output(trace.folded_path, format_folded(every_stack));
    }
    tracer.reset();  // detached: a command still running is no longer traced

    if (child) {
        if (!status) {
            fmt::print(stderr, "shadowctl: --duration is over: tracing stopped; waiting for pid {} to exit\n",
                       child->pid());
            status = child->wait();
        }
        document.command = TraceCommandInfo{trace.command, child->pid(), *status};
    }
    document.environment = environment.finish({});
    emit(invocation.output,
         format_trace_text(document) + "\n" + format_environment(*document.environment) +
             format_warnings(document.environment->warnings),
         trace_to_json(document), document.environment->warnings);
    return status ? status->shell_status() : kExitOk;
}

}  // namespace

void add_trace_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<TraceOptions> options)
{
    TraceOptions& trace = *options;
    CLI::App* command = add_subcommand(parent, kHelp);

    add_duration(*command, "--duration", trace.duration_ns,
                 "Stop tracing after TIME, e.g. 5s (with a command: when it exits or after TIME, whichever is "
                 "first; the command is not stopped)");
    add_unsigned(*command, "--top", trace.top, 0, 1000, "Stacks and call sites to show of each kind, 0 for all")
        ->default_str(std::to_string(kDefaultTraceTop));
    command
        ->add_option("--lock-symbol", trace.lock_symbols,
                     "Also trace this lock: a kernel variable NAME, MODULE:NAME for a module's, or 0xADDRESS; "
                     "repeat for more (at most 16 locks in all)")
        ->type_name("NAME")
        ->allow_extra_args(false);
    command->add_flag("--no-default-locks", trace.no_default_locks,
                      "Trace only the --lock-symbol locks, not pcpu_alloc_mutex, pcpu_lock and "
                      "percpu_counters_lock");
    command->add_flag("--alloc-stacks", trace.alloc_stacks,
                      "Take a kernel stack for every allocation (by default only for those whose call_site is "
                      "inside the allocator's wrappers, e.g. percpu_counter_init: the others' call_site is the "
                      "caller already); costs more");
    command->add_flag("--free-sizes", trace.free_sizes,
                      "Size each free from its allocation, when the allocation was traced (by default frees are "
                      "counted without bytes: keeping every live allocation in a hash costs about as much as "
                      "the rest of the allocator tracing)");
    add_unsigned(*command, "--wait-stack-period", trace.wait_stacks.period, 1, tr::kMaxWaitStackPeriod,
                 "Take the waiter's kernel stack of 1 contended wait in N, at random, once a CPU is past its "
                 "--wait-stacks-first waits on the lock; each counts N times, so the stacks' waits and times are "
                 "estimates, while the locks' counts, times and histograms count every wait.  1 takes every "
                 "stack: under TCG a stack cost more than the rest of a wait's tracing together")
        ->type_name("N")
        ->default_str(std::to_string(tr::kDefaultWaitStackSampling.period));
    add_unsigned(*command, "--wait-stacks-first", trace.wait_stacks.always_first, 0, tr::kMaxWaitStacksFirst,
                 "Take the stack of every one of each CPU's first N waits on a lock (more exactly, of its first N "
                 "lock:contention_begin events), so that a lightly contended lock loses none, before sampling")
        ->type_name("N")
        ->default_str(std::to_string(tr::kDefaultWaitStackSampling.always_first));
    add_unsigned(*command, "-p,--pid", trace.pid, 1, std::numeric_limits<int>::max(),
                 "Only this process's events (its threads' waits, allocations and frees)")
        ->type_name("PID");
    command
        ->add_option("--cgroup", trace.cgroup_path,
                     "Only the events of tasks in this cgroup v2 directory or below it, e.g. "
                     "/sys/fs/cgroup/system.slice")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
    command->add_option("--folded", trace.folded_path,
                        "Also write the lock waits' stacks to FILE, folded for flamegraph.pl (wait time in ns)")
        ->type_name("FILE");
    command->add_flag("--verbose", trace.verbose, "Show libbpf's messages while loading the BPF programs");
    command->add_option("command", trace.command, "The command to run and trace, after --")
        ->type_name("-- CMD [ARGS...]");

    on_parse<TraceOptions>(*command, invocation, options, trace_command, [](TraceOptions& trace) {
        if (trace.no_default_locks && trace.lock_symbols.empty())
            throw CLI::ValidationError("--no-default-locks needs at least one --lock-symbol");
        if (trace.pid && kill(trace.pid, 0) != 0 && errno == ESRCH)
            throw CLI::ValidationError(fmt::format("-p {}: no such process", trace.pid));
    });
}

namespace {

const SubcommandRegistration registration{"trace", add_trace_command};

}  // namespace

}  // namespace shadowctl
