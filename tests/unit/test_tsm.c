/*
 * Unit tests: the configfs-tsm attester on a fake configfs tree, and the
 * emulated realm attester.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>

#include <ccakit/appraise.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/token.h>
#include <ccakit/tsm.h>

#include "testutil.h"
#include "tsm/tsm_priv.h"

/*
 * The fake configfs: a plain directory where a hook does what the
 * kernel does, with switches for misbehaviour.
 */
struct fake {
	char root[64];
	const char *provider;           /* NULL: no provider file */
	size_t outblob_len;             /* 0: "TOKEN" || inblob */
	int extra_writes;               /* generation bumps by others */
	int race_after_read;            /* another writer after outblob */
	int lose_write;                 /* inblob write not committed */
	ccakit_attester *emu;           /* outblob from this attester */
	unsigned steps;                 /* bit per step seen */
};

static void
put(const char *entry, const char *attr, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", entry, attr);
	assert_non_null(f = fopen(path, "wb"));
	if (len > 0)
		assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t
get(const char *entry, const char *attr, uint8_t *buf, size_t sz)
{
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", entry, attr);
	assert_non_null(f = fopen(path, "rb"));
	n = fread(buf, 1, sz, f);
	fclose(f);
	return n;
}

static void
put_gen(const char *entry, unsigned g)
{
	char s[32];

	snprintf(s, sizeof(s), "%u\n", g);
	put(entry, "generation", s, strlen(s));
}

static int
fake_hook(enum cki_tsm_step step, const char *entry, void *arg)
{
	static const char *const attrs[] = {
		"provider", "generation", "inblob", "outblob",
	};
	struct fake *fk = arg;
	uint8_t in[128], *out;
	char path[4096];
	size_t n, i, olen;

	fk->steps |= 1u << step;
	switch (step) {
	case CKI_TSM_MKDIR:
		if (fk->provider != NULL)
			put(entry, "provider", fk->provider,
			    strlen(fk->provider));
		put_gen(entry, 0);
		put(entry, "inblob", "", 0);
		put(entry, "outblob", "", 0);
		break;
	case CKI_TSM_INBLOB:
		if (fk->lose_write)
			break;
		n = get(entry, "inblob", in, sizeof(in));
		put_gen(entry, 1 + (unsigned)fk->extra_writes);
		if (fk->emu != NULL) {
			assert_non_null(out = malloc(CCAKIT_TOKEN_MAX_SIZE));
			if (ccakit_attester_get_evidence(fk->emu, in, n, out,
			    CCAKIT_TOKEN_MAX_SIZE, &olen, NULL) != CCAKIT_OK)
				olen = 0;
		} else if (fk->outblob_len != 0) {
			olen = fk->outblob_len;
			assert_non_null(out = malloc(olen));
			memset(out, 0xa5, olen);
		} else {
			olen = 5 + n;
			assert_non_null(out = malloc(olen));
			memcpy(out, "TOKEN", 5);
			memcpy(out + 5, in, n);
		}
		put(entry, "outblob", out, olen);
		free(out);
		break;
	case CKI_TSM_OUTBLOB:
		if (fk->race_after_read)
			put_gen(entry, 2);
		break;
	case CKI_TSM_RMDIR:
		for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", entry,
			    attrs[i]);
			(void)unlink(path);
		}
		break;
	}
	return 0;
}

static int
setup_fake(void **state)
{
	struct fake *fk;

	assert_non_null(fk = calloc(1, sizeof(*fk)));
	strcpy(fk->root, "/tmp/ccakit-tsm-XXXXXX");
	assert_non_null(mkdtemp(fk->root));
	fk->provider = "arm_cca_guest\n";
	*state = fk;
	return 0;
}

static int
teardown_fake(void **state)
{
	struct fake *fk = *state;

	ccakit_attester_free(&fk->emu);
	rmdir(fk->root);
	free(fk);
	return 0;
}

