/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the tsm-rtmr core module.
 *
 * Locks, as they nest (the right one is taken with the left one held,
 * never the other way round):
 *
 *   tsm_rtmr_handle.lock -> tsm_rtmr_dev.lock -> tsm_rtmr_log.lock
 *                        |                    -> tsm_rtmr_dev.shadow_lock
 *                        -> tsm_rtmr_registry_lock
 *
 * A handle's lock (configfs.c) is held across its commits and value reads,
 * which take the device lock, and across a rebind, which looks the
 * provider up under the registry lock. The device lock is also taken with
 * nothing held: by an import, and by unregistration, which drops the
 * registry lock first. The registry lock takes no other lock of ours. The
 * log lock and the shadow lock are spinlocks, never held together; the
 * provider's own locks (a TPM's ops_sem and tpm_mutex) nest inside the
 * device lock, in provider calls.
 *
 * The handle lock and the device lock are held across provider calls, so
 * every wait for them is killable, except unregistration's. The spinlocks
 * protect only what readers copy out: the published extent, the length of
 * the uncertain list, the commit in flight, confirmed register values.
 * Readers of the log never take the device lock: count and state take only
 * the log lock, for a constant time; binary_event_log and ascii_event_log
 * also wait on the log's wait queue for the commit in flight, one provider
 * call at most (see log.c). Only value takes the device lock, and only when
 * the core has no confirmed copy of the register.
 */
#ifndef _TSM_RTMR_CORE_H
#define _TSM_RTMR_CORE_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/tsm-rtmr.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/xarray.h>

struct crypto_shash;
struct dentry;

#define TSM_RTMR_NAME_MAX	32
#define TSM_RTMR_DEFAULT_EVENT	0x6	/* EV_EVENT_TAG */
#define TSM_RTMR_EV_NO_ACTION	0x3

/*
 * Upper bound of the core's max_log_bytes parameter: 1 GiB, so that one
 * write(2) (at most MAX_RW_COUNT, just under 2 GiB) always carries a whole
 * log to import.
 */
#define TSM_RTMR_MAX_LOG_LIMIT	BIT(30)

/* Bounds of the core's max_event_bytes parameter: 1 B to 16 MiB. */
#define TSM_RTMR_MAX_EVENT_LIMIT	(16U << 20)

/* A record up to its event data: pcrIndex, eventType, digests, eventSize */
#define TSM_RTMR_RECORD_HEAD_MAX \
	(4 + 4 + 4 + TSM_RTMR_MAX_ALGS * (2 + TSM_RTMR_MAX_DIGEST) + 4)

/* The header record: SHA-1 format event, then the Spec ID event */
#define TSM_RTMR_HEADER_MAX	(32 + 28 + 4 * TSM_RTMR_MAX_ALGS + 1)

/* "<u64> <u32> 0x<8 hex>", the numbers that open an ascii line, and a NUL */
#define TSM_RTMR_ASCII_NUMBERS_MAX	(20 + 1 + 10 + 1 + 10 + 1)

/**
 * struct tsm_rtmr_log - an append-only TCG crypto-agile event log
 * @pages: page number -> page of the serialised log byte stream
 * @offsets: recnum / TSM_RTMR_POS_PER_PAGE -> page of struct tsm_rtmr_pos
 * @lock: the fields below, for readers without the owner's lock
 * @waitq: readers waiting for the commit in flight to end
 * @in_flight: a staged record's extend has started and not yet ended
 * @ended: commits ended (published or abandoned), for @waitq
 * @len: bytes of published records, header included
 * @ascii_len: bytes of the ascii rendering of the published records
 * @count: published entries, header excluded
 * @committed: an entry was committed (not imported): imports are refused
 * @state: page number -> page of the uncertain list as state shows it,
 *	" <recnum>" per entry whose extend could not be confirmed or denied
 * @state_len: bytes of @state published
 * @nr_uncertain: entries in @state
 *
 * Bytes below @len, and text of @state below @state_len, never change, so
 * readers copy them without a lock once they have read the length; bytes
 * past either belong to the commit in flight. The owner (the device lock)
 * serialises every change; the scalar fields below @waitq also change
 * under @lock.
 */
struct tsm_rtmr_log {
	struct xarray pages;
	struct xarray offsets;
	spinlock_t lock;	/* published extent, uncertain list, in flight */
	wait_queue_head_t waitq;
	bool in_flight;
	u64 ended;
	size_t len;
	u64 ascii_len;
	u64 count;
	bool committed;
	struct xarray state;
	size_t state_len;
	u64 nr_uncertain;
};

