/*
 * keybroker-app: parsers of the key broker's replies (untrusted input:
 * the app may talk to any server). Pure functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <ccakit/bytes.h>

#include "kba_parse.h"

static json_t *
load_object(const uint8_t *body, size_t len, char *err, size_t errsz)
{
	json_error_t je;
	json_t *j;

	if (len > KBA_RESP_MAX) {
		snprintf(err, errsz, "reply larger than %d bytes",
		    KBA_RESP_MAX);
		return NULL;
	}
	j = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		snprintf(err, errsz, "reply is not JSON: %s", je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		snprintf(err, errsz, "reply is not a JSON object");
		json_decref(j);
		return NULL;
	}
	return j;
}

int
kba_parse_challenge(const uint8_t *body, size_t len,
    uint8_t nonce[KBS_CHALLENGE_LEN], char *err, size_t errsz)
{
	uint8_t buf[KBS_CHALLENGE_LEN + 3];
	json_t *j, *c, *a, *v;
	const char *s;
	size_t n, i;
	int r = -1;

	if ((j = load_object(body, len, err, errsz)) == NULL)
		return -1;
	c = json_object_get(j, "challenge");
	a = json_object_get(j, "accept");
	if (!json_is_string(c)) {
		snprintf(err, errsz, "reply has no \"challenge\" string");
		goto out;
	}
	if (a != NULL) {
		if (!json_is_array(a)) {
			snprintf(err, errsz, "\"accept\" is not an array");
			goto out;
		}
		json_array_foreach(a, i, v) {
			if (!json_is_string(v)) {
				snprintf(err, errsz, "\"accept\" has a "
				    "non-string member");
				goto out;
			}
		}
	}
	s = json_string_value(c);
	if (ccakit_b64_decode(s, json_string_length(c), CCAKIT_B64_URL, buf,
	    sizeof(buf), &n) != CCAKIT_OK) {
		snprintf(err, errsz, "challenge is not base64url");
		goto out;
	}
	if (n != KBS_CHALLENGE_LEN) {
		snprintf(err, errsz, "Challenge length error, expecting %d "
		    "but got %zu instead", KBS_CHALLENGE_LEN, n);
		goto out;
	}
	memcpy(nonce, buf, KBS_CHALLENGE_LEN);
	r = 0;
out:
	json_decref(j);
	return r;
}

int
kba_parse_wrapped(const uint8_t *body, size_t len, uint8_t **data,
    size_t *dlen, char *err, size_t errsz)
{
	json_t *j, *d;
	uint8_t *buf = NULL;
	size_t n;
	int r = -1;

	*data = NULL;
	*dlen = 0;
	if ((j = load_object(body, len, err, errsz)) == NULL)
		return -1;
	if (!json_is_string(d = json_object_get(j, "data"))) {
		snprintf(err, errsz, "reply has no \"data\" string");
		goto out;
	}
	n = json_string_length(d) / 4 * 3 + 3;
	if ((buf = malloc(n)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto out;
	}
	if (ccakit_b64_decode(json_string_value(d), json_string_length(d),
	    CCAKIT_B64_URL, buf, n, &n) != CCAKIT_OK || n == 0) {
		snprintf(err, errsz, "\"data\" is not base64url");
		goto out;
	}
	*data = buf;
	*dlen = n;
	buf = NULL;
	r = 0;
out:
	free(buf);
	json_decref(j);
	return r;
}

/* No terminal control characters from a server in our messages. */
static void
sanitize(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void
kba_parse_problem(const uint8_t *body, size_t len, char *type,
    size_t typesz, char *detail, size_t detailsz)
{
	char err[64];
	json_t *j, *v;

	type[0] = '\0';
	detail[0] = '\0';
	if ((j = load_object(body, len, err, sizeof(err))) == NULL)
		return;
	if (json_is_string(v = json_object_get(j, "type")))
		snprintf(type, typesz, "%s", json_string_value(v));
	if (json_is_string(v = json_object_get(j, "detail")))
		snprintf(detail, detailsz, "%s", json_string_value(v));
	json_decref(j);
	sanitize(type);
	sanitize(detail);
}
