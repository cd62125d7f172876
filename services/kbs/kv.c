/*
 * The KBS's key-value namespaces over its backends (docs/kbs.md,
 * "Storage"):
 *  - the state layer (services/state): ccakit's SQLite file (the
 *    default), ":memory:" for Trustee's Memory, PostgreSQL for Postgres;
 *    versions and single-winner updates across replicas;
 *  - Trustee's LocalFs (a file per key under <dir_path>/<namespace>/,
 *    '/' in a key written as the four characters "\x2F", so that an
 *    existing directory works) and LocalJson (one JSON object per
 *    namespace, values base64url with padding). Writes go through a
 *    temporary file and a rename; within the process a mutex serialises
 *    them (Trustee's own lock does nothing, C11). A value's version is a
 *    digest of its bytes.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <ccakit/bytes.h>

#include "kv.h"
#include "log.h"
#include "svcmain.h"

enum kv_kind { KV_STATE = 1, KV_LOCALFS, KV_LOCALJSON };

int64_t
kbs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct kbs_kv {
	enum kv_kind kind;
	enum kbs_storage_type type;
	state_db *db;
	char *dir;
	pthread_mutex_t mu;
	char desc[160];
};

#define KBS_MAX_BACKENDS 4
#define KBS_NNS 7

struct kbs_store {
	kbs_kv *b[KBS_MAX_BACKENDS];
	size_t nb;
	struct {
		const char *ns;
		kbs_kv *kv;
	} map[KBS_NNS];
};

static int
kv_err(struct ccakit_errdetail *d, int code, const char *fmt, ...)
    SVC_PRINTF(3, 4);

static int
kv_err(struct ccakit_errdetail *d, int code, const char *fmt, ...)
{
	va_list ap;

	if (d != NULL) {
		d->code = code;
		d->what = "storage";
		va_start(ap, fmt);
		vsnprintf(d->text, sizeof(d->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

void
kbs_val_clear(struct kbs_val *v)
{
	if (v->p != NULL)
		ccakit_wipe(v->p, v->len);
	free(v->p);
	memset(v, 0, sizeof(*v));
}

bool
kbs_kv_key_valid(const char *key)
{
	const char *p;

	if (*key == '\0' || strlen(key) > STATE_KEY_MAX)
		return false;
	for (p = key; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '/'))
			return false;
	return true;
}

/* A version from the bytes (never 0). */
static uint64_t
digest_version(const void *p, size_t len)
{
	uint8_t h[32];
	unsigned n = 0;
	uint64_t v = 0;
	int i;

	if (EVP_Digest(p, len, h, &n, EVP_sha256(), NULL) != 1)
		return 1;
	for (i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	return v | 1;
}

/* --- the state layer --- */

static int
st_get(kbs_kv *kv, const char *ns, const char *key, struct kbs_val *out,
    struct ccakit_errdetail *d)
{
	struct state_rec rec;
	int r;

	memset(&rec, 0, sizeof(rec));
	r = state_rec_get(kv->db, ns, key, kbs_now_ms(), &rec, d);
	if (r == CCAKIT_ERR_EXPIRED)
		r = CCAKIT_ERR_NOT_FOUND;
	if (r != CCAKIT_OK)
		return r;
	out->p = rec.value;
	out->len = rec.len;
	out->version = rec.version;
	return CCAKIT_OK;
}

struct list_ctx {
	int (*fn)(void *arg, const char *key);
	void *arg;
};

static int
st_list_one(void *arg, const char *key, int64_t expires_ms, uint64_t version)
{
	struct list_ctx *l = arg;

	(void)expires_ms;
	(void)version;
	return l->fn(l->arg, key);
}

/* --- files --- */

/* dir/ns/<key with '/' as "\x2F"> */
static int
fs_path(kbs_kv *kv, const char *ns, const char *key, char *out, size_t outsz)
{
	size_t n;
	int w;

	w = snprintf(out, outsz, "%s/%s/", kv->dir, ns);
	if (w < 0 || (size_t)w >= outsz)
		return -1;
	n = (size_t)w;
	for (; *key != '\0'; key++) {
		if (*key == '/') {
			if (n + 5 > outsz)
				return -1;
			memcpy(out + n, "\\x2F", 4);
			n += 4;
		} else {
			if (n + 2 > outsz)
				return -1;
			out[n++] = *key;
		}
	}
	out[n] = '\0';
	return 0;
}

static int
mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t i;

	if (snprintf(buf, sizeof(buf), "%s/", path) >= (int)sizeof(buf))
		return -1;
	for (i = 1; buf[i] != '\0'; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -1;
		buf[i] = '/';
	}
	return 0;
}

