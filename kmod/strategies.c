// SPDX-License-Identifier: GPL-2.0
/*
 * strategies.c - the strategies the workload compares (see strategy.h):
 * today's kernel, the slab-destructor RFC, two floors, and the fixes its
 * review thread proposed (RFC: Message-ID
 * 20250424080755.272925-1-harry.yoo@oracle.com).
 *
 *   percpu  today's kernel: a kmem_cache object, and the profile's percpu
 *           allocations made in get and freed in put, as mm_init() and
 *           __mmdrop() do on every fork/exec.  Each allocation takes the
 *           global pcpu_alloc_mutex.
 *   ctor    the RFC: objects come from the shadow cache, constructed with
 *           their percpu memory when a slab is populated, and keep it until
 *           the slab is released, so get and put do not reach the percpu
 *           allocator while the cache holds enough.
 *   slab    the floor: a kmem_cache object of the same size and nothing
 *           else; what the cycle costs without any percpu memory.
 *   cache   the shadow cache's floor: the same cache, the same objects, no
 *           percpu memory.  cache against slab is the magazine layer's
 *           cost; ctor against cache is what the percpu memory costs.
 *   stash   Lameter's "keep a cache of recently used per cpu regions ...
 *           allocate larger percpu areas for a batch of them"
 *           (80208a6c-ec42-6260-5f6f-b3c5c2788fcd@gentwo.org) and Heo's
 *           object caching in the percpu allocator
 *           (aAqHKWU2xFk2X2ZD@slm.duckdns.org): a per-CPU stash of region
 *           sets beside a kmem_cache object, refilled and drained in
 *           batches.
 *   merged  Desnoyers, in the same thread: all of an mm's percpu data in
 *           one mm_percpu_struct, so one allocation (and one counter
 *           registration) per object instead of one per region.
 *   lazy    lazy rss counters: Peng Zhang's "mm: convert mm's rss stats to
 *           use atomic mode" (20240418142008.2775308-1-zhangpeng362@huawei.com,
 *           carried by openEuler's and deepin's 6.12) and Krisman's dual-mode
 *           counters (November 2025).  The counters stay atomic until the
 *           object is marked multi-threaded, a given share of the cycles,
 *           which then allocates them; mm_cid is allocated on every get.
 *
 * The kmem_cache strategies share one per-run cache made as mm_cachep is
 * (compat.h).  Allocations made on every use are GFP_KERNEL_ACCOUNT, as in
 * mm_init(), and charge the caller's memcg.  Memory kept across uses (the
 * shadow cache's constructors, the stash) is allocated with GFP_KERNEL, as
 * the RFC's constructor does; the RFC then charges it on every use
 * (percpu_counter_charge_many()), which needs a kernel export no released
 * kernel has (SHADOWSLAB_FEAT_PERCPU_CHARGE), so those uses charge nothing.
 *
 * Locking: each CPU's stash has a spinlock, taken by get and put on that
 * CPU (and by teardown); the percpu allocator's locks are taken outside
 * it.  The kmem_cache and the shadow cache are safe on any CPU.
 */
#include <linux/err.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "../uapi/shadowslab.h"
#include "compat.h"
#include "profiles.h"
#include "shadow_cache.h"
#include "strategy.h"

/*
 * mm_cachep's usercopy window is saved_auxv, in the part of mm_struct the
 * caller owns; ours is the start of the caller-owned head.
 */
#define SHADOW_RUN_USERCOPY_SIZE	16

/* ------------------------------------------------- kmem_cache strategies */

static struct kmem_cache *shadow_kmem_create(struct shadow_strategy_ctx *ctx)
{
	return shadow_kmem_cache_create_mm("shadowslab_run",
					   shadow_objtype_size(ctx->type), 0,
					   SHADOW_RUN_USERCOPY_SIZE);
}

