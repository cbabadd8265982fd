#include "conductor.h"

#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent_client.h"
#include "agent_flow.h"
#include "boot_ipxe.h"
#include "dhcp.h"
#include "images.h"
#include "fsm.h"
#include "hw.h"
#include "log.h"
#include "netflow.h"
#include "power_sync.h"
#include "store.h"
#include "util.h"

enum task_kind { TASK_PROVISION, TASK_POWER, TASK_AGENT };

struct task {
	enum task_kind	 kind;
	char		 uuid[UUID_STR_LEN];
	char		 request_id[64];
	json_t		*args;		/* owned */
	struct task	*next;
};

static struct cond_conf conf;
static char host[256];
static char group[128];
static pthread_mutex_t q_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static struct task *q_head, *q_tail;
static int q_running;
static _Atomic bool q_stopping;
static pthread_t *workers;
static pthread_t periodic_thr;
static bool periodic_started;

const char *
conductor_host(void)
{
	return host;
}

/* --- node helpers ------------------------------------------------------ */

static void
set_str(json_t *node, const char *k, const char *v)
{
	json_object_set_new(node, k, v ? json_string(v) : json_null());
}

static const char *
get_str(json_t *node, const char *k)
{
	return json_string_value(json_object_get(node, k));
}

/* Tenants read last_error and history: neither names the BMC's address. */
static void
scrub_last_error(json_t *node)
{
	const char *e = get_str(node, "last_error");
	char clean[1200];

	if (e == NULL)
		return;
	hw_scrub_bmc(json_object_get(node, "driver_info"), e, clean, sizeof(clean));
	if (strcmp(clean, e) != 0)
		set_str(node, "last_error", clean);
}

static int
save(json_t *node)
{
	char now[40], err[256];

	util_now_iso(now);
	set_str(node, "updated_at", now);
	scrub_last_error(node);
	if (store_update(store_thread(), &model_node, node, err, sizeof(err)) != STORE_OK) {
		log_error("cannot save node: %s", err);
		return -1;
	}
	return 0;
}

static void
history(json_t *node, const char *severity, const char *type, const char *event)
{
	char clean[1200];

	hw_scrub_bmc(json_object_get(node, "driver_info"), event, clean, sizeof(clean));
	store_history_add(store_thread(), get_str(node, "uuid"), severity, type,
	    clean, host, NULL);
}

int
cond_transition(json_t *node, const char *event, const char *last_error)
{
	const char *from = get_str(node, "provision_state");
	const char *cur_target = get_str(node, "target_provision_state");
	const struct fsm_transition *t = fsm_find(from, event);
	char now[40], from_copy[32], msg[900];
	const char *to, *target;

	if (t == NULL) {
		log_error("no transition from %s on %s", from, event);
		return -1;
	}
	snprintf(from_copy, sizeof(from_copy), "%s", from);
	to = fsm_destination(t, cur_target);
	target = fsm_target(t, to, cur_target);
	set_str(node, "provision_state", to);
	set_str(node, "target_provision_state", target);
	util_now_iso(now);
	set_str(node, "provision_updated_at", now);
	if (last_error != NULL)
		set_str(node, "last_error", last_error);
	if (save(node) != 0)
		return -1;
	log_info("provision state %s -> %s (%s)", from_copy, to, event);
	if (last_error != NULL) {
		snprintf(msg, sizeof(msg), "%s", last_error);
		history(node, "ERROR", "provisioning", msg);
	}
	return 0;
}

static int
lock_node(const char *uuid, struct ierr *e)
{
	int rc = store_node_reserve(store_thread(), uuid, host);

	if (rc == STORE_OK)
		return 0;
	if (rc == STORE_LOCKED) {
		json_t *n = store_get(store_thread(), &model_node, "uuid", uuid);
		ierr_set(e, IG_ELOCKED, "Node %s is locked by host %s, please retry after "
		    "the current operation is completed.", uuid,
		    n && get_str(n, "reservation") ? get_str(n, "reservation") : "?");
		json_decref(n);
		return -1;
	}
	if (rc == STORE_NOTFOUND)
		ierr_set(e, IG_ENOTFOUND, "Node %s could not be found.", uuid);
	else
		ierr_set(e, IG_EINTERNAL, "database error while locking node %s", uuid);
	return -1;
}

static void
unlock_node(const char *uuid)
{
	if (store_node_release(store_thread(), uuid, host) != STORE_OK)
		log_warn("node %s was not locked by %s at release", uuid, host);
}

/* Re-reads a node after taking its lock, so nothing changed in between. */
static json_t *
lock_and_reload(const char *uuid, struct ierr *e)
{
	json_t *n;

	if (lock_node(uuid, e) != 0)
		return NULL;
	n = store_get(store_thread(), &model_node, "uuid", uuid);
	if (n == NULL) {
		ierr_set(e, IG_ENOTFOUND, "Node %s could not be found.", uuid);
		return NULL;
	}
	return n;
}

/* --- interfaces ------------------------------------------------------- */

static const char *
iface_of(json_t *node, enum hw_iface i)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_interface", hw_iface_names[i]);
	return get_str(node, key);
}

int
cond_resolve_interfaces(json_t *node, bool reset, struct ierr *e)
{
	const char *drv = get_str(node, "driver");
	const struct hw_type *t = hw_type_find(drv);
	char key[64];

	if (t == NULL) {
		ierr_set(e, IG_EINVAL, "Cannot load specified driver: %s. Could not find "
		    "the driver in the list of enabled hardware types.", drv ? drv : "(none)");
		return -1;
	}
	for (int i = 0; i < HW_IF_COUNT; i++) {
		const char *cur;
		snprintf(key, sizeof(key), "%s_interface", hw_iface_names[i]);
		cur = get_str(node, key);
		if (cur != NULL && !hw_iface_allowed(t, (enum hw_iface)i, cur)) {
			if (!reset) {
				ierr_set(e, IG_EINVAL, "Could not find the following interface in "
				    "the enabled %s interfaces of hardware type %s: %s.",
				    hw_iface_names[i], t->name, cur);
				return -1;
			}
			cur = NULL;
		}
		if (cur == NULL)
			set_str(node, key, t->enabled[i][0]);
	}
	return 0;
}

static const struct hw_power_ops *
power_ops(json_t *node)
{
	return hw_power_find(iface_of(node, HW_IF_POWER));
}

static const struct hw_mgmt_ops *
mgmt_ops(json_t *node)
{
	return hw_mgmt_find(iface_of(node, HW_IF_MANAGEMENT));
}

static const struct hw_generic_ops *
generic_ops(json_t *node, enum hw_iface i)
{
	return hw_generic_find(i, iface_of(node, i));
}

static const char *
power_name(enum hw_power p)
{
	return p == HW_POWER_ON ? "power on" : p == HW_POWER_OFF ? "power off" : NULL;
}

