// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of tsm_rtmr_tdx's hardware-independent logic: tdx.c is
 * compiled here unchanged, with the hardware layer replaced by a fake.
 */
/* first, so that its pr_fmt is the one in force, as in the kernel */
#include "tdx.c"

#include "fakes.h"
#include "ut.h"

/* The fake hardware layer */
static int hw_flag;
static struct tdx_rtmr_cpuid hw_leaf0, hw_leaf21;
static int hw_cpuid_calls;
static u32 hw_cpuid_last_leaf;
static int hw_extend_rc, hw_extend_calls, hw_extend_busy;
static unsigned int hw_extend_index;
static u8 *hw_extend_data;
static u8 hw_extend_copy[TDX_RTMR_EXTEND_BUF_SIZE];
static int hw_report_rc, hw_report_calls;
static u8 *hw_reportdata, *hw_report;
static bool hw_reportdata_zero;

static int fake_guest_flag(void)
{
	return hw_flag;
}

static void fake_cpuid(u32 leaf, u32 subleaf, struct tdx_rtmr_cpuid *r)
{
	hw_cpuid_calls++;
	hw_cpuid_last_leaf = leaf;
	UT_EXPECT_EQ(subleaf, 0);
	if (leaf == 0)
		*r = hw_leaf0;
	else if (leaf == TDX_RTMR_CPUID_LEAF)
		*r = hw_leaf21;
	else
		memset(r, 0, sizeof(*r));
}

static int fake_extend(u8 index, u8 *data)
{
	hw_extend_calls++;
	hw_extend_index = index;
	hw_extend_data = data;
	memcpy(hw_extend_copy, data, sizeof(hw_extend_copy));
	if (hw_extend_busy) {
		hw_extend_busy--;
		return -EBUSY;
	}
	return hw_extend_rc;
}

/* byte i of RTMR n in the fake TDREPORT; everything else is 0xee */
static u8 rtmr_byte(unsigned int n, unsigned int i)
{
	return (u8)(n << 6 | i);
}

static int fake_report(u8 *reportdata, u8 *tdreport)
{
	unsigned int n, i;

	hw_report_calls++;
	hw_reportdata = reportdata;
	hw_report = tdreport;
	hw_reportdata_zero = true;
	for (i = 0; i < TDX_RTMR_REPORTDATA_SIZE; i++)
		if (reportdata[i])
			hw_reportdata_zero = false;
	if (hw_report_rc)
		return hw_report_rc;
	memset(tdreport, 0xee, TDX_RTMR_REPORT_SIZE);
	for (n = 0; n < TDX_RTMR_NR; n++)
		for (i = 0; i < TDX_RTMR_SIZE; i++)
			tdreport[TDX_RTMR_REPORT_RTMR0_OFFSET + n * TDX_RTMR_SIZE + i] =
				rtmr_byte(n, i);
	return 0;
}

const struct tdx_rtmr_hw tdx_rtmr_tdcall_hw = {
	.guest_flag = fake_guest_flag,
	.cpuid = fake_cpuid,
	.extend = fake_extend,
	.report = fake_report,
};

static void set_cpuid(u32 max_leaf, const char *sig)
{
	memset(&hw_leaf0, 0, sizeof(hw_leaf0));
	memset(&hw_leaf21, 0, sizeof(hw_leaf21));
	hw_leaf0.eax = max_leaf;
	memcpy(&hw_leaf21.ebx, sig, 4);
	memcpy(&hw_leaf21.edx, sig + 4, 4);
	memcpy(&hw_leaf21.ecx, sig + 8, 4);
}

static void hw_reset(void)
{
	hw_flag = 1;
	set_cpuid(0, "            ");
	hw_cpuid_calls = 0;
	hw_cpuid_last_leaf = ~0U;
	hw_extend_rc = 0;
	hw_extend_busy = 0;
	hw_extend_calls = 0;
	hw_extend_index = ~0U;
	hw_extend_data = NULL;
	memset(hw_extend_copy, 0x5a, sizeof(hw_extend_copy));
	hw_report_rc = 0;
	hw_report_calls = 0;
	hw_reportdata = NULL;
	hw_report = NULL;
}

