// SPDX-License-Identifier: GPL-2.0
/*
 * The import file (spec section 5, 6.8) against the TPM provider, without
 * a kexec: the PCRs are extended directly with tpm2_pcrextend, as a
 * previous kernel would have left them, and the log that kernel would have
 * kept is written to <provider>/import. Every refusal has its errno and
 * changes nothing (count, state, both logs, the PCRs); the genuine log is
 * adopted byte for byte, replays to tpm2_pcrread, pins the provider, and
 * later commits append after it. Then the simulator, whose registers die
 * with it: a log touching them is refused, a header alone accepted.
 *
 * Then the edges of spec 5's last sentences: an import holds the TPM
 * provider's module (rmmod during an import held in its copy from user by
 * userfaultfd fails), a log adopted from its first piece is completed by
 * the whole log and by nothing else, and a long import dies at once on
 * SIGKILL without holding up a commit.
 *
 * The TPM log must be empty when this starts: run first in a fresh boot
 * (the kexec stage of make check does). Tests run in definition order and
 * build on each other's effect on the TPM.
 */
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "tsm_rtmr_test.h"
#include "kselftest_harness.h"

#define TPM		"tpm"
#define IMPORT		SFS_ROOT "/tpm/import"
#define PCR_A		11
#define PCR_B		12
#define PCR_C		13	/* the commit after the import */
#define PCR_LONG	14	/* a long import's records: never extended here */
#define PCR_UNLOGGED	9	/* extended here, never by a log that is kept */
#define LOG_MAX		16384
#define TCTI		"TPM2TOOLS_TCTI=device:/dev/tpmrm0"
#define TPM_MODULE	"tsm_rtmr_tpm"

/*
 * PCR 12 first: the log's first record alone replays (PCR 12 holds just
 * it), so the log can be adopted from that first piece and completed.
 */
static const uint32_t pcrs[] = { PCR_B, PCR_A, PCR_A };

/*
 * The event data of the previous kernel's record @i: two short strings,
 * then 5000 bytes that hold NULs, so the log spans two pages and the
 * import is one write of more than 4096 bytes.
 */
static const void *event_of(int i, size_t *len)
{
	static const char *const small[] = { "import-a", "import-b" };
	static unsigned char big[5000];
	size_t k;

	if (i < 2) {
		*len = strlen(small[i]);
		return small[i];
	}
	for (k = 0; k < sizeof(big); k++)
		big[k] = k % 7 ? k * 31 : 0;
	*len = sizeof(big);
	return big;
}

/* The TPM provider's banks, from its log header: "sha256,sha384". */
static int tpm_banks(char *list, size_t size)
{
	unsigned char *raw = NULL;
	char err[256] = "";
	struct tlog l;
	size_t off = 0;
	int i, r;

	if (sh("modprobe tsm_rtmr && modprobe tsm_rtmr_tpm"))
		return -ENODEV;
	r = prov_log_parse(TPM, &raw, NULL, &l, err, sizeof(err));
	free(raw);
	if (r) {
		fprintf(stderr, "# tpm log: %s\n", err);
		return r;
	}
	for (i = 0; i < l.nalgs; i++)
		off += snprintf(list + off, size - off, "%s%s", i ? "," : "",
				l.alg[i]->name);
	log_free(&l);
	return 0;
}

/*
 * The previous kernel's records @order[0..@n - 1] (each the number of one
 * of its three entries) after the header, with @banks in that order;
 * returns the log's length.
 */
static size_t log_of(unsigned char *buf, const char *banks, const int *order,
		     int n)
{
	struct digests ds;
	size_t off;
	int i;

	if (banks_parse(&ds, banks))
		return 0;
	off = log_header_build(buf, &ds);
	for (i = 0; i < n; i++) {
		size_t elen;
		const void *ev = event_of(order[i], &elen);

		if (digests_of(&ds, banks, ev, elen))
			return 0;
		off += log_record_build(buf + off, pcrs[order[i]], EV_EVENT_TAG,
					&ds, ev, elen);
	}
	return off;
}

/*
 * The log a previous kernel kept of entries on PCRs 12, 11, 11 (its first
 * @n records), with @banks in that order; returns its length.
 */
static size_t prev_log(unsigned char *buf, const char *banks, int n)
{
	static const int in_order[] = { 0, 1, 2 };

	return log_of(buf, banks, in_order, n);
}

/*
 * The value in a tpm2_pcrread line "    <pcr>: 0x<hex>" for @pcr, which
 * pads a one-digit number to the width of two ("    9 : 0x<hex>"); NULL
 * when the line is another's.
 */
