// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: commit.c, the commit path against the fake provider: every fault
 * mode, a failing read, a sleeping provider, the registry's defaults.
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
 * The commit path with a fake provider
 */

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

kunit_test_suites(&commit_suite);
