// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr benchmarks, run inside the test VM (see run.sh, bench-guest.sh).
 *
 *   tsm-rtmr-bench [options] SECTION...
 *
 *   tpm    entries/s: tsm-rtmr on the "tpm" provider vs raw Esys_PCR_Extend
 *          on /dev/tpmrm0 vs the userspace flock-log peer (needs the
 *          ESYS build, tsm-rtmr-bench-esys)
 *   core   us per commit on the "sim" provider, 1..8 concurrent writers;
 *          one writer with 64 bytes of event data, and one hashing its
 *          digests with and without logging what it hashed (issue 19's
 *          event cost)
 *   log    fill the sim log to each size, read it whole and at random
 *          offsets vs a tmpfs file of the same bytes; kernel memory per
 *          entry from /proc/meminfo deltas
 *   import extend the TPM's PCRs directly with the digests of a crafted
 *          log, then time one write of it to tpm/import, refused imports
 *          of it, and whole reads of the adopted log (ESYS build; the tpm
 *          log must be empty: first in a fresh boot)
 *   import-sim  an experiment: refused imports on the simulator, whose
 *          registers are volatile (whole log replayed vs first record bad)
 *
 * Options:
 *   --out DIR          write raw.csv, summary.csv, ratios.csv there (".")
 *   --tag NAME         prefix of those file names (sections joined by "-")
 *   --reps R           repetitions of every figure (5)
 *   --tpm-n N          commits per variant per TPM round (40)
 *   --tpm-pcr P        PCR the tsm-rtmr handle extends (15)
 *   --raw-pcr P        PCR the raw and peer paths extend (16)
 *   --event-sizes L    event data sizes, comma list (0,64)
 *   --core-n N         commits per core round, split across writers (4000)
 *   --writers L        writer counts (1,2,4,8)
 *   --log-sizes L      log sizes in entries (10000,100000,1000000)
 *   --rand-reads N     random-offset reads per repetition (1000)
 *   --read-size B      read() size for whole-log reads (65536)
 *   --tmpdir DIR       tmpfs directory for the comparison files (/tmp)
 *   --import-n N       records of the imported log (100000)
 *   --import-reps R    refused imports of each kind (--reps)
 *   --import-pcrs L    PCRs its records extend (8,9,11,12,13,14,15; those
 *                      not at their reset value are left out)
 *   --merge F1,F2...   import: no measuring; report the figures of these
 *                      raw CSVs (several boots) together
 *   --label L          import-sim: the param of its figures (no commas)
 *
 * Every commit goes through libtsm-rtmr's handle API (tools/lib/tsm-rtmr):
 * the handle's event and digest files stay open and are rewritten with
 * pwrite() at offset 0 for every entry.
 *
 * Every figure is measured --reps times; the alternatives compared with
 * each other run interleaved within each repetition (rotating which goes
 * first), so that a ratio is taken between neighbouring measurements.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tsm-rtmr.h"

#ifdef WITH_ESYS
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tcti_device.h>
#include <openssl/evp.h>
#endif

#define SFS_ROOT	"/sys/kernel/security/tsm-rtmr"
#define CORE_PARAMS	"/sys/module/tsm_rtmr/parameters"
#define MAX_BANKS	5
#define MAX_SAMPLES	64

/* ---------------------------------------------------------------- utils */

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tsm-rtmr-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	n = n < 0 ? -errno : 0;
	close(fd);
	return n;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n'))
		buf[--n] = 0;
	return n;
}

