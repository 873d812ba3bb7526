// SPDX-License-Identifier: GPL-2.0
/*
 * The two doors for event data, at every size boundary (spec section 4;
 * issue 19 item 3).
 *
 * `event` is a text attribute: one write(2) of 1-4094 bytes stages exactly
 * those bytes, NULs included, and each write replaces what was staged;
 * configfs hands a text attribute at most 4095 bytes of a write, so a
 * write of 4095 bytes or more fails with EFBIG, whole, from the write.
 *
 * `event_blob` is a binary attribute: the writes of one open are applied
 * at close, up to max_event_bytes (64 KiB by default); more, written at
 * once, in chunks or at an offset past it, makes the next commit fail with
 * EFBIG, and never commits a prefix. Before issue 19, 65537 bytes written
 * 4 KiB at a time got EFBIG on the last write and the next commit logged
 * the first 65536.
 *
 * A staging failure is sticky: every commit fails with it until a later
 * write to either door succeeds. Nothing is logged or extended meanwhile.
 *
 * Also here: index is decimal and event_type decimal or 0x-hex, never
 * octal ("011" is eleven, not nine), and the staged attributes' modes.
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS		"sha256,sha384"
#define PROV		"sim"
#define MAX_EVENT	65536		/* the core's default max_event_bytes */
#define CHUNK		4096		/* what cat and busybox write at once */
#define BIG		(1 << 20)

FIXTURE(ed) {
	struct digests d;
	unsigned char *buf;	/* BIG + 1 bytes of a pattern with NULs */
	size_t logged;		/* entries in the log */
};

FIXTURE_SETUP(ed)
{
	size_t i;

	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("h", PROV, 0));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "event doors"));
	self->buf = malloc(BIG + 1);
	ASSERT_NE(NULL, self->buf);
	/* every 7th byte a NUL: no C-string handling may cut the data */
	for (i = 0; i <= BIG; i++)
		self->buf[i] = i % 7 ? (unsigned char)(i * 31 + 1) : 0;
	self->logged = 0;
}

FIXTURE_TEARDOWN(ed)
{
	free(self->buf);
	tsm_cleanup();
}

/* The log holds self->logged entries, the last with @len bytes of @data. */
static void last_event_is(struct __test_metadata *_metadata,
			  FIXTURE_DATA(ed) *self, const void *data, size_t len)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;

	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(self->logged, l.n);
	if (l.e[l.n - 1].event_size != len)
		TH_LOG("entry %zu carries %u bytes of event data, want %zu",
		       l.n - 1, l.e[l.n - 1].event_size, len);
	EXPECT_EQ(len, l.e[l.n - 1].event_size);
	if (l.e[l.n - 1].event_size == len)
		EXPECT_EQ(0, memcmp(data, l.e[l.n - 1].event, len));
	log_free(&l);
	free(raw);
}

/* Commit, and find exactly @len bytes of @data as the last entry's event. */
static void commit_logs(struct __test_metadata *_metadata,
			FIXTURE_DATA(ed) *self, const void *data, size_t len)
{
	ASSERT_OK(h_commit("h", &self->d));
	self->logged++;
	last_event_is(_metadata, self, data, len);
}

/* The commit fails with @err, and nothing is logged. */
static void commit_fails(struct __test_metadata *_metadata,
			 FIXTURE_DATA(ed) *self, int err)
{
	EXPECT_ERRNO(err, h_commit("h", &self->d));
	EXPECT_EQ((long)self->logged, prov_count(PROV));
}

/* Open @attr of "h" for writing. */
static int attr_open(const char *attr)
{
	return open(PATHF("%s/h/%s", CFS_ROOT, attr), O_WRONLY);
}

/* @len bytes in writes of @chunk, stopping at the first error, as cat does. */
static int write_chunked(const char *attr, const void *data, size_t len,
			 size_t chunk)
{
	const unsigned char *p = data;
	int fd = attr_open(attr), e = 0;
	size_t off;

	if (fd < 0)
		return -errno;
	for (off = 0; off < len && !e; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (write(fd, p + off, n) != (ssize_t)n)
			e = -errno;
	}
	if (close(fd) && !e)
		e = -errno;
	return e;
}

/* One pwrite of @len bytes at @off, then close. */
static int pwrite_at(const char *attr, const void *data, size_t len, off_t off)
{
	int fd = attr_open(attr), e = 0;

	if (fd < 0)
		return -errno;
	if (pwrite(fd, data, len, off) != (ssize_t)len)
		e = -errno;
	if (close(fd) && !e)
		e = -errno;
	return e;
}

TEST_F(ed, text_1_to_4094_bytes_stage_exactly)
{
	static const size_t sizes[] = { 1, 2, 7, 4093, EVENT_TEXT_MAX };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_OK(h_event_text("h", self->buf, sizes[i]));
		commit_logs(_metadata, self, self->buf, sizes[i]);
	}
	/* a single NUL is data too */
	ASSERT_OK(h_event_text("h", "", 1));
	commit_logs(_metadata, self, "", 1);
}

