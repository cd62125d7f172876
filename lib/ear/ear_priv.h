/*
 * Internal interfaces of the EAR module (not exported).
 */
#ifndef CCAKIT_EAR_PRIV_H
#define CCAKIT_EAR_PRIV_H

#include <jansson.h>

#include <ccakit/ear.h>

/*
 * Set member `member` of submod `name` to obj, which must be a JSON
 * object; the reference to obj is stolen, also on failure.
 */
int cki_ear_submod_set_object(ccakit_ear *e, const char *name,
    const char *member, json_t *obj);

/* The submod object (borrowed), or NULL. */
const json_t *cki_ear_submod(const ccakit_ear *e, const char *name);

#endif /* CCAKIT_EAR_PRIV_H */
