// SPDX-License-Identifier: GPL-2.0
/*
 * tsm-rtmr: extend runtime measurement registers through the kernel's
 * log-first tsm-rtmr ABI, dump and convert the log, replay it against the
 * live registers, verify it against a TPM or TD quote, and write evidence
 * that a verifier elsewhere checks offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "extend", cmd_extend, "extend a register and log the entry" },
	{ "log",    cmd_log,    "print or convert the event log" },
	{ "replay", cmd_replay, "replay the log and compare with live registers" },
	{ "quote",  cmd_quote,  "take a TPM or TD quote and verify the log against it" },
	{ "import", cmd_import, "carry a log over a kexec, verified by the kernel" },
	{ "evidence", cmd_evidence, "write quote and log for a remote verifier" },
	{ "verify", cmd_verify, "check an evidence document offline, on any machine" },
};

static void usage(FILE *f)
{
	fputs("usage: tsm-rtmr COMMAND [OPTIONS]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'tsm-rtmr COMMAND --help' describes a command; see tsm-rtmr(8).\n"
	      "Exit status: 0 ok, 1 verification failed, 2 usage or system error.\n",
	      f);
}

int main(int argc, char **argv)
{
	atexit(close_stdout);
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			cmd_name = commands[i].name;
			return commands[i].run(argc - 1, argv + 1);
		}
	}
	errmsg("unknown command '%s' (try --help)", argv[1]);
	return EXIT_ERROR;
}
