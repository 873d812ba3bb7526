// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: import.c, a previous kernel's log adopted only if it replays.
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

kunit_test_suites(&import_suite);
