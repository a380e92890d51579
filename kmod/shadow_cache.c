// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_cache.c - the shadow cache: object caching with constructors and
 * destructors, for objects that own percpu memory.
 *
 * Design
 * ------
 * Three layers, as in Bonwick's "The Slab Allocator: An Object-Caching
 * Kernel Memory Allocator" (1994), "Magazines and Vmem" (2001), and
 * illumos usr/src/uts/common/os/kmem.c:
 *
 *  CPU layer.  Each CPU has a loaded and a previous magazine, each an array
 *  of up to magazine_size constructed objects.  alloc pops from the loaded
 *  one, free pushes to it; when it is empty (alloc) or full (free) and the
 *  previous one can serve, the two swap.  Only the CPU's own cache lock is
 *  taken, which nothing else takes except a drain of that CPU and the
 *  statistics.
 *
 *  Depot.  Full and empty magazines, on two lists under depot_lock.  When
 *  both CPU magazines are exhausted, a CPU trades one of them with the
 *  depot.  Each list keeps a working-set low-water mark ("min").  A timer
 *  (a delayed work item, every depot_ws_interval_ms, 15 s by default)
 *  turns the mark into the number of magazines that were not needed during
 *  the last interval, and reaping frees only those, as illumos
 *  kmem_depot_ws_update() (from kmem_update_timeout) and
 *  kmem_depot_ws_reap() do.  The interval is the timer's, not the gap
 *  between two shrinker scans, which under memory pressure would shrink
 *  the working set to nothing.
 *
 *  Slab layer.  A slab is a run of 2^slab_order pages holding objs_per_slab
 *  objects.  All of its objects are constructed when it is populated, with
 *  no lock held; if a constructor fails, those already built are destroyed
 *  and the pages freed, so no half-built slab is ever visible.  The slab
 *  header sits at the start of the run and the free list is an index stack
 *  in the header, because a constructed object's bytes belong to its
 *  constructor and cannot hold a free-list link.  Partial slabs sit in
 *  buckets by their number of objects in use, and alloc takes from the
 *  fullest (find_last_bit over the bucket map), so that free objects
 *  collect in the emptiest slabs and those drain and can be released.
 *
 * Retention.  By default empty slabs are kept, constructed, until shrink or
 *  the shrinker releases them: that retention is the point of the cache.
 *  With SHADOW_CACHE_RETAIN_PARTIAL the cache keeps only what SLUB keeps:
 *  a slab that becomes empty when an object comes back to it is released
 *  right there, destructors and all, in the context of the free, once the
 *  cache already holds min_partial partial or empty slabs (SLUB's
 *  n->nr_partial >= s->min_partial test in __slab_free()).  Objects come
 *  back to their slabs only when a magazine is given back (shrink, the
 *  depot's working set, a CPU going down, no magazine to be had on free),
 *  so with magazines the destructors stay rare; without them they are not.
 *
 * No magazines.  With SHADOW_CACHE_NO_MAGAZINES the CPU layer is SLUB's
 *  before percpu sheaves (6.1 to 6.17, where the slab-destructor RFC ran):
 *  each CPU allocates from a slab of its own (SLUB's cpu slab, "frozen":
 *  on no list), takes a new one from the fullest partial slab when it runs
 *  out, and every free goes straight to the object's slab.
 *
 * Releasing a slab runs the destructor on each of its objects, then frees
 * the pages.  Slabs are always detached under slab_lock and destroyed after
 * it is dropped; with SHADOW_CACHE_DEFERRED_DTOR they are destroyed later
 * by shadow_dtor_wq, the alternative the slab maintainers suggested for
 * destructors that must not run in reclaim.  Every loop that may release
 * many slabs or magazines (a purge of a million objects, say) calls
 * cond_resched() once per slab or magazine, with no lock held, so that a
 * kernel without preemption (PREEMPT_NONE) sees no soft lockup or RCU
 * stall.
 *
 * Objects out, and destroy
 * ------------------------
 * Each CPU cache counts the objects alloc handed out and free took back,
 * under its own lock, with magazines or without (NO_MAGAZINES).  Nothing
 * else changes those counters: drains, depot trades, reaping and the
 * shrinker move objects between the layers but never in or out of the
 * cache.  So the sum over CPUs of allocs - frees is the number of objects
 * out, exact whenever no alloc or free is in progress, however the layers
 * are moving.
 *
 * Destroy, as kmem_cache_destroy(), must not race with alloc or free on
 * the cache; the caller guarantees that.  It counts first: with objects
 * out it refuses (-EBUSY) having changed nothing.  Otherwise it stops every
 * source of concurrent movement (the debugfs file, the shrinker, the CPU
 * hotplug instance, the working-set timer, then the deferred destructors),
 * purges everything, and frees the cache; from there on it cannot fail.
 * Teardown, for the module's own unload and the runner, never refuses: it
 * stops the movers, counts, purges, and if objects are still out it warns
 * and leaks their slabs on purpose.  Either way, no callback of the cache
 * is left registered over memory that is about to be freed.
 *
 * Locking
 * -------
 * Lock order, outermost first:
 *
 *   shadow_cpu_cache.lock  ->  shadow_cache.depot_lock
 *   shadow_cache.slab_lock          (a leaf: taken alone; it also guards
 *                                    each CPU's own slab, cpu->slab)
 *
 * A CPU cache lock is held only for magazine operations, depot trades and
 * the alloc/free counters; depot_lock only for list operations and the
 * working-set marks; slab_lock only for slab-layer bookkeeping, at most
 * SHADOW_REAP_BATCH slabs at a time.  No lock is held across a page
 * allocation, a constructor, a destructor or a cond_resched(), so the
 * shrinker may run from any allocation in this file without meeting a lock
 * its caller holds.  All three are spinlock_t, taken from process context
 * only.  Free takes no other lock and allocates only with GFP_NOWAIT; with
 * RETAIN_PARTIAL it may release a slab, whose destructors do not block
 * either, and it never calls cond_resched(): it does not block outside
 * PREEMPT_RT, where it may therefore be called with preemption disabled;
 * on PREEMPT_RT a spinlock_t is a sleeping lock, so free (like every other
 * entry point) must be called from a context that may sleep.  Statistics
 * that change outside these locks are atomics.
 *
 * CPU hotplug: a CPU's magazines are drained by a CPUHP_BP_PREPARE_DYN
 * teardown callback, which runs on a surviving CPU after the dead CPU has
 * stopped: its objects go back to the slab layer, its magazines to the
 * depot, its own slab (NO_MAGAZINES) to the lists.  Its alloc/free
 * counters stay: they count objects, not places.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/llist.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "../uapi/shadowslab.h"
#include "compat.h"
#include "internal.h"
#include "shadow_cache.h"

/* Index stack entries are u8, and the debug free map is one word. */
#define SHADOW_MAX_OBJS_PER_SLAB	64
#define SHADOW_MIN_OBJS_PER_SLAB	8
#define SHADOW_MAX_SLAB_ORDER		3
/* Free slabs detached per slab_lock hold: bounds the hold on a purge. */
#define SHADOW_REAP_BATCH		64

/*
 * The depot's working-set interval, as illumos kmem_reap_interval: how
 * often the timer recomputes what reaping may take.  Read when the timer
 * is armed, so a change applies from each cache's next interval.
 */
#define SHADOW_WS_INTERVAL_MIN_MS	100
#define SHADOW_WS_INTERVAL_MAX_MS	3600000
static unsigned int shadow_ws_interval_ms = 15000;

static int shadow_ws_interval_set(const char *val,
				  const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, SHADOW_WS_INTERVAL_MIN_MS,
				     SHADOW_WS_INTERVAL_MAX_MS);
}

static const struct kernel_param_ops shadow_ws_interval_ops = {
	.set = shadow_ws_interval_set,
	.get = param_get_uint,
};
module_param_cb(depot_ws_interval_ms, &shadow_ws_interval_ops,
		&shadow_ws_interval_ms, 0644);
MODULE_PARM_DESC(depot_ws_interval_ms,
		 "Interval of the depot working-set update, in ms (100..3600000, default 15000)");

struct shadow_slab {
	union {
		struct list_head link;	/* bucket or free list, slab_lock */
		struct llist_node dtor_node;	/* awaiting deferred destroy */
	};
	struct shadow_cache *cache;
	unsigned int inuse;		/* objects out of the slab layer */
	unsigned int nr_free;		/* entries in free_idx[] */
	bool frozen;			/* a CPU's own slab: on no list */
#ifdef CONFIG_SHADOWSLAB_DEBUG
	unsigned long free_map;		/* bit i: object i is free */
#endif
	u8 free_idx[SHADOW_MAX_OBJS_PER_SLAB];	/* stack of free objects */
};

struct shadow_mag {
	struct list_head link;		/* depot list, depot_lock */
	unsigned int rounds;		/* objects held */
	void *objs[];
};

/* A depot list, with the working-set bookkeeping of kmem_maglist_t. */
struct shadow_maglist {
	struct list_head mags;
	unsigned long total;		/* magazines on the list */
	unsigned long min;		/* lowest total since the last update */
	unsigned long reaplimit;	/* unused during the last interval */
};

struct shadow_cpu_cache {
	spinlock_t lock;
	struct shadow_mag *loaded;	/* NULL, or any number of rounds */
	struct shadow_mag *prev;	/* NULL, full or empty */
	struct shadow_slab *slab;	/* NO_MAGAZINES: slab_lock */
	u64 hits;
	u64 misses;
	/* Objects alloc handed out and free took back here; only they count. */
	unsigned long allocs;
	unsigned long frees;
};

struct shadow_cache {
	char name[SHADOWSLAB_NAME_LEN];
	unsigned int size;
	unsigned int stride;
	unsigned int first_offset;	/* of object 0 in the slab */
	unsigned int objs_per_slab;
	unsigned int slab_order;
	unsigned int magazine_size;
	unsigned int flags;
	unsigned int min_partial;	/* RETAIN_PARTIAL */
	unsigned long obj_percpu_bytes;
	shadow_ctor_t ctor;
	shadow_dtor_t dtor;
	void *priv;

	struct shadow_cpu_cache __percpu *cpu;

	spinlock_t depot_lock;
	struct shadow_maglist depot_full;
	struct shadow_maglist depot_empty;
	u64 depot_contention;
	u64 depot_ws_updates;
	struct delayed_work ws_work;	/* the working-set timer */

	spinlock_t slab_lock;
	struct list_head partial[SHADOW_MAX_OBJS_PER_SLAB];	/* by inuse */
	DECLARE_BITMAP(partial_map, SHADOW_MAX_OBJS_PER_SLAB);
	struct list_head free_slabs;
	unsigned long nr_free_slabs;
	unsigned long nr_partial_slabs;
	unsigned long nr_slabs;
	unsigned long slab_objs_out;	/* objects out of the slab layer */
	u64 slabs_released;

	atomic64_t slabs_allocated;
	atomic64_t ctor_calls;
	atomic64_t ctor_failures;
	atomic64_t dtor_calls;
	atomic64_t shrinker_scans;
	atomic64_t shrinker_released;

	struct llist_head dtor_pending;
	atomic_long_t dtor_pending_objs;
	struct work_struct dtor_work;

	struct shrinker *shrinker;
	struct hlist_node cpuhp_node;
	struct dentry *debugfs;
};

static struct workqueue_struct *shadow_dtor_wq;
static enum cpuhp_state shadow_cpuhp_state;
static struct dentry *shadow_debugfs_caches;

/* ------------------------------------------------------------ slab layer */

static void *shadow_slab_obj(struct shadow_cache *cache,
			     struct shadow_slab *slab, unsigned int idx)
{
	return (void *)slab + cache->first_offset + idx * cache->stride;
}

static struct shadow_slab *shadow_obj_slab(void *obj)
{
	return page_address(virt_to_head_page(obj));
}

static unsigned int shadow_obj_index(struct shadow_cache *cache,
				     struct shadow_slab *slab, void *obj)
{
	return (obj - (void *)slab - cache->first_offset) / cache->stride;
}

/*
 * The destructor context: see shadow_cache.h.  Holding fs_reclaim teaches
 * lockdep that every destructor may run in reclaim, whether or not this
 * call does; disabling preemption makes a sleeping destructor visible to
 * CONFIG_DEBUG_ATOMIC_SLEEP.  On PREEMPT_RT spinlocks sleep, so there only
 * the lockdep half applies.
 */
static void shadow_dtor_enter(struct shadow_cache *cache)
{
	lockdep_assert_not_held(&cache->slab_lock);
	lockdep_assert_not_held(&cache->depot_lock);
	fs_reclaim_acquire(GFP_KERNEL);
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_disable();
}

static void shadow_dtor_exit(void)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		preempt_enable();
	fs_reclaim_release(GFP_KERNEL);
}

