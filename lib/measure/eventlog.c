/*
 * Realm measurement log parser (TCG PC Client PFP crypto-agile format
 * with the CCA realm events; spec §4.1).
 *
 * Every read goes through a cursor that fails without side effects when
 * fewer bytes remain than asked. Lengths and counts are checked against
 * the remaining input and the caps of eventlog.h before use; the event
 * array grows with the events actually parsed, never with a declared
 * count. The parsed log owns a copy of the input and every view points
 * into it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ccakit/eventlog.h>

#include "measure/measure_priv.h"
#include "util/util.h"

#define SPECID_SIG      "Spec ID Event03"       /* 16 bytes with the NUL */
#define VMVERSION_SIG   "VM VERSION"            /* NUL padded to 16 */
#define VMVERSION_MIN   100u    /* sig, name, version, ram_size, num_cpus */
#define VMVERSION_FLAGS 112u    /* + 4 bytes padding + u64 flags */
#define VMVERSION_MAX   256u

/* Internal: the input ended inside an event (not a ccakit_err code). */
#define TRUNCATED       (-1)

struct ccakit_evlog {
	uint8_t *buf;
	size_t len;
	struct ccakit_evlog_specid spec;
	struct ccakit_evlog_event *ev;
	size_t n, cap;
};

struct cur {
	const uint8_t *p;
	size_t len;
	size_t off;
};

static bool
rd(struct cur *c, size_t n, const uint8_t **out)
{
	if (n > c->len - c->off)
		return false;
	*out = c->p + c->off;
	c->off += n;
	return true;
}

static bool
rd_u8(struct cur *c, uint8_t *v)
{
	const uint8_t *p;

	if (!rd(c, 1, &p))
		return false;
	*v = p[0];
	return true;
}

static bool
rd_u16(struct cur *c, uint16_t *v)
{
	const uint8_t *p;

	if (!rd(c, 2, &p))
		return false;
	*v = cki_meas_get_le16(p);
	return true;
}

static bool
rd_u32(struct cur *c, uint32_t *v)
{
	const uint8_t *p;

	if (!rd(c, 4, &p))
		return false;
	*v = cki_meas_get_le32(p);
	return true;
}

