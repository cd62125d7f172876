/*
 * VMM models: FDT writer byte-exactness against vm-fdt and the validated
 * DTBs of the vectors, the kvmtool/QEMU/cloud-hv layouts, parameter
 * resolution, the capability file parser, Linux Image loading, and DTB
 * template surgery on good and corrupted templates. Inputs are made here
 * (a Linux Image header, configurations, the models' own DTBs); the
 * upstream files are compared or loaded when the vectors are present.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include <ccakit/err.h>
#include <ccakit/eventlog.h>
#include <ccakit/vmm.h>

#include "test_dtb_util.h"
#include "testutil.h"
#include "vmm/vmm_priv.h"

#define DERIVED "cca-realm-measurements/derived-dtbs/"
#define TESTDATA "cca-realm-measurements/testdata/"
#define CONFIGS "cca-realm-measurements/configs/"

static char fw_path[64], initrd_path[64], kernel_path[64];

static char *
vpath(const char *rel)
{
	char *p = strdup(tu_vector_path(rel));

	assert_non_null(p);
	return p;
}

static void
write_tmp_bytes(char *path, size_t sz, const void *content, size_t len)
{
	int fd;

	(void)snprintf(path, sz, "/tmp/ccakit-vmm-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	close(fd);
}

static void
write_tmp(char *path, size_t sz, const char *content)
{
	write_tmp_bytes(path, sz, content, strlen(content));
}

/* The same bytes, gzip-compressed, into a new temporary file. */
static void
write_tmp_gz(char *path, size_t sz, const void *content, size_t len)
{
	gzFile gz;
	int fd;

	(void)snprintf(path, sz, "/tmp/ccakit-vmm-XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(gz = gzdopen(fd, "wb"));
	assert_int_equal(gzwrite(gz, content, (unsigned)len), (int)len);
	assert_int_equal(gzclose(gz), Z_OK);
}

/*
 * A 256-byte arm64 Linux Image header of our own: text_offset 0,
 * image_size 0x2d10000, flags 0xa and the magic "ARM\x64" (the fields
 * that the layouts use, as in upstream's testdata/linux.bin), the rest
 * a pattern.
 */
static void
linux_header(uint8_t img[256])
{
	size_t i;

	for (i = 0; i < 256; i++)
		img[i] = (uint8_t)(0x5a ^ i);
	memset(img + 0x08, 0, 0x30);
	img[0x12] = 0xd1;
	img[0x13] = 0x02;
	img[0x18] = 0x0a;
	memcpy(img + 0x38, "ARM\x64", 4);
}

static int
setup(void **state)
{
	uint8_t img[256];

	(void)state;
	write_tmp(fw_path, sizeof(fw_path), "FW CONTENT");
	write_tmp(initrd_path, sizeof(initrd_path), "INITRD CONTENT");
	linux_header(img);
	write_tmp_bytes(kernel_path, sizeof(kernel_path), img, sizeof(img));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(fw_path);
	unlink(initrd_path);
	unlink(kernel_path);
	return 0;
}

/* The common QEMU host options of upstream tests/cmdline.rs. */
static void
qemu_host(struct ccakit_vmm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->host.set = CCAKIT_CAP_NUM_WPS | CCAKIT_CAP_NUM_BPS |
	    CCAKIT_CAP_IPA_BITS | CCAKIT_CAP_PMU_NUM_CTRS;
	o->host.num_wps = 6;
	o->host.num_bps = 6;
	o->host.ipa_bits = 52;
	o->host.pmu_num_ctrs = 6;
	o->firmware = fw_path;
	o->kernel = kernel_path;
	o->initrd = initrd_path;
}

/* A new model built from argv: *out is NULL on failure. */
static int
vmm_build(struct ccakit_vmm **out, enum ccakit_vmm_type t, int argc,
    const char *const *argv, const struct ccakit_vmm_opts *o,
    struct ccakit_errdetail *m)
{
	int r;

	if ((*out = ccakit_vmm_new()) == NULL)
		return CCAKIT_ERR_NOMEM;
	if ((r = ccakit_vmm_from_args(*out, t, argc, argv, o, m)) !=
	    CCAKIT_OK)
		ccakit_vmm_free(out);
	return r;
}

static struct ccakit_vmm *
build(enum ccakit_vmm_type t, const struct ccakit_vmm_opts *o,
    const char *const *argv)
{
	struct ccakit_vmm *v = NULL;
	struct ccakit_errdetail m;
	int argc = 0, r;

	while (argv[argc] != NULL)
		argc++;
	r = vmm_build(&v, t, argc, argv, o, &m);
	if (r != CCAKIT_OK)
		fail_msg("build failed (%d): %s", r, m.text);
	return v;
}

/*
 * Fail unless the model's DTB equals the file; MODEL- files only warn.
 * Without the vectors there is nothing to compare: the rest of the
 * caller's checks still run.
 */
static int
dtb_matches(const struct ccakit_vmm *v, const char *name, int must)
{
	const uint8_t *dtb;
	uint8_t *want;
	size_t len, wlen, i;
	char rel[256];

	if (!tu_have_vectors(DERIVED))
		return 0;
	(void)snprintf(rel, sizeof(rel), DERIVED "%s", name);
	want = tu_read_vector(rel, &wlen);
	assert_int_equal(ccakit_vmm_dtb(v, &dtb, &len, NULL), CCAKIT_OK);
	if (len == wlen && memcmp(dtb, want, len) == 0) {
		free(want);
		return 1;
	}
	for (i = 0; i < len && i < wlen && dtb[i] == want[i]; i++)
		;
	if (must)
		fail_msg("%s: %zu bytes, want %zu; first difference at %zu",
		    name, len, wlen, i);
	print_message("MODEL disagreement: %s: %zu bytes, want %zu; first "
	    "difference at 0x%zx\n", name, len, wlen, i);
	free(want);
	return 0;
}

static void
test_fdt_minimal(void **state)
{
	/* vm-fdt writer.rs test "minimal". */
	static const uint8_t want[] = {
		0xd0, 0x0d, 0xfe, 0xed, 0, 0, 0, 0x48, 0, 0, 0, 0x38,
		0, 0, 0, 0x48, 0, 0, 0, 0x28, 0, 0, 0, 0x11, 0, 0, 0, 0x10,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 9,
	};
	struct cki_fdt f;
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	cki_fdt_begin(&f, "");
	cki_fdt_end(&f);
	assert_int_equal(cki_fdt_finish(&f, &out, &len), CCAKIT_OK);
	cki_fdt_free(&f);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, len);
	free(out);
}

