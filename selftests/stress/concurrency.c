// SPDX-License-Identifier: GPL-2.0
/*
 * concurrency - several processes drive /dev/shadowslab at once.
 *
 *  1. Run races, round(4 * STRESS_SCALE) rounds (at least 2): 4 processes
 *     released together each ask for a long RUN; exactly one gets it, the
 *     other three get EBUSY.  The winner is then cancelled with SIGINT
 *     (RUN returns 0, CANCELLED, cycles done) or killed with SIGKILL in
 *     the middle of its run (the runner must go idle and be usable, and
 *     nothing may leak).
 *     Then a run cancelled in warm-up: its out-fields must be the
 *     kernel's (0 for the timed counts), not what the caller passed in.
 *  2. Churn: 4 workers, round(5000 * STRESS_SCALE) iterations each, pick
 *     at random among CACHE_CREATE / DESTROY / ALLOC / FREE / SHRINK /
 *     STATS / LIST / FAULT on two shared caches (one with deferred
 *     destructors) and on private caches they create and destroy, and
 *     cheap RUN attempts (0, completed and exact, or EBUSY), RUN_PROGRESS
 *     and INFO; every result must be one the ABI allows for that call.  A
 *     fifth process runs duration-bound ctor RUNs on every CPU meanwhile
 *     (each completed with check_failures 0, or EBUSY).  The parent holds
 *     one object in each shared cache, so DESTROY on them must be EBUSY,
 *     and workers FREE only what they allocated, so nobody's FREE comes up
 *     short.  During the churn the parent also:
 *      - SIGKILLs a process in the middle of a RUN;
 *      - tries to unload the module (delete_module, as rmmod does) during
 *        a run: refused (in use), the module stays live, the run goes on,
 *        and SIGINT then cancels it cleanly.
 *  3. Afterwards, quiescent: the shared caches hold only the parent's
 *     objects and every accounting identity holds; every cache is
 *     destroyable after freeing, DESTROY balances (dtor == ctor -
 *     failures), LIST is as before; the module's percpu allocations
 *     balance; the runner is idle.
 *
 * STRESS_WORKERS sets the number of workers (default 4).
 * Summary: "# stress-summary: concurrency_ops=N run_ebusy=N".
 */
#include "stress.h"

#include <limits.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define MAX_WORKERS	16
#define NR_RACERS	4
#define NR_SHARED	2
#define LONG_RUN_NS	(600ULL * 1000000000ULL)
#define MAX_SHOWN	5

struct wstat {
	u64 iters;
	u64 ops;
	u64 violations;
	u64 run_ok;
	u64 run_ebusy;
	u64 creates;
	u64 destroys;
	int finished;
	int exit_ok;
};

struct shm {
	/* FLAG_READ/FLAG_WRITE only: */
	int go;			/* race barrier */
	int stop;		/* the runner process ends */
	int pause_runner;
	int runner_idle;	/* the runner process is between runs */
	struct wstat w[MAX_WORKERS];
	u64 runner_runs, runner_ebusy, runner_bad;
	int race_err[NR_RACERS];
	int race_done[NR_RACERS];
	struct shadowslab_run race_run[NR_RACERS];
};

static struct shm *shm;
static __u32 shared[NR_SHARED];
static __u32 online[64];
static unsigned int nr_online, nr_workers;
static __u32 caches0_ids[MAX_CACHES];
static unsigned int nr_caches0;

static const char *const shared_names[NR_SHARED] = { "conc-shared", "conc-shared-deferred" };

/* --------------------------------------------------------- helpers */

/* One RUN in this process on every online CPU, duration-bound. */
static int run_long(struct shadowslab_run *r, __u32 strategy)
{
	static struct shadowslab_thread_result res[64];

	run_init(r, strategy, SHADOWSLAB_PROFILE_MM_6_4, online, nr_online,
		 0, LONG_RUN_NS, res);
	r->sample_shift = 4;
	return ioctl_err(SHADOWSLAB_IOC_RUN, r);
}

/* Wait (bounded) until no run is in progress. */
static bool wait_idle(int seconds)
{
	struct shadowslab_run_progress pr;

	return wait_phase(0, SHADOWSLAB_PHASE_IDLE, seconds, &pr);
}

