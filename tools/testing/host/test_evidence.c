// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for libtsm-rtmr's evidence documents (spec 9), TAP output:
 * the JSON codec (round trips, strictness, truncation), the PEM side of TPM
 * quote verification, and tr_evidence_verify against TPM quotes this test
 * makes itself: a TPMS_ATTEST marshalled with Tss2_MU, signed with an
 * OpenSSL P-256 key, over PCR values computed here through EVP directly,
 * never through the library under test.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>

#include "tsm-rtmr.h"
#include "test_evp.h"
#include "td_quote_build.h"
#include "../lib/tap.h"

#define SHA256 0x000b
#define SHA384 0x000c

static const uint16_t tpm_algs[] = { SHA256, SHA384 };
static const uint8_t nonce[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };

/* ---- helpers ---------------------------------------------------------- */

static void *dup_bytes(const void *p, size_t len)
{
	void *d = malloc(len ? len : 1);

	memcpy(d, p, len);
	return d;
}

/* The document as the library writes it; NULL when the writer fails. */
static char *doc_text(const struct tr_evidence *ev, size_t *len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	int ret = tr_evidence_write(f, ev);

	fclose(f);
	if (ret) {
		free(text);
		return NULL;
	}
	if (len)
		*len = n;
	return text;
}

static char *key_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem;
	long n;

	PEM_write_bio_PUBKEY(bio, key);
	n = BIO_get_mem_data(bio, &data);
	pem = malloc((size_t)n + 1);
	memcpy(pem, data, (size_t)n);
	pem[n] = 0;
	BIO_free(bio);
	return pem;
}

/* ---- the test's TPM: key, log inputs, PCR values, quote ---------------- */

struct entry {
	uint32_t pcr;
	uint32_t type;
	const char *data;
	bool unbound;		/* digests not of the data (type != EV_EVENT_TAG) */
};

/*
 * PCR 16: two EV_EVENT_TAG entries; PCR 23: an entry whose digest is not
 * of its data (an EV_IPL, say: 0xd). PCR 0 is quoted but not in the log.
 */
static const struct entry base_entries[] = {
	{ 16, TR_EV_EVENT_TAG, "tag-one", false },
	{ 23, 0xd, "ipl-data", true },
	{ 16, TR_EV_EVENT_TAG, "tag-two", false },
};
#define N_BASE (sizeof(base_entries) / sizeof(base_entries[0]))

static const struct entry extra_entry = { 16, TR_EV_EVENT_TAG, "later", false };
static const struct entry pcr17_entry = { 17, TR_EV_EVENT_TAG, "pcr17", false };

static void entry_digest(const struct entry *e, uint16_t alg, uint8_t *out)
{
	const char *name = alg == SHA256 ? "SHA256" : "SHA384";

	if (e->unbound)
		evp(name, "not the data:", 13, e->data, strlen(e->data), out);
	else
		evp(name, e->data, strlen(e->data), "", 0, out);
}

static void build_log(struct tr_buf *b, const struct entry *e, size_t n)
{
	uint8_t d[32 + 48];

	tr_build_header(b, tpm_algs, 2);
	for (size_t i = 0; i < n; i++) {
		entry_digest(&e[i], SHA256, d);
		entry_digest(&e[i], SHA384, d + 32);
		tr_build_record(b, e[i].pcr, e[i].type, tpm_algs, 2, d,
				e[i].data, (uint32_t)strlen(e[i].data));
	}
}

/* PCR @pcr in bank @alg after entries @e[0..n): EVP over our own inputs. */
static void pcr_after(const struct entry *e, size_t n, uint32_t pcr,
		      uint16_t alg, uint8_t *out)
{
	const char *name = alg == SHA256 ? "SHA256" : "SHA384";
	size_t size = alg == SHA256 ? 32 : 48;
	uint8_t d[48];

	memset(out, pcr == 0 ? 0x5a : 0, size);
	for (size_t i = 0; i < n; i++) {
		if (e[i].pcr != pcr)
			continue;
		entry_digest(&e[i], alg, d);
		evp(name, out, size, d, size, out);
	}
}

static const uint32_t quoted_pcrs[] = { 0, 16, 23 };

struct tpm_fix {
	EVP_PKEY *key, *other;
	char *pem, *other_pem;
};

static void bn_to_tpm2b(const BIGNUM *bn, uint8_t *buf, UINT16 *size, int len)
{
	BN_bn2binpad(bn, buf, len);
	*size = (UINT16)len;
}

/* TPMT_SIGNATURE (ECDSA, SHA-256) over @msg, marshalled. */
static void sign_quote(EVP_PKEY *key, const uint8_t *msg, size_t len,
		       uint8_t *out, size_t *out_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t der[128];
	const uint8_t *p = der;
	size_t der_len = sizeof(der), off = 0;
	TPMT_SIGNATURE sig = { 0 };
	ECDSA_SIG *es;

	EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, key);
	EVP_DigestSign(c, der, &der_len, msg, len);
	es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
	sig.sigAlg = TPM2_ALG_ECDSA;
	sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	bn_to_tpm2b(ECDSA_SIG_get0_r(es), sig.signature.ecdsa.signatureR.buffer,
		    &sig.signature.ecdsa.signatureR.size, 32);
	bn_to_tpm2b(ECDSA_SIG_get0_s(es), sig.signature.ecdsa.signatureS.buffer,
		    &sig.signature.ecdsa.signatureS.size, 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(c);
	Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, out, sizeof(TPMT_SIGNATURE), &off);
	*out_len = off;
}

/*
 * A tpm document: the log holds @log_e[0..log_n), the quote's PCRs are the
 * replay of @quote_e[0..quote_n) (PCRs 0, 16, 23 in sha256 and sha384).
 */
