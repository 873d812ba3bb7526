// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * TPM quote verification: TPMS_ATTEST through Tss2_MU, the signature
 * through OpenSSL, and the search for the log prefix whose replay gives
 * the quoted PCR digest.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "tsm-rtmr.h"
#include "internal.h"

static const char *ecc_group_name(TPMI_ECC_CURVE curve)
{
	switch (curve) {
	case TPM2_ECC_NIST_P256:	return "prime256v1";
	case TPM2_ECC_NIST_P384:	return "secp384r1";
	case TPM2_ECC_NIST_P521:	return "secp521r1";
	}
	return NULL;
}

static int build_pkey(OSSL_PARAM_BLD *bld, EVP_PKEY **pkey, const char *type)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	int ret = TR_E_CRYPTO;

	if (params && ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, pkey, EVP_PKEY_PUBLIC_KEY, params) > 0)
		ret = TR_OK;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return ret;
}

static int ecc_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **pkey)
{
	const TPMS_ECC_POINT *pt = &pub->unique.ecc;
	const char *group = ecc_group_name(pub->parameters.eccDetail.curveID);
	uint8_t point[1 + 2 * sizeof(pt->x.buffer)];
	OSSL_PARAM_BLD *bld;
	int ret = TR_E_CRYPTO;

	if (!group || pt->x.size > sizeof(pt->x.buffer) ||
	    pt->y.size != pt->x.size)
		return TR_E_UNSUPPORTED;
	point[0] = POINT_CONVERSION_UNCOMPRESSED;
	memcpy(point + 1, pt->x.buffer, pt->x.size);
	memcpy(point + 1 + pt->x.size, pt->y.buffer, pt->y.size);
	bld = OSSL_PARAM_BLD_new();
	if (bld &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
					     1 + 2 * (size_t)pt->x.size))
		ret = build_pkey(bld, pkey, "EC");
	OSSL_PARAM_BLD_free(bld);
	return ret;
}

static int rsa_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **pkey)
{
	const TPM2B_PUBLIC_KEY_RSA *mod = &pub->unique.rsa;
	uint32_t exp = pub->parameters.rsaDetail.exponent;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_bin2bn(mod->buffer, mod->size, NULL);
	BIGNUM *e = BN_new();
	int ret = TR_E_CRYPTO;

	if (bld && n && e && BN_set_word(e, exp ? exp : 65537) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		ret = build_pkey(bld, pkey, "RSA");
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return ret;
}

/* TPM signatures to the encoding EVP_DigestVerify expects. */
static int sig_bytes(const TPMT_SIGNATURE *sig, uint8_t **der, size_t *len,
		     TPMI_ALG_HASH *hash, int *padding)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	int n;

	*der = NULL;
	switch (sig->sigAlg) {
	case TPM2_ALG_ECDSA:
		*hash = sig->signature.ecdsa.hash;
		r = BN_bin2bn(sig->signature.ecdsa.signatureR.buffer,
			      sig->signature.ecdsa.signatureR.size, NULL);
		s = BN_bin2bn(sig->signature.ecdsa.signatureS.buffer,
			      sig->signature.ecdsa.signatureS.size, NULL);
		es = ECDSA_SIG_new();
		if (!r || !s || !es || !ECDSA_SIG_set0(es, r, s)) {
			BN_free(r);
			BN_free(s);
			ECDSA_SIG_free(es);
			return TR_E_CRYPTO;
		}
		n = i2d_ECDSA_SIG(es, der);
		ECDSA_SIG_free(es);
		if (n <= 0)
			return TR_E_CRYPTO;
		*len = (size_t)n;
		*padding = 0;
		return TR_OK;
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
		*hash = sig->signature.rsassa.hash;
		*len = sig->signature.rsassa.sig.size;
		*der = OPENSSL_malloc(*len ? *len : 1);
		if (!*der)
			return TR_E_NOMEM;
		memcpy(*der, sig->signature.rsassa.sig.buffer, *len);
		*padding = sig->sigAlg == TPM2_ALG_RSAPSS ?
			   RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
		return TR_OK;
	}
	return TR_E_UNSUPPORTED;
}

