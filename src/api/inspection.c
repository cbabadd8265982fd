/*
 * In-band inspection's endpoints: the agent's POST /v1/continue_inspection
 * (ramdisk listeners only, like lookup) and a node's inventory,
 * GET /v1/nodes/{node}/inventory (1.81).
 */
#include "api.h"
#include "conductor.h"
#include "jsonutil.h"
#include "store.h"
#include "util.h"

/* An API-only ingotd sends the inspection data of a node it knows by
 * node_uuid to the node's owner (as heartbeats); true when answered. */
static bool
forward_to_owner(struct req *q, struct resp *r, const char *uuid)
{
	json_t *node = store_get(store_thread(), &model_node, "uuid", uuid);
	json_t *saved = q->obj;
	const char *path = q->path;
	char with[200];
	bool done;

	if (node == NULL)
		return false;
	/* the query goes along (uuid is a UUID: nothing to escape) */
	snprintf(with, sizeof(with), "%s?node_uuid=%s", path, uuid);
	q->obj = node, q->path = with;
	done = api_forward(q, r);
	q->obj = saved, q->path = path;
	json_decref(node);
	return done;
}

void
h_continue_inspection(struct req *q, struct resp *r)
{
	const char *uuid = api_query(q, "node_uuid");
	struct ierr e = { 0 };
	json_t *out;

	if (uuid != NULL && !util_is_uuid(uuid)) {
		api_error(r, 400, "Expected a UUID for node_uuid but received %.64s.", uuid);
		return;
	}
	if (uuid != NULL && !cond_owns_nodes() && forward_to_owner(q, r, uuid))
		return;
	if ((out = cond_continue_inspection(q->json, uuid, &e)) == NULL)
		api_ierr(r, &e);
	else
		api_json(r, 202, out);
}

void
h_node_inventory(struct req *q, struct resp *r)
{
	json_t *row = store_get(store_thread(), &model_inventory, "uuid",
	    jstr(q->obj, "uuid"));

	if (row == NULL) {
		api_error(r, 404, "Node inventory record for node %s could not be found.",
		    jstr(q->obj, "uuid"));
		return;
	}
	api_json(r, 200, json_pack("{s:O, s:O}", "inventory", json_object_get(row,
	    "inventory"), "plugin_data", json_object_get(row, "plugin_data")));
	json_decref(row);
}
