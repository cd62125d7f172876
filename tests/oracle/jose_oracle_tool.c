/*
 * Test-only driver that lets tests/oracle/jose_oracle.py put ccakit's
 * JWE, TEE keys and JCS next to an independent implementation:
 *
 *   genkey ALG PRIV.pem PUB.jwk   fresh TEE key (ccakit_teekey_generate)
 *   encrypt PUB.jwk IN compact|flattened   JWE of IN's bytes on stdout
 *   decrypt KEY.pem JWE-FILE      plaintext on stdout; on failure the
 *                                 error code and detail on stderr, exit 1
 *   jcs FILE                      canonical form of FILE's JSON text
 *   numbers                       stdin: one 16-hex-digit IEEE 754 bit
 *                                 pattern a line; stdout: Number::toString
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/jcs.h>
#include <ccakit/jose.h>

#include "util/util.h"

static uint8_t *
slurp(const char *path, size_t *len)
{
	uint8_t *buf = NULL;

	if (cki_read_file(path, 64 * 1024 * 1024, &buf, len) != CCAKIT_OK) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	return buf;
}

static int
spit(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(s, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		return 2;
	}
	return 0;
}

static int
fail(int r, const struct ccakit_errdetail *d)
{
	fprintf(stderr, "error %d (%s): %s\n", r, ccakit_strerror(r),
	    d != NULL ? d->text : "");
	return 1;
}

static int
genkey(const char *alg, const char *privpath, const char *pubpath)
{
	ccakit_teekey *k = ccakit_teekey_new();
	char *pem = NULL, *jwk = NULL;
	int r;

	if ((r = ccakit_teekey_generate(k, alg)) != CCAKIT_OK ||
	    (r = ccakit_teekey_to_pem(k, &pem)) != CCAKIT_OK ||
	    (r = ccakit_teekey_to_jwk(k, &jwk)) != CCAKIT_OK)
		r = fail(r, NULL);
	else
		r = spit(privpath, pem) || spit(pubpath, jwk);
	free(pem);
	free(jwk);
	ccakit_teekey_free(&k);
	return r;
}

static int
encrypt(const char *jwkpath, const char *inpath, const char *form)
{
	struct ccakit_errdetail d;
	ccakit_teekey *k = ccakit_teekey_new();
	uint8_t *jwk, *in;
	size_t jlen, ilen;
	char *out = NULL;
	int r;

	jwk = slurp(jwkpath, &jlen);
	in = slurp(inpath, &ilen);
	if ((r = ccakit_teekey_from_jwk(k, (const char *)jwk, jlen,
	    CCAKIT_TEEKEY_ALLOW_RSA1_5, &d)) != CCAKIT_OK)
		r = fail(r, &d);
	else if ((r = ccakit_jwe_encrypt(k, in, ilen,
	    strcmp(form, "compact") == 0 ? CCAKIT_JWE_COMPACT :
	    CCAKIT_JWE_FLATTENED, &out)) != CCAKIT_OK)
		r = fail(r, NULL);
	else
		fputs(out, stdout);
	free(out);
	free(jwk);
	free(in);
	ccakit_teekey_free(&k);
	return r;
}

static int
decrypt(const char *pempath, const char *jwepath)
{
	struct ccakit_errdetail d;
	ccakit_teekey *k = ccakit_teekey_new();
	uint8_t *pem, *jwe, *pt = NULL;
	size_t plen, jlen, ptlen = 0;
	int r;

	pem = slurp(pempath, &plen);
	jwe = slurp(jwepath, &jlen);
	memset(&d, 0, sizeof(d));
	if ((r = ccakit_teekey_from_pem(k, (const char *)pem, plen, 0,
	    &d)) != CCAKIT_OK)
		r = fail(r, &d);
	else if ((r = ccakit_jwe_decrypt(k, (const char *)jwe, jlen, &pt,
	    &ptlen, &d)) != CCAKIT_OK)
		r = fail(r, &d);
	else
		fwrite(pt, 1, ptlen, stdout);
	free(pt);
	free(pem);
	free(jwe);
	ccakit_teekey_free(&k);
	return r;
}

static int
jcs(const char *path)
{
	struct ccakit_errdetail d;
	uint8_t *in;
	size_t len, olen;
	char *out = NULL;
	int r;

	in = slurp(path, &len);
	if ((r = ccakit_jcs_text((const char *)in, len, 0, &out, &olen,
	    &d)) != CCAKIT_OK)
		r = fail(r, &d);
	else
		fwrite(out, 1, olen, stdout);
	free(out);
	free(in);
	return r;
}

static int
numbers(void)
{
	char line[64], s[CCAKIT_JCS_NUMBER_MAX];
	uint64_t u;
	double x;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		u = strtoull(line, NULL, 16);
		memcpy(&x, &u, sizeof(x));
		if (ccakit_jcs_number(x, s, sizeof(s)) != CCAKIT_OK)
			(void)strcpy(s, "error");
		puts(s);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "genkey") == 0)
		return genkey(argv[2], argv[3], argv[4]);
	if (argc == 5 && strcmp(argv[1], "encrypt") == 0)
		return encrypt(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "decrypt") == 0)
		return decrypt(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "jcs") == 0)
		return jcs(argv[2]);
	if (argc == 2 && strcmp(argv[1], "numbers") == 0)
		return numbers();
	fprintf(stderr, "usage: jose_oracle_tool genkey|encrypt|decrypt|jcs|"
	    "numbers ...\n");
	return 2;
}
