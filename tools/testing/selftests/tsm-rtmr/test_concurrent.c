// SPDX-License-Identifier: GPL-2.0
/*
 * 8 writer processes x 1000 commits over 2 registers, while other processes
 * read the log. Afterwards: count == 8000, every commit is in the log
 * exactly once and each writer's commits in its own order, last_recnum of
 * each handle names its last record, and the replay of the whole binary log
 * equals `value` of both registers.
 *
 * During the run: every read of binary_event_log parses with no torn
 * record and extends the previous read (append-only), and every `value`
 * read equals the replay of some prefix of the log read after it (spec 6.2:
 * the log is never behind the register).
 */
#include <sys/mman.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS		"sha256,sha384"
#define PROV		"sim"
#define WRITERS		8
#define COMMITS		1000

struct shared {
	volatile int stop;
	int writer_fail[WRITERS];
	int writer_errno[WRITERS];
	int writer_done[WRITERS];
	int reader_reads, reader_fail;
	char reader_why[256];
	int checker_checks, checker_fail;
	char checker_why[256];
};

FIXTURE(conc) {
	struct shared *sh;
};

FIXTURE_SETUP(conc)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	self->sh = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

FIXTURE_TEARDOWN(conc)
{
	munmap(self->sh, sizeof(struct shared));
	tsm_cleanup();
}

static int ev_name(char *b, size_t size, int w, int n)
{
	return snprintf(b, size, "w%d-%d", w, n);
}

static void writer(struct shared *s, int w)
{
	char h[2][16], ev[32];
	struct digests d;
	int n, r;

	snprintf(h[0], sizeof(h[0]), "w%dr0", w);
	snprintf(h[1], sizeof(h[1]), "w%dr1", w);
	for (n = 0; n < COMMITS; n++) {
		const char *hh = h[(n + w) & 1];
		int len = ev_name(ev, sizeof(ev), w, n);

		r = digests_of(&d, BANKS, ev, len);
		if (!r)
			r = h_event(hh, ev, len);
		if (!r)
			r = h_commit(hh, &d);
		if (r) {
			s->writer_fail[w]++;
			if (!s->writer_errno[w])
				s->writer_errno[w] = r;
			continue;
		}
		s->writer_done[w]++;
	}
}

/* Whole-log reads: strict parse, append-only. */
static void reader(struct shared *s)
{
	unsigned char *prev = NULL, *raw;
	ssize_t prevlen = 0, n;
	struct tlog l;
	char err[200];

	while (!s->stop || !s->reader_reads) {
		n = prov_log(PROV, &raw);
		if (n < 0) {
			snprintf(s->reader_why, sizeof(s->reader_why),
				 "read: %s", errname(n));
			s->reader_fail++;
			break;
		}
		if (log_parse(raw, n, &l, err, sizeof(err))) {
			snprintf(s->reader_why, sizeof(s->reader_why),
				 "read %d (%zd bytes): %s", s->reader_reads, n,
				 err);
			s->reader_fail++;
			free(raw);
			break;
		}
		log_free(&l);
		if (n < prevlen || memcmp(prev, raw, prevlen)) {
			snprintf(s->reader_why, sizeof(s->reader_why),
				 "read %d (%zd bytes) does not extend the previous (%zd bytes)",
				 s->reader_reads, n, prevlen);
			s->reader_fail++;
			free(raw);
			break;
		}
		free(prev);
		prev = raw;
		prevlen = n;
		s->reader_reads++;
	}
	free(prev);
}

/* value of register 0 == replay of a prefix of the log read after it. */
static void checker(struct shared *s)
{
	unsigned char *raw;
	struct digests live, rep;
	struct tlog l;
	char err[200];
	size_t k;
	int r;

	if (h_open("chk", NULL, 0)) {
		snprintf(s->checker_why, sizeof(s->checker_why), "mkdir chk");
		s->checker_fail++;
		return;
	}
	while (!s->stop || !s->checker_checks) {
		char b[1024];
		ssize_t n = h_read("chk", "value", b, sizeof(b));
		bool found = false;

		if (n < 0 || value_parse(b, &live)) {
			snprintf(s->checker_why, sizeof(s->checker_why),
				 "value: %s", errname(n));
			s->checker_fail++;
			break;
		}
		n = prov_log(PROV, &raw);
		if (n < 0 || log_parse(raw, n, &l, err, sizeof(err))) {
			snprintf(s->checker_why, sizeof(s->checker_why),
				 "log read/parse failed");
			s->checker_fail++;
			free(raw);
			break;
		}
		/* walk the prefixes incrementally */
		memset(&rep, 0, sizeof(rep));
		rep.n = l.nalgs;
		memcpy(rep.alg, l.alg, sizeof(rep.alg));
		found = digests_equal(&live, &rep);
		for (k = 0; !found && k < l.n; k++) {
			if (l.e[k].log_index != 1)
				continue;
			r = extend_model(&rep, &l.e[k].ds);
			if (r)
				break;
			found = digests_equal(&live, &rep);
		}
		if (!found) {
			snprintf(s->checker_why, sizeof(s->checker_why),
				 "check %d: value of register 0 is no prefix replay of a %zu-record log read after it",
				 s->checker_checks, l.n);
			s->checker_fail++;
		}
		log_free(&l);
		free(raw);
		if (!found)
			break;
		s->checker_checks++;
	}
	h_rmdir("chk");
}

