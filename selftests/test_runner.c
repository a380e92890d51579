// SPDX-License-Identifier: GPL-2.0
/*
 * test_runner - the workload engine, through RUN and RUN_PROGRESS (issue 4).
 *
 * What a run reports must be exactly what it did, because every number
 * shadowctl prints comes from it:
 *
 *  1. every strategy with every profile, on one thread and on every
 *     online CPU, cycle-bound with RUN_CHECK: each thread ran exactly the
 *     cycles asked for, with no check failure, and timed one cycle in
 *     2^sample_shift (cycles n with n & mask == 0, so ceil(cycles /
 *     2^shift) samples, all in the histogram);
 *  2. what the run counted, exactly: percpu makes the profile's
 *     allocations on every cycle (mm-6.6 2, mm-6.4 5, mm-6.2 4,
 *     tc_action 3) and one ctor and one dtor call; merged one allocation;
 *     lazy those of the regions that are not counters, and the counters'
 *     on the cycles that go multi-threaded (a quarter here: exactly
 *     floor(n / 4) of a CPU's first n uses); stash one batch of 16 sets
 *     per thread in warm-up and nothing after; ctor whole objects in
 *     warm-up and nothing after; slab and cache nothing at all.  Only
 *     ctor and stash retain percpu memory when idle.  After every run the
 *     module's INFO percpu_allocs - percpu_frees is as it was: a run
 *     leaks nothing;
 *  3. a duration-bound run completes with cycles done;
 *  4. RUN_PROGRESS follows a run from another process, and a second RUN
 *     meanwhile gets EBUSY;
 *  5. a signal cancels a run: SIGINT makes RUN return 0, CANCELLED, with
 *     the partial results (in the timed phase and in warm-up); SIGKILL
 *     kills the caller, and the runner is idle and usable afterwards;
 *  7. every malformed RUN argument.
 * (6, rmmod during a run, is test_runner_rmmod.sh, which uses this
 * program's helper modes, below.)
 *
 * The timed runs are short (2000 cycles, times run_tests.sh --scale) and
 * nothing here looks at how long anything took: TCG guests are slow and
 * shared.
 *
 * Helper modes, for test_runner_rmmod.sh (not TAP):
 *   test_runner --run-until-signal   one thread on the first online CPU,
 *       a 60 s run; SIGINT or SIGTERM cancels it; exit 0 if RUN returned
 *       0, CANCELLED, with cycles done
 *   test_runner --wait-timed SECONDS   exit 0 once RUN_PROGRESS shows a
 *       run in its timed phase with cycles done, 1 after SECONDS
 *   test_runner --leave-cache COUNT   create a cache holding COUNT
 *       objects (and as many freed into it), and leave it to the module
 */
/* Longer than shadowslab_test.h's defaults, as the expectations below say. */
#define RUN_WARMUP_CYCLES	50
#define RUN_MT_FRACTION_PPM	250000	/* lazy: a quarter of the cycles */
#include "run_child.h"

#define MAX_THREADS	RUN_CHILD_MAX_THREADS
#define FULL_CYCLES	2000	/* per thread; run_tests.sh --scale shrinks it */
#define RESULT_SIZE	sizeof(struct shadowslab_thread_result)
#define LONG_RUN_NS	(60ULL * 1000000000ULL)

static u64 cycles;		/* FULL_CYCLES, scaled */
static __u32 online[MAX_THREADS];
static unsigned int nr_online;

/* ------------------------------------------------------------ helpers */

static const char *const strategy_names[] = {
	[SHADOWSLAB_STRATEGY_PERCPU] = "percpu",
	[SHADOWSLAB_STRATEGY_CTOR] = "ctor",
	[SHADOWSLAB_STRATEGY_SLAB] = "slab",
	[SHADOWSLAB_STRATEGY_CACHE] = "cache",
	[SHADOWSLAB_STRATEGY_STASH] = "stash",
	[SHADOWSLAB_STRATEGY_MERGED] = "merged",
	[SHADOWSLAB_STRATEGY_LAZY] = "lazy",
};

static const struct {
	const char *name;
	__u32 profile;
	unsigned int allocs;	/* percpu allocations per object */
	unsigned int counter_allocs;	/* of which for rss counters */
	__u32 sample_shift;	/* varied, to cover the rounding */
} profiles[] = {
	{ "mm-6.6", SHADOWSLAB_PROFILE_MM_6_6, 2, 1, 0 },
	{ "mm-6.4", SHADOWSLAB_PROFILE_MM_6_4, 5, 4, 3 },
	{ "mm-6.2", SHADOWSLAB_PROFILE_MM_6_2, 4, 4, 5 },
	{ "tc_action", SHADOWSLAB_PROFILE_TC_ACTION, 3, 0, 16 },
};

