/* Power, boot device, sensors (see power.h and conductor.h). */
#include "power.h"

#include <stdio.h>
#include <string.h>

#include "drivers.h"
#include "log.h"
#include "node.h"
#include "worker.h"

int
power_work(json_t *node, json_t *args, struct ierr *e)
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
	if (drv_do_power(node, act, timeout, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Failed to change power state to '%s' "
		    "by '%s'. Error: %s", act == HW_ACT_POWER_ON || act == HW_ACT_REBOOT ||
		    act == HW_ACT_SOFT_REBOOT ? "power on" : "power off", target, err);
		node_set_last_error(node, msg);
		node_history(node, "ERROR", "power", msg);
		log_error("%s", msg);
	} else {
		node_set_last_error(node, NULL);
		log_info("power state is now %s", node_power_state(node));
	}
	node_set_target_power_state(node, NULL);
	return node_save(node, e);
}

int
cond_power(json_t *in, const char *target, int timeout, struct ierr *e)
{
	static const char *const valid[] = { "power on", "power off", "rebooting",
	    "soft power off", "soft rebooting", NULL };
	const char *uuid = node_uuid(in);
	json_t *node, *args;
	bool ok = false;

	for (size_t i = 0; valid[i] != NULL; i++)
		if (strcmp(valid[i], target) == 0)
			ok = true;
	if (!ok) {
		ierr_set(e, IG_EINVAL, "Invalid power state %s.", target);
		return -1;
	}
	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	node_set_target_power_state(node,
	    strcmp(target, "rebooting") == 0 || strcmp(target, "soft rebooting") == 0 ?
	    "power on" : strcmp(target, "soft power off") == 0 ? "power off" : target);
	node_set_last_error(node, NULL);
	if (node_save(node, e) != 0) {
		node_unlock(uuid);
		json_decref(node);
		return -1;
	}
	args = json_pack("{s:s, s:i}", "target", target, "timeout", timeout);
	worker_submit(power_work, uuid, args);
	json_decref(node);
	return 0;
}

int
cond_maintenance(json_t *in, bool on, const char *reason, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	json_t *node;
	int rc;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	json_object_set_new(node, "maintenance", json_boolean(on));
	node_set_maintenance_reason(node, on ? reason : NULL);
	if (!on)
		node_set_fault(node, NULL);
	rc = node_save(node, e);
	if (rc == 0)
		node_history(node, "INFO", "maintenance", on ? "maintenance set" :
		    "maintenance unset");
	node_unlock(uuid);
	json_decref(node);
	return rc;
}

/* dev is in the interface's list (none listed: it decides itself). */
static bool
boot_device_supported(const struct hw_mgmt_ops *m, const char *dev)
{
	if (m->supported_boot_devices == NULL)
		return true;
	for (size_t i = 0; m->supported_boot_devices[i] != NULL; i++)
		if (strcmp(m->supported_boot_devices[i], dev) == 0)
			return true;
	return false;
}

int
cond_boot_device_set(json_t *in, const char *dev, bool persistent, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	const struct hw_mgmt_ops *m;
	char err[512] = "";
	json_t *node;
	int rc = -1;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	m = drv_mgmt(node);
	if (m == NULL) {
		ierr_set(e, IG_EINVAL, "Node %s has no management interface.", uuid);
	} else if (!boot_device_supported(m, dev)) {
		ierr_set(e, IG_EUNSUPPORTED, "Failed to set boot device to %s: boot device "
		    "%s is not supported by %s management", dev, dev, m->name);
	} else if ((m->validate && m->validate(node, err, sizeof(err)) != 0) ||
	    m->set_boot_device(node, dev, persistent, err, sizeof(err)) != 0) {
		ierr_set(e, IG_EBMC, "Failed to set boot device to %s: %s", dev, err);
	} else {
		rc = node_save(node, e);
	}
	node_unlock(uuid);
	json_decref(node);
	return rc;
}

json_t *
cond_boot_device_get(json_t *in, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	const struct hw_mgmt_ops *m;
	char err[512] = "", dev[32] = "";
	int persistent = -1;
	json_t *node, *out = NULL;

	if ((node = node_lock_reload(uuid, e)) == NULL)
		return NULL;
	m = drv_mgmt(node);
	if (m == NULL) {
		ierr_set(e, IG_EINVAL, "Node %s has no management interface.", uuid);
	} else if (m->get_boot_device(node, dev, sizeof(dev), &persistent, err,
	    sizeof(err)) != 0) {
		ierr_set(e, IG_EINTERNAL, "Failed to get boot device: %s", err);
	} else {
		out = json_pack("{s:s?, s:o}", "boot_device", dev[0] ? dev : NULL,
		    "persistent", persistent < 0 ? json_null() : json_boolean(persistent));
	}
	node_unlock(uuid);
	json_decref(node);
	return out;
}

json_t *
cond_sensors(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);
	char err[512] = "";
	json_t *s;

	if (m == NULL || m->get_sensors == NULL) {
		ierr_set(e, IG_EINVAL, "The management interface of node %s does not read "
		    "sensors.", node_uuid(node));
		return NULL;
	}
	if ((s = m->get_sensors(node, err, sizeof(err))) == NULL) {
		/* projects that own the node read this: no BMC address or user */
		char clean[512];
		hw_scrub_bmc(node_driver_info(node), err, clean, sizeof(clean));
		ierr_set(e, IG_EBMC, "Failed to read sensors: %s", clean);
		return NULL;
	}
	return json_pack("{s:o}", "sensors", s);
}

json_t *
cond_boot_devices_supported(json_t *node, struct ierr *e)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);
	json_t *list = json_array();

	if (m == NULL) {
		json_decref(list);
		ierr_set(e, IG_EINVAL, "Node %s has no management interface.", node_uuid(node));
		return NULL;
	}
	for (size_t i = 0; m->supported_boot_devices && m->supported_boot_devices[i]; i++)
		json_array_append_new(list, json_string(m->supported_boot_devices[i]));
	return json_pack("{s:o}", "supported_boot_devices", list);
}
