/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * shadowslab: the ioctl ABI of /dev/shadowslab, shared by the kernel module
 * (kmod/) and the tools (tools/). It is valid kernel C, C and C++.
 *
 * How the ABI grows
 * -----------------
 * Every command carries the size of its argument in _IOC_SIZE(cmd), so a
 * struct may gain fields at its end without a new command number.  The
 * module matches a command on _IOC_TYPE, _IOC_NR and _IOC_DIR (a known
 * number with another direction is -ENOTTY), never on _IOC_SIZE, and
 * treats the size the way copy_struct_from_user() does for clone3() and
 * openat2():
 *
 *  - a size below the struct's first published size (SHADOWSLAB_*_SIZE_VER0)
 *    is -EINVAL;
 *  - a shorter (older) struct is zero-extended, so new fields read as 0,
 *    and every new field is defined so that 0 keeps the old behaviour;
 *  - a longer (newer) struct is accepted only if the bytes the module does
 *    not know are zero, otherwise -E2BIG;
 *  - on the way out the module writes min(user size, its size) bytes and
 *    zeroes the rest of a longer struct.
 *
 * A struct that grew keeps its first size as SHADOWSLAB_*_SIZE_VER0 and
 * gets SHADOWSLAB_*_SIZE_VER<n> for each later one.
 *
 * Every field is fixed-width and naturally aligned; padding is explicit
 * and named "reserved": it must be zero on input (-EINVAL otherwise) and is
 * zero on output.  Arrays of results (struct shadowslab_thread_result) carry
 * their element size in the enclosing struct for the same reason.
 *
 * Errors: unknown command (or known number, wrong direction) -ENOTTY,
 * malformed argument -EINVAL, bad user pointer -EFAULT, missing
 * CAP_SYS_ADMIN -EPERM, unknown cache -ENOENT, cache or runner busy
 * -EBUSY, stopped by a fatal signal -EINTR.  A command that fails changes
 * nothing the caller cannot see: CREATE whose result cannot be written
 * back destroys the cache it made.
 */
#ifndef _UAPI_LINUX_SHADOWSLAB_H
#define _UAPI_LINUX_SHADOWSLAB_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define SHADOWSLAB_DEVICE_NAME		"shadowslab"
#define SHADOWSLAB_DEVICE_PATH		"/dev/shadowslab"
#define SHADOWSLAB_ABI_VERSION		1

/*
 * Checked against Documentation/userspace-api/ioctl/ioctl-number.rst of
 * Linux 6.1: no entry uses 0xB9 (the neighbours are 0xB7, remoteproc and
 * nsfs, and 0xC0, iowarrior).  An out-of-tree module registers no range
 * there, so a later kernel could take it; the commands also carry their
 * direction and size, and the device is ours alone.
 */
#define SHADOWSLAB_IOC_MAGIC		0xB9

#define SHADOWSLAB_VERSION_LEN		32
#define SHADOWSLAB_RELEASE_LEN		72	/* __NEW_UTS_LEN + 1, padded */
#define SHADOWSLAB_NAME_LEN		32
#define SHADOWSLAB_MAX_REGIONS		8
#define SHADOWSLAB_HIST_BUCKETS		64

/* --------------------------------------------------------------- profiles */

/*
 * An object type: an object size plus the percpu regions its constructor
 * allocates.  See kmod/profiles.c for what each profile reproduces.
 */
enum shadowslab_profile {
	SHADOWSLAB_PROFILE_MM_6_6	= 0,	/* rss_stat block + mm_cid */
	SHADOWSLAB_PROFILE_MM_6_4	= 1,	/* 4 counters + mm_cid */
	SHADOWSLAB_PROFILE_MM_6_2	= 2,	/* 4 counters */
	SHADOWSLAB_PROFILE_TC_ACTION	= 3,	/* 3 stats regions */
	SHADOWSLAB_PROFILE_CUSTOM	= 4,	/* regions[] */
	/* the running kernel's own mm_init(): see shadowslab_info.kernel_* */
	SHADOWSLAB_PROFILE_KERNEL	= 5,
	SHADOWSLAB_NR_PROFILES
};

/* The percpu allocator's largest allocation, PCPU_MIN_UNIT_SIZE. */
#define SHADOWSLAB_REGION_MAX_SIZE	32768

struct shadowslab_region {
	__u32 size;			/* bytes per CPU, 1..REGION_MAX_SIZE */
	__u32 align;			/* power of two, 0 = natural */
};