/* lazy: the share of cycles that go multi-threaded, and how many do. */
#define MT_PPM		RUN_MT_FRACTION_PPM
#define STASH_BATCH	16	/* sets a stash is refilled with */

static u64 mt_upgrades(u64 uses)
{
	return uses * MT_PPM / SHADOWSLAB_PPM;
}

static u64 expected_samples(u64 cycles, unsigned int shift)
{
	return (cycles + (1ULL << shift) - 1) >> shift;
}

/*
 * The per-thread results of a finished run: the CPUs asked for, the
 * cycles (exactly @cycles unless 0: then any number, summed), samples and
 * histogram; the total and check failures.
 */
static void expect_results(struct point *p, const struct shadowslab_run *r,
			   const struct shadowslab_thread_result *res,
			   const __u32 *cpus, u64 cycles)
{
	u64 total = 0, checks = 0;
	unsigned int i, b;
	char what[96];

	for (i = 0; i < r->nr_cpus; i++) {
		u64 hist = 0;

		for (b = 0; b < SHADOWSLAB_HIST_BUCKETS; b++)
			hist += res[i].hist[b];
		snprintf(what, sizeof(what), "thread %u: cpu", i);
		expect_u64(p, what, cpus[i], res[i].cpu);
		if (cycles) {
			snprintf(what, sizeof(what), "thread %u: cycles", i);
			expect_u64(p, what, cycles, res[i].cycles);
		}
		snprintf(what, sizeof(what), "thread %u: check_failures", i);
		expect_u64(p, what, 0, res[i].check_failures);
		snprintf(what, sizeof(what),
			 "thread %u: samples (ceil(%llu cycles / 2^%u))", i,
			 res[i].cycles, r->sample_shift);
		expect_u64(p, what, expected_samples(res[i].cycles,
						     r->sample_shift),
			   res[i].samples);
		snprintf(what, sizeof(what), "thread %u: sum of hist[]", i);
		expect_u64(p, what, res[i].samples, hist);
		/* No CPU goes offline here: no thread may have moved. */
		snprintf(what, sizeof(what), "thread %u: flags", i);
		expect_u64(p, what, 0, res[i].flags);
		total += res[i].cycles;
		checks += res[i].check_failures;
	}
	expect_u64(p, "total_cycles vs the threads' sum", total,
		   r->total_cycles);
	expect_u64(p, "check_failures vs the threads' sum", checks,
		   r->check_failures);
	expect_u64(p, "check_failures", 0, r->check_failures);
}

/* ------------------------------------------------ 1, 2: the matrix */

/* What one thread's share of a run must add up to, per strategy. */
struct counts {
	u64 allocs, warmup_allocs;	/* frees: the same */
	u64 ctor_calls, dtor_calls;	/* timed */
	u64 mt_upgrades;
};

static struct counts expected_counts(__u32 strategy, unsigned int prof)
{
	u64 allocs = profiles[prof].allocs;
	u64 counters = profiles[prof].counter_allocs;
	struct counts c = { 0 };
	u64 up;

	switch (strategy) {
	case SHADOWSLAB_STRATEGY_PERCPU:
		c.allocs = cycles * allocs;
		c.warmup_allocs = RUN_WARMUP_CYCLES * allocs;
		c.ctor_calls = c.dtor_calls = cycles;
		break;
	case SHADOWSLAB_STRATEGY_MERGED:
		c.allocs = cycles;
		c.warmup_allocs = RUN_WARMUP_CYCLES;
		c.ctor_calls = c.dtor_calls = cycles;
		break;
	case SHADOWSLAB_STRATEGY_LAZY:
		up = mt_upgrades(RUN_WARMUP_CYCLES + cycles) -
		     mt_upgrades(RUN_WARMUP_CYCLES);
		c.allocs = cycles * (allocs - counters) + up * counters;
		c.warmup_allocs = RUN_WARMUP_CYCLES * (allocs - counters) +
				  mt_upgrades(RUN_WARMUP_CYCLES) * counters;
		c.ctor_calls = cycles + up;
		c.dtor_calls = cycles;
		c.mt_upgrades = up;
		break;
	case SHADOWSLAB_STRATEGY_STASH:
		c.warmup_allocs = STASH_BATCH * allocs;
		break;
	}
	return c;
}

