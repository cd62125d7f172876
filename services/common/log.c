/* Service logging to stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "log.h"

static const char *log_prog = "svc";
static int log_threshold = SVC_LOG_WARN;

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

void
svc_log(int level, const char *fmt, ...)
{
	char line[1024], out[4 * sizeof(line) + 8], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > log_threshold || level < SVC_LOG_ERROR)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event, one line of printable ASCII (a request's path, say,
	 * may hold anything). */
	svc_log_escape(line, '\0', "", out, sizeof(out));
	fprintf(stderr, "%s.%03ldZ %s[%s]: %s\n", stamp,
	    ts.tv_nsec / 1000000, log_prog, level_names[level], out);
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
