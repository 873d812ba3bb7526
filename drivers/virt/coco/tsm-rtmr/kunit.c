// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suites for the tsm-rtmr core, built into tsm_rtmr.ko when
 * CONFIG_TSM_RTMR_KUNIT_TEST=y and run when it loads: digest parsing,
 * record and header serialisation, log bookkeeping, and the commit path
 * with a fake provider (every fault mode, a failing read, a sleeping
 * provider).
 */

#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tpm.h>

#include "compat.h"
#include "tsm-rtmr-core.h"

/* Offset of the first byte where @a and @b differ, or -1 (no MEMEQ in 6.1). */
static long first_diff(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return i;
	return -1;
}

#define EXPECT_MEMEQ(test, a, b, n)					\
	KUNIT_EXPECT_EQ_MSG(test, first_diff(a, b, n), -1L,		\
			    "%s and %s differ at that offset", #a, #b)
#define ASSERT_MEMEQ(test, a, b, n)					\
	KUNIT_ASSERT_EQ_MSG(test, first_diff(a, b, n), -1L,		\
			    "%s and %s differ at that offset", #a, #b)

/* ---------------------------------------------------------------------
 * Digest parsing
 */

#define HEX48	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
#define HEX48U	"000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F"
#define HEX32	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define HEX64	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"

struct digest_fixture {
	const struct tsm_rtmr_alg_info *one[1];		/* sha384 */
	const struct tsm_rtmr_alg_info *two[2];		/* sha256 sha384 */
	u8 out[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
};

static int digest_init(struct kunit *test)
{
	struct digest_fixture *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->one[0] = tsm_rtmr_alg_by_id(TPM_ALG_SHA384);
	f->two[0] = tsm_rtmr_alg_by_id(TPM_ALG_SHA256);
	f->two[1] = f->one[0];
	KUNIT_ASSERT_NOT_NULL(test, f->one[0]);
	KUNIT_ASSERT_NOT_NULL(test, f->two[0]);
	test->priv = f;
	return 0;
}

static int parse1(struct kunit *test, const char *s, size_t len)
{
	struct digest_fixture *f = test->priv;

	return tsm_rtmr_parse_digests(f->one, 1, s, len, f->out);
}

static int parse2(struct kunit *test, const char *s, size_t len)
{
	struct digest_fixture *f = test->priv;

	return tsm_rtmr_parse_digests(f->two, 2, s, len, f->out);
}

static int P1(struct kunit *test, const char *s)
{
	return parse1(test, s, strlen(s));
}

static int P2(struct kunit *test, const char *s)
{
	return parse2(test, s, strlen(s));
}

static void expect_seq(struct kunit *test, const u8 *p, size_t n, u8 first)
{
	size_t i;

	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, p[i], (u8)(first + i), "byte %zu", i);
}

static void digest_malformed(struct kunit *test)
{
	static const char nul[] = "sha384:" HEX48;
	char buf[sizeof(nul)];

	/* empty, and whitespace only */
	KUNIT_EXPECT_EQ(test, P1(test, ""), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "\n"), -EINVAL);
	KUNIT_EXPECT_EQ(test, P2(test, " \t\n"), -EINVAL);
	/* missing algorithm: one of two banks */
	KUNIT_EXPECT_EQ(test, P2(test, "sha256:" HEX32), -EINVAL);
	KUNIT_EXPECT_EQ(test, P2(test, "sha384:" HEX48), -EINVAL);
	/* repeated algorithm */
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:" HEX48 " sha384:" HEX48),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, P2(test, "sha256:" HEX32 " sha256:" HEX32
				 " sha384:" HEX48), -EINVAL);
	/* a bare digest next to a named one of the same bank */
	KUNIT_EXPECT_EQ(test, P1(test, HEX48 " sha384:" HEX48), -EINVAL);
	/* unknown algorithm, empty name, case of the name */
	KUNIT_EXPECT_EQ(test, P1(test, "md5:" HEX48), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, ":" HEX48), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "SHA384:" HEX48), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha38:" HEX48), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha3844:" HEX48), -EINVAL);
	/* known algorithm the provider does not use */
	KUNIT_EXPECT_EQ(test, P1(test, "sha512:" HEX64), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha256:" HEX32), -EINVAL);
	KUNIT_EXPECT_EQ(test, P2(test, "sha1:0001020304050607080910111213141516171819 sha256:"
				 HEX32 " sha384:" HEX48), -EINVAL);
	/* wrong length: short, long, odd, empty */
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:" HEX32), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:" HEX48 "00"), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:" HEX48 "0"), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse1(test, "sha384:" HEX48, 7 + 95), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:"), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha384: " HEX48), -EINVAL);
	/* non-hex */
	strscpy(buf, nul, sizeof(buf));
	buf[7 + 10] = 'g';
	KUNIT_EXPECT_EQ(test, P1(test, buf), -EINVAL);
	buf[7 + 10] = 'x';
	KUNIT_EXPECT_EQ(test, P1(test, buf), -EINVAL);
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:0x" HEX48), -EINVAL);
	/* bare hex with two banks */
	KUNIT_EXPECT_EQ(test, P2(test, HEX48), -EINVAL);
	KUNIT_EXPECT_EQ(test, P2(test, HEX32 " " HEX48), -EINVAL);
	/* a NUL byte inside the digest, and after it */
	strscpy(buf, nul, sizeof(buf));
	buf[7 + 20] = '\0';
	KUNIT_EXPECT_EQ(test, parse1(test, buf, sizeof(nul) - 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse1(test, nul, sizeof(nul)), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse1(test, "\0", 1), -EINVAL);
	/* a second colon */
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:sha384:" HEX48), -EINVAL);
}

static void digest_wellformed(struct kunit *test)
{
	struct digest_fixture *f = test->priv;

	/* bare hex with one bank */
	memset(f->out, 0xee, sizeof(f->out));
	KUNIT_EXPECT_EQ(test, P1(test, HEX48), 0);
	expect_seq(test, f->out, 48, 0);
	KUNIT_EXPECT_EQ(test, f->out[48], 0xee);
	/* upper-case hex, trailing newline, surrounding whitespace */
	memset(f->out, 0, sizeof(f->out));
	KUNIT_EXPECT_EQ(test, P1(test, "sha384:" HEX48U "\n"), 0);
	expect_seq(test, f->out, 48, 0);
	KUNIT_EXPECT_EQ(test, P1(test, HEX48U "\n"), 0);
	KUNIT_EXPECT_EQ(test, P1(test, "\t " HEX48 "\n\n"), 0);
	/* two banks in either order land in bank order */
	memset(f->out, 0, sizeof(f->out));
	KUNIT_EXPECT_EQ(test, P2(test, "sha384:" HEX48 "  sha256:" HEX32 "\n"),
			0);
	expect_seq(test, f->out, 32, 0xa0);
	expect_seq(test, f->out + 32, 48, 0);
	memset(f->out, 0, sizeof(f->out));
	KUNIT_EXPECT_EQ(test, P2(test, "sha256:" HEX32 "\tsha384:" HEX48U), 0);
	expect_seq(test, f->out, 32, 0xa0);
	expect_seq(test, f->out + 32, 48, 0);
}

static void digest_alg_table(struct kunit *test)
{
	/* TPM id, digest size and ABI name: the log's bytes; crypto API name */
	static const struct {
		u16 id;
		int size;
		const char *name;
		const char *crypto;
	} t[] = {
		{ 0x0004, 20, "sha1", "sha1" },
		{ 0x000b, 32, "sha256", "sha256" },
		{ 0x000c, 48, "sha384", "sha384" },
		{ 0x000d, 64, "sha512", "sha512" },
		{ 0x0012, 32, "sm3_256", "sm3" },
	};
	const struct tsm_rtmr_alg_info *a;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		a = tsm_rtmr_alg_by_id(t[i].id);
		KUNIT_ASSERT_NOT_NULL(test, a);
		KUNIT_EXPECT_EQ(test, a->alg_id, t[i].id);
		KUNIT_EXPECT_EQ(test, tsm_rtmr_alg_size(a), t[i].size);
		KUNIT_EXPECT_LE(test, tsm_rtmr_alg_size(a),
				TSM_RTMR_MAX_DIGEST);
		KUNIT_EXPECT_STREQ(test, a->name, t[i].name);
		KUNIT_EXPECT_STREQ(test, hash_algo_name[a->hash_algo],
				   t[i].crypto);
		KUNIT_EXPECT_PTR_EQ(test, tsm_rtmr_alg_by_name(t[i].name,
							       strlen(t[i].name)), a);
	}
	KUNIT_EXPECT_NULL(test, tsm_rtmr_alg_by_id(0));
	KUNIT_EXPECT_NULL(test, tsm_rtmr_alg_by_id(0x0010));
	KUNIT_EXPECT_NULL(test, tsm_rtmr_alg_by_name("sha", 3));
	KUNIT_EXPECT_NULL(test, tsm_rtmr_alg_by_name("sha2567", 7));
}