/* Whether @pkey can check a signature of @sig_alg at all. */
static bool key_fits(EVP_PKEY *pkey, TPMI_ALG_SIG_SCHEME sig_alg)
{
	int type = EVP_PKEY_get_base_id(pkey);

	return sig_alg == TPM2_ALG_ECDSA ? type == EVP_PKEY_EC :
	       type == EVP_PKEY_RSA;
}

static int verify_signature(const uint8_t *data, size_t len,
			    const TPMT_SIGNATURE *sig, EVP_PKEY *pkey,
			    struct tr_error *err)
{
	EVP_MD_CTX *md_ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	const struct tr_alg *hash;
	TPMI_ALG_HASH hash_id = 0;
	uint8_t *sigbuf = NULL;
	size_t siglen = 0;
	int padding = 0, ret;

	ret = sig_bytes(sig, &sigbuf, &siglen, &hash_id, &padding);
	if (ret) {
		tr_set_error(err, 0, "cannot use signature 0x%04x: %s",
			     sig->sigAlg, tr_strstatus(ret));
		goto out;
	}
	/* An RSA signature under an EC key (or back) is a mismatch, not an error. */
	if (!key_fits(pkey, sig->sigAlg)) {
		tr_set_error(err, 0, "quote signature 0x%04x does not fit the key type",
			     sig->sigAlg);
		ret = TR_E_NOMATCH;
		goto out;
	}
	hash = tr_alg_by_id(hash_id);
	md_ctx = EVP_MD_CTX_new();
	ret = TR_E_CRYPTO;
	if (!hash || !tr_evp_md(hash) || !md_ctx ||
	    EVP_DigestVerifyInit(md_ctx, &pctx, tr_evp_md(hash), NULL, pkey) <= 0 ||
	    (padding && EVP_PKEY_CTX_set_rsa_padding(pctx, padding) <= 0) ||
	    (padding == RSA_PKCS1_PSS_PADDING &&
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) <= 0)) {
		tr_set_error(err, 0, "cannot set up signature verification");
		goto out;
	}
	if (EVP_DigestVerify(md_ctx, sigbuf, siglen, data, len) != 1) {
		tr_set_error(err, 0, "quote signature does not verify with the key");
		ret = TR_E_NOMATCH;
		goto out;
	}
	ret = TR_OK;
out:
	EVP_MD_CTX_free(md_ctx);
	OPENSSL_free(sigbuf);
	return ret;
}

static int check_attest(const TPMS_ATTEST *a, const uint8_t *nonce,
			size_t nonce_len, struct tr_error *err)
{
	if (a->magic != TPM2_GENERATED_VALUE) {
		tr_set_error(err, 0, "attestation magic 0x%08x, expected 0x%08x",
			     a->magic, TPM2_GENERATED_VALUE);
		return TR_E_NOMATCH;
	}
	if (a->type != TPM2_ST_ATTEST_QUOTE) {
		tr_set_error(err, 0, "attestation type 0x%04x, expected quote 0x%04x",
			     a->type, TPM2_ST_ATTEST_QUOTE);
		return TR_E_NOMATCH;
	}
	if (a->extraData.size != nonce_len ||
	    memcmp(a->extraData.buffer, nonce, nonce_len)) {
		tr_set_error(err, 0, "attestation extraData does not equal the nonce");
		return TR_E_NOMATCH;
	}
	return TR_OK;
}

static int tpm_pkey(const TPMT_PUBLIC *pub, EVP_PKEY **pkey)
{
	return pub->type == TPM2_ALG_ECC ? ecc_pkey(pub, pkey) :
	       pub->type == TPM2_ALG_RSA ? rsa_pkey(pub, pkey) :
	       TR_E_UNSUPPORTED;
}

