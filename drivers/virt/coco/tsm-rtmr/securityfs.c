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
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "compat.h"
#include "tsm-rtmr-core.h"

enum { FILE_BINARY, FILE_ASCII, FILE_COUNT, FILE_STATE, FILE_IMPORT };

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
	rc = tsm_rtmr_snapshot(dev, &snap);
	if (rc)
		return rc;
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

/*
 * ascii_event_log is rendered on the fly from the binary records, a piece
 * at a time through small buffers on the stack: a record's fixed part is
 * copied once, then the numbers, each digest and the event data in hex,
 * 64 bytes at a time, are gathered for copy_to_user(). Pieces wholly before the
 * wanted window are skipped without being formatted, so a read formats
 * only about the bytes it returns. Nothing belongs to the open file but
 * its device reference, so any number of readers may share one file
 * (pread, preadv and io_uring take no file-position lock) without sharing
 * any state.
 */
#define ASCII_HEX_CHUNK		64
#define ASCII_OUT_BUF		512

/**
 * struct ascii_out - where a read() call's bytes go
 * @ubuf: the caller's buffer
 * @count: bytes wanted
 * @done: bytes copied to @ubuf so far
 * @skip: bytes of the current line before the first one wanted
 * @fill: bytes waiting in @buf
 * @buf: pieces gathered for one copy_to_user() (pieces are small)
 */
struct ascii_out {
	char __user *ubuf;
	size_t count;
	size_t done;
	u64 skip;
	size_t fill;
	char buf[ASCII_OUT_BUF];
};

static bool ascii_out_full(const struct ascii_out *o)
{
	return o->done + o->fill == o->count;
}

static int ascii_flush(struct ascii_out *o)
{
	if (copy_to_user(o->ubuf + o->done, o->buf, o->fill))
		return -EFAULT;
	o->done += o->fill;
	o->fill = 0;
	return 0;
}

/* Hand the next @len bytes of the line to @o, minus those it skips. */
static int ascii_put(struct ascii_out *o, const char *src, size_t len)
{
	size_t n;
	int rc;

	if (o->skip >= len) {
		o->skip -= len;
		return 0;
	}
	src += o->skip;
	len -= o->skip;
	o->skip = 0;
	len = min_t(size_t, len, o->count - o->done - o->fill);
	for (; len; src += n, len -= n) {
		if (o->fill == sizeof(o->buf)) {
			rc = ascii_flush(o);
			if (rc)
				return rc;
		}
		n = min_t(size_t, len, sizeof(o->buf) - o->fill);
		memcpy(o->buf + o->fill, src, n);
		o->fill += n;
	}
	return 0;
}

/*
 * @len bytes in hex, from the chunk that holds o->skip on: from @mem, or,
 * when @mem is NULL, from the log at @pos.
 */
static int ascii_put_hex(struct ascii_out *o, const u8 *mem,
			 struct tsm_rtmr_log *log, size_t pos, size_t len)
{
	u8 bin[ASCII_HEX_CHUNK];
	char hex[2 * ASCII_HEX_CHUNK];
	size_t first = min_t(u64, o->skip / 2, len), n;
	int rc;

	o->skip -= 2 * first;
	for (; first < len && !ascii_out_full(o); first += n) {
		n = min_t(size_t, len - first, ASCII_HEX_CHUNK);
		if (!mem)
			tsm_rtmr_log_copy(log, pos + first, bin, n);
		bin2hex(hex, mem ? mem + first : bin, n);
		rc = ascii_put(o, hex, 2 * n);
		if (rc)
			return rc;
	}
	return 0;
}

/* Entry @recnum's line, from byte o->skip on, as far as @o has room. */
static int ascii_put_line(struct tsm_rtmr_dev *dev, u64 recnum,
			  struct ascii_out *o)
{
	struct tsm_rtmr_log *log = &dev->log;
	size_t pos = tsm_rtmr_log_pos(log, recnum).bin;
	size_t size = tsm_rtmr_record_size(dev, 0);
	char text[TSM_RTMR_ASCII_NUMBERS_MAX];
	u8 rec[TSM_RTMR_RECORD_HEAD_MAX];
	const u8 *p = rec + 12;
	unsigned int i;
	u32 event_len;
	int rc;

	/* the record up to its event data: one copy, then all from the stack */
	tsm_rtmr_log_copy(log, pos, rec, size);
	rc = ascii_put(o, text,
		       tsm_rtmr_ascii_numbers(text, recnum,
					      get_unaligned_le32(rec),
					      get_unaligned_le32(rec + 4)));
	for (i = 0; !rc && i < dev->nr_algs; i++) {
		const struct tsm_rtmr_alg_info *alg = dev->algs[i];
		unsigned int size = tsm_rtmr_alg_size(alg);

		rc = ascii_put(o, text, sprintf(text, " %s:", alg->name)) ?:
		     ascii_put_hex(o, p + 2, NULL, 0, size);
		p += 2 + size;
	}
	if (rc)
		return rc;
	event_len = get_unaligned_le32(p);
	rc = ascii_put(o, " ", 1) ?:
	     (event_len ? ascii_put_hex(o, NULL, log, pos + size, event_len) :
			  ascii_put(o, "-", 1));
	return rc ?: ascii_put(o, "\n", 1);
}

