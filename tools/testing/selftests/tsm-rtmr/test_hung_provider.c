// SPDX-License-Identifier: GPL-2.0
/*
 * A hung provider (spec section 4: readers never stall writers beyond one
 * provider call, and every wait on a lock held across a provider call is
 * killable; issue 12 item 8).
 *
 * The simulator's extend_delay_ms makes every extend sleep that long,
 * uninterruptibly, like a TPM that does not answer. While process A
 * commits (the provider busy for DELAY_MS):
 *   - count, state and value (of a register tsm-rtmr committed to before,
 *     so the core has a confirmed copy) each answer in well under a second;
 *   - process B, committing on another handle and so waiting behind A,
 *     dies promptly on SIGKILL;
 *   - a reader of binary_event_log waits at most for A's extend (one
 *     provider call), and is killable too;
 *   - a writer of import (which takes the same lock as a commit) dies
 *     promptly on SIGKILL, and one left alone gets EBUSY once A is done,
 *     the log then holding entries.
 */
#include <signal.h>
#include <sys/mman.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS		"sha256,sha384"
#define PROV		"sim"
#define DELAY_MS	3000
#define FAST_MS		1000	/* "well under a second": TCG noise allowed */
#define KILL_MS		1000	/* SIGKILL to waitpid */

struct res {
	volatile int started;
	ssize_t e_rc;		/* E's import write: bytes or -errno */
	double t_start;		/* when A began its commit */
	double t_done;		/* when A's commit returned */
	int a_rc;
	int c_started;
	double c_ms;		/* C's whole-log read */
	ssize_t c_len;
};

FIXTURE(hung) {
	struct res *r;
	struct digests d;
};

FIXTURE_SETUP(hung)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS));
	self->r = mmap(NULL, sizeof(struct res), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->r);
	ASSERT_OK(digests_of_str(&self->d, BANKS, "hung"));
	/* every register the test reads has been committed to */
	ASSERT_OK(h_open("a", PROV, 0));
	ASSERT_OK(h_open("b", PROV, 2));
	ASSERT_OK(h_open("obs", PROV, 1));
	ASSERT_OK(h_commit("a", &self->d));
	ASSERT_OK(h_commit("obs", &self->d));
	ASSERT_OK(h_commit("b", &self->d));
	ASSERT_EQ(3, prov_count(PROV));
	ASSERT_OK(sim_extend_delay(DELAY_MS));
}

FIXTURE_TEARDOWN(hung)
{
	if (exists(SIM_PARAMS "/extend_delay_ms"))
		sim_extend_delay(0);
	munmap(self->r, sizeof(struct res));
	tsm_cleanup();
}

/* Process A: one commit on "a", which holds the provider DELAY_MS. */
static pid_t start_a(struct res *r, const struct digests *d)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	r->t_start = now_ms();
	r->started = 1;
	r->a_rc = h_commit("a", d);
	r->t_done = now_ms();
	_exit(0);
}

/* Wait until A is inside its extend (it started, plus a margin). */
static void a_in_extend(struct res *r)
{
	while (!r->started)
		usleep(1000);
	while (now_ms() - r->t_start < 400)
		usleep(1000);
}

static double timed_read(const char *path, char *b, size_t size, ssize_t *n)
{
	double t = now_ms();

	*n = read_text(path, b, size);
	return now_ms() - t;
}

/*
 * SIGKILL @pid, which waits behind A, and reap it: it must die of the
 * signal within KILL_MS. Returns when it was reaped.
 */
static double kill_promptly(struct __test_metadata *_metadata,
			    const struct res *r, pid_t pid, const char *who)
{
	double t_kill = now_ms(), t_reaped;
	int st = 0;

	EXPECT_EQ(0, kill(pid, SIGKILL));
	EXPECT_EQ(pid, waitpid(pid, &st, 0));
	t_reaped = now_ms();
	TH_LOG("%s reaped %.0f ms after SIGKILL, %.0f ms into A's extend",
	       who, t_reaped - t_kill, t_reaped - r->t_start);
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	EXPECT_GT(KILL_MS, t_reaped - t_kill);
	return t_reaped;
}

TEST_F_TIMEOUT(hung, readers_answer_while_provider_hangs, 60)
{
	struct res *r = self->r;
	char b[1024];
	double ms, after;
	ssize_t n;
	pid_t a;
	int st;

	a = start_a(r, &self->d);
	ASSERT_LE(0, a);
	a_in_extend(r);

	ms = timed_read(SFS_ROOT "/" PROV "/count", b, sizeof(b), &n);
	TH_LOG("count: %.0f ms, '%.*s'", ms, (int)(n > 0 ? n - 1 : 0), b);
	ASSERT_LT(0, n);
	EXPECT_GT(FAST_MS, ms);
	ms = timed_read(SFS_ROOT "/" PROV "/state", b, sizeof(b), &n);
	TH_LOG("state: %.0f ms", ms);
	ASSERT_LT(0, n);
	EXPECT_STREQ("ok\n", b);
	EXPECT_GT(FAST_MS, ms);
	ms = timed_read(PATHF("%s/obs/value", CFS_ROOT), b, sizeof(b), &n);
	TH_LOG("value of register 1: %.0f ms", ms);
	ASSERT_LT(0, n);
	EXPECT_GT(FAST_MS, ms);
	after = now_ms();

	ASSERT_EQ(a, waitpid(a, &st, 0));
	EXPECT_EQ(0, r->a_rc);
	/* the reads were answered while A's extend was still running */
	EXPECT_GT(r->t_done, after);
	TH_LOG("A's commit took %.0f ms", r->t_done - r->t_start);
	EXPECT_LE(DELAY_MS - 50, r->t_done - r->t_start);
	EXPECT_EQ(4, prov_count(PROV));
}