/* tr_quote_verify and tr_quote_verify_pem once they hold the key. */
static int verify_attest(const uint8_t *attest, size_t attest_len,
			 const TPMT_SIGNATURE *sig, EVP_PKEY *pkey,
			 const uint8_t *nonce, size_t nonce_len,
			 TPMS_ATTEST *out, struct tr_error *err)
{
	size_t off = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest, attest_len, &off, out) ||
	    off != attest_len) {
		tr_set_error(err, off, "attestation data is not a TPMS_ATTEST");
		return TR_E_MALFORMED;
	}
	ret = check_attest(out, nonce, nonce_len, err);
	if (ret)
		return ret;
	return verify_signature(attest, attest_len, sig, pkey, err);
}

int tr_quote_verify(const uint8_t *attest, size_t attest_len,
		    const TPMT_SIGNATURE *sig, const TPMT_PUBLIC *pub,
		    const uint8_t *nonce, size_t nonce_len, TPMS_ATTEST *out,
		    struct tr_error *err)
{
	EVP_PKEY *pkey = NULL;
	int ret = tpm_pkey(pub, &pkey);

	if (ret) {
		memset(out, 0, sizeof(*out));
		tr_set_error(err, 0, "cannot use key type 0x%04x: %s",
			     pub->type, tr_strstatus(ret));
		return ret;
	}
	ret = verify_attest(attest, attest_len, sig, pkey, nonce, nonce_len,
			    out, err);
	EVP_PKEY_free(pkey);
	return ret;
}

static bool pcr_selected(const TPMS_PCR_SELECTION *s, uint32_t pcr)
{
	return pcr / 8 < s->sizeofSelect &&
	       (s->pcrSelect[pcr / 8] & (1u << (pcr % 8)));
}

static int pcr_value(const struct tr_replay *r, uint32_t pcr,
		     const struct tr_alg *alg, tr_pcr_lookup lookup,
		     void *ctx, uint8_t *out)
{
	int bank = tr_log_bank(r->log, alg->id);
	const uint8_t *v = bank < 0 ? NULL :
			   tr_replay_value(r, pcr, (unsigned int)bank);

	if (v) {
		memcpy(out, v, alg->size);
		return TR_OK;
	}
	return lookup ? lookup(pcr, alg->id, out, ctx) : TR_E_INVAL;
}

int tr_pcr_digest(const struct tr_replay *r, const TPML_PCR_SELECTION *sel,
		  const struct tr_alg *hash, tr_pcr_lookup lookup,
		  void *lookup_ctx, uint8_t *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t value[TR_MAX_DIGEST];
	unsigned int out_len = 0;
	int ret = TR_E_CRYPTO;

	if (!ctx || !tr_evp_md(hash) ||
	    !EVP_DigestInit_ex(ctx, tr_evp_md(hash), NULL))
		goto out;
	for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
		const struct tr_alg *alg = tr_alg_by_id(s->hash);

		if (!alg) {
			ret = TR_E_UNSUPPORTED;
			goto out;
		}
		for (uint32_t pcr = 0; pcr < 8u * s->sizeofSelect; pcr++) {
			if (!pcr_selected(s, pcr))
				continue;
			ret = pcr_value(r, pcr, alg, lookup, lookup_ctx, value);
			if (ret)
				goto out;
			if (!EVP_DigestUpdate(ctx, value, alg->size)) {
				ret = TR_E_CRYPTO;
				goto out;
			}
		}
	}
	ret = EVP_DigestFinal_ex(ctx, out, &out_len) && out_len == hash->size ?
	      TR_OK : TR_E_CRYPTO;
out:
	EVP_MD_CTX_free(ctx);
	return ret;
}

struct quote_ctx {
	const TPML_PCR_SELECTION *sel;
	const struct tr_alg *hash;
	const uint8_t *want;
	tr_pcr_lookup lookup;
	void *lookup_ctx;
	int last_result;
};

static bool touches_selection(const TPML_PCR_SELECTION *sel,
			      const struct tr_record *rec)
{
	if (rec->event_type == TR_EV_NO_ACTION)
		return false;
	for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++)
		if (pcr_selected(&sel->pcrSelections[i], rec->log_index))
			return true;
	return false;
}

