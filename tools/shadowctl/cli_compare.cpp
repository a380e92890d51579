#include <algorithm>

#include "cli_commands.hpp"
#include "cli_helpers.hpp"
#include "plot.hpp"

namespace shadowctl::cli {

void add_compare_command(CLI::App& app, Options& options)
{
    CompareOptions& compare = options.compare;
    CLI::App* command = app.add_subcommand(
        "compare",
        "Run every strategy at every thread count and compare them.\n\n"
        "Each round runs all "
        "strategies at each thread count, alternating them and rotating which goes first, so "
        "drift of the machine falls on all alike; rounds are then summed (cycles, time and "
        "histograms).  The table gives, per strategy and thread count: cycles/s over all threads, "
        "ns/cycle p50 and p99, speedup over percpu at the same thread count, cost relative to the "
        "slab floor (x times the floor's cost per cycle) and percpu allocations per timed cycle.  "
        "Under it: ctor_over_slab_1t (target <= 1.25), ctor_scaling_2t (target >= 1.7), "
        "percpu_scaling_2t and ctor_percpu_allocs_per_cycle (target 0).  Ctrl-C stops after "
        "printing what was measured so far (exit status 130).");
    command->footer(
        "Examples:\n"
        "  shadowctl compare --plot scaling.svg\n"
        "  shadowctl compare --threads-list 1,2,4 --rounds 5 --csv - > result.csv\n\n"
        "JSON (schema shadowslab-compare/1) has the keys meta, rows, ratios and targets_met.  "
        "Its rows and the CSV lines carry the same keys: strategy, threads, runs, cycles, "
        "elapsed_ns, cycles_per_sec, ns_per_cycle_mean, ns_per_cycle_p50, ns_per_cycle_p99, "
        "samples, speedup_over_percpu, cost_over_slab, percpu_allocs_per_cycle, "
        "percpu_frees_per_cycle, warmup_percpu_allocs_per_cycle.  The table goes to stderr "
        "when --json or --csv writes to stdout.");

    add_parsed(
        *command, "--strategies",
        [&compare](const std::string& text) { compare.strategies = shadowslab::parse_strategy_list(text); },
        "Comma-separated strategies to compare")
        ->type_name("LIST")
        ->default_str("percpu,ctor,slab");
    add_parsed(
        *command, "--threads-list",
        [&compare](const std::string& text) {
            compare.thread_counts = shadowslab::parse_count_list(text, "thread count", shadowslab::kMaxCpuId + 1);
            std::sort(compare.thread_counts.begin(), compare.thread_counts.end());
        },
        "Comma-separated thread counts; each runs on the first N online CPUs")
        ->type_name("LIST")
        ->default_str("1,2");
    add_profile_options(*command, compare.profile);
    add_length_options(*command, compare.cycles, compare.duration_ns, " (default: 1 per run)");
    add_workload_tuning(*command, compare.warmup_cycles, compare.magazine_size, compare.sample_shift);
    add_unsigned(*command, "--rounds", compare.rounds, 1, 1000, "How many times to run every combination")
        ->default_str(std::to_string(compare.rounds));
    command->add_option("--json", compare.json_path, "Also write the result as JSON to FILE (- for stdout)")
        ->type_name("FILE");
    command->add_option("--csv", compare.csv_path, "Also write the table as CSV to FILE (- for stdout)")
        ->type_name("FILE");
    add_parsed(
        *command, "--plot",
        [&compare](const std::string& path) {
            plot_format_for(path);
            compare.plot_path = path;
        },
        "Draw throughput against threads, one line per strategy, with gnuplot into FILE.svg or FILE.png")
        ->type_name("FILE");
    command->add_flag("--trace", compare.trace,
                      "Trace the percpu allocator's locks and allocations with BPF (as `shadowctl trace`; "
                      "root): each row gains, for its timed phases, contentions and wait per lock and the "
                      "percpu allocs/frees the tracer saw (JSON/CSV keys trace_*)");

    command->callback([&options, &compare] {
        options.command = Command::compare;
        check_profile(compare.profile);
        if (compare.json_path == "-" && compare.csv_path == "-")
            throw CLI::ValidationError("--json and --csv cannot both write to stdout");
    });
}

}  // namespace shadowctl::cli
