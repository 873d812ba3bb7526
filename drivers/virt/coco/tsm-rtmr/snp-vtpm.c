// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr provider for the SVSM vTPM of an AMD SEV-SNP guest.
 *
 * The same provider as tsm_rtmr_tpm, but it binds only to the vTPM that the
 * SVSM (running at VMPL0, inside the guest's trust boundary) provides; a TPM
 * emulated by the host would be outside the trust boundary. From 6.16 Linux
 * exposes that vTPM as an ordinary TPM chip whose parent is the platform
 * device "tpm-svsm" (drivers/char/tpm/tpm_svsm.c). Older kernels have no
 * such chip, so there the module always refuses to load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cc_platform.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/string.h>
#include <linux/tpm.h>

#include "tpm-provider.h"

#define SNP_VTPM_PARENT	"tpm-svsm"

static char *allowed = TSM_RTMR_TPM_DEFAULT_ALLOWED;
module_param(allowed, charp, 0444);
MODULE_PARM_DESC(allowed,
		 "PCRs userspace may extend (default \"" TSM_RTMR_TPM_DEFAULT_ALLOWED
		 "\"; naming 16 or 23, which anyone with the TPM can reset, warns)");

/**
 * snp_vtpm_select() - decide whether the default TPM is the SVSM vTPM
 * @is_snp: running as an SEV-SNP guest
 * @chip: name of the default TPM chip, NULL when there is none
 * @parent: name of that chip's parent device, NULL when it has none
 * @msg: set to the reason for refusing
 * @len: size of @msg
 *
 * Pure function, so the decision is unit-tested on the host.
 *
 * Return: 0 to bind, or -ENODEV with @msg naming the failed condition.
 */
static int snp_vtpm_select(bool is_snp, const char *chip, const char *parent,
			   char *msg, size_t len)
{
	if (!is_snp) {
		snprintf(msg, len, "not an SEV-SNP guest");
		return -ENODEV;
	}
	if (!chip) {
		snprintf(msg, len, "no SVSM vTPM: no TPM chip");
		return -ENODEV;
	}
	if (!parent || strcmp(parent, SNP_VTPM_PARENT)) {
		snprintf(msg, len, "no SVSM vTPM: default TPM is %s on %s",
			 chip, parent ? parent : "no parent device");
		return -ENODEV;
	}
	msg[0] = '\0';
	return 0;
}

static int snp_select_chip(struct tpm_chip *chip)
{
	struct device *parent = chip ? chip->dev.parent : NULL;
	char msg[128];
	int rc;

	rc = snp_vtpm_select(cc_platform_has(CC_ATTR_GUEST_SEV_SNP),
			     chip ? dev_name(&chip->dev) : NULL,
			     parent ? dev_name(parent) : NULL,
			     msg, sizeof(msg));
	if (rc)
		pr_info("%s\n", msg);
	return rc;
}

static const struct tsm_rtmr_tpm_personality snp_vtpm_personality = {
	.name = "snp-vtpm",
	.modname = KBUILD_MODNAME,
	.owner = THIS_MODULE,
	.select_chip = snp_select_chip,
};

static struct tsm_rtmr_tpm snp_vtpm_rtmr;

static int __init snp_vtpm_rtmr_init(void)
{
	return tsm_rtmr_tpm_probe(&snp_vtpm_rtmr, &snp_vtpm_personality,
				  allowed);
}
module_init(snp_vtpm_rtmr_init);

static void __exit snp_vtpm_rtmr_exit(void)
{
	tsm_rtmr_tpm_remove(&snp_vtpm_rtmr);
}
module_exit(snp_vtpm_rtmr_exit);

MODULE_DESCRIPTION("tsm-rtmr provider for the SEV-SNP SVSM vTPM");
MODULE_LICENSE("GPL");
