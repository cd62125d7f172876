/*
 * ccakit-agent's configuration: aa.toml, cdh.toml, init-data, the
 * environment and the kernel command line, with guest-components'
 * precedence (conf.h, docs/agent.md). Unknown keys are ignored, as
 * guest-components' config crate ignores them: aa.toml and cdh.toml hold
 * many settings of processes this agent replaces or does not replace
 * ([image], socket, credentials, ...).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/toml.h>

#include "conf.h"
#include "util/util.h"

static const char *const tee_key_algorithms[] = {
	"ECDH-ES+A256KW-P256", "ECDH-ES+A256KW-P521", "RSA-OAEP-256",
};

bool
agent_tee_key_algorithm_valid(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(tee_key_algorithms) /
	    sizeof(tee_key_algorithms[0]); i++)
		if (strcmp(name, tee_key_algorithms[i]) == 0)
			return true;
	return false;
}

static char *
dup_n(const char *s, size_t n)
{
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
agent_kbc_params_parse(const char *s, char **kbc, char **uri,
    struct ccakit_errdetail *d)
{
	const char *sep;

	*kbc = *uri = NULL;
	if ((sep = strstr(s, "::")) == NULL)
		return cki_detail(d, CCAKIT_ERR_CONFIG, "aa_kbc_params",
		    "illegal aa_kbc_params format: '%.200s' (expected "
		    "<kbc>::<url>, e.g. cc_kbc::http://10.0.0.1:8080)", s);
	if ((*kbc = dup_n(s, (size_t)(sep - s))) == NULL ||
	    (*uri = strdup(sep + 2)) == NULL) {
		free(*kbc);
		*kbc = NULL;
		return CCAKIT_ERR_NOMEM;
	}
	return CCAKIT_OK;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

int
agent_cmdline_kbc_params(const char *cmdline, char **out)
{
	const char *p = cmdline, *w;
	size_t klen = strlen(AGENT_CMDLINE_KEY);

	*out = NULL;
	while (*p != '\0') {
		while (is_space(*p))
			p++;
		w = p;
		while (*p != '\0' && !is_space(*p))
			p++;
		if ((size_t)(p - w) >= klen &&
		    strncmp(w, AGENT_CMDLINE_KEY, klen) == 0) {
			*out = dup_n(w + klen, (size_t)(p - w) - klen);
			return *out != NULL ? CCAKIT_OK : CCAKIT_ERR_NOMEM;
		}
	}
	return CCAKIT_ERR_NOT_FOUND;
}

/* An optional string key: absent is OK with *out left alone. */
static int
opt_string(ccakit_toml_value *t, const char *path, const char **out,
    struct ccakit_errdetail *d)
{
	int r = ccakit_toml_get_string(t, path, out, d);

	return r == CCAKIT_ERR_NOT_FOUND ? CCAKIT_OK : r;
}

