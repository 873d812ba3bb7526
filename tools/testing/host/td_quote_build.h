/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tests' own TD quote builder: Intel TDX DCAP quote versions 4 and 5
 * (TD 1.0 or TD 1.5 body), signed ECDSA P-256 over SHA-256 with an OpenSSL
 * key made here. Test code only, written from the published layout
 * (references.md "TD quotes"), independent of libtsm-rtmr's parser.
 *
 *   EVP_PKEY *key = tdq_key_new();
 *   struct tdq_build b = { .version = 4 };	(body_type 0: TD 1.0)
 *   memcpy(b.rtmr[3], value, 48); ...
 *   uint8_t *q; size_t len;
 *   tdq_build(&b, key, &q, &len);		0 or -1; free(q)
 *
 * Layout (offsets in the quote; TDQ_B_* are offsets in the body):
 *   0   header: u16 version, u16 att key type (2), u32 TEE type (0x81),
 *       u16 QE SVN, u16 PCE SVN, QE vendor id 16, user data 20
 *   v4: body at 48. v5: u16 body type at 48, u32 body size at 50, body at 54
 *   signed_len = body offset + body size: u32 signature data length
 *   then r || s (64), x || y (64), u16 cert type, u32 cert size, cert data.
 *
 * Body fields the caller does not give are filled with a pattern that
 * differs per field (byte = field's body offset / 8 + 1), so a parser
 * that reads a field from the wrong place is caught.
 */
#ifndef TSM_RTMR_TD_QUOTE_BUILD_H
#define TSM_RTMR_TD_QUOTE_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#define TDQ_HEADER_SIZE		48
#define TDQ_BODY10_SIZE		584
#define TDQ_BODY15_SIZE		648

/* Header fields. */
#define TDQ_OFF_VERSION		0
#define TDQ_OFF_ATT_KEY_TYPE	2
#define TDQ_OFF_TEE_TYPE	4
#define TDQ_OFF_QE_SVN		8
#define TDQ_OFF_PCE_SVN		10
#define TDQ_OFF_QE_VENDOR_ID	12
#define TDQ_OFF_USER_DATA	28
/* Version 5 only. */
#define TDQ_OFF_V5_BODY_TYPE	48
#define TDQ_OFF_V5_BODY_SIZE	50

/* Body fields, offsets in the body (TD 1.0; TD 1.5 appends the last two). */
#define TDQ_B_TEE_TCB_SVN	0
#define TDQ_B_MRSEAM		16
#define TDQ_B_MRSIGNERSEAM	64
#define TDQ_B_SEAM_ATTRIBUTES	112
#define TDQ_B_TD_ATTRIBUTES	120
#define TDQ_B_XFAM		128
#define TDQ_B_MRTD		136
#define TDQ_B_MRCONFIGID	184
#define TDQ_B_MROWNER		232
#define TDQ_B_MROWNERCONFIG	280
#define TDQ_B_RTMR(n)		(328 + 48 * (n))
#define TDQ_B_REPORTDATA	520
#define TDQ_B_TEE_TCB_SVN2	584
#define TDQ_B_MRSERVICETD	600

/* Where the body starts, by quote version. */
#define TDQ_BODY_OFF(version)	((version) == 5 ? 54 : 48)
/* Offsets after the body, given signed_len (tdq_signed_len). */
#define TDQ_OFF_SIGDATA_LEN(sl)	(sl)
#define TDQ_OFF_SIG(sl)		((sl) + 4)		/* r at +0, s at +32 */
#define TDQ_OFF_KEY(sl)		((sl) + 4 + 64)		/* x at +0, y at +32 */
#define TDQ_OFF_CERT_TYPE(sl)	((sl) + 4 + 128)
#define TDQ_OFF_CERT_SIZE(sl)	((sl) + 4 + 130)
#define TDQ_OFF_CERT_DATA(sl)	((sl) + 4 + 134)

struct tdq_build {
	int version;		/* 4 or 5 */
	int body_type;		/* v5: 2 (TD 1.0) or 3 (TD 1.5); 0 = 2 */
	uint8_t mrtd[48];
	uint8_t rtmr[4][48];
	uint8_t reportdata[64];
	uint8_t mrservicetd[48];	/* TD 1.5 only */
	uint16_t cert_type;	/* 0 with no cert: type 5, a short text */
	const void *cert;
	size_t cert_len;
};

static inline void tdq_put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static inline void tdq_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
}

static inline size_t tdq_body_size(const struct tdq_build *b)
{
	return b->version == 5 && b->body_type == 3 ? TDQ_BODY15_SIZE :
						      TDQ_BODY10_SIZE;
}

/* Bytes the signature covers: everything before the signature data length. */
static inline size_t tdq_signed_len(const struct tdq_build *b)
{
	return TDQ_BODY_OFF(b->version) + tdq_body_size(b);
}

/* A fresh P-256 key; EVP_PKEY_free() it. NULL on failure. */
static inline EVP_PKEY *tdq_key_new(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* x || y of @key into @xy (64 bytes). 0 or -1. */
static inline int tdq_key_xy(EVP_PKEY *key, uint8_t xy[64])
{
	BIGNUM *x = NULL, *y = NULL;
	int ret = -1;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1 &&
	    BN_bn2binpad(x, xy, 32) == 32 && BN_bn2binpad(y, xy + 32, 32) == 32)
		ret = 0;
	BN_free(x);
	BN_free(y);
	return ret;
}

