// SPDX-License-Identifier: GPL-2.0
/*
 * Provider failures (spec section 6, items 4-6) through the simulator's
 * one-shot fault parameter:
 *   before: EIO, nothing logged, register unchanged, event still staged
 *   after:  success, entry logged, register extended
 *   lost:   EIO, entry logged, register extended, state names the recnum
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define NREGS	4

FIXTURE(fault) {
	struct digests model[NREGS];
	struct digests d;
	unsigned char *raw;
	size_t rawlen;
	struct tlog l;
};

FIXTURE_SETUP(fault)
{
	int i;

	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("obs", NULL, -1));
	ASSERT_OK(h_open("h", NULL, 1));
	for (i = 0; i < NREGS; i++)
		ASSERT_OK(reg_zero(&self->model[i], BANKS));
	/* two entries before the fault */
	ASSERT_OK(digests_of_str(&self->d, BANKS, "pre-1"));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "pre-2"));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "faulty"));
	EXPECT_ATTR("h", "last_recnum", "1\n");
}

FIXTURE_TEARDOWN(fault)
{
	log_free(&self->l);
	free(self->raw);
	tsm_cleanup();
}

static int reparse(FIXTURE_DATA(fault) *self)
{
	char err[256];

	log_free(&self->l);
	free(self->raw);
	self->raw = NULL;
	return prov_log_parse(PROV, &self->raw, &self->rawlen, &self->l, err,
			      sizeof(err));
}

#define EXPECT_REGS(self) do {						\
	for (int __i = 0; __i < NREGS; __i++) {				\
		struct digests __v;					\
		ASSERT_OK(reg_read("obs", __i, &__v));			\
		if (!digests_equal(&(self)->model[__i], &__v))		\
			TH_LOG("register %d differs from the model", __i); \
		EXPECT_TRUE(digests_equal(&(self)->model[__i], &__v));	\
	}								\
} while (0)

TEST_F(fault, param_reads_none)
{
	char b[32];

	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("none\n", b);
	EXPECT_OK(sim_fault("before"));
	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("before\n", b);
	EXPECT_OK(sim_fault("none"));
	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("none\n", b);
	/* "none" really disarmed it */
	EXPECT_OK(h_commit("h", &self->d));
}

