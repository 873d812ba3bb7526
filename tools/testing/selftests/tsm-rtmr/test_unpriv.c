// SPDX-License-Identifier: GPL-2.0
/*
 * Only CAP_SYS_ADMIN may create handles or write any attribute of one
 * (spec section 4). Two kinds of caller, each in a forked child:
 *   nobody:  uid/gid 65534 (no capabilities at all)
 *   nocap:   uid 0 without CAP_SYS_ADMIN (file permissions let it open
 *            everything, so the module itself must refuse)
 * Each must get EPERM or EACCES, and nothing may change: handle attributes,
 * staged event data, count, state, binary log and register values.
 */
#include <grp.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define BANKS	"sha256,sha384"
#define NREGS	4

enum op {
	OP_MKDIR, OP_PROVIDER, OP_INDEX, OP_EVENT_TYPE, OP_DIGEST, OP_EVENT,
	OP_RMDIR, OP_PARAM, OP_READ_LOG, OP_READ_COUNT, OP_NR
};

static const char *const op_name[OP_NR] = {
	"mkdir", "provider", "index", "event_type", "digest", "event",
	"rmdir", "max_log_bytes", "read binary_event_log", "read count",
};

struct result {
	int r[OP_NR];
	int setup;
};

FIXTURE(unpriv) {
	struct result *res;
	struct digests d;
	struct snap s0, s1;
};

FIXTURE_SETUP(unpriv)
{
	ASSERT_EQ(0, sim_load(SIM_2BANKS " instances=2"));
	self->res = mmap(NULL, sizeof(struct result), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->res);
	ASSERT_OK(digests_of_str(&self->d, BANKS, "unpriv"));
	/* root state: one entry, a handle with index, type and event staged */
	ASSERT_OK(h_open("h", "sim", 0));
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(h_write("h", "event_type", "0x80000002"));
	ASSERT_OK(h_event("h", "root event", 10));
	ASSERT_OK(h_open("obs0", "sim", -1));
	ASSERT_OK(h_open("obs1", "sim1", -1));
	ASSERT_OK(snap_take(&self->s0, "sim", "obs0", NREGS));
	ASSERT_OK(snap_take(&self->s1, "sim1", "obs1", NREGS));
	ASSERT_OK(h_index("h", 0));
}

FIXTURE_TEARDOWN(unpriv)
{
	snap_free(&self->s0);
	snap_free(&self->s1);
	munmap(self->res, sizeof(struct result));
	tsm_cleanup();
}

static void child(struct result *res, bool nobody, const struct digests *d)
{
	char b[64];
	ssize_t n;
	unsigned char *raw = NULL;

	if (nobody) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534)) {
			res->setup = -errno;
			return;
		}
	} else {
		res->setup = caps_drop(CAP_SYS_ADMIN);
		if (res->setup)
			return;
	}
	res->r[OP_MKDIR] = h_mkdir_raw("u");
	res->r[OP_PROVIDER] = h_write("h", "provider", "sim1\n");
	res->r[OP_INDEX] = h_write("h", "index", "1\n");
	res->r[OP_EVENT_TYPE] = h_write("h", "event_type", "0xd\n");
	res->r[OP_DIGEST] = h_commit("h", d);
	res->r[OP_EVENT] = h_event("h", "evil", 4);
	if (nobody) {
		res->r[OP_RMDIR] = h_rmdir("obs1");
		res->r[OP_PARAM] = write_str(CORE_PARAMS "/max_log_bytes",
					     "100\n");
		n = prov_log("sim", &raw);
		res->r[OP_READ_LOG] = n < 0 ? n : 0;
		free(raw);
	}
	n = prov_read("sim", "count", b, sizeof(b));
	res->r[OP_READ_COUNT] = n < 0 ? n : 0;
}

static void run_child(struct __test_metadata *_metadata,
		      FIXTURE_DATA(unpriv) *self, bool nobody)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;
	pid_t pid;
	int st, i;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		child(self->res, nobody, &self->d);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	ASSERT_TRUE(WIFEXITED(st));
	ASSERT_OK(self->res->setup);

	for (i = 0; i < OP_NR; i++) {
		int r = self->res->r[i];
		bool refused = r == -EPERM || r == -EACCES;
		bool want_refused = true;

		if (i == OP_READ_COUNT)
			want_refused = false;	/* count is 0444 */
		if (!nobody && (i == OP_RMDIR || i == OP_PARAM ||
				i == OP_READ_LOG))
			continue;		/* not attempted */
		/*
		 * configfs applies binary attribute data on close and drops
		 * errors there, so as uid 0 the write itself may succeed; it
		 * must still change nothing (checked below).
		 */
		if (!nobody && i == OP_EVENT && r == 0)
			continue;
		if (want_refused != refused)
			TH_LOG("%s as %s: got %s, want %s", op_name[i],
			       nobody ? "nobody" : "root without CAP_SYS_ADMIN",
			       errname(r),
			       want_refused ? "EPERM or EACCES" : "success");
		EXPECT_EQ(want_refused, refused);
	}

	/* nothing changed */
	EXPECT_FALSE(exists(PATHF("%s/u", CFS_ROOT)));
	EXPECT_TRUE(exists(PATHF("%s/obs1", CFS_ROOT)));
	EXPECT_ATTR("h", "provider", "sim\n");
	EXPECT_ATTR("h", "index", "0\n");
	EXPECT_ATTR("h", "event_type", "0x80000002\n");
	EXPECT_ATTR("h", "last_recnum", "0\n");
	{
		char b[64];

		ASSERT_LT(0, read_text(CORE_PARAMS "/max_log_bytes", b,
				       sizeof(b)));
		EXPECT_EQ(DEFAULT_MAX_LOG_BYTES, strtoul(b, NULL, 10));
	}
	EXPECT_UNCHANGED(&self->s0, "sim", "obs0", NREGS);
	EXPECT_UNCHANGED(&self->s1, "sim1", "obs1", NREGS);

	/* root's staged event survived: the next commit carries it */
	ASSERT_OK(h_commit("h", &self->d));
	ASSERT_OK(prov_log_parse("sim", &raw, NULL, &l, err, sizeof(err)));
	ASSERT_EQ(2, l.n);
	EXPECT_EQ(1, l.e[1].log_index);
	EXPECT_EQ(0x80000002, l.e[1].event_type);
	ASSERT_EQ(10, l.e[1].event_size);
	EXPECT_EQ(0, memcmp("root event", l.e[1].event, 10));
	log_free(&l);
	free(raw);
}

TEST_F(unpriv, nobody_refused_nothing_changes)
{
	run_child(_metadata, self, true);
}

TEST_F(unpriv, root_without_cap_sys_admin_refused)
{
	run_child(_metadata, self, false);
}

TEST_HARNESS_MAIN
