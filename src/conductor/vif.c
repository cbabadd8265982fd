/* VIF attach and detach (see conductor.h, vif.h). */
#include "vif.h"

#include <stdio.h>
#include <string.h>

#include "conductor.h"
#include "dhcp.h"
#include "fsm.h"
#include "log.h"
#include "netflow.h"
#include "node.h"
#include "store.h"
#include "util.h"

bool
cond_vif_allowed(json_t *node, json_t *net)
{
	const char *np = network_project(net);
	const char *user = node_lessee(node);

	if (user == NULL || *user == '\0')
		user = node_owner(node);
	return json_is_true(json_object_get(net, "shared")) || np == NULL || *np == '\0' ||
	    user == NULL || *user == '\0' || strcmp(np, user) == 0;
}

/* Every network the node is attached to still allowed for it? */
bool
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
		    vif_network_uuid(v));
		if (net != NULL && !cond_vif_allowed(node, net))
			ok = false;
		json_decref(net);
	}
	json_decref(list);
	return ok;
}

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
	return fsm_phase(node_provision_state(node)) == NET_TENANT;
}

int
cond_vif_attach(json_t *in, json_t *net, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	char vuuid[UUID_STR_LEN], now[40], err[512];
	json_t *node, *vif, *port;
	int rc;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	if (!cond_vif_allowed(node, net)) {
		/* checked by the API too; the node's lessee changed since */
		ierr_set(e, IG_ECONFLICT, "Node %s is used by another project than the network's; "
		    "not attached.", uuid);
		node_unlock(uuid);
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
		    network_name(net), uuid);
		goto fail;
	}
	if (rc != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not record the attachment: %s", err);
		goto fail;
	}
	if (port != NULL) {
		char ip[64] = "";
		if (dhcp_host_add(net, port_address(port), ip, sizeof(ip), err,
		    sizeof(err)) != 0)
			log_error("dhcp: %s", err);
	}
	log_info("attached to network %s (VLAN %lld)", network_name(net),
	    (long long)json_integer_value(json_object_get(net, "vlan_id")));
	if (tenant_live(node) && netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0) {
		/* Undo: the record must match the switch. */
		store_delete(store_thread(), &model_vif, vuuid);
		netflow_apply(node, NET_TENANT, err, sizeof(err));
		ierr_set(e, IG_EINTERNAL, "Could not add network %s to the node's switch ports: %s",
		    network_name(net), err);
		goto fail;
	}
	json_decref(port);
	node_unlock(uuid);
	json_decref(node);
	return 0;
fail:
	json_decref(port);
	node_unlock(uuid);
	json_decref(node);
	return -1;
}

int
cond_vif_detach(json_t *in, json_t *net, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	struct store_query q = { .nfilters = 2 };
	json_t *node, *list;
	char err[512];
	int rc = -1;

	if ((node = node_lock_reload(uuid, e)) == NULL)
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
		    network_uuid(net), uuid);
	} else if (store_delete(store_thread(), &model_vif,
	    vif_uuid(json_array_get(list, 0))) != STORE_OK) {
		ierr_set(e, IG_EINTERNAL, "could not remove the attachment");
	} else if (tenant_live(node) &&
	    netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0) {
		/* The record says detached: make sure the port is not left open. */
		netflow_fail_safe(node, err, sizeof(err));
		ierr_set(e, IG_EINTERNAL, "Could not remove network %s from the node's switch "
		    "ports (ports isolated): %s", network_name(net), err);
	} else {
		json_t *port = store_get(store_thread(), &model_port, "uuid",
		    vif_port_uuid(json_array_get(list, 0)));
		if (port != NULL)
			dhcp_host_remove(net, port_address(port));
		json_decref(port);
		log_info("detached from network %s", network_name(net));
		rc = 0;
	}
	json_decref(list);
	node_unlock(uuid);
	json_decref(node);
	return rc;
}
