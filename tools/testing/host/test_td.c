// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for libtsm-rtmr's TD quote parser and signature check,
 * the RTMR replay against CCEL + runtime log, data binding, the
 * attestation agent's records (AAEL) and configfs-tsm reports. TAP output.
 *
 * Quotes come from td_quote_build.h, the tests' own builder; expected
 * register values and digests are computed here with EVP directly, and the
 * AAEL bytes are written out from the published layout, never taken from
 * the library under test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tsm-rtmr.h"
#include "test_evp.h"
#include "td_quote_build.h"
#include "../lib/tap.h"

#define SHA256 0x000b
#define SHA384 0x000c

static const uint16_t sha384_only[] = { SHA384 };
static const uint16_t both_algs[] = { SHA256, SHA384 };
static const uint16_t sha256_only[] = { SHA256 };

static EVP_PKEY *key, *other_key;

/* ---- helpers ---------------------------------------------------------- */

/* An RTMR extend: reg = SHA-384(reg || digest). */
static void extend(uint8_t reg[48], const uint8_t digest[48])
{
	evp("SHA384", reg, 48, digest, 48, reg);
}

static bool has(const struct tr_error *err, const char *what)
{
	return strstr(err->msg, what) != NULL;
}

struct quote {
	uint8_t *bytes;
	size_t len;
	size_t body_off, signed_len;
};

static struct quote make_quote(const struct tdq_build *b, EVP_PKEY *k)
{
	struct quote q = { 0 };

	if (tdq_build(b, k, &q.bytes, &q.len)) {
		fprintf(stderr, "tdq_build failed\n");
		exit(2);
	}
	q.body_off = TDQ_BODY_OFF(b->version);
	q.signed_len = tdq_signed_len(b);
	return q;
}

/* A copy of @q to tamper with. */
static uint8_t *copy(const struct quote *q)
{
	uint8_t *p = malloc(q->len);

	memcpy(p, q->bytes, q->len);
	return p;
}

static void fill_build(struct tdq_build *b, int version, int body_type)
{
	memset(b, 0, sizeof(*b));
	b->version = version;
	b->body_type = body_type;
	for (int i = 0; i < 48; i++) {
		b->mrtd[i] = (uint8_t)(0xd0 ^ i);
		for (int n = 0; n < 4; n++)
			b->rtmr[n][i] = (uint8_t)(0x10 * (n + 1) + i);
		b->mrservicetd[i] = (uint8_t)(0xe0 ^ i);
	}
	for (int i = 0; i < 64; i++)
		b->reportdata[i] = (uint8_t)(0x80 + i);
}

/* ---- parsing ---------------------------------------------------------- */

static const struct {
	int version, body_type;
	const char *name;
} shapes[] = {
	{ 4, 0, "v4 TD 1.0" },
	{ 5, 2, "v5 TD 1.0" },
	{ 5, 3, "v5 TD 1.5" },
};
#define N_SHAPES (sizeof(shapes) / sizeof(shapes[0]))

static bool body_fields_ok(const struct tr_td_quote *t, const uint8_t *body,
			   bool td15)
{
	static const uint8_t zero[48];
	bool ok = !memcmp(t->tee_tcb_svn, body + TDQ_B_TEE_TCB_SVN, 16) &&
		  !memcmp(t->mrseam, body + TDQ_B_MRSEAM, 48) &&
		  !memcmp(t->mrsignerseam, body + TDQ_B_MRSIGNERSEAM, 48) &&
		  !memcmp(t->seam_attributes, body + TDQ_B_SEAM_ATTRIBUTES, 8) &&
		  !memcmp(t->td_attributes, body + TDQ_B_TD_ATTRIBUTES, 8) &&
		  !memcmp(t->xfam, body + TDQ_B_XFAM, 8) &&
		  !memcmp(t->mrconfigid, body + TDQ_B_MRCONFIGID, 48) &&
		  !memcmp(t->mrowner, body + TDQ_B_MROWNER, 48) &&
		  !memcmp(t->mrownerconfig, body + TDQ_B_MROWNERCONFIG, 48);

	if (td15)
		return ok && !memcmp(t->tee_tcb_svn2, body + TDQ_B_TEE_TCB_SVN2, 16);
	return ok && !memcmp(t->tee_tcb_svn2, zero, 16) &&
	       !memcmp(t->mrservicetd, zero, 48);
}

