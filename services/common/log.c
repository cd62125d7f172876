/* Service logging to stderr. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "log.h"

static const char *log_prog = "svc";
static int log_threshold = SVC_LOG_WARN;
static enum svc_log_format log_format = SVC_LOG_TEXT;

static const char *const level_names[] = {
	"error", "warn", "info", "debug", "trace",
};

void
svc_log_init(const char *progname, int level)
{
	if (progname != NULL)
		log_prog = progname;
	if (level < SVC_LOG_ERROR)
		level = SVC_LOG_ERROR;
	if (level > SVC_LOG_TRACE)
		level = SVC_LOG_TRACE;
	log_threshold = level;
}

int
svc_log_level(void)
{
	return log_threshold;
}

void
svc_log_set_format(enum svc_log_format f)
{
	log_format = f == SVC_LOG_JSON ? SVC_LOG_JSON : SVC_LOG_TEXT;
}

int
svc_log_format_from_name(const char *name)
{
	if (strcmp(name, "text") == 0)
		return SVC_LOG_TEXT;
	if (strcmp(name, "json") == 0)
		return SVC_LOG_JSON;
	return -1;
}

char *
svc_log_escape(const char *s, char stop, const char *also, char *out,
    size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (; *p != '\0' && *p != (unsigned char)stop; p++) {
		if (o + 8 > outsz) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (*p < 0x20 || *p >= 0x7f || strchr(also, *p) != NULL) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
	return out;
}

/* A line under construction: appends are cut at the end of buf. */
struct line {
	char buf[16384];
	size_t n;
	int level;
};

static void
put(struct line *l, const char *s)
{
	size_t k = strlen(s);

	if (k > sizeof(l->buf) - 1 - l->n)
		k = sizeof(l->buf) - 1 - l->n;
	memcpy(l->buf + l->n, s, k);
	l->n += k;
	l->buf[l->n] = '\0';
}

/* s as printable ASCII (\xHH), and for JSON with " and \ escaped. */
static void
put_text(struct line *l, const char *s, bool json)
{
	char esc[4 * 1024 + 8], q[3] = { '\\', 0, 0 };
	const char *p;

	svc_log_escape(s, '\0', "", esc, sizeof(esc));
	if (!json) {
		put(l, esc);
		return;
	}
	for (p = esc; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			q[1] = *p;
			put(l, q);
		} else {
			char c[2] = { *p, 0 };

			put(l, c);
		}
	}
}

static void
put_head(struct line *l, int level)
{
	char stamp[48];
	struct timespec ts;
	struct tm tm;
	size_t k;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + k, sizeof(stamp) - k, ".%03ldZ",
	    ts.tv_nsec / 1000000);
	if (log_format == SVC_LOG_JSON) {
		put(l, "{\"time\":\"");
		put(l, stamp);
		put(l, "\",\"level\":\"");
		put(l, level_names[level]);
		put(l, "\",\"service\":\"");
		put_text(l, log_prog, true);
		put(l, "\"");
	} else {
		put(l, stamp);
		put(l, " ");
		put_text(l, log_prog, false);
		put(l, "[");
		put(l, level_names[level]);
		put(l, "]:");
	}
}

static void
emit(struct line *l)
{
	/* Cannot happen with svc_log()'s and the request line's bounds; a
	 * cut JSON line would not parse: say so instead. */
	if (log_format == SVC_LOG_JSON && l->n >= sizeof(l->buf) - 2) {
		l->n = 0;
		put_head(l, l->level);
		put(l, ",\"msg\":\"(line too long)\"");
	}
	if (log_format == SVC_LOG_JSON)
		put(l, "}");
	fprintf(stderr, "%s\n", l->buf);
}

void
svc_log(int level, const char *fmt, ...)
{
	char text[1024];
	struct line l;
	va_list ap;

	if (level > log_threshold || level < SVC_LOG_ERROR)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	l.n = 0;
	l.level = level;
	put_head(&l, level);
	/* One event, one line of printable ASCII (a request's path, say,
	 * may hold anything). */
	if (log_format == SVC_LOG_JSON) {
		put(&l, ",\"msg\":\"");
		put_text(&l, text, true);
		put(&l, "\"");
	} else {
		put(&l, " ");
		put_text(&l, text, false);
	}
	emit(&l);
}

void
svc_log_fields(int level, const char *msg, const struct svc_log_field *f,
    size_t n)
{
	bool json = log_format == SVC_LOG_JSON;
	struct line l;
	size_t i;

	if (level > log_threshold || level < SVC_LOG_ERROR)
		return;
	l.n = 0;
	l.level = level;
	put_head(&l, level);
	if (msg != NULL) {
		put(&l, json ? ",\"msg\":\"" : " ");
		put_text(&l, msg, json);
		if (json)
			put(&l, "\"");
	}
	for (i = 0; i < n; i++) {
		if (f[i].value == NULL || f[i].value[0] == '\0')
			continue;
		if (json) {
			put(&l, ",\"");
			put_text(&l, f[i].key, true);
			put(&l, (f[i].flags & SVC_LOG_NUM) ? "\":" : "\":\"");
			put_text(&l, f[i].value, true);
			if (!(f[i].flags & SVC_LOG_NUM))
				put(&l, "\"");
		} else {
			put(&l, " ");
			if (!(f[i].flags & SVC_LOG_BARE)) {
				put_text(&l, f[i].key, false);
				put(&l, "=");
			}
			put_text(&l, f[i].value, false);
		}
	}
	emit(&l);
}

const char *
svc_log_fp(const uint8_t *p, size_t len, char *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (EVP_Digest(p, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 4) {
		snprintf(out, SVC_LOG_FP_SIZE, "?/%zu", len);
		return out;
	}
	snprintf(out, SVC_LOG_FP_SIZE, "sha256:%02x%02x%02x%02x/%zu", md[0],
	    md[1], md[2], md[3], len);
	return out;
}
