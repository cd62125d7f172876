/*
 * net.cidr_*: contains, intersects, contains_matches, expand, merge,
 * is_valid, with the semantics of Go's net package as OPA uses it.
 *
 * Addresses are kept as 16 bytes (IPv4 as ::ffff:a.b.c.d, as Go's
 * net.ParseIP returns them) and prefixes in that 128-bit space (an IPv4
 * /n is /96+n). A network "is IPv4" when its masked address is
 * IPv4-mapped, which is what Go's IPNet.Contains looks at: an IPv4
 * address is never inside an IPv6 network such as ::/0, and the other
 * way round.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/bi_crypto.h"

/* net.cidr_expand refuses ranges larger than this (OPA has no cap and
 * relies on a deadline; here a /0 must not exhaust a server). */
#define CIDR_EXPAND_MAX  (1u << 20)

struct ipnet {
	uint8_t ip[16];     /* masked network address */
	unsigned prefix;    /* 0..128 */
};

static const uint8_t v4prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff };

static bool
is_v4(const uint8_t ip[16])
{
	return memcmp(ip, v4prefix, 12) == 0;
}

/* One dotted-decimal IPv4 address (Go's netip rules: four fields, no
 * leading zeros, each at most 255). */
static bool
parse_v4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;
	int f;

	for (f = 0; f < 4; f++) {
		unsigned v = 0, digits = 0;

		if (f > 0) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (digits > 0 && v == 0)
				return false;          /* leading zero */
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return false;
			digits++;
			i++;
		}
		if (digits == 0)
			return false;
		out[f] = (uint8_t)v;
	}
	return i == n;
}

/* IPv6 text (groups, one "::", an optional trailing dotted IPv4). Zones
 * are refused, as net.ParseIP and net.ParseCIDR refuse them. */
static bool
parse_v6(const char *s, size_t n, uint8_t out[16])
{
	size_t i = 0;
	int ellipsis = -1, k = 0;

	memset(out, 0, 16);
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		ellipsis = 0;
		i = 2;
		if (i == n)
			return true;
	}
	while (i < n) {
		size_t j = i;
		unsigned v = 0;

		while (j < n && j - i < 5 && cki_hex_nibble(s[j]) >= 0) {
			v = v * 16 + (unsigned)cki_hex_nibble(s[j]);
			j++;
		}
		if (j == i || j - i > 4)
			return false;
		if (j < n && s[j] == '.') {
			/* Embedded IPv4: must end the address. */
			if (ellipsis < 0 && k != 12)
				return false;
			if (k > 12 || !parse_v4(s + i, n - i, out + k))
				return false;
			k += 4;
			i = n;
			break;
		}
		if (k > 14)
			return false;
		out[k++] = (uint8_t)(v >> 8);
		out[k++] = (uint8_t)v;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (ellipsis >= 0)
				return false;
			ellipsis = k;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return false;          /* trailing single ':' */
		}
	}
	if (ellipsis >= 0) {
		int m = 16 - k;

		if (m < 1)
			return false;          /* "::" must stand for a group */
		memmove(out + ellipsis + m, out + ellipsis, (size_t)(k - ellipsis));
		memset(out + ellipsis, 0, (size_t)m);
	} else if (k != 16) {
		return false;
	}
	return true;
}

/* net.ParseIP: 16 bytes; *v4text: written as dotted IPv4. */
static bool
parse_ip(const char *s, size_t n, uint8_t out[16], bool *v4text)
{
	*v4text = false;
	if (memchr(s, ':', n) == NULL) {
		memcpy(out, v4prefix, 12);
		*v4text = true;
		return parse_v4(s, n, out + 12);
	}
	return parse_v6(s, n, out);
}

static void
mask_ip(uint8_t ip[16], unsigned prefix)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		unsigned bits = prefix > i * 8 ? prefix - i * 8 : 0;

		if (bits < 8)
			ip[i] &= (uint8_t)(0xff00u >> bits);
	}
}

