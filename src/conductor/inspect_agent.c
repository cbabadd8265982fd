/*
 * In-band inspection through the agent (Ironic's "agent" inspect
 * interface).  inspecting: the switch ports go to the provisioning
 * network and the deploy ramdisk boots (as a deploy's), and the node waits
 * in "inspect wait".  The agent posts its inventory (with the LLDP its
 * NICs heard) to POST /v1/continue_inspection: the data is checked,
 * matched to the node by its MACs, stored, and a worker applies it under
 * the node's lock: properties, ports (created for new NICs, pxe_enabled
 * for the one that booted), local_link_connection from LLDP where the
 * operator set none (a different one is recorded as a mismatch, never
 * overwritten); then the ramdisk is powered off, the ports isolated, and
 * the node is manageable.  Silence past [deploy] callback_timeout fails
 * it (inspect failed), as the periodic walker does for deploys.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonutil.h"
#include "agent_flow.h"
#include "conductor.h"
#include "discovery.h"
#include "drivers.h"
#include "inspect_agent.h"
#include "inspect_rules.h"
#include "lldp.h"
#include "log.h"
#include "netflow.h"
#include "node.h"
#include "store.h"
#include "uplink.h"
#include "util.h"
#include "worker.h"

static struct inspect_limits lim = { .max_interfaces = 64, .max_disks = 256,
    .max_size = 1 << 20 };

void
inspect_agent_configure(const struct inspect_limits *l)
{
	lim = *l;
}

bool
inspect_agent_used(json_t *node)
{
	return hw_generic_find(HW_IF_INSPECT, node_inspect_interface(node)) ==
	    &inspect_agent_ops;
}

static enum hw_step
inspect_start(json_t *node, char *err, size_t len)
{
	if (netflow_apply(node, NET_PROVISIONING, err, len) != 0)
		return HW_STEP_FAIL;
	return agent_boot_ramdisk(node, err, len);
}

const struct hw_generic_ops inspect_agent_ops = {
	.name = "agent",
	.inspect = inspect_start,
};

static bool
awaits_data(json_t *node)
{
	return node != NULL && strcmp(node_provision_state(node), "inspect wait") == 0 &&
	    inspect_agent_used(node);
}

/* The node whose ports the inventory's MACs are: all known ones of one
 * node, that node want when given; NULL otherwise. */
static json_t *
find_node(json_t *inv, const char *want)
{
	char mac[18], uuid[UUID_STR_LEN] = "";
	json_t *nic, *port;
	size_t i;

	json_array_foreach(json_object_get(inv, "interfaces"), i, nic) {
		if (!util_normalize_mac(jstr(nic, "mac_address"), mac) ||
		    (port = store_get(store_thread(), &model_port, "address", mac)) == NULL)
			continue;
		if (uuid[0] != '\0' && strcmp(uuid, port_node_uuid(port)) != 0) {
			json_decref(port);
			return NULL;
		}
		snprintf(uuid, sizeof(uuid), "%s", port_node_uuid(port));
		json_decref(port);
	}
	if (uuid[0] == '\0' || (want != NULL && strcmp(want, uuid) != 0))
		return NULL;
	return store_get(store_thread(), &model_node, "uuid", uuid);
}

/* Stores the body as the node's inventory and plugin data. */
static int
store_data(const char *uuid, json_t *body, struct ierr *e)
{
	json_t *plugin = json_deep_copy(body), *row, *old;
	char now[40], err[200];
	int rc;

	json_object_del(plugin, "inventory");
	util_now_iso(now);
	old = store_get(store_thread(), &model_inventory, "uuid", uuid);
	row = json_pack("{s:s, s:O, s:o, s:s, s:s}", "uuid", uuid, "inventory",
	    json_object_get(body, "inventory"), "plugin_data", plugin, "created_at",
	    old ? jstr(old, "created_at") : now, "updated_at", now);
	rc = old ? store_update(store_thread(), &model_inventory, row, err, sizeof(err)) :
	    store_create(store_thread(), &model_inventory, row, err, sizeof(err));
	json_decref(old);
	json_decref(row);
	if (rc != STORE_OK)
		ierr_set(e, IG_EINTERNAL, "cannot store the inspection data: %s", err);
	return rc == STORE_OK ? 0 : -1;
}