/*
 * 4095 bytes or more, in one write: EFBIG from that write (not a short
 * count, which a writer would follow with the rest), sticky until a good
 * write, and what was staged before is not committed either.
 */
TEST_F(ed, text_4095_and_more_refused_whole_and_sticky)
{
	static const size_t sizes[] = { 4095, 4096, 8000, 70000, BIG };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_OK(h_event_text("h", "staged before", 13));
		EXPECT_ERRNO(EFBIG, h_event_text("h", self->buf, sizes[i]));
		commit_fails(_metadata, self, EFBIG);
		commit_fails(_metadata, self, EFBIG);
		ASSERT_OK(h_event_text("h", "good", 4));
		commit_logs(_metadata, self, "good", 4);
	}
}

/* 8000 and 70000 bytes written as cat would: the first chunk is refused. */
TEST_F(ed, text_chunked_refused_at_first_chunk)
{
	static const size_t sizes[] = { 8000, 70000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		EXPECT_ERRNO(EFBIG, write_chunked("event", self->buf, sizes[i],
						  CHUNK));
		commit_fails(_metadata, self, EFBIG);
	}
	ASSERT_OK(h_event_text("h", self->buf, 100));
	commit_logs(_metadata, self, self->buf, 100);
}

/*
 * The way a busy writer uses it: event and digest stay open, and every
 * entry is one pwrite at 0 to each. Each write replaces the staged data;
 * a commit clears it.
 */
TEST_F(ed, text_kept_open_rewritten_per_entry)
{
	int ev = attr_open("event"), dg = attr_open("digest");
	char line[1024];
	unsigned int i;

	ASSERT_LE(0, ev);
	ASSERT_LE(0, dg);
	snprintf(line, sizeof(line), "%s", DIGEST_STR(&self->d));
	for (i = 0; i < 3; i++) {
		char data[32];
		int n = snprintf(data, sizeof(data), "entry %u", i);

		ASSERT_EQ(6, pwrite(ev, "stale!", 6, 0));
		ASSERT_EQ(n, pwrite(ev, data, n, 0));
		ASSERT_EQ((ssize_t)strlen(line),
			  pwrite(dg, line, strlen(line), 0));
		self->logged++;
		last_event_is(_metadata, self, data, n);
	}
	/* committed: nothing staged now */
	ASSERT_EQ((ssize_t)strlen(line), pwrite(dg, line, strlen(line), 0));
	self->logged++;
	last_event_is(_metadata, self, "", 0);
	close(ev);
	close(dg);
}

/* configfs ignores a text attribute's offset: a pwrite anywhere is a write. */
TEST_F(ed, text_pwrite_offset_ignored)
{
	static const off_t offs[] = { 65535, 65536, (off_t)1 << 62 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		ASSERT_OK(pwrite_at("event", self->buf, 50, offs[i]));
		commit_logs(_metadata, self, self->buf, 50);
	}
}

TEST_F(ed, blob_up_to_max_stages_exactly)
{
	static const size_t sizes[] = { 1, EVENT_TEXT_MAX, 4095, 4096, 8000,
					MAX_EVENT };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ASSERT_OK(h_event_blob("h", self->buf, sizes[i]));
		commit_logs(_metadata, self, self->buf, sizes[i]);
	}
	/* in chunks, as cat writes */
	ASSERT_OK(write_chunked("event_blob", self->buf, 8000, CHUNK));
	commit_logs(_metadata, self, self->buf, 8000);
	ASSERT_OK(write_chunked("event_blob", self->buf, MAX_EVENT, CHUNK));
	commit_logs(_metadata, self, self->buf, MAX_EVENT);
}

/*
 * One byte past max_event_bytes, however it was written: the next commit
 * fails with EFBIG, sticky, and no prefix is ever committed.
 */
TEST_F(ed, blob_past_max_fails_the_commit)
{
	static const size_t chunks[] = { CHUNK, 128 << 10, 70000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(chunks); i++) {
		ASSERT_OK(h_event_blob("h", "staged before", 13));
		/* configfs takes every chunk: the module refuses at close */
		EXPECT_OK(write_chunked("event_blob", self->buf, MAX_EVENT + 1,
					chunks[i]));
		commit_fails(_metadata, self, EFBIG);
		EXPECT_OK(write_chunked("event_blob", self->buf, 70000,
					chunks[i]));
		commit_fails(_metadata, self, EFBIG);
		commit_fails(_metadata, self, EFBIG);
	}
	ASSERT_OK(h_event_blob("h", self->buf, 100));
	commit_logs(_metadata, self, self->buf, 100);
}

/* 1 MiB at once: configfs refuses the write, and the commit fails too. */
TEST_F(ed, blob_1mib_single_write)
{
	ASSERT_OK(h_event_blob("h", "staged before", 13));
	EXPECT_ERRNO(EFBIG, h_event_blob("h", self->buf, BIG));
	commit_fails(_metadata, self, EFBIG);
	/* and chunked, with cat's 128 KiB chunks: refused part way */
	EXPECT_ERRNO(EFBIG, write_chunked("event_blob", self->buf, BIG,
					  128 << 10));
	commit_fails(_metadata, self, EFBIG);
}

