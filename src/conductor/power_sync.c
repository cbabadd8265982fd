/*
 * Power-state sync: a periodic job that reads every eligible node's power
 * state from its BMC and reconciles it with the record, as Ironic does.
 *
 * BMC reads run without the node lock, at bounded concurrency, each bounded
 * by the driver's own timeout, so one slow or dead BMC never delays the
 * others.  Only a node whose record must change is locked, re-read and
 * written.  A BMC that fails power_failure_max reads in a row puts its
 * node in maintenance with fault "power failure"; the first good read
 * afterwards clears it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "jsonutil.h"
#include "node.h"
#include "fsm.h"
#include "hw.h"
#include "log.h"
#include "metrics.h"
#include "power_sync.h"
#include "recovery.h"
#include "store.h"
#include "util.h"

#define FAULT_POWER "power failure"

static struct metric pass_time = METRIC_HIST("ingot_power_sync_duration_seconds",
    "Time of one power-sync pass over every node.", metric_buckets_ops, NULL);
static struct metric bmc_errors = METRIC_INIT("ingot_bmc_errors_total",
    "Failed BMC power-state reads of power sync, by power interface.",
    METRIC_COUNTER, "interface");

struct failure {
	char	uuid[UUID_STR_LEN];
	int	count;
};

/* The module's state: settings, consecutive BMC failures, the last pass's figures. */
static struct {
	pthread_mutex_t		 fail_mtx;
	struct failure		*failures;
	size_t			 nfailures;
	struct power_sync_conf	 sconf;
	pthread_mutex_t		 stats_mtx;
	struct power_sync_stats	 last_stats;
} ps = {
	.fail_mtx = PTHREAD_MUTEX_INITIALIZER,
	.stats_mtx = PTHREAD_MUTEX_INITIALIZER,
};

void
power_sync_configure(const struct power_sync_conf *c)
{
	ps.sconf = *c;
	if (ps.sconf.workers <= 0)
		ps.sconf.workers = 32;
	if (ps.sconf.failure_max <= 0)
		ps.sconf.failure_max = 3;
}

/* Returns the new consecutive-failure count (0 after a success). */
static int
note_result(const char *uuid, bool ok)
{
	size_t i;
	int n = 0;

	pthread_mutex_lock(&ps.fail_mtx);
	for (i = 0; i < ps.nfailures; i++)
		if (strcmp(ps.failures[i].uuid, uuid) == 0)
			break;
	if (ok) {
		if (i < ps.nfailures)
			ps.failures[i] = ps.failures[--ps.nfailures];
	} else {
		if (i == ps.nfailures) {
			ps.failures = realloc(ps.failures, (ps.nfailures + 1) * sizeof(*ps.failures));
			if (ps.failures == NULL)
				fatalx("out of memory");
			snprintf(ps.failures[i].uuid, sizeof(ps.failures[i].uuid), "%s", uuid);
			ps.failures[i].count = 0;
			ps.nfailures++;
		}
		n = ++ps.failures[i].count;
	}
	pthread_mutex_unlock(&ps.fail_mtx);
	return n;
}

static bool
eligible(json_t *node)
{
	const char *ps = node_provision_state(node);
	const struct fsm_state *st = fsm_state(ps);
	const char *fault = node_fault(node);

	if (node_reservation(node) != NULL || node_target_power_state(node) != NULL)
		return false;
	if (ps == NULL || strcmp(ps, "enroll") == 0 || st == NULL || st->kind == FSM_ACTIVE)
		return false;
	/* Nodes in maintenance are left alone, except to notice recovery. */
	if (node_maintenance(node))
		return fault != NULL && strcmp(fault, FAULT_POWER) == 0;
	return true;
}

/* The BMC stopped answering: the node goes into maintenance (fault
 * "power failure") with its power state unknown.  false: it already is in
 * maintenance, nothing changed. */
