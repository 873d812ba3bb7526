// SPDX-License-Identifier: GPL-2.0
/*
 * An unprivileged reader (uid/gid 1000, no capabilities) of every configfs
 * handle attribute and every securityfs file, while root stages event data
 * (growing and shrinking it), commits and rebinds in a loop (spec sections
 * 4 and 5; issue 12 item 2).
 *
 *   event, event_blob, index, event_type (staged: 0600 or 0200),
 *   binary_event_log, ascii_event_log: every open fails, EACCES
 *   algs, provider, log_index, value, last_recnum, count, state: every
 *   read succeeds
 *
 * and no byte of staged event data is ever seen: root's events are made
 * of a marker the reader looks for in everything it reads. On 6.1 configfs
 * asks a binary attribute's ->read for the length, vmallocs that much (not
 * zeroed), asks again to fill it and copies the whole first length: a
 * reader racing a writer that shrinks the event got stale kernel memory.
 */
#include <grp.h>
#include <sys/mman.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define RUN_MS	5000
#define MARK	"STAGED-EVENT-"
#define UID	1000

enum kind { MUST_READ, MUST_EACCES };

static const struct {
	const char *name;
	bool cfs;
	enum kind kind;
} files[] = {
	{ "event", true, MUST_EACCES },
	{ "event_blob", true, MUST_EACCES },
	{ "algs", true, MUST_READ },
	{ "provider", true, MUST_READ },
	{ "index", true, MUST_EACCES },
	{ "log_index", true, MUST_READ },
	{ "event_type", true, MUST_EACCES },
	{ "value", true, MUST_READ },
	{ "last_recnum", true, MUST_READ },
	{ "binary_event_log", false, MUST_EACCES },
	{ "ascii_event_log", false, MUST_EACCES },
	{ "count", false, MUST_READ },
	{ "state", false, MUST_READ },
};

#define NFILES (sizeof(files) / sizeof(files[0]))

struct res {
	volatile int stop;
	long ok[NFILES], eacces[NFILES], other[NFILES];
	int other_errno[NFILES];
	long marker[NFILES];
	char marker_seen[NFILES][64];
	int setup;
	long root_commits, root_stages;
	int root_err;
	char root_why[128];
};

FIXTURE(ur) {
	struct res *res;
};

FIXTURE_SETUP(ur)
{
	struct digests d;

	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	self->res = mmap(NULL, sizeof(struct res), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->res);
	/* "h" has committed (last_recnum set), a register, staged data */
	ASSERT_OK(h_open("h", PROV, 0));
	ASSERT_OK(digests_of_str(&d, BANKS, "first"));
	ASSERT_OK(h_commit("h", &d));
	ASSERT_OK(h_event("h", MARK "setup", strlen(MARK "setup")));
}

FIXTURE_TEARDOWN(ur)
{
	munmap(self->res, sizeof(struct res));
	tsm_cleanup();
}

static unsigned int rnd(unsigned int *s)
{
	*s = *s * 1103515245 + 12345;
	return (*s >> 8) & 0xffffff;
}

/* Root: stage events of the marker, big and small, commit some. */
static void root_loop(struct res *r)
{
	static char ev[65536];
	unsigned int seed = 5;
	struct digests d;
	size_t len, k;
	int rc = 0;

	for (k = 0; k + strlen(MARK) <= sizeof(ev); k += strlen(MARK))
		memcpy(ev + k, MARK, strlen(MARK));
	while (!r->stop && !rc) {
		switch (rnd(&seed) % 4) {
		case 0:		/* big */
			len = 4096 + rnd(&seed) % (sizeof(ev) - 4096);
			break;
		case 1:		/* small: a shrinking event */
			len = strlen(MARK) + rnd(&seed) % 64;
			break;
		default:
			len = strlen(MARK) + rnd(&seed) % 4096;
			break;
		}
		rc = h_event("h", ev, len);
		r->root_stages++;
		if (!rc && rnd(&seed) % 3 == 0) {
			rc = h_index("h", rnd(&seed) % 4);
			if (!rc)
				rc = digests_of(&d, BANKS, ev, len);
			if (!rc)
				rc = h_commit("h", &d);
			if (!rc)
				r->root_commits++;
		}
		if (!rc && rnd(&seed) % 8 == 0)
			rc = h_write("h", "event_type",
				     rnd(&seed) % 2 ? "0xd" : "0x6");
	}
	if (rc) {
		r->root_err = rc;
		snprintf(r->root_why, sizeof(r->root_why),
			 "root after %ld stages: %s", r->root_stages,
			 errname(rc));
	}
}

