// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the TPM provider (tpm.c, and tpm-provider.c linked in
 * as the library module it calls, both compiled unchanged) against a fake
 * of the 6.1 TPM API: chip selection, the device reference on every path,
 * banks, and the extend/read layouts.
 */
/* first, so that its pr_fmt is the one in force, as in the kernel */
#include "tpm.c"

#include "fakes.h"
#include "ut.h"

static const u16 sha256_384[] = { TPM_ALG_SHA256, TPM_ALG_SHA384 };
static struct tpm_chip chip;
static struct device parent = { .name = "MSFT0101:00" };

static void tpm2_chip(void)
{
	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2,
		       sha256_384, 2);
	fake_default_chip = &chip;
}

static int probe(const char *list)
{
	memset(&tsm_rtmr_tpm, 0, sizeof(tsm_rtmr_tpm));
	return tsm_rtmr_tpm_probe(&tsm_rtmr_tpm, &tpm_personality, list);
}

static void t_no_chip(void)
{
	UT_EXPECT_EQ(tsm_rtmr_tpm_init(), -ENODEV);
	UT_EXPECT_STR(fake_log, "tsm_rtmr_tpm: no TPM chip\n");
	UT_EXPECT_EQ(fake_register_calls, 0);
}

static void t_tpm12(void)
{
	fake_chip_init(&chip, "tpm0", &parent, 0, sha256_384, 1);
	fake_default_chip = &chip;
	UT_EXPECT_EQ(tsm_rtmr_tpm_init(), -ENODEV);
	UT_EXPECT_STR(fake_log, "tsm_rtmr_tpm: tpm0 is not a TPM 2.0\n");
	UT_EXPECT_EQ(chip.dev.refs, 1);		/* reference put back */
	UT_EXPECT_EQ(fake_register_calls, 0);
}

static void t_too_many_banks(void)
{
	static const u16 six[] = { 4, 0xb, 0xc, 0xd, 0x12, 0xb };

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2, six, 6);
	fake_default_chip = &chip;
	UT_EXPECT_EQ(probe("8"), -ENODEV);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_tpm: tpm0 has 6 PCR banks, supported: 1 to 5\n");
	UT_EXPECT_EQ(chip.dev.refs, 1);

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2, six, 0);
	UT_EXPECT_EQ(probe("8"), -ENODEV);
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

static void t_unknown_alg(void)
{
	static const u16 algs[] = { TPM_ALG_SHA256, 0x0027 /* sha3_256 */ };

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2, algs, 2);
	fake_default_chip = &chip;
	UT_EXPECT_EQ(probe("8"), -ENODEV);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_tpm: tpm0: PCR bank 1 has algorithm 0x0027 (32 bytes), unknown to tsm-rtmr\n");
	UT_EXPECT_EQ(chip.dev.refs, 1);

	/* a known id with a size the core disagrees with is refused too */
	tpm2_chip();
	chip.allocated_banks[0].digest_size = 20;
	UT_EXPECT_EQ(probe("8"), -ENODEV);
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

static void t_register_fails(void)
{
	tpm2_chip();
	fake_register_rc = -EEXIST;
	UT_EXPECT_EQ(probe("8"), -EEXIST);
	UT_EXPECT_EQ(chip.dev.refs, 1);
	UT_EXPECT(tsm_rtmr_tpm.chip == NULL);
}

