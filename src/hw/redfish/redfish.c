/*
 * The redfish hardware type: power, management (boot device with boot
 * mode, sensors, NMI, BIOS, boot mode, secure boot) and out-of-band
 * inspection over Redfish (see redfish.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jsonutil.h"
#include "log.h"
#include "redfish.h"
#include "util.h"

/* The ComputerSystem: driver_info's, or the BMC's only one. */
static int
system_path(const struct rf_target *t, char *out, size_t len, char *err, size_t elen)
{
	json_t *col, *m;

	if (t->system[0] != '\0') {
		snprintf(out, len, "%s", t->system);
		return 0;
	}
	if ((col = rf_get(t, "/redfish/v1/Systems", NULL, 0, err, elen)) == NULL)
		return -1;
	m = json_object_get(col, "Members");
	if (json_array_size(m) != 1 || rf_path_take(t->base,
	    jstr(json_array_get(m, 0), "@odata.id"), out, len) != 0) {
		snprintf(err, elen, "the BMC has %zu systems: set redfish_system_id",
		    json_array_size(m));
		json_decref(col);
		return -1;
	}
	json_decref(col);
	return 0;
}

/* driver_info, the system's path and document. */
struct rf_node {
	struct rf_target t;
	char		 sys[300];
	json_t		*doc;
};

static int
node_open(json_t *node, struct rf_node *n, bool read, char *err, size_t len)
{
	n->doc = NULL;
	if (rf_target_from(node, &n->t, err, len) != 0 ||
	    system_path(&n->t, n->sys, sizeof(n->sys), err, len) != 0)
		return -1;
	if (read && (n->doc = rf_get(&n->t, n->sys, NULL, 0, err, len)) == NULL)
		return -1;
	return 0;
}

static void
node_close(struct rf_node *n)
{
	json_decref(n->doc);
	explicit_bzero(n->t.pass, sizeof(n->t.pass));
}

