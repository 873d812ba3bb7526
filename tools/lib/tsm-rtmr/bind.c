// SPDX-License-Identifier: LGPL-2.1-or-later
/* Data binding and the attestation agent's records. STUB */
#include "tsm-rtmr.h"
#include "internal.h"

int tr_record_bound(const struct tr_log *log, const struct tr_record *rec)
{
	(void)log; (void)rec;
	return TR_E_UNSUPPORTED;
}

int tr_aael_event(const char *text, size_t len, struct tr_buf *out,
		  struct tr_error *err)
{
	(void)text; (void)len; (void)out;
	tr_set_error(err, 0, "not implemented");
	return TR_E_UNSUPPORTED;
}

int tr_aael_text(const struct tr_log *log, const struct tr_record *rec,
		 const char **text, size_t *len)
{
	(void)log; (void)rec; (void)text; (void)len;
	return 0;
}
