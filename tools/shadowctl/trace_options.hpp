#pragma once

// The options of `shadowctl trace` (see cli_trace.cpp).

#include <cstdint>
#include <string>
#include <vector>

namespace shadowctl {

// Stacks and call sites shown per lock and per kind by default.
inline constexpr unsigned kDefaultTraceTop = 5;

struct TraceOptions {
    std::uint64_t duration_ns = 0;           // 0: until CMD exits, or Ctrl-C
    bool json = false;
    unsigned top = kDefaultTraceTop;         // 0: all
    std::vector<std::string> lock_symbols;   // --lock-symbol, in order
    bool no_default_locks = false;
    std::string output_path;                 // "" or "-": stdout
    bool verbose = false;                    // libbpf's messages
    bool alloc_stacks = false;               // a stack for every allocation
    std::vector<std::string> command;        // after --; empty: none
};

}  // namespace shadowctl