static bool
record_unreachable(struct store *s, json_t *node, int fails, const char *err)
{
	const char *uuid = node_uuid(node);
	char msg[900];

	if (node_maintenance(node))
		return false;
	snprintf(msg, sizeof(msg), "During sync_power_state, max retries "
	    "exceeded for node %s, node state None does not match expected "
	    "state '%s'. Updating DB state to 'None' Switching node to "
	    "maintenance mode. Error: %s", uuid,
	    node_power_state(node) ? node_power_state(node) : "None", err);
	json_object_set_new(node, "maintenance", json_true());
	json_object_set_new(node, "fault", json_string(FAULT_POWER));
	json_object_set_new(node, "maintenance_reason", json_string(msg));
	json_object_set_new(node, "power_state", json_null());
	store_history_add(s, uuid, "ERROR", "monitoring",
	    "power failure: BMC unreachable, node put in maintenance", cond_host_name, NULL);
	events_publish(uuid, "ERROR", "monitoring",
	    "power failure: BMC unreachable, node put in maintenance");
	log_error("power sync: %d failed reads in a row, node in maintenance: %s",
	    fails, err);
	return true;
}

/* The BMC answers again: the power failure it caused is cleared. */
static void
clear_power_fault(struct store *s, json_t *node)
{
	if (!node_maintenance(node) || !node_fault(node) ||
	    strcmp(node_fault(node), FAULT_POWER) != 0)
		return;
	json_object_set_new(node, "maintenance", json_false());
	json_object_set_new(node, "fault", json_null());
	json_object_set_new(node, "maintenance_reason", json_null());
	store_history_add(s, node_uuid(node), "INFO", "monitoring",
	    "power failure cleared: the BMC answers again", cond_host_name, NULL);
	events_publish(node_uuid(node), "INFO", "monitoring",
	    "power failure cleared: the BMC answers again");
	log_info("power sync: BMC answers again, power failure cleared");
}

/* The power state read differs from the record: restore the recorded one
 * ([conductor] force_power_state_during_sync), else record what was read. */
static void
apply_power(struct store *s, json_t *node, enum hw_power st)
{
	const char *uuid = node_uuid(node), *recorded = node_power_state(node);
	const char *actual = st == HW_POWER_ON ? "power on" : "power off";
	const struct hw_power_ops *p;
	char msg[900], perr[512] = "";

	if (recorded != NULL && strcmp(recorded, actual) == 0)
		return;
	if (recorded != NULL && ps.sconf.force) {
		p = hw_power_find(node_power_interface(node));
		snprintf(msg, sizeof(msg), "During sync_power_state, node %s state '%s' "
		    "does not match expected state '%s'. Changing hardware state to '%s'.",
		    uuid, actual, recorded, recorded);
		log_warn("%s", msg);
		store_history_add(s, uuid, "WARNING", "monitoring", msg, cond_host_name, NULL);
		if (p != NULL && p->set_state(node, strcmp(recorded, "power on") == 0 ?
		    HW_ACT_POWER_ON : HW_ACT_POWER_OFF, 0, perr, sizeof(perr)) != 0)
			log_error("power sync: could not restore %s: %s", recorded, perr);
		return;
	}
	snprintf(msg, sizeof(msg), "During sync_power_state, node %s state "
	    "changed from '%s' to '%s'; updating the record.", uuid,
	    recorded ? recorded : "None", actual);
	log_info("%s", msg);
	if (recorded != NULL)
		store_history_add(s, uuid, "INFO", "monitoring", msg, cond_host_name, NULL);
	json_object_set_new(node, "power_state", json_string(actual));
}

