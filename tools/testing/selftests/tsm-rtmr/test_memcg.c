// SPDX-License-Identifier: GPL-2.0
/*
 * The log is global and outlives whichever container wrote an entry, so
 * its pages are not charged to the writer's memory cgroup (issue 12, item
 * 10; IMA does not charge its measurement list either). A writer in a
 * cgroup of its own commits 30 000 entries, about 2.5 MB of log (82 bytes of
 * memory each); its cgroup's memory.current must not grow by the log.
 */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define CGROOT		"/sys/fs/cgroup"
#define CG		CGROOT "/tsm-rtmr-memcg"
#define ENTRIES		30000
#define WARMUP		200
/*
 * The log of ENTRIES is ~2 MB of records + 480 KB of offsets; memcg charges
 * in per-CPU batches of 256 KB, so a growth of a few batches is noise.
 */
#define MAX_GROWTH	(1 << 20)

static long cg_current(void)
{
	char b[64];

	if (read_text(CG "/memory.current", b, sizeof(b)) <= 0)
		return -1;
	return strtol(b, NULL, 10);
}

/* cgroup2 with the memory controller available to child groups */
static int cg_setup(void)
{
	char b[256];

	if (!exists(CGROOT "/cgroup.controllers") &&
	    mount("none", CGROOT, "cgroup2", 0, NULL))
		return -errno;
	if (read_text(CGROOT "/cgroup.controllers", b, sizeof(b)) <= 0 ||
	    !strstr(b, "memory"))
		return -ENOENT;
	if (write_str(CGROOT "/cgroup.subtree_control", "+memory"))
		return -errno;
	rmdir(CG);
	return mkdir(CG, 0755) ? -errno : 0;
}

/* In the child: join the group, commit, report the group's growth. */
static long child_commits(const struct digests *d)
{
	char path[512], line[1024];
	long before = 0, i;
	int fd, len;

	snprintf(line, sizeof(line), "%d", getpid());
	if (write_str(CG "/cgroup.procs", line))
		return -1;
	if (h_open("m", "sim", 0))
		return -2;
	fd = open(pathf(path, sizeof(path), "%s/m/digest", CFS_ROOT), O_WRONLY);
	if (fd < 0)
		return -3;
	len = snprintf(line, sizeof(line), "%s", DIGEST_STR(d));
	for (i = 0; i < ENTRIES; i++) {
		if (i == WARMUP)
			before = cg_current();
		if (pwrite(fd, line, len, 0) != len)
			return -4;
	}
	close(fd);
	return cg_current() - before;
}

TEST(log_pages_not_charged_to_writer)
{
	struct digests d;
	long *growth;
	pid_t pid;
	int st;

	ASSERT_EQ(0, sim_load("algs=sha384"));
	ASSERT_OK(set_max_log_bytes(DEFAULT_MAX_LOG_BYTES));
	ASSERT_EQ(0, cg_setup());
	ASSERT_OK(digests_of_str(&d, "sha384", "memcg"));
	growth = mmap(NULL, sizeof(*growth), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, growth);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		*growth = child_commits(&d);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(ENTRIES, prov_count("sim"));
	TH_LOG("memory.current grew by %ld bytes over %d commits",
	       *growth, ENTRIES - WARMUP);
	ASSERT_LE(0, *growth);
	EXPECT_GT(MAX_GROWTH, *growth);
	munmap(growth, sizeof(*growth));
	handles_remove_all();
	rmdir(CG);
	tsm_cleanup();
}

TEST_HARNESS_MAIN
