/*
 * Veraison's endorsement provisioning API for CoRIMs (corim-cca.md §6):
 *
 *   GET  /.well-known/veraison/provisioning        discovery
 *   POST /endorsement-provisioning/v1/submit       a CoRIM
 *
 * Media types: application/rim+cbor and application/rim+cose with the
 * current CCA profiles (Veraison v0.0.2605 and later), and the legacy
 * ones (application/corim-unsigned+cbor, rim+cbor, rim+cose with
 * http://arm.com/cca/ssd/1 and http://arm.com/cca/realm/1). The CoRIM is
 * decoded, its signature verified against --corim-roots (rim+cose), its
 * profile checked against the media type's and validated (lib/corim),
 * and its trust anchors and reference values provisioned as the same
 * store entries as rust-ccatoken JSON would give (vdb_batch_parse,
 * vdb_prov_add): visible to the next appraisal, persistent.
 *
 * Replies as Veraison's: 200 with a provisioning session {"status":
 * "success"} or {"status": "failed", "failure-reason"} (clients read
 * status), 400/401/406/415 with problem+json.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include <ccakit/bytes.h>
#include <ccakit/corim.h>
#include <ccakit/err.h>
#include <ccakit/store.h>

#include "cvs.h"
#include "svcmain.h"
#include "util/util.h"

#define MT_SESSION  "application/vnd.veraison.provisioning-session+json"
#define USERS_MAX   (64 * 1024)

/* The media types advertised and accepted, Veraison's spelling. */
static const struct {
	const char *subtype;
	const char *profile;
	bool cose;
} mtypes[] = {
	{ "rim+cbor", CCAKIT_CORIM_CCA_PLATFORM, false },
	{ "rim+cose", CCAKIT_CORIM_CCA_PLATFORM, true },
	{ "rim+cbor", CCAKIT_CORIM_CCA_REALM, false },
	{ "rim+cose", CCAKIT_CORIM_CCA_REALM, true },
	{ "corim-unsigned+cbor", CCAKIT_CORIM_CCA_PLATFORM_LEGACY, false },
	{ "corim-unsigned+cbor", CCAKIT_CORIM_CCA_REALM_LEGACY, false },
	{ "rim+cbor", CCAKIT_CORIM_CCA_PLATFORM_LEGACY, false },
	{ "rim+cose", CCAKIT_CORIM_CCA_PLATFORM_LEGACY, true },
	{ "rim+cbor", CCAKIT_CORIM_CCA_REALM_LEGACY, false },
	{ "rim+cose", CCAKIT_CORIM_CCA_REALM_LEGACY, true },
};
#define NMT (sizeof(mtypes) / sizeof(mtypes[0]))

struct cvs_corim {
	enum cvs_corim_auth auth;
	uint8_t (*users)[32];           /* SHA-256("user:password") */
	size_t nusers;
	ccakit_corim_roots *roots;
	size_t nroots;
	const char *users_file;
	const char **roots_files;
	size_t nroots_files;
	char mt[NMT][128];              /* the media types, spelled out */
};

/* --- configuration --- */

int
cvs_corim_opt(struct cvs *v, int opt, const char *arg)
{
	struct cvs_corim *c;
	const char **nf;

	if (opt != CVS_OPT_CORIM_AUTH && opt != CVS_OPT_CORIM_USERS &&
	    opt != CVS_OPT_CORIM_ROOTS)
		return 0;
	if (v->corim == NULL && (v->corim = calloc(1,
	    sizeof(*v->corim))) == NULL) {
		svc_die(CVS_PROG, "out of memory");
		return -1;
	}
	c = v->corim;
	switch (opt) {
	case CVS_OPT_CORIM_AUTH:
		if (strcmp(arg, "bearer") == 0)
			c->auth = CVS_CORIM_AUTH_BEARER;
		else if (strcmp(arg, "basic") == 0)
			c->auth = CVS_CORIM_AUTH_BASIC;
		else if (strcmp(arg, "none") == 0)
			c->auth = CVS_CORIM_AUTH_NONE;
		else {
			svc_die(CVS_PROG, "--provisioning-auth: bearer, basic "
			    "or none");
			return -1;
		}
		return 1;
	case CVS_OPT_CORIM_USERS:
		c->users_file = arg;
		return 1;
	default:
		if ((nf = realloc(c->roots_files, (c->nroots_files + 1) *
		    sizeof(*nf))) == NULL) {
			svc_die(CVS_PROG, "out of memory");
			return -1;
		}
		c->roots_files = nf;
		nf[c->nroots_files++] = arg;
		return 1;
	}
}

