// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit support shared by the tsm-rtmr core's suites: the byte comparison,
 * the state file's text, and a fake provider (two banks, four registers,
 * every fault mode, a sleeping provider) with the commit fixture built on
 * it.
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

/* Offset of the first byte where @a and @b differ, or -1 (no MEMEQ in 6.1). */
long first_diff(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	size_t i;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return i;
	return -1;
}

/* The state file from offset @pos, NUL-terminated: its length or -errno. */
ssize_t state_text(struct tsm_rtmr_log *log, size_t pos, char *buf,
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
int fake_apply(struct fake_provider *fp, u8 *reg, const u8 *digests)
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

int commit_init(struct kunit *test)
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

void commit_exit(struct kunit *test)
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

int do_commit(struct commit_fixture *f, unsigned int index, u64 *recnum)
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