static void shadow_destroy_objects(struct shadow_cache *cache,
				   struct shadow_slab *slab, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		shadow_dtor_enter(cache);
		cache->dtor(shadow_slab_obj(cache, slab, i), cache->priv);
		shadow_dtor_exit();
	}
	atomic64_add(nr, &cache->dtor_calls);
}

/* Populate a new slab: every object constructed, or nothing at all. */
static struct shadow_slab *shadow_slab_create(struct shadow_cache *cache,
					      gfp_t gfp)
{
	unsigned int n = cache->objs_per_slab;
	struct shadow_slab *slab;
	struct page *page;
	unsigned int i;
	int err;

	page = alloc_pages((gfp & ~__GFP_ZERO) | __GFP_COMP | __GFP_NOWARN,
			   cache->slab_order);
	if (!page)
		return NULL;
	slab = page_address(page);
	memset(slab, 0, sizeof(*slab));
	slab->cache = cache;

	for (i = 0; i < n; i++) {
		atomic64_inc(&cache->ctor_calls);
		err = cache->ctor(shadow_slab_obj(cache, slab, i), cache->priv,
				  gfp);
		if (err) {
			atomic64_inc(&cache->ctor_failures);
			goto err_unwind;
		}
	}
	/* Stack the indices so that object 0 is handed out first. */
	for (i = 0; i < n; i++)
		slab->free_idx[i] = n - 1 - i;
	slab->nr_free = n;
#ifdef CONFIG_SHADOWSLAB_DEBUG
	slab->free_map = n == BITS_PER_LONG ? ~0UL : (1UL << n) - 1;
#endif
	atomic64_inc(&cache->slabs_allocated);
	return slab;

err_unwind:
	shadow_destroy_objects(cache, slab, i);
	__free_pages(page, cache->slab_order);
	return NULL;
}

