/* keybroker-app: shared declarations. */
#ifndef KBA_H
#define KBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/ccakit.h>
#include <ccakit/broker.h>
#include <ccakit/tsm.h>

/* Exit statuses of the demo app. */
#define KBA_EXIT_OK       0
#define KBA_EXIT_REFUSED  1     /* the key broker refused the evidence */
#define KBA_EXIT_ERROR    2     /* anything else */

#define KBA_MEDIA_TYPE \
	"application/eat-collection; profile=\"http://arm.com/CCA-SSD/1.0.0\""
#define KBA_MEDIA_TYPE_CMW \
	"application/cmw+cbor; cmwc_t=\"tag:linaro.org,2024:eat+log\""
#define KBA_MEDIA_TYPE_EVLOG "application/vnd.veraison.tcg-tpm2-log"
#define KBA_RESP_MAX      (64 * 1024)

struct kba_opts {
	const char *endpoint;           /* http://127.0.0.1:8088 */
	const char *key;                /* key name */
	enum ccakit_wrap_alg alg;
	unsigned bits;
	const char *cafile;
	bool insecure;
	const uint8_t *mock_token;      /* -m: send this token as it is */
	size_t mock_token_len;
	ccakit_attester *attester;      /* used unless mock_token */
	const uint8_t *event_log;       /* sent with the token when set */
	size_t event_log_len;
};

/* The outcome of kba_get_key(). */
struct kba_result {
	int status;                     /* KBA_EXIT_* */
	uint8_t *secret;                /* on KBA_EXIT_OK; wipe and free */
	size_t secret_len;
	char type[128];                 /* on KBA_EXIT_REFUSED */
	char detail[512];               /* the reason in every failure */
};

void kba_get_key(const struct kba_opts *o, struct kba_result *res);

/* --- response parsers (fuzzed: fuzz/fuzz_kba_response.c) --- */

/* {"challenge": b64url(64 bytes), "accept": [strings]}. */
int kba_parse_challenge(const uint8_t *body, size_t len,
    uint8_t nonce[CCAKIT_CHALLENGE_LEN], char *err, size_t errsz);
/* {"data": b64url}: the decoded bytes into a malloc'd buffer. */
int kba_parse_wrapped(const uint8_t *body, size_t len, uint8_t **data,
    size_t *dlen, char *err, size_t errsz);
/* A problem body's "type" and "detail" (empty strings when absent). */
void kba_parse_problem(const uint8_t *body, size_t len, char *type,
    size_t typesz, char *detail, size_t detailsz);

/* Logging of the app (stderr), by verbosity. */
extern int kba_verbosity;
void kba_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* KBA_H */
