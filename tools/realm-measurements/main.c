/*
 * realm-measurements: compute the Realm Initial Measurement and the
 * Extensible Measurements of a realm from the command line of its VMM
 * (kvmtool, QEMU or cloud-hypervisor), write the DTB the VMM must be
 * given, and emit reference values. Options, outputs and error messages
 * follow veraison/cca-realm-measurements (see realm-measurements(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/version.h>
#include <ccakit/vmm.h>

#include "rm.h"

enum {
	OPT_OUTPUT_DTB = 256, OPT_DTB_TEMPLATE, OPT_NO_MEASUREMENTS,
	OPT_PRINT_B64, OPT_DTB, OPT_ENDORSEMENTS_TEMPLATE,
	OPT_ENDORSEMENTS_OUTPUT, OPT_CORIM_LAYOUT, OPT_CORIM_PROFILE,
	OPT_SIGN_KEY, OPT_SIGN_CHAIN, OPT_SIGN_META, OPT_IPA_BITS, OPT_NUM_BPS, OPT_NUM_WPS,
	OPT_SVE_VL, OPT_PMU_NUM_CTRS, OPT_PMU, OPT_LPA2, OPT_HASH_ALGO,
	OPT_RMM_VERSION, OPT_JSON, OPT_RV_OUTPUT, OPT_RAK_HASH_ALGO,
	OPT_EVENT_LOG, OPT_TOOL_REM, OPT_IO,
};

static const struct option longopts[] = {
	{ "verbose", no_argument, NULL, 'v' },
	{ "output-dtb", required_argument, NULL, OPT_OUTPUT_DTB },
	{ "dtb-template", required_argument, NULL, OPT_DTB_TEMPLATE },
	{ "no-measurements", no_argument, NULL, OPT_NO_MEASUREMENTS },
	{ "print-b64", no_argument, NULL, OPT_PRINT_B64 },
	{ "kernel", required_argument, NULL, 'k' },
	{ "initrd", required_argument, NULL, 'i' },
	{ "firmware", required_argument, NULL, 'f' },
	{ "dtb", required_argument, NULL, OPT_DTB },
	{ "config", required_argument, NULL, 'c' },
	{ "endorsements-template", required_argument, NULL,
	    OPT_ENDORSEMENTS_TEMPLATE },
	{ "endorsements-output", required_argument, NULL,
	    OPT_ENDORSEMENTS_OUTPUT },
	{ "corim-layout", required_argument, NULL, OPT_CORIM_LAYOUT },
	{ "corim-profile-encoding", required_argument, NULL,
	    OPT_CORIM_PROFILE },
	{ "sign-key", required_argument, NULL, OPT_SIGN_KEY },
	{ "sign-chain", required_argument, NULL, OPT_SIGN_CHAIN },
	{ "sign-meta", required_argument, NULL, OPT_SIGN_META },
	{ "ipa-bits", required_argument, NULL, OPT_IPA_BITS },
	{ "num-bps", required_argument, NULL, OPT_NUM_BPS },
	{ "num-wps", required_argument, NULL, OPT_NUM_WPS },
	{ "sve-vl", required_argument, NULL, OPT_SVE_VL },
	{ "pmu-num-ctrs", required_argument, NULL, OPT_PMU_NUM_CTRS },
	{ "pmu", required_argument, NULL, OPT_PMU },
	{ "lpa2", required_argument, NULL, OPT_LPA2 },
	{ "hash-algo", required_argument, NULL, OPT_HASH_ALGO },
	{ "rmm-version", required_argument, NULL, OPT_RMM_VERSION },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "rv-output", required_argument, NULL, OPT_RV_OUTPUT },
	{ "rak-hash-algo", required_argument, NULL, OPT_RAK_HASH_ALGO },
	{ "event-log", required_argument, NULL, OPT_EVENT_LOG },
	{ "tool-rem", no_argument, NULL, OPT_TOOL_REM },
	{ "io", required_argument, NULL, OPT_IO },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *f)
{
	fprintf(f,
"Generate Realm measurements corresponding to a given VM configuration and\n"
"environment. Can also generate firmware tables (DTB) to be provided to the\n"
"VMM.\n"
"\n"
"Usage: realm-measurements [OPTIONS] <COMMAND> [VMM ARGS]\n"
"\n"
"Commands:\n"
"  qemu      Use the QEMU VMM\n"
"  kvmtool   Use the kvmtool VMM\n"
"  cloud-hv  Use the cloud-hypervisor VMM\n"
"  help      Print this message\n"
"\n"
"Options:\n"
"  -v, --verbose                  Display more information\n"
"      --output-dtb <file>        Output file for the generated DTB\n"
"      --dtb-template <file>      Input DTB template, patched (experimental)\n"
"      --no-measurements          Only validate parameters and generate DTB\n"
"      --print-b64                Display measurements in base64, not hex\n"
"  -k, --kernel <file>            Kernel image\n"
"  -i, --initrd <file>            Initrd image\n"
"  -f, --firmware <file>          Firmware image\n"
"      --dtb <file>               Input DTB, measured as-is\n"
"  -c, --config <file>            Host capability file (repeatable)\n"
"      --endorsements-template <file>  CoMID JSON template (tag identity,\n"
"                                      entities; legacy: the whole CoMID)\n"
"      --endorsements-output <file>    Write the realm's endorsements: a\n"
"                                      CoRIM (CBOR) in the current CCA realm\n"
"                                      profile, or the legacy CoMID JSON\n"
"      --corim-layout <current|legacy> Endorsements layout [current]\n"
"      --corim-profile-encoding <uri|text>\n"
"                                      The profile as #6.32 (Veraison main)\n"
"                                      or text (v0.0.2605-v0.0.2608) [uri]\n"
"      --sign-key <file>          Sign the CoRIM with this EC key (PEM, JWK)\n"
"      --sign-chain <file>        Its certificate, then intermediates (PEM\n"
"                                 or DER), put in the x5chain\n"
"      --sign-meta <file>         corim-meta template (JSON; default: signer\n"
"                                 \"realm-measurements\")\n"
"      --rv-output <file>         Write rust-ccatoken rv.json reference values\n"
"      --rak-hash-algo <name>     rak-hash-algorithm of rv.json [sha-256]\n"
"      --json                     Print the measurements as JSON\n"
"      --rmm-version <1.0|2.0>    RMM ABI: 2.0 does not measure RIPAS [1.0]\n"
"      --tool-rem                 Extend REMs as the upstream tool does\n"
"      --event-log <file>         Write the realm measurement log\n"
"      --io <auto|mmap|pread>     How image files are read [auto: measured]\n"
"  -h, --help                     Print help\n"
"  -V, --version                  Print version\n"
"\n"
"Host capabilities:\n"
"      --ipa-bits <N>             Number of IPA bits\n"
"      --num-bps <N>              Maximum number of breakpoints (2-64)\n"
"      --num-wps <N>              Maximum number of watchpoints (2-64)\n"
"      --sve-vl <N>               Maximum SVE vector length (bits, 0 disables)\n"
"      --pmu-num-ctrs <N>         Maximum number of PMU counters (0-31)\n"
"      --pmu <true|false>         PMU is supported\n"
"      --lpa2 <true|false>        LPA2 is supported\n"
"      --hash-algo <ALGO>         Hash algorithm (accepted, no effect)\n"
"\n"
"Exit status: 0 success, 1 usage error, 2 invalid input or failure.\n");
}

static int
usage_error(const char *what, const char *arg, const char *tail)
{
	fprintf(stderr, "error: %s '%s'%s", what, arg, tail);
	fprintf(stderr, "\n\nUsage: realm-measurements [OPTIONS] <COMMAND>"
	    "\n\nFor more information, try '--help'.\n");
	return RM_EXIT_USAGE;
}

/* An unsigned host capability value (clap's u8/u16 parsing). */
static int
cap_uint(const char *name, const char *val, unsigned long max,
    unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (*val < '0' || *val > '9' ||
	    (v = strtoul(val, &end, 10), errno != 0) || *end != '\0' ||
	    v > max) {
		fprintf(stderr, "error: invalid value '%s' for '--%s <N>': "
		    "%s\n\nFor more information, try '--help'.\n", val, name,
		    *val == '\0' ? "cannot parse integer from empty string" :
		    "invalid digit or number too large");
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static int
cap_bool(const char *name, const char *val, uint8_t *out)
{
	if (strcmp(val, "true") == 0)
		*out = 1;
	else if (strcmp(val, "false") == 0)
		*out = 0;
	else {
		fprintf(stderr, "error: invalid value '%s' for '--%s <%s>'\n\n"
		    "  [possible values: true, false]\n\nFor more information,"
		    " try '--help'.\n", val, name, name);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rm_args a;
	struct ccakit_vmm_opts *o = &a.vmm;
	const char **configs = NULL;
	unsigned int v;
	int ch, idx = 0;

	memset(&a, 0, sizeof(a));
	a.rak_hash_algo = "sha-256";
	a.rmm_major = 1;
	if ((configs = calloc((size_t)argc + 1, sizeof(*configs))) == NULL) {
		fprintf(stderr, "ERROR out of memory\n");
		return RM_EXIT_INPUT;
	}
	o->configs = configs;
	opterr = 0;
	/* '+': options stop at the VMM name; the rest belongs to the VMM. */
	while ((ch = getopt_long(argc, argv, "+vk:i:f:c:hV", longopts,
	    &idx)) != -1) {
		switch (ch) {
		case 'v':
			a.verbose++;
			break;
		case OPT_OUTPUT_DTB:
			a.output_dtb = optarg;
			break;
		case OPT_DTB_TEMPLATE:
			o->dtb_template = optarg;
			break;
		case OPT_NO_MEASUREMENTS:
			a.no_measurements = 1;
			break;
		case OPT_PRINT_B64:
			a.print_b64 = 1;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'i':
			o->initrd = optarg;
			break;
		case 'f':
			o->firmware = optarg;
			break;
		case OPT_DTB:
			o->dtb = optarg;
			break;
		case 'c':
			configs[o->nconfigs++] = optarg;
			break;
		case OPT_ENDORSEMENTS_TEMPLATE:
			a.endorsements_template = optarg;
			break;
		case OPT_ENDORSEMENTS_OUTPUT:
			a.endorsements_output = optarg;
			break;
		case OPT_CORIM_LAYOUT:
			if (strcmp(optarg, "current") == 0)
				a.corim_legacy = 0;
			else if (strcmp(optarg, "legacy") == 0)
				a.corim_legacy = 1;
			else {
				fprintf(stderr, "error: invalid value '%s' for "
				    "'--corim-layout <LAYOUT>'\n\n  [possible "
				    "values: current, legacy]\n", optarg);
				goto usage_fail;
			}
			break;
		case OPT_CORIM_PROFILE:
			if (strcmp(optarg, "uri") == 0)
				a.corim_profile_text = 0;
			else if (strcmp(optarg, "text") == 0)
				a.corim_profile_text = 1;
			else {
				fprintf(stderr, "error: invalid value '%s' for "
				    "'--corim-profile-encoding <ENCODING>'\n\n"
				    "  [possible values: uri, text]\n", optarg);
				goto usage_fail;
			}
			break;
		case OPT_SIGN_KEY:
			a.sign_key = optarg;
			break;
		case OPT_SIGN_CHAIN:
			a.sign_chain = optarg;
			break;
		case OPT_SIGN_META:
			a.sign_meta = optarg;
			break;
		case OPT_IPA_BITS:
		case OPT_NUM_BPS:
		case OPT_NUM_WPS:
		case OPT_PMU_NUM_CTRS:
		case OPT_SVE_VL:
			if (cap_uint(longopts[idx].name, optarg,
			    ch == OPT_SVE_VL ? 65535 : 255, &v) != 0)
				goto usage_fail;
			if (ch == OPT_IPA_BITS) {
				o->host.ipa_bits = (uint8_t)v;
				o->host.set |= CCAKIT_CAP_IPA_BITS;
			} else if (ch == OPT_NUM_BPS) {
				o->host.num_bps = (uint8_t)v;
				o->host.set |= CCAKIT_CAP_NUM_BPS;
			} else if (ch == OPT_NUM_WPS) {
				o->host.num_wps = (uint8_t)v;
				o->host.set |= CCAKIT_CAP_NUM_WPS;
			} else if (ch == OPT_PMU_NUM_CTRS) {
				o->host.pmu_num_ctrs = (uint8_t)v;
				o->host.set |= CCAKIT_CAP_PMU_NUM_CTRS;
			} else {
				o->host.sve_vl = (uint16_t)v;
				o->host.set |= CCAKIT_CAP_SVE_VL;
			}
			break;
		case OPT_PMU:
			if (cap_bool("pmu", optarg, &o->host.pmu) != 0)
				goto usage_fail;
			o->host.set |= CCAKIT_CAP_PMU;
			break;
		case OPT_LPA2:
			if (cap_bool("lpa2", optarg, &o->host.lpa2) != 0)
				goto usage_fail;
			o->host.set |= CCAKIT_CAP_LPA2;
			break;
		case OPT_HASH_ALGO:
			/* Parsed and ignored, as upstream (spec §8.3). */
			if (strcmp(optarg, "sha256") != 0 &&
			    strcmp(optarg, "sha512") != 0) {
				fprintf(stderr, "error: invalid value '%s' for "
				    "'--hash-algo <HASH_ALGO>': unknown hash "
				    "algorithm `%s`\n\nFor more information, "
				    "try '--help'.\n", optarg, optarg);
				goto usage_fail;
			}
			break;
		case OPT_RMM_VERSION:
			if (strcmp(optarg, "1") == 0 ||
			    strcmp(optarg, "1.0") == 0 ||
			    strcmp(optarg, "1.1") == 0)
				a.rmm_major = 1;
			else if (strcmp(optarg, "2") == 0 ||
			    strcmp(optarg, "2.0") == 0)
				a.rmm_major = 2;
			else {
				fprintf(stderr, "error: invalid value '%s' for "
				    "'--rmm-version <VERSION>'\n\n  [possible "
				    "values: 1.0, 2.0]\n", optarg);
				goto usage_fail;
			}
			break;
		case OPT_JSON:
			a.json = 1;
			break;
		case OPT_RV_OUTPUT:
			a.rv_output = optarg;
			break;
		case OPT_RAK_HASH_ALGO:
			a.rak_hash_algo = optarg;
			break;
		case OPT_EVENT_LOG:
			a.event_log = optarg;
			break;
		case OPT_TOOL_REM:
			a.tool_rem = 1;
			break;
		case OPT_IO:
			if (strcmp(optarg, "auto") == 0)
				a.io = CCAKIT_IO_AUTO;
			else if (strcmp(optarg, "mmap") == 0)
				a.io = CCAKIT_IO_MMAP;
			else if (strcmp(optarg, "pread") == 0)
				a.io = CCAKIT_IO_PREAD;
			else {
				fprintf(stderr, "error: invalid value '%s' for "
				    "'--io <IO>'\n\n  [possible values: auto, "
				    "mmap, pread]\n\nFor more information, try "
				    "'--help'.\n", optarg);
				goto usage_fail;
			}
			break;
		case 'h':
			usage(stdout);
			free(configs);
			return RM_EXIT_OK;
		case 'V':
			printf("realm-measurements %s\n", CCAKIT_VERSION);
			free(configs);
			return RM_EXIT_OK;
		default:
			if (optopt != 0 && strchr("kifc", optopt) != NULL) {
				char opt[3] = { '-', (char)optopt, '\0' };

				usage_error("a value is required for", opt,
				    " but none was supplied");
			} else
				usage_error("unexpected argument",
				    argv[optind - 1], " found");
			free(configs);
			return RM_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		free(configs);
		return RM_EXIT_USAGE;
	}
	if ((a.sign_key != NULL || a.sign_chain != NULL ||
	    a.sign_meta != NULL) && (a.corim_legacy ||
	    a.endorsements_output == NULL || a.sign_key == NULL)) {
		fprintf(stderr, "error: --sign-key, --sign-chain and "
		    "--sign-meta sign the CoRIM of --endorsements-output in "
		    "the current layout, and need --sign-key\n\nFor more "
		    "information, try '--help'.\n");
		free(configs);
		return RM_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "help") == 0) {
		usage(stdout);
		free(configs);
		return RM_EXIT_OK;
	}
	if (ccakit_vmm_type_from_name(argv[optind], &a.type) != CCAKIT_OK) {
		usage_error("unrecognized subcommand", argv[optind], "");
		free(configs);
		return RM_EXIT_USAGE;
	}
	a.vmm_argc = argc - optind - 1;
	a.vmm_argv = (const char *const *)(argv + optind + 1);
	ch = rm_run(&a);
	free(configs);
	return ch;
usage_fail:
	free(configs);
	return RM_EXIT_USAGE;
}
