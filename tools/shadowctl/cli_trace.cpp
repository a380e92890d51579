#include "cli_commands.hpp"
#include "cli_helpers.hpp"
#include "shadowslab/run.hpp"

namespace shadowctl::cli {

void add_trace_command(CLI::App& app, Options& options)
{
    TraceOptions& trace = options.trace;
    CLI::App* command = app.add_subcommand(
        "trace",
        "Trace the percpu allocator's locks and allocations, system-wide, with BPF.\n\n"
        "Counts contention on pcpu_alloc_mutex, pcpu_lock and percpu_counters_lock "
        "(lock:contention_begin/end: slow paths only): contentions, wait total/mean/max, a log2 "
        "wait histogram and the waiters' top kernel stacks.  Counts percpu allocations and frees "
        "(percpu:percpu_alloc_percpu/free_percpu) with their bytes, by call site (the first "
        "stack frame outside mm/percpu.c and the percpu_counter wrappers) and by module, so "
        "allocations that never contended show too.\n\n"
        "With a command after --, traces from just before it starts until it exits, and exits "
        "with its status (127 if it cannot be found, 126 if it cannot be run).  Without one, "
        "traces for --duration seconds, or until Ctrl-C.  The trace is system-wide either way: "
        "the command only sets the window.  Needs root (CAP_BPF, CAP_PERFMON, CAP_SYSLOG), "
        "kernel BTF and tracefs; the module need not be loaded.\n\n"
        "\"begins\" counts every contention_begin event (what perf stat or bpftrace see: a mutex "
        "on 6.1 fires one when it starts to spin and another if it then sleeps); "
        "\"contentions\" counts waits, from a task's first begin to its contention_end.");
    command->footer(
        "Examples:\n"
        "  shadowctl trace --duration 5\n"
        "  shadowctl trace --json --top 3 -- shadowctl run --strategy percpu --threads 2 --duration 3\n"
        "  shadowctl trace --lock-symbol cgroup_mutex -- make -j2\n\n"
        "JSON: schema shadowslab-trace/1, documented in tools/shadowctl/format_trace.hpp.");

    add_parsed(
        *command, "--duration",
        [&trace](const std::string& text) {
            trace.duration_ns = shadowslab::parse_seconds(text, "duration");
            if (trace.duration_ns == 0)
                throw std::invalid_argument("must be more than 0");
            if (trace.duration_ns > shadowslab::kMaxRunDurationNs)
                throw std::invalid_argument(
                    fmt::format("at most {} s", shadowslab::kMaxRunDurationNs / 1'000'000'000));
        },
        "Stop tracing after SECONDS (with a command: when it exits or after SECONDS, whichever is first; "
        "the command is not stopped)")
        ->type_name("SECONDS");
    command->add_flag("--json", trace.json, "Print one JSON object (shadowslab-trace/1) instead of text");
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
    command->add_option("-o,--output", trace.output_path, "Write the report to FILE instead of stdout")
        ->type_name("FILE");
    command->add_flag("--alloc-stacks", trace.alloc_stacks,
                      "Take a kernel stack for every allocation (by default only for those whose call_site is "
                      "inside the allocator's wrappers, e.g. percpu_counter_init: the others' call_site is the "
                      "caller already); costs more");
    command->add_flag("--verbose", trace.verbose, "Show libbpf's messages while loading the BPF programs");
    command->add_option("command", trace.command, "The command to run and trace, after --")
        ->type_name("-- CMD [ARGS...]");

    command->callback([&options, &trace] {
        options.command = Command::trace;
        if (trace.no_default_locks && trace.lock_symbols.empty())
            throw CLI::ValidationError("--no-default-locks needs at least one --lock-symbol");
    });
}

}  // namespace shadowctl::cli
