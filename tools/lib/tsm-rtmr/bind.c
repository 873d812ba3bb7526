// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Data binding and the attestation agent's records (spec section 9).
 *
 * A record's digests bind its registers, not its event data: nothing
 * makes a writer hash the data it logs. A verifier may trust the data of
 * a record only when every bank's digest is the hash of that data, which
 * is what the attestation agent's EV_EVENT_TAG records (AAEL) promise.
 */
#include <string.h>

#include "tsm-rtmr.h"
#include "internal.h"

#define TAGGED_HEADER	8	/* u32 taggedEventID, u32 taggedEventDataSize */

int tr_record_bound(const struct tr_log *log, const struct tr_record *rec)
{
	uint8_t md[TR_MAX_DIGEST];

	for (unsigned int b = 0; b < log->n_banks; b++) {
		const struct tr_alg *alg = log->banks[b].alg;
		int ret;

		if (!alg)
			return 0;	/* cannot check it, so it is not bound */
		ret = tr_hash(alg, tr_record_event(log, rec), rec->event_size,
			      md);
		if (ret == TR_E_UNSUPPORTED)
			return 0;
		if (ret)
			return ret;
		if (memcmp(md, tr_record_digest(log, rec, b), alg->size))
			return 0;
	}
	return 1;
}

/* The length of a field that ends at the next space (or at @end). */
static size_t field_len(const char *p, const char *end)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));

	return (size_t)((sp ? sp : end) - p);
}

static int aael_check(const char *text, size_t len, struct tr_error *err)
{
	const char *end = text + len, *p = text;
	static const char *const name[] = { "DOMAIN", "OPERATION" };

	if (len == 0 || len > TR_AAEL_MAX_TEXT) {
		tr_set_error(err, 0, "AAEL text of %zu bytes: 1 to %u", len,
			     TR_AAEL_MAX_TEXT);
		return TR_E_INVAL;
	}
	if (memchr(text, '\0', len)) {
		tr_set_error(err, (size_t)((const char *)memchr(text, '\0', len) - text),
			     "AAEL text holds a NUL byte");
		return TR_E_INVAL;
	}
	for (int i = 0; i < 2; i++) {
		size_t n = field_len(p, end);

		if (n == 0 || p + n == end) {
			tr_set_error(err, (size_t)(p - text),
				     "AAEL text must be 'DOMAIN OPERATION CONTENT': %s is %s",
				     name[i], n ? "the last field" : "empty");
			return TR_E_INVAL;
		}
		p += n + 1;	/* the single space after the field */
	}
	if (p == end || *p == ' ') {
		tr_set_error(err, (size_t)(p - text),
			     "AAEL text must be 'DOMAIN OPERATION CONTENT': CONTENT is %s",
			     p == end ? "empty" : "preceded by more than one space");
		return TR_E_INVAL;
	}
	return TR_OK;
}

int tr_aael_event(const char *text, size_t len, struct tr_buf *out,
		  struct tr_error *err)
{
	int ret = aael_check(text, len, err);

	if (ret)
		return ret;
	tr_buf_put_u32(out, TR_AAEL_TAG);
	tr_buf_put_u32(out, (uint32_t)len);
	if (tr_buf_put(out, text, len)) {
		tr_set_error(err, 0, "out of memory");
		return TR_E_NOMEM;
	}
	return TR_OK;
}

int tr_aael_text(const struct tr_log *log, const struct tr_record *rec,
		 const char **text, size_t *len)
{
	const uint8_t *ev = tr_record_event(log, rec);

	if (rec->event_type != TR_EV_EVENT_TAG ||
	    rec->event_size < TAGGED_HEADER || tr_le32(ev) != TR_AAEL_TAG ||
	    tr_le32(ev + 4) != rec->event_size - TAGGED_HEADER)
		return 0;
	*text = (const char *)ev + TAGGED_HEADER;
	*len = rec->event_size - TAGGED_HEADER;
	return 1;
}
