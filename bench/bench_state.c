/*
 * bench-state: what the state layer costs per operation, on each driver.
 *
 *   bench-state [-n N] [-t THREADS] [--only challenge|session] [--db WHERE]...
 *
 * For each database (default: a SQLite file in $TMPDIR, ":memory:", and
 * $CCAKIT_PG_URL when set; tests/pg/pgctl.sh run starts a PostgreSQL):
 *  - a key-broker attestation's state: one challenge issued (insert) and
 *    redeemed (take);
 *  - a verifier session's life: insert, claim, finish (2 KiB of evidence,
 *    a 1 KiB result), get;
 * N times on one thread: wall and CPU time of this process per operation,
 * and for a PostgreSQL on this machine the CPU of its processes too; then
 * THREADS threads at once (the pool sized to them): operations per
 * second. A measurement, not a test: nothing passes or fails.
 */
#include <dirent.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "state.h"

#define MAX_DB 8

static int64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CPU time of this process, ns. */
static int64_t
cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time of the processes named "postgres" on this machine, ns; -1
 * when there are none (a remote server). */
static int64_t
pg_cpu_ns(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, sum = 0;
	struct dirent *e;
	DIR *d;
	FILE *f;
	int found = 0;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.20s/stat", e->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL &&
		    strstr(buf, "(postgres)") != NULL &&
		    (p = strrchr(buf, ')')) != NULL &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
		    "%*u %llu %llu", &ut, &st) == 2) {
			sum += ut + st;
			found = 1;
		}
		fclose(f);
	}
	closedir(d);
	return found ? (int64_t)(sum * (1000000000ULL /
	    (unsigned long long)sysconf(_SC_CLK_TCK))) : -1;
}

static void
die_on(int r, const char *what, const struct ccakit_errdetail *d)
{
	if (r == CCAKIT_OK)
		return;
	fprintf(stderr, "bench-state: %s: %s: %s\n", what, ccakit_strerror(r),
	    d != NULL ? d->text : "");
	exit(1);
}

static atomic_uint next_id = 1;
static int only = -1;                   /* --only: 0 challenge, 1 session */

static void
one_challenge(state_db *db, struct state_challenge *c)
{
	struct ccakit_errdetail d;
	struct state_challenge out;
	bool exists = true;

	memset(&d, 0, sizeof(d));
	while (exists) {
		c->id = atomic_fetch_add(&next_id, 1);
		die_on(state_challenge_insert(db, c, &exists, &d), "insert",
		    &d);
	}
	die_on(state_challenge_take(db, c->id, &out, &d), "take", &d);
}

static uint8_t evidence[2048];
static char result[1024];

static void
one_session(state_db *db, unsigned tag, unsigned long i)
{
	struct ccakit_errdetail d;
	struct state_session s, got;
	bool exists = false, claimed = false;
	int64_t t = now_ms();

	memset(&d, 0, sizeof(d));
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%08x-0000-4000-8000-%012lx", tag,
	    i & 0xffffffffffffUL);
	s.nonce_len = 32;
	s.created_ms = t;
	s.expires_ms = t + 150000;
	die_on(state_session_insert(db, &s, &exists, &d), "session insert",
	    &d);
	die_on(state_session_claim(db, s.id, t, &claimed, &got, &d),
	    "session claim", &d);
	die_on(state_session_finish(db, s.id, got.claim,
	    "application/eat-collection", evidence, sizeof(evidence), result,
	    &d), "session finish", &d);
	state_session_clear(&got);
	die_on(state_session_get(db, s.id, t, &got, &d), "session get", &d);
	state_session_clear(&got);
}

struct worker {
	state_db *db;
	int kind;
	unsigned long n;
	unsigned tag;
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct state_challenge c;
	unsigned long i;

	memset(&c, 0, sizeof(c));
	snprintf(c.key, sizeof(c.key), "skywalker");
	memset(c.wrapkey, 'k', 600);
	c.created = time(NULL);
	c.expires = c.created + 300;
	for (i = 0; i < w->n; i++) {
		if (w->kind == 0)
			one_challenge(w->db, &c);
		else
			one_session(w->db, w->tag, i);
	}
	return NULL;
}

