/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress.h - what the stress programs (fuzz_ioctl, concurrency,
 * stress_helper) share on top of ../shadowslab_test.h: the iteration
 * scale, a seeded PRNG, TAP points with reasons, thin ioctl wrappers, the
 * cache accounting identities of test_cache.c, CPU lists and a cleanup
 * that destroys every cache a test left.
 *
 * STRESS_SCALE (a positive number, default 1) scales every iteration
 * count: the debug-kernel lane, ~50x slower, runs with e.g. 0.1.  Every
 * count printed is the real one.
 */
#ifndef _SHADOWSLAB_STRESS_H
#define _SHADOWSLAB_STRESS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>

#include "shadowslab_test.h"

#define STRESS_UNUSED	__attribute__((unused))
#define STRESS_NOINLINE	__attribute__((__noinline__))

/*
 * Flags shared between processes (in MAP_SHARED memory) or with a signal
 * handler: one atomic load or store each, so the compiler can neither
 * cache them in a register nor tear them.
 */
#define FLAG_READ(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define FLAG_WRITE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

typedef unsigned long long u64;

static int fd = -1;
static struct shadowslab_info info;

/* ------------------------------------------------------------- scale */

static STRESS_UNUSED double stress_scale(void)
{
	const char *s = getenv("STRESS_SCALE");
	char *end;
	double v;

	if (!s || !*s)
		return 1.0;
	v = strtod(s, &end);
	if (*end || !(v > 0) || v > 1000)
		return 1.0;
	return v;
}

/* @n scaled, at least @min. */
static STRESS_UNUSED u64 scaled(u64 n, u64 min)
{
	double v = (double)n * stress_scale();

	return v < (double)min ? min : (u64)(v + 0.5);
}

/* ------------------------------------------------------------ PRNG */

/* splitmix64: tiny, seedable, good enough to pick inputs. */
static u64 rng_state;

static STRESS_UNUSED void rng_seed(u64 seed)
{
	rng_state = seed;
}

