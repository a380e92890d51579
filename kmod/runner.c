// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - the workload engine: mm_struct-like alloc/free cycles on
 * pinned kthreads, under one strategy at a time.
 *
 * One cycle is what fork/exec does to an mm and its percpu memory:
 * obtain an object (strategy get), clear its caller-owned fields and reset
 * mm_cid on every possible CPU (mm_init), add to and subtract from the
 * counters on this CPU (page faults, then unmaps) (strategy use), and
 * release one: check that every counter sums to zero (check_mm, on by
 * default in shadowctl) and give it back (strategy put, __mmdrop).
 *
 * The live set.  Each thread keeps the @live newest objects it got in a
 * ring: a cycle gets a new one and releases the oldest, so with live 1 it
 * releases the object it just got, and with more the objects it releases
 * have aged while others were made, as mms of a busy machine do.
 *
 * Remote frees.  With SHADOWSLAB_RUN_REMOTE_FREE a thread does not release
 * its oldest object itself: it hands it to the next thread's inbox (a
 * lock-free llist), and each thread releases what its inbox holds on
 * every cycle, on its own CPU, as an mm freed on another CPU.  A thread
 * whose timed phase is over takes no more: objects meant for it are
 * released where they are.
 *
 * Memory cgroups.  The workers run in the RUN caller's memcg: RUN takes a
 * reference on it and each worker enters it with set_active_memcg(), so
 * GFP_KERNEL_ACCOUNT allocations and SLAB_ACCOUNT caches charge it as the
 * kernel's mm_init() does in exec.  (A kthread would otherwise charge
 * nothing: memcg_kmem_bypass().)
 *
 * A run
 * -----
 * RUN validates its arguments, takes the one-run-at-a-time mutex (a second
 * RUN gets -EBUSY), sets the strategy up, and creates one kthread per
 * chosen CPU, bound to it.  The CPUs are checked online, and the threads
 * created, bound and woken, under cpus_read_lock(), so no CPU can go
 * offline between the check and the binding.  Each thread runs its warm-up
 * cycles, then waits at a start barrier; when all are there the caller
 * snapshots the object type's statistics (percpu allocations, ctor and dtor
 * calls and time) and the clock and opens the barrier, so the timed phase
 * starts together and contains no warm-up.  Threads run until their cycle
 * count, the deadline, or a stop request, then record their elapsed time;
 * when the last is done the caller snapshots the statistics again.  Then
 * the threads are reaped: each releases its ring as it exits, the caller
 * releases what is left in the inboxes, and what the object type still
 * holds is what the strategy retains when idle.  The caller sleeps
 * interruptibly: a signal (Ctrl-C, SIGKILL) sets the stop flag, the
 * threads finish within a few cycles, and RUN returns the partial results
 * marked cancelled.  Everything is torn down before RUN returns; an open
 * file holds a module reference, so rmmod cannot start while a run is in
 * progress.
 *
 * A CPU may still go offline during the run: the scheduler then breaks its
 * thread's binding and moves it.  The thread looks at its CPU every poll
 * and marks its result THREAD_MOVED, so that another CPU's figures are not
 * mixed in silently.
 *
 * Latency is sampled: one cycle in 2^sample_shift is timed with two clock
 * reads into a log2 histogram, because timing every cycle would add the
 * clock's cost to the cheap strategies and distort the comparison.
 *
 * Locking
 * -------
 *   shadow_run_lock (mutex)  ->  shadow_run_current_lock (spinlock)
 *   shadow_run_lock (mutex)  ->  cpu_hotplug_lock (read)
 *
 * shadow_run_lock is held for a whole run; cpu_hotplug_lock only while the
 * threads start (a strategy's setup, which may register a CPU hotplug
 * instance, runs before it is taken).  shadow_run_current_lock
 * publishes the current run to RUN_PROGRESS, which reads the threads'
 * counters with READ_ONCE.  Worker threads take no lock of the runner: the
 * inboxes are llists (many producers, one consumer: the owner's
 * llist_del_all()), and the rings are the owner's alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/kthread.h>