static int
parse_doc(ccakit_toml **doc, const char *text, const char *name,
    struct ccakit_errdetail *d)
{
	if ((*doc = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	return ccakit_toml_parse(*doc, text, strlen(text), name, NULL, d);
}

int
agent_initdata_parse(const char *text, size_t len, const char *name,
    char **aa_toml, char **cdh_toml, struct ccakit_errdetail *d)
{
	static const char *const algs[] = { "sha256", "sha384", "sha512" };
	ccakit_toml *doc;
	ccakit_toml_value *root, *data;
	const char *s, *aa = NULL, *cdh = NULL;
	size_t i;
	int r;

	*aa_toml = *cdh_toml = NULL;
	if ((doc = ccakit_toml_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_toml_parse(doc, text, len, name, NULL, d)) !=
	    CCAKIT_OK)
		goto out;
	root = ccakit_toml_root(doc);
	if ((r = ccakit_toml_get_string(root, "version", &s, d)) != CCAKIT_OK)
		goto out;
	if ((r = ccakit_toml_get_string(root, "algorithm", &s, d)) !=
	    CCAKIT_OK)
		goto out;
	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(s, algs[i]) == 0)
			break;
	if (i == sizeof(algs) / sizeof(algs[0])) {
		r = ccakit_toml_error(ccakit_toml_lookup(root, "algorithm"),
		    CCAKIT_ERR_CONFIG, d, "'%s' is not sha256, sha384 or "
		    "sha512", s);
		goto out;
	}
	if ((r = ccakit_toml_get_table(root, "data", &data, d)) != CCAKIT_OK)
		goto out;
	if ((r = opt_string(data, "\"aa.toml\"", &aa, d)) != CCAKIT_OK ||
	    (r = opt_string(data, "\"cdh.toml\"", &cdh, d)) != CCAKIT_OK)
		goto out;
	if ((aa != NULL && (*aa_toml = strdup(aa)) == NULL) ||
	    (cdh != NULL && (*cdh_toml = strdup(cdh)) == NULL)) {
		free(*aa_toml);
		*aa_toml = NULL;
		r = CCAKIT_ERR_NOMEM;
	}
out:
	ccakit_toml_free(&doc);
	return r;
}

static int
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = NULL;
	if (s == NULL)
		return CCAKIT_OK;
	return (*dst = strdup(s)) != NULL ? CCAKIT_OK : CCAKIT_ERR_NOMEM;
}

static void
why(struct agent_kbs_conf *k, const char *fmt, ...) CKI_PRINTF(2, 3);

static void
why(struct agent_kbs_conf *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->why, sizeof(k->why), fmt, ap);
	va_end(ap);
}

/*
 * AA_KBC_PARAMS, else the kernel command line: *params malloc'd, or NULL
 * when neither has one (*source then NULL).
 */
static int
kbc_params(const struct agent_conf_in *in, char **params,
    const char **source)
{
	int r;

	*params = NULL;
	*source = NULL;
	if (in->env_kbc_params != NULL) {
		*source = "AA_KBC_PARAMS";
		return (*params = strdup(in->env_kbc_params)) != NULL ?
		    CCAKIT_OK : CCAKIT_ERR_NOMEM;
	}
	if (in->cmdline == NULL)
		return CCAKIT_OK;
	r = agent_cmdline_kbc_params(in->cmdline, params);
	if (r == CCAKIT_OK)
		*source = "the kernel command line";
	return r == CCAKIT_ERR_NOT_FOUND ? CCAKIT_OK : r;
}

/* One side from "<kbc>::<url>": only cc_kbc names a KBS. */
static int
side_from_params(struct agent_kbs_conf *k, const char *params,
    const char *source, struct ccakit_errdetail *d)
{
	char *kbc = NULL, *uri = NULL;
	int r;

	if ((r = agent_kbc_params_parse(params, &kbc, &uri, d)) != CCAKIT_OK) {
		if (d != NULL && r == CCAKIT_ERR_CONFIG) {
			char t[sizeof(d->text)];

			snprintf(t, sizeof(t), "%s", d->text);
			snprintf(d->text, sizeof(d->text), "%s: %.400s", source,
			    t);
		}
		return r;
	}
	free(k->kbc);
	k->kbc = kbc;
	k->source = source;
	if (strcmp(kbc, AGENT_KBC_CC) == 0 && uri[0] != '\0') {
		free(k->url);
		k->url = uri;
		return CCAKIT_OK;
	}
	if (strcmp(kbc, AGENT_KBC_CC) == 0)
		why(k, "%s names cc_kbc without a URL", source);
	else
		why(k, "%s names the KBC '%.60s': ccakit-agent speaks to a KBS "
		    "only (cc_kbc::<url>)", source, kbc);
	free(uri);
	return CCAKIT_OK;
}

