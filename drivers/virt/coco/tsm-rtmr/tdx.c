// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr provider for Intel TDX runtime measurement registers RTMR0-3.
 *
 * This file is the hardware-independent part: detection, buffers, index
 * checks, TDREPORT parsing and TDCALL status mapping. It reaches the TDX
 * module only through struct tdx_rtmr_hw (tdx-tdcall.c), and it uses only
 * kernel interfaces a small shim can provide, so the host unit tests in
 * tools/testing/provider-unit/ build it unchanged.
 *
 * Register n is RTMR n; the core writes it as n + 1 into log records, the
 * CC measurement register index of the UEFI spec and of the ACPI CCEL, so
 * that records can follow the firmware's RTMR0-2 records.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/align.h>
#include <linux/build_bug.h>
#include <linux/container_of.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <linux/tsm-rtmr.h>

#include "tdx.h"

/* RTMR0 and RTMR1 are firmware's (CC MR 1 and 2: PCR 1-7 equivalents). */
#define TDX_RTMR_DEFAULT_ALLOWED	"2-3"

static char *allowed = TDX_RTMR_DEFAULT_ALLOWED;
module_param(allowed, charp, 0444);
MODULE_PARM_DESC(allowed,
		 "RTMRs userspace may extend (default \"" TDX_RTMR_DEFAULT_ALLOWED "\")");

/*
 * All TDCALL buffers in one zeroed page: the page alignment, and the
 * offsets checked below, give each buffer the alignment the TDX module
 * requires, and none crosses a page boundary.
 */
struct tdx_rtmr_bufs {
	u8 report[TDX_RTMR_REPORT_SIZE];
	u8 reportdata[TDX_RTMR_REPORTDATA_SIZE];
	u8 extend[TDX_RTMR_EXTEND_BUF_SIZE];
};

static_assert(sizeof(struct tdx_rtmr_bufs) <= PAGE_SIZE);
static_assert(offsetof(struct tdx_rtmr_bufs, report) % TDX_RTMR_REPORT_ALIGN == 0);
static_assert(offsetof(struct tdx_rtmr_bufs, reportdata) %
	      TDX_RTMR_REPORTDATA_ALIGN == 0);
static_assert(offsetof(struct tdx_rtmr_bufs, extend) %
	      TDX_RTMR_EXTEND_BUF_ALIGN == 0);
static_assert(TDX_RTMR_REPORT_RTMR0_OFFSET + TDX_RTMR_NR * TDX_RTMR_SIZE <=
	      TDX_RTMR_REPORT_SIZE);

/**
 * struct tdx_rtmr - the TDX provider instance
 * @provider: registered with the core
 * @hw: hardware layer
 * @bufs: TDCALL buffers; used under the core's provider lock only
 */
struct tdx_rtmr {
	struct tsm_rtmr_provider provider;
	const struct tdx_rtmr_hw *hw;
	struct tdx_rtmr_bufs *bufs;
};

/**
 * tdx_rtmr_status_errno() - map a TDCALL completion status to an errno
 * @status: RAX after TDCALL
 *
 * As the kernel maps them for TDG.MR.RTMR.EXTEND and TDG.MR.REPORT.
 *
 * Return: 0, -ENXIO (operand invalid), -EBUSY (operand busy) or -EIO.
 */
