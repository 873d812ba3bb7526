// SPDX-License-Identifier: GPL-2.0
/*
 * ENOMEM while staging and while committing (spec section 4: a failure to
 * stage event data is sticky, every commit fails with it until the next
 * successful staging through `event` or `event_blob`, and an entry never
 * carries other event data than what was written; issue 12 item 7).
 *
 * Needs the debug kernel's fault injection (CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS): failslab and
 * fail_page_alloc fail every allocation of a task whose
 * /proc/<pid>/make-it-fail is 1 (task-filter). Not a test_* file, so
 * run_tests.sh leaves it out of the normal-kernel run: make check runs it
 * on the debug kernel (tools/testing/check.sh, stage dbg-enomem-<series>),
 * where a missing fault-injection knob is a failure, not a skip.
 *
 * The armed window is one system call, on memory already touched, so that
 * only the kernel's allocations for that call fail:
 *   staging through event_blob: configfs applies the data when the file is
 *     closed, so the close is armed; the module's copy of the data fails.
 *   staging through event: the module copies the data in the write, so a
 *     second write is armed (the first, unarmed, has configfs allocate its
 *     page buffer); that write fails with ENOMEM itself.
 *   commit: the digest file's page buffer is allocated by configfs on the
 *     first write, so an invalid write (EINVAL) comes first, unarmed; the
 *     armed write of a valid digest line then fails in the commit. The
 *     staged event spans several pages, so the commit cannot fit its record
 *     into log memory allocated before: it must allocate, and fail.
 *   import: /proc/self/fail-nth fails the Nth allocation of one import
 *     write, for N = 1, 2, ... until the write no longer reaches the Nth:
 *     every allocation an import makes fails once, and each failure must
 *     leave the log empty (kmemleak, in the reliability tier, sees what it
 *     staged and did not free). The kernel absorbs some failures (the
 *     xarray retries a node allocation that failed under its lock), so an
 *     outcome is ENOMEM or the one without a failure.
 */
#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define PROV	"sim"
#define NREGS	4
#define FS	"/sys/kernel/debug/failslab"
#define FPA	"/sys/kernel/debug/fail_page_alloc"

static const struct {
	const char *path;
	const char *val;
} fi_knobs[] = {
	{ FS "/probability", "100" },
	{ FS "/interval", "1" },
	{ FS "/times", "-1" },
	{ FS "/task-filter", "Y" },
	{ FS "/ignore-gfp-wait", "N" },
	{ FS "/verbose", "0" },
	{ FPA "/probability", "100" },
	{ FPA "/interval", "1" },
	{ FPA "/times", "-1" },
	{ FPA "/task-filter", "Y" },
	{ FPA "/ignore-gfp-wait", "N" },
	{ FPA "/ignore-gfp-highmem", "N" },
	{ FPA "/min-order", "0" },
	{ FPA "/verbose", "0" },
};

FIXTURE(enomem) {
	int mif;		/* /proc/self/make-it-fail, opened beforehand */
	struct digests d;
	struct snap s0;
};

static int arm(FIXTURE_DATA(enomem) *self, bool on)
{
	return pwrite(self->mif, on ? "1" : "0", 1, 0) == 1 ? 0 : -errno;
}

FIXTURE_SETUP(enomem)
{
	unsigned int i;

	self->mif = -1;
	for (i = 0; i < ARRAY_SIZE(fi_knobs); i++) {
		int r = write_str(fi_knobs[i].path, fi_knobs[i].val);

		if (r)
			TH_LOG("%s = %s: %s (a debug kernel with CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC and CONFIG_FAULT_INJECTION_DEBUG_FS, debugfs mounted?)",
			       fi_knobs[i].path, fi_knobs[i].val, errname(r));
		ASSERT_OK(r);
	}
	self->mif = open("/proc/self/make-it-fail", O_WRONLY);
	ASSERT_LE(0, self->mif);
	ASSERT_OK(arm(self, false));
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	ASSERT_OK(h_open("h", PROV, 1));
	ASSERT_OK(h_open("obs", PROV, -1));
	ASSERT_OK(digests_of_str(&self->d, BANKS, "before"));
	ASSERT_OK(h_commit("h", &self->d));
}

FIXTURE_TEARDOWN(enomem)
{
	if (self->mif >= 0) {
		arm(self, false);
		close(self->mif);
	}
	write_str(FS "/probability", "0");
	write_str(FPA "/probability", "0");
	snap_free(&self->s0);
	tsm_cleanup();
}

