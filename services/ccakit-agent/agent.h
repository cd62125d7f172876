/*
 * ccakit-agent: the realm side of Confidential Containers in one process
 * (docs/agent.md, ccakit-agent(8)). The REST API of guest-components'
 * api-server-rest on 127.0.0.1:8006 (api.c), answered by the attester
 * and the KBS client of core.h, configured as guest-components is
 * (conf.h).
 */
#ifndef AGENT_H
#define AGENT_H

#include <stdbool.h>

#include "core.h"
#include "httpd.h"

#define AGENT_PROG              "ccakit-agent"
#define AGENT_DEFAULT_BIND      "127.0.0.1:8006"
#define AGENT_AAEL_MAX          (64 * 1024)

struct agent {
	const char *features;           /* resource, attestation or all */
	bool aa_on;                     /* /aa/... */
	bool cdh_on;                    /* /cdh/... */
	bool eventlog;                  /* aa.toml enable_eventlog */
	struct agent_attester *attester;
	agent_kbs *kbs;
};

/* The one route: every request goes through it (api.c). */
void agent_handle(void *arg, const struct svc_req *req,
    struct svc_resp *resp);

#endif /* AGENT_H */