static void shadow_slab_destroy(struct shadow_cache *cache,
				struct shadow_slab *slab)
{
	shadow_destroy_objects(cache, slab, cache->objs_per_slab);
	__free_pages(virt_to_page(slab), cache->slab_order);
}

static void shadow_dtor_workfn(struct work_struct *work)
{
	struct shadow_cache *cache = container_of(work, struct shadow_cache,
						  dtor_work);
	struct shadow_slab *slab, *next;
	struct llist_node *list;

	list = llist_del_all(&cache->dtor_pending);
	llist_for_each_entry_safe(slab, next, list, dtor_node) {
		shadow_slab_destroy(cache, slab);
		atomic_long_sub(cache->objs_per_slab,
				&cache->dtor_pending_objs);
		/* A work item may sleep; the list is ours alone. */
		cond_resched();
	}
}

/*
 * Destroy slabs detached from the cache, here or on the workqueue.  From
 * process context (shrink, the shrinker in reclaim, destroy), with no lock
 * held: the slabs are on the caller's private list.
 */
static void shadow_slabs_release(struct shadow_cache *cache,
				 struct list_head *slabs)
{
	struct shadow_slab *slab, *next;

	list_for_each_entry_safe(slab, next, slabs, link) {
		list_del(&slab->link);
		if (cache->flags & SHADOW_CACHE_DEFERRED_DTOR) {
			atomic_long_add(cache->objs_per_slab,
					&cache->dtor_pending_objs);
			llist_add(&slab->dtor_node, &cache->dtor_pending);
		} else {
			shadow_slab_destroy(cache, slab);
			/* objs_per_slab destructors; no lock held here. */
			cond_resched();
		}
	}
	if (cache->flags & SHADOW_CACHE_DEFERRED_DTOR)
		queue_work(shadow_dtor_wq, &cache->dtor_work);
}

/* Put @slab where its number of objects in use says it belongs. */
static void shadow_slab_place(struct shadow_cache *cache,
			      struct shadow_slab *slab)
{
	unsigned int inuse = slab->inuse;

	lockdep_assert_held(&cache->slab_lock);
	if (inuse == 0) {
		list_add(&slab->link, &cache->free_slabs);
		cache->nr_free_slabs++;
	} else if (inuse < cache->objs_per_slab) {
		list_add(&slab->link, &cache->partial[inuse]);
		__set_bit(inuse, cache->partial_map);
		cache->nr_partial_slabs++;
	} else {
		INIT_LIST_HEAD(&slab->link);	/* full slabs sit on no list */
	}
}

static void shadow_slab_unplace(struct shadow_cache *cache,
				struct shadow_slab *slab)
{
	unsigned int inuse = slab->inuse;

	lockdep_assert_held(&cache->slab_lock);
	list_del_init(&slab->link);
	if (inuse == 0) {
		cache->nr_free_slabs--;
	} else if (inuse < cache->objs_per_slab) {
		cache->nr_partial_slabs--;
		if (list_empty(&cache->partial[inuse]))
			__clear_bit(inuse, cache->partial_map);
	}
}

/*
 * Put @slab, on no list, where it belongs; or, if the retention policy
 * says an empty slab goes, detach it from the cache and return true: the
 * caller releases it once slab_lock is dropped.
 */
static bool shadow_slab_settle(struct shadow_cache *cache,
			       struct shadow_slab *slab)
{
	lockdep_assert_held(&cache->slab_lock);
	if (!slab->inuse && cache->flags & SHADOW_CACHE_RETAIN_PARTIAL &&
	    cache->nr_partial_slabs + cache->nr_free_slabs >=
	    cache->min_partial) {
		cache->nr_slabs--;
		cache->slabs_released++;
		return true;
	}
	shadow_slab_place(cache, slab);
	return false;
}

/*
 * Release one slab that shadow_slab_settle() detached: destroy it here, or
 * hand it to the workqueue.  From the free path and a CPU drain, so no
 * cond_resched(): free does not block (see the locking notes above).
 */
static void shadow_slab_release(struct shadow_cache *cache,
				struct shadow_slab *slab)
{
	if (cache->flags & SHADOW_CACHE_DEFERRED_DTOR) {
		atomic_long_add(cache->objs_per_slab,
				&cache->dtor_pending_objs);
		llist_add(&slab->dtor_node, &cache->dtor_pending);
		queue_work(shadow_dtor_wq, &cache->dtor_work);
	} else {
		shadow_slab_destroy(cache, slab);
	}
}

/* The fullest partial slab, else a free one, else NULL. */
static struct shadow_slab *shadow_slab_pick(struct shadow_cache *cache)
{
	unsigned long inuse;

	lockdep_assert_held(&cache->slab_lock);
	inuse = find_last_bit(cache->partial_map, cache->objs_per_slab);
	if (inuse < cache->objs_per_slab)
		return list_first_entry(&cache->partial[inuse],
					struct shadow_slab, link);
	return list_first_entry_or_null(&cache->free_slabs,
					struct shadow_slab, link);
}

/* Hand out one of @slab's free objects; the caller keeps the lists. */
static void *shadow_slab_pop(struct shadow_cache *cache,
			     struct shadow_slab *slab)
{
	unsigned int idx;

	lockdep_assert_held(&cache->slab_lock);
	idx = slab->free_idx[--slab->nr_free];
#ifdef CONFIG_SHADOWSLAB_DEBUG
	__clear_bit(idx, &slab->free_map);
#endif
	slab->inuse++;
	cache->slab_objs_out++;
	return shadow_slab_obj(cache, slab, idx);
}

static void *shadow_slab_take(struct shadow_cache *cache,
			      struct shadow_slab *slab)
{
	void *obj;

	shadow_slab_unplace(cache, slab);
	obj = shadow_slab_pop(cache, slab);
	shadow_slab_place(cache, slab);
	return obj;
}

