// SPDX-License-Identifier: GPL-2.0
/*
 * Successful commits: the value chain H(prev || digest) per bank for known
 * inputs, the exact bytes of the binary log (header and records), the exact
 * ascii log, last_recnum, event staging and clearing, the digest syntax the
 * spec accepts, and the securityfs file modes.
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define NREGS	4

FIXTURE(commit) {
	int unused;
};

FIXTURE_SETUP(commit)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
}

FIXTURE_TEARDOWN(commit)
{
	tsm_cleanup();
}

static void ascii_line(char *out, size_t size, unsigned long recnum,
		       uint32_t log_index, uint32_t type,
		       const struct digests *ds, const void *ev, size_t evlen)
{
	size_t off;
	int i;

	off = snprintf(out, size, "%lu %u 0x%08x", recnum, log_index, type);
	for (i = 0; i < ds->n; i++) {
		off += snprintf(out + off, size - off, " %s:", ds->alg[i]->name);
		tr_hex(ds->d[i], ds->alg[i]->size, out + off);
		off += 2 * ds->alg[i]->size;
	}
	out[off++] = ' ';
	if (evlen) {
		tr_hex(ev, evlen, out + off);
		off += 2 * evlen;
	} else {
		out[off++] = '-';
	}
	out[off++] = '\n';
	out[off] = '\0';
}

TEST_F(commit, handle_defaults)
{
	struct digests zero, v;

	/* the default provider is the first registered */
	ASSERT_OK(h_mkdir_raw("h"));
	if (other_providers())
		TH_LOG("another provider is registered: default not checked");
	else
		EXPECT_ATTR("h", "provider", "sim\n");
	ASSERT_OK(h_rmdir("h"));
	ASSERT_OK(h_mkdir("h"));
	EXPECT_ATTR("h", "algs", "sha256 sha384\n");
	EXPECT_ATTR("h", "event_type", "0x6\n");
	EXPECT_ATTR("h", "last_recnum", "");
	{
		char b[64];
		ssize_t n = h_read("h", "index", b, sizeof(b));

		/* "empty when unset": accept "" or "\n" */
		ASSERT_LE(0, n);
		EXPECT_TRUE(!strcmp(b, "") || !strcmp(b, "\n"));
	}
	for (int i = 0; i < NREGS; i++) {
		char want[16];

		ASSERT_OK(h_index("h", i));
		snprintf(want, sizeof(want), "%d\n", i);
		EXPECT_ATTR("h", "index", want);
		snprintf(want, sizeof(want), "%d\n", i + SIM_LOG_OFFSET);
		EXPECT_ATTR("h", "log_index", want);
		ASSERT_OK(reg_read("h", i, &v));
		ASSERT_OK(reg_zero(&zero, BANKS));
		EXPECT_TRUE(digests_equal(&zero, &v));
	}
	/* exact value text of a zero register */
	{
		char want[256];

		snprintf(want, sizeof(want), "sha256:%064d\nsha384:%096d\n", 0, 0);
		EXPECT_ATTR("h", "value", want);
	}
	EXPECT_PROV(PROV, "count", "0\n");
	EXPECT_PROV(PROV, "state", "ok\n");
}

TEST_F(commit, securityfs_modes_and_empty_log)
{
	static const struct { const char *f; mode_t mode; } files[] = {
		{ "binary_event_log", 0440 }, { "ascii_event_log", 0440 },
		{ "count", 0444 }, { "state", 0444 },
	};
	unsigned char hdr[128], *raw = NULL;
	struct digests banks;
	char *ascii = NULL;
	size_t hlen;
	ssize_t n;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		struct stat st;

		ASSERT_EQ(0, stat(PATHF(SFS_ROOT "/sim/%s", files[i].f), &st));
		if ((st.st_mode & 07777) != files[i].mode)
			TH_LOG("%s: mode %o, want %o", files[i].f,
			       st.st_mode & 07777, files[i].mode);
		EXPECT_EQ(files[i].mode, st.st_mode & 07777);
		EXPECT_TRUE(S_ISREG(st.st_mode));
	}
	ASSERT_OK(banks_parse(&banks, BANKS));
	hlen = log_header_build(hdr, &banks);
	EXPECT_EQ(69, hlen);
	n = prov_log(PROV, &raw);
	ASSERT_EQ((ssize_t)hlen, n);
	EXPECT_EQ(0, memcmp(hdr, raw, hlen));
	free(raw);
	EXPECT_EQ(0, prov_ascii(PROV, &ascii));
	free(ascii);
}