static void
test_fdt_errors(void **state)
{
	struct cki_fdt f;
	uint8_t *out;
	size_t len;
	int i;

	(void)state;
	/* Property before any node, after an ended child, bad names. */
	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	assert_int_not_equal(cki_fdt_prop_u32(&f, "a", 1), CCAKIT_OK);
	assert_int_not_equal(cki_fdt_finish(&f, &out, &len), CCAKIT_OK);
	cki_fdt_free(&f);

	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	cki_fdt_begin(&f, "");
	cki_fdt_begin(&f, "child");
	cki_fdt_end(&f);
	assert_int_not_equal(cki_fdt_prop_u32(&f, "late", 1), CCAKIT_OK);
	cki_fdt_free(&f);

	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	cki_fdt_begin(&f, "");
	assert_int_not_equal(cki_fdt_begin(&f, "1bad"), CCAKIT_OK);
	cki_fdt_free(&f);
	assert_false(cki_fdt_node_name_ok("a@b@c"));
	assert_false(cki_fdt_node_name_ok("@x"));
	assert_false(cki_fdt_node_name_ok("abcdefghijabcdefghijabcdefghijab"));
	assert_true(cki_fdt_node_name_ok("abcdefghijabcdefghijabcdefghija@1"));
	assert_true(cki_fdt_node_name_ok("U6_16550A@1000000"));
	assert_false(cki_fdt_prop_name_ok(""));
	assert_false(cki_fdt_prop_name_ok("a b"));
	assert_true(cki_fdt_prop_name_ok("#interrupt-cells"));

	/* Duplicate phandle, unclosed node, depth limit. */
	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	cki_fdt_begin(&f, "");
	cki_fdt_prop_phandle(&f, 7);
	assert_int_not_equal(cki_fdt_prop_phandle(&f, 7), CCAKIT_OK);
	cki_fdt_free(&f);
	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	cki_fdt_begin(&f, "");
	assert_int_not_equal(cki_fdt_finish(&f, &out, &len), CCAKIT_OK);
	cki_fdt_free(&f);
	assert_int_equal(cki_fdt_init(&f, NULL, 0, 0), CCAKIT_OK);
	for (i = 0; i < 64; i++)
		assert_int_equal(cki_fdt_begin(&f, "n"), CCAKIT_OK);
	assert_int_not_equal(cki_fdt_begin(&f, "n"), CCAKIT_OK);
	cki_fdt_free(&f);
}

static void
test_fdt_rsvmap(void **state)
{
	/* vm-fdt writer.rs test "reservemap" (header and rsvmap). */
	const struct cki_fdt_rsv rsv[2] = {
		{ UINT64_C(0x12345678AABBCCDD), 0x1234 },
		{ UINT64_C(0x1020304050607080), 0x5678 },
	};
	const struct cki_fdt_rsv overlap[2] = { { 0x1000, 0x2000 },
	    { 0x2000, 0x10 } };
	struct cki_fdt f;
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(cki_fdt_init(&f, rsv, 2, 0), CCAKIT_OK);
	cki_fdt_begin(&f, "");
	cki_fdt_end(&f);
	assert_int_equal(cki_fdt_finish(&f, &out, &len), CCAKIT_OK);
	cki_fdt_free(&f);
	assert_int_equal(len, 0x68);
	assert_int_equal(out[0x0b], 0x58);
	assert_int_equal(out[0x28], 0x12);
	assert_int_equal(out[0x47], 0x78);
	free(out);
	assert_int_not_equal(cki_fdt_init(&f, overlap, 2, 0), CCAKIT_OK);
	cki_fdt_free(&f);
	assert_int_not_equal(cki_fdt_init(&f, NULL, 0, 4), CCAKIT_OK);
	cki_fdt_free(&f);
}

static void
test_dtb_kvmtool(void **state)
{
	const char *argv[] = { "--realm", "-c", "1", "-m", "512M", NULL };
	struct ccakit_vmm_opts o;
	struct ccakit_vmm *v;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.host.set = CCAKIT_CAP_NUM_WPS | CCAKIT_CAP_NUM_BPS;
	o.host.num_wps = o.host.num_bps = 6;
	v = build(CCAKIT_VMM_KVMTOOL, &o, argv);
	dtb_matches(v, "kvmtool-1cpu-512M.dtb", 1);
	assert_int_equal(v->dtb_base, 0x8fe00000);
	assert_int_equal(v->params.ipa_bits, 33);
	assert_int_equal(v->hash, CCAKIT_HASH_SHA256);
	assert_int_equal(v->pc, 0);
	assert_int_equal(v->gprs[0], 0x8fe00000);
	ccakit_vmm_free(&v);
	assert_null(v);
}

/* One constructor style: new, then build once; a failed build leaves
 * the model empty, and it can be built again. */
