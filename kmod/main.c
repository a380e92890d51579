// SPDX-License-Identifier: GPL-2.0
/*
 * shadowslab - measure the percpu allocator's cost to mm_struct-like
 * objects, and what a constructor/destructor object cache saves.
 *
 * This file owns the module's lifetime and its one user interface, the
 * misc device /dev/shadowslab (mode 0600, CAP_SYS_ADMIN at open).
 *
 * Ioctl dispatch
 * --------------
 * Every command is described once in shadowslab_ioctls[]: its direction,
 * the kernel's size of its argument, the argument's first published size
 * and a handler.  shadowslab_ioctl() matches a command on its type, number
 * and direction only; the size comes from _IOC_SIZE(cmd) and is handled as
 * copy_struct_from_user() does (see uapi/shadowslab.h), so an older or a
 * newer tool keeps working.  The handler works on a kernel copy of the
 * argument, which is copied back only when it succeeds.  A command whose
 * result must reach the caller before it takes effect (CREATE: the caller
 * needs the id) also has a commit step, called after the copy-out with its
 * result, which publishes the handler's work or undoes it.
 *
 * Lifetime and locking
 * --------------------
 * The device is registered last at load and deregistered first at unload,
 * so no ioctl runs while the rest is set up or torn down; an open file
 * holds a module reference, so unload cannot begin while a caller is in an
 * ioctl.  Caches created from userspace belong to the module, not to a
 * file (cache_dev.c), and are destroyed at unload.  This file takes no
 * lock of its own.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>

#include "../uapi/shadowslab.h"
#include "compat.h"
#include "internal.h"
#include "profiles.h"
#include "shadow_cache.h"

struct dentry *shadowslab_debugfs_root;

static_assert(sizeof(struct shadowslab_info) == SHADOWSLAB_INFO_SIZE_VER1);
static_assert(sizeof(struct shadowslab_cache_create) ==
	      SHADOWSLAB_CACHE_CREATE_SIZE_VER0);
static_assert(sizeof(struct shadowslab_cache_destroy) ==
	      SHADOWSLAB_CACHE_DESTROY_SIZE_VER0);
static_assert(sizeof(struct shadowslab_cache_objs) ==
	      SHADOWSLAB_CACHE_OBJS_SIZE_VER0);
static_assert(sizeof(struct shadowslab_cache_shrink) ==
	      SHADOWSLAB_CACHE_SHRINK_SIZE_VER0);
static_assert(sizeof(struct shadowslab_cache_stats) ==
	      SHADOWSLAB_CACHE_STATS_SIZE_VER1);
static_assert(sizeof(struct shadowslab_cache_list) ==
	      SHADOWSLAB_CACHE_LIST_SIZE_VER0);
static_assert(sizeof(struct shadowslab_cache_fault) ==
	      SHADOWSLAB_CACHE_FAULT_SIZE_VER1);
static_assert(sizeof(struct shadowslab_thread_result) ==
	      SHADOWSLAB_THREAD_RESULT_SIZE_VER0);
static_assert(sizeof(struct shadowslab_run) == SHADOWSLAB_RUN_SIZE_VER1);
static_assert(sizeof(struct shadowslab_run_progress) ==
	      SHADOWSLAB_RUN_PROGRESS_SIZE_VER0);

static long shadow_ioctl_info(void *arg)
{
	struct shadowslab_info *info = arg;

	info->abi_version = SHADOWSLAB_ABI_VERSION;
	info->nr_cpu_ids = nr_cpu_ids;
	info->nr_possible_cpus = num_possible_cpus();
	info->nr_online_cpus = num_online_cpus();
	info->mm_struct_size = shadow_mm_struct_size();
	if (SHADOW_HAVE_COUNTER_INIT_MANY)
		info->features |= SHADOWSLAB_FEAT_COUNTER_INIT_MANY;
	if (IS_ENABLED(CONFIG_LOCKDEP))
		info->features |= SHADOWSLAB_FEAT_LOCKDEP;
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		info->features |= SHADOWSLAB_FEAT_PREEMPT_RT;
	if (shadow_memcg_kmem_built())
		info->features |= SHADOWSLAB_FEAT_MEMCG_KMEM;
	strscpy(info->module_version, SHADOWSLAB_MODULE_VERSION,
		sizeof(info->module_version));
	strscpy(info->kernel_release, init_utsname()->release,
		sizeof(info->kernel_release));
	info->percpu_allocs = shadow_percpu_allocs();
	info->percpu_frees = shadow_percpu_frees();
	shadow_kernel_profile_describe(info);
	return 0;
}

union shadowslab_ioctl_arg {
	struct shadowslab_info info;
	struct shadowslab_cache_create cache_create;
	struct shadowslab_cache_destroy cache_destroy;
	struct shadowslab_cache_objs cache_objs;
	struct shadowslab_cache_shrink cache_shrink;
	struct shadowslab_cache_stats cache_stats;
	struct shadowslab_cache_list cache_list;
	struct shadowslab_cache_fault cache_fault;
	struct shadowslab_run run;
	struct shadowslab_run_progress run_progress;
};

struct shadowslab_ioctl_desc {
	unsigned int cmd;	/* as the ABI header defines it */
	unsigned int size_ver0;
	long (*handler)(void *arg);
	/* If set: after the copy-out, 0 or its error; undoes on error. */
	void (*commit)(void *arg, int err);
};

#define SHADOW_IOCTL(_cmd, _ver0, _handler) \
	{ .cmd = (_cmd), .size_ver0 = (_ver0), .handler = (_handler) }
#define SHADOW_IOCTL_COMMIT(_cmd, _ver0, _handler, _commit) \
	{ .cmd = (_cmd), .size_ver0 = (_ver0), .handler = (_handler), \
	  .commit = (_commit) }

