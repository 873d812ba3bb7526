/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm_rtmr_tdx: interface between the hardware-independent logic (tdx.c)
 * and the hardware layer (tdx-tdcall.c). The logic reaches the hardware only
 * through struct tdx_rtmr_hw, so a test can inject a fake layer.
 */
#ifndef _TSM_RTMR_TDX_H
#define _TSM_RTMR_TDX_H

#include <linux/types.h>

#define TDX_RTMR_NR			4
#define TDX_RTMR_SIZE			48	/* SHA-384 */

/* TDG.MR.RTMR.EXTEND input: 48 bytes in a 64-byte aligned buffer */
#define TDX_RTMR_EXTEND_BUF_SIZE	64
#define TDX_RTMR_EXTEND_BUF_ALIGN	64
/* TDG.MR.REPORT: REPORTDATA 64 bytes, 64-byte aligned */
#define TDX_RTMR_REPORTDATA_SIZE	64
#define TDX_RTMR_REPORTDATA_ALIGN	64
/* TDG.MR.REPORT: TDREPORT_STRUCT 1024 bytes, 1024-byte aligned */
#define TDX_RTMR_REPORT_SIZE		1024
#define TDX_RTMR_REPORT_ALIGN		1024
/* TDREPORT_STRUCT.TDINFO: MRTD 528, ..., RTMR0 720, RTMR1 768, ... */
#define TDX_RTMR_REPORT_RTMR0_OFFSET	720

/*
 * TDCALL completion status: bits 63:32 of RAX are the status code, bits
 * 31:0 details such as the operand id. arch/x86/coco/tdx/tdx.c compares
 * the upper half the same way (TDCALL_RETURN_CODE()).
 */
#define TDX_RTMR_STATUS_CODE(rax)	((u32)((rax) >> 32))
#define TDX_RTMR_STATUS_OPERAND_INVALID	0xc0000100
#define TDX_RTMR_STATUS_OPERAND_BUSY	0x80000200

/* CPUID leaf 0x21 subleaf 0: "IntelTDX    " in EBX, EDX, ECX */
#define TDX_RTMR_CPUID_LEAF		0x21

struct tdx_rtmr_cpuid {
	u32 eax, ebx, ecx, edx;
};

/**
 * struct tdx_rtmr_hw - the hardware layer
 * @guest_flag: the kernel's X86_FEATURE_TDX_GUEST: 1 set, 0 clear, or
 *	-EOPNOTSUPP when the kernel lacks TDX guest support and never sets it
 * @cpuid: execute CPUID @leaf / @subleaf into @regs
 * @extend: TDG.MR.RTMR.EXTEND of RTMR @index with the 48 bytes at @data
 *	(64-byte aligned); 0 or a negative errno
 * @report: TDG.MR.REPORT subtype 0 with @reportdata (64 bytes, 64-byte
 *	aligned) into @tdreport (1024 bytes, 1024-byte aligned); 0 or a
 *	negative errno
 *
 * @extend and @report are called only after detection succeeded: on other
 * CPUs TDCALL raises #UD.
 */
struct tdx_rtmr_hw {
	int (*guest_flag)(void);
	void (*cpuid)(u32 leaf, u32 subleaf, struct tdx_rtmr_cpuid *regs);
	int (*extend)(u8 index, u8 *data);
	int (*report)(u8 *reportdata, u8 *tdreport);
};

/* tdx-tdcall.c */
extern const struct tdx_rtmr_hw tdx_rtmr_tdcall_hw;

/* tdx.c */
int tdx_rtmr_status_errno(u64 status);
int tdx_rtmr_report0_errno(int rc, bool errnos_per_status);

#endif /* _TSM_RTMR_TDX_H */