static void *shadow_slab_alloc(struct shadow_cache *cache, gfp_t gfp)
{
	struct shadow_slab *slab;
	void *obj;

	spin_lock(&cache->slab_lock);
	slab = shadow_slab_pick(cache);
	if (slab) {
		obj = shadow_slab_take(cache, slab);
		spin_unlock(&cache->slab_lock);
		return obj;
	}
	spin_unlock(&cache->slab_lock);

	slab = shadow_slab_create(cache, gfp);
	if (!slab)
		return NULL;

	spin_lock(&cache->slab_lock);
	cache->nr_slabs++;
	shadow_slab_place(cache, slab);
	obj = shadow_slab_take(cache, slab);
	spin_unlock(&cache->slab_lock);
	return obj;
}

static bool shadow_slab_check_free(struct shadow_cache *cache,
				   struct shadow_slab *slab, void *obj)
{
#ifdef CONFIG_SHADOWSLAB_DEBUG
	unsigned long offset = obj - (void *)slab;

	if (WARN(slab->cache != cache, "%s: freeing object %p of cache %s\n",
		 cache->name, obj, slab->cache ? slab->cache->name : "?"))
		return false;
	if (WARN(offset < cache->first_offset ||
		 (offset - cache->first_offset) % cache->stride,
		 "%s: freeing %p, not an object boundary\n", cache->name, obj))
		return false;
	if (WARN(test_bit(shadow_obj_index(cache, slab, obj), &slab->free_map),
		 "%s: double free of %p\n", cache->name, obj))
		return false;
#endif
	return true;
}

/*
 * Give @obj back to its slab; false if the debug checks refused it.  A
 * CPU's own slab stays where it is; any other goes where it now belongs,
 * or, empty, is released here if the retention policy says so
 * (destructors run in the caller's context).
 */
static bool shadow_slab_free(struct shadow_cache *cache, void *obj)
{
	struct shadow_slab *slab = shadow_obj_slab(obj);
	unsigned int idx = shadow_obj_index(cache, slab, obj);
	bool release = false;

	spin_lock(&cache->slab_lock);
	if (!shadow_slab_check_free(cache, slab, obj)) {
		spin_unlock(&cache->slab_lock);
		return false;
	}
	if (!slab->frozen)
		shadow_slab_unplace(cache, slab);
	slab->free_idx[slab->nr_free++] = idx;
#ifdef CONFIG_SHADOWSLAB_DEBUG
	__set_bit(idx, &slab->free_map);
#endif
	slab->inuse--;
	cache->slab_objs_out--;
	if (!slab->frozen)
		release = shadow_slab_settle(cache, slab);
	spin_unlock(&cache->slab_lock);
	if (release)
		shadow_slab_release(cache, slab);
	return true;
}

/*
 * @cc's own slab goes back to the lists (SLUB's deactivate_slab()), or is
 * detached for release; returns the slab to release, or NULL.
 */
static struct shadow_slab *shadow_slab_unfreeze(struct shadow_cache *cache,
						struct shadow_cpu_cache *cc)
{
	struct shadow_slab *slab = cc->slab;

	lockdep_assert_held(&cache->slab_lock);
	cc->slab = NULL;
	if (!slab)
		return NULL;
	slab->frozen = false;
	return shadow_slab_settle(cache, slab) ? slab : NULL;
}

/*
 * NO_MAGAZINES: allocate from this CPU's own slab; when it is used up,
 * make the fullest partial slab (else a free one, else a new one) this
 * CPU's own, as SLUB's ___slab_alloc() does with its cpu slab.
 */
static void *shadow_slab_alloc_cpu(struct shadow_cache *cache, gfp_t gfp)
{
	/* As in shadow_cache_alloc(): another CPU's is correct, if not local. */
	struct shadow_cpu_cache *cc = raw_cpu_ptr(cache->cpu);
	struct shadow_slab *slab;
	void *obj;

	spin_lock(&cache->slab_lock);
	while (!cc->slab || !cc->slab->nr_free) {
		/* A used-up slab is full: it is never released here. */
		WARN_ON_ONCE(shadow_slab_unfreeze(cache, cc));
		slab = shadow_slab_pick(cache);
		if (slab) {
			shadow_slab_unplace(cache, slab);
			slab->frozen = true;
			cc->slab = slab;
			break;
		}
		spin_unlock(&cache->slab_lock);
		slab = shadow_slab_create(cache, gfp);
		if (!slab)
			return NULL;
		spin_lock(&cache->slab_lock);
		cache->nr_slabs++;
		shadow_slab_place(cache, slab);
	}
	obj = shadow_slab_pop(cache, cc->slab);
	spin_unlock(&cache->slab_lock);
	return obj;
}

/*
 * Release free slabs until at least @max_objs objects went with them, or
 * every slab that was free when the call began: detach them under the
 * lock, SHADOW_REAP_BATCH at a time, and destroy each batch outside it.
 * Returns the number of slabs released.
 */
static unsigned long shadow_slabs_reap(struct shadow_cache *cache,
				       unsigned long max_objs)
{
	unsigned long want = max_objs / cache->objs_per_slab +
			     !!(max_objs % cache->objs_per_slab);
	struct shadow_slab *slab;
	unsigned long slabs = 0;
	unsigned int batch;
	LIST_HEAD(release);

	want = min(want, READ_ONCE(cache->nr_free_slabs));
	while (slabs < want) {
		batch = 0;
		spin_lock(&cache->slab_lock);
		while (slabs < want && batch < SHADOW_REAP_BATCH) {
			slab = list_first_entry_or_null(&cache->free_slabs,
							struct shadow_slab,
							link);
			if (!slab)
				break;
			shadow_slab_unplace(cache, slab);
			list_add(&slab->link, &release);
			cache->nr_slabs--;
			cache->slabs_released++;
			slabs++;
			batch++;
		}
		spin_unlock(&cache->slab_lock);
		if (!batch)
			break;
		shadow_slabs_release(cache, &release);
	}
	return slabs;
}

/* -------------------------------------------------------------- magazines */

static struct shadow_mag *shadow_mag_alloc(struct shadow_cache *cache,
					   gfp_t gfp)
{
	struct shadow_mag *mag;

	mag = kmalloc(struct_size(mag, objs, cache->magazine_size), gfp);
	if (mag)
		mag->rounds = 0;
	return mag;
}

/* Give every round back to the slab layer and free the magazine. */
static void shadow_mag_destroy(struct shadow_cache *cache,
			       struct shadow_mag *mag)
{
	while (mag->rounds)
		shadow_slab_free(cache, mag->objs[--mag->rounds]);
	kfree(mag);
}

static void shadow_depot_lock(struct shadow_cache *cache)
{
	if (!spin_trylock(&cache->depot_lock)) {
		spin_lock(&cache->depot_lock);
		cache->depot_contention++;
	}
}

