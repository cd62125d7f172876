/*
 * Realm measurement internals: RMM byte layouts, hashing, granule pool.
 *
 * The structs below document the RMM layouts and pin every offset with
 * _Static_assert; they are never hashed directly. Serialisation writes
 * each field little-endian at offsetof() into a zeroed byte buffer, so
 * host endianness and padding never reach a hash.
 */
#ifndef CCAKIT_MEASURE_PRIV_H
#define CCAKIT_MEASURE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include <ccakit/err.h>
#include <ccakit/eventlog.h>
#include <ccakit/measure.h>

#define CKI_GRANULE      4096u
#define CKI_DESC_SIZE    0x100u
#define CKI_SLOT         64u

/* Measurement descriptor types (TF-RMM measurement.h). */
#define CKI_DESC_TYPE_DATA   0u
#define CKI_DESC_TYPE_REC    1u
#define CKI_DESC_TYPE_RIPAS  2u

/* RmiDataFlags */
#define CKI_RMI_NO_MEASURE_CONTENT 0u
#define CKI_RMI_MEASURE_CONTENT    1u

/*
 * RmiRealmParams (RMM 1.0-rel0 B3.4.20; TF-RMM smc-rmi.h), 4096 bytes.
 * Measured fields (spec §1.2): flags, s2sz, sve_vl, num_bps, num_wps,
 * pmu_num_ctrs, hash_algo. The rest is zero in the measured copy.
 */
struct cki_rmi_realm_params {
	uint64_t flags;                 /* 0x000 flags0 */
	uint8_t s2sz;                   /* 0x008 */
	uint8_t pad0[7];
	uint8_t sve_vl;                 /* 0x010 */
	uint8_t pad1[7];
	uint8_t num_bps;                /* 0x018 */
	uint8_t pad2[7];
	uint8_t num_wps;                /* 0x020 */
	uint8_t pad3[7];
	uint8_t pmu_num_ctrs;           /* 0x028 */
	uint8_t pad4[7];
	uint8_t hash_algo;              /* 0x030 */
	uint8_t pad5[7];
	uint8_t num_aux_planes;         /* 0x038 RMM 1.1+, not measured */
	uint8_t pad6[0x400 - 0x39];
	uint8_t rpv[64];                /* 0x400 not measured */
	uint8_t ats_plane;              /* 0x440 RMM 1.1+, not measured */
	uint8_t pad7[0x800 - 0x441];
	uint16_t vmid;                  /* 0x800 not measured */
	uint8_t pad8[6];
	uint64_t rtt_base;              /* 0x808 not measured */
	int64_t rtt_level_start;        /* 0x810 not measured */
	uint32_t rtt_num_start;         /* 0x818 not measured */
	uint8_t pad9[4];
	uint64_t flags1;                /* 0x820 RMM 1.1+, not measured */
	uint8_t pad10[0xf80 - 0x828];
	uint64_t aux_rtt_base[16];      /* 0xf80 RMM 1.1+, not measured */
};
_Static_assert(sizeof(struct cki_rmi_realm_params) == 0x1000, "RmiRealmParams");
_Static_assert(offsetof(struct cki_rmi_realm_params, flags) == 0x000, "flags");
_Static_assert(offsetof(struct cki_rmi_realm_params, s2sz) == 0x008, "s2sz");
_Static_assert(offsetof(struct cki_rmi_realm_params, sve_vl) == 0x010, "sve");
_Static_assert(offsetof(struct cki_rmi_realm_params, num_bps) == 0x018, "bps");
_Static_assert(offsetof(struct cki_rmi_realm_params, num_wps) == 0x020, "wps");
_Static_assert(offsetof(struct cki_rmi_realm_params, pmu_num_ctrs) == 0x028,
    "pmu_num_ctrs");
_Static_assert(offsetof(struct cki_rmi_realm_params, hash_algo) == 0x030,
    "hash_algo");
_Static_assert(offsetof(struct cki_rmi_realm_params, num_aux_planes) == 0x038,
    "num_aux_planes");
