// SPDX-License-Identifier: GPL-2.0
/*
 * destroy_race - DESTROY and unload against everything that moves objects
 * between a cache's layers behind its owner's back.
 *
 * Destroy used to count the objects out layer by layer (CPU magazines,
 * depot, slabs) while the shrinker and the CPU-dead drain moved them
 * between the layers: a magazine moved in between was counted twice or
 * not at all, giving a wrapped count and a spurious EBUSY, or 0 with
 * objects out; and the unload, which only warned about a refusal, left
 * the shrinker registered over a freed object type.  Here:
 *
 *  1. NR_WORKERS processes, round(40 * STRESS_SCALE) rounds each (at least
 *     4): create a cache (a random profile, magazines of 1..8 objects so
 *     that the depot holds many, deferred destructors half the time), fill
 *     it, give part back, sometimes shrink; DESTROY while objects are held
 *     must be EBUSY with the cache intact and usable (objs_held and
 *     objs_in_use as the worker counts them, ALLOC and FREE still work);
 *     after FREE of everything DESTROY must succeed, balanced.  Nobody
 *     else calls into a worker's caches, so any other refusal is the bug.
 *  2. Meanwhile: a process writes 2 to /proc/sys/vm/drop_caches in a loop
 *     (every cache's shrinker), one takes a CPU offline and online again in
 *     a loop (the CPU-dead drain; left out without a hotpluggable CPU),
 *     and one runs short ctor RUNs with the workers' profiles now and then
 *     (the runner's own cache, created and torn down per run): each 0 and
 *     exact, or EBUSY, or EINVAL when a CPU went offline before the start.
 *  3. At the end each worker leaves a cache holding objects (in its
 *     magazines and depot too), and the module is unloaded (delete_module)
 *     while drop_caches and the hotplug loop still run, then loaded again
 *     from $SHADOWSLAB_KO (run_stress.sh sets it).
 *  4. The kernel log since the start holds no "destroy refused" (only a
 *     bug refuses here) and no "objects still out"; where kmemleak exists,
 *     a scan after the unload finds nothing.  A WARNING, KASAN or lockdep
 *     report fails the run in vm-run.
 *
 * Without the fix the spurious refusal and the use-after-free at unload
 * need the race to hit its window: likely over a run, not certain.
 *
 * Summary: "# stress-summary: destroy_rounds=N destroy_busy=N".
 */
#include "stress.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#define NR_WORKERS	3
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

static const __u32 race_profiles[] = {
	SHADOWSLAB_PROFILE_MM_6_6, SHADOWSLAB_PROFILE_MM_6_4,
	SHADOWSLAB_PROFILE_TC_ACTION,
};

struct worker_stat {
	u64 rounds;
	u64 destroys;		/* emptied caches destroyed */
	u64 busy;		/* refusals with objects held, all correct */
	u64 errors;
};

struct shm {
	int stop_loops;		/* FLAG_READ/FLAG_WRITE */
	int stop_runner;
	struct worker_stat worker[NR_WORKERS];
	u64 drops;
	u64 hotplug_rounds;
	u64 runs_ok, runs_busy, runs_einval, runs_bad;
};

static struct shm *shm;
static u64 rounds;		/* per worker: round(40 * STRESS_SCALE), >= 4 */
static char marker[96];
/* Only a bug refuses to destroy here, or leaves objects out at unload. */
static const char *const bad_lines[] = {
	"destroy refused", "objects still out", NULL,
};

#define WORKER_FAIL(idx, ...)				\
	do {						\
		printf("# worker %d: ", (idx));		\
		printf(__VA_ARGS__);			\
		shm->worker[idx].errors++;		\
	} while (0)

/* A refused DESTROY must leave the cache as it was, and usable. */
static void check_intact(int w, __u32 id, u64 held)
{
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs o;
	int err = cache_stats(id, &st);

	if (err) {
		WORKER_FAIL(w, "STATS after the refused DESTROY: %s\n",
			    errno_name(err));
		return;
	}
	if (st.objs_held != held || st.objs_in_use != held)
		WORKER_FAIL(w, "after the refused DESTROY: objs_held %llu, objs_in_use %llu, expected %llu\n",
			    st.objs_held, st.objs_in_use, held);
	err = cache_alloc(id, 1, &o);
	if (!err)
		err = cache_free(id, 1, &o);
	if (err || o.held != held)
		WORKER_FAIL(w, "ALLOC 1 and FREE 1 after the refused DESTROY: %s, held %llu (expected %llu)\n",
			    errno_name(err), o.held, held);
}

