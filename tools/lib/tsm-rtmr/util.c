// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Algorithm table, hashing through OpenSSL EVP, hex, growable buffers.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tsm-rtmr.h"
#include "internal.h"

static const struct tr_alg algs[] = {
	{ 0x0004, 20, "sha1",    "SHA1" },
	{ 0x000b, 32, "sha256",  "SHA256" },
	{ 0x000c, 48, "sha384",  "SHA384" },
	{ 0x000d, 64, "sha512",  "SHA512" },
	{ 0x0012, 32, "sm3_256", "SM3" },
};

const struct tr_alg *tr_alg_by_id(uint16_t id)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].id == id)
			return &algs[i];
	return NULL;
}

const struct tr_alg *tr_alg_by_name_len(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strlen(algs[i].name) == len &&
		    !strncmp(algs[i].name, name, len))
			return &algs[i];
	return NULL;
}

const struct tr_alg *tr_alg_by_name(const char *name)
{
	return tr_alg_by_name_len(name, strlen(name));
}

const char *tr_strstatus(int status)
{
	switch (status) {
	case TR_OK:		return "success";
	case TR_E_TRUNCATED:	return "truncated input";
	case TR_E_MALFORMED:	return "malformed input";
	case TR_E_LIMIT:	return "limit exceeded";
	case TR_E_NOMEM:	return "out of memory";
	case TR_E_UNSUPPORTED:	return "unsupported";
	case TR_E_NOMATCH:	return "no match";
	case TR_E_CRYPTO:	return "cryptographic library failure";
	case TR_E_INVAL:	return "invalid argument";
	}
	return "unknown error";
}

void tr_set_error(struct tr_error *err, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* EVP_MD objects are fetched once per algorithm: fetching is not free. */
const EVP_MD *tr_evp_md(const struct tr_alg *alg)
{
	static EVP_MD *cache[sizeof(algs) / sizeof(algs[0])];
	size_t i = (size_t)(alg - algs);
	EVP_MD *md, *none = NULL;

	if (i >= sizeof(algs) / sizeof(algs[0]))
		return NULL;
	/*
	 * Threads (the stress and concurrency tests hash from several) may
	 * race to the first fetch: each fetches, the first stored is kept and
	 * the others freed. A failed fetch is tried again on the next call.
	 */
	md = __atomic_load_n(&cache[i], __ATOMIC_ACQUIRE);
	if (md)
		return md;
	md = EVP_MD_fetch(NULL, alg->evp_name, NULL);
	if (md && !__atomic_compare_exchange_n(&cache[i], &none, md, false,
					       __ATOMIC_ACQ_REL,
					       __ATOMIC_ACQUIRE)) {
		EVP_MD_free(md);
		md = none;
	}
	return md;
}

int tr_hash(const struct tr_alg *alg, const void *data, size_t len,
	    uint8_t *out)
{
	const EVP_MD *md = tr_evp_md(alg);
	unsigned int out_len = 0;

	if (!md)
		return TR_E_UNSUPPORTED;
	if (!EVP_Digest(data, len, out, &out_len, md, NULL) ||
	    out_len != alg->size)
		return TR_E_CRYPTO;
	return TR_OK;
}

int tr_hash2(const struct tr_alg *alg, const void *a, size_t a_len,
	     const void *b, size_t b_len, uint8_t *out)
{
	const EVP_MD *md = tr_evp_md(alg);
	EVP_MD_CTX *ctx;
	unsigned int out_len = 0;
	int ok;

	if (!md)
		return TR_E_UNSUPPORTED;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return TR_E_NOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL) &&
	     EVP_DigestUpdate(ctx, a, a_len) &&
	     EVP_DigestUpdate(ctx, b, b_len) &&
	     EVP_DigestFinal_ex(ctx, out, &out_len) &&
	     out_len == alg->size;
	EVP_MD_CTX_free(ctx);
	return ok ? TR_OK : TR_E_CRYPTO;
}

void tr_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long tr_unhex(const char *hex, size_t hex_len, uint8_t *out, size_t max_len)
{
	if (hex_len % 2 || hex_len / 2 > max_len)
		return -1;
	for (size_t i = 0; i < hex_len / 2; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(hex_len / 2);
}

void tr_buf_free(struct tr_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int tr_buf_put(struct tr_buf *b, const void *data, size_t len)
{
	if (b->failed)
		return TR_E_NOMEM;
	if (len > SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return TR_E_NOMEM;
	}
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + len)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->failed = true;
			return TR_E_NOMEM;
		}
		b->data = p;
		b->cap = cap;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return TR_OK;
}

int tr_buf_put_u32(struct tr_buf *b, uint32_t v)
{
	uint8_t le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };

	return tr_buf_put(b, le, sizeof(le));
}

int tr_buf_put_u16(struct tr_buf *b, uint16_t v)
{
	uint8_t le[2] = { v & 0xff, v >> 8 };

	return tr_buf_put(b, le, sizeof(le));
}
