// SPDX-License-Identifier: GPL-2.0
/*
 * purge_large - one cache holding a million objects, emptied and destroyed
 * on a kernel that does not preempt kernel code: every loop that releases
 * them must reschedule as it goes, or the CPU it runs on starves its
 * soft-lockup watchdog and RCU.
 *
 *  1. Preemption off in the kernel (PREEMPT_NONE behaviour): make check's
 *     stress part boots with preempt=none; elsewhere a PREEMPT_DYNAMIC
 *     kernel is switched to "none" through /sys/kernel/debug/sched/preempt
 *     for the test and back after.
 *  2. One cache (custom profile: 64-byte objects, one 8-byte percpu region)
 *     gets round(1,000,000 * STRESS_SCALE) objects, at least 300,000 and at
 *     most what half of MemAvailable holds at 128 bytes an object, by ALLOC
 *     calls of 2^16.  A kernel that preempts kernel code and cannot stop
 *     (the debug kernel: PREEMPT, no PREEMPT_DYNAMIC) cannot starve a CPU
 *     this way: there the test only runs a purge under the kernel's
 *     checkers, of round(100,000 * STRESS_SCALE) objects, at least 10,000
 *     (300,000 took 11 minutes there).
 *  3. FREE of them all (the held list given back object by object), then
 *     DESTROY (every magazine drained, the depot reaped, every slab's
 *     destructors run): each with the soft-lockup threshold lowered to
 *     kernel.watchdog_thresh = 2 (a report after 4 s without a reschedule)
 *     and the RCU stall timeout to 5 s, restored after.  The kernel log
 *     since the start must hold no soft lockup and no RCU stall (vm-run
 *     fails the run on them too), and DESTROY must balance.
 *  4. The test runs pinned to one CPU, beside a thread pinned there too
 *     that wakes every millisecond: while FREE and DESTROY run in the
 *     kernel, that thread must get the CPU again and again, never kept
 *     off it for a quarter of the call or more; i.e. the calls reschedule
 *     throughout.  (Checked for a call that lasts 150 ms or more; its last
 *     50 ms do not count, as the thread runs when it returns to
 *     userspace.)
 *
 * The time FREE and DESTROY took is printed: a figure, not a check.
 * Without the fix (no cond_resched() in those loops) step 4 fails, and so
 * does step 3 for a purge longer than the lowered thresholds.
 *
 * Summary: "# stress-summary: purge_objects=N purge_free_ms=N purge_destroy_ms=N".
 */
#include "stress.h"

#include <pthread.h>

#define PREEMPT_CTL	"/sys/kernel/debug/sched/preempt"
#define WATCHDOG_THRESH	"/proc/sys/kernel/watchdog_thresh"
#define RCU_STALL	"/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout"
#define FULL_OBJS	1000000ULL
#define MIN_OBJS	300000ULL
#define PREEMPTIBLE_OBJS	100000ULL	/* kernel preemption on */
#define PREEMPTIBLE_MIN_OBJS	10000ULL
#define BYTES_PER_OBJ	128	/* object, slab share, percpu, metadata */
#define ALLOC_CHUNK	(1U << 16)

#define TAIL_NS		(50ULL * 1000000)	/* after the call's return */
#define MIN_WINDOW_NS	(100ULL * 1000000)
#define MAX_TICKS	(1U << 20)

static char marker[96];

/* The ticker: when it got the CPU; written by it, read after it stops. */
static int stop_ticker;		/* FLAG_READ/FLAG_WRITE */
static u64 tick_ns[MAX_TICKS];
static unsigned int nr_ticks;

static void *ticker(void *unused)
{
	while (!FLAG_READ(stop_ticker)) {
		if (nr_ticks < MAX_TICKS)
			tick_ns[nr_ticks++] = now_ns();
		sleep_ms(1);
	}
	return unused;
}

