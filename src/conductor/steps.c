/*
 * Deploy steps beyond the core deploy, as Ironic's deploy templates (1.55)
 * and user deploy_steps (1.69).  A step is {"interface", "step", "args",
 * "priority"}.  A deploy runs the steps of every deploy template named by
 * one of the instance's traits (instance_info.traits) and the user's steps,
 * which override a template's step of the same interface and name.
 *
 * Each step must be one the node's interface offers (the deploy_steps of
 * its hw_generic_ops row), checked when the deploy is asked for: a step the
 * hardware cannot run is refused (400) before anything changes, never
 * stored and skipped.  Ingot runs these out-of-band steps before the core
 * deploy (Ironic's deploy.deploy, priority 100), highest priority first;
 * priority 0 disables a step.  Priorities 1-100 would interleave with the
 * core steps inside the ramdisk, which Ingot does not do yet: refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers.h"
#include "jsonutil.h"
#include "log.h"
#include "model_access.h"
#include "node.h"
#include "steps.h"
#include "store.h"
#include "util.h"

#define CORE_PRIORITY	100	/* deploy.deploy */

static const struct {
	const char	*name;
	enum hw_iface	 iface;
} step_ifaces[] = {
	{ "bios", HW_IF_BIOS }, { "deploy", HW_IF_DEPLOY },
	{ "firmware", HW_IF_FIRMWARE }, { "management", HW_IF_MANAGEMENT },
	{ "power", HW_IF_POWER }, { "raid", HW_IF_RAID }, { NULL, HW_IF_COUNT },
};

static bool
ident_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 255 || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static bool
iface_known(const char *name)
{
	for (int i = 0; step_ifaces[i].name != NULL; i++)
		if (strcmp(step_ifaces[i].name, name) == 0)
			return true;
	return false;
}

static int
step_check(json_t *s, size_t i, const char *what, char *err, size_t len)
{
	const char *k, *in = jstr(s, "interface"), *st = jstr(s, "step");
	json_t *v, *pr = json_object_get(s, "priority");

	if (!json_is_object(s)) {
		snprintf(err, len, "%s: step %zu is not an object", what, i);
		return -1;
	}
	json_object_foreach(s, k, v) {
		if (strcmp(k, "interface") != 0 && strcmp(k, "step") != 0 &&
		    strcmp(k, "args") != 0 && strcmp(k, "priority") != 0) {
			snprintf(err, len, "%s: step %zu has an unknown key %.64s", what, i, k);
			return -1;
		}
	}
	if (in == NULL || !iface_known(in)) {
		snprintf(err, len, "%s: step %zu: \"interface\" must be one of bios, "
		    "deploy, firmware, management, power, raid", what, i);
		return -1;
	}
	if (!ident_ok(st)) {
		snprintf(err, len, "%s: step %zu: \"step\" must be a step name "
		    "(lower case letters, digits and _)", what, i);
		return -1;
	}
	if (!json_is_object(json_object_get(s, "args")) || !json_is_integer(pr) ||
	    json_integer_value(pr) < 0 || json_integer_value(pr) > 65535) {
		snprintf(err, len, "%s: step %zu needs \"args\" (an object) and "
		    "\"priority\" (an integer from 0 to 65535)", what, i);
		return -1;
	}
	return 0;
}

int
steps_check(json_t *steps, const char *what, char *err, size_t len)
{
	json_t *s, *t;
	size_t i, j;

	if (!json_is_array(steps) || json_array_size(steps) > STEPS_MAX) {
		snprintf(err, len, "%s must be a list of at most %d steps", what, STEPS_MAX);
		return -1;
	}
	json_array_foreach(steps, i, s) {
		if (step_check(s, i, what, err, len) != 0)
			return -1;
		for (j = 0; j < i; j++) {
			t = json_array_get(steps, j);
			if (strcmp(jstr(s, "interface"), jstr(t, "interface")) == 0 &&
			    strcmp(jstr(s, "step"), jstr(t, "step")) == 0) {
				snprintf(err, len, "%s: duplicate deploy step %s.%s", what,
				    jstr(s, "interface"), jstr(s, "step"));
				return -1;
			}
		}
	}
	return 0;
}

/* Whether the node's implementation of the step's interface offers it. */
static bool
offered(json_t *node, json_t *s)
{
	const struct hw_generic_ops *g;
	enum hw_iface which = HW_IF_COUNT;

	for (int i = 0; step_ifaces[i].name != NULL; i++)
		if (strcmp(step_ifaces[i].name, jstr(s, "interface")) == 0)
			which = step_ifaces[i].iface;
	if (which == HW_IF_POWER || which == HW_IF_MANAGEMENT || which == HW_IF_COUNT)
		return false;	/* no optional steps on those yet */
	if ((g = drv_generic(node, which)) == NULL || g->deploy_steps == NULL ||
	    g->run_step == NULL)
		return false;
	for (size_t i = 0; g->deploy_steps[i] != NULL; i++)
		if (strcmp(g->deploy_steps[i], jstr(s, "step")) == 0)
			return true;
	return false;
}

/* Adds steps to plan, replacing a step of the same interface and name. */
static void
merge(json_t *plan, json_t *steps)
{
	json_t *s, *p;
	size_t i, j;

	json_array_foreach(steps, i, s) {
		json_array_foreach(plan, j, p) {
			if (strcmp(jstr(p, "interface"), jstr(s, "interface")) == 0 &&
			    strcmp(jstr(p, "step"), jstr(s, "step")) == 0)
				break;
		}
		if (j < json_array_size(plan))
			json_array_set(plan, j, s);
		else
			json_array_append(plan, s);
	}
}

