// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - the workload engine: mm_struct-like alloc/free cycles on
 * pinned kthreads, under one strategy at a time.
 *
 * One cycle is what fork/exec does to an mm and its percpu memory:
 * obtain an object (strategy get), clear its caller-owned fields and reset
 * mm_cid on every possible CPU (mm_init), add to and subtract from the
 * counters on this CPU (page faults, then unmaps), optionally check that
 * every counter sums to zero (check_mm), and release it (strategy put).
 * The "slab" floor has no percpu memory; its cycle clears the object.
 *
 * A run
 * -----
 * RUN validates its arguments, takes the one-run-at-a-time mutex (a second
 * RUN gets -EBUSY), sets the strategy up, and creates one kthread per
 * chosen CPU, bound to it.  Each thread runs its warm-up cycles, then waits
 * at a start barrier; when all are there the caller snapshots the module's
 * percpu allocation counts and the clock and opens the barrier, so the
 * timed phase starts together and contains no warm-up.  Threads run until
 * their cycle count, the deadline, or a stop request, then record their
 * elapsed time and wait to be reaped.  The caller sleeps interruptibly:
 * a signal (Ctrl-C, SIGKILL) sets the stop flag, the threads finish within
 * a few cycles, and RUN returns the partial results marked cancelled.
 * Everything is torn down before RUN returns; an open file holds a module
 * reference, so rmmod cannot start while a run is in progress.
 *
 * Latency is sampled: one cycle in 2^sample_shift is timed with two clock
 * reads into a log2 histogram, because timing every cycle would add the
 * clock's cost to the cheap strategies and distort the comparison.
 *
 * Locking
 * -------
 *   shadow_run_lock (mutex)  ->  shadow_run_current_lock (spinlock)
 *
 * shadow_run_lock is held for a whole run.  shadow_run_current_lock
 * publishes the current run to RUN_PROGRESS, which reads the threads'
 * counters with READ_ONCE.  Worker threads take no lock of the runner.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "../uapi/shadowslab.h"
#include "internal.h"
#include "profiles.h"
#include "strategy.h"

/* How often a thread looks at the clock, the stop flag and the scheduler. */
#define SHADOW_RUN_POLL_CYCLES		32

struct shadow_run;

struct shadow_run_thread {
	struct shadow_run *run;
	struct task_struct *task;
	unsigned int cpu;
	u64 progress;			/* timed cycles so far, READ_ONCE */
	struct shadowslab_thread_result result;
};

struct shadow_run {
	const struct shadowslab_run *req;
	const struct shadow_strategy *strategy;
	struct shadow_strategy_ctx ctx;
	unsigned int nr_threads;
	struct shadow_run_thread *threads;

	u32 phase;			/* SHADOWSLAB_PHASE_*, READ_ONCE */
	bool go;			/* start barrier open */
	bool stop;			/* cancel, or a thread failed */
	u64 deadline_ns;		/* duration-bound runs */
	u64 start_ns;

	atomic_t warm;			/* threads at the barrier */
	atomic_t running;		/* threads not yet finished */
	int error;			/* first failure on a thread */
	wait_queue_head_t barrier_wq;
	struct completion done;
};

static DEFINE_MUTEX(shadow_run_lock);
static DEFINE_SPINLOCK(shadow_run_current_lock);
static struct shadow_run *shadow_run_current;

/* ------------------------------------------------------------ a cycle */

static int shadow_cycle(struct shadow_run *run, u64 *check_failures)
{
	struct shadow_strategy_ctx *ctx = &run->ctx;
	void *obj = run->strategy->get(ctx);

	if (unlikely(!obj))
		return -ENOMEM;
	if (run->strategy->owns_percpu) {
		shadow_obj_begin(ctx->type, obj);
		shadow_obj_use(ctx->type, obj);
		if ((run->req->flags & SHADOWSLAB_RUN_CHECK) &&
		    !shadow_obj_check(ctx->type, obj))
			(*check_failures)++;
	} else {
		memset(obj, 0, shadow_objtype_size(ctx->type));
	}
	run->strategy->put(ctx, obj);
	return 0;
}

static void shadow_run_fail(struct shadow_run *run, int err)
{
	cmpxchg(&run->error, 0, err);
	WRITE_ONCE(run->stop, true);
}

