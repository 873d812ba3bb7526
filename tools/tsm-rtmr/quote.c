// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr quote: a TPM2_Quote with a fresh restricted signing key (or the
 * persistent AK at --ak), checked with OpenSSL, and matched against the
 * longest log prefix that replays to the quoted PCR digest. With -p tdx, a
 * TD quote through configfs-tsm, checked as verify checks evidence
 * (evidence.c gathers it, verify.c checks it).
 *
 * Order matters. The provider's count is read before the quote is
 * requested: the quote must cover every entry those count records hold
 * on the quoted PCRs, else a reset (PCR 16 and 23 from locality 0) and a
 * re-extend could make an old prefix match. count counts only entries
 * whose extend is done. The log is read after the quote: a read waits for
 * the commit in flight, so it holds every entry the quote covers; entries
 * committed meanwhile only make it longer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpm.h"

static const char quote_help[] =
"usage: tsm-rtmr quote --pcrs LIST --nonce HEX [--tcti CONF] [--ak HANDLE]\n"
"                      [-p PROVIDER] [FILE]\n"
"       tsm-rtmr quote -p tdx --nonce HEX [--ccel FILE]\n"
"Quote PCRs LIST (e.g. 16,23 or 8-9,16) in every bank the log carries with a\n"
"fresh restricted signing key (or the persistent AK at HANDLE), verify\n"
"signature and nonce, and find the longest prefix of the log (PROVIDER's,\n"
"default tpm, or FILE) that replays to the quoted PCR digest. That prefix\n"
"must hold every entry on the quoted PCRs logged before the quote was\n"
"requested (PROVIDER's count, read first; with FILE, all of its records).\n"
"PCRs the log does not touch are read with TPM2_PCR_Read and taken as they\n"
"are.\n"
"  -l, --pcrs LIST     PCRs to quote\n"
"  -n, --nonce HEX     qualifying data, 1-64 bytes\n"
"  -T, --tcti CONF     TCTI (default device:/dev/tpmrm0)\n"
"  -p, --provider NAME provider whose log to use (default tpm)\n"
"      --ak HANDLE     persistent AK (e.g. 0x81010002, tpm2_createak and\n"
"                      tpm2_evictcontrol) instead of a fresh key\n"
"With -p tdx: a TD quote through configfs-tsm with REPORTDATA = nonce,\n"
"checked as 'tsm-rtmr verify' checks evidence: REPORTDATA, the quote's\n"
"signature with the key it carries, RTMR 0-3 = the replay of the firmware\n"
"CCEL (--ccel FILE, default " DEFAULT_CCEL ")\n"
"and a prefix of the runtime log, the data binding; one line per check.\n"
"Exit status 1 when a check fails, no prefix matches, or the matching prefix\n"
"leaves out such an entry (a PCR reset, or an extend behind the log).\n";

struct quote_args {
	const char *provider, *tcti, *file, *ccel;
	uint32_t pcrs;		/* bit n: PCR n */
	TPM2_HANDLE ak;		/* 0: a fresh key */
	uint8_t nonce[64];
	size_t nonce_len;
};

/* -p tdx: a TD quote names no PCRs, no TPM, no key and no FILE. */
static int check_tdx_args(int argc, const struct quote_args *a)
{
	if (a->pcrs || a->ak || a->tcti != NULL) {
		errmsg("-p tdx takes no --pcrs, --ak or --tcti (try --help)");
		return -1;
	}
	if (!a->nonce_len) {
		errmsg("--nonce is required (try --help)");
		return -1;
	}
	if (optind != argc) {
		errmsg("-p tdx takes no FILE: the log is the provider's (try --help)");
		return -1;
	}
	return 0;
}

