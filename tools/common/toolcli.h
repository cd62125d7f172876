/*
 * What the multi-command tools share (ccatoken, corim): the exit
 * statuses, main() with its command table, usage errors and messages,
 * input and output files.
 */
#ifndef TOOLCLI_H
#define TOOLCLI_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses (ccatoken(1), corim(1)). */
#define EXIT_OK        0
#define EXIT_USAGE     1
#define EXIT_MALFORMED 2
#define EXIT_REJECTED  3

/* The program's name in messages; cli_main sets it. */
extern const char *progname;

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

/*
 * main() of a tool: "<prog> <command> [options]", "--help", "--version";
 * runs the command with argv[1..] and returns its exit status. The usage
 * lists the commands and ends with exit_text.
 */
int cli_main(const char *prog, const struct cli_cmd *cmds, size_t n,
    const char *exit_text, int argc, char **argv);

/* "<prog> <cmd>: msg" and "Try '<prog> <cmd> --help'."; EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "<prog> <cmd>: msg" on stderr; returns st. */
int fail(int st, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Read a file ("-" = stdin) of at most max bytes, NUL appended; on
 * failure print "<prefix>: <path>: <reason>" and return EXIT_MALFORMED.
 */
int load_file(const char *prefix, const char *path, size_t max,
    uint8_t **buf, size_t *len);
/*
 * Write a buffer to a file ("-" = stdout): a regular file (or none) is
 * replaced atomically by a new one of mode 0644; a FIFO, a device or a
 * symbolic link is written in place and stays what it is
 * (cki_write_file). On failure prints "<prefix>: <path>: <reason>" and
 * returns EXIT_MALFORMED.
 */
int save_file(const char *prefix, const char *path, const void *buf,
    size_t len);

#endif /* TOOLCLI_H */
