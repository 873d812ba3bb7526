// SPDX-License-Identifier: GPL-2.0
/*
 * A provider that goes away under open securityfs readers (spec 6.7, issue 3
 * item 6: no use-after-free when a provider goes away under an open log
 * reader). The simulator's unload is not blocked by readers; afterwards:
 *   - its securityfs directory is gone (even while files are still open),
 *   - reading an open file returns the bytes of the log as it was, or an
 *     error, never anything else,
 *   - once the files are closed, loading the simulator again works and
 *     starts a new, empty log.
 * The kernel console must stay clean (run-vm.sh fails the run on any
 * BUG/WARNING/KASAN report).
 *
 * The tests use the instances "sim3" and "sim2" and this file sorts last,
 * so that a failure here (a stale securityfs directory blocks that name)
 * cannot spoil the other tests, which use "sim" and "sim1" (and four
 * instances only in test_lifetime, which runs earlier).
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"

static const char *const files[] = { "binary_event_log", "ascii_event_log",
				     "count", "state" };

FIXTURE(vanish) {
	struct digests d;
	int fd[4];
	unsigned char *before[4];
	ssize_t blen[4];
};

FIXTURE_SETUP(vanish)
{
	int i;

	for (i = 0; i < 4; i++)
		self->fd[i] = -1;
	ASSERT_OK(digests_of_str(&self->d, BANKS, "vanish"));
}

/* Load @instances simulators and put 20 entries into the log of @prov. */
static int prepare(FIXTURE_DATA(vanish) *self, int instances,
		   const char *prov)
{
	char params[128];
	int i, r;

	snprintf(params, sizeof(params), SIM_2BANKS " instances=%d",
		 instances);
	r = sim_load(params);
	if (!r)
		r = h_open("h", prov, 1);
	for (i = 0; !r && i < 20; i++) {
		r = h_event("h", "reader", 6);
		if (!r)
			r = h_commit("h", &self->d);
	}
	if (!r)
		r = h_rmdir("h");
	return r;
}

FIXTURE_TEARDOWN(vanish)
{
	int i;

	for (i = 0; i < 4; i++) {
		if (self->fd[i] >= 0)
			close(self->fd[i]);
		free(self->before[i]);
	}
	tsm_cleanup();
}

static int open_all(FIXTURE_DATA(vanish) *self, const char *prov, int nfiles)
{
	int i;

	for (i = 0; i < nfiles; i++) {
		const char *p = PATHF(SFS_ROOT "/%s/%s", prov, files[i]);

		self->blen[i] = read_all(p, &self->before[i]);
		if (self->blen[i] <= 0)
			return -1;
		self->fd[i] = open(p, O_RDONLY);
		if (self->fd[i] < 0)
			return -errno;
	}
	return 0;
}

/* Only binary_event_log open: the smallest case. */
TEST_F(vanish, unload_with_open_binary_log)
{
	int r;

	ASSERT_OK(prepare(self, 4, "sim3"));
	ASSERT_OK(open_all(self, "sim3", 1));
	EXPECT_EQ(0, sh("rmmod tsm_rtmr_sim"));
	EXPECT_FALSE(exists(SIM_MODDIR));
	if (exists(SFS_ROOT "/sim3"))
		TH_LOG("%s still exists after rmmod", SFS_ROOT "/sim3");
	EXPECT_FALSE(exists(SFS_ROOT "/sim3"));
	close(self->fd[0]);
	self->fd[0] = -1;
	if (exists(SFS_ROOT "/sim3"))
		TH_LOG("%s still exists after the reader closed", SFS_ROOT "/sim3");
	EXPECT_FALSE(exists(SFS_ROOT "/sim3"));
	/* the name is free again */
	r = sh("modprobe tsm_rtmr_sim " SIM_2BANKS " instances=4");
	EXPECT_EQ(0, r);
	if (!exists(SIM_MODDIR))
		TH_LOG("reloading the simulator failed (dmesg: init_module EEXIST?)");
	EXPECT_TRUE(exists(SIM_MODDIR));
	EXPECT_EQ(0, prov_count("sim3"));
}

/* All four files open: reads after the unload give the old bytes or fail. */
TEST_F(vanish, read_after_unload)
{
	unsigned char buf[65536];
	int i;

	ASSERT_OK(prepare(self, 3, "sim2"));
	ASSERT_OK(open_all(self, "sim2", 4));
	/* binary and ascii: read some bytes before the unload */
	ASSERT_EQ(10, read(self->fd[0], buf, 10));
	ASSERT_EQ(10, read(self->fd[1], buf, 10));
	EXPECT_EQ(0, sh("rmmod tsm_rtmr_sim"));
	EXPECT_FALSE(exists(SIM_MODDIR));

	for (i = 0; i < 4; i++) {
		ssize_t n, got = 0;

		if (i < 2) {
			memcpy(buf, self->before[i], 10);
			got = 10;
		}
		while ((n = read(self->fd[i], buf + got, sizeof(buf) - got)) > 0)
			got += n;
		if (n < 0) {
			TH_LOG("%s after unload: %s (accepted)", files[i],
			       strerror(errno));
			continue;
		}
		if (got != self->blen[i] || memcmp(self->before[i], buf, got))
			TH_LOG("%s after unload: %zd bytes, not the %zd of the log",
			       files[i], got, self->blen[i]);
		EXPECT_EQ(self->blen[i], got);
		EXPECT_EQ(0, memcmp(self->before[i], buf, got));
	}
	for (i = 0; i < 4; i++) {
		close(self->fd[i]);
		self->fd[i] = -1;
	}
	EXPECT_FALSE(exists(SFS_ROOT "/sim2"));
}

TEST_HARNESS_MAIN
