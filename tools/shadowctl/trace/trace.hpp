#pragma once

// `shadowctl trace`: the percpu allocator's locks and allocations,
// system-wide, for a duration or while a command runs.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/command.hpp"
#include "shadowslab/tracer/trace_data.hpp"

namespace shadowctl {

// Stacks and call sites shown per lock and per kind by default.
inline constexpr unsigned kDefaultTraceTop = 5;

struct TraceOptions {
    std::uint64_t duration_ns = 0;          // 0: until CMD exits, or Ctrl-C
    unsigned top = kDefaultTraceTop;        // 0: all
    std::vector<std::string> lock_symbols;  // --lock-symbol, in order
    bool no_default_locks = false;
    bool verbose = false;                   // libbpf's messages
    bool alloc_stacks = false;              // a stack for every allocation
    bool free_sizes = false;                // size frees from their allocations
    shadowslab::tracer::WaitStackSampling wait_stacks = shadowslab::tracer::kDefaultWaitStackSampling;
    int pid = 0;                            // -p: only this process; 0: all
    std::string cgroup_path;                // --cgroup: only tasks under it
    std::string folded_path;                // --folded FILE; "": none
    std::vector<std::string> command;       // after --; empty: none
};

// Adds the subcommand to `parent`; parsing it fills `options` and sets the
// invocation's action.
void add_trace_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<TraceOptions> options);

}  // namespace shadowctl
