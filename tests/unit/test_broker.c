/*
 * Unit tests: key broker challenges (memory and SQLite), secrets, RSA
 * wrapping, the demo's reference-values file.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <ccakit/broker.h>
#include <ccakit/bytes.h>
#include <ccakit/err.h>

#include "testutil.h"
#include "util/util.h"

#define JWK_1024 "{\"kty\":\"RSA\",\"alg\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}"

/* --- helpers --- */

static char *
mkdtemp_or_fail(void)
{
	char tmpl[] = "/tmp/ccakit-broker-XXXXXX";
	char *p;

	assert_non_null(mkdtemp(tmpl));
	assert_non_null(p = strdup(tmpl));
	return p;
}

static void
rm_tree(const char *dir)
{
	DIR *dp;
	struct dirent *de;
	char path[4096];

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) != 0)
			rm_tree(path);
	}
	closedir(dp);
	rmdir(dir);
}

static void
write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "wb"));
	if (len > 0)
		assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* --- names --- */

static void
test_name_valid(void **state)
{
	static const char *const good[] = {
		"skywalker", "a", "A-Z_0.9", "key.v2",
	};
	static const char *const bad[] = {
		"", ".hidden", "a/b", "a b", "sky\nwalker", "é", "a%2f",
		"..", "a\\b",
	};
	char longname[CCAKIT_BROKER_NAME_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(ccakit_broker_name_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ccakit_broker_name_valid(bad[i]));
	assert_false(ccakit_broker_name_valid(NULL));
	memset(longname, 'k', sizeof(longname));
	longname[CCAKIT_BROKER_NAME_MAX] = '\0';
	assert_true(ccakit_broker_name_valid(longname));
	longname[CCAKIT_BROKER_NAME_MAX] = 'k';
	longname[CCAKIT_BROKER_NAME_MAX + 1] = '\0';
	assert_false(ccakit_broker_name_valid(longname));
}

/* --- challenges --- */

struct fixture {
	char *dir;
	char db[4096];
};

static int
setup_dir(void **state)
{
	struct fixture *f;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->dir = mkdtemp_or_fail();
	snprintf(f->db, sizeof(f->db), "%s/kb.db", f->dir);
	*state = f;
	return 0;
}

static int
teardown_dir(void **state)
{
	struct fixture *f = *state;

	rm_tree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static ccakit_chstore *
open_sqlite(const char *path)
{
	struct ccakit_errdetail d;
	ccakit_chstore *s = NULL;

	memset(&d, 0, sizeof(d));
	if (ccakit_chstore_open_sqlite(path, &s, &d) != CCAKIT_OK)
		fail_msg("open %s: %s", path, d.text);
	return s;
}

static void
check_issue_redeem(ccakit_chstore *s)
{
	struct ccakit_challenge c, c2, r;
	struct ccakit_errdetail d;
	size_t n;

	assert_int_equal(ccakit_chstore_issue(s, "skywalker", "{\"k\":1}",
	    NULL, &c), CCAKIT_OK);
	assert_int_not_equal(c.id, 0);
	assert_string_equal(c.key, "skywalker");
	assert_string_equal(c.wrapkey, "{\"k\":1}");
	assert_int_equal(c.expires - c.created, CCAKIT_CHALLENGE_TTL_DEFAULT);
	assert_int_equal(ccakit_chstore_issue(s, "other", "{}", NULL, &c2),
	    CCAKIT_OK);
	assert_int_not_equal(c.id, c2.id);
	assert_memory_not_equal(c.nonce, c2.nonce, sizeof(c.nonce));
	assert_int_equal(ccakit_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 2);

	memset(&r, 0, sizeof(r));
	assert_int_equal(ccakit_chstore_redeem(s, c.id, &r, NULL), CCAKIT_OK);
	assert_memory_equal(&r, &c, sizeof(c));
	/* Single use. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_chstore_redeem(s, c.id, &r, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_non_null(strstr(d.text, "unknown or already"));
	assert_int_equal(ccakit_chstore_redeem(s, c.id ^ 1u, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_chstore_redeem(s, 0, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ccakit_chstore_redeem(s, c2.id, &r, NULL),
	    CCAKIT_OK);
	assert_string_equal(r.key, "other");
}

static void
check_args(ccakit_chstore *s)
{
	struct ccakit_challenge c;
	char *big;

	assert_int_equal(ccakit_chstore_issue(s, "", "{}", NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_chstore_issue(s, "a/b", "{}", NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_chstore_issue(s, "k", "", NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_chstore_issue(s, "k", NULL, NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_non_null(big = malloc(CCAKIT_WRAPKEY_JWK_MAX + 2));
	memset(big, 'x', CCAKIT_WRAPKEY_JWK_MAX + 1);
	big[CCAKIT_WRAPKEY_JWK_MAX + 1] = '\0';
	assert_int_equal(ccakit_chstore_issue(s, "k", big, NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	big[CCAKIT_WRAPKEY_JWK_MAX] = '\0';
	assert_int_equal(ccakit_chstore_issue(s, "k", big, NULL, &c),
	    CCAKIT_OK);
	assert_int_equal(strlen(c.wrapkey), CCAKIT_WRAPKEY_JWK_MAX);
	free(big);
	assert_int_equal(ccakit_chstore_set_ttl(s, 0), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_chstore_set_ttl(s,
	    CCAKIT_CHALLENGE_TTL_MAX + 1), CCAKIT_ERR_INVALID_ARG);
}

static void
test_memory_basic(void **state)
{
	ccakit_chstore *s;

	(void)state;
	assert_non_null(s = ccakit_chstore_new_memory());
	check_issue_redeem(s);
	check_args(s);
	ccakit_chstore_free(&s);
	assert_null(s);
	ccakit_chstore_free(&s);
}

static void
test_sqlite_basic(void **state)
{
	struct fixture *f = *state;
	ccakit_chstore *s;
	struct stat sb;

	s = open_sqlite(f->db);
	check_issue_redeem(s);
	check_args(s);
	ccakit_chstore_free(&s);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_sqlite_open_fails(void **state)
{
	struct fixture *f = *state;
	struct ccakit_errdetail d;
	ccakit_chstore *s = NULL;
	char path[4096];

	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/missing/kb.db", f->dir);
	assert_int_equal(ccakit_chstore_open_sqlite(path, &s, &d),
	    CCAKIT_ERR_IO);
	assert_null(s);
	/* Not a database. */
	write_file(f->dir, "junk.db", "this is not a database file, at all."
	    " this is not a database file, at all. this is not a database "
	    "file, at all. ", 111);
	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	assert_int_not_equal(ccakit_chstore_open_sqlite(path, &s, &d),
	    CCAKIT_OK);
	assert_null(s);
}

/* A settable clock. */
static int64_t
fake_now(void *arg)
{
	return *(int64_t *)arg;
}

static void
check_expiry(ccakit_chstore *s)
{
	struct ccakit_challenge a, b, c, r;
	struct ccakit_errdetail d;
	int64_t now = 1000000;
	size_t n;

	ccakit_chstore_set_clock(s, fake_now, &now);
	assert_int_equal(ccakit_chstore_set_ttl(s, 300), CCAKIT_OK);
	assert_int_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &a),
	    CCAKIT_OK);
	assert_int_equal(a.created, 1000000);
	assert_int_equal(a.expires, 1000300);
	assert_int_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &b),
	    CCAKIT_OK);
	now += 100;
	assert_int_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_OK);
	/* Still valid one second before expiry. */
	now = 1000299;
	assert_int_equal(ccakit_chstore_redeem(s, a.id, &r, NULL), CCAKIT_OK);
	/* Expired at exactly created + TTL, and consumed. */
	now = 1000300;
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_chstore_redeem(s, b.id, &r, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_string_equal(d.text, "expired");
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_chstore_redeem(s, b.id, &r, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_non_null(strstr(d.text, "unknown"));
	/* Purge removes only what expired. */
	assert_int_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &b),
	    CCAKIT_OK);
	now = 1000400;
	assert_int_equal(ccakit_chstore_purge(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ccakit_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ccakit_chstore_redeem(s, c.id, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_chstore_redeem(s, b.id, &r, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_chstore_purge(s, NULL), CCAKIT_OK);
	ccakit_chstore_set_clock(s, NULL, NULL);
}

static void
test_memory_expiry(void **state)
{
	ccakit_chstore *s;

	(void)state;
	assert_non_null(s = ccakit_chstore_new_memory());
	check_expiry(s);
	ccakit_chstore_free(&s);
}

static void
test_sqlite_expiry(void **state)
{
	struct fixture *f = *state;
	ccakit_chstore *s;

	s = open_sqlite(f->db);
	check_expiry(s);
	ccakit_chstore_free(&s);
}

static void
test_mock_nonce(void **state)
{
	struct fixture *f = *state;
	struct ccakit_challenge c, d1, r;
	uint8_t nonce[CCAKIT_CHALLENGE_LEN];
	size_t len = sizeof(nonce), i;
	ccakit_chstore *s;

	/* A caller's fixed nonce, as in the demo's mock mode. */
	for (i = 0; i < len; i++)
		nonce[i] = (uint8_t)(0x6e ^ i);
	s = open_sqlite(f->db);
	assert_int_equal(ccakit_chstore_issue(s, "skywalker", "{}", nonce,
	    &c), CCAKIT_OK);
	assert_int_equal(ccakit_chstore_issue(s, "skywalker", "{}", nonce,
	    &d1), CCAKIT_OK);
	assert_int_not_equal(c.id, d1.id);
	assert_memory_equal(c.nonce, nonce, len);
	assert_int_equal(ccakit_chstore_redeem(s, d1.id, &r, NULL),
	    CCAKIT_OK);
	assert_memory_equal(r.nonce, nonce, len);
	ccakit_chstore_free(&s);
}

/* A restart is a close and a reopen of the file. */
static void
test_sqlite_restart(void **state)
{
	struct fixture *f = *state;
	struct ccakit_challenge c[3], r;
	ccakit_chstore *s;
	size_t n, i;

	s = open_sqlite(f->db);
	for (i = 0; i < 3; i++)
		assert_int_equal(ccakit_chstore_issue(s, "skywalker",
		    "{\"kty\":\"RSA\"}", NULL, &c[i]), CCAKIT_OK);
	assert_int_equal(ccakit_chstore_redeem(s, c[0].id, &r, NULL),
	    CCAKIT_OK);
	ccakit_chstore_free(&s);

	s = open_sqlite(f->db);
	assert_int_equal(ccakit_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(ccakit_chstore_redeem(s, c[0].id, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_chstore_redeem(s, c[2].id, &r, NULL),
	    CCAKIT_OK);
	assert_memory_equal(&r, &c[2], sizeof(r));
	ccakit_chstore_free(&s);

	s = open_sqlite(f->db);
	assert_int_equal(ccakit_chstore_redeem(s, c[2].id, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_chstore_redeem(s, c[1].id, &r, NULL),
	    CCAKIT_OK);
	assert_memory_equal(&r, &c[1], sizeof(r));
	assert_int_equal(ccakit_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 0);
	ccakit_chstore_free(&s);
}

/*
 * The file deleted, or replaced by a rename, or its -wal deleted, under
 * an open handle: writes would go to an unlinked file and be lost, so
 * issue, redeem and purge refuse with CCAKIT_ERR_DB_GONE (and keep doing
 * so); reads still answer.
 */
static void
check_gone(const char *db, const char *what, void (*lose)(const char *))
{
	struct ccakit_challenge c, r;
	struct ccakit_errdetail d;
	ccakit_chstore *s;
	size_t n;

	s = open_sqlite(db);
	assert_int_equal(ccakit_chstore_check(s, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_chstore_issue(s, "skywalker", "{}", NULL,
	    &c), CCAKIT_OK);
	lose(db);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_chstore_check(s, &d), CCAKIT_ERR_DB_GONE);
	if (strstr(d.text, what) == NULL)
		fail_msg("detail '%s' does not say '%s'", d.text, what);
	assert_int_equal(ccakit_chstore_issue(s, "skywalker", "{}", NULL,
	    &r), CCAKIT_ERR_DB_GONE);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_chstore_redeem(s, c.id, &r, &d),
	    CCAKIT_ERR_DB_GONE);
	assert_non_null(strstr(d.text, what));
	assert_int_equal(ccakit_chstore_purge(s, &n), CCAKIT_ERR_DB_GONE);
	assert_int_equal(ccakit_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	/* Latched: a file put back at the path is not the one open. */
	assert_int_equal(ccakit_chstore_issue(s, "skywalker", "{}", NULL,
	    &r), CCAKIT_ERR_DB_GONE);
	ccakit_chstore_free(&s);
}

static void
lose_unlink(const char *db)
{
	assert_int_equal(unlink(db), 0);
}

static void
lose_rename(const char *db)
{
	char tmp[4200];

	snprintf(tmp, sizeof(tmp), "%s.new", db);
	write_file("/", tmp, "", 0);
	assert_int_equal(rename(tmp, db), 0);
}

static void
lose_wal(const char *db)
{
	char wal[4200];

	snprintf(wal, sizeof(wal), "%s-wal", db);
	assert_int_equal(unlink(wal), 0);
	/* -wal and -shm are looked at once a second. */
	usleep(1100 * 1000);
}

static void
test_sqlite_file_gone(void **state)
{
	struct fixture *f = *state;
	ccakit_chstore *s;
	char db[4200];

	snprintf(db, sizeof(db), "%s/a.db", f->dir);
	check_gone(db, "the file was deleted", lose_unlink);
	snprintf(db, sizeof(db), "%s/b.db", f->dir);
	check_gone(db, "the file was replaced", lose_rename);
	snprintf(db, sizeof(db), "%s/c.db", f->dir);
	check_gone(db, "its -wal file was deleted", lose_wal);
	/* The memory backend has no file to lose. */
	assert_non_null(s = ccakit_chstore_new_memory());
	assert_int_equal(ccakit_chstore_check(s, NULL), CCAKIT_OK);
	ccakit_chstore_free(&s);
}

/* A new file is 0600 whatever the umask. */
static void
test_sqlite_mode(void **state)
{
	struct fixture *f = *state;
	ccakit_chstore *s;
	struct stat sb;
	mode_t old;

	old = umask(0277);
	s = open_sqlite(f->db);
	umask(old);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	check_issue_redeem(s);
	ccakit_chstore_free(&s);
}

/* --- concurrency: every challenge is redeemed exactly once --- */

#define RACE_THREADS 8
#define RACE_CHALLENGES 200

struct race {
	ccakit_chstore *shared;         /* one handle for all, or NULL */
	const char *db;                 /* else one SQLite handle each */
	uint32_t ids[RACE_CHALLENGES];
	unsigned wins[RACE_CHALLENGES];
	unsigned errors;
	pthread_mutex_t mu;
	pthread_barrier_t go;
};

static void *
race_thread(void *arg)
{
	struct race *rc = arg;
	struct ccakit_challenge r;
	ccakit_chstore *s = rc->shared;
	size_t i;
	int e;

	if (s == NULL && ccakit_chstore_open_sqlite(rc->db, &s, NULL) !=
	    CCAKIT_OK) {
		pthread_mutex_lock(&rc->mu);
		rc->errors++;
		pthread_mutex_unlock(&rc->mu);
		pthread_barrier_wait(&rc->go);
		return NULL;
	}
	pthread_barrier_wait(&rc->go);
	for (i = 0; i < RACE_CHALLENGES; i++) {
		e = ccakit_chstore_redeem(s, rc->ids[i], &r, NULL);
		pthread_mutex_lock(&rc->mu);
		if (e == CCAKIT_OK && r.id == rc->ids[i])
			rc->wins[i]++;
		else if (e != CCAKIT_ERR_NOT_FOUND)
			rc->errors++;
		pthread_mutex_unlock(&rc->mu);
	}
	if (rc->shared == NULL)
		ccakit_chstore_free(&s);
	return NULL;
}

static void
run_race(ccakit_chstore *issuer, ccakit_chstore *shared, const char *db)
{
	struct race *rc;
	struct ccakit_challenge c;
	pthread_t th[RACE_THREADS];
	size_t i, n;

	assert_non_null(rc = calloc(1, sizeof(*rc)));
	rc->shared = shared;
	rc->db = db;
	assert_int_equal(pthread_mutex_init(&rc->mu, NULL), 0);
	assert_int_equal(pthread_barrier_init(&rc->go, NULL, RACE_THREADS),
	    0);
	for (i = 0; i < RACE_CHALLENGES; i++) {
		assert_int_equal(ccakit_chstore_issue(issuer, "k", "{}", NULL,
		    &c), CCAKIT_OK);
		rc->ids[i] = c.id;
	}
	for (i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_thread,
		    rc), 0);
	for (i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(rc->errors, 0);
	for (i = 0; i < RACE_CHALLENGES; i++)
		if (rc->wins[i] != 1)
			fail_msg("challenge %zu redeemed %u times", i,
			    rc->wins[i]);
	assert_int_equal(ccakit_chstore_count(issuer, &n), CCAKIT_OK);
	assert_int_equal(n, 0);
	pthread_barrier_destroy(&rc->go);
	pthread_mutex_destroy(&rc->mu);
	free(rc);
}

static void
test_race_memory(void **state)
{
	ccakit_chstore *s;

	(void)state;
	assert_non_null(s = ccakit_chstore_new_memory());
	run_race(s, s, NULL);
	ccakit_chstore_free(&s);
}

static void
test_race_sqlite_shared(void **state)
{
	struct fixture *f = *state;
	ccakit_chstore *s;

	s = open_sqlite(f->db);
	run_race(s, s, NULL);
	ccakit_chstore_free(&s);
}

/* One connection per thread: atomicity comes from SQLite itself. */
static void
test_race_sqlite_connections(void **state)
{
	struct fixture *f = *state;
	ccakit_chstore *s;

	s = open_sqlite(f->db);
	run_race(s, NULL, f->db);
	ccakit_chstore_free(&s);
}

/* --- a custom backend --- */

struct custom {
	unsigned inserts, collisions, closed;
	int fail;
};

static int
cu_insert(void *ctx, const struct ccakit_challenge *c, bool *exists)
{
	struct custom *cu = ctx;

	(void)c;
	if (cu->fail)
		return CCAKIT_ERR_IO;
	cu->inserts++;
	*exists = cu->inserts <= cu->collisions;
	return CCAKIT_OK;
}

static int
cu_take(void *ctx, uint32_t id, struct ccakit_challenge *out)
{
	(void)ctx;
	(void)id;
	(void)out;
	return CCAKIT_ERR_IO;
}

static int
cu_purge(void *ctx, int64_t now, size_t *n)
{
	(void)ctx;
	(void)now;
	*n = 0;
	return CCAKIT_OK;
}

static int
cu_count(void *ctx, size_t *n)
{
	*n = ((struct custom *)ctx)->inserts;
	return CCAKIT_OK;
}

static void
cu_close(void *ctx)
{
	((struct custom *)ctx)->closed++;
}

static void
test_custom_backend(void **state)
{
	struct ccakit_chstore_ops ops = {
		cu_insert, cu_take, cu_purge, cu_count, cu_close,
	};
	struct ccakit_chstore_ops bad = ops;
	struct ccakit_challenge c;
	struct ccakit_errdetail d;
	struct custom cu;
	ccakit_chstore *s;

	(void)state;
	bad.take = NULL;
	assert_null(ccakit_chstore_new_custom(&bad, &cu));
	memset(&cu, 0, sizeof(cu));
	assert_non_null(s = ccakit_chstore_new_custom(&ops, &cu));
	/* Id collisions: another id is drawn. */
	cu.collisions = 3;
	assert_int_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_OK);
	assert_int_equal(cu.inserts, 4);
	/* Always colliding: gives up. */
	cu.inserts = 0;
	cu.collisions = 1000;
	assert_int_not_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_OK);
	cu.fail = 1;
	assert_int_equal(ccakit_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_ERR_IO);
	/* A storage failure is not "not found". */
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_chstore_redeem(s, 7, &c, &d), CCAKIT_ERR_IO);
	ccakit_chstore_free(&s);
	assert_int_equal(cu.closed, 1);
}

/* --- secrets --- */

static void
test_secrets_basic(void **state)
{
	ccakit_secrets *s;
	const uint8_t *v;
	size_t len;

	(void)state;
	assert_non_null(s = ccakit_secrets_new());
	assert_int_equal(ccakit_secrets_add_demo(s), CCAKIT_OK);
	assert_int_equal(ccakit_secrets_get(s, "skywalker", &v, &len),
	    CCAKIT_OK);
	assert_int_equal(len, 26);
	assert_memory_equal(v, "May the force be with you.", 26);
	assert_int_equal(ccakit_secrets_add_demo(s), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_get(s, "vader", &v, &len),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_secrets_add(s, "bin", (const uint8_t *)"\0\1",
	    2), CCAKIT_OK);
	assert_int_equal(ccakit_secrets_get(s, "bin", &v, &len), CCAKIT_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(v, "\0\1", 2);
	assert_int_equal(ccakit_secrets_add(s, "bad/name",
	    (const uint8_t *)"x", 1), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_add(s, "empty", (const uint8_t *)"",
	    0), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_count(s), 2);
	ccakit_secrets_free(&s);
	assert_null(s);
}

static void
test_secrets_files(void **state)
{
	struct fixture *f = *state;
	struct ccakit_errdetail d;
	ccakit_secrets *s;
	const uint8_t *v;
	char spec[4096], sub[4096];
	uint8_t *big;
	size_t len;

	write_file(f->dir, "alpha", "one\n", 4);
	write_file(f->dir, "beta", "two", 3);
	write_file(f->dir, ".hidden", "x", 1);
	snprintf(sub, sizeof(sub), "%s/subdir", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	assert_non_null(s = ccakit_secrets_new());
	memset(&d, 0, sizeof(d));
	if (ccakit_secrets_load_dir(s, f->dir, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(ccakit_secrets_count(s), 2);
	assert_int_equal(ccakit_secrets_get(s, "alpha", &v, &len), CCAKIT_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "one\n", 4);
	assert_int_equal(ccakit_secrets_get(s, ".hidden", &v, &len),
	    CCAKIT_ERR_NOT_FOUND);
	/* Loading the same names again fails, all or nothing. */
	assert_int_equal(ccakit_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_count(s), 2);

	/* name=path */
	snprintf(spec, sizeof(spec), "gamma=%s/beta", f->dir);
	assert_int_equal(ccakit_secrets_load_spec(s, spec, &d), CCAKIT_OK);
	assert_int_equal(ccakit_secrets_get(s, "gamma", &v, &len), CCAKIT_OK);
	assert_memory_equal(v, "two", 3);
	assert_int_equal(ccakit_secrets_load_spec(s, "nopath", &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_load_spec(s, "x=", &d),
	    CCAKIT_ERR_INVALID_ARG);
	snprintf(spec, sizeof(spec), "=%s/beta", f->dir);
	assert_int_equal(ccakit_secrets_load_spec(s, spec, &d),
	    CCAKIT_ERR_INVALID_ARG);
	snprintf(spec, sizeof(spec), "a b=%s/beta", f->dir);
	assert_int_equal(ccakit_secrets_load_spec(s, spec, &d),
	    CCAKIT_ERR_INVALID_ARG);
	snprintf(spec, sizeof(spec), "delta=%s/missing", f->dir);
	assert_int_equal(ccakit_secrets_load_spec(s, spec, &d),
	    CCAKIT_ERR_IO);
	assert_int_equal(ccakit_secrets_load_file(s, "sub", sub, &d),
	    CCAKIT_ERR_IO);
	assert_int_equal(ccakit_secrets_count(s), 3);
	ccakit_secrets_free(&s);

	/* An empty file, an oversized file, an invalid name: the whole
	 * directory load fails and nothing stays. */
	assert_non_null(s = ccakit_secrets_new());
	write_file(f->dir, "empty", "", 0);
	assert_int_equal(ccakit_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_count(s), 0);
	snprintf(spec, sizeof(spec), "%s/empty", f->dir);
	assert_int_equal(unlink(spec), 0);
	assert_non_null(big = calloc(1, CCAKIT_SECRET_MAX + 1));
	write_file(f->dir, "big", big, CCAKIT_SECRET_MAX + 1);
	free(big);
	assert_int_equal(ccakit_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(ccakit_secrets_count(s), 0);
	snprintf(spec, sizeof(spec), "%s/big", f->dir);
	assert_int_equal(unlink(spec), 0);
	write_file(f->dir, "bad name", "x", 1);
	assert_int_equal(ccakit_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_secrets_count(s), 0);
	snprintf(spec, sizeof(spec), "%s/nodir", f->dir);
	assert_int_equal(ccakit_secrets_load_dir(s, spec, &d), CCAKIT_ERR_IO);
	ccakit_secrets_free(&s);
}

/* --- wrapping --- */

static EVP_PKEY *rsa_keys[4];
static const unsigned rsa_bits[4] = { 1024, 2048, 3072, 4096 };

static int
setup_rsa(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		if ((rsa_keys[i] = EVP_RSA_gen(rsa_bits[i])) == NULL)
			return -1;
	return 0;
}

static int
teardown_rsa(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		EVP_PKEY_free(rsa_keys[i]);
	return 0;
}

static char *
b64url_bn(EVP_PKEY *pk, const char *param)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	char *s;
	int n;

	assert_int_equal(EVP_PKEY_get_bn_param(pk, param, &bn), 1);
	n = BN_bn2bin(bn, buf);
	assert_true(n > 0);
	assert_non_null(s = malloc(ccakit_b64_encoded_len((size_t)n,
	    CCAKIT_B64_URL) + 1));
	assert_int_equal(ccakit_b64_encode(buf, (size_t)n, CCAKIT_B64_URL, s,
	    ccakit_b64_encoded_len((size_t)n, CCAKIT_B64_URL) + 1),
	    CCAKIT_OK);
	BN_free(bn);
	return s;
}

static char *
jwk_of(EVP_PKEY *pk, const char *alg)
{
	char *n, *e, *j;
	size_t sz;

	n = b64url_bn(pk, OSSL_PKEY_PARAM_RSA_N);
	e = b64url_bn(pk, OSSL_PKEY_PARAM_RSA_E);
	sz = strlen(n) + strlen(e) + strlen(alg) + 64;
	assert_non_null(j = malloc(sz));
	snprintf(j, sz, JWK_1024, alg, n, e);
	free(n);
	free(e);
	return j;
}

/* Decrypt with OpenSSL; md NULL means PKCS#1 v1.5. */
static int
rsa_decrypt(EVP_PKEY *pk, const char *md, const char *mgf1,
    const uint8_t *ct, size_t ctlen, uint8_t *pt, size_t *ptlen)
{
	EVP_PKEY_CTX *ctx;
	size_t outl = *ptlen;
	int ok;

	assert_non_null(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL));
	assert_int_equal(EVP_PKEY_decrypt_init(ctx), 1);
	if (md == NULL) {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_PADDING), 1);
	} else {
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx,
		    RSA_PKCS1_OAEP_PADDING), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, md,
		    NULL), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, mgf1,
		    NULL), 1);
	}
	ok = EVP_PKEY_decrypt(ctx, pt, &outl, ct, ctlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (ok)
		*ptlen = outl;
	return ok;
}

static void
test_wrap_roundtrip(void **state)
{
	static const char *const algs[] = {
		"RSA1_5", "RSA-OAEP", "RSA-OAEP-256",
	};
	static const char secret[] = CCAKIT_SECRETS_DEMO_VALUE;
	uint8_t ct[512], pt[512], big[512];
	struct ccakit_errdetail d;
	ccakit_wrapkey *k;
	size_t i, a, ctlen, ptlen, max;
	unsigned flags;
	char *jwk;

	(void)state;
	memset(big, 0x5a, sizeof(big));
	for (i = 0; i < 4; i++) {
		for (a = 0; a < 3; a++) {
			jwk = jwk_of(rsa_keys[i], algs[a]);
			assert_non_null(k = ccakit_wrapkey_new());
			flags = rsa_bits[i] < 2048 ?
			    CCAKIT_WRAPKEY_ALLOW_1024 : 0;
			memset(&d, 0, sizeof(d));
			if (ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk), flags,
			    &d) != CCAKIT_OK)
				fail_msg("%u %s: %s", rsa_bits[i], algs[a],
				    d.text);
			assert_int_equal(ccakit_wrapkey_bits(k), rsa_bits[i]);
			assert_int_equal(ccakit_wrapkey_alg(k), (int)a + 1);
			assert_string_equal(ccakit_wrap_alg_str(
			    ccakit_wrapkey_alg(k)), algs[a]);
			assert_int_equal(ccakit_wrap(k,
			    (const uint8_t *)secret, sizeof(secret) - 1, ct,
			    sizeof(ct), &ctlen), CCAKIT_OK);
			assert_int_equal(ctlen, rsa_bits[i] / 8);
			ptlen = sizeof(pt);
			assert_true(rsa_decrypt(rsa_keys[i], a == 0 ? NULL :
			    "SHA256", "SHA256", ct, ctlen, pt, &ptlen));
			assert_int_equal(ptlen, sizeof(secret) - 1);
			assert_memory_equal(pt, secret, ptlen);
			if (a != 0) {
				/* Not JWA's SHA-1 RSA-OAEP, nor SHA-256
				 * with MGF1-SHA-1. */
				ptlen = sizeof(pt);
				assert_false(rsa_decrypt(rsa_keys[i], "SHA1",
				    "SHA1", ct, ctlen, pt, &ptlen));
				ptlen = sizeof(pt);
				assert_false(rsa_decrypt(rsa_keys[i],
				    "SHA256", "SHA1", ct, ctlen, pt, &ptlen));
			}
			/* The largest secret the padding allows, and one
			 * more. */
			max = ccakit_wrapkey_max_secret(k);
			assert_int_equal(max, rsa_bits[i] / 8 -
			    (a == 0 ? 11 : 66));
			assert_int_equal(ccakit_wrap(k, big, max, ct,
			    sizeof(ct), &ctlen), CCAKIT_OK);
			ptlen = sizeof(pt);
			assert_true(rsa_decrypt(rsa_keys[i], a == 0 ? NULL :
			    "SHA256", "SHA256", ct, ctlen, pt, &ptlen));
			assert_int_equal(ptlen, max);
			assert_memory_equal(pt, big, max);
			assert_int_equal(ccakit_wrap(k, big, max + 1, ct,
			    sizeof(ct), &ctlen), CCAKIT_ERR_TOO_LARGE);
			assert_int_equal(ccakit_wrap(k, big, 1, ct,
			    rsa_bits[i] / 8 - 1, &ctlen),
			    CCAKIT_ERR_BUFFER_TOO_SMALL);
			ccakit_wrapkey_free(&k);
			free(jwk);
		}
	}
}

