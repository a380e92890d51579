/* SPDX-License-Identifier: GPL-2.0 */
/*
 * profiles.h - object types that own percpu memory.
 *
 * An object type ("objtype") is instantiated from a profile of the ABI: an
 * object size plus a list of percpu regions.  shadow_obj_ctor() allocates
 * and initialises the regions of one object, shadow_obj_dtor() frees them;
 * they are a shadow cache's constructor and destructor, and the "percpu"
 * strategy calls them on every cycle, as the kernel does in mm_init() and
 * __mmdrop().  The destructor takes only leaf spinlocks (pcpu_lock,
 * percpu_counters_lock) and never allocates.
 *
 * An object is laid out as
 *
 *   [ 0, ctor_offset )     caller-owned: cleared by shadow_obj_begin(),
 *                          free for the caller while the object is out
 *   [ ctor_offset, size )  constructor-owned: the counters and the percpu
 *                          pointers, left in place from ctor to dtor
 *
 * as the slab-destructor RFC put mm_struct's constructed fields after a
 * ctor_fields_offset so that mm_alloc()'s memset stops before them.
 */
#ifndef _SHADOWSLAB_PROFILES_H
#define _SHADOWSLAB_PROFILES_H

#include <linux/types.h>
#include <linux/gfp.h>

struct shadowslab_profile_spec;
struct shadowslab_cache_fault;
struct shadow_objtype;

struct shadowslab_info;

int shadow_profiles_init(void);
void shadow_profiles_exit(void);
/* The "kernel" profile as resolved at load, for the INFO ioctl. */
void shadow_kernel_profile_describe(struct shadowslab_info *info);

struct shadow_objtype *
shadow_objtype_create(const struct shadowslab_profile_spec *spec);
void shadow_objtype_destroy(struct shadow_objtype *type);

unsigned int shadow_objtype_size(const struct shadow_objtype *type);
unsigned int shadow_objtype_align(const struct shadow_objtype *type);
const char *shadow_objtype_name(const struct shadow_objtype *type);
/* Percpu bytes one constructed object owns, summed over possible CPUs. */
unsigned long shadow_objtype_percpu_bytes(const struct shadow_objtype *type);
/* The spec as resolved: default object size and the regions filled in. */
void shadow_objtype_describe(const struct shadow_objtype *type,
			     struct shadowslab_profile_spec *spec);

int shadow_objtype_set_fault(struct shadow_objtype *type,
			     const struct shadowslab_cache_fault *fault);
u64 shadow_objtype_faults_injected(struct shadow_objtype *type);

/*
 * What an object type did, summed over CPUs: the calls that set up
 * ("ctor") and tear down ("dtor") an object's percpu memory and the
 * nanoseconds spent in them, its percpu allocations and frees, and the
 * percpu bytes (all CPUs) it allocated and freed.
 */
struct shadow_objtype_stats {
	u64 ctor_calls;
	u64 ctor_ns;
	u64 dtor_calls;
	u64 dtor_ns;
	u64 allocs;
	u64 frees;
	u64 bytes_allocated;
	u64 bytes_freed;
};

void shadow_objtype_read_stats(const struct shadow_objtype *type,
			       struct shadow_objtype_stats *sum);

/* Constructor and destructor; @type is the struct shadow_objtype. */
int shadow_obj_ctor(void *obj, void *type, gfp_t gfp);
void shadow_obj_dtor(void *obj, void *type);
/* For objects without percpu memory: count the call, nothing else. */
int shadow_obj_ctor_none(void *obj, void *type, gfp_t gfp);
void shadow_obj_dtor_none(void *obj, void *type);

/*
 * Region sets: the percpu memory of one object's regions, held apart
 * from any object, shadow_objtype_nr_regions() pointers.  Allocating and
 * freeing a set count as a ctor and a dtor call.  attach hands a set to
 * an object fresh from kmem_cache_alloc() (zeroed, counters registered),
 * detach takes it back.
 */
unsigned int shadow_objtype_nr_regions(const struct shadow_objtype *type);
int shadow_set_alloc(struct shadow_objtype *type, void __percpu **set,
		     gfp_t gfp);
void shadow_set_free(struct shadow_objtype *type, void __percpu **set);
void shadow_obj_attach_set(const struct shadow_objtype *type, void *obj,
			   void __percpu *const *set);
void shadow_obj_detach_set(const struct shadow_objtype *type, void *obj,
			   void __percpu **set);

/* One percpu allocation of this size holds every region (merged). */
unsigned int shadow_objtype_merged_size(const struct shadow_objtype *type);
int shadow_obj_ctor_merged(void *obj, struct shadow_objtype *type,
			   gfp_t gfp);
void shadow_obj_dtor_merged(void *obj, struct shadow_objtype *type);

/*
 * Lazy counters: ctor_lazy allocates every region but the counters, which
 * start in atomic mode; lazy_upgrade gives them their percpu memory.
 */
unsigned int shadow_objtype_nr_counters(const struct shadow_objtype *type);
int shadow_obj_ctor_lazy(void *obj, struct shadow_objtype *type, gfp_t gfp);
int shadow_obj_lazy_upgrade(void *obj, struct shadow_objtype *type,
			    gfp_t gfp);
void shadow_obj_dtor_lazy(void *obj, struct shadow_objtype *type);

/*
 * One use of a constructed object, as the kernel uses a new mm: begin
 * clears the caller-owned bytes and resets mm_cid on every possible CPU
 * (mm_init_cid()); use adds to and subtracts from the counters on this
 * CPU (use_up, then use_down); check verifies that every counter sums to
 * zero (check_mm()).  Counters in atomic mode (lazy) are used as such.
 */
void shadow_obj_begin(const struct shadow_objtype *type, void *obj);
void shadow_obj_use_up(const struct shadow_objtype *type, void *obj);
void shadow_obj_use_down(const struct shadow_objtype *type, void *obj);
void shadow_obj_use(const struct shadow_objtype *type, void *obj);
bool shadow_obj_check(const struct shadow_objtype *type, void *obj);

/* Percpu allocations and frees the module has made, since load. */
u64 shadow_percpu_allocs(void);
u64 shadow_percpu_frees(void);

#endif /* _SHADOWSLAB_PROFILES_H */
