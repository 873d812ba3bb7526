/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm_rtmr_tdx_emu: an emulated TDX module for tests (see
 * tools/testing/tdx-emu/README.md). Shared by its three files:
 * tdx-emu-provider.c (tdx.c over the emulated layer, module init),
 * tdx-emu.c (the emulated TDX module, CCEL, debugfs ccel and extend, the
 * module's init) and
 * tdx-emu-quote.c (debugfs quote and the configfs-tsm report provider).
 */
#ifndef _TSM_RTMR_TDX_EMU_H
#define _TSM_RTMR_TDX_EMU_H

#include <linux/types.h>

#include "tdx.h"

struct dentry;

/* TDREPORT_STRUCT offsets (Intel TDX Module ABI), beyond tdx.h's RTMR0 */
#define TDX_EMU_REPORT_TYPE		0	/* REPORTTYPE: type, subtype, version */
#define TDX_EMU_REPORT_CPUSVN		16
#define TDX_EMU_REPORT_TEE_TCB_INFO_HASH 32
#define TDX_EMU_REPORT_TEE_INFO_HASH	80
#define TDX_EMU_REPORT_REPORTDATA	128
#define TDX_EMU_REPORT_MAC		224
#define TDX_EMU_REPORT_TEE_TCB_INFO	256	/* 239 bytes */
#define TDX_EMU_TEE_TCB_INFO_SIZE	239
#define TDX_EMU_TCB_VALID		0	/* offsets in TEE_TCB_INFO */
#define TDX_EMU_TCB_TEE_TCB_SVN		8
#define TDX_EMU_TCB_MRSEAM		24
#define TDX_EMU_TCB_MRSIGNERSEAM	72
#define TDX_EMU_TCB_ATTRIBUTES		120
#define TDX_EMU_REPORT_TDINFO		512	/* 512 bytes */
#define TDX_EMU_TDINFO_SIZE		512
#define TDX_EMU_REPORT_TD_ATTRIBUTES	512
#define TDX_EMU_REPORT_XFAM		520
#define TDX_EMU_REPORT_MRTD		528
#define TDX_EMU_REPORT_MRCONFIGID	576
#define TDX_EMU_REPORT_MROWNER		624
#define TDX_EMU_REPORT_MROWNERCONFIG	672

/* TD quote version 4 with a TD 1.0 body (what the quoting service answers) */
#define TDX_EMU_QUOTE_HEADER_SIZE	48
#define TDX_EMU_QUOTE_BODY_SIZE		584
#define TDX_EMU_QUOTE_BODY_MRTD		136	/* in the body */
#define TDX_EMU_QUOTE_BODY_REPORTDATA	520
#define TDX_EMU_QUOTE_MIN_SIZE		(TDX_EMU_QUOTE_HEADER_SIZE + \
					 TDX_EMU_QUOTE_BODY_SIZE + 4)
#define TDX_EMU_QUOTE_VERSION		4
#define TDX_EMU_QUOTE_TEE_TDX		0x81

/* tdx-emu-provider.c: tdx.c over the emulated layer */
extern const struct tdx_rtmr_hw tdx_emu_hw;
bool tdx_emu_on_real_tdx(void);
int tdx_emu_provider_probe(void);
void tdx_emu_provider_remove(void);

/* tdx-emu.c: the emulated TDX module; each returns a TDCALL status */
u64 tdx_emu_tdcall_extend(u8 *data, u64 index);
u64 tdx_emu_tdcall_report(u8 *tdreport, u8 *reportdata, u64 subtype);
void tdx_emu_cpuid(u32 leaf, u32 subleaf, struct tdx_rtmr_cpuid *regs);

/* tdx-emu-quote.c: 0 also where configfs-tsm is not built */
int tdx_emu_quote_init(struct dentry *dir);
void tdx_emu_quote_exit(void);

#endif /* _TSM_RTMR_TDX_EMU_H */
