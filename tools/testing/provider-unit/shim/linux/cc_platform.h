/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_CC_PLATFORM_H
#define KSHIM_CC_PLATFORM_H

#include "../kshim.h"

enum cc_attr {
	CC_ATTR_GUEST_SEV_SNP,
};

bool cc_platform_has(enum cc_attr attr);	/* fake_tpm.c */

#endif
