// SPDX-License-Identifier: GPL-2.0
/*
 * tsm_rtmr_tdx_emu: TD quotes through configfs-tsm, as on a TD.
 *
 * On a TD, tdx_guest's report_new() makes a TDREPORT with REPORTDATA =
 * inblob (TDG.MR.REPORT) and hands it to the host's quoting service
 * (TDG.VP.VMCALL<GetQuote>), which answers with a signed quote: the
 * outblob. Here the TDREPORT comes from the emulated TDX module and the
 * quoting service is a process in the guest, tsm-rtmr-qgs-emu, which
 * talks to this file through debugfs "quote":
 *
 *   read:  blocks (interruptibly) until a report request is pending, then
 *          returns its 1024-byte TDREPORT_STRUCT in one read (the buffer
 *          must hold 1024 bytes); each request is handed out once;
 *   write: the quote for the request handed out, in one write at offset
 *          0: a version 4 TD quote whose body carries that report's
 *          MRTD, RTMRs and REPORTDATA (checked; nothing cryptographic is
 *          checked here, and no ECDSA code is in the kernel); ESTALE when
 *          no handed-out request waits for it (it timed out).
 *
 * The requester waits killably for at most quote_timeout_ms; with no
 * service answering, report_new() fails with EIO, as tdx_guest's does
 * when the host's GetQuote fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/errno.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "compat.h"
#include "tdx-emu.h"

#if TSM_RTMR_HAVE_TSM_REPORTS
#include <linux/tsm.h>

static unsigned int quote_timeout_ms = 3000;
module_param(quote_timeout_ms, uint, 0644);
MODULE_PARM_DESC(quote_timeout_ms,
		 "How long a configfs-tsm report waits for tsm-rtmr-qgs-emu (ms); then EIO");

/*
 * TDG.MR.REPORT's buffers in one naturally aligned 2 KiB allocation (kmalloc
 * of a power of two is aligned to it): the TDREPORT at 0 (1024-byte
 * aligned), REPORTDATA at 1024 (64-byte aligned).
 */
#define TDX_EMU_QUOTE_BUFS		(2 * TDX_RTMR_REPORT_SIZE)
#define TDX_EMU_QUOTE_REPORTDATA	TDX_RTMR_REPORT_SIZE
static_assert(TDX_EMU_QUOTE_REPORTDATA % TDX_RTMR_REPORTDATA_ALIGN == 0);
static_assert(TDX_EMU_QUOTE_REPORTDATA + TDX_RTMR_REPORTDATA_SIZE <=
	      TDX_EMU_QUOTE_BUFS);

/**
 * struct tdx_emu_quote_req - one report request
 * @tdreport: the TDREPORT to be quoted, and after it its REPORTDATA
 * @handed: a reader has taken @tdreport
 * @quote: the service's answer (kvmalloc'ed), set once with @done
 * @quote_len: its length
 * @done: answered
 */
struct tdx_emu_quote_req {
	u8 *tdreport;
	bool handed;
	u8 *quote;
	size_t quote_len;
	bool done;
};

/*
 * @lock guards @pending (the one request in flight, or NULL), each
 * request's @handed, @quote and @done, and @stopping. @serial lets one
 * request at a time in.
 */
static DEFINE_MUTEX(tdx_emu_quote_serial);
static DEFINE_SPINLOCK(tdx_emu_quote_lock);
static struct tdx_emu_quote_req *tdx_emu_quote_pending;
static bool tdx_emu_quote_stopping;
static DECLARE_WAIT_QUEUE_HEAD(tdx_emu_quote_readers);
static DECLARE_WAIT_QUEUE_HEAD(tdx_emu_quote_answers);
static struct dentry *tdx_emu_quote_file;
static bool tdx_emu_quote_registered;

static bool tdx_emu_quote_ready(void)
{
	bool ready;

	spin_lock(&tdx_emu_quote_lock);
	ready = tdx_emu_quote_stopping ||
		(tdx_emu_quote_pending && !tdx_emu_quote_pending->handed);
	spin_unlock(&tdx_emu_quote_lock);
	return ready;
}