static struct tr_evidence *tpm_doc(const struct tpm_fix *fx,
				   const struct entry *log_e, size_t log_n,
				   const struct entry *quote_e, size_t quote_n,
				   uint64_t count)
{
	struct tr_evidence *ev = calloc(1, sizeof(*ev));
	TPMS_ATTEST a = { 0 };
	TPML_PCR_SELECTION *sel = &a.attested.quote.pcrSelect;
	uint8_t all[6 * 48], msg[sizeof(TPMS_ATTEST)], sig[sizeof(TPMT_SIGNATURE)];
	size_t off = 0, msg_len = 0, sig_len = 0;
	struct tr_buf b = { 0 };

	ev->version = 1;
	strcpy(ev->provider, "tpm");
	memcpy(ev->nonce, nonce, sizeof(nonce));
	ev->nonce_len = sizeof(nonce);
	ev->count = count;
	build_log(&b, log_e, log_n);
	ev->log = b.data;
	ev->log_len = b.len;

	ev->n_pcrs = 6;
	ev->pcrs = calloc(6, sizeof(*ev->pcrs));
	sel->count = 2;
	for (int bank = 0; bank < 2; bank++) {
		uint16_t alg = tpm_algs[bank];
		size_t size = alg == SHA256 ? 32 : 48;

		sel->pcrSelections[bank].hash = alg;
		sel->pcrSelections[bank].sizeofSelect = 3;
		sel->pcrSelections[bank].pcrSelect[0] = 0x01;	/* PCR 0 */
		sel->pcrSelections[bank].pcrSelect[2] = 0x81;	/* PCRs 16, 23 */
		for (int i = 0; i < 3; i++) {
			struct tr_ev_pcr *p = &ev->pcrs[bank * 3 + i];

			p->alg_id = alg;
			p->pcr = quoted_pcrs[i];
			pcr_after(quote_e, quote_n, p->pcr, alg, p->value);
			memcpy(all + off, p->value, size);
			off += size;
		}
	}
	a.magic = TPM2_GENERATED_VALUE;
	a.type = TPM2_ST_ATTEST_QUOTE;
	a.extraData.size = sizeof(nonce);
	memcpy(a.extraData.buffer, nonce, sizeof(nonce));
	a.attested.quote.pcrDigest.size = 32;
	evp("SHA256", all, off, "", 0, a.attested.quote.pcrDigest.buffer);
	Tss2_MU_TPMS_ATTEST_Marshal(&a, msg, sizeof(msg), &msg_len);
	sign_quote(fx->key, msg, msg_len, sig, &sig_len);

	ev->has_tpm_quote = true;
	ev->tpm_message = dup_bytes(msg, msg_len);
	ev->tpm_message_len = msg_len;
	ev->tpm_signature = dup_bytes(sig, sig_len);
	ev->tpm_signature_len = sig_len;
	ev->ak_public = strdup(fx->pem);
	return ev;
}

static struct tr_evidence *good_tpm_doc(const struct tpm_fix *fx)
{
	return tpm_doc(fx, base_entries, N_BASE, base_entries, N_BASE, N_BASE);
}

/* ---- verification outcome -------------------------------------------- */

struct outcome {
	int ret;
	struct tr_error err;
	size_t n;
	struct { bool ok; char check[32]; char detail[256]; } line[256];
};

static void collect(void *ctx, bool ok, const char *check, const char *detail)
{
	struct outcome *o = ctx;

	if (o->n == sizeof(o->line) / sizeof(o->line[0]))
		return;
	o->line[o->n].ok = ok;
	snprintf(o->line[o->n].check, sizeof(o->line[0].check), "%s", check);
	snprintf(o->line[o->n].detail, sizeof(o->line[0].detail), "%s", detail);
	o->n++;
}

static void verify(const struct tr_evidence *ev, const uint8_t *n,
		   size_t n_len, const char *pem, struct outcome *out)
{
	struct tr_verify_opts o = {
		.nonce = n, .nonce_len = n_len,
		.ak_pub_pem = pem, .ak_pub_pem_len = pem ? strlen(pem) : 0,
		.report = collect, .ctx = out,
	};

	memset(out, 0, sizeof(*out));
	out->ret = tr_evidence_verify(ev, &o, &out->err);
}

/* Whether a line for @check says @ok (with @needle in its detail, if set). */
static bool has_line(const struct outcome *o, const char *check, bool ok,
		     const char *needle)
{
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->line[i].check, check) && o->line[i].ok == ok &&
		    (!needle || strstr(o->line[i].detail, needle)))
			return true;
	return false;
}

static bool all_ok(const struct outcome *o)
{
	for (size_t i = 0; i < o->n; i++)
		if (!o->line[i].ok)
			return false;
	return o->n > 0;
}

static void dump(const struct outcome *o)
{
	for (size_t i = 0; i < o->n; i++)
		printf("#   %s %s: %s\n", o->line[i].ok ? "ok  " : "FAIL",
		       o->line[i].check, o->line[i].detail);
}

/* A failed verification (exit 1) whose first failure is @check. */
static void expect_fail(const struct outcome *o, const char *check,
			const char *what)
{
	if (!tap(o->ret == TR_E_NOMATCH && has_line(o, check, false, NULL) &&
		 !strncmp(o->err.msg, check, strlen(check)),
		 "verify: %s: fails, check \"%s\" (ret %d, %s)", what, check,
		 o->ret, o->err.msg))
		dump(o);
}

/* ---- codec: round trip -------------------------------------------------- */

static bool same_doc(const struct tr_evidence *a, const struct tr_evidence *b)
{
#define SAME(p, l) ((a->l == b->l) && (!a->l || !memcmp(a->p, b->p, a->l)))
	if (a->version != b->version || strcmp(a->provider, b->provider) ||
	    !SAME(nonce, nonce_len) || a->count != b->count ||
	    !SAME(log, log_len) || a->has_tpm_quote != b->has_tpm_quote ||
	    !SAME(tpm_message, tpm_message_len) ||
	    !SAME(tpm_signature, tpm_signature_len) ||
	    !SAME(td_quote, td_quote_len) || !SAME(ccel, ccel_len) ||
	    a->n_pcrs != b->n_pcrs)
		return false;
#undef SAME
	if (!a->ak_public != !b->ak_public ||
	    (a->ak_public && strcmp(a->ak_public, b->ak_public)))
		return false;
	for (size_t i = 0; i < a->n_pcrs; i++) {
		const struct tr_ev_pcr *p = &a->pcrs[i];
		bool found = false;

		for (size_t j = 0; j < b->n_pcrs; j++)
			found |= b->pcrs[j].alg_id == p->alg_id &&
				 b->pcrs[j].pcr == p->pcr &&
				 !memcmp(b->pcrs[j].value, p->value,
					 tr_alg_by_id(p->alg_id)->size);
		if (!found)
			return false;
	}
	return true;
}

