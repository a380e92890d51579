// SPDX-License-Identifier: GPL-2.0
/*
 * test_fidelity - how faithfully a run models the kernel (issue 13): the
 * parts of RUN that make it pay what fork and exec pay.
 *
 *  1. the live set: with live L, each thread keeps the L newest objects
 *     and releases the oldest, so warm-up frees exactly (warm-up - L + 1)
 *     objects' memory and the timed phase as much as it allocates;
 *  2. remote frees: objects go to the next CPU's thread to be released
 *     there, the counters still sum to zero, and nothing leaks (the timed
 *     phase's frees are not its allocations: objects cross its ends in
 *     flight);
 *  3. retention: the shadow cache without magazines (SLUB's setting)
 *     keeping every slab runs no destructor in the timed phase; releasing
 *     empty slabs on the free path (min_partial 0) runs them there;
 *  4. the per-run kmem_cache is a cache of its own, made as mm_cachep is:
 *     never merged (not a SLUB alias), SLAB_HWCACHE_ALIGN;
 *  5. memory cgroups: a percpu run charges the RUN caller's memcg, as
 *     exec does: RUN reports that cgroup's inode, and its memory.stat
 *     "percpu" grows by the live set's percpu memory during the run and
 *     falls back after it; a ctor run charges none, because the kernel
 *     exports no per-use percpu charge (SHADOWSLAB_FEAT_PERCPU_CHARGE).
 *
 * Counts are asserted exactly where the design makes them exact; the
 * memcg figures are compared with half of what the live set holds, as
 * memcg statistics are flushed lazily.  Nothing here looks at time.
 */
#define LIVE		64
/* Twice the live set: warm-up both fills the ring and releases from it. */
#define RUN_WARMUP_CYCLES	(2 * LIVE)
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "run_child.h"

#define max(a, b)	((a) > (b) ? (a) : (b))

#define CYCLES		2000	/* per thread; scaled by run_tests.sh --scale */
#define WARMUP		RUN_WARMUP_CYCLES
#define LONG_RUN_NS	(60ULL * 1000000000ULL)
#define MEMCG_LIVE	512	/* objects per thread while memcg is read */
#define MM66_ALLOCS	2	/* mm-6.6: rss_stat block and mm_cid */
#define MM66_BYTES	32	/* their bytes per CPU */

static u64 cycles;
static __u32 online[RUN_CHILD_MAX_THREADS];
static unsigned int nr_online;

/* A checked mm-6.6 run on the first @nr_cpus online CPUs, live LIVE. */
static void fidelity_run_init(struct shadowslab_run *r, __u32 strategy,
			      unsigned int nr_cpus, u64 n, u64 duration_ns,
			      struct shadowslab_thread_result *res)
{
	run_init(r, strategy, SHADOWSLAB_PROFILE_MM_6_6, online, nr_cpus, n,
		 duration_ns, res);
	r->live = LIVE;
}

/* ------------------------------------------------------ 1. live set */

static void test_live_set(void)
{
	struct shadowslab_thread_result res[1];
	long long balance = module_balance();
	struct shadowslab_run r;
	struct point p;
	int err;

	point_init(&p, "live %d, percpu, 1 thread: the ring releases the oldest object, counts exact",
		   LIVE);
	fidelity_run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, 1, cycles, 0, res);
	err = do_run(&r);
	expect_err(&p, "RUN", 0, err);
	if (!err) {
		expect_u64(&p, "total_cycles", cycles, r.total_cycles);
		expect_u64(&p, "check_failures", 0, r.check_failures);
		expect_u64(&p, "warmup_percpu_allocs", WARMUP * MM66_ALLOCS,
			   r.warmup_percpu_allocs);
		expect_u64(&p, "warmup_percpu_frees (warm-up - live + 1 objects)",
			   (WARMUP - LIVE + 1) * MM66_ALLOCS,
			   r.warmup_percpu_frees);
		expect_u64(&p, "percpu_allocs", cycles * MM66_ALLOCS,
			   r.percpu_allocs);
		expect_u64(&p, "percpu_frees", cycles * MM66_ALLOCS,
			   r.percpu_frees);
		expect_u64(&p, "remote_frees", 0, r.remote_frees);
	}
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)",
		   balance, module_balance());
	point_end(&p);
}

/* --------------------------------------------------- 2. remote frees */

