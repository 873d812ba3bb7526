// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Strict parser for the TCG PC Client crypto-agile event log:
 * a TCG_PCClientPCREvent header (SHA-1 format) carrying a
 * TCG_EfiSpecIDEvent "Spec ID Event03", then TCG_PCR_EVENT2 records.
 *
 * Every read goes through struct cursor, which checks the bytes are there
 * first, so no input can make the parser read out of bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"
#include "internal.h"

#define SPEC_ID_SIGNATURE	"Spec ID Event03"	/* 16 bytes with NUL */
#define SHA1_SIZE		20
#define RECORD_FIXED		8	/* pcrIndex, eventType */

struct cursor {
	const uint8_t *data;
	size_t len, pos;
	struct tr_error *err;
	char what[64];		/* "record 3 at offset 120" */
};

static bool need(struct cursor *c, size_t n, const char *field)
{
	if (c->len - c->pos >= n)
		return true;
	tr_set_error(c->err, c->pos,
		     "%s: truncated in %s at offset %zu (needs %zu bytes, %zu left)",
		     c->what, field, c->pos, n, c->len - c->pos);
	return false;
}

static bool get_u32(struct cursor *c, const char *field, uint32_t *v)
{
	if (!need(c, 4, field))
		return false;
	*v = tr_le32(c->data + c->pos);
	c->pos += 4;
	return true;
}

static bool get_u16(struct cursor *c, const char *field, uint16_t *v)
{
	if (!need(c, 2, field))
		return false;
	*v = tr_le16(c->data + c->pos);
	c->pos += 2;
	return true;
}

static bool get_u8(struct cursor *c, const char *field, uint8_t *v)
{
	if (!need(c, 1, field))
		return false;
	*v = c->data[c->pos++];
	return true;
}

