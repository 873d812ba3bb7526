/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm-rtmr: what differs between the kernels these modules build against
 * (Debian's 6.1 and 6.12, and later ones), each difference behind one named
 * helper. This is the only file that compares LINUX_VERSION_CODE; a source
 * file that needs one of these includes it instead of the kernel header.
 *
 * Merged into a kernel, this file reduces to its newest branches.
 */
#ifndef _TSM_RTMR_COMPAT_H
#define _TSM_RTMR_COMPAT_H

#include <linux/errno.h>
#include <linux/kconfig.h>
#include <linux/types.h>
#include <linux/version.h>

#define TSM_RTMR_KERNEL_SINCE(major, minor)			\
	(KERNEL_VERSION(major, minor, 0) <= LINUX_VERSION_CODE)

/*
 * get_unaligned_le32() and friends: 6.12 moved the header from
 * asm/unaligned.h to linux/unaligned.h (the old one is gone).
 */
#if TSM_RTMR_KERNEL_SINCE(6, 12)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/*
 * task_pid_nr(): 6.1 defines it in linux/sched.h, 6.12 in linux/pid.h
 * (which includes linux/sched.h). Both headers exist on both kernels, so
 * both are included, and no version is compared.
 */
#include <linux/pid.h>
#include <linux/sched.h>

/*
 * TDX guest TDCALL wrappers exported by the kernel (CONFIG_INTEL_TDX_GUEST):
 * tdx_mcall_get_report0() since 6.2, tdx_mcall_extend_rtmr() since 6.16.
 * Where a wrapper is missing, tdx-tdcall.c issues that TDCALL itself.
 */
#define TSM_RTMR_HAVE_TDX_REPORT0					\
	(IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && TSM_RTMR_KERNEL_SINCE(6, 2))
#define TSM_RTMR_HAVE_TDX_EXTEND_RTMR					\
	(IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && TSM_RTMR_KERNEL_SINCE(6, 16))

#if TSM_RTMR_HAVE_TDX_REPORT0
#include <asm/tdx.h>

/* tdx_mcall_get_report0()'s errnos changed in 6.16: tdx_rtmr_report0_errno() */
#define TSM_RTMR_TDX_REPORT0_ERRNOS_PER_STATUS	TSM_RTMR_KERNEL_SINCE(6, 16)
#endif

#if TSM_RTMR_HAVE_TDX_EXTEND_RTMR
/**
 * tsm_rtmr_tdx_extend_rtmr() - TDG.MR.RTMR.EXTEND through the kernel
 * @index: RTMR index
 * @data: 48 bytes in a 64-byte aligned buffer
 *
 * Return: 0, -ENXIO, -EBUSY or -EIO, as tdx_rtmr_status_errno().
 */
static inline int tsm_rtmr_tdx_extend_rtmr(u8 index, u8 *data)
{
	return tdx_mcall_extend_rtmr(index, data);
}
#endif

/*
 * configfs-tsm report providers (CONFIG_TSM_REPORTS, 6.7+; tsm_rtmr_tdx_emu
 * registers one): tsm_register(ops, priv) and report_new(report, data) as
 * Debian's 6.12 declares them in linux/tsm.h. 6.7's tsm_register() took a
 * config_item_type as well; kernels before 6.12 are left out rather than
 * guessed (the emulator then has no quote part, as on 6.1).
 */
#define TSM_RTMR_HAVE_TSM_REPORTS					\
	(IS_ENABLED(CONFIG_TSM_REPORTS) && TSM_RTMR_KERNEL_SINCE(6, 12))

#endif /* _TSM_RTMR_COMPAT_H */
