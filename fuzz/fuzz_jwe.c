/*
 * libFuzzer harness for JWE decryption (ccakit_jwe_decrypt, both
 * serializations) with four fixed test keys (P-256, P-384, P-521,
 * RSA-2048; made for this harness, never used elsewhere). A refusal
 * leaves no plaintext and fills the detail; an accepted JWE's plaintext,
 * encrypted again to the same key in both forms, decrypts to the same
 * bytes. An input "H<json>" is a raw protected header, encoded and put
 * in front of the other four parts of a real JWE, so that the fuzzer
 * mutates the header's JSON rather than its base64url.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char p256_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0pPGBdoTs7YGqzJF\n"
    "3DyVDEvd19PmhJ4FXvwLkfcXi6ehRANCAATPEkbXZslu4aUg2I5uS9/EtCk5KXgp\n"
    "KEMLn3y/UQfXA94Ak74LeihjPFiLLCL1mAOPfHfL+ZTeUHkHmMjdWC6D\n"
    "-----END PRIVATE KEY-----\n";

static const char p384_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDA0G1MSOT7+Av5jfdfm\n"
    "ySaTFC550npmT3gdyxvBDPb/rRJw4aDLdCECWrCCsK3zxWahZANiAAR1Pe+EAJm8\n"
    "PVbhuhE+sw2cnJCpnNGmwHWj7dFmJsLhI1mYpihVM8H8giSVwt1xBvAIGI8ZQAYY\n"
    "F/kUBoGBask4JZtIQRG1doVIvRUZ0+gBY4bb6bde96WgeOvXc7TYwb4=\n"
    "-----END PRIVATE KEY-----\n";

static const char p521_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIHuAgEAMBAGByqGSM49AgEGBSuBBAAjBIHWMIHTAgEBBEIBxo7vCBzPjYXLCBLR\n"
    "rlra49cDl5q1HC/Dc3B5N9QRvDFJw4EbzdL4V8TtBNioi1shz+s08SXLcurTf4a/\n"
    "NX15WVyhgYkDgYYABAE+BmMNG2dXIdoE9kQieVgc6FqrpAAwWiN+XbeDponltHpF\n"
    "s2eqWV/qs9rqLDRiOjSvk6WqRhLpd2N/wfrkuFZagQAtQg8wJL4KGIqilBiFRS/8\n"
    "9JPKChxda3yTRB++8CrS8AH8HPtbq0W/RMIHPlM0F4L9XH5B5rs8JtO7JlmTjxa2\n"
    "/Q==\n"
    "-----END PRIVATE KEY-----\n";

static const char rsa_pem[] =
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEoQIBAAKCAQEAoLwOEd5UuIqEIPRYWjhOxhNJeKa6wmU3A4zRdJYtwavdfyUJ\n"
    "iFZwx3zlH5wjilJRPactXCwYLebsxBLLP/ae30ftoLNb9RtfR7a2DEj3ARE9HeYU\n"
    "Gbg+mAgxvAr+OAM7scgpzZZnMPYyCuXfZ0E6AumVwFeB3XM6PGtdR1+3tfzE3WCQ\n"
    "HdVb6xno10rzQB9hhcOdUlHa5h3UjGCk/8NiCLcNS/mryXy0tQrIigwPpVx2gEl6\n"
    "lg2HutMieDTQ3ZiL2Prv/cw3fVF2uDgtSFIW6fA8wJuMD7mlQLX7g1lWKs0opMdO\n"
    "AdgIuBVV+fs9U18sdRuJBrVUAmpYBauWZiO4MwIDAQABAoIBAANP7MBMgxVscU2W\n"
    "i22MhH8LbbOpR+bynAAcOkK7R4UarA1PL5OaKGfL+JK+rnLOwHLTS5l/JR5pCE8A\n"
    "DiUqyVpTip+Joqb54exB5R16sXBZsRc5Iwfmpo+Od6vm1BdGZcgDlmzwoP6+zAgy\n"
    "dXiUvQPLWXUluHzeP4B4O+tZGxmKbAvyCORTGuhrMt2dGqBhpd5zoHhhCbWttvEg\n"
    "rAURefVgXo+GRl36k4OjhW5KEwy9ioHeG8rkrS49jrjhvulGboxWHbNjygSVm4Gb\n"
    "bVCDYbHI4IoPaWfCI0DIglZVBHxSLfa/yySNZvyJj2FjpWpYqIJgtcazOIOHBy2V\n"
    "yId5LQUCgYEA07A0U4qsE/Gkc+tH7iCedzYCmPiQg0CwKHOCzQW/6febScHPwyJO\n"
    "AdM6R6nNZ810/Wa4S8yWedX9GhSrQzum9YdwKe3zRNAej6Lvz8ngMTHCoFW8guTA\n"
    "/Ba0Hh0QkOYOyuXysriN/NWncTZX7U9X4zZvILWNfbsSfE4AMpVAnt8CgYEAwmFh\n"
    "iJ1l5WYmpBAg7MR2iW2D/mDct4WxCayzi0EZW6kq8MUNlxgrqsj5uCsepo0zWDqH\n"
    "S5mDLAyxdHL+E6Wre9L65Bsgzvf0zgVHDZsgQK0rjykCNKO2aFmJeMYKD5s/BeXs\n"
    "/EZv83FZJwZbmfIBoG9xhSWm/aj1V9uA6CywlS0Cf1vJCucuOW5sV+HrIkUd35fQ\n"
    "00+Adyhx4++mJhC/bXcE5VAVuP/i3+/qplpsRaO8cf1tjHtROe2Z2yRz0c5VDw9m\n"
    "qjuD8PblRlsBSvnNjmfGK51Zj2MxzHuBXJeyAnzRQ5i2G4VigC4gdXmhFn7O6Eyc\n"
    "TZLhJXhepKVBLNTB4kMCgYEAofKUWkgY/zlOdF5jsCA3SmSOFkAJZHXkfFUA+cJx\n"
    "KCcXeaYTnpEqwI3VUJXMYaM+5gFNe7UYznh82LJ98UyURQQQuD/J4+Y+de97tWBL\n"
    "TNd6dToLdmP3s5T1rkQBWeNUbMuV2NGusDr9tj/bzbUNmed/wxkNukUss9hT3Bxv\n"
    "urkCgYBXV+sp4no0xa0hVD+zrNHYgcIwdBuDWcfRGOs4nh7HFfyCXt0XvaNzIv2b\n"
    "EdQnoXwA4v8enqpRIi8DmyJt89EWw5FvpgBmH7NrRrevMtHahftYgm/14bsc8rur\n"
    "0rae82ejccHyYNaE4HqbhSIy2WC9tqP6A3VwAlrJzYSJPA5pHw==\n"
    "-----END RSA PRIVATE KEY-----\n";

static void
check(int cond)
{
	if (!cond)
		abort();
}

static void
roundtrip(const ccakit_teekey *k, const uint8_t *pt, size_t len,
    enum ccakit_jwe_form form)
{
	uint8_t *again = NULL;
	size_t n = 0;
	char *jwe = NULL;

	check(ccakit_jwe_encrypt(k, pt, len, form, &jwe) == CCAKIT_OK);
	check(ccakit_jwe_decrypt(k, jwe, strlen(jwe), &again, &n, NULL) ==
	    CCAKIT_OK);
	check(n == len && (len == 0 || memcmp(again, pt, len) == 0));
	free(again);
	free(jwe);
}

/* "H<json>" -> base64url(json) "." the tail of a real JWE (malloc'd). */
static char *
with_header(const ccakit_teekey *k, const uint8_t *hdr, size_t hlen,
    size_t *len)
{
	static char *tail;
	char *jwe = NULL, *out;
	size_t n;

	if (tail == NULL) {
		if (ccakit_jwe_encrypt(k, (const uint8_t *)"tail", 4,
		    CCAKIT_JWE_COMPACT, &jwe) != CCAKIT_OK ||
		    (tail = strdup(strchr(jwe, '.'))) == NULL)
			abort();
		free(jwe);
	}
	n = ccakit_b64_encoded_len(hlen, CCAKIT_B64_URL) + strlen(tail) + 1;
	if ((out = malloc(n)) == NULL ||
	    ccakit_b64_encode(hdr, hlen, CCAKIT_B64_URL, out, n) != CCAKIT_OK)
		abort();
	memcpy(out + strlen(out), tail, strlen(tail) + 1);
	*len = strlen(out);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const pems[] = { p256_pem, p384_pem, p521_pem,
	    rsa_pem };
	static ccakit_teekey *keys[4];
	struct ccakit_errdetail d;
	char *built = NULL;
	uint8_t *pt;
	size_t i, n;
	int r;

	for (i = 0; i < 4; i++)
		if (keys[i] == NULL && ((keys[i] = ccakit_teekey_new()) ==
		    NULL || ccakit_teekey_from_pem(keys[i], pems[i],
		    strlen(pems[i]), 0, NULL) != CCAKIT_OK))
			abort();
	if (size > 0 && data[0] == 'H' && size < 8192) {
		built = with_header(keys[0], data + 1, size - 1, &size);
		data = (const uint8_t *)built;
	}
	for (i = 0; i < 4; i++) {
		pt = (uint8_t *)1;
		n = 1;
		memset(&d, 0, sizeof(d));
		r = ccakit_jwe_decrypt(keys[i], (const char *)data, size, &pt,
		    &n, &d);
		if (r != CCAKIT_OK) {
			check(pt == NULL && n == 0 && d.code == r);
			continue;
		}
		check(pt != NULL && pt[n] == 0);
		roundtrip(keys[i], pt, n, CCAKIT_JWE_COMPACT);
		roundtrip(keys[i], pt, n, CCAKIT_JWE_FLATTENED);
		free(pt);
	}
	free(built);
	return 0;
}
