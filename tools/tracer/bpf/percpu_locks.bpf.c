// SPDX-License-Identifier: GPL-2.0
/*
 * percpu_locks.bpf.c - contention on the percpu allocator's locks, and its
 * allocations and frees, for shadowctl trace (tools/tracer).
 *
 * Locks: lock:contention_begin/end, kept only for the lock addresses that
 * userspace put in lock_index (resolved from /proc/kallsyms: by default
 * pcpu_alloc_mutex, pcpu_lock and percpu_counters_lock).  These tracepoints
 * fire on the slow path only.  A mutex on 6.1 may fire contention_begin
 * twice for one acquisition (first with LCB_F_SPIN while it spins
 * optimistically, then without it before it sleeps) and contention_end
 * once, so two counts are kept:
 *   begin_events  every contention_begin: what perf stat or a bpftrace
 *                 count of the tracepoint sees;
 *   contentions   acquisitions that waited: from a task's first begin on
 *                 the lock to the matching end, which is also the wait
 *                 that is timed (as perf lock contention counts).
 *
 * Allocator: percpu:percpu_alloc_percpu, percpu_free_percpu and
 * percpu_alloc_percpu_fail, counted with their bytes, by call site.  An
 * allocation's call_site field is pcpu_alloc()'s return address: the caller
 * itself where the wrapper tail-calls it (as __alloc_percpu_gfp() does on
 * x86-64 6.1), else a return into a wrapper such as
 * __percpu_counter_init_many(); only then is a short kernel stack taken,
 * for userspace to find the first frame past the wrappers (stacks are
 * costly).  A free is counted at free_percpu()'s entry, by a kprobe: its
 * return address is then at the stack pointer (one load, no unwinding),
 * and the work is done before free_percpu() takes pcpu_lock.  The free
 * tracepoint fires with pcpu_lock held, so a program there lengthens the
 * critical section that every allocation's area search waits for, and it
 * has no call_site: it is attached only where the kprobe cannot be, and
 * then every free takes a stack.
 *
 * Filters (.bss, set before attaching): filter_tgid counts only one
 * process's events, filter_cgroup only those of tasks in the cgroup v2
 * directory in cgroup_filter[0] or below it.  An event belongs to the task
 * that runs it: the waiter of a contention, the caller of an allocation or
 * a free.
 *
 * Every program returns 1, so that the tracepoints' other perf users
 * (perf stat, perf record) still see the events.
 *
 * Classic tracepoints with CO-RE relocated context structs: the field
 * offsets follow the running kernel's BTF, so one object serves 6.1 to 6.18.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "percpu_locks.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * What every program returns.  For a tracepoint, 0 tells the kernel to drop
 * the event for the tracepoint's other perf users (perf_trace_run_bpf_submit):
 * perf stat on the same tracepoint would count nothing.  So 1.
 */
#define PASS_ON 1

/* Written by userspace through the mmap'ed .bss (see percpu_locks.h). */
volatile __u32 segment;
volatile __u32 self_tgid;
/* The allocator's own functions and wrappers; 1 in always_stack: ignore. */
struct pl_range wrapper_ranges[PL_MAX_WRAPPER_RANGES];
volatile __u32 nr_wrapper_ranges;
volatile __u32 always_stack;
volatile __u32 filter_tgid;	/* 0: every process */
volatile __u32 filter_cgroup;	/* 1: only tasks under cgroup_filter[0] */

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/* Lock address -> index into the stats; filled in by userspace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PL_MAX_LOCKS);
	__type(key, __u64);
	__type(value, __u32);
} lock_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_SEGMENTS * PL_MAX_LOCKS);
	__type(key, __u32);
	__type(value, struct pl_lock_stats);
} lock_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct pl_pending_key);
	__type(value, struct pl_pending);
} pending SEC(".maps");

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
 * Live allocations seen: percpu pointer -> bytes, to size their frees.  A
 * plain hash (an LRU one costs more per update); when full, a free's size
 * is unknown (counted in misc).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} live SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_SEGMENTS);
	__type(key, __u32);
	__type(value, struct pl_percpu_totals);
} percpu_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_MISC_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} misc SEC(".maps");

/*
 * Per-CPU values need no atomics: a tracing program runs with migration
 * disabled, and the kernel does not nest BPF tracing programs on one CPU.
 */
