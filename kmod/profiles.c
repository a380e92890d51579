// SPDX-License-Identifier: GPL-2.0
/*
 * profiles.c - object types that own percpu memory, one per kernel
 * version's mm_struct, plus net/sched's tc_action and a custom list.
 *
 * What each profile's constructor allocates, per object:
 *
 *   mm-6.6     rss_stat: one 16 B/CPU block for 4 percpu counters,
 *              registered in one hold of the counters lock, as
 *              percpu_counter_init_many() does (6.6 to 6.18); and
 *              mm_cid: 16 B/CPU (struct mm_cid), as mm_alloc_cid().
 *   mm-6.4     4 x percpu_counter_init() (4 B/CPU each, each registered
 *              under percpu_counters_lock) plus mm_cid: 5 allocations.
 *   mm-6.2     4 x percpu_counter_init(): 4 allocations.
 *   tc_action  cpu_bstats and cpu_bstats_hw (struct gnet_stats_basic_sync)
 *              and cpu_qstats (struct gnet_stats_queue), as
 *              tcf_idr_create() allocates them.
 *   custom     up to SHADOWSLAB_MAX_REGIONS raw regions of given size and
 *              alignment.
 *   kernel     the running kernel's own mm_init(), in its order, built at
 *              load from what compat.h knows of the kernel the module was
 *              built for (its version and its CONFIG_SCHED_MM_CID and
 *              CONFIG_SCHED_CACHE), with the kernel's own types for the
 *              sizes:
 *
 *                kernel     mm_init()'s percpu allocations
 *                < 6.2      none: the profile is mm-6.6's, a what-if
 *                6.2, 6.3   4 x percpu_counter_init() (4 B/CPU)
 *                6.4, 6.5   mm_cid, then the 4 counters
 *                6.6-6.18   mm_cid (struct mm_cid), rss_stat block
 *                6.19-      mm_cid (struct mm_cid_pcpu: a cache line per
 *                           CPU, not reset per mm), then with SCHED_CACHE
 *                           struct sched_cache_time (every CPU's written
 *                           by mm_init_sched()), then the rss_stat block
 *
 *              "shadowctl info" prints the row chosen and its regions.
 *              mm_init_sched()'s kzalloc'ed group, freed after an RCU grace
 *              period, is not percpu memory and is not modelled.
 *
 * Where the running kernel predates percpu_counter_init_many() (6.1), the
 * mm-6.6 block is allocated exactly as 6.6 does it, but it is registered
 * on this module's own counter list under shadow_counters_lock, because
 * percpu_counters_lock is static to lib/percpu_counter.c; a CPU hotplug
 * callback here folds a dead CPU's counts, as percpu_counter_cpu_dead()
 * does for the kernel's list.  The lock taken, the hold count and the
 * allocation are the same; the lock is not shared with the rest of the
 * kernel's counters.  "shadowctl info" and the README say so.  The
 * check of RUN_CHECK sums a counter as check_mm() does from 6.2, counting
 * a CPU that is going offline and not yet folded (compat.h,
 * shadow_percpu_counter_sum()).
 *
 * How an object gets its percpu memory (one set of functions each):
 *
 *   ctor/dtor      every region allocated and freed on its own, counters
 *                  through the kernel's percpu_counter API: today's
 *                  mm_init()/__mmdrop(), and the RFC's constructor;
 *   set            a region set, the memory of one object's regions held
 *                  apart from any object (the stash strategy keeps these):
 *                  attached to an object on get, detached on put;
 *   merged         one allocation holding every region at its offset in a
 *                  per-CPU struct, as Desnoyers' mm_percpu_struct;
 *   lazy           counters in atomic mode (an atomic64 in place of the
 *                  per-CPU part) until the object goes multi-threaded,
 *                  then upgraded to percpu: Peng Zhang's "convert mm's rss
 *                  stats to use atomic mode", Krisman's lazy counters.
 *
 * The kernel exports no way to register counters whose memory was
 * allocated elsewhere, so set, merged and lazy counters are registered on
 * this module's counter list on every kernel: the same lock pattern as
 * percpu_counters_lock, another lock instance.
 *
 * Each object type counts, per CPU, the calls that set up ("ctor") and
 * tear down ("dtor") an object's percpu memory and the time spent in them
 * (local_clock()), the percpu allocations and frees it made, and the
 * percpu bytes it holds, so a run can report its amortised costs and the
 * memory a strategy keeps.
 *
 * The default object size of the mm profiles is the running kernel's
 * mm_struct object size (compat.h), of tc_action sizeof(struct tc_action).
 *
 * Locking: shadow_counters_lock is a leaf, taken
 * with interrupts off, nesting each counter's raw lock in the hotplug
 * callback as lib/percpu_counter.c does.  RUN_CHECK's sum takes a
 * counter's raw lock alone, with interrupts off (compat.h).  fault_lock is a leaf guarding
 * the fault knob's random state.  Constructors take the percpu allocator's
 * pcpu_alloc_mutex through __alloc_percpu_gfp() and may sleep when their
 * gfp mask allows; destructors take only pcpu_lock and the counters lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/prandom.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/act_api.h>

#include "../uapi/shadowslab.h"
#include "compat.h"
#include "profiles.h"

#define SHADOW_NR_MM_COUNTERS	NR_MM_COUNTERS	/* 4 from 6.2 to 7.3 */

enum shadow_region_kind {
	SHADOW_REGION_RAW,		/* alloc_percpu_gfp(size, align) */
	SHADOW_REGION_MM_CID,		/* raw, mm_cid reset on every begin */
	SHADOW_REGION_ZEROED,		/* raw, zeroed on every begin */
	SHADOW_REGION_COUNTER,		/* one percpu_counter_init() */
	SHADOW_REGION_COUNTER_BLOCK,	/* percpu_counter_init_many() */
};

