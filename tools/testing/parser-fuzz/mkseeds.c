// SPDX-License-Identifier: GPL-2.0
/* Writes the seed corpus: small valid logs of the shapes providers emit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"

static void write_file(const char *dir, const char *name, const struct tr_buf *b)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
		perror(path);
		exit(1);
	}
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

int main(int argc, char **argv)
{
	static const uint16_t sha384[] = { 0x000c };
	static const uint16_t tpm[] = { 0x000b, 0x000c };
	static const uint16_t all[] = { 0x0004, 0x000b, 0x000c, 0x000d, 0x0012 };
	const char *dir = argc > 1 ? argv[1] : ".";

	seed(dir, "sim-empty", sha384, 1, 0, 1, false);
	seed(dir, "sim-3", sha384, 1, 3, 1, false);
	seed(dir, "tpm-4", tpm, 2, 4, 16, false);
	seed(dir, "tpm-pcr17", tpm, 2, 2, 17, false);
	seed(dir, "all-algs-2", all, 5, 2, 8, false);
	seed(dir, "ccel-ff-tail", sha384, 1, 3, 1, true);
	return 0;
}
