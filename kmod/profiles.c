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
 *
 * Where the running kernel predates percpu_counter_init_many() (6.1), the
 * mm-6.6 block is allocated exactly as 6.6 does it, but it is registered
 * on this module's own counter list under shadow_counters_lock, because
 * percpu_counters_lock is static to lib/percpu_counter.c; a CPU hotplug
 * callback here folds a dead CPU's counts, as percpu_counter_cpu_dead()
 * does for the kernel's list.  The lock taken, the hold count and the
 * allocation are the same; the lock is not shared with the rest of the
 * kernel's counters.  "shadowctl info" and the README say so.
 *
 * The default object size of the mm profiles is the running kernel's
 * mm_struct object size (compat.h), of tc_action sizeof(struct tc_action).
 *
 * Locking: shadow_counters_lock (legacy kernels only) is a leaf, taken
 * with interrupts off, nesting each counter's raw lock in the hotplug
 * callback as lib/percpu_counter.c does.  fault_lock is a leaf guarding
 * the fault knob's random state.  Constructors take the percpu allocator's
 * pcpu_alloc_mutex through __alloc_percpu_gfp() and may sleep when their
 * gfp mask allows; destructors take only pcpu_lock and the counters lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpuhotplug.h>
#include <linux/percpu.h>
#include <linux/percpu_counter.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/act_api.h>

#include "../uapi/shadowslab.h"
#include "compat.h"
#include "profiles.h"

#define SHADOW_NR_MM_COUNTERS	4	/* NR_MM_COUNTERS from 6.2 on */
#define MM_CID_UNSET		-1

enum shadow_region_kind {
	SHADOW_REGION_RAW,		/* alloc_percpu_gfp(size, align) */
	SHADOW_REGION_MM_CID,		/* raw, reset on every begin */
	SHADOW_REGION_COUNTER,		/* one percpu_counter_init() */
	SHADOW_REGION_COUNTER_BLOCK,	/* percpu_counter_init_many(4) */
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

static const struct shadow_profile shadow_profiles[SHADOWSLAB_NR_PROFILES] = {
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
};

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

/* ------------------------------------------- percpu_counter_init_many() */

#if !SHADOW_HAVE_COUNTER_INIT_MANY
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
#endif

static int shadow_counters_init_many(struct percpu_counter *fbc, u32 nr,
				     gfp_t gfp)
{
#if SHADOW_HAVE_COUNTER_INIT_MANY
	return percpu_counter_init_many(fbc, 0, gfp, nr);
#else
	s32 __percpu *block;
	unsigned long flags;
	u32 i;

	block = __alloc_percpu_gfp(nr * sizeof(s32), __alignof__(s32), gfp);
	if (!block)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		raw_spin_lock_init(&fbc[i].lock);
		fbc[i].count = 0;
		fbc[i].counters = block + i;
	}
	spin_lock_irqsave(&shadow_counters_lock, flags);
	for (i = 0; i < nr; i++)
		list_add(&fbc[i].list, &shadow_counters);
	spin_unlock_irqrestore(&shadow_counters_lock, flags);
	return 0;
#endif
}

static void shadow_counters_destroy_many(struct percpu_counter *fbc, u32 nr)
{
#if SHADOW_HAVE_COUNTER_INIT_MANY
	percpu_counter_destroy_many(fbc, nr);
#else
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&shadow_counters_lock, flags);
	for (i = 0; i < nr; i++)
		list_del(&fbc[i].list);
	spin_unlock_irqrestore(&shadow_counters_lock, flags);
	free_percpu(fbc[0].counters);
	for (i = 0; i < nr; i++)
		fbc[i].counters = NULL;
#endif
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

static int shadow_region_init(const struct shadow_objtype *t,
			      const struct shadow_region *r, void *obj,
			      gfp_t gfp)
{
	void __percpu **ptr;
	int err = 0;

	switch (r->kind) {
	case SHADOW_REGION_RAW:
	case SHADOW_REGION_MM_CID:
		ptr = shadow_obj_ptr(t, obj, r->slot);
		*ptr = __alloc_percpu_gfp(r->size, r->align, gfp);
		if (!*ptr)
			err = -ENOMEM;
		break;
	case SHADOW_REGION_COUNTER:
		err = percpu_counter_init(shadow_obj_counter(t, obj, r->slot),
					  0, gfp);
		break;
	case SHADOW_REGION_COUNTER_BLOCK:
		err = shadow_counters_init_many(shadow_obj_counter(t, obj,
								   r->slot),
						SHADOW_NR_MM_COUNTERS, gfp);
		break;
	}
	if (!err)
		this_cpu_inc(shadow_pcpu_allocs);
	return err;
}