static void reader_loop(struct res *r)
{
	static unsigned char buf[1 << 17];
	unsigned int i;

	if (setgroups(0, NULL) || setgid(UID) || setuid(UID)) {
		r->setup = -errno;
		return;
	}
	while (!r->stop) {
		for (i = 0; i < NFILES; i++) {
			const char *path = files[i].cfs ?
				PATHF("%s/h/%s", CFS_ROOT, files[i].name) :
				PATHF(SFS_ROOT "/" PROV "/%s", files[i].name);
			ssize_t n, got = 0;
			int fd = open(path, O_RDONLY);

			if (fd < 0) {
				if (errno == EACCES) {
					r->eacces[i]++;
				} else {
					r->other[i]++;
					r->other_errno[i] = errno;
				}
				continue;
			}
			/* read everything there is (64 KiB and more) */
			while ((n = read(fd, buf + got, sizeof(buf) - got)) > 0 &&
			       got + n < (ssize_t)sizeof(buf))
				got += n;
			if (n > 0)
				got += n;
			if (n < 0) {
				r->other[i]++;
				r->other_errno[i] = errno;
			} else {
				r->ok[i]++;
			}
			close(fd);
			if (got > 0 && memmem(buf, got, MARK, 6)) {
				const unsigned char *m = memmem(buf, got,
								MARK, 6);

				r->marker[i]++;
				snprintf(r->marker_seen[i],
					 sizeof(r->marker_seen[i]), "%.40s",
					 (const char *)m);
			}
		}
	}
}

TEST_F_TIMEOUT(ur, uid_1000_reads_nothing_staged, 120)
{
	struct res *r = self->res;
	pid_t root, rd;
	unsigned int i;
	int st;

	root = fork();
	ASSERT_LE(0, root);
	if (!root) {
		root_loop(r);
		_exit(0);
	}
	rd = fork();
	ASSERT_LE(0, rd);
	if (!rd) {
		reader_loop(r);
		_exit(0);
	}
	usleep(RUN_MS * 1000);
	r->stop = 1;
	ASSERT_EQ(root, waitpid(root, &st, 0));
	ASSERT_EQ(rd, waitpid(rd, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	if (r->setup)
		TH_LOG("becoming uid %d: %s", UID, errname(r->setup));
	ASSERT_EQ(0, r->setup);
	if (r->root_err)
		TH_LOG("%s", r->root_why);
	EXPECT_EQ(0, r->root_err);
	TH_LOG("root: %ld events staged, %ld commits", r->root_stages,
	       r->root_commits);
	EXPECT_LT(20, r->root_stages);
	EXPECT_LT(5, r->root_commits);

	for (i = 0; i < NFILES; i++) {
		long total = r->ok[i] + r->eacces[i] + r->other[i];
		bool good;

		if (files[i].kind == MUST_EACCES)
			good = total && r->eacces[i] == total;
		else
			good = total && r->ok[i] == total;
		if (!good)
			TH_LOG("uid %d, %s: %ld read, %ld EACCES, %ld other (last %s); want every %s",
			       UID, files[i].name, r->ok[i], r->eacces[i],
			       r->other[i],
			       r->other[i] ? errname(-r->other_errno[i]) : "-",
			       files[i].kind == MUST_EACCES ? "open to fail with EACCES" :
			       "read to succeed");
		EXPECT_TRUE(good);
		if (r->marker[i])
			TH_LOG("uid %d saw staged event bytes in %s %ld times: '%s'",
			       UID, files[i].name, r->marker[i],
			       r->marker_seen[i]);
		EXPECT_EQ(0, r->marker[i]);
	}
}

TEST_HARNESS_MAIN
