/*
 * libFuzzer harness for the realm measurement log: parse (strict and
 * lenient), walk every event, and replay with a fixed table of trusted
 * images. Invariants: a failed parse returns no log and a detail code; a
 * successful replay gives a slot length that matches the realm algorithm
 * and marks every event.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccakit/err.h>
#include <ccakit/eventlog.h>
#include <ccakit/measure.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int cond)
{
	if (!cond)
		abort();
}

static const char fw[] = "FW CONTENT";
static uint8_t fw256[32], two[8192], two256[32];
static struct ccakit_trusted_image table[2];

static void
init_table(void)
{
	static int done;
	size_t i;

	if (done)
		return;
	for (i = 0; i < sizeof(two); i++)
		two[i] = (uint8_t)i;
	check(EVP_Digest(fw, 10, fw256, NULL, EVP_sha256(), NULL) == 1);
	check(EVP_Digest(two, sizeof(two), two256, NULL, EVP_sha256(),
	    NULL) == 1);
	table[0].alg = CCAKIT_TCG_ALG_SHA256;
	table[0].digest = fw256;
	table[0].digest_len = 32;
	table[0].src.kind = CCAKIT_SRC_MEM;
	table[0].src.mem = fw;
	table[0].src.len = 10;
	table[1].name = "DTB";
	table[1].alg = CCAKIT_TCG_ALG_SHA256;
	table[1].digest = two256;
	table[1].digest_len = 32;
	table[1].src.kind = CCAKIT_SRC_MEM;
	table[1].src.mem = two;
	table[1].src.len = sizeof(two);
	done = 1;
}

static void
run(const uint8_t *data, size_t size, unsigned pflags, unsigned rflags)
{
	struct ccakit_errdetail d;
	struct ccakit_replay_opts o;
	struct ccakit_replay_result res;
	const struct ccakit_evlog_event *e;
	ccakit_evlog *l = NULL;
	size_t i, n;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((l = ccakit_evlog_new()) == NULL)
		abort();
	rc = ccakit_evlog_parse(l, data, size, pflags, &d);
	if (rc != CCAKIT_OK) {
		check(ccakit_evlog_count(l) == 0 && d.code == rc);
		ccakit_evlog_free(&l);
		return;
	}
	n = ccakit_evlog_count(l);
	check(ccakit_evlog_specid(l)->n_algs >= 1);
	for (i = 0; i < n; i++) {
		e = ccakit_evlog_event(l, i);
		check(e != NULL && e->offset < size);
		check(e->data.len <= size && e->n_digests <=
		    CCAKIT_EVLOG_MAX_ALGS);
	}
	check(ccakit_evlog_event(l, n) == NULL);
	memset(&o, 0, sizeof(o));
	o.threads = 1;
	o.flags = rflags;
	o.rmm = (rflags & 1) != 0 ? CCAKIT_RMM_2 : CCAKIT_RMM_1;
	o.images = table;
	o.n_images = 2;
	if (ccakit_evlog_replay(l, &o, &res, &d) == CCAKIT_OK) {
		check(res.meas.len == 32 || res.meas.len == 48 ||
		    res.meas.len == 64);
		check(res.realm_create != NULL);
		for (i = 0; i < n; i++)
			check(ccakit_evlog_event(l, i)->status !=
			    CCAKIT_RS_NONE);
	}
	ccakit_evlog_free(&l);
	check(l == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_table();
	run(data, size, 0, 0);
	run(data, size, CCAKIT_EVLOG_LENIENT_TAIL |
	    CCAKIT_EVLOG_LENIENT_PADDING, CCAKIT_REPLAY_ALLOW_UNTRUSTED |
	    CCAKIT_REPLAY_VERIFY_CONTENT);
	return 0;
}