static struct shadow_mag *shadow_depot_get(struct shadow_cache *cache,
					   struct shadow_maglist *ml)
{
	struct shadow_mag *mag;

	lockdep_assert_held(&cache->depot_lock);
	mag = list_first_entry_or_null(&ml->mags, struct shadow_mag, link);
	if (!mag)
		return NULL;
	list_del(&mag->link);
	if (--ml->total < ml->min)
		ml->min = ml->total;
	return mag;
}

static void shadow_depot_put(struct shadow_cache *cache,
			     struct shadow_maglist *ml, struct shadow_mag *mag)
{
	lockdep_assert_held(&cache->depot_lock);
	list_add(&mag->link, &ml->mags);
	ml->total++;
}

/* The depot list a magazine belongs on: full or empty. */
static struct shadow_maglist *shadow_depot_list(struct shadow_cache *cache,
						struct shadow_mag *mag)
{
	return mag->rounds ? &cache->depot_full : &cache->depot_empty;
}

/* Trade with the depot under the CPU cache lock (lock order: cpu, depot). */
static struct shadow_mag *shadow_depot_exchange(struct shadow_cache *cache,
						struct shadow_cpu_cache *cc,
						struct shadow_maglist *want)
{
	struct shadow_mag *mag;

	lockdep_assert_held(&cc->lock);
	shadow_depot_lock(cache);
	mag = shadow_depot_get(cache, want);
	if (mag && cc->prev)
		shadow_depot_put(cache, shadow_depot_list(cache, cc->prev),
				 cc->prev);
	spin_unlock(&cache->depot_lock);
	if (mag) {
		cc->prev = cc->loaded;
		cc->loaded = mag;
	}
	return mag;
}

/*
 * The working set: what was not needed since the last update may go.
 * Called by the working-set timer, and by an explicit SHRINK.
 */
static void shadow_depot_ws_update(struct shadow_cache *cache)
{
	lockdep_assert_held(&cache->depot_lock);
	cache->depot_full.reaplimit = cache->depot_full.min;
	cache->depot_full.min = cache->depot_full.total;
	cache->depot_empty.reaplimit = cache->depot_empty.min;
	cache->depot_empty.min = cache->depot_empty.total;
	cache->depot_ws_updates++;
}

static void shadow_ws_schedule(struct shadow_cache *cache)
{
	queue_delayed_work(system_unbound_wq, &cache->ws_work,
			   msecs_to_jiffies(READ_ONCE(shadow_ws_interval_ms)));
}

/* The working-set timer: update, and come back after the interval. */
static void shadow_ws_workfn(struct work_struct *work)
{
	struct shadow_cache *cache = container_of(to_delayed_work(work),
						  struct shadow_cache,
						  ws_work);

	shadow_depot_lock(cache);
	shadow_depot_ws_update(cache);
	spin_unlock(&cache->depot_lock);
	shadow_ws_schedule(cache);
}

/*
 * Free up to @limit magazines from @ml: a full magazine's rounds go back
 * to the slab layer first.  All = ULONG_MAX.  From process context (shrink,
 * the shrinker, destroy), with no lock held between magazines.
 */
static void shadow_depot_reap(struct shadow_cache *cache,
			      struct shadow_maglist *ml, unsigned long limit)
{
	struct shadow_mag *mag;

	while (limit--) {
		shadow_depot_lock(cache);
		mag = shadow_depot_get(cache, ml);
		if (mag && ml->reaplimit)
			ml->reaplimit--;
		spin_unlock(&cache->depot_lock);
		if (!mag)
			break;
		shadow_mag_destroy(cache, mag);
		/* Up to magazine_size slab frees; depot_lock is dropped. */
		cond_resched();
	}
}

/*
 * Free what the last working-set update found unused and has stayed
 * unused since: MIN(reaplimit, min), as kmem_depot_ws_reap().
 */
static void shadow_depot_ws_reap(struct shadow_cache *cache)
{
	unsigned long full, empty;

	shadow_depot_lock(cache);
	full = min(cache->depot_full.reaplimit, cache->depot_full.min);
	empty = min(cache->depot_empty.reaplimit, cache->depot_empty.min);
	spin_unlock(&cache->depot_lock);

	shadow_depot_reap(cache, &cache->depot_full, full);
	shadow_depot_reap(cache, &cache->depot_empty, empty);
}

/*
 * Empty @cpu's magazines: full and empty ones go to the depot, a partly
 * loaded one gives its rounds back to the slab layer.  Its own slab
 * (NO_MAGAZINES) goes back to the lists.
 */
static void shadow_cpu_drain(struct shadow_cache *cache, unsigned int cpu)
{
	struct shadow_cpu_cache *cc = per_cpu_ptr(cache->cpu, cpu);
	struct shadow_slab *release;
	struct shadow_mag *mags[2];
	unsigned int i;

	spin_lock(&cache->slab_lock);
	release = shadow_slab_unfreeze(cache, cc);
	spin_unlock(&cache->slab_lock);
	if (release)
		shadow_slab_release(cache, release);

	spin_lock(&cc->lock);
	mags[0] = cc->loaded;
	mags[1] = cc->prev;
	cc->loaded = NULL;
	cc->prev = NULL;
	spin_unlock(&cc->lock);

	for (i = 0; i < ARRAY_SIZE(mags); i++) {
		if (!mags[i])
			continue;
		if (mags[i]->rounds && mags[i]->rounds < cache->magazine_size) {
			shadow_mag_destroy(cache, mags[i]);
			continue;
		}
		shadow_depot_lock(cache);
		shadow_depot_put(cache, shadow_depot_list(cache, mags[i]),
				 mags[i]);
		spin_unlock(&cache->depot_lock);
	}
}

/* ------------------------------------------------------------------- API */

/*
 * Count an object in or out on @cc: the slow paths, which reach the slab
 * layer after dropping the CPU cache lock, take it again for this.
 */
static void shadow_cpu_count(struct shadow_cpu_cache *cc, unsigned long *what)
{
	spin_lock(&cc->lock);
	(*what)++;
	spin_unlock(&cc->lock);
}

void *shadow_cache_alloc(struct shadow_cache *cache, gfp_t gfp)
{
	struct shadow_cpu_cache *cc;
	void *obj;

	might_alloc(gfp);
	/*
	 * Preemption may move us after raw_cpu_ptr(); we then use another
	 * CPU's magazines under that CPU's lock, which is correct, merely
	 * not local (illumos kmem_cache_alloc does the same).
	 */
	cc = raw_cpu_ptr(cache->cpu);
	if (cache->flags & SHADOW_CACHE_NO_MAGAZINES) {
		/* No magazines, but the objects out are counted the same. */
		obj = shadow_slab_alloc_cpu(cache, gfp);
		if (obj)
			shadow_cpu_count(cc, &cc->allocs);
		return obj;
	}
	spin_lock(&cc->lock);
	for (;;) {
		if (cc->loaded && cc->loaded->rounds) {
			obj = cc->loaded->objs[--cc->loaded->rounds];
			cc->hits++;
			cc->allocs++;
			spin_unlock(&cc->lock);
			return obj;
		}
		if (cc->prev && cc->prev->rounds) {
			swap(cc->loaded, cc->prev);
			continue;
		}
		if (!shadow_depot_exchange(cache, cc, &cache->depot_full))
			break;
	}
	cc->misses++;
	spin_unlock(&cc->lock);

	obj = shadow_slab_alloc(cache, gfp);
	if (obj)
		shadow_cpu_count(cc, &cc->allocs);
	return obj;
}

