// SPDX-License-Identifier: GPL-2.0
/*
 * tsm_rtmr_tdx_emu: the emulated TDX module. It keeps MRTD and RTMR0-3 and
 * answers the two TDCALL leaves the tdx provider uses as the Intel TDX
 * Module ABI describes them:
 *
 *   TDG.MR.RTMR.EXTEND: the 48 bytes at a 64-byte aligned address extend
 *	RTMR[index] as SHA-384(RTMR || data). Any of RTMR 0-3 may be
 *	extended (which ones userspace may is tdx.c's policy, not the
 *	module's); index > 3 or a misaligned buffer: TDX_OPERAND_INVALID.
 *   TDG.MR.REPORT subtype 0: a 1024-byte TDREPORT_STRUCT (1024-byte
 *	aligned) with REPORTDATA (64 bytes, 64-byte aligned) and MRTD and
 *	RTMR0-3 at their offsets; misaligned buffers or another subtype:
 *	TDX_OPERAND_INVALID. The MAC is zero: nothing here holds a key.
 *
 * At load RTMR0-2 hold the replay of a synthetic firmware CCEL (debugfs
 * "ccel"), RTMR3 is zero. Debugfs "extend" extends a register behind
 * tsm-rtmr's back. The module parameters extend_fault and report_fault
 * make the next calls fail with the statuses tdx.c maps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/align.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tpm.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "tdx-emu.h"

/*
 * TDCALL completion statuses: code in bits 63:32, details (here the
 * operand: 1 RCX, 2 RDX, 8 R8) in bits 31:0. TDX_EMU_STATUS_OTHER is a
 * status tdx.c does not name (it maps it to -EIO).
 */
#define TDX_EMU_STATUS(code, operand)	(((u64)(code) << 32) | (operand))
#define TDX_EMU_OPERAND_RCX		1
#define TDX_EMU_OPERAND_RDX		2
#define TDX_EMU_OPERAND_R8		8
#define TDX_EMU_STATUS_OTHER		TDX_EMU_STATUS(0xc0000f00, 0)

/* EV_* event types of the synthetic CCEL (TCG PC Client PFP) */
#define TDX_EMU_EV_POST_CODE	0x1
#define TDX_EMU_EV_NO_ACTION	0x3
#define TDX_EMU_EV_SEPARATOR	0x4
#define TDX_EMU_EV_IPL		0xd

/**
 * struct tdx_emu_fault - injected failures of one TDCALL leaf
 * @kind: TDX_EMU_FAULT_*
 * @count: how many of the next calls fail (then @kind is none again)
 */
struct tdx_emu_fault {
	int kind;
	unsigned int count;
};

enum {
	TDX_EMU_FAULT_NONE,
	TDX_EMU_FAULT_BUSY,	/* TDX_OPERAND_BUSY, nothing done */
	TDX_EMU_FAULT_INVALID,	/* TDX_OPERAND_INVALID, nothing done */
	TDX_EMU_FAULT_LANDED,	/* extend only: done, then an unknown status */
};

static const char * const tdx_emu_fault_names[] = {
	[TDX_EMU_FAULT_NONE] = "none",
	[TDX_EMU_FAULT_BUSY] = "busy",
	[TDX_EMU_FAULT_INVALID] = "invalid",
	[TDX_EMU_FAULT_LANDED] = "landed",
};

/**
 * struct tdx_emu - the emulated TDX module
 * @lock: serialises the leaves, as the TDX module does per TD
 * @sha384: for extends
 * @mrtd: the build-time measurement; synthetic, fixed
 * @rtmr: RTMR0-3
 * @ccel: the synthetic firmware CCEL, built at load, then read-only
 * @ccel_blob: its debugfs view
 * @fault_lock: guards @extend_fault and @report_fault
 * @extend_fault: injected TDG.MR.RTMR.EXTEND failures
 * @report_fault: injected TDG.MR.REPORT failures
 */
