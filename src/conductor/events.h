/*
 * The event stream (GET /v1/events, docs/operations.md): every node history
 * event this process writes through node_history(), every provision state
 * change (cond_transition) and power sync's maintenance flips are also
 * kept, in memory, in a ring of the last EVENTS_RING with a sequence
 * number, so that a monitoring client can follow the fleet by long poll
 * without reading every node's history.  The ring is per process and
 * starts empty at each start (ids restart at 1 with a new "stream" id);
 * the history in the database stays the record.
 */
#ifndef INGOT_EVENTS_H
#define INGOT_EVENTS_H

#include <jansson.h>
#include <stdbool.h>

#define EVENTS_RING	1024

/* Keeps an event (copies the strings). */
void	events_publish(const char *node_uuid, const char *severity, const char *type,
	    const char *event);
/*
 * The events after id since, at most limit, oldest first: {"stream",
 * "events": [...], "last": id, "missed": n}; waits up to wait_ms for a
 * first one when there is none.  missed: events after since that the ring
 * no longer holds.  A since from another stream (or ahead of it) counts
 * from the start.
 */
json_t	*events_since(const char *stream, long long since, int limit, int wait_ms);
/* The newest id once it is past last (or after wait_ms, or at the stop);
 * last -1: at once. */
long long events_wait_newer(long long last, int wait_ms);
/* Wakes every waiter at shutdown; later calls do not wait. */
void	events_stop(void);

#endif