_Static_assert(offsetof(struct cki_rmi_realm_params, rpv) == 0x400, "rpv");
_Static_assert(offsetof(struct cki_rmi_realm_params, ats_plane) == 0x440,
    "ats_plane");
_Static_assert(offsetof(struct cki_rmi_realm_params, vmid) == 0x800, "vmid");
_Static_assert(offsetof(struct cki_rmi_realm_params, rtt_base) == 0x808,
    "rtt_base");
_Static_assert(offsetof(struct cki_rmi_realm_params, rtt_level_start) == 0x810,
    "rtt_level_start");
_Static_assert(offsetof(struct cki_rmi_realm_params, rtt_num_start) == 0x818,
    "rtt_num_start");
_Static_assert(offsetof(struct cki_rmi_realm_params, flags1) == 0x820,
    "flags1");
_Static_assert(offsetof(struct cki_rmi_realm_params, aux_rtt_base) == 0xf80,
    "aux_rtt_base");

/*
 * RmiRecParams (RMM 1.0-rel0 B3.4.17; spec §1.5), 4096 bytes. Measured:
 * flags, pc, gprs[0..7].
 */
struct cki_rmi_rec_params {
	uint64_t flags;                 /* 0x000 */
	uint8_t pad0[0x100 - 0x008];
	uint64_t mpidr;                 /* 0x100 not measured */
	uint8_t pad1[0x200 - 0x108];
	uint64_t pc;                    /* 0x200 */
	uint8_t pad2[0x300 - 0x208];
	uint64_t gprs[8];               /* 0x300 */
	uint8_t pad3[0x800 - 0x340];
	uint64_t num_aux;               /* 0x800 not measured */
	uint64_t aux[16];               /* 0x808 not measured */
	uint8_t pad4[0x1000 - 0x888];
};
_Static_assert(sizeof(struct cki_rmi_rec_params) == 0x1000, "RmiRecParams");
_Static_assert(offsetof(struct cki_rmi_rec_params, flags) == 0x000, "flags");
_Static_assert(offsetof(struct cki_rmi_rec_params, mpidr) == 0x100, "mpidr");
_Static_assert(offsetof(struct cki_rmi_rec_params, pc) == 0x200, "pc");
_Static_assert(offsetof(struct cki_rmi_rec_params, gprs) == 0x300, "gprs");
_Static_assert(offsetof(struct cki_rmi_rec_params, num_aux) == 0x800,
    "num_aux");
_Static_assert(offsetof(struct cki_rmi_rec_params, aux) == 0x808, "aux");

/*
 * RmmMeasurementDescriptorData (RMM 1.0-rel0 B4.3.9.4 / A7.1.1; TF-RMM
 * measurement.h "measurement_desc_data"; spec §1.3).
 */
struct cki_desc_data {
	uint8_t desc_type;              /* 0x00 = 0 */
	uint8_t pad0[7];
	uint64_t len;                   /* 0x08 = 0x100 */
	uint8_t rim[64];                /* 0x10 */
	uint64_t ipa;                   /* 0x50 */
	uint64_t flags;                 /* 0x58 RmiDataFlags */
	uint8_t content[64];            /* 0x60 H(granule) or zero */
	uint8_t pad1[0x100 - 0xa0];
};
_Static_assert(sizeof(struct cki_desc_data) == CKI_DESC_SIZE, "desc data");
_Static_assert(offsetof(struct cki_desc_data, desc_type) == 0x00, "type");
_Static_assert(offsetof(struct cki_desc_data, len) == 0x08, "len");
_Static_assert(offsetof(struct cki_desc_data, rim) == 0x10, "rim");
_Static_assert(offsetof(struct cki_desc_data, ipa) == 0x50, "ipa");
_Static_assert(offsetof(struct cki_desc_data, flags) == 0x58, "flags");
_Static_assert(offsetof(struct cki_desc_data, content) == 0x60, "content");

