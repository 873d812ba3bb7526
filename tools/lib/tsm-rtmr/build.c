// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Serialising logs: a Spec ID header, TCG_PCR_EVENT2 records, and the
 * concatenation of a firmware log (CCEL) with a runtime log.
 */
#include <string.h>

#include "tsm-rtmr.h"
#include "internal.h"

int tr_build_header(struct tr_buf *b, const uint16_t *alg_ids,
		    unsigned int n_algs)
{
	static const uint8_t zero_sha1[20];
	static const char signature[16] = "Spec ID Event03";
	uint8_t version[4] = { 0, 2, 2, 2 };	/* 2.0 errata 2, uintnSize 2 */

	if (n_algs == 0 || n_algs > TR_MAX_ALGS)
		return TR_E_INVAL;
	for (unsigned int i = 0; i < n_algs; i++)
		if (!tr_alg_by_id(alg_ids[i]))
			return TR_E_UNSUPPORTED;
	tr_buf_put_u32(b, 0);
	tr_buf_put_u32(b, TR_EV_NO_ACTION);
	tr_buf_put(b, zero_sha1, sizeof(zero_sha1));
	tr_buf_put_u32(b, 16 + 4 + 4 + 4 + 4 * n_algs + 1);
	tr_buf_put(b, signature, sizeof(signature));
	tr_buf_put_u32(b, 0);			/* platformClass */
	tr_buf_put(b, version, sizeof(version));
	tr_buf_put_u32(b, n_algs);
	for (unsigned int i = 0; i < n_algs; i++) {
		tr_buf_put_u16(b, alg_ids[i]);
		tr_buf_put_u16(b, tr_alg_by_id(alg_ids[i])->size);
	}
	return tr_buf_put(b, "", 1);		/* vendorInfoSize 0 */
}

int tr_build_record(struct tr_buf *b, uint32_t log_index, uint32_t event_type,
		    const uint16_t *alg_ids, unsigned int n_algs,
		    const uint8_t *digests, const void *event,
		    uint32_t event_size)
{
	tr_buf_put_u32(b, log_index);
	tr_buf_put_u32(b, event_type);
	tr_buf_put_u32(b, n_algs);
	for (unsigned int i = 0; i < n_algs; i++) {
		const struct tr_alg *alg = tr_alg_by_id(alg_ids[i]);

		if (!alg)
			return TR_E_UNSUPPORTED;
		tr_buf_put_u16(b, alg->id);
		tr_buf_put(b, digests, alg->size);
		digests += alg->size;
	}
	tr_buf_put_u32(b, event_size);
	return tr_buf_put(b, event, event_size);
}

int tr_build_record_hashed(struct tr_buf *b, uint32_t log_index,
			   uint32_t event_type, const uint16_t *alg_ids,
			   unsigned int n_algs, const void *event,
			   uint32_t event_size)
{
	uint8_t digests[TR_MAX_ALGS * TR_MAX_DIGEST];
	size_t off = 0;

	if (n_algs > TR_MAX_ALGS)
		return TR_E_INVAL;
	for (unsigned int i = 0; i < n_algs; i++) {
		const struct tr_alg *alg = tr_alg_by_id(alg_ids[i]);
		int ret;

		if (!alg)
			return TR_E_UNSUPPORTED;
		ret = tr_hash(alg, event, event_size, digests + off);
		if (ret)
			return ret;
		off += alg->size;
	}
	return tr_build_record(b, log_index, event_type, alg_ids, n_algs,
			       digests, event, event_size);
}

static bool same_banks(const struct tr_log *a, const struct tr_log *b)
{
	if (a->n_banks != b->n_banks)
		return false;
	for (unsigned int i = 0; i < a->n_banks; i++)
		if (a->banks[i].alg_id != b->banks[i].alg_id)
			return false;
	return true;
}

int tr_log_concat(const struct tr_log *fw, const struct tr_log *rt,
		  struct tr_buf *out, struct tr_error *err)
{
	if (!same_banks(fw, rt)) {
		tr_set_error(err, 0,
			     "firmware log and runtime log carry different algorithms");
		return TR_E_MALFORMED;
	}
	tr_buf_put(out, fw->buf, fw->len);
	if (tr_buf_put(out, rt->buf + rt->header_len,
		       rt->len - rt->header_len)) {
		tr_set_error(err, 0, "out of memory");
		return TR_E_NOMEM;
	}
	return TR_OK;
}
