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

int shadow_profiles_init(void);
void shadow_profiles_exit(void);

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

/* Constructor and destructor; @type is the struct shadow_objtype. */
int shadow_obj_ctor(void *obj, void *type, gfp_t gfp);
void shadow_obj_dtor(void *obj, void *type);

/*
 * One use of a constructed object, as the kernel uses a new mm: begin
 * clears the caller-owned bytes and resets mm_cid on every possible CPU
 * (mm_init_cid()); use adds to and subtracts from the counters on this
 * CPU; check verifies that every counter sums to zero (check_mm()).
 */
void shadow_obj_begin(const struct shadow_objtype *type, void *obj);
void shadow_obj_use(const struct shadow_objtype *type, void *obj);
bool shadow_obj_check(const struct shadow_objtype *type, void *obj);

/* Percpu allocations and frees the module has made, since load. */
u64 shadow_percpu_allocs(void);
u64 shadow_percpu_frees(void);

#endif /* _SHADOWSLAB_PROFILES_H */