/* RmmMeasurementDescriptorRec (RMM 1.0-rel0 A7.1.2; spec §1.5). */
struct cki_desc_rec {
	uint8_t desc_type;              /* 0x00 = 1 */
	uint8_t pad0[7];
	uint64_t len;                   /* 0x08 = 0x100 */
	uint8_t rim[64];                /* 0x10 */
	uint8_t content[64];            /* 0x50 H(RmiRecParams) */
	uint8_t pad1[0x100 - 0x90];
};
_Static_assert(sizeof(struct cki_desc_rec) == CKI_DESC_SIZE, "desc rec");
_Static_assert(offsetof(struct cki_desc_rec, desc_type) == 0x00, "type");
_Static_assert(offsetof(struct cki_desc_rec, len) == 0x08, "len");
_Static_assert(offsetof(struct cki_desc_rec, rim) == 0x10, "rim");
_Static_assert(offsetof(struct cki_desc_rec, content) == 0x50, "content");

/* RmmMeasurementDescriptorRipas (RMM 1.0-rel0 A7.1.3; spec §1.4). */
struct cki_desc_ripas {
	uint8_t desc_type;              /* 0x00 = 2 */
	uint8_t pad0[7];
	uint64_t len;                   /* 0x08 = 0x100 */
	uint8_t rim[64];                /* 0x10 */
	uint64_t base;                  /* 0x50 */
	uint64_t top;                   /* 0x58 */
	uint8_t pad1[0x100 - 0x60];
};
_Static_assert(sizeof(struct cki_desc_ripas) == CKI_DESC_SIZE, "desc ripas");
_Static_assert(offsetof(struct cki_desc_ripas, desc_type) == 0x00, "type");
_Static_assert(offsetof(struct cki_desc_ripas, len) == 0x08, "len");
_Static_assert(offsetof(struct cki_desc_ripas, rim) == 0x10, "rim");
_Static_assert(offsetof(struct cki_desc_ripas, base) == 0x50, "base");
_Static_assert(offsetof(struct cki_desc_ripas, top) == 0x58, "top");

/* layout.c: serialisers; out is fully written (zeros elsewhere). */
void cki_meas_ser_realm_params(uint8_t out[CKI_GRANULE],
    const struct ccakit_realm_params *p);
void cki_meas_ser_rec_params(uint8_t out[CKI_GRANULE],
    const struct ccakit_rec_params *rec);
void cki_meas_ser_desc_data(uint8_t out[CKI_DESC_SIZE], const uint8_t *rim,
    size_t hlen, uint64_t ipa, uint64_t flags, const uint8_t *content);
void cki_meas_ser_desc_rec(uint8_t out[CKI_DESC_SIZE], const uint8_t *rim,
    size_t hlen, const uint8_t *content);
void cki_meas_ser_desc_ripas(uint8_t out[CKI_DESC_SIZE], const uint8_t *rim,
    size_t hlen, uint64_t base, uint64_t top);
void cki_meas_put_le64(uint8_t *p, uint64_t v);
void cki_meas_put_le32(uint8_t *p, uint32_t v);
void cki_meas_put_le16(uint8_t *p, uint16_t v);
uint64_t cki_meas_get_le64(const uint8_t *p);
uint32_t cki_meas_get_le32(const uint8_t *p);
uint16_t cki_meas_get_le16(const uint8_t *p);

/* RTT geometry of the upstream tool / Linux KVM (spec §1.4). */
uint64_t cki_meas_block_sizes(unsigned s2sz);
uint64_t cki_meas_find_block_size(uint64_t start, uint64_t top, uint64_t mask);

/* hash.c */
/* A fetched EVP_MD (EVP_MD_free it), NULL for an unknown algorithm. */
EVP_MD *cki_meas_md_fetch(enum ccakit_hash_algo a);
/*
 * One-shot digests on a context created once (see hash.c): through the
 * provider's digest functions when md comes from the default provider and
 * fast is true, else through EVP. Same digests either way. One thread at a
 * time; it holds its own reference to md.
 */
struct cki_fast_md;
struct cki_fast_md *cki_fast_md_new(EVP_MD *md, bool fast);
void cki_fast_md_free(struct cki_fast_md **fp);
/* Whether the provider path is in use (for the tests). */
bool cki_fast_md_is_fast(const struct cki_fast_md *f);
/* H(data) into out (len of the algorithm); 0 or -1. */
int cki_fast_md_digest(struct cki_fast_md *f, const void *data, size_t len,
    uint8_t *out);
