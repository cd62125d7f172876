/*
 * Flattened device tree writer with vm-fdt's exact serialisation
 * (jpbrucker/vm-fdt 52aa9c4, src/writer.rs; spec §3.5), so that the DTBs
 * the VMM models generate are byte-identical to the upstream tool's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm_priv.h"

#define FDT_MAGIC	0xd00dfeedu
#define FDT_BEGIN_NODE	1u
#define FDT_END_NODE	2u
#define FDT_PROP	3u
#define FDT_END		9u
#define FDT_HDR_SIZE	40u

static int
fail(struct cki_fdt *f, int code, const char *what)
{
	if (f->err == CCAKIT_OK) {
		f->err = code;
		f->errwhat = what;
	}
	return f->err;
}

static int
grow(uint8_t **buf, size_t *cap, size_t len, size_t need)
{
	uint8_t *nb;
	size_t ncap;

	if (need > CKI_FDT_MAX_SIZE || len > CKI_FDT_MAX_SIZE - need)
		return CCAKIT_ERR_TOO_LARGE;
	if (len + need <= *cap)
		return CCAKIT_OK;
	ncap = (*cap == 0) ? 4096 : *cap;
	while (ncap < len + need)
		ncap *= 2;
	if ((nb = realloc(*buf, ncap)) == NULL)
		return CCAKIT_ERR_NOMEM;
	*buf = nb;
	*cap = ncap;
	return CCAKIT_OK;
}

static void
append(struct cki_fdt *f, const void *p, size_t n)
{
	int r;

	if (f->err != CCAKIT_OK)
		return;
	if ((r = grow(&f->buf, &f->cap, f->len, n)) != CCAKIT_OK) {
		fail(f, r, "DTB too large");
		return;
	}
	if (n > 0)
		memcpy(f->buf + f->len, p, n);
	f->len += n;
}

static void
append_be32(struct cki_fdt *f, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	append(f, b, sizeof(b));
}

static void
append_be64(struct cki_fdt *f, uint64_t v)
{
	append_be32(f, (uint32_t)(v >> 32));
	append_be32(f, (uint32_t)v);
}

static void
pad_to(struct cki_fdt *f, size_t align)
{
	static const uint8_t zero[8];

	if (f->len % align != 0)
		append(f, zero, align - f->len % align);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
name_char_ok(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == ',' || c == '.' || c == '_' ||
	    c == '+' || c == '-';
}

int
cki_fdt_node_name_ok(const char *name)
{
	const char *at, *p;

	/* The root node has an empty name. */
	if (*name == '\0')
		return 1;
	at = strchr(name, '@');
	if (at != NULL && strchr(at + 1, '@') != NULL)
		return 0;
	if (at == name || (size_t)((at ? at : name + strlen(name)) - name) >
	    CKI_FDT_NAME_MAX)
		return 0;
	if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z')))
		return 0;
	for (p = name; *p != '\0'; p++)
		if (p != at && !name_char_ok(*p))
			return 0;
	return 1;
}

int
cki_fdt_prop_name_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > CKI_FDT_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char_ok(name[i]) && name[i] != '?' && name[i] != '#')
			return 0;
	return 1;
}

int
cki_fdt_init(struct cki_fdt *f, const struct cki_fdt_rsv *rsv, size_t nrsv,
    size_t padding)
{
	static const uint8_t hdr[FDT_HDR_SIZE];
	size_t i, j;

	memset(f, 0, sizeof(*f));
	f->version = 17;
	f->last_comp = 16;
	append(f, hdr, sizeof(hdr));
	if (padding > CKI_FDT_MAX_SIZE)
		return fail(f, CCAKIT_ERR_TOO_LARGE, "DTB too large");
	for (i = 0; i < padding; i++)
		append(f, hdr, 1);
	if (f->len % 8 != 0)
		return fail(f, CCAKIT_ERR_CLAIM_VALUE,
		    "memory reservations must be aligned on 8 bytes");
	f->off_rsvmap = (uint32_t)f->len;
	for (i = 0; i < nrsv; i++) {
		if (rsv[i].size == 0 || rsv[i].addr > UINT64_MAX - rsv[i].size)
			return fail(f, CCAKIT_ERR_CLAIM_VALUE,
			    "memory reservation is invalid");
		for (j = 0; j < nrsv; j++)
			if (j != i && rsv[j].addr >= rsv[i].addr &&
			    rsv[j].addr - rsv[i].addr < rsv[i].size)
				return fail(f, CCAKIT_ERR_CLAIM_VALUE,
				    "memory reservations are overlapping");
	}
	for (i = 0; i < nrsv; i++) {
		append_be64(f, rsv[i].addr);
		append_be64(f, rsv[i].size);
	}
	append_be64(f, 0);
	append_be64(f, 0);
	f->off_struct = (uint32_t)f->len;
	return f->err;
}

void
cki_fdt_free(struct cki_fdt *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nnames; i++)
		free(f->names[i].name);
	free(f->names);
	free(f->phandles);
	free(f->buf);
	free(f->str);
	memset(f, 0, sizeof(*f));
}

