// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr import: carry a log over a kexec. The file, saved from
 * binary_event_log before the kexec, goes to the provider's securityfs
 * import file in one write(2); the kernel adopts it only if it replays to
 * the live registers. The kernel is the judge: this command only reads the
 * file first to tell a malformed file (exit 2) from a well-formed log the
 * kernel refuses (exit 1), and to say why.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char import_help[] =
"usage: tsm-rtmr import [-p PROVIDER] FILE\n"
"Adopt FILE, PROVIDER's binary_event_log as saved before a kexec, as the\n"
"log of PROVIDER (default: the first under securityfs) in this kernel.\n"
"The kernel accepts it only into an empty log, only with PROVIDER's own\n"
"header (banks in order), and only if its replay equals every register\n"
"it extends, read live; nothing is extended. Import before any agent\n"
"commits, e.g. from the initramfs or a unit ordered before the agents.\n"
"  -p, --provider NAME  provider whose log to carry over\n"
"Exit status 1 when the kernel refuses a well-formed log (it does not\n"
"match PROVIDER's registers or header); 2 when FILE is not a well-formed\n"
"log, the log already holds entries (EBUSY), FILE exceeds max_log_bytes\n"
"(ENOSPC), or on any other error.\n";

/* The provider's own header: the start of its (possibly empty) log. */
static struct tr_log *provider_header(const char *provider)
{
	char path[512];

	provider_log_path(provider, path, sizeof(path));
	return load_log(path, NULL);
}

/* Why a well-formed log was refused: banks first, then the registers. */
static void explain_refusal(const char *provider, const struct tr_log *file)
{
	struct tr_log *own = provider_header(provider);
	bool same_banks = own && own->n_banks == file->n_banks;

	for (unsigned int b = 0; same_banks && b < own->n_banks; b++)
		same_banks = own->banks[b].alg_id == file->banks[b].alg_id;
	if (own && !same_banks)
		errmsg("refused: the file's banks are not %s's, in its order",
		       provider);
	else
		errmsg("refused: the log does not replay to %s's registers, or is not one %s could have written ('tsm-rtmr replay -p %s FILE' compares)",
		       provider, provider, provider);
	tr_log_free(own);
}

static int write_import(const char *provider, const uint8_t *data,
			size_t len)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s/import", securityfs_root(),
		 provider);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One write(2) at offset 0: the kernel takes the whole log or none. */
	n = write(fd, data, len);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0 && (size_t)n != len)
		return -EIO;
	return n < 0 ? (int)n : 0;
}

static int report(const char *provider, const char *file,
		  const struct tr_log *log, int err)
{
	size_t count;

	switch (err) {
	case 0:
		if (read_count(provider, &count))
			return EXIT_ERROR;
		printf("%s: imported %zu entries from %s\n", provider, count,
		       file);
		return output_flush(NULL) ? EXIT_ERROR : EXIT_OK;
	case -EINVAL:
		explain_refusal(provider, log);
		return EXIT_VERIFY;
	case -EBUSY:
		errmsg("%s's log already holds entries: import only into an empty log, before any agent commits",
		       provider);
		return EXIT_ERROR;
	case -ENOSPC:
		errmsg("%s: larger than the kernel's tsm_rtmr.max_log_bytes",
		       file);
		return EXIT_ERROR;
	case -ENOENT:
		errmsg("%s/%s/import: %s (no such provider, or a kernel without import)",
		       securityfs_root(), provider, strerror(-err));
		return EXIT_ERROR;
	default:
		errmsg("%s/%s/import: %s", securityfs_root(), provider,
		       strerror(-err));
		return EXIT_ERROR;
	}
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *provider = NULL;
	struct tr_error perr = { 0 };
	struct tr_log *log = NULL;
	char name[256];
	uint8_t *data;
	size_t len;
	int c, ret;

	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': provider = optarg; break;
		case 'h': fputs(import_help, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (argc - optind != 1) {
		errmsg("expected one FILE (try --help)");
		return EXIT_ERROR;
	}
	provider = provider_or_first(provider, name, sizeof(name));
	if (!provider)
		return EXIT_ERROR;
	ret = read_whole(argv[optind], &data, &len, (size_t)1 << 32);
	if (ret) {
		errmsg("%s: %s", argv[optind], strerror(-ret));
		return EXIT_ERROR;
	}
	if (tr_log_parse(data, len, NULL, &log, &perr)) {
		errmsg("%s: not a binary event log: %s", argv[optind], perr.msg);
		free(data);
		return EXIT_ERROR;
	}
	ret = report(provider, argv[optind], log,
		     write_import(provider, data, len));
	tr_log_free(log);
	free(data);
	return ret;
}