/* struct mm_cid of 6.4 to 6.18: 16 bytes per CPU. */
struct shadow_mm_cid {
	u64 time;
	int cid;
	int recent_cid;
};

struct shadow_region {
	enum shadow_region_kind kind;
	unsigned int size;		/* per CPU */
	unsigned int align;
	unsigned int slot;		/* first counter, or pointer index */
};

struct shadow_profile {
	const char *name;
	unsigned int nr_regions;
	struct shadow_region regions[SHADOWSLAB_MAX_REGIONS];
};

#define RAW(_size, _align) \
	{ .kind = SHADOW_REGION_RAW, .size = (_size), .align = (_align) }
#define MM_CID { .kind = SHADOW_REGION_MM_CID, \
		 .size = sizeof(struct shadow_mm_cid), \
		 .align = __alignof__(struct shadow_mm_cid) }
#define COUNTER { .kind = SHADOW_REGION_COUNTER, .size = sizeof(s32), \
		  .align = __alignof__(s32) }
#define COUNTER_BLOCK { .kind = SHADOW_REGION_COUNTER_BLOCK, \
			.size = SHADOW_NR_MM_COUNTERS * sizeof(s32), \
			.align = __alignof__(s32) }

/* The kernel profile's row is filled in at load: shadow_kernel_profile_init(). */
static struct shadow_profile shadow_profiles[SHADOWSLAB_NR_PROFILES] __ro_after_init = {
	[SHADOWSLAB_PROFILE_MM_6_6] = {
		.name = "mm-6.6", .nr_regions = 2,
		.regions = { COUNTER_BLOCK, MM_CID },
	},
	[SHADOWSLAB_PROFILE_MM_6_4] = {
		.name = "mm-6.4", .nr_regions = 5,
		.regions = { COUNTER, COUNTER, COUNTER, COUNTER, MM_CID },
	},
	[SHADOWSLAB_PROFILE_MM_6_2] = {
		.name = "mm-6.2", .nr_regions = 4,
		.regions = { COUNTER, COUNTER, COUNTER, COUNTER },
	},
	[SHADOWSLAB_PROFILE_TC_ACTION] = {
		.name = "tc_action", .nr_regions = 3,
		.regions = {
			RAW(sizeof(struct gnet_stats_basic_sync),
			    __alignof__(struct gnet_stats_basic_sync)),
			RAW(sizeof(struct gnet_stats_basic_sync),
			    __alignof__(struct gnet_stats_basic_sync)),
			RAW(sizeof(struct gnet_stats_queue),
			    __alignof__(struct gnet_stats_queue)),
		},
	},
	[SHADOWSLAB_PROFILE_CUSTOM] = { .name = "custom" },
	[SHADOWSLAB_PROFILE_KERNEL] = { .name = "kernel" },
};

/* Why the kernel profile is what it is: SHADOWSLAB_KPROF_* and a name. */
static u32 shadow_kernel_flags __ro_after_init;
static const char *shadow_kernel_basis __ro_after_init;

static_assert(SHADOWSLAB_REGION_MAX_SIZE == PCPU_MIN_UNIT_SIZE);

/* The caller-owned head is at least this large (cache_dev.c links it). */
#define SHADOW_OBJ_MIN_HEAD	sizeof(struct list_head)
#define SHADOW_OBJ_MAX_SIZE	(16 * 1024)

/*
 * The constructor-owned tail of an object is the type's percpu counters,
 * then one percpu pointer per other region: no larger than the type needs,
 * so that small objects such as tc_action keep their real size.
 */
struct shadow_objtype {
	u32 profile;
	unsigned int size;
	unsigned int ctor_offset;	/* counters start here */
	unsigned int ptrs_offset;	/* percpu pointers start here */
	unsigned int nr_regions;
	unsigned int nr_counters;
	unsigned int nr_ptrs;
	struct shadow_region regions[SHADOWSLAB_MAX_REGIONS];
	unsigned long percpu_bytes;
	/* merged: region i at merged_offset[i] of one merged_size block */
	unsigned int merged_offset[SHADOWSLAB_MAX_REGIONS];
	unsigned int merged_size;
	unsigned int merged_align;
	struct shadow_objtype_stats __percpu *stats;

	/* fault knob: mode is read without the lock on the fast path */
	spinlock_t fault_lock;
	u32 fault_mode;
	u32 fault_nth;
	u32 fault_ppm;
	u64 fault_calls;
	u64 faults_injected;
	struct rnd_state fault_rnd;
};

static DEFINE_PER_CPU(u64, shadow_pcpu_allocs);
static DEFINE_PER_CPU(u64, shadow_pcpu_frees);

u64 shadow_percpu_allocs(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(shadow_pcpu_allocs, cpu);
	return sum;
}

u64 shadow_percpu_frees(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(shadow_pcpu_frees, cpu);
	return sum;
}

/* ---------------------------------------------------------------- stats */

/* A ctor or dtor call that began at @t0 (local_clock()) ends. */
static void shadow_stat_ctor(struct shadow_objtype *t, u64 t0)
{
	this_cpu_inc(t->stats->ctor_calls);
	this_cpu_add(t->stats->ctor_ns, local_clock() - t0);
}

static void shadow_stat_dtor(struct shadow_objtype *t, u64 t0)
{
	this_cpu_inc(t->stats->dtor_calls);
	this_cpu_add(t->stats->dtor_ns, local_clock() - t0);
}