/* The TCG algorithm id of an RMM hash algorithm, and back (-1 unknown). */
uint16_t cki_meas_tcg_alg(enum ccakit_hash_algo a);
int cki_meas_algo_from_tcg(uint16_t tcg);

/*
 * Parallel granule hasher: cki_meas_pool_run() hashes n contiguous 4 KiB
 * granules with the pool's helpers and the calling thread, and calls the
 * sink in the calling thread, in order, with runs of consecutive granule
 * hashes (hlen bytes each) and the IPA of the first. The granules are no
 * longer accessed once it returns. meanwhile (may be NULL) is called once
 * in the calling thread after the helpers have started on the run: serial
 * work done there, such as unmapping the previous window of a file,
 * overlaps the hashing instead of leaving the cores idle.
 */
typedef int (*cki_meas_sink_fn)(void *arg, const uint8_t *hashes, size_t n,
    uint64_t ipa);
struct cki_meas_pool;
struct cki_meas_pool *cki_meas_pool_new(unsigned nthreads, EVP_MD *md,
    size_t hlen);
void cki_meas_pool_free(struct cki_meas_pool **pp);
int cki_meas_pool_run(struct cki_meas_pool *p, const uint8_t *granules,
    size_t n, uint64_t ipa, cki_meas_sink_fn sink, void *arg,
    void (*meanwhile)(void *), void *marg);
/*
 * The same over n granules of a file at offset off, each worker reading
 * the chunks it hashes with pread() into a buffer of its own (reused, so
 * nothing is mapped or first-touched). CCAKIT_ERR_IO on a read error or a
 * short read (the file shrank).
 */
int cki_meas_pool_run_fd(struct cki_meas_pool *p, int fd, uint64_t off,
    size_t n, uint64_t ipa, cki_meas_sink_fn sink, void *arg);
/* pread() all of len bytes at off: 0, or -1 (error or end of file). */
int cki_meas_pread_full(int fd, void *buf, size_t len, uint64_t off);

/* Online CPUs, at least 1, at most CCAKIT_REALM_MAX_THREADS. */
unsigned cki_meas_online_cpus(void);

/* realm.c: used by config.c, replay.c */
int cki_meas_realm_data_src_digest(ccakit_realm *r, uint64_t ipa,
    const struct ccakit_image_src *src, uint64_t *total,
    const EVP_MD *dmd, uint8_t *digest, struct ccakit_errdetail *d);
size_t cki_meas_realm_hlen(const ccakit_realm *r);
int cki_meas_realm_algo(const ccakit_realm *r);

/*
 * The operations of a configuration in measurement order (config.c): the
 * measuring walker and the log writer share it, so a written log replays
 * to the computed values. Image callbacks get the index in cfg->images.
 */
struct cki_meas_walk {
	int (*create)(void *arg, struct ccakit_errdetail *d);
	int (*ripas)(void *arg, uint64_t base, uint64_t top,
	    struct ccakit_errdetail *d);
	int (*image)(void *arg, size_t i, struct ccakit_errdetail *d);
	int (*unmeasured)(void *arg, size_t i, struct ccakit_errdetail *d);
	int (*rec)(void *arg, struct ccakit_errdetail *d);
	int (*rem)(void *arg, size_t i, struct ccakit_errdetail *d);
};
int cki_meas_config_walk(const struct ccakit_realm_config *cfg,
    const struct cki_meas_walk *w, void *arg, struct ccakit_errdetail *d);

/* eventlog.c: the parsed events, writable (replay fills the status). */
struct ccakit_evlog_event *cki_meas_evlog_events(ccakit_evlog *l, size_t *n);

/* Digest of a whole source (for the writer and content checks). */
int cki_meas_digest_src(const struct ccakit_image_src *src, const EVP_MD *md,
    uint8_t *out, uint64_t *total, struct ccakit_errdetail *d);

#endif /* CCAKIT_MEASURE_PRIV_H */
