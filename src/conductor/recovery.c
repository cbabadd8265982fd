/*
 * Recovery from server failure: detection, fencing and the failed node's
 * flow (see recovery.h and docs/recovery.md).
 *
 * Detection rides on power sync and costs no extra BMC call: power sync
 * already counts each node's failed reads in a row; recovery keeps, in
 * memory, only the time it first saw each active node powered off
 * without a request.  A node is failed when its BMC missed bmc_failures
 * passes in a row, or when it stayed off past power_off_grace.  A read
 * that succeeds again (or power back on) clears the suspicion: flapping
 * BMCs never reach the threshold, and at most max_per_pass recoveries
 * start in one pass (a BMC network outage does not fence the fleet).
 *
 * Fencing comes first and must be confirmed: power off read back from the
 * BMC, or, when the BMC does not answer, every wired switch port isolated
 * and read back from the switch; the node's volume exports are revoked
 * either way.  Unconfirmed fencing stops everything: the node goes to
 * "recover failed" in maintenance (fault "fencing failure") and keeps its
 * instance.
 */
#include "recovery.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "fsm.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "netflow.h"
#include "node.h"
#include "portctl.h"
#include "store.h"
#include "util.h"
#include "worker.h"

static struct metric outcomes = METRIC_INIT("ingot_recoveries_total",
    "Recoveries from server failure, by outcome (moved, no_spare, "
    "fencing_failed, waiting_operator).", METRIC_COUNTER, "outcome");
static struct metric detections = METRIC_INIT("ingot_recovery_detections_total",
    "Failed servers detected, by cause (bmc, power_off, sensor, operator).",
    METRIC_COUNTER, "cause");

struct off_seen {
	char	uuid[UUID_STR_LEN];
	double	since;
};

/* The module's state: when active nodes were first seen off, and how many
 * recoveries this pass started. */
static struct {
	pthread_mutex_t		 mtx;
	struct off_seen		*off;
	size_t			 noff;
	int			 started;
} rs = { .mtx = PTHREAD_MUTEX_INITIALIZER };

static bool
policy_ok(const char *p)
{
	return p != NULL && (strcmp(p, "automatic") == 0 || strcmp(p, "manual") == 0 ||
	    strcmp(p, "off") == 0);
}

int
recovery_configure(const struct recovery_conf *c, char *err, size_t len)
{
	if (!policy_ok(c->policy)) {
		snprintf(err, len, "[recovery] policy must be automatic, manual or off, "
		    "not \"%s\"", c->policy ? c->policy : "");
		return -1;
	}
	if (cconf.recovery.spare_trait == NULL)
		cconf.recovery.spare_trait = "";
	if (cconf.recovery.bmc_failures <= 0)
		cconf.recovery.bmc_failures = 3;
	if (cconf.recovery.max_per_pass <= 0)
		cconf.recovery.max_per_pass = 2;
	return 0;
}

const char *
recovery_policy(json_t *node)
{
	const char *p = jstr(node_driver_info(node), "recovery_policy");

	if (p == NULL)
		return cconf.recovery.policy != NULL ? cconf.recovery.policy : "manual";
	return policy_ok(p) ? p : "manual";	/* a typo never moves anything */
}

void
recovery_pass_begin(void)
{
	pthread_mutex_lock(&rs.mtx);
	rs.started = 0;
	pthread_mutex_unlock(&rs.mtx);
}

/* When the node was first seen off (now, if it was not), or forgets it. */
static double
off_since(const char *uuid, bool off)
{
	double now = util_mono_now(), t = now;
	size_t i;

	pthread_mutex_lock(&rs.mtx);
	for (i = 0; i < rs.noff && strcmp(rs.off[i].uuid, uuid) != 0; i++)
		;
	if (!off && i < rs.noff)
		rs.off[i] = rs.off[--rs.noff];
	else if (off && i < rs.noff)
		t = rs.off[i].since;
	else if (off) {
		rs.off = realloc(rs.off, (rs.noff + 1) * sizeof(*rs.off));
		if (rs.off == NULL)
			fatalx("out of memory");
		snprintf(rs.off[i].uuid, sizeof(rs.off[i].uuid), "%s", uuid);
		rs.off[rs.noff++].since = now;
	}
	pthread_mutex_unlock(&rs.mtx);
	return now - t;
}

