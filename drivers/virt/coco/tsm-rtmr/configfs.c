// SPDX-License-Identifier: GPL-2.0
/*
 * configfs ABI: /sys/kernel/config/tsm/rtmrs/<handle>/
 *
 * A handle is one writer's staging area: bind a provider, pick a register,
 * stage event type and data, then write the digests to commit. Errors are
 * reported by the earliest write that can detect them, so everything that
 * depends only on one attribute is checked when that attribute is written.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/configfs.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "compat.h"
#include "tsm-rtmr-core.h"

/**
 * struct tsm_rtmr_handle - a configfs handle directory
 * @item: the configfs item
 * @lock: serialises the handle's attributes; taken before the device lock
 * @dev: bound provider; a reference is held and its module is pinned
 * @owner: @dev's provider module, pinned for as long as it is bound
 * @index: register to extend, or -1 while unset
 * @event_type: TCG event type of the next entry
 * @event: staged event data of the next entry
 * @event_len: bytes of @event
 * @event_err: error staging @event (the binary attribute cannot report it);
 *	also set without @lock, by a closing task killed while waiting for it
 * @committed: an entry of this handle is in the log
 * @last_recnum: record number of that entry
 */
struct tsm_rtmr_handle {
	struct config_item item;
	struct mutex lock;	/* the handle's attributes */
	struct tsm_rtmr_dev *dev;
	struct module *owner;
	int index;
	u32 event_type;
	void *event;
	size_t event_len;
	int event_err;
	bool committed;
	u64 last_recnum;
};

static struct tsm_rtmr_handle *to_handle(struct config_item *item)
{
	return container_of(item, struct tsm_rtmr_handle, item);
}

/* Only CAP_SYS_ADMIN may change a handle; the file mode stops non-root. */
static int handle_may_write(void)
{
	return capable(CAP_SYS_ADMIN) ? 0 : -EPERM;
}

/*
 * configfs hands a text attribute at most 4095 bytes of a write and drops
 * the rest without telling us, so a write that long may have been cut:
 * refuse it rather than act on a part. A NUL would let "3\0junk" pass
 * for "3". Either way nothing changes.
 */
#define HANDLE_TEXT_MAX		(PAGE_SIZE - 1)

static int handle_may_store(const char *buf, size_t count)
{
	if (count >= HANDLE_TEXT_MAX || memchr(buf, '\0', count))
		return -EINVAL;
	return handle_may_write();
}

/*
 * The handle lock is held across commits, and so across provider calls:
 * whoever waits for it must be able to die of SIGKILL.
 */
static int handle_lock(struct tsm_rtmr_handle *h)
{
	return mutex_lock_killable(&h->lock) ? -EINTR : 0;
}

static size_t strip_newline(const char *buf, size_t len)
{
	return len && buf[len - 1] == '\n' ? len - 1 : len;
}

static void handle_clear_event(struct tsm_rtmr_handle *h)
{
	kvfree(h->event);
	h->event = NULL;
	h->event_len = 0;
	h->event_type = TSM_RTMR_DEFAULT_EVENT;
}

static void handle_unbind(struct tsm_rtmr_handle *h)
{
	module_put(h->owner);
	tsm_rtmr_dev_put(h->dev);
}

static ssize_t handle_provider_show(struct config_item *item, char *buf)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	ssize_t len;

	/* The lock keeps a concurrent rebind from releasing h->dev. */
	if (handle_lock(h))
		return -EINTR;
	len = sysfs_emit(buf, "%s\n", h->dev->name);
	mutex_unlock(&h->lock);
	return len;
}

static ssize_t handle_provider_store(struct config_item *item,
				     const char *buf, size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	struct tsm_rtmr_dev *dev;
	int rc;

	rc = handle_may_store(buf, count) ?: handle_lock(h);
	if (rc)
		return rc;
	if (h->committed) {
		rc = -EBUSY;
		goto out;
	}
	dev = tsm_rtmr_dev_get(buf, strip_newline(buf, count));
	if (!dev) {
		rc = -ENODEV;
		goto out;
	}
	handle_unbind(h);
	h->dev = dev;
	h->owner = dev->owner;
	/* A register index means nothing to another provider. */
	h->index = -1;
out:
	mutex_unlock(&h->lock);
	return rc ?: count;
}

