// SPDX-License-Identifier: GPL-2.0
/*
 * test_cache - the shadow cache, through the CACHE_* ioctls (issue 3).
 *
 * The cache keeps objects constructed, with their percpu memory, in three
 * layers (CPU magazines, the depot, slabs) and must never lose or leak
 * one.  Everything it reports in STATS is tied together by identities
 * that hold exactly whenever the cache is quiescent:
 *
 *   ctor_calls - ctor_failures - dtor_calls
 *       == slabs_current * objs_per_slab + deferred_dtor_pending
 *   objs_in_use + objs_in_magazines + objs_in_depot + objs_free_in_slabs
 *       == slabs_current * objs_per_slab
 *   objs_in_depot == depot_full_magazines * magazine_size
 *   percpu_bytes == constructed * (sum of the region sizes * possible CPUs)
 *
 * so after every step this test checks them, and the ALLOC/FREE views
 * (objs_in_use == objs_held == what ALLOC handed out).  On top of that:
 *
 *  1. accounting after ALLOC and FREE;
 *  2. every profile: create, alloc, free, destroy; DESTROY's balance, the
 *     module-wide INFO percpu_allocs - percpu_frees, and /proc/meminfo's
 *     Percpu: all come back (Percpu: within a chunk's worth, 256 kB);
 *  3. DESTROY refused with EBUSY while objects are held, changing nothing;
 *     CREATE whose id cannot be written back leaves no cache; ALLOC killed
 *     by SIGKILL returns EINTR (seen at the sys_exit_ioctl tracepoint);
 *  4. constructor failure (FAULT every-Nth, FAULT with a probability):
 *     ALLOC stops early, no half-built slab, and the cache works after;
 *  5. SHRINK with PURGE empties the cache; plain SHRINK keeps the depot's
 *     working set, so a second one releases what the first kept unused;
 *     the working set is recomputed by its timer, not by shrinker scans;
 *  6. the shrinker, through drop_caches, for a normal cache and one with
 *     deferred destructors;
 *  7. CPU offline drains that CPU's magazines and loses nothing;
 *  8. one child per online CPU hammering the same cache;
 *  9. every malformed argument of the cache commands, FAULT's per-mode
 *     fields and reserved field among them.
 *
 * Every cache the test creates is destroyed, on failure paths too (an
 * atexit handler destroys what is left); the last points check that no
 * cache is left and the module's percpu allocations balance.
 */
#include <sys/mman.h>
#include <sys/stat.h>

#include "shadowslab_test.h"

#define PERCPU_TOLERANCE_KB	256

/* --------------------------------------------------------------- CPUs */

/* Parse a sysfs CPU list ("0-3,5") into a set; 0 or -1. */
static int read_cpuset(const char *path, cpu_set_t *set)
{
	__u32 cpus[CPU_SETSIZE];
	int i, n = read_cpulist(path, cpus, CPU_SETSIZE);

	CPU_ZERO(set);
	for (i = 0; i < n; i++)
		CPU_SET(cpus[i], set);
	return n < 0 ? -1 : 0;
}

#define CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"
static bool cpu1_offlined;

static void restore_cpu1(void)
{
	int err;

	if (!cpu1_offlined)
		return;
	err = write_file(CPU1_ONLINE, "1");
	if (err)
		ksft_print_msg("could not bring CPU 1 back online: %s\n",
			       errno_name(err));
	else
		cpu1_offlined = false;
}

static void at_exit(void)
{
	restore_cpu1();
	cleanup_all();
}

/* ------------------------------------------------------ 1. accounting */

#define ACCT_OBJS	100

static void test_accounting(void)
{
	struct shadowslab_cache_stats st, st2;
	struct shadowslab_cache_objs objs;
	struct point p;
	__u32 id;
	int err;

	point_init(&p, "accounting: mm-6.6 after ALLOC %u", ACCT_OBJS);
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "acct", 0, 0, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		ksft_test_result_fail("accounting: mm-6.6 after FREE (no cache)\n");
		return;
	}
	err = cache_alloc(id, ACCT_OBJS, &objs);
	expect_err(&p, "ALLOC", 0, err);
	expect_u64(&p, "ALLOC done", ACCT_OBJS, objs.done);
	expect_u64(&p, "ALLOC held", ACCT_OBJS, objs.held);
	if (stats_ok(&p, id, &st)) {
		expect_u64(&p, "object_size (INFO mm_struct_size)",
			   dev_info.mm_struct_size, st.object_size);
		expect_u64(&p, "magazine_size (default)", DEFAULT_MAGAZINE,
			   st.magazine_size);
		expect(&p, st.objs_per_slab > 0,
		       "expected objs_per_slab > 0, got 0\n");
		if (st.objs_per_slab)
			expect_u64(&p, "slabs_current (a fresh cache fills one slab at a time)",
				   (ACCT_OBJS + st.objs_per_slab - 1) /
				   st.objs_per_slab, st.slabs_current);
		expect_u64(&p, "slabs_allocated", st.slabs_current,
			   st.slabs_allocated);
		expect_u64(&p, "objs_in_use", ACCT_OBJS, st.objs_in_use);
		expect_u64(&p, "objs_held", ACCT_OBJS, st.objs_held);
		expect_u64(&p, "ctor_failures", 0, st.ctor_failures);
		expect_u64(&p, "dtor_calls", 0, st.dtor_calls);
		expect(&p, st.percpu_bytes > 0,
		       "expected percpu_bytes > 0, got 0\n");
		expect_accounting(&p, "after ALLOC", &st);
		ksft_print_msg("mm-6.6: object_size %u stride %u objs_per_slab %u order %u, %llu percpu bytes per object\n",
			       st.object_size, st.object_stride,
			       st.objs_per_slab, st.slab_order,
			       obj_percpu_bytes(&st));
	}
	point_end(&p);

	point_init(&p, "accounting: mm-6.6 after FREE");
	err = cache_free(id, 0, &objs);
	expect_err(&p, "FREE", 0, err);
	expect_u64(&p, "FREE done", ACCT_OBJS, objs.done);
	expect_u64(&p, "FREE held", 0, objs.held);
	if (stats_ok(&p, id, &st2)) {
		expect_u64(&p, "objs_in_use", 0, st2.objs_in_use);
		expect_u64(&p, "objs_held", 0, st2.objs_held);
		expect_u64(&p, "ctor_calls (FREE constructs nothing)",
			   st.ctor_calls, st2.ctor_calls);
		expect_u64(&p, "dtor_calls (FREE destroys nothing)",
			   st.dtor_calls, st2.dtor_calls);
		expect_u64(&p, "slabs_current (FREE keeps the slabs)",
			   st.slabs_current, st2.slabs_current);
		expect_accounting(&p, "after FREE", &st2);
	}
	expect_destroy_balance(&p, id);
	point_end(&p);
}

/* ------------------------------------------------------- 2. profiles */

#define PROFILE_OBJS	100

struct profile_case {
	const char *name;
	__u32 profile;
	__u32 nr_regions;	/* expected after resolution */
	__u32 object_size;	/* requested, 0 = default */
	struct shadowslab_region regions[3];	/* CUSTOM */
};

static const struct profile_case profile_cases[] = {
	{ .name = "mm-6.6", .profile = SHADOWSLAB_PROFILE_MM_6_6,
	  .nr_regions = 2 },
	{ .name = "mm-6.4", .profile = SHADOWSLAB_PROFILE_MM_6_4,
	  .nr_regions = 5 },
	{ .name = "mm-6.2", .profile = SHADOWSLAB_PROFILE_MM_6_2,
	  .nr_regions = 4 },
	{ .name = "tc_action", .profile = SHADOWSLAB_PROFILE_TC_ACTION,
	  .nr_regions = 3 },
	{ .name = "custom, 3 regions", .profile = SHADOWSLAB_PROFILE_CUSTOM,
	  .nr_regions = 3, .object_size = 512,
	  .regions = { { 8, 8 }, { 64, 64 }, { 24, 0 } } },
};

