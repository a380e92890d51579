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
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---------------------------------------------------------- TAP points */

/*
 * One TAP point made of several checks: each failed check prints why, and
 * the point fails; point_end() reports it.
 */
struct point {
	char name[200];
	bool ok;
};

static inline __attribute__((format(printf, 2, 3)))
void point_init(struct point *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->name, sizeof(p->name), fmt, ap);
	va_end(ap);
	p->ok = true;
}

static inline void point_end(struct point *p)
{
	ksft_test_result(p->ok, "%s\n", p->name);
}

static inline void expect_u64(struct point *p, const char *what,
			      unsigned long long expected,
			      unsigned long long got)
{
	if (expected == got)
		return;
	ksft_print_msg("%s: %s: expected %llu, got %llu\n", p->name, what,
		       expected, got);
	p->ok = false;
}

static inline void expect_err(struct point *p, const char *what,
			      int expected, int got)
{
	if (expected == got)
		return;
	ksft_print_msg("%s: %s: expected %s, got %s\n", p->name, what,
		       errno_name(expected), errno_name(got));
	p->ok = false;
}

/* A check that is not an equality: fmt says what was expected and got. */
static inline __attribute__((format(printf, 3, 4)))
bool expect(struct point *p, bool cond, const char *fmt, ...)
{
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	printf("# %s: ", p->name);
	vprintf(fmt, ap);
	va_end(ap);
	p->ok = false;
	return false;
}

/* ------------------------------------------------------------- CPUs */

/* Parse a sysfs CPU list ("0-3,5") into ids; the count, or -1. */
static inline int read_cpulist(const char *path, __u32 *cpus, unsigned int max)
{
	char buf[512], *s = buf, *end;
	FILE *f = fopen(path, "re");
	unsigned long a, b;
	unsigned int n = 0;

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	while (*s) {
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && n < max; a++)
			cpus[n++] = a;
		if (*end != ',')
			break;
		s = end + 1;
	}
	return n;
}

/*
 * @n times SHADOWSLAB_TEST_SCALE (run_tests.sh --scale; default 1), at
 * least @min: the workload sizes shrink on slow kernels, and the tests
 * assert counts computed from the scaled value, never timing.
 */
static inline unsigned long long shadowslab_test_scaled(unsigned long long n,
							unsigned long long min)
{
	const char *s = getenv("SHADOWSLAB_TEST_SCALE");
	double scale = 1.0, v;
	char *end;

	if (s && *s) {
		scale = strtod(s, &end);
		if (*end || !(scale > 0) || scale > 1000)
			ksft_exit_fail_msg("SHADOWSLAB_TEST_SCALE must be a number in (0, 1000], not '%s'\n",
					   s);
	}
	v = (double)n * scale;
	return v < (double)min ? min : (unsigned long long)(v + 0.5);
}

#endif /* _SHADOWSLAB_TEST_H */
