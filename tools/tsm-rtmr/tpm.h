/* SPDX-License-Identifier: GPL-2.0 */
/* The TPM through libtss2-esys, for quote, evidence and replay. */
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
	bool key_persistent;	/* key is a persistent AK: closed, not flushed */
};

/* PCR values read from the TPM right after a quote, per bank of sel. */
struct pcr_values {
	TPML_PCR_SELECTION sel;
	uint8_t value[TPM2_NUM_PCR_BANKS][TPM2_MAX_PCRS][TR_MAX_DIGEST];
};

/* A quote and what goes with it; tpm_quote_free releases it. */
struct tpm_quote {
	TPM2B_PUBLIC *ak;	/* the AK's public area */
	TPMT_SIG_SCHEME scheme;	/* TPM2_ALG_NULL: the key's own */
	TPM2B_ATTEST *quoted;
	TPMT_SIGNATURE *sig;
	struct pcr_values pv;	/* sel: what to quote */
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

/* "16,23" or "8-9,16" (PCRs 0-23) into a bit mask; false if malformed. */
bool parse_pcr_list(const char *s, uint32_t *mask);
/* A persistent handle 0x81000000-0x81ffffff; false if not one. */
bool parse_ak_handle(const char *s, TPM2_HANDLE *handle);
/* Select the PCRs of @pcrs in every bank of @log, in its bank order. */
void select_pcrs(const struct tr_log *log, uint32_t pcrs,
		 TPML_PCR_SELECTION *sel);

/* The same banks and PCRs, in the same order. */
bool same_selection(const TPML_PCR_SELECTION *a, const TPML_PCR_SELECTION *b);

/*
 * The AK into t->key and q->ak: a fresh ECC P-256 restricted signing
 * primary when @handle is 0, else the persistent key at @handle (RSA or
 * ECC; its own scheme, or RSASSA/ECDSA with SHA-256 when it has none).
 * 0, or -1 after a one-line message.
 */
int tpm_load_ak(struct tpm *t, TPM2_HANDLE handle, struct tpm_quote *q);
/*
 * TPM2_Quote of q->pv.sel with @nonce, then the quoted PCRs read into
 * q->pv right after. 0, or -1 after a one-line message.
 */
int tpm_quote_pcrs(struct tpm *t, const uint8_t *nonce, size_t nonce_len,
		   struct tpm_quote *q);
/* The quote's previous result, for another attempt. */
void tpm_quote_clear(struct tpm_quote *q);
void tpm_quote_free(struct tpm_quote *q);
/* tr_pcr_lookup over a struct pcr_values. */
int pcr_values_lookup(uint32_t pcr, uint16_t alg_id, uint8_t *out, void *ctx);

#endif
