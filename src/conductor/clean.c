/* Cleaning: the node on the cleaning network, its disks erased. */
#include <stdio.h>

#include "agent_flow.h"
#include "flow.h"
#include "log.h"
#include "netflow.h"
#include "volpool.h"

/* The node's switch ports isolated, then "done"; else "fail". */
static int
isolate_and_finish(json_t *node, struct ierr *e)
{
	char err[512] = "", msg[700];

	if (netflow_apply(node, NET_ISOLATED, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Cleaning failed: cannot isolate the node's "
		    "switch ports: %s", err);
		return cond_transition(node, "fail", msg, e);
	}
	json_object_set_new(node, "clean_step", json_object());
	json_object_del(node_driver_internal_info(node), "recovery");	/* cleaned */
	return cond_transition(node, "done", NULL, e);
}

int
flow_run_cleaning(json_t *node, json_t *steps, struct ierr *e)
{
	const struct hw_generic_ops *d = drv_generic(node, HW_IF_DEPLOY);
	char err[512] = "", msg[700];
	enum hw_step r = HW_STEP_DONE;
	json_t *rest;

	/* Its data lives on its volume: no ramdisk, no local disk erased,
	 * unless asked (manual steps, or driver_info clean_local_disks). */
	if (steps == NULL && storage_skip_local_clean(node)) {
		log_info("node %s boots from a volume: automated cleaning leaves its "
		    "local disks alone", node_uuid(node));
		return isolate_and_finish(node, e);
	}
	if (netflow_apply(node, NET_CLEANING, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Cleaning failed: cannot move the node to "
		    "the cleaning network: %s", err);
		return flow_fail_isolated(node, msg, e);
	}
	if (bios_steps_run(node, steps, &rest, err, sizeof(err)) != 0)
		r = HW_STEP_FAIL;
	else if (rest != NULL && json_array_size(rest) == 0)
		r = HW_STEP_DONE;	/* only bios steps */
	else if (d != NULL && d->clean != NULL)
		r = d->clean(node, rest, err, sizeof(err));
	json_decref(rest);
	if (r == HW_STEP_WAIT)
		return cond_transition(node, "wait", NULL, e);
	if (r != HW_STEP_DONE) {
		snprintf(msg, sizeof(msg), "Cleaning failed: %s", err[0] ? err : "unknown error");
		return flow_fail_isolated(node, msg, e);
	}
	return isolate_and_finish(node, e);
}

int
flow_clean(json_t *node, json_t *args, struct ierr *e)
{
	json_t *steps = json_object_get(args, "clean_steps");

	/* provide (no steps) with automated cleaning off: nothing to run. */
	if (steps == NULL && !flow_automated_clean(node))
		return isolate_and_finish(node, e);
	return flow_run_cleaning(node, steps, e);
}