static void shadow_stat_alloc(struct shadow_objtype *t, unsigned int size)
{
	this_cpu_inc(shadow_pcpu_allocs);
	this_cpu_inc(t->stats->allocs);
	this_cpu_add(t->stats->bytes_allocated,
		     (u64)size * num_possible_cpus());
}

static void shadow_stat_free(struct shadow_objtype *t, unsigned int size)
{
	this_cpu_inc(shadow_pcpu_frees);
	this_cpu_inc(t->stats->frees);
	this_cpu_add(t->stats->bytes_freed, (u64)size * num_possible_cpus());
}

void shadow_objtype_read_stats(const struct shadow_objtype *t,
			       struct shadow_objtype_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct shadow_objtype_stats *s = per_cpu_ptr(t->stats,
								   cpu);

		sum->ctor_calls += READ_ONCE(s->ctor_calls);
		sum->ctor_ns += READ_ONCE(s->ctor_ns);
		sum->dtor_calls += READ_ONCE(s->dtor_calls);
		sum->dtor_ns += READ_ONCE(s->dtor_ns);
		sum->allocs += READ_ONCE(s->allocs);
		sum->frees += READ_ONCE(s->frees);
		sum->bytes_allocated += READ_ONCE(s->bytes_allocated);
		sum->bytes_freed += READ_ONCE(s->bytes_freed);
	}
}

/* ------------------------------------------------ the module's counters */

/*
 * Counters whose memory the module allocated itself, registered on this
 * module's list: the kernel's percpu_counters list is private.
 */
static DEFINE_SPINLOCK(shadow_counters_lock);
static LIST_HEAD(shadow_counters);
static enum cpuhp_state shadow_counters_cpuhp;

/* percpu_counter_cpu_dead() for the counters on this module's list. */
static int shadow_counters_cpu_dead(unsigned int cpu)
{
	struct percpu_counter *fbc;

	spin_lock_irq(&shadow_counters_lock);
	list_for_each_entry(fbc, &shadow_counters, list) {
		s32 *pcount;

		raw_spin_lock(&fbc->lock);
		pcount = per_cpu_ptr(fbc->counters, cpu);
		fbc->count += *pcount;
		*pcount = 0;
		raw_spin_unlock(&fbc->lock);
	}
	spin_unlock_irq(&shadow_counters_lock);
	return 0;
}

/* Atomic mode: a count and no percpu part yet (lazy, before the upgrade). */
static void shadow_counters_init_atomic(struct percpu_counter *fbc, u32 nr)
{
	u32 i;

	for (i = 0; i < nr; i++) {
		raw_spin_lock_init(&fbc[i].lock);
		fbc[i].count = 0;
		fbc[i].counters = NULL;
	}
}

/* Register @nr counters in one hold of the counters lock. */
static void shadow_counters_register(struct percpu_counter *fbc, u32 nr)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&shadow_counters_lock, flags);
	for (i = 0; i < nr; i++)
		list_add(&fbc[i].list, &shadow_counters);
	spin_unlock_irqrestore(&shadow_counters_lock, flags);
}

static void shadow_counters_unregister(struct percpu_counter *fbc, u32 nr)
{
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&shadow_counters_lock, flags);
	for (i = 0; i < nr; i++)
		list_del(&fbc[i].list);
	spin_unlock_irqrestore(&shadow_counters_lock, flags);
	for (i = 0; i < nr; i++)
		fbc[i].counters = NULL;
}

/*
 * Give @nr counters the percpu part @mem (nr s32 per CPU) and register
 * them in one hold, as __percpu_counter_init_many() does.  Their counts
 * stay as they are.
 */
static void shadow_counters_attach(struct percpu_counter *fbc, u32 nr,
				   s32 __percpu *mem)
{
	u32 i;

	for (i = 0; i < nr; i++)
		fbc[i].counters = mem + i;
	shadow_counters_register(fbc, nr);
}

/* Unregister @nr attached counters in one hold; returns their memory. */
static s32 __percpu *shadow_counters_detach(struct percpu_counter *fbc,
					    u32 nr)
{
	s32 __percpu *mem = fbc[0].counters;

	shadow_counters_unregister(fbc, nr);
	return mem;
}

/* ---------------------------------------------------- percpu memory */

static void __percpu *shadow_pcpu_alloc(struct shadow_objtype *t,
					unsigned int size, unsigned int align,
					gfp_t gfp)
{
	void __percpu *mem = __alloc_percpu_gfp(size, align, gfp);

	if (mem)
		shadow_stat_alloc(t, size);
	return mem;
}

/* Takes only pcpu_lock: fit for a destructor. */
static void shadow_pcpu_free(struct shadow_objtype *t, void __percpu *mem,
			     unsigned int size)
{
	free_percpu(mem);
	shadow_stat_free(t, size);
}

/* Zero every possible CPU's copy, as pcpu_alloc() hands memory out. */
static void shadow_pcpu_zero(void __percpu *mem, unsigned int size)
{
	int cpu;

	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(mem, cpu), 0, size);
}

/* ------------------------------------------------------------- regions */

static struct percpu_counter *shadow_obj_counter(const struct shadow_objtype *t,
						 void *obj, unsigned int slot)
{
	return (struct percpu_counter *)(obj + t->ctor_offset) + slot;
}

static void __percpu **shadow_obj_ptr(const struct shadow_objtype *t,
				      void *obj, unsigned int slot)
{
	return (void __percpu **)(obj + t->ptrs_offset) + slot;
}

