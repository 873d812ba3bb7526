// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: log.c, log storage and bookkeeping: offsets across pages,
 * records spanning pages, the byte limit, the state text, readers waiting
 * for the commit in flight.
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

kunit_test_suites(&log_suite);