static void test_profile(const struct profile_case *c, long percpu_base)
{
	struct shadowslab_profile_spec spec = { .profile = c->profile };
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs objs;
	long long balance = module_balance();
	struct point p;
	unsigned int i;
	long kb;
	__u32 id;
	int err;

	point_init(&p, "profile %s: create, ALLOC %u, FREE, DESTROY balance",
		   c->name, PROFILE_OBJS);
	if (c->profile == SHADOWSLAB_PROFILE_CUSTOM) {
		spec.nr_regions = c->nr_regions;
		spec.object_size = c->object_size;
		memcpy(spec.regions, c->regions, sizeof(c->regions));
	}
	err = cache_create_spec(&spec, NULL, 0, 0, &id);
	expect_err(&p, "CREATE", 0, err);
	if (!err) {
		err = cache_alloc(id, PROFILE_OBJS, &objs);
		expect_err(&p, "ALLOC", 0, err);
		expect_u64(&p, "ALLOC done", PROFILE_OBJS, objs.done);
		if (stats_ok(&p, id, &st)) {
			expect_u64(&p, "resolved spec.profile", c->profile,
				   st.spec.profile);
			expect_u64(&p, "resolved spec.nr_regions",
				   c->nr_regions, st.spec.nr_regions);
			if (c->profile == SHADOWSLAB_PROFILE_CUSTOM) {
				expect_u64(&p, "object_size", c->object_size,
					   st.object_size);
				for (i = 0; i < c->nr_regions; i++)
					expect_u64(&p, "resolved region size",
						   c->regions[i].size,
						   st.spec.regions[i].size);
			} else if (c->profile != SHADOWSLAB_PROFILE_TC_ACTION) {
				expect_u64(&p, "object_size (INFO mm_struct_size)",
					   dev_info.mm_struct_size,
					   st.object_size);
			}
			expect_u64(&p, "objs_in_use", PROFILE_OBJS,
				   st.objs_in_use);
			expect(&p, st.percpu_bytes >=
				   PROFILE_OBJS * obj_percpu_bytes(&st),
			       "expected percpu_bytes >= %u objects * %llu, got %llu\n",
			       PROFILE_OBJS, obj_percpu_bytes(&st),
			       st.percpu_bytes);
			expect_accounting(&p, "after ALLOC", &st);
		}
		err = cache_free(id, 0, &objs);
		expect_err(&p, "FREE", 0, err);
		expect_u64(&p, "FREE done", PROFILE_OBJS, objs.done);
		if (stats_ok(&p, id, &st))
			expect_accounting(&p, "after FREE", &st);
		expect_destroy_balance(&p, id);
	}
	point_end(&p);

	point_init(&p, "profile %s: module percpu allocs - frees and Percpu: back",
		   c->name);
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)",
		   balance, module_balance());
	kb = meminfo_kb("Percpu");
	expect(&p, kb >= 0 && kb <= percpu_base + PERCPU_TOLERANCE_KB,
	       "expected /proc/meminfo Percpu: <= %ld kB (%ld kB before + %d), got %ld kB\n",
	       percpu_base + PERCPU_TOLERANCE_KB, percpu_base,
	       PERCPU_TOLERANCE_KB, kb);
	point_end(&p);
}

static void test_profiles(void)
{
	long base = meminfo_kb("Percpu");
	unsigned int i;

	if (base < 0)
		ksft_print_msg("no Percpu: in /proc/meminfo\n");
	for (i = 0; i < ARRAY_SIZE(profile_cases); i++)
		test_profile(&profile_cases[i], base);
}

/* ---------------------------------------------------- 3. destroy busy */

static void test_destroy_busy(void)
{
	struct shadowslab_cache_stats before, after;
	struct shadowslab_cache_objs objs;
	struct shadowslab_cache_destroy d;
	struct point p;
	__u32 id;
	int err;

	point_init(&p, "DESTROY with objects held: EBUSY, nothing changed");
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "busy", 0, 0, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		ksft_test_result_fail("DESTROY after FREE: succeeds, cache gone (no cache)\n");
		return;
	}
	expect_err(&p, "ALLOC", 0, cache_alloc(id, 10, &objs));
	if (stats_ok(&p, id, &before)) {
		expect_err(&p, "DESTROY", EBUSY, cache_destroy(id, &d));
		/* The working-set timer may tick in between: not a change. */
		if (stats_ok(&p, id, &after))
			after.depot_ws_updates = before.depot_ws_updates;
		if (p.ok && memcmp(&before, &after, sizeof(before))) {
			const unsigned char *a = (const void *)&before;
			const unsigned char *b = (const void *)&after;
			size_t off = 0;

			while (a[off] == b[off])
				off++;
			expect(&p, false,
			       "expected STATS unchanged by the refused DESTROY, got a difference at byte %zu\n",
			       off);
		}
		expect_u64(&p, "objs_held", 10, after.objs_held);
	}
	point_end(&p);

	point_init(&p, "DESTROY after FREE: succeeds, cache gone");
	expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
	expect_destroy_balance(&p, id);
	expect_err(&p, "STATS of the destroyed cache", ENOENT,
		   cache_stats(id, &after));
	point_end(&p);
}

/* ------------------------------------------------ 3b. CREATE, ALLOC edges */

/*
 * CREATE reads its argument and writes the id back into it.  A read-only
 * argument lets the module read it and fails the write: the caller gets
 * EFAULT and no id, so no cache may be left behind, and its name is free.
 */
static void test_create_copy_out(void)
{
	struct shadowslab_cache_create *req;
	__u32 before = cache_count(), id;
	struct point p;
	int err;

	point_init(&p, "CREATE whose id cannot be written back: EFAULT, no cache left, the name free");
	req = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!expect(&p, req != MAP_FAILED, "mmap: %s\n", strerror(errno))) {
		point_end(&p);
		return;
	}
	req->spec.profile = SHADOWSLAB_PROFILE_MM_6_6;
	strcpy(req->name, "read-only-arg");
	expect_err(&p, "mprotect PROT_READ", 0,
		   mprotect(req, 4096, PROT_READ) ? errno : 0);
	err = ioctl_err(SHADOWSLAB_IOC_CACHE_CREATE, req);
	expect_err(&p, "CREATE into a read-only argument", EFAULT, err);
	expect_u64(&p, "LIST count (no cache left)", before, cache_count());
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "read-only-arg", 0, 0,
			   &id);
	expect_err(&p, "CREATE again with the same name", 0, err);
	if (!err)
		expect_err(&p, "DESTROY it", 0, cache_destroy(id, NULL));
	munmap(req, 4096);
	point_end(&p);
}

#define TRACING		"/sys/kernel/tracing"
#define EINTR_INSTANCE	TRACING "/instances/shadowslab-eintr"
#define EINTR_EVENT	EINTR_INSTANCE "/events/syscalls/sys_exit_ioctl"

