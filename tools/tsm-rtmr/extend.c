// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr extend: one entry through a configfs handle. The write to
 * "digest" is the commit: the kernel extends the register and appends the
 * entry in one step, or fails and changes nothing we can see.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_EVENT	(16u << 20)

struct extend_args {
	const char *provider;
	unsigned long index;
	bool have_index;
	unsigned long type;
	bool have_type;
	const char *event_file;
	const char *event_string;
	unsigned long tag;
	bool have_tag;
	const char *digests[8];
	unsigned int n_digests;
};

static const char extend_help[] =
"usage: tsm-rtmr extend -i INDEX [-p PROVIDER] [-t TYPE] [-e FILE | -s STRING]\n"
"                       [--tag ID] [-d ALG:HEX ...]\n"
"Extend register INDEX of PROVIDER and append the entry to its log.\n"
"  -i, --index INDEX      register (RTMR or PCR number) to extend\n"
"  -p, --provider NAME    provider (default: the kernel's default)\n"
"  -t, --type TYPE        TCG event type (default 0x6, EV_EVENT_TAG)\n"
"  -e, --event-file FILE  event data from FILE\n"
"  -s, --string STRING    event data STRING (without a terminating NUL)\n"
"      --tag ID           wrap the data as TCG_PCClientTaggedEvent ID\n"
"  -d, --digest ALG:HEX   digest to log and extend (repeat per algorithm);\n"
"                         default: computed over the event data for every\n"
"                         algorithm the provider requires\n"
"Prints the record number of the new entry.\n";

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return *s && *s != '-' && !*end && !errno && *out <= max;
}

static int parse_extend_args(int argc, char **argv, struct extend_args *a)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "provider", required_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ "event-file", required_argument, NULL, 'e' },
		{ "string", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 'T' },
		{ "digest", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "i:p:t:e:s:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			a->have_index = parse_ulong(optarg, UINT32_MAX, &a->index);
			if (!a->have_index)
				goto bad;
			break;
		case 'p': a->provider = optarg; break;
		case 't':
			a->have_type = parse_ulong(optarg, UINT32_MAX, &a->type);
			if (!a->have_type)
				goto bad;
			break;
		case 'e': a->event_file = optarg; break;
		case 's': a->event_string = optarg; break;
		case 'T':
			a->have_tag = parse_ulong(optarg, UINT32_MAX, &a->tag);
			if (!a->have_tag)
				goto bad;
			break;
		case 'd':
			if (a->n_digests == sizeof(a->digests) / sizeof(a->digests[0])) {
				errmsg("too many -d options");
				return -1;
			}
			a->digests[a->n_digests++] = optarg;
			break;
		case 'h':
			fputs(extend_help, stdout);
			exit(EXIT_OK);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		errmsg("unexpected argument '%s' (try --help)", argv[optind]);
		return -1;
	}
	if (!a->have_index) {
		errmsg("-i INDEX is required (try --help)");
		return -1;
	}
	if (a->event_file && a->event_string) {
		errmsg("-e and -s are mutually exclusive");
		return -1;
	}
	return 0;
bad:
	if (c == 'T')
		errmsg("invalid number '%s' for --tag", optarg);
	else
		errmsg("invalid number '%s' for -%c", optarg, c);
	return -1;
}

static int load_event(const struct extend_args *a, uint8_t **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (a->event_file) {
		int ret = read_whole(a->event_file, data, len, MAX_EVENT);

		if (ret) {
			errmsg("%s: %s", a->event_file, strerror(-ret));
			return -1;
		}
	} else if (a->event_string) {
		*len = strlen(a->event_string);
		*data = malloc(*len + 1);
		if (!*data)
			return -1;
		memcpy(*data, a->event_string, *len);
	}
	return 0;
}

