/* ccatoken: helpers shared by the subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ccatoken.h"
#include "util/util.h"

const char *
err_text(int code, const struct ccakit_errdetail *d, char *buf, size_t bufsz)
{
	const char *kind, *detail;

	detail = (d != NULL && d->code == code && d->text[0] != '\0' &&
	    strcmp(d->text, ccakit_strerror(code)) != 0) ? d->text : NULL;
	switch (code) {
	case CCAKIT_ERR_CLAIM_MISSING:
		snprintf(buf, bufsz, "Missing claim: %s",
		    (d != NULL && d->what != NULL) ? d->what :
		    (detail != NULL ? detail : "?"));
		return buf;
	case CCAKIT_ERR_CLAIM_TYPE:
		kind = "Claim type mismatch";
		break;
	case CCAKIT_ERR_CLAIM_VALUE:
		kind = "Semantic error";
		break;
	case CCAKIT_ERR_PROFILE_UNKNOWN:
		kind = "Unknown profile";
		break;
	case CCAKIT_ERR_CBOR_DUPLICATE_KEY:
		kind = "Duplicated claim";
		break;
	default:
		if (ccakit_err_class(code) == CCAKIT_CLASS_MALFORMED)
			kind = "Syntax error";
		else
			kind = NULL;
		break;
	}
	if (kind == NULL)
		snprintf(buf, bufsz, "%s%s%s", ccakit_strerror(code),
		    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	else if (detail != NULL)
		snprintf(buf, bufsz, "%s: %s", kind, detail);
	else
		snprintf(buf, bufsz, "%s: %s", kind, ccakit_strerror(code));
	return buf;
}

int
exit_for(int code)
{
	switch (ccakit_err_class(code)) {
	case CCAKIT_CLASS_OK:
		return EXIT_OK;
	case CCAKIT_CLASS_REJECTED:
		return EXIT_REJECTED;
	default:
		return EXIT_MALFORMED;
	}
}

int
load_token(const char *prefix, const char *path, ccakit_token **tokp,
    uint8_t **bufp, size_t *lenp)
{
	struct ccakit_errdetail d;
	ccakit_token *tok = NULL;
	uint8_t *buf = NULL;
	size_t len;
	char msg[256];
	int r, st;

	*tokp = NULL;
	*bufp = NULL;
	if ((st = load_file(prefix, path, CCAKIT_TOKEN_MAX_SIZE, &buf,
	    &len)) != EXIT_OK)
		return st;
	if ((tok = ccakit_token_new()) == NULL) {
		free(buf);
		fprintf(stderr, "%s: out of memory\n", prefix);
		return EXIT_MALFORMED;
	}
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_token_decode(tok, buf, len, &d)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s\n", prefix,
		    err_text(r, &d, msg, sizeof(msg)));
		ccakit_token_free(&tok);
		free(buf);
		return EXIT_MALFORMED;
	}
	*tokp = tok;
	*bufp = buf;
	if (lenp != NULL)
		*lenp = len;
	return EXIT_OK;
}

void
print_tv(const char *label, const struct ccakit_tv *tv)
{
	char js[1024];

	if (ccakit_tv_to_json(tv, js, sizeof(js)) != CCAKIT_OK)
		snprintf(js, sizeof(js), "{}");
	printf("%s: %s\n", label, js);
}

json_t *
tv_json(const struct ccakit_tv *tv)
{
	json_t *o = json_object();
	int c;

	if (o == NULL)
		return NULL;
	for (c = 0; c < CCAKIT_TV_NCLAIMS; c++)
		if (ccakit_tv_is_set(tv, (enum ccakit_tv_claim)c))
			json_object_set_new(o,
			    ccakit_tv_claim_name((enum ccakit_tv_claim)c),
			    json_integer(tv->v[c]));
	return o;
}

int
print_json(json_t *j)
{
	int r;

	if (j == NULL) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return EXIT_MALFORMED;
	}
	r = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (r != 0 || fputc('\n', stdout) == EOF)
		return EXIT_MALFORMED;
	return EXIT_OK;
}

static int
ta_loader(void *s, const char *js, size_t len, struct ccakit_errdetail *d)
{
	return ccakit_ta_store_load_json(s, js, len, d);
}

static int
rv_loader(void *s, const char *js, size_t len, struct ccakit_errdetail *d)
{
	return ccakit_rv_store_load_json(s, js, len, d);
}

/* Read a JSON store file into an existing store; print failures. */
static int
load_store(const char *prefix, const char *path,
    int (*loader)(void *, const char *, size_t, struct ccakit_errdetail *),
    void *store)
{
	struct ccakit_errdetail d;
	uint8_t *buf = NULL;
	size_t len;
	char msg[256];
	int r, st;

	if ((st = load_file(prefix, path, CCAKIT_STORE_MAX_JSON, &buf,
	    &len)) != EXIT_OK)
		return st;
	memset(&d, 0, sizeof(d));
	if ((r = loader(store, (const char *)buf, len, &d)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", prefix, path,
		    err_text(r, &d, msg, sizeof(msg)));
		st = EXIT_MALFORMED;
	}
	free(buf);
	return st;
}

int
load_ta_store(const char *prefix, const char *path, ccakit_ta_store **sp)
{
	int st;

	if ((*sp = ccakit_ta_store_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", prefix);
		return EXIT_MALFORMED;
	}
	if ((st = load_store(prefix, path, ta_loader, *sp)) != EXIT_OK)
		ccakit_ta_store_free(sp);
	return st;
}

int
load_rv_store(const char *prefix, const char *path, ccakit_rv_store **sp)
{
	int st;

	if ((*sp = ccakit_rv_store_new()) == NULL) {
		fprintf(stderr, "%s: out of memory\n", prefix);
		return EXIT_MALFORMED;
	}
	if ((st = load_store(prefix, path, rv_loader, *sp)) != EXIT_OK)
		ccakit_rv_store_free(sp);
	return st;
}