TEST_F(ed, blob_pwrite_at_offsets)
{
	unsigned char *want = calloc(1, MAX_EVENT);

	ASSERT_NE(NULL, want);
	/* ends at max_event_bytes: zeros, then the byte */
	want[MAX_EVENT - 1] = 'z';
	ASSERT_OK(pwrite_at("event_blob", "z", 1, MAX_EVENT - 1));
	commit_logs(_metadata, self, want, MAX_EVENT);
	free(want);

	/* one byte past it */
	ASSERT_OK(pwrite_at("event_blob", "z", 1, MAX_EVENT));
	commit_fails(_metadata, self, EFBIG);

	/* far past it: configfs refuses the write; the apply has no data */
	ASSERT_OK(h_event_text("h", "good", 4));
	EXPECT_ERRNO(EFBIG, pwrite_at("event_blob", "z", 1, (off_t)1 << 62));
	commit_fails(_metadata, self, EFBIG);
	ASSERT_OK(h_event_blob("h", "good", 4));
	commit_logs(_metadata, self, "good", 4);
}

/* A failure through one door is cleared by a success through either. */
TEST_F(ed, sticky_cleared_by_either_door)
{
	EXPECT_ERRNO(EFBIG, h_event_text("h", self->buf, 5000));
	commit_fails(_metadata, self, EFBIG);
	ASSERT_OK(h_event_blob("h", self->buf, 5000));
	commit_logs(_metadata, self, self->buf, 5000);

	ASSERT_OK(h_event_blob("h", self->buf, MAX_EVENT + 1));
	commit_fails(_metadata, self, EFBIG);
	ASSERT_OK(h_event_text("h", self->buf, 10));
	commit_logs(_metadata, self, self->buf, 10);

	/* the last good staging wins, through whichever door */
	ASSERT_OK(h_event_text("h", "text", 4));
	ASSERT_OK(h_event_blob("h", "blob", 4));
	commit_logs(_metadata, self, "blob", 4);
	ASSERT_OK(h_event_blob("h", "blob", 4));
	ASSERT_OK(h_event_text("h", "text", 4));
	commit_logs(_metadata, self, "text", 4);
}

TEST_F(ed, staged_attribute_modes)
{
	static const struct {
		const char *attr;
		mode_t mode;
	} want[] = {
		{ "index", 0600 }, { "event_type", 0600 }, { "event", 0200 },
		{ "event_blob", 0200 }, { "digest", 0200 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		struct stat st;

		ASSERT_EQ(0, stat(PATHF("%s/h/%s", CFS_ROOT, want[i].attr),
				  &st));
		if ((st.st_mode & 07777) != want[i].mode)
			TH_LOG("%s: mode %04o, want %04o", want[i].attr,
			       st.st_mode & 07777, want[i].mode);
		EXPECT_EQ(want[i].mode, st.st_mode & 07777);
	}
}

/* index: decimal only. A leading zero does not make it octal. */
TEST_F(ed, index_is_decimal)
{
	ASSERT_EQ(0, sim_load("nr_registers=12 algs=sha256,sha384"));
	ASSERT_OK(h_open("h", PROV, -1));
	ASSERT_OK(h_write("h", "index", "010\n"));
	EXPECT_ATTR("h", "index", "10\n");
	EXPECT_ATTR("h", "log_index", "11\n");
	ASSERT_OK(h_write("h", "index", "09"));
	EXPECT_ATTR("h", "index", "9\n");
	EXPECT_ERRNO(EINVAL, h_write("h", "index", "0x3\n"));
	EXPECT_ERRNO(EINVAL, h_write("h", "index", "0b1\n"));
	EXPECT_ATTR("h", "index", "9\n");
	EXPECT_ERRNO(ERANGE, h_write("h", "index", "012\n"));
}

/* event_type: decimal or 0x-hex, never octal. */
TEST_F(ed, event_type_decimal_or_hex)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
		{ "011\n", "0xb\n" }, { "08", "0x8\n" }, { "13", "0xd\n" },
		{ "0x11", "0x11\n" }, { "0X1F\n", "0x1f\n" },
		{ "0x80000001", "0x80000001\n" }, { "4294967295", "0xffffffff\n" },
	};
	static const char *const bad[] = {
		"0o7", "0b1", "x11", "0x", "1f", "-1", "4294967296", "3", "0x3",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		EXPECT_OK(h_write("h", "event_type", ok[i].in));
		EXPECT_ATTR("h", "event_type", ok[i].out);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_ERRNO(EINVAL, h_write("h", "event_type", bad[i]));
		EXPECT_ATTR("h", "event_type", "0xffffffff\n");
	}
}

TEST_HARNESS_MAIN
