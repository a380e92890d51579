#include <stdexcept>

#include "commands.hpp"

namespace shadowctl {

int dispatch(const Options& options)
{
    switch (options.command) {
    case Command::info:
        return command_info(options);
    case Command::cache_create:
        return command_cache_create(options);
    case Command::cache_alloc:
        return command_cache_alloc(options);
    case Command::cache_free:
        return command_cache_free(options);
    case Command::cache_shrink:
        return command_cache_shrink(options);
    case Command::cache_destroy:
        return command_cache_destroy(options);
    case Command::cache_stats:
        return command_cache_stats(options);
    case Command::cache_list:
        return command_cache_list(options);
    case Command::cache_fault:
        return command_cache_fault(options);
    case Command::run:
        return command_run(options);
    case Command::compare:
        return command_compare(options);
    case Command::execbench:
        return command_execbench(options);
    case Command::trace:
        return command_trace(options);
    }
    throw std::logic_error("dispatch: a subcommand without a command function");
}

}  // namespace shadowctl
