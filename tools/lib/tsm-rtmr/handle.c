// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * configfs handles: the write side of the ABI (spec section 4).
 *
 * The files an entry rewrites (index, event_type, event, digest) are
 * opened once per handle and rewritten with pwrite() at offset 0: configfs
 * hands a text attribute's store each write(2) whole, whatever the offset,
 * so an entry costs one write per attribute it changes and no open, close
 * or allocation. event_blob, the binary attribute, is the exception:
 * configfs applies it only when the file is closed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tsm-rtmr.h"
#include "internal.h"

static const char *const hf_names[TR_HF_NR] = {
	[TR_HF_INDEX] = "index",
	[TR_HF_EVENT_TYPE] = "event_type",
	[TR_HF_EVENT] = "event",
	[TR_HF_DIGEST] = "digest",
};

const char *tr_configfs_root(void)
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

/* Record which attribute failed; returns @err (a negative errno). */
static int failed(struct tr_handle *h, const char *attr, int err)
{
	h->failed = attr;
	return err;
}

#define ATTR_PATH_MAX	(sizeof(((struct tr_handle *)0)->dir) + 32)

/* @h's attribute @attr, into @path (ATTR_PATH_MAX bytes): 0 or -errno. */
static int attr_path(const struct tr_handle *h, const char *attr, char *path)
{
	if ((size_t)snprintf(path, ATTR_PATH_MAX, "%s/%s", h->dir, attr) >=
	    ATTR_PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int attr_open(const struct tr_handle *h, const char *attr, int flags)
{
	char path[ATTR_PATH_MAX];
	int ret = attr_path(h, attr, path);

	if (ret) {
		errno = -ret;
		return -1;
	}
	return open(path, flags | O_CLOEXEC);
}

int tr_handle_create(struct tr_handle *h, const char *prefix)
{
	const char *root = tr_configfs_root();
	struct timespec ts;

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < TR_HF_NR; i++)
		h->fd[i] = -1;
	if (!root)
		return failed(h, "mkdir", -ENOENT);
	/* Unique per process and call; retry the unlikely collision. */
	for (unsigned int attempt = 0; attempt < 8; attempt++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(h->dir, sizeof(h->dir), "%s/%s-%d-%08lx", root, prefix,
			 (int)getpid(), ((unsigned long)ts.tv_nsec ^
			 ((unsigned long)ts.tv_sec << 20) ^ attempt) & 0xffffffffUL);
		if (!mkdir(h->dir, 0700)) {
			h->created = true;
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	h->dir[0] = '\0';
	return failed(h, "mkdir", -errno);
}

int tr_handle_remove(struct tr_handle *h)
{
	int ret = 0;

	if (!h->created)
		return 0;
	for (int i = 0; i < TR_HF_NR; i++) {
		if (h->fd[i] >= 0)
			close(h->fd[i]);
		h->fd[i] = -1;
	}
	if (rmdir(h->dir))
		ret = failed(h, "rmdir", -errno);
	h->created = false;
	return ret;
}

int tr_write_once(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* One write(2): configfs stores a text attribute per write. */
int tr_handle_write(struct tr_handle *h, const char *attr, const void *buf,
		    size_t len)
{
	char path[ATTR_PATH_MAX];
	int ret = attr_path(h, attr, path);

	if (!ret)
		ret = tr_write_once(path, buf, len);
	return ret ? failed(h, attr, ret) : 0;
}

int tr_handle_printf(struct tr_handle *h, const char *attr, const char *fmt,
		     ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return failed(h, attr, -E2BIG);
	return tr_handle_write(h, attr, buf, (size_t)n);
}

/* The whole attribute: configfs fills a read buffer once per open. */
int tr_handle_read(struct tr_handle *h, const char *attr, char *buf,
		   size_t size)
{
	int fd = attr_open(h, attr, O_RDONLY);
	size_t n = 0;
	int ret = 0;

	if (fd < 0)
		return failed(h, attr, -errno);
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = failed(h, attr, -errno);
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

/* pwrite at 0 on the kept-open file @f, opened on first use. */
static int hf_write(struct tr_handle *h, enum tr_handle_file f,
		    const void *buf, size_t len)
{
	ssize_t n;

	if (h->fd[f] < 0) {
		h->fd[f] = attr_open(h, hf_names[f], O_WRONLY);
		if (h->fd[f] < 0)
			return failed(h, hf_names[f], -errno);
	}
	n = pwrite(h->fd[f], buf, len, 0);
	if (n < 0)
		return failed(h, hf_names[f], -errno);
	return (size_t)n == len ? 0 : failed(h, hf_names[f], -EIO);
}

static int hf_printf(struct tr_handle *h, enum tr_handle_file f,
		     const char *fmt, uint32_t v)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), fmt, v);

	return hf_write(h, f, buf, (size_t)n);
}

int tr_handle_set_index(struct tr_handle *h, uint32_t index)
{
	int ret;

	if (h->index_set && h->index == index)
		return 0;
	ret = hf_printf(h, TR_HF_INDEX, "%u", index);
	h->index_set = !ret;
	h->index = index;
	return ret;
}

int tr_handle_set_event_type(struct tr_handle *h, uint32_t type)
{
	int ret;

	if (h->type_set && h->event_type == type)
		return 0;
	ret = hf_printf(h, TR_HF_EVENT_TYPE, "0x%x", type);
	h->type_set = !ret;
	h->event_type = type;
	return ret;
}

/*
 * event_blob: configfs gathers the writes of one open and applies them at
 * close, dropping the module's answer; an oversized blob fails the next
 * commit with EFBIG instead. Each open starts an empty buffer.
 */
static int write_event_blob(struct tr_handle *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	int fd = attr_open(h, "event_blob", O_WRONLY);
	int ret = 0;

	if (fd < 0)
		return failed(h, "event_blob", -errno);
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = failed(h, "event_blob", n < 0 ? -errno : -EIO);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) && !ret)
		ret = failed(h, "event_blob", -errno);
	return ret;
}

