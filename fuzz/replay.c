/*
 * Corpus replay driver: runs LLVMFuzzerTestOneInput over every file in
 * the directories (or files) given on the command line. Linked with each
 * harness in every build so that the corpus is a regression suite.
 *
 *   replay_NAME [PATH...] [-p PREFIX] [-v GLOB...]
 *
 * PATHs are the project's corpus. Each -v GLOB names upstream vectors
 * relative to $CCAKIT_VECTORS (default: ../shared/vectors beside the
 * source tree); they are replayed too when that directory is present,
 * and skipped with one line naming it when not. -p PREFIX (one
 * character, or a number such as 0x01) is put before each vector input
 * from then on, for harnesses whose first byte selects what to parse.
 */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef REPLAY_VECTORS
#define REPLAY_VECTORS "../shared/vectors"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path, int prefix, size_t *count)
{
	FILE *f;
	uint8_t *buf;
	long sz;
	size_t n, off = prefix >= 0 ? 1 : 0;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		fprintf(stderr, "replay: %s: cannot size\n", path);
		return -1;
	}
	/* Exact-size copy so that ASan sees reads past the end. */
	if ((buf = malloc((size_t)sz + off > 0 ? (size_t)sz + off : 1)) ==
	    NULL) {
		fclose(f);
		return -1;
	}
	if (prefix >= 0)
		buf[0] = (uint8_t)prefix;
	n = fread(buf + off, 1, (size_t)sz, f);
	fclose(f);
	if (n != (size_t)sz) {
		free(buf);
		fprintf(stderr, "replay: %s: short read\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, n + off);
	free(buf);
	(*count)++;
	return 0;
}

static int
run_path(const char *path, int prefix, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[4096];
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, prefix, count);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
		    de->d_name) >= sizeof(sub)) {
			rc = -1;
			continue;
		}
		if (run_path(sub, prefix, count) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The vectors that match root/pattern. A missing root or folder is a
 * skip (one line, once); a pattern that matches nothing in a folder that
 * is there is an error: the mapping is stale.
 */
static int
run_vectors(const char *root, const char *pattern, int prefix, size_t *count)
{
	static int said;
	char path[4096], dir[4096], *slash;
	glob_t g;
	size_t i;
	int rc = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, pattern) >=
	    sizeof(path))
		return -1;
	memcpy(dir, path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (!is_dir(dir)) {
		/* Name the first missing directory on the way. */
		slash = dir + strlen(root);
		while ((slash = strchr(slash + 1, '/')) != NULL) {
			*slash = '\0';
			if (!is_dir(dir))
				break;
			*slash = '/';
		}
		if (!said)
			printf("skipped: %s not found; the project corpus "
			    "only\n", is_dir(root) ? dir : root);
		said = 1;
		return 0;
	}
	if (glob(path, 0, NULL, &g) != 0) {
		fprintf(stderr, "replay: no upstream vector matches %s\n",
		    path);
		return -1;
	}
	for (i = 0; i < g.gl_pathc; i++)
		if (run_path(g.gl_pathv[i], prefix, count) != 0)
			rc = -1;
	globfree(&g);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *root = getenv("CCAKIT_VECTORS");
	size_t count = 0, nvec = 0;
	int i, rc = 0, prefix = -1, vec = 0;
	char *end;

	if (root == NULL || *root == '\0')
		root = REPLAY_VECTORS;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
			i++;
			if (strlen(argv[i]) == 1) {
				prefix = (unsigned char)argv[i][0];
			} else {
				prefix = (int)strtol(argv[i], &end, 0);
				if (*end != '\0' || prefix < 0 || prefix > 255) {
					fprintf(stderr, "replay: bad -p %s\n",
					    argv[i]);
					return 1;
				}
			}
		} else if (strcmp(argv[i], "-v") == 0) {
			vec = 1;
		} else if (vec) {
			if (run_vectors(root, argv[i], prefix, &nvec) != 0)
				rc = 1;
		} else if (run_path(argv[i], -1, &count) != 0) {
			rc = 1;
		}
	}
	printf("replayed %zu inputs and %zu upstream vectors\n", count, nvec);
	if (count == 0) {
		fprintf(stderr, "replay: empty corpus\n");
		return 1;
	}
	return rc;
}
