/* Rescuing and unrescuing through the rescue interface. */
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
	return cond_transition(node, r == HW_STEP_DONE ? "done" : "fail",
	    flow_step_result(node, r, err, rescue ? "Rescue failed: %s" :
	    "Unrescue failed: %s"), e);
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
