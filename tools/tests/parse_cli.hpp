#pragma once

// What the tests that check shadowctl's command line share: parse argv (the
// command name left out) the way main() does, and return the options.

#include <algorithm>
#include <string>
#include <vector>

#include "cli.hpp"

namespace testcli {

inline shadowctl::Options parse(std::vector<std::string> args)
{
    CLI::App app;
    shadowctl::Options options;
    shadowctl::build_cli(app, options);
    std::reverse(args.begin(), args.end());  // CLI11 takes a vector back to front
    app.parse(args);
    return options;
}

}  // namespace testcli
