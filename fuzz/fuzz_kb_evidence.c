/*
 * libFuzzer harness for keybroker-server's evidence request: the first
 * byte picks the part ('i' URL challenge id, 'm' media type, 'c' the CMW
 * of token and event log, else the base64url body), which is decoded as
 * the server does it, the token (and log) included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/eventlog.h>

#include "kbs_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], *s;
	uint8_t *tok = NULL, *log = NULL;
	ccakit_evlog *l = NULL;
	ccakit_token *t;
	size_t len, loglen;
	uint32_t id;

	if (size == 0)
		return 0;
	if (data[0] == 'i' || data[0] == 'm') {
		/* A NUL-terminated copy, as libmicrohttpd hands them over. */
		if ((s = malloc(size)) == NULL)
			return 0;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		if (data[0] == 'i' && kbs_parse_challenge_id(s, &id) &&
		    id == 0)
			abort();
		if (data[0] == 'm')
			(void)kbs_media_type(s);
		free(s);
		return 0;
	}
	if (data[0] == 'c') {
		if (kbs_parse_cmw(data + 1, size - 1, &tok, &len, &log,
		    &loglen, err, sizeof(err)) != 0) {
			if (tok != NULL || log != NULL)
				abort();
			return 0;
		}
		if (len == 0 || loglen == 0)
			abort();
		if ((l = ccakit_evlog_new()) == NULL)
			abort();
		(void)ccakit_evlog_parse(l, log, loglen, 0, NULL);
		ccakit_evlog_free(&l);
		free(log);
	} else if (kbs_parse_evidence(data + 1, size - 1, &tok, &len, err,
	    sizeof(err)) != 0) {
		if (tok != NULL)
			abort();
		return 0;
	}
	if (len == 0 || len > KBS_CMW_MAX)
		abort();
	if ((t = ccakit_token_new()) != NULL)
		(void)ccakit_token_decode(t, tok, len, NULL);
	ccakit_token_free(&t);
	free(tok);
	return 0;
}