/* The root holds no report entry any more. */
static void
assert_root_empty(const char *root)
{
	struct dirent *de;
	DIR *dp;

	assert_non_null(dp = opendir(root));
	while ((de = readdir(dp)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			fail_msg("leftover entry %s", de->d_name);
	closedir(dp);
}

static ccakit_attester *
tsm_new(struct fake *fk)
{
	ccakit_attester *a = NULL;
	struct ccakit_errdetail d;

	memset(&d, 0, sizeof(d));
	assert_non_null(a = ccakit_attester_new());
	if (ccakit_attester_init_tsm(a, fk->root, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(ccakit_attester_kind(a), CCAKIT_ATTESTER_TSM);
	cki_tsm_set_hook(a, fake_hook, fk);
	return a;
}

/* Run one request; returns the error and leaves detail in *d. */
static int
run(struct fake *fk, const uint8_t *chal, size_t clen, uint8_t *out,
    size_t outsz, size_t *outlen, struct ccakit_errdetail *d)
{
	ccakit_attester *a = tsm_new(fk);
	int r;

	memset(d, 0, sizeof(*d));
	r = ccakit_attester_get_evidence(a, chal, clen, out, outsz, outlen,
	    d);
	ccakit_attester_free(&a);
	assert_null(a);
	assert_root_empty(fk->root);
	return r;
}

static void
test_tsm_ok(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	uint8_t chal[64], out[256], want[64];
	size_t len;

	memset(chal, 0x3c, sizeof(chal));
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_OK);
	assert_int_equal(len, 5 + 64);
	assert_memory_equal(out, "TOKEN", 5);
	assert_memory_equal(out + 5, chal, 64);
	assert_int_equal(fk->steps, 0xfu);
	/* A 32-byte challenge is written zero-padded to 64. */
	memset(want, 0, sizeof(want));
	memset(want, 0x3c, 32);
	assert_int_equal(run(fk, chal, 32, out, sizeof(out), &len, &d),
	    CCAKIT_OK);
	assert_int_equal(len, 5 + 64);
	assert_memory_equal(out + 5, want, 64);
	/* The provider without its newline is accepted too. */
	fk->provider = "arm_cca_guest";
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_OK);
}

static void
test_tsm_challenge_len(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	uint8_t chal[65], out[256];
	size_t len;

	memset(chal, 1, sizeof(chal));
	fk->steps = 0;
	assert_int_equal(run(fk, chal, 31, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(run(fk, chal, 65, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(run(fk, chal, 0, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_INVALID_ARG);
	/* Refused before any report entry was made. */
	assert_int_equal(fk->steps, 0);
}

static void
test_tsm_provider(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	uint8_t chal[64], out[256];
	size_t len;

	memset(chal, 2, sizeof(chal));
	fk->provider = "sev_guest\n";
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
	assert_string_equal(d.what, "provider");
	assert_non_null(strstr(d.text, "sev_guest"));
	/* Nothing was written once the provider was wrong. */
	assert_int_equal(fk->steps & (1u << CKI_TSM_INBLOB), 0);
	fk->provider = "arm_cca_guest_v2\n";
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
	fk->provider = "";
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
	fk->provider = NULL;
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
	assert_string_equal(d.what, "provider");
}

static void
test_tsm_generation(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	uint8_t chal[64], out[256];
	size_t len;

	memset(chal, 3, sizeof(chal));
	/* Another writer between our write and our read. */
	fk->extra_writes = 1;
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
	assert_string_equal(d.what, "generation");
	assert_non_null(strstr(d.text, "from 0 to 2"));
	/* Another writer after our read. */
	fk->extra_writes = 0;
	fk->race_after_read = 1;
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
	assert_string_equal(d.what, "generation");
	/* Our write was not committed (the generation did not move). */
	fk->race_after_read = 0;
	fk->lose_write = 1;
	assert_int_equal(run(fk, chal, 64, out, sizeof(out), &len, &d),
	    CCAKIT_ERR_IO);
}

static void
test_tsm_outblob_size(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	uint8_t chal[64], *out;
	size_t len;

	memset(chal, 4, sizeof(chal));
	assert_non_null(out = malloc(CCAKIT_TSM_OUTBLOB_MAX + 16));
	/* Exactly the cap. */
	fk->outblob_len = CCAKIT_TSM_OUTBLOB_MAX;
	assert_int_equal(run(fk, chal, 64, out, CCAKIT_TSM_OUTBLOB_MAX + 16,
	    &len, &d), CCAKIT_OK);
	assert_int_equal(len, CCAKIT_TSM_OUTBLOB_MAX);
	/* One byte over the cap, with room in the buffer or not. */
	fk->outblob_len = CCAKIT_TSM_OUTBLOB_MAX + 1;
	assert_int_equal(run(fk, chal, 64, out, CCAKIT_TSM_OUTBLOB_MAX + 16,
	    &len, &d), CCAKIT_ERR_TOO_LARGE);
	assert_string_equal(d.what, "outblob");
	fk->outblob_len = 3 * CCAKIT_TSM_OUTBLOB_MAX;
	assert_int_equal(run(fk, chal, 64, out, 100, &len, &d),
	    CCAKIT_ERR_TOO_LARGE);
	/* Under the cap but over the caller's buffer. */
	fk->outblob_len = 101;
	assert_int_equal(run(fk, chal, 64, out, 100, &len, &d),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	fk->outblob_len = 100;
	assert_int_equal(run(fk, chal, 64, out, 100, &len, &d), CCAKIT_OK);
	assert_int_equal(len, 100);
	free(out);
}

static void
test_tsm_environment(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	ccakit_attester *a = NULL;
	uint8_t chal[64], out[64];
	char path[128];
	size_t len;

	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/missing", fk->root);
	assert_non_null(a = ccakit_attester_new());
	assert_int_equal(ccakit_attester_init_tsm(a, path, &d),
	    CCAKIT_ERR_IO);
	assert_int_equal(ccakit_attester_kind(a), 0);
	/* A directory without the kernel's attributes (no hook); the failed
	 * init left the attester empty, and it is made one kind once. */
	assert_int_equal(ccakit_attester_init_tsm(a, fk->root, &d),
	    CCAKIT_OK);
	assert_int_equal(ccakit_attester_kind(a), CCAKIT_ATTESTER_TSM);
	assert_int_equal(ccakit_attester_init_tsm(a, fk->root, &d),
	    CCAKIT_ERR_INVALID_ARG);
	memset(chal, 5, sizeof(chal));
	assert_int_equal(ccakit_attester_get_evidence(a, chal, 64, out,
	    sizeof(out), &len, &d), CCAKIT_ERR_IO);
	assert_root_empty(fk->root);
	ccakit_attester_free(&a);
	/* A root that cannot take a report entry. */
	assert_int_equal(chmod(fk->root, 0500), 0);
	a = tsm_new(fk);
	if (geteuid() != 0) {
		assert_int_equal(ccakit_attester_get_evidence(a, chal, 64, out,
		    sizeof(out), &len, &d), CCAKIT_ERR_IO);
		assert_string_equal(d.what, "mkdir");
	}
	ccakit_attester_free(&a);
	assert_int_equal(chmod(fk->root, 0700), 0);
}

/* --- the emulated realm --- */

static const char *
demo_path(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "demo/%s", name);
	return tu_src_path(path);
}

static ccakit_attester *
emulated_new(enum ccakit_token_format fmt)
{
	char claims[4096], cpak[4096], rak[4096];
	struct ccakit_errdetail d;
	ccakit_attester *a = NULL;

	strcpy(claims, demo_path("claims.json"));
	strcpy(cpak, demo_path("cpak.pem"));
	strcpy(rak, demo_path("rak.pem"));
	memset(&d, 0, sizeof(d));
	assert_non_null(a = ccakit_attester_new());
	if (ccakit_attester_init_emulated_files(a, claims, cpak, rak, fmt,
	    &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(ccakit_attester_kind(a), CCAKIT_ATTESTER_EMULATED);
	return a;
}

static ccakit_key *
demo_cpak(void)
{
	ccakit_key *k;
	uint8_t *pem;
	size_t len;

	pem = tu_read_file(demo_path("cpak.pem"), &len);
	assert_non_null(k = ccakit_key_new());
	assert_int_equal(ccakit_key_from_pem(k, (char *)pem, len), CCAKIT_OK);
	free(pem);
	return k;
}

/* The token verifies with the CPAK and carries the padded challenge. */
static void
check_token(const uint8_t *tok, size_t len, const uint8_t *chal,
    size_t clen, enum ccakit_token_format fmt)
{
	struct ccakit_verify_opts vo;
	struct ccakit_verify_result res;
	ccakit_token *t;
	ccakit_key *cpak = demo_cpak();
	uint8_t other[64];

	assert_non_null(t = ccakit_token_new());
	assert_int_equal(ccakit_token_decode(t, tok, len, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_token_get_format(t), fmt);
	assert_int_equal(ccakit_token_realm(t)->challenge.len, 64);
	assert_memory_equal(ccakit_token_realm(t)->challenge.ptr, chal, clen);
	memset(&vo, 0, sizeof(vo));
	vo.challenge = chal;
	vo.challenge_len = clen;
	assert_int_equal(ccakit_token_verify_with_key(t, cpak, &vo, &res,
	    NULL), CCAKIT_OK);
	memcpy(other, chal, clen);
	other[0] ^= 1;
	vo.challenge = other;
	assert_int_equal(ccakit_token_verify_with_key(t, cpak, &vo, &res,
	    NULL), CCAKIT_ERR_CHALLENGE);
	ccakit_key_free(&cpak);
	ccakit_token_free(&t);
}

static void
test_emulated(void **state)
{
	ccakit_attester *a;
	uint8_t chal[64], *tok;
	size_t len;

	(void)state;
	assert_non_null(tok = malloc(CCAKIT_TOKEN_MAX_SIZE));
	memset(chal, 0x77, sizeof(chal));
	a = emulated_new(0);
	assert_int_equal(ccakit_attester_get_evidence(a, chal, 64, tok,
	    CCAKIT_TOKEN_MAX_SIZE, &len, NULL), CCAKIT_OK);
	check_token(tok, len, chal, 64, CCAKIT_FORMAT_907);
	assert_int_equal(ccakit_attester_get_evidence(a, chal, 40, tok,
	    CCAKIT_TOKEN_MAX_SIZE, &len, NULL), CCAKIT_OK);
	check_token(tok, len, chal, 40, CCAKIT_FORMAT_907);
	assert_int_equal(ccakit_attester_get_evidence(a, chal, 64, tok, 100,
	    &len, NULL), CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_attester_get_evidence(a, chal, 20, tok,
	    CCAKIT_TOKEN_MAX_SIZE, &len, NULL), CCAKIT_ERR_INVALID_ARG);
	ccakit_attester_free(&a);
	a = emulated_new(CCAKIT_FORMAT_399);
	assert_int_equal(ccakit_attester_get_evidence(a, chal, 64, tok,
	    CCAKIT_TOKEN_MAX_SIZE, &len, NULL), CCAKIT_OK);
	check_token(tok, len, chal, 64, CCAKIT_FORMAT_399);
	ccakit_attester_free(&a);
	free(tok);
}

/* The public half of a private key in PEM, as a malloc'd PEM. */
static uint8_t *
public_pem(const char *priv, size_t len, size_t *outlen)
{
	BIO *in, *out;
	EVP_PKEY *pk;
	char *p;
	uint8_t *pub;
	long n;

	assert_non_null(in = BIO_new_mem_buf(priv, (int)len));
	assert_non_null(pk = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL));
	assert_non_null(out = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PUBKEY(out, pk), 1);
	n = BIO_get_mem_data(out, &p);
	assert_true(n > 0);
	assert_non_null(pub = malloc((size_t)n));
	memcpy(pub, p, (size_t)n);
	*outlen = (size_t)n;
	BIO_free(out);
	BIO_free(in);
	EVP_PKEY_free(pk);
	return pub;
}

static void
test_emulated_refused(void **state)
{
	struct ccakit_errdetail d;
	ccakit_attester *a = NULL;
	uint8_t *claims, *cpak, *rak, *pub;
	size_t cl, cp, rk, pl;

	(void)state;
	claims = tu_read_file(demo_path("claims.json"), &cl);
	cpak = tu_read_file(demo_path("cpak.pem"), &cp);
	rak = tu_read_file(demo_path("rak.pem"), &rk);
	pub = public_pem((const char *)cpak, cp, &pl);
	memset(&d, 0, sizeof(d));
	assert_non_null(a = ccakit_attester_new());
	assert_int_equal(ccakit_attester_init_emulated(a, (char *)claims, cl,
	    (char *)cpak, cp, (char *)rak, rk, 0, &d), CCAKIT_OK);
	ccakit_attester_free(&a);
	assert_non_null(a = ccakit_attester_new());
	/* A public key is no signing key. */
	assert_int_equal(ccakit_attester_init_emulated(a, (char *)claims, cl,
	    (char *)pub, pl, (char *)rak, rk, 0, &d),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_attester_kind(a), 0);
	assert_int_equal(ccakit_attester_init_emulated(a, (char *)claims, cl,
	    (char *)cpak, cp, "junk", 4, 0, &d), CCAKIT_ERR_KEY_INVALID);
	/* Claims cut short. */
	assert_int_not_equal(ccakit_attester_init_emulated(a, (char *)claims,
	    cl / 2, (char *)cpak, cp, (char *)rak, rk, 0, &d), CCAKIT_OK);
	assert_int_equal(ccakit_attester_kind(a), 0);
	assert_int_equal(ccakit_attester_init_emulated(a, (char *)claims, cl,
	    (char *)cpak, cp, (char *)rak, rk, 400, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_attester_init_emulated_files(a,
	    "/nonexistent", demo_path("cpak.pem"), demo_path("rak.pem"), 0,
	    &d), CCAKIT_ERR_IO);
	/* After the refusals: still empty, still usable, once. */
	assert_int_equal(ccakit_attester_init_emulated(a, (char *)claims, cl,
	    (char *)cpak, cp, (char *)rak, rk, 0, &d), CCAKIT_OK);
	assert_int_equal(ccakit_attester_kind(a), CCAKIT_ATTESTER_EMULATED);
	assert_int_equal(ccakit_attester_init_emulated(a, (char *)claims, cl,
	    (char *)cpak, cp, (char *)rak, rk, 0, &d), CCAKIT_ERR_INVALID_ARG);
	ccakit_attester_free(&a);
	assert_null(a);
	free(claims);
	free(cpak);
	free(rak);
	free(pub);
}

/* configfs-tsm whose outblob is an emulated token: the whole path. */
static void
test_tsm_with_emulated_outblob(void **state)
{
	struct fake *fk = *state;
	struct ccakit_errdetail d;
	uint8_t chal[64], *tok;
	size_t len;

	fk->emu = emulated_new(0);
	memset(chal, 0x42, sizeof(chal));
	assert_non_null(tok = malloc(CCAKIT_TSM_OUTBLOB_MAX));
	assert_int_equal(run(fk, chal, 48, tok, CCAKIT_TSM_OUTBLOB_MAX, &len,
	    &d), CCAKIT_OK);
	check_token(tok, len, chal, 48, CCAKIT_FORMAT_907);
	free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tsm_ok, setup_fake,
		    teardown_fake),
		cmocka_unit_test_setup_teardown(test_tsm_challenge_len,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_tsm_provider, setup_fake,
		    teardown_fake),
		cmocka_unit_test_setup_teardown(test_tsm_generation,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_tsm_outblob_size,
		    setup_fake, teardown_fake),
		cmocka_unit_test_setup_teardown(test_tsm_environment,
		    setup_fake, teardown_fake),
		cmocka_unit_test(test_emulated),
		cmocka_unit_test(test_emulated_refused),
		cmocka_unit_test_setup_teardown(test_tsm_with_emulated_outblob,
		    setup_fake, teardown_fake),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