struct shadowslab_profile_spec {
	__u32 profile;			/* enum shadowslab_profile */
	__u32 nr_regions;		/* CUSTOM only: 1..SHADOWSLAB_MAX_REGIONS */
	__u32 object_size;		/* 0 = the profile's default */
	__u32 reserved;
	struct shadowslab_region regions[SHADOWSLAB_MAX_REGIONS]; /* CUSTOM */
};

/* ------------------------------------------------------------------ info */

/* shadowslab_info.features */
/* The running kernel has percpu_counter_init_many() (6.6 and later). */
#define SHADOWSLAB_FEAT_COUNTER_INIT_MANY	(1U << 0)
/* The module was built with lockdep (CONFIG_LOCKDEP). */
#define SHADOWSLAB_FEAT_LOCKDEP			(1U << 1)
/* The running kernel is PREEMPT_RT. */
#define SHADOWSLAB_FEAT_PREEMPT_RT		(1U << 2)
/*
 * The kernel charges kernel memory to memory cgroups (CONFIG_MEMCG_KMEM,
 * the memory controller enabled), so RUN's workers charge the caller's
 * memcg.  A module cannot see cgroup.memory=nokmem: RUN's memcg_ino says
 * whether a run charged anything.
 */
#define SHADOWSLAB_FEAT_MEMCG_KMEM		(1U << 3)
/*
 * The module can charge and uncharge a cached object's percpu memory to a
 * memcg on each use, without allocating it, as the slab-destructor RFC's
 * percpu_counter_charge_many() does.  No released kernel exports a way to
 * do that (obj_cgroup_charge() is private to mm/), so the strategies that
 * keep percpu memory across uses (ctor, stash) do not pay that charge
 * where this bit is clear.
 */
#define SHADOWSLAB_FEAT_PERCPU_CHARGE		(1U << 4)

struct shadowslab_info {
	__u32 abi_version;		/* SHADOWSLAB_ABI_VERSION */
	__u32 nr_cpu_ids;
	__u32 nr_possible_cpus;
	__u32 nr_online_cpus;
	__u32 mm_struct_size;		/* bytes, as the kernel's mm_cachep */
	__u32 features;			/* SHADOWSLAB_FEAT_* */
	char module_version[SHADOWSLAB_VERSION_LEN];	/* NUL-terminated */
	char kernel_release[SHADOWSLAB_RELEASE_LEN];	/* NUL-terminated */
	/* percpu allocations and frees by the module's objects since load */
	__u64 percpu_allocs;
	__u64 percpu_frees;
	/*
	 * Since VER1: the "kernel" profile as this kernel resolves it, from
	 * the module's version- and config-keyed table of what mm_init()
	 * allocates (kmod/profiles.c): its regions in mm_init()'s order, the
	 * SHADOWSLAB_KPROF_* facts it was chosen by, and a short name of the
	 * table row ("mm_init 6.6+" ...).
	 */
	struct shadowslab_profile_spec kernel_profile;
	__u32 kernel_profile_flags;	/* SHADOWSLAB_KPROF_* */
	__u32 reserved;
	char kernel_profile_basis[SHADOWSLAB_NAME_LEN];	/* NUL-terminated */
};
#define SHADOWSLAB_INFO_SIZE_VER0	144
#define SHADOWSLAB_INFO_SIZE_VER1	264

/* shadowslab_info.kernel_profile_flags */
/*
 * This kernel's mm_init() allocates no percpu memory (before 6.2): the
 * "kernel" profile is then mm-6.6's regions, what a current kernel adds,
 * and its exec makes none of them.
 */
#define SHADOWSLAB_KPROF_WHAT_IF		(1U << 0)
/* mm_struct's rss_stat counters are percpu_counters (6.2 on) ... */
#define SHADOWSLAB_KPROF_RSS_COUNTERS		(1U << 1)
/* ... in one block, percpu_counter_init_many() (6.6 on) */
#define SHADOWSLAB_KPROF_RSS_BLOCK		(1U << 2)
/* CONFIG_SCHED_MM_CID: mm_alloc_cid() (6.4 on) */
#define SHADOWSLAB_KPROF_SCHED_MM_CID		(1U << 3)
/* CONFIG_SCHED_CACHE: mm_alloc_sched(), cache-aware scheduling (7.x) */
#define SHADOWSLAB_KPROF_SCHED_CACHE		(1U << 4)

/* ----------------------------------------------------------------- caches */

