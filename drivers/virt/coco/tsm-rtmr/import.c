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
 * An import holds its provider's module from its first step to its last,
 * so that what it adopts is pinned on a module that is not going away.
 *
 * The file is copied, parsed and replayed without the device lock, into a
 * private copy laid out as the log (log.c): a large import neither holds
 * up commits nor stays unkillable, and a fatal signal ends it between two
 * pages or two records with nothing adopted. The device lock is taken only
 * to check that the log is still the one the import extends, to read the
 * registers the file touches, and to hand the copy's pages over.
 *
 * While the log holds imported entries only, a later import may complete
 * it: a log saved in pieces may have had its first piece adopted. The file
 * must then start with the whole current log, byte for byte, and add to
 * it; it is replayed whole, from the reset values, like any other. Once an
 * entry is committed the log is the kernel's own, and no import touches it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cleanup.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "compat.h"
#include "tsm-rtmr-core.h"

/**
 * struct import_state - an import being checked
 * @dev: the device
 * @volatile_registers: the provider's registers die with it (simulator)
 * @base: the log's published extent when the import started
 * @copy: the whole file, laid out as the log would hold it
 * @replay: every register's replayed value, @dev->digests_size bytes each
 * @touched: registers the file's records extend
 * @pos: where the next record starts in the file
 * @end: where the file ends
 * @seen: records parsed so far, from the first
 * @nr: records parsed so far that the log does not hold yet
 * @ascii_len: bytes of the ascii rendering of those
 */
