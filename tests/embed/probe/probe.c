/*
 * What cmake/embed.cmake made of a directory, through its generated
 * header only: "probe names" prints the names list, "probe show NAME" the
 * text of NAME (exit 3 when there is no such entry), "probe check" that
 * the table, the names list and the lookup agree.
 */
#include <stdio.h>
#include <string.h>

#include "probe_files.h"

static int
check(void)
{
	char names[4096] = "";
	size_t i, n = 0;

	for (i = 0; i < probe_files_count; i++) {
		const struct probe_files_entry *e = &probe_files[i];

		if (probe_files_find(e->name) != e) {
			printf("FAIL: %s is not found\n", e->name);
			return 1;
		}
		if (strlen(e->text) > e->len || e->text[e->len] != '\0') {
			printf("FAIL: %s: no NUL after its bytes\n", e->name);
			return 1;
		}
		if (i > 0 && strcmp(probe_files[i - 1].name, e->name) >= 0) {
			printf("FAIL: %s: not in name order\n", e->name);
			return 1;
		}
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s",
		    i > 0 ? ", " : "", e->name);
	}
	if (strcmp(names, probe_files_names) != 0) {
		printf("FAIL: names \"%s\", the table \"%s\"\n",
		    probe_files_names, names);
		return 1;
	}
	if (probe_files_find(NULL) != NULL || probe_files_find("") != NULL ||
	    probe_files_find("nope") != NULL) {
		printf("FAIL: an unknown name is found\n");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct probe_files_entry *e;

	if (argc == 2 && strcmp(argv[1], "names") == 0) {
		printf("%s\n", probe_files_names);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "check") == 0)
		return check();
	if (argc == 3 && strcmp(argv[1], "show") == 0) {
		if ((e = probe_files_find(argv[2])) == NULL)
			return 3;
		fwrite(e->text, 1, e->len, stdout);
		return 0;
	}
	fprintf(stderr, "usage: probe names | check | show NAME\n");
	return 2;
}
