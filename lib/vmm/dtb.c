/*
 * DTB template surgery (spec §3.6, upstream src/dtb_surgeon.rs): parse a
 * DTB token by token and re-emit it through the FDT writer, letting the
 * VMM model replace nodes and properties. The strings block is kept
 * verbatim and the name offsets the template uses are reused, so that an
 * unchanged template comes out byte-identical.
 *
 * The template is untrusted input: every offset and length is checked
 * against the buffer before use, and the output is capped.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/vmm_priv.h"

#define FDT_MAGIC	0xd00dfeedu
#define FDT_BEGIN_NODE	1u
#define FDT_END_NODE	2u
#define FDT_PROP	3u
#define FDT_NOP		4u
#define FDT_END		9u
#define FDT_HDR_SIZE	40u

struct hdr {
	uint32_t totalsize, off_struct, off_strings, off_rsvmap;
	uint32_t version, last_comp, boot_cpuid, size_strings, size_struct;
};

/* A read cursor over the whole template. */
struct cur {
	const uint8_t *b;
	size_t len, off;
};

static int
rd32(struct cur *c, uint32_t *v)
{
	if (c->off > c->len || c->len - c->off < 4)
		return -1;
	*v = (uint32_t)c->b[c->off] << 24 | (uint32_t)c->b[c->off + 1] << 16 |
	    (uint32_t)c->b[c->off + 2] << 8 | c->b[c->off + 3];
	c->off += 4;
	return 0;
}

