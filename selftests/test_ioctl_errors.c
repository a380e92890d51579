// SPDX-License-Identifier: GPL-2.0
/*
 * test_ioctl_errors - the ioctl dispatcher's error paths, as documented in
 * uapi/shadowslab.h.
 *
 * Every command goes through one dispatcher that matches type, number and
 * direction, then handles the size the way copy_struct_from_user() does,
 * so a bug there breaks every command and every older or newer tool.  This
 * test drives it with INFO, the one command implemented so far:
 *
 *  - a command the module does not know (another number, another type, or
 *    INFO with the wrong direction bits) is -ENOTTY;
 *  - a size below SHADOWSLAB_INFO_SIZE_VER0 is -EINVAL;
 *  - a larger (newer) struct is accepted and the bytes the module does not
 *    know are zeroed on output.  INFO is _IOR, so its input is never read:
 *    even a non-zero tail is accepted.  The -E2BIG side of the rule needs a
 *    command that reads its argument (_IOW/_IOWR), which none does yet;
 *  - a bad pointer (NULL, PROT_NONE, a tail that runs into PROT_NONE, a
 *    kernel address) is -EFAULT;
 *  - a failing call leaves the caller's buffer untouched, and no call
 *    writes past the size in the command.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "shadowslab_test.h"

#define INFO_SIZE	SHADOWSLAB_INFO_SIZE_VER1	/* the module's */
#define INFO_NR		_IOC_NR(SHADOWSLAB_IOC_INFO)
/* INFO's number with other direction bits or another size. */
#define INFO_CMD(dir, size)	_IOC(dir, SHADOWSLAB_IOC_MAGIC, INFO_NR, size)
#define FILL		0xa5

/* Room for the largest size a command can encode. */
static unsigned char buf[_IOC_SIZEMASK + 1];

/* A correct INFO call's output, to compare the others with. */
static struct shadowslab_info ref;

static const struct {
	const char *name;
	unsigned int cmd;
	int err;
} bad_cmds[] = {
	{ "unknown command number",
	  _IOC(_IOC_READ, SHADOWSLAB_IOC_MAGIC, 0xff, INFO_SIZE), ENOTTY },
	/* 0xb8 is no type the VFS handles itself (see do_vfs_ioctl()). */
	{ "another ioctl type",
	  _IOC(_IOC_READ, SHADOWSLAB_IOC_MAGIC - 1, INFO_NR, INFO_SIZE), ENOTTY },
	{ "INFO with direction none",
	  INFO_CMD(_IOC_NONE, INFO_SIZE), ENOTTY },
	{ "INFO with direction write",
	  INFO_CMD(_IOC_WRITE, INFO_SIZE), ENOTTY },
	{ "INFO with direction read|write",
	  INFO_CMD(_IOC_READ | _IOC_WRITE, INFO_SIZE), ENOTTY },
	{ "INFO with size VER0 - 1",
	  INFO_CMD(_IOC_READ, SHADOWSLAB_INFO_SIZE_VER0 - 1), EINVAL },
	{ "INFO with size 0",
	  INFO_CMD(_IOC_READ, 0), EINVAL },
};

/* The offset of the first byte in [from, to) of buf that is not c, or -1. */
static long first_not(size_t from, size_t to, unsigned char c)
{
	size_t i;

	for (i = from; i < to; i++)
		if (buf[i] != c)
			return i;
	return -1;
}

static bool check_err(const char *name, int got, int expected)
{
	if (got == expected)
		return true;
	ksft_print_msg("%s: expected %s, got %s\n", name,
		       errno_name(expected), errno_name(got));
	return false;
}

static void test_bad_cmd(const char *name, unsigned int cmd,
			 int expected)
{
	bool ok;
	long off;

	memset(buf, FILL, sizeof(buf));
	ok = check_err(name, ioctl_err(cmd, buf), expected);
	off = first_not(0, sizeof(buf), FILL);
	if (off >= 0) {
		ksft_print_msg("%s: expected the buffer untouched, got byte %ld = 0x%02x\n",
			       name, off, buf[off]);
		ok = false;
	}
	ksft_test_result(ok, "%s: %s\n", name, errno_name(expected));
}

/*
 * INFO with a larger struct whose tail holds fill: it must succeed, write
 * INFO's output, zero the tail, and leave the bytes past size alone.
 */
static void test_larger(const char *name, size_t size,
			unsigned char fill)
{
	bool ok;
	long off;

	memset(buf, fill, sizeof(buf));
	ok = check_err(name, ioctl_err(INFO_CMD(_IOC_READ, size), buf), 0);
	if (ok && memcmp(buf, &ref, INFO_SIZE)) {
		ksft_print_msg("%s: expected the first %d bytes to be INFO's output, got others\n",
			       name, INFO_SIZE);
		ok = false;
	}
	off = first_not(INFO_SIZE, size, 0);
	if (ok && off >= 0) {
		ksft_print_msg("%s: expected a zeroed tail, got byte %ld = 0x%02x\n",
			       name, off, buf[off]);
		ok = false;
	}
	off = first_not(size, sizeof(buf), fill);
	if (off >= 0) {
		ksft_print_msg("%s: expected nothing past %zu bytes, got byte %ld = 0x%02x\n",
			       name, size, off, buf[off]);
		ok = false;
	}
	ksft_test_result(ok, "%s\n", name);
}

static void test_fault(const char *name, unsigned int cmd, void *arg)
{
	ksft_test_result(check_err(name, ioctl_err(cmd, arg), EFAULT),
			 "%s: EFAULT\n", name);
}

static void test_bad_pointers(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map;

	test_fault("NULL pointer", SHADOWSLAB_IOC_INFO, NULL);

	/* Two pages: the first writable, the second PROT_NONE. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		ksft_exit_fail_msg("mmap: %s\n", errno_name(errno));
	if (mprotect(map + page, page, PROT_NONE))
		ksft_exit_fail_msg("mprotect: %s\n", errno_name(errno));

	test_fault("pointer to a PROT_NONE page", SHADOWSLAB_IOC_INFO,
		   map + page);
	/* The struct fits in the first page, its zeroed tail does not. */
	test_fault("larger struct whose tail is PROT_NONE",
		   INFO_CMD(_IOC_READ, INFO_SIZE + 64), map + page - INFO_SIZE);
	munmap(map, 2 * page);

	/* x86-64's kernel text; any address in the kernel's half would do. */
	test_fault("kernel address", SHADOWSLAB_IOC_INFO,
		   (void *)(uintptr_t)0xffffffff81000000ULL);
}

int main(void)
{
	unsigned int i;

	shadowslab_test_start();
	ksft_set_plan(ARRAY_SIZE(bad_cmds) + 3 + 4);
	dev_fd = shadowslab_open();

	if (ioctl(dev_fd, SHADOWSLAB_IOC_INFO, &ref))
		ksft_exit_fail_msg("INFO: expected success, got %s\n",
				   errno_name(errno));

	for (i = 0; i < ARRAY_SIZE(bad_cmds); i++)
		test_bad_cmd(bad_cmds[i].name, bad_cmds[i].cmd,
			     bad_cmds[i].err);

	test_larger("larger struct, zero tail", INFO_SIZE + 64, 0);
	test_larger("larger struct, non-zero tail (INFO reads no input)",
		    INFO_SIZE + 64, FILL);
	test_larger("largest encodable size", _IOC_SIZEMASK, FILL);

	test_bad_pointers();

	close(dev_fd);
	ksft_finished();
}