/* Applies a result to the node under its lock; skips a busy node. */
static void
reconcile(json_t *seen, int rc, enum hw_power st, const char *err)
{
	const char *uuid = node_uuid(seen);
	struct store *s;
	char msg[512], now[40];
	json_t *node;
	int fails = note_result(uuid, rc == 0);
	bool changed = true;

	if (recovery_detect(seen, rc, st, fails, err))
		return;		/* an active node: recovery's to judge */
	if (rc == 0 && !node_maintenance(seen) &&
	    node_power_state(seen) != NULL &&
	    strcmp(node_power_state(seen), st == HW_POWER_ON ? "power on" :
	    "power off") == 0)
		return;		/* the common case: nothing to write */
	if (rc != 0 && fails < ps.sconf.failure_max)
		return;
	/* only now: a sweep thread lives for one pass, and its connection
	 * (a server process on PostgreSQL) with it; a pass where nothing
	 * changed opens none */
	s = store_thread();
	if (store_node_reserve(s, uuid, cond_host_name) != STORE_OK)
		return;		/* someone is working on it; next cycle */
	if ((node = store_get(s, &model_node, "uuid", uuid)) != NULL) {
		log_set_node(uuid);
		if (rc != 0) {
			changed = record_unreachable(s, node, fails, err);
		} else {
			clear_power_fault(s, node);
			apply_power(s, node, st);
		}
	}
	if (node != NULL && changed) {
		util_now_iso(now);
		json_object_set_new(node, "updated_at", json_string(now));
		if (store_update(s, &model_node, node, msg, sizeof(msg)) != STORE_OK)
			log_error("power sync: cannot save node %s: %s", uuid, msg);
	}
	json_decref(node);
	store_node_release(s, uuid, cond_host_name);
	log_set_node(NULL);
}

/*
 * A pass's queue: the pass adds each page's eligible nodes, workers take
 * them.  The workers live for the whole pass, so a slow BMC delays its
 * own read only, not the next page; the pass reads the next page once
 * every node of the queue is taken, so memory stays about a page.
 */
struct sweep {
	json_t		*nodes;		/* nodes[next..]: not taken yet */
	size_t		 next;
	bool		 done;		/* no more pages */
	size_t		 workers;
	int		 taken;		/* nodes handed to a worker */
	int		 failed;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
};

/* The next node (a reference), or NULL once the pass has none left. */
static json_t *
sweep_take(struct sweep *sw)
{
	json_t *node = NULL;

	pthread_mutex_lock(&sw->mtx);
	while (sw->next >= json_array_size(sw->nodes) && !sw->done)
		pthread_cond_wait(&sw->cv, &sw->mtx);
	if (sw->next < json_array_size(sw->nodes)) {
		node = json_incref(json_array_get(sw->nodes, sw->next++));
		sw->taken++;
		if (sw->next == json_array_size(sw->nodes))
			pthread_cond_broadcast(&sw->cv);	/* the pass: time for a page */
	}
	pthread_mutex_unlock(&sw->mtx);
	return node;
}

static void *
sweep_worker(void *arg)
{
	struct sweep *sw = arg;
	json_t *node;

	while ((node = sweep_take(sw)) != NULL) {
		const struct hw_power_ops *p = hw_power_find(node_power_interface(node));
		enum hw_power st = HW_POWER_UNKNOWN;
		char err[512] = "";
		int rc;

		if (p == NULL) {
			json_decref(node);
			continue;
		}
		rc = p->get_state(node, &st, err, sizeof(err));
		if (rc == 0 && st == HW_POWER_UNKNOWN) {
			rc = -1;
			snprintf(err, sizeof(err), "the BMC reports an unknown power state");
		}
		if (rc != 0) {
			pthread_mutex_lock(&sw->mtx);
			sw->failed++;
			pthread_mutex_unlock(&sw->mtx);
			metric_add(&bmc_errors, 1, p->name);
		}
		reconcile(node, rc, st, err);
		json_decref(node);
	}
	store_thread_release();
	return NULL;
}

/* Waits until every node of the queue is taken, then makes a page's
 * eligible nodes the queue; returns how many (the pass starts workers by
 * it). */
