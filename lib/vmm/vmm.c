/*
 * Common part of the VMM models: error messages, number parsing, realm
 * parameter resolution (upstream src/realm_params.rs), image files and
 * the realm layout the models fill.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "vmm/vmm_priv.h"

int
cki_msg(struct ccakit_errdetail *m, int code, const char *fmt, ...)
{
	va_list ap;

	if (m != NULL) {
		m->code = code;
		va_start(ap, fmt);
		(void)vsnprintf(m->text, sizeof(m->text), fmt, ap);
		va_end(ap);
	}
	return code;
}

int
cki_msg_ctx(struct ccakit_errdetail *m, int code, const char *ctx)
{
	size_t n, have;

	if (m == NULL)
		return code;
	/* Shift the message right and put "ctx: " in front, truncating. */
	n = strlen(ctx) + 2;
	if (n >= sizeof(m->text))
		return code;
	have = strnlen(m->text, sizeof(m->text) - 1);
	if (have > sizeof(m->text) - 1 - n)
		have = sizeof(m->text) - 1 - n;
	memmove(m->text + n, m->text, have);
	m->text[n + have] = '\0';
	memcpy(m->text, ctx, n - 2);
	m->text[n - 2] = ':';
	m->text[n - 1] = ' ';
	return code;
}

int
cki_msg_file(struct ccakit_errdetail *m, int code, const char *path, int errnum)
{
	/* Rust's io::Error display: "<strerror> (os error N)". */
	return cki_msg(m, code, "file %s error: %s (os error %d)", path,
	    strerror(errnum), errnum);
}

int
cki_parse_u64(const char *s, uint64_t max, uint64_t *out,
    struct ccakit_errdetail *m)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p == '+')
		p++;
	if (*s == '\0')
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "cannot parse integer from empty string");
	if (*p == '\0')
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "invalid digit found in string");
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "invalid digit found in string");
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
			    "number too large to fit in target type");
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return CCAKIT_OK;
}

int
cki_parse_mem_size(const char *s, uint64_t *out, struct ccakit_errdetail *m)
{
	static const struct {
		char c;
		uint64_t mult;
	} suffix[] = {
		{ 'B', 1 }, { 'K', CKI_KIB }, { 'M', CKI_MIB },
		{ 'G', CKI_GIB }, { 'T', CKI_TIB }, { 'P', CKI_PIB },
	};
	char buf[64];
	uint64_t mult = CKI_MIB, v;
	size_t n = strlen(s), i;
	int r;

	if (n >= sizeof(buf))
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "number too large to fit in target type");
	memcpy(buf, s, n + 1);
	for (i = 0; n > 0 && i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (buf[n - 1] == suffix[i].c) {
			mult = suffix[i].mult;
			buf[n - 1] = '\0';
			break;
		}
	if ((r = cki_parse_u64(buf, UINT64_MAX, &v, m)) != CCAKIT_OK)
		return r;
	if (v > UINT64_MAX / mult)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "number too large to fit in target type");
	*out = v * mult;
	return CCAKIT_OK;
}

int
cki_parse_onoff(const char *s, int *v, struct ccakit_errdetail *m)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "yes") == 0 ||
	    strcmp(s, "true") == 0 || strcmp(s, "y") == 0)
		*v = 1;
	else if (strcmp(s, "off") == 0 || strcmp(s, "no") == 0 ||
	    strcmp(s, "false") == 0 || strcmp(s, "n") == 0)
		*v = 0;
	else if (strcmp(s, "auto") != 0)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "expected on/off/auto, got '%s'", s);
	return CCAKIT_OK;
}

unsigned int
cki_ilog2(uint64_t v)
{
	unsigned int n = 0;

	while (v >>= 1)
		n++;
	return n;
}

uint64_t
cki_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static int
sve_vl_ok(unsigned int v)
{
	return v == 0 || (v % 128 == 0 && v >= 128 && v <= 2048);
}