/* The return value of the last ioctl the instance traced; false if none. */
static bool traced_ioctl_ret(long long *ret)
{
	char line[512], *arrow;
	FILE *f = fopen(EINTR_INSTANCE "/trace", "re");
	bool found = false;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		arrow = strstr(line, "sys_ioctl -> ");
		if (arrow) {
			*ret = (long long)strtoull(arrow + 13, NULL, 16);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/*
 * A process killed in the middle of a long ALLOC: the ioctl must return
 * -EINTR, not -ENOMEM.  The caller is dead by the time it returns, so the
 * return value is read from the sys_exit_ioctl tracepoint, in a trace
 * instance of our own, filtered on the child.
 */
static void test_alloc_eintr(void)
{
	struct shadowslab_profile_spec spec = small_object_spec();
	struct shadowslab_cache_stats st;
	struct point p;
	char filter[64];
	int go[2], i, status, err;
	long long ret = 0;
	pid_t pid;
	__u32 id;

	if (access(TRACING "/events/syscalls/sys_exit_ioctl", F_OK)) {
		ksft_test_result_skip("ALLOC killed by SIGKILL: EINTR (no syscall tracepoints at " TRACING ")\n");
		return;
	}
	point_init(&p, "ALLOC killed by SIGKILL: EINTR at sys_exit_ioctl, what it got held");
	rmdir(EINTR_INSTANCE);
	if (!expect(&p, !mkdir(EINTR_INSTANCE, 0700),
		    "mkdir " EINTR_INSTANCE ": %s\n", strerror(errno)) ||
	    !expect(&p, !pipe(go), "pipe: %s\n", strerror(errno))) {
		point_end(&p);
		return;
	}
	err = cache_create_spec(&spec, "eintr", 0, 0, &id);
	expect_err(&p, "CREATE", 0, err);
	if (err)
		goto out_instance;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		/* Far more than it will get before the SIGKILL. */
		cache_alloc(id, MAX_OBJS_PER_CALL, NULL);
		_exit(0);
	}
	close(go[0]);
	snprintf(filter, sizeof(filter), "common_pid == %d", pid);
	expect_err(&p, "set the event filter", 0,
		   write_file(EINTR_EVENT "/filter", filter));
	expect_err(&p, "enable sys_exit_ioctl", 0,
		   write_file(EINTR_EVENT "/enable", "1"));
	if (write(go[1], "g", 1) != 1)
		expect(&p, false, "write to the child: %s\n", strerror(errno));
	close(go[1]);
	/* Kill it once it is well into the ALLOC. */
	for (i = 0; i < 6000; i++) {
		if (!cache_stats(id, &st) && st.ctor_calls >= 1000)
			break;
		sleep_ms(10);
	}
	expect(&p, st.ctor_calls >= 1000,
	       "expected the child's ALLOC to construct 1000 objects within 60 s, got %llu\n",
	       st.ctor_calls);
	kill(pid, SIGKILL);
	status = reap(pid, 60);
	expect(&p, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "expected the child killed by SIGKILL, got status 0x%x\n", status);
	write_file(EINTR_EVENT "/enable", "0");
	if (expect(&p, traced_ioctl_ret(&ret),
		   "expected the killed ALLOC's sys_exit_ioctl in the trace, got none\n"))
		expect(&p, ret == -EINTR,
		       "expected the killed ALLOC to return -EINTR (%d), got %lld\n",
		       -EINTR, ret);
	if (stats_ok(&p, id, &st)) {
		expect(&p, st.objs_held > 0,
		       "expected the objects ALLOC got before the kill held, got none\n");
		expect_accounting(&p, "after the killed ALLOC", &st);
	}
	expect_destroy_balance(&p, id);
out_instance:
	rmdir(EINTR_INSTANCE);
	point_end(&p);
}

/* ------------------------------------------------------------ 4. faults */

#define FAULT_ALLOC	500
#define FAULT_ROUNDS	6

static void test_fault(const char *label, __u32 profile, __u32 mode,
		       __u32 nth, __u32 ppm, __u64 seed)
{
	long long balance = module_balance();
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs objs;
	u64 held = 0, injected = 0;
	struct point p;
	unsigned int r;
	__u32 id;
	int err;

	point_init(&p, "%s: ALLOC stops early, ctor_failures and faults_injected > 0",
		   label);
	err = cache_create(profile, NULL, 0, 0, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		ksft_test_result_fail("%s: no half-built slab (no cache)\n", label);
		ksft_test_result_fail("%s: FAULT off, ALLOC works again (no cache)\n", label);
		ksft_test_result_fail("%s: DESTROY balance, module allocs == frees (no cache)\n", label);
		return;
	}
	err = cache_fault(id, mode, nth, ppm, seed, &injected);
	expect_err(&p, "FAULT", 0, err);
	/*
	 * Several ALLOC calls, so that the failing region (which rotates)
	 * and the rollback depth vary.
	 */
	for (r = 0; r < FAULT_ROUNDS; r++) {
		err = cache_alloc(id, FAULT_ALLOC, &objs);
		if (err) {
			expect_err(&p, "ALLOC (may only fail with ENOMEM)",
				   ENOMEM, err);
			continue;
		}
		expect(&p, objs.done < FAULT_ALLOC,
		       "ALLOC %u, round %u: expected done < %u (a constructor fails), got %u\n",
		       FAULT_ALLOC, r, FAULT_ALLOC, objs.done);
		held += objs.done;
		expect_u64(&p, "ALLOC held", held, objs.held);
	}
	if (stats_ok(&p, id, &st)) {
		expect(&p, st.ctor_failures > 0,
		       "expected ctor_failures > 0, got 0\n");
		expect(&p, st.faults_injected > 0,
		       "expected faults_injected > 0, got 0\n");
		ksft_print_msg("%s: %llu objects held, %llu ctor calls, %llu failures, %llu faults injected\n",
			       label, held, st.ctor_calls, st.ctor_failures,
			       st.faults_injected);
	}
	point_end(&p);

	point_init(&p, "%s: no half-built slab (accounting exact)", label);
	if (stats_ok(&p, id, &st)) {
		expect_accounting(&p, "after failed ALLOCs", &st);
		expect_u64(&p, "objs_in_use", held, st.objs_in_use);
		expect_u64(&p, "slabs_current vs slabs_allocated (no slab released)",
			   st.slabs_allocated, st.slabs_current);
		expect(&p, st.objs_per_slab &&
			   st.ctor_calls - st.ctor_failures - st.dtor_calls ==
			   st.slabs_current * st.objs_per_slab,
		       "expected only whole slabs constructed\n");
	}
	point_end(&p);

	point_init(&p, "%s: FAULT off, ALLOC works again", label);
	err = cache_fault(id, SHADOWSLAB_FAULT_OFF, 0, 0, 0, &injected);
	expect_err(&p, "FAULT off", 0, err);
	if (!err)
		expect_u64(&p, "FAULT injected (out) vs STATS faults_injected",
			   st.faults_injected, injected);
	err = cache_alloc(id, 100, &objs);
	expect_err(&p, "ALLOC 100", 0, err);
	expect_u64(&p, "ALLOC 100 done", 100, objs.done);
	if (stats_ok(&p, id, &st)) {
		expect_u64(&p, "faults_injected after FAULT off", injected,
			   st.faults_injected);
		expect_accounting(&p, "after ALLOC", &st);
	}
	point_end(&p);

	point_init(&p, "%s: DESTROY balance, module allocs == frees", label);
	expect_err(&p, "FREE", 0, cache_free(id, 0, NULL));
	expect_destroy_balance(&p, id);
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)",
		   balance, module_balance());
	point_end(&p);
}

static void test_faults(void)
{
	/* nth well above objs_per_slab, or every slab would fail. */
	test_fault("fault every-50th (mm-6.4)", SHADOWSLAB_PROFILE_MM_6_4,
		   SHADOWSLAB_FAULT_EVERY_NTH, 50, 0, 0);
	test_fault("fault 20000 ppm seeded (mm-6.6)", SHADOWSLAB_PROFILE_MM_6_6,
		   SHADOWSLAB_FAULT_PROBABILITY, 0, 20000, 0x5eed);
}

/* ------------------------------------------------------------ 5. shrink */

#define SHRINK_OBJS	200

static void test_shrink_purge(void)
{
	struct shadowslab_cache_shrink sh;
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs objs;
	struct point p;
	__u32 id;
	int err;

	point_init(&p, "SHRINK PURGE after FREE: every slab released");
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "purge", 0, 0, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		return;
	}
	expect_err(&p, "ALLOC", 0, cache_alloc(id, SHRINK_OBJS, &objs));
	expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
	err = cache_shrink(id, SHADOWSLAB_SHRINK_PURGE, &sh);
	expect_err(&p, "SHRINK PURGE", 0, err);
	if (!err) {
		expect(&p, sh.slabs_released > 0,
		       "expected slabs_released > 0, got 0\n");
	}
	if (stats_ok(&p, id, &st)) {
		expect_u64(&p, "SHRINK objects_released vs slabs_released * objs_per_slab",
			   sh.slabs_released * st.objs_per_slab,
			   sh.objects_released);
		expect_u64(&p, "STATS slabs_released vs SHRINK's",
			   sh.slabs_released, st.slabs_released);
		expect_u64(&p, "slabs_current", 0, st.slabs_current);
		expect_u64(&p, "percpu_bytes", 0, st.percpu_bytes);
		expect_u64(&p, "objs_in_magazines", 0, st.objs_in_magazines);
		expect_u64(&p, "objs_in_depot", 0, st.objs_in_depot);
		expect_u64(&p, "depot_full_magazines", 0,
			   st.depot_full_magazines);
		expect_u64(&p, "depot_empty_magazines", 0,
			   st.depot_empty_magazines);
		expect_u64(&p, "objs_free_in_slabs", 0, st.objs_free_in_slabs);
		expect_u64(&p, "dtor_calls vs ctor_calls - ctor_failures",
			   st.ctor_calls - st.ctor_failures, st.dtor_calls);
		expect_accounting(&p, "after SHRINK PURGE", &st);
	}
	expect_destroy_balance(&p, id);
	point_end(&p);
}

