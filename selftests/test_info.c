// SPDX-License-Identifier: GPL-2.0
/*
 * test_info - SHADOWSLAB_IOC_INFO describes the running system as the rest
 * of the kernel's interfaces do.
 *
 * shadowctl and the benchmarks size their work from INFO (CPU counts) and
 * label their results with it (kernel, module, mm_struct size, features),
 * so each field is checked against an independent source: the sysfs CPU
 * lists, uname(2), /sys/module/shadowslab/version, the kernel's own
 * mm_struct slab cache where SLUB shows it, and what the kernel exposes
 * about the features INFO reports.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>

#include "shadowslab_test.h"

#define KNOWN_FEATURES	(SHADOWSLAB_FEAT_COUNTER_INIT_MANY | \
			 SHADOWSLAB_FEAT_LOCKDEP | \
			 SHADOWSLAB_FEAT_PREEMPT_RT | \
			 SHADOWSLAB_FEAT_MEMCG_KMEM | \
			 SHADOWSLAB_FEAT_PERCPU_CHARGE)

/* Read the first line of a file, without its newline; 0 or -errno. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	int err = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, size, f))
		err = ferror(f) ? -EIO : -ENODATA;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return err;
}

struct cpulist {
	unsigned long count;	/* CPUs in the list */
	unsigned long last;	/* highest CPU number */
};

/* Parse a sysfs CPU list such as "0", "0-7" or "0,2-3"; 0 or -EINVAL. */
static int parse_cpulist(const char *s, struct cpulist *cl)
{
	unsigned long first, last;
	char *end;

	cl->count = 0;
	cl->last = 0;
	for (;;) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		first = strtoul(s, &end, 10);
		last = first;
		if (*end == '-') {
			s = end + 1;
			if (!isdigit((unsigned char)*s))
				return -EINVAL;
			last = strtoul(s, &end, 10);
			if (last < first)
				return -EINVAL;
		}
		cl->count += last - first + 1;
		if (last > cl->last)
			cl->last = last;
		if (*end == '\0')
			return 0;
		if (*end != ',')
			return -EINVAL;
		s = end + 1;
	}
}

static int read_cpu_summary(const char *path, struct cpulist *cl)
{
	char buf[4096];
	int err = read_line(path, buf, sizeof(buf));

	if (err) {
		ksft_print_msg("%s: %s\n", path, errno_name(-err));
		return err;
	}
	err = parse_cpulist(buf, cl);
	if (err)
		ksft_print_msg("%s: cannot parse \"%s\"\n", path, buf);
	return err;
}

static void check_u32(const char *name, __u32 got, unsigned long expected,
		      const char *source)
{
	if (got != expected)
		ksft_print_msg("%s: expected %lu (%s), got %u\n",
			       name, expected, source, got);
	ksft_test_result(got == expected, "%s\n", name);
}

static void check_cpus(const struct shadowslab_info *info)
{
	struct cpulist possible, online;

	if (read_cpu_summary("/sys/devices/system/cpu/possible", &possible)) {
		ksft_test_result_fail("nr_possible_cpus\n");
		ksft_test_result_fail("nr_cpu_ids\n");
	} else {
		check_u32("nr_possible_cpus", info->nr_possible_cpus,
			  possible.count, "CPUs in /sys/devices/system/cpu/possible");
		check_u32("nr_cpu_ids", info->nr_cpu_ids, possible.last + 1,
			  "last possible CPU + 1");
	}

	if (read_cpu_summary("/sys/devices/system/cpu/online", &online))
		ksft_test_result_fail("nr_online_cpus\n");
	else
		check_u32("nr_online_cpus", info->nr_online_cpus, online.count,
			  "CPUs in /sys/devices/system/cpu/online");
}

/* A char array field must hold a NUL-terminated string. */
static bool check_terminated(const char *name, const char *field,
			     size_t size)
{
	if (memchr(field, '\0', size))
		return true;
	ksft_print_msg("%s: no NUL in its %zu bytes\n", name, size);
	return false;
}

static void check_strings(const struct shadowslab_info *info)
{
	const char *version_path = "/sys/module/shadowslab/version";
	char sysfs_version[256];
	struct utsname uts;
	bool ok, terminated;
	int err;

	uname(&uts);
	ok = check_terminated("kernel_release", info->kernel_release,
			      sizeof(info->kernel_release));
	if (ok && strcmp(info->kernel_release, uts.release)) {
		ksft_print_msg("kernel_release: expected \"%s\" (uname), got \"%s\"\n",
			       uts.release, info->kernel_release);
		ok = false;
	}
	ksft_test_result(ok, "kernel_release\n");

	terminated = check_terminated("module_version", info->module_version,
				      sizeof(info->module_version));
	ok = terminated && info->module_version[0];
	if (terminated && !ok)
		ksft_print_msg("module_version: expected a version, got \"\"\n");
	ksft_test_result(ok, "module_version\n");

	err = read_line(version_path, sysfs_version, sizeof(sysfs_version));
	if (err) {
		ksft_print_msg("%s: %s\n", version_path, errno_name(-err));
		ok = false;
	} else {
		ok = terminated &&
		     !strcmp(info->module_version, sysfs_version);
		if (terminated && !ok)
			ksft_print_msg("module_version: expected \"%s\" (%s), got \"%s\"\n",
				       sysfs_version, version_path,
				       info->module_version);
	}
	ksft_test_result(ok, "module_version matches sysfs\n");
}

