/*
 * The conductor's face to the API (see conductor.h): provision requests,
 * maintenance, validation, node updates and deletion, start and stop.
 * The work itself runs in the flows (flow.h) on worker threads.
 */
#include "conductor.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent_client.h"
#include "allocation.h"
#include "agent_flow.h"
#include "configdrive.h"
#include "drivers.h"
#include "flow.h"
#include "fsm.h"
#include "log.h"
#include "inspect_agent.h"
#include "rescue_agent.h"
#include "netflow.h"
#include "network.h"
#include "node.h"
#include "periodic.h"
#include "power_sync.h"
#include "recovery.h"
#include "ring.h"
#include "steps.h"
#include "store.h"
#include "util.h"
#include "vif.h"
#include "worker.h"

static char group[128];

const char *
conductor_host(void)
{
	return cond_host_name;
}

/* Each state's worker handler, from fsm.def. */
static flow_fn *const handlers[FSM_NSTATES] = {
#define STATE(id, name, kind, target, phase, ramdisk, timeout, deletable, work) \
	[FSM_S_##id] = work,
#include "fsm.def"
#undef STATE
};

/* The task of a provision verb: the handler of the state it led to. */
static int
run_state(json_t *node, json_t *args, struct ierr *e)
{
	const struct fsm_state *st = fsm_state(node_provision_state(node));
	flow_fn *fn = st != NULL ? handlers[st->id] : NULL;

	if (fn != NULL)
		return fn(node, args, e);
	log_warn("worker: nothing to do in state %s", node_provision_state(node));
	return 0;
}

/* A ramdisk of this node runs through the agent: an abort powers it off. */
static bool
agent_driven(json_t *node)
{
	return agent_flow_used(node) || inspect_agent_used(node) ||
	    rescue_agent_used(node);
}

/*
 * Rescue and unrescue need a rescue interface (400 as Ironic's
 * UnsupportedDriverExtension, never a silent success); rescue hashes its
 * password into instance_info.
 */
static bool
rescue_allowed(json_t *node, const struct fsm_verb *v, json_t *body, struct ierr *e)
{
	bool rescue = strcmp(v->event, "rescue") == 0;
	const struct hw_generic_ops *g = drv_generic(node, HW_IF_RESCUE);

	if (!rescue && strcmp(v->event, "unrescue") != 0)
		return true;
	if (g == NULL || (rescue ? g->rescue : g->unrescue) == NULL) {
		ierr_set(e, IG_EINVAL, "Driver %s does not support rescue (disabled or not "
		    "implemented).", node_driver(node));
		return false;
	}
	return !rescue || rescue_set_password(node, json_string_value(json_object_get(body,
	    "rescue_password")), e) == 0;
}

/*
 * What Ironic refuses although the state machine has the transition: an
 * event asked below the version that brought it to this state (abort in
 * inspect wait: 406; in wait call-back: 400, no such transition there),
 * and undeploying or rebuilding a protected node (403).
 */
static bool
event_allowed(json_t *node, const struct fsm_verb *v, const char *verb, int minor,
    json_t *body, struct ierr *e)
{
	const char *state = node_get(node, "provision_state");
	int since = fsm_event_since(state, v->event);

	if (minor < since) {
		ierr_set(e, strcmp(state, "inspect wait") == 0 ? IG_EVERSION : IG_EINVAL,
		    "The requested action \"%s\" can not be performed on node \"%s\" "
		    "while it is in state \"%s\" at API version 1.%d; it needs 1.%d.",
		    verb, node_get(node, "uuid"), state, minor, since);
		return false;
	}
	if (json_is_true(json_object_get(node, "protected")) &&
	    (strcmp(v->event, "delete") == 0 || strcmp(v->event, "rebuild") == 0)) {
		ierr_set(e, IG_EFORBIDDEN, "Node %s is protected and cannot be undeployed, "
		    "rebuilt or deleted", node_get(node, "uuid"));
		return false;
	}
	return rescue_allowed(node, v, body, e);
}

/* The events a node in maintenance takes; an operator may also recover
 * one (a dead BMC puts nodes there). */
static bool
maintenance_allows(const char *event)
{
	static const char *const ok[] = { "manage", "abort", "delete", "recover", NULL };

	for (size_t i = 0; ok[i] != NULL; i++)
		if (strcmp(ok[i], event) == 0)
			return true;
	return false;
}

/* A manual cleaning's steps: a list, its bios steps well-formed. */
static bool
clean_steps_ok(json_t *body, struct ierr *e)
{
	json_t *steps = json_object_get(body, "clean_steps");
	char err[300];

	if (!json_is_array(steps)) {
		ierr_set(e, IG_EINVAL, "\"clean_steps\" is required when setting target "
		    "provision state to clean");
		return false;
	}
	if (bios_steps_check(steps, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "Invalid clean steps: %s", err);
		return false;
	}
	return true;
}

/* The steps a verb takes: clean_steps (manual cleaning), service_steps. */
static bool
verb_steps_ok(json_t *node, const struct fsm_verb *v, json_t *body, struct ierr *e)
{
	if (strcmp(v->event, "clean") == 0)
		return clean_steps_ok(body, e);
	if (strcmp(v->event, "service") == 0)
		return service_plan(node, json_object_get(body, "service_steps"), e) == 0;
	return true;
}

int
cond_provision(json_t *in, const char *verb, json_t *body, int minor, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	const struct fsm_verb *v = fsm_verb(verb);
	const struct fsm_transition *t;
	json_t *node, *args;
	const char *state;

	if (v == NULL || minor < v->min_minor) {	/* Ironic: 400, or 406 too early */
		ierr_set(e, v ? IG_EVERSION : IG_EINVAL, "The requested action \"%s\" is "
		    "not valid%s.", verb, v ? " at this API version" : "");
		return -1;
	}
	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	state = node_provision_state(node);
	t = fsm_find(state, v->event);
	if (t != NULL && !event_allowed(node, v, verb, minor, body, e))
		goto fail;
	if (t == NULL) {
		ierr_set(e, IG_EINVAL, "The requested action \"%s\" can not be performed on "
		    "node \"%s\" while it is in state \"%s\".", verb, uuid, state);
		goto fail;
	}
	if (node_in_maintenance(node) && !maintenance_allows(v->event)) {
		ierr_set(e, IG_EINVAL, "The node %s is in maintenance mode. Please remove "
		    "it from maintenance mode and retry.", uuid);
		goto fail;
	}
	if (!verb_steps_ok(node, v, body, e))
		goto fail;
	if (strcmp(v->event, "deploy") == 0 || strcmp(v->event, "rebuild") == 0) {
		json_t *cd = json_object_get(body, "configdrive");
		json_t *ii = node_instance_info(node);
		configdrive_keep_form(node, cd);	/* the volumes are added later */
		if (cd != NULL && !json_is_null(cd)) {
			if ((cd = configdrive_prepare(cd, node, minor, e)) == NULL)
				goto fail;
			json_object_set_new(ii, "configdrive", cd);
		}
		json_t *plan = steps_plan(node, json_object_get(body, "deploy_steps"),
		    minor, e);
		if (plan == NULL)
			goto fail;
		json_object_set_new(node_driver_internal_info(node), "deploy_steps_plan",
		    plan);
		/* Whether this deploy may use a file:// image (the API sets
		 * COND_FILE_IMAGES for system-scoped callers only). */
		json_object_set_new(node_driver_internal_info(node),
		    "deploy_file_images", json_boolean(json_is_true(
		    json_object_get(body, COND_FILE_IMAGES))));
	}
	if (strcmp(v->event, "abort") == 0) {
		/* Aborting a wait state is immediate: the ramdisk is powered off
		 * and the switch ports isolated. */
		if (agent_driven(node) && strcmp(state, "service failed") != 0)
			agent_flow_abort(node);	/* a failed servicing has no ramdisk */
		int rc = cond_transition(node, "abort", "Operation aborted by a user request.",
		    e);
		node_unlock(uuid);
		json_decref(node);
		return rc;
	}
	node_set_last_error(node, NULL);
	node_operation_start(node, v->event);
	if (cond_transition(node, v->event, NULL, e) != 0)
		goto fail;
	args = json_object();
	if (json_object_get(body, "clean_steps"))
		json_object_set(args, "clean_steps", json_object_get(body, "clean_steps"));
	log_info("provision action %s accepted", verb);
	worker_submit(run_state, uuid, args);
	json_decref(node);
	return 0;
fail:
	node_unlock(uuid);
	json_decref(node);
	return -1;
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
		const char *impl = drv_iface(node, (enum hw_iface)i);
		int rc = 0;

		err[0] = '\0';
		/* Ironic validates every interface but the vendor one */
		if (i == HW_IF_FIRMWARE || i == HW_IF_VENDOR)
			continue;
		if (impl == NULL) {
			rc = -1;
			snprintf(err, sizeof(err), "no %s interface", hw_iface_names[i]);
		} else if (i == HW_IF_POWER) {
			const struct hw_power_ops *p = drv_power(node);
			rc = p && p->validate ? p->validate(node, err, sizeof(err)) : -1;
		} else if (i == HW_IF_MANAGEMENT) {
			const struct hw_mgmt_ops *m = drv_mgmt(node);
			rc = m && m->validate ? m->validate(node, err, sizeof(err)) : -1;
		} else if (strncmp(impl, "no-", 3) == 0) {
			rc = -1;
			snprintf(err, sizeof(err), "not supported");
		} else {
			const struct hw_generic_ops *g = drv_generic(node, (enum hw_iface)i);
			rc = g && g->validate ? g->validate(node, err, sizeof(err)) : 0;
		}
		if (rc != 0 && err[0] == '\0')
			snprintf(err, sizeof(err), "validation failed");
		json_object_set_new(out, hw_iface_names[i], validate_result(rc, err));
	}
	return out;
}

