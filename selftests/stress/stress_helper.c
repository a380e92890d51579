// SPDX-License-Identifier: GPL-2.0
/*
 * stress_helper - the C half of the shell stress tests (mem_pressure.sh,
 * hotplug.sh, fault_inject.sh): one subcommand per step, each printing
 * KEY=VALUE words the scripts read with "eval", diagnostics as "# " lines,
 * and exiting 0 (done and consistent), 1 (a check failed: the reason is
 * printed) or 2 (usage).
 *
 *   info                             INFO: percpu_allocs, percpu_frees, CPUs
 *   create NAME PROFILE [--deferred] [--magazine N] [--regions SIZExN]
 *                                    a cache; prints id=N
 *   alloc ID COUNT | free ID COUNT   (free 0 = all); err, done, held
 *   shrink ID [purge]
 *   stats ID                         every field, as FIELD=VALUE
 *   check ID [--held N] [--mags N]   the accounting identities of
 *                                    test_cache.c (quiescent cache), waiting
 *                                    for deferred destructors first
 *   destroy ID                       DESTROY; dtor == ctor - failures
 *   cleanup                          free and destroy every cache
 *   fault ID MODE NTH PPM SEED       the constructor fault knob
 *   run [--strategy S] [--profile P] [--cpus all|N[,N...]]
 *       [--cycles N | --duration-ms N | --until-signal] [--warmup N]
 *       [--allow-enomem] [--make-it-fail]
 *                                    RUN (CHECK on); SIGINT/SIGTERM cancel
 *   wait-phase PHASE SECONDS         until RUN_PROGRESS shows PHASE
 *                                    (timed: with cycles done)
 *   churn ID CPU MAX_ITERS           ALLOC/FREE on ID pinned to CPU until
 *                                    SIGTERM or MAX_ITERS, then give back
 *                                    everything it allocated
 *   lifecycle MAX_ITERS              create, fill, empty, destroy caches in
 *                                    a loop until SIGTERM or MAX_ITERS
 *   magload ID CPU N                 on CPU: ALLOC N, FREE N (fills that
 *                                    CPU's magazines); prints FIELD=VALUE
 *   fault-stress ID ROUNDS CALLS     the fault knob at random (modes, nth,
 *                                    ppm, seeds) across many ALLOCs, each
 *                                    call checked: prints faults_injected
 *   inject-alloc ID CALLS MAXCOUNT FAILDIR...
 *                                    ALLOCs with /proc/self/make-it-fail
 *                                    set around each, FAILDIR/times read
 *                                    before and after: prints injected
 *   hog MB [STEP_MB [PACE_MB [PERCPU_KB]]]
 *                                    mmap and touch MB in steps, then exit;
 *                                    below PACE_MB of MemAvailable, 1 MB
 *                                    steps that wait for it to come back;
 *                                    stop early once Percpu: <= PERCPU_KB
 *   ballast MB                       mmap and touch MB, keep it until
 *                                    SIGTERM (prints ballast_mb when ready)
 *
 * The seed of the random subcommands is printed; STRESS_SEED reproduces.
 */
#include "stress.h"

#include <sys/mman.h>

static int bad_usage(void)
{
	fprintf(stderr, "usage: stress_helper SUBCOMMAND ... (see the source's header)\n");
	return 2;
}

static unsigned long arg_ul(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end) {
		fprintf(stderr, "stress_helper: not a number: '%s'\n", s);
		exit(2);
	}
	return v;
}

static const char *const profile_names[] = {
	[SHADOWSLAB_PROFILE_MM_6_6] = "mm-6.6",
	[SHADOWSLAB_PROFILE_MM_6_4] = "mm-6.4",
	[SHADOWSLAB_PROFILE_MM_6_2] = "mm-6.2",
	[SHADOWSLAB_PROFILE_TC_ACTION] = "tc_action",
	[SHADOWSLAB_PROFILE_CUSTOM] = "custom",
};

static const char *const strategy_names[] = {
	[SHADOWSLAB_STRATEGY_PERCPU] = "percpu",
	[SHADOWSLAB_STRATEGY_CTOR] = "ctor",
	[SHADOWSLAB_STRATEGY_SLAB] = "slab",
};

static __u32 parse_name(const char *s, const char *const *names, __u32 n)
{
	__u32 i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	fprintf(stderr, "stress_helper: unknown name '%s'\n", s);
	exit(2);
}

/* ---------------------------------------------------------- printing */

static void print_stats(const struct shadowslab_cache_stats *st)
{
#define P(f) printf(#f "=%llu\n", (u64)st->f)
	P(id); P(flags); P(object_size); P(object_stride); P(objs_per_slab);
	P(slab_order); P(magazine_size); P(ctor_calls); P(ctor_failures);
	P(dtor_calls); P(slabs_allocated); P(slabs_released);
	P(slabs_current); P(objs_in_use); P(objs_in_magazines);
	P(objs_in_depot); P(objs_free_in_slabs); P(objs_held);
	P(depot_full_magazines); P(depot_empty_magazines); P(percpu_bytes);
	P(magazine_hits); P(magazine_misses); P(depot_contention);
	P(shrinker_scans); P(shrinker_objects_released);
	P(deferred_dtor_pending); P(faults_injected);
#undef P
}

