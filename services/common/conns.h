/*
 * Connection tracking for the HTTP server layer (httpd.c; docs/http.md):
 * the deadline of a request, counted from its first byte, and the global
 * cap, at which the oldest idle or incomplete connections are dropped to
 * make room. Fed by libmicrohttpd's connection notices and by the layer
 * at each request's milestones; a connection is dropped by shutting its
 * socket down, which libmicrohttpd then closes.
 */
#ifndef SVC_CONNS_H
#define SVC_CONNS_H

#include <stdbool.h>

#include <microhttpd.h>

/* Why this module dropped a connection. */
enum svc_conn_drop {
	SVC_DROP_NONE,
	SVC_DROP_DEADLINE,      /* a request not in within the deadline */
	SVC_DROP_EVICTED,       /* the oldest at the global cap */
};

struct svc_conns;

/*
 * cap: the connections beyond which the oldest idle or incomplete ones
 * are dropped; deadline_s: for a request's head and body from its first
 * byte (0: none, and no reaper thread). Returns 0, or -1 (out of memory,
 * no thread).
 */
int svc_conns_new(unsigned cap, unsigned deadline_s, struct svc_conns **out);

/* Stop the reaper and free; after the daemon has stopped. Accepts NULL. */
void svc_conns_free(struct svc_conns **csp);

/* MHD_OPTION_NOTIFY_CONNECTION's callback, its cls the svc_conns. */
void svc_conns_notify(void *cls, struct MHD_Connection *c,
    void **socket_context, enum MHD_ConnectionNotificationCode code);

/* A request line has arrived on c: the request is under way. */
void svc_conns_request(struct svc_conns *cs, struct MHD_Connection *c);

/*
 * The request is in (its handler runs, or its reply goes out): never
 * drop it now. False if it has been dropped already.
 */
bool svc_conns_busy(struct svc_conns *cs, struct MHD_Connection *c);

/*
 * The request has ended: c is idle until the next request's first byte.
 * Returns why this module dropped c, if it did.
 */
enum svc_conn_drop svc_conns_idle(struct svc_conns *cs,
    struct MHD_Connection *c);

#endif /* SVC_CONNS_H */