static const char *pcr_line_value(const char *p, unsigned int pcr)
{
	char *end;

	if (!isdigit((unsigned char)*p) || strtoul(p, &end, 10) != pcr)
		return NULL;
	end += strspn(end, " ");
	return strncmp(end, ": 0x", 4) ? NULL : end + 4;
}

/*
 * Every bank of @pcr, read with one tpm2_pcrread: 0 or -1. Its output is a
 * "  <alg>:" line per bank, then "    <pcr>: 0x<hex>".
 */
static int pcr_digests(const char *banks, unsigned int pcr,
		       struct digests *ds)
{
	char cmd[256], line[512], other[512] = "";
	const char *value;
	int i, bank = -1, found = 0;
	size_t off;
	FILE *f;

	if (banks_parse(ds, banks))
		return -1;
	off = snprintf(cmd, sizeof(cmd), TCTI " tpm2_pcrread ");
	for (i = 0; i < ds->n; i++)
		off += snprintf(cmd + off, sizeof(cmd) - off, "%s%s:%u",
				i ? "+" : "", ds->alg[i]->name, pcr);
	snprintf(cmd + off, sizeof(cmd) - off, " 2>&1");
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");
		size_t len = strcspn(p, ":");

		if (p[len] == ':' && p[len + 1] == '\n') {
			bank = -1;
			for (i = 0; i < ds->n; i++)
				if (strlen(ds->alg[i]->name) == len &&
				    !strncmp(p, ds->alg[i]->name, len))
					bank = i;
			continue;
		}
		value = bank < 0 ? NULL : pcr_line_value(p, pcr);
		if (!value) {
			strncat(other, line, sizeof(other) - strlen(other) - 1);
			continue;
		}
		p = (char *)value;
		len = strcspn(p, " \n");
		if (len == 2 * ds->alg[bank]->size &&
		    !hexdec(p, len / 2, ds->d[bank]))
			found |= 1 << bank;
	}
	pclose(f);
	if (found == (1 << ds->n) - 1)
		return 0;
	fprintf(stderr, "# %s: no value for every bank; it said: %s\n", cmd,
		other);
	return -EIO;
}

/* The replay of @log's records on @pcr equals the PCR in every bank. */
static int pcr_matches(const char *banks, const unsigned char *log,
		       size_t len, unsigned int pcr)
{
	struct digests live, rep;
	char err[256] = "";
	struct tlog l;
	int r;

	r = log_parse(log, len, &l, err, sizeof(err));
	if (r) {
		fprintf(stderr, "# parse: %s\n", err);
		return r;
	}
	r = log_replay(&l, pcr, l.n, &rep) ?: pcr_digests(banks, pcr, &live);
	if (!r && !digests_equal(&live, &rep))
		r = -EBADMSG;
	log_free(&l);
	return r;
}

/* What an import must leave alone: the log's files and both PCRs. */
struct before {
	struct snap s;
	struct digests a, b;
};

static int before_take(struct before *b, const char *banks)
{
	return snap_take(&b->s, TPM, NULL, 0) ?:
	       pcr_digests(banks, PCR_A, &b->a) ?:
	       pcr_digests(banks, PCR_B, &b->b);
}

#define EXPECT_TPM_UNCHANGED(bf, banks) do {				\
	struct digests __a, __b;					\
	EXPECT_UNCHANGED(&(bf)->s, TPM, NULL, 0);			\
	ASSERT_OK(pcr_digests(banks, PCR_A, &__a));			\
	ASSERT_OK(pcr_digests(banks, PCR_B, &__b));			\
	EXPECT_TRUE(digests_equal(&__a, &(bf)->a));			\
	EXPECT_TRUE(digests_equal(&__b, &(bf)->b));			\
	snap_free(&(bf)->s);						\
} while (0)

/* write_raw() of a whole log to the tpm import file: -errno or bytes. */
static ssize_t import_write(const void *log, size_t len)
{
	return write_raw(IMPORT, log, len);
}

/* One import of @len bytes of @log returns @want and changes nothing. */
#define EXPECT_IMPORT_CHANGES_NOTHING(want, log, len, banks) do {	\
	struct before __bf;						\
	ASSERT_OK(before_take(&__bf, banks));				\
	EXPECT_EQ((ssize_t)(want), import_write(log, len));		\
	EXPECT_TPM_UNCHANGED(&__bf, banks);				\
} while (0)

/*
 * Every test reads PCRs with tpm2_pcrread, one process each, under TCG on
 * a busy host: 120 s each rather than the harness's 30. The fixture holds
 * nothing; it is what lets a test have its own timeout.
 */
