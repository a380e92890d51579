/* SPDX-License-Identifier: GPL-2.0 */
/*
 * run_child.h - a RUN in a child process, watched from the parent: what
 * the tests of the runner need to look at a run while it runs (through
 * RUN_PROGRESS, sysfs, a cgroup) and to cancel it with a signal.
 *
 * The child reports what RUN returned through a pipe.  It is built on
 * shadowslab_test.h: the child runs on dev_fd (shadowslab_device()), and
 * the parent waits with wait_phase() and reap() from there, bounded by
 * RUN_CHILD_WAIT_SECONDS: waiting is for a state, never a measurement of
 * time.
 */
#ifndef _SHADOWSLAB_RUN_CHILD_H
#define _SHADOWSLAB_RUN_CHILD_H

#include "shadowslab_test.h"

#define RUN_CHILD_MAX_THREADS	64
#define RUN_CHILD_WAIT_SECONDS	60

/* What a child's RUN returned, through a pipe. */
struct run_report {
	int err;
	struct shadowslab_run run;
	struct shadowslab_thread_result res[RUN_CHILD_MAX_THREADS];
};

/*
 * Fork a child that runs @r on dev_fd (pointers into this process's
 * memory, which the child shares a copy of) and writes its report to the
 * pipe whose read end goes to *@rd.
 */
static inline pid_t start_run_child(const struct shadowslab_run *r, int *rd)
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
		struct run_report rep;

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

static inline bool read_run_report(int rd, struct run_report *rep)
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

#endif /* _SHADOWSLAB_RUN_CHILD_H */