static STRESS_UNUSED u64 rnd64(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static STRESS_UNUSED u64 rnd(u64 n)
{
	return n ? rnd64() % n : 0;
}

/* True with probability num/den. */
static STRESS_UNUSED bool chance(unsigned int num, unsigned int den)
{
	return rnd(den) < num;
}

/* STRESS_SEED if set, else from the clock and pid; printed by the caller. */
static STRESS_UNUSED u64 stress_seed(void)
{
	const char *s = getenv("STRESS_SEED");
	struct timespec ts;

	if (s && *s)
		return strtoull(s, NULL, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((u64)ts.tv_sec * 1000000007ULL) ^ (u64)ts.tv_nsec ^
	       ((u64)getpid() << 32);
}

/* ------------------------------------------------------------ time */

static STRESS_UNUSED u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static STRESS_UNUSED void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ------------------------------------------------------------- ioctls */

static STRESS_UNUSED int ioctl_err(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static STRESS_UNUSED int get_info(struct shadowslab_info *out)
{
	memset(out, 0, sizeof(*out));
	return ioctl_err(SHADOWSLAB_IOC_INFO, out);
}

/* Module-wide percpu allocations not yet freed, from INFO. */
static STRESS_UNUSED long long module_balance(void)
{
	struct shadowslab_info i;

	if (get_info(&i))
		ksft_exit_fail_msg("INFO: expected success, got %s\n",
				   errno_name(errno));
	return (long long)(i.percpu_allocs - i.percpu_frees);
}

static STRESS_UNUSED int cache_create_spec(const struct shadowslab_profile_spec *spec,
					   const char *name, __u32 flags,
					   __u32 magazine, __u32 *id)
{
	struct shadowslab_cache_create req = {
		.spec = *spec,
		.flags = flags,
		.magazine_size = magazine,
	};
	int err;

	if (name)
		strncpy(req.name, name, sizeof(req.name) - 1);
	err = ioctl_err(SHADOWSLAB_IOC_CACHE_CREATE, &req);
	if (!err)
		*id = req.id;
	return err;
}

static STRESS_UNUSED int cache_create(__u32 profile, const char *name,
				      __u32 flags, __u32 magazine, __u32 *id)
{
	struct shadowslab_profile_spec spec = { .profile = profile };

	return cache_create_spec(&spec, name, flags, magazine, id);
}

static STRESS_UNUSED int cache_destroy(__u32 id,
				       struct shadowslab_cache_destroy *out)
{
	struct shadowslab_cache_destroy req = { .id = id };
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_DESTROY, &req);

	if (out)
		*out = req;
	return err;
}

static STRESS_UNUSED int cache_objs(unsigned long cmd, __u32 id, __u32 count,
				    struct shadowslab_cache_objs *out)
{
	struct shadowslab_cache_objs req = { .id = id, .count = count };
	int err = ioctl_err(cmd, &req);

	if (out)
		*out = req;
	return err;
}

static STRESS_UNUSED int cache_alloc(__u32 id, __u32 count,
				     struct shadowslab_cache_objs *out)
{
	return cache_objs(SHADOWSLAB_IOC_CACHE_ALLOC, id, count, out);
}

static STRESS_UNUSED int cache_free(__u32 id, __u32 count,
				    struct shadowslab_cache_objs *out)
{
	return cache_objs(SHADOWSLAB_IOC_CACHE_FREE, id, count, out);
}

static STRESS_UNUSED int cache_shrink(__u32 id, __u32 flags,
				      struct shadowslab_cache_shrink *out)
{
	struct shadowslab_cache_shrink req = { .id = id, .flags = flags };
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_SHRINK, &req);

	if (out)
		*out = req;
	return err;
}

static STRESS_UNUSED int cache_stats(__u32 id,
				     struct shadowslab_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	return ioctl_err(SHADOWSLAB_IOC_CACHE_STATS, st);
}

static STRESS_UNUSED int cache_fault(__u32 id, __u32 mode, __u32 nth,
				     __u32 ppm, __u64 seed, __u64 *injected)
{
	struct shadowslab_cache_fault req = {
		.id = id, .mode = mode, .nth = nth,
		.probability_ppm = ppm, .seed = seed,
	};
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_FAULT, &req);

	if (!err && injected)
		*injected = req.injected;
	return err;
}

static STRESS_UNUSED int cache_list(__u32 *ids, __u32 capacity,
				    __u32 *count)
{
	struct shadowslab_cache_list req = {
		.ids_ptr = (uintptr_t)ids, .capacity = capacity,
	};
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_LIST, &req);

	*count = req.count;
	return err;
}

static STRESS_UNUSED __u32 cache_count(void)
{
	__u32 count = 0;

	if (cache_list(NULL, 0, &count))
		ksft_exit_fail_msg("LIST: expected success, got %s\n",
				   errno_name(errno));
	return count;
}

static STRESS_UNUSED int progress(struct shadowslab_run_progress *p)
{
	memset(p, 0, sizeof(*p));
	return ioctl_err(SHADOWSLAB_IOC_RUN_PROGRESS, p);
}

/*
 * Give everything back and destroy, retrying DESTROY a while on EBUSY
 * (another process may be inside an ioctl on the cache).  0 or the errno
 * of the last DESTROY.
 */
static STRESS_UNUSED int cache_cleanup(__u32 id,
				       struct shadowslab_cache_destroy *out)
{
	int err = 0, i;

	for (i = 0; i < 500; i++) {
		cache_fault(id, SHADOWSLAB_FAULT_OFF, 0, 0, 0, NULL);
		cache_free(id, 0, NULL);
		err = cache_destroy(id, out);
		if (err != EBUSY)
			break;
		sleep_ms(10);
	}
	return err;
}

/* The ids of every cache, up to 64 (the module's limit); the count. */
#define MAX_CACHES	64
static STRESS_UNUSED unsigned int list_ids(__u32 *ids)
{
	__u32 count = 0;

	if (cache_list(ids, MAX_CACHES, &count))
		return 0;
	return count < MAX_CACHES ? count : MAX_CACHES;
}

