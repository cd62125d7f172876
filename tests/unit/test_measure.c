/*
 * RMM measurement primitives: upstream RIM vectors (unit, traces of the
 * kvmtool/QEMU CLI cases with the DTBs of the project's VMM models, which
 * test_vmm checks against the validated DTBs), REM semantics, RMM
 * versions, and parallel == sequential over sizes, offsets, sources and
 * worker counts, against a reference written from the spec's tables.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <ccakit/measure.h>

#include "measure/measure_priv.h"
#include "test_dtb_util.h"
#include "testutil.h"

#define VEC "cca-realm-measurements/"

static void
hexcmp(const uint8_t *got, size_t len, const char *hex)
{
	char buf[2 * 64 + 1];
	size_t i, n = strlen(hex);

	assert_true(n <= 2 * len);
	for (i = 0; i < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", got[i]);
	if (strncmp(buf, hex, n) != 0)
		fail_msg("got %s\nexp %s", buf, hex);
}

static void
params(struct ccakit_realm_params *p, uint8_t s2sz, uint8_t bps, uint8_t wps,
    uint8_t algo)
{
	memset(p, 0, sizeof(*p));
	p->s2sz = s2sz;
	p->num_bps = bps;
	p->num_wps = wps;
	p->hash_algo = algo;
}

static ccakit_realm *
realm(const struct ccakit_realm_params *p, unsigned threads)
{
	ccakit_realm *r = ccakit_realm_new();

	assert_non_null(r);
	assert_int_equal(ccakit_realm_set_threads(r, threads), 0);
	assert_int_equal(ccakit_realm_create(r, p, NULL), 0);
	return r;
}

static void
rim_of(ccakit_realm *r, struct ccakit_realm_meas *m)
{
	assert_int_equal(ccakit_realm_get(r, m), 0);
}

/* --- reference, straight from the spec tables ------------------------ */

static const EVP_MD *
ref_md(uint8_t algo)
{
	return algo == 0 ? EVP_sha256() : algo == 1 ? EVP_sha512() :
	    EVP_sha384();
}

static void
le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
ref_data(uint8_t rim[64], uint8_t algo, uint64_t ipa, const uint8_t *blob,
    size_t len)
{
	const EVP_MD *md = ref_md(algo);
	size_t L = (size_t)EVP_MD_get_size(md), off = ipa & 0xfff, n, i;
	uint8_t *buf, desc[256], h[64];
	unsigned hl;

	n = (off + len + 4095) / 4096;
	buf = calloc(n + 1, 4096);
	assert_non_null(buf);
	if (len > 0)
		memcpy(buf + off, blob, len);
	for (i = 0; i < n; i++) {
		assert_int_equal(EVP_Digest(buf + 4096 * i, 4096, h, &hl, md,
		    NULL), 1);
		memset(desc, 0, sizeof(desc));
		desc[0] = 0;
		le64(desc + 8, 0x100);
		memcpy(desc + 0x10, rim, L);
		le64(desc + 0x50, (ipa & ~(uint64_t)0xfff) + 4096 * i);
		le64(desc + 0x58, 1);
		memcpy(desc + 0x60, h, L);
		assert_int_equal(EVP_Digest(desc, 256, rim, &hl, md, NULL), 1);
	}
	free(buf);
}

/* --- vectors -------------------------------------------------------- */

static void
test_unit_rim_params(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_realm_meas m;
	ccakit_realm *r;
	size_t i;

	(void)state;
	/* vectors.json unit-rim-params: ipa 48, bps 2, wps 2 (count - 1). */
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);
	r = realm(&p, 1);
	rim_of(r, &m);
	assert_int_equal(m.len, 32);
	hexcmp(m.rim, 64, "6739dfb22b75ee1268d08dfa8369f501bc0b066243553f069f"
	    "560d1fa1172973000000000000000000000000000000000000000000000000"
	    "0000000000000000");
	for (i = 0; i < 4; i++) {
		static const uint8_t zero[64];

		assert_memory_equal(m.rem[i], zero, 64);
	}
	ccakit_realm_free(&r);
	assert_null(r);

	params(&p, 48, 1, 1, CCAKIT_HASH_SHA512);
	r = realm(&p, 1);
	rim_of(r, &m);
	assert_int_equal(m.len, 64);
	hexcmp(m.rim, 64, "799e434048fb57eb9d4f0e2a2b98158720377252deab2bdfcd"
	    "69b5a8f82237f434bd6bb1c75bf160a2d49382f733b3439a3ff769e4ea5dd9a6"
	    "f72239d44bbbab");
	ccakit_realm_free(&r);

	/* historic eac5 encoding: raw counts 2/2. */
	params(&p, 48, 2, 2, CCAKIT_HASH_SHA256);
	r = realm(&p, 1);
	rim_of(r, &m);
	hexcmp(m.rim, 32, "3f377c61f1904ac32e500bfa4755fdaec5066d5998288b78bd"
	    "6d63657800db50");
	ccakit_realm_free(&r);
	params(&p, 48, 2, 2, CCAKIT_HASH_SHA512);
	r = realm(&p, 1);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "33d7e21767d822e2f9b15477e5e3c1bac7d768f68ed283400e"
	    "5bd8cef52d23ae4addb057208017464a1387e0148d0bae8349cdf5179796c05a"
	    "7dda821d9010ca");
	ccakit_realm_free(&r);

	/* eventlog-realm-create-only: s2sz 48, bps 5, wps 3 (encoded). */
	params(&p, 48, 5, 3, CCAKIT_HASH_SHA256);
	r = realm(&p, 1);
	rim_of(r, &m);
	hexcmp(m.rim, 32, "8960d56826370aaa6fc9b3a041d4240689582ba41e2ad8bb8f"
	    "9adf6d2a0cd5e7");
	ccakit_realm_free(&r);
}

