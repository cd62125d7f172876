/* corim: helpers shared by the subcommands. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "corimtool.h"
#include "util/util.h"

/* "corim <cmd>", the prefix of toolcli's file messages. */
static void
prefix(char *p, size_t n, const char *cmd)
{
	(void)snprintf(p, n, "%s %s", progname, cmd);
}

int
read_input(const char *cmd, const char *path, size_t max, uint8_t **buf,
    size_t *len)
{
	char p[64];

	prefix(p, sizeof(p), cmd);
	return load_file(p, path, max, buf, len);
}

int
write_output(const char *cmd, const char *path, const void *buf, size_t len)
{
	char p[64];

	prefix(p, sizeof(p), cmd);
	return save_file(p, path, buf, len);
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
		return code == CCAKIT_ERR_CORIM_PROFILE ||
		    code == CCAKIT_ERR_PROFILE_UNKNOWN ? EXIT_REJECTED :
		    EXIT_MALFORMED;
	}
}

const char *
why(int code, const struct ccakit_errdetail *d)
{
	if (d != NULL && d->code == code && d->text[0] != '\0')
		return d->text;
	return ccakit_strerror(code);
}

/* --- file lists --- */

int
flist_add(struct flist *l, const char *path)
{
	char **nv;
	size_t ncap;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 8 : l->cap * 2;
		if ((nv = realloc(l->v, ncap * sizeof(*nv))) == NULL)
			return CCAKIT_ERR_NOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	if ((l->v[l->n] = strdup(path)) == NULL)
		return CCAKIT_ERR_NOMEM;
	l->n++;
	return CCAKIT_OK;
}

static int
strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
flist_add_dir(struct flist *l, const char *dir, const char *suffix)
{
	struct dirent *e;
	struct stat st;
	size_t first = l->n, n, sl = strlen(suffix);
	char path[4096];
	DIR *d;
	int r = CCAKIT_OK;

	if ((d = opendir(dir)) == NULL)
		return CCAKIT_ERR_IO;
	while (r == CCAKIT_OK && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n <= sl || strcmp(e->d_name + n - sl, suffix) != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    e->d_name) >= sizeof(path))
			continue;
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		r = flist_add(l, path);
	}
	closedir(d);
	if (l->n > first)
		qsort(l->v + first, l->n - first, sizeof(*l->v), strp_cmp);
	return r;
}

void
flist_free(struct flist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* --- keys and certificates --- */

int
load_key(const char *cmd, const char *path, ccakit_key **kp, char **kid)
{
	ccakit_key *k;
	uint8_t *buf;
	size_t len, i;
	json_t *j, *v;
	int r, st;

	*kp = NULL;
	if (kid != NULL)
		*kid = NULL;
	if ((st = read_input(cmd, path, SMALL_FILE_MAX, &buf, &len)) !=
	    EXIT_OK)
		return st;
	if ((k = ccakit_key_new()) == NULL) {
		free(buf);
		return fail(EXIT_MALFORMED, cmd, "out of memory");
	}
	for (i = 0; i < len && (buf[i] == ' ' || buf[i] == '\n' ||
	    buf[i] == '\t' || buf[i] == '\r'); i++)
		;
	if (i < len && buf[i] == '{') {
		r = ccakit_key_from_jwk(k, (const char *)buf, len);
		if (r == CCAKIT_OK && kid != NULL &&
		    (j = json_loadb((const char *)buf, len, 0, NULL)) != NULL) {
			if (json_is_string(v = json_object_get(j, "kid")))
				*kid = strdup(json_string_value(v));
			json_decref(j);
		}
	} else
		r = ccakit_key_from_pem(k, (const char *)buf, len);
	ccakit_wipe(buf, len);
	free(buf);
	if (r != CCAKIT_OK) {
		ccakit_key_free(&k);
		return fail(EXIT_MALFORMED, cmd, "%s: not an EC key (JWK or "
		    "PEM) on P-256, P-384 or P-521: %s", path,
		    ccakit_strerror(r));
	}
	*kp = k;
	return EXIT_OK;
}

static int
push_cert(X509 *x, struct ccakit_bytes **certs, size_t *n)
{
	struct ccakit_bytes *nc;
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_X509(x, &der)) <= 0)
		return CCAKIT_ERR_CRYPTO;
	if ((nc = realloc(*certs, (*n + 1) * sizeof(*nc))) == NULL) {
		OPENSSL_free(der);
		return CCAKIT_ERR_NOMEM;
	}
	*certs = nc;
	if ((nc[*n].ptr = malloc((size_t)len)) == NULL) {
		OPENSSL_free(der);
		return CCAKIT_ERR_NOMEM;
	}
	memcpy((uint8_t *)(uintptr_t)nc[*n].ptr, der, (size_t)len);
	nc[*n].len = (size_t)len;
	(*n)++;
	OPENSSL_free(der);
	return CCAKIT_OK;
}

int
load_certs(const char *cmd, const char *path, struct ccakit_bytes **certs,
    size_t *n)
{
	const unsigned char *p;
	uint8_t *buf;
	size_t len, before = *n;
	X509 *x;
	BIO *bio;
	int st, r = CCAKIT_OK;

	if ((st = read_input(cmd, path, SMALL_FILE_MAX, &buf, &len)) !=
	    EXIT_OK)
		return st;
	ERR_set_mark();
	if (len > 0 && buf[0] == 0x30) {
		p = buf;
		while (r == CCAKIT_OK && p < buf + len) {
			if ((x = d2i_X509(NULL, &p, (long)(buf + len - p))) ==
			    NULL) {
				r = CCAKIT_ERR_KEY_INVALID;
				break;
			}
			r = push_cert(x, certs, n);
			X509_free(x);
		}
	} else if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		while (r == CCAKIT_OK &&
		    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
			r = push_cert(x, certs, n);
			X509_free(x);
		}
		BIO_free(bio);
	}
	ERR_pop_to_mark();
	free(buf);
	if (r != CCAKIT_OK || *n == before)
		return fail(EXIT_MALFORMED, cmd, "%s: no DER or PEM "
		    "certificate", path);
	return EXIT_OK;
}

