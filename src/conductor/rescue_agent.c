/*
 * Rescue through the agent (Ironic's "agent" rescue interface).
 *
 * rescuing: the switch ports go to the rescuing network (never the
 * provisioning network: a tenant will use this ramdisk; no rescuing
 * network is an error), the deploy ramdisk boots, the node waits in
 * "rescue wait".  The agent's first heartbeat gets rescue.finalize_rescue
 * with the password's SHA-512 crypt hash (the plain text was never
 * stored); when the agent has set it for its "rescue" user, the ramdisk's
 * boot files are withdrawn and the ports move to the tenant's networks:
 * "rescue".  unrescuing: power off, the tenant's networks, boot from
 * disk, power on: "active".  Silence past [deploy] callback_timeout in
 * rescue wait fails the rescue (powered off, isolated).
 */
#include <crypt.h>
#include <stdio.h>
#include <string.h>

#include "jsonutil.h"
#include "agent_client.h"
#include "agent_flow.h"
#include "boot_ipxe.h"
#include "dhcp.h"
#include "drivers.h"
#include "log.h"
#include "netflow.h"
#include "node.h"
#include "rescue_agent.h"

#define RESCUE_PASSWORD_MAX	256

bool
rescue_agent_used(json_t *node)
{
	return hw_generic_find(HW_IF_RESCUE, node_rescue_interface(node)) ==
	    &rescue_agent_ops;
}

int
rescue_set_password(json_t *node, const char *pw, struct ierr *e)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	if (pw == NULL || pw[0] == '\0' || strlen(pw) > RESCUE_PASSWORD_MAX) {
		ierr_set(e, IG_EINVAL, "A non-empty \"rescue_password\" of at most %d "
		    "characters is required when setting target provision state to "
		    "rescue", RESCUE_PASSWORD_MAX);
		return -1;
	}
	if (crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)) == NULL ||
	    (h = crypt_r(pw, salt, &cd)) == NULL || h[0] == '*') {
		ierr_set(e, IG_EINTERNAL, "cannot hash the rescue password");
		return -1;
	}
	json_object_set_new(node_instance_info(node), "hashed_rescue_password",
	    json_string(h));
	explicit_bzero(&cd, sizeof(cd));
	return 0;
}

static enum hw_step
rescue_start(json_t *node, char *err, size_t len)
{
	if (jstr(node_instance_info(node), "hashed_rescue_password") == NULL) {
		snprintf(err, len, "no rescue password");
		return HW_STEP_FAIL;
	}
	if (netflow_apply(node, NET_RESCUING, err, len) != 0)
		return HW_STEP_FAIL;
	return agent_boot_ramdisk(node, err, len);
}

static void
forget(json_t *node)
{
	static const char *const keys[] = { "agent_secret_token", "agent_url",
	    "agent_last_heartbeat", "agent_phase", NULL };

	for (int i = 0; keys[i] != NULL; i++)
		json_object_del(node_driver_internal_info(node), keys[i]);
}

static int
boot_files_gone(json_t *node, char *err, size_t len)
{
	const struct hw_generic_ops *b = drv_generic(node, HW_IF_BOOT);

	return b != NULL && b->clean_up_ramdisk != NULL ? b->clean_up_ramdisk(node, err,
	    len) : 0;
}

/* Unrescue: the ramdisk off, the tenant's networks, the instance booted. */
static enum hw_step
unrescue_run(json_t *node, char *err, size_t len)
{
	const struct hw_mgmt_ops *m = drv_mgmt(node);

	forget(node);
	json_object_del(node_instance_info(node), "hashed_rescue_password");
	if (drv_do_power(node, HW_ACT_POWER_OFF, 0, err, len) != 0 ||
	    boot_files_gone(node, err, len) != 0 ||
	    netflow_apply(node, NET_TENANT, err, len) != 0)
		return HW_STEP_FAIL;
	if (m != NULL && m->set_boot_device != NULL &&
	    m->set_boot_device(node, "disk", true, err, len) != 0)
		return HW_STEP_FAIL;
	return drv_do_power(node, HW_ACT_POWER_ON, 0, err, len) != 0 ? HW_STEP_FAIL :
	    HW_STEP_DONE;
}

const struct hw_generic_ops rescue_agent_ops = {
	.name = "agent",
	.rescue = rescue_start,
	.unrescue = unrescue_run,
};

static int
fail(json_t *node, const char *why, struct ierr *e)
{
	char msg[700];

	snprintf(msg, sizeof(msg), "Rescue failed: %s", why);
	forget(node);
	agent_flow_abort(node);
	return cond_transition(node, "fail", msg, e);
}

/* The rescue ramdisk is on the rescuing network: with DHCP, the conductor
 * reaches it from that network's namespace. */
static void
rescue_netns(char *buf, size_t len)
{
	json_t *net = dhcp_enabled() ? boot_network("rescuing") : NULL;

	buf[0] = '\0';
	if (net != NULL && jstr(net, "dhcp_range") != NULL)
		dhcp_netns_name(net, buf, len);
	json_decref(net);
}

/* rescue.finalize_rescue with the hash; 0, or -1 with err. */
static int
finalize(json_t *node, char *err, size_t len)
{
	json_t *dii = node_driver_internal_info(node);
	char ns[64];

	rescue_netns(ns, sizeof(ns));
	agent_client_thread_netns(ns);
	json_t *params = json_pack("{s:s, s:b}", "rescue_password",
	    jstr(node_instance_info(node), "hashed_rescue_password"), "hashed", 1);
	json_t *r = agent_command(jstr(dii, "agent_url"), jstr(dii, "agent_secret_token"),
	    jstr(dii, "agent_verify_ca"), "rescue.finalize_rescue", params, true, err, len);
	const char *st = jstr(r, "command_status");
	int rc = st != NULL && strcmp(st, "SUCCEEDED") == 0 ? 0 : -1;

	agent_client_thread_netns(NULL);
	if (rc != 0 && r != NULL)
		snprintf(err, len, "the agent's rescue.finalize_rescue: %s",
		    st ? st : "no status");
	json_decref(params);
	json_decref(r);
	return rc;
}

int
rescue_agent_heartbeat(json_t *node, json_t *args, struct ierr *e)
{
	char err[512] = "";

	(void)args;
	if (strcmp(node_provision_state(node), "rescue wait") != 0)
		return node_save(node, e);
	if (finalize(node, err, sizeof(err)) != 0)
		return fail(node, err, e);
	forget(node);
	if (boot_files_gone(node, err, sizeof(err)) != 0 ||
	    netflow_apply(node, NET_TENANT, err, sizeof(err)) != 0)
		return fail(node, err, e);
	if (cond_transition(node, "resume", NULL, e) != 0 ||
	    cond_transition(node, "done", NULL, e) != 0)
		return -1;
	log_info("rescue finalized: the tenant's networks reach the rescue ramdisk");
	return 0;
}