static void expect_counts(struct point *p, const struct shadowslab_run *r,
			  __u32 strategy, unsigned int prof,
			  unsigned int nr_cpus)
{
	struct counts c = expected_counts(strategy, prof);
	u64 n = nr_cpus;

	expect_u64(p, "percpu_allocs", c.allocs * n, r->percpu_allocs);
	expect_u64(p, "percpu_frees", c.allocs * n, r->percpu_frees);
	expect_u64(p, "ctor_calls", c.ctor_calls * n, r->ctor_calls);
	expect_u64(p, "dtor_calls", c.dtor_calls * n, r->dtor_calls);
	expect_u64(p, "mt_upgrades", c.mt_upgrades * n, r->mt_upgrades);
	expect_u64(p, "remote_frees", 0, r->remote_frees);
	if (strategy == SHADOWSLAB_STRATEGY_CTOR) {
		/* whole objects constructed, then kept */
		expect(p, r->warmup_percpu_allocs > 0 &&
			  r->warmup_percpu_allocs % profiles[prof].allocs == 0,
		       "expected warmup_percpu_allocs a positive multiple of %u (whole objects constructed), got %llu\n",
		       profiles[prof].allocs, r->warmup_percpu_allocs);
		expect_u64(p, "warmup_percpu_frees", 0,
			   r->warmup_percpu_frees);
	} else {
		expect_u64(p, "warmup_percpu_allocs", c.warmup_allocs * n,
			   r->warmup_percpu_allocs);
		/* the stash keeps what it was refilled with */
		expect_u64(p, "warmup_percpu_frees",
			   strategy == SHADOWSLAB_STRATEGY_STASH ? 0 :
			   c.warmup_allocs * n, r->warmup_percpu_frees);
	}
	if (strategy == SHADOWSLAB_STRATEGY_CTOR ||
	    strategy == SHADOWSLAB_STRATEGY_STASH)
		expect(p, r->retained_percpu_bytes > 0 &&
			  r->retained_percpu_bytes % dev_info.nr_possible_cpus == 0,
		       "expected retained_percpu_bytes a positive multiple of %u possible CPUs, got %llu\n",
		       dev_info.nr_possible_cpus, r->retained_percpu_bytes);
	else
		expect_u64(p, "retained_percpu_bytes", 0,
			   r->retained_percpu_bytes);
}

static void test_matrix_run(__u32 strategy, unsigned int prof,
			    const __u32 *cpus, unsigned int nr_cpus)
{
	struct shadowslab_thread_result res[MAX_THREADS];
	struct shadowslab_run r;
	long long balance = module_balance();
	struct point p;
	int err;

	point_init(&p, "%s %s, %u thread%s: COMPLETED, exact cycles, samples, histogram",
		   strategy_names[strategy], profiles[prof].name, nr_cpus,
		   nr_cpus == 1 ? "" : "s");
	memset(res, 0xa5, sizeof(res));
	run_init(&r, strategy, profiles[prof].profile, cpus, nr_cpus, cycles,
		 0, res);
	r.sample_shift = profiles[prof].sample_shift;
	err = do_run(&r);
	expect_err(&p, "RUN", 0, err);
	if (!err) {
		expect_u64(&p, "status (COMPLETED)", SHADOWSLAB_RUN_COMPLETED,
			   r.status);
		expect_u64(&p, "total_cycles", cycles * nr_cpus,
			   r.total_cycles);
		expect_results(&p, &r, res, cpus, cycles);
	}
	point_end(&p);

	point_init(&p, "%s %s, %u thread%s: percpu allocs, ctor and dtor calls, retained memory, nothing leaked",
		   strategy_names[strategy], profiles[prof].name, nr_cpus,
		   nr_cpus == 1 ? "" : "s");
	if (!err)
		expect_counts(&p, &r, strategy, prof, nr_cpus);
	else
		expect(&p, false, "RUN failed\n");
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before the run)",
		   balance, module_balance());
	point_end(&p);
}

static void test_matrix(void)
{
	unsigned int s, prof;

	for (s = 0; s < SHADOWSLAB_NR_STRATEGIES; s++) {
		for (prof = 0; prof < ARRAY_SIZE(profiles); prof++) {
			test_matrix_run(s, prof, online, 1);
			test_matrix_run(s, prof, online, nr_online);
		}
	}
}

/* -------------------------------------------------- 3. duration-bound */

static void test_duration(void)
{
	struct shadowslab_thread_result res[MAX_THREADS];
	struct shadowslab_run_progress pr;
	long long balance = module_balance();
	struct shadowslab_run r;
	struct point p;
	int err;

	point_init(&p, "duration-bound run (0.3 s, ctor mm-6.6, %u threads): COMPLETED, cycles > 0",
		   nr_online);
	run_init(&r, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
		 online, nr_online, 0, 300000000ULL, res);
	r.sample_shift = 4;
	err = do_run(&r);
	expect_err(&p, "RUN", 0, err);
	if (!err) {
		expect_u64(&p, "status (COMPLETED)", SHADOWSLAB_RUN_COMPLETED,
			   r.status);
		expect(&p, r.total_cycles > 0,
		       "expected total_cycles > 0, got 0\n");
		expect_results(&p, &r, res, online, 0);
		ksft_print_msg("duration-bound: %llu cycles in total\n",
			       r.total_cycles);
	}
	err = progress(&pr);
	expect_err(&p, "RUN_PROGRESS", 0, err);
	if (!err)
		expect_u64(&p, "RUN_PROGRESS phase after the run (IDLE)",
			   SHADOWSLAB_PHASE_IDLE, pr.phase);
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before the run)",
		   balance, module_balance());
	point_end(&p);
}