int tdx_rtmr_status_errno(u64 status)
{
	if (!status)
		return 0;

	switch (TDX_RTMR_STATUS_CODE(status)) {
	case TDX_RTMR_STATUS_OPERAND_INVALID:
		return -ENXIO;
	case TDX_RTMR_STATUS_OPERAND_BUSY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

/**
 * tdx_rtmr_report0_errno() - the provider's errno for tdx_mcall_get_report0()
 * @rc: what tdx_mcall_get_report0() returned
 * @errnos_per_status: the kernel is 6.16 or later
 *
 * From 6.16, tdx_mcall_get_report0() returns -ENXIO for TDX_OPERAND_INVALID,
 * -EBUSY for TDX_OPERAND_BUSY and -EIO for anything else, as
 * tdx_rtmr_status_errno() does. Before, it returned -EINVAL for the first
 * and -EIO for both others, so a report that lost a race with another
 * vCPU's RTMR extend read as a hard failure and the bounded retry of
 * -EBUSY never ran. TDG.MR.REPORT changes no state, so retrying any failure
 * is safe: there, -EIO is reported as -EBUSY (a failure that lasts ends as
 * -EBUSY after the retries, not as -EIO).
 *
 * Return: 0, -ENXIO, -EBUSY or -EIO; any other errno unchanged.
 */
int tdx_rtmr_report0_errno(int rc, bool errnos_per_status)
{
	if (errnos_per_status)
		return rc;
	if (rc == -EINVAL)
		return -ENXIO;
	if (rc == -EIO)
		return -EBUSY;
	return rc;
}

/* Copy RTMR @index out of a TDREPORT_STRUCT. */
static void tdx_rtmr_from_report(const u8 *report, unsigned int index,
				 u8 *out)
{
	memcpy(out, report + TDX_RTMR_REPORT_RTMR0_OFFSET + index * TDX_RTMR_SIZE,
	       TDX_RTMR_SIZE);
}

static struct tdx_rtmr *to_tdx_rtmr(struct tsm_rtmr_provider *p)
{
	return container_of(p, struct tdx_rtmr, provider);
}

/*
 * TDX_OPERAND_BUSY (-EBUSY): another vCPU's TDCALL holds the operand, and
 * this call did nothing. Retrying a few times keeps passing contention
 * from failing a commit; an -EBUSY that outlasts the retries reaches the
 * writer, and the core drops the entry without a read-back (it promises
 * that nothing was sent: struct tsm_rtmr_ops).
 */
#define TDX_RTMR_BUSY_TRIES	16

static int tdx_rtmr_hw_extend(struct tdx_rtmr *tr, u8 index, u8 *data)
{
	unsigned int tries = TDX_RTMR_BUSY_TRIES;
	int rc;

	do
		rc = tr->hw->extend(index, data);
	while (rc == -EBUSY && --tries);
	return rc;
}

static int tdx_rtmr_hw_report(struct tdx_rtmr *tr, u8 *reportdata,
			      u8 *tdreport)
{
	unsigned int tries = TDX_RTMR_BUSY_TRIES;
	int rc;

	do
		rc = tr->hw->report(reportdata, tdreport);
	while (rc == -EBUSY && --tries);
	return rc;
}

static int tdx_rtmr_extend(struct tsm_rtmr_provider *p, unsigned int index,
			   const u8 *digests)
{
	struct tdx_rtmr *tr = to_tdx_rtmr(p);
	u8 *buf = tr->bufs->extend;

	/* The core checked the index; a bad one must never reach TDCALL. */
	if (index >= TDX_RTMR_NR)
		return -ERANGE;

	memset(buf, 0, TDX_RTMR_EXTEND_BUF_SIZE);
	memcpy(buf, digests, TDX_RTMR_SIZE);
	return tdx_rtmr_hw_extend(tr, index, buf);
}

static int tdx_rtmr_read(struct tsm_rtmr_provider *p, unsigned int index,
			 u8 *digests)
{
	struct tdx_rtmr *tr = to_tdx_rtmr(p);
	struct tdx_rtmr_bufs *bufs = tr->bufs;
	int rc;

	if (index >= TDX_RTMR_NR)
		return -ERANGE;

	/* REPORTDATA is only bound into the report; it does not matter here */
	memset(bufs->reportdata, 0, TDX_RTMR_REPORTDATA_SIZE);
	rc = tdx_rtmr_hw_report(tr, bufs->reportdata, bufs->report);
	if (rc)
		return rc;

	tdx_rtmr_from_report(bufs->report, index, digests);
	return 0;
}

static const struct tsm_rtmr_ops tdx_rtmr_ops = {
	.extend = tdx_rtmr_extend,
	.read = tdx_rtmr_read,
};

/* "IntelTDX    " as CPUID leaf 0x21 returns it in EBX, EDX, ECX */
static bool tdx_rtmr_cpuid_signature(const struct tdx_rtmr_cpuid *r)
{
	static const char sig[12] = "IntelTDX    ";
	u32 part[3];

	memcpy(part, sig, sizeof(part));
	return r->ebx == part[0] && r->edx == part[1] && r->ecx == part[2];
}

/**
 * tdx_rtmr_detect() - is this a TDX guest?
 * @hw: hardware layer
 * @why: set to the failed condition when returning false
 *
 * The kernel's feature flag where it has TDX guest support, else CPUID:
 * leaf 0x21 is only meaningful when the maximum basic leaf reaches it
 * (beyond it, Intel CPUs return the highest leaf's data).
 */
static bool tdx_rtmr_detect(const struct tdx_rtmr_hw *hw, const char **why)
{
	struct tdx_rtmr_cpuid r = {};
	int flag;

	flag = hw->guest_flag();
	if (flag >= 0) {
		*why = "X86_FEATURE_TDX_GUEST not set";
		return flag > 0;
	}

	hw->cpuid(0, 0, &r);
	if (r.eax < TDX_RTMR_CPUID_LEAF) {
		*why = "CPUID leaf 0x21 not supported";
		return false;
	}

	hw->cpuid(TDX_RTMR_CPUID_LEAF, 0, &r);
	*why = "no \"IntelTDX\" signature in CPUID leaf 0x21";
	return tdx_rtmr_cpuid_signature(&r);
}

static int tdx_rtmr_setup(struct tdx_rtmr *tr, const struct tdx_rtmr_hw *hw,
			  const char *allowed)
{
	struct tsm_rtmr_provider *p = &tr->provider;
	int rc;

	memset(p, 0, sizeof(*p));
	p->name = "tdx";
	p->owner = THIS_MODULE;
	p->nr_registers = TDX_RTMR_NR;
	p->nr_algs = 1;
	p->algs[0] = TPM_ALG_SHA384;
	p->log_index_offset = 1;
	/* RTMRs outlive this module: the core pins it once it has entries */
	p->volatile_registers = false;
	p->ops = &tdx_rtmr_ops;

	rc = tsm_rtmr_parse_extendable(p, allowed);
	if (rc)
		return rc;

	tr->hw = hw;
	return 0;
}

/**
 * tdx_rtmr_probe() - detect TDX, set up and register the provider
 * @tr: instance to fill in and register
 * @hw: hardware layer
 * @allowed: extendable RTMR list, e.g. "2-3"
 *
 * Return: 0, or a negative errno with nothing left allocated.
 */
static int tdx_rtmr_probe(struct tdx_rtmr *tr, const struct tdx_rtmr_hw *hw,
			  const char *allowed)
{
	const char *why;
	int rc;

	if (!tdx_rtmr_detect(hw, &why)) {
		pr_info("not a TDX guest: %s\n", why);
		return -ENODEV;
	}

	rc = tdx_rtmr_setup(tr, hw, allowed);
	if (rc)
		return rc;

	tr->bufs = (struct tdx_rtmr_bufs *)get_zeroed_page(GFP_KERNEL);
	if (!tr->bufs)
		return -ENOMEM;

	rc = tsm_rtmr_register(&tr->provider);
	if (rc) {
		pr_err("cannot register provider tdx: %d\n", rc);
		goto free_bufs;
	}

	pr_info("provider tdx: RTMR0-3, sha384\n");
	return 0;

free_bufs:
	free_page((unsigned long)tr->bufs);
	tr->bufs = NULL;
	return rc;
}

static void tdx_rtmr_remove(struct tdx_rtmr *tr)
{
	tsm_rtmr_unregister(&tr->provider);
	free_page((unsigned long)tr->bufs);
	tr->bufs = NULL;
}

static struct tdx_rtmr tdx_rtmr;

static int __init tdx_rtmr_init(void)
{
	return tdx_rtmr_probe(&tdx_rtmr, &tdx_rtmr_tdcall_hw, allowed);
}
module_init(tdx_rtmr_init);

static void __exit tdx_rtmr_exit(void)
{
	tdx_rtmr_remove(&tdx_rtmr);
}
module_exit(tdx_rtmr_exit);

MODULE_DESCRIPTION("tsm-rtmr provider for Intel TDX RTMRs");
MODULE_LICENSE("GPL");
