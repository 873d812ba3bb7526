// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * configfs-tsm reports (Linux 6.7+): a TD quote, or another TEE's report,
 * for 64 bytes of REPORTDATA.
 *
 * A report is a directory under the report root: write REPORTDATA to
 * "inblob", read "outblob", which the provider fills on the first read.
 * Every process with write access shares these attributes, so another
 * writer could replace inblob between our write and our read and hand us
 * a quote of its REPORTDATA: "generation" counts writes, so it is read
 * before our write and after the read of outblob, and anything but our
 * one write between the two is a racing writer (-EAGAIN: retry). Reading
 * it only after our write would miss a writer that came between that
 * write and the read.
 * The directory is private to this call and always removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tsm-rtmr.h"
#include "internal.h"

#define REPORT_PATH_MAX	512

const char *tr_tsm_report_root(void)
{
	const char *env = getenv("TSM_RTMR_TSM_REPORT");

	return env && *env ? env : "/sys/kernel/config/tsm/report";
}

static unsigned long random_word(unsigned int attempt)
{
	unsigned int r;
	struct timespec ts;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) == (ssize_t)sizeof(r))
		return r;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20) ^
		attempt) & 0xffffffffUL;
}

/* mkdir ROOT/tsm-rtmr-PID-RANDOM into @dir: 0 or -errno. */
static int report_mkdir(char *dir)
{
	const char *root = tr_tsm_report_root();

	for (unsigned int attempt = 0; attempt < 8; attempt++) {
		if ((size_t)snprintf(dir, REPORT_PATH_MAX, "%s/tsm-rtmr-%d-%08lx",
				     root, (int)getpid(), random_word(attempt)) >=
		    REPORT_PATH_MAX)
			return -ENAMETOOLONG;
		if (!mkdir(dir, 0700))
			return 0;
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static int attr_path(const char *dir, const char *attr, char *path)
{
	if ((size_t)snprintf(path, REPORT_PATH_MAX + 32, "%s/%s", dir, attr) >=
	    REPORT_PATH_MAX + 32)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * The whole of @attr into a malloc'd buffer (NUL-terminated, not
 * counted in *@len), at most @max bytes: -EFBIG beyond.
 */
static int read_attr(const char *dir, const char *attr, size_t max,
		     uint8_t **out, size_t *len)
{
	char path[REPORT_PATH_MAX + 32];
	size_t cap = 4096, n = 0;
	uint8_t *buf = NULL;
	int fd, ret = attr_path(dir, attr, path);

	*out = NULL;
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (!buf || n == cap - 1) {
			uint8_t *p;

			if (buf)
				cap *= 2;
			p = realloc(buf, cap);
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			buf = p;
		}
		got = read(fd, buf + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			ret = -EFBIG;
			break;
		}
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int read_generation(const char *dir, unsigned long *gen)
{
	uint8_t *text;
	size_t len;
	char *end;
	int ret = read_attr(dir, "generation", 64, &text, &len);

	if (ret)
		return ret;
	errno = 0;
	*gen = strtoul((char *)text, &end, 10);
	if (errno || end == (char *)text || (*end && *end != '\n'))
		ret = -EIO;
	free(text);
	return ret;
}

static int read_provider(const char *dir, char *provider, size_t size)
{
	uint8_t *text;
	size_t len;
	int ret = read_attr(dir, "provider", 4096, &text, &len);

	if (ret)
		return ret;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\0'))
		text[--len] = '\0';
	snprintf(provider, size, "%s", (char *)text);
	free(text);
	return 0;
}

/* Everything between mkdir and rmdir. */
static int report_in(const char *dir, const uint8_t *reportdata, size_t len,
		     uint8_t **quote, size_t *quote_len, char *provider,
		     size_t provider_size)
{
	char path[REPORT_PATH_MAX + 32];
	unsigned long before, after;
	int ret = attr_path(dir, "inblob", path);

	if (!ret)
		ret = read_generation(dir, &before);
	if (!ret)
		ret = tr_write_once(path, reportdata, len);
	if (!ret)
		ret = read_attr(dir, "outblob", TR_TDQ_MAX_SIZE, quote,
				quote_len);
	if (!ret)
		ret = read_generation(dir, &after);
	if (!ret && after != before + 1)
		ret = -EAGAIN;	/* another writer raced: maybe not our REPORTDATA */
	if (!ret && provider && provider_size)
		ret = read_provider(dir, provider, provider_size);
	if (ret) {
		free(*quote);
		*quote = NULL;
	}
	return ret;
}

int tr_tsm_report(const uint8_t *reportdata, size_t len, uint8_t **quote,
		  size_t *quote_len, char *provider, size_t provider_size)
{
	char dir[REPORT_PATH_MAX];
	int ret;

	*quote = NULL;
	*quote_len = 0;
	if (provider && provider_size)
		provider[0] = '\0';
	if (len != TR_TDQ_REPORTDATA)
		return -EINVAL;
	ret = report_mkdir(dir);
	if (ret)
		return ret;
	ret = report_in(dir, reportdata, len, quote, quote_len, provider,
			provider_size);
	if (rmdir(dir) && !ret) {
		ret = -errno;
		free(*quote);
		*quote = NULL;
	}
	if (ret)
		*quote_len = 0;
	return ret;
}
