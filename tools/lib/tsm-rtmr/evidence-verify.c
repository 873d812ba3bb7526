// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Evidence documents: every check of spec 9, offline.
 *
 * Each check reports one line through the caller's callback, and every
 * check runs that can: a verifier wants to see all that is wrong with a
 * document, not only the first thing. A check that an earlier failure
 * makes meaningless is reported as not checked, and says why. The result
 * is the first failure: TR_E_NOMATCH when a check failed (exit 1), another
 * negative status when the document cannot be checked at all (exit 2: a
 * part that does not parse, a TPM document without a pinned AK).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <tss2/tss2_mu.h>

#include "tsm-rtmr.h"
#include "internal.h"

struct verifier {
	const struct tr_verify_opts *o;
	int hard;			/* first status other than NOMATCH */
	bool failed;			/* a check failed */
	char hard_msg[256], fail_msg[256];
};

/* One line: @status 0 passed, TR_E_NOMATCH failed, else cannot check. */
__attribute__((format(printf, 4, 5)))
static void line(struct verifier *v, int status, const char *check,
		 const char *fmt, ...)
{
	char detail[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (v->o->report)
		v->o->report(v->o->ctx, !status, check, detail);
	if (status == TR_E_NOMATCH && !v->failed) {
		v->failed = true;
		snprintf(v->fail_msg, sizeof(v->fail_msg), "%.32s: %.200s", check, detail);
	} else if (status && status != TR_E_NOMATCH && !v->hard) {
		v->hard = status;
		snprintf(v->hard_msg, sizeof(v->hard_msg), "%.32s: %.200s", check, detail);
	}
}

/* A check an earlier failure made meaningless: a failed line, no verdict. */
static void skipped(struct verifier *v, const char *check, const char *why)
{
	if (v->o->report)
		v->o->report(v->o->ctx, false, check, why);
}

/* ---- the parts: log, CCEL ------------------------------------------------ */

static struct tr_log *parse_part(struct verifier *v, const char *check,
				 const char *what, const uint8_t *data,
				 size_t len, bool trim)
{
	struct tr_parse_opts opts = { .trim_end_marker = trim };
	struct tr_error e = { 0 };
	struct tr_log *log = NULL;
	char banks[TR_MAX_ALGS * 12] = "";
	int ret;

	/* The log: the same rules as import (default options, strict). */
	ret = tr_log_parse(data, len, trim ? &opts : NULL, &log, &e);
	if (ret) {
		line(v, ret == TR_E_NOMATCH ? TR_E_MALFORMED : ret, check,
		     "%s does not parse: %s (offset %zu)", what, e.msg, e.offset);
		return NULL;
	}
	for (unsigned int b = 0; b < log->n_banks; b++) {
		const struct tr_alg *alg = log->banks[b].alg;
		size_t n = strlen(banks);

		snprintf(banks + n, sizeof(banks) - n, " %s",
			 alg ? alg->name : "unknown");
	}
	line(v, 0, check, "%s parses: %zu records, banks%s", what,
	     log->n_records, banks);
	return log;
}

/* ---- nonce ---------------------------------------------------------------- */

/*
 * The verifier's nonce must be what the quote carries (@quoted, @len;
 * NULL: no quote, or one that did not parse); the document's own "nonce"
 * field is only a claim, but one that differs is a failure too.
 */
static void check_nonce(struct verifier *v, const struct tr_evidence *ev,
			const uint8_t *quoted, size_t len, const char *where)
{
	const struct tr_verify_opts *o = v->o;
	bool doc_ok = ev->nonce_len == o->nonce_len &&
		      !memcmp(ev->nonce, o->nonce, o->nonce_len);
	bool quote_ok = quoted && len == o->nonce_len &&
			!memcmp(quoted, o->nonce, len);

	if (where && !quoted)
		skipped(v, "nonce", "not checked: the quote does not parse");
	else if (where && !quote_ok)
		line(v, TR_E_NOMATCH, "nonce", "the quote's %s is not the verifier's nonce%s",
		     where, doc_ok ? "" : ", nor is the document's \"nonce\" field");
	else if (!doc_ok)
		line(v, TR_E_NOMATCH, "nonce",
		     "the document's \"nonce\" field is not the verifier's nonce%s",
		     where ? " (the quote's is)" : "");
	else if (where)
		line(v, 0, "nonce", "the quote's %s is the verifier's nonce", where);
	else
		line(v, 0, "nonce", "the document's \"nonce\" field is the verifier's nonce (no quote carries it)");
}

/* ---- TPM ------------------------------------------------------------------ */

struct tpm_quote {
	TPMS_ATTEST attest;
	TPMT_SIGNATURE sig;
	const struct tr_alg *hash;	/* of the signature scheme: pcrDigest's */
};

static bool pcr_selected(const TPMS_PCR_SELECTION *s, uint32_t pcr)
{
	return pcr / 8 < s->sizeofSelect && pcr / 8 < TPM2_PCR_SELECT_MAX &&
	       (s->pcrSelect[pcr / 8] & (1u << (pcr % 8)));
}

static const struct tr_ev_pcr *doc_pcr(const struct tr_evidence *ev,
				       uint16_t alg_id, uint32_t pcr)
{
	for (size_t i = 0; i < ev->n_pcrs; i++)
		if (ev->pcrs[i].alg_id == alg_id && ev->pcrs[i].pcr == pcr)
			return &ev->pcrs[i];
	return NULL;
}

static TPMI_ALG_HASH sig_hash(const TPMT_SIGNATURE *sig)
{
	switch (sig->sigAlg) {
	case TPM2_ALG_ECDSA:	return sig->signature.ecdsa.hash;
	case TPM2_ALG_RSASSA:	return sig->signature.rsassa.hash;
	case TPM2_ALG_RSAPSS:	return sig->signature.rsapss.hash;
	}
	return TPM2_ALG_NULL;
}

/* "quote": both parts unmarshal whole, and the message is a quote. */
static bool unmarshal_quote(struct verifier *v, const struct tr_evidence *ev,
			    struct tpm_quote *q)
{
	size_t off = 0;

	memset(q, 0, sizeof(*q));
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(ev->tpm_message, ev->tpm_message_len,
					  &off, &q->attest) ||
	    off != ev->tpm_message_len) {
		line(v, TR_E_MALFORMED, "quote",
		     "tpm_quote.message is not a TPMS_ATTEST (at byte %zu of %zu)",
		     off, ev->tpm_message_len);
		return false;
	}
	off = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(ev->tpm_signature,
					     ev->tpm_signature_len, &off,
					     &q->sig) ||
	    off != ev->tpm_signature_len) {
		line(v, TR_E_MALFORMED, "quote",
		     "tpm_quote.signature is not a TPMT_SIGNATURE (at byte %zu of %zu)",
		     off, ev->tpm_signature_len);
		return false;
	}
	if (q->attest.magic != TPM2_GENERATED_VALUE ||
	    q->attest.type != TPM2_ST_ATTEST_QUOTE) {
		line(v, TR_E_NOMATCH, "quote",
		     "tpm_quote.message has magic 0x%08x and type 0x%04x: not a TPM2_Quote",
		     q->attest.magic, q->attest.type);
		return false;
	}
	q->hash = tr_alg_by_id(sig_hash(&q->sig));
	line(v, 0, "quote", "a TPM2_Quote over %u bank(s), signature 0x%04x with %s",
	     q->attest.attested.quote.pcrSelect.count, q->sig.sigAlg,
	     q->hash ? q->hash->name : "an unknown hash");
	return true;
}

