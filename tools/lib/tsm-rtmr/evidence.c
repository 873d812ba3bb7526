// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Evidence documents (spec 9): the JSON codec, through json-c.
 *
 * The parser is strict because a verifier reads documents from anywhere:
 * one JSON object and nothing after it but whitespace, the spec's fields
 * with their types, base64 in its one canonical form, lower-case hex of
 * exactly the right length. Every error is TR_E_MALFORMED with the field
 * named, so "tsm-rtmr verify" can say what is wrong in one line. Fields
 * this version does not know are ignored: the spec lets later versions
 * add some. The writer is in evidence-write.c, verification in
 * evidence-verify.c.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "tsm-rtmr.h"
#include "internal.h"

/* The document is four levels deep; unknown fields may add a few. */
#define EVIDENCE_MAX_DEPTH	32
/* TPM PCRs 0-23, the platform's (PC Client) PCRs. */
#define EVIDENCE_MAX_PCR	23

static const char *const providers[] = { "tpm", "snp-vtpm", "tdx", "sim" };

static bool provider_is_tpm(const char *p)
{
	return !strcmp(p, "tpm") || !strcmp(p, "snp-vtpm");
}

/* ---- base64 and hex ------------------------------------------------- */

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/*
 * Strict base64: standard alphabet, padded to a multiple of four, '='
 * only as the last one or two characters, no whitespace, and the unused
 * bits of the last group zero (one encoding per byte string). Then
 * EVP_DecodeBlock, which counts padding as zero bytes: the real length
 * comes from the padding.
 */
static const char *b64_decode(const char *s, size_t len, uint8_t **out,
			      size_t *out_len)
{
	size_t pad = 0;
	uint8_t *buf;
	int n;

	*out = NULL;
	if (len % 4)
		return "base64 length is not a multiple of 4";
	if (len > INT_MAX)
		return "too long";
	if (len && s[len - 1] == '=')
		pad = len >= 2 && s[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len - pad; i++)
		if (b64_value(s[i]) < 0)
			return s[i] == '=' ? "base64 padding before the end" :
			       "not base64 (a character outside the alphabet)";
	if (pad && ((pad == 1 && (b64_value(s[len - 2]) & 0x3)) ||
		    (pad == 2 && (b64_value(s[len - 3]) & 0xf))))
		return "base64 with nonzero padding bits";
	buf = malloc(len / 4 * 3 + 1);
	if (!buf)
		return "out of memory";
	n = len ? EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len) : 0;
	if (n < 0 || (size_t)n != len / 4 * 3) {
		free(buf);
		return "not base64";
	}
	*out = buf;
	*out_len = (size_t)n - pad;
	return NULL;
}

/* Lower-case hex only: the spec's form, and one encoding per value. */
static bool lower_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* ---- parsing -------------------------------------------------------- */

struct parser {
	struct tr_error *err;
};

__attribute__((format(printf, 3, 4)))
static int field_error(struct parser *p, const char *field, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	tr_set_error(p->err, 0, "evidence: field \"%s\": %s", field, why);
	return TR_E_MALFORMED;
}

/* Member @key of @obj; NULL (and an error when @required) if absent. */
static json_object *member(struct parser *p, json_object *obj, const char *key,
			   const char *field, bool required, int *ret)
{
	json_object *v = NULL;

	*ret = TR_OK;
	if (!json_object_object_get_ex(obj, key, &v) || !v) {
		if (required)
			*ret = field_error(p, field, "missing");
		return NULL;
	}
	return v;
}

static int get_string(struct parser *p, json_object *v, const char *field,
		      const char **s, size_t *len)
{
	if (!json_object_is_type(v, json_type_string))
		return field_error(p, field, "not a string");
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	if (strlen(*s) != *len)
		return field_error(p, field, "holds a NUL character");
	return TR_OK;
}

static int get_base64(struct parser *p, json_object *v, const char *field,
		      uint8_t **out, size_t *out_len)
{
	const char *s, *why;
	size_t len;
	int ret = get_string(p, v, field, &s, &len);

	if (ret)
		return ret;
	why = b64_decode(s, len, out, out_len);
	return why ? field_error(p, field, "%s", why) : TR_OK;
}

static int get_hex(struct parser *p, json_object *v, const char *field,
		   uint8_t *out, size_t min, size_t max, size_t *out_len)
{
	const char *s;
	size_t len;
	int ret = get_string(p, v, field, &s, &len);

	if (ret)
		return ret;
	if (!lower_hex(s, len) || len % 2)
		return field_error(p, field, "not lower-case hex of whole bytes");
	if (len / 2 < min || len / 2 > max)
		return min == max ?
		       field_error(p, field, "%zu bytes, expected %zu", len / 2, min) :
		       field_error(p, field, "%zu bytes, expected %zu to %zu",
				   len / 2, min, max);
	if (tr_unhex(s, len, out, max) != (long)(len / 2))
		return field_error(p, field, "not hex");
	*out_len = len / 2;
	return TR_OK;
}