/* A short RUN works: the runner is usable. */
static void expect_usable(struct point *p, long long balance)
{
	struct shadowslab_thread_result res[64];
	struct shadowslab_run r;
	int err = EBUSY, i;

	/* Others (workers, the runner process) may hold the runner: retry. */
	u64 until = now_ns() + 120ULL * 1000000000ULL;

	for (i = 0; now_ns() < until; i++) {
		run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_6,
			 online, 1, 100, 0, res);
		err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
		if (err != EBUSY)
			break;
		sleep_ms(5);
	}
	expect_err(p, "a new RUN", 0, err);
	if (!err) {
		expect_u64(p, "new RUN status", SHADOWSLAB_RUN_COMPLETED, r.status);
		expect_u64(p, "new RUN total_cycles", 100, r.total_cycles);
	}
	if (balance != LLONG_MIN)
		expect_u64(p, "INFO percpu_allocs - percpu_frees (vs before)",
			   balance, module_balance());
}

/* ------------------------------------------------------ 1. run races */

static void racer(int idx)
{
	struct shadowslab_run r;
	int err;

	catch_signals();
	while (!FLAG_READ(shm->go))
		;
	err = run_long(&r, SHADOWSLAB_STRATEGY_PERCPU);
	shm->race_run[idx] = r;
	shm->race_err[idx] = err;
	__atomic_store_n(&shm->race_done[idx], 1, __ATOMIC_RELEASE);
	_exit(0);
}

static void test_races(void)
{
	unsigned int rounds = scaled(4, 2), round, i, one = 0, sigint_ok = 0;
	unsigned int sigint_rounds = 0, sigkill_rounds = 0, sigkill_ok = 0;
	struct point pr, pi, pk;
	pid_t pids[NR_RACERS];

	point_init(&pr, "%u RUN races of %d processes: exactly one runs, the others get EBUSY",
		   rounds, NR_RACERS);
	point_init(&pi, "SIGINT cancels the race winner's RUN: 0, CANCELLED, cycles done, exact counts");
	point_init(&pk, "SIGKILL of the race winner mid-run: runner idle and usable, nothing leaked");
	for (round = 0; round < rounds; round++) {
		struct shadowslab_run_progress prog;
		long long balance = module_balance();
		bool kill9 = round % 2;
		int winner = -1, ebusy = 0, waited;

		memset(shm->race_err, 0, sizeof(shm->race_err));
		memset(shm->race_done, 0, sizeof(shm->race_done));
		FLAG_WRITE(shm->go, 0);
		fflush(stdout);
		for (i = 0; i < NR_RACERS; i++) {
			pids[i] = fork();
			if (pids[i] < 0)
				ksft_exit_fail_msg("fork: %s\n", strerror(errno));
			if (!pids[i])
				racer(i);
		}
		FLAG_WRITE(shm->go, 1);
		/* The losers return at once; the winner's run goes on. */
		for (waited = 0; waited < 6000; waited++) {
			ebusy = 0;
			for (i = 0; i < NR_RACERS; i++)
				ebusy += shm->race_done[i] && shm->race_err[i] == EBUSY;
			if (ebusy == NR_RACERS - 1)
				break;
			sleep_ms(10);
		}
		expect(&pr, ebusy == NR_RACERS - 1,
		       "round %u: expected %d racers with EBUSY, got %d\n",
		       round, NR_RACERS - 1, ebusy);
		for (i = 0; i < NR_RACERS; i++)
			if (!shm->race_done[i])
				winner = i;
		for (i = 0; i < NR_RACERS; i++)
			if (shm->race_done[i] && shm->race_err[i] != EBUSY)
				expect(&pr, false, "round %u: racer %u: expected EBUSY, got %s\n",
				       round, i, errno_name(shm->race_err[i]));
		if (!expect(&pr, winner >= 0 && wait_phase(pids[winner], SHADOWSLAB_PHASE_TIMED, 60, &prog),
			    "round %u: expected one racer's run in its timed phase\n", round)) {
			for (i = 0; i < NR_RACERS; i++)
				kill(pids[i], SIGKILL);
		} else {
			one++;
			expect_u64(&pr, "RUN_PROGRESS nr_threads of the winner's run",
				   nr_online, prog.nr_threads);
			kill(pids[winner], kill9 ? SIGKILL : SIGINT);
		}
		for (i = 0; i < NR_RACERS; i++)
			waitpid(pids[i], NULL, 0);
		if (winner < 0)
			continue;
		if (kill9) {
			struct point q;

			sigkill_rounds++;
			point_init(&q, "race round %u, SIGKILL", round);
			expect(&q, !shm->race_done[winner],
			       "the SIGKILLed racer reported a RUN result\n");
			expect(&q, wait_idle(60), "runner not idle after the SIGKILL\n");
			expect_usable(&q, balance);
			sigkill_ok += q.ok;
		} else {
			const struct shadowslab_run *r = &shm->race_run[winner];
			struct point q;

			sigint_rounds++;
			point_init(&q, "race round %u, SIGINT", round);
			expect(&q, shm->race_done[winner], "the winner did not report\n");
			expect_err(&q, "winner's RUN", 0, shm->race_err[winner]);
			expect_u64(&q, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED, r->status);
			expect(&q, r->total_cycles > 0, "expected cycles done, got 0\n");
			expect_u64(&q, "check_failures", 0, r->check_failures);
			expect_u64(&q, "percpu_allocs (cycles x 5, mm-6.4)",
				   r->total_cycles * 5, r->percpu_allocs);
			expect_u64(&q, "percpu_frees", r->percpu_allocs, r->percpu_frees);
			expect(&q, wait_idle(60), "runner not idle after SIGINT\n");
			expect_u64(&q, "INFO percpu_allocs - percpu_frees (vs before)",
				   balance, module_balance());
			sigint_ok += q.ok;
		}
	}
	ksft_print_msg("races: %u rounds with one winner; SIGINT rounds %u/%u clean, SIGKILL rounds %u/%u clean\n",
		       one, sigint_ok, sigint_rounds, sigkill_ok, sigkill_rounds);
	pr.ok = pr.ok && one == rounds;
	point_end(&pr);
	pi.ok = sigint_rounds && sigint_ok == sigint_rounds;
	point_end(&pi);
	pk.ok = sigkill_rounds && sigkill_ok == sigkill_rounds;
	point_end(&pk);
}

