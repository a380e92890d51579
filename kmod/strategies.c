// SPDX-License-Identifier: GPL-2.0
/*
 * strategies.c - the strategies the workload compares (see strategy.h).
 *
 *   percpu  today's kernel: a kmem_cache object, and the profile's percpu
 *           allocations made in get and freed in put, as mm_init() and
 *           __mmdrop() do on every fork/exec.  Each allocation takes the
 *           global pcpu_alloc_mutex.
 *   ctor    the shadow cache: objects are constructed with their percpu
 *           memory when a slab is populated and keep it until the slab is
 *           released, so get and put never reach the percpu allocator.
 *   slab    the floor: a kmem_cache object of the same size and nothing
 *           else; what the cycle costs without any percpu memory.
 *
 * Each run gets caches of its own, created in setup and destroyed in
 * teardown, so runs do not share state.  No locks of their own: the
 * kmem_cache and the shadow cache are safe on any CPU.
 */
#include <linux/err.h>
#include <linux/slab.h>

#include "../uapi/shadowslab.h"
#include "profiles.h"
#include "shadow_cache.h"
#include "strategy.h"

/* ------------------------------------------------- kmem_cache strategies */

static int shadow_kmem_setup(struct shadow_strategy_ctx *ctx)
{
	ctx->priv = kmem_cache_create("shadowslab_run",
				      shadow_objtype_size(ctx->type),
				      shadow_objtype_align(ctx->type), 0, NULL);
	return ctx->priv ? 0 : -ENOMEM;
}

static void shadow_kmem_teardown(struct shadow_strategy_ctx *ctx)
{
	kmem_cache_destroy(ctx->priv);
}

static void *shadow_slab_get(struct shadow_strategy_ctx *ctx)
{
	return kmem_cache_alloc(ctx->priv, GFP_KERNEL);
}

static void shadow_slab_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	kmem_cache_free(ctx->priv, obj);
}

static void *shadow_percpu_get(struct shadow_strategy_ctx *ctx)
{
	void *obj = kmem_cache_alloc(ctx->priv, GFP_KERNEL);

	if (obj && shadow_obj_ctor(obj, ctx->type, GFP_KERNEL_ACCOUNT)) {
		kmem_cache_free(ctx->priv, obj);
		obj = NULL;
	}
	return obj;
}

static void shadow_percpu_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	shadow_obj_dtor(obj, ctx->type);
	kmem_cache_free(ctx->priv, obj);
}

/* --------------------------------------------------- the shadow cache */

static int shadow_ctor_setup(struct shadow_strategy_ctx *ctx)
{
	struct shadow_cache_args args = {
		.name = "runner:ctor",	/* ':' keeps it apart from user caches */
		.size = shadow_objtype_size(ctx->type),
		.align = shadow_objtype_align(ctx->type),
		.ctor = shadow_obj_ctor,
		.dtor = shadow_obj_dtor,
		.priv = ctx->type,
		.magazine_size = ctx->magazine_size,
		.obj_percpu_bytes = shadow_objtype_percpu_bytes(ctx->type),
	};
	struct shadow_cache *cache = shadow_cache_create(&args);

	if (IS_ERR(cache))
		return PTR_ERR(cache);
	ctx->priv = cache;
	return 0;
}

static void shadow_ctor_teardown(struct shadow_strategy_ctx *ctx)
{
	WARN_ON(shadow_cache_destroy(ctx->priv, NULL));
}

static void *shadow_ctor_get(struct shadow_strategy_ctx *ctx)
{
	return shadow_cache_alloc(ctx->priv, GFP_KERNEL_ACCOUNT);
}

static void shadow_ctor_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	shadow_cache_free(ctx->priv, obj);
}

static const struct shadow_strategy shadow_strategies[SHADOWSLAB_NR_STRATEGIES] = {
	[SHADOWSLAB_STRATEGY_PERCPU] = {
		.name = "percpu",
		.owns_percpu = true,
		.setup = shadow_kmem_setup,
		.teardown = shadow_kmem_teardown,
		.get = shadow_percpu_get,
		.put = shadow_percpu_put,
	},
	[SHADOWSLAB_STRATEGY_CTOR] = {
		.name = "ctor",
		.owns_percpu = true,
		.setup = shadow_ctor_setup,
		.teardown = shadow_ctor_teardown,
		.get = shadow_ctor_get,
		.put = shadow_ctor_put,
	},
	[SHADOWSLAB_STRATEGY_SLAB] = {
		.name = "slab",
		.owns_percpu = false,
		.setup = shadow_kmem_setup,
		.teardown = shadow_kmem_teardown,
		.get = shadow_slab_get,
		.put = shadow_slab_put,
	},
};

const struct shadow_strategy *shadow_strategy_find(u32 id)
{
	return id < ARRAY_SIZE(shadow_strategies) ? &shadow_strategies[id] :
						    NULL;
}