/* kvmtool-min: every intermediate RIM of the upstream trace. */
static void
test_kvmtool_min_trace(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_rec_params rec;
	struct ccakit_realm_meas m;
	ccakit_realm *r;
	uint8_t *dtb;
	size_t len;

	(void)state;
	dtb = td_dtb("kvmtool-1cpu-512M", &len);
	assert_int_equal(len, 0x10000);
	params(&p, 33, 5, 5, CCAKIT_HASH_SHA256);
	r = realm(&p, 2);
	rim_of(r, &m);
	hexcmp(m.rim, 32, "9abbddd3cf68930801ba9475b12b0036bf43bd1399a161b178"
	    "751d2f7b2880c3");
	assert_int_equal(ccakit_realm_init_ripas(r, 0x80000000, 0xa0000000,
	    NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 32, "365183bedfd6b2b008421cd9987384ebad20438e6cb3a9a1b6"
	    "dbdfef3ca1aec7");
	assert_int_equal(ccakit_realm_data(r, 0x8fe00000, dtb, len, NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 32, "2a898eb909080a1ba1546fd6f0abee66729fd309cac7645f51"
	    "bfb71b1de2a67a");
	memset(&rec, 0, sizeof(rec));
	rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
	rec.gprs[0] = 0x8fe00000;
	assert_int_equal(ccakit_realm_rec_create(r, &rec, NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "998dfdf6401d69f73ed88ac53d62d5ea2cfac6320b887ce459"
	    "9aa8671791d4d0000000000000000000000000000000000000000000000000"
	    "00000000000000");
	ccakit_realm_free(&r);
	free(dtb);
}

/* qemu-noargs and qemu-pmu-on, SHA-512, with their traces. */
static void
test_qemu_noargs_trace(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_rec_params rec;
	struct ccakit_realm_meas m;
	ccakit_realm *r;
	uint8_t *dtb;
	size_t len;

	(void)state;
	dtb = td_dtb("qemu-1cpu-128M", &len);
	params(&p, 41, 5, 5, CCAKIT_HASH_SHA512);
	r = realm(&p, 0);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "e5714070ea1a1cdca64fcc40d06268e282625aaa60fb4945a6"
	    "239a5e7d2a021ec195ebbf9f463b79d451fe599f22a19100767848e23f7e2090"
	    "1def9712323875");
	assert_int_equal(ccakit_realm_init_ripas(r, 0x40000000, 0x48000000,
	    NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "69c56209d900e24750e5a8b8c1b6db2d5cde3a660a3471a2d4"
	    "b16303fe66ad2b17300a5ea6e6cf296336595ece2bda3cb777da38599ec05d55"
	    "fea676e67e74f8");
	assert_int_equal(ccakit_realm_data(r, 0x40000000, dtb, len, NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "183aa942f9e8af02a3583ec851dbd0e24775eb6ffd48ff07b8"
	    "623090278aafff63b6fff11988291136d4b8907717c4661c3026200cbfcd332d"
	    "ffc30c58c42d79");
	memset(&rec, 0, sizeof(rec));
	rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
	rec.pc = 0x40000000;
	rec.gprs[0] = 0x40000000;
	assert_int_equal(ccakit_realm_rec_create(r, &rec, NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "cf409055d866eea6c8d5e7862b540ff1cac9b11f125d088587"
	    "d5ae97a0e3341667cf8fb3983e7377bca5c01d037bd97081ebf3b4dcb6484421"
	    "49749f4d65eeb0");
	ccakit_realm_free(&r);
	free(dtb);

	/* -cpu pmu=on: PMU flag, 6 counters. */
	dtb = td_dtb("qemu-1cpu-128M-pmu", &len);
	params(&p, 41, 5, 5, CCAKIT_HASH_SHA512);
	p.flags = CCAKIT_REALM_FLAG_PMU;
	p.pmu_num_ctrs = 6;
	r = realm(&p, 3);
	assert_int_equal(ccakit_realm_init_ripas(r, 0x40000000, 0x48000000,
	    NULL), 0);
	assert_int_equal(ccakit_realm_data(r, 0x40000000, dtb, len, NULL), 0);
	assert_int_equal(ccakit_realm_rec_create(r, &rec, NULL), 0);
	rim_of(r, &m);
	hexcmp(m.rim, 64, "8120ef921a987a3f8b9d4bb5e40f8489e2b4fc69c5e1b17b1a"
	    "9b040884a1211d99b2bddc3fddcc99ec99f4244743fe3dcd3d9020583b47f7b6"
	    "6a2ec66bb897b9");
	ccakit_realm_free(&r);
	free(dtb);
}

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

/* QEMU 2 CPUs 1G, SHA-256, ipa 41: -bios "FW CONTENT" and the DTB. */
static void
qemu_2cpu(struct ccakit_realm_config *c, struct ccakit_realm_image im[4],
    struct ccakit_mem_range *ram, const uint8_t *dtb, size_t dlen)
{
	static const char fw[] = "FW CONTENT";

	memset(c, 0, sizeof(*c));
	memset(im, 0, 4 * sizeof(*im));
	params(&c->params, 41, 5, 5, CCAKIT_HASH_SHA256);
	ram->base = 0x40000000;
	ram->size = 1u << 30;
	c->ram = ram;
	c->n_ram = 1;
	im[0].ipa = 0;
	im[0].src = memsrc(fw, 10);
	im[1].ipa = 0x40000000;
	im[1].src = memsrc(dtb, dlen);
	c->images = im;
	c->n_images = 2;
	c->has_rec = true;
	c->rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
}

/* The CLI cases through ccakit_realm_config_measure(). */
static void
test_config_vectors(void **state)
{
	static const char fw[] = "FW CONTENT";
	struct ccakit_realm_config c;
	struct ccakit_realm_image im[4];
	struct ccakit_mem_range ram;
	struct ccakit_realm_meas m;
	uint8_t *dtb;
	size_t dlen;

	(void)state;
	/* kvmtool-firmware: exact stdout, REMs zero. */
	dtb = td_dtb("kvmtool-1cpu-512M", &dlen);
	memset(&c, 0, sizeof(c));
	memset(im, 0, sizeof(im));
	params(&c.params, 33, 5, 5, CCAKIT_HASH_SHA256);
	ram.base = 0x80000000;
	ram.size = 512u << 20;
	c.ram = &ram;
	c.n_ram = 1;
	/* Given out of order on purpose: the DTB first. */
	im[0].name = "DTB";
	im[0].ipa = 0x8fe00000;
	im[0].src = memsrc(dtb, dlen);
	im[1].name = "FIRMWARE";
	im[1].ipa = 0x80000000;
	im[1].src = memsrc(fw, 10);
	c.images = im;
	c.n_images = 2;
	c.has_rec = true;
	c.rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
	c.rec.pc = 0x80000000;
	c.rec.gprs[0] = 0x8fe00000;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rim, 64, "cf37146fce0ad50e1be1a04580c1024e5449b430b0dd96b6ef"
	    "5c9a2b73767bf500000000000000000000000000000000000000000000000000"
	    "00000000000000");
	assert_true(m.rem[0][0] == 0 && m.rem[3][63] == 0);
	/* The same start twice: upstream "duplicate blob". */
	im[1].ipa = 0x8fe00000;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	free(dtb);

	/* QEMU 2 CPUs 1G, SHA-256, ipa 41: -bios. */
	dtb = td_dtb("qemu-2cpu-1G", &dlen);
	qemu_2cpu(&c, im, &ram, dtb, dlen);
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rim, 32, "cbf533a94009dfa6b83016a89b428d1d910fb3593856bb386d"
	    "7b2bd07a1bc834");
	/* SHA-512 (qemu-dtb-generated). */
	c.params.hash_algo = CCAKIT_HASH_SHA512;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rim, 64, "3175b3c0c201081ad410defe6c32e145fd77ff03e63518a9f0"
	    "0831b12b6ec2070f743f43f0ff3290902ecebd4e6bea8d5926dca19dc1a06fb8"
	    "d51d551a4a2b79");
	free(dtb);
}

/* The CLI cases with upstream's Linux Image header (testdata/linux.bin)
 * and the validated DTB of -kernel -initrd. */
static void
test_config_vectors_kernel(void **state)
{
	static const char initrd[] = "INITRD CONTENT";
	struct ccakit_realm_config c;
	struct ccakit_realm_image im[4];
	struct ccakit_mem_range ram;
	struct ccakit_realm_meas m;
	uint8_t *dtb, *dtb2, *kernel;
	size_t dlen, d2len, klen;

	(void)state;
	tu_need_vectors(VEC "testdata");
	dtb = td_dtb("qemu-2cpu-1G", &dlen);
	kernel = tu_read_vector(VEC "testdata/linux.bin", &klen);
	qemu_2cpu(&c, im, &ram, dtb, dlen);
	/* -kernel -initrd with -bios go to REM0 (derived vector: RIM and
	 * REM0 both ways). */
	im[2].target = CCAKIT_IMG_REM0;
	im[2].src = memsrc(kernel, klen);
	im[3].target = CCAKIT_IMG_REM0;
	im[3].src = memsrc(initrd, 14);
	c.n_images = 4;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rim, 32, "cbf533a94009dfa6b83016a89b428d1d910fb3593856bb386d"
	    "7b2bd07a1bc834");
	hexcmp(m.rem[0], 64, "5d2864a37670901c5899b15e98f8f0e642db17075bd54edf"
	    "9d9e1c35bac2b70c0000000000000000000000000000000000000000000000000"
	    "000000000000000");
	c.compat = CCAKIT_COMPAT_TOOL_REM;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rem[0], 32, "64510d777e2fbefce2b8535dd17644c3807ddccf681735bf"
	    "36c13ed59d5f0ef5");
	c.compat = 0;

	/* -kernel: kernel at 0x40000000, DTB at 0x48000000. */
	im[0].ipa = 0x40000000;
	im[0].src = memsrc(kernel, klen);
	im[1].ipa = 0x48000000;
	c.n_images = 2;
	c.rec.pc = 0x40000000;
	c.rec.gprs[0] = 0x48000000;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rim, 32, "e8862e21b8eb6b4bdeeff244dc59d2935c26d92c52d346f06e"
	    "224fe712267a6");

	/* -kernel -initrd: initrd at 0x48000000, DTB at 0x48200000. */
	dtb2 = tu_read_vector(VEC "derived-dtbs/qemu-2cpu-1G-initrd.dtb",
	    &d2len);
	im[1].ipa = 0x48200000;
	im[1].src = memsrc(dtb2, d2len);
	im[2].target = CCAKIT_IMG_RIM;
	im[2].ipa = 0x48000000;
	im[2].src = memsrc(initrd, 14);
	c.n_images = 3;
	c.rec.gprs[0] = 0x48200000;
	assert_int_equal(ccakit_realm_config_measure(&c, &m, NULL), 0);
	hexcmp(m.rim, 32, "9af47a8e4d6ac775e05f8a8893f9e383694688719d1bbb4281"
	    "ed1c25056e0911");
	free(dtb2);
	free(dtb);
	free(kernel);
}

