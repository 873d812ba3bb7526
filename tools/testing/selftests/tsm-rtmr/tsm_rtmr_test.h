/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the tsm-rtmr kselftests: sysfs/configfs/securityfs
 * access, simulator loading, digests, the binary event log, and snapshots
 * used to prove that a failed operation changed nothing.
 *
 * The configfs root, the algorithm table, hex, hashing and the TCG log
 * codec (build, parse, replay) are libtsm-rtmr's (tools/lib/tsm-rtmr),
 * linked as selftests/bpf links libbpf; what is here adapts them to the
 * tests' errno-returning helpers. The referees of the bytes stay the
 * tests' own: the register model (extend_model), ascii_render, and
 * tpm2_eventlog and the host checks outside C.
 *
 * Every helper that can fail returns 0 (or a length) on success and a
 * negative errno on failure, so tests can compare errnos directly.
 */
#ifndef TSM_RTMR_TEST_H
#define TSM_RTMR_TEST_H

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tsm-rtmr.h"

/*
 * The handle directory: libtsm-rtmr's tr_configfs_root(), the rule
 * Documentation/ABI/testing/configfs-tsm-rtmr gives agents. While neither
 * directory exists (the core not loaded yet) a path under which every
 * access fails ENOENT. CFS_ROOT is an expression: build paths with
 * PATHF("%s/...", CFS_ROOT), not by string concatenation.
 */
static inline const char *cfs_root(void)
{
	const char *root = tr_configfs_root();

	return root ? root : "/sys/kernel/config/tsm-rtmr-not-loaded";
}

#define CFS_ROOT	cfs_root()
#define SFS_ROOT	"/sys/kernel/security/tsm-rtmr"
#define CORE_PARAMS	"/sys/module/tsm_rtmr/parameters"
#define SIM_PARAMS	"/sys/module/tsm_rtmr_sim/parameters"
#define SIM_MODDIR	"/sys/module/tsm_rtmr_sim"

#define DEFAULT_MAX_LOG_BYTES	67108864UL
#define DEFAULT_MAX_EVENT_BYTES	65536UL
#define EV_NO_ACTION		TR_EV_NO_ACTION
#define EV_EVENT_TAG		TR_EV_EVENT_TAG
#define SIM_LOG_OFFSET		1	/* sim register n is log index n + 1 */

#define MAX_BANKS	5
#define MAX_DIGEST	TR_MAX_DIGEST
#define MAX_REGS	32

/* The default simulator of most tests: two banks, four registers. */
#define SIM_2BANKS	"nr_registers=4 algs=sha256,sha384"

/* "ENOENT" for -2, "success" for 0, the number otherwise. Not reentrant. */
static inline const char *errname(int r)
{
	static char buf[8][32];
	static int slot;
	const char *n;
	char *b = buf[slot++ & 7];

	if (r == 0)
		return "success (0)";
	if (r < 0 && (n = strerrorname_np(-r)))
		snprintf(b, sizeof(buf[0]), "%s (%d)", n, r);
	else
		snprintf(b, sizeof(buf[0]), "%d", r);
	return b;
}

/* ------------------------------------------------------------------ */
/* shell and files                                                     */

static inline int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fflush(stderr);
	st = system(cmd);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* One read() of a text attribute, NUL-terminated. Length or -errno. */
static inline ssize_t read_text(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, e;

	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return n;
}