TEST_F_TIMEOUT(conc, writers_8x1000_replay, 900)
{
	struct shared *s = self->sh;
	pid_t pid[WRITERS + 2];
	unsigned char *raw = NULL;
	struct digests v, rep;
	char err[256] = "", name[16];
	int next[WRITERS] = { 0 };
	long last[WRITERS][2];
	struct tlog l;
	char *ascii = NULL;
	size_t k;
	int w, i, st;

	for (w = 0; w < WRITERS; w++) {
		snprintf(name, sizeof(name), "w%dr0", w);
		ASSERT_OK(h_open(name, NULL, 0));
		snprintf(name, sizeof(name), "w%dr1", w);
		ASSERT_OK(h_open(name, NULL, 1));
	}
	for (i = 0; i < WRITERS + 2; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			if (i < WRITERS)
				writer(s, i);
			else if (i == WRITERS)
				reader(s);
			else
				checker(s);
			_exit(0);
		}
	}
	for (w = 0; w < WRITERS; w++) {
		ASSERT_EQ(pid[w], waitpid(pid[w], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	s->stop = 1;
	for (i = WRITERS; i < WRITERS + 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	for (w = 0; w < WRITERS; w++) {
		if (s->writer_fail[w])
			TH_LOG("writer %d: %d of %d commits failed, first %s",
			       w, s->writer_fail[w], COMMITS,
			       errname(s->writer_errno[w]));
		EXPECT_EQ(COMMITS, s->writer_done[w]);
	}
	TH_LOG("log reader: %d whole reads; value checker: %d checks",
	       s->reader_reads, s->checker_checks);
	if (s->reader_fail)
		TH_LOG("log reader: %s", s->reader_why);
	EXPECT_EQ(0, s->reader_fail);
	if (s->checker_fail)
		TH_LOG("value checker: %s", s->checker_why);
	EXPECT_EQ(0, s->checker_fail);

	EXPECT_EQ(WRITERS * COMMITS, prov_count(PROV));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	EXPECT_EQ(WRITERS * COMMITS, l.n);

	/* every commit exactly once, each writer's in order, digests match */
	memset(last, -1, sizeof(last));
	for (k = 0; k < l.n; k++) {
		char ev[32], got[32] = "";
		struct digests d;
		int ww, nn, len, reg;

		if (l.e[k].event_size < sizeof(got))
			memcpy(got, l.e[k].event, l.e[k].event_size);
		if (sscanf(got, "w%d-%d", &ww, &nn) != 2 ||
		    ww < 0 || ww >= WRITERS) {
			TH_LOG("record %zu: unexpected event", k);
			EXPECT_TRUE(0);
			break;
		}
		len = ev_name(ev, sizeof(ev), ww, nn);
		if ((int)l.e[k].event_size != len || memcmp(ev, l.e[k].event, len) ||
		    nn != next[ww]) {
			TH_LOG("record %zu: writer %d commit %d, expected commit %d",
			       k, ww, nn, next[ww]);
			EXPECT_TRUE(0);
			break;
		}
		next[ww]++;
		reg = (nn + ww) & 1;
		EXPECT_EQ((uint32_t)reg + SIM_LOG_OFFSET, l.e[k].log_index);
		EXPECT_EQ(EV_EVENT_TAG, l.e[k].event_type);
		ASSERT_OK(digests_of(&d, BANKS, ev, len));
		EXPECT_TRUE(digests_equal(&d, &l.e[k].ds));
		last[ww][reg] = k;
	}
	for (w = 0; w < WRITERS; w++)
		EXPECT_EQ(COMMITS, next[w]);

	/* last_recnum of each handle */
	for (w = 0; w < WRITERS; w++)
		for (i = 0; i < 2; i++) {
			char want[32];

			snprintf(name, sizeof(name), "w%dr%d", w, i);
			snprintf(want, sizeof(want), "%ld\n", last[w][i]);
			EXPECT_ATTR(name, "last_recnum", want);
		}

	/* full replay == value */
	for (i = 0; i < 2; i++) {
		ASSERT_OK(reg_read("w0r0", i, &v));
		ASSERT_OK(log_replay(&l, i + SIM_LOG_OFFSET, l.n, &rep));
		if (!digests_equal(&v, &rep))
			TH_LOG("register %d: value != replay", i);
		EXPECT_TRUE(digests_equal(&v, &rep));
	}

	/* ascii log: one line per record, recnums 0..N-1 in order */
	{
		ssize_t n = prov_ascii(PROV, &ascii);
		char *p = ascii, *nl;
		unsigned long rec = 0;

		ASSERT_LE(0, n);
		while (p && *p && (nl = strchr(p, '\n'))) {
			if (strtoul(p, NULL, 10) != rec) {
				TH_LOG("ascii line %lu has recnum %lu", rec,
				       strtoul(p, NULL, 10));
				break;
			}
			rec++;
			p = nl + 1;
		}
		EXPECT_EQ((unsigned long)WRITERS * COMMITS, rec);
		free(ascii);
	}
	EXPECT_PROV(PROV, "state", "ok\n");
	log_free(&l);
	free(raw);
}

TEST_HARNESS_MAIN