/* shadowslab_cache_create.flags */
/* Run destructors from a workqueue instead of the releasing context. */
#define SHADOWSLAB_CACHE_DEFERRED_DTOR	(1U << 0)
#define SHADOWSLAB_CACHE_FLAGS_ALL	SHADOWSLAB_CACHE_DEFERRED_DTOR

#define SHADOWSLAB_MAGAZINE_SIZE_MAX	255

/*
 * CREATE makes a cache and returns its id.  The cache becomes visible to
 * other callers (LIST, and every command by id) only once the id has been
 * written back; if that fails (-EFAULT) the cache is destroyed, so no
 * cache is left that its creator has no id for.
 */
struct shadowslab_cache_create {
	struct shadowslab_profile_spec spec;	/* in */
	/* in: [A-Za-z0-9._-], NUL-terminated; empty: named PROFILE:ID */
	char name[SHADOWSLAB_NAME_LEN];
	__u32 flags;			/* in: SHADOWSLAB_CACHE_* */
	__u32 magazine_size;		/* in: 0 = default, else 1..MAX */
	__u32 id;			/* out */
	__u32 reserved;
};
#define SHADOWSLAB_CACHE_CREATE_SIZE_VER0	128

/*
 * DESTROY: -EBUSY while the cache holds objects for userspace or another
 * caller is working on it.  On success it reports the cache's final
 * balance: every constructed object was destroyed when
 * dtor_calls == ctor_calls - ctor_failures.
 */
struct shadowslab_cache_destroy {
	__u32 id;			/* in */
	__u32 reserved;
	__u64 ctor_calls;		/* out */
	__u64 ctor_failures;		/* out */
	__u64 dtor_calls;		/* out */
};
#define SHADOWSLAB_CACHE_DESTROY_SIZE_VER0	32

/*
 * ALLOC allocates up to count objects and holds them in the module; FREE
 * gives back up to count held objects (0 = all).  A failing constructor
 * stops ALLOC early: done < count, and the call still succeeds if done > 0,
 * otherwise it returns -ENOMEM.  A fatal signal stops it too, with -EINTR;
 * what it had allocated stays held (STATS objs_held).
 */
struct shadowslab_cache_objs {
	__u32 id;			/* in */
	__u32 count;			/* in */
	__u32 done;			/* out */
	__u32 reserved;
	__u64 held;			/* out: objects held after the call */
};
#define SHADOWSLAB_CACHE_OBJS_SIZE_VER0	24

/*
 * SHRINK returns the depot's magazines that were not needed since the
 * previous shrink (its working set stays), then releases every free slab.
 * With SHADOWSLAB_SHRINK_PURGE it first empties every CPU's magazines and
 * the whole depot, so every object not in use is released.
 */
/* shadowslab_cache_shrink.flags */
#define SHADOWSLAB_SHRINK_PURGE		(1U << 0)

struct shadowslab_cache_shrink {
	__u32 id;			/* in */
	__u32 flags;			/* in: SHADOWSLAB_SHRINK_* */
	__u64 slabs_released;		/* out */
	__u64 objects_released;		/* out: objects destroyed with them */
};
#define SHADOWSLAB_CACHE_SHRINK_SIZE_VER0	24

struct shadowslab_cache_stats {
	__u32 id;			/* in */
	__u32 flags;			/* out: SHADOWSLAB_CACHE_* */
	char name[SHADOWSLAB_NAME_LEN];	/* out */
	struct shadowslab_profile_spec spec;	/* out: as resolved */
	__u32 object_size;		/* out */
	__u32 object_stride;		/* out: size plus alignment padding */
	__u32 objs_per_slab;		/* out */
	__u32 slab_order;		/* out */
	__u32 magazine_size;		/* out */
	__u32 reserved;
	/* constructor and destructor */
	__u64 ctor_calls;		/* including failed ones */
	__u64 ctor_failures;
	__u64 dtor_calls;
	/* slab layer */
	__u64 slabs_allocated;
	__u64 slabs_released;
	__u64 slabs_current;
	/* where the constructed objects are */
	__u64 objs_in_use;		/* handed out by the cache */
	__u64 objs_in_magazines;	/* loaded in CPU magazines */
	__u64 objs_in_depot;		/* in the depot's full magazines */
	__u64 objs_free_in_slabs;
	__u64 objs_held;		/* of objs_in_use: held by ALLOC */
	__u64 depot_full_magazines;
	__u64 depot_empty_magazines;
	/* percpu memory owned by constructed objects, summed over CPUs */
	__u64 percpu_bytes;
	/* magazine layer */
	__u64 magazine_hits;
	__u64 magazine_misses;
	__u64 depot_contention;
	/* reclaim */
	__u64 shrinker_scans;
	__u64 shrinker_objects_released;
	__u64 deferred_dtor_pending;	/* objects waiting for the workqueue */
	__u64 faults_injected;
	/*
	 * Working-set updates of the depot so far: one per interval of the
	 * module parameter depot_ws_interval_ms, and one per plain SHRINK.
	 * The shrinker does not update it.
	 */
	__u64 depot_ws_updates;
};
#define SHADOWSLAB_CACHE_STATS_SIZE_VER0	312
#define SHADOWSLAB_CACHE_STATS_SIZE_VER1	320	/* + depot_ws_updates */