static int shadow_kmem_setup(struct shadow_strategy_ctx *ctx)
{
	ctx->priv = shadow_kmem_create(ctx);
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

/* An object without percpu memory: the whole of it is the caller's. */
static int shadow_plain_use(struct shadow_strategy_ctx *ctx, void *obj)
{
	memset(obj, 0, shadow_objtype_size(ctx->type));
	return 0;
}

static bool shadow_plain_check(struct shadow_strategy_ctx *ctx, void *obj)
{
	return true;
}

/* mm_init() on an object with its percpu memory in place, then its use. */
static int shadow_percpu_use(struct shadow_strategy_ctx *ctx, void *obj)
{
	shadow_obj_begin(ctx->type, obj);
	shadow_obj_use(ctx->type, obj);
	return 0;
}

static bool shadow_percpu_check(struct shadow_strategy_ctx *ctx, void *obj)
{
	return shadow_obj_check(ctx->type, obj);
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

/* ---------------------------------------------------------------- merged */

static int shadow_merged_setup(struct shadow_strategy_ctx *ctx)
{
	/* Regions that do not fit one percpu allocation cannot be merged. */
	if (shadow_objtype_merged_size(ctx->type) > SHADOWSLAB_REGION_MAX_SIZE)
		return -EINVAL;
	return shadow_kmem_setup(ctx);
}

static void *shadow_merged_get(struct shadow_strategy_ctx *ctx)
{
	void *obj = kmem_cache_alloc(ctx->priv, GFP_KERNEL);

	if (obj &&
	    shadow_obj_ctor_merged(obj, ctx->type, GFP_KERNEL_ACCOUNT)) {
		kmem_cache_free(ctx->priv, obj);
		obj = NULL;
	}
	return obj;
}

static void shadow_merged_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	shadow_obj_dtor_merged(obj, ctx->type);
	kmem_cache_free(ctx->priv, obj);
}

/* ------------------------------------------------------------------ lazy */

struct shadow_lazy_cpu {
	u64 cycles;			/* uses on this CPU */
	u64 upgrades;			/* of which went multi-threaded */
};

struct shadow_lazy {
	struct kmem_cache *objs;
	struct shadow_lazy_cpu __percpu *cpu;
};

static int shadow_lazy_setup(struct shadow_strategy_ctx *ctx)
{
	struct shadow_lazy *lazy = kzalloc(sizeof(*lazy), GFP_KERNEL);

	if (!lazy)
		return -ENOMEM;
	lazy->cpu = alloc_percpu(struct shadow_lazy_cpu);
	lazy->objs = shadow_kmem_create(ctx);
	if (!lazy->cpu || !lazy->objs) {
		kmem_cache_destroy(lazy->objs);
		free_percpu(lazy->cpu);
		kfree(lazy);
		return -ENOMEM;
	}
	ctx->priv = lazy;
	return 0;
}

static void shadow_lazy_teardown(struct shadow_strategy_ctx *ctx)
{
	struct shadow_lazy *lazy = ctx->priv;

	kmem_cache_destroy(lazy->objs);
	free_percpu(lazy->cpu);
	kfree(lazy);
}

static void *shadow_lazy_get(struct shadow_strategy_ctx *ctx)
{
	struct shadow_lazy *lazy = ctx->priv;
	void *obj = kmem_cache_alloc(lazy->objs, GFP_KERNEL);

	if (obj && shadow_obj_ctor_lazy(obj, ctx->type, GFP_KERNEL_ACCOUNT)) {
		kmem_cache_free(lazy->objs, obj);
		obj = NULL;
	}
	return obj;
}

/*
 * Use n on a CPU goes multi-threaded when n * ppm crosses a multiple of a
 * million: exactly floor(n * ppm / 10^6) of the first n uses on each CPU,
 * spread evenly.  The counters gather some counts in atomic mode first,
 * so the upgrade must carry them over for check_mm() to hold.
 */
static int shadow_lazy_use(struct shadow_strategy_ctx *ctx, void *obj)
{
	struct shadow_lazy *lazy = ctx->priv;
	u64 ppm = ctx->mt_fraction_ppm;
	u64 n = this_cpu_inc_return(lazy->cpu->cycles);
	int err = 0;

	shadow_obj_begin(ctx->type, obj);
	shadow_obj_use_up(ctx->type, obj);
	if (n * ppm / SHADOWSLAB_PPM != (n - 1) * ppm / SHADOWSLAB_PPM) {
		err = shadow_obj_lazy_upgrade(obj, ctx->type,
					      GFP_KERNEL_ACCOUNT);
		if (!err)
			this_cpu_inc(lazy->cpu->upgrades);
	}
	shadow_obj_use_down(ctx->type, obj);
	return err;
}

static void shadow_lazy_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	struct shadow_lazy *lazy = ctx->priv;

	shadow_obj_dtor_lazy(obj, ctx->type);
	kmem_cache_free(lazy->objs, obj);
}