static struct tr_evidence *tdx_doc(void)
{
	struct tr_evidence *ev = calloc(1, sizeof(*ev));
	static const uint16_t sha384[] = { SHA384 };
	struct tr_buf b = { 0 };
	uint8_t q[700];

	ev->version = 1;
	strcpy(ev->provider, "tdx");
	memset(ev->nonce, 0x11, 64);
	ev->nonce_len = 64;
	ev->count = 1;
	tr_build_header(&b, sha384, 1);
	tr_build_record_hashed(&b, 4, TR_EV_EVENT_TAG, sha384, 1, "x", 1);
	ev->log = b.data;
	ev->log_len = b.len;
	for (size_t i = 0; i < sizeof(q); i++)
		q[i] = (uint8_t)(i * 7);
	ev->td_quote = dup_bytes(q, sizeof(q));
	ev->td_quote_len = sizeof(q);
	ev->ccel = dup_bytes(q, 5);	/* 5 bytes: base64 with one '=' */
	ev->ccel_len = 5;
	return ev;
}

static void test_round_trip(const struct tpm_fix *fx)
{
	struct tr_evidence *docs[2] = { good_tpm_doc(fx), tdx_doc() };

	for (int i = 0; i < 2; i++) {
		struct tr_evidence *back = NULL;
		struct tr_error err = { 0 };
		size_t len = 0;
		char *text = doc_text(docs[i], &len), *again;
		int ret = text ? tr_evidence_parse(text, len, &back, &err) : -99;

		tap(!ret && back && same_doc(docs[i], back),
		    "round trip %s: write, parse gives the same document (%d %s)",
		    docs[i]->provider, ret, err.msg);
		again = back ? doc_text(back, NULL) : NULL;
		tap(text && again && !strcmp(text, again) &&
		    text[len - 1] == '\n' && text[len - 2] == '}',
		    "round trip %s: written again byte for byte, ends in \"}\\n\"",
		    docs[i]->provider);
		if (i == 0 && text) {
			const char *v = strstr(text, "\"version\""),
				   *p = strstr(text, "\"provider\""),
				   *n = strstr(text, "\"nonce\""),
				   *c = strstr(text, "\"count\""),
				   *l = strstr(text, "\"log\""),
				   *t = strstr(text, "\"tpm_quote\""),
				   *p0 = strstr(text, "\"0\""),
				   *p16 = strstr(text, "\"16\""),
				   *s256 = strstr(text, "\"sha256\""),
				   *s384 = strstr(text, "\"sha384\"");

			tap(v && v < p && p < n && n < c && c < l && l < t &&
			    p0 < p16 && s256 < s384 && strchr(text, '\n') < p,
			    "write: keys in the spec's order, pcrs ascending, banks in log order, pretty");
		}
		free(again);
		free(text);
		tr_evidence_free(back);
		tr_evidence_free(docs[i]);
	}
}

/* ---- codec: strictness ---------------------------------------------- */

static void expect_malformed(const char *text, size_t len, const char *field,
			     const char *what)
{
	struct tr_evidence *ev = (void *)1;
	struct tr_error err = { 0 };
	int ret = tr_evidence_parse(text, len, &ev, &err);

	tap(ret == TR_E_MALFORMED && !ev && strstr(err.msg, field),
	    "parse: %s: TR_E_MALFORMED naming %s (%d: %s)", what, field, ret,
	    err.msg);
	if (ret == 0)
		tr_evidence_free(ev);
}

/* @base with the member at dotted @path replaced by @json (NULL: removed). */
static char *mutate(const char *base, const char *path, const char *json)
{
	json_object *root = json_tokener_parse(base), *o = root;
	char *p = strdup(path), *dot, *key = p, *out;

	while ((dot = strchr(key, '.'))) {
		*dot = 0;
		json_object_object_get_ex(o, key, &o);
		key = dot + 1;
	}
	if (json)
		json_object_object_add(o, key, json_tokener_parse(json));
	else
		json_object_object_del(o, key);
	out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
						    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	free(p);
	return out;
}

/* @base with the member at @path (a.b.KEY) moved to key @new_key. */
static char *rename_key(const char *base, const char *parent, const char *key,
			const char *new_key)
{
	json_object *root = json_tokener_parse(base), *o = root, *v;
	char *p = strdup(parent), *k = p, *dot, *out;

	while ((dot = strchr(k, '.'))) {
		*dot = 0;
		json_object_object_get_ex(o, k, &o);
		k = dot + 1;
	}
	json_object_object_get_ex(o, k, &o);
	json_object_object_get_ex(o, key, &v);
	json_object_get(v);
	json_object_object_del(o, key);
	json_object_object_add(o, new_key, v);
	out = strdup(json_object_to_json_string(root));
	json_object_put(root);
	free(p);
	return out;
}

static void malformed_mut(const char *base, const char *path, const char *json,
			  const char *field, const char *what)
{
	char *t = mutate(base, path, json);

	expect_malformed(t, strlen(t), field, what);
	free(t);
}