static void test_parse_valid(void)
{
	for (size_t s = 0; s < N_SHAPES; s++) {
		struct tdq_build b;
		struct tr_td_quote t;
		struct tr_error err = { 0 };
		struct quote q;
		bool td15 = shapes[s].body_type == 3;
		size_t sl;
		int ret;

		fill_build(&b, shapes[s].version, shapes[s].body_type);
		q = make_quote(&b, key);
		sl = q.signed_len;
		ret = tr_td_quote_parse(q.bytes, q.len, &t, &err);
		tap(ret == TR_OK, "%s: parses (%s)", shapes[s].name, err.msg);
		tap(t.version == shapes[s].version && t.att_key_type == 2 &&
		    t.tee_type == 0x81 &&
		    t.body_type == (td15 ? 3 : 2) &&
		    t.body_size == (td15 ? 648u : 584u) &&
		    !memcmp(t.qe_vendor_id, q.bytes + TDQ_OFF_QE_VENDOR_ID, 16) &&
		    !memcmp(t.user_data, q.bytes + TDQ_OFF_USER_DATA, 20),
		    "%s: header fields and body type/size", shapes[s].name);
		tap(!memcmp(t.mrtd, b.mrtd, 48) &&
		    !memcmp(t.rtmr[0], b.rtmr[0], 48) &&
		    !memcmp(t.rtmr[1], b.rtmr[1], 48) &&
		    !memcmp(t.rtmr[2], b.rtmr[2], 48) &&
		    !memcmp(t.rtmr[3], b.rtmr[3], 48) &&
		    !memcmp(t.report_data, b.reportdata, 64),
		    "%s: MRTD, RTMR0-3, REPORTDATA", shapes[s].name);
		tap(body_fields_ok(&t, q.bytes + q.body_off, td15),
		    "%s: every other body field at its offset", shapes[s].name);
		if (td15)
			tap(!memcmp(t.mrservicetd, b.mrservicetd, 48),
			    "%s: MRSERVICETD", shapes[s].name);
		tap(t.signed_len == sl &&
		    sl == (size_t)(shapes[s].version == 5 ? 54 : 48) +
			  (td15 ? 648 : 584) &&
		    !memcmp(t.signature, q.bytes + TDQ_OFF_SIG(sl), 64) &&
		    !memcmp(t.attest_key, q.bytes + TDQ_OFF_KEY(sl), 64) &&
		    t.cert_type == 5 && t.cert_off == TDQ_OFF_CERT_DATA(sl) &&
		    t.cert_off + t.cert_size == q.len,
		    "%s: signed_len %zu, signature, key, certification data",
		    shapes[s].name, t.signed_len);
		free(q.bytes);
	}
}

/* Parse @p (@len bytes): the status, and the message in @err. */
static int parse_bytes(const uint8_t *p, size_t len, struct tr_error *err)
{
	struct tr_td_quote t;

	memset(err, 0, sizeof(*err));
	return tr_td_quote_parse(p, len, &t, err);
}

static void test_parse_refusals(void)
{
	struct tdq_build b;
	struct tr_error err;
	struct quote v4, v5, v15;
	uint8_t *p;
	int ret;

	fill_build(&b, 4, 0);
	v4 = make_quote(&b, key);
	fill_build(&b, 5, 2);
	v5 = make_quote(&b, key);
	fill_build(&b, 5, 3);
	v15 = make_quote(&b, key);

	for (unsigned int v = 3; v <= 6; v += 3) {
		p = copy(&v4);
		tdq_put16(p + TDQ_OFF_VERSION, (uint16_t)v);
		ret = parse_bytes(p, v4.len, &err);
		tap(ret == TR_E_UNSUPPORTED && has(&err, "version") &&
		    strchr(err.msg, '0' + v),
		    "version %u refused by name: %s", v, err.msg);
		free(p);
	}

	p = copy(&v4);
	tdq_put16(p + TDQ_OFF_ATT_KEY_TYPE, 3);
	ret = parse_bytes(p, v4.len, &err);
	tap(ret == TR_E_UNSUPPORTED && has(&err, "attestation key type 3") &&
	    has(&err, "ECDSA-384"), "key type 3 refused by name: %s", err.msg);
	free(p);

	p = copy(&v4);
	tdq_put32(p + TDQ_OFF_TEE_TYPE, 0);
	ret = parse_bytes(p, v4.len, &err);
	tap(ret == TR_E_UNSUPPORTED && has(&err, "TEE type 0x00000000") &&
	    has(&err, "SGX"), "TEE type 0 refused by name: %s", err.msg);
	free(p);

	p = copy(&v5);
	tdq_put16(p + TDQ_OFF_V5_BODY_TYPE, 1);
	ret = parse_bytes(p, v5.len, &err);
	tap(ret == TR_E_UNSUPPORTED && has(&err, "body type 1") &&
	    has(&err, "SGX enclave report"),
	    "v5 body type 1 refused by name: %s", err.msg);
	free(p);

	p = copy(&v5);
	tdq_put32(p + TDQ_OFF_V5_BODY_SIZE, 648);
	ret = parse_bytes(p, v5.len, &err);
	tap(ret == TR_E_MALFORMED && has(&err, "body size 648"),
	    "v5 TD 1.0 with body size 648 refused: %s", err.msg);
	free(p);

	p = copy(&v15);
	tdq_put32(p + TDQ_OFF_V5_BODY_SIZE, 584);
	ret = parse_bytes(p, v15.len, &err);
	tap(ret == TR_E_MALFORMED && has(&err, "body size 584"),
	    "v5 TD 1.5 with body size 584 refused: %s", err.msg);
	free(p);

	ret = parse_bytes(NULL, 0, &err);
	tap(ret == TR_E_TRUNCATED && has(&err, "header"),
	    "no bytes at all (NULL, 0): truncated header: %s", err.msg);

	/* Every truncation, from an exact-size heap copy so ASan sees overreads. */
	{
		const struct quote *all[] = { &v4, &v5, &v15 };
		size_t bad = 0, tried = 0;

		for (size_t s = 0; s < 3; s++)
			for (size_t len = 0; len < all[s]->len; len++) {
				uint8_t *t = malloc(len ? len : 1);

				memcpy(t, all[s]->bytes, len);
				if (parse_bytes(t, len, &err) == TR_OK ||
				    !err.msg[0])
					bad++;
				tried++;
				free(t);
			}
		tap(bad == 0, "%zu truncated quotes (every length 0..full-1): none parses, each with a message",
		    tried);
	}

	{
		static const uint32_t huge[] = { 0xffffffffu, 0xfffffff0u };

		for (size_t i = 0; i < 2; i++) {
			p = copy(&v4);
			tdq_put32(p + TDQ_OFF_SIGDATA_LEN(v4.signed_len), huge[i]);
			ret = parse_bytes(p, v4.len, &err);
			tap(ret == TR_E_TRUNCATED && has(&err, "signature data"),
			    "signature data length 0x%08x refused: %s", huge[i],
			    err.msg);
			free(p);
		}
	}

	{
		size_t real = v4.len - TDQ_OFF_CERT_DATA(v4.signed_len);
		const uint32_t size[] = { (uint32_t)real + 1, (uint32_t)real - 1,
					  0xffffffffu, 0xfffffff0u };

		for (size_t i = 0; i < sizeof(size) / sizeof(size[0]); i++) {
			p = copy(&v4);
			tdq_put32(p + TDQ_OFF_CERT_SIZE(v4.signed_len), size[i]);
			ret = parse_bytes(p, v4.len, &err);
			tap(ret < 0 && has(&err, "certification data size"),
			    "certification data size %u (real %zu) refused: %s",
			    size[i], real, err.msg);
			free(p);
		}
	}

	{
		uint8_t *t = malloc(v4.len + 1);

		memcpy(t, v4.bytes, v4.len);
		t[v4.len] = 0;
		ret = parse_bytes(t, v4.len + 1, &err);
		tap(ret == TR_E_MALFORMED && has(&err, "trailing"),
		    "one trailing byte refused: %s", err.msg);
		free(t);
	}

	{
		/* Signature data too short for its fixed part, lengths consistent. */
		size_t len = v4.signed_len + 4 + 10;
		uint8_t *t = malloc(len);

		memcpy(t, v4.bytes, len);
		tdq_put32(t + TDQ_OFF_SIGDATA_LEN(v4.signed_len), 10);
		ret = parse_bytes(t, len, &err);
		tap(ret == TR_E_MALFORMED && has(&err, "signature data length 10"),
		    "signature data of 10 bytes refused: %s", err.msg);
		free(t);
	}

	{
		size_t len = TR_TDQ_MAX_SIZE + 1;
		uint8_t *t = calloc(1, len);

		memcpy(t, v4.bytes, v4.len);
		ret = parse_bytes(t, len, &err);
		tap(ret == TR_E_LIMIT, "a quote above TR_TDQ_MAX_SIZE refused: %s",
		    err.msg);
		free(t);
	}

	free(v4.bytes);
	free(v5.bytes);
	free(v15.bytes);
}

