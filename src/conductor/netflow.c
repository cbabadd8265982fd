/*
 * Multi-tenant network flow: which VLANs a node's switch ports carry in
 * each phase of its life (the seed's steps 3, 9 and undeploy), applied
 * through portctl for nodes whose network_interface is "vlan".
 *
 *   isolated      no VLAN at all (the safe state)
 *   provisioning  access port on the provisioning network's VLAN
 *   cleaning      the cleaning network's VLAN (else provisioning)
 *   tenant        the node's attached tenant networks: one = access VLAN,
 *                 several = trunk with the first as native VLAN; its
 *                 storage networks (purpose "storage", docs/storage.md)
 *                 are tagged VLANs of that trunk, never the native one,
 *                 and carried only beside a tenant network
 *   rescuing      the rescuing network's VLAN: never the provisioning
 *                 network (a tenant uses the ramdisk), so none is an error
 *
 * What was applied is recorded in each port's internal_info
 * (ingot_native_vlan, ingot_trunks, ingot_phase) so that a restart can read
 * the switch back and correct it.
 */
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "fsm.h"
#include "log.h"
#include "netflow.h"
#include "portctl.h"
#include "store.h"
#include "util.h"
#include "model_access.h"

static const char *const phase_names[] = { "isolated", "provisioning",
    "cleaning", "tenant", "rescuing" };

bool
netflow_managed(json_t *node)
{
	const char *ni = node_network_interface(node);

	return ni != NULL && strcmp(ni, "vlan") == 0;
}

static json_t *
list_by(const struct resource *res, const char *field, json_t *value)
{
	struct store_query q = { .nfilters = 1 };
	char err[128];

	q.filters[0].field = field;
	q.filters[0].op = SO_EQ;
	q.filters[0].value = value;
	return store_list(store_thread(), res, &q, err, sizeof(err));
}

static int
network_vlan(const char *purpose)
{
	json_t *p = json_string(purpose), *list = list_by(&model_network, "purpose", p);
	int vlan = 0;

	if (list != NULL && json_array_size(list) > 0)
		vlan = (int)json_integer_value(json_object_get(json_array_get(list, 0),
		    "vlan_id"));
	json_decref(list);
	json_decref(p);
	return vlan;
}

/* The VLANs of a node's VIFs of one purpose, in attachment order. */
static int
vif_vlans(json_t *vifs, const char *purpose, int *vlans, int max)
{
	json_t *v;
	size_t i;
	int n = 0;

	json_array_foreach(vifs, i, v) {
		json_t *net = store_get(store_thread(), &model_network, "uuid",
		    jstr(v, "network_uuid"));
		if (net != NULL && n < max && jstr(net, "purpose") != NULL &&
		    strcmp(jstr(net, "purpose"), purpose) == 0)
			vlans[n++] = (int)json_integer_value(json_object_get(net, "vlan_id"));
		json_decref(net);
	}
	return n;
}

/*
 * The VLANs a deployed node carries: its tenant networks first (the first
 * is the native VLAN), then its storage networks; none without a tenant
 * network (a storage VLAN alone is no way to reach the node).
 */
static int
tenant_vlans(json_t *node, int *vlans, int max)
{
	json_t *vifs = list_by(&model_vif, "node_uuid", json_object_get(node, "uuid"));
	int n = vif_vlans(vifs, "tenant", vlans, max);

	if (n > 0)
		n += vif_vlans(vifs, "storage", vlans + n, max - n);
	json_decref(vifs);
	return n;
}

static int
apply_port(json_t *port, enum net_phase phase, int native, const int *trunks,
    int ntrunks, char *err, size_t len)
{
	json_t *llc = json_object_get(port, "local_link_connection");
	json_t *ii = json_object_get(port, "internal_info"), *tl;
	const char *sw = jstr(llc, "switch_id"), *pid = jstr(llc, "port_id");
	char now[40], serr[256];

	if (sw == NULL || pid == NULL)
		return 0;	/* not wired to a managed switch port */
	if (portctl_set(sw, jstr(llc, "switch_info"), pid, native, trunks, ntrunks,
	    err, len) != 0)
		return -1;
	if (!json_is_object(ii)) {
		ii = json_object();
		json_object_set_new(port, "internal_info", ii);
	}
	tl = json_array();
	for (int i = 0; i < ntrunks; i++)
		json_array_append_new(tl, json_integer(trunks[i]));
	json_object_set_new(ii, "ingot_native_vlan", json_integer(native));
	json_object_set_new(ii, "ingot_trunks", tl);
	json_object_set_new(ii, "ingot_phase", json_string(phase_names[phase]));
	util_now_iso(now);
	json_object_set_new(port, "updated_at", json_string(now));
	if (store_update(store_thread(), &model_port, port, serr, sizeof(serr)) != STORE_OK)
		log_error("cannot record VLANs of port %s: %s", jstr(port, "uuid"), serr);
	log_info("switch %s port %s: %s (native VLAN %d, %d trunk VLAN(s))", sw, pid,
	    phase_names[phase], native, ntrunks);
	return 0;
}