/* TCG_PCClientTaggedEvent: u32 taggedEventID, u32 size, data (LE). */
static int wrap_tagged(uint32_t tag, uint8_t **data, size_t *len)
{
	struct tr_buf b = { 0 };
	uint8_t hdr[8];

	if (*len > UINT32_MAX - sizeof(hdr))
		return -1;
	for (int i = 0; i < 4; i++) {
		hdr[i] = (uint8_t)(tag >> (8 * i));
		hdr[4 + i] = (uint8_t)(*len >> (8 * i));
	}
	tr_buf_put(&b, hdr, sizeof(hdr));
	if (tr_buf_put(&b, *data, *len))
		return -1;
	free(*data);
	*data = b.data;
	*len = b.len;
	return 0;
}

/* Why a kernel errno happened, by the attribute that reported it. */
static const char *explain(const char *attr, int err)
{
	if (!strcmp(attr, "mkdir"))
		return err == ENODEV ? "no provider registered" :
		       err == ENOENT ? "tsm-rtmr configfs not found; is the tsm_rtmr module loaded?" :
		       err == EPERM || err == EACCES ? "needs CAP_SYS_ADMIN" : NULL;
	if (!strcmp(attr, "provider"))
		return err == ENODEV ? "unknown provider" : NULL;
	if (!strcmp(attr, "index"))
		return err == EPERM ? "register not extendable" :
		       err == ERANGE ? "beyond the provider's registers" : NULL;
	if (!strcmp(attr, "event_type"))
		return err == EINVAL ? "event type rejected; EV_NO_ACTION is never extended" : NULL;
	if (!strcmp(attr, "event"))
		return err == EFBIG ? "event data larger than the provider's maximum" : NULL;
	if (!strcmp(attr, "digest"))
		return err == ENOSPC ? "log full, nothing extended" :
		       err == EINVAL ? "digests rejected" :
		       err == EIO ? "provider failed; see the log's state file" : NULL;
	return NULL;
}

static int fail(const struct extend_args *a, const char *attr, int err)
{
	const char *why = explain(attr, err);

	if (!strcmp(attr, "mkdir"))
		errmsg("cannot create a configfs handle: %s%s%s%s", strerror(err),
		       why ? " (" : "", why ? why : "", why ? ")" : "");
	else if (why)
		errmsg("index %lu: %s (%s)", a->index, strerror(err), why);
	else
		errmsg("index %lu: %s: %s", a->index, attr, strerror(err));
	return EXIT_ERROR;
}

/* "sha256:<hex> sha384:<hex>" for the algorithms in @algs ("sha256 sha384"). */
static int make_digests(char *algs, const uint8_t *event, size_t len,
			char *out, size_t size)
{
	size_t used = 0;
	char *save = NULL;

	out[0] = '\0';
	for (char *name = strtok_r(algs, " \t\n", &save); name;
	     name = strtok_r(NULL, " \t\n", &save)) {
		const struct tr_alg *alg = tr_alg_by_name(name);
		uint8_t digest[TR_MAX_DIGEST];
		char hex[2 * TR_MAX_DIGEST + 1];

		if (!alg) {
			errmsg("provider requires algorithm '%s', unknown here", name);
			return -1;
		}
		if (tr_hash(alg, event, len, digest)) {
			errmsg("cannot compute %s with OpenSSL", name);
			return -1;
		}
		tr_hex(digest, alg->size, hex);
		used += (size_t)snprintf(out + used, size - used, "%s%s:%s",
					 used ? " " : "", name, hex);
		if (used >= size)
			return -1;
	}
	return 0;
}

/* -d values: checked here so the message can say which one is wrong. */
static int join_user_digests(const struct extend_args *a, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (unsigned int i = 0; i < a->n_digests; i++) {
		const char *colon = strchr(a->digests[i], ':');
		const struct tr_alg *alg = colon ?
			tr_alg_by_name_len(a->digests[i], (size_t)(colon - a->digests[i])) : NULL;
		uint8_t tmp[TR_MAX_DIGEST];

		if (colon && !alg) {
			errmsg("-d %s: unknown algorithm", a->digests[i]);
			return -1;
		}
		if (alg && tr_unhex(colon + 1, strlen(colon + 1), tmp,
				    sizeof(tmp)) != alg->size) {
			errmsg("-d %s: want %u bytes of hex", a->digests[i], alg->size);
			return -1;
		}
		used += (size_t)snprintf(out + used, size - used, "%s%s",
					 used ? " " : "", a->digests[i]);
		if (used >= size) {
			errmsg("-d: digests too long");
			return -1;
		}
	}
	return 0;
}

