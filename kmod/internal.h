/* SPDX-License-Identifier: GPL-2.0 */
/*
 * internal.h - what the parts of shadowslab.ko share.
 *
 * main.c owns the misc device and dispatches every ioctl through one
 * table: it checks the command's type, direction and size, copies the
 * argument in and out with extensible-struct semantics (see the ABI
 * header), and calls a handler that sees only a kernel copy.  Handlers
 * that take further user pointers (RUN, CACHE_LIST) copy those themselves.
 * A commit step, where a command has one, runs after the copy-out.
 */
#ifndef _SHADOWSLAB_INTERNAL_H
#define _SHADOWSLAB_INTERNAL_H

#include <linux/types.h>
#include <linux/dcache.h>

/* SHADOWSLAB_MODULE_VERSION comes from Kbuild: PACKAGE_VERSION in dkms.conf. */

/* The module's debugfs directory, or an ERR_PTR when debugfs is absent. */
extern struct dentry *shadowslab_debugfs_root;

/* cache_dev.c: caches created from userspace. */
void shadow_cache_dev_exit(void);
long shadow_ioctl_cache_create(void *arg);
void shadow_ioctl_cache_create_commit(void *arg, int err);
long shadow_ioctl_cache_destroy(void *arg);
long shadow_ioctl_cache_alloc(void *arg);
long shadow_ioctl_cache_free(void *arg);
long shadow_ioctl_cache_shrink(void *arg);
long shadow_ioctl_cache_stats(void *arg);
long shadow_ioctl_cache_list(void *arg);
long shadow_ioctl_cache_fault(void *arg);

/* runner.c: the workload engine. */
long shadow_ioctl_run(void *arg);
long shadow_ioctl_run_progress(void *arg);

#endif /* _SHADOWSLAB_INTERNAL_H */