/* Whole file into a malloc'd buffer (NUL-terminated). Length or -errno. */
static inline ssize_t read_all(const char *path, unsigned char **out)
{
	size_t cap = 65536, len = 0;
	unsigned char *buf = malloc(cap + 1);
	ssize_t n;
	int fd, e;

	*out = NULL;
	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		e = errno;
		free(buf);
		return -e;
	}
	for (;;) {
		if (len == cap) {
			unsigned char *nb = realloc(buf, 2 * cap + 1);

			if (!nb) {
				close(fd);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return len;
}

/*
 * One write() of @len bytes, by libtsm-rtmr: 0, or -errno of open, write
 * or close; a short write (never expected from these files) is -EIO.
 */
static inline int write_buf(const char *path, const void *data, size_t len)
{
	return tr_write_once(path, data, len);
}

static inline int write_str(const char *path, const char *s)
{
	return write_buf(path, s, strlen(s));
}

static inline const char *pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return buf;
}

#define PATHF(...) pathf((char[512]){0}, 512, __VA_ARGS__)

static inline bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* configfs handles                                                    */

/* mkdir only: the handle is bound to the default (first registered). */
static inline int h_mkdir_raw(const char *name)
{
	return mkdir(PATHF("%s/%s", CFS_ROOT, name), 0755) ? -errno : 0;
}

static inline int h_write(const char *h, const char *attr, const char *s);
static inline ssize_t h_read(const char *h, const char *attr, char *buf,
			     size_t size);

/*
 * mkdir, and bind to "sim" when another provider is the default: other
 * tests in the same boot (test_tpm*, test_cli.sh) may leave the TPM
 * provider registered, and pinned, ahead of the simulator.
 */
static inline int h_mkdir(const char *name)
{
	char b[64];
	int r = h_mkdir_raw(name);

	if (r)
		return r;
	if (h_read(name, "provider", b, sizeof(b)) < 0 || strcmp(b, "sim\n"))
		r = h_write(name, "provider", "sim\n");
	return r;
}

/* A provider other than the simulator's instances is registered. */
static inline bool other_providers(void)
{
	struct dirent *de;
	DIR *d = opendir(SFS_ROOT);
	bool other = false;

	if (!d)
		return false;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strncmp(de->d_name, "sim", 3))
			other = true;
	closedir(d);
	return other;
}

static inline int h_rmdir(const char *name)
{
	return rmdir(PATHF("%s/%s", CFS_ROOT, name)) ? -errno : 0;
}

static inline int h_write(const char *h, const char *attr, const char *s)
{
	return write_str(PATHF("%s/%s/%s", CFS_ROOT, h, attr), s);
}

static inline ssize_t h_read(const char *h, const char *attr, char *buf,
			     size_t size)
{
	return read_text(PATHF("%s/%s/%s", CFS_ROOT, h, attr), buf, size);
}

/*
 * The two doors for event data (spec section 4): event, a text attribute,
 * takes one write of 1-4094 bytes and answers it; event_blob, a binary
 * attribute, takes up to max_event_bytes and applies them at close, where
 * its errors cannot be reported (the next commit fails instead).
 */
#define EVENT_TEXT_MAX	4094

/* One write(2) to event: 0 or -errno of open, write or close. */
static inline int h_event_text(const char *h, const void *data, size_t len)
{
	return write_buf(PATHF("%s/%s/event", CFS_ROOT, h), data, len);
}

/* Open event_blob, one write, close (configfs applies it on close). */
static inline int h_event_blob(const char *h, const void *data, size_t len)
{
	return write_buf(PATHF("%s/%s/event_blob", CFS_ROOT, h), data, len);
}

/* Stage event data through the door its size calls for, as the CLI does. */
static inline int h_event(const char *h, const void *data, size_t len)
{
	const char *door = len <= EVENT_TEXT_MAX ? "event" : "event_blob";

	return write_buf(PATHF("%s/%s/%s", CFS_ROOT, h, door), data, len);
}

static inline int h_index(const char *h, unsigned int idx)
{
	char b[16];

	snprintf(b, sizeof(b), "%u\n", idx);
	return h_write(h, "index", b);
}

/* mkdir + optional provider + index. */
static inline int h_open(const char *h, const char *prov, int idx)
{
	int r = h_mkdir(h);

	if (r)
		return r;
	if (prov) {
		r = h_write(h, "provider", prov);
		if (r)
			return r;
	}
	return idx >= 0 ? h_index(h, idx) : 0;
}

static inline void handles_remove_all(void)
{
	struct dirent *de;
	DIR *d = opendir(CFS_ROOT);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			h_rmdir(de->d_name);
	closedir(d);
}

/* ------------------------------------------------------------------ */
/* securityfs                                                          */

static inline ssize_t prov_read(const char *prov, const char *file,
				char *buf, size_t size)
{
	return read_text(PATHF(SFS_ROOT "/%s/%s", prov, file), buf, size);
}