FIXTURE(imp) {
	int unused;
};

FIXTURE_SETUP(imp)
{
}

FIXTURE_TEARDOWN(imp)
{
}

#define IMPORT_TEST(name)	TEST_F_TIMEOUT(imp, name, 120)

IMPORT_TEST(tpm_log_empty_and_pcrs_zero_at_start)
{
	unsigned char zero[MAX_DIGEST] = { 0 };
	char banks[64];
	struct digests a, b;
	int i;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	TH_LOG("tpm banks %s", banks);
	ASSERT_EQ(0, prov_count(TPM)) {
		TH_LOG("the tpm log already has entries: run first in a fresh boot");
	}
	ASSERT_OK(pcr_digests(banks, PCR_A, &a));
	ASSERT_OK(pcr_digests(banks, PCR_B, &b));
	for (i = 0; i < a.n; i++) {
		EXPECT_EQ(0, memcmp(a.d[i], zero, a.alg[i]->size));
		EXPECT_EQ(0, memcmp(b.d[i], zero, b.alg[i]->size));
	}
}

/* A genuine log, but the PCRs were never extended: it does not replay. */
IMPORT_TEST(refused_while_the_pcrs_are_not_extended)
{
	unsigned char log[LOG_MAX];
	char banks[64];
	size_t len;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 3);
	ASSERT_LT(0, len);
	EXPECT_IMPORT_CHANGES_NOTHING(-EINVAL, log, len, banks);
}

/* Extend @pcr by @ds with tpm2_pcrextend, behind tsm-rtmr's back. */
static int pcr_extend_directly(unsigned int pcr, const struct digests *ds)
{
	char arg[512];
	size_t off = 0;
	int j;

	for (j = 0; j < ds->n; j++) {
		off += snprintf(arg + off, sizeof(arg) - off, "%s%s=",
				j ? "," : "", ds->alg[j]->name);
		tr_hex(ds->d[j], ds->alg[j]->size, arg + off);
		off += 2 * ds->alg[j]->size;
	}
	return sh(TCTI " tpm2_pcrextend %u:%s", pcr, arg);
}

/* The previous kernel's extends, made directly on the TPM. */
IMPORT_TEST(previous_kernel_extends_the_pcrs)
{
	unsigned char log[LOG_MAX];
	struct digests ds;
	char banks[64];
	size_t len;
	int i;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	for (i = 0; i < 3; i++) {
		size_t elen;
		const void *ev = event_of(i, &elen);

		ASSERT_OK(digests_of(&ds, banks, ev, elen));
		ASSERT_EQ(0, pcr_extend_directly(pcrs[i], &ds));
	}
	len = prev_log(log, banks, 3);
	EXPECT_OK(pcr_matches(banks, log, len, PCR_A));
	EXPECT_OK(pcr_matches(banks, log, len, PCR_B));
	EXPECT_EQ(0, prov_count(TPM));
}

/* An extra record for PCR @pcr (digests of "extra", type @type). */
static size_t add_record(unsigned char *log, size_t len, const char *banks,
			 uint32_t pcr, uint32_t type)
{
	struct digests ds;

	if (digests_of_str(&ds, banks, "extra"))
		return 0;
	return len + log_record_build(log + len, pcr, type, &ds, "extra", 5);
}

static void reverse(char *banks, const char *list)
{
	const char *comma = strchr(list, ',');

	if (comma)
		sprintf(banks, "%s,%.*s", comma + 1, (int)(comma - list), list);
	else
		strcpy(banks, list);
}

/*
 * Each refusal: EINVAL, and the log and the PCRs as they were. Cases
 * @from to @to - 1 of the list below (two tests: each stays within the
 * harness's 30 s under TCG).
 */