static unsigned long long read_ull(const char *path)
{
	char buf[64];

	if (read_file(path, buf, sizeof(buf)) < 0)
		die("read %s: %s", path, strerror(errno));
	return strtoull(buf, NULL, 0);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, so every path gets the same digests */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static void fill_random(uint8_t *p, size_t n)
{
	while (n--)
		*p++ = rnd();
}

static int parse_list(const char *s, long *out, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;

		out[n++] = strtol(s, &end, 0);
		if (end == s)
			die("bad list '%s'", s);
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* ------------------------------------------------------------ results */

static FILE *raw_csv, *sum_csv, *ratio_csv;

struct stat3 {
	double med, min, max;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct stat3 stats(const double *v, int n)
{
	double s[MAX_SAMPLES];
	struct stat3 r = { 0, 0, 0, n };

	if (!n)
		return r;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	r.min = s[0];
	r.max = s[n - 1];
	r.med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	return r;
}

/* One measured figure: raw samples to raw.csv, median/min/max to summary. */
static struct stat3 report(const char *section, const char *metric,
			   const char *param, const char *unit,
			   const double *v, int n)
{
	struct stat3 s = stats(v, n);
	int i;

	for (i = 0; i < n; i++)
		fprintf(raw_csv, "%s,%s,%s,%d,%.6g,%s\n", section, metric,
			param, i, v[i], unit);
	fprintf(sum_csv, "%s,%s,%s,%s,%.6g,%.6g,%.6g,%d\n", section, metric,
		param, unit, s.med, s.min, s.max, n);
	fflush(raw_csv);
	fflush(sum_csv);
	fprintf(stderr, "  %-6s %-28s %-10s %12.4g %s (min %.4g, max %.4g, n %d)\n",
		section, metric, param, s.med, unit, s.min, s.max, n);
	return s;
}

/* A ratio from paired samples (a[i] / b[i]), with its target. */
static void report_ratio(const char *name, const char *target_op,
			 double target, const double *a, const double *b,
			 int n)
{
	double r[MAX_SAMPLES];
	struct stat3 s;
	bool pass;
	int i;

	for (i = 0; i < n; i++)
		r[i] = b[i] ? a[i] / b[i] : 0;
	s = stats(r, n);
	if (!strcmp(target_op, ">="))
		pass = s.med >= target;
	else if (!strcmp(target_op, "<="))
		pass = s.med <= target;
	else
		pass = true;
	fprintf(ratio_csv, "%s,%.4f,%.4f,%.4f,%s,%g,%s\n", name, s.med, s.min,
		s.max, target_op, target,
		!strcmp(target_op, "info") ? "info" : pass ? "pass" : "MISS");
	fflush(ratio_csv);
	fprintf(stderr, "  ratio  %-40s %.3f (min %.3f, max %.3f) target %s %g: %s\n",
		name, s.med, s.min, s.max, target_op, target,
		!strcmp(target_op, "info") ? "info" : pass ? "pass" : "MISS");
}

/*
 * A ratio of figures measured at different times (no pairing): the ratio of
 * the medians, with the extreme ratios min(a)/max(b) and max(a)/min(b).
 */
static void report_ratio_unpaired(const char *name, const char *target_op,
				  double target, const double *a, int na,
				  const double *b, int nb)
{
	struct stat3 sa = stats(a, na), sb = stats(b, nb);
	double med = sa.med / sb.med;
	bool info = !strcmp(target_op, "info");
	bool pass = !strcmp(target_op, "<=") ? med <= target : med >= target;

	fprintf(ratio_csv, "%s,%.4f,%.4f,%.4f,%s,%g,%s\n", name, med,
		sa.min / sb.max, sa.max / sb.min, target_op, target,
		info ? "info" : pass ? "pass" : "MISS");
	fflush(ratio_csv);
	fprintf(stderr, "  ratio  %-40s %.3f (min %.3f, max %.3f) target %s %g: %s\n",
		name, med, sa.min / sb.max, sa.max / sb.min, target_op, target,
		info ? "info" : pass ? "pass" : "MISS");
}

/* ---------------------------------------------------------- options */

static const char *out_dir = ".";
static const char *tag;
static const char *tmp_dir = "/tmp";
static int reps = 5;
static long tpm_n = 40;
static int tpm_pcr = 15, raw_pcr = 16;
static long event_sizes[8] = { 0, 64 };
static int nr_event_sizes = 2;
static long core_n = 4000;
static long writers[8] = { 1, 2, 4, 8 };
static int nr_writers = 4;
static long log_sizes[8] = { 10000, 100000, 1000000 };
static int nr_log_sizes = 3;
static long rand_reads = 2000;
static long read_size = 65536;

/* --------------------------------------------------- configfs handles */

/* A library handle (tools/lib/tsm-rtmr), bound and indexed, and its banks. */
struct handle {
	struct tr_handle t;
	int nr_algs;
	const struct tr_alg *alg[MAX_BANKS];
	int digests_size;
};

static void handle_open(struct handle *h, const char *name,
			const char *provider, int index)
{
	struct tr_error err = { 0 };
	unsigned int n;
	char algs[256];
	int i, rc;

	rc = tr_handle_create(&h->t, name);
	if (!rc)
		rc = tr_handle_printf(&h->t, "provider", "%s", provider);
	if (!rc)
		rc = tr_handle_set_index(&h->t, index);
	if (!rc)
		rc = tr_handle_read(&h->t, "algs", algs, sizeof(algs));
	if (rc)
		die("%s (%s, provider %s, index %d): %s: %s", name,
		    tr_configfs_root() ?: "no tsm-rtmr configfs directory",
		    provider, index, h->t.failed, strerror(-rc));
	if (tr_parse_alg_list(algs, h->alg, MAX_BANKS, &n, &err))
		die("%s: algs: %s", h->t.dir, err.msg);
	h->nr_algs = n;
	h->digests_size = 0;
	for (i = 0; i < h->nr_algs; i++)
		h->digests_size += h->alg[i]->size;
}

static void handle_close(struct handle *h)
{
	tr_handle_remove(&h->t);
}

/* "sha256:<hex> sha384:<hex>\n" for @digests (bank order); returns length */
static int format_digests(const struct handle *h, const uint8_t *digests,
			  char *out)
{
	int n = tr_digest_line(h->alg, h->nr_algs, digests, out,
			       16 + MAX_BANKS * 140);

	if (n < 0)
		die("digest line: %s", tr_strstatus(n));
	return n;
}

/*
 * One commit through the library: the event data (up to 4094 bytes a
 * pwrite at offset 0 on the handle's open event fd, more through
 * event_blob), then the digest line, a pwrite on its open digest fd.
 */
static void handle_commit(struct handle *h, const char *dstr, int dlen,
			  const void *event, size_t elen)
{
	int rc = tr_handle_stage_event(&h->t, event, elen);

	if (!rc)
		rc = tr_handle_commit(&h->t, dstr, dlen);
	if (rc)
		die("%s: %s: %s", h->t.dir, h->t.failed, strerror(-rc));
}

/*
 * As a writer does it: hash the measured @data (@len bytes) with every
 * bank, format the digest line, commit, with @elen bytes of it logged as
 * the event data (0: none).
 */
static void handle_commit_hashed(struct handle *h, const uint8_t *data,
				 size_t len, size_t elen)
{
	uint8_t d[MAX_BANKS * 64], *p = d;
	char dstr[16 + MAX_BANKS * 140];
	int i;

	for (i = 0; i < h->nr_algs; p += h->alg[i++]->size)
		if (tr_hash(h->alg[i], data, len, p))
			die("hashing with %s", h->alg[i]->name);
	handle_commit(h, dstr, format_digests(h, d, dstr), data, elen);
}

static unsigned long long log_count(const char *provider)
{
	char path[256];

	snprintf(path, sizeof(path), SFS_ROOT "/%s/count", provider);
	return read_ull(path);
}

/* -------------------------------------------------------- TPM section */

/*
 * The TCG_PCR_EVENT2 the kernel would log, built in userspace (peer,
 * import) by the library's codec into @rec. One buffer, reused: once grown
 * it allocates nothing, so the peer's append costs what an agent's would.
 */
static size_t build_record(const struct handle *h, int pcr,
			   const uint8_t *digests, const void *event,
			   size_t elen, uint8_t *rec)
{
	static struct tr_buf b;
	uint16_t ids[MAX_BANKS];
	int i;

	for (i = 0; i < h->nr_algs; i++)
		ids[i] = h->alg[i]->id;
	b.len = 0;
	if (tr_build_record(&b, pcr, TR_EV_EVENT_TAG, ids, h->nr_algs, digests,
			    event, elen))
		die("building a record: out of memory");
	memcpy(rec, b.data, b.len);
	return b.len;
}

/* The bytes of a record with no event data. */
static size_t record_size(const struct handle *h)
{
	uint8_t zero[MAX_BANKS * 64] = { 0 };
	uint8_t rec[12 + MAX_BANKS * 66 + 4];

	return build_record(h, 0, zero, NULL, 0, rec);
}

#ifdef WITH_ESYS
struct tpm_ctx {
	ESYS_CONTEXT *esys;
	TSS2_TCTI_CONTEXT *tcti;
};

static void tpm_open(struct tpm_ctx *t, const char *dev)
{
	size_t size = 0;
	TSS2_RC rc;

	rc = Tss2_Tcti_Device_Init(NULL, &size, dev);
	if (rc)
		die("Tss2_Tcti_Device_Init: 0x%x", rc);
	t->tcti = calloc(1, size);
	rc = Tss2_Tcti_Device_Init(t->tcti, &size, dev);
	if (rc)
		die("Tss2_Tcti_Device_Init(%s): 0x%x", dev, rc);
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc)
		die("Esys_Initialize: 0x%x", rc);
}

static void tpm_close(struct tpm_ctx *t)
{
	Esys_Finalize(&t->esys);
	Tss2_Tcti_Finalize(t->tcti);
	free(t->tcti);
}

/* The raw register operation: one TPM2_PCR_Extend with every bank. */
static TSS2_RC tpm_try_extend(struct tpm_ctx *t, int pcr,
			      const struct handle *h, const uint8_t *digests)
{
	TPML_DIGEST_VALUES v = { .count = h->nr_algs };
	int i;

	for (i = 0; i < h->nr_algs; i++) {
		v.digests[i].hashAlg = h->alg[i]->id;
		memcpy(&v.digests[i].digest, digests, h->alg[i]->size);
		digests += h->alg[i]->size;
	}
	return Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD,
			       ESYS_TR_NONE, ESYS_TR_NONE, &v);
}

static void tpm_extend(struct tpm_ctx *t, int pcr, const struct handle *h,
		       const uint8_t *digests)
{
	TSS2_RC rc = tpm_try_extend(t, pcr, h, digests);

	if (rc)
		die("Esys_PCR_Extend: 0x%x", rc);
}

/*
 * The userspace peer, per entry as systemd-pcrextend does it (the CoCo
 * agent is the same with the file kept open): open the log, take the
 * lock, extend, append the record, fsync, unlock. The ESYS context is kept
 * open across entries, which favours the peer.
 */
static void peer_commit(struct tpm_ctx *t, const char *logpath,
			const struct handle *h, int pcr,
			const uint8_t *digests, const void *event, size_t elen)
{
	uint8_t rec[12 + MAX_BANKS * 66 + 4 + 65536];
	size_t len = build_record(h, pcr, digests, event, elen, rec);
	int fd;

	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		die("open %s: %s", logpath, strerror(errno));
	if (flock(fd, LOCK_EX))
		die("flock: %s", strerror(errno));
	tpm_extend(t, pcr, h, digests);
	if (write(fd, rec, len) != (ssize_t)len)
		die("append: %s", strerror(errno));
	if (fsync(fd))
		die("fsync: %s", strerror(errno));
	flock(fd, LOCK_UN);
	close(fd);
}

enum { V_TSM, V_RAW, V_PEER, V_RAW0 };

static void bench_tpm(void)
{
	int nv = 2 + 2 * nr_event_sizes, v, r, i, k;
	double eps[16][MAX_SAMPLES];
	char names[16][64], label[64];
	int kind[16], esz[16];
	struct tpm_ctx t, tz;
	struct handle h;
	uint8_t *digests, event[65536];
	char **dstr;
	int *dlen;
	char logpath[300];

	fprintf(stderr, "tpm: %ld commits per variant per round, %d rounds\n",
		tpm_n, reps);
	handle_open(&h, "bench-tpm", "tpm", tpm_pcr);
	tpm_open(&t, "/dev/tpmrm0");
	/* /dev/tpm0, no resource manager: shows what the RM costs */
	tpm_open(&tz, "/dev/tpm0");
	snprintf(logpath, sizeof(logpath), "%s/bench-peer.log", tmp_dir);
	unlink(logpath);

	/* variants: raw, then per event size: tsm-rtmr, peer */
	kind[0] = V_RAW; esz[0] = 0;
	snprintf(names[0], sizeof(names[0]), "raw-esys");
	for (i = 0; i < nr_event_sizes; i++) {
		kind[1 + 2 * i] = V_TSM;
		esz[1 + 2 * i] = event_sizes[i];
		snprintf(names[1 + 2 * i], 64, "tsm-rtmr-ev%ld", event_sizes[i]);
		kind[2 + 2 * i] = V_PEER;
		esz[2 + 2 * i] = event_sizes[i];
		snprintf(names[2 + 2 * i], 64, "peer-ev%ld", event_sizes[i]);
	}
	kind[nv - 1] = V_RAW0; esz[nv - 1] = 0;
	snprintf(names[nv - 1], sizeof(names[0]), "raw-esys-tpm0");

	/* The same digests for every path, formatted ahead of time. */
	digests = malloc(tpm_n * h.digests_size);
	dstr = calloc(tpm_n, sizeof(*dstr));
	dlen = calloc(tpm_n, sizeof(*dlen));
	fill_random(digests, tpm_n * h.digests_size);
	fill_random(event, sizeof(event));
	for (i = 0; i < tpm_n; i++) {
		dstr[i] = malloc(16 + MAX_BANKS * 140);
		dlen[i] = format_digests(&h, digests + i * h.digests_size,
					 dstr[i]);
	}

	/* Warm-up: the core reads the PCR once on the first commit. */
	for (i = 0; i < 3; i++) {
		handle_commit(&h, dstr[i], dlen[i], NULL, 0);
		tpm_extend(&t, raw_pcr, &h, digests + i * h.digests_size);
		tpm_extend(&tz, raw_pcr, &h, digests + i * h.digests_size);
		peer_commit(&t, logpath, &h, raw_pcr,
			    digests + i * h.digests_size, event, 0);
	}

	/*
	 * The TPM driver polls the TPM with 0.1-1 ms sleeps, so a batch of one
	 * variant against a batch of another compares sleep phases as much as
	 * work. Instead every round interleaves the variants operation by
	 * operation, rotating their order, and sums each variant's time.
	 */
	for (r = 0; r < reps; r++) {
		double acc[16] = { 0 };

		for (i = 0; i < tpm_n; i++) {
			const uint8_t *d = digests + i * h.digests_size;

			for (k = 0; k < nv; k++) {
				double t0;

				v = (k + i + r) % nv;	/* rotate the order */
				t0 = now();

				switch (kind[v]) {
				case V_TSM:
					handle_commit(&h, dstr[i], dlen[i],
						      event, esz[v]);
					break;
				case V_RAW:
					tpm_extend(&t, raw_pcr, &h, d);
					break;
				case V_RAW0:
					tpm_extend(&tz, raw_pcr, &h, d);
					break;
				case V_PEER:
					peer_commit(&t, logpath, &h, raw_pcr,
						    d, event, esz[v]);
					break;
				}
				acc[v] += now() - t0;
			}
		}
		for (v = 0; v < nv; v++)
			eps[v][r] = tpm_n / acc[v];
	}
	for (v = 0; v < nv; v++)
		report("tpm", names[v], "-", "entries/s", eps[v], reps);
	/* Issue 19: with event data, 1.1 x raw and 1.25 x the peer. */
	for (i = 0; i < nr_event_sizes; i++) {
		bool ev = event_sizes[i] > 0;

		snprintf(label, sizeof(label), "tpm: tsm-rtmr/raw (event %ld B)",
			 event_sizes[i]);
		report_ratio(label, ">=", ev ? 1.1 : 0.9, eps[1 + 2 * i],
			     eps[0], reps);
		snprintf(label, sizeof(label), "tpm: tsm-rtmr/peer (event %ld B)",
			 event_sizes[i]);
		report_ratio(label, ">=", ev ? 1.25 : 1.0, eps[1 + 2 * i],
			     eps[2 + 2 * i], reps);
	}
	report_ratio("tpm: raw /dev/tpmrm0 / raw /dev/tpm0", "info", 0,
		     eps[0], eps[nv - 1], reps);
	tpm_close(&t);
	tpm_close(&tz);
	handle_close(&h);
	unlink(logpath);
}
#else
static void bench_tpm(void)
{
	die("section tpm needs the ESYS build (tsm-rtmr-bench-esys)");
}
#endif

/* ------------------------------------------------------- core section */

#define CORE_RING 64

/* Child: commit @n entries through its own handle once the parent says go. */
static long core_event_len;	/* event bytes per commit in core rounds */
static bool core_floor_reopen;	/* floor rounds: open/write/close each time */

static void core_writer(struct handle *h, long n, int ready_fd, int go_fd,
			bool floor)
{
	char event[256];

	char dstr[CORE_RING][16 + MAX_BANKS * 140], c;
	int dlen[CORE_RING];
	uint8_t d[MAX_BANKS * 64];
	char path[sizeof(h->t.dir) + 32];
	int fd = -1;
	long i;

	for (i = 0; i < CORE_RING; i++) {
		fill_random(d, h->digests_size);
		dlen[i] = format_digests(h, d, dstr[i]);
	}
	fill_random((uint8_t *)event, sizeof(event));
	if (floor) {
		/* The configfs write floor: a store that parses a number. */
		snprintf(path, sizeof(path), "%s/event_type", h->t.dir);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			die("open %s: %s", path, strerror(errno));
	}
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) < 0)
		die("barrier");
	for (i = 0; i < n; i++) {
		if (floor && core_floor_reopen) {
			/* open/write/close of a text attribute */
			int f = open(path, O_WRONLY);

			if (f < 0 || write(f, "0x6\n", 4) != 4 || close(f))
				die("event_type: %s", strerror(errno));
		} else if (floor) {
			if (pwrite(fd, "0x6\n", 4, 0) != 4)
				die("event_type: %s", strerror(errno));
		} else {
			handle_commit(h, dstr[i % CORE_RING],
				      dlen[i % CORE_RING], event,
				      core_event_len);
		}
	}
	_exit(0);
}