int tr_handle_stage_event(struct tr_handle *h, const void *data, size_t len)
{
	int ret;

	/* configfs passes no 0-byte write on: nothing can clear a staging. */
	if (!len)
		return h->event_pending ? failed(h, "event", -EBUSY) : 0;
	h->door = len <= TR_EVENT_TEXT_MAX ? "event" : "event_blob";
	ret = len <= TR_EVENT_TEXT_MAX ? hf_write(h, TR_HF_EVENT, data, len) :
					 write_event_blob(h, data, len);
	/* Staged, or a sticky error: either way the next commit sees it. */
	h->event_pending = true;
	return ret;
}

int tr_handle_commit(struct tr_handle *h, const char *digests, size_t len)
{
	int ret = hf_write(h, TR_HF_DIGEST, digests, len);

	if (ret == -EFBIG)
		return failed(h, h->door ? h->door : "event", ret);
	if (ret)
		return ret;
	/* The kernel cleared the event and reset event_type to 0x6. */
	h->event_pending = false;
	h->door = NULL;
	h->type_set = h->type_set && h->event_type == TR_EV_EVENT_TAG;
	return 0;
}

int tr_handle_commit_entry(struct tr_handle *h, const struct tr_entry *e)
{
	int ret;

	ret = tr_handle_set_index(h, e->index);
	if (!ret)
		ret = tr_handle_set_event_type(h, e->event_type);
	if (!ret)
		ret = tr_handle_stage_event(h, e->event, e->event_len);
	if (!ret)
		ret = tr_handle_commit(h, e->digests, e->digests_len);
	return ret;
}

int tr_handle_last_recnum(struct tr_handle *h, uint64_t *recnum)
{
	char buf[32], *end;
	unsigned long long v;
	int ret = tr_handle_read(h, "last_recnum", buf, sizeof(buf));

	if (ret)
		return ret;
	if (!buf[0])
		return failed(h, "last_recnum", -ENODATA);
	errno = 0;
	v = strtoull(buf, &end, 10);
	if (end == buf || (*end && *end != '\n') || errno)
		return failed(h, "last_recnum", -EPROTO);
	*recnum = v;
	return 0;
}

int tr_parse_alg_list(const char *s, const struct tr_alg **algs,
		      unsigned int max, unsigned int *n, struct tr_error *err)
{
	*n = 0;
	for (;;) {
		size_t len;

		s += strspn(s, " \t\n");
		len = strcspn(s, " \t\n");
		if (!len && !*n)
			tr_set_error(err, 0, "no algorithms");
		if (!len)
			return *n ? TR_OK : TR_E_MALFORMED;
		if (*n == max) {
			tr_set_error(err, 0, "more than %u algorithms", max);
			return TR_E_LIMIT;
		}
		algs[*n] = tr_alg_by_name_len(s, len);
		if (!algs[*n]) {
			tr_set_error(err, 0, "algorithm '%.*s' unknown here",
				     (int)len, s);
			return TR_E_UNSUPPORTED;
		}
		(*n)++;
		s += len;
	}
}

int tr_digest_line(const struct tr_alg *const *algs, unsigned int n,
		   const uint8_t *digests, char *out, size_t size)
{
	size_t used = 0;

	for (unsigned int i = 0; i < n; i++) {
		size_t name = strlen(algs[i]->name);

		/* separator, name, ':', hex, and the final '\n' and NUL */
		if (used + 1 + name + 1 + 2 * algs[i]->size + 2 > size)
			return TR_E_LIMIT;
		if (i)
			out[used++] = ' ';
		memcpy(out + used, algs[i]->name, name);
		used += name;
		out[used++] = ':';
		tr_hex(digests, algs[i]->size, out + used);
		used += 2 * algs[i]->size;
		digests += algs[i]->size;
	}
	if (used + 2 > size)
		return TR_E_LIMIT;
	out[used++] = '\n';
	out[used] = '\0';
	return (int)used;
}