static void refusals(struct __test_metadata *_metadata, int from, int to)
{
	unsigned char good[LOG_MAX], m[LOG_MAX];
	char banks[64], other[64];
	size_t glen, len, hdr;
	int c;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	glen = prev_log(good, banks, 3);
	hdr = prev_log(m, banks, 0);
	ASSERT_LT(0, glen);
	for (c = from; c < to; c++) {
		const char *what = NULL;

		memset(m, 0, sizeof(m));
		memcpy(m, good, glen);
		len = glen;
		switch (c) {
		case 0: what = "tampered digest"; m[hdr + 14] ^= 1; break;
		case 1: what = "trailing byte"; len++; break;
		case 2: what = "truncated record"; len--; break;
		case 3: what = "truncated record head"; len = hdr + 10; break;
		case 4: what = "half a header"; len = hdr / 2; break;
		case 5: what = "empty"; len = 0; break;
		case 6: what = "last record missing (PCR 11 is ahead)";
			len = prev_log(m, banks, 2); break;
		case 7: what = "a record for PCR 13, never extended";
			len = add_record(m, len, banks, PCR_C, EV_EVENT_TAG);
			break;
		case 8: what = "an EV_NO_ACTION record";
			len = add_record(m, len, banks, PCR_C, EV_NO_ACTION);
			break;
		case 9: what = "a record for PCR 10 (not extendable)";
			len = add_record(m, len, banks, 10, EV_EVENT_TAG);
			break;
		case 10: what = "a record for PCR 24 (no such PCR)";
			len = add_record(m, len, banks, 24, EV_EVENT_TAG);
			break;
		case 11: what = "banks in the other order";
			reverse(other, banks);
			len = prev_log(m, other, 3); break;
		case 12: what = "the first bank only";
			snprintf(other, sizeof(other), "%.*s",
				 (int)strcspn(banks, ","), banks);
			len = prev_log(m, other, 3); break;
		}
		TH_LOG("%s: %zu bytes", what, len);
		EXPECT_IMPORT_CHANGES_NOTHING(-EINVAL, m, len, banks);
	}
}

IMPORT_TEST(refusals_of_malformed_logs)
{
	refusals(_metadata, 0, 7);
}

IMPORT_TEST(refusals_of_logs_this_tpm_could_not_have_written)
{
	refusals(_metadata, 7, 13);
}

IMPORT_TEST(refused_over_max_log_bytes)
{
	unsigned char log[LOG_MAX];
	struct before b;
	char banks[64];
	size_t len;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 3);
	ASSERT_OK(before_take(&b, banks));
	ASSERT_OK(set_max_log_bytes(len - 1));
	EXPECT_EQ(-ENOSPC, import_write(log, len));
	ASSERT_OK(set_max_log_bytes(DEFAULT_MAX_LOG_BYTES));
	EXPECT_TPM_UNCHANGED(&b, banks);
}

/*
 * max_log_bytes is at most 1 GiB, so that one write(2) (at most just
 * under 2 GiB) always carries a whole log: a larger value is refused and
 * the limit stays as it was.
 */
IMPORT_TEST(max_log_bytes_at_most_1_gib)
{
	char b[32];

	EXPECT_EQ(-EINVAL, set_max_log_bytes((1UL << 30) + 1));
	EXPECT_EQ(-EINVAL, set_max_log_bytes(1UL << 31));
	ASSERT_LT(0, read_text(CORE_PARAMS "/max_log_bytes", b, sizeof(b)));
	EXPECT_STREQ("67108864\n", b);
	EXPECT_OK(set_max_log_bytes(1UL << 30));
	ASSERT_LT(0, read_text(CORE_PARAMS "/max_log_bytes", b, sizeof(b)));
	EXPECT_STREQ("1073741824\n", b);
	ASSERT_OK(set_max_log_bytes(DEFAULT_MAX_LOG_BYTES));
}

/* One write at offset 0: a write at any other offset is refused. */
IMPORT_TEST(refused_at_an_offset)
{
	unsigned char log[LOG_MAX];
	struct before b;
	char banks[64];
	size_t len;
	int fd;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 3);
	ASSERT_OK(before_take(&b, banks));
	fd = open(IMPORT, O_WRONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, pwrite(fd, log, len, 1));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	EXPECT_TPM_UNCHANGED(&b, banks);
}

/* Run @fn in a child; its exit status. */
static int in_child(int (*fn)(const void *, size_t), const void *log,
		    size_t len)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn(log, len));
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* uid 1000: the 0200 file cannot be opened. Exit 0 when EACCES. */
static int as_uid_1000(const void *log, size_t len)
{
	if (setgroups(0, NULL) || setgid(1000) || setuid(1000))
		return 2;
	return import_write(log, len) == -EACCES ? 0 : 1;
}

/* uid 0 without CAP_SYS_ADMIN (with CAP_DAC_OVERRIDE): EPERM. */
static int without_cap(const void *log, size_t len)
{
	if (caps_drop(CAP_SYS_ADMIN))
		return 2;
	return import_write(log, len) == -EPERM ? 0 : 1;
}

static int import_fd = -1;

/* A descriptor opened with the capability, written without it: EPERM. */
static int passed_fd_without_cap(const void *log, size_t len)
{
	if (caps_drop(CAP_SYS_ADMIN))
		return 2;
	return write(import_fd, log, len) == -1 && errno == EPERM ? 0 : 1;
}