/*
 * Plain SHRINK keeps the depot's working set: what was taken from the
 * depot since the previous shrink.  Nothing touches the depot between two
 * back-to-back shrinks, so the second one must release every depot
 * magazine the first kept, and with them every slab that no CPU magazine
 * pins.  The test runs on CPU 0 alone with magazines of 4, so CPU
 * magazines hold at most 8 objects and pin at most 8 slabs.
 */
#define WS_MAGAZINE	4

static void test_shrink_working_set(void)
{
	struct shadowslab_cache_shrink sh1, sh2;
	struct shadowslab_cache_stats st0, st1, st2;
	struct shadowslab_cache_objs objs;
	unsigned int nr_objs;
	struct point p;
	__u32 id;
	int err;

	point_init(&p, "plain SHRINK twice after FREE: the second releases the depot the first kept");
	err = pin_to(0);
	if (err)
		expect_err(&p, "sched_setaffinity CPU 0", 0, err);
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "ws", 0, WS_MAGAZINE,
			   &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		unpin();
		point_end(&p);
		return;
	}
	if (!stats_ok(&p, id, &st0) || !st0.objs_per_slab) {
		cache_cleanup(id, NULL);
		unpin();
		point_end(&p);
		return;
	}
	/* More slabs than the CPU magazines can pin. */
	nr_objs = (2 * WS_MAGAZINE + 4) * st0.objs_per_slab;
	expect_err(&p, "ALLOC", 0, cache_alloc(id, nr_objs, &objs));
	expect_u64(&p, "ALLOC done", nr_objs, objs.done);
	expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
	if (!stats_ok(&p, id, &st0))
		goto out;
	expect(&p, st0.depot_full_magazines > 0,
	       "after FREE of %u objects: expected full magazines in the depot, got none\n",
	       nr_objs);
	expect(&p, st0.objs_in_magazines <= 2 * WS_MAGAZINE,
	       "expected objs_in_magazines <= %u (one CPU), got %llu\n",
	       2 * WS_MAGAZINE, st0.objs_in_magazines);

	expect_err(&p, "first SHRINK", 0, cache_shrink(id, 0, &sh1));
	if (!stats_ok(&p, id, &st1))
		goto out;
	expect_accounting(&p, "after the first SHRINK", &st1);
	expect_err(&p, "second SHRINK", 0, cache_shrink(id, 0, &sh2));
	if (!stats_ok(&p, id, &st2))
		goto out;
	ksft_print_msg("working set: depot %llu full magazines after FREE, %llu after the first SHRINK (released %llu slabs), %llu after the second (released %llu slabs)\n",
		       st0.depot_full_magazines, st1.depot_full_magazines,
		       (u64)sh1.slabs_released, st2.depot_full_magazines,
		       (u64)sh2.slabs_released);
	expect_accounting(&p, "after the second SHRINK", &st2);
	expect_u64(&p, "depot_full_magazines after the second SHRINK", 0,
		   st2.depot_full_magazines);
	expect_u64(&p, "objs_in_depot after the second SHRINK", 0,
		   st2.objs_in_depot);
	expect_u64(&p, "objs_in_magazines (plain SHRINK leaves CPU magazines)",
		   st0.objs_in_magazines, st2.objs_in_magazines);
	/* Every free slab is released: each one left holds a magazine's object. */
	expect(&p, st2.slabs_current <= st2.objs_in_magazines,
	       "expected slabs_current <= objs_in_magazines (%llu) after the second SHRINK, got %llu\n",
	       st2.objs_in_magazines, st2.slabs_current);
	if (st1.depot_full_magazines)
		expect(&p, sh2.slabs_released > 0,
		       "the first SHRINK kept %llu full magazines: expected the second to release slabs, got 0\n",
		       st1.depot_full_magazines);
	expect_u64(&p, "slabs_released (STATS) vs the two SHRINKs'",
		   sh1.slabs_released + sh2.slabs_released,
		   st2.slabs_released);
out:
	expect_destroy_balance(&p, id);
	unpin();
	point_end(&p);
}

/*
 * The depot's working set is recomputed by a timer (module parameter
 * depot_ws_interval_ms), never by a shrinker scan: with the interval at
 * its maximum a drop_caches scans without an update; with it short, an
 * idle cache's updates go on by themselves.
 */
#define WS_PARAM	"/sys/module/shadowslab/parameters/depot_ws_interval_ms"

/* A cache whose working-set timer runs every @interval ms; 0 or errno. */
static int ws_cache(struct point *p, const char *interval, const char *name,
		    __u32 *id)
{
	int err = write_file(WS_PARAM, interval);

	expect_err(p, "write " WS_PARAM, 0, err);
	if (!err)
		err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, name, 0, 0, id);
	expect_err(p, "CREATE", 0, err);
	return err;
}

static void test_ws_timer(void)
{
	struct shadowslab_cache_stats st0, st;
	struct shadowslab_cache_objs objs;
	char saved[32] = "15000";
	struct point p;
	FILE *f;
	__u32 id;
	int i;

	f = fopen(WS_PARAM, "re");
	if (f) {
		if (!fgets(saved, sizeof(saved), f))
			strcpy(saved, "15000");
		fclose(f);
	}
	point_init(&p, "working set: a shrinker scan does not update it (interval 1 h)");
	expect_err(&p, "interval 0 ms (below the minimum)", EINVAL,
		   write_file(WS_PARAM, "0"));
	if (!ws_cache(&p, "3600000", "ws-scan", &id)) {
		expect_err(&p, "ALLOC", 0, cache_alloc(id, 200, &objs));
		expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
		if (stats_ok(&p, id, &st0)) {
			sync();
			expect_err(&p, "echo 2 > /proc/sys/vm/drop_caches", 0,
				   write_file("/proc/sys/vm/drop_caches", "2"));
		}
		if (stats_ok(&p, id, &st)) {
			expect(&p, st.shrinker_scans > st0.shrinker_scans,
			       "expected shrinker_scans to grow from %llu, got %llu\n",
			       st0.shrinker_scans, st.shrinker_scans);
			expect_u64(&p, "depot_ws_updates after the scans",
				   st0.depot_ws_updates, st.depot_ws_updates);
		}
		expect_destroy_balance(&p, id);
	}
	point_end(&p);

	point_init(&p, "working set: the timer updates an idle cache (interval 200 ms)");
	if (!ws_cache(&p, "200", "ws-timer", &id)) {
		/* Bounded: a workqueue on a shared TCG host, not a timing. */
		for (i = 0; i < 3000; i++) {
			if (cache_stats(id, &st) || st.depot_ws_updates >= 3)
				break;
			sleep_ms(10);
		}
		expect(&p, st.depot_ws_updates >= 3,
		       "expected 3 working-set updates within 30 s, got %llu\n",
		       st.depot_ws_updates);
		expect_err(&p, "DESTROY", 0, cache_destroy(id, NULL));
	}
	expect_err(&p, "restore " WS_PARAM, 0, write_file(WS_PARAM, saved));
	point_end(&p);
}

/* ------------------------------------------------------ 6. drop_caches */

