/* SPDX-License-Identifier: GPL-2.0 */
/*
 * stress.h - what the stress programs (fuzz_ioctl, concurrency,
 * stress_helper, ...) add to ../shadowslab_test.h: the iteration scale, a
 * seeded PRNG, flags shared between processes, child processes, a
 * hotpluggable CPU, the kernel log since a marker, and a cleanup that
 * destroys every cache a test left, whoever created it.
 *
 * STRESS_SCALE (a positive number, default 1) scales every iteration
 * count: the debug-kernel lane, ~50x slower, runs with e.g. 0.1.  Every
 * count printed is the real one.
 */
#ifndef _SHADOWSLAB_STRESS_H
#define _SHADOWSLAB_STRESS_H

#include "shadowslab_test.h"

#define STRESS_UNUSED	SHADOWSLAB_UNUSED
#define STRESS_NOINLINE	__attribute__((__noinline__))

/*
 * Flags shared between processes (in MAP_SHARED memory) or with a signal
 * handler: one atomic load or store each, so the compiler can neither
 * cache them in a register nor tear them.
 */
#define FLAG_READ(x)		__atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define FLAG_WRITE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

/* Wait, bounded, for a flag another process sets; whether it did. */
static STRESS_UNUSED bool wait_flag(int *flag, int seconds)
{
	int i;

	for (i = 0; i < seconds * 100 && !FLAG_READ(*flag); i++)
		sleep_ms(10);
	return FLAG_READ(*flag);
}

/* A child process that runs @fn(@arg), then exits 0; fork failing is fatal. */
static STRESS_UNUSED pid_t spawn(void (*fn)(void *arg), void *arg)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (!pid) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

/*
 * The highest online CPU that can go offline (never CPU 0, nor the only
 * one), its online file in @path; -1 if there is none.
 */
static STRESS_UNUSED int hotpluggable_cpu(char *path, size_t size)
{
	__u32 cpus[64];
	int n = online_cpus(cpus, 64), i;

	for (i = n - 1; i >= 0 && n > 1; i--) {
		if (!cpus[i])
			continue;
		snprintf(path, size, "/sys/devices/system/cpu/cpu%u/online",
			 cpus[i]);
		if (!access(path, W_OK))
			return cpus[i];
	}
	return -1;
}

/*
 * Take the CPU whose online file is @path offline and online again, with
 * @pause_ms between, until *@stop (FLAG_WRITE) is set; count the rounds in
 * *@rounds.  The CPU is online when it returns.
 */
static STRESS_UNUSED void cpu_flap(const char *path, int *stop, u64 *rounds,
				   unsigned int pause_ms)
{
	while (!FLAG_READ(*stop)) {
		if (!write_file(path, "0")) {
			sleep_ms(pause_ms);
			write_file(path, "1");
			(*rounds)++;
		}
		sleep_ms(pause_ms);
	}
	write_file(path, "1");
}

/*
 * Lines of the kernel log after the one holding @marker that hold one of
 * @needles (NULL-terminated); each is printed as a diagnostic.
 */
static STRESS_UNUSED unsigned int klog_since(const char *marker,
					     const char *const *needles)
{
	FILE *f = popen("dmesg", "re");
	const char *const *n;
	char line[1024];
	unsigned int found = 0;
	bool since = false;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, marker)) {
			since = true;
			continue;
		}
		for (n = needles; since && *n; n++) {
			if (strstr(line, *n)) {
				printf("# kernel: %s", line);
				found++;
				break;
			}
		}
	}
	pclose(f);
	return found;
}

/* @n times STRESS_SCALE, at least @min. */
static STRESS_UNUSED u64 scaled(u64 n, u64 min)
{
	return scale_count(n, min, shadowslab_scale("STRESS_SCALE"));
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

/* ------------------------------------------------------------ cleanup */

/*
 * Destroy every cache not in @keep (nr_keep ids), whoever created it; the
 * number destroyed, and *failed the ones that would not go.
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

#endif /* _SHADOWSLAB_STRESS_H */
