/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TPM-backed tsm-rtmr provider, shared by tsm_rtmr_tpm and
 * tsm_rtmr_snp_vtpm.
 *
 * The two modules are the same provider with two personalities: they differ
 * only in their name and in which TPM chip they accept. The provider itself
 * is the library module tsm_rtmr_tpm_provider (tpm-provider.c), as
 * tpm_tis_core is for tpm_tis and tpm_tis_spi.
 */
#ifndef _TSM_RTMR_TPM_PROVIDER_H
#define _TSM_RTMR_TPM_PROVIDER_H

#include <linux/module.h>
#include <linux/tpm.h>
#include <linux/tsm-rtmr.h>

/*
 * Not firmware's 0-7, not IMA's 10, not the locality-reset 17-22: those
 * have writers outside tsm-rtmr, whose extends would not be in our log.
 * Not 16 and 23 either: TPM2_PCR_Reset clears them from locality 0, so
 * anyone who can send TPM commands can undo what the log says.
 */
#define TSM_RTMR_TPM_DEFAULT_ALLOWED	"8-9,11-15"

/**
 * struct tsm_rtmr_tpm_personality - what sets one TPM-backed provider apart
 * @name: provider name, the securityfs directory
 * @modname: the personality module's KBUILD_MODNAME, the prefix of the
 *	provider's kernel messages
 * @owner: the personality module, THIS_MODULE: the core pins it, not the
 *	library, once the log has entries
 * @select_chip: decide whether to bind to @chip, the default TPM chip or
 *	NULL when there is none. Return 0 to bind, or a negative errno after
 *	logging which condition failed.
 */
struct tsm_rtmr_tpm_personality {
	const char *name;
	const char *modname;
	struct module *owner;
	int (*select_chip)(struct tpm_chip *chip);
};

/**
 * struct tsm_rtmr_tpm - a TPM-backed provider instance
 * @provider: registered with the core
 * @chip: the bound chip; a device reference is held while bound
 * @digests: argument of tpm_pcr_extend(); here rather than on the stack
 *	because it is large, and ops are serialised by the core
 */
struct tsm_rtmr_tpm {
	struct tsm_rtmr_provider provider;
	struct tpm_chip *chip;
	struct tpm_digest digests[TSM_RTMR_MAX_ALGS];
};

int tsm_rtmr_tpm_probe(struct tsm_rtmr_tpm *tr,
		       const struct tsm_rtmr_tpm_personality *pers,
		       const char *allowed);
void tsm_rtmr_tpm_remove(struct tsm_rtmr_tpm *tr);

#endif /* _TSM_RTMR_TPM_PROVIDER_H */
