#pragma once

// One function per subcommand: each opens the device, does its work, prints
// its output and returns the exit status.  Errors are thrown (see main.cpp).

#include "cli.hpp"

namespace shadowctl {

int command_info(const Options& options);
int command_cache_create(const Options& options);
int command_cache_alloc(const Options& options);
int command_cache_free(const Options& options);
int command_cache_shrink(const Options& options);
int command_cache_destroy(const Options& options);
int command_cache_stats(const Options& options);
int command_cache_list(const Options& options);
int command_cache_fault(const Options& options);
int command_run(const Options& options);
int command_compare(const Options& options);
int command_execbench(const Options& options);
int command_trace(const Options& options);

// Prints a warning on stderr if the module speaks another ABI version.
void warn_on_abi_mismatch(const shadowslab_info& info);

// Calls the function for options.command.
int dispatch(const Options& options);

}  // namespace shadowctl
