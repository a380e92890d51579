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
 * shrinker under memory pressure, or by destroy.
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
 * With SHADOW_CACHE_DEFERRED_DTOR, released slabs are handed to a
 * WQ_MEM_RECLAIM workqueue and destroyed there, not in the caller.
 *
 * Context: alloc, free, shrink and destroy are for process context.  free
 * never sleeps.  destroy must not race with alloc or free on that cache.
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
 * Refuses with -EBUSY while objects are out.  Otherwise releases all, and
 * fills @final (if not NULL) with the statistics after the release.
 */
int shadow_cache_destroy(struct shadow_cache *cache,
			 struct shadowslab_cache_stats *final);

/* Fill the cache's part of @stats; the caller fills id, spec and faults. */
void shadow_cache_get_stats(struct shadow_cache *cache,
			    struct shadowslab_cache_stats *stats);
const char *shadow_cache_name(const struct shadow_cache *cache);

#endif /* _SHADOWSLAB_SHADOW_CACHE_H */