static int
resolve_aa(const struct agent_conf_in *in, struct agent_conf *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml *doc = NULL;
	ccakit_toml_value *root, *kbs;
	const char *url, *cert = NULL, *alg = NULL, *source;
	char *params = NULL;
	int r;

	if (in->aa_toml == NULL) {
		/* guest-components: no config file, the KBS from
		 * AA_KBC_PARAMS or the kernel command line. */
		if ((r = kbc_params(in, &params, &source)) != CCAKIT_OK)
			return r;
		if (params == NULL) {
			why(&c->aa, "no aa.toml, AA_KBC_PARAMS or "
			    "agent.aa_kbc_params on the kernel command line");
			return CCAKIT_OK;
		}
		r = side_from_params(&c->aa, params, source, d);
		free(params);
		return r;
	}
	if ((r = parse_doc(&doc, in->aa_toml, in->aa_name != NULL ?
	    in->aa_name : "aa.toml", d)) != CCAKIT_OK)
		goto out;
	root = ccakit_toml_root(doc);
	r = ccakit_toml_get_bool(root, "eventlog_config.enable_eventlog",
	    &c->eventlog, d);
	if (r != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		goto out;
	r = ccakit_toml_get_table(root, "token_configs.kbs", &kbs, d);
	if (r == CCAKIT_ERR_NOT_FOUND) {
		why(&c->aa, "kbs token config not configured in config file");
		r = CCAKIT_OK;
		goto out;
	}
	if (r != CCAKIT_OK ||
	    (r = ccakit_toml_get_string(kbs, "url", &url, d)) != CCAKIT_OK ||
	    (r = opt_string(kbs, "cert", &cert, d)) != CCAKIT_OK ||
	    (r = opt_string(kbs, "tee_key_algorithm", &alg, d)) != CCAKIT_OK)
		goto out;
	if (alg != NULL && !agent_tee_key_algorithm_valid(alg)) {
		r = ccakit_toml_error(ccakit_toml_lookup(kbs,
		    "tee_key_algorithm"), CCAKIT_ERR_CONFIG, d, "'%s' is not "
		    "ECDH-ES+A256KW-P256, ECDH-ES+A256KW-P521 or RSA-OAEP-256",
		    alg);
		goto out;
	}
	c->aa.source = "aa.toml";
	if (url[0] == '\0')
		why(&c->aa, "aa.toml: token_configs.kbs.url is empty");
	if ((r = set_str(&c->aa.url, url[0] != '\0' ? url : NULL)) !=
	    CCAKIT_OK ||
	    (r = set_str(&c->aa.cert, cert != NULL && cert[0] != '\0' ? cert :
	    NULL)) != CCAKIT_OK ||
	    (r = set_str(&c->tee_key_algorithm, alg)) != CCAKIT_OK)
		goto out;
out:
	ccakit_toml_free(&doc);
	return r;
}

static int
resolve_cdh(const struct agent_conf_in *in, struct agent_conf *c,
    struct ccakit_errdetail *d)
{
	ccakit_toml *doc = NULL;
	ccakit_toml_value *root;
	const char *name, *url = "", *cert = NULL, *source;
	char *params = NULL;
	int r;

	if (in->cdh_toml != NULL) {
		if ((r = parse_doc(&doc, in->cdh_toml, in->cdh_name != NULL ?
		    in->cdh_name : "cdh.toml", d)) != CCAKIT_OK)
			goto out;
		root = ccakit_toml_root(doc);
		if ((r = ccakit_toml_get_string(root, "kbc.name", &name, d)) !=
		    CCAKIT_OK ||
		    (r = opt_string(root, "kbc.url", &url, d)) != CCAKIT_OK ||
		    (r = opt_string(root, "kbc.kbs_cert", &cert, d)) !=
		    CCAKIT_OK)
			goto out;
	}
	/* The CDH sets AA_KBC_PARAMS from [kbc] only when it is unset. */
	if (in->env_kbc_params != NULL) {
		r = side_from_params(&c->cdh, in->env_kbc_params,
		    "AA_KBC_PARAMS", d);
	} else if (doc != NULL) {
		free(c->cdh.kbc);
		if ((c->cdh.kbc = strdup(name)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto out;
		}
		c->cdh.source = "cdh.toml";
		r = CCAKIT_OK;
		if (strcmp(name, AGENT_KBC_CC) != 0)
			why(&c->cdh, "cdh.toml names the KBC '%.60s': "
			    "ccakit-agent speaks to a KBS only (cc_kbc)", name);
		else if (url[0] == '\0')
			why(&c->cdh, "cdh.toml names cc_kbc without a URL");
		else
			r = set_str(&c->cdh.url, url);
	} else {
		if ((r = kbc_params(in, &params, &source)) != CCAKIT_OK)
			goto out;
		if (params != NULL)
			r = side_from_params(&c->cdh, params, source, d);
		else
			why(&c->cdh, "no cdh.toml, AA_KBC_PARAMS or "
			    "agent.aa_kbc_params on the kernel command line");
		free(params);
	}
	if (r != CCAKIT_OK)
		goto out;
	/* The CDH exports kbc.kbs_cert as KBS_CERT, over the environment. */
	if (cert == NULL || cert[0] == '\0')
		cert = in->env_kbs_cert;
	r = set_str(&c->cdh.cert, cert != NULL && cert[0] != '\0' ? cert :
	    NULL);
out:
	ccakit_toml_free(&doc);
	return r;
}

int
agent_conf_resolve(const struct agent_conf_in *in, struct agent_conf *out,
    struct ccakit_errdetail *d)
{
	struct agent_kbs_conf *side[2];
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	side[0] = &out->aa;
	side[1] = &out->cdh;
	if (in->tee_key_algorithm != NULL &&
	    !agent_tee_key_algorithm_valid(in->tee_key_algorithm)) {
		r = cki_detail(d, CCAKIT_ERR_CONFIG, "tee_key_algorithm",
		    "'%s' is not ECDH-ES+A256KW-P256, ECDH-ES+A256KW-P521 or "
		    "RSA-OAEP-256", in->tee_key_algorithm);
		goto fail;
	}
	if ((r = resolve_aa(in, out, d)) != CCAKIT_OK ||
	    (r = resolve_cdh(in, out, d)) != CCAKIT_OK)
		goto fail;
	/*
	 * One process for both sides: without an aa.toml, a KBS known
	 * only to the resource side (cdh.toml) issues the tokens too,
	 * where guest-components' AA would have none.
	 */
	if (in->aa_toml == NULL && out->aa.url == NULL &&
	    out->cdh.url != NULL) {
		if ((r = set_str(&out->aa.url, out->cdh.url)) != CCAKIT_OK ||
		    (r = set_str(&out->aa.cert, out->cdh.cert)) != CCAKIT_OK)
			goto fail;
		out->aa.source = out->cdh.source;
		out->aa.why[0] = '\0';
	}
	for (i = 0; i < 2; i++) {
		if (in->url != NULL) {
			if ((r = set_str(&side[i]->url, in->url)) !=
			    CCAKIT_OK ||
			    (r = set_str(&side[i]->kbc, AGENT_KBC_CC)) !=
			    CCAKIT_OK)
				goto fail;
			side[i]->source = "--kbs-url";
			side[i]->why[0] = '\0';
		}
		if (in->cert != NULL &&
		    (r = set_str(&side[i]->cert, in->cert)) != CCAKIT_OK)
			goto fail;
	}
	if (in->tee_key_algorithm != NULL &&
	    (r = set_str(&out->tee_key_algorithm, in->tee_key_algorithm)) !=
	    CCAKIT_OK)
		goto fail;
	if (out->tee_key_algorithm == NULL &&
	    (r = set_str(&out->tee_key_algorithm, tee_key_algorithms[0])) !=
	    CCAKIT_OK)
		goto fail;
	return CCAKIT_OK;
fail:
	agent_conf_clear(out);
	return r;
}

static void
side_clear(struct agent_kbs_conf *k)
{
	free(k->url);
	free(k->cert);
	free(k->kbc);
	memset(k, 0, sizeof(*k));
}

void
agent_conf_clear(struct agent_conf *c)
{
	side_clear(&c->aa);
	side_clear(&c->cdh);
	free(c->tee_key_algorithm);
	memset(c, 0, sizeof(*c));
}
