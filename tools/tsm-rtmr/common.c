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
#include <sys/stat.h>
#include <time.h>
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

/* ---- configfs handles ---------------------------------------------- */

static const char *configfs_root(void)
{
	static const char *const roots[] = {
		"/sys/kernel/config/tsm/rtmrs",
		/* when configfs-tsm (6.7+) owns the "tsm" subsystem */
		"/sys/kernel/config/tsm-rtmr/rtmrs",
	};
	const char *env = getenv("TSM_RTMR_CONFIGFS");
	struct stat st;

	if (env && *env)
		return env;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!stat(roots[i], &st) && S_ISDIR(st.st_mode))
			return roots[i];
	return NULL;
}

/* The handle a signal must not leave behind. */
static char signal_dir[512];

static void remove_on_signal(int sig)
{
	if (signal_dir[0])
		rmdir(signal_dir);
	signal(sig, SIG_DFL);
	raise(sig);
}

int handle_open(struct handle *h)
{
	const char *root = configfs_root();
	struct timespec ts;

	if (!root)
		return -ENOENT;
	signal(SIGINT, remove_on_signal);
	signal(SIGTERM, remove_on_signal);
	signal(SIGHUP, remove_on_signal);
	signal(SIGPIPE, remove_on_signal);
	/* Unique per process and call; retry the unlikely collision. */
	for (unsigned int attempt = 0; attempt < 8; attempt++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(h->dir, sizeof(h->dir), "%s/cli-%d-%08lx", root,
			 (int)getpid(), ((unsigned long)ts.tv_nsec ^
			 ((unsigned long)ts.tv_sec << 20) ^ attempt) & 0xffffffffUL);
		strcpy(signal_dir, h->dir);
		if (!mkdir(h->dir, 0700)) {
			h->open = true;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	signal_dir[0] = '\0';
	return -errno;
}

void handle_close(struct handle *h)
{
	if (!h->open)
		return;
	if (rmdir(h->dir))
		errmsg("cannot remove configfs handle %s: %s", h->dir,
		       strerror(errno));
	h->open = false;
	signal_dir[0] = '\0';
}

static int attr_open(struct handle *h, const char *attr, int flags)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s", h->dir, attr);
	return open(path, flags | O_CLOEXEC);
}

/* One write(2) per attribute: configfs stores a text attribute per write. */
int handle_write(struct handle *h, const char *attr, const void *buf,
		 size_t len)
{
	const uint8_t *p = buf;
	int fd = attr_open(h, attr, O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	/* Binary attributes apply on close; configfs drops that error. */
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int handle_printf(struct handle *h, const char *attr, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return handle_write(h, attr, buf, (size_t)n);
}

int handle_read(struct handle *h, const char *attr, char *buf, size_t size)
{
	int fd = attr_open(h, attr, O_RDONLY);
	size_t n = 0;
	int ret = 0;

	if (fd < 0)
		return -errno;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(fd);
	return ret;
}