static bool
take_slot(void)
{
	bool ok;

	pthread_mutex_lock(&rs.mtx);
	ok = rs.started < cconf.recovery.max_per_pass;
	if (ok)
		rs.started++;
	pthread_mutex_unlock(&rs.mtx);
	return ok;
}

/* An active node, not in maintenance, whose policy lets Ingot act. */
static bool
watched(json_t *n)
{
	const char *ps = node_provision_state(n);

	return ps != NULL && strcmp(ps, "active") == 0 && !node_in_maintenance(n) &&
	    strcmp(recovery_policy(n), "off") != 0;
}

/* Starts the recovery of a node found failed, under its lock. */
static void
trigger(json_t *seen, const char *cause, const char *why)
{
	struct ierr e = { 0 };
	json_t *node, *rec;
	char ev[900];

	if ((node = node_lock_reload(node_uuid(seen), &e)) == NULL)
		return;		/* busy: the next pass sees it again */
	log_set_node(node_uuid(node));
	if (!watched(node) || !take_slot()) {
		if (watched(node))
			log_warn("recovery: more than %d failures this pass; the node "
			    "waits for the next one: %s", cconf.recovery.max_per_pass, why);
		node_unlock(node_uuid(node));
		json_decref(node);
		log_set_node(NULL);
		return;
	}
	rec = json_pack("{s:s, s:s, s:s}", "cause", cause, "evidence", why, "phase",
	    "detected");
	json_object_set_new(node_driver_internal_info(node), "recovery", rec);
	node_operation_start(node, "recover");
	snprintf(ev, sizeof(ev), "Server failure detected (%s): %s", cause, why);
	node_history(node, "ERROR", "recovery", ev);
	log_warn("%s", ev);
	metric_add(&detections, 1, cause);
	if (cond_transition(node, "recover", NULL, &e) != 0) {
		log_error("%s", e.msg);
		node_unlock(node_uuid(node));
	} else {
		worker_submit(flow_recover, node_uuid(node), json_pack("{s:b}", "detected", 1));
	}
	(void)off_since(node_uuid(node), false);
	recovery_sensor_forget(node_uuid(node));
	json_decref(node);
	log_set_node(NULL);
}

bool
recovery_detect(json_t *seen, int rc, enum hw_power st, int fails, const char *err)
{
	const char *rec = node_power_state(seen);
	char why[800];
	double off;

	if (!watched(seen)) {
		(void)off_since(node_uuid(seen), false);
		recovery_sensor_forget(node_uuid(seen));
		return false;
	}
	if (rc != 0) {
		if (fails >= cconf.recovery.bmc_failures) {
			snprintf(why, sizeof(why), "the BMC did not answer %d power-sync "
			    "passes in a row (last error: %s)", fails, err);
			trigger(seen, "bmc", why);
		}
		return true;	/* below the threshold: damped, nothing recorded */
	}
	if (st != HW_POWER_OFF || rec == NULL || strcmp(rec, "power on") != 0) {
		(void)off_since(node_uuid(seen), false);
		if (st != HW_POWER_ON || !recovery_sensor_check(seen, why, sizeof(why)))
			return false;
		trigger(seen, "sensor", why);
		return true;
	}
	off = off_since(node_uuid(seen), true);
	if (off < cconf.recovery.power_off_grace)
		return !cconf.force_power_state;  /* forced: power sync powers it on */
	snprintf(why, sizeof(why), "power found off without a request and still off "
	    "after %.0f s (grace %d s)", off, cconf.recovery.power_off_grace);
	trigger(seen, "power_off", why);
	return true;
}

