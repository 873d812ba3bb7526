// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr simulator: software measurement registers for tests and demos.
 *
 * Registers start at zero and extend as H(old || digest) per bank. The
 * "fault" parameter makes the next extend misbehave once, so that every
 * reconciliation path of the core can be exercised without hardware.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tsm-rtmr.h>

#define SIM_MAX_INSTANCES	4

static unsigned int nr_registers = 4;
module_param(nr_registers, uint, 0444);
MODULE_PARM_DESC(nr_registers, "Registers per instance (1-32)");

static char *algs = "sha384";
module_param(algs, charp, 0444);
MODULE_PARM_DESC(algs, "Banks, in order, e.g. \"sha256,sha384\"");

static char *allowed;
module_param(allowed, charp, 0444);
MODULE_PARM_DESC(allowed, "Extendable registers, e.g. \"0-1,3\" (default all)");

static unsigned int extend_delay_ms;
module_param(extend_delay_ms, uint, 0644);
MODULE_PARM_DESC(extend_delay_ms,
		 "Every extend first sleeps this long, uninterruptibly, as a slow or hung TPM would (tests)");

static unsigned int instances = 1;
module_param(instances, uint, 0444);
MODULE_PARM_DESC(instances, "Providers to register: sim, sim1, ... (1-4)");

enum sim_fault { SIM_FAULT_NONE, SIM_FAULT_BEFORE, SIM_FAULT_AFTER,
		 SIM_FAULT_LOST };

static const char * const sim_fault_names[] = {
	[SIM_FAULT_NONE] = "none",
	[SIM_FAULT_BEFORE] = "before",
	[SIM_FAULT_AFTER] = "after",
	[SIM_FAULT_LOST] = "lost",
};

static atomic_t sim_fault = ATOMIC_INIT(SIM_FAULT_NONE);

static int sim_fault_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(sim_fault_names, val);

	if (i < 0)
		return -EINVAL;
	atomic_set(&sim_fault, i);
	return 0;
}

static int sim_fault_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", sim_fault_names[atomic_read(&sim_fault)]);
}

static const struct kernel_param_ops sim_fault_ops = {
	.set = sim_fault_set,
	.get = sim_fault_get,
};
module_param_cb(fault, &sim_fault_ops, NULL, 0644);
MODULE_PARM_DESC(fault,
		 "Next extend: none, before (fails, unchanged), after (changes, then EIO), lost (as after, and the read-back fails)");

/**
 * struct sim - one simulated register file
 * @p: the provider registered with the core
 * @name: provider name: "sim", "sim1", ...; room for any unsigned int
 *	after "sim" (W=1's -Wformat-truncation cannot always see n < 4)
 * @regs: register values, tsm_rtmr_digests_size() bytes each
 * @fail_next_read: the "lost" fault: the read-back after the extend fails
 */
struct sim {
	struct tsm_rtmr_provider p;
	char name[sizeof("sim4294967295")];
	u8 *regs;
	bool fail_next_read;
};

static struct sim sims[SIM_MAX_INSTANCES];
static struct crypto_shash *sim_tfm[TSM_RTMR_MAX_ALGS];
static unsigned int sim_nr_algs;
static u16 sim_algs[TSM_RTMR_MAX_ALGS];

static struct sim *to_sim(struct tsm_rtmr_provider *p)
{
	return container_of(p, struct sim, p);
}

static u8 *sim_reg(struct sim *s, unsigned int index)
{
	return s->regs + index * tsm_rtmr_digests_size(&s->p);
}

static int sim_hash(unsigned int bank, u8 *reg, const u8 *digest)
{
	SHASH_DESC_ON_STACK(desc, sim_tfm[bank]);
	unsigned int size = crypto_shash_digestsize(sim_tfm[bank]);
	int rc;

	desc->tfm = sim_tfm[bank];
	rc = crypto_shash_init(desc) ?:
	     crypto_shash_update(desc, reg, size) ?:
	     crypto_shash_finup(desc, digest, size, reg);
	shash_desc_zero(desc);
	return rc;
}

/* Called by the core with the provider's lock held. */
static int sim_extend(struct tsm_rtmr_provider *p, unsigned int index,
		      const u8 *digests)
{
	enum sim_fault fault = atomic_xchg(&sim_fault, SIM_FAULT_NONE);
	struct sim *s = to_sim(p);
	u8 *reg = sim_reg(s, index);
	unsigned int i, off = 0, delay = READ_ONCE(extend_delay_ms);
	int rc;

	if (delay)
		msleep(delay);
	if (fault == SIM_FAULT_BEFORE)
		return -EIO;
	for (i = 0; i < sim_nr_algs; i++) {
		rc = sim_hash(i, reg + off, digests + off);
		if (rc)
			return rc;
		off += crypto_shash_digestsize(sim_tfm[i]);
	}
	if (fault == SIM_FAULT_LOST)
		s->fail_next_read = true;
	return fault == SIM_FAULT_NONE ? 0 : -EIO;
}

