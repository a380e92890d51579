#include "shadowslab/tracer/tracer.hpp"

#include <fcntl.h>
#include <linux/types.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include "percpu_locks.h"
#include "percpu_locks.skel.h"
#include "shadowslab/tracer/trace_error.hpp"
#include "shadowslab/unique_fd.hpp"

namespace shadowslab::tracer {

static_assert(Histogram::kBuckets == PL_HIST_BUCKETS, "the BPF histogram and shadowslab::Histogram must agree");
static_assert(kSegments == PL_SEGMENTS, "segments: trace_data.hpp and percpu_locks.h must agree");

// ------------------------------------------------------------- skeleton

namespace {

struct SkeletonDeleter {
    void operator()(percpu_locks_bpf* skeleton) const { percpu_locks_bpf::destroy(skeleton); }
};

// libbpf reports through one global print function: while a Tracer is being
// built, keep its messages (to quote the verifier when loading fails) and
// pass them on only when verbose.
std::mutex log_mutex;
std::deque<std::string> log_lines;
bool log_verbose = false;

int libbpf_log(enum libbpf_print_level level, const char* format, va_list args)
{
    va_list copy;
    va_copy(copy, args);
    const int size = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    std::string text(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
    std::vsnprintf(text.data(), text.size() + 1, format, args);

    const std::lock_guard lock(log_mutex);
    if (log_verbose)
        std::fputs(text.c_str(), stderr);
    if (level == LIBBPF_DEBUG && !log_verbose)
        return 0;
    // A verifier log arrives as one message: keep it line by line.
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        log_lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (log_lines.size() > 40)
            log_lines.pop_front();
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return 0;
}

class LibbpfLog {
public:
    explicit LibbpfLog(bool verbose)
    {
        const std::lock_guard lock(log_mutex);
        log_lines.clear();
        log_verbose = verbose;
        previous_ = libbpf_set_print(libbpf_log);
    }
    LibbpfLog(const LibbpfLog&) = delete;
    LibbpfLog& operator=(const LibbpfLog&) = delete;
    ~LibbpfLog() { libbpf_set_print(previous_); }

    // The last few lines libbpf said, indented, for an error message.
    static std::string tail(std::size_t lines)
    {
        const std::lock_guard lock(log_mutex);
        std::string text;
        const std::size_t first = log_lines.size() > lines ? log_lines.size() - lines : 0;
        for (std::size_t i = first; i < log_lines.size(); ++i) {
            std::string line = log_lines[i];
            while (!line.empty() && (line.back() == '\n' || line.back() == ' '))
                line.pop_back();
            text += "\n  " + line;
        }
        return text;
    }

private:
    libbpf_print_fn_t previous_;
};

bool lockdown_active()
{
    std::ifstream in("/sys/kernel/security/lockdown");
    std::string text;
    std::getline(in, text);
    return !text.empty() && text.find("[none]") == std::string::npos;
}

std::string privilege_hint()
{
    std::string hint =
        "tracing needs root, or CAP_BPF and CAP_PERFMON (and CAP_SYSLOG to read kernel addresses): run it as root, "
        "e.g. with sudo";
    if (geteuid() == 0 && lockdown_active())
        hint += "; the kernel is also locked down (/sys/kernel/security/lockdown), which may forbid tracing";
    return hint;
}

int map_fd(const bpf_map* map)
{
    return bpf_map__fd(map);
}

template <typename Value>
std::vector<Value> lookup_percpu(int fd, std::uint32_t key, int cpus)
{
    std::vector<Value> values(static_cast<std::size_t>(cpus));
    if (bpf_map_lookup_elem(fd, &key, values.data()) != 0)
        throw TraceError(errno, fmt::format("read a BPF map entry: {}", std::strerror(errno)));
    return values;
}

template <typename Value>
void zero_percpu(int fd, std::uint32_t entries, int cpus)
{
    const std::vector<Value> zeros(static_cast<std::size_t>(cpus));
    for (std::uint32_t key = 0; key < entries; ++key)
        bpf_map_update_elem(fd, &key, zeros.data(), BPF_ANY);
}

// Every key of a hash map (it may change while it is walked).
template <typename Key>
std::vector<Key> hash_keys(int fd)
{
    std::vector<Key> keys;
    Key key{};
    Key next{};
    const void* previous = nullptr;
    while (bpf_map_get_next_key(fd, previous, &next) == 0) {
        keys.push_back(next);
        key = next;
        previous = &key;
        if (keys.size() > (1U << 20))
            break;
    }
    return keys;
}

class StackReader {
public:
    StackReader(int fd, std::size_t depth) : fd_(fd), depth_(depth) {}

    // Innermost first; empty if the id is < 0 or no longer in the map.
    const std::vector<std::uint64_t>& read(std::int32_t id)
    {
        static const std::vector<std::uint64_t> none;
        if (id < 0)
            return none;
        auto [it, fresh] = cache_.try_emplace(id);
        if (fresh) {
            std::vector<std::uint64_t> ips(depth_);
            const std::uint32_t key = static_cast<std::uint32_t>(id);
            if (bpf_map_lookup_elem(fd_, &key, ips.data()) == 0) {
                const auto end = std::find(ips.begin(), ips.end(), 0);
                ips.erase(end, ips.end());
                it->second = std::move(ips);
            }
        }
        return it->second;
    }

    const std::map<std::int32_t, std::vector<std::uint64_t>>& seen() const { return cache_; }

private:
    int fd_;
    std::size_t depth_;
    std::map<std::int32_t, std::vector<std::uint64_t>> cache_;
};

}  // namespace

class Skeleton {
public:
    // Loads the programs, counting frees at free_percpu()'s entry (fentry);
    // if that cannot load, at the free tracepoint instead (see
    // percpu_locks.bpf.c), and fentry_error() says why.
    explicit Skeleton(const std::string& btf_path)
    {
        try {
            open_and_load(btf_path, true);
        } catch (const TraceError& error) {
            if (error.code().value() == EPERM)
                throw;
            fentry_error_ = error.what();
            open_and_load(btf_path, false);  // what fails here fails for another reason
        }
    }