static bool shadow_region_is_counter(const struct shadow_region *r)
{
	return r->kind == SHADOW_REGION_COUNTER ||
	       r->kind == SHADOW_REGION_COUNTER_BLOCK;
}

static u32 shadow_region_nr_counters(const struct shadow_region *r)
{
	return r->kind == SHADOW_REGION_COUNTER_BLOCK ? SHADOW_NR_MM_COUNTERS :
							1;
}

/* The counters of a counter region. */
static struct percpu_counter *shadow_region_counters(const struct shadow_objtype *t,
						     const struct shadow_region *r,
						     void *obj)
{
	return shadow_obj_counter(t, obj, r->slot);
}

/*
 * A region as today's kernel makes it: counters through the kernel's
 * percpu_counter API (registered on percpu_counters_lock's list, or on
 * 6.1 the mm-6.6 block on this module's), raw regions with alloc_percpu.
 */
static int shadow_region_init(struct shadow_objtype *t,
			      const struct shadow_region *r, void *obj,
			      gfp_t gfp)
{
	struct percpu_counter *fbc;
	void __percpu **ptr;
#if !SHADOW_HAVE_COUNTER_INIT_MANY
	s32 __percpu *mem;
#endif
	int err = 0;

	switch (r->kind) {
	case SHADOW_REGION_RAW:
	case SHADOW_REGION_MM_CID:
	case SHADOW_REGION_ZEROED:
		ptr = shadow_obj_ptr(t, obj, r->slot);
		*ptr = shadow_pcpu_alloc(t, r->size, r->align, gfp);
		return *ptr ? 0 : -ENOMEM;
	case SHADOW_REGION_COUNTER:
		err = percpu_counter_init(shadow_region_counters(t, r, obj), 0,
					  gfp);
		break;
	case SHADOW_REGION_COUNTER_BLOCK:
		fbc = shadow_region_counters(t, r, obj);
#if SHADOW_HAVE_COUNTER_INIT_MANY
		err = percpu_counter_init_many(fbc, 0, gfp,
					       SHADOW_NR_MM_COUNTERS);
#else
		/* What 6.6's __percpu_counter_init_many() does. */
		mem = __alloc_percpu_gfp(r->size, r->align, gfp);
		if (!mem)
			return -ENOMEM;
		shadow_counters_init_atomic(fbc, SHADOW_NR_MM_COUNTERS);
		shadow_counters_attach(fbc, SHADOW_NR_MM_COUNTERS, mem);
#endif
		break;
	}
	if (!err)
		shadow_stat_alloc(t, r->size);
	return err;
}

/* Takes only pcpu_lock and the counters lock: fit for a destructor. */
static void shadow_region_destroy(struct shadow_objtype *t,
				  const struct shadow_region *r, void *obj)
{
	struct percpu_counter *fbc;
	void __percpu **ptr;

	switch (r->kind) {
	case SHADOW_REGION_RAW:
	case SHADOW_REGION_MM_CID:
	case SHADOW_REGION_ZEROED:
		ptr = shadow_obj_ptr(t, obj, r->slot);
		shadow_pcpu_free(t, *ptr, r->size);
		*ptr = NULL;
		return;
	case SHADOW_REGION_COUNTER:
		percpu_counter_destroy(shadow_region_counters(t, r, obj));
		break;
	case SHADOW_REGION_COUNTER_BLOCK:
		fbc = shadow_region_counters(t, r, obj);
#if SHADOW_HAVE_COUNTER_INIT_MANY
		percpu_counter_destroy_many(fbc, SHADOW_NR_MM_COUNTERS);
#else
		free_percpu(shadow_counters_detach(fbc,
						   SHADOW_NR_MM_COUNTERS));
#endif
		break;
	}
	shadow_stat_free(t, r->size);
}

/*
 * Wire region @r of @obj to percpu memory allocated elsewhere (a stash's
 * set, a merged block, a lazy upgrade); counters are registered on the
 * module's list.
 */
static void shadow_region_attach(const struct shadow_objtype *t,
				 const struct shadow_region *r, void *obj,
				 void __percpu *mem)
{
	if (shadow_region_is_counter(r))
		shadow_counters_attach(shadow_region_counters(t, r, obj),
				       shadow_region_nr_counters(r), mem);
	else
		*shadow_obj_ptr(t, obj, r->slot) = mem;
}

/* Undo shadow_region_attach(); returns the region's memory. */
static void __percpu *shadow_region_detach(const struct shadow_objtype *t,
					   const struct shadow_region *r,
					   void *obj)
{
	void __percpu **ptr;
	void __percpu *mem;

	if (shadow_region_is_counter(r))
		return shadow_counters_detach(shadow_region_counters(t, r, obj),
					      shadow_region_nr_counters(r));
	ptr = shadow_obj_ptr(t, obj, r->slot);
	mem = *ptr;
	*ptr = NULL;
	return mem;
}

/* ---------------------------------------------------------- fault knob */

/* The region at which this constructor call fails, or -1. */
static int shadow_fault_region(struct shadow_objtype *t)
{
	bool fail = false;
	int region = -1;

	if (likely(READ_ONCE(t->fault_mode) == SHADOWSLAB_FAULT_OFF))
		return -1;

	spin_lock(&t->fault_lock);
	t->fault_calls++;
	switch (t->fault_mode) {
	case SHADOWSLAB_FAULT_EVERY_NTH:
		fail = t->fault_calls % t->fault_nth == 0;
		break;
	case SHADOWSLAB_FAULT_PROBABILITY:
		fail = prandom_u32_state(&t->fault_rnd) %
		       SHADOWSLAB_FAULT_PPM_MAX <
		       t->fault_ppm;
		break;
	}
	if (fail) {
		/* Vary the failing region, so every rollback depth is seen. */
		region = t->faults_injected % t->nr_regions;
		t->faults_injected++;
	}
	spin_unlock(&t->fault_lock);
	return region;
}

