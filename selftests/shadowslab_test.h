/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadowslab_test.h - what the C selftests share on top of kselftest.h:
 * the preconditions with kselftest's skip convention, opening
 * /dev/shadowslab, and errno names for the diagnostics, since "expected
 * ENOTTY, got EINVAL" says more than two numbers.
 */
#ifndef _SHADOWSLAB_TEST_H
#define _SHADOWSLAB_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kselftest.h"
#include "shadowslab.h"

static const char *const errno_names[] = {
	[EPERM] = "EPERM",
	[ENOENT] = "ENOENT",
	[EINTR] = "EINTR",
	[EIO] = "EIO",
	[ENXIO] = "ENXIO",
	[E2BIG] = "E2BIG",
	[EBADF] = "EBADF",
	[EAGAIN] = "EAGAIN",
	[ENOMEM] = "ENOMEM",
	[EACCES] = "EACCES",
	[EFAULT] = "EFAULT",
	[EBUSY] = "EBUSY",
	[EEXIST] = "EEXIST",
	[ENODEV] = "ENODEV",
	[EINVAL] = "EINVAL",
	[ENOTTY] = "ENOTTY",
	[ENODATA] = "ENODATA",
	[EOPNOTSUPP] = "EOPNOTSUPP",
};

/*
 * "EPERM" for EPERM, "0" for success, "errno 123" for the rest; that last
 * form lives in one static buffer, so one unknown errno per printf.
 */
static inline const char *errno_name(int err)
{
	static char buf[24];

	if (err == 0)
		return "0";
	if (err > 0 && err < (int)ARRAY_SIZE(errno_names) && errno_names[err])
		return errno_names[err];
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/*
 * Start a test program: line-buffered output, so that a test which times
 * out or crashes still shows how far it got, then the TAP header.  Every
 * test here needs root (the device is 0600 and needs CAP_SYS_ADMIN) and
 * the module, which run_tests.sh loads: without either it skips.
 */
static inline void shadowslab_test_start(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	ksft_print_header();
	if (geteuid() != 0)
		ksft_exit_skip("must be run as root (euid %u)\n", geteuid());
	if (access("/sys/module/shadowslab", F_OK))
		ksft_exit_skip("shadowslab is not loaded (run_tests.sh loads it)\n");
}

/* Open the device, which a loaded module must have: failing is fatal. */
static inline int shadowslab_open(void)
{
	int fd = open(SHADOWSLAB_DEVICE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		ksft_exit_fail_msg("open %s: expected success, got %s\n",
				   SHADOWSLAB_DEVICE_PATH, errno_name(errno));
	return fd;
}

#endif /* _SHADOWSLAB_TEST_H */