static u64 shadow_lazy_mt_upgrades(struct shadow_strategy_ctx *ctx)
{
	struct shadow_lazy *lazy = ctx->priv;
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(lazy->cpu, cpu)->upgrades);
	return sum;
}

/* ----------------------------------------------------------------- stash */

/*
 * Each CPU stashes up to SHADOW_STASH_SIZE region sets.  An empty stash
 * is refilled with SHADOW_STASH_BATCH fresh sets, a full one drained of
 * as many, so a CPU that gets as often as it puts stays off the percpu
 * allocator, and one that only gets or only puts (remote frees) meets it
 * once per batch.  The percpu allocator has no bulk interface, so a
 * refill still makes one allocation, and takes pcpu_alloc_mutex once, per
 * region of each set: the batch amortises how often, not what each costs.
 */
#define SHADOW_STASH_BATCH	16
#define SHADOW_STASH_SIZE	(2 * SHADOW_STASH_BATCH)

struct shadow_stash_cpu {
	spinlock_t lock;
	unsigned int count;		/* sets in sets[] */
	void __percpu **sets;		/* SIZE sets of nr_regions each */
};

struct shadow_stash {
	struct kmem_cache *objs;
	unsigned int nr_regions;
	struct shadow_stash_cpu __percpu *cpu;
};

static void __percpu **shadow_stash_slot(struct shadow_stash *stash,
					 struct shadow_stash_cpu *sc,
					 unsigned int i)
{
	return sc->sets + i * stash->nr_regions;
}

/* Push @set on @sc, or return false if it is full. */
static bool shadow_stash_push(struct shadow_stash *stash,
			      struct shadow_stash_cpu *sc,
			      void __percpu *const *set)
{
	bool pushed = false;

	spin_lock(&sc->lock);
	if (sc->count < SHADOW_STASH_SIZE) {
		memcpy(shadow_stash_slot(stash, sc, sc->count++), set,
		       stash->nr_regions * sizeof(*set));
		pushed = true;
	}
	spin_unlock(&sc->lock);
	return pushed;
}

/* Pop a set from @sc into @set, or return false if it is empty. */
static bool shadow_stash_pop(struct shadow_stash *stash,
			     struct shadow_stash_cpu *sc,
			     void __percpu **set)
{
	bool popped = false;

	spin_lock(&sc->lock);
	if (sc->count) {
		memcpy(set, shadow_stash_slot(stash, sc, --sc->count),
		       stash->nr_regions * sizeof(*set));
		popped = true;
	}
	spin_unlock(&sc->lock);
	return popped;
}

static void shadow_stash_free_cpus(struct shadow_strategy_ctx *ctx,
				   struct shadow_stash *stash)
{
	void __percpu *set[SHADOWSLAB_MAX_REGIONS];
	int cpu;

	for_each_possible_cpu(cpu) {
		struct shadow_stash_cpu *sc = per_cpu_ptr(stash->cpu, cpu);

		while (sc->sets && shadow_stash_pop(stash, sc, set))
			shadow_set_free(ctx->type, set);
		kfree(sc->sets);
	}
	free_percpu(stash->cpu);
}

