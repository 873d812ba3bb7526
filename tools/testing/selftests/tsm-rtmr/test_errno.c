// SPDX-License-Identifier: GPL-2.0
/*
 * Every errno row of the spec's configfs table (section 4), each followed by
 * a check that the provider's count, state, binary log and register values
 * did not change, and that the failed write left the handle as it was.
 *
 * Simulator: 4 registers, sha256 + sha384, registers 0, 1, 3 extendable.
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define NREGS	4

FIXTURE(abi) {
	struct snap before;
	struct digests d;	/* a valid digest set */
};

FIXTURE_SETUP(abi)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS " allowed=0-1,3"));
	ASSERT_OK(h_open("obs", NULL, -1));
	ASSERT_OK(h_open("h", NULL, 0));
	/* one entry so that "unchanged" is not trivially an empty log */
	ASSERT_OK(digests_of_str(&self->d, BANKS, "seed"));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "errno"));
	ASSERT_OK(snap_take(&self->before, PROV, "obs", NREGS));
	ASSERT_EQ(1, self->before.count);
}

FIXTURE_TEARDOWN(abi)
{
	snap_free(&self->before);
	tsm_cleanup();
}

/* Fresh handle "f": index unset, so only the index write is in play. */
TEST_F(abi, index_unparseable_einval)
{
	static const char *const bad[] = {
		"abc\n", "1x\n", "x1\n", "0x\n", "-1\n", "1 2\n", "one\n",
	};
	size_t i;

	ASSERT_OK(h_mkdir("f"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = h_write("f", "index", bad[i]);

		if (r != -EINVAL)
			TH_LOG("index <- '%.*s': expected EINVAL, got %s",
			       (int)strlen(bad[i]) - 1, bad[i], errname(r));
		EXPECT_EQ(-EINVAL, r);
	}
	/* still unset */
	EXPECT_ERRNO(ENXIO, (int)h_read("f", "log_index", (char[64]){0}, 64));
	EXPECT_ERRNO(ENXIO, h_commit("f", &self->d));
	/* a bad write over a set index keeps it */
	ASSERT_OK(h_index("f", 1));
	EXPECT_ERRNO(EINVAL, h_write("f", "index", "zz\n"));
	EXPECT_ATTR("f", "index", "1\n");
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

TEST_F(abi, index_beyond_registers_erange)
{
	static const char *const bad[] = { "4\n", "5\n", "31\n", "32\n",
					   "1000\n", "4294967295\n" };
	size_t i;

	ASSERT_OK(h_open("f", NULL, 1));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = h_write("f", "index", bad[i]);

		if (r != -ERANGE)
			TH_LOG("index <- '%.*s': expected ERANGE, got %s",
			       (int)strlen(bad[i]) - 1, bad[i], errname(r));
		EXPECT_EQ(-ERANGE, r);
	}
	EXPECT_ATTR("f", "index", "1\n");
	EXPECT_ATTR("f", "log_index", "2\n");
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

TEST_F(abi, index_not_extendable_eperm)
{
	ASSERT_OK(h_open("f", NULL, 3));
	EXPECT_ERRNO(EPERM, h_write("f", "index", "2\n"));
	EXPECT_ATTR("f", "index", "3\n");
	/* on a fresh handle, index stays unset */
	ASSERT_OK(h_mkdir("g"));
	EXPECT_ERRNO(EPERM, h_write("g", "index", "2"));
	EXPECT_ERRNO(ENXIO, h_commit("g", &self->d));
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

TEST_F(abi, event_type_unparseable_einval)
{
	static const char *const bad[] = { "xyz\n", "0xzz\n", "6x\n", "0x\n",
					   "-\n", "6 7\n", "0x100000000\n" };
	size_t i;

	EXPECT_ATTR("h", "event_type", "0x6\n");
	ASSERT_OK(h_write("h", "event_type", "0xd\n"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		int r = h_write("h", "event_type", bad[i]);

		if (r != -EINVAL && !(i == 6 && r == -ERANGE))
			TH_LOG("event_type <- '%.*s': expected EINVAL, got %s",
			       (int)strlen(bad[i]) - 1, bad[i], errname(r));
		/* a value beyond u32: EINVAL (ERANGE tolerated) */
		if (i == 6 && r == -ERANGE)
			continue;
		EXPECT_EQ(-EINVAL, r);
	}
	EXPECT_ATTR("h", "event_type", "0xd\n");
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

TEST_F(abi, event_type_no_action_einval)
{
	EXPECT_ERRNO(EINVAL, h_write("h", "event_type", "0x3\n"));
	EXPECT_ERRNO(EINVAL, h_write("h", "event_type", "3\n"));
	EXPECT_ERRNO(EINVAL, h_write("h", "event_type", "0x00000003"));
	EXPECT_ATTR("h", "event_type", "0x6\n");
	/* accepted spellings */
	EXPECT_OK(h_write("h", "event_type", "6\n"));
	EXPECT_ATTR("h", "event_type", "0x6\n");
	EXPECT_OK(h_write("h", "event_type", "0x80000001\n"));
	EXPECT_ATTR("h", "event_type", "0x80000001\n");
	EXPECT_OK(h_write("h", "event_type", "0x6"));
	EXPECT_ATTR("h", "event_type", "0x6\n");
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

/* Malformed digests at commit: EINVAL, nothing extended, event kept. */
TEST_F(abi, digest_malformed_einval)
{
	char h256[65], h384[97], s[1024];
	const char *const fmt[] = {
		/* empty (a zero-length write never reaches the module) */
		"\n",
		" \n",
		/* non-hex */
		"sha256:%1$.62szz sha384:%2$s\n",
		/* odd number of digits */
		"sha256:%1$.63s sha384:%2$s\n",
		/* too short by a byte */
		"sha256:%1$.62s sha384:%2$s\n",
		/* too long by a byte */
		"sha256:%1$s00 sha384:%2$s\n",
		/* missing sha384 */
		"sha256:%1$s\n",
		/* missing sha256 */
		"sha384:%2$s\n",
		/* repeated */
		"sha256:%1$s sha256:%1$s sha384:%2$s\n",
		"sha256:%1$s sha384:%2$s sha384:%2$s\n",
		/* unknown algorithm */
		"md5:%1$.32s sha256:%1$s sha384:%2$s\n",
		"sha3_256:%1$s sha384:%2$s\n",
		/* an algorithm the provider does not carry */
		"sha256:%1$s sha384:%2$s sha512:%2$.128s%2$.32s\n",
		/* bare hex: the provider has two algorithms */
		"%2$s\n",
		/* empty digest */
		"sha256: sha384:%2$s\n",
		"sha256:%1$s sha384:\n",
		/* wrong separator */
		"sha256=%1$s sha384=%2$s\n",
		"sha256:%1$s,sha384:%2$s\n",
		/* garbage after the tokens */
		"sha256:%1$s sha384:%2$s x\n",
	};
	unsigned char ev[] = "staged event";
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;
	size_t i;

	tr_hex(self->d.d[0], 32, h256);
	tr_hex(self->d.d[1], 48, h384);
	ASSERT_OK(h_write("h", "event_type", "0xd\n"));
	ASSERT_OK(h_event("h", ev, sizeof(ev) - 1));
	for (i = 0; i < ARRAY_SIZE(fmt); i++) {
		int r;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
		snprintf(s, sizeof(s), fmt[i], h256, h384);
#pragma GCC diagnostic pop
		r = h_write("h", "digest", s);
		if (r != -EINVAL)
			TH_LOG("digest <- '%s': expected EINVAL, got %s", s,
			       errname(r));
		EXPECT_EQ(-EINVAL, r);
	}
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);

	/* The event data and type stayed staged: a good commit carries them. */
	ASSERT_OK(h_index("h", 0));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(2, l.n);
	EXPECT_EQ(0xd, l.e[1].event_type);
	EXPECT_EQ(sizeof(ev) - 1, l.e[1].event_size);
	EXPECT_EQ(0, memcmp(ev, l.e[1].event, sizeof(ev) - 1));
	log_free(&l);
	free(raw);
}

TEST_F(abi, digest_before_index_enxio)
{
	char b[256];

	ASSERT_OK(h_mkdir("f"));
	EXPECT_ATTR("f", "index", "");
	EXPECT_ERRNO(ENXIO, h_commit("f", &self->d));
	EXPECT_ERRNO(ENXIO, (int)h_read("f", "log_index", b, sizeof(b)));
	EXPECT_ERRNO(ENXIO, (int)h_read("f", "value", b, sizeof(b)));
	/* a malformed digest before index: either error is fine, no change */
	EXPECT_NE(0, h_write("f", "digest", "nonsense\n"));
	EXPECT_ATTR("f", "last_recnum", "");
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

TEST_F(abi, event_too_big_efbig)
{
	char b[64];
	unsigned long max;
	unsigned char *ev;
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;

	ASSERT_LT(0, read_text(CORE_PARAMS "/max_event_bytes", b, sizeof(b)));
	max = strtoul(b, NULL, 10);
	EXPECT_EQ(DEFAULT_MAX_EVENT_BYTES, max);
	ev = malloc(max + 1);
	ASSERT_NE(NULL, ev);
	memset(ev, 0xa5, max + 1);

	ASSERT_OK(h_event("h", "previous", 8));
	ASSERT_OK(h_index("h", 0));
	/*
	 * Through event_blob (h_event picks the door by size), applied at
	 * close: the write cannot be refused, so the next commit is, with
	 * EFBIG, until a good staging; nothing is logged meanwhile, neither
	 * the data staged before nor a prefix (spec section 4).
	 */
	EXPECT_OK(h_event("h", ev, max + 1));
	EXPECT_ERRNO(EFBIG, h_commit("h", &self->d));
	EXPECT_ERRNO(EFBIG, h_commit("h", &self->d));
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
	/* through event: refused by the write itself, and sticky too */
	ASSERT_OK(h_event("h", "previous", 8));
	EXPECT_ERRNO(EFBIG, h_event_text("h", ev, 4095));
	EXPECT_ERRNO(EFBIG, h_commit("h", &self->d));
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
	/* exactly the maximum is accepted and logged in full */
	EXPECT_OK(h_event("h", ev, max));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(2, l.n);
	EXPECT_EQ(max, l.e[1].event_size);
	EXPECT_EQ(0, memcmp(ev, l.e[1].event, max));
	log_free(&l);
	free(raw);
	free(ev);
}

TEST_F(abi, log_full_enospc)
{
	unsigned char rec[512], ev[] = "does not fit";
	size_t reclen = log_record_build(rec, 1, EV_EVENT_TAG, &self->d, ev,
					 sizeof(ev) - 1);
	unsigned long lim = self->before.loglen + reclen - 1;

	ASSERT_OK(h_event("h", ev, sizeof(ev) - 1));
	/* one byte short of the record */
	ASSERT_OK(set_max_log_bytes(lim));
	EXPECT_ERRNO(ENOSPC, h_commit("h", &self->d));
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
	/* far too small */
	ASSERT_OK(set_max_log_bytes(16));
	EXPECT_ERRNO(ENOSPC, h_commit("h", &self->d));
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
	/* exactly enough: allowed ("may not exceed"), event still staged */
	ASSERT_OK(set_max_log_bytes(lim + 1));
	ASSERT_OK(h_index("h", 0));
	EXPECT_OK(h_commit("h", &self->d));
	EXPECT_EQ(2, prov_count(PROV));
	{
		unsigned char *raw = NULL;
		ssize_t n = prov_log(PROV, &raw);

		EXPECT_EQ((ssize_t)(lim + 1), n);
		if (n == (ssize_t)(lim + 1))
			EXPECT_EQ(0, memcmp(rec + 4, raw + self->before.loglen + 4,
					    reclen - 4));
		free(raw);
	}
	/* and now full */
	EXPECT_ERRNO(ENOSPC, h_commit("h", &self->d));
	EXPECT_EQ(2, prov_count(PROV));
	ASSERT_OK(set_max_log_bytes(DEFAULT_MAX_LOG_BYTES));
	EXPECT_OK(h_commit("h", &self->d));
	EXPECT_EQ(3, prov_count(PROV));
	EXPECT_REPLAY(PROV, "obs", NREGS);
}

TEST_F(abi, provider_unknown_enodev)
{
	EXPECT_ATTR("h", "provider", "sim\n");
	ASSERT_OK(h_mkdir("f"));
	ASSERT_OK(h_index("f", 3));
	EXPECT_ERRNO(ENODEV, h_write("f", "provider", "nosuch\n"));
	EXPECT_ERRNO(ENODEV, h_write("f", "provider", "\n"));
	EXPECT_ERRNO(ENODEV, h_write("f", "provider", "sim9\n"));
	EXPECT_ATTR("f", "provider", "sim\n");
	/* the failed rebind did not reset the index */
	EXPECT_ATTR("f", "index", "3\n");
	EXPECT_UNCHANGED(&self->before, PROV, "obs", NREGS);
}

TEST(mkdir_without_provider_enodev)
{
	ASSERT_EQ(0, sim_load(""));
	ASSERT_EQ(0, sim_unload());
	ASSERT_FALSE(exists(SIM_MODDIR));
	if (other_providers()) {
		tsm_cleanup();
		SKIP(return, "another provider (tpm?) is registered and pinned");
	}
	EXPECT_ERRNO(ENODEV, h_mkdir_raw("noprov"));
	EXPECT_FALSE(exists(PATHF("%s/noprov", CFS_ROOT)));
	tsm_cleanup();
}

TEST_HARNESS_MAIN