#include <linux/llist.h>
#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "../uapi/shadowslab.h"
#include "compat.h"
#include "internal.h"
#include "profiles.h"
#include "shadow_cache.h"
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

	/* the live set: the objects got and not yet released, oldest first */
	void **ring;
	unsigned int ring_head;		/* the oldest */
	unsigned int ring_count;

	struct shadow_run_thread *next;	/* releases our oldest: us, or the next */
	struct llist_head inbox;	/* objects others hand us to release */
	bool timed_done;		/* takes no more objects, READ_ONCE */
	u64 remote_frees;		/* timed phase */
};

struct shadow_run {
	const struct shadowslab_run *req;
	const struct shadow_strategy *strategy;
	struct shadow_strategy_ctx ctx;
	unsigned int nr_threads;
	unsigned int live;
	struct shadow_run_thread *threads;
	struct mem_cgroup *memcg;	/* the caller's, referenced; or NULL */

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

/* check_mm(), then __mmdrop(): on the CPU that runs this. */
static void shadow_finish(struct shadow_run *run, void *obj,
			  u64 *check_failures)
{
	if ((run->req->flags & SHADOWSLAB_RUN_CHECK) &&
	    !run->strategy->check(&run->ctx, obj))
		(*check_failures)++;
	run->strategy->put(&run->ctx, obj);
}

/* Release @obj here, or hand it to the next thread to release. */
static void shadow_release(struct shadow_run_thread *th, void *obj,
			   u64 *check_failures)
{
	struct shadow_run_thread *to = th->next;

	if (to != th && !READ_ONCE(to->timed_done)) {
		/* The caller-owned head of the object links it. */
		llist_add(obj, &to->inbox);
		th->remote_frees++;
		return;
	}
	shadow_finish(th->run, obj, check_failures);
}

static void shadow_drain_inbox(struct shadow_run_thread *th,
			       u64 *check_failures)
{
	struct llist_node *node, *next;

	if (llist_empty(&th->inbox))
		return;
	node = llist_del_all(&th->inbox);
	llist_for_each_safe(node, next, node)
		shadow_finish(th->run, node, check_failures);
}

/* Keep @obj in the ring; return the oldest once @live are held, or NULL. */
static void *shadow_ring_cycle(struct shadow_run_thread *th, void *obj)
{
	unsigned int live = th->run->live;
	unsigned int tail = th->ring_head + th->ring_count;

	th->ring[tail < live ? tail : tail - live] = obj;
	if (++th->ring_count < live)
		return NULL;
	obj = th->ring[th->ring_head];
	if (++th->ring_head == live)
		th->ring_head = 0;
	th->ring_count--;
	return obj;
}

/* Untimed, when the thread ends: release what the ring holds, here. */
static void shadow_ring_release(struct shadow_run_thread *th)
{
	u64 unchecked = 0;

	while (th->ring_count) {
		shadow_finish(th->run, th->ring[th->ring_head], &unchecked);
		if (++th->ring_head == th->run->live)
			th->ring_head = 0;
		th->ring_count--;
	}
}

static int shadow_cycle(struct shadow_run_thread *th, u64 *check_failures)
{
	struct shadow_run *run = th->run;
	struct shadow_strategy_ctx *ctx = &run->ctx;
	void *obj = run->strategy->get(ctx);
	int err;

	if (unlikely(!obj))
		return -ENOMEM;
	err = run->strategy->use(ctx, obj);
	if (unlikely(err)) {
		run->strategy->put(ctx, obj);
		return err;
	}
	obj = shadow_ring_cycle(th, obj);
	if (obj)
		shadow_release(th, obj, check_failures);
	if (th->next != th)
		shadow_drain_inbox(th, check_failures);
	return 0;
}

static void shadow_run_fail(struct shadow_run *run, int err)
{
	cmpxchg(&run->error, 0, err);
	WRITE_ONCE(run->stop, true);
}

/*
 * Off its CPU: the CPU went offline and the binding was broken, now or
 * earlier (the allowed mask stays widened when the CPU comes back).  Raw:
 * the thread may be moved right after the read, and the check is a sample
 * repeated every poll; smp_processor_id() would also warn under
 * DEBUG_PREEMPT once the binding is gone.
 */
static void shadow_thread_check_cpu(struct shadow_run_thread *th)
{
	if (raw_smp_processor_id() != th->cpu ||
	    !cpumask_equal(current->cpus_ptr, cpumask_of(th->cpu)))
		th->result.flags |= SHADOWSLAB_THREAD_MOVED;
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

	th->remote_frees = 0;
	start = ktime_get_ns();
	while (!shadow_thread_should_end(th, n)) {
		u64 batch_end = n + SHADOW_RUN_POLL_CYCLES;

		if (run->req->cycles)
			batch_end = min(batch_end, run->req->cycles);
		for (; n < batch_end; n++) {
			bool timed = !(n & sample_mask);

			t0 = timed ? ktime_get_ns() : 0;
			err = shadow_cycle(th, &res->check_failures);
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
		shadow_thread_check_cpu(th);
		cond_resched();
	}
out:
	shadow_thread_check_cpu(th);
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
	struct mem_cgroup *old_memcg = set_active_memcg(run->memcg);
	u64 unchecked = 0, n;
	int err;

	for (n = 0; n < run->req->warmup_cycles && !READ_ONCE(run->stop); n++) {
		err = shadow_cycle(th, &unchecked);
		if (err) {
			shadow_run_fail(run, err);
			break;
		}
		cond_resched();
	}
	shadow_thread_check_cpu(th);

	atomic_inc(&run->warm);
	wake_up_all(&run->barrier_wq);
	/* Interruptible only to keep a long wait off the hung-task radar. */
	wait_event_interruptible(run->barrier_wq, shadow_run_released(run));
	if (!READ_ONCE(run->stop))
		shadow_thread_timed(th);
	WRITE_ONCE(th->timed_done, true);

	if (atomic_dec_and_test(&run->running))
		complete(&run->done);
	/* Stay until reaped, so kthread_stop() finds a live task. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	/* After the caller's last snapshot: the live set goes, untimed. */
	shadow_ring_release(th);
	set_active_memcg(old_memcg);
	return 0;
}

/* ------------------------------------------------------- validation */

/* The CPU ids: valid and distinct.  Whether online is checked at start. */
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
		if (cpus[i] >= nr_cpu_ids ||
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
	    req->sample_shift > SHADOWSLAB_RUN_MAX_SAMPLE_SHIFT ||
	    req->live > SHADOWSLAB_RUN_MAX_LIVE ||
	    req->retain >= SHADOWSLAB_NR_RETAIN ||
	    req->min_partial > SHADOWSLAB_RUN_MAX_MIN_PARTIAL ||
	    req->mt_fraction_ppm > SHADOWSLAB_PPM)
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

/*
 * One thread per CPU, bound to it and woken, with hotplug held off from
 * the online check to the wake-up: -EINVAL if a CPU is not online.  On an
 * error the threads already created are left to shadow_run_reap_threads().
 */
static int shadow_run_start_threads(struct shadow_run *run,
				    const unsigned int *cpus)
{
	unsigned int i;
	int err = 0;

	cpus_read_lock();
	for (i = 0; i < run->nr_threads; i++) {
		if (!cpu_online(cpus[i])) {
			err = -EINVAL;
			goto out;
		}
	}
	for (i = 0; i < run->nr_threads; i++) {
		struct shadow_run_thread *th = &run->threads[i];
		struct task_struct *task;

		th->cpu = cpus[i];
		th->result.cpu = cpus[i];
		task = kthread_create_on_node(shadow_thread_fn, th,
					      cpu_to_node(th->cpu),
					      "shadowslab/%u", th->cpu);
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			goto out;
		}
		kthread_bind(task, th->cpu);
		th->task = task;
	}
	for (i = 0; i < run->nr_threads; i++)
		wake_up_process(run->threads[i].task);
out:
	cpus_read_unlock();
	return err;
}

/*
 * Stop and reap every thread that was created.  kthread_stop() waits for
 * each to exit, releasing its live set; one that was never woken exits
 * without running.  Then what the inboxes hold is released here.
 */
static void shadow_run_reap_threads(struct shadow_run *run)
{
	u64 unchecked = 0;
	unsigned int i;

	WRITE_ONCE(run->stop, true);
	wake_up_all(&run->barrier_wq);
	for (i = 0; i < run->nr_threads; i++)
		if (run->threads[i].task)
			kthread_stop(run->threads[i].task);
	for (i = 0; i < run->nr_threads; i++)
		shadow_drain_inbox(&run->threads[i], &unchecked);
}

static u64 shadow_run_mt_upgrades(struct shadow_run *run)
{
	return run->strategy->mt_upgrades ?
	       run->strategy->mt_upgrades(&run->ctx) : 0;
}

/* What the timed phase did: the statistics at its end minus its start. */
static void shadow_run_timed_stats(struct shadowslab_run *req,
				   const struct shadow_objtype_stats *from,
				   const struct shadow_objtype_stats *to)
{
	req->percpu_allocs = to->allocs - from->allocs;
	req->percpu_frees = to->frees - from->frees;
	req->ctor_calls = to->ctor_calls - from->ctor_calls;
	req->ctor_ns = to->ctor_ns - from->ctor_ns;
	req->dtor_calls = to->dtor_calls - from->dtor_calls;
	req->dtor_ns = to->dtor_ns - from->dtor_ns;
}

static long shadow_run_execute(struct shadow_run *run, unsigned int *cpus,
			       struct shadowslab_run *req)
{
	struct shadow_objtype_stats before, start, end;
	u64 upgrades = 0;
	unsigned int i;
	bool cancelled;
	int err;