TEST_F_TIMEOUT(hung, committer_waiting_behind_it_dies_on_sigkill, 60)
{
	struct res *r = self->r;
	double t_reaped;
	pid_t a, b;
	int st;

	a = start_a(r, &self->d);
	ASSERT_LE(0, a);
	a_in_extend(r);
	b = fork();
	ASSERT_LE(0, b);
	if (!b) {
		h_commit("b", &self->d);
		_exit(0);
	}
	usleep(300 * 1000);
	/* B is blocked behind A, not done */
	EXPECT_EQ(0, waitpid(b, &st, WNOHANG));
	t_reaped = kill_promptly(_metadata, r, b, "B");

	ASSERT_EQ(a, waitpid(a, &st, 0));
	EXPECT_EQ(0, r->a_rc);
	/* B died before A's extend was over */
	EXPECT_GT(r->t_done, t_reaped);
	/* B never got the lock: only A's entry was added */
	EXPECT_EQ(4, prov_count(PROV));
	EXPECT_ATTR("b", "last_recnum", "2\n");
}

TEST_F_TIMEOUT(hung, log_reader_waits_one_call_and_is_killable, 60)
{
	struct res *r = self->r;
	double t_reaped;
	pid_t a, c, k;
	int st;

	a = start_a(r, &self->d);
	ASSERT_LE(0, a);
	a_in_extend(r);

	/* C reads the whole log once: at most A's extend to wait */
	c = fork();
	ASSERT_LE(0, c);
	if (!c) {
		unsigned char *raw = NULL;
		double t = now_ms();

		r->c_started = 1;
		r->c_len = prov_log(PROV, &raw);
		r->c_ms = now_ms() - t;
		_exit(0);
	}
	/* K reads it in a loop, and is killed while A's extend runs */
	k = fork();
	ASSERT_LE(0, k);
	if (!k) {
		for (;;) {
			unsigned char *raw = NULL;

			prov_log(PROV, &raw);
			free(raw);
		}
	}
	usleep(300 * 1000);
	t_reaped = kill_promptly(_metadata, r, k, "log reader");

	ASSERT_EQ(c, waitpid(c, &st, 0));
	ASSERT_EQ(a, waitpid(a, &st, 0));
	EXPECT_EQ(0, r->a_rc);
	EXPECT_GT(r->t_done, t_reaped);
	TH_LOG("whole-log read during the extend: %.0f ms, %zd bytes",
	       r->c_ms, r->c_len);
	EXPECT_LT(0, r->c_len);
	/* one provider call at most, started before the read */
	EXPECT_GT(DELAY_MS + FAST_MS, r->c_ms);
}

TEST_F_TIMEOUT(hung, importer_waiting_behind_it_is_killable, 60)
{
	struct res *r = self->r;
	unsigned char *log = NULL, *after = NULL;
	double t_reaped;
	ssize_t len, len_after;
	pid_t a, d, e;
	int st;

	len = prov_log(PROV, &log);
	ASSERT_LT(0, len);
	a = start_a(r, &self->d);
	ASSERT_LE(0, a);
	a_in_extend(r);

	/* D and E write an import: both wait behind A's extend */
	d = fork();
	ASSERT_LE(0, d);
	if (!d) {
		write_raw(SFS_ROOT "/" PROV "/import", log, len);
		_exit(0);
	}
	e = fork();
	ASSERT_LE(0, e);
	if (!e) {
		r->e_rc = write_raw(SFS_ROOT "/" PROV "/import", log, len);
		_exit(0);
	}
	usleep(300 * 1000);
	EXPECT_EQ(0, waitpid(d, &st, WNOHANG));
	EXPECT_EQ(0, waitpid(e, &st, WNOHANG));
	t_reaped = kill_promptly(_metadata, r, d, "importer");

	ASSERT_EQ(a, waitpid(a, &st, 0));
	EXPECT_EQ(0, r->a_rc);
	EXPECT_GT(r->t_done, t_reaped);
	ASSERT_EQ(e, waitpid(e, &st, 0));
	/* the log holds entries: refused, and nothing changed */
	EXPECT_EQ(-EBUSY, r->e_rc);
	EXPECT_EQ(4, prov_count(PROV));
	len_after = prov_log(PROV, &after);
	ASSERT_LT(len, len_after);
	EXPECT_EQ(0, memcmp(log, after, len));
	free(log);
	free(after);
}

TEST_HARNESS_MAIN
