/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtsm-rtmr: parse, replay and convert TCG crypto-agile event logs,
 * verify TPM quotes against them, and commit entries through the kernel's
 * configfs handles.
 *
 * A log is parsed once into an immutable struct tr_log that owns a copy of
 * the bytes; records point into that copy by offset, so serialising a
 * parsed log gives back exactly the bytes it was parsed from.
 *
 * Every function that can fail returns 0 or a negative enum tr_status
 * (the configfs handle functions: a negative errno) and, where it takes a
 * struct tr_error (which may be NULL), leaves a one-line reason there.
 *
 * Hashing goes through OpenSSL EVP only; EVP_MD objects are fetched once and
 * cached (threads racing to the first fetch may each fetch; one is kept).
 * A parsed log is immutable and may be shared between threads.
 *
 * License: LGPL-2.1-or-later (the CLI and tests around it: GPL-2.0).
 */
#ifndef TSM_RTMR_LIB_H
#define TSM_RTMR_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <tss2/tss2_tpm2_types.h>

#define TR_MAX_ALGS		8		/* algorithms in a Spec ID header */
#define TR_MAX_DIGEST		64		/* SHA-512 */
#define TR_MAX_EVENT_SIZE	(16u << 20)	/* one record's event data */
#define TR_DEFAULT_MAX_RECORDS	(1u << 21)
#define TR_MAX_REGISTERS	1024		/* distinct log indexes in a replay */

#define TR_EV_NO_ACTION		0x3u
#define TR_EV_EVENT_TAG		0x6u

enum tr_status {
	TR_OK = 0,
	TR_E_TRUNCATED = -1,	/* input ends inside a structure */
	TR_E_MALFORMED = -2,	/* a field has a value the format forbids */
	TR_E_LIMIT = -3,	/* a hard limit of this library was hit */
	TR_E_NOMEM = -4,
	TR_E_UNSUPPORTED = -5,	/* e.g. a hash OpenSSL does not provide */
	TR_E_NOMATCH = -6,	/* no prefix / verification failed */
	TR_E_CRYPTO = -7,	/* OpenSSL failed */
	TR_E_INVAL = -8,	/* bad argument */
};

struct tr_error {
	char msg[256];
	size_t offset;		/* byte offset the error refers to */
};

const char *tr_strstatus(int status);

/* ---- algorithms ---------------------------------------------------- */

struct tr_alg {
	uint16_t id;		/* TPM_ALG_ID */
	uint16_t size;		/* digest bytes */
	const char *name;	/* "sha256": the ABI and CEL name */
	const char *evp_name;	/* OpenSSL name */
};

const struct tr_alg *tr_alg_by_id(uint16_t id);
const struct tr_alg *tr_alg_by_name(const char *name);
const struct tr_alg *tr_alg_by_name_len(const char *name, size_t len);

/* Hash @len bytes with @alg through EVP into @out (alg->size bytes). */
int tr_hash(const struct tr_alg *alg, const void *data, size_t len,
	    uint8_t *out);

/* H(@a || @b) with @alg into @out: the extend operation. */
int tr_hash2(const struct tr_alg *alg, const void *a, size_t a_len,
	     const void *b, size_t b_len, uint8_t *out);

/* Lowercase hex of @len bytes into @out (2 * len + 1 bytes). */
void tr_hex(const uint8_t *bytes, size_t len, char *out);
/* Parse exactly 2 * @max_len or fewer hex digits; returns byte count or -1. */
long tr_unhex(const char *hex, size_t hex_len, uint8_t *out, size_t max_len);

/* ---- parsed log ---------------------------------------------------- */

struct tr_bank {
	uint16_t alg_id;
	uint16_t size;
	const struct tr_alg *alg;	/* NULL: unknown to this library */
};

