// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the SEV-SNP vTPM personality (snp-vtpm.c, compiled
 * unchanged): the chip-selection decision and the module's refusal paths.
 */
/* first, so that its pr_fmt is the one in force, as in the kernel */
#include "snp-vtpm.c"

#include "fakes.h"
#include "ut.h"

static const u16 sha256_384[] = { TPM_ALG_SHA256, TPM_ALG_SHA384 };
static struct tpm_chip chip;

static int select_msg(bool snp, const char *chip_name, const char *parent,
		      char *msg)
{
	strcpy(msg, "unset");
	return snp_vtpm_select(snp, chip_name, parent, msg, 128);
}

static void t_select_not_snp(void)
{
	char msg[128];

	UT_EXPECT_EQ(select_msg(false, "tpm0", "tpm-svsm", msg), -ENODEV);
	UT_EXPECT_STR(msg, "not an SEV-SNP guest");
	UT_EXPECT_EQ(select_msg(false, NULL, NULL, msg), -ENODEV);
	UT_EXPECT_STR(msg, "not an SEV-SNP guest");
}

static void t_select_no_chip(void)
{
	char msg[128];

	UT_EXPECT_EQ(select_msg(true, NULL, NULL, msg), -ENODEV);
	UT_EXPECT_STR(msg, "no SVSM vTPM: no TPM chip");
}

static void t_select_other_tpm(void)
{
	char msg[128];

	UT_EXPECT_EQ(select_msg(true, "tpm0", "MSFT0101:00", msg), -ENODEV);
	UT_EXPECT_STR(msg, "no SVSM vTPM: default TPM is tpm0 on MSFT0101:00");
	UT_EXPECT_EQ(select_msg(true, "tpm0", NULL, msg), -ENODEV);
	UT_EXPECT_STR(msg,
		      "no SVSM vTPM: default TPM is tpm0 on no parent device");
	/* the name must match exactly, not as a prefix */
	UT_EXPECT_EQ(select_msg(true, "tpm0", "tpm-svsm.0", msg), -ENODEV);
	UT_EXPECT_EQ(select_msg(true, "tpm0", "tpm-svs", msg), -ENODEV);
}

static void t_select_svsm(void)
{
	char msg[128];

	UT_EXPECT_EQ(select_msg(true, "tpm0", "tpm-svsm", msg), 0);
	UT_EXPECT_STR(msg, "");
}

static void t_init_not_snp(void)
{
	static struct device parent = { .name = "tpm-svsm" };

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2,
		       sha256_384, 2);
	fake_default_chip = &chip;
	fake_is_snp = false;
	UT_EXPECT_EQ(snp_vtpm_rtmr_init(), -ENODEV);
	UT_EXPECT_STR(fake_log, "tsm_rtmr_snp_vtpm: not an SEV-SNP guest\n");
	UT_EXPECT_EQ(chip.dev.refs, 1);
	UT_EXPECT_EQ(fake_register_calls, 0);
}

static void t_init_snp_tpm_tis(void)
{
	static struct device parent = { .name = "MSFT0101:00" };

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2,
		       sha256_384, 2);
	fake_default_chip = &chip;
	fake_is_snp = true;
	UT_EXPECT_EQ(snp_vtpm_rtmr_init(), -ENODEV);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_snp_vtpm: no SVSM vTPM: default TPM is tpm0 on MSFT0101:00\n");
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

static void t_init_snp_no_chip(void)
{
	fake_is_snp = true;
	UT_EXPECT_EQ(snp_vtpm_rtmr_init(), -ENODEV);
	UT_EXPECT_STR(fake_log, "tsm_rtmr_snp_vtpm: no SVSM vTPM: no TPM chip\n");
}

static void t_init_snp_svsm(void)
{
	static struct device parent = { .name = "tpm-svsm" };
	struct tsm_rtmr_provider *p = &snp_vtpm_rtmr.provider;

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2,
		       sha256_384, 2);
	fake_default_chip = &chip;
	fake_is_snp = true;
	UT_EXPECT_EQ(snp_vtpm_rtmr_init(), 0);
	UT_EXPECT(fake_registered == p);
	UT_EXPECT_STR(p->name, "snp-vtpm");
	UT_EXPECT(p->owner == THIS_MODULE);
	UT_EXPECT_EQ(p->nr_registers, 24);
	UT_EXPECT_EQ(p->nr_algs, 2);
	UT_EXPECT_EQ(p->extendable[0], 0xfb00UL);	/* 8-9,11-15 */
	UT_EXPECT_EQ(fake_warns, 0);
	/* the library's message, under this module's prefix */
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_snp_vtpm: provider snp-vtpm bound to tpm0, 2 PCR banks\n");
	UT_EXPECT_EQ(chip.dev.refs, 2);
	snp_vtpm_rtmr_exit();
	UT_EXPECT_EQ(chip.dev.refs, 1);
	UT_EXPECT(fake_registered == NULL);
}

static const struct ut_case snp_cases[] = {
	{ "select: not SEV-SNP -> ENODEV", t_select_not_snp },
	{ "select: SEV-SNP without a TPM -> ENODEV", t_select_no_chip },
	{ "select: SEV-SNP, default TPM not tpm-svsm -> ENODEV", t_select_other_tpm },
	{ "select: SEV-SNP, parent tpm-svsm -> bind", t_select_svsm },
	{ "init off SEV-SNP: message, reference put", t_init_not_snp },
	{ "init on SEV-SNP with a host TPM: message, reference put", t_init_snp_tpm_tis },
	{ "init on SEV-SNP without a TPM", t_init_snp_no_chip },
	{ "init on SEV-SNP with the SVSM vTPM: registers snp-vtpm", t_init_snp_svsm },
};

UT_SUITE(snp_suite, "snp-vtpm", snp_cases);