/* The single-bank header: 65 bytes, one {0x000c, 48}. */
TEST_F(commit, header_single_bank)
{
	unsigned char hdr[128], *raw = NULL;
	struct digests banks;
	ssize_t n;

	ASSERT_EQ(0, sim_load("nr_registers=2"));
	ASSERT_OK(banks_parse(&banks, "sha384"));
	ASSERT_EQ(65, log_header_build(hdr, &banks));
	n = prov_log(PROV, &raw);
	ASSERT_EQ(65, n);
	EXPECT_EQ(0, memcmp(hdr, raw, 65));
	free(raw);
}

TEST_F(commit, value_chain_known_inputs)
{
	struct digests model[NREGS], v, d;
	static const char *const ev[] = { "alpha", "beta", "gamma", "delta" };
	static const int reg[] = { 2, 2, 0, 2 };
	char why[256] = "";
	int i, j;

	for (i = 0; i < NREGS; i++)
		ASSERT_OK(reg_zero(&model[i], BANKS));
	ASSERT_OK(h_open("h", NULL, -1));
	ASSERT_OK(h_open("obs", NULL, -1));
	for (i = 0; i < (int)ARRAY_SIZE(ev); i++) {
		ASSERT_OK(h_index("h", reg[i]));
		ASSERT_OK(digests_of_str(&d, BANKS, ev[i]));
		ASSERT_OK(h_commit("h", &d));
		ASSERT_OK(extend_model(&model[reg[i]], &d));
		for (j = 0; j < NREGS; j++) {
			ASSERT_OK(reg_read("obs", j, &v));
			if (!digests_equal(&model[j], &v))
				TH_LOG("after commit %d: register %d differs from SHA(prev||digest)",
				       i, j);
			EXPECT_TRUE(digests_equal(&model[j], &v));
		}
	}
	/* Known answer for register 0 after one extend with sha*("gamma"),
	 * independent of extend_model(): SHA384(0^48 || SHA384("gamma")).
	 */
	{
		unsigned char zero[48] = { 0 }, g[48], want[48];
		const struct tr_alg *a = tr_alg_by_name_len("sha384", 6);

		ASSERT_OK(hash2(a, "gamma", 5, NULL, 0, g));
		ASSERT_OK(hash2(a, zero, 48, g, 48, want));
		ASSERT_OK(reg_read("obs", 0, &v));
		EXPECT_EQ(0, memcmp(want, v.d[1], 48));
	}
	EXPECT_EQ(0, check_replay(PROV, "obs", NREGS, why, sizeof(why)));
	EXPECT_EQ(4, prov_count(PROV));
}

/* The binary log is exactly header + the records built from known data. */
TEST_F(commit, binary_log_exact_bytes)
{
	unsigned char want[4096], *raw = NULL;
	struct digests banks, d[3];
	size_t off;
	ssize_t n;

	ASSERT_OK(banks_parse(&banks, BANKS));
	off = log_header_build(want, &banks);
	ASSERT_OK(h_open("h", NULL, 1));
	/* 1: event data, custom type */
	ASSERT_OK(digests_of_str(&d[0], BANKS, "hello"));
	ASSERT_OK(h_write("h", "event_type", "0x80000001\n"));
	ASSERT_OK(h_event("h", "hello", 5));
	ASSERT_OK(h_commit("h", &d[0]));
	off += log_record_build(want + off, 2, 0x80000001, &d[0], "hello", 5);
	/* 2: no event data, default type */
	ASSERT_OK(digests_of_str(&d[1], BANKS, "no event"));
	ASSERT_OK(h_index("h", 3));
	ASSERT_OK(h_commit("h", &d[1]));
	off += log_record_build(want + off, 4, EV_EVENT_TAG, &d[1], NULL, 0);
	/* 3: binary event data with NULs */
	ASSERT_OK(digests_of(&d[2], BANKS, "\0\1\2\0\xff", 5));
	ASSERT_OK(h_index("h", 0));
	ASSERT_OK(h_event("h", "\0\1\2\0\xff", 5));
	ASSERT_OK(h_commit("h", &d[2]));
	off += log_record_build(want + off, 1, EV_EVENT_TAG, &d[2],
				"\0\1\2\0\xff", 5);

	n = prov_log(PROV, &raw);
	ASSERT_EQ((ssize_t)off, n);
	if (memcmp(want, raw, off)) {
		size_t k;

		for (k = 0; k < off && want[k] == raw[k]; k++)
			;
		TH_LOG("binary_event_log differs at byte %zu: want 0x%02x got 0x%02x",
		       k, want[k], raw[k]);
	}
	EXPECT_EQ(0, memcmp(want, raw, off));
	EXPECT_EQ(3, prov_count(PROV));
	free(raw);
}

