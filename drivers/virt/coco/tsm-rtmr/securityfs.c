// SPDX-License-Identifier: GPL-2.0
/*
 * securityfs ABI: /sys/kernel/security/tsm-rtmr/<provider>/
 *
 * Every open file holds a reference on the provider's device, never on the
 * provider, so a log stays readable by those who opened it even after a
 * volatile provider has gone. Reads find their position through the
 * offsets indexed at publish time (see log.c) and never walk, or format,
 * the entries before it.
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "tsm-rtmr-core.h"

enum { FILE_BINARY, FILE_ASCII, FILE_COUNT, FILE_STATE };

static struct dentry *tsm_rtmr_root;

static int log_open(struct inode *inode, struct file *file)
{
	struct tsm_rtmr_dev *dev = tsm_rtmr_dev_get_file(inode);

	if (!dev)
		return -ENODEV;
	file->private_data = dev;
	return 0;
}

static ssize_t binary_log_read(struct file *file, char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct tsm_rtmr_dev *dev = file->private_data;
	struct tsm_rtmr_snap snap;
	int rc;

	if (*ppos < 0)
		return -EINVAL;
	tsm_rtmr_snapshot(dev, &snap);
	if (*ppos >= snap.len)
		return 0;
	count = min_t(size_t, count, snap.len - *ppos);
	rc = tsm_rtmr_log_copy_to_user(&dev->log, *ppos, buf, count);
	if (rc)
		return rc;
	*ppos += count;
	return count;
}

static int log_release(struct inode *inode, struct file *file)
{
	tsm_rtmr_dev_put(file->private_data);
	return 0;
}

static const struct file_operations binary_log_fops = {
	.owner = THIS_MODULE,
	.open = log_open,
	.read = binary_log_read,
	.llseek = default_llseek,
	.release = log_release,
};

/**
 * struct ascii_reader - state of one open ascii_event_log
 * @dev: the device
 * @rec: scratch copy of the record being formatted
 * @rec_size: bytes allocated at @rec
 * @line: scratch buffer for its line
 * @line_size: bytes allocated at @line
 */
struct ascii_reader {
	struct tsm_rtmr_dev *dev;
	u8 *rec;
	size_t rec_size;
	char *line;
	size_t line_size;
};

static int ascii_grow(void **buf, size_t *size, size_t need)
{
	if (need <= *size)
		return 0;
	kvfree(*buf);
	*size = 0;
	*buf = kvmalloc(need, GFP_KERNEL);
	if (!*buf)
		return -ENOMEM;
	*size = need;
	return 0;
}

/* Format entry @recnum into r->line; returns the line's length. */
static ssize_t ascii_render(struct ascii_reader *r,
			    const struct tsm_rtmr_snap *snap, u64 recnum)
{
	struct tsm_rtmr_log *log = &r->dev->log;
	struct tsm_rtmr_pos pos = tsm_rtmr_log_pos(log, recnum);
	struct tsm_rtmr_pos next = { .bin = snap->len,
				     .ascii = snap->ascii_len };
	size_t rec_len, line_len;

	if (recnum + 1 < snap->count)
		next = tsm_rtmr_log_pos(log, recnum + 1);
	rec_len = next.bin - pos.bin;
	line_len = next.ascii - pos.ascii;
	/* + 32: sprintf() writes a NUL past the numbers it prints */
	if (ascii_grow((void **)&r->rec, &r->rec_size, rec_len) ||
	    ascii_grow((void **)&r->line, &r->line_size, line_len + 32))
		return -ENOMEM;
	tsm_rtmr_log_copy(log, pos.bin, r->rec, rec_len);
	if (WARN_ON_ONCE(tsm_rtmr_format_ascii(r->dev, recnum, r->rec,
					       r->line) != line_len))
		return -EIO;
	return line_len;
}

/*
 * The line holding byte *ppos is found by a binary search over the line
 * offsets indexed at publish time; only the lines returned are formatted.
 */
static ssize_t ascii_log_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct ascii_reader *r = file->private_data;
	struct tsm_rtmr_snap snap;
	u64 pos = *ppos, recnum;
	size_t done = 0;
	ssize_t rc = 0;

	if (*ppos < 0)
		return -EINVAL;
	tsm_rtmr_snapshot(r->dev, &snap);
	if (pos >= snap.ascii_len)
		return 0;
	recnum = tsm_rtmr_log_find_ascii(&r->dev->log, snap.count, pos);
	for (; done < count && recnum < snap.count; recnum++) {
		u64 skip = pos + done - tsm_rtmr_log_pos(&r->dev->log,
							  recnum).ascii;
		size_t n;

		rc = ascii_render(r, &snap, recnum);
		if (rc < 0)
			break;
		n = min_t(size_t, count - done, rc - skip);
		if (copy_to_user(buf + done, r->line + skip, n)) {
			rc = -EFAULT;
			break;
		}
		done += n;
	}
	*ppos += done;
	return done ? done : min_t(ssize_t, rc, 0);
}