	shadow_objtype_read_stats(run->ctx.type, &before);
	WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_SETUP);
	shadow_run_publish(run);

	err = shadow_run_start_threads(run, cpus);
	if (err) {
		shadow_run_reap_threads(run);
		goto out;
	}

	/* A signal cancels the run, in warm-up or in the timed phase. */
	WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_WARMUP);
	cancelled = wait_event_interruptible(run->barrier_wq,
			atomic_read(&run->warm) == run->nr_threads) != 0;
	if (!cancelled) {
		shadow_objtype_read_stats(run->ctx.type, &start);
		req->warmup_percpu_allocs = start.allocs - before.allocs;
		req->warmup_percpu_frees = start.frees - before.frees;
		upgrades = shadow_run_mt_upgrades(run);
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
		shadow_objtype_read_stats(run->ctx.type, &end);
		shadow_run_timed_stats(req, &start, &end);
		req->mt_upgrades = shadow_run_mt_upgrades(run) - upgrades;
		for (i = 0; i < run->nr_threads; i++)
			req->remote_frees += run->threads[i].remote_frees;
	}
	WRITE_ONCE(run->phase, SHADOWSLAB_PHASE_TEARDOWN);
	shadow_run_reap_threads(run);
	/* Every object is back: what is still allocated, the strategy keeps. */
	shadow_objtype_read_stats(run->ctx.type, &end);
	req->retained_percpu_bytes = end.bytes_allocated - end.bytes_freed;
	req->status = cancelled ? SHADOWSLAB_RUN_CANCELLED :
				  SHADOWSLAB_RUN_COMPLETED;
	err = run->error;
