/*
 * Realm measurement log: realm-bootlog.bin (spec §4.4), the upstream
 * hand-built REALM_CREATE log (tests/event_log.rs, RIM 8960d568...),
 * writer -> parser -> replay round trips, replay policy errors, and
 * corrupted logs (every truncation, length and count fields, byte flips).
 * Logs for the negative cases are built by hand here, independently of
 * the library's writer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <ccakit/eventlog.h>
#include <ccakit/measure.h>

#include "test_dtb_util.h"
#include "testutil.h"

#define VEC "cca-realm-measurements/"

/* --- a tiny log builder ---------------------------------------------- */

struct lb {
	uint8_t b[8192];
	size_t n;
};

static void
lb_put(struct lb *l, const void *p, size_t n)
{
	assert_true(l->n + n <= sizeof(l->b));
	memcpy(l->b + l->n, p, n);
	l->n += n;
}

static void
lb_u8(struct lb *l, uint8_t v)
{
	lb_put(l, &v, 1);
}

static void
lb_u16(struct lb *l, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	lb_put(l, x, 2);
}

static void
lb_u32(struct lb *l, uint32_t v)
{
	uint8_t x[4];
	int i;

	for (i = 0; i < 4; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	lb_put(l, x, 4);
}

static void
lb_u64(struct lb *l, uint64_t v)
{
	lb_u32(l, (uint32_t)v);
	lb_u32(l, (uint32_t)(v >> 32));
}

static void
lb_zero(struct lb *l, size_t n)
{
	assert_true(l->n + n <= sizeof(l->b));
	memset(l->b + l->n, 0, n);
	l->n += n;
}

/* Spec ID with SHA-256 (and SHA-512 when two). */
static void
lb_specid(struct lb *l, unsigned nalgs)
{
	lb_u32(l, 0);
	lb_u32(l, 3);
	lb_zero(l, 20);
	lb_u32(l, 16 + 12 + 4 * nalgs + 1);
	lb_put(l, "Spec ID Event03", 16);
	lb_u32(l, 0);
	lb_u8(l, 0);
	lb_u8(l, 2);
	lb_u8(l, 106);
	lb_u8(l, 2);
	lb_u32(l, nalgs);
	lb_u16(l, 0x0B);
	lb_u16(l, 32);
	if (nalgs > 1) {
		lb_u16(l, 0x0D);
		lb_u16(l, 64);
	}
	lb_u8(l, 0);
}

/* Head with zero or one SHA-256 digest. */
static void
lb_head(struct lb *l, uint32_t pcr, uint32_t type, const uint8_t *sha256)
{
	lb_u32(l, pcr);
	lb_u32(l, type);
	lb_u32(l, sha256 != NULL ? 1 : 0);
	if (sha256 != NULL) {
		lb_u16(l, 0x0B);
		lb_put(l, sha256, 32);
	}
}

static void
lb_realm_create(struct lb *l, uint64_t flags, uint8_t s2sz, uint8_t algo)
{
	lb_head(l, 0, 6, NULL);
	lb_u32(l, 8 + 14);
	lb_u32(l, 1);
	lb_u32(l, 14);
	lb_u64(l, flags);
	lb_u8(l, s2sz);
	lb_u8(l, 0);
	lb_u8(l, 5);
	lb_u8(l, 3);
	lb_u8(l, 0);
	lb_u8(l, algo);
}

static void
lb_blob(struct lb *l, uint32_t pcr, const uint8_t *sha256, const char *desc,
    uint64_t base, uint64_t len)
{
	size_t n = strlen(desc);

	lb_head(l, pcr, 0x13, sha256);
	lb_u32(l, (uint32_t)(1 + n + 16));
	lb_u8(l, (uint8_t)n);
	lb_put(l, desc, n);
	lb_u64(l, base);
	lb_u64(l, len);
}

static void
sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned hl;

	assert_int_equal(EVP_Digest(p, n, out, &hl, EVP_sha256(), NULL), 1);
}

static void
hexcmp(const uint8_t *got, size_t len, const char *hex)
{
	size_t l;
	uint8_t *exp = tu_hex(hex, &l);

	assert_int_equal(l, len);
	assert_memory_equal(got, exp, len);
	free(exp);
}

/* --- realm-bootlog.bin ----------------------------------------------- */

