// SPDX-License-Identifier: GPL-2.0
/*
 * Carrying a log over a kexec: the import file.
 *
 * Registers survive a kexec (a TPM is not reset, a TD keeps its RTMRs); the
 * kernel-held log does not. The agent saves binary_event_log before the
 * kexec and writes it, whole, to import in the new kernel. The log is
 * adopted only if this provider could have written it (its own header,
 * well-formed records, registers userspace may extend) and if its replay,
 * from each register's value at reset, equals every register it touches,
 * read live through the provider. A log that does not replay is refused and
 * the log stays empty, so the mismatch stays visible to every verifier.
 *
 * The whole import runs under the device lock: no commit slips in between
 * the check that the log is empty and the adoption, and no commit changes
 * a register between its live read and the adoption. The records are
 * copied once, from the writer into the log's own pages, then parsed where
 * they lie; a refused import frees those pages again.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "compat.h"
#include "tsm-rtmr-core.h"

/**
 * struct import_state - an import being checked
 * @dev: the device, whose lock is held
 * @replay: every register's replayed value, @dev->digests_size bytes each
 * @touched: registers the log's records extend
 * @pos: where the next record starts in the log's byte stream
 * @end: where the staged records end
 * @nr: records parsed so far
 * @ascii_len: bytes of their ascii rendering
 */
struct import_state {
	struct tsm_rtmr_dev *dev;
	u8 *replay;
	DECLARE_BITMAP(touched, TSM_RTMR_MAX_REGISTERS);
	size_t pos;
	size_t end;
	u64 nr;
	u64 ascii_len;
};

static u8 *import_value(struct import_state *st, unsigned int reg)
{
	return st->replay + reg * st->dev->digests_size;
}

/* Every register as it was at reset: zero, or all-ones where said so. */
static u8 *import_alloc_replay(struct tsm_rtmr_dev *dev)
{
	size_t size = dev->digests_size;
	unsigned int reg;
	u8 *replay;

	replay = kcalloc(dev->nr_registers, size, GFP_KERNEL);
	if (!replay)
		return NULL;
	for_each_set_bit(reg, dev->ones_at_reset, dev->nr_registers)
		memset(replay + reg * size, 0xff, size);
	return replay;
}

/*
 * The header must be byte for byte the one this provider writes: the same
 * banks in the same order, and nothing a parser could read differently.
 */
static int import_header(struct tsm_rtmr_dev *dev, struct iov_iter *from)
{
	size_t len = tsm_rtmr_header_size(dev->nr_algs);
	u8 want[TSM_RTMR_HEADER_MAX], got[TSM_RTMR_HEADER_MAX];

	if (WARN_ON_ONCE(len > sizeof(want)))
		return -EINVAL;
	if (iov_iter_count(from) < len)
		return -EINVAL;
	if (copy_from_iter(got, len, from) != len)
		return -EFAULT;
	tsm_rtmr_build_header(dev->algs, dev->nr_algs, want);
	return memcmp(got, want, len) ? -EINVAL : 0;
}

/*
 * The register a record extends, or -EINVAL: a commit could not have
 * written the record (register out of range or not extendable, or
 * EV_NO_ACTION, which is never extended).
 */
static int import_register(struct tsm_rtmr_dev *dev, const u8 *head)
{
	u32 log_index = get_unaligned_le32(head);
	u32 reg = log_index - dev->log_index_offset;

	if (log_index < dev->log_index_offset || reg >= dev->nr_registers ||
	    !test_bit(reg, dev->extendable))
		return -EINVAL;
	if (get_unaligned_le32(head + 4) == TSM_RTMR_EV_NO_ACTION)
		return -EINVAL;
	return reg;
}

/*
 * Gather the record's digests in bank order into @digests, checking that
 * it carries exactly the provider's banks, in order, and read its event
 * size.
 */
static int import_digests(struct tsm_rtmr_dev *dev, const u8 *head,
			  u8 *digests, u32 *event_len)
{
	const u8 *p = head + 12;
	unsigned int i;

	if (get_unaligned_le32(head + 8) != dev->nr_algs)
		return -EINVAL;
	for (i = 0; i < dev->nr_algs; i++) {
		unsigned int size = tsm_rtmr_alg_size(dev->algs[i]);

		if (get_unaligned_le16(p) != dev->algs[i]->alg_id)
			return -EINVAL;
		memcpy(digests, p + 2, size);
		digests += size;
		p += 2 + size;
	}
	*event_len = get_unaligned_le32(p);
	return 0;
}