/* Entry count, or -errno / -EBADMSG when not "N\n". */
static inline long prov_count(const char *prov)
{
	char b[64], *end;
	ssize_t n = prov_read(prov, "count", b, sizeof(b));
	long v;

	if (n < 0)
		return n;
	v = strtol(b, &end, 10);
	if (end == b || strcmp(end, "\n"))
		return -EBADMSG;
	return v;
}

static inline ssize_t prov_log(const char *prov, unsigned char **out)
{
	return read_all(PATHF(SFS_ROOT "/%s/binary_event_log", prov), out);
}

static inline ssize_t prov_ascii(const char *prov, char **out)
{
	return read_all(PATHF(SFS_ROOT "/%s/ascii_event_log", prov),
			(unsigned char **)out);
}

/* ------------------------------------------------------------------ */
/* modules                                                             */

static inline int set_max_log_bytes(unsigned long v)
{
	char b[32];

	snprintf(b, sizeof(b), "%lu\n", v);
	return write_str(CORE_PARAMS "/max_log_bytes", b);
}

static inline int sim_unload(void)
{
	if (!exists(SIM_MODDIR))
		return 0;
	return sh("rmmod tsm_rtmr_sim");
}

/* Fresh simulator: no handles, no log, the given module parameters. */
static inline int sim_load(const char *params)
{
	int r;

	handles_remove_all();
	r = sh("modprobe tsm_rtmr");
	if (r)
		return r;
	set_max_log_bytes(DEFAULT_MAX_LOG_BYTES);
	r = sim_unload();
	if (r)
		return r;
	r = sh("modprobe tsm_rtmr_sim %s", params ? params : "");
	if (r)
		return r;
	/* kmod's modprobe reports success when init_module fails EEXIST */
	if (!exists(SIM_MODDIR) || !exists(SFS_ROOT "/sim/count")) {
		fprintf(stderr, "# modprobe tsm_rtmr_sim %s: exit 0, but %s\n",
			params ? params : "", exists(SIM_MODDIR) ?
			SFS_ROOT "/sim/count is missing" :
			"the module is not loaded (see dmesg)");
		return -1;
	}
	return 0;
}

static inline void tsm_cleanup(void)
{
	handles_remove_all();
	if (exists(CORE_PARAMS))
		set_max_log_bytes(DEFAULT_MAX_LOG_BYTES);
	sim_unload();
}

static inline int sim_fault(const char *mode)
{
	return write_str(SIM_PARAMS "/fault", mode);
}

/* ------------------------------------------------------------------ */
/* hex and hashing: libtsm-rtmr's                                     */

/* Exactly 2*@n hex digits into @out. 0 or -EINVAL. */
static inline int hexdec(const char *in, size_t n, unsigned char *out)
{
	return tr_unhex(in, 2 * n, out, n) == (long)n ? 0 : -EINVAL;
}

/* H(a || b) with the given algorithm; b may be NULL. */
static inline int hash2(const struct tr_alg *alg, const void *a, size_t alen,
			const void *b, size_t blen, unsigned char *out)
{
	int r = b ? tr_hash2(alg, a, alen, b, blen, out) :
		    tr_hash(alg, a, alen, out);

	return r == TR_E_UNSUPPORTED ? -ENOSYS : r ? -EIO : 0;
}

/* A set of digests in bank order, as a commit carries them. */
struct digests {
	int n;
	const struct tr_alg *alg[MAX_BANKS];
	unsigned char d[MAX_BANKS][MAX_DIGEST];
};

/* Parse "sha256,sha384" or "sha256 sha384\n" into the algorithm list. */
static inline int banks_parse(struct digests *ds, const char *list)
{
	char spaced[256], *c;
	unsigned int n = 0;
	int r;

	memset(ds, 0, sizeof(*ds));
	if (strlen(list) >= sizeof(spaced))
		return -E2BIG;
	strcpy(spaced, list);
	for (c = spaced; (c = strchr(c, ',')); )
		*c = ' ';
	r = tr_parse_alg_list(spaced, ds->alg, MAX_BANKS, &n, NULL);
	ds->n = n;
	return r == TR_E_LIMIT ? -E2BIG : r ? -EINVAL : 0;
}