/* net.ParseCIDR; *addr (may be NULL) gets the unmasked address. */
static bool
parse_cidr(const char *s, size_t n, struct ipnet *net, uint8_t *addr)
{
	const char *slash = memchr(s, '/', n);
	size_t i, alen;
	unsigned bits = 0, max;
	bool v4text;

	if (slash == NULL)
		return false;
	alen = (size_t)(slash - s);
	if (!parse_ip(s, alen, net->ip, &v4text))
		return false;
	max = v4text ? 32 : 128;
	if (alen + 1 == n)
		return false;
	for (i = alen + 1; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		bits = bits * 10 + (unsigned)(s[i] - '0');
		if (bits > 1000)
			return false;
	}
	if (bits > max)
		return false;
	net->prefix = v4text ? 96 + bits : bits;
	if (addr != NULL)
		memcpy(addr, net->ip, 16);
	mask_ip(net->ip, net->prefix);
	return true;
}

/* Go's IPNet.Contains. */
static bool
net_contains(const struct ipnet *net, const uint8_t ip[16])
{
	uint8_t m[16];

	if (is_v4(net->ip) != is_v4(ip))
		return false;
	memcpy(m, ip, 16);
	mask_ip(m, net->prefix);
	return memcmp(m, net->ip, 16) == 0;
}

static void
last_ip(const struct ipnet *net, uint8_t out[16])
{
	unsigned i;

	memcpy(out, net->ip, 16);
	for (i = 0; i < 16; i++) {
		unsigned bits = net->prefix > i * 8 ? net->prefix - i * 8 : 0;

		if (bits < 8)
			out[i] |= (uint8_t)(0xffu >> bits);
	}
}