static struct kunit_case digest_cases[] = {
	KUNIT_CASE(digest_malformed),
	KUNIT_CASE(digest_wellformed),
	KUNIT_CASE(digest_alg_table),
	{}
};

static struct kunit_suite digest_suite = {
	.name = "tsm_rtmr_digest",
	.init = digest_init,
	.test_cases = digest_cases,
};

/* ---------------------------------------------------------------------
 * Record, header and ascii serialisation, against hand-computed bytes
 */

static void fake_dev_algs(struct tsm_rtmr_dev *dev, const u16 *ids,
			  unsigned int n, unsigned int offset)
{
	unsigned int i;

	memset(dev, 0, sizeof(*dev));
	dev->nr_algs = n;
	for (i = 0; i < n; i++) {
		dev->algs[i] = tsm_rtmr_alg_by_id(ids[i]);
		dev->digests_size += tsm_rtmr_alg_size(dev->algs[i]);
	}
	dev->log_index_offset = offset;
}

static void record_sha1(struct kunit *test)
{
	static const u16 ids[] = { TPM_ALG_SHA1 };
	/* PCR 7 (+0), type 0x80000001, one SHA-1 digest 0x00..0x13, "ab" */
	static const u8 want[] = {
		0x07, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x80,
		0x01, 0x00, 0x00, 0x00,
		0x04, 0x00,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
		0x02, 0x00, 0x00, 0x00,
		'a', 'b',
	};
	struct tsm_rtmr_dev *dev;
	struct tsm_rtmr_entry e = {
		.index = 7, .event_type = 0x80000001, .event = "ab",
		.event_len = 2,
	};
	u8 digests[20], rec[sizeof(want) + 1];
	unsigned int i;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	fake_dev_algs(dev, ids, 1, 0);
	for (i = 0; i < sizeof(digests); i++)
		digests[i] = i;
	e.digests = digests;
	KUNIT_ASSERT_EQ(test, tsm_rtmr_record_size(dev, 2), sizeof(want));
	memset(rec, 0x5a, sizeof(rec));
	tsm_rtmr_build_record(dev, &e, rec);
	EXPECT_MEMEQ(test, rec, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, rec[sizeof(want)], 0x5a);	/* no overrun */
}

static void record_two_banks(struct kunit *test)
{
	static const u16 ids[] = { TPM_ALG_SHA256, TPM_ALG_SHA384 };
	static const u8 head[] = {
		0x03, 0x00, 0x00, 0x00,		/* register 2, offset 1 */
		0x06, 0x00, 0x00, 0x00,		/* EV_EVENT_TAG */
		0x02, 0x00, 0x00, 0x00,		/* two digests */
		0x0b, 0x00,			/* TPM_ALG_SHA256 */
	};
	struct tsm_rtmr_dev *dev;
	struct tsm_rtmr_entry e = { .index = 2, .event_type = 6 };
	u8 digests[80], rec[4 + 4 + 4 + 2 + 32 + 2 + 48 + 4 + 1];
	unsigned int i;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	fake_dev_algs(dev, ids, 2, 1);
	for (i = 0; i < sizeof(digests); i++)
		digests[i] = 0x80 + i;
	e.digests = digests;
	/* no event: size field 0, nothing after it */
	KUNIT_ASSERT_EQ(test, tsm_rtmr_record_size(dev, 0), sizeof(rec) - 1);
	memset(rec, 0x5a, sizeof(rec));
	tsm_rtmr_build_record(dev, &e, rec);
	EXPECT_MEMEQ(test, rec, head, sizeof(head));
	expect_seq(test, rec + 14, 32, 0x80);
	KUNIT_EXPECT_EQ(test, rec[46], 0x0c);		/* TPM_ALG_SHA384 */
	KUNIT_EXPECT_EQ(test, rec[47], 0x00);
	expect_seq(test, rec + 48, 48, 0x80 + 32);
	KUNIT_EXPECT_EQ(test, rec[96], 0);
	KUNIT_EXPECT_EQ(test, rec[97], 0);
	KUNIT_EXPECT_EQ(test, rec[98], 0);
	KUNIT_EXPECT_EQ(test, rec[99], 0);
	KUNIT_EXPECT_EQ(test, rec[100], 0x5a);
}

static void header_spec_id(struct kunit *test)
{
	static const u8 want[] = {
		0x00, 0x00, 0x00, 0x00,		/* PCR 0 */
		0x03, 0x00, 0x00, 0x00,		/* EV_NO_ACTION */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* SHA-1 digest: zero */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x25, 0x00, 0x00, 0x00,		/* event size 37 */
		'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ',
		'E', 'v', 'e', 'n', 't', '0', '3', 0x00,
		0x00, 0x00, 0x00, 0x00,		/* platformClass 0 */
		0x00, 0x02, 0x02, 0x02,		/* 2.0 errata 2, uintnSize 2 */
		0x02, 0x00, 0x00, 0x00,		/* numberOfAlgorithms */
		0x0b, 0x00, 0x20, 0x00,		/* sha256, 32 */
		0x0c, 0x00, 0x30, 0x00,		/* sha384, 48 */
		0x00,				/* vendorInfoSize */
	};
	const struct tsm_rtmr_alg_info *algs[2] = {
		tsm_rtmr_alg_by_id(TPM_ALG_SHA256),
		tsm_rtmr_alg_by_id(TPM_ALG_SHA384),
	};
	u8 hdr[sizeof(want) + 1];

	KUNIT_ASSERT_EQ(test, tsm_rtmr_header_size(2), sizeof(want));
	KUNIT_EXPECT_EQ(test, tsm_rtmr_header_size(1), sizeof(want) - 4);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_header_size(5), sizeof(want) + 12);
	memset(hdr, 0x5a, sizeof(hdr));
	tsm_rtmr_build_header(algs, 2, hdr);
	EXPECT_MEMEQ(test, hdr, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, hdr[sizeof(want)], 0x5a);
}

#define A_SHA1		"000102030405060708090a0b0c0d0e0f10111213"
#define A_SHA256	"1415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233"

static void ascii_line(struct kunit *test)
{
	static const u16 ids[] = { TPM_ALG_SHA1, TPM_ALG_SHA256 };
	static const char want[] =
		"12 4 0x0000000d sha1:" A_SHA1 " sha256:" A_SHA256 " 00ff41\n";
	static const char want_empty[] =
		"18446744073709551615 4294967295 0xffffffff sha1:" A_SHA1
		" sha256:" A_SHA256 " -\n";
	struct tsm_rtmr_dev *dev;
	struct tsm_rtmr_entry e = {
		.index = 3, .event_type = 0xd, .event = "\x00\xff\x41",
		.event_len = 3,
	};
	u8 digests[52], rec[128];
	char line[256];
	unsigned int i;
	size_t n;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	fake_dev_algs(dev, ids, 2, 1);
	for (i = 0; i < sizeof(digests); i++)
		digests[i] = i;
	e.digests = digests;
	tsm_rtmr_build_record(dev, &e, rec);
	n = tsm_rtmr_format_ascii(dev, 12, rec, line);
	KUNIT_EXPECT_EQ(test, n, sizeof(want) - 1);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_ascii_line_len(dev, 12, 4, 3), n);
	EXPECT_MEMEQ(test, line, want, sizeof(want) - 1);

	/* the widest numbers, no event data */
	dev->log_index_offset = 0;
	e.index = U32_MAX;
	e.event_type = U32_MAX;
	e.event_len = 0;
	tsm_rtmr_build_record(dev, &e, rec);
	n = tsm_rtmr_format_ascii(dev, U64_MAX, rec, line);
	KUNIT_EXPECT_EQ(test, n, sizeof(want_empty) - 1);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_ascii_line_len(dev, U64_MAX, U32_MAX, 0),
			n);
	EXPECT_MEMEQ(test, line, want_empty, sizeof(want_empty) - 1);
}

static struct kunit_case record_cases[] = {
	KUNIT_CASE(record_sha1),
	KUNIT_CASE(record_two_banks),
	KUNIT_CASE(header_spec_id),
	KUNIT_CASE(ascii_line),
	{}
};

static struct kunit_suite record_suite = {
	.name = "tsm_rtmr_record",
	.test_cases = record_cases,
};

/* ---------------------------------------------------------------------
 * Log bookkeeping
 */

