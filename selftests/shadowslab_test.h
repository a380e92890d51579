/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowslab_test.h - what every C test of shadowslab shares on top of
 * kselftest.h, the selftests here (test_*.c) and the stress programs
 * (the C programs in stress/) alike:
 *
 *  - the preconditions, with kselftest's skip convention, and the device:
 *    dev_fd, and what INFO said when it was opened (dev_info);
 *  - errno names for the diagnostics, since "expected ENOTTY, got EINVAL"
 *    says more than two numbers;
 *  - TAP points made of several checks, each failed check saying why;
 *  - thin wrappers of the cache and RUN ioctls, returning 0 or the errno;
 *    the caches a process creates are tracked, so cleanup_all() can
 *    destroy what a failing test left;
 *  - the accounting identities a quiescent cache must satisfy;
 *  - CPU lists and pinning, the workload scale, and waiting for a run or a
 *    child process, bounded: the tests wait for states, never time them.
 *
 * Everything here is static (inline): each test program is one file.
 */
#ifndef _SHADOWSLAB_TEST_H
#define _SHADOWSLAB_TEST_H

/* The Makefiles define _GNU_SOURCE, for sched_setaffinity() and CPU_SET. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest.h"
#include "shadowslab.h"

typedef unsigned long long u64;

#define SHADOWSLAB_UNUSED	__attribute__((unused))

/* The module's default objects per magazine (kmod/shadow_cache.h). */
#define DEFAULT_MAGAZINE	15
/* The module's limits: caches, and objects per ALLOC or FREE. */
#define MAX_CACHES		64
#define MAX_OBJS_PER_CALL	(1U << 20)

static const char *const errno_names[] = {
	[EPERM] = "EPERM",
	[ENOENT] = "ENOENT",
	[EINTR] = "EINTR",
	[EIO] = "EIO",
	[ENXIO] = "ENXIO",
	[E2BIG] = "E2BIG",
	[EBADF] = "EBADF",
	[EAGAIN] = "EAGAIN",
	[ENOMEM] = "ENOMEM",
	[EACCES] = "EACCES",
	[EFAULT] = "EFAULT",
	[EBUSY] = "EBUSY",
	[EEXIST] = "EEXIST",
	[ENODEV] = "ENODEV",
	[EINVAL] = "EINVAL",
	[ENOTTY] = "ENOTTY",
	[ENODATA] = "ENODATA",
	[EOPNOTSUPP] = "EOPNOTSUPP",
};

/*
 * "EPERM" for EPERM, "0" for success, "errno 123" for the rest; that last
 * form lives in one static buffer, so one unknown errno per printf.
 */
static inline const char *errno_name(int err)
{
	static char buf[24];

	if (err == 0)
		return "0";
	if (err > 0 && err < (int)ARRAY_SIZE(errno_names) && errno_names[err])
		return errno_names[err];
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * Start a test program: line-buffered output, so that a test which times
 * out or crashes still shows how far it got, then the TAP header.  Every
 * test here needs root (the device is 0600 and needs CAP_SYS_ADMIN) and
 * the module, which run_tests.sh loads: without either it skips.
 */
static inline void shadowslab_test_start(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (geteuid() != 0)
		ksft_exit_skip("must be run as root (euid %u)\n", geteuid());
	if (access("/sys/module/shadowslab", F_OK))
		ksft_exit_skip("shadowslab is not loaded (run_tests.sh loads it)\n");
}

/* Open the device, which a loaded module must have: failing is fatal. */
static inline int shadowslab_open(void)
{
	int fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		ksft_exit_fail_msg("open %s: expected success, got %s\n",
				   SHADOWSLAB_DEVICE_PATH, errno_name(errno));
	return fd;
}

/* ---------------------------------------------------------- TAP points */

/*
 * One TAP point made of several checks: each failed check prints why, and
 * the point fails; point_end() reports it.
 */
struct point {
	char name[200];
	bool ok;
};

static inline __attribute__((format(printf, 2, 3)))
void point_init(struct point *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->name, sizeof(p->name), fmt, ap);
	va_end(ap);
	p->ok = true;
}

static inline void point_end(struct point *p)
{
	ksft_test_result(p->ok, "%s\n", p->name);
}

static inline void expect_u64(struct point *p, const char *what,
			      unsigned long long expected,
			      unsigned long long got)
{
	if (expected == got)
		return;
	ksft_print_msg("%s: %s: expected %llu, got %llu\n", p->name, what,
		       expected, got);
	p->ok = false;
}

static inline void expect_err(struct point *p, const char *what,
			      int expected, int got)
{
	if (expected == got)
		return;
	ksft_print_msg("%s: %s: expected %s, got %s\n", p->name, what,
		       errno_name(expected), errno_name(got));
	p->ok = false;
}

