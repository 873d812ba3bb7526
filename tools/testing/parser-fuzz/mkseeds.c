// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpora:
 *   mkseeds parser DIR    small valid logs of the shapes providers emit
 *   mkseeds tdquote DIR   valid TD quotes: v4, v5 with TD 1.0 and 1.5
 *                         bodies, and one with QE-report-sized
 *                         certification data (td_quote_build.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"
#include "td_quote_build.h"

static void write_bytes(const char *dir, const char *name, const void *data,
			size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void write_file(const char *dir, const char *name, const struct tr_buf *b)
{
	write_bytes(dir, name, b->data, b->len);
}

static void seed(const char *dir, const char *name, const uint16_t *algs,
		 unsigned int n_algs, unsigned int n_records, uint32_t first,
		 bool ff_tail)
{
	struct tr_buf b = { 0 };

	tr_build_header(&b, algs, n_algs);
	for (unsigned int i = 0; i < n_records; i++) {
		char ev[32];
		int len = snprintf(ev, sizeof(ev), "event %u", i);

		tr_build_record_hashed(&b, first + i % 3, i == 1 ? 0xd : 0x6,
				       algs, n_algs, ev, i == 2 ? 0 : (uint32_t)len);
	}
	if (ff_tail) {
		uint8_t ff[64];

		memset(ff, 0xff, sizeof(ff));
		tr_buf_put(&b, ff, sizeof(ff));
	}
	write_file(dir, name, &b);
	tr_buf_free(&b);
}

static void parser_seeds(const char *dir)
{
	static const uint16_t sha384[] = { 0x000c };
	static const uint16_t tpm[] = { 0x000b, 0x000c };
	static const uint16_t all[] = { 0x0004, 0x000b, 0x000c, 0x000d, 0x0012 };

	seed(dir, "sim-empty", sha384, 1, 0, 1, false);
	seed(dir, "sim-3", sha384, 1, 3, 1, false);
	seed(dir, "tpm-4", tpm, 2, 4, 16, false);
	seed(dir, "tpm-pcr17", tpm, 2, 2, 17, false);
	seed(dir, "all-algs-2", all, 5, 2, 8, false);
	seed(dir, "ccel-ff-tail", sha384, 1, 3, 1, true);
}

static void quote_seed(const char *dir, const char *name, EVP_PKEY *key,
		       int version, int body_type, size_t cert_len)
{
	struct tdq_build b = { .version = version, .body_type = body_type };
	uint8_t *cert = NULL, *q;
	size_t len;

	for (int i = 0; i < 48; i++) {
		b.mrtd[i] = (uint8_t)i;
		for (int n = 0; n < 4; n++)
			b.rtmr[n][i] = (uint8_t)(0x40 * n + i);
	}
	memcpy(b.reportdata, "nonce", 5);
	if (cert_len) {
		cert = calloc(1, cert_len);
		if (!cert)
			exit(1);
		b.cert_type = 6;	/* QE report certification data */
		b.cert = cert;
		b.cert_len = cert_len;
	}
	if (tdq_build(&b, key, &q, &len)) {
		fprintf(stderr, "cannot build a TD quote\n");
		exit(1);
	}
	write_bytes(dir, name, q, len);
	free(q);
	free(cert);
}

static void tdquote_seeds(const char *dir)
{
	EVP_PKEY *key = tdq_key_new();

	if (!key)
		exit(1);
	quote_seed(dir, "v4-td10", key, 4, 0, 0);
	quote_seed(dir, "v5-td10", key, 5, 2, 0);
	quote_seed(dir, "v5-td15", key, 5, 3, 0);
	quote_seed(dir, "v4-td10-qe-cert", key, 4, 0, 384 + 64 + 2 + 32 + 2 + 6);
	EVP_PKEY_free(key);
}

int main(int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[1], "parser") && strcmp(argv[1], "tdquote"))) {
		fprintf(stderr, "usage: mkseeds parser|tdquote DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "parser"))
		parser_seeds(argv[2]);
	else
		tdquote_seeds(argv[2]);
	return 0;
}