struct log_fixture {
	struct tsm_rtmr_log log;
	u8 buf[3 * PAGE_SIZE];
	u8 back[3 * PAGE_SIZE];
};

/* Stage a record given in one piece. */
static int stage1(struct tsm_rtmr_log *log, const void *rec, size_t len,
		  size_t limit)
{
	struct kvec vec = { .iov_base = (void *)rec, .iov_len = len };
	struct iov_iter from;

	iov_iter_kvec(&from, ITER_SOURCE, &vec, 1, len);
	return tsm_rtmr_log_stage(log, &from, limit);
}

static int log_init_fixture(struct kunit *test)
{
	struct log_fixture *f;
	unsigned int i;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	for (i = 0; i < sizeof(f->buf); i++)
		f->buf[i] = i * 7 + 3;
	/* a 69-byte header, as for two banks */
	if (tsm_rtmr_log_init(&f->log, f->buf, 69))
		return -ENOMEM;
	test->priv = f;
	return 0;
}

static void log_exit_fixture(struct kunit *test)
{
	struct log_fixture *f = test->priv;

	tsm_rtmr_log_destroy(&f->log);
}

static void log_header(struct kunit *test)
{
	struct log_fixture *f = test->priv;

	KUNIT_EXPECT_EQ(test, f->log.len, 69);
	KUNIT_EXPECT_EQ(test, f->log.count, 0);
	KUNIT_EXPECT_EQ(test, f->log.ascii_len, 0);
	tsm_rtmr_log_copy(&f->log, 0, f->back, 69);
	EXPECT_MEMEQ(test, f->back, f->buf, 69);
}

/* Records of many sizes: offsets, page-spanning records, copy-back. */
static void log_offsets_across_pages(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	const size_t nr = 2 * (PAGE_SIZE / sizeof(struct tsm_rtmr_pos)) + 7;
	size_t bin = 69, ascii = 0, len, i;
	u8 *whole;

	whole = kunit_kmalloc(test, 69 + nr * 600, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, whole);
	memcpy(whole, f->buf, 69);
	for (i = 0; i < nr; i++) {
		len = 30 + (i * 37) % 570;
		KUNIT_ASSERT_EQ(test, stage1(&f->log, f->buf + i % 97,
					     len, SIZE_MAX), 0);
		/* staged bytes are not published */
		KUNIT_ASSERT_EQ(test, f->log.len, bin);
		KUNIT_ASSERT_EQ(test, tsm_rtmr_log_publish(&f->log, len,
							   len + 1, false),
				i);
		memcpy(whole + bin, f->buf + i % 97, len);
		bin += len;
		ascii += len + 1;
	}
	KUNIT_EXPECT_EQ(test, f->log.len, bin);
	KUNIT_EXPECT_EQ(test, f->log.ascii_len, ascii);
	KUNIT_EXPECT_EQ(test, f->log.count, nr);

	bin = 69;
	ascii = 0;
	for (i = 0; i < nr; i++) {
		struct tsm_rtmr_pos pos = tsm_rtmr_log_pos(&f->log, i);

		len = 30 + (i * 37) % 570;
		KUNIT_EXPECT_EQ_MSG(test, pos.bin, bin, "record %zu", i);
		KUNIT_EXPECT_EQ_MSG(test, pos.ascii, ascii, "record %zu", i);
		/* every byte of the line maps back to its record */
		KUNIT_EXPECT_EQ(test, tsm_rtmr_log_find_ascii(&f->log, nr,
							      ascii), i);
		KUNIT_EXPECT_EQ(test, tsm_rtmr_log_find_ascii(&f->log, nr,
							      ascii + len), i);
		bin += len;
		ascii += len + 1;
	}
	/* the whole stream, and windows straddling page boundaries */
	for (i = 0; i + PAGE_SIZE <= bin; i += PAGE_SIZE - 13) {
		size_t n = min_t(size_t, 2 * PAGE_SIZE, bin - i);

		tsm_rtmr_log_copy(&f->log, i, f->back, n);
		ASSERT_MEMEQ(test, f->back, whole + i, n);
	}
}

static void log_record_spanning_pages(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	size_t len = 2 * PAGE_SIZE + 100;	/* header 69: spans 3-4 pages */

	KUNIT_ASSERT_EQ(test, stage1(&f->log, f->buf + 5, len,
				     SIZE_MAX), 0);
	tsm_rtmr_log_publish(&f->log, len, 1, false);
	tsm_rtmr_log_copy(&f->log, 69, f->back, len);
	EXPECT_MEMEQ(test, f->back, f->buf + 5, len);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_pos(&f->log, 0).bin, 69);
}

static void log_limit(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	size_t len = 1000;

	/* one byte short of the limit: refused, nothing changes */
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, len,
				     69 + len - 1), -ENOSPC);
	KUNIT_EXPECT_EQ(test, f->log.len, 69);
	KUNIT_EXPECT_EQ(test, f->log.count, 0);
	/* a record larger than the limit, and sizes that would overflow */
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, len, len - 1),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, SIZE_MAX - 10,
				     SIZE_MAX), -ENOSPC);
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, 10, 0),
			-ENOSPC);
	/* a limit below the header refuses everything */
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, 1, 68),
			-ENOSPC);
	/* exactly at the limit: accepted */
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, len, 69 + len),
			0);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_publish(&f->log, len, 1, false), 0);
	KUNIT_EXPECT_EQ(test, f->log.len, 69 + len);
	/* full: even one byte is refused */
	KUNIT_EXPECT_EQ(test, stage1(&f->log, f->buf, 1, 69 + len),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, f->log.count, 1);
}

/* A staged record never published is overwritten by the next stage. */
static void log_stage_overwrite(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	static const u8 a[16] = { [0 ... 15] = 0xaa };
	static const u8 b[8] = { [0 ... 7] = 0xbb };

	KUNIT_ASSERT_EQ(test, stage1(&f->log, a, 16, SIZE_MAX), 0);
	KUNIT_ASSERT_EQ(test, stage1(&f->log, b, 8, SIZE_MAX), 0);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_publish(&f->log, 8, 2, false), 0);
	tsm_rtmr_log_copy(&f->log, 69, f->back, 8);
	EXPECT_MEMEQ(test, f->back, b, 8);
	KUNIT_EXPECT_EQ(test, f->log.len, 69 + 8);
}

/* The state file from offset @pos, NUL-terminated: its length or -errno. */
static ssize_t state_text(struct tsm_rtmr_log *log, size_t pos, char *buf,
			  size_t size)
{
	struct kvec vec = { .iov_base = buf, .iov_len = size - 1 };
	struct iov_iter to;
	ssize_t n;

	iov_iter_kvec(&to, ITER_DEST, &vec, 1, size - 1);
	n = tsm_rtmr_log_read_state(log, pos, &to);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* An uncertain record is in state from the publish that shows it on. */
static void log_uncertain(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	char *text = (char *)f->back, *want = (char *)f->buf;
	size_t len = scnprintf(want, 16, "uncertain");
	unsigned int i, nr = 0;

	for (i = 0; i < 40; i++) {
		KUNIT_ASSERT_EQ(test, stage1(&f->log, f->buf + 2 * PAGE_SIZE,
					     10, SIZE_MAX), 0);
		/* staged: nothing of it shows yet */
		state_text(&f->log, 0, text, 512);
		if (!nr)
			KUNIT_EXPECT_STREQ(test, text, "ok\n");
		tsm_rtmr_log_publish(&f->log, 10, 1, i % 3 == 1);
		if (i % 3 == 1) {
			len += scnprintf(want + len, 16, " %u", i);
			nr++;
		}
		/* published: listed at once, in the same section */
		KUNIT_EXPECT_EQ(test, f->log.count, i + 1);
		KUNIT_ASSERT_EQ(test, state_text(&f->log, 0, text, 512),
				(ssize_t)(nr ? len + 1 : 3));
		if (nr)
			KUNIT_EXPECT_EQ(test, strncmp(text, want, len), 0);
	}
	KUNIT_EXPECT_EQ(test, f->log.nr_uncertain, 13);
	KUNIT_EXPECT_STREQ(test, text,
			   "uncertain 1 4 7 10 13 16 19 22 25 28 31 34 37\n");
	/* from any offset: the rest of the same text, nothing past it */
	want[len++] = '\n';
	for (i = 0; i <= len + 1; i++) {
		KUNIT_ASSERT_EQ(test, state_text(&f->log, i, text, 512),
				(ssize_t)(i < len ? len - i : 0));
		if (i < len)
			EXPECT_MEMEQ(test, text, want + i, len - i);
	}
}

/* A list longer than a page: every byte where it belongs, at any offset. */
static void log_uncertain_pages(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	const unsigned int nr = 1200;	/* " 0".." 1199": over 5 KiB */
	char *want = kunit_kzalloc(test, 8 * PAGE_SIZE, GFP_KERNEL);
	char *text = kunit_kzalloc(test, 8 * PAGE_SIZE, GFP_KERNEL);
	size_t len, pos;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, want);
	KUNIT_ASSERT_NOT_NULL(test, text);
	len = scnprintf(want, 16, "uncertain");
	for (i = 0; i < nr; i++) {
		KUNIT_ASSERT_EQ(test, stage1(&f->log, f->buf, 8, SIZE_MAX), 0);
		tsm_rtmr_log_publish(&f->log, 8, 1, true);
		len += scnprintf(want + len, 16, " %u", i);
	}
	len += scnprintf(want + len, 4, "\n");
	KUNIT_ASSERT_GT(test, len, PAGE_SIZE + 10);
	for (pos = 0; pos <= len; pos += pos < 20 ? 1 : 509) {
		KUNIT_ASSERT_EQ(test, state_text(&f->log, pos, text,
						 8 * PAGE_SIZE),
				(ssize_t)(len - pos));
		ASSERT_MEMEQ(test, text, want + pos, len - pos);
	}
}

