// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr core: provider registry and the commit path.
 *
 * A commit appends a record to the provider's log and extends the register,
 * in that order, under the provider's lock: the log is never behind the
 * register. When the provider reports an error, the register is read back
 * and compared with the core's prediction (the shadow) to decide whether the
 * record stays.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "tsm-rtmr-core.h"

/* Registered providers, in registration order: the first is the default. */
static LIST_HEAD(tsm_rtmr_devs);
/* the list, dev->dead, securityfs inodes' i_private; see tsm-rtmr-core.h */
DEFINE_MUTEX(tsm_rtmr_registry_lock);

unsigned int tsm_rtmr_digests_size(const struct tsm_rtmr_provider *p)
{
	const struct tsm_rtmr_alg_info *alg;
	unsigned int i, size = 0;

	for (i = 0; i < p->nr_algs; i++) {
		alg = tsm_rtmr_alg_by_id(p->algs[i]);
		size += tsm_rtmr_alg_size(alg);
	}
	return size;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_digests_size);

/**
 * tsm_rtmr_parse_extendable() - set a provider's extendable registers
 * @p: provider, with name and nr_registers already set
 * @list: a range list such as "8-9,11-16,23"; NULL or "" for none
 *
 * Meant for a provider's "allowed" module parameter: a bad list is
 * reported in the kernel log, naming the provider.
 *
 * Return: 0, -EINVAL for a malformed list, -ERANGE for a register the
 * provider does not have.
 */
int tsm_rtmr_parse_extendable(struct tsm_rtmr_provider *p, const char *list)
{
	DECLARE_BITMAP(set, TSM_RTMR_MAX_REGISTERS);
	int rc;

	rc = bitmap_parselist(list ?: "", set, TSM_RTMR_MAX_REGISTERS);
	if (rc)
		rc = rc == -ERANGE ? -ERANGE : -EINVAL;
	else if (find_next_bit(set, TSM_RTMR_MAX_REGISTERS, p->nr_registers) <
		 TSM_RTMR_MAX_REGISTERS)
		rc = -ERANGE;
	if (rc) {
		pr_err("%s: allowed=\"%s\" is not a list of registers 0-%u\n",
		       p->name, list, p->nr_registers - 1);
		return rc;
	}
	bitmap_copy(p->extendable, set, TSM_RTMR_MAX_REGISTERS);
	return 0;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_parse_extendable);

static void tsm_rtmr_dev_free(struct kref *kref)
{
	struct tsm_rtmr_dev *dev = container_of(kref, struct tsm_rtmr_dev, kref);
	unsigned int i;

	for (i = 0; i < dev->nr_algs; i++)
		crypto_free_shash(dev->tfm[i]);
	tsm_rtmr_log_destroy(&dev->log);
	kfree(dev->shadow);
	kfree(dev);
}

void tsm_rtmr_dev_put(struct tsm_rtmr_dev *dev)
{
	kref_put(&dev->kref, tsm_rtmr_dev_free);
}

/* Take a device reference and pin its provider module; registry lock held. */
static bool tsm_rtmr_dev_tryget(struct tsm_rtmr_dev *dev)
{
	lockdep_assert_held(&tsm_rtmr_registry_lock);
	if (dev->dead || !try_module_get(dev->owner))
		return false;
	kref_get(&dev->kref);
	return true;
}

/**
 * tsm_rtmr_dev_get() - look up a provider for a configfs handle
 * @name: provider name, or NULL for the default (first registered)
 * @len: length of @name
 *
 * Return: the device with a reference held and its provider module pinned
 * (release both with module_put() and tsm_rtmr_dev_put()), or NULL.
 */
struct tsm_rtmr_dev *tsm_rtmr_dev_get(const char *name, size_t len)
{
	struct tsm_rtmr_dev *dev, *found = NULL;

	mutex_lock(&tsm_rtmr_registry_lock);
	list_for_each_entry(dev, &tsm_rtmr_devs, node) {
		if (name && (strlen(dev->name) != len ||
			     memcmp(dev->name, name, len)))
			continue;
		if (tsm_rtmr_dev_tryget(dev)) {
			found = dev;
			break;
		}
	}
	mutex_unlock(&tsm_rtmr_registry_lock);
	return found;
}

/*
 * For securityfs open: the inode's private pointer is cleared under the
 * registry lock when the provider goes away, so an open that races with
 * unregistration either gets a reference or -ENODEV, never a stale device.
 */
struct tsm_rtmr_dev *tsm_rtmr_dev_get_file(struct inode *inode)
{
	struct tsm_rtmr_dev *dev;

	mutex_lock(&tsm_rtmr_registry_lock);
	dev = inode->i_private;
	if (dev)
		kref_get(&dev->kref);
	mutex_unlock(&tsm_rtmr_registry_lock);
	return dev;
}

