// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr: the write path.
 *
 * A commit stages a record in the provider's log, extends the register, and
 * publishes the record, in that order, under the provider's lock: the log
 * is never behind the register. When the provider reports an error, the
 * register is read back and compared with the core's prediction (the
 * shadow) to decide whether the record stays. The shadow, the confirmed
 * copy of every register, also answers readers of value, and predicts
 * what an import's replay must find. import.c is this file's sibling: it
 * uses the same provider calls, prediction and pinning, and neither calls
 * into the registry.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/bitmap.h>
#include <linux/cleanup.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/spinlock.h>

#include "tsm-rtmr-core.h"

/*
 * Provider calls, device lock held. A positive return is a provider bug;
 * it must never reach userspace, where it would read as a byte count.
 */
static int tsm_rtmr_provider_errno(struct tsm_rtmr_dev *dev, int rc)
{
	if (rc <= 0)
		return rc;
	pr_err_once("%s: provider returned %d, not an errno: treated as -EIO\n",
		    dev->name, rc);
	return -EIO;
}

static int tsm_rtmr_call_extend(struct tsm_rtmr_dev *dev, unsigned int index,
				const u8 *digests)
{
	lockdep_assert_held(&dev->lock);
	return tsm_rtmr_provider_errno(dev, dev->p->ops->extend(dev->p, index,
								digests));
}

int tsm_rtmr_call_read(struct tsm_rtmr_dev *dev, unsigned int index,
		       u8 *digests)
{
	lockdep_assert_held(&dev->lock);
	return tsm_rtmr_provider_errno(dev, dev->p->ops->read(dev->p, index,
							      digests));
}

static u8 *tsm_rtmr_shadow(struct tsm_rtmr_dev *dev, unsigned int index)
{
	return dev->shadow + index * dev->digests_size;
}

/*
 * The shadow is the core's confirmed copy of each register. Only commits
 * (device lock held) change it, and they read it without the shadow lock;
 * readers of value copy it under the shadow lock.
 */
void tsm_rtmr_shadow_set(struct tsm_rtmr_dev *dev, unsigned int index,
			 const u8 *value)
{
	lockdep_assert_held(&dev->lock);
	scoped_guard(spinlock, &dev->shadow_lock) {
		memcpy(tsm_rtmr_shadow(dev, index), value, dev->digests_size);
		set_bit(index, dev->shadow_valid);
	}
}

static void tsm_rtmr_shadow_forget(struct tsm_rtmr_dev *dev,
				   unsigned int index)
{
	lockdep_assert_held(&dev->lock);
	scoped_guard(spinlock, &dev->shadow_lock)
		clear_bit(index, dev->shadow_valid);
}

static bool tsm_rtmr_shadow_get(struct tsm_rtmr_dev *dev, unsigned int index,
				u8 *value)
{
	bool valid;

	scoped_guard(spinlock, &dev->shadow_lock) {
		valid = test_bit(index, dev->shadow_valid);
		if (valid)
			memcpy(value, tsm_rtmr_shadow(dev, index),
			       dev->digests_size);
	}
	return valid;
}