TEST_F(commit, ascii_log_exact)
{
	char want[8192] = "", line[1024], *ascii = NULL;
	struct digests d;
	ssize_t n;

	ASSERT_OK(h_open("h", NULL, 2));
	ASSERT_OK(digests_of_str(&d, BANKS, "one"));
	ASSERT_OK(h_event("h", "one", 3));
	ASSERT_OK(h_commit("h", &d));
	ascii_line(line, sizeof(line), 0, 3, EV_EVENT_TAG, &d, "one", 3);
	strcat(want, line);

	ASSERT_OK(digests_of_str(&d, BANKS, "two"));
	ASSERT_OK(h_index("h", 0));
	ASSERT_OK(h_write("h", "event_type", "0xd"));
	ASSERT_OK(h_commit("h", &d));
	ascii_line(line, sizeof(line), 1, 1, 0xd, &d, NULL, 0);
	strcat(want, line);

	ASSERT_OK(digests_of_str(&d, BANKS, "three"));
	ASSERT_OK(h_index("h", 3));
	ASSERT_OK(h_write("h", "event_type", "0xffffffff"));
	ASSERT_OK(h_event("h", "\x00\xAB\n", 3));
	ASSERT_OK(h_commit("h", &d));
	ascii_line(line, sizeof(line), 2, 4, 0xffffffff, &d, "\x00\xab\n", 3);
	strcat(want, line);

	n = prov_ascii(PROV, &ascii);
	ASSERT_LE(0, n);
	/* hex case is not specified: compare case-insensitively */
	if (strcasecmp(want, ascii))
		TH_LOG("ascii_event_log:\n%s\nwant:\n%s", ascii, want);
	EXPECT_EQ(0, strcasecmp(want, ascii));
	free(ascii);
}

TEST_F(commit, last_recnum)
{
	struct digests d;

	ASSERT_OK(digests_of_str(&d, BANKS, "x"));
	ASSERT_OK(h_open("a", NULL, 0));
	ASSERT_OK(h_open("b", NULL, 1));
	EXPECT_ATTR("a", "last_recnum", "");
	EXPECT_ATTR("b", "last_recnum", "");
	ASSERT_OK(h_commit("a", &d));		/* 0 */
	EXPECT_ATTR("a", "last_recnum", "0\n");
	EXPECT_ATTR("b", "last_recnum", "");
	ASSERT_OK(h_commit("b", &d));		/* 1 */
	ASSERT_OK(h_commit("b", &d));		/* 2 */
	EXPECT_ATTR("a", "last_recnum", "0\n");
	EXPECT_ATTR("b", "last_recnum", "2\n");
	ASSERT_OK(h_commit("a", &d));		/* 3 */
	EXPECT_ATTR("a", "last_recnum", "3\n");
	/* a failed commit leaves it */
	EXPECT_ERRNO(EINVAL, h_write("a", "digest", "bad\n"));
	EXPECT_ATTR("a", "last_recnum", "3\n");
	/* a new handle starts empty */
	ASSERT_OK(h_open("c", NULL, 3));
	EXPECT_ATTR("c", "last_recnum", "");
	ASSERT_OK(h_commit("c", &d));		/* 4 */
	EXPECT_ATTR("c", "last_recnum", "4\n");
	EXPECT_EQ(5, prov_count(PROV));
}

