#include "model.h"

#include <stdio.h>
#include <string.h>

#define W	(F_CREATE | F_PATCH)

static const struct field node_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "node.def"
#undef FIELD
};

static const struct field port_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "port.def"
#undef FIELD
};

static const struct field portgroup_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "portgroup.def"
#undef FIELD
};

static const struct field network_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "network.def"
#undef FIELD
};

static const struct field vif_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "vif.def"
#undef FIELD
};

/* Ironic's allocations (1.52): a request for a node by resource class and
 * traits, answered with one node (node_uuid), or an error. */
static const struct field allocation_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "allocation.def"
#undef FIELD
};

static const struct field chassis_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "chassis.def"
#undef FIELD
};

static const struct field deploy_template_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "deploy_template.def"
#undef FIELD
};

/*
 * Ingot's addition: a switch port that leads to infrastructure (a
 * hypervisor, a router, a firewall).  Ingot keeps it a tagged-only trunk
 * carrying exactly the tenant VLANs with members behind it (its
 * hypervisor's VMs) and those it spans.
 */
static const struct field uplink_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "uplink.def"
#undef FIELD
};

static const struct field member_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "member.def"
#undef FIELD
};

static const struct field volume_connector_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "volume_connector.def"
#undef FIELD
};

static const struct field volume_target_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "volume_target.def"
#undef FIELD
};

/* Ingot's addition: its own volume pool, exported over iSCSI by tgt. */
static const struct field volume_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "volume.def"
#undef FIELD
};

/* A node's inspection data (in-band inspection). */
static const struct field inventory_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "inventory.def"
#undef FIELD
};

/* Inspection rules (Ironic's, 1.96). */
static const struct field inspection_rule_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "inspection_rule.def"
#undef FIELD
};

/* DHCP host entries and servers with several conductors (internal). */
static const struct field dhcp_host_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "dhcp_host.def"
#undef FIELD
};

static const struct field dhcp_server_fields[] = {
#define FIELD(n, t, flags, since, dflt) { #n, FT_##t, flags, since, dflt },
#include "dhcp_server.def"
#undef FIELD
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct resource model_node = { "node", "nodes", node_fields, NELEM(node_fields) };
const struct resource model_port = { "port", "ports", port_fields, NELEM(port_fields) };
const struct resource model_portgroup = { "portgroup", "portgroups",
    portgroup_fields, NELEM(portgroup_fields) };

const struct resource model_network = { "network", "networks", network_fields,
    NELEM(network_fields) };
const struct resource model_vif = { "vif", "vifs", vif_fields, NELEM(vif_fields) };
const struct resource model_allocation = { "allocation", "allocations",
    allocation_fields, NELEM(allocation_fields) };
const struct resource model_chassis = { "chassis", "chassis", chassis_fields,
    NELEM(chassis_fields) };
const struct resource model_deploy_template = { "deploy_template", "deploy_templates",
    deploy_template_fields, NELEM(deploy_template_fields) };
const struct resource model_uplink = { "uplink", "uplinks", uplink_fields,
    NELEM(uplink_fields) };
const struct resource model_member = { "member", "members", member_fields,
    NELEM(member_fields) };

const struct resource model_volume_connector = { "volume_connector",
    "volume_connectors", volume_connector_fields, NELEM(volume_connector_fields) };
const struct resource model_volume_target = { "volume_target", "volume_targets",
    volume_target_fields, NELEM(volume_target_fields) };
const struct resource model_volume = { "volume", "volumes", volume_fields,
    NELEM(volume_fields) };
const struct resource model_inventory = { "inventory", "node_inventories",
    inventory_fields, NELEM(inventory_fields) };

const struct resource model_dhcp_host = { "dhcp_host", "dhcp_hosts",
    dhcp_host_fields, NELEM(dhcp_host_fields) };
const struct resource model_dhcp_server = { "dhcp_server", "dhcp_servers",
    dhcp_server_fields, NELEM(dhcp_server_fields) };

const struct field *
model_field(const struct resource *r, const char *name)
{
	for (size_t i = 0; i < r->nfields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return &r->fields[i];
	return NULL;
}

void
model_apply_defaults(const struct resource *r, json_t *obj)
{
	for (size_t i = 0; i < r->nfields; i++) {
		const struct field *f = &r->fields[i];
		json_t *v = json_object_get(obj, f->name);

		if (v != NULL && !json_is_null(v))
			continue;
		if (f->dflt != NULL)
			json_object_set_new(obj, f->name, json_loads(f->dflt,
			    JSON_DECODE_ANY, NULL));
		else if (v == NULL)
			json_object_set_new(obj, f->name, json_null());
	}
}

static bool
type_ok(const struct field *f, json_t *v)
{
	if (json_is_null(v))
		return !(f->flags & F_NOTNULL) || f->dflt != NULL;
	switch (f->type) {
	case FT_STRING:
	case FT_TIME:
		return json_is_string(v);
	case FT_BOOL:
		return json_is_boolean(v);
	case FT_INT:
		return json_is_integer(v);
	case FT_OBJECT:
		return json_is_object(v);
	case FT_LIST:
		return json_is_array(v);
	}
	return false;
}

int
model_check_types(const struct resource *r, json_t *obj, char *err, size_t len)
{
	static const char *const tnames[] = { "a string", "a boolean",
	    "an integer", "an object", "a list", "a date-time string" };
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		const struct field *f = model_field(r, k);
		if (f == NULL)
			continue;
		if (!type_ok(f, v)) {
			snprintf(err, len, "Invalid value for field '%s': it must be %s%s.",
			    k, tnames[f->type], (f->flags & F_NOTNULL) ? "" : " or null");
			return -1;
		}
	}
	return 0;
}
const struct resource model_inspection_rule = { "inspection_rule", "inspection_rules",
    inspection_rule_fields, NELEM(inspection_rule_fields) };