static EVP_PKEY *read_pem(const char *pem, size_t len)
{
	BIO *bio = len <= INT_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
	EVP_PKEY *pkey = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	ERR_clear_error();
	return pkey;
}

/*
 * Whether the document's own ak_public is the pinned key: never trusted,
 * but when the signature fails it tells a wrong pin from a bad quote.
 */
static const char *doc_key_note(const struct tr_evidence *ev, const char *pem,
				size_t len)
{
	EVP_PKEY *pinned = read_pem(pem, len);
	EVP_PKEY *own = ev->ak_public ? read_pem(ev->ak_public, strlen(ev->ak_public)) : NULL;
	const char *note = !pinned || !own ? "" :
			   EVP_PKEY_eq(pinned, own) == 1 ?
			   " (the document's ak_public is the pinned key)" :
			   " (the document's ak_public is another key)";

	EVP_PKEY_free(pinned);
	EVP_PKEY_free(own);
	return note;
}

static void check_tpm_signature(struct verifier *v, const struct tr_evidence *ev,
				const struct tpm_quote *q)
{
	const struct tr_verify_opts *o = v->o;
	struct tr_error e = { 0 };
	TPMS_ATTEST out;
	int ret;

	if (!o->ak_pub_pem || !o->ak_pub_pem_len) {
		line(v, TR_E_INVAL, "signature",
		     "no pinned AK (--ak-pub): nothing vouches for the document's own key");
		return;
	}
	/* Magic, type and signature; the nonce has its own line. */
	ret = tr_quote_verify_pem(ev->tpm_message, ev->tpm_message_len, &q->sig,
				  o->ak_pub_pem, o->ak_pub_pem_len,
				  q->attest.extraData.buffer,
				  q->attest.extraData.size, &out, &e);
	if (!ret)
		line(v, 0, "signature", "the quote is signed by the pinned AK");
	else if (ret == TR_E_NOMATCH)
		line(v, ret, "signature", "not signed by the pinned AK%s: %s",
		     doc_key_note(ev, o->ak_pub_pem, o->ak_pub_pem_len), e.msg);
	else
		line(v, ret, "signature", "the pinned AK: %s", e.msg);
}