struct settled_reader {
	struct tsm_rtmr_log *log;
	struct tsm_rtmr_snap snap;
	struct completion done;
	int rc;
};

static int settled_reader_fn(void *arg)
{
	struct settled_reader *r = arg;

	r->rc = tsm_rtmr_log_snapshot_settled(r->log, &r->snap);
	complete(&r->done);
	return 0;
}

/*
 * A reader of the log's bytes waits for the commit in flight and then sees
 * the extent it left: with its record when published, without when not.
 */
static void log_reader_waits_for_commit(struct kunit *test)
{
	struct log_fixture *f = test->priv;
	struct settled_reader r = { .log = &f->log };
	struct task_struct *t;
	unsigned int round;

	for (round = 0; round < 2; round++) {
		bool publish = round == 0;

		KUNIT_ASSERT_EQ(test, stage1(&f->log, f->buf, 40, SIZE_MAX), 0);
		tsm_rtmr_log_begin(&f->log);
		init_completion(&r.done);
		t = kthread_run(settled_reader_fn, &r, "tsm_rtmr_kunit_rd");
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
		/* still in flight: the reader must not have returned */
		KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&r.done,
								  HZ / 10), 0);
		if (publish)
			tsm_rtmr_log_publish(&f->log, 40, 2, false);
		else
			tsm_rtmr_log_abandon(&f->log);
		KUNIT_ASSERT_GT(test, wait_for_completion_timeout(&r.done, 5 * HZ),
				0);
		KUNIT_EXPECT_EQ(test, r.rc, 0);
		KUNIT_EXPECT_EQ(test, r.snap.count, 1);
		KUNIT_EXPECT_EQ(test, r.snap.len, 69 + 40);
	}
	/* nothing in flight: no wait at all */
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_snapshot_settled(&f->log, &r.snap), 0);
	KUNIT_EXPECT_EQ(test, r.snap.count, 1);
}

static struct kunit_case log_cases[] = {
	KUNIT_CASE(log_header),
	KUNIT_CASE(log_offsets_across_pages),
	KUNIT_CASE(log_record_spanning_pages),
	KUNIT_CASE(log_limit),
	KUNIT_CASE(log_stage_overwrite),
	KUNIT_CASE(log_uncertain),
	KUNIT_CASE(log_uncertain_pages),
	KUNIT_CASE(log_reader_waits_for_commit),
	{}
};

static struct kunit_suite log_suite = {
	.name = "tsm_rtmr_log",
	.init = log_init_fixture,
	.exit = log_exit_fixture,
	.test_cases = log_cases,
};

/* ---------------------------------------------------------------------
 * The commit path with a fake provider
 */

#define FAKE_REGS	4
#define FAKE_SIZE	(32 + 48)	/* sha256 + sha384 */

enum fake_fault { FAKE_NONE, FAKE_BEFORE, FAKE_AFTER, FAKE_LOST, FAKE_GONE,
		  FAKE_POSITIVE, FAKE_BUSY };

struct fake_provider {
	struct tsm_rtmr_provider p;
	struct crypto_shash *tfm[2];
	u8 reg[FAKE_REGS][FAKE_SIZE];
	enum fake_fault fault;		/* fires once */
	bool fail_next_read;
	bool read_always_fails;
	unsigned int sleep_ms;
	atomic_t inside;		/* ops running right now */
	atomic_t max_inside;
	atomic_t extends;
	atomic_t reads;
};

static int fake_hash(struct crypto_shash *tfm, const u8 *a, const u8 *b,
		     unsigned int n, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int rc;

	desc->tfm = tfm;
	rc = crypto_shash_init(desc) ?: crypto_shash_update(desc, a, n) ?:
	     crypto_shash_finup(desc, b, n, out);
	shash_desc_zero(desc);
	return rc;
}

/* reg = H(reg || digest) in both banks */
static int fake_apply(struct fake_provider *fp, u8 *reg, const u8 *digests)
{
	return fake_hash(fp->tfm[0], reg, digests, 32, reg) ?:
	       fake_hash(fp->tfm[1], reg + 32, digests + 32, 48, reg + 32);
}

static void fake_enter(struct fake_provider *fp)
{
	int n = atomic_inc_return(&fp->inside);
	int old = atomic_read(&fp->max_inside);

	while (n > old && !atomic_try_cmpxchg(&fp->max_inside, &old, n))
		;
}

static int fake_extend(struct tsm_rtmr_provider *p, unsigned int index,
		       const u8 *digests)
{
	struct fake_provider *fp = container_of(p, struct fake_provider, p);
	enum fake_fault fault = fp->fault;
	int rc = 0;

	fake_enter(fp);
	fp->fault = FAKE_NONE;
	if (fp->sleep_ms)
		msleep(fp->sleep_ms);
	atomic_inc(&fp->extends);
	if (fault == FAKE_BUSY) {
		/* not reached, and unreachable for the read-back too */
		rc = -EBUSY;
		fp->fail_next_read = true;
	} else if (fault == FAKE_BEFORE || fault == FAKE_GONE) {
		rc = fault == FAKE_GONE ? -ENODEV : -EIO;
	} else if (fault == FAKE_POSITIVE) {
		rc = 1;		/* a buggy provider: not an errno */
	} else {
		rc = fake_apply(fp, fp->reg[index], digests);
		if (!rc && fault != FAKE_NONE)
			rc = -EIO;
		if (fault == FAKE_LOST)
			fp->fail_next_read = true;
	}
	atomic_dec(&fp->inside);
	return rc;
}

static int fake_read(struct tsm_rtmr_provider *p, unsigned int index,
		     u8 *digests)
{
	struct fake_provider *fp = container_of(p, struct fake_provider, p);
	int rc = 0;

	fake_enter(fp);
	atomic_inc(&fp->reads);
	if (fp->read_always_fails || fp->fail_next_read) {
		fp->fail_next_read = false;
		rc = -EIO;
	} else {
		memcpy(digests, fp->reg[index], FAKE_SIZE);
	}
	atomic_dec(&fp->inside);
	return rc;
}

static const struct tsm_rtmr_ops fake_ops = {
	.extend = fake_extend,
	.read = fake_read,
};

struct commit_fixture {
	struct fake_provider fp;
	struct tsm_rtmr_dev *dev;
	u8 expect[FAKE_REGS][FAKE_SIZE];	/* replay of the log */
	u8 digests[FAKE_SIZE];
	u8 rec[512];
	u32 seq;
};

static int commit_init(struct kunit *test)
{
	struct commit_fixture *f;
	struct fake_provider *fp;
	int rc;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	test->priv = f;
	fp = &f->fp;
	fp->tfm[0] = crypto_alloc_shash("sha256", 0, 0);
	fp->tfm[1] = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(fp->tfm[0]) || IS_ERR(fp->tfm[1]))
		return -ENOENT;
	fp->p.name = "kunit_fake";
	fp->p.owner = THIS_MODULE;
	fp->p.nr_registers = FAKE_REGS;
	fp->p.nr_algs = 2;
	fp->p.algs[0] = TPM_ALG_SHA256;
	fp->p.algs[1] = TPM_ALG_SHA384;
	fp->p.log_index_offset = 1;
	/* volatile: never pin tsm_rtmr (THIS_MODULE) for good */
	fp->p.volatile_registers = true;
	fp->p.ops = &fake_ops;
	bitmap_set(fp->p.extendable, 0, FAKE_REGS);
	rc = tsm_rtmr_register(&fp->p);
	if (rc)
		return rc;
	f->dev = tsm_rtmr_dev_get(fp->p.name, strlen(fp->p.name));
	if (!f->dev) {
		tsm_rtmr_unregister(&fp->p);
		return -ENODEV;
	}
	return 0;
}

