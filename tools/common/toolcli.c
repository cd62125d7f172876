/* What the multi-command tools share: see toolcli.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/version.h>

#include "toolcli.h"
#include "util/util.h"

const char *progname = "ccakit";

static void
usage(FILE *f, const struct cli_cmd *cmds, size_t n, const char *exit_text)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++)
		if (strlen(cmds[i].name) > w)
			w = strlen(cmds[i].name);
	fprintf(f, "Usage: %s <command> [options]\n"
	    "       %s --help | --version\n\nCommands:\n", progname, progname);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-*s %s\n", (int)w, cmds[i].name,
		    cmds[i].summary);
	fprintf(f, "\nRun '%s <command> --help' for the options of a command."
	    "\n%s", progname, exit_text);
}

int
cli_main(const char *prog, const struct cli_cmd *cmds, size_t n,
    const char *exit_text, int argc, char **argv)
{
	size_t i;

	progname = prog;
	if (argc < 2) {
		usage(stderr, cmds, n, exit_text);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout, cmds, n, exit_text);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("%s %s\n", progname, CCAKIT_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", progname, argv[1]);
	usage(stderr, cmds, n, exit_text);
	return EXIT_USAGE;
}

int
usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", progname, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", progname, cmd);
	return EXIT_USAGE;
}

int
fail(int st, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: ", progname, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return st;
}

int
load_file(const char *prefix, const char *path, size_t max, uint8_t **buf,
    size_t *len)
{
	int r;

	if ((r = cki_read_file(path, max, buf, len)) == CCAKIT_OK)
		return EXIT_OK;
	if (r == CCAKIT_ERR_IO)
		fprintf(stderr, "%s: %s: %s\n", prefix, path, strerror(errno));
	else if (r == CCAKIT_ERR_TOO_LARGE)
		fprintf(stderr, "%s: %s: larger than %zu bytes\n", prefix,
		    path, max);
	else
		fprintf(stderr, "%s: %s: %s\n", prefix, path,
		    ccakit_strerror(r));
	return EXIT_MALFORMED;
}

int
save_file(const char *prefix, const char *path, const void *buf, size_t len)
{
	int r;

	if (strcmp(path, "-") == 0) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
			fprintf(stderr, "%s: stdout: %s\n", prefix,
			    strerror(errno));
			return EXIT_MALFORMED;
		}
		return EXIT_OK;
	}
	if ((r = cki_write_file(path, buf, len, 0644)) != CCAKIT_OK) {
		fprintf(stderr, "%s: %s: %s\n", prefix, path,
		    r == CCAKIT_ERR_IO ? strerror(errno) : ccakit_strerror(r));
		return EXIT_MALFORMED;
	}
	return EXIT_OK;
}