/* Name a required algorithm -d left out, before the kernel says EINVAL. */
static int check_user_algs(const struct extend_args *a, const char *algs)
{
	char copy[256], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", algs);
	for (char *name = strtok_r(copy, " \t\n", &save); name;
	     name = strtok_r(NULL, " \t\n", &save)) {
		size_t len = strlen(name);
		bool found = false;

		for (unsigned int i = 0; i < a->n_digests; i++)
			found = found || (!strncmp(a->digests[i], name, len) &&
					  a->digests[i][len] == ':');
		/* A lone bare hex digest is the single-algorithm shorthand. */
		if (!found && !(a->n_digests == 1 && !strchr(a->digests[0], ':'))) {
			errmsg("index %lu: -d: no %s digest (the provider requires: %.*s)",
			       a->index, name, (int)strcspn(algs, "\n"), algs);
			return -1;
		}
	}
	return 0;
}

static int stage_and_commit(struct handle *h, const struct extend_args *a,
			    const uint8_t *event, size_t len)
{
	char algs[256], digests[4096], recnum[64], note[128];
	unsigned long type = a->have_type ? a->type : TR_EV_EVENT_TAG;
	int ret;

	if (a->provider && (ret = handle_printf(h, "provider", "%s", a->provider)))
		return fail(a, "provider", -ret);
	if ((ret = handle_printf(h, "index", "%lu", a->index)))
		return fail(a, "index", -ret);
	if ((ret = handle_printf(h, "event_type", "0x%lx", type)))
		return fail(a, "event_type", -ret);
	/* Zero bytes would never reach the kernel: leave the default empty. */
	if (len && (ret = handle_write(h, "event", event, len)))
		return fail(a, "event", -ret);
	if ((ret = handle_read(h, "algs", algs, sizeof(algs))))
		return fail(a, "algs", -ret);
	if (a->n_digests && check_user_algs(a, algs))
		return EXIT_ERROR;
	ret = a->n_digests ? join_user_digests(a, digests, sizeof(digests)) :
	      make_digests(algs, event, len, digests, sizeof(digests));
	if (ret)
		return EXIT_ERROR;
	if ((ret = handle_printf(h, "digest", "%s\n", digests)))
		return fail(a, "digest", -ret);
	if ((ret = handle_read(h, "last_recnum", recnum, sizeof(recnum))))
		return fail(a, "last_recnum", -ret);
	if (!recnum[0]) {
		errmsg("index %lu: committed, but last_recnum is empty", a->index);
		return EXIT_ERROR;
	}
	recnum[strcspn(recnum, "\n")] = '\0';
	printf("%s\n", recnum);
	/* Committed all the same: say so, lest a retry log it twice. */
	snprintf(note, sizeof(note), " (the entry is committed, record %s)",
		 recnum);
	return output_flush(note) ? EXIT_ERROR : EXIT_OK;
}

int cmd_extend(int argc, char **argv)
{
	struct extend_args a = { 0 };
	struct handle h = { 0 };
	uint8_t *event = NULL;
	size_t len = 0;
	int ret;

	if (parse_extend_args(argc, argv, &a) || load_event(&a, &event, &len))
		return EXIT_ERROR;
	if (a.have_tag && wrap_tagged((uint32_t)a.tag, &event, &len)) {
		errmsg("--tag: event too large");
		free(event);
		return EXIT_ERROR;
	}
	ret = handle_open(&h);
	if (ret) {
		ret = fail(&a, "mkdir", -ret);
	} else {
		ret = stage_and_commit(&h, &a, event, len);
		handle_close(&h);
	}
	free(event);
	return ret;
}