out:
	shadow_run_publish(NULL);
	return err;
}

/* Outputs start from zero, whatever the caller left in them. */
static void shadow_run_clear_outputs(struct shadowslab_run *req)
{
	req->status = SHADOWSLAB_RUN_COMPLETED;
	req->elapsed_ns = 0;
	req->total_cycles = 0;
	req->check_failures = 0;
	req->percpu_allocs = 0;
	req->percpu_frees = 0;
	req->warmup_percpu_allocs = 0;
	req->warmup_percpu_frees = 0;
	req->ctor_calls = 0;
	req->ctor_ns = 0;
	req->dtor_calls = 0;
	req->dtor_ns = 0;
	req->remote_frees = 0;
	req->mt_upgrades = 0;
	req->retained_percpu_bytes = 0;
	req->memcg_ino = 0;
}

/* The strategy's parameters, from the request. */
static void shadow_run_init_ctx(struct shadow_strategy_ctx *ctx,
				const struct shadowslab_run *req)
{
	ctx->magazine_size = req->magazine_size;
	if (req->retain == SHADOWSLAB_RETAIN_PARTIAL)
		ctx->cache_flags |= SHADOW_CACHE_RETAIN_PARTIAL;
	if (req->flags & SHADOWSLAB_RUN_NO_MAGAZINES)
		ctx->cache_flags |= SHADOW_CACHE_NO_MAGAZINES;
	ctx->min_partial = req->min_partial;
	ctx->mt_fraction_ppm = req->mt_fraction_ppm;
}

