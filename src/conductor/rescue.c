/* Rescuing and unrescuing through the rescue interface (rescue_agent.c: "agent"). */
#include "flow.h"

static int
run_rescue(json_t *node, bool rescue, struct ierr *e)
{
	const struct hw_generic_ops *g = drv_generic(node, HW_IF_RESCUE);
	enum hw_step (*fn)(json_t *, char *, size_t) = NULL;
	char err[512] = "";
	enum hw_step r = HW_STEP_DONE;

	if (g != NULL)
		fn = rescue ? g->rescue : g->unrescue;
	if (fn != NULL)
		r = fn(node, err, sizeof(err));
	if (r == HW_STEP_WAIT)
		return cond_transition(node, "wait", NULL, e);
	if (r == HW_STEP_DONE)
		return cond_transition(node, "done", NULL, e);
	/* A failed rescue or unrescue leaves no VLAN on the ports. */
	return flow_fail_isolated(node, flow_step_result(node, r, err, rescue ?
	    "Rescue failed: %s" : "Unrescue failed: %s"), e);
}

int
flow_rescue(json_t *node, json_t *args, struct ierr *e)
{
	(void)args;
	return run_rescue(node, true, e);
}

int
flow_unrescue(json_t *node, json_t *args, struct ierr *e)
{
	(void)args;
	return run_rescue(node, false, e);
}