/*
 * Readers anyone can run: uid 65534 at nice 19, looping on the provider's
 * count and state and on a handle's value, each with pread on its own
 * open fd. They must not slow a writer beyond the CPU time they take;
 * nice 19 leaves the writer nearly all of it, so what remains is lock
 * interference (a reader that holds the provider lock and is preempted).
 */
#define CORE_READERS	4

static void core_reader(const char *value_path)
{
	const char *paths[3] = { SFS_ROOT "/sim/count", SFS_ROOT "/sim/state",
				 value_path };
	char buf[1024];
	int fd[3], i;

	if (nice(19) < 0 || setgid(65534) || setuid(65534))
		_exit(2);
	for (i = 0; i < 3; i++) {
		fd[i] = open(paths[i], O_RDONLY);
		if (fd[i] < 0)
			_exit(3);
	}
	for (;;)
		for (i = 0; i < 3; i++)
			if (pread(fd[i], buf, sizeof(buf), 0) <= 0)
				_exit(4);
}

static void core_readers_start(pid_t *pids, const char *value_path)
{
	int i;

	for (i = 0; i < CORE_READERS; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (!pids[i])
			core_reader(value_path);
	}
}

static void core_readers_stop(pid_t *pids)
{
	int i, st;

	for (i = 0; i < CORE_READERS; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < CORE_READERS; i++)
		if (waitpid(pids[i], &st, 0) < 0 || !WIFSIGNALED(st))
			die("unprivileged reader failed (exit %d)",
			    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* Wall time for @nw writers to do @total commits between them. */
static double core_round(struct handle *hs, int nw, long total, bool floor)
{
	int ready[2], go[2], i;
	double t0, t1;
	char c;

	if (pipe(ready) || pipe(go))
		die("pipe");
	for (i = 0; i < nw; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork");
		if (!pid) {
			close(ready[0]);
			close(go[1]);
			core_writer(&hs[i], total / nw, ready[1], go[0], floor);
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < nw; i++)
		if (read(ready[0], &c, 1) != 1)
			die("writer died before start");
	t0 = now();
	close(go[1]);		/* every writer's read returns: go */
	for (i = 0; i < nw; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("writer failed");
	}
	t1 = now();
	close(ready[0]);
	return t1 - t0;
}

enum core_kind { C_COMMIT, C_FLOOR, C_FLOOR_OCW, C_EVENT, C_READERS };

struct core_variant {
	const char *metric;
	enum core_kind kind;
	int writers;
	bool spread;	/* writer i on provider sim, sim1, sim2, sim3 (i % 4) */
	long n;		/* commits (or stores) per round, all writers */
	double us[MAX_SAMPLES], tput[MAX_SAMPLES];
};

static void cv_add(struct core_variant *v, int *nv, const char *metric,
		   enum core_kind kind, int nw, bool spread, long n)
{
	struct core_variant *c = &v[(*nv)++];

	memset(c, 0, sizeof(*c));
	c->metric = metric;
	c->kind = kind;
	c->writers = nw;
	c->spread = spread;
	c->n = n;
}

static int nr_sims(void)
{
	int n = 1;

	while (n < 4) {
		char path[128];

		snprintf(path, sizeof(path), SFS_ROOT "/sim%d", n);
		if (access(path, F_OK))
			break;
		n++;
	}
	return n;
}

static unsigned long long sim_counts(int nsims)
{
	unsigned long long c = 0;
	char name[16];
	int i;

	for (i = 0; i < nsims; i++) {
		if (i)
			snprintf(name, sizeof(name), "sim%d", i);
		else
			strcpy(name, "sim");
		c += log_count(name);
	}
	return c;
}

/*
 * Issue 19's event cost: a commit with 64 bytes of event data against one
 * without, with the digests formatted ahead of time and hashed by the
 * writer from those 64 bytes (what an agent does). Host noise swings
 * whole rounds apart, so one writer alternates batches of EC_BATCH
 * commits of each kind, rotating which goes first, and sums each kind's
 * time: the kinds compared see the same host. Two clock reads per batch.
 */
#define EC_BATCH	64
enum { EC_PLAIN, EC_EVENT, EC_HASHED, EC_EVENT_HASHED, EC_NR };

static const char *const ec_metric[EC_NR] = {
	"us-per-commit-ec", "us-per-commit-ec-event64",
	"us-per-commit-ec-hashed", "us-per-commit-ec-event64-hashed",
};

static void event_cost_batch(struct handle *h, int kind, const uint8_t *data,
			     char (*dstr)[16 + MAX_BANKS * 140],
			     const int *dlen, long b)
{
	long i;

	for (i = 0; i < EC_BATCH; i++) {
		const uint8_t *p = data + (b * EC_BATCH + i) % 128;
		int j = i % CORE_RING;

		switch (kind) {
		case EC_PLAIN:
			handle_commit(h, dstr[j], dlen[j], NULL, 0);
			break;
		case EC_EVENT:
			handle_commit(h, dstr[j], dlen[j], p, 64);
			break;
		case EC_HASHED:
			handle_commit_hashed(h, p, 64, 0);
			break;
		case EC_EVENT_HASHED:
			handle_commit_hashed(h, p, 64, 64);
			break;
		}
	}
}

/* One repetition, about @n commits of each kind; returns the commits. */
static long event_cost_round(struct handle *h, long n,
			     double us[EC_NR][MAX_SAMPLES], int r)
{
	static char dstr[CORE_RING][16 + MAX_BANKS * 140];
	static int dlen[CORE_RING];
	uint8_t data[256], d[MAX_BANKS * 64];
	long batches = n / EC_BATCH > 0 ? n / EC_BATCH : 1, b;
	double acc[EC_NR] = { 0 };
	int k;

	for (k = 0; k < CORE_RING; k++) {
		fill_random(d, h->digests_size);
		dlen[k] = format_digests(h, d, dstr[k]);
	}
	fill_random(data, sizeof(data));
	for (b = 0; b < batches; b++) {
		for (k = 0; k < EC_NR; k++) {
			int kind = (k + b + r) % EC_NR;
			double t0 = now();

			event_cost_batch(h, kind, data, dstr, dlen, b);
			acc[kind] += now() - t0;
		}
	}
	for (k = 0; k < EC_NR; k++)
		us[k][r] = acc[k] * 1e6 / (batches * EC_BATCH);
	return EC_NR * batches * EC_BATCH;
}

static void event_cost_report(double us[EC_NR][MAX_SAMPLES])
{
	int k;

	for (k = 0; k < EC_NR; k++)
		report("core", ec_metric[k], "1", "us", us[k], reps);
	report_ratio("core: commit+64B event / commit (both hash 64 B for digests; 1 writer)",
		     "<=", 1.6, us[EC_EVENT_HASHED], us[EC_HASHED], reps);
	report_ratio("core: commit+64B event / commit (digests formatted ahead; 1 writer)",
		     "info", 0, us[EC_EVENT], us[EC_PLAIN], reps);
}

/*
 * Concurrent writers on the simulator. Besides commits on one provider,
 * the same writers on separate providers (instances=4: one lock each) and
 * a configfs store that takes no shared lock (event_type) tell the cost of
 * the provider lock apart from what the VM itself does with more runnable
 * processes than vCPUs.
 */
static void bench_core(void)
{
	struct core_variant v[32];
	struct handle hs[8], hsp[8], hr, he;
	static double ec_us[EC_NR][MAX_SAMPLES];
	pid_t readers[CORE_READERS];
	char value_path[sizeof(hr.t.dir) + 32];
	int nv = 0, nsims = nr_sims(), i, r, k;
	long maxw = 0;
	char name[32], param[16], label[96];
	unsigned long long c0, c1, expect = 0;

	for (i = 0; i < nr_writers; i++)
		if (writers[i] > maxw)
			maxw = writers[i];
	if (maxw > 8 || writers[0] != 1)
		die("--writers: a list of 1-8 that starts with 1");
	for (i = 0; i < nr_writers; i++)
		cv_add(v, &nv, "us-per-commit", C_COMMIT, writers[i], false, core_n);
	for (i = 1; i < nr_writers && nsims > 1; i++)
		cv_add(v, &nv, "us-per-commit-own-provider", C_COMMIT, writers[i], true, core_n);
	for (i = 0; i < nr_writers; i++)
		cv_add(v, &nv, "us-per-store-floor", C_FLOOR, writers[i], false, core_n);
	cv_add(v, &nv, "us-per-open-write-close-floor", C_FLOOR_OCW, 1, false, core_n / 4);
	cv_add(v, &nv, "us-per-commit-event64", C_EVENT, 1, false, core_n / 4);
	cv_add(v, &nv, "us-per-commit-4-readers", C_READERS, 1, false, core_n);

	fprintf(stderr, "core: %ld commits per round, %d sim providers, %d variants, %d rounds\n",
		core_n, nsims, nv, reps);
	/* every round commits: make room (about 82 bytes of memory each) */
	snprintf(name, sizeof(name), "%llu",
		 (unsigned long long)(core_n + 8) * reps * (nv + 1) * 128 + (1 << 20));
	if (write_file(CORE_PARAMS "/max_log_bytes", name))
		die("cannot raise max_log_bytes to %s", name);
	for (i = 0; i < maxw; i++) {
		char prov[16];

		snprintf(name, sizeof(name), "bench-core%d", i);
		handle_open(&hs[i], name, "sim", i % 4);
		if (i % nsims)
			snprintf(prov, sizeof(prov), "sim%d", i % nsims);
		else
			strcpy(prov, "sim");
		snprintf(name, sizeof(name), "bench-corep%d", i);
		handle_open(&hsp[i], name, prov, 0);
	}
	/* the readers' value: register 0, the 1-writer rounds' register */
	handle_open(&hr, "bench-reader", "sim", 0);
	handle_open(&he, "bench-event-cost", "sim", 0);
	snprintf(value_path, sizeof(value_path), "%s/value", hr.t.dir);
	/* warm-up: first use of every handle and register */
	core_round(hs, maxw, maxw, false);
	core_round(hsp, maxw, maxw, false);
	c0 = sim_counts(nsims);
	for (r = 0; r < reps; r++) {
		for (k = 0; k < nv; k++) {
			struct core_variant *cv = &v[(k + r) % nv];
			long n = cv->n / cv->writers * cv->writers;
			double t;

			core_event_len = cv->kind == C_EVENT ? 64 : 0;
			core_floor_reopen = cv->kind == C_FLOOR_OCW;
			if (cv->kind == C_READERS)
				core_readers_start(readers, value_path);
			t = core_round(cv->spread ? hsp : hs, cv->writers, n,
				       cv->kind == C_FLOOR ||
				       cv->kind == C_FLOOR_OCW);
			if (cv->kind == C_READERS)
				core_readers_stop(readers);
			cv->us[r] = t * 1e6 / n;
			cv->tput[r] = 1e6 / cv->us[r];
			if (cv->kind != C_FLOOR && cv->kind != C_FLOOR_OCW)
				expect += n;
		}
		expect += event_cost_round(&he, core_n / 4, ec_us, r);
	}
	core_event_len = 0;
	core_floor_reopen = false;
	c1 = sim_counts(nsims);
	for (i = 0; i < nv; i++) {
		snprintf(param, sizeof(param), "%d", v[i].writers);
		report("core", v[i].metric, param, "us", v[i].us, reps);
	}
	for (i = 0; i < nv; i++) {
		if (v[i].kind != C_COMMIT || v[i].spread)
			continue;
		snprintf(param, sizeof(param), "%d", v[i].writers);
		report("core", "commits-per-s", param, "commits/s", v[i].tput,
		       reps);
	}
	/* v[0]: 1 writer commits; the floor with 1 writer follows the spread */
	for (i = 0; i < nv; i++) {
		struct core_variant *base = NULL;
		int j;

		if (v[i].writers == 1)
			continue;
		for (j = 0; j < nv; j++)
			if (v[j].writers == 1 && v[j].kind == v[i].kind)
				base = &v[j];
		if (!base)
			continue;
		if (v[i].kind == C_COMMIT && !v[i].spread) {
			snprintf(label, sizeof(label),
				 "core: %d writers/1 writer (one provider)",
				 v[i].writers);
			report_ratio(label, v[i].writers == 4 ? ">=" : "info",
				     0.8, v[i].tput, base->tput, reps);
		} else if (v[i].kind == C_COMMIT) {
			snprintf(label, sizeof(label),
				 "core: %d writers/1 writer (provider each)",
				 v[i].writers);
			report_ratio(label, "info", 0, v[i].tput, base->tput,
				     reps);
			/*
			 * The lock's own cost: the same writers on one
			 * provider vs each on its own, whatever parallelism
			 * the VM gets from its host in that round.
			 */
			for (j = 0; j < nv; j++) {
				if (v[j].kind != C_COMMIT || v[j].spread ||
				    v[j].writers != v[i].writers)
					continue;
				snprintf(label, sizeof(label),
					 "core: %d writers one provider/provider each",
					 v[i].writers);
				report_ratio(label, "info", 0, v[j].tput,
					     v[i].tput, reps);
			}
		} else if (v[i].kind == C_FLOOR) {
			snprintf(label, sizeof(label),
				 "core: %d/1 writers (configfs store; no shared lock)",
				 v[i].writers);
			report_ratio(label, "info", 0, v[i].tput, base->tput,
				     reps);
		}
	}
	for (i = 0; i < nv; i++) {
		if (v[i].kind == C_EVENT)
			report_ratio("core: commit+64B event / commit time (1 writer)",
				     "info", 0, v[i].us, v[0].us, reps);
		/* Readers never stall writers (spec section 4): a floor. */
		if (v[i].kind == C_READERS)
			report_ratio("core: commits/s with 4 unprivileged readers / without",
				     ">=", 0.7, v[i].tput, v[0].tput, reps);
		if (v[i].kind == C_FLOOR && v[i].writers == 1)
			report_ratio("core: commit / configfs store time (1 writer)",
				     "info", 0, v[0].us, v[i].us, reps);
	}
	event_cost_report(ec_us);
	fprintf(stderr, "  core: logs grew by %llu entries (expected %llu)\n",
		c1 - c0, expect);
	if (c1 - c0 != expect)
		die("log count mismatch: repeated pwrite on one digest fd did not commit every time");
	for (i = 0; i < maxw; i++) {
		handle_close(&hs[i]);
		handle_close(&hsp[i]);
	}
	handle_close(&hr);
	handle_close(&he);
}

/* -------------------------------------------------------- log section */

struct meminfo {
	long long memfree, memavail, slab, sunreclaim, vmalloc, percpu;
	long long pcp;	/* free pages on per-CPU lists: not in MemFree */
};

static long long read_pcp_bytes(void)
{
	char line[256];
	FILE *f = fopen("/proc/zoneinfo", "r");
	long long sum = 0, v;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %lld", &v) == 1)
			sum += v;
	fclose(f);
	return sum * sysconf(_SC_PAGESIZE);
}

static void read_meminfo(struct meminfo *m)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");
	long long v;

	if (!f)
		die("/proc/meminfo");
	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f)) {
		char key[64];

		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		v *= 1024;
		if (!strcmp(key, "MemFree"))
			m->memfree = v;
		else if (!strcmp(key, "MemAvailable"))
			m->memavail = v;
		else if (!strcmp(key, "Slab"))
			m->slab = v;
		else if (!strcmp(key, "SUnreclaim"))
			m->sunreclaim = v;
		else if (!strcmp(key, "VmallocUsed"))
			m->vmalloc = v;
		else if (!strcmp(key, "Percpu"))
			m->percpu = v;
	}
	fclose(f);
	m->pcp = read_pcp_bytes();
}

