#pragma once

// What the tests that check shadowctl's command line share: parse argv (the
// program name left out) the way main() does.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/command.hpp"

namespace testcli {

inline void parse(CLI::App& app, std::vector<std::string> args)
{
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector back to front
    app.parse(args);
}

// The whole command line: every registered subcommand and the global
// options.  Returns what parsing left in the invocation.
inline shadowctl::Invocation parse(std::vector<std::string> args)
{
    CLI::App app;
    shadowctl::Invocation invocation;
    shadowctl::build_command_line(app, invocation);
    parse(app, std::move(args));
    return invocation;
}

// One subcommand, added by `add_command(app, invocation, options)` as its
// registration does: returns the options parsing filled.  The first
// argument is the subcommand's name, as on the command line.
template <typename Options, typename AddCommand>
Options parse_command(AddCommand add_command, std::vector<std::string> args)
{
    CLI::App app;
    shadowctl::Invocation invocation;
    auto options = std::make_shared<Options>();
    add_command(app, invocation, options);
    parse(app, std::move(args));
    if (!invocation.action)
        throw std::logic_error("the subcommand's callback set no action");
    return *options;
}

}  // namespace testcli
