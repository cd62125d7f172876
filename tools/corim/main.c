/*
 * corim: CoRIM and CoMID for Arm CCA, compatible with Veraison's cocli
 * (the same subcommands, flags, JSON templates and messages), plus
 * CoRIMs from a known-good token or from rust-ccatoken's JSON stores,
 * and the CCA profile check. Exit statuses as ccatoken's (corim(1)).
 */
#include "corimtool.h"

static const struct cli_cmd cmds[] = {
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

int
main(int argc, char **argv)
{
	return cli_main("corim", cmds, sizeof(cmds) / sizeof(cmds[0]),
	    "Exit status: 0 success, 1 usage error, 2 malformed input or\n"
	    "I/O error, 3 rejected (signature, trust chain, profile, or the\n"
	    "provisioning service refused the CoRIM).\n", argc, argv);
}