static bool shadow_mag_check_free(struct shadow_cache *cache,
				  struct shadow_cpu_cache *cc, void *obj)
{
#ifdef CONFIG_SHADOWSLAB_DEBUG
	struct shadow_mag *mags[] = { cc->loaded, cc->prev };
	unsigned int i, r;

	for (i = 0; i < ARRAY_SIZE(mags); i++)
		for (r = 0; mags[i] && r < mags[i]->rounds; r++)
			if (WARN(mags[i]->objs[r] == obj,
				 "%s: double free of %p\n", cache->name, obj))
				return false;
#endif
	return true;
}

void shadow_cache_free(struct shadow_cache *cache, void *obj)
{
	struct shadow_cpu_cache *cc;
	struct shadow_mag *empty;

	if (cache->flags & SHADOW_CACHE_NO_MAGAZINES) {
		cc = raw_cpu_ptr(cache->cpu);
		if (shadow_slab_free(cache, obj))
			shadow_cpu_count(cc, &cc->frees);
		return;
	}
retry:
	cc = raw_cpu_ptr(cache->cpu);
	spin_lock(&cc->lock);
	if (!shadow_mag_check_free(cache, cc, obj)) {
		spin_unlock(&cc->lock);
		return;
	}
	for (;;) {
		if (cc->loaded && cc->loaded->rounds < cache->magazine_size) {
			cc->loaded->objs[cc->loaded->rounds++] = obj;
			cc->frees++;
			spin_unlock(&cc->lock);
			return;
		}
		if (cc->prev && !cc->prev->rounds) {
			swap(cc->loaded, cc->prev);
			continue;
		}
		if (!shadow_depot_exchange(cache, cc, &cache->depot_empty))
			break;
	}
	spin_unlock(&cc->lock);

	/*
	 * No empty magazine anywhere: make one without blocking (free does
	 * not block, see the locking notes above), or give the object
	 * straight back to its slab.
	 */
	empty = shadow_mag_alloc(cache, GFP_NOWAIT | __GFP_NOWARN);
	if (empty) {
		shadow_depot_lock(cache);
		shadow_depot_put(cache, &cache->depot_empty, empty);
		spin_unlock(&cache->depot_lock);
		goto retry;
	}
	if (shadow_slab_free(cache, obj))
		shadow_cpu_count(cc, &cc->frees);
}

/* Every CPU's magazines and the whole depot back to the slab layer. */
static void shadow_cache_drain_all(struct shadow_cache *cache)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		shadow_cpu_drain(cache, cpu);
		/* Up to two magazines of slab frees; no lock held here. */
		cond_resched();
	}
	shadow_depot_reap(cache, &cache->depot_full, ULONG_MAX);
	shadow_depot_reap(cache, &cache->depot_empty, ULONG_MAX);
}

void shadow_cache_shrink(struct shadow_cache *cache, bool purge,
			 struct shadow_shrink_result *result)
{
	unsigned long slabs;

	if (purge) {
		shadow_cache_drain_all(cache);
	} else {
		/* An explicit shrink closes the working-set interval itself. */
		shadow_depot_lock(cache);
		shadow_depot_ws_update(cache);
		spin_unlock(&cache->depot_lock);
		shadow_depot_ws_reap(cache);
	}
	slabs = shadow_slabs_reap(cache, ULONG_MAX);
	if (result) {
		result->slabs = slabs;
		result->objects = slabs * cache->objs_per_slab;
	}
}

/* ------------------------------------------------------------- shrinker */

static unsigned long shadow_shrink_count(struct shrinker *shrinker,
					 struct shrink_control *sc)
{
	struct shadow_cache *cache = shadow_shrinker_priv(shrinker);
	unsigned long objs;

	objs = READ_ONCE(cache->nr_free_slabs) * cache->objs_per_slab +
	       READ_ONCE(cache->depot_full.total) * cache->magazine_size;
	return objs ?: SHRINK_EMPTY;
}

/*
 * Give back what the depot kept beyond its working set (as the timer last
 * computed it: a scan does not recompute it) and the free slabs; if that
 * falls short of what reclaim asked for, memory pressure beats the working
 * set: the rest of the depot's full magazines go back to their slabs too,
 * and the slabs that empties are released.  Everything counted by
 * shadow_shrink_count() can thus be released by one scan.
 */
static unsigned long shadow_shrink_scan(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	struct shadow_cache *cache = shadow_shrinker_priv(shrinker);
	unsigned long want = sc->nr_to_scan, freed;

	atomic64_inc(&cache->shrinker_scans);
	shadow_depot_ws_reap(cache);
	freed = shadow_slabs_reap(cache, want) * cache->objs_per_slab;
	if (freed < want) {
		shadow_depot_reap(cache, &cache->depot_full,
				  DIV_ROUND_UP(want - freed,
					       cache->magazine_size));
		freed += shadow_slabs_reap(cache, want - freed) *
			 cache->objs_per_slab;
	}
	atomic64_add(freed, &cache->shrinker_released);
	return freed ?: SHRINK_STOP;
}

/* -------------------------------------------------------------- hotplug */

static int shadow_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct shadow_cache *cache = hlist_entry(node, struct shadow_cache,
						 cpuhp_node);

	shadow_cpu_drain(cache, cpu);
	return 0;
}

/* ---------------------------------------------------------------- stats */

struct shadow_cpu_totals {
	u64 rounds;			/* objects in CPU magazines */
	u64 hits;
	u64 misses;
	long out;			/* the sum of allocs - frees */
};

static void shadow_cpu_sum(struct shadow_cache *cache,
			   struct shadow_cpu_totals *sum)
{
	unsigned int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct shadow_cpu_cache *cc = per_cpu_ptr(cache->cpu, cpu);

		spin_lock(&cc->lock);
		if (cc->loaded)
			sum->rounds += cc->loaded->rounds;
		if (cc->prev)
			sum->rounds += cc->prev->rounds;
		sum->hits += cc->hits;
		sum->misses += cc->misses;
		/* Modulo 2^BITS_PER_LONG: one CPU's frees may exceed its allocs. */
		sum->out += cc->allocs - cc->frees;
		spin_unlock(&cc->lock);
	}
}

