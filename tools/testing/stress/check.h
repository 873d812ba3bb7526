/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the stress campaign and the ABI fuzzer: provider discovery
 * through a handle, the uncertain list of `state`, and the replay of one
 * register from its log with every uncertain record of it in or out.
 */
#ifndef TSM_RTMR_CHECK_H
#define TSM_RTMR_CHECK_H

#include "../selftests/tsm-rtmr/tsm_rtmr_test.h"

#define MAX_PROV	8

struct prov {
	char name[32];
	char banks[128];
	int nregs;
	int reg[MAX_REGS];
	uint32_t log_index[MAX_REGS];
	long count0;
	int sim;
};

/* Observer handle "<prefix>-obs-<name>", registers found by writing index. */
static int discover(const char *name, struct prov *p, const char *prefix)
{
	char h[64], b[256];
	ssize_t n;
	int i;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->sim = !strncmp(name, "sim", 3);
	snprintf(h, sizeof(h), "%s-obs-%s", prefix, name);
	if (h_mkdir(h) && errno != EEXIST)
		return -1;
	if (h_write(h, "provider", name))
		return -1;
	n = h_read(h, "algs", p->banks, sizeof(p->banks));
	if (n <= 0)
		return -1;
	for (i = 0; i < MAX_REGS; i++) {
		if (h_index(h, i))
			continue;
		n = h_read(h, "log_index", b, sizeof(b));
		if (n <= 0)
			return -1;
		p->reg[p->nregs] = i;
		p->log_index[p->nregs++] = strtoul(b, NULL, 0);
	}
	p->count0 = prov_count(name);
	return p->nregs ? 0 : -1;
}

static int uncertain_list(const char *name, long *u, int max)
{
	char b[8192], *p, *end;
	int n = 0;

	if (prov_read(name, "state", b, sizeof(b)) <= 0)
		return -1;
	if (!strncmp(b, "ok", 2))
		return 0;
	if (strncmp(b, "uncertain", 9))
		return -1;
	p = b + 9;
	for (;;) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (n < max)
			u[n] = v;
		n++;
		p = end;
	}
	return n;
}

static bool replay_matches(struct prov *p, struct tlog *l, int ri,
			   const size_t *recs, int k, unsigned long in,
			   const struct digests *live)
{
	struct digests rep;
	size_t e;
	int j;

	memset(&rep, 0, sizeof(rep));
	rep.n = l->nalgs;
	memcpy(rep.alg, l->alg, sizeof(rep.alg));
	/* TPM PCRs 17-22 start at all-0xFF */
	if (p->log_index[ri] >= 17 && p->log_index[ri] <= 22 && !p->sim)
		for (j = 0; j < rep.n; j++)
			memset(rep.d[j], 0xff, rep.alg[j]->size);
	for (e = 0; e < l->n; e++) {
		int skip = 0;

		if (l->e[e].log_index != p->log_index[ri])
			continue;
		for (j = 0; j < k; j++)
			if (recs[j] == e && !(in & (1UL << j)))
				skip = 1;
		if (!skip)
			extend_model(&rep, &l->e[e].ds);
	}
	return digests_equal(live, &rep);
}

/*
 * Replay register @ri of @p from @l: the live value must equal the replay
 * with each of its uncertain records either in or out. Every combination
 * is tried for up to 10 of them; beyond that all in, all out, and each one
 * alone flipped from either.
 */
static int replay_check(struct prov *p, struct tlog *l, const long *unc,
			int nunc, int ri, const char *obs)
{
	struct digests live;
	size_t recs[64];
	unsigned long mask, all;
	int k = 0, j, r;

	r = reg_read(obs, p->reg[ri], &live);
	if (r)
		return r;
	for (j = 0; j < nunc; j++)
		if ((size_t)unc[j] < l->n &&
		    l->e[unc[j]].log_index == p->log_index[ri] && k < 64)
			recs[k++] = unc[j];
	all = k >= 64 ? ~0UL : (1UL << k) - 1;
	if (k <= 10) {
		for (mask = 0; mask <= all; mask++)
			if (replay_matches(p, l, ri, recs, k, mask, &live))
				return 0;
		return -EBADMSG;
	}
	if (replay_matches(p, l, ri, recs, k, all, &live) ||
	    replay_matches(p, l, ri, recs, k, 0, &live))
		return 0;
	for (j = 0; j < k; j++)
		if (replay_matches(p, l, ri, recs, k, all & ~(1UL << j), &live) ||
		    replay_matches(p, l, ri, recs, k, 1UL << j, &live))
			return 0;
	return -EBADMSG;
}

#endif