task_fn inspect_agent_apply;

json_t *
cond_continue_inspection(json_t *body, const char *want, struct ierr *e)
{
	char err[300], uuid[UUID_STR_LEN];
	json_t *found, *node, *out;

	if (inspect_data_check(body, &lim, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "%s", err);
		return NULL;
	}
	found = find_node(json_object_get(body, "inventory"), want);
	if (found == NULL && want == NULL && discovery_enabled() &&
	    discovery_unknown(json_object_get(body, "inventory")))
		return discovery_enrol(body, e);
	if (!awaits_data(found)) {
		json_decref(found);
		ierr_set(e, IG_ENOTFOUND, INSPECT_NOT_FOUND);
		return NULL;
	}
	snprintf(uuid, sizeof(uuid), "%s", node_uuid(found));
	json_decref(found);
	log_set_node(uuid);
	if ((node = node_lock_reload(uuid, e)) == NULL)
		return NULL;
	if (!awaits_data(node) || store_data(uuid, body, e) != 0) {
		if (!awaits_data(node))
			ierr_set(e, IG_ENOTFOUND, INSPECT_NOT_FOUND);
		node_unlock(uuid);
		json_decref(node);
		return NULL;
	}
	/* No fast track: the ramdisk is powered off, so no agent token. */
	out = json_pack("{s:s, s:{s:s, s:s}, s:{s:i, s:b}}", "uuid", uuid, "node", "uuid",
	    uuid, "provision_state", node_provision_state(node), "config",
	    "heartbeat_timeout", cconf.heartbeat_timeout, "agent_token_required", 1);
	json_decref(node);
	log_info("inspection data received");
	worker_submit(inspect_agent_apply, uuid, NULL);	/* the worker releases the lock */
	return out;
}

/* --- applying the data (worker, lock held) ------------------------------- */

/* The LLDP's switch port, as local_link_connection; NULL when LLDP names
 * no usable one (the chassis ID must be a MAC, the port a plain name). */
static json_t *
llc_of(const struct lldp_info *li)
{
	json_t *llc;

	if (li->chassis_subtype != 4 || !lldp_name_ok(li->port_id))
		return NULL;
	llc = json_pack("{s:s, s:s}", "switch_id", li->chassis_id, "port_id", li->port_id);
	if (lldp_name_ok(li->sys_name))
		json_object_set_new(llc, "switch_info", json_string(li->sys_name));
	return llc;
}

/* The recorded switch port is another than LLDP's: the port differs, or
 * the switch (by MAC when both are MACs, else by system name). */
static bool
llc_differs(json_t *cur, json_t *want)
{
	char a[18], b[18];
	const char *ci = jstr(cur, "switch_info"), *wi = jstr(want, "switch_info");

	if (jstr(cur, "port_id") == NULL || strcmp(jstr(cur, "port_id"),
	    jstr(want, "port_id")) != 0)
		return true;
	if (util_normalize_mac(jstr(cur, "switch_id") ? jstr(cur, "switch_id") : "", a) &&
	    util_normalize_mac(jstr(want, "switch_id"), b))
		return strcmp(a, b) != 0;
	return ci == NULL || wi == NULL || strcasecmp(ci, wi) != 0;
}

static void
mismatch(json_t *node, json_t *port, json_t *want, const char *why, json_t *list)
{
	char msg[600];
	char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
	char *c = json_dumps(json_object_get(port, "local_link_connection"),
	    JSON_COMPACT | JSON_SORT_KEYS);

	snprintf(msg, sizeof(msg), "Inspection: port %s: LLDP says %s, %s %s; it was "
	    "left unchanged", port_address(port), w ? w : "?", why, c ? c : "?");
	node_history(node, "WARNING", "inspection", msg);
	node_set_last_error(node, msg);
	json_array_append_new(list, json_pack("{s:s, s:O, s:O}", "address",
	    port_address(port), "lldp", want, "local_link_connection",
	    json_object_get(port, "local_link_connection")));
	free(w);
	free(c);
}