IMPORT_TEST(refused_without_cap_sys_admin)
{
	unsigned char log[LOG_MAX];
	struct before b;
	struct stat st;
	char banks[64];
	size_t len;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 3);
	ASSERT_EQ(0, stat(IMPORT, &st));
	EXPECT_EQ(0100200, st.st_mode);
	ASSERT_OK(before_take(&b, banks));
	EXPECT_EQ(0, in_child(as_uid_1000, log, len));
	EXPECT_EQ(0, in_child(without_cap, log, len));
	import_fd = open(IMPORT, O_WRONLY);
	ASSERT_LE(0, import_fd);
	EXPECT_EQ(0, in_child(passed_fd_without_cap, log, len));
	close(import_fd);
	EXPECT_TPM_UNCHANGED(&b, banks);
}

/* A header alone is a log of no entries: accepted, and nothing changes. */
IMPORT_TEST(header_only_accepted)
{
	unsigned char log[LOG_MAX];
	char banks[64];
	size_t len;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 0);
	EXPECT_IMPORT_CHANGES_NOTHING(len, log, len, banks);
}

/* Threads writing the same log through one shared fd, all at offset 0. */
#define SHARERS	4

struct sharer {
	pthread_t t;
	int fd;
	const unsigned char *log;
	size_t len;
	ssize_t rc;
};

static void *share_write(void *arg)
{
	struct sharer *w = arg;

	w->rc = pwrite(w->fd, w->log, w->len, 0);
	if (w->rc < 0)
		w->rc = -errno;
	return NULL;
}

/* delete_module(2) of the TPM provider, never waiting: 0 or -errno. */
static int tpm_rmmod(void)
{
	return syscall(SYS_delete_module, TPM_MODULE, O_NONBLOCK) ? -errno : 0;
}

struct rmmod_try {
	pthread_t t;
	int done;
	int rc;
};

static void *rmmod_thread(void *arg)
{
	struct rmmod_try *r = arg;

	r->rc = tpm_rmmod();
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * A userfaultfd that also reports faults of the kernel's copies from user:
 * allowed to a task with CAP_SYS_PTRACE (root here), else only with
 * vm.unprivileged_userfaultfd=1, which is set then. UFFD_USER_MODE_ONLY
 * would not do: it ignores exactly the kernel's faults.
 */
static int uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd < 0 && errno == EPERM) {
		write_str("/proc/sys/vm/unprivileged_userfaultfd", "1\n");
		fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/*
 * An import holds the TPM provider's module from start to end. Its buffer
 * is a page userfaultfd has not filled, so the import waits inside its
 * copy from user, for as long as the test likes. Meanwhile rmmod fails at
 * once (EWOULDBLOCK: in use); it neither unloads the module the import is
 * about to pin nor waits for the import. Released, the import adopts the
 * log's first record (PCR 12 holds just it), and rmmod still fails: the
 * log pins the module.
 */
IMPORT_TEST(import_holds_the_provider_module)
{
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	size_t page = sysconf(_SC_PAGESIZE), len;
	unsigned char log[LOG_MAX], *area, *fill;
	struct uffdio_copy copy = { 0 };
	struct rmmod_try rm = { 0 };
	struct pollfd pfd;
	struct uffd_msg msg;
	struct sharer w;
	char banks[64];
	int uffd, fd, i;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	ASSERT_EQ(0, prov_count(TPM));
	len = prev_log(log, banks, 1);
	ASSERT_LT(0, len);
	ASSERT_GE(page, len);
	uffd = uffd_open();
	if (uffd == -ENOSYS) {
		/*
		 * A kernel without userfaultfd (the tinyconfig debug kernel):
		 * adopt the first piece all the same, as the tests after
		 * this one expect.
		 */
		EXPECT_EQ((ssize_t)len, import_write(log, len));
		EXPECT_EQ(-EWOULDBLOCK, tpm_rmmod());
		SKIP(return, "no userfaultfd: rmmod during an import not tried");
	}
	ASSERT_LE(0, uffd) {
		TH_LOG("userfaultfd: %s", errname(uffd));
	}
	area = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	reg.range.start = (unsigned long)area;
	reg.range.len = page;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	fd = open(IMPORT, O_WRONLY);
	ASSERT_LE(0, fd);
	w = (struct sharer) { .fd = fd, .log = area, .len = len };
	ASSERT_EQ(0, pthread_create(&w.t, NULL, share_write, &w));
	pfd = (struct pollfd) { .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 10000)) {
		TH_LOG("the import never read its buffer");
	}
	ASSERT_EQ((ssize_t)sizeof(msg), read(uffd, &msg, sizeof(msg)));
	EXPECT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* The import is inside write(), copying from user. */
	ASSERT_EQ(0, pthread_create(&rm.t, NULL, rmmod_thread, &rm));
	for (i = 0; i < 300 && !__atomic_load_n(&rm.done, __ATOMIC_ACQUIRE);
	     i++)
		usleep(10000);
	EXPECT_TRUE(__atomic_load_n(&rm.done, __ATOMIC_ACQUIRE)) {
		TH_LOG("rmmod " TPM_MODULE " waits for the import");
	}
	EXPECT_EQ(-EWOULDBLOCK, rm.rc);
	EXPECT_TRUE(exists("/sys/module/" TPM_MODULE));

	/* Fill the page the import waits for with the log: it goes on. */
	fill = aligned_alloc(page, page);
	ASSERT_NE(NULL, fill);
	memset(fill, 0, page);
	memcpy(fill, log, len);
	copy.dst = (unsigned long)area;
	copy.src = (unsigned long)fill;
	copy.len = page;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	pthread_join(w.t, NULL);
	pthread_join(rm.t, NULL);
	close(fd);
	free(fill);
	munmap(area, page);
	close(uffd);

	EXPECT_EQ((ssize_t)len, w.rc);
	EXPECT_EQ(1, prov_count(TPM));
	EXPECT_PROV(TPM, "state", "ok\n");
	EXPECT_OK(pcr_matches(banks, log, len, PCR_B));
	EXPECT_EQ(-EWOULDBLOCK, tpm_rmmod());
	EXPECT_TRUE(exists("/sys/module/" TPM_MODULE));
}