static int shadow_stash_setup(struct shadow_strategy_ctx *ctx)
{
	struct shadow_stash *stash = kzalloc(sizeof(*stash), GFP_KERNEL);
	int cpu;

	if (!stash)
		return -ENOMEM;
	stash->nr_regions = shadow_objtype_nr_regions(ctx->type);
	stash->cpu = alloc_percpu(struct shadow_stash_cpu);
	if (!stash->cpu)
		goto err_free;
	for_each_possible_cpu(cpu) {
		struct shadow_stash_cpu *sc = per_cpu_ptr(stash->cpu, cpu);

		spin_lock_init(&sc->lock);
		sc->sets = kcalloc_node(SHADOW_STASH_SIZE * stash->nr_regions,
					sizeof(*sc->sets), GFP_KERNEL,
					cpu_to_node(cpu));
		if (!sc->sets)
			goto err_cpus;
	}
	stash->objs = shadow_kmem_create(ctx);
	if (!stash->objs)
		goto err_cpus;
	ctx->priv = stash;
	return 0;

err_cpus:
	shadow_stash_free_cpus(ctx, stash);
err_free:
	kfree(stash);
	return -ENOMEM;
}

static void shadow_stash_teardown(struct shadow_strategy_ctx *ctx)
{
	struct shadow_stash *stash = ctx->priv;

	shadow_stash_free_cpus(ctx, stash);
	kmem_cache_destroy(stash->objs);
	kfree(stash);
}

/*
 * A set from this CPU's stash, refilling it with a batch when it is
 * empty.  The percpu allocations happen outside the stash lock.
 */
static int shadow_stash_take(struct shadow_strategy_ctx *ctx,
			     void __percpu **set)
{
	struct shadow_stash *stash = ctx->priv;
	/* Another CPU's stash after a migration is correct, if not local. */
	struct shadow_stash_cpu *sc = raw_cpu_ptr(stash->cpu);
	unsigned int i;

	if (shadow_stash_pop(stash, sc, set))
		return 0;
	for (i = 1; i < SHADOW_STASH_BATCH; i++) {
		if (shadow_set_alloc(ctx->type, set, GFP_KERNEL))
			break;
		if (!shadow_stash_push(stash, sc, set)) {
			shadow_set_free(ctx->type, set);
			break;
		}
	}
	return shadow_set_alloc(ctx->type, set, GFP_KERNEL);
}

static void *shadow_stash_get(struct shadow_strategy_ctx *ctx)
{
	struct shadow_stash *stash = ctx->priv;
	void __percpu *set[SHADOWSLAB_MAX_REGIONS];
	void *obj = kmem_cache_alloc(stash->objs, GFP_KERNEL);

	if (!obj)
		return NULL;
	if (shadow_stash_take(ctx, set)) {
		kmem_cache_free(stash->objs, obj);
		return NULL;
	}
	shadow_obj_attach_set(ctx->type, obj, set);
	return obj;
}

static void shadow_stash_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	struct shadow_stash *stash = ctx->priv;
	struct shadow_stash_cpu *sc = raw_cpu_ptr(stash->cpu);
	void __percpu *set[SHADOWSLAB_MAX_REGIONS];
	void __percpu *spare[SHADOWSLAB_MAX_REGIONS];
	unsigned int i;

	shadow_obj_detach_set(ctx->type, obj, set);
	kmem_cache_free(stash->objs, obj);
	if (shadow_stash_push(stash, sc, set))
		return;
	/* Full: drain a batch, then keep this one. */
	for (i = 0; i < SHADOW_STASH_BATCH &&
		    shadow_stash_pop(stash, sc, spare); i++)
		shadow_set_free(ctx->type, spare);
	if (!shadow_stash_push(stash, sc, set))
		shadow_set_free(ctx->type, set);
}

/* --------------------------------------------------- the shadow cache */

static int shadow_cache_strategy_setup(struct shadow_strategy_ctx *ctx,
				     const char *name, shadow_ctor_t ctor,
				     shadow_dtor_t dtor,
				     unsigned long obj_percpu_bytes)
{
	struct shadow_cache_args args = {
		.name = name,	/* ':' keeps it apart from user caches */
		.size = shadow_objtype_size(ctx->type),
		.align = shadow_objtype_align(ctx->type),
		.ctor = ctor,
		.dtor = dtor,
		.priv = ctx->type,
		.flags = ctx->cache_flags,
		.magazine_size = ctx->magazine_size,
		.min_partial = ctx->min_partial,
		.obj_percpu_bytes = obj_percpu_bytes,
	};
	struct shadow_cache *cache = shadow_cache_create(&args);

	if (IS_ERR(cache))
		return PTR_ERR(cache);
	ctx->priv = cache;
	return 0;
}

