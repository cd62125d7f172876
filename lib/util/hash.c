/* The library's hash algorithms (<ccakit/hash.h>): names and lengths. */
#include <string.h>

#include <ccakit/err.h>
#include <ccakit/hash.h>

static const struct {
	enum ccakit_hash_algo a;
	const char *name;
	size_t len;
} algs[] = {
	{ CCAKIT_HASH_SHA256, "sha-256", 32 },
	{ CCAKIT_HASH_SHA512, "sha-512", 64 },
	{ CCAKIT_HASH_SHA384, "sha-384", 48 },
};

#define NALGS (sizeof(algs) / sizeof(algs[0]))

/* The table index of a, or NALGS. */
static size_t
find(enum ccakit_hash_algo a)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (algs[i].a == a)
			break;
	return i;
}

size_t
ccakit_hash_algo_len(enum ccakit_hash_algo a)
{
	size_t i = find(a);

	return i < NALGS ? algs[i].len : 0;
}

const char *
ccakit_hash_algo_name(enum ccakit_hash_algo a)
{
	size_t i = find(a);

	return i < NALGS ? algs[i].name : NULL;
}

int
ccakit_hash_algo_from_name(const char *name, size_t len,
    enum ccakit_hash_algo *a)
{
	size_t i;

	if (name == NULL || a == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	for (i = 0; i < NALGS; i++)
		if (strlen(algs[i].name) == len &&
		    memcmp(algs[i].name, name, len) == 0) {
			*a = algs[i].a;
			return CCAKIT_OK;
		}
	return CCAKIT_ERR_NOT_FOUND;
}