static int sim_read(struct tsm_rtmr_provider *p, unsigned int index,
		    u8 *digests)
{
	struct sim *s = to_sim(p);

	if (s->fail_next_read) {
		s->fail_next_read = false;
		return -EIO;
	}
	memcpy(digests, sim_reg(s, index), tsm_rtmr_digests_size(p));
	return 0;
}

static const struct tsm_rtmr_ops sim_ops = {
	.extend = sim_extend,
	.read = sim_read,
};

static int sim_parse_algs(void)
{
	const char *pos = algs;

	while (*pos) {
		size_t len = strcspn(pos, ",\n");
		const struct tsm_rtmr_alg_info *alg;

		alg = tsm_rtmr_alg_by_name(pos, len);
		if (!alg || sim_nr_algs == TSM_RTMR_MAX_ALGS) {
			pr_err("algs=\"%s\": need 1-%d of sha1, sha256, sha384, sha512, sm3_256\n",
			       algs, TSM_RTMR_MAX_ALGS);
			return -EINVAL;
		}
		sim_algs[sim_nr_algs++] = alg->alg_id;
		pos += len;
		if (*pos)
			pos++;
	}
	return sim_nr_algs ? 0 : -EINVAL;
}

static void sim_free_tfms(void)
{
	unsigned int i;

	for (i = 0; i < sim_nr_algs; i++)
		if (!IS_ERR_OR_NULL(sim_tfm[i]))
			crypto_free_shash(sim_tfm[i]);
}

static int sim_alloc_tfms(void)
{
	unsigned int i;

	for (i = 0; i < sim_nr_algs; i++) {
		const struct tsm_rtmr_alg_info *alg = tsm_rtmr_alg_by_id(sim_algs[i]);
		const char *hash = hash_algo_name[alg->hash_algo];

		sim_tfm[i] = crypto_alloc_shash(hash, 0, 0);
		if (IS_ERR(sim_tfm[i])) {
			pr_err("no %s in the crypto API\n", hash);
			return PTR_ERR(sim_tfm[i]);
		}
	}
	return 0;
}

static int sim_setup(struct sim *s, unsigned int n)
{
	int rc;

	if (n)
		snprintf(s->name, sizeof(s->name), "sim%u", n);
	else
		strscpy(s->name, "sim", sizeof(s->name));
	s->p = (struct tsm_rtmr_provider) {
		.name = s->name,
		.owner = THIS_MODULE,
		.nr_registers = nr_registers,
		.nr_algs = sim_nr_algs,
		.log_index_offset = 1,
		.volatile_registers = true,
		.ops = &sim_ops,
	};
	memcpy(s->p.algs, sim_algs, sizeof(sim_algs));
	bitmap_set(s->p.extendable, 0, nr_registers);
	if (allowed) {
		rc = tsm_rtmr_parse_extendable(&s->p, allowed);
		if (rc)
			return rc;
	}
	s->regs = kcalloc(nr_registers, tsm_rtmr_digests_size(&s->p),
			  GFP_KERNEL);
	if (!s->regs)
		return -ENOMEM;
	rc = tsm_rtmr_register(&s->p);
	if (rc) {
		kfree(s->regs);
		s->regs = NULL;
	}
	return rc;
}

static void sim_teardown(unsigned int n)
{
	while (n--) {
		tsm_rtmr_unregister(&sims[n].p);
		kfree(sims[n].regs);
	}
	sim_free_tfms();
}

static int __init sim_init(void)
{
	unsigned int n;
	int rc;

	if (!nr_registers || nr_registers > TSM_RTMR_MAX_REGISTERS ||
	    !instances || instances > SIM_MAX_INSTANCES) {
		pr_err("nr_registers must be 1-%d and instances 1-%d\n",
		       TSM_RTMR_MAX_REGISTERS, SIM_MAX_INSTANCES);
		return -EINVAL;
	}
	rc = sim_parse_algs() ?: sim_alloc_tfms();
	if (rc) {
		sim_free_tfms();
		return rc;
	}
	for (n = 0; n < instances; n++) {
		rc = sim_setup(&sims[n], n);
		if (rc) {
			sim_teardown(n);
			return rc;
		}
	}
	return 0;
}

static void __exit sim_exit(void)
{
	sim_teardown(instances);
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_DESCRIPTION("tsm-rtmr software register simulator");
MODULE_LICENSE("GPL");
