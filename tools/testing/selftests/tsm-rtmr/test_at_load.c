// SPDX-License-Identifier: GPL-2.0
/*
 * Load-time parameters of the core: max_event_bytes is 1 B - 16 MiB (spec
 * section 4; issue 12 item 6: 0 meant "no limit" to configfs, and an event
 * over 4 GiB would be cut to u32 in its record).
 *
 *   max_event_bytes=0, 16777217: modprobe fails, the core is not loaded
 *   max_event_bytes=1: a 1-byte event commits; 2 bytes are EFBIG, from
 *   the write to event, from the next commit after event_blob
 *   max_event_bytes=16777216: a 16 MiB event commits, exactly those bytes
 *   are in binary_event_log; one byte more makes the commit fail, EFBIG
 *
 * Every case reloads tsm_rtmr, which is possible only while nothing pins
 * it: once the TPM provider's log has an entry (test_cli.sh and test_tpm.sh
 * commit to it) neither that provider nor the core can be unloaded for the
 * rest of the boot. That is why this file is named test_at_load: it sorts
 * first in run_tests.sh, before test_cli.sh. It ends with the core loaded
 * again with its defaults.
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define MIB16	16777216UL

FIXTURE(load) {
	int unused;
};

FIXTURE_SETUP(load)
{
	int r = core_reload(NULL);

	if (r == -EBUSY)
		TH_LOG("tsm_rtmr cannot be unloaded: a provider's log with entries pins it (run this test before test_cli.sh / test_tpm.sh)");
	ASSERT_EQ(0, r);
}

FIXTURE_TEARDOWN(load)
{
	char b[32] = "";

	/* back to the default load for the tests that follow */
	EXPECT_EQ(0, core_reload(NULL));
	EXPECT_LT(0, read_text(CORE_PARAMS "/max_event_bytes", b, sizeof(b)));
	EXPECT_EQ(DEFAULT_MAX_EVENT_BYTES, strtoul(b, NULL, 10));
}

static unsigned long max_event_bytes(void)
{
	char b[32];

	if (read_text(CORE_PARAMS "/max_event_bytes", b, sizeof(b)) <= 0)
		return 0;
	return strtoul(b, NULL, 10);
}

TEST_F(load, max_event_bytes_0_refused)
{
	int r = core_reload("max_event_bytes=0");

	if (!r)
		TH_LOG("tsm_rtmr loaded with max_event_bytes=0 (reads %lu)",
		       max_event_bytes());
	EXPECT_EQ(-ENOEXEC, r);
	EXPECT_FALSE(exists("/sys/module/tsm_rtmr"));
}

TEST_F(load, max_event_bytes_over_16mib_refused)
{
	static const char *const bad[] = {
		"max_event_bytes=16777217", "max_event_bytes=4294967295",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = core_reload(bad[i]);

		if (!r)
			TH_LOG("tsm_rtmr loaded with %s (reads %lu)", bad[i],
			       max_event_bytes());
		EXPECT_EQ(-ENOEXEC, r);
		EXPECT_FALSE(exists("/sys/module/tsm_rtmr"));
	}
}

TEST_F(load, max_event_bytes_1)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct digests d;
	struct tlog l;

	ASSERT_EQ(0, core_reload("max_event_bytes=1"));
	EXPECT_EQ(1, max_event_bytes());
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("h", PROV, 0));
	EXPECT_ERRNO(EFBIG, h_event_text("h", "ab", 2));
	ASSERT_OK(h_event_text("h", "x", 1));
	EXPECT_ERRNO(EFBIG, h_event_text("h", "ab", 2));
	ASSERT_OK(digests_of(&d, BANKS, "x", 1));
	EXPECT_ERRNO(EFBIG, h_commit("h", &d));
	/* event_blob: the module enforces the limit when configfs applies it */
	ASSERT_OK(h_event_blob("h", "ab", 2));
	EXPECT_ERRNO(EFBIG, h_commit("h", &d));
	ASSERT_OK(h_event_blob("h", "x", 1));
	ASSERT_OK(h_commit("h", &d));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(1, l.n);
	ASSERT_EQ(1, l.e[0].event_size);
	EXPECT_EQ('x', l.e[0].event[0]);
	log_free(&l);
	free(raw);
}

TEST_F_TIMEOUT(load, max_event_bytes_16mib, 300)
{
	unsigned char *ev, *raw = NULL;
	char err[256] = "";
	struct digests d;
	struct tlog l;
	size_t k;

	ASSERT_EQ(0, core_reload("max_event_bytes=16777216"));
	EXPECT_EQ(MIB16, max_event_bytes());
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("h", PROV, 0));
	ev = malloc(MIB16 + 1);
	ASSERT_NE(NULL, ev);
	for (k = 0; k < MIB16 + 1; k++)
		ev[k] = k * 2654435761u >> 13;
	ASSERT_OK(digests_of(&d, BANKS, ev, MIB16));
	/* through event_blob, applied at close: the commit says EFBIG */
	EXPECT_OK(h_event("h", ev, MIB16 + 1));
	EXPECT_ERRNO(EFBIG, h_commit("h", &d));
	EXPECT_EQ(0, prov_count(PROV));
	ASSERT_OK(h_event("h", ev, MIB16));
	ASSERT_OK(h_commit("h", &d));
	EXPECT_EQ(1, prov_count(PROV));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(1, l.n);
	ASSERT_EQ(MIB16, l.e[0].event_size);
	EXPECT_EQ(0, memcmp(ev, l.e[0].event, MIB16));
	EXPECT_TRUE(digests_equal(&d, &l.e[0].ds));
	log_free(&l);
	free(raw);
	free(ev);
}

TEST_HARNESS_MAIN