struct tdx_emu {
	struct mutex lock;		/* the registers, as the TDX module's */
	struct crypto_shash *sha384;
	u8 mrtd[TDX_RTMR_SIZE];
	u8 rtmr[TDX_RTMR_NR][TDX_RTMR_SIZE];
	u8 *ccel;
	struct debugfs_blob_wrapper ccel_blob;
	spinlock_t fault_lock;		/* the two faults */
	struct tdx_emu_fault extend_fault;
	struct tdx_emu_fault report_fault;
};

static struct tdx_emu emu = {
	.lock = __MUTEX_INITIALIZER(emu.lock),
	.fault_lock = __SPIN_LOCK_UNLOCKED(emu.fault_lock),
};

/* "KIND [COUNT]": COUNT (default 1) calls fail; "busy 16" outlasts tdx.c's retries */
static int tdx_emu_fault_set(const char *val, const struct kernel_param *kp)
{
	struct tdx_emu_fault *f = kp->arg, nf = { .count = 1 };
	char kind[16];
	int n, i;

	n = sscanf(val, "%15s %u", kind, &nf.count);
	if (n < 1 || !nf.count)
		return -EINVAL;
	i = match_string(tdx_emu_fault_names, ARRAY_SIZE(tdx_emu_fault_names),
			 kind);
	if (i < 0 || (i == TDX_EMU_FAULT_LANDED && f != &emu.extend_fault))
		return -EINVAL;
	nf.kind = i;
	if (nf.kind == TDX_EMU_FAULT_NONE)
		nf.count = 0;
	spin_lock(&emu.fault_lock);
	*f = nf;
	spin_unlock(&emu.fault_lock);
	return 0;
}

static int tdx_emu_fault_get(char *buf, const struct kernel_param *kp)
{
	struct tdx_emu_fault *f = kp->arg, now;

	spin_lock(&emu.fault_lock);
	now = *f;
	spin_unlock(&emu.fault_lock);
	if (now.kind == TDX_EMU_FAULT_NONE)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%s %u\n", tdx_emu_fault_names[now.kind],
			  now.count);
}

static const struct kernel_param_ops tdx_emu_fault_ops = {
	.set = tdx_emu_fault_set,
	.get = tdx_emu_fault_get,
};

module_param_cb(extend_fault, &tdx_emu_fault_ops, &emu.extend_fault, 0600);
MODULE_PARM_DESC(extend_fault,
		 "\"KIND [COUNT]\": the next COUNT (1) TDG.MR.RTMR.EXTEND fail: busy (TDX_OPERAND_BUSY), invalid (TDX_OPERAND_INVALID), landed (extended, then an unknown status); none");
module_param_cb(report_fault, &tdx_emu_fault_ops, &emu.report_fault, 0600);
MODULE_PARM_DESC(report_fault,
		 "\"KIND [COUNT]\": the next COUNT (1) TDG.MR.REPORT fail: busy, invalid; none");

/* The fault this call takes, if any: one of @f's count used up. */
static int tdx_emu_fault_take(struct tdx_emu_fault *f)
{
	int kind;

	spin_lock(&emu.fault_lock);
	kind = f->kind;
	if (kind != TDX_EMU_FAULT_NONE && !--f->count)
		f->kind = TDX_EMU_FAULT_NONE;
	spin_unlock(&emu.fault_lock);
	return kind;
}

/* @reg = SHA-384(@reg || @data[0..47]); under emu.lock */
static int tdx_emu_extend_locked(unsigned int index, const u8 *data)
{
	SHASH_DESC_ON_STACK(desc, emu.sha384);
	int rc;

	lockdep_assert_held(&emu.lock);
	desc->tfm = emu.sha384;
	rc = crypto_shash_init(desc) ?:
	     crypto_shash_update(desc, emu.rtmr[index], TDX_RTMR_SIZE) ?:
	     crypto_shash_finup(desc, data, TDX_RTMR_SIZE, emu.rtmr[index]);
	shash_desc_zero(desc);
	return rc;
}