static bool skip(struct cursor *c, size_t n, const char *field)
{
	if (!need(c, n, field))
		return false;
	c->pos += n;
	return true;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static int parse_banks(struct cursor *c, struct tr_log *log, uint32_t n_algs)
{
	for (uint32_t i = 0; i < n_algs; i++) {
		struct tr_bank *b = &log->banks[i];
		size_t at = c->pos;

		if (!get_u16(c, "algorithmId", &b->alg_id) ||
		    !get_u16(c, "digestSize", &b->size))
			return TR_E_TRUNCATED;
		b->alg = tr_alg_by_id(b->alg_id);
		if (b->alg && b->alg->size != b->size) {
			tr_set_error(c->err, at,
				     "spec header: algorithm %s with digest size %u, expected %u",
				     b->alg->name, b->size, b->alg->size);
			return TR_E_MALFORMED;
		}
		if (b->size == 0 || b->size > TR_MAX_DIGEST) {
			tr_set_error(c->err, at,
				     "spec header: algorithm 0x%04x digest size %u outside 1..%u",
				     b->alg_id, b->size, TR_MAX_DIGEST);
			return b->size ? TR_E_LIMIT : TR_E_MALFORMED;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (log->banks[j].alg_id == b->alg_id) {
				tr_set_error(c->err, at,
					     "spec header: algorithm 0x%04x listed twice",
					     b->alg_id);
				return TR_E_MALFORMED;
			}
		}
	}
	log->n_banks = n_algs;
	return TR_OK;
}

static int parse_spec_id(struct cursor *c, struct tr_log *log, uint32_t size)
{
	size_t start = c->pos;
	uint32_t n_algs;
	int ret;

	if (!need(c, 16, "signature"))
		return TR_E_TRUNCATED;
	if (memcmp(c->data + c->pos, SPEC_ID_SIGNATURE, 16)) {
		tr_set_error(c->err, c->pos,
			     "spec header: signature is not \"Spec ID Event03\"");
		return TR_E_MALFORMED;
	}
	c->pos += 16;
	if (!get_u32(c, "platformClass", &log->platform_class) ||
	    !get_u8(c, "specVersionMinor", &log->spec_minor) ||
	    !get_u8(c, "specVersionMajor", &log->spec_major) ||
	    !get_u8(c, "specErrata", &log->spec_errata) ||
	    !get_u8(c, "uintnSize", &log->uintn_size))
		return TR_E_TRUNCATED;
	if (log->spec_major != 2) {
		tr_set_error(c->err, c->pos - 3,
			     "spec header: spec version %u.%u, expected 2.x",
			     log->spec_major, log->spec_minor);
		return TR_E_MALFORMED;
	}
	if (log->uintn_size != 1 && log->uintn_size != 2) {
		tr_set_error(c->err, c->pos - 1,
			     "spec header: uintnSize %u, expected 1 or 2",
			     log->uintn_size);
		return TR_E_MALFORMED;
	}
	if (!get_u32(c, "numberOfAlgorithms", &n_algs))
		return TR_E_TRUNCATED;
	if (n_algs == 0 || n_algs > TR_MAX_ALGS) {
		tr_set_error(c->err, c->pos - 4,
			     "spec header: numberOfAlgorithms %u outside 1..%u",
			     n_algs, TR_MAX_ALGS);
		return n_algs ? TR_E_LIMIT : TR_E_MALFORMED;
	}
	ret = parse_banks(c, log, n_algs);
	if (ret)
		return ret;
	if (!get_u8(c, "vendorInfoSize", &log->vendor_info_size) ||
	    !skip(c, log->vendor_info_size, "vendorInfo"))
		return TR_E_TRUNCATED;
	if (c->pos - start != size) {
		tr_set_error(c->err, start,
			     "spec header: eventSize %u, but the Spec ID event is %zu bytes",
			     size, c->pos - start);
		return TR_E_MALFORMED;
	}
	return TR_OK;
}

static int parse_header(struct cursor *c, struct tr_log *log)
{
	uint32_t pcr, type, size;
	int ret;

	snprintf(c->what, sizeof(c->what), "spec header");
	if (!get_u32(c, "pcrIndex", &pcr) || !get_u32(c, "eventType", &type))
		return TR_E_TRUNCATED;
	if (pcr != 0 || type != TR_EV_NO_ACTION) {
		tr_set_error(c->err, 0,
			     "spec header: pcrIndex %u eventType 0x%x, expected 0 and EV_NO_ACTION (0x3)",
			     pcr, type);
		return TR_E_MALFORMED;
	}
	if (!need(c, SHA1_SIZE, "digest"))
		return TR_E_TRUNCATED;
	if (!all_bytes(c->data + c->pos, SHA1_SIZE, 0)) {
		tr_set_error(c->err, c->pos, "spec header: SHA-1 digest is not zero");
		return TR_E_MALFORMED;
	}
	c->pos += SHA1_SIZE;
	if (!get_u32(c, "eventSize", &size))
		return TR_E_TRUNCATED;
	if (size > c->len - c->pos) {
		tr_set_error(c->err, c->pos - 4,
			     "spec header: truncated in Spec ID event (eventSize %u, %zu bytes left)",
			     size, c->len - c->pos);
		return TR_E_TRUNCATED;
	}
	ret = parse_spec_id(c, log, size);
	log->header_len = c->pos;
	return ret;
}

static int parse_digests(struct cursor *c, struct tr_log *log,
			 struct tr_record *rec)
{
	uint32_t count;
	bool seen[TR_MAX_ALGS] = { false };

	if (!get_u32(c, "digest count", &count))
		return TR_E_TRUNCATED;
	if (count != log->n_banks) {
		tr_set_error(c->err, c->pos - 4,
			     "%s: digest count %u %s spec header's %u", c->what,
			     count, count > log->n_banks ? "exceeds" : "is less than",
			     log->n_banks);
		return TR_E_MALFORMED;
	}
	for (uint32_t i = 0; i < count; i++) {
		size_t at = c->pos;
		uint16_t alg_id;
		int bank;

		if (!get_u16(c, "digest algorithm", &alg_id))
			return TR_E_TRUNCATED;
		bank = tr_log_bank(log, alg_id);
		if (bank < 0 || seen[bank]) {
			tr_set_error(c->err, at,
				     "%s: digest %u algorithm 0x%04x %s", c->what,
				     i, alg_id, bank < 0 ? "not in spec header" :
				     "repeated");
			return TR_E_MALFORMED;
		}
		seen[bank] = true;
		rec->digest_off[bank] = (uint32_t)c->pos;
		if (!skip(c, log->banks[bank].size, "digest"))
			return TR_E_TRUNCATED;
	}
	return TR_OK;
}

static int parse_record(struct cursor *c, struct tr_log *log,
			const struct tr_parse_opts *opts, struct tr_record *rec)
{
	int ret;

	rec->offset = c->pos;
	if (!get_u32(c, "pcrIndex", &rec->log_index) ||
	    !get_u32(c, "eventType", &rec->event_type))
		return TR_E_TRUNCATED;
	ret = parse_digests(c, log, rec);
	if (ret)
		return ret;
	if (!get_u32(c, "eventSize", &rec->event_size))
		return TR_E_TRUNCATED;
	if (rec->event_size > opts->max_event_size) {
		tr_set_error(c->err, c->pos - 4,
			     "%s: event size %u exceeds the limit of %u", c->what,
			     rec->event_size, opts->max_event_size);
		return TR_E_LIMIT;
	}
	rec->event_off = c->pos;
	if (!skip(c, rec->event_size, "event data"))
		return TR_E_TRUNCATED;
	rec->length = c->pos - rec->offset;
	return TR_OK;
}

/* CCEL-style tables: the log ends where 0xFF or 0x00 filling starts. */
static bool at_end_marker(const struct cursor *c)
{
	size_t left = c->len - c->pos;
	size_t n = left < RECORD_FIXED ? left : RECORD_FIXED;
	const uint8_t *p = c->data + c->pos;

	return all_bytes(p, n, 0xff) || all_bytes(p, n, 0x00);
}

static int add_record(struct tr_log *log, size_t *cap,
		      const struct tr_parse_opts *opts, struct cursor *c)
{
	struct tr_record *rec;
	int ret;

	if (log->n_records >= opts->max_records) {
		tr_set_error(c->err, c->pos,
			     "record %zu at offset %zu: more than %zu records (limit)",
			     log->n_records, c->pos, opts->max_records);
		return TR_E_LIMIT;
	}
	if (log->n_records == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct tr_record *r = realloc(log->records, ncap * sizeof(*r));

		if (!r) {
			tr_set_error(c->err, c->pos, "out of memory");
			return TR_E_NOMEM;
		}
		log->records = r;
		*cap = ncap;
	}
	rec = &log->records[log->n_records];
	memset(rec, 0, sizeof(*rec));
	rec->recnum = (uint32_t)log->n_records;
	snprintf(c->what, sizeof(c->what), "record %zu at offset %zu",
		 log->n_records, c->pos);
	ret = parse_record(c, log, opts, rec);
	if (ret)
		return ret;
	log->n_records++;
	return TR_OK;
}

static int parse_all(struct cursor *c, struct tr_log *log,
		     const struct tr_parse_opts *opts)
{
	size_t cap = 0;
	int ret = parse_header(c, log);

	while (!ret && c->pos < c->len) {
		if (opts->trim_end_marker && at_end_marker(c))
			break;
		ret = add_record(log, &cap, opts, c);
	}
	log->len = c->pos;
	return ret;
}

int tr_log_parse(const uint8_t *data, size_t len,
		 const struct tr_parse_opts *user_opts, struct tr_log **out,
		 struct tr_error *err)
{
	struct tr_parse_opts opts = { 0 };
	struct cursor c = { .data = data, .len = len, .err = err };
	struct tr_log *log;
	int ret;

	*out = NULL;
	if (user_opts)
		opts = *user_opts;
	if (!opts.max_records)
		opts.max_records = TR_DEFAULT_MAX_RECORDS;
	if (!opts.max_event_size || opts.max_event_size > TR_MAX_EVENT_SIZE)
		opts.max_event_size = TR_MAX_EVENT_SIZE;
	if (len > UINT32_MAX) {
		tr_set_error(err, 0, "log of %zu bytes is larger than 4 GiB", len);
		return TR_E_LIMIT;
	}
	log = calloc(1, sizeof(*log));
	if (!log) {
		tr_set_error(err, 0, "out of memory");
		return TR_E_NOMEM;
	}
	ret = parse_all(&c, log, &opts);
	if (!ret) {
		/* Keep our own copy: the caller's buffer may go away. */
		log->buf = malloc(log->len ? log->len : 1);
		if (!log->buf) {
			tr_set_error(err, 0, "out of memory");
			ret = TR_E_NOMEM;
		} else {
			memcpy(log->buf, data, log->len);
		}
	}
	if (ret) {
		tr_log_free(log);
		return ret;
	}
	*out = log;
	return TR_OK;
}

void tr_log_free(struct tr_log *log)
{
	if (!log)
		return;
	free(log->buf);
	free(log->records);
	free(log);
}

int tr_log_bank(const struct tr_log *log, uint16_t alg_id)
{
	for (unsigned int i = 0; i < log->n_banks; i++)
		if (log->banks[i].alg_id == alg_id)
			return (int)i;
	return -1;
}