/* "user:password" lines; blank lines and # comments skipped. */
static int
load_users(struct cvs_corim *c)
{
	char *text = NULL, *line, *next, *colon;
	size_t len, n;
	int rc = 1;

	svc_warn_secret_mode("--provisioning-users", c->users_file);
	if (svc_read_text(CVS_PROG, c->users_file, USERS_MAX, &text, &len))
		return 1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		n = strcspn(line, "\r");
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    colon[1] == '\0') {
			svc_die(CVS_PROG, "%s: a line is not user:password",
			    c->users_file);
			goto out;
		}
		if ((c->users = realloc(c->users, (c->nusers + 1) *
		    sizeof(*c->users))) == NULL ||
		    cvs_token_hash(line, n, c->users[c->nusers]) != 0) {
			svc_die(CVS_PROG, "out of memory");
			goto out;
		}
		c->nusers++;
	}
	if (c->nusers == 0) {
		svc_die(CVS_PROG, "%s: no user", c->users_file);
		goto out;
	}
	rc = 0;
 out:
	svc_free_secret(text, len);
	return rc;
}

int
cvs_corim_init(struct cvs *v)
{
	struct ccakit_errdetail d;
	struct cvs_corim *c;
	char *text;
	size_t i, len;
	int r;

	if (v->corim == NULL && (v->corim = calloc(1, sizeof(*v->corim))) ==
	    NULL)
		return svc_die(CVS_PROG, "out of memory");
	c = v->corim;
	for (i = 0; i < NMT; i++)
		snprintf(c->mt[i], sizeof(c->mt[i]), "application/%s; "
		    "profile=\"%s\"", mtypes[i].subtype, mtypes[i].profile);
	if (c->auth == CVS_CORIM_AUTH_BASIC && c->users_file == NULL)
		return svc_die(CVS_PROG, "--provisioning-auth basic needs "
		    "--provisioning-users");
	if (c->users_file != NULL && c->auth != CVS_CORIM_AUTH_BASIC)
		return svc_die(CVS_PROG, "--provisioning-users goes with "
		    "--provisioning-auth basic");
	if (c->users_file != NULL && load_users(c))
		return 1;
	if ((c->roots = ccakit_corim_roots_new()) == NULL)
		return svc_die(CVS_PROG, "out of memory");
	for (i = 0; i < c->nroots_files; i++) {
		if (svc_read_text(CVS_PROG, c->roots_files[i], USERS_MAX * 4,
		    &text, &len))
			return 1;
		memset(&d, 0, sizeof(d));
		r = ccakit_corim_roots_add(c->roots, (const uint8_t *)text,
		    len, &d);
		free(text);
		if (r != CCAKIT_OK)
			return svc_die(CVS_PROG, "--corim-roots %s: %s",
			    c->roots_files[i], svc_detail_text(r, &d));
	}
	c->nroots = ccakit_corim_roots_count(c->roots);
	return 0;
}

void
cvs_corim_free(struct cvs *v)
{
	struct cvs_corim *c = v->corim;

	if (c == NULL)
		return;
	if (c->users != NULL)
		ccakit_wipe(c->users, c->nusers * sizeof(*c->users));
	free(c->users);
	free(c->roots_files);
	ccakit_corim_roots_free(&c->roots);
	free(c);
	v->corim = NULL;
}