/* A PCR number: decimal, no sign, no leading zero, 0..EVIDENCE_MAX_PCR. */
static bool pcr_number(const char *key, uint32_t *pcr)
{
	size_t len = strlen(key);

	if (!len || len > 2 || (len == 2 && key[0] == '0'))
		return false;
	*pcr = 0;
	for (size_t i = 0; i < len; i++) {
		if (key[i] < '0' || key[i] > '9')
			return false;
		*pcr = *pcr * 10 + (uint32_t)(key[i] - '0');
	}
	return *pcr <= EVIDENCE_MAX_PCR;
}

static int parse_bank(struct parser *p, struct tr_evidence *ev,
		      const char *name, json_object *bank)
{
	const struct tr_alg *alg = tr_alg_by_name(name);
	char field[96];
	size_t n = 0;

	snprintf(field, sizeof(field), "tpm_quote.pcrs.%s", name);
	if (!alg)
		return field_error(p, field, "unknown bank");
	if (!json_object_is_type(bank, json_type_object))
		return field_error(p, field, "not an object");
	for (size_t i = 0; i < ev->n_pcrs; i++)
		if (ev->pcrs[i].alg_id == alg->id)
			return field_error(p, field, "bank given twice");
	n = ev->n_pcrs + (size_t)json_object_object_length(bank);
	if (n > (EVIDENCE_MAX_PCR + 1) * TR_MAX_ALGS)
		return field_error(p, field, "too many PCRs");
	{
		struct tr_ev_pcr *pcrs = realloc(ev->pcrs, (n ? n : 1) * sizeof(*pcrs));

		if (!pcrs)
			return field_error(p, field, "out of memory");
		ev->pcrs = pcrs;
	}
	json_object_object_foreach(bank, key, val) {
		struct tr_ev_pcr *pcr = &ev->pcrs[ev->n_pcrs];
		size_t len = 0;
		int ret;

		snprintf(field, sizeof(field), "tpm_quote.pcrs.%s.%.8s", name, key);
		if (!pcr_number(key, &pcr->pcr))
			return field_error(p, field, "not a PCR number (0 to %d, decimal)",
					   EVIDENCE_MAX_PCR);
		pcr->alg_id = alg->id;
		ret = get_hex(p, val, field, pcr->value, alg->size, alg->size, &len);
		if (ret)
			return ret;
		ev->n_pcrs++;
	}
	return TR_OK;
}

static int parse_tpm_quote(struct parser *p, struct tr_evidence *ev,
			   json_object *q)
{
	json_object *v, *pcrs;
	const char *pem;
	size_t pem_len;
	int ret;

	if (!json_object_is_type(q, json_type_object))
		return field_error(p, "tpm_quote", "not an object");
	ev->has_tpm_quote = true;
	v = member(p, q, "message", "tpm_quote.message", true, &ret);
	if (ret || (ret = get_base64(p, v, "tpm_quote.message", &ev->tpm_message,
				     &ev->tpm_message_len)))
		return ret;
	v = member(p, q, "signature", "tpm_quote.signature", true, &ret);
	if (ret || (ret = get_base64(p, v, "tpm_quote.signature",
				     &ev->tpm_signature, &ev->tpm_signature_len)))
		return ret;
	v = member(p, q, "ak_public", "tpm_quote.ak_public", true, &ret);
	if (ret || (ret = get_string(p, v, "tpm_quote.ak_public", &pem, &pem_len)))
		return ret;
	ev->ak_public = strdup(pem);
	if (!ev->ak_public)
		return field_error(p, "tpm_quote.ak_public", "out of memory");
	pcrs = member(p, q, "pcrs", "tpm_quote.pcrs", true, &ret);
	if (ret)
		return ret;
	if (!json_object_is_type(pcrs, json_type_object))
		return field_error(p, "tpm_quote.pcrs", "not an object");
	json_object_object_foreach(pcrs, bank, val) {
		ret = parse_bank(p, ev, bank, val);
		if (ret)
			return ret;
	}
	return TR_OK;
}

static int parse_head(struct parser *p, struct tr_evidence *ev,
		      json_object *root)
{
	json_object *v;
	const char *s;
	size_t len;
	int ret;

	v = member(p, root, "version", "version", true, &ret);
	if (ret)
		return ret;
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) != TR_EVIDENCE_VERSION)
		return field_error(p, "version", "%s, only version %d is known",
				   json_object_to_json_string(v), TR_EVIDENCE_VERSION);
	ev->version = TR_EVIDENCE_VERSION;

	v = member(p, root, "provider", "provider", true, &ret);
	if (ret || (ret = get_string(p, v, "provider", &s, &len)))
		return ret;
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (!strcmp(s, providers[i]))
			strcpy(ev->provider, providers[i]);
	if (!ev->provider[0])
		return field_error(p, "provider", "\"%.32s\" is not tpm, snp-vtpm, tdx or sim", s);

	v = member(p, root, "nonce", "nonce", true, &ret);
	if (ret || (ret = get_hex(p, v, "nonce", ev->nonce, 1, sizeof(ev->nonce),
				  &ev->nonce_len)))
		return ret;

	/*
	 * json-c gives integers above 2^64 as 2^64 - 1 without a word; a
	 * count is a number of log records, so anything from 2^63 on is
	 * refused rather than guessed at.
	 */
	v = member(p, root, "count", "count", true, &ret);
	if (ret)
		return ret;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0 ||
	    json_object_get_uint64(v) > INT64_MAX)
		return field_error(p, "count", "not a non-negative integer below 2^63");
	ev->count = json_object_get_uint64(v);
	return TR_OK;
}