static size_t
left(const struct cur *c)
{
	return c->len - c->off;
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

static int
bad(struct ccakit_errdetail *d, size_t off, const char *why)
{
	return cki_detail(d, CCAKIT_ERR_EVLOG_MALFORMED, "eventlog",
	    "offset %zu: %s", off, why);
}

/* The first event: TCG_PCClientPCREvent holding TCG_EfiSpecIDEvent. */
static int
parse_specid(struct cur *c, struct ccakit_evlog_specid *s,
    struct ccakit_errdetail *d)
{
	const uint8_t *digest, *data, *sig, *vendor;
	uint32_t pcr, type, size, nalgs;
	uint8_t vsize;
	struct cur e;
	size_t i, j;

	if (!rd_u32(c, &pcr) || !rd_u32(c, &type) || !rd(c, 20, &digest) ||
	    !rd_u32(c, &size) || !rd(c, size, &data))
		return bad(d, 0, "truncated Spec ID event");
	if (pcr != 0 || type != CCAKIT_EV_NO_ACTION || !all_zero(digest, 20))
		return bad(d, 0, "first event is not a Spec ID event");
	e.p = data;
	e.len = size;
	e.off = 0;
	if (!rd(&e, 16, &sig) || memcmp(sig, SPECID_SIG, 16) != 0)
		return bad(d, 32, "bad Spec ID signature");
	if (!rd_u32(&e, &s->platform_class) ||
	    !rd_u8(&e, &s->version_minor) || !rd_u8(&e, &s->version_major) ||
	    !rd_u8(&e, &s->spec_revision) || !rd_u8(&e, &s->uintn_size) ||
	    !rd_u32(&e, &nalgs))
		return bad(d, 32, "truncated Spec ID event");
	if (s->uintn_size != 1 && s->uintn_size != 2)
		return bad(d, 32, "bad uintnSize");
	if (nalgs == 0 || nalgs > CCAKIT_EVLOG_MAX_ALGS ||
	    nalgs > left(&e) / 4)
		return bad(d, 32, "bad number of algorithms");
	s->n_algs = nalgs;
	for (i = 0; i < nalgs; i++) {
		if (!rd_u16(&e, &s->algs[i].alg) ||
		    !rd_u16(&e, &s->algs[i].size))
			return bad(d, 32, "truncated algorithm table");
		if (s->algs[i].size == 0 ||
		    s->algs[i].size > CCAKIT_EVLOG_MAX_DIGEST)
			return bad(d, 32, "bad digest size");
		for (j = 0; j < i; j++) {
			if (s->algs[j].alg == s->algs[i].alg)
				return bad(d, 32, "duplicate algorithm");
		}
	}
	if (!rd_u8(&e, &vsize) || !rd(&e, vsize, &vendor) || left(&e) != 0)
		return bad(d, 32, "bad vendor info or trailing bytes");
	return CCAKIT_OK;
}

static int
parse_digests(struct cur *c, const struct ccakit_evlog_specid *s,
    struct ccakit_evlog_event *ev, struct ccakit_errdetail *d)
{
	uint32_t count;
	uint16_t alg;
	const uint8_t *v;
	size_t i, j, k, size;
	bool quirk;

	if (!rd_u32(c, &count))
		return TRUNCATED;
	if (count > s->n_algs)
		return bad(d, ev->offset, "more digests than algorithms");
	/* EV_NO_ACTION with one entry per algorithm: sizes follow the table
	 * whatever the ids (QEMU writes id 0); no digest is kept. */
	quirk = ev->type == CCAKIT_EV_NO_ACTION && count == s->n_algs;
	for (i = 0; i < count; i++) {
		if (!rd_u16(c, &alg))
			return TRUNCATED;
		size = 0;
		for (k = 0; k < s->n_algs; k++) {
			if (s->algs[k].alg == alg) {
				size = s->algs[k].size;
				break;
			}
		}
		if (quirk)
			size = s->algs[i].size;
		else if (size == 0)
			return bad(d, ev->offset, "digest algorithm not in the "
			    "Spec ID table");
		if (!rd(c, size, &v))
			return TRUNCATED;
		if (quirk)
			continue;
		for (j = 0; j < ev->n_digests; j++) {
			if (ev->digests[j].alg == alg)
				return bad(d, ev->offset,
				    "duplicate digest algorithm");
		}
		ev->digests[ev->n_digests].alg = alg;
		ev->digests[ev->n_digests].value.ptr = v;
		ev->digests[ev->n_digests].value.len = size;
		ev->n_digests++;
	}
	return CCAKIT_OK;
}

static struct ccakit_bytes
cstr(const uint8_t *p, size_t max)
{
	struct ccakit_bytes b;
	const uint8_t *z = memchr(p, 0, max);

	b.ptr = p;
	b.len = z != NULL ? (size_t)(z - p) : max;
	return b;
}

static int
decode_vm_version(struct ccakit_evlog_event *ev, struct ccakit_errdetail *d)
{
	const uint8_t *p = ev->data.ptr;
	struct ccakit_evlog_vm_version *v = &ev->u.vm;

	if (ev->data.len < VMVERSION_MIN || ev->data.len > VMVERSION_MAX)
		return bad(d, ev->offset, "bad VM VERSION size");
	v->name = cstr(p + 16, 32);
	v->version = cstr(p + 48, 40);
	v->ram_size = cki_meas_get_le64(p + 88);
	v->num_cpus = cki_meas_get_le32(p + 96);
	/* Producers' unpacked C struct: 4 bytes of padding, u64 flags. */
	if (ev->data.len == VMVERSION_FLAGS) {
		v->has_flags = true;
		v->flags = cki_meas_get_le64(p + 104);
	}
	return CCAKIT_OK;
}

static int
decode_tag(struct ccakit_evlog_event *ev, struct ccakit_errdetail *d)
{
	const uint8_t *p = ev->data.ptr;
	uint32_t id, size;
	size_t i;

	if (ev->data.len < 8)
		return bad(d, ev->offset, "short EV_EVENT_TAG");
	id = cki_meas_get_le32(p);
	size = cki_meas_get_le32(p + 4);
	if (size != ev->data.len - 8)
		return bad(d, ev->offset, "EV_EVENT_TAG size mismatch");
	p += 8;
	switch (id) {
	case CCAKIT_EVTAG_REALM_CREATE:
		if (size != 14)
			return bad(d, ev->offset, "bad REALM_CREATE size");
		ev->kind = CCAKIT_EVK_REALM_CREATE;
		ev->u.realm.flags = cki_meas_get_le64(p);
		ev->u.realm.s2sz = p[8];
		ev->u.realm.sve_vl = p[9];
		ev->u.realm.num_bps = p[10];
		ev->u.realm.num_wps = p[11];
		ev->u.realm.pmu_num_ctrs = p[12];
		ev->u.realm.hash_algo = p[13];
		break;
	case CCAKIT_EVTAG_INIT_RIPAS:
		if (size != 16)
			return bad(d, ev->offset, "bad INIT_RIPAS size");
		ev->kind = CCAKIT_EVK_INIT_RIPAS;
		ev->u.ripas.base = cki_meas_get_le64(p);
		ev->u.ripas.size = cki_meas_get_le64(p + 8);
		break;
	case CCAKIT_EVTAG_REC_CREATE:
		if (size != 80)
			return bad(d, ev->offset, "bad REC_CREATE size");
		ev->kind = CCAKIT_EVK_REC_CREATE;
		ev->u.rec.flags = cki_meas_get_le64(p);
		ev->u.rec.pc = cki_meas_get_le64(p + 8);
		for (i = 0; i < 8; i++)
			ev->u.rec.gprs[i] = cki_meas_get_le64(p + 16 + 8 * i);
		break;
	default:
		return bad(d, ev->offset, "unknown realm EV_EVENT_TAG id");
	}
	return CCAKIT_OK;
}

/* UEFI_PLATFORM_FIRMWARE_BLOB2 {u8 len, desc[len], u64 base, u64 length} */
static int
decode_blob(struct ccakit_evlog_event *ev, struct ccakit_errdetail *d)
{
	const uint8_t *p = ev->data.ptr;
	struct ccakit_evlog_image *im = &ev->u.image;
	size_t dl;

	if (ev->data.len < 1)
		return bad(d, ev->offset, "empty image event");
	dl = p[0];
	if (ev->data.len != 1 + dl + 16)
		return bad(d, ev->offset, "image event size mismatch");
	im->desc.ptr = p + 1;
	im->desc.len = dl;
	if (dl > 0 && p[dl] == 0) {
		im->nul_terminated = true;
		im->desc.len--;
	}
	im->base = cki_meas_get_le64(p + 1 + dl);
	im->length = cki_meas_get_le64(p + 1 + dl + 8);
	ev->kind = CCAKIT_EVK_IMAGE;
	return CCAKIT_OK;
}

static int
decode(struct ccakit_evlog_event *ev, struct ccakit_errdetail *d)
{
	switch (ev->type) {
	case CCAKIT_EV_NO_ACTION:
		if (ev->data.len >= 16 &&
		    memcmp(ev->data.ptr, VMVERSION_SIG "\0\0\0\0\0\0", 16) ==
		    0) {
			ev->kind = CCAKIT_EVK_VM_VERSION;
			return decode_vm_version(ev, d);
		}
		ev->kind = CCAKIT_EVK_NO_ACTION;
		return CCAKIT_OK;
	case CCAKIT_EV_EVENT_TAG:
		/* Realm operations live on PCR 0 (the RIM); firmware tags on
		 * other PCRs are plain REM extensions. */
		if (ev->pcr == 0)
			return decode_tag(ev, d);
		break;
	case CCAKIT_EV_POST_CODE2:
	case CCAKIT_EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		return decode_blob(ev, d);
	default:
		break;
	}
	ev->kind = CCAKIT_EVK_OTHER;
	return CCAKIT_OK;
}

static int
grow(ccakit_evlog *l, struct ccakit_errdetail *d)
{
	struct ccakit_evlog_event *n;
	size_t cap;

	if (l->n < l->cap)
		return CCAKIT_OK;
	if (l->n >= CCAKIT_EVLOG_MAX_EVENTS)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "eventlog",
		    "more than %u events", CCAKIT_EVLOG_MAX_EVENTS);
	cap = l->cap == 0 ? 16 : 2 * l->cap;
	if (cap > CCAKIT_EVLOG_MAX_EVENTS)
		cap = CCAKIT_EVLOG_MAX_EVENTS;
	if ((n = reallocarray(l->ev, cap, sizeof(*n))) == NULL)
		return cki_detail(d, CCAKIT_ERR_NOMEM, "eventlog", NULL);
	l->ev = n;
	l->cap = cap;
	return CCAKIT_OK;
}