    percpu_locks_bpf* get() const { return skeleton_.get(); }
    bool frees_at_entry() const { return fentry_error_.empty(); }
    const std::string& fentry_error() const { return fentry_error_; }

    // The events the kernel has skipped so far, by kind of program (only
    // the missed_* counts are filled in): see LostCounts.
    LostCounts missed() const
    {
        const percpu_locks_bpf* skel = skeleton_.get();
        LostCounts missed;
        missed.missed_waits = recursion_misses(skel->progs.handle_contention_begin) +
                              recursion_misses(skel->progs.handle_contention_end);
        missed.missed_allocs = recursion_misses(skel->progs.handle_percpu_alloc) +
                               recursion_misses(skel->progs.handle_percpu_alloc_fail);
        missed.missed_frees = recursion_misses(skel->progs.enter_free_percpu) +
                              recursion_misses(skel->progs.handle_percpu_free);
        return missed;
    }

    // Attaches one program, its link kept in the skeleton (so destroy()
    // detaches it).
    void attach(bpf_program* program, bpf_link*& link, const char* what)
    {
        link = bpf_program__attach(program);
        if (!link) {
            const int err = errno;
            const std::string hint =
                err == EPERM || err == EACCES ? privilege_hint() : std::string("see --verbose");
            throw TraceError(err, fmt::format("attach to {}: {}; {}", what, std::strerror(err), hint));
        }
    }

private:
    // A loaded program's bpf_prog_info.recursion_misses; 0 if not loaded.
    static std::uint64_t recursion_misses(const bpf_program* program)
    {
        const int fd = bpf_program__fd(program);
        if (fd < 0)
            return 0;
        bpf_prog_info info{};
        __u32 length = sizeof(info);
        if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0) {
            const int err = errno;
            throw TraceError(err, fmt::format("read the info of the tracer's program {}: {}",
                                              bpf_program__name(program), std::strerror(err)));
        }
        return info.recursion_misses;
    }