/* The last entry carries exactly @ev and the digests @d. */
static void last_entry_is(struct __test_metadata *_metadata, size_t n,
			  const struct digests *d, const void *ev, size_t len)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;

	ASSERT_OK(prov_log_parse(PROV, &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(n, l.n);
	if (l.e[n - 1].event_size != len)
		TH_LOG("entry %zu carries %u bytes of event data, want %zu",
		       n - 1, l.e[n - 1].event_size, len);
	ASSERT_EQ(len, l.e[n - 1].event_size);
	EXPECT_EQ(0, memcmp(ev, l.e[n - 1].event, len));
	EXPECT_TRUE(digests_equal(d, &l.e[n - 1].ds));
	log_free(&l);
	free(raw);
}

/* After a staging failure: every commit fails with ENOMEM until a good one. */
static void sticky_until_staged_again(struct __test_metadata *_metadata,
				      FIXTURE_DATA(enomem) *self,
				      const char *old, const char *ev)
{
	static const char good[] = "written again";
	struct digests d;

	ASSERT_OK(snap_take(&self->s0, PROV, "obs", NREGS));
	/* sticky: neither the old event nor none is committed */
	ASSERT_OK(digests_of_str(&d, BANKS, ev));
	EXPECT_ERRNO(ENOMEM, h_commit("h", &d));
	EXPECT_ERRNO(ENOMEM, h_commit("h", &d));
	ASSERT_OK(digests_of_str(&d, BANKS, old));
	EXPECT_ERRNO(ENOMEM, h_commit("h", &d));
	EXPECT_UNCHANGED(&self->s0, PROV, "obs", NREGS);
	EXPECT_ATTR("h", "last_recnum", "0\n");

	/* a successful staging clears it */
	ASSERT_OK(h_event("h", good, strlen(good)));
	ASSERT_OK(digests_of_str(&d, BANKS, good));
	ASSERT_OK(h_commit("h", &d));
	last_entry_is(_metadata, 2, &d, good, strlen(good));
}

TEST_F(enomem, staging_failure_is_sticky_event_blob)
{
	static const char old[] = "staged first", ev[] = "lost to ENOMEM";
	int fd, r, rc;

	ASSERT_OK(h_event_blob("h", old, strlen(old)));
	fd = open(PATHF("%s/h/event_blob", CFS_ROOT), O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(ev), write(fd, ev, strlen(ev)));
	/* configfs applies the data at this close: the module's copy fails */
	ASSERT_OK(arm(self, true));
	rc = close(fd);
	r = arm(self, false);
	ASSERT_OK(r);
	TH_LOG("the armed close returned %d", rc);
	sticky_until_staged_again(_metadata, self, old, ev);
}

TEST_F(enomem, staging_failure_is_sticky_event)
{
	static const char old[] = "staged first", ev[] = "lost to ENOMEM";
	ssize_t n;
	int fd, e, r;

	fd = open(PATHF("%s/h/event", CFS_ROOT), O_WRONLY);
	ASSERT_LE(0, fd);
	/* unarmed: stages old, and configfs allocates its page buffer */
	ASSERT_EQ((ssize_t)strlen(old), write(fd, old, strlen(old)));
	ASSERT_OK(arm(self, true));
	n = pwrite(fd, ev, strlen(ev), 0);
	e = errno;
	r = arm(self, false);
	ASSERT_OK(r);
	/* the text door answers the writer: ENOMEM from the write itself */
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENOMEM, e);
	ASSERT_EQ(0, close(fd));
	sticky_until_staged_again(_metadata, self, old, ev);
}

TEST_F(enomem, commit_failure_keeps_the_staged_event)
{
	static unsigned char ev[3 * 4096 + 123];
	char line[1024];
	struct digests d;
	size_t k;
	ssize_t n;
	int fd, e, r;

	for (k = 0; k < sizeof(ev); k++)
		ev[k] = k * 131 + 7;
	ASSERT_OK(h_event("h", ev, sizeof(ev)));
	ASSERT_OK(digests_of(&d, BANKS, ev, sizeof(ev)));
	snprintf(line, sizeof(line), "%s", DIGEST_STR(&d));
	ASSERT_OK(snap_take(&self->s0, PROV, "obs", NREGS));

	fd = open(PATHF("%s/h/digest", CFS_ROOT), O_WRONLY);
	ASSERT_LE(0, fd);
	/* unarmed: configfs allocates the file's page buffer here */
	EXPECT_EQ(-1, write(fd, "x\n", 2));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_OK(arm(self, true));
	n = pwrite(fd, line, strlen(line), 0);
	e = errno;
	r = arm(self, false);
	ASSERT_OK(r);
	close(fd);
	if (n != -1 || e != ENOMEM)
		TH_LOG("armed commit: %s, want ENOMEM",
		       n >= 0 ? "success" : errname(-e));
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENOMEM, e);

	/* nothing logged or extended; the event is still staged */
	EXPECT_UNCHANGED(&self->s0, PROV, "obs", NREGS);
	EXPECT_ATTR("h", "last_recnum", "0\n");
	ASSERT_OK(h_commit("h", &d));
	last_entry_is(_metadata, 2, &d, ev, sizeof(ev));
}

