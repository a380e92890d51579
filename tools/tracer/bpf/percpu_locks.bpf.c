// SPDX-License-Identifier: GPL-2.0
/*
 * percpu_locks.bpf.c - contention on the percpu allocator's locks, and its
 * allocations and frees, for shadowctl trace (tools/tracer).
 *
 * Cost first.  Every percpu allocation and free of the traced workload runs
 * one of these programs, so each is attached the cheapest way the kernel
 * offers: BTF tracepoints (tp_btf: the tracepoint's arguments as they are,
 * no perf record built and copied as a classic tracepoint program gets) and
 * an fentry trampoline on free_percpu() (no pt_regs, no kprobe handler).
 * Under TCG a classic tracepoint program that only counted cost about
 * 1.1 us per event, the tp_btf one about 0.1 us (tools/tracer/README.md,
 * "Overhead").
 *
 * Locks: lock:contention_begin/end, kept only for the lock addresses that
 * userspace put in lock_addrs (resolved from /proc/kallsyms: by default
 * pcpu_alloc_mutex, pcpu_lock and percpu_counters_lock), found by a linear
 * scan of those few words, as every contended lock of the system passes
 * here.  These tracepoints fire on the slow path only.  A mutex on 6.1 may
 * fire contention_begin twice for one acquisition (first with LCB_F_SPIN
 * while it spins optimistically, then without it before it sleeps) and
 * contention_end once, so two counts are kept:
 *   begin_events  every contention_begin: what perf stat or a bpftrace
 *                 count of the tracepoint sees;
 *   contentions   acquisitions that waited: from a task's first begin on
 *                 the lock to the matching end, which is also the wait
 *                 that is timed (as perf lock contention counts).
 * Every wait is counted and timed; the waiters' stacks, which cost more
 * than the rest of a wait's tracing together, are sampled past each CPU's
 * first waits on a lock, and weighted (see pl_pending in percpu_locks.h).
 *
 * Allocator: percpu:percpu_alloc_percpu and percpu_alloc_percpu_fail, and
 * free_percpu()'s entry, counted with their bytes, by call site.  An
 * allocation's call_site argument is pcpu_alloc()'s return address: the
 * caller itself where the wrapper tail-calls it (as __alloc_percpu_gfp()
 * does on x86-64 6.1), else a return into a wrapper such as
 * __percpu_counter_init_many(); only then is a short kernel stack taken,
 * for userspace to find the first frame past the wrappers (stacks are
 * costly).  A free is counted at free_percpu()'s entry, before it takes
 * pcpu_lock, with its return address read from the trampoline's frame (see
 * free_return_address()).  The free tracepoint fires with pcpu_lock held,
 * so a program there lengthens the critical section that every
 * allocation's area search waits for, and it has no call_site: it is
 * attached only where the fentry program cannot be loaded, and then every
 * free takes a stack.
 *
 * Filters (.bss, set before attaching): filter_tgid counts only one
 * process's events, filter_cgroup only those of tasks in the cgroup v2
 * directory in cgroup_filter[0] or below it.  An event belongs to the task
 * that runs it: the waiter of a contention, the caller of an allocation or
 * a free.
 *
 * BTF tracepoints and fentry are invisible to the tracepoints' other users
 * (perf stat, perf record, ftrace), which see every event as before.
 *
 * The arguments are the tracepoints' TP_PROTO, the same from 6.0 (when
 * percpu_alloc_percpu gained call_site and bytes_alloc) to 7.x; the
 * verifier checks them against the running kernel's BTF at load.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "percpu_locks.h"

char LICENSE[] SEC("license") = "GPL";

/* Written by userspace through the mmap'ed .bss (see percpu_locks.h). */
volatile __u32 segment;
volatile __u32 self_tgid;
/* The allocator's own functions and wrappers; 1 in always_stack: ignore. */
struct pl_range wrapper_ranges[PL_MAX_WRAPPER_RANGES];
volatile __u32 nr_wrapper_ranges;
volatile __u32 always_stack;
volatile __u32 filter_tgid;	/* 0: every process */
volatile __u32 filter_cgroup;	/* 1: only tasks under cgroup_filter[0] */
volatile __u32 free_sizes;	/* 1: keep `live`, to size each free */
/*
 * Waiters' stacks (see percpu_locks.h): every wait's for each CPU's first
 * wait_stacks_first begins on a lock, then 1 in wait_stack_period (<= 1: all).
 */