TEST_F(fault, before_eio_nothing_logged)
{
	struct snap before;
	char b[32];

	ASSERT_OK(h_write("h", "event_type", "0xd"));
	ASSERT_OK(h_event("h", "staged", 6));
	ASSERT_OK(snap_take(&before, PROV, "obs", NREGS));
	ASSERT_OK(h_index("h", 1));

	ASSERT_OK(sim_fault("before"));
	EXPECT_ERRNO(EIO, h_commit("h", &self->d));
	EXPECT_UNCHANGED(&before, PROV, "obs", NREGS);
	EXPECT_PROV(PROV, "state", "ok\n");
	EXPECT_EQ(2, prov_count(PROV));
	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("none\n", b);
	EXPECT_ATTR("h", "last_recnum", "1\n");
	/* event data and type still staged */
	EXPECT_ATTR("h", "event_type", "0xd\n");
	EXPECT_REGS(self);

	/* the fault fired once: the retry succeeds and carries the event */
	ASSERT_OK(h_index("h", 1));
	EXPECT_OK(h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	EXPECT_REGS(self);
	ASSERT_OK(reparse(self));
	ASSERT_EQ(3, self->l.n);
	EXPECT_EQ(0xd, self->l.e[2].event_type);
	ASSERT_EQ(6, self->l.e[2].event_size);
	EXPECT_EQ(0, memcmp("staged", self->l.e[2].event, 6));
	EXPECT_ATTR("h", "last_recnum", "2\n");
	EXPECT_REPLAY(PROV, "obs", NREGS);
	snap_free(&before);
}

TEST_F(fault, after_success_logged_extended)
{
	unsigned char rec[256];
	size_t reclen;
	char b[32];

	ASSERT_OK(h_event("h", "after", 5));
	ASSERT_OK(sim_fault("after"));
	EXPECT_OK(h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("none\n", b);
	EXPECT_EQ(3, prov_count(PROV));
	EXPECT_PROV(PROV, "state", "ok\n");
	EXPECT_ATTR("h", "last_recnum", "2\n");
	EXPECT_ATTR("h", "event_type", "0x6\n");
	EXPECT_REGS(self);
	ASSERT_OK(reparse(self));
	ASSERT_EQ(3, self->l.n);
	reclen = log_record_build(rec, 2, EV_EVENT_TAG, &self->d, "after", 5);
	ASSERT_EQ(reclen, self->l.e[2].len);
	EXPECT_EQ(0, memcmp(rec, self->raw + self->l.e[2].off, reclen));
	/* the event was consumed */
	EXPECT_OK(h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	ASSERT_OK(reparse(self));
	ASSERT_EQ(4, self->l.n);
	EXPECT_EQ(0, self->l.e[3].event_size);
	EXPECT_REPLAY(PROV, "obs", NREGS);
}

TEST_F(fault, lost_eio_logged_uncertain)
{
	unsigned char rec[256];
	size_t reclen;
	char b[32];

	ASSERT_OK(h_event("h", "lost", 4));
	ASSERT_OK(sim_fault("lost"));
	EXPECT_ERRNO(EIO, h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("none\n", b);
	/* the entry is in the log, the register was extended */
	EXPECT_EQ(3, prov_count(PROV));
	EXPECT_PROV(PROV, "state", "uncertain 2\n");
	EXPECT_REGS(self);
	ASSERT_OK(reparse(self));
	ASSERT_EQ(3, self->l.n);
	reclen = log_record_build(rec, 2, EV_EVENT_TAG, &self->d, "lost", 4);
	ASSERT_EQ(reclen, self->l.e[2].len);
	EXPECT_EQ(0, memcmp(rec, self->raw + self->l.e[2].off, reclen));
	EXPECT_REPLAY(PROV, "obs", NREGS);

	/* later commits work, from this handle and another */
	ASSERT_OK(h_index("h", 1));
	EXPECT_OK(h_commit("h", &self->d));
	ASSERT_OK(extend_model(&self->model[1], &self->d));
	ASSERT_OK(h_open("g", NULL, 3));
	EXPECT_OK(h_commit("g", &self->d));
	ASSERT_OK(extend_model(&self->model[3], &self->d));
	EXPECT_ATTR("g", "last_recnum", "4\n");
	EXPECT_EQ(5, prov_count(PROV));
	EXPECT_PROV(PROV, "state", "uncertain 2\n");
	EXPECT_REGS(self);

	/* a second lost extend is listed after the first */
	ASSERT_OK(sim_fault("lost"));
	EXPECT_ERRNO(EIO, h_commit("g", &self->d));
	ASSERT_OK(extend_model(&self->model[3], &self->d));
	EXPECT_PROV(PROV, "state", "uncertain 2 5\n");
	EXPECT_EQ(6, prov_count(PROV));
	EXPECT_REGS(self);
	EXPECT_REPLAY(PROV, "obs", NREGS);
}

/* "lost" is a failed commit: the event data stays staged (spec 4). */
TEST_F(fault, lost_keeps_event_staged)
{
	ASSERT_OK(h_write("h", "event_type", "0x80000000"));
	ASSERT_OK(h_event("h", "kept", 4));
	ASSERT_OK(sim_fault("lost"));
	EXPECT_ERRNO(EIO, h_commit("h", &self->d));
	EXPECT_ATTR("h", "event_type", "0x80000000\n");
	ASSERT_OK(h_index("h", 1));
	EXPECT_OK(h_commit("h", &self->d));
	ASSERT_OK(reparse(self));
	ASSERT_EQ(4, self->l.n);
	EXPECT_EQ(0x80000000, self->l.e[3].event_type);
	ASSERT_EQ(4, self->l.e[3].event_size);
	EXPECT_EQ(0, memcmp("kept", self->l.e[3].event, 4));
}

/* The fault fires on the next extend of any instance, once. */
TEST_F(fault, fires_on_any_instance_once)
{
	struct snap s0, s1;

	ASSERT_EQ(0, sim_load(SIM_2BANKS " instances=2"));
	ASSERT_OK(h_open("a", "sim", 0));
	ASSERT_OK(h_open("b", "sim1", 0));
	ASSERT_OK(snap_take(&s0, "sim", NULL, 0));
	ASSERT_OK(snap_take(&s1, "sim1", "b", NREGS));
	ASSERT_OK(sim_fault("before"));
	EXPECT_ERRNO(EIO, h_commit("b", &self->d));
	EXPECT_UNCHANGED(&s1, "sim1", "b", NREGS);
	ASSERT_OK(h_index("b", 0));
	EXPECT_OK(h_commit("b", &self->d));
	EXPECT_OK(h_commit("a", &self->d));
	EXPECT_EQ(1, prov_count("sim"));
	EXPECT_EQ(1, prov_count("sim1"));
	EXPECT_PROV("sim", "state", "ok\n");
	EXPECT_PROV("sim1", "state", "ok\n");
	snap_free(&s0);
	snap_free(&s1);
}

TEST_F(fault, param_rejects_unknown)
{
	char b[32];

	EXPECT_NE(0, sim_fault("sometimes"));
	ASSERT_LT(0, read_text(SIM_PARAMS "/fault", b, sizeof(b)));
	EXPECT_STREQ("none\n", b);
	EXPECT_OK(h_commit("h", &self->d));
}

TEST_HARNESS_MAIN
