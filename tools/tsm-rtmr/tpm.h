/* SPDX-License-Identifier: GPL-2.0 */
/* The TPM through libtss2-esys, for quote and replay. */
#ifndef TSM_RTMR_CLI_TPM_H
#define TSM_RTMR_CLI_TPM_H

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "cli.h"

#define DEFAULT_TCTI	"device:/dev/tpmrm0"

struct tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *ctx;
	ESYS_TR key;		/* flushed by tpm_close unless ESYS_TR_NONE */
};

/* One line on stderr naming @what and the TSS's decoding of @rc. */
void tpm_error(const char *what, TSS2_RC rc);
/* 0, or -1 after a one-line message; tpm_close in either case. */
int tpm_open(struct tpm *t, const char *conf);
void tpm_close(struct tpm *t);

/*
 * PCR @pcr in every bank of @log, in one TPM2_PCR_Read (so all banks of
 * one instant): values[b] for log bank b. 0, or -1 after a one-line
 * message (a TPM error, a bank the TPM does not have).
 */
int tpm_read_pcr(struct tpm *t, uint32_t pcr, const struct tr_log *log,
		 uint8_t values[][TR_MAX_DIGEST]);

#endif
