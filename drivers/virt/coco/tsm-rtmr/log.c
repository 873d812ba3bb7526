// SPDX-License-Identifier: GPL-2.0
/*
 * Log storage: the serialised log is one byte stream kept in pages, plus a
 * table of where each record starts, in the binary log and in its ascii
 * rendering. Finding byte @pos of the binary log is one xarray lookup,
 * finding record @n is another, finding the ascii line holding byte @pos is
 * a binary search over the table: a read costs O(bytes read + log N)
 * however long the log is, and never formats or walks the lines before it.
 *
 * Appends are serialised by the owner; bytes below log->len are immutable,
 * which is what lets readers copy them without a lock. The published
 * extent (len, ascii_len, count), the uncertain list and the in-flight
 * state change under log->lock as well, so that no reader ever waits for
 * the owner's lock, which is held across provider calls.
 *
 * A commit is "in flight" from just before its extend until its record is
 * published or abandoned. While one is, the register may already be ahead
 * of the published log, so readers of the log's bytes wait (killably) for
 * that one commit to end; the extent they then read is the one published
 * at its end, when no extend was in flight: the log covered the registers.
 *
 * The pages are not charged to the writer's memory cgroup: the log is
 * global, outlives whichever container wrote an entry, and (as IMA's
 * measurement list) must not fail because that container is short of
 * memory.
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include "tsm-rtmr-core.h"

#define TSM_RTMR_POS_PER_PAGE	(PAGE_SIZE / sizeof(struct tsm_rtmr_pos))

/**
 * struct log_piece - the part of a byte range that lies in one page
 * @p: where it starts
 * @n: its length
 */
struct log_piece {
	u8 *p;
	size_t n;
};

/* The first page-contiguous piece of [@pos, @pos + @len) of the stream. */
static struct log_piece log_piece(struct tsm_rtmr_log *log, size_t pos,
				  size_t len)
{
	size_t off = offset_in_page(pos);

	return (struct log_piece) {
		.p = (u8 *)xa_load(&log->pages, pos / PAGE_SIZE) + off,
		.n = min_t(size_t, len, PAGE_SIZE - off),
	};
}

/* Make sure page @idx of @xa exists; called with the owner's lock held. */
static int log_page_ensure(struct xarray *xa, unsigned long idx)
{
	void *page;
	int rc;

	if (xa_load(xa, idx))
		return 0;
	page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	rc = xa_err(xa_store(xa, idx, page, GFP_KERNEL));
	if (rc)
		free_page((unsigned long)page);
	return rc;
}