/*
 * "pcrs": exactly the quote's selection, and H(values in selection order)
 * == pcrDigest, H the signature scheme's hash.
 */
static void check_pcrs(struct verifier *v, const struct tr_evidence *ev,
		       const struct tpm_quote *q)
{
	const TPML_PCR_SELECTION *sel = &q->attest.attested.quote.pcrSelect;
	const TPM2B_DIGEST *want = &q->attest.attested.quote.pcrDigest;
	uint8_t *all, digest[TR_MAX_DIGEST];
	size_t len = 0;
	int ret;

	if (!q->hash) {
		line(v, TR_E_NOMATCH, "pcrs", "the signature's hash is unknown: no pcrDigest to compare");
		return;
	}
	all = malloc(TPM2_NUM_PCR_BANKS * 8u * TPM2_PCR_SELECT_MAX * TR_MAX_DIGEST);
	if (!all) {
		line(v, TR_E_NOMEM, "pcrs", "out of memory");
		return;
	}
	for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
		const struct tr_alg *alg = tr_alg_by_id(s->hash);

		if (!alg) {
			line(v, TR_E_NOMATCH, "pcrs", "the quote selects bank 0x%04x, unknown here",
			     s->hash);
			goto out;
		}
		for (uint32_t pcr = 0; pcr < 8u * s->sizeofSelect; pcr++) {
			const struct tr_ev_pcr *p;

			if (!pcr_selected(s, pcr))
				continue;
			p = doc_pcr(ev, alg->id, pcr);
			if (!p) {
				line(v, TR_E_NOMATCH, "pcrs", "%s PCR %u is quoted but not in pcrs",
				     alg->name, pcr);
				goto out;
			}
			memcpy(all + len, p->value, alg->size);
			len += alg->size;
		}
	}
	for (size_t i = 0; i < ev->n_pcrs; i++) {
		const struct tr_alg *alg = tr_alg_by_id(ev->pcrs[i].alg_id);
		bool quoted = false;

		for (uint32_t b = 0; b < sel->count && b < TPM2_NUM_PCR_BANKS; b++)
			quoted |= sel->pcrSelections[b].hash == ev->pcrs[i].alg_id &&
				  pcr_selected(&sel->pcrSelections[b], ev->pcrs[i].pcr);
		if (!quoted) {
			line(v, TR_E_NOMATCH, "pcrs", "%s PCR %u is in pcrs but not quoted",
			     alg ? alg->name : "?", ev->pcrs[i].pcr);
			goto out;
		}
	}
	ret = tr_hash(q->hash, all, len, digest);
	if (ret)
		line(v, ret, "pcrs", "hashing the PCR values failed");
	else if (want->size != q->hash->size || memcmp(digest, want->buffer, want->size))
		line(v, TR_E_NOMATCH, "pcrs", "the values in pcrs do not hash to the quote's pcrDigest");
	else
		line(v, 0, "pcrs", "the values in pcrs are the quoted ones (%s pcrDigest)",
		     q->hash->name);