/* The steps of the templates named by the instance's traits. */
static int
template_steps(json_t *node, json_t *plan, struct ierr *e)
{
	json_t *traits = json_object_get(node_instance_info(node), "traits"), *t, *tpl;
	size_t i;

	if (traits != NULL && !json_is_array(traits)) {
		ierr_set(e, IG_EINVAL, "instance_info.traits must be a list of traits");
		return -1;
	}
	json_array_foreach(traits, i, t) {
		if (!json_is_string(t))
			continue;
		tpl = store_get(store_thread(), &model_deploy_template, "name",
		    json_string_value(t));
		if (tpl != NULL)
			merge(plan, json_object_get(tpl, "steps"));
		json_decref(tpl);
	}
	return 0;
}

static int
by_priority(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "priority"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "priority"));

	return x < y ? 1 : x > y ? -1 : 0;
}

/* plan without disabled steps, highest priority first; -1 when a step
 * cannot be run. */
static json_t *
ordered(json_t *node, json_t *plan, struct ierr *e)
{
	json_t *v[STEPS_MAX * 8], *s, *out;
	size_t i, n = 0;

	json_array_foreach(plan, i, s) {
		json_int_t pr = json_integer_value(json_object_get(s, "priority"));
		if (pr == 0)
			continue;
		if (!offered(node, s)) {
			ierr_set(e, IG_EINVAL, "Deploy step %s.%s is not supported by node "
			    "%s's %s interface.", jstr(s, "interface"), jstr(s, "step"),
			    node_uuid(node), jstr(s, "interface"));
			return NULL;
		}
		if (pr <= CORE_PRIORITY) {
			ierr_set(e, IG_EINVAL, "Deploy step %s.%s has priority %lld: Ingot "
			    "runs optional deploy steps before the core deploy step "
			    "(priority above %d) and does not interleave them with it.",
			    jstr(s, "interface"), jstr(s, "step"), (long long)pr, CORE_PRIORITY);
			return NULL;
		}
		if (n < sizeof(v) / sizeof(v[0]))
			v[n++] = s;
	}
	qsort(v, n, sizeof(v[0]), by_priority);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	return out;
}

json_t *
steps_plan(json_t *node, json_t *user, int minor, struct ierr *e)
{
	json_t *plan = json_array(), *out;
	char err[512];

	if (user != NULL && minor < 69) {
		ierr_set(e, IG_EVERSION, "deploy_steps needs API version 1.69 or later.");
		goto fail;
	}
	if (user != NULL && steps_check(user, "deploy_steps", err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "%s", err);
		goto fail;
	}
	if (template_steps(node, plan, e) != 0)
		goto fail;
	if (user != NULL)
		merge(plan, user);
	out = ordered(node, plan, e);
	json_decref(plan);
	return out;
fail:
	json_decref(plan);
	return NULL;
}

static json_t *
dii(json_t *node)
{
	json_t *d = node_driver_internal_info(node);

	if (!json_is_object(d)) {
		d = json_object();
		json_object_set_new(node, "driver_internal_info", d);
	}
	return d;
}

int
steps_run(json_t *node, char *err, size_t len)
{
	json_t *plan = json_object_get(dii(node), "deploy_steps_plan"), *s;
	char msg[600];
	size_t i;

	json_array_foreach(plan, i, s) {
		const struct hw_generic_ops *g = NULL;
		char e2[400] = "";
		for (int k = 0; step_ifaces[k].name != NULL; k++)
			if (strcmp(step_ifaces[k].name, jstr(s, "interface")) == 0)
				g = drv_generic(node, step_ifaces[k].iface);
		json_object_set(node, "deploy_step", s);
		if (g == NULL || g->run_step == NULL || g->run_step(node, jstr(s, "step"),
		    json_object_get(s, "args"), e2, sizeof(e2)) != HW_STEP_DONE) {
			snprintf(err, len, "deploy step %s.%s failed: %s", jstr(s, "interface"),
			    jstr(s, "step"), e2[0] ? e2 : "not supported");
			return -1;
		}
		snprintf(msg, sizeof(msg), "deploy step %s.%s done", jstr(s, "interface"),
		    jstr(s, "step"));
		node_history(node, "INFO", "deploying", msg);
		log_info("%s", msg);
	}
	json_object_set_new(node, "deploy_step", json_object());
	json_object_del(dii(node), "deploy_steps_plan");	/* ran: not again */
	return 0;
}

bool
steps_offered(json_t *node, json_t *step)
{
	return offered(node, step);
}

int
steps_run_one(json_t *node, json_t *s, char *err, size_t len)
{
	const struct hw_generic_ops *g = NULL;

	for (int k = 0; step_ifaces[k].name != NULL; k++)
		if (strcmp(step_ifaces[k].name, jstr(s, "interface")) == 0)
			g = drv_generic(node, step_ifaces[k].iface);
	if (g == NULL || g->run_step == NULL) {
		snprintf(err, len, "not supported");
		return -1;
	}
	return g->run_step(node, jstr(s, "step"), json_object_get(s, "args"), err,
	    len) == HW_STEP_DONE ? 0 : -1;
}