/**
 * struct tsm_rtmr_pos - where one entry starts in each rendering of the log
 * @bin: byte offset of its record in binary_event_log
 * @ascii: byte offset of its line in ascii_event_log
 */
struct tsm_rtmr_pos {
	u64 bin;
	u64 ascii;
};

/**
 * struct tsm_rtmr_snap - a consistent view of a log's published extent
 * @len: bytes of binary_event_log
 * @ascii_len: bytes of ascii_event_log
 * @count: entries
 */
struct tsm_rtmr_snap {
	size_t len;
	u64 ascii_len;
	u64 count;
};

/**
 * struct tsm_rtmr_dev - the core's state for one registered provider
 * @p: the provider; NULL once unregistered. Dereferenced only under @lock,
 *	after checking it is still there
 * @kref: held by the registry, by configfs handles and by open log files
 * @node: entry in the registry list
 * @lock: serialises commits, provider ops and log appends
 * @dead: unregistered; set under the registry lock
 * @pinned: the provider module and the core are pinned for good
 * @owner: copy of the provider's module
 * @name: copy of the provider name, valid for the device's lifetime
 * @nr_registers: copy of the provider's register count
 * @extendable: copy of the provider's extendable registers
 * @ones_at_reset: copy of the provider's registers that start as all-ones
 * @nr_algs: number of algorithms
 * @algs: algorithm descriptions, bank order
 * @log_index_offset: copy of the provider's log index offset
 * @digests_size: bytes of one set of digests (all banks)
 * @tfm: hashes used to predict register values for reconciliation
 * @shadow_lock: @shadow and @shadow_valid, for readers of value
 * @shadow: confirmed value of every register, @digests_size bytes each
 * @shadow_valid: registers whose @shadow is known
 * @log: the event log
 * @dir: securityfs directory
 * @files: securityfs files
 */
struct tsm_rtmr_dev {
	struct tsm_rtmr_provider *p;
	struct kref kref;
	struct list_head node;
	struct mutex lock;	/* commits, provider ops, log appends */
	bool dead;
	bool pinned;
	struct module *owner;
	char name[TSM_RTMR_NAME_MAX];
	unsigned int nr_registers;
	DECLARE_BITMAP(extendable, TSM_RTMR_MAX_REGISTERS);
	DECLARE_BITMAP(ones_at_reset, TSM_RTMR_MAX_REGISTERS);
	unsigned int nr_algs;
	const struct tsm_rtmr_alg_info *algs[TSM_RTMR_MAX_ALGS];
	unsigned int log_index_offset;
	unsigned int digests_size;
	struct crypto_shash *tfm[TSM_RTMR_MAX_ALGS];
	spinlock_t shadow_lock;	/* @shadow, @shadow_valid */
	u8 *shadow;
	DECLARE_BITMAP(shadow_valid, TSM_RTMR_MAX_REGISTERS);
	struct tsm_rtmr_log log;
	struct dentry *dir;
	struct dentry *files[5];
};

/**
 * struct tsm_rtmr_entry - what a writer asks the core to commit
 * @index: register index
 * @event_type: TCG event type
 * @digests: one digest per bank, concatenated in bank order
 * @event: event data
 * @event_len: bytes of @event
 */
struct tsm_rtmr_entry {
	unsigned int index;
	u32 event_type;
	const u8 *digests;
	const void *event;
	size_t event_len;
};

extern unsigned long tsm_rtmr_max_log_bytes;
extern unsigned int tsm_rtmr_max_event_bytes;

/* core.c: the registry */
extern struct mutex tsm_rtmr_registry_lock;	/* for lockdep_assert_held() */
struct tsm_rtmr_dev *tsm_rtmr_dev_get(const char *name, size_t len);
void tsm_rtmr_dev_put(struct tsm_rtmr_dev *dev);
struct tsm_rtmr_dev *tsm_rtmr_dev_get_file(struct inode *inode);
int tsm_rtmr_snapshot(struct tsm_rtmr_dev *dev, struct tsm_rtmr_snap *snap);

/* commit.c: the write path, and the shadow it keeps */
int tsm_rtmr_commit(struct tsm_rtmr_dev *dev, const struct tsm_rtmr_entry *e,
		    u64 *recnum);
int tsm_rtmr_read_value(struct tsm_rtmr_dev *dev, unsigned int index,
			u8 *digests);
int tsm_rtmr_call_read(struct tsm_rtmr_dev *dev, unsigned int index,
		       u8 *digests);
int tsm_rtmr_predict(struct tsm_rtmr_dev *dev, const u8 *value,
		     const u8 *digests, u8 *out);