int shadow_objtype_set_fault(struct shadow_objtype *t,
			     const struct shadowslab_cache_fault *f)
{
	switch (f->mode) {
	case SHADOWSLAB_FAULT_OFF:
		break;
	case SHADOWSLAB_FAULT_EVERY_NTH:
		if (!f->nth)
			return -EINVAL;
		break;
	case SHADOWSLAB_FAULT_PROBABILITY:
		if (f->probability_ppm > SHADOWSLAB_FAULT_PPM_MAX)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}

	spin_lock(&t->fault_lock);
	t->fault_nth = f->nth;
	t->fault_ppm = f->probability_ppm;
	t->fault_calls = 0;
	prandom_seed_state(&t->fault_rnd, f->seed);
	WRITE_ONCE(t->fault_mode, f->mode);
	spin_unlock(&t->fault_lock);
	return 0;
}

u64 shadow_objtype_faults_injected(struct shadow_objtype *t)
{
	u64 n;

	spin_lock(&t->fault_lock);
	n = t->faults_injected;
	spin_unlock(&t->fault_lock);
	return n;
}

/* ------------------------------------------------- constructor, destructor */

int shadow_obj_ctor(void *obj, void *type, gfp_t gfp)
{
	struct shadow_objtype *t = type;
	int fail_at = shadow_fault_region(t);
	u64 t0 = local_clock();
	unsigned int i;
	int err = 0;

	for (i = 0; i < t->nr_regions; i++) {
		if ((int)i == fail_at)
			err = -ENOMEM;
		else
			err = shadow_region_init(t, &t->regions[i], obj, gfp);
		if (err)
			goto err_unwind;
	}
	shadow_stat_ctor(t, t0);
	return 0;

err_unwind:
	while (i--)
		shadow_region_destroy(t, &t->regions[i], obj);
	shadow_stat_ctor(t, t0);
	return err;
}

void shadow_obj_dtor(void *obj, void *type)
{
	struct shadow_objtype *t = type;
	unsigned int i = t->nr_regions;
	u64 t0 = local_clock();

	while (i--)
		shadow_region_destroy(t, &t->regions[i], obj);
	shadow_stat_dtor(t, t0);
}

int shadow_obj_ctor_none(void *obj, void *type, gfp_t gfp)
{
	shadow_stat_ctor(type, local_clock());
	return 0;
}

void shadow_obj_dtor_none(void *obj, void *type)
{
	shadow_stat_dtor(type, local_clock());
}

/* ---------------------------------------------------------- region sets */

unsigned int shadow_objtype_nr_regions(const struct shadow_objtype *t)
{
	return t->nr_regions;
}

int shadow_set_alloc(struct shadow_objtype *t, void __percpu **set,
		     gfp_t gfp)
{
	u64 t0 = local_clock();
	unsigned int i;

	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];

		set[i] = shadow_pcpu_alloc(t, r->size, r->align, gfp);
		if (!set[i])
			goto err_unwind;
	}
	shadow_stat_ctor(t, t0);
	return 0;

err_unwind:
	while (i--)
		shadow_pcpu_free(t, set[i], t->regions[i].size);
	shadow_stat_ctor(t, t0);
	return -ENOMEM;
}

void shadow_set_free(struct shadow_objtype *t, void __percpu **set)
{
	u64 t0 = local_clock();
	unsigned int i;

	for (i = 0; i < t->nr_regions; i++)
		shadow_pcpu_free(t, set[i], t->regions[i].size);
	shadow_stat_dtor(t, t0);
}

/*
 * Hand @set's memory to @obj.  Memory that was used before is zeroed on
 * every possible CPU first, as the percpu allocator would hand it out
 * (mm_cid is not: mm_init_cid() overwrites it on every use anyway).
 */
void shadow_obj_attach_set(const struct shadow_objtype *t, void *obj,
			   void __percpu *const *set)
{
	unsigned int i;

	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];

		if (r->kind != SHADOW_REGION_MM_CID)
			shadow_pcpu_zero(set[i], r->size);
		if (shadow_region_is_counter(r))
			shadow_counters_init_atomic(shadow_region_counters(t, r,
									   obj),
						    shadow_region_nr_counters(r));
		shadow_region_attach(t, r, obj, set[i]);
	}
}

void shadow_obj_detach_set(const struct shadow_objtype *t, void *obj,
			   void __percpu **set)
{
	unsigned int i;

	for (i = 0; i < t->nr_regions; i++)
		set[i] = shadow_region_detach(t, &t->regions[i], obj);
}

/* --------------------------------------------------------------- merged */

int shadow_obj_ctor_merged(void *obj, struct shadow_objtype *t, gfp_t gfp)
{
	struct percpu_counter *fbc = shadow_obj_counter(t, obj, 0);
	u64 t0 = local_clock();
	void __percpu *block;
	unsigned int i;

	block = shadow_pcpu_alloc(t, t->merged_size, t->merged_align, gfp);
	if (!block) {
		shadow_stat_ctor(t, t0);
		return -ENOMEM;
	}
	shadow_counters_init_atomic(fbc, t->nr_counters);
	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];
		void __percpu *mem = block + t->merged_offset[i];
		u32 n;

		if (!shadow_region_is_counter(r)) {
			*shadow_obj_ptr(t, obj, r->slot) = mem;
			continue;
		}
		for (n = 0; n < shadow_region_nr_counters(r); n++)
			fbc[r->slot + n].counters = (s32 __percpu *)mem + n;
	}
	/* One registration for every counter, as one allocation for all. */
	shadow_counters_register(fbc, t->nr_counters);
	shadow_stat_ctor(t, t0);
	return 0;
}