static int
read_all(const char *path, size_t max, struct kbs_val *out,
    struct ccakit_errdetail *d)
{
	struct stat st;
	uint8_t *p;
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return CCAKIT_ERR_NOT_FOUND;
		return kv_err(d, CCAKIT_ERR_IO, "%s: %s", path,
		    strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > max) {
		close(fd);
		return kv_err(d, CCAKIT_ERR_IO, "%s: not a regular file of "
		    "at most %zu bytes", path, max);
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return CCAKIT_ERR_NOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, p + got, (size_t)st.st_size - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	p[got] = '\0';
	out->p = p;
	out->len = got;
	out->version = digest_version(p, got);
	return CCAKIT_OK;
}

/* Write through a temporary file beside path; with exclusive, the final
 * name is taken with link() (fails with EEXIST when present). */
static int
write_file(const char *path, const void *p, size_t len, bool exclusive,
    bool *created, struct ccakit_errdetail *d)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash != NULL ? (size_t)(slash - path) + 1 : 0;
	ssize_t n;
	size_t done = 0;
	int fd, r = CCAKIT_OK;

	if (snprintf(tmp, sizeof(tmp), "%.*s.kbs-tmp-XXXXXX", (int)dirlen,
	    path) >= (int)sizeof(tmp))
		return kv_err(d, CCAKIT_ERR_IO, "path too long");
	if ((fd = mkstemp(tmp)) < 0)
		return kv_err(d, CCAKIT_ERR_IO, "%s: %s", tmp, strerror(errno));
	while (done < len) {
		n = write(fd, (const uint8_t *)p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = kv_err(d, CCAKIT_ERR_IO, "%s: %s", tmp,
			    strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	if (r == CCAKIT_OK && fsync(fd) != 0)
		r = kv_err(d, CCAKIT_ERR_IO, "%s: %s", tmp, strerror(errno));
	close(fd);
	if (r == CCAKIT_OK) {
		if (exclusive) {
			if (link(tmp, path) != 0) {
				if (errno == EEXIST)
					*created = false;
				else
					r = kv_err(d, CCAKIT_ERR_IO, "%s: %s",
					    path, strerror(errno));
			} else {
				*created = true;
			}
		} else if (rename(tmp, path) != 0) {
			r = kv_err(d, CCAKIT_ERR_IO, "%s: %s", path,
			    strerror(errno));
		} else {
			*created = true;
			return CCAKIT_OK;
		}
	}
	unlink(tmp);
	return r;
}

/* The namespace's directory (LocalFs), made when missing. */
static int
ns_dir(kbs_kv *kv, const char *ns, struct ccakit_errdetail *d)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", kv->dir, ns) >=
	    (int)sizeof(path))
		return kv_err(d, CCAKIT_ERR_IO, "path too long");
	if (mkdirs(path) != 0)
		return kv_err(d, CCAKIT_ERR_IO, "%s: %s", path,
		    strerror(errno));
	return CCAKIT_OK;
}

/* LocalJson: the namespace's object. */
static int
lj_load(kbs_kv *kv, const char *ns, json_t **out, char *path, size_t pathsz,
    struct ccakit_errdetail *d)
{
	struct kbs_val v;
	json_error_t e;
	json_t *j;
	int r;

	if (snprintf(path, pathsz, "%s/%s", kv->dir, ns) >= (int)pathsz)
		return kv_err(d, CCAKIT_ERR_IO, "path too long");
	memset(&v, 0, sizeof(v));
	r = read_all(path, 64u * 1024 * 1024, &v, d);
	if (r == CCAKIT_ERR_NOT_FOUND) {
		*out = json_object();
		return *out != NULL ? CCAKIT_OK : CCAKIT_ERR_NOMEM;
	}
	if (r != CCAKIT_OK)
		return r;
	j = json_loadb((const char *)v.p, v.len, JSON_REJECT_DUPLICATES, &e);
	kbs_val_clear(&v);
	if (!json_is_object(j)) {
		json_decref(j);
		return kv_err(d, CCAKIT_ERR_IO, "%s: not a JSON object of "
		    "strings", path);
	}
	*out = j;
	return CCAKIT_OK;
}

static int
lj_save(const char *path, json_t *j, struct ccakit_errdetail *d)
{
	bool created;
	char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	int r;

	if (s == NULL)
		return CCAKIT_ERR_NOMEM;
	r = write_file(path, s, strlen(s), false, &created, d);
	ccakit_wipe(s, strlen(s));
	free(s);
	return r;
}

static int
lj_value(json_t *j, const char *key, struct kbs_val *out,
    struct ccakit_errdetail *d)
{
	json_t *m = json_object_get(j, key);
	const char *s;
	size_t len, n;
	uint8_t *p;