/* Sets power and confirms it; on failure returns -1 with err set. */
static int
do_power(json_t *node, enum hw_power_action act, int timeout, char *err, size_t len)
{
	const struct hw_power_ops *p = power_ops(node);
	enum hw_power want = (act == HW_ACT_POWER_ON || act == HW_ACT_REBOOT ||
	    act == HW_ACT_SOFT_REBOOT) ? HW_POWER_ON : HW_POWER_OFF;
	enum hw_power got = HW_POWER_UNKNOWN;

	if (p == NULL) {
		snprintf(err, len, "no power interface %s", iface_of(node, HW_IF_POWER));
		return -1;
	}
	if (p->set_state(node, act, timeout > 0 ? timeout : conf.power_timeout,
	    err, len) != 0)
		return -1;
	if (strcmp(p->name, "fake") == 0) {
		got = want;
	} else if (p->get_state(node, &got, err, len) != 0) {
		return -1;
	}
	if (got != want) {
		snprintf(err, len, "Failed to set node power state to %s: the BMC "
		    "reports %s.", power_name(want), power_name(got) ? power_name(got) :
		    "an unknown state");
		return -1;
	}
	set_str(node, "power_state", power_name(got));
	return 0;
}

/* --- provisioning work ------------------------------------------------ */

static int
validate_for(json_t *node, bool deploy, char *err, size_t len)
{
	const struct hw_power_ops *p = power_ops(node);
	const struct hw_generic_ops *d = generic_ops(node, HW_IF_DEPLOY);

	if (p == NULL || (p->validate && p->validate(node, err, len) != 0)) {
		if (p == NULL)
			snprintf(err, len, "power interface not available");
		return -1;
	}
	if (deploy && d != NULL && d->validate && d->validate(node, err, len) != 0)
		return -1;
	return 0;
}

static void
clear_instance(json_t *node)
{
	json_object_set_new(node, "instance_info", json_object());
	set_str(node, "instance_uuid", NULL);
	json_object_set_new(node, "deploy_step", json_object());
}

static const char *
step_result(json_t *node, enum hw_step r, const char *err, const char *fail_fmt)
{
	static _Thread_local char msg[900];

	(void)node;
	if (r == HW_STEP_DONE)
		return NULL;
	snprintf(msg, sizeof(msg), fail_fmt, err[0] ? err : "unknown error");
	return msg;
}

/* Leaves the node's switch ports isolated after a failure, noting why. */
static void
fail_isolated(json_t *node, const char *msg)
{
	char err[512], full[1200];

	if (netflow_fail_safe(node, err, sizeof(err)) != 0) {
		snprintf(full, sizeof(full), "%s; isolating its switch ports also "
		    "failed: %s", msg, err);
		cond_transition(node, "fail", full);
		return;
	}
	cond_transition(node, "fail", msg);
}

/* Runs cleaning for a node in state "cleaning"; fires done/wait/fail. */
static void
run_cleaning(json_t *node, json_t *steps)
{
	const struct hw_generic_ops *d = generic_ops(node, HW_IF_DEPLOY);
	char err[512] = "", msg[700];
	enum hw_step r = HW_STEP_DONE;

	if (netflow_apply(node, NET_CLEANING, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Cleaning failed: cannot move the node to "
		    "the cleaning network: %s", err);
		fail_isolated(node, msg);
		return;
	}
	if (agent_flow_used(node))
		r = agent_clean_start(node, steps, err, sizeof(err));
	else if (d != NULL && d->clean != NULL)
		r = d->clean(node, steps, err, sizeof(err));
	if (r == HW_STEP_WAIT) {
		cond_transition(node, "wait", NULL);
		return;
	}
	if (r != HW_STEP_DONE) {
		snprintf(msg, sizeof(msg), "Cleaning failed: %s", err[0] ? err : "unknown error");
		fail_isolated(node, msg);
		return;
	}
	if (netflow_apply(node, NET_ISOLATED, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Cleaning failed: cannot isolate the node's "
		    "switch ports: %s", err);
		cond_transition(node, "fail", msg);
		return;
	}
	json_object_set_new(node, "clean_step", json_object());
	cond_transition(node, "done", NULL);
}

static bool
automated_clean(json_t *node)
{
	json_t *ac = json_object_get(node, "automated_clean");

	return json_is_boolean(ac) ? json_is_true(ac) : conf.automated_clean;
}