static void commit_exit(struct kunit *test)
{
	struct commit_fixture *f = test->priv;

	if (!f)
		return;
	if (f->dev) {
		module_put(THIS_MODULE);
		tsm_rtmr_dev_put(f->dev);
		tsm_rtmr_unregister(&f->fp.p);
	}
	if (!IS_ERR_OR_NULL(f->fp.tfm[0]))
		crypto_free_shash(f->fp.tfm[0]);
	if (!IS_ERR_OR_NULL(f->fp.tfm[1]))
		crypto_free_shash(f->fp.tfm[1]);
	kfree(f);
}

static int do_commit(struct commit_fixture *f, unsigned int index,
		     u64 *recnum)
{
	struct tsm_rtmr_entry e = {
		.index = index, .event_type = 6, .digests = f->digests,
		.event = &f->seq, .event_len = sizeof(f->seq),
	};
	unsigned int i;

	f->seq++;
	for (i = 0; i < FAKE_SIZE; i++)
		f->digests[i] = f->seq * 31 + i;
	return tsm_rtmr_commit(f->dev, &e, recnum);
}

/* The last published record is the one just committed, byte for byte. */
static void expect_last_record(struct kunit *test, struct commit_fixture *f,
			       unsigned int index)
{
	struct tsm_rtmr_dev *dev = f->dev;
	struct tsm_rtmr_entry e = {
		.index = index, .event_type = 6, .digests = f->digests,
		.event = &f->seq, .event_len = sizeof(f->seq),
	};
	size_t len = tsm_rtmr_record_size(dev, sizeof(f->seq));
	struct tsm_rtmr_pos pos;
	u8 want[160];

	KUNIT_ASSERT_LE(test, len, sizeof(want));
	KUNIT_ASSERT_GT(test, dev->log.count, 0);
	pos = tsm_rtmr_log_pos(&dev->log, dev->log.count - 1);
	KUNIT_EXPECT_EQ(test, pos.bin + len, dev->log.len);
	tsm_rtmr_build_record(dev, &e, want);
	tsm_rtmr_log_copy(&dev->log, pos.bin, f->rec, len);
	EXPECT_MEMEQ(test, f->rec, want, len);
}

static void expect_state(struct kunit *test, struct commit_fixture *f,
			 const char *want)
{
	char text[64];

	state_text(&f->dev->log, 0, text, sizeof(text));
	KUNIT_EXPECT_STREQ(test, text, want);
}

static void commit_ok(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct tsm_rtmr_snap snap;
	u64 recnum = 99;
	u8 val[FAKE_SIZE];

	KUNIT_ASSERT_EQ(test, do_commit(f, 2, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 0);
	expect_last_record(test, f, 2);
	fake_apply(&f->fp, f->expect[2], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[2], f->expect[2], FAKE_SIZE);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 2, val), 0);
	EXPECT_MEMEQ(test, val, f->expect[2], FAKE_SIZE);

	KUNIT_ASSERT_EQ(test, do_commit(f, 2, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 1);
	fake_apply(&f->fp, f->expect[2], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[2], f->expect[2], FAKE_SIZE);
	tsm_rtmr_snapshot(f->dev, &snap);
	KUNIT_EXPECT_EQ(test, snap.count, 2);
	KUNIT_EXPECT_EQ(test, snap.len, f->dev->log.len);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 0);
}

/* before: register unchanged, provider's error, nothing logged */
static void commit_fault_before(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	size_t len;
	u64 recnum = 99;

	KUNIT_ASSERT_EQ(test, do_commit(f, 1, &recnum), 0);
	fake_apply(&f->fp, f->expect[1], f->digests);
	len = f->dev->log.len;
	f->fp.fault = FAKE_BEFORE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 1, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, recnum, 0);		/* untouched */
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
	KUNIT_EXPECT_EQ(test, f->dev->log.len, len);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 0);
	EXPECT_MEMEQ(test, f->fp.reg[1], f->expect[1], FAKE_SIZE);
	/* and the next commit works */
	KUNIT_EXPECT_EQ(test, do_commit(f, 1, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 1);
	fake_apply(&f->fp, f->expect[1], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[1], f->expect[1], FAKE_SIZE);
}

/* before, on a register never used: the shadow is loaded first */
static void commit_fault_before_first(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum;

	f->fp.fault = FAKE_BEFORE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 3, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 0);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 0);
}

/* after: the register changed despite the error: logged, success */
static void commit_fault_after(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum = 99;

	f->fp.fault = FAKE_AFTER;
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 0);
	fake_apply(&f->fp, f->expect[0], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[0], f->expect[0], FAKE_SIZE);
	expect_last_record(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 0);
	/* the shadow advanced: a later "before" is still recognised */
	f->fp.fault = FAKE_BEFORE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
}

/* lost: changed, and the read-back fails: logged, EIO, uncertain */
static void commit_fault_lost(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum = 99;

	KUNIT_ASSERT_EQ(test, do_commit(f, 2, &recnum), 0);
	fake_apply(&f->fp, f->expect[2], f->digests);
	f->fp.fault = FAKE_LOST;
	KUNIT_EXPECT_EQ(test, do_commit(f, 2, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, recnum, 1);
	fake_apply(&f->fp, f->expect[2], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[2], f->expect[2], FAKE_SIZE);
	expect_last_record(test, f, 2);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 1);
	expect_state(test, f, "uncertain 1\n");
	/* later commits work; the shadow is relearnt from the register */
	KUNIT_EXPECT_EQ(test, do_commit(f, 2, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 2);
	fake_apply(&f->fp, f->expect[2], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[2], f->expect[2], FAKE_SIZE);
	f->fp.fault = FAKE_BEFORE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 2, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 3);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 1);
}

/* a provider whose read always fails: errors are uncertain, not lost */
static void commit_read_fails(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum = 99;
	u8 val[FAKE_SIZE];

	f->fp.read_always_fails = true;
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 0, val), -EIO);
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 0);
	f->fp.fault = FAKE_BEFORE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, recnum, 1);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 2);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 1);
	expect_state(test, f, "uncertain 1\n");
	f->fp.fault = FAKE_AFTER;
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 2);
	f->fp.read_always_fails = false;
	/* once reads work again, so does reconciliation */
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), 0);
	f->fp.fault = FAKE_BEFORE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 4);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 2);
}

/* -ENODEV: the hardware is gone, nothing was sent: no read-back, no entry */
static void commit_provider_gone(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum = 99;
	int reads;

	KUNIT_ASSERT_EQ(test, do_commit(f, 1, &recnum), 0);
	reads = atomic_read(&f->fp.reads);
	f->fp.fault = FAKE_GONE;
	KUNIT_EXPECT_EQ(test, do_commit(f, 1, &recnum), -ENODEV);
	KUNIT_EXPECT_EQ(test, recnum, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), reads);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 0);
}

/*
 * -EBUSY: the provider could not reach its hardware this time and sent
 * nothing. No read-back (which would likely fail the same way and leave
 * an uncertain entry for an extend that never happened), no entry, the
 * provider's error; and the next commit works.
 */
static void commit_provider_busy(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum = 99;
	int reads;

	KUNIT_ASSERT_EQ(test, do_commit(f, 1, &recnum), 0);
	fake_apply(&f->fp, f->expect[1], f->digests);
	reads = atomic_read(&f->fp.reads);
	f->fp.fault = FAKE_BUSY;
	KUNIT_EXPECT_EQ(test, do_commit(f, 1, &recnum), -EBUSY);
	KUNIT_EXPECT_EQ(test, recnum, 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), reads);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
	KUNIT_EXPECT_EQ(test, f->dev->log.nr_uncertain, 0);
	EXPECT_MEMEQ(test, f->fp.reg[1], f->expect[1], FAKE_SIZE);
	f->fp.fail_next_read = false;
	KUNIT_EXPECT_EQ(test, do_commit(f, 1, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 1);
	fake_apply(&f->fp, f->expect[1], f->digests);
	EXPECT_MEMEQ(test, f->fp.reg[1], f->expect[1], FAKE_SIZE);
}

/* A positive return is never passed on as if it were a byte count. */
static void commit_provider_positive(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u64 recnum = 99;

	KUNIT_ASSERT_EQ(test, do_commit(f, 0, &recnum), 0);
	f->fp.fault = FAKE_POSITIVE;
	/* read back: unchanged, so the entry is dropped with -EIO */
	KUNIT_EXPECT_EQ(test, do_commit(f, 0, &recnum), -EIO);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
}