/* ---- signature -------------------------------------------------------- */

/* Parse @p, then check its signature: the check's status, or 1 if no parse. */
static int verify_bytes(const uint8_t *p, size_t len, struct tr_error *err)
{
	struct tr_td_quote t;

	memset(err, 0, sizeof(*err));
	if (tr_td_quote_parse(p, len, &t, err))
		return 1;
	return tr_td_quote_verify_signature(p, &t, err);
}

static void test_signature(void)
{
	for (size_t s = 0; s < N_SHAPES; s++) {
		struct tdq_build b;
		struct tr_error err;
		struct quote q;
		int ret;

		fill_build(&b, shapes[s].version, shapes[s].body_type);
		q = make_quote(&b, key);
		ret = verify_bytes(q.bytes, q.len, &err);
		tap(ret == TR_OK, "%s: signature verifies (%s)", shapes[s].name,
		    err.msg);

		{
			const struct {
				size_t off;
				const char *what;
			} flip[] = {
				{ TDQ_OFF_USER_DATA + 3, "header (user data)" },
				{ TDQ_OFF_QE_SVN, "header (QE SVN)" },
				{ q.body_off + TDQ_B_MRSEAM + 5, "body (MRSEAM)" },
				{ q.body_off + TDQ_B_RTMR(3) + 47, "body (RTMR3)" },
				{ q.body_off + TDQ_B_REPORTDATA, "REPORTDATA" },
				{ TDQ_OFF_SIG(q.signed_len) + 31, "signature r" },
				{ TDQ_OFF_SIG(q.signed_len) + 40, "signature s" },
			};

			for (size_t i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
				uint8_t *p = copy(&q);

				p[flip[i].off] ^= 0x01;
				ret = verify_bytes(p, q.len, &err);
				tap(ret == TR_E_NOMATCH,
				    "%s: a flipped bit in the %s fails the signature: %s",
				    shapes[s].name, flip[i].what, err.msg);
				free(p);
			}
		}
		{
			uint8_t *p = copy(&q);

			tdq_key_xy(other_key, p + TDQ_OFF_KEY(q.signed_len));
			ret = verify_bytes(p, q.len, &err);
			tap(ret == TR_E_NOMATCH, "%s: another key fails: %s",
			    shapes[s].name, err.msg);
			free(p);
		}

		{
			uint8_t *p = copy(&q);

			p[TDQ_OFF_KEY(q.signed_len) + 63] ^= 0x01;	/* y off the curve */
			ret = verify_bytes(p, q.len, &err);
			tap(ret == TR_E_NOMATCH || ret == TR_E_CRYPTO,
			    "%s: a key not on the curve fails: %s",
			    shapes[s].name, err.msg);
			memset(p + TDQ_OFF_KEY(q.signed_len), 0, 64);
			ret = verify_bytes(p, q.len, &err);
			tap(ret == TR_E_NOMATCH || ret == TR_E_CRYPTO,
			    "%s: an all-zero key fails: %s", shapes[s].name,
			    err.msg);
			free(p);
		}

		{
			uint8_t *p = copy(&q);

			/* r = 0 and s = 0 are out of range, never valid. */
			memset(p + TDQ_OFF_SIG(q.signed_len), 0, 64);
			ret = verify_bytes(p, q.len, &err);
			tap(ret == TR_E_NOMATCH, "%s: r = s = 0 fails: %s",
			    shapes[s].name, err.msg);
			memset(p + TDQ_OFF_SIG(q.signed_len), 0xff, 64);
			ret = verify_bytes(p, q.len, &err);
			tap(ret == TR_E_NOMATCH, "%s: r, s above the order fail: %s",
			    shapes[s].name, err.msg);
			free(p);
		}
		free(q.bytes);
	}
}