/*
 * The log holds its first record, imported: it may only be completed.
 * An import that does not start with it byte for byte, or adds nothing,
 * is EBUSY; one that starts with it but does not replay is EINVAL. Each
 * changes nothing.
 */
IMPORT_TEST(only_a_completing_import_of_an_imported_log)
{
	static const int reordered[] = { 1, 0, 2 };
	unsigned char log[LOG_MAX];
	char banks[64];
	size_t len;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	ASSERT_EQ(1, prov_count(TPM));
	memset(log, 0, sizeof(log));

	TH_LOG("the same log again: adds nothing");
	len = prev_log(log, banks, 1);
	EXPECT_IMPORT_CHANGES_NOTHING(-EBUSY, log, len, banks);
	TH_LOG("the header alone: shorter");
	len = prev_log(log, banks, 0);
	EXPECT_IMPORT_CHANGES_NOTHING(-EBUSY, log, len, banks);
	TH_LOG("the whole log, records reordered: replays, another start");
	len = log_of(log, banks, reordered, 3);
	EXPECT_OK(pcr_matches(banks, log, len, PCR_A));
	EXPECT_OK(pcr_matches(banks, log, len, PCR_B));
	EXPECT_IMPORT_CHANGES_NOTHING(-EBUSY, log, len, banks);
	TH_LOG("the whole log, its first record's digest tampered with");
	len = prev_log(log, banks, 3);
	log[prev_log(log, banks, 0) + 14] ^= 1;
	EXPECT_IMPORT_CHANGES_NOTHING(-EBUSY, log, len, banks);
	TH_LOG("two records: the right start, does not replay (PCR 11 ahead)");
	len = prev_log(log, banks, 2);
	EXPECT_IMPORT_CHANGES_NOTHING(-EINVAL, log, len, banks);
	TH_LOG("the whole log and a trailing byte");
	len = prev_log(log, banks, 3);
	log[len++] = 0;
	EXPECT_IMPORT_CHANGES_NOTHING(-EINVAL, log, len, banks);
}

/*
 * The genuine log completes the one adopted from its first record, and
 * becomes the tpm log, as if committed; the module stays pinned. It is
 * written by SHARERS threads at once through one fd: exactly one write
 * adopts it, the others find it adds nothing to the log (EBUSY). Its last
 * record's event data holds NULs and the log spans two pages.
 */