static int log_ensure_bytes(struct tsm_rtmr_log *log, size_t pos, size_t len)
{
	unsigned long idx;
	int rc;

	if (!len)
		return 0;
	for (idx = pos / PAGE_SIZE; idx <= (pos + len - 1) / PAGE_SIZE; idx++) {
		rc = log_page_ensure(&log->pages, idx);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Copy all of @from to the stream at @pos, whose pages exist; -EFAULT
 * when a user page faults.
 */
static int log_write(struct tsm_rtmr_log *log, size_t pos,
		     struct iov_iter *from)
{
	size_t len = iov_iter_count(from);
	struct log_piece pc;

	for (; len; pos += pc.n, len -= pc.n) {
		pc = log_piece(log, pos, len);
		if (copy_from_iter(pc.p, pc.n, from) != pc.n)
			return -EFAULT;
	}
	return 0;
}

/*
 * Place all of @from right after the published log, allocating its pages:
 * what stage and import share. The bytes stay invisible to readers.
 */
static int log_stage_bytes(struct tsm_rtmr_log *log, struct iov_iter *from,
			   size_t limit)
{
	size_t len = iov_iter_count(from);

	if (len > limit || log->len > limit - len)
		return -ENOSPC;
	return log_ensure_bytes(log, log->len, len) ?:
	       log_write(log, log->len, from);
}

/*
 * Room for one more uncertain recnum, so marking one later cannot fail.
 * Readers walk the array under log->lock, so it is replaced, never
 * reallocated in place.
 */
static int log_reserve_uncertain(struct tsm_rtmr_log *log)
{
	unsigned int max = max(4U, 2 * log->max_uncertain);
	u64 *u, *old;

	if (log->nr_uncertain < log->max_uncertain)
		return 0;
	u = kmalloc_array(max, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	spin_lock(&log->lock);
	old = log->uncertain;
	if (old)
		memcpy(u, old, log->nr_uncertain * sizeof(*u));
	log->uncertain = u;
	log->max_uncertain = max;
	spin_unlock(&log->lock);
	kfree(old);
	return 0;
}

/**
 * tsm_rtmr_log_stage() - place a record after the published log
 * @log: the log
 * @rec: the serialised record (in pieces: fixed part, event data)
 * @limit: the log's byte limit, header included
 *
 * Everything that can fail is done here, before the extend: after a
 * successful stage, publishing cannot fail. The record stays invisible to
 * readers until tsm_rtmr_log_publish(); a later stage overwrites it.
 *
 * Return: 0, -ENOSPC when the log would exceed @limit, or -ENOMEM.
 */
int tsm_rtmr_log_stage(struct tsm_rtmr_log *log, struct iov_iter *rec,
		       size_t limit)
{
	return log_stage_bytes(log, rec, limit) ?:
	       log_page_ensure(&log->offsets,
			       log->count / TSM_RTMR_POS_PER_PAGE) ?:
	       log_reserve_uncertain(log);
}

/**
 * tsm_rtmr_log_stage_import() - place a whole log's records after the header
 * @log: the log, which holds no entry
 * @from: the records, as they follow the header in binary_event_log
 * @limit: the log's byte limit, header included
 *
 * The records are copied once, into the pages they will be read from. Each
 * is then indexed with tsm_rtmr_log_index_staged() and all are published
 * together by tsm_rtmr_log_adopt(), or dropped by tsm_rtmr_log_trim().
 *
 * Return: 0, -ENOSPC, -ENOMEM, or -EFAULT.
 */
int tsm_rtmr_log_stage_import(struct tsm_rtmr_log *log, struct iov_iter *from,
			      size_t limit)
{
	return log_stage_bytes(log, from, limit);
}

static void log_set_pos(struct tsm_rtmr_log *log, u64 recnum,
			struct tsm_rtmr_pos where)
{
	struct tsm_rtmr_pos *pos = xa_load(&log->offsets,
					   recnum / TSM_RTMR_POS_PER_PAGE);

	pos[recnum % TSM_RTMR_POS_PER_PAGE] = where;
}

/**
 * tsm_rtmr_log_index_staged() - say where a staged record starts
 * @log: the log
 * @nth: the record's place among the staged ones, from 0
 * @where: its offsets in the binary and the ascii rendering
 *
 * Return: 0, or -ENOMEM.
 */
int tsm_rtmr_log_index_staged(struct tsm_rtmr_log *log, u64 nth,
			      struct tsm_rtmr_pos where)
{
	u64 recnum = log->count + nth;
	int rc;

	rc = log_page_ensure(&log->offsets, recnum / TSM_RTMR_POS_PER_PAGE);
	if (!rc)
		log_set_pos(log, recnum, where);
	return rc;
}

/* Publish @nr staged records of @len bytes, @ascii_len in ascii. */
static void log_extend_locked(struct tsm_rtmr_log *log, u64 nr, size_t len,
			      u64 ascii_len)
{
	log->len += len;
	log->ascii_len += ascii_len;
	log->count += nr;
}

/**
 * tsm_rtmr_log_adopt() - publish every record staged by an import
 * @log: the log
 * @nr: records indexed with tsm_rtmr_log_index_staged()
 * @len: their bytes
 * @ascii_len: bytes of their ascii rendering
 *
 * Readers see none or all of them. Nothing is in flight: no extend
 * belongs to an import.
 */
void tsm_rtmr_log_adopt(struct tsm_rtmr_log *log, u64 nr, size_t len,
			u64 ascii_len)
{
	spin_lock(&log->lock);
	log_extend_locked(log, nr, len, ascii_len);
	spin_unlock(&log->lock);
}

static void log_free_pages_from(struct xarray *xa, unsigned long first)
{
	unsigned long idx;
	void *page;

	xa_for_each_start(xa, idx, page, first) {
		xa_erase(xa, idx);
		free_page((unsigned long)page);
	}
}

/**
 * tsm_rtmr_log_trim() - free the pages past the published log
 * @log: the log
 *
 * After a refused import, so that a large log that was not adopted does
 * not keep its memory. Readers never look past the published extent.
 */
void tsm_rtmr_log_trim(struct tsm_rtmr_log *log)
{
	log_free_pages_from(&log->pages, DIV_ROUND_UP(log->len, PAGE_SIZE));
	log_free_pages_from(&log->offsets,
			    DIV_ROUND_UP(log->count, TSM_RTMR_POS_PER_PAGE));
}

/* The staged record's extend is about to start. */
void tsm_rtmr_log_begin(struct tsm_rtmr_log *log)
{
	spin_lock(&log->lock);
	log->in_flight = true;
	spin_unlock(&log->lock);
}

/* The commit in flight has ended; log->lock held. */
static void log_end_locked(struct tsm_rtmr_log *log)
{
	log->in_flight = false;
	log->ended++;
}

/* Wake the readers waiting for the commit that just ended. */
static void log_end_wake(struct tsm_rtmr_log *log)
{
	if (wq_has_sleeper(&log->waitq))
		wake_up_all(&log->waitq);
}

/*
 * Make the staged record of @len bytes, whose ascii line is @ascii_len
 * bytes, part of the log, and end the commit in flight; returns its
 * recnum.
 */
u64 tsm_rtmr_log_publish(struct tsm_rtmr_log *log, size_t len,
			 size_t ascii_len)
{
	u64 recnum = log->count;

	log_set_pos(log, recnum, (struct tsm_rtmr_pos) {
		.bin = log->len,
		.ascii = log->ascii_len,
	});
	spin_lock(&log->lock);
	log_extend_locked(log, 1, len, ascii_len);
	log_end_locked(log);
	spin_unlock(&log->lock);
	log_end_wake(log);
	return recnum;
}

/* End the commit in flight without its record: the register is unchanged. */
void tsm_rtmr_log_abandon(struct tsm_rtmr_log *log)
{
	spin_lock(&log->lock);
	log_end_locked(log);
	spin_unlock(&log->lock);
	log_end_wake(log);
}

void tsm_rtmr_log_mark_uncertain(struct tsm_rtmr_log *log, u64 recnum)
{
	/* tsm_rtmr_log_stage() reserved the slot. */
	spin_lock(&log->lock);
	log->uncertain[log->nr_uncertain++] = recnum;
	spin_unlock(&log->lock);
}

static void log_extent_locked(struct tsm_rtmr_log *log,
			      struct tsm_rtmr_snap *snap)
{
	snap->len = log->len;
	snap->ascii_len = log->ascii_len;
	snap->count = log->count;
}

/* The published extent, for count: entries whose commit has ended. */
void tsm_rtmr_log_snapshot(struct tsm_rtmr_log *log,
			   struct tsm_rtmr_snap *snap)
{
	spin_lock(&log->lock);
	log_extent_locked(log, snap);
	spin_unlock(&log->lock);
}

/**
 * tsm_rtmr_log_snapshot_settled() - the extent for a reader of log bytes
 * @log: the log
 * @snap: out: an extent published when no extend was in flight
 *
 * Waits for the commit in flight, if any: at most one provider call, and
 * killable. Never waits for the owner's lock.
 *
 * Return: 0, or -EINTR when a fatal signal interrupted the wait.
 */
int tsm_rtmr_log_snapshot_settled(struct tsm_rtmr_log *log,
				  struct tsm_rtmr_snap *snap)
{
	u64 ended;

	spin_lock(&log->lock);
	if (log->in_flight) {
		ended = log->ended;
		spin_unlock(&log->lock);
		if (wait_event_killable(log->waitq,
					READ_ONCE(log->ended) != ended))
			return -EINTR;
		spin_lock(&log->lock);
	}
	/*
	 * Another commit may be in flight again, but the extent can only
	 * have been published at the end of one: it covered the registers.
	 */
	log_extent_locked(log, snap);
	spin_unlock(&log->lock);
	return 0;
}

/**
 * tsm_rtmr_log_format_state() - render the state file
 * @log: the log
 * @buf: where to
 * @size: bytes at @buf
 *
 * "ok\n", or "uncertain" and every uncertain recnum, then "\n".
 *
 * Return: the length, or, when it is larger than @size, the size needed
 * (nothing is written then).
 */
size_t tsm_rtmr_log_format_state(struct tsm_rtmr_log *log, char *buf,
				 size_t size)
{
	size_t len = 0, need;
	unsigned int i;

	spin_lock(&log->lock);
	need = sizeof("uncertain\n") + 21 * log->nr_uncertain;
	if (need > size) {
		spin_unlock(&log->lock);
		return need;
	}
	len = scnprintf(buf, size, log->nr_uncertain ? "uncertain" : "ok");
	for (i = 0; i < log->nr_uncertain; i++)
		len += scnprintf(buf + len, size - len, " %llu",
				 log->uncertain[i]);
	spin_unlock(&log->lock);
	return len + scnprintf(buf + len, size - len, "\n");
}

/* Where published entry @recnum starts. */
struct tsm_rtmr_pos tsm_rtmr_log_pos(struct tsm_rtmr_log *log, u64 recnum)
{
	struct tsm_rtmr_pos *pos = xa_load(&log->offsets,
					   recnum / TSM_RTMR_POS_PER_PAGE);

	return pos[recnum % TSM_RTMR_POS_PER_PAGE];
}

/* The entry whose ascii line holds byte @pos, among the first @count. */
u64 tsm_rtmr_log_find_ascii(struct tsm_rtmr_log *log, u64 count, u64 pos)
{
	u64 lo = 0, hi = count;

	/* Invariant: line lo starts at or before @pos, line hi after it. */
	while (hi - lo > 1) {
		u64 mid = lo + (hi - lo) / 2;

		if (tsm_rtmr_log_pos(log, mid).ascii <= pos)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Copy published bytes [@pos, @pos + @len) to a kernel buffer. */
void tsm_rtmr_log_copy(struct tsm_rtmr_log *log, size_t pos, void *dst,
		       size_t len)
{
	struct log_piece pc;
	u8 *d = dst;

	for (; len; pos += pc.n, d += pc.n, len -= pc.n) {
		pc = log_piece(log, pos, len);
		memcpy(d, pc.p, pc.n);
	}
}

/* Copy published bytes [@pos, @pos + @len) to userspace. */
int tsm_rtmr_log_copy_to_user(struct tsm_rtmr_log *log, size_t pos,
			      char __user *dst, size_t len)
{
	struct log_piece pc;

	for (; len; pos += pc.n, dst += pc.n, len -= pc.n) {
		pc = log_piece(log, pos, len);
		if (copy_to_user(dst, pc.p, pc.n))
			return -EFAULT;
	}
	return 0;
}

/* Start a log with its header record already published. */
int tsm_rtmr_log_init(struct tsm_rtmr_log *log, const void *hdr, size_t len)
{
	struct kvec vec = { .iov_base = (void *)hdr, .iov_len = len };
	struct iov_iter from;
	int rc;

	*log = (struct tsm_rtmr_log) { };
	xa_init(&log->pages);
	xa_init(&log->offsets);
	spin_lock_init(&log->lock);
	init_waitqueue_head(&log->waitq);
	iov_iter_kvec(&from, ITER_SOURCE, &vec, 1, len);
	rc = log_stage_bytes(log, &from, len);
	if (rc) {
		tsm_rtmr_log_destroy(log);
		return rc;
	}
	log->len = len;
	return 0;
}

static void log_free_pages(struct xarray *xa)
{
	log_free_pages_from(xa, 0);
	xa_destroy(xa);
}

void tsm_rtmr_log_destroy(struct tsm_rtmr_log *log)
{
	log_free_pages(&log->pages);
	log_free_pages(&log->offsets);
	kfree(log->uncertain);
}