static void
bench(const char *where, unsigned long n, unsigned threads)
{
	static const char *const names[] = { "challenge issue+take",
	    "session insert+claim+finish+get" };
	struct ccakit_errdetail d;
	struct state_opts o;
	struct worker w[64];
	pthread_t th[64];
	state_db *db = NULL;
	int64_t t0, c0, p0, t1, c1, p1;
	static unsigned tag;
	unsigned i;
	size_t purged;
	int kind;

	memset(&o, 0, sizeof(o));
	memset(&d, 0, sizeof(d));
	o.pool = threads + 1;
	die_on(state_open(where, &o, &db, &d), where, &d);
	printf("%s (%s)\n", state_where(db), state_driver(db) ==
	    STATE_DRIVER_PG ? "PostgreSQL" : "SQLite");
	for (kind = 0; kind < 2; kind++) {
		if (only >= 0 && kind != only)
			continue;
		memset(w, 0, sizeof(w));
		w[0].db = db;
		w[0].kind = kind;
		w[0].tag = ++tag;
		w[0].n = n / 10 + 1;            /* warm up */
		work(&w[0]);
		w[0].tag = ++tag;
		w[0].n = n;
		p0 = pg_cpu_ns();
		c0 = cpu_ns();
		t0 = wall_ns();
		work(&w[0]);
		t1 = wall_ns();
		c1 = cpu_ns();
		p1 = pg_cpu_ns();
		printf("  %-34s %8.1f us wall %8.1f us cpu", names[kind],
		    (double)(t1 - t0) / 1e3 / (double)n,
		    (double)(c1 - c0) / 1e3 / (double)n);
		if (state_driver(db) == STATE_DRIVER_PG && p0 >= 0 && p1 >= 0)
			printf(" %8.1f us postgres cpu",
			    (double)(p1 - p0) / 1e3 / (double)n);
		printf("\n");
		if (threads > 1) {
			for (i = 0; i < threads; i++) {
				w[i].db = db;
				w[i].kind = kind;
				w[i].tag = ++tag;
				w[i].n = n / threads;
			}
			t0 = wall_ns();
			for (i = 0; i < threads; i++)
				pthread_create(&th[i], NULL, work, &w[i]);
			for (i = 0; i < threads; i++)
				pthread_join(th[i], NULL);
			t1 = wall_ns();
			printf("  %-34s %8.0f /s with %u threads\n", names[kind],
			    (double)(n / threads * threads) * 1e9 /
			    (double)(t1 - t0), threads);
		}
	}
	state_challenge_purge(db, time(NULL) + 1000, &purged, NULL);
	state_session_purge(db, now_ms() + 1000000, &purged, NULL);
	state_close(&db);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench-state [-n N] [-t THREADS] "
	    "[--only challenge|session] [--db WHERE]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dbs[MAX_DB];
	char file[512];
	unsigned long n = 5000, threads = 4;
	char *end;
	int c, ndb = 0, i;

	while ((c = getopt_long(argc, argv, "n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			n = strtoul(optarg, &end, 10);
			if (*end != '\0' || n == 0 || n > 10000000)
				usage();
			break;
		case 't':
			threads = strtoul(optarg, &end, 10);
			if (*end != '\0' || threads == 0 || threads > 64)
				usage();
			break;
		case 'o':
			if (strcmp(optarg, "challenge") == 0)
				only = 0;
			else if (strcmp(optarg, "session") == 0)
				only = 1;
			else
				usage();
			break;
		case 'd':
			if (ndb == MAX_DB)
				usage();
			dbs[ndb++] = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	file[0] = '\0';
	if (ndb == 0) {
		snprintf(file, sizeof(file), "%s/bench-state.%ld.db",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp",
		    (long)getpid());
		dbs[ndb++] = file;
		dbs[ndb++] = ":memory:";
		if (getenv("CCAKIT_PG_URL") != NULL)
			dbs[ndb++] = getenv("CCAKIT_PG_URL");
	}
	memset(evidence, 0xd9, sizeof(evidence));
	memset(result, 'e', sizeof(result) - 1);
	for (i = 0; i < ndb; i++)
		bench(dbs[i], n, (unsigned)threads);
	if (file[0] != '\0') {
		char p[600];

		unlink(file);
		snprintf(p, sizeof(p), "%s-wal", file);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", file);
		unlink(p);
	}
	return 0;
}
