// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the log parser and everything that consumes a
 * parsed log. Besides "no crash, no sanitizer report" it checks three
 * properties that must hold for every input the parser accepts:
 *  - the parsed bytes are a prefix of the input, and the records tile them;
 *  - the whole log's replay is found as the longest matching prefix;
 *  - concatenating the log with itself parses again, with twice the records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"

static FILE *devnull;

static void check_tiling(const struct tr_log *log, const uint8_t *data)
{
	size_t pos = log->header_len;

	if (memcmp(log->buf, data, log->len))
		abort();
	for (size_t i = 0; i < log->n_records; i++) {
		if (log->records[i].offset != pos || log->records[i].recnum != i)
			abort();
		pos += log->records[i].length;
	}
	if (pos != log->len)
		abort();
}

static void check_prefix(const struct tr_log *log)
{
	struct tr_target *t;
	struct tr_replay r;
	size_t n = 0, best = 0;

	if (tr_replay_init(&r, log, TR_REPLAY_TPM, NULL))
		return;		/* e.g. a bank OpenSSL cannot hash */
	if (tr_replay_run(&r, log->n_records))
		abort();
	t = calloc(r.n_regs * log->n_banks + 1, sizeof(*t));
	if (!t)
		abort();
	for (size_t i = 0; i < r.n_regs; i++) {
		for (unsigned int b = 0; b < log->n_banks; b++, n++) {
			t[n].index = r.regs[i].index;
			t[n].alg_id = log->banks[b].alg_id;
			memcpy(t[n].value, r.regs[i].value[b], log->banks[b].size);
		}
	}
	if (tr_longest_prefix(log, TR_REPLAY_TPM, t, n, &best, NULL) ||
	    best != log->n_records)
		abort();
	free(t);
	tr_replay_free(&r);
}

static void check_concat(const struct tr_log *log)
{
	struct tr_buf b = { 0 };
	struct tr_log *twice;

	if (tr_log_concat(log, log, &b, NULL))
		abort();
	if (tr_log_parse(b.data, b.len, NULL, &twice, NULL) ||
	    twice->n_records != 2 * log->n_records)
		abort();
	tr_log_free(twice);
	tr_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tr_parse_opts opts = { .max_records = 4096 };
	struct tr_error err;
	struct tr_log *log;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	for (int trim = 0; trim < 2; trim++) {
		opts.trim_end_marker = trim;
		if (tr_log_parse(data, size, &opts, &log, &err)) {
			if (!err.msg[0] || err.offset > size)
				abort();
			continue;
		}
		check_tiling(log, data);
		tr_print_text(devnull, log);
		tr_print_json(devnull, log);
		tr_print_cel_json(devnull, log, trim);
		check_prefix(log);
		if (trim)
			check_concat(log);
		tr_log_free(log);
	}
	return 0;
}