/* Check, index and replay the record at st->pos. */
static int import_record(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	size_t head_len = tsm_rtmr_record_size(dev, 0);
	u8 digests[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	u8 head[TSM_RTMR_RECORD_HEAD_MAX];
	struct tsm_rtmr_pos where = { .bin = st->pos, .ascii = st->ascii_len };
	u32 event_len;
	int reg, rc;

	if (st->end - st->pos < head_len)
		return -EINVAL;
	tsm_rtmr_log_copy(&dev->log, st->pos, head, head_len);
	reg = import_register(dev, head);
	if (reg < 0)
		return reg;
	rc = import_digests(dev, head, digests, &event_len);
	if (rc)
		return rc;
	if (event_len > READ_ONCE(tsm_rtmr_max_event_bytes) ||
	    event_len > st->end - st->pos - head_len)
		return -EINVAL;

	rc = tsm_rtmr_log_index_staged(&dev->log, st->nr, where) ?:
	     tsm_rtmr_predict(dev, import_value(st, reg), digests,
			      import_value(st, reg));
	if (rc)
		return rc;
	set_bit(reg, st->touched);
	st->ascii_len += tsm_rtmr_ascii_line_len(dev, dev->log.count + st->nr,
						 get_unaligned_le32(head),
						 event_len);
	st->pos += head_len + event_len;
	st->nr++;
	return 0;
}

/* One live read of every register the log touches, against its replay. */
static int import_verify(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	u8 now[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	unsigned int reg;
	int rc;

	for_each_set_bit(reg, st->touched, dev->nr_registers) {
		rc = tsm_rtmr_call_read(dev, reg, now);
		if (rc)
			return rc;
		if (memcmp(now, import_value(st, reg), dev->digests_size)) {
			pr_notice_ratelimited("%s: import refused: register %u does not equal the log's replay\n",
					      dev->name, reg);
			return -EINVAL;
		}
	}
	return 0;
}

/* The records become the log, as if committed: published, confirmed, pinned. */
static void import_adopt(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	unsigned int reg;

	tsm_rtmr_log_adopt(&dev->log, st->nr, st->end - dev->log.len,
			   st->ascii_len);
	for_each_set_bit(reg, st->touched, dev->nr_registers)
		tsm_rtmr_shadow_set(dev, reg, import_value(st, reg));
	if (st->nr)
		tsm_rtmr_pin(dev);
}

static int import_locked(struct import_state *st, struct iov_iter *from,
			 size_t limit)
{
	struct tsm_rtmr_dev *dev = st->dev;
	struct tsm_rtmr_log *log = &dev->log;
	int rc;

	if (!dev->p)
		return -ENODEV;
	if (log->count)
		return -EBUSY;
	rc = import_header(dev, from);
	if (rc)
		return rc;

	st->pos = log->len;
	st->end = log->len + iov_iter_count(from);
	rc = tsm_rtmr_log_stage_import(log, from, limit);
	while (!rc && st->pos < st->end) {
		rc = import_record(st);
		cond_resched();
	}
	/* A simulator's registers died with its last instance: nothing to carry. */
	if (!rc && st->nr && dev->p->volatile_registers)
		rc = -EINVAL;
	if (!rc)
		rc = import_verify(st);
	if (rc) {
		tsm_rtmr_log_trim(log);
		return rc;
	}
	import_adopt(st);
	return 0;
}

/**
 * tsm_rtmr_import() - adopt a previous kernel's log of this provider
 * @dev: the device
 * @from: the whole binary_event_log, header first
 *
 * Return: the bytes consumed (all of @from) once the log holds its records;
 * -ENOSPC when it exceeds max_log_bytes; -EBUSY when the log already holds
 * an entry; -EINVAL when it is malformed, is not this provider's, extends
 * a register userspace may not, touches a simulator's registers, or does
 * not replay to the live registers; -EINTR, -ENODEV, -ENOMEM, -EFAULT, or
 * the provider's read error. On any error nothing has changed.
 */
ssize_t tsm_rtmr_import(struct tsm_rtmr_dev *dev, struct iov_iter *from)
{
	size_t len = iov_iter_count(from);
	size_t limit = READ_ONCE(tsm_rtmr_max_log_bytes);
	struct import_state st = { .dev = dev };
	int rc;

	if (len > limit)
		return -ENOSPC;
	st.replay = import_alloc_replay(dev);
	if (!st.replay)
		return -ENOMEM;
	if (mutex_lock_killable(&dev->lock)) {
		kfree(st.replay);
		return -EINTR;
	}
	rc = import_locked(&st, from, limit);
	mutex_unlock(&dev->lock);
	kfree(st.replay);
	return rc ?: len;
}
