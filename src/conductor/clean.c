/* Cleaning: the node on the cleaning network, its disks erased. */
#include <stdio.h>

#include "agent_flow.h"
#include "flow.h"
#include "netflow.h"

/* Runs cleaning for a node in state "cleaning"; fires done/wait/fail. */
void
flow_run_cleaning(json_t *node, json_t *steps)
{
	const struct hw_generic_ops *d = drv_generic(node, HW_IF_DEPLOY);
	char err[512] = "", msg[700];
	enum hw_step r = HW_STEP_DONE;

	if (netflow_apply(node, NET_CLEANING, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Cleaning failed: cannot move the node to "
		    "the cleaning network: %s", err);
		flow_fail_isolated(node, msg);
		return;
	}
	if (d != NULL && d->clean != NULL)
		r = d->clean(node, steps, err, sizeof(err));
	if (r == HW_STEP_WAIT) {
		cond_transition(node, "wait", NULL);
		return;
	}
	if (r != HW_STEP_DONE) {
		snprintf(msg, sizeof(msg), "Cleaning failed: %s", err[0] ? err : "unknown error");
		flow_fail_isolated(node, msg);
		return;
	}
	if (netflow_apply(node, NET_ISOLATED, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Cleaning failed: cannot isolate the node's "
		    "switch ports: %s", err);
		cond_transition(node, "fail", msg);
		return;
	}
	json_object_set_new(node, "clean_step", json_object());
	cond_transition(node, "done", NULL);
}

void
flow_clean(json_t *node, json_t *args)
{
	json_t *steps = json_object_get(args, "clean_steps");
	char err[512] = "", msg[700];

	/* provide (no steps) with automated cleaning off: nothing to run. */
	if (steps == NULL && !flow_automated_clean(node)) {
		if (netflow_apply(node, NET_ISOLATED, err, sizeof(err)) != 0) {
			snprintf(msg, sizeof(msg), "Cleaning failed: cannot isolate the "
			    "node's switch ports: %s", err);
			cond_transition(node, "fail", msg);
			return;
		}
		cond_transition(node, "done", NULL);
		return;
	}
	flow_run_cleaning(node, steps);
}
