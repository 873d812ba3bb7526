/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fakes of the kernel and of the tsm-rtmr core that the provider code
 * calls, with knobs and records for the tests.
 */
#ifndef FAKES_H
#define FAKES_H

#include "kshim.h"
#include <linux/tpm.h>
#include <linux/tsm-rtmr.h>

/* fake_kernel.c */
extern char fake_log[512];		/* last pr_err()/pr_info()/pr_warn() line */
extern int fake_warns;			/* pr_warn() calls */
extern int fake_pages_live;		/* get_zeroed_page() - free_page() */
extern bool fake_page_fail;		/* next get_zeroed_page() fails */

/* fake_core.c */
extern struct tsm_rtmr_provider *fake_registered;
extern int fake_register_rc;
extern int fake_register_calls, fake_unregister_calls;
extern char fake_extendable_list[64];	/* last list parsed */

/* fake_tpm.c */
extern struct tpm_chip *fake_default_chip;
extern bool fake_is_snp;
extern int fake_extend_rc, fake_read_rc;
extern int fake_extend_calls, fake_read_calls;
extern int fake_start_rc;		/* tpm_chip_start() fails with it */
extern int fake_chip_starts;		/* tpm_chip_start() calls */
extern u32 fake_extend_pcr;
extern struct tpm_digest fake_extend_digests[TPM2_MAX_PCR_BANKS];

/* the value fake tpm_pcr_read() returns: byte i of (pcr, alg) */
static inline u8 fake_pcr_byte(u32 pcr, u16 alg, unsigned int i)
{
	return (u8)(pcr * 16 + alg * 3 + i);
}

/* a chip named @name on @parent with the given banks (sizes from the core) */
void fake_chip_init(struct tpm_chip *chip, const char *name,
		    struct device *parent, unsigned int flags,
		    const u16 *algs, unsigned int nr_algs);

/* unregister @chip, as tpm_chip_unregister() does: its ops are gone */
void fake_chip_remove(struct tpm_chip *chip);

void fakes_reset(void);

#endif