static void t_bad_allowed(void)
{
	tpm2_chip();
	UT_EXPECT_EQ(probe("8-24"), -ERANGE);
	UT_EXPECT_EQ(chip.dev.refs, 1);
	UT_EXPECT_EQ(fake_register_calls, 0);
	UT_EXPECT_EQ(probe("8,x"), -EINVAL);
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

static void t_provider_fields(void)
{
	struct tsm_rtmr_provider *p = &tsm_rtmr_tpm.provider;

	tpm2_chip();
	UT_EXPECT_EQ(tsm_rtmr_tpm_init(), 0);
	UT_EXPECT(fake_registered == p);
	UT_EXPECT_EQ(chip.dev.refs, 2);		/* held while bound */
	UT_EXPECT_STR(p->name, "tpm");
	/* the core pins the personality module, not tsm_rtmr_tpm_provider */
	UT_EXPECT(p->owner == THIS_MODULE);
	UT_EXPECT_EQ(p->nr_registers, 24);
	UT_EXPECT_EQ(p->nr_algs, 2);
	UT_EXPECT_EQ(p->algs[0], TPM_ALG_SHA256);
	UT_EXPECT_EQ(p->algs[1], TPM_ALG_SHA384);
	UT_EXPECT_EQ(p->log_index_offset, 0);
	UT_EXPECT_EQ(p->volatile_registers, false);
	UT_EXPECT_STR(fake_extendable_list, "8-9,11-15");
	/* 8, 9, 11-15: not 0-7, 10, nor the resettable 16-23 */
	UT_EXPECT_EQ(p->extendable[0], 0xfb00UL);
	/* an import replays PCRs 17-22 from all-ones, the rest from zero */
	UT_EXPECT_EQ(p->ones_at_reset[0], 0x7e0000UL);
	UT_EXPECT_STR(fake_log,
		      "tsm_rtmr_tpm: provider tpm bound to tpm0, 2 PCR banks\n");
	UT_EXPECT_EQ(fake_warns, 0);
	tsm_rtmr_tpm_exit();
	UT_EXPECT_EQ(fake_unregister_calls, 1);
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

/*
 * PCR 16 and 23 are reset by TPM2_PCR_Reset from locality 0: extendable
 * only when "allowed" names them, with one warning naming them at load.
 */
static void t_resettable_warning(void)
{
	static const struct {
		const char *list, *pcrs;
	} cases[] = {
		{ "8-9,11-16,23", "PCR 16 and 23 extendable: anyone with access to the TPM can reset them" },
		{ "16", "PCR 16 extendable: anyone with access to the TPM can reset it" },
		{ "0-23", "PCR 16 and 23 extendable: anyone with access to the TPM can reset them" },
		{ "23", "PCR 23 extendable: anyone with access to the TPM can reset it" },
	};
	char want[256];
	unsigned int i;

	tpm2_chip();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_warns = 0;
		UT_EXPECT_EQ(probe(cases[i].list), 0);
		UT_EXPECT_EQ(fake_warns, 1);
		snprintf(want, sizeof(want),
			 "tsm_rtmr_tpm: allowed= makes %s (TPM2_PCR_Reset, locality 0)\n",
			 cases[i].pcrs);
		UT_EXPECT_STR(fake_log, want);
		tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
	}
	/* 17-22 reset only from localities 3 and 4: no warning */
	fake_warns = 0;
	UT_EXPECT_EQ(probe("8-15,17-22"), 0);
	UT_EXPECT_EQ(fake_warns, 0);
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
	/* a refused list warns about nothing */
	UT_EXPECT_EQ(probe("16,24"), -ERANGE);
	UT_EXPECT_EQ(fake_warns, 0);
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

static void t_bank_order(void)
{
	static const u16 rev[] = { TPM_ALG_SHA384, TPM_ALG_SHA1,
				   TPM_ALG_SHA256 };

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2, rev, 3);
	fake_default_chip = &chip;
	UT_EXPECT_EQ(probe("16"), 0);
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.nr_algs, 3);
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.algs[0], TPM_ALG_SHA384);
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.algs[1], TPM_ALG_SHA1);
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.algs[2], TPM_ALG_SHA256);
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
	UT_EXPECT_EQ(chip.dev.refs, 1);
}

static void t_extend_layout(void)
{
	static const u16 rev[] = { TPM_ALG_SHA384, TPM_ALG_SHA1,
				   TPM_ALG_SHA256 };
	u8 in[48 + 20 + 32];
	unsigned int i;

	fake_chip_init(&chip, "tpm0", &parent, TPM_CHIP_FLAG_TPM2, rev, 3);
	fake_default_chip = &chip;
	UT_EXPECT_EQ(probe("16"), 0);
	for (i = 0; i < sizeof(in); i++)
		in[i] = (u8)i;
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.ops->extend(&tsm_rtmr_tpm.provider, 16, in),
		     0);
	UT_EXPECT_EQ(fake_extend_pcr, 16);
	UT_EXPECT_EQ(fake_extend_digests[0].alg_id, TPM_ALG_SHA384);
	UT_EXPECT_EQ(fake_extend_digests[1].alg_id, TPM_ALG_SHA1);
	UT_EXPECT_EQ(fake_extend_digests[2].alg_id, TPM_ALG_SHA256);
	UT_EXPECT(!memcmp(fake_extend_digests[0].digest, in, 48));
	UT_EXPECT(!memcmp(fake_extend_digests[1].digest, in + 48, 20));
	UT_EXPECT(!memcmp(fake_extend_digests[2].digest, in + 68, 32));
	/* nothing past a bank's digest size */
	UT_EXPECT_EQ(fake_extend_digests[1].digest[20], 0);
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

static void t_extend_errors(void)
{
	u8 in[32 + 48] = { 0 };
	struct tsm_rtmr_provider *p;

	tpm2_chip();
	UT_EXPECT_EQ(probe("16"), 0);
	p = &tsm_rtmr_tpm.provider;
	/* a TPM response code (here TPM_RC_LOCALITY) is not an errno */
	fake_extend_rc = 0x907;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), -EIO);
	fake_extend_rc = -ETIME;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), -ETIME);
	/*
	 * EBUSY from the command itself, once the chip started, may come
	 * after the TPM got it: EIO, so that the core reads the PCR back
	 * (EBUSY tells it that nothing was sent).
	 */
	fake_extend_rc = -EBUSY;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), -EIO);
	fake_extend_rc = 0;
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

/*
 * The chip does not start (a locality request or command-ready timeout):
 * tpm_pcr_extend() says -ENODEV, but the chip is there and the next
 * extend may work. Nothing was sent: EBUSY, not ENODEV ("gone").
 */