static struct tdx_rtmr tr;

/* probe with the fake layer; returns the probe's result */
static int probe(const char *list)
{
	memset(&tr, 0, sizeof(tr));
	return tdx_rtmr_probe(&tr, &tdx_rtmr_tdcall_hw, list);
}

static void probe_ok(void)
{
	hw_reset();
	UT_EXPECT_EQ(probe("2-3"), 0);
	UT_EXPECT(fake_registered == &tr.provider);
}

static void t_status_mapping(void)
{
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0), 0);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0xc000010000000000ULL), -ENXIO);
	/* the operand id in the low half does not change the class */
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0xc000010000000002ULL), -ENXIO);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0x8000020000000000ULL), -EBUSY);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0x8000020000000001ULL), -EBUSY);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0xc000010100000000ULL), -EIO);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0x8000020100000000ULL), -EIO);
	/* the code lives in bits 63:32, never in the low half */
	UT_EXPECT_EQ(tdx_rtmr_status_errno(0x00000000c0000100ULL), -EIO);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(1), -EIO);
	UT_EXPECT_EQ(tdx_rtmr_status_errno(~0ULL), -EIO);
}

static void t_report0_errno(void)
{
	static const int errnos[] = { 0, -EINVAL, -EIO, -ENXIO, -EBUSY, -ENOMEM };
	unsigned int i;

	/* 6.2-6.15: -EINVAL operand invalid, -EIO everything else */
	UT_EXPECT_EQ(tdx_rtmr_report0_errno(0, false), 0);
	UT_EXPECT_EQ(tdx_rtmr_report0_errno(-EINVAL, false), -ENXIO);
	UT_EXPECT_EQ(tdx_rtmr_report0_errno(-EIO, false), -EBUSY);
	UT_EXPECT_EQ(tdx_rtmr_report0_errno(-ENOMEM, false), -ENOMEM);
	/* 6.16: already the provider's errnos */
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		UT_EXPECT_EQ(tdx_rtmr_report0_errno(errnos[i], true), errnos[i]);
}

static void t_detect_flag_clear(void)
{
	hw_reset();
	hw_flag = 0;
	set_cpuid(0x21, "IntelTDX    ");
	UT_EXPECT_EQ(probe("2-3"), -ENODEV);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_tdx: not a TDX guest: X86_FEATURE_TDX_GUEST not set\n");
	/* the kernel's flag is authoritative: CPUID not consulted */
	UT_EXPECT_EQ(hw_cpuid_calls, 0);
	UT_EXPECT_EQ(fake_register_calls, 0);
}

static void t_detect_flag_set(void)
{
	hw_reset();
	hw_flag = 1;
	UT_EXPECT_EQ(probe("2-3"), 0);
	UT_EXPECT_EQ(hw_cpuid_calls, 0);
	tdx_rtmr_remove(&tr);
}

static void t_detect_cpuid_low_max_leaf(void)
{
	hw_reset();
	hw_flag = -EOPNOTSUPP;
	/* leaf 0x21 holds a signature, but is beyond the max basic leaf */
	set_cpuid(0x20, "IntelTDX    ");
	UT_EXPECT_EQ(probe("2-3"), -ENODEV);
	UT_EXPECT_EQ(hw_cpuid_calls, 1);
	UT_EXPECT_EQ(hw_cpuid_last_leaf, 0);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_tdx: not a TDX guest: CPUID leaf 0x21 not supported\n");
}

static void t_detect_cpuid_bad_signature(void)
{
	static const char *const bad[] = {
		"IntelTDX   \t", "intelTDX    ", "            ", "AuthenticAMD",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hw_reset();
		hw_flag = -EOPNOTSUPP;
		set_cpuid(0x23, bad[i]);
		UT_EXPECT_EQ(probe("2-3"), -ENODEV);
		UT_EXPECT_EQ(hw_cpuid_last_leaf, TDX_RTMR_CPUID_LEAF);
		UT_EXPECT_STR(fake_log,
			      "tsm_rtmr_tdx: not a TDX guest: no \"IntelTDX\" signature in CPUID leaf 0x21\n");
		UT_EXPECT_EQ(fake_register_calls, 0);
	}
}