/*
 * One write of @log to the simulator's import file with the @nth
 * allocation failed (0: none). Returns 0 or the errno; *@fired says
 * whether the write reached its @nth allocation.
 */
static int import_failing_nth(const void *log, size_t len, unsigned int nth,
			      bool *fired)
{
	char left[16] = "";
	int fd, nfd, err = 0;

	fd = open(SFS_ROOT "/" PROV "/import", O_WRONLY);
	nfd = open("/proc/self/fail-nth", O_RDWR);
	if (fd < 0 || nfd < 0) {
		err = errno;
		goto out;
	}
	if (dprintf(nfd, "%u", nth) < 0) {
		err = errno;
		goto out;
	}
	if (write(fd, log, len) != (ssize_t)len)
		err = errno;
	/* what is left of the count: 0 once the fault fired */
	if (pread(nfd, left, sizeof(left) - 1, 0) < 0)
		left[0] = '?';
	dprintf(nfd, "0");
	*fired = nth && atoi(left) == 0 && left[0] != '?';
out:
	if (nfd >= 0)
		close(nfd);
	if (fd >= 0)
		close(fd);
	return err;
}

/* The simulator's log holds no entry: count, both logs. */
static void log_is_empty(struct __test_metadata *_metadata,
			 const unsigned char *hdr, ssize_t hdr_len)
{
	unsigned char *raw = NULL;
	char *ascii = NULL;

	EXPECT_EQ(0, prov_count(PROV));
	ASSERT_EQ(hdr_len, prov_log(PROV, &raw));
	EXPECT_EQ(0, memcmp(hdr, raw, hdr_len));
	EXPECT_EQ(0, prov_ascii(PROV, &ascii));
	free(raw);
	free(ascii);
}

TEST_F_TIMEOUT(enomem, import_fails_cleanly_at_every_allocation, 300)
{
	static unsigned char ev[3000];
	unsigned char *log = NULL, *hdr = NULL;
	unsigned int nth, enomem = 0;
	ssize_t len, hdr_len;
	char state[16];
	bool fired = true;
	int i, rc = 0;

	/* a log of 20 records over 15 pages: the simulator's own */
	for (i = 1; i < 20; i++) {
		memset(ev, i, sizeof(ev));
		ASSERT_OK(h_event("h", ev, sizeof(ev)));
		ASSERT_OK(h_commit("h", &self->d));
	}
	len = prov_log(PROV, &log);
	ASSERT_LT(14 * 4096, len);
	/* a fresh simulator: an empty log, which import takes */
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	hdr_len = prov_log(PROV, &hdr);
	ASSERT_LT(0, hdr_len);

	for (nth = 1; fired && nth < 1000; nth++) {
		rc = import_failing_nth(log, len, nth, &fired);
		if (rc == ENOMEM)
			enomem++;
		else if (rc != EINVAL || fired)
			TH_LOG("allocation %u failed, absorbed: %s", nth,
			       errname(-rc));
		/* ENOMEM, or a fault absorbed and the refusal every
		 * simulator gives a log with records
		 */
		EXPECT_TRUE(rc == ENOMEM || rc == EINVAL);
		log_is_empty(_metadata, hdr, hdr_len);
		if (!_metadata->passed)
			break;
	}
	TH_LOG("%u allocations failed in turn, %u of them ENOMEM", nth - 2,
	       enomem);
	EXPECT_FALSE(fired);
	/* the staging allocates, page by page */
	EXPECT_LE(15, enomem);
	EXPECT_EQ(EINVAL, rc);

	/* header alone, the same way, until it is taken */
	rc = ENOMEM;
	for (nth = 1; rc == ENOMEM && nth < 100; nth++) {
		rc = import_failing_nth(hdr, hdr_len, nth, &fired);
		if (rc && rc != ENOMEM)
			TH_LOG("header alone: allocation %u failed: %s", nth,
			       errname(-rc));
		log_is_empty(_metadata, hdr, hdr_len);
	}
	EXPECT_EQ(0, rc);
	ASSERT_LT(0, read_text(SFS_ROOT "/" PROV "/state", state, sizeof(state)));
	EXPECT_STREQ("ok\n", state);
	free(log);
	free(hdr);
}

TEST_HARNESS_MAIN