static void
test_vmm_handle(void **state)
{
	const char *good[] = { "--realm", "-c", "1", "-m", "512M", NULL };
	const char *bad[] = { "--realm", "-c", "1", "-m", "512X", NULL };
	struct ccakit_vmm_opts o;
	struct ccakit_errdetail m;
	struct ccakit_vmm *v;
	const uint8_t *dtb;
	size_t len;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.host.set = CCAKIT_CAP_NUM_WPS | CCAKIT_CAP_NUM_BPS;
	o.host.num_wps = o.host.num_bps = 6;
	assert_non_null(v = ccakit_vmm_new());
	assert_int_equal(ccakit_vmm_dtb(v, &dtb, &len, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_not_equal(ccakit_vmm_from_args(v, CCAKIT_VMM_KVMTOOL, 5,
	    bad, &o, &m), CCAKIT_OK);
	assert_int_equal(m.code, CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_vmm_dtb(v, &dtb, &len, NULL),
	    CCAKIT_ERR_NOT_FOUND);
	assert_int_equal(ccakit_vmm_from_args(v, CCAKIT_VMM_KVMTOOL, 5, good,
	    &o, &m), CCAKIT_OK);
	assert_int_equal(ccakit_vmm_dtb(v, &dtb, &len, NULL), CCAKIT_OK);
	assert_int_equal(ccakit_vmm_from_args(v, CCAKIT_VMM_KVMTOOL, 5, good,
	    &o, &m), CCAKIT_ERR_INVALID_ARG);
	assert_int_equal(ccakit_vmm_dtb(v, &dtb, &len, NULL), CCAKIT_OK);
	ccakit_vmm_free(&v);
	assert_null(v);
	ccakit_vmm_free(NULL);
	assert_int_equal(ccakit_vmm_from_args(NULL, CCAKIT_VMM_KVMTOOL, 5,
	    good, &o, &m), CCAKIT_ERR_INVALID_ARG);
}

static const char *const qemu_common[] = {
	"-M", "confidential-guest-support=rme0", "-object",
	"rme-guest,id=rme0,measurement-algorithm=sha256", "-cpu", "host",
	"-M", "virt", "-enable-kvm", "-smp", "2", "-m", "1G", "-nographic",
};
#define NQC (sizeof(qemu_common) / sizeof(qemu_common[0]))

static struct ccakit_vmm *
build_qemu(const struct ccakit_vmm_opts *o, const char *const *extra)
{
	const char *argv[NQC + 16];
	size_t n = 0, i;

	for (i = 0; i < NQC; i++)
		argv[n++] = qemu_common[i];
	for (i = 0; extra[i] != NULL; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return build(CCAKIT_VMM_QEMU, o, argv);
}

static void
test_dtb_qemu(void **state)
{
	static const struct {
		const char *dtb;
		const char *extra[8];
	} cases[] = {
		{ "qemu-2cpu-1G.dtb", { "-bios", "firmware", NULL } },
		{ "qemu-2cpu-1G.dtb", { "-bios", "f", "-kernel", "I", NULL } },
		{ "qemu-2cpu-1G-append.dtb", { "-bios", "firmware", "-kernel",
		    "Image", "-append", "root=/dev/vda2", NULL } },
		{ "qemu-2cpu-1G.dtb", { "-kernel", "Image", NULL } },
		{ "qemu-2cpu-1G-initrd.dtb", { "-kernel", "Image", "-initrd",
		    "initrd", NULL } },
		{ "qemu-2cpu-1G-initrd-append.dtb", { "-kernel", "Image",
		    "-initrd", "initrd", "-append", "root=/dev/vda2", NULL } },
	};
	const char *noargs[] = { NULL }, *pmu[] = { "-cpu", "pmu=on", NULL };
	struct ccakit_vmm_opts o;
	struct ccakit_vmm *v;
	size_t i;

	(void)state;
	qemu_host(&o);
	v = build(CCAKIT_VMM_QEMU, &o, noargs);
	dtb_matches(v, "qemu-1cpu-128M.dtb", 1);
	assert_int_equal(v->params.ipa_bits, 41);
	assert_int_equal(v->hash, CCAKIT_HASH_SHA512);
	assert_int_equal(v->pc, 0x40000000);
	assert_int_equal(v->gprs[0], 0x40000000);
	ccakit_vmm_free(&v);
	v = build(CCAKIT_VMM_QEMU, &o, pmu);
	dtb_matches(v, "qemu-1cpu-128M-pmu.dtb", 1);
	ccakit_vmm_free(&v);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = build_qemu(&o, cases[i].extra);
		dtb_matches(v, cases[i].dtb, 1);
		ccakit_vmm_free(&v);
	}
	/* -kernel without firmware: DTB at 0x48000000 (spec §3.3). */
	v = build_qemu(&o, cases[3].extra);
	assert_int_equal(v->dtb_base, 0x48000000);
	assert_int_equal(v->rim[0].ipa, 0x40000000);
	ccakit_vmm_free(&v);
}

static void
test_dtb_template(void **state)
{
	const char *extra[] = { "-smp", "8", "-bios", "firmware", NULL };
	struct ccakit_vmm_opts o;
	struct ccakit_vmm *v;
	uint8_t *dtb;
	size_t len;
	char tpl[64];

	(void)state;
	/* The template: the model's own DTB of the validated vector
	 * qemu-2cpu-1G.dtb. */
	dtb = td_dtb("qemu-2cpu-1G", &len);
	write_tmp_bytes(tpl, sizeof(tpl), dtb, len);
	qemu_host(&o);
	o.dtb_template = tpl;
	v = build_qemu(&o, extra);
	dtb_matches(v, "qemu-8cpu-1G-from-template.dtb", 1);
	ccakit_vmm_free(&v);
	/* --dtb is taken verbatim whatever the VMM arguments say. */
	o.dtb_template = NULL;
	o.dtb = tpl;
	extra[1] = "8";
	v = build_qemu(&o, extra);
	dtb_matches(v, "qemu-2cpu-1G.dtb", 1);
	{
		const uint8_t *got;
		size_t glen;

		assert_int_equal(ccakit_vmm_dtb(v, &got, &glen, NULL),
		    CCAKIT_OK);
		assert_int_equal(glen, len);
		assert_memory_equal(got, dtb, len);
	}
	ccakit_vmm_free(&v);
	unlink(tpl);
	free(dtb);
}

/* Identity surgeon: copy everything. */
static int
keep_node(void *arg, struct cki_fdt *f, const char *name)
{
	(void)arg;
	(void)f;
	(void)name;
	return 0;
}

static int
keep_prop(void *arg, struct cki_fdt *f, const char *node, const char *name,
    const uint8_t *val, size_t len)
{
	(void)arg;
	(void)f;
	(void)node;
	(void)name;
	(void)val;
	(void)len;
	return 0;
}

static void
test_dtb_surgery_identity_and_corruption(void **state)
{
	/* The models' own DTBs (the validated vectors' bytes). */
	static const char *const files[] = {
		"kvmtool-1cpu-512M", "qemu-1cpu-128M", "qemu-2cpu-1G",
	};
	struct cki_dtb_surgeon s = { NULL, keep_node, keep_prop };
	struct ccakit_errdetail m;
	uint8_t *in, *out, *mut;
	size_t len, olen, i, k, accepted = 0, total = 0;
	int r;

	(void)state;
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		in = td_dtb(files[k], &len);
		/* The kvmtool blob is padded: totalsize is the tight size. */
		assert_int_equal(cki_dtb_surgery(in, len, &s, &out, &olen, &m),
		    CCAKIT_OK);
		assert_true(olen <= len);
		assert_memory_equal(out, in, olen);
		free(out);
		/* Truncations fail cleanly. */
		for (i = 0; i < olen; i += 7) {
			r = cki_dtb_surgery(in, i, &s, &out, &olen, &m);
			assert_int_not_equal(r, CCAKIT_OK);
			assert_null(out);
		}
		/* Bit flips in the header and structure never crash. */
		mut = malloc(len);
		assert_non_null(mut);
		for (i = 0; i < 8 * 700 && i / 8 < len; i += 3) {
			memcpy(mut, in, len);
			mut[i / 8] ^= (uint8_t)(1u << (i % 8));
			r = cki_dtb_surgery(mut, len, &s, &out, &olen, &m);
			total++;
			if (r == CCAKIT_OK) {
				accepted++;
				free(out);
			} else
				assert_null(out);
		}
		free(mut);
		free(in);
	}
	/* Most header/structure flips must be caught. */
	assert_true(accepted < total);
}

/* Linux Image loading on images made here. */
static void
kernel_refused(const char *p, const struct cki_room *room, const char *msg)
{
	struct cki_image img;
	struct ccakit_errdetail m;
	uint64_t to, sz;

	memset(&img, 0, sizeof(img));
	assert_int_equal(cki_kernel_load(&img, p, room, &to, &sz, &m),
	    CCAKIT_ERR_TOO_LARGE);
	assert_string_equal(m.text, msg);
	cki_image_close(&img);
}

static void
test_kernel(void **state)
{
	struct cki_image img;
	struct ccakit_errdetail m;
	struct cki_room room;
	uint64_t to, sz;
	uint8_t hdr[256], junk[256];
	char p[64];
	size_t i;

	(void)state;
	memset(&img, 0, sizeof(img));
	cki_room_set(&room, "kernel", "in RAM", 0x40000000, 0x40000000,
	    1u << 30);
	linux_header(hdr);
	assert_int_equal(cki_kernel_load(&img, kernel_path, &room, &to, &sz,
	    &m), CCAKIT_OK);
	assert_int_equal(img.len, 256);
	/* A raw image stays in its file, measured through the descriptor. */
	assert_true(img.has_fd);
	assert_int_equal(pread(img.fd, junk, sizeof(junk), 0), 256);
	assert_memory_equal(junk, hdr, 256);
	assert_int_equal(to, 0);
	assert_int_equal(sz, 0x2d10000);
	cki_image_close(&img);
	/* gzip-compressed: the same bytes once inflated. */
	write_tmp_gz(p, sizeof(p), hdr, sizeof(hdr));
	assert_int_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_int_equal(img.len, 256);
	assert_false(img.has_fd);
	assert_memory_equal(img.data, hdr, 256);
	assert_int_equal(sz, 0x2d10000);
	cki_image_close(&img);
	unlink(p);
	/* Shorter than a header. */
	write_tmp(p, sizeof(p), "Too short to be a kernel.\n");
	assert_int_not_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m), CCAKIT_OK);
	assert_non_null(strstr(m.text, "failed to fill whole buffer"));
	cki_image_close(&img);
	unlink(p);
	/* Neither a kernel nor gzip, then gzip of no kernel. */
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 151 + 7);
	write_tmp_bytes(p, sizeof(p), junk, sizeof(junk));
	assert_int_not_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m), CCAKIT_OK);
	assert_non_null(strstr(m.text, "invalid gzip header"));
	cki_image_close(&img);
	unlink(p);
	write_tmp_gz(p, sizeof(p), junk, sizeof(junk));
	assert_int_not_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m), CCAKIT_OK);
	assert_string_equal(m.text, "invalid Linux header");
	cki_image_close(&img);
	unlink(p);
	assert_int_not_equal(cki_kernel_load(&img, "/nonexistent-file", &room,
	    &to, &sz, &m), CCAKIT_OK);
	assert_string_equal(m.text, "file /nonexistent-file error: No such "
	    "file or directory (os error 2)");
	cki_image_close(&img);
	/* The image must fit: raw, by the file size; gzip, decompressing
	 * no further than the room; both at the room's base + text_offset. */
	cki_room_set(&room, "kernel", "in RAM", 0x40000000, 0x40000000, 255);
	kernel_refused(kernel_path, &room, "kernel does not fit in "
	    "RAM (256 bytes, 255 available at 0x40000000)");
	write_tmp_gz(p, sizeof(p), hdr, sizeof(hdr));
	kernel_refused(p, &room, "kernel does not fit "
	    "in RAM (more than 255 bytes available at 0x40000000)");
	cki_room_set(&room, "kernel", "in RAM", 0x40000000, 0x40000000, 256);
	assert_int_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_int_equal(img.len, 256);
	cki_image_close(&img);
	unlink(p);
	/* Outside the region nothing fits. */
	cki_room_set(&room, "kernel", "in RAM", 0x3ffff000, 0x40000000,
	    1u << 30);
	assert_true(room.size == 0);
	cki_room_set(&room, "kernel", "in RAM", 0x80000000, 0x40000000,
	    1u << 30);
	assert_true(room.size == 0);
	cki_room_set(&room, "kernel", "in RAM", 0x7ffff000, 0x40000000,
	    1u << 30);
	assert_true(room.size == 4096);
}