static int tdx_emu_sha384(const void *data, size_t len, u8 *out)
{
	return crypto_shash_tfm_digest(emu.sha384, data, len, out);
}

/**
 * tdx_emu_tdcall_extend() - TDG.MR.RTMR.EXTEND
 * @data: 48 bytes, 64-byte aligned (RCX)
 * @index: RTMR index (RDX)
 *
 * Return: the TDCALL completion status.
 */
u64 tdx_emu_tdcall_extend(u8 *data, u64 index)
{
	int fault, rc;

	if (!IS_ALIGNED((unsigned long)data, TDX_RTMR_EXTEND_BUF_ALIGN))
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_RCX);
	if (index >= TDX_RTMR_NR)
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_RDX);

	fault = tdx_emu_fault_take(&emu.extend_fault);
	if (fault == TDX_EMU_FAULT_BUSY)
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_BUSY,
				      TDX_EMU_OPERAND_RDX);
	if (fault == TDX_EMU_FAULT_INVALID)
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_RDX);

	mutex_lock(&emu.lock);
	rc = tdx_emu_extend_locked(index, data);
	mutex_unlock(&emu.lock);
	if (rc)
		return TDX_EMU_STATUS_OTHER;
	return fault == TDX_EMU_FAULT_LANDED ? TDX_EMU_STATUS_OTHER : 0;
}

/* Fixed contents of the synthetic TD and TDX module, as a real one reports them */
static void tdx_emu_report_fixed(u8 *r)
{
	u8 *tcb = r + TDX_EMU_REPORT_TEE_TCB_INFO;
	u64 td_attributes = BIT_ULL(0);	/* DEBUG: a test TD, never trusted */
	u64 xfam = 0xe7;		/* x87, SSE, AVX, AVX-512 state */
	unsigned int i;

	r[TDX_EMU_REPORT_TYPE] = TDX_EMU_QUOTE_TEE_TDX;	/* type TDX */
	for (i = 0; i < 16; i++)
		r[TDX_EMU_REPORT_CPUSVN + i] = 1;
	put_unaligned_le64(0x3ff, tcb + TDX_EMU_TCB_VALID);
	for (i = 0; i < 16; i++)
		tcb[TDX_EMU_TCB_TEE_TCB_SVN + i] = 1;
	memset(tcb + TDX_EMU_TCB_MRSEAM, 0xee, TDX_RTMR_SIZE);
	/* MRSIGNERSEAM zero: Intel's own TDX module */
	put_unaligned_le64(td_attributes, r + TDX_EMU_REPORT_TD_ATTRIBUTES);
	put_unaligned_le64(xfam, r + TDX_EMU_REPORT_XFAM);
}

/**
 * tdx_emu_tdcall_report() - TDG.MR.REPORT
 * @tdreport: 1024 bytes out, 1024-byte aligned (RCX)
 * @reportdata: 64 bytes in, 64-byte aligned (RDX)
 * @subtype: must be 0 (R8)
 *
 * Return: the TDCALL completion status.
 */