    void open_and_load(const std::string& btf_path, bool free_at_entry)
    {
        // open_opts.btf_custom_path: the BTF the programs are checked
        // against when it is not the running kernel's own file.
        LIBBPF_OPTS(bpf_object_open_opts, options);
        if (btf_path != "/sys/kernel/btf/vmlinux")
            options.btf_custom_path = btf_path.c_str();
        skeleton_.reset(percpu_locks_bpf::open(&options));
        if (!skeleton_) {
            const int err = errno;
            throw TraceError(err, fmt::format("open the tracer's BPF object: {}{}", std::strerror(err),
                                              LibbpfLog::tail(8)));
        }
        bpf_program__set_autoload(skeleton_->progs.enter_free_percpu, free_at_entry);
        bpf_program__set_autoload(skeleton_->progs.handle_percpu_free, !free_at_entry);
        if (percpu_locks_bpf::load(skeleton_.get()) != 0) {
            const int err = errno;
            // EACCES from root is the verifier refusing a program.
            if (err == EPERM || (err == EACCES && geteuid() != 0))
                throw TraceError(EPERM, fmt::format("load the tracer's BPF programs: {}; {}", std::strerror(err),
                                                    privilege_hint()));
            throw TraceError(err, fmt::format("load the tracer's BPF programs: {} (the verifier's or libbpf's "
                                              "last words below; --verbose shows all; lock:contention_begin/end "
                                              "need 5.19 or later){}",
                                              std::strerror(err), LibbpfLog::tail(12)));
        }
    }