IMPORT_TEST(genuine_log_adopted)
{
	unsigned char log[LOG_MAX], *raw = NULL;
	char banks[64], *ascii = NULL, *want;
	char err[256] = "";
	size_t len, wlen;
	struct sharer w[SHARERS];
	int i, fd, adopted = 0, busy = 0;
	struct tlog l;
	ssize_t n;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 3);
	ASSERT_LT(4096, len);
	fd = open(IMPORT, O_WRONLY);
	ASSERT_LE(0, fd);
	for (i = 0; i < SHARERS; i++) {
		w[i] = (struct sharer) { .fd = fd, .log = log, .len = len };
		ASSERT_EQ(0, pthread_create(&w[i].t, NULL, share_write, &w[i]));
	}
	for (i = 0; i < SHARERS; i++) {
		pthread_join(w[i].t, NULL);
		adopted += w[i].rc == (ssize_t)len;
		busy += w[i].rc == -EBUSY;
	}
	close(fd);
	EXPECT_EQ(1, adopted);
	EXPECT_EQ(SHARERS - 1, busy);
	EXPECT_EQ(3, prov_count(TPM));
	EXPECT_PROV(TPM, "state", "ok\n");
	n = prov_log(TPM, &raw);
	ASSERT_EQ((ssize_t)len, n);
	EXPECT_EQ(0, memcmp(raw, log, len));
	free(raw);

	ASSERT_OK(log_parse(log, len, &l, err, sizeof(err)));
	want = ascii_render(&l, &wlen);
	ASSERT_NE(NULL, want);
	n = prov_ascii(TPM, &ascii);
	ASSERT_EQ((ssize_t)wlen, n);
	EXPECT_EQ(0, memcmp(ascii, want, wlen));
	free(ascii);
	free(want);
	log_free(&l);

	EXPECT_OK(pcr_matches(banks, log, len, PCR_A));
	EXPECT_OK(pcr_matches(banks, log, len, PCR_B));
	/* PCRs outlive the provider module: its log must too */
	EXPECT_NE(0, sh("rmmod tsm_rtmr_tpm 2>/dev/null"));
	EXPECT_TRUE(exists("/sys/module/tsm_rtmr_tpm"));
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * A long import: the whole log, then records on PCR 14 (which nothing
 * extended, so it never replays) up to max_log_bytes, about 680,000
 * records to parse and replay. Returns its length.
 */
static size_t long_log(unsigned char *big, size_t max, const char *banks)
{
	size_t head = prev_log(big, banks, 3), len, rec;
	struct digests ds;

	if (!head || digests_of_str(&ds, banks, "long"))
		return 0;
	rec = log_record_build(big + head, PCR_LONG, EV_EVENT_TAG, &ds,
			       NULL, 0);
	for (len = head + rec; len + rec <= max; len += rec)
		memcpy(big + len, big + head, rec);
	return len;
}

/*
 * The long import, in a child that tells @ready just before its write(2);
 * exits 0 when the import is refused with EINVAL.
 */