/* A check that is not an equality: fmt says what was expected and got. */
static inline __attribute__((format(printf, 3, 4)))
bool expect(struct point *p, bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	printf("# %s: ", p->name);
	vprintf(fmt, ap);
	va_end(ap);
	p->ok = false;
	return false;
}

/* A point of one call that must return @expected. */
static inline void result_err(const char *name, int got, int expected)
{
	if (got != expected)
		ksft_print_msg("%s: expected %s, got %s\n", name,
			       errno_name(expected), errno_name(got));
	if (expected)
		ksft_test_result(got == expected, "%s: %s\n", name,
				 errno_name(expected));
	else
		ksft_test_result(got == expected, "%s\n", name);
}

/* ------------------------------------------------------------- time */

static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ------------------------------------------------------------- files */

/* Write @val to @path (sysfs, procfs): 0 or the errno. */
static inline int write_file(const char *path, const char *val)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (f < 0)
		return errno;
	if (write(f, val, strlen(val)) < 0)
		err = errno;
	close(f);
	return err;
}

/* /proc/meminfo FIELD: in kB, or -1. */
static inline long meminfo_kb(const char *field)
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

/* ------------------------------------------------------------- CPUs */

/* Parse a sysfs CPU list ("0-3,5") into ids; the count, or -1. */
static inline int read_cpulist(const char *path, __u32 *cpus, unsigned int max)
{
	char buf[512], *s = buf, *end;
	FILE *f = fopen(path, "re");
	unsigned long a, b;
	unsigned int n = 0;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	while (*s) {
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && n < max; a++)
			cpus[n++] = a;
		if (*end != ',')
			break;
		s = end + 1;
	}
	return n;
}

/* The online CPUs, at least one (CPU 0 if sysfs cannot say). */
static inline int online_cpus(__u32 *cpus, unsigned int max)
{
	int n = read_cpulist("/sys/devices/system/cpu/online", cpus, max);

	if (n <= 0) {
		cpus[0] = 0;
		n = 1;
	}
	return n;
}

static inline int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? errno : 0;
}

/* Any CPU again; the kernel keeps the online ones. */
static inline void unpin(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* ------------------------------------------------------------- scale */

/*
 * The number in environment variable @var: a positive scale (at most
 * 1000), 1 when unset; a malformed one fails the test.
 */
static inline double shadowslab_scale(const char *var)
{
	const char *s = getenv(var);
	double scale;
	char *end;

	if (!s || !*s)
		return 1.0;
	scale = strtod(s, &end);
	if (*end || !(scale > 0) || scale > 1000)
		ksft_exit_fail_msg("%s must be a number in (0, 1000], not '%s'\n",
				   var, s);
	return scale;
}

/* @n times @scale, rounded, at least @min. */
static inline u64 scale_count(u64 n, u64 min, double scale)
{
	double v = (double)n * scale;

	return v < (double)min ? min : (u64)(v + 0.5);
}

/*
 * @n times SHADOWSLAB_TEST_SCALE (run_tests.sh --scale; default 1), at
 * least @min: the workload sizes shrink on slow kernels, and the tests
 * assert counts computed from the scaled value, never timing.
 */
static inline u64 shadowslab_test_scaled(u64 n, u64 min)
{
	return scale_count(n, min, shadowslab_scale("SHADOWSLAB_TEST_SCALE"));
}

/* ------------------------------------------------------------- ioctls */

/* The device, and INFO when it was opened: shadowslab_device() sets them. */
static int dev_fd SHADOWSLAB_UNUSED = -1;
static struct shadowslab_info dev_info SHADOWSLAB_UNUSED;

static inline int ioctl_err(unsigned long cmd, void *arg)
{
	return ioctl(dev_fd, cmd, arg) ? errno : 0;
}

static inline int get_info(struct shadowslab_info *out)
{
	memset(out, 0, sizeof(*out));
	return ioctl_err(SHADOWSLAB_IOC_INFO, out);
}

/* Open the device into dev_fd and read INFO into dev_info; fatal if not. */
static inline void shadowslab_device(void)
{
	int err;

	dev_fd = shadowslab_open();
	err = get_info(&dev_info);
	if (err)
		ksft_exit_fail_msg("INFO: expected success, got %s\n",
				   errno_name(err));
}

/* Module-wide percpu allocations not yet freed, from INFO. */
static inline long long module_balance(void)
{
	struct shadowslab_info i;
	int err = get_info(&i);

	if (err)
		ksft_exit_fail_msg("INFO: expected success, got %s\n",
				   errno_name(err));
	return (long long)(i.percpu_allocs - i.percpu_frees);
}

/* Caches this process created and has not destroyed yet. */
static __u32 created[128] SHADOWSLAB_UNUSED;
static unsigned int nr_created SHADOWSLAB_UNUSED;

static inline void track(__u32 id)
{
	if (nr_created < ARRAY_SIZE(created))
		created[nr_created++] = id;
}

static inline void untrack(__u32 id)
{
	unsigned int i;

	for (i = 0; i < nr_created; i++) {
		if (created[i] == id) {
			created[i] = created[--nr_created];
			return;
		}
	}
}

static inline int cache_create_spec(const struct shadowslab_profile_spec *spec,
				    const char *name, __u32 flags,
				    __u32 magazine, __u32 *id)
{
	struct shadowslab_cache_create req = {
		.spec = *spec,
		.flags = flags,
		.magazine_size = magazine,
	};
	unsigned int i;
	int err;

	/* Cut to the field, NUL-terminated: the module checks the name. */
	for (i = 0; name && name[i] && i < sizeof(req.name) - 1; i++)
		req.name[i] = name[i];
	err = ioctl_err(SHADOWSLAB_IOC_CACHE_CREATE, &req);
	if (!err) {
		*id = req.id;
		track(req.id);
	}
	return err;
}

/* The cheapest object: 64 bytes and one 8-byte percpu region (CUSTOM). */
static inline struct shadowslab_profile_spec small_object_spec(void)
{
	struct shadowslab_profile_spec spec = {
		.profile = SHADOWSLAB_PROFILE_CUSTOM,
		.nr_regions = 1,
		.object_size = 64,
		.regions = { { 8, 8 } },
	};

	return spec;
}

static inline int cache_create(__u32 profile, const char *name, __u32 flags,
			       __u32 magazine, __u32 *id)
{
	struct shadowslab_profile_spec spec = { .profile = profile };

	return cache_create_spec(&spec, name, flags, magazine, id);
}

static inline int cache_destroy(__u32 id, struct shadowslab_cache_destroy *out)
{
	struct shadowslab_cache_destroy req = { .id = id };
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_DESTROY, &req);

	if (!err)
		untrack(id);
	if (out)
		*out = req;
	return err;
}