/* The same on upstream's test images. */
static void
test_kernel_vectors(void **state)
{
	struct cki_image img;
	struct ccakit_errdetail m;
	struct cki_room room;
	uint64_t to, sz;
	char *p;

	(void)state;
	tu_need_vectors(TESTDATA);
	memset(&img, 0, sizeof(img));
	cki_room_set(&room, "kernel", "in RAM", 0x40000000, 0x40000000,
	    1u << 30);
	p = vpath(TESTDATA "linux.bin");
	assert_int_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_int_equal(img.len, 256);
	assert_int_equal(to, 0);
	assert_int_equal(sz, 0x2d10000);
	cki_image_close(&img);
	free(p);
	p = vpath(TESTDATA "linux.bin.gz");
	assert_int_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_int_equal(img.len, 256);
	assert_int_equal(sz, 0x2d10000);
	cki_image_close(&img);
	free(p);
	p = vpath(TESTDATA "some-file.txt");
	assert_int_not_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_non_null(strstr(m.text, "failed to fill whole buffer"));
	cki_image_close(&img);
	free(p);
	p = vpath(TESTDATA "randombytes.bin");
	assert_int_not_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_non_null(strstr(m.text, "invalid gzip header"));
	cki_image_close(&img);
	free(p);
	p = vpath(TESTDATA "randombytes.bin.gz");
	assert_int_not_equal(cki_kernel_load(&img, p, &room, &to, &sz, &m),
	    CCAKIT_OK);
	assert_string_equal(m.text, "invalid Linux header");
	cki_image_close(&img);
	free(p);
}