out:
	free(all);
}

/* PCRs the log does not touch: their values from the document's pcrs. */
static int doc_lookup(uint32_t pcr, uint16_t alg_id, uint8_t *out, void *ctx)
{
	const struct tr_evidence *ev = ctx;
	const struct tr_ev_pcr *p = doc_pcr(ev, alg_id, pcr);
	const struct tr_alg *alg = tr_alg_by_id(alg_id);

	if (!p || !alg)
		return TR_E_NOMATCH;
	memcpy(out, p->value, alg->size);
	return TR_OK;
}

static bool selected_anywhere(const TPML_PCR_SELECTION *sel, uint32_t pcr)
{
	for (uint32_t b = 0; b < sel->count && b < TPM2_NUM_PCR_BANKS; b++)
		if (pcr_selected(&sel->pcrSelections[b], pcr))
			return true;
	return false;
}

/* recnums as " 3 5 8" (and "..." after @max) into @out. */
static void recnum_list(const uint32_t *recnums, size_t n, size_t max,
			char *out, size_t size)
{
	size_t len = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && i < max && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, " %u", recnums[i]);
	if (n > max && len < size)
		snprintf(out + len, size - len, " ...");
}

#define MAX_NAMED	8	/* recnums named in one line */

/*
 * "registers": the longest prefix of the log that replays to the quote,
 * and section 6's count rule: it holds every counted entry that extends
 * a quoted PCR; a counted entry on a PCR the quote did not select is
 * unverified, which fails too (every PCR the log touches must match).
 */
static void check_tpm_registers(struct verifier *v, const struct tr_evidence *ev,
				const struct tr_log *log, const struct tpm_quote *q)
{
	const TPML_PCR_SELECTION *sel = &q->attest.attested.quote.pcrSelect;
	uint32_t recnums[MAX_NAMED];
	struct tr_error e = { 0 };
	size_t best = 0, n = 0;
	char list[MAX_NAMED * 12];
	int ret;

	if (!q->hash || q->attest.attested.quote.pcrDigest.size != q->hash->size) {
		line(v, TR_E_NOMATCH, "registers", "the quote's pcrDigest is not of the signature's hash");
		return;
	}
	if (ev->count > log->n_records) {
		line(v, TR_E_NOMATCH, "registers",
		     "count %llu, but the log holds %zu records: entries are missing",
		     (unsigned long long)ev->count, log->n_records);
		return;
	}
	ret = tr_quote_find_prefix(log, sel, q->hash,
				   q->attest.attested.quote.pcrDigest.buffer,
				   doc_lookup, (void *)ev, &best, &e);
	if (ret == TR_E_NOMATCH) {
		line(v, ret, "registers",
		     "no prefix of the log's %zu records replays to the quoted PCRs: a reset or an extend behind the log, or a log that is not theirs",
		     log->n_records);
		return;
	}
	if (ret) {
		line(v, ret, "registers", "replaying the log failed: %s", e.msg);
		return;
	}
	n = tr_quote_uncovered(log, sel, best, ev->count, recnums, MAX_NAMED);
	if (n) {
		recnum_list(recnums, n, MAX_NAMED, list, sizeof(list));
		line(v, TR_E_NOMATCH, "registers",
		     "the quote is the replay of the first %zu records, but %s%s among the first %llu (count) %s quoted PCRs: a reset or an extend behind the log",
		     best, n == 1 ? "recnum" : "recnums", list,
		     (unsigned long long)ev->count, n == 1 ? "extends" : "extend");
		return;
	}
	for (size_t i = 0; i < ev->count; i++) {
		const struct tr_record *r = &log->records[i];

		if (r->event_type != TR_EV_NO_ACTION &&
		    !selected_anywhere(sel, r->log_index) && n++ < MAX_NAMED)
			recnums[n - 1] = r->recnum;
	}
	if (n) {
		recnum_list(recnums, n, MAX_NAMED, list, sizeof(list));
		line(v, TR_E_NOMATCH, "registers",
		     "%s%s among the first %llu (count) %s PCRs the quote does not select: unverified",
		     n == 1 ? "recnum" : "recnums", list,
		     (unsigned long long)ev->count, n == 1 ? "extends" : "extend");
		return;
	}
	line(v, 0, "registers",
	     "the first %zu of %zu records replay to the quoted PCRs; count %llu is covered",
	     best, log->n_records, (unsigned long long)ev->count);
}