volatile __u32 wait_stack_period;
volatile __u32 wait_stacks_first;
/*
 * The task slots of wait_slots in use, PL_WAIT_SLOTS or a smaller power of
 * two; 0: none, every wait in the `pending` hash (a test hook, and the
 * tracer as it was before the slots: SHADOWCTL_TRACE_WAIT_SLOTS).
 */
volatile __u32 wait_slots_used;
/* The traced locks' addresses: lock i is lock_addrs[i]. */
__u64 lock_addrs[PL_MAX_LOCKS];
volatile __u32 nr_locks;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_SEGMENTS * PL_MAX_LOCKS);
	__type(key, __u32);
	__type(value, struct pl_lock_stats);
} lock_stats SEC(".maps");

/*
 * Waits in progress, by task and lock (a task waits for one lock at a
 * time, or two when an interrupt waits for another over its wait).  Each
 * is kept in its slot of wait_slots, [tid % PL_WAIT_SLOTS][lock]: a
 * process's threads have consecutive tids, so they do not share slots.  A
 * task claims its slot with a compare-and-swap and frees it with an
 * exchange (which orders its reads of the slot before the free), so no
 * lock is taken and, unlike a hash, nothing is allocated or unlinked: with
 * the `pending` hash alone, its update and delete made contention_begin
 * about 1.5 us and contention_end about 1.2 us longer under TCG, and
 * contention_end runs with the lock just acquired, lengthening its
 * critical section (tools/tracer/README.md, "Overhead").  A wait whose
 * slot another task holds goes to the hash, and hashed_waits counts those,
 * so that while there is none a task's own begin and end skip the hash
 * (the task's own increment is ordered before its later reads).
 */
struct pl_wait_slot {
	__u32 owner;		/* the waiting task's tid + 1; 0: free */
	__u32 pad;
	struct pl_pending wait;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, PL_WAIT_SLOTS * PL_MAX_LOCKS);
	__type(key, __u32);
	__type(value, struct pl_wait_slot);
} wait_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pl_pending_key);
	__type(value, struct pl_pending);
} pending SEC(".maps");

volatile __u64 hashed_waits;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PL_LOCK_STACK_DEPTH * sizeof(__u64));
} lock_stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct pl_lock_stack_key);
	__type(value, struct pl_lock_stack_value);
} lock_stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 4096);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, PL_ALLOC_STACK_DEPTH * sizeof(__u64));
} alloc_stack_traces SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, struct pl_site_key);
	__type(value, struct pl_site_value);
} sites SEC(".maps");

/*
 * Live allocations seen: percpu pointer -> bytes, to size their frees, only
 * with free_sizes set (shadowctl trace --free-sizes): an update per
 * allocation and a lookup and delete per free were about half of the
 * allocator tracing's cost (tools/tracer/README.md, "Overhead").  A plain
 * hash (an LRU one costs more per update); when full, a free's size is
 * unknown (counted in misc).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} live SEC(".maps");

/* Each CPU's totals, and its call-site cache in front of `sites`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_cpu_counts);
} cpu_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_MISC_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} misc SEC(".maps");

/*
 * Per-CPU counters are added to without atomics: a tracing program runs
 * with migration disabled, so only an interrupt on the same CPU that runs
 * another of these programs (a percpu free in softirq, say) between a
 * counter's load and store could lose an increment.
 */
static __always_inline void count_misc(__u32 what)
{
	__u64 *value = bpf_map_lookup_elem(&misc, &what);

	if (value)
		*value += 1;
}