u64 tdx_emu_tdcall_report(u8 *tdreport, u8 *reportdata, u64 subtype)
{
	u8 rd[TDX_RTMR_REPORTDATA_SIZE];
	unsigned int i;
	int fault;

	if (!IS_ALIGNED((unsigned long)tdreport, TDX_RTMR_REPORT_ALIGN))
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_RCX);
	if (!IS_ALIGNED((unsigned long)reportdata, TDX_RTMR_REPORTDATA_ALIGN))
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_RDX);
	if (subtype)
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_R8);

	fault = tdx_emu_fault_take(&emu.report_fault);
	if (fault == TDX_EMU_FAULT_BUSY)
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_BUSY,
				      TDX_EMU_OPERAND_RCX);
	if (fault == TDX_EMU_FAULT_INVALID)
		return TDX_EMU_STATUS(TDX_RTMR_STATUS_OPERAND_INVALID,
				      TDX_EMU_OPERAND_RCX);

	/* REPORTDATA is read before the TDREPORT is written */
	memcpy(rd, reportdata, sizeof(rd));
	memset(tdreport, 0, TDX_RTMR_REPORT_SIZE);
	tdx_emu_report_fixed(tdreport);
	memcpy(tdreport + TDX_EMU_REPORT_REPORTDATA, rd, sizeof(rd));

	mutex_lock(&emu.lock);
	memcpy(tdreport + TDX_EMU_REPORT_MRTD, emu.mrtd, TDX_RTMR_SIZE);
	for (i = 0; i < TDX_RTMR_NR; i++)
		memcpy(tdreport + TDX_RTMR_REPORT_RTMR0_OFFSET + i * TDX_RTMR_SIZE,
		       emu.rtmr[i], TDX_RTMR_SIZE);
	mutex_unlock(&emu.lock);

	/* REPORTMACSTRUCT binds TEE_TCB_INFO and TDINFO by their hashes */
	if (tdx_emu_sha384(tdreport + TDX_EMU_REPORT_TEE_TCB_INFO,
			   TDX_EMU_TEE_TCB_INFO_SIZE,
			   tdreport + TDX_EMU_REPORT_TEE_TCB_INFO_HASH) ||
	    tdx_emu_sha384(tdreport + TDX_EMU_REPORT_TDINFO, TDX_EMU_TDINFO_SIZE,
			   tdreport + TDX_EMU_REPORT_TEE_INFO_HASH))
		return TDX_EMU_STATUS_OTHER;
	return 0;
}

/* CPUID as a TD sees it: leaf 0x21 is the TDX leaf, with its signature */
void tdx_emu_cpuid(u32 leaf, u32 subleaf, struct tdx_rtmr_cpuid *regs)
{
	static const char sig[12] = "IntelTDX    ";

	memset(regs, 0, sizeof(*regs));
	if (leaf == 0) {
		regs->eax = TDX_RTMR_CPUID_LEAF;
	} else if (leaf == TDX_RTMR_CPUID_LEAF && subleaf == 0) {
		memcpy(&regs->ebx, sig, 4);
		memcpy(&regs->edx, sig + 4, 4);
		memcpy(&regs->ecx, sig + 8, 4);
	}
}

/* ------------------------------------------------------------------ */
/* The synthetic firmware CCEL                                         */

/**
 * struct tdx_emu_ccel_event - one firmware record
 * @cc_index: CC measurement register index: RTMR n is n + 1
 * @type: TCG event type
 * @data: event data; its SHA-384 is the record's digest
 * @len: its length
 */
struct tdx_emu_ccel_event {
	u32 cc_index;
	u32 type;
	const char *data;
	size_t len;
};

#define TDX_EMU_TEXT_EVENT(idx, t, s)	{ idx, t, s, sizeof(s) - 1 }
#define TDX_EMU_SEPARATOR(idx)		{ idx, TDX_EMU_EV_SEPARATOR, "\0\0\0", 4 }

/* What firmware and a boot loader would log, in RTMR0-2 (CC 1-3) */
static const struct tdx_emu_ccel_event tdx_emu_ccel_events[] = {
	TDX_EMU_TEXT_EVENT(1, TDX_EMU_EV_POST_CODE,
			   "tsm_rtmr_tdx_emu: synthetic firmware (RTMR 0)"),
	TDX_EMU_SEPARATOR(1),
	TDX_EMU_TEXT_EVENT(2, TDX_EMU_EV_IPL,
			   "tsm_rtmr_tdx_emu: synthetic boot loader (RTMR 1)"),
	TDX_EMU_SEPARATOR(2),
	TDX_EMU_TEXT_EVENT(3, TDX_EMU_EV_IPL,
			   "tsm_rtmr_tdx_emu: synthetic kernel command line (RTMR 2)"),
};

