/*
 * corim: CoRIM and CoMID for Arm CCA, compatible with Veraison's cocli
 * (the same subcommands, flags, JSON templates and messages), plus
 * CoRIMs from a known-good token or from rust-ccatoken's JSON stores,
 * and the CCA profile check. Exit statuses as ccatoken's (corim(1)).
 */
#include <stdio.h>
#include <string.h>

#include "corimtool.h"

const char *progname = "corim";

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
	{ "comid", cmd_comid, "CoMID: create, display, validate" },
	{ "create", cmd_create, "create a CoRIM from a template and tags" },
	{ "sign", cmd_sign, "sign a CoRIM (COSE_Sign1, meta, x5chain)" },
	{ "verify", cmd_verify, "verify a signed CoRIM (key or roots)" },
	{ "display", cmd_display, "print a CoRIM as JSON" },
	{ "extract", cmd_extract, "write the tags of a CoRIM to files" },
	{ "validate", cmd_validate, "check CoRIMs against the CCA profiles" },
	{ "submit", cmd_submit, "submit a CoRIM to a provisioning API" },
	{ "from-token", cmd_from_token,
	    "the CCA CoRIMs a known-good token implies" },
	{ "from-json", cmd_from_json,
	    "CCA CoRIMs from rust-ccatoken ta.json/rv.json" },
	{ "to-json", cmd_to_json,
	    "rust-ccatoken ta.json/rv.json from CCA CoRIMs" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s <command> [options]\n"
	    "       %s --help | --version\n\nCommands:\n", progname, progname);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-11s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\nRun '%s <command> --help' for the options of a command."
	    "\nExit status: 0 success, 1 usage error, 2 malformed input or\n"
	    "I/O error, 3 rejected (signature, trust chain, profile, or the\n"
	    "provisioning service refused the CoRIM).\n", progname);
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
		printf("corim %s\n", CCAKIT_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
