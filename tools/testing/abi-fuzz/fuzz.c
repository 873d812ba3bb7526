// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr ABI fuzzer, run in the guest.
 *
 *   abi-fuzz [-t SECONDS] [-j PROCS] [-s SEED] [-R] [-T THREADS]
 *
 * PROCS processes (default 4), each seeded from SEED, perform random
 * operations for SECONDS (default 60) on the handle directory (CFS_ROOT:
 * /sys/kernel/config/tsm/rtmrs, or tsm-rtmr/rtmrs on 6.7+) and
 * /sys/kernel/security/tsm-rtmr: mkdir/rmdir of handles (shared names, so
 * processes race on the same handles), random and boundary writes to every
 * attribute (oversized, empty, NUL-containing, split over several write()
 * calls), provider rebinds, reads of every attribute and of the logs at
 * random offsets, writes to every provider's import file (its own or
 * another provider's log, mutated: flipped, cut, extended, spliced under
 * another header, or random bytes; at offset 0, at an offset, or split),
 * fault parameter changes, max_log_bytes changes, and (with -R, process 0
 * only) simulator reloads with random parameters.
 * Before each reload the other processes pause and the simulator's logs
 * are checked as below, since the reload discards them.
 *
 * With -T, each process also runs THREADS threads that share one set of
 * open files: every attribute of the process's own handle "fzt<N>" and the
 * four securityfs files of every provider. They interleave pread, preadv,
 * read, write and lseek on those same fds (the way a multi-threaded agent,
 * or processes sharing fds after fork, would). Every pread/preadv of a log
 * through a shared fd is compared with the same range read afterwards
 * through the thread's own fd of that log (logs are append-only). The set
 * is closed and reopened now and then (which also applies the event data
 * written to it), and around every reload.
 *
 * Afterwards: no fault pending, every log parses, `count` equals its
 * records, every register replays from its log with each uncertain record
 * in or out (so an import that was accepted wrongly shows there too: a
 * simulator never takes a record by import, and a log is adopted only if
 * it replays). Errors returned to the fuzzer are expected; what counts is
 * the kernel (the runner scans the console) and the invariants. Prints TAP
 * and the seed; the same seed replays the same operation sequence (the
 * interleaving of the processes is the scheduler's).
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#include "../stress/check.h"
#include "../lib/tap.h"

#define NHANDLES	6
#define MAX_EVENT	65536

static const char * const attrs[] = {
	"provider", "algs", "index", "log_index", "event_type", "event",
	"event_blob", "digest", "value", "last_recnum",
};

static const char * const sfs_files[] = {
	"binary_event_log", "ascii_event_log", "count", "state",
};

struct shared {
	volatile int stop;
	volatile int pause;	/* process 0 wants the others to wait */
	int paused, procs;
	long ops, reloads, commits_ok, commits_eio;
	long reload_checks, reload_check_records, reload_check_failures;
	long imports, imports_ok, imports_sim_records;
	/* -T: threads on shared fds */
	long t_ops, t_commits_ok, t_checked, t_mismatch, t_reopens;
	char t_why[4][256];
};

static struct shared *sh_;
static __thread uint64_t rng;	/* per thread: -T threads draw their own */
static unsigned char *big;

static uint64_t rnd(void)
{
	uint64_t x = rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng = x;
}

static unsigned int rn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static int nprov_names(char names[][32], int max)
{
	DIR *d = opendir(SFS_ROOT);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(names[n++], 32, "%s", de->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

/* Write @len bytes in 1-3 write() calls; configfs sees each call. */
static int write_split(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY);
	size_t off = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	if (!len) {
		r = write(fd, buf, 0) < 0 ? -errno : 0;
	}
	while (off < len) {
		size_t n = rn(3) ? len - off : 1 + rn(len - off);
		ssize_t w = write(fd, (const char *)buf + off, n);

		if (w <= 0) {
			r = w < 0 ? -errno : -EIO;
			break;
		}
		off += w;
	}
	if (close(fd) && !r)
		r = -errno;
	return r;
}

/* A digest string for the handle's current algorithms, maybe mangled. */
static size_t gen_digest(const char *h, char *out, size_t size)
{
	char algs[128];
	struct digests ds;
	size_t len;
	int i, j;

	if (h_read(h, "algs", algs, sizeof(algs)) <= 0 || banks_parse(&ds, algs))
		banks_parse(&ds, rn(2) ? "sha384" : "sha256 sha384");
	for (i = 0; i < ds.n; i++)
		for (j = 0; j < ds.alg[i]->size; j++)
			ds.d[i][j] = rnd();
	if (ds.n == 1 && rn(3) == 0) {
		tr_hex(ds.d[0], ds.alg[0]->size, out);
		len = strlen(out);
	} else {
		digest_str(&ds, out, size);
		len = strlen(out);
	}
	switch (rn(12)) {
	case 0:		/* truncate */
		len = rn(len + 1);
		break;
	case 1:		/* flip a character */
		if (len)
			out[rn(len)] = "gG:x \n\0Z"[rn(8)];
		break;
	case 2:		/* upper case */
		for (i = 0; i < (int)len; i++)
			if (out[i] >= 'a' && out[i] <= 'f')
				out[i] -= 32;
		break;
	case 3:		/* repeat */
		if (2 * len < size) {
			memcpy(out + len, out, len);
			len *= 2;
		}
		break;
	case 4:		/* NUL inside */
		if (len)
			out[rn(len)] = 0;
		break;
	default:
		break;
	}
	return len;
}

static size_t gen_value(const char *h, const char *attr, char *out,
			size_t size)
{
	static const char * const nums[] = {
		"0", "1", "2", "3", "4", "8", "23", "24", "31", "32", "-1",
		"0x3", "0x6", "0x80000001", "4294967295", "4294967296",
		"18446744073709551616", " 2", "2 ", "2\n", "02", "0b1", "",
		"\n", "1\0" "2", "+1", "0x", "3abc",
	};
	static const char * const provs[] = {
		"sim", "sim1", "sim2", "sim3", "tpm", "tdx", "snp-vtpm",
		"nope", "", "sim\n", "SIM", "sim ",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	unsigned int i;

	if (!rn(8)) {		/* raw random bytes of any size */
		size_t len = rn(8) ? rn(64) : rn(size);

		for (i = 0; i < len; i++)
			out[i] = rnd();
		return len;
	}
	if (!strcmp(attr, "digest"))
		return gen_digest(h, out, size);
	if (!strcmp(attr, "provider")) {
		i = rn((sizeof(provs) / sizeof(provs[0])));
		snprintf(out, size, "%s", provs[i]);
		return strlen(out);
	}
	i = rn((sizeof(nums) / sizeof(nums[0])));
	if (i == 24) {		/* "1\0002": keep the NUL */
		memcpy(out, "1\0" "2", 3);
		return 3;
	}
	snprintf(out, size, "%s", nums[i]);
	return strlen(out);
}

static void op_handle(int id)
{
	char h[32], path[256];
	static char buf[MAX_EVENT + 4096];
	const char *attr;
	size_t len;
	int r;

	snprintf(h, sizeof(h), "fz%u", rn(NHANDLES));
	switch (rn(16)) {
	case 0:
		h_mkdir_raw(h);
		return;
	case 1:
		h_rmdir(h);
		return;
	default:
		break;
	}
	/* commits are what the invariants are about: a third of the ops */
	attr = rn(3) ? attrs[rn(sizeof(attrs) / sizeof(attrs[0]))] : "digest";
	snprintf(path, sizeof(path), "%s/%s/%s", CFS_ROOT, h, attr);
	if (rn(3) == 0) {	/* read */
		int fd = open(path, O_RDONLY);

		if (fd >= 0) {
			if (pread(fd, buf, 1 + rn(sizeof(buf) - 1), rn(4) ? 0 : rn(200)) < 0)
				(void)0;
			close(fd);
		}
		return;
	}
	/* both doors get every size: each must refuse what it cannot take */
	if (!strncmp(attr, "event", 5) && strcmp(attr, "event_type")) {
		static const size_t sizes[] = { 0, 1, 4095, 4096, 4097,
						MAX_EVENT - 1, MAX_EVENT,
						MAX_EVENT + 1, MAX_EVENT + 4096 };

		len = rn(2) ? rn(300) : sizes[rn((sizeof(sizes) / sizeof(sizes[0])))];
		memset(buf, rnd(), len);
		r = write_split(path, buf, len);
		return;
	}
	if (!strcmp(attr, "digest") && rn(2)) {
		/* a well-formed commit most of the time: index first */
		char ix[8];

		snprintf(ix, sizeof(ix), "%u", rn(4) ? rn(4) : rn(32));
		snprintf(path, sizeof(path), "%s/%s/index", CFS_ROOT, h);
		write_split(path, ix, strlen(ix));
		snprintf(path, sizeof(path), "%s/%s/digest", CFS_ROOT, h);
	}
	len = gen_value(h, attr, buf, sizeof(buf));
	r = write_split(path, buf, len);
	if (!strcmp(attr, "digest")) {
		if (!r)
			__atomic_add_fetch(&sh_->commits_ok, 1, __ATOMIC_RELAXED);
		else if (r == -EIO)
			__atomic_add_fetch(&sh_->commits_eio, 1, __ATOMIC_RELAXED);
	}
	(void)id;
}

static void op_log_read(void)
{
	char names[8][32], path[256];
	static char buf[1 << 16];
	int n = nprov_names(names, 8), fd;

	if (!n)
		return;
	snprintf(path, sizeof(path), SFS_ROOT "/%s/%s", names[rn(n)],
		 sfs_files[rn(4)]);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (rn(4)) {
		if (pread(fd, buf, 1 + rn(sizeof(buf) - 1), rn(1 << 16)) < 0)
			(void)0;
	} else {
		while (read(fd, buf, 1 + rn(sizeof(buf) - 1)) > 0)
			;
	}
	close(fd);
}

/* Bytes of the header record at the start of @b, or 0 if it has none. */
static size_t header_len(const unsigned char *b, size_t len)
{
	size_t hl;

	if (len < 32)
		return 0;
	hl = 32 + (size_t)get32(b + 28);
	return hl <= len ? hl : 0;
}

/*
 * Mutate a log of @len bytes in @b (room for IMPORT_MAX) for an import into
 * a provider whose own log is @own: returns the new length.
 */
#define IMPORT_MAX	(1 << 20)

static size_t import_mutate(unsigned char *b, size_t len,
			    const unsigned char *own, size_t own_len)
{
	size_t hl = header_len(b, len), oh = header_len(own, own_len), i, n;

	switch (rn(10)) {
	case 0:		/* flip a byte */
		if (len)
			b[rn(len)] ^= 1 << rn(8);
		break;
	case 1:		/* cut anywhere */
		len = rn(len + 1);
		break;
	case 2:		/* trailing junk */
		n = 1 + rn(200);
		for (i = 0; i < n && len < IMPORT_MAX; i++)
			b[len++] = rnd();
		break;
	case 3:		/* a record repeated */
		n = len > hl ? rn(len - hl) : 0;
		if (n && len + n <= IMPORT_MAX) {
			memcpy(b + len, b + hl, n);
			len += n;
		}
		break;
	case 4:		/* the header alone */
		len = hl;
		break;
	case 5:		/* random bytes */
		len = rn(4096);
		for (i = 0; i < len; i++)
			b[i] = rnd();
		break;
	case 6: case 7:	/* the records under the target's own header */
		if (oh && hl && oh + len - hl <= IMPORT_MAX) {
			memmove(b + oh, b + hl, len - hl);
			memcpy(b, own, oh);
			len = oh + len - hl;
		}
		break;
	default:	/* as it is */
		break;
	}
	return len;
}

/* One write of a log, maybe at an offset, or split over several writes. */
static ssize_t import_write(const char *path, const unsigned char *b,
			    size_t len)
{
	ssize_t n;
	int fd;

	if (!rn(6))
		return write_split(path, b, len) ?: (ssize_t)len;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = rn(8) ? write(fd, b, len) : pwrite(fd, b, len, rn(len + 1));
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * Write a log, mostly a real one of some provider (mutated), to a
 * provider's import file. Errors are expected; an accepted log must leave
 * every log replaying (the final checks), and a simulator must never gain
 * a record by import.
 */
static void op_import(void)
{
	static unsigned char buf[IMPORT_MAX];
	unsigned char *src = NULL, *own = NULL;
	char names[8][32], path[256];
	int n = nprov_names(names, 8);
	const char *target;
	ssize_t slen, olen, r;
	size_t len;

	if (!n)
		return;
	target = names[rn(n)];
	slen = prov_log(names[rn(n)], &src);
	olen = prov_log(target, &own);
	if (slen < 0 || olen < 0)
		goto out;
	len = (size_t)slen < IMPORT_MAX ? (size_t)slen : IMPORT_MAX;
	memcpy(buf, src, len);
	len = import_mutate(buf, len, own, olen);
	snprintf(path, sizeof(path), SFS_ROOT "/%s/import", target);
	r = import_write(path, buf, len);
	__atomic_add_fetch(&sh_->imports, 1, __ATOMIC_RELAXED);
	if (r != (ssize_t)len || !len)
		goto out;
	__atomic_add_fetch(&sh_->imports_ok, 1, __ATOMIC_RELAXED);
	/* accepted: a simulator takes a header alone, never a record */
	if (!strncmp(target, "sim", 3) && len > header_len(buf, len))
		__atomic_add_fetch(&sh_->imports_sim_records, 1,
				   __ATOMIC_RELAXED);
out:
	free(src);
	free(own);
}

/* ------------------------------------------------------------------ */
/* -T: threads sharing one set of open files                           */

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define TS_MAX_THREADS	16
#define TS_MAX_PROV	8
#define TS_BUF		(1 << 16)

enum { LOG_BIN, LOG_ASCII, LOG_COUNT, LOG_STATE, LOG_NR };

/* A shared fd and what it is. */
struct tfd {
	int fd;
	int kind;		/* LOG_* for logs, -1 for an attribute */
	int prov;		/* index into the providers, for logs */
	const char *attr;	/* attribute name, for attributes */
};

/**
 * struct tset - one process's set of shared fds, used by its threads
 * @lock: threads hold it for reading around each operation; the process's
 *	main thread holds it for writing to close and reopen the set (writer
 *	preferred, so threads park while it waits)
 * @open: the fds are open
 * @f: the shared fds
 * @nf: how many
 * @priv: each thread's own fd of the binary and ascii log of every provider
 * @nprov: providers at open time
 */
struct tset {
	pthread_rwlock_t lock;
	bool open;
	struct tfd f[ARRAY_SIZE(attrs) + TS_MAX_PROV * LOG_NR];
	int nf;
	int priv[TS_MAX_THREADS][TS_MAX_PROV][2];
	int nprov;
	char handle[32];
};

static struct tset tset;
static int nthreads;
static pthread_t tids[TS_MAX_THREADS];

static void tset_close(void)
{
	int i, p;

	if (!nthreads)
		return;
	pthread_rwlock_wrlock(&tset.lock);
	if (tset.open) {
		for (i = 0; i < tset.nf; i++)
			close(tset.f[i].fd);
		for (i = 0; i < nthreads; i++)
			for (p = 0; p < tset.nprov; p++) {
				close(tset.priv[i][p][0]);
				close(tset.priv[i][p][1]);
			}
		tset.nf = 0;
		tset.open = false;
		h_rmdir(tset.handle);
	}
	/* still held: the threads wait until tset_open() */
}

static void tset_open(void)
{
	char names[TS_MAX_PROV][32];
	int i, p, k;

	if (!nthreads)
		return;
	tset.nf = 0;
	if (!h_mkdir_raw(tset.handle) || errno == EEXIST) {
		for (i = 0; i < (int)ARRAY_SIZE(attrs); i++) {
			char path[256];
			int fd;

			snprintf(path, sizeof(path), "%s/%s/%s", CFS_ROOT,
				 tset.handle, attrs[i]);
			fd = open(path, O_RDWR);
			if (fd < 0)
				fd = open(path, O_WRONLY);
			if (fd < 0)
				fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			tset.f[tset.nf++] = (struct tfd) {
				.fd = fd, .kind = -1, .attr = attrs[i],
			};
		}
	}
	tset.nprov = nprov_names(names, TS_MAX_PROV);
	for (p = 0; p < tset.nprov; p++) {
		for (k = 0; k < LOG_NR; k++) {
			char path[256];
			int fd;

			snprintf(path, sizeof(path), SFS_ROOT "/%s/%s",
				 names[p], sfs_files[k]);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			tset.f[tset.nf++] = (struct tfd) {
				.fd = fd, .kind = k, .prov = p,
			};
		}
		/* the threads' own fds, opened now: the same log */
		for (i = 0; i < nthreads; i++)
			for (k = 0; k < 2; k++) {
				char path[256];

				snprintf(path, sizeof(path), SFS_ROOT "/%s/%s",
					 names[p], sfs_files[k]);
				tset.priv[i][p][k] = open(path, O_RDONLY);
			}
	}
	tset.open = true;
	__atomic_add_fetch(&sh_->t_reopens, 1, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&tset.lock);
}

static void t_fail(const char *fmt, ...)
{
	long k = __atomic_fetch_add(&sh_->t_mismatch, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (k >= 4)
		return;
	va_start(ap, fmt);
	vsnprintf(sh_->t_why[k], sizeof(sh_->t_why[k]), fmt, ap);
	va_end(ap);
	printf("# abi-fuzz: shared fd: %s\n", sh_->t_why[k]);
}

/* The bytes a shared fd returned equal the thread's own fd's, same range. */
static void t_check(int priv, const struct tfd *f, const char *how,
		    const unsigned char *got, size_t n, off_t off,
		    unsigned char *tmp)
{
	size_t have = 0;
	ssize_t m;

	if (priv < 0 || !n)
		return;
	while (have < n) {
		m = pread(priv, tmp + have, n - have, off + have);
		if (m <= 0)
			break;
		have += m;
	}
	__atomic_add_fetch(&sh_->t_checked, 1, __ATOMIC_RELAXED);
	if (have < n || memcmp(got, tmp, n)) {
		size_t at = 0;

		while (at < have && at < n && got[at] == tmp[at])
			at++;
		t_fail("%s %s(offset %lld, %zu bytes): differs at byte %zu from the same range read again (%zu bytes)",
		       sfs_files[f->kind], how, (long long)off, n, at, have);
	}
}

static void t_op(int tid, unsigned char *buf, unsigned char *tmp,
		 uint64_t *end)
{
	struct tfd *f;
	struct iovec iov[3];
	off_t off;
	size_t len, left, at;
	ssize_t n;
	int k;

	pthread_rwlock_rdlock(&tset.lock);
	if (!tset.open || !tset.nf) {
		pthread_rwlock_unlock(&tset.lock);
		usleep(1000);
		return;
	}
	f = &tset.f[rn(tset.nf)];
	if (f->kind == LOG_BIN || f->kind == LOG_ASCII) {
		uint64_t *e = &end[f->prov * 2 + f->kind];

		off = rn(4) ? rn(*e + 1) : (off_t)*e;
		if (!rn(2) && *e > 8192)
			off = *e - rn(8192);
	} else {
		off = rn(4) ? 0 : rn(256);
	}
	len = 1 + (rn(8) ? rn(4096) : rn(TS_BUF - 1));
	switch (rn(10)) {
	case 0: case 1: case 2: case 3:
		n = pread(f->fd, buf, len, off);
		if (n > 0 && f->kind >= 0 && f->kind <= LOG_ASCII) {
			t_check(tset.priv[tid][f->prov][f->kind], f, "pread",
				buf, n, off, tmp);
			if ((uint64_t)(off + n) > end[f->prov * 2 + f->kind])
				end[f->prov * 2 + f->kind] = off + n;
		}
		break;
	case 4: case 5:
		left = len;
		at = 0;
		for (k = 0; k < 3 && left; k++) {
			size_t part = k == 2 ? left : 1 + rn(left);

			iov[k].iov_base = buf + at;
			iov[k].iov_len = part;
			at += part;
			left -= part;
		}
		n = preadv(f->fd, iov, k, off);
		if (n > 0 && f->kind >= 0 && f->kind <= LOG_ASCII)
			t_check(tset.priv[tid][f->prov][f->kind], f, "preadv",
				buf, n, off, tmp);
		break;
	case 6:
		if (read(f->fd, buf, len) < 0)
			(void)0;
		break;
	case 7:
		lseek(f->fd, rn(3) ? off : (off_t)rnd(),
		      (int[]){ SEEK_SET, SEEK_CUR, SEEK_END }[rn(3)]);
		break;
	default:	/* write: whatever the attribute takes, or junk */
		if (f->kind >= 0 || !strcmp(f->attr, "event") ||
		    !strcmp(f->attr, "event_blob")) {
			len = rn(300);
			for (at = 0; at < len; at++)
				buf[at] = rnd();
		} else {
			len = gen_value(tset.handle, f->attr, (char *)buf,
					TS_BUF);
		}
		n = rn(4) ? write(f->fd, buf, len) : pwrite(f->fd, buf, len, off);
		if (f->kind < 0 && !strcmp(f->attr, "digest") && n > 0)
			__atomic_add_fetch(&sh_->t_commits_ok, 1,
					   __ATOMIC_RELAXED);
		break;
	}
	pthread_rwlock_unlock(&tset.lock);
	__atomic_add_fetch(&sh_->t_ops, 1, __ATOMIC_RELAXED);
}

struct targ {
	int tid;
	uint64_t seed;
};

static void *t_main(void *p)
{
	struct targ *a = p;
	unsigned char *buf = malloc(TS_BUF), *tmp = malloc(TS_BUF);
	uint64_t end[TS_MAX_PROV * 2] = { 0 };

	rng = a->seed ? a->seed : 1;
	while (buf && tmp && !sh_->stop)
		t_op(a->tid, buf, tmp, end);
	free(buf);
	free(tmp);
	return NULL;
}

static void threads_start(int id, uint64_t seed)
{
	static struct targ a[TS_MAX_THREADS];
	pthread_rwlockattr_t ra;
	int i;

	if (!nthreads)
		return;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&tset.lock, &ra);
	snprintf(tset.handle, sizeof(tset.handle), "fzt%d", id);
	pthread_rwlock_wrlock(&tset.lock);
	tset_open();
	for (i = 0; i < nthreads; i++) {
		a[i] = (struct targ) { .tid = i,
				       .seed = seed * 2862933555777941757ULL + i };
		if (pthread_create(&tids[i], NULL, t_main, &a[i])) {
			nthreads = i;
			break;
		}
	}
}

static void threads_stop(void)
{
	int i;

	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	tset_close();
	if (nthreads)
		pthread_rwlock_unlock(&tset.lock);
}

static int check_provider(const char *name, bool quiet, long *records);
static void quiesce(void);

/* Process 0: make the others wait; false if they are leaving instead. */
static bool pause_others(void)
{
	sh_->pause = 1;
	while (__atomic_load_n(&sh_->paused, __ATOMIC_ACQUIRE) < sh_->procs - 1) {
		if (sh_->stop) {
			sh_->pause = 0;
			return false;
		}
		usleep(1000);
	}
	return true;
}

/*
 * The reload throws the simulator's logs away: check them first, while the
 * others wait, so that registers and logs hold still.
 */
static void check_sims_before_reload(void)
{
	char names[8][32];
	int n, i;

	quiesce();
	n = nprov_names(names, 8);
	for (i = 0; i < n; i++) {
		if (strncmp(names[i], "sim", 3))
			continue;
		sh_->reload_checks++;
		if (check_provider(names[i], true, &sh_->reload_check_records))
			sh_->reload_check_failures++;
	}
}

static void op_param(bool may_reload)
{
	static const char * const faults[] = {
		"none", "before", "after", "lost", "bogus", "", "lost\n",
		"before after",
	};
	char b[32];

	switch (rn(4)) {
	case 0:
	case 1:
		write_str(SIM_PARAMS "/fault", faults[rn((sizeof(faults) / sizeof(faults[0])))]);
		break;
	case 2:
		/* a small limit now and then; mostly the default */
		snprintf(b, sizeof(b), "%lu", rn(4) ? DEFAULT_MAX_LOG_BYTES :
			 (unsigned long)(100 + rn(1 << 20)));
		write_str(CORE_PARAMS "/max_log_bytes", b);
		break;
	default:
		if (may_reload && exists(SIM_MODDIR) && !rn(20) &&
		    pause_others()) {
			char cmd[160];

			/* quiesce() also drops the handles that pin the module */
			tset_close();
			check_sims_before_reload();
			if (!sh("rmmod tsm_rtmr_sim 2>/dev/null")) {
				static const char * const algs[] = {
					"sha384", "sha256", "sha256,sha384",
					"sha1,sha256,sha384,sha512", "sha512",
				};
				snprintf(cmd, sizeof(cmd),
					 "modprobe tsm_rtmr_sim nr_registers=%u algs=%s instances=%u",
					 1 + rn(32), algs[rn(5)], 1 + rn(4));
				sh("%s", cmd);
				__atomic_add_fetch(&sh_->reloads, 1,
						   __ATOMIC_RELAXED);
			}
			sh_->pause = 0;
			tset_open();
		} else if (may_reload && !exists(SIM_MODDIR)) {
			sh("modprobe tsm_rtmr_sim algs=sha256,sha384");
		}
		break;
	}
}

static void worker(int id, uint64_t seed, bool reload)
{
	rng = seed ? seed : 1;
	threads_start(id, seed);
	while (!sh_->stop) {
		unsigned int o = rn(100);

		if (sh_->pause && id) {
			/* the shared set's handle would pin the simulator */
			tset_close();
			__atomic_add_fetch(&sh_->paused, 1, __ATOMIC_RELEASE);
			while (sh_->pause && !sh_->stop)
				usleep(1000);
			__atomic_sub_fetch(&sh_->paused, 1, __ATOMIC_RELEASE);
			tset_open();
			continue;
		}
		/* now and then a fresh set: the last close applies its event */
		if (nthreads && !rn(200)) {
			tset_close();
			tset_open();
		}

		if (o < 70)
			op_handle(id);
		else if (o < 86)
			op_log_read();
		else if (o < 90)
			op_import();
		else
			op_param(id == 0 && reload);
		__atomic_add_fetch(&sh_->ops, 1, __ATOMIC_RELAXED);
	}
	threads_stop();
	_exit(0);
}

/*
 * A check's outcome: a TAP line in the final check; before a reload (in a
 * worker, whose TAP numbering the parent cannot see) only a failure is
 * printed, as a diagnostic, and counted in shared memory.
 */
static void verdict(bool quiet, bool ok, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!quiet)
		tap(ok, "%s", msg);
	else if (!ok)
		printf("# abi-fuzz: before reload %ld: FAILED: %s\n",
		       sh_->reloads + 1, msg);
}

/* No fault pending, the default limit, every fuzz handle gone. */
static void quiesce(void)
{
	char b[24];
	int i;

	write_str(SIM_PARAMS "/fault", "none");
	snprintf(b, sizeof(b), "%lu", DEFAULT_MAX_LOG_BYTES);
	write_str(CORE_PARAMS "/max_log_bytes", b);
	for (i = 0; i < NHANDLES; i++) {
		snprintf(b, sizeof(b), "fz%d", i);
		h_rmdir(b);
	}
}

/*
 * Check one provider's log against its registers. @quiet: print only what
 * fails (the checks before each reload). Adds the records checked to
 * *@records unless it is NULL. Returns non-zero on a failure.
 */
static int check_provider(const char *name, bool quiet, long *records)
{
	unsigned char *raw = NULL;
	struct prov p;
	struct tlog l = { 0 };
	char err[256], obs[64];
	long unc[4096], count;
	int nunc, ri, bad = 0;

	if (discover(name, &p, "fz")) {
		verdict(quiet, true, "%s: no extendable register to check # SKIP",
			name);
		return 0;
	}
	snprintf(obs, sizeof(obs), "fz-obs-%s", name);
	if (prov_log_parse(name, &raw, NULL, &l, err, sizeof(err))) {
		verdict(quiet, false, "%s: log parses: %s", name, err);
		free(raw);
		h_rmdir(obs);
		return 1;
	}
	if (records)
		*records += l.n;
	count = prov_count(name);
	bad |= count != (long)l.n;
	verdict(quiet, count == (long)l.n,
		"%s: log parses, count %ld == %zu records", name, count, l.n);
	nunc = uncertain_list(name, unc, 4096);
	bad |= nunc < 0;
	verdict(quiet, nunc >= 0, "%s: state lists %d uncertain", name, nunc);
	for (ri = 0; ri < p.nregs; ri++) {
		int r = replay_check(&p, &l, unc, nunc < 0 ? 0 : nunc, ri, obs);

		if (r) {
			verdict(quiet, false, "%s: register %d replays: %s",
				name, p.reg[ri], errname(r));
			bad = 1;
		}
	}
	if (!bad)
		verdict(quiet, true, "%s: %d registers replay from the log",
			name, p.nregs);
	log_free(&l);
	free(raw);
	h_rmdir(obs);
	return bad;
}

static void check_all(void)
{
	char names[8][32];
	int n, i;

	n = nprov_names(names, 8);
	for (i = 0; i < n; i++)
		check_provider(names[i], false, NULL);
}

int main(int argc, char **argv)
{
	long secs = 60, procs = 4;
	uint64_t seed = 0;
	bool reload = false;
	int opt, i, status;
	pid_t *pids;

	tap_prefix = "abi-fuzz: ";
	while ((opt = getopt(argc, argv, "t:j:s:RT:")) != -1) {
		switch (opt) {
		case 't': secs = atol(optarg); break;
		case 'j': procs = atol(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'R': reload = true; break;
		case 'T':
			nthreads = atoi(optarg);
			if (nthreads < 0 || nthreads > TS_MAX_THREADS) {
				fprintf(stderr, "abi-fuzz: -T takes 0-%d\n",
					TS_MAX_THREADS);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: abi-fuzz [-t SECS] [-j PROCS] [-s SEED] [-R] [-T THREADS]\n");
			return 2;
		}
	}
	if (!seed)
		seed = ((uint64_t)time(NULL) << 16) ^ getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# abi-fuzz: seed %llu, %ld processes, %ld s%s, %d threads per process on shared fds\n",
	       (unsigned long long)seed, procs, secs,
	       reload ? ", simulator reloads" : "", nthreads);
	sh_ = mmap(NULL, sizeof(*sh_), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh_ == MAP_FAILED)
		return 2;
	memset(sh_, 0, sizeof(*sh_));
	sh_->procs = procs;
	(void)big;
	pids = calloc(procs, sizeof(*pids));
	for (i = 0; i < procs; i++) {
		pids[i] = fork();
		if (!pids[i])
			worker(i, seed * 6364136223846793005ULL + i + 1, reload);
	}
	sleep(secs);
	sh_->stop = 1;
	for (i = 0; i < procs; i++)
		waitpid(pids[i], &status, 0);
	printf("# abi-fuzz: %ld operations (%.0f/s), %ld commits ok, %ld EIO, %ld reloads\n",
	       sh_->ops, (double)sh_->ops / secs, sh_->commits_ok,
	       sh_->commits_eio, sh_->reloads);

	quiesce();
	tap(sh_->ops > 0, "%ld operations ran", sh_->ops);
	tap(sh_->imports > 0 && !sh_->imports_sim_records,
	    "%ld imports, %ld accepted, %ld accepted records into a simulator",
	    sh_->imports, sh_->imports_ok, sh_->imports_sim_records);
	if (nthreads)
		tap(sh_->t_ops > 0 && sh_->t_checked > 0 && !sh_->t_mismatch,
		    "%d threads x %ld processes on shared fds: %ld operations, %ld commits, %ld log reads checked against a private fd, %ld differ, %ld sets opened",
		    nthreads, procs, sh_->t_ops, sh_->t_commits_ok,
		    sh_->t_checked, sh_->t_mismatch, sh_->t_reopens);
	if (reload)
		tap(!sh_->reload_check_failures,
		    "%ld simulator logs (%ld records) checked before %ld reloads, %ld failed",
		    sh_->reload_checks, sh_->reload_check_records,
		    sh_->reloads, sh_->reload_check_failures);
	check_all();
	if (tap_done()) {
		printf("# abi-fuzz: FAILED, seed %llu\n", (unsigned long long)seed);
		return 1;
	}
	return 0;
}
