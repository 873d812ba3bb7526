// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr core: the provider registry.
 *
 * A provider registers its registers; the registry validates it, creates
 * its device (log, shadow, hashes) and its securityfs directory, and hands
 * devices to configfs handles and securityfs files by reference. What is
 * done with a device, the write path, is commit.c's; the registry and
 * securityfs call each other, as tpm-chip.c and tpm-sysfs.c do.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <linux/bitmap.h>
#include <linux/cleanup.h>
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
	u8 *hdr __free(kfree) = NULL;
	size_t len = tsm_rtmr_header_size(dev->nr_algs);

	hdr = kmalloc(len, GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	tsm_rtmr_build_header(dev->algs, dev->nr_algs, hdr);
	return tsm_rtmr_log_init(&dev->log, hdr, len);
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
	tsm_rtmr_shadow_forget_all(dev);
	mutex_unlock(&dev->lock);
	tsm_rtmr_dev_put(dev);
}
EXPORT_SYMBOL_GPL(tsm_rtmr_unregister);
