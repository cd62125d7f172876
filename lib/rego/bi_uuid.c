/*
 * uuid.rfc4122, uuid.parse (OPA: internal/uuid over google/uuid).
 *
 * uuid.rfc4122(k) is a random version 4 UUID (OpenSSL's RAND_bytes),
 * the same for the same k within one query (OPA caches it per query).
 * uuid.parse accepts the forms google/uuid does (plain, urn:uuid:,
 * braces, 32 hex digits) and returns version and variant, plus the
 * time, clock sequence and node of versions 1 and 2 and the domain and
 * id of version 2, computed as google/uuid does (with Go's int64
 * wrap-around for times far from 1970).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include <ccakit/bytes.h>

#include "rego/rego_priv.h"

/* google/uuid's Parse. */
static bool
uuid_parse(const char *s, size_t n, uint8_t u[16])
{
	/* the groups of the 36-character form: offset, bytes */
	static const uint8_t grp[5][2] = { { 0, 4 }, { 9, 2 }, { 14, 2 },
		{ 19, 2 }, { 24, 6 } };
	size_t i, k, o = 0, len;

	switch (n) {
	case 36:
		break;
	case 36 + 9:
		for (i = 0; i < 9; i++)
			if ((s[i] | (s[i] >= 'A' && s[i] <= 'Z' ? 0x20 : 0)) !=
			    "urn:uuid:"[i])
				return false;
		s += 9;
		break;
	case 36 + 2:             /* {...}: the braces are not checked */
		s += 1;
		break;
	case 32:
		return ccakit_hex_decode(s, 32, u, 16, &len) == CCAKIT_OK;
	default:
		return false;
	}
	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return false;
	for (k = 0; k < 5; k++) {
		if (ccakit_hex_decode(s + grp[k][0], 2u * grp[k][1], u + o,
		    grp[k][1], &len) != CCAKIT_OK)
			return false;
		o += grp[k][1];
	}
	return true;
}

static const char *
variant(const uint8_t u[16])
{
	if ((u[8] & 0xc0) == 0x80)
		return "RFC4122";
	if ((u[8] & 0xe0) == 0xc0)
		return "Microsoft";
	if ((u[8] & 0xe0) == 0xe0)
		return "Future";
	return "Reserved";
}

static const char *
macvars(uint8_t b)
{
	if ((b & 3) == 3)
		return "local:multicast";
	if ((b & 1) == 1)
		return "global:multicast";
	if ((b & 2) == 2)
		return "local:unicast";
	return "global:unicast";
}

static int
bi_parse(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const rv **k, **v;
	uint8_t u[16];
	size_t n = 0;
	int ver;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if (!uuid_parse(a[0]->u.s, a[0]->n, u)) {
		*out = NULL;      /* not a UUID: undefined */
		return CCAKIT_OK;
	}
	if ((k = ra_alloc(ar, 16 * sizeof(*k))) == NULL)
		return rego_bi_nomem(ctx);
	v = k + 8;
	ver = u[6] >> 4;
	k[n] = rv_cstr(ar, "version");
	v[n++] = rv_int(ar, ver);
	k[n] = rv_cstr(ar, "variant");
	v[n++] = rv_cstr(ar, variant(u));
	if (ver == 1 || ver == 2) {
		/* 100 ns since 1582-10-15 to Unix ns, int64 arithmetic */
		int64_t t = (int64_t)((uint64_t)u[0] << 24 | (uint64_t)u[1] <<
		    16 | (uint64_t)u[2] << 8 | u[3]);
		int64_t sec, nsec;
		char node[18];

		t |= (int64_t)((uint64_t)u[4] << 8 | u[5]) << 32;
		t |= (int64_t)(((uint64_t)u[6] << 8 | u[7]) & 0xfff) << 48;
		sec = t - 122192928000000000LL;
		nsec = (sec % 10000000) * 100;
		sec /= 10000000;
		snprintf(node, sizeof(node), "%02x-%02x-%02x-%02x-%02x-%02x",
		    u[10], u[11], u[12], u[13], u[14], u[15]);
		k[n] = rv_cstr(ar, "time");
		v[n++] = rv_int(ar, (int64_t)((uint64_t)sec * 1000000000u +
		    (uint64_t)nsec));
		k[n] = rv_cstr(ar, "nodeid");
		v[n++] = rv_cstr(ar, node);
		k[n] = rv_cstr(ar, "macvariables");
		v[n++] = rv_cstr(ar, macvars(u[10]));
		k[n] = rv_cstr(ar, "clocksequence");
		v[n++] = rv_int(ar, (u[8] << 8 | u[9]) & 0x3fff);
		if (ver == 2) {
			static const char *const dom[] = { "Person", "Group",
				"Org" };
			char d[16];

			snprintf(d, sizeof(d), "Domain%u", u[9]);
			k[n] = rv_cstr(ar, "id");
			v[n++] = rv_int(ar, (int64_t)((uint32_t)u[0] << 24 |
			    (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]));
			k[n] = rv_cstr(ar, "domain");
			v[n++] = rv_cstr(ar, u[9] < 3 ? dom[u[9]] : d);
		}
	}
	for (size_t i = 0; i < n; i++)
		if (k[i] == NULL || v[i] == NULL)
			return rego_bi_nomem(ctx);
	NOMEM_IF(ctx, *out = rv_obj(ar, k, v, n, NULL));
	return CCAKIT_OK;
}

/* A random version 4 UUID, the same for the same operand in a query. */
static int
bi_rfc4122(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	const rv *key, *items[2];
	uint8_t u[16];
	char hex[33], s[36];
	int rc;

	items[0] = rv_cstr(rego_bi_arena(ctx), "uuid.rfc4122");
	items[1] = a[0];
	NOMEM_IF(ctx, items[0]);
	NOMEM_IF(ctx, key = rv_arr_copy(rego_bi_arena(ctx), items, 2));
	if ((*out = rego_bi_memo_get(ctx, key)) != NULL)
		return CCAKIT_OK;
	if (RAND_bytes(u, sizeof(u)) != 1)
		return ccakit_rego_bi_error(ctx, "no random bytes");
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	(void)ccakit_hex_encode(u, sizeof(u), hex, sizeof(hex));
	memcpy(s, hex, 8);
	s[8] = '-';
	memcpy(s + 9, hex + 8, 4);
	s[13] = '-';
	memcpy(s + 14, hex + 12, 4);
	s[18] = '-';
	memcpy(s + 19, hex + 16, 4);
	s[23] = '-';
	memcpy(s + 24, hex + 20, 12);
	NOMEM_IF(ctx, *out = rv_str(rego_bi_arena(ctx), s, sizeof(s)));
	if ((rc = rego_bi_memo_put(ctx, key, *out)) != CCAKIT_OK)
		return rc;
	return CCAKIT_OK;
}

const struct rego_bi_def rego_bi_uuid[] = {
	{ "uuid.parse", 1, 0, bi_parse },
	{ "uuid.rfc4122", 1, CCAKIT_REGO_BI_NONDET, bi_rfc4122 },
	{ NULL, 0, 0, NULL },
};
