/*
 * Deploying (the image written, the node moved to its tenant networks)
 * and deleting (off the tenant networks, torn down, cleaned).
 */
#include <stdio.h>

#include "agent_flow.h"
#include "configdrive.h"
#include "flow.h"
#include "netflow.h"
#include "steps.h"
#include "volpool.h"

/* The storage interface's step (attach at deploy, detach at tear down). */
static enum hw_step
storage_step(json_t *node, bool attach, char *err, size_t len)
{
	const struct hw_generic_ops *s = drv_generic(node, HW_IF_STORAGE);
	enum hw_step (*fn)(json_t *, char *, size_t) = s == NULL ? NULL :
	    attach ? s->deploy : s->tear_down;

	return fn != NULL ? fn(node, err, len) : HW_STEP_DONE;
}

/* A node booting from its volume: off, network boot (its iPXE script
 * sanboots the volume); powered on after the tenant flip. */
static enum hw_step
volume_boot_prepare(json_t *node, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);

	if (drv_do_power(node, HW_ACT_POWER_OFF, 0, err, len) != 0)
		return HW_STEP_FAIL;
	if (m != NULL && m->set_boot_device != NULL &&
	    m->set_boot_device(node, "pxe", true, err, len) != 0)
		return HW_STEP_FAIL;
	return HW_STEP_DONE;
}

/* Fails the deploy with "fmt: err", the switch ports isolated. */
static int
deploy_failed(json_t *node, const char *fmt, const char *err, struct ierr *e)
{
	char msg[700], e2[256];

	snprintf(msg, sizeof(msg), fmt, err);
	json_object_del(node_driver_internal_info(node), "configdrive");	/* a kept form */
	(void)storage_step(node, false, e2, sizeof(e2));	/* nothing stays attached */
	return flow_fail_isolated(node, msg, e);
}

int
flow_deploy(json_t *node, json_t *args, struct ierr *e)
{
	const struct hw_generic_ops *g = drv_generic(node, HW_IF_DEPLOY);
	char err[512] = "";
	enum hw_step r;

	(void)args;
	if (flow_validate(node, true, err, sizeof(err)) != 0)
		return deploy_failed(node, "Failed to validate deploy: %s", err, e);
	if (steps_run(node, err, sizeof(err)) != 0)
		return deploy_failed(node, "Deploy failed: %s", err, e);
	if (netflow_apply(node, NET_PROVISIONING, err, sizeof(err)) != 0)
		return deploy_failed(node, "Deploy failed: cannot move the node to the "
		    "provisioning network: %s", err, e);
	if (storage_step(node, true, err, sizeof(err)) != HW_STEP_DONE)
		return deploy_failed(node, "Deploy failed: cannot attach the node's "
		    "volumes: %s", err, e);
	if (configdrive_add_volumes(node, err, sizeof(err)) != 0)
		return deploy_failed(node, "Deploy failed: %s", err, e);
	if (storage_boot_from_volume(node))
		r = volume_boot_prepare(node, err, sizeof(err));
	else
		r = g && g->deploy ? g->deploy(node, err, sizeof(err)) : HW_STEP_DONE;
	if (r == HW_STEP_WAIT)
		return cond_transition(node, "wait", NULL, e);
	if (r != HW_STEP_DONE)
		return deploy_failed(node, "%s", flow_step_result(node, r, err,
		    "Deploy failed: %s"), e);
	if (netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0)
		return deploy_failed(node, "Deploy failed: cannot move the node to its "
		    "tenant networks: %s", err, e);
	/* The record says it boots from its volume before it can ask for its
	 * script (sanboot.c reads the record). */
	if (storage_boot_from_volume(node) && node_save(node, e) != 0)
		return deploy_failed(node, "Deploy failed: %s", "cannot record the "
		    "node's attachments", e);
	if (storage_boot_from_volume(node) && drv_do_power(node, HW_ACT_POWER_ON, 0,
	    err, sizeof(err)) != 0)
		return deploy_failed(node, "Deploy failed: cannot power the node on to "
		    "boot from its volume: %s", err, e);
	return cond_transition(node, "done", NULL, e);
}

int
flow_tear_down(json_t *node, json_t *args, struct ierr *e)
{
	const struct hw_generic_ops *g = drv_generic(node, HW_IF_DEPLOY);
	char err[512] = "";
	enum hw_step r;

	(void)args;
	/* Off the tenant networks first: the node must never keep tenant
	 * access while Ingot works on it. */
	r = netflow_apply(node, NET_ISOLATED, err, sizeof(err)) == 0 ?
	    HW_STEP_DONE : HW_STEP_FAIL;
	if (r == HW_STEP_DONE && g && g->tear_down)
		r = g->tear_down(node, err, sizeof(err));
	if (r == HW_STEP_DONE && drv_do_power(node, HW_ACT_POWER_OFF, 0, err,
	    sizeof(err)) != 0)
		r = HW_STEP_FAIL;
	if (r == HW_STEP_DONE)
		r = storage_step(node, false, err, sizeof(err));
	if (r != HW_STEP_DONE)
		return flow_fail_isolated(node, flow_step_result(node, HW_STEP_FAIL, err,
		    "Tear down failed: %s"), e);
	flow_clear_instance(node);
	if (!flow_automated_clean(node))
		return cond_transition(node, "done", NULL, e);
	if (cond_transition(node, "auto_clean", NULL, e) != 0)
		return -1;
	return flow_run_cleaning(node, NULL, e);
}
