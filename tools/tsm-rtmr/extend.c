// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr extend: one entry through a configfs handle. The write to
 * "digest" is the commit: the kernel extends the register and appends the
 * entry in one step, or fails and changes nothing we can see.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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
	const char *aael;	/* --aael TEXT */
	size_t event_len;	/* of the data staged, for messages */
};

static const char extend_help[] =
"usage: tsm-rtmr extend -i INDEX [-p PROVIDER] [-t TYPE] [-e FILE | -s STRING]\n"
"                       [--tag ID] [-d ALG:HEX ...]\n"
"       tsm-rtmr extend --aael 'DOMAIN OPERATION CONTENT' [-p PROVIDER]\n"
"                       [-i INDEX]\n"
"Extend register INDEX of PROVIDER and append the entry to its log.\n"
"  -i, --index INDEX      register (RTMR or PCR number) to extend\n"
"  -p, --provider NAME    provider (default: the kernel's default)\n"
"  -t, --type TYPE        TCG event type (default 0x6, EV_EVENT_TAG)\n"
"  -e, --event-file FILE  event data from FILE\n"
"  -s, --string STRING    event data STRING (without a terminating NUL)\n"
"      --tag ID           wrap the data as TCG_PCClientTaggedEvent ID\n"
"      --aael TEXT        an entry as Confidential Containers' attestation\n"
"                         agent writes it: EV_EVENT_TAG, tagged event 'AAEL'\n"
"                         holding TEXT, digests over that event; default\n"
"                         provider tdx, index 3 (RTMR 3, CC index 4)\n"
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

/*
 * --aael makes the event, its type and its digests: the agent's record
 * exactly, or nothing. Default: tdx, RTMR 3, where the agent writes.
 */
