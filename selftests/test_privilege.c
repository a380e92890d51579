// SPDX-License-Identifier: GPL-2.0
/*
 * test_privilege - who may open /dev/shadowslab.
 *
 * The module lets a caller create caches and run workloads that pin memory
 * and CPUs, so it keeps two gates: the node is mode 0600 root:root, and
 * open() requires CAP_SYS_ADMIN.  Each gate is tested alone, in a child:
 *
 *  - uid 0 without CAP_SYS_ADMIN passes the mode check as the owner, so
 *    only the module's capable() check can refuse it: -EPERM;
 *  - uid/gid 65534 (nobody) has no capabilities, and the mode refuses it
 *    before the module is asked: -EACCES;
 *  - the capability is checked at open only, as documented in kmod/main.c:
 *    a descriptor opened with it keeps working after it is dropped.
 *
 * CAP_SYS_ADMIN is dropped with raw capget/capset and PR_CAPBSET_DROP, so
 * the test needs no libcap.
 */
#include <grp.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "shadowslab_test.h"

#define NOBODY	65534

/* What a child did, sent to the parent through a pipe. */
struct report {
	const char *step;	/* failed setup step (a literal), or NULL */
	int setup_err;		/* its errno */
	int open_err;		/* errno of open(), 0 if it succeeded */
	int info_err;		/* errno of INFO on an fd opened earlier */
};

static int capget_self(struct __user_cap_data_struct *data)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capget, &hdr, data);
}

/* Drop a capability from the bounding, effective, permitted and inheritable sets. */
static int drop_cap(int cap, const char **step)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	unsigned int i = CAP_TO_INDEX(cap);
	__u32 mask = CAP_TO_MASK(cap);

	*step = "prctl(PR_CAPBSET_DROP)";
	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
		return -1;
	*step = "capget";
	if (capget_self(data))
		return -1;
	data[i].effective &= ~mask;
	data[i].permitted &= ~mask;
	data[i].inheritable &= ~mask;
	*step = "capset";
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	*step = "capget after capset";
	if (capget_self(data))
		return -1;
	if (data[i].effective & mask) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void child_no_cap(struct report *r)
{
	struct shadowslab_info info;
	int fd;

	r->step = "open before the drop";
	fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY);
	if (fd < 0 || drop_cap(CAP_SYS_ADMIN, &r->step)) {
		r->setup_err = errno;
		return;
	}
	r->step = NULL;
	r->open_err = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY) < 0 ? errno : 0;
	r->info_err = ioctl(fd, SHADOWSLAB_IOC_INFO, &info) ? errno : 0;
}

static void child_nobody(struct report *r)
{
	r->step = "setgroups";
	if (setgroups(0, NULL))
		goto fail;
	r->step = "setgid";
	if (setgid(NOBODY))
		goto fail;
	r->step = "setuid";
	if (setuid(NOBODY))
		goto fail;
	r->step = NULL;
	r->open_err = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY) < 0 ? errno : 0;
	return;
fail:
	r->setup_err = errno;
}

/* Run fn in a child and return its report; a dead child is fatal. */
static struct report run_child(void (*fn)(struct report *r))
{
	struct report r = { 0 };
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe(pipefd))
		ksft_exit_fail_msg("pipe: %s\n", errno_name(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", errno_name(errno));
	if (pid == 0) {
		close(pipefd[0]);
		fn(&r);
		_exit(write(pipefd[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &r, sizeof(r));
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		ksft_exit_fail_msg("waitpid: %s\n", errno_name(errno));
	if (n != sizeof(r) || status)
		ksft_exit_fail_msg("child: no report (wait status 0x%x)\n",
				   status);
	return r;
}

/* A child whose setup failed cannot test anything: report why. */
static bool setup_ok(const char *name, const struct report *r)
{
	if (!r->step)
		return true;
	ksft_print_msg("%s: %s failed: %s\n", name, r->step,
		       errno_name(r->setup_err));
	return false;
}

static void check_open(const char *name, const struct report *r,
		       int expected)
{
	bool ok = setup_ok(name, r) && r->open_err == expected;

	if (!r->step && !ok)
		ksft_print_msg("%s: expected open() to fail with %s, got %s\n",
			       name, errno_name(expected),
			       r->open_err ? errno_name(r->open_err) :
					     "success");
	ksft_test_result(ok, "%s: %s\n", name, errno_name(expected));
}

int main(void)
{
	struct report r;
	int fd;

	shadowslab_test_start();
	ksft_set_plan(4);

	fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY);
	if (fd < 0)
		ksft_print_msg("root: expected open() to succeed, got %s\n",
			       errno_name(errno));
	ksft_test_result(fd >= 0, "root with CAP_SYS_ADMIN opens\n");
	if (fd >= 0)
		close(fd);

	r = run_child(child_no_cap);
	check_open("uid 0 without CAP_SYS_ADMIN", &r, EPERM);
	if (!r.step && r.info_err)
		ksft_print_msg("INFO on an fd opened before the drop: expected success, got %s\n",
			       errno_name(r.info_err));
	ksft_test_result(setup_ok("fd opened before dropping CAP_SYS_ADMIN", &r) &&
			 !r.info_err,
			 "fd opened before dropping CAP_SYS_ADMIN still works\n");

	r = run_child(child_nobody);
	check_open("uid/gid 65534 (nobody)", &r, EACCES);

	ksft_finished();
}