static int parse_quote_args(int argc, char **argv, struct quote_args *a)
{
	static const struct option opts[] = {
		{ "pcrs", required_argument, NULL, 'l' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "tcti", required_argument, NULL, 'T' },
		{ "provider", required_argument, NULL, 'p' },
		{ "ak", required_argument, NULL, 'A' },
		{ "ccel", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "l:n:T:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!parse_pcr_list(optarg, &a->pcrs)) {
				errmsg("--pcrs '%s': want a list like 16,23 or 8-9 (PCRs 0-23)",
				       optarg);
				return -1;
			}
			break;
		case 'n':
			if (!parse_nonce(optarg, a->nonce, &a->nonce_len))
				return -1;
			break;
		case 'T': a->tcti = optarg; break;
		case 'p': a->provider = optarg; break;
		case 'A':
			if (!parse_ak_handle(optarg, &a->ak)) {
				errmsg("--ak '%s': want a persistent handle 0x81000000-0x81ffffff",
				       optarg);
				return -1;
			}
			break;
		case 'C': a->ccel = optarg; break;
		case 'h': fputs(quote_help, stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (!strcmp(a->provider, "tdx"))
		return check_tdx_args(argc, a);
	if (a->ccel) {
		errmsg("--ccel is for -p tdx (try --help)");
		return -1;
	}
	if (!a->pcrs || !a->nonce_len) {
		errmsg("--pcrs and --nonce are required (try --help)");
		return -1;
	}
	if (argc - optind > 1) {
		errmsg("more than one FILE (try --help)");
		return -1;
	}
	a->file = optind < argc ? argv[optind] : NULL;
	return 0;
}

static void print_quoted(const struct tr_log *log, size_t n,
			 const TPML_PCR_SELECTION *sel,
			 const struct pcr_values *pv)
{
	struct tr_replay r;
	char hex[2 * TR_MAX_DIGEST + 1];

	if (tr_replay_init(&r, log, TR_REPLAY_TPM, NULL) ||
	    tr_replay_run(&r, n))
		return;
	for (uint32_t b = 0; b < sel->count; b++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];
		const struct tr_alg *alg = tr_alg_by_id(s->hash);
		uint8_t v[TR_MAX_DIGEST];

		for (uint32_t pcr = 0; alg && pcr < 8u * s->sizeofSelect; pcr++) {
			if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
				continue;
			int bank = tr_log_bank(log, s->hash);
			const uint8_t *rv = bank < 0 ? NULL :
				tr_replay_value(&r, pcr, (unsigned int)bank);

			if (!rv && !pcr_values_lookup(pcr, s->hash, v, (void *)pv))
				rv = v;
			if (!rv)
				continue;
			tr_hex(rv, alg->size, hex);
			printf("%u %s:%s%s\n", pcr, alg->name, hex,
			       bank >= 0 && tr_replay_value(&r, pcr, (unsigned int)bank) ?
			       "" : " (not in the log)");
		}
	}
	tr_replay_free(&r);
}

/* The entries the matching prefix leaves out, in one line. */
static void explain_uncovered(const struct tr_log *log,
			      const TPML_PCR_SELECTION *sel, size_t best,
			      size_t count)
{
	uint32_t rec[16];
	size_t n = tr_quote_uncovered(log, sel, best, count, rec, 16);
	char list[16 * 11 + 32];
	size_t len = 0;

	for (size_t i = 0; i < n && i < 16; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, " %u",
					rec[i]);
	if (n > 16)
		snprintf(list + len, sizeof(list) - len, " ... (%zu in all)", n);
	errmsg("signature and nonce verify, and the first %zu records replay to the quoted PCRs, but %zu %s logged on them before the quote %s not covered (a reset or an extend behind the log): recnum%s%s",
	       best, n, n == 1 ? "entry" : "entries", n == 1 ? "is" : "are",
	       n == 1 ? "" : "s", list);
}

/*
 * The longest prefix of the log that replays to the quote; EXIT_OK when it
 * holds the first @count records' entries on the quoted PCRs.
 */
static int match_log(const struct tr_log *log, const TPMS_ATTEST *attest,
		     const struct tr_alg *hash, const struct pcr_values *pv,
		     size_t count, size_t *best)
{
	const TPML_PCR_SELECTION *sel = &attest->attested.quote.pcrSelect;
	struct tr_error err = { 0 };
	int ret;

	if (count > log->n_records) {
		errmsg("the log has %zu records, fewer than the %zu counted before the quote",
		       log->n_records, count);
		return EXIT_VERIFY;
	}
	ret = tr_quote_find_prefix(log, sel, hash,
				   attest->attested.quote.pcrDigest.buffer,
				   pcr_values_lookup, (void *)pv, best, &err);
	if (ret == TR_E_NOMATCH) {
		errmsg("signature and nonce verify, but no prefix of the log's %zu records replays to the quoted PCR digest",
		       log->n_records);
		return EXIT_VERIFY;
	}
	if (ret) {
		errmsg("%s", err.msg);
		return EXIT_ERROR;
	}
	if (tr_quote_uncovered(log, sel, *best, count, NULL, 0)) {
		explain_uncovered(log, sel, *best, count);
		return EXIT_VERIFY;
	}
	return EXIT_OK;
}

/*
 * Verify the quote and find the prefix; the TPM is done by now. @count:
 * records in the log before the quote was requested.
 */
static int check_quote(const struct quote_args *a, const TPM2B_ATTEST *quoted,
		       const TPMT_SIGNATURE *sig, const TPM2B_PUBLIC *pub,
		       const struct pcr_values *pv, const char *path,
		       size_t count)
{
	struct tr_error err = { 0 };
	const struct tr_alg *hash;
	struct tr_log *log;
	TPMS_ATTEST attest;
	size_t best = 0;
	int ret;

	ret = tr_quote_verify(quoted->attestationData, quoted->size, sig,
			      &pub->publicArea, a->nonce, a->nonce_len, &attest,
			      &err);
	if (ret) {
		errmsg("%s", err.msg);
		return ret == TR_E_NOMATCH ? EXIT_VERIFY : EXIT_ERROR;
	}
	if (!same_selection(&attest.attested.quote.pcrSelect, &pv->sel)) {
		errmsg("quote covers a different PCR selection than requested");
		return EXIT_VERIFY;
	}
	hash = tr_alg_by_id(sig->signature.ecdsa.hash);
	if (!hash || attest.attested.quote.pcrDigest.size != hash->size) {
		errmsg("quote: pcrDigest size does not match the signing hash");
		return EXIT_VERIFY;
	}
	log = load_log(path, NULL);
	if (!log)
		return EXIT_ERROR;
	ret = match_log(log, &attest, hash, pv, count, &best);
	if (ret == EXIT_OK) {
		char hex[2 * TR_MAX_DIGEST + 1];

		tr_hex(attest.attested.quote.pcrDigest.buffer, hash->size, hex);
		printf("quote: signature ok, nonce ok, pcrDigest %s:%s\n",
		       hash->name, hex);
		printf("prefix: %zu of %zu records replay to the quoted PCRs (%zu logged before the quote)\n",
		       best, log->n_records, count);
		print_quoted(log, best, &attest.attested.quote.pcrSelect, pv);
		if (output_flush(NULL))
			ret = EXIT_ERROR;
	}
	tr_log_free(log);
	return ret;
}

/*
 * The banks to quote: those of the log, read before the quote. *@records:
 * how many records it has.
 */
static int log_banks(const char *path, uint32_t pcrs, TPML_PCR_SELECTION *sel,
		     size_t *records)
{
	struct tr_log *log = load_log(path, NULL);

	if (!log)
		return -1;
	select_pcrs(log, pcrs, sel);
	*records = log->n_records;
	tr_log_free(log);
	return 0;
}

int cmd_quote(int argc, char **argv)
{
	struct quote_args a = { .provider = "tpm" };
	struct tpm_quote *q;
	struct tpm t = { 0 };
	size_t count;
	char path[512];
	int ret = EXIT_ERROR;

	if (parse_quote_args(argc, argv, &a))
		return EXIT_ERROR;
	if (!strcmp(a.provider, "tdx"))
		return quote_tdx(a.nonce, a.nonce_len, a.ccel);
	if (a.file)
		snprintf(path, sizeof(path), "%s", a.file);
	else
		provider_log_path(a.provider, path, sizeof(path));
	q = calloc(1, sizeof(*q));
	if (!q || log_banks(path, a.pcrs, &q->pv.sel, &count) ||
	    tpm_open(&t, a.tcti ? a.tcti : DEFAULT_TCTI) ||
	    tpm_load_ak(&t, a.ak, q))
		goto out;
	/* Every record of FILE is older than the quote; else count them now. */
	if (!a.file && read_count(a.provider, &count))
		goto out;
	if (tpm_quote_pcrs(&t, a.nonce, a.nonce_len, q))
		goto out;
	tpm_close(&t);
	ret = check_quote(&a, q->quoted, q->sig, q->ak, &q->pv, path, count);
out:
	tpm_close(&t);
	if (q)
		tpm_quote_free(q);
	free(q);
	return ret;
}
