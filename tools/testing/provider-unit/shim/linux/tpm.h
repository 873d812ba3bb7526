/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake of the 6.1 TPM API: the algorithm ids, the fields of struct
 * tpm_chip the provider uses, and the calls, implemented in fake_tpm.c with the kernel's
 * documented behaviour (reference taken by tpm_default_chip(), EINVAL for
 * a bank mismatch, positive TPM response codes).
 */
#ifndef KSHIM_TPM_H
#define KSHIM_TPM_H

#include "../kshim.h"
#include "device.h"
#include "rwsem.h"
#include <crypto/hash_info.h>

#define TPM2_MAX_DIGEST_SIZE	64
#define TPM2_MAX_PCR_BANKS	8

enum tpm_algorithms {
	TPM_ALG_ERROR		= 0x0000,
	TPM_ALG_SHA1		= 0x0004,
	TPM_ALG_KEYEDHASH	= 0x0008,
	TPM_ALG_SHA256		= 0x000B,
	TPM_ALG_SHA384		= 0x000C,
	TPM_ALG_SHA512		= 0x000D,
	TPM_ALG_NULL		= 0x0010,
	TPM_ALG_SM3_256		= 0x0012,
};

enum tpm_chip_flags {
	TPM_CHIP_FLAG_TPM2 = 1U << 1,
};

struct tpm_digest {
	u16 alg_id;
	u8 digest[TPM2_MAX_DIGEST_SIZE];
} __packed;

struct tpm_bank_info {
	u16 alg_id;
	u16 digest_size;
	u16 crypto_id;
};

struct tpm_class_ops {
	char unused;
};

/*
 * As in 6.1 and 6.12: ops is NULL once the chip is unregistered
 * (tpm_del_char_device(), under ops_sem held for writing), for good.
 */
struct tpm_chip {
	struct device dev;
	struct rw_semaphore ops_sem;
	const struct tpm_class_ops *ops;
	unsigned int flags;
	u32 nr_allocated_banks;
	struct tpm_bank_info allocated_banks[TPM2_MAX_PCR_BANKS];
};

struct tpm_chip *tpm_default_chip(void);
int tpm_pcr_extend(struct tpm_chip *chip, u32 pcr_idx,
		   struct tpm_digest *digests);
/*
 * These three get the chip's ops first (tpm_find_get_ops(): ops_sem, then
 * tpm_chip_start(), one start per call) and return -ENODEV when they
 * cannot, whether the chip is unregistered or only failed to start.
 * tpm_is_tpm2(): 1 for a TPM 2.0, 0 for 1.2.
 */
int tpm_is_tpm2(struct tpm_chip *chip);
int tpm_pcr_read(struct tpm_chip *chip, u32 pcr_idx,
		 struct tpm_digest *digest);

#endif
