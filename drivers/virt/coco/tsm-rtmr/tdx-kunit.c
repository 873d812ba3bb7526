// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the hardware-independent TDX provider logic (tdx.c),
 * with an injected TDCALL layer: buffer alignment, index mapping, TDREPORT
 * offsets, status mapping, detection. A module of its own
 * (tsm_rtmr_tdx_kunit.ko): tsm_rtmr_tdx refuses to load off TDX.
 *
 * tdx.c is compiled into this module with its module_init/module_exit
 * turned into unused references, so loading this module never probes the
 * real hardware; tdx-tdcall.c (the TDCALL layer) is not linked at all.
 */

/* the same as tdx.c's, which redefines it identically */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/init.h>
#include <linux/module.h>

#undef module_init
#undef module_exit
#define module_init(fn)							\
	static initcall_t tdx_kunit_unused_init __initdata __maybe_unused = fn
#define module_exit(fn)							\
	static exitcall_t tdx_kunit_unused_exit __exitdata __maybe_unused = fn

/*
 * tdx.c's global symbols get names of their own in this module, so that it
 * and tsm_rtmr_tdx can both be built into the kernel.
 */
#define tdx_rtmr_status_errno	tdx_kunit_status_errno
#define tdx_rtmr_report0_errno	tdx_kunit_report0_errno
#define tdx_rtmr_tdcall_hw	tdx_kunit_tdcall_hw

#include "tdx.c"

/* tdx.c's init names the real layer; nothing calls it here. */
const struct tdx_rtmr_hw tdx_rtmr_tdcall_hw;

struct fake_hw {
	int guest_flag;
	struct tdx_rtmr_cpuid leaf0, leaf21;
	int extend_rc, report_rc;
	unsigned int extends, reports;
	u8 index;
	u8 *data, *reportdata, *tdreport;
	u8 data_copy[TDX_RTMR_EXTEND_BUF_SIZE];
	u8 reportdata_copy[TDX_RTMR_REPORTDATA_SIZE];
};

static struct fake_hw *fake;

static int fake_guest_flag(void)
{
	return fake->guest_flag;
}

static void fake_cpuid(u32 leaf, u32 subleaf, struct tdx_rtmr_cpuid *regs)
{
	*regs = leaf == TDX_RTMR_CPUID_LEAF ? fake->leaf21 : fake->leaf0;
}

static int fake_extend(u8 index, u8 *data)
{
	fake->extends++;
	fake->index = index;
	fake->data = data;
	memcpy(fake->data_copy, data, sizeof(fake->data_copy));
	return fake->extend_rc;
}

static int fake_report(u8 *reportdata, u8 *tdreport)
{
	unsigned int i;

	fake->reports++;
	fake->reportdata = reportdata;
	fake->tdreport = tdreport;
	memcpy(fake->reportdata_copy, reportdata, TDX_RTMR_REPORTDATA_SIZE);
	if (fake->report_rc)
		return fake->report_rc;
	for (i = 0; i < TDX_RTMR_REPORT_SIZE; i++)
		tdreport[i] = (i * 13 + 5) & 0xff;
	return 0;
}

static const struct tdx_rtmr_hw fake_layer = {
	.guest_flag = fake_guest_flag,
	.cpuid = fake_cpuid,
	.extend = fake_extend,
	.report = fake_report,
};

struct tdx_fixture {
	struct fake_hw hw;
	struct tdx_rtmr tr;
	bool probed;
};

static int tdx_init(struct kunit *test)
{
	struct tdx_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->hw.guest_flag = 1;
	fake = &f->hw;
	test->priv = f;
	return 0;
}

static void tdx_exit(struct kunit *test)
{
	struct tdx_fixture *f = test->priv;

	if (f && f->probed)
		tdx_rtmr_remove(&f->tr);
	fake = NULL;
}

static void probe(struct kunit *test, struct tdx_fixture *f,
		  const char *allowed)
{
	KUNIT_ASSERT_EQ(test, tdx_rtmr_probe(&f->tr, &fake_layer, allowed), 0);
	f->probed = true;
}

static void tdx_status_mapping(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0), 0);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0xC000010000000000ULL),
			-ENXIO);
	/* the operand id in the low half does not matter */
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0xC000010000000003ULL),
			-ENXIO);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0x8000020000000000ULL),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0x8000020000000001ULL),
			-EBUSY);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0xC000010100000000ULL),
			-EIO);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0x8000000000000000ULL),
			-EIO);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(0x00000000C0000100ULL),
			-EIO);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(1), -EIO);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_status_errno(U64_MAX), -EIO);
}