static int
parse_events(ccakit_evlog *l, struct cur *c, unsigned flags,
    struct ccakit_errdetail *d)
{
	struct ccakit_evlog_event ev;
	const uint8_t *data;
	uint32_t size;
	size_t start;
	int rc;

	while (left(c) > 0) {
		start = c->off;
		/* Terminator: pcr 0, type 0 (EV_PREBOOT_CERT), i.e. the zero
		 * padding of a fixed-size log region. Fewer than 8 bytes are
		 * a truncated event, not a terminator. */
		if (left(c) >= 8 && all_zero(c->p + start, 8)) {
			if ((flags & CCAKIT_EVLOG_LENIENT_PADDING) == 0 &&
			    !all_zero(c->p + start, left(c)))
				return bad(d, start, "bytes after the end of "
				    "the log");
			return CCAKIT_OK;
		}
		memset(&ev, 0, sizeof(ev));
		ev.offset = start;
		ev.trusted = SIZE_MAX;
		if (!rd_u32(c, &ev.pcr) || !rd_u32(c, &ev.type)) {
			rc = TRUNCATED;
			goto trunc;
		}
		if ((rc = parse_digests(c, &l->spec, &ev, d)) != CCAKIT_OK) {
			if (rc == TRUNCATED)
				goto trunc;
			return rc;
		}
		if (!rd_u32(c, &size) || !rd(c, size, &data)) {
			rc = TRUNCATED;
			goto trunc;
		}
		ev.data.ptr = data;
		ev.data.len = size;
		if ((rc = decode(&ev, d)) != CCAKIT_OK)
			return rc;
		if ((rc = grow(l, d)) != CCAKIT_OK)
			return rc;
		l->ev[l->n++] = ev;
		continue;
trunc:
		if ((flags & CCAKIT_EVLOG_LENIENT_TAIL) != 0)
			return CCAKIT_OK;
		return bad(d, start, "truncated event");
	}
	return CCAKIT_OK;
}

