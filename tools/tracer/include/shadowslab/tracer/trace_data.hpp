#pragma once

// What the percpu lock tracer measured, in two forms, both device- and
// BPF-free so they can be built by hand in tests:
//
//  - TraceSnapshot: the BPF maps' contents as read, with raw stack
//    addresses, split by segment (see percpu_locks.h: shadowctl run --trace
//    counts the workload's timed phase as segment 1, the rest as 0);
//  - TraceReport: one view of it (some segments summed), symbolised, with
//    the stacks grouped by call site and cut to the top N.
//
// What the numbers mean
// ---------------------
// Locks (lock:contention_begin/end, slow path only):
//   begin_events  every contention_begin on the lock.  A mutex on 6.1
//                 fires it once when it starts to spin and again if it
//                 then goes to sleep, so this is what a plain count of the
//                 tracepoint (perf stat, bpftrace) sees;
//   contentions   acquisitions that had to wait: a task's first begin on
//                 the lock to its contention_end.  It is what wait times,
//                 the histogram and the stacks are about, and what
//                 perf lock contention calls "contended";
//   blocked       of those, the waits that slept (a begin without SPIN);
//   aborted       waits that ended in failure (mutex_lock_killable killed);
//   hashed        waits kept in the tracer's fallback hash, because
//                 another task held their task's slot (TracerOptions::
//                 wait_slots); a diagnostic of the tracer, not of the lock;
//   wait          from the first begin to the end, in ns: total, mean
//                 (total / contentions), max and a log2 histogram (bucket i
//                 counts [2^i, 2^(i+1)) ns, bucket 0 below 2 ns).
//   stacks        the waiters' kernel stacks, sampled (WaitStackSampling):
//                 each CPU takes the stack of every wait on a lock until it
//                 has seen always_first begins on it, then of 1 wait in
//                 the period at random, which counts period times.  So a
//                 stack's count and wait time estimate those of every wait
//                 (the counters above are exact), and `sampled` says how
//                 many stacks were taken.  Period 1: every wait's.
// Allocator (percpu:percpu_alloc_percpu, percpu_free_percpu):
//   allocs, alloc_bytes   bytes_alloc: size times the possible CPUs;
//   frees, free_bytes     free_bytes only with free sizes on
//                         (TracerOptions::free_sizes), and only for frees of
//                         allocations the tracer saw (frees_unmatched
//                         counts the others);
//   call site             the code that asked: the allocator's return
//                         address (an alloc's tracepoint call_site field, a
//                         free's from a kprobe at free_percpu's entry) when
//                         it lies outside the allocator, else the first
//                         frame of the event's short kernel stack that is
//                         neither tracing, nor mm/percpu.c, nor the
//                         percpu_counter init/destroy wrappers of
//                         lib/percpu_counter.c (on x86-64 6.1,
//                         __alloc_percpu_gfp tail-calls pcpu_alloc, so
//                         call_site is the caller itself; through
//                         percpu_counter_init it is the wrapper);
//   module                the call site's module, "vmlinux" for the kernel.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowslab/histogram.hpp"
#include "shadowslab/tracer/kallsyms.hpp"

namespace shadowslab::tracer {

inline constexpr std::uint32_t kSegments = 2;
inline constexpr std::uint32_t kSegmentOther = 0;
inline constexpr std::uint32_t kSegmentTimed = 1;
// Bit masks of segments, for build_report().
inline constexpr std::uint32_t kAllSegments = (1U << kSegments) - 1;
inline constexpr std::uint32_t kTimedSegmentOnly = 1U << kSegmentTimed;

// The module name a call site in the core kernel is counted under.
inline constexpr std::string_view kCoreKernel = "vmlinux";

// How the waiters' stacks are sampled (percpu_locks.h): each CPU takes
// the stack of every wait on a lock for its first `always_first` begins on
// it, then of 1 wait in `period`, at random; period 1: every wait's.
struct WaitStackSampling {
    std::uint32_t period = 1;
    std::uint32_t always_first = 0;

