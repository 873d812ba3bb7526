// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr verify: check an evidence document (spec section 9) offline, on
 * any machine: no configfs, no TPM, nothing read but the document and the
 * pinned key. The checks are libtsm-rtmr's (tr_evidence_verify); this
 * prints one line per check, and quote -p tdx prints the same lines for
 * a quote it has just taken.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_PEM		(64u << 10)

static const char verify_help[] =
"usage: tsm-rtmr verify --nonce HEX [--ak-pub PEM] FILE\n"
"Check the evidence document FILE ('-': stdin), written by 'tsm-rtmr\n"
"evidence' on another machine, against the verifier's own nonce: the nonce\n"
"(TPM extraData, TD REPORTDATA), the quote's signature, the registers (the\n"
"quoted values are the replay of a prefix of the log holding at least the\n"
"entries counted before the quote; TDX: the CCEL, then the runtime log),\n"
"the data binding of EV_EVENT_TAG entries, and that log and quote parse\n"
"strictly. One line per check on stdout, 'ok   CHECK: ...' or\n"
"'FAIL CHECK: ...'. Needs no configfs and no TPM.\n"
"  -n, --nonce HEX   the nonce the verifier gave, 1-64 bytes\n"
"  -k, --ak-pub PEM  TPM: the AK public key the verifier pinned (PEM); a TPM\n"
"                    document cannot be checked without it\n"
"A TD quote is checked with the attestation key it carries; that key's\n"
"chain (QE report, PCK certificates, TCB status) is a DCAP verifier's.\n"
"Exit status 0 when every check passes, 1 when one fails, 2 when the\n"
"document cannot be checked (does not parse, no --ak-pub for a TPM one).\n";

static void print_check(void *ctx, bool ok, const char *check,
			const char *detail)
{
	(void)ctx;
	printf("%-4s %s: %s\n", ok ? "ok" : "FAIL", check, detail ? detail : "");
}

int verify_evidence(const struct tr_evidence *ev, const uint8_t *nonce,
		    size_t nonce_len, const char *ak_pem, size_t ak_pem_len)
{
	struct tr_verify_opts o = {
		.nonce = nonce, .nonce_len = nonce_len,
		.ak_pub_pem = ak_pem, .ak_pub_pem_len = ak_pem_len,
		.report = print_check,
	};
	struct tr_error err = { 0 };
	int ret = tr_evidence_verify(ev, &o, &err);
	int code = !ret ? EXIT_OK : ret == TR_E_NOMATCH ? EXIT_VERIFY : EXIT_ERROR;

	if (output_flush(NULL))
		return EXIT_ERROR;
	if (code != EXIT_OK)
		errmsg("%s", err.msg[0] ? err.msg : tr_strstatus(ret));
	return code;
}

int quote_tdx(const uint8_t *nonce, size_t nonce_len, const char *ccel)
{
	struct tr_evidence *ev = calloc(1, sizeof(*ev));
	char provider[64] = "";
	int ret = EXIT_ERROR;

	if (!ev) {
		errmsg("out of memory");
		return EXIT_ERROR;
	}
	if (gather_tdx(nonce, nonce_len, ccel, ev, provider,
		       sizeof(provider)) == EXIT_OK) {
		printf("report: configfs-tsm provider %s (%s)\n", provider,
		       tdx_report_kind(provider));
		ret = verify_evidence(ev, nonce, nonce_len, NULL, 0);
	}
	tr_evidence_free(ev);
	return ret;
}

/* The whole of @path ('-': stdin), NUL-terminated, at most @max bytes. */
static char *read_text(const char *path, size_t max, size_t *len)
{
	const char *p = strcmp(path, "-") ? path : "/dev/stdin";
	uint8_t *data;
	char *text;
	int ret = read_whole(p, &data, len, max);

	if (ret == -EFBIG) {
		errmsg("%s: larger than %zu bytes", path, max);
		return NULL;
	}
	if (ret) {
		errmsg("%s: %s", path, strerror(-ret));
		return NULL;
	}
	text = malloc(*len + 1);
	if (text) {
		memcpy(text, data, *len);
		text[*len] = '\0';
	} else {
		errmsg("out of memory");
	}
	free(data);
	return text;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nonce", required_argument, NULL, 'n' },
		{ "ak-pub", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *ak_path = NULL;
	struct tr_evidence *ev = NULL;
	struct tr_error err = { 0 };
	char *json = NULL, *pem = NULL;
	size_t json_len, pem_len = 0, nonce_len = 0;
	uint8_t nonce[64];
	int c, ret = EXIT_ERROR;

	while ((c = getopt_long(argc, argv, "n:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_nonce(optarg, nonce, &nonce_len))
				return EXIT_ERROR;
			break;
		case 'k': ak_path = optarg; break;
		case 'h': fputs(verify_help, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (!nonce_len) {
		errmsg("--nonce is required: the verifier's own, not the document's (try --help)");
		return EXIT_ERROR;
	}
	if (argc - optind != 1) {
		errmsg("expected one FILE (try --help)");
		return EXIT_ERROR;
	}
	if (ak_path && !(pem = read_text(ak_path, MAX_PEM, &pem_len)))
		return EXIT_ERROR;
	json = read_text(argv[optind], TR_EVIDENCE_MAX_SIZE, &json_len);
	if (!json)
		goto out;
	if (tr_evidence_parse(json, json_len, &ev, &err)) {
		errmsg("%s: %s", argv[optind], err.msg[0] ? err.msg : "not an evidence document");
		goto out;
	}
	ret = verify_evidence(ev, nonce, nonce_len, pem, pem_len);
out:
	if (ev)
		tr_evidence_free(ev);
	free(json);
	free(pem);
	return ret;
}