ccakit_evlog *
ccakit_evlog_new(void)
{
	return calloc(1, sizeof(ccakit_evlog));
}

static void
evlog_clear(ccakit_evlog *l)
{
	free(l->buf);
	free(l->ev);
	memset(l, 0, sizeof(*l));
}

int
ccakit_evlog_parse(ccakit_evlog *out, const uint8_t *buf, size_t len,
    unsigned flags, struct ccakit_errdetail *d)
{
	ccakit_evlog t, *l = &t;
	struct cur c;
	int rc = CCAKIT_ERR_INTERNAL;

	memset(&t, 0, sizeof(t));
	if (out == NULL || (buf == NULL && len != 0) ||
	    (flags & ~(CCAKIT_EVLOG_LENIENT_TAIL |
	    CCAKIT_EVLOG_LENIENT_PADDING)) != 0)
		return cki_detail(d, CCAKIT_ERR_INVALID_ARG, "eventlog", NULL);
	if (len > CCAKIT_EVLOG_MAX_SIZE)
		return cki_detail(d, CCAKIT_ERR_TOO_LARGE, "eventlog",
		    "log larger than %u bytes", CCAKIT_EVLOG_MAX_SIZE);
	if ((l->buf = malloc(len > 0 ? len : 1)) == NULL) {
		rc = cki_detail(d, CCAKIT_ERR_NOMEM, "eventlog", NULL);
		goto out;
	}
	if (len > 0)
		memcpy(l->buf, buf, len);
	l->len = len;
	c.p = l->buf;
	c.len = len;
	c.off = 0;
	if ((rc = parse_specid(&c, &l->spec, d)) != CCAKIT_OK ||
	    (rc = parse_events(l, &c, flags, d)) != CCAKIT_OK)
		goto out;
	evlog_clear(out);
	*out = t;
	memset(&t, 0, sizeof(t));
	rc = CCAKIT_OK;
out:
	evlog_clear(&t);
	return rc;
}

void
ccakit_evlog_free(ccakit_evlog **lp)
{
	ccakit_evlog *l;

	if (lp == NULL || (l = *lp) == NULL)
		return;
	*lp = NULL;
	evlog_clear(l);
	free(l);
}

const struct ccakit_evlog_specid *
ccakit_evlog_specid(const ccakit_evlog *l)
{
	return l != NULL ? &l->spec : NULL;
}

size_t
ccakit_evlog_count(const ccakit_evlog *l)
{
	return l != NULL ? l->n : 0;
}

const struct ccakit_evlog_event *
ccakit_evlog_event(const ccakit_evlog *l, size_t i)
{
	if (l == NULL || i >= l->n)
		return NULL;
	return &l->ev[i];
}

/* For replay.c: the events, writable (status fields). */
struct ccakit_evlog_event *
cki_meas_evlog_events(ccakit_evlog *l, size_t *n)
{
	*n = l->n;
	return l->ev;
}

unsigned
ccakit_evlog_pcr_to_mr(uint32_t pcr)
{
	if (pcr == 0)
		return 0;
	if (pcr == 1 || pcr == 7)
		return 1;
	if (pcr <= 6)
		return 2;
	if (pcr <= 15)
		return 3;
	return 4;
}
