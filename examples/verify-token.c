/*
 * A minimal libccakit user: verify a CCA token file against a trust-anchor
 * store, print the platform implementation-id and the realm RIM, and the
 * platform's security lifecycle from the claims as JSON (memory the
 * library returns is released with ccakit_free()).
 *
 *   cc verify-token.c $(pkg-config --cflags --libs ccakit) -o verify-token
 *   ./verify-token token.cbor ta.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/ccakit.h>

static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void
hex(const char *label, struct ccakit_bytes b)
{
	size_t i;

	printf("%s: ", label);
	for (i = 0; i < b.len; i++)
		printf("%02x", b.ptr[i]);
	printf("\n");
}

int
main(int argc, char **argv)
{
	struct ccakit_verify_result res;
	ccakit_token *tok;
	ccakit_ta_store *tas;
	unsigned char *tbuf, *sbuf;
	char *json = NULL;
	const char *lc;
	size_t tlen, slen;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: verify-token TOKEN TASTORE\n");
		return 1;
	}
	tbuf = slurp(argv[1], &tlen);
	sbuf = slurp(argv[2], &slen);
	tok = ccakit_token_new();
	tas = ccakit_ta_store_new();
	if (tok == NULL || tas == NULL)
		return 2;
	if ((r = ccakit_ta_store_load_json(tas, (char *)sbuf, slen, NULL)) != 0 ||
	    (r = ccakit_token_decode(tok, tbuf, tlen, NULL)) != 0) {
		fprintf(stderr, "malformed: %s\n", ccakit_strerror(r));
		return 2;
	}
	r = ccakit_token_verify(tok, tas, NULL, &res, NULL);
	printf("verify: %s\n", ccakit_strerror(r));
	hex("implementation-id", ccakit_token_platform(tok)->impl_id);
	hex("realm initial measurement", ccakit_token_realm(tok)->rim);
	if (ccakit_token_to_json(tok, &json) != CCAKIT_OK)
		return 2;
	if ((lc = strstr(json, "\"cca-platform-lifecycle\"")) != NULL)
		printf("%.*s\n", (int)strcspn(lc, ",}"), lc);
	ccakit_free(json);
	ccakit_token_free(&tok);
	ccakit_ta_store_free(&tas);
	free(tbuf);
	free(sbuf);
	return r == CCAKIT_OK ? 0 : 3;
}