/* ---- RTMR replay: CCEL + runtime log ---------------------------------- */

struct td_logs {
	struct tr_log *ccel, *rt;
	uint8_t ccel_digest[3][48];	/* CC index 1, 2, 3 */
	uint8_t rt_digest[3][48];	/* runtime: CC 4, CC 3, CC 4 */
	uint32_t rt_index[3];
};

static struct tr_log *parse_log(const struct tr_buf *b, bool trim)
{
	struct tr_parse_opts opts = { .trim_end_marker = trim };
	struct tr_error err = { 0 };
	struct tr_log *log = NULL;

	if (tr_log_parse(b->data, b->len, &opts, &log, &err)) {
		fprintf(stderr, "log does not parse: %s\n", err.msg);
		exit(2);
	}
	return log;
}

/*
 * CCEL: MRTD-style CC 0 record, EV_NO_ACTION, then CC 1, 2, 3; 0xFF
 * filling after it as in the ACPI table. Runtime: CC 4, CC 3, CC 4.
 */
static void make_td_logs(struct td_logs *l, int tamper_ccel)
{
	static const uint32_t rt_index[3] = { 4, 3, 4 };
	struct tr_buf fw = { 0 }, rt = { 0 };
	uint8_t d[48], ff[64];

	memset(l, 0, sizeof(*l));
	tr_build_header(&fw, sha384_only, 1);
	evp("SHA384", "mrtd", 4, "", 0, d);
	tr_build_record(&fw, 0, 0x80000008u, sha384_only, 1, d, "mrtd", 4);
	evp("SHA384", "noaction", 8, "", 0, d);
	tr_build_record(&fw, 2, TR_EV_NO_ACTION, sha384_only, 1, d, "na", 2);
	for (int i = 0; i < 3; i++) {
		char ev[] = "fw-0";

		ev[3] = (char)('1' + i);
		evp("SHA384", ev, 4, "", 0, l->ccel_digest[i]);
		memcpy(d, l->ccel_digest[i], 48);
		if (tamper_ccel && i == 1)
			d[0] ^= 1;
		tr_build_record(&fw, (uint32_t)i + 1, 0x80000001u, sha384_only, 1,
				d, ev, 4);
	}
	memset(ff, 0xff, sizeof(ff));
	tr_buf_put(&fw, ff, sizeof(ff));
	l->ccel = parse_log(&fw, true);

	tr_build_header(&rt, sha384_only, 1);
	for (int i = 0; i < 3; i++) {
		char ev[] = "rt-0";

		ev[3] = (char)('1' + i);
		evp("SHA384", ev, 4, "", 0, l->rt_digest[i]);
		l->rt_index[i] = rt_index[i];
		tr_build_record(&rt, rt_index[i], TR_EV_EVENT_TAG, sha384_only, 1,
				l->rt_digest[i], ev, 4);
	}
	l->rt = parse_log(&rt, false);
	tr_buf_free(&fw);
	tr_buf_free(&rt);
}

static void free_td_logs(struct td_logs *l)
{
	tr_log_free(l->ccel);
	tr_log_free(l->rt);
}

/* RTMR 0-3 after the CCEL (if @with_ccel) and the first @k runtime records. */
static void expected_rtmrs(const struct td_logs *l, bool with_ccel, size_t k,
			   uint8_t rtmr[4][48])
{
	memset(rtmr, 0, 4 * 48);
	if (with_ccel)
		for (int i = 0; i < 3; i++)
			extend(rtmr[i], l->ccel_digest[i]);	/* CC i+1 = RTMR i */
	for (size_t i = 0; i < k; i++)
		extend(rtmr[l->rt_index[i] - 1], l->rt_digest[i]);
}

/* A parsed quote whose RTMRs are @rtmr (the quote itself is not needed). */
static struct tr_td_quote quote_with(uint8_t rtmr[4][48])
{
	struct tr_td_quote t;

	memset(&t, 0, sizeof(t));
	memcpy(t.rtmr, rtmr, sizeof(t.rtmr));
	return t;
}

