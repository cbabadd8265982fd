/*
 * The event ring of GET /v1/events (events.h).  One mutex and condition
 * variable: publishers append and broadcast, readers copy out under the
 * lock and wait on the condition with a deadline.  Memory is bounded by
 * the ring (EVENTS_RING events of at most 1,200 characters each).
 */
#include "events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

struct event {
	long long	 id;
	json_t		*obj;
};

static struct {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct event	 ring[EVENTS_RING];
	long long	 last;		/* the newest id; 0: none yet */
	char		 stream[UUID_STR_LEN];
	bool		 stopping;
} ev = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void
stream_init(void)
{
	if (ev.stream[0] == '\0')
		util_uuid_new(ev.stream);
}

void
events_publish(const char *node_uuid, const char *severity, const char *type,
    const char *event)
{
	char now[40];
	struct event *e;

	util_now_iso(now);
	pthread_mutex_lock(&ev.mtx);
	stream_init();
	e = &ev.ring[(ev.last + 1) % EVENTS_RING];
	json_decref(e->obj);
	e->id = ++ev.last;
	e->obj = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?}", "id", (json_int_t)e->id,
	    "created_at", now, "node_uuid", node_uuid, "severity", severity,
	    "event_type", type, "event", event);
	pthread_cond_broadcast(&ev.cv);
	pthread_mutex_unlock(&ev.mtx);
}

/* Waits (mutex held) until an event after since exists, the deadline or
 * the stop. */
static void
wait_for(long long since, int wait_ms)
{
	struct timespec dl;

	util_deadline_ms(&dl, wait_ms);
	while (ev.last <= since && !ev.stopping)
		if (pthread_cond_timedwait(&ev.cv, &ev.mtx, &dl) != 0)
			break;
}

json_t *
events_since(const char *stream, long long since, int limit, int wait_ms)
{
	json_t *out = json_array();
	long long first, id, missed = 0;

	pthread_mutex_lock(&ev.mtx);
	stream_init();
	if (stream == NULL || strcmp(stream, ev.stream) != 0 || since > ev.last || since < 0)
		since = 0;
	if (wait_ms > 0)
		wait_for(since, wait_ms);
	first = ev.last - EVENTS_RING + 1;
	if (first < 1)
		first = 1;
	if (since + 1 < first) {
		missed = first - since - 1;
		since = first - 1;
	}
	for (id = since + 1; id <= ev.last && (int)json_array_size(out) < limit; id++)
		json_array_append(out, ev.ring[id % EVENTS_RING].obj);
	pthread_mutex_unlock(&ev.mtx);
	return json_pack("{s:s, s:o, s:I, s:I}", "stream", ev.stream, "events", out,
	    "last", (json_int_t)(since + (json_int_t)json_array_size(out)),
	    "missed", (json_int_t)missed);
}

long long
events_wait_newer(long long last, int wait_ms)
{
	long long id;

	pthread_mutex_lock(&ev.mtx);
	if (last >= 0 && wait_ms > 0)
		wait_for(last, wait_ms);
	id = ev.last;
	pthread_mutex_unlock(&ev.mtx);
	return id;
}

void
events_stop(void)
{
	pthread_mutex_lock(&ev.mtx);
	ev.stopping = true;
	pthread_cond_broadcast(&ev.cv);
	pthread_mutex_unlock(&ev.mtx);
}