void
free_certs(struct ccakit_bytes *certs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free((void *)(uintptr_t)certs[i].ptr);
	free(certs);
}

int
load_corim(const char *cmd, const char *path, ccakit_corim **c)
{
	struct ccakit_errdetail d;
	uint8_t *buf;
	size_t len;
	int r, st;

	*c = NULL;
	if ((st = read_input(cmd, path, CCAKIT_CORIM_MAX_SIZE, &buf, &len)) !=
	    EXIT_OK)
		return st;
	memset(&d, 0, sizeof(d));
	r = ccakit_corim_decode(buf, len, c, &d);
	free(buf);
	if (r != CCAKIT_OK)
		return fail(exit_for(r), cmd, "error decoding CoRIM from %s: "
		    "%s", path, why(r, &d));
	return EXIT_OK;
}

/* --- CoRIMs built from stores (from-token, from-json) --- */

const char build_help[] =
"      --platform FILE      the platform CoRIM (default:\n"
"                           corim-cca-platform.cbor), '-' for stdout\n"
"      --realm FILE         the realm CoRIM (default: corim-cca-realm.cbor)\n"
"      --profile-encoding uri|text\n"
"                           the profile as #6.32(uri) (Veraison main, the\n"
"                           default) or as text (Veraison v0.0.2605 to\n"
"                           v0.0.2608)\n"
"      --digest-alg int|text  digest algorithms as numbers (1, Veraison's\n"
"                           tools, the default) or names (\"sha-256\")\n"
"      --config-form mask|masked\n"
"                           the configuration as #6.560 with a\n"
"                           raw-value-mask (what Veraison validates, the\n"
"                           default) or the draft's #6.563 [value, mask]\n"
"      --corim-id ID        the CoRIM id (default: a random UUID)\n"
"      --entity NAME        a manifest-creator entity\n"
"      --regid URI          its registration id\n";

int
build_option(const char *cmd, int ch, const char *arg, struct build_opts *o)
{
	switch (ch) {
	case 1000:
		o->platform_out = arg;
		return 1;
	case 1001:
		o->realm_out = arg;
		return 1;
	case 1002:
		if (strcmp(arg, "uri") == 0)
			o->b.profile_form = CCAKIT_CORIM_PROFILE_URI;
		else if (strcmp(arg, "text") == 0)
			o->b.profile_form = CCAKIT_CORIM_PROFILE_TEXT;
		else
			return usage_error(cmd, "--profile-encoding: uri or "
			    "text") + 1;
		return 1;
	case 1003:
		if (strcmp(arg, "int") == 0 || strcmp(arg, "text") == 0)
			o->b.digest_alg_text = arg[0] == 't';
		else
			return usage_error(cmd, "--digest-alg: int or text") +
			    1;
		return 1;
	case 1004:
		if (strcmp(arg, "mask") == 0 || strcmp(arg, "masked") == 0)
			o->b.config_masked = strcmp(arg, "masked") == 0;
		else
			return usage_error(cmd, "--config-form: mask or "
			    "masked") + 1;
		return 1;
	case 1005:
		o->b.corim_id = arg;
		return 1;
	case 1006:
		o->b.entity_name = arg;
		return 1;
	case 1007:
		o->b.entity_regid = arg;
		return 1;
	default:
		return 0;
	}
}

static int
write_corim(const char *cmd, const ccakit_corim *c, const char *path)
{
	uint8_t *enc;
	size_t len;
	int r, st;

	if ((r = ccakit_corim_encode(c, &enc, &len)) != CCAKIT_OK)
		return fail(EXIT_MALFORMED, cmd, "cannot encode: %s",
		    ccakit_strerror(r));
	st = write_output(cmd, path, enc, len);
	ccakit_free(enc);
	if (st == EXIT_OK && strcmp(path, "-") != 0)
		printf(">> created %s CoRIM \"%s\"\n",
		    ccakit_corim_profile(c) == CCAKIT_CORIM_PROFILE_CCA_REALM ?
		    "realm" : "platform", path);
	return st;
}

int
build_write(const char *cmd, const ccakit_ta_store *ta,
    const ccakit_rv_store *rv, struct build_opts *o)
{
	struct ccakit_errdetail d;
	ccakit_corim *p = NULL, *r = NULL;
	int rc, st = EXIT_OK;

	if (strcmp(o->platform_out, o->realm_out) == 0)
		return usage_error(cmd, "the platform and realm outputs must "
		    "differ");
	memset(&d, 0, sizeof(d));
	if ((rc = ccakit_corim_from_stores(ta, rv, &o->b, &p, &r, &d)) !=
	    CCAKIT_OK)
		return fail(exit_for(rc), cmd, "%s", why(rc, &d));
	if (p == NULL && r == NULL)
		st = fail(EXIT_MALFORMED, cmd, "nothing to write: no trust "
		    "anchor and no reference value");
	if (st == EXIT_OK && p != NULL)
		st = write_corim(cmd, p, o->platform_out);
	if (st == EXIT_OK && r != NULL)
		st = write_corim(cmd, r, o->realm_out);
	ccakit_corim_free(&p);
	ccakit_corim_free(&r);
	return st;
}
