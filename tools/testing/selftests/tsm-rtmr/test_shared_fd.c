// SPDX-License-Identifier: GPL-2.0
/*
 * Readers sharing one open file (spec section 5: any number of concurrent
 * readers, on one open file or many, each get exactly the bytes of the log
 * at their offsets; no reader state is shared without a lock).
 *
 * One open file each of binary_event_log, ascii_event_log, count and state
 * is shared by READ_PROCS processes (forked after the open) of READ_THREADS
 * threads each. They pread, preadv and read (lseek + read under a
 * process-shared mutex, so that the offset is known; preads take no such
 * lock and run alongside) at random offsets and lengths, biased to the
 * growing tail, while WRITERS other processes commit entries with event data
 * of random sizes. Every chunk returned is recorded (offset, length, hash,
 * first bytes) and checked at the end against the final logs: both logs are
 * append-only, so bytes once readable never change. count reads must be
 * "N\n", never decreasing within a thread and at most the final count;
 * state reads "ok\n" (no fault is injected). The final ascii_event_log must
 * equal an independent rendering of the parsed binary log.
 *
 * Issue 12 item 1: each open ascii_event_log kept scratch buffers that the
 * reader grew with kvfree + kvmalloc and formatted into, with no lock: wrong
 * lines, double frees, a dead guest.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS		"sha256,sha384"
#define PROV		"sim"
#define WRITERS		2
#define MAX_COMMITS	4000		/* per writer: keeps the logs ~10 MB */
#define READ_PROCS	3
#define READ_THREADS	3
#define RUN_MS		6000		/* at least this long, */
#define RUN_MAX_MS	90000		/* until the floors below are met */
#define MIN_COMMITS	50		/* by both writers together */
#define MIN_READS	200		/* of each file read */
#define MAX_CHUNKS	(1 << 18)
#define HEAD		24
#define BUFSZ		65536

enum { F_BIN, F_ASCII, F_COUNT, F_STATE, F_NR };

static const char *const fname[F_NR] = {
	"binary_event_log", "ascii_event_log", "count", "state",
};

enum { OP_PREAD, OP_PREADV, OP_READ, OP_NR };

static const char *const opname[OP_NR] = { "pread", "preadv", "read" };

struct chunk {
	uint64_t off;
	uint64_t hash;
	uint32_t len;
	uint8_t file, op, reader;
	unsigned char head[HEAD];
};

