// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * TD quotes (Intel TDX DCAP quote format, versions 4 and 5): a strict
 * parser, the ECDSA P-256 check with the attestation key the quote
 * carries, and the replay of the firmware CCEL and the runtime log against
 * RTMR 0-3.
 *
 * The parser refuses every shape it was not written for, by name: a
 * verifier that guessed at an unknown body layout would read registers
 * from the wrong bytes. Lengths are checked against the bytes left, in
 * size_t, before they are used, so no value in the quote can make a
 * length wrap.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "tsm-rtmr.h"
#include "internal.h"

#define TDQ_V5_BODY_DESC	6	/* u16 body type, u32 body size */
#define TDQ_SIG_FIXED		(64 + 64 + 2 + 4)	/* r||s, x||y, cert type, size */
#define TDQ_TEE_TDX		0x81u
#define TDQ_ATT_KEY_ECDSA256	2u
#define TDQ_BODY_TD10		2u
#define TDQ_BODY_TD15		3u

/* A reader over the quote: every take() checks the bytes left first. */
struct cursor {
	const uint8_t *p;
	size_t len, pos;
	struct tr_error *err;
};

static const uint8_t *take(struct cursor *c, size_t n, const char *what)
{
	const uint8_t *at;

	if (n > c->len - c->pos) {
		tr_set_error(c->err, c->pos,
			     "TD quote truncated: %s needs %zu bytes at offset %zu, %zu left",
			     what, n, c->pos, c->len - c->pos);
		return NULL;
	}
	at = c->p + c->pos;	/* only now: @p may be NULL when @len is 0 */
	c->pos += n;
	return at;
}

static const char *att_key_name(uint16_t type)
{
	switch (type) {
	case 2: return "ECDSA-256 with P-256";
	case 3: return "ECDSA-384";
	default: return "unknown";
	}
}

static const char *tee_name(uint32_t type)
{
	switch (type) {
	case 0x00: return "SGX";
	case 0x81: return "TDX";
	default: return "unknown";
	}
}

static const char *body_name(uint16_t type)
{
	switch (type) {
	case 1: return "SGX enclave report";
	case 2: return "TD 1.0";
	case 3: return "TD 1.5";
	default: return "unknown";
	}
}

static int parse_header(struct cursor *c, struct tr_td_quote *q)
{
	const uint8_t *h = take(c, TR_TDQ_HEADER_SIZE, "header");

	if (!h)
		return TR_E_TRUNCATED;
	q->version = tr_le16(h);
	q->att_key_type = tr_le16(h + 2);
	q->tee_type = tr_le32(h + 4);
	/* h + 8, h + 10: QE SVN and PCE SVN, the QE's business. */
	memcpy(q->qe_vendor_id, h + 12, sizeof(q->qe_vendor_id));
	memcpy(q->user_data, h + 28, sizeof(q->user_data));
	if (q->version != 4 && q->version != 5) {
		tr_set_error(c->err, 0,
			     "TD quote version %u: only versions 4 and 5 are supported",
			     q->version);
		return TR_E_UNSUPPORTED;
	}
	if (q->att_key_type != TDQ_ATT_KEY_ECDSA256) {
		tr_set_error(c->err, 2,
			     "attestation key type %u (%s): only 2 (ECDSA-256 with P-256)",
			     q->att_key_type, att_key_name(q->att_key_type));
		return TR_E_UNSUPPORTED;
	}
	if (q->tee_type != TDQ_TEE_TDX) {
		tr_set_error(c->err, 4, "TEE type 0x%08x (%s): not a TD quote",
			     q->tee_type, tee_name(q->tee_type));
		return TR_E_UNSUPPORTED;
	}
	return TR_OK;
}