struct tr_record {
	uint32_t recnum;	/* 0.. in log order, header not counted */
	uint32_t log_index;	/* TCG pcrIndex */
	uint32_t event_type;
	uint32_t event_size;
	size_t offset;		/* of the record in tr_log.buf */
	size_t length;		/* of the whole record */
	size_t event_off;	/* of the event data in tr_log.buf */
	/* digest_off[b]: offset in buf of the digest for header bank b */
	uint32_t digest_off[TR_MAX_ALGS];
};

struct tr_log {
	uint8_t *buf;		/* owned copy of the parsed bytes */
	size_t len;		/* bytes parsed (after trimming, if asked) */
	size_t header_len;	/* bytes of the Spec ID header record */
	uint32_t platform_class;
	uint8_t spec_minor, spec_major, spec_errata, uintn_size;
	unsigned int n_banks;
	struct tr_bank banks[TR_MAX_ALGS];
	uint8_t vendor_info_size;
	size_t n_records;
	struct tr_record *records;
};

struct tr_parse_opts {
	size_t max_records;	/* 0: TR_DEFAULT_MAX_RECORDS */
	uint32_t max_event_size; /* 0: TR_MAX_EVENT_SIZE */
	/*
	 * Firmware tables (the TDX CCEL) are larger than their log and filled
	 * with 0xFF or 0x00 after it: stop at the first record whose fixed
	 * part is all-0xFF or all-zero, or when fewer bytes than a record
	 * header remain, instead of failing.
	 */
	bool trim_end_marker;
};

int tr_log_parse(const uint8_t *data, size_t len,
		 const struct tr_parse_opts *opts, struct tr_log **out,
		 struct tr_error *err);
void tr_log_free(struct tr_log *log);

/* Bank number of @alg_id in the header, or -1. */
int tr_log_bank(const struct tr_log *log, uint16_t alg_id);
static inline const uint8_t *tr_record_digest(const struct tr_log *log,
					      const struct tr_record *rec,
					      unsigned int bank)
{
	return log->buf + rec->digest_off[bank];
}
static inline const uint8_t *tr_record_event(const struct tr_log *log,
					     const struct tr_record *rec)
{
	return log->buf + rec->event_off;
}

/* ---- building logs (tests, seed corpora, merging) ------------------- */

struct tr_buf {
	uint8_t *data;
	size_t len, cap;
	bool failed;		/* an allocation failed; data is incomplete */
};

void tr_buf_free(struct tr_buf *b);
int tr_buf_put(struct tr_buf *b, const void *data, size_t len);

/* Spec ID header record for these algorithms (provider bank order). */
int tr_build_header(struct tr_buf *b, const uint16_t *alg_ids,
		    unsigned int n_algs);
/* One TCG_PCR_EVENT2; @digests holds one digest per alg, concatenated. */
int tr_build_record(struct tr_buf *b, uint32_t log_index, uint32_t event_type,
		    const uint16_t *alg_ids, unsigned int n_algs,
		    const uint8_t *digests, const void *event,
		    uint32_t event_size);
/* As tr_build_record, digests computed over the event data. */
int tr_build_record_hashed(struct tr_buf *b, uint32_t log_index,
			   uint32_t event_type, const uint16_t *alg_ids,
			   unsigned int n_algs, const void *event,
			   uint32_t event_size);

/*
 * @fw (a log parsed with trim_end_marker, e.g. the CCEL) followed by the
 * records of @rt without its header: one log for CCEL parsers. Both must
 * carry the same banks in the same order.
 */
int tr_log_concat(const struct tr_log *fw, const struct tr_log *rt,
		  struct tr_buf *out, struct tr_error *err);

/* ---- replay -------------------------------------------------------- */

#define TR_REPLAY_TPM	0x1u	/* TPM: PCRs 17-22 start all-0xFF */

struct tr_register {
	uint32_t index;		/* log index */
	uint8_t value[TR_MAX_ALGS][TR_MAX_DIGEST];
};

struct tr_replay {
	const struct tr_log *log;
	unsigned int flags;
	size_t applied;			/* records replayed so far */
	size_t n_regs;			/* registers the whole log touches */
	struct tr_register *regs;	/* sorted by index */
	void *priv;
};