/*
 * Destroy every cache not in @keep (nr_keep ids); the number destroyed,
 * and *failed the ones that would not go.
 */
static STRESS_UNUSED unsigned int cleanup_caches_except(const __u32 *keep,
							unsigned int nr_keep,
							unsigned int *failed)
{
	__u32 ids[MAX_CACHES];
	unsigned int n = list_ids(ids), i, j, done = 0;
	int err;

	*failed = 0;
	for (i = 0; i < n; i++) {
		bool kept = false;

		for (j = 0; j < nr_keep; j++)
			kept |= keep[j] == ids[i];
		if (kept)
			continue;
		err = cache_cleanup(ids[i], NULL);
		if (err && err != ENOENT) {
			ksft_print_msg("cleanup: DESTROY cache %u: %s\n", ids[i],
				       errno_name(err));
			(*failed)++;
		} else {
			done++;
		}
	}
	return done;
}

/* -------------------------------------------------------- accounting */

/* Percpu bytes one object owns: its regions on every possible CPU. */
static STRESS_UNUSED u64 obj_percpu_bytes(const struct shadowslab_cache_stats *st)
{
	u64 bytes = 0;
	unsigned int i;

	for (i = 0; i < st->spec.nr_regions && i < SHADOWSLAB_MAX_REGIONS; i++)
		bytes += st->spec.regions[i].size;
	return bytes * info.nr_possible_cpus;
}

static STRESS_UNUSED u64 constructed(const struct shadowslab_cache_stats *st)
{
	return st->ctor_calls - st->ctor_failures - st->dtor_calls;
}

/*
 * The identities of test_cache.c, exact whenever the cache is quiescent
 * (deferred destructors drained or accounted for); @when says where.
 */
static STRESS_UNUSED void expect_accounting(struct point *p, const char *when,
					    const struct shadowslab_cache_stats *st)
{
	u64 slab_objs = st->slabs_current * st->objs_per_slab;
	u64 where = st->objs_in_use + st->objs_in_magazines +
		    st->objs_in_depot + st->objs_free_in_slabs;
	char what[240];

	snprintf(what, sizeof(what),
		 "%s (cache %u): ctor_calls - ctor_failures - dtor_calls (%llu - %llu - %llu) vs slabs_current * objs_per_slab (%llu * %u) + deferred_dtor_pending (%llu)",
		 when, st->id, st->ctor_calls, st->ctor_failures,
		 st->dtor_calls, st->slabs_current, st->objs_per_slab,
		 st->deferred_dtor_pending);
	expect_u64(p, what, slab_objs + st->deferred_dtor_pending,
		   constructed(st));
	snprintf(what, sizeof(what),
		 "%s (cache %u): objs_in_use + objs_in_magazines + objs_in_depot + objs_free_in_slabs (%llu + %llu + %llu + %llu) vs slabs_current * objs_per_slab",
		 when, st->id, st->objs_in_use, st->objs_in_magazines,
		 st->objs_in_depot, st->objs_free_in_slabs);
	expect_u64(p, what, slab_objs, where);
	snprintf(what, sizeof(what),
		 "%s (cache %u): objs_in_depot vs depot_full_magazines (%llu) * magazine_size (%u)",
		 when, st->id, st->depot_full_magazines, st->magazine_size);
	expect_u64(p, what, st->depot_full_magazines * st->magazine_size,
		   st->objs_in_depot);
	snprintf(what, sizeof(what),
		 "%s (cache %u): percpu_bytes vs constructed (%llu) * per-object percpu bytes (%llu)",
		 when, st->id, constructed(st), obj_percpu_bytes(st));
	expect_u64(p, what, constructed(st) * obj_percpu_bytes(st),
		   st->percpu_bytes);
	snprintf(what, sizeof(what), "%s (cache %u): objs_in_use vs objs_held",
		 when, st->id);
	expect_u64(p, what, st->objs_held, st->objs_in_use);
}