/* Spec ID header record: SHA-1 format, "Spec ID Event03", one bank sha384 */
#define TDX_EMU_CCEL_HEADER_SIZE	(32 + 33)
/* TCG_PCR_EVENT2 with one SHA-384 digest, without its event data */
#define TDX_EMU_CCEL_RECORD_HEAD	(4 + 4 + 4 + 2 + TDX_RTMR_SIZE + 4)

static size_t tdx_emu_ccel_header(u8 *o)
{
	put_unaligned_le32(0, o);			/* pcrIndex */
	put_unaligned_le32(TDX_EMU_EV_NO_ACTION, o + 4);
	memset(o + 8, 0, 20);				/* SHA-1 digest */
	put_unaligned_le32(33, o + 28);			/* eventSize */
	memcpy(o + 32, "Spec ID Event03", 16);
	put_unaligned_le32(0, o + 48);			/* platformClass */
	o[52] = 0;					/* specVersionMinor */
	o[53] = 2;					/* specVersionMajor */
	o[54] = 2;					/* specErrata */
	o[55] = 2;					/* uintnSize: UINT64 */
	put_unaligned_le32(1, o + 56);			/* numberOfAlgorithms */
	put_unaligned_le16(TPM_ALG_SHA384, o + 60);
	put_unaligned_le16(TDX_RTMR_SIZE, o + 62);
	o[64] = 0;					/* vendorInfoSize */
	return TDX_EMU_CCEL_HEADER_SIZE;
}

/* Build the CCEL and replay it into RTMR0-2 (zero before). */
static int tdx_emu_ccel_build(void)
{
	size_t len = TDX_EMU_CCEL_HEADER_SIZE, off;
	unsigned int i;
	int rc;

	for (i = 0; i < ARRAY_SIZE(tdx_emu_ccel_events); i++)
		len += TDX_EMU_CCEL_RECORD_HEAD + tdx_emu_ccel_events[i].len;
	emu.ccel = kzalloc(len, GFP_KERNEL);
	if (!emu.ccel)
		return -ENOMEM;

	off = tdx_emu_ccel_header(emu.ccel);
	mutex_lock(&emu.lock);
	for (i = 0; i < ARRAY_SIZE(tdx_emu_ccel_events); i++) {
		const struct tdx_emu_ccel_event *ev = &tdx_emu_ccel_events[i];
		u8 *o = emu.ccel + off;

		put_unaligned_le32(ev->cc_index, o);
		put_unaligned_le32(ev->type, o + 4);
		put_unaligned_le32(1, o + 8);		/* digest count */
		put_unaligned_le16(TPM_ALG_SHA384, o + 12);
		rc = tdx_emu_sha384(ev->data, ev->len, o + 14);
		if (!rc)
			rc = tdx_emu_extend_locked(ev->cc_index - 1, o + 14);
		if (rc)
			break;
		put_unaligned_le32(ev->len, o + 14 + TDX_RTMR_SIZE);
		memcpy(o + TDX_EMU_CCEL_RECORD_HEAD, ev->data, ev->len);
		off += TDX_EMU_CCEL_RECORD_HEAD + ev->len;
	}
	mutex_unlock(&emu.lock);
	if (rc) {
		kfree(emu.ccel);
		emu.ccel = NULL;
		return rc;
	}
	emu.ccel_blob.data = emu.ccel;
	emu.ccel_blob.size = off;
	return 0;
}

/* ------------------------------------------------------------------ */
/* debugfs extend: "N <96 hex digits>", behind tsm-rtmr's back         */

