// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for libtsm-rtmr, TAP output. Expected digests are either
 * hard-coded (verified with sha256sum/sha384sum) or computed here through
 * EVP directly, never through the library under test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <tss2/tss2_mu.h>

#include "tsm-rtmr.h"
#include "test_evp.h"
#include "../lib/tap.h"

#define SHA256 0x000b
#define SHA384 0x000c

static const uint16_t sim_algs[] = { SHA384 };
static const uint16_t tpm_algs[] = { SHA256, SHA384 };

/* ---- helpers ---------------------------------------------------------- */

static bool hex_is(const uint8_t *p, size_t len, const char *hex)
{
	char buf[2 * TR_MAX_DIGEST + 1];

	tr_hex(p, len, buf);
	return !strcmp(buf, hex);
}

static struct tr_log *parse(const struct tr_buf *b, struct tr_error *err)
{
	struct tr_log *log = NULL;

	memset(err, 0, sizeof(*err));
	tr_log_parse(b->data, b->len, NULL, &log, err);
	return log;
}

/* sim log: "abc" to log index 1, "" to 1, EV_NO_ACTION to 0, "x" to 2 */
static void make_sim_log(struct tr_buf *b)
{
	tr_build_header(b, sim_algs, 1);
	tr_build_record_hashed(b, 1, 0x6, sim_algs, 1, "abc", 3);
	tr_build_record_hashed(b, 1, 0xd, sim_algs, 1, "", 0);
	tr_build_record_hashed(b, 0, TR_EV_NO_ACTION, sim_algs, 1, "na", 2);
	tr_build_record_hashed(b, 2, 0x6, sim_algs, 1, "x", 1);
}

/* tpm log: "abc" to 16, "def" to 23, "ghi" to 16, "abc" to 17 */
static void make_tpm_log(struct tr_buf *b)
{
	tr_build_header(b, tpm_algs, 2);
	tr_build_record_hashed(b, 16, 0x6, tpm_algs, 2, "abc", 3);
	tr_build_record_hashed(b, 23, 0x6, tpm_algs, 2, "def", 3);
	tr_build_record_hashed(b, 16, 0x6, tpm_algs, 2, "ghi", 3);
	tr_build_record_hashed(b, 17, 0x6, tpm_algs, 2, "abc", 3);
}

/* ---- layout --------------------------------------------------------- */

static void test_header_bytes(void)
{
	/* The Spec ID header, written out by hand from the PC Client spec. */
	static const uint8_t want[] = {
		0, 0, 0, 0,  3, 0, 0, 0,		/* PCR 0, EV_NO_ACTION */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		37, 0, 0, 0,				/* eventSize */
		'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ',
		'E', 'v', 'e', 'n', 't', '0', '3', 0,
		0, 0, 0, 0,				/* platformClass */
		0, 2, 2, 2,				/* 2.0 errata 2, uintn 2 */
		2, 0, 0, 0,				/* numberOfAlgorithms */
		0x0b, 0, 32, 0,  0x0c, 0, 48, 0,
		0,					/* vendorInfoSize */
	};
	struct tr_buf b = { 0 };

	tr_build_header(&b, tpm_algs, 2);
	tap(b.len == sizeof(want) && !memcmp(b.data, want, b.len),
	   "Spec ID header bytes match the TCG layout");
	tr_buf_free(&b);
}

static void test_record_bytes(void)
{
	uint8_t d[48];
	struct tr_buf b = { 0 };
	static const uint8_t head[] = {
		3, 0, 0, 0,  6, 0, 0, 0,  1, 0, 0, 0,  0x0c, 0,
	};

	evp("SHA384", "abc", 3, "", 0, d);
	tr_build_record(&b, 3, 6, sim_algs, 1, d, "abc", 3);
	tap(b.len == 14 + 48 + 4 + 3 && !memcmp(b.data, head, sizeof(head)) &&
	   !memcmp(b.data + 14, d, 48) &&
	   !memcmp(b.data + 62, "\x03\0\0\0abc", 7),
	   "TCG_PCR_EVENT2 bytes match the TCG layout");
	tr_buf_free(&b);
}

/* ---- parsing -------------------------------------------------------- */