static void test_find_prefix(void)
{
	struct td_logs l;
	uint8_t rtmr[4][48];
	struct tr_td_quote t;
	struct tr_error err;
	size_t best;
	int ret;

	make_td_logs(&l, 0);
	for (size_t k = 0; k <= 3; k++) {
		expected_rtmrs(&l, true, k, rtmr);
		t = quote_with(rtmr);
		best = 99;
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, l.ccel, l.rt, &best, &err);
		tap(ret == TR_OK && best == k,
		    "CCEL + %zu of 3 runtime records: best %zu (%s)", k, best,
		    err.msg);
	}

	/* The prefix is found from a real quote's RTMRs too. */
	{
		struct tdq_build b;
		struct tr_td_quote tq;
		struct quote q;

		fill_build(&b, 4, 0);
		expected_rtmrs(&l, true, 3, b.rtmr);
		q = make_quote(&b, key);
		best = 99;
		memset(&err, 0, sizeof(err));
		ret = tr_td_quote_parse(q.bytes, q.len, &tq, &err) ||
		      tr_td_find_prefix(&tq, l.ccel, l.rt, &best, &err);
		tap(ret == TR_OK && best == 3, "a built quote's RTMRs: best 3 (%s)",
		    err.msg);
		free(q.bytes);
	}

	expected_rtmrs(&l, true, 3, rtmr);
	{
		uint8_t behind[48];

		evp("SHA384", "behind", 6, "", 0, behind);
		extend(rtmr[3], behind);
	}
	t = quote_with(rtmr);
	memset(&err, 0, sizeof(err));
	ret = tr_td_find_prefix(&t, l.ccel, l.rt, &best, &err);
	tap(ret == TR_E_NOMATCH && has(&err, "RTMR 3 after both logs"),
	    "RTMR3 extended behind the log: no match: %s", err.msg);

	/* RTMR 0-2 only from the runtime log: a quote without CCEL part fails. */
	expected_rtmrs(&l, false, 3, rtmr);
	t = quote_with(rtmr);
	memset(&err, 0, sizeof(err));
	ret = tr_td_find_prefix(&t, l.ccel, l.rt, &best, &err);
	tap(ret == TR_E_NOMATCH && has(&err, "CCEL"),
	    "a quote that leaves out the CCEL does not match: %s", err.msg);

	/* No CCEL: RTMR 0-2 start at zero; the runtime log alone explains them. */
	for (size_t k = 0; k <= 3; k += 3) {
		expected_rtmrs(&l, false, k, rtmr);
		t = quote_with(rtmr);
		best = 99;
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, NULL, l.rt, &best, &err);
		tap(ret == TR_OK && best == k, "no CCEL, %zu runtime records: best %zu (%s)",
		    k, best, err.msg);
	}
	free_td_logs(&l);

	/* A CCEL record's digest changed: the CCEL no longer replays. */
	{
		struct td_logs bad;

		make_td_logs(&l, 0);
		make_td_logs(&bad, 1);
		expected_rtmrs(&l, true, 3, rtmr);
		t = quote_with(rtmr);
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, bad.ccel, bad.rt, &best, &err);
		tap(ret == TR_E_NOMATCH && has(&err, "RTMR 1 differs after the CCEL alone"),
		    "a CCEL record's digest changed: no match: %s", err.msg);
		free_td_logs(&bad);
		free_td_logs(&l);
	}

	/* Runtime records of an index above 4 touch no RTMR. */
	{
		struct tr_buf rt = { 0 };
		struct tr_log *rtl;
		uint8_t d[3][48];
		static const uint32_t idx[3] = { 4, 5, 4 };

		tr_build_header(&rt, sha384_only, 1);
		for (int i = 0; i < 3; i++) {
			evp("SHA384", &i, 1, "x", 1, d[i]);
			tr_build_record(&rt, idx[i], TR_EV_EVENT_TAG, sha384_only,
					1, d[i], "x", 1);
		}
		rtl = parse_log(&rt, false);
		memset(rtmr, 0, sizeof(rtmr));
		extend(rtmr[3], d[0]);
		t = quote_with(rtmr);
		best = 99;
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, NULL, rtl, &best, &err);
		tap(ret == TR_OK && best == 2,
		    "a record of log index 5 touches no RTMR: best 2 (%s)", err.msg);
		tr_log_free(rtl);
		tr_buf_free(&rt);
	}

	/* A log without SHA-384. */
	{
		struct tr_buf rt = { 0 }, rt2 = { 0 };
		struct tr_log *rtl, *rtl2;

		make_td_logs(&l, 0);
		tr_build_header(&rt, sha256_only, 1);
		tr_build_record_hashed(&rt, 4, 6, sha256_only, 1, "x", 1);
		rtl = parse_log(&rt, false);
		memset(rtmr, 0, sizeof(rtmr));
		t = quote_with(rtmr);
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, NULL, rtl, &best, &err);
		tap(ret == TR_E_UNSUPPORTED && has(&err, "SHA-384"),
		    "a runtime log without SHA-384: unsupported: %s", err.msg);
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, rtl, l.rt, &best, &err);
		tap(ret == TR_E_UNSUPPORTED && has(&err, "SHA-384"),
		    "a CCEL without SHA-384: unsupported: %s", err.msg);

		/* Two banks: SHA-384 is found wherever it is. */
		tr_build_header(&rt2, both_algs, 2);
		tr_build_record_hashed(&rt2, 4, 6, both_algs, 2, "y", 1);
		rtl2 = parse_log(&rt2, false);
		evp("SHA384", "y", 1, "", 0, rtmr[3]);
		{
			uint8_t zero[48] = { 0 };

			evp("SHA384", zero, 48, rtmr[3], 48, rtmr[3]);
		}
		t = quote_with(rtmr);
		best = 99;
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, NULL, rtl2, &best, &err);
		tap(ret == TR_OK && best == 1,
		    "a SHA-256 + SHA-384 runtime log replays its SHA-384 bank (%s)",
		    err.msg);
		memset(&err, 0, sizeof(err));
		ret = tr_td_find_prefix(&t, l.ccel, rtl2, &best, &err);
		tap(ret == TR_E_MALFORMED && has(&err, "different algorithms"),
		    "a CCEL and a runtime log with different banks are refused: %s",
		    err.msg);
		tr_log_free(rtl);
		tr_log_free(rtl2);
		tr_buf_free(&rt);
		tr_buf_free(&rt2);
		free_td_logs(&l);
	}
}

/* ---- data binding ----------------------------------------------------- */

