// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr provider for TPM 2.0 PCRs.
 *
 * Binds to the default TPM chip, if it is a TPM 2.0, and extends its PCRs in
 * every allocated bank through the kernel TPM API.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tpm.h>

#include "tpm-provider.h"

static char *allowed = TSM_RTMR_TPM_DEFAULT_ALLOWED;
module_param(allowed, charp, 0444);
MODULE_PARM_DESC(allowed,
		 "PCRs userspace may extend (default \"" TSM_RTMR_TPM_DEFAULT_ALLOWED
		 "\"; naming 16 or 23, which anyone with the TPM can reset, warns)");

static int tpm_select_chip(struct tpm_chip *chip)
{
	struct device *parent;

	if (!chip) {
		pr_info("no TPM chip\n");
		return -ENODEV;
	}
	/*
	 * The SVSM vTPM has its own provider, snp-vtpm. Two providers on one
	 * chip would keep two logs of the same PCRs, each incomplete.
	 */
	parent = chip->dev.parent;
	if (parent && !strcmp(dev_name(parent), "tpm-svsm")) {
		pr_info("%s is the SVSM vTPM: use tsm_rtmr_snp_vtpm\n",
			dev_name(&chip->dev));
		return -ENODEV;
	}
	return 0;
}

static const struct tsm_rtmr_tpm_personality tpm_personality = {
	.name = "tpm",
	.modname = KBUILD_MODNAME,
	.owner = THIS_MODULE,
	.select_chip = tpm_select_chip,
};

static struct tsm_rtmr_tpm tsm_rtmr_tpm;

static int __init tsm_rtmr_tpm_init(void)
{
	return tsm_rtmr_tpm_probe(&tsm_rtmr_tpm, &tpm_personality, allowed);
}
module_init(tsm_rtmr_tpm_init);

static void __exit tsm_rtmr_tpm_exit(void)
{
	tsm_rtmr_tpm_remove(&tsm_rtmr_tpm);
}
module_exit(tsm_rtmr_tpm_exit);

MODULE_DESCRIPTION("tsm-rtmr provider for TPM 2.0 PCRs");
MODULE_LICENSE("GPL");