/* tdx_mcall_get_report0()'s errnos, before 6.16 and from 6.16 */
static void tdx_report0_errno_mapping(struct kunit *test)
{
	static const int errnos[] = { 0, -EINVAL, -EIO, -ENXIO, -EBUSY, -ENOMEM };
	unsigned int i;

	KUNIT_EXPECT_EQ(test, tdx_rtmr_report0_errno(0, false), 0);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_report0_errno(-EINVAL, false), -ENXIO);
	/* operand busy and every other failure: retried as busy */
	KUNIT_EXPECT_EQ(test, tdx_rtmr_report0_errno(-EIO, false), -EBUSY);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_report0_errno(-ENOMEM, false), -ENOMEM);
	for (i = 0; i < ARRAY_SIZE(errnos); i++)
		KUNIT_EXPECT_EQ(test, tdx_rtmr_report0_errno(errnos[i], true),
				errnos[i]);
}

static void tdx_provider_shape(struct kunit *test)
{
	struct tdx_fixture *f = test->priv;
	struct tsm_rtmr_provider *p = &f->tr.provider;
	unsigned int i;

	probe(test, f, "2-3");
	KUNIT_EXPECT_STREQ(test, p->name, "tdx");
	KUNIT_EXPECT_EQ(test, p->nr_registers, 4);
	KUNIT_EXPECT_EQ(test, p->nr_algs, 1);
	KUNIT_EXPECT_EQ(test, p->algs[0], TPM_ALG_SHA384);
	/* RTMR n is CC measurement register n + 1 in the log */
	KUNIT_EXPECT_EQ(test, p->log_index_offset, 1);
	KUNIT_EXPECT_FALSE(test, p->volatile_registers);
	for (i = 0; i < TSM_RTMR_MAX_REGISTERS; i++)
		KUNIT_EXPECT_EQ_MSG(test, test_bit(i, p->extendable),
				    i == 2 || i == 3, "RTMR %u", i);
}

static void tdx_extend_marshalling(struct kunit *test)
{
	struct tdx_fixture *f = test->priv;
	struct tsm_rtmr_provider *p = &f->tr.provider;
	u8 digest[TDX_RTMR_SIZE];
	unsigned int i, idx;

	probe(test, f, "0-3");
	for (i = 0; i < sizeof(digest); i++)
		digest[i] = 0xc0 + i;
	for (idx = 0; idx < TDX_RTMR_NR; idx++) {
		/* stale bytes in the buffer must not reach the TDX module */
		memset(f->tr.bufs->extend, 0xee, TDX_RTMR_EXTEND_BUF_SIZE);
		KUNIT_ASSERT_EQ(test, p->ops->extend(p, idx, digest), 0);
		KUNIT_EXPECT_EQ(test, fake->index, idx);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)fake->data,
						   TDX_RTMR_EXTEND_BUF_ALIGN));
		/* within one page: the TDX module takes a physical address */
		KUNIT_EXPECT_EQ(test, (unsigned long)fake->data >> PAGE_SHIFT,
				((unsigned long)fake->data +
				 TDX_RTMR_EXTEND_BUF_SIZE - 1) >> PAGE_SHIFT);
		KUNIT_EXPECT_EQ(test, memcmp(fake->data_copy, digest,
					     TDX_RTMR_SIZE), 0);
		for (i = TDX_RTMR_SIZE; i < TDX_RTMR_EXTEND_BUF_SIZE; i++)
			KUNIT_EXPECT_EQ(test, fake->data_copy[i], 0);
	}
	KUNIT_EXPECT_EQ(test, fake->extends, TDX_RTMR_NR);
	/* an index past RTMR3 never reaches TDCALL */
	KUNIT_EXPECT_EQ(test, p->ops->extend(p, 4, digest), -ERANGE);
	KUNIT_EXPECT_EQ(test, p->ops->extend(p, 255, digest), -ERANGE);
	KUNIT_EXPECT_EQ(test, p->ops->extend(p, 256, digest), -ERANGE);
	KUNIT_EXPECT_EQ(test, fake->extends, TDX_RTMR_NR);
	/* the layer's error is the provider's error */
	fake->extend_rc = -EBUSY;
	fake->extends = 0;
	/* TDX_OPERAND_BUSY is retried, a bounded number of times */
	KUNIT_EXPECT_EQ(test, p->ops->extend(p, 2, digest), -EBUSY);
	KUNIT_EXPECT_EQ(test, fake->extends, 16);
	fake->extend_rc = -ENXIO;
	KUNIT_EXPECT_EQ(test, p->ops->extend(p, 2, digest), -ENXIO);
}