static pid_t long_import_start(const unsigned char *big, size_t len)
{
	int p[2];
	char go;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (write(p[1], "g", 1) != 1)
			_exit(2);
		_exit(import_write(big, len) == -EINVAL ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &go, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

/*
 * A long import is parsed and replayed before the provider lock, and is
 * killable throughout. While one runs, a commit to the same TPM (PCR 13,
 * a register the import does not touch) completes well before the import
 * would have; SIGKILL then ends the import within a second, and nothing
 * of it is adopted. Timed first: the same import, uninterrupted, refused
 * (PCR 14 does not replay).
 */
IMPORT_TEST(long_import_killed_and_commits_not_stalled)
{
	size_t max = DEFAULT_MAX_LOG_BYTES, len, head;
	unsigned char *big, *raw = NULL;
	double whole, commit, reap;
	struct timespec t0, t1;
	struct digests ds;
	char banks[64];
	int status, r;
	pid_t pid;
	ssize_t n;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	ASSERT_EQ(3, prov_count(TPM));
	big = malloc(max);
	ASSERT_NE(NULL, big);
	head = prev_log(big, banks, 3);
	len = long_log(big, max, banks);
	ASSERT_LT(head, len);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-EINVAL, import_write(big, len));
	whole = since(&t0);
	TH_LOG("an import of %zu bytes takes %.2f s", len, whole);

	/* h_open() binds to the simulator: bind to the TPM by hand */
	ASSERT_OK(h_mkdir_raw("long"));
	ASSERT_OK(h_write("long", "provider", TPM));
	ASSERT_OK(h_index("long", PCR_C));
	ASSERT_OK(h_event("long", "during", 6));
	ASSERT_OK(digests_of_str(&ds, banks, "during"));

	pid = long_import_start(big, len);
	ASSERT_LT(0, pid);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	usleep(200000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_OK(h_commit("long", &ds));
	commit = since(&t1);
	r = waitpid(pid, &status, WNOHANG);
	EXPECT_EQ(0, r) {
		TH_LOG("the import ended before the commit did");
	}
	TH_LOG("a commit %.2f s into the import took %.3f s", since(&t0) - commit,
	       commit);
	EXPECT_GT(whole / 2, since(&t0));
	if (r == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		kill(pid, SIGKILL);
		EXPECT_EQ(pid, waitpid(pid, &status, 0));
		reap = since(&t1);
		TH_LOG("SIGKILL %.2f s into the import: reaped in %.3f s",
		       since(&t0) - reap, reap);
		EXPECT_GT(1.0, reap);
		EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}

	EXPECT_ATTR("long", "last_recnum", "3\n");
	EXPECT_EQ(0, h_rmdir("long"));
	EXPECT_EQ(4, prov_count(TPM));
	EXPECT_PROV(TPM, "state", "ok\n");
	n = prov_log(TPM, &raw);
	ASSERT_LT((ssize_t)head, n);
	EXPECT_EQ(0, memcmp(raw, big, head));
	EXPECT_GT((ssize_t)head + 200, n);
	EXPECT_OK(pcr_matches(banks, raw, n, PCR_C));
	free(raw);
	free(big);
}

/* A later commit is entry 4, and the whole log still replays. */
IMPORT_TEST(commit_after_import_appends)
{
	unsigned char *raw = NULL;
	struct digests ds;
	char banks[64];
	ssize_t n;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	/* h_open() binds to the simulator: bind to the TPM by hand */
	ASSERT_OK(h_mkdir_raw("imp"));
	ASSERT_OK(h_write("imp", "provider", TPM));
	ASSERT_OK(h_index("imp", PCR_C));
	ASSERT_OK(h_event("imp", "after", 5));
	ASSERT_OK(digests_of_str(&ds, banks, "after"));
	ASSERT_OK(h_commit("imp", &ds));
	EXPECT_ATTR("imp", "last_recnum", "4\n");
	EXPECT_EQ(0, h_rmdir("imp"));
	EXPECT_EQ(5, prov_count(TPM));
	n = prov_log(TPM, &raw);
	ASSERT_LT(0, n);
	EXPECT_OK(pcr_matches(banks, raw, n, PCR_A));
	EXPECT_OK(pcr_matches(banks, raw, n, PCR_B));
	EXPECT_OK(pcr_matches(banks, raw, n, PCR_C));
	free(raw);
}

/*
 * Once an entry was committed, no import: the imported log again, the
 * header alone, and the current log completed by a record that replays
 * (PCR 9, extended for it) are all EBUSY.
 */
IMPORT_TEST(second_import_busy)
{
	unsigned char log[LOG_MAX], *raw = NULL;
	struct digests ds;
	struct before b;
	char banks[64];
	ssize_t n;
	size_t len;

	ASSERT_OK(tpm_banks(banks, sizeof(banks)));
	len = prev_log(log, banks, 3);
	ASSERT_OK(before_take(&b, banks));
	EXPECT_EQ(-EBUSY, import_write(log, len));
	len = prev_log(log, banks, 0);
	EXPECT_EQ(-EBUSY, import_write(log, len));

	ASSERT_OK(digests_of_str(&ds, banks, "extra"));
	ASSERT_EQ(0, pcr_extend_directly(PCR_UNLOGGED, &ds));
	n = prov_log(TPM, &raw);
	ASSERT_LT(0, n);
	ASSERT_GT(LOG_MAX - 200, n);
	memcpy(log, raw, n);
	free(raw);
	len = add_record(log, n, banks, PCR_UNLOGGED, EV_EVENT_TAG);
	EXPECT_OK(pcr_matches(banks, log, len, PCR_UNLOGGED));
	EXPECT_EQ(-EBUSY, import_write(log, len));
	EXPECT_TPM_UNCHANGED(&b, banks);
}

/*
 * The simulator's registers die with it: a log that touches them is
 * refused (EINVAL), a header alone accepted.
 */
IMPORT_TEST(simulator)
{
	unsigned char log[LOG_MAX];
	struct digests ds;
	struct snap before;
	size_t len;

	ASSERT_OK(sim_load(SIM_2BANKS));
	ASSERT_OK(banks_parse(&ds, "sha256,sha384"));
	len = log_header_build(log, &ds);
	ASSERT_OK(digests_of_str(&ds, "sha256,sha384", "x"));
	ASSERT_OK(snap_take(&before, "sim", NULL, 0));
	EXPECT_EQ((ssize_t)len, write_raw(SFS_ROOT "/sim/import", log, len));
	len += log_record_build(log + len, SIM_LOG_OFFSET, EV_EVENT_TAG, &ds,
				"x", 1);
	EXPECT_EQ(-EINVAL, write_raw(SFS_ROOT "/sim/import", log, len));
	EXPECT_UNCHANGED(&before, "sim", NULL, 0);
	snap_free(&before);
	tsm_cleanup();
}

TEST_HARNESS_MAIN
