// SPDX-License-Identifier: GPL-2.0
/*
 * Text attribute writes the module cannot see whole (spec section 4; issue
 * 12 items 4 and 5).
 *
 * configfs copies at most 4095 bytes of a write to a text attribute into
 * its page and hands the module that prefix, returning a short count: a
 * 4100-byte digest write whose first 4095 bytes were a valid digest line
 * committed an entry. The module cannot tell a 4095-byte write from a
 * truncated one, so every write of 4095 bytes or more to digest, index,
 * event_type or provider fails with EINVAL and changes nothing.
 *
 * configfs also NUL-terminates the page, so a value parsed as a C string
 * stops at an embedded NUL: "3\0junk" set index 3. A write holding a NUL
 * byte fails with EINVAL and changes nothing.
 *
 * "Changes nothing": no entry (count, state, binary log, register values),
 * last_recnum, provider, index, event_type, and the staged event data
 * (the next good commit carries it).
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define NREGS	4
#define STAGED	"staged by root"
#define TYPE	"0x80000001\n"

FIXTURE(tw) {
	struct digests d;
	struct snap s0;
	char line[1024];	/* a valid digest line, no newline */
	size_t line_len;
	char buf[8192];
};

FIXTURE_SETUP(tw)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS " instances=2"));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "first"));
	ASSERT_OK(h_open("h", PROV, 0));
	ASSERT_OK(h_commit("h", &self->d));
	EXPECT_ATTR("h", "last_recnum", "0\n");
	/* the staged state every case must leave alone */
	ASSERT_OK(h_index("h", 1));
	ASSERT_OK(h_write("h", "event_type", TYPE));
	ASSERT_OK(h_event("h", STAGED, strlen(STAGED)));
	ASSERT_OK(digests_of_str(&self->d, BANKS, STAGED));
	snprintf(self->line, sizeof(self->line), "%s", DIGEST_STR(&self->d));
	self->line_len = strlen(self->line) - 1;	/* drop the newline */
	self->line[self->line_len] = '\0';
	ASSERT_OK(h_open("obs", PROV, -1));
	ASSERT_OK(snap_take(&self->s0, PROV, "obs", NREGS));
}

FIXTURE_TEARDOWN(tw)
{
	snap_free(&self->s0);
	tsm_cleanup();
}

/*
 * Nothing changed: log, count, state, values, every attribute of "h", and
 * the staged event and type go into the next good commit.
 */
static void nothing_changed(struct __test_metadata *_metadata,
			    FIXTURE_DATA(tw) *self)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;

	EXPECT_UNCHANGED(&self->s0, PROV, "obs", NREGS);
	EXPECT_ATTR("h", "provider", "sim\n");
	EXPECT_ATTR("h", "index", "1\n");
	EXPECT_ATTR("h", "event_type", TYPE);
	EXPECT_ATTR("h", "last_recnum", "0\n");

	ASSERT_OK(h_commit("h", &self->d));
	EXPECT_ATTR("h", "last_recnum", "1\n");
	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(2, l.n);
	EXPECT_EQ(1 + SIM_LOG_OFFSET, l.e[1].log_index);
	EXPECT_EQ(0x80000001, l.e[1].event_type);
	ASSERT_EQ(strlen(STAGED), l.e[1].event_size);
	EXPECT_EQ(0, memcmp(STAGED, l.e[1].event, strlen(STAGED)));
	log_free(&l);
	free(raw);
}

/* One write() of @len bytes of self->buf; EINVAL wanted. */
static void write_einval(struct __test_metadata *_metadata,
			 FIXTURE_DATA(tw) *self, const char *attr, size_t len,
			 const char *what)
{
	ssize_t n = write_raw(PATHF("%s/h/%s", CFS_ROOT, attr), self->buf, len);

	if (n != -EINVAL)
		TH_LOG("%s: write of %zu bytes (%s) to %s returned %s, want EINVAL",
		       attr, len, what, attr,
		       n >= 0 ? PATHF("%zd bytes written", n) : errname(n));
	EXPECT_EQ(-EINVAL, n);
}

/* A valid digest line, then spaces up to @len bytes. */
static void digest_padded(FIXTURE_DATA(tw) *self, size_t len)
{
	memset(self->buf, ' ', len);
	memcpy(self->buf, self->line, self->line_len);
}

/* "0...0<tail>": leading zeros keep a number valid (octal 0...02 is 2). */
static void number_padded(FIXTURE_DATA(tw) *self, const char *prefix,
			  const char *value, size_t valid, size_t len)
{
	size_t p = strlen(prefix), v = strlen(value);

	memset(self->buf, '0', valid);
	memcpy(self->buf, prefix, p);
	memcpy(self->buf + valid - v, value, v);
	/* past the first @valid bytes: something that is not a number */
	memset(self->buf + valid, 'z', len - valid);
}

static const size_t long_sizes[] = { 4095, 4096, 4100, 8000 };

TEST_F(tw, digest_4095_or_more_einval)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(long_sizes); i++) {
		/* the first 4095 bytes are a valid digest line + spaces */
		digest_padded(self, long_sizes[i]);
		write_einval(_metadata, self, "digest", long_sizes[i],
			     "valid digest line, then spaces");
		EXPECT_UNCHANGED(&self->s0, PROV, "obs", NREGS);
		EXPECT_ATTR("h", "last_recnum", "0\n");
	}
	/* 4094 bytes are seen whole: that commit is good */
	digest_padded(self, 4094);
	EXPECT_EQ(4094, write_raw(PATHF("%s/h/digest", CFS_ROOT), self->buf, 4094));
	EXPECT_ATTR("h", "last_recnum", "1\n");
	EXPECT_EQ(2, prov_count(PROV));
}

