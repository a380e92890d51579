#include "shadowslab/tracer/trace_data.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

namespace shadowslab::tracer {

namespace {

bool starts_with_any(std::string_view name, std::initializer_list<std::string_view> prefixes)
{
    for (const std::string_view prefix : prefixes)
        if (name.substr(0, prefix.size()) == prefix)
            return true;
    return false;
}

bool in_mask(std::uint32_t segment, std::uint32_t mask)
{
    return segment < kSegments && (mask & (1U << segment)) != 0;
}

// How many frames on top of a stack a BPF program took are the tracing
// machinery's: functions named so (is_tracing_function()), and the BPF
// trampoline an fentry program runs from, which has no name here (the
// tracer read /proc/kallsyms before attaching made it): an unnamed frame
// right below a tracing one.
std::size_t machinery_frames(const std::vector<std::uint64_t>& ips, const Kallsyms& symbols)
{
    std::size_t n = 0;
    for (bool below_tracing = false; n < ips.size(); ++n, below_tracing = true) {
        const auto resolved = symbols.resolve(ips[n]);
        if (resolved ? !is_tracing_function(resolved->symbol->name) : !below_tracing)
            break;
    }
    return n;
}

std::vector<std::string> shown_frames(const std::vector<std::uint64_t>& ips, const Kallsyms& symbols)
{
    std::vector<std::string> frames;
    for (std::size_t i = machinery_frames(ips, symbols); i < ips.size(); ++i) {
        const std::uint64_t ip = ips[i];
        const auto resolved = symbols.resolve(ip);
        if (resolved && is_tracing_function(resolved->symbol->name))
            continue;
        frames.push_back(resolved ? format_symbol(*resolved) : fmt::format("0x{:x}", ip));
    }
    return frames;
}

// Most first, then by name, so the order is stable.
template <typename T>
void sort_by_count(std::vector<T>& items, std::string T::*key)
{
    std::sort(items.begin(), items.end(), [key](const T& a, const T& b) {
        return std::tie(b.count, a.*key) < std::tie(a.count, b.*key);
    });
}

void keep_top(auto& items, std::size_t top)
{
    if (top != 0 && items.size() > top)
        items.resize(top);
}

}  // namespace

// ------------------------------------------------------------- counters

LockCounters& LockCounters::merge(const LockCounters& other)
{
    begin_events += other.begin_events;
    contentions += other.contentions;
    blocked += other.blocked;
    aborted += other.aborted;
    hashed += other.hashed;
    wait_ns_total += other.wait_ns_total;
    wait_ns_max = std::max(wait_ns_max, other.wait_ns_max);
    wait_hist.merge(other.wait_hist);
    return *this;
}

std::optional<double> LockCounters::wait_ns_mean() const
{
    if (contentions == 0)
        return std::nullopt;
    return static_cast<double>(wait_ns_total) / static_cast<double>(contentions);
}

std::size_t LockCounters::bucket_of(std::uint64_t ns)
{
    // floor(log2(ns)), with 0 and 1 in bucket 0: as log2_bucket() in BPF.
    const std::size_t bucket = ns < 2 ? 0 : static_cast<std::size_t>(std::bit_width(ns) - 1);
    return std::min(bucket, Histogram::kBuckets - 1);
}

void LockCounters::add_wait(std::uint64_t ns)
{
    ++begin_events;
    ++contentions;
    wait_ns_total += ns;
    wait_ns_max = std::max(wait_ns_max, ns);
    Histogram::Buckets buckets = wait_hist.buckets();
    ++buckets[bucket_of(ns)];
    wait_hist = Histogram(buckets);
}

PercpuTotals& PercpuTotals::merge(const PercpuTotals& other)
{
    allocs += other.allocs;
    alloc_bytes += other.alloc_bytes;
    alloc_failures += other.alloc_failures;
    frees += other.frees;
    free_bytes += other.free_bytes;
    frees_unmatched += other.frees_unmatched;
    frees_sized = frees_sized && other.frees_sized;
    return *this;
}

LostCounts& LostCounts::merge(const LostCounts& other)
{
    pending += other.pending;
    lock_stacks += other.lock_stacks;
    alloc_stacks += other.alloc_stacks;
    sites += other.sites;
    unmatched_ends += other.unmatched_ends;
    live += other.live;
    missed_waits += other.missed_waits;
    missed_allocs += other.missed_allocs;
    missed_frees += other.missed_frees;
    return *this;
}

std::uint64_t LostCounts::total() const
{
    return pending + lock_stacks + alloc_stacks + sites + unmatched_ends + live + missed_waits + missed_allocs +
           missed_frees;
}

// ------------------------------------------------------------- snapshot

TraceSnapshot TraceSnapshot::empty(std::vector<TracedLock> locks)
{
    TraceSnapshot snapshot;
    for (auto& per_lock : snapshot.counters)
        per_lock.resize(locks.size());
    snapshot.locks = std::move(locks);
    return snapshot;
}

TraceSnapshot& TraceSnapshot::merge(const TraceSnapshot& other)
{
    if (other.locks.size() != locks.size())
        throw std::logic_error("TraceSnapshot::merge: snapshots of different locks");
    for (std::uint32_t segment = 0; segment < kSegments; ++segment) {
        counters[segment].resize(locks.size());
        for (std::size_t lock = 0; lock < locks.size() && lock < other.counters[segment].size(); ++lock)
            counters[segment][lock].merge(other.counters[segment][lock]);
        percpu[segment].merge(other.percpu[segment]);
    }
    lock_stacks.insert(lock_stacks.end(), other.lock_stacks.begin(), other.lock_stacks.end());
    sites.insert(sites.end(), other.sites.begin(), other.sites.end());
    lost.merge(other.lost);
    // Runs traced alike sample alike; else the coarsest sampling tells the
    // reader most honestly how little may have been seen.
    wait_stacks.period = std::max(wait_stacks.period, other.wait_stacks.period);
    wait_stacks.always_first = std::min(wait_stacks.always_first, other.wait_stacks.always_first);
    return *this;
}

LockCounters TraceSnapshot::lock_counters(std::size_t lock, std::uint32_t mask) const
{
    LockCounters sum;
    for (std::uint32_t segment = 0; segment < kSegments; ++segment)
        if (in_mask(segment, mask) && lock < counters[segment].size())
            sum.merge(counters[segment][lock]);
    return sum;
}

PercpuTotals TraceSnapshot::percpu_totals(std::uint32_t mask) const
{
    PercpuTotals sum;
    for (std::uint32_t segment = 0; segment < kSegments; ++segment)
        if (in_mask(segment, mask))
            sum.merge(percpu[segment]);
    return sum;
}

// ------------------------------------------------------ frames and sites

bool is_tracing_function(std::string_view name)
{
    return starts_with_any(name, {"__traceiter_", "perf_trace_", "trace_event_raw_event_", "__bpf_trace_",
                                  "bpf_trace_run", "trace_call_bpf", "perf_tp_event", "bpf_prog_",
                                  "bpf_get_stackid", "__bpf_get_stackid", "bpf_get_stack"});
}

bool is_percpu_allocator_function(std::string_view name)
{
    return starts_with_any(name, {"pcpu_", "__alloc_percpu", "__alloc_reserved_percpu", "alloc_percpu",
                                  "free_percpu", "__free_percpu", "__percpu_counter_init",
                                  "percpu_counter_destroy"});
}

bool is_lock_function(std::string_view name)
{
    return starts_with_any(name, {"mutex_lock", "__mutex_lock", "mutex_spin_on_owner", "_raw_spin_lock",
                                  "raw_spin_lock", "do_raw_spin_lock", "queued_spin_lock_slowpath",
                                  "native_queued_spin_lock_slowpath", "__pv_queued_spin_lock_slowpath",
                                  "pv_queued_spin_lock_slowpath",
                                  // PREEMPT_RT: mutexes and spinlocks are rt_mutexes
                                  "__rt_mutex", "rt_mutex", "rt_spin_lock", "rtlock_"});
}

std::optional<CallSite> first_frame_outside(const std::vector<std::uint64_t>& ips, const Kallsyms& symbols,
                                            bool (*skip)(std::string_view))
{
    for (std::size_t i = machinery_frames(ips, symbols); i < ips.size(); ++i) {
        const std::uint64_t ip = ips[i];
        const auto resolved = symbols.resolve(ip);
        if (!resolved)
            return CallSite{fmt::format("0x{:x}", ip), ""};
        const std::string& name = resolved->symbol->name;
        if (is_tracing_function(name) || (skip && skip(name)))
            continue;
        const std::string& module = resolved->symbol->module;
        return CallSite{format_symbol(*resolved), module.empty() ? std::string(kCoreKernel) : module};
    }
    return std::nullopt;
}

// ---------------------------------------------------------------- report

namespace {

std::vector<StackReport> lock_stack_reports(const TraceSnapshot& snapshot, std::size_t lock, std::uint32_t mask,
                                            const Kallsyms& symbols)
{
    // The same stack may come once per segment (or per merged run): group.
    std::map<std::vector<std::uint64_t>, StackReport> grouped;
    for (const RawLockStack& raw : snapshot.lock_stacks) {
        if (raw.lock != lock || !in_mask(raw.segment, mask))
            continue;
        StackReport& report = grouped[raw.ips];
        report.count += raw.count;
        report.wait_ns += raw.wait_ns;
        report.sampled += raw.sampled;
    }
    std::vector<StackReport> reports;
    for (auto& [ips, report] : grouped) {
        if (ips.empty()) {
            report.caller = "[stack not recorded]";
        } else {
            report.frames = shown_frames(ips, symbols);
            const auto caller = first_frame_outside(ips, symbols, is_lock_function);
            report.caller = caller ? caller->name : "[lock code only]";
        }
        reports.push_back(std::move(report));
    }
    sort_by_count(reports, &StackReport::caller);
    return reports;
}

void site_reports(const TraceSnapshot& snapshot, std::uint32_t mask, const Kallsyms& symbols, PercpuReport& out)
{
    std::map<std::string, CallSiteReport> allocs, frees;
    for (const RawSite& raw : snapshot.sites) {
        if (!in_mask(raw.segment, mask))
            continue;
        std::optional<CallSite> site = first_frame_outside(raw.ips, symbols, is_percpu_allocator_function);
        std::vector<std::string> frames = shown_frames(raw.ips, symbols);
        if (!site) {
            // No stack: the event's call_site (an alloc's tracepoint field,
            // a free's return address from free_percpu's entry) is the
            // caller itself, unless it lands in the allocator (then the
            // stack that should have been taken was lost).
            if (raw.call_site) {
                const auto resolved = symbols.resolve(raw.call_site);
                const std::string module =
                    resolved && !resolved->symbol->module.empty() ? resolved->symbol->module : std::string(kCoreKernel);
                const bool wrapper = resolved && is_percpu_allocator_function(resolved->symbol->name);
                site = CallSite{symbols.symbolize(raw.call_site) + (wrapper ? " (stack lost)" : ""), module};
                frames = {symbols.symbolize(raw.call_site)};
            } else {
                site = CallSite{"[stack not recorded]", ""};
            }
        }
        CallSiteReport& report = (raw.kind == PercpuEvent::alloc ? allocs : frees)[site->name];
        if (report.call_site.empty()) {
            report.call_site = site->name;
            report.module = site->module;
            report.frames = std::move(frames);
        }
        report.count += raw.count;
        report.bytes += raw.bytes;

        const std::string module = site->module.empty() ? "[unknown]" : site->module;
        ModuleCounts& counts = out.by_module[module];
        if (raw.kind == PercpuEvent::alloc) {
            counts.allocs += raw.count;
            counts.alloc_bytes += raw.bytes;
            counts.alloc_sizes[AllocSize{raw.size, raw.align}] += raw.count;
        } else {
            counts.frees += raw.count;
            counts.free_bytes += raw.bytes;
        }
    }
    const auto finish = [](std::map<std::string, CallSiteReport>& grouped, std::vector<CallSiteReport>& list,
                           std::size_t& distinct) {
        for (auto& [name, report] : grouped)
            list.push_back(std::move(report));
        distinct = list.size();
        sort_by_count(list, &CallSiteReport::call_site);
    };
    finish(allocs, out.alloc_sites, out.distinct_alloc_sites);
    finish(frees, out.free_sites, out.distinct_free_sites);
}

}  // namespace

TraceReport build_report(const TraceSnapshot& snapshot, std::uint32_t mask, const Kallsyms& symbols, std::size_t top)
{
    TraceReport report;
    for (std::size_t lock = 0; lock < snapshot.locks.size(); ++lock) {
        LockReport entry;
        entry.lock = snapshot.locks[lock];
        entry.counters = snapshot.lock_counters(lock, mask);
        entry.stacks = lock_stack_reports(snapshot, lock, mask, symbols);
        entry.distinct_stacks = entry.stacks.size();
        keep_top(entry.stacks, top);
        report.locks.push_back(std::move(entry));
    }
    report.percpu.totals = snapshot.percpu_totals(mask);
    site_reports(snapshot, mask, symbols, report.percpu);
    keep_top(report.percpu.alloc_sites, top);
    keep_top(report.percpu.free_sites, top);
    report.lost = snapshot.lost;
    report.wait_stacks = snapshot.wait_stacks;
    return report;
}

}  // namespace shadowslab::tracer