static int stats_or_fail(__u32 id, struct shadowslab_cache_stats *st)
{
	int err = cache_stats(id, st);

	if (err)
		printf("# STATS cache %u: %s\n", id, errno_name(err));
	return err;
}

/* ------------------------------------------------------ simple ones */

static int cmd_info(void)
{
	struct shadowslab_info i;
	__u32 count = 0;

	if (get_info(&i)) {
		printf("# INFO: %s\n", errno_name(errno));
		return 1;
	}
	cache_list(NULL, 0, &count);
	printf("percpu_allocs=%llu percpu_frees=%llu possible_cpus=%u online_cpus=%u nr_cpu_ids=%u caches=%u\n",
	       i.percpu_allocs, i.percpu_frees, i.nr_possible_cpus,
	       i.nr_online_cpus, i.nr_cpu_ids, count);
	return 0;
}

static int cmd_create(int argc, char **argv)
{
	struct shadowslab_profile_spec spec = { 0 };
	__u32 flags = 0, magazine = 0, id;
	int i, err;

	if (argc < 2)
		return bad_usage();
	spec.profile = parse_name(argv[1], profile_names,
				  SHADOWSLAB_NR_PROFILES);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--deferred")) {
			flags |= SHADOWSLAB_CACHE_DEFERRED_DTOR;
		} else if (!strcmp(argv[i], "--magazine") && i + 1 < argc) {
			magazine = arg_ul(argv[++i]);
		} else if (!strcmp(argv[i], "--regions") && i + 1 < argc) {
			unsigned long size, n, r;

			if (sscanf(argv[++i], "%lux%lu", &size, &n) != 2 ||
			    !n || n > SHADOWSLAB_MAX_REGIONS)
				return bad_usage();
			spec.nr_regions = n;
			for (r = 0; r < n; r++)
				spec.regions[r].size = size;
		} else {
			return bad_usage();
		}
	}
	err = cache_create_spec(&spec, argv[0], flags, magazine, &id);
	if (err) {
		printf("# CREATE %s %s: %s\n", argv[0], argv[1], errno_name(err));
		return 1;
	}
	printf("id=%u\n", id);
	return 0;
}

static int cmd_objs(bool alloc, int argc, char **argv)
{
	struct shadowslab_cache_objs o;
	int err;

	if (argc != 2)
		return bad_usage();
	err = alloc ? cache_alloc(arg_ul(argv[0]), arg_ul(argv[1]), &o) :
		      cache_free(arg_ul(argv[0]), arg_ul(argv[1]), &o);
	printf("err=%s done=%u held=%llu\n", errno_name(err), err ? 0 : o.done,
	       err ? 0 : o.held);
	return err && !(alloc && err == ENOMEM);
}

static int cmd_shrink(int argc, char **argv)
{
	struct shadowslab_cache_shrink sh;
	int err;

	if (argc < 1)
		return bad_usage();
	err = cache_shrink(arg_ul(argv[0]), argc > 1 && !strcmp(argv[1], "purge") ?
			   SHADOWSLAB_SHRINK_PURGE : 0, &sh);
	printf("err=%s slabs_released=%llu objects_released=%llu\n",
	       errno_name(err), sh.slabs_released, sh.objects_released);
	return !!err;
}

static int cmd_stats(int argc, char **argv)
{
	struct shadowslab_cache_stats st;

	if (argc != 1)
		return bad_usage();
	if (stats_or_fail(arg_ul(argv[0]), &st))
		return 1;
	print_stats(&st);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct shadowslab_cache_stats st;
	long long held = -1, mags = -1;
	struct point p;
	__u32 id;
	int i;

	if (argc < 1)
		return bad_usage();
	id = arg_ul(argv[0]);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--held") && i + 1 < argc)
			held = arg_ul(argv[++i]);
		else if (!strcmp(argv[i], "--mags") && i + 1 < argc)
			mags = arg_ul(argv[++i]);
		else
			return bad_usage();
	}
	point_init(&p, "cache %u", id);
	if (!wait_dtor_drained(id, &st)) {
		printf("# cache %u: deferred destructors not drained (pending %llu)\n",
		       id, st.deferred_dtor_pending);
		return 1;
	}
	expect_accounting(&p, "check", &st);
	if (held >= 0)
		expect_u64(&p, "objs_held", held, st.objs_held);
	if (mags >= 0)
		expect_u64(&p, "objs_in_magazines", mags, st.objs_in_magazines);
	printf("slabs=%llu constructed=%llu held=%llu mags=%llu depot=%llu free_in_slabs=%llu percpu_bytes=%llu\n",
	       st.slabs_current, constructed(&st), st.objs_held,
	       st.objs_in_magazines, st.objs_in_depot, st.objs_free_in_slabs,
	       st.percpu_bytes);
	return !p.ok;
}

static int cmd_destroy(int argc, char **argv)
{
	struct shadowslab_cache_destroy d;
	int err;

	if (argc != 1)
		return bad_usage();
	err = cache_destroy(arg_ul(argv[0]), &d);
	printf("err=%s ctor_calls=%llu ctor_failures=%llu dtor_calls=%llu\n",
	       errno_name(err), err ? 0 : d.ctor_calls,
	       err ? 0 : d.ctor_failures, err ? 0 : d.dtor_calls);
	if (err)
		return 1;
	if (d.dtor_calls != d.ctor_calls - d.ctor_failures) {
		printf("# cache %s: DESTROY balance: dtor_calls %llu vs ctor_calls %llu - ctor_failures %llu\n",
		       argv[0], d.dtor_calls, d.ctor_calls, d.ctor_failures);
		return 1;
	}
	return 0;
}