static void
test_block_sizes(void **state)
{
	static const struct {
		unsigned ipa;
		uint64_t mask;
	} v[] = {
		{ 52, 0x8040201000 }, { 49, 0x8040201000 },
		{ 48, 0x8040201000 }, { 44, 0x8040201000 },
		{ 43, 0x40201000 }, { 40, 0x40201000 }, { 39, 0x40201000 },
		{ 35, 0x40201000 }, { 34, 0x201000 }, { 31, 0x201000 },
		{ 30, 0x201000 }, { 26, 0x201000 }, { 25, 0x1000 },
		{ 21, 0x1000 }, { 20, 0x1000 },
		{ 12, 0 }, { 16, 0 }, { 53, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		assert_int_equal(cki_meas_block_sizes(v[i].ipa), v[i].mask);
	assert_int_equal(cki_meas_find_block_size(0x6300000, 0x70000000,
	    0x40201000), 0x1000);
	assert_int_equal(cki_meas_find_block_size(0x6200000, 0x70000000,
	    0x40201000), 0x200000);
	assert_int_equal(cki_meas_find_block_size(0x80001000, 0x80200000,
	    0x40201000), 0x1000);
	assert_int_equal(cki_meas_find_block_size(0, 0x80000000, 0x40201000),
	    0x40000000);
}

/* REM: RMM semantics computed by hand; the tool switch; bounds. */
static void
test_rem(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_realm_meas m;
	uint8_t data[64], buf[128], exp[64];
	ccakit_realm *r;
	unsigned hl;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA512);
	r = realm(&p, 1);
	/* REM2 = H(0^64 || data[0:5]), then H(REM2 || data[0:64]). */
	assert_int_equal(ccakit_realm_rem_extend(r, 2, data, 5, NULL), 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf + 64, data, 5);
	assert_int_equal(EVP_Digest(buf, 69, exp, &hl, EVP_sha512(), NULL), 1);
	rim_of(r, &m);
	assert_memory_equal(m.rem[2], exp, 64);
	assert_int_equal(ccakit_realm_rem_extend(r, 2, data, 64, NULL), 0);
	memcpy(buf, exp, 64);
	memcpy(buf + 64, data, 64);
	assert_int_equal(EVP_Digest(buf, 128, exp, &hl, EVP_sha512(), NULL),
	    1);
	rim_of(r, &m);
	assert_memory_equal(m.rem[2], exp, 64);
	/* size 0 is allowed: H(REM). */
	assert_int_equal(ccakit_realm_rem_extend(r, 0, NULL, 0, NULL), 0);
	memset(buf, 0, 64);
	assert_int_equal(EVP_Digest(buf, 64, exp, &hl, EVP_sha512(), NULL), 1);
	rim_of(r, &m);
	assert_memory_equal(m.rem[0], exp, 64);
	/* Other REMs untouched; bounds. */
	memset(buf, 0, 64);
	assert_memory_equal(m.rem[1], buf, 64);
	assert_memory_equal(m.rem[3], buf, 64);
	assert_int_equal(ccakit_realm_rem_extend(r, 4, data, 1, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_rem_extend(r, 1, buf, 65, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_realm_free(&r);

	/* Tool compat: H(pad64(data)), the old value dropped. */
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);
	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_set_compat(r, CCAKIT_COMPAT_TOOL_REM),
	    0);
	assert_int_equal(ccakit_realm_create(r, &p, NULL), 0);
	assert_int_equal(ccakit_realm_rem_extend(r, 1, data, 32, NULL), 0);
	assert_int_equal(ccakit_realm_rem_extend(r, 1, data + 1, 10, NULL), 0);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, data + 1, 10);
	assert_int_equal(EVP_Digest(buf, 64, exp, &hl, EVP_sha256(), NULL), 1);
	rim_of(r, &m);
	assert_memory_equal(m.rem[1], exp, 32);
	memset(buf, 0, sizeof(buf));
	assert_memory_equal(m.rem[1] + 32, buf, 32);
	assert_int_equal(ccakit_realm_set_compat(r, 0), CCAKIT_ERR_INVALID_ARG);
	ccakit_realm_free(&r);
}

/* RIPAS measured on RMM 1.x only; SHA-384 on RMM 2.0 only. */
static void
test_rmm_versions(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_realm_meas m0, m1;
	ccakit_realm *r;
	uint8_t blob[100];
	unsigned hl;

	(void)state;
	params(&p, 40, 1, 1, CCAKIT_HASH_SHA256);
	r = realm(&p, 1);
	rim_of(r, &m0);
	assert_int_equal(ccakit_realm_init_ripas(r, 0x40000000, 0x40400000,
	    NULL), 0);
	rim_of(r, &m1);
	assert_memory_not_equal(m0.rim, m1.rim, 32);
	ccakit_realm_free(&r);

	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_set_rmm_version(r, CCAKIT_RMM_2), 0);
	assert_int_equal(ccakit_realm_create(r, &p, NULL), 0);
	rim_of(r, &m1);
	assert_memory_equal(m0.rim, m1.rim, 64);
	assert_int_equal(ccakit_realm_init_ripas(r, 0x40000000, 0x40400000,
	    NULL), 0);
	rim_of(r, &m1);
	assert_memory_equal(m0.rim, m1.rim, 64);
	ccakit_realm_free(&r);

	/* SHA-384: refused by RMM 1.x, a 48-byte chain on RMM 2.0. */
	p.hash_algo = CCAKIT_HASH_SHA384;
	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_create(r, &p, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_realm_free(&r);
	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_set_rmm_version(r, CCAKIT_RMM_2), 0);
	assert_int_equal(ccakit_realm_create(r, &p, NULL), 0);
	memset(blob, 0xa5, sizeof(blob));
	assert_int_equal(ccakit_realm_data(r, 0x1000, blob, sizeof(blob),
	    NULL), 0);
	rim_of(r, &m1);
	assert_int_equal(m1.len, 48);
	{
		uint8_t page[4096], exp[64];

		memset(page, 0, sizeof(page));
		page[8] = 40;
		page[0x18] = 1;
		page[0x20] = 1;
		page[0x30] = 2;
		memset(exp, 0, sizeof(exp));
		assert_int_equal(EVP_Digest(page, 4096, exp, &hl,
		    EVP_sha384(), NULL), 1);
		ref_data(exp, 2, 0x1000, blob, sizeof(blob));
		assert_memory_equal(m1.rim, exp, 64);
	}
	ccakit_realm_free(&r);
	p.hash_algo = 3;
	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_create(r, &p, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_realm_free(&r);
}

/* REC: only runnable RECs, unless the tool switch; unmeasured DATA. */
static void
test_rec_unmeasured(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_rec_params rec;
	struct ccakit_realm_meas m0, m1;
	uint8_t page[4096], content[64], desc[256], exp[64];
	ccakit_realm *r;
	unsigned hl;
	int i;

	(void)state;
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);
	memset(&rec, 0, sizeof(rec));
	rec.pc = 0x1234;
	for (i = 0; i < 8; i++)
		rec.gprs[i] = UINT64_C(0x1111111111111111) * (uint64_t)(i + 1);
	r = realm(&p, 1);
	rim_of(r, &m0);
	assert_int_equal(ccakit_realm_rec_create(r, &rec, NULL), 0);
	rim_of(r, &m1);
	assert_memory_equal(m0.rim, m1.rim, 64);
	rec.flags = CCAKIT_REC_FLAG_RUNNABLE;
	assert_int_equal(ccakit_realm_rec_create(r, &rec, NULL), 0);
	rim_of(r, &m1);
	memset(page, 0, sizeof(page));
	le64(page, 1);
	le64(page + 0x200, 0x1234);
	for (i = 0; i < 8; i++)
		le64(page + 0x300 + 8 * i, rec.gprs[i]);
	memset(content, 0, sizeof(content));
	EVP_Digest(page, 4096, content, &hl, EVP_sha256(), NULL);
	memset(desc, 0, sizeof(desc));
	desc[0] = 1;
	le64(desc + 8, 0x100);
	memcpy(desc + 0x10, m0.rim, 32);
	memcpy(desc + 0x50, content, 32);
	memset(exp, 0, sizeof(exp));
	EVP_Digest(desc, 256, exp, &hl, EVP_sha256(), NULL);
	assert_memory_equal(m1.rim, exp, 64);
	ccakit_realm_free(&r);

	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_set_compat(r, CCAKIT_COMPAT_TOOL_REC), 0);
	assert_int_equal(ccakit_realm_create(r, &p, NULL), 0);
	rec.flags = 0;
	assert_int_equal(ccakit_realm_rec_create(r, &rec, NULL), 0);
	rim_of(r, &m1);
	assert_memory_not_equal(m0.rim, m1.rim, 32);
	ccakit_realm_free(&r);

	/* Unmeasured [0x1800, 0x1800+0x1001) covers 0x1000..0x3000: two
	 * descriptors, flags 0, content zero. */
	r = realm(&p, 1);
	assert_int_equal(ccakit_realm_data_unmeasured(r, 0x1800, 0x1001, NULL),
	    0);
	rim_of(r, &m1);
	memcpy(exp, m0.rim, 64);
	for (i = 0; i < 2; i++) {
		memset(desc, 0, sizeof(desc));
		le64(desc + 8, 0x100);
		memcpy(desc + 0x10, exp, 32);
		le64(desc + 0x50, 0x1000 + 0x1000 * (uint64_t)i);
		EVP_Digest(desc, 256, exp, &hl, EVP_sha256(), NULL);
	}
	assert_memory_equal(m1.rim, exp, 64);
	assert_int_equal(ccakit_realm_data_unmeasured(r, UINT64_MAX - 10, 100,
	    NULL), CCAKIT_ERR_INVALID_ARG);
	ccakit_realm_free(&r);
}