static ssize_t tdx_emu_quote_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	u8 *report;
	int rc;

	if (count < TDX_RTMR_REPORT_SIZE)
		return -EINVAL;
	report = kmalloc(TDX_RTMR_REPORT_SIZE, GFP_KERNEL);
	if (!report)
		return -ENOMEM;

	for (;;) {
		rc = wait_event_interruptible(tdx_emu_quote_readers,
					      tdx_emu_quote_ready());
		if (rc)
			goto out;
		spin_lock(&tdx_emu_quote_lock);
		if (tdx_emu_quote_stopping) {
			spin_unlock(&tdx_emu_quote_lock);
			rc = -ENODEV;
			goto out;
		}
		if (tdx_emu_quote_pending && !tdx_emu_quote_pending->handed) {
			memcpy(report, tdx_emu_quote_pending->tdreport,
			       TDX_RTMR_REPORT_SIZE);
			tdx_emu_quote_pending->handed = true;
			spin_unlock(&tdx_emu_quote_lock);
			break;
		}
		spin_unlock(&tdx_emu_quote_lock);
	}

	rc = copy_to_user(ubuf, report, TDX_RTMR_REPORT_SIZE) ? -EFAULT :
	     TDX_RTMR_REPORT_SIZE;
out:
	kfree(report);
	return rc;
}

/* The quote answers @report: a v4 TD quote whose body carries its values. */
static bool tdx_emu_quote_matches(const u8 *q, size_t len, const u8 *report)
{
	const u8 *body = q + TDX_EMU_QUOTE_HEADER_SIZE;

	return len >= TDX_EMU_QUOTE_MIN_SIZE &&
	       get_unaligned_le16(q) == TDX_EMU_QUOTE_VERSION &&
	       get_unaligned_le32(q + 4) == TDX_EMU_QUOTE_TEE_TDX &&
	       /* MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMR0-3 */
	       !memcmp(body + TDX_EMU_QUOTE_BODY_MRTD,
		       report + TDX_EMU_REPORT_MRTD,
		       TDX_RTMR_REPORT_RTMR0_OFFSET - TDX_EMU_REPORT_MRTD +
		       TDX_RTMR_NR * TDX_RTMR_SIZE) &&
	       !memcmp(body + TDX_EMU_QUOTE_BODY_REPORTDATA,
		       report + TDX_EMU_REPORT_REPORTDATA,
		       TDX_RTMR_REPORTDATA_SIZE);
}

static ssize_t tdx_emu_quote_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct tdx_emu_quote_req *req;
	u8 *quote;
	int rc = -ESTALE;

	if (*ppos || count < TDX_EMU_QUOTE_MIN_SIZE || count > TSM_OUTBLOB_MAX)
		return -EINVAL;
	quote = kvmalloc(count, GFP_KERNEL);
	if (!quote)
		return -ENOMEM;
	if (copy_from_user(quote, ubuf, count)) {
		kvfree(quote);
		return -EFAULT;
	}

	spin_lock(&tdx_emu_quote_lock);
	req = tdx_emu_quote_pending;
	if (req && req->handed && !req->done) {
		if (tdx_emu_quote_matches(quote, count, req->tdreport)) {
			req->quote = quote;
			req->quote_len = count;
			req->done = true;
			tdx_emu_quote_pending = NULL;
			quote = NULL;
			rc = count;
		} else {
			rc = -EINVAL;
		}
	}
	spin_unlock(&tdx_emu_quote_lock);
	kvfree(quote);
	if (rc > 0)
		wake_up_all(&tdx_emu_quote_answers);
	return rc;
}

static const struct file_operations tdx_emu_quote_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = tdx_emu_quote_read,
	.write = tdx_emu_quote_write,
};

static bool tdx_emu_quote_answered(struct tdx_emu_quote_req *req)
{
	bool done;

	spin_lock(&tdx_emu_quote_lock);
	done = req->done;
	spin_unlock(&tdx_emu_quote_lock);
	return done;
}