/* Learn a register's value the first time it is used (or after doubt). */
static int tsm_rtmr_shadow_load(struct tsm_rtmr_dev *dev, unsigned int index)
{
	u8 now[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	int rc;

	/* shadow_valid changes only under the device lock: read without */
	lockdep_assert_held(&dev->lock);
	if (test_bit(index, dev->shadow_valid))
		return 0;
	rc = tsm_rtmr_call_read(dev, index, now);
	if (!rc)
		tsm_rtmr_shadow_set(dev, index, now);
	return rc;
}

/**
 * tsm_rtmr_read_value() - a register's value, for readers of value
 * @dev: the device
 * @index: the register
 * @digests: out: its value, one digest per bank
 *
 * Answers from the confirmed copy when the core has one, without waiting
 * for the device lock; reads the register through the provider (one call,
 * a killable wait for the lock) only when it has none.
 *
 * Return: 0, -EINTR, -ENODEV once the provider is gone, or the provider's
 * error.
 */
int tsm_rtmr_read_value(struct tsm_rtmr_dev *dev, unsigned int index,
			u8 *digests)
{
	int rc;

	if (tsm_rtmr_shadow_get(dev, index, digests))
		return 0;
	if (mutex_lock_killable(&dev->lock))
		return -EINTR;
	rc = dev->p ? tsm_rtmr_shadow_load(dev, index) : -ENODEV;
	mutex_unlock(&dev->lock);
	if (!rc && !tsm_rtmr_shadow_get(dev, index, digests))
		rc = -EIO;
	return rc;
}

/*
 * out = H(value || digest) for every bank, as the register does; @out may
 * be @value.
 */
int tsm_rtmr_predict(struct tsm_rtmr_dev *dev, const u8 *value,
		     const u8 *digests, u8 *out)
{
	unsigned int i, off = 0;
	int rc;

	for (i = 0; i < dev->nr_algs; i++) {
		SHASH_DESC_ON_STACK(desc, dev->tfm[i]);
		unsigned int size = tsm_rtmr_alg_size(dev->algs[i]);

		desc->tfm = dev->tfm[i];
		rc = crypto_shash_init(desc) ?:
		     crypto_shash_update(desc, value + off, size) ?:
		     crypto_shash_finup(desc, digests + off, size, out + off);
		shash_desc_zero(desc);
		if (rc)
			return rc;
		off += size;
	}
	return 0;
}

/* Advance the confirmed copy by an extend known to have landed. */
static void tsm_rtmr_shadow_advance(struct tsm_rtmr_dev *dev,
				    unsigned int index, const u8 *digests)
{
	u8 next[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];

	lockdep_assert_held(&dev->lock);
	if (!test_bit(index, dev->shadow_valid))
		return;
	if (tsm_rtmr_predict(dev, tsm_rtmr_shadow(dev, index), digests, next))
		tsm_rtmr_shadow_forget(dev, index);
	else
		tsm_rtmr_shadow_set(dev, index, next);
}

enum tsm_rtmr_outcome {
	TSM_RTMR_EXTENDED,	/* register changed: keep the record */
	TSM_RTMR_UNCHANGED,	/* register untouched: drop the record */
	TSM_RTMR_UNCERTAIN,	/* cannot tell: keep it and say so */
};

/*
 * The provider failed with @rc. -ENODEV (its hardware is gone) and -EBUSY
 * (it could not reach its hardware this time) mean nothing was sent, as
 * struct tsm_rtmr_ops says. Otherwise read the register back: still the
 * old value means nothing happened; the predicted new value means the
 * extend landed despite the error. Anything else, or a failed read,
 * leaves us unable to tell.
 */
static enum tsm_rtmr_outcome tsm_rtmr_reconcile(struct tsm_rtmr_dev *dev,
						unsigned int index,
						const u8 *digests, int rc)
{
	u8 now[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	u8 next[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	const u8 *shadow = tsm_rtmr_shadow(dev, index);

	lockdep_assert_held(&dev->lock);	/* the shadow, read unlocked */
	/*
	 * Trust the provider rather than read back: a device that could not
	 * be reached for the extend most likely cannot be for the read
	 * either, which would leave an entry uncertain, and a writer told
	 * EIO, for an extend that never happened.
	 */
	if (rc == -ENODEV || rc == -EBUSY)
		return TSM_RTMR_UNCHANGED;
	if (!test_bit(index, dev->shadow_valid))
		return TSM_RTMR_UNCERTAIN;
	if (tsm_rtmr_call_read(dev, index, now))
		return TSM_RTMR_UNCERTAIN;
	if (!memcmp(now, shadow, dev->digests_size))
		return TSM_RTMR_UNCHANGED;
	if (!tsm_rtmr_predict(dev, shadow, digests, next) &&
	    !memcmp(now, next, dev->digests_size))
		return TSM_RTMR_EXTENDED;
	return TSM_RTMR_UNCERTAIN;
}

/*
 * A hardware provider's registers outlive its module; its log must too.
 * Once the log holds an entry, neither the provider nor the core may go.
 */
void tsm_rtmr_pin(struct tsm_rtmr_dev *dev)
{
	lockdep_assert_held(&dev->lock);	/* dev->pinned, dev->p */
	if (dev->pinned || dev->p->volatile_registers)
		return;
	__module_get(dev->owner);
	__module_get(THIS_MODULE);
	dev->pinned = true;
}

/*
 * Publish the staged record, indexing where its ascii line will be; an
 * @uncertain one is listed in state by the same publish, never after it.
 */
static u64 tsm_rtmr_publish(struct tsm_rtmr_dev *dev,
			    const struct tsm_rtmr_entry *e, size_t len,
			    bool uncertain)
{
	u32 log_index = e->index + dev->log_index_offset;
	size_t line = tsm_rtmr_ascii_line_len(dev, dev->log.count, log_index,
					      e->event_len);

	return tsm_rtmr_log_publish(&dev->log, len, line, uncertain);
}

/*
 * The extend, and what the log keeps of it. Readers of the log wait for
 * it from tsm_rtmr_log_begin() until the record is published or abandoned.
 */
static int tsm_rtmr_extend_locked(struct tsm_rtmr_dev *dev,
				  const struct tsm_rtmr_entry *e, size_t len,
				  u64 *recnum)
{
	enum tsm_rtmr_outcome outcome = TSM_RTMR_EXTENDED;
	int rc;

	lockdep_assert_held(&dev->lock);	/* the log's only writer */
	tsm_rtmr_shadow_load(dev, e->index);
	tsm_rtmr_log_begin(&dev->log);
	rc = tsm_rtmr_call_extend(dev, e->index, e->digests);
	if (rc)
		outcome = tsm_rtmr_reconcile(dev, e->index, e->digests, rc);
	switch (outcome) {
	case TSM_RTMR_UNCHANGED:
		tsm_rtmr_log_abandon(&dev->log);
		return rc;
	case TSM_RTMR_EXTENDED:
		tsm_rtmr_shadow_advance(dev, e->index, e->digests);
		rc = 0;
		break;
	case TSM_RTMR_UNCERTAIN:
		tsm_rtmr_shadow_forget(dev, e->index);
		rc = -EIO;
		break;
	}

	*recnum = tsm_rtmr_publish(dev, e, len,
				   outcome == TSM_RTMR_UNCERTAIN);
	tsm_rtmr_pin(dev);
	return rc;
}

/*
 * Write @e's record straight into the log's pages, after the published
 * log, where readers cannot see it yet; sets its size. Not inlined, so
 * that the record head is off the stack before the extend's buffers are on.
 */
static noinline_for_stack int tsm_rtmr_stage(struct tsm_rtmr_dev *dev,
					     const struct tsm_rtmr_entry *e,
					     size_t *len)
{
	u8 head[TSM_RTMR_RECORD_HEAD_MAX];
	struct kvec vec[2] = {
		{ .iov_base = head },
		{ .iov_base = (void *)e->event, .iov_len = e->event_len },
	};
	struct iov_iter rec;

	lockdep_assert_held(&dev->lock);	/* appends are serialised */
	vec[0].iov_len = tsm_rtmr_build_record_head(dev, e, head);
	*len = vec[0].iov_len + e->event_len;
	iov_iter_kvec(&rec, ITER_SOURCE, vec, ARRAY_SIZE(vec), *len);
	return tsm_rtmr_log_stage(&dev->log, &rec,
				  READ_ONCE(tsm_rtmr_max_log_bytes));
}

/**
 * tsm_rtmr_commit() - log an entry and extend its register
 * @dev: the provider's device
 * @e: the entry, already validated against the provider
 * @recnum: out: the entry's record number, set whenever it is in the log
 *
 * The record is staged in the log before the extend: nothing after the
 * extend can fail, and nothing is copied twice.
 *
 * Return: 0 when the entry is logged and the register extended; -EIO when
 * the entry is logged but the extend could not be confirmed (the record is
 * listed as uncertain); any other error leaves log and register unchanged:
 * -EINTR on a fatal signal while waiting, -ENODEV once the provider is gone,
 * -EBUSY when it could not reach its hardware, or the provider's error.
 */
int tsm_rtmr_commit(struct tsm_rtmr_dev *dev, const struct tsm_rtmr_entry *e,
		    u64 *recnum)
{
	size_t len;
	int rc;

	if (mutex_lock_killable(&dev->lock))
		return -EINTR;
	rc = dev->p ? tsm_rtmr_stage(dev, e, &len) : -ENODEV;
	if (!rc)
		rc = tsm_rtmr_extend_locked(dev, e, len, recnum);
	mutex_unlock(&dev->lock);
	return rc;
}

/* The provider has gone: no register value is known any more. */
void tsm_rtmr_shadow_forget_all(struct tsm_rtmr_dev *dev)
{
	lockdep_assert_held(&dev->lock);
	scoped_guard(spinlock, &dev->shadow_lock)
		bitmap_zero(dev->shadow_valid, TSM_RTMR_MAX_REGISTERS);
}