static void
test_errors(void **state)
{
	struct ccakit_realm_params p;
	struct ccakit_realm_meas m;
	static uint8_t big[8192];
	uint8_t h[64] = { 0 };
	ccakit_realm *r;

	(void)state;
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);
	r = ccakit_realm_new();
	assert_int_equal(ccakit_realm_get(r, &m), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_data(r, 0, h, 1, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_rem_extend(r, 0, h, 1, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_set_threads(r, 65),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_set_rmm_version(r, 3),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_create(r, &p, NULL), 0);
	assert_int_equal(ccakit_realm_create(r, &p, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_set_threads(r, 1),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_data_granule_hash(r, 0x800, h, 32, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_data_granule_hash(r, 0x1000, h, 64,
	    NULL), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_data_granule_hash(r, 0x1000, h, 32,
	    NULL), 0);
	assert_int_equal(ccakit_realm_data(r, UINT64_MAX - 10, h, 1, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	/* The last granule of the IPA space is out of reach. */
	assert_int_equal(ccakit_realm_data(r, UINT64_MAX - 8191, big, 4097,
	    NULL), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_data(r, UINT64_MAX - 8191, big, 4096,
	    NULL), 0);
	ccakit_realm_free(&r);
	ccakit_realm_free(&r);
	ccakit_realm_free(NULL);

	/* An IPA width without a stage-2 geometry cannot do RIPAS. */
	params(&p, 16, 1, 1, CCAKIT_HASH_SHA256);
	r = realm(&p, 1);
	assert_int_equal(ccakit_realm_init_ripas(r, 0, 0x10000, NULL),
	    CCAKIT_ERR_INVALID_ARG);
	ccakit_realm_free(&r);
}

/*
 * An empty image given as NULL/0 (what an empty file mapped by lib/vmm
 * is): nothing at an aligned IPA, one zero granule at an unaligned one,
 * and no arithmetic on the NULL pointer (UBSan stops the test otherwise).
 */
static void
test_empty_null(void **state)
{
	static const uint64_t ipas[] = { 0x80000000, 0x80000123 };
	struct ccakit_realm_params p;
	struct ccakit_realm_meas m, before;
	struct ccakit_image_src src;
	uint8_t rim[64];
	uint64_t total;
	ccakit_realm *r;
	size_t i;
	unsigned t;

	(void)state;
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);
	for (t = 1; t <= 2; t++) {
		for (i = 0; i < sizeof(ipas) / sizeof(ipas[0]); i++) {
			r = realm(&p, t);
			rim_of(r, &before);
			memcpy(rim, before.rim, sizeof(rim));
			ref_data(rim, 0, ipas[i], NULL, 0);
			assert_int_equal(ccakit_realm_data(r, ipas[i], NULL,
			    0, NULL), 0);
			rim_of(r, &m);
			assert_memory_equal(m.rim, rim, 64);
			ccakit_realm_free(&r);

			r = realm(&p, t);
			memset(&src, 0, sizeof(src));
			src.kind = CCAKIT_SRC_MEM;
			total = 1;
			assert_int_equal(ccakit_realm_data_src(r, ipas[i],
			    &src, &total, NULL), 0);
			assert_true(total == 0);
			rim_of(r, &m);
			assert_memory_equal(m.rim, rim, 64);
			ccakit_realm_free(&r);
		}
	}
}

/* --- parallel == sequential == reference ----------------------------- */

struct rd {
	const uint8_t *p;
	size_t len, pos, step;
};

static int
rd_fn(void *arg, uint8_t *buf, size_t len, size_t *got)
{
	struct rd *s = arg;
	size_t n = s->len - s->pos;

	if (n > len)
		n = len;
	if (n > s->step)
		n = s->step;
	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	*got = n;
	return 0;
}

static void
test_parallel(void **state)
{
	static const size_t sizes[] = {
		0, 1, 4095, 4096, 4097, 3 * 4096, 512 * 4096 - 1,
		512 * 4096 + 7, 3 * 512 * 4096 + 3 * 4096 + 123,
	};
	static const uint64_t ipas[] = { 0x80000000, 0x80000123, 0x40000ffc };
	struct ccakit_realm_params p;
	struct ccakit_realm_meas m, m2;
	struct ccakit_image_src src;
	char path[] = "/tmp/ccakit-measure-XXXXXX";
	char path2[] = "/tmp/ccakit-measure-XXXXXX";
	size_t si, ii, i, maxn = 3 * 512 * 4096 + 3 * 4096 + 123;
	uint8_t *blob, rim[64], first[64];
	unsigned t, hl;
	uint64_t total;
	ccakit_realm *r;
	struct rd rd;
	int fd, fd2, io;

	(void)state;
	blob = malloc(maxn);
	assert_non_null(blob);
	for (i = 0; i < maxn; i++)
		blob[i] = (uint8_t)((i * 2654435761u) >> 13);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);
	memset(first, 0, sizeof(first));
	{
		uint8_t page[4096];

		memset(page, 0, sizeof(page));
		page[8] = 48;
		page[0x18] = 1;
		page[0x20] = 1;
		EVP_Digest(page, 4096, first, &hl, EVP_sha256(), NULL);
	}
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, blob, sizes[si], 0),
		    (ssize_t)sizes[si]);
		for (ii = 0; ii < sizeof(ipas) / sizeof(ipas[0]); ii++) {
			memcpy(rim, first, 64);
			ref_data(rim, 0, ipas[ii], blob, sizes[si]);
			for (t = 1; t <= 4; t++) {
				/* memory */
				r = realm(&p, t);
				assert_int_equal(ccakit_realm_data(r, ipas[ii],
				    blob, sizes[si], NULL), 0);
				rim_of(r, &m);
				assert_memory_equal(m.rim, rim, 64);
				/* a file descriptor: read, then mapped */
				memset(&src, 0, sizeof(src));
				src.kind = CCAKIT_SRC_FD;
				src.fd = fd;
				for (io = CCAKIT_IO_MMAP; io <= CCAKIT_IO_PREAD;
				    io++) {
					ccakit_realm_free(&r);
					r = realm(&p, t);
					assert_int_equal(ccakit_realm_set_io(r,
					    (enum ccakit_realm_io)io), 0);
					assert_int_equal(ccakit_realm_data_src(
					    r, ipas[ii], &src, &total, NULL), 0);
					assert_true(total == sizes[si]);
					rim_of(r, &m2);
					assert_memory_equal(m2.rim, rim, 64);
					assert_int_equal(ccakit_realm_io_used(r),
					    io);
				}
				/* a stream with odd read sizes */
				ccakit_realm_free(&r);
				r = realm(&p, t);
				memset(&rd, 0, sizeof(rd));
				rd.p = blob;
				rd.len = sizes[si];
				rd.step = 4096 * t + 1000;
				src.kind = CCAKIT_SRC_READ;
				src.read = rd_fn;
				src.arg = &rd;
				assert_int_equal(ccakit_realm_data_src(r,
				    ipas[ii], &src, &total, NULL), 0);
				assert_true(total == sizes[si]);
				rim_of(r, &m2);
				assert_memory_equal(m2.rim, rim, 64);
				ccakit_realm_free(&r);
			}
		}
	}
	/* PATH source, and a missing file. */
	r = realm(&p, 2);
	memset(&src, 0, sizeof(src));
	src.kind = CCAKIT_SRC_PATH;
	src.path = "/nonexistent/ccakit";
	assert_int_equal(ccakit_realm_data_src(r, 0, &src, NULL, NULL),
	    CCAKIT_ERR_IO);
	fd2 = mkstemp(path2);
	assert_true(fd2 >= 0);
	assert_int_equal(write(fd2, blob, 256), 256);
	close(fd2);
	src.path = path2;
	assert_int_equal(ccakit_realm_data_src(r, 0x1000, &src, &total, NULL),
	    0);
	assert_int_equal(total, 256);
	unlink(path2);
	ccakit_realm_free(&r);
	close(fd);
	free(blob);
}

