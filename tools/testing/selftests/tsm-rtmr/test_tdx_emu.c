// SPDX-License-Identifier: GPL-2.0
/*
 * The tdx provider (tdx.c) over the emulated TDX module tsm_rtmr_tdx_emu,
 * and, where configfs-tsm is loaded (6.12), TD quotes of its registers
 * signed by tsm-rtmr-qgs-emu. Independent of the project's C library: the
 * CCEL and the log are parsed by this test's header, SHA-384 and ECDSA are
 * OpenSSL's, the quote is parsed here from the published layout.
 *
 *  - the module loads, taints the kernel as a test module, registers "tdx";
 *  - its debugfs ccel is a TCG log whose records (CC index 1-3) are bound
 *    to their data;
 *  - RTMR 0 and 1 are refused (EPERM), 4 is out of range (ERANGE);
 *    commits to RTMR 2 and 3 log CC index RTMR + 1, and `value` equals the
 *    replay of the CCEL followed by the log;
 *  - injected TDCALL errors: one busy (retried by tdx.c: success), busy
 *    that outlasts the retries (EBUSY, nothing logged), invalid operand
 *    (ENXIO, nothing logged), landed-then-error (the core reads back: the
 *    commit succeeds), landed with a failing TDG.MR.REPORT (EIO, the
 *    entry logged and listed as uncertain);
 *  - configfs-tsm: no service -> EIO within seconds; with the service a
 *    version 4 TDX quote whose REPORTDATA is inblob, whose MRTD and RTMRs
 *    are the emulated ones (= the replay), whose ECDSA P-256 signature
 *    verifies with the key it carries (and fails with a flipped bit);
 *    generation moves once per inblob write;
 *  - an extend through debugfs `extend`, behind the log: the quote's RTMR
 *    no longer equals the replay, and the next commit's read-back notices
 *    (EIO, uncertain) and `value` then differs from the replay.
 *
 * Skips (exit 4) where the module is not built for this kernel. Leaves the
 * module loaded: the tdx log pins it, as it pins tsm_rtmr_tdx on a TD.
 */
#include <signal.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "tsm_rtmr_test.h"

#define PROV		"tdx"
#define EMU		"tsm_rtmr_tdx_emu"
#define DBG		"/sys/kernel/debug/" EMU
#define EMU_PARAMS	"/sys/module/" EMU "/parameters"
#define REPORTS		"/sys/kernel/config/tsm/report"
#define QGS		"./tdx-emu/tsm-rtmr-qgs-emu"
#define TAINT_TEST_BIT	18
#define NRTMR		4
#define RSZ		48

/* TD quote v4: header 48, TD 1.0 body 584 (RTMR0 at body 328) */
#define Q_HDR		48
#define Q_BODY		584
#define Q_MRTD		(Q_HDR + 136)
#define Q_RTMR0		(Q_HDR + 328)
#define Q_REPORTDATA	(Q_HDR + 520)

static int n, failed;
static struct tlog ccel;
static unsigned char *ccel_raw;

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", ok ? "ok" : "not ok", ++n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failed++;
}

#define CHECK(cond, ...) result(!!(cond), __VA_ARGS__)

static const struct tr_alg *sha384(void)
{
	return tr_alg_by_name_len("sha384", 6);
}

/* RTMR @r as a verifier replays it: the CCEL, then the log's records. */
static int replay(const struct tlog *l, unsigned int r, unsigned char *out)
{
	struct digests reg;
	int rc;

	rc = log_replay(&ccel, r + 1, ccel.n, &reg);
	for (size_t k = 0; !rc && k < l->n; k++)
		if (l->e[k].log_index == r + 1)
			rc = extend_model(&reg, &l->e[k].ds);
	memcpy(out, reg.d[0], RSZ);
	return rc;
}

static int tdx_log(struct tlog *l, unsigned char **raw)
{
	char err[256];
	int rc;

	free(*raw);
	*raw = NULL;
	log_free(l);
	rc = prov_log_parse(PROV, raw, NULL, l, err, sizeof(err));
	if (rc)
		printf("# tdx log: %s\n", err);
	return rc;
}

