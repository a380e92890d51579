// SPDX-License-Identifier: GPL-2.0
/*
 * test_runner - the workload engine, through RUN and RUN_PROGRESS (issue 4).
 *
 * What a run reports must be exactly what it did, because every number
 * shadowctl prints comes from it:
 *
 *  1. every strategy (percpu, ctor, slab) with every profile, on one
 *     thread and on every online CPU, cycle-bound with RUN_CHECK: each
 *     thread ran exactly the cycles asked for, with no check failure, and
 *     timed one cycle in 2^sample_shift (cycles n with n & mask == 0, so
 *     ceil(cycles / 2^shift) samples, all in the histogram);
 *  2. the percpu allocations the run counted: percpu makes the profile's
 *     allocations on every cycle (mm-6.6 2, mm-6.4 5, mm-6.2 4,
 *     tc_action 3), ctor none once warmed up, slab none at all; and after
 *     every run the module's INFO percpu_allocs - percpu_frees is as it
 *     was: a run leaks nothing;
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
#define _GNU_SOURCE
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

typedef unsigned long long u64;

#define MAX_THREADS	64
#define FULL_CYCLES	2000	/* per thread; run_tests.sh --scale shrinks it */
#define WARMUP		50
#define RESULT_SIZE	sizeof(struct shadowslab_thread_result)
#define LONG_RUN_NS	(60ULL * 1000000000ULL)
#define WAIT_SECONDS	60

static int fd;
static struct shadowslab_info info;
static u64 cycles;		/* FULL_CYCLES, scaled */
static __u32 online[MAX_THREADS];
static unsigned int nr_online;

/* ------------------------------------------------------------ helpers */

static int ioctl_err(unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? errno : 0;
}

static void get_info(struct shadowslab_info *out)
{
	if (ioctl(fd, SHADOWSLAB_IOC_INFO, out))
		ksft_exit_fail_msg("INFO: expected success, got %s\n",
				   errno_name(errno));
}

static long long module_balance(void)
{
	struct shadowslab_info i;

	get_info(&i);
	return (long long)(i.percpu_allocs - i.percpu_frees);
}

static int progress(struct shadowslab_run_progress *p)
{
	memset(p, 0xa5, sizeof(*p));
	return ioctl_err(SHADOWSLAB_IOC_RUN_PROGRESS, p);
}

static const char *const strategy_names[] = {
	[SHADOWSLAB_STRATEGY_PERCPU] = "percpu",
	[SHADOWSLAB_STRATEGY_CTOR] = "ctor",
	[SHADOWSLAB_STRATEGY_SLAB] = "slab",
};

static const struct {
	const char *name;
	__u32 profile;
	unsigned int allocs;	/* percpu allocations per object */
	__u32 sample_shift;	/* varied, to cover the rounding */
} profiles[] = {
	{ "mm-6.6", SHADOWSLAB_PROFILE_MM_6_6, 2, 0 },
	{ "mm-6.4", SHADOWSLAB_PROFILE_MM_6_4, 5, 3 },
	{ "mm-6.2", SHADOWSLAB_PROFILE_MM_6_2, 4, 5 },
	{ "tc_action", SHADOWSLAB_PROFILE_TC_ACTION, 3, 16 },
};

static void run_init(struct shadowslab_run *r, __u32 strategy,
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
	r->warmup_cycles = WARMUP;
	r->results_ptr = (uintptr_t)res;
	r->result_size = RESULT_SIZE;
}

