/*
 * Internal interfaces of the JSON claims module (not exported).
 */
#ifndef CCAKIT_JSON_PRIV_H
#define CCAKIT_JSON_PRIV_H

#include <jansson.h>

#include <ccakit/token.h>

/*
 * The token's claims as the object ccakit_token_to_json serialises
 * ({"cca-platform-token": {...}, "cca-realm-delegated-token": {...}}),
 * for callers that want the values rather than the text. *out is a new
 * reference, set only on success.
 */
int cki_token_claims_json(const ccakit_token *t, json_t **out);

#endif /* CCAKIT_JSON_PRIV_H */