/* Isolates every wired port and reads each back: the number isolated,
 * 0 when the node has none Ingot manages, -1 with err. */
static int
isolate_ports(json_t *node, char *err, size_t len)
{
	struct store_query q = { .nfilters = 1 };
	json_t *ports, *p;
	int n = 0, trunks[PORTCTL_MAX_VLANS], nt, native;
	size_t i;

	if (!netflow_managed(node))
		return 0;
	if (netflow_apply(node, NET_ISOLATED, err, len) != 0)
		return -1;
	q.filters[0] = (struct store_filter){ "node_uuid", SO_EQ,
	    json_object_get(node, "uuid"), NULL, NULL };
	ports = store_list(store_thread(), &model_port, &q, err, len);
	json_array_foreach(ports, i, p) {
		json_t *llc = json_object_get(p, "local_link_connection");
		if (jstr(llc, "switch_id") == NULL || jstr(llc, "port_id") == NULL)
			continue;
		if (portctl_get(jstr(llc, "switch_id"), jstr(llc, "switch_info"),
		    jstr(llc, "port_id"), &native, trunks, &nt, err, len) != 0 ||
		    native != 0 || nt != 0) {
			if (native != 0 || nt != 0)
				snprintf(err, len, "port %s still carries VLANs after isolation",
				    jstr(llc, "port_id"));
			n = -1;
			break;
		}
		n++;
	}
	json_decref(ports);
	return ports == NULL ? -1 : n;
}

/* The node's volume exports end (target, CHAP account and ACL). */
static int
revoke_volumes(json_t *node, char *err, size_t len)
{
	const struct hw_generic_ops *s = drv_generic(node, HW_IF_STORAGE);

	if (s == NULL || s->tear_down == NULL)
		return 0;
	return s->tear_down(node, err, len) == HW_STEP_DONE ? 0 : -1;
}

/* Fences the node; 0 when confirmed; msg says how, or why not. */
static int
fence(json_t *node, char *msg, size_t len)
{
	char perr[512] = "", nerr[512] = "", serr[512] = "";
	bool off = drv_do_power(node, HW_ACT_POWER_OFF, 0, perr, sizeof(perr)) == 0;
	int ports = isolate_ports(node, nerr, sizeof(nerr));
	bool vols = revoke_volumes(node, serr, sizeof(serr)) == 0;

	if (vols && off) {
		snprintf(msg, len, "Fenced: powered off, confirmed by the BMC%s",
		    ports > 0 ? "; switch ports isolated" : "");
		return 0;
	}
	if (vols && ports > 0) {
		snprintf(msg, len, "Fenced: the BMC did not answer (%s); all %d switch "
		    "port(s) isolated and read back", perr, ports);
		return 0;
	}
	snprintf(msg, len, "fencing not confirmed: %s%s; %s%s%s", off ? "" :
	    "power off failed: ", off ? "powered off" : perr, ports < 0 ?
	    "switch ports not isolated: " : ports == 0 ?
	    "the node has no switch port Ingot manages" : "switch ports isolated",
	    ports < 0 ? nerr : "", vols ? "" : "; volume exports not revoked");
	if (!vols)
		snprintf(msg + strlen(msg), len - strlen(msg), ": %s", serr);
	return -1;
}

static void
set_phase(json_t *node, const char *phase)
{
	json_t *dii = node_driver_internal_info(node);
	json_t *rec = json_object_get(dii, "recovery");

	if (!json_is_object(rec)) {
		rec = json_object();
		json_object_set_new(dii, "recovery", rec);
	}
	json_object_set_new(rec, "phase", json_string(phase));
}

/* The node stays where it is, in maintenance with fault; ev is the reason. */
static void
hold(json_t *node, const char *fault, const char *ev)
{
	json_object_set_new(node, "maintenance", json_true());
	node_set(node, "fault", fault);
	node_set(node, "maintenance_reason", ev);
}