static void
work_provision(json_t *node, json_t *args)
{
	const char *state = get_str(node, "provision_state");
	char err[512] = "";
	enum hw_step r;
	const struct hw_generic_ops *g;
	enum hw_power ps;

	if (strcmp(state, "verifying") == 0) {
		const struct hw_power_ops *p = power_ops(node);
		if (validate_for(node, false, err, sizeof(err)) != 0 ||
		    p->get_state(node, &ps, err, sizeof(err)) != 0) {
			char msg[700];
			snprintf(msg, sizeof(msg), "Failed to verify node: %s", err);
			cond_transition(node, "fail", msg);
			return;
		}
		set_str(node, "power_state", power_name(ps));
		cond_transition(node, "done", NULL);
	} else if (strcmp(state, "cleaning") == 0) {
		json_t *steps = json_object_get(args, "clean_steps");
		/* provide (no steps) with automated cleaning off: nothing to run. */
		if (steps == NULL && !automated_clean(node)) {
			if (netflow_apply(node, NET_ISOLATED, err, sizeof(err)) != 0) {
				char msg[700];
				snprintf(msg, sizeof(msg), "Cleaning failed: cannot isolate the "
				    "node's switch ports: %s", err);
				cond_transition(node, "fail", msg);
				return;
			}
			cond_transition(node, "done", NULL);
			return;
		}
		run_cleaning(node, steps);
	} else if (strcmp(state, "deploying") == 0) {
		char msg[700];
		g = generic_ops(node, HW_IF_DEPLOY);
		if (validate_for(node, true, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "Failed to validate deploy: %s", err);
			fail_isolated(node, msg);
			return;
		}
		if (netflow_apply(node, NET_PROVISIONING, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "Deploy failed: cannot move the node to "
			    "the provisioning network: %s", err);
			fail_isolated(node, msg);
			return;
		}
		if (agent_flow_used(node))
			r = agent_deploy_start(node, err, sizeof(err));
		else
			r = g && g->deploy ? g->deploy(node, err, sizeof(err)) : HW_STEP_DONE;
		if (r == HW_STEP_WAIT) {
			cond_transition(node, "wait", NULL);
			return;
		}
		if (r != HW_STEP_DONE) {
			fail_isolated(node, step_result(node, r, err, "Deploy failed: %s"));
			return;
		}
		if (netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "Deploy failed: cannot move the node to "
			    "its tenant networks: %s", err);
			fail_isolated(node, msg);
			return;
		}
		cond_transition(node, "done", NULL);
	} else if (strcmp(state, "deleting") == 0) {
		g = generic_ops(node, HW_IF_DEPLOY);
		/* Off the tenant networks first: the node must never keep tenant
		 * access while Ingot works on it. */
		r = netflow_apply(node, NET_ISOLATED, err, sizeof(err)) == 0 ?
		    HW_STEP_DONE : HW_STEP_FAIL;
		if (r == HW_STEP_DONE && g && g->tear_down)
			r = g->tear_down(node, err, sizeof(err));
		if (r == HW_STEP_DONE && do_power(node, HW_ACT_POWER_OFF, 0, err,
		    sizeof(err)) != 0)
			r = HW_STEP_FAIL;
		if (r != HW_STEP_DONE) {
			fail_isolated(node, step_result(node, HW_STEP_FAIL, err,
			    "Tear down failed: %s"));
			return;
		}
		clear_instance(node);
		if (automated_clean(node)) {
			cond_transition(node, "auto_clean", NULL);
			run_cleaning(node, NULL);
		} else {
			cond_transition(node, "done", NULL);
		}
	} else if (strcmp(state, "inspecting") == 0) {
		char now[40];
		g = generic_ops(node, HW_IF_INSPECT);
		util_now_iso(now);
		set_str(node, "inspection_started_at", now);
		r = g && g->inspect ? g->inspect(node, err, sizeof(err)) : HW_STEP_DONE;
		if (r == HW_STEP_WAIT) {
			cond_transition(node, "wait", NULL);
			return;
		}
		util_now_iso(now);
		set_str(node, "inspection_finished_at", now);
		if (r == HW_STEP_DONE)
			cond_transition(node, "done", NULL);
		else
			cond_transition(node, "fail", step_result(node, r, err,
			    "Inspection failed: %s"));
	} else if (strcmp(state, "adopting") == 0) {
		g = generic_ops(node, HW_IF_DEPLOY);
		r = g && g->adopt ? g->adopt(node, err, sizeof(err)) : HW_STEP_DONE;
		cond_transition(node, r == HW_STEP_DONE ? "done" : "fail",
		    step_result(node, r, err, "Adoption failed: %s"));
	} else if (strcmp(state, "rescuing") == 0 || strcmp(state, "unrescuing") == 0) {
		bool rescue = strcmp(state, "rescuing") == 0;
		g = generic_ops(node, HW_IF_RESCUE);
		r = HW_STEP_DONE;
		if (g != NULL && (rescue ? g->rescue : g->unrescue) != NULL)
			r = (rescue ? g->rescue : g->unrescue)(node, err, sizeof(err));
		if (r == HW_STEP_WAIT)
			cond_transition(node, "wait", NULL);
		else
			cond_transition(node, r == HW_STEP_DONE ? "done" : "fail",
			    step_result(node, r, err, rescue ? "Rescue failed: %s" :
			    "Unrescue failed: %s"));
	} else {
		log_warn("worker: nothing to do in state %s", state);
	}
}

static void
work_power(json_t *node, json_t *args)
{
	const char *target = json_string_value(json_object_get(args, "target"));
	int timeout = (int)json_integer_value(json_object_get(args, "timeout"));
	enum hw_power_action act;
	char err[512] = "", msg[700];

	if (strcmp(target, "power on") == 0)
		act = HW_ACT_POWER_ON;
	else if (strcmp(target, "power off") == 0)
		act = HW_ACT_POWER_OFF;
	else if (strcmp(target, "soft power off") == 0)
		act = HW_ACT_SOFT_POWER_OFF;
	else if (strcmp(target, "soft rebooting") == 0)
		act = HW_ACT_SOFT_REBOOT;
	else
		act = HW_ACT_REBOOT;
	if (do_power(node, act, timeout, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Failed to change power state to '%s' "
		    "by '%s'. Error: %s", act == HW_ACT_POWER_ON || act == HW_ACT_REBOOT ||
		    act == HW_ACT_SOFT_REBOOT ? "power on" : "power off", target, err);
		set_str(node, "last_error", msg);
		history(node, "ERROR", "power", msg);
		log_error("%s", msg);
	} else {
		set_str(node, "last_error", NULL);
		log_info("power state is now %s", get_str(node, "power_state"));
	}
	set_str(node, "target_power_state", NULL);
	save(node);
}

/* --- worker pool ------------------------------------------------------ */

static void
run_task(struct task *t)
{
	json_t *node;

	log_set_request(t->request_id);
	log_set_node(t->uuid);
	node = store_get(store_thread(), &model_node, "uuid", t->uuid);
	if (node != NULL) {
		if (t->kind == TASK_PROVISION)
			work_provision(node, t->args);
		else if (t->kind == TASK_AGENT)
			agent_flow_heartbeat(node);
		else
			work_power(node, t->args);
		json_decref(node);
	}
	unlock_node(t->uuid);
	log_set_node(NULL);
	log_set_request(NULL);
}

static void *
worker_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct task *t;

		pthread_mutex_lock(&q_mtx);
		while (q_head == NULL && !q_stopping)
			pthread_cond_wait(&q_cv, &q_mtx);
		if (q_head == NULL) {
			pthread_mutex_unlock(&q_mtx);
			break;
		}
		t = q_head;
		q_head = t->next;
		if (q_head == NULL)
			q_tail = NULL;
		q_running++;
		pthread_mutex_unlock(&q_mtx);

		run_task(t);
		json_decref(t->args);
		free(t);

		pthread_mutex_lock(&q_mtx);
		q_running--;
		if (q_running == 0 && q_head == NULL)
			pthread_cond_broadcast(&idle_cv);
		pthread_mutex_unlock(&q_mtx);
	}
	store_thread_release();
	return NULL;
}

/* Hands a locked node to a worker; the worker releases the lock. */
static void
submit(enum task_kind kind, const char *uuid, json_t *args)
{
	struct task *t = util_calloc(1, sizeof(*t));

	t->kind = kind;
	snprintf(t->uuid, sizeof(t->uuid), "%s", uuid);
	snprintf(t->request_id, sizeof(t->request_id), "%s", log_get_request());
	t->args = args ? args : json_object();
	pthread_mutex_lock(&q_mtx);
	if (q_tail)
		q_tail->next = t;
	else
		q_head = t;
	q_tail = t;
	pthread_cond_signal(&q_cv);
	pthread_mutex_unlock(&q_mtx);
}

bool
conductor_idle(void)
{
	bool idle;

	pthread_mutex_lock(&q_mtx);
	idle = q_head == NULL && q_running == 0;
	pthread_mutex_unlock(&q_mtx);
	return idle;
}

/* --- API-facing operations -------------------------------------------- */