/*
 * A call from @t0 to @t1, but for its last TAIL_NS: the ticker's runs in
 * it, and the longest time it was kept off the CPU (from the window's
 * start to its first run, between two runs, from its last run to the
 * window's end).
 */
static void expect_rescheduled(struct point *p, const char *what, u64 t0,
			       u64 t1)
{
	u64 end = t1 - TAIL_NS, last = t0, gap = 0;
	unsigned int i, runs = 0;

	if (t1 - t0 < TAIL_NS + MIN_WINDOW_NS)
		return;
	for (i = 0; i < nr_ticks; i++) {
		if (tick_ns[i] <= t0 || tick_ns[i] >= end)
			continue;
		if (tick_ns[i] - last > gap)
			gap = tick_ns[i] - last;
		last = tick_ns[i];
		runs++;
	}
	if (end - last > gap)
		gap = end - last;
	ksft_print_msg("%s: the thread beside it ran %u times in %llu ms, kept off the CPU %llu ms at most\n",
		       what, runs, (end - t0) / 1000000, gap / 1000000);
	expect(p, gap < (end - t0) / 4,
	       "%s: expected the thread pinned beside it kept off the CPU less than a quarter of the call (%llu ms), got %llu ms: the call does not reschedule\n",
	       what, (end - t0) / 1000000, gap / 1000000);
}

/* The first line of @path into @buf, without its newline; "" if none. */
static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, size, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* The current mode in "none (voluntary) full": the one in brackets. */
static void preempt_mode(char *mode, size_t size)
{
	char line[128], *open, *close;

	read_line(PREEMPT_CTL, line, sizeof(line));
	open = strchr(line, '(');
	close = open ? strchr(open, ')') : NULL;
	mode[0] = '\0';
	if (open && close && (size_t)(close - open) <= size) {
		memcpy(mode, open + 1, close - open - 1);
		mode[close - open - 1] = '\0';
	}
}

/* Lockup and stall reports in the kernel log. */
static const char *const lockup_lines[] = {
	"soft lockup", "detected stall", "detected expedited stall", NULL,
};

/* The objects to purge, with kernel preemption off or not (see above). */
static u64 object_count(bool preempt_off)
{
	u64 min = preempt_off ? MIN_OBJS : PREEMPTIBLE_MIN_OBJS;
	u64 n = scaled(preempt_off ? FULL_OBJS : PREEMPTIBLE_OBJS, min), fit;
	long avail_kb = meminfo_kb("MemAvailable");

	if (avail_kb > 0) {
		fit = (u64)avail_kb * 1024 / 2 / BYTES_PER_OBJ;
		if (n > fit)
			n = fit > min ? fit : min;
	}
	return n;
}

struct limits {
	char thresh[32];
	char stall[32];
};

/* Tighter lockup and stall detection while a purge runs. */
static void tighten(struct limits *saved)
{
	read_line(WATCHDOG_THRESH, saved->thresh, sizeof(saved->thresh));
	read_line(RCU_STALL, saved->stall, sizeof(saved->stall));
	write_file(WATCHDOG_THRESH, "2");
	write_file(RCU_STALL, "5");
}

static void restore(const struct limits *saved)
{
	if (saved->thresh[0])
		write_file(WATCHDOG_THRESH, saved->thresh);
	if (saved->stall[0])
		write_file(RCU_STALL, saved->stall);
}