static int cmd_cleanup(void)
{
	unsigned int failed, n = cleanup_caches_except(NULL, 0, &failed);

	printf("destroyed=%u failed=%u\n", n, failed);
	return !!failed;
}

static int cmd_fault(int argc, char **argv)
{
	__u64 injected = 0;
	int err;

	if (argc != 5)
		return bad_usage();
	err = cache_fault(arg_ul(argv[0]), arg_ul(argv[1]), arg_ul(argv[2]),
			  arg_ul(argv[3]), strtoull(argv[4], NULL, 0), &injected);
	printf("err=%s injected=%llu\n", errno_name(err), injected);
	return !!err;
}

/* ---------------------------------------------------------------- run */

static int make_it_fail_fd = -1;

static void set_make_it_fail(int on)
{
	if (make_it_fail_fd >= 0 &&
	    pwrite(make_it_fail_fd, on ? "1" : "0", 1, 0) != 1)
		printf("# /proc/self/make-it-fail: %s\n", strerror(errno));
}

static int cmd_run(int argc, char **argv)
{
	static struct shadowslab_thread_result res[64];
	__u32 cpus[64], strategy = SHADOWSLAB_STRATEGY_CTOR;
	__u32 profile = SHADOWSLAB_PROFILE_MM_6_6;
	u64 cycles = 0, duration = 0, warmup = 10;
	bool until_signal = false, allow_enomem = false, mif = false;
	struct shadowslab_run r;
	int nr = online_cpus(cpus, 64), i, err;
	unsigned int t;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--strategy") && i + 1 < argc) {
			strategy = parse_name(argv[++i], strategy_names,
					      SHADOWSLAB_NR_STRATEGIES);
		} else if (!strcmp(argv[i], "--profile") && i + 1 < argc) {
			profile = parse_name(argv[++i], profile_names,
					     SHADOWSLAB_PROFILE_CUSTOM);
		} else if (!strcmp(argv[i], "--cpus") && i + 1 < argc) {
			char *s = argv[++i], *end;

			if (strcmp(s, "all")) {
				for (nr = 0; *s && nr < 64; s = end + (*end == ',')) {
					cpus[nr++] = strtoul(s, &end, 10);
					if (end == s)
						return bad_usage();
				}
			}
		} else if (!strcmp(argv[i], "--cycles") && i + 1 < argc) {
			cycles = arg_ul(argv[++i]);
		} else if (!strcmp(argv[i], "--duration-ms") && i + 1 < argc) {
			duration = arg_ul(argv[++i]) * 1000000ULL;
		} else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) {
			warmup = arg_ul(argv[++i]);
		} else if (!strcmp(argv[i], "--until-signal")) {
			until_signal = true;
			duration = 3600ULL * 1000000000ULL;
		} else if (!strcmp(argv[i], "--allow-enomem")) {
			allow_enomem = true;
		} else if (!strcmp(argv[i], "--make-it-fail")) {
			mif = true;
		} else {
			return bad_usage();
		}
	}
	if (!cycles && !duration)
		cycles = 1000;
	if (cycles)
		duration = 0;
	catch_signals();
	run_init(&r, strategy, profile, cpus, nr, cycles, duration, res);
	r.warmup_cycles = warmup;
	r.sample_shift = 4;
	if (mif) {
		make_it_fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
		if (make_it_fail_fd < 0) {
			printf("# /proc/self/make-it-fail: %s\n", strerror(errno));
			return 1;
		}
		mlockall(MCL_CURRENT | MCL_FUTURE);
		set_make_it_fail(1);
	}
	err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
	set_make_it_fail(0);
	printf("err=%s status=%u threads=%u total_cycles=%llu check_failures=%llu elapsed_ms=%llu percpu_allocs=%llu percpu_frees=%llu\n",
	       errno_name(err), err ? 0 : r.status, nr, err ? 0 : r.total_cycles,
	       err ? 0 : r.check_failures, err ? 0 : r.elapsed_ns / 1000000,
	       err ? 0 : r.percpu_allocs, err ? 0 : r.percpu_frees);
	if (err)
		return !(allow_enomem && err == ENOMEM);
	for (t = 0; t < r.nr_cpus; t++)
		if (res[t].check_failures)
			printf("# thread %u (CPU %u): %llu check failures\n", t,
			       res[t].cpu, res[t].check_failures);
	if (r.check_failures)
		return 1;
	if (until_signal)
		return r.status != SHADOWSLAB_RUN_CANCELLED || !r.total_cycles;
	if (r.status != SHADOWSLAB_RUN_COMPLETED)
		return 1;
	if (cycles && r.total_cycles != cycles * nr) {
		printf("# total_cycles %llu, expected %llu x %d\n",
		       r.total_cycles, cycles, nr);
		return 1;
	}
	return 0;
}