/*
 * LIST writes up to capacity cache ids to ids_ptr (an array of __u32) and
 * returns the number of caches in count, which may exceed capacity.  The
 * ids are a snapshot, written with no lock held: a slow page fault on
 * ids_ptr delays no other caller.
 */
struct shadowslab_cache_list {
	__u64 ids_ptr;			/* in: __u32 array, may be 0 if !capacity */
	__u32 capacity;			/* in */
	__u32 count;			/* out */
};
#define SHADOWSLAB_CACHE_LIST_SIZE_VER0	16

enum shadowslab_fault_mode {
	SHADOWSLAB_FAULT_OFF		= 0,
	SHADOWSLAB_FAULT_EVERY_NTH	= 1,	/* every nth constructor call */
	SHADOWSLAB_FAULT_PROBABILITY	= 2,	/* seeded, per million calls */
	SHADOWSLAB_NR_FAULT_MODES
};

#define SHADOWSLAB_FAULT_PPM_MAX	1000000

/*
 * Make the cache's constructor fail, to exercise the rollback path.  Each
 * mode takes only its own fields; a field that does not apply to the mode
 * must be 0 (-EINVAL otherwise), as must reserved.
 */
struct shadowslab_cache_fault {
	__u32 id;			/* in */
	__u32 mode;			/* in: enum shadowslab_fault_mode */
	__u32 nth;			/* in: EVERY_NTH only, >= 1 */
	__u32 probability_ppm;		/* in: PROBABILITY only, 0..PPM_MAX */
	__u64 seed;			/* in: PROBABILITY only */
	__u64 injected;			/* out: faults injected so far */
	__u64 reserved;
};
#define SHADOWSLAB_CACHE_FAULT_SIZE_VER0	32
#define SHADOWSLAB_CACHE_FAULT_SIZE_VER1	40	/* + reserved */

/* The rule above: 1 if CACHE_FAULT accepts @f's fields, 0 if EINVAL. */
static inline int
shadowslab_cache_fault_valid(const struct shadowslab_cache_fault *f)
{
	if (f->reserved)
		return 0;
	switch (f->mode) {
	case SHADOWSLAB_FAULT_OFF:
		return !f->nth && !f->probability_ppm && !f->seed;
	case SHADOWSLAB_FAULT_EVERY_NTH:
		return f->nth && !f->probability_ppm && !f->seed;
	case SHADOWSLAB_FAULT_PROBABILITY:
		return !f->nth && f->probability_ppm <= SHADOWSLAB_FAULT_PPM_MAX;
	default:
		return 0;
	}
}

/* ---------------------------------------------------------------- runner */

enum shadowslab_strategy {
	SHADOWSLAB_STRATEGY_PERCPU	= 0,	/* today's kernel */
	SHADOWSLAB_STRATEGY_CTOR	= 1,	/* the shadow cache: the RFC */
	SHADOWSLAB_STRATEGY_SLAB	= 2,	/* no percpu memory: the floor */
	SHADOWSLAB_STRATEGY_CACHE	= 3,	/* the shadow cache, no percpu */
	SHADOWSLAB_STRATEGY_STASH	= 4,	/* per-CPU stash of percpu regions */
	SHADOWSLAB_STRATEGY_MERGED	= 5,	/* one percpu allocation per object */
	SHADOWSLAB_STRATEGY_LAZY	= 6,	/* counters percpu only when MT */
	SHADOWSLAB_NR_STRATEGIES
};