int main(void)
{
	struct shadowslab_profile_spec spec = small_object_spec();
	struct shadowslab_cache_destroy d;
	struct shadowslab_cache_objs o;
	char mode[32], saved_mode[32] = "";
	u64 n, held = 0, t0, t1, t2;
	u64 free_ms = 0, destroy_ms = 0;
	__u32 cpus[64];
	struct limits saved;
	pthread_t thread;
	cpu_set_t set;
	struct point p;
	bool have_cache;
	__u32 id = 0, k, cpu;
	int err, err_thread;

	shadowslab_test_start();
	ksft_set_plan(3);
	shadowslab_device();
	snprintf(marker, sizeof(marker), "shadowslab stress purge_large[%d]",
		 getpid());
	write_file("/dev/kmsg", marker);

	preempt_mode(mode, sizeof(mode));
	if (mode[0] && strcmp(mode, "none")) {
		strcpy(saved_mode, mode);
		write_file(PREEMPT_CTL, "none");
		preempt_mode(mode, sizeof(mode));
	}
	if (!strcmp(mode, "none"))
		ksft_test_result_pass("kernel preemption off (PREEMPT_NONE behaviour)%s\n",
				      saved_mode[0] ? ", switched from the boot's mode for the test" :
						      ", as booted");
	else
		ksft_test_result_skip("kernel preemption off: this kernel cannot say or switch (%s: '%s')\n",
				      PREEMPT_CTL, mode);
	n = object_count(!strcmp(mode, "none"));

	point_init(&p, "ALLOC %llu objects into one cache", n);
	err = cache_create_spec(&spec, "purge-large", 0, 0, &id);
	expect_err(&p, "CREATE", 0, err);
	have_cache = !err;
	while (!err && held < n) {
		k = n - held < ALLOC_CHUNK ? n - held : ALLOC_CHUNK;
		err = cache_alloc(id, k, &o);
		expect_err(&p, "ALLOC", 0, err);
		if (!err)
			held = o.held;
	}
	expect_u64(&p, "objs_held", n, held);
	point_end(&p);
	if (!p.ok) {
		if (have_cache)
			cache_cleanup(id, NULL);
		ksft_test_result_fail("FREE and DESTROY of them all (no cache)\n");
		goto out;
	}

	point_init(&p, "FREE and DESTROY of %llu objects: no soft lockup, no RCU stall, they reschedule, balanced",
		   n);
	/* This process and the ticker on the last online CPU. */
	cpu = cpus[online_cpus(cpus, 64) - 1];
	expect_err(&p, "pin to the CPU", 0, pin_to(cpu));
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err_thread = pthread_create(&thread, NULL, ticker, NULL);
	expect_err(&p, "pthread_create", 0, err_thread);
	if (!err_thread)
		expect_err(&p, "pin the ticker", 0,
			   pthread_setaffinity_np(thread, sizeof(set), &set));
	sleep_ms(20);
	tighten(&saved);
	t0 = now_ns();
	err = cache_free(id, 0, &o);
	t1 = now_ns();
	expect_err(&p, "FREE all", 0, err);
	err = cache_destroy(id, &d);
	t2 = now_ns();
	restore(&saved);
	FLAG_WRITE(stop_ticker, 1);
	if (!err_thread)
		pthread_join(thread, NULL);
	unpin();
	free_ms = (t1 - t0) / 1000000;
	destroy_ms = (t2 - t1) / 1000000;
	expect_rescheduled(&p, "FREE", t0, t1);
	expect_rescheduled(&p, "DESTROY", t1, t2);
	expect_err(&p, "DESTROY", 0, err);
	if (!err)
		expect_u64(&p, "DESTROY: dtor_calls vs ctor_calls - ctor_failures",
			   d.ctor_calls - d.ctor_failures, d.dtor_calls);
	else
		cache_cleanup(id, NULL);
	expect_u64(&p, "soft lockup and RCU stall reports", 0,
		   klog_since(marker, lockup_lines));
	ksft_print_msg("FREE of %llu objects took %llu ms, DESTROY %llu ms (kernel preemption %s)\n",
		       n, free_ms, destroy_ms, mode[0] ? mode : "unknown");
	point_end(&p);

out:
	if (saved_mode[0])
		write_file(PREEMPT_CTL, saved_mode);
	printf("# stress-summary: purge_objects=%llu purge_free_ms=%llu purge_destroy_ms=%llu\n",
	       n, free_ms, destroy_ms);
	ksft_finished();
}