static void test_strict(const struct tpm_fix *fx)
{
	struct tr_evidence *ev = good_tpm_doc(fx), *td = tdx_doc(), *out = NULL;
	char *base = doc_text(ev, NULL), *tdx = doc_text(td, NULL), *t;
	struct tr_error err = { 0 };
	static const char *const required[] = {
		"version", "provider", "nonce", "count", "log", "tpm_quote",
		"tpm_quote.message", "tpm_quote.signature", "tpm_quote.ak_public",
		"tpm_quote.pcrs",
	};
	char big[300];

	if (!tap(base && tdx, "strict: base documents written")) {
		free(base);
		free(tdx);
		tr_evidence_free(ev);
		tr_evidence_free(td);
		return;
	}
	expect_malformed("hello", 5, "JSON", "not JSON");
	expect_malformed("[1,2]", 5, "object", "an array");
	expect_malformed("", 0, "JSON", "empty input");
	t = malloc(strlen(base) + 8);
	sprintf(t, "%s x", base);
	expect_malformed(t, strlen(t), "trailing", "trailing garbage");
	sprintf(t, "%s{}", base);
	expect_malformed(t, strlen(t), "trailing", "a second object");
	sprintf(t, "%s \t\n", base);
	tap(!tr_evidence_parse(t, strlen(t), &out, &err),
	    "parse: trailing whitespace is allowed (%s)", err.msg);
	tr_evidence_free(out);
	out = NULL;
	t[5] = 0;
	expect_malformed(t, strlen(base), "NUL", "a NUL byte");
	free(t);
	expect_malformed(base, TR_EVIDENCE_MAX_SIZE + 1ul, "size", "too large");

	malformed_mut(base, "version", "2", "\"version\"", "version 2");
	malformed_mut(base, "version", "\"1\"", "\"version\"", "version a string");
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		snprintf(big, sizeof(big), "required field %s missing", required[i]);
		malformed_mut(base, required[i], NULL, required[i], big);
	}
	malformed_mut(base, "provider", "\"sgx\"", "\"provider\"", "provider sgx");
	malformed_mut(base, "provider", "7", "\"provider\"", "provider a number");
	malformed_mut(base, "nonce", "12", "\"nonce\"", "nonce a number");
	malformed_mut(base, "nonce", "\"\"", "\"nonce\"", "nonce of 0 bytes");
	memset(big, 'a', 131);		/* 130 digits */
	big[0] = '"';
	strcpy(big + 131, "\"");
	malformed_mut(base, "nonce", big, "\"nonce\"", "nonce of 65 bytes");
	big[129] = '"';
	big[130] = 0;
	t = mutate(base, "nonce", big);
	tap(!tr_evidence_parse(t, strlen(t), &out, &err) && out->nonce_len == 64,
	    "parse: nonce of 64 bytes is fine (%s)", err.msg);
	tr_evidence_free(out);
	out = NULL;
	free(t);
	malformed_mut(base, "nonce", "\"abc\"", "\"nonce\"", "nonce odd-length hex");
	malformed_mut(base, "nonce", "\"ABCD\"", "\"nonce\"", "nonce upper-case hex");
	malformed_mut(base, "nonce", "\"zz\"", "\"nonce\"", "nonce not hex");
	malformed_mut(base, "count", "-1", "\"count\"", "count -1");
	malformed_mut(base, "count", "1.5", "\"count\"", "count 1.5");
	malformed_mut(base, "count", "\"3\"", "\"count\"", "count a string");
	t = strdup(base);
	{
		char *c = strstr(t, "\"count\": 3");
		char *s = malloc(strlen(t) + 32);

		if (c) {
			*c = 0;
			sprintf(s, "%s\"count\": 18446744073709551616%s", t,
				c + strlen("\"count\": 3"));
			expect_malformed(s, strlen(s), "\"count\"", "count 2^64");
		} else {
			tap(0, "parse: count 2^64: \"count\": 3 not in the document");
		}
		free(s);
	}
	free(t);
	malformed_mut(base, "log", "5", "\"log\"", "log a number");
	malformed_mut(base, "log", "\"AAA*\"", "\"log\"", "base64 garbage");
	malformed_mut(base, "log", "\"AAA\"", "\"log\"", "base64 without padding");
	malformed_mut(base, "log", "\"AA=A\"", "\"log\"", "base64 padding inside");
	malformed_mut(base, "log", "\"A===\"", "\"log\"", "base64 three pads");
	malformed_mut(base, "log", "\"AAAA\\nAAAA\"", "\"log\"", "base64 embedded newline");
	malformed_mut(base, "log", "\"QR==\"", "\"log\"", "base64 non-canonical bits");
	malformed_mut(base, "tpm_quote", "[]", "tpm_quote", "tpm_quote an array");
	malformed_mut(base, "tpm_quote.message", "\"!!!!\"", "tpm_quote.message",
		      "message base64 garbage");
	malformed_mut(base, "tpm_quote.signature", "1", "tpm_quote.signature",
		      "signature a number");
	malformed_mut(base, "tpm_quote.ak_public", "{}", "tpm_quote.ak_public",
		      "ak_public an object");
	malformed_mut(base, "tpm_quote.pcrs", "[]", "tpm_quote.pcrs", "pcrs an array");
	malformed_mut(base, "tpm_quote.pcrs.sha256", "1", "sha256", "bank a number");
	malformed_mut(base, "tpm_quote.pcrs.sha256.16", "\"00\"", "sha256",
		      "pcr value of the wrong length");
	memset(big, '0', 66);
	big[0] = big[65] = '"';
	big[66] = 0;
	big[3] = 'A';
	malformed_mut(base, "tpm_quote.pcrs.sha256.16", big, "sha256",
		      "pcr value upper-case hex");
	big[3] = '0';
	big[65] = 0;			/* 63 digits */
	big[64] = '"';
	malformed_mut(base, "tpm_quote.pcrs.sha256.16", big, "sha256",
		      "pcr value odd-length hex");
	malformed_mut(base, "tpm_quote.pcrs.sha256.16", "7", "sha256",
		      "pcr value a number");
	malformed_mut(base, "tpm_quote.pcrs.md4", "{}", "md4", "unknown bank");
	{
		static const char *const keys[] = { "016", "24", "x", "", "-1", "1 " };

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			t = rename_key(base, "tpm_quote.pcrs.sha256", "16", keys[i]);
			snprintf(big, sizeof(big), "pcr key \"%s\"", keys[i]);
			expect_malformed(t, strlen(t), "sha256", big);
			free(t);
		}
	}
	malformed_mut(tdx, "td_quote", NULL, "td_quote", "tdx without td_quote");
	malformed_mut(tdx, "td_quote", "\"a\"", "td_quote", "td_quote bad base64");
	malformed_mut(tdx, "ccel", "[]", "ccel", "ccel an array");
	t = mutate(tdx, "ccel", NULL);
	tap(!tr_evidence_parse(t, strlen(t), &out, &err) && out && !out->ccel,
	    "parse: tdx without ccel is fine (%s)", err.msg);
	tr_evidence_free(out);
	out = NULL;
	free(t);
	t = mutate(base, "future_field", "{\"a\": [1, 2, {}]}");
	tap(!tr_evidence_parse(t, strlen(t), &out, &err),
	    "parse: unknown fields are ignored (%s)", err.msg);
	tr_evidence_free(out);
	out = NULL;
	free(t);
	{
		/* 100 nested arrays inside the object */
		size_t blen = strlen(base);
		char *deep = malloc(blen + 300), *q;

		memcpy(deep, base, blen + 1);
		q = strrchr(deep, '}');
		q += sprintf(q, ", \"future_field\": ");
		memset(q, '[', 100);
		memset(q + 100, ']', 100);
		strcpy(q + 200, "}");
		expect_malformed(deep, strlen(deep), "JSON", "nesting too deep");
		free(deep);
	}
	{
		char *d = mutate(base, "provider", "\"tdx\"");

		expect_malformed(d, strlen(d), "td_quote", "provider tdx, a tpm_quote but no td_quote");
		free(d);
		d = mutate(tdx, "provider", "\"snp-vtpm\"");
		expect_malformed(d, strlen(d), "tpm_quote", "provider snp-vtpm without tpm_quote");
		free(d);
	}

	/* Every truncation before the closing brace fails, cleanly. */
	{
		size_t len = strlen(base), bad = 0;

		for (size_t n = 0; n + 2 < len; n++) {
			struct tr_evidence *e = NULL;
			struct tr_error er = { 0 };
			char *cut = malloc(n ? n : 1);

			memcpy(cut, base, n);
			if (tr_evidence_parse(cut, n, &e, &er) != TR_E_MALFORMED ||
			    e || !strstr(er.msg, "evidence")) {
				if (!bad)
					printf("# truncated to %zu: %s\n", n, er.msg);
				bad++;
			}
			tr_evidence_free(e);
			free(cut);
		}
		tap(!bad, "parse: each of %zu truncations fails with TR_E_MALFORMED (%zu did not)",
		    len - 2, bad);
	}
	free(base);
	free(tdx);
	tr_evidence_free(ev);
	tr_evidence_free(td);
}

