#include "cli_commands.hpp"
#include "cli_helpers.hpp"

namespace shadowctl::cli {

void add_run_command(CLI::App& app, Options& options)
{
    RunOptions& run = options.run;
    CLI::App* command = app.add_subcommand(
        "run",
        "Run one timed workload and print its results.\n\n"
        "On each chosen CPU a pinned kthread repeats an mm_struct-like "
        "cycle: allocate an object, initialise and touch its percpu counters, free it.  The "
        "strategy decides where the object's percpu memory comes from:\n"
        "  percpu  today's kernel: percpu alloc and free every cycle, each taking\n"
        "          the global pcpu_alloc_mutex\n"
        "  ctor    the shadow cache: objects keep the percpu memory their\n"
        "          constructor allocated\n"
        "  slab    no percpu memory at all: the floor\n\n"
        "Prints per-thread and total cycles, cycles/s, ns/cycle p50/p99, percpu allocations and "
        "frees per cycle (timed phase and warm-up) and check failures.  Ctrl-C cancels the run "
        "and prints the partial results (exit status 130).");
    command->footer(
        "Example: shadowctl run --strategy percpu --threads 2 --duration 3 --check");

    add_parsed(
        *command, "--strategy",
        [&run](const std::string& text) { run.strategy = shadowslab::parse_strategy(text); },
        "percpu, ctor or slab (see above)")
        ->type_name("STRATEGY")
        ->required();
    add_profile_options(*command, run.profile);

    CLI::Option* threads = add_parsed(
        *command, "--threads",
        [&run](const std::string& text) {
            const auto count = shadowslab::parse_unsigned(text, "thread count", shadowslab::kMaxCpuId + 1);
            if (count == 0)
                throw std::invalid_argument("at least one thread is needed");
            run.threads = static_cast<unsigned>(count);
        },
        "Number of threads, pinned to the first N online CPUs");
    threads->type_name("N");
    CLI::Option* cpus = add_parsed(
        *command, "--cpus", [&run](const std::string& text) { run.cpus = shadowslab::parse_cpu_list(text); },
        "Or: the CPUs to run on, one thread each, as a cpulist (e.g. 0-3,5); they must be online");
    cpus->type_name("LIST");
    threads->excludes(cpus);

    add_length_options(*command, run.cycles, run.duration_ns, "");
    add_workload_tuning(*command, run.warmup_cycles, run.magazine_size, run.sample_shift);
    command->add_flag("--check", run.check,
                      "Verify at release that every object's percpu counters sum to zero, as "
                      "check_mm() does; failures are counted");
    command->add_flag("--json", run.json, "Print one JSON object instead of text");
    command->add_flag("--trace", run.trace,
                      "Trace the percpu allocator's locks and allocations with BPF while it runs (as "
                      "`shadowctl trace`; root): contentions per lock, waits, stacks and percpu allocs/frees "
                      "by call site, for the timed phase and the whole run (JSON: keys trace, trace_whole_run)");

    command->callback([&options, command, &run] {
        options.command = Command::run;
        require_one_of(*command, "--threads", "--cpus");
        require_one_of(*command, "--cycles", "--duration");
        check_profile(run.profile);
    });
}

}  // namespace shadowctl::cli