void shadow_obj_dtor_merged(void *obj, struct shadow_objtype *t)
{
	const struct shadow_region *first = &t->regions[0];
	u64 t0 = local_clock();
	void __percpu *block;

	/* Region 0 sits at offset 0: its memory is the block. */
	block = shadow_region_is_counter(first) ?
		(void __percpu *)shadow_region_counters(t, first, obj)->counters :
		*shadow_obj_ptr(t, obj, first->slot);
	shadow_counters_unregister(shadow_obj_counter(t, obj, 0),
				   t->nr_counters);
	shadow_pcpu_free(t, block, t->merged_size);
	shadow_stat_dtor(t, t0);
}

/* ----------------------------------------------------------------- lazy */

int shadow_obj_ctor_lazy(void *obj, struct shadow_objtype *t, gfp_t gfp)
{
	u64 t0 = local_clock();
	unsigned int i;

	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];
		void __percpu **ptr;

		if (shadow_region_is_counter(r)) {
			shadow_counters_init_atomic(shadow_region_counters(t, r,
									   obj),
						    shadow_region_nr_counters(r));
			continue;
		}
		ptr = shadow_obj_ptr(t, obj, r->slot);
		*ptr = shadow_pcpu_alloc(t, r->size, r->align, gfp);
		if (!*ptr)
			goto err_unwind;
	}
	shadow_stat_ctor(t, t0);
	return 0;

err_unwind:
	while (i--) {
		const struct shadow_region *r = &t->regions[i];

		if (!shadow_region_is_counter(r))
			shadow_pcpu_free(t, *shadow_obj_ptr(t, obj, r->slot),
					 r->size);
	}
	shadow_stat_ctor(t, t0);
	return -ENOMEM;
}

/*
 * The object goes multi-threaded: its counters get their percpu part,
 * each counter region as the percpu strategy allocates it, and keep the
 * counts they gathered in atomic mode.
 */
int shadow_obj_lazy_upgrade(void *obj, struct shadow_objtype *t, gfp_t gfp)
{
	u64 t0 = local_clock();
	unsigned int i;

	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];
		void __percpu *mem;

		if (!shadow_region_is_counter(r))
			continue;
		mem = shadow_pcpu_alloc(t, r->size, r->align, gfp);
		if (!mem)
			goto err_unwind;
		shadow_region_attach(t, r, obj, mem);
	}
	shadow_stat_ctor(t, t0);
	return 0;

err_unwind:
	while (i--) {
		const struct shadow_region *r = &t->regions[i];

		if (shadow_region_is_counter(r))
			shadow_pcpu_free(t, shadow_region_detach(t, r, obj),
					 r->size);
	}
	shadow_stat_ctor(t, t0);
	return -ENOMEM;
}

void shadow_obj_dtor_lazy(void *obj, struct shadow_objtype *t)
{
	unsigned int i = t->nr_regions;
	u64 t0 = local_clock();

	while (i--) {
		const struct shadow_region *r = &t->regions[i];

		if (!shadow_region_is_counter(r))
			shadow_pcpu_free(t, *shadow_obj_ptr(t, obj, r->slot),
					 r->size);
		else if (shadow_region_counters(t, r, obj)->counters)
			shadow_pcpu_free(t, shadow_region_detach(t, r, obj),
					 r->size);
	}
	shadow_stat_dtor(t, t0);
}

/* ---------------------------------------------------------- one use */

void shadow_obj_begin(const struct shadow_objtype *t, void *obj)
{
	unsigned int i;
	int cpu;

	memset(obj, 0, t->ctor_offset);
	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];
		void __percpu *region;

		if (r->kind != SHADOW_REGION_ZEROED &&
		    r->kind != SHADOW_REGION_MM_CID)
			continue;
		region = *shadow_obj_ptr(t, obj, r->slot);
		if (r->kind == SHADOW_REGION_ZEROED) {
			/* mm_init_sched() on every possible CPU */
			for_each_possible_cpu(cpu)
				memset(per_cpu_ptr(region, cpu), 0, r->size);
			continue;
		}
		for_each_possible_cpu(cpu) {
			struct shadow_mm_cid *cid;

			cid = per_cpu_ptr((struct shadow_mm_cid __percpu *)region,
					  cpu);
			cid->cid = MM_CID_UNSET;
			cid->recent_cid = MM_CID_UNSET;
			cid->time = 0;
		}
	}
}

/*
 * A counter in atomic mode (lazy, single-threaded) is its count alone,
 * updated atomically, as the atomic-mode rss counters do.
 */
static_assert(sizeof(atomic64_t) == sizeof(s64));

static void shadow_counter_add(struct percpu_counter *fbc, s64 amount)
{
	if (fbc->counters)
		percpu_counter_add(fbc, amount);
	else
		atomic64_add(amount, (atomic64_t *)&fbc->count);
}

static s64 shadow_counter_sum(struct percpu_counter *fbc)
{
	if (fbc->counters)
		return shadow_percpu_counter_sum(fbc);
	return atomic64_read((atomic64_t *)&fbc->count);
}

