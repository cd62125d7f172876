/* keybroker-app: shared declarations. */
#ifndef KBA_H
#define KBA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/jose.h>
#include <ccakit/tsm.h>

#include "kba_parse.h"

/* Exit statuses of the demo app. */
#define KBA_EXIT_OK       0
#define KBA_EXIT_REFUSED  1     /* the key broker refused the evidence */
#define KBA_EXIT_ERROR    2     /* anything else */

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

/* Logging of the app (stderr), by verbosity. */
extern int kba_verbosity;
void kba_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* KBA_H */