/* ---- PEM keys and tr_quote_verify_pem ------------------------------------ */

static void test_pem(const struct tpm_fix *fx)
{
	TPMT_PUBLIC pub = { 0 };
	BIGNUM *x = NULL, *y = NULL, *n = NULL;
	EVP_PKEY *rsa = EVP_RSA_gen(2048);
	struct tr_evidence *ev = good_tpm_doc(fx);
	TPMT_SIGNATURE sig = { 0 };
	TPMS_ATTEST out;
	struct tr_error err = { 0 };
	char *pem = NULL, *want;
	size_t len = 0, off = 0;
	int ret;

	EVP_PKEY_get_bn_param(fx->key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
	EVP_PKEY_get_bn_param(fx->key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
	pub.type = TPM2_ALG_ECC;
	pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	bn_to_tpm2b(x, pub.unique.ecc.x.buffer, &pub.unique.ecc.x.size, 32);
	bn_to_tpm2b(y, pub.unique.ecc.y.buffer, &pub.unique.ecc.y.size, 32);
	ret = tr_tpm_public_pem(&pub, &pem, &len);
	tap(!ret && pem && len == strlen(pem) && !strcmp(pem, fx->pem),
	    "pem: an ECC P-256 TPMT_PUBLIC gives OpenSSL's PEM of the key (%d)", ret);
	free(pem);
	pem = NULL;

	EVP_PKEY_get_bn_param(rsa, OSSL_PKEY_PARAM_RSA_N, &n);
	memset(&pub, 0, sizeof(pub));
	pub.type = TPM2_ALG_RSA;
	pub.parameters.rsaDetail.keyBits = 2048;
	pub.parameters.rsaDetail.exponent = 0;	/* the TPM's "default": 65537 */
	bn_to_tpm2b(n, pub.unique.rsa.buffer, &pub.unique.rsa.size, 256);
	want = key_pem(rsa);
	ret = tr_tpm_public_pem(&pub, &pem, &len);
	tap(!ret && pem && !strcmp(pem, want),
	    "pem: an RSA-2048 TPMT_PUBLIC gives OpenSSL's PEM of the key (%d)", ret);
	free(pem);
	pem = NULL;
	pub.type = TPM2_ALG_KEYEDHASH;
	tap(tr_tpm_public_pem(&pub, &pem, &len) < 0 && !pem,
	    "pem: a keyed-hash object has no public key");

	Tss2_MU_TPMT_SIGNATURE_Unmarshal(ev->tpm_signature, ev->tpm_signature_len,
					 &off, &sig);
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &sig,
				  fx->pem, strlen(fx->pem), nonce, sizeof(nonce),
				  &out, &err);
	tap(!ret && out.magic == TPM2_GENERATED_VALUE,
	    "verify_pem: the quote verifies with the signer's PEM (%d %s)", ret, err.msg);
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &sig,
				  fx->other_pem, strlen(fx->other_pem), nonce,
				  sizeof(nonce), &out, &err);
	tap(ret == TR_E_NOMATCH && strstr(err.msg, "signature"),
	    "verify_pem: another P-256 key: TR_E_NOMATCH (%s)", err.msg);
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &sig,
				  want, strlen(want), nonce, sizeof(nonce), &out, &err);
	tap(ret == TR_E_NOMATCH,
	    "verify_pem: an RSA key for an ECDSA signature: TR_E_NOMATCH (%d %s)", ret, err.msg);
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &sig,
				  fx->pem, strlen(fx->pem), nonce, 7, &out, &err);
	tap(ret == TR_E_NOMATCH && strstr(err.msg, "nonce"),
	    "verify_pem: wrong nonce: TR_E_NOMATCH (%s)", err.msg);
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &sig,
				  "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
				  58, nonce, sizeof(nonce), &out, &err);
	tap(ret < 0 && ret != TR_E_NOMATCH && strstr(err.msg, "PEM"),
	    "verify_pem: a PEM that is no key: an error, not a mismatch (%d %s)", ret, err.msg);
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &sig,
				  fx->pem, strlen(fx->pem) - 30, nonce,
				  sizeof(nonce), &out, &err);
	tap(ret < 0 && ret != TR_E_NOMATCH,
	    "verify_pem: a truncated PEM: an error (%d %s)", ret, err.msg);

	/* An RSASSA quote (tpm2_createak's default key), PKCS#1 v1.5, SHA-256. */
	{
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		TPMT_SIGNATURE rs = { .sigAlg = TPM2_ALG_RSASSA };
		size_t slen = sizeof(rs.signature.rsassa.sig.buffer);

		rs.signature.rsassa.hash = TPM2_ALG_SHA256;
		EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, rsa);
		EVP_DigestSign(c, rs.signature.rsassa.sig.buffer, &slen,
			       ev->tpm_message, ev->tpm_message_len);
		rs.signature.rsassa.sig.size = (UINT16)slen;
		EVP_MD_CTX_free(c);
		memset(&err, 0, sizeof(err));
		ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &rs,
					  want, strlen(want), nonce, sizeof(nonce),
					  &out, &err);
		tap(!ret, "verify_pem: an RSASSA signature verifies with the RSA PEM (%d %s)",
		    ret, err.msg);
		ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &rs,
					  fx->pem, strlen(fx->pem), nonce,
					  sizeof(nonce), &out, &err);
		tap(ret == TR_E_NOMATCH,
		    "verify_pem: an RSASSA signature and an EC PEM: TR_E_NOMATCH (%d %s)",
		    ret, err.msg);
		rs.signature.rsassa.sig.buffer[7] ^= 1;
		ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &rs,
					  want, strlen(want), nonce, sizeof(nonce),
					  &out, &err);
		tap(ret == TR_E_NOMATCH, "verify_pem: a flipped RSA signature bit: TR_E_NOMATCH (%s)",
		    err.msg);
	}

	free(want);
	BN_free(x);
	BN_free(y);
	BN_free(n);
	EVP_PKEY_free(rsa);
	tr_evidence_free(ev);
}

