#pragma once

// `shadowctl trace` output, and the tracer's part of `run --trace` and
// `compare --trace`.
//
// JSON schema "shadowslab-trace/1" (keys are stable; new keys may be added):
//   schema: "shadowslab-trace/1"
//   window: {
//     kind: "command"        trace -- CMD: from before CMD started to its exit
//           "duration"       trace --duration S without a command
//           "interrupted"    ended by Ctrl-C (or, with a command, its
//                            --duration ran out first: "duration")
//           "run_timed_phase" / "run_whole"   run --trace: the workload's
//                            timed phase, or the whole RUN (setup, warm-up,
//                            timed phase, teardown)
//           "exec_loop"      execbench --trace: the exec loop, its
//                            workers' start and end included
//     requested_duration_ns (null: none), traced_ns (wall time traced)
//   }
//   command: null, or {argv: [strings], pid, exited (bool), exit_code
//            (null if killed), signal (null if exited), status (as a shell
//            reports it: exit_code or 128 + signal)}
//   kernel_release
//   locks: [ one per traced lock, in the order they were named:
//     name, address ("0x..." hex string),
//     begin_events   every lock:contention_begin on it (a mutex on 6.1 may
//                    fire two per acquisition: spinning, then sleeping)
//     contentions    acquisitions that waited: a task's first begin to its
//                    contention_end (what the waits below are about)
//     blocked        of those, waits that slept; aborted: ended in failure
//     hashed         waits the tracer kept in its fallback hash (another
//                    task held their slot): a diagnostic of the tracer
//     wait_ns_total, wait_ns_mean (null without contentions), wait_ns_max,
//     wait_ns_p50, wait_ns_p99 (null without contentions; from the
//                    histogram, so within a factor of two)
//     hist: [64 counts]  bucket i: waits of [2^i, 2^(i+1)) ns, 0: < 2 ns
//     distinct_stacks
//     stacks: [the top N by count: {count, wait_ns, sampled, caller (first
//              frame past the lock code), frames: ["sym+0xoff [module]",
//              ...], innermost first}]; count and wait_ns are estimates
//              when stacks are sampled (see wait_stacks), sampled is how
//              many of the waits' stacks were taken
//   ]
//   wait_stacks: {period, always_first}: each CPU took the stack of every
//                wait on a lock for its first always_first begins on it,
//                then of 1 wait in period at random, counted period times
//                (period 1: every wait's; the lock counters are exact)
//   percpu: {
//     allocs, alloc_bytes (bytes_alloc: size x possible CPUs),
//     alloc_failures, frees, free_bytes (of frees whose allocation was seen
//     while tracing), frees_unmatched (the others), frees_sized (false
//     without trace --free-sizes: then free_bytes, frees_unmatched and the
//     free sites' bytes are 0, not measured),
//     by_module: {MODULE: {allocs, alloc_bytes, frees, free_bytes}}: every
//                event, by the module of its call site ("vmlinux": the
//                kernel; "[unknown]": no stack)
//     distinct_alloc_sites, alloc_sites: [top N: {call_site, module, count,
//                bytes, frames}], distinct_free_sites, free_sites: [same]
//     (call site: the first frame of the event's stack that is neither
//     tracing, nor mm/percpu.c, nor lib/percpu_counter.c's init/destroy)
//   }
//   lost: {pending, lock_stacks, alloc_stacks, sites, unmatched_ends, live}:
//         events the tracer could not record in full (0 normally), and
//         {missed_waits, missed_allocs, missed_frees}: events the kernel
//         did not run the tracer's program for, as it was already running
//         on the CPU (interrupted, or preempted on a preemptible kernel)
//   warnings: [strings]

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/environment.hpp"
#include "common/output.hpp"
#include "shadowslab/tracer/child.hpp"
#include "shadowslab/tracer/trace_data.hpp"

namespace shadowctl {

// The module whose own percpu allocations run --trace and compare --trace
// count apart.
inline constexpr std::string_view kModuleName = "shadowslab";

struct TraceWindow {
    std::string kind;  // see above
    std::optional<std::uint64_t> requested_duration_ns;
    std::uint64_t traced_ns = 0;
};

struct TraceCommandInfo {
    std::vector<std::string> argv;
    int pid = 0;
    shadowslab::tracer::ExitStatus status;
};

struct TraceDocument {
    TraceWindow window;
    std::optional<TraceCommandInfo> command;
    std::string kernel_release;
    shadowslab::tracer::TraceReport report;
    std::vector<std::string> warnings;  // the tracer's
    // Where it ran; only `shadowctl trace` sets it (run, compare and
    // execbench report their own environment).
    std::optional<Environment> environment;
};

// The whole report as text: locks table, each contended lock's histogram
// and top stacks, the allocator's totals, modules and call sites.
std::string format_trace_text(const TraceDocument& document);
Json trace_to_json(const TraceDocument& document);

// The lock waits' stacks folded for Brendan Gregg's flamegraph.pl: one
// line per distinct stack, "LOCK;outermost;...;innermost WAIT_NS", the
// frames as function names without offsets (so that one function's call
// sites merge), sorted.
std::string format_folded(const TraceDocument& document);

// "traced 3.012 s while 'CMD' ran (pid 42); it exited with status 0".
std::string format_trace_window(const TraceDocument& document);

// A few lines: each lock's begins, contentions and total wait, and the
// allocator's allocs and frees (also those of `module`'s call sites).
std::string format_trace_summary(const TraceDocument& document, std::string_view module);

// The log2 histogram as text, bpftrace style: "[4K, 8K)  12 |@@@@   |",
// the empty buckets at either end left out.
std::string format_log2_histogram(const shadowslab::Histogram& histogram, std::size_t width = 40);

// "0xffffffff82b511a0"
std::string hex_address(std::uint64_t address);

}  // namespace shadowctl