static void verify_tpm(struct verifier *v, const struct tr_evidence *ev,
		       const struct tr_log *log)
{
	struct tpm_quote q;

	if (!ev->has_tpm_quote || !ev->tpm_message || !ev->tpm_signature) {
		line(v, TR_E_MALFORMED, "quote", "a %s document without tpm_quote",
		     ev->provider);
		check_nonce(v, ev, NULL, 0, "extraData");
		return;
	}
	if (!unmarshal_quote(v, ev, &q)) {
		check_nonce(v, ev, NULL, 0, "extraData");
		skipped(v, "signature", "not checked: the quote does not parse");
		skipped(v, "pcrs", "not checked: the quote does not parse");
		skipped(v, "registers", "not checked: the quote does not parse");
		return;
	}
	check_nonce(v, ev, q.attest.extraData.buffer, q.attest.extraData.size,
		    "extraData");
	check_tpm_signature(v, ev, &q);
	check_pcrs(v, ev, &q);
	if (log)
		check_tpm_registers(v, ev, log, &q);
	else
		skipped(v, "registers", "not checked: the log does not parse");
}

/* ---- TDX ------------------------------------------------------------------ */

static void verify_tdx(struct verifier *v, const struct tr_evidence *ev,
		       const struct tr_log *log, const struct tr_log *ccel)
{
	uint8_t want[TR_TDQ_REPORTDATA] = { 0 };
	struct tr_error e = { 0 };
	struct tr_td_quote *q = calloc(1, sizeof(*q));
	size_t best = 0;
	int ret;

	if (!q) {
		line(v, TR_E_NOMEM, "quote", "out of memory");
		return;
	}
	ret = ev->td_quote ? tr_td_quote_parse(ev->td_quote, ev->td_quote_len, q, &e) :
	      TR_E_MALFORMED;
	if (ret) {
		line(v, ret == TR_E_NOMATCH ? TR_E_MALFORMED : ret, "quote",
		     "td_quote does not parse: %s", ev->td_quote ? e.msg : "missing");
		check_nonce(v, ev, NULL, 0, "REPORTDATA");
		skipped(v, "signature", "not checked: the quote does not parse");
		skipped(v, "registers", "not checked: the quote does not parse");
		goto out;
	}
	line(v, 0, "quote", "TD quote version %u, TD %s body", q->version,
	     q->body_type == 3 ? "1.5" : "1.0");

	/* REPORTDATA is the nonce, zero-padded to 64 bytes. */
	memcpy(want, v->o->nonce, v->o->nonce_len);
	check_nonce(v, ev, !memcmp(q->report_data, want, sizeof(want)) ?
		    v->o->nonce : q->report_data,
		    !memcmp(q->report_data, want, sizeof(want)) ?
		    v->o->nonce_len : sizeof(q->report_data), "REPORTDATA");

	ret = tr_td_quote_verify_signature(ev->td_quote, q, &e);
	if (!ret)
		line(v, 0, "signature",
		     "ECDSA P-256 over header and body verifies with the attestation key the quote carries; that key's chain (QE report, PCK certificates, TCB status) is not checked here: a DCAP verifier's job");
	else
		line(v, ret, "signature", "%s", e.msg);

	if (!log || (ev->ccel && !ccel)) {
		skipped(v, "registers", log ? "not checked: the CCEL does not parse" :
			"not checked: the log does not parse");
		goto out;
	}
	ret = tr_td_find_prefix(q, ccel, log, &best, &e);
	if (ret)
		line(v, ret, "registers", "%s", e.msg[0] ? e.msg :
		     "no prefix of the runtime log after the CCEL replays to RTMR 0-3");
	else if (best < ev->count)
		line(v, TR_E_NOMATCH, "registers",
		     "the CCEL (%zu records) and the first %zu runtime records replay to RTMR 0-3, but count is %llu: a reset or an extend behind the log",
		     ccel ? ccel->n_records : 0, best, (unsigned long long)ev->count);
	else
		line(v, 0, "registers",
		     "the CCEL (%zu records) and the first %zu of %zu runtime records replay to RTMR 0-3; count %llu is covered",
		     ccel ? ccel->n_records : 0, best, log->n_records,
		     (unsigned long long)ev->count);
out:
	free(q);
}

