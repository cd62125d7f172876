/*
 * kbs: the Prometheus metrics, with Trustee's names (module kbs_metrics).
 */
#ifndef KBS_METRICS_H
#define KBS_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "rcar.h"

/* --- metrics (metrics.c): Trustee's Prometheus names --- */

enum kbs_counter {
	KBS_M_AUTH_REQUESTS = 0, KBS_M_AUTH_SUCCESSES, KBS_M_AUTH_ERRORS,
	KBS_M_ATTEST_REQUESTS, KBS_M_ATTEST_ERRORS,
	KBS_M_POLICY_EVALS, KBS_M_POLICY_APPROVALS, KBS_M_POLICY_VIOLATIONS,
	KBS_M_POLICY_ERRORS, KBS_M_HTTP_REQUESTS,
	KBS_M_NCOUNTERS
};
enum kbs_resource_op { KBS_RES_READ = 0, KBS_RES_WRITE, KBS_RES_DELETE };

void kbs_metrics_init(void);
void kbs_metrics_free(void);
void kbs_count(enum kbs_counter c);
void kbs_count_attest(enum rcar_tee tee, bool success);
void kbs_count_resource(enum kbs_resource_op op, const char *path);
/* A /kbs request done: seconds, body sizes. */
void kbs_observe_request(double seconds, size_t req_size, size_t resp_size);
void kbs_active_requests(int delta);
/* A platform-token cache lookup (ccakit_platform_cache_set_hook()). */
void kbs_count_pcache(void *arg, bool hit);
/* The same for the cache of verified attestation tokens. */
void kbs_count_tcache(void *arg, bool hit);
/* The exposition text (malloc'd). */
char *kbs_metrics_text(size_t *len);

#endif /* KBS_METRICS_H */