static void t_detect_cpuid_ok(void)
{
	hw_reset();
	hw_flag = -EOPNOTSUPP;
	set_cpuid(0x21, "IntelTDX    ");
	UT_EXPECT_EQ(probe("2-3"), 0);
	UT_EXPECT_EQ(hw_cpuid_calls, 2);
	tdx_rtmr_remove(&tr);
}

static void t_provider_fields(void)
{
	struct tsm_rtmr_provider *p = &tr.provider;

	probe_ok();
	UT_EXPECT_STR(p->name, "tdx");
	UT_EXPECT_EQ(p->nr_registers, 4);
	UT_EXPECT_EQ(p->nr_algs, 1);
	UT_EXPECT_EQ(p->algs[0], TPM_ALG_SHA384);
	UT_EXPECT_EQ(p->log_index_offset, 1);
	UT_EXPECT_EQ(p->volatile_registers, false);
	UT_EXPECT(p->ops == &tdx_rtmr_ops);
	UT_EXPECT_EQ(p->extendable[0], 0xc);		/* RTMR 2, 3 */
	UT_EXPECT_EQ(fake_pages_live, 1);
	tdx_rtmr_remove(&tr);
	UT_EXPECT_EQ(fake_unregister_calls, 1);
	UT_EXPECT(tr.bufs == NULL);
}

static void t_module_init_default_allowed(void)
{
	hw_reset();
	UT_EXPECT_EQ(tdx_rtmr_init(), 0);
	UT_EXPECT_STR(fake_extendable_list, "2-3");
	UT_EXPECT(fake_registered == &tdx_rtmr.provider);
	UT_EXPECT_EQ(tdx_rtmr.provider.extendable[0], 0xc);
	tdx_rtmr_exit();
	UT_EXPECT(fake_registered == NULL);
}

static void t_allowed_param(void)
{
	hw_reset();
	UT_EXPECT_EQ(probe("0-3"), 0);
	UT_EXPECT_EQ(tr.provider.extendable[0], 0xf);
	tdx_rtmr_remove(&tr);

	/* RTMR 4 does not exist: refused before anything is allocated */
	hw_reset();
	fake_register_calls = 0;
	UT_EXPECT_EQ(probe("3-4"), -ERANGE);
	UT_EXPECT_EQ(fake_register_calls, 0);
	/* the list reaches the core as given; the core names the problem */
	UT_EXPECT(!strcmp(fake_extendable_list, "3-4"));

	hw_reset();
	UT_EXPECT_EQ(probe("two"), -EINVAL);
}

static void t_probe_unwinds(void)
{
	hw_reset();
	fake_page_fail = true;
	UT_EXPECT_EQ(probe("2-3"), -ENOMEM);
	UT_EXPECT_EQ(fake_register_calls, 0);

	hw_reset();
	fake_register_rc = -EEXIST;
	UT_EXPECT_EQ(probe("2-3"), -EEXIST);
	UT_EXPECT(tr.bufs == NULL);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_tdx: cannot register provider tdx: -17\n");
	/* the runner checks that the page was freed */
}