static int
sweep_add(struct sweep *sw, json_t *page)
{
	json_t *queue = json_array(), *node;
	size_t i;

	json_array_foreach(page, i, node)
		if (eligible(node))
			json_array_append(queue, node);
	pthread_mutex_lock(&sw->mtx);
	while (sw->next < json_array_size(sw->nodes))
		pthread_cond_wait(&sw->cv, &sw->mtx);
	json_decref(sw->nodes);
	sw->nodes = queue;
	sw->next = 0;
	pthread_cond_broadcast(&sw->cv);
	pthread_mutex_unlock(&sw->mtx);
	return (int)json_array_size(queue);
}

/* A pass over this conductor's nodes, read a page at a time: memory is
 * bounded by the page, not the fleet (a list of 100,000 nodes as JSON
 * is about a GiB). */
#define SYNC_PAGE 1000

int
power_sync_run(struct power_sync_stats *out)
{
	json_t *me = json_string(cond_host_name);
	struct store_query q = { .nfilters = 1, .filters[0] = { .field = "conductor",
	    .op = SO_EQ, .value = me }, .limit = SYNC_PAGE };	/* this conductor's nodes only */
	struct sweep sw = { .mtx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	struct retry_pass rp = { 0 };
	pthread_t *thr;
	json_t *page;
	char err[256];
	long long last = 0;
	double t0 = util_mono_now();
	int nodes = 0, nthr = 0, rc = 0;
	size_t got;

	recovery_pass_begin();
	sw.nodes = json_array();
	sw.workers = ps.sconf.workers > 0 ? (size_t)ps.sconf.workers : 1;
	thr = util_calloc(sw.workers, sizeof(*thr));
	do {
		/* by row id, not by a marker node: a node deleted between two
		 * pages would end the pass ("marker not found") */
		q.after_id = last;
		q.last_id = &last;
		page = store_list(store_thread(), &model_node, &q, err, sizeof(err));
		if (page == NULL) {
			log_error("power sync: cannot list nodes: %s", err);
			rc = -1;
			break;
		}
		got = json_array_size(page);
		recovery_retry_page(&rp, page);
		nodes += sweep_add(&sw, page);
		json_decref(page);
		/* a worker per node up to workers: a small fleet starts few */
		for (; nthr < nodes && (size_t)nthr < sw.workers; nthr++)
			pthread_create(&thr[nthr], NULL, sweep_worker, &sw);
	} while (got == SYNC_PAGE);
	pthread_mutex_lock(&sw.mtx);
	sw.done = true;
	pthread_cond_broadcast(&sw.cv);
	pthread_mutex_unlock(&sw.mtx);
	for (int k = 0; k < nthr; k++)
		pthread_join(thr[k], NULL);
	free(thr);
	json_decref(sw.nodes);
	pthread_cond_destroy(&sw.cv);
	pthread_mutex_destroy(&sw.mtx);
	json_decref(me);
	if (rc != 0) {		/* a part of the pass: retries wait for a whole one */
		recovery_retry_abandon(&rp);
		return -1;
	}
	recovery_retry_finish(&rp);
	pthread_mutex_lock(&ps.stats_mtx);
	ps.last_stats.nodes = sw.taken;
	ps.last_stats.failed = sw.failed;
	ps.last_stats.seconds = util_mono_now() - t0;
	metric_observe(&pass_time, ps.last_stats.seconds);
	ps.last_stats.cycles++;
	if (out != NULL)
		*out = ps.last_stats;
	pthread_mutex_unlock(&ps.stats_mtx);
	if (ps.last_stats.nodes > 0)
		log_info("power sync: %d nodes in %.3f s, %d BMC reads failed",
		    ps.last_stats.nodes, ps.last_stats.seconds, ps.last_stats.failed);
	return 0;
}

void
power_sync_stats(struct power_sync_stats *out)
{
	pthread_mutex_lock(&ps.stats_mtx);
	*out = ps.last_stats;
	pthread_mutex_unlock(&ps.stats_mtx);
}