/* Wait for the deferred destructors, bounded: a workqueue, not timing. */
static STRESS_UNUSED bool wait_dtor_drained(__u32 id,
					    struct shadowslab_cache_stats *st)
{
	int i;

	for (i = 0; i < 3000; i++) {
		if (cache_stats(id, st))
			return false;
		if (!st->deferred_dtor_pending)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Destroy, and check that every constructed object was destroyed. */
static STRESS_UNUSED void expect_destroy_balance(struct point *p, __u32 id)
{
	struct shadowslab_cache_destroy d;
	int err = cache_cleanup(id, &d);

	expect_err(p, "DESTROY", 0, err);
	if (err)
		return;
	expect_u64(p, "DESTROY: dtor_calls vs ctor_calls - ctor_failures",
		   d.ctor_calls - d.ctor_failures, d.dtor_calls);
}

/* --------------------------------------------------------------- CPUs */

static STRESS_UNUSED int online_cpus(__u32 *cpus, unsigned int max)
{
	int n = read_cpulist("/sys/devices/system/cpu/online", cpus, max);

	if (n <= 0) {
		cpus[0] = 0;
		n = 1;
	}
	return n;
}

static STRESS_UNUSED int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

static STRESS_UNUSED void unpin(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ------------------------------------------------------------- runs */

static STRESS_UNUSED void run_init(struct shadowslab_run *r, __u32 strategy,
				   __u32 profile, const __u32 *cpus,
				   __u32 nr_cpus, u64 cycles, u64 duration_ns,
				   struct shadowslab_thread_result *res)
{
	memset(r, 0, sizeof(*r));
	r->spec.profile = profile;
	r->strategy = strategy;
	r->flags = SHADOWSLAB_RUN_CHECK;
	r->nr_cpus = nr_cpus;
	r->cpus_ptr = (uintptr_t)cpus;
	r->cycles = cycles;
	r->duration_ns = duration_ns;
	r->warmup_cycles = 10;
	r->results_ptr = (uintptr_t)res;
	r->result_size = sizeof(struct shadowslab_thread_result);
}

/* No SA_RESTART: the signal must reach RUN, which then returns. */
static void stress_on_signal(int sig)
{
	(void)sig;
}

static STRESS_UNUSED void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stress_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Poll RUN_PROGRESS until a run is in @phase (with timed cycles done if
 * that is the timed phase); false if @pid (if > 0) exits first or after
 * @seconds.  Waiting for a state, not measuring time.
 */
static STRESS_UNUSED bool wait_phase(pid_t pid, __u32 phase, int seconds,
				     struct shadowslab_run_progress *pr)
{
	int i, status;

	for (i = 0; i < seconds * 100; i++) {
		if (progress(pr) == 0 && pr->phase == phase &&
		    (phase != SHADOWSLAB_PHASE_TIMED || pr->cycles > 0))
			return true;
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
			ksft_print_msg("process %d exited (status 0x%x) before the run reached phase %u\n",
				       pid, status, phase);
			return false;
		}
		sleep_ms(10);
	}
	ksft_print_msg("no phase %u within %d s: last RUN_PROGRESS phase %u, cycles %llu\n",
		       phase, seconds, pr->phase, pr->cycles);
	return false;
}

/* Reap @pid, killing it if it does not exit by itself in @seconds. */
static STRESS_UNUSED int reap(pid_t pid, int seconds)
{
	int i, status = 0;

	for (i = 0; i < seconds * 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(10);
	}
	ksft_print_msg("process %d did not exit in %d s: SIGKILL\n", pid,
		       seconds);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/* /proc/meminfo FIELD: in kB, or -1. */
static STRESS_UNUSED long meminfo_kb(const char *field)
{
	char line[256], want[64];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "%s: %%ld kB", field);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, want, &kb) == 1)
			break;
	fclose(f);
	return kb;
}

#endif /* _SHADOWSLAB_STRESS_H */