/* Upstream's capability files: FVP, then RMM 1.0 EAC5 restricting it. */
static void
test_conf_vectors(void **state)
{
	struct ccakit_realm_caps c, acc;
	struct ccakit_errdetail m;
	uint8_t *t;
	size_t len;

	(void)state;
	tu_need_vectors(CONFIGS);
	t = tu_read_vector(CONFIGS "fvp.conf", &len);
	assert_int_equal(ccakit_realm_caps_parse(&c, (char *)t, len, &m),
	    CCAKIT_OK);
	free(t);
	assert_int_equal(c.set, 0x7f);
	assert_int_equal(c.ipa_bits, 52);
	assert_int_equal(c.num_bps, 16);
	assert_int_equal(c.sve_vl, 512);
	assert_int_equal(c.pmu_num_ctrs, 8);
	assert_true(c.pmu && c.lpa2);
	memset(&acc, 0, sizeof(acc));
	assert_int_equal(ccakit_realm_caps_restrict(&acc, &c, &m), CCAKIT_OK);
	t = tu_read_vector(CONFIGS "rmm-1.0-eac5.conf", &len);
	assert_int_equal(ccakit_realm_caps_parse(&c, (char *)t, len, &m),
	    CCAKIT_OK);
	free(t);
	assert_int_equal(ccakit_realm_caps_restrict(&acc, &c, &m), CCAKIT_OK);
	assert_int_equal(acc.num_bps, 2);
	assert_int_equal(acc.lpa2, 0);
	assert_int_equal(acc.ipa_bits, 52);
}

