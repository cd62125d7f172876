/*
 * crypto.x509.* and crypto.parse_private_keys: X.509 certificates
 * (parse_certificates, parse_and_verify_certificates[_with_options]),
 * certificate requests, key pairs and private keys.
 *
 * OPA returns Go's x509.Certificate (and CertificateRequest,
 * tls.Certificate, private key structs) as JSON; the same shape is
 * built here from OpenSSL's parse of the DER: Go's field names, Go's
 * enum numbers (SignatureAlgorithm, PublicKeyAlgorithm, KeyUsage bits,
 * ExtKeyUsage), []byte as padded base64, big integers as numbers, nil
 * slices as null; the JSON text is then read as a value. Inputs are
 * untrusted: sizes and counts are capped, DER is framed with bounds,
 * every OpenSSL object is freed on every path.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ccakit/bytes.h>

#include "rego/bi_crypto.h"

/* Go's base64.StdEncoding.DecodeString into the arena; error message
 * as Go's. */
static int
std_b64(ccakit_rego_bictx *ctx, const char *s, size_t n, uint8_t **out,
    size_t *outlen)
{
	size_t errpos = 0;

	NOMEM_IF(ctx, *out = ra_alloc(rego_bi_arena(ctx), n / 4 * 3 + 4));
	if (!rego_go_b64dec(s, n, 0, *out, outlen, &errpos))
		return ccakit_rego_bi_error(ctx, "illegal base64 data at input "
		    "byte %zu", errpos);
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* JSON text in Go's encoding of the x509 structs.                      */

/* Capped output for one built-in call (certificates, keys). */
#define JSON_MAX  (16u << 20)

static void
jsep(struct rego_buf *b)
{
	char c = b->len > 0 ? b->p[b->len - 1] : '[';

	if (c != '{' && c != '[' && c != ':')
		rb_putc(b, ',');
}

static void
jkey(struct rego_buf *b, const char *k)
{
	jsep(b);
	rb_putc(b, '"');
	rb_puts(b, k);
	rb_puts(b, "\":");
}

/* A string; invalid UTF-8 becomes U+FFFD as in Go's encoder. */
static void
jstr(struct rego_buf *b, const char *s, size_t n)
{
	struct rego_buf t;
	size_t i = 0;

	if (rego_utf8_valid(s, n)) {
		rego_json_str(b, s, n);
		return;
	}
	rb_init(&t, JSON_MAX);
	while (i < n) {
		uint32_t cp;
		size_t k = rego_utf8_dec(s + i, n - i, &cp);

		if (cp == 0xFFFD)
			rb_puts(&t, "\xEF\xBF\xBD");
		else
			rb_put(&t, s + i, k);
		i += k;
	}
	if (t.oom)
		b->oom = true;
	else
		rego_json_str(b, rb_str(&t), t.len);
	rb_free(&t);
}

static void
jcstr(struct rego_buf *b, const char *s)
{
	jstr(b, s, strlen(s));
}

static void
jbytes(struct rego_buf *b, const uint8_t *d, size_t n)
{
	size_t len = ccakit_b64_encoded_len(n, CCAKIT_B64_STD);
	char *t;

	if (d == NULL) {
		rb_puts(b, "null");
		return;
	}
	if ((t = malloc(len + 1)) == NULL ||
	    ccakit_b64_encode(d, n, CCAKIT_B64_STD, t, len + 1) != CCAKIT_OK) {
		free(t);
		b->oom = true;
		return;
	}
	rb_putc(b, '"');
	rb_puts(b, t);
	rb_putc(b, '"');
	free(t);
}

static void
jasn1bytes(struct rego_buf *b, const ASN1_STRING *s)
{
	if (s == NULL)
		rb_puts(b, "null");
	else
		jbytes(b, ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s));
}

static void
jbn(struct rego_buf *b, const BIGNUM *bn)
{
	char *d;

	if (bn == NULL) {
		rb_puts(b, "null");
		return;
	}
	if ((d = BN_bn2dec(bn)) == NULL) {
		b->oom = true;
		return;
	}
	rb_puts(b, d);
	OPENSSL_free(d);
}

/* A BIGNUM parameter of a key as a number (null if absent). */
static void
jbnparam(struct rego_buf *b, const EVP_PKEY *k, const char *name)
{
	BIGNUM *bn = NULL;

	(void)EVP_PKEY_get_bn_param(k, name, &bn);
	jbn(b, bn);
	BN_clear_free(bn);
}

/* An OID as Go's asn1.ObjectIdentifier: [2,5,29,15]. */
static void
joid(struct rego_buf *b, const ASN1_OBJECT *o)
{
	char buf[256];
	int n = OBJ_obj2txt(buf, sizeof(buf), o, 1);
	int i;

	if (n <= 0 || (size_t)n >= sizeof(buf)) {
		rb_puts(b, "[]");
		return;
	}
	rb_putc(b, '[');
	for (i = 0; i < n; i++)
		rb_putc(b, buf[i] == '.' ? ',' : buf[i]);
	rb_putc(b, ']');
}

/* An OID as Go's x509.OID text: "1.2.3". */
static void
joidtext(struct rego_buf *b, const ASN1_OBJECT *o)
{
	char buf[256];
	int n = OBJ_obj2txt(buf, sizeof(buf), o, 1);

	if (n <= 0 || (size_t)n >= sizeof(buf))
		n = 0;
	jstr(b, buf, (size_t)n);
}

