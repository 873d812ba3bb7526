// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr evidence: the document of spec section 9 for a remote verifier
 * (tsm-rtmr verify checks it on any machine), and the TDX gathering that
 * quote -p tdx shares.
 *
 * Order matters, as for quote: the provider's count is read first, then
 * the quote is requested, then the log is read. The count says which
 * entries the quote must cover (fewer means a reset or an extend behind
 * the log); a read of the log waits for the commit in flight, so the log
 * read after the quote holds every entry the quote covers, and entries
 * committed meanwhile only make it longer (a verifier takes the prefix).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_mu.h>

#include "tpm.h"

/* Quote again when an extend lands between the quote and the PCR reads. */
#define QUOTE_ATTEMPTS	3
/* configfs-tsm refuses a report whose generation moved: another writer. */
#define REPORT_ATTEMPTS	5

static const char evidence_help[] =
"usage: tsm-rtmr evidence -p PROVIDER --nonce HEX [--pcrs LIST] [--ak HANDLE]\n"
"                         [--tcti CONF] [--ccel FILE] -o FILE\n"
"Write the evidence document of PROVIDER (JSON, see tsm-rtmr(8)) to FILE\n"
"('-': stdout), for 'tsm-rtmr verify' on any machine: the provider's count,\n"
"read first, the quote with the verifier's nonce, and the log, read after.\n"
"  -p, --provider NAME  tpm, snp-vtpm (a TPM quote), tdx (a TD quote\n"
"                       through configfs-tsm) or sim (no quote; tests)\n"
"  -n, --nonce HEX      the verifier's nonce, 1-64 bytes\n"
"  -l, --pcrs LIST      TPM: PCRs to quote (e.g. 16,23 or 8-9,16); default\n"
"                       every PCR the log touches, in every bank it carries\n"
"      --ak HANDLE      TPM: the persistent AK to sign with (e.g. 0x81010002,\n"
"                       made with tpm2_createak and tpm2_evictcontrol);\n"
"                       default a fresh key no verifier can have pinned\n"
"  -T, --tcti CONF      TPM: TCTI (default " DEFAULT_TCTI ")\n"
"      --ccel FILE      TDX: the firmware's CCEL (default\n"
"                       " DEFAULT_CCEL ",\n"
"                       left out when there is none)\n"
"  -o, --output FILE    where to write the document\n";

struct evidence_args {
	const char *provider, *tcti, *ccel, *output;
	uint32_t pcrs;		/* bit n: PCR n; 0: those the log touches */
	TPM2_HANDLE ak;		/* 0: a fresh key */
	uint8_t nonce[64];
	size_t nonce_len;
};

static bool known_provider(const char *p)
{
	return provider_is_tpm(p) || !strcmp(p, "tdx") || !strcmp(p, "sim");
}