    std::string fentry_error_;
    std::unique_ptr<percpu_locks_bpf, SkeletonDeleter> skeleton_;
};

// --------------------------------------------------------------- tracer

namespace {

// The -p and --cgroup filters, into .bss and cgroup_filter before any
// program is attached.
void set_filters(Skeleton& skeleton, const TracerOptions& options)
{
    percpu_locks_bpf* skel = skeleton.get();
    skel->bss->filter_tgid = static_cast<__u32>(options.pid);
    if (options.cgroup_path.empty())
        return;
    const UniqueFd cgroup(open(options.cgroup_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (cgroup.get() < 0) {
        const int err = errno;
        throw TraceError(err, fmt::format("open the cgroup {}: {}; give a cgroup v2 directory, e.g. "
                                          "/sys/fs/cgroup/system.slice",
                                          options.cgroup_path, std::strerror(err)));
    }
    const __u32 index = 0;
    const int fd = cgroup.get();
    if (bpf_map_update_elem(map_fd(skel->maps.cgroup_filter), &index, &fd, BPF_ANY) != 0) {
        const int err = errno;
        throw TraceError(err, fmt::format("filter by the cgroup {}: {} (is it a cgroup v2 directory?)",
                                          options.cgroup_path, std::strerror(err)));
    }
    skel->bss->filter_cgroup = 1;
}

}  // namespace

Tracer::Tracer(const TracerOptions& options)
{
    if (options.wait_stacks.period < 1 || options.wait_stacks.period > kMaxWaitStackPeriod ||
        options.wait_stacks.always_first > kMaxWaitStacksFirst)
        throw std::invalid_argument(fmt::format("TracerOptions::wait_stacks: period {} not in 1 to {}, or always_first {} "
                                                "over {}",
                                                options.wait_stacks.period, kMaxWaitStackPeriod,
                                                options.wait_stacks.always_first, kMaxWaitStacksFirst));
    if ((options.wait_slots != 0 && !std::has_single_bit(options.wait_slots)) || options.wait_slots > PL_WAIT_SLOTS)
        throw std::invalid_argument(fmt::format("TracerOptions::wait_slots (SHADOWCTL_TRACE_WAIT_SLOTS): {} is not "
                                                "0 or a power of two up to {}",
                                                options.wait_slots, PL_WAIT_SLOTS));
    if (access(options.btf_path.c_str(), R_OK) != 0) {
        const int err = errno;
        throw TraceError(err, fmt::format("no kernel BTF at {} ({}): the tracer's BPF programs are CO-RE and need "
                                          "the kernel's type information; use a kernel built with "
                                          "CONFIG_DEBUG_INFO_BTF=y (Debian's are)",
                                          options.btf_path, std::strerror(err)));
    }

    const LibbpfLog log(options.verbose);
    skeleton_ = std::make_unique<Skeleton>(options.btf_path);
    symbols_ = Kallsyms::load(options.kallsyms_path);
    locks_ = resolve_locks(symbols_, options, warnings_);

    percpu_locks_bpf* skel = skeleton_->get();
    static_assert(sizeof(skel->bss->lock_addrs) / sizeof(skel->bss->lock_addrs[0]) == PL_MAX_LOCKS);
    for (std::uint32_t i = 0; i < locks_.size(); ++i)  // resolve_locks() keeps to max_locks()
        skel->bss->lock_addrs[i] = locks_[i].address;
    skel->bss->nr_locks = static_cast<__u32>(locks_.size());
    // Allocations whose call_site lands in these take a stack.
    const std::vector<AddressRange> wrappers = symbols_.function_ranges(is_percpu_allocator_function);
    auto* bss = skel->bss;
    const bool ranges_fit = !wrappers.empty() && wrappers.size() <= PL_MAX_WRAPPER_RANGES;
    static_assert(PL_MAX_WRAPPER_RANGES <= (1U << (PL_RANGE_SEARCH_STEPS - 1)),
                  "the BPF binary search must reach every range");
    if (!ranges_fit && !options.alloc_stacks)
        warnings_.push_back(fmt::format("the percpu allocator's functions form {} address ranges in {} (1 to {} "
                                        "expected): every allocation takes a stack, which costs more",
                                        wrappers.size(), symbols_.source(), PL_MAX_WRAPPER_RANGES));
    bss->always_stack = options.alloc_stacks || !ranges_fit;
    std::uint32_t ranges = 0;
    for (; ranges < wrappers.size() && ranges < PL_MAX_WRAPPER_RANGES; ++ranges) {
        bss->wrapper_ranges[ranges].start = wrappers[ranges].start;
        bss->wrapper_ranges[ranges].end = wrappers[ranges].end;
    }
    bss->nr_wrapper_ranges = ranges;
    bss->self_tgid = static_cast<__u32>(getpid());
    bss->free_sizes = options.free_sizes;
    free_sizes_ = options.free_sizes;
    bss->wait_stack_period = options.wait_stacks.period;
    bss->wait_stacks_first = options.wait_stacks.always_first;
    bss->wait_slots_used = options.wait_slots;
    wait_stacks_ = options.wait_stacks;
    set_filters(*skeleton_, options);

    set_segment(kSegmentOther);
    skeleton_->attach(skel->progs.handle_contention_begin, skel->links.handle_contention_begin,
                      "the tracepoint lock:contention_begin");
    skeleton_->attach(skel->progs.handle_contention_end, skel->links.handle_contention_end,
                      "the tracepoint lock:contention_end");
    skeleton_->attach(skel->progs.handle_percpu_alloc, skel->links.handle_percpu_alloc,
                      "the tracepoint percpu:percpu_alloc_percpu");
    skeleton_->attach(skel->progs.handle_percpu_alloc_fail, skel->links.handle_percpu_alloc_fail,
                      "the tracepoint percpu:percpu_alloc_percpu_fail");
    // Frees: at free_percpu()'s entry, outside pcpu_lock; at the tracepoint
    // inside it only where that program cannot load (see percpu_locks.bpf.c).
    if (skeleton_->frees_at_entry()) {
        skeleton_->attach(skel->progs.enter_free_percpu, skel->links.enter_free_percpu,
                          "free_percpu()'s entry (fentry)");
    } else {
        warnings_.push_back(fmt::format("fentry on free_percpu cannot load ({}): frees are counted at their "
                                        "tracepoint instead, under pcpu_lock and each with a kernel stack, which "
                                        "costs more",
                                        skeleton_->fentry_error()));
        skeleton_->attach(skel->progs.handle_percpu_free, skel->links.handle_percpu_free,
                          "the tracepoint percpu:percpu_free_percpu");
    }
}

Tracer::~Tracer() = default;

void Tracer::set_segment(std::uint32_t segment)
{
    if (segment >= kSegments)
        throw std::invalid_argument("Tracer::set_segment: no such segment");
    __atomic_store_n(&skeleton_->get()->bss->segment, segment, __ATOMIC_SEQ_CST);
}

TraceSnapshot Tracer::snapshot() const
{
    percpu_locks_bpf* skel = skeleton_->get();
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0)
        throw TraceError(-cpus, "count the possible CPUs (/sys/devices/system/cpu/possible)");

    TraceSnapshot snapshot = TraceSnapshot::empty(locks_);
    snapshot.wait_stacks = wait_stacks_;
    for (PercpuTotals& totals : snapshot.percpu)
        totals.frees_sized = free_sizes_;
    const int stats_fd = map_fd(skel->maps.lock_stats);
    const std::vector<pl_cpu_counts> cpu_counts = lookup_percpu<pl_cpu_counts>(map_fd(skel->maps.cpu_counts), 0, cpus);
    for (std::uint32_t segment = 0; segment < kSegments; ++segment) {
        for (std::uint32_t lock = 0; lock < locks_.size(); ++lock) {
            LockCounters& counters = snapshot.counters[segment][lock];
            Histogram::Buckets buckets{};
            for (const pl_lock_stats& cpu : lookup_percpu<pl_lock_stats>(stats_fd, segment * PL_MAX_LOCKS + lock, cpus)) {
                counters.begin_events += cpu.begin_events;
                counters.contentions += cpu.contentions;
                counters.blocked += cpu.blocked;
                counters.aborted += cpu.aborted;
                counters.hashed += cpu.hashed;
                counters.wait_ns_total += cpu.wait_ns_total;
                counters.wait_ns_max = std::max<std::uint64_t>(counters.wait_ns_max, cpu.wait_ns_max);
                for (std::size_t i = 0; i < buckets.size(); ++i)
                    buckets[i] += cpu.hist[i];
            }
            counters.wait_hist = Histogram(buckets);
        }
        PercpuTotals& totals = snapshot.percpu[segment];
        for (const pl_cpu_counts& counts : cpu_counts) {
            const pl_percpu_totals& cpu = counts.totals[segment];
            totals.allocs += cpu.allocs;
            totals.alloc_bytes += cpu.alloc_bytes;
            totals.alloc_failures += cpu.alloc_failures;
            totals.frees += cpu.frees;
            totals.free_bytes += cpu.free_bytes;
            totals.frees_unmatched += cpu.frees_unmatched;
        }
    }

    const int misc_fd = map_fd(skel->maps.misc);
    std::uint64_t misc[PL_MISC_COUNT] = {};
    for (std::uint32_t what = 0; what < PL_MISC_COUNT; ++what)
        for (const __u64 value : lookup_percpu<__u64>(misc_fd, what, cpus))
            misc[what] += value;
    snapshot.lost.pending = misc[PL_MISC_LOST_PENDING];
    snapshot.lost.lock_stacks = misc[PL_MISC_LOST_LOCK_STACK];
    snapshot.lost.alloc_stacks = misc[PL_MISC_LOST_ALLOC_STACK];
    snapshot.lost.sites = misc[PL_MISC_LOST_SITE];
    snapshot.lost.unmatched_ends = misc[PL_MISC_UNMATCHED_END];
    snapshot.lost.live = misc[PL_MISC_LOST_LIVE];
    const LostCounts missed = skeleton_->missed();
    snapshot.lost.missed_waits = missed.missed_waits - missed_before_.missed_waits;
    snapshot.lost.missed_allocs = missed.missed_allocs - missed_before_.missed_allocs;
    snapshot.lost.missed_frees = missed.missed_frees - missed_before_.missed_frees;

    StackReader lock_traces(map_fd(skel->maps.lock_stack_traces), PL_LOCK_STACK_DEPTH);
    const int lock_stacks_fd = map_fd(skel->maps.lock_stacks);
    for (const pl_lock_stack_key& key : hash_keys<pl_lock_stack_key>(lock_stacks_fd)) {
        pl_lock_stack_value value{};
        if (bpf_map_lookup_elem(lock_stacks_fd, &key, &value) != 0 || key.lock >= locks_.size())
            continue;
        snapshot.lock_stacks.push_back(
            RawLockStack{key.segment, key.lock, lock_traces.read(key.stack_id), value.count, value.wait_ns,
                         value.sampled});
    }

    // A call site's counts: its slots in the CPUs' caches plus its entry
    // in the shared hash (percpu_locks.h, "call-site cache").
    const auto site_order = [](const pl_site_key& a, const pl_site_key& b) {
        return std::tie(a.segment, a.kind, a.stack_id, a.call_site, a.size, a.align) <
               std::tie(b.segment, b.kind, b.stack_id, b.call_site, b.size, b.align);
    };
    std::map<pl_site_key, pl_site_value, decltype(site_order)> sites(site_order);
    const auto add_site = [&sites](const pl_site_key& key, const pl_site_value& value) {
        pl_site_value& sum = sites[key];
        sum.count += value.count;
        sum.bytes += value.bytes;
    };
    for (const pl_cpu_counts& cache : cpu_counts)
        for (const pl_site_slot& slot : cache.slots)
            if (slot.state == PL_SLOT_OWNED && slot.value.count != 0)
                add_site(slot.key, slot.value);
    const int sites_fd = map_fd(skel->maps.sites);
    for (const pl_site_key& key : hash_keys<pl_site_key>(sites_fd)) {
        pl_site_value value{};
        if (bpf_map_lookup_elem(sites_fd, &key, &value) == 0)
            add_site(key, value);
    }

    StackReader alloc_traces(map_fd(skel->maps.alloc_stack_traces), PL_ALLOC_STACK_DEPTH);
    for (const auto& [key, value] : sites)
        snapshot.sites.push_back(RawSite{key.segment, key.kind == PL_KIND_FREE ? PercpuEvent::free : PercpuEvent::alloc,
                                         alloc_traces.read(key.stack_id), key.call_site, value.count, value.bytes,
                                         key.size, key.align});
    return snapshot;
}

void Tracer::clear()
{
    percpu_locks_bpf* skel = skeleton_->get();
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0)
        throw TraceError(-cpus, "count the possible CPUs (/sys/devices/system/cpu/possible)");
    zero_percpu<pl_lock_stats>(map_fd(skel->maps.lock_stats), PL_SEGMENTS * PL_MAX_LOCKS, cpus);
    zero_percpu<__u64>(map_fd(skel->maps.misc), PL_MISC_COUNT, cpus);
    missed_before_ = skeleton_->missed();

