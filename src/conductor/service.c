/*
 * Servicing (Ironic's API 1.87): the `service` verb changes an active
 * node through steps, `service_steps` [{"interface", "step", "args"}], and
 * returns it to active.  Ingot's steps are out of band (the interfaces'
 * deploy_steps rows: BIOS settings, RAID on fake-hardware, ...), so no
 * ramdisk boots; while the node is "servicing" its switch ports are
 * isolated (fsm.def), and the tenant's VLANs come back with "active".
 * A step the node's interfaces do not offer is refused (400) before
 * anything changes; a failing step leaves the node in "service failed"
 * (abort: back to active; service: again).
 */
#include <stdio.h>
#include <string.h>

#include "flow.h"
#include "jsonutil.h"
#include "log.h"
#include "node.h"
#include "steps.h"

#define PLAN_KEY "service_steps"	/* in driver_internal_info */

/* A copy of steps with the keys Ironic lets a service step omit: args {},
 * priority (which servicing does not use). */
static json_t *
completed(json_t *steps)
{
	json_t *out = json_array(), *s, *c;
	size_t i;

	json_array_foreach(steps, i, s) {
		c = json_is_object(s) ? json_deep_copy(s) : json_incref(s);
		if (json_is_object(c) && json_object_get(c, "args") == NULL)
			json_object_set_new(c, "args", json_object());
		if (json_is_object(c) && json_object_get(c, "priority") == NULL)
			json_object_set_new(c, "priority", json_integer(1));
		json_array_append_new(out, c);
	}
	return out;
}

int
service_plan(json_t *node, json_t *steps, struct ierr *e)
{
	json_t *plan, *s;
	char err[400];
	size_t i;

	if (!json_is_array(steps) || json_array_size(steps) == 0) {
		ierr_set(e, IG_EINVAL, "\"service_steps\" is required when setting target "
		    "provision state to service");
		return -1;
	}
	plan = completed(steps);
	if (steps_check(plan, "service_steps", err, sizeof(err)) != 0) {
		ierr_set(e, IG_EINVAL, "Invalid service steps: %s", err);
		json_decref(plan);
		return -1;
	}
	json_array_foreach(plan, i, s) {
		if (!steps_offered(node, s)) {
			ierr_set(e, IG_EINVAL, "Service step %s.%s is not supported by node "
			    "%s's %s interface.", jstr(s, "interface"), jstr(s, "step"),
			    node_get(node, "uuid"), jstr(s, "interface"));
			json_decref(plan);
			return -1;
		}
	}
	json_object_set_new(node_driver_internal_info(node), PLAN_KEY, plan);
	return 0;
}

int
flow_service(json_t *node, json_t *args, struct ierr *e)
{
	json_t *plan = json_object_get(node_driver_internal_info(node), PLAN_KEY), *s;
	char err[400], msg[600];
	size_t i;

	(void)args;
	json_incref(plan);
	json_object_del(node_driver_internal_info(node), PLAN_KEY);	/* not again */
	json_array_foreach(plan, i, s) {
		err[0] = '\0';
		json_object_set(node, "service_step", s);
		if (steps_run_one(node, s, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "Service step %s.%s failed: %s",
			    jstr(s, "interface"), jstr(s, "step"), err[0] ? err : "failed");
			json_object_set_new(node, "service_step", json_object());
			json_decref(plan);
			return flow_fail_isolated(node, msg, e);
		}
		snprintf(msg, sizeof(msg), "service step %s.%s done", jstr(s, "interface"),
		    jstr(s, "step"));
		node_history(node, "INFO", "servicing", msg);
		log_info("%s", msg);
	}
	json_object_set_new(node, "service_step", json_object());
	json_decref(plan);
	return cond_transition(node, "done", NULL, e);
}