static int do_run(struct shadowslab_run *r)
{
	return ioctl_err(SHADOWSLAB_IOC_RUN, r);
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
		snprintf(what, sizeof(what), "thread %u: reserved", i);
		expect_u64(p, what, 0, res[i].reserved);
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

static void test_matrix_run(__u32 strategy, unsigned int prof,
			    const __u32 *cpus, unsigned int nr_cpus)
{
	struct shadowslab_thread_result res[MAX_THREADS];
	struct shadowslab_run r;
	long long balance = module_balance();
	unsigned int allocs = profiles[prof].allocs;
	u64 per_run = cycles * nr_cpus * allocs;
	u64 per_warmup = (u64)WARMUP * nr_cpus * allocs;
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

	point_init(&p, "%s %s, %u thread%s: percpu allocation counts, nothing leaked",
		   strategy_names[strategy], profiles[prof].name, nr_cpus,
		   nr_cpus == 1 ? "" : "s");
	if (!err) {
		switch (strategy) {
		case SHADOWSLAB_STRATEGY_PERCPU:
			expect_u64(&p, "percpu_allocs (cycles * threads * allocations per object)",
				   per_run, r.percpu_allocs);
			expect_u64(&p, "percpu_frees", per_run, r.percpu_frees);
			expect_u64(&p, "warmup_percpu_allocs", per_warmup,
				   r.warmup_percpu_allocs);
			expect_u64(&p, "warmup_percpu_frees", per_warmup,
				   r.warmup_percpu_frees);
			break;
		case SHADOWSLAB_STRATEGY_CTOR:
			expect_u64(&p, "percpu_allocs (timed, after warm-up)",
				   0, r.percpu_allocs);
			expect_u64(&p, "percpu_frees (timed, after warm-up)",
				   0, r.percpu_frees);
			expect(&p, r.warmup_percpu_allocs > 0 &&
				   r.warmup_percpu_allocs % allocs == 0,
			       "expected warmup_percpu_allocs a positive multiple of %u (whole objects constructed), got %llu\n",
			       allocs, r.warmup_percpu_allocs);
			expect_u64(&p, "warmup_percpu_frees", 0,
				   r.warmup_percpu_frees);
			break;
		default:
			expect_u64(&p, "percpu_allocs", 0, r.percpu_allocs);
			expect_u64(&p, "percpu_frees", 0, r.percpu_frees);
			expect_u64(&p, "warmup_percpu_allocs", 0,
				   r.warmup_percpu_allocs);
			expect_u64(&p, "warmup_percpu_frees", 0,
				   r.warmup_percpu_frees);
			break;
		}
	} else {
		expect(&p, false, "RUN failed\n");
	}
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

/* What a child's RUN returned, through a pipe. */
struct report {
	int err;
	struct shadowslab_run run;
	struct shadowslab_thread_result res[MAX_THREADS];
};

static void on_signal(int sig)
{
	(void)sig;
}

/* No SA_RESTART: the signal must reach RUN, which then returns. */
static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * Fork a child that runs @r (pointers into this process's memory, which
 * the child shares a copy of) and writes its report to the pipe.
 */
static pid_t start_child(const struct shadowslab_run *r, int *rd)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		struct report rep;

		close(pipefd[0]);
		catch_signals();
		memset(&rep, 0, sizeof(rep));
		rep.run = *r;
		rep.run.results_ptr = (uintptr_t)rep.res;
		rep.err = do_run(&rep.run);
		if (write(pipefd[1], &rep, sizeof(rep)) != sizeof(rep))
			_exit(2);
		_exit(0);
	}
	close(pipefd[1]);
	*rd = pipefd[0];
	return pid;
}

static bool read_report(int rd, struct report *rep)
{
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(*rep)) {
		n = read(rd, (char *)rep + got, sizeof(*rep) - got);
		if (n <= 0)
			return false;
		got += n;
	}
	return true;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Poll RUN_PROGRESS until the run is in @phase, with timed cycles done if
 * that is the timed phase; false if @pid exits first or after
 * WAIT_SECONDS.  Waiting for a state, not measuring time.
 */
static bool wait_phase(pid_t pid, __u32 phase,
		       struct shadowslab_run_progress *pr)
{
	int i, status;

	for (i = 0; i < WAIT_SECONDS * 100; i++) {
		if (progress(pr) == 0 && pr->phase == phase &&
		    (phase != SHADOWSLAB_PHASE_TIMED || pr->cycles > 0))
			return true;
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid) {
			ksft_print_msg("the child running the workload exited early (status 0x%x)\n",
				       status);
			return false;
		}
		sleep_ms(10);
	}
	ksft_print_msg("no phase %u within %d s: last RUN_PROGRESS phase %u, cycles %llu\n",
		       phase, WAIT_SECONDS, pr->phase, pr->cycles);
	return false;
}