/*
 * Is the current task's event wanted under the filters?  @pid_tgid is
 * bpf_get_current_pid_tgid()'s, taken once per event (a helper call, not
 * inlined on 6.1).
 */
static __always_inline bool wanted(__u64 pid_tgid)
{
	if (filter_tgid && (pid_tgid >> 32) != filter_tgid)
		return false;
	if (filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

static __always_inline __u32 current_segment(__u64 pid_tgid)
{
	__u32 seg = segment;

	if (seg >= PL_SEGMENTS || (pid_tgid >> 32) == self_tgid)
		return 0;
	return seg;
}

static __always_inline struct pl_cpu_counts *this_cpu_counts(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_counts, &zero);
}

static __always_inline struct pl_percpu_totals *totals_of(struct pl_cpu_counts *counts, __u32 seg)
{
	if (!counts || seg >= PL_SEGMENTS)
		return NULL;
	return &counts->totals[seg];
}

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;

	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r < PL_HIST_BUCKETS ? r : PL_HIST_BUCKETS - 1;
}

static __always_inline struct pl_lock_stats *stats_of(__u32 seg, __u32 lock)
{
	__u32 key = seg * PL_MAX_LOCKS + lock;

	return bpf_map_lookup_elem(&lock_stats, &key);
}

/* The lock's index, or -1 if it is not traced. */
static __always_inline int traced_lock(void *lock_addr)
{
	__u32 n = nr_locks;

	for (int i = 0; i < PL_MAX_LOCKS; i++) {
		if (i >= n)
			break;
		if (lock_addrs[i] == (__u64)lock_addr)
			return i;
	}
	return -1;
}

/*
 * How many waits the stack of this one stands for: 1 while this CPU is
 * within its first wait_stacks_first begins on the lock (or without
 * sampling), then the period for 1 wait in the period at random, else 0:
 * no stack.
 */
static __always_inline __u32 wait_stack_weight(const struct pl_lock_stats *stats)
{
	__u32 period = wait_stack_period;

	if (period <= 1 || !stats || stats->begin_events <= wait_stacks_first)
		return 1;
	return bpf_get_prandom_u32() % period == 0 ? period : 0;
}

/* The task's slot for a wait on the lock; NULL: no slots in use. */
static __always_inline struct pl_wait_slot *wait_slot(const struct pl_pending_key *key)
{
	__u32 used = wait_slots_used, index;

	if (!used)
		return NULL;
	index = (key->tid & (used - 1) & (PL_WAIT_SLOTS - 1)) * PL_MAX_LOCKS + key->lock;
	return bpf_map_lookup_elem(&wait_slots, &index);
}

static __always_inline bool holds_slot(const struct pl_wait_slot *slot, const struct pl_pending_key *key)
{
	return slot && slot->owner == key->tid + 1;
}

/* The task's wait on the lock, in @slot or the hash; NULL: none. */
static __always_inline struct pl_pending *find_wait(const struct pl_pending_key *key,
						    struct pl_wait_slot *slot)
{
	if (holds_slot(slot, key))
		return &slot->wait;
	if (!hashed_waits)
		return NULL;
	return bpf_map_lookup_elem(&pending, key);
}