/* Prepare a replay of @log; every register starts at its initial value. */
int tr_replay_init(struct tr_replay *r, const struct tr_log *log,
		   unsigned int flags, struct tr_error *err);
/* Apply records until @upto have been applied (clamped to the log). */
int tr_replay_run(struct tr_replay *r, size_t upto);
void tr_replay_free(struct tr_replay *r);
/* Current value of log index @index, bank @bank; NULL if never touched. */
const uint8_t *tr_replay_value(const struct tr_replay *r, uint32_t index,
			       unsigned int bank);
void tr_initial_value(uint32_t index, unsigned int flags, uint8_t *out,
		      size_t size);

/*
 * Prefix search. Calls @match after each prefix n = 0..n_records has been
 * replayed (@last: the record just applied, NULL for n = 0); @match returns
 * 1 when the replayed state is acceptable, 0 when not, <0 to abort.
 * *@best is the longest acceptable n; TR_E_NOMATCH when none is.
 */
typedef int (*tr_prefix_cb)(const struct tr_replay *r, size_t n,
			    const struct tr_record *last, void *ctx);
int tr_longest_prefix_cb(const struct tr_log *log, unsigned int flags,
			 tr_prefix_cb match, void *ctx, size_t *best,
			 struct tr_error *err);

struct tr_target {
	uint32_t index;		/* log index */
	uint16_t alg_id;
	uint8_t value[TR_MAX_DIGEST];
};

/* Longest prefix whose replay equals every target (IMA rule). */
int tr_longest_prefix(const struct tr_log *log, unsigned int flags,
		      const struct tr_target *targets, size_t n_targets,
		      size_t *best, struct tr_error *err);

/* A register whose value is the replay of the first @prefix records. */
struct tr_coverage {
	uint32_t index;		/* log index */
	size_t prefix;
};

/*
 * What live register values read one register at a time do not cover
 * (tr_quote_uncovered for values that need not be of one prefix): the
 * records among the first @count (those in the log before the values were
 * read, clamped to the log) that extend a register of @regs at or after
 * its prefix. A verifier must fail such values: the register was reset,
 * or extended behind the log, after those entries were logged. Registers
 * not in @regs are not looked at. Stores the first @max of those recnums,
 * in log order, in @recnums (may be NULL when @max is 0); returns how many
 * there are.
 */
size_t tr_registers_uncovered(const struct tr_log *log,
			      const struct tr_coverage *regs, size_t n_regs,
			      size_t count, uint32_t *recnums, size_t max);

/* ---- output formats ------------------------------------------------- */

/* The kernel's ascii_event_log: one line per record. */
int tr_print_text(FILE *f, const struct tr_log *log);
/* A JSON array, one object per record (see tsm-rtmr(8)). */
int tr_print_json(FILE *f, const struct tr_log *log);
/*
 * TCG Canonical Event Log, JSON form. @seq false: one JSON array, one
 * record per line; true: RFC 7464 JSON text sequence (RS before each
 * record, newline after), as systemd writes.
 */
int tr_print_cel_json(FILE *f, const struct tr_log *log, bool seq);

/* ---- configfs handles: committing entries (spec section 4) ----------- */

/*
 * A writer's handle is a directory under the configfs root. Unlike the
 * rest of the library, these functions return 0 or a negative errno, the
 * kernel's own answer (spec section 4 says what each means), and leave
 * the name of the attribute that gave it in h->failed ("mkdir", "rmdir",
 * "provider", "index", "event_type", "event", "event_blob", "digest", ...).
 *
 * An entry: tr_handle_set_index, tr_handle_set_event_type,
 * tr_handle_stage_event, then tr_handle_commit, the write to "digest" that
 * extends the register and appends the entry, or fails and changes
 * nothing (tr_handle_commit_entry does the four). The handle keeps index,
 * event_type, event and digest open and rewrites them with pwrite() at
 * offset 0 for every entry; index and event_type only when they change.
 * Event data of 1 to TR_EVENT_TEXT_MAX bytes goes through "event" (one
 * write(2), refused whole with EFBIG if too large), more through
 * "event_blob" (opened, written, closed: configfs applies it at close and
 * drops that step's error, so an oversized blob fails the next commit
 * with EFBIG, reported with h->failed "event_blob").
 *
 * A handle is not thread-safe; use one per thread.
 */