static int cmd_wait_phase(int argc, char **argv)
{
	struct shadowslab_run_progress pr;

	if (argc != 2)
		return bad_usage();
	if (!wait_phase(0, arg_ul(argv[0]), arg_ul(argv[1]), &pr))
		return 1;
	printf("phase=%u threads=%u cycles=%llu\n", pr.phase, pr.nr_threads,
	       pr.cycles);
	return 0;
}

/* -------------------------------------------------------------- churn */

static int stop;		/* FLAG_READ/FLAG_WRITE: set by a signal */

static void on_stop(int sig)
{
	(void)sig;
	FLAG_WRITE(stop, 1);
}

static int cmd_churn(int argc, char **argv)
{
	struct shadowslab_cache_objs o;
	u64 iters = 0, max, own = 0, allocs = 0, frees = 0, unpinned = 0;
	struct sigaction sa;
	__u32 id, k;
	int cpu, err, bad = 0;

	if (argc != 3)
		return bad_usage();
	id = arg_ul(argv[0]);
	cpu = arg_ul(argv[1]);
	max = arg_ul(argv[2]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rng_seed(stress_seed() + cpu);
	while (!FLAG_READ(stop) && iters < max) {
		iters++;
		/* Offlining the CPU breaks the affinity: take it again. */
		if (pin_to(cpu))
			unpinned++;
		k = 1 + rnd(32);
		err = cache_alloc(id, k, &o);
		if (err || o.done != k) {
			printf("# churn CPU %d, iteration %llu: ALLOC %u: expected 0 and done %u, got %s and done %u\n",
			       cpu, iters, k, k, errno_name(err), err ? 0 : o.done);
			bad++;
		}
		if (!err) {
			own += o.done;
			allocs += o.done;
		}
		if (!own)
			continue;
		/* Give back some of our own: the others' stay held. */
		k = 1 + rnd(own);
		err = cache_free(id, k, &o);
		if (err || o.done != k) {
			printf("# churn CPU %d, iteration %llu: FREE %u: expected 0 and done %u, got %s and done %u\n",
			       cpu, iters, k, k, errno_name(err), err ? 0 : o.done);
			bad++;
		}
		if (!err) {
			own -= o.done;
			frees += o.done;
		}
		if (bad > 10)
			break;
	}
	if (own) {
		err = cache_free(id, own, &o);
		if (err || o.done != own) {
			printf("# churn CPU %d: final FREE %llu: got %s and done %u\n",
			       cpu, own, errno_name(err), err ? 0 : o.done);
			bad++;
		} else {
			frees += o.done;
		}
	}
	printf("churn_cpu=%d iterations=%llu allocs=%llu frees=%llu repins=%llu errors=%d\n",
	       cpu, iters, allocs, frees, unpinned, bad);
	return !!bad;
}

/*
 * Caches created, filled, emptied and destroyed in a loop until SIGTERM
 * or MAX_ITERS: each creation and destruction adds and removes a CPU
 * hotplug instance, which hotplug.sh races with CPUs going away.
 */
static int cmd_lifecycle(int argc, char **argv)
{
	static const __u32 profiles[] = {
		SHADOWSLAB_PROFILE_MM_6_6, SHADOWSLAB_PROFILE_MM_6_4,
		SHADOWSLAB_PROFILE_MM_6_2, SHADOWSLAB_PROFILE_TC_ACTION,
	};
	struct shadowslab_cache_destroy d;
	struct shadowslab_cache_objs o;
	u64 iters = 0, max, objs = 0;
	struct sigaction sa;
	char name[SHADOWSLAB_NAME_LEN];
	__u32 id, k;
	int err, bad = 0;

	if (argc != 1)
		return bad_usage();
	max = arg_ul(argv[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rng_seed(stress_seed() ^ getpid());
	while (!FLAG_READ(stop) && iters < max && bad < 10) {
		iters++;
		snprintf(name, sizeof(name), "life-%d-%llu", getpid(), iters);
		err = cache_create(profiles[rnd(ARRAY_SIZE(profiles))], name,
				   chance(1, 2) ? SHADOWSLAB_CACHE_DEFERRED_DTOR : 0,
				   rnd(16), &id);
		if (err) {
			printf("# lifecycle %llu: CREATE: %s\n", iters, errno_name(err));
			bad++;
			continue;
		}
		k = 1 + rnd(100);
		err = cache_alloc(id, k, &o);
		if (err || o.done != k) {
			printf("# lifecycle %llu: ALLOC %u: %s, done %u\n", iters, k,
			       errno_name(err), err ? 0 : o.done);
			bad++;
		}
		objs += err ? 0 : o.done;
		if (chance(1, 2))
			cache_free(id, 1 + rnd(k), NULL);
		if (chance(1, 3))
			cache_shrink(id, rnd(2), NULL);
		err = cache_cleanup(id, &d);
		if (err) {
			printf("# lifecycle %llu: DESTROY cache %u: %s\n", iters, id,
			       errno_name(err));
			bad++;
		} else if (d.dtor_calls != d.ctor_calls - d.ctor_failures) {
			printf("# lifecycle %llu: DESTROY balance: dtor %llu vs ctor %llu - failures %llu\n",
			       iters, d.dtor_calls, d.ctor_calls, d.ctor_failures);
			bad++;
		}
	}
	printf("lifecycle_caches=%llu lifecycle_objects=%llu errors=%d\n", iters,
	       objs, bad);
	return !!bad;
}

static int cmd_magload(int argc, char **argv)
{
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs o;
	__u32 id, n;
	int cpu, err;

	if (argc != 3)
		return bad_usage();
	id = arg_ul(argv[0]);
	cpu = arg_ul(argv[1]);
	n = arg_ul(argv[2]);
	err = pin_to(cpu);
	if (err) {
		printf("# sched_setaffinity CPU %d: %s\n", cpu, errno_name(err));
		return 1;
	}
	err = cache_alloc(id, n, &o);
	if (err || o.done != n) {
		printf("# ALLOC %u on CPU %d: %s, done %u\n", n, cpu,
		       errno_name(err), err ? 0 : o.done);
		return 1;
	}
	err = cache_free(id, n, &o);
	if (err || o.done != n) {
		printf("# FREE %u on CPU %d: %s, done %u\n", n, cpu,
		       errno_name(err), err ? 0 : o.done);
		return 1;
	}
	if (sched_getcpu() != cpu) {
		printf("# left CPU %d for CPU %d\n", cpu, sched_getcpu());
		return 1;
	}
	if (stats_or_fail(id, &st))
		return 1;
	print_stats(&st);
	return 0;
}

/* ------------------------------------------------------- fault-stress */

/*
 * The constructor fault knob at random.  Around every ALLOC, STATS says
 * how many faults were injected (at most one: ALLOC stops at the first
 * failing constructor) and how many constructors failed (exactly those).
 * An ALLOC that met a fault must report it (ENOMEM, or done < count); one
 * that did not must have got everything.
 */
static int cmd_fault_stress(int argc, char **argv)
{
	static const __u32 ppms[] = { 0, 1, 1000, 20000, 100000, 500000,
				      999999, 1000000 };
	struct shadowslab_cache_stats st0, st1;
	struct shadowslab_cache_objs o;
	u64 seed = stress_seed(), rounds, calls, r, c, injected = 0;
	u64 held = 0, allocs = 0, early = 0, enomem = 0, knob = 0;
	struct point p;
	__u32 id, mode, nth, ppm, count;
	int err;

	if (argc != 3)
		return bad_usage();
	id = arg_ul(argv[0]);
	rounds = arg_ul(argv[1]);
	calls = arg_ul(argv[2]);
	rng_seed(seed);
	printf("# fault-stress cache %u: seed %llu (STRESS_SEED reproduces), %llu rounds of %llu ALLOCs\n",
	       id, seed, rounds, calls);
	point_init(&p, "fault-stress cache %u", id);
	if (stats_or_fail(id, &st0))
		return 1;
	held = st0.objs_held;

	for (r = 0; r < rounds && p.ok; r++) {
		const __u32 nths[] = { 1, 2, 3, 5, 7, 10, 50, 200,
				       st0.objs_per_slab, st0.objs_per_slab + 1 };
		__u64 knob_injected;

		mode = 1 + rnd(2);
		nth = nths[rnd(ARRAY_SIZE(nths))];
		ppm = chance(1, 3) ? rnd(1000001) : ppms[rnd(ARRAY_SIZE(ppms))];
		err = cache_fault(id, mode, nth, ppm, rnd64(), &knob_injected);
		expect_err(&p, "FAULT", 0, err);
		for (c = 0; c < calls && p.ok; c++) {
			char what[200];

			if (stats_or_fail(id, &st0))
				return 1;
			/* Keep the cache bounded: give some back first. */
			if (held > 1500) {
				expect_err(&p, "FREE", 0,
					   cache_free(id, 1 + rnd(held), &o));
				held = o.held;
				if (stats_or_fail(id, &st0))
					return 1;
			}
			count = 1 + rnd(chance(1, 4) ? 400 : 40);
			err = cache_alloc(id, count, &o);
			if (stats_or_fail(id, &st1))
				return 1;
			allocs++;
			snprintf(what, sizeof(what),
				 "round %llu (mode %u, nth %u, ppm %u), ALLOC %u: error",
				 r, mode, nth, ppm, count);
			if (err && err != ENOMEM)
				expect_err(&p, what, ENOMEM, err);
			if (err)
				o.done = 0;
			enomem += err == ENOMEM;
			early += !err && o.done < count;
			snprintf(what, sizeof(what),
				 "round %llu (mode %u, nth %u, ppm %u), ALLOC %u (%s, done %u): faults injected in this call",
				 r, mode, nth, ppm, count, errno_name(err), o.done);
			/* One fault at most, and an error iff a fault. */
			expect_u64(&p, what, err || o.done < count ? 1 : 0,
				   st1.faults_injected - st0.faults_injected);
			expect_u64(&p, "constructor failures in the call vs faults injected",
				   st1.faults_injected - st0.faults_injected,
				   st1.ctor_failures - st0.ctor_failures);
			held += o.done;
			expect_u64(&p, "objs_held", held, st1.objs_held);
			injected += st1.faults_injected - st0.faults_injected;
			expect_accounting(&p, what, &st1);
			if (!p.ok)
				break;
			/* Now and then, give back and shrink. */
			if (chance(1, 5)) {
				expect_err(&p, "FREE", 0,
					   cache_free(id, rnd(held + 1), &o));
				held = o.held;
			}
			if (chance(1, 10)) {
				expect_err(&p, "SHRINK", 0,
					   cache_shrink(id, rnd(2), NULL));
				if (!wait_dtor_drained(id, &st1))
					expect(&p, false, "deferred destructors not drained\n");
			}
		}
		err = cache_fault(id, SHADOWSLAB_FAULT_OFF, 0, 0, 0, &knob_injected);
		expect_err(&p, "FAULT off", 0, err);
		if (!stats_or_fail(id, &st1))
			expect_u64(&p, "FAULT's injected vs STATS faults_injected",
				   st1.faults_injected, knob_injected);
		knob = knob_injected;
		/* The cache works with the knob off. */
		err = cache_alloc(id, 50, &o);
		expect_err(&p, "ALLOC 50 with the knob off", 0, err);
		expect_u64(&p, "ALLOC 50 with the knob off: done", 50,
			   err ? 0 : o.done);
		if (!err)
			held = o.held;
	}
	expect_err(&p, "final FREE", 0, cache_free(id, 0, &o));
	if (!wait_dtor_drained(id, &st1))
		expect(&p, false, "deferred destructors not drained\n");
	else
		expect_accounting(&p, "at the end", &st1);
	printf("faults_injected=%llu allocs=%llu enomem=%llu short=%llu knob_total=%llu ctor_failures=%llu\n",
	       injected, allocs, enomem, early, knob, st1.ctor_failures);
	return !p.ok;
}

/* ------------------------------------------------------- inject-alloc */

#define MAX_FAILDIRS	4

static char faildir_times[MAX_FAILDIRS][512];
static int nr_faildirs;

/*
 * The sum of FAILDIR/times, or -1.  Opened for every read: debugfs
 * attribute files are nonseekable_open()ed (pread gets ESPIPE), and a
 * read at a non-zero offset returns the old value.  Called with
 * make-it-fail off, so its allocations are not failed.
 */
static long long read_times(void)
{
	long long sum = 0;
	char buf[32];
	int i, f;
	ssize_t n;

	for (i = 0; i < nr_faildirs; i++) {
		f = open(faildir_times[i], O_RDONLY | O_CLOEXEC);
		if (f < 0)
			return -1;
		n = read(f, buf, sizeof(buf) - 1);
		close(f);
		if (n <= 0)
			return -1;
		buf[n] = '\0';
		sum += strtoll(buf, NULL, 10);
	}
	return sum;
}

/* Fault the stack in before make-it-fail: page faults could fail too. */
static STRESS_NOINLINE void prefault_stack(void)
{
	char buf[256 * 1024];
	size_t i;

	for (i = 0; i < sizeof(buf); i += 4096)
		buf[i] = 0;
	/* The compiler must assume buf is read, so the stores stay. */
	__asm__ __volatile__("" : : "r"(buf) : "memory");
}

struct inject_rec {
	int err;
	__u32 count, done;
	long long injected;
};

/*
 * failslab / fail_page_alloc aimed at this task.  An ALLOC that reports a
 * failure (ENOMEM, or done < count) must have met an injected one, and
 * must report only ENOMEM; objs_held and the identities stay exact.  The
 * converse cannot be counted: injected failures that hit allocations with
 * a fallback (kmemleak's and debugobjects' metadata, which fall back to
 * their pools; SLUB's higher-order attempts) reach no caller by design,
 * and under kmemleak they are most of them.  They are counted ("absorbed")
 * and printed.  Nothing is printed or allocated while make-it-fail is set.
 */
static int cmd_inject_alloc(int argc, char **argv)
{
	static struct inject_rec rec[100000];
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs o;
	u64 seed = stress_seed(), calls, i, injected = 0, short_calls = 0;
	u64 held, silent = 0, spontaneous = 0;
	long long t0, t1;
	struct point p;
	__u32 id, maxcount;

	if (argc < 4)
		return bad_usage();
	id = arg_ul(argv[0]);
	calls = arg_ul(argv[1]);
	maxcount = arg_ul(argv[2]);
	if (calls > ARRAY_SIZE(rec))
		calls = ARRAY_SIZE(rec);
	for (i = 3; i < (u64)argc && nr_faildirs < MAX_FAILDIRS; i++) {
		snprintf(faildir_times[nr_faildirs], sizeof(faildir_times[0]),
			 "%s/times", argv[i]);
		nr_faildirs++;
	}
	if (read_times() < 0) {
		printf("# cannot read the times files (%s...): %s\n",
		       faildir_times[0], strerror(errno));
		return 1;
	}
	make_it_fail_fd = open("/proc/self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (make_it_fail_fd < 0) {
		printf("# /proc/self/make-it-fail: %s\n", strerror(errno));
		return 1;
	}
	rng_seed(seed);
	printf("# inject-alloc cache %u: seed %llu, %llu ALLOCs of up to %u\n",
	       id, seed, calls, maxcount);
	fflush(stdout);
	if (stats_or_fail(id, &st))
		return 1;
	held = st.objs_held;
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		printf("# mlockall: %s (page faults may be failed too)\n",
		       strerror(errno));
	prefault_stack();

	for (i = 0; i < calls; i++) {
		struct inject_rec *r = &rec[i];

		r->count = 1 + rnd(maxcount);
		memset(&o, 0, sizeof(o));
		o.id = id;
		o.count = r->count;
		t0 = read_times();
		set_make_it_fail(1);
		r->err = ioctl(dev_fd, SHADOWSLAB_IOC_CACHE_ALLOC, &o) ? errno : 0;
		set_make_it_fail(0);
		t1 = read_times();
		r->done = r->err ? 0 : o.done;
		r->injected = t0 >= 0 && t1 >= 0 ? t0 - t1 : -1;
	}
	munlockall();

	point_init(&p, "inject-alloc cache %u", id);
	for (i = 0; i < calls; i++) {
		const struct inject_rec *r = &rec[i];
		bool reported = r->err || r->done < r->count;

		if (r->err && r->err != ENOMEM)
			expect(&p, false, "ALLOC %llu (count %u): expected 0 or ENOMEM, got %s\n",
			       i, r->count, errno_name(r->err));
		if (r->injected > 0) {
			injected += r->injected;
			silent += !reported;
		} else if (reported) {
			spontaneous++;
			expect(&p, spontaneous > 10,
			       "ALLOC %llu (count %u): %s, done %u, with no failure injected\n",
			       i, r->count, errno_name(r->err), r->done);
		}
		short_calls += reported;
		held += r->done;
	}
	if (spontaneous)
		expect(&p, false, "%llu ALLOCs failed with no failure injected\n",
		       spontaneous);
	if (!stats_or_fail(id, &st)) {
		expect_u64(&p, "objs_held vs the ALLOCs' done", held, st.objs_held);
		expect_accounting(&p, "after the injected ALLOCs", &st);
	}
	printf("injected=%llu calls=%llu reported=%llu absorbed_calls=%llu held=%llu ctor_failures=%llu\n",
	       injected, calls, short_calls, silent, held, st.ctor_failures);
	return !p.ok;
}

/* ---------------------------------------------------------------- hog */

/*
 * Take @mb of anonymous memory in @step MB steps, touching every page.
 * Small pages (MADV_NOHUGEPAGE): under TCG a huge-page fault zeroes 2 MB
 * (twice with init_on_alloc) in one go, and khugepaged/kcompactd add more.
 *
 * With @pace_kb, once MemAvailable is below it the steps shrink to 1 MB
 * and each first waits (paced_wait()) for memory to come back: a workload
 * that grows, rather than one that wants everything at once.  MemAvailable,
 * not MemFree: kswapd keeps MemFree up by evicting file pages, which
 * MemAvailable counts either way, so only memory really given back (the
 * shrinker's, once the percpu allocator's balance work frees it) raises
 * it.  Paced on MemFree, a CI run's deferred-destructor round was never
 * paced and thrashed the 9p root for minutes, soft lockups on both CPUs
 * (2026-12-03).  Memory a
 * shrinker frees with free_percpu() reaches the page allocator only when
 * the percpu allocator's balance work runs (and the chunk's vmalloc area,
 * with its KASAN shadow, only when vmap purges it), so reclaim is never
 * credited with it: an instant hog drives direct reclaim to evict file
 * pages instead (under TCG, minutes of thrashing on the 9p root), and a
 * hog whose last steps outrun that work meets the OOM killer with the
 * memory still on its way.  *paced_ms: time waited.
 *
 * With @percpu_goal_kb, the hog also stops as soon as /proc/meminfo's
 * Percpu: is down to it: what the pressure was for has happened, and the
 * rest of @mb would only press on memory that is still on its way back
 * (the chunks' vmalloc areas and, under KASAN, their shadow, which vmap
 * purges lazily).  Taking all of @mb regardless made the outcome depend
 * on how soon that work ran: after the fuzzer, under the debug kernel, an
 * OOM kill.  *stopped_early: whether it stopped so.
 */
#define PACE_SAMPLE_MS	10
#define PACE_SETTLED_MS	150	/* MemAvailable has stopped rising this long */
#define PACE_MAX_MS	2000	/* per 1 MB step */

/*
 * Wait until MemAvailable is back above @pace_kb, or has stopped rising for
 * PACE_SETTLED_MS (kswapd and the balance work are done for now), at most
 * PACE_MAX_MS.  A fixed wait was not enough: on a starved host the work
 * that hands freed percpu pages back runs late, and near the end of the
 * hog, where it cannot get back above @pace_kb, every step went on
 * after the same 200 ms whether memory was still arriving or not.
 */
static u64 paced_wait(long pace_kb)
{
	long avail_kb = meminfo_kb("MemAvailable"), best_kb = avail_kb;
	u64 waited = 0, since_rise = 0;

	while (avail_kb < pace_kb && since_rise < PACE_SETTLED_MS &&
	       waited < PACE_MAX_MS) {
		sleep_ms(PACE_SAMPLE_MS);
		waited += PACE_SAMPLE_MS;
		avail_kb = meminfo_kb("MemAvailable");
		if (avail_kb > best_kb) {
			best_kb = avail_kb;
			since_rise = 0;
		} else {
			since_rise += PACE_SAMPLE_MS;
		}
	}
	return waited;
}

static int take_memory(u64 mb, u64 step, bool report, long pace_kb,
		       long percpu_goal_kb, u64 *paced_ms, bool *stopped_early)
{
	u64 done = 0, next_report = 0, i;
	long page = sysconf(_SC_PAGESIZE);
	char *m;

	*stopped_early = false;
	while (done < mb) {
		u64 n = mb - done < step ? mb - done : step;
		long percpu_kb = percpu_goal_kb > 0 ? meminfo_kb("Percpu") : -1;

		if (percpu_kb >= 0 && percpu_kb <= percpu_goal_kb) {
			*stopped_early = true;
			if (report)
				printf("# hog: stopped at %llu of %llu MB: Percpu %ld kB <= %ld kB, MemAvailable %ld kB\n",
				       done, mb, percpu_kb, percpu_goal_kb,
				       meminfo_kb("MemAvailable"));
			break;
		}

		if (pace_kb > 0 && meminfo_kb("MemAvailable") < pace_kb) {
			n = 1;
			*paced_ms += paced_wait(pace_kb);
		}

		m = mmap(NULL, n << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			printf("# mmap after %llu MB: %s\n", done,
			       strerror(errno));
			return 1;
		}
		madvise(m, n << 20, MADV_NOHUGEPAGE);
		for (i = 0; i < n << 20; i += page)
			m[i] = 1;
		done += n;
		if (report && done >= next_report) {
			printf("# hog: %llu of %llu MB, MemAvailable %ld kB, Percpu %ld kB\n",
			       done, mb, meminfo_kb("MemAvailable"),
			       meminfo_kb("Percpu"));
			next_report += mb / 4 ? mb / 4 : 1;
		}
	}
	return 0;
}

static int cmd_hog(int argc, char **argv)
{
	u64 mb, paced_ms = 0, t0 = now_ns();
	long pace_kb, percpu_goal_kb;
	bool stopped_early;

	if (argc < 1 || argc > 4)
		return bad_usage();
	mb = arg_ul(argv[0]);
	pace_kb = argc > 2 ? (long)arg_ul(argv[2]) * 1024 : 0;
	percpu_goal_kb = argc > 3 ? (long)arg_ul(argv[3]) : 0;
	/* Our own code must not be what reclaim evicts and refaults. */
	mlockall(MCL_CURRENT);
	if (take_memory(mb, argc > 1 ? arg_ul(argv[1]) : 8, true, pace_kb,
			percpu_goal_kb, &paced_ms, &stopped_early))
		return 1;
	printf("hog_mb=%llu hog_ms=%llu paced_ms=%llu stopped_at_percpu_goal=%d\n",
	       mb, (now_ns() - t0) / 1000000, paced_ms, stopped_early);
	return 0;
}

/* Take @mb and keep it until SIGTERM: a smaller guest, in effect. */
static int cmd_ballast(int argc, char **argv)
{
	struct sigaction sa;
	u64 mb, paced_ms = 0;
	bool stopped_early;

	if (argc != 1)
		return bad_usage();
	mb = arg_ul(argv[0]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (take_memory(mb, 16, false, 0, 0, &paced_ms, &stopped_early))
		return 1;
	printf("ballast_mb=%llu\n", mb);
	while (!FLAG_READ(stop))
		pause();
	return 0;
}

/* ---------------------------------------------------------------- main */

int main(int argc, char **argv)
{
	const char *cmd;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return bad_usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "hog"))
		return cmd_hog(argc, argv);
	if (!strcmp(cmd, "ballast"))
		return cmd_ballast(argc, argv);

	dev_fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
	if (dev_fd < 0) {
		printf("# open %s: %s\n", SHADOWSLAB_DEVICE_PATH,
		       errno_name(errno));
		return 1;
	}
	err = get_info(&dev_info);
	if (err) {
		printf("# INFO: %s\n", errno_name(err));
		return 1;
	}
	if (!strcmp(cmd, "info"))
		return cmd_info();
	if (!strcmp(cmd, "create"))
		return cmd_create(argc, argv);
	if (!strcmp(cmd, "alloc"))
		return cmd_objs(true, argc, argv);
	if (!strcmp(cmd, "free"))
		return cmd_objs(false, argc, argv);
	if (!strcmp(cmd, "shrink"))
		return cmd_shrink(argc, argv);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(argc, argv);
	if (!strcmp(cmd, "check"))
		return cmd_check(argc, argv);
	if (!strcmp(cmd, "destroy"))
		return cmd_destroy(argc, argv);
	if (!strcmp(cmd, "cleanup"))
		return cmd_cleanup();
	if (!strcmp(cmd, "fault"))
		return cmd_fault(argc, argv);
	if (!strcmp(cmd, "run"))
		return cmd_run(argc, argv);
	if (!strcmp(cmd, "wait-phase"))
		return cmd_wait_phase(argc, argv);
	if (!strcmp(cmd, "churn"))
		return cmd_churn(argc, argv);
	if (!strcmp(cmd, "lifecycle"))
		return cmd_lifecycle(argc, argv);
	if (!strcmp(cmd, "magload"))
		return cmd_magload(argc, argv);
	if (!strcmp(cmd, "fault-stress"))
		return cmd_fault_stress(argc, argv);
	if (!strcmp(cmd, "inject-alloc"))
		return cmd_inject_alloc(argc, argv);
	return bad_usage();
}