/*
 * Ironic's rules for protected: only an active node or one in rescue is
 * made protected (409 otherwise); a reason only with protected (400);
 * unprotecting drops the reason.
 */
static int
check_protected(json_t *cur, json_t *upd, struct ierr *e)
{
	bool was = json_is_true(json_object_get(cur, "protected"));
	bool is = json_is_true(json_object_get(upd, "protected"));
	const char *ps = node_get(cur, "provision_state");

	if (was != is && !is) {
		json_object_set_new(upd, "protected_reason", json_null());
	} else if (was != is && strcmp(ps, "active") != 0 && strcmp(ps, "rescue") != 0) {
		ierr_set(e, IG_ECONFLICT, "Node %s can only be made protected in provision "
		    "states 'active' or 'rescue', the current state is '%s'",
		    node_get(cur, "uuid"), ps);
		return -1;
	}
	if (!is && node_get(upd, "protected_reason") != NULL &&
	    !node_same_str(cur, upd, "protected_reason")) {
		ierr_set(e, IG_EINVAL, "The protected_reason field can only be set when "
		    "protected is True");
		return -1;
	}
	return 0;
}

/* a and b are the same node but for who holds its lock. */
static bool
same_but_lock(json_t *a, json_t *b)
{
	json_t *x = json_copy(a), *y = json_copy(b);
	bool same;

	json_object_del(x, "reservation");
	json_object_del(y, "reservation");
	same = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}

