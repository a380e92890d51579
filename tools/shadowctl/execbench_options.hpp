#pragma once

// What `shadowctl execbench` takes on its command line (see cli_execbench.cpp).

#include <cstdint>
#include <optional>
#include <string>

#include "shadowslab/cpu_list.hpp"

namespace shadowctl {

namespace execbench {

inline constexpr std::uint64_t kDefaultDurationNs = 5'000'000'000;
inline constexpr std::uint64_t kDefaultIntervalNs = 1'000'000'000;
inline constexpr std::uint64_t kMinIntervalNs = 10'000'000;  // 0.01 s

}  // namespace execbench

struct ExecbenchOptions {
    // At most one of threads (the first N online CPUs) and cpus is set;
    // neither: every online CPU.
    std::optional<unsigned> threads;
    std::optional<shadowslab::CpuList> cpus;
    std::uint64_t duration_ns = execbench::kDefaultDurationNs;
    std::uint64_t interval_ns = execbench::kDefaultIntervalNs;
    std::string target;     // empty: execbench-loop next to shadowctl
    std::string json_path;  // empty: text; "-": JSON on stdout instead of text
    bool quiet = false;     // no interval lines
    bool compare = false;   // then run the module's percpu and slab strategies
    bool trace = false;     // under the percpu lock tracer (format_execbench_trace.hpp)
};

}  // namespace shadowctl