/* Go's net.IP.String(): dotted for IPv4(-mapped), else RFC 5952. */
static size_t
fmt_ip(const uint8_t ip[16], char *buf, size_t len)
{
	int best = -1, bestlen = 0, i;
	size_t o = 0;

	if (is_v4(ip))
		return (size_t)snprintf(buf, len, "%u.%u.%u.%u", ip[12],
		    ip[13], ip[14], ip[15]);
	for (i = 0; i < 8; i++) {
		int j = i;

		while (j < 8 && ip[2 * j] == 0 && ip[2 * j + 1] == 0)
			j++;
		if (j - i >= 2 && j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		if (j > i)
			i = j - 1;
	}
	for (i = 0; i < 8 && o < len;) {
		if (i == best) {
			o += (size_t)snprintf(buf + o, len - o, "::");
			i += bestlen;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			o += (size_t)snprintf(buf + o, len - o, ":");
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "%x",
			    (unsigned)(ip[2 * i] << 8 | ip[2 * i + 1]));
		i++;
	}
	return o < len ? o : len - 1;
}

size_t
rego_fmt_ip(const uint8_t *ip, size_t len, char *buf, size_t buflen)
{
	uint8_t v6[16];

	if (len == 4) {
		memcpy(v6, v4prefix, 12);
		memcpy(v6 + 12, ip, 4);
		ip = v6;
	} else if (len != 16) {
		return (size_t)snprintf(buf, buflen, "?");
	}
	return fmt_ip(ip, buf, buflen);
}

/* Go's IPNet.String() of a network given by address and prefix. */
static size_t
fmt_net(const uint8_t ip[16], unsigned prefix, char *buf, size_t len)
{
	size_t o = fmt_ip(ip, buf, len);

	o += (size_t)snprintf(buf + o, len - o, "/%u",
	    is_v4(ip) ? prefix - 96 : prefix);
	return o < len ? o : len - 1;
}

static const rv *
str_of(struct rego_arena *ar, const char *buf, size_t n)
{
	return rv_str(ar, buf, n);
}

/* Operand pos (1-based) as a CIDR, with OPA's messages. */
static int
cidr_arg(ccakit_rego_bictx *ctx, const rv *x, unsigned pos,
    struct ipnet *net)
{
	if (x->t != RV_STR)
		return rego_bi_operr(ctx, pos, "string", x);
	if (!parse_cidr(x->u.s, x->n, net, NULL))
		return ccakit_rego_bi_error(ctx, "invalid CIDR address: %s",
		    x->u.s);
	return CCAKIT_OK;
}

/* net.cidr_contains(cidr, cidr_or_ip); *res set. */
static int
contains(ccakit_rego_bictx *ctx, const rv *a, const rv *b, bool *res)
{
	struct ipnet na, nb;
	uint8_t ip[16];
	bool v4text;
	int rc;

	if ((rc = cidr_arg(ctx, a, 1, &na)) != CCAKIT_OK)
		return rc;
	if (b->t != RV_STR)
		return rego_bi_operr(ctx, 2, "string", b);
	if (parse_ip(b->u.s, b->n, ip, &v4text)) {
		*res = net_contains(&na, ip);
		return CCAKIT_OK;
	}
	if (!parse_cidr(b->u.s, b->n, &nb, NULL))
		return ccakit_rego_bi_error(ctx, "not a valid textual "
		    "representation of an IP address or CIDR: %s", b->u.s);
	*res = false;
	if (net_contains(&na, nb.ip)) {
		last_ip(&nb, ip);
		*res = net_contains(&na, ip);
	}
	return CCAKIT_OK;
}

static int
bi_cidr_contains(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	bool res = false;
	int rc;

	if ((rc = contains(ctx, a[0], a[1], &res)) != CCAKIT_OK)
		return rc;
	*out = RV_BOOLV(res);
	return CCAKIT_OK;
}

static int
bi_cidr_intersects(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct ipnet na, nb;
	int rc;

	if ((rc = cidr_arg(ctx, a[0], 1, &na)) != CCAKIT_OK ||
	    (rc = cidr_arg(ctx, a[1], 2, &nb)) != CCAKIT_OK)
		return rc;
	*out = RV_BOOLV(net_contains(&na, nb.ip) || net_contains(&nb, na.ip));
	return CCAKIT_OK;
}

static int
bi_cidr_is_valid(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct ipnet net;

	(void)ctx;
	*out = RV_BOOLV(a[0]->t == RV_STR &&
	    parse_cidr(a[0]->u.s, a[0]->n, &net, NULL));
	return CCAKIT_OK;
}

static int
bi_cidr_expand(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct ipnet net;
	uint8_t ip[16];
	unsigned host;
	size_t count, k;
	const rv **items;
	char buf[64];
	int j, rc;

	if ((rc = cidr_arg(ctx, a[0], 1, &net)) != CCAKIT_OK)
		return rc;
	host = 128 - net.prefix;
	if (host > 20)
		return ccakit_rego_bi_error(ctx, "%s has more than %u "
		    "addresses", a[0]->u.s, CIDR_EXPAND_MAX);
	count = (size_t)1 << host;
	NOMEM_IF(ctx, items = ra_alloc(ar, count * sizeof(*items)));
	memcpy(ip, net.ip, 16);
	for (k = 0; k < count; k++) {
		size_t n = fmt_ip(ip, buf, sizeof(buf));

		NOMEM_IF(ctx, items[k] = str_of(ar, buf, n));
		for (j = 15; j >= 0; j--)
			if (++ip[j] != 0)
				break;
	}
	NOMEM_IF(ctx, *out = rv_set(ar, items, count));
	return CCAKIT_OK;
}

/* net.cidr_contains_matches: the CIDR (or address) of a member. */
static int
match_term(ccakit_rego_bictx *ctx, unsigned pos, const rv *x,
    const rv **cidr)
{
	if (x->t == RV_STR) {
		*cidr = x;
		return CCAKIT_OK;
	}
	if (x->t == RV_ARR && x->n > 0) {
		*cidr = x->u.a[0];
		return CCAKIT_OK;
	}
	return ccakit_rego_bi_error(ctx, "operand %u: element must be string "
	    "or non-empty array", pos);
}

/* Members of an operand as (cidr, index) pairs. */
static int
match_items(ccakit_rego_bictx *ctx, unsigned pos, const rv *x,
    struct rv_vec *cidrs, struct rv_vec *idx)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv *c = NULL, *ix;
	uint32_t i;
	int rc;

	switch (x->t) {
	case RV_STR:
		if (rvv_push(cidrs, x) != 0 || rvv_push(idx, x) != 0)
			return rego_bi_nomem(ctx);
		return CCAKIT_OK;
	case RV_ARR:
	case RV_SET:
	case RV_OBJ:
		for (i = 0; i < x->n; i++) {
			const rv *m = x->t == RV_OBJ ? rv_obj_vals(x)[i] :
			    x->u.a[i];

			if ((rc = match_term(ctx, pos, m, &c)) != CCAKIT_OK)
				return rc;
			if (x->t == RV_ARR)
				NOMEM_IF(ctx, ix = rv_int(ar, i));
			else
				ix = x->u.a[i];
			if (rvv_push(cidrs, c) != 0 || rvv_push(idx, ix) != 0)
				return rego_bi_nomem(ctx);
		}
		return CCAKIT_OK;
	default:
		return CCAKIT_OK;
	}
}