/* ----------------------------------------------- 4, 5: runs in a child */

static void expect_idle_and_usable(struct point *p, long long balance)
{
	struct shadowslab_thread_result res[1];
	struct shadowslab_run_progress pr;
	struct shadowslab_run r;
	int err;

	err = progress(&pr);
	expect_err(p, "RUN_PROGRESS", 0, err);
	if (!err) {
		expect_u64(p, "RUN_PROGRESS phase (IDLE)", SHADOWSLAB_PHASE_IDLE,
			   pr.phase);
		expect_u64(p, "RUN_PROGRESS nr_threads", 0, pr.nr_threads);
		expect_u64(p, "RUN_PROGRESS cycles", 0, pr.cycles);
	}
	run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_6,
		 online, 1, 100, 0, res);
	/* Outputs start from zero: whatever the caller left there is ignored. */
	r.status = ~0u;
	r.total_cycles = r.check_failures = 1000000;
	r.percpu_allocs = r.percpu_frees = 1000000;
	r.warmup_percpu_allocs = r.warmup_percpu_frees = 1000000;
	err = do_run(&r);
	expect_err(p, "a new RUN", 0, err);
	if (!err) {
		expect_u64(p, "new RUN status (COMPLETED)",
			   SHADOWSLAB_RUN_COMPLETED, r.status);
		expect_u64(p, "new RUN total_cycles (pre-filled)", 100,
			   r.total_cycles);
		expect_u64(p, "new RUN check_failures (pre-filled)", 0,
			   r.check_failures);
		expect_u64(p, "new RUN percpu_allocs (pre-filled; 100 * 2)",
			   200, r.percpu_allocs);
		expect_u64(p, "new RUN warmup_percpu_allocs (pre-filled; warm-up * 2)",
			   RUN_WARMUP_CYCLES * 2, r.warmup_percpu_allocs);
	}
	expect_u64(p, "INFO percpu_allocs - percpu_frees (vs before)",
		   balance, module_balance());
}

/*
 * A long percpu run on every online CPU in a child: RUN_PROGRESS follows
 * it, a second RUN gets EBUSY, and SIGINT cancels it.
 */
static void test_busy_and_sigint(void)
{
	struct shadowslab_thread_result res[1];
	struct shadowslab_run_progress pr, pr2;
	struct shadowslab_run r, busy;
	long long balance = module_balance();
	struct run_report rep;
	struct point p;
	int rd = -1, status, i, err;
	bool timed, got;
	pid_t pid;

	run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_4,
		 online, nr_online, 0, LONG_RUN_NS, NULL);
	r.sample_shift = 2;

	point_init(&p, "RUN_PROGRESS from another process: TIMED, nr_threads, duration, growing cycles");
	pid = start_run_child(&r, &rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	timed = wait_phase(pid, SHADOWSLAB_PHASE_TIMED, RUN_CHILD_WAIT_SECONDS,
			   &pr);
	expect(&p, timed, "expected the child's run to reach the timed phase\n");
	if (timed) {
		expect_u64(&p, "nr_threads", nr_online, pr.nr_threads);
		expect_u64(&p, "target_cycles (duration-bound)", 0,
			   pr.target_cycles);
		expect_u64(&p, "duration_ns", LONG_RUN_NS, pr.duration_ns);
		/* Cycles grow: poll for it, bounded. */
		for (i = 0; i < RUN_CHILD_WAIT_SECONDS * 100; i++) {
			if (progress(&pr2) || pr2.cycles > pr.cycles)
				break;
			sleep_ms(10);
		}
		expect(&p, pr2.cycles > pr.cycles,
		       "expected RUN_PROGRESS cycles to grow past %llu, got %llu\n",
		       pr.cycles, pr2.cycles);
		expect_u64(&p, "phase, later", SHADOWSLAB_PHASE_TIMED,
			   pr2.phase);
	}
	point_end(&p);

	point_init(&p, "second RUN while one runs: EBUSY");
	run_init(&busy, SHADOWSLAB_STRATEGY_SLAB, SHADOWSLAB_PROFILE_MM_6_6,
		 online, 1, 10, 0, res);
	err = do_run(&busy);
	expect_err(&p, "RUN", EBUSY, err);
	err = progress(&pr2);
	expect(&p, !err && pr2.phase == SHADOWSLAB_PHASE_TIMED &&
		   pr2.nr_threads == nr_online,
	       "expected the first run unaffected (phase TIMED, %u threads), got %s, phase %u, %u threads\n",
	       nr_online, errno_name(err), pr2.phase, pr2.nr_threads);
	point_end(&p);

	point_init(&p, "SIGINT in the timed phase: RUN returns 0, CANCELLED, partial results");
	kill(pid, SIGINT);
	got = read_run_report(rd, &rep);
	close(rd);
	status = reap(pid, RUN_CHILD_WAIT_SECONDS);
	expect(&p, WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "expected the child to exit 0, got status 0x%x\n", status);
	expect(&p, got, "expected the child's report\n");
	if (got) {
		expect_err(&p, "RUN", 0, rep.err);
		expect_u64(&p, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED,
			   rep.run.status);
		expect(&p, rep.run.total_cycles > 0,
		       "expected partial total_cycles > 0, got 0\n");
		expect_results(&p, &rep.run, rep.res, online, 0);
		expect_u64(&p, "percpu_allocs (total_cycles * 5, mm-6.4)",
			   rep.run.total_cycles * 5, rep.run.percpu_allocs);
		expect_u64(&p, "percpu_frees", rep.run.percpu_allocs,
			   rep.run.percpu_frees);
		ksft_print_msg("cancelled after %llu cycles\n",
			       rep.run.total_cycles);
	}
	point_end(&p);

	point_init(&p, "after the SIGINT: runner idle and usable, nothing leaked");
	expect_idle_and_usable(&p, balance);
	point_end(&p);
}

