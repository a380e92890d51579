// SPDX-License-Identifier: GPL-2.0
/*
 * warn_at_load - a module that does nothing but WARN() when it is loaded.
 *
 * It exists to test the test harness: scripts/vm-run must notice kernel
 * warnings even when the command that caused them succeeds, so
 * test_vm_harness.sh loads this module in a guest and expects vm-run to
 * fail with its "kernel reported a problem" status.  Never load it anywhere
 * else: a WARN taints the kernel.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init warn_at_load_init(void)
{
	WARN(1, "shadowslab harness: deliberate warning\n");
	return 0;
}

static void __exit warn_at_load_exit(void)
{
}

module_init(warn_at_load_init);
module_exit(warn_at_load_exit);

MODULE_DESCRIPTION("Deliberately WARN at load to test scripts/vm-run");
MODULE_LICENSE("GPL");