struct import_state {
	struct tsm_rtmr_dev *dev;
	bool volatile_registers;
	struct tsm_rtmr_snap base;
	struct tsm_rtmr_log copy;
	u8 *replay;
	DECLARE_BITMAP(touched, TSM_RTMR_MAX_REGISTERS);
	size_t pos;
	size_t end;
	u64 seen;
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
 * Hold the provider's module for the whole import. dev->owner is freed
 * with that module, so it is touched only under the device lock while
 * dev->p is set: the provider clears dev->p under that lock before its
 * module's exit can return. A module already going (rmmod under way)
 * refuses try_module_get(): -ENODEV, as for a provider already gone.
 */
static int import_hold(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	int rc = -ENODEV;

	if (mutex_lock_killable(&dev->lock))
		return -EINTR;
	if (dev->p && !READ_ONCE(dev->dead) && try_module_get(dev->owner)) {
		st->volatile_registers = dev->p->volatile_registers;
		rc = 0;
	}
	mutex_unlock(&dev->lock);
	return rc;
}

/*
 * The header must be byte for byte the one this provider writes: the same
 * banks in the same order, and nothing a parser could read differently.
 */
static int import_header(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	size_t len = tsm_rtmr_header_size(dev->nr_algs);
	u8 want[TSM_RTMR_HEADER_MAX], got[TSM_RTMR_HEADER_MAX];

	if (WARN_ON_ONCE(len > sizeof(want)))
		return -EINVAL;
	if (st->end < len)
		return -EINVAL;
	tsm_rtmr_log_copy(&st->copy, 0, got, len);
	tsm_rtmr_build_header(dev->algs, dev->nr_algs, want);
	if (memcmp(got, want, len))
		return -EINVAL;
	st->pos = len;
	return 0;
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

/* Say where a record the log does not hold yet will be, in both renderings. */
static int import_index(struct import_state *st, u32 log_index,
			u32 event_len)
{
	struct tsm_rtmr_pos where = {
		.bin = st->pos,
		.ascii = st->base.ascii_len + st->ascii_len,
	};
	int rc;

	rc = tsm_rtmr_log_index_staged(&st->copy, st->nr, where);
	if (rc)
		return rc;
	st->ascii_len += tsm_rtmr_ascii_line_len(st->dev, st->base.count + st->nr,
						 log_index, event_len);
	st->nr++;
	return 0;
}

/* Check and replay the record at st->pos; index it if the log lacks it. */
static int import_record(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	size_t head_len = tsm_rtmr_record_size(dev, 0);
	u8 digests[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	u8 head[TSM_RTMR_RECORD_HEAD_MAX];
	u32 event_len;
	int reg, rc;

	if (st->end - st->pos < head_len)
		return -EINVAL;
	tsm_rtmr_log_copy(&st->copy, st->pos, head, head_len);
	reg = import_register(dev, head);
	if (reg < 0)
		return reg;
	rc = import_digests(dev, head, digests, &event_len);
	if (rc)
		return rc;
	if (event_len > READ_ONCE(tsm_rtmr_max_event_bytes) ||
	    event_len > st->end - st->pos - head_len)
		return -EINVAL;

	rc = tsm_rtmr_predict(dev, import_value(st, reg), digests,
			      import_value(st, reg));
	if (rc)
		return rc;
	set_bit(reg, st->touched);
	/*
	 * The file starts with the current log byte for byte, so a record
	 * boundary falls exactly where that log ends: records from there on
	 * are the ones the import adds.
	 */
	if (st->pos >= st->base.len) {
		rc = import_index(st, get_unaligned_le32(head), event_len);
		if (rc)
			return rc;
	}
	st->pos += head_len + event_len;
	st->seen++;
	return 0;
}

/* Parse and replay every record; a fatal signal ends it between two. */
static int import_parse(struct import_state *st)
{
	int rc;

	while (st->pos < st->end) {
		if (fatal_signal_pending(current))
			return -EINTR;
		rc = import_record(st);
		if (rc)
			return rc;
		cond_resched();
	}
	/* A simulator's registers died with its last instance: nothing to carry. */
	if (st->seen && st->volatile_registers)
		return -EINVAL;
	return 0;
}

/*
 * Everything that needs no lock: the log's state as the import finds it,
 * the private copy of the file, its header, whether it extends the current
 * log, and its replay.
 */
static int import_prepare(struct import_state *st, struct iov_iter *from)
{
	struct tsm_rtmr_dev *dev = st->dev;
	bool imported_only;
	size_t hdr;
	int rc;

	imported_only = tsm_rtmr_log_import_base(&dev->log, &st->base);
	tsm_rtmr_log_init_copy(&st->copy, &st->base);
	if (!imported_only)
		return -EBUSY;
	st->end = iov_iter_count(from);
	/* A log that holds entries can only be completed, never replaced. */
	if (st->base.count && st->end <= st->base.len)
		return -EBUSY;
	rc = tsm_rtmr_log_fill(&st->copy, from) ?: import_header(st);
	if (rc)
		return rc;
	hdr = st->pos;
	rc = tsm_rtmr_log_compare(&dev->log, &st->copy, hdr,
				  st->base.len - hdr);
	if (rc)
		return rc < 0 ? rc : -EBUSY;
	return import_parse(st);
}

/* One live read of every register the file touches, against its replay. */
static int import_verify(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	u8 now[TSM_RTMR_MAX_ALGS * TSM_RTMR_MAX_DIGEST];
	unsigned int reg;
	int rc;

	lockdep_assert_held(&dev->lock);
	for_each_set_bit(reg, st->touched, dev->nr_registers) {
		/* One provider call per register: killable between them. */
		if (fatal_signal_pending(current))
			return -EINTR;
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

/*
 * The device lock is held: the log is still the one the import extends
 * (no commit, no other import since it started), the registers match, and
 * the records become the log, as if committed: published, confirmed,
 * pinned.
 */
static int import_locked(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	unsigned int reg;
	int rc;

	lockdep_assert_held(&dev->lock);
	if (!dev->p)
		return -ENODEV;
	if (dev->log.committed || dev->log.len != st->base.len)
		return -EBUSY;
	rc = import_verify(st) ?:
	     tsm_rtmr_log_adopt(&dev->log, &st->copy, st->nr,
				st->end - st->base.len, st->ascii_len);
	if (rc)
		return rc;
	for_each_set_bit(reg, st->touched, dev->nr_registers)
		tsm_rtmr_shadow_set(dev, reg, import_value(st, reg));
	if (st->seen)
		tsm_rtmr_pin(dev);
	return 0;
}

static int import_adopt(struct import_state *st)
{
	struct tsm_rtmr_dev *dev = st->dev;
	int rc;

	if (mutex_lock_killable(&dev->lock))
		return -EINTR;
	rc = import_locked(st);
	mutex_unlock(&dev->lock);
	return rc;
}

/**
 * tsm_rtmr_import() - adopt a previous kernel's log of this provider
 * @dev: the device
 * @from: the whole binary_event_log, header first
 *
 * Return: the bytes consumed (all of @from) once the log holds its records;
 * -ENOSPC when it exceeds max_log_bytes; -EBUSY when an entry was committed
 * to the log, or when the log holds imported entries and @from does not
 * start with them or adds nothing to them, or when a commit or another
 * import changed the log while this one was parsed; -EINVAL when it is
 * malformed, is not this provider's, extends a register userspace may not,
 * touches a simulator's registers, or does not replay to the live
 * registers; -ENODEV when the provider is gone or going; -EINTR on a fatal
 * signal; -ENOMEM, -EFAULT, or the provider's read error. On any error
 * nothing has changed.
 */
ssize_t tsm_rtmr_import(struct tsm_rtmr_dev *dev, struct iov_iter *from)
{
	size_t len = iov_iter_count(from);
	struct import_state *st __free(kfree) = NULL;
	u8 *replay __free(kfree) = NULL;
	int rc;

	if (len > READ_ONCE(tsm_rtmr_max_log_bytes))
		return -ENOSPC;
	/* Not on the stack: a log's locks and wait queue grow under lockdep. */
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	replay = import_alloc_replay(dev);
	if (!st || !replay)
		return -ENOMEM;
	st->dev = dev;
	st->replay = replay;
	rc = import_hold(st);
	if (rc)
		return rc;
	rc = import_prepare(st, from) ?: import_adopt(st);
	tsm_rtmr_log_destroy(&st->copy);
	/* After tsm_rtmr_pin(): an adopted log keeps the module pinned. */
	module_put(dev->owner);
	return rc ?: len;
}