/* time.Time as RFC 3339 in UTC. */
static void
jtime(struct rego_buf *b, const ASN1_TIME *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) {
		rb_puts(b, "\"0001-01-01T00:00:00Z\"");
		return;
	}
	rb_printf(b, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The text of an ASN.1 string as UTF-8 (NULL when it is not one). */
static char *
asn1_text(const ASN1_STRING *s, size_t *n)
{
	unsigned char *u = NULL;
	int len = ASN1_STRING_to_UTF8(&u, s);

	if (len < 0)
		return NULL;
	*n = (size_t)len;
	return (char *)u;
}

/* ------------------------------------------------------------------ */
/* DER framing (the raw fields Go keeps).                               */

struct der {
	const uint8_t *p;
	size_t n;
};

static bool
der_next(struct der *d, uint8_t *tag, struct der *val, struct der *all)
{
	size_t len, hl = 2, i;

	if (d->n < 2 || (d->p[0] & 0x1f) == 0x1f)
		return false;
	*tag = d->p[0];
	len = d->p[1];
	if (len & 0x80) {
		size_t k = len & 0x7f;

		if (k == 0 || k > 4 || d->n < 2 + k)
			return false;
		for (len = 0, i = 0; i < k; i++)
			len = len << 8 | d->p[2 + i];
		hl = 2 + k;
	}
	if (len > d->n - hl)
		return false;
	val->p = d->p + hl;
	val->n = len;
	all->p = d->p;
	all->n = hl + len;
	d->p += hl + len;
	d->n -= hl + len;
	return true;
}

struct rawparts {
	struct der raw, tbs, issuer, subject, spki;
};

/* Certificate (csr false) or CertificationRequest (csr true). */
static bool
raw_parts(const uint8_t *der, size_t n, bool csr, struct rawparts *r)
{
	struct der d = { der, n }, outer, tbs, v, all;
	uint8_t tag;
	int i;

	memset(r, 0, sizeof(*r));
	if (!der_next(&d, &tag, &outer, &r->raw) || tag != 0x30 ||
	    !der_next(&outer, &tag, &tbs, &r->tbs) || tag != 0x30)
		return false;
	if (csr) {
		/* version, subject, subjectPKInfo */
		if (!der_next(&tbs, &tag, &v, &all) ||
		    !der_next(&tbs, &tag, &v, &r->subject) ||
		    !der_next(&tbs, &tag, &v, &r->spki))
			return false;
		return true;
	}
	if (tbs.n > 0 && tbs.p[0] == 0xA0 && !der_next(&tbs, &tag, &v, &all))
		return false;
	/* serial, signature, issuer, validity, subject, spki */
	for (i = 0; i < 6; i++) {
		struct der *dst = i == 2 ? &r->issuer : i == 4 ? &r->subject :
		    i == 5 ? &r->spki : &all;

		if (!der_next(&tbs, &tag, &v, dst))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Go's enums.                                                          */

/* x509.SignatureAlgorithm of a signature (sig NID, digest NID). */
static int
go_sigalg(int nid, int mdnid)
{
	switch (nid) {
	case NID_md2WithRSAEncryption: return 1;
	case NID_md5WithRSAEncryption: return 2;
	case NID_sha1WithRSAEncryption: return 3;
	case NID_sha256WithRSAEncryption: return 4;
	case NID_sha384WithRSAEncryption: return 5;
	case NID_sha512WithRSAEncryption: return 6;
	case NID_dsaWithSHA1: return 7;
	case NID_dsa_with_SHA256: return 8;
	case NID_ecdsa_with_SHA1: return 9;
	case NID_ecdsa_with_SHA256: return 10;
	case NID_ecdsa_with_SHA384: return 11;
	case NID_ecdsa_with_SHA512: return 12;
	case NID_rsassaPss:
		return mdnid == NID_sha256 ? 13 : mdnid == NID_sha384 ? 14 :
		    mdnid == NID_sha512 ? 15 : 0;
	case NID_ED25519: return 16;
	default: return 0;
	}
}

/* Digest of an RSASSA-PSS AlgorithmIdentifier's parameters. */
static int
pss_md(const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	const void *pv;
	int ptype, md = NID_sha1;
	RSA_PSS_PARAMS *pss;

	X509_ALGOR_get0(&obj, &ptype, &pv, alg);
	if (ptype != V_ASN1_SEQUENCE)
		return md;
	pss = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
	    alg->parameter);
	if (pss == NULL)
		return NID_undef;
	if (pss->hashAlgorithm != NULL)
		md = OBJ_obj2nid(pss->hashAlgorithm->algorithm);
	RSA_PSS_PARAMS_free(pss);
	return md;
}

static const struct {
	int nid;
	int go;
} eku_map[] = {
	{ NID_anyExtendedKeyUsage, 0 },
	{ NID_server_auth, 1 },
	{ NID_client_auth, 2 },
	{ NID_code_sign, 3 },
	{ NID_email_protect, 4 },
	{ NID_ipsecEndSystem, 5 },
	{ NID_ipsecTunnel, 6 },
	{ NID_ipsecUser, 7 },
	{ NID_time_stamp, 8 },
	{ NID_OCSP_sign, 9 },
	{ NID_ms_sgc, 10 },
	{ NID_ns_sgc, 11 },
	{ NID_ms_code_com, 12 },
};

/* Go's ExtKeyUsage of an OID; -1 when unknown to Go. */
static int
go_eku(const ASN1_OBJECT *o)
{
	char buf[64];
	int nid = OBJ_obj2nid(o);
	size_t i;

	for (i = 0; i < sizeof(eku_map) / sizeof(eku_map[0]); i++)
		if (eku_map[i].nid == nid)
			return eku_map[i].go;
	/* Microsoft kernel code signing has no NID in OpenSSL 3.0. */
	if (OBJ_obj2txt(buf, sizeof(buf), o, 1) > 0 &&
	    strcmp(buf, "1.3.6.1.4.1.311.61.1.1") == 0)
		return 13;
	return -1;
}

/* ------------------------------------------------------------------ */
/* Keys as Go's json.Marshal renders them.                              */

static const char *
ec_curve_name(const EVP_PKEY *k)
{
	char name[64];
	size_t n = 0;

	if (!EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, sizeof(name), &n))
		return NULL;
	if (strcmp(name, "prime256v1") == 0 || strcmp(name, "P-256") == 0)
		return "P-256";
	if (strcmp(name, "secp384r1") == 0 || strcmp(name, "P-384") == 0)
		return "P-384";
	if (strcmp(name, "secp521r1") == 0 || strcmp(name, "P-521") == 0)
		return "P-521";
	if (strcmp(name, "secp224r1") == 0 || strcmp(name, "P-224") == 0)
		return "P-224";
	return NULL;
}

/* x509.PublicKeyAlgorithm, or -1 for a key Go refuses (EC curves it
 * does not know). */
static int
go_pkalg(const EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		return 1;
	case EVP_PKEY_DSA:
		return 2;
	case EVP_PKEY_EC:
		return ec_curve_name(k) != NULL ? 3 : -1;
	case EVP_PKEY_ED25519:
		return 4;
	default:
		return 0;
	}
}

/* Members "Name":number of key parameters. */
struct kparam {
	const char *name;
	const char *param;
};

static void
jkparams(struct rego_buf *b, const EVP_PKEY *k, const struct kparam *kp,
    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		jkey(b, kp[i].name);
		jbnparam(b, k, kp[i].param);
	}
}

/* *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, *dsa.PublicKey
 * (and the private forms when priv). */
static void
jkey_value(struct rego_buf *b, const EVP_PKEY *k, bool priv)
{
	static const struct kparam rsa_pub[] = {
		{ "N", OSSL_PKEY_PARAM_RSA_N }, { "E", OSSL_PKEY_PARAM_RSA_E },
	}, rsa_crt[] = {
		{ "Dp", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
		{ "Dq", OSSL_PKEY_PARAM_RSA_EXPONENT2 },
		{ "Qinv", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
	}, ec[] = {
		{ "X", OSSL_PKEY_PARAM_EC_PUB_X },
		{ "Y", OSSL_PKEY_PARAM_EC_PUB_Y },
		{ "D", OSSL_PKEY_PARAM_PRIV_KEY },
	}, dsa[] = {
		{ "P", OSSL_PKEY_PARAM_FFC_P }, { "Q", OSSL_PKEY_PARAM_FFC_Q },
		{ "G", OSSL_PKEY_PARAM_FFC_G },
	};
	uint8_t raw[64];
	size_t n = sizeof(raw);

	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		rb_putc(b, '{');
		jkparams(b, k, rsa_pub, 2);
		if (priv) {
			jkey(b, "D");
			jbnparam(b, k, OSSL_PKEY_PARAM_RSA_D);
			jkey(b, "Primes");
			rb_putc(b, '[');
			jbnparam(b, k, OSSL_PKEY_PARAM_RSA_FACTOR1);
			rb_putc(b, ',');
			jbnparam(b, k, OSSL_PKEY_PARAM_RSA_FACTOR2);
			rb_puts(b, "],\"Precomputed\":{");
			jkparams(b, k, rsa_crt, 3);
			rb_puts(b, ",\"CRTValues\":[]}");
		}
		rb_putc(b, '}');
		return;
	case EVP_PKEY_EC:
		rb_puts(b, "{\"Curve\":{}");
		jkparams(b, k, ec, priv ? 3 : 2);
		rb_putc(b, '}');
		return;
	case EVP_PKEY_ED25519:
		if (priv) {
			uint8_t both[64];
			size_t sn = 32, pn = 32;

			if (EVP_PKEY_get_raw_private_key(k, both, &sn) != 1 ||
			    EVP_PKEY_get_raw_public_key(k, both + 32, &pn) != 1) {
				rb_puts(b, "null");
				return;
			}
			jbytes(b, both, 64);
			OPENSSL_cleanse(both, sizeof(both));
			return;
		}
		if (EVP_PKEY_get_raw_public_key(k, raw, &n) != 1) {
			rb_puts(b, "null");
			return;
		}
		jbytes(b, raw, n);
		return;
	case EVP_PKEY_DSA:
		rb_puts(b, "{\"Parameters\":{");
		jkparams(b, k, dsa, 3);
		rb_putc(b, '}');
		jkey(b, "Y");
		jbnparam(b, k, OSSL_PKEY_PARAM_PUB_KEY);
		rb_putc(b, '}');
		return;
	default:
		rb_puts(b, "null");
	}
}

/* ------------------------------------------------------------------ */
/* Names, general names, extensions.                                    */

/* pkix.Name */
static void
jname(struct rego_buf *b, const X509_NAME *nm)
{
	static const struct {
		int nid;
		const char *field;
	} lists[] = {
		{ NID_countryName, "Country" },
		{ NID_organizationName, "Organization" },
		{ NID_organizationalUnitName, "OrganizationalUnit" },
		{ NID_localityName, "Locality" },
		{ NID_stateOrProvinceName, "Province" },
		{ NID_streetAddress, "StreetAddress" },
		{ NID_postalCode, "PostalCode" },
	};
	int cnt = nm != NULL ? X509_NAME_entry_count(nm) : 0, i;
	size_t l;

	rb_putc(b, '{');
	for (l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		bool any = false;

		jkey(b, lists[l].field);
		for (i = 0; i < cnt; i++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
			char *t;
			size_t n;

			if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) !=
			    lists[l].nid ||
			    (t = asn1_text(X509_NAME_ENTRY_get_data(e), &n)) ==
			    NULL)
				continue;
			rb_putc(b, any ? ',' : '[');
			any = true;
			jstr(b, t, n);
			OPENSSL_free(t);
		}
		rb_puts(b, any ? "]" : "null");
	}
	/* single-valued: the last one wins (Go) */
	for (l = 0; l < 2; l++) {
		int nid = l == 0 ? NID_serialNumber : NID_commonName;
		char *last = NULL;
		size_t lastn = 0;

		for (i = 0; i < cnt; i++) {
			const X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
			char *t;
			size_t n;

			if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nid ||
			    (t = asn1_text(X509_NAME_ENTRY_get_data(e), &n)) ==
			    NULL)
				continue;
			OPENSSL_free(last);
			last = t;
			lastn = n;
		}
		jkey(b, l == 0 ? "SerialNumber" : "CommonName");
		jstr(b, last != NULL ? last : "", lastn);
		OPENSSL_free(last);
	}
	jkey(b, "Names");
	if (cnt == 0)
		rb_puts(b, "null");
	else
		rb_putc(b, '[');
	for (i = 0; i < cnt; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
		char *t = asn1_text(X509_NAME_ENTRY_get_data(e), &l);

		jsep(b);
		rb_puts(b, "{\"Type\":");
		joid(b, X509_NAME_ENTRY_get_object(e));
		jkey(b, "Value");
		if (t != NULL)
			jstr(b, t, l);
		else
			rb_puts(b, "null");
		OPENSSL_free(t);
		rb_putc(b, '}');
	}
	if (cnt > 0)
		rb_putc(b, ']');
	jkey(b, "ExtraNames");
	rb_puts(b, "null}");
}

