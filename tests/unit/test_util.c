/* Unit tests for lib/util: errors, hex, base64, constant-time compare. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>
#include <ccakit/hash.h>

#include "testutil.h"
#include "util/util.h"

static void
test_strerror_all_codes(void **state)
{
	static const int codes[] = { CCAKIT_ERR_CBOR_TRUNCATED,
	    CCAKIT_ERR_KEY_INVALID, CCAKIT_ERR_SIGNATURE,
	    CCAKIT_ERR_NOT_FOUND, CCAKIT_ERR_NOMEM,
	    CCAKIT_ERR_BUFFER_TOO_SMALL, CCAKIT_ERR_DB_GONE,
	    CCAKIT_ERR_DB_UNAVAILABLE, CCAKIT_ERR_CORIM_MALFORMED,
	    CCAKIT_ERR_CORIM_PROFILE, CCAKIT_ERR_XML,
	    CCAKIT_ERR_INVALID_ARG,
	    CCAKIT_ERR_INTERNAL };
	size_t i;
	int c;

	(void)state;
	assert_string_equal(ccakit_strerror(CCAKIT_OK), "success");
	assert_string_equal(ccakit_strerror(12345), "unknown error");
	/* Every code in the enum ranges has its own text. */
	for (c = CCAKIT_ERR_CBOR_TRUNCATED; c <= CCAKIT_ERR_KEY_INVALID; c++)
		assert_string_not_equal(ccakit_strerror(c), "unknown error");
	for (c = CCAKIT_ERR_SIGNATURE; c <= CCAKIT_ERR_NOT_FOUND; c++)
		assert_string_not_equal(ccakit_strerror(c), "unknown error");
	assert_string_not_equal(ccakit_strerror(CCAKIT_ERR_EVLOG_MALFORMED),
	    "unknown error");
	for (c = CCAKIT_ERR_SIGNATURE; c <= CCAKIT_ERR_DECRYPT; c++)
		assert_string_not_equal(ccakit_strerror(c), "unknown error");
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_string_not_equal(ccakit_strerror(codes[i]),
		    "unknown error");
	assert_int_equal(ccakit_err_class(CCAKIT_OK), CCAKIT_CLASS_OK);
	assert_int_equal(ccakit_err_class(CCAKIT_ERR_CBOR_TRAILING),
	    CCAKIT_CLASS_MALFORMED);
	assert_int_equal(ccakit_err_class(CCAKIT_ERR_BINDING),
	    CCAKIT_CLASS_REJECTED);
	assert_int_equal(ccakit_err_class(CCAKIT_ERR_TOO_LARGE),
	    CCAKIT_CLASS_RESOURCE);
	assert_int_equal(ccakit_err_class(CCAKIT_ERR_CRYPTO),
	    CCAKIT_CLASS_INTERNAL);
	assert_int_equal(ccakit_err_class(-5), CCAKIT_CLASS_INTERNAL);
}

static void
test_detail(void **state)
{
	struct ccakit_errdetail d;

	(void)state;
	assert_int_equal(cki_detail(NULL, CCAKIT_ERR_JSON, "x", "y"),
	    CCAKIT_ERR_JSON);
	assert_int_equal(cki_detail(&d, CCAKIT_ERR_CLAIM_MISSING, "challenge",
	    "got %d", 8), CCAKIT_ERR_CLAIM_MISSING);
	assert_int_equal(d.code, CCAKIT_ERR_CLAIM_MISSING);
	assert_string_equal(d.what, "challenge");
	assert_string_equal(d.text, "got 8");
}

