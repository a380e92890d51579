// SPDX-License-Identifier: GPL-2.0
/*
 * list_fault - CACHE_LIST writing into memory whose page fault waits, and
 * the other cache commands meanwhile.
 *
 * LIST used to write each id with put_user() while it held the registry
 * lock, so one page fault that took its time (userfaultfd, a file on a
 * slow device, memory being reclaimed) held every cache command of every
 * process behind it.  Here:
 *
 *  1. A lister process registers a page with userfaultfd (missing-page
 *     mode) and calls LIST into it; its fault handler thread sees the
 *     fault and holds it until the test says so.
 *  2. While the lister waits in its fault, another process runs CREATE,
 *     ALLOC, FREE, STATS, LIST (into ordinary memory) and DESTROY on a
 *     cache of its own: all must complete within WAIT_S seconds.
 *  3. The fault is then resolved: the lister's LIST returns 0 with the
 *     listed cache among its ids.
 *
 * Without the fix step 2 waits for the fault (it gets past only when the
 * test gives up and resolves it), so the test fails.
 *
 * Summary: "# stress-summary: list_fault_ops=N".
 */
#include "stress.h"

#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define WAIT_S		30
#define NR_OPS		6

struct shm {
	int fault_seen;		/* FLAG_READ/FLAG_WRITE */
	int release;
	int other_done;
	int list_err;
	__u32 list_count;
	__u32 list_ids[MAX_CACHES];
	int op_err[NR_OPS];
};

static const char *const op_names[NR_OPS] = {
	"CREATE", "ALLOC", "FREE", "STATS", "LIST", "DESTROY",
};

static struct shm *shm;
static long page;

/* The lister's fault handler: hold the fault until released, then map. */
static void *fault_handler(void *arg)
{
	int uffd = (int)(intptr_t)arg, i;
	struct uffdio_zeropage zero;
	struct uffd_msg msg;
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };

	if (poll(&pfd, 1, WAIT_S * 4 * 1000) != 1 ||
	    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	FLAG_WRITE(shm->fault_seen, 1);
	for (i = 0; i < WAIT_S * 4 * 100 && !FLAG_READ(shm->release); i++)
		sleep_ms(10);
	memset(&zero, 0, sizeof(zero));
	zero.range.start = msg.arg.pagefault.address & ~(page - 1);
	zero.range.len = page;
	ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
	return NULL;
}

static void lister(void *unused)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	pthread_t thread;
	__u32 *ids, count = 0;
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
		printf("# userfaultfd: %s\n", strerror(errno));
		_exit(4);
	}
	ids = mmap(NULL, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)ids;
	reg.range.len = page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ids == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		printf("# UFFDIO_REGISTER: %s\n", strerror(errno));
		_exit(4);
	}
	if (pthread_create(&thread, NULL, fault_handler,
			   (void *)(intptr_t)uffd))
		_exit(1);
	(void)unused;
	shm->list_err = cache_list(ids, MAX_CACHES, &count);
	shm->list_count = count;
	if (!shm->list_err)
		memcpy(shm->list_ids, ids,
		       (count < MAX_CACHES ? count : MAX_CACHES) * sizeof(*ids));
	pthread_join(thread, NULL);
}

/* Another process's cache commands, each recorded. */
static void bystander(void *unused)
{
	struct shadowslab_cache_stats st;
	struct shadowslab_cache_objs o;
	__u32 ids[MAX_CACHES], count, id = 0;

	shm->op_err[0] = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "lf-other",
				      0, 0, &id);
	if (!shm->op_err[0]) {
		shm->op_err[1] = cache_alloc(id, 10, &o);
		shm->op_err[2] = cache_free(id, 0, &o);
		shm->op_err[3] = cache_stats(id, &st);
		shm->op_err[4] = cache_list(ids, MAX_CACHES, &count);
		shm->op_err[5] = cache_destroy(id, NULL);
	}
	FLAG_WRITE(shm->other_done, 1);
	(void)unused;
}

int main(void)
{
	pid_t lister_pid, other_pid = -1;
	struct point p;
	__u32 listed, i;
	int status = 0, err;
	bool found = false, done;

	shadowslab_test_start();
	ksft_set_plan(3);
	shadowslab_device();
	page = sysconf(_SC_PAGESIZE);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
	/* Something to list, so that LIST writes and faults. */
	err = cache_create(SHADOWSLAB_PROFILE_MM_6_6, "lf-listed", 0, 0,
			   &listed);
	if (err)
		ksft_exit_fail_msg("CREATE lf-listed: %s\n", errno_name(err));

	point_init(&p, "LIST into a userfaultfd page: the fault is pending");
	lister_pid = spawn(lister, NULL);
	if (!wait_flag(&shm->fault_seen, WAIT_S) &&
	    waitpid(lister_pid, &status, WNOHANG) == lister_pid) {
		lister_pid = -1;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 4) {
			cleanup_all();
			ksft_exit_skip("no userfaultfd here (above)\n");
		}
	}
	expect(&p, FLAG_READ(shm->fault_seen),
	       "expected the lister's LIST to fault on its page within %d s\n",
	       WAIT_S);
	point_end(&p);

	point_init(&p, "meanwhile another process's CREATE, ALLOC, FREE, STATS, LIST, DESTROY complete");
	if (FLAG_READ(shm->fault_seen)) {
		other_pid = spawn(bystander, NULL);
		done = wait_flag(&shm->other_done, WAIT_S);
		expect(&p, done,
		       "expected the other process's commands done within %d s while the fault waits, got them stuck\n",
		       WAIT_S);
		for (i = 0; done && i < NR_OPS; i++)
			expect_err(&p, op_names[i], 0, shm->op_err[i]);
	} else {
		expect(&p, false, "no pending fault to test against\n");
	}
	point_end(&p);

	point_init(&p, "the fault resolved: the lister's LIST returns 0 with the listed cache");
	FLAG_WRITE(shm->release, 1);
	if (lister_pid > 0)
		status = reap(lister_pid, WAIT_S * 4);
	if (other_pid > 0)
		reap(other_pid, WAIT_S * 4);
	expect(&p, WIFEXITED(status) && !WEXITSTATUS(status),
	       "expected the lister to exit 0, got status 0x%x\n", status);
	expect_err(&p, "the lister's LIST", 0, shm->list_err);
	for (i = 0; i < shm->list_count && i < MAX_CACHES; i++)
		found |= shm->list_ids[i] == listed;
	expect(&p, found, "expected cache %u among the %u ids listed\n",
	       listed, shm->list_count);
	point_end(&p);

	/* lf-listed, and lf-other if its process got stuck. */
	cleanup_caches_except(NULL, 0, &i);
	printf("# stress-summary: list_fault_ops=%d\n", NR_OPS);
	ksft_finished();
}