static void test_binding(void)
{
	static const uint8_t event[] = "\x4c\x45\x41\x41\x05\0\0\0a b c";
	uint8_t digests[32 + 48], ev[sizeof(event) - 1];
	struct tr_buf b = { 0 };
	struct tr_log *log;

	memcpy(ev, event, sizeof(ev));
	evp("SHA256", ev, sizeof(ev), "", 0, digests);
	evp("SHA384", ev, sizeof(ev), "", 0, digests + 32);
	tr_build_header(&b, both_algs, 2);
	/* 0: bound */
	tr_build_record(&b, 4, TR_EV_EVENT_TAG, both_algs, 2, digests, ev,
			sizeof(ev));
	/* 1: an event byte changed, digests of the original */
	ev[12] ^= 0x20;
	tr_build_record(&b, 4, TR_EV_EVENT_TAG, both_algs, 2, digests, ev,
			sizeof(ev));
	ev[12] ^= 0x20;
	/* 2: the second bank wrong */
	digests[32 + 7] ^= 1;
	tr_build_record(&b, 4, TR_EV_EVENT_TAG, both_algs, 2, digests, ev,
			sizeof(ev));
	digests[32 + 7] ^= 1;
	/* 3: the first bank wrong */
	digests[0] ^= 1;
	tr_build_record(&b, 4, TR_EV_EVENT_TAG, both_algs, 2, digests, ev,
			sizeof(ev));
	digests[0] ^= 1;
	/* 4: an empty event, bound */
	evp("SHA256", "", 0, "", 0, digests);
	evp("SHA384", "", 0, "", 0, digests + 32);
	tr_build_record(&b, 4, 0xd, both_algs, 2, digests, "", 0);
	log = parse_log(&b, false);

	tap(tr_record_bound(log, &log->records[0]) == 1,
	    "EV_EVENT_TAG with the hashes of its data: bound");
	tap(tr_record_bound(log, &log->records[1]) == 0,
	    "an event byte changed: not bound");
	tap(tr_record_bound(log, &log->records[2]) == 0,
	    "the second bank's digest wrong: not bound");
	tap(tr_record_bound(log, &log->records[3]) == 0,
	    "the first bank's digest wrong: not bound");
	tap(tr_record_bound(log, &log->records[4]) == 1,
	    "an empty event with the hashes of nothing: bound");
	tr_log_free(log);
	tr_buf_free(&b);
}

/* ---- AAEL ------------------------------------------------------------- */

static void test_aael(void)
{
	static const char text[] = "domain operation some content";
	struct tr_buf out = { 0 }, lb = { 0 };
	struct tr_error err = { 0 };
	uint8_t want[8 + sizeof(text) - 1];
	size_t tlen = sizeof(text) - 1;
	struct tr_log *log;
	const char *got;
	size_t got_len;
	int ret;

	/* The published layout: u32 LE 0x4141454c ("LEAA"), u32 LE size, text. */
	want[0] = 0x4c; want[1] = 0x45; want[2] = 0x41; want[3] = 0x41;
	want[4] = (uint8_t)tlen; want[5] = 0; want[6] = 0; want[7] = 0;
	memcpy(want + 8, text, tlen);
	ret = tr_aael_event(text, tlen, &out, &err);
	tap(ret == TR_OK && out.len == sizeof(want) &&
	    !memcmp(out.data, want, sizeof(want)),
	    "AAEL golden: '%s' is 4c 45 41 41, u32 %zu, text (%s)", text, tlen,
	    err.msg);

	/* Round trip through a log, and the record is bound. */
	{
		uint8_t d[48];
		uint8_t other[8 + 5] = { 0x4c, 0x45, 0x41, 0x42, 5, 0, 0, 0,
					 'a', ' ', 'b', ' ', 'c' };

		evp("SHA384", want, sizeof(want), "", 0, d);
		tr_build_header(&lb, sha384_only, 1);
		tr_build_record(&lb, 4, TR_EV_EVENT_TAG, sha384_only, 1, d, want,
				sizeof(want));
		/* not AAEL: another tag, a size field off by one, another type */
		tr_build_record_hashed(&lb, 4, TR_EV_EVENT_TAG, sha384_only, 1,
				       other, sizeof(other));
		other[3] = 0x41;
		other[4] = 4;
		tr_build_record_hashed(&lb, 4, TR_EV_EVENT_TAG, sha384_only, 1,
				       other, sizeof(other));
		tr_build_record_hashed(&lb, 4, 0xd, sha384_only, 1, want,
				       sizeof(want));
		tr_build_record_hashed(&lb, 4, TR_EV_EVENT_TAG, sha384_only, 1,
				       "AAE", 3);
		log = parse_log(&lb, false);
		got = NULL;
		ret = tr_aael_text(log, &log->records[0], &got, &got_len);
		tap(ret == 1 && got_len == tlen && !memcmp(got, text, tlen),
		    "tr_aael_text gives the text back");
		tap(tr_record_bound(log, &log->records[0]) == 1,
		    "the AAEL record with its SHA-384 is bound");
		tap(tr_aael_text(log, &log->records[1], &got, &got_len) == 0,
		    "another tag is not AAEL");
		tap(tr_aael_text(log, &log->records[2], &got, &got_len) == 0,
		    "a size field that is not the rest of the event is not AAEL");
		tap(tr_aael_text(log, &log->records[3], &got, &got_len) == 0,
		    "AAEL bytes in a record that is not EV_EVENT_TAG are not AAEL");
		tap(tr_aael_text(log, &log->records[4], &got, &got_len) == 0,
		    "a 3-byte EV_EVENT_TAG event is not AAEL");
		tr_log_free(log);
	}

	{
		static const struct {
			const char *text;
			size_t len;
			const char *what;
		} bad[] = {
			{ "", 0, "empty" },
			{ "a b", 3, "two fields" },
			{ "a  b c", 6, "two spaces after DOMAIN" },
			{ "a b  c", 6, "two spaces after OPERATION" },
			{ "a b\0c", 5, "a NUL" },
			{ "a b c\0", 6, "a trailing NUL" },
			{ " a b c", 6, "a leading space" },
			{ "a b ", 4, "empty CONTENT" },
			{ "ab", 2, "one field" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct tr_buf o = { 0 };

			memset(&err, 0, sizeof(err));
			ret = tr_aael_event(bad[i].text, bad[i].len, &o, &err);
			tap(ret == TR_E_INVAL && err.msg[0] && o.len == 0,
			    "AAEL text refused: %s: %s", bad[i].what, err.msg);
			tr_buf_free(&o);
		}
	}

	{
		struct tr_buf o = { 0 };
		static const char ok[] = "a b content with  spaces ";

		memset(&err, 0, sizeof(err));
		ret = tr_aael_event(ok, sizeof(ok) - 1, &o, &err);
		tap(ret == TR_OK && o.len == 8 + sizeof(ok) - 1,
		    "CONTENT may hold spaces (%s)", err.msg);
		tr_buf_free(&o);
	}

	{
		size_t len = TR_AAEL_MAX_TEXT + 1;
		char *big = malloc(len);
		struct tr_buf o = { 0 };

		memset(big, 'c', len);
		big[1] = ' ';
		big[3] = ' ';
		ret = tr_aael_event(big, len, &o, &err);
		tap(ret == TR_E_INVAL && o.len == 0,
		    "AAEL text above TR_AAEL_MAX_TEXT refused: %s", err.msg);
		memset(&err, 0, sizeof(err));
		ret = tr_aael_event(big, len - 1, &o, &err);
		tap(ret == TR_OK && o.len == len - 1 + 8,
		    "AAEL text of TR_AAEL_MAX_TEXT bytes accepted (%s)", err.msg);
		tr_buf_free(&o);
		free(big);
	}
	tr_buf_free(&out);
	tr_buf_free(&lb);
}

/* ---- configfs-tsm reports --------------------------------------------- */

static size_t dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return (size_t)-1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}


