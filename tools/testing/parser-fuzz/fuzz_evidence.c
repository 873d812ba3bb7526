// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for evidence documents (spec 9): tr_evidence_parse, and
 * for every document it accepts, tr_evidence_write and tr_evidence_verify,
 * so the TPM quote, TD quote, PEM, log and CCEL paths behind the JSON run
 * on fuzzed bytes too. Besides "no crash, no sanitizer report":
 *  - a refusal is TR_E_MALFORMED with a message, and no document;
 *  - an accepted document written out parses again, and is written the
 *    same way byte for byte (the writer's form is a fixed point);
 *  - verification ends in 0 only when every reported line passed, and in
 *    a failure only with a message naming it.
 *
 * Verification runs twice: with a fixed pinned AK (so a document's own
 * key is never trusted) and with the document's own ak_public (so the
 * seeds, whose quotes are signed by that key, reach the passing paths).
 * The nonce is fixed: the seeds in corpus-evidence/ were made with it by
 * test_evidence.c's builders (tpm, tdx with CCEL, sim, and failing ones).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"

static const uint8_t nonce[] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };

/* A P-256 key nobody signs with: a pinned AK that never matches. */
static const char fixed_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEOUFRBpn23Ia1gtgGqmuDyWrF9ehY\n"
	"0oBqLdg9ArN72Ob/5cJUo5UxeIORXOlNBfJKkrLA2XmR2kx7dJxdRQFcsw==\n"
	"-----END PUBLIC KEY-----\n";

struct lines {
	size_t n, failed;
};

static void count_line(void *ctx, bool ok, const char *check, const char *detail)
{
	struct lines *l = ctx;

	if (!check || !check[0] || !detail || !detail[0])
		abort();
	l->n++;
	l->failed += !ok;
}

static void check_verify(const struct tr_evidence *ev, const char *pem)
{
	struct lines l = { 0 };
	struct tr_verify_opts o = {
		.nonce = nonce, .nonce_len = sizeof(nonce),
		.ak_pub_pem = pem, .ak_pub_pem_len = pem ? strlen(pem) : 0,
		.report = count_line, .ctx = &l,
	};
	struct tr_error err = { 0 };
	int ret = tr_evidence_verify(ev, &o, &err);

	if (ret > 0 || !l.n)
		abort();
	if (ret == 0 && l.failed)
		abort();
	if (ret < 0 && (!err.msg[0] || !l.failed))
		abort();
}

static char *write_doc(const struct tr_evidence *ev, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	if (tr_evidence_write(f, ev))
		abort();
	fclose(f);
	return text;
}

static void check_round_trip(const struct tr_evidence *ev)
{
	struct tr_evidence *again = NULL;
	size_t len = 0, len2 = 0;
	char *text = write_doc(ev, &len), *text2;

	if (tr_evidence_parse(text, len, &again, NULL))
		abort();
	text2 = write_doc(again, &len2);
	if (len != len2 || memcmp(text, text2, len))
		abort();
	free(text2);
	free(text);
	tr_evidence_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_evidence *ev = (struct tr_evidence *)1;
	struct tr_error err = { 0 };
	int ret = tr_evidence_parse((const char *)data, size, &ev, &err);

	if (ret) {
		if (ret != TR_E_MALFORMED || ev || strncmp(err.msg, "evidence", 8))
			abort();
		return 0;
	}
	check_round_trip(ev);
	check_verify(ev, fixed_pem);
	if (ev->ak_public)
		check_verify(ev, ev->ak_public);
	tr_evidence_free(ev);
	return 0;
}