static void test_remote_free(void)
{
	struct shadowslab_thread_result res[RUN_CHILD_MAX_THREADS];
	long long balance = module_balance();
	struct shadowslab_run r;
	struct point p;
	int err;

	point_init(&p, "remote frees, percpu, live %d, %u threads: released on the next CPU, counters sum to zero, nothing leaked",
		   LIVE, nr_online);
	if (nr_online < 2) {
		ksft_test_result_skip("%s: needs 2 online CPUs\n", p.name);
		return;
	}
	fidelity_run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, nr_online, cycles, 0, res);
	r.flags |= SHADOWSLAB_RUN_REMOTE_FREE;
	err = do_run(&r);
	expect_err(&p, "RUN", 0, err);
	if (!err) {
		expect_u64(&p, "total_cycles", cycles * nr_online,
			   r.total_cycles);
		expect_u64(&p, "check_failures", 0, r.check_failures);
		expect_u64(&p, "percpu_allocs", cycles * nr_online * MM66_ALLOCS,
			   r.percpu_allocs);
		expect(&p, r.remote_frees > 0 &&
			   r.remote_frees <= r.total_cycles,
		       "expected 0 < remote_frees <= %llu, got %llu\n",
		       r.total_cycles, r.remote_frees);
		ksft_print_msg("remote frees: %llu of %llu cycles\n",
			       r.remote_frees, r.total_cycles);
	}
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)",
		   balance, module_balance());
	point_end(&p);
}

/* ----------------------------------------------------- 3. retention */

static void test_retention(__u32 retain)
{
	struct shadowslab_thread_result res[RUN_CHILD_MAX_THREADS];
	bool partial = retain == SHADOWSLAB_RETAIN_PARTIAL;
	long long balance = module_balance();
	struct shadowslab_run r;
	struct point p;
	int err;

	point_init(&p, "ctor without magazines, retain %s, live %d, remote frees: %s in the timed phase",
		   partial ? "partial:0" : "all", LIVE,
		   partial ? "destructors run" : "no destructor");
	if (nr_online < 2) {
		ksft_test_result_skip("%s: needs 2 online CPUs\n", p.name);
		return;
	}
	fidelity_run_init(&r, SHADOWSLAB_STRATEGY_CTOR, nr_online, cycles, 0, res);
	r.flags |= SHADOWSLAB_RUN_REMOTE_FREE | SHADOWSLAB_RUN_NO_MAGAZINES;
	r.retain = retain;
	err = do_run(&r);
	expect_err(&p, "RUN", 0, err);
	if (!err) {
		expect_u64(&p, "check_failures", 0, r.check_failures);
		if (partial)
			expect(&p, r.dtor_calls > 0 && r.ctor_calls > 0,
			       "expected ctor and dtor calls in the timed phase, got %llu and %llu\n",
			       r.ctor_calls, r.dtor_calls);
		else
			expect_u64(&p, "dtor_calls", 0, r.dtor_calls);
		/* Each object owns 2 regions: whole objects are freed. */
		expect_u64(&p, "percpu_frees", r.dtor_calls * MM66_ALLOCS,
			   r.percpu_frees);
		expect(&p, r.retained_percpu_bytes > 0,
		       "expected the cache to keep some percpu memory, got 0\n");
		ksft_print_msg("retain %s: %llu ctor and %llu dtor calls in %llu cycles\n",
			       partial ? "partial:0" : "all", r.ctor_calls,
			       r.dtor_calls, r.total_cycles);
	}
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)",
		   balance, module_balance());
	point_end(&p);
}

/* ------------------------------------------- runs watched from here */

/*
 * Start a long run of @strategy on every online CPU in a child and wait
 * for its timed phase; 0 or -1 (already reported).
 */