static void
test_conf(void **state)
{
	/* A host, then a second file that lowers some of its values. */
	static const char host[] = "# a host of ours\n"
	    "lpa2 = true\npmu = true\nsve_vl = 1024\nnum_wps = 10\n"
	    "num_bps = 12\nipa_bits = 48\npmu_num_ctrs = 7\n";
	static const char lower[] = "num_bps = 2 # fewer breakpoints\n"
	    "lpa2 = false\nipa_bits = 50\n";
	struct ccakit_realm_caps c, acc;
	struct ccakit_errdetail m;
	static const char *const bad[] = {
		"foo = 1\n", "num_bps = 1\nnum_bps = 2\n", "num_bps = 300\n",
		"pmu = 1\n", "lpa2 = yes\n", "num_bps 2\n", "[table]\n",
		"num_bps = \"2\"\n", "num_bps = -2\n", "num_bps = 02\n",
		"hash_algo = 1\n", "num_bps = 2x\n",
	};
	size_t i;

	(void)state;
	assert_int_equal(ccakit_realm_caps_parse(&c, host, strlen(host), &m),
	    CCAKIT_OK);
	assert_int_equal(c.set, 0x7f);
	assert_int_equal(c.ipa_bits, 48);
	assert_int_equal(c.num_bps, 12);
	assert_int_equal(c.num_wps, 10);
	assert_int_equal(c.sve_vl, 1024);
	assert_int_equal(c.pmu_num_ctrs, 7);
	assert_true(c.pmu && c.lpa2);
	/* -c host -c lower: later files can only lower values. */
	memset(&acc, 0, sizeof(acc));
	assert_int_equal(ccakit_realm_caps_restrict(&acc, &c, &m), CCAKIT_OK);
	assert_int_equal(ccakit_realm_caps_parse(&c, lower, strlen(lower), &m),
	    CCAKIT_OK);
	assert_int_equal(ccakit_realm_caps_restrict(&acc, &c, &m), CCAKIT_OK);
	assert_int_equal(acc.num_bps, 2);
	assert_int_equal(acc.lpa2, 0);
	assert_int_equal(acc.ipa_bits, 48);
	c.set = CCAKIT_CAP_NUM_BPS | CCAKIT_CAP_LPA2;
	c.num_bps = 9;
	c.lpa2 = 1;
	assert_int_equal(ccakit_realm_caps_restrict(&acc, &c, &m), CCAKIT_OK);
	assert_int_equal(acc.num_bps, 2);
	assert_int_equal(acc.lpa2, 0);
	assert_int_equal(ccakit_realm_caps_update(&acc, &c, &m), CCAKIT_OK);
	assert_int_equal(acc.num_bps, 9);
	assert_int_equal(acc.lpa2, 1);
	/* Range checks of realm_params.rs. */
	c.set = CCAKIT_CAP_NUM_BPS;
	c.num_bps = 1;
	assert_int_not_equal(ccakit_realm_caps_update(&acc, &c, &m), CCAKIT_OK);
	assert_string_equal(m.text, "invalid parameter breakpoints '1'");
	c.set = CCAKIT_CAP_SVE_VL;
	c.sve_vl = 272;
	assert_int_not_equal(ccakit_realm_caps_update(&acc, &c, &m), CCAKIT_OK);
	c.sve_vl = 2048;
	assert_int_equal(ccakit_realm_caps_update(&acc, &c, &m), CCAKIT_OK);
	c.set = CCAKIT_CAP_PMU_NUM_CTRS;
	c.pmu_num_ctrs = 32;
	assert_int_not_equal(ccakit_realm_caps_update(&acc, &c, &m), CCAKIT_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ccakit_realm_caps_parse(&c, bad[i], strlen(bad[i]), &m) ==
		    CCAKIT_OK)
			fail_msg("accepted: %s", bad[i]);
	{
		static const char ok[] = "# c\n\n ipa_bits = 4_8 # x\r\n"
		    "hash_algo = \"RmiHashSha256\"\n";

		assert_int_equal(ccakit_realm_caps_parse(&c, ok, strlen(ok),
		    &m), CCAKIT_OK);
	}
	assert_int_equal(c.ipa_bits, 48);
}

static void
test_qemu_maps(void **state)
{
	static const struct {
		const char *m, *smp;
		unsigned int ipa;
		uint32_t ncpus;
	} cases[] = {
		{ "1", "4", 41, 4 },
		{ "size=2,maxmem=1T", "cores=2,maxcpus=8", 42, 8 },
		{ "size=2,maxmem=256T,slots=12", "cores=2,sockets=2,maxcpus=16",
		    50, 16 },
		{ "512G", "threads=2,cores=2,sockets=2,clusters=2", 42, 16 },
	};
	struct ccakit_vmm_opts o;
	struct ccakit_vmm *v = NULL;
	struct ccakit_errdetail m;
	const char *argv[5] = { "-m", NULL, "-smp", NULL, NULL };
	const char *bad[][3] = {
		{ "-m", "hello", NULL }, { "-smp", "abc", NULL },
		{ "-smp", "cpus=2,maxcpus=4", NULL },
		{ "-M", "virt,gic-version=2", NULL }, { "-M", "highmem=off",
		    NULL }, { "-cpu", "sve2048=on,sve128=off", NULL },
		{ "-object", "rme-guest,foo=1", NULL }, { "-m", NULL, NULL },
		{ "-object", "rme-guest,personalization-value=&+", NULL },
	};
	size_t i;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.host.set = CCAKIT_CAP_IPA_BITS;
	o.host.ipa_bits = 52;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argv[1] = cases[i].m;
		argv[3] = cases[i].smp;
		v = build(CCAKIT_VMM_QEMU, &o, argv);
		assert_int_equal(v->params.ipa_bits, cases[i].ipa);
		assert_int_equal(v->num_cpus, cases[i].ncpus);
		ccakit_vmm_free(&v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int argc = bad[i][1] ? 2 : 1;

		if (vmm_build(&v, CCAKIT_VMM_QEMU, argc, bad[i], &o, &m) ==
		    CCAKIT_OK)
			fail_msg("accepted %s %s", bad[i][0], bad[i][1]);
		assert_null(v);
	}
	assert_int_not_equal(vmm_build(&v, CCAKIT_VMM_QEMU, 2, bad[3],
	    &o, &m), CCAKIT_OK);
	assert_string_equal(m.text, "unsupport GIC version 2");
	assert_int_not_equal(vmm_build(&v, CCAKIT_VMM_QEMU, 2, bad[8],
	    &o, &m), CCAKIT_OK);
	assert_string_equal(m.text, "invalid Realm Personalization Value: "
	    "Invalid symbol 38, offset 0.");
}