    const int lock_stacks_fd = map_fd(skel->maps.lock_stacks);
    const int lock_traces_fd = map_fd(skel->maps.lock_stack_traces);
    for (const pl_lock_stack_key& key : hash_keys<pl_lock_stack_key>(lock_stacks_fd)) {
        bpf_map_delete_elem(lock_stacks_fd, &key);
        if (key.stack_id >= 0) {
            const std::uint32_t id = static_cast<std::uint32_t>(key.stack_id);
            bpf_map_delete_elem(lock_traces_fd, &id);
        }
    }
    const int alloc_traces_fd = map_fd(skel->maps.alloc_stack_traces);
    const auto forget_stack = [alloc_traces_fd](const pl_site_key& key) {
        if (key.stack_id >= 0) {
            const std::uint32_t id = static_cast<std::uint32_t>(key.stack_id);
            bpf_map_delete_elem(alloc_traces_fd, &id);
        }
    };
    const int counts_fd = map_fd(skel->maps.cpu_counts);
    for (const pl_cpu_counts& cache : lookup_percpu<pl_cpu_counts>(counts_fd, 0, cpus))
        for (const pl_site_slot& slot : cache.slots)
            if (slot.state == PL_SLOT_OWNED)
                forget_stack(slot.key);
    zero_percpu<pl_cpu_counts>(counts_fd, 1, cpus);
    const int sites_fd = map_fd(skel->maps.sites);
    for (const pl_site_key& key : hash_keys<pl_site_key>(sites_fd)) {
        bpf_map_delete_elem(sites_fd, &key);
        forget_stack(key);
    }
}

}  // namespace shadowslab::tracer
