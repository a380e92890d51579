#pragma once

// --help layout: text wrapped to the terminal, a command list that shows only
// each subcommand's first paragraph (its summary), and option columns without
// CLI11's "Excludes:"/"Needs:" noise (the descriptions say "Or: ..." instead).

#include <cstddef>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace shadowctl {

// Greedy word wrap to `width` columns.  Explicit newlines are kept, and
// lines that start with a space are preformatted and kept as they are.
std::string wrap_text(std::string_view text, std::size_t width);

class HelpFormatter : public CLI::Formatter {
public:
    // `width`: total columns of the help output.
    explicit HelpFormatter(std::size_t width);

    std::string make_description(const CLI::App* app) const override;
    std::string make_subcommand(const CLI::App* sub) const override;
    std::string make_option_opts(const CLI::Option* opt) const override;
    std::string make_option_desc(const CLI::Option* opt) const override;
    std::string make_footer(const CLI::App* app) const override;

private:
    std::size_t width_;
};

// The terminal's width if stdout is one (within 60..120), else 80.
std::size_t help_width();

}  // namespace shadowctl
