/*
 * Connection tracking (see conns.h). Every connection is IDLE (no request
 * under way), RECV (a request is arriving: the deadline runs from its
 * first byte), BUSY (its handler runs or its reply goes out) or DOOMED
 * (shut down here, libmicrohttpd closing it). IDLE and RECV connections
 * are on a list, oldest state change first: the global cap drops from
 * its head, and the reaper thread walks it for deadlines and for the
 * first byte of a request on an idle connection, which is when the
 * kernel's count of bytes received on it rises.
 *
 * One mutex guards the list and the counts; every operation on it is
 * O(1) but the reaper's pass (one getsockopt() per idle connection).
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <linux/tcp.h>          /* struct tcp_info with tcpi_bytes_received */
#include <netinet/in.h>

#include "conns.h"
#include "log.h"

enum conn_state { CS_NEW, CS_IDLE, CS_RECV, CS_BUSY, CS_DOOMED };

struct conn {
	struct conn *prev, *next;       /* on the list when IDLE or RECV */
	int fd;
	enum conn_state state;
	enum svc_conn_drop dropped;
	int64_t since;                  /* ms: entered IDLE or RECV */
	uint64_t rx_base;               /* TCP bytes received at IDLE */
};

struct svc_conns {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t reaper;
	bool reaper_started, stopping;
	struct conn *oldest, *newest;
	unsigned nconns, ndoomed, cap;
	int64_t deadline_ms, tick_ms;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The TCP payload bytes received on fd so far; false if unknown. */
static bool
rx_bytes(int fd, uint64_t *out)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
	    sizeof(ti.tcpi_bytes_received))
		return false;
	*out = ti.tcpi_bytes_received;
	return true;
}

/* --- the list of IDLE and RECV connections, oldest first; under mu --- */

static void
list_remove(struct svc_conns *cs, struct conn *cn)
{
	if (cn->prev != NULL)
		cn->prev->next = cn->next;
	else
		cs->oldest = cn->next;
	if (cn->next != NULL)
		cn->next->prev = cn->prev;
	else
		cs->newest = cn->prev;
	cn->prev = cn->next = NULL;
}

static bool
listed(const struct conn *cn)
{
	return cn->state == CS_IDLE || cn->state == CS_RECV;
}

/* Enter IDLE or RECV: to the end of the list. */
static void
enter(struct svc_conns *cs, struct conn *cn, enum conn_state s, int64_t now)
{
	if (listed(cn))
		list_remove(cs, cn);
	cn->state = s;
	cn->since = now;
	cn->next = NULL;
	cn->prev = cs->newest;
	if (cs->newest != NULL)
		cs->newest->next = cn;
	else
		cs->oldest = cn;
	cs->newest = cn;
}

/*
 * Drop a connection: libmicrohttpd sees the end of its stream and closes
 * it. The CLOSED notice takes mu before the descriptor is closed, so fd
 * is still this connection's.
 */
static void
doom(struct svc_conns *cs, struct conn *cn, enum svc_conn_drop why)
{
	if (listed(cn))
		list_remove(cs, cn);
	cn->state = CS_DOOMED;
	cn->dropped = why;
	cs->ndoomed++;
	(void)shutdown(cn->fd, SHUT_RDWR);
}

static struct conn *
conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

void
svc_conns_request(struct svc_conns *cs, struct MHD_Connection *c)
{
	struct conn *cn = conn_of(c);

	if (cn == NULL)
		return;
	pthread_mutex_lock(&cs->mu);
	if (cn->state == CS_IDLE)
		enter(cs, cn, CS_RECV, now_ms());
	pthread_mutex_unlock(&cs->mu);
}

bool
svc_conns_busy(struct svc_conns *cs, struct MHD_Connection *c)
{
	struct conn *cn = conn_of(c);
	bool ok = true;

	if (cn == NULL)
		return true;
	pthread_mutex_lock(&cs->mu);
	if (cn->state == CS_DOOMED) {
		ok = false;
	} else {
		if (listed(cn))
			list_remove(cs, cn);
		cn->state = CS_BUSY;
	}
	pthread_mutex_unlock(&cs->mu);
	return ok;
}

enum svc_conn_drop
svc_conns_idle(struct svc_conns *cs, struct MHD_Connection *c)
{
	struct conn *cn = conn_of(c);
	enum svc_conn_drop why;
	uint64_t rx = UINT64_MAX;

	if (cn == NULL)
		return SVC_DROP_NONE;
	/* Unknown: the next request is noticed at its request line. */
	(void)rx_bytes(cn->fd, &rx);
	pthread_mutex_lock(&cs->mu);
	why = cn->dropped;
	if (cn->state != CS_DOOMED) {
		cn->rx_base = rx;
		enter(cs, cn, CS_IDLE, now_ms());
	}
	pthread_mutex_unlock(&cs->mu);
	return why;
}

