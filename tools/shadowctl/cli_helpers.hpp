#pragma once

// Building blocks shared by the subcommand builders.  Every value is parsed
// by libshadowslab's strict parsers, and their std::invalid_argument becomes
// a CLI11 usage error that names the option.

#include <cstdint>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "shadowslab/number_parse.hpp"
#include "shadowslab/profile_spec.hpp"

namespace shadowctl::cli {

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

// --profile, --object-size and --region, filling `spec`.
void add_profile_options(CLI::App& app, shadowslab::ProfileSpec& spec);

// --cycles N | --duration SECONDS, mutually exclusive.
// `duration_note` ends --duration's help, e.g. to state a default.
void add_length_options(CLI::App& app, std::uint64_t& cycles, std::uint64_t& duration_ns,
                        const std::string& duration_note);

// --warmup, --magazine-size, --sample-shift.
void add_workload_tuning(CLI::App& app, std::uint64_t& warmup_cycles, std::uint32_t& magazine_size,
                         std::uint32_t& sample_shift);

// For a subcommand's callback: regions must fit the profile.
void check_profile(const shadowslab::ProfileSpec& spec);

// For a subcommand's callback: one of two options (already declared
// mutually exclusive) must have been given.
void require_one_of(const CLI::App& app, const std::string& first, const std::string& second);

}  // namespace shadowctl::cli