/* ---- TPM verification ---------------------------------------------------- */

/* Offset in ev->log of record @i's first digest byte / event data. */
static size_t rec_off(const struct tr_evidence *ev, size_t i, bool event)
{
	struct tr_log *log = NULL;
	size_t off = 0;

	if (tr_log_parse(ev->log, ev->log_len, NULL, &log, NULL))
		return 0;
	off = event ? log->records[i].event_off : log->records[i].digest_off[0];
	tr_log_free(log);
	return off;
}

static void test_tpm_verify(const struct tpm_fix *fx)
{
	struct outcome *o = calloc(1, sizeof(*o));
	struct tr_evidence *ev = good_tpm_doc(fx);
	struct entry more[N_BASE + 1], fewer[N_BASE - 1], other17[N_BASE + 1];
	static const uint8_t bad_nonce[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 5 };
	size_t off;

	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	if (!tap(o->ret == 0 && all_ok(o) && has_line(o, "signature", true, NULL) &&
		 has_line(o, "nonce", true, NULL) && has_line(o, "pcrs", true, NULL) &&
		 has_line(o, "registers", true, NULL) && has_line(o, "log", true, NULL),
		 "verify tpm: a good document passes every check (%d %s)", o->ret,
		 o->err.msg) || getenv("VERBOSE"))
		dump(o);
	tap(has_line(o, "binding", true, "recnum 1 (type 0xd): not bound") &&
	    has_line(o, "binding", true, "recnum 0 (type 0x6): data bound"),
	    "verify tpm: binding says per entry whether its data is bound");

	/* a digest byte of record 0 changed */
	off = rec_off(ev, 0, false);
	ev->log[off] ^= 1;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "registers", "a digest byte changed in the log");
	ev->log[off] ^= 1;

	/* the EV_EVENT_TAG entry's event data changed: replays, not bound */
	off = rec_off(ev, 2, true);
	ev->log[off] ^= 1;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "binding", "an EV_EVENT_TAG entry's event byte changed");
	tap(has_line(o, "registers", true, NULL) &&
	    has_line(o, "binding", false, "recnum 2"),
	    "verify tpm: ... its registers still replay; binding names recnum 2");
	ev->log[off] ^= 1;

	verify(ev, bad_nonce, sizeof(bad_nonce), fx->pem, o);
	expect_fail(o, "nonce", "the verifier's nonce is not the quote's");
	ev->nonce[0] ^= 1;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "nonce", "the document's nonce is not the verifier's");
	tap(has_line(o, "nonce", false, "document"),
	    "verify tpm: ... the line says it is the document's field");
	ev->nonce[0] ^= 1;

	ev->tpm_message[ev->tpm_message_len - 1] ^= 0x10;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "signature", "a flipped bit in message");
	ev->tpm_message[ev->tpm_message_len - 1] ^= 0x10;

	ev->tpm_signature[10] ^= 0x01;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "signature", "a flipped bit in signature");
	ev->tpm_signature[10] ^= 0x01;

	verify(ev, nonce, sizeof(nonce), fx->other_pem, o);
	expect_fail(o, "signature", "the wrong pinned AK");
	tap(has_line(o, "signature", false, "pinned AK (the document's ak_public is another key)"),
	    "verify tpm: ... the line names the pinned AK, and that the document names another");
	ev->tpm_signature[10] ^= 0x01;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	tap(has_line(o, "signature", false, "ak_public is the pinned key"),
	    "verify tpm: a bad signature under the right pin: the line says the keys agree");
	ev->tpm_signature[10] ^= 0x01;

	ev->pcrs[1].value[3] ^= 1;	/* sha256 PCR 16 */
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "pcrs", "a pcrs value changed");
	ev->pcrs[1].value[3] ^= 1;

	ev->n_pcrs--;			/* sha384 PCR 23 left out */
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "pcrs", "a quoted PCR missing from pcrs");
	ev->pcrs[5].pcr = 22;		/* and one that is not quoted */
	ev->n_pcrs++;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "pcrs", "a PCR the quote did not select in pcrs");
	ev->pcrs[5].pcr = 23;

	verify(ev, nonce, sizeof(nonce), NULL, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH &&
	    strstr(o->err.msg, "no pinned AK") &&
	    has_line(o, "registers", true, NULL),
	    "verify tpm: no pinned AK: an error (exit 2), the other checks still run (%d %s)",
	    o->ret, o->err.msg);

	ev->tpm_message_len--;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH,
	    "verify tpm: a truncated message does not parse: exit-2 class (%d %s)",
	    o->ret, o->err.msg);
	ev->tpm_message_len++;
	ev->tpm_signature_len--;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH,
	    "verify tpm: a truncated signature does not parse: exit-2 class (%d %s)",
	    o->ret, o->err.msg);
	ev->tpm_signature_len++;
	ev->log_len--;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH && has_line(o, "log", false, NULL),
	    "verify tpm: a truncated log does not parse: exit-2 class (%d %s)",
	    o->ret, o->err.msg);
	ev->log_len++;

	ev->count = N_BASE + 1;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "registers", "count above the records in the log");
	tr_evidence_free(ev);

	/* entries added after the quote: the prefix rule accepts them */
	memcpy(more, base_entries, sizeof(base_entries));
	more[N_BASE] = extra_entry;
	ev = tpm_doc(fx, more, N_BASE + 1, base_entries, N_BASE, N_BASE);
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	if (!tap(o->ret == 0, "verify tpm: an entry added after the quote passes (%s)",
		 o->err.msg))
		dump(o);
	ev->count = N_BASE + 1;
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "registers", "count above the matching prefix");
	tap(has_line(o, "registers", false, "recnum 3"),
	    "verify tpm: ... names recnum 3");
	tr_evidence_free(ev);

	/* an entry removed from the log (the first on PCR 16) */
	fewer[0] = base_entries[1];
	fewer[1] = base_entries[2];
	ev = tpm_doc(fx, fewer, N_BASE - 1, base_entries, N_BASE, N_BASE - 1);
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "registers", "an entry removed from the log");
	tr_evidence_free(ev);

	/* counted entries on a PCR the quote did not select */
	memcpy(other17, base_entries, sizeof(base_entries));
	other17[N_BASE] = pcr17_entry;
	ev = tpm_doc(fx, other17, N_BASE + 1, base_entries, N_BASE, N_BASE + 1);
	verify(ev, nonce, sizeof(nonce), fx->pem, o);
	expect_fail(o, "registers", "a counted entry on an unquoted PCR");
	tr_evidence_free(ev);

	/* sim: no quote, nothing vouches for the registers */
	ev = good_tpm_doc(fx);
	strcpy(ev->provider, "sim");
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "registers", "provider sim, no quote");
	tap(has_line(o, "registers", false, "no quote"), "verify sim: ... says no quote");
	tr_evidence_free(ev);
	free(o);
}