void
svc_conns_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct svc_conns *cs = cls;
	struct conn *cn = *socket_context;
	const union MHD_ConnectionInfo *ci;
	unsigned evicted = 0;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL || (cn = calloc(1, sizeof(*cn))) == NULL)
			return;         /* untracked: libmicrohttpd's caps */
		cn->fd = ci->connect_fd;
		*socket_context = cn;
		pthread_mutex_lock(&cs->mu);
		cs->nconns++;
		enter(cs, cn, CS_IDLE, now_ms());
		/* At the cap, the oldest idle or incomplete go first. */
		while (cs->nconns - cs->ndoomed > cs->cap &&
		    cs->oldest != NULL) {
			doom(cs, cs->oldest, SVC_DROP_EVICTED);
			evicted++;
		}
		pthread_mutex_unlock(&cs->mu);
		if (evicted > 0)
			svc_info("at the cap of %u connections: dropped the "
			    "%u oldest idle or incomplete", cs->cap, evicted);
		return;
	}
	if (cn == NULL)
		return;
	pthread_mutex_lock(&cs->mu);
	if (listed(cn))
		list_remove(cs, cn);
	if (cn->state == CS_DOOMED)
		cs->ndoomed--;
	cs->nconns--;
	pthread_mutex_unlock(&cs->mu);
	free(cn);
	*socket_context = NULL;
}

/*
 * Every tick: an idle connection whose TCP byte count rose has begun a
 * request (its deadline starts), and a request older than the deadline
 * is dropped. One pass over the list under mu, no I/O.
 */
static void *
reaper(void *arg)
{
	struct svc_conns *cs = arg;
	struct conn *cn, *next;
	struct timespec until;
	unsigned dropped;
	uint64_t rx;
	int64_t now;

	pthread_mutex_lock(&cs->mu);
	while (!cs->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += (time_t)(cs->tick_ms / 1000);
		until.tv_nsec += (long)(cs->tick_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		(void)pthread_cond_timedwait(&cs->cv, &cs->mu, &until);
		if (cs->stopping)
			break;
		now = now_ms();
		dropped = 0;
		for (cn = cs->oldest; cn != NULL; cn = next) {
			next = cn->next;
			if (cn->state == CS_IDLE) {
				if (rx_bytes(cn->fd, &rx) && rx > cn->rx_base)
					enter(cs, cn, CS_RECV, now);
			} else if (now - cn->since >= cs->deadline_ms) {
				doom(cs, cn, SVC_DROP_DEADLINE);
				dropped++;
			}
		}
		if (dropped > 0) {
			pthread_mutex_unlock(&cs->mu);
			svc_info("dropped %u connection(s) whose request took "
			    "over %lld ms to arrive", dropped,
			    (long long)cs->deadline_ms);
			pthread_mutex_lock(&cs->mu);
		}
	}
	pthread_mutex_unlock(&cs->mu);
	return NULL;
}

int
svc_conns_new(unsigned cap, unsigned deadline_s, struct svc_conns **out)
{
	struct svc_conns *cs;
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return -1;
	cs->cap = cap;
	cs->deadline_ms = (int64_t)deadline_s * 1000;
	/* A tenth of the deadline, within 100 ms to 1 s. */
	cs->tick_ms = cs->deadline_ms / 10;
	if (cs->tick_ms < 100)
		cs->tick_ms = 100;
	if (cs->tick_ms > 1000)
		cs->tick_ms = 1000;
	if (pthread_condattr_init(&ca) != 0) {
		free(cs);
		return -1;
	}
	r = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (r == 0 && (r = pthread_cond_init(&cs->cv, &ca)) == 0 &&
	    (r = pthread_mutex_init(&cs->mu, NULL)) != 0)
		pthread_cond_destroy(&cs->cv);
	pthread_condattr_destroy(&ca);
	if (r != 0) {
		free(cs);
		return -1;
	}
	if (cs->deadline_ms > 0) {
		if (pthread_create(&cs->reaper, NULL, reaper, cs) != 0) {
			svc_conns_free(&cs);
			return -1;
		}
		cs->reaper_started = true;
	}
	*out = cs;
	return 0;
}

void
svc_conns_free(struct svc_conns **csp)
{
	struct svc_conns *cs;
	struct conn *cn, *next;

	if (csp == NULL || (cs = *csp) == NULL)
		return;
	if (cs->reaper_started) {
		pthread_mutex_lock(&cs->mu);
		cs->stopping = true;
		pthread_cond_signal(&cs->cv);
		pthread_mutex_unlock(&cs->mu);
		pthread_join(cs->reaper, NULL);
	}
	/* The daemon has stopped: nothing should be left. */
	for (cn = cs->oldest; cn != NULL; cn = next) {
		next = cn->next;
		free(cn);
	}
	pthread_cond_destroy(&cs->cv);
	pthread_mutex_destroy(&cs->mu);
	free(cs);
	*csp = NULL;
}
