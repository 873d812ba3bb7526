/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake of the kernel's hash_info (crypto/hash_info.c): the two tables,
 * filled in fake_kernel.c for the algorithms tsm-rtmr knows.
 */
#ifndef KSHIM_CRYPTO_HASH_INFO_H
#define KSHIM_CRYPTO_HASH_INFO_H

#include <uapi/linux/hash_info.h>

extern const char *const hash_algo_name[HASH_ALGO__LAST];
extern const int hash_digest_size[HASH_ALGO__LAST];

#endif
