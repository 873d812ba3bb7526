// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr replay: replay the log per register and algorithm, and compare
 * with the live register values: for the TPM providers (tpm, snp-vtpm)
 * the PCRs read from the TPM itself, which show an extend made behind
 * tsm-rtmr's back; for the others (sim, tdx) configfs value, the kernel's
 * confirmed copy of each register, which does not.
 *
 * Order matters. The provider's count is read first: every entry it
 * counts has been extended, and must be in the prefix its register
 * matches, else a reset (PCR 16 and 23 from locality 0) and a re-extend
 * could make an old prefix match (quote's rule). Then a first read of the
 * log names the registers, the live values are read, and a second read of
 * the log is what they are compared with. A read of the log waits for the
 * commit in flight, so the second log holds every entry the values
 * include; entries committed meanwhile only make it longer, so each
 * register must be the replay of some prefix of it (IMA's rule), all of
 * its banks of the same prefix.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpm.h"

static const char replay_help[] =
"usage: tsm-rtmr replay [-p PROVIDER] [--tpm] [--no-live] [--tcti CONF]\n"
"                       [FILE]\n"
"Replay the event log of PROVIDER (default: the first under securityfs) or\n"
"FILE, print '<log index> <alg>:<hex>' per register and algorithm, and\n"
"compare with PROVIDER's live registers (with FILE: only when -p is given).\n"
"Live values of tpm and snp-vtpm are the PCRs read from the TPM with\n"
"TPM2_PCR_Read, in every bank the log carries. For other providers (sim,\n"
"tdx) they are the kernel's confirmed copy of each register (configfs\n"
"value), which does not show an extend made behind the kernel's back; for\n"
"TDX, 'tsm-rtmr quote -p tdx' checks the RTMRs of a TD quote, which do.\n"
"Each register must be the replay of a prefix of the log, and that prefix\n"
"must hold every entry on the register among the first PROVIDER count\n"
"entries (count is read before the live values; with FILE, every record of\n"
"FILE counts).\n"
"  -p, --provider NAME  provider whose log and registers to use\n"
"      --tpm            TPM initial values (PCRs 17-22 all-0xFF); implied\n"
"                       by providers tpm and snp-vtpm\n"
"      --no-live        do not compare with live registers\n"
"  -T, --tcti CONF      TCTI of the TPM for tpm and snp-vtpm (default\n"
"                       " DEFAULT_TCTI ")\n"
"Exit status 1 when a live value is not the replay of a prefix of the log,\n"
"or its prefix leaves out such a counted entry (a reset, or an extend\n"
"behind the log).\n";

struct live {
	struct tr_target *targets;
	uint32_t *registers;	/* register number per target */
	size_t n;
};

struct replay_args {
	const char *provider;
	const char *file;
	const char *tcti;	/* NULL: DEFAULT_TCTI */
	bool tpm, no_live;
};

/* Register number for a log index: n (TPM) or n - 1 (TDX, sim). */
static int map_register(struct tr_handle *h, uint32_t log_index, long *offset,
			uint32_t *reg)
{
	int err = -ENOENT;

	for (long off = 0; off <= 1; off++) {
		char buf[64];

		if ((*offset >= 0 && off != *offset) || log_index < off)
			continue;
		err = tr_handle_set_index(h, (uint32_t)(log_index - off));
		if (err)
			continue;
		err = tr_handle_read(h, "log_index", buf, sizeof(buf));
		if (err)
			return err;
		if (strtoul(buf, NULL, 10) == log_index) {
			*offset = off;
			*reg = (uint32_t)(log_index - off);
			return 0;
		}
		err = -ENOENT;
	}
	return err;
}

/* "sha256:<hex>\nsha384:<hex>\n" into targets for the log's banks. */
static int parse_value(const struct tr_log *log, uint32_t log_index,
		       uint32_t reg, char *text, struct live *lv)
{
	char *save = NULL;

	for (char *tok = strtok_r(text, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		char *colon = strchr(tok, ':');
		const struct tr_alg *alg = colon ?
			tr_alg_by_name_len(tok, (size_t)(colon - tok)) : NULL;
		struct tr_target *t = &lv->targets[lv->n];

		if (!alg || tr_log_bank(log, alg->id) < 0)
			continue;	/* a bank the log does not carry */
		t->index = log_index;
		t->alg_id = alg->id;
		if (tr_unhex(colon + 1, strlen(colon + 1), t->value,
			     sizeof(t->value)) != alg->size) {
			errmsg("register %u: cannot parse value '%s'", reg, tok);
			return -1;
		}
		lv->registers[lv->n++] = reg;
	}
	return 0;
}

static int read_registers(struct tr_handle *h, const struct tr_log *log,
			  const struct tr_replay *r, struct live *lv)
{
	long offset = -1;

	for (size_t i = 0; i < r->n_regs; i++) {
		uint32_t li = r->regs[i].index, reg = 0;
		char value[2048];
		int err = map_register(h, li, &offset, &reg);

		if (err) {
			errmsg("log index %u: no register maps to it: %s", li,
			       strerror(-err));
			return -1;
		}
		err = tr_handle_read(h, "value", value, sizeof(value));
		if (err) {
			errmsg("register %u: reading value: %s", reg, strerror(-err));
			return -1;
		}
		if (parse_value(log, li, reg, value, lv))
			return -1;
	}
	return 0;
}

/* sim, tdx: configfs value, the kernel's confirmed copy of each register. */
static int read_configfs(const char *provider, const struct tr_log *log,
			 const struct tr_replay *r, struct live *lv)
{
	struct tr_handle h = { 0 };
	int ret = handle_open(&h);

	if (ret) {
		errmsg("cannot create a configfs handle to read registers: %s",
		       strerror(-ret));
	} else if ((ret = tr_handle_printf(&h, "provider", "%s", provider))) {
		errmsg("provider %s: %s", provider, strerror(-ret));
	} else {
		ret = read_registers(&h, log, r, lv);
	}
	handle_close(&h);
	return ret ? -1 : 0;
}

/*
 * tpm, snp-vtpm: the PCRs themselves, which an extend behind tsm-rtmr's
 * back (tpm2_pcrextend) changes too. PCR n is log index n.
 */
static int read_tpm(const char *tcti, const struct tr_log *log,
		    const struct tr_replay *r, struct live *lv)
{
	struct tpm t = { 0 };
	int ret = tpm_open(&t, tcti);

	for (size_t i = 0; !ret && i < r->n_regs; i++) {
		uint32_t pcr = r->regs[i].index;
		uint8_t values[TR_MAX_ALGS][TR_MAX_DIGEST];

		ret = tpm_read_pcr(&t, pcr, log, values);
		for (unsigned int b = 0; !ret && b < log->n_banks; b++) {
			struct tr_target *tg = &lv->targets[lv->n];

			tg->index = pcr;
			tg->alg_id = log->banks[b].alg_id;
			memcpy(tg->value, values[b], log->banks[b].size);
			lv->registers[lv->n++] = pcr;
		}
	}
	tpm_close(&t);
	return ret;
}

static int read_live(const struct replay_args *a, const struct tr_log *log,
		     unsigned int flags, struct live *lv)
{
	struct tr_error err = { 0 };
	struct tr_replay r;
	int ret = -1;

	if (tr_replay_init(&r, log, flags, &err)) {
		errmsg("%s", err.msg);
		return -1;
	}
	lv->targets = calloc(r.n_regs * TR_MAX_ALGS + 1, sizeof(*lv->targets));
	lv->registers = calloc(r.n_regs * TR_MAX_ALGS + 1, sizeof(*lv->registers));
	if (!lv->targets || !lv->registers)
		errmsg("out of memory");
	else if (provider_is_tpm(a->provider))
		ret = read_tpm(a->tcti ? a->tcti : DEFAULT_TCTI, log, &r, lv);
	else
		ret = read_configfs(a->provider, log, &r, lv);
	tr_replay_free(&r);
	return ret;
}

static void print_replay(const struct tr_log *log, unsigned int flags)
{
	struct tr_error err = { 0 };
	struct tr_replay r;
	char hex[2 * TR_MAX_DIGEST + 1];

	if (tr_replay_init(&r, log, flags, &err) ||
	    tr_replay_run(&r, log->n_records)) {
		errmsg("%s", err.msg[0] ? err.msg : "replay failed");
		exit(EXIT_ERROR);
	}
	for (size_t i = 0; i < r.n_regs; i++) {
		for (unsigned int b = 0; b < log->n_banks; b++) {
			tr_hex(r.regs[i].value[b], log->banks[b].size, hex);
			printf("%u %s:%s\n", r.regs[i].index,
			       log->banks[b].alg->name, hex);
		}
	}
	tr_replay_free(&r);
}

/* First record at or after @from that extends @log_index. */
static long next_record(const struct tr_log *log, size_t from, uint32_t log_index)
{
	for (size_t i = from; i < log->n_records; i++)
		if (log->records[i].log_index == log_index &&
		    log->records[i].event_type != TR_EV_NO_ACTION)
			return (long)i;
	return -1;
}

/*
 * Registers are compared one by one. The kernel reads all banks of one
 * register at once, but registers one after another, and writers may commit
 * in between; so each register (all of its banks) must be the replay of
 * some prefix of the log, not every register of the same prefix.
 */
struct matches {
	const struct live *lv;
	bool *now;		/* per target: matches at the current prefix */
	long *target_best;	/* per target: longest matching prefix, or -1 */
	long *reg_best;		/* at a register's first target: all banks */
};

static bool target_matches(const struct tr_replay *r, const struct tr_target *t)
{
	int bank = tr_log_bank(r->log, t->alg_id);
	size_t size = r->log->banks[bank].size;
	const uint8_t *v = tr_replay_value(r, t->index, (unsigned int)bank);
	uint8_t initial[TR_MAX_DIGEST];

	if (!v) {
		tr_initial_value(t->index, r->flags, initial, size);
		v = initial;
	}
	return !memcmp(v, t->value, size);
}

/* Targets are grouped by register, in read order. */
static size_t group_end(const struct live *lv, size_t i)
{
	size_t j = i;

	while (j < lv->n && lv->targets[j].index == lv->targets[i].index)
		j++;
	return j;
}

static int note_matches(const struct tr_replay *r, size_t n,
			const struct tr_record *last, void *ctx)
{
	struct matches *m = ctx;
	const struct live *lv = m->lv;

	for (size_t i = 0, end; i < lv->n; i = end) {
		bool all = true;

		end = group_end(lv, i);
		for (size_t j = i; j < end; j++) {
			/* Only the register just extended can change. */
			if (!last || (last->event_type != TR_EV_NO_ACTION &&
				      last->log_index == lv->targets[j].index))
				m->now[j] = target_matches(r, &lv->targets[j]);
			if (m->now[j])
				m->target_best[j] = (long)n;
			all = all && m->now[j];
		}
		if (all)
			m->reg_best[i] = (long)n;
	}
	return 1;
}

static void explain_register(const struct tr_log *log, const struct live *lv,
			     const struct matches *m, size_t i, size_t end,
			     bool more)
{
	const char *also = more ? " (and other registers)" : "";
	size_t worst = i;

	for (size_t j = i; j < end; j++)
		if (m->target_best[j] < m->target_best[worst])
			worst = j;
	if (m->target_best[worst] < 0) {
		errmsg("register %u (log index %u) %s: live value is not the replay of any prefix of the log; they part at or after record %ld, its first%s",
		       lv->registers[worst], lv->targets[worst].index,
		       tr_alg_by_id(lv->targets[worst].alg_id)->name,
		       next_record(log, 0, lv->targets[worst].index), also);
		return;
	}
	/* Every bank matches some prefix, but not the same one. */
	errmsg("register %u (log index %u) %s: live value is the replay of the first %ld records, other banks of more; they part at record %ld%s",
	       lv->registers[worst], lv->targets[worst].index,
	       tr_alg_by_id(lv->targets[worst].alg_id)->name,
	       m->target_best[worst],
	       next_record(log, (size_t)m->target_best[worst],
			   lv->targets[worst].index), also);
}

/*
 * Registers with an uncovered entry; *@k: the first target of the one of
 * log index @index.
 */
static size_t uncovered_registers(const struct tr_log *log,
				  const struct live *lv,
				  const struct tr_coverage *cov, size_t n_cov,
				  size_t count, uint32_t index, size_t *k)
{
	size_t regs = 0;

	for (size_t i = 0, c = 0, end; i < lv->n && c < n_cov; i = end, c++) {
		end = group_end(lv, i);
		if (lv->targets[i].index == index)
			*k = i;
		if (tr_registers_uncovered(log, &cov[c], 1, count, NULL, 0))
			regs++;
	}
	return regs;
}

/*
 * Every entry among the first @count (counted before the live values were
 * read) must be in the prefix its register matches: a shorter match means
 * the register was reset and extended again with an old prefix of its
 * entries, or something like it.
 */
static int check_coverage(const struct tr_log *log, const struct live *lv,
			  const struct matches *m, size_t count)
{
	struct tr_coverage *cov = calloc(lv->n + 1, sizeof(*cov));
	size_t n_cov = 0, n, k = 0, regs, len = 0;
	char list[16 * 11 + 32];
	uint32_t rec[16];

	if (!cov) {
		errmsg("out of memory");
		return EXIT_ERROR;
	}
	for (size_t i = 0, end; i < lv->n; i = end) {
		end = group_end(lv, i);
		cov[n_cov].index = lv->targets[i].index;
		cov[n_cov++].prefix = (size_t)m->reg_best[i];
	}
	n = tr_registers_uncovered(log, cov, n_cov, count, rec, 16);
	if (!n) {
		free(cov);
		return EXIT_OK;
	}
	/* Name the register of the first entry left out. */
	regs = uncovered_registers(log, lv, cov, n_cov, count,
				   log->records[rec[0]].log_index, &k);
	free(cov);
	for (size_t i = 0; i < n && i < 16; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, " %u",
					rec[i]);
	if (n > 16)
		snprintf(list + len, sizeof(list) - len, " ... (%zu in all)", n);
	errmsg("register %u (log index %u) is the replay of only the first %ld records%s, but %zu %s logged before the live values were read %s not covered (a reset or an extend behind the log): recnum%s%s",
	       lv->registers[k], lv->targets[k].index, m->reg_best[k],
	       regs > 1 ? " (and other registers of shorter prefixes)" : "",
	       n, n == 1 ? "entry" : "entries", n == 1 ? "is" : "are",
	       n == 1 ? "" : "s", list);
	return EXIT_VERIFY;
}

static int verdict(const struct tr_log *log, const struct live *lv,
		   const struct matches *m, size_t count)
{
	size_t bad = 0, lagging = 0, first_bad = 0, bad_end = 0;
	int ret;

	for (size_t i = 0, end; i < lv->n; i = end) {
		end = group_end(lv, i);
		if (m->reg_best[i] < 0 && !bad++) {
			first_bad = i;
			bad_end = end;
		} else if (m->reg_best[i] >= 0 &&
			   m->reg_best[i] < (long)log->n_records) {
			lagging++;
		}
	}
	if (bad) {
		explain_register(log, lv, m, first_bad, bad_end, bad > 1);
		return EXIT_VERIFY;
	}
	if (count > log->n_records) {
		errmsg("the log has %zu records, fewer than the %zu counted before the live values were read",
		       log->n_records, count);
		return EXIT_VERIFY;
	}
	ret = check_coverage(log, lv, m, count);
	if (ret != EXIT_OK)
		return ret;
	if (lagging)
		notice("%zu register(s) are the replay of a shorter prefix of the log's %zu records (entries committed meanwhile)",
		       lagging, log->n_records);
	return EXIT_OK;
}

/* @count: records in the log before the live values were read. */
static int compare(const struct tr_log *log, unsigned int flags,
		   const struct live *lv, size_t count)
{
	struct matches m = { .lv = lv };
	struct tr_error err = { 0 };
	size_t ignored;
	int ret = EXIT_ERROR;

	m.now = calloc(lv->n + 1, sizeof(*m.now));
	m.target_best = malloc((lv->n + 1) * sizeof(*m.target_best));
	m.reg_best = malloc((lv->n + 1) * sizeof(*m.reg_best));
	if (!m.now || !m.target_best || !m.reg_best) {
		errmsg("out of memory");
		goto out;
	}
	for (size_t i = 0; i < lv->n; i++)
		m.target_best[i] = m.reg_best[i] = -1;
	if (tr_longest_prefix_cb(log, flags, note_matches, &m, &ignored, &err)) {
		errmsg("%s", err.msg);
		goto out;
	}
	ret = verdict(log, lv, &m, count);
out:
	free(m.now);
	free(m.target_best);
	free(m.reg_best);
	return ret;
}

static int parse_replay_args(int argc, char **argv, struct replay_args *a)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "tpm", no_argument, NULL, 'P' },
		{ "no-live", no_argument, NULL, 'N' },
		{ "tcti", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "p:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': a->provider = optarg; break;
		case 'T': a->tcti = optarg; break;
		case 'P': a->tpm = true; break;
		case 'N': a->no_live = true; break;
		case 'h': fputs(replay_help, stdout); exit(EXIT_OK);
		default: return -1;
		}
	}
	if (argc - optind > 1) {
		errmsg("more than one FILE (try --help)");
		return -1;
	}
	a->file = optind < argc ? argv[optind] : NULL;
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_args a = { 0 };
	struct live lv = { 0 };
	struct tr_log *log, *now = NULL;
	char name[256], path[512];
	unsigned int flags;
	size_t count = 0;
	bool live;
	int ret = EXIT_ERROR;

	if (parse_replay_args(argc, argv, &a))
		return EXIT_ERROR;
	live = !a.no_live && (!a.file || a.provider);
	if (!a.file) {
		a.provider = provider_or_first(a.provider, name, sizeof(name));
		if (!a.provider)
			return EXIT_ERROR;
	}
	if (live && a.tcti && !provider_is_tpm(a.provider)) {
		errmsg("--tcti: provider %s is not a TPM; its live values are the kernel's (configfs value)",
		       a.provider);
		return EXIT_ERROR;
	}
	/* Entries the live values must include; with FILE, all of its. */
	if (live && !a.file && read_count(a.provider, &count))
		return EXIT_ERROR;
	if (a.file)
		snprintf(path, sizeof(path), "%s", a.file);
	else
		provider_log_path(a.provider, path, sizeof(path));
	flags = a.tpm || (a.provider && provider_is_tpm(a.provider)) ?
		TR_REPLAY_TPM : 0;
	log = load_log(path, NULL);
	if (!log)
		return EXIT_ERROR;
	if (a.file)
		count = log->n_records;
	if (live && read_live(&a, log, flags, &lv))
		goto out;
	now = live && !a.file ? load_log(path, NULL) : log;
	if (!now)
		goto out;
	print_replay(now, flags);
	/* An agent must not take a verdict for values it never got. */
	if (output_flush(NULL))
		goto out;
	ret = live ? compare(now, flags, &lv, count) : EXIT_OK;
out:
	if (now != log)
		tr_log_free(now);
	tr_log_free(log);
	free(lv.targets);
	free(lv.registers);
	return ret;
}