static void
test_bootlog(void **state)
{
	const struct ccakit_evlog_specid *s;
	const struct ccakit_evlog_event *e;
	struct ccakit_replay_opts o;
	struct ccakit_replay_result res;
	struct ccakit_errdetail d;
	ccakit_evlog *l = NULL;
	uint8_t *buf;
	size_t len;

	(void)state;
	tu_need_vectors(VEC "testdata");
	buf = tu_read_vector(VEC "testdata/realm-bootlog.bin", &len);
	assert_int_equal(len, 512);
	assert_int_equal(tu_evlog_parse(buf, len, 0, &l, &d), 0);
	s = ccakit_evlog_specid(l);
	assert_int_equal(s->n_algs, 1);
	assert_int_equal(s->algs[0].alg, 0x0B);
	assert_int_equal(s->algs[0].size, 32);
	assert_int_equal(s->spec_revision, 106);
	assert_int_equal(s->uintn_size, 2);
	assert_int_equal(ccakit_evlog_count(l), 3);

	e = ccakit_evlog_event(l, 0);
	assert_int_equal(e->offset, 0x41);
	assert_int_equal(e->pcr, 0);
	assert_int_equal(e->type, CCAKIT_EV_POST_CODE2);
	assert_int_equal(e->kind, CCAKIT_EVK_IMAGE);
	assert_int_equal(e->n_digests, 1);
	hexcmp(e->digests[0].value.ptr, e->digests[0].value.len,
	    "e17254af7ac253a2dfbd68038c255cf99bfcb810cdbbfde85cf9aaaf98b9c33c");
	assert_int_equal(e->u.image.desc.len, 6);
	assert_memory_equal(e->u.image.desc.ptr, "KERNEL", 6);
	assert_true(e->u.image.nul_terminated);
	assert_int_equal(e->u.image.base, 0x80000000);
	assert_int_equal(e->u.image.length, 0x2ba9a00);

	e = ccakit_evlog_event(l, 1);
	assert_int_equal(e->offset, 0x8b);
	assert_memory_equal(e->u.image.desc.ptr, "INITRD", 6);
	assert_int_equal(e->u.image.base, 0x8addd3fc);
	assert_int_equal(e->u.image.length, 0x5022c00);
	hexcmp(e->digests[0].value.ptr, 32,
	    "51424b93c2a6d7f8eb76dccc1f245a61205002f066a7a583450c881bb06fa6d2");

	e = ccakit_evlog_event(l, 2);
	assert_int_equal(e->offset, 0xd5);
	assert_int_equal(e->u.image.desc.len, 3);
	assert_memory_equal(e->u.image.desc.ptr, "DTB", 3);
	assert_int_equal(e->u.image.base, 0x8fe00000);
	assert_int_equal(e->u.image.length, 0x10000);
	hexcmp(e->digests[0].value.ptr, 32,
	    "ea79003662af29170a038d52ea545fa77bd0ec9120b6d9bc374b7ef1c09faf0c");
	assert_null(ccakit_evlog_event(l, 3));

	/* No REALM_CREATE: nothing can be replayed (upstream leaves zeros). */
	memset(&o, 0, sizeof(o));
	assert_int_equal(ccakit_evlog_replay(l, &o, &res, &d),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	ccakit_evlog_free(&l);
	assert_null(l);

	/* A non-zero byte in the zero tail is refused unless lenient. */
	buf[0x180] = 1;
	assert_int_equal(tu_evlog_parse(buf, len, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	assert_null(l);
	assert_int_equal(tu_evlog_parse(buf, len,
	    CCAKIT_EVLOG_LENIENT_PADDING, &l, NULL), 0);
	assert_int_equal(ccakit_evlog_count(l), 3);
	ccakit_evlog_free(&l);
	free(buf);
}

/* --- upstream tests/event_log.rs, byte for byte ---------------------- */

static void
upstream_log(struct lb *l, size_t *after_spec, size_t *partial)
{
	static const uint8_t zero[32];

	memset(l, 0, sizeof(*l));
	lb_specid(l, 2);
	*after_spec = l->n;
	lb_head(l, 0, 3, zero);
	*partial = l->n;
	/* stale VM VERSION layout: log_start, log_size before ram_size */
	lb_u32(l, 116);
	lb_put(l, "VM VERSION\0\0\0\0\0\0", 16);
	lb_put(l, "kvmtool", 7);
	lb_zero(l, 25);
	lb_zero(l, 40);
	lb_u64(l, 2 << 20);
	lb_u64(l, 1 << 10);
	lb_u64(l, 1 << 30);
	lb_u32(l, 128);
	lb_head(l, 0, 6, zero);
	lb_u32(l, 8 + 14);
	lb_u32(l, 1);
	lb_u32(l, 14);
	lb_u64(l, 0);
	lb_u8(l, 48);
	lb_u8(l, 0);
	lb_u8(l, 5);
	lb_u8(l, 3);
	lb_u8(l, 0);
	lb_u8(l, 0);
}

static void
test_upstream_log(void **state)
{
	const struct ccakit_evlog_event *e;
	struct ccakit_replay_opts o;
	struct ccakit_replay_result res;
	ccakit_evlog *l = NULL;
	struct lb b;
	size_t spec, partial, i;
	char b64[64];

	(void)state;
	upstream_log(&b, &spec, &partial);
	assert_int_equal(tu_evlog_parse(b.b, b.n, 0, &l, NULL), 0);
	assert_int_equal(ccakit_evlog_specid(l)->n_algs, 2);
	assert_int_equal(ccakit_evlog_count(l), 2);
	e = ccakit_evlog_event(l, 0);
	assert_int_equal(e->kind, CCAKIT_EVK_VM_VERSION);
	assert_int_equal(e->u.vm.name.len, 7);
	assert_memory_equal(e->u.vm.name.ptr, "kvmtool", 7);
	assert_int_equal(e->u.vm.version.len, 0);
	/* The stale layout reads log_start and log_size (spec §4.1). */
	assert_int_equal(e->u.vm.ram_size, 2 << 20);
	assert_int_equal(e->u.vm.num_cpus, 1024);
	assert_false(e->u.vm.has_flags);
	e = ccakit_evlog_event(l, 1);
	assert_int_equal(e->kind, CCAKIT_EVK_REALM_CREATE);
	assert_int_equal(e->u.realm.s2sz, 48);
	assert_int_equal(e->u.realm.num_bps, 5);
	assert_int_equal(e->u.realm.num_wps, 3);

	memset(&o, 0, sizeof(o));
	assert_int_equal(ccakit_evlog_replay(l, &o, &res, NULL), 0);
	assert_int_equal(res.meas.len, 32);
	/* to_base64_array(): the first 32 bytes of each slot. */
	assert_int_equal(ccakit_b64_encode(res.meas.rim, 32, CCAKIT_B64_STD,
	    b64, sizeof(b64)), 0);
	assert_string_equal(b64,
	    "iWDVaCY3CqpvybOgQdQkBolYK6QeKti7j5rfbSoM1ec=");
	for (i = 0; i < 4; i++) {
		assert_int_equal(ccakit_b64_encode(res.meas.rem[i], 32,
		    CCAKIT_B64_STD, b64, sizeof(b64)), 0);
		assert_string_equal(b64,
		    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	}
	assert_ptr_equal(res.realm_create, ccakit_evlog_event(l, 1));
	assert_ptr_equal(res.vm_version, ccakit_evlog_event(l, 0));
	assert_int_equal(ccakit_evlog_event(l, 1)->status, CCAKIT_RS_RIM);
	assert_int_equal(ccakit_evlog_event(l, 0)->status, CCAKIT_RS_IGNORED);
	ccakit_evlog_free(&l);

	/* Spec ID only: parses, nothing to replay. */
	assert_int_equal(tu_evlog_parse(b.b, spec, 0, &l, NULL), 0);
	assert_int_equal(ccakit_evlog_count(l), 0);
	assert_int_equal(ccakit_evlog_replay(l, &o, &res, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	ccakit_evlog_free(&l);
	/* A partial event: an error, or dropped as upstream when lenient. */
	assert_int_equal(tu_evlog_parse(b.b, partial, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	assert_int_equal(tu_evlog_parse(b.b, partial,
	    CCAKIT_EVLOG_LENIENT_TAIL, &l, NULL), 0);
	assert_int_equal(ccakit_evlog_count(l), 0);
	ccakit_evlog_free(&l);
}

/* One log handle, parsed into again: the content changes only when a
 * parse succeeds. */
static void
test_evlog_handle(void **state)
{
	ccakit_evlog *l;
	struct lb b;
	size_t spec, partial;

	(void)state;
	upstream_log(&b, &spec, &partial);
	assert_non_null(l = ccakit_evlog_new());
	assert_int_equal(ccakit_evlog_count(l), 0);
	assert_int_equal(ccakit_evlog_parse(l, b.b, b.n, 0, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_evlog_count(l), 2);
	assert_int_equal(ccakit_evlog_parse(l, b.b, partial, 0, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	assert_int_equal(ccakit_evlog_count(l), 2);
	assert_int_equal(ccakit_evlog_event(l, 1)->kind,
	    CCAKIT_EVK_REALM_CREATE);
	assert_int_equal(ccakit_evlog_parse(l, b.b, spec, 0, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_evlog_count(l), 0);
	assert_int_equal(ccakit_evlog_parse(NULL, b.b, spec, 0, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_evlog_free(&l);
	assert_null(l);
	ccakit_evlog_free(NULL);
}

/* --- round trips through the writer ---------------------------------- */

struct cfgbuf {
	struct ccakit_realm_config c;
	struct ccakit_realm_image im[6];
	struct ccakit_mem_range ram[2];
	uint8_t *dtb, *kernel;
	size_t dlen, klen;
};

static struct ccakit_image_src
memsrc(const void *p, size_t len)
{
	struct ccakit_image_src s;

	memset(&s, 0, sizeof(s));
	s.kind = CCAKIT_SRC_MEM;
	s.mem = p;
	s.len = len;
	return s;
}

/* kvmtool-like: kernel, initrd (unaligned), DTB, LOG, two REM images. */
static void
make_cfg(struct cfgbuf *cb)
{
	static const char initrd[] = "INITRD CONTENT";
	struct ccakit_realm_config *c = &cb->c;

	size_t i;

	memset(cb, 0, sizeof(*cb));
	cb->dtb = td_dtb("kvmtool-1cpu-512M", &cb->dlen);
	/* Any kernel bytes will do: the writer and the replay hash them. */
	cb->klen = 256;
	assert_non_null(cb->kernel = malloc(cb->klen));
	for (i = 0; i < cb->klen; i++)
		cb->kernel[i] = (uint8_t)(i * 37 + 11);
	c->params.s2sz = 33;
	c->params.num_bps = 5;
	c->params.num_wps = 3;
	c->vmm_name = "kvmtool";
	c->vmm_version = "3.18";
	c->ram_size = 512u << 20;
	c->num_cpus = 1;
	cb->ram[0].base = 0x80000000;
	cb->ram[0].size = 512u << 20;
	c->ram = cb->ram;
	c->n_ram = 1;
	cb->im[0].name = "DTB";
	cb->im[0].ipa = 0x8fe00000;
	cb->im[0].src = memsrc(cb->dtb, cb->dlen);
	cb->im[1].name = "KERNEL";
	cb->im[1].ipa = 0x80000000;
	cb->im[1].src = memsrc(cb->kernel, cb->klen);
	cb->im[2].name = "INITRD";
	cb->im[2].ipa = 0x8fdffff0;
	cb->im[2].src = memsrc(initrd, 14);
	cb->im[3].name = "LOG";
	cb->im[3].target = CCAKIT_IMG_UNMEASURED;
	cb->im[3].ipa = 0x8fff0000;
	cb->im[3].size = 0x10000;
	cb->im[4].name = "EFI-APP";
	cb->im[4].target = CCAKIT_IMG_REM1;
	cb->im[4].src = memsrc(initrd, 6);
	cb->im[5].name = "CMDLINE";
	cb->im[5].target = CCAKIT_IMG_REM3;
	cb->im[5].src = memsrc("root=/dev/vda", 13);
	c->images = cb->im;
	c->n_images = 6;
	c->has_rec = true;
	c->rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
	c->rec.pc = 0x80000000;
	c->rec.gprs[0] = 0x8fe00000;
}

static void
free_cfg(struct cfgbuf *cb)
{
	free(cb->dtb);
	free(cb->kernel);
}

/* Trusted images = the configuration's images, by their digests. */
static void
trusted_from(const struct cfgbuf *cb, uint8_t dig[][64],
    struct ccakit_trusted_image *t, size_t *n, uint16_t alg)
{
	const EVP_MD *md = alg == 0x0B ? EVP_sha256() : EVP_sha512();
	size_t i;
	unsigned hl;

	*n = 0;
	for (i = 0; i < cb->c.n_images; i++) {
		if (cb->im[i].target == CCAKIT_IMG_UNMEASURED)
			continue;
		assert_int_equal(EVP_Digest(cb->im[i].src.mem,
		    cb->im[i].src.len, dig[*n], &hl, md, NULL), 1);
		memset(&t[*n], 0, sizeof(t[*n]));
		t[*n].name = cb->im[i].name;
		t[*n].alg = alg;
		t[*n].digest = dig[*n];
		t[*n].digest_len = hl;
		t[*n].src = cb->im[i].src;
		(*n)++;
	}
}

static void
round_trip(struct cfgbuf *cb, const struct ccakit_evlog_write_opts *wo,
    uint16_t trust_alg, unsigned flags)
{
	struct ccakit_trusted_image t[8];
	struct ccakit_replay_opts o;
	struct ccakit_replay_result res;
	struct ccakit_realm_meas m;
	struct ccakit_errdetail d;
	uint8_t dig[8][64], *log;
	ccakit_evlog *l = NULL;
	size_t n, len, i;
	int rc;

	assert_int_equal(ccakit_realm_config_measure(&cb->c, &m, &d), 0);
	assert_int_equal(ccakit_evlog_write(&cb->c, wo, &log, &len, &d), 0);
	if (wo != NULL && wo->pad_to != 0)
		assert_int_equal(len, wo->pad_to);
	rc = tu_evlog_parse(log, len, 0, &l, &d);
	if (rc != 0)
		fail_msg("parse: %s", d.text);
	trusted_from(cb, dig, t, &n, trust_alg);
	memset(&o, 0, sizeof(o));
	o.rmm = cb->c.rmm;
	o.compat = cb->c.compat;
	o.flags = flags;
	o.images = t;
	o.n_images = n;
	rc = ccakit_evlog_replay(l, &o, &res, &d);
	if (rc != 0)
		fail_msg("replay: %d %s", rc, d.text);
	assert_memory_equal(&res.meas, &m, sizeof(m));
	assert_non_null(res.vm_version);
	assert_int_equal(res.vm_version->u.vm.ram_size, cb->c.ram_size);
	assert_true(res.vm_version->u.vm.has_flags);
	assert_non_null(res.realm_create);
	assert_memory_equal(&res.realm_create->u.realm, &cb->c.params,
	    sizeof(cb->c.params));
	assert_non_null(res.rec);
	assert_memory_equal(&res.rec->u.rec, &cb->c.rec, sizeof(cb->c.rec));
	assert_int_equal(res.n_ripas, 1);
	assert_int_equal(res.n_images, 3);
	assert_int_equal(res.n_unmeasured, 1);
	assert_int_equal(res.n_rem_events, 2);
	for (i = 0; i < ccakit_evlog_count(l); i++) {
		const struct ccakit_evlog_event *e = ccakit_evlog_event(l, i);

		assert_int_not_equal(e->status, CCAKIT_RS_NONE);
		if (e->kind == CCAKIT_EVK_IMAGE &&
		    e->u.image.desc.len == 7 &&
		    memcmp(e->u.image.desc.ptr, "CMDLINE", 7) == 0) {
			assert_int_equal(e->pcr, 16);
			assert_int_equal(e->status, CCAKIT_RS_REM);
			assert_int_equal(e->rem, 3);
		}
	}
	ccakit_evlog_free(&l);
	free(log);
}

static void
test_round_trip(void **state)
{
	static const uint16_t two[] = { 0x0B, 0x0D };
	struct ccakit_evlog_write_opts wo;
	struct cfgbuf cb;

	(void)state;
	make_cfg(&cb);
	round_trip(&cb, NULL, 0x0B, 0);
	round_trip(&cb, NULL, 0x0B, CCAKIT_REPLAY_VERIFY_CONTENT);
	memset(&wo, 0, sizeof(wo));
	wo.algs = two;
	wo.n_algs = 2;
	wo.pad_to = 0x10000;
	wo.nul_desc = true;
	/* Trusted by their SHA-512 digests in a two-algorithm log. */
	round_trip(&cb, &wo, 0x0D, CCAKIT_REPLAY_VERIFY_CONTENT);
	cb.c.order = CCAKIT_ORDER_LINUX;
	round_trip(&cb, NULL, 0x0B, 0);
	cb.c.order = CCAKIT_ORDER_TOOL;
	cb.c.rmm = CCAKIT_RMM_2;
	cb.c.params.hash_algo = CCAKIT_HASH_SHA384;
	wo.algs = two;
	wo.n_algs = 2;
	/* The realm algorithm must be among the log's. */
	{
		uint8_t *log = NULL;
		size_t len;

		assert_int_equal(ccakit_evlog_write(&cb.c, &wo, &log, &len,
		    NULL), CCAKIT_ERR_INVALID_ARG);
		assert_null(log);
	}
	cb.c.params.hash_algo = CCAKIT_HASH_SHA512;
	round_trip(&cb, NULL, 0x0D, 0);
	cb.c.rmm = 0;
	cb.c.compat = CCAKIT_COMPAT_TOOL;
	round_trip(&cb, NULL, 0x0D, 0);
	free_cfg(&cb);
}

/* --- replay policy errors -------------------------------------------- */

static int
replay_buf(const struct lb *b, const struct ccakit_replay_opts *o,
    struct ccakit_replay_result *res)
{
	ccakit_evlog *l = NULL;
	int rc;

	rc = tu_evlog_parse(b->b, b->n, 0, &l, NULL);
	if (rc == 0)
		rc = ccakit_evlog_replay(l, o, res, NULL);
	ccakit_evlog_free(&l);
	return rc;
}

static void
test_replay_errors(void **state)
{
	static const char img[] = "IMAGE CONTENT";
	struct ccakit_trusted_image t;
	struct ccakit_replay_opts o;
	struct ccakit_replay_result res;
	uint8_t h[32], other[32];
	struct lb b;

	(void)state;
	sha256(img, 13, h);
	memset(other, 0x55, sizeof(other));
	memset(&t, 0, sizeof(t));
	t.alg = 0x0B;
	t.digest = h;
	t.digest_len = 32;
	t.src = memsrc(img, 13);
	memset(&o, 0, sizeof(o));
	o.images = &t;
	o.n_images = 1;

	/* Baseline: one trusted image. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 0, h, "KERNEL", 0x40000000, 13);
	assert_int_equal(replay_buf(&b, &o, &res), 0);
	assert_int_equal(res.n_images, 1);
	/* Unknown digest. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 0, other, "KERNEL", 0x40000000, 13);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_NOT_FOUND);
	/* Name mismatch. */
	t.name = "DTB";
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 0, h, "KERNEL", 0x40000000, 13);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_NOT_FOUND);
	t.name = NULL;
	/* Trusted digest without content. */
	t.src.kind = CCAKIT_SRC_NONE;
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_NOT_FOUND);
	t.src = memsrc(img, 13);
	/* The logged length lies. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 0, h, "KERNEL", 0x40000000, 14);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	/* Content that does not hash to the logged digest. */
	t.src = memsrc("IMAGE CONTENX", 13);
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 0, h, "KERNEL", 0x40000000, 13);
	assert_int_equal(replay_buf(&b, &o, &res), 0);
	o.flags = CCAKIT_REPLAY_VERIFY_CONTENT;
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	o.flags = 0;
	t.src = memsrc(img, 13);
	/* Image before REALM_CREATE; REALM_CREATE twice; bad flags. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_blob(&b, 0, h, "KERNEL", 0x40000000, 13);
	lb_realm_create(&b, 0, 40, 0);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_realm_create(&b, 0, 40, 0);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 8, 40, 0);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	/* SHA-384 realm: RMM 2.0 only; unknown algorithm never. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 2);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	o.rmm = CCAKIT_RMM_2;
	assert_int_equal(replay_buf(&b, &o, &res), 0);
	assert_int_equal(res.meas.len, 48);
	o.rmm = 0;
	/* REM events: untrusted digests fail unless allowed. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 4, h, "KERNEL", 0, 13);
	lb_blob(&b, 9, other, "OTHER", 0, 13);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_NOT_FOUND);
	o.flags = CCAKIT_REPLAY_ALLOW_UNTRUSTED;
	assert_int_equal(replay_buf(&b, &o, &res), 0);
	assert_int_equal(res.n_rem_events, 2);
	assert_int_equal(res.n_untrusted, 1);
	{
		/* REM1 = H(0 || h), REM2 = H(0 || other). */
		uint8_t buf[64], exp[32];

		memset(buf, 0, 32);
		memcpy(buf + 32, h, 32);
		sha256(buf, 64, exp);
		assert_memory_equal(res.meas.rem[1], exp, 32);
		memcpy(buf + 32, other, 32);
		sha256(buf, 64, exp);
		assert_memory_equal(res.meas.rem[2], exp, 32);
	}
	o.flags = 0;
	/* Unmeasured region and RIPAS range too large to replay. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_blob(&b, 0, NULL, "LOG", 0, UINT64_C(1) << 40);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_TOO_LARGE);
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 20, 0);
	lb_head(&b, 0, 6, NULL);
	lb_u32(&b, 8 + 16);
	lb_u32(&b, 2);
	lb_u32(&b, 16);
	lb_u64(&b, 0);
	lb_u64(&b, UINT64_C(1) << 40);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_TOO_LARGE);
	/* An unsupported event type on the RIM. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_head(&b, 0, 4, h);
	lb_u32(&b, 0);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
	/* REC flags other than RUNNABLE. */
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	lb_realm_create(&b, 0, 40, 0);
	lb_head(&b, 0, 6, NULL);
	lb_u32(&b, 8 + 80);
	lb_u32(&b, 3);
	lb_u32(&b, 80);
	lb_u64(&b, 2);
	lb_zero(&b, 72);
	assert_int_equal(replay_buf(&b, &o, &res), CCAKIT_ERR_EVLOG_MALFORMED);
}

/* --- malformed logs -------------------------------------------------- */

static void
test_malformed(void **state)
{
	static const uint8_t zero[32];
	ccakit_evlog *l = NULL;
	struct lb b, c;
	size_t spec;

	(void)state;
	memset(&b, 0, sizeof(b));
	lb_specid(&b, 1);
	spec = b.n;
	/* Bad signature, event type, algorithm counts, digest sizes. */
	c = b;
	c.b[32] = 'X';
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	c.b[4] = 4;
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	c.b[56] = 0xff;         /* numberOfAlgorithms */
	c.b[59] = 0xff;
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	c.b[56] = 0;
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	c.b[62] = 65;           /* digest size */
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	c.b[28] = 0xff;         /* Spec ID event size */
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	/* Huge digest count and event size. */
	c = b;
	lb_u32(&c, 0);
	lb_u32(&c, 0x13);
	lb_u32(&c, 0xffffffff);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	lb_head(&c, 0, 0x13, zero);
	lb_u32(&c, 0xffffffff);
	lb_zero(&c, 64);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	assert_int_equal(tu_evlog_parse(c.b, c.n,
	    CCAKIT_EVLOG_LENIENT_TAIL, &l, NULL), 0);
	assert_int_equal(ccakit_evlog_count(l), 0);
	ccakit_evlog_free(&l);
	/* Digest algorithm not in the table; the same one twice. */
	c = b;
	lb_u32(&c, 0);
	lb_u32(&c, 0x13);
	lb_u32(&c, 1);
	lb_u16(&c, 0x0D);
	lb_zero(&c, 64);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	/* Blob with a length that disagrees with its description. */
	c = b;
	lb_head(&c, 0, 0x13, zero);
	lb_u32(&c, 1 + 3 + 16);
	lb_u8(&c, 4);
	lb_put(&c, "DTB", 3);
	lb_zero(&c, 16);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	/* EVENT_TAG: unknown id, bad sizes. */
	c = b;
	lb_head(&c, 0, 6, NULL);
	lb_u32(&c, 8);
	lb_u32(&c, 9);
	lb_u32(&c, 0);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	c = b;
	lb_head(&c, 0, 6, NULL);
	lb_u32(&c, 8 + 13);
	lb_u32(&c, 1);
	lb_u32(&c, 13);
	lb_zero(&c, 13);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	/* ... but a tag on a REM PCR is a plain event. */
	c = b;
	lb_head(&c, 2, 6, zero);
	lb_u32(&c, 8);
	lb_u32(&c, 9);
	lb_u32(&c, 0);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL), 0);
	assert_int_equal(ccakit_evlog_event(l, 0)->kind, CCAKIT_EVK_OTHER);
	ccakit_evlog_free(&l);
	/* Short VM VERSION. */
	c = b;
	lb_head(&c, 0, 3, NULL);
	lb_u32(&c, 99);
	lb_put(&c, "VM VERSION\0\0\0\0\0\0", 16);
	lb_zero(&c, 83);
	assert_int_equal(tu_evlog_parse(c.b, c.n, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	/* Caps and arguments. */
	assert_int_equal(tu_evlog_parse(b.b, CCAKIT_EVLOG_MAX_SIZE + 1u, 0,
	    &l, NULL), CCAKIT_ERR_TOO_LARGE);
	assert_int_equal(tu_evlog_parse(NULL, 1, 0, &l, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(tu_evlog_parse(b.b, spec, 0x100, &l, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(tu_evlog_parse(b.b, 0, 0, &l, NULL),
	    CCAKIT_ERR_EVLOG_MALFORMED);
	assert_null(l);
}

static size_t
le32(const uint8_t *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 |
	    (size_t)p[3] << 24;
}

static bool
all_zero_tail(const uint8_t *p, size_t off, size_t len)
{
	for (; off < len; off++) {
		if (p[off] != 0)
			return false;
	}
	return true;
}

static bool
is_boundary(const ccakit_evlog *full, size_t off, size_t spec_end)
{
	size_t i;

	if (off == spec_end)
		return true;
	for (i = 0; i < ccakit_evlog_count(full); i++) {
		if (ccakit_evlog_event(full, i)->offset == off)
			return true;
	}
	return false;
}

/* Every truncation of a written log fails, unless it falls between two
 * events; every byte flip parses or fails cleanly and never replays to
 * the original values. */
static void
test_corruption(void **state)
{
	struct ccakit_trusted_image t[8];
	struct ccakit_replay_opts o;
	struct ccakit_replay_result res;
	struct ccakit_realm_meas m;
	struct cfgbuf cb;
	uint8_t dig[8][64], *log;
	ccakit_evlog *full = NULL, *l = NULL;
	size_t len, n, cut, i, spec_end;
	int rc, bit;

	(void)state;
	make_cfg(&cb);
	assert_int_equal(ccakit_realm_config_measure(&cb.c, &m, NULL), 0);
	assert_int_equal(ccakit_evlog_write(&cb.c, NULL, &log, &len, NULL), 0);
	assert_int_equal(tu_evlog_parse(log, len, 0, &full, NULL), 0);
	spec_end = ccakit_evlog_event(full, 0)->offset;
	trusted_from(&cb, dig, t, &n, 0x0B);
	memset(&o, 0, sizeof(o));
	o.images = t;
	o.n_images = n;
	o.threads = 1;

	for (cut = 0; cut < len; cut++) {
		rc = tu_evlog_parse(log, cut, 0, &l, NULL);
		if (is_boundary(full, cut, spec_end)) {
			assert_int_equal(rc, 0);
			assert_true(ccakit_evlog_count(l) <
			    ccakit_evlog_count(full));
		} else {
			assert_int_equal(rc, CCAKIT_ERR_EVLOG_MALFORMED);
			assert_null(l);
		}
		ccakit_evlog_free(&l);
	}
	/* Each count and size field of each event (one SHA-256 per digest
	 * entry in this log): flip every bit. */
	for (i = spec_end; i + 12 <= len && !all_zero_tail(log, i, len);) {
		size_t fields[2], f, cnt, size;

		cnt = le32(log + i + 8);
		fields[0] = i + 8;
		fields[1] = i + 12 + cnt * 34;
		size = le32(log + fields[1]);
		for (f = 0; f < 2; f++) {
			for (bit = 0; bit < 32; bit++) {
				log[fields[f] + (size_t)bit / 8] ^=
				    (uint8_t)(1u << (bit % 8));
				rc = tu_evlog_parse(log, len, 0, &l, NULL);
				if (rc == 0)
					rc = ccakit_evlog_replay(l, &o, &res,
					    NULL);
				if (rc == 0)
					assert_memory_not_equal(&res.meas, &m,
					    sizeof(m));
				ccakit_evlog_free(&l);
				log[fields[f] + (size_t)bit / 8] ^=
				    (uint8_t)(1u << (bit % 8));
			}
		}
		i = fields[1] + 4 + size;
	}
	/* Every byte inverted: no crash; RIM-relevant bytes change the
	 * result or fail. */
	for (i = 0; i < len; i++) {
		log[i] ^= 0xff;
		rc = tu_evlog_parse(log, len, 0, &l, NULL);
		if (rc == 0)
			(void)ccakit_evlog_replay(l, &o, &res, NULL);
		ccakit_evlog_free(&l);
		log[i] ^= 0xff;
	}
	ccakit_evlog_free(&full);
	free(log);
	free_cfg(&cb);
}

static void
test_pcr_map(void **state)
{
	(void)state;
	assert_int_equal(ccakit_evlog_pcr_to_mr(0), 0);
	assert_int_equal(ccakit_evlog_pcr_to_mr(1), 1);
	assert_int_equal(ccakit_evlog_pcr_to_mr(7), 1);
	assert_int_equal(ccakit_evlog_pcr_to_mr(2), 2);
	assert_int_equal(ccakit_evlog_pcr_to_mr(6), 2);
	assert_int_equal(ccakit_evlog_pcr_to_mr(8), 3);
	assert_int_equal(ccakit_evlog_pcr_to_mr(15), 3);
	assert_int_equal(ccakit_evlog_pcr_to_mr(16), 4);
	assert_int_equal(ccakit_evlog_pcr_to_mr(UINT32_MAX), 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bootlog),
		cmocka_unit_test(test_upstream_log),
		cmocka_unit_test(test_evlog_handle),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_replay_errors),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_corruption),
		cmocka_unit_test(test_pcr_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