/* shadowslab_run.flags */
/* Verify at release that the counters sum to zero, as check_mm() does. */
#define SHADOWSLAB_RUN_CHECK		(1U << 0)
/*
 * Release each object on the next worker's CPU (the first worker's after
 * the last's), as an mm freed on another CPU; with one worker, locally.
 */
#define SHADOWSLAB_RUN_REMOTE_FREE	(1U << 1)
/*
 * ctor and cache: the shadow cache without its magazine layer; each CPU
 * allocates from a slab of its own and frees to the object's slab, as
 * SLUB does without percpu sheaves (6.1 to 6.17, the RFC's setting).
 */
#define SHADOWSLAB_RUN_NO_MAGAZINES	(1U << 2)
#define SHADOWSLAB_RUN_FLAGS_ALL	(SHADOWSLAB_RUN_CHECK | \
					 SHADOWSLAB_RUN_REMOTE_FREE | \
					 SHADOWSLAB_RUN_NO_MAGAZINES)

/* shadowslab_run.retain: what the shadow cache (ctor, cache) keeps */
enum shadowslab_retain {
	/* every slab, constructed, until the run ends */
	SHADOWSLAB_RETAIN_ALL		= 0,
	/*
	 * SLUB's min_partial: a slab that becomes empty on the free path is
	 * released there, destructors included, when the cache already
	 * holds min_partial partial or empty slabs.
	 */
	SHADOWSLAB_RETAIN_PARTIAL	= 1,
	SHADOWSLAB_NR_RETAIN
};

/* shadowslab_run.status */
#define SHADOWSLAB_RUN_COMPLETED	0
#define SHADOWSLAB_RUN_CANCELLED	1	/* by a signal */

#define SHADOWSLAB_RUN_MAX_CYCLES	(1ULL << 40)
#define SHADOWSLAB_RUN_MAX_SAMPLE_SHIFT	16
#define SHADOWSLAB_RUN_MAX_DURATION_NS	(3600ULL * 1000000000ULL)
#define SHADOWSLAB_RUN_MAX_LIVE		65536
#define SHADOWSLAB_RUN_MAX_MIN_PARTIAL	1024
#define SHADOWSLAB_PPM			1000000

/* shadowslab_thread_result.flags */
/*
 * The thread ran on another CPU than its own for part of the run: its CPU
 * went offline, the scheduler broke the binding, and its figures mix CPUs.
 */
#define SHADOWSLAB_THREAD_MOVED		(1U << 0)

struct shadowslab_thread_result {
	__u32 cpu;
	__u32 flags;			/* SHADOWSLAB_THREAD_* */
	__u64 cycles;			/* timed cycles */
	__u64 elapsed_ns;
	__u64 check_failures;
	__u64 samples;			/* cycles timed into hist[] */
	/* hist[i]: sampled cycles that took [2^i, 2^(i+1)) ns; hist[0]: < 2 */
	__u64 hist[SHADOWSLAB_HIST_BUCKETS];
};
#define SHADOWSLAB_THREAD_RESULT_SIZE_VER0	552

/*
 * RUN blocks until every thread has finished.  A signal cancels the run:
 * the threads stop, everything is released, and the call returns 0 with
 * status SHADOWSLAB_RUN_CANCELLED and the results so far.  A second RUN
 * while one is in progress gets -EBUSY.  Every CPU must be online when the
 * threads start (-EINVAL otherwise); one that goes offline later moves its
 * thread elsewhere, and that thread's result says so (THREAD_MOVED).
 *
 * One cycle gets an object (with its percpu memory) and uses it as
 * mm_init() and a short life do; each thread keeps the @live newest
 * objects and releases the oldest (check_mm(), then __mmdrop()).  The
 * workers charge the RUN caller's memory cgroup, as exec does.
 *
 * "ctor" and "dtor" below are the calls that set up and tear down one
 * object's percpu memory (shadow cache: construct and destroy one object;
 * percpu, merged, lazy: every get and put; stash: one region set
 * allocated or freed), timed with local_clock().
 */
