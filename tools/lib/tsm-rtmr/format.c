// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Text (the kernel's ascii_event_log), JSON and CEL-JSON output.
 */
#include <string.h>

#include "tsm-rtmr.h"
#include "internal.h"

static void print_hex(FILE *f, const uint8_t *p, size_t len)
{
	char chunk[2 * 1024 + 1];

	/* Events may be megabytes: convert in chunks, never all at once. */
	while (len) {
		size_t n = len < 1024 ? len : 1024;

		tr_hex(p, n, chunk);
		fputs(chunk, f);
		p += n;
		len -= n;
	}
}

static void print_alg_name(FILE *f, const struct tr_bank *bank)
{
	if (bank->alg)
		fputs(bank->alg->name, f);
	else
		fprintf(f, "0x%04x", bank->alg_id);
}

static int finish(FILE *f)
{
	return ferror(f) ? TR_E_INVAL : TR_OK;
}

int tr_print_text(FILE *f, const struct tr_log *log)
{
	for (size_t i = 0; i < log->n_records; i++) {
		const struct tr_record *rec = &log->records[i];

		fprintf(f, "%u %u 0x%08x", rec->recnum, rec->log_index,
			rec->event_type);
		for (unsigned int b = 0; b < log->n_banks; b++) {
			fputc(' ', f);
			print_alg_name(f, &log->banks[b]);
			fputc(':', f);
			print_hex(f, tr_record_digest(log, rec, b),
				  log->banks[b].size);
		}
		fputc(' ', f);
		if (rec->event_size)
			print_hex(f, tr_record_event(log, rec), rec->event_size);
		else
			fputc('-', f);
		fputc('\n', f);
	}
	return finish(f);
}

static void print_json_digests(FILE *f, const struct tr_log *log,
			       const struct tr_record *rec)
{
	fputs("\"digests\":[", f);
	for (unsigned int b = 0; b < log->n_banks; b++) {
		fputs(b ? ",{\"hashAlg\":\"" : "{\"hashAlg\":\"", f);
		print_alg_name(f, &log->banks[b]);
		fputs("\",\"digest\":\"", f);
		print_hex(f, tr_record_digest(log, rec, b), log->banks[b].size);
		fputs("\"}", f);
	}
	fputc(']', f);
}

int tr_print_json(FILE *f, const struct tr_log *log)
{
	fputs("[\n", f);
	for (size_t i = 0; i < log->n_records; i++) {
		const struct tr_record *rec = &log->records[i];

		fprintf(f, "{\"recnum\":%u,\"log_index\":%u,\"event_type\":%u,",
			rec->recnum, rec->log_index, rec->event_type);
		print_json_digests(f, log, rec);
		fprintf(f, ",\"event_size\":%u,\"event\":\"", rec->event_size);
		print_hex(f, tr_record_event(log, rec), rec->event_size);
		fputs(i + 1 < log->n_records ? "\"},\n" : "\"}\n", f);
	}
	fputs("]\n", f);
	return finish(f);
}

int tr_print_cel_json(FILE *f, const struct tr_log *log, bool seq)
{
	if (!seq)
		fputs("[\n", f);
	for (size_t i = 0; i < log->n_records; i++) {
		const struct tr_record *rec = &log->records[i];

		if (seq)
			fputc(0x1e, f);		/* RFC 7464 record separator */
		fprintf(f, "{\"recnum\":%u,\"pcr\":%u,", rec->recnum,
			rec->log_index);
		print_json_digests(f, log, rec);
		fprintf(f, ",\"content_type\":\"pcclient_std\",\"content\":{\"event_type\":%u,\"event_data\":\"",
			rec->event_type);
		print_hex(f, tr_record_event(log, rec), rec->event_size);
		fputs("\"}}", f);
		if (!seq && i + 1 < log->n_records)
			fputc(',', f);
		fputc('\n', f);
	}
	if (!seq)
		fputs("]\n", f);
	return finish(f);
}