/* SIGINT while the threads are still warming up. */
static void test_sigint_warmup(void)
{
	struct shadowslab_run_progress pr;
	long long balance = module_balance();
	struct shadowslab_run r;
	struct run_report rep;
	struct point p;
	int rd = -1, status;
	bool got;
	pid_t pid;

	point_init(&p, "SIGINT in warm-up: RUN returns 0, CANCELLED, no timed cycles");
	run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_6,
		 online, nr_online, 100, 0, NULL);
	r.warmup_cycles = SHADOWSLAB_RUN_MAX_CYCLES;
	pid = start_run_child(&r, &rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	expect(&p, wait_phase(pid, SHADOWSLAB_PHASE_WARMUP,
			       RUN_CHILD_WAIT_SECONDS, &pr),
	       "expected the child's run to reach warm-up\n");
	kill(pid, SIGINT);
	got = read_run_report(rd, &rep);
	close(rd);
	status = reap(pid, RUN_CHILD_WAIT_SECONDS);
	expect(&p, WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "expected the child to exit 0, got status 0x%x\n", status);
	expect(&p, got, "expected the child's report\n");
	if (got) {
		expect_err(&p, "RUN", 0, rep.err);
		expect_u64(&p, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED,
			   rep.run.status);
		expect_u64(&p, "total_cycles", 0, rep.run.total_cycles);
		expect_u64(&p, "percpu_allocs (timed)", 0,
			   rep.run.percpu_allocs);
		expect_results(&p, &rep.run, rep.res, online, 0);
	}
	expect_idle_and_usable(&p, balance);
	point_end(&p);
}

static void test_sigkill(void)
{
	struct shadowslab_run_progress pr;
	long long balance = module_balance();
	struct shadowslab_run r;
	struct point p;
	int rd = -1, status;
	pid_t pid;

	point_init(&p, "SIGKILL mid-run: the caller dies, runner idle and usable, nothing leaked");
	run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_6,
		 online, nr_online, 0, LONG_RUN_NS, NULL);
	pid = start_run_child(&r, &rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	expect(&p, wait_phase(pid, SHADOWSLAB_PHASE_TIMED,
			       RUN_CHILD_WAIT_SECONDS, &pr),
	       "expected the child's run to reach the timed phase\n");
	kill(pid, SIGKILL);
	status = reap(pid, RUN_CHILD_WAIT_SECONDS);
	close(rd);
	expect(&p, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "expected the child killed by SIGKILL, got status 0x%x\n",
	       status);
	expect_idle_and_usable(&p, balance);
	point_end(&p);
}

/* ------------------------------------------------- 7. bad arguments */

/* A valid, short run: each case breaks one thing. */
static struct shadowslab_thread_result bad_res[MAX_THREADS];

static struct shadowslab_run valid_run(const __u32 *cpus, __u32 n)
{
	struct shadowslab_run r;

	run_init(&r, SHADOWSLAB_STRATEGY_SLAB, SHADOWSLAB_PROFILE_MM_6_6,
		 cpus, n, 10, 0, bad_res);
	return r;
}