#define DROP_OBJS	300

/*
 * With objects freed into the cache, one drop_caches must reach its
 * shrinker and release slabs: under reclaim the depot's working set gives
 * way, so what the shrinker counts, one scan can release.
 */
static void test_drop_caches(const char *label, __u32 flags)
{
	struct shadowslab_cache_stats st0, st;
	struct shadowslab_cache_objs objs;
	struct point p;
	__u32 id;
	int err;

	point_init(&p, "drop_caches (%s): shrinker scans, slabs released", label);
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, NULL, flags, 0, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		return;
	}
	/* On one CPU: its magazines hold at most 30 objects, 3 slabs' worth. */
	err = pin_to(0);
	if (err)
		expect_err(&p, "sched_setaffinity CPU 0", 0, err);
	expect_err(&p, "ALLOC", 0, cache_alloc(id, DROP_OBJS, &objs));
	expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
	unpin();
	if (!stats_ok(&p, id, &st0))
		goto out;
	expect_u64(&p, "flags (STATS)", flags, st0.flags);
	sync();
	err = write_file("/proc/sys/vm/drop_caches", "2");
	expect_err(&p, "echo 2 > /proc/sys/vm/drop_caches", 0, err);
	if (!wait_dtor_drained(id, &st))
		expect(&p, false,
		       "expected deferred_dtor_pending to reach 0 within 30 s, got %llu\n",
		       st.deferred_dtor_pending);
	ksft_print_msg("%s: drop_caches: shrinker_scans %llu, slabs_released %llu, shrinker_objects_released %llu, depot %llu full magazines\n",
		       label, st.shrinker_scans, st.slabs_released,
		       st.shrinker_objects_released, st.depot_full_magazines);

	expect(&p, st.shrinker_scans > st0.shrinker_scans,
	       "expected shrinker_scans to grow from %llu, got %llu\n",
	       st0.shrinker_scans, st.shrinker_scans);
	expect(&p, st.slabs_released > st0.slabs_released,
	       "expected slabs_released to grow from %llu after one drop_caches, got %llu\n",
	       st0.slabs_released, st.slabs_released);
	expect(&p, st.dtor_calls > st0.dtor_calls,
	       "expected dtor_calls to grow from %llu, got %llu\n",
	       st0.dtor_calls, st.dtor_calls);
	expect_u64(&p, "shrinker_objects_released vs slabs released * objs_per_slab",
		   (st.slabs_released - st0.slabs_released) * st.objs_per_slab,
		   st.shrinker_objects_released);
	expect_u64(&p, "dtor_calls grew by the objects released",
		   st0.dtor_calls + st.shrinker_objects_released,
		   st.dtor_calls);
	expect_accounting(&p, "after drop_caches", &st);
out:
	expect_destroy_balance(&p, id);
	point_end(&p);
}

/* ------------------------------------------------------- 7. CPU offline */

static void test_cpu_offline(void)
{
	struct shadowslab_cache_stats before, after, again;
	struct shadowslab_cache_objs objs;
	cpu_set_t online;
	struct point p;
	__u32 id;
	int err;

	if (read_cpuset("/sys/devices/system/cpu/online", &online) ||
	    !CPU_ISSET(0, &online) || !CPU_ISSET(1, &online) ||
	    access(CPU1_ONLINE, W_OK)) {
		ksft_test_result_skip("CPU 1 offline: needs CPUs 0 and 1 online and CPU 1 hotpluggable\n");
		ksft_test_result_skip("CPU 1 back online: the cache works there\n");
		return;
	}

	point_init(&p, "CPU 1 offline: its magazines drained, nothing lost");
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "hotplug", 0, 0, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		ksft_test_result_fail("CPU 1 back online: the cache works there (no cache)\n");
		return;
	}
	err = pin_to(1);
	expect_err(&p, "sched_setaffinity CPU 1", 0, err);
	/* 20 objects: a full magazine and a partly loaded one. */
	expect_err(&p, "ALLOC on CPU 1", 0, cache_alloc(id, 20, &objs));
	expect_err(&p, "FREE on CPU 1", 0, cache_free(id, 0, &objs));
	err = pin_to(0);
	expect_err(&p, "sched_setaffinity CPU 0", 0, err);
	if (!stats_ok(&p, id, &before))
		goto out;
	expect(&p, before.objs_in_magazines > 0,
	       "expected objects in CPU 1's magazines after FREE there, got objs_in_magazines 0\n");

	err = write_file(CPU1_ONLINE, "0");
	expect_err(&p, "echo 0 > " CPU1_ONLINE, 0, err);
	if (err)
		goto out;
	cpu1_offlined = true;
	if (stats_ok(&p, id, &after)) {
		/* Only CPU 1 ever had magazines. */
		expect_u64(&p, "objs_in_magazines (CPU 1 held them all)", 0,
			   after.objs_in_magazines);
		expect_u64(&p, "constructed objects (drain destroys nothing)",
			   constructed(&before), constructed(&after));
		expect_u64(&p, "slabs_current (drain releases nothing)",
			   before.slabs_current, after.slabs_current);
		expect_u64(&p, "objs_in_use", 0, after.objs_in_use);
		expect_u64(&p, "objs_in_depot + objs_free_in_slabs (the drained objects)",
			   before.objs_in_magazines + before.objs_in_depot +
			   before.objs_free_in_slabs,
			   after.objs_in_depot + after.objs_free_in_slabs);
		expect_accounting(&p, "after CPU 1 offline", &after);
	}
	point_end(&p);

	point_init(&p, "CPU 1 back online: the cache works there");
	restore_cpu1();
	expect(&p, !cpu1_offlined, "expected CPU 1 back online\n");
	if (!cpu1_offlined) {
		err = pin_to(1);
		expect_err(&p, "sched_setaffinity CPU 1", 0, err);
		expect_err(&p, "ALLOC on CPU 1", 0, cache_alloc(id, 30, &objs));
		expect_u64(&p, "ALLOC done", 30, objs.done);
		expect_err(&p, "FREE on CPU 1", 0, cache_free(id, 0, &objs));
		unpin();
		if (stats_ok(&p, id, &again)) {
			expect(&p, again.objs_in_magazines > 0,
			       "expected CPU 1's magazines in use again, got objs_in_magazines 0\n");
			expect_accounting(&p, "after CPU 1 online", &again);
		}
	}
	expect_destroy_balance(&p, id);
	point_end(&p);
	return;
out:
	restore_cpu1();
	unpin();
	cache_cleanup(id, NULL);
	point_end(&p);
	ksft_test_result_fail("CPU 1 back online: the cache works there (not reached)\n");
}

/* ------------------------------------------------------ 8. concurrency */

#define CONC_ROUNDS	300
#define CONC_MAX_K	24
#define CONC_MAGAZINE	4

/* A child: ALLOC k / FREE k rounds on @id, pinned to @cpu; exit status. */
static int conc_child(__u32 id, int cpu, int idx)
{
	struct shadowslab_cache_objs objs;
	unsigned int r, k;
	int err;

	err = pin_to(cpu);
	if (err) {
		ksft_print_msg("child %d: sched_setaffinity CPU %d: %s\n", idx,
			       cpu, errno_name(err));
		return 1;
	}
	for (r = 0; r < CONC_ROUNDS; r++) {
		k = 1 + (r * 7 + idx * 5) % CONC_MAX_K;
		err = cache_alloc(id, k, &objs);
		if (err || objs.done != k) {
			ksft_print_msg("child %d, round %u: ALLOC %u: expected 0 and done %u, got %s and done %u\n",
				       idx, r, k, k, errno_name(err), objs.done);
			return 1;
		}
		/* Others only free what they allocated: k are there. */
		err = cache_free(id, k, &objs);
		if (err || objs.done != k) {
			ksft_print_msg("child %d, round %u: FREE %u: expected 0 and done %u, got %s and done %u\n",
				       idx, r, k, k, errno_name(err), objs.done);
			return 1;
		}
	}
	return 0;
}

