// SPDX-License-Identifier: GPL-2.0
/*
 * cache_dev.c - shadow caches created from userspace, and their ioctls.
 *
 * Each cache created by CACHE_CREATE is a shadow_cache over an object type
 * (profiles.c), registered under a small integer id.  Caches belong to the
 * module, not to the file that created them: they outlive the caller and
 * are destroyed at unload.  Objects that CACHE_ALLOC hands out stay in the
 * module, on the cache's held list, linked through the caller-owned head
 * of each object, until CACHE_FREE gives them back.
 *
 * A registered cache is live or not.  CREATE registers it not live, which
 * reserves its id and name; the commit step after the id has reached the
 * caller makes it live, or destroys it if the copy-out failed.  DESTROY
 * makes it not live again before it purges, so the purge (seconds for a
 * million objects) runs without the registry lock.  Only live caches are
 * found by id and listed.  The name check sees every registered cache, live
 * or not, so it reads the name the registry keeps (shadow_user_cache.name),
 * never the shadow_cache: DESTROY frees that outside the registry lock,
 * before it takes the entry out.
 *
 * Locking
 * -------
 *   shadow_registry_lock (mutex)  ->  shadow_user_cache.held_lock (mutex)
 *
 * shadow_registry_lock guards the id table, the live flags and the name
 * check, and is held across lookup-and-get; it is never held across a
 * copy to or from userspace, so a stalled page fault blocks no other
 * caller.  An ioctl works on a cache through a reference (users) taken
 * under it, so CACHE_DESTROY can refuse with -EBUSY while another caller
 * is inside an ioctl on that cache, and otherwise take the cache out of
 * sight under it and destroy it after.  held_lock guards the held list
 * only: objects are allocated and freed outside it, so callers on several
 * CPUs exercise the cache concurrently.  Neither lock is held across
 * shadow_cache_alloc(), and the shrinker takes neither.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "../uapi/shadowslab.h"
#include "internal.h"
#include "profiles.h"
#include "shadow_cache.h"

#define SHADOW_MAX_USER_CACHES		64
#define SHADOW_MAX_OBJS_PER_CALL	(1U << 20)

struct shadow_user_cache {
	u32 id;
	bool live;			/* found by id; registry lock */
	char name[SHADOWSLAB_NAME_LEN];	/* the cache's, while registered */
	refcount_t users;		/* 1 for the registry, +1 per ioctl */
	struct shadow_cache *cache;
	struct shadow_objtype *type;
	struct mutex held_lock;
	struct list_head held;		/* through each object's head */
	u64 nr_held;
};

static DEFINE_MUTEX(shadow_registry_lock);
static DEFINE_IDR(shadow_registry);

static struct shadow_user_cache *shadow_user_cache_find(u32 id)
{
	struct shadow_user_cache *uc;

	lockdep_assert_held(&shadow_registry_lock);
	uc = idr_find(&shadow_registry, id);
	return uc && uc->live ? uc : NULL;
}

static struct shadow_user_cache *shadow_user_cache_get(u32 id)
{
	struct shadow_user_cache *uc;

	mutex_lock(&shadow_registry_lock);
	uc = shadow_user_cache_find(id);
	if (uc)
		refcount_inc(&uc->users);
	mutex_unlock(&shadow_registry_lock);
	return uc;
}

static void shadow_user_cache_put(struct shadow_user_cache *uc)
{
	refcount_dec(&uc->users);
}