	if (m == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	if (!json_is_string(m))
		return kv_err(d, CCAKIT_ERR_IO, "LocalJson: %s is not a "
		    "string", key);
	s = json_string_value(m);
	len = json_string_length(m);
	if ((p = malloc(len + 1)) == NULL)
		return CCAKIT_ERR_NOMEM;
	if (ccakit_b64_decode(s, len, CCAKIT_B64_ANY, p, len + 1, &n) != 0) {
		free(p);
		return kv_err(d, CCAKIT_ERR_IO, "LocalJson: %s is not base64",
		    key);
	}
	p[n] = '\0';
	out->p = p;
	out->len = n;
	out->version = digest_version(p, n);
	return CCAKIT_OK;
}

/* --- the interface --- */

int
kbs_kv_get(kbs_kv *kv, const char *ns, const char *key, struct kbs_val *out,
    struct ccakit_errdetail *d)
{
	char path[PATH_MAX];
	json_t *j;
	int r;

	memset(out, 0, sizeof(*out));
	if (kv->kind == KV_STATE)
		return st_get(kv, ns, key, out, d);
	if (!kbs_kv_key_valid(key))
		return CCAKIT_ERR_NOT_FOUND;
	if (kv->kind == KV_LOCALFS) {
		if (fs_path(kv, ns, key, path, sizeof(path)) != 0)
			return kv_err(d, CCAKIT_ERR_IO, "path too long");
		return read_all(path, KBS_RESOURCE_MAX, out, d);
	}
	pthread_mutex_lock(&kv->mu);
	if ((r = lj_load(kv, ns, &j, path, sizeof(path), d)) == CCAKIT_OK) {
		r = lj_value(j, key, out, d);
		json_decref(j);
	}
	pthread_mutex_unlock(&kv->mu);
	return r;
}

static int
lj_set(kbs_kv *kv, const char *ns, const char *key, const void *val,
    size_t len, bool overwrite, uint64_t expect, bool *done,
    struct ccakit_errdetail *d)
{
	char path[PATH_MAX], *b64;
	struct kbs_val cur;
	json_t *j;
	size_t n = ccakit_b64_encoded_len(len, CCAKIT_B64_STD);
	int r;

	*done = false;
	if ((r = lj_load(kv, ns, &j, path, sizeof(path), d)) != CCAKIT_OK)
		return r;
	memset(&cur, 0, sizeof(cur));
	r = lj_value(j, key, &cur, d);
	if (r != CCAKIT_OK && r != CCAKIT_ERR_NOT_FOUND)
		goto out;
	if (expect != 0 ? (r != CCAKIT_OK || cur.version != expect) :
	    (!overwrite && r == CCAKIT_OK)) {
		r = r == CCAKIT_ERR_NOT_FOUND && expect != 0 ?
		    CCAKIT_ERR_NOT_FOUND : CCAKIT_OK;
		goto out;
	}
	if ((b64 = malloc(n + 1)) == NULL) {
		r = CCAKIT_ERR_NOMEM;
		goto out;
	}
	/* Rust's URL_SAFE engine: the URL alphabet with padding. */
	ccakit_b64_encode(val, len, CCAKIT_B64_STD, b64, n + 1);
	for (size_t i = 0; i < n; i++)
		b64[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
	r = json_object_set_new(j, key, json_string(b64)) == 0 ?
	    lj_save(path, j, d) : CCAKIT_ERR_NOMEM;
	ccakit_wipe(b64, n);
	free(b64);
	*done = r == CCAKIT_OK;
out:
	kbs_val_clear(&cur);
	json_decref(j);
	return r;
}

int
kbs_kv_set(kbs_kv *kv, const char *ns, const char *key, const void *val,
    size_t len, int64_t expires_ms, bool overwrite, bool *created,
    struct ccakit_errdetail *d)
{
	char path[PATH_MAX];
	bool c = false;
	int r;