static void bad_run(const char *name, struct shadowslab_run r, int expected)
{
	result_err(name, do_run(&r), expected);
}

static void test_bad_args(void)
{
	__u32 possible[CPU_SETSIZE], offline = UINT32_MAX;
	__u32 dup[2] = { online[0], online[0] };
	__u32 too_big[1] = { dev_info.nr_cpu_ids };
	__u32 off[1];
	struct shadowslab_run r;
	unsigned char big[sizeof(r) + 32];
	long long balance = module_balance();
	struct shadowslab_run_progress pr;
	int n, i, j, err;
	bool ok;

	/* A possible CPU that is not online, if there is one. */
	n = read_cpulist("/sys/devices/system/cpu/possible", possible,
			 CPU_SETSIZE);
	for (i = 0; i < n && offline == UINT32_MAX; i++) {
		bool on = false;

		for (j = 0; j < (int)nr_online; j++)
			on |= online[j] == possible[i];
		if (!on)
			offline = possible[i];
	}

	r = valid_run(online, 0);
	bad_run("RUN nr_cpus 0", r, EINVAL);
	r = valid_run(too_big, 1);
	bad_run("RUN CPU id nr_cpu_ids", r, EINVAL);
	if (offline != UINT32_MAX) {
		char name[64];

		off[0] = offline;
		snprintf(name, sizeof(name), "RUN possible but offline CPU %u",
			 offline);
		r = valid_run(off, 1);
		bad_run(name, r, EINVAL);
	} else {
		ksft_test_result_skip("RUN possible but offline CPU: every possible CPU is online (vm-run --maxcpus)\n");
	}
	r = valid_run(dup, 2);
	bad_run("RUN the same CPU twice", r, EINVAL);
	r = valid_run(online, dev_info.nr_cpu_ids + 1);
	bad_run("RUN nr_cpus > nr_cpu_ids", r, EINVAL);
	r = valid_run(online, 1);
	r.cycles = SHADOWSLAB_RUN_MAX_CYCLES + 1;
	bad_run("RUN cycles > SHADOWSLAB_RUN_MAX_CYCLES", r, EINVAL);
	r = valid_run(online, 1);
	r.warmup_cycles = SHADOWSLAB_RUN_MAX_CYCLES + 1;
	bad_run("RUN warmup_cycles > SHADOWSLAB_RUN_MAX_CYCLES", r, EINVAL);
	r = valid_run(online, 1);
	r.cycles = 0;
	r.duration_ns = SHADOWSLAB_RUN_MAX_DURATION_NS + 1;
	bad_run("RUN duration_ns > SHADOWSLAB_RUN_MAX_DURATION_NS", r, EINVAL);
	r = valid_run(online, 1);
	r.duration_ns = 1000000;
	bad_run("RUN both cycles and duration_ns", r, EINVAL);
	r = valid_run(online, 1);
	r.cycles = 0;
	bad_run("RUN neither cycles nor duration_ns", r, EINVAL);
	r = valid_run(online, 1);
	r.strategy = SHADOWSLAB_NR_STRATEGIES;
	bad_run("RUN unknown strategy", r, EINVAL);
	r = valid_run(online, 1);
	r.spec.profile = SHADOWSLAB_NR_PROFILES;
	bad_run("RUN unknown profile", r, EINVAL);
	r = valid_run(online, 1);
	r.spec.reserved = 1;
	bad_run("RUN spec.reserved non-zero", r, EINVAL);
	r = valid_run(online, 1);
	r.flags = SHADOWSLAB_RUN_FLAGS_ALL << 1;
	bad_run("RUN unknown flag", r, EINVAL);
	r = valid_run(online, 1);
	r.magazine_size = SHADOWSLAB_MAGAZINE_SIZE_MAX + 1;
	bad_run("RUN magazine_size 256", r, EINVAL);
	r = valid_run(online, 1);
	r.result_size = SHADOWSLAB_THREAD_RESULT_SIZE_VER0 - 8;
	bad_run("RUN result_size too small", r, EINVAL);
	r = valid_run(online, 1);
	r.result_size = 1 << 20;
	bad_run("RUN result_size 1 MiB", r, EINVAL);
	r = valid_run(online, 1);
	r.sample_shift = 17;
	bad_run("RUN sample_shift 17", r, EINVAL);
	r = valid_run(online, 1);
	r.reserved = 1;
	bad_run("RUN reserved non-zero", r, EINVAL);
	r = valid_run(online, 1);
	r.cpus_ptr = 0;
	bad_run("RUN cpus_ptr NULL", r, EFAULT);
	r = valid_run(online, 1);
	r.results_ptr = 0;
	bad_run("RUN results_ptr NULL", r, EFAULT);
	r = valid_run(online, 1);
	r.live = SHADOWSLAB_RUN_MAX_LIVE + 1;
	bad_run("RUN live > SHADOWSLAB_RUN_MAX_LIVE", r, EINVAL);
	r = valid_run(online, 1);
	r.retain = SHADOWSLAB_NR_RETAIN;
	bad_run("RUN unknown retain policy", r, EINVAL);
	r = valid_run(online, 1);
	r.min_partial = SHADOWSLAB_RUN_MAX_MIN_PARTIAL + 1;
	bad_run("RUN min_partial > SHADOWSLAB_RUN_MAX_MIN_PARTIAL", r, EINVAL);
	r = valid_run(online, 1);
	r.mt_fraction_ppm = SHADOWSLAB_PPM + 1;
	bad_run("RUN mt_fraction_ppm > a million", r, EINVAL);
	/* Eight 32 KiB regions cannot be one percpu allocation. */
	r = valid_run(online, 1);
	r.strategy = SHADOWSLAB_STRATEGY_MERGED;
	r.spec.profile = SHADOWSLAB_PROFILE_CUSTOM;
	r.spec.nr_regions = SHADOWSLAB_MAX_REGIONS;
	for (i = 0; i < SHADOWSLAB_MAX_REGIONS; i++)
		r.spec.regions[i].size = SHADOWSLAB_REGION_MAX_SIZE;
	bad_run("RUN merged, regions larger than one percpu allocation", r,
		EINVAL);

	/* The extensible struct: smaller than VER0, larger with a tail. */
	r = valid_run(online, 1);
	err = ioctl(dev_fd, _IOC(_IOC_READ | _IOC_WRITE, SHADOWSLAB_IOC_MAGIC,
			     0x20, SHADOWSLAB_RUN_SIZE_VER0 - 8), &r) ?
	      errno : 0;
	result_err("RUN struct smaller than VER0", err, EINVAL);
	/* An older tool's struct: the new fields read as 0, as before. */
	r = valid_run(online, 1);
	r.strategy = SHADOWSLAB_STRATEGY_PERCPU;
	err = ioctl(dev_fd, _IOC(_IOC_READ | _IOC_WRITE, SHADOWSLAB_IOC_MAGIC,
			     0x20, SHADOWSLAB_RUN_SIZE_VER0), &r) ?
	      errno : 0;
	ok = !err && r.total_cycles == 10 && r.percpu_allocs == 10 * 2;
	if (!ok)
		ksft_print_msg("RUN of VER0 size: expected success, 10 cycles and 20 percpu allocs, got %s, %llu and %llu\n",
			       errno_name(err), r.total_cycles,
			       r.percpu_allocs);
	ksft_test_result(ok, "RUN struct of VER0 size (an older tool): runs as before\n");
	memset(big, 0, sizeof(big));
	r = valid_run(online, 1);
	memcpy(big, &r, sizeof(r));
	big[sizeof(r) + 3] = 1;
	err = ioctl(dev_fd, _IOC(_IOC_READ | _IOC_WRITE, SHADOWSLAB_IOC_MAGIC,
			     0x20, sizeof(big)), big) ? errno : 0;
	result_err("RUN larger struct, non-zero tail", err, E2BIG);

	/* A larger result_size (a newer tool): each result padded with 0. */
	{
		static unsigned char out[2 * 1024];
		size_t usize = RESULT_SIZE + 40;
		unsigned int t, k, dirty = 0;

		memset(out, 0xa5, sizeof(out));
		r = valid_run(online, nr_online);
		r.results_ptr = (uintptr_t)out;
		r.result_size = usize;
		err = do_run(&r);
		ok = !err && usize * nr_online <= sizeof(out);
		for (t = 0; ok && t < nr_online; t++) {
			struct shadowslab_thread_result tr;

			memcpy(&tr, out + t * usize, sizeof(tr));
			if (tr.cpu != online[t] || tr.cycles != 10) {
				ksft_print_msg("result_size %zu: thread %u: expected cpu %u and 10 cycles, got %u and %llu\n",
					       usize, t, online[t], tr.cpu,
					       tr.cycles);
				ok = false;
			}
			for (k = RESULT_SIZE; k < usize; k++)
				dirty += out[t * usize + k] != 0;
		}
		if (dirty) {
			ksft_print_msg("result_size %zu: expected zeroed padding, got %u non-zero bytes\n",
				       usize, dirty);
			ok = false;
		}
		if (err)
			ksft_print_msg("result_size %zu: expected success, got %s\n",
				       usize, errno_name(err));
		ksft_test_result(ok, "RUN result_size larger than the kernel's: results padded with zeros\n");
	}

	err = progress(&pr);
	ok = !err && pr.phase == SHADOWSLAB_PHASE_IDLE && !pr.nr_threads &&
	     module_balance() == balance;
	if (!ok)
		ksft_print_msg("after the bad RUNs: expected IDLE, no threads, module balance %lld, got %s, phase %u, %u threads, balance %lld\n",
			       balance, errno_name(err), pr.phase,
			       pr.nr_threads, module_balance());
	ksft_test_result(ok, "after the bad RUNs: runner idle, nothing leaked\n");
}