int
cki_fdt_begin(struct cki_fdt *f, const char *name)
{
	if (f->err != CCAKIT_OK)
		return f->err;
	if (f->depth >= CKI_FDT_MAX_DEPTH)
		return fail(f, CCAKIT_ERR_CBOR_TOO_DEEP,
		    "node depth exceeds FDT_MAX_NODE_DEPTH");
	if (!cki_fdt_node_name_ok(name))
		return fail(f, CCAKIT_ERR_CLAIM_VALUE, "invalid node name");
	append_be32(f, FDT_BEGIN_NODE);
	append(f, name, strlen(name) + 1);
	pad_to(f, 4);
	f->depth++;
	f->node_ended = 0;
	return f->err;
}

int
cki_fdt_begin_addr(struct cki_fdt *f, const char *name, uint64_t addr)
{
	char buf[CKI_FDT_NAME_MAX + 20];
	int n;

	n = snprintf(buf, sizeof(buf), "%s@%llx", name,
	    (unsigned long long)addr);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return fail(f, CCAKIT_ERR_CLAIM_VALUE, "invalid node name");
	return cki_fdt_begin(f, buf);
}

int
cki_fdt_end(struct cki_fdt *f)
{
	if (f->err != CCAKIT_OK)
		return f->err;
	if (f->depth == 0)
		return fail(f, CCAKIT_ERR_CLAIM_VALUE,
		    "attempted to end a node that was not the most recent");
	append_be32(f, FDT_END_NODE);
	f->depth--;
	f->node_ended = 1;
	return f->err;
}

static int
add_name(struct cki_fdt *f, const char *name, uint32_t off)
{
	struct cki_fdt_name *nn;
	size_t ncap;

	if (f->nnames >= CKI_FDT_MAX_NAMES)
		return fail(f, CCAKIT_ERR_TOO_LARGE, "too many property names");
	if (f->nnames == f->names_cap) {
		ncap = f->names_cap ? f->names_cap * 2 : 64;
		if ((nn = realloc(f->names, ncap * sizeof(*nn))) == NULL)
			return fail(f, CCAKIT_ERR_NOMEM, "out of memory");
		f->names = nn;
		f->names_cap = ncap;
	}
	if ((f->names[f->nnames].name = strdup(name)) == NULL)
		return fail(f, CCAKIT_ERR_NOMEM, "out of memory");
	f->names[f->nnames++].off = off;
	return CCAKIT_OK;
}

static struct cki_fdt_name *
find_name(struct cki_fdt *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->nnames; i++)
		if (strcmp(f->names[i].name, name) == 0)
			return &f->names[i];
	return NULL;
}

/* Offset of name in the strings block, appended at its first use. */
static int
intern(struct cki_fdt *f, const char *name, uint32_t *off)
{
	struct cki_fdt_name *n;
	size_t len = strlen(name) + 1;
	int r;

	if ((n = find_name(f, name)) != NULL) {
		*off = n->off;
		return CCAKIT_OK;
	}
	if ((r = grow(&f->str, &f->scap, f->slen, len)) != CCAKIT_OK)
		return fail(f, r, "DTB too large");
	*off = (uint32_t)f->slen;
	memcpy(f->str + f->slen, name, len);
	f->slen += len;
	return add_name(f, name, *off);
}

int
cki_fdt_prop(struct cki_fdt *f, const char *name, const void *val, size_t len)
{
	uint32_t off;

	if (f->err != CCAKIT_OK)
		return f->err;
	if (f->node_ended)
		return fail(f, CCAKIT_ERR_CLAIM_VALUE,
		    "properties may not be added after a node has been ended");
	if (f->depth == 0)
		return fail(f, CCAKIT_ERR_CLAIM_VALUE,
		    "properties may not be added before beginning a node");
	if (!cki_fdt_prop_name_ok(name))
		return fail(f, CCAKIT_ERR_CLAIM_VALUE,
		    "invalid property name");
	if (len > CKI_FDT_MAX_SIZE)
		return fail(f, CCAKIT_ERR_TOO_LARGE, "DTB too large");
	if (intern(f, name, &off) != CCAKIT_OK)
		return f->err;
	append_be32(f, FDT_PROP);
	append_be32(f, (uint32_t)len);
	append_be32(f, off);
	append(f, val, len);
	pad_to(f, 4);
	return f->err;
}

int
cki_fdt_prop_null(struct cki_fdt *f, const char *name)
{
	return cki_fdt_prop(f, name, NULL, 0);
}

int
cki_fdt_prop_u32(struct cki_fdt *f, const char *name, uint32_t v)
{
	return cki_fdt_prop_u32s(f, name, &v, 1);
}

int
cki_fdt_prop_u64(struct cki_fdt *f, const char *name, uint64_t v)
{
	return cki_fdt_prop_u64s(f, name, &v, 1);
}

int
cki_fdt_prop_str(struct cki_fdt *f, const char *name, const char *s)
{
	return cki_fdt_prop(f, name, s, strlen(s) + 1);
}

int
cki_fdt_prop_strs(struct cki_fdt *f, const char *name, const char *s,
    size_t len)
{
	return cki_fdt_prop(f, name, s, len);
}