static inline int cache_objs(unsigned long cmd, __u32 id, __u32 count,
			     struct shadowslab_cache_objs *out)
{
	struct shadowslab_cache_objs req = { .id = id, .count = count };
	int err = ioctl_err(cmd, &req);

	if (out)
		*out = req;
	return err;
}

static inline int cache_alloc(__u32 id, __u32 count,
			      struct shadowslab_cache_objs *out)
{
	return cache_objs(SHADOWSLAB_IOC_CACHE_ALLOC, id, count, out);
}

static inline int cache_free(__u32 id, __u32 count,
			     struct shadowslab_cache_objs *out)
{
	return cache_objs(SHADOWSLAB_IOC_CACHE_FREE, id, count, out);
}

static inline int cache_shrink(__u32 id, __u32 flags,
			       struct shadowslab_cache_shrink *out)
{
	struct shadowslab_cache_shrink req = { .id = id, .flags = flags };
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_SHRINK, &req);

	if (out)
		*out = req;
	return err;
}

static inline int cache_stats(__u32 id, struct shadowslab_cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	return ioctl_err(SHADOWSLAB_IOC_CACHE_STATS, st);
}

/*
 * The fault knob.  Only the fields that apply to @mode are passed (the
 * module rejects the others when not 0), so callers may pass all three.
 */
static inline int cache_fault(__u32 id, __u32 mode, __u32 nth, __u32 ppm,
			      __u64 seed, __u64 *injected)
{
	struct shadowslab_cache_fault req = { .id = id, .mode = mode };
	int err;

	if (mode == SHADOWSLAB_FAULT_EVERY_NTH) {
		req.nth = nth;
	} else if (mode == SHADOWSLAB_FAULT_PROBABILITY) {
		req.probability_ppm = ppm;
		req.seed = seed;
	}
	err = ioctl_err(SHADOWSLAB_IOC_CACHE_FAULT, &req);

	if (!err && injected)
		*injected = req.injected;
	return err;
}

static inline int cache_list(__u32 *ids, __u32 capacity, __u32 *count)
{
	struct shadowslab_cache_list req = {
		.ids_ptr = (uintptr_t)ids, .capacity = capacity,
	};
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_LIST, &req);

	*count = req.count;
	return err;
}

static inline __u32 cache_count(void)
{
	__u32 count = 0;
	int err = cache_list(NULL, 0, &count);

	if (err)
		ksft_exit_fail_msg("LIST: expected success, got %s\n",
				   errno_name(err));
	return count;
}

/* The ids of every cache, up to MAX_CACHES; the count. */
static inline unsigned int list_ids(__u32 *ids)
{
	__u32 count = 0;

	if (cache_list(ids, MAX_CACHES, &count))
		return 0;
	return count < MAX_CACHES ? count : MAX_CACHES;
}

