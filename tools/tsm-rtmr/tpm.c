// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM through libtss2-esys: a TCTI from Tss2_TctiLdr (default
 * device:/dev/tpmrm0, --tcti), shared by quote, evidence and replay: the
 * AK (fresh or persistent), the quote and the PCR reads that go with it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "tpm.h"

void tpm_error(const char *what, TSS2_RC rc)
{
	errmsg("%s: %s", what, Tss2_RC_Decode(rc));
}

int tpm_open(struct tpm *t, const char *conf)
{
	TSS2_RC rc;

	/* The TSS logs to stderr; we print one line per failure ourselves. */
	setenv("TSS2_LOG", "all+NONE", 0);
	rc = Tss2_TctiLdr_Initialize(conf, &t->tcti);

	t->key = ESYS_TR_NONE;
	if (rc) {
		errmsg("TCTI '%s': %s", conf, Tss2_RC_Decode(rc));
		return -1;
	}
	rc = Esys_Initialize(&t->ctx, t->tcti, NULL);
	if (rc) {
		tpm_error("Esys_Initialize", rc);
		return -1;
	}
	return 0;
}

void tpm_close(struct tpm *t)
{
	/* A persistent AK stays in the TPM: only our reference to it goes. */
	if (t->ctx && t->key != ESYS_TR_NONE && t->key_persistent)
		Esys_TR_Close(t->ctx, &t->key);
	else if (t->ctx && t->key != ESYS_TR_NONE)
		Esys_FlushContext(t->ctx, t->key);
	t->key = ESYS_TR_NONE;
	t->key_persistent = false;
	if (t->ctx)
		Esys_Finalize(&t->ctx);
	if (t->tcti)
		Tss2_TctiLdr_Finalize(&t->tcti);
}

/* The digests of @pcr in @out_sel's order, by log bank. */
static int take_pcr(uint32_t pcr, const struct tr_log *log,
		    const TPML_PCR_SELECTION *out_sel, const TPML_DIGEST *vals,
		    uint8_t values[][TR_MAX_DIGEST], bool *got)
{
	uint32_t d = 0;

	/* The TPM answers with the banks it has, in the order it likes. */
	for (uint32_t i = 0; i < out_sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &out_sel->pcrSelections[i];
		int bank = tr_log_bank(log, s->hash);

		for (uint32_t p = 0; p < 8u * s->sizeofSelect &&
				     p / 8 < sizeof(s->pcrSelect); p++) {
			if (!(s->pcrSelect[p / 8] & (1u << (p % 8))))
				continue;
			if (d >= vals->count ||
			    d >= sizeof(vals->digests) / sizeof(vals->digests[0])) {
				errmsg("TPM2_PCR_Read of PCR %u: fewer digests than the selection it returned",
				       pcr);
				return -1;
			}
			if (p == pcr && bank >= 0 &&
			    vals->digests[d].size == log->banks[bank].size) {
				memcpy(values[bank], vals->digests[d].buffer,
				       log->banks[bank].size);
				got[bank] = true;
			}
			d++;
		}
	}
	return 0;
}

int tpm_read_pcr(struct tpm *t, uint32_t pcr, const struct tr_log *log,
		 uint8_t values[][TR_MAX_DIGEST])
{
	TPML_PCR_SELECTION sel = { 0 }, *out_sel = NULL;
	TPML_DIGEST *vals = NULL;
	bool got[TR_MAX_ALGS] = { 0 };
	UINT32 counter;
	TSS2_RC rc;
	int ret = -1;

	if (pcr >= 24) {
		errmsg("log index %u: a TPM has no PCR %u", pcr, pcr);
		return -1;
	}
	for (unsigned int b = 0; b < log->n_banks && b < TPM2_NUM_PCR_BANKS; b++) {
		TPMS_PCR_SELECTION *s = &sel.pcrSelections[sel.count++];

		s->hash = log->banks[b].alg_id;
		s->sizeofSelect = 3;
		s->pcrSelect[pcr / 8] = (BYTE)(1u << (pcr % 8));
	}
	rc = Esys_PCR_Read(t->ctx, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			   &sel, &counter, &out_sel, &vals);
	if (rc) {
		char what[64];

		snprintf(what, sizeof(what), "TPM2_PCR_Read of PCR %u", pcr);
		tpm_error(what, rc);
		goto out;
	}
	if (take_pcr(pcr, log, out_sel, vals, values, got))
		goto out;
	for (unsigned int b = 0; b < log->n_banks; b++) {
		if (!got[b]) {
			errmsg("PCR %u: the TPM has no bank 0x%04x (%s), which the log carries",
			       pcr, log->banks[b].alg_id,
			       log->banks[b].alg ? log->banks[b].alg->name : "unknown");
			goto out;
		}
	}
	ret = 0;
out:
	Esys_Free(out_sel);
	Esys_Free(vals);
	return ret;
}

