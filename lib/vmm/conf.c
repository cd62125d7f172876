/*
 * Host capability files (upstream configs/NAME.conf): the TOML subset they
 * use, i.e. `key = value` lines with integers, booleans and strings, and
 * comments. Unknown keys and repeated keys are errors (serde's
 * deny_unknown_fields, TOML's no-redefinition rule). The text is
 * untrusted: it is read through bounds-checked indices only.
 */
#include <string.h>

#include "vmm/vmm_priv.h"

#define EXPECTED "expected one of `ipa_bits`, `num_bps`, `num_wps`, " \
	"`sve_vl`, `pmu_num_ctrs`, `pmu`, `lpa2`, `hash_algo`"

static const struct {
	const char *key;
	unsigned int bit;	/* 0: hash_algo (string, ignored) */
	unsigned int max;	/* integer range; 1 for booleans */
	int boolean;
} keys[] = {
	{ "ipa_bits", CCAKIT_CAP_IPA_BITS, 255, 0 },
	{ "num_bps", CCAKIT_CAP_NUM_BPS, 255, 0 },
	{ "num_wps", CCAKIT_CAP_NUM_WPS, 255, 0 },
	{ "sve_vl", CCAKIT_CAP_SVE_VL, 65535, 0 },
	{ "pmu_num_ctrs", CCAKIT_CAP_PMU_NUM_CTRS, 255, 0 },
	{ "pmu", CCAKIT_CAP_PMU, 1, 1 },
	{ "lpa2", CCAKIT_CAP_LPA2, 1, 1 },
	{ "hash_algo", 0, 0, 0 },
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int
key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* Parse one value in [p, e) (comment and blanks already removed). */
static int
parse_value(const char *p, size_t n, int boolean, unsigned int max,
    unsigned int *v, int *is_str, struct ccakit_errdetail *m)
{
	uint64_t acc = 0;
	size_t i = 0;
	int digits = 0;

	*is_str = 0;
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
		for (i = 1; i + 1 < n; i++)
			if (p[i] == '"' || p[i] == '\\' ||
			    (unsigned char)p[i] < 0x20)
				return cki_msg(m, CCAKIT_ERR_JSON,
				    "unsupported string syntax");
		*is_str = 1;
		return CCAKIT_OK;
	}
	if (boolean) {
		if (n == 4 && memcmp(p, "true", 4) == 0)
			*v = 1;
		else if (n == 5 && memcmp(p, "false", 5) == 0)
			*v = 0;
		else
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "invalid type: expected a boolean");
		return CCAKIT_OK;
	}
	if (n > 0 && p[0] == '+')
		i = 1;
	for (; i < n; i++) {
		if (p[i] == '_' && digits > 0 && i + 1 < n && p[i + 1] != '_')
			continue;
		if (p[i] < '0' || p[i] > '9')
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "invalid type: expected an unsigned integer");
		acc = acc * 10 + (uint64_t)(p[i] - '0');
		digits++;
		if (acc > max)
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "invalid value: integer out of range (max %u)",
			    max);
	}
	if (digits == 0)
		return cki_msg(m, CCAKIT_ERR_JSON,
		    "invalid type: expected an unsigned integer");
	/* TOML forbids leading zeros. */
	if (p[p[0] == '+' ? 1 : 0] == '0' && digits > 1)
		return cki_msg(m, CCAKIT_ERR_JSON, "invalid number");
	*v = (unsigned int)acc;
	return CCAKIT_OK;
}

int
ccakit_realm_caps_parse(struct ccakit_realm_caps *caps, const char *text,
    size_t len, struct ccakit_errdetail *m)
{
	struct ccakit_realm_caps c;
	unsigned int seen = 0, v;
	size_t pos = 0, line = 0, ls, le, ks, ke, vs, ve, k, i;
	int r, is_str, in_str;

	if (caps == NULL || (text == NULL && len > 0))
		return cki_msg(m, CCAKIT_ERR_INVALID_ARG, "invalid argument");
	memset(&c, 0, sizeof(c));
	while (pos < len) {
		line++;
		ls = pos;
		while (pos < len && text[pos] != '\n')
			pos++;
		le = pos;
		if (pos < len)
			pos++;
		if (le > ls && text[le - 1] == '\r')
			le--;
		/* Drop the comment (no '#' can occur in our values' strings). */
		for (i = ls, in_str = 0; i < le; i++) {
			if (text[i] == '\0')
				return cki_msg(m, CCAKIT_ERR_JSON,
				    "NUL byte at line %zu", line);
			if (text[i] == '"')
				in_str = !in_str;
			if (text[i] == '#' && !in_str) {
				le = i;
				break;
			}
		}
		while (ls < le && is_space(text[ls]))
			ls++;
		while (le > ls && is_space(text[le - 1]))
			le--;
		if (ls == le)
			continue;
		for (ks = ke = ls; ke < le && key_char(text[ke]); ke++)
			;
		if (ke == ks)
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "expected a key at line %zu", line);
		for (vs = ke; vs < le && is_space(text[vs]); vs++)
			;
		if (vs == le || text[vs] != '=')
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "expected `=` at line %zu", line);
		for (vs++; vs < le && is_space(text[vs]); vs++)
			;
		ve = le;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strlen(keys[k].key) == ke - ks &&
			    memcmp(keys[k].key, text + ks, ke - ks) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "unknown field `%.*s`, " EXPECTED,
			    (int)(ke - ks > 64 ? 64 : ke - ks), text + ks);
		if (seen & (1u << k))
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "duplicate key `%s` at line %zu", keys[k].key,
			    line);
		seen |= 1u << k;
		v = 0;
		if ((r = parse_value(text + vs, ve - vs, keys[k].boolean,
		    keys[k].max, &v, &is_str, m)) != CCAKIT_OK)
			return cki_msg_ctx(m, r, keys[k].key);
		if (keys[k].bit == 0) {
			/* hash_algo is parsed but never used upstream. */
			if (!is_str)
				return cki_msg(m, CCAKIT_ERR_JSON,
				    "hash_algo: invalid type: expected a string");
			continue;
		}
		if (is_str)
			return cki_msg(m, CCAKIT_ERR_JSON,
			    "%s: invalid type: string", keys[k].key);
		switch (keys[k].bit) {
		case CCAKIT_CAP_IPA_BITS:
			c.ipa_bits = (uint8_t)v;
			break;
		case CCAKIT_CAP_NUM_BPS:
			c.num_bps = (uint8_t)v;
			break;
		case CCAKIT_CAP_NUM_WPS:
			c.num_wps = (uint8_t)v;
			break;
		case CCAKIT_CAP_SVE_VL:
			c.sve_vl = (uint16_t)v;
			break;
		case CCAKIT_CAP_PMU_NUM_CTRS:
			c.pmu_num_ctrs = (uint8_t)v;
			break;
		case CCAKIT_CAP_PMU:
			c.pmu = (uint8_t)v;
			break;
		default:
			c.lpa2 = (uint8_t)v;
			break;
		}
		c.set |= keys[k].bit;
	}
	*caps = c;
	return CCAKIT_OK;
}