#define TR_EVENT_TEXT_MAX	4094u	/* one write(2) to "event" */

/*
 * The directory of handles: $TSM_RTMR_CONFIGFS when set (tests), else the
 * first of /sys/kernel/config/tsm/rtmrs and /sys/kernel/config/tsm-rtmr/rtmrs
 * (where configfs-tsm, 6.7+, owns "tsm") that exists; NULL when neither.
 */
const char *tr_configfs_root(void);

enum tr_handle_file {	/* the attributes kept open */
	TR_HF_INDEX,
	TR_HF_EVENT_TYPE,
	TR_HF_EVENT,
	TR_HF_DIGEST,
	TR_HF_NR,
};

struct tr_handle {
	char dir[512];		/* set before the mkdir (a signal handler may rmdir it) */
	int fd[TR_HF_NR];	/* -1 until first written */
	bool created;
	bool index_set, type_set;	/* index, event_type: the kernel's */
	uint32_t index, event_type;
	/* The kernel may hold event data or a staging error for the next commit. */
	bool event_pending;
	const char *door;	/* "event" or "event_blob": the last staging */
	const char *failed;	/* the attribute of the last error */
};

struct tr_entry {
	uint32_t index;		/* register */
	uint32_t event_type;	/* TR_EV_EVENT_TAG, say */
	const void *event;	/* may hold NULs */
	size_t event_len;	/* 0: no event data */
	const char *digests;	/* "sha256:<hex> sha384:<hex>\n" (tr_digest_line) */
	size_t digests_len;
};

/*
 * Open @path, one write(2) of @len bytes, close: 0 or -errno (a short
 * write is -EIO). A configfs text attribute stores each write whole, so
 * this is how one is set.
 */
int tr_write_once(const char *path, const void *buf, size_t len);

/* mkdir ROOT/@prefix-PID-RANDOM; -ENOENT when there is no configfs root. */
int tr_handle_create(struct tr_handle *h, const char *prefix);
/* Close the kept files and rmdir the handle; a no-op if not created. */
int tr_handle_remove(struct tr_handle *h);
/* Open @attr, one write(2) of @len bytes (a short one is -EIO), close. */
int tr_handle_write(struct tr_handle *h, const char *attr, const void *buf,
		    size_t len);
