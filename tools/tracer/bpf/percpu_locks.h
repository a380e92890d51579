/* SPDX-License-Identifier: GPL-2.0 */
/*
 * percpu_locks.h - what percpu_locks.bpf.c and its userspace reader
 * (tools/tracer/src/tracer.cpp) share: the maps' key and value layouts.
 *
 * Included by the BPF program after vmlinux.h, and by C++ after
 * <linux/types.h>, so it uses only the __u32/__u64 types both have.
 */
#ifndef SHADOWSLAB_PERCPU_LOCKS_H
#define SHADOWSLAB_PERCPU_LOCKS_H

/* Locks traced at once: indices into the stats arrays. */
#define PL_MAX_LOCKS		16

/*
 * Segments let userspace split one trace into parts without reattaching:
 * it writes the current segment to the .bss variable `segment`, and every
 * event is counted under the segment current when it happens (a
 * contention: when its wait began).  shadowctl run --trace uses segment 1
 * for the workload's timed phase and 0 for everything else.  Events of the
 * process in .bss self_tgid (shadowctl itself, where the RUN ioctl sets up
 * and tears down) always count under segment 0.
 */
#define PL_SEGMENTS		2

/* log2 wait histogram: bucket i counts waits of [2^i, 2^(i+1)) ns, 0: < 2. */
#define PL_HIST_BUCKETS		64

/*
 * Kernel stack depths kept: the lock waiters', and the allocator events'
 * short one (enough to get past the allocator and its wrappers to the
 * caller).  Unwinding costs per frame, so it is kept short; a stack taken
 * from a BTF tracepoint or fentry program begins with up to 4 frames of
 * the tracing machinery (the program, bpf_trace_run*, __bpf_trace_*,
 * __traceiter_* or the trampoline), which userspace skips, and then
 * pcpu_alloc(), a wrapper or two and the caller.
 */
#define PL_LOCK_STACK_DEPTH	24
#define PL_ALLOC_STACK_DEPTH	10

/*
 * An allocation's tracepoint call_site is pcpu_alloc()'s return address.
 * Where the wrapper tail-calls pcpu_alloc() (alloc_percpu() and
 * __alloc_percpu_gfp() on x86-64 6.1) that is the caller itself, and no
 * stack is needed; where it lands in the allocator or a wrapper (such as
 * __percpu_counter_init_many), the event takes a short stack.  Userspace
 * lists those functions' address ranges in .bss (wrapper_ranges), sorted
 * and merged, and BPF looks an address up by binary search: at most
 * PL_RANGE_SEARCH_STEPS probes, however the kernel's build splits the
 * allocator's symbols (6.1: 2 ranges; 6.12 and 7.x: dozens, with the
 * allocator's static functions scattered by the linker).
 */
#define PL_MAX_WRAPPER_RANGES	1024
#define PL_RANGE_SEARCH_STEPS	11	/* > log2(PL_MAX_WRAPPER_RANGES) */

struct pl_range {
	__u64 start;
	__u64 end;		/* exclusive */
};

/* pl_site_key.stack_id when no stack was taken: call_site is the caller. */
#define PL_STACK_SKIPPED	(-1)

/* lock:contention_begin flags (include/trace/events/lock.h). */
#define PL_LCB_F_SPIN		(1U << 0)

/* stats[segment * PL_MAX_LOCKS + lock], a per-CPU array. */
struct pl_lock_stats {
	__u64 begin_events;	/* every contention_begin on the lock */
	__u64 contentions;	/* waits: first begin of a task to its end */
	__u64 blocked;		/* waits that slept (a begin without SPIN) */
	__u64 aborted;		/* waits that ended with ret != 0 (killed) */
	__u64 hashed;		/* waits kept in `pending`: their slot was taken */
	__u64 wait_ns_total;
	__u64 wait_ns_max;
	__u64 hist[PL_HIST_BUCKETS];
};

/* Task slots of the waits in progress (see wait_slots in percpu_locks.bpf.c). */
#define PL_WAIT_SLOTS		1024

/* A wait in progress, keyed by task and lock. */
struct pl_pending_key {
	__u32 tid;
	__u32 lock;
};

struct pl_pending {
	__u64 start_ns;
	__s32 stack_id;		/* in lock_stack_traces, or < 0 */
	__u32 segment;
	__u32 blocked;
	__u32 weight;		/* waits its stack stands for; 0: not sampled */
};