static void tdx_report_offsets(struct kunit *test)
{
	struct tdx_fixture *f = test->priv;
	struct tsm_rtmr_provider *p = &f->tr.provider;
	u8 out[TDX_RTMR_SIZE + 1];
	unsigned int i, idx;

	probe(test, f, "2-3");
	for (idx = 0; idx < TDX_RTMR_NR; idx++) {
		memset(f->tr.bufs->reportdata, 0xee, TDX_RTMR_REPORTDATA_SIZE);
		out[TDX_RTMR_SIZE] = 0x5a;
		KUNIT_ASSERT_EQ(test, p->ops->read(p, idx, out), 0);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)fake->tdreport,
						   TDX_RTMR_REPORT_ALIGN));
		KUNIT_EXPECT_TRUE(test,
				  IS_ALIGNED((unsigned long)fake->reportdata,
					     TDX_RTMR_REPORTDATA_ALIGN));
		for (i = 0; i < TDX_RTMR_REPORTDATA_SIZE; i++)
			KUNIT_EXPECT_EQ(test, fake->reportdata_copy[i], 0);
		/* RTMRn at 720 + 48n of TDREPORT_STRUCT */
		for (i = 0; i < TDX_RTMR_SIZE; i++)
			KUNIT_EXPECT_EQ_MSG(test, out[i],
					    ((720 + 48 * idx + i) * 13 + 5) & 0xff,
					    "RTMR%u byte %u", idx, i);
		KUNIT_EXPECT_EQ(test, out[TDX_RTMR_SIZE], 0x5a);
	}
	KUNIT_EXPECT_EQ(test, fake->reports, TDX_RTMR_NR);
	KUNIT_EXPECT_EQ(test, p->ops->read(p, 4, out), -ERANGE);
	KUNIT_EXPECT_EQ(test, fake->reports, TDX_RTMR_NR);
	fake->report_rc = -EBUSY;
	KUNIT_EXPECT_EQ(test, p->ops->read(p, 1, out), -EBUSY);
	fake->report_rc = -EIO;
	KUNIT_EXPECT_EQ(test, p->ops->read(p, 1, out), -EIO);
}

static void tdx_detection(struct kunit *test)
{
	struct tdx_fixture *f = test->priv;
	static const char sig[12] = "IntelTDX    ";
	u32 part[3];

	memcpy(part, sig, sizeof(part));
	/* the kernel's flag, where it has one, decides */
	fake->guest_flag = 0;
	KUNIT_EXPECT_EQ(test, tdx_rtmr_probe(&f->tr, &fake_layer, "2-3"),
			-ENODEV);
	fake->guest_flag = -EOPNOTSUPP;
	fake->leaf21.ebx = part[0];
	fake->leaf21.edx = part[1];
	fake->leaf21.ecx = part[2];
	/* else CPUID, only when leaf 0x21 exists */
	fake->leaf0.eax = 0x20;
	KUNIT_EXPECT_EQ(test, tdx_rtmr_probe(&f->tr, &fake_layer, "2-3"),
			-ENODEV);
	fake->leaf0.eax = 0x21;
	fake->leaf21.ecx ^= 1;
	KUNIT_EXPECT_EQ(test, tdx_rtmr_probe(&f->tr, &fake_layer, "2-3"),
			-ENODEV);
	fake->leaf21.ecx ^= 1;
	KUNIT_EXPECT_EQ(test, fake->extends + fake->reports, 0);
	probe(test, f, "2-3");
}

static void tdx_bad_allowed(struct kunit *test)
{
	struct tdx_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, tdx_rtmr_probe(&f->tr, &fake_layer, "0-4"),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, tdx_rtmr_probe(&f->tr, &fake_layer, "2-x"),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, f->tr.bufs);
	/* and nothing was left registered */
	probe(test, f, "");
}

static struct kunit_case tdx_cases[] = {
	KUNIT_CASE(tdx_status_mapping),
	KUNIT_CASE(tdx_report0_errno_mapping),
	KUNIT_CASE(tdx_provider_shape),
	KUNIT_CASE(tdx_extend_marshalling),
	KUNIT_CASE(tdx_report_offsets),
	KUNIT_CASE(tdx_detection),
	KUNIT_CASE(tdx_bad_allowed),
	{}
};

static struct kunit_suite tdx_suite = {
	.name = "tsm_rtmr_tdx",
	.init = tdx_init,
	.exit = tdx_exit,
	.test_cases = tdx_cases,
};

kunit_test_suites(&tdx_suite);
