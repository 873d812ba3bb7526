/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tsm-rtmr core's KUnit suites share: a byte comparison that says
 * where two buffers differ (6.1 has no KUNIT_EXPECT_MEMEQ), the state
 * file's text at an offset, and a fake
 * provider with a commit fixture, for the commit and import suites
 * (kunit-fake.c). One file per unit under test: kunit-digest.c (digest.c),
 * kunit-log.c (log.c), kunit-commit.c (commit.c), kunit-import.c
 * (import.c).
 */
#ifndef _TSM_RTMR_KUNIT_H
#define _TSM_RTMR_KUNIT_H

#include <kunit/test.h>
#include <linux/atomic.h>

#include "tsm-rtmr-core.h"

long first_diff(const void *a, const void *b, size_t n);
ssize_t state_text(struct tsm_rtmr_log *log, size_t pos, char *buf,
		   size_t size);

#define EXPECT_MEMEQ(test, a, b, n)					\
	KUNIT_EXPECT_EQ_MSG(test, first_diff(a, b, n), -1L,		\
			    "%s and %s differ at that offset", #a, #b)
#define ASSERT_MEMEQ(test, a, b, n)					\
	KUNIT_ASSERT_EQ_MSG(test, first_diff(a, b, n), -1L,		\
			    "%s and %s differ at that offset", #a, #b)

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

struct commit_fixture {
	struct fake_provider fp;
	struct tsm_rtmr_dev *dev;
	u8 expect[FAKE_REGS][FAKE_SIZE];	/* replay of the log */
	u8 digests[FAKE_SIZE];
	u8 rec[512];
	u32 seq;
};

int fake_apply(struct fake_provider *fp, u8 *reg, const u8 *digests);
int commit_init(struct kunit *test);
void commit_exit(struct kunit *test);
int do_commit(struct commit_fixture *f, unsigned int index, u64 *recnum);

#endif /* _TSM_RTMR_KUNIT_H */
