// SPDX-License-Identifier: LGPL-2.1-or-later
/* TD quotes: strict parsing, the ECDSA P-256 check, RTMR replay. STUB */
#include "tsm-rtmr.h"
#include "internal.h"

int tr_td_quote_parse(const uint8_t *quote, size_t len, struct tr_td_quote *q,
		      struct tr_error *err)
{
	(void)quote; (void)len; (void)q;
	tr_set_error(err, 0, "not implemented");
	return TR_E_UNSUPPORTED;
}

int tr_td_quote_verify_signature(const uint8_t *quote,
				 const struct tr_td_quote *q,
				 struct tr_error *err)
{
	(void)quote; (void)q;
	tr_set_error(err, 0, "not implemented");
	return TR_E_UNSUPPORTED;
}

int tr_td_find_prefix(const struct tr_td_quote *q, const struct tr_log *ccel,
		      const struct tr_log *rt, size_t *best,
		      struct tr_error *err)
{
	(void)q; (void)ccel; (void)rt; (void)best;
	tr_set_error(err, 0, "not implemented");
	return TR_E_UNSUPPORTED;
}