/**
 * tsm_rtmr_snapshot() - the extent of the log for a reader of its bytes
 * @dev: the device
 * @snap: out: the published extent
 *
 * A reader never sees the log while an extend is in flight: whatever the
 * register holds at the moment of the snapshot is covered by the log it
 * returns. It waits for at most one provider call, killably, and never
 * for the device lock, so it never holds up a writer.
 *
 * Return: 0, or -EINTR when a fatal signal interrupted the wait.
 */
int tsm_rtmr_snapshot(struct tsm_rtmr_dev *dev, struct tsm_rtmr_snap *snap)
{
	return tsm_rtmr_log_snapshot_settled(&dev->log, snap);
}

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
	spin_lock(&dev->shadow_lock);
	memcpy(tsm_rtmr_shadow(dev, index), value, dev->digests_size);
	set_bit(index, dev->shadow_valid);
	spin_unlock(&dev->shadow_lock);
}

static void tsm_rtmr_shadow_forget(struct tsm_rtmr_dev *dev,
				   unsigned int index)
{
	lockdep_assert_held(&dev->lock);
	spin_lock(&dev->shadow_lock);
	clear_bit(index, dev->shadow_valid);
	spin_unlock(&dev->shadow_lock);
}

static bool tsm_rtmr_shadow_get(struct tsm_rtmr_dev *dev, unsigned int index,
				u8 *value)
{
	bool valid;

	spin_lock(&dev->shadow_lock);
	valid = test_bit(index, dev->shadow_valid);
	if (valid)
		memcpy(value, tsm_rtmr_shadow(dev, index), dev->digests_size);
	spin_unlock(&dev->shadow_lock);
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

static bool tsm_rtmr_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;
	size_t i;

	if (!len || len >= TSM_RTMR_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!islower(name[i]) && !isdigit(name[i]) &&
		    name[i] != '-' && name[i] != '_')
			return false;
	return true;
}