/* What page faults do to rss_stat: up (then, in use_down, back down). */
void shadow_obj_use_up(const struct shadow_objtype *t, void *obj)
{
	unsigned int i;

	for (i = 0; i < t->nr_counters; i++)
		shadow_counter_add(shadow_obj_counter(t, obj, i), i + 1);
	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];

		if (r->kind == SHADOW_REGION_RAW)
			this_cpu_inc(*(u8 __percpu *)*shadow_obj_ptr(t, obj,
								    r->slot));
	}
}

void shadow_obj_use_down(const struct shadow_objtype *t, void *obj)
{
	unsigned int i;

	for (i = 0; i < t->nr_counters; i++)
		shadow_counter_add(shadow_obj_counter(t, obj, i),
				   -(s64)(i + 1));
	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];

		if (r->kind == SHADOW_REGION_RAW)
			this_cpu_dec(*(u8 __percpu *)*shadow_obj_ptr(t, obj,
								    r->slot));
	}
}

void shadow_obj_use(const struct shadow_objtype *t, void *obj)
{
	shadow_obj_use_up(t, obj);
	shadow_obj_use_down(t, obj);
}

bool shadow_obj_check(const struct shadow_objtype *t, void *obj)
{
	bool ok = true;
	unsigned int i;
	int cpu;

	for (i = 0; i < t->nr_counters; i++)
		if (shadow_counter_sum(shadow_obj_counter(t, obj, i)))
			ok = false;
	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];
		u8 __percpu *first;

		if (r->kind != SHADOW_REGION_RAW)
			continue;
		first = *shadow_obj_ptr(t, obj, r->slot);
		for_each_possible_cpu(cpu)
			if (*per_cpu_ptr(first, cpu))
				ok = false;
	}
	return ok;
}

/* --------------------------------------------------------- object types */

static unsigned int shadow_profile_default_size(u32 profile)
{
	if (profile == SHADOWSLAB_PROFILE_TC_ACTION)
		return sizeof(struct tc_action);
	return shadow_mm_struct_size();
}

static int shadow_spec_regions(struct shadow_objtype *t,
			       const struct shadowslab_profile_spec *spec)
{
	unsigned int i;

	if (spec->profile != SHADOWSLAB_PROFILE_CUSTOM) {
		const struct shadow_profile *p = &shadow_profiles[spec->profile];

		if (spec->nr_regions || memchr_inv(spec->regions, 0,
						   sizeof(spec->regions)))
			return -EINVAL;
		t->nr_regions = p->nr_regions;
		memcpy(t->regions, p->regions, sizeof(t->regions));
		return 0;
	}

	if (!spec->nr_regions || spec->nr_regions > SHADOWSLAB_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; i < spec->nr_regions; i++) {
		const struct shadowslab_region *ur = &spec->regions[i];
		/* 0: natural, the largest power of two dividing the size, to 8 */
		unsigned int align = ur->align ?:
			min_t(unsigned int, 1U << __ffs(ur->size ?: 1), 8);

		if (!ur->size || ur->size > SHADOWSLAB_REGION_MAX_SIZE ||
		    !is_power_of_2(align) || align > PAGE_SIZE)
			return -EINVAL;
		t->regions[i] = (struct shadow_region)RAW(ur->size, align);
	}
	for (; i < SHADOWSLAB_MAX_REGIONS; i++)
		if (spec->regions[i].size || spec->regions[i].align)
			return -EINVAL;
	t->nr_regions = spec->nr_regions;
	return 0;
}

struct shadow_objtype *
shadow_objtype_create(const struct shadowslab_profile_spec *spec)
{
	struct shadow_objtype *t;
	unsigned int i, tail;
	int err;

	if (spec->profile >= SHADOWSLAB_NR_PROFILES || spec->reserved)
		return ERR_PTR(-EINVAL);

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->profile = spec->profile;
	spin_lock_init(&t->fault_lock);
	err = shadow_spec_regions(t, spec);
	if (err)
		goto err_free;

	for (i = 0; i < t->nr_regions; i++) {
		struct shadow_region *r = &t->regions[i];

		switch (r->kind) {
		case SHADOW_REGION_COUNTER:
			r->slot = t->nr_counters++;
			break;
		case SHADOW_REGION_COUNTER_BLOCK:
			r->slot = t->nr_counters;
			t->nr_counters += SHADOW_NR_MM_COUNTERS;
			break;
		default:
			r->slot = t->nr_ptrs++;
			break;
		}
		t->percpu_bytes += (unsigned long)r->size * num_possible_cpus();
		/* merged: each region at its alignment in one per-CPU struct */
		t->merged_offset[i] = ALIGN(t->merged_size, r->align);
		t->merged_size = t->merged_offset[i] + r->size;
		t->merged_align = max(t->merged_align, r->align);
	}

	err = -ENOMEM;
	t->stats = alloc_percpu(struct shadow_objtype_stats);
	if (!t->stats)
		goto err_free;
	err = -EINVAL;
	tail = t->nr_counters * sizeof(struct percpu_counter) +
	       t->nr_ptrs * sizeof(void *);
	t->size = spec->object_size ?: shadow_profile_default_size(t->profile);
	if (t->size < SHADOW_OBJ_MIN_HEAD + tail + sizeof(void *) ||
	    t->size > SHADOW_OBJ_MAX_SIZE)
		goto err_free;
	t->ctor_offset = ALIGN_DOWN(t->size - tail, sizeof(void *));
	t->ptrs_offset = t->ctor_offset +
			 t->nr_counters * sizeof(struct percpu_counter);
	return t;

err_free:
	free_percpu(t->stats);
	kfree(t);
	return ERR_PTR(err);
}

void shadow_objtype_destroy(struct shadow_objtype *t)
{
	free_percpu(t->stats);
	kfree(t);
}

