/*
 * libFuzzer harness for the strict CBOR reader: parse, and when the
 * input is accepted walk the whole tree with the iterators and lookups,
 * print it in diagnostic notation into a bounded buffer, and re-encode
 * it with the writer, which must reproduce the input byte for byte
 * (every accepted item is in preferred serialization).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/cbor.h>
#include <ccakit/err.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[65536];

static void
check(bool cond)
{
	if (!cond)
		abort();
}

/* Re-encode what the writer can express; false for floats and such. */
static bool
walk(struct ccakit_cbor_writer *w, const struct ccakit_cbor_item *it,
    unsigned depth)
{
	struct ccakit_cbor_iter iter;
	struct ccakit_cbor_item c, v;
	const uint8_t *end;
	bool ok = true;
	int64_t x;
	size_t n = 0;

	check(depth <= CCAKIT_CBOR_MAX_DEPTH);
	switch (it->type) {
	case CCAKIT_CBOR_UINT:
		ccakit_cbor_put_uint(w, it->u);
		return true;
	case CCAKIT_CBOR_NINT:
		if (ccakit_cbor_get_int(it, &x) != 0)
			return false;
		check(x < 0);
		ccakit_cbor_put_int(w, x);
		return true;
	case CCAKIT_CBOR_BSTR:
		ccakit_cbor_put_bstr(w, it->data, (size_t)it->u);
		return true;
	case CCAKIT_CBOR_TSTR:
		ccakit_cbor_put_tstr(w, (const char *)it->data, (size_t)it->u);
		return true;
	case CCAKIT_CBOR_ARRAY:
		ccakit_cbor_put_array(w, (size_t)it->u);
		break;
	case CCAKIT_CBOR_MAP:
		ccakit_cbor_put_map(w, (size_t)it->u);
		break;
	case CCAKIT_CBOR_TAG:
		ccakit_cbor_put_tag(w, it->u);
		ccakit_cbor_tag_content(it, &c);
		check(c.enc == it->data);
		break;
	case CCAKIT_CBOR_SIMPLE:
		if (it->u == 20 || it->u == 21)
			ccakit_cbor_put_bool(w, it->u == 21);
		else if (it->u == 22)
			ccakit_cbor_put_null(w);
		else
			return false;
		return true;
	default:
		return false;
	}
	/* Children tile the container exactly. */
	ccakit_cbor_iter_init(&iter, it);
	end = it->data;
	while (ccakit_cbor_iter_next(&iter, &c)) {
		check(c.enc == end);
		end = c.enc + c.enclen;
		if (it->type == CCAKIT_CBOR_MAP && n % 2 == 0 &&
		    ccakit_cbor_get_int(&c, &x) == 0) {
			check(ccakit_cbor_map_get_int(it, x, &v));
			check(v.enc == end);
		}
		if (!walk(w, &c, depth + 1))
			ok = false;
		n++;
	}
	check(end == it->enc + it->enclen);
	check(n == (it->type == CCAKIT_CBOR_MAP ? 2 * it->u :
	    it->type == CCAKIT_CBOR_TAG ? 1 : it->u));
	return ok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ccakit_cbor_item top;
	struct ccakit_cbor_writer w;
	struct ccakit_cbor_limits lim = { 4, 64, 4 };
	char diag[4096];
	size_t off = SIZE_MAX, dlen = 0, wlen;
	bool all;
	int r;

	r = ccakit_cbor_parse(data, size, NULL, &top, &off);
	if (r != 0) {
		check(r >= CCAKIT_ERR_CBOR_TRUNCATED &&
		    r <= CCAKIT_ERR_CBOR_TRAILING);
		check(off <= size);
		/* Tighter limits never accept more. */
		check(ccakit_cbor_parse(data, size, &lim, &top, NULL) != 0);
		return 0;
	}
	check(top.enc == data && top.enclen == size);
	ccakit_cbor_writer_init(&w, size <= sizeof(out) ? out : NULL,
	    size <= sizeof(out) ? sizeof(out) : 0);
	all = walk(&w, &top, 0);
	check(ccakit_cbor_writer_finish(&w, &wlen) == 0);
	if (all) {
		check(wlen == size);
		check(w.buf == NULL || memcmp(out, data, size) == 0);
	}
	r = ccakit_cbor_diag(&top, size % 2 == 0, diag, sizeof(diag), &dlen);
	check(r == 0 || r == CCAKIT_ERR_BUFFER_TOO_SMALL);
	check(strlen(diag) == (r == 0 ? dlen : sizeof(diag) - 1));
	(void)ccakit_cbor_parse(data, size, &lim, &top, NULL);
	return 0;
}