static const struct shadowslab_ioctl_desc shadowslab_ioctls[] = {
	SHADOW_IOCTL(SHADOWSLAB_IOC_INFO, SHADOWSLAB_INFO_SIZE_VER0,
		     shadow_ioctl_info),
	SHADOW_IOCTL_COMMIT(SHADOWSLAB_IOC_CACHE_CREATE,
			    SHADOWSLAB_CACHE_CREATE_SIZE_VER0,
			    shadow_ioctl_cache_create,
			    shadow_ioctl_cache_create_commit),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_DESTROY,
		     SHADOWSLAB_CACHE_DESTROY_SIZE_VER0,
		     shadow_ioctl_cache_destroy),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_ALLOC,
		     SHADOWSLAB_CACHE_OBJS_SIZE_VER0,
		     shadow_ioctl_cache_alloc),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_FREE,
		     SHADOWSLAB_CACHE_OBJS_SIZE_VER0,
		     shadow_ioctl_cache_free),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_SHRINK,
		     SHADOWSLAB_CACHE_SHRINK_SIZE_VER0,
		     shadow_ioctl_cache_shrink),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_STATS,
		     SHADOWSLAB_CACHE_STATS_SIZE_VER0,
		     shadow_ioctl_cache_stats),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_LIST,
		     SHADOWSLAB_CACHE_LIST_SIZE_VER0,
		     shadow_ioctl_cache_list),
	SHADOW_IOCTL(SHADOWSLAB_IOC_CACHE_FAULT,
		     SHADOWSLAB_CACHE_FAULT_SIZE_VER0,
		     shadow_ioctl_cache_fault),
	SHADOW_IOCTL(SHADOWSLAB_IOC_RUN, SHADOWSLAB_RUN_SIZE_VER0,
		     shadow_ioctl_run),
	SHADOW_IOCTL(SHADOWSLAB_IOC_RUN_PROGRESS,
		     SHADOWSLAB_RUN_PROGRESS_SIZE_VER0,
		     shadow_ioctl_run_progress),
};

/* Same command apart from the argument size, which may differ by version. */
static bool shadow_cmd_matches(unsigned int cmd, unsigned int known)
{
	return _IOC_TYPE(cmd) == _IOC_TYPE(known) &&
	       _IOC_NR(cmd) == _IOC_NR(known) &&
	       _IOC_DIR(cmd) == _IOC_DIR(known);
}

static const struct shadowslab_ioctl_desc *shadow_ioctl_lookup(unsigned int cmd)
{
	unsigned int i;

	if (_IOC_TYPE(cmd) != SHADOWSLAB_IOC_MAGIC)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(shadowslab_ioctls); i++)
		if (shadow_cmd_matches(cmd, shadowslab_ioctls[i].cmd))
			return &shadowslab_ioctls[i];
	return NULL;
}

/* Write the result back: min(user size, kernel size), zeroing any tail. */
static int shadow_copy_out(void __user *uarg, size_t usize, const void *karg,
			   size_t ksize)
{
	if (copy_to_user(uarg, karg, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(uarg + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static long shadowslab_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	const struct shadowslab_ioctl_desc *desc = shadow_ioctl_lookup(cmd);
	void __user *uarg = (void __user *)arg;
	union shadowslab_ioctl_arg karg;
	size_t usize = _IOC_SIZE(cmd);
	size_t ksize;
	long ret;

	if (!desc)
		return -ENOTTY;
	ksize = _IOC_SIZE(desc->cmd);
	if (usize < desc->size_ver0)
		return -EINVAL;

	memset(&karg, 0, sizeof(karg));
	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		ret = copy_struct_from_user(&karg, ksize, uarg, usize);
		if (ret)
			return ret;
	} else if (!access_ok(uarg, usize)) {
		return -EFAULT;
	}

	ret = desc->handler(&karg);
	if (ret)
		return ret;

	if (_IOC_DIR(cmd) & _IOC_READ)
		ret = shadow_copy_out(uarg, usize, &karg, ksize);
	if (desc->commit)
		desc->commit(&karg, ret);
	return ret;
}

static int shadowslab_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return nonseekable_open(inode, file);
}

static const struct file_operations shadowslab_fops = {
	.owner = THIS_MODULE,
	.open = shadowslab_open,
	.unlocked_ioctl = shadowslab_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice shadowslab_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SHADOWSLAB_DEVICE_NAME,
	.fops = &shadowslab_fops,
	.mode = 0600,
};

static int __init shadowslab_init(void)
{
	int err;

	shadowslab_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);

	err = shadow_profiles_init();
	if (err)
		goto err_debugfs;
	err = shadow_cache_module_init();
	if (err)
		goto err_profiles;

	err = misc_register(&shadowslab_misc);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n",
		       SHADOWSLAB_DEVICE_NAME, err);
		goto err_cache;
	}
	pr_info("loaded, ABI %d, /dev/%s\n", SHADOWSLAB_ABI_VERSION,
		SHADOWSLAB_DEVICE_NAME);
	return 0;

err_cache:
	shadow_cache_module_exit();
err_profiles:
	shadow_profiles_exit();
err_debugfs:
	debugfs_remove(shadowslab_debugfs_root);
	return err;
}

static void __exit shadowslab_exit(void)
{
	misc_deregister(&shadowslab_misc);
	shadow_cache_dev_exit();
	shadow_cache_module_exit();
	shadow_profiles_exit();
	debugfs_remove(shadowslab_debugfs_root);
	pr_info("unloaded\n");
}

module_init(shadowslab_init);
module_exit(shadowslab_exit);

MODULE_DESCRIPTION("Constructor/destructor object caching for objects that own percpu memory");
MODULE_AUTHOR("shadowslab developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(SHADOWSLAB_MODULE_VERSION);