	if (kv->kind == KV_STATE) {
		r = state_rec_put(kv->db, ns, key, val, len, expires_ms,
		    overwrite ? STATE_PUT_REPLACE : STATE_PUT_CREATE,
		    kbs_now_ms(), &c, NULL, d);
		if (r == CCAKIT_OK && created != NULL)
			*created = overwrite || c;
		return r;
	}
	if (!kbs_kv_key_valid(key))
		return kv_err(d, CCAKIT_ERR_INVALID_ARG, "key contains invalid "
		    "characters");
	pthread_mutex_lock(&kv->mu);
	if (kv->kind == KV_LOCALFS) {
		if (fs_path(kv, ns, key, path, sizeof(path)) != 0)
			r = kv_err(d, CCAKIT_ERR_IO, "path too long");
		else if ((r = ns_dir(kv, ns, d)) == CCAKIT_OK)
			r = write_file(path, val, len, !overwrite, &c, d);
	} else {
		r = lj_set(kv, ns, key, val, len, overwrite, 0, &c, d);
	}
	pthread_mutex_unlock(&kv->mu);
	if (r == CCAKIT_OK && created != NULL)
		*created = c;
	return r;
}

int
kbs_kv_update(kbs_kv *kv, const char *ns, const char *key, uint64_t version,
    const void *val, size_t len, bool *updated, struct ccakit_errdetail *d)
{
	char path[PATH_MAX];
	struct kbs_val cur;
	bool c = false;
	int r;

	*updated = false;
	if (kv->kind == KV_STATE)
		return state_rec_update(kv->db, ns, key, version, val, len, 0,
		    kbs_now_ms(), updated, d);
	pthread_mutex_lock(&kv->mu);
	if (kv->kind == KV_LOCALJSON) {
		r = lj_set(kv, ns, key, val, len, true, version, updated, d);
	} else if (fs_path(kv, ns, key, path, sizeof(path)) != 0) {
		r = kv_err(d, CCAKIT_ERR_IO, "path too long");
	} else {
		memset(&cur, 0, sizeof(cur));
		r = read_all(path, KBS_RESOURCE_MAX, &cur, d);
		if (r == CCAKIT_OK && cur.version == version) {
			r = write_file(path, val, len, false, &c, d);
			*updated = r == CCAKIT_OK;
		}
		kbs_val_clear(&cur);
	}
	pthread_mutex_unlock(&kv->mu);
	return r;
}

int
kbs_kv_delete(kbs_kv *kv, const char *ns, const char *key,
    struct ccakit_errdetail *d)
{
	char path[PATH_MAX];
	json_t *j;
	int r;