/* Digests of @data with every bank of @banks ("sha256,sha384"). */
static inline int digests_of(struct digests *ds, const char *banks,
			     const void *data, size_t len)
{
	int i, r = banks_parse(ds, banks);

	for (i = 0; !r && i < ds->n; i++)
		r = hash2(ds->alg[i], data, len, NULL, 0, ds->d[i]);
	return r;
}

static inline int digests_of_str(struct digests *ds, const char *banks,
				 const char *s)
{
	return digests_of(ds, banks, s, strlen(s));
}

/* "sha256:<hex> sha384:<hex>\n" (tr_digest_line) */
static inline const char *digest_str(const struct digests *ds, char *out,
				     size_t size)
{
	uint8_t cat[MAX_BANKS * MAX_DIGEST];
	size_t off = 0;
	int i;

	for (i = 0; i < ds->n; i++) {
		memcpy(cat + off, ds->d[i], ds->alg[i]->size);
		off += ds->alg[i]->size;
	}
	out[0] = '\0';
	if (tr_digest_line(ds->alg, ds->n, cat, out, size) < 0)
		snprintf(out, size, "\n");
	return out;
}

#define DIGEST_STR(ds) digest_str((ds), (char[1024]){0}, 1024)

static inline int h_commit(const char *h, const struct digests *ds)
{
	return h_write(h, "digest", DIGEST_STR(ds));
}

/* new = H(old || d) per bank */
static inline int extend_model(struct digests *reg, const struct digests *d)
{
	int i, r;

	for (i = 0; i < d->n; i++) {
		unsigned char out[MAX_DIGEST];

		r = hash2(d->alg[i], reg->d[i], d->alg[i]->size, d->d[i],
			  d->alg[i]->size, out);
		if (r)
			return r;
		memcpy(reg->d[i], out, d->alg[i]->size);
	}
	return 0;
}

/* Zero register with the banks of @banks. */
static inline int reg_zero(struct digests *reg, const char *banks)
{
	return banks_parse(reg, banks);
}

/* "alg:hex\n" lines of `value` -> digests. Strict about the format. */
static inline int value_parse(const char *text, struct digests *ds)
{
	const char *p = text;

	memset(ds, 0, sizeof(*ds));
	while (*p) {
		const char *colon = strchr(p, ':');
		const char *nl;
		const struct tr_alg *a;

		if (!colon || ds->n == MAX_BANKS)
			return -EBADMSG;
		a = tr_alg_by_name_len(p, colon - p);
		if (!a)
			return -EBADMSG;
		nl = strchr(colon, '\n');
		if (!nl || (size_t)(nl - colon - 1) != 2u * a->size)
			return -EBADMSG;
		if (hexdec(colon + 1, a->size, ds->d[ds->n]))
			return -EBADMSG;
		ds->alg[ds->n++] = a;
		p = nl + 1;
	}
	return ds->n ? 0 : -EBADMSG;
}

static inline bool digests_equal(const struct digests *a,
				 const struct digests *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->alg[i] != b->alg[i] ||
		    memcmp(a->d[i], b->d[i], a->alg[i]->size))
			return false;
	return true;
}

/* Read register @idx through handle @h (sets its index). */
static inline int reg_read(const char *h, unsigned int idx,
			   struct digests *ds)
{
	char b[1024];
	ssize_t n;
	int r = h_index(h, idx);

	if (r)
		return r;
	n = h_read(h, "value", b, sizeof(b));
	if (n < 0)
		return n;
	return value_parse(b, ds);
}

/* ------------------------------------------------------------------ */
/* binary event log                                                    */

struct log_entry {
	uint32_t log_index;
	uint32_t event_type;
	struct digests ds;
	uint32_t event_size;
	const unsigned char *event;
	size_t off;		/* record offset in the log */
	size_t len;		/* record length */
};

/* A log parsed by tr_log_parse, in the tests' shape. */
struct tlog {
	int nalgs;
	const struct tr_alg *alg[MAX_BANKS];
	size_t hdr_len;
	size_t n;
	struct log_entry *e;
	struct tr_log *lib;	/* for log_replay */
};