/* Another port (of any node) records this switch port already. */
static bool
llc_taken(json_t *port, json_t *want)
{
	struct store_query q = { 0 };
	char err[128];
	json_t *all = store_list(store_thread(), &model_port, &q, err, sizeof(err)), *p;
	bool taken = false;
	size_t i;

	json_array_foreach(all, i, p) {
		json_t *llc = json_object_get(p, "local_link_connection");
		if (strcmp(jstr(p, "address"), port_address(port)) != 0 &&
		    json_object_size(llc) > 0 && !llc_differs(llc, want))
			taken = true;
	}
	json_decref(all);
	return taken;
}

/* Fills an empty local_link_connection from LLDP; a different one is a
 * mismatch (kept, flagged); an uplink's switch port, or one another port
 * records, is never taken: a node cannot claim a switch port that carries
 * someone else's VLANs by what it reports. */
static void
llc_apply(json_t *node, json_t *port, const struct lldp_info *li, json_t *list)
{
	json_t *cur = json_object_get(port, "local_link_connection");
	json_t *want = llc_of(li), *u;
	char msg[400];

	if (want == NULL || (jstr(cur, "network_type") && strcmp(jstr(cur,
	    "network_type"), "unmanaged") == 0)) {
		json_decref(want);
		return;
	}
	if (json_object_size(cur) > 0) {
		if (llc_differs(cur, want))
			mismatch(node, port, want, "the port records", list);
	} else if ((u = cond_uplink_at(want)) != NULL) {
		mismatch(node, port, want, "which is an uplink's switch port; the port "
		    "records", list);
		json_decref(u);
	} else if (llc_taken(port, want)) {
		mismatch(node, port, want, "which another port records; the port "
		    "records", list);
	} else {
		json_object_set(port, "local_link_connection", want);
		snprintf(msg, sizeof(msg), "Inspection: port %s is on switch %s port %s (LLDP)",
		    port_address(port), jstr(want, "switch_id"), jstr(want, "port_id"));
		node_history(node, "INFO", "inspection", msg);
	}
	json_decref(want);
}

/* The node's port with this MAC, a new one when no port has it; NULL when
 * it is another node's or a VM member's. */
static json_t *
port_for(json_t *node, const char *mac, bool *created)
{
	json_t *p = store_get(store_thread(), &model_port, "address", mac), *m;
	char uuid[UUID_STR_LEN], now[40];

	*created = false;
	if (p != NULL) {
		if (strcmp(port_node_uuid(p), node_uuid(node)) == 0)
			return p;
		json_decref(p);
		return NULL;
	}
	if ((m = store_get(store_thread(), &model_member, "address", mac)) != NULL) {
		json_decref(m);
		return NULL;
	}
	util_uuid_new(uuid);
	util_now_iso(now);
	p = json_pack("{s:s, s:s, s:s, s:s}", "uuid", uuid, "address", mac, "node_uuid",
	    node_uuid(node), "created_at", now);
	model_apply_defaults(&model_port, p);
	*created = true;
	return p;
}

/* One NIC of the inventory: its port, pxe_enabled, LLDP. */
static void
apply_nic(json_t *node, json_t *nic, const char *boot_mac, json_t *parsed, json_t *list)
{
	struct lldp_info li;
	char mac[18], err[200], now[40];
	bool created;
	json_t *port;

	if (!util_normalize_mac(jstr(nic, "mac_address"), mac) ||
	    (port = port_for(node, mac, &created)) == NULL)
		return;
	if (boot_mac[0] != '\0')
		port_set_pxe_enabled(port, strcmp(mac, boot_mac) == 0);
	if (json_is_array(json_object_get(nic, "lldp")) &&
	    lldp_decode_ipa(json_object_get(nic, "lldp"), &li, err, sizeof(err)) == 0) {
		json_object_set_new(parsed, jstr(nic, "name"), lldp_info_json(&li));
		llc_apply(node, port, &li, list);
	}
	util_now_iso(now);
	json_object_set_new(port, "updated_at", json_string(now));
	if ((created ? store_create(store_thread(), &model_port, port, err, sizeof(err)) :
	    store_update(store_thread(), &model_port, port, err, sizeof(err))) != STORE_OK)
		log_warn("inspection: port %s not saved: %s", mac, err);
	else if (created)
		log_info("inspection: port %s created", mac);
	json_decref(port);
}

