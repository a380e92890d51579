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
 *   use       on the worker that got it: what mm_init() and the mm's life
 *             do to it; may fail (-ENOMEM), and the object is then put
 *   check     before put, on the worker that releases it: check_mm(),
 *             true if every counter sums to zero
 *   put       on the worker that releases it, which with remote frees is
 *             not the one that got it: give it back
 *   teardown  once, after every object is back; must release all
 *
 * get and put run in the RUN caller's memory cgroup (set_active_memcg()),
 * so a GFP_KERNEL_ACCOUNT allocation there is charged as in exec.  Adding
 * a strategy is a new struct shadow_strategy in strategies.c and a new
 * enum value in the ABI; the runner is unchanged.  The SLUB sheaves of
 * 6.18 (kmem_cache_args.sheaf_capacity, under a compat.h guard) would fit
 * the same way.
 */
#ifndef _SHADOWSLAB_STRATEGY_H
#define _SHADOWSLAB_STRATEGY_H

#include <linux/types.h>

struct shadow_objtype;

struct shadow_strategy_ctx {
	struct shadow_objtype *type;
	/* the shadow cache (ctor, cache): magazines, retention */
	unsigned int magazine_size;	/* 0 = default */
	unsigned int cache_flags;	/* SHADOW_CACHE_* */
	unsigned int min_partial;
	u32 mt_fraction_ppm;		/* lazy */
	void *priv;			/* the strategy's own state */
};

struct shadow_strategy {
	const char *name;
	int (*setup)(struct shadow_strategy_ctx *ctx);
	void (*teardown)(struct shadow_strategy_ctx *ctx);
	void *(*get)(struct shadow_strategy_ctx *ctx);
	int (*use)(struct shadow_strategy_ctx *ctx, void *obj);
	bool (*check)(struct shadow_strategy_ctx *ctx, void *obj);
	void (*put)(struct shadow_strategy_ctx *ctx, void *obj);
	/* lazy: the cycles that went multi-threaded so far; NULL elsewhere */
	u64 (*mt_upgrades)(struct shadow_strategy_ctx *ctx);
};

/* Indexed by enum shadowslab_strategy; NULL for an unknown value. */
const struct shadow_strategy *shadow_strategy_find(u32 id);

#endif /* _SHADOWSLAB_STRATEGY_H */