	if (kv->kind == KV_STATE)
		return state_rec_delete(kv->db, ns, key, d);
	if (!kbs_kv_key_valid(key))
		return CCAKIT_ERR_NOT_FOUND;
	pthread_mutex_lock(&kv->mu);
	if (kv->kind == KV_LOCALFS) {
		if (fs_path(kv, ns, key, path, sizeof(path)) != 0)
			r = kv_err(d, CCAKIT_ERR_IO, "path too long");
		else if (unlink(path) == 0)
			r = CCAKIT_OK;
		else
			r = errno == ENOENT ? CCAKIT_ERR_NOT_FOUND :
			    kv_err(d, CCAKIT_ERR_IO, "%s: %s", path,
			    strerror(errno));
	} else if ((r = lj_load(kv, ns, &j, path, sizeof(path), d)) ==
	    CCAKIT_OK) {
		if (json_object_del(j, key) != 0)
			r = CCAKIT_ERR_NOT_FOUND;
		else
			r = lj_save(path, j, d);
		json_decref(j);
	}
	pthread_mutex_unlock(&kv->mu);
	return r;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
kbs_kv_list(kbs_kv *kv, const char *ns, int (*fn)(void *arg,
    const char *key), void *arg, struct ccakit_errdetail *d)
{
	struct list_ctx l = { fn, arg };
	char path[PATH_MAX], **keys = NULL, *k, *w;
	const char *key;
	struct dirent *de;
	size_t n = 0, cap = 0, i;
	json_t *j, *m;
	DIR *dir;
	int r = CCAKIT_OK;

	if (kv->kind == KV_STATE)
		return state_rec_list(kv->db, ns, NULL, kbs_now_ms(),
		    st_list_one, &l, d);
	pthread_mutex_lock(&kv->mu);
	if (kv->kind == KV_LOCALJSON) {
		if ((r = lj_load(kv, ns, &j, path, sizeof(path), d)) ==
		    CCAKIT_OK) {
			json_object_foreach(j, key, m) {
				if (n == cap) {
					cap = cap != 0 ? 2 * cap : 16;
					keys = realloc(keys, cap *
					    sizeof(*keys));
				}
				if (keys == NULL ||
				    (keys[n++] = strdup(key)) == NULL) {
					r = CCAKIT_ERR_NOMEM;
					break;
				}
			}
			json_decref(j);
		}
	} else {
		snprintf(path, sizeof(path), "%s/%s", kv->dir, ns);
		if ((dir = opendir(path)) == NULL) {
			r = errno == ENOENT ? CCAKIT_OK : kv_err(d,
			    CCAKIT_ERR_IO, "%s: %s", path, strerror(errno));
		} else {
			while ((de = readdir(dir)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				if (n == cap) {
					cap = cap != 0 ? 2 * cap : 16;
					keys = realloc(keys, cap *
					    sizeof(*keys));
				}
				if (keys == NULL || (k = strdup(de->d_name)) ==
				    NULL) {
					r = CCAKIT_ERR_NOMEM;
					break;
				}
				/* "\x2F" back to '/'. */
				for (w = k; *w != '\0'; w++)
					if (strncmp(w, "\\x2F", 4) == 0) {
						*w = '/';
						memmove(w + 1, w + 4,
						    strlen(w + 4) + 1);
					}
				keys[n++] = k;
			}
			closedir(dir);
		}
	}
	pthread_mutex_unlock(&kv->mu);
	if (keys != NULL)
		qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 0; i < n; i++) {
		if (r == CCAKIT_OK && keys[i] != NULL)
			r = fn(arg, keys[i]);
		free(keys[i]);
	}
	free(keys);
	return r;
}

/* --- the stores --- */

/* libpq URI with percent-encoded parts. */
static void
url_part(char *out, size_t outsz, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s != '\0' && n + 4 < outsz; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}

static int
backend(kbs_store *s, const struct kbs_config *c, const char *db_path,
    enum kbs_storage_type type, kbs_kv **out, struct ccakit_errdetail *d)
{
	struct state_opts so;
	char url[1024], user[256], pass[512], host[256], db[256];
	const char *where = NULL, *env;
	kbs_kv *kv;
	size_t i;
	int r;