static bool
in_maintenance(json_t *node)
{
	return json_is_true(json_object_get(node, "maintenance"));
}

int
cond_provision(json_t *in, const char *verb, json_t *body, int minor, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	const struct fsm_verb *v = fsm_verb(verb);
	const struct fsm_transition *t;
	json_t *node, *args;
	const char *state;

	if (v == NULL || minor < v->min_minor) {
		ierr_set(e, IG_EINVAL, "The requested action \"%s\" is not valid%s.", verb,
		    v ? " at this API version" : "");
		return -1;
	}
	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	state = get_str(node, "provision_state");
	t = fsm_find(state, v->event);
	if (t == NULL) {
		ierr_set(e, IG_EINVAL, "The requested action \"%s\" can not be performed on "
		    "node \"%s\" while it is in state \"%s\".", verb, uuid, state);
		goto fail;
	}
	if (in_maintenance(node) && strcmp(v->event, "manage") != 0 &&
	    strcmp(v->event, "abort") != 0 && strcmp(v->event, "delete") != 0) {
		ierr_set(e, IG_EINVAL, "The node %s is in maintenance mode. Please remove "
		    "it from maintenance mode and retry.", uuid);
		goto fail;
	}
	if (strcmp(v->event, "clean") == 0 &&
	    !json_is_array(json_object_get(body, "clean_steps"))) {
		ierr_set(e, IG_EINVAL, "\"clean_steps\" is required when setting target "
		    "provision state to clean");
		goto fail;
	}
	if (strcmp(v->event, "deploy") == 0 || strcmp(v->event, "rebuild") == 0) {
		json_t *cd = json_object_get(body, "configdrive");
		json_t *ii = json_object_get(node, "instance_info");
		if (cd != NULL && !json_is_null(cd))
			json_object_set(ii, "configdrive", cd);
		if (json_object_get(body, "deploy_steps"))
			json_object_set(json_object_get(node, "driver_internal_info"),
			    "user_deploy_steps", json_object_get(body, "deploy_steps"));
		/* Whether this deploy may use a file:// image (the API sets
		 * COND_FILE_IMAGES for system-scoped callers only). */
		json_object_set_new(json_object_get(node, "driver_internal_info"),
		    "deploy_file_images", json_boolean(json_is_true(
		    json_object_get(body, COND_FILE_IMAGES))));
	}
	if (strcmp(v->event, "abort") == 0) {
		/* Aborting a wait state is immediate: the ramdisk is powered off
		 * and the switch ports isolated. */
		if (agent_flow_used(node))
			agent_flow_abort(node);
		int rc = cond_transition(node, "abort", "Operation aborted by a user request.");
		unlock_node(uuid);
		json_decref(node);
		if (rc != 0)
			ierr_set(e, IG_EINTERNAL, "could not record the abort");
		return rc;
	}
	set_str(node, "last_error", NULL);
	if (cond_transition(node, v->event, NULL) != 0) {
		ierr_set(e, IG_EINTERNAL, "could not record the provision state change");
		goto fail;
	}
	args = json_object();
	if (json_object_get(body, "clean_steps"))
		json_object_set(args, "clean_steps", json_object_get(body, "clean_steps"));
	log_info("provision action %s accepted", verb);
	submit(TASK_PROVISION, uuid, args);
	json_decref(node);
	return 0;
fail:
	unlock_node(uuid);
	json_decref(node);
	return -1;
}

int
cond_power(json_t *in, const char *target, int timeout, struct ierr *e)
{
	static const char *const valid[] = { "power on", "power off", "rebooting",
	    "soft power off", "soft rebooting", NULL };
	const char *uuid = get_str(in, "uuid");
	json_t *node, *args;
	bool ok = false;

	for (size_t i = 0; valid[i] != NULL; i++)
		if (strcmp(valid[i], target) == 0)
			ok = true;
	if (!ok) {
		ierr_set(e, IG_EINVAL, "Invalid power state %s.", target);
		return -1;
	}
	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	set_str(node, "target_power_state",
	    strcmp(target, "rebooting") == 0 || strcmp(target, "soft rebooting") == 0 ?
	    "power on" : strcmp(target, "soft power off") == 0 ? "power off" : target);
	set_str(node, "last_error", NULL);
	if (save(node) != 0) {
		unlock_node(uuid);
		json_decref(node);
		ierr_set(e, IG_EINTERNAL, "could not record the power state change");
		return -1;
	}
	args = json_pack("{s:s, s:i}", "target", target, "timeout", timeout);
	submit(TASK_POWER, uuid, args);
	json_decref(node);
	return 0;
}

int
cond_maintenance(json_t *in, bool on, const char *reason, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	json_t *node;
	int rc;

	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	json_object_set_new(node, "maintenance", json_boolean(on));
	set_str(node, "maintenance_reason", on ? reason : NULL);
	if (!on)
		set_str(node, "fault", NULL);
	rc = save(node);
	if (rc == 0)
		history(node, "INFO", "maintenance", on ? "maintenance set" :
		    "maintenance unset");
	unlock_node(uuid);
	json_decref(node);
	if (rc != 0)
		ierr_set(e, IG_EINTERNAL, "could not save the node");
	return rc;
}

int
cond_boot_device_set(json_t *in, const char *dev, bool persistent, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	const struct hw_mgmt_ops *m;
	char err[512] = "";
	json_t *node;
	int rc = -1;

	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	m = mgmt_ops(node);
	if (m == NULL) {
		ierr_set(e, IG_EINVAL, "Node %s has no management interface.", uuid);
	} else if ((m->validate && m->validate(node, err, sizeof(err)) != 0) ||
	    m->set_boot_device(node, dev, persistent, err, sizeof(err)) != 0) {
		ierr_set(e, strstr(err, "not supported") ? IG_EUNSUPPORTED : IG_EBMC,
		    "Failed to set boot device to %s: %s", dev, err);
	} else {
		rc = save(node);
		if (rc != 0)
			ierr_set(e, IG_EINTERNAL, "could not save the node");
	}
	unlock_node(uuid);
	json_decref(node);
	return rc;
}

json_t *
cond_boot_device_get(json_t *in, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	const struct hw_mgmt_ops *m;
	char err[512] = "", dev[32] = "";
	int persistent = -1;
	json_t *node, *out = NULL;

	if ((node = lock_and_reload(uuid, e)) == NULL)
		return NULL;
	m = mgmt_ops(node);
	if (m == NULL) {
		ierr_set(e, IG_EINVAL, "Node %s has no management interface.", uuid);
	} else if (m->get_boot_device(node, dev, sizeof(dev), &persistent, err,
	    sizeof(err)) != 0) {
		ierr_set(e, IG_EINTERNAL, "Failed to get boot device: %s", err);
	} else {
		out = json_pack("{s:s?, s:o}", "boot_device", dev[0] ? dev : NULL,
		    "persistent", persistent < 0 ? json_null() : json_boolean(persistent));
	}
	unlock_node(uuid);
	json_decref(node);
	return out;
}

