/*
 * The secrets store: name -> bytes, wiped on release.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "broker.h"
#include "util/util.h"

struct secret {
	char name[KBS_NAME_MAX + 1];
	uint8_t *val;
	size_t len;
};

struct kbs_secrets {
	struct secret *v;
	size_t n, cap;
};

kbs_secrets *
kbs_secrets_new(void)
{
	return calloc(1, sizeof(struct kbs_secrets));
}

static void
secret_clear(struct secret *e)
{
	if (e->val != NULL) {
		ccakit_wipe(e->val, e->len);
		free(e->val);
	}
	memset(e, 0, sizeof(*e));
}

/* Drop the entries from index n on (undoing a partial load). */
static void
secrets_truncate(kbs_secrets *s, size_t n)
{
	while (s->n > n)
		secret_clear(&s->v[--s->n]);
}

void
kbs_secrets_free(kbs_secrets **sp)
{
	kbs_secrets *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	secrets_truncate(s, 0);
	free(s->v);
	free(s);
	*sp = NULL;
}

static struct secret *
secrets_find(const kbs_secrets *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

/* Take ownership of val (malloc'd) on success. */
static int
secrets_put(kbs_secrets *s, const char *name, uint8_t *val, size_t len)
{
	struct secret *nv;
	size_t ncap;

	if (!kbs_name_valid(name) || len == 0 ||
	    len > KBS_SECRET_MAX || secrets_find(s, name) != NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (s->n == s->cap) {
		if (s->cap >= KBS_SECRETS_MAX_COUNT)
			return CCAKIT_ERR_TOO_LARGE;
		ncap = s->cap == 0 ? 8 : s->cap * 2;
		if (ncap > KBS_SECRETS_MAX_COUNT)
			ncap = KBS_SECRETS_MAX_COUNT;
		if ((nv = realloc(s->v, ncap * sizeof(*nv))) == NULL)
			return CCAKIT_ERR_NOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	memcpy(s->v[s->n].name, name, strlen(name));
	s->v[s->n].val = val;
	s->v[s->n].len = len;
	s->n++;
	return CCAKIT_OK;
}

int
kbs_secrets_add(kbs_secrets *s, const char *name, const uint8_t *val,
    size_t len)
{
	uint8_t *p;
	int r;

	if (s == NULL || name == NULL || val == NULL || len == 0 ||
	    len > KBS_SECRET_MAX)
		return CCAKIT_ERR_INVALID_ARG;
	if ((p = malloc(len)) == NULL)
		return CCAKIT_ERR_NOMEM;
	memcpy(p, val, len);
	if ((r = secrets_put(s, name, p, len)) != CCAKIT_OK) {
		ccakit_wipe(p, len);
		free(p);
	}
	return r;
}

int
kbs_secrets_add_demo(kbs_secrets *s)
{
	static const char v[] = KBS_SECRETS_DEMO_VALUE;

	return kbs_secrets_add(s, KBS_SECRETS_DEMO_NAME,
	    (const uint8_t *)v, sizeof(v) - 1);
}

static int
load_one(kbs_secrets *s, const char *name, const char *path,
    struct ccakit_errdetail *d)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (!kbs_name_valid(name))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "secret",
		    "invalid name (1 to %d of A-Z a-z 0-9 . _ -, no leading"
		    " dot)", KBS_NAME_MAX);
	if (secrets_find(s, name) != NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "secret",
		    "%s: defined twice", name);
	if ((r = cki_read_file(path, KBS_SECRET_MAX, &buf, &len)) !=
	    CCAKIT_OK) {
		if (r == CCAKIT_ERR_IO)
			return cki_detail(d, r, "secret", "%s: %s", path,
			    strerror(errno));
		if (r == CCAKIT_ERR_TOO_LARGE)
			return cki_detail(d, r, "secret",
			    "%s: larger than %d bytes", path,
			    KBS_SECRET_MAX);
		return cki_detail(d, r, "secret", "%s", path);
	}
	if (len == 0) {
		free(buf);
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "secret",
		    "%s: empty", path);
	}
	if ((r = secrets_put(s, name, buf, len)) != CCAKIT_OK) {
		ccakit_wipe(buf, len);
		free(buf);
		return cki_detail(d, r, "secret", "%s: cannot add", name);
	}
	return CCAKIT_OK;
}

int
kbs_secrets_load_file(kbs_secrets *s, const char *name,
    const char *path, struct ccakit_errdetail *d)
{
	if (s == NULL || name == NULL || path == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	return load_one(s, name, path, d);
}

int
kbs_secrets_load_spec(kbs_secrets *s, const char *spec,
    struct ccakit_errdetail *d)
{
	char name[KBS_NAME_MAX + 1];
	const char *eq;
	size_t nlen;

	if (s == NULL || spec == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	if ((eq = strchr(spec, '=')) == NULL || eq[1] == '\0')
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "secret",
		    "expected NAME=PATH");
	if ((nlen = (size_t)(eq - spec)) == 0 || nlen >= sizeof(name))
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "secret",
		    "invalid name");
	memcpy(name, spec, nlen);
	name[nlen] = '\0';
	return load_one(s, name, eq + 1, d);
}

int
kbs_secrets_load_dir(kbs_secrets *s, const char *dir,
    struct ccakit_errdetail *d)
{
	DIR *dp = NULL;
	struct dirent *de;
	struct stat sb;
	char path[4096];
	size_t n0;
	int len, r = CCAKIT_ERR_INTERNAL;

	if (s == NULL || dir == NULL)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, NULL, NULL);
	n0 = s->n;
	if ((dp = opendir(dir)) == NULL)
		return cki_detail(d, CCAKIT_ERR_IO, "secret", "%s: %s", dir,
		    strerror(errno));
	for (;;) {
		errno = 0;
		if ((de = readdir(dp)) == NULL) {
			if (errno != 0) {
				r = cki_detail(d, CCAKIT_ERR_IO, "secret",
				    "%s: %s", dir, strerror(errno));
				goto out;
			}
			break;
		}
		if (de->d_name[0] == '.')
			continue;
		len = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			r = cki_detail(d, CCAKIT_ERR_TOO_LARGE, "secret",
			    "%s: path too long", de->d_name);
			goto out;
		}
		if (stat(path, &sb) != 0) {
			r = cki_detail(d, CCAKIT_ERR_IO, "secret", "%s: %s",
			    path, strerror(errno));
			goto out;
		}
		if (!S_ISREG(sb.st_mode))
			continue;
		if ((r = load_one(s, de->d_name, path, d)) != CCAKIT_OK)
			goto out;
	}
	r = CCAKIT_OK;
out:
	if (r != CCAKIT_OK)
		secrets_truncate(s, n0);
	closedir(dp);
	return r;
}

size_t
kbs_secrets_count(const kbs_secrets *s)
{
	return s != NULL ? s->n : 0;
}

int
kbs_secrets_get(const kbs_secrets *s, const char *name,
    const uint8_t **val, size_t *len)
{
	const struct secret *e;

	if (s == NULL || name == NULL || val == NULL || len == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if ((e = secrets_find(s, name)) == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	*val = e->val;
	*len = e->len;
	return CCAKIT_OK;
}