static void test_parse_fields(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;

	make_tpm_log(&b);
	log = parse(&b, &err);
	tap(log != NULL, "parse a valid TPM log (%s)", err.msg);
	if (!log)
		return;
	tap(log->n_banks == 2 && log->banks[0].alg_id == SHA256 &&
	   log->banks[1].alg_id == SHA384 && log->banks[1].size == 48 &&
	   log->spec_major == 2 && log->uintn_size == 2,
	   "header: banks and version");
	tap(log->n_records == 4 && log->records[2].recnum == 2 &&
	   log->records[2].log_index == 16 && log->records[1].log_index == 23 &&
	   log->records[3].event_type == 6 && log->records[3].event_size == 3 &&
	   !memcmp(tr_record_event(log, &log->records[2]), "ghi", 3),
	   "records: index, type, event");
	tap(hex_is(tr_record_digest(log, &log->records[0], 0), 32,
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") &&
	   hex_is(tr_record_digest(log, &log->records[0], 1), 48,
		  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
	   "record digests: SHA-256 and SHA-384 of \"abc\"");
	tap(log->len == b.len && !memcmp(log->buf, b.data, b.len),
	   "parsed bytes equal the input (serialisation round trip)");
	tr_log_free(log);
	tr_buf_free(&b);
}

static bool is_boundary(const struct tr_log *log, size_t len)
{
	if (len == log->header_len)
		return true;
	for (size_t i = 0; i < log->n_records; i++)
		if (log->records[i].offset + log->records[i].length == len)
			return true;
	return false;
}

static void test_truncation(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *full, *log;
	size_t bad = 0, good_prefixes = 0;

	make_tpm_log(&b);
	full = parse(&b, &err);
	for (size_t len = 0; len < b.len; len++) {
		int ret = tr_log_parse(b.data, len, NULL, &log, &err);

		if (is_boundary(full, len)) {
			good_prefixes += !ret;
			bad += !!ret;
		} else if (ret != TR_E_TRUNCATED || !strstr(err.msg, "truncated") ||
			   log) {
			bad++;
			printf("# len %zu: ret %d: %s\n", len, ret, err.msg);
		}
		tr_log_free(log);
	}
	tap(bad == 0 && good_prefixes == 4,
	   "every truncation of a %zu-byte log fails with TR_E_TRUNCATED, except the 4 shorter record boundaries",
	   b.len);
	tap(tr_log_parse(b.data, 53, NULL, &log, &err) == TR_E_TRUNCATED &&
	   !strcmp(err.msg, "spec header: truncated in Spec ID event (eventSize 37, 21 bytes left)"),
	   "truncated header message: %s", err.msg);
	tap(tr_log_parse(b.data, full->records[1].offset + 20, NULL, &log, &err) ==
	   TR_E_TRUNCATED &&
	   !strcmp(err.msg, "record 1 at offset 172: truncated in digest at offset 186 (needs 32 bytes, 6 left)"),
	   "truncated record message: %s", err.msg);
	tr_log_free(full);
	tr_buf_free(&b);
}

struct corruption {
	const char *name;
	size_t offset;		/* from the start of the log */
	const void *bytes;
	size_t len;
	int status;
	const char *msg;	/* exact message, or NULL */
};

static void test_corruptions(void)
{
	/* Offsets in the tpm log: header 69 bytes, records of 103 from 69. */
	static const struct corruption cases[] = {
		{ "digest count 7", 69 + 8, "\x07\0\0\0", 4, TR_E_MALFORMED,
		  "record 0 at offset 69: digest count 7 exceeds spec header's 2" },
		{ "digest count 1", 69 + 8, "\x01\0\0\0", 4, TR_E_MALFORMED,
		  "record 0 at offset 69: digest count 1 is less than spec header's 2" },
		{ "digest algorithm not in header", 69 + 12, "\x0d\0", 2, TR_E_MALFORMED,
		  "record 0 at offset 69: digest 0 algorithm 0x000d not in spec header" },
		{ "digest algorithm repeated", 69 + 12 + 2 + 32, "\x0b\0", 2, TR_E_MALFORMED,
		  "record 0 at offset 69: digest 1 algorithm 0x000b repeated" },
		{ "event size beyond 16 MiB", 69 + 12 + 34 + 50, "\x01\0\0\x01", 4, TR_E_LIMIT,
		  "record 0 at offset 69: event size 16777217 exceeds the limit of 16777216" },
		{ "event size beyond the end", 69 + 12 + 34 + 50, "\0\0\0\x01", 4, TR_E_TRUNCATED,
		  NULL },
		{ "header pcrIndex 1", 0, "\x01", 1, TR_E_MALFORMED,
		  "spec header: pcrIndex 1 eventType 0x3, expected 0 and EV_NO_ACTION (0x3)" },
		{ "header eventType 4", 4, "\x04", 1, TR_E_MALFORMED, NULL },
		{ "header SHA-1 digest not zero", 9, "\x01", 1, TR_E_MALFORMED,
		  "spec header: SHA-1 digest is not zero" },
		{ "header eventSize too large", 28, "\x26", 1, TR_E_MALFORMED,
		  "spec header: eventSize 38, but the Spec ID event is 37 bytes" },
		{ "header eventSize too small", 28, "\x24", 1, TR_E_MALFORMED,
		  "spec header: eventSize 36, but the Spec ID event is 37 bytes" },
		{ "signature Event02", 32 + 14, "2", 1, TR_E_MALFORMED,
		  "spec header: signature is not \"Spec ID Event03\"" },
		{ "spec version 1", 32 + 21, "\x01", 1, TR_E_MALFORMED, NULL },
		{ "uintnSize 3", 32 + 23, "\x03", 1, TR_E_MALFORMED, NULL },
		{ "numberOfAlgorithms 0", 32 + 24, "\0", 1, TR_E_MALFORMED,
		  "spec header: numberOfAlgorithms 0 outside 1..8" },
		{ "numberOfAlgorithms 9", 32 + 24, "\x09", 1, TR_E_LIMIT, NULL },
		{ "numberOfAlgorithms 2^32-1", 32 + 24, "\xff\xff\xff\xff", 4, TR_E_LIMIT, NULL },
		{ "sha256 digest size 48", 32 + 30, "\x30", 1, TR_E_MALFORMED,
		  "spec header: algorithm sha256 with digest size 48, expected 32" },
		{ "algorithm twice", 32 + 32, "\x0b\0\x20\0", 4, TR_E_MALFORMED,
		  "spec header: algorithm 0x000b listed twice" },
		{ "unknown algorithm size 65", 32 + 28, "\x99\x99\x41\0", 4, TR_E_LIMIT, NULL },
		{ "vendorInfoSize 1", 32 + 36, "\x01", 1, TR_E_MALFORMED, NULL },
	};
	struct tr_buf b = { 0 };

	make_tpm_log(&b);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct corruption *c = &cases[i];
		uint8_t *copy = malloc(b.len);
		struct tr_error err = { 0 };
		struct tr_log *log;
		int ret;

		memcpy(copy, b.data, b.len);
		memcpy(copy + c->offset, c->bytes, c->len);
		ret = tr_log_parse(copy, b.len, NULL, &log, &err);
		tap(ret == c->status && !log && err.msg[0] &&
		   (!c->msg || !strcmp(err.msg, c->msg)),
		   "corrupt %s: %s", c->name, err.msg);
		free(copy);
	}
	tr_buf_free(&b);
}

static void test_unknown_algorithm(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;
	struct tr_replay r;

	/* A bank this library does not know: parse by its size, refuse replay. */
	make_tpm_log(&b);
	memcpy(b.data + 32 + 28, "\x99\x99\x20\0", 4);
	/* Records name 0x000b for bank 0; rename them too. */
	for (size_t off = 69; off + 14 < b.len;) {
		uint32_t ev = b.data[off + 12 + 34 + 50] |
			      b.data[off + 12 + 34 + 50 + 1] << 8;

		memcpy(b.data + off + 12, "\x99\x99", 2);
		off += 12 + 34 + 50 + 4 + ev;
	}
	log = parse(&b, &err);
	tap(log && !log->banks[0].alg && log->banks[0].size == 32,
	   "unknown algorithm 0x9999 parses by its header size (%s)", err.msg);
	tap(log && tr_replay_init(&r, log, 0, &err) == TR_E_UNSUPPORTED &&
	   strstr(err.msg, "0x9999"), "replay refuses an unknown algorithm: %s",
	   err.msg);
	tr_log_free(log);
	tr_buf_free(&b);
}

static void test_limits(void)
{
	struct tr_parse_opts opts = { .max_records = 3 };
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;
	uint8_t *big = calloc(1, TR_MAX_EVENT_SIZE);
	int ret;

	make_tpm_log(&b);
	ret = tr_log_parse(b.data, b.len, &opts, &log, &err);
	tap(ret == TR_E_LIMIT && !strcmp(err.msg,
	   "record 3 at offset 378: more than 3 records (limit)"),
	   "max_records: %s", err.msg);
	opts.max_records = 4;
	ret = tr_log_parse(b.data, b.len, &opts, &log, &err);
	tap(ret == 0 && log->n_records == 4, "max_records equal to the count");
	tr_log_free(log);
	tr_buf_free(&b);

	tr_build_header(&b, sim_algs, 1);
	tr_build_record_hashed(&b, 1, 6, sim_algs, 1, big, TR_MAX_EVENT_SIZE);
	ret = tr_log_parse(b.data, b.len, NULL, &log, &err);
	tap(ret == 0 && log->records[0].event_size == TR_MAX_EVENT_SIZE,
	   "an event of exactly 16 MiB parses");
	tr_log_free(log);
	opts.max_event_size = 1024;
	ret = tr_log_parse(b.data, b.len, &opts, &log, &err);
	tap(ret == TR_E_LIMIT, "max_event_size option: %s", err.msg);
	tr_buf_free(&b);
	free(big);
}

/* Flip every bit of a valid log: never a crash, always a clean verdict. */
static void test_bit_flips(void)
{
	struct tr_buf b = { 0 };
	size_t accepted = 0, rejected = 0, unclean = 0;

	make_sim_log(&b);
	for (size_t i = 0; i < b.len * 8; i++) {
		struct tr_error err = { 0 };
		struct tr_log *log;

		b.data[i / 8] ^= 1u << (i % 8);
		if (tr_log_parse(b.data, b.len, NULL, &log, &err)) {
			rejected++;
			unclean += !err.msg[0] || log != NULL;
		} else {
			accepted++;
			tr_log_free(log);
		}
		b.data[i / 8] ^= 1u << (i % 8);
	}
	tap(unclean == 0 && rejected > 0 && accepted > 0,
	   "%zu single-bit flips: %zu accepted, %zu rejected with a message",
	   b.len * 8, accepted, rejected);
	tr_buf_free(&b);
}

static void test_trim(void)
{
	struct tr_parse_opts trim = { .trim_end_marker = true };
	struct tr_buf b = { 0 }, rt = { 0 }, all = { 0 };
	struct tr_log *fw = NULL, *rtl = NULL, *cat = NULL;
	struct tr_error err = { 0 };
	uint8_t fill[100];
	size_t log_len;

	make_sim_log(&b);
	log_len = b.len;
	memset(fill, 0xff, sizeof(fill));
	tr_buf_put(&b, fill, sizeof(fill));
	tap(tr_log_parse(b.data, b.len, NULL, &fw, &err) == TR_E_MALFORMED,
	   "0xFF filling fails a strict parse: %s", err.msg);
	tap(!tr_log_parse(b.data, b.len, &trim, &fw, &err) && fw->len == log_len &&
	   fw->n_records == 4, "trim_end_marker stops at 0xFF filling");
	tr_log_free(fw);
	memset(b.data + log_len, 0, sizeof(fill));
	tap(!tr_log_parse(b.data, b.len, &trim, &fw, &err) && fw->len == log_len,
	   "trim_end_marker stops at zero filling");
	tap(!tr_log_parse(b.data, log_len + 5, &trim, &cat, &err) &&
	   cat->len == log_len, "trim_end_marker: short zero tail");
	tr_log_free(cat);
	cat = NULL;

	tr_build_header(&rt, sim_algs, 1);
	tr_build_record_hashed(&rt, 4, 6, sim_algs, 1, "rt", 2);
	tr_log_parse(rt.data, rt.len, NULL, &rtl, &err);
	tap(fw && rtl && !tr_log_concat(fw, rtl, &all, &err) &&
	   !tr_log_parse(all.data, all.len, NULL, &cat, &err) &&
	   cat->n_records == 5 && cat->records[4].log_index == 4 &&
	   all.len == log_len + rt.len - rtl->header_len,
	   "CCEL + runtime records concatenate into one log");
	tr_log_free(cat);
	tr_log_free(rtl);
	tr_buf_free(&rt);
	tr_build_header(&rt, tpm_algs, 2);
	tr_log_parse(rt.data, rt.len, NULL, &rtl, &err);
	tap(tr_log_concat(fw, rtl, &all, &err) == TR_E_MALFORMED,
	   "concat refuses different banks: %s", err.msg);
	tr_log_free(rtl);
	tr_log_free(fw);
	tr_buf_free(&rt);
	tr_buf_free(&all);
	tr_buf_free(&b);
}

/* ---- replay ----------------------------------------------------------- */

static void test_replay_kat(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_replay r;
	struct tr_log *log;
	uint8_t want[48], d[48], zero[48] = { 0 };

	make_sim_log(&b);
	log = parse(&b, &err);
	tr_replay_init(&r, log, 0, &err);
	tap(r.n_regs == 2 && r.regs[0].index == 1 && r.regs[1].index == 2,
	   "replay touches log indexes 1 and 2, not EV_NO_ACTION's 0");
	tr_replay_run(&r, 1);
	tap(hex_is(tr_replay_value(&r, 1, 0), 48,
		  "93732e3733514a841c982cfa75ea76ab55fe011acb9cd980ef4523913c65be1b0998e04d77f8c174f81a82151619ca40"),
	   "sha384 KAT: zero extended with SHA384(\"abc\")");
	tr_replay_run(&r, 2);
	tap(hex_is(tr_replay_value(&r, 1, 0), 48,
		  "a4d392030aec0188324dac645cac0391f996c9a913563092cd9d7c55c3d86c0f109053c37d2974da85660814bf359bed"),
	   "sha384 KAT: then extended with SHA384(\"\")");
	tr_replay_run(&r, 4);
	evp("SHA384", "x", 1, "", 0, d);
	evp("SHA384", zero, 48, d, 48, want);
	tap(!memcmp(tr_replay_value(&r, 2, 0), want, 48) &&
	   tr_replay_value(&r, 0, 0) == NULL,
	   "replay of log index 2 equals an independent EVP computation");
	tr_replay_free(&r);
	tr_log_free(log);
	tr_buf_free(&b);
}

static void test_replay_tpm_initial(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_replay r;
	struct tr_log *log;

	make_tpm_log(&b);
	log = parse(&b, &err);
	tr_replay_init(&r, log, TR_REPLAY_TPM, &err);
	tr_replay_run(&r, 4);
	tap(hex_is(tr_replay_value(&r, 17, 0), 32,
		  "ded4cee9953bb84c83278424b1e8256ee3483023f4ae5730affa51aad0063efb"),
	   "TPM PCR 17 starts all-0xFF (sha256 KAT)");
	tr_replay_free(&r);
	tr_replay_init(&r, log, 0, &err);
	tr_replay_run(&r, 4);
	tap(!hex_is(tr_replay_value(&r, 17, 0), 32,
		   "ded4cee9953bb84c83278424b1e8256ee3483023f4ae5730affa51aad0063efb"),
	   "without TR_REPLAY_TPM PCR 17 starts at zero");
	tr_replay_free(&r);
	tr_log_free(log);
	tr_buf_free(&b);
}

static void target_from(struct tr_target *t, const struct tr_replay *r,
			uint32_t index, unsigned int bank, uint16_t alg)
{
	const uint8_t *v = tr_replay_value(r, index, bank);

	t->index = index;
	t->alg_id = alg;
	memcpy(t->value, v, TR_MAX_DIGEST);
}

static void test_prefix(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_replay r;
	struct tr_log *log;
	struct tr_target t[4];
	size_t best = 99;
	int ret;

	make_tpm_log(&b);
	log = parse(&b, &err);
	/* Values after 3 of 4 records: record 3 (PCR 17) is "newer". */
	tr_replay_init(&r, log, TR_REPLAY_TPM, &err);
	tr_replay_run(&r, 3);
	target_from(&t[0], &r, 16, 0, SHA256);
	target_from(&t[1], &r, 16, 1, SHA384);
	target_from(&t[2], &r, 23, 1, SHA384);
	tr_replay_free(&r);
	ret = tr_longest_prefix(log, TR_REPLAY_TPM, t, 3, &best, &err);
	tap(!ret && best == 4,
	   "registers 16 and 23 after 3 records: longest prefix is 4 (record 3 touches PCR 17 only)");
	tr_replay_init(&r, log, TR_REPLAY_TPM, &err);
	tr_replay_run(&r, 3);
	target_from(&t[3], &r, 17, 0, SHA256);	/* still 0xFF..: initial */
	tr_replay_free(&r);
	ret = tr_longest_prefix(log, TR_REPLAY_TPM, t, 4, &best, &err);
	tap(!ret && best == 3, "with PCR 17 still initial: prefix 3 (IMA rule)");
	ret = tr_longest_prefix(log, TR_REPLAY_TPM, &t[3], 1, &best, &err);
	tap(!ret && best == 3, "PCR 17 alone: the longest prefix before its record");
	t[0].value[0] ^= 1;
	ret = tr_longest_prefix(log, TR_REPLAY_TPM, t, 4, &best, &err);
	tap(ret == TR_E_NOMATCH && strstr(err.msg, "no prefix"),
	   "a value no prefix gives: TR_E_NOMATCH (%s)", err.msg);
	t[0].alg_id = 0x0004;
	ret = tr_longest_prefix(log, TR_REPLAY_TPM, t, 1, &best, &err);
	tap(ret == TR_E_INVAL, "a target bank the log lacks: TR_E_INVAL");
	memset(t[0].value, 0, sizeof(t[0].value));
	t[0].index = 5;
	t[0].alg_id = SHA256;
	ret = tr_longest_prefix(log, TR_REPLAY_TPM, t, 1, &best, &err);
	tap(!ret && best == 4, "an untouched register at zero matches every prefix");
	tr_log_free(log);
	tr_buf_free(&b);
}

/* ---- formats ---------------------------------------------------------- */

static char *capture(int (*fn)(FILE *, const struct tr_log *, int),
		     const struct tr_log *log, int arg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	fn(f, log, arg);
	fclose(f);
	return out;
}

static int text(FILE *f, const struct tr_log *l, int a) { (void)a; return tr_print_text(f, l); }
static int json(FILE *f, const struct tr_log *l, int a) { (void)a; return tr_print_json(f, l); }
static int cel(FILE *f, const struct tr_log *l, int a) { return tr_print_cel_json(f, l, a); }

#define D_ABC "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
#define D_EMPTY "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"

static void test_formats(void)
{
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;
	char *s;

	tr_build_header(&b, sim_algs, 1);
	tr_build_record_hashed(&b, 1, 0x6, sim_algs, 1, "abc", 3);
	tr_build_record_hashed(&b, 4, 0x80000001, sim_algs, 1, "", 0);
	log = parse(&b, &err);

	s = capture(text, log, 0);
	tap(!strcmp(s, "0 1 0x00000006 sha384:" D_ABC " 616263\n"
		      "1 4 0x80000001 sha384:" D_EMPTY " -\n"),
	   "text format (ascii_event_log)");
	free(s);
	s = capture(json, log, 0);
	tap(!strcmp(s, "[\n"
		"{\"recnum\":0,\"log_index\":1,\"event_type\":6,\"digests\":[{\"hashAlg\":\"sha384\",\"digest\":\"" D_ABC "\"}],\"event_size\":3,\"event\":\"616263\"},\n"
		"{\"recnum\":1,\"log_index\":4,\"event_type\":2147483649,\"digests\":[{\"hashAlg\":\"sha384\",\"digest\":\"" D_EMPTY "\"}],\"event_size\":0,\"event\":\"\"}\n"
		"]\n"), "JSON format");
	free(s);
	s = capture(cel, log, 0);
	tap(!strcmp(s, "[\n"
		"{\"recnum\":0,\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha384\",\"digest\":\"" D_ABC "\"}],\"content_type\":\"pcclient_std\",\"content\":{\"event_type\":6,\"event_data\":\"616263\"}},\n"
		"{\"recnum\":1,\"pcr\":4,\"digests\":[{\"hashAlg\":\"sha384\",\"digest\":\"" D_EMPTY "\"}],\"content_type\":\"pcclient_std\",\"content\":{\"event_type\":2147483649,\"event_data\":\"\"}}\n"
		"]\n"), "CEL-JSON format (array)");
	free(s);
	s = capture(cel, log, 1);
	tap(!strcmp(s,
		"\x1e{\"recnum\":0,\"pcr\":1,\"digests\":[{\"hashAlg\":\"sha384\",\"digest\":\"" D_ABC "\"}],\"content_type\":\"pcclient_std\",\"content\":{\"event_type\":6,\"event_data\":\"616263\"}}\n"
		"\x1e{\"recnum\":1,\"pcr\":4,\"digests\":[{\"hashAlg\":\"sha384\",\"digest\":\"" D_EMPTY "\"}],\"content_type\":\"pcclient_std\",\"content\":{\"event_type\":2147483649,\"event_data\":\"\"}}\n"),
	   "CEL-JSON format (RFC 7464 sequence)");
	free(s);
	tr_log_free(log);
	tr_buf_free(&b);

	tr_build_header(&b, tpm_algs, 2);
	log = parse(&b, &err);
	s = capture(cel, log, 0);
	tap(!strcmp(s, "[\n]\n"), "CEL-JSON of an empty log is an empty array");
	free(s);
	s = capture(text, log, 0);
	tap(!strcmp(s, ""), "text of an empty log is empty");
	free(s);
	tr_log_free(log);
	tr_buf_free(&b);
}

static void test_helpers(void)
{
	uint8_t out[4];

	tap(tr_alg_by_name("sm3_256")->id == 0x0012 && tr_alg_by_id(0x000d)->size == 64 &&
	   !tr_alg_by_name("sha") && !tr_alg_by_id(0x0005),
	   "algorithm table");
	tap(tr_unhex("DeadBeef", 8, out, 4) == 4 && out[0] == 0xde && out[3] == 0xef &&
	   tr_unhex("abc", 3, out, 4) == -1 && tr_unhex("zz", 2, out, 4) == -1 &&
	   tr_unhex("0011223344", 10, out, 4) == -1,
	   "hex parsing: case, odd length, bad digits, overflow");
}

static void test_sm3(void)
{
	static const uint16_t algs[] = { 0x0012 };
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;

	if (tr_build_header(&b, algs, 1) ||
	    tr_build_record_hashed(&b, 0, 6, algs, 1, "", 0)) {
		tap(1, "# SKIP sm3 not available in OpenSSL");
		tr_buf_free(&b);
		return;
	}
	log = parse(&b, &err);
	tap(log && hex_is(tr_record_digest(log, &log->records[0], 0), 32,
			 "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"),
	   "sm3_256 KAT through EVP \"SM3\"");
	tr_log_free(log);
	tr_buf_free(&b);
}

/* ---- quote ------------------------------------------------------------ */

struct quote_fixture {
	EVP_PKEY *key;
	TPMT_PUBLIC pub;
	TPMS_ATTEST attest;
	uint8_t blob[sizeof(TPMS_ATTEST)];
	size_t blob_len;
	TPMT_SIGNATURE sig;
};

static void bn_to_tpm2b(const BIGNUM *bn, uint8_t *buf, UINT16 *size, int len)
{
	BN_bn2binpad(bn, buf, len);
	*size = (UINT16)len;
}

static void make_key(struct quote_fixture *q)
{
	BIGNUM *x = NULL, *y = NULL;

	q->key = EVP_EC_gen("P-256");
	EVP_PKEY_get_bn_param(q->key, OSSL_PKEY_PARAM_EC_PUB_X, &x);
	EVP_PKEY_get_bn_param(q->key, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
	q->pub.type = TPM2_ALG_ECC;
	q->pub.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	bn_to_tpm2b(x, q->pub.unique.ecc.x.buffer, &q->pub.unique.ecc.x.size, 32);
	bn_to_tpm2b(y, q->pub.unique.ecc.y.buffer, &q->pub.unique.ecc.y.size, 32);
	BN_free(x);
	BN_free(y);
}

static void sign(struct quote_fixture *q)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t der[128];
	const uint8_t *p = der;
	size_t len = sizeof(der);
	ECDSA_SIG *es;
	size_t off = 0;

	Tss2_MU_TPMS_ATTEST_Marshal(&q->attest, q->blob, sizeof(q->blob), &off);
	q->blob_len = off;
	EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, q->key);
	EVP_DigestSign(c, der, &len, q->blob, q->blob_len);
	es = d2i_ECDSA_SIG(NULL, &p, (long)len);
	q->sig.sigAlg = TPM2_ALG_ECDSA;
	q->sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
	bn_to_tpm2b(ECDSA_SIG_get0_r(es), q->sig.signature.ecdsa.signatureR.buffer,
		    &q->sig.signature.ecdsa.signatureR.size, 32);
	bn_to_tpm2b(ECDSA_SIG_get0_s(es), q->sig.signature.ecdsa.signatureS.buffer,
		    &q->sig.signature.ecdsa.signatureS.size, 32);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(c);
}