static int parse_evidence_args(int argc, char **argv, struct evidence_args *a)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "pcrs", required_argument, NULL, 'l' },
		{ "ak", required_argument, NULL, 'A' },
		{ "tcti", required_argument, NULL, 'T' },
		{ "ccel", required_argument, NULL, 'C' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:n:l:T:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->provider = optarg; break;
		case 'n':
			if (!parse_nonce(optarg, a->nonce, &a->nonce_len))
				return -1;
			break;
		case 'l':
			if (!parse_pcr_list(optarg, &a->pcrs)) {
				errmsg("--pcrs '%s': want a list like 16,23 or 8-9 (PCRs 0-23)",
				       optarg);
				return -1;
			}
			break;
		case 'A':
			if (!parse_ak_handle(optarg, &a->ak)) {
				errmsg("--ak '%s': want a persistent handle 0x81000000-0x81ffffff",
				       optarg);
				return -1;
			}
			break;
		case 'T': a->tcti = optarg; break;
		case 'C': a->ccel = optarg; break;
		case 'o': a->output = optarg; break;
		case 'h': fputs(evidence_help, stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (optind != argc) {
		errmsg("unexpected argument '%s' (try --help)", argv[optind]);
		return -1;
	}
	if (!a->provider || !a->nonce_len || !a->output) {
		errmsg("-p PROVIDER, --nonce and -o FILE are required (try --help)");
		return -1;
	}
	if (!known_provider(a->provider)) {
		errmsg("provider '%s': want tpm, snp-vtpm, tdx or sim", a->provider);
		return -1;
	}
	if (!provider_is_tpm(a->provider) && (a->pcrs || a->ak || a->tcti)) {
		errmsg("--pcrs, --ak and --tcti are for the TPM providers (try --help)");
		return -1;
	}
	if (strcmp(a->provider, "tdx") && a->ccel) {
		errmsg("--ccel is for -p tdx (try --help)");
		return -1;
	}
	return 0;
}

/* The provider's log, read now and strictly parsed, into ev->log. */
static int take_log(const char *provider, struct tr_evidence *ev)
{
	char path[512];
	struct tr_log *log;

	provider_log_path(provider, path, sizeof(path));
	log = load_log(path, NULL);
	if (!log)
		return EXIT_ERROR;
	ev->log = malloc(log->len ? log->len : 1);
	if (ev->log) {
		memcpy(ev->log, log->buf, log->len);
		ev->log_len = log->len;
	}
	tr_log_free(log);
	if (!ev->log) {
		errmsg("out of memory");
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

static void start_document(const char *provider, const uint8_t *nonce,
			   size_t nonce_len, struct tr_evidence *ev)
{
	ev->version = TR_EVIDENCE_VERSION;
	snprintf(ev->provider, sizeof(ev->provider), "%s", provider);
	memcpy(ev->nonce, nonce, nonce_len);
	ev->nonce_len = nonce_len;
}

/* ---- tpm, snp-vtpm ---------------------------------------------------- */

/* Every PCR a record of @log extends (EV_NO_ACTION extends nothing). */
static int touched_pcrs(const struct tr_log *log, uint32_t *pcrs)
{
	*pcrs = 0;
	for (size_t i = 0; i < log->n_records; i++) {
		const struct tr_record *rec = &log->records[i];

		if (rec->event_type == TR_EV_NO_ACTION)
			continue;
		if (rec->log_index >= 24) {
			errmsg("record %u: log index %u, and a TPM has PCRs 0-23",
			       rec->recnum, rec->log_index);
			return -1;
		}
		*pcrs |= 1u << rec->log_index;
	}
	return 0;
}

/* What to quote: --pcrs or what the log touches, in the log's banks. */
static int quote_selection(const struct evidence_args *a, TPML_PCR_SELECTION *sel)
{
	char path[512];
	struct tr_log *log;
	uint32_t pcrs = a->pcrs;
	int ret = 0;

	provider_log_path(a->provider, path, sizeof(path));
	log = load_log(path, NULL);
	if (!log)
		return -1;
	if (!pcrs)
		ret = touched_pcrs(log, &pcrs);
	if (!ret && !pcrs) {
		errmsg("the %s log extends no PCR yet: name the PCRs to quote with --pcrs",
		       a->provider);
		ret = -1;
	}
	if (!ret)
		select_pcrs(log, pcrs, sel);
	tr_log_free(log);
	return ret;
}

/*
 * 1 when the PCR values read after the quote hash to its pcrDigest, 0 when
 * an extend landed in between, -1 after a message.
 */
static int quote_consistent(const struct tpm_quote *q)
{
	const TPML_PCR_SELECTION *sel = &q->pv.sel;
	const struct tr_alg *hash = tr_alg_by_id(q->sig->signature.any.hashAlg);
	uint8_t digest[TR_MAX_DIGEST];
	struct tr_buf values = { 0 };
	TPMS_ATTEST attest;
	size_t off = 0;
	int ret = -1;

	if (Tss2_MU_TPMS_ATTEST_Unmarshal(q->quoted->attestationData,
					  q->quoted->size, &off, &attest) ||
	    attest.type != TPM2_ST_ATTEST_QUOTE) {
		errmsg("TPM2_Quote: the TPM returned no quote");
		return -1;
	}
	if (!same_selection(&attest.attested.quote.pcrSelect, sel)) {
		errmsg("TPM2_Quote: the quote covers a different PCR selection than requested");
		return -1;
	}
	if (!hash || attest.attested.quote.pcrDigest.size != hash->size) {
		errmsg("TPM2_Quote: pcrDigest does not match the signing hash 0x%04x",
		       q->sig->signature.any.hashAlg);
		return -1;
	}
	for (uint32_t b = 0; b < sel->count; b++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];
		const struct tr_alg *alg = tr_alg_by_id(s->hash);

		for (uint32_t pcr = 0; alg && pcr < 24; pcr++)
			if (s->pcrSelect[pcr / 8] & (1u << (pcr % 8)))
				tr_buf_put(&values, q->pv.value[b][pcr], alg->size);
		if (!alg) {
			errmsg("bank 0x%04x: unknown algorithm", s->hash);
			goto out;
		}
	}
	if (values.failed || tr_hash(hash, values.data, values.len, digest)) {
		errmsg("cannot hash the PCR values");
		goto out;
	}
	ret = !memcmp(digest, attest.attested.quote.pcrDigest.buffer, hash->size);
out:
	tr_buf_free(&values);
	return ret;
}

/* A quote whose PCRs read right after it are the ones it signed. */
static int consistent_quote(struct tpm *t, const struct evidence_args *a,
			    struct tpm_quote *q)
{
	for (int i = 0; i < QUOTE_ATTEMPTS; i++) {
		int ret;

		tpm_quote_clear(q);
		if (tpm_quote_pcrs(t, a->nonce, a->nonce_len, q))
			return -1;
		ret = quote_consistent(q);
		if (ret)
			return ret < 0 ? -1 : 0;
	}
	errmsg("the quoted PCRs changed between the quote and reading them, %d times: extends are racing",
	       QUOTE_ATTEMPTS);
	return -1;
}

/* message, signature, ak_public and pcrs of the document. */
static int fill_tpm_quote(const struct tpm_quote *q, struct tr_evidence *ev)
{
	const TPML_PCR_SELECTION *sel = &q->pv.sel;
	uint8_t sig[sizeof(TPMT_SIGNATURE)];
	size_t sig_len = 0, n = 0;
	int ret;

	if (Tss2_MU_TPMT_SIGNATURE_Marshal(q->sig, sig, sizeof(sig), &sig_len)) {
		errmsg("cannot marshal the quote's signature");
		return -1;
	}
	ret = tr_tpm_public_pem(&q->ak->publicArea, &ev->ak_public, &n);
	if (ret) {
		errmsg("the AK's public key as PEM: %s", tr_strstatus(ret));
		return -1;
	}
	ev->tpm_message = malloc(q->quoted->size);
	ev->tpm_signature = malloc(sig_len);
	ev->pcrs = calloc(TPM2_NUM_PCR_BANKS * 24, sizeof(*ev->pcrs));
	if (!ev->tpm_message || !ev->tpm_signature || !ev->pcrs) {
		errmsg("out of memory");
		return -1;
	}
	memcpy(ev->tpm_message, q->quoted->attestationData, q->quoted->size);
	ev->tpm_message_len = q->quoted->size;
	memcpy(ev->tpm_signature, sig, sig_len);
	ev->tpm_signature_len = sig_len;
	for (uint32_t b = 0; b < sel->count; b++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];
		const struct tr_alg *alg = tr_alg_by_id(s->hash);

		for (uint32_t pcr = 0; alg && pcr < 24; pcr++) {
			struct tr_ev_pcr *p = &ev->pcrs[ev->n_pcrs];

			if (!(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))))
				continue;
			p->alg_id = s->hash;
			p->pcr = pcr;
			memcpy(p->value, q->pv.value[b][pcr], alg->size);
			ev->n_pcrs++;
		}
	}
	ev->has_tpm_quote = true;
	return 0;
}