/* A member of net.cidr_contains_matches, parsed once: operand 1 as a
 * network, operand 2 as an address or a network. err: the error OPA
 * raises when the member is first used (0: none). */
struct cmember {
	struct ipnet net;
	uint8_t ip[16];
	bool is_ip;
	int err;          /* 0, 1: not a string, 2: does not parse */
};

static void
cmember_parse(const rv *x, bool second, struct cmember *m)
{
	bool v4text;

	memset(m, 0, sizeof(*m));
	if (x->t != RV_STR)
		m->err = 1;
	else if (second && parse_ip(x->u.s, x->n, m->ip, &v4text))
		m->is_ip = true;
	else if (!parse_cidr(x->u.s, x->n, &m->net, NULL))
		m->err = 2;
}

static int
cmember_error(ccakit_rego_bictx *ctx, const struct cmember *m, const rv *x,
    unsigned pos)
{
	if (m->err == 1)
		return rego_bi_operr(ctx, pos, "string", x);
	if (pos == 1)
		return ccakit_rego_bi_error(ctx, "invalid CIDR address: %s",
		    x->u.s);
	return ccakit_rego_bi_error(ctx, "not a valid textual representation "
	    "of an IP address or CIDR: %s", x->u.s);
}

/* At most this many (cidr, address) pairs are compared in one call. */
#define CIDR_MATCH_MAX_PAIRS  (1u << 24)

static int
bi_cidr_contains_matches(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct rv_vec c1, i1, c2, i2, res;
	struct cmember *m1, *m2;
	size_t i, j;
	int rc;

	rvv_init(&c1, ar);
	rvv_init(&i1, ar);
	rvv_init(&c2, ar);
	rvv_init(&i2, ar);
	rvv_init(&res, ar);
	if ((rc = match_items(ctx, 1, a[0], &c1, &i1)) != CCAKIT_OK ||
	    (rc = match_items(ctx, 2, a[1], &c2, &i2)) != CCAKIT_OK)
		return rc;
	if (c1.n > 0 && c2.n > CIDR_MATCH_MAX_PAIRS / c1.n)
		return ccakit_rego_bi_error(ctx, "more than %u pairs to "
		    "compare", CIDR_MATCH_MAX_PAIRS);
	NOMEM_IF(ctx, m1 = ra_alloc(ar, (c1.n + 1) * sizeof(*m1)));
	NOMEM_IF(ctx, m2 = ra_alloc(ar, (c2.n + 1) * sizeof(*m2)));
	for (i = 0; i < c1.n; i++)
		cmember_parse(c1.v[i], false, &m1[i]);
	for (j = 0; j < c2.n; j++)
		cmember_parse(c2.v[j], true, &m2[j]);
	for (i = 0; i < c1.n; i++)
		for (j = 0; j < c2.n; j++) {
			const rv *pair[2];
			bool in;

			if (m1[i].err != 0)
				return cmember_error(ctx, &m1[i], c1.v[i], 1);
			if (m2[j].err != 0)
				return cmember_error(ctx, &m2[j], c2.v[j], 2);
			if (m2[j].is_ip) {
				in = net_contains(&m1[i].net, m2[j].ip);
			} else {
				uint8_t last[16];

				last_ip(&m2[j].net, last);
				in = net_contains(&m1[i].net, m2[j].net.ip) &&
				    net_contains(&m1[i].net, last);
			}
			if (!in)
				continue;
			pair[0] = i1.v[i];
			pair[1] = i2.v[j];
			if (rvv_push(&res, rv_arr_copy(ar, pair, 2)) != 0 ||
			    res.v[res.n - 1] == NULL)
				return rego_bi_nomem(ctx);
		}
	NOMEM_IF(ctx, *out = rv_set(ar, res.v, res.n));
	return CCAKIT_OK;
}