/* v5: the body descriptor; v4 has a TD 1.0 body and no descriptor. */
static int parse_body_desc(struct cursor *c, struct tr_td_quote *q)
{
	const uint8_t *d;
	uint32_t want;

	if (q->version == 4) {
		q->body_type = TDQ_BODY_TD10;
		q->body_size = TR_TDQ_BODY10_SIZE;
		return TR_OK;
	}
	d = take(c, TDQ_V5_BODY_DESC, "v5 body type and size");
	if (!d)
		return TR_E_TRUNCATED;
	q->body_type = tr_le16(d);
	q->body_size = tr_le32(d + 2);
	if (q->body_type != TDQ_BODY_TD10 && q->body_type != TDQ_BODY_TD15) {
		tr_set_error(c->err, c->pos - TDQ_V5_BODY_DESC,
			     "v5 body type %u (%s): only TD 1.0 (2) and TD 1.5 (3)",
			     q->body_type, body_name(q->body_type));
		return TR_E_UNSUPPORTED;
	}
	want = q->body_type == TDQ_BODY_TD10 ? TR_TDQ_BODY10_SIZE :
					      TR_TDQ_BODY15_SIZE;
	if (q->body_size != want) {
		tr_set_error(c->err, c->pos - 4,
			     "v5 body size %u: a %s body is %u bytes",
			     q->body_size, body_name(q->body_type), want);
		return TR_E_MALFORMED;
	}
	return TR_OK;
}

/* The TD report body: field offsets of Intel's TD 1.0 / 1.5 layout. */
static int parse_body(struct cursor *c, struct tr_td_quote *q)
{
	const uint8_t *b = take(c, q->body_size, "report body");

	if (!b)
		return TR_E_TRUNCATED;
	memcpy(q->tee_tcb_svn, b + 0, 16);
	memcpy(q->mrseam, b + 16, 48);
	memcpy(q->mrsignerseam, b + 64, 48);
	memcpy(q->seam_attributes, b + 112, 8);
	memcpy(q->td_attributes, b + 120, 8);
	memcpy(q->xfam, b + 128, 8);
	memcpy(q->mrtd, b + 136, 48);
	memcpy(q->mrconfigid, b + 184, 48);
	memcpy(q->mrowner, b + 232, 48);
	memcpy(q->mrownerconfig, b + 280, 48);
	for (int n = 0; n < TR_TDQ_RTMRS; n++)
		memcpy(q->rtmr[n], b + 328 + 48 * n, 48);
	memcpy(q->report_data, b + 520, TR_TDQ_REPORTDATA);
	if (q->body_type == TDQ_BODY_TD15) {
		memcpy(q->tee_tcb_svn2, b + 584, 16);
		memcpy(q->mrservicetd, b + 600, 48);
	}
	return TR_OK;
}

/*
 * u32 length, then signature, key and certification data, which must end
 * exactly where the signature data and the quote end.
 */
static int parse_sig_data(struct cursor *c, struct tr_td_quote *q)
{
	const uint8_t *p = take(c, 4, "signature data length");
	size_t sig_len, at;

	if (!p)
		return TR_E_TRUNCATED;
	sig_len = tr_le32(p);
	if (sig_len > c->len - c->pos) {
		tr_set_error(c->err, c->pos - 4,
			     "TD quote truncated: signature data length %zu, %zu bytes left",
			     sig_len, c->len - c->pos);
		return TR_E_TRUNCATED;
	}
	if (sig_len < c->len - c->pos) {
		tr_set_error(c->err, c->pos + sig_len,
			     "TD quote: %zu trailing bytes after the signature data",
			     c->len - c->pos - sig_len);
		return TR_E_MALFORMED;
	}
	if (sig_len < TDQ_SIG_FIXED) {
		tr_set_error(c->err, c->pos - 4,
			     "signature data length %zu: less than the %u bytes of signature, key and certification header",
			     sig_len, TDQ_SIG_FIXED);
		return TR_E_MALFORMED;
	}
	memcpy(q->signature, take(c, 64, "signature"), 64);
	memcpy(q->attest_key, take(c, 64, "attestation key"), 64);
	p = take(c, 6, "certification data header");
	q->cert_type = tr_le16(p);
	q->cert_size = tr_le32(p + 2);
	q->cert_off = c->pos;
	at = c->pos - 4;
	if ((size_t)q->cert_size != c->len - c->pos) {
		tr_set_error(c->err, at,
			     "certification data size %u: the signature data leaves %zu bytes for it",
			     q->cert_size, c->len - c->pos);
		return q->cert_size > c->len - c->pos ? TR_E_TRUNCATED :
							TR_E_MALFORMED;
	}
	c->pos = c->len;
	return TR_OK;
}