const char *
cvs_corim_auth_name(const struct cvs *v)
{
	switch (v->corim != NULL ? v->corim->auth : CVS_CORIM_AUTH_BEARER) {
	case CVS_CORIM_AUTH_BASIC:
		return "basic";
	case CVS_CORIM_AUTH_NONE:
		return "none";
	default:
		return v->prov_enabled ? "bearer" : "disabled";
	}
}

/* --- requests --- */

/* HTTP Basic against the users file; false when a reply was made. */
static bool
basic_ok(struct cvs_corim *c, const struct svc_req *req,
    struct svc_resp *resp)
{
	const char *h = svc_req_header(req, "Authorization");
	uint8_t up[512], md[32];
	size_t n, i;
	bool ok = false;
	int match = 0;

	if (h != NULL && strncasecmp(h, "Basic ", 6) == 0) {
		for (h += 6; *h == ' '; h++)
			;
		if (ccakit_b64_decode(h, strlen(h), CCAKIT_B64_STD, up,
		    sizeof(up) - 1, &n) == CCAKIT_OK && n > 0 &&
		    memchr(up, ':', n) != NULL && memchr(up, 0, n) == NULL &&
		    cvs_token_hash((const char *)up, n, md) == 0) {
			/* Every entry compared: no early exit. */
			for (i = 0; i < c->nusers; i++)
				match |= ccakit_ct_memcmp(md, c->users[i],
				    sizeof(md)) == 0;
			ok = match != 0;
		}
		ccakit_wipe(up, sizeof(up));
	}
	if (!ok) {
		svc_resp_problem(resp, 401, NULL, NULL, "valid credentials "
		    "are required");
		svc_resp_header(resp, "WWW-Authenticate",
		    "Basic realm=veraison");
		svc_resp_note(resp, "unauthorized");
	}
	return ok;
}

static bool
allowed(struct cvs *v, const struct svc_req *req, struct svc_resp *resp)
{
	switch (v->corim->auth) {
	case CVS_CORIM_AUTH_NONE:
		return true;
	case CVS_CORIM_AUTH_BASIC:
		return basic_ok(v->corim, req, resp);
	default:
		return cvs_authorized(v, req, resp);
	}
}

void
cvs_corim_discovery(void *arg, const struct svc_req *req,
    struct svc_resp *resp)
{
	struct cvs *v = arg;
	json_t *j, *mts;
	size_t i;
	int bad = 0;

	if (!cvs_negotiates(req, SVC_V_MT_DISCOVERY) &&
	    !cvs_negotiates(req, "application/json")) {
		cvs_not_acceptable(resp, SVC_V_MT_DISCOVERY);
		return;
	}
	if ((j = json_object()) == NULL || (mts = json_array()) == NULL ||
	    json_object_set_new(j, "media-types", mts) != 0) {
		json_decref(j);
		cvs_internal(resp, "discovery", CCAKIT_ERR_NOMEM, NULL);
		return;
	}
	for (i = 0; i < NMT; i++)
		bad |= json_array_append_new(mts,
		    json_string(v->corim->mt[i]));
	bad |= json_object_set_new(j, "version", json_string(v->version));
	bad |= json_object_set_new(j, "service-state", json_string("READY"));
	bad |= json_object_set_new(j, "api-endpoints", json_pack("{s:s}",
	    "provisioningSubmit", CVS_CORIM_SUBMIT_PATH));
	if (bad != 0 || svc_resp_json(resp, 200, j) != 0) {
		if (bad != 0)
			json_decref(j);
		cvs_internal(resp, "discovery", CCAKIT_ERR_NOMEM, NULL);
		return;
	}
	resp->content_type = SVC_V_MT_DISCOVERY;
}