/* url.URL of a URI (Go's url.Parse, simplified: scheme, opaque,
 * authority, path, query, fragment). */
static void
jurl(struct rego_buf *b, const char *s, size_t n)
{
	size_t i = 0, sch = 0, q, f, hs = 0, he = 0, ps, pe;
	bool user = false, opaque = false;

	f = n;
	for (i = 0; i < n; i++)
		if (s[i] == '#') {
			f = i;
			break;
		}
	for (i = 0; i < f; i++) {
		char c = s[i];

		if (c == ':') {
			sch = i;
			break;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
		    c == '-' || c == '.'))))
			break;
	}
	q = f;
	for (i = sch > 0 ? sch + 1 : 0; i < f; i++)
		if (s[i] == '?') {
			q = i;
			break;
		}
	ps = sch > 0 ? sch + 1 : 0;
	pe = q;
	if (sch > 0 && ps < pe && s[ps] != '/')
		opaque = true;
	else if (pe - ps >= 2 && s[ps] == '/' && s[ps + 1] == '/') {
		hs = ps + 2;
		he = hs;
		while (he < pe && s[he] != '/')
			he++;
		for (i = hs; i < he; i++)
			if (s[i] == '@') {
				user = true;
				hs = i + 1;
			}
		ps = he;
	}
	rb_puts(b, "{\"Scheme\":");
	jstr(b, s, sch);
	jkey(b, "Opaque");
	jstr(b, s + ps, opaque ? pe - ps : 0);
	jkey(b, "User");
	rb_puts(b, user ? "{}" : "null");
	jkey(b, "Host");
	jstr(b, s + hs, he - hs);
	jkey(b, "Path");
	jstr(b, s + ps, opaque ? 0 : pe - ps);
	jkey(b, "RawPath");
	rb_puts(b, "\"\"");
	jkey(b, "OmitHost");
	rb_puts(b, "false");
	jkey(b, "ForceQuery");
	rb_puts(b, q + 1 == f && q < f ? "true" : "false");
	jkey(b, "RawQuery");
	jstr(b, s + (q < f ? q + 1 : f), q < f ? f - q - 1 : 0);
	jkey(b, "Fragment");
	jstr(b, s + (f < n ? f + 1 : n), f < n ? n - f - 1 : 0);
	jkey(b, "RawFragment");
	rb_puts(b, "\"\"}");
}

/* Subject alternative names (DNSNames, EmailAddresses, IPAddresses,
 * URIs and, for certificates, URIStrings). */
static void
jsans(struct rego_buf *b, const GENERAL_NAMES *gns, bool uristrings)
{
	static const int types[] = { GEN_DNS, GEN_EMAIL, GEN_IPADD, GEN_URI,
		GEN_URI };
	static const char *const names[] = { "DNSNames", "EmailAddresses",
		"IPAddresses", "URIs", "URIStrings" };
	int cnt = gns != NULL ? sk_GENERAL_NAME_num(gns) : 0, i;
	size_t t;

	for (t = 0; t < 5; t++) {
		bool any = false;

		if (t == 4 && !uristrings)
			break;
		jkey(b, names[t]);
		for (i = 0; i < cnt; i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gns, i);
			const ASN1_STRING *s;
			const char *d;
			size_t n;

			if (g->type != types[t])
				continue;
			s = g->type == GEN_IPADD ? g->d.iPAddress : g->d.ia5;
			d = (const char *)ASN1_STRING_get0_data(s);
			n = (size_t)ASN1_STRING_length(s);
			rb_putc(b, any ? ',' : '[');
			any = true;
			if (t == 2) {
				char ip[64];
				size_t ipn = rego_fmt_ip((const uint8_t *)d, n,
				    ip, sizeof(ip));

				jstr(b, ip, ipn);
			} else if (t == 3) {
				jurl(b, d, n);
			} else {
				jstr(b, d, n);
			}
		}
		rb_puts(b, any ? "]" : "null");
	}
}

/* A list of URIs from general names, appended to an open list. */
static void
juris(struct rego_buf *b, const GENERAL_NAMES *gns, bool *any)
{
	int i;

	for (i = 0; gns != NULL && i < sk_GENERAL_NAME_num(gns); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gns, i);

		if (g->type != GEN_URI)
			continue;
		rb_putc(b, *any ? ',' : '[');
		*any = true;
		jstr(b, (const char *)ASN1_STRING_get0_data(g->d.ia5),
		    (size_t)ASN1_STRING_length(g->d.ia5));
	}
}

static void
jextensions(struct rego_buf *b, const STACK_OF(X509_EXTENSION) *exts)
{
	int i, cnt = exts != NULL ? sk_X509_EXTENSION_num(exts) : 0;

	jkey(b, "Extensions");
	if (cnt == 0) {
		rb_puts(b, "null");
		return;
	}
	rb_putc(b, '[');
	for (i = 0; i < cnt; i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		jsep(b);
		rb_puts(b, "{\"Id\":");
		joid(b, X509_EXTENSION_get_object(e));
		jkey(b, "Critical");
		rb_puts(b, X509_EXTENSION_get_critical(e) > 0 ? "true" :
		    "false");
		jkey(b, "Value");
		jasn1bytes(b, X509_EXTENSION_get_data(e));
		rb_putc(b, '}');
	}
	rb_putc(b, ']');
}

/* Name constraints: Permitted/Excluded DNS, IP, email, URI. */
static void
jconstraints(struct rego_buf *b, const NAME_CONSTRAINTS *nc)
{
	static const char *const fields[] = { "DNSDomains", "IPRanges",
		"EmailAddresses", "URIDomains" };
	static const int types[] = { GEN_DNS, GEN_IPADD, GEN_EMAIL, GEN_URI };
	int side, i;
	size_t t;

	for (side = 0; side < 2; side++) {
		const STACK_OF(GENERAL_SUBTREE) *st = nc == NULL ? NULL :
		    side == 0 ? nc->permittedSubtrees : nc->excludedSubtrees;

		for (t = 0; t < 4; t++) {
			char key[40];
			bool any = false;

			snprintf(key, sizeof(key), "%s%s", side == 0 ?
			    "Permitted" : "Excluded", fields[t]);
			jkey(b, key);
			for (i = 0; st != NULL &&
			    i < sk_GENERAL_SUBTREE_num(st); i++) {
				const GENERAL_NAME *g =
				    sk_GENERAL_SUBTREE_value(st, i)->base;
				const ASN1_STRING *s;
				const uint8_t *d;
				size_t n;

				if (g->type != types[t])
					continue;
				s = g->type == GEN_IPADD ? g->d.iPAddress :
				    g->d.ia5;
				d = ASN1_STRING_get0_data(s);
				n = (size_t)ASN1_STRING_length(s);
				rb_putc(b, any ? ',' : '[');
				any = true;
				if (g->type == GEN_IPADD) {
					char ip[64];
					size_t ipn = n == 8 || n == 32 ?
					    rego_fmt_ip(d, n / 2, ip, sizeof(ip)) :
					    0;

					rb_puts(b, "{\"IP\":");
					jstr(b, ip, ipn);
					jkey(b, "Mask");
					jbytes(b, d + n / 2, n / 2);
					rb_putc(b, '}');
				} else {
					jstr(b, (const char *)d, n);
				}
			}
			rb_puts(b, any ? "]" : "null");
		}
	}
}

