/* Node fields, save, history, transitions and locks (see node.h). */
#include "node.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conductor.h"
#include "events.h"
#include "fsm.h"
#include "hw.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "util.h"

struct cond_conf cconf;
char cond_host_name[256];

bool
cond_owns_nodes(void)
{
	return cconf.role == NULL || strcmp(cconf.role, "api") != 0;
}

void
node_set(json_t *node, const char *k, const char *v)
{
	json_object_set_new(node, k, v ? json_string(v) : json_null());
}

const char *
node_get(json_t *node, const char *k)
{
	return json_string_value(json_object_get(node, k));
}

bool
node_in_maintenance(json_t *node)
{
	return node_maintenance(node);
}

/* Tenants read last_error and history: neither names the BMC's address. */
static void
scrub_last_error(json_t *node)
{
	const char *e = node_last_error(node);
	char clean[1200];

	if (e == NULL)
		return;
	hw_scrub_bmc(node_driver_info(node), e, clean, sizeof(clean));
	if (strcmp(clean, e) != 0)
		node_set_last_error(node, clean);
}

int
node_save(json_t *node, struct ierr *e)
{
	char now[40], err[256];

	util_now_iso(now);
	node_set_updated_at(node, now);
	scrub_last_error(node);
	if (store_update(store_thread(), &model_node, node, err, sizeof(err)) != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "cannot save node %s: %s", node_uuid(node),
		    err);
		return -1;
	}
	return 0;
}

void
node_history(json_t *node, const char *severity, const char *type, const char *event)
{
	char clean[1200];

	hw_scrub_bmc(node_driver_info(node), event, clean, sizeof(clean));
	store_history_add(store_thread(), node_uuid(node), severity, type,
	    clean, cond_host_name, NULL);
	events_publish(node_uuid(node), severity, type, clean);
}

static struct metric ops_started = METRIC_INIT("ingot_provision_operations_started_total",
    "Provisioning operations accepted, by verb.", METRIC_COUNTER, "operation");
static struct metric ops_done = METRIC_INIT("ingot_provision_operations_total",
    "Provisioning operations ended, by verb and result (succeeded, failed).",
    METRIC_COUNTER, "operation", "result");
static struct metric ops_time = METRIC_HIST("ingot_provision_operation_duration_seconds",
    "Time from accepting a provisioning verb to its end, by verb.",
    metric_buckets_long, "operation");

void
node_operation_start(json_t *node, const char *verb)
{
	json_t *dii = node_driver_internal_info(node);

	json_object_set_new(dii, "operation", json_string(verb));
	json_object_set_new(dii, "operation_started", json_real(util_wall_now()));
	metric_add(&ops_started, 1, verb);
}

/* The node left its operation's last busy state for a stable or failed
 * one: the operation ends (counted once; the marks are removed). */
static void
operation_end(json_t *node, const struct fsm_state *from, const struct fsm_state *to)
{
	json_t *dii = node_driver_internal_info(node);
	const char *op = json_string_value(json_object_get(dii, "operation"));
	double t0 = json_number_value(json_object_get(dii, "operation_started"));

	if (op == NULL || from == NULL || to == NULL || from->kind == FSM_STABLE ||
	    (to->kind != FSM_STABLE && to->kind != FSM_FAILED))
		return;
	metric_add(&ops_done, 1, op, to->kind == FSM_STABLE ? "succeeded" : "failed");
	if (t0 > 0)
		metric_observe(&ops_time, util_wall_now() - t0, op);
	json_object_del(dii, "operation");
	json_object_del(dii, "operation_started");
}