static void shadow_run_free(struct shadow_run *run)
{
	unsigned int i;

	if (!run)
		return;
	for (i = 0; run->threads && i < run->nr_threads; i++)
		kvfree(run->threads[i].ring);
	kfree(run->threads);
	mem_cgroup_put(run->memcg);
	kfree(run);
}

/* The run's threads, each with room for its live set, in a ring. */
static int shadow_run_alloc_threads(struct shadow_run *run)
{
	bool remote = run->req->flags & SHADOWSLAB_RUN_REMOTE_FREE;
	unsigned int i;

	run->threads = kcalloc(run->nr_threads, sizeof(*run->threads),
			       GFP_KERNEL);
	if (!run->threads)
		return -ENOMEM;
	for (i = 0; i < run->nr_threads; i++) {
		struct shadow_run_thread *th = &run->threads[i];

		th->run = run;
		th->next = remote ? &run->threads[(i + 1) % run->nr_threads] :
				    th;
		init_llist_head(&th->inbox);
		th->ring = kvmalloc_array(run->live, sizeof(*th->ring),
					  GFP_KERNEL);
		if (!th->ring)
			return -ENOMEM;
	}
	return 0;
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
	shadow_run_clear_outputs(req);
	if (!mutex_trylock(&shadow_run_lock))
		return -EBUSY;

	err = -ENOMEM;
	run = kzalloc(sizeof(*run), GFP_KERNEL);
	cpus = kcalloc(req->nr_cpus, sizeof(*cpus), GFP_KERNEL);
	if (!run || !cpus)
		goto out_free;
	run->req = req;
	run->nr_threads = req->nr_cpus;
	run->live = req->live ?: 1;
	err = shadow_run_alloc_threads(run);
	if (err)
		goto out_free;
	err = shadow_run_read_cpus(req, cpus);
	if (err)
		goto out_free;
	/* A bad results pointer fails now, not after the whole run. */
	err = -EFAULT;
	if (clear_user(u64_to_user_ptr(req->results_ptr),
		       (size_t)req->nr_cpus * req->result_size))
		goto out_free;

	run->strategy = shadow_strategy_find(req->strategy);
	shadow_run_init_ctx(&run->ctx, req);
	atomic_set(&run->running, run->nr_threads);
	init_waitqueue_head(&run->barrier_wq);
	init_completion(&run->done);
	/* The workers charge the caller's memcg, as exec charges its own. */
	run->memcg = get_mem_cgroup_from_mm(current->mm);
	req->memcg_ino = shadow_memcg_ino(run->memcg);

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
	shadow_run_free(run);
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