static __always_inline void count_misc(__u32 what)
{
	__u64 *value = bpf_map_lookup_elem(&misc, &what);

	if (value)
		*value += 1;
}

/* Is the current task's event wanted under the filters? */
static __always_inline bool wanted(void)
{
	if (filter_tgid && (bpf_get_current_pid_tgid() >> 32) != filter_tgid)
		return false;
	if (filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return true;
}

static __always_inline __u32 current_segment(void)
{
	__u32 seg = segment;

	if (seg >= PL_SEGMENTS || (bpf_get_current_pid_tgid() >> 32) == self_tgid)
		return 0;
	return seg;
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
	__u64 addr = (__u64)lock_addr;
	__u32 *index = bpf_map_lookup_elem(&lock_index, &addr);

	if (!index || *index >= PL_MAX_LOCKS)
		return -1;
	return *index;
}

SEC("tp/lock/contention_begin")
int handle_contention_begin(struct trace_event_raw_contention_begin *ctx)
{
	struct pl_pending_key key;
	struct pl_pending *waiting, new_wait = {};
	struct pl_lock_stats *stats;
	__u32 flags = ctx->flags, seg;
	int lock = traced_lock(ctx->lock_addr);

	if (lock < 0 || !wanted())
		return PASS_ON;
	seg = current_segment();
	stats = stats_of(seg, lock);
	if (stats)
		stats->begin_events += 1;

	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.lock = lock;
	waiting = bpf_map_lookup_elem(&pending, &key);
	if (waiting) {
		/* The same wait again: a mutex that stopped spinning to sleep. */
		if (!(flags & PL_LCB_F_SPIN))
			waiting->blocked = 1;
		return PASS_ON;
	}
	new_wait.start_ns = bpf_ktime_get_ns();
	new_wait.stack_id = bpf_get_stackid(ctx, &lock_stack_traces, 0);
	if (new_wait.stack_id < 0)
		count_misc(PL_MISC_LOST_LOCK_STACK);
	new_wait.segment = seg;
	new_wait.blocked = !(flags & PL_LCB_F_SPIN);
	if (bpf_map_update_elem(&pending, &key, &new_wait, BPF_NOEXIST))
		count_misc(PL_MISC_LOST_PENDING);
	return PASS_ON;
}

SEC("tp/lock/contention_end")
int handle_contention_end(struct trace_event_raw_contention_end *ctx)
{
	struct pl_lock_stack_key stack_key = {};
	struct pl_lock_stack_value *by_stack, one = {};
	struct pl_pending_key key;
	struct pl_pending *waiting;
	struct pl_lock_stats *stats;
	int lock = traced_lock(ctx->lock_addr);
	__u64 wait;

	if (lock < 0 || !wanted())
		return PASS_ON;
	key.tid = (__u32)bpf_get_current_pid_tgid();
	key.lock = lock;
	waiting = bpf_map_lookup_elem(&pending, &key);
	if (!waiting) {
		count_misc(PL_MISC_UNMATCHED_END);
		return PASS_ON;
	}
	wait = bpf_ktime_get_ns() - waiting->start_ns;
	stack_key.segment = waiting->segment < PL_SEGMENTS ? waiting->segment : 0;
	stack_key.lock = lock;
	stack_key.stack_id = waiting->stack_id;

	stats = stats_of(stack_key.segment, lock);
	if (stats) {
		stats->contentions += 1;
		stats->blocked += waiting->blocked ? 1 : 0;
		stats->aborted += ctx->ret ? 1 : 0;
		stats->wait_ns_total += wait;
		if (wait > stats->wait_ns_max)
			stats->wait_ns_max = wait;
		stats->hist[log2_bucket(wait)] += 1;
	}
	bpf_map_delete_elem(&pending, &key);

	by_stack = bpf_map_lookup_elem(&lock_stacks, &stack_key);
	if (!by_stack) {
		bpf_map_update_elem(&lock_stacks, &stack_key, &one, BPF_NOEXIST);
		by_stack = bpf_map_lookup_elem(&lock_stacks, &stack_key);
	}
	if (by_stack) {
		__sync_fetch_and_add(&by_stack->count, 1);
		__sync_fetch_and_add(&by_stack->wait_ns, wait);
	}
	return PASS_ON;
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

static __always_inline void count_site(void *ctx, __u32 seg, __u32 kind, __u64 call_site, __u64 bytes,
				       __u32 size, __u32 align)
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

SEC("tp/percpu/percpu_alloc_percpu")
int handle_percpu_alloc(struct trace_event_raw_percpu_alloc_percpu *ctx)
{
	struct pl_percpu_totals *totals;
	__u64 bytes, call_site = 0, ptr = (__u64)ctx->ptr;
	__u32 size = BPF_CORE_READ(ctx, size), align = BPF_CORE_READ(ctx, align);
	__u32 seg;

	if (!wanted())
		return PASS_ON;
	seg = current_segment();
	totals = bpf_map_lookup_elem(&percpu_totals, &seg);
	/*
	 * bytes_alloc and call_site arrived in 6.0; before, size per CPU.
	 * BPF_CORE_READ, not ctx->field: the compiler may merge the two
	 * branches into one variable-offset ctx load, which the verifier
	 * refuses.
	 */
	if (bpf_core_field_exists(ctx->bytes_alloc))
		bytes = BPF_CORE_READ(ctx, bytes_alloc);
	else
		bytes = BPF_CORE_READ(ctx, size);
	if (bpf_core_field_exists(ctx->call_site))
		call_site = BPF_CORE_READ(ctx, call_site);

	if (totals) {
		totals->allocs += 1;
		totals->alloc_bytes += bytes;
	}
	if (bpf_map_update_elem(&live, &ptr, &bytes, BPF_ANY))
		count_misc(PL_MISC_LOST_LIVE);
	count_site(ctx, seg, PL_KIND_ALLOC, call_site, bytes, size, align);
	return PASS_ON;
}

/* A free of @ptr from @call_site (0: unknown, take a stack). */
static __always_inline void count_free(void *ctx, __u64 ptr, __u64 call_site)
{
	__u32 seg = current_segment();
	struct pl_percpu_totals *totals = bpf_map_lookup_elem(&percpu_totals, &seg);
	__u64 bytes = 0, *size;

	size = bpf_map_lookup_elem(&live, &ptr);
	if (size) {
		bytes = *size;
		bpf_map_delete_elem(&live, &ptr);
	}
	if (totals) {
		totals->frees += 1;
		if (size)
			totals->free_bytes += bytes;
		else
			totals->frees_unmatched += 1;
	}
	count_site(ctx, seg, PL_KIND_FREE, call_site, bytes, 0, 0);
}

/*
 * At free_percpu()'s entry the stack pointer points at its return address.
 * free_percpu(NULL) returns before its tracepoint: not a free.
 */
SEC("kprobe/free_percpu")
int BPF_KPROBE(enter_free_percpu, void *ptr)
{
	__u64 call_site = 0;

	if (!ptr || !wanted())
		return PASS_ON;
	bpf_probe_read_kernel(&call_site, sizeof(call_site), (void *)PT_REGS_SP(ctx));
	count_free(ctx, (__u64)ptr, call_site);
	return PASS_ON;
}

/* Only where the kprobe cannot attach: under pcpu_lock, with a stack. */
SEC("tp/percpu/percpu_free_percpu")
int handle_percpu_free(struct trace_event_raw_percpu_free_percpu *ctx)
{
	if (wanted())
		count_free(ctx, (__u64)ctx->ptr, 0);
	return PASS_ON;
}

SEC("tp/percpu/percpu_alloc_percpu_fail")
int handle_percpu_alloc_fail(void *ctx)
{
	struct pl_percpu_totals *totals;
	__u32 seg;

	if (!wanted())
		return PASS_ON;
	seg = current_segment();
	totals = bpf_map_lookup_elem(&percpu_totals, &seg);
	if (totals)
		totals->alloc_failures += 1;
	return PASS_ON;
}