static void t_extend_buffer(void)
{
	const struct tsm_rtmr_ops *ops;
	u8 digest[TDX_RTMR_SIZE];
	unsigned int i;

	probe_ok();
	ops = tr.provider.ops;
	for (i = 0; i < sizeof(digest); i++)
		digest[i] = (u8)(0xa0 + i);
	/* stale bytes in the buffer must not leak into the padding */
	memset(tr.bufs->extend, 0xff, TDX_RTMR_EXTEND_BUF_SIZE);

	UT_EXPECT_EQ(ops->extend(&tr.provider, 3, digest), 0);
	UT_EXPECT_EQ(hw_extend_calls, 1);
	UT_EXPECT(IS_ALIGNED((uintptr_t)hw_extend_data, TDX_RTMR_EXTEND_BUF_ALIGN));
	/* the buffer must not be the caller's (unaligned, const) memory */
	UT_EXPECT(hw_extend_data != digest);
	UT_EXPECT(!memcmp(hw_extend_copy, digest, TDX_RTMR_SIZE));
	for (i = TDX_RTMR_SIZE; i < TDX_RTMR_EXTEND_BUF_SIZE; i++)
		UT_EXPECT_EQ(hw_extend_copy[i], 0);
	tdx_rtmr_remove(&tr);
}

static void t_extend_index_mapping(void)
{
	u8 digest[TDX_RTMR_SIZE] = { 1 };
	unsigned int n;

	probe_ok();
	/* register n is RTMR n: the +1 is for log records only */
	for (n = 0; n < TDX_RTMR_NR; n++) {
		UT_EXPECT_EQ(tr.provider.ops->extend(&tr.provider, n, digest), 0);
		UT_EXPECT_EQ(hw_extend_index, n);
	}
	UT_EXPECT_EQ(hw_extend_calls, 4);

	UT_EXPECT_EQ(tr.provider.ops->extend(&tr.provider, 4, digest), -ERANGE);
	UT_EXPECT_EQ(tr.provider.ops->extend(&tr.provider, ~0U, digest),
		     -ERANGE);
	UT_EXPECT_EQ(hw_extend_calls, 4);
	tdx_rtmr_remove(&tr);
}

static void t_extend_errors(void)
{
	static const int rcs[] = { -ENXIO, -EBUSY, -EIO };
	u8 digest[TDX_RTMR_SIZE] = { 0 };
	size_t i;

	probe_ok();
	for (i = 0; i < sizeof(rcs) / sizeof(rcs[0]); i++) {
		hw_extend_rc = rcs[i];
		UT_EXPECT_EQ(tr.provider.ops->extend(&tr.provider, 2, digest),
			     rcs[i]);
	}
	/* a busy operand is retried: passing contention is not an error... */
	hw_extend_rc = 0;
	hw_extend_busy = 3;
	hw_extend_calls = 0;
	UT_EXPECT_EQ(tr.provider.ops->extend(&tr.provider, 2, digest), 0);
	UT_EXPECT_EQ(hw_extend_calls, 4);
	/* ...but only a bounded number of times */
	hw_extend_rc = -EBUSY;
	hw_extend_calls = 0;
	UT_EXPECT_EQ(tr.provider.ops->extend(&tr.provider, 2, digest), -EBUSY);
	UT_EXPECT_EQ(hw_extend_calls, 16);
	tdx_rtmr_remove(&tr);
}

static void t_read_report_offsets(void)
{
	u8 out[TDX_RTMR_SIZE];
	unsigned int n, i;

	probe_ok();
	for (n = 0; n < TDX_RTMR_NR; n++) {
		/* stale REPORTDATA must be cleared before each call */
		memset(tr.bufs->reportdata, 0x77, TDX_RTMR_REPORTDATA_SIZE);
		memset(out, 0, sizeof(out));
		UT_EXPECT_EQ(tr.provider.ops->read(&tr.provider, n, out), 0);
		UT_EXPECT(IS_ALIGNED((uintptr_t)hw_report, TDX_RTMR_REPORT_ALIGN));
		UT_EXPECT(IS_ALIGNED((uintptr_t)hw_reportdata,
				     TDX_RTMR_REPORTDATA_ALIGN));
		UT_EXPECT(hw_reportdata_zero);
		for (i = 0; i < TDX_RTMR_SIZE; i++)
			UT_EXPECT_EQ(out[i], rtmr_byte(n, i));
	}
	/* offsets as the TDX module spec: RTMR n at 720 + 48 n */
	UT_EXPECT_EQ(hw_report[720], rtmr_byte(0, 0));
	UT_EXPECT_EQ(hw_report[768 + 47], rtmr_byte(1, 47));
	UT_EXPECT_EQ(hw_report[816], rtmr_byte(2, 0));
	UT_EXPECT_EQ(hw_report[864 + 47], rtmr_byte(3, 47));
	UT_EXPECT_EQ(hw_report[719], 0xee);
	UT_EXPECT_EQ(hw_report[912], 0xee);
	tdx_rtmr_remove(&tr);
}