static int gather_tpm(const struct evidence_args *a, struct tr_evidence *ev)
{
	struct tpm_quote *q = calloc(1, sizeof(*q));
	struct tpm t = { 0 };
	size_t count;
	int ret = EXIT_ERROR;

	if (!q || read_count(a->provider, &count) ||
	    quote_selection(a, &q->pv.sel) ||
	    tpm_open(&t, a->tcti ? a->tcti : DEFAULT_TCTI) ||
	    tpm_load_ak(&t, a->ak, q) || consistent_quote(&t, a, q))
		goto out;
	tpm_close(&t);
	ev->count = count;
	if (take_log(a->provider, ev) || fill_tpm_quote(q, ev))
		goto out;
	ret = EXIT_OK;
out:
	tpm_close(&t);
	if (q)
		tpm_quote_free(q);
	free(q);
	return ret;
}

/* ---- tdx ---------------------------------------------------------------- */

/* The configfs-tsm report providers of a TD: the real one and the emulator. */
const char *tdx_report_kind(const char *provider)
{
	if (!strcmp(provider, "tdx_guest"))
		return "a TD";
	if (!strcmp(provider, "tsm_rtmr_tdx_emu"))
		return "the test emulator, not a TD";
	return NULL;
}

static int td_quote(const uint8_t *nonce, size_t nonce_len,
		    struct tr_evidence *ev, char *provider, size_t size)
{
	uint8_t reportdata[TR_TDQ_REPORTDATA] = { 0 };
	int ret = -EAGAIN;

	memcpy(reportdata, nonce, nonce_len);
	for (int i = 0; i < REPORT_ATTEMPTS && ret == -EAGAIN; i++)
		ret = tr_tsm_report(reportdata, sizeof(reportdata), &ev->td_quote,
				    &ev->td_quote_len, provider, size);
	if (ret == -EAGAIN)
		errmsg("configfs-tsm report: another writer raced each of %d attempts",
		       REPORT_ATTEMPTS);
	else if (ret == -ENOENT)
		errmsg("no configfs-tsm report interface at %s (Linux 6.7+ with a TDX guest)",
		       tr_tsm_report_root());
	else if (ret)
		errmsg("configfs-tsm report under %s: %s", tr_tsm_report_root(),
		       strerror(-ret));
	else if (!tdx_report_kind(provider))
		errmsg("configfs-tsm report provider '%s' is not TDX (tdx_guest, or tsm_rtmr_tdx_emu in tests)",
		       provider);
	else
		return 0;
	return -1;
}