static inline uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t get16(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

/* tr_build_* output into @o, which must have room; its length, 0 on error. */
static inline size_t tr_buf_out(struct tr_buf *b, int r, unsigned char *o)
{
	size_t len = r ? 0 : b->len;

	if (len)
		memcpy(o, b->data, len);
	tr_buf_free(b);
	return len;
}

static inline unsigned int bank_ids(const struct digests *ds, uint16_t *ids)
{
	int i;

	for (i = 0; i < ds->n; i++)
		ids[i] = ds->alg[i]->id;
	return ds->n;
}

/* The header record the spec prescribes for these banks (tr_build_header). */
static inline size_t log_header_build(unsigned char *o,
				      const struct digests *banks)
{
	struct tr_buf b = { 0 };
	uint16_t ids[MAX_BANKS];
	unsigned int n = bank_ids(banks, ids);

	return tr_buf_out(&b, tr_build_header(&b, ids, n), o);
}

/* One TCG_PCR_EVENT2 record (tr_build_record). */
static inline size_t log_record_build(unsigned char *o, uint32_t log_index,
				      uint32_t type, const struct digests *ds,
				      const void *ev, size_t evlen)
{
	uint8_t cat[MAX_BANKS * MAX_DIGEST];
	struct tr_buf b = { 0 };
	uint16_t ids[MAX_BANKS];
	unsigned int n = bank_ids(ds, ids);
	size_t off = 0;
	int i;

	for (i = 0; i < ds->n; i++) {
		memcpy(cat + off, ds->d[i], ds->alg[i]->size);
		off += ds->alg[i]->size;
	}
	return tr_buf_out(&b, tr_build_record(&b, log_index, type, ids, n, cat,
					      ev, evlen), o);
}

static inline void log_free(struct tlog *l)
{
	free(l->e);
	tr_log_free(l->lib);
	memset(l, 0, sizeof(*l));
}

#define LOG_ERR(...) do { if (err) snprintf(err, errsz, __VA_ARGS__); \
	log_free(l); return -EBADMSG; } while (0)

/*
 * Strict parse (tr_log_parse, then what the kernel's logs must be besides
 * well-formed): the header must be exactly the spec's for its banks, every
 * record must carry exactly the header's banks in order, and the last
 * record must end exactly at @len (no torn record). Records point into @b.
 */
static inline int log_parse(const unsigned char *b, size_t len, struct tlog *l,
			    char *err, size_t errsz)
{
	unsigned char want[128];
	struct tr_error te;
	struct digests banks;
	size_t k;
	int r, i;

	memset(l, 0, sizeof(*l));
	memset(&te, 0, sizeof(te));
	r = tr_log_parse(b, len, NULL, &l->lib, &te);
	if (r)
		LOG_ERR("%s", te.msg);
	if (l->lib->n_banks > MAX_BANKS)
		LOG_ERR("header numberOfAlgorithms %u", l->lib->n_banks);
	memset(&banks, 0, sizeof(banks));
	for (i = 0; i < (int)l->lib->n_banks; i++) {
		banks.alg[i] = l->lib->banks[i].alg;
		if (!banks.alg[i])
			LOG_ERR("header alg %d id 0x%x unknown", i,
				l->lib->banks[i].alg_id);
	}
	banks.n = l->lib->n_banks;
	l->hdr_len = log_header_build(want, &banks);
	if (l->hdr_len != l->lib->header_len || memcmp(want, b, l->hdr_len)) {
		for (k = 0; k < l->hdr_len && k < len && want[k] == b[k]; k++)
			;
		LOG_ERR("header differs from the spec's at byte %zu", k);
	}
	l->nalgs = banks.n;
	memcpy(l->alg, banks.alg, sizeof(banks.alg));
	l->e = calloc(l->lib->n_records ? l->lib->n_records : 1,
		      sizeof(*l->e));
	if (!l->e)
		LOG_ERR("out of memory");
	for (k = 0; k < l->lib->n_records; k++) {
		const struct tr_record *rec = &l->lib->records[k];
		struct log_entry *e = &l->e[k];
		size_t at = rec->offset + 12;

		e->off = rec->offset;
		e->len = rec->length;
		e->log_index = rec->log_index;
		e->event_type = rec->event_type;
		e->ds.n = l->nalgs;
		for (i = 0; i < l->nalgs; i++) {
			if (rec->digest_off[i] != at + 2)
				LOG_ERR("record at %zu: bank %d alg 0x%x, want 0x%x",
					e->off, i, get16(b + at), l->alg[i]->id);
			e->ds.alg[i] = l->alg[i];
			memcpy(e->ds.d[i], b + rec->digest_off[i],
			       l->alg[i]->size);
			at += 2 + l->alg[i]->size;
		}
		e->event_size = rec->event_size;
		e->event = b + rec->event_off;
		l->n++;
	}
	return 0;
}

