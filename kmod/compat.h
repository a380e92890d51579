/* SPDX-License-Identifier: GPL-2.0 */
/*
 * compat.h - every kernel API difference shadowslab meets, in one place.
 *
 * The module is built and tested on Debian's 6.1 and is meant to run on
 * 6.6 to 6.18.  Each difference is one helper here with a version guard, so
 * the rest of the module is written against a single API:
 *
 *  - shrinkers: register_shrinker(s, fmt, ...) up to 6.6, then
 *    shrinker_alloc()/shrinker_register()/shrinker_free() from 6.7;
 *  - percpu_counter_init_many()/percpu_counter_destroy_many() from 6.6;
 *    before that the module registers its counter blocks itself (see
 *    profiles.c, which says what that changes);
 *  - percpu_counter_sum() counts a CPU going offline from 6.4 (its
 *    cpu_dying_mask); before, the module sums every possible CPU;
 *  - the size of the kernel's mm_struct objects, as mm_cache_init() computes
 *    it: sizeof(struct mm_struct) plus cpumask_size(), plus the kernel's own
 *    mm_cid_size() from 6.4 (0 without CONFIG_SCHED_MM_CID; one cpumask in
 *    6.4, two from 6.8 or so, a cpumask and a bitmap of the possible CPUs
 *    in 7.x: hence the inline, never a copy);
 *  - what mm_init() allocates from the percpu allocator, for the "kernel"
 *    profile (profiles.c): the rss_stat counters (6.2 on; one block from
 *    6.6), mm_cid (6.4 on, CONFIG_SCHED_MM_CID: struct mm_cid, which
 *    mm_init_cid() resets on every possible CPU, until 6.18; struct
 *    mm_cid_pcpu, one cache line per CPU that mm_init_cid() leaves alone,
 *    from 6.19), and cache-aware scheduling's struct sched_cache_time
 *    (CONFIG_SCHED_CACHE, 7.x; mm_init_sched() writes every possible CPU's);
 *  - MM_CID_UNSET, public from 6.19 (BIT(31)); before, kernel/sched's -1;
 *  - a kmem_cache made as kernel/fork.c makes mm_cachep: SLAB_NO_MERGE
 *    exists from 6.5, struct kmem_cache_args from 6.12;
 *  - whether kernel memory is charged to memcgs: memcg_kmem_enabled()
 *    up to 6.3, memcg_kmem_online() from 6.4.
 *
 * Verified on Debian's 6.1, 6.12 and 7.3 (scripts/fetch-kernel.sh); the
 * version guards in between follow mainline's history.
 */
#ifndef _SHADOWSLAB_COMPAT_H
#define _SHADOWSLAB_COMPAT_H

#include <linux/version.h>
#include <linux/cpumask.h>
#include <linux/memcontrol.h>
#include <linux/mm_types.h>
#include <linux/shrinker.h>
#include <linux/percpu_counter.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/err.h>

/* ------------------------------------------------------------ shrinker */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
#define SHADOW_HAVE_SHRINKER_ALLOC 1
#else
#define SHADOW_HAVE_SHRINKER_ALLOC 0
#endif

#if !SHADOW_HAVE_SHRINKER_ALLOC
/* Before 6.7 struct shrinker has no private pointer: carry one beside it. */
struct shadow_legacy_shrinker {
	struct shrinker shrinker;
	void *priv;
};
#endif

/*
 * shadow_shrinker_create() returns a registered shrinker whose callbacks
 * find @priv with shadow_shrinker_priv(), or an ERR_PTR.  The name shows in
 * /sys/kernel/debug/shrinker/ where CONFIG_SHRINKER_DEBUG is set.
 */
static inline struct shrinker *
shadow_shrinker_create(const char *name, void *priv,
		       unsigned long (*count)(struct shrinker *,
					      struct shrink_control *),
		       unsigned long (*scan)(struct shrinker *,
					     struct shrink_control *))
{
	struct shrinker *s;
#if SHADOW_HAVE_SHRINKER_ALLOC
	s = shrinker_alloc(0, "shadowslab-%s", name);
	if (!s)
		return ERR_PTR(-ENOMEM);
	s->private_data = priv;
	s->count_objects = count;
	s->scan_objects = scan;
	shrinker_register(s);
#else
	struct shadow_legacy_shrinker *ls;
	int err;

	ls = kzalloc(sizeof(*ls), GFP_KERNEL);
	if (!ls)
		return ERR_PTR(-ENOMEM);
	ls->priv = priv;
	s = &ls->shrinker;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = DEFAULT_SEEKS;
	err = register_shrinker(s, "shadowslab-%s", name);
	if (err) {
		kfree(ls);
		return ERR_PTR(err);
	}
#endif
	return s;
}

static inline void *shadow_shrinker_priv(struct shrinker *s)
{
#if SHADOW_HAVE_SHRINKER_ALLOC
	return s->private_data;
#else
	return container_of(s, struct shadow_legacy_shrinker, shrinker)->priv;
#endif
}

static inline void shadow_shrinker_destroy(struct shrinker *s)
{
#if SHADOW_HAVE_SHRINKER_ALLOC
	shrinker_free(s);
#else
	unregister_shrinker(s);
	kfree(container_of(s, struct shadow_legacy_shrinker, shrinker));
#endif
}

/* ------------------------------------------------------ percpu counters */

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
#define SHADOW_HAVE_COUNTER_INIT_MANY 1
#else
#define SHADOW_HAVE_COUNTER_INIT_MANY 0
#endif