    friend bool operator==(const WaitStackSampling&, const WaitStackSampling&) = default;
};
inline constexpr WaitStackSampling kDefaultWaitStackSampling{8, 256};
inline constexpr std::uint32_t kMaxWaitStackPeriod = 1U << 20;
inline constexpr std::uint32_t kMaxWaitStacksFirst = 1U << 30;

struct TracedLock {
    std::string name;  // as asked for: "pcpu_alloc_mutex", "mod:name" or "0xADDR"
    std::uint64_t address = 0;
};

struct LockCounters {
    std::uint64_t begin_events = 0;
    std::uint64_t contentions = 0;
    std::uint64_t blocked = 0;
    std::uint64_t aborted = 0;
    std::uint64_t hashed = 0;
    std::uint64_t wait_ns_total = 0;
    std::uint64_t wait_ns_max = 0;
    Histogram wait_hist;

    // Sums everything but the maximum, which is the larger of the two.
    LockCounters& merge(const LockCounters& other);
    // wait_ns_total / contentions; nullopt without contentions.
    std::optional<double> wait_ns_mean() const;
    // The histogram bucket a wait of `ns` falls into (as the BPF side does).
    static std::size_t bucket_of(std::uint64_t ns);
    // Records one contention by hand (tests): counts, total, max, histogram.
    void add_wait(std::uint64_t ns);
};

struct PercpuTotals {
    std::uint64_t allocs = 0;
    std::uint64_t alloc_bytes = 0;
    std::uint64_t alloc_failures = 0;
    std::uint64_t frees = 0;
    std::uint64_t free_bytes = 0;
    std::uint64_t frees_unmatched = 0;
    // Were frees sized (TracerOptions::free_sizes)?  If not, free_bytes and
    // frees_unmatched are 0, not measured.
    bool frees_sized = true;

    PercpuTotals& merge(const PercpuTotals& other);
};

// Events the tracer could not record in full (maps full, stacks lost), or
// at all: the kernel runs a tracing program once at a time on a CPU, and
// skips an event that comes while that program is already running there
// (in an interrupt over it, or, on a preemptible kernel, in a task that
// preempted one inside it), counting it in the program's recursion_misses
// (bpf_prog_info).  Those are counted since the Tracer's start or clear().
struct LostCounts {
    std::uint64_t pending = 0;        // waits not timed: too many at once
    std::uint64_t lock_stacks = 0;    // waits without their stack
    std::uint64_t alloc_stacks = 0;   // allocator events without their stack
    std::uint64_t sites = 0;          // allocator events not counted by site
    std::uint64_t unmatched_ends = 0; // contention_end without a begin seen
    std::uint64_t live = 0;           // allocations whose size a free cannot find
    std::uint64_t missed_waits = 0;   // contention_begin/end the kernel skipped
    std::uint64_t missed_allocs = 0;  // allocations (and failures) it skipped
    std::uint64_t missed_frees = 0;   // frees it skipped

    LostCounts& merge(const LostCounts& other);
    std::uint64_t total() const;
};

struct RawLockStack {
    std::uint32_t segment = kSegmentOther;
    std::uint32_t lock = 0;           // index into TraceSnapshot::locks
    std::vector<std::uint64_t> ips;   // innermost first; empty: not recorded
    std::uint64_t count = 0;          // waits, sampled ones weighted
    std::uint64_t wait_ns = 0;        // the same
    std::uint64_t sampled = 0;        // waits whose stack was taken
};

enum class PercpuEvent { alloc, free };

struct RawSite {
    std::uint32_t segment = kSegmentOther;
    PercpuEvent kind = PercpuEvent::alloc;
    std::vector<std::uint64_t> ips;   // innermost first; empty: not recorded
    std::uint64_t call_site = 0;      // alloc: the tracepoint's call_site field;
                                      // free: free_percpu's return address
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
    std::uint32_t size = 0;           // alloc: bytes per CPU asked for; free: 0
    std::uint32_t align = 0;          // alloc: the alignment asked for
};

struct TraceSnapshot {
    std::vector<TracedLock> locks;
    // counters[segment][lock index]
    std::array<std::vector<LockCounters>, kSegments> counters;
    std::array<PercpuTotals, kSegments> percpu;
    std::vector<RawLockStack> lock_stacks;
    std::vector<RawSite> sites;
    LostCounts lost;  // all segments
    WaitStackSampling wait_stacks;  // default: every wait's stack

