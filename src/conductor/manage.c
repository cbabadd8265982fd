/* Verifying (enroll -> manageable) and adopting (an already deployed node). */
#include <stdio.h>

#include "flow.h"

int
flow_verify(json_t *node, json_t *args, struct ierr *e)
{
	const struct hw_power_ops *p = drv_power(node);
	char err[512] = "", msg[700];
	enum hw_power ps;

	(void)args;
	if (flow_validate(node, false, err, sizeof(err)) != 0 ||
	    p->get_state(node, &ps, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "Failed to verify node: %s", err);
		return cond_transition(node, "fail", msg, e);
	}
	node_set_power_state(node, drv_power_name(ps));
	return cond_transition(node, "done", NULL, e);
}

int
flow_adopt(json_t *node, json_t *args, struct ierr *e)
{
	const struct hw_generic_ops *g = drv_generic(node, HW_IF_DEPLOY);
	char err[512] = "";
	enum hw_step r;

	(void)args;
	r = g && g->adopt ? g->adopt(node, err, sizeof(err)) : HW_STEP_DONE;
	return cond_transition(node, r == HW_STEP_DONE ? "done" : "fail",
	    flow_step_result(node, r, err, "Adoption failed: %s"), e);
}