static void t_extend_start_fails(void)
{
	u8 in[32 + 48] = { 0 }, out[32 + 48];
	struct tsm_rtmr_provider *p;

	tpm2_chip();
	UT_EXPECT_EQ(probe("16"), 0);
	p = &tsm_rtmr_tpm.provider;
	fake_start_rc = -ETIME;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), -EBUSY);
	UT_EXPECT_EQ(fake_extend_pcr, ~0U);		/* nothing extended */
	UT_EXPECT_EQ(p->ops->read(p, 16, out), -EBUSY);
	UT_EXPECT_EQ(chip.ops_sem.readers, 0);
	/* it starts again: so does the provider */
	fake_start_rc = 0;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), 0);
	UT_EXPECT_EQ(fake_extend_pcr, 16);
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

/* Unregistered (its driver unbound): ENODEV, nothing sent. */
static void t_extend_chip_removed(void)
{
	u8 in[32 + 48] = { 0 }, out[32 + 48];
	struct tsm_rtmr_provider *p;

	tpm2_chip();
	UT_EXPECT_EQ(probe("16"), 0);
	p = &tsm_rtmr_tpm.provider;
	fake_chip_remove(&chip);
	fake_start_rc = -ETIME;		/* whatever a start would say */
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), -ENODEV);
	UT_EXPECT_EQ(p->ops->read(p, 16, out), -ENODEV);
	UT_EXPECT_EQ(fake_chip_starts, 0);
	UT_EXPECT_EQ(fake_extend_pcr, ~0U);
	UT_EXPECT_EQ(chip.ops_sem.readers, 0);
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

/* Every start takes a locality and waits for command-ready: once. */
static void t_extend_one_start(void)
{
	u8 in[32 + 48] = { 0 };
	struct tsm_rtmr_provider *p;

	tpm2_chip();
	UT_EXPECT_EQ(probe("16"), 0);
	p = &tsm_rtmr_tpm.provider;
	fake_chip_starts = 0;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), 0);
	UT_EXPECT_EQ(fake_chip_starts, 1);
	UT_EXPECT_EQ(fake_extend_calls, 1);
	fake_extend_rc = 0x907;
	UT_EXPECT_EQ(p->ops->extend(p, 16, in), -EIO);
	UT_EXPECT_EQ(fake_chip_starts, 2);
	fake_extend_rc = 0;
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

static void t_read_layout(void)
{
	u8 out[32 + 48];
	unsigned int i;

	tpm2_chip();
	UT_EXPECT_EQ(probe("16"), 0);
	memset(out, 0, sizeof(out));
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.ops->read(&tsm_rtmr_tpm.provider, 23, out),
		     0);
	UT_EXPECT_EQ(fake_read_calls, 2);
	for (i = 0; i < 32; i++)
		UT_EXPECT_EQ(out[i], fake_pcr_byte(23, TPM_ALG_SHA256, i));
	for (i = 0; i < 48; i++)
		UT_EXPECT_EQ(out[32 + i],
			     fake_pcr_byte(23, TPM_ALG_SHA384, i));
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

static void t_read_errors(void)
{
	u8 out[32 + 48];

	tpm2_chip();
	UT_EXPECT_EQ(probe("16"), 0);
	fake_read_rc = 0x184;		/* TPM_RC_VALUE */
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.ops->read(&tsm_rtmr_tpm.provider, 16, out),
		     -EIO);
	fake_read_rc = -EPIPE;
	UT_EXPECT_EQ(tsm_rtmr_tpm.provider.ops->read(&tsm_rtmr_tpm.provider, 16, out),
		     -EPIPE);
	/* the first failing bank stops the read */
	UT_EXPECT_EQ(fake_read_calls, 2);
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}

static const struct ut_case tpm_cases[] = {
	{ "no TPM chip -> ENODEV", t_no_chip },
	{ "TPM 1.2 -> ENODEV, reference put", t_tpm12 },
	{ "0 or more than 5 banks -> ENODEV, reference put", t_too_many_banks },
	{ "unknown bank algorithm -> ENODEV, reference put", t_unknown_alg },
	{ "register failure unwinds, reference put", t_register_fails },
	{ "bad allowed list unwinds, reference put", t_bad_allowed },
	{ "provider: PCR 0-23, banks, offset 0, default extendable 8-9,11-15, 17-22 start as ones", t_provider_fields },
	{ "allowed PCR 16/23: one warning naming them; 17-22: none", t_resettable_warning },
	{ "algorithms follow the chip's bank order", t_bank_order },
	{ "extend: one tpm_digest per bank from the concatenation", t_extend_layout },
	{ "extend: TPM response code -> EIO, errno passed on, EBUSY after the start -> EIO", t_extend_errors },
	{ "extend/read: chip does not start -> EBUSY, nothing sent; then works", t_extend_start_fails },
	{ "extend/read: chip unregistered -> ENODEV, nothing sent, no start", t_extend_chip_removed },
	{ "extend: one chip start per extend", t_extend_one_start },
	{ "read: tpm_pcr_read per bank, concatenated", t_read_layout },
	{ "read: errors mapped and returned", t_read_errors },
};

UT_SUITE(tpm_suite, "tpm", tpm_cases);