/* Reads the file behind *arg with pread, at odd sizes. */
struct frd {
	int fd;
	uint64_t pos;
};

static int
frd_fn(void *arg, uint8_t *buf, size_t len, size_t *got)
{
	struct frd *s = arg;
	ssize_t n;

	if (len > 300000)
		len = 300000;
	if ((n = pread(s->fd, buf, len, (off_t)s->pos)) < 0)
		return CCAKIT_ERR_IO;
	s->pos += (uint64_t)n;
	*got = (size_t)n;
	return 0;
}

/*
 * A file over several 64 MiB map windows (realm.c MAP_WINDOW), with an
 * unaligned IPA so every window starts inside a page: each window is
 * unmapped by the run of the next one, the last one at the end. The mmap
 * path and the pread path (worker reads across the same edges), each
 * forced and as AUTO chooses, with 1 to 3 threads and the default, must
 * match a stream of the same bytes, which never maps anything. The file
 * is sparse except for marks around the window edges.
 */
static void
test_windows(void **state)
{
	const uint64_t win = 64u * 1024 * 1024, ipa = 0x80000123;
	const uint64_t size = 2 * win + 3 * 4096 + 123;
	static const unsigned threads[] = { 1, 2, 3, 0 };
	struct ccakit_realm_params p;
	struct ccakit_realm_meas ref, m;
	struct ccakit_image_src src;
	char path[] = "/tmp/ccakit-windows-XXXXXX";
	uint64_t total, k, w;
	ccakit_realm *r;
	struct frd frd;
	size_t i;
	uint8_t mark[8192];
	int fd, io;

	(void)state;
	for (i = 0; i < sizeof(mark); i++)
		mark[i] = (uint8_t)(i * 151 + 7);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	for (w = 0; w <= 2; w++) {
		k = w * win > 4096 ? w * win - 4096 : 0;
		if (k + sizeof(mark) > size)
			k = size - sizeof(mark);
		assert_int_equal(pwrite(fd, mark, sizeof(mark), (off_t)k),
		    (ssize_t)sizeof(mark));
	}
	assert_int_equal(pwrite(fd, mark, 100, (off_t)(size - 100)), 100);
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);

	r = realm(&p, 1);
	memset(&frd, 0, sizeof(frd));
	frd.fd = fd;
	memset(&src, 0, sizeof(src));
	src.kind = CCAKIT_SRC_READ;
	src.read = frd_fn;
	src.arg = &frd;
	assert_int_equal(ccakit_realm_data_src(r, ipa, &src, &total, NULL), 0);
	assert_true(total == size);
	rim_of(r, &ref);
	ccakit_realm_free(&r);

	for (io = CCAKIT_IO_AUTO; io <= CCAKIT_IO_PREAD; io++) {
		for (i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
			r = realm(&p, threads[i]);
			assert_int_equal(ccakit_realm_io_used(r),
			    CCAKIT_IO_AUTO);
			assert_int_equal(ccakit_realm_set_io(r,
			    (enum ccakit_realm_io)io), 0);
			memset(&src, 0, sizeof(src));
			src.kind = CCAKIT_SRC_FD;
			src.fd = fd;
			assert_int_equal(ccakit_realm_data_src(r, ipa, &src,
			    &total, NULL), 0);
			assert_true(total == size);
			rim_of(r, &m);
			assert_memory_equal(m.rim, ref.rim, sizeof(ref.rim));
			/* AUTO tried both ways on this file (over 64 MiB),
			 * then took the one this machine makes faster. */
			if (io == CCAKIT_IO_AUTO)
				assert_true(ccakit_realm_io_used(r) ==
				    CCAKIT_IO_MMAP || ccakit_realm_io_used(r) ==
				    CCAKIT_IO_PREAD);
			else
				assert_int_equal(ccakit_realm_io_used(r), io);
			ccakit_realm_free(&r);
		}
	}
	close(fd);
}