/* ---- TDX verification ----------------------------------------------------- */

static const uint16_t sha384_only[] = { SHA384 };

/* A log entry on CC index @idx (RTMR idx - 1), SHA-384 of its data. */
struct td_entry {
	uint32_t idx;
	const char *data;
};

/* Firmware's CCEL: RTMR 0-2. */
static const struct td_entry ccel_entries[] = {
	{ 1, "firmware" }, { 2, "kernel cmdline" }, { 3, "initrd" }, { 1, "acpi" },
};
/* Runtime log: attestation-agent style tags on RTMR 3. */
static const struct td_entry rt_entries[] = {
	{ 4, "aa one" }, { 4, "aa two" }, { 4, "aa three" },
};
static const struct td_entry rt_later = { 4, "after the quote" };
#define N_CCEL (sizeof(ccel_entries) / sizeof(ccel_entries[0]))
#define N_RT (sizeof(rt_entries) / sizeof(rt_entries[0]))

static void td_build_log(struct tr_buf *b, const struct td_entry *e, size_t n,
			 bool table)
{
	tr_build_header(b, sha384_only, 1);
	for (size_t i = 0; i < n; i++)
		tr_build_record_hashed(b, e[i].idx, TR_EV_EVENT_TAG, sha384_only,
				       1, e[i].data, (uint32_t)strlen(e[i].data));
	if (table) {	/* the ACPI table is larger than its log: 0xFF after it */
		uint8_t ff[64];

		memset(ff, 0xff, sizeof(ff));
		tr_buf_put(b, ff, sizeof(ff));
	}
}

/* RTMR 0-3 after the entries (EVP: new = SHA-384(old || SHA-384(data))). */
static void td_extend(uint8_t rtmr[4][48], const struct td_entry *e, size_t n)
{
	uint8_t d[48];

	for (size_t i = 0; i < n; i++) {
		evp("SHA384", e[i].data, strlen(e[i].data), "", 0, d);
		evp("SHA384", rtmr[e[i].idx - 1], 48, d, 48, rtmr[e[i].idx - 1]);
	}
}

struct td_case {
	const struct td_entry *rt;	/* the runtime log in the document */
	size_t rt_n;
	size_t quoted;			/* runtime entries the quote's RTMR 3 holds */
	const char *behind;		/* extended into RTMR 3 behind the log */
	uint64_t count;
	bool wrong_reportdata;
};

static struct tr_evidence *tdx_case(EVP_PKEY *key, const struct td_case *c)
{
	struct tr_evidence *ev = calloc(1, sizeof(*ev));
	struct tdq_build qb = { .version = 4 };
	struct tr_buf rt = { 0 }, fw = { 0 };

	ev->version = 1;
	strcpy(ev->provider, "tdx");
	memcpy(ev->nonce, nonce, sizeof(nonce));
	ev->nonce_len = sizeof(nonce);
	ev->count = c->count;
	td_build_log(&rt, c->rt, c->rt_n, false);
	td_build_log(&fw, ccel_entries, N_CCEL, true);
	ev->log = rt.data;
	ev->log_len = rt.len;
	ev->ccel = fw.data;
	ev->ccel_len = fw.len;

	td_extend(qb.rtmr, ccel_entries, N_CCEL);
	td_extend(qb.rtmr, rt_entries, c->quoted);
	if (c->behind) {
		struct td_entry e = { 4, c->behind };

		td_extend(qb.rtmr, &e, 1);
	}
	memcpy(qb.reportdata, nonce, sizeof(nonce));	/* zero-padded */
	if (c->wrong_reportdata)
		qb.reportdata[63] = 1;
	memset(qb.mrtd, 0x77, sizeof(qb.mrtd));
	tdq_build(&qb, key, &ev->td_quote, &ev->td_quote_len);
	return ev;
}

