#pragma once

// `shadowctl execbench`: the RFC's doexec.c benchmark (one process per CPU,
// each exec()ing in a loop), its comparison with the module's workload, and
// with --trace what the kernel's own exec path does to the percpu allocator.
//
// The pieces are separate so they can be tested and reused:
//  - run_exec_loop() runs the exec loop and returns what it counted; it is
//    the seam for anything that wants to observe the loop (a tracer starts
//    before the call and stops after it);
//  - match_kernel() picks the module profile that matches a kernel release;
//  - percpu_share_of_exec() is the comparison's estimate.
// None of them prints anything; the formatters below do.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/command.hpp"
#include "common/environment.hpp"
#include "common/output.hpp"
#include "common/options.hpp"
#include "common/signals.hpp"
#include "shadowslab/cpu_list.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/run.hpp"
#include "shadowslab/tracer/tracer.hpp"
#include "trace/document.hpp"

namespace shadowctl {

namespace execbench {

inline constexpr std::uint64_t kDefaultDurationNs = 5'000'000'000;
inline constexpr std::uint64_t kDefaultIntervalNs = 1'000'000'000;
inline constexpr std::uint64_t kMinIntervalNs = 10'000'000;  // 0.01 s

}  // namespace execbench

struct ExecbenchOptions {
    CpuChoice cpus;  // neither --threads nor --cpus: every online CPU
    std::uint64_t duration_ns = execbench::kDefaultDurationNs;
    std::uint64_t interval_ns = execbench::kDefaultIntervalNs;
    std::string target;    // empty: execbench-loop next to shadowctl
    bool quiet = false;    // no interval lines
    bool compare = false;  // then run the module's percpu and slab strategies
    bool trace = false;    // under the percpu lock tracer
};

// Adds the subcommand to `parent`; parsing it fills `options` and sets the
// invocation's action.
void add_execbench_command(CLI::App& parent, Invocation& invocation, std::shared_ptr<ExecbenchOptions> options);

namespace execbench {

// The static program the workers exec (tools/execbench), as built next to
// shadowctl and installed in libexec/shadowslab.
inline constexpr const char* kLoopProgramName = "execbench-loop";

// Each worker must count its first exec within this long, or the target is
// taken for something other than the loop program.
inline constexpr std::uint64_t kStartTimeoutNs = 10'000'000'000;

// ---------------------------------------------------------------- the loop

struct LoopConfig {
    std::string target;          // absolute path of the loop program
    shadowslab::CpuList cpus;    // one worker pinned to each
    std::uint64_t duration_ns = kDefaultDurationNs;
    std::uint64_t interval_ns = kDefaultIntervalNs;
};

// Execs counted in one interval, per worker in LoopConfig::cpus order.
struct Interval {
    std::uint64_t end_ns = 0;      // since timing began
    std::uint64_t elapsed_ns = 0;  // this interval's length (the last may be shorter)
    std::vector<std::uint64_t> ops;

    std::uint64_t total_ops() const;
    double ops_per_sec() const;
};

struct LoopResult {
    bool cancelled = false;       // Ctrl-C: the figures cover the time until then
    std::uint64_t elapsed_ns = 0; // wall time from the start of timing to its end
    shadowslab::CpuList cpus;
    std::vector<std::uint64_t> ops;  // execs per worker, timed phase
    std::vector<Interval> intervals;

