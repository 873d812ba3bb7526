// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr core module: parameters, and bringing up its two faces. The
 * registry (core.c) and the write path (commit.c) know nothing of module
 * init; configfs (the writers' face) and securityfs (the readers' face)
 * are started here, readers first, so a handle can never commit into a
 * log nobody can read.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>

#include "tsm-rtmr-core.h"

unsigned long tsm_rtmr_max_log_bytes = 64UL << 20;

/*
 * An import carries a whole log in one write(2), which the VFS cuts at
 * MAX_RW_COUNT (just under 2 GiB): so at most 1 GiB, refused at load and
 * at runtime otherwise. Readers sample it with READ_ONCE().
 */
static int max_log_bytes_set(const char *val, const struct kernel_param *kp)
{
	unsigned long n;
	int rc;

	rc = kstrtoul(val, 0, &n);
	if (rc)
		return rc;
	if (n > TSM_RTMR_MAX_LOG_LIMIT) {
		pr_err("max_log_bytes=%lu: must be at most %lu\n", n,
		       TSM_RTMR_MAX_LOG_LIMIT);
		return -EINVAL;
	}
	WRITE_ONCE(*(unsigned long *)kp->arg, n);
	return 0;
}

static const struct kernel_param_ops max_log_bytes_ops = {
	.set = max_log_bytes_set,
	.get = param_get_ulong,
};
module_param_cb(max_log_bytes, &max_log_bytes_ops, &tsm_rtmr_max_log_bytes,
		0644);
MODULE_PARM_DESC(max_log_bytes,
		 "Byte limit of each provider's binary_event_log, header included, at most 1073741824 (default 67108864)");

unsigned int tsm_rtmr_max_event_bytes = 64 << 10;

/*
 * configfs treats a binary attribute's maximum of 0 as "no limit", and
 * record sizes are u32: so 1 byte to 16 MiB, refused at load otherwise.
 */
static int max_event_bytes_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int rc;

	rc = kstrtouint(val, 0, &n);
	if (rc)
		return rc;
	if (!n || n > TSM_RTMR_MAX_EVENT_LIMIT) {
		pr_err("max_event_bytes=%u: must be 1 to %u\n", n,
		       TSM_RTMR_MAX_EVENT_LIMIT);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops max_event_bytes_ops = {
	.set = max_event_bytes_set,
	.get = param_get_uint,
};
module_param_cb(max_event_bytes, &max_event_bytes_ops,
		&tsm_rtmr_max_event_bytes, 0444);
MODULE_PARM_DESC(max_event_bytes,
		 "Largest event data of one entry, 1 to 16777216 bytes (default 65536)");

static int __init tsm_rtmr_init(void)
{
	int rc;

	rc = tsm_rtmr_securityfs_init();
	if (rc)
		return rc;
	rc = tsm_rtmr_configfs_init();
	if (rc)
		tsm_rtmr_securityfs_exit();
	return rc;
}

static void __exit tsm_rtmr_exit(void)
{
	tsm_rtmr_configfs_exit();
	tsm_rtmr_securityfs_exit();
}

module_init(tsm_rtmr_init);
module_exit(tsm_rtmr_exit);

MODULE_DESCRIPTION("Log-first runtime measurement registers");
MODULE_LICENSE("GPL");
