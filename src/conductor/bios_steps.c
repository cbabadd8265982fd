/*
 * The bios interface's clean step, as Ironic's: {"interface": "bios",
 * "step": "apply_configuration", "args": {"settings": [{"name": N,
 * "value": V}, ...]}}.  The settings are staged through the management
 * interface (set_bios), the node rebooted so that the firmware applies
 * them, and each read back; a setting the BMC did not apply fails the
 * cleaning with its name.  Steps of other interfaces are left to the
 * deploy interface.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "jsonutil.h"

#define BIOS_MAX_SETTINGS 1024

static bool
is_bios(json_t *step)
{
	const char *i = jstr(step, "interface");

	return i != NULL && strcmp(i, "bios") == 0;
}

/* The settings of one step as {name: value}, or NULL with err. */
static json_t *
settings_of(json_t *step, char *err, size_t len)
{
	json_t *list = json_object_get(json_object_get(step, "args"), "settings");
	json_t *out, *s, *v;
	const char *name;
	size_t i;

	if (jstr(step, "step") == NULL || strcmp(jstr(step, "step"), "apply_configuration") != 0) {
		snprintf(err, len, "bios step %.64s is not supported (apply_configuration is)",
		    jstr(step, "step") ? jstr(step, "step") : "(none)");
		return NULL;
	}
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > BIOS_MAX_SETTINGS) {
		snprintf(err, len, "apply_configuration needs args.settings: a list of 1 "
		    "to %d {\"name\", \"value\"} objects", BIOS_MAX_SETTINGS);
		return NULL;
	}
	out = json_object();
	json_array_foreach(list, i, s) {
		name = jstr(s, "name");
		v = json_object_get(s, "value");
		if (name == NULL || *name == '\0' || strlen(name) > 255 || v == NULL ||
		    !(json_is_string(v) || json_is_integer(v) || json_is_boolean(v))) {
			snprintf(err, len, "apply_configuration: setting %zu needs a name "
			    "and a string, integer or boolean value", i);
			json_decref(out);
			return NULL;
		}
		json_object_set(out, name, v);
	}
	return out;
}

int
bios_steps_check(json_t *steps, char *err, size_t len)
{
	json_t *s, *set;
	size_t i;

	json_array_foreach(steps, i, s) {
		if (!is_bios(s))
			continue;
		if ((set = settings_of(s, err, len)) == NULL)
			return -1;
		json_decref(set);
	}
	return 0;
}

/* Each setting as the BMC reports it now (a string "Disabled" and the
 * integer 0 compare as given, so "1" matches 1). */
static int
verify(const struct hw_mgmt_ops *m, json_t *node, json_t *want, char *err, size_t len)
{
	json_t *got = m->get_bios(node, err, len), *v;
	const char *k;
	int rc = 0;

	if (got == NULL)
		return -1;
	json_object_foreach(want, k, v) {
		json_t *g = json_object_get(got, k);
		char *a = json_dumps(v, JSON_ENCODE_ANY), *b = g ? json_dumps(g, JSON_ENCODE_ANY) : NULL;
		bool same = g != NULL && (json_equal(g, v) || (json_is_string(g) && a &&
		    strcmp(json_string_value(g), a) == 0) || (json_is_string(v) && b &&
		    strcmp(json_string_value(v), b) == 0));
		if (!same && rc == 0) {
			snprintf(err, len, "BIOS setting %.64s is %.64s after the reboot, not "
			    "%.64s", k, b ? b : "absent", a ? a : "?");
			rc = -1;
		}
		free(a);
		free(b);
	}
	json_decref(got);
	return rc;
}

static int
apply(json_t *node, json_t *step, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);
	json_t *set = settings_of(step, err, len);
	int rc = -1;

	if (set == NULL)
		return -1;
	if (m == NULL || m->set_bios == NULL || m->get_bios == NULL)
		snprintf(err, len, "the management interface cannot apply BIOS settings");
	else if (m->set_bios(node, set, err, len) == 0 &&
	    drv_do_power(node, HW_ACT_REBOOT, 0, err, len) == 0)
		rc = verify(m, node, set, err, len);
	json_decref(set);
	return rc;
}

int
bios_steps_run(json_t *node, json_t *steps, json_t **rest, char *err, size_t len)
{
	json_t *s;
	size_t i;
	bool ran = false;

	*rest = NULL;
	if (steps == NULL)
		return 0;
	*rest = json_array();
	json_array_foreach(steps, i, s) {
		if (!is_bios(s)) {
			json_array_append(*rest, s);
			continue;
		}
		if (apply(node, s, err, len) != 0) {
			json_decref(*rest);
			*rest = NULL;
			return -1;
		}
		ran = true;
	}
	/* nothing else to run: leave the node off, as cleaning does */
	if (ran && json_array_size(*rest) == 0 &&
	    drv_do_power(node, HW_ACT_POWER_OFF, 0, err, len) != 0) {
		json_decref(*rest);
		*rest = NULL;
		return -1;
	}
	return 0;
}