SEC("tp_btf/contention_begin")
int BPF_PROG(handle_contention_begin, void *lock_addr, unsigned int flags)
{
	struct pl_pending_key key;
	struct pl_pending *waiting, new_wait = {};
	struct pl_wait_slot *slot;
	struct pl_lock_stats *stats;
	int lock = traced_lock(lock_addr);
	__u64 id;
	__u32 seg;

	if (lock < 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!wanted(id))
		return 0;
	seg = current_segment(id);
	stats = stats_of(seg, lock);
	if (stats)
		stats->begin_events += 1;

	key.tid = (__u32)id;
	key.lock = lock;
	slot = wait_slot(&key);
	waiting = find_wait(&key, slot);
	if (waiting) {
		/* The same wait again: a mutex that stopped spinning to sleep. */
		if (!(flags & PL_LCB_F_SPIN))
			waiting->blocked = 1;
		return 0;
	}
	new_wait.weight = wait_stack_weight(stats);
	if (new_wait.weight) {
		new_wait.stack_id = bpf_get_stackid(ctx, &lock_stack_traces, 0);
		if (new_wait.stack_id < 0)
			count_misc(PL_MISC_LOST_LOCK_STACK);
	}
	new_wait.start_ns = bpf_ktime_get_ns();
	new_wait.segment = seg;
	new_wait.blocked = !(flags & PL_LCB_F_SPIN);
	if (slot && !slot->owner && __sync_val_compare_and_swap(&slot->owner, 0, key.tid + 1) == 0) {
		slot->wait = new_wait;
		return 0;
	}
	__sync_fetch_and_add(&hashed_waits, 1);
	if (bpf_map_update_elem(&pending, &key, &new_wait, BPF_NOEXIST)) {
		__sync_fetch_and_sub(&hashed_waits, 1);
		count_misc(PL_MISC_LOST_PENDING);
	} else if (stats) {
		stats->hashed += 1;
	}
	return 0;
}

/* Take the task's wait on the lock out of its slot or the hash. */
static __always_inline bool end_wait(const struct pl_pending_key *key, struct pl_pending *wait)
{
	struct pl_wait_slot *slot = wait_slot(key);
	struct pl_pending *found = find_wait(key, slot);

	if (!found)
		return false;
	*wait = *found;
	if (holds_slot(slot, key)) {
		__sync_lock_test_and_set(&slot->owner, 0);
	} else {
		bpf_map_delete_elem(&pending, key);
		__sync_fetch_and_sub(&hashed_waits, 1);
	}
	return true;
}

SEC("tp_btf/contention_end")
int BPF_PROG(handle_contention_end, void *lock_addr, int ret)
{
	struct pl_lock_stack_key stack_key = {};
	struct pl_lock_stack_value *by_stack, one = {};
	struct pl_pending_key key;
	struct pl_pending waiting;
	struct pl_lock_stats *stats;
	int lock = traced_lock(lock_addr);
	__u64 id, wait;

	if (lock < 0)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (!wanted(id))
		return 0;
	key.tid = (__u32)id;
	key.lock = lock;
	if (!end_wait(&key, &waiting)) {
		count_misc(PL_MISC_UNMATCHED_END);
		return 0;
	}
	wait = bpf_ktime_get_ns() - waiting.start_ns;
	stack_key.segment = waiting.segment < PL_SEGMENTS ? waiting.segment : 0;
	stack_key.lock = lock;
	stack_key.stack_id = waiting.stack_id;

	stats = stats_of(stack_key.segment, lock);
	if (stats) {
		stats->contentions += 1;
		stats->blocked += waiting.blocked ? 1 : 0;
		stats->aborted += ret ? 1 : 0;
		stats->wait_ns_total += wait;
		if (wait > stats->wait_ns_max)
			stats->wait_ns_max = wait;
		stats->hist[log2_bucket(wait)] += 1;
	}
	if (!waiting.weight)
		return 0;

	by_stack = bpf_map_lookup_elem(&lock_stacks, &stack_key);
	if (!by_stack) {
		bpf_map_update_elem(&lock_stacks, &stack_key, &one, BPF_NOEXIST);
		by_stack = bpf_map_lookup_elem(&lock_stacks, &stack_key);
	}
	if (by_stack) {
		__sync_fetch_and_add(&by_stack->count, waiting.weight);
		__sync_fetch_and_add(&by_stack->wait_ns, wait * waiting.weight);
		__sync_fetch_and_add(&by_stack->sampled, 1);
	}
	return 0;
}

/*
 * Is the allocation's call_site inside the allocator or a wrapper?  A
 * binary search of the sorted, disjoint wrapper_ranges.
 */
