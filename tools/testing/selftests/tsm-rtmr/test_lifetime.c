// SPDX-License-Identifier: GPL-2.0
/*
 * Provider lifetime and binding: the simulator unloads with log entries
 * (its securityfs directory and log go with it) but not while a handle is
 * bound to it; provider rebind rules (ok before the first commit, EBUSY
 * after, ENODEV for an unknown name, index reset); two providers registered
 * at once keep separate logs and registers.
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define NREGS	4

FIXTURE(life) {
	struct digests d;
};

FIXTURE_SETUP(life)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS " instances=2"));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "lifetime"));
}

FIXTURE_TEARDOWN(life)
{
	tsm_cleanup();
}

TEST_F(life, instances_registered)
{
	EXPECT_TRUE(exists(SFS_ROOT "/sim"));
	EXPECT_TRUE(exists(SFS_ROOT "/sim1"));
	EXPECT_FALSE(exists(SFS_ROOT "/sim2"));
	ASSERT_EQ(0, sim_load(SIM_2BANKS " instances=4"));
	EXPECT_TRUE(exists(SFS_ROOT "/sim2"));
	EXPECT_TRUE(exists(SFS_ROOT "/sim3"));
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	EXPECT_TRUE(exists(SFS_ROOT "/sim"));
	EXPECT_FALSE(exists(SFS_ROOT "/sim1"));
}

TEST_F(life, unload_with_entries_removes_log)
{
	struct digests zero, v;

	ASSERT_OK(h_open("h", "sim", 2));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(h_open("g", "sim1", 0));
	ASSERT_OK(h_commit("g", &self->d));
	EXPECT_EQ(2, prov_count("sim"));
	ASSERT_OK(h_rmdir("h"));
	ASSERT_OK(h_rmdir("g"));

	EXPECT_EQ(0, sh("rmmod tsm_rtmr_sim"));
	EXPECT_FALSE(exists(SIM_MODDIR));
	EXPECT_FALSE(exists(SFS_ROOT "/sim"));
	EXPECT_FALSE(exists(SFS_ROOT "/sim1"));
	/* the core stays, with its tsm-rtmr directory */
	EXPECT_TRUE(exists("/sys/module/tsm_rtmr"));
	EXPECT_TRUE(exists(SFS_ROOT));

	/* reloaded: fresh log, zero registers */
	ASSERT_EQ(0, sh("modprobe tsm_rtmr_sim " SIM_2BANKS));
	EXPECT_EQ(0, prov_count("sim"));
	EXPECT_PROV("sim", "state", "ok\n");
	ASSERT_OK(h_open("h", "sim", -1));
	ASSERT_OK(reg_zero(&zero, BANKS));
	ASSERT_OK(reg_read("h", 2, &v));
	EXPECT_TRUE(digests_equal(&zero, &v));
}

TEST_F(life, unload_refused_while_handle_exists)
{
	/* a bare handle, no commit */
	ASSERT_OK(h_mkdir("h"));
	EXPECT_NE(0, sh("rmmod tsm_rtmr_sim 2>/dev/null"));
	EXPECT_TRUE(exists(SIM_MODDIR));
	EXPECT_TRUE(exists(SFS_ROOT "/sim"));
	/* the handle still works */
	ASSERT_OK(h_index("h", 0));
	EXPECT_OK(h_commit("h", &self->d));
	EXPECT_NE(0, sh("rmmod tsm_rtmr_sim 2>/dev/null"));
	EXPECT_EQ(1, prov_count("sim"));

	/* bound to the second instance: still pins the module */
	ASSERT_OK(h_rmdir("h"));
	ASSERT_OK(h_open("g", "sim1", 1));
	EXPECT_NE(0, sh("rmmod tsm_rtmr_sim 2>/dev/null"));
	EXPECT_TRUE(exists(SIM_MODDIR));

	ASSERT_OK(h_rmdir("g"));
	EXPECT_EQ(0, sh("rmmod tsm_rtmr_sim"));
	EXPECT_FALSE(exists(SIM_MODDIR));
}

/* The core cannot go while a provider module uses it. */
TEST_F(life, core_pinned_by_provider)
{
	EXPECT_NE(0, sh("rmmod tsm_rtmr 2>/dev/null"));
	EXPECT_TRUE(exists("/sys/module/tsm_rtmr"));
	EXPECT_TRUE(exists(CFS_ROOT));
}