struct shm {
	volatile int stop;
	pthread_mutex_t pos_lock[F_NR];
	long nchunks;
	long reads[F_NR];
	long bad;
	char why[4][256];
	long max_count;
	long commits[WRITERS];
	int writer_err[WRITERS];
	char writer_why[WRITERS][128];
	struct chunk c[MAX_CHUNKS];
};

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 8) & 0xffffff;
}

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void fail(struct shm *s, const char *fmt, ...)
{
	long k = __atomic_fetch_add(&s->bad, 1, __ATOMIC_RELAXED);
	va_list ap;

	if (k >= 4)
		return;
	va_start(ap, fmt);
	vsnprintf(s->why[k], sizeof(s->why[k]), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------------ */
/* writers                                                             */

static void writer(struct shm *s, int w)
{
	static unsigned char ev[12000];
	unsigned int seed = 1234 + w;
	struct digests d;
	char h[16], t[32];
	int n, r = 0;

	snprintf(h, sizeof(h), "sfw%d", w);
	r = h_open(h, NULL, w);
	for (n = 0; !r && !s->stop && n < MAX_COMMITS; n++) {
		size_t len = rnd(&seed) % 8 ? rnd(&seed) % 1500 :
			     rnd(&seed) % sizeof(ev);
		size_t k;

		for (k = 0; k < len; k++)
			ev[k] = rnd(&seed);
		if (n % 4 == 0)
			r = h_index(h, rnd(&seed) % 4);
		if (!r && n % 3 == 0) {
			snprintf(t, sizeof(t), "0x%x", n % 2 ? 0xd :
				 0x80000000 + rnd(&seed) % 16);
			r = h_write(h, "event_type", t);
		}
		if (!r && len)
			r = h_event(h, ev, len);
		if (!r)
			r = digests_of(&d, BANKS, ev, len);
		if (!r)
			r = h_commit(h, &d);
		if (!r)
			s->commits[w]++;
	}
	if (r) {
		s->writer_err[w] = r;
		snprintf(s->writer_why[w], sizeof(s->writer_why[w]),
			 "writer %d, commit %d: %s", w, n, errname(r));
	}
}

/* ------------------------------------------------------------------ */
/* readers                                                             */

struct rarg {
	struct shm *s;
	const int *fd;
	unsigned int files;
	int id;
};

static int pick_file(unsigned int files, unsigned int *seed)
{
	for (;;) {
		unsigned int x = rnd(seed) % 100;
		int f = x < 40 ? F_ASCII : x < 75 ? F_BIN : x < 88 ? F_COUNT :
			F_STATE;

		if (files & (1u << f))
			return f;
	}
}

/*
 * One read of @len bytes at @off with @op: bytes, or -errno. A preadv of
 * count or state starts with a 1-4 byte iovec: one preadv is one read, so
 * a number split over iovecs must still be one rendering of it, not the
 * head of one count and the tail of a later one.
 */
static ssize_t do_read(struct shm *s, int f, int fd, int op, unsigned char *buf,
		       size_t len, uint64_t off, unsigned int *seed)
{
	struct iovec iov[3];
	ssize_t n;
	int k, e;

	switch (op) {
	case OP_PREAD:
		n = pread(fd, buf, len, off);
		break;
	case OP_PREADV: {
		size_t left = len, at = 0;

		for (k = 0; k < 3 && left; k++) {
			size_t part = k == 2 ? left : 1 + rnd(seed) % left;

			if (!k && (f == F_COUNT || f == F_STATE))
				part = 1 + rnd(seed) % 4;

			iov[k].iov_base = buf + at;
			iov[k].iov_len = part;
			at += part;
			left -= part;
		}
		n = preadv(fd, iov, k, off);
		break;
	}
	default:
		pthread_mutex_lock(&s->pos_lock[f]);
		if (lseek(fd, off, SEEK_SET) != (off_t)off)
			n = -1;
		else
			n = read(fd, buf, len);
		e = errno;
		pthread_mutex_unlock(&s->pos_lock[f]);
		errno = e;
		break;
	}
	return n < 0 ? -errno : n;
}

static void small_file(struct rarg *a, int f, unsigned int *seed,
		       long *last_count)
{
	struct shm *s = a->s;
	unsigned char b[256];
	int op = rnd(seed) % OP_NR;
	ssize_t n = do_read(s, f, a->fd[f], op, b, sizeof(b) - 1, 0, seed);
	char *end;
	long v;

	__atomic_add_fetch(&s->reads[f], 1, __ATOMIC_RELAXED);
	if (n < 0) {
		fail(s, "%s %s: %s", fname[f], opname[op], errname(n));
		return;
	}
	b[n] = '\0';
	if (f == F_STATE) {
		if (strcmp((char *)b, "ok\n"))
			fail(s, "state %s returned '%.60s'", opname[op], b);
		return;
	}
	v = strtol((char *)b, &end, 10);
	if (end == (char *)b || strcmp(end, "\n") || v < 0) {
		fail(s, "count %s returned '%.60s'", opname[op], b);
		return;
	}
	if (v < *last_count)
		fail(s, "count went back from %ld to %ld in one thread (%s)",
		     *last_count, v, opname[op]);
	*last_count = v;
	for (long m = __atomic_load_n(&s->max_count, __ATOMIC_RELAXED);
	     v > m && !__atomic_compare_exchange_n(&s->max_count, &m, v, false,
						   __ATOMIC_RELAXED,
						   __ATOMIC_RELAXED);)
		;
}

static void *reader(void *p)
{
	struct rarg *a = p;
	struct shm *s = a->s;
	unsigned int seed = 0x9e3779b9u * (a->id + 1);
	unsigned char *buf = malloc(BUFSZ);
	uint64_t end[F_NR] = { 0 };
	long last_count = 0;

	if (!buf) {
		fail(s, "reader %d: out of memory", a->id);
		return NULL;
	}
	while (!s->stop) {
		int f = pick_file(a->files, &seed);
		int op = rnd(&seed) % 10;
		unsigned int where = rnd(&seed) % 8;
		uint64_t off;
		size_t len;
		ssize_t n;
		long slot;

		if (f == F_COUNT || f == F_STATE) {
			small_file(a, f, &seed, &last_count);
			continue;
		}
		op = op < 5 ? OP_PREAD : op < 8 ? OP_PREADV : OP_READ;
		if (where < 2)		/* anywhere */
			off = rnd(&seed) % (end[f] + 1);
		else if (where < 7)	/* the last few lines */
			off = end[f] - rnd(&seed) % (end[f] < 8192 ?
						     end[f] + 1 : 8192);
		else			/* chase the end */
			off = end[f];
		len = where == 7 ? BUFSZ : 1 + (rnd(&seed) % 8 ?
						rnd(&seed) % 4096 :
						rnd(&seed) % BUFSZ);
		n = do_read(s, f, a->fd[f], op, buf, len, off, &seed);
		__atomic_add_fetch(&s->reads[f], 1, __ATOMIC_RELAXED);
		if (n < 0) {
			fail(s, "%s %s(offset %llu, %zu bytes): %s", fname[f],
			     opname[op], (unsigned long long)off, len,
			     errname(n));
			continue;
		}
		if ((size_t)n > len) {
			fail(s, "%s %s(offset %llu, %zu bytes) returned %zd",
			     fname[f], opname[op], (unsigned long long)off,
			     len, n);
			continue;
		}
		if (!n)
			continue;
		if (off + n > end[f])
			end[f] = off + n;
		slot = __atomic_fetch_add(&s->nchunks, 1, __ATOMIC_RELAXED);
		if (slot >= MAX_CHUNKS)
			continue;	/* enough recorded; keep the pressure on */
		s->c[slot] = (struct chunk) {
			.off = off, .len = n, .file = f, .op = op,
			.reader = a->id, .hash = fnv(buf, n),
		};
		memcpy(s->c[slot].head, buf, n < HEAD ? n : HEAD);
	}
	free(buf);
	return NULL;
}

static void reader_proc(struct shm *s, const int *fd, unsigned int files,
			int p)
{
	pthread_t t[READ_THREADS];
	struct rarg a[READ_THREADS];
	int i;

	for (i = 0; i < READ_THREADS; i++) {
		a[i] = (struct rarg) { .s = s, .fd = fd, .files = files,
				       .id = p * READ_THREADS + i };
		if (pthread_create(&t[i], NULL, reader, &a[i])) {
			fail(s, "pthread_create failed");
			break;
		}
	}
	while (i--)
		pthread_join(t[i], NULL);
}

/* ------------------------------------------------------------------ */

FIXTURE(shared) {
	struct shm *s;
};

FIXTURE_VARIANT(shared) {
	unsigned int files;
};

FIXTURE_VARIANT_ADD(shared, binary) {
	.files = 1u << F_BIN,
};

FIXTURE_VARIANT_ADD(shared, count_state) {
	.files = 1u << F_COUNT | 1u << F_STATE,
};

FIXTURE_VARIANT_ADD(shared, ascii) {
	.files = 1u << F_ASCII,
};

FIXTURE_VARIANT_ADD(shared, all_four) {
	.files = 1u << F_BIN | 1u << F_ASCII | 1u << F_COUNT | 1u << F_STATE,
};

FIXTURE_SETUP(shared)
{
	pthread_mutexattr_t ma;
	int f;

	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	self->s = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->s);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	for (f = 0; f < F_NR; f++)
		pthread_mutex_init(&self->s->pos_lock[f], &ma);
	pthread_mutexattr_destroy(&ma);
}

FIXTURE_TEARDOWN(shared)
{
	if (self->s != MAP_FAILED && self->s)
		munmap(self->s, sizeof(struct shm));
	tsm_cleanup();
}

static void printable(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.';
	out[n] = '\0';
}

static bool floors_met(struct shm *s, unsigned int files)
{
	int i;

	if (__atomic_load_n(&s->commits[0], __ATOMIC_RELAXED) +
	    __atomic_load_n(&s->commits[1], __ATOMIC_RELAXED) < MIN_COMMITS)
		return false;
	for (i = 0; i < F_NR; i++)
		if ((files & (1u << i)) &&
		    __atomic_load_n(&s->reads[i], __ATOMIC_RELAXED) < MIN_READS)
			return false;
	return true;
}

/*
 * Run for RUN_MS, longer if the writers and readers have not yet done
 * enough side by side to mean anything (a loaded host under TCG once
 * managed 44 commits in 6 s), and give up at RUN_MAX_MS: the floors are
 * then asserted and fail.
 */
static void run_until_floors(struct shm *s, unsigned int files)
{
	long ms;

	for (ms = 0; ms < RUN_MAX_MS; ms += 100) {
		if (ms >= RUN_MS && floors_met(s, files))
			return;
		usleep(100 * 1000);
	}
}

TEST_F_TIMEOUT(shared, readers_get_exact_bytes, 240)
{
	struct shm *s = self->s;
	pid_t wp[WRITERS], rp[READ_PROCS];
	unsigned char *final[2] = { NULL, NULL }, *render;
	ssize_t flen[2];
	size_t rlen;
	char err[256] = "";
	struct tlog l;
	int fd[F_NR], i, st, bad = 0;
	long k, n;

	for (i = 0; i < F_NR; i++) {
		fd[i] = open(PATHF(SFS_ROOT "/" PROV "/%s", fname[i]), O_RDONLY);
		ASSERT_LE(0, fd[i]);
	}
	for (i = 0; i < WRITERS; i++) {
		wp[i] = fork();
		ASSERT_LE(0, wp[i]);
		if (!wp[i]) {
			writer(s, i);
			_exit(0);
		}
	}
	for (i = 0; i < READ_PROCS; i++) {
		rp[i] = fork();
		ASSERT_LE(0, rp[i]);
		if (!rp[i]) {
			reader_proc(s, fd, variant->files, i);
			_exit(0);
		}
	}
	run_until_floors(s, variant->files);
	s->stop = 1;
	for (i = 0; i < WRITERS; i++) {
		ASSERT_EQ(wp[i], waitpid(wp[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
		if (s->writer_err[i])
			TH_LOG("%s", s->writer_why[i]);
		EXPECT_EQ(0, s->writer_err[i]);
	}
	for (i = 0; i < READ_PROCS; i++) {
		ASSERT_EQ(rp[i], waitpid(rp[i], &st, 0));
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			TH_LOG("reader process %d: %s %d", i,
			       WIFSIGNALED(st) ? "killed by signal" : "exit",
			       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	}
	for (i = 0; i < F_NR; i++)
		close(fd[i]);
	TH_LOG("%ld + %ld commits; reads: binary %ld, ascii %ld, count %ld, state %ld; %ld chunks recorded",
	       s->commits[0], s->commits[1], s->reads[F_BIN],
	       s->reads[F_ASCII], s->reads[F_COUNT], s->reads[F_STATE],
	       s->nchunks < MAX_CHUNKS ? s->nchunks : MAX_CHUNKS);
	/* the readers really ran alongside the writers */
	EXPECT_LE(MIN_COMMITS, s->commits[0] + s->commits[1]);
	for (i = 0; i < F_NR; i++)
		if (variant->files & (1u << i))
			EXPECT_LE(MIN_READS, s->reads[i]);
	for (k = 0; k < s->bad && k < 4; k++)
		TH_LOG("%s", s->why[k]);
	EXPECT_EQ(0, s->bad);

	/* The final logs, through fresh files. */
	flen[0] = prov_log(PROV, &final[0]);
	ASSERT_LT(0, flen[0]);
	flen[1] = prov_ascii(PROV, (char **)&final[1]);
	ASSERT_LE(0, flen[1]);
	if (log_parse(final[0], flen[0], &l, err, sizeof(err)))
		TH_LOG("final binary log: %s", err);
	ASSERT_EQ(0, log_parse(final[0], flen[0], &l, err, sizeof(err)));
	EXPECT_EQ((long)l.n, prov_count(PROV));
	EXPECT_EQ(s->commits[0] + s->commits[1], (long)l.n);
	EXPECT_GE((long)l.n, s->max_count);
	render = (unsigned char *)ascii_render(&l, &rlen);
	ASSERT_NE(NULL, render);
	if ((size_t)flen[1] != rlen || memcmp(render, final[1], rlen)) {
		size_t at = 0, line = 0;

		while (at < rlen && at < (size_t)flen[1] &&
		       render[at] == final[1][at])
			line += render[at++] == '\n';
		TH_LOG("ascii_event_log (%zd bytes) != rendering of the binary log (%zu bytes): first difference at byte %zu, line %zu",
		       flen[1], rlen, at, line);
		bad++;
	}
	EXPECT_EQ(0, bad);

	/* Every chunk a reader got is the final log's bytes at its offset. */
	n = s->nchunks < MAX_CHUNKS ? s->nchunks : MAX_CHUNKS;
	bad = 0;
	for (k = 0; k < n; k++) {
		const struct chunk *c = &s->c[k];
		int f = c->file;
		char got[HEAD + 1], want[HEAD + 1];
		size_t hl = c->len < HEAD ? c->len : HEAD;

		if (c->off + c->len <= (uint64_t)flen[f] &&
		    fnv(final[f] + c->off, c->len) == c->hash)
			continue;
		if (bad++ >= 5)
			continue;
		printable(c->head, hl, got);
		if (c->off + c->len > (uint64_t)flen[f]) {
			TH_LOG("%s %s(offset %llu) by reader %d: %u bytes, beyond the final log's %zd",
			       fname[f], opname[c->op],
			       (unsigned long long)c->off, c->reader, c->len,
			       flen[f]);
			continue;
		}
		printable(final[f] + c->off, hl, want);
		TH_LOG("%s %s(offset %llu, %u bytes) by reader %d: got '%s...', the log has '%s...'",
		       fname[f], opname[c->op], (unsigned long long)c->off,
		       c->len, c->reader, got, want);
	}
	if (bad)
		TH_LOG("%d of %ld chunks differ from the final log", bad, n);
	EXPECT_EQ(0, bad);
	free(render);
	log_free(&l);
	free(final[0]);
	free(final[1]);
}

TEST_HARNESS_MAIN