/*
 * A fake configfs-tsm report directory, for the paths a plain directory
 * cannot reach. mkdir() and rmdir() are interposed (the library's calls
 * resolve to these): while fake.on, mkdir populates the new directory
 * as configfs-tsm would show it: inblob (a regular file that keeps what
 * is written), provider, generation, and outblob as a FIFO. A thread
 * writes outblob once the library opens it, after setting generation to
 * its second value: so the library sees gen[0] before its write and
 * gen[1] after reading outblob, as with a kernel that counts one write
 * (or a racing writer, when gen[1] says so). rmdir collects inblob,
 * removes the files and the directory.
 */
static struct {
	bool on;
	const char *gen[2];
	const uint8_t *outblob;
	size_t outblob_len;
	char dir[512];
	pthread_t thread;
	bool thread_running;
	int writer_open;		/* atomic: the thread opened outblob */
	uint8_t inblob[256];
	ssize_t inblob_len;
} fake;

static void fake_path(char *out, const char *name)
{
	snprintf(out, 600, "%s/%s", fake.dir, name);
}

static int put_file(const char *name, const char *text)
{
	char path[600], tmp[608];
	int fd, ok;

	fake_path(path, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? rename(tmp, path) : -1;	/* atomic for the reader */
}

static void *outblob_writer(void *arg)
{
	char path[600];
	size_t off = 0;
	int fd;

	(void)arg;
	fake_path(path, "outblob");
	fd = open(path, O_WRONLY);	/* until the library opens it */
	__atomic_store_n(&fake.writer_open, 1, __ATOMIC_SEQ_CST);
	if (fd < 0)
		return NULL;
	put_file("generation", fake.gen[1]);
	while (off < fake.outblob_len) {
		ssize_t n = write(fd, fake.outblob + off, fake.outblob_len - off);

		if (n <= 0)
			break;		/* EPIPE: the reader gave up */
		off += (size_t)n;
	}
	close(fd);
	return NULL;
}

int mkdir(const char *path, mode_t mode)
{
	char p[600];

	if (mkdirat(AT_FDCWD, path, mode))
		return -1;
	if (!fake.on)
		return 0;
	snprintf(fake.dir, sizeof(fake.dir), "%s", path);
	fake_path(p, "inblob");
	close(open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600));
	fake_path(p, "outblob");
	mkfifo(p, 0600);
	put_file("provider", "tdx_emu\n");
	put_file("generation", fake.gen[0]);
	fake.inblob_len = -1;
	__atomic_store_n(&fake.writer_open, 0, __ATOMIC_SEQ_CST);
	fake.thread_running = !pthread_create(&fake.thread, NULL,
					      outblob_writer, NULL);
	return 0;
}

int rmdir(const char *path)
{
	static const char *const files[] = { "inblob", "outblob", "provider",
					     "generation" };
	char p[600];
	int fd;

	if (fake.on && !strcmp(path, fake.dir)) {
		if (fake.thread_running) {
			/* The library never opened outblob: let the writer go. */
			fake_path(p, "outblob");
			if (!__atomic_load_n(&fake.writer_open, __ATOMIC_SEQ_CST)) {
				char sink[4096];

				fd = open(p, O_RDONLY);
				while (fd >= 0 && read(fd, sink, sizeof(sink)) > 0)
					;
				if (fd >= 0)
					close(fd);
			}
			pthread_join(fake.thread, NULL);
			fake.thread_running = false;
		}
		fake_path(p, "inblob");
		fd = open(p, O_RDONLY);
		fake.inblob_len = fd < 0 ? -1 :
				  read(fd, fake.inblob, sizeof(fake.inblob));
		if (fd >= 0)
			close(fd);
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			fake_path(p, files[i]);
			unlink(p);
		}
	}
	return unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

