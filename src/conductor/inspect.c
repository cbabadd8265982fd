/* Inspecting: the inspect interface reads the hardware. */
#include "flow.h"
#include "util.h"

int
flow_inspect(json_t *node, json_t *args, struct ierr *e)
{
	const struct hw_generic_ops *g = drv_generic(node, HW_IF_INSPECT);
	char err[512] = "", now[40];
	enum hw_step r;

	(void)args;
	util_now_iso(now);
	node_set_inspection_started_at(node, now);
	r = g && g->inspect ? g->inspect(node, err, sizeof(err)) : HW_STEP_DONE;
	if (r == HW_STEP_WAIT)
		return cond_transition(node, "wait", NULL, e);
	util_now_iso(now);
	node_set_inspection_finished_at(node, now);
	if (r == HW_STEP_DONE)
		return cond_transition(node, "done", NULL, e);
	return cond_transition(node, "fail", flow_step_result(node, r, err,
	    "Inspection failed: %s"), e);
}
