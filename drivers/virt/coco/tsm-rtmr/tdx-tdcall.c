// SPDX-License-Identifier: GPL-2.0
/*
 * Hardware layer of tsm_rtmr_tdx: CPUID, and the TDCALLs TDG.MR.RTMR.EXTEND
 * and TDG.MR.REPORT. Deliberately thin: every decision is in tdx.c, which is
 * unit-tested with a fake of this layer.
 *
 * Kernels that export the TDCALL wrappers (tdx_mcall_get_report0() from 6.2,
 * tdx_mcall_extend_rtmr() from 6.16, both with CONFIG_INTEL_TDX_GUEST) are
 * used, through compat.h; elsewhere the module issues TDCALL itself. On
 * Debian's 6.12 that means the kernel's TDG.MR.REPORT and our own
 * TDG.MR.RTMR.EXTEND.
 */
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/kconfig.h>
#include <linux/types.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#include "compat.h"
#include "tdx.h"

/* TDCALL leaves (Intel TDX Module ABI) */
#define TDX_RTMR_LEAF_EXTEND		2	/* TDG.MR.RTMR.EXTEND */
#define TDX_RTMR_LEAF_REPORT		4	/* TDG.MR.REPORT */
#define TDX_RTMR_REPORT_SUBTYPE0	0

static int tdx_hw_guest_flag(void)
{
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && defined(X86_FEATURE_TDX_GUEST)
	return cpu_feature_enabled(X86_FEATURE_TDX_GUEST);
#else
	/* Without TDX guest support the flag is never set: ask CPUID */
	return -EOPNOTSUPP;
#endif
}

static void tdx_hw_cpuid(u32 leaf, u32 subleaf, struct tdx_rtmr_cpuid *r)
{
	cpuid_count(leaf, subleaf, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

#if !TSM_RTMR_HAVE_TDX_REPORT0 || !TSM_RTMR_HAVE_TDX_EXTEND_RTMR
/*
 * TDCALL, as bytes for assemblers that do not know it. RAX is the leaf in
 * and the completion status out. The TDX module returns outputs of some
 * leaves in RCX, RDX and R8-R11, so all of them are treated as clobbered;
 * it writes the TDREPORT to memory.
 */
static u64 tdx_tdcall(u64 leaf, u64 rcx, u64 rdx, u64 r8)
{
	register u64 r8_reg asm("r8") = r8;

	asm volatile(".byte 0x66,0x0f,0x01,0xcc"
		     : "+a" (leaf), "+c" (rcx), "+d" (rdx), "+r" (r8_reg)
		     :
		     : "r9", "r10", "r11", "cc", "memory");
	return leaf;
}
#endif

static int tdx_hw_extend(u8 index, u8 *data)
{
#if TSM_RTMR_HAVE_TDX_EXTEND_RTMR
	return tsm_rtmr_tdx_extend_rtmr(index, data);
#else
	return tdx_rtmr_status_errno(tdx_tdcall(TDX_RTMR_LEAF_EXTEND,
						virt_to_phys(data), index, 0));
#endif
}

static int tdx_hw_report(u8 *reportdata, u8 *tdreport)
{
#if TSM_RTMR_HAVE_TDX_REPORT0
	return tdx_rtmr_report0_errno(tdx_mcall_get_report0(reportdata, tdreport),
				      TSM_RTMR_TDX_REPORT0_ERRNOS_PER_STATUS);
#else
	return tdx_rtmr_status_errno(tdx_tdcall(TDX_RTMR_LEAF_REPORT,
						virt_to_phys(tdreport),
						virt_to_phys(reportdata),
						TDX_RTMR_REPORT_SUBTYPE0));
#endif
}

const struct tdx_rtmr_hw tdx_rtmr_tdcall_hw = {
	.guest_flag = tdx_hw_guest_flag,
	.cpuid = tdx_hw_cpuid,
	.extend = tdx_hw_extend,
	.report = tdx_hw_report,
};