/* net.cidr_merge. */

struct crange {
	uint8_t first[16], last[16];
	const char *net;            /* Go's IPNet.String() when unmerged */
	size_t netlen;
};

static int
crange_cmp(const void *pa, const void *pb)
{
	const struct crange *a = pa, *b = pb;
	int c = memcmp(a->last, b->last, 16);

	return c != 0 ? c : memcmp(a->first, b->first, 16);
}

static bool
is_zero_or_v4zero(const uint8_t ip[16])
{
	static const uint8_t zero[16];

	return memcmp(ip, zero, 16) == 0 ||
	    (is_v4(ip) && memcmp(ip + 12, zero, 4) == 0);
}

/* Go's GetPreviousIP: the address before ip (zero stays zero). */
static void
prev_ip(const uint8_t ip[16], uint8_t out[16])
{
	int i;

	memcpy(out, ip, 16);
	if (is_zero_or_v4zero(ip))
		return;
	for (i = 15; i >= 0; i--)
		if (out[i]-- != 0)
			break;
}

static int
merge_elem(ccakit_rego_bictx *ctx, const rv *x, struct crange *r)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct ipnet net;
	uint8_t ip[16];
	char buf[80];
	size_t n;
	bool v4text;

	if (x->t != RV_STR)
		return ccakit_rego_bi_error(ctx, "element must be string");
	if (parse_ip(x->u.s, x->n, ip, &v4text)) {
		unsigned bits;

		if (!is_v4(ip))
			return ccakit_rego_bi_error(ctx,
			    "IPv6 invalid: needs prefix length");
		/* Go's IP.DefaultMask (class A/B/C), address unmasked. */
		bits = ip[12] < 0x80 ? 8 : ip[12] < 0xC0 ? 16 : 24;
		n = fmt_ip(ip, buf, sizeof(buf));
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "/%u", bits);
		net.prefix = 96 + bits;
		memcpy(net.ip, ip, 16);
		mask_ip(net.ip, net.prefix);
	} else {
		if (!parse_cidr(x->u.s, x->n, &net, NULL))
			return ccakit_rego_bi_error(ctx,
			    "invalid CIDR address: %s", x->u.s);
		n = fmt_net(net.ip, net.prefix, buf, sizeof(buf));
	}
	memcpy(r->first, net.ip, 16);
	last_ip(&net, r->last);
	NOMEM_IF(ctx, r->net = ra_strndup(ar, buf, n));
	r->netlen = n;
	return CCAKIT_OK;
}

/* Number of trailing zero bits of a 128-bit address. */
static unsigned
trailing_zeros(const uint8_t ip[16])
{
	unsigned z = 0;
	int i;

	for (i = 15; i >= 0; i--) {
		uint8_t b = ip[i];

		if (b == 0) {
			z += 8;
			continue;
		}
		while ((b & 1) == 0) {
			b >>= 1;
			z++;
		}
		break;
	}
	return z;
}

