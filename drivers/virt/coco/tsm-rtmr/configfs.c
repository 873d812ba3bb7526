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
#include <linux/sizes.h>
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
 * @event_err: sticky error of the last staging attempt, through either door
 *	(event_blob cannot report its errors; see handle_stage_event()); also
 *	set without @lock, by a task killed while waiting for it
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
	lockdep_assert_held(&h->lock);
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
	/* Decimal only: with base 0, "011" would select register 9. */
	rc = kstrtouint(buf, 10, &index);
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

/*
 * Decimal or 0x-hex, never octal: event types are written both ways in
 * the TCG specs and in scripts, and a leading zero must not change the
 * number ("011" is eleven).
 */
static int parse_event_type(const char *buf, u32 *type)
{
	bool hex = buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X');

	return kstrtou32(buf, hex ? 16 : 10, type);
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
	if (parse_event_type(buf, &type) || type == TSM_RTMR_EV_NO_ACTION)
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

	lockdep_assert_held(&h->lock);
	if (h->index < 0)
		return -ENXIO;
	/* Sticky until the next good staging: see handle_stage_event() */
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

/*
 * Event data has two doors, because configfs gives them different powers.
 *
 * event is a text attribute: its store runs inside the writer's write(2),
 * with the writer's credentials, and its error reaches the writer. So it
 * checks the writer, and one write is one event: each write replaces the
 * staged data, so a writer may keep the file open and pwrite() at 0 for
 * every entry. configfs copies at most PAGE_SIZE - 1 bytes of a write and
 * silently drops the rest, so a store of that length may be a cut write:
 * it is refused whole, and the largest event through this door is one
 * byte less.
 *
 * event_blob is a binary attribute for larger data: configfs gathers the
 * writes of one open in its own buffer and hands them to us only when the
 * file is closed, in the closing task, dropping our answer. See
 * handle_event_blob_write() for what that costs and how it is contained.
 *
 * Both end in handle_stage_event(). A staging failure is sticky: every
 * commit fails with it until a later staging succeeds, so an entry is
 * never committed with event data other than one whole successful write
 * to event or all the bytes of one open of event_blob.
 */
#define HANDLE_EVENT_TEXT_MAX	(HANDLE_TEXT_MAX - 1)

/*
 * configfs refuses a binary write that would grow its buffer past
 * cb_max_size, but applies what the open gathered before, so a limit of
 * exactly max_event_bytes would let a chunked oversized write stage its
 * first max_event_bytes. With the limit set higher by at least the largest
 * chunk common tools write (cat: 128 KiB), a sequential writer is refused
 * only after it has written more than max_event_bytes, which the apply
 * then sees and refuses.
 */
#define HANDLE_EVENT_BLOB_SLACK	SZ_128K

/*
 * Replace the staged event data with @data (@len bytes; owned by the
 * handle from here on), or record @err. A task killed while waiting for
 * the lock (a commit may hold it behind a hung provider) drops its data,
 * and the next commit fails with EINTR rather than commit the event
 * staged before.
 */
static int handle_stage_event(struct tsm_rtmr_handle *h, void *data,
			      size_t len, int err)
{
	if (mutex_lock_killable(&h->lock)) {
		kvfree(data);
		WRITE_ONCE(h->event_err, -EINTR);
		return -EINTR;
	}
	kvfree(h->event);
	h->event = err ? NULL : data;
	h->event_len = err ? 0 : len;
	WRITE_ONCE(h->event_err, err);
	mutex_unlock(&h->lock);
	return err;
}

/* A copy of @len bytes at @buf to stage, or the staging error. */
static int handle_stage_copy(struct tsm_rtmr_handle *h, const void *buf,
			     size_t len)
{
	void *data;

	if (len > READ_ONCE(tsm_rtmr_max_event_bytes))
		return handle_stage_event(h, NULL, 0, -EFBIG);
	/* kvmemdup(), which 6.1 lacks */
	data = kvmalloc(len, GFP_KERNEL);
	if (data)
		memcpy(data, buf, len);
	return handle_stage_event(h, data, len, data ? 0 : -ENOMEM);
}

/*
 * configfs passes no 0-byte write on, and @buf may hold NULs: it is the
 * event data, byte for byte. A writer without CAP_SYS_ADMIN changes
 * nothing, not even the sticky error: it must not be able to fail the
 * next commit of the writer it handed the file to.
 */
static ssize_t handle_event_store(struct config_item *item, const char *buf,
				  size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);
	int rc;

	rc = handle_may_write();
	if (rc)
		return rc;
	if (count > HANDLE_EVENT_TEXT_MAX)
		rc = handle_stage_event(h, NULL, 0, -EFBIG);
	else
		rc = handle_stage_copy(h, buf, count);
	return rc ?: count;
}