unsigned int shadow_objtype_size(const struct shadow_objtype *t)
{
	return t->size;
}

unsigned int shadow_objtype_align(const struct shadow_objtype *t)
{
	return L1_CACHE_BYTES;	/* mm_cachep is SLAB_HWCACHE_ALIGN */
}

const char *shadow_objtype_name(const struct shadow_objtype *t)
{
	return shadow_profiles[t->profile].name;
}

unsigned long shadow_objtype_percpu_bytes(const struct shadow_objtype *t)
{
	return t->percpu_bytes;
}

unsigned int shadow_objtype_merged_size(const struct shadow_objtype *t)
{
	return t->merged_size;
}

unsigned int shadow_objtype_nr_counters(const struct shadow_objtype *t)
{
	return t->nr_counters;
}

void shadow_objtype_describe(const struct shadow_objtype *t,
			     struct shadowslab_profile_spec *spec)
{
	unsigned int i;

	memset(spec, 0, sizeof(*spec));
	spec->profile = t->profile;
	spec->object_size = t->size;
	spec->nr_regions = t->nr_regions;
	for (i = 0; i < t->nr_regions; i++) {
		spec->regions[i].size = t->regions[i].size;
		spec->regions[i].align = t->regions[i].align;
	}
}

/* ------------------------------------------------------ kernel profile */

#if SHADOW_MM_CID && SHADOW_MM_CID_RESET
/* shadow_obj_begin() resets it as struct shadow_mm_cid, as mm_init_cid() */
static_assert(sizeof(struct shadow_kernel_mm_cid) >= sizeof(struct shadow_mm_cid));
#endif

#define REGION_OF(_kind, _type) { .kind = (_kind), .size = sizeof(_type), \
				  .align = __alignof__(_type) }

/* mm_init()'s percpu allocations, in its order; see the table on top. */
static void __init shadow_kernel_profile_init(void)
{
	struct shadow_profile *p = &shadow_profiles[SHADOWSLAB_PROFILE_KERNEL];
	const struct shadow_region counter = COUNTER;
	unsigned int n = 0, i;
	u32 flags = 0;

#if SHADOW_MM_CID
	flags |= SHADOWSLAB_KPROF_SCHED_MM_CID;
#if SHADOW_MM_CID_RESET
	p->regions[n++] = (struct shadow_region)
		REGION_OF(SHADOW_REGION_MM_CID, struct shadow_kernel_mm_cid);
#else
	p->regions[n++] = (struct shadow_region)
		REGION_OF(SHADOW_REGION_RAW, struct shadow_kernel_mm_cid);
#endif
#endif
#if SHADOW_MM_SCHED_CACHE
	flags |= SHADOWSLAB_KPROF_SCHED_CACHE;
	p->regions[n++] = (struct shadow_region)
		REGION_OF(SHADOW_REGION_ZEROED, struct sched_cache_time);
#endif
	if (SHADOW_MM_RSS_BLOCK) {
		flags |= SHADOWSLAB_KPROF_RSS_COUNTERS | SHADOWSLAB_KPROF_RSS_BLOCK;
		p->regions[n++] = (struct shadow_region)COUNTER_BLOCK;
	} else if (SHADOW_MM_RSS_COUNTERS) {
		flags |= SHADOWSLAB_KPROF_RSS_COUNTERS;
		for (i = 0; i < SHADOW_NR_MM_COUNTERS; i++)
			p->regions[n++] = counter;
	}

	if (flags & SHADOWSLAB_KPROF_SCHED_CACHE)
		shadow_kernel_basis = "mm_init 6.19+, sched_cache";
	else if (flags & SHADOWSLAB_KPROF_RSS_BLOCK)
		shadow_kernel_basis = "mm_init 6.6+";
	else if (flags & SHADOWSLAB_KPROF_RSS_COUNTERS)
		shadow_kernel_basis = "mm_init 6.2-6.5";
	else
		shadow_kernel_basis = "what-if mm-6.6 (exec: none)";
	if (!n) {
		/* Nothing to match: show what a current kernel adds. */
		flags |= SHADOWSLAB_KPROF_WHAT_IF;
		n = shadow_profiles[SHADOWSLAB_PROFILE_MM_6_6].nr_regions;
		memcpy(p->regions, shadow_profiles[SHADOWSLAB_PROFILE_MM_6_6].regions,
		       sizeof(p->regions));
	}
	p->nr_regions = n;
	shadow_kernel_flags = flags;
}

void shadow_kernel_profile_describe(struct shadowslab_info *info)
{
	const struct shadow_profile *p =
		&shadow_profiles[SHADOWSLAB_PROFILE_KERNEL];
	struct shadowslab_profile_spec *spec = &info->kernel_profile;
	unsigned int i;

	spec->profile = SHADOWSLAB_PROFILE_KERNEL;
	spec->object_size = shadow_mm_struct_size();
	spec->nr_regions = p->nr_regions;
	for (i = 0; i < p->nr_regions; i++) {
		spec->regions[i].size = p->regions[i].size;
		spec->regions[i].align = p->regions[i].align;
	}
	info->kernel_profile_flags = shadow_kernel_flags;
	strscpy(info->kernel_profile_basis, shadow_kernel_basis,
		sizeof(info->kernel_profile_basis));
}

int __init shadow_profiles_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					"shadowslab:counters_dead", NULL,
					shadow_counters_cpu_dead);
	if (ret < 0)
		return ret;
	shadow_counters_cpuhp = ret;
	shadow_kernel_profile_init();
	return 0;
}

void shadow_profiles_exit(void)
{
	cpuhp_remove_state_nocalls(shadow_counters_cpuhp);
}