/* Every NIC; plugin data gets parsed_lldp and lldp_mismatch. */
static void
apply_ports(json_t *node, json_t *inv, json_t *plugin)
{
	json_t *parsed = json_object(), *list = json_array(), *nic;
	const char *b = jstr(json_object_get(inv, "boot"), "pxe_interface");
	char boot_mac[18] = "";
	size_t i;

	if (b == NULL)
		b = jstr(plugin, "boot_interface");
	if (b == NULL || !util_normalize_mac(b, boot_mac))
		boot_mac[0] = '\0';
	json_array_foreach(json_object_get(inv, "interfaces"), i, nic)
		apply_nic(node, nic, boot_mac, parsed, list);
	json_object_set_new(plugin, "parsed_lldp", parsed);
	json_object_set_new(plugin, "lldp_mismatch", list);
}

/* The ramdisk off and the switch ports isolated: inspection is over. */
static int
ramdisk_off(json_t *node, char *err, size_t len)
{
	const struct hw_generic_ops *b = drv_generic(node, HW_IF_BOOT);

	json_object_del(node_driver_internal_info(node), "agent_secret_token");
	json_object_del(node_driver_internal_info(node), "agent_url");
	json_object_del(node_driver_internal_info(node), "agent_last_heartbeat");
	if (drv_do_power(node, HW_ACT_POWER_OFF, 0, err, len) != 0)
		return -1;
	if (b != NULL && b->clean_up_ramdisk != NULL && b->clean_up_ramdisk(node, err, len) != 0)
		return -1;
	return netflow_apply(node, NET_ISOLATED, err, len);
}

static int
fail(json_t *node, const char *why, struct ierr *e)
{
	char msg[700];

	snprintf(msg, sizeof(msg), "Inspection failed: %s", why);
	agent_flow_abort(node);
	return cond_transition(node, "fail", msg, e);
}

int
inspect_agent_apply_data(json_t *node, json_t *row, char *err, size_t len)
{
	json_t *props = json_deep_copy(node_properties(node)), *root = NULL;
	json_t *plugin = json_object_get(row, "plugin_data");

	if (!json_is_object(props)) {
		json_decref(props);
		props = json_object();
	}
	if (inspect_data_properties(props, json_object_get(row, "inventory"), &root,
	    err, len) != 0) {
		json_decref(props);
		return -1;
	}
	json_object_set_new(node, "properties", props);
	json_object_set_new(plugin, "root_disk", root ? root : json_null());
	apply_ports(node, json_object_get(row, "inventory"), plugin);
	if (inspect_rules_apply(node, json_object_get(row, "inventory"), plugin, err,
	    len) != 0) {
		char e2[128];
		if (store_update(store_thread(), &model_inventory, row, e2,
		    sizeof(e2)) != STORE_OK)
			log_warn("inspection data not updated: %s", e2);
		return -1;
	}
	if (store_update(store_thread(), &model_inventory, row, err, len) != STORE_OK)
		return -1;
	return 0;
}

int
inspect_agent_apply(json_t *node, json_t *args, struct ierr *e)
{
	json_t *row;
	char err[512] = "", now[40];
	int rc;

	(void)args;
	if (!awaits_data(node))
		return 0;	/* it moved on (aborted, timed out) meanwhile */
	row = store_get(store_thread(), &model_inventory, "uuid", node_uuid(node));
	if (row == NULL || inspect_agent_apply_data(node, row, err, sizeof(err)) != 0) {
		json_decref(row);
		return fail(node, err[0] ? err : "the inspection data is gone", e);
	}
	json_decref(row);
	if (ramdisk_off(node, err, sizeof(err)) != 0)
		return fail(node, err, e);
	util_now_iso(now);
	node_set_inspection_finished_at(node, now);
	rc = cond_transition(node, "done", NULL, e);
	if (rc == 0)
		log_info("inspection finished");
	return rc;
}