static int tsm_rtmr_validate(const struct tsm_rtmr_provider *p)
{
	unsigned int i, j;

	if (!tsm_rtmr_name_valid(p->name)) {
		pr_err("provider name must be 1-%d chars of [a-z0-9_-]\n",
		       TSM_RTMR_NAME_MAX - 1);
		return -EINVAL;
	}
	if (!p->ops || !p->ops->extend || !p->ops->read) {
		pr_err("%s: provider needs both extend and read ops\n", p->name);
		return -EINVAL;
	}
	if (!p->nr_registers || p->nr_registers > TSM_RTMR_MAX_REGISTERS) {
		pr_err("%s: %u registers, expected 1-%d\n", p->name,
		       p->nr_registers, TSM_RTMR_MAX_REGISTERS);
		return -EINVAL;
	}
	if (find_next_bit(p->extendable, TSM_RTMR_MAX_REGISTERS,
			  p->nr_registers) < TSM_RTMR_MAX_REGISTERS ||
	    find_next_bit(p->ones_at_reset, TSM_RTMR_MAX_REGISTERS,
			  p->nr_registers) < TSM_RTMR_MAX_REGISTERS) {
		pr_err("%s: a register set names a register it lacks\n",
		       p->name);
		return -EINVAL;
	}
	if (p->log_index_offset > U32_MAX - p->nr_registers) {
		pr_err("%s: log index offset overflows\n", p->name);
		return -EINVAL;
	}
	if (!p->nr_algs || p->nr_algs > TSM_RTMR_MAX_ALGS) {
		pr_err("%s: %u algorithms, expected 1-%d\n", p->name,
		       p->nr_algs, TSM_RTMR_MAX_ALGS);
		return -EINVAL;
	}
	for (i = 0; i < p->nr_algs; i++) {
		if (!tsm_rtmr_alg_by_id(p->algs[i])) {
			pr_err("%s: unknown algorithm 0x%04x\n", p->name,
			       p->algs[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (p->algs[j] == p->algs[i]) {
				pr_err("%s: algorithm 0x%04x listed twice\n",
				       p->name, p->algs[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int tsm_rtmr_dev_init_crypto(struct tsm_rtmr_dev *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_algs; i++) {
		const char *hash = hash_algo_name[dev->algs[i]->hash_algo];

		dev->tfm[i] = crypto_alloc_shash(hash, 0, 0);
		if (IS_ERR(dev->tfm[i])) {
			int rc = PTR_ERR(dev->tfm[i]);

			pr_err("%s: no %s hash in the crypto API (%d)\n",
			       dev->name, hash, rc);
			dev->tfm[i] = NULL;
			return rc;
		}
	}
	return 0;
}

static int tsm_rtmr_dev_init_log(struct tsm_rtmr_dev *dev)
{
	size_t len = tsm_rtmr_header_size(dev->nr_algs);
	u8 *hdr;
	int rc;

	hdr = kmalloc(len, GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	tsm_rtmr_build_header(dev->algs, dev->nr_algs, hdr);
	rc = tsm_rtmr_log_init(&dev->log, hdr, len);
	kfree(hdr);
	return rc;
}

static struct tsm_rtmr_dev *tsm_rtmr_dev_create(struct tsm_rtmr_provider *p)
{
	struct tsm_rtmr_dev *dev;
	unsigned int i;
	int rc;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return ERR_PTR(-ENOMEM);
	kref_init(&dev->kref);
	mutex_init(&dev->lock);
	spin_lock_init(&dev->shadow_lock);
	INIT_LIST_HEAD(&dev->node);
	dev->p = p;
	dev->owner = p->owner;
	strscpy(dev->name, p->name, sizeof(dev->name));
	dev->nr_registers = p->nr_registers;
	bitmap_copy(dev->extendable, p->extendable, TSM_RTMR_MAX_REGISTERS);
	bitmap_copy(dev->ones_at_reset, p->ones_at_reset,
		    TSM_RTMR_MAX_REGISTERS);
	dev->nr_algs = p->nr_algs;
	for (i = 0; i < p->nr_algs; i++)
		dev->algs[i] = tsm_rtmr_alg_by_id(p->algs[i]);
	dev->log_index_offset = p->log_index_offset;
	dev->digests_size = tsm_rtmr_digests_size(p);

	/* The log must exist before the first error path frees it. */
	rc = tsm_rtmr_dev_init_log(dev);
	if (rc) {
		kfree(dev);
		return ERR_PTR(rc);
	}
	dev->shadow = kcalloc(dev->nr_registers, dev->digests_size,
			      GFP_KERNEL);
	rc = dev->shadow ? tsm_rtmr_dev_init_crypto(dev) : -ENOMEM;
	if (rc) {
		tsm_rtmr_dev_put(dev);
		return ERR_PTR(rc);
	}
	return dev;
}

static struct tsm_rtmr_dev *tsm_rtmr_find_locked(const char *name)
{
	struct tsm_rtmr_dev *dev;

	lockdep_assert_held(&tsm_rtmr_registry_lock);
	list_for_each_entry(dev, &tsm_rtmr_devs, node)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

/**
 * tsm_rtmr_register() - make a provider's registers available
 * @p: the provider; must stay valid until tsm_rtmr_unregister()
 *
 * Validates @p, creates its log and its securityfs directory, and makes it
 * selectable from configfs handles.
 *
 * Return: 0 or a negative errno (-EEXIST for a duplicate name).
 */
int tsm_rtmr_register(struct tsm_rtmr_provider *p)
{
	struct tsm_rtmr_dev *dev;
	int rc;

	rc = tsm_rtmr_validate(p);
	if (rc)
		return rc;
	dev = tsm_rtmr_dev_create(p);
	if (IS_ERR(dev))
		return PTR_ERR(dev);

	mutex_lock(&tsm_rtmr_registry_lock);
	if (tsm_rtmr_find_locked(p->name)) {
		pr_err("%s: a provider of that name is registered\n", p->name);
		rc = -EEXIST;
		goto out_unlock;
	}
	rc = tsm_rtmr_securityfs_add(dev);
	if (rc)
		goto out_unlock;
	list_add_tail(&dev->node, &tsm_rtmr_devs);
	mutex_unlock(&tsm_rtmr_registry_lock);
	pr_info("%s: %u registers, %u algorithms\n", p->name,
		p->nr_registers, p->nr_algs);
	return 0;

out_unlock:
	mutex_unlock(&tsm_rtmr_registry_lock);
	tsm_rtmr_dev_put(dev);
	return rc;
}
EXPORT_SYMBOL_GPL(tsm_rtmr_register);

/**
 * tsm_rtmr_unregister() - withdraw a provider
 * @p: a provider registered with tsm_rtmr_register()
 *
 * May be called from anywhere a provider loses its hardware, not only
 * from module exit: once it returns the core never calls @p again. Handles
 * still bound to the device get -ENODEV from then on (they also pin the
 * provider's module, so module exit finds none). Open log files keep the
 * log alive (never @p) until they are closed.
 */
void tsm_rtmr_unregister(struct tsm_rtmr_provider *p)
{
	struct tsm_rtmr_dev *dev;

	mutex_lock(&tsm_rtmr_registry_lock);
	dev = tsm_rtmr_find_locked(p->name);
	if (WARN_ON(!dev || dev->p != p)) {
		mutex_unlock(&tsm_rtmr_registry_lock);
		return;
	}
	list_del_init(&dev->node);
	dev->dead = true;
	tsm_rtmr_securityfs_remove(dev);
	mutex_unlock(&tsm_rtmr_registry_lock);

	/* From here on commits and value reads get -ENODEV. */
	mutex_lock(&dev->lock);
	dev->p = NULL;
	spin_lock(&dev->shadow_lock);
	bitmap_zero(dev->shadow_valid, TSM_RTMR_MAX_REGISTERS);
	spin_unlock(&dev->shadow_lock);
	mutex_unlock(&dev->lock);
	tsm_rtmr_dev_put(dev);
}
EXPORT_SYMBOL_GPL(tsm_rtmr_unregister);