    std::uint64_t total_ops() const;
    double ops_per_sec() const;          // all workers
    double ops_per_sec_per_cpu() const;  // the mean worker
    double cpu_ops_per_sec(std::size_t worker) const;
};

struct LoopCallbacks {
    // After each interval (and the last, shorter one), as it is measured.
    std::function<void(const Interval&)> on_interval;
    // About every 100 ms while timing: time since the start and execs so far.
    std::function<void(std::uint64_t elapsed_ns, std::uint64_t ops)> on_tick;
};

// Forks one worker per CPU, pins it, and execs `config.target` in it; every
// image counts itself in a shared memfd and execs itself again.  Timing
// starts once every worker has counted its first exec.  Returns at the end
// of the duration, or early if `interrupt` triggers (result.cancelled; no
// intervals if that happened before timing began).  Either way, and on any
// error, every worker is stopped (stop flag, SIGTERM, then SIGKILL after 2 s)
// and reaped before it returns or throws.  Throws OperationError if a system
// call fails and std::runtime_error if a worker ends by itself (a target that
// is not the loop program, a failed execve()).
LoopResult run_exec_loop(const LoopConfig& config, const InterruptGuard& interrupt,
                         const LoopCallbacks& callbacks = {});

struct Report;

// execbench --trace's loop (report shares it): run_exec_loop() for
// `report.config` into `report.loop` under `tracer`, counted from the loop's
// start (the workers' start included) to its end, all segments.  The tracer
// is cleared first, so its own attachment's percpu allocations do not count.
TraceDocument trace_exec_loop(shadowslab::tracer::Tracer& tracer, Report& report, const InterruptGuard& interrupt,
                              const LoopCallbacks& callbacks = {});

// ------------------------------------------------------------- the target

// Where shadowctl looks for the loop program when --target is not given:
// next to its own binary (/proc/self/exe), then ../libexec/shadowslab/.
std::vector<std::string> default_target_candidates();

// The absolute path of the program to exec: `given` if not empty, else the
// first default candidate that exists.  UsageError if `given` is not an
// executable regular file, OperationError if no default one exists.
std::string resolve_target(const std::string& given);

// The type of the filesystem that holds the absolute, canonical `path`,
// from the text of /proc/self/mounts (the longest mount point that contains
// it; the last one mounted wins a tie); nullopt if none does.  statfs()
// cannot tell: 9p reports the host filesystem's type.
std::optional<std::string> filesystem_type(std::string_view mounts, std::string_view path);

// A note if `path` lives on a network or 9p filesystem (9p, NFS, CIFS/SMB,
// FUSE, Ceph), where every exec may read the program over the wire, so the
// loop measures that filesystem more than exec: e.g. the checkout inside
// scripts/vm-run's guest.  nullopt on a local filesystem, or if
// /proc/self/mounts cannot be read.
std::optional<std::string> remote_filesystem_note(const std::string& path);

// ------------------------------------------------------------ comparison

struct KernelVersion {
    unsigned major = 0;
    unsigned minor = 0;
};

// "6.1.0-56-amd64" -> 6.1; nullopt if the release does not start "X.Y".
std::optional<KernelVersion> parse_kernel_version(std::string_view release);

// Which of the module's workloads stands for a kernel's exec.
struct KernelMatch {
    bool known = true;            // the release could be parsed
    bool mm_has_percpu = true;    // its mm_struct owns percpu memory (6.2+)
    shadowslab::Profile profile = shadowslab::Profile::kernel;  // for the percpu strategy
    shadowslab::Strategy matching_strategy = shadowslab::Strategy::percpu;
    std::string note;             // one sentence for the user
};

// The percpu strategy runs the kernel profile, this kernel's own mm_init()
// (the module resolves it; shadowctl info shows it), and matches exec from
// 6.2 on.  < 6.2: the mm_struct owns no percpu memory, so the slab strategy
// matches, and percpu runs the kernel profile's what-if (mm-6.6, what a
// current kernel adds).  An unparsable release is treated as current.
KernelMatch match_kernel(std::string_view release);

// Wall time of one cycle on one CPU: elapsed * threads / total cycles;
// nullopt without cycles.
std::optional<double> ns_per_cycle_per_cpu(const shadowslab::RunResult& result);

// The estimate the comparison prints: what fraction of one exec's cost the
// percpu allocations would be,
//     (percpu ns/cycle - slab ns/cycle) / (1e9 / exec ops/s per CPU).
// nullopt if exec_ops_per_sec_per_cpu is not positive.  May be negative
// when the difference is within noise.
std::optional<double> percpu_share_of_exec(double exec_ops_per_sec_per_cpu, double percpu_ns_per_cycle,
                                           double slab_ns_per_cycle);

struct Comparison {
    std::string kernel_release;   // as the module reports it
    KernelMatch match;
    shadowslab::CpuList cpus;
    std::uint64_t duration_ns = 0;  // per strategy
    std::optional<shadowslab::RunResult> percpu;  // nullopt: not run (Ctrl-C before it)
    std::optional<shadowslab::RunResult> slab;

    bool cancelled() const;
    // percpu_share_of_exec() from these runs and the loop's exec rate.
    std::optional<double> estimate(const LoopResult& loop) const;
};

// Everything `shadowctl execbench` reports.
struct Report {
    std::string kernel_release;   // uname -r
    LoopConfig config;
    LoopResult loop;
    bool compare_requested = false;
    std::optional<Comparison> comparison;
    std::string comparison_note;  // why --compare did not run, if it did not
    Environment environment;      // over the loop and the comparison

    bool cancelled() const;
};

}  // namespace execbench

// ------------------------------------------------------------------ output

// The text comes in pieces because the interval lines are printed as they
// are measured: heading, then (unless quiet) the interval heading and one
// line per interval, then the summary, the trace and the comparison.
//
// "execbench: N workers exec()ing PATH on CPUs LIST for S, ops/s every I"
// and the kernel release.
std::string format_execbench_heading(const execbench::Report& report);

std::string format_interval_heading();
// "   1.00 s       1234.0         617.0" (end time, ops/s, ops/s per CPU).
std::string format_interval(const execbench::Interval& interval, std::size_t cpus);

// Status, the total (execs, ops/s overall and per CPU) and a per-CPU table.
std::string format_execbench_summary(const execbench::Report& report);

// The comparison with the module's workload, the note why there is none, or
// nothing if --compare was not given.
std::string format_execbench_comparison(const execbench::Report& report);

// Where it ran, and the warnings: what ends the text.
std::string format_execbench_environment(const execbench::Report& report);

// Schema "shadowslab-execbench/1":
//   schema, status ("completed" | "cancelled"), kernel_release, target,
//   cpus[], duration_ns, interval_ns (as asked), elapsed_ns (timed),
//   total_ops, ops_per_sec, ops_per_sec_per_cpu, ns_per_op_per_cpu (null
//   without execs),
//   per_cpu: [{cpu, ops, ops_per_sec}],
//   intervals: [{end_ns, elapsed_ns, ops, ops_per_sec, per_cpu_ops[]}],
//   comparison: null (no --compare, or it could not run) or
//     {status, kernel_release, mm_has_percpu, profile, matching_strategy,
//      note, cpus[], duration_ns, exec_ops_per_sec, exec_ops_per_sec_per_cpu,
//      exec_ns_per_op_per_cpu,
//      percpu, slab: null (not run) or {status, profile, total_cycles,
//        elapsed_ns, cycles_per_sec, cycles_per_sec_per_cpu,
//        ns_per_cycle_per_cpu, percpu_allocs_per_cycle},
//      percpu_share_of_exec_estimate (a fraction, e.g. 0.05; null if
//      unknown)},
//   comparison_note: why --compare did not run, else null.
Json execbench_to_json(const execbench::Report& report);

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
