#pragma once

// `shadowctl execbench`: the RFC's doexec.c benchmark (one process per CPU,
// each exec()ing in a loop) and its comparison with the module's workload.
//
// The pieces are separate so they can be tested and reused:
//  - run_exec_loop() runs the exec loop and returns what it counted; it is
//    the seam for anything that wants to observe the loop (a tracer starts
//    before the call and stops after it);
//  - match_kernel() picks the module profile that matches a kernel release;
//  - percpu_share_of_exec() is the comparison's estimate.
// None of them prints anything.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "execbench_options.hpp"
#include "shadowslab/cpu_list.hpp"
#include "shadowslab/names.hpp"
#include "shadowslab/run.hpp"
#include "sigint.hpp"

namespace shadowctl::execbench {

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
// of the duration, or early if `sigint` triggers (result.cancelled; no
// intervals if that happened before timing began).  Either way, and on any
// error, every worker is stopped (stop flag, SIGTERM, then SIGKILL after 2 s)
// and reaped before it returns or throws.  Throws OperationError if a system
// call fails and std::runtime_error if a worker ends by itself (a target that
// is not the loop program, a failed execve()).
LoopResult run_exec_loop(const LoopConfig& config, const SigintGuard& sigint, const LoopCallbacks& callbacks = {});

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
    shadowslab::Profile profile = shadowslab::Profile::mm_6_6;  // for the percpu strategy
    shadowslab::Strategy matching_strategy = shadowslab::Strategy::percpu;
    std::string note;             // one sentence for the user
};

// >= 6.6: mm-6.6; 6.4-6.5: mm-6.4; 6.2-6.3: mm-6.2; all matched by the
// percpu strategy.  < 6.2: the mm_struct owns no percpu memory, so the slab
// strategy matches, and percpu runs mm-6.6 (what a current kernel adds).
// An unparsable release is treated as current (mm-6.6), with a note.
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

    bool cancelled() const;
};

}  // namespace shadowctl::execbench
