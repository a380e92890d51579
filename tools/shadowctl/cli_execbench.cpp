#include <algorithm>

#include <fmt/format.h>

#include "cli_commands.hpp"
#include "cli_helpers.hpp"
#include "execbench.hpp"
#include "format_util.hpp"

namespace shadowctl::cli {

namespace {

// --duration and --interval: seconds, parsed strictly.
std::uint64_t parse_execbench_seconds(const std::string& text, const char* what)
{
    const std::uint64_t ns = shadowslab::parse_seconds(text, what);
    if (ns > shadowslab::kMaxRunDurationNs)
        throw std::invalid_argument(fmt::format("at most {} s", shadowslab::kMaxRunDurationNs / 1'000'000'000));
    return ns;
}

}  // namespace

void add_execbench_command(CLI::App& app, Options& options)
{
    ExecbenchOptions& bench = options.execbench;
    CLI::App* command = app.add_subcommand(
        "execbench",
        "Measure exec() throughput on this kernel, as the RFC did with doexec.c.\n\n"
        "One worker process per chosen CPU, pinned to it, exec()s a small static program "
        "(execbench-loop, built next to shadowctl) that counts itself in shared memory and execs "
        "itself again: exec -> exec -> exec.  Prints ops/s (execs per second) every interval, then the "
        "total: execs, ops/s overall and per CPU.  Every exec builds a new mm_struct, whose percpu "
        "memory (6.2+) is what the module's strategies model.\n\n"
        "With --compare (needs the module: /dev/shadowslab) it then runs the module's percpu and slab "
        "strategies on the same CPUs for the same time, with the profile that matches the running "
        "kernel (6.6+: mm-6.6, 6.4-6.5: mm-6.4, 6.2-6.3: mm-6.2; before 6.2 the mm_struct owns no "
        "percpu memory and the slab strategy is the match), and estimates what share of one exec's "
        "cost the percpu allocations are: (percpu ns/cycle - slab ns/cycle) / (ns per exec per CPU).\n\n"
        "Ctrl-C stops the workers and prints what was measured so far (exit status 130).  No worker, "
        "zombie or shared-memory file outlives the command.");
    command->footer(
        "Examples:\n"
        "  shadowctl execbench\n"
        "  shadowctl execbench --threads 1 --duration 10 --quiet\n"
        "  shadowctl execbench --cpus 0-3 --compare --json result.json\n"
        "  shadowctl execbench --duration 10 --trace\n\n"
        "JSON (schema shadowslab-execbench/1) has the keys schema, status, kernel_release, target, cpus, "
        "duration_ns, interval_ns, elapsed_ns, total_ops, ops_per_sec, ops_per_sec_per_cpu, "
        "ns_per_op_per_cpu, per_cpu [{cpu, ops, ops_per_sec}], intervals [{end_ns, elapsed_ns, ops, "
        "ops_per_sec, per_cpu_ops}], comparison (null, or {status, kernel_release, mm_has_percpu, "
        "profile, matching_strategy, note, cpus, duration_ns, exec_ops_per_sec, exec_ops_per_sec_per_cpu, "
        "exec_ns_per_op_per_cpu, percpu, slab, percpu_share_of_exec_estimate}) and comparison_note; with "
        "--trace also trace (shadowslab-trace/1) and trace_per_exec {execs, percpu_allocs, percpu_frees, "
        "pcpu_alloc_mutex_contentions}.");

    CLI::Option* threads = add_parsed(
        *command, "--threads",
        [&bench](const std::string& text) {
            const auto count = shadowslab::parse_unsigned(text, "worker count", shadowslab::kMaxCpuId + 1);
            if (count == 0)
                throw std::invalid_argument("at least one worker is needed");
            bench.threads = static_cast<unsigned>(count);
        },
        "Number of workers, pinned to the first N online CPUs (default: one per online CPU)");
    threads->type_name("N");
    CLI::Option* cpus = add_parsed(
        *command, "--cpus", [&bench](const std::string& text) { bench.cpus = shadowslab::parse_cpu_list(text); },
        "Or: the CPUs to run on, one worker each, as a cpulist (e.g. 0-3,5); they must be online");
    cpus->type_name("LIST");
    threads->excludes(cpus);

    add_parsed(
        *command, "--duration",
        [&bench](const std::string& text) { bench.duration_ns = parse_execbench_seconds(text, "duration"); },
        "Seconds to exec for, e.g. 2.5; with --compare also each strategy's run")
        ->type_name("SECONDS")
        ->default_str("5");
    add_parsed(
        *command, "--interval",
        [&bench](const std::string& text) {
            bench.interval_ns = parse_execbench_seconds(text, "interval");
            if (bench.interval_ns < execbench::kMinIntervalNs)
                throw std::invalid_argument("at least 0.01 s");
        },
        "Seconds between the ops/s lines (at most --duration; the default shrinks to it)")
        ->type_name("SECONDS")
        ->default_str("1");
    command->add_option("--target", bench.target,
                        "The exec loop program (default: execbench-loop next to shadowctl, or in "
                        "../libexec/shadowslab)")
        ->type_name("PATH");
    command->add_option("--json", bench.json_path,
                        "Print one JSON object instead of text; with FILE, write it there and print the "
                        "text as well")
        ->type_name("[FILE]")
        ->expected(0, 1)
        ->default_str("-");
    command->add_flag("--quiet,-q", bench.quiet, "No ops/s line per interval, only the total");
    command->add_flag("--compare", bench.compare,
                      "Then run the module's percpu and slab strategies and compare (needs /dev/shadowslab)");
    command->add_flag("--trace", bench.trace,
                      "Run the exec loop under the percpu lock tracer (as `shadowctl trace`; root): what this "
                      "kernel's own exec path does to pcpu_alloc_mutex, pcpu_lock, percpu_counters_lock and the "
                      "percpu allocator, per exec and in full (JSON: keys trace, trace_per_exec).  The trace is "
                      "system-wide; --compare's runs are not traced");

    command->callback([&options, &bench, command] {
        options.command = Command::execbench;
        // The default interval shrinks to a shorter run; one asked for must fit.
        if (command->count("--interval") == 0)
            bench.interval_ns = std::min(bench.interval_ns, bench.duration_ns);
        if (bench.interval_ns > bench.duration_ns)
            throw CLI::ValidationError("--interval",
                                       fmt::format("{} is longer than --duration {}", duration(bench.interval_ns),
                                                   duration(bench.duration_ns)));
    });
}

}  // namespace shadowctl::cli
