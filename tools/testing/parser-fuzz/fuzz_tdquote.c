// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the TD quote parser and what consumes a parsed
 * quote: the ECDSA check and the RTMR replay. Besides "no crash, no
 * sanitizer report", for every quote the parser accepts:
 *  - the layout adds up: the signed part, the signature data and the
 *    certification data tile the input exactly;
 *  - the version, key type, TEE type and body are ones the parser admits;
 *  - every refusal carries a message.
 */
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"

static struct tr_log *rt_log;

/* A runtime log of two RTMR 3 entries to replay against each quote. */
static void make_rt_log(void)
{
	static const uint16_t sha384[] = { 0x000c };
	struct tr_buf b = { 0 };

	tr_build_header(&b, sha384, 1);
	tr_build_record_hashed(&b, 4, TR_EV_EVENT_TAG, sha384, 1, "a", 1);
	tr_build_record_hashed(&b, 4, TR_EV_EVENT_TAG, sha384, 1, "b", 1);
	if (tr_log_parse(b.data, b.len, NULL, &rt_log, NULL))
		abort();
	tr_buf_free(&b);
}

static void check_layout(const struct tr_td_quote *q, size_t size)
{
	size_t body_off = q->version == 5 ? 54 : 48;

	if ((q->version != 4 && q->version != 5) || q->att_key_type != 2 ||
	    q->tee_type != 0x81)
		abort();
	if (!((q->body_type == 2 && q->body_size == TR_TDQ_BODY10_SIZE) ||
	      (q->body_type == 3 && q->body_size == TR_TDQ_BODY15_SIZE && q->version == 5)))
		abort();
	if (q->signed_len != body_off + q->body_size ||
	    q->cert_off != q->signed_len + 4 + 134 ||
	    q->cert_off + q->cert_size != size)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_td_quote q;
	struct tr_error err = { 0 };
	size_t best;
	int ret;

	if (!rt_log)
		make_rt_log();
	ret = tr_td_quote_parse(data, size, &q, &err);
	if (ret) {
		if (!err.msg[0] || ret >= 0)
			abort();
		return 0;
	}
	check_layout(&q, size);
	err.msg[0] = '\0';
	ret = tr_td_quote_verify_signature(data, &q, &err);
	if (ret && !err.msg[0])
		abort();
	ret = tr_td_find_prefix(&q, NULL, rt_log, &best, &err);
	if (ret != TR_OK && ret != TR_E_NOMATCH)
		abort();
	if (!ret && best > rt_log->n_records)
		abort();
	return 0;
}