/* Does the block of 2^host addresses from ip stay within last? */
static bool
block_fits(const uint8_t ip[16], unsigned host, const uint8_t last[16])
{
	struct ipnet n;
	uint8_t end[16];

	memcpy(n.ip, ip, 16);
	n.prefix = 128 - host;
	last_ip(&n, end);
	return memcmp(end, last, 16) <= 0;
}

/* The fewest CIDRs covering [first, last], appended to res. */
static int
range_to_cidrs(ccakit_rego_bictx *ctx, const uint8_t first[16],
    const uint8_t last[16], struct rv_vec *res)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	bool v4 = is_v4(first) && is_v4(last);
	uint8_t ip[16];

	memcpy(ip, first, 16);
	for (;;) {
		unsigned host = trailing_zeros(ip), maxhost = v4 ? 32 : 128;
		struct ipnet n;
		uint8_t end[16];
		char buf[80];
		size_t len;
		int i;

		if (host > maxhost)
			host = maxhost;
		while (host > 0 && !block_fits(ip, host, last))
			host--;
		memcpy(n.ip, ip, 16);
		n.prefix = 128 - host;
		len = fmt_net(n.ip, n.prefix, buf, sizeof(buf));
		if (rvv_push(res, rv_str(ar, buf, len)) != 0 ||
		    res->v[res->n - 1] == NULL)
			return rego_bi_nomem(ctx);
		last_ip(&n, end);
		if (memcmp(end, last, 16) >= 0)
			return CCAKIT_OK;
		memcpy(ip, end, 16);
		for (i = 15; i >= 0; i--)
			if (++ip[i] != 0)
				break;
	}
}

static int
bi_cidr_merge(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	struct crange *r, cur;
	struct rv_vec res;
	bool merged = false;
	size_t n, i;
	int rc;

	if (a[0]->t != RV_ARR && a[0]->t != RV_SET)
		return ccakit_rego_bi_error(ctx, "operand must be an array");
	n = a[0]->n;
	rvv_init(&res, ar);
	if (n == 0) {
		*out = &rv_empty_set_v;
		return CCAKIT_OK;
	}
	NOMEM_IF(ctx, r = ra_alloc(ar, n * sizeof(*r)));
	for (i = 0; i < n; i++)
		if ((rc = merge_elem(ctx, a[0]->u.a[i], &r[i])) != CCAKIT_OK)
			return rc;
	qsort(r, n, sizeof(*r), crange_cmp);
	/* From the end, fold each range into its predecessor when they
	 * touch or overlap (Go's mergeCIDRs, in one pass). */
	cur = r[n - 1];
	for (i = n; i-- > 0;) {
		uint8_t prev[16];

		if (i > 0) {
			prev_ip(cur.first, prev);
			if (memcmp(prev, r[i - 1].last, 16) <= 0) {
				if (memcmp(r[i - 1].first, cur.first, 16) < 0)
					memcpy(cur.first, r[i - 1].first, 16);
				merged = true;
				continue;
			}
		}
		if (!merged) {
			if (rvv_push(&res, rv_str(ar, cur.net, cur.netlen)) !=
			    0 || res.v[res.n - 1] == NULL)
				return rego_bi_nomem(ctx);
		} else if ((rc = range_to_cidrs(ctx, cur.first, cur.last,
		    &res)) != CCAKIT_OK) {
			return rc;
		}
		if (i > 0)
			cur = r[i - 1];
		merged = false;
	}
	NOMEM_IF(ctx, *out = rv_set(ar, res.v, res.n));
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_net[] = {
	{ "net.cidr_contains", 2, 0, bi_cidr_contains },
	{ "net.cidr_intersects", 2, 0, bi_cidr_intersects },
	{ "net.cidr_contains_matches", 2, 0, bi_cidr_contains_matches },
	{ "net.cidr_expand", 1, 0, bi_cidr_expand },
	{ "net.cidr_merge", 1, 0, bi_cidr_merge },
	{ "net.cidr_is_valid", 1, 0, bi_cidr_is_valid },
	{ NULL, 0, 0, NULL },
};