/*
 * Objects handed out and not given back: exact whenever no alloc or free
 * is in progress, whatever drains, reaping or the shrinker do meanwhile
 * (see "Objects out, and destroy" above).  Negative only if more objects
 * were freed than allocated: a caller's double free.
 */
static long shadow_cache_outstanding(struct shadow_cache *cache)
{
	struct shadow_cpu_totals cpus;

	shadow_cpu_sum(cache, &cpus);
	return cpus.out;
}

void shadow_cache_get_stats(struct shadow_cache *cache,
			    struct shadowslab_cache_stats *st)
{
	struct shadow_cpu_totals cpus;
	unsigned long slab_objs_out;
	u64 constructed;

	shadow_cpu_sum(cache, &cpus);

	spin_lock(&cache->depot_lock);
	st->depot_full_magazines = cache->depot_full.total;
	st->depot_empty_magazines = cache->depot_empty.total;
	st->depot_contention = cache->depot_contention;
	st->depot_ws_updates = cache->depot_ws_updates;
	spin_unlock(&cache->depot_lock);
	st->objs_in_depot = st->depot_full_magazines * cache->magazine_size;

	spin_lock(&cache->slab_lock);
	st->slabs_current = cache->nr_slabs;
	st->slabs_released = cache->slabs_released;
	slab_objs_out = cache->slab_objs_out;
	st->objs_free_in_slabs = (u64)cache->nr_slabs * cache->objs_per_slab -
				 slab_objs_out;
	spin_unlock(&cache->slab_lock);

	strscpy(st->name, cache->name, sizeof(st->name));
	if (cache->flags & SHADOW_CACHE_DEFERRED_DTOR)
		st->flags |= SHADOWSLAB_CACHE_DEFERRED_DTOR;
	st->object_size = cache->size;
	st->object_stride = cache->stride;
	st->objs_per_slab = cache->objs_per_slab;
	st->slab_order = cache->slab_order;
	st->magazine_size = cache->magazine_size;
	st->ctor_calls = atomic64_read(&cache->ctor_calls);
	st->ctor_failures = atomic64_read(&cache->ctor_failures);
	st->dtor_calls = atomic64_read(&cache->dtor_calls);
	st->slabs_allocated = atomic64_read(&cache->slabs_allocated);
	st->objs_in_magazines = cpus.rounds;
	/* Exact while no alloc or free runs; the rest is sampled lock by lock. */
	st->objs_in_use = max(0L, cpus.out);
	st->magazine_hits = cpus.hits;
	st->magazine_misses = cpus.misses;
	st->shrinker_scans = atomic64_read(&cache->shrinker_scans);
	st->shrinker_objects_released =
		atomic64_read(&cache->shrinker_released);
	st->deferred_dtor_pending = atomic_long_read(&cache->dtor_pending_objs);
	constructed = st->ctor_calls - st->ctor_failures - st->dtor_calls;
	st->percpu_bytes = constructed * cache->obj_percpu_bytes;
}

static int shadow_cache_debugfs_show(struct seq_file *m, void *unused)
{
	struct shadow_cache *cache = m->private;
	struct shadowslab_cache_stats st = {};

	shadow_cache_get_stats(cache, &st);
	seq_printf(m, "name                %s\n", st.name);
	seq_printf(m, "object_size         %u\n", st.object_size);
	seq_printf(m, "object_stride       %u\n", st.object_stride);
	seq_printf(m, "objs_per_slab       %u\n", st.objs_per_slab);
	seq_printf(m, "slab_order          %u\n", st.slab_order);
	seq_printf(m, "magazine_size       %u\n", st.magazine_size);
	seq_printf(m, "deferred_dtor       %u\n",
		   !!(st.flags & SHADOWSLAB_CACHE_DEFERRED_DTOR));
	seq_printf(m, "ctor_calls          %llu\n", st.ctor_calls);
	seq_printf(m, "ctor_failures       %llu\n", st.ctor_failures);
	seq_printf(m, "dtor_calls          %llu\n", st.dtor_calls);
	seq_printf(m, "slabs_allocated     %llu\n", st.slabs_allocated);
	seq_printf(m, "slabs_released      %llu\n", st.slabs_released);
	seq_printf(m, "slabs_current       %llu\n", st.slabs_current);
	seq_printf(m, "objs_in_use         %llu\n", st.objs_in_use);
	seq_printf(m, "objs_in_magazines   %llu\n", st.objs_in_magazines);
	seq_printf(m, "objs_in_depot       %llu\n", st.objs_in_depot);
	seq_printf(m, "objs_free_in_slabs  %llu\n", st.objs_free_in_slabs);
	seq_printf(m, "depot_full_mags     %llu\n", st.depot_full_magazines);
	seq_printf(m, "depot_empty_mags    %llu\n", st.depot_empty_magazines);
	seq_printf(m, "percpu_bytes        %llu\n", st.percpu_bytes);
	seq_printf(m, "magazine_hits       %llu\n", st.magazine_hits);
	seq_printf(m, "magazine_misses     %llu\n", st.magazine_misses);
	seq_printf(m, "depot_contention    %llu\n", st.depot_contention);
	seq_printf(m, "shrinker_scans      %llu\n", st.shrinker_scans);
	seq_printf(m, "shrinker_released   %llu\n",
		   st.shrinker_objects_released);
	seq_printf(m, "dtor_pending        %llu\n", st.deferred_dtor_pending);
	seq_printf(m, "depot_ws_updates    %llu\n", st.depot_ws_updates);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(shadow_cache_debugfs);

/* ------------------------------------------------------- create, destroy */

/*
 * The smallest slab order that holds at least SHADOW_MIN_OBJS_PER_SLAB
 * objects and wastes at most an eighth of the run, up to
 * SHADOW_MAX_SLAB_ORDER; at most SHADOW_MAX_OBJS_PER_SLAB objects.
 */
static int shadow_cache_layout(struct shadow_cache *cache, unsigned int align)
{
	unsigned int order, bytes, n;

	cache->first_offset = ALIGN(sizeof(struct shadow_slab), align);
	for (order = 0; order <= SHADOW_MAX_SLAB_ORDER; order++) {
		bytes = PAGE_SIZE << order;
		if (bytes < cache->first_offset + cache->stride)
			continue;
		n = min_t(unsigned int, SHADOW_MAX_OBJS_PER_SLAB,
			  (bytes - cache->first_offset) / cache->stride);
		cache->slab_order = order;
		cache->objs_per_slab = n;
		if (n >= SHADOW_MIN_OBJS_PER_SLAB &&
		    bytes - n * cache->stride <= bytes / 8)
			break;
	}
	return cache->objs_per_slab ? 0 : -E2BIG;
}

struct shadow_cache *shadow_cache_create(const struct shadow_cache_args *args)
{
	unsigned int align = max_t(unsigned int, args->align, sizeof(void *));
	struct shadow_cache *cache;
	unsigned int cpu, i;
	int err;

	if (!args->ctor || !args->dtor || !args->size ||
	    !is_power_of_2(align) || align > PAGE_SIZE ||
	    args->magazine_size > SHADOW_CACHE_MAX_MAGAZINE ||
	    args->flags & ~SHADOW_CACHE_FLAGS_ALL)
		return ERR_PTR(-EINVAL);

	cache = kzalloc(sizeof(*cache), GFP_KERNEL);
	if (!cache)
		return ERR_PTR(-ENOMEM);
	strscpy(cache->name, args->name, sizeof(cache->name));
	cache->size = args->size;
	cache->stride = ALIGN(args->size, align);
	cache->magazine_size = args->magazine_size ?:
			       SHADOW_CACHE_DEFAULT_MAGAZINE;
	cache->flags = args->flags;
	cache->min_partial = args->min_partial;
	cache->obj_percpu_bytes = args->obj_percpu_bytes;
	cache->ctor = args->ctor;
	cache->dtor = args->dtor;
	cache->priv = args->priv;
	err = shadow_cache_layout(cache, align);
	if (err)
		goto err_free;

	spin_lock_init(&cache->depot_lock);
	INIT_LIST_HEAD(&cache->depot_full.mags);
	INIT_LIST_HEAD(&cache->depot_empty.mags);
	spin_lock_init(&cache->slab_lock);
	for (i = 0; i < ARRAY_SIZE(cache->partial); i++)
		INIT_LIST_HEAD(&cache->partial[i]);
	INIT_LIST_HEAD(&cache->free_slabs);
	init_llist_head(&cache->dtor_pending);
	INIT_WORK(&cache->dtor_work, shadow_dtor_workfn);
	INIT_DELAYED_WORK(&cache->ws_work, shadow_ws_workfn);

	err = -ENOMEM;
	cache->cpu = alloc_percpu(struct shadow_cpu_cache);
	if (!cache->cpu)
		goto err_free;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(cache->cpu, cpu)->lock);

	err = cpuhp_state_add_instance_nocalls(shadow_cpuhp_state,
					       &cache->cpuhp_node);
	if (err)
		goto err_percpu;

	cache->shrinker = shadow_shrinker_create(cache->name, cache,
						 shadow_shrink_count,
						 shadow_shrink_scan);
	if (IS_ERR(cache->shrinker)) {
		err = PTR_ERR(cache->shrinker);
		goto err_cpuhp;
	}

	cache->debugfs = debugfs_create_file(cache->name, 0400,
					     shadow_debugfs_caches, cache,
					     &shadow_cache_debugfs_fops);
	shadow_ws_schedule(cache);
	return cache;

err_cpuhp:
	cpuhp_state_remove_instance_nocalls(shadow_cpuhp_state,
					    &cache->cpuhp_node);
err_percpu:
	free_percpu(cache->cpu);
err_free:
	kfree(cache);
	return ERR_PTR(err);
}