static void
test_kvmtool_args(void **state)
{
	static const struct {
		const char *argv[8];
		const char *msg;
		int usage;
	} cases[] = {
		{ { "--realm", NULL }, "number of vCPUs is not known", 0 },
		{ { "--realm", "-c", "1", NULL },
		    "default guest RAM size is not known", 0 },
		{ { "-c", "1", "-m", "3M", NULL },
		    "RAM size must be aligned on 2MB", 0 },
		{ { "-c", "1", "-m", "2M@1G", NULL },
		    "unsupported RAM base change", 0 },
		{ { "-c", "1", "-m", "x", NULL },
		    "-m: invalid digit found in string", 0 },
		{ { "-c", "1", "-m", "2M", "--bogus", NULL },
		    "unexpected argument '--bogus' found", 1 },
		{ { "-c", "1", "-c", "2", NULL },
		    "the argument '--cpus <CPUS>' cannot be used multiple times",
		    1 },
		{ { "-c", "x", NULL }, "invalid value 'x' for '--cpus <CPUS>': "
		    "invalid digit found in string", 1 },
		{ { "-c", "1", "-m", "2M", "--irqchip", "gicv2", NULL },
		    "unsupported irqchip gicv2", 0 },
		{ { "-c", "1", "-m", "2M", "-k", "k", NULL },
		    "need kernel image", 0 },
		{ { "-c", "1", "-m", "2M", "--measurement-algo", "sha384",
		    NULL }, "RMM: unknown hash algorithm `sha384`", 0 },
	};
	struct ccakit_vmm *v = NULL;
	struct ccakit_errdetail m;
	size_t i;
	int argc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (argc = 0; cases[i].argv[argc] != NULL; argc++)
			;
		assert_int_not_equal(vmm_build(&v, CCAKIT_VMM_KVMTOOL,
		    argc, cases[i].argv, NULL, &m), CCAKIT_OK);
		assert_null(v);
		assert_string_equal(m.text, cases[i].msg);
		assert_int_equal(m.what != NULL &&
		    strcmp(m.what, CCAKIT_VMM_USAGE) == 0, cases[i].usage);
	}
}

static void
test_models_derived(void **state)
{
	const char *kt[] = { "--realm", "-c", "2", "-m", "1G", "--pmu",
	    "--sve-max-vl", "512", "-k", "K", "-i", "I", "-p", "earlycon",
	    "--measurement-log", "--measurement-algo", "sha512", NULL };
	const char *q[] = { "-kernel", "Image", "-initrd", "initrd", "-append",
	    "root=/dev/vda2", NULL };
	const char *ch[] = { "--platform", "arm_rme=on", "--cpus", "boot=2",
	    "--memory", "size=1G", "--kernel", "K", "--initramfs", "I",
	    "--cmdline", "console=hvc0", NULL };
	const char *configs[2];
	struct ccakit_vmm_opts o;
	struct ccakit_vmm *v;
	char *c1, *c2;

	(void)state;
	tu_need_vectors(CONFIGS);
	c1 = vpath(CONFIGS "qemu-max-8.2.conf");
	c2 = vpath(CONFIGS "kvm.conf");
	qemu_host(&o);
	memset(&o.host, 0, sizeof(o.host));
	configs[0] = c1;
	configs[1] = c2;
	o.configs = configs;
	o.nconfigs = 2;
	v = build(CCAKIT_VMM_KVMTOOL, &o, kt);
	dtb_matches(v, "MODEL-kvmtool-2cpu-1G-pmu-log-initrd.dtb", 0);
	assert_int_equal(v->log_base, 0x8fff0000);
	assert_int_equal(v->dtb_base, 0x8fe00000);
	assert_int_equal(v->rim[1].ipa, 0x8fdffff0);	/* initrd */
	assert_int_equal(v->params.sve_vl, 512);
	assert_int_equal(v->params.lpa2, 0);
	ccakit_vmm_free(&v);
	free(c1);
	free(c2);

	qemu_host(&o);
	{
		const char *argv[NQC + 8];
		size_t n = 0, i;

		for (i = 0; i < NQC; i++)
			argv[n++] = strcmp(qemu_common[i], "rme-guest,id=rme0,"
			    "measurement-algorithm=sha256") == 0 ?
			    "rme-guest,id=rme0,measurement-algorithm=sha256,"
			    "measurement-log=on" : qemu_common[i];
		for (i = 0; q[i] != NULL; i++)
			argv[n++] = q[i];
		argv[n] = NULL;
		v = build(CCAKIT_VMM_QEMU, &o, argv);
	}
	dtb_matches(v, "MODEL-qemu-2cpu-1G-initrd-append-log.dtb", 0);
	assert_int_equal(v->log_base, 0x48300000);
	ccakit_vmm_free(&v);

	o.host.set = CCAKIT_CAP_NUM_WPS | CCAKIT_CAP_NUM_BPS;
	v = build(CCAKIT_VMM_CLOUDHV, &o, ch);
	dtb_matches(v, "MODEL-cloudhv-2cpu-1G-initrd.dtb", 0);
	assert_int_equal(v->rim[2].ipa, 0x7ffff000);
	assert_int_equal(v->pc, 0x40400000);
	ccakit_vmm_free(&v);
}

/*
 * Image files stay open and are read when measured: a file whose size
 * changed since the layout was made (the initrd's place and the DTB's
 * initrd-end depend on it) is an error, not a wrong measurement; with
 * its size back, every I/O mode gives the same values.
 */