static int pcr0_lookup(uint32_t pcr, uint16_t alg, uint8_t *out, void *ctx)
{
	(void)ctx;
	memset(out, pcr == 0 ? 0x5a : 0, tr_alg_by_id(alg)->size);
	return 0;
}

/* pcrDigest over PCRs 0 (not in the log), 16 and 23, banks sha384, sha256. */
static void expected_pcr_digest(const struct tr_log *log, size_t n, uint8_t *out)
{
	uint8_t v[64], all[2 * 3 * 48];
	size_t off = 0;
	struct tr_replay r;

	tr_replay_init(&r, log, TR_REPLAY_TPM, NULL);
	tr_replay_run(&r, n);
	memset(v, 0x5a, sizeof(v));
	memcpy(all + off, v, 48); off += 48;
	memcpy(all + off, tr_replay_value(&r, 16, 1), 48); off += 48;
	memcpy(all + off, tr_replay_value(&r, 23, 1), 48); off += 48;
	memcpy(all + off, v, 32); off += 32;
	memcpy(all + off, tr_replay_value(&r, 16, 0), 32); off += 32;
	memcpy(all + off, tr_replay_value(&r, 23, 0), 32); off += 32;
	evp("SHA256", all, off, "", 0, out);
	tr_replay_free(&r);
}

