// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM-backed tsm-rtmr provider: a library module, tsm_rtmr_tpm_provider,
 * for its two personalities, tsm_rtmr_tpm and tsm_rtmr_snp_vtpm (see
 * tpm-provider.h). They call tsm_rtmr_tpm_probe() and
 * tsm_rtmr_tpm_remove(); the symbol dependency keeps this module loaded
 * while either of them is.
 */
#include <linux/bitmap.h>
#include <linux/container_of.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rwsem.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <linux/tsm-rtmr.h>

#include "tpm-provider.h"

/* PCR 0-23: the PC Client platform PCRs, all TPM2_PLATFORM_PCR of them */
#define TSM_RTMR_TPM_NR_PCRS		24

/*
 * The provider's messages are the personality's: prefixed with the name of
 * the module that binds (tsm_rtmr_tpm: no TPM chip), not with this one's.
 */
#define tsm_rtmr_tpm_err(pers, fmt, ...) \
	pr_err("%s: " fmt, (pers)->modname, ##__VA_ARGS__)
#define tsm_rtmr_tpm_warn(pers, fmt, ...) \
	pr_warn("%s: " fmt, (pers)->modname, ##__VA_ARGS__)
#define tsm_rtmr_tpm_info(pers, fmt, ...) \
	pr_info("%s: " fmt, (pers)->modname, ##__VA_ARGS__)

/*
 * tpm_pcr_extend() and tpm_pcr_read() start the chip themselves
 * (tpm_find_get_ops(): a locality, then command-ready) and return -ENODEV,
 * having sent nothing, whenever that fails: the chip is unregistered, or
 * it did not start this time (a locality or command-ready timeout, a
 * suspended chip). Only unregistration clears chip->ops, under ops_sem
 * held for writing, and nothing sets it again (tpm_del_char_device(), 6.1
 * and 6.12): that is "gone", -ENODEV; the rest is -EBUSY. Both tell the
 * core that the PCR is unchanged (struct tsm_rtmr_ops).
 */
static int tsm_rtmr_tpm_no_ops_errno(struct tpm_chip *chip)
{
	bool gone;

	down_read(&chip->ops_sem);
	gone = !chip->ops;
	up_read(&chip->ops_sem);
	return gone ? -ENODEV : -EBUSY;
}

/*
 * The provider ops return a negative errno only: a positive TPM response
 * code (the TPM refused the command) is -EIO. Past the start the command
 * may have reached the TPM, so no other error may read as "nothing sent":
 * an -EBUSY from there is -EIO too, and the core reads the PCR back.
 */
static int tsm_rtmr_tpm_errno(struct tpm_chip *chip, int rc)
{
	if (rc == -ENODEV)
		return tsm_rtmr_tpm_no_ops_errno(chip);
	return rc > 0 || rc == -EBUSY ? -EIO : rc;
}

static struct tsm_rtmr_tpm *to_tpm_rtmr(struct tsm_rtmr_provider *p)
{
	return container_of(p, struct tsm_rtmr_tpm, provider);
}

static int tsm_rtmr_tpm_extend(struct tsm_rtmr_provider *p, unsigned int index,
			       const u8 *digests)
{
	struct tsm_rtmr_tpm *tr = to_tpm_rtmr(p);
	struct tpm_chip *chip = tr->chip;
	unsigned int i;

	/* Banks as checked at probe: nr_allocated_banks == p->nr_algs */
	for (i = 0; i < p->nr_algs; i++) {
		u16 size = chip->allocated_banks[i].digest_size;

		memset(&tr->digests[i], 0, sizeof(tr->digests[i]));
		tr->digests[i].alg_id = chip->allocated_banks[i].alg_id;
		memcpy(tr->digests[i].digest, digests, size);
		digests += size;
	}

	/*
	 * One chip start per extend: whether the chip is still there is
	 * asked only when tpm_pcr_extend() could not start it.
	 */
	return tsm_rtmr_tpm_errno(chip, tpm_pcr_extend(chip, index, tr->digests));
}

static int tsm_rtmr_tpm_read(struct tsm_rtmr_provider *p, unsigned int index,
			     u8 *digests)
{
	struct tsm_rtmr_tpm *tr = to_tpm_rtmr(p);
	struct tpm_chip *chip = tr->chip;
	struct tpm_digest *d = &tr->digests[0];
	unsigned int i;
	int rc;

	for (i = 0; i < p->nr_algs; i++) {
		u16 size = chip->allocated_banks[i].digest_size;

		memset(d, 0, sizeof(*d));
		d->alg_id = chip->allocated_banks[i].alg_id;
		rc = tpm_pcr_read(chip, index, d);
		if (rc)
			return tsm_rtmr_tpm_errno(chip, rc);
		memcpy(digests, d->digest, size);
		digests += size;
	}

	return 0;
}

static const struct tsm_rtmr_ops tsm_rtmr_tpm_ops = {
	.extend = tsm_rtmr_tpm_extend,
	.read = tsm_rtmr_tpm_read,
};

/* The provider's algorithms are the chip's allocated banks, in bank order. */
static int tsm_rtmr_tpm_set_algs(struct tsm_rtmr_provider *p,
				 const struct tsm_rtmr_tpm_personality *pers,
				 const struct tpm_chip *chip)
{
	const struct tsm_rtmr_alg_info *alg;
	unsigned int i;

	if (!chip->nr_allocated_banks ||
	    chip->nr_allocated_banks > TSM_RTMR_MAX_ALGS) {
		tsm_rtmr_tpm_err(pers, "%s has %u PCR banks, supported: 1 to %u\n",
				 dev_name(&chip->dev), chip->nr_allocated_banks,
				 TSM_RTMR_MAX_ALGS);
		return -ENODEV;
	}

	for (i = 0; i < chip->nr_allocated_banks; i++) {
		const struct tpm_bank_info *bank = &chip->allocated_banks[i];

		alg = tsm_rtmr_alg_by_id(bank->alg_id);
		if (!alg || tsm_rtmr_alg_size(alg) != bank->digest_size) {
			tsm_rtmr_tpm_err(pers,
					 "%s: PCR bank %u has algorithm 0x%04x (%u bytes), unknown to tsm-rtmr\n",
					 dev_name(&chip->dev), i, bank->alg_id,
					 bank->digest_size);
			return -ENODEV;
		}
		p->algs[i] = bank->alg_id;
	}
	p->nr_algs = chip->nr_allocated_banks;

	return 0;
}

static int tsm_rtmr_tpm_setup(struct tsm_rtmr_tpm *tr,
			      const struct tsm_rtmr_tpm_personality *pers,
			      struct tpm_chip *chip, const char *allowed)
{
	struct tsm_rtmr_provider *p = &tr->provider;
	int rc;

	if (!(chip->flags & TPM_CHIP_FLAG_TPM2)) {
		tsm_rtmr_tpm_err(pers, "%s is not a TPM 2.0\n",
				 dev_name(&chip->dev));
		return -ENODEV;
	}

	memset(p, 0, sizeof(*p));
	p->name = pers->name;
	p->owner = pers->owner;
	p->nr_registers = TSM_RTMR_TPM_NR_PCRS;
	p->log_index_offset = 0;
	/*
	 * PCRs 17-22 start as all-ones (TPM2_Startup) until a dynamic launch
	 * resets them; an import replays them from there.
	 */
	bitmap_set(p->ones_at_reset, 17, 6);
	/*
	 * PCRs outlive the module: once the log has entries the core pins
	 * p->owner, the personality's module (which holds this library),
	 * never this library alone.
	 */
	p->volatile_registers = false;
	p->ops = &tsm_rtmr_tpm_ops;

	rc = tsm_rtmr_tpm_set_algs(p, pers, chip);
	if (rc)
		return rc;

	rc = tsm_rtmr_parse_extendable(p, allowed);
	if (rc)
		return rc;

	tr->chip = chip;
	return 0;
}

/* PCR 16 and 23 are extendable only when "allowed" names them: say so. */
static void tsm_rtmr_tpm_warn_resettable(const struct tsm_rtmr_provider *p,
					 const struct tsm_rtmr_tpm_personality *pers)
{
	bool r16 = test_bit(16, p->extendable);
	bool r23 = test_bit(23, p->extendable);

	if (r16 || r23)
		tsm_rtmr_tpm_warn(pers,
				  "allowed= makes PCR %s extendable: anyone with access to the TPM can reset %s (TPM2_PCR_Reset, locality 0)\n",
				  r16 && r23 ? "16 and 23" : r16 ? "16" : "23",
				  r16 && r23 ? "them" : "it");
}

/**
 * tsm_rtmr_tpm_probe() - bind to the default TPM chip and register
 * @tr: instance to fill in and register
 * @pers: personality deciding on the chip
 * @allowed: extendable PCR list, e.g. "8-9,11-15"
 *
 * Return: 0 with a chip reference held until tsm_rtmr_tpm_remove(), or a
 * negative errno with no reference held.
 */
int tsm_rtmr_tpm_probe(struct tsm_rtmr_tpm *tr,
		       const struct tsm_rtmr_tpm_personality *pers,
		       const char *allowed)
{
	struct tpm_chip *chip;
	int rc;

	chip = tpm_default_chip();
	rc = pers->select_chip(chip);
	if (rc)
		goto put_chip;

	rc = tsm_rtmr_tpm_setup(tr, pers, chip, allowed);
	if (rc)
		goto put_chip;

	rc = tsm_rtmr_register(&tr->provider);
	if (rc) {
		tsm_rtmr_tpm_err(pers, "cannot register provider %s: %d\n",
				 pers->name, rc);
		goto clear_chip;
	}

	tsm_rtmr_tpm_info(pers, "provider %s bound to %s, %u PCR banks\n",
			  pers->name, dev_name(&chip->dev), tr->provider.nr_algs);
	tsm_rtmr_tpm_warn_resettable(&tr->provider, pers);
	return 0;

clear_chip:
	tr->chip = NULL;
put_chip:
	if (chip)
		put_device(&chip->dev);
	return rc;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_tpm_probe);

/**
 * tsm_rtmr_tpm_remove() - unregister and drop the chip reference
 * @tr: instance that tsm_rtmr_tpm_probe() registered
 */
void tsm_rtmr_tpm_remove(struct tsm_rtmr_tpm *tr)
{
	tsm_rtmr_unregister(&tr->provider);
	put_device(&tr->chip->dev);
	tr->chip = NULL;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_tpm_remove);

MODULE_DESCRIPTION("tsm-rtmr TPM-backed provider, for tsm_rtmr_tpm and tsm_rtmr_snp_vtpm");
MODULE_LICENSE("GPL");