struct shadowslab_run {
	struct shadowslab_profile_spec spec;	/* in */
	__u32 strategy;			/* in: enum shadowslab_strategy */
	__u32 flags;			/* in: SHADOWSLAB_RUN_* */
	__u32 nr_cpus;			/* in: entries in cpus_ptr */
	__u32 magazine_size;		/* in: CTOR, CACHE; 0 = default */
	__u64 cpus_ptr;			/* in: __u32 online CPU ids, distinct */
	__u64 cycles;			/* in: per thread; 0 = use duration_ns */
	__u64 duration_ns;		/* in: used when cycles == 0 */
	__u64 warmup_cycles;		/* in: per thread, before timing */
	__u64 results_ptr;		/* in: nr_cpus thread results */
	__u32 result_size;		/* in: sizeof(struct shadowslab_thread_result) */
	__u32 sample_shift;		/* in: time 1 cycle in 2^shift, 0..MAX */
	/* out */
	__u32 status;			/* SHADOWSLAB_RUN_COMPLETED/CANCELLED */
	__u32 reserved;
	__u64 elapsed_ns;		/* wall time of the timed phase */
	__u64 total_cycles;
	__u64 check_failures;
	__u64 percpu_allocs;		/* made by the module in the timed phase */
	__u64 percpu_frees;
	__u64 warmup_percpu_allocs;
	__u64 warmup_percpu_frees;
	/* ---- VER1 ---- in */
	__u32 live;			/* objects per thread in flight, 0 = 1 */
	__u32 retain;			/* CTOR, CACHE: enum shadowslab_retain */
	__u32 min_partial;		/* RETAIN_PARTIAL: 0..MAX_MIN_PARTIAL */
	__u32 mt_fraction_ppm;		/* LAZY: cycles that go multi-threaded */
	/* out, all for the timed phase unless said otherwise */
	__u64 ctor_calls;
	__u64 ctor_ns;
	__u64 dtor_calls;
	__u64 dtor_ns;
	__u64 remote_frees;		/* objects released on another CPU */
	__u64 mt_upgrades;		/* LAZY: cycles that went multi-threaded */
	/* percpu bytes (all CPUs) the strategy kept after the run, idle */
	__u64 retained_percpu_bytes;
	/* cgroup inode of the memcg the workers charged; 0: none (root, off) */
	__u64 memcg_ino;
};
#define SHADOWSLAB_RUN_SIZE_VER0	208
#define SHADOWSLAB_RUN_SIZE_VER1	288

/* shadowslab_run_progress.phase */
#define SHADOWSLAB_PHASE_IDLE		0	/* no run in progress */
#define SHADOWSLAB_PHASE_SETUP		1	/* threads starting */
#define SHADOWSLAB_PHASE_WARMUP		2
#define SHADOWSLAB_PHASE_TIMED		3
#define SHADOWSLAB_PHASE_TEARDOWN	4

/* RUN_PROGRESS may be called from another thread or process during RUN. */
struct shadowslab_run_progress {
	__u32 phase;			/* SHADOWSLAB_PHASE_* */
	__u32 nr_threads;
	__u64 cycles;			/* timed cycles so far, all threads */
	__u64 target_cycles;		/* all threads; 0 if duration-bound */
	__u64 elapsed_ns;		/* since the timed phase began */
	__u64 duration_ns;		/* 0 if cycle-bound */
};
#define SHADOWSLAB_RUN_PROGRESS_SIZE_VER0	40

/* --------------------------------------------------------------- commands */

#define SHADOWSLAB_IOC_INFO \
	_IOR(SHADOWSLAB_IOC_MAGIC, 0x00, struct shadowslab_info)
#define SHADOWSLAB_IOC_CACHE_CREATE \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x10, struct shadowslab_cache_create)
#define SHADOWSLAB_IOC_CACHE_DESTROY \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x11, struct shadowslab_cache_destroy)
#define SHADOWSLAB_IOC_CACHE_ALLOC \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x12, struct shadowslab_cache_objs)
#define SHADOWSLAB_IOC_CACHE_FREE \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x13, struct shadowslab_cache_objs)
#define SHADOWSLAB_IOC_CACHE_SHRINK \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x14, struct shadowslab_cache_shrink)
#define SHADOWSLAB_IOC_CACHE_STATS \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x15, struct shadowslab_cache_stats)
#define SHADOWSLAB_IOC_CACHE_LIST \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x16, struct shadowslab_cache_list)
#define SHADOWSLAB_IOC_CACHE_FAULT \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x17, struct shadowslab_cache_fault)
#define SHADOWSLAB_IOC_RUN \
	_IOWR(SHADOWSLAB_IOC_MAGIC, 0x20, struct shadowslab_run)
#define SHADOWSLAB_IOC_RUN_PROGRESS \
	_IOR(SHADOWSLAB_IOC_MAGIC, 0x21, struct shadowslab_run_progress)

#endif /* _UAPI_LINUX_SHADOWSLAB_H */