static int
rd64(struct cur *c, uint64_t *v)
{
	uint32_t hi, lo;

	if (rd32(c, &hi) != 0 || rd32(c, &lo) != 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* Skip n bytes and the zero padding to a multiple of 4. */
static int
skip_padded(struct cur *c, size_t n)
{
	size_t padded = n + ((4 - n % 4) % 4);

	if (c->off > c->len || c->len - c->off < padded)
		return -1;
	c->off += padded;
	return 0;
}

/* A NUL-terminated string at off within [off, end). */
static const char *
cstr_at(const uint8_t *b, size_t off, size_t end, size_t *slen)
{
	const uint8_t *nul;

	if (off >= end)
		return NULL;
	if ((nul = memchr(b + off, '\0', end - off)) == NULL)
		return NULL;
	*slen = (size_t)(nul - (b + off));
	return (const char *)(b + off);
}

static int
bad(struct ccakit_errdetail *m, int code, const char *what)
{
	return cki_msg(m, code, "DTB: %s", what);
}

struct token {
	uint32_t type;
	const char *name;	/* node or property name */
	const uint8_t *val;
	size_t vlen;
};

/* Next structure token; the strings block bounds property names. */
static int
next_token(struct cur *c, const struct hdr *h, struct token *t,
    struct ccakit_errdetail *m)
{
	uint32_t vlen, nameoff;
	size_t slen;

	memset(t, 0, sizeof(*t));
	if (rd32(c, &t->type) != 0)
		return bad(m, CCAKIT_ERR_CLAIM_VALUE, "offset is out of bounds");
	switch (t->type) {
	case FDT_BEGIN_NODE:
		if ((t->name = cstr_at(c->b, c->off, c->len, &slen)) == NULL ||
		    skip_padded(c, slen + 1) != 0)
			return bad(m, CCAKIT_ERR_CLAIM_VALUE,
			    "offset is out of bounds");
		return CCAKIT_OK;
	case FDT_PROP:
		if (rd32(c, &vlen) != 0 || rd32(c, &nameoff) != 0)
			return bad(m, CCAKIT_ERR_CLAIM_VALUE,
			    "offset is out of bounds");
		if (nameoff >= h->size_strings ||
		    (t->name = cstr_at(c->b, (size_t)h->off_strings + nameoff,
		    (size_t)h->off_strings + h->size_strings, &slen)) == NULL)
			return bad(m, CCAKIT_ERR_CLAIM_VALUE,
			    "offset is out of bounds");
		t->val = c->b + c->off;
		t->vlen = vlen;
		if (skip_padded(c, vlen) != 0)
			return bad(m, CCAKIT_ERR_CLAIM_VALUE,
			    "offset is out of bounds");
		return CCAKIT_OK;
	case FDT_END_NODE:
	case FDT_NOP:
	case FDT_END:
		return CCAKIT_OK;
	default:
		return cki_msg(m, CCAKIT_ERR_CLAIM_VALUE,
		    "DTB: parsing: unexpected token 0x%x", t->type);
	}
}

static int
parse_header(const uint8_t *in, size_t len, struct hdr *h,
    struct cki_fdt_rsv **rsvp, size_t *nrsv, struct ccakit_errdetail *m)
{
	struct cur c = { in, len, 0 };
	struct cki_fdt_rsv *rsv = NULL;
	uint32_t magic;
	uint64_t addr, size;
	size_t n = 0, rsv_end;
	int r = CCAKIT_ERR_CLAIM_VALUE;

	*rsvp = NULL;
	*nrsv = 0;
	if (rd32(&c, &magic) != 0 || rd32(&c, &h->totalsize) != 0 ||
	    rd32(&c, &h->off_struct) != 0 || rd32(&c, &h->off_strings) != 0 ||
	    rd32(&c, &h->off_rsvmap) != 0 || rd32(&c, &h->version) != 0 ||
	    rd32(&c, &h->last_comp) != 0 || rd32(&c, &h->boot_cpuid) != 0 ||
	    rd32(&c, &h->size_strings) != 0 || rd32(&c, &h->size_struct) != 0)
		return bad(m, CCAKIT_ERR_CLAIM_VALUE, "I/O");
	if (magic != FDT_MAGIC)
		return bad(m, CCAKIT_ERR_CLAIM_VALUE, "parsing: invalid magic");
	if (h->off_rsvmap < FDT_HDR_SIZE || h->off_rsvmap > len)
		return bad(m, CCAKIT_ERR_CLAIM_VALUE, "offset is out of bounds");
	if ((rsv = calloc(CKI_FDT_MAX_RSV, sizeof(*rsv))) == NULL)
		return cki_msg(m, CCAKIT_ERR_NOMEM, "out of memory");
	c.off = h->off_rsvmap;
	for (;;) {
		if (rd64(&c, &addr) != 0 || rd64(&c, &size) != 0) {
			r = bad(m, CCAKIT_ERR_CLAIM_VALUE, "I/O");
			goto out;
		}
		if (addr == 0 && size == 0)
			break;
		if (n == CKI_FDT_MAX_RSV) {
			r = bad(m, CCAKIT_ERR_TOO_LARGE,
			    "too many memory reservations");
			goto out;
		}
		rsv[n].addr = addr;
		rsv[n++].size = size;
	}
	rsv_end = c.off;
	if (h->off_struct != rsv_end) {
		r = h->off_struct > rsv_end ?
		    cki_msg(m, CCAKIT_ERR_CBOR_UNSUPPORTED,
		    "DTB: unimplemented: struct padding %zu",
		    (size_t)h->off_struct - rsv_end) :
		    bad(m, CCAKIT_ERR_CLAIM_VALUE, "parsing: overlapping blocks");
		goto out;
	}
	if ((uint64_t)h->off_struct + h->size_struct != h->off_strings) {
		r = (uint64_t)h->off_strings > (uint64_t)h->off_struct +
		    h->size_struct ?
		    cki_msg(m, CCAKIT_ERR_CBOR_UNSUPPORTED,
		    "DTB: unimplemented: strings padding %llu",
		    (unsigned long long)(h->off_strings - h->off_struct -
		    h->size_struct)) :
		    bad(m, CCAKIT_ERR_CLAIM_VALUE, "parsing: overlapping blocks");
		goto out;
	}
	if ((uint64_t)h->off_strings + h->size_strings > len ||
	    (h->size_strings > 0 && in[h->off_strings +
	    h->size_strings - 1] != '\0')) {
		r = bad(m, CCAKIT_ERR_CLAIM_VALUE, "offset is out of bounds");
		goto out;
	}
	*rsvp = rsv;
	*nrsv = n;
	rsv = NULL;
	r = CCAKIT_OK;
out:
	free(rsv);
	return r;
}

/* vm-fdt error text for the writer's sticky error. */
static int
writer_err(struct cki_fdt *f, struct ccakit_errdetail *m)
{
	return cki_msg(m, f->err, "DTB: FDT writer: %s",
	    f->errwhat ? f->errwhat : "error");
}

int
cki_dtb_surgery(const uint8_t *in, size_t len, const struct cki_dtb_surgeon *s,
    uint8_t **out, size_t *outlen, struct ccakit_errdetail *m)
{
	struct cki_fdt f;
	struct cki_fdt_rsv *rsv = NULL;
	struct hdr h;
	struct token t;
	struct cur c;
	const char *cur_node = NULL;
	size_t nrsv, ignore = 0, open = 0;
	uint64_t content;
	int r, init = 0;

	*out = NULL;
	*outlen = 0;
	if (len > CKI_FDT_MAX_SIZE)
		return bad(m, CCAKIT_ERR_TOO_LARGE, "template too large");
	if ((r = parse_header(in, len, &h, &rsv, &nrsv, m)) != CCAKIT_OK)
		return r;
	init = 1;
	if (cki_fdt_init(&f, rsv, nrsv, h.off_rsvmap - FDT_HDR_SIZE) !=
	    CCAKIT_OK) {
		r = writer_err(&f, m);
		goto out;
	}
	f.version = h.version;
	f.last_comp = h.last_comp;
	f.boot_cpuid = h.boot_cpuid;
	content = (uint64_t)h.off_strings + h.size_strings;
	if (content < h.totalsize)
		cki_fdt_set_total_size(&f, h.totalsize);

	/* Pass 1: check the structure, collect the name offsets in use. */
	c.b = in;
	c.len = len;
	c.off = h.off_struct;
	do {
		if ((r = next_token(&c, &h, &t, m)) != CCAKIT_OK)
			goto out;
		if (t.type == FDT_PROP &&
		    cki_fdt_set_name(&f, t.name, (uint32_t)((const uint8_t *)
		    t.name - in - h.off_strings)) != CCAKIT_OK) {
			r = writer_err(&f, m);
			goto out;
		}
	} while (t.type != FDT_END);
	if (cki_fdt_set_strings(&f, in + h.off_strings, h.size_strings) !=
	    CCAKIT_OK) {
		r = writer_err(&f, m);
		goto out;
	}

	/* Pass 2: re-emit the tree through the surgeon. */
	c.off = h.off_struct;
	for (;;) {
		if ((r = next_token(&c, &h, &t, m)) != CCAKIT_OK)
			goto out;
		if (t.type == FDT_END)
			break;
		switch (t.type) {
		case FDT_BEGIN_NODE:
			if (ignore > 0) {
				ignore++;
				break;
			}
			if ((r = s->node(s->arg, &f, t.name)) < 0)
				goto fail;
			if (r == 1) {
				ignore++;
				break;
			}
			cki_fdt_begin(&f, t.name);
			open++;
			cur_node = t.name;
			break;
		case FDT_END_NODE:
			if (ignore > 0) {
				ignore--;
				break;
			}
			if (open == 0) {
				r = bad(m, CCAKIT_ERR_CLAIM_VALUE,
				    "parsing: unexpected end node");
				goto out;
			}
			cki_fdt_end(&f);
			open--;
			break;
		case FDT_PROP:
			if (ignore > 0)
				break;
			if (cur_node == NULL) {
				r = bad(m, CCAKIT_ERR_CLAIM_VALUE,
				    "parsing: unexpected property");
				goto out;
			}
			if ((r = s->prop(s->arg, &f, cur_node, t.name, t.val,
			    t.vlen)) < 0)
				goto fail;
			if (r == 0)
				cki_fdt_prop(&f, t.name, t.val, t.vlen);
			break;
		case FDT_NOP:
			if (ignore > 0)
				break;
			r = bad(m, CCAKIT_ERR_CBOR_UNSUPPORTED,
			    "unimplemented: NOP");
			goto out;
		default:
			break;
		}
		if (f.err != CCAKIT_OK) {
			r = writer_err(&f, m);
			goto out;
		}
	}
	if (cki_fdt_finish(&f, out, outlen) != CCAKIT_OK) {
		r = writer_err(&f, m);
		goto out;
	}
	r = CCAKIT_OK;
	goto out;
fail:
	r = (f.err != CCAKIT_OK) ? writer_err(&f, m) :
	    cki_msg(m, -r, "DTB: surgery failed");
out:
	if (init)
		cki_fdt_free(&f);
	free(rsv);
	return r;
}

/*
 * Property overrides common to the VMM surgeons (upstream
 * handle_property_common): memory reg, chosen initrd and bootargs.
 */
int
cki_dtb_common_prop(struct cki_fdt *f, const char *node, const char *name,
    uint64_t mem_base, uint64_t mem_size, int has_initrd, uint64_t ib,
    uint64_t is, const char *bootargs)
{
	size_t n = strcspn(node, "@");

	if (n == 6 && strncmp(node, "memory", 6) == 0 &&
	    strcmp(name, "reg") == 0) {
		const uint64_t reg[2] = { mem_base, mem_size };

		cki_fdt_prop_u64s(f, "reg", reg, 2);
		return 1;
	}
	if (n != 6 || strncmp(node, "chosen", 6) != 0)
		return 0;
	if (strcmp(name, "linux,initrd-start") == 0) {
		if (has_initrd)
			cki_fdt_prop_u64(f, name, ib);
		return 1;
	}
	if (strcmp(name, "linux,initrd-end") == 0) {
		if (has_initrd)
			cki_fdt_prop_u64(f, name, ib + is);
		return 1;
	}
	if (strcmp(name, "bootargs") == 0) {
		if (bootargs != NULL)
			cki_fdt_prop_str(f, name, bootargs);
		return 1;
	}
	return 0;
}
