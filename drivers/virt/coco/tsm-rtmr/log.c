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
 * An import (import.c) builds its records in a private copy of the log,
 * laid out as the log is, without the owner's lock; adopting them hands
 * the copy's pages over to the log, so the owner's lock is held for one
 * xarray store per page, not for a copy of the records.
 *
 * The pages are not charged to the writer's memory cgroup: the log is
 * global, outlives whichever container wrote an entry, and (as IMA's
 * measurement list) must not fail because that container is short of
 * memory.
 */

#include <linux/cleanup.h>
#include <linux/gfp.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
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

/*
 * Make sure page @idx of @xa exists: by the log's owner, under its lock
 * (the device lock, which the log cannot reach to assert), or on an
 * import's private copy, which is nobody else's.
 */
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
 * The uncertain list is kept as the text state shows, " <recnum>" per
 * entry, in pages of its own, as the log keeps its bytes and for the same
 * reason: bytes below state_len never change, so a reader of state takes
 * log->lock only to read state_len, O(1) as count does, and copies the
 * text without it however long the list is. (An array of recnums would
 * need formatting under the lock, or an RCU-replaced copy per growth; the
 * text needs neither, and a reader at any offset finds its bytes directly.)
 */
#define LOG_STATE_ENTRY_MAX	21	/* " " and up to 20 digits */

/*
 * Room for one more uncertain recnum, so that listing one after the
 * extend cannot fail: the pages its text may span exist.
 */
static int log_reserve_uncertain(struct tsm_rtmr_log *log)
{
	size_t last = log->state_len + LOG_STATE_ENTRY_MAX - 1;

	return log_page_ensure(&log->state, log->state_len / PAGE_SIZE) ?:
	       log_page_ensure(&log->state, last / PAGE_SIZE);
}

/* Write " <recnum>" past the published list; returns its length. */
static size_t log_stage_uncertain(struct tsm_rtmr_log *log, u64 recnum)
{
	char text[LOG_STATE_ENTRY_MAX + 1];
	size_t len = scnprintf(text, sizeof(text), " %llu", recnum);
	size_t pos = log->state_len, done, n;

	for (done = 0; done < len; done += n, pos += n) {
		n = min_t(size_t, len - done, PAGE_SIZE - offset_in_page(pos));
		memcpy((u8 *)xa_load(&log->state, pos / PAGE_SIZE) +
		       offset_in_page(pos), text + done, n);
	}
	return len;
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
	lockdep_assert_held(&log->lock);
	log->len += len;
	log->ascii_len += ascii_len;
	log->count += nr;
}

static void log_extent_locked(struct tsm_rtmr_log *log,
			      struct tsm_rtmr_snap *snap)
{
	lockdep_assert_held(&log->lock);
	snap->len = log->len;
	snap->ascii_len = log->ascii_len;
	snap->count = log->count;
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

/* A log of nothing, not even a header: tsm_rtmr_log_destroy() frees it. */
static void log_init_empty(struct tsm_rtmr_log *log)
{
	*log = (struct tsm_rtmr_log) { };
	xa_init(&log->pages);
	xa_init(&log->offsets);
	xa_init(&log->state);
	spin_lock_init(&log->lock);
	init_waitqueue_head(&log->waitq);
}

/**
 * tsm_rtmr_log_init_copy() - start an import's private copy of a log
 * @copy: the copy
 * @base: the published extent of the log it may extend
 *
 * The copy holds the imported file at the offsets it would have in the
 * log (byte 0 is the header), so that its pages can later become the
 * log's own. Its len and count say where the records it adds start:
 * tsm_rtmr_log_index_staged() indexes them from there. Nobody reads it but
 * its importer; it needs no lock and is freed by tsm_rtmr_log_destroy().
 */
void tsm_rtmr_log_init_copy(struct tsm_rtmr_log *copy,
			    const struct tsm_rtmr_snap *base)
{
	log_init_empty(copy);
	copy->len = base->len;
	copy->ascii_len = base->ascii_len;
	copy->count = base->count;
}

/**
 * tsm_rtmr_log_fill() - copy a whole file into an import's private copy
 * @copy: from tsm_rtmr_log_init_copy(), still empty
 * @from: the file, from its first byte
 *
 * A page at a time, so that a writer of a large file can be killed between
 * two pages (a fault on a user page is itself killable).
 *
 * Return: 0, -ENOMEM, -EFAULT, or -EINTR on a fatal signal.
 */
int tsm_rtmr_log_fill(struct tsm_rtmr_log *copy, struct iov_iter *from)
{
	size_t pos, len = iov_iter_count(from);
	struct log_piece pc;
	int rc;

	for (pos = 0; pos < len; pos += pc.n) {
		if (fatal_signal_pending(current))
			return -EINTR;
		rc = log_page_ensure(&copy->pages, pos / PAGE_SIZE);
		if (rc)
			return rc;
		pc = log_piece(copy, pos, len - pos);
		if (copy_from_iter(pc.p, pc.n, from) != pc.n)
			return -EFAULT;
		cond_resched();
	}
	return 0;
}

/**
 * tsm_rtmr_log_compare() - whether a copy starts with a log's records
 * @log: the log, read as its readers do: published bytes, without a lock
 * @copy: an import's private copy
 * @pos: where to start comparing
 * @len: bytes to compare; all published in @log, all present in @copy
 *
 * Both lay the stream out alike, so their pieces have the same lengths.
 * A page at a time, killable in between: @len may be up to 1 GiB.
 *
 * Return: 0 when equal, 1 when not, -EINTR on a fatal signal.
 */
int tsm_rtmr_log_compare(struct tsm_rtmr_log *log, struct tsm_rtmr_log *copy,
			 size_t pos, size_t len)
{
	struct log_piece a, b;

	for (; len; pos += a.n, len -= a.n) {
		if (fatal_signal_pending(current))
			return -EINTR;
		a = log_piece(log, pos, len);
		b = log_piece(copy, pos, len);
		if (memcmp(a.p, b.p, a.n))
			return 1;
		cond_resched();
	}
	return 0;
}

/**
 * tsm_rtmr_log_import_base() - what an import may extend
 * @log: the log
 * @base: out: its published extent
 *
 * Return: true when only imports made the log (no entry was committed),
 * so that an import may still extend it.
 */
bool tsm_rtmr_log_import_base(struct tsm_rtmr_log *log,
			      struct tsm_rtmr_snap *base)
{
	bool imported_only;