static void
test_hex(void **state)
{
	uint8_t out[8];
	char s[17];
	size_t n;
	const uint8_t in[] = { 0x00, 0x7f, 0x80, 0xff, 0xab };

	(void)state;
	assert_int_equal(ccakit_hex_encode(in, sizeof(in), s, sizeof(s)), 0);
	assert_string_equal(s, "007f80ffab");
	assert_int_equal(ccakit_hex_encode(in, sizeof(in), s, 10),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_hex_decode("007F80fFab", 10, out, sizeof(out),
	    &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(out, in, 5);
	assert_int_equal(ccakit_hex_decode("abc", 3, out, sizeof(out), &n),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(ccakit_hex_decode("zz", 2, out, sizeof(out), &n),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(ccakit_hex_decode("0 ", 2, out, sizeof(out), &n),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(ccakit_hex_decode("000000", 6, out, 2, &n),
	    CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_hex_decode("", 0, out, 0, &n), 0);
	assert_int_equal(n, 0);
	/* A room without a buffer is an argument error, not a crash. */
	assert_int_equal(ccakit_hex_decode("00", 2, NULL, 1, &n),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_hex_decode("", 0, NULL, 0, &n), 0);
}

/* RFC 4648 §10 test vectors. */
static const struct {
	const char *in, *std, *url;
} rfc4648[] = {
	{ "", "", "" },
	{ "f", "Zg==", "Zg" },
	{ "fo", "Zm8=", "Zm8" },
	{ "foo", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy" },
};

static void
test_b64_rfc4648(void **state)
{
	char s[32];
	uint8_t out[32];
	size_t i, n, l;

	(void)state;
	for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		l = strlen(rfc4648[i].in);
		assert_int_equal(ccakit_b64_encode((const uint8_t *)
		    rfc4648[i].in, l, CCAKIT_B64_STD, s, sizeof(s)), 0);
		assert_string_equal(s, rfc4648[i].std);
		assert_int_equal(strlen(s),
		    ccakit_b64_encoded_len(l, CCAKIT_B64_STD));
		assert_int_equal(ccakit_b64_encode((const uint8_t *)
		    rfc4648[i].in, l, CCAKIT_B64_URL, s, sizeof(s)), 0);
		assert_string_equal(s, rfc4648[i].url);
		assert_int_equal(strlen(s),
		    ccakit_b64_encoded_len(l, CCAKIT_B64_URL));

		assert_int_equal(ccakit_b64_decode(rfc4648[i].std,
		    strlen(rfc4648[i].std), CCAKIT_B64_STD, out, sizeof(out),
		    &n), 0);
		assert_int_equal(n, l);
		assert_memory_equal(out, rfc4648[i].in, l);
		assert_int_equal(ccakit_b64_decode(rfc4648[i].url,
		    strlen(rfc4648[i].url), CCAKIT_B64_URL, out, sizeof(out),
		    &n), 0);
		assert_int_equal(n, l);
		assert_memory_equal(out, rfc4648[i].in, l);
		assert_int_equal(ccakit_b64_decode(rfc4648[i].url,
		    strlen(rfc4648[i].url), CCAKIT_B64_ANY, out, sizeof(out),
		    &n), 0);
		assert_int_equal(n, l);
		assert_int_equal(ccakit_b64_decode(rfc4648[i].std,
		    strlen(rfc4648[i].std), CCAKIT_B64_ANY, out, sizeof(out),
		    &n), 0);
		assert_int_equal(n, l);
		if (l % 3 != 0) {
			/* Padding is mandatory in STD, refused in URL. */
			assert_int_equal(ccakit_b64_decode(rfc4648[i].url,
			    strlen(rfc4648[i].url), CCAKIT_B64_STD, out,
			    sizeof(out), &n), CCAKIT_ERR_ENCODING);
			assert_int_equal(ccakit_b64_decode(rfc4648[i].std,
			    strlen(rfc4648[i].std), CCAKIT_B64_URL, out,
			    sizeof(out), &n), CCAKIT_ERR_ENCODING);
		}
	}
}

static void
test_b64_strict(void **state)
{
	static const char *bad[] = { "Z", "Zg=", "Zg===", "Z===", "Zh==",
	    "Zm9=", "Zm 9v", "Zm9v\n", "=Zm9", "Zm=v", "Zm9v====", "*m9v" };
	uint8_t out[32], all[256];
	char s[400];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ccakit_b64_decode(bad[i], strlen(bad[i]),
		    CCAKIT_B64_ANY, out, sizeof(out), &n), CCAKIT_ERR_ENCODING);
	/* Alphabets do not mix in strict modes. */
	assert_int_equal(ccakit_b64_decode("-_8=", 4, CCAKIT_B64_STD, out,
	    sizeof(out), &n), CCAKIT_ERR_ENCODING);
	assert_int_equal(ccakit_b64_decode("+/8", 3, CCAKIT_B64_URL, out,
	    sizeof(out), &n), CCAKIT_ERR_ENCODING);
	assert_int_equal(ccakit_b64_decode("Zm9vYmFy", 8, CCAKIT_B64_STD, out,
	    5, &n), CCAKIT_ERR_BUFFER_TOO_SMALL);
	assert_int_equal(ccakit_b64_decode("Zm9vYmFy", 8, CCAKIT_B64_STD, NULL,
	    6, &n), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_b64_decode("Zm9vYmFy", 8, CCAKIT_B64_STD, NULL,
	    0, &n), CCAKIT_ERR_BUFFER_TOO_SMALL);
	/* All byte values round trip in both alphabets. */
	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)i;
	assert_int_equal(ccakit_b64_encode(all, sizeof(all), CCAKIT_B64_URL,
	    s, sizeof(s)), 0);
	assert_null(strchr(s, '+'));
	assert_null(strchr(s, '='));
	{
		uint8_t back[256];
		assert_int_equal(ccakit_b64_decode(s, strlen(s),
		    CCAKIT_B64_URL, back, sizeof(back), &n), 0);
		assert_int_equal(n, sizeof(all));
		assert_memory_equal(back, all, sizeof(all));
	}
}

static void
test_ct_and_wipe(void **state)
{
	uint8_t a[4] = { 1, 2, 3, 4 }, b[4] = { 1, 2, 3, 5 };

	(void)state;
	assert_int_equal(ccakit_ct_memcmp(a, a, 4), 0);
	assert_int_not_equal(ccakit_ct_memcmp(a, b, 4), 0);
	assert_int_equal(ccakit_ct_memcmp(a, b, 3), 0);
	ccakit_wipe(b, sizeof(b));
	assert_int_equal(b[0] | b[1] | b[2] | b[3], 0);
	ccakit_wipe(NULL, 4);
}

static void
test_read_file(void **state)
{
	char path[] = "/tmp/ccakit-test-XXXXXX";
	uint8_t *buf;
	size_t len;
	FILE *f;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "wb"));
	assert_int_equal(fwrite("0123456789", 1, 10, f), 10);
	fclose(f);
	assert_int_equal(cki_read_file(path, 10, &buf, &len), 0);
	assert_int_equal(len, 10);
	assert_memory_equal(buf, "0123456789", 11);
	free(buf);
	assert_int_equal(cki_read_file(path, 9, &buf, &len),
	    CCAKIT_ERR_TOO_LARGE);
	assert_null(buf);
	unlink(path);
	assert_int_equal(cki_read_file(path, 100, &buf, &len), CCAKIT_ERR_IO);
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	assert_int_equal(lstat(path, &sb), 0);
	return sb.st_mode;
}

static void
assert_content(const char *path, const char *want)
{
	uint8_t *buf;
	size_t len;

	assert_int_equal(cki_read_file(path, 100, &buf, &len), CCAKIT_OK);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(buf, want, len);
	free(buf);
}

/*
 * Output files: a regular file (or none) replaced by a new one of the
 * mode asked, whatever the umask; a symbolic link, a device kept.
 */
static void
test_write_file(void **state)
{
	char dir[] = "/tmp/ccakit-write-XXXXXX", a[64], b[64], l[64], n[64];
	char cmd[128];
	mode_t old;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(l, sizeof(l), "%s/l", dir);
	snprintf(n, sizeof(n), "%s/n", dir);

	/* New, then replaced: a new inode (a hard link keeps the old). */
	old = umask(0);
	assert_int_equal(cki_write_file(a, "one", 3, 0600), CCAKIT_OK);
	umask(old);
	assert_int_equal(mode_of(a) & 0777, 0600);
	assert_content(a, "one");
	assert_int_equal(link(a, b), 0);
	old = umask(0277);
	assert_int_equal(cki_write_file(a, "two", 3, 0644), CCAKIT_OK);
	umask(old);
	assert_int_equal(mode_of(a) & 0777, 0644);
	assert_content(a, "two");
	assert_content(b, "one");

	/* Through a link to a regular file: in place, the link kept; made
	 * owner-only first for a private output. */
	assert_int_equal(chmod(b, 0644), 0);
	assert_int_equal(symlink("b", l), 0);
	assert_int_equal(cki_write_file(l, "three", 5, 0600), CCAKIT_OK);
	assert_true(S_ISLNK(mode_of(l)));
	assert_content(b, "three");
	assert_int_equal(mode_of(b) & 0777, 0600);
	assert_int_equal(cki_write_file(l, "4", 1, 0644), CCAKIT_OK);
	assert_content(b, "4");
	assert_int_equal(mode_of(b) & 0777, 0600);

	/* A link to /dev/null: written, kept. */
	assert_int_equal(symlink("/dev/null", n), 0);
	assert_int_equal(cki_write_file(n, "x", 1, 0644), CCAKIT_OK);
	assert_true(S_ISLNK(mode_of(n)));
	assert_true(S_ISCHR(mode_of("/dev/null")));

	/* A directory, a dangling link, no directory: errors, nothing
	 * created or left behind. */
	errno = 0;
	assert_int_equal(cki_write_file(dir, "x", 1, 0644), CCAKIT_ERR_IO);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(unlink(b), 0);
	assert_int_equal(cki_write_file(l, "x", 1, 0644), CCAKIT_ERR_IO);
	assert_int_equal(errno, ENOENT);
	snprintf(cmd, sizeof(cmd), "%s/no/such", dir);
	assert_int_equal(cki_write_file(cmd, "x", 1, 0644), CCAKIT_ERR_IO);
	assert_int_equal(cki_write_file(a, NULL, 1, 0644),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(cki_write_file(a, "x", 1, 01644),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(cki_write_file(a, "", 0, 0644), CCAKIT_OK);
	assert_content(a, "");

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l | grep -qx 3", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The one hash enum: the RMM's numbering, named-info names, lengths. */
static void
test_hash_algo(void **state)
{
	static const struct {
		enum ccakit_hash_algo a;
		int value;
		const char *name;
		size_t len;
	} t[] = {
		{ CCAKIT_HASH_SHA256, 0, "sha-256", 32 },
		{ CCAKIT_HASH_SHA512, 1, "sha-512", 64 },
		{ CCAKIT_HASH_SHA384, 2, "sha-384", 48 },
	};
	static const char *const bad[] = { "sha-25", "sha-2566", "SHA-256",
	    "sha256", "", "sha-1" };
	enum ccakit_hash_algo a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal((int)t[i].a, t[i].value);
		assert_string_equal(ccakit_hash_algo_name(t[i].a), t[i].name);
		assert_int_equal(ccakit_hash_algo_len(t[i].a), t[i].len);
		assert_int_equal(ccakit_hash_algo_from_name(t[i].name,
		    strlen(t[i].name), &a), CCAKIT_OK);
		assert_int_equal(a, t[i].a);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ccakit_hash_algo_from_name(bad[i],
		    strlen(bad[i]), &a), CCAKIT_ERR_NOT_FOUND);
	/* A prefix of a name is not the name. */
	assert_int_equal(ccakit_hash_algo_from_name("sha-256", 5, &a),
	    CCAKIT_ERR_NOT_FOUND);
	assert_null(ccakit_hash_algo_name((enum ccakit_hash_algo)7));
	assert_int_equal(ccakit_hash_algo_len((enum ccakit_hash_algo)7), 0);
	assert_int_equal(ccakit_hash_algo_from_name(NULL, 0, &a),
	    CCAKIT_ERR_INVALID_ARG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_all_codes),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_b64_rfc4648),
		cmocka_unit_test(test_b64_strict),
		cmocka_unit_test(test_ct_and_wipe),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_hash_algo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
