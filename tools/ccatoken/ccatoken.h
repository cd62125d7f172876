/* ccatoken: shared declarations of the subcommands. */
#ifndef CCATOKEN_H
#define CCATOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <ccakit/appraise.h>
#include <ccakit/bytes.h>
#include <ccakit/cbor.h>
#include <ccakit/cose.h>
#include <ccakit/ear.h>
#include <ccakit/err.h>
#include <ccakit/jose.h>
#include <ccakit/store.h>
#include <ccakit/token.h>
#include <ccakit/tsm.h>
#include <ccakit/tv.h>
#include <ccakit/version.h>

#include "toolcli.h"


int cmd_verify(int argc, char **argv);
int cmd_appraise(int argc, char **argv);
int cmd_golden(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_ear_verify(int argc, char **argv);
int cmd_attest(int argc, char **argv);

/* Exit statuses, usage_error, load_file, save_file: toolcli.h. */

/* The rust-ccatoken style text of an error: "Missing claim: challenge". */
const char *err_text(int code, const struct ccakit_errdetail *d, char *buf,
    size_t bufsz);
/* Exit status for a library error code. */
int exit_for(int code);

/* Decode a token file; prints "<prefix>: <error>" on failure. */
int load_token(const char *prefix, const char *path, ccakit_token **tok,
    uint8_t **buf, size_t *len);

/* Load a JSON store file into a new store; print failures. */
int load_ta_store(const char *prefix, const char *path, ccakit_ta_store **s);
int load_rv_store(const char *prefix, const char *path, ccakit_rv_store **s);

/* Print "<label>: <pretty tv json>\n" to stdout. */
void print_tv(const char *label, const struct ccakit_tv *tv);
/* A trust vector as a jansson object (only the set claims). */
struct json_t;
struct json_t *tv_json(const struct ccakit_tv *tv);
/* Print a jansson value pretty to stdout and release it. */
int print_json(struct json_t *j);

#endif
