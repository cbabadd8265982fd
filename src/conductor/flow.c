/* What the flows share (see flow.h). */
#include "flow.h"

#include <stdio.h>

#include "allocation.h"
#include "netflow.h"

int
flow_validate(json_t *node, bool deploy, char *err, size_t len)
{
	const struct hw_power_ops *p = drv_power(node);
	const struct hw_generic_ops *d = drv_generic(node, HW_IF_DEPLOY);

	if (p == NULL || (p->validate && p->validate(node, err, len) != 0)) {
		if (p == NULL)
			snprintf(err, len, "power interface not available");
		return -1;
	}
	if (deploy && d != NULL && d->validate && d->validate(node, err, len) != 0)
		return -1;
	return 0;
}

void
flow_clear_instance(json_t *node)
{
	json_object_set_new(node, "instance_info", json_object());
	node_set_instance_uuid(node, NULL);
	allocation_release_node(node);	/* Ironic: torn down, deallocated */
	json_object_set_new(node, "deploy_step", json_object());
}

const char *
flow_step_result(json_t *node, enum hw_step r, const char *err, const char *fail_fmt)
{
	static _Thread_local char msg[900];

	(void)node;
	if (r == HW_STEP_DONE)
		return NULL;
	snprintf(msg, sizeof(msg), fail_fmt, err[0] ? err : "unknown error");
	return msg;
}

/* Leaves the node's switch ports isolated after a failure, noting why. */
int
flow_fail_isolated(json_t *node, const char *msg, struct ierr *e)
{
	char err[512], full[1200];

	if (netflow_fail_safe(node, err, sizeof(err)) != 0) {
		snprintf(full, sizeof(full), "%s; isolating its switch ports also "
		    "failed: %s", msg, err);
		return cond_transition(node, "fail", full, e);
	}
	return cond_transition(node, "fail", msg, e);
}

bool
flow_automated_clean(json_t *node)
{
	json_t *ac = json_object_get(node, "automated_clean");
	json_t *rec = json_object_get(node_driver_internal_info(node), "recovery");

	/* A node that failed and gave its instance away is cleaned, whatever
	 * its setting (docs/recovery.md). */
	if (json_is_object(rec))
		return true;

	return json_is_boolean(ac) ? json_is_true(ac) : cconf.automated_clean;
}