/* ---- binding -------------------------------------------------------------- */

/*
 * EV_EVENT_TAG entries (the attestation agent's among them) must carry the
 * hash of their data, or a verifier reading their text trusts bytes nothing
 * vouches for. Other entries may legitimately log a digest of something
 * else (a file's contents, say): one informative line each. The CCEL is
 * firmware's, written under firmware's own rules: not checked here.
 */
static void check_binding(struct verifier *v, const struct tr_log *log)
{
	if (!log) {
		skipped(v, "binding", "not checked: the log does not parse");
		return;
	}
	for (size_t i = 0; i < log->n_records; i++) {
		const struct tr_record *r = &log->records[i];
		int bound = tr_record_bound(log, r);

		if (bound < 0)
			line(v, bound, "binding", "recnum %u: hashing its data failed",
			     r->recnum);
		else if (r->event_type == TR_EV_EVENT_TAG && !bound)
			line(v, TR_E_NOMATCH, "binding",
			     "recnum %u (type 0x%x, EV_EVENT_TAG): its digests are not the hash of its event data",
			     r->recnum, r->event_type);
		else
			line(v, 0, "binding", "recnum %u (type 0x%x): %s", r->recnum,
			     r->event_type, bound ? "data bound" :
			     "not bound: trust only its digest");
	}
}

int tr_evidence_verify(const struct tr_evidence *ev,
		       const struct tr_verify_opts *o, struct tr_error *err)
{
	struct verifier v = { .o = o };
	struct tr_log *log, *ccel = NULL;
	bool tdx;

	if (!ev || !o || !o->nonce || !o->nonce_len || o->nonce_len > TR_TDQ_REPORTDATA) {
		tr_set_error(err, 0, "verify: the verifier's nonce must be 1 to 64 bytes");
		return TR_E_INVAL;
	}
	tdx = !strcmp(ev->provider, "tdx");
	log = parse_part(&v, "log", "the log", ev->log, ev->log_len, false);
	if (tdx && ev->ccel)
		ccel = parse_part(&v, "ccel", "the CCEL", ev->ccel, ev->ccel_len, true);

	if (!strcmp(ev->provider, "tpm") || !strcmp(ev->provider, "snp-vtpm")) {
		verify_tpm(&v, ev, log);
	} else if (tdx) {
		verify_tdx(&v, ev, log, ccel);
	} else if (!strcmp(ev->provider, "sim")) {
		check_nonce(&v, ev, NULL, 0, NULL);
		line(&v, TR_E_NOMATCH, "registers", "no quote: nothing vouches for the registers");
	} else {
		line(&v, TR_E_MALFORMED, "provider", "unknown provider \"%.32s\"", ev->provider);
	}
	check_binding(&v, log);

	tr_log_free(log);
	tr_log_free(ccel);
	if (v.hard) {
		tr_set_error(err, 0, "%s", v.hard_msg);
		return v.hard;
	}
	if (v.failed) {
		tr_set_error(err, 0, "%s", v.fail_msg);
		return TR_E_NOMATCH;
	}
	return TR_OK;
}
