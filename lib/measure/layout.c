/*
 * RMM byte layouts: explicit little-endian serialisation of the realm and
 * REC parameter pages and of the measurement descriptors (spec §1).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "measure/measure_priv.h"

void
cki_meas_put_le64(uint8_t *p, uint64_t v)
{
	size_t i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void
cki_meas_put_le32(uint8_t *p, uint32_t v)
{
	size_t i;

	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void
cki_meas_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

uint64_t
cki_meas_get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint32_t
cki_meas_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

uint16_t
cki_meas_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void
cki_meas_ser_realm_params(uint8_t out[CKI_GRANULE],
    const struct ccakit_realm_params *p)
{
	memset(out, 0, CKI_GRANULE);
	cki_meas_put_le64(out + offsetof(struct cki_rmi_realm_params, flags),
	    p->flags);
	/* TF-RMM declares these unsigned int: same bytes for values < 256. */
	out[offsetof(struct cki_rmi_realm_params, s2sz)] = p->s2sz;
	out[offsetof(struct cki_rmi_realm_params, sve_vl)] = p->sve_vl;
	out[offsetof(struct cki_rmi_realm_params, num_bps)] = p->num_bps;
	out[offsetof(struct cki_rmi_realm_params, num_wps)] = p->num_wps;
	out[offsetof(struct cki_rmi_realm_params, pmu_num_ctrs)] =
	    p->pmu_num_ctrs;
	out[offsetof(struct cki_rmi_realm_params, hash_algo)] = p->hash_algo;
}

void
cki_meas_ser_rec_params(uint8_t out[CKI_GRANULE],
    const struct ccakit_rec_params *rec)
{
	size_t i;

	memset(out, 0, CKI_GRANULE);
	cki_meas_put_le64(out + offsetof(struct cki_rmi_rec_params, flags),
	    rec->flags);
	cki_meas_put_le64(out + offsetof(struct cki_rmi_rec_params, pc),
	    rec->pc);
	for (i = 0; i < 8; i++)
		cki_meas_put_le64(out +
		    offsetof(struct cki_rmi_rec_params, gprs) + 8 * i,
		    rec->gprs[i]);
}

/* Common header: type, len = 0x100, the RIM (L bytes, rest zero). */
static void
desc_head(uint8_t out[CKI_DESC_SIZE], uint8_t type, const uint8_t *rim,
    size_t hlen)
{
	memset(out, 0, CKI_DESC_SIZE);
	out[offsetof(struct cki_desc_data, desc_type)] = type;
	cki_meas_put_le64(out + offsetof(struct cki_desc_data, len),
	    CKI_DESC_SIZE);
	memcpy(out + offsetof(struct cki_desc_data, rim), rim, hlen);
}

void
cki_meas_ser_desc_data(uint8_t out[CKI_DESC_SIZE], const uint8_t *rim,
    size_t hlen, uint64_t ipa, uint64_t flags, const uint8_t *content)
{
	desc_head(out, CKI_DESC_TYPE_DATA, rim, hlen);
	cki_meas_put_le64(out + offsetof(struct cki_desc_data, ipa), ipa);
	cki_meas_put_le64(out + offsetof(struct cki_desc_data, flags), flags);
	if (content != NULL)
		memcpy(out + offsetof(struct cki_desc_data, content), content,
		    hlen);
}

void
cki_meas_ser_desc_rec(uint8_t out[CKI_DESC_SIZE], const uint8_t *rim,
    size_t hlen, const uint8_t *content)
{
	desc_head(out, CKI_DESC_TYPE_REC, rim, hlen);
	memcpy(out + offsetof(struct cki_desc_rec, content), content, hlen);
}

void
cki_meas_ser_desc_ripas(uint8_t out[CKI_DESC_SIZE], const uint8_t *rim,
    size_t hlen, uint64_t base, uint64_t top)
{
	desc_head(out, CKI_DESC_TYPE_RIPAS, rim, hlen);
	cki_meas_put_le64(out + offsetof(struct cki_desc_ripas, base), base);
	cki_meas_put_le64(out + offsetof(struct cki_desc_ripas, top), top);
}

/*
 * Usable RTT entry sizes for a 4 KiB granule and an IPA width (spec §1.4,
 * tool translation_block_sizes(), Linux stage2_pgtable_levels()): one bit
 * per level from the start level to level 3. Start tables concatenated up
 * to 16 entries save a level. 0 when the width is not representable.
 */
uint64_t
cki_meas_block_sizes(unsigned s2sz)
{
	unsigned tb, n, l, start;
	uint64_t mask = 0;

	if (s2sz <= 12 || s2sz > 52)
		return 0;
	tb = s2sz - 12;
	n = (tb + 8) / 9;
	if (tb - 9 * (n - 1) <= 4)
		n--;
	if (n == 0 || n > 4)
		return 0;
	start = 4 - n;
	for (l = start; l <= 3; l++)
		mask |= UINT64_C(0x1000) << (9 * (3 - l));
	return mask;
}

/* Largest entry size in mask that start is aligned to and that fits. */
uint64_t
cki_meas_find_block_size(uint64_t start, uint64_t top, uint64_t mask)
{
	uint64_t bs;
	unsigned tz;

	if (start != 0) {
		tz = (unsigned)__builtin_ctzll(start);
		if (tz < 63)
			mask &= (UINT64_C(1) << (tz + 1)) - 1;
	}
	while (mask != 0) {
		bs = UINT64_C(1) << (63 - __builtin_clzll(mask));
		if (top - start >= bs)
			return bs;
		mask &= ~bs;
	}
	return 0;
}