static void check_mm_struct_size(const struct shadowslab_info *info)
{
	const char *path = "/sys/kernel/slab/mm_struct/object_size";
	bool ok = info->mm_struct_size > 512 && info->mm_struct_size < 16384;
	char buf[32];

	if (!ok)
		ksft_print_msg("mm_struct_size: expected 512 < size < 16384, got %u\n",
			       info->mm_struct_size);
	ksft_test_result(ok, "mm_struct_size plausible\n");

	/*
	 * SLUB shows the object size the kernel created mm_cachep with; the
	 * cache has a usercopy region, so it is never merged into another.
	 */
	if (read_line(path, buf, sizeof(buf))) {
		ksft_test_result_skip("mm_struct_size matches the slab cache (no %s)\n",
				      path);
		return;
	}
	check_u32("mm_struct_size matches the slab cache", info->mm_struct_size,
		  strtoul(buf, NULL, 10), path);
}

/* Whether a feature bit is set exactly when the kernel says it has it. */
static void check_feature(const struct shadowslab_info *info, __u32 bit,
			  const char *name, bool expected, const char *why)
{
	bool got = info->features & bit;

	if (got != expected)
		ksft_print_msg("features: expected %s %s (%s), got it %s\n",
			       name, expected ? "set" : "clear", why,
			       got ? "set" : "clear");
	ksft_test_result(got == expected, "features: %s\n", name);
}

/*
 * Kernel memory accounting: the memory controller is enabled (Debian builds
 * CONFIG_MEMCG_KMEM; cgroup.memory=nokmem cannot be seen).  The cgroup2
 * root lists it in cgroup.controllers; where that is not mounted, the
 * /proc/cgroups of older kernels says (from 6.16 it lists v1 controllers
 * only).
 */
static bool memcg_kmem_expected(void)
{
	char line[256];
	bool memory = false;
	FILE *f;

	if (!read_line("/sys/fs/cgroup/cgroup.controllers", line, sizeof(line)))
		return strstr(line, "memory");
	f = fopen("/proc/cgroups", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char name[64];
		int hier, num, enabled;

		if (sscanf(line, "%63s %d %d %d", name, &hier, &num,
			   &enabled) == 4 && !strcmp(name, "memory"))
			memory = enabled;
	}
	if (f)
		fclose(f);
	return memory;
}

static void check_features(const struct shadowslab_info *info)
{
	unsigned int major = 0, minor = 0;
	__u32 unknown = info->features & ~KNOWN_FEATURES;
	struct utsname uts;
	bool new_kernel;

	if (unknown)
		ksft_print_msg("features: expected no bits outside 0x%x, got 0x%x\n",
			       KNOWN_FEATURES, info->features);
	ksft_test_result(!unknown, "features: no unknown bits\n");

	uname(&uts);
	if (sscanf(uts.release, "%u.%u", &major, &minor) != 2)
		ksft_print_msg("cannot parse the kernel release \"%s\"\n",
			       uts.release);
	new_kernel = major > 6 || (major == 6 && minor >= 6);
	check_feature(info, SHADOWSLAB_FEAT_COUNTER_INIT_MANY,
		      "COUNTER_INIT_MANY", new_kernel,
		      new_kernel ? "kernel 6.6 or later" : "kernel before 6.6");
	check_feature(info, SHADOWSLAB_FEAT_LOCKDEP, "LOCKDEP",
		      !access("/proc/lockdep", F_OK),
		      "/proc/lockdep exists iff CONFIG_LOCKDEP");
	check_feature(info, SHADOWSLAB_FEAT_PREEMPT_RT, "PREEMPT_RT",
		      strstr(uts.version, "PREEMPT_RT"),
		      "uname -v says PREEMPT_RT iff CONFIG_PREEMPT_RT");
	check_feature(info, SHADOWSLAB_FEAT_MEMCG_KMEM, "MEMCG_KMEM",
		      memcg_kmem_expected(),
		      "the memory controller is enabled");
	check_feature(info, SHADOWSLAB_FEAT_PERCPU_CHARGE, "PERCPU_CHARGE",
		      false, "no released kernel exports a percpu charge");
}

int main(void)
{
	struct shadowslab_info info;
	int fd;

	shadowslab_test_start();
	ksft_set_plan(16);
	fd = shadowslab_open();

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, SHADOWSLAB_IOC_INFO, &info))
		ksft_exit_fail_msg("INFO: expected success, got %s\n",
				   errno_name(errno));
	ksft_test_result_pass("INFO succeeds\n");

	check_u32("abi_version", info.abi_version, SHADOWSLAB_ABI_VERSION,
		  "SHADOWSLAB_ABI_VERSION");
	check_cpus(&info);
	check_strings(&info);
	check_mm_struct_size(&info);
	check_features(&info);

	close(fd);
	ksft_finished();
}
