/*
 * ccatoken: decode, verify, appraise and create Arm CCA attestation
 * tokens. Subcommands and flags follow rust-ccatoken's binary; exit
 * statuses are meaningful (see ccatoken(1)).
 */
#include "ccatoken.h"

static const struct cli_cmd cmds[] = {
	{ "verify", cmd_verify, "verify a token against trust anchors" },
	{ "appraise", cmd_appraise, "appraise a token against reference values" },
	{ "golden", cmd_golden, "extract trust anchor and reference values" },
	{ "show", cmd_show, "print the claims as JSON or CBOR diagnostics" },
	{ "create", cmd_create, "create a token (emulated realm)" },
	{ "ear-verify", cmd_ear_verify, "verify an EAR and print the appraisal" },
	{ "attest", cmd_attest, "attest to a verifier, verify its EAR" },
};

int
main(int argc, char **argv)
{
	return cli_main("ccatoken", cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "Exit status: 0 success, 1 usage error, 2 malformed input,\n"
	    "3 evidence rejected.\n", argc, argv);
}