int tr_handle_printf(struct tr_handle *h, const char *attr, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* The whole of @attr, NUL-terminated and cut to @size - 1 bytes. */
int tr_handle_read(struct tr_handle *h, const char *attr, char *buf,
		   size_t size);

int tr_handle_set_index(struct tr_handle *h, uint32_t index);
int tr_handle_set_event_type(struct tr_handle *h, uint32_t type);
/*
 * Event data of the next entry, through "event" or "event_blob" by @len.
 * A 0-byte event needs no write, but configfs cannot clear data staged
 * for an entry whose commit failed: then -EBUSY (use a new handle).
 */
int tr_handle_stage_event(struct tr_handle *h, const void *data, size_t len);
/* Write the digest line: the commit. */
int tr_handle_commit(struct tr_handle *h, const char *digests, size_t len);
int tr_handle_commit_entry(struct tr_handle *h, const struct tr_entry *e);
/* Record number of the handle's last committed entry; -ENODATA: none. */
int tr_handle_last_recnum(struct tr_handle *h, uint64_t *recnum);

/* "sha256 sha384\n" (the "algs" attribute) into @algs, in that order. */
int tr_parse_alg_list(const char *s, const struct tr_alg **algs,
		      unsigned int max, unsigned int *n, struct tr_error *err);
/*
 * The "digest" line for @digests (one per algorithm of @algs, concatenated):
 * "sha256:<hex> sha384:<hex>\n". Its length, or TR_E_LIMIT when @size is
 * too small.
 */
int tr_digest_line(const struct tr_alg *const *algs, unsigned int n,
		   const uint8_t *digests, char *out, size_t size);

/* ---- TPM quote verification ------------------------------------------ */

/*
 * Check a TPM2_Quote: unmarshal @attest (TPMS_ATTEST) with Tss2_MU,
 * verify magic, type and extraData == @nonce, and @sig over @attest with
 * the key in @pub (ECC or RSA) through OpenSSL. On success *@out holds the
 * unmarshalled attestation. TR_E_NOMATCH when a check fails.
 */
int tr_quote_verify(const uint8_t *attest, size_t attest_len,
		    const TPMT_SIGNATURE *sig, const TPMT_PUBLIC *pub,
		    const uint8_t *nonce, size_t nonce_len, TPMS_ATTEST *out,
		    struct tr_error *err);

/*
 * As tr_quote_verify, with the AK a PEM public key (SubjectPublicKeyInfo,
 * RSA or EC), as a verifier pins it.
 */
int tr_quote_verify_pem(const uint8_t *attest, size_t attest_len,
			const TPMT_SIGNATURE *sig, const char *pem,
			size_t pem_len, const uint8_t *nonce, size_t nonce_len,
			TPMS_ATTEST *out, struct tr_error *err);
/* The key of @pub as a malloc'd, NUL-terminated PEM public key. */
int tr_tpm_public_pem(const TPMT_PUBLIC *pub, char **pem, size_t *len);

/* Value of a PCR the log does not carry (e.g. from TPM2_PCR_Read). */
typedef int (*tr_pcr_lookup)(uint32_t pcr, uint16_t alg_id, uint8_t *out,
			     void *ctx);

/*
 * pcrDigest = H(selected PCR values, banks in @sel order, ascending PCR),
 * with PCR values from @r where the log touches the PCR, else @lookup.
 */
int tr_pcr_digest(const struct tr_replay *r, const TPML_PCR_SELECTION *sel,
		  const struct tr_alg *hash, tr_pcr_lookup lookup,
		  void *lookup_ctx, uint8_t *out);

/*
 * Longest prefix of @log (a TPM log: PCR n is log index n) whose replay
 * gives @pcr_digest over @sel with @hash. TR_E_NOMATCH when none does.
 */
int tr_quote_find_prefix(const struct tr_log *log,
			 const TPML_PCR_SELECTION *sel,
			 const struct tr_alg *hash, const uint8_t *pcr_digest,
			 tr_pcr_lookup lookup, void *lookup_ctx, size_t *best,
			 struct tr_error *err);

/*
 * What a quote whose PCRs are the replay of the first @prefix records of
 * @log does not cover: the records among the first @count (those in the
 * log before the quote was requested, clamped to the log) from @prefix on
 * that extend a PCR selected in any bank of @sel. A verifier must fail
 * such a quote: the PCRs were reset, or extended behind the log, after
 * those entries were logged. Stores the first @max of their recnums in
 * @recnums (may be NULL when @max is 0); returns how many there are.
 */
size_t tr_quote_uncovered(const struct tr_log *log,
			  const TPML_PCR_SELECTION *sel, size_t prefix,
			  size_t count, uint32_t *recnums, size_t max);

/* ---- data binding and the attestation agent's records (spec 9) -------- */

/*
 * 1 when every bank's digest of @rec is the hash of its event data (the
 * data is bound: a verifier may trust it), 0 when one is not or the bank's
 * algorithm is unknown, <0 on an OpenSSL failure.
 */
int tr_record_bound(const struct tr_log *log, const struct tr_record *rec);

#define TR_AAEL_TAG		0x4141454cu	/* "AAEL" as a little-endian u32 */
#define TR_AAEL_MAX_TEXT	(TR_MAX_EVENT_SIZE - 8)

/*
 * The event data of an attestation-agent record: TCG_PCClientTaggedEvent
 * { u32 TR_AAEL_TAG, u32 @len, @text }. @text is "DOMAIN OPERATION
 * CONTENT": three non-empty fields, DOMAIN and OPERATION without spaces,
 * no NUL; TR_E_INVAL (with a reason in @err) otherwise. The record is
 * type TR_EV_EVENT_TAG, one digest per bank over this whole event data.
 */
int tr_aael_event(const char *text, size_t len, struct tr_buf *out,
		  struct tr_error *err);
/*
 * When @rec is an AAEL record (EV_EVENT_TAG, tag TR_AAEL_TAG, the size
 * field equal to the rest of the event data), point *@text at its text
 * and return 1; 0 when it is not one.
 */
int tr_aael_text(const struct tr_log *log, const struct tr_record *rec,
		 const char **text, size_t *len);

/* ---- TD quotes (Intel TDX DCAP quote, versions 4 and 5) --------------- */

#define TR_TDQ_HEADER_SIZE	48
#define TR_TDQ_BODY10_SIZE	584	/* TD 1.0 report body */
#define TR_TDQ_BODY15_SIZE	648	/* TD 1.5: + TEE_TCB_SVN2, MRSERVICETD */
#define TR_TDQ_MAX_SIZE		(1u << 20)
#define TR_TDQ_RTMRS		4
#define TR_TDQ_REPORTDATA	64

/*
 * A parsed TD quote. Fields are copies; @signed_len is how many leading
 * bytes of the quote the ECDSA signature covers (the header, the v5 body
 * type and size, and the body: everything before the signature data
 * length).
 */
struct tr_td_quote {
	uint16_t version;		/* 4 or 5 */
	uint16_t att_key_type;		/* 2: ECDSA-256 with P-256 */
	uint32_t tee_type;		/* 0x81: TDX */
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
	uint16_t body_type;		/* 2: TD 1.0, 3: TD 1.5 (v4: 2) */
	uint32_t body_size;
	uint8_t tee_tcb_svn[16];
	uint8_t mrseam[48], mrsignerseam[48];
	uint8_t seam_attributes[8], td_attributes[8], xfam[8];
	uint8_t mrtd[48], mrconfigid[48], mrowner[48], mrownerconfig[48];
	uint8_t rtmr[TR_TDQ_RTMRS][48];
	uint8_t report_data[TR_TDQ_REPORTDATA];
	uint8_t tee_tcb_svn2[16], mrservicetd[48];	/* TD 1.5 only */
	size_t signed_len;
	uint8_t signature[64];		/* r || s, big-endian */
	uint8_t attest_key[64];		/* x || y of the P-256 key */
	uint16_t cert_type;		/* 5: PCK chain, 6: QE report, ... */
	uint32_t cert_size;
	size_t cert_off;		/* of the certification data in the quote */
};

/*
 * Strictly parse @len bytes: version 4 or 5, attestation key type 2, TEE
 * type 0x81, body TD 1.0 or 1.5, every length inside the quote and the
 * certification data ending exactly at its end. Anything else is
 * TR_E_UNSUPPORTED or TR_E_MALFORMED/TR_E_TRUNCATED with the field named.
 */
int tr_td_quote_parse(const uint8_t *quote, size_t len, struct tr_td_quote *q,
		      struct tr_error *err);
/*
 * ECDSA P-256 over SHA-256 of the first q->signed_len bytes of @quote with
 * the attestation key the quote carries (its chain is a DCAP verifier's
 * business). TR_E_NOMATCH when it does not verify.
 */
int tr_td_quote_verify_signature(const uint8_t *quote,
				 const struct tr_td_quote *q,
				 struct tr_error *err);

/*
 * The runtime registers of a TD quote against the firmware log and the
 * runtime log: RTMR n is log index (CC index) n + 1, SHA-384, starting at
 * zero. @ccel (may be NULL: no firmware log) is replayed whole; then the
 * longest prefix of @rt whose replay together with it equals RTMR 0-3 of
 * @q. *@best: records of @rt in that prefix. TR_E_NOMATCH when no prefix
 * does; TR_E_UNSUPPORTED when a log has no SHA-384 bank.
 */
int tr_td_find_prefix(const struct tr_td_quote *q, const struct tr_log *ccel,
		      const struct tr_log *rt, size_t *best,
		      struct tr_error *err);

/*
 * configfs-tsm: a report with REPORTDATA = @reportdata (TR_TDQ_REPORTDATA
 * bytes) through ROOT/report/NAME (mkdir, inblob, outblob, rmdir), refused
 * with -EAGAIN when "generation" moved between the write and the read.
 * *@quote is malloc'd. The root is $TSM_RTMR_TSM_REPORT when set, else
 * /sys/kernel/config/tsm/report. *@provider (may be NULL) gets the
 * report's "provider" (e.g. "tdx_guest"). 0 or -errno.
 */
const char *tr_tsm_report_root(void);
int tr_tsm_report(const uint8_t *reportdata, size_t len, uint8_t **quote,
		  size_t *quote_len, char *provider, size_t provider_size);

/* ---- evidence documents (spec 9) -------------------------------------- */

#define TR_EVIDENCE_VERSION	1
#define TR_EVIDENCE_MAX_SIZE	(256u << 20)	/* of the JSON text */

struct tr_ev_pcr {
	uint16_t alg_id;
	uint32_t pcr;
	uint8_t value[TR_MAX_DIGEST];
};

/*
 * The document. Every buffer is malloc'd and owned (tr_evidence_free);
 * absent parts are NULL with length 0.
 */
struct tr_evidence {
	unsigned int version;
	char provider[32];		/* "tpm", "snp-vtpm", "tdx", "sim" */
	uint8_t nonce[64];
	size_t nonce_len;
	uint64_t count;
	uint8_t *log;
	size_t log_len;
	/* tpm_quote */
	bool has_tpm_quote;
	uint8_t *tpm_message;		/* TPMS_ATTEST, marshalled */
	size_t tpm_message_len;
	uint8_t *tpm_signature;		/* TPMT_SIGNATURE, marshalled */
	size_t tpm_signature_len;
	char *ak_public;		/* PEM */
	struct tr_ev_pcr *pcrs;		/* every quoted PCR */
	size_t n_pcrs;
	/* tdx */
	uint8_t *td_quote;
	size_t td_quote_len;
	uint8_t *ccel;
	size_t ccel_len;
};

/*
 * Strict: one JSON object, version 1, the fields of spec 9 with their
 * types, base64 that decodes (no garbage, correct padding), hex of the
 * right length; unknown fields are ignored (the spec lets later versions
 * add some). TR_E_MALFORMED naming the field otherwise.
 */
int tr_evidence_parse(const char *json, size_t len, struct tr_evidence **out,
		      struct tr_error *err);
/* The document as JSON text, one object, ending in a newline. */
int tr_evidence_write(FILE *f, const struct tr_evidence *ev);
void tr_evidence_free(struct tr_evidence *ev);

/* One line per check: what was checked and whether it passed. */
typedef void (*tr_check_cb)(void *ctx, bool ok, const char *check,
			    const char *detail);

struct tr_verify_opts {
	const uint8_t *nonce;		/* the verifier's own nonce */
	size_t nonce_len;
	const char *ak_pub_pem;		/* TPM: the pinned AK (required) */
	size_t ak_pub_pem_len;
	tr_check_cb report;		/* may be NULL */
	void *ctx;
};

/*
 * Every check of spec 9 on @ev: nonce, signature, registers (with the
 * count rule), data binding, strict parsing of log and quote. 0 when all
 * pass; TR_E_NOMATCH when a check fails (@err names the first); other
 * negative values when the document cannot be checked: a part does not
 * parse, or a TPM document without @o->ak_pub_pem (exit 2).
 */
int tr_evidence_verify(const struct tr_evidence *ev,
		       const struct tr_verify_opts *o, struct tr_error *err);

#endif /* TSM_RTMR_LIB_H */