static void
test_image_changed(void **state)
{
	const char *kt[] = { "--realm", "-c", "1", "-m", "512M", "-i", "I",
	    NULL };
	struct ccakit_vmm_measure_opts mo;
	struct ccakit_vmm_measurements mm, first;
	struct ccakit_vmm_opts o;
	struct ccakit_errdetail m;
	struct ccakit_vmm *v;
	char path[] = "/tmp/ccakit-vmm-initrd-XXXXXX";
	int fd, io;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, "INITRD CONTENT", 14), 14);
	qemu_host(&o);
	o.initrd = path;
	v = build(CCAKIT_VMM_KVMTOOL, &o, kt);
	assert_true(v->initrd.has_fd);
	memset(&mo, 0, sizeof(mo));
	mo.rmm_major = 1;
	assert_int_equal(ccakit_vmm_measure(v, &mo, &first, &m), CCAKIT_OK);
	assert_int_equal(write(fd, "X", 1), 1);
	assert_int_equal(ccakit_vmm_measure(v, &mo, &mm, &m), CCAKIT_ERR_IO);
	assert_non_null(strstr(m.text, "size changed from 14 to 15 bytes"));
	assert_int_equal(ftruncate(fd, 14), 0);
	for (io = CCAKIT_IO_AUTO; io <= CCAKIT_IO_PREAD; io++) {
		mo.io = (enum ccakit_realm_io)io;
		assert_int_equal(ccakit_vmm_measure(v, &mo, &mm, &m),
		    CCAKIT_OK);
		assert_memory_equal(mm.rim, first.rim, sizeof(mm.rim));
	}
	ccakit_vmm_free(&v);
	close(fd);
	unlink(path);
}

/* Measure with --event-log, then replay the log from trusted images. */
static void
roundtrip(struct ccakit_vmm *v, int sha512)
{
	struct ccakit_trusted_image ti[CKI_VMM_MAX_BLOBS * 2];
	uint8_t dig[CKI_VMM_MAX_BLOBS * 2][64];
	uint8_t *files[CKI_VMM_MAX_BLOBS * 2] = { NULL };
	struct ccakit_vmm_measure_opts mo;
	struct ccakit_vmm_measurements mm;
	struct ccakit_replay_opts ro;
	struct ccakit_replay_result res;
	struct ccakit_errdetail d;
	struct ccakit_errdetail m;
	ccakit_evlog *l = NULL;
	char path[] = "/tmp/ccakit-vmm-log-XXXXXX";
	const struct cki_blob *b;
	uint8_t *log;
	size_t len, i, n = 0;
	unsigned int dl;
	int fd;

	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	memset(&mo, 0, sizeof(mo));
	mo.rmm_major = 1;
	mo.event_log = path;
	if (ccakit_vmm_measure(v, &mo, &mm, &m) != CCAKIT_OK)
		fail_msg("measure: %s", m.text);
	log = tu_read_file(path, &len);
	unlink(path);
	assert_int_equal(tu_evlog_parse(log, len, 0, &l, &d), CCAKIT_OK);
	memset(ti, 0, sizeof(ti));
	for (i = 0; i < v->nrim + v->nrem; i++, n++) {
		b = i < v->nrim ? &v->rim[i] : &v->rem[i - v->nrim];
		ti[n].alg = sha512 ? CCAKIT_TCG_ALG_SHA512 :
		    CCAKIT_TCG_ALG_SHA256;
		ti[n].src.kind = CCAKIT_SRC_MEM;
		ti[n].src.mem = b->img ? b->img->data : b->data;
		ti[n].src.len = b->img ? b->img->len : b->len;
		if (b->img != NULL && b->img->has_fd) {
			/* Measured from the open file: the same bytes. */
			files[n] = tu_read_file(b->img->path, &ti[n].src.len);
			assert_int_equal(ti[n].src.len, b->img->len);
			ti[n].src.mem = files[n];
		}
		assert_int_equal(EVP_Digest(ti[n].src.mem, ti[n].src.len,
		    dig[n], &dl, sha512 ? EVP_sha512() : EVP_sha256(), NULL), 1);
		ti[n].digest = dig[n];
		ti[n].digest_len = dl;
	}
	memset(&ro, 0, sizeof(ro));
	ro.images = ti;
	ro.n_images = n;
	if (ccakit_evlog_replay(l, &ro, &res, &d) != CCAKIT_OK)
		fail_msg("replay: %s", d.text);
	assert_int_equal(res.meas.len, mm.len);
	assert_memory_equal(res.meas.rim, mm.rim, 64);
	assert_memory_equal(res.meas.rem, mm.rem, sizeof(mm.rem));
	ccakit_evlog_free(&l);
	free(log);
	for (i = 0; i < n; i++)
		free(files[i]);
}

static void
test_event_log_roundtrip(void **state)
{
	const char *kt[] = { "--realm", "-c", "2", "-m", "1G", "--pmu",
	    "-k", "K", "-i", "I", "--measurement-log", "--measurement-algo",
	    "sha512", NULL };
	const char *q[] = { "-bios", "f", "-kernel", "Image", "-initrd", "i",
	    NULL };
	struct ccakit_vmm_opts o;
	struct ccakit_vmm *v;

	(void)state;
	qemu_host(&o);
	v = build(CCAKIT_VMM_KVMTOOL, &o, kt);
	roundtrip(v, 1);
	ccakit_vmm_free(&v);
	/* Firmware with kernel and initrd: REM0 events (sha256). */
	v = build_qemu(&o, q);
	roundtrip(v, 0);
	ccakit_vmm_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdt_minimal),
		cmocka_unit_test(test_fdt_errors),
		cmocka_unit_test(test_fdt_rsvmap),
		cmocka_unit_test(test_dtb_kvmtool),
		cmocka_unit_test(test_vmm_handle),
		cmocka_unit_test(test_dtb_qemu),
		cmocka_unit_test(test_dtb_template),
		cmocka_unit_test(test_dtb_surgery_identity_and_corruption),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_kernel_vectors),
		cmocka_unit_test(test_conf),
		cmocka_unit_test(test_conf_vectors),
		cmocka_unit_test(test_qemu_maps),
		cmocka_unit_test(test_kvmtool_args),
		cmocka_unit_test(test_models_derived),
		cmocka_unit_test(test_event_log_roundtrip),
		cmocka_unit_test(test_image_changed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