/* Event data: staged until a successful commit, then cleared. */
TEST_F(commit, event_staging_and_clearing)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct digests d;
	struct tlog l;

	ASSERT_OK(digests_of_str(&d, BANKS, "staging"));
	ASSERT_OK(h_open("h", NULL, 0));
	/* the last write before a commit wins (each open/close replaces) */
	ASSERT_OK(h_event("h", "AAAA", 4));
	ASSERT_OK(h_event("h", "BB", 2));
	ASSERT_OK(h_write("h", "event_type", "0x8"));
	/* a failed commit keeps both */
	EXPECT_ERRNO(EINVAL, h_write("h", "digest", "sha256:00\n"));
	EXPECT_ATTR("h", "event_type", "0x8\n");
	ASSERT_OK(h_commit("h", &d));				/* 0: BB, 0x8 */
	/* cleared: type back to default, no data */
	EXPECT_ATTR("h", "event_type", "0x6\n");
	ASSERT_OK(h_commit("h", &d));				/* 1: -, 0x6 */
	/* staging on one handle does not leak to another */
	ASSERT_OK(h_open("g", NULL, 1));
	ASSERT_OK(h_event("h", "private", 7));
	ASSERT_OK(h_commit("g", &d));				/* 2: -, 0x6 */
	ASSERT_OK(h_commit("h", &d));				/* 3: private */
	/* an open and close without a write changes nothing */
	ASSERT_OK(h_event("h", "gone", 4));
	{
		int fd = open(PATHF("%s/h/event", CFS_ROOT), O_WRONLY);

		ASSERT_LE(0, fd);
		close(fd);	/* open+close without write: no change */
	}
	ASSERT_OK(h_commit("h", &d));				/* 4: gone */

	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(5, l.n);
	EXPECT_EQ(0x8, l.e[0].event_type);
	ASSERT_EQ(2, l.e[0].event_size);
	EXPECT_EQ(0, memcmp("BB", l.e[0].event, 2));
	EXPECT_EQ(EV_EVENT_TAG, l.e[1].event_type);
	EXPECT_EQ(0, l.e[1].event_size);
	EXPECT_EQ(0, l.e[2].event_size);
	EXPECT_EQ(2, l.e[2].log_index);
	ASSERT_EQ(7, l.e[3].event_size);
	EXPECT_EQ(0, memcmp("private", l.e[3].event, 7));
	ASSERT_EQ(4, l.e[4].event_size);
	EXPECT_EQ(0, memcmp("gone", l.e[4].event, 4));
	log_free(&l);
	free(raw);
}

/* Accepted digest spellings all log the same digests. */
TEST_F(commit, digest_syntax_accepted)
{
	char h256[65], h384[97], u256[65], u384[97], s[512];
	unsigned char *raw = NULL;
	char err[256] = "";
	struct digests d;
	struct tlog l;
	int i, k = 0;

	ASSERT_OK(digests_of_str(&d, BANKS, "syntax"));
	tr_hex(d.d[0], 32, h256);
	tr_hex(d.d[1], 48, h384);
	for (i = 0; i < 64; i++)
		u256[i] = toupper(h256[i]);
	u256[64] = 0;
	for (i = 0; i < 96; i++)
		u384[i] = toupper(h384[i]);
	u384[96] = 0;
	ASSERT_OK(h_open("h", NULL, 1));

#define COMMIT_OK(...) do {						\
	snprintf(s, sizeof(s), __VA_ARGS__);				\
	int __r = h_write("h", "digest", s);				\
	if (__r)							\
		TH_LOG("digest <- '%s': %s", s, errname(__r));		\
	EXPECT_EQ(0, __r);						\
	k += !__r;							\
} while (0)
	COMMIT_OK("sha256:%s sha384:%s\n", h256, h384);
	COMMIT_OK("sha256:%s sha384:%s", h256, h384);
	COMMIT_OK("sha384:%s sha256:%s\n", h384, h256);
	COMMIT_OK("sha256:%s sha384:%s\n", u256, u384);
	COMMIT_OK("sha384:%s  sha256:%s\n", u384, h256);
	COMMIT_OK("sha256:%s\tsha384:%s\n", h256, h384);
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ((size_t)k, l.n);
	for (i = 0; i < (int)l.n; i++) {
		EXPECT_TRUE(digests_equal(&d, &l.e[i].ds));
		EXPECT_EQ(2, l.e[i].log_index);
	}
	log_free(&l);
	free(raw);
}

/* One-bank provider: a bare hex string is a digest. */
TEST_F(commit, digest_bare_hex_single_bank)
{
	char hex[97], s[256];
	unsigned char *raw = NULL;
	char err[256] = "";
	struct digests d;
	struct tlog l;

	ASSERT_EQ(0, sim_load("nr_registers=4 algs=sha384"));
	ASSERT_OK(h_open("h", NULL, 0));
	EXPECT_ATTR("h", "algs", "sha384\n");
	ASSERT_OK(digests_of_str(&d, "sha384", "bare"));
	tr_hex(d.d[0], 48, hex);
	snprintf(s, sizeof(s), "%s\n", hex);
	EXPECT_OK(h_write("h", "digest", s));
	EXPECT_OK(h_write("h", "digest", hex));
	snprintf(s, sizeof(s), "sha384:%s\n", hex);
	EXPECT_OK(h_write("h", "digest", s));
	/* still: wrong length, wrong alg */
	EXPECT_ERRNO(EINVAL, h_write("h", "digest", "abcd\n"));
	snprintf(s, sizeof(s), "sha256:%.64s\n", hex);
	EXPECT_ERRNO(EINVAL, h_write("h", "digest", s));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(3, l.n);
	EXPECT_TRUE(digests_equal(&d, &l.e[2].ds));
	log_free(&l);
	free(raw);
	EXPECT_REPLAY(PROV, "h", 4);
}

