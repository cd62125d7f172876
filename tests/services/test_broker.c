/*
 * Unit tests: keybroker-server's challenges (memory and SQLite), secrets
 * and the demo's reference-values file. (RSA wrapping: tests/unit/
 * test_wrap.c.)
 */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ccakit/bytes.h>
#include <ccakit/err.h>

#include "broker.h"
#include "chstore.h"
#include "testutil.h"
#include "util/util.h"

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
	char longname[KBS_NAME_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(kbs_name_valid(good[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(kbs_name_valid(bad[i]));
	assert_false(kbs_name_valid(NULL));
	memset(longname, 'k', sizeof(longname));
	longname[KBS_NAME_MAX] = '\0';
	assert_true(kbs_name_valid(longname));
	longname[KBS_NAME_MAX] = 'k';
	longname[KBS_NAME_MAX + 1] = '\0';
	assert_false(kbs_name_valid(longname));
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

static kbs_chstore *
open_sqlite(const char *path)
{
	struct ccakit_errdetail d;
	kbs_chstore *s = NULL;

	memset(&d, 0, sizeof(d));
	if (kbs_chstore_open_sqlite(path, &s, &d) != CCAKIT_OK)
		fail_msg("open %s: %s", path, d.text);
	return s;
}

static void
check_issue_redeem(kbs_chstore *s)
{
	struct kbs_challenge c, c2, r;
	struct ccakit_errdetail d;
	size_t n;

	assert_int_equal(kbs_chstore_issue(s, "skywalker", "{\"k\":1}",
	    NULL, &c), CCAKIT_OK);
	assert_int_not_equal(c.id, 0);
	assert_string_equal(c.key, "skywalker");
	assert_string_equal(c.wrapkey, "{\"k\":1}");
	assert_int_equal(c.expires - c.created, KBS_CHALLENGE_TTL_DEFAULT);
	assert_int_equal(kbs_chstore_issue(s, "other", "{}", NULL, &c2),
	    CCAKIT_OK);
	assert_int_not_equal(c.id, c2.id);
	assert_memory_not_equal(c.nonce, c2.nonce, sizeof(c.nonce));
	assert_int_equal(kbs_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 2);

	memset(&r, 0, sizeof(r));
	assert_int_equal(kbs_chstore_redeem(s, c.id, &r, NULL), CCAKIT_OK);
	assert_memory_equal(&r, &c, sizeof(c));
	/* Single use. */
	memset(&d, 0, sizeof(d));
	assert_int_equal(kbs_chstore_redeem(s, c.id, &r, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_non_null(strstr(d.text, "unknown or already"));
	assert_int_equal(kbs_chstore_redeem(s, c.id ^ 1u, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(kbs_chstore_redeem(s, 0, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(kbs_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(kbs_chstore_redeem(s, c2.id, &r, NULL),
	    CCAKIT_OK);
	assert_string_equal(r.key, "other");
}

static void
check_args(kbs_chstore *s)
{
	struct kbs_challenge c;
	char *big;

	assert_int_equal(kbs_chstore_issue(s, "", "{}", NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_chstore_issue(s, "a/b", "{}", NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_chstore_issue(s, "k", "", NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_chstore_issue(s, "k", NULL, NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	assert_non_null(big = malloc(CCAKIT_WRAPKEY_JWK_MAX + 2));
	memset(big, 'x', CCAKIT_WRAPKEY_JWK_MAX + 1);
	big[CCAKIT_WRAPKEY_JWK_MAX + 1] = '\0';
	assert_int_equal(kbs_chstore_issue(s, "k", big, NULL, &c),
	    CCAKIT_ERR_INVALID_ARG);
	big[CCAKIT_WRAPKEY_JWK_MAX] = '\0';
	assert_int_equal(kbs_chstore_issue(s, "k", big, NULL, &c),
	    CCAKIT_OK);
	assert_int_equal(strlen(c.wrapkey), CCAKIT_WRAPKEY_JWK_MAX);
	free(big);
	assert_int_equal(kbs_chstore_set_ttl(s, 0), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_chstore_set_ttl(s,
	    KBS_CHALLENGE_TTL_MAX + 1), CCAKIT_ERR_INVALID_ARG);
}

static void
test_memory_basic(void **state)
{
	kbs_chstore *s;

	(void)state;
	assert_non_null(s = kbs_chstore_new_memory());
	check_issue_redeem(s);
	check_args(s);
	kbs_chstore_free(&s);
	assert_null(s);
	kbs_chstore_free(&s);
}

static void
test_sqlite_basic(void **state)
{
	struct fixture *f = *state;
	kbs_chstore *s;
	struct stat sb;

	s = open_sqlite(f->db);
	check_issue_redeem(s);
	check_args(s);
	kbs_chstore_free(&s);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_sqlite_open_fails(void **state)
{
	struct fixture *f = *state;
	struct ccakit_errdetail d;
	kbs_chstore *s = NULL;
	char path[4096];

	memset(&d, 0, sizeof(d));
	snprintf(path, sizeof(path), "%s/missing/kb.db", f->dir);
	assert_int_equal(kbs_chstore_open_sqlite(path, &s, &d),
	    CCAKIT_ERR_IO);
	assert_null(s);
	/* Not a database. */
	write_file(f->dir, "junk.db", "this is not a database file, at all."
	    " this is not a database file, at all. this is not a database "
	    "file, at all. ", 111);
	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	assert_int_not_equal(kbs_chstore_open_sqlite(path, &s, &d),
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
check_expiry(kbs_chstore *s)
{
	struct kbs_challenge a, b, c, r;
	struct ccakit_errdetail d;
	int64_t now = 1000000;
	size_t n;

	kbs_chstore_set_clock(s, fake_now, &now);
	assert_int_equal(kbs_chstore_set_ttl(s, 300), CCAKIT_OK);
	assert_int_equal(kbs_chstore_issue(s, "k", "{}", NULL, &a),
	    CCAKIT_OK);
	assert_int_equal(a.created, 1000000);
	assert_int_equal(a.expires, 1000300);
	assert_int_equal(kbs_chstore_issue(s, "k", "{}", NULL, &b),
	    CCAKIT_OK);
	now += 100;
	assert_int_equal(kbs_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_OK);
	/* Still valid one second before expiry. */
	now = 1000299;
	assert_int_equal(kbs_chstore_redeem(s, a.id, &r, NULL), CCAKIT_OK);
	/* Expired at exactly created + TTL, and consumed. */
	now = 1000300;
	memset(&d, 0, sizeof(d));
	assert_int_equal(kbs_chstore_redeem(s, b.id, &r, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_string_equal(d.text, "expired");
	memset(&d, 0, sizeof(d));
	assert_int_equal(kbs_chstore_redeem(s, b.id, &r, &d),
	    CCAKIT_ERR_NOT_FOUND);
	assert_non_null(strstr(d.text, "unknown"));
	/* Purge removes only what expired. */
	assert_int_equal(kbs_chstore_issue(s, "k", "{}", NULL, &b),
	    CCAKIT_OK);
	now = 1000400;
	assert_int_equal(kbs_chstore_purge(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(kbs_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(kbs_chstore_redeem(s, c.id, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(kbs_chstore_redeem(s, b.id, &r, NULL), CCAKIT_OK);
	assert_int_equal(kbs_chstore_purge(s, NULL), CCAKIT_OK);
	kbs_chstore_set_clock(s, NULL, NULL);
}

static void
test_memory_expiry(void **state)
{
	kbs_chstore *s;

	(void)state;
	assert_non_null(s = kbs_chstore_new_memory());
	check_expiry(s);
	kbs_chstore_free(&s);
}

static void
test_sqlite_expiry(void **state)
{
	struct fixture *f = *state;
	kbs_chstore *s;

	s = open_sqlite(f->db);
	check_expiry(s);
	kbs_chstore_free(&s);
}

static void
test_mock_nonce(void **state)
{
	struct fixture *f = *state;
	struct kbs_challenge c, d1, r;
	uint8_t nonce[KBS_CHALLENGE_LEN];
	size_t len = sizeof(nonce), i;
	kbs_chstore *s;

	/* A caller's fixed nonce, as in the demo's mock mode. */
	for (i = 0; i < len; i++)
		nonce[i] = (uint8_t)(0x6e ^ i);
	s = open_sqlite(f->db);
	assert_int_equal(kbs_chstore_issue(s, "skywalker", "{}", nonce,
	    &c), CCAKIT_OK);
	assert_int_equal(kbs_chstore_issue(s, "skywalker", "{}", nonce,
	    &d1), CCAKIT_OK);
	assert_int_not_equal(c.id, d1.id);
	assert_memory_equal(c.nonce, nonce, len);
	assert_int_equal(kbs_chstore_redeem(s, d1.id, &r, NULL),
	    CCAKIT_OK);
	assert_memory_equal(r.nonce, nonce, len);
	kbs_chstore_free(&s);
}

/* A restart is a close and a reopen of the file. */
static void
test_sqlite_restart(void **state)
{
	struct fixture *f = *state;
	struct kbs_challenge c[3], r;
	kbs_chstore *s;
	size_t n, i;

	s = open_sqlite(f->db);
	for (i = 0; i < 3; i++)
		assert_int_equal(kbs_chstore_issue(s, "skywalker",
		    "{\"kty\":\"RSA\"}", NULL, &c[i]), CCAKIT_OK);
	assert_int_equal(kbs_chstore_redeem(s, c[0].id, &r, NULL),
	    CCAKIT_OK);
	kbs_chstore_free(&s);

	s = open_sqlite(f->db);
	assert_int_equal(kbs_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(kbs_chstore_redeem(s, c[0].id, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(kbs_chstore_redeem(s, c[2].id, &r, NULL),
	    CCAKIT_OK);
	assert_memory_equal(&r, &c[2], sizeof(r));
	kbs_chstore_free(&s);

	s = open_sqlite(f->db);
	assert_int_equal(kbs_chstore_redeem(s, c[2].id, &r, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(kbs_chstore_redeem(s, c[1].id, &r, NULL),
	    CCAKIT_OK);
	assert_memory_equal(&r, &c[1], sizeof(r));
	assert_int_equal(kbs_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 0);
	kbs_chstore_free(&s);
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
	struct kbs_challenge c, r;
	struct ccakit_errdetail d;
	kbs_chstore *s;
	size_t n;

	s = open_sqlite(db);
	assert_int_equal(kbs_chstore_check(s, NULL), CCAKIT_OK);
	assert_int_equal(kbs_chstore_issue(s, "skywalker", "{}", NULL,
	    &c), CCAKIT_OK);
	lose(db);
	memset(&d, 0, sizeof(d));
	assert_int_equal(kbs_chstore_check(s, &d), CCAKIT_ERR_DB_GONE);
	if (strstr(d.text, what) == NULL)
		fail_msg("detail '%s' does not say '%s'", d.text, what);
	assert_int_equal(kbs_chstore_issue(s, "skywalker", "{}", NULL,
	    &r), CCAKIT_ERR_DB_GONE);
	memset(&d, 0, sizeof(d));
	assert_int_equal(kbs_chstore_redeem(s, c.id, &r, &d),
	    CCAKIT_ERR_DB_GONE);
	assert_non_null(strstr(d.text, what));
	assert_int_equal(kbs_chstore_purge(s, &n), CCAKIT_ERR_DB_GONE);
	assert_int_equal(kbs_chstore_count(s, &n), CCAKIT_OK);
	assert_int_equal(n, 1);
	/* Latched: a file put back at the path is not the one open. */
	assert_int_equal(kbs_chstore_issue(s, "skywalker", "{}", NULL,
	    &r), CCAKIT_ERR_DB_GONE);
	kbs_chstore_free(&s);
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
	kbs_chstore *s;
	char db[4200];

	snprintf(db, sizeof(db), "%s/a.db", f->dir);
	check_gone(db, "the file was deleted", lose_unlink);
	snprintf(db, sizeof(db), "%s/b.db", f->dir);
	check_gone(db, "the file was replaced", lose_rename);
	snprintf(db, sizeof(db), "%s/c.db", f->dir);
	check_gone(db, "its -wal file was deleted", lose_wal);
	/* The memory backend has no file to lose. */
	assert_non_null(s = kbs_chstore_new_memory());
	assert_int_equal(kbs_chstore_check(s, NULL), CCAKIT_OK);
	kbs_chstore_free(&s);
}

/* A new file is 0600 whatever the umask. */
static void
test_sqlite_mode(void **state)
{
	struct fixture *f = *state;
	kbs_chstore *s;
	struct stat sb;
	mode_t old;

	old = umask(0277);
	s = open_sqlite(f->db);
	umask(old);
	assert_int_equal(stat(f->db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	check_issue_redeem(s);
	kbs_chstore_free(&s);
}

/* --- concurrency: every challenge is redeemed exactly once --- */

#define RACE_THREADS 8
#define RACE_CHALLENGES 200

struct race {
	kbs_chstore *shared;         /* one handle for all, or NULL */
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
	struct kbs_challenge r;
	kbs_chstore *s = rc->shared;
	size_t i;
	int e;

	if (s == NULL && kbs_chstore_open_sqlite(rc->db, &s, NULL) !=
	    CCAKIT_OK) {
		pthread_mutex_lock(&rc->mu);
		rc->errors++;
		pthread_mutex_unlock(&rc->mu);
		pthread_barrier_wait(&rc->go);
		return NULL;
	}
	pthread_barrier_wait(&rc->go);
	for (i = 0; i < RACE_CHALLENGES; i++) {
		e = kbs_chstore_redeem(s, rc->ids[i], &r, NULL);
		pthread_mutex_lock(&rc->mu);
		if (e == CCAKIT_OK && r.id == rc->ids[i])
			rc->wins[i]++;
		else if (e != CCAKIT_ERR_NOT_FOUND)
			rc->errors++;
		pthread_mutex_unlock(&rc->mu);
	}
	if (rc->shared == NULL)
		kbs_chstore_free(&s);
	return NULL;
}

static void
run_race(kbs_chstore *issuer, kbs_chstore *shared, const char *db)
{
	struct race *rc;
	struct kbs_challenge c;
	pthread_t th[RACE_THREADS];
	size_t i, n;

	assert_non_null(rc = calloc(1, sizeof(*rc)));
	rc->shared = shared;
	rc->db = db;
	assert_int_equal(pthread_mutex_init(&rc->mu, NULL), 0);
	assert_int_equal(pthread_barrier_init(&rc->go, NULL, RACE_THREADS),
	    0);
	for (i = 0; i < RACE_CHALLENGES; i++) {
		assert_int_equal(kbs_chstore_issue(issuer, "k", "{}", NULL,
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
	assert_int_equal(kbs_chstore_count(issuer, &n), CCAKIT_OK);
	assert_int_equal(n, 0);
	pthread_barrier_destroy(&rc->go);
	pthread_mutex_destroy(&rc->mu);
	free(rc);
}

static void
test_race_memory(void **state)
{
	kbs_chstore *s;

	(void)state;
	assert_non_null(s = kbs_chstore_new_memory());
	run_race(s, s, NULL);
	kbs_chstore_free(&s);
}

static void
test_race_sqlite_shared(void **state)
{
	struct fixture *f = *state;
	kbs_chstore *s;

	s = open_sqlite(f->db);
	run_race(s, s, NULL);
	kbs_chstore_free(&s);
}

/* One connection per thread: atomicity comes from SQLite itself. */
static void
test_race_sqlite_connections(void **state)
{
	struct fixture *f = *state;
	kbs_chstore *s;

	s = open_sqlite(f->db);
	run_race(s, NULL, f->db);
	kbs_chstore_free(&s);
}

/* --- a custom backend --- */

struct custom {
	unsigned inserts, collisions, closed;
	int fail;
};

static int
cu_insert(void *ctx, const struct kbs_challenge *c, bool *exists)
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
cu_take(void *ctx, uint32_t id, struct kbs_challenge *out)
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
	struct kbs_chstore_ops ops = {
		cu_insert, cu_take, cu_purge, cu_count, cu_close,
	};
	struct kbs_chstore_ops bad = ops;
	struct kbs_challenge c;
	struct ccakit_errdetail d;
	struct custom cu;
	kbs_chstore *s;

	(void)state;
	bad.take = NULL;
	assert_null(kbs_chstore_new_custom(&bad, &cu));
	memset(&cu, 0, sizeof(cu));
	assert_non_null(s = kbs_chstore_new_custom(&ops, &cu));
	/* Id collisions: another id is drawn. */
	cu.collisions = 3;
	assert_int_equal(kbs_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_OK);
	assert_int_equal(cu.inserts, 4);
	/* Always colliding: gives up. */
	cu.inserts = 0;
	cu.collisions = 1000;
	assert_int_not_equal(kbs_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_OK);
	cu.fail = 1;
	assert_int_equal(kbs_chstore_issue(s, "k", "{}", NULL, &c),
	    CCAKIT_ERR_IO);
	/* A storage failure is not "not found". */
	memset(&d, 0, sizeof(d));
	assert_int_equal(kbs_chstore_redeem(s, 7, &c, &d), CCAKIT_ERR_IO);
	kbs_chstore_free(&s);
	assert_int_equal(cu.closed, 1);
}

/* --- secrets --- */

static void
test_secrets_basic(void **state)
{
	kbs_secrets *s;
	const uint8_t *v;
	size_t len;

	(void)state;
	assert_non_null(s = kbs_secrets_new());
	assert_int_equal(kbs_secrets_add_demo(s), CCAKIT_OK);
	assert_int_equal(kbs_secrets_get(s, "skywalker", &v, &len),
	    CCAKIT_OK);
	assert_int_equal(len, 26);
	assert_memory_equal(v, "May the force be with you.", 26);
	assert_int_equal(kbs_secrets_add_demo(s), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_get(s, "vader", &v, &len),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(kbs_secrets_add(s, "bin", (const uint8_t *)"\0\1",
	    2), CCAKIT_OK);
	assert_int_equal(kbs_secrets_get(s, "bin", &v, &len), CCAKIT_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(v, "\0\1", 2);
	assert_int_equal(kbs_secrets_add(s, "bad/name",
	    (const uint8_t *)"x", 1), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_add(s, "empty", (const uint8_t *)"",
	    0), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_count(s), 2);
	kbs_secrets_free(&s);
	assert_null(s);
}

static void
test_secrets_files(void **state)
{
	struct fixture *f = *state;
	struct ccakit_errdetail d;
	kbs_secrets *s;
	const uint8_t *v;
	char spec[4096], sub[4096];
	uint8_t *big;
	size_t len;

	write_file(f->dir, "alpha", "one\n", 4);
	write_file(f->dir, "beta", "two", 3);
	write_file(f->dir, ".hidden", "x", 1);
	snprintf(sub, sizeof(sub), "%s/subdir", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	assert_non_null(s = kbs_secrets_new());
	memset(&d, 0, sizeof(d));
	if (kbs_secrets_load_dir(s, f->dir, &d) != CCAKIT_OK)
		fail_msg("%s", d.text);
	assert_int_equal(kbs_secrets_count(s), 2);
	assert_int_equal(kbs_secrets_get(s, "alpha", &v, &len), CCAKIT_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(v, "one\n", 4);
	assert_int_equal(kbs_secrets_get(s, ".hidden", &v, &len),
	    CCAKIT_ERR_NOT_FOUND);
	/* Loading the same names again fails, all or nothing. */
	assert_int_equal(kbs_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_count(s), 2);

	/* name=path */
	snprintf(spec, sizeof(spec), "gamma=%s/beta", f->dir);
	assert_int_equal(kbs_secrets_load_spec(s, spec, &d), CCAKIT_OK);
	assert_int_equal(kbs_secrets_get(s, "gamma", &v, &len), CCAKIT_OK);
	assert_memory_equal(v, "two", 3);
	assert_int_equal(kbs_secrets_load_spec(s, "nopath", &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_load_spec(s, "x=", &d),
	    CCAKIT_ERR_INVALID_ARG);
	snprintf(spec, sizeof(spec), "=%s/beta", f->dir);
	assert_int_equal(kbs_secrets_load_spec(s, spec, &d),
	    CCAKIT_ERR_INVALID_ARG);
	snprintf(spec, sizeof(spec), "a b=%s/beta", f->dir);
	assert_int_equal(kbs_secrets_load_spec(s, spec, &d),
	    CCAKIT_ERR_INVALID_ARG);
	snprintf(spec, sizeof(spec), "delta=%s/missing", f->dir);
	assert_int_equal(kbs_secrets_load_spec(s, spec, &d),
	    CCAKIT_ERR_IO);
	assert_int_equal(kbs_secrets_load_file(s, "sub", sub, &d),
	    CCAKIT_ERR_IO);
	assert_int_equal(kbs_secrets_count(s), 3);
	kbs_secrets_free(&s);

	/* An empty file, an oversized file, an invalid name: the whole
	 * directory load fails and nothing stays. */
	assert_non_null(s = kbs_secrets_new());
	write_file(f->dir, "empty", "", 0);
	assert_int_equal(kbs_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_count(s), 0);
	snprintf(spec, sizeof(spec), "%s/empty", f->dir);
	assert_int_equal(unlink(spec), 0);
	assert_non_null(big = calloc(1, KBS_SECRET_MAX + 1));
	write_file(f->dir, "big", big, KBS_SECRET_MAX + 1);
	free(big);
	assert_int_equal(kbs_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(kbs_secrets_count(s), 0);
	snprintf(spec, sizeof(spec), "%s/big", f->dir);
	assert_int_equal(unlink(spec), 0);
	write_file(f->dir, "bad name", "x", 1);
	assert_int_equal(kbs_secrets_load_dir(s, f->dir, &d),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(kbs_secrets_count(s), 0);
	snprintf(spec, sizeof(spec), "%s/nodir", f->dir);
	assert_int_equal(kbs_secrets_load_dir(s, spec, &d), CCAKIT_ERR_IO);
	kbs_secrets_free(&s);
}

/* --- reference values --- */

static const char example_rim_b64[] =
    "MRMUq3NiA1DPdYg0rlxl2ejC3H/r5ufZZUu+hk4wDUk=";

static int
load_rv(kbs_refvals *r, const char *json)
{
	return kbs_refvals_load_json(r, json, strlen(json), NULL);
}

static void
test_refvals_vectors(void **state)
{
	kbs_refvals *r;
	uint8_t rim[32];
	const uint8_t *p;
	uint8_t *j;
	size_t len, rlen;

	(void)state;
	tu_need_vectors("keybroker-demo");
	assert_int_equal(ccakit_b64_decode(example_rim_b64,
	    strlen(example_rim_b64), CCAKIT_B64_STD, rim, sizeof(rim), &rlen),
	    CCAKIT_OK);
	assert_non_null(r = kbs_refvals_new());
	j = tu_read_vector("keybroker-demo/rims-matching.json", &len);
	assert_int_equal(kbs_refvals_load_json(r, (char *)j, len, NULL),
	    CCAKIT_OK);
	free(j);
	assert_true(kbs_refvals_count(r) >= 1);
	assert_true(kbs_refvals_contains(r, rim, sizeof(rim)));
	assert_string_equal(kbs_refvals_get_b64(r, 0), example_rim_b64);
	assert_non_null(p = kbs_refvals_get(r, 0, &len));
	assert_int_equal(len, 32);
	assert_memory_equal(p, rim, 32);
	assert_null(kbs_refvals_get(r, kbs_refvals_count(r), &len));
	assert_null(kbs_refvals_get_b64(r, kbs_refvals_count(r)));
	kbs_refvals_free(&r);

	assert_non_null(r = kbs_refvals_new());
	j = tu_read_vector("keybroker-demo/rims-not-matching.json", &len);
	assert_int_equal(kbs_refvals_load_json(r, (char *)j, len, NULL),
	    CCAKIT_OK);
	free(j);
	assert_true(kbs_refvals_count(r) >= 1);
	assert_false(kbs_refvals_contains(r, rim, sizeof(rim)));
	/* The dynamic-RIM cache adds values at run time. */
	assert_int_equal(kbs_refvals_add(r, rim, sizeof(rim)), CCAKIT_OK);
	assert_int_equal(kbs_refvals_add(r, rim, sizeof(rim)), CCAKIT_OK);
	assert_true(kbs_refvals_contains(r, rim, sizeof(rim)));
	assert_string_equal(kbs_refvals_get_b64(r,
	    kbs_refvals_count(r) - 1), example_rim_b64);
	assert_int_equal(kbs_refvals_add(r, rim, 31),
	    CCAKIT_ERR_INVALID_ARG);
	kbs_refvals_free(&r);
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
	kbs_refvals *r;
	struct ccakit_errdetail d;
	size_t i;

	(void)state;
	assert_non_null(r = kbs_refvals_new());
	assert_int_equal(load_rv(r, "{\"reference-values\":[\"MRMUq3NiA1DPdY"
	    "g0rlxl2ejC3H/r5ufZZUu+hk4wDUk=\",\"MRMUq3NiA1DPdYg0rlxl2ejC3H/r5"
	    "ufZZUu+hk4wDUk=\"]}"), CCAKIT_OK);
	assert_int_equal(kbs_refvals_count(r), 1);
	assert_int_equal(load_rv(r, "{\"reference-values\":[\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "\"]}"), CCAKIT_OK);        /* 48 bytes */
	assert_int_equal(kbs_refvals_count(r), 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (kbs_refvals_load_json(r, bad[i].json,
		    strlen(bad[i].json), &d) != bad[i].err)
			fail_msg("case %zu: expected %d, got %d (%s)", i,
			    bad[i].err, d.code, d.text);
		assert_int_equal(d.code, bad[i].err);
		assert_int_equal(kbs_refvals_count(r), 2);
	}
	/* A bad value after good ones: nothing is kept. */
	assert_int_equal(load_rv(r, "{\"reference-values\":[\"AAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAE=\", 7]}"), CCAKIT_ERR_JSON);
	assert_int_equal(kbs_refvals_count(r), 2);
	assert_int_equal(kbs_refvals_load_json(r, "{}",
	    KBS_REFVALS_MAX_JSON + 1, NULL), CCAKIT_ERR_TOO_LARGE);
	kbs_refvals_free(&r);
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
		cmocka_unit_test(test_refvals_vectors),
		cmocka_unit_test(test_refvals_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