static void test_tdx_verify(void)
{
	struct outcome *o = calloc(1, sizeof(*o));
	EVP_PKEY *key = tdq_key_new();
	struct td_case good = { rt_entries, N_RT, N_RT, NULL, N_RT, false };
	struct td_case c;
	struct td_entry more[N_RT + 1];
	struct tr_evidence *ev = tdx_case(key, &good);
	size_t sl = TDQ_BODY_OFF(4) + TDQ_BODY10_SIZE, off;
	struct tr_log *log = NULL;

	verify(ev, nonce, sizeof(nonce), NULL, o);
	if (!tap(o->ret == 0 && all_ok(o) && has_line(o, "quote", true, NULL) &&
		 has_line(o, "nonce", true, NULL) &&
		 has_line(o, "signature", true, "DCAP") &&
		 has_line(o, "registers", true, "CCEL (4 records)") &&
		 has_line(o, "ccel", true, NULL) && has_line(o, "binding", true, NULL),
		 "verify tdx: a good document passes every check, no AK needed (%d %s)",
		 o->ret, o->err.msg) || getenv("VERBOSE"))
		dump(o);

	ev->td_quote[TDQ_BODY_OFF(4) + TDQ_B_MROWNER] ^= 0x04;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "signature", "tdx: a flipped bit in the quote body");
	ev->td_quote[TDQ_BODY_OFF(4) + TDQ_B_MROWNER] ^= 0x04;
	ev->td_quote[TDQ_OFF_SIG(sl) + 40] ^= 0x80;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "signature", "tdx: a flipped bit in the signature");
	ev->td_quote[TDQ_OFF_SIG(sl) + 40] ^= 0x80;

	verify(ev, nonce, 7, NULL, o);
	expect_fail(o, "nonce", "tdx: the verifier's nonce is a prefix of REPORTDATA's");

	/* a CCEL record's digest changed */
	{
		struct tr_parse_opts opts = { .trim_end_marker = true };

		tr_log_parse(ev->ccel, ev->ccel_len, &opts, &log, NULL);
		off = log ? log->records[1].digest_off[0] : 0;
		tr_log_free(log);
		log = NULL;
	}
	ev->ccel[off] ^= 1;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "registers", "tdx: a CCEL record changed");
	ev->ccel[off] ^= 1;

	ev->ccel[10] ^= 0xff;		/* the Spec ID header's signature */
	verify(ev, nonce, sizeof(nonce), NULL, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH && has_line(o, "ccel", false, NULL),
	    "verify tdx: a CCEL that does not parse: exit-2 class (%d %s)", o->ret,
	    o->err.msg);
	ev->ccel[10] ^= 0xff;

	free(ev->ccel);
	ev->ccel = NULL;
	ev->ccel_len = 0;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "registers", "tdx: the CCEL left out (RTMR 0-2 unexplained)");

	ev->td_quote_len--;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH && has_line(o, "quote", false, NULL),
	    "verify tdx: a truncated quote: exit-2 class (%d %s)", o->ret, o->err.msg);
	ev->td_quote_len++;
	ev->td_quote[TDQ_OFF_VERSION] = 3;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	tap(o->ret < 0 && o->ret != TR_E_NOMATCH && has_line(o, "quote", false, NULL),
	    "verify tdx: quote version 3: exit-2 class (%d %s)", o->ret, o->err.msg);
	tr_evidence_free(ev);

	c = good;
	c.wrong_reportdata = true;
	ev = tdx_case(key, &c);
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "nonce", "tdx: REPORTDATA is not the nonce");
	tr_evidence_free(ev);

	c = good;
	c.behind = "behind the log";
	ev = tdx_case(key, &c);
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "registers", "tdx: RTMR 3 extended behind the log");
	tr_evidence_free(ev);

	/* the quote holds 2 of 3 entries: RTMR 3 reset or rolled back */
	c = good;
	c.quoted = 2;
	ev = tdx_case(key, &c);
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "registers", "tdx: count 3 above the matching prefix 2");
	ev->count = 2;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	tap(o->ret == 0, "verify tdx: the same with count 2 (the third entry after the quote) passes (%s)",
	    o->err.msg);
	tr_evidence_free(ev);

	memcpy(more, rt_entries, sizeof(rt_entries));
	more[N_RT] = rt_later;
	c = good;
	c.rt = more;
	c.rt_n = N_RT + 1;
	ev = tdx_case(key, &c);
	verify(ev, nonce, sizeof(nonce), NULL, o);
	tap(o->ret == 0 && has_line(o, "registers", true, "first 3 of 4"),
	    "verify tdx: an entry added after the quote passes (%s)", o->err.msg);
	ev->count = N_RT + 1;
	verify(ev, nonce, sizeof(nonce), NULL, o);
	expect_fail(o, "registers", "tdx: count above the matching prefix");
	ev->count = N_RT;

	/* an EV_EVENT_TAG entry's data changed: RTMR 3 replays, binding fails */
	if (!tr_log_parse(ev->log, ev->log_len, NULL, &log, NULL)) {
		off = log->records[1].event_off;
		ev->log[off] ^= 1;
		verify(ev, nonce, sizeof(nonce), NULL, o);
		expect_fail(o, "binding", "tdx: an AA entry's event byte changed");
		tap(has_line(o, "registers", true, NULL), "verify tdx: ... its RTMRs still replay");
		ev->log[off] ^= 1;
	}
	tr_log_free(log);
	tr_evidence_free(ev);
	EVP_PKEY_free(key);
	free(o);
}

int main(void)
{
	struct tpm_fix fx = { 0 };

	fx.key = EVP_EC_gen("P-256");
	fx.other = EVP_EC_gen("P-256");
	fx.pem = key_pem(fx.key);
	fx.other_pem = key_pem(fx.other);

	test_round_trip(&fx);
	test_strict(&fx);
	test_pem(&fx);
	test_tpm_verify(&fx);
	test_tdx_verify();

	free(fx.pem);
	free(fx.other_pem);
	EVP_PKEY_free(fx.key);
	EVP_PKEY_free(fx.other);
	return tap_done();
}
