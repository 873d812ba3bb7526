/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the library's files; not part of the API. */
#ifndef TSM_RTMR_INTERNAL_H
#define TSM_RTMR_INTERNAL_H

#include <stdarg.h>
#include <openssl/evp.h>

#include "tsm-rtmr.h"

__attribute__((format(printf, 3, 4)))
void tr_set_error(struct tr_error *err, size_t offset, const char *fmt, ...);
const EVP_MD *tr_evp_md(const struct tr_alg *alg);
int tr_buf_put_u32(struct tr_buf *b, uint32_t v);
int tr_buf_put_u16(struct tr_buf *b, uint16_t v);

static inline uint32_t tr_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint16_t tr_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