/* Make the TDREPORT, hand it to the service, wait for its quote. */
static int tdx_emu_report_new(struct tsm_report *report, void *data)
{
	struct tsm_desc *desc = &report->desc;
	struct tdx_emu_quote_req *req;
	long left;
	int rc;

	if (desc->inblob_len != TDX_RTMR_REPORTDATA_SIZE)
		return -EINVAL;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->tdreport = kzalloc(TDX_EMU_QUOTE_BUFS, GFP_KERNEL);
	if (!req->tdreport) {
		rc = -ENOMEM;
		goto free_req;
	}
	memcpy(req->tdreport + TDX_EMU_QUOTE_REPORTDATA, desc->inblob,
	       TDX_RTMR_REPORTDATA_SIZE);
	rc = tdx_emu_hw.report(req->tdreport + TDX_EMU_QUOTE_REPORTDATA,
			       req->tdreport);
	if (rc)
		goto free_req;

	if (mutex_lock_killable(&tdx_emu_quote_serial)) {
		rc = -EINTR;
		goto free_req;
	}
	spin_lock(&tdx_emu_quote_lock);
	tdx_emu_quote_pending = req;
	spin_unlock(&tdx_emu_quote_lock);
	wake_up_all(&tdx_emu_quote_readers);

	left = wait_event_killable_timeout(tdx_emu_quote_answers,
					   tdx_emu_quote_answered(req),
					   msecs_to_jiffies(READ_ONCE(quote_timeout_ms)));

	spin_lock(&tdx_emu_quote_lock);
	if (tdx_emu_quote_pending == req)
		tdx_emu_quote_pending = NULL;
	if (req->done) {
		report->outblob = req->quote;
		report->outblob_len = req->quote_len;
		req->quote = NULL;
		rc = 0;
	} else if (left < 0) {
		rc = -EINTR;
	} else {
		rc = -EIO;
	}
	spin_unlock(&tdx_emu_quote_lock);
	mutex_unlock(&tdx_emu_quote_serial);
	if (rc == -EIO)
		pr_info_ratelimited("no quote from tsm-rtmr-qgs-emu within %u ms: EIO\n",
				    quote_timeout_ms);
free_req:
	kfree(req->tdreport);
	kfree(req);
	return rc;
}

/* As tdx_guest: generation, provider, inblob and outblob only */
static bool tdx_emu_report_attr_visible(int n)
{
	return n == TSM_REPORT_GENERATION || n == TSM_REPORT_PROVIDER;
}

static bool tdx_emu_report_bin_attr_visible(int n)
{
	return n == TSM_REPORT_INBLOB || n == TSM_REPORT_OUTBLOB;
}

static const struct tsm_ops tdx_emu_tsm_ops = {
	.name = KBUILD_MODNAME,
	.report_new = tdx_emu_report_new,
	.report_attr_visible = tdx_emu_report_attr_visible,
	.report_bin_attr_visible = tdx_emu_report_bin_attr_visible,
};

/**
 * tdx_emu_quote_init() - debugfs "quote" and the configfs-tsm provider
 * @dir: the module's debugfs directory
 *
 * A configfs-tsm that has another provider (a real guest driver) keeps
 * it: the emulator then says so and goes on without quotes.
 *
 * Return: 0.
 */
int tdx_emu_quote_init(struct dentry *dir)
{
	int rc;

	tdx_emu_quote_stopping = false;
	rc = tsm_register(&tdx_emu_tsm_ops, NULL);
	if (rc) {
		pr_warn("configfs-tsm report provider not registered (%d): no TD quotes\n",
			rc);
		return 0;
	}
	tdx_emu_quote_registered = true;
	tdx_emu_quote_file = debugfs_create_file("quote", 0600, dir, NULL,
						 &tdx_emu_quote_fops);
	pr_info("configfs-tsm report provider %s: TD quotes from tsm-rtmr-qgs-emu\n",
		tdx_emu_tsm_ops.name);
	return 0;
}

void tdx_emu_quote_exit(void)
{
	if (!tdx_emu_quote_registered)
		return;
	/* no report_new() runs after this: configfs-tsm's lock */
	tsm_unregister(&tdx_emu_tsm_ops);
	tdx_emu_quote_registered = false;
	spin_lock(&tdx_emu_quote_lock);
	tdx_emu_quote_stopping = true;
	spin_unlock(&tdx_emu_quote_lock);
	/* a blocked reader returns, so that removing the file need not wait */
	wake_up_all(&tdx_emu_quote_readers);
	debugfs_remove(tdx_emu_quote_file);
	tdx_emu_quote_file = NULL;
}

#else /* !TSM_RTMR_HAVE_TSM_REPORTS */

int tdx_emu_quote_init(struct dentry *dir)
{
	pr_info("built without configfs-tsm: no TD quotes\n");
	return 0;
}

void tdx_emu_quote_exit(void)
{
}

#endif