static int value_of(unsigned int r, unsigned char *out)
{
	struct digests ds;
	int rc = reg_read("obs", r, &ds);

	if (!rc)
		memcpy(out, ds.d[0], RSZ);
	return rc;
}

static int commit(unsigned int r, const char *text)
{
	struct digests ds;
	int rc = h_index("w", r);

	if (!rc)
		rc = h_event_text("w", text, strlen(text));
	if (!rc)
		rc = digests_of_str(&ds, "sha384", text);
	return rc ? rc : h_commit("w", &ds);
}

/* RTMR 2 and 3 through `value` equal the replay; the log's indexes are RTMR + 1 */
static bool registers_replay(const char *when)
{
	unsigned char *raw = NULL, v[RSZ], want[RSZ];
	struct tlog l = { 0 };
	bool ok = !tdx_log(&l, &raw);

	for (size_t k = 0; ok && k < l.n; k++)
		if (l.e[k].log_index < 3 || l.e[k].log_index > 4)
			ok = false;
	for (unsigned int r = 2; ok && r < NRTMR; r++)
		ok = !value_of(r, v) && !replay(&l, r, want) &&
		     !memcmp(v, want, RSZ);
	CHECK(ok, "%s: RTMR 2 and 3 (value) = replay of CCEL + log; log indexes 3-4", when);
	log_free(&l);
	free(raw);
	return ok;
}

/* debugfs extend: "N <96 hex digits>", every byte @byte */
static int hidden_extend(unsigned int r, unsigned char byte)
{
	char b[2 + 2 * RSZ + 2];

	snprintf(b, sizeof(b), "%u ", r);
	for (int i = 0; i < RSZ; i++)
		snprintf(b + 2 + 2 * i, 3, "%02x", byte);
	strcat(b, "\n");
	return write_str(DBG "/extend", b);
}

static int set_fault(const char *which, const char *what)
{
	return write_str(PATHF(EMU_PARAMS "/%s", which), what);
}

static bool fault_is(const char *which, const char *want)
{
	char b[64];

	return read_text(PATHF(EMU_PARAMS "/%s", which), b, sizeof(b)) > 0 &&
	       !strcmp(b, want);
}

/* ------------------------------------------------------------------ */
/* configfs-tsm and the quote                                          */

static pid_t qgs_pid;

