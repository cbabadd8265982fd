/* Recovery and the periodic jobs (see periodic.h). */
#include "periodic.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent_flow.h"
#include "conductor.h"
#include "flow.h"
#include "fsm.h"
#include "inspect_agent.h"
#include "rescue_agent.h"
#include "log.h"
#include "netflow.h"
#include "node.h"
#include "power_sync.h"
#include "ring.h"
#include "store.h"
#include "uplink.h"
#include "util.h"

/* The periodic thread, and the heartbeat's own thread (beat). */
static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 cv;
	pthread_t		 thr, beat;
	bool			 started, beat_started;
	_Atomic bool		 stopping;
} per = {
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

static void check_agent_timeouts(void);
static void reconcile_switch_ports(void);

/*
 * One node left mid-operation: an interrupted power action is cleared and an
 * active transient state fails with a clear reason (why: who went away).
 */
void
periodic_recover_node(json_t *node, const char *why)
{
	const char *ps = node_provision_state(node);
	const struct fsm_state *st = fsm_state(ps);
	struct ierr e = { 0 };
	char msg[400];

	log_set_node(node_uuid(node));
	if (node_target_power_state(node) != NULL) {
		snprintf(msg, sizeof(msg), "Power action to %s was interrupted by "
		    "a conductor restart", node_target_power_state(node));
		node_set_target_power_state(node, NULL);
		node_set_last_error(node, msg);
		if (node_save(node, &e) != 0)
			log_error("%s", e.msg);
		node_history(node, "ERROR", "power", msg);
	}
	if (st != NULL && st->kind == FSM_ACTIVE) {
		snprintf(msg, sizeof(msg), "%s while the node was in state \"%s\"; the "
		    "operation was aborted", why, ps);
		log_warn("%s", msg);
		if (flow_fail_isolated(node, msg, &e) != 0)
			log_error("%s", e.msg);
	}
	if (netflow_managed(node)) {
		int fixed = netflow_reconcile(node);
		if (fixed > 0)
			log_warn("reconcile: corrected %d switch port(s)", fixed);
	}
	log_set_node(NULL);
}

/* Nodes of one query that no one holds, recovered. */
static void
recover_query(const struct store_query *q, const char *why)
{
	json_t *nodes, *node;
	char err[256];
	size_t i;

	nodes = store_list(store_thread(), &model_node, q, err, sizeof(err));
	json_array_foreach(nodes, i, node)
		if (node_reservation(node) == NULL)	/* not another conductor's task */
			periodic_recover_node(node, why);
	json_decref(nodes);
}

/*
 * Nodes this conductor left mid-operation fail with a clear reason: its own
 * (nodes.conductor) and those no conductor took yet; a node another
 * conductor holds the lock of is that one's.
 */
void
periodic_recover(void)
{
	struct store *s = store_thread();
	int n = store_release_all(s, cond_host_name);
	json_t *me = json_string(cond_host_name);
	struct store_query q = { .nfilters = 1 };
	char why[300];

	if (n > 0)
		log_warn("released %d node lock(s) left by a previous run of %s", n, cond_host_name);
	snprintf(why, sizeof(why), "Conductor %s restarted", cond_host_name);
	q.filters[0] = (struct store_filter){ .field = "conductor", .op = SO_EQ, .value = me };
	recover_query(&q, why);
	q.filters[0] = (struct store_filter){ .field = "conductor", .op = SO_NULL };
	recover_query(&q, why);
	json_decref(me);
	if ((n = uplink_reconcile_all()) > 0)
		log_warn("reconcile: corrected %d uplink(s)", n);
}

static void *
periodic_main(void *arg)
{
	double next_beat = util_mono_now(), next_sync, next_switch, next_trim = 0;
	struct timespec ts;

	(void)arg;
	next_sync = util_mono_now() + (cconf.sync_power_interval > 0 ?
	    cconf.sync_power_interval : 0);
	next_switch = util_mono_now() + cconf.switch_reconcile_interval;
	pthread_mutex_lock(&per.mtx);
	while (!per.stopping) {
		double now = util_mono_now();

		pthread_mutex_unlock(&per.mtx);
		if (now >= next_beat) {
			if (cond_owns_nodes())
				takeover_pass();
			else
				ring_refresh();	/* API-only: who owns what, to forward */
			next_beat = now + (cconf.heartbeat_interval > 0 ?
			    cconf.heartbeat_interval : 10);
		}
		if (now >= next_trim) {
			if (cond_owns_nodes())
				check_agent_timeouts();
			/* Hand freed heap back: bursts of large responses and
			 * many threads otherwise keep it resident. */
			malloc_trim(0);
			next_trim = now + 2;
		}
		if (!cond_owns_nodes())
			goto wait;	/* API-only: no periodic work on nodes */
		if (cconf.switch_reconcile_interval > 0 && now >= next_switch) {
			reconcile_switch_ports();
			next_switch = util_mono_now() + cconf.switch_reconcile_interval;
		}
		if (cconf.sync_power_interval > 0 && now >= next_sync) {
			power_sync_run(NULL);
			next_sync = util_mono_now() + cconf.sync_power_interval;
		}
wait:
		pthread_mutex_lock(&per.mtx);
		if (per.stopping)
			break;
		util_deadline_ms(&ts, 200);
		pthread_cond_timedwait(&per.cv, &per.mtx, &ts);
	}
	pthread_mutex_unlock(&per.mtx);
	store_thread_release();
	return NULL;
}

/*
 * The periodic walker: fn(node, ctx) for every node of this conductor
 * (nodes.conductor) whose field is value,
 * that want(node, ctx) (on the unlocked copy; NULL: every one) and no task
 * holds, under the node's lock and on a fresh copy.  Nodes locked by a
 * task are skipped: the next pass sees them.
 */
static void
each_locked(const char *field, const char *value, bool (*want)(json_t *, void *),
    void (*fn)(json_t *, void *), void *ctx)
{
	struct store_query q = { .nfilters = 2 };
	json_t *v = json_string(value), *me = json_string(cond_host_name), *all, *n, *node;
	char err[128];
	size_t i;

	q.filters[0].field = field;
	q.filters[0].op = SO_EQ;
	q.filters[0].value = v;
	q.filters[1] = (struct store_filter){ .field = "conductor", .op = SO_EQ, .value = me };
	all = store_list(store_thread(), &model_node, &q, err, sizeof(err));
	json_array_foreach(all, i, n) {
		struct ierr e;

		if (node_reservation(n) != NULL || (want && !want(n, ctx)))
			continue;
		if ((node = node_lock_reload(node_uuid(n), &e)) == NULL)
			continue;
		log_set_node(node_uuid(node));
		fn(node, ctx);
		node_unlock(node_uuid(node));
		json_decref(node);
		log_set_node(NULL);
	}
	json_decref(all);
	json_decref(v);
	json_decref(me);
}

struct timeout_pass {
	const char	*state;
	time_t		 now;
};

static bool
silent_too_long(json_t *node, void *ctx)
{
	const struct timeout_pass *t = ctx;

	return (agent_flow_used(node) || inspect_agent_used(node) ||
	    rescue_agent_used(node)) &&
	    agent_flow_timed_out(node, t->now) &&
	    strcmp(node_provision_state(node), t->state) == 0;
}

static void
fail_timed_out(json_t *node, void *ctx)
{
	struct ierr e = { 0 };
	char msg[300];

	if (!silent_too_long(node, ctx))
		return;		/* it spoke, or moved on, meanwhile */
	snprintf(msg, sizeof(msg), "Timeout reached while waiting for callback for "
	    "node %s", node_uuid(node));
	agent_flow_abort(node);
	if (cond_transition(node, "fail", msg, &e) != 0)
		log_error("%s (%s)", msg, e.msg);
	else
		log_error("%s", msg);
}

/* Nodes in states that time out (fsm.def) whose agent stayed silent. */
static void
check_agent_timeouts(void)
{
	struct timeout_pass t = { .now = time(NULL) };

	for (const struct fsm_state *st = fsm_states; st->name != NULL; st++) {
		if (st->timeout != FSM_TO_CALLBACK)
			continue;
		t.state = st->name;
		each_locked("provision_state", st->name, silent_too_long, fail_timed_out, &t);
	}
}

static void
reconcile_one(json_t *node, void *ctx)
{
	int fixed = netflow_reconcile(node);

	(void)ctx;
	if (fixed > 0)
		log_warn("reconcile: corrected %d switch port(s)", fixed);
}

/* Reads every managed switch port back and corrects it (a switch that was
 * down when a port had to change is fixed once it answers again). */
static void
reconcile_switch_ports(void)
{
	int n;

	each_locked("network_interface", "vlan", NULL, reconcile_one, NULL);
	if ((n = uplink_reconcile_all()) > 0)
		log_warn("reconcile: corrected %d uplink(s)", n);
}


/*
 * The conductor's heartbeat on a thread of its own: a power-sync pass over
 * many slow BMCs must not make a live conductor look dead to the others
 * (they would take its nodes while it works on them).
 */
static void *
beat_main(void *arg)
{
	struct timespec ts;
	int iv = cconf.heartbeat_interval > 0 ? cconf.heartbeat_interval : 10;

	(void)arg;
	pthread_mutex_lock(&per.mtx);
	while (!per.stopping) {
		pthread_mutex_unlock(&per.mtx);
		store_conductor_heartbeat(store_thread(), cond_host_name);
		pthread_mutex_lock(&per.mtx);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += iv;
		while (!per.stopping &&
		    pthread_cond_timedwait(&per.cv, &per.mtx, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&per.mtx);
	store_thread_release();
	return NULL;
}

void
periodic_start(void)
{
	per.stopping = false;
	per.beat_started = pthread_create(&per.beat, NULL, beat_main, NULL) == 0;
	per.started = pthread_create(&per.thr, NULL, periodic_main, NULL) == 0;
}

void
periodic_stop(void)
{
	pthread_mutex_lock(&per.mtx);
	per.stopping = true;
	pthread_cond_broadcast(&per.cv);
	pthread_mutex_unlock(&per.mtx);
	if (per.started)
		pthread_join(per.thr, NULL);
	if (per.beat_started)
		pthread_join(per.beat, NULL);
	per.started = per.beat_started = false;
}