json_t *
cond_sensors(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = mgmt_ops(node);
	char err[512] = "";
	json_t *s;

	if (m == NULL || m->get_sensors == NULL) {
		ierr_set(e, IG_EINVAL, "The management interface of node %s does not read "
		    "sensors.", get_str(node, "uuid"));
		return NULL;
	}
	if ((s = m->get_sensors(node, err, sizeof(err))) == NULL) {
		ierr_set(e, IG_EBMC, "Failed to read sensors: %s", err);
		return NULL;
	}
	return json_pack("{s:o}", "sensors", s);
}

json_t *
cond_boot_devices_supported(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = mgmt_ops(node);
	json_t *list = json_array();

	if (m == NULL) {
		json_decref(list);
		ierr_set(e, IG_EINVAL, "Node %s has no management interface.", get_str(node, "uuid"));
		return NULL;
	}
	for (size_t i = 0; m->supported_boot_devices && m->supported_boot_devices[i]; i++)
		json_array_append_new(list, json_string(m->supported_boot_devices[i]));
	return json_pack("{s:o}", "supported_boot_devices", list);
}

static json_t *
validate_result(int rc, const char *reason)
{
	if (rc == 0)
		return json_pack("{s:b}", "result", 1);
	return json_pack("{s:b, s:s}", "result", 0, "reason", reason);
}

json_t *
cond_validate(json_t *node)
{
	json_t *out = json_object();
	char err[512];

	for (int i = 0; i < HW_IF_COUNT; i++) {
		const char *impl = iface_of(node, (enum hw_iface)i);
		int rc = 0;

		err[0] = '\0';
		if (i == HW_IF_FIRMWARE)
			continue;
		if (impl == NULL) {
			rc = -1;
			snprintf(err, sizeof(err), "no %s interface", hw_iface_names[i]);
		} else if (i == HW_IF_POWER) {
			const struct hw_power_ops *p = power_ops(node);
			rc = p && p->validate ? p->validate(node, err, sizeof(err)) : -1;
		} else if (i == HW_IF_MANAGEMENT) {
			const struct hw_mgmt_ops *m = mgmt_ops(node);
			rc = m && m->validate ? m->validate(node, err, sizeof(err)) : -1;
		} else if (strncmp(impl, "no-", 3) == 0) {
			rc = -1;
			snprintf(err, sizeof(err), "not supported");
		} else {
			const struct hw_generic_ops *g = generic_ops(node, (enum hw_iface)i);
			rc = g && g->validate ? g->validate(node, err, sizeof(err)) : 0;
		}
		if (rc != 0 && err[0] == '\0')
			snprintf(err, sizeof(err), "validation failed");
		json_object_set_new(out, hw_iface_names[i], validate_result(rc, err));
	}
	return out;
}

bool
cond_vif_allowed(json_t *node, json_t *net)
{
	const char *np = get_str(net, "project");
	const char *user = get_str(node, "lessee");

	if (user == NULL || *user == '\0')
		user = get_str(node, "owner");
	return json_is_true(json_object_get(net, "shared")) || np == NULL || *np == '\0' ||
	    user == NULL || *user == '\0' || strcmp(np, user) == 0;
}

static bool
same_str(json_t *a, json_t *b, const char *k)
{
	const char *x = get_str(a, k), *y = get_str(b, k);

	return (x == NULL || *x == '\0') ? (y == NULL || *y == '\0') :
	    y != NULL && strcmp(x, y) == 0;
}

/* Every network the node is attached to still allowed for it? */
static bool
vifs_allowed(json_t *node)
{
	struct store_query q = { .nfilters = 1 };
	json_t *list, *v, *net;
	char err[128];
	bool ok = true;
	size_t i;

	q.filters[0].field = "node_uuid";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = json_object_get(node, "uuid");
	list = store_list(store_thread(), &model_vif, &q, err, sizeof(err));
	if (list == NULL)
		return false;
	json_array_foreach(list, i, v) {
		net = store_get(store_thread(), &model_network, "uuid",
		    get_str(v, "network_uuid"));
		if (net != NULL && !cond_vif_allowed(node, net))
			ok = false;
		json_decref(net);
	}
	json_decref(list);
	return ok;
}

int
cond_update_node(json_t *updated, struct ierr *e)
{
	const char *uuid = get_str(updated, "uuid");
	json_t *cur;
	char err[256];
	int rc;

	if ((cur = lock_and_reload(uuid, e)) == NULL)
		return -1;
	/* Fields the conductor owns come from the fresh copy. */
	static const char *const owned[] = { "provision_state",
	    "target_provision_state", "power_state", "target_power_state",
	    "driver_internal_info", "last_error", "provision_updated_at",
	    "clean_step", "deploy_step", NULL };
	for (size_t i = 0; owned[i] != NULL; i++)
		json_object_set(updated, owned[i], json_object_get(cur, owned[i]));
	/*
	 * A new owner or lessee must not inherit the old one's networks: the
	 * node would join another project's VLAN.  Checked under the node lock
	 * (attachments take it too).
	 */
	if ((!same_str(cur, updated, "owner") || !same_str(cur, updated, "lessee")) &&
	    !vifs_allowed(updated)) {
		json_decref(cur);
		unlock_node(uuid);
		ierr_set(e, IG_ECONFLICT, "Node %s is attached to networks of the project using it; "
		    "detach its VIFs (GET /v1/nodes/%s/vifs) before changing its owner or "
		    "lessee.", uuid, uuid);
		return -1;
	}
	json_decref(cur);
	rc = store_update(store_thread(), &model_node, updated, err, sizeof(err));
	unlock_node(uuid);
	if (rc == STORE_DUP) {
		ierr_set(e, IG_ECONFLICT, "A node with %s %s already exists.", err,
		    get_str(updated, err) ? get_str(updated, err) : "");
		return -1;
	}
	if (rc != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not save node %s", uuid);
		return -1;
	}
	return 0;
}