static void test_quote(void)
{
	static const uint8_t nonce[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct quote_fixture q = { 0 };
	TPML_PCR_SELECTION *sel = &q.attest.attested.quote.pcrSelect;
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;
	TPMS_ATTEST out;
	size_t best = 0;
	int ret;

	make_tpm_log(&b);
	log = parse(&b, &err);
	make_key(&q);
	q.attest.magic = TPM2_GENERATED_VALUE;
	q.attest.type = TPM2_ST_ATTEST_QUOTE;
	q.attest.extraData.size = sizeof(nonce);
	memcpy(q.attest.extraData.buffer, nonce, sizeof(nonce));
	sel->count = 2;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA384;
	sel->pcrSelections[1].hash = TPM2_ALG_SHA256;
	for (int i = 0; i < 2; i++) {
		sel->pcrSelections[i].sizeofSelect = 3;
		sel->pcrSelections[i].pcrSelect[0] = 0x01;	/* PCR 0 */
		sel->pcrSelections[i].pcrSelect[2] = 0x81;	/* PCRs 16, 23 */
	}
	q.attest.attested.quote.pcrDigest.size = 32;
	expected_pcr_digest(log, 2, q.attest.attested.quote.pcrDigest.buffer);
	sign(&q);

	ret = tr_quote_verify(q.blob, q.blob_len, &q.sig, &q.pub, nonce,
			      sizeof(nonce), &out, &err);
	tap(!ret, "quote: a valid ECDSA P-256 signed TPMS_ATTEST verifies (%s)", err.msg);
	ret = tr_quote_find_prefix(log, &out.attested.quote.pcrSelect,
				   tr_alg_by_id(SHA256),
				   out.attested.quote.pcrDigest.buffer,
				   pcr0_lookup, NULL, &best, &err);
	tap(!ret && best == 2,
	   "quote: PCRs 16,23 after 2 records (PCR 0 from lookup): prefix 2, not 3 or 4 (got %zu)", best);
	{
		uint32_t rec[4] = { 99, 99, 99, 99 };

		/* 4 records counted before the quote: record 2 (PCR 16) is
		 * left out; record 3 extends PCR 17, which is not quoted */
		tap(tr_quote_uncovered(log, &out.attested.quote.pcrSelect, best,
				      4, rec, 4) == 1 && rec[0] == 2 && rec[1] == 99,
		   "quote: prefix 2 of 4 counted records: record 2 (PCR 16) uncovered, 3 (PCR 17) not quoted");
		tap(tr_quote_uncovered(log, &out.attested.quote.pcrSelect, best,
				      2, rec, 4) == 0,
		   "quote: prefix 2 of 2 counted records: everything covered");
	}
	ret = tr_quote_verify(q.blob, q.blob_len, &q.sig, &q.pub, nonce, 7, &out, &err);
	tap(ret == TR_E_NOMATCH && strstr(err.msg, "nonce"), "quote: wrong nonce: %s", err.msg);
	q.blob[q.blob_len - 1] ^= 1;
	ret = tr_quote_verify(q.blob, q.blob_len, &q.sig, &q.pub, nonce,
			      sizeof(nonce), &out, &err);
	tap(ret == TR_E_NOMATCH && strstr(err.msg, "signature"),
	   "quote: tampered attestation: %s", err.msg);
	q.blob[q.blob_len - 1] ^= 1;
	ret = tr_quote_verify(q.blob, q.blob_len - 1, &q.sig, &q.pub, nonce,
			      sizeof(nonce), &out, &err);
	tap(ret == TR_E_MALFORMED, "quote: truncated attestation: %s", err.msg);
	q.attest.type = TPM2_ST_ATTEST_CERTIFY;
	sign(&q);
	ret = tr_quote_verify(q.blob, q.blob_len, &q.sig, &q.pub, nonce,
			      sizeof(nonce), &out, &err);
	tap(ret == TR_E_NOMATCH && strstr(err.msg, "type"), "quote: wrong type: %s", err.msg);
	q.attest.type = TPM2_ST_ATTEST_QUOTE;
	q.attest.attested.quote.pcrDigest.buffer[0] ^= 1;
	sign(&q);
	ret = tr_quote_verify(q.blob, q.blob_len, &q.sig, &q.pub, nonce,
			      sizeof(nonce), &out, &err);
	ret = ret ? ret : tr_quote_find_prefix(log, &out.attested.quote.pcrSelect,
					       tr_alg_by_id(SHA256),
					       out.attested.quote.pcrDigest.buffer,
					       pcr0_lookup, NULL, &best, &err);
	tap(ret == TR_E_NOMATCH, "quote: a PCR digest no prefix gives: TR_E_NOMATCH");
	EVP_PKEY_free(q.key);
	tr_log_free(log);
	tr_buf_free(&b);
}

/*
 * Coverage of a quote: records counted before it that extend a quoted PCR
 * must be in the matching prefix. Synthetic log, PCR 16 and 23 quoted:
 *   0: 16  1: 23  2: 10  3: 16  4: 16 EV_NO_ACTION  5: 23  6: 16
 */
static void test_quote_uncovered(void)
{
	TPML_PCR_SELECTION sel = { .count = 2 };
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;
	uint32_t rec[8];
	size_t n;

	tr_build_header(&b, tpm_algs, 2);
	tr_build_record_hashed(&b, 16, 0x6, tpm_algs, 2, "a", 1);
	tr_build_record_hashed(&b, 23, 0x6, tpm_algs, 2, "b", 1);
	tr_build_record_hashed(&b, 10, 0x6, tpm_algs, 2, "c", 1);
	tr_build_record_hashed(&b, 16, 0xd, tpm_algs, 2, "d", 1);
	tr_build_record_hashed(&b, 16, TR_EV_NO_ACTION, tpm_algs, 2, "e", 1);
	tr_build_record_hashed(&b, 23, 0x6, tpm_algs, 2, "f", 1);
	tr_build_record_hashed(&b, 16, 0x6, tpm_algs, 2, "g", 1);
	log = parse(&b, &err);
	/* PCR 16 in the sha256 bank, 23 in the sha384 bank: their union */
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[2] = 0x01;
	sel.pcrSelections[1].hash = TPM2_ALG_SHA384;
	sel.pcrSelections[1].sizeofSelect = 3;
	sel.pcrSelections[1].pcrSelect[2] = 0x80;

	tap(log && tr_quote_uncovered(log, &sel, 7, 7, rec, 8) == 0,
	   "uncovered: the whole log matches: none");
	tap(tr_quote_uncovered(log, &sel, 7, 4, rec, 8) == 0,
	   "uncovered: a prefix longer than the count: none");
	n = tr_quote_uncovered(log, &sel, 2, 7, rec, 8);
	tap(n == 3 && rec[0] == 3 && rec[1] == 5 && rec[2] == 6,
	   "uncovered: prefix 2 of 7: records 3, 5, 6 (not 2: PCR 10; not 4: EV_NO_ACTION) (got %zu)", n);
	n = tr_quote_uncovered(log, &sel, 2, 5, rec, 8);
	tap(n == 1 && rec[0] == 3,
	   "uncovered: prefix 2, 5 counted: only record 3 (got %zu)", n);
	n = tr_quote_uncovered(log, &sel, 3, 4, rec, 8);
	tap(n == 1 && rec[0] == 3,
	   "uncovered: prefix 3, 4 counted: record 3, the last counted (got %zu)", n);
	n = tr_quote_uncovered(log, &sel, 0, 7, rec, 1);
	tap(n == 5 && rec[0] == 0,
	   "uncovered: prefix 0: 5 in all, the first stored when max is 1 (got %zu)", n);
	tap(tr_quote_uncovered(log, &sel, 0, 7, NULL, 0) == 5,
	   "uncovered: counting only, recnums NULL");
	tap(tr_quote_uncovered(log, &sel, 6, 100, rec, 8) == 1 && rec[0] == 6,
	   "uncovered: a count beyond the log is clamped to it");
	sel.pcrSelections[0].pcrSelect[2] = 0;
	n = tr_quote_uncovered(log, &sel, 0, 7, rec, 8);
	tap(n == 2 && rec[0] == 1 && rec[1] == 5,
	   "uncovered: only PCR 23 quoted: records 1 and 5 (got %zu)", n);
	sel.count = 0;
	tap(tr_quote_uncovered(log, &sel, 0, 7, rec, 8) == 0,
	   "uncovered: nothing quoted: none");
	tr_log_free(log);
	tr_buf_free(&b);
}

/*
 * Coverage of live values read register by register: each register's
 * value is the replay of its own prefix; records counted before the read
 * that extend it must be in that prefix. Synthetic log:
 *   0: 16  1: 23  2: 10  3: 16  4: 16 EV_NO_ACTION  5: 23  6: 16
 */
static void test_registers_uncovered(void)
{
	struct tr_coverage both[2] = { { 16, 7 }, { 23, 7 } };
	struct tr_coverage rev[2] = { { 23, 2 }, { 16, 4 } };
	struct tr_coverage one[1] = { { 16, 0 } };
	struct tr_buf b = { 0 };
	struct tr_error err;
	struct tr_log *log;
	uint32_t rec[8];
	size_t n;

	tr_build_header(&b, tpm_algs, 2);
	tr_build_record_hashed(&b, 16, 0x6, tpm_algs, 2, "a", 1);
	tr_build_record_hashed(&b, 23, 0x6, tpm_algs, 2, "b", 1);
	tr_build_record_hashed(&b, 10, 0x6, tpm_algs, 2, "c", 1);
	tr_build_record_hashed(&b, 16, 0xd, tpm_algs, 2, "d", 1);
	tr_build_record_hashed(&b, 16, TR_EV_NO_ACTION, tpm_algs, 2, "e", 1);
	tr_build_record_hashed(&b, 23, 0x6, tpm_algs, 2, "f", 1);
	tr_build_record_hashed(&b, 16, 0x6, tpm_algs, 2, "g", 1);
	log = parse(&b, &err);

	tap(log && tr_registers_uncovered(log, both, 2, 7, rec, 8) == 0,
	   "registers uncovered: both of the whole log: none");
	both[0].prefix = 3;
	n = tr_registers_uncovered(log, both, 2, 7, rec, 8);
	tap(n == 2 && rec[0] == 3 && rec[1] == 6,
	   "registers uncovered: 16 of 3 records: 3 and 6, not 4 (EV_NO_ACTION) (got %zu)", n);
	n = tr_registers_uncovered(log, both, 2, 5, rec, 8);
	tap(n == 1 && rec[0] == 3,
	   "registers uncovered: 16 of 3 records, 5 counted: only 3 (got %zu)", n);
	tap(tr_registers_uncovered(log, both, 2, 3, rec, 8) == 0,
	   "registers uncovered: 16 of 3 records, 3 counted: none (later ones may be newer than the read)");
	n = tr_registers_uncovered(log, rev, 2, 7, rec, 8);
	tap(n == 2 && rec[0] == 5 && rec[1] == 6,
	   "registers uncovered: 23 of 2, 16 of 4, listed out of order: 5 and 6, in log order (got %zu)", n);
	n = tr_registers_uncovered(log, one, 1, 7, rec, 8);
	tap(n == 3 && rec[0] == 0 && rec[1] == 3 && rec[2] == 6,
	   "registers uncovered: only 16 listed, at its initial value: 0, 3, 6; not 23's nor 10's (got %zu)", n);
	n = tr_registers_uncovered(log, one, 1, 7, rec, 1);
	tap(n == 3 && rec[0] == 0,
	   "registers uncovered: 3 in all, the first stored when max is 1 (got %zu)", n);
	tap(tr_registers_uncovered(log, one, 1, 7, NULL, 0) == 3,
	   "registers uncovered: counting only, recnums NULL");
	one[0].prefix = 6;
	n = tr_registers_uncovered(log, one, 1, 100, rec, 8);
	tap(n == 1 && rec[0] == 6,
	   "registers uncovered: a count beyond the log is clamped to it (got %zu)", n);
	one[0].prefix = 9;
	tap(tr_registers_uncovered(log, one, 1, 7, rec, 8) == 0,
	   "registers uncovered: a prefix beyond the count: none");
	tap(tr_registers_uncovered(log, NULL, 0, 7, rec, 8) == 0,
	   "registers uncovered: no register listed: none");
	tr_log_free(log);
	tr_buf_free(&b);
}

/* ---- fixtures from the kernel module ------------------------------------ */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * fixtures/NAME.bin: a binary_event_log saved from the kernel module;
 * optional NAME.ascii: its ascii_event_log, which our text format must
 * reproduce byte for byte.
 */
static void test_fixtures(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), found = 0;

	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t nl = strlen(name), len, alen;
		char path[4096], *data, *ascii, *txt;
		struct tr_error err = { 0 };
		struct tr_log *log = NULL;

		if (nl > 4 && !strcmp(name + nl - 4, ".bin")) {
			found++;
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			data = slurp(path, &len);
			tap(data && !tr_log_parse((uint8_t *)data, len, NULL, &log, &err),
			   "fixture %s parses (%s)", name, err.msg);
			snprintf(path, sizeof(path), "%s/%.*s.ascii", dir, (int)nl - 4, name);
			ascii = slurp(path, &alen);
			if (ascii && log) {
				txt = capture(text, log, 0);
				tap(!strcmp(txt, ascii), "fixture %s: text format equals ascii_event_log", name);
				free(txt);
			}
			free(ascii);
			free(data);
			tr_log_free(log);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	if (!found)
		tap(1, "# SKIP no kernel log fixtures in %s yet", dir);
}

/* ---- configfs handles, against regular files ------------------------ */

/*
 * The kernel is not here: regular files stand in for a handle's
 * attributes, which shows which file the library writes, with what and
 * how often, and which attribute an error is charged to. What configfs
 * does with those writes is the VM tests' (test_cli.sh, the kselftests).
 */
static const char *const fake_attrs[] = {
	"index", "event_type", "event", "event_blob", "digest", "last_recnum",
};

static void fake_put(const struct tr_handle *h, const char *attr,
		     const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", h->dir, attr);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* @attr's bytes into @buf (@size: at most), their count or -1. */
static long fake_get(const struct tr_handle *h, const char *attr,
		     void *buf, size_t size)
{
	char path[600];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", h->dir, attr);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, size, f);
	fclose(f);
	return (long)n;
}

static bool fake_is(const struct tr_handle *h, const char *attr,
		    const char *text)
{
	char buf[256];
	long n = fake_get(h, attr, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, text);
}

static void fake_unlink_all(const struct tr_handle *h)
{
	char path[600];

	for (size_t i = 0; i < sizeof(fake_attrs) / sizeof(fake_attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", h->dir, fake_attrs[i]);
		unlink(path);
	}
}

static void test_handle_doors(struct tr_handle *h, uint8_t *big)
{
	static const char line[] = "sha384:00\n";
	struct tr_entry e = { .index = 3, .event_type = TR_EV_EVENT_TAG,
			      .event = big, .event_len = TR_EVENT_TEXT_MAX,
			      .digests = line, .digests_len = sizeof(line) - 1 };
	static uint8_t got[70000];
	int ret;

	ret = tr_handle_commit_entry(h, &e);
	tap(!ret && fake_is(h, "index", "3") && fake_is(h, "event_type", "0x6") &&
	   fake_get(h, "event", got, sizeof(got)) == TR_EVENT_TEXT_MAX &&
	   !memcmp(got, big, TR_EVENT_TEXT_MAX) &&
	   fake_get(h, "event_blob", got, sizeof(got)) == 0 &&
	   fake_is(h, "digest", line),
	   "handle: a %u-byte event (NULs in it) goes to event, whole", TR_EVENT_TEXT_MAX);
	e.event_len = TR_EVENT_TEXT_MAX + 1;
	fake_put(h, "index", "");
	fake_put(h, "event_type", "");
	ret = tr_handle_commit_entry(h, &e);
	tap(!ret && fake_get(h, "event_blob", got, sizeof(got)) == TR_EVENT_TEXT_MAX + 1 &&
	   !memcmp(got, big, TR_EVENT_TEXT_MAX + 1) &&
	   fake_get(h, "event", got, sizeof(got)) == TR_EVENT_TEXT_MAX,
	   "handle: a %u-byte event goes to event_blob, whole", TR_EVENT_TEXT_MAX + 1);
	tap(fake_is(h, "index", "") && fake_is(h, "event_type", ""),
	   "handle: index and event_type unchanged are not rewritten");
	e.index = 12;
	e.event_type = 0xd;
	e.event_len = 70000;
	ret = tr_handle_commit_entry(h, &e);
	tap(!ret && fake_is(h, "index", "12") && fake_is(h, "event_type", "0xd") &&
	   fake_get(h, "event_blob", got, sizeof(got)) == 70000 &&
	   !memcmp(got, big, 70000),
	   "handle: a new index and event type are written; 70000 bytes to event_blob");
	fake_put(h, "event_type", "");
	e.event_len = 0;
	ret = tr_handle_commit_entry(h, &e);
	tap(!ret && fake_is(h, "event_type", "0xd"),
	   "handle: event_type 0xd is written again after a commit (the kernel resets it)");
}

static void test_handle_errors(struct tr_handle *h, uint8_t *big)
{
	static const char line[] = "sha384:00\n";
	struct tr_entry e = { .index = 12, .event_type = 0xd, .event = big,
			      .event_len = 64, .digests = line,
			      .digests_len = sizeof(line) - 1 };
	struct rlimit old, lim = { 100, 100 };
	uint64_t recnum = 0;
	int ret, fd;

	/* A commit that fails (EBADF here) leaves the 64 bytes staged. */
	fd = h->fd[TR_HF_DIGEST];
	h->fd[TR_HF_DIGEST] = open("/dev/null", O_RDONLY);
	ret = tr_handle_commit_entry(h, &e);
	tap(ret == -EBADF && !strcmp(h->failed, "digest"),
	   "handle: a failed commit: -errno, charged to digest");
	close(h->fd[TR_HF_DIGEST]);
	h->fd[TR_HF_DIGEST] = fd;
	e.event_len = 0;
	ret = tr_handle_commit_entry(h, &e);
	tap(ret == -EBUSY && !strcmp(h->failed, "event"),
	   "handle: no event data after a failed commit with some: -EBUSY (configfs cannot clear it)");
	e.event_len = 1;
	tap(!tr_handle_commit_entry(h, &e), "handle: new event data commits again");

	/* A write error from event_blob: EFBIG, past RLIMIT_FSIZE. */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	setrlimit(RLIMIT_FSIZE, &lim);
	ret = tr_handle_stage_event(h, big, 5000);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	tap(ret == -EFBIG && !strcmp(h->failed, "event_blob"),
	   "handle: an event_blob write error: -EFBIG, charged to event_blob");

	tap(tr_handle_last_recnum(h, &recnum) == -ENODATA &&
	   !strcmp(h->failed, "last_recnum"),
	   "handle: empty last_recnum: -ENODATA");
	fake_put(h, "last_recnum", "17\n");
	tap(!tr_handle_last_recnum(h, &recnum) && recnum == 17,
	   "handle: last_recnum 17");
	fake_put(h, "last_recnum", "17x\n");
	tap(tr_handle_last_recnum(h, &recnum) == -EPROTO, "handle: bad last_recnum: -EPROTO");
}

static void test_handle(void)
{
	char root[] = "/tmp/test_lib-cfs-XXXXXX", none[64];
	const struct tr_alg *algs[TR_MAX_ALGS];
	struct tr_error err = { 0 };
	struct tr_handle h;
	unsigned int n = 0;
	uint8_t *big = malloc(70000), digests[32 + 48] = { 0x01, [79] = 0xff };
	char line[256];
	int ret;

	for (size_t i = 0; big && i < 70000; i++)
		big[i] = (uint8_t)(i * 7);
	if (!big || !mkdtemp(root)) {
		tap(0, "handle: set-up");
		free(big);
		return;
	}
	snprintf(none, sizeof(none), "%s/none", root);
	setenv("TSM_RTMR_CONFIGFS", none, 1);
	ret = tr_handle_create(&h, "t");
	tap(ret == -ENOENT && !strcmp(h.failed, "mkdir") && !h.created &&
	   !tr_handle_remove(&h),
	   "handle: mkdir under a missing root: -ENOENT, charged to mkdir");
	setenv("TSM_RTMR_CONFIGFS", root, 1);
	ret = tr_handle_create(&h, "t");
	tap(!ret && h.created && !strncmp(h.dir, root, strlen(root)) &&
	   !strncmp(h.dir + strlen(root), "/t-", 3),
	   "handle: created as ROOT/t-PID-RANDOM");
	tap(tr_handle_set_index(&h, 3) == -ENOENT && !strcmp(h.failed, "index"),
	   "handle: index missing: -ENOENT, charged to index");
	for (size_t i = 0; i < sizeof(fake_attrs) / sizeof(fake_attrs[0]); i++)
		fake_put(&h, fake_attrs[i], "");
	test_handle_doors(&h, big);
	test_handle_errors(&h, big);
	ret = tr_handle_remove(&h);
	tap(ret == -ENOTEMPTY && !strcmp(h.failed, "rmdir"),
	   "handle: rmdir failing: -ENOTEMPTY, charged to rmdir");
	fake_unlink_all(&h);
	rmdir(h.dir);
	rmdir(root);
	unsetenv("TSM_RTMR_CONFIGFS");

	tap(!tr_parse_alg_list("sha256 sha384\n", algs, TR_MAX_ALGS, &n, &err) &&
	   n == 2 && algs[0]->id == SHA256 && algs[1]->id == SHA384 &&
	   tr_parse_alg_list("sha256 md5", algs, TR_MAX_ALGS, &n, &err) == TR_E_UNSUPPORTED &&
	   strstr(err.msg, "'md5'") &&
	   tr_parse_alg_list("\n", algs, TR_MAX_ALGS, &n, &err) == TR_E_MALFORMED &&
	   tr_parse_alg_list("sha256 sha384", algs, 1, &n, &err) == TR_E_LIMIT,
	   "algs list: bank order, unknown, empty, too many");
	tr_parse_alg_list("sha256 sha384", algs, TR_MAX_ALGS, &n, &err);
	ret = tr_digest_line(algs, 2, digests, line, sizeof(line));
	tap(ret == (int)strlen(line) && ret == 7 + 64 + 1 + 7 + 96 + 1 &&
	   !strncmp(line, "sha256:0100", 11) && strstr(line, "00 sha384:00") &&
	   !strcmp(line + ret - 3, "ff\n") &&
	   tr_digest_line(algs, 2, digests, line, (size_t)ret + 1) == ret &&
	   tr_digest_line(algs, 2, digests, line, (size_t)ret) == TR_E_LIMIT,
	   "digest line: both banks, newline, exact buffer size");
	free(big);
}

int main(int argc, char **argv)
{
	const char *fixtures = argc > 1 ? argv[1] : "fixtures";

	test_helpers();
	test_header_bytes();
	test_record_bytes();
	test_parse_fields();
	test_truncation();
	test_corruptions();
	test_unknown_algorithm();
	test_limits();
	test_bit_flips();
	test_trim();
	test_replay_kat();
	test_replay_tpm_initial();
	test_prefix();
	test_formats();
	test_sm3();
	test_quote();
	test_quote_uncovered();
	test_registers_uncovered();
	test_handle();
	test_fixtures(fixtures);
	return tap_done();
}