int
cond_transition(json_t *node, const char *event, const char *last_error, struct ierr *e)
{
	const char *from = node_provision_state(node);
	const char *cur_target = node_target_provision_state(node);
	const struct fsm_transition *t = fsm_find(from, event);
	char now[40], from_copy[32], msg[900];
	const char *to, *target;

	if (t == NULL) {
		ierr_set(e, IG_ECONFLICT, "node %s: no transition from %s on %s",
		    node_uuid(node), from ? from : "(none)", event);
		return -1;
	}
	snprintf(from_copy, sizeof(from_copy), "%s", from);
	to = fsm_destination(t, cur_target);
	target = fsm_target(t, to, cur_target);
	node_set_provision_state(node, to);
	node_set_target_provision_state(node, target);
	util_now_iso(now);
	node_set_provision_updated_at(node, now);
	if (last_error != NULL)
		node_set_last_error(node, last_error);
	operation_end(node, fsm_state(from_copy), fsm_state(to));
	if (node_save(node, e) != 0)
		return -1;
	log_info("provision state %s -> %s (%s)", from_copy, to, event);
	snprintf(msg, sizeof(msg), "Provision state %s -> %s (%s)", from_copy, to, event);
	events_publish(node_uuid(node), "INFO", "provision_state", msg);
	if (last_error != NULL) {
		snprintf(msg, sizeof(msg), "%s", last_error);
		node_history(node, "ERROR", "provisioning", msg);
	}
	return 0;
}

/* A lock held by a running operation (a worker in an active state, a power
 * action under way) is not given back soon: waiting for it is pointless. */
static bool
held_long(json_t *n)
{
	const struct fsm_state *st = fsm_state(node_provision_state(n));

	return (st != NULL && st->kind == FSM_ACTIVE) || node_target_power_state(n) != NULL;
}

/* Takes the node's lock.  A lock another request holds briefly (a PATCH, a
 * heartbeat, a power-sync read) is tried again for a bounded time, as
 * Ironic's node_locked_retry_attempts, so clients rarely see 409: after
 * 1 ms, then twice as long each time up to node_locked_retry_interval. */
int
node_lock(const char *uuid, struct ierr *e)
{
	int tries = cconf.lock_retry_attempts > 0 ? cconf.lock_retry_attempts : 1;
	long gap_us = 1000, max_us = (long)cconf.lock_retry_interval * 1000;
	json_t *n = NULL;
	int rc;

	for (int i = 0;; i++) {
		rc = store_node_reserve(store_thread(), uuid, cond_host_name);
		if (rc != STORE_LOCKED)
			break;
		json_decref(n);
		n = store_get(store_thread(), &model_node, "uuid", uuid);
		if (n == NULL || held_long(n) || i + 1 >= tries)
			break;
		/* Brief holders let go within milliseconds: try again soon,
		 * then less often. */
		usleep((useconds_t)(gap_us < max_us ? gap_us : max_us));
		gap_us *= 2;
	}
	if (rc == STORE_OK) {
		json_decref(n);
		return 0;
	}
	if (rc == STORE_LOCKED)
		ierr_set(e, IG_ELOCKED, "Node %s is locked by host %s, please retry after "
		    "the current operation is completed.", uuid,
		    n && node_reservation(n) ? node_reservation(n) : "?");
	else if (rc == STORE_NOTFOUND)
		ierr_set(e, IG_ENOTFOUND, "Node %s could not be found.", uuid);
	else
		ierr_set(e, IG_EINTERNAL, "database error while locking node %s", uuid);
	json_decref(n);
	return -1;
}

void
node_unlock(const char *uuid)
{
	if (store_node_release(store_thread(), uuid, cond_host_name) != STORE_OK)
		log_warn("node %s was not locked by %s at release", uuid, cond_host_name);
}

/* Re-reads a node after taking its lock, so nothing changed in between. */
json_t *
node_lock_reload(const char *uuid, struct ierr *e)
{
	json_t *n;

	if (node_lock(uuid, e) != 0)
		return NULL;
	n = store_get(store_thread(), &model_node, "uuid", uuid);
	if (n == NULL) {
		ierr_set(e, IG_ENOTFOUND, "Node %s could not be found.", uuid);
		return NULL;
	}
	return n;
}

/* Both nodes hold the same string k (absent and empty are the same). */
bool
node_same_str(json_t *a, json_t *b, const char *k)
{
	const char *x = node_get(a, k), *y = node_get(b, k);

	return (x == NULL || *x == '\0') ? (y == NULL || *y == '\0') :
	    y != NULL && strcmp(x, y) == 0;
}
