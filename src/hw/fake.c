/*
 * fake-hardware: every action succeeds at once, as Ironic's fake interfaces
 * do.  Power and boot device are remembered in the node record so that they
 * read back like a real BMC.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake.h"
#include "hw.h"

static const char *const fake_props[][2] = {
	{ "fake_delay", "Seconds (may be fractional) every fake action takes; "
	  "a test aid for watching transient states. Optional." },
	{ NULL, NULL },
};

/* Honours driver_info.fake_delay so tests can catch nodes mid-operation. */
static void
fake_wait(json_t *node)
{
	json_t *d = json_object_get(json_object_get(node, "driver_info"), "fake_delay");
	double secs = json_is_number(d) ? json_number_value(d) :
	    json_is_string(d) ? atof(json_string_value(d)) : 0;
	struct timespec ts;

	if (secs <= 0 || secs > 3600)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

const struct hw_type hw_type_fake = {
	.name = "fake-hardware",
	.enabled = {
		[HW_IF_BIOS] = { "no-bios", "fake" },
		[HW_IF_BOOT] = { "fake", "ipxe" },
		[HW_IF_CONSOLE] = { "no-console", "fake" },
		[HW_IF_DEPLOY] = { "fake", "direct" },
		[HW_IF_FIRMWARE] = { "no-firmware", "fake" },
		[HW_IF_INSPECT] = { "no-inspect", "fake", "agent" },
		[HW_IF_MANAGEMENT] = { "fake" },
		[HW_IF_NETWORK] = { "noop", "flat", "vlan" },
		[HW_IF_POWER] = { "fake" },
		[HW_IF_RAID] = { "no-raid", "fake" },
		[HW_IF_RESCUE] = { "no-rescue", "fake", "agent" },
		[HW_IF_STORAGE] = { "noop", "fake", "iscsi", "cinder" },
		[HW_IF_VENDOR] = { "no-vendor", "fake" },
	},
	.properties = fake_props,
};

int
fake_validate(json_t *node, char *err, size_t errlen)
{
	(void)node; (void)err; (void)errlen;
	return 0;
}

static int
fake_get_power(json_t *node, enum hw_power *st, char *err, size_t errlen)
{
	const char *ps = json_string_value(json_object_get(node, "power_state"));

	(void)err; (void)errlen;
	*st = (ps != NULL && strcmp(ps, "power on") == 0) ? HW_POWER_ON : HW_POWER_OFF;
	return 0;
}

static int
fake_set_power(json_t *node, enum hw_power_action act, int timeout_s, char *err,
    size_t errlen)
{
	(void)act; (void)timeout_s; (void)err; (void)errlen;
	fake_wait(node);
	return 0;
}

const struct hw_power_ops hw_power_fake = {
	.name = "fake",
	.validate = fake_validate,
	.get_state = fake_get_power,
	.set_state = fake_set_power,
};

static const char *const fake_boot_devices[] = { "pxe", "disk", "cdrom",
    "bios", "safe", NULL };

json_t *
fake_internal_info(json_t *node)
{
	json_t *dii = json_object_get(node, "driver_internal_info");

	if (!json_is_object(dii)) {
		dii = json_object();
		json_object_set_new(node, "driver_internal_info", dii);
	}
	return dii;
}

static int
fake_set_boot(json_t *node, const char *dev, bool persistent, char *err,
    size_t errlen)
{
	json_t *dii = fake_internal_info(node);

	for (size_t i = 0; fake_boot_devices[i] != NULL; i++) {
		if (strcmp(fake_boot_devices[i], dev) == 0) {
			json_object_set_new(dii, "fake_boot_device", json_string(dev));
			json_object_set_new(dii, "fake_boot_persistent",
			    json_boolean(persistent));
			return 0;
		}
	}
	snprintf(err, errlen, "Boot device %s is not supported by fake management", dev);
	return -1;
}

static int
fake_get_boot(json_t *node, char *dev, size_t devlen, int *persistent,
    char *err, size_t errlen)
{
	json_t *dii = json_object_get(node, "driver_internal_info");
	const char *d = json_string_value(json_object_get(dii, "fake_boot_device"));

	(void)err; (void)errlen;
	snprintf(dev, devlen, "%s", d ? d : "pxe");
	*persistent = json_is_true(json_object_get(dii, "fake_boot_persistent"));
	return 0;
}

const struct hw_mgmt_ops hw_mgmt_fake = {
	.name = "fake",
	.validate = fake_validate,
	.set_boot_device = fake_set_boot,
	.get_boot_device = fake_get_boot,
	.supported_boot_devices = fake_boot_devices,
};

static enum hw_step
fake_step(json_t *node, char *err, size_t errlen)
{
	(void)err; (void)errlen;
	fake_wait(node);
	return HW_STEP_DONE;
}

static enum hw_step
fake_clean(json_t *node, json_t *steps, char *err, size_t errlen)
{
	(void)steps; (void)err; (void)errlen;
	fake_wait(node);
	return HW_STEP_DONE;
}

const struct hw_generic_ops hw_generic_fake = {
	.name = "fake",
	.validate = fake_validate,
	.deploy = fake_step,
	.tear_down = fake_step,
	.clean = fake_clean,
	.inspect = fake_step,
	.rescue = fake_step,
	.unrescue = fake_step,
	.adopt = fake_step,
};

const struct hw_generic_ops hw_generic_noop = {
	.name = "noop",
	.validate = fake_validate,
};