/*
 * value answers from the confirmed copy without asking the provider, and
 * asks it (once) only when there is none.
 */
static void value_from_shadow(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u8 val[FAKE_SIZE];
	u64 recnum;
	int reads;

	KUNIT_ASSERT_EQ(test, do_commit(f, 3, &recnum), 0);
	fake_apply(&f->fp, f->expect[3], f->digests);
	reads = atomic_read(&f->fp.reads);
	f->fp.read_always_fails = true;
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 3, val), 0);
	EXPECT_MEMEQ(test, val, f->expect[3], FAKE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), reads);
	/* never used: no copy, the provider is asked and its error returned */
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 1, val), -EIO);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), reads + 1);
	f->fp.read_always_fails = false;
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 1, val), 0);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 1, val), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), reads + 2);
	EXPECT_MEMEQ(test, val, f->expect[1], FAKE_SIZE);
}

/* After unregistration, commits and value reads get -ENODEV. */
static void commit_after_unregister(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	u8 val[FAKE_SIZE];
	u64 recnum;

	KUNIT_ASSERT_EQ(test, do_commit(f, 2, &recnum), 0);
	tsm_rtmr_unregister(&f->fp.p);
	KUNIT_EXPECT_EQ(test, do_commit(f, 2, &recnum), -ENODEV);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 2, val), -ENODEV);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
	/* commit_exit() must not unregister it again */
	module_put(THIS_MODULE);
	tsm_rtmr_dev_put(f->dev);
	f->dev = NULL;
}

/* The byte limit: ENOSPC, and the provider is never asked to extend. */
static void commit_enospc(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	unsigned long saved = tsm_rtmr_max_log_bytes;
	size_t rec = tsm_rtmr_record_size(f->dev, sizeof(f->seq));
	u64 recnum;
	int rc1, rc2, rc3;

	WRITE_ONCE(tsm_rtmr_max_log_bytes, f->dev->log.len + 2 * rec - 1);
	rc1 = do_commit(f, 1, &recnum);
	rc2 = do_commit(f, 1, &recnum);
	WRITE_ONCE(tsm_rtmr_max_log_bytes, f->dev->log.len + rec);
	rc3 = do_commit(f, 1, &recnum);
	WRITE_ONCE(tsm_rtmr_max_log_bytes, saved);
	KUNIT_EXPECT_EQ(test, rc1, 0);
	KUNIT_EXPECT_EQ(test, rc2, -ENOSPC);
	KUNIT_EXPECT_EQ(test, rc3, 0);		/* exactly at the limit */
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.extends), 2);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 2);
}

struct commit_worker {
	struct commit_fixture *f;
	struct completion done;
	unsigned int id;
	int errors;
};

#define WORKERS		4
#define PER_WORKER	6

static int commit_worker_fn(void *arg)
{
	struct commit_worker *w = arg;
	struct tsm_rtmr_entry e = { .event_type = 6 };
	u8 digests[FAKE_SIZE];
	unsigned int i;
	u64 recnum;

	for (i = 0; i < PER_WORKER; i++) {
		memset(digests, w->id * 16 + i, sizeof(digests));
		e.index = (w->id + i) % FAKE_REGS;
		e.digests = digests;
		if (tsm_rtmr_commit(w->f->dev, &e, &recnum))
			w->errors++;
	}
	complete(&w->done);
	return 0;
}

/* Replay every register from the published log records. */
static void replay_log(struct kunit *test, struct commit_fixture *f,
		       u8 (*out)[FAKE_SIZE])
{
	struct tsm_rtmr_dev *dev = f->dev;
	u64 i;

	memset(out, 0, FAKE_REGS * FAKE_SIZE);
	for (i = 0; i < dev->log.count; i++) {
		struct tsm_rtmr_pos pos = tsm_rtmr_log_pos(&dev->log, i);
		u8 d[FAKE_SIZE];
		u32 idx;

		tsm_rtmr_log_copy(&dev->log, pos.bin, f->rec, 12 + 2 + 32 + 2 + 48);
		idx = get_unaligned_le32(f->rec) - 1;
		KUNIT_ASSERT_LT(test, idx, FAKE_REGS);
		memcpy(d, f->rec + 14, 32);
		memcpy(d + 32, f->rec + 14 + 32 + 2, 48);
		fake_apply(&f->fp, out[idx], d);
	}
}

/*
 * A provider that sleeps in extend, with commits from several threads:
 * the core must allow sleeping (DEBUG_ATOMIC_SLEEP), never run two ops at
 * once, and keep log order = extend order.
 */
static void commit_sleeping_concurrent(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct commit_worker *w;
	u8 (*replay)[FAKE_SIZE];
	unsigned int i;

	w = kunit_kcalloc(test, WORKERS, sizeof(*w), GFP_KERNEL);
	replay = kunit_kzalloc(test, FAKE_REGS * FAKE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, replay);
	f->fp.sleep_ms = 2;
	for (i = 0; i < WORKERS; i++) {
		struct task_struct *t;

		w[i].f = f;
		w[i].id = i;
		init_completion(&w[i].done);
		t = kthread_run(commit_worker_fn, &w[i], "tsm_rtmr_kunit%u", i);
		if (IS_ERR(t))
			complete(&w[i].done);
		KUNIT_EXPECT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < WORKERS; i++) {
		wait_for_completion(&w[i].done);
		KUNIT_EXPECT_EQ(test, w[i].errors, 0);
	}
	f->fp.sleep_ms = 0;
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.max_inside), 1);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, WORKERS * PER_WORKER);
	replay_log(test, f, replay);
	for (i = 0; i < FAKE_REGS; i++)
		EXPECT_MEMEQ(test, replay[i], f->fp.reg[i], FAKE_SIZE);
}

/* The default provider is the first registered; names are unique. */
static void commit_registry(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct tsm_rtmr_provider dup = f->fp.p;
	struct tsm_rtmr_provider bad = f->fp.p;

	KUNIT_EXPECT_EQ(test, tsm_rtmr_register(&dup), -EEXIST);
	bad.name = "Bad Name";
	KUNIT_EXPECT_EQ(test, tsm_rtmr_register(&bad), -EINVAL);
	bad.name = "kunit_bad";
	bad.nr_registers = TSM_RTMR_MAX_REGISTERS + 1;
	KUNIT_EXPECT_EQ(test, tsm_rtmr_register(&bad), -EINVAL);
	bad.nr_registers = 2;		/* extendable names 2-3 */
	KUNIT_EXPECT_EQ(test, tsm_rtmr_register(&bad), -EINVAL);
	bad = f->fp.p;
	bad.name = "kunit_bad";
	bad.algs[1] = bad.algs[0];
	KUNIT_EXPECT_EQ(test, tsm_rtmr_register(&bad), -EINVAL);
	bad.algs[1] = 0x0010;
	KUNIT_EXPECT_EQ(test, tsm_rtmr_register(&bad), -EINVAL);
	KUNIT_EXPECT_NULL(test, tsm_rtmr_dev_get("kunit_bad", 9));
}

static struct kunit_case commit_cases[] = {
	KUNIT_CASE(commit_ok),
	KUNIT_CASE(commit_fault_before),
	KUNIT_CASE(commit_fault_before_first),
	KUNIT_CASE(commit_fault_after),
	KUNIT_CASE(commit_fault_lost),
	KUNIT_CASE(commit_read_fails),
	KUNIT_CASE(commit_provider_gone),
	KUNIT_CASE(commit_provider_busy),
	KUNIT_CASE(commit_provider_positive),
	KUNIT_CASE(value_from_shadow),
	KUNIT_CASE(commit_after_unregister),
	KUNIT_CASE(commit_enospc),
	KUNIT_CASE(commit_sleeping_concurrent),
	KUNIT_CASE(commit_registry),
	{}
};

static struct kunit_suite commit_suite = {
	.name = "tsm_rtmr_commit",
	.init = commit_init,
	.exit = commit_exit,
	.test_cases = commit_cases,
};

/* ---------------------------------------------------------------------
 * Import: a previous kernel's log, adopted only if it replays
 */

#define IMPORT_BUF	(64 * 1024)

/* A log as a previous kernel wrote it, and the registers it left. */
struct import_log {
	u8 *buf;
	size_t len;
	size_t hdr;
	u8 event[256];
};