/* ------------------------------------------------------------ a thread */

static bool shadow_thread_should_end(struct shadow_run_thread *th, u64 n)
{
	const struct shadowslab_run *req = th->run->req;

	if (READ_ONCE(th->run->stop))
		return true;
	if (req->cycles)
		return n >= req->cycles;
	return ktime_get_ns() >= th->run->deadline_ns;
}

static void shadow_thread_timed(struct shadow_run_thread *th)
{
	struct shadow_run *run = th->run;
	struct shadowslab_thread_result *res = &th->result;
	u64 sample_mask = (1ULL << run->req->sample_shift) - 1;
	u64 n = 0, start, t0;
	int err;

	start = ktime_get_ns();
	while (!shadow_thread_should_end(th, n)) {
		u64 batch_end = n + SHADOW_RUN_POLL_CYCLES;

		if (run->req->cycles)
			batch_end = min(batch_end, run->req->cycles);
		for (; n < batch_end; n++) {
			bool timed = !(n & sample_mask);

			t0 = timed ? ktime_get_ns() : 0;
			err = shadow_cycle(run, &res->check_failures);
			if (unlikely(err)) {
				shadow_run_fail(run, err);
				goto out;
			}
			if (timed) {
				u64 dt = ktime_get_ns() - t0;

				res->hist[dt > 1 ? ilog2(dt) : 0]++;
				res->samples++;
			}
		}
		WRITE_ONCE(th->progress, n);
		cond_resched();
	}
out:
	res->elapsed_ns = ktime_get_ns() - start;
	res->cycles = n;
	WRITE_ONCE(th->progress, n);
}

/* The start barrier is open, or the run is over. */
static bool shadow_run_released(struct shadow_run *run)
{
	/* Pairs with the release that opens it: deadline_ns is then seen. */
	return smp_load_acquire(&run->go) || READ_ONCE(run->stop);
}