static int shadow_ctor_setup(struct shadow_strategy_ctx *ctx)
{
	return shadow_cache_strategy_setup(ctx, "runner:ctor", shadow_obj_ctor,
					 shadow_obj_dtor,
					 shadow_objtype_percpu_bytes(ctx->type));
}

static int shadow_cache_floor_setup(struct shadow_strategy_ctx *ctx)
{
	return shadow_cache_strategy_setup(ctx, "runner:cache",
					 shadow_obj_ctor_none,
					 shadow_obj_dtor_none, 0);
}

/*
 * After every thread has stopped and the inboxes are drained, so nothing
 * is out; if something were, a refusal would leave the cache's shrinker
 * calling the destructor after the runner frees the object type: teardown
 * cannot refuse.
 */
static void shadow_ctor_teardown(struct shadow_strategy_ctx *ctx)
{
	shadow_cache_teardown(ctx->priv);
}

/* The RFC's constructor allocates with GFP_KERNEL: nothing is charged. */
static void *shadow_ctor_get(struct shadow_strategy_ctx *ctx)
{
	return shadow_cache_alloc(ctx->priv, GFP_KERNEL);
}

static void shadow_ctor_put(struct shadow_strategy_ctx *ctx, void *obj)
{
	shadow_cache_free(ctx->priv, obj);
}

static const struct shadow_strategy shadow_strategies[SHADOWSLAB_NR_STRATEGIES] = {
	[SHADOWSLAB_STRATEGY_PERCPU] = {
		.name = "percpu",
		.setup = shadow_kmem_setup,
		.teardown = shadow_kmem_teardown,
		.get = shadow_percpu_get,
		.use = shadow_percpu_use,
		.check = shadow_percpu_check,
		.put = shadow_percpu_put,
	},
	[SHADOWSLAB_STRATEGY_CTOR] = {
		.name = "ctor",
		.setup = shadow_ctor_setup,
		.teardown = shadow_ctor_teardown,
		.get = shadow_ctor_get,
		.use = shadow_percpu_use,
		.check = shadow_percpu_check,
		.put = shadow_ctor_put,
	},
	[SHADOWSLAB_STRATEGY_SLAB] = {
		.name = "slab",
		.setup = shadow_kmem_setup,
		.teardown = shadow_kmem_teardown,
		.get = shadow_slab_get,
		.use = shadow_plain_use,
		.check = shadow_plain_check,
		.put = shadow_slab_put,
	},
	[SHADOWSLAB_STRATEGY_CACHE] = {
		.name = "cache",
		.setup = shadow_cache_floor_setup,
		.teardown = shadow_ctor_teardown,
		.get = shadow_ctor_get,
		.use = shadow_plain_use,
		.check = shadow_plain_check,
		.put = shadow_ctor_put,
	},
	[SHADOWSLAB_STRATEGY_STASH] = {
		.name = "stash",
		.setup = shadow_stash_setup,
		.teardown = shadow_stash_teardown,
		.get = shadow_stash_get,
		.use = shadow_percpu_use,
		.check = shadow_percpu_check,
		.put = shadow_stash_put,
	},
	[SHADOWSLAB_STRATEGY_MERGED] = {
		.name = "merged",
		.setup = shadow_merged_setup,
		.teardown = shadow_kmem_teardown,
		.get = shadow_merged_get,
		.use = shadow_percpu_use,
		.check = shadow_percpu_check,
		.put = shadow_merged_put,
	},
	[SHADOWSLAB_STRATEGY_LAZY] = {
		.name = "lazy",
		.setup = shadow_lazy_setup,
		.teardown = shadow_lazy_teardown,
		.get = shadow_lazy_get,
		.use = shadow_lazy_use,
		.check = shadow_percpu_check,
		.put = shadow_lazy_put,
		.mt_upgrades = shadow_lazy_mt_upgrades,
	},
};

const struct shadow_strategy *shadow_strategy_find(u32 id)
{
	return id < ARRAY_SIZE(shadow_strategies) ? &shadow_strategies[id] :
						    NULL;
}
