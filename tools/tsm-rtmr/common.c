// SPDX-License-Identifier: GPL-2.0
/*
 * Shared by the commands: messages, file reading, securityfs and configfs
 * paths, configfs handles.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cmd_name = "tsm-rtmr";

static void vmsg(const char *fmt, va_list ap)
{
	if (strcmp(cmd_name, "tsm-rtmr"))
		fprintf(stderr, "tsm-rtmr: %s: ", cmd_name);
	else
		fputs("tsm-rtmr: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void notice(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

static bool output_failed;

int output_flush(const char *note)
{
	int err = 0;

	if (fflush(stdout))
		err = errno ? errno : EIO;
	else if (ferror(stdout))
		err = EIO;
	if (!err)
		return 0;
	if (!output_failed)
		errmsg("writing output: %s%s", strerror(err), note ? note : "");
	output_failed = true;
	return -1;
}

/*
 * atexit: output that did not reach stdout is an error (exit 2), whatever
 * the command returned. A stdout that was never open (EBADF with nothing
 * written) is not.
 */
void close_stdout(void)
{
	if (output_flush(NULL))
		_exit(EXIT_ERROR);
	if (fclose(stdout) && errno != EBADF) {
		errmsg("writing output: %s", strerror(errno));
		_exit(EXIT_ERROR);
	}
}

/* securityfs and sysfs files report size 0 or 4096: read until EOF. */
int read_whole(const char *path, uint8_t **data, size_t *len, size_t max)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || !buf) {
		ret = fd < 0 ? -errno : -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *p = cap >= max ? NULL : realloc(buf, cap * 2);

			if (!p) {
				ret = cap >= max ? -EFBIG : -ENOMEM;
				goto out;
			}
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*data = buf;
	*len = n;
	buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

const char *securityfs_root(void)
{
	const char *env = getenv("TSM_RTMR_SECURITYFS");

	return env && *env ? env : "/sys/kernel/security/tsm-rtmr";
}

const char *default_provider(char *buf, size_t size)
{
	struct dirent **names;
	int n = scandir(securityfs_root(), &names, NULL, alphasort);
	const char *found = NULL;

	for (int i = 0; i < n; i++) {
		if (!found && names[i]->d_name[0] != '.' &&
		    strlen(names[i]->d_name) < size) {
			strcpy(buf, names[i]->d_name);
			found = buf;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return found;
}

const char *provider_or_first(const char *given, char *buf, size_t size)
{
	const char *p = given ? given : default_provider(buf, size);

	if (!p)
		errmsg("no provider under %s; is a tsm-rtmr provider loaded?",
		       securityfs_root());
	return p;
}

void provider_log_path(const char *provider, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s/binary_event_log", securityfs_root(),
		 provider);
}

bool provider_is_tpm(const char *provider)
{
	return !strcmp(provider, "tpm") || !strcmp(provider, "snp-vtpm");
}

struct tr_log *load_log(const char *path, const struct tr_parse_opts *opts)
{
	struct tr_error err = { 0 };
	struct tr_log *log = NULL;
	uint8_t *data;
	size_t len;
	int ret = read_whole(path, &data, &len, (size_t)1 << 32);

	if (ret) {
		errmsg("%s: %s", path, strerror(-ret));
		return NULL;
	}
	ret = tr_log_parse(data, len, opts, &log, &err);
	if (ret)
		errmsg("%s: %s", path, err.msg);
	free(data);
	return log;
}

int read_count(const char *provider, size_t *count)
{
	char path[512], *end;
	unsigned long long n;
	uint8_t *data;
	size_t len;
	int ret;

	snprintf(path, sizeof(path), "%s/%s/count", securityfs_root(), provider);
	ret = read_whole(path, &data, &len, 64);
	if (ret) {
		errmsg("%s: %s", path, strerror(-ret));
		return -1;
	}
	data[len < 64 ? len : 63] = '\0';
	errno = 0;
	n = strtoull((char *)data, &end, 10);
	ret = end == (char *)data || (*end && *end != '\n') || errno ? -1 : 0;
	if (ret)
		errmsg("%s: not a number", path);
	free(data);
	*count = (size_t)n;
	return ret;
}

/* ---- configfs handles: the library's, removed on signals too -------- */

/* The handle a signal must not leave behind. */
static struct tr_handle *signal_handle;

static void remove_on_signal(int sig)
{
	struct tr_handle *h = signal_handle;

	if (h && h->dir[0]) {
		for (int i = 0; i < TR_HF_NR; i++)
			if (h->fd[i] >= 0)
				close(h->fd[i]);
		rmdir(h->dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int handle_open(struct tr_handle *h)
{
	int ret;

	signal(SIGINT, remove_on_signal);
	signal(SIGTERM, remove_on_signal);
	signal(SIGHUP, remove_on_signal);
	signal(SIGPIPE, remove_on_signal);
	signal_handle = h;
	ret = tr_handle_create(h, "cli");
	if (ret)
		signal_handle = NULL;
	return ret;
}

void handle_close(struct tr_handle *h)
{
	int ret = tr_handle_remove(h);

	if (ret)
		errmsg("cannot remove configfs handle %s: %s", h->dir,
		       strerror(-ret));
	signal_handle = NULL;
}

bool parse_nonce(const char *hex, uint8_t *nonce, size_t *len)
{
	long n = tr_unhex(hex, strlen(hex), nonce, 64);

	if (n <= 0) {
		errmsg("--nonce: want 1-64 bytes of hex");
		return false;
	}
	*len = (size_t)n;
	return true;
}
