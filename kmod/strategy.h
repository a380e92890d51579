/* SPDX-License-Identifier: GPL-2.0 */
/*
 * strategy.h - how the workload obtains and releases an mm_struct-like
 * object together with its percpu memory.
 *
 * The runner (runner.c) knows only this interface.  A strategy is a set
 * of operations over a per-run private state:
 *
 *   setup     once, before the threads start, in the RUN caller's context
 *   get       on a worker thread: an object whose percpu memory is ready
 *             (or, for a strategy without percpu memory, just the object)
 *   put       on a worker thread: give it back
 *   teardown  once, after every thread has stopped; must release all
 *
 * The strategies of the slab-destructor review thread fit here as they
 * are: a per-CPU stash of percpu regions (get pops regions from a CPU-local
 * stash, put pushes them back); one merged percpu region per object; lazy
 * counters for single-threaded tasks (get allocates no counters, the use
 * step would); and SLUB sheaves (a kmem_cache with sheaf_capacity on 6.18,
 * under a compat.h guard).  Adding one is a new struct shadow_strategy in
 * strategies.c and a new enum value in the ABI; the runner is unchanged.
 */
#ifndef _SHADOWSLAB_STRATEGY_H
#define _SHADOWSLAB_STRATEGY_H

#include <linux/types.h>

struct shadow_objtype;

struct shadow_strategy_ctx {
	struct shadow_objtype *type;
	unsigned int magazine_size;	/* for the shadow cache, 0 = default */
	void *priv;			/* the strategy's own state */
};

struct shadow_strategy {
	const char *name;
	/* get() hands out percpu memory: the runner initialises and uses it */
	bool owns_percpu;
	int (*setup)(struct shadow_strategy_ctx *ctx);
	void (*teardown)(struct shadow_strategy_ctx *ctx);
	void *(*get)(struct shadow_strategy_ctx *ctx);
	void (*put)(struct shadow_strategy_ctx *ctx, void *obj);
};

/* Indexed by enum shadowslab_strategy; NULL for an unknown value. */
const struct shadow_strategy *shadow_strategy_find(u32 id);

#endif /* _SHADOWSLAB_STRATEGY_H */