/* Takes only pcpu_lock and the counters lock: fit for a destructor. */
static void shadow_region_destroy(const struct shadow_objtype *t,
				  const struct shadow_region *r, void *obj)
{
	void __percpu **ptr;

	switch (r->kind) {
	case SHADOW_REGION_RAW:
	case SHADOW_REGION_MM_CID:
		ptr = shadow_obj_ptr(t, obj, r->slot);
		free_percpu(*ptr);
		*ptr = NULL;
		break;
	case SHADOW_REGION_COUNTER:
		percpu_counter_destroy(shadow_obj_counter(t, obj, r->slot));
		break;
	case SHADOW_REGION_COUNTER_BLOCK:
		shadow_counters_destroy_many(shadow_obj_counter(t, obj, r->slot),
					     SHADOW_NR_MM_COUNTERS);
		break;
	}
	this_cpu_inc(shadow_pcpu_frees);
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
	return 0;

err_unwind:
	while (i--)
		shadow_region_destroy(t, &t->regions[i], obj);
	return err;
}

void shadow_obj_dtor(void *obj, void *type)
{
	struct shadow_objtype *t = type;
	unsigned int i = t->nr_regions;

	while (i--)
		shadow_region_destroy(t, &t->regions[i], obj);
}

/* ---------------------------------------------------------- one use */

void shadow_obj_begin(const struct shadow_objtype *t, void *obj)
{
	unsigned int i;
	int cpu;

	memset(obj, 0, t->ctor_offset);
	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];

		if (r->kind != SHADOW_REGION_MM_CID)
			continue;
		for_each_possible_cpu(cpu) {
			struct shadow_mm_cid *cid;

			cid = per_cpu_ptr((struct shadow_mm_cid __percpu *)
					  *shadow_obj_ptr(t, obj, r->slot),
					  cpu);
			cid->cid = MM_CID_UNSET;
			cid->recent_cid = MM_CID_UNSET;
			cid->time = 0;
		}
	}
}

void shadow_obj_use(const struct shadow_objtype *t, void *obj)
{
	unsigned int i;

	/* What page faults and unmaps do to rss_stat: up, then back down. */
	for (i = 0; i < t->nr_counters; i++)
		percpu_counter_add(shadow_obj_counter(t, obj, i), i + 1);
	for (i = 0; i < t->nr_counters; i++)
		percpu_counter_add(shadow_obj_counter(t, obj, i),
				   -(s64)(i + 1));

	for (i = 0; i < t->nr_regions; i++) {
		const struct shadow_region *r = &t->regions[i];
		u8 __percpu *first;

		if (r->kind != SHADOW_REGION_RAW)
			continue;
		first = *shadow_obj_ptr(t, obj, r->slot);
		this_cpu_inc(*first);
		this_cpu_dec(*first);
	}
}

bool shadow_obj_check(const struct shadow_objtype *t, void *obj)
{
	bool ok = true;
	unsigned int i;
	int cpu;

	for (i = 0; i < t->nr_counters; i++)
		if (percpu_counter_sum(shadow_obj_counter(t, obj, i)))
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
	}

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
	kfree(t);
	return ERR_PTR(err);
}

void shadow_objtype_destroy(struct shadow_objtype *t)
{
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

int shadow_profiles_init(void)
{
#if !SHADOW_HAVE_COUNTER_INIT_MANY
	int ret = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
					    "shadowslab:counters_dead", NULL,
					    shadow_counters_cpu_dead);
	if (ret < 0)
		return ret;
	shadow_counters_cpuhp = ret;
#endif
	return 0;
}

void shadow_profiles_exit(void)
{
#if !SHADOW_HAVE_COUNTER_INIT_MANY
	cpuhp_remove_state_nocalls(shadow_counters_cpuhp);
#endif
}
