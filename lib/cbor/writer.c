/*
 * CBOR writer: preferred serialization, definite lengths, sticky error.
 *
 * With buf == NULL the writer only measures. When the buffer is too
 * small the error is CCAKIT_ERR_BUFFER_TOO_SMALL and w->len keeps
 * counting, so that after the last put it holds the size needed. Any
 * other error (a NULL pointer with a length, a text string that is not
 * valid UTF-8, a size overflow) stops the writer for good.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ccakit/cbor.h"
#include "ccakit/err.h"

#include "cbor/cbor_priv.h"
#include "util/util.h"

static void
fail(struct ccakit_cbor_writer *w, int err)
{
	if (w->err == 0)
		w->err = err;
}

/* Whether puts still have any effect. */
static bool
live(const struct ccakit_cbor_writer *w)
{
	return w->err == 0 || w->err == CCAKIT_ERR_BUFFER_TOO_SMALL;
}

static void
append(struct ccakit_cbor_writer *w, const uint8_t *p, size_t n)
{
	if (!live(w))
		return;
	if (n > SIZE_MAX - w->len) {
		w->err = CCAKIT_ERR_TOO_LARGE;
		return;
	}
	if (w->buf != NULL && w->err == 0) {
		if (n > w->cap - w->len)
			w->err = CCAKIT_ERR_BUFFER_TOO_SMALL;
		else if (n > 0)
			memcpy(w->buf + w->len, p, n);
	}
	w->len += n;
}

/* A head with the shortest argument encoding (RFC 8949 §4.2.1). */
static void
put_head(struct ccakit_cbor_writer *w, unsigned major, uint64_t v)
{
	uint8_t h[9];
	size_t n, i;

	if (v < 24) {
		h[0] = (uint8_t)(major << 5 | v);
		n = 0;
	} else if (v <= UINT8_MAX) {
		h[0] = (uint8_t)(major << 5 | 24);
		n = 1;
	} else if (v <= UINT16_MAX) {
		h[0] = (uint8_t)(major << 5 | 25);
		n = 2;
	} else if (v <= UINT32_MAX) {
		h[0] = (uint8_t)(major << 5 | 26);
		n = 4;
	} else {
		h[0] = (uint8_t)(major << 5 | 27);
		n = 8;
	}
	for (i = 0; i < n; i++)
		h[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	append(w, h, 1 + n);
}

void
ccakit_cbor_writer_init(struct ccakit_cbor_writer *w, uint8_t *buf,
    size_t cap)
{
	w->buf = buf;
	w->cap = buf == NULL ? 0 : cap;
	w->len = 0;
	w->err = 0;
}

void
ccakit_cbor_put_uint(struct ccakit_cbor_writer *w, uint64_t v)
{
	put_head(w, 0, v);
}

void
ccakit_cbor_put_int(struct ccakit_cbor_writer *w, int64_t v)
{
	if (v >= 0)
		put_head(w, 0, (uint64_t)v);
	else
		put_head(w, 1, (uint64_t)(-1 - v));	/* no overflow */
}

void
ccakit_cbor_put_bstr(struct ccakit_cbor_writer *w, const uint8_t *p,
    size_t len)
{
	if (p == NULL && len != 0) {
		fail(w, CCAKIT_ERR_INVALID_ARG);
		return;
	}
	put_head(w, 2, len);
	append(w, p, len);
}

void
ccakit_cbor_put_tstr(struct ccakit_cbor_writer *w, const char *s,
    size_t len)
{
	if ((s == NULL && len != 0) ||
	    (len != 0 && cki_utf8_check((const uint8_t *)s, len) != len)) {
		fail(w, CCAKIT_ERR_INVALID_ARG);
		return;
	}
	put_head(w, 3, len);
	append(w, (const uint8_t *)s, len);
}

void
ccakit_cbor_put_cstr(struct ccakit_cbor_writer *w, const char *s)
{
	if (s == NULL) {
		fail(w, CCAKIT_ERR_INVALID_ARG);
		return;
	}
	ccakit_cbor_put_tstr(w, s, strlen(s));
}

void
ccakit_cbor_put_array(struct ccakit_cbor_writer *w, size_t n)
{
	put_head(w, 4, n);
}

void
ccakit_cbor_put_map(struct ccakit_cbor_writer *w, size_t n)
{
	put_head(w, 5, n);
}

void
ccakit_cbor_put_tag(struct ccakit_cbor_writer *w, uint64_t tag)
{
	put_head(w, 6, tag);
}

void
ccakit_cbor_put_bool(struct ccakit_cbor_writer *w, bool v)
{
	put_head(w, 7, v ? 21 : 20);
}

void
ccakit_cbor_put_null(struct ccakit_cbor_writer *w)
{
	put_head(w, 7, 22);
}

void
ccakit_cbor_put_raw(struct ccakit_cbor_writer *w, const uint8_t *p,
    size_t len)
{
	if (p == NULL && len != 0) {
		fail(w, CCAKIT_ERR_INVALID_ARG);
		return;
	}
	append(w, p, len);
}

void
ccakit_cbor_put_bstr_head(struct ccakit_cbor_writer *w, size_t len)
{
	put_head(w, 2, len);
}

int
ccakit_cbor_writer_finish(const struct ccakit_cbor_writer *w, size_t *len)
{
	if (w->err != 0)
		return w->err;
	if (len != NULL)
		*len = w->len;
	return 0;
}