	scoped_guard(spinlock, &log->lock) {
		log_extent_locked(log, base);
		imported_only = !log->committed;
	}
	return imported_only;
}

/*
 * Hand bytes [@pos, @pos + @len) of a stream (the log's bytes, or its
 * table of positions) from @src to @dst, where they lie at the same
 * offsets. Whole pages change owner: one xarray store per page, not a
 * copy of the log. The page holding @pos may already hold published
 * bytes of @dst (readers copy them without a lock at any time), so it is
 * never replaced: only its unpublished tail is written, once nothing else
 * can fail. A page of @dst past the published extent holds at most a
 * record staged by a commit that did not publish it: no reader looks
 * there, and it is freed.
 */
static int log_move_stream(struct xarray *dst, struct xarray *src,
			   size_t pos, size_t len)
{
	size_t off = offset_in_page(pos);
	unsigned long idx, last;
	void *page, *old;

	if (!len)
		return 0;
	last = (pos + len - 1) / PAGE_SIZE;
	for (idx = DIV_ROUND_UP(pos, PAGE_SIZE); idx <= last; idx++) {
		page = xa_erase(src, idx);
		/* Storing NULL would erase @dst's page instead. */
		if (WARN_ON_ONCE(!page))
			return -EINVAL;
		old = xa_store(dst, idx, page, GFP_KERNEL);
		if (xa_is_err(old)) {
			free_page((unsigned long)page);
			return xa_err(old);
		}
		if (old)
			free_page((unsigned long)old);
	}
	if (off)
		memcpy((u8 *)xa_load(dst, pos / PAGE_SIZE) + off,
		       (u8 *)xa_load(src, pos / PAGE_SIZE) + off,
		       min_t(size_t, len, PAGE_SIZE - off));
	return 0;
}

/**
 * tsm_rtmr_log_adopt() - make an import's records the log's
 * @log: the log; its extent is still the one @copy was started from
 * @copy: the import's private copy, records indexed with
 *	  tsm_rtmr_log_index_staged()
 * @nr: records it adds
 * @len: their bytes
 * @ascii_len: bytes of their ascii rendering
 *
 * Readers see none or all of them. Nothing is in flight: no extend
 * belongs to an import. @copy still has to be destroyed.
 *
 * Return: 0, or -ENOMEM with nothing published (pages already handed over
 * lie past the published extent, where the next commit stages).
 */
int tsm_rtmr_log_adopt(struct tsm_rtmr_log *log, struct tsm_rtmr_log *copy,
		       u64 nr, size_t len, u64 ascii_len)
{
	size_t pos_size = sizeof(struct tsm_rtmr_pos);
	int rc;

	if (WARN_ON_ONCE(log->len != copy->len || log->count != copy->count))
		return -EBUSY;
	rc = log_move_stream(&log->pages, &copy->pages, log->len, len) ?:
	     log_move_stream(&log->offsets, &copy->offsets,
			     log->count * pos_size, nr * pos_size);
	if (rc)
		return rc;
	scoped_guard(spinlock, &log->lock)
		log_extend_locked(log, nr, len, ascii_len);
	return 0;
}

/* The staged record's extend is about to start. */
void tsm_rtmr_log_begin(struct tsm_rtmr_log *log)
{
	scoped_guard(spinlock, &log->lock)
		log->in_flight = true;
}

/* The commit in flight has ended; log->lock held. */
static void log_end_locked(struct tsm_rtmr_log *log)
{
	lockdep_assert_held(&log->lock);
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
 * recnum. Only commits publish: from the first one on, the log is no
 * longer made of imported entries only, and no import may extend it.
 * An @uncertain record is listed in state in the same section under
 * log->lock that makes it visible: no reader sees it in the log (count,
 * either rendering) before state lists it.
 */
u64 tsm_rtmr_log_publish(struct tsm_rtmr_log *log, size_t len,
			 size_t ascii_len, bool uncertain)
{
	u64 recnum = log->count;
	size_t state = uncertain ? log_stage_uncertain(log, recnum) : 0;

	log_set_pos(log, recnum, (struct tsm_rtmr_pos) {
		.bin = log->len,
		.ascii = log->ascii_len,
	});
	scoped_guard(spinlock, &log->lock) {
		log_extend_locked(log, 1, len, ascii_len);
		log->committed = true;
		log->state_len += state;
		log->nr_uncertain += uncertain;
		log_end_locked(log);
	}
	log_end_wake(log);
	return recnum;
}

/* End the commit in flight without its record: the register is unchanged. */
void tsm_rtmr_log_abandon(struct tsm_rtmr_log *log)
{
	scoped_guard(spinlock, &log->lock)
		log_end_locked(log);
	log_end_wake(log);
}

/* The published extent, for count: entries whose commit has ended. */
void tsm_rtmr_log_snapshot(struct tsm_rtmr_log *log,
			   struct tsm_rtmr_snap *snap)
{
	scoped_guard(spinlock, &log->lock)
		log_extent_locked(log, snap);
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

	/* Not a guard(): the lock is dropped to sleep in the middle. */
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
 * struct state_out - where a read of state goes
 * @to: the reader's buffer
 * @skip: bytes of the rendering still to skip before the first one wanted
 * @done: bytes copied
 * @stop: @to is full, or faulted
 * @fault: it faulted
 */
struct state_out {
	struct iov_iter *to;
	size_t skip;
	size_t done;
	bool stop;
	bool fault;
};

static void state_put(struct state_out *o, const u8 *src, size_t len)
{
	size_t n;

	if (o->stop)
		return;
	if (o->skip >= len) {
		o->skip -= len;
		return;
	}
	src += o->skip;
	len -= o->skip;
	o->skip = 0;
	n = copy_to_iter(src, len, o->to);
	o->done += n;
	o->stop = n < len;
	o->fault = o->stop && iov_iter_count(o->to);
}

/* The first @len bytes of the list's text, from the page holding o->skip. */
static void state_put_list(struct state_out *o, struct tsm_rtmr_log *log,
			   size_t len)
{
	size_t pos = min(o->skip, len), n;

	o->skip -= pos;
	for (; pos < len && !o->stop; pos += n) {
		n = min_t(size_t, len - pos, PAGE_SIZE - offset_in_page(pos));
		state_put(o, (u8 *)xa_load(&log->state, pos / PAGE_SIZE) +
			     offset_in_page(pos), n);
	}
}

/**
 * tsm_rtmr_log_read_state() - read the state file
 * @log: the log
 * @pos: offset in its rendering
 * @to: the reader's buffer
 *
 * "ok\n", or "uncertain", every uncertain recnum (" <recnum>"), "\n". The
 * lock is held only to read how long the list is; its text is copied
 * without it, so a reader costs writers what a reader of count does.
 *
 * Return: bytes copied (0 at or past the end), or -EFAULT.
 */
ssize_t tsm_rtmr_log_read_state(struct tsm_rtmr_log *log, size_t pos,
				struct iov_iter *to)
{
	struct state_out o = { .to = to, .skip = pos };
	size_t len;

	scoped_guard(spinlock, &log->lock)
		len = log->state_len;
	if (!len) {
		state_put(&o, "ok\n", 3);
	} else {
		state_put(&o, "uncertain", 9);
		state_put_list(&o, log, len);
		state_put(&o, "\n", 1);
	}
	return o.done ?: o.fault ? -EFAULT : 0;
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

	log_init_empty(log);
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
	log_free_pages(&log->state);
}
