/* SPDX-License-Identifier: GPL-2.0 */
#ifndef TSM_RTMR_CLI_H
#define TSM_RTMR_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tsm-rtmr.h"

/* Exit status of every command. */
#define EXIT_OK		0
#define EXIT_VERIFY	1	/* a verification failed */
#define EXIT_ERROR	2	/* usage or system error */

extern const char *cmd_name;	/* "extend", ... for messages */

__attribute__((format(printf, 1, 2)))
void errmsg(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void notice(const char *fmt, ...);

/*
 * Flush stdout: 0 when everything printed so far reached it; else -1 after
 * a one-line message naming the cause (once per process), with @note, if
 * not NULL, appended. Each command calls it after its output; main()
 * registers close_stdout() for every other exit path (--help, exit()).
 */
int output_flush(const char *note);
void close_stdout(void);

/* Whole file into a malloc'd buffer; -errno on failure. */
int read_whole(const char *path, uint8_t **data, size_t *len, size_t max);

const char *securityfs_root(void);
/* First provider directory under securityfs, or NULL. */
const char *default_provider(char *buf, size_t size);
/* @given, else the first provider; NULL after a one-line message. */
const char *provider_or_first(const char *given, char *buf, size_t size);
/* Read and strictly parse a log; prints the error and returns NULL. */
struct tr_log *load_log(const char *path, const struct tr_parse_opts *opts);
/* securityfs binary_event_log path of @provider. */
void provider_log_path(const char *provider, char *buf, size_t size);
bool provider_is_tpm(const char *provider);
/*
 * @provider's securityfs count: entries in its log whose extend is done.
 * 0, or -1 after a one-line message.
 */
int read_count(const char *provider, size_t *count);

/*
 * tr_handle_create(h, "cli") and tr_handle_remove, with the handle removed
 * on SIGINT, SIGTERM, SIGHUP and SIGPIPE too; handle_close says when the
 * rmdir fails.
 */
int handle_open(struct tr_handle *h);
void handle_close(struct tr_handle *h);

/* The TDX firmware's event log (ACPI CCEL table data). */
#define DEFAULT_CCEL	"/sys/firmware/acpi/tables/data/CCEL"
/* $TSM_RTMR_CCEL when set (tests), else DEFAULT_CCEL. */
const char *ccel_path(void);

/*
 * The tdx provider's evidence into @ev (spec 9), as "evidence" writes it:
 * count, a TD quote through configfs-tsm with REPORTDATA = @nonce
 * zero-padded, the log, the CCEL from @ccel or ccel_path() when it exists.
 * @provider gets the configfs-tsm report provider (tdx_guest, or
 * tsm_rtmr_tdx_emu in tests). EXIT_OK, or EXIT_ERROR after a message.
 */
int gather_tdx(const uint8_t *nonce, size_t nonce_len, const char *ccel,
	       struct tr_evidence *ev, char *provider, size_t size);
/* "a TD", "the test emulator, not a TD", or NULL: not a TDX provider. */
const char *tdx_report_kind(const char *provider);
/*
 * tr_evidence_verify, one line per check on stdout ("ok   CHECK: ..." or
 * "FAIL CHECK: ..."), the first failure on stderr: EXIT_OK, EXIT_VERIFY
 * (a check failed) or EXIT_ERROR (the document cannot be checked).
 */
int verify_evidence(const struct tr_evidence *ev, const uint8_t *nonce,
		    size_t nonce_len, const char *ak_pem, size_t ak_pem_len);
/* quote -p tdx: gather_tdx, then verify_evidence. */
int quote_tdx(const uint8_t *nonce, size_t nonce_len, const char *ccel);
/* --nonce HEX: 1-64 bytes; false after a one-line message. */
bool parse_nonce(const char *hex, uint8_t *nonce, size_t *len);

int cmd_extend(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