int
cki_caps_set(struct ccakit_realm_caps *c, unsigned int which, unsigned int v,
    int restrict_only, struct ccakit_errdetail *m)
{
	unsigned int old = 0;

	switch (which) {
	case CCAKIT_CAP_IPA_BITS:
		old = c->ipa_bits;
		break;
	case CCAKIT_CAP_NUM_BPS:
		if (v < 2 || v > 64)
			return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid parameter breakpoints '%u'", v);
		old = c->num_bps;
		break;
	case CCAKIT_CAP_NUM_WPS:
		if (v < 2 || v > 64)
			return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid parameter watchpoints '%u'", v);
		old = c->num_wps;
		break;
	case CCAKIT_CAP_PMU_NUM_CTRS:
		if (v > 31)
			return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid parameter PMU counters '%u'", v);
		old = c->pmu_num_ctrs;
		break;
	case CCAKIT_CAP_SVE_VL:
		if (!sve_vl_ok(v))
			return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid parameter SVE vector length '%u'", v);
		old = c->sve_vl;
		break;
	case CCAKIT_CAP_PMU:
		old = c->pmu;
		break;
	case CCAKIT_CAP_LPA2:
		old = c->lpa2;
		break;
	default:
		return CCAKIT_ERR_INVALID_ARG;
	}
	/* Restrict: a value set earlier can only be lowered (false < true). */
	if (restrict_only && (c->set & which) && v > old)
		return CCAKIT_OK;
	switch (which) {
	case CCAKIT_CAP_IPA_BITS:
		c->ipa_bits = (uint8_t)v;
		break;
	case CCAKIT_CAP_NUM_BPS:
		c->num_bps = (uint8_t)v;
		break;
	case CCAKIT_CAP_NUM_WPS:
		c->num_wps = (uint8_t)v;
		break;
	case CCAKIT_CAP_PMU_NUM_CTRS:
		c->pmu_num_ctrs = (uint8_t)v;
		break;
	case CCAKIT_CAP_SVE_VL:
		c->sve_vl = (uint16_t)v;
		break;
	case CCAKIT_CAP_PMU:
		c->pmu = (uint8_t)(v != 0);
		break;
	default:
		c->lpa2 = (uint8_t)(v != 0);
		break;
	}
	c->set |= which;
	return CCAKIT_OK;
}

/* Upstream applies them in this order (RealmParams::restrict/udpate). */
static int
caps_merge(struct ccakit_realm_caps *dst, const struct ccakit_realm_caps *src,
    int restrict_only, struct ccakit_errdetail *m)
{
	const struct {
		unsigned int bit;
		unsigned int v;
	} f[] = {
		{ CCAKIT_CAP_IPA_BITS, src->ipa_bits },
		{ CCAKIT_CAP_NUM_BPS, src->num_bps },
		{ CCAKIT_CAP_NUM_WPS, src->num_wps },
		{ CCAKIT_CAP_PMU_NUM_CTRS, src->pmu_num_ctrs },
		{ CCAKIT_CAP_SVE_VL, src->sve_vl },
		{ CCAKIT_CAP_PMU, src->pmu },
		{ CCAKIT_CAP_LPA2, src->lpa2 },
	};
	struct ccakit_realm_caps tmp = *dst;
	size_t i;
	int r;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if ((src->set & f[i].bit) && (r = cki_caps_set(&tmp, f[i].bit,
		    f[i].v, restrict_only, m)) != CCAKIT_OK)
			return r;
	*dst = tmp;
	return CCAKIT_OK;
}

