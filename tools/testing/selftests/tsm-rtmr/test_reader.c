// SPDX-License-Identifier: GPL-2.0
/*
 * Log readers: a read at any offset, of any length, of binary_event_log and
 * ascii_event_log returns exactly the bytes of a whole read at that offset;
 * sequential reads in odd chunk sizes concatenate to the whole; a reader
 * that stays open across appends sees a prefix of the newer log.
 */
#include <time.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define ENTRIES	400

FIXTURE(reader) {
	unsigned char *whole;
	ssize_t len;
};

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 8) & 0xffffff;
}

static int fill(int entries, unsigned int seed)
{
	unsigned char ev[1200];
	struct digests d;
	int i, r;

	for (i = 0; i < entries; i++) {
		size_t len = rnd(&seed) % (sizeof(ev) + 1);
		size_t k;

		for (k = 0; k < len; k++)
			ev[k] = rnd(&seed);
		r = h_index("h", i & 1);
		if (!r && len)
			r = h_event("h", ev, len);
		if (!r)
			r = digests_of(&d, BANKS, ev, len);
		if (!r)
			r = h_commit("h", &d);
		if (r)
			return r;
	}
	return 0;
}

FIXTURE_SETUP(reader)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("h", NULL, 0));
	ASSERT_OK(fill(ENTRIES, 42));
	ASSERT_EQ(ENTRIES, prov_count(PROV));
}

FIXTURE_TEARDOWN(reader)
{
	free(self->whole);
	tsm_cleanup();
}

static int random_reads(struct __test_metadata *_metadata, const char *path,
			const unsigned char *whole, size_t len, int rounds)
{
	unsigned char *buf = malloc(16384);
	unsigned int seed = 7;
	int fd, i, bad = 0;

	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf) {
		free(buf);
		return -1;
	}
	for (i = 0; i < rounds && bad < 5; i++) {
		size_t off, want, cnt;
		ssize_t n;

		switch (i % 4) {
		case 0:		/* anywhere, small */
			off = rnd(&seed) % (len + 1);
			cnt = 1 + rnd(&seed) % 64;
			break;
		case 1:		/* anywhere, large */
			off = rnd(&seed) % (len + 1);
			cnt = 1 + rnd(&seed) % 16384;
			break;
		case 2:		/* near the end, and past it */
			off = len - 200 + rnd(&seed) % 400;
			cnt = 1 + rnd(&seed) % 512;
			break;
		default:	/* in the header */
			off = rnd(&seed) % 80;
			cnt = 1 + rnd(&seed) % 200;
			break;
		}
		want = off >= len ? 0 : (len - off < cnt ? len - off : cnt);
		if (i & 1) {
			n = pread(fd, buf, cnt, off);
		} else {
			if (lseek(fd, off, SEEK_SET) != (off_t)off) {
				TH_LOG("%s: lseek(%zu) failed: %s", path, off,
				       strerror(errno));
				bad++;
				continue;
			}
			/* a short read is allowed: read until cnt or EOF */
			n = 0;
			while ((size_t)n < cnt) {
				ssize_t m = read(fd, buf + n, cnt - n);

				if (m <= 0) {
					if (m < 0)
						n = m;
					break;
				}
				n += m;
			}
		}
		if (i & 1 && n >= 0 && (size_t)n < want) {
			/* pread may be short too: complete it */
			while ((size_t)n < want) {
				ssize_t m = pread(fd, buf + n, cnt - n, off + n);

				if (m <= 0)
					break;
				n += m;
			}
		}
		if (n < 0 || (size_t)n != want || memcmp(buf, whole + off, want)) {
			TH_LOG("%s: read(off %zu, count %zu): got %zd bytes%s, want %zu",
			       path, off, cnt, n,
			       n == (ssize_t)want ? " that differ" : "", want);
			bad++;
		}
	}
	close(fd);
	free(buf);
	return bad;
}

static int chunked(const char *path, size_t chunk, const unsigned char *whole,
		   size_t len)
{
	unsigned char *buf = malloc(len + chunk + 1);
	size_t got = 0;
	int fd = open(path, O_RDONLY);
	ssize_t n;
	int r;

	if (fd < 0 || !buf) {
		free(buf);
		return -1;
	}
	while ((n = read(fd, buf + got, chunk)) > 0) {
		got += n;
		if (got > len)
			break;
	}
	close(fd);
	r = n < 0 || got != len || memcmp(buf, whole, len);
	free(buf);
	return r;
}

TEST_F(reader, binary_random_offsets)
{
	const char *path = SFS_ROOT "/sim/binary_event_log";
	char err[256] = "";
	struct tlog l;

	self->len = read_all(path, &self->whole);
	ASSERT_LT(100000, self->len);
	ASSERT_OK(log_parse(self->whole, self->len, &l, err, sizeof(err)));
	EXPECT_EQ(ENTRIES, l.n);
	log_free(&l);
	EXPECT_EQ(0, random_reads(_metadata, path, self->whole, self->len,
				  4000));
}

TEST_F(reader, binary_chunked_sequential)
{
	static const size_t chunks[] = { 1, 3, 13, 100, 4095, 4096, 4097,
					 65536 };
	const char *path = SFS_ROOT "/sim/binary_event_log";
	size_t i;

	self->len = read_all(path, &self->whole);
	ASSERT_LT(0, self->len);
	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		int r = chunked(path, chunks[i], self->whole, self->len);

		if (r)
			TH_LOG("reading in %zu-byte chunks differs from a whole read",
			       chunks[i]);
		EXPECT_EQ(0, r);
	}
}