static void settle(void)
{
	/* Let per-CPU page lists and RCU-freed slabs settle before a reading. */
	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	write_file("/proc/sys/vm/compact_memory", "1");
	usleep(100000);
	/* fold the per-CPU vmstat deltas into the global counters */
	write_file("/proc/sys/vm/stat_refresh", "1");
}

/* Commit entries on @h until the sim log has @target entries. */
static double fill_to(struct handle *h, unsigned long long target)
{
	char dstr[CORE_RING][16 + MAX_BANKS * 140];
	int dlen[CORE_RING];
	uint8_t d[MAX_BANKS * 64];
	unsigned long long c = log_count("sim"), i;
	double t0;

	for (i = 0; i < CORE_RING; i++) {
		fill_random(d, h->digests_size);
		dlen[i] = format_digests(h, d, dstr[i]);
	}
	t0 = now();
	for (i = c; i < target; i++)
		handle_commit(h, dstr[i % CORE_RING], dlen[i % CORE_RING],
			      NULL, 0);
	if (log_count("sim") != target)
		die("sim log has %llu entries, expected %llu",
		    log_count("sim"), target);
	return target > c ? (target - c) / (now() - t0) : 0;
}

/*
 * Read the whole file (open, read_size reads, close), repeated until 0.1 s
 * have passed so that one 4 ms scheduler tick cannot dominate a small log;
 * returns seconds per whole read.
 */