static ssize_t tdx_emu_extend_write(struct file *file, const char __user *ubuf,
				    size_t count, loff_t *ppos)
{
	/* "N " + 96 hex digits + an optional newline */
	char buf[2 + 2 * TDX_RTMR_SIZE + 2];
	u8 data[TDX_RTMR_SIZE];
	size_t len = count;
	int rc;

	if (*ppos || count < 2 + 2 * TDX_RTMR_SIZE || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (buf[len - 1] == '\n')
		len--;
	if (len != 2 + 2 * TDX_RTMR_SIZE || buf[0] < '0' ||
	    buf[0] >= '0' + TDX_RTMR_NR || buf[1] != ' ' ||
	    hex2bin(data, buf + 2, TDX_RTMR_SIZE))
		return -EINVAL;

	mutex_lock(&emu.lock);
	rc = tdx_emu_extend_locked(buf[0] - '0', data);
	mutex_unlock(&emu.lock);
	if (rc)
		return rc;
	pr_info("RTMR%c extended through debugfs, behind tsm-rtmr's log\n",
		buf[0]);
	return count;
}

static const struct file_operations tdx_emu_extend_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = tdx_emu_extend_write,
};

/* The emulated TDX module's state: MRTD, and RTMR0-2 from the CCEL */
static int tdx_emu_state_init(void)
{
	static const char mrtd_seed[] = "tsm_rtmr_tdx_emu: MRTD";
	int rc;

	emu.sha384 = crypto_alloc_shash("sha384", 0, 0);
	if (IS_ERR(emu.sha384)) {
		rc = PTR_ERR(emu.sha384);
		pr_err("no sha384: %d\n", rc);
		emu.sha384 = NULL;
		return rc;
	}

	memset(emu.rtmr, 0, sizeof(emu.rtmr));
	rc = tdx_emu_sha384(mrtd_seed, sizeof(mrtd_seed) - 1, emu.mrtd) ?:
	     tdx_emu_ccel_build();
	if (rc) {
		crypto_free_shash(emu.sha384);
		emu.sha384 = NULL;
	}
	return rc;
}

/* After the debugfs files are gone and nothing calls the leaves. */
static void tdx_emu_state_exit(void)
{
	kfree(emu.ccel);
	emu.ccel = NULL;
	crypto_free_shash(emu.sha384);
	emu.sha384 = NULL;
}

static struct dentry *tdx_emu_dir;

static int __init tdx_emu_module_init(void)
{
	int rc;

	if (tdx_emu_on_real_tdx()) {
		pr_err("this is a TDX guest: the emulator, a test module, does not stand in for its TDX module (load tsm_rtmr_tdx)\n");
		return -ENODEV;
	}

	rc = tdx_emu_state_init();
	if (rc)
		return rc;
	tdx_emu_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_blob("ccel", 0444, tdx_emu_dir, &emu.ccel_blob);
	debugfs_create_file("extend", 0200, tdx_emu_dir, NULL,
			    &tdx_emu_extend_fops);

	rc = tdx_emu_provider_probe();
	if (rc)
		goto remove_dir;

	rc = tdx_emu_quote_init(tdx_emu_dir);
	if (rc)
		goto remove_provider;

	pr_warn("emulated TDX module for tests: its RTMRs and quotes attest nothing\n");
	return 0;

remove_provider:
	tdx_emu_provider_remove();
remove_dir:
	debugfs_remove_recursive(tdx_emu_dir);
	tdx_emu_state_exit();
	return rc;
}
module_init(tdx_emu_module_init);

static void __exit tdx_emu_module_exit(void)
{
	tdx_emu_quote_exit();
	tdx_emu_provider_remove();
	debugfs_remove_recursive(tdx_emu_dir);
	tdx_emu_state_exit();
}
module_exit(tdx_emu_module_exit);

MODULE_DESCRIPTION("tsm-rtmr tdx provider over an emulated TDX module (tests only)");
/* MODULE_LICENSE: tdx.c's, in tdx-emu-provider.c */
/* a test module: loading it taints the kernel (TAINT_TEST) */
MODULE_INFO(test, "Y");