TEST_F(tw, digest_newline_then_spaces_4100_einval)
{
	digest_padded(self, 4100);
	self->buf[self->line_len] = '\n';
	write_einval(_metadata, self, "digest", 4100,
		     "valid digest line, newline, then spaces");
	nothing_changed(_metadata, self);
}

TEST_F(tw, index_4095_or_more_einval)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(long_sizes); i++) {
		/* the first 4095 bytes read "00...02": index 2 */
		number_padded(self, "", "2", 4095, long_sizes[i]);
		write_einval(_metadata, self, "index", long_sizes[i],
			     "4095 bytes of \"00...02\"");
		EXPECT_ATTR("h", "index", "1\n");
	}
	nothing_changed(_metadata, self);
}

TEST_F(tw, event_type_4095_or_more_einval)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(long_sizes); i++) {
		/* the first 4095 bytes read "0x00...0d": type 0xd */
		number_padded(self, "0x", "d", 4095, long_sizes[i]);
		write_einval(_metadata, self, "event_type", long_sizes[i],
			     "4095 bytes of \"0x00...0d\"");
		EXPECT_ATTR("h", "event_type", TYPE);
	}
	nothing_changed(_metadata, self);
}

/*
 * provider: on handle "p", which has not committed (a handle that has may
 * not rebind at all) and has index 2 (a rebind would reset it).
 */
static void provider_einval(struct __test_metadata *_metadata,
			    FIXTURE_DATA(tw) *self, size_t len,
			    const char *what)
{
	ssize_t n = write_raw(PATHF("%s/p/provider", CFS_ROOT), self->buf, len);

	if (n != -EINVAL)
		TH_LOG("provider: write of %zu bytes (%s) returned %s, want EINVAL",
		       len, what,
		       n >= 0 ? PATHF("%zd bytes written", n) : errname(n));
	EXPECT_EQ(-EINVAL, n);
	EXPECT_ATTR("p", "provider", "sim\n");
	EXPECT_ATTR("p", "index", "2\n");
}

TEST_F(tw, provider_4095_or_more_einval)
{
	size_t i;

	ASSERT_OK(h_open("p", PROV, 2));
	for (i = 0; i < ARRAY_SIZE(long_sizes); i++) {
		memset(self->buf, ' ', long_sizes[i]);
		memcpy(self->buf, "sim1\n", 5);
		provider_einval(_metadata, self, long_sizes[i],
				"\"sim1\\n\", then spaces");
	}
	/* the same handle rebinds with a short write */
	ASSERT_OK(h_write("p", "provider", "sim1\n"));
	EXPECT_ATTR("p", "provider", "sim1\n");
	nothing_changed(_metadata, self);
}

TEST_F(tw, index_nul_einval)
{
	memcpy(self->buf, "3\0junk", 6);
	write_einval(_metadata, self, "index", 6, "\"3\\0junk\"");
	memcpy(self->buf, "3\n\0", 3);
	write_einval(_metadata, self, "index", 3, "\"3\\n\\0\"");
	memcpy(self->buf, "\0" "3", 2);
	write_einval(_metadata, self, "index", 2, "\"\\0" "3\"");
	nothing_changed(_metadata, self);
}

TEST_F(tw, event_type_nul_einval)
{
	memcpy(self->buf, "0xd\0junk", 8);
	write_einval(_metadata, self, "event_type", 8, "\"0xd\\0junk\"");
	memcpy(self->buf, "0xd\0", 4);
	write_einval(_metadata, self, "event_type", 4, "\"0xd\\0\"");
	nothing_changed(_metadata, self);
}

TEST_F(tw, provider_nul_einval)
{
	ASSERT_OK(h_open("p", PROV, 2));
	memcpy(self->buf, "sim1\0junk", 9);
	provider_einval(_metadata, self, 9, "\"sim1\\0junk\"");
	memcpy(self->buf, "sim1\0", 5);
	provider_einval(_metadata, self, 5, "\"sim1\\0\"");
	memcpy(self->buf, "sim1\n\0", 6);
	provider_einval(_metadata, self, 6, "\"sim1\\n\\0\"");
	nothing_changed(_metadata, self);
}

TEST_F(tw, digest_nul_einval)
{
	size_t n = self->line_len;
	char *sp;

	/* NUL for the space between the two tokens */
	memcpy(self->buf, self->line, n);
	sp = memchr(self->buf, ' ', n);
	ASSERT_NE(NULL, sp);
	*sp = '\0';
	write_einval(_metadata, self, "digest", n, "NUL between the tokens");
	/* NUL at the end, with and without the newline */
	memcpy(self->buf, self->line, n);
	self->buf[n] = '\0';
	write_einval(_metadata, self, "digest", n + 1, "line, then NUL");
	self->buf[n] = '\n';
	self->buf[n + 1] = '\0';
	write_einval(_metadata, self, "digest", n + 2, "line, newline, NUL");
	/* NUL then junk after a valid line */
	memcpy(self->buf + n, "\n\0junk", 6);
	write_einval(_metadata, self, "digest", n + 6, "line, newline, NUL, junk");
	nothing_changed(_metadata, self);
}

TEST_HARNESS_MAIN
