#include "model.h"

#include <stdio.h>
#include <string.h>

#define W	(F_CREATE | F_PATCH)
#define IFACE(n, v)	{ n, FT_STRING, W, v, NULL }

static const struct field node_fields[] = {
	{ "uuid", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "name", FT_STRING, W | F_SHORT | F_UNIQUE | F_SORT, 5, NULL },
	{ "driver", FT_STRING, W | F_NOTNULL | F_INDEX | F_SORT, 0, NULL },
	{ "driver_info", FT_OBJECT, W | F_NOTNULL | F_SECRET | F_SEALED | F_SYSTEM, 0, "{}" },
	{ "driver_internal_info", FT_OBJECT, F_NOTNULL | F_SECRET, 3, "{}" },
	{ "properties", FT_OBJECT, W | F_NOTNULL, 0, "{}" },
	{ "instance_info", FT_OBJECT, W | F_NOTNULL | F_SECRET, 0, "{}" },
	{ "instance_uuid", FT_STRING, W | F_SHORT | F_INDEX | F_SORT, 0, NULL },
	{ "chassis_uuid", FT_STRING, W, 0, NULL },
	{ "extra", FT_OBJECT, W | F_NOTNULL, 0, "{}" },
	{ "console_enabled", FT_BOOL, F_NOTNULL, 0, "false" },
	{ "maintenance", FT_BOOL, F_PATCH | F_SHORT | F_NOTNULL | F_INDEX | F_SORT, 0, "false" },
	{ "maintenance_reason", FT_STRING, F_PATCH, 0, NULL },
	{ "fault", FT_STRING, F_INDEX, 42, NULL },
	{ "power_state", FT_STRING, F_SHORT | F_SORT, 0, NULL },
	{ "target_power_state", FT_STRING, 0, 0, NULL },
	{ "provision_state", FT_STRING, F_SHORT | F_NOTNULL | F_INDEX | F_SORT, 0, "\"enroll\"" },
	{ "target_provision_state", FT_STRING, 0, 0, NULL },
	{ "provision_updated_at", FT_TIME, F_SORT, 0, NULL },
	{ "last_error", FT_STRING, 0, 0, NULL },
	{ "inspection_started_at", FT_TIME, 0, 6, NULL },
	{ "inspection_finished_at", FT_TIME, 0, 6, NULL },
	{ "reservation", FT_STRING, F_INDEX, 0, NULL },
	{ "clean_step", FT_OBJECT, F_NOTNULL, 7, "{}" },
	{ "deploy_step", FT_OBJECT, F_NOTNULL, 44, "{}" },
	{ "conductor_group", FT_STRING, W | F_NOTNULL | F_INDEX | F_SORT, 46, "\"\"" },
	{ "conductor", FT_STRING, 0, 49, NULL },
	{ "allocation_uuid", FT_STRING, 0, 52, NULL },
	{ "resource_class", FT_STRING, W | F_INDEX | F_SORT, 21, NULL },
	{ "traits", FT_LIST, F_NOTNULL, 37, "[]" },
	{ "raid_config", FT_OBJECT, F_NOTNULL, 12, "{}" },
	{ "target_raid_config", FT_OBJECT, F_NOTNULL, 12, "{}" },
	{ "protected", FT_BOOL, F_PATCH | F_NOTNULL, 48, "false" },
	{ "protected_reason", FT_STRING, F_PATCH, 48, NULL },
	{ "owner", FT_STRING, W | F_INDEX | F_SORT, 50, NULL },
	{ "lessee", FT_STRING, W | F_INDEX | F_SORT, 65, NULL },
	{ "description", FT_STRING, W, 51, NULL },
	{ "automated_clean", FT_BOOL, W, 47, NULL },
	{ "retired", FT_BOOL, F_PATCH | F_NOTNULL, 61, "false" },
	{ "retired_reason", FT_STRING, F_PATCH, 61, NULL },
	{ "network_data", FT_OBJECT, W | F_NOTNULL, 66, "{}" },
	{ "boot_mode", FT_STRING, 0, 75, NULL },
	{ "secure_boot", FT_BOOL, 0, 75, NULL },
	IFACE("bios_interface", 40),
	IFACE("boot_interface", 31),
	IFACE("console_interface", 31),
	IFACE("deploy_interface", 31),
	IFACE("inspect_interface", 31),
	IFACE("management_interface", 31),
	IFACE("network_interface", 20),
	IFACE("power_interface", 31),
	IFACE("raid_interface", 31),
	IFACE("rescue_interface", 38),
	IFACE("storage_interface", 33),
	IFACE("vendor_interface", 31),
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 0, NULL },
	{ "updated_at", FT_TIME, F_SORT, 0, NULL },
};

static const struct field port_fields[] = {
	{ "uuid", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "address", FT_STRING, W | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "node_uuid", FT_STRING, W | F_NOTNULL | F_INDEX, 0, NULL },
	{ "portgroup_uuid", FT_STRING, W | F_INDEX, 24, NULL },
	{ "local_link_connection", FT_OBJECT, W | F_NOTNULL, 19, "{}" },
	{ "pxe_enabled", FT_BOOL, W | F_NOTNULL, 19, "true" },
	{ "physical_network", FT_STRING, W | F_INDEX, 34, NULL },
	{ "internal_info", FT_OBJECT, F_NOTNULL, 18, "{}" },
	{ "extra", FT_OBJECT, W | F_NOTNULL, 0, "{}" },
	{ "is_smartnic", FT_BOOL, W | F_NOTNULL, 53, "false" },
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 0, NULL },
	{ "updated_at", FT_TIME, F_SORT, 0, NULL },
};