static int shadow_thread_fn(void *data)
{
	struct shadow_run_thread *th = data;
	struct shadow_run *run = th->run;
	u64 unchecked = 0, n;
	int err;

	for (n = 0; n < run->req->warmup_cycles && !READ_ONCE(run->stop); n++) {
		err = shadow_cycle(run, &unchecked);
		if (err) {
			shadow_run_fail(run, err);
			break;
		}
		cond_resched();
	}

	atomic_inc(&run->warm);
	wake_up_all(&run->barrier_wq);
	/* Interruptible only to keep a long wait off the hung-task radar. */
	wait_event_interruptible(run->barrier_wq, shadow_run_released(run));
	if (!READ_ONCE(run->stop))
		shadow_thread_timed(th);

	if (atomic_dec_and_test(&run->running))
		complete(&run->done);
	/* Stay until reaped, so kthread_stop() finds a live task. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* ------------------------------------------------------- validation */

static int shadow_run_read_cpus(const struct shadowslab_run *req,
				unsigned int *cpus)
{
	const u32 __user *ucpus = u64_to_user_ptr(req->cpus_ptr);
	cpumask_var_t seen;
	unsigned int i;
	int err = 0;

	if (copy_from_user(cpus, ucpus, req->nr_cpus * sizeof(*cpus)))
		return -EFAULT;
	if (!zalloc_cpumask_var(&seen, GFP_KERNEL))
		return -ENOMEM;
	for (i = 0; i < req->nr_cpus; i++) {
		if (cpus[i] >= nr_cpu_ids || !cpu_online(cpus[i]) ||
		    cpumask_test_and_set_cpu(cpus[i], seen)) {
			err = -EINVAL;
			break;
		}
	}
	free_cpumask_var(seen);
	return err;
}

static int shadow_run_validate(const struct shadowslab_run *req)
{
	if (!shadow_strategy_find(req->strategy) ||
	    req->flags & ~SHADOWSLAB_RUN_FLAGS_ALL || req->reserved ||
	    !req->nr_cpus || req->nr_cpus > nr_cpu_ids ||
	    req->magazine_size > SHADOWSLAB_MAGAZINE_SIZE_MAX ||
	    req->cycles > SHADOWSLAB_RUN_MAX_CYCLES ||
	    req->warmup_cycles > SHADOWSLAB_RUN_MAX_CYCLES ||
	    req->duration_ns > SHADOWSLAB_RUN_MAX_DURATION_NS ||
	    !req->cycles == !req->duration_ns ||
	    req->result_size < SHADOWSLAB_THREAD_RESULT_SIZE_VER0 ||
	    req->result_size > PAGE_SIZE ||
	    req->sample_shift > SHADOWSLAB_RUN_MAX_SAMPLE_SHIFT)
		return -EINVAL;
	return 0;
}

/* Results out, each padded or cut to the caller's result_size. */
static int shadow_run_copy_results(const struct shadow_run *run,
				   const struct shadowslab_run *req)
{
	void __user *out = u64_to_user_ptr(req->results_ptr);
	size_t ksize = sizeof(struct shadowslab_thread_result);
	size_t usize = req->result_size;
	unsigned int i;

	for (i = 0; i < run->nr_threads; i++, out += usize) {
		if (copy_to_user(out, &run->threads[i].result,
				 min(usize, ksize)))
			return -EFAULT;
		if (usize > ksize && clear_user(out + ksize, usize - ksize))
			return -EFAULT;
	}
	return 0;
}

/* ------------------------------------------------------------- a run */

static void shadow_run_publish(struct shadow_run *run)
{
	spin_lock(&shadow_run_current_lock);
	shadow_run_current = run;
	spin_unlock(&shadow_run_current_lock);
}

static int shadow_run_start_threads(struct shadow_run *run,
				    const unsigned int *cpus)
{
	unsigned int i;

	for (i = 0; i < run->nr_threads; i++) {
		struct shadow_run_thread *th = &run->threads[i];
		struct task_struct *task;

		th->run = run;
		th->cpu = cpus[i];
		th->result.cpu = cpus[i];
		task = kthread_create_on_node(shadow_thread_fn, th,
					      cpu_to_node(th->cpu),
					      "shadowslab/%u", th->cpu);
		if (IS_ERR(task))
			return PTR_ERR(task);
		kthread_bind(task, th->cpu);
		th->task = task;
	}
	for (i = 0; i < run->nr_threads; i++)
		wake_up_process(run->threads[i].task);
	return 0;
}

/*
 * Stop and reap every thread that was created.  kthread_stop() waits for
 * each to exit; one that was never woken exits without running.
 */
static void shadow_run_reap_threads(struct shadow_run *run)
{
	unsigned int i;

	WRITE_ONCE(run->stop, true);
	wake_up_all(&run->barrier_wq);
	for (i = 0; i < run->nr_threads; i++)
		if (run->threads[i].task)
			kthread_stop(run->threads[i].task);
}

static long shadow_run_execute(struct shadow_run *run, unsigned int *cpus,
			       struct shadowslab_run *req)
{
	u64 allocs0, frees0, allocs1, frees1;
	bool cancelled;
	int err;

	allocs0 = shadow_percpu_allocs();
	frees0 = shadow_percpu_frees();
	WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_SETUP);
	shadow_run_publish(run);

	cpus_read_lock();
	err = shadow_run_start_threads(run, cpus);
	cpus_read_unlock();
	if (err) {
		shadow_run_reap_threads(run);
		goto out;
	}

	/* A signal cancels the run, in warm-up or in the timed phase. */
	WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_WARMUP);
	cancelled = wait_event_interruptible(run->barrier_wq,
			atomic_read(&run->warm) == run->nr_threads) != 0;
	if (!cancelled) {
		req->warmup_percpu_allocs = shadow_percpu_allocs() - allocs0;
		req->warmup_percpu_frees = shadow_percpu_frees() - frees0;
		allocs1 = shadow_percpu_allocs();
		frees1 = shadow_percpu_frees();
		run->start_ns = ktime_get_ns();
		run->deadline_ns = run->start_ns + req->duration_ns;
		WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_TIMED);
		/* Publishes deadline_ns; pairs with the threads' acquire. */
		smp_store_release(&run->go, true);
		wake_up_all(&run->barrier_wq);
		if (wait_for_completion_interruptible(&run->done))
			cancelled = true;
	}
	if (cancelled) {
		/* The threads finish within SHADOW_RUN_POLL_CYCLES cycles. */
		WRITE_ONCE(run->stop, true);
		wake_up_all(&run->barrier_wq);
		wait_for_completion(&run->done);
	}
	if (READ_ONCE(run->go)) {
		req->elapsed_ns = ktime_get_ns() - run->start_ns;
		req->percpu_allocs = shadow_percpu_allocs() - allocs1;
		req->percpu_frees = shadow_percpu_frees() - frees1;
	}
	WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_TEARDOWN);
	shadow_run_reap_threads(run);
	req->status = cancelled ? SHADOWSLAB_RUN_CANCELLED :
				  SHADOWSLAB_RUN_COMPLETED;
	err = run->error;