/*
 * Saves a node changed by the API.  base is the copy the change was made
 * to: when the stored node differs from it (another request saved in
 * between), nothing is saved and IG_ESTALE says to read and apply again,
 * so no change is lost.
 */
int
cond_update_node(json_t *updated, json_t *base, struct ierr *e)
{
	const char *uuid = node_uuid(updated);
	json_t *cur;
	char err[256];
	int rc;

	if ((cur = node_lock_reload(uuid, e)) == NULL)
		return -1;
	if (base != NULL && !same_but_lock(cur, base)) {
		json_decref(cur);
		node_unlock(uuid);
		ierr_set(e, IG_ESTALE, "Node %s was changed by another request meanwhile; "
		    "please retry.", uuid);
		return -1;
	}
	/* Fields the conductor owns come from the fresh copy. */
	static const char *const owned[] = { "provision_state",
	    "target_provision_state", "power_state", "target_power_state",
	    "driver_internal_info", "last_error", "provision_updated_at",
	    "clean_step", "deploy_step", NULL };
	for (size_t i = 0; owned[i] != NULL; i++)
		json_object_set(updated, owned[i], json_object_get(cur, owned[i]));
	json_object_set(updated, "allocation_uuid", json_object_get(cur, "allocation_uuid"));
	if (check_protected(cur, updated, e) != 0) {
		json_decref(cur);
		node_unlock(uuid);
		return -1;
	}
	/*
	 * A new owner or lessee must not inherit the old one's networks: the
	 * node would join another project's VLAN.  Checked under the node lock
	 * (attachments take it too).
	 */
	if ((!node_same_str(cur, updated, "owner") ||
	    !node_same_str(cur, updated, "lessee")) &&
	    !vifs_allowed(updated)) {
		json_decref(cur);
		node_unlock(uuid);
		ierr_set(e, IG_ECONFLICT, "Node %s is attached to networks of the project using it; "
		    "detach its VIFs (GET /v1/nodes/%s/vifs) before changing its owner or "
		    "lessee.", uuid, uuid);
		return -1;
	}
	json_decref(cur);
	/* an instance_uuid removed takes the node's allocation with it (Ironic) */
	if (node_get(updated, "instance_uuid") == NULL)
		allocation_release_node(updated);
	rc = store_update(store_thread(), &model_node, updated, err, sizeof(err));
	node_unlock(uuid);
	if (rc == STORE_DUP) {
		ierr_set(e, IG_ECONFLICT, "A node with %s %s already exists.", err,
		    node_get(updated, err) ? node_get(updated, err) : "");
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
	const char *uuid = node_uuid(in);
	json_t *node;
	const char *state;
	const struct fsm_state *st;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	state = node_provision_state(node);
	st = fsm_state(state);
	if (node_protected(node)) {
		ierr_set(e, IG_EFORBIDDEN, "Node %s is protected and cannot be undeployed, "
		    "rebuilt or deleted", uuid);
	} else if ((st == NULL || !st->deletable) && !node_in_maintenance(node)) {
		ierr_set(e, IG_ECONFLICT, "Can not delete node \"%s\" while it is in provision "
		    "state \"%s\". Valid provision states to start deletion are: "
		    "enroll, manageable, available, adopt failed, inspect failed, "
		    "clean failed", uuid, state);
	} else if (node_instance_uuid(node) != NULL) {
		ierr_set(e, IG_ECONFLICT, "Node %s is associated with instance %s.", uuid,
		    node_instance_uuid(node));
	} else if (store_delete_node(store_thread(), uuid) != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not delete node %s", uuid);
	} else {
		allocation_forget_node(uuid);
		json_decref(node);
		log_info("node deleted");
		return 0;
	}
	node_unlock(uuid);
	json_decref(node);
	return -1;
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

	cconf = *c;
	if (c->host != NULL && *c->host != '\0')
		snprintf(cond_host_name, sizeof(cond_host_name), "%s", c->host);
	else if (gethostname(cond_host_name, sizeof(cond_host_name)) != 0)
		snprintf(cond_host_name, sizeof(cond_host_name), "localhost");
	snprintf(group, sizeof(group), "%s", c->group ? c->group : "");
	if (cconf.workers <= 0)
		cconf.workers = 8;
	if (cconf.power_timeout <= 0)
		cconf.power_timeout = 30;
	if (drv_register_all(err, len) != 0)
		return -1;
	drivers = driver_names();
	if (store_conductor_register(store_thread(), cond_host_name, group, drivers) != STORE_OK) {
		json_decref(drivers);
		snprintf(err, len, "cannot register conductor %s in the database", cond_host_name);
		return -1;
	}
	json_decref(drivers);
	if (c->api_url != NULL)
		store_conductor_set_url(store_thread(), cond_host_name, c->api_url);
	if (store_conductor_set_role(store_thread(), cond_host_name, c->role ? c->role :
	    "all") != STORE_OK) {
		snprintf(err, len, "cannot record conductor %s's role", cond_host_name);
		return -1;
	}
	if (store_conductor_set_dhcp(store_thread(), cond_host_name, c->dhcp.enabled &&
	    cond_owns_nodes()) != STORE_OK) {
		snprintf(err, len, "cannot record whether conductor %s serves DHCP",
		    cond_host_name);
		return -1;
	}
	ring_configure(cond_host_name, c->dead_after);
	ring_refresh();
	struct agent_conf ag = { .callback_timeout = cconf.callback_timeout > 0 ?
	    cconf.callback_timeout : 1800, .heartbeat_timeout = cconf.heartbeat_timeout > 0 ?
	    cconf.heartbeat_timeout : 300, .erase_devices = cconf.erase_devices };
	agent_flow_configure(&ag);
	if (cconf.inspection.max_interfaces > 0)
		inspect_agent_configure(&cconf.inspection);
	discovery_configure(&c->discovery);
	agent_client_init(60);
	if (images_init(&cconf.images, err, len) != 0)
		return -1;
	if (images_set_download_source(cconf.images.download_source, err, len) != 0)
		return -1;
	images_on_done(agent_flow_image_done);
	struct dhcp_conf dc = c->dhcp;
	dc.enabled = dc.enabled && cond_owns_nodes();	/* API-only: no dnsmasq */
	if (dhcp_init(&dc, err, len) != 0)
		return -1;
	boot_ipxe_configure(&c->ipxe);
	if (volpool_configure(&c->storage, err, len) != 0)
		return -1;
	if (cinder_configure(&c->cinder, err, len) != 0)
		return -1;
	volpool_restore_exports();
	if (recovery_configure(&c->recovery, err, len) != 0)
		return -1;
	if (cond_owns_nodes()) {
		network_sync_all();
		periodic_recover();
		takeover_pass();
		allocation_recover();
	}
	struct power_sync_conf pc = { .workers = cconf.sync_power_workers,
	    .failure_max = cconf.power_failure_max, .force = cconf.force_power_state };
	power_sync_configure(&pc);
	worker_start(cconf.workers);
	if (cond_owns_nodes())
		recovery_resume();
	periodic_start();
	log_info("conductor %s (role %s) started with %d workers", cond_host_name,
	    cconf.role ? cconf.role : "all", cconf.workers);
	return 0;
}

void
conductor_stop(void)
{
	periodic_stop();
	worker_stop();
	volpool_shutdown();
	images_shutdown();
	store_release_all(store_thread(), cond_host_name);
	store_conductor_offline(store_thread(), cond_host_name);
	dhcp_shutdown();
	log_info("conductor %s stopped", cond_host_name);
}
