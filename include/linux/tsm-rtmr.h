/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tsm-rtmr: log-first runtime measurement registers.
 *
 * A provider exposes a set of measurement registers (TDX RTMRs, TPM PCRs,
 * ...). The core owns the event log: every extend goes through the core,
 * which writes the TCG_PCR_EVENT2 record into the log's storage (reserving
 * its space) before asking the provider to extend, and publishes it once
 * the provider has answered, all under the provider's lock, which
 * serialises commits and provider calls. Readers of the log never take
 * that lock: a reader of its records waits for the one extend in flight to
 * be answered, so that no reader sees a register the log does not cover.
 */
#ifndef _LINUX_TSM_RTMR_H
#define _LINUX_TSM_RTMR_H

#include <crypto/hash_info.h>
#include <linux/bitmap.h>
#include <linux/types.h>

#define TSM_RTMR_MAX_REGISTERS	32
#define TSM_RTMR_MAX_ALGS	5
#define TSM_RTMR_MAX_DIGEST	64	/* SHA-512 */

/**
 * struct tsm_rtmr_alg_info - a hash algorithm the log can carry
 * @alg_id: TPM algorithm identifier (enum tpm_algorithms in <linux/tpm.h>),
 *	the id in log records and in the log's header
 * @hash_algo: the same algorithm in the kernel's hash_info: its digest size
 *	is hash_digest_size[@hash_algo], its crypto API name
 *	hash_algo_name[@hash_algo] (<crypto/hash_info.h>)
 * @name: name in the ABI: digest tokens, algs, the ascii log ("sha384";
 *	"sm3_256", where hash_algo_name[] has "sm3")
 */
struct tsm_rtmr_alg_info {
	u16 alg_id;
	enum hash_algo hash_algo;
	const char *name;
};

/* Digest size of @alg in bytes: hash_info's */
static inline unsigned int
tsm_rtmr_alg_size(const struct tsm_rtmr_alg_info *alg)
{
	return hash_digest_size[alg->hash_algo];
}

struct tsm_rtmr_provider;

/**
 * struct tsm_rtmr_ops - register operations of a provider
 * @extend: extend register @index with @digests, one digest per algorithm
 *	    of the provider, concatenated in bank order. Return 0 or a
 *	    negative errno. Two errnos promise that nothing was sent, so the
 *	    register is unchanged: -ENODEV (the hardware is gone) and -EBUSY
 *	    (it could not be reached this time: busy, or it would not start).
 *	    The core then drops the entry and passes the error on without
 *	    reading the register back (a read that would most likely fail the
 *	    same way, and leave the entry uncertain). Return them only when
 *	    that is certain; on any other error the core reads the register
 *	    back to find out whether it changed.
 * @read: read register @index into @digests, laid out as for @extend.
 *	    Return 0 or a negative errno.
 *
 * The core serialises all calls for one provider under that provider's
 * lock; ops may sleep and need no locking of their own. Waiters for that
 * lock are killable, but a call in progress is not interrupted: an op
 * that can hang should bound its own wait.
 */
struct tsm_rtmr_ops {
	int (*extend)(struct tsm_rtmr_provider *p, unsigned int index,
		      const u8 *digests);
	int (*read)(struct tsm_rtmr_provider *p, unsigned int index,
		    u8 *digests);
};

/**
 * struct tsm_rtmr_provider - a set of runtime measurement registers
 * @name: provider name, also the securityfs directory name ([a-z0-9_-]+)
 * @owner: module implementing @ops
 * @nr_registers: number of registers, 1..TSM_RTMR_MAX_REGISTERS
 * @nr_algs: number of entries in @algs, 1..TSM_RTMR_MAX_ALGS
 * @algs: TPM algorithm ids (TPM_ALG_*) every entry must carry, in bank order
 * @log_index_offset: register n is written as n + @log_index_offset in
 *	log records (1 for TDX RTMRs: the CC measurement index of the CCEL)
 * @extendable: registers userspace may extend
 * @ones_at_reset: registers that start as all 0xff bytes rather than zero
 *	(TPM PCRs 17-22 until a dynamic launch): where an import's replay
 *	of each register starts
 * @volatile_registers: the registers die with the module (simulator), so
 *	the module may be unloaded and its log discarded. When false the
 *	core pins @owner, and itself, once the log holds an entry.
 * @ops: register operations
 *
 * A provider fills this in and calls tsm_rtmr_register(); the core
 * validates every field before accepting it. The structure must stay
 * valid and unchanged until tsm_rtmr_unregister() returns.
 */
struct tsm_rtmr_provider {
	const char *name;
	struct module *owner;
	unsigned int nr_registers;
	unsigned int nr_algs;
	u16 algs[TSM_RTMR_MAX_ALGS];
	unsigned int log_index_offset;
	DECLARE_BITMAP(extendable, TSM_RTMR_MAX_REGISTERS);
	DECLARE_BITMAP(ones_at_reset, TSM_RTMR_MAX_REGISTERS);
	bool volatile_registers;
	const struct tsm_rtmr_ops *ops;
};

int tsm_rtmr_register(struct tsm_rtmr_provider *p);
void tsm_rtmr_unregister(struct tsm_rtmr_provider *p);

const struct tsm_rtmr_alg_info *tsm_rtmr_alg_by_id(u16 alg_id);
const struct tsm_rtmr_alg_info *tsm_rtmr_alg_by_name(const char *name,
						     size_t len);
unsigned int tsm_rtmr_digests_size(const struct tsm_rtmr_provider *p);
int tsm_rtmr_parse_extendable(struct tsm_rtmr_provider *p, const char *list);

#endif /* _LINUX_TSM_RTMR_H */