static void test_concurrency(void)
{
	struct shadowslab_cache_stats st;
	int cpus[CPU_SETSIZE], nr_cpus = 0, nr_children, i, status, failed = 0;
	pid_t pids[CPU_SETSIZE];
	cpu_set_t online;
	struct point p;
	__u32 id;
	int err;

	if (read_cpuset("/sys/devices/system/cpu/online", &online))
		CPU_SET(0, &online);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &online))
			cpus[nr_cpus++] = i;
	/* At least two, so that even one CPU sees interleaved callers. */
	nr_children = nr_cpus < 2 ? 2 : nr_cpus;

	point_init(&p, "%d children, one per online CPU, ALLOC/FREE the same cache",
		   nr_children);
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "concurrent", 0,
			   CONC_MAGAZINE, &id);
	if (err) {
		expect_err(&p, "CREATE", 0, err);
		point_end(&p);
		ksft_test_result_fail("after the children: nothing held, accounting exact, DESTROY balance (no cache)\n");
		return;
	}
	fflush(stdout);
	for (i = 0; i < nr_children; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			expect_err(&p, "fork", 0, errno);
			break;
		}
		if (pids[i] == 0)
			_exit(conc_child(id, cpus[i % nr_cpus], i));
	}
	nr_children = i;
	for (i = 0; i < nr_children; i++) {
		if (waitpid(pids[i], &status, 0) < 0) {
			expect_err(&p, "waitpid", 0, errno);
			failed++;
		} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			failed++;
		}
	}
	expect(&p, !failed, "expected every child to succeed, got %d failed\n",
	       failed);
	point_end(&p);

	point_init(&p, "after the children: nothing held, accounting exact, DESTROY balance");
	if (stats_ok(&p, id, &st)) {
		expect_u64(&p, "objs_held", 0, st.objs_held);
		expect_u64(&p, "objs_in_use", 0, st.objs_in_use);
		expect_accounting(&p, "after the children", &st);
		ksft_print_msg("concurrency: %llu slabs, %llu magazine hits, %llu misses, %llu depot contention\n",
			       st.slabs_current, st.magazine_hits,
			       st.magazine_misses, st.depot_contention);
	}
	expect_destroy_balance(&p, id);
	point_end(&p);
}

/* -------------------------------------------------- 9. bad arguments */

static struct shadowslab_cache_create valid_create(void)
{
	struct shadowslab_cache_create req = {
		.spec = { .profile = SHADOWSLAB_PROFILE_MM_6_6 },
	};

	return req;
}

static struct shadowslab_cache_create valid_custom(void)
{
	struct shadowslab_cache_create req = {
		.spec = {
			.profile = SHADOWSLAB_PROFILE_CUSTOM,
			.nr_regions = 1,
			.regions = { { 8, 8 } },
		},
	};

	return req;
}

/* CREATE that must fail; destroys the cache if it wrongly succeeds. */
static void bad_create(const char *name, struct shadowslab_cache_create req,
		       int expected)
{
	int err = ioctl_err(SHADOWSLAB_IOC_CACHE_CREATE, &req);

	if (!err)
		cache_cleanup(req.id, NULL);
	result_err(name, err, expected);
}

static void test_bad_create(void)
{
	struct shadowslab_cache_create req;
	unsigned char big[sizeof(req) + 64];
	unsigned int big_cmd = _IOC(_IOC_READ | _IOC_WRITE,
				    SHADOWSLAB_IOC_MAGIC, 0x10, sizeof(big));
	unsigned int small_cmd = _IOC(_IOC_READ | _IOC_WRITE,
				      SHADOWSLAB_IOC_MAGIC, 0x10,
				      SHADOWSLAB_CACHE_CREATE_SIZE_VER0 - 8);
	__u32 before = cache_count(), id;
	int err;

	req = valid_create();
	req.spec.profile = SHADOWSLAB_NR_PROFILES;
	bad_create("CREATE unknown profile", req, EINVAL);

	req = valid_custom();
	req.spec.nr_regions = 0;
	bad_create("CREATE custom with 0 regions", req, EINVAL);

	req = valid_custom();
	req.spec.nr_regions = SHADOWSLAB_MAX_REGIONS + 1;
	bad_create("CREATE custom with 9 regions", req, EINVAL);

	req = valid_custom();
	req.spec.regions[0].size = 0;
	bad_create("CREATE custom region size 0", req, EINVAL);

	req = valid_custom();
	req.spec.regions[0].align = 3;
	bad_create("CREATE custom region align 3 (not a power of 2)", req,
		   EINVAL);

	req = valid_custom();
	req.spec.regions[0].size = 32768 + 1;
	bad_create("CREATE custom region larger than PCPU_MIN_UNIT_SIZE", req,
		   EINVAL);

	req = valid_custom();
	req.spec.regions[1].size = 8;
	bad_create("CREATE custom region set past nr_regions", req, EINVAL);

	req = valid_create();
	req.spec.nr_regions = 1;
	bad_create("CREATE mm-6.6 with nr_regions set", req, EINVAL);

	req = valid_create();
	req.spec.object_size = 64;
	bad_create("CREATE object_size 64 (smaller than its percpu fields)",
		   req, EINVAL);

	req = valid_create();
	req.spec.object_size = 1 << 20;
	bad_create("CREATE object_size 1 MiB", req, EINVAL);

	req = valid_create();
	req.flags = SHADOWSLAB_CACHE_FLAGS_ALL << 1;
	bad_create("CREATE unknown flag", req, EINVAL);

	req = valid_create();
	req.magazine_size = SHADOWSLAB_MAGAZINE_SIZE_MAX + 1;
	bad_create("CREATE magazine_size 256", req, EINVAL);

	req = valid_create();
	req.reserved = 1;
	bad_create("CREATE reserved non-zero", req, EINVAL);

	req = valid_create();
	req.spec.reserved = 1;
	bad_create("CREATE spec.reserved non-zero", req, EINVAL);

	req = valid_create();
	strcpy(req.name, "a/b");
	bad_create("CREATE name with '/'", req, EINVAL);

	req = valid_create();
	memset(req.name, 'a', sizeof(req.name));
	bad_create("CREATE name not NUL-terminated", req, EINVAL);

	/* The edges of magazine_size, and the name given to an unnamed cache. */
	{
		static const __u32 sizes[] = { 1, SHADOWSLAB_MAGAZINE_SIZE_MAX };
		struct shadowslab_cache_stats st;
		struct shadowslab_cache_objs objs;
		struct point p;
		char want[SHADOWSLAB_NAME_LEN];
		unsigned int i;

		point_init(&p, "CREATE magazine_size 1 and 255: accepted, reported, usable");
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			err = cache_create(SHADOWSLAB_PROFILE_MM_6_2, NULL, 0,
					   sizes[i], &id);
			expect_err(&p, "CREATE", 0, err);
			if (err)
				continue;
			expect_err(&p, "ALLOC", 0, cache_alloc(id, 40, &objs));
			expect_err(&p, "FREE", 0, cache_free(id, 0, &objs));
			if (stats_ok(&p, id, &st)) {
				expect_u64(&p, "STATS magazine_size", sizes[i],
					   st.magazine_size);
				expect_accounting(&p, "after ALLOC/FREE", &st);
			}
			expect_destroy_balance(&p, id);
		}
		point_end(&p);

		point_init(&p, "CREATE without a name: named PROFILE:ID");
		err = cache_create(SHADOWSLAB_PROFILE_TC_ACTION, NULL, 0, 0, &id);
		expect_err(&p, "CREATE", 0, err);
		if (!err) {
			snprintf(want, sizeof(want), "tc_action:%u", id);
			if (stats_ok(&p, id, &st))
				expect(&p, !strcmp(st.name, want),
				       "expected name '%s', got '%.*s'\n", want,
				       (int)sizeof(st.name), st.name);
			expect_err(&p, "DESTROY", 0, cache_destroy(id, NULL));
		}
		point_end(&p);
	}

	/* Duplicate name. */
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "dup", 0, 0, &id);
	if (err) {
		ksft_print_msg("CREATE dup: expected success, got %s\n",
			       errno_name(err));
		ksft_test_result_fail("CREATE duplicate name: EEXIST\n");
	} else {
		req = valid_create();
		strcpy(req.name, "dup");
		req.spec.profile = SHADOWSLAB_PROFILE_MM_6_2;
		bad_create("CREATE duplicate name", req, EEXIST);
		cache_cleanup(id, NULL);
		untrack(id);
	}

	/* Generated names contain ':', so no given name can collide. */
	req = valid_create();
	strcpy(req.name, "mm-6.6:1");
	bad_create("CREATE name with ':', the generated names' mark", req,
		   EINVAL);

	/* STATS reads only the id: its reserved field must still be zero. */
	{
		struct shadowslab_cache_stats st = { .reserved = 1 };

		err = cache_create(SHADOWSLAB_PROFILE_MM_6_2, "statsres", 0, 0,
				   &id);
		if (!err) {
			st.id = id;
			err = ioctl_err(SHADOWSLAB_IOC_CACHE_STATS, &st);
			cache_cleanup(id, NULL);
			untrack(id);
		}
		if (err != EINVAL)
			ksft_print_msg("STATS reserved 1: expected EINVAL, got %s\n",
				       errno_name(err));
		ksft_test_result(err == EINVAL, "STATS reserved non-zero: EINVAL\n");
	}

	/* A custom region's align 0 is natural: 24 bytes align to 8. */
	{
		struct shadowslab_profile_spec spec = {
			.profile = SHADOWSLAB_PROFILE_CUSTOM,
			.nr_regions = 1,
			.regions = { { 24, 0 } },
		};
		struct shadowslab_cache_stats st;
		bool ok = false;

		if (!cache_create_spec(&spec, "natural", 0, 0, &id)) {
			ok = !cache_stats(id, &st) &&
			     st.spec.regions[0].align == 8;
			if (!ok)
				ksft_print_msg("custom {24, 0}: expected align 8, got %u\n",
					       st.spec.regions[0].align);
			cache_cleanup(id, NULL);
			untrack(id);
		}
		ksft_test_result(ok, "custom region align 0 resolves to natural alignment\n");
	}

	/* A newer, larger struct: zero tail accepted, non-zero tail E2BIG. */
	req = valid_create();
	strcpy(req.name, "bigger");
	memset(big, 0, sizeof(big));
	memcpy(big, &req, sizeof(req));
	big[sizeof(req) + 10] = 1;
	err = ioctl(dev_fd, big_cmd, big) ? errno : 0;
	if (!err)
		cache_cleanup(((struct shadowslab_cache_create *)big)->id, NULL);
	result_err("CREATE larger struct, non-zero tail", err, E2BIG);

	memset(big, 0xa5, sizeof(big));
	memcpy(big, &req, sizeof(req));
	memset(big + sizeof(req), 0, sizeof(big) - sizeof(req));
	err = ioctl(dev_fd, big_cmd, big) ? errno : 0;
	if (!err) {
		struct shadowslab_cache_create *out = (void *)big;
		unsigned int i, nonzero = 0;

		for (i = sizeof(req); i < sizeof(big); i++)
			nonzero += big[i] != 0;
		if (nonzero)
			ksft_print_msg("CREATE larger struct: expected a zeroed tail on output, got %u non-zero bytes\n",
				       nonzero);
		if (cache_destroy(out->id, NULL)) {
			ksft_print_msg("CREATE larger struct: DESTROY %u: %s\n",
				       out->id, errno_name(errno));
			err = -1;
		}
		if (nonzero)
			err = -1;
	}
	result_err("CREATE larger struct, zero tail: accepted, tail zeroed", err, 0);

	req = valid_create();
	err = ioctl(dev_fd, small_cmd, &req) ? errno : 0;
	if (!err)
		cache_cleanup(req.id, NULL);
	result_err("CREATE struct smaller than VER0", err, EINVAL);

	ksft_test_result(cache_count() == before,
			 "no cache left by the failed CREATEs\n");
}

