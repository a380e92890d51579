// SPDX-License-Identifier: GPL-2.0
/*
 * hotplug_in_run - CPUs going offline around and during a run.
 *
 * A run binds one kthread to each CPU it names.  The runner used to check
 * that the CPUs were online before it took the hotplug lock, and a thread
 * whose CPU went offline during the run was moved elsewhere by the
 * scheduler and its figures mixed into the run's without a word.  Here,
 * with a hotpluggable CPU X:
 *
 *  1. X offline: a RUN naming it gets EINVAL.
 *  2. A duration-bound ctor RUN (RUN_CHECK) on every online CPU; in its
 *     timed phase X goes offline, and comes back once the run has done
 *     more cycles; SIGINT then cancels the run.  X's thread reports
 *     SHADOWSLAB_THREAD_MOVED, no other thread does, and the results are
 *     still exact (check_failures 0, the total the threads' sum).
 *  3. round(20 * STRESS_SCALE) short runs (at least 4) on the CPUs online
 *     at each start while X goes offline and online in a loop: each
 *     returns 0 or EINVAL (X offline when it started); a completed one is
 *     exact, and only X's thread may report THREAD_MOVED.
 *
 * Without the fix step 2 fails: the thread moves and nothing says so.
 * Needs >= 2 online CPUs, one of them hotpluggable; skips otherwise.
 *
 * Summary: "# stress-summary: hotplug_run_moved=N hotplug_run_einval=N".
 */
#include "stress.h"

#include <sys/mman.h>

#define MAX_THREADS	64
#define LONG_RUN_NS	(120ULL * 1000000000ULL)
#define SHORT_CYCLES	2000ULL

struct shm {
	int stop;		/* FLAG_READ/FLAG_WRITE */
	int err;
	u64 rounds;
	struct shadowslab_run run;
	struct shadowslab_thread_result res[MAX_THREADS];
};

static struct shm *shm;
static __u32 online[MAX_THREADS];
static unsigned int nr_online;
static int hot = -1;		/* X */
static char hot_path[96];

static void bring_back(void)
{
	if (hot >= 0)
		write_file(hot_path, "1");
}

/* X offline or online, retrying a transient EBUSY. */
static int set_hot(const char *val)
{
	int err = 0, i;

	for (i = 0; i < 50; i++) {
		err = write_file(hot_path, val);
		if (!err)
			break;
		sleep_ms(100);
	}
	return err;
}

/* A long ctor run on every online CPU; SIGINT cancels it. */
static void long_run(void *unused)
{
	catch_signals();
	run_init(&shm->run, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
		 online, nr_online, 0, LONG_RUN_NS, shm->res);
	shm->run.sample_shift = 4;
	shm->err = do_run(&shm->run);
	(void)unused;
}

