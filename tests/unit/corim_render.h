/* The annotated JSON of the vectors' *.decoded.json, from lib/corim's
 * decoded model (test helper). */
#ifndef CORIM_RENDER_H
#define CORIM_RENDER_H

#include <jansson.h>

#include <ccakit/corim.h>

json_t *render_corim(const ccakit_corim *c);
json_t *render_comid(const ccakit_comid *c);

#endif
