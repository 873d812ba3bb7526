// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr log: print the event log as text, JSON or CEL-JSON, or the
 * texts of its attestation-agent (AAEL) entries; with --ccel put the TDX
 * firmware's CCEL in front so one file holds every event.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char log_help[] =
"usage: tsm-rtmr log [-p PROVIDER] [--format FORMAT] [--ccel] [FILE]\n"
"Print the event log of PROVIDER (default: the first under securityfs)\n"
"or FILE, a TCG crypto-agile binary log.\n"
"  -p, --provider NAME  provider whose securityfs log to read\n"
"  -f, --format FORMAT  text (default; the kernel's ascii_event_log),\n"
"                       json, cel-json (one JSON array) or cel-json-seq\n"
"                       (RFC 7464), binary, aael (the text of each\n"
"                       attestation-agent entry, one a line; backslash,\n"
"                       control bytes and DEL escaped as \\\\, \\n, \\t,\n"
"                       \\xHH)\n"
"      --ccel           prepend the ACPI CCEL (TDX firmware log), trimmed at\n"
"                       its end; output is the combined binary log unless\n"
"                       --format is given\n";

const char *ccel_path(void)
{
	const char *env = getenv("TSM_RTMR_CCEL");

	return env && *env ? env : DEFAULT_CCEL;
}

/*
 * One AAEL text per line: a line break or any other control byte in the
 * text must not start a line of its own, so those (and the backslash that
 * escapes them) are escaped; other bytes, UTF-8 included, pass through.
 */
static void print_escaped(FILE *f, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('\n', f);
}

static void print_aael(FILE *f, const struct tr_log *log)
{
	for (size_t i = 0; i < log->n_records; i++) {
		const char *text;
		size_t len;

		if (tr_aael_text(log, &log->records[i], &text, &len) == 1)
			print_escaped(f, text, len);
	}
}

/* A failed write leaves ferror(stdout) set: output_flush() reports it. */
static int print_log(const struct tr_log *log, const char *format)
{
	if (!strcmp(format, "aael"))
		print_aael(stdout, log);
	else if (!strcmp(format, "text"))
		tr_print_text(stdout, log);
	else if (!strcmp(format, "json"))
		tr_print_json(stdout, log);
	else if (!strcmp(format, "cel-json"))
		tr_print_cel_json(stdout, log, false);
	else if (!strcmp(format, "cel-json-seq"))
		tr_print_cel_json(stdout, log, true);
	else
		fwrite(log->buf, 1, log->len, stdout);
	return output_flush(NULL) ? EXIT_ERROR : EXIT_OK;
}

/* CCEL records, then the runtime records: parsed again as one log. */
static struct tr_log *with_ccel(const struct tr_log *rt)
{
	struct tr_parse_opts trim = { .trim_end_marker = true };
	struct tr_log *fw = load_log(ccel_path(), &trim), *all = NULL;
	struct tr_error err = { 0 };
	struct tr_buf b = { 0 };

	if (!fw)
		return NULL;
	if (tr_log_concat(fw, rt, &b, &err))
		errmsg("--ccel: %s", err.msg);
	else if (tr_log_parse(b.data, b.len, NULL, &all, &err))
		errmsg("--ccel: combined log: %s", err.msg);
	tr_buf_free(&b);
	tr_log_free(fw);
	return all;
}

static bool valid_format(const char *f)
{
	static const char *const formats[] = {
		"text", "json", "cel-json", "cel-json-seq", "binary", "aael",
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(f, formats[i]))
			return true;
	return false;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "ccel", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *provider = NULL, *format = NULL;
	char path[512], name[256];
	struct tr_log *log, *all;
	bool ccel = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "p:f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': provider = optarg; break;
		case 'f': format = optarg; break;
		case 'C': ccel = true; break;
		case 'h': fputs(log_help, stdout); return EXIT_OK;
		default: return EXIT_ERROR;
		}
	}
	if (format && !valid_format(format)) {
		errmsg("unknown format '%s' (text, json, cel-json, cel-json-seq, binary, aael)",
		       format);
		return EXIT_ERROR;
	}
	if (argc - optind > 1) {
		errmsg("more than one FILE (try --help)");
		return EXIT_ERROR;
	}
	if (optind < argc) {
		snprintf(path, sizeof(path), "%s", argv[optind]);
	} else {
		provider = provider_or_first(provider, name, sizeof(name));
		if (!provider)
			return EXIT_ERROR;
		provider_log_path(provider, path, sizeof(path));
	}
	if (!format)
		format = ccel ? "binary" : "text";
	if (ccel && !strcmp(format, "binary") && isatty(STDOUT_FILENO)) {
		errmsg("--ccel writes a binary log: redirect stdout or use --format");
		return EXIT_ERROR;
	}
	log = load_log(path, NULL);
	if (!log)
		return EXIT_ERROR;
	all = ccel ? with_ccel(log) : log;
	ret = all ? print_log(all, format) : EXIT_ERROR;
	if (all != log)
		tr_log_free(all);
	tr_log_free(log);
	return ret;
}
