// SPDX-License-Identifier: GPL-2.0
/*
 * mklog: write a TCG crypto-agile log for the CLI tests.
 *   mklog [-f N] OUT ALG[,ALG...] [INDEX[/TYPE]:STRING ...]
 * Each record's digests are computed over STRING; -f appends N bytes of
 * 0xFF, as firmware tables (the CCEL) have after their log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tsm-rtmr.h"

static unsigned int parse_algs(char *list, uint16_t *algs)
{
	unsigned int n = 0;

	for (char *tok = strtok(list, ","); tok && n < TR_MAX_ALGS;
	     tok = strtok(NULL, ",")) {
		const struct tr_alg *alg = tr_alg_by_name(tok);

		if (!alg) {
			fprintf(stderr, "mklog: unknown algorithm %s\n", tok);
			exit(2);
		}
		algs[n++] = alg->id;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint16_t algs[TR_MAX_ALGS];
	struct tr_buf b = { 0 };
	unsigned long fill = 0;
	unsigned int n_algs;
	FILE *f;
	int c;

	while ((c = getopt(argc, argv, "f:")) != -1) {
		if (c != 'f')
			return 2;
		fill = strtoul(optarg, NULL, 0);
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: mklog [-f N] OUT ALGS [INDEX[/TYPE]:STRING ...]\n");
		return 2;
	}
	n_algs = parse_algs(argv[optind + 1], algs);
	tr_build_header(&b, algs, n_algs);
	for (int i = optind + 2; i < argc; i++) {
		char *colon = strchr(argv[i], ':'), *end;
		unsigned long index = strtoul(argv[i], &end, 0), type = 6;

		if (*end == '/')
			type = strtoul(end + 1, &end, 0);
		if (!colon || end != colon) {
			fprintf(stderr, "mklog: bad record '%s'\n", argv[i]);
			return 2;
		}
		tr_build_record_hashed(&b, (uint32_t)index, (uint32_t)type, algs,
				       n_algs, colon + 1, (uint32_t)strlen(colon + 1));
	}
	for (unsigned long i = 0; i < fill; i++)
		tr_buf_put(&b, "\xff", 1);
	f = fopen(argv[optind], "wb");
	if (b.failed || !f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f)) {
		perror(argv[optind]);
		return 2;
	}
	tr_buf_free(&b);
	return 0;
}