static pid_t start_long_run(__u32 strategy, unsigned int live, int *rd)
{
	struct shadowslab_run_progress pr;
	struct shadowslab_run r;
	pid_t pid;

	fidelity_run_init(&r, strategy, nr_online, 0, LONG_RUN_NS, NULL);
	r.live = live;
	r.sample_shift = 8;
	pid = start_run_child(&r, rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	if (!wait_phase(pid, SHADOWSLAB_PHASE_TIMED, RUN_CHILD_WAIT_SECONDS,
			&pr)) {
		kill(pid, SIGKILL);
		reap(pid, RUN_CHILD_WAIT_SECONDS);
		close(*rd);
		return -1;
	}
	return pid;
}

/* SIGINT the run, which must return 0, CANCELLED, without check failures. */
static void stop_long_run(struct point *p, pid_t pid, int rd,
			  struct run_report *rep)
{
	int status;
	bool got;

	kill(pid, SIGINT);
	got = read_run_report(rd, rep);
	close(rd);
	status = reap(pid, RUN_CHILD_WAIT_SECONDS);
	expect(p, got && WIFEXITED(status) && !WEXITSTATUS(status),
	       "expected the child's report and exit 0, got status 0x%x\n",
	       status);
	if (!got)
		return;
	expect_err(p, "RUN", 0, rep->err);
	expect_u64(p, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED,
		   rep->run.status);
	expect_u64(p, "check_failures", 0, rep->run.check_failures);
}

/* ------------------------------------------- 4. the per-run kmem_cache */

#define SLAB_SYSFS	"/sys/kernel/slab/shadowslab_run"

static void test_kmem_cache_unmerged(void)
{
	struct run_report rep;
	char value[16] = "";
	struct point p;
	struct stat st;
	FILE *f;
	int rd;
	pid_t pid;

	point_init(&p, "the per-run kmem_cache is its own cache (not merged), SLAB_HWCACHE_ALIGN");
	if (access("/sys/kernel/slab", F_OK)) {
		ksft_test_result_skip("%s: no /sys/kernel/slab\n", p.name);
		return;
	}
	pid = start_long_run(SHADOWSLAB_STRATEGY_PERCPU, 1, &rd);
	expect(&p, pid > 0, "expected the run to reach its timed phase\n");
	if (pid <= 0) {
		point_end(&p);
		return;
	}
	/* A merged cache shows only as a symlink to the cache it joined. */
	expect(&p, !lstat(SLAB_SYSFS, &st) && S_ISDIR(st.st_mode),
	       "expected %s to be a directory, not an alias (%s)\n",
	       SLAB_SYSFS, errno_name(errno));
	f = fopen(SLAB_SYSFS "/hwcache_align", "re");
	if (f) {
		if (!fgets(value, sizeof(value), f))
			value[0] = '\0';
		fclose(f);
	}
	expect(&p, value[0] == '1', "expected hwcache_align 1, got '%s'\n",
	       value);
	stop_long_run(&p, pid, rd, &rep);
	point_end(&p);
}

/* ------------------------------------------------------- 5. memcg */

static char cgroup_root[PATH_MAX];	/* the cgroup2 mount */
static char cgroup_self[PATH_MAX];	/* our cgroup, under it */
static char cgroup_test[PATH_MAX];	/* the one the runs charge */

static bool move_self(const char *cgroup)
{
	char path[PATH_MAX + 16], pid[16];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	snprintf(pid, sizeof(pid), "%d", getpid());
	return !write_file(path, pid);
}

/* The cgroup2 mount and our place in it, with the memory controller. */
static const char *memcg_setup(void)
{
	char line[PATH_MAX + 64], *mnt, *fstype;
	char controllers[512] = "";
	FILE *f;

	if (!(dev_info.features & SHADOWSLAB_FEAT_MEMCG_KMEM))
		return "this kernel charges no kernel memory to memcgs";
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		/* id parent major:minor root mount ... - fstype ... */
		fstype = strstr(line, " - ");
		if (!fstype || strncmp(fstype, " - cgroup2 ", 11))
			continue;
		strtok(line, " ");
		for (mnt = NULL; (mnt = strtok(NULL, " ")); )
			if (mnt[0] == '/' && strcmp(mnt, "/"))
				break;
		if (mnt)
			snprintf(cgroup_root, sizeof(cgroup_root), "%s", mnt);
		break;
	}
	if (f)
		fclose(f);
	if (!cgroup_root[0])
		return "no cgroup2 mount";
	f = fopen("/proc/self/cgroup", "re");
	if (f && fgets(line, sizeof(line), f) && !strncmp(line, "0::", 3)) {
		line[strcspn(line, "\n")] = '\0';
		if (snprintf(cgroup_self, sizeof(cgroup_self), "%s%s",
			     cgroup_root,
			     strcmp(line + 3, "/") ? line + 3 : "") >=
		    (int)sizeof(cgroup_self))
			cgroup_self[0] = '\0';
	}
	if (f)
		fclose(f);
	if (!cgroup_self[0])
		return "not in a cgroup2 hierarchy";
	snprintf(line, sizeof(line), "%s/cgroup.controllers", cgroup_root);
	f = fopen(line, "re");
	if (f) {
		if (!fgets(controllers, sizeof(controllers), f))
			controllers[0] = '\0';
		fclose(f);
	}
	if (!strstr(controllers, "memory"))
		return "no memory controller in cgroup2";
	snprintf(line, sizeof(line), "%s/cgroup.subtree_control", cgroup_root);
	write_file(line, "+memory");
	if (snprintf(cgroup_test, sizeof(cgroup_test), "%s/shadowslab-test-%d",
		     cgroup_root, getpid()) >= (int)sizeof(cgroup_test))
		return "the cgroup2 mount's path is too long";
	if (mkdir(cgroup_test, 0755) && errno != EEXIST)
		return "cannot create a cgroup";
	snprintf(line, sizeof(line), "%s/memory.stat", cgroup_test);
	if (access(line, R_OK))
		return "the test cgroup has no memory.stat";
	return NULL;
}

