// execbench --trace: the trace of the exec loop, per exec and in full.

#include "execbench/execbench.hpp"

#include <fmt/format.h>

namespace shadowctl {

namespace {

constexpr std::string_view kAllocMutex = "pcpu_alloc_mutex";

std::optional<double> per(std::uint64_t count, std::uint64_t execs)
{
    if (execs == 0)
        return std::nullopt;
    return static_cast<double>(count) / static_cast<double>(execs);
}

std::string per_text(const std::optional<double>& value)
{
    return value ? fmt::format("{:.3f}", *value) : "-";
}

Json per_json(const std::optional<double>& value)
{
    return value ? Json(*value) : Json(nullptr);
}

}  // namespace

ExecTracePerExec exec_trace_per_exec(const TraceDocument& document, std::uint64_t execs)
{
    const auto& totals = document.report.percpu.totals;
    ExecTracePerExec result;
    result.execs = execs;
    result.percpu_allocs = per(totals.allocs, execs);
    result.percpu_frees = per(totals.frees, execs);
    for (const auto& lock : document.report.locks)
        if (lock.lock.name == kAllocMutex)
            result.pcpu_alloc_mutex_contentions = per(lock.counters.contentions, execs);
    return result;
}

std::string format_exec_trace(const TraceDocument& document, std::uint64_t execs)
{
    const ExecTracePerExec per_exec = exec_trace_per_exec(document, execs);
    std::string out = fmt::format(
        "\npercpu allocator during the exec loop (system-wide), per exec of {}: {} allocations, {} frees, "
        "{} waits for pcpu_alloc_mutex\n",
        execs, per_text(per_exec.percpu_allocs), per_text(per_exec.percpu_frees),
        per_text(per_exec.pcpu_alloc_mutex_contentions));
    out += format_trace_text(document);
    return out;
}

void add_exec_trace_json(Json& execbench_document, const TraceDocument& document, std::uint64_t execs)
{
    const ExecTracePerExec per_exec = exec_trace_per_exec(document, execs);
    execbench_document["trace"] = trace_to_json(document);
    execbench_document["trace_per_exec"] = {
        {"execs", per_exec.execs},
        {"percpu_allocs", per_json(per_exec.percpu_allocs)},
        {"percpu_frees", per_json(per_exec.percpu_frees)},
        {"pcpu_alloc_mutex_contentions", per_json(per_exec.pcpu_alloc_mutex_contentions)},
    };
}

}  // namespace shadowctl