/* ---- quotes: shared by quote and evidence --------------------------- */

bool parse_pcr_list(const char *s, uint32_t *mask)
{
	char *end;

	*mask = 0;
	while (*s) {
		unsigned long lo = strtoul(s, &end, 10), hi = lo;

		if (end == s || lo > 23)
			return false;
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s || hi > 23 || hi < lo)
				return false;
		}
		for (unsigned long p = lo; p <= hi; p++)
			*mask |= 1u << p;
		if (*end && *end != ',')
			return false;
		s = *end ? end + 1 : end;
	}
	return *mask != 0;
}

/* TPM2_PERSISTENT_FIRST/LAST shift an int into its sign bit (UBSan). */
#define PERSISTENT_FIRST	0x81000000ull
#define PERSISTENT_LAST		0x81ffffffull

bool parse_ak_handle(const char *s, TPM2_HANDLE *handle)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 16);
	if (!*s || *s == '-' || *end || errno ||
	    v < PERSISTENT_FIRST || v > PERSISTENT_LAST)
		return false;
	*handle = (TPM2_HANDLE)v;
	return true;
}

void select_pcrs(const struct tr_log *log, uint32_t pcrs,
		 TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof(*sel));
	for (unsigned int b = 0; b < log->n_banks && b < TPM2_NUM_PCR_BANKS; b++) {
		TPMS_PCR_SELECTION *s = &sel->pcrSelections[sel->count++];

		s->hash = log->banks[b].alg_id;
		s->sizeofSelect = 3;
		s->pcrSelect[0] = pcrs & 0xff;
		s->pcrSelect[1] = (pcrs >> 8) & 0xff;
		s->pcrSelect[2] = (pcrs >> 16) & 0xff;
	}
}

bool same_selection(const TPML_PCR_SELECTION *a,
			   const TPML_PCR_SELECTION *b)
{
	if (a->count != b->count || a->count > TPM2_NUM_PCR_BANKS)
		return false;
	for (uint32_t i = 0; i < a->count; i++) {
		const TPMS_PCR_SELECTION *x = &a->pcrSelections[i];
		const TPMS_PCR_SELECTION *y = &b->pcrSelections[i];

		if (x->hash != y->hash || x->sizeofSelect != y->sizeofSelect ||
		    x->sizeofSelect > sizeof(x->pcrSelect) ||
		    memcmp(x->pcrSelect, y->pcrSelect, x->sizeofSelect))
			return false;
	}
	return true;
}

/*
 * An ECC P-256 restricted signing primary in the owner hierarchy. Random
 * bytes in the unique field make it a fresh key on every run.
 */
static int create_ak(struct tpm *t, TPM2B_PUBLIC **pub)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = { .publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
			TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH,
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme = { .scheme = TPM2_ALG_ECDSA,
				    .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	} };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_CREATION_DATA *cdata = NULL;
	TPM2B_DIGEST *chash = NULL;
	TPMT_TK_CREATION *ticket = NULL;
	TSS2_RC rc;

	tmpl.publicArea.unique.ecc.x.size = 32;
	if (RAND_bytes(tmpl.publicArea.unique.ecc.x.buffer, 32) != 1) {
		errmsg("no random bytes for a fresh key");
		return -1;
	}
	rc = Esys_CreatePrimary(t->ctx, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD,
				ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
				&outside, &none, &t->key, pub, &cdata, &chash,
				&ticket);
	Esys_Free(cdata);
	Esys_Free(chash);
	Esys_Free(ticket);
	if (rc) {
		tpm_error("creating the signing key (owner hierarchy)", rc);
		return -1;
	}
	return 0;
}

/*
 * The scheme to quote with: the key's own (TPM2_ALG_NULL lets the TPM use
 * it), else SHA-256 with the signature the key type implies.
 */
static int ak_scheme(const TPMT_PUBLIC *pub, TPM2_HANDLE handle,
		     TPMT_SIG_SCHEME *scheme)
{
	TPM2_ALG_ID own;

	scheme->scheme = TPM2_ALG_NULL;
	if (pub->type != TPM2_ALG_ECC && pub->type != TPM2_ALG_RSA) {
		errmsg("--ak 0x%08x: not an RSA or ECC key", handle);
		return -1;
	}
	if (!(pub->objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) ||
	    !(pub->objectAttributes & TPMA_OBJECT_RESTRICTED)) {
		errmsg("--ak 0x%08x: not a restricted signing key (an AK)", handle);
		return -1;
	}
	own = pub->type == TPM2_ALG_ECC ? pub->parameters.eccDetail.scheme.scheme :
	      pub->parameters.rsaDetail.scheme.scheme;
	if (own != TPM2_ALG_NULL)
		return 0;
	scheme->scheme = pub->type == TPM2_ALG_ECC ? TPM2_ALG_ECDSA : TPM2_ALG_RSASSA;
	scheme->details.any.hashAlg = TPM2_ALG_SHA256;
	return 0;
}