static double read_whole(const char *path, char *buf, size_t *total)
{
	double t0 = now(), t;
	long iters = 0;

	do {
		int fd = open(path, O_RDONLY);
		ssize_t n;

		if (fd < 0)
			die("open %s: %s", path, strerror(errno));
		*total = 0;
		while ((n = read(fd, buf, read_size)) > 0)
			*total += n;
		if (n < 0)
			die("read %s: %s", path, strerror(errno));
		close(fd);
		iters++;
		t = now() - t0;
	} while (t < 0.1);
	return t / iters;
}

/* @n preads of 4 KiB at random offsets; returns microseconds per read. */
static double read_random(const char *path, size_t size, char *buf, long n)
{
	int fd = open(path, O_RDONLY);
	double t0;
	long i;
	uint64_t seed = rng_state;

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	rng_state = 12345;	/* same offsets for both files */
	t0 = now();
	for (i = 0; i < n; i++) {
		off_t off = rnd() % (size > 4096 ? size - 4096 : 1);

		if (pread(fd, buf, 4096, off) <= 0)
			die("pread %s: %s", path, strerror(errno));
	}
	t0 = now() - t0;
	rng_state = seed;
	close(fd);
	return t0 * 1e6 / n;
}

static void copy_file(const char *src, const char *dst, char *buf)
{
	int in = open(src, O_RDONLY), out;
	ssize_t n;

	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || out < 0)
		die("copy %s -> %s: %s", src, dst, strerror(errno));
	while ((n = read(in, buf, read_size)) > 0)
		if (write(out, buf, n) != n)
			die("write %s: %s", dst, strerror(errno));
	close(in);
	close(out);
}

/**
 * struct log_file - one securityfs log file, as the log section reads it
 * @path: the file
 * @name: "" (binary_event_log) or "ascii-", before each metric's name
 * @label: "" or "ascii ", in each ratio's name
 * @target: the throughput targets, ">=" (binary) or "info" (ascii: it is
 *	rendered at read time, so tmpfs is no peer; scaling is still judged)
 * @t_tsm: whole-read seconds per log size and repetition, tsm-rtmr
 * @t_tmp: the same for the bytes copied to tmpfs
 */
struct log_file {
	const char *path;
	const char *name;
	const char *label;
	const char *target;
	double t_tsm[8][MAX_SAMPLES];
	double t_tmp[8][MAX_SAMPLES];
};

/*
 * Whole and random 4K reads of @f at log size @s against its bytes on
 * tmpfs, interleaved (which goes first alternates); returns its size.
 */
static size_t bench_log_file(struct log_file *f, const char *copy,
			     char *rbuf, int s, const char *param)
{
	double mb_tsm[MAX_SAMPLES], mb_tmp[MAX_SAMPLES];
	double r_tsm[MAX_SAMPLES], r_tmp[MAX_SAMPLES];
	double ms1[MAX_SAMPLES], ms2[MAX_SAMPLES];
	size_t total = 0, t2 = 0;
	char metric[64], label[128];
	int r;

	copy_file(f->path, copy, rbuf);
	for (r = 0; r < reps; r++) {
		if (r % 2) {
			f->t_tmp[s][r] = read_whole(copy, rbuf, &t2);
			f->t_tsm[s][r] = read_whole(f->path, rbuf, &total);
		} else {
			f->t_tsm[s][r] = read_whole(f->path, rbuf, &total);
			f->t_tmp[s][r] = read_whole(copy, rbuf, &t2);
		}
		if (t2 != total)
			die("tmpfs copy has %zu bytes, %s %zu", t2, f->path,
			    total);
		mb_tsm[r] = total / f->t_tsm[s][r] / 1e6;
		mb_tmp[r] = total / f->t_tmp[s][r] / 1e6;
		ms1[r] = f->t_tsm[s][r] * 1e3;
		ms2[r] = f->t_tmp[s][r] * 1e3;
		if (r % 2) {
			r_tmp[r] = read_random(copy, total, rbuf, rand_reads);
			r_tsm[r] = read_random(f->path, total, rbuf, rand_reads);
		} else {
			r_tsm[r] = read_random(f->path, total, rbuf, rand_reads);
			r_tmp[r] = read_random(copy, total, rbuf, rand_reads);
		}
	}
	unlink(copy);
#define LOG_REPORT(what, unit, v) do {					\
		snprintf(metric, sizeof(metric), "%s" what, f->name);	\
		report("log", metric, param, unit, v, reps);		\
	} while (0)
	LOG_REPORT("read-whole-tsm-rtmr", "ms", ms1);
	LOG_REPORT("read-whole-tmpfs", "ms", ms2);
	LOG_REPORT("read-MBps-tsm-rtmr", "MB/s", mb_tsm);
	LOG_REPORT("read-MBps-tmpfs", "MB/s", mb_tmp);
	LOG_REPORT("read-4k-random-tsm-rtmr", "us", r_tsm);
	LOG_REPORT("read-4k-random-tmpfs", "us", r_tmp);
#undef LOG_REPORT
	snprintf(label, sizeof(label),
		 "log: %sread throughput tsm-rtmr/tmpfs (N=%s)", f->label, param);
	report_ratio(label, f->target, 0.5, mb_tsm, mb_tmp, reps);
	snprintf(label, sizeof(label),
		 "log: %srandom 4K read tmpfs/tsm-rtmr time (N=%s)", f->label,
		 param);
	report_ratio(label, f->target, 0.5, r_tmp, r_tsm, reps);
	if (s) {
		snprintf(label, sizeof(label), "log: %st(%ld)/t(%ld) whole read",
			 f->label, log_sizes[s], log_sizes[s - 1]);
		report_ratio_unpaired(label, "<=",
				      12.0 * log_sizes[s] / log_sizes[s - 1] / 10,
				      f->t_tsm[s], reps, f->t_tsm[s - 1], reps);
		snprintf(label, sizeof(label),
			 "log: tmpfs %st(%ld)/t(%ld) whole read (reference)",
			 f->label, log_sizes[s], log_sizes[s - 1]);
		report_ratio_unpaired(label, "info", 0, f->t_tmp[s], reps,
				      f->t_tmp[s - 1], reps);
	}
	return total;
}

static void bench_log(void)
{
	struct log_file *binary = calloc(2, sizeof(*binary));
	struct log_file *ascii = binary + 1;
	double perent[64], slab_pe[64], vm_pe[64], avail_pe[64], mf_pe[64];
	int nseg = 0, s, i;
	struct meminfo m0, m1, mbase;
	unsigned long long c_prev, c_base, maxn = 0;
	size_t rec_size, total = 0;
	char copy[300], param[32], label[96], buf[64];
	char *rbuf = malloc(read_size > 4096 ? read_size : 4096);
	struct handle h;
	double fill_rate[64];
	int nfill = 0;

	for (i = 0; i < nr_log_sizes; i++)
		if ((unsigned long long)log_sizes[i] > maxn)
			maxn = log_sizes[i];
	if (!binary || !rbuf)
		die("out of memory");
	*binary = (struct log_file) { .path = SFS_ROOT "/sim/binary_event_log",
				      .name = "", .label = "", .target = ">=" };
	*ascii = (struct log_file) { .path = SFS_ROOT "/sim/ascii_event_log",
				     .name = "ascii-", .label = "ascii ",
				     .target = "info" };
	handle_open(&h, "bench-log", "sim", 0);
	rec_size = record_size(&h);
	snprintf(copy, sizeof(copy), "%s/bench-log.copy", tmp_dir);

	/* Room for the largest log: records plus header and slack. */
	snprintf(buf, sizeof(buf), "%llu",
		 (unsigned long long)(maxn + 16) * rec_size + (1 << 20));
	if (write_file(CORE_PARAMS "/max_log_bytes", buf))
		die("cannot raise max_log_bytes to %s", buf);
	fprintf(stderr, "log: sizes up to %llu entries of %zu B, %d reps; max_log_bytes=%s\n",
		maxn, rec_size, reps, buf);

	fill_to(&h, log_count("sim") + 1);	/* first-use allocations */
	settle();
	read_meminfo(&mbase);
	c_base = log_count("sim");

	for (s = 0; s < nr_log_sizes; s++) {
		unsigned long long n = log_sizes[s];
		/* fill in segments of a tenth of the largest size, reading
		 * /proc/meminfo at each boundary: the per-entry figures */
		unsigned long long seg = maxn / 10 ? maxn / 10 : n;

		while ((c_prev = log_count("sim")) < n) {
			unsigned long long to = c_prev + seg < n ? c_prev + seg : n;

			settle();
			read_meminfo(&m0);
			fill_rate[nfill++ % 64] = fill_to(&h, to);
			settle();
			read_meminfo(&m1);
			if (to - c_prev >= seg / 2 && nseg < 64) {
				double dn = to - c_prev;

				/* free pages = MemFree + per-CPU lists */
				perent[nseg] = (m0.memfree + m0.pcp - m1.memfree -
						m1.pcp) / dn;
				mf_pe[nseg] = (m0.memfree - m1.memfree) / dn;
				avail_pe[nseg] = (m0.memavail - m1.memavail) / dn;
				slab_pe[nseg] = (m1.slab - m0.slab) / dn;
				vm_pe[nseg] = (m1.vmalloc - m0.vmalloc) / dn;
				nseg++;
			}
		}

		/* whole-log and random reads vs the same bytes on tmpfs */
		snprintf(param, sizeof(param), "%llu", n);
		total = bench_log_file(binary, copy, rbuf, s, param);
		fprintf(stderr, "  log: %llu entries, %zu bytes\n", n, total);
		bench_log_file(ascii, copy, rbuf, s, param);
		fprintf(sum_csv, "log,bytes,%llu,B,%zu,%zu,%zu,1\n", n, total,
			total, total);
	}

	settle();
	read_meminfo(&m1);
	report("mem", "fill-rate", "1", "entries/s", fill_rate,
	       nfill < 64 ? nfill : 64);
	report("mem", "free+pcp-per-entry", "-", "B", perent, nseg);
	report("mem", "memfree-per-entry", "-", "B", mf_pe, nseg);
	report("mem", "memavailable-per-entry", "-", "B", avail_pe, nseg);
	report("mem", "slab-per-entry", "-", "B", slab_pe, nseg);
	report("mem", "vmalloc-per-entry", "-", "B", vm_pe, nseg);
	{
		double rs[MAX_SAMPLES], target[MAX_SAMPLES];
		double tot = (double)(mbase.memfree + mbase.pcp - m1.memfree -
				      m1.pcp) / (log_count("sim") - c_base);

		for (i = 0; i < nseg && i < MAX_SAMPLES; i++) {
			rs[i] = perent[i] - rec_size;
			target[i] = rec_size + 32;
		}
		report("mem", "overhead-per-entry", "-", "B", rs,
		       nseg < MAX_SAMPLES ? nseg : MAX_SAMPLES);
		fprintf(sum_csv, "mem,record-size,-,B,%zu,%zu,%zu,1\n",
			rec_size, rec_size, rec_size);
		fprintf(sum_csv, "mem,free+pcp-per-entry-whole-fill,%llu,B,%.2f,%.2f,%.2f,1\n",
			log_count("sim") - c_base, tot, tot, tot);
		snprintf(label, sizeof(label),
			 "mem: kernel bytes per entry / (record %zu B + 32 B)",
			 rec_size);
		report_ratio(label, "<=", 1.0, perent, target,
			     nseg < MAX_SAMPLES ? nseg : MAX_SAMPLES);
	}
	handle_close(&h);
	free(binary);
	free(rbuf);
}