static int parse_doc(struct parser *p, struct tr_evidence *ev, json_object *root)
{
	json_object *v;
	int ret;

	if (!json_object_is_type(root, json_type_object)) {
		tr_set_error(p->err, 0, "evidence: not a JSON object");
		return TR_E_MALFORMED;
	}
	ret = parse_head(p, ev, root);
	if (ret)
		return ret;
	v = member(p, root, "log", "log", true, &ret);
	if (ret || (ret = get_base64(p, v, "log", &ev->log, &ev->log_len)))
		return ret;

	v = member(p, root, "tpm_quote", "tpm_quote",
		   provider_is_tpm(ev->provider), &ret);
	if (ret || (v && (ret = parse_tpm_quote(p, ev, v))))
		return ret;
	v = member(p, root, "td_quote", "td_quote", !strcmp(ev->provider, "tdx"),
		   &ret);
	if (ret || (v && (ret = get_base64(p, v, "td_quote", &ev->td_quote,
					   &ev->td_quote_len))))
		return ret;
	v = member(p, root, "ccel", "ccel", false, &ret);
	if (v && (ret = get_base64(p, v, "ccel", &ev->ccel, &ev->ccel_len)))
		return ret;
	return TR_OK;
}

static json_object *tokenize(const char *json, size_t len,
			     enum json_tokener_error *jerr, size_t *end)
{
	struct json_tokener *tok = json_tokener_new_ex(EVIDENCE_MAX_DEPTH);
	json_object *root;

	if (!tok) {
		*jerr = json_tokener_error_size;	/* no memory for a tokener */
		*end = 0;
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	*jerr = json_tokener_get_error(tok);
	*end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (root && *jerr != json_tokener_success) {
		json_object_put(root);
		root = NULL;
	}
	return root;
}

/*
 * The one JSON object of @json, all of it. In strict mode json-c eats
 * trailing whitespace and fails on anything else after the value, one
 * character past it: when the text up to that character is a whole value,
 * the error is trailing data, and the message says so.
 */
static json_object *parse_json(const char *json, size_t len,
			       struct tr_error *err)
{
	enum json_tokener_error jerr, jerr2;
	const char *nul = memchr(json, 0, len);
	json_object *root, *head;
	size_t end, end2;

	if (nul) {
		tr_set_error(err, (size_t)(nul - json),
			     "evidence: not JSON: a NUL byte at offset %zu",
			     (size_t)(nul - json));
		return NULL;
	}
	root = tokenize(json, len, &jerr, &end);
	if (root && end == len)
		return root;
	json_object_put(root);
	if (root || jerr == json_tokener_continue) {
		tr_set_error(err, end, root ?
			     "evidence: not JSON: trailing data at offset %zu" :
			     "evidence: not JSON: the text ends inside it (offset %zu)",
			     end);
		return NULL;
	}
	head = end ? tokenize(json, end - 1, &jerr2, &end2) : NULL;
	if (head && end2 == end - 1)
		tr_set_error(err, end - 1,
			     "evidence: not JSON: trailing data at offset %zu", end - 1);
	else
		tr_set_error(err, end, "evidence: not JSON: %s at offset %zu",
			     json_tokener_error_desc(jerr), end);
	json_object_put(head);
	return NULL;
}

int tr_evidence_parse(const char *json, size_t len, struct tr_evidence **out,
		      struct tr_error *err)
{
	struct parser p = { .err = err };
	struct tr_evidence *ev;
	json_object *root;
	int ret;

	*out = NULL;
	if (len > TR_EVIDENCE_MAX_SIZE) {
		tr_set_error(err, 0, "evidence: %zu bytes, above the size limit of %u",
			     len, TR_EVIDENCE_MAX_SIZE);
		return TR_E_MALFORMED;
	}
	root = parse_json(json, len, err);
	if (!root)
		return TR_E_MALFORMED;
	ev = calloc(1, sizeof(*ev));
	ret = ev ? parse_doc(&p, ev, root) : TR_E_NOMEM;
	json_object_put(root);
	if (ret) {
		tr_evidence_free(ev);
		return ret;
	}
	*out = ev;
	return TR_OK;
}

void tr_evidence_free(struct tr_evidence *ev)
{
	if (!ev)
		return;
	free(ev->log);
	free(ev->tpm_message);
	free(ev->tpm_signature);
	free(ev->ak_public);
	free(ev->pcrs);
	free(ev->td_quote);
	free(ev->ccel);
	free(ev);
}