/*
 * The waiter's stack is the costliest thing the tracer does: under TCG an
 * unwind of PL_LOCK_STACK_DEPTH frames took about 10 us of a 12 us
 * contention_begin program, where counting and timing the wait took 2 us
 * (tools/tracer/README.md, "Overhead").  So waits are counted and timed
 * every one, and their stacks sampled: each CPU takes the stack of every
 * wait on a lock until it has seen wait_stacks_first (.bss; 256 by
 * default) contention_begin events on it (in the segment), so that a
 * lightly contended lock loses none, and after that of 1 in
 * wait_stack_period (.bss), chosen at random (a per-CPU count would alias
 * with workloads that alternate call paths).  A sampled wait counts
 * `weight` times in lock_stacks (1, or the period), so that the counts and
 * times by stack estimate every wait's.
 */

/* Waits by the waiter's kernel stack. */
struct pl_lock_stack_key {
	__u32 segment;
	__u32 lock;
	__s32 stack_id;		/* < 0: the stack could not be recorded */
	__u32 pad;
};

struct pl_lock_stack_value {
	__u64 count;		/* waits, each sampled one counted weight times */
	__u64 wait_ns;		/* the same, weighted */
	__u64 sampled;		/* waits whose stack was taken */
};

/* Percpu allocator events by kernel stack. */
#define PL_KIND_ALLOC		0
#define PL_KIND_FREE		1

struct pl_site_key {
	__u32 segment;
	__u32 kind;		/* PL_KIND_* */
	__s32 stack_id;		/* in alloc_stack_traces, or < 0 */
	__u32 pad;
	__u64 call_site;	/* alloc: the tracepoint's call_site; free: free_percpu()'s
				   return address (0 if unknown) */
	/*
	 * alloc: the tracepoint's size (bytes per CPU, as asked for) and
	 * align; 0 for frees.  bytes_alloc also counts memcg's obj_cgroup
	 * pointers when the allocation is accounted to a memcg, so only
	 * these say what was allocated, whoever is charged.
	 */
	__u32 size;
	__u32 align;
};

struct pl_site_value {
	__u64 count;
	__u64 bytes;		/* alloc: bytes_alloc; free: matched to its alloc */
};

/*
 * Each CPU's call-site cache: a direct-mapped table of PL_SITE_SLOTS
 * counters, in the one value of the per-CPU array cpu_counts.  An event whose
 * key owns its slot on this CPU is counted there: no hash lookup, no
 * bucket lock, no atomic.  The first key to reach a free slot claims it,
 * with a compare-and-swap of its state (an interrupt may free percpu
 * memory, and so run the free program, in the middle of another program's
 * claim on the same CPU), and owns it until the next clear; an event whose
 * slot another key owns goes to the shared `sites` hash.  A key's count is
 * the sum of its slots on every CPU and its entry in `sites`: counts are
 * only ever added, never moved, so a reader racing the programs sees each
 * count late at worst, never twice.
 */
#define PL_SITE_SLOT_BITS	6
#define PL_SITE_SLOTS		(1U << PL_SITE_SLOT_BITS)

#define PL_SLOT_FREE		0
#define PL_SLOT_CLAIMING	1	/* its key is being written */
#define PL_SLOT_OWNED		2

struct pl_site_slot {
	__u64 state;			/* PL_SLOT_* */
	struct pl_site_key key;		/* valid once state is OWNED */
	struct pl_site_value value;
};

struct pl_percpu_totals {
	__u64 allocs;
	__u64 alloc_bytes;
	__u64 alloc_failures;	/* percpu_alloc_percpu_fail */
	__u64 frees;
	__u64 free_bytes;	/* of frees whose allocation was seen */
	__u64 frees_unmatched;	/* allocated before the trace (size unknown) */
};

/*
 * What each CPU counts of the allocator, the one value of the per-CPU array
 * cpu_counts: the totals by segment, and the call-site cache.  One value,
 * so that an event finds both with one map lookup.
 */
struct pl_cpu_counts {
	struct pl_percpu_totals totals[PL_SEGMENTS];
	struct pl_site_slot slots[PL_SITE_SLOTS];
};

/* misc[PL_MISC_*], a per-CPU array: what the tracer could not record. */
#define PL_MISC_LOST_PENDING	0	/* pending map full: a wait not timed */
#define PL_MISC_LOST_LOCK_STACK	1	/* lock stack map full or collided */
#define PL_MISC_LOST_ALLOC_STACK 2	/* alloc stack map full or collided */
#define PL_MISC_LOST_SITE	3	/* site map full: an event not by site */
#define PL_MISC_UNMATCHED_END	4	/* contention_end without its begin */
#define PL_MISC_LOST_LIVE	5	/* live map full: a free's size unknown */
#define PL_MISC_COUNT		6

#endif /* SHADOWSLAB_PERCPU_LOCKS_H */