/* Read and parse a provider's binary log. Caller frees *raw and the log. */
static inline int prov_log_parse(const char *prov, unsigned char **raw,
				 size_t *rawlen, struct tlog *l, char *err,
				 size_t errsz)
{
	ssize_t n = prov_log(prov, raw);

	if (n < 0) {
		snprintf(err, errsz, "read %s log: %s", prov, errname(n));
		return n;
	}
	if (rawlen)
		*rawlen = n;
	return log_parse(*raw, n, l, err, errsz);
}

/* Replay (tr_replay) of the records with @log_index, over the first @upto. */
static inline int log_replay(const struct tlog *l, uint32_t log_index,
			     size_t upto, struct digests *reg)
{
	struct tr_replay rp;
	const uint8_t *v;
	int r, i;

	memset(reg, 0, sizeof(*reg));
	reg->n = l->nalgs;
	memcpy(reg->alg, l->alg, sizeof(reg->alg));
	if (!l->lib)
		return 0;
	r = tr_replay_init(&rp, l->lib, 0, NULL);
	if (r)
		return r == TR_E_NOMEM ? -ENOMEM : -EIO;
	r = tr_replay_run(&rp, upto);
	for (i = 0; !r && i < reg->n; i++) {
		v = tr_replay_value(&rp, log_index, i);
		if (v)
			memcpy(reg->d[i], v, reg->alg[i]->size);
	}
	tr_replay_free(&rp);
	return r ? -EIO : 0;
}

/*
 * Invariant check: for every register 0..nregs-1 that handle @obs (bound
 * to @prov) may select, `value` equals the replay of the whole log.
 */
static inline int check_replay(const char *prov, const char *obs, int nregs,
			       char *why, size_t whysz)
{
	unsigned char *raw = NULL;
	struct tlog l;
	int r, i;

	r = prov_log_parse(prov, &raw, NULL, &l, why, whysz);
	if (r) {
		free(raw);
		return r;
	}
	for (i = 0; i < nregs; i++) {
		struct digests live, rep;

		r = reg_read(obs, i, &live);
		if (r == -EPERM) {
			r = 0;
			continue;
		}
		if (r) {
			snprintf(why, whysz, "read register %d: %s", i,
				 errname(r));
			break;
		}
		r = log_replay(&l, i + SIM_LOG_OFFSET, l.n, &rep);
		if (r)
			break;
		if (!digests_equal(&live, &rep)) {
			snprintf(why, whysz,
				 "register %d: value != replay of %zu records",
				 i, l.n);
			r = -EBADMSG;
			break;
		}
	}
	log_free(&l);
	free(raw);
	return r;
}

/* ------------------------------------------------------------------ */
/* snapshots: "nothing changed"                                        */

struct snap {
	long count;
	char state[256];
	unsigned char *log;
	ssize_t loglen;
	int nregs;
	char value[MAX_REGS][1024];
};

static inline void snap_free(struct snap *s)
{
	free(s->log);
	s->log = NULL;
}

/* count, state, the whole binary log, and `value` of registers 0..nregs-1
 * read through handle @obs (registers it may not select read as "").
 */
static inline int snap_take(struct snap *s, const char *prov, const char *obs,
			    int nregs)
{
	int i, r;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->count = prov_count(prov);
	if (s->count < 0)
		return s->count;
	n = prov_read(prov, "state", s->state, sizeof(s->state));
	if (n < 0)
		return n;
	s->loglen = prov_log(prov, &s->log);
	if (s->loglen < 0)
		return s->loglen;
	s->nregs = nregs;
	for (i = 0; obs && i < nregs; i++) {
		r = h_index(obs, i);
		if (r == -EPERM)
			continue;
		if (r)
			return r;
		n = h_read(obs, "value", s->value[i], sizeof(s->value[i]));
		if (n < 0)
			return n;
	}
	return 0;
}

