#include "cli_helpers.hpp"

#include "shadowslab/names.hpp"
#include "shadowslab/run.hpp"

namespace shadowctl::cli {

void add_profile_options(CLI::App& app, shadowslab::ProfileSpec& spec)
{
    add_parsed(
        app, "--profile", [&spec](const std::string& text) { spec.profile = shadowslab::parse_profile(text); },
        "The object type and the percpu memory it owns:\n"
        "  mm-6.6     rss_stat block + mm_cid (6.6+)\n"
        "  mm-6.4     4 rss_stat counters + mm_cid\n"
        "  mm-6.2     4 rss_stat counters\n"
        "  tc_action  a tc action's 3 stats regions\n"
        "  custom     the --region list")
        ->type_name("PROFILE")
        ->default_str("mm-6.6");
    add_unsigned(app, "--object-size", spec.object_size, 0, UINT32_MAX,
                 "Object size in bytes (default: the profile's, e.g. sizeof(struct mm_struct))");
    app.add_option_function<std::vector<std::string>>(
           "--region",
           [&spec](const std::vector<std::string>& texts) {
               for (const std::string& text : texts) {
                   try {
                       spec.regions.push_back(shadowslab::parse_region(text));
                   } catch (const std::invalid_argument& error) {
                       throw CLI::ValidationError("--region", error.what());
                   }
               }
           },
           "With --profile custom: a percpu region the constructor allocates, SIZE bytes per CPU "
           "(1..32768) aligned to ALIGN (power of two, default natural); repeat for up to 8 regions")
        ->type_name("SIZE[:ALIGN]");
}

void add_length_options(CLI::App& app, std::uint64_t& cycles, std::uint64_t& duration_ns,
                        const std::string& duration_note)
{
    // Whichever is given switches the other off, which also overrides a
    // default length.
    CLI::Option* cycles_option = add_parsed(
        app, "--cycles",
        [&cycles, &duration_ns](const std::string& text) {
            cycles = shadowslab::parse_unsigned(text, "cycles", shadowslab::kMaxRunCycles);
            if (cycles == 0)
                throw std::invalid_argument("must be at least 1");
            duration_ns = 0;
        },
        "Timed alloc/free cycles per thread");
    cycles_option->type_name("N");
    CLI::Option* duration_option = add_parsed(
        app, "--duration",
        [&cycles, &duration_ns](const std::string& text) {
            duration_ns = shadowslab::parse_seconds(text, "duration");
            if (duration_ns > shadowslab::kMaxRunDurationNs)
                throw std::invalid_argument(
                    fmt::format("at most {} s", shadowslab::kMaxRunDurationNs / 1'000'000'000));
            cycles = 0;
        },
        "Or: length of the timed phase in seconds, e.g. 0.5" + duration_note);
    duration_option->type_name("SECONDS");
    cycles_option->excludes(duration_option);
}

void add_workload_tuning(CLI::App& app, std::uint64_t& warmup_cycles, std::uint32_t& magazine_size,
                         std::uint32_t& sample_shift)
{
    add_unsigned(app, "--warmup", warmup_cycles, 0, shadowslab::kMaxRunCycles,
                 "Untimed cycles per thread before timing starts, so the ctor strategy's magazines "
                 "and depot are filled and the timed phase sees the steady state")
        ->default_str(std::to_string(warmup_cycles));
    add_unsigned(app, "--magazine-size", magazine_size, 1, SHADOWSLAB_MAGAZINE_SIZE_MAX,
                 "ctor strategy: objects per magazine, 1..255 (default: the module's)");
    add_unsigned(app, "--sample-shift", sample_shift, 0, shadowslab::kMaxRunSampleShift,
                 "Time one cycle in 2^K for the ns/cycle histogram (0..16, default 0: every cycle); "
                 "a larger K lowers the clock-read overhead inside the timed loop")
        ->type_name("K");
}

void check_profile(const shadowslab::ProfileSpec& spec)
{
    try {
        shadowslab::validate(spec);
    } catch (const std::invalid_argument& error) {
        throw CLI::ValidationError(error.what());
    }
}

void require_one_of(const CLI::App& app, const std::string& first, const std::string& second)
{
    if (app.count(first) == 0 && app.count(second) == 0)
        throw CLI::RequiredError(fmt::format("{}: one of {} or {}", app.get_name(), first, second));
}

}  // namespace shadowctl::cli