static struct import_log *ilog_start(struct kunit *test,
				     struct commit_fixture *f)
{
	struct import_log *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, l);
	l->buf = kunit_kzalloc(test, IMPORT_BUF, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l->buf);
	for (i = 0; i < sizeof(l->event); i++)
		l->event[i] = i ^ 0x5a;
	tsm_rtmr_build_header(f->dev->algs, f->dev->nr_algs, l->buf);
	l->hdr = tsm_rtmr_header_size(f->dev->nr_algs);
	l->len = l->hdr;
	return l;
}

/* Append an entry and extend the register, as the previous kernel did. */
static void ilog_add(struct kunit *test, struct commit_fixture *f,
		     struct import_log *l, unsigned int index, size_t event_len)
{
	struct tsm_rtmr_entry e = {
		.index = index, .event_type = 6, .digests = f->digests,
		.event = l->event, .event_len = event_len,
	};
	size_t len = tsm_rtmr_record_size(f->dev, event_len);
	unsigned int i;

	KUNIT_ASSERT_LE(test, event_len, sizeof(l->event));
	KUNIT_ASSERT_LE(test, l->len + len, (size_t)IMPORT_BUF - 1);
	f->seq++;
	for (i = 0; i < FAKE_SIZE; i++)
		f->digests[i] = f->seq * 29 + i;
	tsm_rtmr_build_record(f->dev, &e, l->buf + l->len);
	l->len += len;
	fake_apply(&f->fp, f->fp.reg[index], f->digests);
}

static ssize_t do_import(struct commit_fixture *f, const void *buf,
			 size_t len)
{
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter from;

	iov_iter_kvec(&from, ITER_SOURCE, &vec, 1, len);
	return tsm_rtmr_import(f->dev, &from);
}

/* Three entries on registers 0, 2, 0; the last one's event data is 40 B. */
static struct import_log *ilog_three(struct kunit *test,
				     struct commit_fixture *f)
{
	struct import_log *l = ilog_start(test, f);

	ilog_add(test, f, l, 0, 5);
	ilog_add(test, f, l, 2, 0);
	ilog_add(test, f, l, 0, 40);
	return l;
}

/* A copy of the fake registers, to compare with after a refusal. */
static const void *regs_copy(struct kunit *test, struct commit_fixture *f)
{
	void *copy = kunit_kzalloc(test, sizeof(f->fp.reg), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, f->fp.reg, sizeof(f->fp.reg));
	return copy;
}

/* A refused import changed nothing and kept no page past the header. */
static void expect_import_changed_nothing(struct kunit *test,
					  struct commit_fixture *f,
					  const void *regs, const char *what)
{
	struct tsm_rtmr_log *log = &f->dev->log;

	KUNIT_EXPECT_EQ_MSG(test, log->count, 0, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, log->len,
			    tsm_rtmr_header_size(f->dev->nr_algs), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, log->ascii_len, 0, "%s", what);
	KUNIT_EXPECT_NULL_MSG(test, xa_load(&log->pages, 1), "%s", what);
	KUNIT_EXPECT_NULL_MSG(test, xa_load(&log->offsets, 0), "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, first_diff(f->fp.reg, regs, sizeof(f->fp.reg)),
			    -1L, "%s: registers changed", what);
	KUNIT_EXPECT_FALSE_MSG(test, f->dev->pinned, "%s", what);
}

static int import_init(struct kunit *test)
{
	struct commit_fixture *f;
	int rc = commit_init(test);

	if (rc)
		return rc;
	/* a hardware provider unless a case says otherwise */
	f = test->priv;
	f->fp.p.volatile_registers = false;
	return 0;
}

static void import_exit(struct kunit *test)
{
	struct commit_fixture *f = test->priv;

	/* An adopted log pins the provider and the core: both this module. */
	if (f && f->dev && f->dev->pinned) {
		module_put(THIS_MODULE);
		module_put(THIS_MODULE);
		f->dev->pinned = false;
	}
	commit_exit(test);
}

/*
 * A genuine log is adopted as if committed: same bytes, count, ascii
 * extent, confirmed register copies, pinned; later commits append.
 */
static void import_accepts(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct import_log *l = ilog_three(test, f);
	struct tsm_rtmr_log *log = &f->dev->log;
	u64 ascii = 0, recnum = 99;
	u8 val[FAKE_SIZE];
	int reads;

	KUNIT_ASSERT_EQ(test, do_import(f, l->buf, l->len), (ssize_t)l->len);
	KUNIT_EXPECT_EQ(test, log->count, 3);
	KUNIT_ASSERT_EQ(test, log->len, l->len);
	tsm_rtmr_log_copy(log, 0, l->buf + IMPORT_BUF / 2, l->len);
	EXPECT_MEMEQ(test, l->buf + IMPORT_BUF / 2, l->buf, l->len);
	ascii += tsm_rtmr_ascii_line_len(f->dev, 0, 1, 5);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_pos(log, 1).ascii, ascii);
	ascii += tsm_rtmr_ascii_line_len(f->dev, 1, 3, 0);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_pos(log, 2).ascii, ascii);
	ascii += tsm_rtmr_ascii_line_len(f->dev, 2, 1, 40);
	KUNIT_EXPECT_EQ(test, log->ascii_len, ascii);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_log_pos(log, 2).bin,
			l->len - tsm_rtmr_record_size(f->dev, 40));
	KUNIT_EXPECT_TRUE(test, f->dev->pinned);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.extends), 0);

	/* value answers from the confirmed copy: no provider read */
	reads = atomic_read(&f->fp.reads);
	KUNIT_EXPECT_EQ(test, tsm_rtmr_read_value(f->dev, 0, val), 0);
	EXPECT_MEMEQ(test, val, f->fp.reg[0], FAKE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), reads);

	KUNIT_EXPECT_EQ(test, do_commit(f, 2, &recnum), 0);
	KUNIT_EXPECT_EQ(test, recnum, 3);
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), -EBUSY);
	KUNIT_EXPECT_EQ(test, log->count, 4);
}

/* A header alone is accepted by any provider, and adds nothing. */
static void import_header_only(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct import_log *l = ilog_start(test, f);
	const void *before;

	before = regs_copy(test, f);
	f->fp.p.volatile_registers = true;
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), (ssize_t)l->len);
	f->fp.p.volatile_registers = false;
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), (ssize_t)l->len);
	expect_import_changed_nothing(test, f, before, "header only");
}

struct import_mutation {
	const char *what;
	int err;
	void (*apply)(struct commit_fixture *f, struct import_log *l,
		      u8 *m, size_t *len);
	void (*undo)(struct commit_fixture *f);
};

static size_t rec0_event_size_at(struct commit_fixture *f,
				 struct import_log *l)
{
	return l->hdr + tsm_rtmr_record_size(f->dev, 0) - 4;
}

static void mut_empty(struct commit_fixture *f, struct import_log *l, u8 *m,
		      size_t *len)
{
	*len = 0;
}

static void mut_short_header(struct commit_fixture *f, struct import_log *l,
			     u8 *m, size_t *len)
{
	*len = l->hdr - 1;
}

/* the Spec ID event's two {algorithmId, digestSize} swapped */
static void mut_bank_order(struct commit_fixture *f, struct import_log *l,
			   u8 *m, size_t *len)
{
	u32 a = get_unaligned_le32(m + 60), b = get_unaligned_le32(m + 64);

	put_unaligned_le32(b, m + 60);
	put_unaligned_le32(a, m + 64);
}

static void mut_header_byte(struct commit_fixture *f, struct import_log *l,
			    u8 *m, size_t *len)
{
	m[20] ^= 1;	/* the header's SHA-1 digest must be zero */
}

static void mut_digest(struct commit_fixture *f, struct import_log *l,
		       u8 *m, size_t *len)
{
	m[l->hdr + 14] ^= 1;
}

static void mut_trailing(struct commit_fixture *f, struct import_log *l,
			 u8 *m, size_t *len)
{
	m[(*len)++] = 0;
}

static void mut_truncated(struct commit_fixture *f, struct import_log *l,
			  u8 *m, size_t *len)
{
	(*len)--;
}

static void mut_truncated_head(struct commit_fixture *f, struct import_log *l,
			       u8 *m, size_t *len)
{
	*len = l->hdr + 5;
}

static void mut_no_action(struct commit_fixture *f, struct import_log *l,
			  u8 *m, size_t *len)
{
	put_unaligned_le32(TSM_RTMR_EV_NO_ACTION, m + l->hdr + 4);
}

static void mut_index_low(struct commit_fixture *f, struct import_log *l,
			  u8 *m, size_t *len)
{
	put_unaligned_le32(0, m + l->hdr);	/* log index offset is 1 */
}

static void mut_index_high(struct commit_fixture *f, struct import_log *l,
			   u8 *m, size_t *len)
{
	put_unaligned_le32(FAKE_REGS + 1, m + l->hdr);
}