int tr_td_quote_parse(const uint8_t *quote, size_t len, struct tr_td_quote *q,
		      struct tr_error *err)
{
	struct cursor c = { .p = quote, .len = len, .err = err };
	int ret;

	memset(q, 0, sizeof(*q));
	if (len > TR_TDQ_MAX_SIZE) {
		tr_set_error(err, 0, "TD quote of %zu bytes: more than %u",
			     len, TR_TDQ_MAX_SIZE);
		return TR_E_LIMIT;
	}
	ret = parse_header(&c, q);
	if (!ret)
		ret = parse_body_desc(&c, q);
	if (!ret)
		ret = parse_body(&c, q);
	if (!ret) {
		q->signed_len = c.pos;
		ret = parse_sig_data(&c, q);
	}
	return ret;
}

/* The attestation key x || y as an OpenSSL P-256 public key. */
static int attest_pkey(const uint8_t xy[64], EVP_PKEY **pkey,
		       struct tr_error *err)
{
	uint8_t point[65];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	int ret = TR_E_CRYPTO;

	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, xy, 64);
	*pkey = NULL;
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     "P-256", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      point, sizeof(point)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0) {
		tr_set_error(err, 0, "cannot set up a P-256 key");
		goto out;
	}
	/* OpenSSL refuses a point that is not on the curve here. */
	if (EVP_PKEY_fromdata(ctx, pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		tr_set_error(err, 0,
			     "the quote's attestation key is not a point on P-256");
		ret = TR_E_NOMATCH;
		goto out;
	}
	ret = TR_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ret;
}

/* r || s (big-endian, 32 bytes each) as the DER ECDSA-Sig-Value. */
static int sig_der(const uint8_t rs[64], unsigned char **der, int *der_len)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, 32, NULL);
	BIGNUM *s = BN_bin2bn(rs + 32, 32, NULL);
	int ret = TR_E_CRYPTO;

	*der = NULL;
	if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
		r = s = NULL;		/* owned by sig now */
		*der_len = i2d_ECDSA_SIG(sig, der);
		if (*der_len > 0)
			ret = TR_OK;
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return ret;
}

int tr_td_quote_verify_signature(const uint8_t *quote,
				 const struct tr_td_quote *q,
				 struct tr_error *err)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	unsigned char *der = NULL;
	int der_len = 0, ret;

	ret = attest_pkey(q->attest_key, &pkey, err);
	if (ret)
		return ret;
	ret = sig_der(q->signature, &der, &der_len);
	md = EVP_MD_CTX_new();
	if (ret || !md ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
				    NULL) <= 0) {
		tr_set_error(err, 0, "cannot set up the TD quote signature check");
		ret = TR_E_CRYPTO;
		goto out;
	}
	if (EVP_DigestVerify(md, der, (size_t)der_len, quote,
			     q->signed_len) != 1) {
		tr_set_error(err, 0,
			     "TD quote signature does not verify with the attestation key it carries");
		ret = TR_E_NOMATCH;
		goto out;
	}
	ret = TR_OK;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ret;
}

/* ---- RTMR 0-3 against CCEL + runtime log ------------------------------ */

/*
 * RTMR n is CC index n + 1 (0 is MRTD, measured by the TDX module, never
 * replayed). Records of other indexes, such as CC index 0 in the CCEL or
 * an index above 4 (the tdx provider never writes one), touch no RTMR and
 * are not compared. The two logs are replayed as one (tr_log_concat), so
 * they must carry the same banks in the same order, as TDVF's CCEL and the
 * tdx provider's log do (SHA-384 alone); TR_E_MALFORMED otherwise.
 */