/* The demo client's key is RSA-1024: refused unless allowed. */
static void
test_wrap_1024_needs_flag(void **state)
{
	struct ccakit_errdetail d;
	ccakit_wrapkey *k;
	char *jwk;

	(void)state;
	jwk = jwk_of(rsa_keys[0], "RSA1_5");
	assert_non_null(k = ccakit_wrapkey_new());
	memset(&d, 0, sizeof(d));
	assert_int_equal(ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk), 0, &d),
	    CCAKIT_ERR_KEY_INVALID);
	assert_non_null(strstr(d.text, "RSA-1024"));
	assert_int_equal(ccakit_wrapkey_bits(k), 0);
	assert_int_equal(ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk), 0x80,
	    &d), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_wrapkey_from_jwk(k, jwk, strlen(jwk),
	    CCAKIT_WRAPKEY_ALLOW_1024, &d), CCAKIT_OK);
	ccakit_wrapkey_free(&k);
	free(jwk);
}

/* base64url of n bytes: top byte `top`, then 0x55..., last byte `last`. */
static char *
fake_modulus(size_t n, uint8_t top, uint8_t last)
{
	uint8_t *b;
	char *s;
	size_t sl = ccakit_b64_encoded_len(n, CCAKIT_B64_URL) + 1;

	assert_non_null(b = malloc(n));
	memset(b, 0x55, n);
	b[0] = top;
	b[n - 1] = last;
	assert_non_null(s = malloc(sl));
	assert_int_equal(ccakit_b64_encode(b, n, CCAKIT_B64_URL, s, sl),
	    CCAKIT_OK);
	free(b);
	return s;
}