    // An empty snapshot for these locks.
    static TraceSnapshot empty(std::vector<TracedLock> locks);
    // Adds another snapshot of the same locks (e.g. the next run's).
    TraceSnapshot& merge(const TraceSnapshot& other);
    // This lock's counters over the segments in `mask`.
    LockCounters lock_counters(std::size_t lock, std::uint32_t mask) const;
    PercpuTotals percpu_totals(std::uint32_t mask) const;
};

// ------------------------------------------------------------ the report

struct StackReport {
    std::uint64_t count = 0;            // lock stacks: estimated (see "stacks" above)
    std::uint64_t wait_ns = 0;          // lock stacks, estimated
    std::uint64_t sampled = 0;          // lock stacks: waits whose stack was taken
    std::string caller;                 // first frame past the lock code
    std::vector<std::string> frames;    // innermost first, tracing frames dropped
};

struct LockReport {
    TracedLock lock;
    LockCounters counters;
    std::size_t distinct_stacks = 0;
    std::vector<StackReport> stacks;    // the top N by count
};

struct CallSiteReport {
    std::string call_site;              // "shadow_obj_ctor+0x6e [shadowslab]"
    std::string module;                 // "shadowslab", or "vmlinux"
    std::uint64_t count = 0;
    std::uint64_t bytes = 0;
    std::vector<std::string> frames;    // the short stack it came from (one of them)
};

// Allocations of one size and alignment (the tracepoint's size and align:
// per CPU, as asked for, whoever is charged for them).
struct AllocSize {
    std::uint32_t size = 0;
    std::uint32_t align = 0;

    friend auto operator<=>(const AllocSize&, const AllocSize&) = default;
};

struct ModuleCounts {
    std::uint64_t allocs = 0;
    std::uint64_t alloc_bytes = 0;  // bytes_alloc: all CPUs, memcg's share included
    std::uint64_t frees = 0;
    std::uint64_t free_bytes = 0;
    std::map<AllocSize, std::uint64_t> alloc_sizes;  // allocations by size
};

struct PercpuReport {
    PercpuTotals totals;
    std::size_t distinct_alloc_sites = 0;
    std::size_t distinct_free_sites = 0;
    std::vector<CallSiteReport> alloc_sites;  // the top N by count
    std::vector<CallSiteReport> free_sites;
    std::map<std::string, ModuleCounts> by_module;  // every call site counted
};

struct TraceReport {
    std::vector<LockReport> locks;
    PercpuReport percpu;
    LostCounts lost;
    WaitStackSampling wait_stacks;
};

// Sums the segments in `mask`, symbolises with `symbols`, keeps the `top`
// stacks and call sites of each kind (0 = all).
TraceReport build_report(const TraceSnapshot& snapshot, std::uint32_t mask, const Kallsyms& symbols,
                         std::size_t top);

// ------------------------------------------------- frames and call sites

// A function of the tracing machinery itself (__traceiter_*, perf_trace_*,
// bpf_trace_run*, ...): dropped from every stack shown.
bool is_tracing_function(std::string_view name);
// mm/percpu.c's functions (pcpu_*, __alloc_percpu*, __alloc_reserved_percpu,
// free_percpu) and lib/percpu_counter.c's init/destroy wrappers.
bool is_percpu_allocator_function(std::string_view name);
// The lock implementation: mutex_lock*, __mutex_lock*, _raw_spin_lock*,
// the qspinlock slow paths, and PREEMPT_RT's rt_mutex and rtlock paths.
bool is_lock_function(std::string_view name);

struct CallSite {
    std::string name;    // "sym+0xoff [module]", or "0xADDR"
    std::string module;  // "vmlinux" for the core kernel; "" if unknown
};

// The first frame of `ips` (innermost first) that is neither tracing nor
// `skip`; nullopt if there is none.
std::optional<CallSite> first_frame_outside(const std::vector<std::uint64_t>& ips, const Kallsyms& symbols,
                                            bool (*skip)(std::string_view));

}  // namespace shadowslab::tracer