/* The extension-derived fields of x509.Certificate. */
static void
jcert_exts(struct rego_buf *b, X509 *x)
{
	ASN1_BIT_STRING *ku;
	BASIC_CONSTRAINTS *bc;
	EXTENDED_KEY_USAGE *eku;
	AUTHORITY_INFO_ACCESS *aia;
	GENERAL_NAMES *san;
	CRL_DIST_POINTS *dps;
	CERTIFICATEPOLICIES *pol;
	NAME_CONSTRAINTS *nc;
	const ASN1_OCTET_STRING *skid;
	const ASN1_OCTET_STRING *akid;
	long maxpath = 0;
	unsigned usage = 0;
	int crit = -1, i, j;
	bool any;

	jkey(b, "KeyUsage");
	if ((ku = X509_get_ext_d2i(x, NID_key_usage, NULL, NULL)) != NULL) {
		for (i = 0; i < 9; i++)
			if (ASN1_BIT_STRING_get_bit(ku, i))
				usage |= 1u << i;
		ASN1_BIT_STRING_free(ku);
	}
	rb_printf(b, "%u", usage);
	jextensions(b, X509_get0_extensions(x));
	jkey(b, "ExtraExtensions");
	rb_puts(b, "null");
	jkey(b, "UnhandledCriticalExtensions");
	rb_puts(b, "null");

	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	for (j = 0; j < 2; j++) {
		any = false;
		jkey(b, j == 0 ? "ExtKeyUsage" : "UnknownExtKeyUsage");
		for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++) {
			const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
			int g = go_eku(o);

			if ((j == 0) != (g >= 0))
				continue;
			rb_putc(b, any ? ',' : '[');
			any = true;
			if (j == 0)
				rb_printf(b, "%d", g);
			else
				joid(b, o);
		}
		rb_puts(b, any ? "]" : "null");
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);

	bc = X509_get_ext_d2i(x, NID_basic_constraints, NULL, NULL);
	if (bc != NULL)
		maxpath = bc->pathlen != NULL ?
		    ASN1_INTEGER_get(bc->pathlen) : -1;
	jkey(b, "BasicConstraintsValid");
	rb_puts(b, bc != NULL ? "true" : "false");
	jkey(b, "IsCA");
	rb_puts(b, bc != NULL && bc->ca ? "true" : "false");
	jkey(b, "MaxPathLen");
	rb_printf(b, "%ld", maxpath);
	jkey(b, "MaxPathLenZero");
	rb_puts(b, bc != NULL && maxpath == 0 ? "true" : "false");
	BASIC_CONSTRAINTS_free(bc);

	skid = X509_get0_subject_key_id(x);
	akid = X509_get0_authority_key_id(x);
	jkey(b, "SubjectKeyId");
	jasn1bytes(b, skid);
	jkey(b, "AuthorityKeyId");
	jasn1bytes(b, akid);

	aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	for (j = 0; j < 2; j++) {
		any = false;
		jkey(b, j == 0 ? "OCSPServer" : "IssuingCertificateURL");
		for (i = 0; aia != NULL &&
		    i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
			ACCESS_DESCRIPTION *ad =
			    sk_ACCESS_DESCRIPTION_value(aia, i);
			int m = OBJ_obj2nid(ad->method);

			if (m != (j == 0 ? NID_ad_OCSP : NID_ad_ca_issuers) ||
			    ad->location->type != GEN_URI)
				continue;
			rb_putc(b, any ? ',' : '[');
			any = true;
			jstr(b, (const char *)ASN1_STRING_get0_data(
			    ad->location->d.ia5),
			    (size_t)ASN1_STRING_length(ad->location->d.ia5));
		}
		rb_puts(b, any ? "]" : "null");
	}
	AUTHORITY_INFO_ACCESS_free(aia);

	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	jsans(b, san, false);
	GENERAL_NAMES_free(san);

	nc = X509_get_ext_d2i(x, NID_name_constraints, &crit, NULL);
	jkey(b, "PermittedDNSDomainsCritical");
	rb_puts(b, nc != NULL && crit > 0 ? "true" : "false");
	jconstraints(b, nc);
	NAME_CONSTRAINTS_free(nc);

	dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	jkey(b, "CRLDistributionPoints");
	any = false;
	for (i = 0; dps != NULL && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (dp->distpoint != NULL && dp->distpoint->type == 0)
			juris(b, dp->distpoint->name.fullname, &any);
	}
	rb_puts(b, any ? "]" : "null");
	CRL_DIST_POINTS_free(dps);

	pol = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	for (j = 0; j < 2; j++) {
		any = false;
		jkey(b, j == 0 ? "PolicyIdentifiers" : "Policies");
		for (i = 0; pol != NULL && i < sk_POLICYINFO_num(pol); i++) {
			const POLICYINFO *pi = sk_POLICYINFO_value(pol, i);

			rb_putc(b, any ? ',' : '[');
			any = true;
			if (j == 0)
				joid(b, pi->policyid);
			else
				joidtext(b, pi->policyid);
		}
		rb_puts(b, any ? "]" : "null");
	}
	CERTIFICATEPOLICIES_free(pol);
	rb_puts(b, ",\"InhibitAnyPolicy\":0,\"InhibitAnyPolicyZero\":false,"
	    "\"InhibitPolicyMapping\":0,\"InhibitPolicyMappingZero\":false,"
	    "\"RequireExplicitPolicy\":0,\"RequireExplicitPolicyZero\":false,"
	    "\"PolicyMappings\":null");
}

/* The SubjectAltName of a certificate for URIStrings. */
static void
juristrings(struct rego_buf *b, X509 *x)
{
	GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	bool any = false;

	jkey(b, "URIStrings");
	juris(b, san, &any);
	rb_puts(b, any ? "]" : "null");
	GENERAL_NAMES_free(san);
}

/* x509.Certificate (with OPA's URIStrings when uristrings). Returns
 * false when Go would refuse the certificate. */
static bool
jcert(struct rego_buf *b, X509 *x, const uint8_t *der, size_t n,
    bool uristrings)
{
	struct rawparts rp;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BIGNUM *serial;
	int mdnid = NID_undef, pknid, bits, pka;
	uint32_t flags;

	if (!raw_parts(der, n, false, &rp))
		return false;
	pka = pk != NULL ? go_pkalg(pk) : 0;
	if (pka < 0)
		return false;
	X509_get0_signature(&sig, &alg, x);
	(void)X509_get_signature_info(x, &mdnid, &pknid, &bits, &flags);
	rb_puts(b, "{\"Raw\":");
	jbytes(b, rp.raw.p, rp.raw.n);
	jkey(b, "RawTBSCertificate");
	jbytes(b, rp.tbs.p, rp.tbs.n);
	jkey(b, "RawSubjectPublicKeyInfo");
	jbytes(b, rp.spki.p, rp.spki.n);
	jkey(b, "RawSubject");
	jbytes(b, rp.subject.p, rp.subject.n);
	jkey(b, "RawIssuer");
	jbytes(b, rp.issuer.p, rp.issuer.n);
	jkey(b, "Signature");
	jasn1bytes(b, sig);
	jkey(b, "SignatureAlgorithm");
	rb_printf(b, "%d", go_sigalg(X509_get_signature_nid(x), mdnid));
	jkey(b, "PublicKeyAlgorithm");
	rb_printf(b, "%d", pka);
	jkey(b, "PublicKey");
	if (pk != NULL && pka > 0)
		jkey_value(b, pk, false);
	else
		rb_puts(b, "null");
	jkey(b, "Version");
	rb_printf(b, "%ld", X509_get_version(x) + 1);
	jkey(b, "SerialNumber");
	serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	jbn(b, serial);
	BN_free(serial);
	jkey(b, "Issuer");
	jname(b, X509_get_issuer_name(x));
	jkey(b, "Subject");
	jname(b, X509_get_subject_name(x));
	jkey(b, "NotBefore");
	jtime(b, X509_get0_notBefore(x));
	jkey(b, "NotAfter");
	jtime(b, X509_get0_notAfter(x));
	jcert_exts(b, x);
	if (uristrings)
		juristrings(b, x);
	rb_putc(b, '}');
	return true;
}

/* ------------------------------------------------------------------ */
/* JSON text to a value.                                                */

static int
json_value(ccakit_rego_bictx *ctx, struct rego_buf *b, const rv **out)
{
	char err[128];
	int rc;

	if (b->oom) {
		rb_free(b);
		return ccakit_rego_bi_error(ctx, "result exceeds %u bytes",
		    JSON_MAX);
	}
	rc = rego_json_parse(rego_bi_arena(ctx), rb_str(b), b->len,
	    CCAKIT_REGO_MAX_DEPTH, out, err, sizeof(err));
	rb_free(b);
	if (rc != CCAKIT_OK) {
		if (rego_bi_arena(ctx)->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "internal error: %s", err);
	}
	return CCAKIT_OK;
}

/* ------------------------------------------------------------------ */
/* Certificates.                                                        */

#define MAX_CERTS  256

struct certlist {
	X509 *x[MAX_CERTS];
	const uint8_t *der[MAX_CERTS];
	size_t len[MAX_CERTS];
	size_t n;
};

static void
certlist_free(struct certlist *cl)
{
	size_t i;

	for (i = 0; i < cl->n; i++)
		X509_free(cl->x[i]);
	cl->n = 0;
}