/* Reap @pid, killing it if it does not exit by itself in WAIT_SECONDS. */
static int reap(pid_t pid)
{
	int i, status = 0;

	for (i = 0; i < WAIT_SECONDS * 100; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		sleep_ms(10);
	}
	ksft_print_msg("child %d did not exit: SIGKILL\n", pid);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

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
			   WARMUP * 2, r.warmup_percpu_allocs);
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
	struct report rep;
	struct point p;
	int rd = -1, status, i, err;
	bool timed, got;
	pid_t pid;

	run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_4,
		 online, nr_online, 0, LONG_RUN_NS, NULL);
	r.sample_shift = 2;

	point_init(&p, "RUN_PROGRESS from another process: TIMED, nr_threads, duration, growing cycles");
	pid = start_child(&r, &rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	timed = wait_phase(pid, SHADOWSLAB_PHASE_TIMED, &pr);
	expect(&p, timed, "expected the child's run to reach the timed phase\n");
	if (timed) {
		expect_u64(&p, "nr_threads", nr_online, pr.nr_threads);
		expect_u64(&p, "target_cycles (duration-bound)", 0,
			   pr.target_cycles);
		expect_u64(&p, "duration_ns", LONG_RUN_NS, pr.duration_ns);
		/* Cycles grow: poll for it, bounded. */
		for (i = 0; i < WAIT_SECONDS * 100; i++) {
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
	got = read_report(rd, &rep);
	close(rd);
	status = reap(pid);
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
	struct report rep;
	struct point p;
	int rd = -1, status;
	bool got;
	pid_t pid;

	point_init(&p, "SIGINT in warm-up: RUN returns 0, CANCELLED, no timed cycles");
	run_init(&r, SHADOWSLAB_STRATEGY_PERCPU, SHADOWSLAB_PROFILE_MM_6_6,
		 online, nr_online, 100, 0, NULL);
	r.warmup_cycles = SHADOWSLAB_RUN_MAX_CYCLES;
	pid = start_child(&r, &rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	expect(&p, wait_phase(pid, SHADOWSLAB_PHASE_WARMUP, &pr),
	       "expected the child's run to reach warm-up\n");
	kill(pid, SIGINT);
	got = read_report(rd, &rep);
	close(rd);
	status = reap(pid);
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
	pid = start_child(&r, &rd);
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	expect(&p, wait_phase(pid, SHADOWSLAB_PHASE_TIMED, &pr),
	       "expected the child's run to reach the timed phase\n");
	kill(pid, SIGKILL);
	status = reap(pid);
	close(rd);
	expect(&p, WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	       "expected the child killed by SIGKILL, got status 0x%x\n",
	       status);
	expect_idle_and_usable(&p, balance);
	point_end(&p);
}

/* ------------------------------------------------- 7. bad arguments */

static void result_err(const char *name, int got, int expected)
{
	if (got != expected)
		ksft_print_msg("%s: expected %s, got %s\n", name,
			       errno_name(expected), errno_name(got));
	ksft_test_result(got == expected, "%s: %s\n", name,
			 errno_name(expected));
}

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
	__u32 too_big[1] = { info.nr_cpu_ids };
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
	r = valid_run(online, info.nr_cpu_ids + 1);
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

	/* The extensible struct: smaller than VER0, larger with a tail. */
	r = valid_run(online, 1);
	err = ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, SHADOWSLAB_IOC_MAGIC,
			     0x20, SHADOWSLAB_RUN_SIZE_VER0 - 8), &r) ?
	      errno : 0;
	result_err("RUN struct smaller than VER0", err, EINVAL);
	memset(big, 0, sizeof(big));
	r = valid_run(online, 1);
	memcpy(big, &r, sizeof(r));
	big[sizeof(r) + 3] = 1;
	err = ioctl(fd, _IOC(_IOC_READ | _IOC_WRITE, SHADOWSLAB_IOC_MAGIC,
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
		 1 + 4 + 1 + 1 + 25)

static void setup(void)
{
	int n;

	fd = shadowslab_open();
	get_info(&info);
	n = read_cpulist("/sys/devices/system/cpu/online", online,
			 MAX_THREADS);
	if (n <= 0) {
		online[0] = 0;
		n = 1;
	}
	nr_online = n;
}

int main(int argc, char **argv)
{
	struct shadowslab_run_progress pr;

	if (argc > 1) {
		setvbuf(stdout, NULL, _IOLBF, 0);
		fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("open %s: %s\n", SHADOWSLAB_DEVICE_PATH,
			       errno_name(errno));
			return 1;
		}
		setup();
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
	setup();
	cycles = shadowslab_test_scaled(FULL_CYCLES, 100);
	ksft_print_msg("%u online CPUs (first %u), %u possible, nr_cpu_ids %u; %llu cycles per thread\n",
		       nr_online, online[0], info.nr_possible_cpus,
		       info.nr_cpu_ids, cycles);
	if (progress(&pr) || pr.phase != SHADOWSLAB_PHASE_IDLE)
		ksft_exit_fail_msg("RUN_PROGRESS before any run: expected IDLE, got %s, phase %u\n",
				   errno_name(errno), pr.phase);

	test_matrix();			/* 3 strategies * 4 profiles * 2 * 2 */
	test_duration();		/* 1 */
	test_busy_and_sigint();		/* 4 */
	test_sigint_warmup();		/* 1 */
	test_sigkill();			/* 1 */
	test_bad_args();		/* 25 */

	close(fd);
	ksft_finished();
}