static int
count_sink(void *arg, const uint8_t *hashes, size_t n, uint64_t ipa)
{
	(void)hashes;
	(void)ipa;
	*(size_t *)arg += n;
	return 0;
}

/*
 * The I/O choice: a bad value is refused; a whole-image digest (the
 * replay's content check) gets the right digest whatever was asked (it
 * maps); a pool run over a file that is shorter than asked, or an fd
 * that cannot be read, fails with CCAKIT_ERR_IO instead of hashing
 * garbage or hanging, with any number of threads.
 */
static void
test_io(void **state)
{
	static const size_t len = 3 * 1024 * 1024 + 4096 + 5;
	struct ccakit_realm_params p;
	struct ccakit_image_src src;
	struct cki_meas_pool *pool;
	char path[] = "/tmp/ccakit-io-XXXXXX";
	uint8_t *blob, dig[64], exp[64];
	unsigned t, hl;
	uint64_t total;
	ccakit_realm *r;
	size_t i, seen;
	EVP_MD *md;
	int fd, io;

	(void)state;
	assert_non_null(blob = malloc(len));
	for (i = 0; i < len; i++)
		blob[i] = (uint8_t)(i * 7 + (i >> 12));
	assert_true((fd = mkstemp(path)) >= 0);
	unlink(path);
	assert_int_equal(pwrite(fd, blob, len, 0), (ssize_t)len);
	assert_int_equal(EVP_Digest(blob, len, exp, &hl, EVP_sha512(), NULL),
	    1);
	params(&p, 48, 1, 1, CCAKIT_HASH_SHA256);

	r = realm(&p, 2);
	assert_int_equal(ccakit_realm_set_io(r, (enum ccakit_realm_io)3),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_set_io(NULL, CCAKIT_IO_MMAP),
	    CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_realm_io_used(NULL), CCAKIT_IO_AUTO);
	/* Memory is not a file. */
	assert_int_equal(ccakit_realm_data(r, 0x1000, blob, 100, NULL), 0);
	assert_int_equal(ccakit_realm_io_used(r), CCAKIT_IO_AUTO);
	ccakit_realm_free(&r);

	memset(&src, 0, sizeof(src));
	src.kind = CCAKIT_SRC_FD;
	src.fd = fd;
	assert_non_null(md = EVP_MD_fetch(NULL, "SHA2-512", NULL));
	for (io = CCAKIT_IO_AUTO; io <= CCAKIT_IO_PREAD; io++) {
		r = realm(&p, 2);
		assert_int_equal(ccakit_realm_set_io(r,
		    (enum ccakit_realm_io)io), 0);
		memset(dig, 0, sizeof(dig));
		assert_int_equal(cki_meas_realm_data_src_digest(r, 0x80000000,
		    &src, &total, md, dig, NULL), 0);
		assert_true(total == len);
		assert_memory_equal(dig, exp, 64);
		assert_int_equal(ccakit_realm_io_used(r), CCAKIT_IO_MMAP);
		ccakit_realm_free(&r);
	}
	EVP_MD_free(md);

	/* Short reads and read errors stop a run. */
	assert_non_null(md = cki_meas_md_fetch(CCAKIT_HASH_SHA256));
	for (t = 1; t <= 3; t++) {
		assert_non_null(pool = cki_meas_pool_new(t, md, 32));
		seen = 0;
		assert_int_equal(cki_meas_pool_run_fd(pool, fd, 0, len / 4096,
		    0, count_sink, &seen), 0);
		assert_int_equal(seen, len / 4096);
		/* One granule more than the file has, far beyond the ring. */
		assert_int_equal(cki_meas_pool_run_fd(pool, fd, 0,
		    len / 4096 + 1, 0, count_sink, &seen), CCAKIT_ERR_IO);
		assert_int_equal(cki_meas_pool_run_fd(pool, fd, 4096 * 4096,
		    3000, 0, count_sink, &seen), CCAKIT_ERR_IO);
		assert_int_equal(cki_meas_pool_run_fd(pool, -1, 0, 3000, 0,
		    count_sink, &seen), CCAKIT_ERR_IO);
		/* And the pool still works. */
		seen = 0;
		assert_int_equal(cki_meas_pool_run_fd(pool, fd, 4096, 700,
		    0, count_sink, &seen), 0);
		assert_int_equal(seen, 700);
		cki_meas_pool_free(&pool);
	}
	EVP_MD_free(md);
	close(fd);
	free(blob);
}