#define TDQ_CC_INDEX(rtmr)	((uint32_t)(rtmr) + 1)

struct rtmr_match {
	const struct tr_td_quote *q;
	unsigned int bank;	/* SHA-384 in the combined log */
	size_t fw_records;	/* the CCEL must be replayed whole */
	int fw_first_bad;	/* after the CCEL alone: first RTMR that differs, -1 */
	int all_first_bad;	/* after both logs whole */
};

static int rtmr_differs(const struct tr_replay *r, const struct rtmr_match *m)
{
	static const uint8_t zero[48];

	for (int n = 0; n < TR_TDQ_RTMRS; n++) {
		const uint8_t *v = tr_replay_value(r, TDQ_CC_INDEX(n), m->bank);

		if (memcmp(v ? v : zero, m->q->rtmr[n], 48))
			return n;
	}
	return -1;
}

static int rtmr_match_cb(const struct tr_replay *r, size_t n,
			 const struct tr_record *last, void *ctx)
{
	struct rtmr_match *m = ctx;
	int bad;

	(void)last;
	if (n < m->fw_records)
		return 0;
	bad = rtmr_differs(r, m);
	if (n == m->fw_records)
		m->fw_first_bad = bad;
	if (n == r->log->n_records)
		m->all_first_bad = bad;
	return bad < 0;
}

static int need_sha384(const struct tr_log *log, const char *what,
		       struct tr_error *err)
{
	int bank = tr_log_bank(log, TPM2_ALG_SHA384);

	if (bank < 0)
		tr_set_error(err, 0,
			     "%s has no SHA-384 bank: RTMRs are SHA-384", what);
	return bank < 0 ? TR_E_UNSUPPORTED : bank;
}

/* CCEL records then the runtime log's, as one parsed log. */
static int combine(const struct tr_log *ccel, const struct tr_log *rt,
		   struct tr_log **out, struct tr_error *err)
{
	struct tr_buf buf = { 0 };
	struct tr_parse_opts opts = {
		.max_records = ccel->n_records + rt->n_records + 1,
	};
	int ret = tr_log_concat(ccel, rt, &buf, err);

	if (!ret)
		ret = tr_log_parse(buf.data, buf.len, &opts, out, err);
	tr_buf_free(&buf);
	return ret;
}

int tr_td_find_prefix(const struct tr_td_quote *q, const struct tr_log *ccel,
		      const struct tr_log *rt, size_t *best,
		      struct tr_error *err)
{
	struct rtmr_match m = { .q = q, .fw_first_bad = -1, .all_first_bad = -1 };
	struct tr_log *both = NULL;
	const struct tr_log *log = rt;
	size_t n = 0;
	int ret;

	ret = need_sha384(rt, "the runtime log", err);
	if (ret >= 0 && ccel)
		ret = need_sha384(ccel, "the CCEL", err);
	if (ret < 0)
		return ret;
	if (ccel) {
		ret = combine(ccel, rt, &both, err);
		if (ret)
			return ret;
		log = both;
		m.fw_records = ccel->n_records;
	}
	m.bank = (unsigned int)tr_log_bank(log, TPM2_ALG_SHA384);
	ret = tr_longest_prefix_cb(log, 0, rtmr_match_cb, &m, &n, err);
	if (ret == TR_E_NOMATCH && ccel)
		tr_set_error(err, 0,
			     "RTMR 0-3 of the quote are not the replay of the CCEL (%zu records) followed by any prefix of the runtime log's %zu records (RTMR %d differs after the CCEL alone, RTMR %d after both logs)",
			     ccel->n_records, rt->n_records, m.fw_first_bad,
			     m.all_first_bad);
	else if (ret == TR_E_NOMATCH)
		tr_set_error(err, 0,
			     "RTMR 0-3 of the quote are not the replay of any prefix of the runtime log's %zu records (RTMR %d differs after the whole log)",
			     rt->n_records, m.all_first_bad);
	if (!ret)
		*best = n - m.fw_records;
	tr_log_free(both);
	return ret;
}
