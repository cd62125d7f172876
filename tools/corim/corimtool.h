/* corim: shared declarations of the subcommands. */
#ifndef CORIMTOOL_H
#define CORIMTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ccakit/corim.h>
#include <ccakit/cose.h>
#include <ccakit/err.h>
#include <ccakit/version.h>

#include "toolcli.h"

/* Largest key, certificate or meta file read. */
#define SMALL_FILE_MAX (256 * 1024)

int cmd_comid(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_display(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_submit(int argc, char **argv);
int cmd_from_token(int argc, char **argv);
int cmd_from_json(int argc, char **argv);
int cmd_to_json(int argc, char **argv);

/* Exit statuses (as ccatoken's), usage_error, fail: toolcli.h. */

/* load_file and save_file of toolcli.h with "corim <cmd>" as the
 * prefix of their messages. */
int read_input(const char *cmd, const char *path, size_t max,
    uint8_t **buf, size_t *len);
int write_output(const char *cmd, const char *path, const void *buf,
    size_t len);
/* Exit status for a library error code. */
int exit_for(int code);
/* The detail of d when it has one, else the text of the code. */
const char *why(int code, const struct ccakit_errdetail *d);

/* A list of file names: the files given, plus the regular files of the
 * directories given whose name ends with suffix (sorted). */
struct flist {
	char **v;
	size_t n, cap;
};
int flist_add(struct flist *l, const char *path);
int flist_add_dir(struct flist *l, const char *dir, const char *suffix);
void flist_free(struct flist *l);

/* A private or public key: a JWK (its "kid" into *kid, malloc'd, when
 * asked for) or PEM. */
int load_key(const char *cmd, const char *path, ccakit_key **k, char **kid);
/* Certificates: DER (one or several concatenated) or PEM, appended to
 * certs (DER, malloc'd). */
int load_certs(const char *cmd, const char *path, struct ccakit_bytes **certs,
    size_t *n);
void free_certs(struct ccakit_bytes *certs, size_t n);

/* Decode a CoRIM file; failures printed. */
int load_corim(const char *cmd, const char *path, ccakit_corim **c);

/* The options shared by from-token and from-json. */
struct build_opts {
	struct ccakit_corim_build b;
	const char *platform_out;
	const char *realm_out;
};
/* Parse one of the shared options; 1 when it was one, 0 when not, or
 * EXIT_USAGE + 1 on a bad value. */
int build_option(const char *cmd, int ch, const char *arg,
    struct build_opts *o);
extern const char build_help[];
int build_write(const char *cmd, const ccakit_ta_store *ta,
    const ccakit_rv_store *rv, struct build_opts *o);

#endif
