#pragma once

// `run --trace` and `compare --trace`: one RUN under the percpu lock tracer,
// with the workload's timed phase counted apart from the rest.
//
// The tracer counts events under a segment that userspace sets (see
// tools/tracer/bpf/percpu_locks.h).  While the RUN ioctl blocks, a watcher
// thread polls RUN_PROGRESS (every 1 ms until the timed phase starts, and
// again from 1 ms before its deadline, or as the last cycles near) and
// switches the tracer to the timed segment when it sees the timed phase
// begin, and back when it sees it end.  So the timed segment is the timed
// phase less about a millisecond at either edge.  The events of shadowctl's
// own process never count as timed: the RUN ioctl sets up and tears down in
// it (the ctor strategy builds and destroys its cache there), while the
// workload runs in the module's kthreads.  Warm-up, setup and teardown are
// therefore never counted as timed, whatever the watcher's delays.

#include <cstdint>
#include <memory>
#include <string>

#include "shadowslab/device.hpp"
#include "shadowslab/run.hpp"
#include "shadowslab/tracer/trace_data.hpp"
#include "shadowslab/tracer/tracer.hpp"
#include "common/signals.hpp"
#include "trace/document.hpp"

namespace shadowctl {

struct TracedRun {
    shadowslab::RunResult result;
    shadowslab::tracer::TraceSnapshot snapshot;  // segment 1: the timed phase
    std::uint64_t traced_ns = 0;                 // the whole run, as traced
    std::uint64_t timed_traced_ns = 0;           // the timed segment
};

// Clears the tracer, runs `request` as run_with_progress() does, and takes
// the tracer's snapshot of it.
TracedRun run_traced(const shadowslab::Device& device, const shadowslab::RunRequest& request,
                     const std::string& label, const InterruptGuard& interrupt, shadowslab::tracer::Tracer& tracer);

// The tracer for run and compare: the default locks, warnings on stderr.
// Its errors are TraceErrors (exit status 1), raised before any run.
std::unique_ptr<shadowslab::tracer::Tracer> start_tracer(const shadowslab::tracer::TracerOptions& options = {});

// The two views of a traced run: its timed phase (window kind
// "run_timed_phase") and the whole run ("run_whole"), top `top` stacks.
struct RunTraceDocuments {
    TraceDocument timed;
    TraceDocument whole;
};
RunTraceDocuments run_trace_documents(const TracedRun& traced, const shadowslab::tracer::Tracer& tracer,
                                      std::size_t top);

// run --trace's text: the timed phase in full, the whole run in brief, and
// the module's own count of its percpu allocations next to the tracer's.
std::string format_run_trace_text(const RunTraceDocuments& documents, const shadowslab::RunResult& result);

}  // namespace shadowctl
