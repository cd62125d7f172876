/*
 * libFuzzer harness for the RCAR messages (services/common/rcar.c), both
 * sides: the KBS's readings of /auth and /attest bodies, the guest's of
 * the challenge, the token and the error body, the version check and the
 * TEE key's typed form. What parses must build back and parse the same.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rcar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
request(const char *s, size_t n)
{
	struct rcar_request r, t;
	json_t *b;
	char *txt;

	if (rcar_request_parse(s, n, &r, NULL) != CCAKIT_OK)
		return;
	(void)rcar_version_check(r.version);
	if ((size_t)r.tee >= RCAR_TEE_COUNT || rcar_tee_name(r.tee) == NULL)
		abort();
	b = rcar_request_build(r.version, r.tee, r.extra_params);
	txt = b != NULL ? json_dumps(b, JSON_COMPACT) : NULL;
	if (txt != NULL) {
		if (rcar_request_parse(txt, strlen(txt), &t, NULL) !=
		    CCAKIT_OK || t.tee != r.tee ||
		    strcmp(t.version, r.version) != 0 ||
		    !json_equal(t.extra_params, r.extra_params))
			abort();
		rcar_request_clear(&t);
	}
	free(txt);
	json_decref(b);
	rcar_request_clear(&r);
}

/*
 * rcar_json_bytes() against jansson: the same bytes when jansson sees an
 * object whose "token" is an array of integers 0..255, and a refusal
 * otherwise.
 */
static void
bytes_oracle(const char *s, size_t n)
{
	uint8_t *b;
	size_t bl, i;
	json_t *j, *t, *e;
	bool want;
	int r;

	r = rcar_json_bytes(s, n, "token", 4096, &b, &bl, NULL);
	j = json_loadb(s, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	t = json_object_get(j, "token");
	want = json_is_array(t) && json_array_size(t) <= 4096;
	json_array_foreach(t, i, e)
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > 255)
			want = false;
	/* Duplicate members other than "token" are jansson's refusal
	 * only (serde ignores them): no verdict on those. */
	if (j == NULL && r == CCAKIT_OK && json_loadb(s, n, JSON_DECODE_ANY,
	    NULL) == NULL)
		abort();
	if (j != NULL && want != (r == CCAKIT_OK))
		abort();
	if (r == CCAKIT_OK && j != NULL) {
		if (bl != json_array_size(t))
			abort();
		json_array_foreach(t, i, e)
			if (b[i] != json_integer_value(e))
				abort();
	}
	if (r == CCAKIT_OK)
		free(b);
	json_decref(j);
}

static void
attestation(const char *s, size_t n)
{
	struct rcar_attestation a;
	uint8_t h[RCAR_HASH_MAX];
	size_t hl;
	json_t *rd, *whole, *pe, *mine;

	bytes_oracle(s, n);
	if (rcar_attestation_parse(s, n, &a, NULL) != CCAKIT_OK)
		return;
	if (a.nonce == NULL || a.tee_pubkey == NULL ||
	    a.additional_evidence == NULL || a.primary_evidence == NULL)
		abort();
	/* The evidence's text is what jansson reads from the whole. */
	whole = json_loadb(s, n, JSON_REJECT_DUPLICATES, NULL);
	pe = json_object_get(json_object_get(whole, "tee-evidence"),
	    "primary_evidence");
	mine = json_loadb(a.primary_evidence, a.primary_len, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, NULL);
	if (pe == NULL || mine == NULL || !json_equal(pe, mine))
		abort();
	json_decref(mine);
	json_decref(whole);
	rd = rcar_runtime_data(a.nonce, a.tee_pubkey, a.additional_evidence);
	if (rd != NULL && rcar_runtime_digest(rd, RCAR_HASH_SHA384, h, &hl,
	    NULL) == CCAKIT_OK && hl != 48)
		abort();
	json_decref(rd);
	rcar_attestation_clear(&a);
}

static void
guest(const char *s, size_t n)
{
	json_t *root = NULL, *canon = NULL;
	const json_t *extra;
	const char *nonce, *tok;
	char variant[64], detail[256];
	enum rcar_hash hash;

	if (rcar_challenge_parse(s, n, &root, &nonce, &extra, NULL) ==
	    CCAKIT_OK) {
		if (rcar_selected_hash(extra, &hash, NULL) == CCAKIT_OK &&
		    rcar_hash_len(hash) == 0)
			abort();
		json_decref(root);
	}
	if (rcar_token_parse(s, n, &root, &tok, NULL) == CCAKIT_OK) {
		if (tok == NULL)
			abort();
		json_decref(root);
	}
	if (rcar_error_parse(s, n, variant, sizeof(variant), detail,
	    sizeof(detail)) == CCAKIT_OK && (memchr(variant, 0,
	    sizeof(variant)) == NULL || memchr(detail, 0,
	    sizeof(detail)) == NULL))
		abort();
	if ((root = json_loadb(s, n, 0, NULL)) != NULL) {
		if (rcar_teepubkey_canon(root, &canon, NULL) == CCAKIT_OK)
			json_decref(canon);
		json_decref(root);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	request(s, size);
	attestation(s, size);
	guest(s, size);
	(void)rcar_version_check(s);
	free(s);
	return 0;
}
