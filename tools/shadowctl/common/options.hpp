#pragma once

// The option builders every subcommand is made of.  Values are parsed by
// libshadowslab's strict parsers, and their std::invalid_argument becomes a
// CLI11 usage error that names the option, so parsing alone accepts or
// rejects an invocation (exit status 2) and tests need no device.

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "shadowslab/cpu_list.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/number_parse.hpp"
#include "shadowslab/profile_spec.hpp"
#include "shadowslab/run.hpp"

namespace shadowctl {

// `parse(text)` stores the value wherever it likes and may throw
// std::invalid_argument.
template <typename Parse>
CLI::Option* add_parsed(CLI::App& app, const std::string& name, Parse parse, const std::string& help)
{
    return app.add_option_function<std::string>(
        name,
        [name, parse](const std::string& text) {
            try {
                parse(text);
            } catch (const std::invalid_argument& error) {
                throw CLI::ValidationError(name, error.what());
            }
        },
        help);
}

// An unsigned number in [min, max], decimal or 0x hexadecimal.
template <typename Unsigned>
CLI::Option* add_unsigned(CLI::App& app, const std::string& name, Unsigned& target, std::uint64_t min,
                          std::uint64_t max, const std::string& help)
{
    return add_parsed(
               app, name,
               [&target, min, max](const std::string& text) {
                   const std::uint64_t value = shadowslab::parse_unsigned(text, "value", max);
                   if (value < min)
                       throw std::invalid_argument(fmt::format("must be at least {} (got {})", min, value));
                   target = static_cast<Unsigned>(value);
               },
               help)
        ->type_name("N");
}

// A duration with a unit (500ms, 2s, 1m; a bare number is seconds), at most
// the module's longest run, into `target_ns`; `then` runs after each value.
CLI::Option* add_duration(CLI::App& app, const std::string& name, std::uint64_t& target_ns, const std::string& help,
                          std::function<void()> then = {});

// --threads N | --cpus LIST: where the work runs, one thread or worker per
// CPU.  Neither given: every online CPU, or an error (require_one_of).
struct CpuChoice {
    std::optional<unsigned> threads;  // the first N online CPUs
    std::optional<shadowslab::CpuList> cpus;

    // The CPUs chosen, read against sysfs: --cpus must be online, --threads
    // must fit; with neither, all online CPUs.  UsageError otherwise.
    shadowslab::CpuList resolve() const;
};

// `what` is "thread" or "worker".
void add_cpu_options(CLI::App& app, CpuChoice& choice, const std::string& what, const std::string& default_note);

// Warm-up before timing: fills the ctor strategy's magazines and depot so the
// timed phase measures the steady state; ~10 ms of percpu cycles under TCG.
inline constexpr std::uint64_t kDefaultWarmupCycles = 1000;

// How faithfully a run models the kernel: check_mm() on every release, the
// live set, remote frees, what the shadow cache retains, and the lazy
// strategy's multi-threaded share.  The defaults are the kernel's.
struct ModelOptions {
    bool check = true;
    std::uint32_t live = 1;
    bool remote_free = false;
    bool no_magazines = false;
    shadowslab::Retention retain;
    std::uint32_t mt_fraction_ppm = shadowslab::kDefaultMtFractionPpm;

    // Into what carries them by the same names: a RunRequest, and the
    // CompareMeta that records them.
    template <typename Target>
    void apply(Target& target) const
    {
        target.check = check;
        target.live = live;
        target.remote_free = remote_free;
        target.no_magazines = no_magazines;
        target.retain = retain;
        target.mt_fraction_ppm = mt_fraction_ppm;
    }
};

// The workload of a RUN, all but its strategy and CPUs: what run, compare,
// report and execbench --compare share.
struct WorkloadOptions {
    shadowslab::ProfileSpec profile;
    // Exactly one of cycles (per thread per run) and duration_ns is non-zero.
    std::uint64_t cycles = 0;
    std::uint64_t duration_ns = 0;
    std::uint64_t warmup_cycles = kDefaultWarmupCycles;
    std::uint32_t magazine_size = 0;  // 0: the module's default
    std::uint32_t sample_shift = 0;
    ModelOptions model;

    shadowslab::RunRequest request(shadowslab::Strategy strategy, shadowslab::CpuList cpus) const;
};

// --profile, --object-size and --region, filling `spec`; the subcommand's
// callback must call check_profile().
void add_profile_options(CLI::App& app, shadowslab::ProfileSpec& spec);

// For a subcommand's callback: --region goes with --profile custom only.
void check_profile(const shadowslab::ProfileSpec& spec);

// --profile, --object-size, --region, --cycles | --duration, --warmup,
// --magazine-size and --sample-shift into `workload`; `duration_note` ends
// --duration's help (e.g. its default).  The subcommand's callback must
// call check_workload().
void add_workload_options(CLI::App& app, WorkloadOptions& workload, const std::string& duration_note);

// --check/--no-check, --live, --remote-free, --no-magazines, --retain and
// --mt-fraction into `model` (run and compare).
void add_model_options(CLI::App& app, ModelOptions& model);

// For a subcommand's callback: regions fit the profile, and (unless the
// workload has a default length) one of --cycles and --duration was given.
void check_workload(const CLI::App& app, const WorkloadOptions& workload, bool length_required);

// For a subcommand's callback: one of two options (already declared
// mutually exclusive) must have been given.
void require_one_of(const CLI::App& app, const std::string& first, const std::string& second);

}  // namespace shadowctl