static inline bool snap_same(const struct snap *a, const struct snap *b,
			     char *why, size_t whysz)
{
	int i;

	if (a->count != b->count) {
		snprintf(why, whysz, "count %ld -> %ld", a->count, b->count);
		return false;
	}
	if (strcmp(a->state, b->state)) {
		snprintf(why, whysz, "state '%.100s' -> '%.100s'", a->state, b->state);
		return false;
	}
	if (a->loglen != b->loglen ||
	    memcmp(a->log, b->log, a->loglen)) {
		snprintf(why, whysz, "binary_event_log changed (%zd -> %zd bytes)",
			 a->loglen, b->loglen);
		return false;
	}
	for (i = 0; i < a->nregs && i < b->nregs; i++)
		if (strcmp(a->value[i], b->value[i])) {
			snprintf(why, whysz, "value of register %d changed", i);
			return false;
		}
	return true;
}

/* ------------------------------------------------------------------ */
/* assertion helpers (use inside TEST bodies)                          */

/* expr returns 0 or -errno; expect -exp. */
#define EXPECT_ERRNO(exp, expr) do {					\
	int __r = (expr);						\
	if (__r != -(exp))						\
		TH_LOG("%s: expected %s, got %s", #expr,		\
		       errname(-(exp)), errname(__r));			\
	EXPECT_EQ(-(exp), __r);						\
} while (0)

#define ASSERT_OK(expr) do {						\
	int __r = (expr);						\
	if (__r)							\
		TH_LOG("%s: %s", #expr, errname(__r));			\
	ASSERT_EQ(0, __r);						\
} while (0)

#define EXPECT_OK(expr) do {						\
	int __r = (expr);						\
	if (__r)							\
		TH_LOG("%s: %s", #expr, errname(__r));			\
	EXPECT_EQ(0, __r);						\
} while (0)

/* Compare the current state with snapshot @before. */
#define EXPECT_UNCHANGED(before, prov, obs, nregs) do {			\
	struct snap __now;						\
	char __why[256] = "";						\
	bool __same;							\
	ASSERT_OK(snap_take(&__now, prov, obs, nregs));			\
	__same = snap_same(before, &__now, __why, sizeof(__why));	\
	if (!__same)							\
		TH_LOG("state changed: %s", __why);			\
	EXPECT_TRUE(__same);						\
	snap_free(&__now);						\
} while (0)

#define EXPECT_REPLAY(prov, obs, nregs) do {				\
	char __why[256] = "";						\
	int __r = check_replay(prov, obs, nregs, __why, sizeof(__why));	\
	if (__r)							\
		TH_LOG("replay check on %s: %s", prov, __why);		\
	EXPECT_EQ(0, __r);						\
} while (0)

/* Attribute text equal to @want. */
#define EXPECT_ATTR(h, attr, want) do {					\
	char __b[4096];							\
	ssize_t __n = h_read(h, attr, __b, sizeof(__b));		\
	if (__n < 0)							\
		TH_LOG("read %s/%s: %s", h, attr, errname(__n));	\
	ASSERT_LE(0, __n);						\
	EXPECT_STREQ(want, __b);					\
} while (0)

#define EXPECT_PROV(prov, file, want) do {				\
	char __b[4096];							\
	ssize_t __n = prov_read(prov, file, __b, sizeof(__b));		\
	if (__n < 0)							\
		TH_LOG("read %s/%s: %s", prov, file, errname(__n));	\
	ASSERT_LE(0, __n);						\
	EXPECT_STREQ(want, __b);					\
} while (0)

/* ------------------------------------------------------------------ */
/* hardening tests (issue 12): raw writes, capabilities, the kernel    */
/* log, core reloads, an independent ascii rendering, timing           */

#include <linux/capability.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

/* One write() of @len bytes to @path: bytes written (maybe short) or -errno. */
static inline ssize_t write_raw(const char *path, const void *data, size_t len)
{
	ssize_t n;
	int fd, e;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	e = errno;
	close(fd);
	return n < 0 ? -e : n;
}