TEST_F(reader, ascii_random_offsets)
{
	const char *path = SFS_ROOT "/sim/ascii_event_log";
	size_t lines = 0;
	ssize_t i;

	self->len = read_all(path, &self->whole);
	ASSERT_LT(0, self->len);
	for (i = 0; i < self->len; i++)
		lines += self->whole[i] == '\n';
	EXPECT_EQ(ENTRIES, lines);
	EXPECT_EQ(0, random_reads(_metadata, path, self->whole, self->len,
				  2000));
	EXPECT_EQ(0, chunked(path, 7, self->whole, self->len));
	EXPECT_EQ(0, chunked(path, 4097, self->whole, self->len));
}

/* A reader open across appends sees a consistent prefix of the new log. */
TEST_F(reader, open_across_appends)
{
	const char *path = SFS_ROOT "/sim/binary_event_log";
	unsigned char *now = NULL, *buf;
	ssize_t nowlen, n;
	size_t got = 0;
	int fd;

	self->len = read_all(path, &self->whole);
	ASSERT_LT(0, self->len);
	buf = malloc(4 * self->len);
	ASSERT_NE(NULL, buf);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, buf, 1000);
	ASSERT_LT(0, n);
	got = n;
	ASSERT_OK(fill(50, 99));
	while ((n = read(fd, buf + got, 4096)) > 0 && got < 3 * (size_t)self->len)
		got += n;
	close(fd);
	ASSERT_LE(0, n);
	nowlen = read_all(path, &now);
	ASSERT_LT(self->len, nowlen);
	EXPECT_LE((size_t)self->len, got);
	EXPECT_GE((size_t)nowlen, got);
	EXPECT_EQ(0, memcmp(now, buf, got < (size_t)nowlen ? got : (size_t)nowlen));
	EXPECT_EQ(ENTRIES + 50, prov_count(PROV));
	free(now);
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Reading cost: spec 5, "a reader at any offset of a log of N entries
 * does not walk the N entries before it". A 4 KiB pread at the end of a
 * 30000-entry binary log must cost about what one at its start costs.
 */
#define BIG_ENTRIES	30000

FIXTURE(bigreader) {
	int unused;
};

FIXTURE_SETUP(bigreader)
{
	struct digests d;
	const char *s;
	size_t len;
	int fd, i;

	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("h", NULL, 0));
	ASSERT_OK(digests_of_str(&d, BANKS, "big"));
	s = DIGEST_STR(&d);
	len = strlen(s);
	/* every write() to the digest file is one commit */
	fd = open(PATHF("%s/h/digest", CFS_ROOT), O_WRONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < BIG_ENTRIES; i++)
		ASSERT_EQ((ssize_t)len, write(fd, s, len));
	close(fd);
	ASSERT_EQ(BIG_ENTRIES, prov_count(PROV));
}

FIXTURE_TEARDOWN(bigreader)
{
	tsm_cleanup();
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Least time of @reps 4 KiB preads at @off. */
static double min_pread_us(int fd, off_t off, int reps)
{
	static unsigned char buf[4096];
	double best = 1e30;
	int i;

	for (i = 0; i < reps; i++) {
		double t = now_us();

		if (pread(fd, buf, sizeof(buf), off) <= 0)
			return -1;
		t = now_us() - t;
		if (t < best)
			best = t;
	}
	return best;
}

TEST_F_TIMEOUT(bigreader, binary_read_cost_independent_of_offset, 600)
{
	const char *bin = SFS_ROOT "/sim/binary_event_log";
	unsigned char *whole = NULL;
	ssize_t len;
	double head, tail;
	int fd;

	len = read_all(bin, &whole);
	ASSERT_EQ(69 + 100 * BIG_ENTRIES, len);
	free(whole);
	fd = open(bin, O_RDONLY);
	ASSERT_LE(0, fd);
	/* warm up, then alternate so that noise hits both alike */
	min_pread_us(fd, 69, 20);
	min_pread_us(fd, len - 5000, 20);
	head = min_pread_us(fd, 69, 100);
	tail = min_pread_us(fd, len - 5000, 100);
	head = dmin(head, min_pread_us(fd, 69, 100));
	tail = dmin(tail, min_pread_us(fd, len - 5000, 100));
	close(fd);
	ASSERT_LT(0, head);
	ASSERT_LT(0, tail);
	TH_LOG("binary_event_log, %d entries: 4 KiB pread at start %.1f us, at end %.1f us",
	       BIG_ENTRIES, head, tail);
	EXPECT_LT(tail, 4 * head + 20);
}

/*
 * The same for ascii_event_log, which section 5 lists as a log too: a
 * pread at the end must not format every line before it.
 */
TEST_F_TIMEOUT(bigreader, ascii_read_cost_independent_of_offset, 600)
{
	const char *asc = SFS_ROOT "/sim/ascii_event_log";
	unsigned char *whole = NULL;
	double head, tail;
	ssize_t len;
	int fd;

	len = read_all(asc, &whole);
	free(whole);
	ASSERT_LT(100000, len);
	fd = open(asc, O_RDONLY);
	ASSERT_LE(0, fd);
	min_pread_us(fd, 0, 3);
	min_pread_us(fd, len - 5000, 3);
	head = min_pread_us(fd, 0, 20);
	tail = min_pread_us(fd, len - 5000, 5);
	close(fd);
	ASSERT_LT(0, head);
	ASSERT_LT(0, tail);
	TH_LOG("ascii_event_log, %d entries (%zd bytes): 4 KiB pread at start %.1f us, at end %.1f us",
	       BIG_ENTRIES, len, head, tail);
	EXPECT_LT(tail, 4 * head + 20);
}

TEST_HARNESS_MAIN