static void worker_round(int w, u64 round)
{
	struct shadowslab_cache_destroy d;
	struct shadowslab_cache_objs o;
	char name[SHADOWSLAB_NAME_LEN];
	u64 held;
	__u32 id;
	int err;

	snprintf(name, sizeof(name), "race-%d-%llu", w, round);
	err = cache_create(race_profiles[rnd(ARRAY_SIZE(race_profiles))], name,
			   chance(1, 2) ? SHADOWSLAB_CACHE_DEFERRED_DTOR : 0,
			   1 + rnd(8), &id);
	if (err) {
		WORKER_FAIL(w, "CREATE %s: %s\n", name, errno_name(err));
		return;
	}
	err = cache_alloc(id, 50 + rnd(300), &o);
	held = err ? 0 : o.held;
	if (err)
		WORKER_FAIL(w, "ALLOC: %s\n", errno_name(err));
	/* Some back (FREE 0 would be all): magazines and depot fill. */
	if (held > 1 && !cache_free(id, 1 + rnd(held - 1), &o))
		held = o.held;
	if (chance(1, 3))
		cache_shrink(id, chance(1, 2) ? SHADOWSLAB_SHRINK_PURGE : 0,
			     NULL);
	if (held && chance(1, 2)) {
		err = cache_destroy(id, NULL);
		if (err != EBUSY)
			WORKER_FAIL(w, "DESTROY with %llu objects held: expected EBUSY, got %s\n",
				    held, errno_name(err));
		else
			shm->worker[w].busy++;
		if (err)
			check_intact(w, id, held);
		if (!err)
			return;
	}
	err = cache_free(id, 0, &o);
	if (err || o.held)
		WORKER_FAIL(w, "FREE all: %s, %llu still held\n",
			    errno_name(err), o.held);
	err = cache_destroy(id, &d);
	if (err) {
		WORKER_FAIL(w, "DESTROY of cache %u, which holds nothing: %s\n",
			    id, errno_name(err));
		return;
	}
	if (d.dtor_calls != d.ctor_calls - d.ctor_failures)
		WORKER_FAIL(w, "DESTROY balance: dtor %llu vs ctor %llu - failures %llu\n",
			    d.dtor_calls, d.ctor_calls, d.ctor_failures);
	shm->worker[w].destroys++;
}

static void worker(void *arg)
{
	char name[SHADOWSLAB_NAME_LEN];
	struct shadowslab_cache_objs o;
	int w = (intptr_t)arg;
	u64 r;
	__u32 id;

	rng_seed(stress_seed() ^ ((u64)getpid() << 16));
	for (r = 0; r < rounds; r++) {
		worker_round(w, r);
		shm->worker[w].rounds++;
	}
	/* Left to the unload: objects held, in magazines and in the depot. */
	snprintf(name, sizeof(name), "race-left-%d", w);
	if (!cache_create(race_profiles[w % ARRAY_SIZE(race_profiles)], name,
			  w % 2 ? SHADOWSLAB_CACHE_DEFERRED_DTOR : 0, 4, &id)) {
		cache_alloc(id, 300, &o);
		cache_free(id, 100, &o);
	}
}

/* The loops outlive the device: they must not hold it at the unload. */
static void drop_loop(void *unused)
{
	(void)unused;
	close(dev_fd);
	while (!FLAG_READ(shm->stop_loops)) {
		/* Back to back: the race wants a shrinker mid-reap. */
		if (!write_file("/proc/sys/vm/drop_caches", "2"))
			shm->drops++;
		sleep_ms(1);
	}
}

static void hotplug_loop(void *online_path)
{
	close(dev_fd);
	cpu_flap(online_path, &shm->stop_loops, &shm->hotplug_rounds, 30);
}

static void runner_loop(void *unused)
{
	struct shadowslab_thread_result res[64];
	struct shadowslab_run r;
	__u32 cpus[64];
	unsigned int n;
	int err;

	(void)unused;
	rng_seed(stress_seed() ^ 0x72756eULL);
	while (!FLAG_READ(shm->stop_runner)) {
		n = online_cpus(cpus, 64);
		run_init(&r, SHADOWSLAB_STRATEGY_CTOR,
			 race_profiles[rnd(ARRAY_SIZE(race_profiles))], cpus, n,
			 300, 0, res);
		err = do_run(&r);
		if (!err && r.status == SHADOWSLAB_RUN_COMPLETED &&
		    !r.check_failures && r.total_cycles == 300ULL * n) {
			shm->runs_ok++;
		} else if (err == EBUSY) {
			shm->runs_busy++;
		} else if (err == EINVAL) {
			shm->runs_einval++;	/* a CPU went offline first */
		} else {
			printf("# runner: RUN: %s, status %u, check_failures %llu, total_cycles %llu of %llu\n",
			       errno_name(err), r.status, r.check_failures,
			       r.total_cycles, 300ULL * n);
			shm->runs_bad++;
		}
		sleep_ms(100);
	}
}

/* delete_module, retried while another process still has the device. */
static int unload(void)
{
	int err = 0, i;

	for (i = 0; i < 200; i++) {
		err = syscall(SYS_delete_module, "shadowslab", O_NONBLOCK) ?
		      errno : 0;
		if (err != EAGAIN && err != EBUSY)
			break;
		sleep_ms(50);
	}
	return err;
}