static __always_inline bool in_wrapper(__u64 ip)
{
	__u32 lo = 0, hi = nr_wrapper_ranges;

	if (hi > PL_MAX_WRAPPER_RANGES)
		hi = PL_MAX_WRAPPER_RANGES;
	for (int step = 0; step < PL_RANGE_SEARCH_STEPS && lo < hi; step++) {
		__u32 mid = ((lo + hi) / 2) & (PL_MAX_WRAPPER_RANGES - 1);

		if (ip < wrapper_ranges[mid].start)
			hi = mid;
		else if (ip >= wrapper_ranges[mid].end)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static __always_inline bool same_site(const struct pl_site_key *a, const struct pl_site_key *b)
{
	return a->call_site == b->call_site && a->stack_id == b->stack_id && a->size == b->size &&
	       a->align == b->align && a->kind == b->kind && a->segment == b->segment;
}

/*
 * Count the event in this CPU's call-site cache if its key owns its slot
 * there or can claim it; false if another key owns the slot.
 */
static __always_inline bool count_in_cache(struct pl_cpu_counts *cache, const struct pl_site_key *key,
					   __u64 bytes)
{
	struct pl_site_slot *slot;
	__u32 index;
	__u64 hash;

	if (!cache)
		return false;
	/* Fibonacci hashing of the fields that tell a workload's sites apart. */
	hash = key->call_site ^ ((__u64)(__u32)key->stack_id << 32) ^ ((__u64)key->size << 8) ^
	       (key->kind << 1) ^ key->segment;
	index = (hash * 0x9E3779B97F4A7C15ULL) >> (64 - PL_SITE_SLOT_BITS);
	slot = &cache->slots[index & (PL_SITE_SLOTS - 1)];

	if (slot->state != PL_SLOT_OWNED) {
		if (__sync_val_compare_and_swap(&slot->state, PL_SLOT_FREE, PL_SLOT_CLAIMING) != PL_SLOT_FREE)
			return false;	/* we interrupted its claim */
		slot->key = *key;
		slot->value.count = 0;
		slot->value.bytes = 0;
		/* Only this CPU writes the slot: program order is enough. */
		barrier();
		*(volatile __u64 *)&slot->state = PL_SLOT_OWNED;
	} else if (!same_site(&slot->key, key)) {
		return false;
	}
	slot->value.count += 1;
	slot->value.bytes += bytes;
	return true;
}

static __always_inline void count_site(void *ctx, struct pl_cpu_counts *counts, __u32 seg, __u32 kind,
				       __u64 call_site, __u64 bytes, __u32 size, __u32 align)
{
	struct pl_site_key key = {};
	struct pl_site_value *value, zero = {};

	key.segment = seg;
	key.kind = kind;
	key.size = size;
	key.align = align;
	if (call_site && !always_stack && !in_wrapper(call_site)) {
		key.stack_id = PL_STACK_SKIPPED;
	} else {
		key.stack_id = bpf_get_stackid(ctx, &alloc_stack_traces, 0);
		if (key.stack_id < 0)
			count_misc(PL_MISC_LOST_ALLOC_STACK);
	}
	key.call_site = call_site;
	if (count_in_cache(counts, &key, bytes))
		return;

	value = bpf_map_lookup_elem(&sites, &key);
	if (!value) {
		bpf_map_update_elem(&sites, &key, &zero, BPF_NOEXIST);
		value = bpf_map_lookup_elem(&sites, &key);
	}
	if (!value) {
		count_misc(PL_MISC_LOST_SITE);
		return;
	}
	__sync_fetch_and_add(&value->count, 1);
	__sync_fetch_and_add(&value->bytes, bytes);
}

SEC("tp_btf/percpu_alloc_percpu")
int BPF_PROG(handle_percpu_alloc, unsigned long call_site, bool reserved, bool is_atomic, size_t size,
	     size_t align, void *base_addr, int off, void *ptr, size_t bytes_alloc)
{
	struct pl_cpu_counts *counts;
	struct pl_percpu_totals *totals;
	__u64 bytes = bytes_alloc, key = (__u64)ptr, id = bpf_get_current_pid_tgid();
	__u32 seg;

	if (!wanted(id))
		return 0;
	seg = current_segment(id);
	counts = this_cpu_counts();
	totals = totals_of(counts, seg);
	if (totals) {
		totals->allocs += 1;
		totals->alloc_bytes += bytes;
	}
	if (free_sizes && bpf_map_update_elem(&live, &key, &bytes, BPF_ANY))
		count_misc(PL_MISC_LOST_LIVE);
	count_site(ctx, counts, seg, PL_KIND_ALLOC, call_site, bytes, size, align);
	return 0;
}

/* A free of @ptr from @call_site (0: unknown, take a stack). */
static __always_inline void count_free(void *ctx, __u64 pid_tgid, __u64 ptr, __u64 call_site)
{
	__u32 seg = current_segment(pid_tgid);
	struct pl_cpu_counts *counts = this_cpu_counts();
	struct pl_percpu_totals *totals = totals_of(counts, seg);
	__u64 bytes = 0, *size = NULL;

	if (free_sizes) {
		size = bpf_map_lookup_elem(&live, &ptr);
		if (size) {
			bytes = *size;
			bpf_map_delete_elem(&live, &ptr);
		}
	}
	if (totals) {
		totals->frees += 1;
		if (size)
			totals->free_bytes += bytes;
		else if (free_sizes)
			totals->frees_unmatched += 1;
	}
	count_site(ctx, counts, seg, PL_KIND_FREE, call_site, bytes, 0, 0);
}

/*
 * free_percpu()'s return address, read from the fentry trampoline's frame;
 * 0 if it is not where it should be.  The x86-64 trampoline
 * (arch_prepare_bpf_trampoline(), 6.1 to 7.x) pushes a frame and saves the
 * traced function's arguments just below it; ctx points at the first:
 *
 *	ctx + 8 * nr_args	[ return value ]  only with fexit or fmod_ret
 *	...			[ saved rbp ]
 *	...			[ return into free_percpu(), after its fentry call ]
 *	...			[ free_percpu()'s return address: the caller ]
 *
 * The return value slot is there only if another tool hangs an fexit
 * program on free_percpu(), so the return into free_percpu() is looked for
 * (just past the function's start, bpf_get_func_ip(): its 5-byte call,
 * after a 4-byte ENDBR with IBT) and the word above it taken.  One read of
 * five words, no unwinding.
 */
static __always_inline __u64 free_return_address(unsigned long long *ctx)
{
	__u64 words[5] = {}, func = bpf_get_func_ip(ctx);

	if (bpf_probe_read_kernel(words, sizeof(words), ctx))
		return 0;
	for (int i = 1; i < 4; i++)
		if (words[i] > func && words[i] <= func + 16)
			return words[i + 1];
	return 0;
}

/* free_percpu(NULL) returns before its tracepoint: not a free. */
SEC("fentry/free_percpu")
int BPF_PROG(enter_free_percpu, void *ptr)
{
	__u64 id;

	if (!ptr)
		return 0;
	id = bpf_get_current_pid_tgid();
	if (wanted(id))
		count_free(ctx, id, (__u64)ptr, free_return_address(ctx));
	return 0;
}

/* Only where the fentry program cannot load: under pcpu_lock, with a stack. */
SEC("tp_btf/percpu_free_percpu")
int BPF_PROG(handle_percpu_free, void *base_addr, int off, void *ptr)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (wanted(id))
		count_free(ctx, id, (__u64)ptr, 0);
	return 0;
}

SEC("tp_btf/percpu_alloc_percpu_fail")
int BPF_PROG(handle_percpu_alloc_fail)
{
	struct pl_percpu_totals *totals;
	__u64 id = bpf_get_current_pid_tgid();

	if (!wanted(id))
		return 0;
	totals = totals_of(this_cpu_counts(), current_segment(id));
	if (totals)
		totals->alloc_failures += 1;
	return 0;
}