int
cond_delete_node(json_t *in, struct ierr *e)
{
	static const char *const allowed[] = { "enroll", "manageable", "available",
	    "adopt failed", "inspect failed", "clean failed", NULL };
	const char *uuid = get_str(in, "uuid");
	json_t *node;
	const char *state;
	bool ok = false;

	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	state = get_str(node, "provision_state");
	for (size_t i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], state) == 0)
			ok = true;
	if (json_is_true(json_object_get(node, "protected"))) {
		ierr_set(e, IG_EFORBIDDEN, "Node %s is protected and cannot be undeployed, "
		    "rebuilt or deleted", uuid);
	} else if (!ok && !in_maintenance(node)) {
		ierr_set(e, IG_ECONFLICT, "Can not delete node \"%s\" while it is in provision "
		    "state \"%s\". Valid provision states to start deletion are: "
		    "enroll, manageable, available, adopt failed, inspect failed, "
		    "clean failed", uuid, state);
	} else if (get_str(node, "instance_uuid") != NULL) {
		ierr_set(e, IG_ECONFLICT, "Node %s is associated with instance %s.", uuid,
		    get_str(node, "instance_uuid"));
	} else if (store_delete_node(store_thread(), uuid) != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not delete node %s", uuid);
	} else {
		json_decref(node);
		log_info("node deleted");
		return 0;
	}
	unlock_node(uuid);
	json_decref(node);
	return -1;
}

/* --- start, recovery, periodic tasks, stop ---------------------------- */

/* Nodes this conductor left mid-operation fail with a clear reason. */
static void
recover(void)
{
	struct store *s = store_thread();
	int n = store_release_all(s, host);
	json_t *nodes, *node;
	struct store_query q = { .nfilters = 0 };
	char err[256];
	size_t i;

	if (n > 0)
		log_warn("released %d node lock(s) left by a previous run of %s", n, host);
	nodes = store_list(s, &model_node, &q, err, sizeof(err));
	json_array_foreach(nodes, i, node) {
		const char *ps = get_str(node, "provision_state");
		const struct fsm_state *st = fsm_state(ps);
		char msg[400];

		log_set_node(get_str(node, "uuid"));
		if (get_str(node, "target_power_state") != NULL) {
			snprintf(msg, sizeof(msg), "Power action to %s was interrupted by "
			    "a conductor restart", get_str(node, "target_power_state"));
			set_str(node, "target_power_state", NULL);
			set_str(node, "last_error", msg);
			save(node);
			history(node, "ERROR", "power", msg);
		}
		if (st != NULL && st->kind == FSM_ACTIVE) {
			snprintf(msg, sizeof(msg), "Conductor %s restarted while the node "
			    "was in state \"%s\"; the operation was aborted", host, ps);
			log_warn("%s", msg);
			fail_isolated(node, msg);
		}
		if (netflow_managed(node)) {
			int fixed = netflow_reconcile(node);
			if (fixed > 0)
				log_warn("reconcile: corrected %d switch port(s)", fixed);
		}
		log_set_node(NULL);
	}
	json_decref(nodes);
}

static void check_agent_timeouts(void);
static void reconcile_switch_ports(void);
static void prov_listen(json_t *net, bool deleted);

static pthread_mutex_t per_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t per_cv = PTHREAD_COND_INITIALIZER;

