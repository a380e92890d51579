#pragma once

// The subcommand builders build_cli() is made of.

#include <CLI/CLI.hpp>

#include "cli.hpp"

namespace shadowctl::cli {

void add_cache_commands(CLI::App& app, Options& options);
void add_run_command(CLI::App& app, Options& options);
void add_compare_command(CLI::App& app, Options& options);
void add_execbench_command(CLI::App& app, Options& options);
void add_trace_command(CLI::App& app, Options& options);

}  // namespace shadowctl::cli