void tsm_rtmr_shadow_set(struct tsm_rtmr_dev *dev, unsigned int index,
			 const u8 *value);
void tsm_rtmr_shadow_forget_all(struct tsm_rtmr_dev *dev);
void tsm_rtmr_pin(struct tsm_rtmr_dev *dev);

/* import.c */
ssize_t tsm_rtmr_import(struct tsm_rtmr_dev *dev, struct iov_iter *from);

/* digest.c: pure functions, no state */
int tsm_rtmr_parse_digests(const struct tsm_rtmr_alg_info *const *algs,
			   unsigned int nr_algs, const char *buf, size_t len,
			   u8 *digests);
size_t tsm_rtmr_record_size(const struct tsm_rtmr_dev *dev, size_t event_len);
size_t tsm_rtmr_build_record_head(const struct tsm_rtmr_dev *dev,
				  const struct tsm_rtmr_entry *e, u8 *head);
void tsm_rtmr_build_record(const struct tsm_rtmr_dev *dev,
			   const struct tsm_rtmr_entry *e, u8 *rec);
size_t tsm_rtmr_header_size(unsigned int nr_algs);
void tsm_rtmr_build_header(const struct tsm_rtmr_alg_info *const *algs,
			   unsigned int nr_algs, u8 *hdr);
size_t tsm_rtmr_ascii_line_len(const struct tsm_rtmr_dev *dev, u64 recnum,
			       u32 log_index, size_t event_len);
size_t tsm_rtmr_ascii_numbers(char *buf, u64 recnum, u32 log_index,
			      u32 event_type);
size_t tsm_rtmr_format_ascii(const struct tsm_rtmr_dev *dev, u64 recnum,
			     const u8 *rec, char *line);

/* log.c */
int tsm_rtmr_log_init(struct tsm_rtmr_log *log, const void *hdr, size_t len);
void tsm_rtmr_log_destroy(struct tsm_rtmr_log *log);
int tsm_rtmr_log_stage(struct tsm_rtmr_log *log, struct iov_iter *rec,
		       size_t limit);
int tsm_rtmr_log_index_staged(struct tsm_rtmr_log *log, u64 nth,
			      struct tsm_rtmr_pos where);
void tsm_rtmr_log_init_copy(struct tsm_rtmr_log *copy,
			    const struct tsm_rtmr_snap *base);
int tsm_rtmr_log_fill(struct tsm_rtmr_log *copy, struct iov_iter *from);
int tsm_rtmr_log_compare(struct tsm_rtmr_log *log, struct tsm_rtmr_log *copy,
			 size_t pos, size_t len);
bool tsm_rtmr_log_import_base(struct tsm_rtmr_log *log,
			      struct tsm_rtmr_snap *base);
int tsm_rtmr_log_adopt(struct tsm_rtmr_log *log, struct tsm_rtmr_log *copy,
		       u64 nr, size_t len, u64 ascii_len);
void tsm_rtmr_log_begin(struct tsm_rtmr_log *log);
u64 tsm_rtmr_log_publish(struct tsm_rtmr_log *log, size_t len,
			 size_t ascii_len, bool uncertain);
void tsm_rtmr_log_abandon(struct tsm_rtmr_log *log);
void tsm_rtmr_log_snapshot(struct tsm_rtmr_log *log,
			   struct tsm_rtmr_snap *snap);
int tsm_rtmr_log_snapshot_settled(struct tsm_rtmr_log *log,
				  struct tsm_rtmr_snap *snap);
ssize_t tsm_rtmr_log_read_state(struct tsm_rtmr_log *log, size_t pos,
				struct iov_iter *to);
struct tsm_rtmr_pos tsm_rtmr_log_pos(struct tsm_rtmr_log *log, u64 recnum);
u64 tsm_rtmr_log_find_ascii(struct tsm_rtmr_log *log, u64 count, u64 pos);
void tsm_rtmr_log_copy(struct tsm_rtmr_log *log, size_t pos, void *dst,
		       size_t len);
int tsm_rtmr_log_copy_to_user(struct tsm_rtmr_log *log, size_t pos,
			      char __user *dst, size_t len);

/* configfs.c */
int tsm_rtmr_configfs_init(void);
void tsm_rtmr_configfs_exit(void);

/* securityfs.c */
int tsm_rtmr_securityfs_init(void);
void tsm_rtmr_securityfs_exit(void);
int tsm_rtmr_securityfs_add(struct tsm_rtmr_dev *dev);
void tsm_rtmr_securityfs_remove(struct tsm_rtmr_dev *dev);

#endif /* _TSM_RTMR_CORE_H */