static ssize_t handle_algs_show(struct config_item *item, char *buf)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	unsigned int i;
	int len = 0;

	if (handle_lock(h))
		return -EINTR;
	for (i = 0; i < h->dev->nr_algs; i++)
		len += sysfs_emit_at(buf, len, "%s%s", i ? " " : "",
				     h->dev->algs[i]->name);
	mutex_unlock(&h->lock);
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t handle_index_show(struct config_item *item, char *buf)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	int index = READ_ONCE(h->index);

	return index < 0 ? 0 : sysfs_emit(buf, "%d\n", index);
}

static ssize_t handle_index_store(struct config_item *item, const char *buf,
				  size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	unsigned int index;
	int rc;

	rc = handle_may_store(buf, count);
	if (rc)
		return rc;
	rc = kstrtouint(buf, 0, &index);
	if (rc)
		return rc == -ERANGE ? -ERANGE : -EINVAL;

	if (handle_lock(h))
		return -EINTR;
	if (index >= h->dev->nr_registers)
		rc = -ERANGE;
	else if (!test_bit(index, h->dev->extendable))
		rc = -EPERM;
	else
		h->index = index;
	mutex_unlock(&h->lock);
	return rc ?: count;
}

static ssize_t handle_log_index_show(struct config_item *item, char *buf)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	ssize_t rc;

	if (handle_lock(h))
		return -EINTR;
	if (h->index < 0)
		rc = -ENXIO;
	else
		rc = sysfs_emit(buf, "%u\n",
				h->index + h->dev->log_index_offset);
	mutex_unlock(&h->lock);
	return rc;
}

static ssize_t handle_event_type_show(struct config_item *item, char *buf)
{
	return sysfs_emit(buf, "0x%x\n", READ_ONCE(to_handle(item)->event_type));
}

static ssize_t handle_event_type_store(struct config_item *item,
				       const char *buf, size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	u32 type;
	int rc;

	rc = handle_may_store(buf, count);
	if (rc)
		return rc;
	/* EV_NO_ACTION events are never extended, so never accepted here. */
	if (kstrtou32(buf, 0, &type) || type == TSM_RTMR_EV_NO_ACTION)
		return -EINVAL;

	if (handle_lock(h))
		return -EINTR;
	h->event_type = type;
	mutex_unlock(&h->lock);
	return count;
}

/*
 * value is world-readable: it must not hold the handle lock while it may
 * wait for a provider call, or a reader would stall this handle's writer.
 */
static ssize_t handle_value_show(struct config_item *item, char *buf)
{
	u8 digests[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	struct tsm_rtmr_handle *h = to_handle(item);
	struct tsm_rtmr_dev *dev;
	unsigned int i, off = 0;
	int len = 0, index, rc;

	if (handle_lock(h))
		return -EINTR;
	dev = h->dev;
	kref_get(&dev->kref);
	index = h->index;
	mutex_unlock(&h->lock);

	rc = index < 0 ? -ENXIO : tsm_rtmr_read_value(dev, index, digests);
	for (i = 0; !rc && i < dev->nr_algs; i++) {
		int size = tsm_rtmr_alg_size(dev->algs[i]);

		len += sysfs_emit_at(buf, len, "%s:%*phN\n", dev->algs[i]->name,
				     size, digests + off);
		off += size;
	}
	tsm_rtmr_dev_put(dev);
	return rc ?: len;
}

static ssize_t handle_last_recnum_show(struct config_item *item, char *buf)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	ssize_t rc = 0;

	if (handle_lock(h))
		return -EINTR;
	if (h->committed)
		rc = sysfs_emit(buf, "%llu\n", h->last_recnum);
	mutex_unlock(&h->lock);
	return rc;
}