/* ------------------------------------------------------ import section */

/*
 * Import (spec section 5, the import file) of the log a previous kernel
 * would have left: the TPM provider's PCRs are extended directly through
 * ESYS with the digests of a crafted log of import_n records, spread over
 * the PCRs the provider lets userspace extend, and that log is written to
 * tpm/import in one write(2). The provider's log must be empty, so an
 * accepted import is one sample per boot (run.sh boots more than once for
 * more); refused imports change nothing and are repeated:
 *   refused-import-last-digest   the last record's first digest byte
 *	flipped: the whole log is copied in, parsed, indexed and replayed,
 *	then refused by the live check of that record's register (EINVAL)
 *   refused-import-first-record  the first record's digest count is 0:
 *	the bytes are copied into the log's pages and freed again, and one
 *	record head is parsed (EINVAL)
 * and, interleaved with them, the peer that does the same work in
 * userspace: userspace-replay, "tsm-rtmr replay --tpm --no-live FILE" of
 * the log saved to tmpfs (exec, parse, replay with OpenSSL, print; where
 * the CLI is installed). Then the adopted log is read whole from
 * binary_event_log, as the log section reads it (read_whole: 64 KiB
 * reads, open to close). Nothing may commit to the TPM before this
 * section in its boot.
 */
#define TPM_LOG_PATH	SFS_ROOT "/tpm/binary_event_log"
#define IMPORT_PATH	SFS_ROOT "/tpm/import"

static long import_n = 100000;
static int import_reps;			/* refused imports; 0: --reps */
static long import_pcrs[24] = { 8, 9, 11, 12, 13, 14, 15 };
static int nr_import_pcrs = 7;
static const char *import_merge;	/* raw CSVs of earlier boots */

struct series {
	double v[MAX_SAMPLES];
	int n;
};

static void series_add(struct series *s, double v)
{
	if (s->n == MAX_SAMPLES)
		die("more than %d samples", MAX_SAMPLES);
	s->v[s->n++] = v;
}

/**
 * struct import_samples - the import section's figures, of one or more
 *	boots
 * @acc: accepted import, ms (one per boot)
 * @per_read: @acc / the median whole read of the same boot (one per boot)
 * @rate: entries/s of the direct extends that built the log (one per boot)
 * @last: refused import, last digest flipped, ms
 * @first: refused import, first record malformed, ms (paired with @last)
 * @read: whole read of binary_event_log after the import, ms
 * @user: userspace replay of the same log, ms (paired with @last)
 */
struct import_samples {
	struct series acc, per_read, rate, last, first, read, user;
};

static void import_report(const struct import_samples *s, long n)
{
	double us[MAX_SAMPLES], one[MAX_SAMPLES];
	char param[32], label[160];
	int i;

	snprintf(param, sizeof(param), "%ld", n);
	report("import", "accepted-import", param, "ms", s->acc.v, s->acc.n);
	report("import", "refused-import-last-digest", param, "ms", s->last.v,
	       s->last.n);
	report("import", "refused-import-first-record", param, "ms",
	       s->first.v, s->first.n);
	report("import", "read-whole-tsm-rtmr", param, "ms", s->read.v,
	       s->read.n);
	report("import", "extend-rate", param, "entries/s", s->rate.v,
	       s->rate.n);
	report("import", "accepted-per-read", param, "x", s->per_read.v,
	       s->per_read.n);
	if (s->user.n)
		report("import", "userspace-replay", param, "ms", s->user.v,
		       s->user.n);
	/* what parsing and replaying the records costs beyond copying them */
	for (i = 0; i < s->last.n; i++)
		us[i] = (s->last.v[i] - s->first.v[i]) * 1e3 / n;
	report("import", "replay-us-per-record", param, "us", us, s->last.n);

	for (i = 0; i < s->per_read.n; i++)
		one[i] = 1;
	snprintf(label, sizeof(label),
		 "import: accepted import / binary_event_log read (N=%s)", param);
	report_ratio(label, "<=", 2.0, s->per_read.v, one, s->per_read.n);
	snprintf(label, sizeof(label),
		 "import: refused import (last digest flipped) / read (N=%s)",
		 param);
	report_ratio_unpaired(label, "info", 0, s->last.v, s->last.n,
			      s->read.v, s->read.n);
	snprintf(label, sizeof(label),
		 "import: refused import (first record malformed) / read (N=%s)",
		 param);
	report_ratio_unpaired(label, "info", 0, s->first.v, s->first.n,
			      s->read.v, s->read.n);
	snprintf(label, sizeof(label),
		 "import: accepted / refused import (last digest flipped) (N=%s)",
		 param);
	report_ratio_unpaired(label, "info", 0, s->acc.v, s->acc.n, s->last.v,
			      s->last.n);
	if (!s->user.n)
		return;
	snprintf(label, sizeof(label),
		 "import: accepted import / userspace replay of the log (N=%s)",
		 param);
	report_ratio_unpaired(label, "info", 0, s->acc.v, s->acc.n, s->user.v,
			      s->user.n);
	if (s->user.n == s->last.n) {
		snprintf(label, sizeof(label),
			 "import: refused import (last digest flipped) / userspace replay (N=%s)",
			 param);
		report_ratio(label, "info", 0, s->last.v, s->user.v, s->last.n);
	}
}

/*
 * The figures of several boots, from their raw CSVs (a comma list): run
 * on the host by run.sh when a full run boots more than once.
 */
static void import_merge_files(const char *list)
{
	struct import_samples *s = calloc(1, sizeof(*s));
	char *files = strdup(list), *f, *save;
	long n = 0;

	if (!s || !files)
		die("out of memory");
	for (f = strtok_r(files, ",", &save); f;
	     f = strtok_r(NULL, ",", &save)) {
		char line[512], sec[64], metric[64], param[32];
		FILE *in = fopen(f, "r");
		double v;
		int rep;

		if (!in)
			die("%s: %s", f, strerror(errno));
		while (fgets(line, sizeof(line), in)) {
			static const struct {
				const char *metric;
				size_t off;
			} m[] = {
#define IMPORT_SERIES(name, field) \
	{ name, offsetof(struct import_samples, field) }
				IMPORT_SERIES("accepted-import", acc),
				IMPORT_SERIES("accepted-per-read", per_read),
				IMPORT_SERIES("extend-rate", rate),
				IMPORT_SERIES("refused-import-last-digest", last),
				IMPORT_SERIES("refused-import-first-record", first),
				IMPORT_SERIES("read-whole-tsm-rtmr", read),
				IMPORT_SERIES("userspace-replay", user),
#undef IMPORT_SERIES
			};
			unsigned int i;

			if (sscanf(line, "%63[^,],%63[^,],%31[^,],%d,%lf", sec,
				   metric, param, &rep, &v) != 5 ||
			    strcmp(sec, "import"))
				continue;
			if (n && n != atol(param))
				die("%s: N=%s, but N=%ld before", f, param, n);
			n = atol(param);
			for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
				if (!strcmp(metric, m[i].metric))
					series_add((struct series *)((char *)s +
								     m[i].off),
						   v);
		}
		fclose(in);
		/* every boot adds as many of each kind that is paired */
		if (s->acc.n != s->per_read.n || s->acc.n != s->rate.n ||
		    s->last.n != s->first.n)
			die("%s: the import figures do not pair up", f);
	}
	free(files);
	if (!s->acc.n || !s->last.n || !s->read.n)
		die("%s: no import figures", list);
	import_report(s, n);
	free(s);
}

/*
 * A provider's own log header, as its binary_event_log (@path) starts,
 * and its banks into @h (no configfs handle: nothing is committed).
 * Returns the header's length.
 */
static size_t provider_log_header(const char *path, struct handle *h,
				  uint8_t *hdr, size_t size)
{
	struct tr_error err = { 0 };
	struct tr_log *log;
	int fd = open(path, O_RDONLY);
	ssize_t got;
	size_t len;
	unsigned int i;

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	got = read(fd, hdr, size);
	close(fd);
	if (got < 0 || tr_log_parse(hdr, got, NULL, &log, &err))
		die("%s: not a crypto-agile log header (%s)", path, err.msg);
	if (log->n_banks > MAX_BANKS)
		die("%s: %u banks", path, log->n_banks);
	h->nr_algs = log->n_banks;
	h->digests_size = 0;
	for (i = 0; i < log->n_banks; i++) {
		h->alg[i] = log->banks[i].alg;
		if (!h->alg[i])
			die("%s: unknown bank 0x%x", path,
			    log->banks[i].alg_id);
		h->digests_size += h->alg[i]->size;
	}
	len = log->header_len;
	tr_log_free(log);
	return len;
}

