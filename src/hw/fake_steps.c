/*
 * fake-hardware's bios and raid interfaces: the deploy steps Ironic's fake
 * interfaces offer, done in the node's records instead of on hardware, so
 * deploy templates and user deploy_steps can be exercised end to end.
 *   bios.apply_configuration {"settings": [{"name", "value"}, ...]}
 *       merged into driver_internal_info.fake_bios_settings
 *   bios.factory_reset        clears them
 *   raid.apply_configuration {"raid_config": {"logical_disks": [...]},
 *       "delete_existing": bool} becomes the node's raid_config
 *   raid.create_configuration the node's target_raid_config becomes its
 *       raid_config
 *   raid.delete_configuration the raid_config is emptied
 */
#include <stdio.h>
#include <string.h>

#include "fake.h"
#include "hw.h"

#define MAX_SETTINGS	1000
#define MAX_DISKS	64

/* settings: a list of {"name": string, "value": string or null}. */
static bool
settings_ok(json_t *set, char *err, size_t errlen)
{
	json_t *s;
	size_t i;

	if (!json_is_array(set) || json_array_size(set) == 0 ||
	    json_array_size(set) > MAX_SETTINGS) {
		snprintf(err, errlen, "bios.apply_configuration needs \"settings\": a list "
		    "of 1 to %d {\"name\", \"value\"} objects", MAX_SETTINGS);
		return false;
	}
	json_array_foreach(set, i, s) {
		const char *n = json_string_value(json_object_get(s, "name"));
		json_t *v = json_object_get(s, "value");
		if (n == NULL || *n == '\0' || strlen(n) > 255 || v == NULL ||
		    !(json_is_string(v) || json_is_null(v))) {
			snprintf(err, errlen, "bios.apply_configuration: setting %zu needs a "
			    "\"name\" (1-255 characters) and a string \"value\"", i);
			return false;
		}
	}
	return true;
}

static enum hw_step
bios_step(json_t *node, const char *step, json_t *args, char *err, size_t errlen)
{
	json_t *dii = fake_internal_info(node), *cur, *set, *s;
	size_t i;

	if (strcmp(step, "factory_reset") == 0) {
		json_object_del(dii, "fake_bios_settings");
		return HW_STEP_DONE;
	}
	if (strcmp(step, "apply_configuration") != 0) {
		snprintf(err, errlen, "fake bios has no step %s", step);
		return HW_STEP_FAIL;
	}
	set = json_object_get(args, "settings");
	if (!settings_ok(set, err, errlen))
		return HW_STEP_FAIL;
	if (!json_is_object(cur = json_object_get(dii, "fake_bios_settings"))) {
		cur = json_object();
		json_object_set_new(dii, "fake_bios_settings", cur);
	}
	json_array_foreach(set, i, s)
		json_object_set(cur, json_string_value(json_object_get(s, "name")),
		    json_object_get(s, "value"));
	return HW_STEP_DONE;
}

/* raid_config: {"logical_disks": [objects with an integer or "MAX" size_gb
 * and a raid_level], ...}. */
static bool
raid_ok(json_t *rc, char *err, size_t errlen)
{
	json_t *ld = json_object_get(rc, "logical_disks"), *d;
	size_t i;

	if (!json_is_object(rc) || !json_is_array(ld) || json_array_size(ld) == 0 ||
	    json_array_size(ld) > MAX_DISKS) {
		snprintf(err, errlen, "a RAID configuration needs \"logical_disks\": a "
		    "list of 1 to %d disks", MAX_DISKS);
		return false;
	}
	json_array_foreach(ld, i, d) {
		json_t *sz = json_object_get(d, "size_gb");
		if (!json_is_string(json_object_get(d, "raid_level")) ||
		    !((json_is_integer(sz) && json_integer_value(sz) > 0) ||
		    (json_is_string(sz) && strcmp(json_string_value(sz), "MAX") == 0))) {
			snprintf(err, errlen, "logical disk %zu needs a \"raid_level\" and a "
			    "positive \"size_gb\" (or \"MAX\")", i);
			return false;
		}
	}
	return true;
}

static enum hw_step
raid_step(json_t *node, const char *step, json_t *args, char *err, size_t errlen)
{
	json_t *rc;

	if (strcmp(step, "delete_configuration") == 0) {
		json_object_set_new(node, "raid_config", json_object());
		return HW_STEP_DONE;
	}
	if (strcmp(step, "create_configuration") == 0)
		rc = json_object_get(node, "target_raid_config");
	else if (strcmp(step, "apply_configuration") == 0)
		rc = json_object_get(args, "raid_config");
	else {
		snprintf(err, errlen, "fake raid has no step %s", step);
		return HW_STEP_FAIL;
	}
	if (!raid_ok(rc, err, errlen))
		return HW_STEP_FAIL;
	json_object_set_new(node, "raid_config", json_deep_copy(rc));
	return HW_STEP_DONE;
}

static const char *const bios_steps[] = { "apply_configuration", "factory_reset", NULL };
static const char *const raid_steps[] = { "apply_configuration", "create_configuration",
    "delete_configuration", NULL };

const struct hw_generic_ops hw_bios_fake = {
	.name = "fake",
	.validate = fake_validate,
	.deploy_steps = bios_steps,
	.run_step = bios_step,
};

const struct hw_generic_ops hw_raid_fake = {
	.name = "fake",
	.validate = fake_validate,
	.deploy_steps = raid_steps,
	.run_step = raid_step,
};
