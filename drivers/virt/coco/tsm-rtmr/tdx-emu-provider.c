// SPDX-License-Identifier: GPL-2.0
/*
 * tsm_rtmr_tdx_emu: the tdx provider's own code (tdx.c) over an emulated
 * TDX module, for tests in VMs without TDX. See
 * tools/testing/tdx-emu/README.md for what it is and is not.
 *
 * tdx.c is compiled into this module by #include, not linked: one object
 * in two modules is what kbuild warns about ("is added to multiple
 * modules"), and tdx.c must stay byte for byte the provider tsm_rtmr_tdx
 * runs. Only its module_init/module_exit are set aside (the module's init,
 * in tdx-emu.c, probes through tdx_emu_provider_probe() once the emulated
 * TDX module is up), its description is replaced, and its global
 * symbols get names of their own so that this module and tsm_rtmr_tdx can
 * both be built into one kernel. The provider registers as "tdx": the ABI
 * tests see is the real one.
 *
 * Test code: MODULE_INFO(test) taints the kernel (TAINT_TEST) when it
 * loads, and it refuses to load on a real TDX guest.
 */

/* the same as tdx.c's, which redefines it identically */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/module.h>
#include <asm/cpufeature.h>
#include <asm/processor.h>

#undef module_init
#undef module_exit
#undef MODULE_DESCRIPTION
#define module_init(fn)							\
	static initcall_t tdx_emu_unused_init __initdata __maybe_unused = fn
#define module_exit(fn)							\
	static exitcall_t tdx_emu_unused_exit __exitdata __maybe_unused = fn
#define MODULE_DESCRIPTION(d)	static_assert(sizeof(d))

#define tdx_rtmr_status_errno	tdx_emu_status_errno
#define tdx_rtmr_report0_errno	tdx_emu_report0_errno
/* tdx.c's init names the TDCALL layer: here the emulated one */
#define tdx_rtmr_tdcall_hw	tdx_emu_hw

#include "tdx.c"

#include "tdx-emu.h"

/* ------------------------------------------------------------------ */
/* The emulated layer: what tdx-tdcall.c does, with TDCALL emulated    */

/* An emulated TD on a kernel that knows TDX: the flag is set */
static int tdx_emu_hw_guest_flag(void)
{
	return 1;
}

static int tdx_emu_hw_extend(u8 index, u8 *data)
{
	return tdx_rtmr_status_errno(tdx_emu_tdcall_extend(data, index));
}

static int tdx_emu_hw_report(u8 *reportdata, u8 *tdreport)
{
	return tdx_rtmr_status_errno(tdx_emu_tdcall_report(tdreport, reportdata,
							   0));
}

const struct tdx_rtmr_hw tdx_emu_hw = {
	.guest_flag = tdx_emu_hw_guest_flag,
	.cpuid = tdx_emu_cpuid,
	.extend = tdx_emu_hw_extend,
	.report = tdx_emu_hw_report,
};

/* ------------------------------------------------------------------ */

/*
 * A real TD: the kernel's flag where it has TDX guest support (6.12's
 * Debian config; 6.1's has none), else the CPUID signature, which a TD
 * shows whatever its kernel knows.
 */
bool tdx_emu_on_real_tdx(void)
{
	struct tdx_rtmr_cpuid r = {};

#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && defined(X86_FEATURE_TDX_GUEST)
	if (cpu_feature_enabled(X86_FEATURE_TDX_GUEST))
		return true;
#endif
	cpuid_count(0, 0, &r.eax, &r.ebx, &r.ecx, &r.edx);
	if (r.eax < TDX_RTMR_CPUID_LEAF)
		return false;
	cpuid_count(TDX_RTMR_CPUID_LEAF, 0, &r.eax, &r.ebx, &r.ecx, &r.edx);
	return tdx_rtmr_cpuid_signature(&r);
}

/* tdx.c's probe over the emulated layer: the provider "tdx" */
int tdx_emu_provider_probe(void)
{
	return tdx_rtmr_probe(&tdx_rtmr, &tdx_emu_hw, allowed);
}

void tdx_emu_provider_remove(void)
{
	tdx_rtmr_remove(&tdx_rtmr);
}
