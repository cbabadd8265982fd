/* The deploy ramdisk's calls: lookup and heartbeat (see conductor.h). */
#include <stdio.h>
#include <string.h>

#include "agent_flow.h"
#include "conductor.h"
#include "fsm.h"
#include "log.h"
#include "node.h"
#include "rescue_agent.h"
#include "store.h"
#include "util.h"
#include "worker.h"

#define LOOKUP_MAX_MACS 32

/*
 * The node a lookup names: every known MAC among the addresses (at most
 * LOOKUP_MAX_MACS) must be a port of one and the same node, and that node
 * must be node_uuid when given.  NULL otherwise: a node UUID alone, or a
 * MAC of another node, finds nothing.
 */
static json_t *
lookup_node(const char *addresses, const char *node_uuid)
{
	char buf[1024], *save_p = NULL, mac[18], uuid[UUID_STR_LEN] = "";
	int n = 0;

	if (addresses == NULL || strlen(addresses) >= sizeof(buf))
		return NULL;
	memcpy(buf, addresses, strlen(addresses) + 1);
	for (char *t = strtok_r(buf, ",", &save_p); t != NULL;
	    t = strtok_r(NULL, ",", &save_p)) {
		json_t *port;
		const char *owner;
		if (++n > LOOKUP_MAX_MACS)
			return NULL;
		if (!util_normalize_mac(t, mac))
			continue;
		if ((port = store_get(store_thread(), &model_port, "address", mac)) == NULL)
			continue;
		owner = port_node_uuid(port);
		if (owner == NULL || (uuid[0] != '\0' && strcmp(uuid, owner) != 0) ||
		    (node_uuid != NULL && strcmp(node_uuid, owner) != 0)) {
			json_decref(port);
			return NULL;
		}
		snprintf(uuid, sizeof(uuid), "%s", owner);
		json_decref(port);
	}
	return uuid[0] != '\0' ? store_get(store_thread(), &model_node, "uuid", uuid) :
	    NULL;
}

/*
 * Anonymous (ramdisks have no credentials): what is refused is decided on
 * an unlocked read and looks the same whatever the reason; the lock is
 * taken only to issue a node's first token.
 */
json_t *
cond_agent_lookup(const char *addresses, const char *want_uuid, struct ierr *e)
{
	json_t *found, *node, *out;
	const char *uuid;

	found = lookup_node(addresses, want_uuid);
	if (found == NULL || !agent_flow_awaits_agent(found)) {
		json_decref(found);
		ierr_set(e, IG_ENOTFOUND, AGENT_LOOKUP_NOT_FOUND);
		return NULL;
	}
	uuid = node_uuid(found);
	log_set_node(uuid);
	if (agent_flow_token_issued(found)) {
		log_warn("agent lookup refused a token: one was issued already");
		out = agent_lookup(found, e);	/* no token in it: nothing to save */
		json_decref(found);
		return out;
	}
	node = node_lock_reload(uuid, e);
	json_decref(found);
	if (node == NULL)
		return NULL;
	out = agent_lookup(node, e);
	node_unlock(node_uuid(node));
	json_decref(node);
	return out;
}

/* The token and state are checked before the lock: a stranger's heartbeat
 * never holds (or waits for) the node. */
int
cond_agent_heartbeat(json_t *in, json_t *body, struct ierr *e)
{
	const char *uuid = node_uuid(in);
	const struct fsm_state *st;
	json_t *node;

	if (agent_heartbeat_check(in, body, e) != 0)
		return -1;
	if ((node = node_lock_reload(uuid, e)) == NULL)
		return -1;
	if (agent_heartbeat_record(node, body, e) != 0 || node_save(node, e) != 0) {
		node_unlock(uuid);
		json_decref(node);
		return -1;
	}
	st = fsm_state(node_provision_state(node));
	if (st != NULL && st->kind == FSM_WAIT) {	/* the worker releases the lock */
		worker_submit(strcmp(st->name, "rescue wait") == 0 && rescue_agent_used(node) ?
		    rescue_agent_heartbeat : agent_flow_heartbeat, uuid, NULL);
	} else {
		node_unlock(uuid);
	}
	json_decref(node);
	return 0;
}