/* finit_module of $SHADOWSLAB_KO; unset, open("") says ENOENT. */
static int reload(void)
{
	const char *ko = getenv("SHADOWSLAB_KO");
	int f, err;

	f = open(ko ? ko : "", O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return errno;
	err = syscall(SYS_finit_module, f, "", 0) ? errno : 0;
	close(f);
	return err;
}

static void kmemleak_point(bool unloaded)
{
	char line[256];
	unsigned int leaks = 0;
	FILE *f;

	if (access(KMEMLEAK, W_OK)) {
		ksft_test_result_skip("kmemleak: nothing new after the unload (this kernel has no kmemleak)\n");
		return;
	}
	if (!unloaded) {
		ksft_test_result_fail("kmemleak: nothing new after the unload (no unload)\n");
		return;
	}
	/* kmemleak reports only objects older than 5 s. */
	sleep_ms(6000);
	write_file(KMEMLEAK, "scan");
	f = fopen(KMEMLEAK, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (strstr(line, "unreferenced object"))
			leaks++;
		if (leaks && leaks <= 3)
			printf("# %s", line);
	}
	if (f)
		fclose(f);
	ksft_test_result(!leaks, "kmemleak: nothing new after the unload (%u suspects)\n",
			 leaks);
}

int main(void)
{
	u64 total = 0, busy = 0, errors = 0;
	pid_t workers[NR_WORKERS], drop, plug = -1, runner;
	char online_path[96];
	struct point p;
	int i, err, cpu, status, bad_exit = 0;
	bool unloaded = false;

	shadowslab_test_start();
	ksft_set_plan(7);
	rounds = scaled(40, 4);
	shadowslab_device();
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	snprintf(marker, sizeof(marker), "shadowslab stress destroy_race[%d]",
		 getpid());
	write_file("/dev/kmsg", marker);
	if (!access(KMEMLEAK, W_OK))
		write_file(KMEMLEAK, "clear");
	cpu = hotpluggable_cpu(online_path, sizeof(online_path));
	ksft_print_msg("%d workers, %llu rounds each; drop_caches loop; CPU hotplug loop on %s\n",
		       NR_WORKERS, rounds, cpu < 0 ? "no CPU (none hotpluggable)" :
		       online_path);

	drop = spawn(drop_loop, NULL);
	if (cpu >= 0)
		plug = spawn(hotplug_loop, online_path);
	runner = spawn(runner_loop, NULL);
	for (i = 0; i < NR_WORKERS; i++)
		workers[i] = spawn(worker, (void *)(intptr_t)i);
	for (i = 0; i < NR_WORKERS; i++) {
		status = reap(workers[i], 1800);
		bad_exit += !WIFEXITED(status) || WEXITSTATUS(status);
		total += shm->worker[i].destroys;
		busy += shm->worker[i].busy;
		errors += shm->worker[i].errors;
	}
	FLAG_WRITE(shm->stop_runner, 1);
	reap(runner, 300);

	point_init(&p, "%d workers x %llu rounds: every emptied cache destroyed, balanced, none refused",
		   NR_WORKERS, rounds);
	expect_u64(&p, "worker errors (above)", 0, errors);
	expect_u64(&p, "workers that did not exit 0", 0, bad_exit);
	expect(&p, total > 0, "expected caches destroyed, got none\n");
	point_end(&p);

	ksft_test_result(busy > 0 && !errors,
			 "DESTROY with objects held: EBUSY, the cache intact and usable (%llu times)\n",
			 busy);

	point_init(&p, "drop_caches (%llu) and CPU hotplug (%llu rounds) ran meanwhile",
		   shm->drops, shm->hotplug_rounds);
	expect(&p, shm->drops > 0, "expected drop_caches writes, got none\n");
	if (cpu >= 0)
		expect(&p, shm->hotplug_rounds > 0,
		       "expected CPU %d offline and online again, got no round\n",
		       cpu);
	point_end(&p);

	point_init(&p, "ctor RUNs with the same profiles meanwhile: %llu exact, %llu EBUSY, %llu EINVAL (CPU offline)",
		   shm->runs_ok, shm->runs_busy, shm->runs_einval);
	expect_u64(&p, "RUNs with another result (above)", 0, shm->runs_bad);
	point_end(&p);

	/* The unload, with the shrinker and hotplug still at work. */
	point_init(&p, "unload with %d caches holding objects, during drop_caches and hotplug; load again",
		   NR_WORKERS);
	close(dev_fd);
	err = unload();
	expect_err(&p, "delete_module(shadowslab)", 0, err);
	unloaded = !err;
	FLAG_WRITE(shm->stop_loops, 1);
	reap(drop, 120);
	if (plug > 0)
		reap(plug, 120);
	if (unloaded)
		expect_err(&p, "finit_module($SHADOWSLAB_KO)", 0, reload());
	point_end(&p);

	point_init(&p, "kernel log: no refused destroy, no object left out at teardown");
	expect_u64(&p, "\"destroy refused\" or \"objects still out\" lines", 0,
		   klog_since(marker, bad_lines));
	point_end(&p);

	kmemleak_point(unloaded);

	printf("# stress-summary: destroy_rounds=%llu destroy_busy=%llu\n",
	       (u64)NR_WORKERS * rounds, busy);
	ksft_finished();
}