/*
 * The exact sum of a counter, as check_mm() takes it, also while a CPU
 * goes offline.  A CPU leaves cpu_online_mask before the hotplug callback
 * that folds its count into fbc->count runs (percpu_counter_cpu_dead(), or
 * shadow_counters_cpu_dead() in profiles.c), and a task moved off it
 * between adding and subtracting leaves +n there and -n on its new CPU.
 * From 6.4 percpu_counter_sum() also adds the CPUs in cpu_dying_mask
 * (8b57b11cca88 "pcpcntrs: fix dying cpu summation race"); 6.2 and 6.3's
 * check_mm() used percpu_counter_sum_all(), every possible CPU
 * (f689054aace2).  6.1 has neither, and its sum misses the count: here,
 * before 6.4, every possible CPU's count is added under fbc->lock, which
 * the fold also takes, so that a folded CPU's count is 0.
 */
static inline s64 shadow_percpu_counter_sum(struct percpu_counter *fbc)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return percpu_counter_sum(fbc);
#else
	unsigned long flags;
	s64 sum;
	int cpu;

	raw_spin_lock_irqsave(&fbc->lock, flags);
	sum = fbc->count;
	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(fbc->counters, cpu);
	raw_spin_unlock_irqrestore(&fbc->lock, flags);
	return sum;
#endif
}

/* ------------------------------------------------------------ mm_struct */

/* The object size of the kernel's mm_cachep (kernel/fork.c:mm_cache_init). */
static inline unsigned int shadow_mm_struct_size(void)
{
	unsigned int size = sizeof(struct mm_struct) + cpumask_size();

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	size += mm_cid_size();
#endif
	return size;
}

/* -------------------------------------------- mm_init()'s percpu memory */

/* rss_stat: atomics before 6.2, percpu_counters after, in one block from 6.6. */
#define SHADOW_MM_RSS_COUNTERS \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0))
#define SHADOW_MM_RSS_BLOCK	SHADOW_HAVE_COUNTER_INIT_MANY

/*
 * mm_cid's percpu type (struct shadow_kernel_mm_cid) and whether
 * mm_init_cid() resets every possible CPU's copy of it on each new mm.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0) && IS_ENABLED(CONFIG_SCHED_MM_CID)
#define SHADOW_MM_CID		1
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define shadow_kernel_mm_cid	mm_cid_pcpu
#define SHADOW_MM_CID_RESET	0
#else
#define shadow_kernel_mm_cid	mm_cid
#define SHADOW_MM_CID_RESET	1
#endif
#else
#define SHADOW_MM_CID		0
#endif

/* Cache-aware scheduling's per-mm statistics (7.x). */
#if IS_ENABLED(CONFIG_SCHED_CACHE)
#define SHADOW_MM_SCHED_CACHE	1
#else
#define SHADOW_MM_SCHED_CACHE	0
#endif

#ifndef MM_CID_UNSET
#define MM_CID_UNSET		-1	/* kernel/sched/sched.h, before 6.19 */
#endif

/* ------------------------------------------------------------ kmem_cache */

#ifdef SLAB_NO_MERGE
#define SHADOW_SLAB_NO_MERGE	SLAB_NO_MERGE
#else
#define SHADOW_SLAB_NO_MERGE	0
#endif

/*
 * A cache of @size-byte objects made as mm_cachep is: SLAB_HWCACHE_ALIGN |
 * SLAB_ACCOUNT, with a usercopy region ([@useroffset, +@usersize), as
 * mm_struct's saved_auxv), which alone keeps SLUB from merging it with
 * another cache on every version; SLAB_NO_MERGE says so too where it exists.
 */
static inline struct kmem_cache *
shadow_kmem_cache_create_mm(const char *name, unsigned int size,
			    unsigned int useroffset, unsigned int usersize)
{
	slab_flags_t flags = SLAB_HWCACHE_ALIGN | SLAB_ACCOUNT |
			     SHADOW_SLAB_NO_MERGE;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	struct kmem_cache_args args = {
		.useroffset = useroffset,
		.usersize = usersize,
	};

	return kmem_cache_create(name, size, &args, flags);
#else
	return kmem_cache_create_usercopy(name, size, 0, flags, useroffset,
					  usersize, NULL);
#endif
}

/* ---------------------------------------------------------------- memcg */

/*
 * The kernel charges kernel memory to memory cgroups: built with it, and
 * the memory controller not disabled.  cgroup.memory=nokmem is private to
 * mm/memcontrol.c; shadow_memcg_ino() sees its effect.
 */
static inline bool shadow_memcg_kmem_built(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
	return IS_ENABLED(CONFIG_MEMCG) && !mem_cgroup_disabled();
#else
	return IS_ENABLED(CONFIG_MEMCG_KMEM) && !mem_cgroup_disabled();
#endif
}

/*
 * Kernel memory is being charged: the static key the kernel turns on when
 * the first memcg other than the root comes online with kmem accounting
 * (never with cgroup.memory=nokmem).
 */
static inline bool shadow_memcg_kmem_on(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	return memcg_kmem_online();
#else
	return memcg_kmem_enabled();
#endif
}

/*
 * The cgroup inode of @memcg if kernel memory is charged to it; 0 for
 * none, for the root, which is never charged (root_mem_cgroup, which
 * mem_cgroup_is_root() reads, is not exported; the root is the css
 * without a parent), or when kmem accounting is off.
 */
static inline u64 shadow_memcg_ino(struct mem_cgroup *memcg)
{
#ifdef CONFIG_MEMCG
	if (memcg && memcg->css.parent && shadow_memcg_kmem_on())
		return cgroup_ino(memcg->css.cgroup);
#endif
	return 0;
}

#endif /* _SHADOWSLAB_COMPAT_H */
