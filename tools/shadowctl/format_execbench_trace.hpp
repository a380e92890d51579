#pragma once

// `shadowctl execbench --trace`: what the running kernel's own exec path did
// to the percpu allocator while the exec loop ran.  The tracer is system-wide,
// so the figures are the whole machine's during the loop; on an otherwise
// idle box that is the exec path's.
//
// Text: one line per exec (percpu allocations and frees per exec, contention
// begins on pcpu_alloc_mutex per exec), then the full trace report.
// JSON: the execbench document gains
//   trace: a shadowslab-trace/1 object (window kind "exec_loop"), and
//   trace_per_exec: {execs, percpu_allocs, percpu_frees,
//                    pcpu_alloc_mutex_contentions}: each per exec, null
//                    without execs.

#include <cstdint>
#include <optional>
#include <string>

#include "format_trace.hpp"
#include "format_util.hpp"

namespace shadowctl {

struct ExecTracePerExec {
    std::uint64_t execs = 0;
    std::optional<double> percpu_allocs;
    std::optional<double> percpu_frees;
    std::optional<double> pcpu_alloc_mutex_contentions;  // nullopt also if the lock was not traced
};

ExecTracePerExec exec_trace_per_exec(const TraceDocument& document, std::uint64_t execs);

std::string format_exec_trace(const TraceDocument& document, std::uint64_t execs);

// Adds the keys trace and trace_per_exec to an execbench document.
void add_exec_trace_json(Json& execbench_document, const TraceDocument& document, std::uint64_t execs);

}  // namespace shadowctl
