#pragma once

// shadowctl's exit statuses, and the text --help gives them.

#include <stdexcept>
#include <string_view>

namespace shadowctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the operation failed
inline constexpr int kExitUsage = 2;    // the command line is wrong
// Interrupted: 128 + the signal, as shells report it (InterruptGuard).

inline constexpr std::string_view kExitStatusHelp =
    "Exit status:\n"
    "  0    success\n"
    "  1    the operation failed (message on stderr)\n"
    "  2    the command line is wrong, or names CPUs this machine lacks\n"
    "  130  interrupted by Ctrl-C (SIGINT): the partial results are printed\n"
    "  143  interrupted by SIGTERM, as Ctrl-C\n"
    "  trace -- CMD exits with CMD's status (126: cannot be run, 127: not found).\n"
    "A second Ctrl-C or SIGTERM exits at once, printing nothing more.";

// A command-line mistake only visible once the machine is known (e.g. more
// threads than online CPUs): reported like a parse error, exit status 2.
class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

}  // namespace shadowctl