int
cki_fdt_prop_u32s(struct cki_fdt *f, const char *name, const uint32_t *v,
    size_t n)
{
	uint8_t buf[2048];
	size_t i;

	if (n > sizeof(buf) / 4)
		return fail(f, CCAKIT_ERR_INTERNAL, "property too large");
	for (i = 0; i < n; i++)
		put_be32(buf + 4 * i, v[i]);
	return cki_fdt_prop(f, name, buf, 4 * n);
}

int
cki_fdt_prop_u64s(struct cki_fdt *f, const char *name, const uint64_t *v,
    size_t n)
{
	uint8_t buf[256];
	size_t i;

	if (n > sizeof(buf) / 8)
		return fail(f, CCAKIT_ERR_INTERNAL, "property too large");
	for (i = 0; i < n; i++) {
		put_be32(buf + 8 * i, (uint32_t)(v[i] >> 32));
		put_be32(buf + 8 * i + 4, (uint32_t)v[i]);
	}
	return cki_fdt_prop(f, name, buf, 8 * n);
}

int
cki_fdt_prop_phandle(struct cki_fdt *f, uint32_t v)
{
	uint32_t *np;
	size_t i, ncap;

	if (f->err != CCAKIT_OK)
		return f->err;
	for (i = 0; i < f->nphandles; i++)
		if (f->phandles[i] == v)
			return fail(f, CCAKIT_ERR_CLAIM_VALUE,
			    "duplicate phandle value");
	if (f->nphandles == f->phandles_cap) {
		ncap = f->phandles_cap ? f->phandles_cap * 2 : 16;
		if ((np = realloc(f->phandles, ncap * sizeof(*np))) == NULL)
			return fail(f, CCAKIT_ERR_NOMEM, "out of memory");
		f->phandles = np;
		f->phandles_cap = ncap;
	}
	f->phandles[f->nphandles++] = v;
	return cki_fdt_prop_u32(f, "phandle", v);
}

int
cki_fdt_set_strings(struct cki_fdt *f, const uint8_t *block, size_t len)
{
	int r;

	if (f->err != CCAKIT_OK)
		return f->err;
	if ((r = grow(&f->str, &f->scap, f->slen, len)) != CCAKIT_OK)
		return fail(f, r, "DTB too large");
	if (len > 0)
		memcpy(f->str + f->slen, block, len);
	f->slen += len;
	return CCAKIT_OK;
}

int
cki_fdt_set_name(struct cki_fdt *f, const char *name, uint32_t off)
{
	struct cki_fdt_name *n;

	if (f->err != CCAKIT_OK)
		return f->err;
	if ((n = find_name(f, name)) != NULL) {
		n->off = off;
		return CCAKIT_OK;
	}
	return add_name(f, name, off);
}

void
cki_fdt_set_total_size(struct cki_fdt *f, uint32_t size)
{
	f->total_size = size;
}

int
cki_fdt_finish(struct cki_fdt *f, uint8_t **out, size_t *outlen)
{
	uint8_t *blob = NULL;
	size_t struct_end, total;
	int r;

	*out = NULL;
	*outlen = 0;
	if (f->err == CCAKIT_OK && f->depth > 0)
		fail(f, CCAKIT_ERR_CLAIM_VALUE,
		    "attempted to call finish without ending all nodes");
	append_be32(f, FDT_END);
	if ((r = f->err) != CCAKIT_OK)
		goto out;
	struct_end = f->len;
	total = struct_end + f->slen;
	if (total > CKI_FDT_MAX_SIZE) {
		r = fail(f, CCAKIT_ERR_TOO_LARGE, "DTB too large");
		goto out;
	}
	if (f->total_size != 0) {
		if (f->total_size > CKI_FDT_MAX_SIZE) {
			r = fail(f, CCAKIT_ERR_TOO_LARGE, "DTB too large");
			goto out;
		}
		if (f->total_size < total) {
			r = fail(f, CCAKIT_ERR_TOO_LARGE,
			    "output size larger than requested total size");
			goto out;
		}
		total = f->total_size;
	}
	if ((blob = calloc(1, total)) == NULL) {
		r = fail(f, CCAKIT_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(blob, f->buf, struct_end);
	if (f->slen > 0)
		memcpy(blob + struct_end, f->str, f->slen);
	put_be32(blob + 0x00, FDT_MAGIC);
	put_be32(blob + 0x04, (uint32_t)total);
	put_be32(blob + 0x08, f->off_struct);
	put_be32(blob + 0x0c, (uint32_t)struct_end);
	put_be32(blob + 0x10, f->off_rsvmap);
	put_be32(blob + 0x14, f->version);
	put_be32(blob + 0x18, f->last_comp);
	put_be32(blob + 0x1c, f->boot_cpuid);
	put_be32(blob + 0x20, (uint32_t)f->slen);
	put_be32(blob + 0x24, (uint32_t)(struct_end - f->off_struct));
	*out = blob;
	*outlen = total;
	r = CCAKIT_OK;
out:
	return r;
}