/* The provisioning session document, Veraison's form. */
static void
session(struct svc_resp *resp, const char *reason)
{
	char expiry[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *j;

	(void)gmtime_r(&now, &tm);
	(void)strftime(expiry, sizeof(expiry), "%Y-%m-%dT%H:%M:%SZ", &tm);
	j = reason == NULL ? json_pack("{s:s,s:s}", "status", "success",
	    "expiry", expiry) : json_pack("{s:s,s:s,s:s}", "status", "failed",
	    "expiry", expiry, "failure-reason", reason);
	if (j == NULL || svc_resp_json(resp, 200, j) != 0) {
		cvs_internal(resp, "provisioning session", CCAKIT_ERR_NOMEM,
		    NULL);
		return;
	}
	resp->content_type = MT_SESSION;
}

static void
failed(struct svc_resp *resp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
failed(struct svc_resp *resp, const char *fmt, ...)
{
	char msg[600], reason[700];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)snprintf(reason, sizeof(reason), "submit endorsement returned "
	    "error: %s", msg);
	session(resp, reason);
	svc_resp_note(resp, "failed: %.120s", msg);
}

/* Provision the entries of a store, through the JSON loaders. */
static int
provision(struct cvs *v, enum vdb_class cls, const char *json,
    size_t *n, size_t *added, struct ccakit_errdetail *d)
{
	struct vdb_batch b;
	int r;

	memset(&b, 0, sizeof(b));
	if ((r = vdb_batch_parse(cls, json, strlen(json), &b, d)) ==
	    CCAKIT_OK)
		r = vdb_prov_add(v->db, &b, added, d);
	*n = b.n;
	vdb_batch_clear(&b);
	return r;
}

void
cvs_corim_submit(void *arg, const struct svc_req *req,
    struct svc_resp *resp)
{
	struct cvs *v = arg;
	struct ccakit_errdetail d;
	struct svc_v_mt mt;
	ccakit_ta_store *ta = NULL;
	ccakit_rv_store *rv = NULL;
	ccakit_corim *c = NULL;
	const char *prof;
	char *tj = NULL, *rj = NULL, accept[NMT * 130];
	size_t i, nta = 0, nrv = 0, ata = 0, arv = 0, o = 0;
	time_t now = time(NULL);
	int64_t nb = 0, na = 0;
	bool has_nb = false;
	int r;

	if (!allowed(v, req, resp))
		return;
	if (!cvs_negotiates(req, MT_SESSION)) {
		cvs_not_acceptable(resp, MT_SESSION);
		return;
	}
	if (req->content_type == NULL ||
	    svc_v_media_split(req->content_type, &mt) != CCAKIT_OK) {
		svc_resp_problem(resp, 400, NULL, NULL, "the Content-Type "
		    "does not parse as a media type");
		svc_resp_note(resp, "bad-media-type");
		return;
	}
	for (i = 0; i < NMT; i++)
		if (strcmp(mt.type, "application") == 0 &&
		    strcmp(mt.subtype, mtypes[i].subtype) == 0 &&
		    mt.has_profile && !mt.other_param &&
		    strcmp(mt.profile, mtypes[i].profile) == 0)
			break;
	if (i == NMT) {
		for (i = 0; i < NMT; i++)
			o += (size_t)snprintf(accept + o, sizeof(accept) - o,
			    "%s%s", i ? ", " : "", v->corim->mt[i]);
		svc_resp_problem(resp, 415, NULL, NULL, "no active plugin "
		    "found for %.200s", req->content_type);
		svc_resp_header(resp, "Accept", accept);
		svc_resp_note(resp, "unsupported-media-type");
		return;
	}
	if (req->body_len == 0) {
		svc_resp_problem(resp, 400, NULL, NULL, "empty body");
		svc_resp_note(resp, "empty-body");
		return;
	}

	/* From here on every refusal is a "failed" session (200). */
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_corim_decode(req->body, req->body_len, &c, &d)) !=
	    CCAKIT_OK) {
		failed(resp, "decoding the CoRIM: %s", svc_detail_text(r, &d));
		goto out;
	}
	if (mtypes[i].cose != ccakit_corim_is_signed(c)) {
		failed(resp, "a %s CoRIM under %s", ccakit_corim_is_signed(c) ?
		    "signed" : "unsigned", mtypes[i].subtype);
		goto out;
	}
	if (mtypes[i].cose) {
		if (v->corim->nroots == 0) {
			failed(resp, "no trust anchor for signed CoRIMs "
			    "(--corim-roots)");
			goto out;
		}
		if ((r = ccakit_corim_verify(c, v->corim->roots, 0, &d)) !=
		    CCAKIT_OK) {
			failed(resp, "verifying the signed CoRIM: %s",
			    svc_detail_text(r, &d));
			goto out;
		}
	}
	prof = ccakit_corim_profile_str(c);
	if (prof == NULL || strcmp(prof, mtypes[i].profile) != 0) {
		failed(resp, "the CoRIM's profile %.100s%s%s is not the media "
		    "type's %s", prof != NULL ? "\"" : "(none)",
		    prof != NULL ? prof : "", prof != NULL ? "\"" : "",
		    mtypes[i].profile);
		goto out;
	}
	/* Current profiles: its validity must include now (Veraison keeps
	 * the CoRIM and its lookups skip it outside its validity; the
	 * stores keep no validity, so it is said at once, and entries are
	 * not expired later). The legacy model never looked at it, and
	 * Veraison's own legacy CoRIMs have expired: not checked. */
	if ((strcmp(prof, CCAKIT_CORIM_CCA_PLATFORM) == 0 ||
	    strcmp(prof, CCAKIT_CORIM_CCA_REALM) == 0) &&
	    ccakit_corim_validity(c, &has_nb, &nb, &na) &&
	    ((int64_t)now > na || (has_nb && (int64_t)now < nb))) {
		failed(resp, "the CoRIM is not valid now (rim-validity %s)",
		    (int64_t)now > na ? "has passed" : "has not begun");
		goto out;
	}
	if ((ta = ccakit_ta_store_new()) == NULL ||
	    (rv = ccakit_rv_store_new()) == NULL) {
		cvs_internal(resp, "provisioning", CCAKIT_ERR_NOMEM, NULL);
		goto out;
	}
	if ((r = ccakit_corim_to_stores(c, ta, rv, &d)) != CCAKIT_OK) {
		failed(resp, "%s", svc_detail_text(r, &d));
		goto out;
	}
	if (ccakit_ta_store_to_json(ta, &tj) != CCAKIT_OK ||
	    ccakit_rv_store_to_json(rv, &rj) != CCAKIT_OK) {
		cvs_internal(resp, "provisioning", CCAKIT_ERR_NOMEM, NULL);
		goto out;
	}
	/* The same entries as rust-ccatoken JSON would give. */
	if ((ccakit_ta_store_count(ta) > 0 && (r = provision(v, VDB_TA, tj,
	    &nta, &ata, &d)) != CCAKIT_OK) ||
	    ((ccakit_rv_store_platform_count(rv) > 0 ||
	    ccakit_rv_store_realm_count(rv) > 0) && (r = provision(v, VDB_RV,
	    rj, &nrv, &arv, &d)) != CCAKIT_OK)) {
		if (ccakit_err_class(r) == CCAKIT_CLASS_MALFORMED ||
		    r == CCAKIT_ERR_TOO_LARGE)
			failed(resp, "the stores would not load: %s",
			    svc_detail_text(r, &d));
		else
			cvs_internal(resp, "provisioning", r, &d);
		goto out;
	}
	session(resp, NULL);
	svc_resp_note(resp, "corim %s: %zu trust anchor(s), %zu reference "
	    "value(s) (%zu new)", prof, nta, nrv, ata + arv);
	svc_info("provisioning: CoRIM %s: %zu trust anchor(s), %zu reference "
	    "value(s), %zu new", prof, nta, nrv, ata + arv);
 out:
	ccakit_free(tj);
	ccakit_free(rj);
	ccakit_ta_store_free(&ta);
	ccakit_rv_store_free(&rv);
	ccakit_corim_free(&c);
}
