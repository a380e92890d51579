#include "common/help.hpp"

#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "common/progress.hpp"

namespace shadowctl {

namespace {

constexpr std::size_t kNameColumn = 30;
constexpr std::size_t kMinDescriptionWidth = 30;

std::string wrap_line(std::string_view line, std::size_t width)
{
    std::string out;
    std::size_t column = 0;
    std::istringstream words{std::string(line)};
    for (std::string word; words >> word;) {
        if (column > 0 && column + 1 + word.size() > width) {
            out += '\n';
            column = 0;
        } else if (column > 0) {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
    }
    return out;
}

}  // namespace

std::string wrap_text(std::string_view text, std::size_t width)
{
    std::string out;
    for (;;) {
        const std::size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end);
        out += !line.empty() && line.front() == ' ' ? std::string(line) : wrap_line(line, width);
        if (end == std::string_view::npos)
            return out;
        out += '\n';
        text.remove_prefix(end + 1);
    }
}

HelpFormatter::HelpFormatter(std::size_t width) : width_(width)
{
    column_width(kNameColumn);
}

std::string HelpFormatter::make_description(const CLI::App* app) const
{
    const std::string description = app->get_description();
    return description.empty() ? std::string() : wrap_text(description, width_) + "\n\n";
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const
{
    const std::string description = sub->get_description();
    const std::string summary = description.substr(0, description.find("\n\n"));
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_display_name(true),
                             wrap_text(summary, std::max(kMinDescriptionWidth, width_ - kNameColumn)),
                             kNameColumn);
    return out.str();
}

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const
{
    std::string out;
    if (opt->get_type_size() == 0)
        return out;
    if (!opt->get_type_name().empty())
        out += " " + opt->get_type_name();
    if (!opt->get_default_str().empty())
        out += "=" + opt->get_default_str();
    if (opt->get_expected_max() == CLI::detail::expected_max_vector_size)
        out += " ...";
    if (opt->get_required())
        out += " (required)";
    return out;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const
{
    return wrap_text(opt->get_description(), std::max(kMinDescriptionWidth, width_ - kNameColumn));
}

std::string HelpFormatter::make_footer(const CLI::App* app) const
{
    const std::string footer = app->get_footer();
    return footer.empty() ? std::string() : wrap_text(footer, width_) + "\n";
}

std::size_t help_width()
{
    return std::clamp<std::size_t>(terminal_width(STDOUT_FILENO), 60, 120);
}

}  // namespace shadowctl
