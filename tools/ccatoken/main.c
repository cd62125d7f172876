/*
 * ccatoken: decode, verify, appraise and create Arm CCA attestation
 * tokens. Subcommands and flags follow rust-ccatoken's binary; exit
 * statuses are meaningful (see ccatoken(1)).
 */
#include <stdio.h>
#include <string.h>

#include "ccatoken.h"

const char *progname = "ccatoken";

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
	{ "verify", cmd_verify, "verify a token against trust anchors" },
	{ "appraise", cmd_appraise, "appraise a token against reference values" },
	{ "golden", cmd_golden, "extract trust anchor and reference values" },
	{ "show", cmd_show, "print the claims as JSON or CBOR diagnostics" },
	{ "create", cmd_create, "create a token (emulated realm)" },
	{ "ear-verify", cmd_ear_verify, "verify an EAR and print the appraisal" },
	{ "attest", cmd_attest, "attest to a verifier, verify its EAR" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <command> [options]\n"
	    "       %s --help | --version\n\nCommands:\n", progname, progname);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nRun '%s <command> --help' for the options of a command."
	    "\nExit status: 0 success, 1 usage error, 2 malformed input,\n"
	    "3 evidence rejected.\n", progname);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("ccatoken %s\n", CCAKIT_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
