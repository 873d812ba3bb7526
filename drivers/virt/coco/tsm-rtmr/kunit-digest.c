// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: digest.c, the pure functions. Digest parsing, and record, header
 * and ascii serialisation against hand-computed bytes.
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
#include "kunit.h"
#include "tsm-rtmr-core.h"

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

kunit_test_suites(&digest_suite, &record_suite);