/* Go's x509.ParseCertificates of concatenated DER. */
static bool
parse_der_certs(struct certlist *cl, const uint8_t *der, size_t n,
    char *err, size_t errlen)
{
	while (n > 0) {
		const unsigned char *p = der;
		X509 *x;

		if (cl->n == MAX_CERTS) {
			snprintf(err, errlen, "x509: more than %d certificates",
			    MAX_CERTS);
			return false;
		}
		if (n > LONG_MAX || (x = d2i_X509(NULL, &p, (long)n)) == NULL) {
			snprintf(err, errlen, "x509: malformed certificate");
			return false;
		}
		cl->x[cl->n] = x;
		cl->der[cl->n] = der;
		cl->len[cl->n] = (size_t)(p - der);
		cl->n++;
		n -= (size_t)(p - der);
		der = p;
	}
	return true;
}

static bool
has_prefix(const char *s, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);

	return n >= k && memcmp(s, pfx, k) == 0;
}

/* OPA's getX509CertsFromString: PEM, or base64 of PEM or DER. False
 * with a message (Go's) in err; the arena may hold the decoded bytes. */
static bool
load_certs(ccakit_rego_bictx *ctx, const char *s, size_t n,
    struct certlist *cl, char *err, size_t errlen)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	uint8_t *buf, *all;
	size_t len, total = 0, rest, errpos;

	cl->n = 0;
	if (n > REGO_CRYPTO_MAX_INPUT) {
		snprintf(err, errlen, "input exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
		return false;
	}
	if (!has_prefix(s, n, "-----BEGIN")) {
		if ((buf = ra_alloc(ar, n / 4 * 3 + 4)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return false;
		}
		if (!rego_go_b64dec(s, n, 0, buf, &len, &errpos)) {
			snprintf(err, errlen, "illegal base64 data at input "
			    "byte %zu", errpos);
			return false;
		}
		if (!has_prefix((const char *)buf, len, "-----BEGIN"))
			return parse_der_certs(cl, buf, len, err, errlen);
		s = (const char *)buf;
		n = len;
	}
	/* PEM: every block must be a CERTIFICATE. */
	if ((all = ra_alloc(ar, n + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	while (n > 0) {
		struct rego_pem blk;

		if (!rego_pem_decode(ar, s, n, &blk, &rest)) {
			if (ar->failed) {
				snprintf(err, errlen, "out of memory");
				return false;
			}
			break;
		}
		if (!rego_pem_is(&blk, "CERTIFICATE")) {
			snprintf(err, errlen, "PEM block type is '%.*s', "
			    "expected CERTIFICATE", (int)blk.typelen, blk.type);
			return false;
		}
		memcpy(all + total, blk.der, blk.derlen);
		total += blk.derlen;
		s += rest;
		n -= rest;
	}
	return parse_der_certs(cl, all, total, err, errlen);
}

/* JSON array of certificates (indexes idx[0..n) of cl). */
static bool
jcerts(struct rego_buf *b, const struct certlist *cl, const size_t *idx,
    size_t n, bool uristrings)
{
	size_t i;

	rb_putc(b, '[');
	for (i = 0; i < n; i++) {
		size_t k = idx != NULL ? idx[i] : i;

		jsep(b);
		if (!jcert(b, cl->x[k], cl->der[k], cl->len[k], uristrings))
			return false;
	}
	rb_putc(b, ']');
	return true;
}

static int
bi_x509_parse_certificates(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct certlist cl;
	struct rego_buf b;
	char err[160];
	bool ok;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if (!load_certs(ctx, a[0]->u.s, a[0]->n, &cl, err, sizeof(err))) {
		certlist_free(&cl);
		if (rego_bi_arena(ctx)->failed)
			return rego_bi_nomem(ctx);
		return ccakit_rego_bi_error(ctx, "%s", err);
	}
	rb_init(&b, JSON_MAX);
	ok = jcerts(&b, &cl, NULL, cl.n, true);
	certlist_free(&cl);
	if (!ok) {
		rb_free(&b);
		return ccakit_rego_bi_error(ctx, "x509: unsupported elliptic "
		    "curve");
	}
	return json_value(ctx, &b, out);
}

/* Verification options (Go's x509.VerifyOptions subset OPA exposes). */
struct vopts {
	char dns[256];
	bool has_time;
	int64_t time_ns;
	int usages[16];
	size_t nusages;
};

static const char *const usage_names[] = {
	"KeyUsageAny", "KeyUsageServerAuth", "KeyUsageClientAuth",
	"KeyUsageCodeSigning", "KeyUsageEmailProtection",
	"KeyUsageIPSECEndSystem", "KeyUsageIPSECTunnel", "KeyUsageIPSECUser",
	"KeyUsageTimeStamping", "KeyUsageOCSPSigning",
	"KeyUsageMicrosoftServerGatedCrypto",
	"KeyUsageNetscapeServerGatedCrypto",
	"KeyUsageMicrosoftCommercialCodeSigning",
	"KeyUsageMicrosoftKernelCodeSigning",
};

/* Go's checkChainForKeyUsage (chain: leaf first). */
static bool
chain_key_usage(STACK_OF(X509) *chain, const int *want, size_t nwant)
{
	int usages[16], remaining = (int)nwant, i;
	size_t u;

	memcpy(usages, want, nwant * sizeof(int));
	for (i = sk_X509_num(chain) - 1; i >= 0; i--) {
		EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(
		    sk_X509_value(chain, i), NID_ext_key_usage, NULL, NULL);
		int known[64], nk = 0, k;
		bool any = false;

		if (eku == NULL || sk_ASN1_OBJECT_num(eku) == 0) {
			sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
			continue;
		}
		for (k = 0; k < sk_ASN1_OBJECT_num(eku) && nk < 64; k++) {
			int g = go_eku(sk_ASN1_OBJECT_value(eku, k));

			if (g == 0)
				any = true;
			if (g >= 0)
				known[nk++] = g;
		}
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
		if (any)
			continue;
		for (u = 0; u < nwant; u++) {
			bool found = false;

			if (usages[u] < 0)
				continue;
			for (k = 0; k < nk; k++)
				if (known[k] == usages[u])
					found = true;
			if (found)
				continue;
			usages[u] = -1;
			if (--remaining == 0)
				return false;
		}
	}
	return true;
}

/* Verify certs[n-1] up to certs[0] (the root; others intermediates).
 * On success, idx[0..*nidx) is the chain, leaf first. */
static bool
verify_chain(ccakit_rego_bictx *ctx, const struct certlist *cl,
    const struct vopts *o, size_t *idx, size_t *nidx)
{
	X509_STORE *st = NULL;
	X509_STORE_CTX *sc = NULL;
	STACK_OF(X509) *mid = NULL, *chain = NULL;
	X509_VERIFY_PARAM *vp;
	int defusage = 1;
	const int *usages = o->nusages > 0 ? o->usages : &defusage;
	size_t nusages = o->nusages > 0 ? o->nusages : 1, i, k;
	int64_t ns = o->has_time ? o->time_ns : ccakit_rego_bi_now_ns(ctx);
	bool ok = false, anyusage = false;

	if (cl->n < 2)
		return false;
	if ((st = X509_STORE_new()) == NULL ||
	    X509_STORE_add_cert(st, cl->x[0]) != 1 ||
	    (mid = sk_X509_new_null()) == NULL ||
	    (sc = X509_STORE_CTX_new()) == NULL)
		goto out;
	for (i = 1; i + 1 < cl->n; i++)
		if (!sk_X509_push(mid, cl->x[i]))
			goto out;
	if (X509_STORE_CTX_init(sc, st, cl->x[cl->n - 1], mid) != 1)
		goto out;
	vp = X509_STORE_CTX_get0_param(sc);
	X509_VERIFY_PARAM_set_flags(vp, X509_V_FLAG_PARTIAL_CHAIN);
	X509_VERIFY_PARAM_set_time(vp, (time_t)(ns / 1000000000 -
	    (ns % 1000000000 < 0 ? 1 : 0)));
	if (o->dns[0] != '\0') {
		X509_VERIFY_PARAM_set_hostflags(vp,
		    X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (X509_VERIFY_PARAM_set1_ip_asc(vp, o->dns) != 1 &&
		    X509_VERIFY_PARAM_set1_host(vp, o->dns, 0) != 1)
			goto out;
	}
	if (X509_verify_cert(sc) != 1 ||
	    (chain = X509_STORE_CTX_get1_chain(sc)) == NULL)
		goto out;
	for (i = 0; i < nusages; i++)
		if (usages[i] == 0)
			anyusage = true;
	if (!anyusage && !chain_key_usage(chain, usages, nusages))
		goto out;
	*nidx = 0;
	for (i = 0; i < (size_t)sk_X509_num(chain) && i < MAX_CERTS; i++)
		for (k = 0; k < cl->n; k++)
			if (cl->x[k] == sk_X509_value(chain, (int)i)) {
				idx[(*nidx)++] = k;
				break;
			}
	ok = *nidx == (size_t)sk_X509_num(chain);
out:
	sk_X509_pop_free(chain, X509_free);
	sk_X509_free(mid);
	X509_STORE_CTX_free(sc);
	X509_STORE_free(st);
	return ok;
}

static int
verify_certs(ccakit_rego_bictx *ctx, const rv *certs, const struct vopts *o,
    bool uristrings, const rv **out)
{
	struct certlist cl;
	struct rego_buf b;
	size_t idx[MAX_CERTS], nidx = 0;
	char err[160];
	bool ok;

	if (!load_certs(ctx, certs->u.s, certs->n, &cl, err, sizeof(err)) ||
	    !verify_chain(ctx, &cl, o, idx, &nidx)) {
		const rv *pair[2] = { RV_FALSE, &rv_empty_arr_v };

		certlist_free(&cl);
		if (rego_bi_arena(ctx)->failed)
			return rego_bi_nomem(ctx);
		NOMEM_IF(ctx, *out = rv_arr_copy(rego_bi_arena(ctx), pair, 2));
		return CCAKIT_OK;
	}
	rb_init(&b, JSON_MAX);
	rb_puts(&b, "[true,");
	ok = jcerts(&b, &cl, idx, nidx, uristrings);
	rb_putc(&b, ']');
	certlist_free(&cl);
	if (!ok) {
		rb_free(&b);
		return ccakit_rego_bi_error(ctx, "x509: unsupported elliptic "
		    "curve");
	}
	return json_value(ctx, &b, out);
}

static int
bi_x509_parse_and_verify(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct vopts o;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	memset(&o, 0, sizeof(o));
	return verify_certs(ctx, a[0], &o, true, out);
}

/* OPA's extractVerifyOpts. */
static int
verify_opts(ccakit_rego_bictx *ctx, const rv *obj, struct vopts *o)
{
	uint32_t i, j;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < obj->n; i++) {
		const rv *k = obj->u.a[i], *v = rv_obj_vals(obj)[i];

		if (k->t != RV_STR)
			continue;
		if (strcmp(k->u.s, "DNSName") == 0) {
			const char *s;
			size_t n;

			if (v->t != RV_STR)
				return ccakit_rego_bi_error(ctx,
				    "'DNSName' should be a string");
			s = v->u.s;
			n = v->n;
			while (n > 0 && s[0] == '"') {
				s++;
				n--;
			}
			while (n > 0 && s[n - 1] == '"')
				n--;
			if (n >= sizeof(o->dns) || memchr(s, '\0', n) != NULL)
				return ccakit_rego_bi_error(ctx,
				    "'DNSName' is too long");
			memcpy(o->dns, s, n);
			o->dns[n] = '\0';
		} else if (strcmp(k->u.s, "CurrentTime") == 0) {
			if (v->t != RV_NUM)
				return ccakit_rego_bi_error(ctx,
				    "'CurrentTime' should be a number");
			if (!rv_num_i64(v, &o->time_ns))
				return ccakit_rego_bi_error(ctx, "'CurrentTime' "
				    "should be a valid int64 number");
			o->has_time = true;
		} else if (strcmp(k->u.s, "MaxConstraintComparisons") == 0) {
			int64_t m;

			if (v->t != RV_NUM)
				return ccakit_rego_bi_error(ctx, "'MaxConstraint"
				    "Comparisons' should be a number");
			if (!rv_num_i64(v, &m))
				return ccakit_rego_bi_error(ctx, "'MaxConstraint"
				    "Comparisons' should be a valid number");
		} else if (strcmp(k->u.s, "KeyUsages") == 0) {
			struct rego_buf bad;
			bool anybad = false;

			if (v->t != RV_ARR && v->t != RV_SET)
				return ccakit_rego_bi_error(ctx,
				    "'KeyUsages' should be an Array or Set");
			rb_init(&bad, 4096);
			for (j = 0; j < v->n; j++) {
				const rv *u = v->u.a[j];
				size_t m;

				if (u->t != RV_STR)
					continue;
				for (m = 0; m < sizeof(usage_names) /
				    sizeof(usage_names[0]); m++)
					if (strcmp(u->u.s, usage_names[m]) == 0)
						break;
				if (m < sizeof(usage_names) /
				    sizeof(usage_names[0])) {
					if (o->nusages < 16)
						o->usages[o->nusages++] = (int)m;
					continue;
				}
				rb_puts(&bad, anybad ? " " : "[");
				rb_put(&bad, u->u.s, u->n);
				anybad = true;
			}
			if (anybad) {
				int rc = ccakit_rego_bi_error(ctx, "invalid "
				    "entries for 'KeyUsages' found: %s]",
				    rb_str(&bad));

				rb_free(&bad);
				return rc;
			}
			rb_free(&bad);
		} else {
			return ccakit_rego_bi_error(ctx, "invalid key option");
		}
	}
	return CCAKIT_OK;
}

static int
bi_x509_parse_and_verify_opts(ccakit_rego_bictx *ctx, args_t a,
    const rv **out)
{
	struct certlist cl;
	struct vopts o;
	char err[160];
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	BI_NEED(ctx, a, 1, RV_OBJ, "object");
	/* certificates that do not parse: [false, []] before options */
	if (!load_certs(ctx, a[0]->u.s, a[0]->n, &cl, err, sizeof(err))) {
		const rv *pair[2] = { RV_FALSE, &rv_empty_arr_v };

		certlist_free(&cl);
		if (rego_bi_arena(ctx)->failed)
			return rego_bi_nomem(ctx);
		NOMEM_IF(ctx, *out = rv_arr_copy(rego_bi_arena(ctx), pair, 2));
		return CCAKIT_OK;
	}
	certlist_free(&cl);
	if ((rc = verify_opts(ctx, a[1], &o)) != CCAKIT_OK)
		return rc;
	return verify_certs(ctx, a[0], &o, false, out);
}

/* ------------------------------------------------------------------ */
/* Certificate requests.                                                */

static int
bi_x509_parse_csr(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const uint8_t *der;
	const unsigned char *p;
	const char *text;
	uint8_t *buf;
	size_t len, rest;
	struct rego_pem blk;
	struct rawparts rp;
	struct rego_buf b;
	X509_REQ *req;
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES *san = NULL;
	const ASN1_BIT_STRING *sig;
	const X509_ALGOR *alg;
	EVP_PKEY *pk;
	int rc, i, pka, nid;

	BI_STR(ctx, a, 0, text, len);
	der = (const uint8_t *)text;
	if (len > REGO_CRYPTO_MAX_INPUT)
		return ccakit_rego_bi_error(ctx, "input exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
	if (!has_prefix(a[0]->u.s, len, "-----BEGIN CERTIFICATE REQUEST-----")) {
		if ((rc = std_b64(ctx, a[0]->u.s, len, &buf, &len)) !=
		    CCAKIT_OK)
			return rc;
		der = buf;
	}
	if (rego_pem_decode(ar, (const char *)der, len, &blk, &rest)) {
		if (!rego_pem_is(&blk, "CERTIFICATE REQUEST"))
			return ccakit_rego_bi_error(ctx, "invalid PEM-encoded "
			    "certificate signing request");
		der = blk.der;
		len = blk.derlen;
	}
	if (ar->failed)
		return rego_bi_nomem(ctx);
	p = der;
	if (len > LONG_MAX || !raw_parts(der, len, true, &rp) ||
	    (req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL)
		return ccakit_rego_bi_error(ctx, "asn1: structure error: "
		    "malformed certificate request");
	if ((size_t)(p - der) != len) {
		X509_REQ_free(req);
		return ccakit_rego_bi_error(ctx, "x509: trailing data");
	}
	pk = X509_REQ_get0_pubkey(req);
	pka = pk != NULL ? go_pkalg(pk) : 0;
	X509_REQ_get0_signature(req, &sig, &alg);
	nid = X509_REQ_get_signature_nid(req);
	rb_init(&b, JSON_MAX);
	rb_puts(&b, "{\"Raw\":");
	jbytes(&b, rp.raw.p, rp.raw.n);
	jkey(&b, "RawTBSCertificateRequest");
	jbytes(&b, rp.tbs.p, rp.tbs.n);
	jkey(&b, "RawSubjectPublicKeyInfo");
	jbytes(&b, rp.spki.p, rp.spki.n);
	jkey(&b, "RawSubject");
	jbytes(&b, rp.subject.p, rp.subject.n);
	jkey(&b, "Version");
	rb_printf(&b, "%ld", X509_REQ_get_version(req));
	jkey(&b, "Signature");
	jasn1bytes(&b, sig);
	jkey(&b, "SignatureAlgorithm");
	rb_printf(&b, "%d", go_sigalg(nid, nid == NID_rsassaPss ?
	    pss_md(alg) : NID_undef));
	jkey(&b, "PublicKeyAlgorithm");
	rb_printf(&b, "%d", pka > 0 ? pka : 0);
	jkey(&b, "PublicKey");
	if (pk != NULL && pka > 0)
		jkey_value(&b, pk, false);
	else
		rb_puts(&b, "null");
	jkey(&b, "Subject");
	jname(&b, X509_REQ_get_subject_name(req));
	jkey(&b, "Attributes");
	rb_puts(&b, "null");
	exts = X509_REQ_get_extensions(req);
	jextensions(&b, exts);
	jkey(&b, "ExtraExtensions");
	rb_puts(&b, "null");
	for (i = 0; exts != NULL && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) ==
		    NID_subject_alt_name) {
			GENERAL_NAMES_free(san);
			san = X509V3_EXT_d2i(e);
		}
	}
	jsans(&b, san, false);
	rb_putc(&b, '}');
	GENERAL_NAMES_free(san);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	return json_value(ctx, &b, out);
}

/* ------------------------------------------------------------------ */
/* Private keys.                                                        */

/* A private key from DER of a PEM block type OPA reads (RSA PRIVATE
 * KEY, PRIVATE KEY, EC PRIVATE KEY): true with *pk (NULL for other
 * types), or false with Go's wording of the failure in *err. */
static bool
private_key_der(const struct rego_pem *blk, EVP_PKEY **pk, const char **err)
{
	const unsigned char *p = blk->der;
	long n = (long)blk->derlen;
	int id;

	*pk = NULL;
	if (blk->derlen > LONG_MAX) {
		*err = "x509: key too large";
		return false;
	}
	if (rego_pem_is(blk, "RSA PRIVATE KEY")) {
		if ((*pk = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, n)) == NULL) {
			*err = "x509: failed to parse PKCS#1 private key";
			return false;
		}
	} else if (rego_pem_is(blk, "PRIVATE KEY")) {
		PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, n);

		if (p8 != NULL)
			*pk = EVP_PKCS82PKEY(p8);
		PKCS8_PRIV_KEY_INFO_free(p8);
		if (*pk == NULL) {
			*err = "x509: failed to parse PKCS#8 private key";
			return false;
		}
		id = EVP_PKEY_get_base_id(*pk);
		if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC &&
		    id != EVP_PKEY_ED25519) {
			EVP_PKEY_free(*pk);
			*pk = NULL;
			*err = "x509: PKCS#8 wrapping contained private key "
			    "with unknown algorithm";
			return false;
		}
	} else if (rego_pem_is(blk, "EC PRIVATE KEY")) {
		if ((*pk = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, n)) == NULL) {
			*err = "x509: failed to parse EC private key";
			return false;
		}
	}
	if (*pk != NULL && EVP_PKEY_get_base_id(*pk) == EVP_PKEY_EC &&
	    ec_curve_name(*pk) == NULL) {
		EVP_PKEY_free(*pk);
		*pk = NULL;
		*err = "x509: unknown elliptic curve";
		return false;
	}
	return true;
}