static int handle_commit(struct tsm_rtmr_handle *h, const char *buf,
			 size_t count)
{
	u8 digests[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	struct tsm_rtmr_entry e;
	u64 recnum = U64_MAX;
	int rc;

	if (h->index < 0)
		return -ENXIO;
	/* Sticky until the next good write to event: see handle_event_write */
	rc = READ_ONCE(h->event_err);
	if (rc)
		return rc;
	rc = tsm_rtmr_parse_digests(h->dev->algs, h->dev->nr_algs, buf, count,
				    digests);
	if (rc)
		return rc;

	e = (struct tsm_rtmr_entry) {
		.index = h->index,
		.event_type = h->event_type,
		.digests = digests,
		.event = h->event,
		.event_len = h->event_len,
	};
	rc = tsm_rtmr_commit(h->dev, &e, &recnum);
	/* An uncertain entry is in the log too: it counts as committed. */
	if (recnum != U64_MAX) {
		h->committed = true;
		h->last_recnum = recnum;
	}
	if (!rc)
		handle_clear_event(h);
	return rc;
}

/* Writing the digests commits the staged entry: extend + append, or fail. */
static ssize_t handle_digest_store(struct config_item *item, const char *buf,
				   size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	int rc;

	rc = handle_may_store(buf, count) ?: handle_lock(h);
	if (rc)
		return rc;
	rc = handle_commit(h, buf, count);
	mutex_unlock(&h->lock);
	return rc ?: count;
}

CONFIGFS_ATTR(handle_, provider);
CONFIGFS_ATTR_RO(handle_, algs);
CONFIGFS_ATTR(handle_, index);
CONFIGFS_ATTR_RO(handle_, log_index);
CONFIGFS_ATTR(handle_, event_type);
CONFIGFS_ATTR_WO(handle_, digest);
CONFIGFS_ATTR_RO(handle_, value);
CONFIGFS_ATTR_RO(handle_, last_recnum);

static struct configfs_attribute *handle_attrs[] = {
	&handle_attr_provider,
	&handle_attr_algs,
	&handle_attr_index,
	&handle_attr_log_index,
	&handle_attr_event_type,
	&handle_attr_digest,
	&handle_attr_value,
	&handle_attr_last_recnum,
	NULL,
};

/*
 * configfs calls this at the last close of the file, in the task that
 * closes it, and drops the result; nothing is called at open or write.
 * So the capability check is of the closing task: a uid-0 task without
 * CAP_SYS_ADMIN gets a successful write and close and changes nothing, and
 * the kernel log says so once. A privileged task must not close an event
 * file it did not open itself (for example one passed to it over a
 * socket): its close is what applies the write.
 *
 * Staging failures cannot be reported here, so they are sticky: every
 * commit fails with the error until the next write to event succeeds, and
 * no entry is ever committed with event data other than what was written.
 *
 * configfs also calls this, with nothing, after a write it refused with
 * EFBIG (an empty file never gets here: a write of some bytes is needed).
 * Such a call changes nothing, so an oversized event written in one write
 * leaves the staged event as it was. An event written in pieces is another
 * matter: configfs applies the pieces it accepted before the EFBIG, and
 * nothing tells this function; writers must treat EFBIG as fatal.
 */
static ssize_t handle_event_write(struct config_item *item, const void *buf,
				  size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	void *data;

	if (handle_may_write()) {
		pr_notice_once("event written without CAP_SYS_ADMIN: ignored (pid %d)\n",
			       task_pid_nr(current));
		return -EPERM;
	}
	if (!count)
		return 0;
	data = kvmalloc(count, GFP_KERNEL);
	if (data)
		memcpy(data, buf, count);

	/*
	 * A commit of this handle may hold the lock behind a hung provider.
	 * A task killed while waiting here drops its data, and the next
	 * commit fails with EINTR (sticky, as any staging failure), rather
	 * than commit the event staged before.
	 */
	if (mutex_lock_killable(&h->lock)) {
		kvfree(data);
		WRITE_ONCE(h->event_err, -EINTR);
		return -EINTR;
	}
	kvfree(h->event);
	h->event = data;
	h->event_len = data ? count : 0;
	WRITE_ONCE(h->event_err, data ? 0 : -ENOMEM);
	mutex_unlock(&h->lock);
	return count;
}

/* Write-only (0200): nothing staged is readable, by anyone. */
CONFIGFS_BIN_ATTR_WO(handle_, event, NULL, 0);

static struct configfs_bin_attribute *handle_bin_attrs[] = {
	&handle_attr_event,
	NULL,
};

static void handle_release(struct config_item *item)
{
	struct tsm_rtmr_handle *h = to_handle(item);

	handle_unbind(h);
	kvfree(h->event);
	kfree(h);
}

static struct configfs_item_operations handle_item_ops = {
	.release = handle_release,
};

static const struct config_item_type handle_type = {
	.ct_item_ops = &handle_item_ops,
	.ct_attrs = handle_attrs,
	.ct_bin_attrs = handle_bin_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *rtmrs_make_handle(struct config_group *group,
					     const char *name)
{
	struct tsm_rtmr_handle *h;
	struct tsm_rtmr_dev *dev;

	if (handle_may_write())
		return ERR_PTR(-EPERM);
	dev = tsm_rtmr_dev_get(NULL, 0);
	if (!dev)
		return ERR_PTR(-ENODEV);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h) {
		module_put(dev->owner);
		tsm_rtmr_dev_put(dev);
		return ERR_PTR(-ENOMEM);
	}
	mutex_init(&h->lock);
	h->dev = dev;
	h->owner = dev->owner;
	h->index = -1;
	h->event_type = TSM_RTMR_DEFAULT_EVENT;
	config_item_init_type_name(&h->item, name, &handle_type);
	return &h->item;
}

static struct configfs_group_operations rtmrs_group_ops = {
	.make_item = rtmrs_make_handle,
};

static const struct config_item_type rtmrs_type = {
	.ct_group_ops = &rtmrs_group_ops,
	.ct_owner = THIS_MODULE,
};

static const struct config_item_type tsm_root_type = {
	.ct_owner = THIS_MODULE,
};

static struct config_group rtmrs_group;
static struct configfs_subsystem tsm_rtmr_subsys;

static int tsm_rtmr_configfs_register(const char *root)
{
	config_group_init_type_name(&tsm_rtmr_subsys.su_group, root,
				    &tsm_root_type);
	mutex_init(&tsm_rtmr_subsys.su_mutex);
	config_group_init_type_name(&rtmrs_group, "rtmrs", &rtmrs_type);
	configfs_add_default_group(&rtmrs_group, &tsm_rtmr_subsys.su_group);
	return configfs_register_subsystem(&tsm_rtmr_subsys);
}

/*
 * The configfs "tsm" subsystem belongs to configfs-tsm (attestation
 * reports) where that is built (CONFIG_TSM_REPORTS, 6.7+). There, or whenever
 * "tsm" is taken, the handles live in /sys/kernel/config/tsm-rtmr/rtmrs so
 * that neither module ever blocks the other.
 */
int tsm_rtmr_configfs_init(void)
{
	int rc = -EEXIST;

	handle_attr_event.cb_max_size = tsm_rtmr_max_event_bytes;
#if !IS_ENABLED(CONFIG_TSM_REPORTS)
	rc = tsm_rtmr_configfs_register("tsm");
#endif
	if (rc == -EEXIST) {
		pr_info("configfs \"tsm\" is %s: using /sys/kernel/config/tsm-rtmr/rtmrs\n",
			IS_ENABLED(CONFIG_TSM_REPORTS) ?
			"configfs-tsm's (CONFIG_TSM_REPORTS)" : "taken");
		rc = tsm_rtmr_configfs_register("tsm-rtmr");
	}
	return rc;
}

void tsm_rtmr_configfs_exit(void)
{
	configfs_unregister_subsystem(&tsm_rtmr_subsys);
}