/* The test cgroup's memory.stat "percpu" line, in bytes; -1 if none. */
static long long memcg_percpu(void)
{
	char path[PATH_MAX + 16], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.stat", cgroup_test);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "percpu %lld", &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/*
 * Poll memory.stat every 100 ms, @tries times at most, until percpu is at
 * least (@above) or at most (!@above) @bytes; the most (@above) or the
 * last value read.
 */
static long long memcg_percpu_wait(long long bytes, bool above, int tries)
{
	long long v = memcg_percpu();
	int i;

	for (i = 0; i < tries && (above ? v < bytes : v > bytes); i++) {
		sleep_ms(100);
		v = above ? max(v, memcg_percpu()) : memcg_percpu();
	}
	return v;
}

/*
 * A run of @strategy in the test cgroup; whether memory.stat's percpu
 * must grow by half the live set's percpu memory, or stay below a tenth.
 */
static void test_memcg_run(__u32 strategy, bool charged)
{
	long long live_bytes = (long long)MEMCG_LIVE * nr_online *
			       MM66_BYTES * dev_info.nr_possible_cpus;
	long long before, during, after;
	struct run_report rep;
	struct point p;
	struct stat st;
	int rd;
	pid_t pid;

	point_init(&p, charged ?
		   "memcg live: a percpu run charges the caller's memcg: memory.stat percpu grows by its live set, then falls back" :
		   "memcg: a ctor run charges no percpu per use (the kernel exports no way; PERCPU_CHARGE clear)");
	before = memcg_percpu();
	/* The child starts in the test cgroup; we go back at once. */
	if (!move_self(cgroup_test))
		ksft_exit_fail_msg("cannot join %s\n", cgroup_test);
	pid = start_long_run(strategy, MEMCG_LIVE, &rd);
	if (!move_self(cgroup_self))
		ksft_exit_fail_msg("cannot go back to %s\n", cgroup_self);
	expect(&p, pid > 0, "expected the run to reach its timed phase\n");
	if (pid <= 0) {
		point_end(&p);
		return;
	}
	/* Uncharged: the most seen over a stats flush period (2 s). */
	during = charged ? memcg_percpu_wait(before + live_bytes / 2, true, 100) :
			   memcg_percpu_wait(LLONG_MAX, true, 25);
	stop_long_run(&p, pid, rd, &rep);
	if (!stat(cgroup_test, &st))
		expect_u64(&p, "memcg_ino (the test cgroup's inode)",
			   st.st_ino, rep.run.memcg_ino);
	after = memcg_percpu_wait(before + live_bytes / 10, false, 100);
	ksft_print_msg("%s: memory.stat percpu %lld before, %lld during, %lld after; live set %lld bytes\n",
		       charged ? "percpu" : "ctor", before, during, after,
		       live_bytes);
	if (charged) {
		expect(&p, during >= before + live_bytes / 2,
		       "expected percpu >= %lld during the run, got %lld\n",
		       before + live_bytes / 2, during);
		expect(&p, after <= before + live_bytes / 10,
		       "expected percpu back to <= %lld after the run, got %lld\n",
		       before + live_bytes / 10, after);
	} else {
		expect(&p, !(dev_info.features & SHADOWSLAB_FEAT_PERCPU_CHARGE),
		       "expected PERCPU_CHARGE clear: no released kernel exports a percpu charge\n");
		expect(&p, during <= before + live_bytes / 10,
		       "expected percpu <= %lld during the run, got %lld\n",
		       before + live_bytes / 10, during);
	}
	point_end(&p);
}

static void test_memcg(void)
{
	const char *why = memcg_setup();

	if (why) {
		ksft_test_result_skip("memcg live: %s\n", why);
		ksft_test_result_skip("memcg ctor: %s\n", why);
		return;
	}
	test_memcg_run(SHADOWSLAB_STRATEGY_PERCPU, true);
	test_memcg_run(SHADOWSLAB_STRATEGY_CTOR, false);
	rmdir(cgroup_test);
}

int main(void)
{
	shadowslab_test_start();
	ksft_set_plan(7);
	shadowslab_device();
	nr_online = online_cpus(online, RUN_CHILD_MAX_THREADS);
	cycles = shadowslab_test_scaled(CYCLES, 4 * LIVE);

	test_live_set();
	test_remote_free();
	test_retention(SHADOWSLAB_RETAIN_ALL);
	test_retention(SHADOWSLAB_RETAIN_PARTIAL);
	test_kmem_cache_unmerged();
	test_memcg();

	close(dev_fd);
	ksft_finished();
}
