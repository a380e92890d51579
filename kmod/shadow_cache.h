/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadow_cache.h - an object cache with constructors and destructors, after
 * Bonwick's slab allocator and illumos kmem.c, for objects that own percpu
 * memory.  It mirrors the kmem_cache API: create, alloc, free, shrink,
 * destroy.
 *
 * Objects in the cache - in slabs, in CPU magazines and in the depot - are
 * always constructed.  shadow_cache_alloc() hands out a constructed object
 * and shadow_cache_free() takes it back in its constructed state: the
 * caller must leave whatever the constructor set up (percpu pointers,
 * registered counters) in place.  Constructors run when a slab is
 * populated; destructors run when a slab is released by shrink, by the
 * shrinker under memory pressure, by destroy, or (SHADOW_CACHE_RETAIN_PARTIAL)
 * on the free path, in the context of shadow_cache_free().
 *
 * The constructor
 *   int ctor(void *obj, void *priv, gfp_t gfp)
 * runs with no cache lock held, with the gfp mask of the allocation that
 * populates the slab, and may sleep if that mask allows it.  It returns 0
 * or a negative errno; on failure it must have undone its own partial
 * work, and the cache then destroys the objects of the slab already
 * constructed, frees the pages, and the allocation returns NULL.
 *
 * The destructor
 *   void dtor(void *obj, void *priv)
 * may run in memory reclaim (from the shrinker).  It is never called with a
 * cache lock held.  It MUST NOT allocate memory, sleep, or take any lock
 * other than a leaf spinlock (one under which no other lock is taken), as
 * free_percpu() does with pcpu_lock.  The cache enforces what the kernel
 * lets it: destructors run inside a lockdep fs_reclaim section, so a lock
 * that is also held around a GFP_KERNEL allocation is reported as a
 * reclaim deadlock; and outside PREEMPT_RT they run with preemption off,
 * so CONFIG_DEBUG_ATOMIC_SLEEP reports a sleeping lock or allocation.
 * (On PREEMPT_RT a spinlock_t, pcpu_lock included, is a sleeping lock, so
 * there "must not sleep" means: no lock but such leaf spinlocks.)
 * With SHADOW_CACHE_DEFERRED_DTOR, released slabs are handed to a
 * WQ_MEM_RECLAIM workqueue and destroyed there, not in the caller.
 *
 * Context: every entry point is for process context.  free does not
 * block outside PREEMPT_RT (it takes only spinlock_t locks and allocates
 * only with GFP_NOWAIT), so there it may be called with preemption off;
 * on PREEMPT_RT its locks sleep, and it may not.  destroy and teardown
 * must not race with alloc or free on that cache, as kmem_cache_destroy().
 */
#ifndef _SHADOWSLAB_SHADOW_CACHE_H
#define _SHADOWSLAB_SHADOW_CACHE_H

#include <linux/types.h>
#include <linux/gfp.h>

struct shadow_cache;
struct shadowslab_cache_stats;

typedef int (*shadow_ctor_t)(void *obj, void *priv, gfp_t gfp);
typedef void (*shadow_dtor_t)(void *obj, void *priv);

/* shadow_cache_args.flags */
#define SHADOW_CACHE_DEFERRED_DTOR	BIT(0)
/* Release an empty slab on the free path beyond min_partial (SLUB). */
#define SHADOW_CACHE_RETAIN_PARTIAL	BIT(1)
/* No magazine layer: per-CPU slabs, as SLUB without percpu sheaves. */
#define SHADOW_CACHE_NO_MAGAZINES	BIT(2)
#define SHADOW_CACHE_FLAGS_ALL		(SHADOW_CACHE_DEFERRED_DTOR | \
					 SHADOW_CACHE_RETAIN_PARTIAL | \
					 SHADOW_CACHE_NO_MAGAZINES)

#define SHADOW_CACHE_DEFAULT_MAGAZINE	15
#define SHADOW_CACHE_MAX_MAGAZINE	255

struct shadow_cache_args {
	const char *name;		/* copied */
	unsigned int size;		/* bytes */
	unsigned int align;		/* power of two up to PAGE_SIZE, or 0 */
	shadow_ctor_t ctor;		/* required */
	shadow_dtor_t dtor;		/* required */
	void *priv;			/* passed to ctor and dtor */
	unsigned int flags;		/* SHADOW_CACHE_* */
	unsigned int magazine_size;	/* 0 = SHADOW_CACHE_DEFAULT_MAGAZINE */
	unsigned int min_partial;	/* RETAIN_PARTIAL: slabs kept */
	/* Percpu bytes (all CPUs) a constructed object owns; for stats. */
	unsigned long obj_percpu_bytes;
};

struct shadow_shrink_result {
	unsigned long slabs;		/* slabs released */
	unsigned long objects;		/* constructed objects released */
};

int shadow_cache_module_init(void);
void shadow_cache_module_exit(void);

struct shadow_cache *shadow_cache_create(const struct shadow_cache_args *args);
void *shadow_cache_alloc(struct shadow_cache *cache, gfp_t gfp);
void shadow_cache_free(struct shadow_cache *cache, void *obj);
void shadow_cache_shrink(struct shadow_cache *cache, bool purge,
			 struct shadow_shrink_result *result);
/*
 * Refuses with -EBUSY, changing nothing, while objects are out (an exact
 * count).  Otherwise unregisters everything, releases all, fills @final
 * (if not NULL) with the statistics after the release, frees the cache,
 * and returns 0: it cannot fail half-way.
 */
int shadow_cache_destroy(struct shadow_cache *cache,
			 struct shadowslab_cache_stats *final);
/*
 * Destroy for an owner that is going away (module unload, the end of a
 * run): never refuses.  Objects still out are a bug of the owner: it warns
 * once and leaks their slabs on purpose, and leaves nothing registered
 * that could reach them, the cache, its constructor or its destructor.
 */
void shadow_cache_teardown(struct shadow_cache *cache);

/* Fill the cache's part of @stats; the caller fills id, spec and faults. */
void shadow_cache_get_stats(struct shadow_cache *cache,
			    struct shadowslab_cache_stats *stats);

#endif /* _SHADOWSLAB_SHADOW_CACHE_H */
