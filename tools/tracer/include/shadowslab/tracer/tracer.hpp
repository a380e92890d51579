#pragma once

// The percpu lock tracer: loads percpu_locks.bpf.c (a libbpf skeleton),
// tells it which lock addresses to keep, attaches it, and reads its maps.
//
// Construction does everything in an order that gives each failure its own
// message, as a TraceError keeping the errno:
//   1. kernel BTF present (/sys/kernel/btf/vmlinux; the programs are CO-RE):
//      ENOENT otherwise;
//   2. the programs load: EPERM/EACCES without root or CAP_BPF+CAP_PERFMON;
//   3. /proc/kallsyms readable with real addresses (EPERM when hidden), and
//      every lock found in it (ENOENT for a missing one; a missing default
//      lock is only a warning, unless none is found);
//   4. the filters apply (the --cgroup directory opens and is cgroup v2);
//   5. the tracepoints attach (ENOENT without tracefs or on a kernel before
//      5.19, which has no lock:contention_begin).
// The destructor detaches and frees everything (links, programs, maps).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shadowslab/tracer/kallsyms.hpp"
#include "shadowslab/tracer/trace_data.hpp"

namespace shadowslab::tracer {

// The percpu allocator's locks, traced unless told otherwise:
// pcpu_alloc_mutex (mm/percpu.c, held by every non-atomic allocation),
// pcpu_lock (its spinlock: area search, and every free) and
// percpu_counters_lock (lib/percpu_counter.c, every percpu_counter_init).
inline constexpr std::string_view kDefaultLocks[] = {"pcpu_alloc_mutex", "pcpu_lock", "percpu_counters_lock"};

// At most this many locks at once (PL_MAX_LOCKS).
std::size_t max_locks();

struct TracerOptions {
    // More locks: "NAME" (a kernel variable), "MODULE:NAME" (a module's)
    // or "0xADDRESS".  Each must be found, or construction fails.
    std::vector<std::string> extra_locks;
    bool default_locks = true;
    std::string kallsyms_path = Kallsyms::default_path();
    // SHADOWCTL_BTF in the environment replaces it (a test hook).
    std::string btf_path = default_btf_path();
    bool verbose = false;  // libbpf's own messages on stderr
    // Take a stack for every allocation, not only for those whose
    // call_site is inside the allocator's wrappers (see percpu_locks.h).
    bool alloc_stacks = false;
    // Size each free from its allocation, if the tracer saw it: a hash of
    // live allocations, updated by every allocation and free (about as
    // costly as the rest of the allocator tracing); else frees are counted
    // without bytes.
    bool free_sizes = false;
    // Which contended waits have their waiter's stack taken (see
    // WaitStackSampling); they are counted and timed all the same.
    WaitStackSampling wait_stacks = kDefaultWaitStackSampling;
    // Count only this process's events (0: every process), or only those
    // of tasks in this cgroup v2 directory or below it (empty: any).
    int pid = 0;
    std::string cgroup_path;
    // How many task slots the waits in progress are kept in, a power of
    // two up to PL_WAIT_SLOTS, or 0 for none: then every wait goes to the
    // fallback hash (LockCounters::hashed), as before the slots, to test
    // the hash and to compare the two's costs.
    // SHADOWCTL_TRACE_WAIT_SLOTS in the environment sets it (a test hook).
    std::uint32_t wait_slots = default_wait_slots();

    static std::string default_btf_path();
    static std::uint32_t default_wait_slots();
};

// Owns a loaded percpu_locks skeleton: its programs, maps and links.
class Skeleton;

class Tracer {
public:
    explicit Tracer(const TracerOptions& options);
    ~Tracer();
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;

    // Events from now on count under `segment` (< kSegments); this
    // process's own events always count under kSegmentOther.
    void set_segment(std::uint32_t segment);

    // The maps' contents now (events keep coming while they are read).
    TraceSnapshot snapshot() const;
    // Zeroes the counters and forgets the stacks and sites, e.g. between
    // runs; waits in progress and live allocations are kept.
    void clear();

    const Kallsyms& symbols() const { return symbols_; }
    const std::vector<TracedLock>& locks() const { return locks_; }
    // Things worth telling the user, e.g. a default lock this kernel lacks.
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    std::unique_ptr<Skeleton> skeleton_;
    Kallsyms symbols_;
    std::vector<TracedLock> locks_;
    std::vector<std::string> warnings_;
    bool free_sizes_ = false;
    WaitStackSampling wait_stacks_;
    LostCounts missed_before_;  // the programs' recursion_misses at the last clear()
};

// Resolves the lock list as Tracer does (for tests): defaults that are
// missing go to `warnings`, anything else missing throws.
std::vector<TracedLock> resolve_locks(const Kallsyms& symbols, const TracerOptions& options,
                                      std::vector<std::string>& warnings);

}  // namespace shadowslab::tracer
