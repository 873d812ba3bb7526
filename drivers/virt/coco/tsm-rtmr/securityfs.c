// SPDX-License-Identifier: GPL-2.0
/*
 * securityfs ABI: /sys/kernel/security/tsm-rtmr/<provider>/
 *
 * Every open file holds a reference on the provider's device, never on the
 * provider, so a log stays readable by those who opened it even after a
 * volatile provider has gone. Reads find their position in O(1) (see
 * log.c) and never walk the entries before it.
 */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <asm/unaligned.h>

#include "tsm-rtmr-core.h"

enum { FILE_BINARY, FILE_ASCII, FILE_COUNT, FILE_STATE };

static struct dentry *tsm_rtmr_root;

static int binary_log_open(struct inode *inode, struct file *file)
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
	size_t len;
	u64 entries;
	int rc;

	if (*ppos < 0)
		return -EINVAL;
	tsm_rtmr_snapshot(dev, &len, &entries);
	if (*ppos >= len)
		return 0;
	count = min_t(size_t, count, len - *ppos);
	rc = tsm_rtmr_log_copy_to_user(&dev->log, *ppos, buf, count);
	if (rc)
		return rc;
	*ppos += count;
	return count;
}

static int binary_log_release(struct inode *inode, struct file *file)
{
	tsm_rtmr_dev_put(file->private_data);
	return 0;
}

static const struct file_operations binary_log_fops = {
	.owner = THIS_MODULE,
	.open = binary_log_open,
	.read = binary_log_read,
	.llseek = default_llseek,
	.release = binary_log_release,
};

/**
 * struct ascii_iter - state of one open ascii_event_log
 * @dev: the device
 * @len: log bytes at the last snapshot
 * @count: entries at the last snapshot
 * @rec: scratch copy of the record being formatted
 * @rec_size: bytes allocated at @rec
 */
struct ascii_iter {
	struct tsm_rtmr_dev *dev;
	size_t len;
	u64 count;
	u8 *rec;
	size_t rec_size;
};

static void *ascii_start(struct seq_file *m, loff_t *pos)
{
	struct ascii_iter *it = m->private;

	/* seq_file hands us the record number: no walk from the head. */
	tsm_rtmr_snapshot(it->dev, &it->len, &it->count);
	return *pos < it->count ? pos : NULL;
}

static void *ascii_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct ascii_iter *it = m->private;

	++*pos;
	return *pos < it->count ? pos : NULL;
}

static void ascii_stop(struct seq_file *m, void *v)
{
}

/* Copy record @recnum into it->rec; returns its size or -ENOMEM. */
static ssize_t ascii_fetch(struct ascii_iter *it, u64 recnum)
{
	struct tsm_rtmr_log *log = &it->dev->log;
	size_t start = tsm_rtmr_log_record_offset(log, recnum);
	size_t end = recnum + 1 < it->count ?
		     tsm_rtmr_log_record_offset(log, recnum + 1) : it->len;

	if (end - start > it->rec_size) {
		kvfree(it->rec);
		it->rec_size = 0;
		it->rec = kvmalloc(end - start, GFP_KERNEL);
		if (!it->rec)
			return -ENOMEM;
		it->rec_size = end - start;
	}
	tsm_rtmr_log_copy(log, start, it->rec, end - start);
	return end - start;
}

static void ascii_hex(struct seq_file *m, const u8 *data, size_t len)
{
	while (len) {
		size_t n = min_t(size_t, len, 64);	/* %*ph limit */

		seq_printf(m, "%*phN", (int)n, data);
		data += n;
		len -= n;
	}
}

static int ascii_show(struct seq_file *m, void *v)
{
	struct ascii_iter *it = m->private;
	struct tsm_rtmr_dev *dev = it->dev;
	u64 recnum = *(loff_t *)v;
	ssize_t size = ascii_fetch(it, recnum);
	const u8 *p = it->rec;
	unsigned int i;
	u32 event_len;

	if (size < 0)
		return size;
	seq_printf(m, "%llu %u 0x%08x", recnum, get_unaligned_le32(p),
		   get_unaligned_le32(p + 4));
	p += 12;
	for (i = 0; i < dev->nr_algs; i++) {
		seq_printf(m, " %s:%*phN", dev->algs[i]->name,
			   dev->algs[i]->digest_size, p + 2);
		p += 2 + dev->algs[i]->digest_size;
	}
	event_len = get_unaligned_le32(p);
	seq_putc(m, ' ');
	if (event_len)
		ascii_hex(m, p + 4, event_len);
	else
		seq_putc(m, '-');
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations ascii_log_seqops = {
	.start = ascii_start,
	.next = ascii_next,
	.stop = ascii_stop,
	.show = ascii_show,
};

static int ascii_log_open(struct inode *inode, struct file *file)
{
	struct ascii_iter *it;
	int rc;

	it = kzalloc(sizeof(*it), GFP_KERNEL);
	if (!it)
		return -ENOMEM;
	it->dev = tsm_rtmr_dev_get_file(inode);
	rc = it->dev ? seq_open(file, &ascii_log_seqops) : -ENODEV;
	if (rc) {
		if (it->dev)
			tsm_rtmr_dev_put(it->dev);
		kfree(it);
		return rc;
	}
	((struct seq_file *)file->private_data)->private = it;
	return 0;
}

static int ascii_log_release(struct inode *inode, struct file *file)
{
	struct ascii_iter *it = ((struct seq_file *)file->private_data)->private;

	tsm_rtmr_dev_put(it->dev);
	kvfree(it->rec);
	kfree(it);
	return seq_release(inode, file);
}

static const struct file_operations ascii_log_fops = {
	.owner = THIS_MODULE,
	.open = ascii_log_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = ascii_log_release,
};

static int count_show(struct seq_file *m, void *v)
{
	size_t len;
	u64 count;

	tsm_rtmr_snapshot(m->private, &len, &count);
	seq_printf(m, "%llu\n", count);
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
		securityfs_remove(dev->files[i]);
		dev->files[i] = NULL;
	}
	securityfs_remove(dev->dir);
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
