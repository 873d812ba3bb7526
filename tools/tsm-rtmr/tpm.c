// SPDX-License-Identifier: GPL-2.0
/*
 * The TPM through libtss2-esys: a TCTI from Tss2_TctiLdr (default
 * device:/dev/tpmrm0, --tcti), shared by quote and replay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	if (t->ctx && t->key != ESYS_TR_NONE)
		Esys_FlushContext(t->ctx, t->key);
	t->key = ESYS_TR_NONE;
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
