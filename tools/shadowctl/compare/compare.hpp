#pragma once

// `shadowctl compare`: every strategy at every thread count, in alternating
// rounds, and what each costs next to the others.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/command.hpp"
#include "common/options.hpp"
#include "common/signals.hpp"
#include "compare/compare_output.hpp"
#include "shadowslab/compare.hpp"
#include "shadowslab/device.hpp"

namespace shadowctl {

// Default compare length: 7 strategies x 2 thread counts x 3 rounds of 0.5 s
// keeps `make demo` (TCG: ~10 us per percpu cycle) about a minute.
inline constexpr std::uint64_t kDefaultCompareDurationNs = 500'000'000;
inline constexpr unsigned kDefaultCompareRounds = 3;

struct CompareOptions {
    static WorkloadOptions default_workload()
    {
        WorkloadOptions workload;
        workload.duration_ns = kDefaultCompareDurationNs;
        return workload;
    }

    std::vector<shadowslab::Strategy> strategies{shadowslab::all_strategies().begin(),
                                                 shadowslab::all_strategies().end()};
    std::vector<unsigned> thread_counts{1, 2};
    WorkloadOptions workload = default_workload();
    unsigned rounds = kDefaultCompareRounds;
    std::string csv_path;   // "-" = stdout, instead of the text
    std::string plot_path;  // .svg or .png
    bool trace = false;     // --trace: under the percpu lock tracer
};

// Adds the subcommand to `parent`; parsing it fills `options` and sets the
// invocation's action.
void add_compare_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<CompareOptions> options);

// Runs the schedule on `device` (the measuring part of compare, which
// report shares); stops early, marking the report cancelled, when
// `interrupt` triggers.
CompareOutcome run_compare(const shadowslab::Device& device, const CompareOptions& options,
                           const InterruptGuard& interrupt);

}  // namespace shadowctl