/* One write(2) of @len bytes to @path: 0 or -errno, and its time. */
static int import_write(const char *path, const uint8_t *log, size_t len,
			double *secs)
{
	int fd = open(path, O_WRONLY), err;
	double t0;
	ssize_t n;

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	t0 = now();
	n = write(fd, log, len);
	*secs = now() - t0;
	err = errno;
	close(fd);
	if (n >= 0 && (size_t)n != len)
		die("import: short write %zd of %zu", n, len);
	return n < 0 ? -err : 0;
}

/*
 * A log of import_n records with no event data, for @h: the header of the
 * provider's log @hdr_path, then room for the records; @hlen, @rec and
 * @len its header, record and whole sizes.
 */
static uint8_t *import_log_alloc(const char *hdr_path, struct handle *h,
				 size_t *hlen, size_t *rec, size_t *len)
{
	uint8_t hdr[512], *log;

	memset(h, 0, sizeof(*h));
	*hlen = provider_log_header(hdr_path, h, hdr, sizeof(hdr));
	*rec = record_size(h);
	*len = *hlen + import_n * *rec;
	if (*len > read_ull(CORE_PARAMS "/max_log_bytes"))
		die("a log of %zu bytes is over max_log_bytes", *len);
	log = malloc(*len);
	if (!log)
		die("out of memory");
	memcpy(log, hdr, *hlen);
	return log;
}

enum { SPOIL_NONE, SPOIL_FLIP, SPOIL_ZERO };

/*
 * Import @log into @path with the 4 bytes at @at spoiled (@how: left
 * alone, first byte's low bit flipped, zeroed), restored after: the
 * import must be refused with EINVAL (else die, saying @what). Its time.
 */
static double import_refused(const char *path, uint8_t *log, size_t len,
			     size_t at, int how, const char *what)
{
	uint8_t save[4];
	double secs;
	int rc;

	memcpy(save, log + at, 4);
	if (how == SPOIL_FLIP)
		log[at] ^= 1;
	else if (how == SPOIL_ZERO)
		memset(log + at, 0, 4);
	rc = import_write(path, log, len, &secs);
	memcpy(log + at, save, 4);
	if (rc != -EINVAL)
		die("%s: %s, expected EINVAL", what,
		    rc ? strerror(-rc) : "accepted");
	return secs;
}

/*
 * import-sim, an experiment (BENCH_SECTIONS=import-sim): where an import's
 * time goes, on the simulator. Its registers die with it, so it refuses
 * every log that touches one, but only once the whole log is copied in,
 * parsed, indexed and replayed: an import's work but for the live reads
 * and the adoption, repeatable, with no TPM, with the banks (algs=) and
 * hash drivers the simulator was loaded with. Alternating:
 *   refused-import-whole         the whole log, refused after its replay
 *   refused-import-first-record  the first record's digest count 0: copied
 *				  in, refused at its first record
 * and (whole - first-record) / N in us per record; param is --label
 * (bench-guest.sh: the banks' hash drivers).
 */
static const char *import_label = "-";

static void bench_import_sim(void)
{
	double whole[MAX_SAMPLES], first[MAX_SAMPLES], us[MAX_SAMPLES];
	uint8_t ev = 0, *log;
	size_t hlen, rec, len;
	struct handle h;
	unsigned long long nreg;
	int r, i;

	if (log_count("sim"))
		die("the sim log holds entries: import-sim needs a freshly loaded tsm_rtmr_sim");
	log = import_log_alloc(SFS_ROOT "/sim/binary_event_log", &h, &hlen,
			       &rec, &len);
	nreg = read_ull("/sys/module/tsm_rtmr_sim/parameters/nr_registers");
	if (nreg > 7)
		nreg = 7;
	for (i = 0; i < import_n; i++) {
		uint8_t d[MAX_BANKS * 64];

		fill_random(d, h.digests_size);
		/* the simulator's log index is its register + 1 */
		build_record(&h, i % nreg + 1, d, &ev, 0, log + hlen + i * rec);
	}
	fprintf(stderr, "import-sim: %ld records of %zu B (%d banks) on %llu registers, %zu bytes, %s\n",
		import_n, rec, h.nr_algs, nreg, len, import_label);
	for (r = 0; r < import_reps; r++) {
		for (i = 0; i < 2; i++) {
			bool all = (i + r) % 2 == 0;
			double secs;

			secs = import_refused(SFS_ROOT "/sim/import", log, len,
					      hlen + 8,
					      all ? SPOIL_NONE : SPOIL_ZERO,
					      all ? "sim import (whole)" :
					      "sim import (first record malformed)");
			(all ? whole : first)[r] = secs * 1e3;
		}
		us[r] = (whole[r] - first[r]) * 1e3 / import_n;
	}
	if (log_count("sim"))
		die("a refused import changed the sim log");
	report("import-sim", "refused-import-whole", import_label, "ms", whole,
	       import_reps);
	report("import-sim", "refused-import-first-record", import_label, "ms",
	       first, import_reps);
	report("import-sim", "replay-us-per-record", import_label, "us", us,
	       import_reps);
	free(log);
}

#ifdef WITH_ESYS
/*
 * "tsm-rtmr replay --tpm --no-live @file", output to /dev/null: seconds,
 * or -1 when the CLI is not installed.
 */
static double userspace_replay(const char *file)
{
	double t0 = now();
	int status;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0)
			_exit(126);
		execlp("tsm-rtmr", "tsm-rtmr", "replay", "--tpm", "--no-live",
		       file, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	t0 = now() - t0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		die("tsm-rtmr replay --tpm --no-live %s failed (status 0x%x)",
		    file, status);
	return t0;
}

/* Every bank of @pcr, in bank order, into @out (h->digests_size bytes). */
static TSS2_RC pcr_read(struct tpm_ctx *t, const struct handle *h, int pcr,
			uint8_t *out)
{
	TPML_PCR_SELECTION sel = { .count = h->nr_algs }, *sel_out = NULL;
	TPML_DIGEST *vals = NULL;
	UINT32 counter;
	TSS2_RC rc;
	int i;

	for (i = 0; i < h->nr_algs; i++) {
		sel.pcrSelections[i].hash = h->alg[i]->id;
		sel.pcrSelections[i].sizeofSelect = 3;
		sel.pcrSelections[i].pcrSelect[pcr / 8] = 1 << (pcr % 8);
	}
	rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			   &sel, &counter, &sel_out, &vals);
	if (rc)
		return rc;
	if (vals->count != (UINT32)h->nr_algs)
		die("Esys_PCR_Read(%d): %u digests for %d banks", pcr,
		    vals->count, h->nr_algs);
	for (i = 0; i < h->nr_algs; i++) {
		if (vals->digests[i].size != h->alg[i]->size)
			die("Esys_PCR_Read(%d): bank %d digest of %u bytes", pcr,
			    i, vals->digests[i].size);
		memcpy(out, vals->digests[i].buffer, vals->digests[i].size);
		out += vals->digests[i].size;
	}
	Esys_Free(sel_out);
	Esys_Free(vals);
	return 0;
}

/* Every bank of @pcr still at its reset value (zero)? */
static bool pcr_at_reset(struct tpm_ctx *t, const struct handle *h, int pcr)
{
	uint8_t v[MAX_BANKS * 64];
	TSS2_RC rc = pcr_read(t, h, pcr, v);
	int i;

	if (rc)
		die("Esys_PCR_Read(%d): 0x%x", pcr, rc);
	for (i = 0; i < h->digests_size; i++)
		if (v[i])
			return false;
	return true;
}

/* @value = H(@value || @digests) in every bank, as the TPM extends. */
static void extend_value(const struct handle *h, uint8_t *value,
			 const uint8_t *digests)
{
	int i;

	for (i = 0; i < h->nr_algs; i++) {
		unsigned int size = h->alg[i]->size;

		if (tr_hash2(h->alg[i], value, size, digests, size, value))
			die("extending %s", h->alg[i]->name);
		value += size;
		digests += size;
	}
}

/* @pcr's value from reset, replayed from the first @len bytes of @log. */
static void pcr_replay(const struct handle *h, int pcr, const uint8_t *log,
		       size_t len, uint8_t *value)
{
	struct tr_parse_opts opts = { .max_records = import_n + 1 };
	uint8_t d[MAX_BANKS * 64];
	struct tr_error err = { 0 };
	struct tr_log *l;
	size_t r;
	int b, off;

	memset(value, 0, h->digests_size);
	if (tr_log_parse(log, len, &opts, &l, &err))
		die("the import log does not parse: %s", err.msg);
	for (r = 0; r < l->n_records; r++) {
		if ((int)l->records[r].log_index != pcr)
			continue;
		for (b = 0, off = 0; b < h->nr_algs; off += h->alg[b++]->size)
			memcpy(d + off, tr_record_digest(l, &l->records[r], b),
			       h->alg[b]->size);
		extend_value(h, value, d);
	}
	tr_log_free(l);
}

/*
 * Extend @pcr with @digests, those of record @i of @log (header @hlen
 * bytes, records @rec bytes each, built up to @i). The TPM driver gives
 * up on a command that takes too long (ETIME: swtpm starved by a busy
 * host), and then cannot say whether the extend landed; the PCR, read back
 * and compared with the log's replay of it without and with record @i,
 * does. A fresh ESYS context each time: ESYS refuses to go on after a TCTI
 * error.
 */