/*
 * Drop capability @cap from the bounding, effective, permitted and
 * inheritable sets of the calling thread; every other capability stays
 * (a uid-0 task keeps CAP_DAC_OVERRIDE, so file modes do not stop it).
 */
static inline int caps_drop(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

/* The calling thread has @cap in its effective set: 1, 0, or -errno. */
static inline int cap_effective(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return !!(data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap));
}

/* Lines of the kernel log buffer (as dmesg prints it) that contain @needle. */
static inline long kmsg_count(const char *needle)
{
	int size = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf, *line, *save = NULL;
	long n = 0;
	int len;

	if (size <= 0)
		return -errno;
	buf = malloc(size + 1);
	if (!buf)
		return -ENOMEM;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, size);
	if (len < 0) {
		free(buf);
		return -errno;
	}
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		n += strstr(line, needle) != NULL;
	free(buf);
	return n;
}

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Unload everything that uses the core (handles, the simulator, the TPM
 * provider while its log is empty, and then its library, which rmmod
 * leaves loaded) and load tsm_rtmr again with @params
 * (NULL: the defaults), with kmod's modprobe. 0 when the core is loaded
 * afterwards; -EBUSY when it could not be unloaded (a provider's log with
 * entries pins it); -ENOEXEC when the load failed (the module is absent).
 */
static inline int core_reload(const char *params)
{
	handles_remove_all();
	sim_unload();
	if (exists("/sys/module/tsm_rtmr_tpm"))
		sh("rmmod tsm_rtmr_tpm 2>/dev/null");
	if (exists("/sys/module/tsm_rtmr_tpm_provider"))
		sh("rmmod tsm_rtmr_tpm_provider 2>/dev/null");
	if (exists("/sys/module/tsm_rtmr") && sh("rmmod tsm_rtmr"))
		return -EBUSY;
	if (exists("/sys/module/tsm_rtmr"))
		return -EBUSY;
	sh("/sbin/modprobe tsm_rtmr %s", params ? params : "");
	return exists("/sys/module/tsm_rtmr") ? 0 : -ENOEXEC;
}

/*
 * An independent rendering of ascii_event_log from a parsed binary log
 * (spec section 5): "<recnum> <log_index> 0x<type:8> <alg>:<hex>...
 * <event hex or ->\n" per entry. Returns a malloc'd string.
 */
static inline char *ascii_render(const struct tlog *l, size_t *lenp)
{
	size_t cap = 4096, len = 0, k;
	char *out = malloc(cap);
	int i;

	for (k = 0; out && k < l->n; k++) {
		const struct log_entry *e = &l->e[k];
		size_t need = 64 + 2 * (size_t)e->event_size + 2;

		for (i = 0; i < e->ds.n; i++)
			need += 16 + 2 * e->ds.alg[i]->size;
		if (len + need > cap) {
			char *nb;

			while (len + need > cap)
				cap *= 2;
			nb = realloc(out, cap);
			if (!nb) {
				free(out);
				return NULL;
			}
			out = nb;
		}
		len += sprintf(out + len, "%zu %u 0x%08x", k, e->log_index,
			       e->event_type);
		for (i = 0; i < e->ds.n; i++) {
			len += sprintf(out + len, " %s:", e->ds.alg[i]->name);
			tr_hex(e->ds.d[i], e->ds.alg[i]->size, out + len);
			len += 2 * e->ds.alg[i]->size;
		}
		out[len++] = ' ';
		if (e->event_size) {
			tr_hex(e->event, e->event_size, out + len);
			len += 2 * (size_t)e->event_size;
		} else {
			out[len++] = '-';
		}
		out[len++] = '\n';
	}
	if (out)
		out[len] = '\0';
	*lenp = len;
	return out;
}

/* The simulator's extend delay (extend_delay_ms), in milliseconds. */
static inline int sim_extend_delay(unsigned int ms)
{
	char b[16];

	snprintf(b, sizeof(b), "%u\n", ms);
	return write_str(SIM_PARAMS "/extend_delay_ms", b);
}

#endif /* TSM_RTMR_TEST_H */
