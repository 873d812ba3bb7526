// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Evidence documents (spec 9): the writer. One pretty-printed JSON object
 * in the spec's key order, base64 without line breaks, PCRs ascending in
 * each bank, banks in the log's order: the form tr_evidence_parse reads,
 * and a fixed point of parse-then-write.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "tsm-rtmr.h"
#include "internal.h"

/* As evidence.c: TPM PCRs 0-23. */
#define EVIDENCE_MAX_PCR	23

static json_object *b64_string(const uint8_t *data, size_t len)
{
	json_object *s = NULL;
	char *text;
	int n;

	if (len > INT_MAX / 4 * 3)
		return NULL;
	text = malloc((len + 2) / 3 * 4 + 1);
	if (!text)
		return NULL;
	n = EVP_EncodeBlock((unsigned char *)text, data, (int)len);
	if (n >= 0)
		s = json_object_new_string_len(text, n);
	free(text);
	return s;
}

static json_object *hex_string(const uint8_t *data, size_t len)
{
	char text[2 * TR_MAX_DIGEST + 1];

	if (len > TR_MAX_DIGEST)
		return NULL;
	tr_hex(data, len, text);
	return json_object_new_string(text);
}

/* Adds @v (NULL: it failed to build) to @obj; false on any failure. */
static bool add(json_object *obj, const char *key, json_object *v)
{
	if (!v)
		return false;
	if (json_object_object_add(obj, key, v)) {
		json_object_put(v);
		return false;
	}
	return true;
}

/*
 * Banks in the log's order (the header's), then any other quoted bank in
 * the order of @ev->pcrs; PCRs ascending within a bank.
 */
static size_t bank_order(const struct tr_evidence *ev, uint16_t *order)
{
	struct tr_log *log = NULL;
	size_t n = 0;

	if (tr_log_parse(ev->log, ev->log_len, NULL, &log, NULL) == TR_OK)
		for (unsigned int b = 0; b < log->n_banks; b++)
			order[n++] = log->banks[b].alg_id;
	tr_log_free(log);
	for (size_t i = 0; i < ev->n_pcrs; i++) {
		size_t j = 0;

		while (j < n && order[j] != ev->pcrs[i].alg_id)
			j++;
		if (j == n && n < 2 * TR_MAX_ALGS)
			order[n++] = ev->pcrs[i].alg_id;
	}
	return n;
}

static json_object *pcrs_object(const struct tr_evidence *ev)
{
	json_object *pcrs = json_object_new_object();
	uint16_t order[2 * TR_MAX_ALGS];
	size_t n_banks = bank_order(ev, order);

	for (size_t b = 0; pcrs && b < n_banks; b++) {
		const struct tr_alg *alg = tr_alg_by_id(order[b]);
		json_object *bank;
		bool any = false;

		for (size_t i = 0; i < ev->n_pcrs; i++)
			any |= ev->pcrs[i].alg_id == order[b];
		if (!any)
			continue;
		bank = alg ? json_object_new_object() : NULL;
		if (!add(pcrs, alg ? alg->name : "", bank))
			goto fail;
		for (uint32_t pcr = 0; pcr <= EVIDENCE_MAX_PCR; pcr++) {
			for (size_t i = 0; i < ev->n_pcrs; i++) {
				char key[12];

				if (ev->pcrs[i].alg_id != order[b] ||
				    ev->pcrs[i].pcr != pcr)
					continue;
				snprintf(key, sizeof(key), "%u", pcr);
				if (!add(bank, key, hex_string(ev->pcrs[i].value,
							       alg->size)))
					goto fail;
				break;
			}
		}
	}
	return pcrs;
fail:
	json_object_put(pcrs);
	return NULL;
}

static json_object *tpm_quote_object(const struct tr_evidence *ev)
{
	json_object *q = json_object_new_object();

	if (q && add(q, "message", b64_string(ev->tpm_message, ev->tpm_message_len)) &&
	    add(q, "signature", b64_string(ev->tpm_signature, ev->tpm_signature_len)) &&
	    add(q, "ak_public", json_object_new_string(ev->ak_public ? ev->ak_public : "")) &&
	    add(q, "pcrs", pcrs_object(ev)))
		return q;
	json_object_put(q);
	return NULL;
}

/* The spec's table order: version, provider, nonce, count, log, quotes, ccel. */
static json_object *doc_object(const struct tr_evidence *ev)
{
	json_object *doc = json_object_new_object();
	char nonce[2 * sizeof(ev->nonce) + 1];

	if (!doc || ev->nonce_len > sizeof(ev->nonce) || ev->count > INT64_MAX)
		goto fail;
	tr_hex(ev->nonce, ev->nonce_len, nonce);
	if (!add(doc, "version", json_object_new_int(TR_EVIDENCE_VERSION)) ||
	    !add(doc, "provider", json_object_new_string(ev->provider)) ||
	    !add(doc, "nonce", json_object_new_string(nonce)) ||
	    !add(doc, "count", json_object_new_int64((int64_t)ev->count)) ||
	    !add(doc, "log", b64_string(ev->log, ev->log_len)))
		goto fail;
	if (ev->has_tpm_quote && !add(doc, "tpm_quote", tpm_quote_object(ev)))
		goto fail;
	if (ev->td_quote && !add(doc, "td_quote", b64_string(ev->td_quote, ev->td_quote_len)))
		goto fail;
	if (ev->ccel && !add(doc, "ccel", b64_string(ev->ccel, ev->ccel_len)))
		goto fail;
	return doc;
fail:
	json_object_put(doc);
	return NULL;
}

int tr_evidence_write(FILE *f, const struct tr_evidence *ev)
{
	json_object *doc;
	const char *text;
	int ret = TR_E_NOMEM;

	for (size_t i = 0; i < ev->n_pcrs; i++)
		if (!tr_alg_by_id(ev->pcrs[i].alg_id) ||
		    ev->pcrs[i].pcr > EVIDENCE_MAX_PCR)
			return TR_E_INVAL;
	doc = doc_object(ev);
	if (!doc)
		return ev->count > INT64_MAX ? TR_E_INVAL : TR_E_NOMEM;
	text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text) {
		fputs(text, f);
		fputc('\n', f);
		ret = ferror(f) ? TR_E_INVAL : TR_OK;
	}
	json_object_put(doc);
	return ret;
}