/* Wait, bounded, until the running run has @more cycles than now. */
static bool run_advances(u64 more)
{
	struct shadowslab_run_progress pr;
	u64 from;
	int i;

	if (progress(&pr))
		return false;
	from = pr.cycles;
	for (i = 0; i < 3000; i++) {
		if (progress(&pr) || pr.phase != SHADOWSLAB_PHASE_TIMED)
			return false;
		if (pr.cycles >= from + more)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* The results of a finished run: exact, and who may have moved. */
static void expect_results(struct point *p, const struct shadowslab_run *r,
			   const struct shadowslab_thread_result *res,
			   bool hot_must_move, u64 *moved)
{
	u64 total = 0;
	unsigned int i;
	char what[96];

	for (i = 0; i < r->nr_cpus; i++) {
		bool is_hot = res[i].cpu == (__u32)hot;
		bool did = res[i].flags & SHADOWSLAB_THREAD_MOVED;

		snprintf(what, sizeof(what), "thread %u (CPU %u): flags other than MOVED",
			 i, res[i].cpu);
		expect_u64(p, what, 0, res[i].flags & ~SHADOWSLAB_THREAD_MOVED);
		if (is_hot && hot_must_move)
			expect(p, did, "thread %u (CPU %u, which went offline): expected THREAD_MOVED, got flags 0x%x\n",
			       i, res[i].cpu, res[i].flags);
		if (!is_hot)
			expect(p, !did, "thread %u (CPU %u, which stayed online): expected no THREAD_MOVED, got flags 0x%x\n",
			       i, res[i].cpu, res[i].flags);
		*moved += did;
		total += res[i].cycles;
	}
	expect_u64(p, "check_failures", 0, r->check_failures);
	expect_u64(p, "total_cycles vs the threads' sum", total,
		   r->total_cycles);
}

static void test_offline_cpu(void)
{
	struct shadowslab_thread_result res[2];
	struct shadowslab_run r;
	__u32 cpus[2] = { online[0], hot };
	struct point p;
	int err;

	point_init(&p, "RUN naming CPU %d while it is offline: EINVAL", hot);
	err = set_hot("0");
	expect_err(&p, "CPU offline", 0, err);
	if (!err) {
		run_init(&r, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
			 cpus, 2, 100, 0, res);
		expect_err(&p, "RUN", EINVAL, do_run(&r));
		expect_err(&p, "CPU online", 0, set_hot("1"));
	}
	point_end(&p);
}

static u64 test_offline_during_run(void)
{
	struct shadowslab_run_progress pr;
	struct point p;
	u64 moved = 0;
	int status;
	pid_t pid;

	point_init(&p, "CPU %d offline and back during a run: its thread says MOVED, the others not, results exact",
		   hot);
	pid = spawn(long_run, NULL);
	if (expect(&p, wait_phase(pid, SHADOWSLAB_PHASE_TIMED, 120, &pr),
		   "expected the run in its timed phase\n")) {
		expect_err(&p, "CPU offline", 0, set_hot("0"));
		expect(&p, run_advances(200 * nr_online),
		       "expected the run to go on with CPU %d offline\n", hot);
		expect_err(&p, "CPU online", 0, set_hot("1"));
		expect(&p, run_advances(200 * nr_online),
		       "expected the run to go on with CPU %d back\n", hot);
	}
	kill(pid, SIGINT);
	status = reap(pid, 120);
	expect(&p, WIFEXITED(status) && !WEXITSTATUS(status),
	       "expected the run's process to exit 0, got status 0x%x\n", status);
	expect_err(&p, "RUN", 0, shm->err);
	expect_u64(&p, "status (CANCELLED)", SHADOWSLAB_RUN_CANCELLED,
		   shm->run.status);
	expect_results(&p, &shm->run, shm->res, true, &moved);
	ksft_print_msg("the run: %llu cycles in %.2f s, %llu thread(s) moved\n",
		       shm->run.total_cycles, shm->run.elapsed_ns / 1e9, moved);
	point_end(&p);
	return moved;
}

static void hotplug_loop(void *unused)
{
	cpu_flap(hot_path, &shm->stop, &shm->rounds, 20);
	(void)unused;
}

static void test_runs_racing(u64 *moved, u64 *einval)
{
	struct shadowslab_thread_result res[MAX_THREADS];
	u64 runs = scaled(20, 4), n, done = 0;
	struct shadowslab_run r;
	__u32 cpus[MAX_THREADS];
	struct point p;
	int err;
	pid_t pid;

	point_init(&p, "%llu short runs while CPU %d goes offline and online: 0 and exact, or EINVAL",
		   runs, hot);
	pid = spawn(hotplug_loop, NULL);
	for (n = 0; n < runs; n++) {
		unsigned int nr = online_cpus(cpus, MAX_THREADS);

		run_init(&r, SHADOWSLAB_STRATEGY_CTOR, SHADOWSLAB_PROFILE_MM_6_6,
			 cpus, nr, SHORT_CYCLES, 0, res);
		err = do_run(&r);
		if (err == EINVAL) {
			(*einval)++;
			continue;
		}
		expect_err(&p, "RUN", 0, err);
		if (err)
			break;
		expect_u64(&p, "total_cycles", SHORT_CYCLES * nr,
			   r.total_cycles);
		expect_results(&p, &r, res, false, moved);
		done++;
	}
	FLAG_WRITE(shm->stop, 1);
	reap(pid, 60);
	ksft_print_msg("%llu runs completed, %llu EINVAL, %llu threads moved, over %llu hotplug rounds\n",
		       done, *einval, *moved, shm->rounds);
	point_end(&p);
}

int main(void)
{
	u64 moved = 0, einval = 0;

	shadowslab_test_start();
	shadowslab_device();
	nr_online = online_cpus(online, MAX_THREADS);
	hot = hotpluggable_cpu(hot_path, sizeof(hot_path));
	if (hot < 0)
		ksft_exit_skip("needs >= 2 online CPUs, one of them hotpluggable (vm-run --cpus 2 --maxcpus 4)\n");
	ksft_set_plan(3);
	atexit(bring_back);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	ksft_print_msg("%u online CPUs, CPU %d goes offline\n", nr_online, hot);

	test_offline_cpu();
	moved = test_offline_during_run();
	test_runs_racing(&moved, &einval);

	printf("# stress-summary: hotplug_run_moved=%llu hotplug_run_einval=%llu\n",
	       moved, einval);
	ksft_finished();
}