/*
 * struct cki_fast_md: the provider path (in use with the default provider)
 * and the EVP fallback give EVP_Digest()'s digest for every algorithm,
 * around every block boundary, on one context reused across lengths in an
 * order that leaves a longer, unfinished-looking state before each short
 * input, so an init that did not reset the state would show.
 */
static void
test_fast_md(void **state)
{
	static const size_t lens[] = {
		4097, 0, 1, 55, 56, 63, 64, 65, 111, 112, 119, 120, 127, 128,
		129, 255, 256, 257, 4095, 4096, 3, 3 * 4096 + 7, 64,
	};
	static const enum ccakit_hash_algo algos[] = {
		CCAKIT_HASH_SHA256, CCAKIT_HASH_SHA384, CCAKIT_HASH_SHA512,
	};
	struct cki_fast_md *f[2];
	uint8_t *buf, got[64], exp[64];
	unsigned int elen;
	size_t a, i, k, hlen, max = 3 * 4096 + 7 + 32;
	const uint8_t *in;
	EVP_MD *md;

	(void)state;
	assert_non_null(buf = malloc(max));
	for (i = 0; i < max; i++)
		buf[i] = (uint8_t)(i * 131 + (i >> 8) + 7);
	for (a = 0; a < sizeof(algos) / sizeof(algos[0]); a++) {
		assert_non_null(md = cki_meas_md_fetch(algos[a]));
		hlen = ccakit_hash_algo_len(algos[a]);
		assert_non_null(f[0] = cki_fast_md_new(md, true));
		assert_non_null(f[1] = cki_fast_md_new(md, false));
		/* Otherwise this would compare EVP with EVP. */
		assert_true(cki_fast_md_is_fast(f[0]));
		assert_false(cki_fast_md_is_fast(f[1]));
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			in = buf + i;   /* different bytes for each length */
			assert_int_equal(EVP_Digest(in, lens[i], exp, &elen,
			    md, NULL), 1);
			assert_int_equal(elen, hlen);
			for (k = 0; k < 2; k++) {
				memset(got, 0xa5, sizeof(got));
				assert_int_equal(cki_fast_md_digest(f[k], in,
				    lens[i], got), 0);
				assert_memory_equal(got, exp, hlen);
				/* Nothing written past the digest. */
				if (hlen < sizeof(got))
					assert_int_equal(got[hlen], 0xa5);
			}
		}
		/* The fast_md holds its own reference. */
		EVP_MD_free(md);
		assert_int_equal(cki_fast_md_digest(f[0], buf, 100, got), 0);
		assert_int_equal(cki_fast_md_digest(f[1], buf, 100, exp), 0);
		assert_memory_equal(got, exp, hlen);
		cki_fast_md_free(&f[0]);
		cki_fast_md_free(&f[1]);
		assert_null(f[0]);
	}
	cki_fast_md_free(NULL);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unit_rim_params),
		cmocka_unit_test(test_kvmtool_min_trace),
		cmocka_unit_test(test_qemu_noargs_trace),
		cmocka_unit_test(test_config_vectors),
		cmocka_unit_test(test_config_vectors_kernel),
		cmocka_unit_test(test_block_sizes),
		cmocka_unit_test(test_rem),
		cmocka_unit_test(test_rmm_versions),
		cmocka_unit_test(test_rec_unmeasured),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_empty_null),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_io),
		cmocka_unit_test(test_fast_md),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