static int qgs_start(void)
{
	char line[256];
	int p[2];
	FILE *f;

	if (pipe(p))
		return -errno;
	qgs_pid = fork();
	if (qgs_pid < 0)
		return -errno;
	if (!qgs_pid) {
		dup2(p[1], 1);
		close(p[0]);
		execl(QGS, QGS, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	f = fdopen(p[0], "r");
	if (!f || !fgets(line, sizeof(line), f) ||
	    !strstr(line, "tsm-rtmr-qgs-emu: ready")) {
		if (f)
			fclose(f);
		return -EIO;
	}
	/* the rest of its output goes nowhere: it is read until it exits */
	if (!fork()) {
		while (fgets(line, sizeof(line), f))
			;
		_exit(0);
	}
	fclose(f);
	return 0;
}

static void qgs_stop(void)
{
	if (qgs_pid > 0) {
		kill(qgs_pid, SIGTERM);
		waitpid(qgs_pid, NULL, 0);
	}
	qgs_pid = 0;
}

static long generation(void)
{
	char b[32];

	if (read_text(REPORTS "/x/generation", b, sizeof(b)) <= 0)
		return -1;
	return strtol(b, NULL, 10);
}

/* Write @rd to inblob, read outblob into *@q; its length or -errno. */
static ssize_t report(const unsigned char *rd, unsigned char **q, long *g)
{
	long g0 = generation();
	ssize_t len;
	int rc;

	rc = write_buf(REPORTS "/x/inblob", rd, 64);
	if (rc)
		return rc;
	g[0] = generation();
	len = read_all(REPORTS "/x/outblob", q);
	g[1] = generation();
	if (len >= 0 && g[0] != g0 + 1)
		printf("# generation %ld -> %ld after one inblob write\n", g0, g[0]);
	return len;
}

/* The ECDSA P-256 signature over header || body, with the key the quote carries. */
static bool quote_signed(const unsigned char *q, size_t len)
{
	const unsigned char *sd = q + Q_HDR + Q_BODY + 4;
	unsigned char point[65], der[80], *dp = der;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	ECDSA_SIG *sig = ECDSA_SIG_new();
	int dlen, ok = 0;

	if (len < Q_HDR + Q_BODY + 4 + 128 || !bld || !sig)
		goto out;
	point[0] = 0x04;
	memcpy(point + 1, sd + 64, 64);
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					      point, sizeof(point)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !pctx || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	if (ECDSA_SIG_set0(sig, BN_bin2bn(sd, 32, NULL),
			   BN_bin2bn(sd + 32, 32, NULL)) != 1)
		goto out;
	dlen = i2d_ECDSA_SIG(sig, &dp);
	md = EVP_MD_CTX_new();
	ok = dlen > 0 && md &&
	     EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, der, dlen, q, Q_HDR + Q_BODY) == 1;
out:
	EVP_MD_CTX_free(md);
	ECDSA_SIG_free(sig);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return ok;
}

/* Layout: v4, ECDSA-256, TDX, lengths that add up, cert data of type 0. */
static bool quote_layout(const unsigned char *q, size_t len)
{
	const unsigned char *sd = q + Q_HDR + Q_BODY + 4;
	uint32_t sdlen;

	if (len < Q_HDR + Q_BODY + 4 + 134)
		return false;
	sdlen = get32(q + Q_HDR + Q_BODY);
	return get16(q) == 4 && get16(q + 2) == 2 && get32(q + 4) == 0x81 &&
	       Q_HDR + Q_BODY + 4 + (size_t)sdlen == len &&
	       get16(sd + 128) == 0 && 134 + (size_t)get32(sd + 130) == sdlen;
}

/* The quote's RTMR @r, and whether it equals the replay. */
static bool quote_rtmr_replays(const unsigned char *q, unsigned int r)
{
	unsigned char *raw = NULL, want[RSZ];
	struct tlog l = { 0 };
	bool ok = !tdx_log(&l, &raw) && !replay(&l, r, want) &&
		  !memcmp(q + Q_RTMR0 + r * RSZ, want, RSZ);

	log_free(&l);
	free(raw);
	return ok;
}

static void quotes(void)
{
	unsigned char rd[64], *q = NULL, v[RSZ], zero[RSZ] = { 0 };
	char prov[64];
	long g[2];
	double t0;
	ssize_t len;
	bool ok;

	if (!exists(REPORTS)) {
		printf("# no %s (no configfs-tsm on %s): no quote checks\n",
		       REPORTS, "this kernel");
		return;
	}
	CHECK(!mkdir(REPORTS "/x", 0700) || errno == EEXIST,
	      "configfs-tsm: mkdir %s/x", REPORTS);
	ok = read_text(REPORTS "/x/provider", prov, sizeof(prov)) > 0;
	prov[strcspn(prov, "\n")] = '\0';
	CHECK(ok && !strcmp(prov, EMU), "configfs-tsm provider is " EMU " (%s)", prov);
	for (int i = 0; i < 64; i++)
		rd[i] = i * 7 + 1;

	/* no quoting service: EIO within a few seconds */
	t0 = now_ms();
	len = report(rd, &q, g);
	free(q);
	q = NULL;
	CHECK(len == -EIO && now_ms() - t0 < 10000,
	      "no quoting service: outblob read fails EIO (%s) after %.1f s",
	      errname(len < 0 ? len : 0), (now_ms() - t0) / 1000);

	if (!exists(QGS)) {
		result(false, "%s was not built (make tools)", QGS);
		return;
	}
	CHECK(!qgs_start(), "tsm-rtmr-qgs-emu starts and makes its key");
	rd[0] ^= 0x80;	/* a fresh REPORTDATA, so a new report */
	len = report(rd, &q, g);
	CHECK(len > 0, "with the service: outblob read (%zd bytes)", len);
	if (len <= 0)
		goto out;
	CHECK(g[0] == g[1], "generation %ld unchanged over the outblob read", g[0]);
	CHECK(quote_layout(q, len),
	      "quote: version 4, ECDSA-256 key, TEE type TDX (0x81), lengths add up, certification data type 0 (no QE/PCK chain)");
	CHECK(!memcmp(q + Q_REPORTDATA, rd, 64), "quote REPORTDATA = inblob");
	CHECK(memcmp(q + Q_MRTD, zero, RSZ), "quote MRTD is the emulated one (not zero)");
	ok = true;
	for (unsigned int r = 0; r < NRTMR; r++)
		ok = ok && quote_rtmr_replays(q, r);
	CHECK(ok, "quote RTMR 0-3 = replay of CCEL + log");
	ok = true;
	for (unsigned int r = 2; r < NRTMR; r++)
		ok = ok && !value_of(r, v) && !memcmp(q + Q_RTMR0 + r * RSZ, v, RSZ);
	CHECK(ok, "quote RTMR 2 and 3 = value");
	CHECK(quote_signed(q, len),
	      "quote ECDSA P-256 signature over header || body verifies with its key (OpenSSL)");
	q[Q_RTMR0 + 3 * RSZ] ^= 1;
	CHECK(!quote_signed(q, len), "a flipped bit in the body fails the signature");
	free(q);
	q = NULL;

	/* behind the log's back */
	CHECK(!hidden_extend(3, 0x01), "debugfs extend: RTMR 3 extended behind the log");
	rd[1] ^= 0x80;
	len = report(rd, &q, g);
	CHECK(len > 0 && !quote_rtmr_replays(q, 3) && quote_rtmr_replays(q, 2),
	      "the next quote's RTMR 3 differs from the replay (RTMR 2 still replays)");
out:
	free(q);
	qgs_stop();
	rmdir(REPORTS "/x");
}

int main(void)
{
	unsigned char *raw = NULL;
	struct tlog l = { 0 };
	long c0, c1;
	char b[256], err[256];
	ssize_t len;
	bool ok;

	printf("TAP version 13\n");
	if (sh("/sbin/modinfo " EMU " > /dev/null 2>&1")) {
		printf("1..0 # SKIP " EMU " is not built for this kernel (make modules-all tools)\n");
		return 4;
	}
	CHECK(!sh("/sbin/modprobe " EMU) && exists("/sys/module/" EMU) &&
	      exists(SFS_ROOT "/" PROV "/count"),
	      "modprobe " EMU ": provider tdx registered");
	CHECK(read_text("/proc/sys/kernel/tainted", b, sizeof(b)) > 0 &&
	      (strtoul(b, NULL, 10) >> TAINT_TEST_BIT & 1),
	      "the kernel is tainted as running a test module (TAINT_TEST)");

	/* the CCEL */
	len = read_all(DBG "/ccel", &ccel_raw);
	ok = len > 0 && !log_parse(ccel_raw, len, &ccel, err, sizeof(err)) &&
	     ccel.nalgs == 1 && ccel.alg[0] == sha384() && ccel.n > 0;
	CHECK(ok, "debugfs ccel: a TCG crypto-agile log, Spec ID header, sha384 (%s)",
	      len < 0 ? errname(len) : ok ? "ok" : err);
	for (size_t k = 0; ok && k < ccel.n; k++) {
		struct digests d;

		ok = ccel.e[k].log_index >= 1 && ccel.e[k].log_index <= 3 &&
		     !digests_of(&d, "sha384", ccel.e[k].event,
				 ccel.e[k].event_size) &&
		     !memcmp(d.d[0], ccel.e[k].ds.d[0], RSZ);
	}
	CHECK(ok, "ccel: %zu records at CC index 1-3, each digest = SHA-384 of its data", ccel.n);

	/* handles bound to tdx */
	handles_remove_all();
	CHECK(!h_mkdir_raw("w") && !h_write("w", "provider", "tdx\n") &&
	      !h_mkdir_raw("obs") && !h_write("obs", "provider", "tdx\n"),
	      "handles bound to provider tdx");
	CHECK(h_index("w", 0) == -EPERM && h_index("w", 1) == -EPERM,
	      "RTMR 0 and 1 refused: EPERM (default allowed 2-3)");
	CHECK(h_index("w", 4) == -ERANGE, "RTMR 4: ERANGE");

	c0 = prov_count(PROV);
	CHECK(!commit(2, "tdx-emu: RTMR 2") && !commit(3, "tdx-emu: RTMR 3") &&
	      prov_count(PROV) == c0 + 2, "commits to RTMR 2 and 3");
	registers_replay("after commits");

	/* injected TDCALL errors */
	c0 = prov_count(PROV);
	CHECK(!set_fault("extend_fault", "busy") && !commit(3, "busy once") &&
	      prov_count(PROV) == c0 + 1 && fault_is("extend_fault", "none\n"),
	      "extend busy once: tdx.c retries, the commit succeeds, logged");
	c0 = prov_count(PROV);
	CHECK(!set_fault("extend_fault", "busy 16") &&
	      commit(3, "busy always") == -EBUSY && prov_count(PROV) == c0 &&
	      fault_is("extend_fault", "none\n"),
	      "extend busy 16 times (tdx.c's retries): EBUSY, nothing logged");
	CHECK(!set_fault("extend_fault", "invalid") &&
	      commit(2, "operand invalid") == -ENXIO && prov_count(PROV) == c0,
	      "extend operand invalid: ENXIO, nothing logged");
	registers_replay("after the refused extends");
	CHECK(!set_fault("extend_fault", "landed") &&
	      !commit(2, "landed, then an error") && prov_count(PROV) == c0 + 1,
	      "extend landed, then an unknown status: the core reads back, the commit succeeds, logged");
	registers_replay("after the landed extend");
	c0 = prov_count(PROV);
	ok = !set_fault("extend_fault", "landed") &&
	     !set_fault("report_fault", "invalid 16") &&
	     commit(3, "landed, report fails") == -EIO &&
	     prov_count(PROV) == c0 + 1 &&
	     prov_read(PROV, "state", b, sizeof(b)) > 0;
	b[strcspn(b, "\n")] = '\0';
	CHECK(ok && !strncmp(b, "uncertain", 9),
	      "extend landed and TDG.MR.REPORT fails: EIO, logged, state '%s'", b);
	set_fault("report_fault", "none");
	registers_replay("after the uncertain entry (it did land)");

	quotes();

	/* the core notices an extend behind its back at the next read-back */
	ok = !hidden_extend(2, 0x02);
	c0 = prov_count(PROV);
	CHECK(ok && !set_fault("extend_fault", "invalid") &&
	      commit(2, "after a hidden extend") == -EIO &&
	      (c1 = prov_count(PROV)) == c0 + 1,
	      "hidden extend of RTMR 2, then a failed commit: the read-back matches neither old nor new value: EIO, uncertain");
	ok = !tdx_log(&l, &raw);
	if (ok) {
		unsigned char v[RSZ], want[RSZ];

		ok = !value_of(2, v) && !replay(&l, 2, want) &&
		     memcmp(v, want, RSZ);
	}
	CHECK(ok, "RTMR 2 (value, read live) differs from the replay of CCEL + log");
	CHECK(write_str(DBG "/extend", "4 00\n") == -EINVAL &&
	      write_str(DBG "/extend", "3 zz\n") == -EINVAL,
	      "debugfs extend refuses a bad index or digest: EINVAL");

	handles_remove_all();
	CHECK(sh("rmmod " EMU " 2>/dev/null") != 0 && exists("/sys/module/" EMU),
	      "rmmod " EMU " refused: the tdx log pins it");
	log_free(&l);
	free(raw);
	log_free(&ccel);
	free(ccel_raw);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
