/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host unit tests' own hashing: expected digests come from OpenSSL's
 * EVP directly, never from the library under test.
 */
#ifndef TSM_RTMR_TEST_EVP_H
#define TSM_RTMR_TEST_EVP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* @name (an OpenSSL digest name) of @a || @b into @out. */
static inline void evp(const char *name, const void *a, size_t alen,
		       const void *b, size_t blen, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);

	EVP_DigestInit_ex(c, md, NULL);
	EVP_DigestUpdate(c, a, alen);
	EVP_DigestUpdate(c, b, blen);
	EVP_DigestFinal_ex(c, out, NULL);
	EVP_MD_free(md);
	EVP_MD_CTX_free(c);
}

#endif