/*
 * Sign the first @signed_len bytes of @quote with @key and store r || s at
 * TDQ_OFF_SIG(signed_len): to re-sign a quote after changing its signed
 * part (the quote must already have room for the signature data).
 */
static inline int tdq_sign(uint8_t *quote, size_t signed_len, EVP_PKEY *key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char der[80];
	const unsigned char *p = der;
	size_t der_len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	int ret = -1;

	if (md && EVP_DigestSignInit_ex(md, NULL, "SHA256", NULL, NULL, key,
					NULL) == 1 &&
	    EVP_DigestSign(md, der, &der_len, quote, signed_len) == 1 &&
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) &&
	    BN_bn2binpad(ECDSA_SIG_get0_r(sig), quote + TDQ_OFF_SIG(signed_len),
			 32) == 32 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig),
			 quote + TDQ_OFF_SIG(signed_len) + 32, 32) == 32)
		ret = 0;
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ret;
}

static inline void tdq_fill_body(const struct tdq_build *b, uint8_t *body,
				 size_t size)
{
	static const unsigned int field[] = {
		TDQ_B_TEE_TCB_SVN, TDQ_B_MRSEAM, TDQ_B_MRSIGNERSEAM,
		TDQ_B_SEAM_ATTRIBUTES, TDQ_B_TD_ATTRIBUTES, TDQ_B_XFAM,
		TDQ_B_MRTD, TDQ_B_MRCONFIGID, TDQ_B_MROWNER,
		TDQ_B_MROWNERCONFIG, TDQ_B_RTMR(0), TDQ_B_RTMR(1),
		TDQ_B_RTMR(2), TDQ_B_RTMR(3), TDQ_B_REPORTDATA,
		TDQ_B_TEE_TCB_SVN2, TDQ_B_MRSERVICETD, TDQ_BODY15_SIZE,
	};

	for (size_t i = 0; i + 1 < sizeof(field) / sizeof(field[0]); i++)
		if (field[i] < size)
			memset(body + field[i], field[i] / 8 + 1,
			       field[i + 1] - field[i]);
	memcpy(body + TDQ_B_MRTD, b->mrtd, 48);
	for (int n = 0; n < 4; n++)
		memcpy(body + TDQ_B_RTMR(n), b->rtmr[n], 48);
	memcpy(body + TDQ_B_REPORTDATA, b->reportdata, 64);
	if (size == TDQ_BODY15_SIZE)
		memcpy(body + TDQ_B_MRSERVICETD, b->mrservicetd, 48);
}

/*
 * The quote described by @b, signed with @key: *@out malloc'd, *@len its
 * size. 0 or -1.
 */
static inline int tdq_build(const struct tdq_build *b, EVP_PKEY *key,
			    uint8_t **out, size_t *len)
{
	static const char no_chain[] = "test quote: no QE or PCK chain";
	const void *cert = b->cert;
	size_t cert_len = b->cert_len;
	uint16_t cert_type = b->cert_type;
	size_t body_off = TDQ_BODY_OFF(b->version);
	size_t body_size = tdq_body_size(b);
	size_t sl = body_off + body_size;
	size_t total;
	uint8_t *q;

	*out = NULL;
	if (!cert && !cert_type) {
		cert = no_chain;
		cert_len = sizeof(no_chain) - 1;
		cert_type = 5;
	}
	total = TDQ_OFF_CERT_DATA(sl) + cert_len;
	q = calloc(1, total);
	if (!q)
		return -1;
	tdq_put16(q + TDQ_OFF_VERSION, (uint16_t)b->version);
	tdq_put16(q + TDQ_OFF_ATT_KEY_TYPE, 2);
	tdq_put32(q + TDQ_OFF_TEE_TYPE, 0x81);
	tdq_put16(q + TDQ_OFF_QE_SVN, 7);
	tdq_put16(q + TDQ_OFF_PCE_SVN, 11);
	memset(q + TDQ_OFF_QE_VENDOR_ID, 0x9a, 16);
	memset(q + TDQ_OFF_USER_DATA, 0x5c, 20);
	if (b->version == 5) {
		tdq_put16(q + TDQ_OFF_V5_BODY_TYPE,
			  b->body_type ? (uint16_t)b->body_type : 2);
		tdq_put32(q + TDQ_OFF_V5_BODY_SIZE, (uint32_t)body_size);
	}
	tdq_fill_body(b, q + body_off, body_size);
	tdq_put32(q + TDQ_OFF_SIGDATA_LEN(sl), (uint32_t)(total - sl - 4));
	tdq_put16(q + TDQ_OFF_CERT_TYPE(sl), cert_type);
	tdq_put32(q + TDQ_OFF_CERT_SIZE(sl), (uint32_t)cert_len);
	if (cert_len)
		memcpy(q + TDQ_OFF_CERT_DATA(sl), cert, cert_len);
	if (tdq_key_xy(key, q + TDQ_OFF_KEY(sl)) || tdq_sign(q, sl, key)) {
		free(q);
		return -1;
	}
	*out = q;
	*len = total;
	return 0;
}

#endif