static const struct field portgroup_fields[] = {
	{ "uuid", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 23, NULL },
	{ "name", FT_STRING, W | F_SHORT | F_UNIQUE | F_SORT, 23, NULL },
	{ "address", FT_STRING, W | F_SHORT | F_UNIQUE | F_SORT, 23, NULL },
	{ "node_uuid", FT_STRING, W | F_NOTNULL | F_INDEX, 23, NULL },
	{ "mode", FT_STRING, W, 26, NULL },
	{ "properties", FT_OBJECT, W | F_NOTNULL, 26, "{}" },
	{ "standalone_ports_supported", FT_BOOL, W | F_NOTNULL, 23, "true" },
	{ "internal_info", FT_OBJECT, F_NOTNULL, 23, "{}" },
	{ "extra", FT_OBJECT, W | F_NOTNULL, 23, "{}" },
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 23, NULL },
	{ "updated_at", FT_TIME, F_SORT, 23, NULL },
};

/* Ingot's addition: VLAN networks (provisioning, cleaning, tenant). */
static const struct field network_fields[] = {
	{ "uuid", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "name", FT_STRING, W | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "vlan_id", FT_INT, W | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "cidr", FT_STRING, W | F_SHORT, 0, NULL },
	{ "gateway", FT_STRING, W, 0, NULL },
	{ "dhcp_range", FT_STRING, W, 0, NULL },
	{ "dns_servers", FT_LIST, W | F_NOTNULL, 0, "[]" },
	{ "project", FT_STRING, W | F_SHORT | F_INDEX | F_SORT, 0, NULL },
	{ "purpose", FT_STRING, W | F_SHORT | F_NOTNULL | F_INDEX | F_SORT, 0, "\"tenant\"" },
	{ "shared", FT_BOOL, W | F_NOTNULL, 0, "false" },
	{ "extra", FT_OBJECT, W | F_NOTNULL, 0, "{}" },
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 0, NULL },
	{ "updated_at", FT_TIME, F_SORT, 0, NULL },
};

/* A node's attachment to a network (Ironic's VIF), bound to one of its ports. */
static const struct field vif_fields[] = {
	{ "uuid", FT_STRING, F_NOTNULL | F_UNIQUE, 0, NULL },
	{ "node_uuid", FT_STRING, F_NOTNULL | F_INDEX, 0, NULL },
	{ "network_uuid", FT_STRING, F_NOTNULL | F_INDEX, 0, NULL },
	{ "port_uuid", FT_STRING, F_INDEX, 0, NULL },
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 0, NULL },
	{ "updated_at", FT_TIME, F_SORT, 0, NULL },
};

/*
 * Ingot's addition: a switch port that leads to infrastructure (a
 * hypervisor, a router, a firewall).  Ingot keeps it a tagged-only trunk
 * carrying exactly the tenant VLANs with members behind it (its
 * hypervisor's VMs) and those it spans.
 */
static const struct field uplink_fields[] = {
	{ "uuid", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "name", FT_STRING, W | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "local_link_connection", FT_OBJECT, W | F_NOTNULL, 0, "{}" },
	{ "hypervisor", FT_STRING, W | F_SHORT | F_INDEX | F_SORT, 0, NULL },
	{ "physical_network", FT_STRING, W, 0, NULL },
	{ "allowed_vlans", FT_STRING, W, 0, NULL },
	{ "span", FT_LIST, W | F_NOTNULL, 0, "[]" },
	{ "internal_info", FT_OBJECT, F_NOTNULL, 0, "{}" },
	{ "extra", FT_OBJECT, W | F_NOTNULL, 0, "{}" },
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 0, NULL },
	{ "updated_at", FT_TIME, F_SORT, 0, NULL },
};

/* Ingot's addition: a VM's port on a tenant network, behind a hypervisor. */
static const struct field member_fields[] = {
	{ "uuid", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "network_uuid", FT_STRING, F_SHORT | F_NOTNULL | F_INDEX, 0, NULL },
	{ "address", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_UNIQUE | F_SORT, 0, NULL },
	{ "hypervisor", FT_STRING, F_CREATE | F_SHORT | F_NOTNULL | F_INDEX | F_SORT, 0, NULL },
	{ "ip_address", FT_STRING, F_CREATE | F_SHORT, 0, NULL },
	{ "name", FT_STRING, F_CREATE | F_SHORT, 0, NULL },
	{ "project", FT_STRING, F_CREATE | F_INDEX, 0, NULL },
	{ "extra", FT_OBJECT, F_CREATE | F_NOTNULL, 0, "{}" },
	{ "created_at", FT_TIME, F_NOTNULL | F_SORT, 0, NULL },
	{ "updated_at", FT_TIME, F_SORT, 0, NULL },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const struct resource model_node = { "node", "nodes", node_fields, NELEM(node_fields) };
const struct resource model_port = { "port", "ports", port_fields, NELEM(port_fields) };
const struct resource model_portgroup = { "portgroup", "portgroups",
    portgroup_fields, NELEM(portgroup_fields) };

const struct resource model_network = { "network", "networks", network_fields,
    NELEM(network_fields) };
const struct resource model_vif = { "vif", "vifs", vif_fields, NELEM(vif_fields) };
const struct resource model_uplink = { "uplink", "uplinks", uplink_fields,
    NELEM(uplink_fields) };
const struct resource model_member = { "member", "members", member_fields,
    NELEM(member_fields) };

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
