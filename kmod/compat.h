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
 *  - the size of the kernel's mm_struct objects: sizeof(struct mm_struct)
 *    plus the trailing cpumask, plus a second cpumask for mm_cid from 6.4.
 */
#ifndef _SHADOWSLAB_COMPAT_H
#define _SHADOWSLAB_COMPAT_H

#include <linux/version.h>
#include <linux/cpumask.h>
#include <linux/mm_types.h>
#include <linux/shrinker.h>
#include <linux/percpu_counter.h>
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

/* ------------------------------------------------------------ mm_struct */

/* The object size of the kernel's mm_cachep (kernel/fork.c:mm_cache_init). */
static inline unsigned int shadow_mm_struct_size(void)
{
	unsigned int size = offsetof(struct mm_struct, cpu_bitmap) +
			    cpumask_size();

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 4, 0)
	size += cpumask_size();		/* mm_cid_size(): mm_cidmask */
#endif
	return size;
}

#endif /* _SHADOWSLAB_COMPAT_H */