static void *
periodic_main(void *arg)
{
	double next_beat = util_mono_now(), next_sync, next_switch, next_trim = 0;
	struct timespec ts;

	(void)arg;
	next_sync = util_mono_now() + (conf.sync_power_interval > 0 ?
	    conf.sync_power_interval : 0);
	next_switch = util_mono_now() + conf.switch_reconcile_interval;
	pthread_mutex_lock(&per_mtx);
	while (!q_stopping) {
		double now = util_mono_now();

		pthread_mutex_unlock(&per_mtx);
		if (now >= next_beat) {
			store_conductor_heartbeat(store_thread(), host);
			next_beat = now + (conf.heartbeat_interval > 0 ?
			    conf.heartbeat_interval : 10);
		}
		if (now >= next_trim) {
			check_agent_timeouts();
			/* Hand freed heap back: bursts of large responses and
			 * many threads otherwise keep it resident. */
			malloc_trim(0);
			next_trim = now + 2;
		}
		if (conf.switch_reconcile_interval > 0 && now >= next_switch) {
			reconcile_switch_ports();
			next_switch = util_mono_now() + conf.switch_reconcile_interval;
		}
		if (conf.sync_power_interval > 0 && now >= next_sync) {
			power_sync_run(NULL);
			next_sync = util_mono_now() + conf.sync_power_interval;
		}
		pthread_mutex_lock(&per_mtx);
		if (q_stopping)
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

static void
sync_networks(void)
{
	struct store_query q = { 0 };
	json_t *all, *n;
	char err[512];
	size_t i;

	if (!dhcp_enabled())
		return;
	all = store_list(store_thread(), &model_network, &q, err, sizeof(err));
	json_array_foreach(all, i, n) {
		if (dhcp_network_sync(n, false, err, sizeof(err)) != 0)
			log_error("dhcp: network %s: %s", get_str(n, "name"), err);
		else
			prov_listen(n, false);
	}
	json_decref(all);
}

static json_t *
driver_names(void)
{
	const struct hw_type *const *t = hw_types();
	json_t *a = json_array();

	for (size_t i = 0; t[i] != NULL; i++)
		json_array_append_new(a, json_string(t[i]->name));
	return a;
}

int
conductor_start(const struct cond_conf *c, char *err, size_t len)
{
	json_t *drivers;

	conf = *c;
	if (c->host != NULL && *c->host != '\0')
		snprintf(host, sizeof(host), "%s", c->host);
	else if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	snprintf(group, sizeof(group), "%s", c->group ? c->group : "");
	if (conf.workers <= 0)
		conf.workers = 8;
	if (conf.power_timeout <= 0)
		conf.power_timeout = 30;
	drivers = driver_names();
	if (store_conductor_register(store_thread(), host, group, drivers) != STORE_OK) {
		json_decref(drivers);
		snprintf(err, len, "cannot register conductor %s in the database", host);
		return -1;
	}
	json_decref(drivers);
	struct agent_conf ag = { .callback_timeout = conf.callback_timeout > 0 ?
	    conf.callback_timeout : 1800, .heartbeat_timeout = conf.heartbeat_timeout > 0 ?
	    conf.heartbeat_timeout : 300, .erase_devices = conf.erase_devices };
	agent_flow_configure(&ag);
	agent_client_init(60);
	if (images_init(&conf.images, err, len) != 0)
		return -1;
	if (dhcp_init(&c->dhcp, err, len) != 0)
		return -1;
	boot_ipxe_configure(&c->ipxe);
	sync_networks();
	recover();
	struct power_sync_conf pc = { .workers = conf.sync_power_workers,
	    .failure_max = conf.power_failure_max, .force = conf.force_power_state };
	power_sync_configure(&pc);
	q_stopping = false;
	workers = util_calloc((size_t)conf.workers, sizeof(*workers));
	for (int i = 0; i < conf.workers; i++)
		pthread_create(&workers[i], NULL, worker_main, NULL);
	periodic_started = pthread_create(&periodic_thr, NULL, periodic_main, NULL) == 0;
	log_info("conductor %s started with %d workers", host, conf.workers);
	return 0;
}

void
conductor_stop(void)
{
	pthread_mutex_lock(&q_mtx);
	q_stopping = true;
	pthread_cond_broadcast(&q_cv);
	pthread_mutex_unlock(&q_mtx);
	pthread_mutex_lock(&per_mtx);
	pthread_cond_broadcast(&per_cv);
	pthread_mutex_unlock(&per_mtx);
	for (int i = 0; workers != NULL && i < conf.workers; i++)
		pthread_join(workers[i], NULL);
	if (periodic_started)
		pthread_join(periodic_thr, NULL);
	free(workers);
	workers = NULL;
	images_shutdown();
	store_release_all(store_thread(), host);
	store_conductor_offline(store_thread(), host);
	dhcp_shutdown();
	log_info("conductor %s stopped", host);
}

/* --- agent lookup and heartbeat ---------------------------------------- */

int
cond_save_locked(json_t *node)
{
	return save(node);
}

#define LOOKUP_MAX_MACS 32

/*
 * The node a lookup names: every known MAC among the addresses (at most
 * LOOKUP_MAX_MACS) must be a port of one and the same node, and that node
 * must be node_uuid when given.  NULL otherwise: a node UUID alone, or a
 * MAC of another node, finds nothing.
 */
static json_t *
lookup_node(const char *addresses, const char *node_uuid)
{
	char buf[1024], *save_p = NULL, mac[18], uuid[UUID_STR_LEN] = "";
	int n = 0;

	if (addresses == NULL || strlen(addresses) >= sizeof(buf))
		return NULL;
	memcpy(buf, addresses, strlen(addresses) + 1);
	for (char *t = strtok_r(buf, ",", &save_p); t != NULL;
	    t = strtok_r(NULL, ",", &save_p)) {
		json_t *port;
		const char *owner;
		if (++n > LOOKUP_MAX_MACS)
			return NULL;
		if (!util_normalize_mac(t, mac))
			continue;
		if ((port = store_get(store_thread(), &model_port, "address", mac)) == NULL)
			continue;
		owner = get_str(port, "node_uuid");
		if (owner == NULL || (uuid[0] != '\0' && strcmp(uuid, owner) != 0) ||
		    (node_uuid != NULL && strcmp(node_uuid, owner) != 0)) {
			json_decref(port);
			return NULL;
		}
		snprintf(uuid, sizeof(uuid), "%s", owner);
		json_decref(port);
	}
	return uuid[0] != '\0' ? store_get(store_thread(), &model_node, "uuid", uuid) :
	    NULL;
}

/*
 * Anonymous (ramdisks have no credentials): what is refused is decided on
 * an unlocked read and looks the same whatever the reason; the lock is
 * taken only to issue a node's first token.
 */
json_t *
cond_agent_lookup(const char *addresses, const char *node_uuid, struct ierr *e)
{
	json_t *found, *node, *out;
	const char *uuid;

	found = lookup_node(addresses, node_uuid);
	if (found == NULL || !agent_flow_awaits_agent(found)) {
		json_decref(found);
		ierr_set(e, IG_ENOTFOUND, AGENT_LOOKUP_NOT_FOUND);
		return NULL;
	}
	uuid = get_str(found, "uuid");
	log_set_node(uuid);
	if (agent_flow_token_issued(found)) {
		log_warn("agent lookup refused a token: one was issued already");
		out = agent_lookup(found, e);	/* no token in it: nothing to save */
		json_decref(found);
		return out;
	}
	node = lock_and_reload(uuid, e);
	json_decref(found);
	if (node == NULL)
		return NULL;
	out = agent_lookup(node, e);
	unlock_node(get_str(node, "uuid"));
	json_decref(node);
	return out;
}

/* The token and state are checked before the lock: a stranger's heartbeat
 * never holds (or waits for) the node. */
int
cond_agent_heartbeat(json_t *in, json_t *body, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	const struct fsm_state *st;
	json_t *node;

	if (agent_heartbeat_check(in, body, e) != 0)
		return -1;
	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	if (agent_heartbeat_record(node, body, e) != 0 || save(node) != 0) {
		if (e->code == IG_OK)
			ierr_set(e, IG_EINTERNAL, "could not record the heartbeat");
		unlock_node(uuid);
		json_decref(node);
		return -1;
	}
	st = fsm_state(get_str(node, "provision_state"));
	if (st != NULL && st->kind == FSM_WAIT) {
		submit(TASK_AGENT, uuid, NULL);	/* the worker releases the lock */
	} else {
		unlock_node(uuid);
	}
	json_decref(node);
	return 0;
}

/* Nodes whose agent went silent fail (and are powered off, isolated). */
static void
check_agent_timeouts(void)
{
	static const char *const waits[] = { "wait call-back", "clean wait", NULL };
	time_t now = time(NULL);

	for (size_t w = 0; waits[w] != NULL; w++) {
		struct store_query q = { .nfilters = 1 };
		json_t *st = json_string(waits[w]), *all, *n;
		char err[128];
		size_t i;

		q.filters[0].field = "provision_state";
		q.filters[0].op = SO_EQ;
		q.filters[0].value = st;
		all = store_list(store_thread(), &model_node, &q, err, sizeof(err));
		json_array_foreach(all, i, n) {
			struct ierr e;
			json_t *node;
			char msg[300];

			if (!agent_flow_used(n) || get_str(n, "reservation") != NULL ||
			    !agent_flow_timed_out(n, now))
				continue;
			if ((node = lock_and_reload(get_str(n, "uuid"), &e)) == NULL)
				continue;
			log_set_node(get_str(node, "uuid"));
			if (strcmp(get_str(node, "provision_state"), waits[w]) == 0 &&
			    agent_flow_timed_out(node, now)) {
				snprintf(msg, sizeof(msg), "Timeout reached while waiting for "
				    "callback for node %s", get_str(node, "uuid"));
				agent_flow_abort(node);
				cond_transition(node, "fail", msg);
				log_error("%s", msg);
			}
			unlock_node(get_str(node, "uuid"));
			json_decref(node);
			log_set_node(NULL);
		}
		json_decref(all);
		json_decref(st);
	}
}

/* Reads every managed switch port back and corrects it (a switch that was
 * down when a port had to change is fixed once it answers again). */
static void
reconcile_switch_ports(void)
{
	struct store_query q = { .nfilters = 1 };
	json_t *vlan = json_string("vlan"), *all, *n;
	char err[128];
	size_t i;

	q.filters[0].field = "network_interface";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = vlan;
	all = store_list(store_thread(), &model_node, &q, err, sizeof(err));
	json_array_foreach(all, i, n) {
		struct ierr e;
		json_t *node;
		int fixed;

		if (get_str(n, "reservation") != NULL)
			continue;
		if ((node = lock_and_reload(get_str(n, "uuid"), &e)) == NULL)
			continue;
		log_set_node(get_str(node, "uuid"));
		fixed = netflow_reconcile(node);
		if (fixed > 0)
			log_warn("reconcile: corrected %d switch port(s)", fixed);
		unlock_node(get_str(node, "uuid"));
		json_decref(node);
		log_set_node(NULL);
	}
	json_decref(all);
	json_decref(vlan);
}

/* --- attachments (VIFs) and networks ------------------------------------ */

static json_t *
first_wired_port(const char *node_uuid)
{
	struct store_query q = { .nfilters = 1 };
	json_t *v = json_string(node_uuid), *ports, *p, *pick = NULL;
	char err[128];
	size_t i;

	q.filters[0].field = "node_uuid";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = v;
	ports = store_list(store_thread(), &model_port, &q, err, sizeof(err));
	json_array_foreach(ports, i, p) {
		json_t *llc = json_object_get(p, "local_link_connection");
		if (pick == NULL || (json_object_get(llc, "port_id") != NULL &&
		    json_object_get(json_object_get(pick, "local_link_connection"),
		    "port_id") == NULL))
			pick = p;
	}
	pick = json_incref(pick);
	json_decref(ports);
	json_decref(v);
	return pick;
}

static bool
tenant_live(json_t *node)
{
	const char *ps = get_str(node, "provision_state");

	return ps != NULL && strcmp(ps, "active") == 0;
}

int
cond_vif_attach(json_t *in, json_t *net, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	char vuuid[UUID_STR_LEN], now[40], err[512];
	json_t *node, *vif, *port;
	int rc;

	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	if (!cond_vif_allowed(node, net)) {
		/* checked by the API too; the node's lessee changed since */
		ierr_set(e, IG_ECONFLICT, "Node %s is used by another project than the network's; "
		    "not attached.", uuid);
		unlock_node(uuid);
		json_decref(node);
		return -1;
	}
	port = first_wired_port(uuid);
	util_uuid_new(vuuid);
	util_now_iso(now);
	vif = json_pack("{s:s, s:s, s:O, s:O, s:s, s:n}", "uuid", vuuid, "node_uuid",
	    uuid, "network_uuid", json_object_get(net, "uuid"), "port_uuid",
	    port ? json_object_get(port, "uuid") : json_null(), "created_at", now,
	    "updated_at");
	rc = store_create(store_thread(), &model_vif, vif, err, sizeof(err));
	json_decref(vif);
	if (rc == STORE_DUP) {
		ierr_set(e, IG_ECONFLICT, "Network %s is already attached to node %s.",
		    get_str(net, "name"), uuid);
		goto fail;
	}
	if (rc != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not record the attachment: %s", err);
		goto fail;
	}
	if (port != NULL) {
		char ip[64] = "";
		if (dhcp_host_add(net, get_str(port, "address"), ip, sizeof(ip), err,
		    sizeof(err)) != 0)
			log_error("dhcp: %s", err);
	}
	log_info("attached to network %s (VLAN %lld)", get_str(net, "name"),
	    (long long)json_integer_value(json_object_get(net, "vlan_id")));
	if (tenant_live(node) && netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0) {
		/* Undo: the record must match the switch. */
		store_delete(store_thread(), &model_vif, vuuid);
		netflow_apply(node, NET_TENANT, err, sizeof(err));
		ierr_set(e, IG_EINTERNAL, "Could not add network %s to the node's switch ports: %s",
		    get_str(net, "name"), err);
		goto fail;
	}
	json_decref(port);
	unlock_node(uuid);
	json_decref(node);
	return 0;
fail:
	json_decref(port);
	unlock_node(uuid);
	json_decref(node);
	return -1;
}

int
cond_vif_detach(json_t *in, json_t *net, struct ierr *e)
{
	const char *uuid = get_str(in, "uuid");
	struct store_query q = { .nfilters = 2 };
	json_t *node, *list;
	char err[512];
	int rc = -1;

	if ((node = lock_and_reload(uuid, e)) == NULL)
		return -1;
	q.filters[0].field = "node_uuid";
	q.filters[0].op = SO_EQ;
	q.filters[0].value = json_object_get(node, "uuid");
	q.filters[1].field = "network_uuid";
	q.filters[1].op = SO_EQ;
	q.filters[1].value = json_object_get(net, "uuid");
	list = store_list(store_thread(), &model_vif, &q, err, sizeof(err));
	if (list == NULL || json_array_size(list) == 0) {
		ierr_set(e, IG_ENOTFOUND, "Unable to detach VIF %s from node %s: it is not attached.",
		    get_str(net, "uuid"), uuid);
	} else if (store_delete(store_thread(), &model_vif,
	    get_str(json_array_get(list, 0), "uuid")) != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not remove the attachment");
	} else if (tenant_live(node) &&
	    netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0) {
		/* The record says detached: make sure the port is not left open. */
		netflow_fail_safe(node, err, sizeof(err));
		ierr_set(e, IG_EINTERNAL, "Could not remove network %s from the node's switch "
		    "ports (ports isolated): %s", get_str(net, "name"), err);
	} else {
		json_t *port = store_get(store_thread(), &model_port, "uuid",
		    get_str(json_array_get(list, 0), "port_uuid"));
		if (port != NULL)
			dhcp_host_remove(net, get_str(port, "address"));
		json_decref(port);
		log_info("detached from network %s", get_str(net, "name"));
		rc = 0;
	}
	json_decref(list);
	unlock_node(uuid);
	json_decref(node);
	return rc;
}

static int (*listen_hook)(const char *, const char *, int, char *, size_t);

void
cond_set_prov_listen_hook(int (*fn)(const char *, const char *, int, char *, size_t))
{
	listen_hook = fn;
}

static void
prov_listen(json_t *net, bool deleted)
{
	char ns[64], ip[64], err[256];

	if (deleted || listen_hook == NULL || !dhcp_enabled() ||
	    strcmp(get_str(net, "purpose"), "tenant") == 0 ||
	    get_str(net, "dhcp_range") == NULL || dhcp_server_ip(net, ip, sizeof(ip)) == NULL)
		return;
	dhcp_netns_name(net, ns, sizeof(ns));
	if (strcmp(get_str(net, "purpose"), "provisioning") == 0)
		agent_client_set_netns(ns);
	if (listen_hook(ns, ip, conf.ipxe.http_port, err, sizeof(err)) != 0)
		log_error("cannot serve the API on the %s network: %s",
		    get_str(net, "name"), err);
}

void
cond_network_changed(json_t *net, bool deleted)
{
	char err[512];

	if (dhcp_network_sync(net, deleted, err, sizeof(err)) != 0)
		log_error("dhcp: network %s: %s", get_str(net, "name"), err);
	else
		prov_listen(net, deleted);
}