static int ascii_log_open(struct inode *inode, struct file *file)
{
	struct ascii_reader *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->dev = tsm_rtmr_dev_get_file(inode);
	if (!r->dev) {
		kfree(r);
		return -ENODEV;
	}
	file->private_data = r;
	return 0;
}

static int ascii_log_release(struct inode *inode, struct file *file)
{
	struct ascii_reader *r = file->private_data;

	tsm_rtmr_dev_put(r->dev);
	kvfree(r->rec);
	kvfree(r->line);
	kfree(r);
	return 0;
}

static const struct file_operations ascii_log_fops = {
	.owner = THIS_MODULE,
	.open = ascii_log_open,
	.read = ascii_log_read,
	.llseek = default_llseek,
	.release = ascii_log_release,
};

static int count_show(struct seq_file *m, void *v)
{
	struct tsm_rtmr_snap snap;

	tsm_rtmr_snapshot(m->private, &snap);
	seq_printf(m, "%llu\n", snap.count);
	return 0;
}

static int state_show(struct seq_file *m, void *v)
{
	struct tsm_rtmr_dev *dev = m->private;
	unsigned int i;

	mutex_lock(&dev->lock);
	if (!dev->log.nr_uncertain)
		seq_puts(m, "ok");
	else
		seq_puts(m, "uncertain");
	for (i = 0; i < dev->log.nr_uncertain; i++)
		seq_printf(m, " %llu", dev->log.uncertain[i]);
	mutex_unlock(&dev->lock);
	seq_putc(m, '\n');
	return 0;
}

static int single_dev_open(struct inode *inode, struct file *file,
			   int (*show)(struct seq_file *, void *))
{
	struct tsm_rtmr_dev *dev = tsm_rtmr_dev_get_file(inode);
	int rc;

	if (!dev)
		return -ENODEV;
	rc = single_open(file, show, dev);
	if (rc)
		tsm_rtmr_dev_put(dev);
	return rc;
}

static int single_dev_release(struct inode *inode, struct file *file)
{
	tsm_rtmr_dev_put(((struct seq_file *)file->private_data)->private);
	return single_release(inode, file);
}

static int count_open(struct inode *inode, struct file *file)
{
	return single_dev_open(inode, file, count_show);
}

static int state_open(struct inode *inode, struct file *file)
{
	return single_dev_open(inode, file, state_show);
}

static const struct file_operations count_fops = {
	.owner = THIS_MODULE,
	.open = count_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_dev_release,
};

static const struct file_operations state_fops = {
	.owner = THIS_MODULE,
	.open = state_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_dev_release,
};

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
} tsm_rtmr_files[] = {
	[FILE_BINARY] = { "binary_event_log", 0440, &binary_log_fops },
	[FILE_ASCII] = { "ascii_event_log", 0440, &ascii_log_fops },
	[FILE_COUNT] = { "count", 0444, &count_fops },
	[FILE_STATE] = { "state", 0444, &state_fops },
};

/* Called with the registry lock held. */
int tsm_rtmr_securityfs_add(struct tsm_rtmr_dev *dev)
{
	struct dentry *d;
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(tsm_rtmr_files) != ARRAY_SIZE(dev->files));
	d = securityfs_create_dir(dev->name, tsm_rtmr_root);
	if (IS_ERR(d))
		return PTR_ERR(d);
	dev->dir = d;
	for (i = 0; i < ARRAY_SIZE(tsm_rtmr_files); i++) {
		d = securityfs_create_file(tsm_rtmr_files[i].name,
					   tsm_rtmr_files[i].mode, dev->dir,
					   dev, tsm_rtmr_files[i].fops);
		if (IS_ERR(d)) {
			tsm_rtmr_securityfs_remove(dev);
			return PTR_ERR(d);
		}
		dev->files[i] = d;
	}
	return 0;
}

/*
 * securityfs_remove() unlinks but, unlike an unlink through the VFS, leaves
 * the dentry hashed while something still holds it: an open file holds its
 * own dentry and its directory's. Removed files would then keep their
 * directory non-empty and a removed directory would stay visible, blocking
 * a provider of the same name from registering again. Unhash each, as the
 * VFS would.
 */
static void securityfs_remove_unhashed(struct dentry *d)
{
	dget(d);
	securityfs_remove(d);
	d_drop(d);
	dput(d);
}

/*
 * Called with the registry lock held. Clearing i_private under that lock
 * is what makes a racing open fail cleanly instead of using a freed device.
 */
void tsm_rtmr_securityfs_remove(struct tsm_rtmr_dev *dev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dev->files); i++) {
		if (!dev->files[i])
			continue;
		d_inode(dev->files[i])->i_private = NULL;
		securityfs_remove_unhashed(dev->files[i]);
		dev->files[i] = NULL;
	}
	if (dev->dir)
		securityfs_remove_unhashed(dev->dir);
	dev->dir = NULL;
}

int tsm_rtmr_securityfs_init(void)
{
	tsm_rtmr_root = securityfs_create_dir("tsm-rtmr", NULL);
	return PTR_ERR_OR_ZERO(tsm_rtmr_root);
}

void tsm_rtmr_securityfs_exit(void)
{
	securityfs_remove(tsm_rtmr_root);
}