/* ------------------------------------------------------ helper modes */

static int mode_run_until_signal(void)
{
	struct shadowslab_thread_result res[1];
	struct shadowslab_run r;
	int err;

	catch_signals();
	run_init(&r, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
		 online, 1, 0, LONG_RUN_NS, res);
	err = do_run(&r);
	printf("RUN: %s, status %u, total_cycles %llu\n", errno_name(err),
	       r.status, r.total_cycles);
	return err || r.status != SHADOWSLAB_RUN_CANCELLED ||
	       !r.total_cycles;
}

static int mode_wait_timed(int seconds)
{
	struct shadowslab_run_progress pr;
	int i;

	for (i = 0; i < seconds * 100; i++) {
		if (progress(&pr) == 0 && pr.phase == SHADOWSLAB_PHASE_TIMED &&
		    pr.cycles > 0) {
			printf("phase TIMED, %u threads, %llu cycles\n",
			       pr.nr_threads, pr.cycles);
			return 0;
		}
		sleep_ms(10);
	}
	printf("no timed phase within %d s\n", seconds);
	return 1;
}

static int mode_leave_cache(unsigned int count)
{
	struct shadowslab_cache_create c = {
		.spec = { .profile = SHADOWSLAB_PROFILE_MM_6_4 },
		.flags = SHADOWSLAB_CACHE_DEFERRED_DTOR,
	};
	struct shadowslab_cache_objs o = { 0 };
	int err;

	strcpy(c.name, "left-at-unload");
	err = ioctl_err(SHADOWSLAB_IOC_CACHE_CREATE, &c);
	if (err) {
		printf("CREATE: %s\n", errno_name(err));
		return 1;
	}
	/* 2 * count, then give half back: held, in magazines and depot. */
	o.id = c.id;
	o.count = 2 * count;
	err = ioctl_err(SHADOWSLAB_IOC_CACHE_ALLOC, &o);
	if (!err) {
		o.count = count;
		err = ioctl_err(SHADOWSLAB_IOC_CACHE_FREE, &o);
	}
	printf("cache %u: %s, %llu objects held\n", c.id, errno_name(err),
	       o.held);
	return !!err;
}