static int
fence_failed(json_t *node, const char *why, struct ierr *e)
{
	char msg[1200];

	snprintf(msg, sizeof(msg), "Recovery stopped, nothing moved: %s", why);
	set_phase(node, "failed");
	hold(node, "fencing failure", msg);
	metric_add(&outcomes, 1, "fencing_failed");
	return flow_fail_isolated(node, msg, e);
}

/* Fenced, the instance stays: waits for an operator's "recover". */
static int
wait_fenced(json_t *node, const char *outcome, const char *fault, const char *why,
    struct ierr *e)
{
	char msg[1200];

	snprintf(msg, sizeof(msg), "Fenced; %s. The instance stays on this node until "
	    "an operator sets provision target \"recover\" again.", why);
	hold(node, fault, msg);
	metric_add(&outcomes, 1, outcome);
	return cond_transition(node, "wait", msg, e);
}

int
flow_recover(json_t *node, json_t *args, struct ierr *e)
{
	/* the verb's task has no "detected": an operator asked */
	bool op = !json_is_true(json_object_get(args, "detected"));
	char msg[1200], why[900];

	set_phase(node, "fencing");
	if (op && !json_is_true(json_object_get(args, "retry"))) {
		metric_add(&detections, 1, "operator");
		json_object_set_new(json_object_get(node_driver_internal_info(node),
		    "recovery"), "operator", json_true());
	}
	if (node_save(node, e) != 0)
		return -1;
	if (fence(node, msg, sizeof(msg)) != 0)
		return fence_failed(node, msg, e);
	node_history(node, "INFO", "recovery", msg);
	set_phase(node, "fenced");
	if (!op && strcmp(recovery_policy(node), "automatic") != 0)
		return wait_fenced(node, "waiting_operator", "awaiting recovery",
		    "the recovery policy is manual", e);
	if (recovery_move_to_spare(node, why, sizeof(why)) != 0)
		return wait_fenced(node, "no_spare", "no spare", why, e);
	metric_add(&outcomes, 1, "moved");
	return 0;
}

/* Locks a node a restart left and hands it to fn after event. */
static void
resume(json_t *n, const char *event, task_fn *fn, json_t *args)
{
	struct ierr e = { 0 };
	json_t *node = node_lock_reload(node_uuid(n), &e);

	if (node == NULL) {
		json_decref(args);
		return;
	}
	log_set_node(node_uuid(node));
	node_history(node, "INFO", "recovery", "Recovery resumed after a conductor restart");
	if (cond_transition(node, event, NULL, &e) != 0) {
		log_error("recovery: cannot resume: %s", e.msg);
		node_unlock(node_uuid(node));
		json_decref(args);
	} else {
		worker_submit(fn, node_uuid(node), args);
	}
	log_set_node(NULL);
	json_decref(node);
}

void
recovery_resume(void)
{
	/* only the two states it resumes (indexed), not the fleet */
	json_t *states = json_pack("[ss]", "recover failed", "deploy failed");
	struct store_query q = { .nfilters = 1 };
	json_t *all, *n;
	char err[256];
	size_t i;

	q.filters[0] = (struct store_filter){ "provision_state", SO_IN, states, NULL, NULL };
	all = store_list(store_thread(), &model_node, &q, err, sizeof(err));
	json_decref(states);
	json_array_foreach(all, i, n) {
		json_t *dii = node_driver_internal_info(n);
		const char *ps = node_provision_state(n);
		json_t *rec = json_object_get(dii, "recovery");
		const char *ph = jstr(rec, "phase");

		if (strcmp(ps, "recover failed") == 0 && ph != NULL &&
		    strcmp(ph, "failed") != 0 && strcmp(ph, "moved") != 0)
			resume(n, "recover", flow_recover, json_pack("{s:b}", "detected",
			    !json_is_true(json_object_get(rec, "operator"))));
		else if (strcmp(ps, "deploy failed") == 0 &&
		    json_is_true(json_object_get(dii, "recovery_pending")))
			resume(n, "deploy", recovery_spare_deploy, NULL);
	}
	json_decref(all);
}