/*
 * The line holding byte *ppos is found by a binary search over the line
 * offsets indexed at publish time; only the bytes returned are formatted.
 */
static ssize_t ascii_log_read(struct file *file, char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct tsm_rtmr_dev *dev = file->private_data;
	struct ascii_out o = { .ubuf = buf, .count = count };
	struct tsm_rtmr_snap snap;
	u64 recnum;
	int rc = 0;

	if (*ppos < 0)
		return -EINVAL;
	rc = tsm_rtmr_snapshot(dev, &snap);
	if (rc)
		return rc;
	if (*ppos >= snap.ascii_len || !count)
		return 0;
	recnum = tsm_rtmr_log_find_ascii(&dev->log, snap.count, *ppos);
	o.skip = *ppos - tsm_rtmr_log_pos(&dev->log, recnum).ascii;
	for (; !ascii_out_full(&o) && recnum < snap.count; recnum++) {
		rc = ascii_put_line(dev, recnum, &o);
		if (rc)
			break;
	}
	if (!rc)
		rc = ascii_flush(&o);
	*ppos += o.done;
	return o.done ?: rc;
}

static const struct file_operations ascii_log_fops = {
	.owner = THIS_MODULE,
	.open = log_open,
	.read = ascii_log_read,
	.llseek = default_llseek,
	.release = log_release,
};

/*
 * count and state never wait for anything but the log's spinlock, and
 * render a fresh answer for every call at its offset: no rendering is
 * kept in the open file for another reader of it to get a stale part of
 * (as seq_file would, to a pread at a non-zero offset). They are read_iter
 * so that one preadv() is one call, with one rendering: with ->read, each
 * iovec would be a call of its own, and could join the head of one answer
 * to the tail of a later one.
 */
static ssize_t text_read_iter(struct kiocb *iocb, struct iov_iter *to,
			      const char *text, size_t len)
{
	loff_t pos = iocb->ki_pos;
	size_t n;

	if (pos < 0)
		return -EINVAL;
	if (pos >= len)
		return 0;
	n = copy_to_iter(text + pos, len - pos, to);
	if (!n && iov_iter_count(to))
		return -EFAULT;
	iocb->ki_pos = pos + n;
	return n;
}

static ssize_t count_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct tsm_rtmr_dev *dev = iocb->ki_filp->private_data;
	struct tsm_rtmr_snap snap;
	char text[24];

	tsm_rtmr_log_snapshot(&dev->log, &snap);
	return text_read_iter(iocb, to, text,
			      scnprintf(text, sizeof(text), "%llu\n",
					snap.count));
}

/*
 * The list's text is kept rendered (log.c): one read costs writers one
 * short hold of the log's spinlock, as count does, however long it is.
 */
static ssize_t state_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct tsm_rtmr_dev *dev = iocb->ki_filp->private_data;
	ssize_t n;

	if (iocb->ki_pos < 0)
		return -EINVAL;
	n = tsm_rtmr_log_read_state(&dev->log, iocb->ki_pos, to);
	if (n > 0)
		iocb->ki_pos += n;
	return n;
}

static const struct file_operations count_fops = {
	.owner = THIS_MODULE,
	.open = log_open,
	.read_iter = count_read_iter,
	.llseek = default_llseek,
	.release = log_release,
};

static const struct file_operations state_fops = {
	.owner = THIS_MODULE,
	.open = log_open,
	.read_iter = state_read_iter,
	.llseek = default_llseek,
	.release = log_release,
};

/*
 * import takes a whole binary log in one write at offset 0 (import.c).
 * Only CAP_SYS_ADMIN may open it for writing and write it: a descriptor
 * passed to a task without the capability is as useless as one opened by
 * such a task.
 */
static int import_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return log_open(inode, file);
}

static ssize_t import_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	ssize_t rc;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (iocb->ki_pos)
		return -EINVAL;
	rc = tsm_rtmr_import(iocb->ki_filp->private_data, from);
	if (rc > 0)
		iocb->ki_pos += rc;
	return rc;
}

static const struct file_operations import_fops = {
	.owner = THIS_MODULE,
	.open = import_open,
	.write_iter = import_write_iter,
	.llseek = default_llseek,
	.release = log_release,
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
	[FILE_IMPORT] = { "import", 0200, &import_fops },
};

/* Called with the registry lock held. */
int tsm_rtmr_securityfs_add(struct tsm_rtmr_dev *dev)
{
	struct dentry *d;
	unsigned int i;

	lockdep_assert_held(&tsm_rtmr_registry_lock);
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

	lockdep_assert_held(&tsm_rtmr_registry_lock);
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