#define MAX_KEYS  64

/* OPA's getPrivateKeysFromPEMData: keys[0..*n), caller frees. */
static int
private_keys(ccakit_rego_bictx *ctx, const char *s, size_t n,
    EVP_PKEY **keys, size_t *nkeys)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const char *err = NULL;
	uint8_t *buf;
	size_t len, errpos, rest;
	bool ok;

	*nkeys = 0;
	if (n > REGO_CRYPTO_MAX_INPUT)
		return ccakit_rego_bi_error(ctx, "input exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
	NOMEM_IF(ctx, buf = ra_alloc(ar, n / 4 * 3 + 4));
	if (rego_go_b64dec(s, n, 0, buf, &len, &errpos)) {
		s = (const char *)buf;
		n = len;
	} else {
		len = 0;
	}
	while (n > 0) {
		struct rego_pem blk;
		EVP_PKEY *k;

		if (!rego_pem_decode(ar, s, n, &blk, &rest)) {
			if (ar->failed)
				return rego_bi_nomem(ctx);
			break;
		}
		ok = private_key_der(&blk, &k, &err);
		OPENSSL_cleanse(blk.der, blk.derlen);
		if (!ok)
			return ccakit_rego_bi_error(ctx, "%s", err);
		if (k != NULL) {
			if (*nkeys == MAX_KEYS) {
				EVP_PKEY_free(k);
				return ccakit_rego_bi_error(ctx, "more than %d "
				    "keys", MAX_KEYS);
			}
			keys[(*nkeys)++] = k;
		}
		s += rest;
		n -= rest;
	}
	OPENSSL_cleanse(buf, len);
	return CCAKIT_OK;
}