/* Four banks, registers limited to 1, count matches. */
TEST_F(commit, many_banks_one_register)
{
	static const char banks[] = "sha1,sha256,sha384,sha512";
	unsigned char hdr[128], *raw = NULL;
	struct digests d, b;
	char err[256] = "";
	struct tlog l;

	ASSERT_EQ(0, sim_load("nr_registers=1 algs=sha1,sha256,sha384,sha512"));
	ASSERT_OK(h_open("h", NULL, 0));
	EXPECT_ATTR("h", "algs", "sha1 sha256 sha384 sha512\n");
	EXPECT_ERRNO(ERANGE, h_write("h", "index", "1"));
	ASSERT_OK(digests_of_str(&d, banks, "four banks"));
	ASSERT_OK(h_commit("h", &d));
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_OK(banks_parse(&b, banks));
	EXPECT_EQ(log_header_build(hdr, &b), l.hdr_len);
	ASSERT_EQ(1, l.n);
	EXPECT_TRUE(digests_equal(&d, &l.e[0].ds));
	log_free(&l);
	free(raw);
	EXPECT_REPLAY(PROV, "h", 1);
}

/*
 * Spec 5: standard tools read binary_event_log as it is. tpm2_eventlog
 * (tpm2-tools) must parse the simulator's log straight from securityfs and
 * its replayed values ("pcrs:", keyed by log index) must equal the
 * registers.
 */
TEST_F(commit, tpm2_eventlog_parses_and_replays)
{
	static const int reg[] = { 0, 3, 0, 2, 3, 3 };
	struct digests d, v, model[NREGS];
	char line[512], bank[16] = "";
	int i, seen = 0, events = 0;
	bool in_pcrs = false;
	FILE *f;

	if (sh("command -v tpm2_eventlog >/dev/null 2>&1"))
		SKIP(return, "tpm2_eventlog is not installed");
	for (i = 0; i < NREGS; i++)
		ASSERT_OK(reg_zero(&model[i], BANKS));
	ASSERT_OK(h_open("h", NULL, -1));
	for (i = 0; i < (int)ARRAY_SIZE(reg); i++) {
		char ev[16];
		int len = snprintf(ev, sizeof(ev), "ev%d", i);

		ASSERT_OK(h_index("h", reg[i]));
		if (i & 1)
			ASSERT_OK(h_event("h", ev, len));
		ASSERT_OK(digests_of(&d, BANKS, ev, len));
		ASSERT_OK(h_commit("h", &d));
		ASSERT_OK(extend_model(&model[reg[i]], &d));
	}
	fflush(stdout);
	f = popen("tpm2_eventlog " SFS_ROOT "/sim/binary_event_log 2>&1", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned int idx;
		char hex[200];

		if (!strncmp(line, "- EventNum:", 11))
			events++;
		if (!strncmp(line, "pcrs:", 5)) {
			in_pcrs = true;
			continue;
		}
		if (!in_pcrs)
			continue;
		if (sscanf(line, " %u : 0x%199s", &idx, hex) != 2) {
			sscanf(line, " %15[a-z0-9_]:", bank);
			continue;
		}
		{
			const struct tr_alg *a = tr_alg_by_name_len(bank, strlen(bank));
			unsigned char got[MAX_DIGEST];
			int r = idx - SIM_LOG_OFFSET, b;

			ASSERT_NE(NULL, a);
			ASSERT_TRUE(r >= 0 && r < NREGS);
			ASSERT_EQ(2u * a->size, strlen(hex));
			ASSERT_OK(hexdec(hex, a->size, got));
			b = !strcmp(bank, "sha256") ? 0 : 1;
			if (memcmp(model[r].d[b], got, a->size))
				TH_LOG("tpm2_eventlog %s[%u] != register %d",
				       bank, idx, r);
			EXPECT_EQ(0, memcmp(model[r].d[b], got, a->size));
			seen++;
		}
	}
	EXPECT_EQ(0, pclose(f));
	/* header + 6 entries; registers 0, 2, 3 in both banks */
	EXPECT_EQ(7, events);
	EXPECT_EQ(6, seen);
	for (i = 0; i < NREGS; i++) {
		ASSERT_OK(reg_read("h", i, &v));
		EXPECT_TRUE(digests_equal(&model[i], &v));
	}
}

TEST_HARNESS_MAIN
