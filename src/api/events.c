/*
 * GET /v1/events: the event stream for monitoring (docs/operations.md,
 * "The event stream").  A cursor poll over the conductor's event ring
 * (conductor/events.h), with an optional long poll: ?wait=S (at most
 * EV_MAX_WAIT) holds the request until an event arrives or S passes.  A
 * waiting request holds no HTTP thread: it is suspended (libmicrohttpd's
 * suspend/resume) and a resumer thread resumes it; the access handler then
 * runs again and answers.  Bounds: one waiting poll per client (user and
 * address; 429 for a second), EV_MAX_WAITERS in all (429 past it), at
 * most EV_MAX_LIMIT events per answer.  System admins only (routes.def).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "events.h"
#include "jsonutil.h"
#include "util.h"

#define EV_MAX_WAIT	30	/* seconds */
#define EV_MAX_WAITERS	64
#define EV_MAX_LIMIT	1000

struct waiter {
	struct MHD_Connection	*c;
	char			 client[160];
	double			 deadline;	/* mono */
	long long		 last;		/* the ring's newest id when it began */
	bool			 resumed;	/* the next call on c answers */
	double			 resumed_at;
};

static struct {
	pthread_mutex_t	 mtx;
	struct waiter	 w[EV_MAX_WAITERS];
	int		 n;
	pthread_t	 thr;
	bool		 running, stopping;
} ew = { .mtx = PTHREAD_MUTEX_INITIALIZER };

/* Resumes due waiters: an event arrived, the deadline passed, or stopping;
 * forgets resumed ones whose connection never came back. */
static void
resume_due(long long last, bool all)
{
	double now = util_mono_now();

	for (int i = 0; i < ew.n; i++) {
		struct waiter *w = &ew.w[i];
		if (w->resumed) {
			if (now - w->resumed_at > 10)
				ew.w[i--] = ew.w[--ew.n];
			continue;
		}
		if (all || last > w->last || now >= w->deadline) {
			w->resumed = true;
			w->resumed_at = now;
			MHD_resume_connection(w->c);
		}
	}
}

static void *
resumer(void *arg)
{
	long long last = events_wait_newer(-1, 0);

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&ew.mtx);
		resume_due(last, ew.stopping);
		if (ew.stopping) {
			pthread_mutex_unlock(&ew.mtx);
			return NULL;
		}
		pthread_mutex_unlock(&ew.mtx);
		last = events_wait_newer(last, 200);
	}
}

void
api_events_stop(void)
{
	pthread_mutex_lock(&ew.mtx);
	ew.stopping = true;
	if (!ew.running) {
		pthread_mutex_unlock(&ew.mtx);
		return;
	}
	pthread_mutex_unlock(&ew.mtx);
	events_stop();
	pthread_join(ew.thr, NULL);
}

/* "user@address" of the caller. */
static void
client_of(struct req *q, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(q->conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char addr[INET6_ADDRSTRLEN] = "?";
	const struct ident *id = auth_current();

	if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
		    addr, sizeof(addr));
	else if (ci != NULL && ci->client_addr != NULL)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
		    addr, sizeof(addr));
	snprintf(out, len, "%.64s@%s", id != NULL ? id->user : "", addr);
}

/* The waiter of connection c, when it was resumed: forgotten, true. */
static bool
was_resumed(struct MHD_Connection *c)
{
	bool r = false;

	pthread_mutex_lock(&ew.mtx);
	for (int i = 0; i < ew.n; i++)
		if (ew.w[i].c == c && ew.w[i].resumed) {
			ew.w[i] = ew.w[--ew.n];
			r = true;
			break;
		}
	pthread_mutex_unlock(&ew.mtx);
	return r;
}

/* Suspends the request until an event or wait seconds; 0, or the HTTP
 * status refusing it. */
static int
suspend(struct req *q, int wait, long long last)
{
	char client[160];
	int mine = 0;

	client_of(q, client, sizeof(client));
	pthread_mutex_lock(&ew.mtx);
	for (int i = 0; i < ew.n; i++)
		mine += !ew.w[i].resumed && strcmp(ew.w[i].client, client) == 0;
	if (ew.stopping || mine > 0 || ew.n >= EV_MAX_WAITERS) {
		pthread_mutex_unlock(&ew.mtx);
		return ew.stopping ? 503 : 429;
	}
	if (!ew.running && pthread_create(&ew.thr, NULL, resumer, NULL) == 0)
		ew.running = true;
	ew.w[ew.n] = (struct waiter){ .c = q->conn, .deadline = util_mono_now() + wait,
	    .last = last };
	snprintf(ew.w[ew.n++].client, sizeof(ew.w[0].client), "%s", client);
	MHD_suspend_connection(q->conn);
	pthread_mutex_unlock(&ew.mtx);
	return 0;
}

/* ?key=N within [lo, hi]; def when absent; false with a 400. */
static bool
int_param(struct req *q, struct resp *r, const char *key, long long lo, long long hi,
    long long def, long long *out)
{
	const char *v = api_query(q, key);
	char *end;

	*out = def;
	if (v == NULL)
		return true;
	*out = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || *out < lo || *out > hi) {
		api_error(r, 400, "Invalid value for %s: \"%.40s\" (an integer from %lld "
		    "to %lld).", key, v, lo, hi);
		return false;
	}
	return true;
}

void
h_events_stream(struct req *q, struct resp *r)
{
	long long since, limit, wait;
	const char *stream = api_query(q, "stream");
	json_t *out;
	int st;

	if (!int_param(q, r, "since", 0, (1LL << 53), 0, &since) ||
	    !int_param(q, r, "limit", 1, EV_MAX_LIMIT, 100, &limit) ||
	    !int_param(q, r, "wait", 0, EV_MAX_WAIT, 0, &wait))
		return;
	if (stream != NULL && (strlen(stream) != UUID_STR_LEN - 1 || !util_is_uuid(stream))) {
		api_error(r, 400, "Invalid value for stream: not a stream id.");
		return;
	}
	if (was_resumed(q->conn) || q->prov_only)
		wait = 0;
	out = events_since(stream, since, (int)limit, 0);
	if (wait > 0 && json_array_size(json_object_get(out, "events")) == 0) {
		if ((st = suspend(q, (int)wait, json_integer_value(json_object_get(out,
		    "last")))) == 0) {
			json_decref(out);
			r->suspended = true;
			return;
		}
		json_decref(out);
		api_error(r, st, st == 429 ? "This client already has a waiting event "
		    "poll, or too many are waiting (%d); poll without wait or retry "
		    "later." : "ingotd is stopping.", EV_MAX_WAITERS);
		return;
	}
	api_json(r, 200, out);
}