/*
 * Give everything back and destroy, retrying DESTROY a while on EBUSY
 * (another process may be inside an ioctl on the cache).  0 or the errno
 * of the last DESTROY.
 */
static inline int cache_cleanup(__u32 id, struct shadowslab_cache_destroy *out)
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

/* Destroy every cache this process created and still has (at exit). */
static inline void cleanup_all(void)
{
	int err;

	while (nr_created) {
		__u32 id = created[nr_created - 1];

		err = cache_cleanup(id, NULL);
		if (err)
			ksft_print_msg("cleanup: DESTROY cache %u: %s\n", id,
				       errno_name(err));
		untrack(id);
	}
}

static inline int progress(struct shadowslab_run_progress *p)
{
	/* Not zeroed: the module must write every field. */
	memset(p, 0xa5, sizeof(*p));
	return ioctl_err(SHADOWSLAB_IOC_RUN_PROGRESS, p);
}

/* -------------------------------------------------------- accounting */

/* Percpu bytes one object owns: its regions on every possible CPU. */
static inline u64 obj_percpu_bytes(const struct shadowslab_cache_stats *st)
{
	u64 bytes = 0;
	unsigned int i;

	for (i = 0; i < st->spec.nr_regions && i < SHADOWSLAB_MAX_REGIONS; i++)
		bytes += st->spec.regions[i].size;
	return bytes * dev_info.nr_possible_cpus;
}

static inline u64 constructed(const struct shadowslab_cache_stats *st)
{
	return st->ctor_calls - st->ctor_failures - st->dtor_calls;
}

/*
 * The identities every quiescent cache satisfies (deferred destructors
 * drained or accounted for); @when says where the test is:
 *
 *   ctor_calls - ctor_failures - dtor_calls
 *       == slabs_current * objs_per_slab + deferred_dtor_pending
 *   objs_in_use + objs_in_magazines + objs_in_depot + objs_free_in_slabs
 *       == slabs_current * objs_per_slab
 *   objs_in_depot == depot_full_magazines * magazine_size
 *   percpu_bytes == constructed * (sum of the region sizes * possible CPUs)
 *   objs_in_use == objs_held
 */
static inline void expect_accounting(struct point *p, const char *when,
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

static inline bool stats_ok(struct point *p, __u32 id,
			    struct shadowslab_cache_stats *st)
{
	int err = cache_stats(id, st);

	expect_err(p, "STATS", 0, err);
	return !err;
}

/* Wait for the deferred destructors, bounded: a workqueue, not timing. */
static inline bool wait_dtor_drained(__u32 id,
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
static inline void expect_destroy_balance(struct point *p, __u32 id)
{
	struct shadowslab_cache_destroy d;
	int err = cache_cleanup(id, &d);

	expect_err(p, "DESTROY", 0, err);
	if (err)
		return;
	expect(p, d.ctor_calls > 0, "DESTROY: expected ctor_calls > 0, got 0\n");
	expect_u64(p, "DESTROY: dtor_calls vs ctor_calls - ctor_failures",
		   d.ctor_calls - d.ctor_failures, d.dtor_calls);
}

/* ------------------------------------------------------------- runs */

/* Warm-up cycles per thread of run_init(); a test may define its own. */
#ifndef RUN_WARMUP_CYCLES
#define RUN_WARMUP_CYCLES	10
#endif
/* The share of lazy's cycles that go multi-threaded, in ppm; likewise. */
#ifndef RUN_MT_FRACTION_PPM
#define RUN_MT_FRACTION_PPM	0
#endif

/* A RUN with RUN_CHECK on; @cycles or @duration_ns, the other 0. */
static inline void run_init(struct shadowslab_run *r, __u32 strategy,
			    __u32 profile, const __u32 *cpus, __u32 nr_cpus,
			    u64 cycles, u64 duration_ns,
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
	r->warmup_cycles = RUN_WARMUP_CYCLES;
	r->results_ptr = (uintptr_t)res;
	r->result_size = sizeof(struct shadowslab_thread_result);
	r->mt_fraction_ppm = RUN_MT_FRACTION_PPM;
}

static inline int do_run(struct shadowslab_run *r)
{
	return ioctl_err(SHADOWSLAB_IOC_RUN, r);
}

static SHADOWSLAB_UNUSED void shadowslab_on_signal(int sig)
{
	(void)sig;
}

/* SIGINT and SIGTERM without SA_RESTART: the signal must reach RUN. */
static inline void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = shadowslab_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Poll RUN_PROGRESS until a run is in @phase (with timed cycles done if
 * that is the timed phase); false if @pid (if > 0) exits first or after
 * @seconds.
 */
static inline bool wait_phase(pid_t pid, __u32 phase, int seconds,
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
static inline int reap(pid_t pid, int seconds)
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

#endif /* _SHADOWSLAB_TEST_H */
