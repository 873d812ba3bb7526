// SPDX-License-Identifier: LGPL-2.1-or-later
/* Evidence documents: JSON codec (json-c) and verification. STUB */
#include <stdlib.h>
#include "tsm-rtmr.h"
#include "internal.h"

int tr_evidence_parse(const char *json, size_t len, struct tr_evidence **out,
		      struct tr_error *err)
{
	(void)json; (void)len; (void)out;
	tr_set_error(err, 0, "not implemented");
	return TR_E_UNSUPPORTED;
}

int tr_evidence_write(FILE *f, const struct tr_evidence *ev)
{
	(void)f; (void)ev;
	return TR_E_UNSUPPORTED;
}

void tr_evidence_free(struct tr_evidence *ev)
{
	free(ev);
}

int tr_evidence_verify(const struct tr_evidence *ev,
		       const struct tr_verify_opts *o, struct tr_error *err)
{
	(void)ev; (void)o;
	tr_set_error(err, 0, "not implemented");
	return TR_E_UNSUPPORTED;
}