TEST_F(life, rebind_before_first_commit)
{
	unsigned char *raw = NULL;
	char err[256] = "", b[64];
	struct tlog l;

	ASSERT_OK(h_mkdir("h"));
	EXPECT_ATTR("h", "provider", "sim\n");
	ASSERT_OK(h_index("h", 2));
	ASSERT_OK(h_event("h", "to sim1", 7));

	EXPECT_OK(h_write("h", "provider", "sim1\n"));
	EXPECT_ATTR("h", "provider", "sim1\n");
	EXPECT_ATTR("h", "algs", "sha256 sha384\n");
	/* rebinding resets index */
	ASSERT_LE(0, h_read("h", "index", b, sizeof(b)));
	EXPECT_TRUE(!strcmp(b, "") || !strcmp(b, "\n"));
	EXPECT_ERRNO(ENXIO, h_commit("h", &self->d));
	/* rebinding again before a commit is fine, also without newline */
	EXPECT_OK(h_write("h", "provider", "sim"));
	EXPECT_ATTR("h", "provider", "sim\n");
	EXPECT_OK(h_write("h", "provider", "sim1"));
	EXPECT_ATTR("h", "provider", "sim1\n");

	ASSERT_OK(h_index("h", 3));
	ASSERT_OK(h_commit("h", &self->d));
	EXPECT_EQ(0, prov_count("sim"));
	EXPECT_EQ(1, prov_count("sim1"));
	ASSERT_OK(prov_log_parse("sim1", &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(4, l.e[0].log_index);
	log_free(&l);
	free(raw);
}

TEST_F(life, rebind_after_commit_ebusy)
{
	struct snap s0, s1;

	ASSERT_OK(h_open("h", "sim1", 1));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(h_open("obs0", "sim", -1));
	ASSERT_OK(h_open("obs1", "sim1", -1));
	ASSERT_OK(snap_take(&s0, "sim", "obs0", NREGS));
	ASSERT_OK(snap_take(&s1, "sim1", "obs1", NREGS));

	EXPECT_ERRNO(EBUSY, h_write("h", "provider", "sim\n"));
	EXPECT_ATTR("h", "provider", "sim1\n");
	EXPECT_ATTR("h", "index", "1\n");
	/* still bound to sim1 */
	ASSERT_OK(h_commit("h", &self->d));
	EXPECT_EQ(0, prov_count("sim"));
	EXPECT_EQ(2, prov_count("sim1"));
	EXPECT_ATTR("h", "last_recnum", "1\n");
	EXPECT_UNCHANGED(&s0, "sim", "obs0", NREGS);
	/* EBUSY after a failed commit too */
	EXPECT_ERRNO(EINVAL, h_write("h", "digest", "x\n"));
	EXPECT_ERRNO(EBUSY, h_write("h", "provider", "sim\n"));
	snap_free(&s0);
	snap_free(&s1);
}

TEST_F(life, rebind_unknown_enodev)
{
	ASSERT_OK(h_open("h", "sim1", 2));
	EXPECT_ERRNO(ENODEV, h_write("h", "provider", "sim2\n"));
	EXPECT_ERRNO(ENODEV, h_write("h", "provider", "tdx\n"));
	EXPECT_ERRNO(ENODEV, h_write("h", "provider", "SIM\n"));
	EXPECT_ATTR("h", "provider", "sim1\n");
	EXPECT_ATTR("h", "index", "2\n");
	EXPECT_OK(h_commit("h", &self->d));
	EXPECT_EQ(1, prov_count("sim1"));
}

TEST_F(life, two_providers_separate_logs)
{
	unsigned char *raw0 = NULL, *raw1 = NULL;
	unsigned char want0[8192], want1[8192];
	struct digests banks, m0, m1, v, d;
	char ev[32];
	size_t off0, off1;
	ssize_t n;
	int i;

	ASSERT_OK(banks_parse(&banks, BANKS));
	off0 = log_header_build(want0, &banks);
	off1 = log_header_build(want1, &banks);
	ASSERT_OK(reg_zero(&m0, BANKS));
	ASSERT_OK(reg_zero(&m1, BANKS));
	ASSERT_OK(h_open("a", "sim", 0));
	ASSERT_OK(h_open("b", "sim1", 0));
	/* interleaved: 6 on sim, 2 on sim1, same register number */
	for (i = 0; i < 8; i++) {
		const char *h = (i % 3 == 2) ? "b" : "a";
		int len = snprintf(ev, sizeof(ev), "event %d", i);

		ASSERT_OK(digests_of(&d, BANKS, ev, len));
		ASSERT_OK(h_event(h, ev, len));
		ASSERT_OK(h_commit(h, &d));
		if (*h == 'a') {
			off0 += log_record_build(want0 + off0, 1, EV_EVENT_TAG,
						 &d, ev, len);
			ASSERT_OK(extend_model(&m0, &d));
		} else {
			off1 += log_record_build(want1 + off1, 1, EV_EVENT_TAG,
						 &d, ev, len);
			ASSERT_OK(extend_model(&m1, &d));
		}
	}
	EXPECT_EQ(6, prov_count("sim"));
	EXPECT_EQ(2, prov_count("sim1"));
	/* recnums count per log: a's last is sim's #5, b's last sim1's #1 */
	EXPECT_ATTR("a", "last_recnum", "5\n");
	EXPECT_ATTR("b", "last_recnum", "1\n");
	n = prov_log("sim", &raw0);
	ASSERT_EQ((ssize_t)off0, n);
	EXPECT_EQ(0, memcmp(want0, raw0, off0));
	n = prov_log("sim1", &raw1);
	ASSERT_EQ((ssize_t)off1, n);
	EXPECT_EQ(0, memcmp(want1, raw1, off1));
	ASSERT_OK(reg_read("a", 0, &v));
	EXPECT_TRUE(digests_equal(&m0, &v));
	ASSERT_OK(reg_read("b", 0, &v));
	EXPECT_TRUE(digests_equal(&m1, &v));
	EXPECT_REPLAY("sim", "a", NREGS);
	EXPECT_REPLAY("sim1", "b", NREGS);
	free(raw0);
	free(raw1);
}

/* One provider's fault or full log does not affect the other. */
TEST_F(life, two_providers_independent_limits)
{
	unsigned char *raw = NULL;
	ssize_t n;

	ASSERT_OK(h_open("a", "sim", 0));
	ASSERT_OK(h_open("b", "sim1", 0));
	ASSERT_OK(h_commit("a", &self->d));
	ASSERT_OK(h_commit("a", &self->d));
	ASSERT_OK(h_commit("a", &self->d));
	n = prov_log("sim", &raw);
	ASSERT_LT(0, n);
	free(raw);
	/* sim1's log is empty (69 bytes); a limit that fits sim1's next
	 * record but not sim's must be counted per provider
	 */
	ASSERT_OK(set_max_log_bytes(69 + 100));
	EXPECT_ERRNO(ENOSPC, h_commit("a", &self->d));
	EXPECT_OK(h_commit("b", &self->d));
	EXPECT_EQ(3, prov_count("sim"));
	EXPECT_EQ(1, prov_count("sim1"));
	ASSERT_OK(set_max_log_bytes(DEFAULT_MAX_LOG_BYTES));
}

/* Out-of-range module parameters: the simulator refuses to load. */
TEST_F(life, sim_rejects_bad_params)
{
	static const char *const bad[] = {
		"nr_registers=0", "nr_registers=33", "instances=0",
		"instances=5", "algs=md5", "algs=sha256,sha256",
		"nr_registers=4 allowed=4", "nr_registers=4 allowed=x",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r;

		tsm_cleanup();
		r = sh("modprobe tsm_rtmr_sim %s 2>/dev/null", bad[i]);
		if (!r)
			TH_LOG("modprobe tsm_rtmr_sim %s succeeded", bad[i]);
		EXPECT_NE(0, r);
		EXPECT_FALSE(exists(SIM_MODDIR));
		EXPECT_FALSE(exists(SFS_ROOT "/sim"));
	}
}

TEST_F(life, sim_32_registers)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;

	ASSERT_EQ(0, sim_load("nr_registers=32 algs=sha256,sha384 allowed=0,31"));
	ASSERT_OK(h_open("h", NULL, 31));
	EXPECT_ATTR("h", "log_index", "32\n");
	EXPECT_ERRNO(ERANGE, h_write("h", "index", "32"));
	EXPECT_ERRNO(EPERM, h_write("h", "index", "30"));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(prov_log_parse("sim", &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(1, l.n);
	EXPECT_EQ(32, l.e[0].log_index);
	log_free(&l);
	free(raw);
	EXPECT_REPLAY("sim", "h", 32);
}

TEST_HARNESS_MAIN