static int
try_jwk(const char *fmt, ...) CKI_PRINTF(1, 2);

static int
try_jwk(const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	ccakit_wrapkey *k;
	int r;

	va_start(ap, fmt);
	assert_true(vsnprintf(buf, sizeof(buf), fmt, ap) < (int)sizeof(buf));
	va_end(ap);
	assert_non_null(k = ccakit_wrapkey_new());
	r = ccakit_wrapkey_from_jwk(k, buf, strlen(buf), 0, NULL);
	ccakit_wrapkey_free(&k);
	return r;
}

static void
test_wrap_refusals(void **state)
{
	char *n2048, *n2047, *neven, *n8192, *n8200, *nz;
	char *good;
	ccakit_wrapkey *k;

	(void)state;
	n2048 = fake_modulus(256, 0xc1, 0x01);
	n2047 = fake_modulus(256, 0x41, 0x01);
	neven = fake_modulus(256, 0xc1, 0x02);
	n8192 = fake_modulus(1024, 0x81, 0x01);
	n8200 = fake_modulus(1025, 0x01, 0x01);
	nz = fake_modulus(257, 0x00, 0x01);

	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-256", n2048, "AQAB"),
	    CCAKIT_OK);
	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-256", n8192, "AQAB"),
	    CCAKIT_OK);
	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-256", n2048, "Aw"),
	    CCAKIT_OK);
	/* Sizes. */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2047, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n8200, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	/* Values. */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", neven, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQ"),
	    CCAKIT_ERR_KEY_INVALID);            /* e = 1 */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "Ag"),
	    CCAKIT_ERR_KEY_INVALID);            /* e = 2 */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQAA"),
	    CCAKIT_ERR_KEY_INVALID);            /* e = 65536 */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AAEAAQ"),
	    CCAKIT_ERR_ENCODING);               /* leading zero */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048,
	    "AQEBAQEBAQEB"), CCAKIT_ERR_KEY_INVALID); /* e of 9 octets */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", nz, "AQAB"),
	    CCAKIT_ERR_ENCODING);               /* n not minimal */
	/* Encodings. */
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQAB=="),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, "AQ+B"),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(try_jwk(JWK_1024, "RSA1_5", n2048, ""),
	    CCAKIT_ERR_ENCODING);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s=\",\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_ENCODING);
	/* Algorithms and key types. */
	assert_int_equal(try_jwk(JWK_1024, "RSA-OAEP-384", n2048, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "none", n2048, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk(JWK_1024, "rsa1_5", n2048, "AQAB"),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"EC\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"alg\":\"RSA1_5\",\"n\":\"%s\","
	    "\"e\":\"AQAB\"}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\"}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":65537}", n2048), CCAKIT_ERR_JSON);
	/* Private members, use, duplicates, other members. */
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"d\":\"AQAB\"}", n2048),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"use\":\"sig\"}", n2048),
	    CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"use\":\"enc\",\"kid\":\"x\"}",
	    n2048), CCAKIT_OK);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\",\"e\":\"Aw\"}", n2048),
	    CCAKIT_ERR_JSON);
	/* Not JSON, not an object, trailing bytes. */
	assert_int_equal(try_jwk("[\"%s\"]", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("{\"kty\":\"RSA\",\"alg\":\"RSA1_5\","
	    "\"n\":\"%s\",\"e\":\"AQAB\"} {}", n2048), CCAKIT_ERR_JSON);
	assert_int_equal(try_jwk("%s", ""), CCAKIT_ERR_JSON);

	/* A failed parse leaves a loaded key as it was. */
	assert_non_null(k = ccakit_wrapkey_new());
	assert_non_null(good = malloc(4096));
	snprintf(good, 4096, JWK_1024, "RSA-OAEP", n2048, "AQAB");
	assert_int_equal(ccakit_wrapkey_from_jwk(k, good, strlen(good), 0,
	    NULL), CCAKIT_OK);
	snprintf(good, 4096, JWK_1024, "RSA1_5", n2047, "AQAB");
	assert_int_equal(ccakit_wrapkey_from_jwk(k, good, strlen(good), 0,
	    NULL), CCAKIT_ERR_KEY_INVALID);
	assert_int_equal(ccakit_wrapkey_alg(k), CCAKIT_WRAP_RSA_OAEP);
	assert_int_equal(ccakit_wrapkey_bits(k), 2048);
	/* Oversized input. */
	assert_int_equal(ccakit_wrapkey_from_jwk(k, good,
	    CCAKIT_WRAPKEY_JWK_MAX + 1, 0, NULL), CCAKIT_ERR_TOO_LARGE);
	free(good);
	ccakit_wrapkey_free(&k);
	/* No key loaded. */
	assert_non_null(k = ccakit_wrapkey_new());
	assert_int_equal(ccakit_wrapkey_max_secret(k), 0);
	{
		uint8_t out[16];
		size_t olen;

		assert_int_equal(ccakit_wrap(k, (const uint8_t *)"x", 1, out,
		    sizeof(out), &olen), CCAKIT_ERR_INVALID_ARG);
	}
	ccakit_wrapkey_free(&k);
	free(n2048);
	free(n2047);
	free(neven);
	free(n8192);
	free(n8200);
	free(nz);
}