/* ------------------------------------------------------------------ main */

#define PLAN	(SHADOWSLAB_NR_STRATEGIES * ARRAY_SIZE(profiles) * 2 * 2 + \
		 1 + 4 + 1 + 1 + 31)

int main(int argc, char **argv)
{
	struct shadowslab_run_progress pr;

	if (argc > 1) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		dev_fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
		if (dev_fd < 0) {
			printf("open %s: %s\n", SHADOWSLAB_DEVICE_PATH,
			       errno_name(errno));
			return 1;
		}
		nr_online = online_cpus(online, MAX_THREADS);
		if (!strcmp(argv[1], "--run-until-signal"))
			return mode_run_until_signal();
		if (!strcmp(argv[1], "--wait-timed") && argc > 2)
			return mode_wait_timed(atoi(argv[2]));
		if (!strcmp(argv[1], "--leave-cache") && argc > 2)
			return mode_leave_cache(atoi(argv[2]));
		fprintf(stderr, "usage: %s [--run-until-signal | --wait-timed SECONDS | --leave-cache COUNT]\n",
			argv[0]);
		return 2;
	}

	shadowslab_test_start();
	ksft_set_plan(PLAN);
	shadowslab_device();
	nr_online = online_cpus(online, MAX_THREADS);
	cycles = shadowslab_test_scaled(FULL_CYCLES, 100);
	ksft_print_msg("%u online CPUs (first %u), %u possible, nr_cpu_ids %u; %llu cycles per thread\n",
		       nr_online, online[0], dev_info.nr_possible_cpus,
		       dev_info.nr_cpu_ids, cycles);
	if (progress(&pr) || pr.phase != SHADOWSLAB_PHASE_IDLE)
		ksft_exit_fail_msg("RUN_PROGRESS before any run: expected IDLE, got %s, phase %u\n",
				   errno_name(errno), pr.phase);

	test_matrix();			/* 3 strategies * 4 profiles * 2 * 2 */
	test_duration();		/* 1 */
	test_busy_and_sigint();		/* 4 */
	test_sigint_warmup();		/* 1 */
	test_sigkill();			/* 1 */
	test_bad_args();		/* 31 */

	close(dev_fd);
	ksft_finished();
}
