// SPDX-License-Identifier: GPL-2.0
/*
 * Fake TPM API with the 6.1 and 6.12 behaviour the provider relies on:
 * tpm_default_chip() takes a device reference; tpm_is_tpm2(),
 * tpm_pcr_extend() and tpm_pcr_read() each start the chip once
 * (tpm_find_get_ops()) and return -ENODEV, having sent nothing, when the
 * chip is unregistered (ops NULL) or does not start (a locality or
 * command-ready timeout); tpm_pcr_extend() wants one digest per allocated
 * bank in bank order (else -EINVAL); tpm_pcr_read() reads the bank named
 * by digest->alg_id (else -EINVAL); both may return a positive TPM
 * response code.
 */
#include <linux/cc_platform.h>

#include "fakes.h"

struct tpm_chip *fake_default_chip;
bool fake_is_snp;
int fake_extend_rc, fake_read_rc;
int fake_extend_calls, fake_read_calls;
int fake_start_rc;
int fake_chip_starts;
u32 fake_extend_pcr;
struct tpm_digest fake_extend_digests[TPM2_MAX_PCR_BANKS];

struct tpm_chip *tpm_default_chip(void)
{
	if (fake_default_chip)
		fake_default_chip->dev.refs++;
	return fake_default_chip;
}

void put_device(struct device *dev)
{
	dev->refs--;
}

bool cc_platform_has(enum cc_attr attr)
{
	return attr == CC_ATTR_GUEST_SEV_SNP && fake_is_snp;
}

static const struct tpm_class_ops fake_class_ops;

/* tpm_find_get_ops() for a chip: false when the caller gets -ENODEV */
static bool fake_get_ops(struct tpm_chip *chip)
{
	bool ok;

	down_read(&chip->ops_sem);
	ok = chip->ops;			/* tpm_try_get_ops(): else -EIO */
	if (ok) {
		fake_chip_starts++;	/* tpm_chip_start() */
		ok = !fake_start_rc;
	}
	up_read(&chip->ops_sem);
	return ok;
}

void fake_chip_remove(struct tpm_chip *chip)
{
	chip->ops = NULL;
}

int tpm_is_tpm2(struct tpm_chip *chip)
{
	if (!fake_get_ops(chip))
		return -ENODEV;
	return !!(chip->flags & TPM_CHIP_FLAG_TPM2);
}

int tpm_pcr_extend(struct tpm_chip *chip, u32 pcr_idx,
		   struct tpm_digest *digests)
{
	u32 i;

	fake_extend_calls++;
	if (!fake_get_ops(chip))
		return -ENODEV;
	for (i = 0; i < chip->nr_allocated_banks; i++)
		if (digests[i].alg_id != chip->allocated_banks[i].alg_id)
			return -EINVAL;
	if (fake_extend_rc)
		return fake_extend_rc;
	fake_extend_pcr = pcr_idx;
	memcpy(fake_extend_digests, digests,
	       chip->nr_allocated_banks * sizeof(*digests));
	return 0;
}

int tpm_pcr_read(struct tpm_chip *chip, u32 pcr_idx,
		 struct tpm_digest *digest)
{
	u32 i, b;

	fake_read_calls++;
	if (!fake_get_ops(chip))
		return -ENODEV;
	for (b = 0; b < chip->nr_allocated_banks; b++)
		if (chip->allocated_banks[b].alg_id == digest->alg_id)
			break;
	if (b == chip->nr_allocated_banks || pcr_idx >= 24)
		return -EINVAL;
	if (fake_read_rc)
		return fake_read_rc;
	for (i = 0; i < chip->allocated_banks[b].digest_size; i++)
		digest->digest[i] = fake_pcr_byte(pcr_idx, digest->alg_id, i);
	return 0;
}

void fake_chip_init(struct tpm_chip *chip, const char *name,
		    struct device *parent, unsigned int flags,
		    const u16 *algs, unsigned int nr_algs)
{
	const struct tsm_rtmr_alg_info *info;
	unsigned int i;

	memset(chip, 0, sizeof(*chip));
	chip->dev.name = name;
	chip->dev.parent = parent;
	chip->dev.refs = 1;		/* the TPM driver's own */
	chip->ops = &fake_class_ops;
	chip->flags = flags;
	chip->nr_allocated_banks = nr_algs;
	for (i = 0; i < nr_algs; i++) {
		info = tsm_rtmr_alg_by_id(algs[i]);
		chip->allocated_banks[i].alg_id = algs[i];
		/* as tpm2_init_bank_info(): hash_info's size and id if known */
		chip->allocated_banks[i].digest_size =
			info ? tsm_rtmr_alg_size(info) : 32;
		chip->allocated_banks[i].crypto_id =
			info ? info->hash_algo : HASH_ALGO__LAST;
	}
}

void fakes_reset(void)
{
	fake_log[0] = '\0';
	fake_warns = 0;
	fake_pages_live = 0;
	fake_page_fail = false;
	fake_registered = NULL;
	fake_register_rc = 0;
	fake_register_calls = 0;
	fake_unregister_calls = 0;
	fake_extendable_list[0] = '\0';
	fake_default_chip = NULL;
	fake_is_snp = false;
	fake_extend_rc = 0;
	fake_read_rc = 0;
	fake_extend_calls = 0;
	fake_read_calls = 0;
	fake_start_rc = 0;
	fake_chip_starts = 0;
	fake_extend_pcr = ~0U;
	memset(fake_extend_digests, 0, sizeof(fake_extend_digests));
}