static void mut_index_wraps(struct commit_fixture *f, struct import_log *l,
			    u8 *m, size_t *len)
{
	put_unaligned_le32(U32_MAX, m + l->hdr);
}

static void mut_digest_count(struct commit_fixture *f, struct import_log *l,
			     u8 *m, size_t *len)
{
	put_unaligned_le32(1, m + l->hdr + 8);
}

static void mut_alg_id(struct commit_fixture *f, struct import_log *l,
		       u8 *m, size_t *len)
{
	put_unaligned_le16(TPM_ALG_SHA384, m + l->hdr + 12);
}

static void mut_event_size_huge(struct commit_fixture *f, struct import_log *l,
				u8 *m, size_t *len)
{
	put_unaligned_le32(U32_MAX, m + rec0_event_size_at(f, l));
}

static void mut_event_size_past_end(struct commit_fixture *f,
				    struct import_log *l, u8 *m, size_t *len)
{
	put_unaligned_le32(*len - rec0_event_size_at(f, l) - 4 + 1,
			   m + rec0_event_size_at(f, l));
}

static void mut_max_event(struct commit_fixture *f, struct import_log *l,
			  u8 *m, size_t *len)
{
	WRITE_ONCE(tsm_rtmr_max_event_bytes, 39);
}

static void undo_max_event(struct commit_fixture *f)
{
	WRITE_ONCE(tsm_rtmr_max_event_bytes, 64 << 10);
}

static void mut_register(struct commit_fixture *f, struct import_log *l,
			 u8 *m, size_t *len)
{
	f->fp.reg[2][FAKE_SIZE - 1] ^= 1;
}

static void undo_register(struct commit_fixture *f)
{
	f->fp.reg[2][FAKE_SIZE - 1] ^= 1;
}

static void mut_not_extendable(struct commit_fixture *f, struct import_log *l,
			       u8 *m, size_t *len)
{
	clear_bit(2, f->dev->extendable);
}

static void undo_not_extendable(struct commit_fixture *f)
{
	set_bit(2, f->dev->extendable);
}

static void mut_volatile(struct commit_fixture *f, struct import_log *l,
			 u8 *m, size_t *len)
{
	f->fp.p.volatile_registers = true;
}

static void undo_volatile(struct commit_fixture *f)
{
	f->fp.p.volatile_registers = false;
}

static void mut_too_large(struct commit_fixture *f, struct import_log *l,
			  u8 *m, size_t *len)
{
	WRITE_ONCE(tsm_rtmr_max_log_bytes, *len - 1);
}

static void undo_too_large(struct commit_fixture *f)
{
	WRITE_ONCE(tsm_rtmr_max_log_bytes, 64UL << 20);
}

static void mut_read_fails(struct commit_fixture *f, struct import_log *l,
			   u8 *m, size_t *len)
{
	f->fp.read_always_fails = true;
}

static void undo_read_fails(struct commit_fixture *f)
{
	f->fp.read_always_fails = false;
}

static const struct import_mutation import_mutations[] = {
	{ "empty", -EINVAL, mut_empty },
	{ "short header", -EINVAL, mut_short_header },
	{ "banks out of order", -EINVAL, mut_bank_order },
	{ "header byte", -EINVAL, mut_header_byte },
	{ "tampered digest", -EINVAL, mut_digest },
	{ "trailing byte", -EINVAL, mut_trailing },
	{ "truncated record", -EINVAL, mut_truncated },
	{ "truncated record head", -EINVAL, mut_truncated_head },
	{ "EV_NO_ACTION record", -EINVAL, mut_no_action },
	{ "index below the offset", -EINVAL, mut_index_low },
	{ "index past the registers", -EINVAL, mut_index_high },
	{ "index U32_MAX", -EINVAL, mut_index_wraps },
	{ "digest count", -EINVAL, mut_digest_count },
	{ "algorithm id", -EINVAL, mut_alg_id },
	{ "event size U32_MAX", -EINVAL, mut_event_size_huge },
	{ "event size one past the end", -EINVAL, mut_event_size_past_end },
	{ "event over max_event_bytes", -EINVAL, mut_max_event,
	  undo_max_event },
	{ "register differs", -EINVAL, mut_register, undo_register },
	{ "register not extendable", -EINVAL, mut_not_extendable,
	  undo_not_extendable },
	{ "volatile provider", -EINVAL, mut_volatile, undo_volatile },
	{ "over max_log_bytes", -ENOSPC, mut_too_large, undo_too_large },
	{ "provider read fails", -EIO, mut_read_fails, undo_read_fails },
};

/* Every refusal has its errno, and leaves log, registers and memory alone. */
static void import_refusals(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct import_log *l = ilog_three(test, f);
	u8 *m = kunit_kzalloc(test, IMPORT_BUF, GFP_KERNEL);
	const void *before;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, m);
	before = regs_copy(test, f);
	KUNIT_ASSERT_EQ(test, tsm_rtmr_max_event_bytes, 64U << 10);
	KUNIT_ASSERT_EQ(test, tsm_rtmr_max_log_bytes, 64UL << 20);
	for (i = 0; i < ARRAY_SIZE(import_mutations); i++) {
		const struct import_mutation *mu = &import_mutations[i];
		size_t len = l->len;
		ssize_t rc;

		memset(m, 0, IMPORT_BUF);
		memcpy(m, l->buf, l->len);
		mu->apply(f, l, m, &len);
		rc = do_import(f, m, len);
		if (mu->undo)
			mu->undo(f);
		KUNIT_EXPECT_EQ_MSG(test, rc, (ssize_t)mu->err, "%s", mu->what);
		expect_import_changed_nothing(test, f, before, mu->what);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.extends), 0);
	/* and the genuine log is still accepted afterwards */
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), (ssize_t)l->len);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 3);
}

/*
 * Records of many sizes across many pages: refused on the very last digest
 * (nothing kept, no page), then accepted with every record where it lies.
 */
static void import_many_pages(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct import_log *l = ilog_start(test, f);
	const void *before;
	size_t last = 0, at = l->hdr;
	unsigned int i, n = 0;

	while (l->len + tsm_rtmr_record_size(f->dev, 200) < IMPORT_BUF - 1) {
		last = l->len;
		ilog_add(test, f, l, n % FAKE_REGS, 37 + n % 164);
		n++;
	}
	KUNIT_ASSERT_GT(test, l->len, 12 * PAGE_SIZE);
	before = regs_copy(test, f);
	l->buf[last + 12 + 2] ^= 1;
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), -EINVAL);
	expect_import_changed_nothing(test, f, before, "last digest");
	l->buf[last + 12 + 2] ^= 1;
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), (ssize_t)l->len);
	KUNIT_ASSERT_EQ(test, f->dev->log.count, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, tsm_rtmr_log_pos(&f->dev->log, i).bin, at);
		at += tsm_rtmr_record_size(f->dev, 37 + i % 164);
	}
}

/* A register that starts as all-ones replays from all-ones. */
static void import_ones_at_reset(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct import_log *l;

	memset(f->fp.reg[1], 0xff, FAKE_SIZE);
	l = ilog_start(test, f);
	ilog_add(test, f, l, 1, 3);
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), -EINVAL);
	set_bit(1, f->dev->ones_at_reset);
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), (ssize_t)l->len);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 1);
}

/* Once the provider is gone: -ENODEV, nothing read. */
static void import_after_unregister(struct kunit *test)
{
	struct commit_fixture *f = test->priv;
	struct import_log *l = ilog_three(test, f);

	tsm_rtmr_unregister(&f->fp.p);
	KUNIT_EXPECT_EQ(test, do_import(f, l->buf, l->len), -ENODEV);
	KUNIT_EXPECT_EQ(test, atomic_read(&f->fp.reads), 0);
	KUNIT_EXPECT_EQ(test, f->dev->log.count, 0);
	module_put(THIS_MODULE);
	tsm_rtmr_dev_put(f->dev);
	f->dev = NULL;
}

static struct kunit_case import_cases[] = {
	KUNIT_CASE(import_accepts),
	KUNIT_CASE(import_header_only),
	KUNIT_CASE(import_refusals),
	KUNIT_CASE(import_many_pages),
	KUNIT_CASE(import_ones_at_reset),
	KUNIT_CASE(import_after_unregister),
	{}
};

static struct kunit_suite import_suite = {
	.name = "tsm_rtmr_import",
	.init = import_init,
	.exit = import_exit,
	.test_cases = import_cases,
};

kunit_test_suites(&digest_suite, &record_suite, &log_suite, &commit_suite,
		  &import_suite);