/*
 * A run cancelled in warm-up has no timed phase: the kernel must still
 * write every out-field (0 for the timed counts), not hand back what the
 * caller left in them.
 */
#define SENTINEL	0x5e5e5e5e5e5e5e5eULL

static void test_warmup_cancel_out_fields(void)
{
	struct shadowslab_run_progress prog;
	struct shadowslab_run r;
	int pipefd[2], err = -1, status;
	struct point p;
	pid_t pid;

	point_init(&p, "RUN cancelled in warm-up: every out-field written by the kernel, none left as the caller passed it");
	if (pipe(pipefd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		static struct shadowslab_thread_result res[64];

		close(pipefd[0]);
		catch_signals();
		run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_6,
			 online, nr_online, 100, 0, res);
		r.warmup_cycles = SHADOWSLAB_RUN_MAX_CYCLES;
		r.status = 0x5e5e;
		r.elapsed_ns = r.total_cycles = r.check_failures = SENTINEL;
		r.percpu_allocs = r.percpu_frees = SENTINEL;
		r.warmup_percpu_allocs = r.warmup_percpu_frees = SENTINEL;
		err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
		if (write(pipefd[1], &err, sizeof(err)) != sizeof(err) ||
		    write(pipefd[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	if (expect(&p, wait_phase(pid, SHADOWSLAB_PHASE_WARMUP, 60, &prog),
		   "expected the run in warm-up\n"))
		kill(pid, SIGINT);
	else
		kill(pid, SIGKILL);
	if (read(pipefd[0], &err, sizeof(err)) == sizeof(err) &&
	    read(pipefd[0], &r, sizeof(r)) == sizeof(r)) {
		expect_err(&p, "RUN", 0, err);
		expect_u64(&p, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED, r.status);
		expect_u64(&p, "total_cycles (caller passed 0x5e5e...)", 0, r.total_cycles);
		expect_u64(&p, "check_failures (caller passed 0x5e5e...)", 0, r.check_failures);
		expect_u64(&p, "elapsed_ns, no timed phase (caller passed 0x5e5e...)", 0, r.elapsed_ns);
		expect_u64(&p, "percpu_allocs, no timed phase (caller passed 0x5e5e...)", 0, r.percpu_allocs);
		expect_u64(&p, "percpu_frees, no timed phase (caller passed 0x5e5e...)", 0, r.percpu_frees);
		expect(&p, r.warmup_percpu_allocs != SENTINEL && r.warmup_percpu_frees != SENTINEL,
		       "warmup_percpu_allocs/frees: expected the kernel's counts, got the caller's 0x%llx/0x%llx back\n",
		       r.warmup_percpu_allocs, r.warmup_percpu_frees);
	} else {
		expect(&p, false, "no result from the child\n");
	}
	close(pipefd[0]);
	status = reap(pid, 60);
	expect(&p, WIFEXITED(status) && !WEXITSTATUS(status),
	       "expected the child to exit 0, got status 0x%x\n", status);
	expect(&p, wait_idle(60), "runner not idle afterwards\n");
	point_end(&p);
}

/* ---------------------------------------------------------- 2. churn */

static u64 summary_ops, summary_ebusy;
static int widx;
static struct wstat *ws;

static void wviolation(const char *fmt, ...)
{
	va_list ap;

	ws->violations++;
	if (ws->violations > MAX_SHOWN)
		return;
	va_start(ap, fmt);
	printf("# worker %d, iteration %llu: ", widx, ws->iters);
	vprintf(fmt, ap);
	va_end(ap);
}

/* @err must be one of the errnos given (0-terminated list after 0 itself). */
static bool allowed(const char *what, int err, int a, int b, int c)
{
	if (err == 0 || err == a || err == b || err == c)
		return true;
	wviolation("%s: got %s\n", what, errno_name(err));
	return false;
}

static __u32 random_id(void)
{
	__u32 ids[MAX_CACHES], n = list_ids(ids);

	if (n && chance(4, 5))
		return ids[rnd(n)];
	return 1 + rnd(MAX_CACHES + 2);
}

static void worker(int idx, u64 iters)
{
	static const __u32 profiles[] = {
		SHADOWSLAB_PROFILE_MM_6_6, SHADOWSLAB_PROFILE_MM_6_4,
		SHADOWSLAB_PROFILE_MM_6_2, SHADOWSLAB_PROFILE_TC_ACTION,
	};
	u64 own[NR_SHARED] = { 0 }, own_priv = 0;
	struct shadowslab_thread_result res[1];
	struct shadowslab_cache_objs o;
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_shrink sh;
	struct shadowslab_cache_destroy d;
	struct shadowslab_run_progress pr;
	struct shadowslab_info in;
	struct shadowslab_run r;
	__u32 priv = 0, ids[MAX_CACHES], n, k, s, i;
	unsigned int nprivs = 0;
	char name[SHADOWSLAB_NAME_LEN];
	int err, op;
	bool found[NR_SHARED];

	widx = idx;
	ws = &shm->w[idx];
	rng_seed(stress_seed() * 31 + idx);
	for (ws->iters = 0; ws->iters < iters; ws->iters++) {
		op = rnd(100);
		ws->ops++;
		s = rnd(NR_SHARED);
		if (op < 20) {			/* ALLOC on a shared cache */
			k = 1 + rnd(16);
			err = cache_alloc(shared[s], k, &o);
			if (allowed("ALLOC shared", err, ENOMEM, 0, 0) && !err) {
				if (o.done > k)
					wviolation("ALLOC %u: done %u\n", k, o.done);
				own[s] += o.done;
			}
		} else if (op < 33) {		/* FREE our own from a shared cache */
			if (!own[s])
				continue;
			k = 1 + rnd(own[s]);
			err = cache_free(shared[s], k, &o);
			if (allowed("FREE shared", err, 0, 0, 0) && !err) {
				if (o.done != k)
					wviolation("FREE %u of our %llu: done %u\n", k, own[s], o.done);
				own[s] -= o.done;
			}
		} else if (op < 48) {		/* a private cache's life */
			if (!priv) {
				snprintf(name, sizeof(name), "conc-w%d-%u", idx, nprivs++);
				err = cache_create(profiles[rnd(ARRAY_SIZE(profiles))],
						   name, chance(1, 3) ?
						   SHADOWSLAB_CACHE_DEFERRED_DTOR : 0,
						   rnd(20), &priv);
				if (allowed("CREATE private", err, ENOSPC, 0, 0) && !err)
					ws->creates++;
				if (err)
					priv = 0;
			} else if (chance(1, 4) && !own_priv) {
				err = cache_destroy(priv, &d);
				/* Another process may be in STATS/SHRINK on it. */
				if (allowed("DESTROY private", err, EBUSY, 0, 0) && !err) {
					if (d.dtor_calls != d.ctor_calls - d.ctor_failures)
						wviolation("DESTROY private: dtor %llu vs ctor %llu - failures %llu\n",
							   d.dtor_calls, d.ctor_calls, d.ctor_failures);
					ws->destroys++;
					priv = 0;
				}
			} else if (chance(1, 2)) {
				/* Its fault knob may be on (FAULT below). */
				k = 1 + rnd(64);
				err = cache_alloc(priv, k, &o);
				if (allowed("ALLOC private", err, ENOMEM, 0, 0) && !err) {
					if (o.done > k || o.held != own_priv + o.done)
						wviolation("ALLOC private %u: done %u, held %llu (expected %llu + done)\n",
							   k, o.done, o.held, own_priv);
					own_priv = o.held;
				}
			} else {
				err = cache_free(priv, rnd(2) ? 0 : 1 + rnd(own_priv + 1), &o);
				if (allowed("FREE private", err, 0, 0, 0) && !err)
					own_priv = o.held;
			}
		} else if (op < 56) {		/* SHRINK anything */
			err = cache_shrink(chance(1, 2) ? shared[s] : random_id(),
					   rnd(2), &sh);
			allowed("SHRINK", err, ENOENT, 0, 0);
		} else if (op < 68) {		/* STATS */
			__u32 id = chance(1, 2) ? shared[s] : random_id();

			err = cache_stats(id, &st);
			if (allowed("STATS", err, ENOENT, 0, 0) && !err &&
			    id == shared[s] && st.objs_held < 1)
				wviolation("STATS shared: objs_held %llu, the parent holds 1\n",
					   st.objs_held);
		} else if (op < 75) {		/* LIST */
			err = cache_list(ids, MAX_CACHES, &n);
			if (allowed("LIST", err, 0, 0, 0) && !err) {
				memset(found, 0, sizeof(found));
				for (i = 0; i < n && i < MAX_CACHES; i++)
					for (k = 0; k < NR_SHARED; k++)
						found[k] |= ids[i] == shared[k];
				if (n > MAX_CACHES || !found[0] || !found[1])
					wviolation("LIST: count %u, shared caches listed: %d %d\n",
						   n, found[0], found[1]);
			}
		} else if (op < 80) {		/* FAULT, mild */
			__u32 id = chance(1, 2) ? shared[s] : (priv ? priv : shared[s]);
			__u32 mode = rnd(3);

			err = cache_fault(id, mode, 20 + rnd(200), rnd(20001), rnd64(), NULL);
			allowed("FAULT", err, 0, 0, 0);
		} else if (op < 83) {		/* DESTROY a shared cache: pinned */
			err = cache_destroy(shared[s], NULL);
			if (err != EBUSY)
				wviolation("DESTROY shared (held by the parent): expected EBUSY, got %s\n",
					   errno_name(err));
		} else if (op < 88) {		/* a cheap RUN */
			k = 1 + rnd(50);
			run_init(&r, rnd(SHADOWSLAB_NR_STRATEGIES),
				 SHADOWSLAB_PROFILE_MM_6_6, &online[rnd(nr_online)], 1,
				 k, 0, res);
			err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
			if (allowed("RUN", err, EBUSY, 0, 0)) {
				if (err == EBUSY) {
					ws->run_ebusy++;
				} else {
					ws->run_ok++;
					if (r.status != SHADOWSLAB_RUN_COMPLETED ||
					    r.total_cycles != k || r.check_failures)
						wviolation("RUN %u cycles: status %u, total_cycles %llu, check_failures %llu\n",
							   k, r.status, r.total_cycles, r.check_failures);
				}
			}
		} else if (op < 94) {		/* RUN_PROGRESS */
			err = progress(&pr);
			if (allowed("RUN_PROGRESS", err, 0, 0, 0) && pr.phase > SHADOWSLAB_PHASE_TEARDOWN)
				wviolation("RUN_PROGRESS: phase %u\n", pr.phase);
		} else {			/* INFO */
			err = get_info(&in);
			allowed("INFO", err, 0, 0, 0);
		}
	}

	/* Give back everything this worker took. */
	for (s = 0; s < NR_SHARED; s++) {
		if (!own[s])
			continue;
		err = cache_free(shared[s], own[s], &o);
		if (err || o.done != own[s])
			wviolation("final FREE of our %llu from shared cache %u: %s, done %u\n",
				   own[s], shared[s], errno_name(err), err ? 0 : o.done);
	}
	if (priv) {
		err = cache_cleanup(priv, &d);
		if (err)
			wviolation("final DESTROY private %u: %s\n", priv, errno_name(err));
		else if (d.dtor_calls != d.ctor_calls - d.ctor_failures)
			wviolation("final DESTROY private: dtor %llu vs ctor %llu - failures %llu\n",
				   d.dtor_calls, d.ctor_calls, d.ctor_failures);
		else
			ws->destroys++;
	}
	ws->exit_ok = !ws->violations;
	__atomic_store_n(&ws->finished, 1, __ATOMIC_RELEASE);
	_exit(ws->violations ? 1 : 0);
}

/* Duration-bound ctor runs on every CPU until told to stop. */
static void runner_proc(void)
{
	static struct shadowslab_thread_result res[64];
	struct shadowslab_run r;
	int err;

	while (!FLAG_READ(shm->stop)) {
		if (FLAG_READ(shm->pause_runner)) {
			FLAG_WRITE(shm->runner_idle, 1);
			sleep_ms(10);
			continue;
		}
		FLAG_WRITE(shm->runner_idle, 0);
		run_init(&r, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
			 online, nr_online, 0, 300000000ULL, res);
		r.sample_shift = 4;
		err = ioctl_err(SHADOWSLAB_IOC_RUN, &r);
		if (err == EBUSY) {
			shm->runner_ebusy++;
			sleep_ms(5);
		} else if (err || r.status != SHADOWSLAB_RUN_COMPLETED ||
			   r.check_failures) {
			shm->runner_bad++;
			printf("# runner process: RUN: %s, status %u, check_failures %llu\n",
			       errno_name(err), r.status, r.check_failures);
		} else {
			shm->runner_runs++;
		}
	}
	FLAG_WRITE(shm->runner_idle, 1);
	_exit(0);
}

/* Pause the runner process: it finishes its run and waits. */
static void pause_runner(bool on)
{
	int i;

	FLAG_WRITE(shm->pause_runner, on);
	if (!on)
		return;
	for (i = 0; i < 60000 && !FLAG_READ(shm->runner_idle); i++)
		sleep_ms(1);
}

/*
 * A victim: a long RUN, started once the runner is free of the cheap runs
 * of the workers.  Its result goes to the pipe.
 */
static pid_t start_victim(int *rd)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct shadowslab_run r;
		int err;

		close(pipefd[0]);
		catch_signals();
		do {
			err = run_long(&r, SHADOWSLAB_STRATEGY_CTOR);
			if (err == EBUSY)
				sleep_ms(2);
		} while (err == EBUSY);
		if (write(pipefd[1], &err, sizeof(err)) != sizeof(err) ||
		    write(pipefd[1], &r, sizeof(r)) != sizeof(r))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	*rd = pipefd[0];
	return pid;
}

/* The victim's run in its timed phase: duration LONG_RUN_NS, all CPUs. */
static bool wait_victim_timed(pid_t pid)
{
	struct shadowslab_run_progress pr;
	int i, status;

	for (i = 0; i < 12000; i++) {
		if (!progress(&pr) && pr.phase == SHADOWSLAB_PHASE_TIMED &&
		    pr.duration_ns == LONG_RUN_NS && pr.cycles > 0)
			return true;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			ksft_print_msg("the victim exited early (status 0x%x)\n", status);
			return false;
		}
		sleep_ms(5);
	}
	ksft_print_msg("the victim's run never reached its timed phase\n");
	return false;
}

static void churn_sigkill(void)
{
	struct point p;
	int rd = -1, status;
	pid_t pid;

	point_init(&p, "during the churn: SIGKILL of a process in the middle of a RUN: runner idle and usable");
	pause_runner(true);
	pid = start_victim(&rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (expect(&p, wait_victim_timed(pid), "no victim run to kill\n"))
		kill(pid, SIGKILL);
	status = reap(pid, 60);
	close(rd);
	expect(&p, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "expected the victim killed by SIGKILL, got status 0x%x\n", status);
	expect(&p, wait_idle(60), "runner not idle after the SIGKILL\n");
	expect_usable(&p, LLONG_MIN);
	pause_runner(false);
	point_end(&p);
}

static void churn_rmmod(void)
{
	struct shadowslab_run_progress pr1, pr2;
	struct shadowslab_run r;
	char state[32] = "";
	int rd = -1, status, err = 0, i;
	struct point p;
	FILE *f;
	pid_t pid;
	long ret;

	point_init(&p, "during the churn: rmmod during a run is refused, the run goes on, SIGINT cancels it cleanly");
	pause_runner(true);
	pid = start_victim(&rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (expect(&p, wait_victim_timed(pid), "no victim run for rmmod\n")) {
		ret = syscall(SYS_delete_module, "shadowslab", O_NONBLOCK);
		err = ret ? errno : 0;
		ksft_print_msg("delete_module(\"shadowslab\", O_NONBLOCK) during the run: %s\n",
			       ret ? strerror(err) : "success");
		expect(&p, ret && (err == EAGAIN || err == EBUSY),
		       "expected the unload refused with EWOULDBLOCK (module in use), got %s\n",
		       ret ? errno_name(err) : "success");
		f = fopen("/sys/module/shadowslab/initstate", "re");
		if (f) {
			if (!fgets(state, sizeof(state), f))
				state[0] = '\0';
			fclose(f);
		}
		expect(&p, !strncmp(state, "live", 4),
		       "expected /sys/module/shadowslab/initstate live, got '%s'\n", state);
		/* The run goes on: its cycles grow. */
		progress(&pr1);
		for (i = 0; i < 6000; i++) {
			if (progress(&pr2) || pr2.cycles > pr1.cycles)
				break;
			sleep_ms(5);
		}
		expect(&p, pr2.phase == SHADOWSLAB_PHASE_TIMED && pr2.cycles > pr1.cycles,
		       "expected the run still timed with cycles growing past %llu, got phase %u, %llu\n",
		       pr1.cycles, pr2.phase, pr2.cycles);
		kill(pid, SIGINT);
	}
	if (read(rd, &err, sizeof(err)) == sizeof(err) &&
	    read(rd, &r, sizeof(r)) == sizeof(r)) {
		expect_err(&p, "the cancelled RUN", 0, err);
		expect_u64(&p, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED, r.status);
		expect(&p, r.total_cycles > 0, "expected cycles done, got 0\n");
		expect_u64(&p, "check_failures", 0, r.check_failures);
	} else {
		expect(&p, false, "no result from the victim\n");
	}
	close(rd);
	status = reap(pid, 60);
	expect(&p, WIFEXITED(status) && !WEXITSTATUS(status),
	       "expected the victim to exit 0, got status 0x%x\n", status);
	expect(&p, wait_idle(60), "runner not idle after the SIGINT\n");
	pause_runner(false);
	point_end(&p);
}

static void test_churn(void)
{
	u64 iters = scaled(5000, 50), ops = 0, viol = 0, run_ok = 0, run_ebusy = 0;
	u64 creates = 0, destroys = 0;
	pid_t pids[MAX_WORKERS], runner;
	struct shadowslab_cache_objs o;
	struct point p;
	unsigned int i;
	int status, failed = 0;
	bool killed_done = false, rmmod_done = false;

	for (i = 0; i < NR_SHARED; i++) {
		int err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, shared_names[i],
				       i ? SHADOWSLAB_CACHE_DEFERRED_DTOR : 0,
				       4 + 8 * i, &shared[i]);

		if (err)
			ksft_exit_fail_msg("CREATE %s: %s\n", shared_names[i], errno_name(err));
		/* The parent's pin: a shared cache can never be destroyed. */
		err = cache_alloc(shared[i], 1, &o);
		if (err || o.done != 1)
			ksft_exit_fail_msg("ALLOC 1 in %s: %s\n", shared_names[i], errno_name(err));
	}
	ksft_print_msg("churn: %u workers x %llu iterations on caches %u and %u, a runner process, %u online CPUs\n",
		       nr_workers, iters, shared[0], shared[1], nr_online);

	fflush(stdout);
	runner = fork();
	if (runner < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!runner)
		runner_proc();
	for (i = 0; i < nr_workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			ksft_exit_fail_msg("fork: %s\n", strerror(errno));
		if (!pids[i])
			worker(i, iters);
	}

	/* The SIGKILL and the rmmod, a third and two thirds of the way. */
	for (;;) {
		u64 done = 0;
		bool all = true;

		for (i = 0; i < nr_workers; i++) {
			done += shm->w[i].iters;
			all &= __atomic_load_n(&shm->w[i].finished, __ATOMIC_ACQUIRE);
		}
		if (!killed_done && (done >= nr_workers * iters / 3 || all)) {
			churn_sigkill();
			killed_done = true;
		}
		if (!rmmod_done && (done >= nr_workers * iters * 2 / 3 || all)) {
			churn_rmmod();
			rmmod_done = true;
		}
		if (all && killed_done && rmmod_done)
			break;
		sleep_ms(20);
	}
	for (i = 0; i < nr_workers; i++) {
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
		ops += shm->w[i].ops;
		viol += shm->w[i].violations;
		run_ok += shm->w[i].run_ok;
		run_ebusy += shm->w[i].run_ebusy;
		creates += shm->w[i].creates;
		destroys += shm->w[i].destroys;
	}
	FLAG_WRITE(shm->stop, 1);
	waitpid(runner, &status, 0);

	point_init(&p, "churn: %u workers x %llu iterations: every call got a result the ABI allows",
		   nr_workers, iters);
	ksft_print_msg("churn: %llu operations, %llu private caches created and %llu destroyed, %llu violations\n",
		       ops, creates, destroys, viol);
	expect(&p, !viol && !failed, "%llu violations, %d workers failed (above)\n", viol, failed);
	point_end(&p);

	point_init(&p, "churn: RUN attempts completed exactly or got EBUSY; the runner process's runs completed, check_failures 0");
	ksft_print_msg("RUN: workers %llu completed, %llu EBUSY; runner process %llu completed, %llu EBUSY, %llu bad\n",
		       run_ok, run_ebusy, shm->runner_runs, shm->runner_ebusy, shm->runner_bad);
	expect(&p, !shm->runner_bad, "%llu bad runs of the runner process\n", shm->runner_bad);
	expect(&p, shm->runner_runs > 0, "the runner process completed no run\n");
	expect(&p, run_ok + shm->runner_runs > 0 && run_ebusy + shm->runner_ebusy > 0,
	       "expected both completed runs and EBUSY among the attempts\n");
	point_end(&p);

	summary_ops = ops;
	summary_ebusy = run_ebusy + shm->runner_ebusy;
}

/* ------------------------------------------------------ 3. afterwards */

static void test_after(long long balance0)
{
	struct shadowslab_cache_stats st;
	unsigned int i, failed, n;
	struct point p;

	point_init(&p, "after the churn: the shared caches hold only the parent's objects, accounting exact");
	for (i = 0; i < NR_SHARED; i++) {
		cache_fault(shared[i], SHADOWSLAB_FAULT_OFF, 0, 0, 0, NULL);
		if (!expect(&p, wait_dtor_drained(shared[i], &st),
			    "cache %u: deferred destructors not drained\n", shared[i]))
			continue;
		expect_u64(&p, "objs_held (the parent's pin)", 1, st.objs_held);
		expect_accounting(&p, shared_names[i], &st);
		ksft_print_msg("%s: %llu ctor calls, %llu failures, %llu dtor calls, %llu slabs, %llu magazine hits, %llu depot contention, %llu faults injected\n",
			       shared_names[i], st.ctor_calls, st.ctor_failures,
			       st.dtor_calls, st.slabs_current, st.magazine_hits,
			       st.depot_contention, st.faults_injected);
	}
	point_end(&p);

	point_init(&p, "every cache destroyable after freeing, DESTROY balance, LIST as before");
	for (i = 0; i < NR_SHARED; i++)
		expect_destroy_balance(&p, shared[i]);
	n = cleanup_caches_except(caches0_ids, nr_caches0, &failed);
	expect(&p, !n, "%u caches were left behind (destroyed now)\n", n);
	expect(&p, !failed, "%u caches could not be destroyed\n", failed);
	expect_u64(&p, "LIST count", nr_caches0, cache_count());
	point_end(&p);

	point_init(&p, "module percpu allocs - frees as before, runner idle");
	expect(&p, wait_idle(60), "runner not idle\n");
	expect_u64(&p, "INFO percpu_allocs - percpu_frees (vs before)", balance0,
		   module_balance());
	point_end(&p);
}

int main(void)
{
	const char *w = getenv("STRESS_WORKERS");
	long long balance0;
	u64 seed;

	shadowslab_test_start();
	ksft_set_plan(11);
	shadowslab_device();
	nr_online = online_cpus(online, 64);
	nr_workers = w && atoi(w) > 0 ? (unsigned int)atoi(w) : 4;
	if (nr_workers > MAX_WORKERS)
		nr_workers = MAX_WORKERS;
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	memset(shm, 0, sizeof(*shm));
	seed = stress_seed();
	rng_seed(seed);
	{
		char buf[32];

		snprintf(buf, sizeof(buf), "%llu", seed);
		setenv("STRESS_SEED", buf, 1);	/* the workers derive theirs */
	}
	nr_caches0 = list_ids(caches0_ids);
	balance0 = module_balance();
	ksft_print_msg("seed %llu (STRESS_SEED reproduces the choices), %u online CPUs, %u possible, %u caches before\n",
		       seed, nr_online, dev_info.nr_possible_cpus, nr_caches0);

	test_races();		/* 3 */
	test_warmup_cancel_out_fields();	/* 1 */
	test_churn();		/* 4 */
	test_after(balance0);	/* 3 */

	printf("# stress-summary: concurrency_ops=%llu run_ebusy=%llu\n",
	       summary_ops, summary_ebusy);
	close(dev_fd);
	ksft_finished();
}
