/* A node's interfaces, resolved from its hardware type (see drivers.h). */
#include "drivers.h"

#include <stdio.h>
#include <string.h>

#include "agent_flow.h"
#include "boot_ipxe.h"
#include "cinder_api.h"
#include "conductor.h"
#include "inspect_agent.h"
#include "rescue_agent.h"
#include "log.h"
#include "node.h"
#include "util.h"
#include "volpool.h"
#include "vmedia.h"

const char *
drv_iface(json_t *node, enum hw_iface i)
{
	char key[64];

	snprintf(key, sizeof(key), "%s_interface", hw_iface_names[i]);
	return node_get(node, key);
}

int
cond_resolve_interfaces(json_t *node, bool reset, struct ierr *e)
{
	const char *drv = node_driver(node);
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
		cur = node_get(node, key);
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
			node_set(node, key, t->enabled[i][0]);
	}
	return 0;
}

const struct hw_power_ops *
drv_power(json_t *node)
{
	return hw_power_find(drv_iface(node, HW_IF_POWER));
}

const struct hw_mgmt_ops *
drv_mgmt(json_t *node)
{
	return hw_mgmt_find(drv_iface(node, HW_IF_MANAGEMENT));
}

const struct hw_generic_ops *
drv_generic(json_t *node, enum hw_iface i)
{
	return hw_generic_find(i, drv_iface(node, i));
}

const char *
drv_power_name(enum hw_power p)
{
	return p == HW_POWER_ON ? "power on" : p == HW_POWER_OFF ? "power off" : NULL;
}

/* Sets power and confirms it; on failure returns -1 with err set. */
int
drv_do_power(json_t *node, enum hw_power_action act, int timeout, char *err, size_t len)
{
	const struct hw_power_ops *p = drv_power(node);
	enum hw_power want = (act == HW_ACT_POWER_ON || act == HW_ACT_REBOOT ||
	    act == HW_ACT_SOFT_REBOOT) ? HW_POWER_ON : HW_POWER_OFF;
	enum hw_power got = HW_POWER_UNKNOWN;

	if (p == NULL) {
		snprintf(err, len, "no power interface %s", drv_iface(node, HW_IF_POWER));
		return -1;
	}
	if (p->set_state(node, act, timeout > 0 ? timeout : cconf.power_timeout,
	    err, len) != 0)
		return -1;
	if (strcmp(p->name, "fake") == 0) {
		got = want;
	} else if (p->get_state(node, &got, err, len) != 0) {
		return -1;
	}
	if (got != want) {
		snprintf(err, len, "Failed to set node power state to %s: the BMC "
		    "reports %s.", drv_power_name(want), drv_power_name(got) ? drv_power_name(got) :
		    "an unknown state");
		return -1;
	}
	node_set_power_state(node, drv_power_name(got));
	return 0;
}

/* Drivers of this layer, added to the registry at start: one row each. */
static const struct {
	enum hw_iface			 iface;
	const struct hw_generic_ops	*ops;
} conductor_drivers[] = {
	{ HW_IF_BOOT, &boot_ipxe_ops },
	{ HW_IF_BOOT, &boot_vmedia_ops },
	{ HW_IF_DEPLOY, &deploy_direct_ops },
	{ HW_IF_STORAGE, &storage_iscsi_ops },
	{ HW_IF_STORAGE, &storage_cinder_ops },
	{ HW_IF_INSPECT, &inspect_agent_ops },
	{ HW_IF_RESCUE, &rescue_agent_ops },
};

int
drv_register_all(char *err, size_t len)
{
	for (size_t i = 0; i < sizeof(conductor_drivers) / sizeof(conductor_drivers[0]); i++)
		if (hw_register(conductor_drivers[i].iface, conductor_drivers[i].ops) != 0) {
			snprintf(err, len, "driver registry full");
			return -1;
		}
	return 0;
}
