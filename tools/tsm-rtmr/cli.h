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

int cmd_extend(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_quote(int argc, char **argv);
int cmd_import(int argc, char **argv);

#endif
