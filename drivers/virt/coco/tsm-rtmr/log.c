// SPDX-License-Identifier: GPL-2.0
/*
 * Log storage: the serialised log is one byte stream kept in pages, plus a
 * table of where each record starts, in the binary log and in its ascii
 * rendering. Finding byte @pos of the binary log is one xarray lookup,
 * finding record @n is another, finding the ascii line holding byte @pos is
 * a binary search over the table: a read costs O(bytes read + log N)
 * however long the log is, and never formats or walks the lines before it.
 * Appends are serialised by the owner; bytes below log->len are immutable,
 * which is what lets readers copy them without a lock.
 */

#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "tsm-rtmr-core.h"

#define TSM_RTMR_POS_PER_PAGE	(PAGE_SIZE / sizeof(struct tsm_rtmr_pos))

static void *log_page(struct xarray *xa, unsigned long idx)
{
	return xa_load(xa, idx);
}

/* Make sure page @idx of @xa exists; called with the owner's lock held. */
static int log_page_ensure(struct xarray *xa, unsigned long idx)
{
	void *page;
	int rc;

	if (xa_load(xa, idx))
		return 0;
	page = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!page)
		return -ENOMEM;
	rc = xa_err(xa_store(xa, idx, page, GFP_KERNEL_ACCOUNT));
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

static void log_write(struct tsm_rtmr_log *log, size_t pos, const u8 *src,
		      size_t len)
{
	while (len) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);

		memcpy(log_page(&log->pages, pos / PAGE_SIZE) + off, src, n);
		pos += n;
		src += n;
		len -= n;
	}
}

/* Room for one more uncertain recnum, so marking one later cannot fail. */
static int log_reserve_uncertain(struct tsm_rtmr_log *log)
{
	unsigned int max = max(4U, 2 * log->max_uncertain);
	u64 *u;

	if (log->nr_uncertain < log->max_uncertain)
		return 0;
	u = krealloc_array(log->uncertain, max, sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	log->uncertain = u;
	log->max_uncertain = max;
	return 0;
}

/**
 * tsm_rtmr_log_stage() - place a record after the published log
 * @log: the log
 * @rec: the serialised record
 * @len: its size
 * @limit: the log's byte limit, header included
 *
 * Everything that can fail is done here, before the extend: after a
 * successful stage, publishing cannot fail. The record stays invisible to
 * readers until tsm_rtmr_log_publish(); a later stage overwrites it.
 *
 * Return: 0, -ENOSPC when the log would exceed @limit, or -ENOMEM.
 */
int tsm_rtmr_log_stage(struct tsm_rtmr_log *log, const void *rec, size_t len,
		       size_t limit)
{
	int rc;

	if (len > limit || log->len > limit - len)
		return -ENOSPC;
	rc = log_ensure_bytes(log, log->len, len);
	if (rc)
		return rc;
	rc = log_page_ensure(&log->offsets,
			     log->count / TSM_RTMR_POS_PER_PAGE);
	if (rc)
		return rc;
	rc = log_reserve_uncertain(log);
	if (rc)
		return rc;
	log_write(log, log->len, rec, len);
	return 0;
}

/*
 * Make the staged record of @len bytes, whose ascii line is @ascii_len
 * bytes, part of the log; returns its recnum.
 */
u64 tsm_rtmr_log_publish(struct tsm_rtmr_log *log, size_t len,
			 size_t ascii_len)
{
	struct tsm_rtmr_pos *pos = log_page(&log->offsets,
					    log->count / TSM_RTMR_POS_PER_PAGE);

	pos[log->count % TSM_RTMR_POS_PER_PAGE] = (struct tsm_rtmr_pos) {
		.bin = log->len,
		.ascii = log->ascii_len,
	};
	log->len += len;
	log->ascii_len += ascii_len;
	return log->count++;
}

void tsm_rtmr_log_mark_uncertain(struct tsm_rtmr_log *log, u64 recnum)
{
	/* tsm_rtmr_log_stage() reserved the slot. */
	log->uncertain[log->nr_uncertain++] = recnum;
}

/* Where published entry @recnum starts. */
struct tsm_rtmr_pos tsm_rtmr_log_pos(struct tsm_rtmr_log *log, u64 recnum)
{
	struct tsm_rtmr_pos *pos = log_page(&log->offsets,
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
	u8 *d = dst;

	while (len) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);

		memcpy(d, log_page(&log->pages, pos / PAGE_SIZE) + off, n);
		pos += n;
		d += n;
		len -= n;
	}
}

/* Copy published bytes [@pos, @pos + @len) to userspace. */
int tsm_rtmr_log_copy_to_user(struct tsm_rtmr_log *log, size_t pos,
			      char __user *dst, size_t len)
{
	while (len) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);

		if (copy_to_user(dst, log_page(&log->pages, pos / PAGE_SIZE) +
				 off, n))
			return -EFAULT;
		pos += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/* Start a log with its header record already published. */
int tsm_rtmr_log_init(struct tsm_rtmr_log *log, const void *hdr, size_t len)
{
	int rc;

	xa_init(&log->pages);
	xa_init(&log->offsets);
	log->len = 0;
	log->ascii_len = 0;
	log->count = 0;
	log->uncertain = NULL;
	log->nr_uncertain = 0;
	log->max_uncertain = 0;
	rc = log_ensure_bytes(log, 0, len);
	if (rc) {
		tsm_rtmr_log_destroy(log);
		return rc;
	}
	log_write(log, 0, hdr, len);
	log->len = len;
	return 0;
}

static void log_free_pages(struct xarray *xa)
{
	unsigned long idx;
	void *page;

	xa_for_each(xa, idx, page)
		free_page((unsigned long)page);
	xa_destroy(xa);
}

void tsm_rtmr_log_destroy(struct tsm_rtmr_log *log)
{
	log_free_pages(&log->pages);
	log_free_pages(&log->offsets);
	kfree(log->uncertain);
}