	if (type == KBS_STORE_DEFAULT)
		type = KBS_STORE_SQLITE;
	for (i = 0; i < s->nb; i++)
		if (s->b[i]->type == type) {
			*out = s->b[i];
			return CCAKIT_OK;
		}
	if (s->nb == KBS_MAX_BACKENDS || (kv = calloc(1, sizeof(*kv))) == NULL)
		return CCAKIT_ERR_NOMEM;
	pthread_mutex_init(&kv->mu, NULL);
	kv->type = type;
	switch (type) {
	case KBS_STORE_MEMORY:
		where = ":memory:";
		break;
	case KBS_STORE_SQLITE:
		where = c->sqlite_path != NULL ? c->sqlite_path : db_path;
		if (svc_make_parents(where) != 0) {
			r = kv_err(d, CCAKIT_ERR_IO, "%s: cannot create its "
			    "directory: %s", where, strerror(errno));
			goto fail;
		}
		break;
	case KBS_STORE_POSTGRES:
		if ((env = getenv("POSTGRES_URL")) != NULL && *env != '\0') {
			snprintf(url, sizeof(url), "%s", env);
		} else {
			url_part(user, sizeof(user), c->pg_user);
			url_part(host, sizeof(host), c->pg_host);
			url_part(db, sizeof(db), c->pg_db);
			pass[0] = ':';
			if (c->pg_password != NULL)
				url_part(pass + 1, sizeof(pass) - 1,
				    c->pg_password);
			snprintf(url, sizeof(url), "postgresql://%s%s@%s:%d/%s",
			    user, c->pg_password != NULL ? pass : "", host,
			    (int)c->pg_port, db);
			ccakit_wipe(pass, sizeof(pass));
		}
		where = url;
		break;
	case KBS_STORE_LOCALFS:
	case KBS_STORE_LOCALJSON:
		kv->kind = type == KBS_STORE_LOCALFS ? KV_LOCALFS :
		    KV_LOCALJSON;
		if ((kv->dir = strdup(type == KBS_STORE_LOCALFS ?
		    c->localfs_dir : c->localjson_dir)) == NULL) {
			r = CCAKIT_ERR_NOMEM;
			goto fail;
		}
		if (mkdirs(kv->dir) != 0) {
			r = kv_err(d, CCAKIT_ERR_IO, "%s: %s", kv->dir,
			    strerror(errno));
			goto fail;
		}
		snprintf(kv->desc, sizeof(kv->desc), "%s %s",
		    type == KBS_STORE_LOCALFS ? "LocalFs" : "LocalJson",
		    kv->dir);
		s->b[s->nb++] = kv;
		*out = kv;
		return CCAKIT_OK;
	default:
		r = CCAKIT_ERR_INVALID_ARG;
		goto fail;
	}
	kv->kind = KV_STATE;
	memset(&so, 0, sizeof(so));
	so.flags = STATE_SECRET;
	so.pool = 16;
	r = state_open(where, &so, &kv->db, d);
	ccakit_wipe(url, sizeof(url));
	if (r != CCAKIT_OK)
		goto fail;
	snprintf(kv->desc, sizeof(kv->desc), "%s", type == KBS_STORE_MEMORY ?
	    "Memory" : state_where(kv->db));
	s->b[s->nb++] = kv;
	*out = kv;
	return CCAKIT_OK;
fail:
	ccakit_wipe(url, sizeof(url));
	free(kv->dir);
	pthread_mutex_destroy(&kv->mu);
	free(kv);
	return r;
}

int
kbs_store_open(const struct kbs_config *c, const char *db_path,
    kbs_store **out, struct ccakit_errdetail *d)
{
	static const char *const nss[KBS_NNS] = {
		KBS_NS_KBS, KBS_NS_REPOSITORY, KBS_NS_SESSION,
		KBS_NS_AS_POLICY, KBS_NS_REFVAL, KBS_NS_META,
		KBS_NS_PROVISIONER,
	};
	enum kbs_storage_type t[KBS_NNS];
	kbs_store *s;
	size_t i;
	int r;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return CCAKIT_ERR_NOMEM;
	for (i = 0; i < KBS_NNS; i++)
		t[i] = c->storage_type;
	if (c->session_storage != KBS_STORE_DEFAULT)
		t[2] = c->session_storage;
	if (c->as_storage != KBS_STORE_DEFAULT)
		t[3] = t[4] = c->as_storage;
	if (c->rvps_storage != KBS_STORE_DEFAULT)
		t[4] = c->rvps_storage;
	for (i = 0; i < KBS_NNS; i++) {
		s->map[i].ns = nss[i];
		if ((r = backend(s, c, db_path, t[i], &s->map[i].kv, d)) !=
		    CCAKIT_OK) {
			kbs_store_free(&s);
			return r;
		}
	}
	*out = s;
	return CCAKIT_OK;
}

void
kbs_store_free(kbs_store **sp)
{
	kbs_store *s;
	size_t i;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	for (i = 0; i < s->nb; i++) {
		state_close(&s->b[i]->db);
		free(s->b[i]->dir);
		pthread_mutex_destroy(&s->b[i]->mu);
		free(s->b[i]);
	}
	free(s);
	*sp = NULL;
}

kbs_kv *
kbs_store_ns(kbs_store *s, const char *ns)
{
	size_t i;

	for (i = 0; i < KBS_NNS; i++)
		if (strcmp(s->map[i].ns, ns) == 0)
			return s->map[i].kv;
	return s->map[0].kv;
}

state_db *
kbs_store_state(kbs_store *s)
{
	size_t i;

	for (i = 0; i < s->nb; i++)
		if (s->b[i]->kind == KV_STATE)
			return s->b[i]->db;
	return NULL;
}

void
kbs_store_describe(kbs_store *s, char *out, size_t outsz)
{
	size_t i, n = 0;
	int w;

	out[0] = '\0';
	for (i = 0; i < KBS_NNS && n < outsz; i++) {
		w = snprintf(out + n, outsz - n, "%s%s: %s", i > 0 ? ", " : "",
		    s->map[i].ns, s->map[i].kv->desc);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

void
kbs_store_housekeep(kbs_store *s, int64_t now_ms)
{
	size_t i, n;

	for (i = 0; i < s->nb; i++) {
		if (s->b[i]->kind != KV_STATE)
			continue;
		if (state_rec_purge(s->b[i]->db, NULL, now_ms, &n, NULL) ==
		    CCAKIT_OK && n > 0)
			svc_debug("purged %zu expired record(s)", n);
		(void)state_housekeep(s->b[i]->db, NULL);
	}
}
