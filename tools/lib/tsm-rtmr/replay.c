// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Replay: register = H(register || digest) for every record, per bank;
 * EV_NO_ACTION records are never extended. Prefix search finds the longest
 * prefix of a log that replays to given values: a log may hold entries
 * newer than the register values a verifier has (IMA's rule).
 */
#include <stdlib.h>
#include <string.h>

#include "tsm-rtmr.h"
#include "internal.h"

void tr_initial_value(uint32_t index, unsigned int flags, uint8_t *out,
		      size_t size)
{
	bool locality_reset = (flags & TR_REPLAY_TPM) && index >= 17 &&
			      index <= 22;

	memset(out, locality_reset ? 0xff : 0x00, size);
}

static struct tr_register *find_reg(const struct tr_replay *r, uint32_t index)
{
	size_t lo = 0, hi = r->n_regs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->regs[mid].index == index)
			return &r->regs[mid];
		if (r->regs[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int add_reg(struct tr_replay *r, uint32_t index, size_t *cap)
{
	size_t pos = r->n_regs;
	struct tr_register *reg;

	if (find_reg(r, index))
		return TR_OK;
	if (r->n_regs >= TR_MAX_REGISTERS)
		return TR_E_LIMIT;
	if (r->n_regs == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct tr_register *p = realloc(r->regs, ncap * sizeof(*p));

		if (!p)
			return TR_E_NOMEM;
		r->regs = p;
		*cap = ncap;
	}
	while (pos > 0 && r->regs[pos - 1].index > index)
		pos--;
	memmove(&r->regs[pos + 1], &r->regs[pos],
		(r->n_regs - pos) * sizeof(*r->regs));
	reg = &r->regs[pos];
	reg->index = index;
	for (unsigned int b = 0; b < r->log->n_banks; b++)
		tr_initial_value(index, r->flags, reg->value[b],
				 r->log->banks[b].size);
	r->n_regs++;
	return TR_OK;
}

static int check_banks(const struct tr_log *log, struct tr_error *err)
{
	for (unsigned int b = 0; b < log->n_banks; b++) {
		const struct tr_bank *bank = &log->banks[b];

		if (!bank->alg || !tr_evp_md(bank->alg)) {
			tr_set_error(err, 0,
				     "cannot replay algorithm 0x%04x: not available",
				     bank->alg_id);
			return TR_E_UNSUPPORTED;
		}
	}
	return TR_OK;
}

int tr_replay_init(struct tr_replay *r, const struct tr_log *log,
		   unsigned int flags, struct tr_error *err)
{
	size_t cap = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	r->log = log;
	r->flags = flags;
	ret = check_banks(log, err);
	for (size_t i = 0; !ret && i < log->n_records; i++) {
		if (log->records[i].event_type == TR_EV_NO_ACTION)
			continue;
		ret = add_reg(r, log->records[i].log_index, &cap);
		if (ret == TR_E_LIMIT)
			tr_set_error(err, log->records[i].offset,
				     "log touches more than %u registers",
				     TR_MAX_REGISTERS);
		else if (ret)
			tr_set_error(err, 0, "out of memory");
	}
	if (ret)
		tr_replay_free(r);
	return ret;
}

void tr_replay_free(struct tr_replay *r)
{
	free(r->regs);
	r->regs = NULL;
	r->n_regs = 0;
}

static int apply(struct tr_replay *r, const struct tr_record *rec)
{
	const struct tr_log *log = r->log;
	struct tr_register *reg;

	if (rec->event_type == TR_EV_NO_ACTION)
		return TR_OK;
	reg = find_reg(r, rec->log_index);
	if (!reg)
		return TR_E_INVAL;
	for (unsigned int b = 0; b < log->n_banks; b++) {
		const struct tr_alg *alg = log->banks[b].alg;
		int ret = tr_hash2(alg, reg->value[b], alg->size,
				   tr_record_digest(log, rec, b), alg->size,
				   reg->value[b]);
		if (ret)
			return ret;
	}
	return TR_OK;
}

int tr_replay_run(struct tr_replay *r, size_t upto)
{
	if (upto > r->log->n_records)
		upto = r->log->n_records;
	while (r->applied < upto) {
		int ret = apply(r, &r->log->records[r->applied]);

		if (ret)
			return ret;
		r->applied++;
	}
	return TR_OK;
}

const uint8_t *tr_replay_value(const struct tr_replay *r, uint32_t index,
			       unsigned int bank)
{
	const struct tr_register *reg = find_reg(r, index);

	return reg && bank < r->log->n_banks ? reg->value[bank] : NULL;
}

int tr_longest_prefix_cb(const struct tr_log *log, unsigned int flags,
			 tr_prefix_cb match, void *ctx, size_t *best,
			 struct tr_error *err)
{
	struct tr_replay r;
	bool found = false;
	int ret = tr_replay_init(&r, log, flags, err);

	if (ret)
		return ret;
	for (size_t n = 0; ; n++) {
		const struct tr_record *last = n ? &log->records[n - 1] : NULL;

		ret = tr_replay_run(&r, n);
		if (ret) {
			tr_set_error(err, 0, "replay failed: %s", tr_strstatus(ret));
			break;
		}
		ret = match(&r, n, last, ctx);
		if (ret < 0)
			break;
		if (ret) {
			*best = n;
			found = true;
		}
		ret = 0;
		if (n == log->n_records)
			break;
	}
	tr_replay_free(&r);
	if (!ret && !found) {
		tr_set_error(err, 0, "no prefix of the log's %zu records matches",
			     log->n_records);
		ret = TR_E_NOMATCH;
	}
	return ret;
}

struct target_ctx {
	const struct tr_target *targets;
	size_t n_targets;
	int *bank;		/* per target: bank in the log */
	bool *ok;		/* per target: matches now */
	size_t n_ok;
};

static void update_target(struct target_ctx *t, const struct tr_replay *r,
			  size_t i)
{
	const struct tr_target *tg = &t->targets[i];
	const struct tr_bank *bank = &r->log->banks[t->bank[i]];
	const uint8_t *now = tr_replay_value(r, tg->index, t->bank[i]);
	uint8_t initial[TR_MAX_DIGEST];
	bool ok;

	if (!now) {
		tr_initial_value(tg->index, r->flags, initial, bank->size);
		now = initial;
	}
	ok = !memcmp(now, tg->value, bank->size);
	t->n_ok += (size_t)ok - (size_t)t->ok[i];
	t->ok[i] = ok;
}

static int target_match(const struct tr_replay *r, size_t n,
			const struct tr_record *last, void *ctx)
{
	struct target_ctx *t = ctx;

	/* Only the targets of the register just extended can change. */
	for (size_t i = 0; i < t->n_targets; i++)
		if (n == 0 || (last->event_type != TR_EV_NO_ACTION &&
			       last->log_index == t->targets[i].index))
			update_target(t, r, i);
	return t->n_ok == t->n_targets;
}

int tr_longest_prefix(const struct tr_log *log, unsigned int flags,
		      const struct tr_target *targets, size_t n_targets,
		      size_t *best, struct tr_error *err)
{
	struct target_ctx t = { .targets = targets, .n_targets = n_targets };
	int ret = TR_E_NOMEM;

	t.bank = calloc(n_targets + 1, sizeof(*t.bank));
	t.ok = calloc(n_targets + 1, sizeof(*t.ok));
	if (!t.bank || !t.ok) {
		tr_set_error(err, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_targets; i++) {
		t.bank[i] = tr_log_bank(log, targets[i].alg_id);
		if (t.bank[i] < 0) {
			tr_set_error(err, 0,
				     "register %u: algorithm 0x%04x not in the log",
				     targets[i].index, targets[i].alg_id);
			ret = TR_E_INVAL;
			goto out;
		}
	}
	ret = tr_longest_prefix_cb(log, flags, target_match, &t, best, err);
out:
	free(t.bank);
	free(t.ok);
	return ret;
}

/* @regs[i] of log index @index, or NULL; binary search when @sorted. */
static const struct tr_coverage *find_coverage(const struct tr_coverage *regs,
					       size_t n, bool sorted,
					       uint32_t index)
{
	size_t lo = 0, hi = n;

	if (!sorted) {
		for (size_t i = 0; i < n; i++)
			if (regs[i].index == index)
				return &regs[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (regs[mid].index == index)
			return &regs[mid];
		if (regs[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t tr_registers_uncovered(const struct tr_log *log,
			      const struct tr_coverage *regs, size_t n_regs,
			      size_t count, uint32_t *recnums, size_t max)
{
	size_t n = 0, from = count;
	bool sorted = true;

	if (count > log->n_records)
		count = log->n_records;
	for (size_t i = 0; i < n_regs; i++) {
		if (regs[i].prefix < from)
			from = regs[i].prefix;
		if (i && regs[i].index <= regs[i - 1].index)
			sorted = false;
	}
	for (size_t i = from; i < count; i++) {
		const struct tr_record *rec = &log->records[i];
		const struct tr_coverage *c;

		if (rec->event_type == TR_EV_NO_ACTION)
			continue;
		c = find_coverage(regs, n_regs, sorted, rec->log_index);
		if (!c || i < c->prefix)
			continue;
		if (n < max)
			recnums[n] = rec->recnum;
		n++;
	}
	return n;
}