static void test_bad_ops(void)
{
	struct shadowslab_cache_objs objs = { 0 };
	struct shadowslab_cache_destroy d = { 0 };
	struct shadowslab_cache_shrink sh = { 0 };
	struct shadowslab_cache_stats st;
	__u32 ids[64 + 1];	/* at most 64 caches, and one to spare */
	__u32 unknown[3], count, id, cand, i, n, extra[3];
	int err;
	bool ok;

	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "badops", 0, 0, &id);
	if (err)
		ksft_exit_fail_msg("CREATE badops: expected success, got %s\n",
				   errno_name(err));

	result_err("ALLOC count 0", cache_alloc(id, 0, NULL), EINVAL);
	result_err("ALLOC count 2^20 + 1",
		   cache_alloc(id, MAX_OBJS_PER_CALL + 1, NULL), EINVAL);
	result_err("FREE count 2^20 + 1",
		   cache_free(id, MAX_OBJS_PER_CALL + 1, NULL), EINVAL);
	objs.id = id;
	objs.count = 1;
	objs.reserved = 1;
	result_err("ALLOC reserved non-zero",
		   ioctl_err(SHADOWSLAB_IOC_CACHE_ALLOC, &objs), EINVAL);
	objs.reserved = 1;
	result_err("FREE reserved non-zero",
		   ioctl_err(SHADOWSLAB_IOC_CACHE_FREE, &objs), EINVAL);
	d.id = id;
	d.reserved = 1;
	result_err("DESTROY reserved non-zero",
		   ioctl_err(SHADOWSLAB_IOC_CACHE_DESTROY, &d), EINVAL);
	sh.id = id;
	sh.flags = SHADOWSLAB_SHRINK_PURGE << 1;
	result_err("SHRINK unknown flag",
		   ioctl_err(SHADOWSLAB_IOC_CACHE_SHRINK, &sh), EINVAL);

	result_err("FAULT unknown mode",
		   cache_fault(id, SHADOWSLAB_NR_FAULT_MODES, 1, 0, 0, NULL),
		   EINVAL);
	result_err("FAULT every-nth with nth 0",
		   cache_fault(id, SHADOWSLAB_FAULT_EVERY_NTH, 0, 0, 0, NULL),
		   EINVAL);
	result_err("FAULT probability 1000001 ppm",
		   cache_fault(id, SHADOWSLAB_FAULT_PROBABILITY, 0, 1000001, 0,
			       NULL), EINVAL);
	{
		/* Each mode takes only its own fields; reserved is 0. */
		static const struct {
			const char *name;
			struct shadowslab_cache_fault f;
		} rules[] = {
			{ "FAULT off with nth",
			  { .mode = SHADOWSLAB_FAULT_OFF, .nth = 1 } },
			{ "FAULT off with a seed",
			  { .mode = SHADOWSLAB_FAULT_OFF, .seed = 1 } },
			{ "FAULT every-nth with a probability",
			  { .mode = SHADOWSLAB_FAULT_EVERY_NTH, .nth = 2,
			    .probability_ppm = 1 } },
			{ "FAULT every-nth with a seed",
			  { .mode = SHADOWSLAB_FAULT_EVERY_NTH, .nth = 2,
			    .seed = 1 } },
			{ "FAULT probability with nth",
			  { .mode = SHADOWSLAB_FAULT_PROBABILITY, .nth = 2,
			    .probability_ppm = 1 } },
			{ "FAULT reserved non-zero",
			  { .mode = SHADOWSLAB_FAULT_OFF, .reserved = 1 } },
		};
		struct shadowslab_cache_fault f;

		for (i = 0; i < ARRAY_SIZE(rules); i++) {
			f = rules[i].f;
			f.id = id;
			result_err(rules[i].name,
				   ioctl_err(SHADOWSLAB_IOC_CACHE_FAULT, &f),
				   EINVAL);
		}
		/* An older tool's struct, without reserved: still accepted. */
		memset(&f, 0, sizeof(f));
		f.id = id;
		f.mode = SHADOWSLAB_FAULT_OFF;
		result_err("FAULT at its first size (no reserved field)",
			   ioctl_err(_IOC(_IOC_READ | _IOC_WRITE,
					  SHADOWSLAB_IOC_MAGIC,
					  _IOC_NR(SHADOWSLAB_IOC_CACHE_FAULT),
					  SHADOWSLAB_CACHE_FAULT_SIZE_VER0),
				     &f), 0);
	}
	err = cache_fault(id, SHADOWSLAB_FAULT_PROBABILITY, 0, 1000000, 0,
			  NULL);
	if (!err) {
		/* Every constructor fails: ALLOC gets nothing. */
		int aerr = cache_alloc(id, 1, NULL);

		if (aerr != ENOMEM) {
			ksft_print_msg("ALLOC with 1000000 ppm: expected ENOMEM, got %s\n",
				       errno_name(aerr));
			err = -1;
		}
		cache_fault(id, SHADOWSLAB_FAULT_OFF, 0, 0, 0, NULL);
	}
	result_err("FAULT probability 1000000 ppm: accepted, ALLOC ENOMEM",
		   err, 0);
	err = cache_stats(id, &st);
	ok = !err && !st.objs_held && !st.slabs_current;
	if (!ok)
		ksft_print_msg("after the bad ALLOC/FREE/FAULT calls: expected STATS with nothing held and no slab, got %s, %llu held, %llu slabs\n",
			       errno_name(err), st.objs_held, st.slabs_current);
	ksft_test_result(ok, "bad calls changed nothing in the cache\n");

	/* LIST: capacity smaller than the number of caches. */
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		char name[16];

		snprintf(name, sizeof(name), "list%u", i);
		if (cache_create(SHADOWSLAB_PROFILE_MM_6_2, name, 0, 0,
				 &extra[i]))
			ksft_exit_fail_msg("CREATE %s: expected success, got %s\n",
					   name, errno_name(errno));
	}
	n = cache_count();
	memset(ids, 0xff, sizeof(ids));
	err = cache_list(ids, 2, &count);
	ok = !err && count == n && n >= 4;
	if (!ok)
		ksft_print_msg("LIST capacity 2: expected success and count %u (>= 4), got %s and count %u\n",
			       n, errno_name(err), count);
	for (i = 2; i < ARRAY_SIZE(ids); i++) {
		if (ids[i] != 0xffffffff) {
			ksft_print_msg("LIST capacity 2: expected nothing written past 2 entries, got ids[%u] = %u\n",
				       i, ids[i]);
			ok = false;
			break;
		}
	}
	for (i = 0; i < 2; i++) {
		if (ids[i] == 0 || ids[i] > 64) {
			ksft_print_msg("LIST capacity 2: expected ids in 1..64, got ids[%u] = %u\n",
				       i, ids[i]);
			ok = false;
		}
	}
	ksft_test_result(ok, "LIST capacity < count: count returned, only capacity entries written\n");

	memset(ids, 0xff, sizeof(ids));
	err = cache_list(ids, ARRAY_SIZE(ids), &count);
	ok = !err && count == n;
	for (i = 0; ok && i < ARRAY_SIZE(extra); i++) {
		unsigned int j;
		bool found = false;

		for (j = 0; j < count; j++)
			found |= ids[j] == extra[i];
		if (!found) {
			ksft_print_msg("LIST: expected cache %u in the list, got it missing\n",
				       extra[i]);
			ok = false;
		}
	}
	if (ok && ids[count] != 0xffffffff) {
		ksft_print_msg("LIST: expected nothing written past count %u\n",
			       count);
		ok = false;
	}
	if (err || count != n)
		ksft_print_msg("LIST: expected success and count %u, got %s and %u\n",
			       n, errno_name(err), count);
	ksft_test_result(ok, "LIST capacity >= count: every cache listed\n");

	result_err("LIST capacity 1, ids_ptr NULL",
		   cache_list(NULL, 1, &count), EFAULT);

	/* Ids nobody has: 0, a free one in 1..64, and a huge one. */
	unknown[0] = 0;
	unknown[1] = 0;
	unknown[2] = 0xffffffff;
	err = cache_list(ids, ARRAY_SIZE(ids), &count);
	for (cand = 64; !err && cand > 0 && !unknown[1]; cand--) {
		bool used = false;

		for (i = 0; i < count && i < ARRAY_SIZE(ids); i++)
			used |= ids[i] == cand;
		if (!used)
			unknown[1] = cand;
	}
	for (i = 0; i < ARRAY_SIZE(extra); i++)
		cache_cleanup(extra[i], NULL);

	{
		static const struct {
			const char *name;
			unsigned long cmd;
		} cmds[] = {
			{ "DESTROY", SHADOWSLAB_IOC_CACHE_DESTROY },
			{ "ALLOC", SHADOWSLAB_IOC_CACHE_ALLOC },
			{ "FREE", SHADOWSLAB_IOC_CACHE_FREE },
			{ "SHRINK", SHADOWSLAB_IOC_CACHE_SHRINK },
			{ "STATS", SHADOWSLAB_IOC_CACHE_STATS },
			{ "FAULT", SHADOWSLAB_IOC_CACHE_FAULT },
		};
		unsigned int c, u;

		for (c = 0; c < ARRAY_SIZE(cmds); c++) {
			ok = true;
			for (u = 0; u < ARRAY_SIZE(unknown); u++) {
				/* Big enough for any cache command. */
				union {
					__u32 id;
					struct shadowslab_cache_objs objs;
					struct shadowslab_cache_stats st;
					struct shadowslab_cache_fault f;
				} arg;

				memset(&arg, 0, sizeof(arg));
				arg.id = unknown[u];
				if (cmds[c].cmd == SHADOWSLAB_IOC_CACHE_ALLOC)
					arg.objs.count = 1;
				err = ioctl_err(cmds[c].cmd, &arg);
				if (err != ENOENT) {
					ksft_print_msg("%s id %u: expected ENOENT, got %s\n",
						       cmds[c].name, unknown[u],
						       errno_name(err));
					ok = false;
				}
			}
			ksft_test_result(ok, "%s unknown id (0, %u, 0xffffffff): ENOENT\n",
					 cmds[c].name, unknown[1]);
		}
	}

	cache_cleanup(id, NULL);
	untrack(id);
}