/* Computes what a phase means for this node: native VLAN and trunks. */
static int
phase_vlans(json_t *node, enum net_phase phase, int *native, int *trunks,
    int *ntrunks, char *err, size_t len)
{
	int vlans[PORTCTL_MAX_VLANS], n;

	*native = 0;
	*ntrunks = 0;
	switch (phase) {
	case NET_ISOLATED:
		return 0;
	case NET_CLEANING:
		if ((*native = network_vlan("cleaning")) != 0)
			return 0;
		/* no cleaning network: clean on the provisioning network */
		__attribute__((fallthrough));
	case NET_PROVISIONING:
		if ((*native = network_vlan("provisioning")) == 0) {
			snprintf(err, len, "no provisioning network is defined");
			return -1;
		}
		return 0;
	case NET_RESCUING:
		if ((*native = network_vlan("rescuing")) == 0) {
			snprintf(err, len, "no rescuing network is defined (a rescue never "
			    "uses the provisioning network)");
			return -1;
		}
		return 0;
	case NET_TENANT:
		n = tenant_vlans(node, vlans, PORTCTL_MAX_VLANS);
		if (n == 0)
			return 0;	/* no tenant network: stays isolated */
		*native = vlans[0];
		if (n > 1) {
			for (int i = 0; i < n; i++)
				trunks[i] = vlans[i];
			*ntrunks = n;
		}
		return 0;
	}
	return 0;
}

int
netflow_apply(json_t *node, enum net_phase phase, char *err, size_t len)
{
	int native, trunks[PORTCTL_MAX_VLANS], ntrunks, rc = 0;
	json_t *ports, *port;
	size_t i;

	if (!netflow_managed(node))
		return 0;
	if (phase_vlans(node, phase, &native, trunks, &ntrunks, err, len) != 0)
		return -1;
	ports = list_by(&model_port, "node_uuid", json_object_get(node, "uuid"));
	json_array_foreach(ports, i, port) {
		if (apply_port(port, phase, native, trunks, ntrunks, err, len) != 0) {
			rc = -1;
			break;
		}
	}
	json_decref(ports);
	return rc;
}

int
netflow_fail_safe(json_t *node, char *err, size_t len)
{
	return netflow_apply(node, NET_ISOLATED, err, len);
}

enum net_phase
netflow_expected(json_t *node)
{
	return fsm_phase(node_provision_state(node));
}

static bool
same_vlans(int n1, const int *t1, int c1, int n2, const int *t2, int c2)
{
	if (n1 != n2 || c1 != c2)
		return false;
	for (int i = 0; i < c1; i++) {	/* trunks are sets */
		bool found = false;
		for (int j = 0; j < c2; j++)
			if (t1[i] == t2[j])
				found = true;
		if (!found)
			return false;
	}
	return true;
}

int
netflow_reconcile(json_t *node)
{
	enum net_phase want = netflow_expected(node);
	int native, trunks[PORTCTL_MAX_VLANS], ntrunks, fixed = 0;
	json_t *ports, *port;
	char err[512];
	size_t i;

	if (!netflow_managed(node))
		return 0;
	if (phase_vlans(node, want, &native, trunks, &ntrunks, err, sizeof(err)) != 0) {
		want = NET_ISOLATED;
		native = ntrunks = 0;
	}
	ports = list_by(&model_port, "node_uuid", json_object_get(node, "uuid"));
	json_array_foreach(ports, i, port) {
		json_t *llc = json_object_get(port, "local_link_connection");
		int gn = 0, gt[PORTCTL_MAX_VLANS], gc = 0;

		if (jstr(llc, "switch_id") == NULL || jstr(llc, "port_id") == NULL)
			continue;
		if (portctl_get(jstr(llc, "switch_id"), jstr(llc, "switch_info"),
		    jstr(llc, "port_id"), &gn, gt, &gc, err, sizeof(err)) != 0) {
			log_error("reconcile: cannot read back: %s", err);
			continue;
		}
		if (same_vlans(gn, gt, gc, native, trunks, ntrunks))
			continue;
		log_warn("reconcile: switch %s port %s carries native VLAN %d (%d trunks) "
		    "but the node is %s: setting %s", jstr(llc, "switch_id"),
		    jstr(llc, "port_id"), gn, gc, node_provision_state(node),
		    phase_names[want]);
		if (apply_port(port, want, native, trunks, ntrunks, err, sizeof(err)) != 0)
			log_error("reconcile: %s", err);
		else
			fixed++;
	}
	json_decref(ports);
	return fixed;
}