static void
free_keys(EVP_PKEY **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		EVP_PKEY_free(keys[i]);
}

static int
bi_parse_private_keys(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	EVP_PKEY *keys[MAX_KEYS];
	struct rego_buf b;
	size_t n, i;
	int rc;

	BI_NEED(ctx, a, 0, RV_STR, "string");
	if (a[0]->n == 0) {
		*out = RV_NULLV;
		return CCAKIT_OK;
	}
	if ((rc = private_keys(ctx, a[0]->u.s, a[0]->n, keys, &n)) !=
	    CCAKIT_OK) {
		free_keys(keys, n);
		return rc;
	}
	rb_init(&b, JSON_MAX);
	rb_putc(&b, '[');
	for (i = 0; i < n; i++) {
		jsep(&b);
		jkey_value(&b, keys[i], true);
	}
	rb_putc(&b, ']');
	free_keys(keys, n);
	rc = json_value(ctx, &b, out);
	return rc;
}

/* Base64url (no padding) of a key parameter, as a JSON member. */
static void
jwk_member(struct rego_buf *b, const char *name, const EVP_PKEY *k,
    const char *param)
{
	BIGNUM *bn = NULL;
	uint8_t buf[1024];
	char enc[1400];
	int n;

	if (!EVP_PKEY_get_bn_param(k, param, &bn))
		return;
	n = BN_num_bytes(bn);
	if (n >= 0 && (size_t)n <= sizeof(buf) &&
	    BN_bn2bin(bn, buf) == n && ccakit_b64_encode(buf, (size_t)n,
	    CCAKIT_B64_URL, enc, sizeof(enc)) == CCAKIT_OK) {
		jkey(b, name);
		jcstr(b, enc);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(enc, sizeof(enc));
	BN_clear_free(bn);
}

/* crypto.x509.parse_rsa_private_key: the first key as a JWK. */
static int
bi_parse_rsa_private_key(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	EVP_PKEY *keys[MAX_KEYS];
	struct rego_buf b;
	const char *s;
	size_t n, len;
	uint8_t *buf;
	int rc, id;

	BI_STR(ctx, a, 0, s, len);
	if (len == 0)
		return ccakit_rego_bi_error(ctx, "input PEM data was empty");
	if (!has_prefix(s, len, "-----BEGIN")) {
		if ((rc = std_b64(ctx, s, len, &buf, &len)) != CCAKIT_OK)
			return rc;
		s = (const char *)buf;
	}
	if ((rc = private_keys(ctx, s, len, keys, &n)) != CCAKIT_OK) {
		free_keys(keys, n);
		return rc;
	}
	if (n == 0) {
		*out = RV_NULLV;
		return CCAKIT_OK;
	}
	id = EVP_PKEY_get_base_id(keys[0]);
	rb_init(&b, JSON_MAX);
	if (id == EVP_PKEY_RSA) {
		rb_puts(&b, "{\"kty\":\"RSA\"");
		jwk_member(&b, "n", keys[0], OSSL_PKEY_PARAM_RSA_N);
		jwk_member(&b, "e", keys[0], OSSL_PKEY_PARAM_RSA_E);
		jwk_member(&b, "d", keys[0], OSSL_PKEY_PARAM_RSA_D);
		jwk_member(&b, "p", keys[0], OSSL_PKEY_PARAM_RSA_FACTOR1);
		jwk_member(&b, "q", keys[0], OSSL_PKEY_PARAM_RSA_FACTOR2);
		jwk_member(&b, "dp", keys[0], OSSL_PKEY_PARAM_RSA_EXPONENT1);
		jwk_member(&b, "dq", keys[0], OSSL_PKEY_PARAM_RSA_EXPONENT2);
		jwk_member(&b, "qi", keys[0], OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
		rb_putc(&b, '}');
	} else if (id == EVP_PKEY_EC) {
		rb_puts(&b, "{\"kty\":\"EC\",\"crv\":");
		jcstr(&b, ec_curve_name(keys[0]));
		jwk_member(&b, "x", keys[0], OSSL_PKEY_PARAM_EC_PUB_X);
		jwk_member(&b, "y", keys[0], OSSL_PKEY_PARAM_EC_PUB_Y);
		jwk_member(&b, "d", keys[0], OSSL_PKEY_PARAM_PRIV_KEY);
		rb_putc(&b, '}');
	} else {
		rb_free(&b);
		free_keys(keys, n);
		return ccakit_rego_bi_error(ctx, "invalid key type");
	}
	free_keys(keys, n);
	rc = json_value(ctx, &b, out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Key pairs (Go's tls.X509KeyPair).                                    */

/* "[A B]" of PEM block types, as Go's %v of a []string. */
static void
types_list(struct rego_buf *t, const char *type, size_t n)
{
	rb_puts(t, t->len == 0 ? "[" : " ");
	rb_put(t, type, n);
}

static int
keypair_fail_types(ccakit_rego_bictx *ctx, struct rego_buf *t, bool key)
{
	int rc;

	rb_putc(t, ']');
	if (key)
		rc = ccakit_rego_bi_error(ctx, "tls: failed to find PEM block "
		    "with type ending in \"PRIVATE KEY\" in key input after "
		    "skipping PEM blocks of the following types: %s",
		    rb_str(t));
	else
		rc = ccakit_rego_bi_error(ctx, "tls: failed to find "
		    "\"CERTIFICATE\" PEM block in certificate input after "
		    "skipping PEM blocks of the following types: %s",
		    rb_str(t));
	rb_free(t);
	return rc;
}

static int
bi_x509_parse_keypair(ccakit_rego_bictx *ctx, args_t a, const rv **out)
{
	struct rego_arena *ar = rego_bi_arena(ctx);
	const char *cs, *ks;
	size_t cn, kn, rest, i, ncerts = 0, nskip = 0;
	uint8_t *buf;
	bool cder = false, kder = false;
	struct rego_pem cb[MAX_CERTS], kb;
	struct rego_buf t, b;
	const char *lastskip = NULL;
	size_t lastskipn = 0;
	EVP_PKEY *pk = NULL, *pub;
	X509 *leaf;
	const unsigned char *p;
	int rc;

	BI_STR(ctx, a, 0, cs, cn);
	BI_STR(ctx, a, 1, ks, kn);
	if (cn > REGO_CRYPTO_MAX_INPUT || kn > REGO_CRYPTO_MAX_INPUT)
		return ccakit_rego_bi_error(ctx, "input exceeds %u bytes",
		    REGO_CRYPTO_MAX_INPUT);
	if (!has_prefix(cs, cn, "-----BEGIN ")) {
		if ((rc = std_b64(ctx, cs, cn, &buf, &cn)) != CCAKIT_OK)
			return rc;
		cs = (const char *)buf;
		cder = !has_prefix(cs, cn, "-----BEGIN ");
	}
	if (!has_prefix(ks, kn, "-----BEGIN")) {
		if ((rc = std_b64(ctx, ks, kn, &buf, &kn)) != CCAKIT_OK)
			return rc;
		ks = (const char *)buf;
		kder = !has_prefix(ks, kn, "-----BEGIN");
	}
	rb_init(&t, 4096);
	if (cder) {
		cb[0].der = (uint8_t *)(uintptr_t)cs;
		cb[0].derlen = cn;
		ncerts = 1;
	}
	while (!cder && cn > 0 && rego_pem_decode(ar, cs, cn, &kb, &rest)) {
		if (rego_pem_is(&kb, "CERTIFICATE")) {
			if (ncerts == MAX_CERTS) {
				rb_free(&t);
				return ccakit_rego_bi_error(ctx, "more than %d "
				    "certificates", MAX_CERTS);
			}
			cb[ncerts++] = kb;
		} else {
			types_list(&t, kb.type, kb.typelen);
			lastskip = kb.type;
			lastskipn = kb.typelen;
			nskip++;
		}
		cs += rest;
		cn -= rest;
	}
	if (ncerts == 0) {
		if (nskip == 0) {
			rb_free(&t);
			return ccakit_rego_bi_error(ctx, "tls: failed to find "
			    "any PEM data in certificate input");
		}
		if (nskip == 1 && lastskipn >= 11 && memcmp(lastskip +
		    lastskipn - 11, "PRIVATE KEY", 11) == 0) {
			rb_free(&t);
			return ccakit_rego_bi_error(ctx, "tls: failed to find "
			    "certificate PEM data in certificate input, but did "
			    "find a private key; PEM inputs may have been "
			    "switched");
		}
		return keypair_fail_types(ctx, &t, false);
	}
	rb_free(&t);
	rb_init(&t, 4096);
	nskip = 0;
	if (kder) {
		kb.type = "PRIVATE KEY";
		kb.typelen = 11;
		kb.der = (uint8_t *)(uintptr_t)ks;
		kb.derlen = kn;
	} else {
		for (;;) {
			if (kn == 0 || !rego_pem_decode(ar, ks, kn, &kb, &rest)) {
				if (nskip == 0) {
					rb_free(&t);
					return ccakit_rego_bi_error(ctx, "tls: "
					    "failed to find any PEM data in key "
					    "input");
				}
				if (nskip == 1 && lastskipn == 11 &&
				    memcmp(lastskip, "CERTIFICATE", 11) == 0) {
					rb_free(&t);
					return ccakit_rego_bi_error(ctx, "tls: "
					    "found a certificate rather than a "
					    "key in the PEM for the private key");
				}
				return keypair_fail_types(ctx, &t, true);
			}
			ks += rest;
			kn -= rest;
			if (rego_pem_is(&kb, "PRIVATE KEY") || (kb.typelen >= 12 &&
			    memcmp(kb.type + kb.typelen - 12, " PRIVATE KEY",
			    12) == 0))
				break;
			types_list(&t, kb.type, kb.typelen);
			lastskip = kb.type;
			lastskipn = kb.typelen;
			nskip++;
		}
	}
	rb_free(&t);
	p = cb[0].der;
	if (cb[0].derlen > LONG_MAX ||
	    (leaf = d2i_X509(NULL, &p, (long)cb[0].derlen)) == NULL)
		return ccakit_rego_bi_error(ctx, "x509: malformed certificate");
	/* Go's tls parsePrivateKey: PKCS#1, PKCS#8, then SEC 1. */
	{
		static const char *const types[] = { "RSA PRIVATE KEY",
			"PRIVATE KEY", "EC PRIVATE KEY" };
		struct rego_pem try = kb;
		const char *err;

		for (i = 0; i < 3 && pk == NULL; i++) {
			try.type = types[i];
			try.typelen = strlen(types[i]);
			(void)private_key_der(&try, &pk, &err);
		}
	}
	OPENSSL_cleanse(kb.der, kb.derlen);
	if (pk == NULL) {
		X509_free(leaf);
		return ccakit_rego_bi_error(ctx,
		    "tls: failed to parse private key");
	}
	pub = X509_get0_pubkey(leaf);
	rc = CCAKIT_OK;
	if (pub == NULL || (EVP_PKEY_get_base_id(pub) != EVP_PKEY_RSA &&
	    EVP_PKEY_get_base_id(pub) != EVP_PKEY_EC &&
	    EVP_PKEY_get_base_id(pub) != EVP_PKEY_ED25519))
		rc = ccakit_rego_bi_error(ctx, "tls: unknown public key "
		    "algorithm");
	else if (EVP_PKEY_get_base_id(pub) != EVP_PKEY_get_base_id(pk))
		rc = ccakit_rego_bi_error(ctx, "tls: private key type does "
		    "not match public key type");
	else if (EVP_PKEY_eq(pub, pk) != 1)
		rc = ccakit_rego_bi_error(ctx, "tls: private key does not "
		    "match public key");
	if (rc != CCAKIT_OK) {
		EVP_PKEY_free(pk);
		X509_free(leaf);
		return rc;
	}
	rb_init(&b, JSON_MAX);
	rb_puts(&b, "{\"Certificate\":[");
	for (i = 0; i < ncerts; i++) {
		jsep(&b);
		jbytes(&b, cb[i].der, cb[i].derlen);
	}
	rb_putc(&b, ']');
	jkey(&b, "PrivateKey");
	jkey_value(&b, pk, true);
	rb_puts(&b, ",\"SupportedSignatureAlgorithms\":null,"
	    "\"OCSPStaple\":null,\"SignedCertificateTimestamps\":null");
	jkey(&b, "Leaf");
	if (!jcert(&b, leaf, cb[0].der, (size_t)(p - cb[0].der), false))
		rb_puts(&b, "null");
	rb_putc(&b, '}');
	EVP_PKEY_free(pk);
	X509_free(leaf);
	return json_value(ctx, &b, out);
}

const struct rego_bi_def rego_bi_x509[] = {
	{ "crypto.x509.parse_certificates", 1, 0,
	    bi_x509_parse_certificates },
	{ "crypto.x509.parse_and_verify_certificates", 1,
	    CCAKIT_REGO_BI_NONDET, bi_x509_parse_and_verify },
	{ "crypto.x509.parse_and_verify_certificates_with_options", 2,
	    CCAKIT_REGO_BI_NONDET, bi_x509_parse_and_verify_opts },
	{ "crypto.x509.parse_certificate_request", 1, 0, bi_x509_parse_csr },
	{ "crypto.x509.parse_keypair", 2, 0, bi_x509_parse_keypair },
	{ "crypto.x509.parse_rsa_private_key", 1, 0,
	    bi_parse_rsa_private_key },
	{ "crypto.parse_private_keys", 1, 0, bi_parse_private_keys },
	{ NULL, 0, 0, NULL },
};
