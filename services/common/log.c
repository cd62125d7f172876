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

void
svc_log(int level, const char *fmt, ...)
{
	char line[1024], stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t i;

	if (level > log_threshold || level < SVC_LOG_ERROR)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One event, one line: no control characters from the message. */
	for (i = 0; line[i] != '\0'; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	fprintf(stderr, "%s.%03ldZ %s[%s]: %s\n", stamp,
	    ts.tv_nsec / 1000000, log_prog, level_names[level], line);
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