/*
 * Stop everything that could move objects or call into the cache behind
 * its owner's back: the debugfs reader, the shrinker, the CPU-dead drain
 * and the working-set timer, each unregistration waiting for a call in
 * flight; then the deferred destructors already queued.  The shrinker goes
 * before the destructor work, as it is what queues more of it.
 */
static void shadow_cache_stop(struct shadow_cache *cache)
{
	debugfs_remove(cache->debugfs);
	shadow_shrinker_destroy(cache->shrinker);
	cpuhp_state_remove_instance_nocalls(shadow_cpuhp_state,
					    &cache->cpuhp_node);
	cancel_delayed_work_sync(&cache->ws_work);
	flush_work(&cache->dtor_work);
}

/*
 * The end of a cache, once nothing can reach it but its owner: stop the
 * movers, count, release every slab that holds no object out, and free
 * the cache.  Slabs with objects still out (@out is then not 0, a bug of
 * the owner) cannot be released: their objects' destructors would run
 * under whoever still uses them.  They are leaked on purpose, after a
 * warning, and nothing registered is left to reach them or the cache.
 */
static void shadow_cache_shutdown(struct shadow_cache *cache,
				  struct shadowslab_cache_stats *final)
{
	long out;

	shadow_cache_stop(cache);
	out = shadow_cache_outstanding(cache);
	shadow_cache_drain_all(cache);
	shadow_slabs_reap(cache, ULONG_MAX);
	flush_work(&cache->dtor_work);

	if (out || cache->nr_slabs) {
		WARN_ONCE(1, "shadowslab: a cache was torn down with objects out\n");
		pr_err("cache %s: %ld objects still out at teardown: leaking %lu slabs\n",
		       cache->name, out, cache->nr_slabs);
	} else {
		WARN(atomic64_read(&cache->dtor_calls) !=
		     atomic64_read(&cache->ctor_calls) -
		     atomic64_read(&cache->ctor_failures),
		     "cache %s: %lld constructed, %lld destroyed\n",
		     cache->name,
		     atomic64_read(&cache->ctor_calls) -
		     atomic64_read(&cache->ctor_failures),
		     atomic64_read(&cache->dtor_calls));
	}
	if (final)
		shadow_cache_get_stats(cache, final);
	free_percpu(cache->cpu);
	kfree(cache);
}

int shadow_cache_destroy(struct shadow_cache *cache,
			 struct shadowslab_cache_stats *final)
{
	long out = shadow_cache_outstanding(cache);

	/*
	 * Count before stopping anything: the count does not depend on
	 * what the movers do, so a refusal leaves the cache exactly as it
	 * was, and nothing has to be registered again (which could fail:
	 * registering a shrinker allocates).  From here on nothing fails.
	 */
	if (out) {
		pr_warn_ratelimited("cache %s: destroy refused, %ld objects out\n",
				    cache->name, out);
		return -EBUSY;
	}
	shadow_cache_shutdown(cache, final);
	return 0;
}

void shadow_cache_teardown(struct shadow_cache *cache)
{
	shadow_cache_shutdown(cache, NULL);
}

/* --------------------------------------------------------------- module */

int shadow_cache_module_init(void)
{
	int ret;

	shadow_dtor_wq = alloc_workqueue("shadowslab_dtor",
					 WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!shadow_dtor_wq)
		return -ENOMEM;

	ret = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN, "shadowslab:dead",
				      NULL, shadow_cpu_dead);
	if (ret < 0) {
		destroy_workqueue(shadow_dtor_wq);
		return ret;
	}
	shadow_cpuhp_state = ret;

	shadow_debugfs_caches = debugfs_create_dir("caches",
						   shadowslab_debugfs_root);
	return 0;
}

void shadow_cache_module_exit(void)
{
	debugfs_remove(shadow_debugfs_caches);
	cpuhp_remove_multi_state(shadow_cpuhp_state);
	destroy_workqueue(shadow_dtor_wq);
}