/* ------------------------------------------------------------------ main */

#define PLAN	(2 + 2 * ARRAY_SIZE(profile_cases) + 2 + 2 + 8 + 2 + 2 + 2 + \
		 2 + 2 + 26 + 28 + 2)

int main(void)
{
	struct point p;
	long long balance0;
	__u32 caches0;

	shadowslab_test_start();
	ksft_set_plan(PLAN);
	shadowslab_device();
	atexit(at_exit);
	caches0 = cache_count();
	balance0 = module_balance();
	ksft_print_msg("%u possible CPUs, %u online, mm_struct %u bytes, %u caches before the test\n",
		       dev_info.nr_possible_cpus, dev_info.nr_online_cpus,
		       dev_info.mm_struct_size, caches0);

	test_accounting();		/* 2 */
	test_profiles();		/* 2 per profile */
	test_destroy_busy();		/* 2 */
	test_create_copy_out();		/* 1 */
	test_alloc_eintr();		/* 1 */
	test_faults();			/* 8 */
	test_shrink_purge();		/* 1 */
	test_shrink_working_set();	/* 1 */
	test_ws_timer();		/* 2 */
	test_drop_caches("normal", 0);	/* 1 */
	test_drop_caches("deferred dtor", SHADOWSLAB_CACHE_DEFERRED_DTOR);
	test_cpu_offline();		/* 2 */
	test_concurrency();		/* 2 */
	test_bad_create();		/* 23 */
	test_bad_ops();			/* 28 */

	cleanup_all();
	point_init(&p, "no cache left behind");
	expect_u64(&p, "LIST count", caches0, cache_count());
	point_end(&p);
	point_init(&p, "module percpu allocs - frees as before the test");
	expect_u64(&p, "INFO percpu_allocs - percpu_frees", balance0,
		   module_balance());
	point_end(&p);

	close(dev_fd);
	ksft_finished();
}