int
ccakit_realm_caps_update(struct ccakit_realm_caps *dst,
    const struct ccakit_realm_caps *src, struct ccakit_errdetail *m)
{
	if (dst == NULL || src == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	return caps_merge(dst, src, 0, m);
}

int
ccakit_realm_caps_restrict(struct ccakit_realm_caps *dst,
    const struct ccakit_realm_caps *src, struct ccakit_errdetail *m)
{
	if (dst == NULL || src == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	return caps_merge(dst, src, 1, m);
}

int
cki_vmm_read_file(const char *path, uint8_t **buf, size_t *len,
    struct ccakit_errdetail *m)
{
	int r;

	if ((r = cki_read_file(path, CKI_FDT_MAX_SIZE, buf, len)) ==
	    CCAKIT_OK)
		return r;
	if (r == CCAKIT_ERR_IO)
		return cki_msg_file(m, r, path, errno);
	return cki_msg(m, r, "file %s error: %s", path, ccakit_strerror(r));
}

void
cki_room_set(struct cki_room *rm, const char *what, const char *where,
    uint64_t ipa, uint64_t base, uint64_t len)
{
	rm->what = what;
	rm->where = where;
	rm->ipa = ipa;
	rm->size = ipa >= base && ipa - base < len ? len - (ipa - base) : 0;
}

int
cki_room_refuse(const struct cki_room *rm, uint64_t n, int known,
    struct ccakit_errdetail *m)
{
	if (known)
		return cki_msg(m, CCAKIT_ERR_TOO_LARGE, "%s does not fit %s "
		    "(%llu bytes, %llu available at 0x%llx)", rm->what,
		    rm->where, (unsigned long long)n,
		    (unsigned long long)rm->size, (unsigned long long)rm->ipa);
	return cki_msg(m, CCAKIT_ERR_TOO_LARGE, "%s does not fit %s (more "
	    "than %llu bytes available at 0x%llx)", rm->what, rm->where,
	    (unsigned long long)rm->size, (unsigned long long)rm->ipa);
}

/*
 * Read fd to its end into a malloc'd buffer: CCAKIT_ERR_TOO_LARGE as soon
 * as there is more than max bytes (max + 1 are read, no more).
 */
static int
read_capped(int fd, size_t max, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, len = 0, ncap, want;
	ssize_t n;
	int e;

	for (;;) {
		if (len == cap) {
			if (cap > max) {
				free(buf);
				return CCAKIT_ERR_TOO_LARGE;
			}
			ncap = cap == 0 ? 64 * 1024 : cap * 2;
			if (ncap > max + 1 || ncap < cap)
				ncap = max + 1;
			if ((nb = realloc(buf, ncap)) == NULL) {
				free(buf);
				return CCAKIT_ERR_NOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		want = cap - len;
		if ((n = read(fd, buf + len, want)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(buf);
			errno = e;
			return CCAKIT_ERR_IO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		free(buf);
		return CCAKIT_ERR_TOO_LARGE;
	}
	*out = buf;
	*outlen = len;
	return CCAKIT_OK;
}

int
cki_image_open(struct cki_image *img, const char *path,
    const struct cki_room *room, struct ccakit_errdetail *m)
{
	struct cki_room rm = *room;
	struct stat st;
	size_t cap;
	int fd, r, e;

	if (img->loaded)
		return CCAKIT_OK;
	free(img->path);
	img->room = rm;
	if ((img->path = strdup(path)) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return cki_msg_file(m, CCAKIT_ERR_IO, path, errno);
	if (fstat(fd, &st) == -1) {
		e = errno;
		close(fd);
		return cki_msg_file(m, CCAKIT_ERR_IO, path, e);
	}
	if (!S_ISREG(st.st_mode)) {
		/* A pipe or a device: read it, no further than it can fit. */
		cap = rm.size < CKI_KERNEL_MAX ? (size_t)rm.size :
		    CKI_KERNEL_MAX;
		r = read_capped(fd, cap, &img->heap, &img->len);
		e = errno;
		close(fd);
		if (r == CCAKIT_ERR_TOO_LARGE && cap == rm.size)
			return cki_room_refuse(&rm, 0, 0, m);
		if (r != CCAKIT_OK)
			return r == CCAKIT_ERR_IO ?
			    cki_msg_file(m, r, path, e) :
			    cki_msg(m, r, "file %s error: %s", path,
			    ccakit_strerror(r));
		img->data = img->heap;
		img->loaded = 1;
		return CCAKIT_OK;
	}
	/* Refused from its size: a sparse 2 GiB file is never read. */
	if ((uint64_t)st.st_size > rm.size) {
		close(fd);
		return cki_room_refuse(&rm, (uint64_t)st.st_size, 1, m);
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return cki_msg(m, CCAKIT_ERR_TOO_LARGE,
		    "file %s error: too large", path);
	}
	/* Kept open, read when measured. */
	img->fd = fd;
	img->has_fd = 1;
	img->len = (size_t)st.st_size;
	img->loaded = 1;
	return CCAKIT_OK;
}

/* len bytes of an open image at off into buf. */
static int
image_pread(struct cki_image *img, void *buf, size_t len, uint64_t off,
    struct ccakit_errdetail *m)
{
	uint8_t *b = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(img->fd, b, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cki_msg_file(m, CCAKIT_ERR_IO, img->path, errno);
		if (n == 0)
			return cki_msg(m, CCAKIT_ERR_IO, "file %s error: "
			    "failed to fill whole buffer", img->path);
		b += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return CCAKIT_OK;
}

int
cki_image_check(const struct cki_image *img, struct ccakit_errdetail *m)
{
	struct stat st;

	if (!img->has_fd)
		return CCAKIT_OK;
	if (fstat(img->fd, &st) != 0)
		return cki_msg_file(m, CCAKIT_ERR_IO, img->path, errno);
	if ((uint64_t)st.st_size != img->len)
		return cki_msg(m, CCAKIT_ERR_IO, "file %s error: size changed "
		    "from %zu to %llu bytes since it was opened", img->path,
		    img->len, (unsigned long long)st.st_size);
	return CCAKIT_OK;
}

void
cki_image_close(struct cki_image *img)
{
	if (img->has_fd)
		close(img->fd);
	free(img->heap);
	free(img->path);
	memset(img, 0, sizeof(*img));
}

/* Decompress the first gzip member (flate2's GzDecoder), capped. */
static int
gunzip(const uint8_t *in, size_t len, size_t max, uint8_t **out,
    size_t *outlen, const char **why)
{
	z_stream z;
	uint8_t *buf = NULL, *nb;
	size_t cap = 0;
	int zr, r = CCAKIT_ERR_CLAIM_VALUE;

	memset(&z, 0, sizeof(z));
	if (len < 2 || in[0] != 0x1f || in[1] != 0x8b) {
		*why = "invalid gzip header";
		return r;
	}
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		*why = "out of memory";
		return CCAKIT_ERR_NOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	do {
		if (z.total_out == cap) {
			size_t ncap = cap ? cap * 2 : 1u << 20;

			/* One byte more than max tells "too large". */
			if (cap > max) {
				*why = "decompressed kernel too large";
				r = CCAKIT_ERR_TOO_LARGE;
				goto out;
			}
			if (ncap > max + 1)
				ncap = max + 1;
			if ((nb = realloc(buf, ncap)) == NULL) {
				*why = "out of memory";
				r = CCAKIT_ERR_NOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		/* zlib counts in uInt: feed and drain in bounded steps. */
		if (z.avail_in == 0 && (size_t)(z.next_in - in) < len) {
			size_t left = len - (size_t)(z.next_in - in);
			z.avail_in = (uInt)(left > (1u << 30) ? 1u << 30 : left);
		}
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out > (1u << 30) ?
		    1u << 30 : cap - z.total_out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr == Z_BUF_ERROR && z.avail_in == 0 &&
		    (size_t)(z.next_in - in) == len) {
			*why = "unexpected end of file";
			goto out;
		}
	} while (zr == Z_OK || zr == Z_BUF_ERROR);
	if (zr == Z_STREAM_END && z.total_out > max) {
		*why = "decompressed kernel too large";
		r = CCAKIT_ERR_TOO_LARGE;
		goto out;
	}
	if (zr != Z_STREAM_END) {
		*why = "corrupt deflate stream";
		goto out;
	}
	*out = buf;
	*outlen = z.total_out;
	buf = NULL;
	r = CCAKIT_OK;
out:
	inflateEnd(&z);
	free(buf);
	return r;
}

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define LINUX_ARM64_MAGIC	0x644d5241u	/* "ARM\x64" at 0x38 */
#define LINUX_HDR_SIZE		64

static int
linux_magic(const uint8_t *p)
{
	return (p[0x38] | (uint32_t)p[0x39] << 8 | (uint32_t)p[0x3a] << 16 |
	    (uint32_t)p[0x3b] << 24) == LINUX_ARM64_MAGIC;
}

int
cki_kernel_load(struct cki_image *img, const char *path,
    const struct cki_room *room, uint64_t *text_offset, uint64_t *image_size,
    struct ccakit_errdetail *m)
{
	struct cki_room at;
	const char *why = NULL;
	const uint8_t *hdr;
	uint8_t hb[LINUX_HDR_SIZE], *raw = NULL, *comp = NULL;
	size_t rawlen = 0, max;
	uint64_t to;
	int r;

	if ((r = cki_image_open(img, path, room, m)) != CCAKIT_OK)
		return r;
	if (img->len < LINUX_HDR_SIZE)
		return cki_msg(m, CCAKIT_ERR_IO,
		    "file %s error: failed to fill whole buffer", path);
	hdr = img->data;
	if (img->has_fd) {
		if ((r = image_pread(img, hb, sizeof(hb), 0, m)) != CCAKIT_OK)
			return r;
		hdr = hb;
	}
	if (!linux_magic(hdr)) {
		/* QEMU accepts gzip-compressed kernels; so does the tool. */
		if (img->has_fd) {
			/* The compressed file, whole (it fits the room). */
			if ((comp = malloc(img->len)) == NULL)
				return cki_msg(m, CCAKIT_ERR_NOMEM,
				    "out of memory");
			if ((r = image_pread(img, comp, img->len, 0, m)) !=
			    CCAKIT_OK) {
				free(comp);
				return r;
			}
		}
		max = room->size < CKI_KERNEL_MAX ? (size_t)room->size :
		    CKI_KERNEL_MAX;
		r = gunzip(comp != NULL ? comp : img->data, img->len, max, &raw,
		    &rawlen, &why);
		free(comp);
		if (r != CCAKIT_OK)
			return r == CCAKIT_ERR_TOO_LARGE && max == room->size ?
			    cki_room_refuse(room, 0, 0, m) :
			    cki_msg(m, r, "file %s error: %s", path, why);
		if (img->has_fd)
			close(img->fd);
		img->has_fd = 0;
		free(img->heap);
		img->heap = raw;
		img->data = raw;
		img->len = rawlen;
		if (rawlen < LINUX_HDR_SIZE)
			return cki_msg(m, CCAKIT_ERR_IO,
			    "file %s error: failed to fill whole buffer", path);
		if (!linux_magic(raw))
			return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid Linux header");
		hdr = raw;
	}
	to = le64(hdr + 0x08);
	if (to > UINT64_MAX - room->ipa)
		return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
		    "invalid Linux header");
	/* The image itself goes to text_offset. */
	cki_room_set(&at, room->what, room->where, room->ipa + to, room->ipa,
	    room->size);
	if (img->len > at.size)
		return cki_room_refuse(&at, img->len, 1, m);
	*text_offset = to;
	*image_size = le64(hdr + 0x10);
	return CCAKIT_OK;
}

int
cki_vmm_load_kernel(struct ccakit_vmm *v, const struct ccakit_vmm_opts *o,
    const struct cki_room *room, uint64_t *text_offset, uint64_t *image_size,
    struct ccakit_errdetail *m)
{
	if (o->kernel == NULL)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG, "need kernel image");
	return cki_kernel_load(&v->kernel, o->kernel, room, text_offset,
	    image_size, m);
}

int
cki_vmm_open_initrd(struct ccakit_vmm *v, const struct ccakit_vmm_opts *o,
    const struct cki_room *room, struct ccakit_errdetail *m)
{
	if (o->initrd == NULL)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG, "need initrd image");
	return cki_image_open(&v->initrd, o->initrd, room, m);
}

int
cki_vmm_set_firmware(struct ccakit_vmm *v, const struct ccakit_vmm_opts *o,
    const struct cki_room *room, struct ccakit_errdetail *m)
{
	if (o->firmware == NULL)
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG,
		    "need firmware image");
	/* Opened at measurement time, as upstream does. */
	free(v->firmware.path);
	if ((v->firmware.path = strdup(o->firmware)) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	v->firmware.room = *room;
	return cki_vmm_add_rim(v, room->ipa, &v->firmware, NULL, 0,
	    "FIRMWARE", m);
}

int
cki_vmm_add_rim(struct ccakit_vmm *v, uint64_t ipa, struct cki_image *img,
    const uint8_t *data, size_t len, const char *label,
    struct ccakit_errdetail *m)
{
	size_t i, j;

	for (i = 0; i < v->nrim; i++)
		if (v->rim[i].ipa == ipa)
			return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
			    "invalid VM configuration: duplicate blob at %llu",
			    (unsigned long long)ipa);
	if (v->nrim == CKI_VMM_MAX_BLOBS)
		return cki_msg(m, CCAKIT_ERR_INTERNAL, "too many blobs");
	/* Kept sorted by address: the tool measures them in that order. */
	for (i = 0; i < v->nrim && v->rim[i].ipa < ipa; i++)
		;
	for (j = v->nrim; j > i; j--)
		v->rim[j] = v->rim[j - 1];
	v->rim[i].ipa = ipa;
	v->rim[i].img = img;
	v->rim[i].data = data;
	v->rim[i].len = len;
	v->rim[i].label = label;
	v->nrim++;
	return CCAKIT_OK;
}

int
cki_vmm_add_rem(struct ccakit_vmm *v, struct cki_image *img,
    const char *label, struct ccakit_errdetail *m)
{
	if (v->nrem == CKI_VMM_MAX_BLOBS)
		return cki_msg(m, CCAKIT_ERR_INTERNAL, "too many blobs");
	v->rem[v->nrem].img = img;
	v->rem[v->nrem].label = label;
	v->nrem++;
	return CCAKIT_OK;
}

int
cki_vmm_set_dtb(struct ccakit_vmm *v, uint8_t *dtb, size_t len,
    uint64_t base, struct ccakit_errdetail *m)
{
	struct cki_room rm;
	int r;

	free(v->dtb);
	v->dtb = dtb;
	v->dtb_len = len;
	v->dtb_base = base;
	cki_room_set(&rm, "DTB", "in RAM", base, v->ram_base, v->ram_size);
	if (len > rm.size)
		return cki_room_refuse(&rm, len, 1, m);
	if ((r = cki_vmm_add_rim(v, base, NULL, dtb, len, "DTB", m)) !=
	    CCAKIT_OK)
		return cki_msg_ctx(m, r, "realm");
	return CCAKIT_OK;
}

int
ccakit_vmm_type_from_name(const char *name, enum ccakit_vmm_type *type)
{
	if (name == NULL || type == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (strcmp(name, "kvmtool") == 0)
		*type = CCAKIT_VMM_KVMTOOL;
	else if (strcmp(name, "qemu") == 0)
		*type = CCAKIT_VMM_QEMU;
	else if (strcmp(name, "cloud-hv") == 0)
		*type = CCAKIT_VMM_CLOUDHV;
	else
		return CCAKIT_ERR_NOT_FOUND;
	return CCAKIT_OK;
}

/* RealmConfig::from_args: config files restrict, then host flags update. */
static int
load_params(struct ccakit_vmm *v, const struct ccakit_vmm_opts *o,
    struct ccakit_errdetail *m)
{
	struct ccakit_realm_caps caps;
	uint8_t *text = NULL;
	size_t i, len;
	int r;

	for (i = 0; i < o->nconfigs; i++) {
		if ((r = cki_read_file(o->configs[i], 1u << 20, &text, &len)) !=
		    CCAKIT_OK)
			return r == CCAKIT_ERR_IO ?
			    cki_msg_file(m, r, o->configs[i], errno) :
			    cki_msg(m, r, "file %s error: %s", o->configs[i],
			    ccakit_strerror(r));
		memset(&caps, 0, sizeof(caps));
		r = ccakit_realm_caps_parse(&caps, (const char *)text, len, m);
		free(text);
		if (r != CCAKIT_OK) {
			char ctx[512];

			(void)snprintf(ctx, sizeof(ctx), "invalid VM "
			    "configuration: cannot parse %s", o->configs[i]);
			return cki_msg_ctx(m, r, ctx);
		}
		if ((r = ccakit_realm_caps_restrict(&v->params, &caps, m)) !=
		    CCAKIT_OK)
			return r;
	}
	return ccakit_realm_caps_update(&v->params, &o->host, m);
}

/*
 * The global image options a model did not use: the VMM arguments do not
 * ask for that image, so the file is not measured; say so.
 */
static void
warn_unused(struct ccakit_vmm *v, const struct ccakit_vmm_opts *o)
{
	static const char have[] = "the VMM arguments have no";
	const char *k, *i, *f;

	switch (v->type) {
	case CCAKIT_VMM_KVMTOOL:
		k = "--kernel";
		i = "--initrd";
		f = "--firmware";
		break;
	case CCAKIT_VMM_QEMU:
		k = "-kernel";
		i = "-initrd with -kernel";
		f = "-bios";
		break;
	default:
		k = "--kernel";
		i = "--initramfs";
		f = NULL;
		break;
	}
	if (o->kernel != NULL && !v->kernel.loaded)
		cki_vmm_warn(v, "ignored -k %s: %s %s", o->kernel, have, k);
	if (o->initrd != NULL && !v->initrd.loaded)
		cki_vmm_warn(v, "ignored -i %s: %s %s", o->initrd, have, i);
	if (o->firmware != NULL && v->firmware.path == NULL &&
	    !v->firmware.loaded) {
		if (f != NULL)
			cki_vmm_warn(v, "ignored -f %s: %s %s", o->firmware,
			    have, f);
		else
			cki_vmm_warn(v, "ignored -f %s: cloud-hv loads no "
			    "firmware", o->firmware);
	}
	if (v->type == CCAKIT_VMM_CLOUDHV) {
		if (o->dtb != NULL)
			cki_vmm_warn(v, "ignored --dtb %s: cloud-hv generates "
			    "its DTB", o->dtb);
		if (o->dtb_template != NULL)
			cki_vmm_warn(v, "ignored --dtb-template %s: cloud-hv "
			    "generates its DTB", o->dtb_template);
	}
}

/* Release what a model holds and make it empty again. */
static void
vmm_clear(struct ccakit_vmm *v)
{
	cki_image_close(&v->kernel);
	cki_image_close(&v->initrd);
	cki_image_close(&v->firmware);
	free(v->dtb);
	memset(v, 0, sizeof(*v));
}

ccakit_vmm *
ccakit_vmm_new(void)
{
	return calloc(1, sizeof(struct ccakit_vmm));
}

int
ccakit_vmm_from_args(ccakit_vmm *v, enum ccakit_vmm_type type, int argc,
    const char *const *argv, const struct ccakit_vmm_opts *opts,
    struct ccakit_errdetail *m)
{
	struct ccakit_vmm_opts none;
	int r = CCAKIT_ERR_INTERNAL;

	if (m != NULL) {
		m->code = 0;
		m->what = NULL;
		m->text[0] = '\0';
	}
	if (v == NULL || v->type != 0 || argc < 0 ||
	    (argc > 0 && argv == NULL))
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG, "invalid argument");
	if (opts == NULL) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	v->type = type;
	if ((r = load_params(v, opts, m)) != CCAKIT_OK)
		goto out;
	switch (type) {
	case CCAKIT_VMM_KVMTOOL:
		r = cki_kvmtool_build(v, argc, argv, opts, m);
		break;
	case CCAKIT_VMM_QEMU:
		r = cki_qemu_build(v, argc, argv, opts, m);
		break;
	case CCAKIT_VMM_CLOUDHV:
		r = cki_cloudhv_build(v, argc, argv, opts, m);
		break;
	default:
		r = cki_msg(m, CCAKIT_ERR_INVALID_ARG, "unknown VMM");
		break;
	}
	if (r != CCAKIT_OK)
		goto out;
	warn_unused(v, opts);
out:
	if (r != CCAKIT_OK)
		vmm_clear(v);
	return r;
}

void
ccakit_vmm_free(ccakit_vmm **vp)
{
	struct ccakit_vmm *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	vmm_clear(v);
	free(v);
	*vp = NULL;
}

int
ccakit_vmm_dtb(const struct ccakit_vmm *v, const uint8_t **dtb, size_t *len,
    uint64_t *ipa)
{
	if (v == NULL || dtb == NULL || len == NULL)
		return CCAKIT_ERR_INVALID_ARG;
	if (v->dtb == NULL)
		return CCAKIT_ERR_NOT_FOUND;
	*dtb = v->dtb;
	*len = v->dtb_len;
	if (ipa != NULL)
		*ipa = v->dtb_base;
	return CCAKIT_OK;
}

const struct ccakit_realm_caps *
ccakit_vmm_params(const struct ccakit_vmm *v)
{
	return v ? &v->params : NULL;
}

enum ccakit_hash_algo
ccakit_vmm_hash_algo(const struct ccakit_vmm *v)
{
	return v ? v->hash : CCAKIT_HASH_SHA256;
}

const uint8_t *
ccakit_vmm_rpv(const struct ccakit_vmm *v)
{
	return v ? v->rpv : NULL;
}

const char *
ccakit_vmm_warnings(const struct ccakit_vmm *v)
{
	return v ? v->warnings : "";
}

void
cki_vmm_warn(struct ccakit_vmm *v, const char *fmt, ...)
{
	size_t n = strlen(v->warnings);
	va_list ap;
	int k;

	if (n + 2 >= sizeof(v->warnings))
		return;
	va_start(ap, fmt);
	k = vsnprintf(v->warnings + n, sizeof(v->warnings) - n - 1, fmt, ap);
	va_end(ap);
	if (k < 0) {
		v->warnings[n] = '\0';
		return;
	}
	n = strlen(v->warnings);
	v->warnings[n] = '\n';
	v->warnings[n + 1] = '\0';
}

int
cki_hash_from_str(const char *s, enum ccakit_hash_algo *h,
    struct ccakit_errdetail *m)
{
	if (strcmp(s, "sha256") == 0)
		*h = CCAKIT_HASH_SHA256;
	else if (strcmp(s, "sha512") == 0)
		*h = CCAKIT_HASH_SHA512;
	else
		return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
		    "RMM: unknown hash algorithm `%s`", s);
	return CCAKIT_OK;
}

static int
b64_sym(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
cki_rpv_b64(const char *s, uint8_t rpv[64], struct ccakit_errdetail *m)
{
	uint8_t buf[96];
	size_t n = strlen(s), i, pad = 0, out;

	/* The base64 crate's STANDARD engine: canonical, padded. */
	for (i = 0; i < n; i++) {
		if (s[i] == '=' && i >= n - 2 && n % 4 == 0) {
			pad++;
			continue;
		}
		if (!b64_sym(s[i]) || pad > 0)
			return cki_msg(m, CCAKIT_ERR_ENCODING,
			    "invalid Realm Personalization Value: Invalid "
			    "symbol %d, offset %zu.", (unsigned char)s[i], i);
	}
	if (n % 4 != 0)
		return cki_msg(m, CCAKIT_ERR_ENCODING,
		    "invalid Realm Personalization Value: Invalid input "
		    "length.");
	if (n / 4 * 3 - pad > 64)
		return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
		    "Realm Personalization Value is too large");
	if (ccakit_b64_decode(s, n, CCAKIT_B64_STD, buf, sizeof(buf), &out) !=
	    CCAKIT_OK || out > 64)
		return cki_msg(m, CCAKIT_ERR_ENCODING,
		    "invalid Realm Personalization Value: Invalid padding");
	memset(rpv, 0, 64);
	memcpy(rpv, buf, out);
	return CCAKIT_OK;
}