/* @given, else the default CCEL when there is one; missing @given fails. */
static int take_ccel(const char *given, struct tr_evidence *ev)
{
	const char *path = given ? given : ccel_path();
	int ret;

	if (!given && !getenv("TSM_RTMR_CCEL") && access(path, F_OK) && errno == ENOENT)
		return 0;
	ret = read_whole(path, &ev->ccel, &ev->ccel_len, TR_EVIDENCE_MAX_SIZE);
	if (ret) {
		errmsg("CCEL %s: %s", path, strerror(-ret));
		return -1;
	}
	return 0;
}

int gather_tdx(const uint8_t *nonce, size_t nonce_len, const char *ccel,
	       struct tr_evidence *ev, char *provider, size_t size)
{
	size_t count;

	start_document("tdx", nonce, nonce_len, ev);
	if (read_count("tdx", &count) ||
	    td_quote(nonce, nonce_len, ev, provider, size))
		return EXIT_ERROR;
	ev->count = count;
	if (take_log("tdx", ev) || take_ccel(ccel, ev))
		return EXIT_ERROR;
	return EXIT_OK;
}

/* ---- sim: no quote (tests) ---------------------------------------------- */

static int gather_sim(struct tr_evidence *ev)
{
	size_t count;

	if (read_count("sim", &count))
		return EXIT_ERROR;
	ev->count = count;
	return take_log("sim", ev);
}

/* ---- the command ---------------------------------------------------- */

/* One line saying what was written, on stdout unless the document is there. */
static void summary(const struct evidence_args *a, const struct tr_evidence *ev,
		    const char *report_provider)
{
	FILE *f = strcmp(a->output, "-") ? stdout : stderr;
	char what[96] = "no quote";

	if (ev->has_tpm_quote)
		snprintf(what, sizeof(what), "a TPM quote of %zu PCR values",
			 ev->n_pcrs);
	else if (ev->td_quote)
		snprintf(what, sizeof(what), "a TD quote from %s (%s)%s",
			 report_provider, tdx_report_kind(report_provider),
			 ev->ccel ? ", the CCEL" : ", no CCEL");
	fprintf(f, "%s: evidence with %s, count %llu, a log of %zu bytes%s%s\n",
		ev->provider, what, (unsigned long long)ev->count, ev->log_len,
		f == stdout ? " -> " : "", f == stdout ? a->output : "");
}

/* The document into @output ('-': stdout); no half-written file is left. */
static int write_document(const char *output, const struct tr_evidence *ev)
{
	bool to_stdout = !strcmp(output, "-");
	FILE *f = to_stdout ? stdout : fopen(output, "we");
	int ret, err = 0;

	if (!f) {
		errmsg("%s: %s", output, strerror(errno));
		return EXIT_ERROR;
	}
	errno = 0;
	ret = tr_evidence_write(f, ev);
	if (ret) {
		errmsg("%s: writing the document: %s",
		       to_stdout ? "stdout" : output, tr_strstatus(ret));
	} else if (to_stdout) {
		return output_flush(NULL) ? EXIT_ERROR : EXIT_OK;
	} else if (fflush(f) || ferror(f)) {
		err = errno ? errno : EIO;
	}
	if (to_stdout)
		return EXIT_ERROR;
	if (fclose(f) && !ret && !err)
		err = errno;
	if (err)
		errmsg("%s: %s", output, strerror(err));
	if (ret || err) {
		unlink(output);
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int cmd_evidence(int argc, char **argv)
{
	struct evidence_args a = { 0 };
	struct tr_evidence *ev = calloc(1, sizeof(*ev));
	char report_provider[64] = "";
	int ret;

	if (!ev || parse_evidence_args(argc, argv, &a)) {
		free(ev);
		return EXIT_ERROR;
	}
	start_document(a.provider, a.nonce, a.nonce_len, ev);
	if (provider_is_tpm(a.provider))
		ret = gather_tpm(&a, ev);
	else if (!strcmp(a.provider, "tdx"))
		ret = gather_tdx(a.nonce, a.nonce_len, a.ccel, ev, report_provider,
				 sizeof(report_provider));
	else
		ret = gather_sim(ev);
	if (ret == EXIT_OK)
		ret = write_document(a.output, ev);
	if (ret == EXIT_OK) {
		summary(&a, ev, report_provider);
		if (output_flush(NULL))
			ret = EXIT_ERROR;
	}
	tr_evidence_free(ev);
	return ret;
}
