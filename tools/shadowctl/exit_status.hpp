#pragma once

#include <stdexcept>

namespace shadowctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;    // the operation failed
inline constexpr int kExitUsage = 2;      // the command line is wrong
inline constexpr int kExitCancelled = 130;  // 128 + SIGINT, as shells report it

// A command-line mistake only visible once the machine is known (e.g. more
// threads than online CPUs): reported like a parse error, exit status 2.
class UsageError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

}  // namespace shadowctl
