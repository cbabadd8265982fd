/*
 * The ring pass (see ring.h): every heartbeat each conductor writes itself
 * into nodes.conductor for the nodes the ring gives it, after releasing the
 * locks of dead conductors.  Nodes move between live conductors by a
 * compare-and-set on nodes.conductor; a node taken from a dead conductor
 * (or from none) is locked first and recovered like a restart recovers.
 */
#include <stdio.h>
#include <string.h>

#include "cond_conf.h"
#include "dhcp_owner.h"
#include "log.h"
#include "node.h"
#include "periodic.h"
#include "ring.h"
#include "store.h"

#define DEAD_MAX	64

struct claim_scan {
	size_t	 iuuid, iowner;
	char	 group[128];
	json_t	*todo;		/* [[uuid, old owner or null], ...] */
};

/* The nodes of this conductor's group the ring gives it and it has not. */
static int
claim_scan_row(void *ctx, const struct store_val *v)
{
	struct claim_scan *c = ctx;
	const char *uuid = v[c->iuuid].text, *old = v[c->iowner].null ? NULL :
	    v[c->iowner].text;
	char owner[128];

	if (uuid == NULL || !ring_owner(c->group, uuid, owner, sizeof(owner)) ||
	    strcmp(owner, cond_host_name) != 0 ||
	    (old != NULL && strcmp(old, cond_host_name) == 0))
		return 0;
	json_array_append_new(c->todo, json_pack("[s,s?]", uuid, old));
	return 0;
}

/* A node whose owner is gone: locked, taken, recovered as on restart. */
static void
adopt(const char *uuid, const char *old)
{
	struct ierr e = { 0 };
	char why[300], ev[400];
	json_t *node;

	if ((node = node_lock_reload(uuid, &e)) == NULL)
		return;		/* held (a live task, a brief request): next pass */
	if (store_node_set_conductor(store_thread(), uuid, old, cond_host_name) ==
	    STORE_OK) {
		snprintf(ev, sizeof(ev), "Node taken over from conductor %s by %s",
		    old ? old : "(none)", cond_host_name);
		if (old != NULL)
			node_history(node, "INFO", "conductor", ev);
		snprintf(why, sizeof(why), "Conductor %s stopped heartbeating (dead "
		    "after %d s)", old ? old : "(none)", ring_dead_after());
		periodic_recover_node(node, why);
	}
	node_unlock(uuid);
	json_decref(node);
}

static void
claim(const char *uuid, const char *old)
{
	if (old == NULL || !ring_alive(old)) {
		adopt(uuid, old);
		return;
	}
	/* Rebalanced away from a live conductor: its running task keeps the
	 * node's lock and finishes; periodic work here skips locked nodes. */
	if (store_node_set_conductor(store_thread(), uuid, old, cond_host_name) ==
	    STORE_OK)
		log_info("node %s moved from conductor %s to %s", uuid, old,
		    cond_host_name);
}

static void
claim_mine(void)
{
	struct claim_scan c = { .todo = json_array() };
	json_t *g, *pair;
	struct store_query q = { .nfilters = 1 };
	char err[256];
	size_t i;

	c.iuuid = (size_t)(model_field(&model_node, "uuid") - model_node.fields);
	c.iowner = (size_t)(model_field(&model_node, "conductor") - model_node.fields);
	snprintf(c.group, sizeof(c.group), "%s", cconf.group ? cconf.group : "");
	g = json_string(c.group);
	q.filters[0] = (struct store_filter){ .field = "conductor_group", .op = SO_EQ,
	    .value = g };
	if (store_scan(store_thread(), &model_node, &q, claim_scan_row, &c, err,
	    sizeof(err)) < 0)
		log_error("ring pass: %s", err);
	json_array_foreach(c.todo, i, pair)
		claim(json_string_value(json_array_get(pair, 0)),
		    json_string_value(json_array_get(pair, 1)));
	json_decref(c.todo);
	json_decref(g);
}

void
takeover_pass(void)
{
	char dead[DEAD_MAX][128];
	int n, nd;

	if (ring_refresh() != 0)
		return;
	nd = ring_dead(dead, DEAD_MAX);
	for (int i = 0; i < nd; i++)
		if ((n = store_release_all(store_thread(), dead[i])) > 0)
			log_warn("released %d node lock(s) of conductor %s (no heartbeat "
			    "for %d s)", n, dead[i], ring_dead_after());
	claim_mine();
	dhcp_owner_pass();
}