/* --- reference values --- */

static const char example_rim_b64[] =
    "MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZUu+hk4wDUk=";

static int
load_rv(ccakit_refvals *r, const char *json)
{
	return ccakit_refvals_load_json(r, json, strlen(json), NULL);
}

static void
test_refvals_vectors(void **state)
{
	ccakit_refvals *r;
	uint8_t rim[32];
	const uint8_t *p;
	uint8_t *j;
	size_t len, rlen;

	(void)state;
	tu_need_vectors("keybroker-demo");
	assert_int_equal(ccakit_b64_decode(example_rim_b64,
	    strlen(example_rim_b64), CCAKIT_B64_STD, rim, sizeof(rim), &rlen),
	    CCAKIT_OK);
	assert_non_null(r = ccakit_refvals_new());
	j = tu_read_vector("keybroker-demo/rims-matching.json", &len);
	assert_int_equal(ccakit_refvals_load_json(r, (char *)j, len, NULL),
	    CCAKIT_OK);
	free(j);
	assert_true(ccakit_refvals_count(r) >= 1);
	assert_true(ccakit_refvals_contains(r, rim, sizeof(rim)));
	assert_string_equal(ccakit_refvals_get_b64(r, 0), example_rim_b64);
	assert_non_null(p = ccakit_refvals_get(r, 0, &len));
	assert_int_equal(len, 32);
	assert_memory_equal(p, rim, 32);
	assert_null(ccakit_refvals_get(r, ccakit_refvals_count(r), &len));
	assert_null(ccakit_refvals_get_b64(r, ccakit_refvals_count(r)));
	ccakit_refvals_free(&r);

	assert_non_null(r = ccakit_refvals_new());
	j = tu_read_vector("keybroker-demo/rims-not-matching.json", &len);
	assert_int_equal(ccakit_refvals_load_json(r, (char *)j, len, NULL),
	    CCAKIT_OK);
	free(j);
	assert_true(ccakit_refvals_count(r) >= 1);
	assert_false(ccakit_refvals_contains(r, rim, sizeof(rim)));
	/* The dynamic-RIM cache adds values at run time. */
	assert_int_equal(ccakit_refvals_add(r, rim, sizeof(rim)), CCAKIT_OK);
	assert_int_equal(ccakit_refvals_add(r, rim, sizeof(rim)), CCAKIT_OK);
	assert_true(ccakit_refvals_contains(r, rim, sizeof(rim)));
	assert_string_equal(ccakit_refvals_get_b64(r,
	    ccakit_refvals_count(r) - 1), example_rim_b64);
	assert_int_equal(ccakit_refvals_add(r, rim, 31),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_refvals_free(&r);
	assert_null(r);
}

static void
test_refvals_strict(void **state)
{
	static const struct {
		const char *json;
		int err;
	} bad[] = {
		{ "", CCAKIT_ERR_JSON },
		{ "[]", CCAKIT_ERR_JSON },
		{ "{}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":[]}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":\"x\"}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":[1]}", CCAKIT_ERR_JSON },
		{ "{\"reference-value\":[\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZU"
		    "u+hk4wDUk=\"]}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":[\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZ"
		    "Uu+hk4wDUk=\"],\"x\":1}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":[\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZ"
		    "Uu+hk4wDUk=\"],\"reference-values\":[]}", CCAKIT_ERR_JSON },
		/* unpadded, URL alphabet, non-canonical, whitespace */
		{ "{\"reference-values\":[\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZ"
		    "Uu+hk4wDUk\"]}", CCAKIT_ERR_ENCODING },
		{ "{\"reference-values\":[\"MRMUq3NiA1DPdYg0rlxl2ejC3H_r5ufZZ"
		    "Uu-hk4wDUk=\"]}", CCAKIT_ERR_ENCODING },
		{ "{\"reference-values\":[\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZ"
		    "Uu+hk4wDUl=\"]}", CCAKIT_ERR_ENCODING },
		{ "{\"reference-values\":[\" MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZ"
		    "ZUu+hk4wDUk=\"]}", CCAKIT_ERR_ENCODING },
		/* 31 bytes, 33 bytes, too long for any RIM */
		{ "{\"reference-values\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAA==\"]}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAA\"]}", CCAKIT_ERR_JSON },
		{ "{\"reference-values\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}",
		    CCAKIT_ERR_ENCODING },
	};
	ccakit_refvals *r;
	struct ccakit_errdetail d;
	size_t i;

	(void)state;
	assert_non_null(r = ccakit_refvals_new());
	assert_int_equal(load_rv(r, "{\"reference-values\":[\"MRMUq3NiA1DPdY"
	    "g0rlxl2ejC3H/r5ufZZUu+hk4wDUk=\",\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5"
	    "ufZZUu+hk4wDUk=\"]}"), CCAKIT_OK);
	assert_int_equal(ccakit_refvals_count(r), 1);
	assert_int_equal(load_rv(r, "{\"reference-values\":[\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "\"]}"), CCAKIT_OK);        /* 48 bytes */
	assert_int_equal(ccakit_refvals_count(r), 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (ccakit_refvals_load_json(r, bad[i].json,
		    strlen(bad[i].json), &d) != bad[i].err)
			fail_msg("case %zu: expected %d, got %d (%s)", i,
			    bad[i].err, d.code, d.text);
		assert_int_equal(d.code, bad[i].err);
		assert_int_equal(ccakit_refvals_count(r), 2);
	}
	/* A bad value after good ones: nothing is kept. */
	assert_int_equal(load_rv(r, "{\"reference-values\":[\"AAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAE=\", 7]}"), CCAKIT_ERR_JSON);
	assert_int_equal(ccakit_refvals_count(r), 2);
	assert_int_equal(ccakit_refvals_load_json(r, "{}",
	    CCAKIT_REFVALS_MAX_JSON + 1, NULL), CCAKIT_ERR_TOO_LARGE);
	ccakit_refvals_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_memory_basic),
		cmocka_unit_test_setup_teardown(test_sqlite_basic, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_sqlite_open_fails,
		    setup_dir, teardown_dir),
		cmocka_unit_test(test_memory_expiry),
		cmocka_unit_test_setup_teardown(test_sqlite_expiry, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_mock_nonce, setup_dir,
		    teardown_dir),
		cmocka_unit_test_setup_teardown(test_sqlite_restart,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_sqlite_file_gone,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_sqlite_mode,
		    setup_dir, teardown_dir),
		cmocka_unit_test(test_race_memory),
		cmocka_unit_test_setup_teardown(test_race_sqlite_shared,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_race_sqlite_connections,
		    setup_dir, teardown_dir),
		cmocka_unit_test(test_custom_backend),
		cmocka_unit_test(test_secrets_basic),
		cmocka_unit_test_setup_teardown(test_secrets_files, setup_dir,
		    teardown_dir),
		cmocka_unit_test(test_wrap_roundtrip),
		cmocka_unit_test(test_wrap_1024_needs_flag),
		cmocka_unit_test(test_wrap_refusals),
		cmocka_unit_test(test_refvals_vectors),
		cmocka_unit_test(test_refvals_strict),
	};

	return cmocka_run_group_tests(tests, setup_rsa, teardown_rsa);
}