static void t_read_errors(void)
{
	static const int rcs[] = { -ENXIO, -EBUSY, -EIO, -EINVAL };
	u8 out[TDX_RTMR_SIZE];
	size_t i;

	probe_ok();
	for (i = 0; i < sizeof(rcs) / sizeof(rcs[0]); i++) {
		hw_report_rc = rcs[i];
		memset(out, 0x33, sizeof(out));
		UT_EXPECT_EQ(tr.provider.ops->read(&tr.provider, 1, out),
			     rcs[i]);
		UT_EXPECT_EQ(out[0], 0x33);	/* untouched on error */
	}
	UT_EXPECT_EQ(tr.provider.ops->read(&tr.provider, 4, out), -ERANGE);
	/* one call per error, but 16 tries of the busy one */
	UT_EXPECT_EQ(hw_report_calls, 3 + 16);
	tdx_rtmr_remove(&tr);
}

static void t_buffers_layout(void)
{
	uintptr_t page;

	probe_ok();
	page = (uintptr_t)tr.bufs;
	UT_EXPECT(IS_ALIGNED(page, PAGE_SIZE));
	/* all three in one page, none overlapping */
	UT_EXPECT((uintptr_t)tr.bufs->extend + TDX_RTMR_EXTEND_BUF_SIZE <=
		  page + PAGE_SIZE);
	UT_EXPECT((uintptr_t)tr.bufs->reportdata >=
		  (uintptr_t)tr.bufs->report + TDX_RTMR_REPORT_SIZE);
	UT_EXPECT((uintptr_t)tr.bufs->extend >=
		  (uintptr_t)tr.bufs->reportdata + TDX_RTMR_REPORTDATA_SIZE);
	tdx_rtmr_remove(&tr);
}

static const struct ut_case tdx_cases[] = {
	{ "TDCALL status -> errno, status class in bits 63:32", t_status_mapping },
	{ "tdx_mcall_get_report0() errno -> provider errno, < 6.16 and 6.16", t_report0_errno },
	{ "detect: X86_FEATURE_TDX_GUEST clear -> ENODEV", t_detect_flag_clear },
	{ "detect: X86_FEATURE_TDX_GUEST set, no CPUID", t_detect_flag_set },
	{ "detect: max basic leaf < 0x21 -> ENODEV", t_detect_cpuid_low_max_leaf },
	{ "detect: wrong CPUID 0x21 signature -> ENODEV", t_detect_cpuid_bad_signature },
	{ "detect: CPUID 0x21 \"IntelTDX    \"", t_detect_cpuid_ok },
	{ "provider: RTMR0-3, sha384, log offset 1, 2-3 extendable", t_provider_fields },
	{ "module init/exit with default allowed", t_module_init_default_allowed },
	{ "allowed parameter: range and syntax", t_allowed_param },
	{ "probe unwinds on page and register failure", t_probe_unwinds },
	{ "extend: 64-byte aligned buffer, 48 bytes + zero padding", t_extend_buffer },
	{ "extend: register n -> RTMR n, range checked", t_extend_index_mapping },
	{ "extend: layer errors returned as is", t_extend_errors },
	{ "read: aligned TDREPORT/REPORTDATA, RTMR n at 720+48n", t_read_report_offsets },
	{ "read: layer errors returned, output untouched", t_read_errors },
	{ "buffers: one page, aligned, disjoint", t_buffers_layout },
};

UT_SUITE(tdx_suite, "tdx", tdx_cases);
