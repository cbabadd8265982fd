/* Recovery and the periodic jobs (see periodic.h). */
#include "periodic.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent_flow.h"
#include "flow.h"
#include "fsm.h"
#include "log.h"
#include "netflow.h"
#include "node.h"
#include "power_sync.h"
#include "store.h"
#include "uplink.h"
#include "util.h"

static pthread_mutex_t per_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t per_cv = PTHREAD_COND_INITIALIZER;
static pthread_t periodic_thr;
static bool periodic_started;
static _Atomic bool stopping;

static void check_agent_timeouts(void);
static void reconcile_switch_ports(void);

/* Nodes this conductor left mid-operation fail with a clear reason. */
void
periodic_recover(void)
{
	struct store *s = store_thread();
	int n = store_release_all(s, cond_host_name);
	json_t *nodes, *node;
	struct store_query q = { .nfilters = 0 };
	char err[256];
	size_t i;

	if (n > 0)
		log_warn("released %d node lock(s) left by a previous run of %s", n, cond_host_name);
	nodes = store_list(s, &model_node, &q, err, sizeof(err));
	json_array_foreach(nodes, i, node) {
		const char *ps = node_get(node, "provision_state");
		const struct fsm_state *st = fsm_state(ps);
		char msg[400];

		log_set_node(node_get(node, "uuid"));
		if (node_get(node, "target_power_state") != NULL) {
			snprintf(msg, sizeof(msg), "Power action to %s was interrupted by "
			    "a conductor restart", node_get(node, "target_power_state"));
			node_set(node, "target_power_state", NULL);
			node_set(node, "last_error", msg);
			node_save(node);
			node_history(node, "ERROR", "power", msg);
		}
		if (st != NULL && st->kind == FSM_ACTIVE) {
			snprintf(msg, sizeof(msg), "Conductor %s restarted while the node "
			    "was in state \"%s\"; the operation was aborted", cond_host_name, ps);
			log_warn("%s", msg);
			flow_fail_isolated(node, msg);
		}
		if (netflow_managed(node)) {
			int fixed = netflow_reconcile(node);
			if (fixed > 0)
				log_warn("reconcile: corrected %d switch port(s)", fixed);
		}
		log_set_node(NULL);
	}
	json_decref(nodes);
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
	pthread_mutex_lock(&per_mtx);
	while (!stopping) {
		double now = util_mono_now();

		pthread_mutex_unlock(&per_mtx);
		if (now >= next_beat) {
			store_conductor_heartbeat(store_thread(), cond_host_name);
			next_beat = now + (cconf.heartbeat_interval > 0 ?
			    cconf.heartbeat_interval : 10);
		}
		if (now >= next_trim) {
			check_agent_timeouts();
			/* Hand freed heap back: bursts of large responses and
			 * many threads otherwise keep it resident. */
			malloc_trim(0);
			next_trim = now + 2;
		}
		if (cconf.switch_reconcile_interval > 0 && now >= next_switch) {
			reconcile_switch_ports();
			next_switch = util_mono_now() + cconf.switch_reconcile_interval;
		}
		if (cconf.sync_power_interval > 0 && now >= next_sync) {
			power_sync_run(NULL);
			next_sync = util_mono_now() + cconf.sync_power_interval;
		}
		pthread_mutex_lock(&per_mtx);
		if (stopping)
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&per_cv, &per_mtx, &ts);
	}
	pthread_mutex_unlock(&per_mtx);
	store_thread_release();
	return NULL;
}

/*
 * The periodic walker: fn(node, ctx) for every node whose field is value,
 * that want(node, ctx) (on the unlocked copy; NULL: every one) and no task
 * holds, under the node's lock and on a fresh copy.  Nodes locked by a
 * task are skipped: the next pass sees them.
 */
static void
each_locked(const char *field, const char *value, bool (*want)(json_t *, void *),
    void (*fn)(json_t *, void *), void *ctx)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(value), *all, *n, *node;
	char err[128];
	size_t i;

	q.filters[0].field = field;
	q.filters[0].op = SO_EQ;
	q.filters[0].value = v;
	all = store_list(store_thread(), &model_node, &q, err, sizeof(err));
	json_array_foreach(all, i, n) {
		struct ierr e;

		if (node_get(n, "reservation") != NULL || (want && !want(n, ctx)))
			continue;
		if ((node = node_lock_reload(node_get(n, "uuid"), &e)) == NULL)
			continue;
		log_set_node(node_get(node, "uuid"));
		fn(node, ctx);
		node_unlock(node_get(node, "uuid"));
		json_decref(node);
		log_set_node(NULL);
	}
	json_decref(all);
	json_decref(v);
}

struct timeout_pass {
	const char	*state;
	time_t		 now;
};

static bool
silent_too_long(json_t *node, void *ctx)
{
	const struct timeout_pass *t = ctx;

	return agent_flow_used(node) && agent_flow_timed_out(node, t->now) &&
	    strcmp(node_get(node, "provision_state"), t->state) == 0;
}

static void
fail_timed_out(json_t *node, void *ctx)
{
	char msg[300];

	if (!silent_too_long(node, ctx))
		return;		/* it spoke, or moved on, meanwhile */
	snprintf(msg, sizeof(msg), "Timeout reached while waiting for callback for "
	    "node %s", node_get(node, "uuid"));
	agent_flow_abort(node);
	cond_transition(node, "fail", msg);
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


void
periodic_start(void)
{
	stopping = false;
	periodic_started = pthread_create(&periodic_thr, NULL, periodic_main, NULL) == 0;
}

void
periodic_stop(void)
{
	pthread_mutex_lock(&per_mtx);
	stopping = true;
	pthread_cond_broadcast(&per_cv);
	pthread_mutex_unlock(&per_mtx);
	if (periodic_started)
		pthread_join(periodic_thr, NULL);
	periodic_started = false;
}