static bool shadow_name_valid(const char *name, size_t len)
{
	size_t i;

	if (!memchr(name, '\0', len))
		return false;
	for (i = 0; name[i]; i++)
		if (!isalnum(name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

static bool shadow_name_taken(const char *name,
			      const struct shadow_user_cache *self)
{
	struct shadow_user_cache *uc;
	int id;

	lockdep_assert_held(&shadow_registry_lock);
	/* Live or not: a cache being created or destroyed keeps its name. */
	idr_for_each_entry(&shadow_registry, uc, id)
		if (uc != self && !strcmp(uc->name, name))
			return true;
	return false;
}

/* Free a cache that is out of the registry: no caller can reach it. */
static void shadow_user_cache_free(struct shadow_user_cache *uc)
{
	shadow_objtype_destroy(uc->type);
	kfree(uc);
}

long shadow_ioctl_cache_create(void *arg)
{
	struct shadowslab_cache_create *req = arg;
	struct shadow_cache_args args = {
		.ctor = shadow_obj_ctor,
		.dtor = shadow_obj_dtor,
		.magazine_size = req->magazine_size,
	};
	struct shadow_user_cache *uc;
	int id, err;

	if (req->reserved || req->flags & ~SHADOWSLAB_CACHE_FLAGS_ALL ||
	    req->magazine_size > SHADOWSLAB_MAGAZINE_SIZE_MAX ||
	    !shadow_name_valid(req->name, sizeof(req->name)))
		return -EINVAL;

	uc = kzalloc(sizeof(*uc), GFP_KERNEL);
	if (!uc)
		return -ENOMEM;
	refcount_set(&uc->users, 1);
	mutex_init(&uc->held_lock);
	INIT_LIST_HEAD(&uc->held);

	uc->type = shadow_objtype_create(&req->spec);
	if (IS_ERR(uc->type)) {
		err = PTR_ERR(uc->type);
		goto err_free;
	}

	mutex_lock(&shadow_registry_lock);
	/* Not live: found by no one until the commit, below. */
	id = idr_alloc(&shadow_registry, uc, 1, SHADOW_MAX_USER_CACHES + 1,
		       GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto err_unlock;
	}
	uc->id = id;
	/* ':' is not allowed in given names: generated ones never collide. */
	if (req->name[0])
		strscpy(uc->name, req->name, sizeof(uc->name));
	else
		snprintf(uc->name, sizeof(uc->name), "%s:%d",
			 shadow_objtype_name(uc->type), id);
	err = -EEXIST;
	if (shadow_name_taken(uc->name, uc))
		goto err_idr;

	args.name = uc->name;
	args.size = shadow_objtype_size(uc->type);
	args.align = shadow_objtype_align(uc->type);
	args.priv = uc->type;
	args.obj_percpu_bytes = shadow_objtype_percpu_bytes(uc->type);
	if (req->flags & SHADOWSLAB_CACHE_DEFERRED_DTOR)
		args.flags |= SHADOW_CACHE_DEFERRED_DTOR;
	uc->cache = shadow_cache_create(&args);
	if (IS_ERR(uc->cache)) {
		err = PTR_ERR(uc->cache);
		goto err_idr;
	}
	mutex_unlock(&shadow_registry_lock);

	req->id = id;
	return 0;

err_idr:
	idr_remove(&shadow_registry, id);
err_unlock:
	mutex_unlock(&shadow_registry_lock);
	shadow_objtype_destroy(uc->type);
err_free:
	kfree(uc);
	return err;
}

/*
 * After CREATE's copy-out: the caller has the id, so the cache goes live;
 * or the copy-out failed, and the cache, which nobody could reach, goes.
 */
void shadow_ioctl_cache_create_commit(void *arg, int err)
{
	struct shadowslab_cache_create *req = arg;
	struct shadow_user_cache *uc;

	mutex_lock(&shadow_registry_lock);
	uc = idr_find(&shadow_registry, req->id);
	if (!err)
		uc->live = true;
	else
		idr_remove(&shadow_registry, req->id);
	mutex_unlock(&shadow_registry_lock);
	if (err) {
		shadow_cache_teardown(uc->cache);
		shadow_user_cache_free(uc);
	}
}

long shadow_ioctl_cache_destroy(void *arg)
{
	struct shadowslab_cache_destroy *req = arg;
	struct shadowslab_cache_stats *st;
	struct shadow_user_cache *uc;
	int err;

	if (req->reserved)
		return -EINVAL;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;

	mutex_lock(&shadow_registry_lock);
	uc = shadow_user_cache_find(req->id);
	err = -ENOENT;
	if (uc) {
		err = -EBUSY;
		if (refcount_read(&uc->users) == 1 && !READ_ONCE(uc->nr_held)) {
			/* Out of sight: no new reference, no ALLOC. */
			uc->live = false;
			err = 0;
		}
	}
	mutex_unlock(&shadow_registry_lock);
	if (err)
		goto out;

	/*
	 * Nothing held and no other caller: nothing is out, and the
	 * destroy only refuses on a bug; the cache is then put back as it
	 * was.
	 */
	err = shadow_cache_destroy(uc->cache, st);
	mutex_lock(&shadow_registry_lock);
	if (err)
		uc->live = true;
	else
		idr_remove(&shadow_registry, uc->id);
	mutex_unlock(&shadow_registry_lock);
	if (err)
		goto out;
	shadow_user_cache_free(uc);
	req->ctor_calls = st->ctor_calls;
	req->ctor_failures = st->ctor_failures;
	req->dtor_calls = st->dtor_calls;
out:
	kfree(st);
	return err;
}

long shadow_ioctl_cache_alloc(void *arg)
{
	struct shadowslab_cache_objs *req = arg;
	struct shadow_user_cache *uc;
	LIST_HEAD(got);
	u32 done = 0;
	bool killed;

	if (req->reserved || !req->count ||
	    req->count > SHADOW_MAX_OBJS_PER_CALL)
		return -EINVAL;
	uc = shadow_user_cache_get(req->id);
	if (!uc)
		return -ENOENT;

	while (done < req->count && !fatal_signal_pending(current)) {
		struct list_head *obj;

		obj = shadow_cache_alloc(uc->cache, GFP_KERNEL);
		if (!obj)
			break;
		list_add(obj, &got);
		done++;
		cond_resched();
	}
	/* Stopped by the signal, or by a constructor it made fail. */
	killed = done < req->count && fatal_signal_pending(current);

	mutex_lock(&uc->held_lock);
	list_splice(&got, &uc->held);
	uc->nr_held += done;
	req->held = uc->nr_held;
	mutex_unlock(&uc->held_lock);
	shadow_user_cache_put(uc);

	req->done = done;
	if (killed)
		return -EINTR;
	return done ? 0 : -ENOMEM;
}

/*
 * Detach up to @count held objects (0 = all) and give them back.  The
 * count of one FREE is bounded, but all the objects a cache holds are not
 * (ALLOC may be repeated): they are given back one by one with no lock
 * held, rescheduling between them.
 */
static u64 shadow_user_cache_release(struct shadow_user_cache *uc, u64 count)
{
	struct list_head *obj, *next;
	LIST_HEAD(give);
	u64 done = 0;

	mutex_lock(&uc->held_lock);
	if (!count || count >= uc->nr_held) {
		list_splice_init(&uc->held, &give);
		done = uc->nr_held;
	} else {
		list_for_each_safe(obj, next, &uc->held) {
			if (done == count)
				break;
			list_move(obj, &give);
			done++;
		}
	}
	uc->nr_held -= done;
	mutex_unlock(&uc->held_lock);

	list_for_each_safe(obj, next, &give) {
		shadow_cache_free(uc->cache, obj);
		/* A free may reach the slab layer; no lock is held here. */
		cond_resched();
	}
	return done;
}

long shadow_ioctl_cache_free(void *arg)
{
	struct shadowslab_cache_objs *req = arg;
	struct shadow_user_cache *uc;

	if (req->reserved || req->count > SHADOW_MAX_OBJS_PER_CALL)
		return -EINVAL;
	uc = shadow_user_cache_get(req->id);
	if (!uc)
		return -ENOENT;
	req->done = shadow_user_cache_release(uc, req->count);
	req->held = READ_ONCE(uc->nr_held);
	shadow_user_cache_put(uc);
	return 0;
}

long shadow_ioctl_cache_shrink(void *arg)
{
	struct shadowslab_cache_shrink *req = arg;
	struct shadow_shrink_result result;
	struct shadow_user_cache *uc;

	if (req->flags & ~SHADOWSLAB_SHRINK_PURGE)
		return -EINVAL;
	uc = shadow_user_cache_get(req->id);
	if (!uc)
		return -ENOENT;
	shadow_cache_shrink(uc->cache, req->flags & SHADOWSLAB_SHRINK_PURGE,
			    &result);
	shadow_user_cache_put(uc);
	req->slabs_released = result.slabs;
	req->objects_released = result.objects;
	return 0;
}

long shadow_ioctl_cache_stats(void *arg)
{
	struct shadowslab_cache_stats *st = arg;
	struct shadow_user_cache *uc;
	u32 id = st->id;

	if (st->reserved)
		return -EINVAL;
	uc = shadow_user_cache_get(id);
	if (!uc)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->id = id;
	shadow_cache_get_stats(uc->cache, st);
	shadow_objtype_describe(uc->type, &st->spec);
	st->objs_held = READ_ONCE(uc->nr_held);
	st->faults_injected = shadow_objtype_faults_injected(uc->type);
	shadow_user_cache_put(uc);
	return 0;
}

/*
 * A snapshot of the live ids under the lock, copied out after it is
 * dropped: the copy may fault, and a slow fault (userfaultfd, a file on a
 * slow disk) must not hold every other cache command.
 */
long shadow_ioctl_cache_list(void *arg)
{
	struct shadowslab_cache_list *req = arg;
	u32 ids[SHADOW_MAX_USER_CACHES];
	struct shadow_user_cache *uc;
	u32 count = 0;
	int id;

	mutex_lock(&shadow_registry_lock);
	idr_for_each_entry(&shadow_registry, uc, id) {
		if (!uc->live)
			continue;
		if (count < ARRAY_SIZE(ids))
			ids[count] = id;
		count++;
	}
	mutex_unlock(&shadow_registry_lock);
	req->count = count;
	if (copy_to_user(u64_to_user_ptr(req->ids_ptr), ids,
			 min(count, req->capacity) * sizeof(ids[0])))
		return -EFAULT;
	return 0;
}

long shadow_ioctl_cache_fault(void *arg)
{
	struct shadowslab_cache_fault *req = arg;
	struct shadow_user_cache *uc;
	int err;

	/* Each mode takes only its own fields: the ABI header's rule. */
	if (!shadowslab_cache_fault_valid(req))
		return -EINVAL;
	uc = shadow_user_cache_get(req->id);
	if (!uc)
		return -ENOENT;
	err = shadow_objtype_set_fault(uc->type, req);
	req->injected = shadow_objtype_faults_injected(uc->type);
	shadow_user_cache_put(uc);
	return err;
}

/*
 * At unload, with the device gone and no ioctl in flight: give back what
 * each cache holds and tear it down.  Teardown cannot refuse; a cache with
 * objects still out (a bug) is left with no callback registered before its
 * object type and the module's text go.
 */
void shadow_cache_dev_exit(void)
{
	struct shadow_user_cache *uc;
	int id;

	mutex_lock(&shadow_registry_lock);
	idr_for_each_entry(&shadow_registry, uc, id) {
		shadow_user_cache_release(uc, 0);
		shadow_cache_teardown(uc->cache);
		idr_remove(&shadow_registry, id);
		shadow_user_cache_free(uc);
		/* Up to 64 caches, each purged; a mutex may be held here. */
		cond_resched();
	}
	mutex_unlock(&shadow_registry_lock);
	idr_destroy(&shadow_registry);
}