static int quote_match(const struct tr_replay *r, size_t n,
		       const struct tr_record *last, void *ctx)
{
	struct quote_ctx *q = ctx;
	uint8_t digest[TR_MAX_DIGEST];
	int ret;

	(void)n;
	/* Records of unselected PCRs cannot change the digest. */
	if (last && !touches_selection(q->sel, last))
		return q->last_result;
	ret = tr_pcr_digest(r, q->sel, q->hash, q->lookup, q->lookup_ctx,
			    digest);
	if (ret)
		return ret;
	q->last_result = !memcmp(digest, q->want, q->hash->size);
	return q->last_result;
}

int tr_quote_find_prefix(const struct tr_log *log,
			 const TPML_PCR_SELECTION *sel,
			 const struct tr_alg *hash, const uint8_t *pcr_digest,
			 tr_pcr_lookup lookup, void *lookup_ctx, size_t *best,
			 struct tr_error *err)
{
	struct quote_ctx q = {
		.sel = sel, .hash = hash, .want = pcr_digest,
		.lookup = lookup, .lookup_ctx = lookup_ctx,
	};
	int ret = tr_longest_prefix_cb(log, TR_REPLAY_TPM, quote_match, &q,
				       best, err);

	if (ret < 0 && ret != TR_E_NOMATCH && err && !err->msg[0])
		tr_set_error(err, 0, "computing the PCR digest failed: %s",
			     tr_strstatus(ret));
	return ret;
}

size_t tr_quote_uncovered(const struct tr_log *log,
			  const TPML_PCR_SELECTION *sel, size_t prefix,
			  size_t count, uint32_t *recnums, size_t max)
{
	size_t n = 0;

	if (count > log->n_records)
		count = log->n_records;
	for (size_t i = prefix; i < count; i++) {
		if (!touches_selection(sel, &log->records[i]))
			continue;
		if (n < max)
			recnums[n] = log->records[i].recnum;
		n++;
	}
	return n;
}

int tr_quote_verify_pem(const uint8_t *attest, size_t attest_len,
			const TPMT_SIGNATURE *sig, const char *pem,
			size_t pem_len, const uint8_t *nonce, size_t nonce_len,
			TPMS_ATTEST *out, struct tr_error *err)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	int ret, type;

	memset(out, 0, sizeof(*out));
	if (pem_len > INT_MAX)
		pem_len = INT_MAX;	/* no PEM key is that long: fails below */
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	if (!bio)
		return TR_E_NOMEM;
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	type = pkey ? EVP_PKEY_get_base_id(pkey) : 0;
	if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
		tr_set_error(err, 0, pkey ? "the AK is not an RSA or EC key" :
			     "the AK is not a PEM public key");
		EVP_PKEY_free(pkey);
		ERR_clear_error();	/* PEM_read leaves its failure queued */
		return pkey ? TR_E_UNSUPPORTED : TR_E_MALFORMED;
	}
	ret = verify_attest(attest, attest_len, sig, pkey, nonce, nonce_len,
			    out, err);
	EVP_PKEY_free(pkey);
	return ret;
}

int tr_tpm_public_pem(const TPMT_PUBLIC *pub, char **pem, size_t *len)
{
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	char *data;
	long n;
	int ret;

	*pem = NULL;
	*len = 0;
	ret = tpm_pkey(pub, &pkey);
	if (ret)
		return ret;
	ret = TR_E_CRYPTO;
	bio = BIO_new(BIO_s_mem());
	if (!bio || !PEM_write_bio_PUBKEY(bio, pkey))
		goto out;
	n = BIO_get_mem_data(bio, &data);
	ret = TR_E_NOMEM;
	if (n <= 0 || !(*pem = malloc((size_t)n + 1)))
		goto out;
	memcpy(*pem, data, (size_t)n);
	(*pem)[n] = 0;
	*len = (size_t)n;
	ret = TR_OK;
out:
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return ret;
}