/* The persistent key at @handle, and its public area. */
static int load_persistent_ak(struct tpm *t, TPM2_HANDLE handle,
			      struct tpm_quote *q)
{
	TPM2B_NAME *name = NULL, *qname = NULL;
	char what[64];
	TSS2_RC rc;

	snprintf(what, sizeof(what), "--ak 0x%08x", handle);
	rc = Esys_TR_FromTPMPublic(t->ctx, handle, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &t->key);
	if (rc) {
		t->key = ESYS_TR_NONE;
		tpm_error(what, rc);
		return -1;
	}
	t->key_persistent = true;
	rc = Esys_ReadPublic(t->ctx, t->key, ESYS_TR_NONE, ESYS_TR_NONE,
			     ESYS_TR_NONE, &q->ak, &name, &qname);
	Esys_Free(name);
	Esys_Free(qname);
	if (rc) {
		tpm_error(what, rc);
		return -1;
	}
	return ak_scheme(&q->ak->publicArea, handle, &q->scheme);
}

int tpm_load_ak(struct tpm *t, TPM2_HANDLE handle, struct tpm_quote *q)
{
	q->scheme.scheme = TPM2_ALG_NULL;
	return handle ? load_persistent_ak(t, handle, q) : create_ak(t, &q->ak);
}

static int read_pcrs(struct tpm *t, struct pcr_values *pv)
{
	for (uint32_t b = 0; b < pv->sel.count; b++) {
		const TPMS_PCR_SELECTION *s = &pv->sel.pcrSelections[b];

		for (uint32_t pcr = 0; pcr < 24; pcr++) {
			TPML_PCR_SELECTION one = { .count = 1 };
			TPML_PCR_SELECTION *out_sel = NULL;
			TPML_DIGEST *vals = NULL;
			UINT32 counter;
			TSS2_RC rc;

			if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
				continue;
			one.pcrSelections[0].hash = s->hash;
			one.pcrSelections[0].sizeofSelect = 3;
			one.pcrSelections[0].pcrSelect[pcr / 8] = 1u << (pcr % 8);
			rc = Esys_PCR_Read(t->ctx, ESYS_TR_NONE, ESYS_TR_NONE,
					   ESYS_TR_NONE, &one, &counter, &out_sel,
					   &vals);
			if (!rc && (vals->count != 1 ||
				    vals->digests[0].size > TR_MAX_DIGEST)) {
				errmsg("PCR %u bank 0x%04x: not allocated", pcr, s->hash);
				rc = 1;
			} else if (!rc) {
				memcpy(pv->value[b][pcr], vals->digests[0].buffer,
				       vals->digests[0].size);
			} else {
				tpm_error("TPM2_PCR_Read", rc);
			}
			Esys_Free(out_sel);
			Esys_Free(vals);
			if (rc)
				return -1;
		}
	}
	return 0;
}

int tpm_quote_pcrs(struct tpm *t, const uint8_t *nonce, size_t nonce_len,
		   struct tpm_quote *q)
{
	TPM2B_DATA qd = { .size = (UINT16)nonce_len };
	TSS2_RC rc;

	memcpy(qd.buffer, nonce, nonce_len);
	rc = Esys_Quote(t->ctx, t->key, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			ESYS_TR_NONE, &qd, &q->scheme, &q->pv.sel, &q->quoted,
			&q->sig);
	if (rc) {
		tpm_error("TPM2_Quote", rc);
		return -1;
	}
	return read_pcrs(t, &q->pv);
}

void tpm_quote_clear(struct tpm_quote *q)
{
	Esys_Free(q->quoted);
	Esys_Free(q->sig);
	q->quoted = NULL;
	q->sig = NULL;
}

void tpm_quote_free(struct tpm_quote *q)
{
	tpm_quote_clear(q);
	Esys_Free(q->ak);
	q->ak = NULL;
}

int pcr_values_lookup(uint32_t pcr, uint16_t alg_id, uint8_t *out, void *ctx)
{
	const struct pcr_values *pv = ctx;
	const struct tr_alg *alg = tr_alg_by_id(alg_id);

	for (uint32_t b = 0; alg && b < pv->sel.count; b++) {
		if (pv->sel.pcrSelections[b].hash == alg_id && pcr < TPM2_MAX_PCRS) {
			memcpy(out, pv->value[b][pcr], alg->size);
			return 0;
		}
	}
	return TR_E_INVAL;
}
