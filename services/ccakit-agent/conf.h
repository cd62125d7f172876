/*
 * ccakit-agent's configuration, read as guest-components reads it
 * (attestation-agent/attestation-agent/src/config/ and
 * confidential-data-hub/hub/src/config/ at 8246e5e):
 *
 *  - the attestation side (tokens, /aa/token): aa.toml's
 *    [token_configs.kbs] url, cert (PEM text), tee_key_algorithm; without
 *    an aa.toml, AA_KBC_PARAMS from the environment, else
 *    agent.aa_kbc_params= on the kernel command line, used only when its
 *    KBC is cc_kbc;
 *  - the resource side (/cdh/resource): AA_KBC_PARAMS from the
 *    environment, else cdh.toml's [kbc] name and url, else (no cdh.toml)
 *    the kernel command line; the extra root certificate is cdh.toml's
 *    kbc.kbs_cert, else KBS_CERT from the environment;
 *  - an init-data TOML may carry aa.toml and cdh.toml in its [data]
 *    table (as the kata agent hands them on), used where no file is given;
 *  - --kbs-url and --kbs-cert on the command line override both sides.
 *
 * No I/O here: the caller reads the files, the environment and the
 * command line and passes their text. docs/agent.md has the rules.
 */
#ifndef AGENT_CONF_H
#define AGENT_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include <ccakit/err.h>

/* Caps on what the caller reads. */
#define AGENT_CONF_MAX_FILE     (1024 * 1024)
#define AGENT_CMDLINE_MAX       (64 * 1024)
#define AGENT_CMDLINE_KEY       "agent.aa_kbc_params="
#define AGENT_KBC_CC            "cc_kbc"
#define AGENT_KBC_OFFLINE_FS    "offline_fs_kbc"

/* What the configuration is made from; every member may be NULL. */
struct agent_conf_in {
	const char *aa_toml;            /* aa.toml text */
	const char *aa_name;            /* how errors name it */
	const char *cdh_toml;           /* cdh.toml text */
	const char *cdh_name;
	const char *env_kbc_params;     /* AA_KBC_PARAMS, when set */
	const char *env_kbs_cert;       /* KBS_CERT, when set */
	const char *cmdline;            /* the kernel command line */
	const char *url;                /* --kbs-url */
	const char *cert;               /* --kbs-cert (PEM text) */
	const char *tee_key_algorithm;  /* --tee-key-algorithm */
};

/* One side's KBS: a URL (NULL: none, then why says why not). */
struct agent_kbs_conf {
	char *url;
	char *cert;                     /* PEM text, or NULL */
	char *kbc;                      /* the KBC named (resource side) */
	const char *source;             /* static: where the URL came from */
	char why[256];                  /* when url is NULL */
};

struct agent_conf {
	struct agent_kbs_conf aa;       /* tokens */
	struct agent_kbs_conf cdh;      /* resources */
	char *tee_key_algorithm;        /* as guest-components names it */
	bool eventlog;                  /* aa.toml: eventlog_config.
					   enable_eventlog */
};

/*
 * The value of AA_KBC_PARAMS or agent.aa_kbc_params: "<kbc>::<uri>",
 * split at the first "::" (guest-components refuses a URI holding "::",
 * such as an IPv6 literal; this takes it). *kbc and *uri are malloc'd.
 * CCAKIT_ERR_CONFIG without "::".
 */
int agent_kbc_params_parse(const char *s, char **kbc, char **uri,
    struct ccakit_errdetail *d);

/*
 * The value of the first white-space separated word of the kernel command
 * line that starts with agent.aa_kbc_params= (malloc'd in *out), or
 * CCAKIT_ERR_NOT_FOUND.
 */
int agent_cmdline_kbc_params(const char *cmdline, char **out);

/*
 * An init-data TOML document (kbs/docs/initdata.md): version, algorithm
 * (sha256, sha384 or sha512) and a [data] table of strings; *aa_toml and
 * *cdh_toml (malloc'd, NULL when absent) are its "aa.toml" and "cdh.toml"
 * entries. CCAKIT_ERR_TOML / CCAKIT_ERR_CONFIG with file:line:col.
 */
int agent_initdata_parse(const char *text, size_t len, const char *name,
    char **aa_toml, char **cdh_toml, struct ccakit_errdetail *d);

/* The three names tee_key_algorithm takes (guest-components' serde names). */
bool agent_tee_key_algorithm_valid(const char *name);

/*
 * Resolve the configuration. Errors (an aa.toml or cdh.toml that does not
 * parse, a key of the wrong type, an unknown tee_key_algorithm) fail as
 * they make guest-components fail to start; an AA_KBC_PARAMS without
 * "::" fails too. On success release with agent_conf_clear().
 */
int agent_conf_resolve(const struct agent_conf_in *in, struct agent_conf *out,
    struct ccakit_errdetail *d);
void agent_conf_clear(struct agent_conf *c);

#endif /* AGENT_CONF_H */