out:
	shadow_run_publish(NULL);
	return err;
}

long shadow_ioctl_run(void *arg)
{
	struct shadowslab_run *req = arg;
	struct shadow_run *run;
	unsigned int *cpus;
	unsigned int i;
	long err;

	err = shadow_run_validate(req);
	if (err)
		return err;
	/* Outputs start from zero, whatever the caller left in them. */
	req->status = SHADOWSLAB_RUN_COMPLETED;
	req->elapsed_ns = 0;
	req->total_cycles = 0;
	req->check_failures = 0;
	req->percpu_allocs = 0;
	req->percpu_frees = 0;
	req->warmup_percpu_allocs = 0;
	req->warmup_percpu_frees = 0;
	if (!mutex_trylock(&shadow_run_lock))
		return -EBUSY;

	err = -ENOMEM;
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	cpus = kcalloc(req->nr_cpus, sizeof(*cpus), GFP_KERNEL);
	if (!run || !cpus)
		goto out_free;
	run->threads = kcalloc(req->nr_cpus, sizeof(*run->threads),
			       GFP_KERNEL);
	if (!run->threads)
		goto out_free;
	err = shadow_run_read_cpus(req, cpus);
	if (err)
		goto out_free;
	/* A bad results pointer fails now, not after the whole run. */
	err = -EFAULT;
	if (clear_user(u64_to_user_ptr(req->results_ptr),
		       (size_t)req->nr_cpus * req->result_size))
		goto out_free;

	run->req = req;
	run->nr_threads = req->nr_cpus;
	run->strategy = shadow_strategy_find(req->strategy);
	run->ctx.magazine_size = req->magazine_size;
	atomic_set(&run->running, run->nr_threads);
	init_waitqueue_head(&run->barrier_wq);
	init_completion(&run->done);

	run->ctx.type = shadow_objtype_create(&req->spec);
	if (IS_ERR(run->ctx.type)) {
		err = PTR_ERR(run->ctx.type);
		goto out_free;
	}
	err = run->strategy->setup(&run->ctx);
	if (err)
		goto out_type;

	err = shadow_run_execute(run, cpus, req);
	run->strategy->teardown(&run->ctx);
	if (err)
		goto out_type;

	for (i = 0; i < run->nr_threads; i++) {
		req->total_cycles += run->threads[i].result.cycles;
		req->check_failures += run->threads[i].result.check_failures;
	}
	err = shadow_run_copy_results(run, req);
out_type:
	shadow_objtype_destroy(run->ctx.type);
out_free:
	if (run)
		kfree(run->threads);
	kfree(run);
	kfree(cpus);
	mutex_unlock(&shadow_run_lock);
	return err;
}

long shadow_ioctl_run_progress(void *arg)
{
	struct shadowslab_run_progress *p = arg;
	struct shadow_run *run;
	unsigned int i;

	spin_lock(&shadow_run_current_lock);
	run = shadow_run_current;
	if (run) {
		p->phase = READ_ONCE(run->phase);
		p->nr_threads = run->nr_threads;
		for (i = 0; i < run->nr_threads; i++)
			p->cycles += READ_ONCE(run->threads[i].progress);
		p->target_cycles = run->req->cycles * run->nr_threads;
		p->duration_ns = run->req->duration_ns;
		if (p->phase == SHADOWSLAB_PHASE_TIMED)
			p->elapsed_ns = ktime_get_ns() - run->start_ns;
	}
	spin_unlock(&shadow_run_current_lock);
	return 0;
}