static void test_report_fake(const char *root)
{
	static const struct {
		const char *gen0, *gen1;
		size_t outblob_len;
		int want;
		const char *what;
	} cases[] = {
		{ "0\n", "1\n", 0, 0, "generation moved by our one write: the quote" },
		{ "5\n", "6\n", 300000, 0, "an outblob of 300000 bytes, read whole" },
		{ "0\n", "1\n", TR_TDQ_MAX_SIZE, 0, "an outblob of TR_TDQ_MAX_SIZE bytes" },
		{ "0\n", "1\n", TR_TDQ_MAX_SIZE + 1, -EFBIG, "an outblob above TR_TDQ_MAX_SIZE: -EFBIG" },
		{ "0\n", "0\n", 0, -EAGAIN, "generation did not move (our write was lost): -EAGAIN" },
		{ "0\n", "2\n", 0, -EAGAIN, "generation moved twice (a racing writer): -EAGAIN" },
		{ "x\n", "1\n", 0, -EIO, "generation not a number: -EIO" },
	};
	struct tdq_build b;
	struct quote q;
	uint8_t rd[64];

	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(0xa0 + i);
	fill_build(&b, 4, 0);
	memcpy(b.reportdata, rd, 64);
	q = make_quote(&b, key);
	signal(SIGPIPE, SIG_IGN);
	setenv("TSM_RTMR_TSM_REPORT", root, 1);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		uint8_t *big = NULL, *quote = NULL;
		size_t qlen = 0;
		char provider[32] = "unset";
		int ret;

		fake.gen[0] = cases[c].gen0;
		fake.gen[1] = cases[c].gen1;
		fake.outblob = q.bytes;
		fake.outblob_len = q.len;
		if (cases[c].outblob_len) {
			big = malloc(cases[c].outblob_len);
			for (size_t j = 0; j < cases[c].outblob_len; j++)
				big[j] = (uint8_t)(j * 7 + j / 251);
			fake.outblob = big;
			fake.outblob_len = cases[c].outblob_len;
		}
		fake.on = true;
		ret = tr_tsm_report(rd, sizeof(rd), &quote, &qlen, provider,
				    sizeof(provider));
		fake.on = false;
		if (cases[c].want == 0)
			tap(ret == 0 && qlen == fake.outblob_len &&
			    !memcmp(quote, fake.outblob, qlen) &&
			    !strcmp(provider, "tdx_emu") &&
			    fake.inblob_len == 64 && !memcmp(fake.inblob, rd, 64) &&
			    dir_entries(root) == 0,
			    "fake configfs-tsm: %s (%d; inblob %zd bytes, provider '%s')",
			    cases[c].what, ret, fake.inblob_len, provider);
		else
			tap(ret == cases[c].want && !quote && qlen == 0 &&
			    dir_entries(root) == 0,
			    "fake configfs-tsm: %s (%d), nothing left behind",
			    cases[c].what, ret);
		free(quote);
		free(big);
	}
	free(q.bytes);
}

static void test_report(void)
{
	uint8_t rd[64] = { 1, 2, 3 };
	uint8_t *quote = (uint8_t *)1;
	size_t qlen = 7;
	char provider[32] = "x", tmpl[] = "/tmp/test_td.XXXXXX", *tmp;
	int ret;

	setenv("TSM_RTMR_TSM_REPORT", "/nonexistent/tsm/report", 1);
	tap(!strcmp(tr_tsm_report_root(), "/nonexistent/tsm/report"),
	    "$TSM_RTMR_TSM_REPORT sets the report root");
	ret = tr_tsm_report(rd, sizeof(rd), &quote, &qlen, provider,
			    sizeof(provider));
	tap(ret == -ENOENT && !quote && qlen == 0,
	    "a report root that does not exist: -ENOENT (%d)", ret);

	tmp = mkdtemp(tmpl);
	if (!tmp) {
		tap(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	setenv("TSM_RTMR_TSM_REPORT", tmp, 1);
	quote = (uint8_t *)1;
	ret = tr_tsm_report(rd, sizeof(rd), &quote, &qlen, provider,
			    sizeof(provider));
	tap(ret < 0 && !quote && dir_entries(tmp) == 0,
	    "a plain directory (no configfs attributes): fails (%d) and leaves nothing behind",
	    ret);
	ret = tr_tsm_report(rd, 32, &quote, &qlen, NULL, 0);
	tap(ret == -EINVAL && dir_entries(tmp) == 0,
	    "REPORTDATA of 32 bytes: -EINVAL, no directory made");
	test_report_fake(tmp);
	rmdir(tmp);
	unsetenv("TSM_RTMR_TSM_REPORT");
	tap(!strcmp(tr_tsm_report_root(), "/sys/kernel/config/tsm/report"),
	    "the default report root");
}

int main(void)
{
	key = tdq_key_new();
	other_key = tdq_key_new();
	if (!key || !other_key) {
		fprintf(stderr, "cannot make P-256 keys\n");
		return 2;
	}
	test_parse_valid();
	test_parse_refusals();
	test_signature();
	test_find_prefix();
	test_binding();
	test_aael();
	test_report();
	EVP_PKEY_free(key);
	EVP_PKEY_free(other_key);
	return tap_done();
}