static int
read_power(struct rf_node *n, enum hw_power *st, char *err, size_t len)
{
	json_t *doc = rf_get(&n->t, n->sys, NULL, 0, err, len);
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (rf_power_of(doc, st) == 0)
		rc = 0;
	else
		snprintf(err, len, "the BMC reports no known PowerState");
	json_decref(doc);
	return rc;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
wait_power(struct rf_node *n, enum hw_power want, int timeout_s, char *err, size_t len)
{
	double end = util_mono_now() + (timeout_s > 0 ? timeout_s : 30);
	enum hw_power st = HW_POWER_UNKNOWN;

	for (;;) {
		if (read_power(n, &st, err, len) != 0)
			return -1;
		if (st == want)
			return 0;
		if (util_mono_now() >= end)
			break;
		sleep_ms(250);
	}
	snprintf(err, len, "the BMC still reports power %s after %d s",
	    st == HW_POWER_ON ? "on" : "off", timeout_s > 0 ? timeout_s : 30);
	return -1;
}

static int
reset(struct rf_node *n, const char *type, char *err, size_t len)
{
	json_t *act = json_object_get(json_object_get(n->doc, "Actions"),
	    "#ComputerSystem.Reset");
	char path[340];
	json_t *body;
	int rc;

	if (rf_path_take(n->t.base, jstr(act, "target"), path, sizeof(path)) != 0)
		snprintf(path, sizeof(path), "%s/Actions/ComputerSystem.Reset", n->sys);
	body = json_pack("{s:s}", "ResetType", type);
	rc = rf_action(&n->t, path, body, err, len);
	json_decref(body);
	return rc;
}

static int
power_to(struct rf_node *n, const char *type, enum hw_power want, int timeout_s,
    char *err, size_t len)
{
	if (reset(n, type, err, len) != 0)
		return -1;
	return wait_power(n, want, timeout_s, err, len);
}

static int
soft_off(struct rf_node *n, int timeout_s, char *err, size_t len)
{
	if (power_to(n, "GracefulShutdown", HW_POWER_OFF, timeout_s, err, len) == 0)
		return 0;
	log_warn("soft power off did not complete (%s): powering off hard", err);
	return power_to(n, "ForceOff", HW_POWER_OFF, timeout_s, err, len);
}

static int
set_power(struct rf_node *n, enum hw_power_action act, int timeout_s, char *err,
    size_t len)
{
	enum hw_power st;

	if (rf_power_of(n->doc, &st) != 0)
		st = HW_POWER_UNKNOWN;
	switch (act) {
	case HW_ACT_POWER_ON:
		return st == HW_POWER_ON ? 0 :
		    power_to(n, "On", HW_POWER_ON, timeout_s, err, len);
	case HW_ACT_POWER_OFF:
		return st == HW_POWER_OFF ? 0 :
		    power_to(n, "ForceOff", HW_POWER_OFF, timeout_s, err, len);
	case HW_ACT_SOFT_POWER_OFF:
		return st == HW_POWER_OFF ? 0 : soft_off(n, timeout_s, err, len);
	case HW_ACT_REBOOT:
		return power_to(n, st == HW_POWER_OFF ? "On" : "ForceRestart",
		    HW_POWER_ON, timeout_s, err, len);
	case HW_ACT_SOFT_REBOOT:
		if (st != HW_POWER_OFF && soft_off(n, timeout_s, err, len) != 0)
			return -1;
		return power_to(n, "On", HW_POWER_ON, timeout_s, err, len);
	}
	return -1;
}

/* --- the interfaces ---------------------------------------------------- */

static int
iface_validate(json_t *node, char *err, size_t len)
{
	struct rf_node n;
	enum hw_power st;
	int rc = -1;

	/* Valid once the BMC accepted our credentials and named a power state. */
	if (node_open(node, &n, true, err, len) == 0) {
		if (rf_power_of(n.doc, &st) == 0)
			rc = 0;
		else
			snprintf(err, len, "the BMC reports no known PowerState");
	}
	node_close(&n);
	return rc;
}

static int
iface_get_power(json_t *node, enum hw_power *st, char *err, size_t len)
{
	struct rf_node n;
	int rc = -1;

	*st = HW_POWER_UNKNOWN;
	if (node_open(node, &n, false, err, len) == 0)
		rc = read_power(&n, st, err, len);
	node_close(&n);
	return rc;
}

static int
iface_set_power(json_t *node, enum hw_power_action act, int timeout_s, char *err,
    size_t len)
{
	struct rf_node n;
	int rc = -1;

	if (node_open(node, &n, true, err, len) == 0)
		rc = set_power(&n, act, timeout_s, err, len);
	node_close(&n);
	return rc;
}

/* The node's boot mode ("uefi", "bios") or NULL: boot_mode, else the
 * boot_mode capability. */
static const char *
node_boot_mode(json_t *node)
{
	json_t *caps = json_object_get(json_object_get(node, "properties"), "capabilities");
	const char *bm = jstr(node, "boot_mode"), *s = json_string_value(caps);

	if (bm != NULL && (strcmp(bm, "uefi") == 0 || strcmp(bm, "bios") == 0))
		return bm;
	if (s != NULL && strstr(s, "boot_mode:uefi") != NULL)
		return "uefi";
	if (s != NULL && strstr(s, "boot_mode:bios") != NULL)
		return "bios";
	if (json_is_object(caps) && jstr(caps, "boot_mode") != NULL)
		return strcmp(jstr(caps, "boot_mode"), "bios") == 0 ? "bios" : "uefi";
	return NULL;
}

static int
iface_set_boot(json_t *node, const char *dev, bool persistent, char *err, size_t len)
{
	const char *target = rf_boot_target_of(dev), *mode = node_boot_mode(node);
	struct rf_node n;
	json_t *boot, *body;
	int rc = -1;

	if (target == NULL) {
		snprintf(err, len, "boot device %s is not supported by redfish management",
		    dev);
		return -1;
	}
	if (node_open(node, &n, true, err, len) != 0) {
		node_close(&n);
		return -1;
	}
	boot = json_pack("{s:s, s:s}", "BootSourceOverrideTarget", target,
	    "BootSourceOverrideEnabled", persistent ? "Continuous" : "Once");
	/* the mode only where the BMC has it (some refuse unknown members) */
	if (mode != NULL && jstr(json_object_get(n.doc, "Boot"), "BootSourceOverrideMode"))
		json_object_set_new(boot, "BootSourceOverrideMode",
		    json_string(strcmp(mode, "uefi") == 0 ? "UEFI" : "Legacy"));
	body = json_pack("{s:o}", "Boot", boot);
	rc = rf_patch(&n.t, n.sys, body, err, len);
	json_decref(body);
	node_close(&n);
	return rc;
}

static int
iface_get_boot(json_t *node, char *dev, size_t devlen, int *persistent, char *err,
    size_t len)
{
	struct rf_node n;
	json_t *boot;
	const char *d, *en;
	int rc = -1;

	if (node_open(node, &n, true, err, len) == 0) {
		boot = json_object_get(n.doc, "Boot");
		d = rf_boot_dev_of(jstr(boot, "BootSourceOverrideTarget"));
		en = jstr(boot, "BootSourceOverrideEnabled");
		snprintf(dev, devlen, "%s", d != NULL && en != NULL &&
		    strcmp(en, "Disabled") != 0 ? d : "");
		*persistent = en == NULL ? -1 : strcmp(en, "Continuous") == 0;
		rc = 0;
	}
	node_close(&n);
	return rc;
}

/* The document a link of doc names (its first element for a list). */
static json_t *
follow(struct rf_node *n, json_t *doc, const char *member, char *err, size_t len)
{
	json_t *l = json_object_get(doc, member);
	char path[300];

	if (json_is_array(l))
		l = json_array_get(l, 0);
	if (rf_path_take(n->t.base, jstr(l, "@odata.id"), path, sizeof(path)) != 0) {
		snprintf(err, len, "the BMC's document has no usable %s link", member);
		return NULL;
	}
	return rf_get(&n->t, path, NULL, 0, err, len);
}

static json_t *
iface_get_sensors(json_t *node, char *err, size_t len)
{
	json_t *ch = NULL, *th = NULL, *pw = NULL, *out = NULL;
	struct rf_node n;

	if (node_open(node, &n, true, err, len) == 0 &&
	    (ch = follow(&n, json_object_get(n.doc, "Links"), "Chassis", err, len)) != NULL &&
	    (th = follow(&n, ch, "Thermal", err, len)) != NULL) {
		pw = follow(&n, ch, "Power", err, len);	/* optional */
		out = rf_sensors(th, pw);
	}
	json_decref(ch);
	json_decref(th);
	json_decref(pw);
	node_close(&n);
	return out;
}

static int
iface_inject_nmi(json_t *node, char *err, size_t len)
{
	struct rf_node n;
	int rc = -1;

	if (node_open(node, &n, true, err, len) == 0)
		rc = reset(&n, "Nmi", err, len);
	node_close(&n);
	return rc;
}

static json_t *
iface_get_bios(json_t *node, char *err, size_t len)
{
	struct rf_node n;
	json_t *bios = NULL, *out = NULL;

	if (node_open(node, &n, true, err, len) == 0 &&
	    (bios = follow(&n, n.doc, "Bios", err, len)) != NULL)
		out = rf_bios_attributes(bios);
	json_decref(bios);
	node_close(&n);
	return out;
}

/* Stages settings in the Bios resource's settings object (applied by the
 * BMC at the next reboot). */
static int
iface_set_bios(json_t *node, json_t *settings, char *err, size_t len)
{
	struct rf_node n;
	json_t *bios = NULL, *body;
	const char *so;
	char path[300];
	int rc = -1;

	if (node_open(node, &n, true, err, len) == 0 &&
	    (bios = follow(&n, n.doc, "Bios", err, len)) != NULL) {
		so = jstr(json_object_get(json_object_get(bios, "@Redfish.Settings"),
		    "SettingsObject"), "@odata.id");
		if (rf_path_take(n.t.base, so, path, sizeof(path)) != 0)
			rf_path_take(n.t.base, jstr(bios, "@odata.id"), path, sizeof(path));
		body = json_pack("{s:O}", "Attributes", settings);
		rc = rf_patch(&n.t, path, body, err, len);
		json_decref(body);
	}
	json_decref(bios);
	node_close(&n);
	return rc;
}

static int
iface_set_boot_mode(json_t *node, const char *mode, char *err, size_t len)
{
	struct rf_node n;
	json_t *body;
	int rc = -1;

	if (strcmp(mode, "uefi") != 0 && strcmp(mode, "bios") != 0) {
		snprintf(err, len, "boot mode must be uefi or bios");
		return -1;
	}
	if (node_open(node, &n, false, err, len) == 0) {
		body = json_pack("{s:{s:s}}", "Boot", "BootSourceOverrideMode",
		    strcmp(mode, "uefi") == 0 ? "UEFI" : "Legacy");
		rc = rf_patch(&n.t, n.sys, body, err, len);
		json_decref(body);
	}
	node_close(&n);
	return rc;
}

static int
iface_set_secure_boot(json_t *node, bool on, char *err, size_t len)
{
	struct rf_node n;
	json_t *body;
	char path[300];
	int rc = -1;

	if (node_open(node, &n, true, err, len) == 0) {
		if (rf_path_take(n.t.base, rf_link(n.doc, "SecureBoot"), path,
		    sizeof(path)) != 0) {
			snprintf(err, len, "the BMC offers no SecureBoot resource");
		} else {
			body = json_pack("{s:b}", "SecureBootEnable", on);
			rc = rf_patch(&n.t, path, body, err, len);
			json_decref(body);
		}
	}
	node_close(&n);
	return rc;
}

/* --- inspection ------------------------------------------------------- */

#define RF_MAX_MEMBERS 64

/* The members of the collection doc's link names, read one by one. */
static json_t *
members_of(struct rf_node *n, json_t *doc, const char *link, char *err, size_t len)
{
	json_t *col = follow(n, doc, link, err, len), *out = json_array(), *m, *d;
	char path[300];
	size_t i;

	json_array_foreach(json_object_get(col, "Members"), i, m) {
		if (i == RF_MAX_MEMBERS)
			break;
		if (rf_path_take(n->t.base, jstr(m, "@odata.id"), path, sizeof(path)) == 0 &&
		    (d = rf_get(&n->t, path, NULL, 0, err, len)) != NULL)
			json_array_append_new(out, d);
	}
	json_decref(col);
	return out;
}

static json_t *
drives_of(struct rf_node *n, char *err, size_t len)
{
	json_t *stores = members_of(n, n->doc, "Storage", err, len), *out = json_array();
	json_t *st, *l, *d;
	char path[300];
	size_t i, j;

	json_array_foreach(stores, i, st) {
		json_array_foreach(json_object_get(st, "Drives"), j, l) {
			if (json_array_size(out) == RF_MAX_MEMBERS)
				break;
			if (rf_path_take(n->t.base, jstr(l, "@odata.id"), path,
			    sizeof(path)) == 0 && (d = rf_get(&n->t, path, NULL, 0, err,
			    len)) != NULL)
				json_array_append_new(out, d);
		}
	}
	json_decref(stores);
	return out;
}

static enum hw_step
iface_inspect(json_t *node, char *err, size_t len)
{
	struct rf_node n;
	json_t *p, *m, *e, *d, *inv, *props, *dii;

	if (node_open(node, &n, true, err, len) != 0) {
		node_close(&n);
		return HW_STEP_FAIL;
	}
	p = members_of(&n, n.doc, "Processors", err, len);
	m = members_of(&n, n.doc, "Memory", err, len);
	e = members_of(&n, n.doc, "EthernetInterfaces", err, len);
	d = drives_of(&n, err, len);
	inv = rf_inventory(n.doc, p, m, e, d);
	if ((props = json_object_get(node, "properties")) == NULL || !json_is_object(props))
		json_object_set_new(node, "properties", props = json_object());
	rf_inventory_properties(inv, props);
	if ((dii = json_object_get(node, "driver_internal_info")) == NULL ||
	    !json_is_object(dii))
		json_object_set_new(node, "driver_internal_info", dii = json_object());
	json_object_set_new(dii, "redfish_inventory", inv);
	json_decref(p);
	json_decref(m);
	json_decref(e);
	json_decref(d);
	node_close(&n);
	return HW_STEP_DONE;
}

/* --- virtual media ---------------------------------------------------- */

static int
iface_insert_media(json_t *node, const char *device, const char *url, char *err,
    size_t len)
{
	struct rf_node n;
	int rc = -1;

	if (node_open(node, &n, false, err, len) == 0)
		rc = rf_media_insert(&n.t, n.sys, device, url, err, len);
	node_close(&n);
	return rc;
}

static int
iface_eject_media(json_t *node, const char *device, char *err, size_t len)
{
	struct rf_node n;
	int rc = -1;

	if (node_open(node, &n, false, err, len) == 0)
		rc = rf_media_eject(&n.t, n.sys, device, err, len);
	node_close(&n);
	return rc;
}

static json_t *
iface_get_media(json_t *node, char *err, size_t len)
{
	struct rf_node n;
	json_t *out = NULL;

	if (node_open(node, &n, false, err, len) == 0)
		out = rf_media_get(&n.t, n.sys, err, len);
	node_close(&n);
	return out;
}

/* --- tables ------------------------------------------------------------ */

static const char *const rf_boot_devices[] = { "pxe", "disk", "cdrom", "bios", NULL };

const struct hw_power_ops hw_power_redfish = {
	.name = "redfish",
	.validate = iface_validate,
	.get_state = iface_get_power,
	.set_state = iface_set_power,
};

const struct hw_mgmt_ops hw_mgmt_redfish = {
	.name = "redfish",
	.validate = iface_validate,
	.set_boot_device = iface_set_boot,
	.get_boot_device = iface_get_boot,
	.supported_boot_devices = rf_boot_devices,
	.get_sensors = iface_get_sensors,
	.inject_nmi = iface_inject_nmi,
	.get_bios = iface_get_bios,
	.set_bios = iface_set_bios,
	.set_boot_mode = iface_set_boot_mode,
	.set_secure_boot = iface_set_secure_boot,
	.insert_media = iface_insert_media,
	.eject_media = iface_eject_media,
	.get_media = iface_get_media,
};

const struct hw_generic_ops hw_inspect_redfish = {
	.name = "redfish",
	.validate = iface_validate,
	.inspect = iface_inspect,
};

const struct hw_type hw_type_redfish = {
	.name = "redfish",
	.enabled = {
		[HW_IF_BIOS] = { "redfish", "no-bios" },
		[HW_IF_BOOT] = { "ipxe", "redfish-virtual-media", "fake" },
		[HW_IF_CONSOLE] = { "no-console" },
		[HW_IF_DEPLOY] = { "direct", "fake" },
		[HW_IF_FIRMWARE] = { "no-firmware" },
		[HW_IF_INSPECT] = { "redfish", "no-inspect", "agent" },
		[HW_IF_MANAGEMENT] = { "redfish" },
		[HW_IF_NETWORK] = { "vlan", "flat", "noop" },
		[HW_IF_POWER] = { "redfish" },
		[HW_IF_RAID] = { "no-raid" },
		[HW_IF_RESCUE] = { "no-rescue" },
		[HW_IF_STORAGE] = { "noop", "iscsi", "cinder" },
		[HW_IF_VENDOR] = { "no-vendor" },
	},
	.properties = rf_properties,
};