/*
 * configfs calls this at the last close of the file, in the task that
 * closes it, and drops the result; nothing is called at open or write.
 * So the capability check is of the closing task: a uid-0 task without
 * CAP_SYS_ADMIN gets a successful write and close and changes nothing, and
 * the kernel log says so once. A privileged task that closes an event_blob
 * file it did not open itself (one passed to it over a socket) applies
 * whatever was written to it: the one limit of this door, and the reason
 * event is the door for data that fits it.
 *
 * The size limit is enforced here, not by configfs (see
 * HANDLE_EVENT_BLOB_SLACK), and a call with no data means every write of
 * that open was refused (configfs calls this after an EFBIG too; an open
 * without a write never gets here): either way the next commit fails with
 * EFBIG.
 */
static ssize_t handle_event_blob_write(struct config_item *item,
				       const void *buf, size_t count)
{
	struct tsm_rtmr_handle *h = to_handle(item);

	if (handle_may_write()) {
		pr_notice_once("event_blob written without CAP_SYS_ADMIN: ignored (pid %d)\n",
			       task_pid_nr(current));
		return -EPERM;
	}
	if (!count)
		return handle_stage_event(h, NULL, 0, -EFBIG);
	return handle_stage_copy(h, buf, count) ?: count;
}

/*
 * Staged attributes are 0600, event and digest 0200: nothing staged in a
 * handle is readable by anyone but root, who writes it anyway.
 */
#define HANDLE_ATTR_STAGED(_name)					\
static struct configfs_attribute handle_attr_##_name = {		\
	.ca_name	= __stringify(_name),				\
	.ca_mode	= 0600,						\
	.ca_owner	= THIS_MODULE,					\
	.show		= handle_##_name##_show,			\
	.store		= handle_##_name##_store,			\
}

CONFIGFS_ATTR(handle_, provider);
CONFIGFS_ATTR_RO(handle_, algs);
HANDLE_ATTR_STAGED(index);
CONFIGFS_ATTR_RO(handle_, log_index);
HANDLE_ATTR_STAGED(event_type);
CONFIGFS_ATTR_WO(handle_, event);
CONFIGFS_ATTR_WO(handle_, digest);
CONFIGFS_ATTR_RO(handle_, value);
CONFIGFS_ATTR_RO(handle_, last_recnum);

static struct configfs_attribute *handle_attrs[] = {
	&handle_attr_provider,
	&handle_attr_algs,
	&handle_attr_index,
	&handle_attr_log_index,
	&handle_attr_event_type,
	&handle_attr_event,
	&handle_attr_digest,
	&handle_attr_value,
	&handle_attr_last_recnum,
	NULL,
};

CONFIGFS_BIN_ATTR_WO(handle_, event_blob, NULL, 0);

static struct configfs_bin_attribute *handle_bin_attrs[] = {
	&handle_attr_event_blob,
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

	handle_attr_event_blob.cb_max_size = tsm_rtmr_max_event_bytes +
					    HANDLE_EVENT_BLOB_SLACK;
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