static void import_extend(struct tpm_ctx *t, const char *dev, int pcr,
			  const struct handle *h, const uint8_t *digests,
			  const uint8_t *log, size_t hlen, size_t rec, long i)
{
	uint8_t before[MAX_BANKS * 64];
	uint8_t after[MAX_BANKS * 64], live[MAX_BANKS * 64];
	TSS2_RC failed;
	int tries;

	for (tries = 0;; tries++) {
		TSS2_RC rc = tpm_try_extend(t, pcr, h, digests);

		if (!rc)
			return;
		if (tries == 3)
			die("Esys_PCR_Extend(%d), record %ld: 0x%x, %d times",
			    pcr, i, rc, tries + 1);
		failed = rc;
		tpm_close(t);
		tpm_open(t, dev);
		pcr_replay(h, pcr, log, hlen + i * rec, before);
		memcpy(after, before, h->digests_size);
		extend_value(h, after, digests);
		rc = pcr_read(t, h, pcr, live);
		if (rc)
			die("Esys_PCR_Read(%d) after a failed extend: 0x%x",
			    pcr, rc);
		fprintf(stderr, "import: Esys_PCR_Extend(%d) of record %ld failed (0x%x): %s\n",
			pcr, i, failed, !memcmp(live, after, h->digests_size) ?
			"it landed" : !memcmp(live, before, h->digests_size) ?
			"it did not land, again" : "PCR unknown");
		if (!memcmp(live, after, h->digests_size))
			return;
		if (memcmp(live, before, h->digests_size))
			die("PCR %d is not the log's replay, with or without record %ld",
			    pcr, i);
	}
}

static void bench_import(void)
{
	struct import_samples *s = calloc(1, sizeof(*s));
	uint8_t ev = 0, *log, *back;
	int pcrs[24], np = 0, i, r;
	size_t hlen, rec, len, total = 0;
	char *rbuf = malloc(read_size), file[300];
	const char *dev = "/dev/tpm0";
	unsigned long long c;
	struct handle h;
	struct tpm_ctx t;
	double t0, secs;
	int fd;

	if (import_merge) {
		import_merge_files(import_merge);
		return;
	}
	if (!s || !rbuf)
		die("out of memory");
	c = log_count("tpm");
	if (c)
		die("the tpm log holds %llu entries: a log is imported only into an empty one, once per boot; run the import section first in a fresh boot",
		    c);
	log = import_log_alloc(TPM_LOG_PATH, &h, &hlen, &rec, &len);
	back = malloc(len + 1);
	if (!back)
		die("out of memory");

	/* /dev/tpm0 (no resource manager) is the faster way to fill */
	fd = open(dev, O_RDWR);
	if (fd < 0)
		dev = "/dev/tpmrm0";
	else
		close(fd);
	tpm_open(&t, dev);
	for (i = 0; i < nr_import_pcrs; i++) {
		if (pcr_at_reset(&t, &h, import_pcrs[i]))
			pcrs[np++] = import_pcrs[i];
		else
			fprintf(stderr, "import: PCR %ld is not at its reset value: left out\n",
				import_pcrs[i]);
	}
	if (!np)
		die("no PCR at its reset value to import into");
	fprintf(stderr, "import: %ld records of %zu B (%d banks) on %d PCRs, %zu bytes; extending through %s\n",
		import_n, rec, h.nr_algs, np, len, dev);

	/* The previous kernel's log, and its extends, made directly. */
	t0 = now();
	for (i = 0; i < import_n; i++) {
		uint8_t d[MAX_BANKS * 64];
		int pcr = pcrs[i % np];

		fill_random(d, h.digests_size);
		build_record(&h, pcr, d, &ev, 0, log + hlen + i * rec);
		import_extend(&t, dev, pcr, &h, d, log, hlen, rec, i);
		if ((i + 1) % 20000 == 0)
			fprintf(stderr, "  import: %d extends, %.0f s\n", i + 1,
				now() - t0);
	}
	series_add(&s->rate, import_n / (now() - t0));
	tpm_close(&t);

	/* The same bytes in a file, for the userspace peer. */
	snprintf(file, sizeof(file), "%s/bench-import.log", tmp_dir);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, log, len) != (ssize_t)len || close(fd))
		die("%s: %s", file, strerror(errno));

	/*
	 * Refused imports, which must change nothing, and the userspace
	 * replay: the three kinds rotate.
	 */
	for (r = 0; r < import_reps; r++) {
		for (i = 0; i < 3; i++) {
			bool last = (i + r) % 3 == 0;
			/* last: the first digest byte of the last record;
			 * first: the first record's digest count */
			size_t at = last ? len - rec + 14 : hlen + 8;

			if ((i + r) % 3 == 2) {
				secs = userspace_replay(file);
				if (secs >= 0)
					series_add(&s->user, secs * 1e3);
				continue;
			}
			secs = import_refused(IMPORT_PATH, log, len, at,
					      last ? SPOIL_FLIP : SPOIL_ZERO,
					      last ? "refused import (last digest flipped)" :
					      "refused import (first record malformed)");
			series_add(last ? &s->last : &s->first, secs * 1e3);
		}
		if (log_count("tpm"))
			die("a refused import changed the tpm log");
	}
	unlink(file);

	/* The one accepted import of this boot. */
	r = import_write(IMPORT_PATH, log, len, &secs);
	if (r)
		die("import of the genuine log refused: %s", strerror(-r));
	series_add(&s->acc, secs * 1e3);
	if (log_count("tpm") != (unsigned long long)import_n)
		die("tpm log holds %llu entries after the import, expected %ld",
		    log_count("tpm"), import_n);

	/* binary_event_log is the imported log, byte for byte */
	fd = open(TPM_LOG_PATH, O_RDONLY);
	if (fd < 0)
		die("open %s: %s", TPM_LOG_PATH, strerror(errno));
	while (total <= len) {
		ssize_t n = read(fd, back + total, len + 1 - total);

		if (n <= 0)
			break;
		total += n;
	}
	close(fd);
	if (total != len || memcmp(back, log, len))
		die("binary_event_log (%zu bytes) is not the imported log (%zu)",
		    total, len);

	for (r = 0; r < reps; r++) {
		series_add(&s->read, read_whole(TPM_LOG_PATH, rbuf, &total) * 1e3);
		if (total != len)
			die("read %zu bytes of binary_event_log, expected %zu",
			    total, len);
	}
	series_add(&s->per_read, s->acc.v[0] / stats(s->read.v, s->read.n).med);
	import_report(s, import_n);
	free(log);
	free(back);
	free(rbuf);
	free(s);
}
#else
static void bench_import(void)
{
	if (!import_merge)
		die("section import needs the ESYS build (tsm-rtmr-bench-esys)");
	import_merge_files(import_merge);
}
#endif

/* ---------------------------------------------------------------- main */

static FILE *open_out(const char *what, const char *header)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s%s%s.csv", out_dir, tag ? tag : "",
		 tag ? "-" : "", what);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "%s\n", header);
	return f;
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i], *a = argv[i + 1];

		if (!a)
			die("%s needs an argument", o);
		i++;
		if (!strcmp(o, "--out"))
			out_dir = a;
		else if (!strcmp(o, "--tag"))
			tag = a;
		else if (!strcmp(o, "--reps"))
			reps = atoi(a);
		else if (!strcmp(o, "--tpm-n"))
			tpm_n = atol(a);
		else if (!strcmp(o, "--tpm-pcr"))
			tpm_pcr = atoi(a);
		else if (!strcmp(o, "--raw-pcr"))
			raw_pcr = atoi(a);
		else if (!strcmp(o, "--event-sizes"))
			nr_event_sizes = parse_list(a, event_sizes, 7);
		else if (!strcmp(o, "--core-n"))
			core_n = atol(a);
		else if (!strcmp(o, "--writers"))
			nr_writers = parse_list(a, writers, 8);
		else if (!strcmp(o, "--log-sizes"))
			nr_log_sizes = parse_list(a, log_sizes, 8);
		else if (!strcmp(o, "--rand-reads"))
			rand_reads = atol(a);
		else if (!strcmp(o, "--read-size"))
			read_size = atol(a);
		else if (!strcmp(o, "--tmpdir"))
			tmp_dir = a;
		else if (!strcmp(o, "--import-n"))
			import_n = atol(a);
		else if (!strcmp(o, "--import-reps"))
			import_reps = atoi(a);
		else if (!strcmp(o, "--import-pcrs"))
			nr_import_pcrs = parse_list(a, import_pcrs, 24);
		else if (!strcmp(o, "--merge"))
			import_merge = a;
		else if (!strcmp(o, "--label"))
			import_label = a;
		else
			die("unknown option %s", o);
	}
	if (i == argc)
		die("usage: tsm-rtmr-bench [options] tpm|core|log|import|import-sim...");
	if (reps < 1 || reps > MAX_SAMPLES)
		die("--reps must be 1-%d", MAX_SAMPLES);
	if (!import_reps)
		import_reps = reps;
	if (import_reps < 1 || import_reps > MAX_SAMPLES || import_n < 1)
		die("--import-reps must be 1-%d, --import-n at least 1",
		    MAX_SAMPLES);
	for (int j = 0; j < nr_event_sizes; j++)
		if (event_sizes[j] < 0 || event_sizes[j] > 65536)
			die("event sizes are 0-65536");

	raw_csv = open_out("raw", "section,metric,param,rep,value,unit");
	sum_csv = open_out("summary", "section,metric,param,unit,median,min,max,n");
	ratio_csv = open_out("ratios", "name,median,min,max,op,target,verdict");

	for (; i < argc; i++) {
		if (!strcmp(argv[i], "tpm"))
			bench_tpm();
		else if (!strcmp(argv[i], "core"))
			bench_core();
		else if (!strcmp(argv[i], "log"))
			bench_log();
		else if (!strcmp(argv[i], "import"))
			bench_import();
		else if (!strcmp(argv[i], "import-sim"))
			bench_import_sim();
		else
			die("unknown section %s", argv[i]);
	}
	fclose(raw_csv);
	fclose(sum_csv);
	fclose(ratio_csv);
	return 0;
}