static int aael_defaults(struct extend_args *a)
{
	if (a->have_type || a->event_file || a->event_string || a->have_tag ||
	    a->n_digests) {
		errmsg("--aael makes the event, its type and digests: no -t, -e, -s, --tag or -d");
		return -1;
	}
	if (!a->provider)
		a->provider = "tdx";
	if (!a->have_index) {
		a->index = 3;
		a->have_index = true;
	}
	return 0;
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
		{ "aael", required_argument, NULL, 'A' },
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
		case 'A': a->aael = optarg; break;
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
	if (a->aael)
		return aael_defaults(a);
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

/* The AAEL tagged event for --aael TEXT, checked by the library. */
static int aael_event(const char *text, uint8_t **data, size_t *len)
{
	struct tr_error err = { 0 };
	struct tr_buf b = { 0 };
	int ret = tr_aael_event(text, strlen(text), &b, &err);

	if (ret) {
		errmsg("--aael: %s", err.msg[0] ? err.msg : tr_strstatus(ret));
		tr_buf_free(&b);
		return -1;
	}
	*data = b.data;
	*len = b.len;
	return 0;
}

static int load_event(const struct extend_args *a, uint8_t **data, size_t *len)
{
	*data = NULL;
	*len = 0;
	if (a->aael) {
		return aael_event(a->aael, data, len);
	} else if (a->event_file) {
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

/* tsm_rtmr.max_event_bytes as ", tsm_rtmr.max_event_bytes is N", or "". */
static const char *max_event_note(char *buf, size_t size)
{
	char val[32] = "";
	FILE *f = fopen("/sys/module/tsm_rtmr/parameters/max_event_bytes", "re");

	buf[0] = '\0';
	if (f && fgets(val, sizeof(val), f) && val[0] != '\n') {
		val[strcspn(val, "\n")] = '\0';
		snprintf(buf, size, ", tsm_rtmr.max_event_bytes is %s", val);
	}
	if (f)
		fclose(f);
	return buf;
}

/*
 * EFBIG from either door: event refuses the write itself, event_blob's
 * is only seen by the commit after it (configfs applies it at close).
 */
static const char *explain_efbig(const struct extend_args *a, const char *attr,
				 char *buf, size_t size)
{
	char note[96];

	snprintf(buf, size, "EFBIG from %s: %zu bytes of event data, more than the kernel takes; event takes %u bytes%s",
		 attr, a->event_len, TR_EVENT_TEXT_MAX,
		 max_event_note(note, sizeof(note)));
	return buf;
}

/* Why a kernel errno happened, by the attribute that reported it. */
static const char *explain(const struct extend_args *a, const char *attr,
			   int err, char *buf, size_t size)
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
	if (!strcmp(attr, "event") || !strcmp(attr, "event_blob"))
		return err == EFBIG ? explain_efbig(a, attr, buf, size) : NULL;
	if (!strcmp(attr, "digest"))
		return err == ENOSPC ? "log full, nothing extended" :
		       err == EINVAL ? "digests rejected" :
		       err == EIO ? "provider failed; see the log's state file" : NULL;
	return NULL;
}

static int fail(const struct extend_args *a, const char *attr, int err)
{
	char buf[256];
	const char *why = explain(a, attr, err, buf, sizeof(buf));

	if (!strcmp(attr, "mkdir"))
		errmsg("cannot create a configfs handle: %s%s%s%s", strerror(err),
		       why ? " (" : "", why ? why : "", why ? ")" : "");
	else if (why)
		errmsg("index %lu: %s (%s)", a->index, strerror(err), why);
	else
		errmsg("index %lu: %s: %s", a->index, attr, strerror(err));
	return EXIT_ERROR;
}

/* "sha256:<hex> sha384:<hex>\n" for the algorithms in @algs ("sha256 sha384"). */
static int make_digests(const char *algs, const uint8_t *event, size_t len,
			char *out, size_t size)
{
	const struct tr_alg *alg[TR_MAX_ALGS];
	uint8_t digests[TR_MAX_ALGS * TR_MAX_DIGEST], *d = digests;
	struct tr_error err = { 0 };
	unsigned int n;

	if (tr_parse_alg_list(algs, alg, TR_MAX_ALGS, &n, &err)) {
		errmsg("provider's algorithms '%.*s': %s",
		       (int)strcspn(algs, "\n"), algs, err.msg);
		return -1;
	}
	for (unsigned int i = 0; i < n; d += alg[i++]->size) {
		if (tr_hash(alg[i], event, len, d)) {
			errmsg("cannot compute %s with OpenSSL", alg[i]->name);
			return -1;
		}
	}
	return tr_digest_line(alg, n, digests, out, size) < 0 ? -1 : 0;
}

/* -d values, one line: checked here so the message can say which one is wrong. */
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
		if (used + 1 >= size) {
			errmsg("-d: digests too long");
			return -1;
		}
	}
	out[used++] = '\n';
	out[used] = '\0';
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

static int stage_and_commit(struct tr_handle *h, const struct extend_args *a,
			    const uint8_t *event, size_t len)
{
	char algs[256], digests[4096], note[128];
	uint32_t type = a->have_type ? (uint32_t)a->type : TR_EV_EVENT_TAG;
	uint64_t recnum;
	int ret;

	if (a->provider && (ret = tr_handle_printf(h, "provider", "%s", a->provider)))
		return fail(a, h->failed, -ret);
	/* In this order, so that each error comes from the earliest write. */
	if ((ret = tr_handle_set_index(h, (uint32_t)a->index)) ||
	    (ret = tr_handle_set_event_type(h, type)) ||
	    (ret = tr_handle_stage_event(h, event, len)) ||
	    (ret = tr_handle_read(h, "algs", algs, sizeof(algs))))
		return fail(a, h->failed, -ret);
	if (a->n_digests && check_user_algs(a, algs))
		return EXIT_ERROR;
	ret = a->n_digests ? join_user_digests(a, digests, sizeof(digests)) :
	      make_digests(algs, event, len, digests, sizeof(digests));
	if (ret)
		return EXIT_ERROR;
	if ((ret = tr_handle_commit(h, digests, strlen(digests))))
		return fail(a, h->failed, -ret);
	ret = tr_handle_last_recnum(h, &recnum);
	if (ret == -ENODATA) {
		errmsg("index %lu: committed, but last_recnum is empty", a->index);
		return EXIT_ERROR;
	}
	if (ret)
		return fail(a, h->failed, -ret);
	printf("%" PRIu64 "\n", recnum);
	/* Committed all the same: say so, lest a retry log it twice. */
	snprintf(note, sizeof(note), " (the entry is committed, record %" PRIu64 ")",
		 recnum);
	return output_flush(note) ? EXIT_ERROR : EXIT_OK;
}

int cmd_extend(int argc, char **argv)
{
	struct extend_args a = { 0 };
	struct tr_handle h = { 0 };
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
	a.event_len = len;
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
